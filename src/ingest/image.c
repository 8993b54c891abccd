/*
 * ingest/image.c - JPEG (libjpeg-turbo), PNG (libpng), WebP (libwebp) and
 * GIF (giflib) decoding from memory into 8-bit grey or RGB.
 *
 * libjpeg and libpng report errors through callbacks that must not return;
 * ours longjmp back to the function that called setjmp.  Everything that
 * must be freed after such a jump lives in a struct owned by the caller of
 * that function (so no automatic variable of the setjmp frame is relied on
 * after the jump).  See image.h for the choices (alpha on white, CMYK, EXIF).
 *
 * Work limits (image.h): a JPEG's scans are counted in its bytes before
 * decoding (jpeg_count_scans) and again by libjpeg as it reads them
 * (jpg_progress, the progress monitor, which also checks the CPU budget);
 * PNG rows and GIF lines check the CPU budget as they are decoded.
 */
#include "ingest/image.h"

#include <setjmp.h>
#include <limits.h>
#include <stdarg.h>
#include <time.h>
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/decode.h>
#include <gif_lib.h>

struct kz_image {
    uint32_t w, h, src_w, src_h;
    int channels;
    int orientation;
    kz_image_fmt fmt;
    uint8_t *px;
};

struct lim {
    size_t max_bytes;
    uint32_t max_side, min_side;
    uint64_t max_pixels;
    bool no_orient, jpeg_luma;
    uint32_t max_scans;
    uint64_t max_scan_pixels;
    uint32_t max_cpu_ms;     /* 0: from the pixels (set_budget) */
    uint32_t budget_ms;      /* the budget in force, once set_budget ran */
    uint64_t t0_ns;          /* thread CPU time when decoding began */
    uint64_t deadline_ns;    /* 0 until set_budget: no check */
    unsigned ticks;          /* calls of over_budget, which reads the clock every 16th */
};

static void seterr(char *err, const char *fmt, ...) KZ_PRINTF(2, 3);
static void seterr(char *err, const char *fmt, ...)
{
    if (!err || err[0])      /* keep the first (most specific) reason */
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, KZ_IMAGE_ERRLEN, fmt, ap);
    va_end(ap);
}

kz_image_fmt kz_image_sniff(const void *data, size_t n)
{
    const uint8_t *p = data;
    if (!p)
        return KZ_IMAGE_UNKNOWN;
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return KZ_IMAGE_JPEG;
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return KZ_IMAGE_PNG;
    if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return KZ_IMAGE_WEBP;
    if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
        return KZ_IMAGE_GIF;
    return KZ_IMAGE_UNKNOWN;
}

const char *kz_image_fmt_name(kz_image_fmt f)
{
    switch (f) {
    case KZ_IMAGE_JPEG: return "jpeg";
    case KZ_IMAGE_PNG:  return "png";
    case KZ_IMAGE_WEBP: return "webp";
    case KZ_IMAGE_GIF:  return "gif";
    default:            return "unknown";
    }
}

/* CPU time of the calling thread in ns; 0 if the clock is unavailable. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Start the CPU budget for a w x h image (its size is known from here). */
static void set_budget(struct lim *l, uint64_t w, uint64_t h)
{
    uint64_t mp = (w * h + 999999) / 1000000;
    l->budget_ms = l->max_cpu_ms ? l->max_cpu_ms
                                 : (uint32_t)(KZ_IMAGE_CPU_MS + KZ_IMAGE_CPU_MS_PER_MP * mp);
    if (l->t0_ns)
        l->deadline_ns = l->t0_ns + (uint64_t)l->budget_ms * 1000000u;
}

/* True (and err set) when the decoding thread has used up its CPU
 * budget.  Called once per row or so: reads the clock every 16th call. */
static bool over_budget(struct lim *l, const char *what, char *err)
{
    if (!l->deadline_ns || (++l->ticks & 15) != 0 || cpu_ns() <= l->deadline_ns)
        return false;
    seterr(err, "%s decoding took over its CPU budget of %u ms", what, l->budget_ms);
    return true;
}

