/*
 * cli/stored.c - one scanned text into the store: what ingest and crawl
 * both do with a scan result (detections from the hits, a detection per
 * hash-bank match, a flag per category over its threshold, then
 * kz_store_ingest).
 *
 * Re-uploads (docs/banks.md): the text's SHA-256 and the SimHash of its
 * first 2000 bytes (the stored excerpt, which is what a decision banks) are
 * matched against the block banks; a match is a detection of method "hash",
 * rule "bank:<bank>", weight 100, over the whole text (span 0..0), and
 * flags the bank's category.  Its evidence is the matched entry's origin
 * ("decision:<id>"), the link to the earlier decision.
 */
#include "cli.h"
#include "detect/scan.h"
#include "detect/simhash.h"
#include "store/bank.h"
#include "store/store.h"
#include <sodium.h>


typedef struct kz_cli_bankhit {
    char rule[KZ_BANK_NAME_MAX + 8];        /* "bank:<name>" */
    char cat[KZ_BANK_NAME_MAX + 1];
    char origin[32];                        /* "decision:<id>", "import" or "" */
} kz_cli_bankhit;

/* The category of a match: its tags when they are one word (what a decision
 * banks), else the bank's name without "-sha256" or "-text". */
static void hit_category(const kz_bank_hit *h, char *out, size_t n)
{
    if (h->tags && *h->tags && strlen(h->tags) < n && kz_bank_name_ok(h->tags)) {
        snprintf(out, n, "%s", h->tags);
        return;
    }
    size_t l = strlen(h->bank);
    if (l > 7 && !strcmp(h->bank + l - 7, "-sha256"))
        l -= 7;
    else if (l > 5 && !strcmp(h->bank + l - 5, "-text"))
        l -= 5;
    snprintf(out, n, "%.*s", (int)l, h->bank);
}

/* The origin of bank entry id ("" when unknown). */
static void entry_origin(kz_store *st, int64_t id, char out[32])
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    out[0] = '\0';
    if (kz_db_query(kz_store_db(st), "SELECT origin FROM bank_entries WHERE id = $1", p, 1, &r))
        return;
    if (kz_dbres_next(r) == 1) {
        const char *o = kz_dbres_text(r, 0, NULL);
        snprintf(out, 32, "%s", o ? o : "");
    }
    kz_dbres_done(r);
}

/* Match the text against the block banks into k->bh[0..*nbh). */
static int match_banks(kz_store *st, kz_cli_sink *k, const kz_item_in *it, size_t *nbh,
                       char sha[2 * crypto_hash_sha256_BYTES + 1])
{
    unsigned char md[crypto_hash_sha256_BYTES];
    char sim[KZ_SIMHASH_HEXLEN + 1];
    uint64_t h = 0;
    int rc;
    *nbh = 0;
    if (!k->banks && (rc = kz_bank_open(&k->banks, st)) != 0)
        return rc;
    if (!k->sh && !(k->sh = kz_simhash_new()))
        return KZ_ENOMEM;
    crypto_hash_sha256(md, (const unsigned char *)it->text, it->text_len);
    sodium_bin2hex(sha, 2 * crypto_hash_sha256_BYTES + 1, md, sizeof md);
    size_t ex = kz_store_excerpt_len(it->text, it->text_len);
    if ((rc = kz_simhash_text(k->sh, it->text, ex, &h)) != 0)
        return rc;
    kz_simhash_to_hex(h, sim);
    const char *q[2] = { sha, sim };
    int types[2] = { KZ_BANK_SHA256, KZ_BANK_SIMHASH };
    for (int t = 0; t < 2; t++) {
        const kz_bank_result *res = NULL;
        if (t == 1 && !h)
            break;                              /* no words: nothing to match */
        if ((rc = kz_bank_match(k->banks, types[t], &q[t], 1, &res)) != 0)
            return rc;
        if (res->suppressed)
            continue;
        if (KZ_GROW(k->bh, k->capbh, *nbh + res->nblock + 1))
            return KZ_ENOMEM;
        for (size_t i = 0; i < res->nblock; i++) {
            kz_cli_bankhit *b = &k->bh[(*nbh)++];
            snprintf(b->rule, sizeof b->rule, "bank:%s", res->v[i].bank);
            hit_category(&res->v[i], b->cat, sizeof b->cat);
            entry_origin(st, res->v[i].entry_id, b->origin);
        }
    }
    return 0;
}

/* The hash detections' evidence: the entry's origin (kz_detection_in has no
 * evidence field; a zero span stores ""), in the ingest's transaction. */
int kz_cli_store_scan(kz_store *st, const kz_scanner *sc, kz_cli_sink *k, const kz_item_in *it,
                      const kz_result *r, kz_ingest_out *out)
{
    size_t nbh = 0;
    char sha[2 * crypto_hash_sha256_BYTES + 1];
    int rc = match_banks(st, k, it, &nbh, sha);
    if (rc)
        return rc;
    if (KZ_GROW(k->det, k->capdet, r->nhits + nbh + 1) ||
        KZ_GROW(k->flags, k->capflags, kz_scanner_ncats(sc) + nbh + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < r->nhits; i++) {
        const kz_hit *h = &r->hits[i];
        size_t cat = kz_scanner_rule_cat(sc, h->rule);
        k->det[i] = (kz_detection_in){ kz_scanner_rule_id(sc, h->rule),
                                       kz_scanner_cat_name(sc, cat), "rule",
                                       kz_scanner_rule_weight(sc, h->rule), h->start, h->end, NULL };
    }
    size_t nf = 0;
    for (size_t c = 0; c < kz_scanner_ncats(sc); c++)
        if (r->flagged[c])
            k->flags[nf++] = (kz_flag_in){ kz_scanner_cat_name(sc, c), (int)r->score[c] };
    for (size_t i = 0; i < nbh; i++) {
        const kz_cli_bankhit *b = &k->bh[i];
        k->det[r->nhits + i] = (kz_detection_in){ b->rule, b->cat, "hash", 100, 0, 0,
                                                  b->origin[0] ? b->origin : NULL };
        size_t f = 0;
        while (f < nf && strcmp(k->flags[f].category, b->cat))
            f++;
        if (f == nf)
            k->flags[nf++] = (kz_flag_in){ b->cat, 100 };
        else if (k->flags[f].score < 100)
            k->flags[f].score = 100;
    }
    kz_item_in item = *it;
    item.content_sha256 = sha;                  /* hashed once, for the banks and the store */
    return kz_store_ingest(st, &item, k->det, r->nhits + nbh, k->flags, nf, out);
}

void kz_cli_sink_release(kz_cli_sink *k)
{
    kz_bank_close(&k->banks);
    kz_simhash_free(k->sh);
    free(k->bh);
    free(k->det);
    free(k->flags);
    memset(k, 0, sizeof *k);
}
