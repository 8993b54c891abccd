/*
 * pipeline/evidence.c - one scanned record into the store (pipeline/evidence.h):
 * detections from the hits, a detection per hash-bank match, a flag per
 * category over its threshold, then kz_case_ingest (case/case.h), then the hashes of the
 * record's images.
 */
#include "evidence.h"
#include "case/case.h"
#include "detect/simhash.h"
#include "detect/minhash.h"
#include "store/bank.h"
#include "store/media.h"
#include "ingest/image.h"
#include "util/sha256.h"

typedef struct bankhit {
    char rule[KZ_BANK_NAME_MAX + 8];        /* "bank:<name>" */
    char cat[KZ_BANK_NAME_MAX + 1];
    char origin[32];                        /* "decision:<id>", "import" or "" */
    int64_t version;                        /* the bank's, matched against */
} bankhit;

typedef struct image {
    char      *ref;                         /* path or URL as given */
    kz_imghash h;
    void      *data;                        /* its bytes, kept for review, or NULL */
    size_t     n;
    const char *ctype;                      /* their content type (static) */
} image;

struct kz_evidence {
    kz_store         *st;
    const kz_scanner *sc;
    kz_detection_in  *det;   size_t capdet;
    kz_flag_in       *flags; size_t capflags;
    kz_banks         *banks;
    kz_simhash       *sh;
    kz_minhash       *mh;
    bankhit          *bh;    size_t nbh, capbh;  /* this record's bank matches */
    int               matched;                   /* bh holds this record's matches */
    image            *img;   size_t nimg, capimg; /* this record's images, hashed */
    char              text_sha[65];              /* its text's SHA-256, once computed */
    int               have_sim;                  /* sim: its SimHash, handed in */
    uint64_t          sim;
    char              why[KZ_IMAGE_ERRLEN];
};

int kz_evidence_new(kz_evidence **out, kz_store *st, const kz_scanner *sc)
{
    kz_evidence *e = kz_calloc(1, sizeof *e);
    *out = e;
    if (!e)
        return KZ_ENOMEM;
    e->st = st;
    e->sc = sc;
    return 0;
}

void kz_evidence_reset(kz_evidence *e)
{
    for (size_t i = 0; i < e->nimg; i++) {
        free(e->img[i].ref);
        free(e->img[i].data);
    }
    e->nimg = 0;
    e->nbh = 0;
    e->matched = 0;
    e->have_sim = 0;
    e->text_sha[0] = '\0';
}

void kz_evidence_free(kz_evidence **ep)
{
    kz_evidence *e = ep ? *ep : NULL;
    if (!e)
        return;
    kz_evidence_reset(e);
    kz_bank_close(&e->banks);
    kz_simhash_free(e->sh);
    kz_minhash_free(e->mh);
    free(e->img);
    free(e->bh);
    free(e->det);
    free(e->flags);
    free(e);
    *ep = NULL;
}

const char *kz_evidence_errmsg(const kz_evidence *e) { return e->why; }

static int banks(kz_evidence *e)
{
    return e->banks ? 0 : kz_bank_open(&e->banks, e->st);
}

int kz_evidence_wants(kz_evidence *e, int type)
{
    int rc = banks(e);
    return rc ? rc : kz_bank_any_block(e->banks, type);
}

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

/* The SHA-256 (hex) of it's text: it->content_sha256 when the caller has it,
 * else computed once per record and kept until kz_evidence_reset. */
static const char *text_sha256(kz_evidence *e, const kz_item_in *it)
{
    if (it->content_sha256)
        return it->content_sha256;
    if (!e->text_sha[0])
        kz_sha256_hex(it->text, it->text_len, e->text_sha);
    return e->text_sha;
}

int kz_evidence_image_hashed(kz_evidence *e, const char *ref, size_t ref_len,
                             const kz_imghash *h)
{
    if (KZ_GROW(e->img, e->capimg, e->nimg + 1))
        return KZ_ENOMEM;
    image *im = &e->img[e->nimg];
    if (!(im->ref = kz_strndup(ref, ref_len)))
        return KZ_ENOMEM;
    im->h = *h;
    im->data = NULL;
    im->n = 0;
    im->ctype = NULL;
    e->nimg++;
    e->matched = 0;
    return 0;
}

