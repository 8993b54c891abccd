/*
 * tests/t_image.c - image decoding: formats by content, pixel layouts,
 * EXIF orientation, alpha, CMYK, limits and broken input.
 */
#include "kt.h"
#include "ingest/image.h"
#include <stdlib.h>
#include <time.h>

static char *load(const char *name, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/images/%s", kt_root(), name);
    char *d = kt_slurp(path, n);
    if (!d)
        kt_fail(__FILE__, __LINE__, "missing %s", path);
    return d;
}

/* Decode a committed file; returns the error code, fills *im on success. */
static int decode(const char *name, const kz_image_opts *o, kz_image **im, char *err)
{
    size_t n = 0;
    char *d = load(name, &n);
    if (!d)
        return KZ_EIO;
    int rc = kz_image_decode(d, n, o, im, err);
    free(d);
    return rc;
}

KT_TEST(image_sniff)
{
    KT_EQ_INT(kz_image_sniff("\xff\xd8\xff\xe0", 4), KZ_IMAGE_JPEG);
    KT_EQ_INT(kz_image_sniff("\x89PNG\r\n\x1a\n", 8), KZ_IMAGE_PNG);
    KT_EQ_INT(kz_image_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), KZ_IMAGE_WEBP);
    KT_EQ_INT(kz_image_sniff("GIF89a", 6), KZ_IMAGE_GIF);
    KT_EQ_INT(kz_image_sniff("GIF87a", 6), KZ_IMAGE_GIF);
    KT_EQ_INT(kz_image_sniff("RIFF\0\0\0\0WAVE", 12), KZ_IMAGE_UNKNOWN);
    KT_EQ_INT(kz_image_sniff("\x89PN", 3), KZ_IMAGE_UNKNOWN);
    KT_EQ_INT(kz_image_sniff("hello", 5), KZ_IMAGE_UNKNOWN);
    KT_EQ_INT(kz_image_sniff(NULL, 0), KZ_IMAGE_UNKNOWN);
    KT_EQ_STR(kz_image_fmt_name(KZ_IMAGE_WEBP), "webp");
}

KT_TEST(image_formats)
{
    static const struct { const char *file; kz_image_fmt fmt; int channels; } cases[] = {
        { "photo.jpg", KZ_IMAGE_JPEG, 3 },
        { "photo-progressive.jpg", KZ_IMAGE_JPEG, 3 },
        { "photo-grey.jpg", KZ_IMAGE_JPEG, 1 },
        { "photo-cmyk.jpg", KZ_IMAGE_JPEG, 3 },
        { "photo.png", KZ_IMAGE_PNG, 3 },
        { "photo-interlaced.png", KZ_IMAGE_PNG, 3 },
        { "photo-palette.png", KZ_IMAGE_PNG, 3 },
        { "photo-grey16.png", KZ_IMAGE_PNG, 1 },
        { "photo-rgba.png", KZ_IMAGE_PNG, 3 },
        { "photo.webp", KZ_IMAGE_WEBP, 3 },
        { "photo-rgba.webp", KZ_IMAGE_WEBP, 3 },
        { "photo.gif", KZ_IMAGE_GIF, 3 },
        { "photo-interlaced.gif", KZ_IMAGE_GIF, 3 },
        { "bad/really-png.jpg", KZ_IMAGE_PNG, 3 },   /* the name does not matter */
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(cases); i++) {
        kz_image *im = NULL;
        char err[KZ_IMAGE_ERRLEN];
        int rc = decode(cases[i].file, NULL, &im, err);
        if (rc) {
            kt_fail(__FILE__, __LINE__, "%s: %s", cases[i].file, err);
            continue;
        }
        KT_EQ_INT(kz_image_format(im), cases[i].fmt);
        KT_EQ_INT(kz_image_channels(im), cases[i].channels);
        KT_EQ_INT(kz_image_width(im), 160);
        KT_EQ_INT(kz_image_height(im), 112);
        kz_image_free(&im);
        KT_CHECK(im == NULL);
    }
    kz_image_free(NULL);
}

