/*
 * case/actor_int.h - private to src/case/: the acting session (kz_actor)
 * and the helpers account.c and case.c share.  Not a public header.
 */
#ifndef KZ_ACTOR_INT_H
#define KZ_ACTOR_INT_H

#include "case/account.h"
#include "util/buf.h"
#include <time.h>

struct kz_actor {
    kz_store *s;
    int64_t   id;             /* 0: the system, no account */
    char      name[72];       /* "system" for the system */
    char      role[16];       /* "" for the system */
    char      now[21];        /* test clock; "" = the real clock */
    char      err[512];
};

/* Role bits, for "needs a reviewer or a supervisor". */
enum { R_ANALYST = 1, R_REVIEWER = 2, R_SUPERVISOR = 4, R_AUDITOR = 8, R_ADMIN = 16 };
unsigned kz__role_bit(const char *role);

/* An account's state, as SQL over the accounts row aliased t: "disabled",
 * "invited" (added, its owner has not enrolled yet) or "active" - the one
 * rule every listing of accounts reads. */
#define KZ__ACCOUNT_STATE(t)                                                    \
    "CASE WHEN " t ".disabled <> 0 THEN 'disabled' WHEN " t ".enrolled_at IS NULL " \
    "THEN 'invited' ELSE 'active' END"

/* Set a's message and return rc. */
int kz__fail(kz_actor *a, int rc, const char *fmt, ...) KZ_PRINTF(3, 4);
/* A storage error while doing what: the driver's message. */
int kz__dbfail(kz_actor *a, int rc, const char *what);

/* The time now (a's clock), and time arithmetic on stored times. */
void kz__now(const kz_actor *a, char out[21]);
int  kz__time_parse(const char *s, time_t *t);        /* 0 or KZ_EINVAL */
void kz__time_fmt(time_t t, char out[21]);

/* Begin a transaction; end it: commit when rc is 0, else roll back.
 * Returns rc, or the commit's error. */
int kz__begin(kz_actor *a);
int kz__end(kz_actor *a, int rc);

/* Inside a transaction: re-read the acting account (it may have been
 * disabled or changed role since login) and require one of the roles in
 * mask for doing what ("approving a block").  KZ_EPERM with a message. */
int kz__need(kz_actor *a, unsigned mask, const char *what);

/* The name of account id (for messages and audit JSON); "?" if unknown. */
void kz__account_name(kz_actor *a, int64_t id, char out[72]);

#endif
