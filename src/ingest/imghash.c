/*
 * ingest/imghash.c - SHA-256, MD5 and the 8 dihedral PDQ hashes of one
 * image file, for the hash banks (ingest/imghash.h).
 */
#include "imghash.h"
#include "util/sha256.h"
#include <openssl/evp.h>

static void to_hex(const unsigned char *md, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[2 * n] = '\0';
}

int kz_imghash_md5(const void *data, size_t n, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    out[0] = '\0';
    if (!EVP_Digest(data, n, md, &len, EVP_md5(), NULL) || len != 16)
        return KZ_EINTERNAL;
    to_hex(md, 16, out);
    return 0;
}

int kz_imghash_compute(const void *data, size_t n, kz_imghash *out, char *why)
{
    kz_image_opts io = { .min_side = 256, .jpeg_luma = 1 };
    kz_pdq_hash h[KZ_PDQ_NXFORMS];
    kz_image *im = NULL;
    int rc;
    memset(out, 0, sizeof *out);
    if (why)
        why[0] = '\0';
    kz_sha256_hex(data, n, out->sha256);
    if ((rc = kz_imghash_md5(data, n, out->md5)) != 0) {
        if (why)
            snprintf(why, KZ_IMAGE_ERRLEN, "MD5: libcrypto failed");
        return rc;
    }
    if (kz_image_sniff(data, n) == KZ_IMAGE_UNKNOWN) {
        if (why)
            snprintf(why, KZ_IMAGE_ERRLEN, "not a JPEG, PNG, WebP or GIF image");
        return KZ_EINVAL;
    }
    if ((rc = kz_image_decode(data, n, &io, &im, why)) != 0)
        return rc;
    out->width = kz_image_width(im);
    out->height = kz_image_height(im);
    out->fmt = kz_image_format(im);
    int ch = kz_image_channels(im);
    rc = kz_pdq_hash_pixels(kz_image_pixels(im), out->width, out->height, ch,
                            (size_t)out->width * (size_t)ch, 0, h, KZ_PDQ_NXFORMS, &out->quality);
    kz_image_free(&im);
    if (rc) {
        if (why)
            snprintf(why, KZ_IMAGE_ERRLEN, "PDQ: %s", kz_strerror(rc));
        return rc;
    }
    for (int i = 0; i < KZ_PDQ_NXFORMS; i++)
        kz_pdq_to_hex(&h[i], out->pdq[i]);
    return 0;
}
