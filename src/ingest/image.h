/*
 * ingest/image.h - decode JPEG, PNG, WebP and GIF from memory into 8-bit
 * pixels, for the image hashes (detect/pdq.h).
 *
 * The format is chosen by the first bytes of the data, never by a file
 * name.  The output is either 1 channel (grey) or 3 channels (RGB), rows
 * packed (stride = width * channels):
 *   - grey and grey+alpha sources give grey, everything else RGB;
 *   - palettes are expanded, 16-bit samples scaled to 8 bits;
 *   - alpha (PNG, WebP, GIF transparency) is composited on white;
 *   - CMYK/YCCK JPEGs are converted to RGB (Adobe's inverted CMYK when the
 *     file has an Adobe marker), as r = c*k/255 on the inverted values;
 *   - JPEG EXIF orientation (APP1 tag 0x0112) is applied unless
 *     opts.no_orient is set;
 *   - GIF: the first frame only, placed on its logical screen;
 *     animated WebP is refused (KZ_EINVAL).
 *
 * Limits are checked from the header before any pixel buffer is allocated:
 * input size, pixels per side and total pixels.  The work is bounded too:
 *   - a JPEG's scans (SOS markers, counted in the bytes before decoding
 *     and again by libjpeg's progress monitor while it decodes): at most
 *     max_scans, and at most max_scan_pixels for scans x width x height
 *     (each scan of a multi-scan JPEG is a pass over its whole image);
 *   - the decoding thread's CPU time (CLOCK_THREAD_CPUTIME_ID), checked
 *     from the JPEG progress monitor, the PNG row callback and the GIF line
 *     loop: at most max_cpu_ms, by default KZ_IMAGE_CPU_MS plus
 *     KZ_IMAGE_CPU_MS_PER_MP per megapixel of the image;
 *   - PNG ancillary chunks (text, ICC profiles, ...) are skipped unread, so
 *     compressed ones are never inflated; only tRNS is used.
 * Over a limit is KZ_ETOOBIG with a reason such as "JPEG has 1006 scans,
 * over the limit of 100".  Truncated or corrupt data is an error
 * (KZ_EINVAL) with a one-line reason; the decoders' own error handlers
 * longjmp back, nothing here prints or exits.
 *
 * Thread-safe: no global state.
 */
#ifndef KZ_IMAGE_H
#define KZ_IMAGE_H

#include "util/kz.h"

#define KZ_IMAGE_MAX_BYTES  ((size_t)64 << 20)     /* 64 MiB of input */
#define KZ_IMAGE_MAX_SIDE   16384u                 /* pixels per side */
#define KZ_IMAGE_MAX_PIXELS 100000000ull           /* 100 megapixels */
#define KZ_IMAGE_MAX_SCANS  100u                   /* JPEG scans (SOS markers) */
#define KZ_IMAGE_MAX_SCAN_PIXELS 2000000000ull     /* JPEG scans x pixels */
#define KZ_IMAGE_CPU_MS     250u                   /* CPU budget: base ... */
#define KZ_IMAGE_CPU_MS_PER_MP 100u                /* ... + per megapixel */
#define KZ_IMAGE_ERRLEN     160

typedef enum kz_image_fmt {
    KZ_IMAGE_UNKNOWN = 0,
    KZ_IMAGE_JPEG,
    KZ_IMAGE_PNG,
    KZ_IMAGE_WEBP,
    KZ_IMAGE_GIF,
} kz_image_fmt;

typedef struct kz_image_opts {
    size_t   max_bytes;    /* 0: KZ_IMAGE_MAX_BYTES */
    uint32_t max_side;     /* 0: KZ_IMAGE_MAX_SIDE */
    uint64_t max_pixels;   /* 0: KZ_IMAGE_MAX_PIXELS */
    /* JPEG only: decode at a reduced scale (1/2, 1/4 or 1/8, using the
     * DCT) as long as both sides stay >= min_side.  0: full size. */
    uint32_t min_side;
    bool     no_orient;    /* ignore the EXIF orientation */
    /* JPEG only: output the decoded luminance (the file's Y channel, which
     * is 0.299 R + 0.587 G + 0.114 B) as grey, skipping the chroma. */
    bool     jpeg_luma;
    uint32_t max_scans;        /* JPEG: 0: KZ_IMAGE_MAX_SCANS */
    uint64_t max_scan_pixels;  /* JPEG scans x pixels; 0: KZ_IMAGE_MAX_SCAN_PIXELS */
    /* CPU time of the decoding thread; 0: KZ_IMAGE_CPU_MS +
     * KZ_IMAGE_CPU_MS_PER_MP per megapixel (rounded up) of the image. */
    uint32_t max_cpu_ms;
} kz_image_opts;

typedef struct kz_image kz_image;

/* The format of data by its magic bytes; KZ_IMAGE_UNKNOWN if none. */
kz_image_fmt kz_image_sniff(const void *data, size_t n);
/* "jpeg", "png", "webp", "gif" or "unknown"; static storage. */
const char *kz_image_fmt_name(kz_image_fmt f);

/*
 * Decode data[0..n) into *out (caller frees with kz_image_free).  opts may
 * be NULL (defaults).  Returns 0, KZ_EINVAL (not an image, unsupported or
 * corrupt), KZ_ETOOBIG (over a limit) or KZ_ENOMEM.  On error, *out is
 * NULL and, when err is not NULL, err (KZ_IMAGE_ERRLEN bytes) holds a
 * one-line reason such as "truncated JPEG data".
 */
int kz_image_decode(const void *data, size_t n, const kz_image_opts *opts,
                    kz_image **out, char *err);

void kz_image_free(kz_image **imp);   /* NULL-safe; sets *imp = NULL */

/* Decoded size (after any JPEG scaling and EXIF rotation). */
uint32_t kz_image_width(const kz_image *im);
uint32_t kz_image_height(const kz_image *im);
/* Size as stored in the file, before scaling and rotation. */
uint32_t kz_image_src_width(const kz_image *im);
uint32_t kz_image_src_height(const kz_image *im);
int kz_image_channels(const kz_image *im);            /* 1 or 3 */
const uint8_t *kz_image_pixels(const kz_image *im);   /* lent; rows packed */
kz_image_fmt kz_image_format(const kz_image *im);
int kz_image_orientation(const kz_image *im);         /* EXIF 1..8; 1 if none */

#endif
