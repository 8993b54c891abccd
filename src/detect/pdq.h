/*
 * detect/pdq.h - PDQ perceptual image hash (256 bits) and its quality.
 *
 * PDQ as described in Facebook's "PDQ hashing" document (ThreatExchange
 * pdq/): luminance (0.299 R + 0.587 G + 0.114 B), a two-pass "Jarosz" box
 * filter (window = ceil(side / 128)) decimated to 64x64, the 16x16 block of
 * a 64x64 DCT-II (coefficients 1..16 in each direction, DC dropped), and one
 * bit per coefficient: 1 when it is greater than the median of the 256.
 * Quality (0..100) counts significant gradients in the 64x64 image; the
 * reference treats hashes of quality < 50 as unreliable: kuzet neither
 * banks nor matches them on ingest and crawl (KZ_PDQ_MIN_QUALITY).
 *
 * Like the reference hasher, images wider or taller than 512 pixels are
 * first sampled (nearest neighbour) to 512x512, so that hashes are bit-for-
 * bit those of the reference when the decoded pixels are the same;
 * KZ_PDQ_FULLRES filters the whole image instead (as the document
 * describes; a few bits' difference).  Images under 5 pixels on a side get
 * the all-zero hash and quality 0, as in the reference.
 *
 * The eight dihedral variants (rotations and flips) come from one DCT by
 * sign changes and a transpose of the 16x16 coefficients.
 *
 * Bit k (0..255) is coefficient (row k / 16, column k % 16); the hex form
 * prints 16-bit words 15..0, so bit 255 is the top bit of the first digit.
 *
 * Everything here is thread-safe and allocation-free except
 * kz_pdq_hash_pixels (one scratch buffer per call).
 */
#ifndef KZ_PDQ_H
#define KZ_PDQ_H

/* Below this quality a PDQ hash (of a flat or nearly flat image) says too
 * little to match on: such hashes are not banked nor matched on ingest and
 * crawl (the reference's and ThreatExchange's guidance). */
#define KZ_PDQ_MIN_QUALITY 50

#include "util/kz.h"

#define KZ_PDQ_HEXLEN   64      /* hex digits, without the NUL */
#define KZ_PDQ_REF_SIDE 512     /* the reference's pre-resize side */
#define KZ_PDQ_MIN_SIDE 5       /* smaller images hash to zero */

typedef struct kz_pdq_hash {
    uint16_t w[16];             /* bit k is (w[k >> 4] >> (k & 15)) & 1 */
} kz_pdq_hash;

/* The dihedral variants, in the reference's output order. */
typedef enum kz_pdq_xform {
    KZ_PDQ_ORIGINAL = 0,
    KZ_PDQ_ROTATE90,
    KZ_PDQ_ROTATE180,
    KZ_PDQ_ROTATE270,
    KZ_PDQ_FLIPX,          /* upside down (mirror about the x axis) */
    KZ_PDQ_FLIPY,          /* left-right mirror */
    KZ_PDQ_FLIP_PLUS1,     /* transpose */
    KZ_PDQ_FLIP_MINUS1,    /* anti-transpose */
    KZ_PDQ_NXFORMS
} kz_pdq_xform;

enum kz_pdq_flags {
    KZ_PDQ_FULLRES = 1 << 0,   /* no 512x512 pre-resize */
};

/*
 * Hash 8-bit pixels: channels 1 (grey) or 3 (RGB), rows `stride` bytes
 * apart.  Writes the first nhash (1..8) variants, in kz_pdq_xform order,
 * to hashes[], and the quality to *quality (may be NULL).
 * Returns 0, KZ_EINVAL or KZ_ENOMEM.
 */
int kz_pdq_hash_pixels(const uint8_t *px, uint32_t w, uint32_t h, int channels,
                       size_t stride, unsigned flags, kz_pdq_hash *hashes,
                       int nhash, int *quality);

/* The steps, for tests and for callers that already have a 64x64 luma. */
/* Two-pass Jarosz filter of luma (w x h, row-major; overwritten; tmp is
 * scratch of the same size, sums of w floats) and decimation to out. */
void kz_pdq_downsample(float *luma, float *tmp, float *sums, uint32_t w, uint32_t h,
                       float out[64 * 64]);
/* Coefficients (1..16) x (1..16) of the 2D DCT-II of in (64x64). */
void kz_pdq_dct(const float in[64 * 64], float out[16 * 16]);
/* Quality 0..100 of a 64x64 luma. */
int kz_pdq_quality(const float in[64 * 64]);
/* The hash of a variant of the image whose DCT is dct (16x16). */
void kz_pdq_bits(const float dct[16 * 16], kz_pdq_xform x, kz_pdq_hash *out);

/* Hamming distance 0..256. */
int kz_pdq_distance(const kz_pdq_hash *a, const kz_pdq_hash *b);
/* Lowercase hex into out (KZ_PDQ_HEXLEN + 1 bytes, NUL-terminated). */
void kz_pdq_to_hex(const kz_pdq_hash *h, char *out);
/* Parse exactly 64 hex digits (either case).  0 or KZ_EINVAL. */
int kz_pdq_from_hex(const char *s, size_t n, kz_pdq_hash *out);
/* Name of a variant ("original", "rotate90", ...); static storage. */
const char *kz_pdq_xform_name(kz_pdq_xform x);

#endif