static double mean_abs_diff(const kz_image *a, const kz_image *b)
{
    size_t n = (size_t)kz_image_width(a) * kz_image_height(a) * 3;
    const uint8_t *p = kz_image_pixels(a), *q = kz_image_pixels(b);
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += abs((int)p[i] - (int)q[i]);
    return s / (double)n;
}

KT_TEST(image_same_pixels)
{
    kz_image *png = NULL, *other = NULL;
    char err[KZ_IMAGE_ERRLEN];
    KT_EQ_INT(decode("photo.png", NULL, &png, err), 0);
    if (!png)
        return;
    /* lossless: identical */
    static const char *const same[] = { "photo-interlaced.png", "bad/really-png.jpg" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(same); i++) {
        KT_EQ_INT(decode(same[i], NULL, &other, err), 0);
        if (other && memcmp(kz_image_pixels(png), kz_image_pixels(other), 160 * 112 * 3) != 0)
            kt_fail(__FILE__, __LINE__, "%s: pixels differ from photo.png", same[i]);
        kz_image_free(&other);
    }
    /* lossy or converted: close */
    static const char *const close[] = { "photo.jpg", "photo-cmyk.jpg", "photo.webp",
                                         "photo.gif", "photo-palette.png" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(close); i++) {
        KT_EQ_INT(decode(close[i], NULL, &other, err), 0);
        if (other) {
            double d = mean_abs_diff(png, other);
            if (d > 12.0)     /* palette quantisation dithers */
                kt_fail(__FILE__, __LINE__, "%s: mean difference %.2f from photo.png", close[i], d);
        }
        kz_image_free(&other);
    }
    kz_image_free(&png);
}

KT_TEST(image_alpha_on_white)
{
    /* photo-rgba: opaque on the left, transparent on the right */
    kz_image *im = NULL;
    char err[KZ_IMAGE_ERRLEN];
    static const char *const files[] = { "photo-rgba.png", "photo-rgba.webp" };
    for (size_t f = 0; f < KZ_ARRAY_LEN(files); f++) {
        KT_EQ_INT(decode(files[f], NULL, &im, err), 0);
        if (!im)
            continue;
        const uint8_t *p = kz_image_pixels(im);
        for (uint32_t y = 0; y < 112; y++) {
            const uint8_t *r = p + ((size_t)y * 160 + 159) * 3;
            if (r[0] < 250 || r[1] < 250 || r[2] < 250)
                kt_fail(__FILE__, __LINE__, "%s: transparent pixel (159,%u) is not white", files[f], y);
        }
        kz_image_free(&im);
    }
}

KT_TEST(image_exif_orientation)
{
    kz_image *im = NULL, *ref = NULL;
    char err[KZ_IMAGE_ERRLEN];
    kz_image_opts raw = { .no_orient = true };
    KT_EQ_INT(decode("photo-exif6.jpg", &raw, &im, err), 0);
    if (im) {
        KT_EQ_INT(kz_image_width(im), 112);
        KT_EQ_INT(kz_image_height(im), 160);
        kz_image_free(&im);
    }
    KT_EQ_INT(decode("photo-exif6.jpg", NULL, &im, err), 0);
    KT_EQ_INT(decode("photo.png", NULL, &ref, err), 0);
    if (im && ref) {
        KT_EQ_INT(kz_image_orientation(im), 6);
        KT_EQ_INT(kz_image_width(im), 160);
        KT_EQ_INT(kz_image_height(im), 112);
        KT_EQ_INT(kz_image_src_width(im), 112);
        double d = mean_abs_diff(im, ref);
        if (d > 6.0)
            kt_fail(__FILE__, __LINE__, "rotated photo differs from photo.png by %.2f", d);
    }
    kz_image_free(&im);
    kz_image_free(&ref);
}

