/*
 * tests/t_pdq.c - PDQ hashing: DCT, dihedral variants, Hamming distance,
 * quality, hex form, and the committed images against the hashes the
 * reference implementation gives for them (tests/data/images/README.md).
 */
#include "kt.h"
#include "detect/pdq.h"
#include "ingest/image.h"
#include <math.h>
#include <stdlib.h>

/* A photo-like RGB image: soft blobs of many sizes on a gradient. */
static uint8_t *make_photo(uint32_t w, uint32_t h, unsigned seed)
{
    uint8_t *px = malloc((size_t)w * h * 3);
    double cx[40], cy[40], r[40], a[40][3];
    srand(seed);
    for (int k = 0; k < 40; k++) {
        cx[k] = rand() % w;
        cy[k] = rand() % h;
        r[k] = w / 40.0 + rand() % (w / 8);
        for (int c = 0; c < 3; c++)
            a[k][c] = (rand() % 200) - 100;
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                double v = 60 + 80.0 * x / w + 40.0 * y / h;
                for (int k = 0; k < 40; k++) {
                    double dx = x - cx[k], dy = y - cy[k];
                    v += a[k][c] * exp(-(dx * dx + dy * dy) / (2 * r[k] * r[k]));
                }
                px[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    return px;
}

/* The image (w x h) under variant x, in the reference's sense:
 * rotate90 is anticlockwise, flipx turns it upside down, flipy mirrors
 * left-right, flipplus1 transposes, flipminus1 anti-transposes. */
static uint8_t *transform(const uint8_t *px, uint32_t w, uint32_t h, kz_pdq_xform x,
                          uint32_t *ow, uint32_t *oh)
{
    int swap = x == KZ_PDQ_ROTATE90 || x == KZ_PDQ_ROTATE270 ||
               x == KZ_PDQ_FLIP_PLUS1 || x == KZ_PDQ_FLIP_MINUS1;
    *ow = swap ? h : w;
    *oh = swap ? w : h;
    uint8_t *out = malloc((size_t)w * h * 3);
    for (uint32_t y = 0; y < *oh; y++)
        for (uint32_t X = 0; X < *ow; X++) {
            uint32_t sx, sy;
            switch (x) {
            case KZ_PDQ_ROTATE90:    sx = w - 1 - y; sy = X; break;
            case KZ_PDQ_ROTATE180:   sx = w - 1 - X; sy = h - 1 - y; break;
            case KZ_PDQ_ROTATE270:   sx = y; sy = h - 1 - X; break;
            case KZ_PDQ_FLIPX:       sx = X; sy = h - 1 - y; break;
            case KZ_PDQ_FLIPY:       sx = w - 1 - X; sy = y; break;
            case KZ_PDQ_FLIP_PLUS1:  sx = y; sy = X; break;
            case KZ_PDQ_FLIP_MINUS1: sx = w - 1 - y; sy = h - 1 - X; break;
            default:                 sx = X; sy = y; break;
            }
            memcpy(out + ((size_t)y * *ow + X) * 3, px + ((size_t)sy * w + sx) * 3, 3);
        }
    return out;
}

KT_TEST(pdq_dct_constant)
{
    float in[64 * 64], out[256];
    for (int i = 0; i < 64 * 64; i++)
        in[i] = 137.0f;
    kz_pdq_dct(in, out);
    for (int i = 0; i < 256; i++)
        if (fabsf(out[i]) > 1e-3f)
            kt_fail(__FILE__, __LINE__, "coefficient %d of a constant image is %g", i, out[i]);
    KT_EQ_INT(kz_pdq_quality(in), 0);
}

KT_TEST(pdq_dct_single_frequency)
{
    /* A pure cosine of vertical frequency 3 and horizontal 5 puts all its
     * energy in coefficient (2, 4) (indices start at frequency 1). */
    float in[64 * 64], out[256];
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            in[y * 64 + x] = (float)(cos(M_PI / 128 * 3 * (2 * y + 1)) * cos(M_PI / 128 * 5 * (2 * x + 1)));
    kz_pdq_dct(in, out);
    for (int i = 0; i < 256; i++) {
        float want = i == 2 * 16 + 4 ? 32.0f : 0.0f;
        if (fabsf(out[i] - want) > 1e-3f)
            kt_fail(__FILE__, __LINE__, "coefficient %d is %g, expected %g", i, out[i], want);
    }
}

static void check_dihedral(uint32_t w, uint32_t h, unsigned seed, int tolerance)
{
    uint8_t *px = make_photo(w, h, seed);
    kz_pdq_hash all[KZ_PDQ_NXFORMS], one;
    int q;
    KT_EQ_INT(kz_pdq_hash_pixels(px, w, h, 3, (size_t)w * 3, 0, all, KZ_PDQ_NXFORMS, &q), 0);
    for (int x = 0; x < KZ_PDQ_NXFORMS; x++) {
        uint32_t tw, th;
        uint8_t *t = transform(px, w, h, (kz_pdq_xform)x, &tw, &th);
        int q2;
        KT_EQ_INT(kz_pdq_hash_pixels(t, tw, th, 3, (size_t)tw * 3, 0, &one, 1, &q2), 0);
        int d = kz_pdq_distance(&one, &all[x]);
        if (d > tolerance)
            kt_fail(__FILE__, __LINE__, "%ux%u %s: hash of the transformed image is %d bits from the variant",
                    w, h, kz_pdq_xform_name((kz_pdq_xform)x), d);
        free(t);
    }
    free(px);
}

KT_TEST(pdq_dihedral_variants)
{
    /* 64x64: no filtering, so the symmetry is exact.  Otherwise the box
     * filter's window and the decimation grid are not symmetric, and a few
     * coefficients near the median flip: the reference's own rotated test
     * photos (pdq/data/dih) are up to 16 bits from its dihedral variants. */
    check_dihedral(64, 64, 1, 0);
    check_dihedral(300, 280, 2, 16);   /* (even windows, e.g. 200x120, shift by half a pixel: up to ~24) */
    check_dihedral(333, 517, 3, 16);   /* odd sizes, and the 512 pre-resize */
    check_dihedral(1000, 700, 4, 16);
}

KT_TEST(pdq_hamming)
{
    kz_pdq_hash a = { { 0 } }, b = { { 0 } };
    KT_EQ_INT(kz_pdq_distance(&a, &b), 0);
    b.w[3] = 0x8001;
    KT_EQ_INT(kz_pdq_distance(&a, &b), 2);
    memset(&b, 0xff, sizeof b);
    KT_EQ_INT(kz_pdq_distance(&a, &b), 256);
    kz_pdq_hash x, y;
    /* bridge-mods/aaa-orig.jpg and sharpen-a-lot.jpg of the reference data */
    KT_EQ_INT(kz_pdq_from_hex("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22", 64, &x), 0);
    KT_EQ_INT(kz_pdq_from_hex("d0f8f0cec0f4a84f0e370a22238f67f0b36a2ef596231e1d73e6a39c4e9c9b22", 64, &y), 0);
    KT_EQ_INT(kz_pdq_distance(&x, &y), 14);
    KT_EQ_INT(kz_pdq_distance(&y, &x), 14);
}

KT_TEST(pdq_hex)
{
    const char *s = "0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff";
    kz_pdq_hash h;
    char out[KZ_PDQ_HEXLEN + 1];
    KT_EQ_INT(kz_pdq_from_hex(s, strlen(s), &h), 0);
    kz_pdq_to_hex(&h, out);
    KT_EQ_STR(out, s);
    KT_EQ_INT(h.w[15], 0x0007);     /* first four digits: word 15 */
    KT_EQ_INT(h.w[0], 0x03ff);
    KT_EQ_INT(kz_pdq_from_hex("0007001F003F003F007F00FF00FF00FF01FF01FF01FF03FF03FF03FF03FF03FF", 64, &h), 0);
    kz_pdq_to_hex(&h, out);
    KT_EQ_STR(out, s);
    KT_EQ_INT(kz_pdq_from_hex(s, 63, &h), KZ_EINVAL);
    KT_EQ_INT(kz_pdq_from_hex("g007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff", 64, &h), KZ_EINVAL);
}

KT_TEST(pdq_quality)
{
    float flat[64 * 64], edges[64 * 64], ramp[64 * 64];
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            flat[y * 64 + x] = 90.0f;
            edges[y * 64 + x] = ((x / 4 + y / 4) & 1) ? 255.0f : 0.0f;
            ramp[y * 64 + x] = (float)(x * 2);   /* 2/255 per step: below 1% */
        }
    KT_EQ_INT(kz_pdq_quality(flat), 0);
    KT_EQ_INT(kz_pdq_quality(edges), 100);
    KT_EQ_INT(kz_pdq_quality(ramp), 0);
    for (int i = 0; i < 64 * 64; i++)
        ramp[i] *= 2.0f;                      /* 4/255 per step: 1% each */
    KT_EQ_INT(kz_pdq_quality(ramp), 64 * 63 / 90);

    /* small images: zero hash, quality 0 (as the reference) */
    uint8_t px[4 * 4 * 3];
    memset(px, 200, sizeof px);
    kz_pdq_hash h;
    int q = -1;
    KT_EQ_INT(kz_pdq_hash_pixels(px, 4, 4, 3, 12, 0, &h, 1, &q), 0);
    KT_EQ_INT(q, 0);
    kz_pdq_hash zero = { { 0 } };
    KT_EQ_INT(kz_pdq_distance(&h, &zero), 0);
    KT_EQ_INT(kz_pdq_hash_pixels(px, 4, 4, 2, 12, 0, &h, 1, &q), KZ_EINVAL);
    KT_EQ_INT(kz_pdq_hash_pixels(px, 4, 4, 3, 12, 0, &h, 9, &q), KZ_EINVAL);
}

KT_TEST(pdq_grey_equals_rgb)
{
    /* A grey image gives the same hash as 1 channel or as 3 equal ones. */
    uint32_t w = 150, h = 90;
    uint8_t *rgb = make_photo(w, h, 9), *g = malloc((size_t)w * h), *g3 = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        g[i] = rgb[i * 3 + 1];
        memset(g3 + i * 3, g[i], 3);
    }
    kz_pdq_hash a, b;
    int qa, qb;
    KT_EQ_INT(kz_pdq_hash_pixels(g, w, h, 1, w, 0, &a, 1, &qa), 0);
    KT_EQ_INT(kz_pdq_hash_pixels(g3, w, h, 3, (size_t)w * 3, 0, &b, 1, &qb), 0);
    KT_CHECK(kz_pdq_distance(&a, &b) <= 2);
    KT_EQ_INT(qa, qb);
    free(rgb);
    free(g);
    free(g3);
}

