/*
 * ingest/sniff.h - what a fetched body is, from its bytes.
 *
 * A server's Content-Type is often wrong (HTML served as text/plain, an
 * image as text/html), so the crawler decides from the bytes:
 *
 *   - image: JPEG, PNG, WebP, GIF by their signatures (ingest/image.h);
 *   - feed: XML whose root element is <rss>, Atom's <feed> or RSS 1.0's
 *     <rdf:RDF> (after the XML declaration, comments, processing
 *     instructions and a DOCTYPE);
 *   - HTML: after a BOM and white space, one of the WHATWG MIME sniffing
 *     patterns (<!DOCTYPE HTML, <HTML, <HEAD, <BODY, <TITLE, <P, <DIV,
 *     <A, <TABLE, <SCRIPT, <!-- ... followed by a space or '>'), an XML
 *     document whose root is <html>, or <html / <body / <!doctype html in
 *     the first 1 KiB (pages that start with stray text);
 *   - other: anything else.
 * UTF-16 text (with a BOM) is sniffed through its ASCII code units.
 *
 * Text that matches no pattern is not binary: there the Content-Type
 * decides between HTML, feed and plain text, so a short fragment served as
 * text/html is still a page.  Binary bodies no signature names are named
 * by libmagic (MAGIC_MIME_TYPE, first 4 KiB): it costs about 10 us a call,
 * but 150-350 us on text, which is why the signatures run first and text
 * never reaches it (docs/crawl.md has the figures).  The magic database is
 * loaded on first use, once per kz_sniff; when it cannot be loaded, such
 * bodies are "application/octet-stream".
 *
 * Thread-safety: a kz_sniff (a magic_t) is used by one thread.
 */
#ifndef KZ_SNIFF_H
#define KZ_SNIFF_H

#include "util/kz.h"

enum kz_sniff_type {
    KZ_SNIFF_OTHER,
    KZ_SNIFF_HTML,
    KZ_SNIFF_FEED,
    KZ_SNIFF_IMAGE,
};

typedef struct kz_sniff kz_sniff;

/* 0 with *out, or KZ_ENOMEM.  libmagic is not loaded yet. */
int  kz_sniff_new(kz_sniff **out);
void kz_sniff_free(kz_sniff **sp);           /* NULL-safe; sets *sp = NULL */

/*
 * The type of body[0..n); content_type is the HTTP header (or NULL), used
 * only for text no pattern decides.  *mime (may be NULL) is set to the
 * media type: "text/html", "application/rss+xml", "application/atom+xml",
 * "application/rdf+xml", "image/jpeg"..., "text/plain", libmagic's answer,
 * or "application/octet-stream"; static or valid until the next call on s.
 * s may be NULL (no libmagic).  Never fails.
 */
int kz_sniff_body(kz_sniff *s, const void *body, size_t n, const char *content_type,
                  const char **mime);

/* Calls made to libmagic so far (for the tests and the figures). */
size_t kz_sniff_magic_calls(const kz_sniff *s);

#endif
