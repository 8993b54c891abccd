/*
 * ingest/sitemap.h - sitemaps (sitemaps.org protocol 0.9): the URLs a site
 * lists for crawlers, so that a source is crawled from its sitemap.
 *
 * A sitemap is a <urlset> of <url><loc>, a <sitemapindex> of
 * <sitemap><loc> (other sitemaps), or a text file of one URL a line; any of
 * them may be gzip'd (a body that starts with the gzip magic is inflated,
 * whatever the Content-Type).  XML is read by libxml2's streaming reader
 * (no tree, so a 50 MB sitemap costs little memory) with XML_PARSE_NONET:
 * no DTD or entity is ever loaded, and user entities are not expanded.
 * Element names are matched without their namespace.
 *
 * Limits: max_bytes of XML or text after inflating (the protocol's
 * 50 MiB; a gzip bomb stops there, KZ_ETOOBIG); at most max_urls <loc>s
 * reported (the protocol's 50,000; the others counted as skipped);
 * <loc> values over KZ_SITEMAP_MAX_LOC bytes skipped.  A document that
 * breaks off keeps the URLs read before (info->broken).
 * Thread-safe (kz_sitemap_init once first, as for ingest/feed.h).
 */
#ifndef KZ_SITEMAP_H
#define KZ_SITEMAP_H

#include "util/kz.h"

#define KZ_SITEMAP_MAX_BYTES (50u << 20)   /* the protocol's limit, uncompressed */
#define KZ_SITEMAP_MAX_URLS  50000         /* the protocol's limit per file */
#define KZ_SITEMAP_MAX_LOC   2048          /* bytes of one <loc> */

enum kz_sitemap_kind {
    KZ_SITEMAP_URLSET = 1,          /* pages */
    KZ_SITEMAP_INDEX,               /* other sitemaps */
    KZ_SITEMAP_TEXT,                /* pages, one URL a line */
};

typedef struct kz_sitemap_info {
    int    kind;                    /* enum kz_sitemap_kind, 0 when not a sitemap */
    int    gzip;                    /* the body was gzip'd */
    int    broken;                  /* the XML broke off: the URLs before it were reported */
    size_t urls;                    /* <loc>s reported */
    size_t skipped;                 /* <loc>s over max_urls, or too long */
} kz_sitemap_info;

/* Called for each URL, trimmed and NUL-terminated (not resolved).
 * Return 0 to go on, non-zero to stop with that value. */
typedef int (*kz_sitemap_fn)(void *arg, const char *loc, size_t len);

/* Once, before the first kz_sitemap_parse (libxml2's global set-up). */
void kz_sitemap_init(void);

/*
 * Read body[0..n).  max_bytes 0: KZ_SITEMAP_MAX_BYTES; max_urls 0:
 * KZ_SITEMAP_MAX_URLS.  0 (info->kind set), KZ_EINVAL when it is not a
 * sitemap (*why, static, says why), KZ_ETOOBIG when it inflates or is over
 * max_bytes (URLs are not reported then), KZ_ENOMEM, or what fn returned
 * to stop.  info and why may be NULL.
 */
int kz_sitemap_parse(const char *body, size_t n, size_t max_bytes, size_t max_urls,
                     kz_sitemap_fn fn, void *arg, kz_sitemap_info *info, const char **why);

#endif
