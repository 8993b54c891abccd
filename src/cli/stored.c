/*
 * cli/stored.c - one scanned text into the store: what ingest and crawl
 * both do with a scan result (detections from the hits, a detection per
 * hash-bank match, a flag per category over its threshold, then
 * kz_store_ingest, then the hashes of the record's images).
 *
 * Re-uploads (docs/banks.md): the text's SHA-256 and the SimHash of its
 * first 2000 bytes (the stored excerpt, which is what a decision banks) are
 * matched against the block banks, and each image of the record by its
 * SHA-256, MD5 and PDQ in its 8 orientations; a match is a detection of
 * method "hash", rule "bank:<bank>", weight 100, over the whole text (span
 * 0..0), and flags the bank's category.  Its evidence is the matched
 * entry's origin ("decision:<id>"), the link to the earlier decision.
 * An image that matches an allow bank (any type) has all its block matches
 * suppressed.
 *
 * Cost: a record no rule matched is only hashed for the signal types some
 * block bank holds (kz_bank_any_block, from a list read once per run); so
 * with no banks, checking every record costs nothing.
 */
#include "cli.h"
#include "detect/scan.h"
#include "detect/simhash.h"
#include "ingest/crawl.h"
#include "ingest/imghash.h"
#include "store/bank.h"
#include "store/media.h"
#include "store/store.h"
#include <sodium.h>

typedef struct kz_cli_bankhit {
    char rule[KZ_BANK_NAME_MAX + 8];        /* "bank:<name>" */
    char cat[KZ_BANK_NAME_MAX + 1];
    char origin[32];                        /* "decision:<id>", "import" or "" */
} kz_cli_bankhit;

typedef struct kz_cli_image {
    char      *ref;                         /* path or URL as given */
    kz_imghash h;
} kz_cli_image;

/* The category of a match: its tags when they are one word (what a decision
 * banks), else the bank's name without its suffix (-sha256, -text, -pdq,
 * -md5). */
static void hit_category(const kz_bank_hit *h, char *out, size_t n)
{
    static const char *const suffix[] = { "-sha256", "-text", "-pdq", "-md5" };
    if (h->tags && *h->tags && strlen(h->tags) < n && kz_bank_name_ok(h->tags)) {
        snprintf(out, n, "%s", h->tags);
        return;
    }
    size_t l = strlen(h->bank);
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        size_t s = strlen(suffix[i]);
        if (l > s && !strcmp(h->bank + l - s, suffix[i])) {
            l -= s;
            break;
        }
    }
    snprintf(out, n, "%.*s", (int)l, h->bank);
}

void kz_cli_sink_reset(kz_cli_sink *k)
{
    for (size_t i = 0; i < k->nimg; i++)
        free(k->img[i].ref);
    k->nimg = 0;
    k->nbh = 0;
    k->matched = 0;
    k->text_sha[0] = '\0';
}

/* The SHA-256 (hex) of it's text: it->content_sha256 when the caller has it,
 * else computed once per record and kept in k until kz_cli_sink_reset. */
