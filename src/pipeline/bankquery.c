/*
 * pipeline/bankquery.c - a file's hash-bank queries (pipeline/bankquery.h).
 */
#include "bankquery.h"
#include "ingest/imghash.h"
#include "store/bank.h"
#include "util/sha256.h"
#include "util/utf8.h"
#include <sodium.h>

/* valid UTF-8 without NUL: matched as text */
static int text_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k || cp == 0)
            return 0;
        i += k;
    }
    return 1;
}

static kz_bankq *next(kz_bankqs *o, int type, int nq)
{
    kz_bankq *q = &o->v[o->n++];
    q->type = type;
    q->nq = nq;
    for (int i = 0; i < nq; i++)
        q->q[i] = q->hex[i];
    return q;
}

int kz_bankq_content(const void *data, size_t n, kz_simhash *sh, kz_minhash *mh,
                     kz_bankqs *out)
{
    kz_image *im = NULL;
    int rc = 0;
    memset(out, 0, sizeof *out);
    kz_image_opts io = { .no_orient = 0, .min_side = 256, .jpeg_luma = 1 };
    if (kz_image_sniff(data, n) != KZ_IMAGE_UNKNOWN &&
        kz_image_decode(data, n, &io, &im, out->image_why) == 0) {
        kz_pdq_hash h[KZ_PDQ_NXFORMS];
        uint32_t w = kz_image_width(im);
        int ch = kz_image_channels(im);
        rc = kz_pdq_hash_pixels(kz_image_pixels(im), w, kz_image_height(im), ch,
                                (size_t)w * (size_t)ch, 0, h, KZ_PDQ_NXFORMS, &out->pdq_quality);
        if (rc)
            goto out;
        kz_bankq *q = next(out, KZ_BANK_PDQ, KZ_PDQ_NXFORMS);
        for (int i = 0; i < KZ_PDQ_NXFORMS; i++)
            kz_pdq_to_hex(&h[i], q->hex[i]);
    } else if (!out->image_why[0] && text_ok(data, n)) {
        uint64_t v = 0;
        if ((rc = kz_simhash_text(sh, data, n, &v)) != 0)
            goto out;
        kz_simhash_to_hex(v, next(out, KZ_BANK_SIMHASH, 1)->hex[0]);
        kz_minhash_sig ms;
        size_t nsh = 0;
        if (mh && (rc = kz_minhash_text(mh, data, n, &ms, &nsh)) != 0)
            goto out;
        if (mh && nsh)
            kz_minhash_to_hex(&ms, out->minhash);
    }
    kz_sha256_hex(data, n, next(out, KZ_BANK_SHA256, 1)->hex[0]);
    if (kz_imghash_md5(data, n, next(out, KZ_BANK_MD5, 1)->hex[0]))
        rc = KZ_EINTERNAL;
out:
    kz_image_free(&im);
    return rc;
}

int kz_bankq_match(kz_banks *bk, const kz_bankqs *qs, size_t i, const kz_bank_result **res)
{
    const kz_bankq *q = &qs->v[i];
    if (q->type == KZ_BANK_SIMHASH && qs->minhash[0])
        return kz_bank_match_text(bk, q->q[0], qs->minhash, res);
    return kz_bank_match(bk, q->type, q->q, q->nq, res);
}
