/*
 * detect/pdq.c - PDQ hashing, written from the published description.
 *
 * All arithmetic is in float, in the order the reference uses (running box
 * sums add the entering sample before removing the leaving one; DCT sums
 * run k = 0..63), so that the same pixels give the same bits.  The compiler
 * must not reassociate floating point (no -ffast-math).
 */
#include "detect/pdq.h"

#include <math.h>
#include <pthread.h>

static float dct_m[16][64];           /* D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1)) */
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void dct_init(void)
{
    const float scale = (float)sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++)
            dct_m[i][j] = (float)(scale * cos((M_PI / 2.0 / 64.0) * (double)(i + 1) * (double)(2 * j + 1)));
}

/*
 * Box filter: each output is the mean of a window of `win` samples around
 * it (half = (win + 2) / 2 of them up to and including it), the window
 * shrinking at both ends.  Done as a running sum: the entering sample is
 * added before the leaving one is subtracted.
 *
 * Along rows, KZ_ROWS rows are filtered together (independent sums, so the
 * CPU overlaps them); along columns, all columns are swept together row by
 * row (contiguous, vectorised).  Each line's arithmetic is exactly that of
 * a one-line filter.
 */
#define KZ_ROWS 8

static void box_rows(const float *in, float *out, uint32_t w, uint32_t nr, uint32_t win)
{
    float sum[KZ_ROWS] = { 0 };
    uint32_t half = (win + 2) / 2, ri = 0, li = 0, oi = 0;
    int cnt = 0;
    for (uint32_t i = 0; i + 1 < half; i++, ri++) {        /* fill, no output */
        for (uint32_t r = 0; r < nr; r++)
            sum[r] += in[(size_t)r * w + ri];
        cnt++;
    }
    for (uint32_t i = 0; i < win - half + 1; i++, ri++, oi++) {   /* growing */
        cnt++;
        for (uint32_t r = 0; r < nr; r++) {
            sum[r] += in[(size_t)r * w + ri];
            out[(size_t)r * w + oi] = sum[r] / (float)cnt;
        }
    }
    for (uint32_t i = 0; i < w - win; i++, ri++, li++, oi++)      /* full */
        for (uint32_t r = 0; r < nr; r++) {
            sum[r] += in[(size_t)r * w + ri];
            sum[r] -= in[(size_t)r * w + li];
            out[(size_t)r * w + oi] = sum[r] / (float)cnt;
        }
    for (uint32_t i = 0; i + 1 < half; i++, li++, oi++) {         /* shrinking */
        cnt--;
        for (uint32_t r = 0; r < nr; r++) {
            sum[r] -= in[(size_t)r * w + li];
            out[(size_t)r * w + oi] = sum[r] / (float)cnt;
        }
    }
}

static void box_cols(const float *restrict in, float *restrict out, float *restrict sum,
                     uint32_t w, uint32_t h, uint32_t win)
{
    uint32_t half = (win + 2) / 2;
    size_t ri = 0, li = 0, oi = 0;
    int cnt = 0;
    for (uint32_t x = 0; x < w; x++)
        sum[x] = 0.0f;
    for (uint32_t i = 0; i + 1 < half; i++, ri += w) {
        for (uint32_t x = 0; x < w; x++)
            sum[x] += in[ri + x];
        cnt++;
    }
    for (uint32_t i = 0; i < win - half + 1; i++, ri += w, oi += w) {
        cnt++;
        float c = (float)cnt;
        for (uint32_t x = 0; x < w; x++) {
            sum[x] += in[ri + x];
            out[oi + x] = sum[x] / c;
        }
    }
    float c = (float)cnt;
    for (uint32_t i = 0; i < h - win; i++, ri += w, li += w, oi += w)
        for (uint32_t x = 0; x < w; x++) {
            sum[x] += in[ri + x];
            sum[x] -= in[li + x];
            out[oi + x] = sum[x] / c;
        }
    for (uint32_t i = 0; i + 1 < half; i++, li += w, oi += w) {
        cnt--;
        c = (float)cnt;
        for (uint32_t x = 0; x < w; x++) {
            sum[x] -= in[li + x];
            out[oi + x] = sum[x] / c;
        }
    }
}