/* The committed images against tests/data/images/expected-reference.csv:
 * exactly the reference's hash and quality where it decoded the file
 * itself ("direct"), within 10 bits where it was given ImageMagick's
 * 8-bit RGB conversion (CMYK, alpha, 16-bit, WebP, GIF). */
KT_TEST(pdq_reference_images)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/images/expected-reference.csv", kt_root());
    char *csv = kt_slurp(path, NULL);
    KT_CHECK(csv != NULL);
    if (!csv)
        return;
    int rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char hex[65], file[256], via[32];
        int quality;
        if (sscanf(line, "%64[0-9a-f],%d,%255[^,],%31s", hex, &quality, file, via) != 4)
            continue;
        rows++;
        kz_pdq_hash want, got;
        KT_EQ_INT(kz_pdq_from_hex(hex, strlen(hex), &want), 0);
        snprintf(path, sizeof path, "%s/tests/data/images/%s", kt_root(), file);
        size_t n;
        char *data = kt_slurp(path, &n);
        if (!data) {
            kt_fail(__FILE__, __LINE__, "%s: missing", file);
            continue;
        }
        kz_image_opts o = { .no_orient = true };      /* the reference ignores EXIF */
        kz_image *im = NULL;
        char err[KZ_IMAGE_ERRLEN];
        int rc = kz_image_decode(data, n, &o, &im, err);
        if (rc) {
            kt_fail(__FILE__, __LINE__, "%s: %s", file, err);
            free(data);
            continue;
        }
        uint32_t w = kz_image_width(im);
        int ch = kz_image_channels(im), q = -1;
        KT_EQ_INT(kz_pdq_hash_pixels(kz_image_pixels(im), w, kz_image_height(im), ch,
                                     (size_t)w * (size_t)ch, 0, &got, 1, &q), 0);
        int d = kz_pdq_distance(&got, &want), direct = !strcmp(via, "direct");
        if (direct ? d != 0 || q != quality : d > 10)
            kt_fail(__FILE__, __LINE__, "%s (%s): %d bits from the reference, quality %d vs %d",
                    file, via, d, q, quality);
        kz_image_free(&im);
        free(data);
    }
    KT_CHECK(rows >= 15);
    free(csv);
}