int kz_evidence_image(kz_evidence *e, const char *ref, size_t ref_len, const void *data, size_t n)
{
    kz_imghash h;
    int rc;
    e->why[0] = '\0';
    if ((rc = kz_imghash_compute(data, n, &h, e->why)) != 0)
        return rc;
    if ((rc = kz_evidence_image_hashed(e, ref, ref_len, &h)) != 0 ||
        (rc = kz_evidence_image_bytes(e, data, n)) != 0)
        snprintf(e->why, sizeof e->why, "%s", kz_strerror(rc));
    return rc;
}

int kz_evidence_image_bytes(kz_evidence *e, const void *data, size_t n)
{
    static const char *const types[] = {
        [KZ_IMAGE_JPEG] = "image/jpeg", [KZ_IMAGE_PNG] = "image/png",
        [KZ_IMAGE_WEBP] = "image/webp", [KZ_IMAGE_GIF] = "image/gif",
    };
    if (!e->nimg)
        return KZ_EINVAL;
    image *im = &e->img[e->nimg - 1];
    kz_image_fmt f = kz_image_sniff(data, n);
    if (!n || n > KZ_MEDIA_KEEP_MAX || f <= KZ_IMAGE_UNKNOWN || f > KZ_IMAGE_GIF || im->data)
        return 0;
    if (!(im->data = malloc(n)))
        return KZ_ENOMEM;
    memcpy(im->data, data, n);
    im->n = n;
    im->ctype = types[f];
    return 0;
}

void kz_evidence_text_simhash(kz_evidence *e, uint64_t h)
{
    e->sim = h;
    e->have_sim = 1;
}

