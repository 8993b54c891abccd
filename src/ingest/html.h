/*
 * ingest/html.h - the visible text of an HTML document.
 *
 * Streams the input (UTF-8: a <meta charset> does not count) through
 * libxml2's HTML parser in SAX mode, after a pass that makes it read broken
 * markup and bad UTF-8 as HTML5 does, so any input, however broken, yields
 * text.  Visible text means text nodes outside <script>, <style>,
 * <noscript>, <template> and <head> (except <title>), with block elements
 * (p, div, li, h1-h6, br, tr, ...) separated by a newline and inline runs
 * joined as they appear; whitespace runs collapse to one space.  Image alt
 * text is kept.
 */
#ifndef KZ_HTML_H
#define KZ_HTML_H

#include "util/kz.h"
#include "util/buf.h"

typedef struct kz_html_info {
    size_t title_start, title_len;   /* the <title>, as a span of out; len 0 when none */
    char   lang[16];                 /* <html lang="..">, "" when none */
} kz_html_info;

/* Append the visible text of html[0..n) to out (whose limit applies).
 * info may be NULL.  Returns 0, KZ_ENOMEM, or KZ_ETOOBIG; on error out is
 * left as it was.  Thread-safe (no shared state). */
int kz_html_text(const char *html, size_t n, kz_buf *out, kz_html_info *info);

#endif
