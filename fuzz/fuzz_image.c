/*
 * fuzz/fuzz_image.c - fuzz target for ingest/image.c and detect/pdq.c:
 * decode any bytes as an image, then PDQ-hash it with its 8 variants.
 *
 * The pixel limit is lowered to 4 megapixels so that headers claiming
 * big images stay fast, and a JPEG's scans x pixels to 16 scans of that
 * (so the limit is reached: corpus/image/scan-pixels.jpg); a JPEG of at
 * least 64 px a side is decoded at a reduced scale, and odd-sized inputs
 * as luminance only (the paths kuzet hash uses by default).
 */
#include "fuzz.h"
#include "ingest/image.h"
#include "detect/pdq.h"

KZ_FUZZ(image)
{
    kz_image_opts o = { .max_pixels = 4u << 20, .max_scan_pixels = 64u << 20, .min_side = 32,
                        .jpeg_luma = size & 1 };
    kz_image *im = NULL;
    char err[KZ_IMAGE_ERRLEN];
    int rc = kz_image_decode(data, size, &o, &im, err);
    if (rc) {
        if (im || !err[0])
            abort();            /* an error always leaves a reason and no image */
        return 0;
    }
    uint32_t w = kz_image_width(im), h = kz_image_height(im);
    int ch = kz_image_channels(im), q = -1;
    if (w == 0 || h == 0 || (ch != 1 && ch != 3) || (uint64_t)w * h > o.max_pixels)
        abort();
    kz_pdq_hash hs[KZ_PDQ_NXFORMS];
    if (kz_pdq_hash_pixels(kz_image_pixels(im), w, h, ch, (size_t)w * (size_t)ch, 0,
                           hs, KZ_PDQ_NXFORMS, &q) != 0 || q < 0 || q > 100)
        abort();
    kz_image_free(&im);
    return 0;
}