/* Append the block matches of res (unless suppressed) to e->bh. */
static int add_hits(kz_evidence *e, const kz_bank_result *res)
{
    if (res->suppressed || !res->nblock)
        return 0;
    if (KZ_GROW(e->bh, e->capbh, e->nbh + res->nblock + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < res->nblock; i++) {
        bankhit *b = &e->bh[e->nbh++];
        snprintf(b->rule, sizeof b->rule, "bank:%s", res->v[i].bank);
        hit_category(&res->v[i], b->cat, sizeof b->cat);
        snprintf(b->origin, sizeof b->origin, "%s", res->v[i].origin ? res->v[i].origin : "");
        b->version = res->v[i].version;
    }
    return 0;
}

/* Match image im: PDQ (8 orientations), SHA-256, MD5; an allow match of any
 * type drops the image's block matches. */
static int match_image(kz_evidence *e, const image *im)
{
    static const int types[3] = { KZ_BANK_PDQ, KZ_BANK_SHA256, KZ_BANK_MD5 };
    size_t first = e->nbh;
    int rc;
    for (int t = 0; t < 3; t++) {
        const char *q[KZ_PDQ_NXFORMS];
        int nq = 1;
        const kz_bank_result *res = NULL;
        if ((rc = kz_bank_any_block(e->banks, types[t])) <= 0) {
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
        if ((rc = kz_bank_match(e->banks, types[t], q, nq, &res)) != 0)
            return rc;
        if (res->suppressed) {
            e->nbh = first;
            return 0;
        }
        if ((rc = add_hits(e, res)) != 0)
            return rc;
    }
    return 0;
}

int kz_evidence_bank_check(kz_evidence *e, const kz_item_in *it)
{
    int rc, want_sha, want_sim;
    e->nbh = 0;
    e->matched = 0;
    if ((rc = banks(e)) != 0)
        return rc;
    if ((want_sha = kz_bank_any_block(e->banks, KZ_BANK_SHA256)) < 0)
        return want_sha;
    if ((want_sim = kz_bank_any_block(e->banks, KZ_BANK_SIMHASH)) < 0)
        return want_sim;
    if (want_sha && it->text_len) {             /* an empty text matches nothing */
        const char *q[1] = { text_sha256(e, it) };
        const kz_bank_result *res = NULL;
        if ((rc = kz_bank_match(e->banks, KZ_BANK_SHA256, q, 1, &res)) != 0 ||
            (rc = add_hits(e, res)) != 0)
            return rc;
    }
    if (want_sim && it->text_len) {
        char sim[KZ_SIMHASH_HEXLEN + 1];
        const char *q[1] = { sim };
        const kz_bank_result *res = NULL;
        uint64_t h = e->sim;
        if (!e->have_sim) {
            if (!e->sh && !(e->sh = kz_simhash_new()))
                return KZ_ENOMEM;
            size_t ex = kz_store_excerpt_len(it->text, it->text_len);
            if ((rc = kz_simhash_text(e->sh, it->text, ex, &h)) != 0)
                return rc;
        }
        if (h) {                                /* 0: no words, nothing to match */
            /* and its MinHash, for near copies SimHash misses */
            char mhex[KZ_MINHASH_HEXLEN + 1];
            kz_minhash_sig ms;
            size_t nsh = 0;
            if (!e->mh && !(e->mh = kz_minhash_new()))
                return KZ_ENOMEM;
            size_t ex = kz_store_excerpt_len(it->text, it->text_len);
            if ((rc = kz_minhash_text(e->mh, it->text, ex, &ms, &nsh)) != 0)
                return rc;
            kz_minhash_to_hex(&ms, mhex);
            kz_simhash_to_hex(h, sim);
            if ((rc = kz_bank_match_text(e->banks, q[0], nsh ? mhex : NULL, &res)) != 0 ||
                (rc = add_hits(e, res)) != 0)
                return rc;
        }
    }
    for (size_t i = 0; i < e->nimg; i++)
        if ((rc = match_image(e, &e->img[i])) != 0)
            return rc;
    e->matched = 1;
    return (int)KZ_MIN(e->nbh, (size_t)INT32_MAX);
}

/* Store it with the hits of r (may be NULL) and the bank matches in e, then
 * the images' hashes. */
static int store_matched(kz_evidence *e, const kz_item_in *it, const kz_result *r,
                         kz_ingest_out *out)
{
    const kz_scanner *sc = e->sc;
    size_t nhits = r ? r->nhits : 0, ncats = sc ? kz_scanner_ncats(sc) : 0, nbh = e->nbh;
    int rc;
    if (KZ_GROW(e->det, e->capdet, nhits + nbh + 1) ||
        KZ_GROW(e->flags, e->capflags, ncats + nbh + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < nhits; i++) {
        const kz_hit *h = &r->hits[i];
        size_t cat = kz_scanner_rule_cat(sc, h->rule);
        e->det[i] = (kz_detection_in){ kz_scanner_rule_id(sc, h->rule),
                                       kz_scanner_cat_name(sc, cat), "rule",
                                       kz_scanner_rule_weight(sc, h->rule), h->start, h->end, NULL,
                                       kz_scanner_version(sc), 0 };
    }
    size_t nf = 0;
    for (size_t c = 0; r && c < ncats; c++)
        if (r->flagged[c])
            e->flags[nf++] = (kz_flag_in){ kz_scanner_cat_name(sc, c), (int)r->score[c] };
    for (size_t i = 0; i < nbh; i++) {
        const bankhit *b = &e->bh[i];
        e->det[nhits + i] = (kz_detection_in){ b->rule, b->cat, "hash", 100, 0, 0,
                                               b->origin[0] ? b->origin : NULL, NULL,
                                               b->version };
        size_t f = 0;
        while (f < nf && strcmp(e->flags[f].category, b->cat))
            f++;
        if (f == nf)
            e->flags[nf++] = (kz_flag_in){ b->cat, 100 };
        else if (e->flags[f].score < 100)
            e->flags[f].score = 100;
    }
    if ((rc = kz_case_ingest(e->st, it, e->det, nhits + nbh, e->flags, nf, out)) != 0)
        return rc;
    for (size_t i = 0; i < e->nimg; i++) {
        const image *im = &e->img[i];
        kz_media_in m = { im->ref, im->h.sha256, im->h.md5, im->h.pdq[0], im->h.quality };
        if ((rc = kz_media_add(e->st, out->item_id, &m)) != 0)
            return rc;
        if (im->data && (rc = kz_media_keep(e->st, out->item_id, im->h.sha256, im->ctype,
                                            im->data, im->n)) != 0)
            return rc;
    }
    return 0;
}

int kz_evidence_store(kz_evidence *e, const kz_item_in *it, const kz_result *r,
                      kz_ingest_out *out)
{
    int rc;
    if (!e->matched && (rc = kz_evidence_bank_check(e, it)) < 0) {
        kz_evidence_reset(e);
        return rc;
    }
    kz_item_in item = *it;
    if (!item.content_sha256 && !it->text_len && e->nimg)
        item.content_sha256 = e->img[0].h.sha256;   /* a post of images only: its first */
    else
        item.content_sha256 = text_sha256(e, it);
    rc = store_matched(e, &item, r, out);
    kz_evidence_reset(e);
    return rc;
}

int kz_evidence_keep(kz_evidence *e, const kz_item_in *it, const kz_result *r, int store_all,
                     kz_ingest_out *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    /* without hits, a record is stored only when it matches a block bank:
     * a re-upload that evades the rules */
    if ((!r || r->nhits == 0) && !store_all && (rc = kz_evidence_bank_check(e, it)) <= 0) {
        kz_evidence_reset(e);
        return rc;
    }
    rc = kz_evidence_store(e, it, r, out);
    return rc < 0 ? rc : 1;
}

static int begin(kz_evidence *e, int *in_tx)
{
    int rc = 0;
    if (!*in_tx && (rc = kz_store_begin(e->st)) == 0)
        *in_tx = 1;
    return rc;
}

/* The current record's one image as an item of its own (its URL), stored
 * when it matches a block bank; seen_in: where it was found, or NULL. */
static int store_image_item(kz_evidence *e, const char *url, const char *host,
                            const char *seen_in, int *in_tx, kz_ingest_out *out)
{
    int rc;
    kz_item_in it = { url, strlen(url), host, strlen(host), seen_in,
                      seen_in ? strlen(seen_in) : 0, NULL, 0, NULL, 0, "", 0,
                      e->img[0].h.sha256 };
    if ((rc = kz_evidence_bank_check(e, &it)) <= 0)
        return rc;
    if ((rc = begin(e, in_tx)) != 0)
        return rc;
    return store_matched(e, &it, NULL, out);
}

int kz_evidence_store_image(kz_evidence *e, const char *url, const char *host, const void *data,
                            size_t n, int *in_tx, kz_ingest_out *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    kz_evidence_reset(e);
    if ((rc = kz_evidence_image(e, url, strlen(url), data, n)) != 0)
        return rc;
    e->why[0] = '\0';
    rc = store_image_item(e, url, host, NULL, in_tx, out);
    kz_evidence_reset(e);
    return rc;
}

int kz_evidence_store_fetched(kz_evidence *e, const char *url, const char *host, const void *data,
                              size_t n, int64_t item_id, const char *post_url, int *in_tx,
                              kz_ingest_out *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    kz_evidence_reset(e);
    if ((rc = kz_evidence_image(e, url, strlen(url), data, n)) != 0)
        return rc;
    e->why[0] = '\0';
    if (item_id > 0) {                          /* the post's image, as ingest records one */
        const image *im = &e->img[0];
        kz_media_in m = { im->ref, im->h.sha256, im->h.md5, im->h.pdq[0], im->h.quality };
        if ((rc = begin(e, in_tx)) != 0 || (rc = kz_media_add(e->st, item_id, &m)) != 0 ||
            (im->data && (rc = kz_media_keep(e->st, item_id, im->h.sha256, im->ctype, im->data,
                                             im->n)) != 0))
            goto out;
    }
    rc = store_image_item(e, url, host, post_url, in_tx, out);
out:
    kz_evidence_reset(e);
    return rc;
}
