/*
 * ingest/imghash.h - the hashes of one image file that the banks match:
 * SHA-256 and MD5 of its bytes, and the PDQ hash of its pixels in the 8
 * dihedral orientations (docs/hashing.md, docs/banks.md "Images").
 *
 * The bytes are decoded as `kuzet bank match-file` does (ingest/image.h:
 * JPEG luminance at reduced scale while both sides stay >= 256 pixels,
 * EXIF orientation applied), so a file hashes the same whichever command
 * sees it.  MD5 is computed through OpenSSL's EVP interface (libcrypto),
 * SHA-256 through libsodium.  Thread-safe: no global state.
 */
#ifndef KZ_IMGHASH_H
#define KZ_IMGHASH_H

#include "util/kz.h"
#include "detect/pdq.h"
#include "ingest/image.h"

typedef struct kz_imghash {
    char     sha256[65];                        /* lowercase hex */
    char     md5[33];
    char     pdq[KZ_PDQ_NXFORMS][KZ_PDQ_HEXLEN + 1];  /* [0]: as displayed; then the
                                                   reference's order of rotations/flips */
    int      quality;                           /* PDQ quality, 0..100 */
    uint32_t width, height;                     /* decoded size */
    kz_image_fmt fmt;
} kz_imghash;

/* MD5 of data[0..n) in lowercase hex into out[33].  0 or KZ_EINTERNAL
 * (libcrypto refused). */
int kz_imghash_md5(const void *data, size_t n, char out[33]);

/* Hash the image data[0..n).  0; KZ_EINVAL (not an image, or it does not
 * decode), KZ_ETOOBIG (over the decoder's limits), KZ_ENOMEM,
 * KZ_EINTERNAL; on error why (KZ_IMAGE_ERRLEN bytes, may be NULL) says
 * why in one line. */
int kz_imghash_compute(const void *data, size_t n, kz_imghash *out, char *why);

#endif
