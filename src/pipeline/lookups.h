/*
 * pipeline/lookups.h - the answers of the lookups as JSON documents: the
 * list of hash banks, the matches of a file's or a signal's queries
 * against them, and the check of a URL against the blocklist in effect.
 * `kuzet bank list --json` and the server's GET /api/v1/banks write a bank
 * with the same function (one set of field names, `signal_type` as Meta's
 * HMA names it); the server's bank match and URL check answers are built
 * here, so a front end only passes them on.  docs/api.md shows them.
 *
 * A bank:   {"name":N,"signal_type":T,"threshold":D,"kind":"block"|"allow",
 *            "entries":N,"created_at":TIME}
 * Banks:    {"banks":[BANK...]}\n
 * Matches:  {"matches":[{"bank","signal_type","signal","distance",
 *            ["minhash_distance",]"entry_id","tags"}...],"suppressed":N}\n
 *           (minhash_distance: a text matched by its MinHash, the slots
 *           that differ; distance is the SimHash's either way)
 *           or, ids only (HMA's raw_lookup): {"matches":[ENTRY_ID...]}\n
 * Check:    {"url":U,"result":"blocked","decision_id":N,"expression":E,
 *            "version":V}\n, "result":"ok", or "result":"invalid" with
 *            "reason".
 *
 * Each returns 0, or an error with nothing promised about what o holds
 * (KZ_ENOMEM / KZ_ETOOBIG from o; a bank error from kz_bankq_match, whose
 * message is kz_bank_errmsg).  No state: thread-safe as their arguments
 * are.
 */
#ifndef KZ_LOOKUPS_H
#define KZ_LOOKUPS_H

#include "act/blocklist.h"
#include "pipeline/bankquery.h"
#include "store/bank.h"
#include "util/buf.h"

/* One bank as an object (no newline). */
int kz_lookups_bank(kz_buf *o, const kz_bank_info *b);
/* The banks v[0..n) as {"banks":[...]}\n. */
int kz_lookups_banks(kz_buf *o, const kz_bank_info *v, size_t n);
/* Every query of qs matched against bk's banks (kz_bankq_match), block
 * matches only, those an allow bank suppressed counted. */
int kz_lookups_matches(kz_buf *o, kz_banks *bk, const kz_bankqs *qs, int ids_only);
/* url checked against b (with the caller's ctx) in the list of version. */
int kz_lookups_check(kz_buf *o, const kz_blocklist *b, kz_blocklist_ctx *ctx, const char *url,
                     size_t n, int64_t version);

#endif
