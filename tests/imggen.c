/*
 * tests/imggen.c - the generated images of imggen.h (libjpeg, zlib,
 * giflib).
 *
 * The JPEG generator is also a stand-alone program, for timing by hand:
 *   cc -O2 -DKT_IMGGEN_MAIN -Itests tests/imggen.c -ljpeg -lz -lgif -o /tmp/jpeg-gen
 *   /tmp/jpeg-gen 16384 6100 1 1000 /tmp/scans.jpg
 *       (W H COMPS REPEAT OUT [seq|rst]: 1,000 copies of the last scan)
 */
#include "imggen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <zlib.h>
#include <gif_lib.h>

struct gen_err {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
};

static void gen_error_exit(j_common_ptr c)
{
    longjmp(((struct gen_err *)c->err)->jb, 1);
}

/* Encode to *out (malloc'd by jpeg_mem_dest; the caller frees it). */
static void encode(struct jpeg_compress_struct *ci, const kt_jpeg_spec *sp,
                   unsigned char **out, unsigned long *outn, unsigned *scans, unsigned char *row)
{
    unsigned w = sp->w, h = sp->h;
    int comps = sp->comps;
    ci->image_width = w;
    ci->image_height = h;
    ci->input_components = comps;
    ci->in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(ci);
    jpeg_set_quality(ci, 90, TRUE);
    ci->restart_interval = sp->restart;
    jpeg_scan_info seq[3];
    if (sp->progressive) {
        jpeg_simple_progression(ci);
    } else if (comps == 3) {
        for (int i = 0; i < 3; i++) {
            seq[i] = (jpeg_scan_info){ .comps_in_scan = 1, .component_index = { i },
                                       .Ss = 0, .Se = 63, .Ah = 0, .Al = 0 };
        }
        ci->scan_info = seq;        /* read by jpeg_start_compress only */
        ci->num_scans = 3;
    }
    *scans = ci->scan_info ? (unsigned)ci->num_scans : 1;
    jpeg_mem_dest(ci, out, outn);
    jpeg_start_compress(ci, TRUE);
    while (ci->next_scanline < h) {
        unsigned y = ci->next_scanline;
        for (unsigned x = 0; x < w; x++) {
            unsigned v = ((x / 8) * 5 + (y / 8) * 3) & 255;
            for (int k = 0; k < comps; k++)
                row[(size_t)x * (size_t)comps + (size_t)k] = (unsigned char)(v + (unsigned)k * 60);
        }
        JSAMPROW rp = row;
        jpeg_write_scanlines(ci, &rp, 1);
    }
    jpeg_finish_compress(ci);
}

unsigned char *kt_jpeg_many_scans(const kt_jpeg_spec *sp, size_t *n, unsigned *scans)
{
    struct jpeg_compress_struct ci;
    struct gen_err err;
    unsigned char *enc = NULL, *res = NULL;
    unsigned long encn = 0;
    unsigned nscans = 0;
    unsigned repeat = sp->repeat;
    unsigned char *row = malloc((size_t)sp->w * 3);
    if (!row || (sp->comps != 1 && sp->comps != 3))
        goto out;
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = gen_error_exit;
    if (setjmp(err.jb)) {
        jpeg_destroy_compress(&ci);
        goto out;
    }
    jpeg_create_compress(&ci);
    encode(&ci, sp, &enc, &encn, &nscans, row);
    jpeg_destroy_compress(&ci);
    if (encn < 4 || enc[encn - 2] != 0xFF || enc[encn - 1] != 0xD9)
        goto out;
    /* The last SOS: stuffing keeps FF DA out of entropy-coded data, and
     * every header segment comes before it. */
    size_t eoi = encn - 2, sos = eoi;
    while (sos > 0 && !(enc[sos - 1] == 0xFF && enc[sos] == 0xDA))
        sos--;
    if (sos == 0)
        goto out;
    sos--;
    size_t scan = eoi - sos, total = eoi + scan * (size_t)repeat + 2;
    if (!(res = malloc(total)))
        goto out;
    memcpy(res, enc, eoi);
    for (unsigned i = 0; i < repeat; i++)
        memcpy(res + eoi + (size_t)i * scan, enc + sos, scan);
    res[total - 2] = 0xFF;
    res[total - 1] = 0xD9;
    *n = total;
    if (scans)
        *scans = nscans + repeat;
out:
    free(enc);
    free(row);
    return res;
}