void kz_pdq_downsample(float *luma, float *tmp, float *sums, uint32_t w, uint32_t h,
                       float out[64 * 64])
{
    uint32_t win_r = (w + 2 * 64 - 1) / (2 * 64);    /* along rows: from the width */
    uint32_t win_c = (h + 2 * 64 - 1) / (2 * 64);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t y = 0; y < h; y += KZ_ROWS)
            box_rows(luma + (size_t)y * w, tmp + (size_t)y * w, w, KZ_MIN(KZ_ROWS, h - y), win_r);
        box_cols(tmp, luma, sums, w, h, win_c);
    }
    for (int i = 0; i < 64; i++) {
        size_t si = (size_t)(((i + 0.5) * h) / 64);
        for (int j = 0; j < 64; j++) {
            size_t sj = (size_t)(((j + 0.5) * w) / 64);
            out[i * 64 + j] = luma[si * w + sj];
        }
    }
}

void kz_pdq_dct(const float in[64 * 64], float out[16 * 16])
{
    float t[16][64];
    pthread_once(&dct_once, dct_init);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++) {
            float s = 0.0f;
            for (int k = 0; k < 64; k++)
                s += dct_m[i][k] * in[k * 64 + j];
            t[i][j] = s;
        }
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float s = 0.0f;
            for (int k = 0; k < 64; k++)
                s += t[i][k] * dct_m[j][k];
            out[i * 16 + j] = s;
        }
}

int kz_pdq_quality(const float in[64 * 64])
{
    int sum = 0;
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < 64; j++) {
            int d = (int)(((in[i * 64 + j] - in[(i + 1) * 64 + j]) * 100.0f) / 255.0f);
            sum += abs(d);
        }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 63; j++) {
            int d = (int)(((in[i * 64 + j] - in[i * 64 + j + 1]) * 100.0f) / 255.0f);
            sum += abs(d);
        }
    int q = sum / 90;
    return q > 100 ? 100 : q;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Per variant: transpose?, negate where the row index is even, negate
 * where the column index is even (indices of the original coefficients;
 * mirroring a DCT-II basis of frequency u multiplies it by (-1)^u). */
static const struct { bool t, neg_row, neg_col; } xforms[KZ_PDQ_NXFORMS] = {
    [KZ_PDQ_ORIGINAL]    = { false, false, false },
    [KZ_PDQ_ROTATE90]    = { true,  false, true  },
    [KZ_PDQ_ROTATE180]   = { false, true,  true  },
    [KZ_PDQ_ROTATE270]   = { true,  true,  false },
    [KZ_PDQ_FLIPX]       = { false, true,  false },
    [KZ_PDQ_FLIPY]       = { false, false, true  },
    [KZ_PDQ_FLIP_PLUS1]  = { true,  false, false },
    [KZ_PDQ_FLIP_MINUS1] = { true,  true,  true  },
};

void kz_pdq_bits(const float dct[16 * 16], kz_pdq_xform x, kz_pdq_hash *out)
{
    float v[256], sorted[256];
    if ((unsigned)x >= KZ_PDQ_NXFORMS)
        x = KZ_PDQ_ORIGINAL;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float c = dct[i * 16 + j];
            if ((xforms[x].neg_row && !(i & 1)) != (xforms[x].neg_col && !(j & 1)))
                c = -c;
            v[xforms[x].t ? j * 16 + i : i * 16 + j] = c;
        }
    memcpy(sorted, v, sizeof v);
    qsort(sorted, 256, sizeof sorted[0], cmp_float);
    float median = sorted[127];                       /* the lower median */
    memset(out, 0, sizeof *out);
    for (int k = 0; k < 256; k++)
        if (v[k] > median)
            out->w[k >> 4] |= (uint16_t)(1u << (k & 15));
}