KT_TEST(image_jpeg_scaled)
{
    kz_image *im = NULL;
    char err[KZ_IMAGE_ERRLEN];
    kz_image_opts o = { .min_side = 50 };
    KT_EQ_INT(decode("photo.jpg", &o, &im, err), 0);
    if (im) {
        KT_EQ_INT(kz_image_width(im), 80);     /* 1/2: 80x56; 1/4 would be under 50 */
        KT_EQ_INT(kz_image_height(im), 56);
        KT_EQ_INT(kz_image_src_width(im), 160);
    }
    kz_image_free(&im);
}

KT_TEST(image_bad_input)
{
    static const struct { const char *file; int rc; const char *why; } cases[] = {
        { "bad/truncated.jpg", KZ_EINVAL, "truncated" },
        { "bad/corrupt.png", KZ_EINVAL, "PNG" },
        { "bad/huge.png", KZ_ETOOBIG, "too large" },
        { "bad/huge.jpg", KZ_ETOOBIG, "too large" },
        { "bad/empty.jpg", KZ_EINVAL, "empty" },
        { "bad/notes.txt", KZ_EINVAL, "not a JPEG" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(cases); i++) {
        kz_image *im = (kz_image *)1;
        char err[KZ_IMAGE_ERRLEN];
        clock_t t0 = clock();
        int rc = decode(cases[i].file, NULL, &im, err);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        KT_EQ_INT(rc, cases[i].rc);
        KT_CHECK(im == NULL);
        if (!strstr(err, cases[i].why))
            kt_fail(__FILE__, __LINE__, "%s: reason \"%s\" lacks \"%s\"", cases[i].file, err, cases[i].why);
        if (secs > 0.5)
            kt_fail(__FILE__, __LINE__, "%s: took %.2f s to refuse", cases[i].file, secs);
    }
}

KT_TEST(image_limits)
{
    kz_image *im = NULL;
    char err[KZ_IMAGE_ERRLEN];
    kz_image_opts o = { .max_pixels = 160 * 111 };
    KT_EQ_INT(decode("photo.webp", &o, &im, err), KZ_ETOOBIG);
    kz_image_opts s = { .max_side = 159 };
    KT_EQ_INT(decode("photo.gif", &s, &im, err), KZ_ETOOBIG);
    kz_image_opts b = { .max_bytes = 100 };
    KT_EQ_INT(decode("photo.png", &b, &im, err), KZ_ETOOBIG);
    KT_CHECK(im == NULL);
    KT_EQ_INT(kz_image_decode("x", 1, NULL, NULL, NULL), KZ_EINVAL);
}

/* Every prefix of each format, and single corrupted bytes: errors are
 * fine, crashes and leaks are not (the ASan run checks). */
KT_TEST(image_truncated_everywhere)
{
    static const char *const files[] = { "photo.jpg", "photo-progressive.jpg", "photo.png",
                                         "photo-interlaced.png", "photo.webp", "photo.gif",
                                         "photo-interlaced.gif", "photo-cmyk.jpg" };
    for (size_t f = 0; f < KZ_ARRAY_LEN(files); f++) {
        size_t n = 0;
        char *d = load(files[f], &n);
        if (!d)
            continue;
        size_t step = n / 97 + 1;
        int ok = 0;
        for (size_t len = 0; len < n; len += step) {
            kz_image *im = NULL;
            if (kz_image_decode(d, len, NULL, &im, NULL) == 0)
                ok++;
            kz_image_free(&im);
        }
        KT_CHECK(ok < 20);      /* most prefixes must be refused */
        srand(7);
        for (int k = 0; k < 40; k++) {
            char *c = malloc(n);
            memcpy(c, d, n);
            c[16 + (size_t)rand() % (n - 16)] ^= (char)(1 + rand() % 255);
            kz_image *im = NULL;
            (void)kz_image_decode(c, n, NULL, &im, NULL);
            kz_image_free(&im);
            free(c);
        }
        free(d);
    }
}