static const char *text_sha256(kz_cli_sink *k, const kz_item_in *it)
{
    if (it->content_sha256)
        return it->content_sha256;
    if (!k->text_sha[0]) {
        unsigned char md[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(md, (const unsigned char *)it->text, it->text_len);
        sodium_bin2hex(k->text_sha, sizeof k->text_sha, md, sizeof md);
    }
    return k->text_sha;
}

int kz_cli_sink_image(kz_cli_sink *k, const char *ref, size_t ref_len, const void *data, size_t n,
                      char *why)
{
    int rc;
    if (KZ_GROW(k->img, k->capimg, k->nimg + 1)) {
        snprintf(why, KZ_IMAGE_ERRLEN, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    kz_cli_image *im = &k->img[k->nimg];
    if ((rc = kz_imghash_compute(data, n, &im->h, why)) != 0)
        return rc;
    if (!(im->ref = kz_strndup(ref, ref_len))) {
        snprintf(why, KZ_IMAGE_ERRLEN, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    k->nimg++;
    k->matched = 0;
    return 0;
}

/* Append the block matches of res (unless suppressed) to k->bh. */
static int add_hits(kz_cli_sink *k, const kz_bank_result *res)
{
    if (res->suppressed || !res->nblock)
        return 0;
    if (KZ_GROW(k->bh, k->capbh, k->nbh + res->nblock + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < res->nblock; i++) {
        kz_cli_bankhit *b = &k->bh[k->nbh++];
        snprintf(b->rule, sizeof b->rule, "bank:%s", res->v[i].bank);
        hit_category(&res->v[i], b->cat, sizeof b->cat);
        snprintf(b->origin, sizeof b->origin, "%s", res->v[i].origin ? res->v[i].origin : "");
    }
    return 0;
}

/* Match image im: PDQ (8 orientations), SHA-256, MD5; an allow match of any
 * type drops the image's block matches. */
static int match_image(kz_cli_sink *k, const kz_cli_image *im)
{
    static const int types[3] = { KZ_BANK_PDQ, KZ_BANK_SHA256, KZ_BANK_MD5 };
    size_t first = k->nbh;
    int rc;
    for (int t = 0; t < 3; t++) {
        const char *q[KZ_PDQ_NXFORMS];
        int nq = 1;
        const kz_bank_result *res = NULL;
        if ((rc = kz_bank_any_block(k->banks, types[t])) <= 0) {
            if (rc < 0)
                return rc;
            continue;
        }
        if (types[t] == KZ_BANK_PDQ) {
            if (im->h.quality < KZ_PDQ_MIN_QUALITY)
                continue;                       /* a flat image: its PDQ says too little */
            for (int i = 0; i < KZ_PDQ_NXFORMS; i++)
                q[i] = im->h.pdq[i];
            nq = KZ_PDQ_NXFORMS;
        } else {
            q[0] = types[t] == KZ_BANK_SHA256 ? im->h.sha256 : im->h.md5;
        }
        if ((rc = kz_bank_match(k->banks, types[t], q, nq, &res)) != 0)
            return rc;
        if (res->suppressed) {
            k->nbh = first;
            return 0;
        }
        if ((rc = add_hits(k, res)) != 0)
            return rc;
    }
    return 0;
}

int kz_cli_bank_check(kz_store *st, kz_cli_sink *k, const kz_item_in *it)
{
    int rc, want_sha, want_sim;
    k->nbh = 0;
    k->matched = 0;
    if (!k->banks && (rc = kz_bank_open(&k->banks, st)) != 0)
        return rc;
    if ((want_sha = kz_bank_any_block(k->banks, KZ_BANK_SHA256)) < 0)
        return want_sha;
    if ((want_sim = kz_bank_any_block(k->banks, KZ_BANK_SIMHASH)) < 0)
        return want_sim;
    if (want_sha && it->text_len) {             /* an empty text matches nothing */
        const char *q[1] = { text_sha256(k, it) };
        const kz_bank_result *res = NULL;
        if ((rc = kz_bank_match(k->banks, KZ_BANK_SHA256, q, 1, &res)) != 0 ||
            (rc = add_hits(k, res)) != 0)
            return rc;
    }
    if (want_sim && it->text_len) {
        char sim[KZ_SIMHASH_HEXLEN + 1];
        const char *q[1] = { sim };
        const kz_bank_result *res = NULL;
        uint64_t h = 0;
        if (!k->sh && !(k->sh = kz_simhash_new()))
            return KZ_ENOMEM;
        size_t ex = kz_store_excerpt_len(it->text, it->text_len);
        if ((rc = kz_simhash_text(k->sh, it->text, ex, &h)) != 0)
            return rc;
        if (h) {                                /* 0: no words, nothing to match */
            kz_simhash_to_hex(h, sim);
            if ((rc = kz_bank_match(k->banks, KZ_BANK_SIMHASH, q, 1, &res)) != 0 ||
                (rc = add_hits(k, res)) != 0)
                return rc;
        }
    }
    for (size_t i = 0; i < k->nimg; i++)
        if ((rc = match_image(k, &k->img[i])) != 0)
            return rc;
    k->matched = 1;
    return (int)KZ_MIN(k->nbh, (size_t)INT32_MAX);
}

/* Store it with the hits of r (may be NULL) and the bank matches in k, then
 * the images' hashes. */
static int store_matched(kz_store *st, const kz_scanner *sc, kz_cli_sink *k, const kz_item_in *it,
                         const kz_result *r, kz_ingest_out *out)
{
    size_t nhits = r ? r->nhits : 0, ncats = sc ? kz_scanner_ncats(sc) : 0, nbh = k->nbh;
    int rc;
    if (KZ_GROW(k->det, k->capdet, nhits + nbh + 1) ||
        KZ_GROW(k->flags, k->capflags, ncats + nbh + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < nhits; i++) {
        const kz_hit *h = &r->hits[i];
        size_t cat = kz_scanner_rule_cat(sc, h->rule);
        k->det[i] = (kz_detection_in){ kz_scanner_rule_id(sc, h->rule),
                                       kz_scanner_cat_name(sc, cat), "rule",
                                       kz_scanner_rule_weight(sc, h->rule), h->start, h->end, NULL };
    }
    size_t nf = 0;
    for (size_t c = 0; r && c < ncats; c++)
        if (r->flagged[c])
            k->flags[nf++] = (kz_flag_in){ kz_scanner_cat_name(sc, c), (int)r->score[c] };
    for (size_t i = 0; i < nbh; i++) {
        const kz_cli_bankhit *b = &k->bh[i];
        k->det[nhits + i] = (kz_detection_in){ b->rule, b->cat, "hash", 100, 0, 0,
                                               b->origin[0] ? b->origin : NULL };
        size_t f = 0;
        while (f < nf && strcmp(k->flags[f].category, b->cat))
            f++;
        if (f == nf)
            k->flags[nf++] = (kz_flag_in){ b->cat, 100 };
        else if (k->flags[f].score < 100)
            k->flags[f].score = 100;
    }
    if ((rc = kz_store_ingest(st, it, k->det, nhits + nbh, k->flags, nf, out)) != 0)
        return rc;
    for (size_t i = 0; i < k->nimg; i++) {
        const kz_cli_image *im = &k->img[i];
        kz_media_in m = { im->ref, im->h.sha256, im->h.md5, im->h.pdq[0], im->h.quality };
        if ((rc = kz_media_add(st, out->item_id, &m)) != 0)
            return rc;
    }
    return 0;
}

int kz_cli_store_scan(kz_store *st, const kz_scanner *sc, kz_cli_sink *k, const kz_item_in *it,
                      const kz_result *r, kz_ingest_out *out)
{
    int rc;
    if (!k->matched && (rc = kz_cli_bank_check(st, k, it)) < 0)
        return rc;
    kz_item_in item = *it;
    if (!item.content_sha256 && !it->text_len && k->nimg)
        item.content_sha256 = k->img[0].h.sha256;   /* a post of images only: its first */
    else
        item.content_sha256 = text_sha256(k, it);
    rc = store_matched(st, sc, k, &item, r, out);
    kz_cli_sink_reset(k);
    return rc;
}

int kz_cli_store_image(kz_store *st, kz_cli_sink *k, const kz_crawl_event *ev, int *in_tx,
                       kz_ingest_out *out, char *why)
{
    int rc;
    memset(out, 0, sizeof *out);
    kz_cli_sink_reset(k);
    if ((rc = kz_cli_sink_image(k, ev->url, strlen(ev->url), ev->body, ev->body_len, why)) != 0)
        return rc;
    kz_item_in it = { ev->url, strlen(ev->url), ev->host, strlen(ev->host), NULL, 0, NULL, 0,
                      NULL, 0, "", 0, k->img[0].h.sha256 };
    if ((rc = kz_cli_bank_check(st, k, &it)) <= 0) {
        kz_cli_sink_reset(k);
        return rc;
    }
    if (!*in_tx) {
        if ((rc = kz_store_begin(st)) != 0) {
            kz_cli_sink_reset(k);
            return rc;
        }
        *in_tx = 1;
    }
    rc = store_matched(st, NULL, k, &it, NULL, out);
    kz_cli_sink_reset(k);
    return rc;
}

void kz_cli_sink_release(kz_cli_sink *k)
{
    kz_cli_sink_reset(k);
    kz_bank_close(&k->banks);
    kz_simhash_free(k->sh);
    free(k->img);
    free(k->bh);
    free(k->det);
    free(k->flags);
    memset(k, 0, sizeof *k);
}

