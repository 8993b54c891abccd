/*
 * serve/throttle.h - log-in throttling: slow password guessing down
 * without locking the real user out.
 *
 * Failures are counted per (account, address) and per address, in memory
 * (per server process: several servers behind one proxy each count their
 * own; a fixed-size table, the oldest forgotten first),
 * and forgotten 15 minutes after the last one.  Past a few free failures
 * each key must wait before its next attempt, the wait doubling per
 * failure up to a cap:
 *
 *   (account, address)   3 free, then 1 s, 2 s, 4 s ... at most 60 s
 *   address              20 free, then 1 s, 2 s ... at most 300 s
 *
 * A log-in that succeeds clears its (account, address) key.  An attacker
 * guessing one account's password from elsewhere never delays the owner's
 * log-in from their own address, and the owner's own typos cost seconds,
 * not a lock-out.  Thread-safe.
 */
#ifndef KZ_SERVE_THROTTLE_H
#define KZ_SERVE_THROTTLE_H

#include "util/kz.h"

/* Seconds the caller must wait before trying name from addr (0: go on). */
unsigned kz_throttle_wait(const char *name, const char *addr);
/* A failed log-in of name from addr.  Returns the account's failures
 * from any address (within the 15 minutes) when they reach 5, 10, 20,
 * 40, ... - when the caller audits them (kz_account_audit_failures) -
 * else 0. */
unsigned kz_throttle_fail(const char *name, const char *addr);
/* A successful log-in of name from addr. */
void kz_throttle_ok(const char *name, const char *addr);
/* A log-in refused for its wait (answered 429): counted. */
void kz_throttle_refused(void);
/* Failed log-ins and refused (throttled) ones since the start (/metrics). */
void kz_throttle_counts(unsigned long *failed, unsigned long *refused);

#endif
