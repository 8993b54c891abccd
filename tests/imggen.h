/*
 * tests/imggen.h - images generated in memory for the decoders' work
 * limits (tests/t_image.c), so that no big or hostile file is committed:
 * a multi-scan JPEG whose last scan is repeated (the "many scans"
 * attack), a PNG with compressed text chunks (a decompression bomb) and
 * plain large PNGs and GIFs.  All return malloc'd bytes (count in *n) or
 * NULL.
 */
#ifndef KT_IMGGEN_H
#define KT_IMGGEN_H

#include <stddef.h>

typedef struct kt_jpeg_spec {
    unsigned w, h;
    int comps;          /* 1: grey, 3: YCbCr 4:2:0 */
    int progressive;    /* libjpeg's simple progression; 0: sequential, one
                         * scan per component (3 components only) */
    unsigned restart;   /* restart interval in MCUs (RSTn markers); 0: none */
    unsigned repeat;    /* copies of the last scan appended before EOI */
} kt_jpeg_spec;

/* A JPEG of 8x8-block-constant content (so AC scans are nearly empty, as
 * in a hostile file) made to spec; *scans (if not NULL) is the total
 * number of scans in it. */
unsigned char *kt_jpeg_many_scans(const kt_jpeg_spec *s, size_t *n, unsigned *scans);

/* Set the frame size in the SOF marker of a JPEG (the data stays as it
 * was).  0 if done, -1 if there is no SOF. */
int kt_jpeg_set_size(unsigned char *d, size_t n, unsigned w, unsigned h);

/* An 8-bit grey w x h PNG, preceded by `ztxt` zTXt chunks that each
 * inflate to ztxt_size zero bytes. */
unsigned char *kt_png_grey(unsigned w, unsigned h, unsigned ztxt, size_t ztxt_size, size_t *n);

/* A w x h GIF of one frame, 256 greys. */
unsigned char *kt_gif_grey(unsigned w, unsigned h, size_t *n);

#endif