int kt_jpeg_set_size(unsigned char *d, size_t n, unsigned w, unsigned h)
{
    for (size_t i = 2; i + 9 <= n; i++) {
        if (d[i] == 0xFF && d[i + 1] >= 0xC0 && d[i + 1] <= 0xC2) {
            d[i + 5] = (unsigned char)(h >> 8);
            d[i + 6] = (unsigned char)h;
            d[i + 7] = (unsigned char)(w >> 8);
            d[i + 8] = (unsigned char)w;
            return 0;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------- PNG */

static void put32(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Appends one chunk at out + *off (room checked by the caller). */
static void png_chunk(unsigned char *out, size_t *off, const char *type, const unsigned char *d,
                      size_t len)
{
    unsigned char *p = out + *off;
    put32(p, len);
    memcpy(p + 4, type, 4);
    if (len)
        memcpy(p + 8, d, len);
    put32(p + 8 + len, crc32(crc32(0, p + 4, 4), d, (uInt)len));
    *off += 12 + len;
}

unsigned char *kt_png_grey(unsigned w, unsigned h, unsigned ztxt, size_t ztxt_size, size_t *n)
{
    size_t rawn = (size_t)(w + 1) * h;
    uLongf idatn = compressBound(rawn), bombn = compressBound(ztxt_size) + 3;
    unsigned char *raw = malloc(rawn), *idat = malloc(idatn), *zeros = calloc(1, ztxt_size + 1);
    unsigned char *bomb = malloc(bombn), *out = NULL;
    if (!raw || !idat || !zeros || !bomb)
        goto out;
    for (unsigned y = 0; y < h; y++) {
        unsigned char *r = raw + (size_t)y * (w + 1);
        r[0] = 0;                                   /* filter: none */
        for (unsigned x = 0; x < w; x++)
            r[1 + x] = (unsigned char)((x * 7 + y * 3) ^ (x / 16));
    }
    if (compress2(idat, &idatn, raw, rawn, 1) != Z_OK)
        goto out;
    memcpy(bomb, "k\0\0", 3);                      /* keyword, NUL, method 0 */
    bombn -= 3;
    if (compress2(bomb + 3, &bombn, zeros, ztxt_size, 9) != Z_OK)
        goto out;
    bombn += 3;
    size_t total = 8 + 25 + (size_t)ztxt * (12 + bombn) + 12 + idatn + 12, off = 8;
    if (!(out = malloc(total)))
        goto out;
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[13] = { 0 };
    put32(ihdr, w);
    put32(ihdr + 4, h);
    ihdr[8] = 8;                                    /* 8 bits, grey, no interlace */
    png_chunk(out, &off, "IHDR", ihdr, sizeof ihdr);
    for (unsigned i = 0; i < ztxt; i++)
        png_chunk(out, &off, "zTXt", bomb, bombn);
    png_chunk(out, &off, "IDAT", idat, idatn);
    png_chunk(out, &off, "IEND", NULL, 0);
    *n = off;
out:
    free(raw);
    free(idat);
    free(zeros);
    free(bomb);
    return out;
}

/* ---------------------------------------------------------------- GIF */

struct gif_out {
    unsigned char *p;
    size_t n, cap;
};

static int gif_write(GifFileType *g, const GifByteType *b, int len)
{
    struct gif_out *o = g->UserData;
    if (o->n + (size_t)len > o->cap) {
        size_t cap = (o->cap + (size_t)len) * 2;
        unsigned char *p = realloc(o->p, cap);
        if (!p)
            return 0;
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, b, (size_t)len);
    o->n += (size_t)len;
    return len;
}

unsigned char *kt_gif_grey(unsigned w, unsigned h, size_t *n)
{
    struct gif_out o = { NULL, 0, 0 };
    int err = 0, ok = 0;
    GifPixelType *line = malloc(w);
    ColorMapObject *cm = GifMakeMapObject(256, NULL);
    GifFileType *g = EGifOpen(&o, gif_write, &err);
    if (!line || !cm || !g)
        goto out;
    for (int i = 0; i < 256; i++)
        cm->Colors[i] = (GifColorType){ (GifByteType)i, (GifByteType)i, (GifByteType)i };
    if (EGifPutScreenDesc(g, (int)w, (int)h, 8, 0, cm) == GIF_ERROR ||
        EGifPutImageDesc(g, 0, 0, (int)w, (int)h, false, NULL) == GIF_ERROR)
        goto out;
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++)
            line[x] = (GifPixelType)((x / 8 + y / 8) * 9);
        if (EGifPutLine(g, line, (int)w) == GIF_ERROR)
            goto out;
    }
    ok = 1;
out:
    if (g && EGifCloseFile(g, &err) == GIF_ERROR)
        ok = 0;
    GifFreeMapObject(cm);
    free(line);
    if (!ok) {
        free(o.p);
        return NULL;
    }
    *n = o.n;
    return o.p;
}

#ifdef KT_IMGGEN_MAIN
int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: jpeg-gen W H COMPS REPEAT OUT [seq|rst]\n");
        return 2;
    }
    size_t n = 0;
    unsigned scans = 0;
    const char *opt = argc > 6 ? argv[6] : "";
    kt_jpeg_spec sp = { .w = (unsigned)atoi(argv[1]), .h = (unsigned)atoi(argv[2]),
                        .comps = atoi(argv[3]), .repeat = (unsigned)atoi(argv[4]),
                        .progressive = strcmp(opt, "seq") != 0, .restart = !strcmp(opt, "rst") };
    unsigned char *d = kt_jpeg_many_scans(&sp, &n, &scans);
    FILE *f = d ? fopen(argv[5], "wb") : NULL;
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "jpeg-gen: failed\n");
        return 1;
    }
    fprintf(stderr, "%s: %zu bytes, %u scans\n", argv[5], n, scans);
    free(d);
    return 0;
}
#endif
