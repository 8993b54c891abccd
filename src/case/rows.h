/*
 * case/rows.h - do the workflow's tables still hold what the audit log
 * says they hold?
 *
 * Every change kuzet makes to a case, decision, notice, appeal, account,
 * hash bank, bank entry or rule set is an audit entry whose JSON carries what the
 * row holds after it (case/case.c, case/account.c, store/bank.c,
 * store/store.c).  kz_rows_check() replays the log, entry by entry, into
 * what each row must hold now, then reads the tables and reports every row
 * that differs: a column changed, a row added or deleted behind kuzet's
 * back (a database tool, SQL).  The log itself is checked by
 * kz_audit_verify (store/audit.h); this only means something when that
 * passes.
 *
 * What is compared (docs/store.md "What verify proves"):
 *   cases          item, category, state, score, automated, assignee
 *   decisions      case, measure, scope, start, end, legal basis, reasons,
 *                  automated detection, decider, time, approver, approval
 *                  time, reversal time
 *   notices        decision, platform, sent, deadline, answer, answer time,
 *                  compliance time, escalation time
 *   appeals        decision, appellant, grounds, filed, reviewer, outcome,
 *                  reasons, resolved, the case's state before
 *   accounts       name, role, disabled, the password hash (by fingerprint),
 *                  who created it and when, enrolment time, who disabled it
 *                  and when
 *   banks          name, signal type, threshold, kind
 *   bank entries   bank, signal, tags, origin; entries of an import by
 *                  their digest (store/bank.h, kz_bank_digest_entry)
 *   rule sets      the text (by its SHA-256), the sha256 column, name,
 *                  rule count, who published it and when
 * Not compared: items, detections, platforms, item checks and images,
 * deadlines per category, blocklist versions, the crawl frontier, and the
 * times a row was created or last updated (cases.updated_at ...).
 */
#ifndef KZ_ROWS_H
#define KZ_ROWS_H

#include "store/store.h"

/* One row (or, for an import's entries, the first id of a range) that is
 * not what the log says; what says how (static until the next call). */
typedef void (*kz_rows_fn)(void *ctx, const char *table, int64_t id, const char *what);

typedef struct kz_rows_report {
    int64_t entries;        /* audit entries replayed */
    int64_t rows;           /* rows compared */
    int64_t differ;         /* rows (and import ranges) reported */
    int64_t unchecked;      /* imported bank entries of an import logged
                               without its digest (before kuzet recorded it) */
} kz_rows_report;

/* Replay the log and compare; fn is called for each difference.  0 (look
 * at rep->differ), or KZ_ENOMEM / a storage error (kz_store_errmsg). */
int kz_rows_check(kz_store *s, kz_rows_fn fn, void *ctx, kz_rows_report *rep);

/* What account.create records of a password hash: SHA-256 of the stored
 * string, as 64 hex digits. */
void kz_rows_password_fingerprint(const char *hash, char out[65]);

/* Before acting on the rows (kuzet check, kuzet export): verify the audit
 * log - against the store's own signing key when its key file exists
 * (kz_audit_key_path), else against the keys stored with the checkpoints -
 * and replay it against the rows.  0 when both hold; KZ_ESTATE with
 * kz_store_errmsg(s) saying what is wrong (the first bad entry, or how
 * many rows differ and the first of them); storage errors (it says which). */
int kz_rows_guard(kz_store *s);

#endif