/* 0 if w x h is within the limits, else KZ_ETOOBIG / KZ_EINVAL. */
static int check_size(const struct lim *l, uint64_t w, uint64_t h, const char *what, char *err)
{
    if (w == 0 || h == 0) {
        seterr(err, "%s image has no pixels (%llux%llu)", what,
               (unsigned long long)w, (unsigned long long)h);
        return KZ_EINVAL;
    }
    if (w > l->max_side || h > l->max_side || w * h > l->max_pixels) {
        seterr(err, "%s image too large: %llux%llu (limits: %u px per side, %llu pixels)", what,
               (unsigned long long)w, (unsigned long long)h, l->max_side,
               (unsigned long long)l->max_pixels);
        return KZ_ETOOBIG;
    }
    return 0;
}

static inline uint8_t over_white(unsigned c, unsigned a)
{
    return (uint8_t)((c * a + 255u * (255u - a) + 127u) / 255u);
}

/* ---------------------------------------------------------------- EXIF */

static unsigned rd16(const uint8_t *p, int le) { return le ? p[0] | p[1] << 8 : p[0] << 8 | p[1]; }
static uint32_t rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The orientation (1..8) in an APP1 payload "Exif\0\0" + TIFF; 1 if absent
 * or malformed. */
static int exif_orientation(const uint8_t *p, size_t n)
{
    if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0)
        return 1;
    p += 6;
    n -= 6;
    int le;
    if (p[0] == 'I' && p[1] == 'I') le = 1;
    else if (p[0] == 'M' && p[1] == 'M') le = 0;
    else return 1;
    if (rd16(p + 2, le) != 42)
        return 1;
    uint32_t ifd = rd32(p + 4, le);
    if (ifd > n || n - ifd < 2)
        return 1;
    unsigned cnt = rd16(p + ifd, le);
    for (unsigned i = 0; i < cnt; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        if (e + 12 > n)
            return 1;
        if (rd16(p + e, le) != 0x0112)
            continue;
        unsigned type = rd16(p + e + 2, le);
        uint32_t count = rd32(p + e + 4, le);
        if (type != 3 || count < 1)   /* SHORT */
            return 1;
        unsigned v = rd16(p + e + 8, le);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

/* Rotate/flip im->px so that it displays upright for EXIF orientation o. */
static int apply_orientation(kz_image *im, int o)
{
    if (o <= 1 || o > 8)
        return 0;
    uint32_t W = im->w, H = im->h;
    int c = im->channels;
    int swap = o >= 5;
    uint32_t ow = swap ? H : W, oh = swap ? W : H;
    uint8_t *dst = kz_malloc((size_t)W * H * (size_t)c);
    if (!dst)
        return KZ_ENOMEM;
    for (uint32_t y = 0; y < oh; y++) {
        uint8_t *d = dst + (size_t)y * ow * (size_t)c;
        for (uint32_t x = 0; x < ow; x++, d += c) {
            uint32_t sx, sy;
            switch (o) {
            case 2: sx = W - 1 - x; sy = y; break;
            case 3: sx = W - 1 - x; sy = H - 1 - y; break;
            case 4: sx = x; sy = H - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = H - 1 - x; break;
            case 7: sx = W - 1 - y; sy = H - 1 - x; break;
            default: sx = W - 1 - y; sy = x; break;     /* 8 */
            }
            const uint8_t *s = im->px + ((size_t)sy * W + sx) * (size_t)c;
            for (int k = 0; k < c; k++)
                d[k] = s[k];
        }
    }
    free(im->px);
    im->px = dst;
    im->w = ow;
    im->h = oh;
    return 0;
}

/* ---------------------------------------------------------------- JPEG */

struct jpg_ctx {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr prog;
    jmp_buf jb;
    char *err;
    int rc;
    bool created;
    uint8_t *row;
    struct lim *l;
};

/* The number of scans (SOS markers) in a JPEG, found the way libjpeg
 * reads it: marker segments skipped by their length, entropy-coded data
 * up to the next marker (FF 00 stuffing and RSTn are data), other bytes
 * skipped up to the next FF; EOI or the end of the data ends it. */
static uint64_t jpeg_count_scans(const uint8_t *p, size_t n)
{
    uint64_t scans = 0;
    size_t i = 2;                       /* after SOI */
    while (i < n) {
        while (i < n && p[i] != 0xFF)   /* stray bytes */
            i++;
        while (i < n && p[i] == 0xFF)   /* fill bytes */
            i++;
        if (i >= n)
            break;
        unsigned m = p[i++];
        if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue;                   /* no length: stuffing, TEM, RSTn */
        if (m == 0xD8 || m == 0xD9 || n - i < 2)
            break;                      /* SOI again (libjpeg fails), EOI */
        size_t len = (size_t)p[i] << 8 | p[i + 1];
        if (len < 2)
            break;                      /* libjpeg fails */
        i += KZ_MIN(len, n - i);
        if (m != 0xDA)
            continue;
        scans++;
        for (;;) {                      /* the scan's data, up to a marker */
            const uint8_t *f = i < n ? memchr(p + i, 0xFF, n - i) : NULL;
            if (!f)
                return scans;
            size_t j = (size_t)(f - p) + 1;
            while (j < n && p[j] == 0xFF)
                j++;
            if (j >= n)
                return scans;
            if (p[j] != 0x00 && !(p[j] >= 0xD0 && p[j] <= 0xD7)) {
                i = j - 1;              /* the FF of the marker */
                break;
            }
            i = j + 1;
        }
    }
    return scans;
}

/* 0 if `scans` scans of the image are within the limits; else KZ_ETOOBIG
 * with the reason ("at least" N scans while libjpeg is reading them). */
static int jpg_check_scans(const struct lim *l, uint64_t scans, const char *over,
                           uint64_t w, uint64_t h, char *err)
{
    if (scans > l->max_scans) {
        seterr(err, "JPEG has %s%llu scans, over the limit of %u", over,
               (unsigned long long)scans, l->max_scans);
        return KZ_ETOOBIG;
    }
    if (scans * w * h > l->max_scan_pixels) {
        seterr(err, "JPEG has %s%llu scans of %llux%llu pixels, over the limit of %llu scans x pixels",
               over, (unsigned long long)scans, (unsigned long long)w, (unsigned long long)h,
               (unsigned long long)l->max_scan_pixels);
        return KZ_ETOOBIG;
    }
    return 0;
}

/* libjpeg's progress monitor: called for every row of MCUs it reads from
 * each scan, and for every row it outputs.  The scans libjpeg has seen and
 * the CPU budget are checked here, so no file can keep it busy longer. */
static void jpg_progress(j_common_ptr c)
{
    struct jpg_ctx *x = (struct jpg_ctx *)c->client_data;
    const struct jpeg_decompress_struct *ci = &x->cinfo;
    uint64_t scans = ci->input_scan_number > 0 ? (uint64_t)ci->input_scan_number : 0;
    int rc = jpg_check_scans(x->l, scans, "at least ", ci->image_width, ci->image_height, x->err);
    if (!rc && over_budget(x->l, "JPEG", x->err))
        rc = KZ_ETOOBIG;
    if (rc) {
        x->rc = rc;
        longjmp(x->jb, 1);
    }
}

static void jpg_error_exit(j_common_ptr c)
{
    struct jpg_ctx *x = (struct jpg_ctx *)c->client_data;
    char msg[JMSG_LENGTH_MAX];
    (*c->err->format_message)(c, msg);
    seterr(x->err, "corrupt JPEG: %s", msg);
    x->rc = c->err->msg_code == JERR_OUT_OF_MEMORY ? KZ_ENOMEM : KZ_EINVAL;
    longjmp(x->jb, 1);
}

/* Warnings are ignored (real files often have a few stray bytes), except
 * running out of data: libjpeg would pad the rest of the image with grey. */
static void jpg_emit_message(j_common_ptr c, int level)
{
    struct jpg_ctx *x = (struct jpg_ctx *)c->client_data;
    if (level == -1 && c->err->msg_code == JWRN_JPEG_EOF) {
        seterr(x->err, "truncated JPEG data");
        x->rc = KZ_EINVAL;
        longjmp(x->jb, 1);
    }
}

static void jpg_output_message(j_common_ptr c) { (void)c; }

static int jpg_decode(struct jpg_ctx *x, const uint8_t *data, size_t n,
                      struct lim *l, kz_image *im)
{
    struct jpeg_decompress_struct *ci = &x->cinfo;
    ci->err = jpeg_std_error(&x->jerr);
    x->jerr.error_exit = jpg_error_exit;
    x->jerr.emit_message = jpg_emit_message;
    x->jerr.output_message = jpg_output_message;
    ci->client_data = x;
    if (setjmp(x->jb))
        return x->rc ? x->rc : KZ_EINVAL;
    jpeg_create_decompress(ci);
    x->created = true;
    /* libjpeg's memory manager has no backing store: a budget past which
     * it fails instead of growing (progressive files keep all coefficients). */
    ci->mem->max_memory_to_use = (long)KZ_MIN((uint64_t)LONG_MAX / 2, l->max_pixels * 8 + (64u << 20));
    jpeg_mem_src(ci, data, (unsigned long)n);
    if (!l->no_orient)
        jpeg_save_markers(ci, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(ci, TRUE);

    int rc = check_size(l, ci->image_width, ci->image_height, "JPEG", x->err);
    if (rc)
        return rc;
    /* The scan limits before any scan is decoded; from here on, libjpeg
     * calls jpg_progress as it works. */
    if ((rc = jpg_check_scans(l, jpeg_count_scans(data, n), "", ci->image_width,
                              ci->image_height, x->err)) != 0)
        return rc;
    set_budget(l, ci->image_width, ci->image_height);
    x->l = l;
    x->prog.progress_monitor = jpg_progress;
    ci->progress = &x->prog;
    im->src_w = ci->image_width;
    im->src_h = ci->image_height;
    if (!l->no_orient)
        for (jpeg_saved_marker_ptr m = ci->marker_list; m; m = m->next)
            if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
                !memcmp(m->data, "Exif\0\0", 6)) {
                im->orientation = exif_orientation(m->data, m->data_length);
                break;
            }

    int cmyk = 0;
    switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE: ci->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: ci->out_color_space = JCS_CMYK; cmyk = 1; break;
    case JCS_YCbCr: ci->out_color_space = l->jpeg_luma ? JCS_GRAYSCALE : JCS_RGB; break;
    default: ci->out_color_space = JCS_RGB; break;
    }
    if (l->min_side) {
        for (unsigned d = 8; d >= 2; d /= 2) {
            if ((ci->image_width + d - 1) / d >= l->min_side &&
                (ci->image_height + d - 1) / d >= l->min_side) {
                ci->scale_num = 1;
                ci->scale_denom = d;
                break;
            }
        }
    }
    jpeg_start_decompress(ci);
    int oc = ci->output_components;
    if ((cmyk && oc != 4) || (!cmyk && oc != 1 && oc != 3)) {
        seterr(x->err, "unsupported JPEG colour layout (%d components)", oc);
        return KZ_EINVAL;
    }
    im->w = ci->output_width;
    im->h = ci->output_height;
    im->channels = oc == 1 ? 1 : 3;
    im->px = kz_malloc((size_t)im->w * im->h * (size_t)im->channels);
    x->row = kz_malloc((size_t)im->w * (size_t)oc);
    if (!im->px || !x->row)
        return KZ_ENOMEM;
    int inverted = cmyk && ci->saw_Adobe_marker;
    while (ci->output_scanline < ci->output_height) {
        size_t y = ci->output_scanline;
        uint8_t *dst = im->px + y * im->w * (size_t)im->channels;
        JSAMPROW rp = cmyk ? x->row : dst;
        if (jpeg_read_scanlines(ci, &rp, 1) != 1) {
            seterr(x->err, "truncated JPEG data");
            return KZ_EINVAL;
        }
        if (cmyk) {
            const uint8_t *s = x->row;
            for (uint32_t i = 0; i < im->w; i++, s += 4, dst += 3) {
                unsigned C = s[0], M = s[1], Y = s[2], K = s[3];
                if (!inverted) {
                    C = 255 - C; M = 255 - M; Y = 255 - Y; K = 255 - K;
                }
                dst[0] = (uint8_t)((C * K + 127) / 255);
                dst[1] = (uint8_t)((M * K + 127) / 255);
                dst[2] = (uint8_t)((Y * K + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(ci);
    return 0;
}

static int decode_jpeg(const uint8_t *data, size_t n, struct lim *l, kz_image *im, char *err)
{
    struct jpg_ctx *x = kz_calloc(1, sizeof *x);
    if (!x)
        return KZ_ENOMEM;
    x->err = err;
    int rc = jpg_decode(x, data, n, l, im);
    if (x->created)
        jpeg_destroy_decompress(&x->cinfo);
    free(x->row);
    free(x);
    return rc;
}

/* ---------------------------------------------------------------- PNG */

struct png_ctx {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t n, off;
    char *err;
    int rc;
    uint8_t *buf;
    png_bytep *rows;
    struct lim *l;
};

static void png_err_fn(png_structp p, png_const_charp msg)
{
    struct png_ctx *x = png_get_error_ptr(p);
    seterr(x->err, "corrupt PNG: %s", msg);
    if (!x->rc)
        x->rc = KZ_EINVAL;
    png_longjmp(p, 1);
}

static void png_warn_fn(png_structp p, png_const_charp msg) { (void)p; (void)msg; }

/* Called by libpng after each row (of each Adam7 pass): the CPU budget. */
static void png_row_fn(png_structp p, png_uint_32 row, int pass)
{
    (void)row;
    (void)pass;
    struct png_ctx *x = png_get_io_ptr(p);
    if (over_budget(x->l, "PNG", x->err)) {
        x->rc = KZ_ETOOBIG;
        png_error(p, "CPU budget");
    }
}

static void png_read_fn(png_structp p, png_bytep out, png_size_t len)
{
    struct png_ctx *x = png_get_io_ptr(p);
    if (len > x->n - x->off) {
        seterr(x->err, "truncated PNG data");
        x->rc = KZ_EINVAL;
        png_error(p, "truncated");
    }
    memcpy(out, x->data + x->off, len);
    x->off += len;
}

static int png_decode(struct png_ctx *x, struct lim *l, kz_image *im)
{
    png_structp p = x->png;
    png_infop info = x->info;
    if (setjmp(png_jmpbuf(p)))
        return x->rc ? x->rc : KZ_EINVAL;
    png_set_read_fn(p, x, png_read_fn);
    png_set_user_limits(p, 0x7fffffffu, 0x7fffffffu);   /* our limits: check_size() */
    png_set_chunk_malloc_max(p, 16u << 20);
    /* Skip every ancillary chunk but tRNS unread (none changes the pixels
     * we output): 1,000 zTXt or iTXt chunks, each inflating to 16 MiB,
     * would otherwise cost a minute of inflate for a 15 MB file. */
    png_set_keep_unknown_chunks(p, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_read_info(p, info);
    png_uint_32 w = png_get_image_width(p, info), h = png_get_image_height(p, info);
    int rc = check_size(l, w, h, "PNG", x->err);
    if (rc)
        return rc;
    im->src_w = w;
    im->src_h = h;
    set_budget(l, w, h);
    x->l = l;
    png_set_read_status_fn(p, png_row_fn);
    int bit_depth = png_get_bit_depth(p, info);
    png_set_expand(p);                 /* palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha */
    if (bit_depth == 16)
        png_set_scale_16(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
    int ch = png_get_channels(p, info);
    size_t rowbytes = png_get_rowbytes(p, info);
    if (ch < 1 || ch > 4 || png_get_bit_depth(p, info) != 8 || rowbytes != (size_t)w * (size_t)ch) {
        seterr(x->err, "unsupported PNG layout");
        return KZ_EINVAL;
    }
    x->buf = kz_malloc(rowbytes * h);
    x->rows = kz_malloc(sizeof *x->rows * h);
    if (!x->buf || !x->rows)
        return KZ_ENOMEM;
    for (png_uint_32 y = 0; y < h; y++)
        x->rows[y] = x->buf + (size_t)y * rowbytes;
    png_read_image(p, x->rows);

    im->w = w;
    im->h = h;
    if (ch == 1 || ch == 3) {
        im->channels = ch;
        im->px = x->buf;
        x->buf = NULL;
        return 0;
    }
    /* alpha: composite on white, in place (the output is never longer) */
    int oc = ch == 2 ? 1 : 3;
    size_t np = (size_t)w * h;
    const uint8_t *s = x->buf;
    uint8_t *d = x->buf;
    for (size_t i = 0; i < np; i++, s += ch, d += oc) {
        unsigned a = s[ch - 1];
        for (int k = 0; k < oc; k++)
            d[k] = over_white(s[k], a);
    }
    im->channels = oc;
    im->px = x->buf;
    x->buf = NULL;
    return 0;
}

static int decode_png(const uint8_t *data, size_t n, struct lim *l, kz_image *im, char *err)
{
    struct png_ctx *x = kz_calloc(1, sizeof *x);
    if (!x)
        return KZ_ENOMEM;
    x->data = data;
    x->n = n;
    x->err = err;
    int rc = KZ_ENOMEM;
    x->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, x, png_err_fn, png_warn_fn);
    if (!x->png)
        goto out;
    x->info = png_create_info_struct(x->png);
    if (!x->info)
        goto out;
    rc = png_decode(x, l, im);
out:
    if (x->png)
        png_destroy_read_struct(&x->png, x->info ? &x->info : NULL, NULL);
    free(x->buf);
    free(x->rows);
    free(x);
    return rc;
}

/* ---------------------------------------------------------------- WebP */

static int decode_webp(const uint8_t *data, size_t n, struct lim *l, kz_image *im, char *err)
{
    WebPBitstreamFeatures f;
    VP8StatusCode st = WebPGetFeatures(data, n, &f);
    if (st == VP8_STATUS_NOT_ENOUGH_DATA) {
        seterr(err, "truncated WebP data");
        return KZ_EINVAL;
    }
    if (st != VP8_STATUS_OK) {
        seterr(err, "corrupt WebP header (status %d)", (int)st);
        return KZ_EINVAL;
    }
    if (f.has_animation) {
        seterr(err, "animated WebP is not supported");
        return KZ_EINVAL;
    }
    int rc = check_size(l, f.width > 0 ? (uint64_t)f.width : 0, f.height > 0 ? (uint64_t)f.height : 0,
                        "WebP", err);
    if (rc)
        return rc;
    im->w = im->src_w = (uint32_t)f.width;
    im->h = im->src_h = (uint32_t)f.height;
    int ch = f.has_alpha ? 4 : 3;
    size_t stride = (size_t)im->w * (size_t)ch, size = stride * im->h;
    uint8_t *buf = kz_malloc(size);
    if (!buf)
        return KZ_ENOMEM;
    uint8_t *ok = f.has_alpha ? WebPDecodeRGBAInto(data, n, buf, size, (int)stride)
                              : WebPDecodeRGBInto(data, n, buf, size, (int)stride);
    if (!ok) {
        free(buf);
        seterr(err, "corrupt or truncated WebP data");
        return KZ_EINVAL;
    }
    if (f.has_alpha) {
        size_t np = (size_t)im->w * im->h;
        const uint8_t *s = buf;
        uint8_t *d = buf;
        for (size_t i = 0; i < np; i++, s += 4, d += 3) {
            unsigned a = s[3];
            d[0] = over_white(s[0], a);
            d[1] = over_white(s[1], a);
            d[2] = over_white(s[2], a);
        }
    }
    im->channels = 3;
    im->px = buf;
    return 0;
}

/* ---------------------------------------------------------------- GIF */

struct gif_src {
    const uint8_t *data;
    size_t n, off;
};

static int gif_read_fn(GifFileType *g, GifByteType *out, int len)
{
    struct gif_src *s = g->UserData;
    if (len < 0)
        return 0;
    size_t k = KZ_MIN((size_t)len, s->n - s->off);
    memcpy(out, s->data + s->off, k);
    s->off += k;
    return (int)k;
}

static int gif_fail(GifFileType *g, int code, char *err)
{
    int e = g ? g->Error : code;
    if (e == D_GIF_ERR_READ_FAILED || e == D_GIF_ERR_EOF_TOO_SOON)
        seterr(err, "truncated GIF data");
    else {
        const char *m = GifErrorString(e);
        seterr(err, "corrupt GIF: %s", m ? m : "unknown error");
    }
    return e == D_GIF_ERR_NOT_ENOUGH_MEM ? KZ_ENOMEM : KZ_EINVAL;
}

static int decode_gif(const uint8_t *data, size_t n, struct lim *l, kz_image *im, char *err)
{
    struct gif_src src = { data, n, 0 };
    int code = 0, rc = KZ_EINVAL, transparent = -1;
    uint8_t *line = NULL;
    GifFileType *g = DGifOpen(&src, gif_read_fn, &code);
    if (!g)
        return gif_fail(NULL, code, err);
    for (;;) {
        GifRecordType rt;
        if (DGifGetRecordType(g, &rt) == GIF_ERROR) {
            rc = gif_fail(g, 0, err);
            goto out;
        }
        if (rt == TERMINATE_RECORD_TYPE) {
            seterr(err, "GIF has no image");
            goto out;
        }
        if (rt == EXTENSION_RECORD_TYPE) {
            int fn;
            GifByteType *ext;
            if (DGifGetExtension(g, &fn, &ext) == GIF_ERROR) {
                rc = gif_fail(g, 0, err);
                goto out;
            }
            if (fn == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4) {
                GraphicsControlBlock gcb;
                if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
                    transparent = gcb.TransparentColor;
            }
            while (ext) {
                if (DGifGetExtensionNext(g, &ext) == GIF_ERROR) {
                    rc = gif_fail(g, 0, err);
                    goto out;
                }
            }
            continue;
        }
        if (rt != IMAGE_DESC_RECORD_TYPE)
            continue;
        if (DGifGetImageDesc(g) == GIF_ERROR) {
            rc = gif_fail(g, 0, err);
            goto out;
        }
        break;
    }
    GifImageDesc *d = &g->Image;
    const ColorMapObject *cm = d->ColorMap ? d->ColorMap : g->SColorMap;
    if (!cm || cm->ColorCount <= 0) {
        seterr(err, "corrupt GIF: no colour map");
        goto out;
    }
    if (d->Width <= 0 || d->Height <= 0 || d->Left < 0 || d->Top < 0) {
        seterr(err, "corrupt GIF: bad frame size");
        goto out;
    }
    if ((rc = check_size(l, (uint64_t)d->Width, (uint64_t)d->Height, "GIF", err)) != 0)
        goto out;
    /* Canvas: the logical screen, unless the frame does not fit in it. */
    uint64_t cw = (uint64_t)g->SWidth, chh = (uint64_t)g->SHeight;
    int fx = d->Left, fy = d->Top;
    if ((uint64_t)d->Left + (uint64_t)d->Width > cw || (uint64_t)d->Top + (uint64_t)d->Height > chh) {
        cw = (uint64_t)d->Width;
        chh = (uint64_t)d->Height;
        fx = fy = 0;
    }
    if ((rc = check_size(l, cw, chh, "GIF", err)) != 0)
        goto out;
    set_budget(l, cw, chh);
    rc = KZ_ENOMEM;
    im->w = im->src_w = (uint32_t)cw;
    im->h = im->src_h = (uint32_t)chh;
    im->channels = 3;
    im->px = kz_malloc((size_t)cw * chh * 3);
    line = kz_malloc((size_t)d->Width);
    if (!im->px || !line)
        goto out;
    memset(im->px, 255, (size_t)cw * chh * 3);
    static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
    int passes = d->Interlace ? 4 : 1;
    for (int pass = 0; pass < passes; pass++) {
        int y0 = d->Interlace ? start[pass] : 0, dy = d->Interlace ? step[pass] : 1;
        for (int y = y0; y < d->Height; y += dy) {
            if (DGifGetLine(g, line, d->Width) == GIF_ERROR) {
                rc = gif_fail(g, 0, err);
                goto out;
            }
            if (over_budget(l, "GIF", err)) {
                rc = KZ_ETOOBIG;
                goto out;
            }
            uint8_t *o = im->px + (((size_t)(y + fy)) * cw + (size_t)fx) * 3;
            for (int x = 0; x < d->Width; x++, o += 3) {
                int idx = line[x];
                if (idx == transparent)
                    continue;                  /* stays white */
                if (idx >= cm->ColorCount)
                    idx = 0;
                o[0] = cm->Colors[idx].Red;
                o[1] = cm->Colors[idx].Green;
                o[2] = cm->Colors[idx].Blue;
            }
        }
    }
    rc = 0;
out:
    free(line);
    DGifCloseFile(g, &code);
    return rc;
}

/* ---------------------------------------------------------------- API */

int kz_image_decode(const void *data, size_t n, const kz_image_opts *opts,
                    kz_image **out, char *err)
{
    struct lim l = {
        .max_bytes = opts && opts->max_bytes ? opts->max_bytes : KZ_IMAGE_MAX_BYTES,
        .max_side = opts && opts->max_side ? opts->max_side : KZ_IMAGE_MAX_SIDE,
        .max_pixels = opts && opts->max_pixels ? opts->max_pixels : KZ_IMAGE_MAX_PIXELS,
        .min_side = opts ? opts->min_side : 0,
        .no_orient = opts ? opts->no_orient : false,
        .jpeg_luma = opts ? opts->jpeg_luma : false,
        .max_scans = opts && opts->max_scans ? opts->max_scans : KZ_IMAGE_MAX_SCANS,
        .max_scan_pixels = opts && opts->max_scan_pixels ? opts->max_scan_pixels
                                                         : KZ_IMAGE_MAX_SCAN_PIXELS,
        .max_cpu_ms = opts ? opts->max_cpu_ms : 0,
        .t0_ns = cpu_ns(),
    };
    int rc = KZ_EINVAL;
    kz_image *im = NULL;
    if (err)
        err[0] = '\0';
    if (!out)
        return KZ_EINVAL;
    *out = NULL;
    if (!data || n == 0) {
        seterr(err, "empty input");
        return KZ_EINVAL;
    }
    if (n > l.max_bytes) {
        seterr(err, "input over %zu bytes", l.max_bytes);
        return KZ_ETOOBIG;
    }
    kz_image_fmt f = kz_image_sniff(data, n);
    if (f == KZ_IMAGE_UNKNOWN) {
        seterr(err, "not a JPEG, PNG, WebP or GIF image");
        return KZ_EINVAL;
    }
    if (!(im = kz_calloc(1, sizeof *im)))
        return KZ_ENOMEM;
    im->fmt = f;
    im->orientation = 1;
    switch (f) {
    case KZ_IMAGE_JPEG: rc = decode_jpeg(data, n, &l, im, err); break;
    case KZ_IMAGE_PNG:  rc = decode_png(data, n, &l, im, err); break;
    case KZ_IMAGE_WEBP: rc = decode_webp(data, n, &l, im, err); break;
    default:            rc = decode_gif(data, n, &l, im, err); break;
    }
    if (rc)
        goto out;
    if (!l.no_orient && (rc = apply_orientation(im, im->orientation)) != 0)
        goto out;
    *out = im;
    im = NULL;
out:
    if (rc && err && !err[0])
        seterr(err, "%s", kz_strerror(rc));
    kz_image_free(&im);
    return rc;
}

void kz_image_free(kz_image **imp)
{
    if (!imp || !*imp)
        return;
    free((*imp)->px);
    free(*imp);
    *imp = NULL;
}

uint32_t kz_image_width(const kz_image *im) { return im->w; }
uint32_t kz_image_height(const kz_image *im) { return im->h; }
uint32_t kz_image_src_width(const kz_image *im) { return im->src_w; }
uint32_t kz_image_src_height(const kz_image *im) { return im->src_h; }
int kz_image_channels(const kz_image *im) { return im->channels; }
const uint8_t *kz_image_pixels(const kz_image *im) { return im->px; }
kz_image_fmt kz_image_format(const kz_image *im) { return im->fmt; }
int kz_image_orientation(const kz_image *im) { return im->orientation; }