int kz_pdq_hash_pixels(const uint8_t *px, uint32_t w, uint32_t h, int channels,
                       size_t stride, unsigned flags, kz_pdq_hash *hashes,
                       int nhash, int *quality)
{
    static const float kr = 0.299f, kg = 0.587f, kb = 0.114f;
    if (!px || !hashes || nhash < 1 || nhash > KZ_PDQ_NXFORMS || (channels != 1 && channels != 3) ||
        w == 0 || h == 0 || stride < (size_t)w * (size_t)channels)
        return KZ_EINVAL;
    if (quality)
        *quality = 0;
    uint32_t ow = w, oh = h;
    bool sample = !(flags & KZ_PDQ_FULLRES) && (w > KZ_PDQ_REF_SIDE || h > KZ_PDQ_REF_SIDE);
    if (sample)
        ow = oh = KZ_PDQ_REF_SIDE;
    if (ow < KZ_PDQ_MIN_SIDE || oh < KZ_PDQ_MIN_SIDE) {
        memset(hashes, 0, sizeof *hashes * (size_t)nhash);
        return 0;
    }
    size_t np = (size_t)ow * oh;
    float *luma = kz_malloc((np * 2 + ow) * sizeof *luma);
    uint32_t *sxs = kz_malloc(ow * sizeof *sxs);
    if (!luma || !sxs) {
        free(luma);
        free(sxs);
        return KZ_ENOMEM;
    }
    float *tmp = luma + np, *sums = tmp + np;
    /* Nearest neighbour as the reference's image library does it: output
     * x reads input floor(x * w / 512). */
    for (uint32_t x = 0; x < ow; x++)
        sxs[x] = sample ? (uint32_t)(((double)x * w) / ow) : x;
    for (uint32_t y = 0; y < oh; y++) {
        size_t sy = sample ? (size_t)(((double)y * h) / oh) : y;
        const uint8_t *row = px + sy * stride;
        float *o = luma + (size_t)y * ow;
        for (uint32_t x = 0; x < ow; x++) {
            size_t sx = sxs[x];
            if (channels == 1) {
                o[x] = (float)row[sx];
            } else {
                const uint8_t *p = row + sx * 3;
                o[x] = kr * (float)p[0] + kg * (float)p[1] + kb * (float)p[2];
            }
        }
    }
    float small[64 * 64], dct[16 * 16];
    if (ow == 64 && oh == 64)
        memcpy(small, luma, sizeof small);
    else
        kz_pdq_downsample(luma, tmp, sums, ow, oh, small);
    free(luma);
    free(sxs);
    if (quality)
        *quality = kz_pdq_quality(small);
    kz_pdq_dct(small, dct);
    for (int i = 0; i < nhash; i++)
        kz_pdq_bits(dct, (kz_pdq_xform)i, &hashes[i]);
    return 0;
}

int kz_pdq_distance(const kz_pdq_hash *a, const kz_pdq_hash *b)
{
    int d = 0;
    for (int i = 0; i < 16; i++)
        d += __builtin_popcount((unsigned)(a->w[i] ^ b->w[i]));
    return d;
}

void kz_pdq_to_hex(const kz_pdq_hash *h, char *out)
{
    static const char hx[] = "0123456789abcdef";
    char *o = out;
    for (int i = 15; i >= 0; i--)
        for (int s = 12; s >= 0; s -= 4)
            *o++ = hx[(h->w[i] >> s) & 15];
    *o = '\0';
}

int kz_pdq_from_hex(const char *s, size_t n, kz_pdq_hash *out)
{
    if (!s || n != KZ_PDQ_HEXLEN)
        return KZ_EINVAL;
    kz_pdq_hash h = { { 0 } };
    for (size_t k = 0; k < KZ_PDQ_HEXLEN; k++) {
        int c = (unsigned char)s[k], v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return KZ_EINVAL;
        size_t word = 15 - k / 4;
        h.w[word] = (uint16_t)(h.w[word] | (unsigned)v << (12 - 4 * (k % 4)));
    }
    *out = h;
    return 0;
}

const char *kz_pdq_xform_name(kz_pdq_xform x)
{
    static const char *const names[KZ_PDQ_NXFORMS] = {
        "original", "rotate90", "rotate180", "rotate270",
        "flipx", "flipy", "flipplus1", "flipminus1",
    };
    return (unsigned)x < KZ_PDQ_NXFORMS ? names[x] : "?";
}
