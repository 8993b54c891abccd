/*
 * report/statements.h - statements of reasons in the field set of the EU's
 * DSA Transparency Database (its API: POST /api/v1/statements takes
 * {"statements":[...]} with 1 to 100 statements), one per restriction
 * kuzet decided in a period.  docs/statements.md has the fields, the
 * mapping from kuzet's measures and categories to the database's
 * enumerations, and what is left out (no personal data: Art. 24(5) DSA).
 *
 * Which decisions: every restrictive decision that took effect in the
 * period [from 00:00:00Z, to + 1 day 00:00:00Z): a removal request or
 * geo-restriction when it was decided, a URL or domain block when a second
 * person approved it (a proposal never approved restricted nothing).  A
 * decision later reversed on appeal keeps its statement.  A decision that
 * cannot be expressed (its category has no DSA category, a date the
 * database refuses) is left out and listed in kz_statements_skipped().
 *
 * Errors: KZ_EINVAL (a bad period), KZ_ENOMEM, storage errors (the message
 * in kz_store_errmsg()).
 */
#ifndef KZ_STATEMENTS_H
#define KZ_STATEMENTS_H

#include "store/store.h"
#include "util/buf.h"

#define KZ_STATEMENTS_BATCH 100       /* the API's most statements per call */

typedef struct kz_statements kz_statements;

/* Build the statements for [from, to] (dates "YYYY-MM-DD", to inclusive),
 * by decision id.  On success *out is new (kz_statements_free). */
int  kz_statements_compute(kz_store *s, const char *from, const char *to, kz_statements **out);
void kz_statements_free(kz_statements **sp);              /* NULL-safe; sets *sp = NULL */

size_t kz_statements_count(const kz_statements *st);

/* The i-th decision left out (i < kz_statements_nskipped): its id and why. */
size_t kz_statements_nskipped(const kz_statements *st);
int    kz_statements_skipped(const kz_statements *st, size_t i, int64_t *decision_id,
                             const char **why);

/* Append the statements as JSON: one request body per line,
 * {"statements":[...]} with at most KZ_STATEMENTS_BATCH statements each
 * (nothing when there are none: the API refuses an empty batch). */
int kz_statements_json(const kz_statements *st, kz_buf *out);

/* Append them as one JSON document (kuzet serve's answer):
 * {"batches":[{"statements":[...]},...],"left_out":[{"decision_id":N,
 * "why":"..."},...]}, the batches as kz_statements_json() writes them. */
int kz_statements_json_doc(const kz_statements *st, kz_buf *out);

/* Append them as CSV: a header of the field names, then a row per
 * statement; an array field is its JSON array text, an absent field empty. */
int kz_statements_csv(const kz_statements *st, kz_buf *out);

#endif
