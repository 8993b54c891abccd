/*
 * ingest/links.h - the links of an HTML page, found by a tokenizer.
 *
 * The crawler needs only a few attributes of a few tags; building a DOM
 * for them (an HTML5 tree, as gumbo builds) costs about a millisecond per
 * 20 KiB page and is quadratic in nesting depth.  This
 * scanner follows the HTML tokenizer instead, in one pass without a tree:
 * comments, bogus comments (<!...>, <?...>), end tags and the content of
 * raw-text elements (script, style, textarea, title, xmp, iframe,
 * noembed, noframes) are skipped; <plaintext> ends the markup.  Attribute
 * values are read quoted or unquoted, the first of duplicate attributes
 * counts, and character references are decoded: numeric ones and &amp;
 * &lt; &gt; &quot; &apos; &nbsp; (other named references are left as
 * written: they do not occur in real URLs).
 *
 * Reported, in document order:
 *   KZ_LINK_BASE   <base href> (the first one only)
 *   KZ_LINK_PAGE   <a href>, <area href>, unless rel has "nofollow"
 *   KZ_LINK_FEED   <link href> with rel "alternate" and type
 *                  application/rss+xml or application/atom+xml
 *   KZ_LINK_IMAGE  <img>: the largest candidate of its srcset (the widest
 *                  "Nw", else the densest "Nx"), else its src; <source
 *                  srcset> (in <picture>): its largest candidate, unless
 *                  its type is an image kuzet does not decode (AVIF, SVG...);
 *                  the url(...)s of background and background-image
 *                  declarations in any element's style attribute
 * Values are as written (decoded; a NUL becomes U+FFFD), NUL-terminated,
 * not resolved; values over KZ_LINKS_MAX_VALUE bytes are skipped.
 * Thread-safe (no state).
 */
#ifndef KZ_LINKS_H
#define KZ_LINKS_H

#include "util/kz.h"

#define KZ_LINKS_MAX_VALUE 8192

enum kz_link_kind { KZ_LINK_BASE, KZ_LINK_PAGE, KZ_LINK_FEED, KZ_LINK_IMAGE };

/* Return 0 to go on, non-zero to stop the scan with that value. */
typedef int (*kz_links_fn)(void *arg, int kind, const char *url, size_t len);

/* Scan html[0..n); returns 0 or what fn returned to stop. */
int kz_links_scan(const char *html, size_t n, kz_links_fn fn, void *arg);

#endif
