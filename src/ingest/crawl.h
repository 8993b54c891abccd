/*
 * ingest/crawl.h - a polite, bounded crawl of public web pages.
 *
 * From seed URLs, fetch pages (ingest/fetch.h: libcurl multi, caps, SSRF
 * guard), follow the links of HTML pages within scope, and hand every page
 * to the caller with its visible text (ingest/html.h).  The caller scans and
 * stores; this module neither scans nor touches the database.
 *
 *   - robots.txt (ingest/robots.h) is fetched once per origin and kept for
 *     the crawl: 2xx parsed; 4xx (and 3xx left after redirects) allow
 *     everything; 5xx and 429 disallow everything on that origin for this
 *     crawl; when robots.txt cannot be fetched at all (DNS, connect, SSRF
 *     guard...), every URL of the origin is reported as that error;
 *   - at most per_host requests in flight per origin (robots.txt first and
 *     alone), and delay_ms between the end of one and the start of the next
 *     (or the robots.txt Crawl-delay for our product token, when larger);
 *     origins served round-robin, so that none starves the others;
 *   - scope: the registrable domain of a seed (or, for IP addresses and
 *     with same_host, the seed's host); depth and page limits; each URL
 *     fetched once (by canonical URL, url/url.h, and port), as the
 *     frontier (below) remembers;
 *   - links: a[href] and area[href] (rel=nofollow skipped), feeds of
 *     <link rel=alternate>, img[src] (queued as images, max_images a
 *     page), found by ingest/links.h and resolved against the page URL
 *     (or <base href>), http and https only;
 *   - what a response is comes from its bytes (ingest/sniff.h): an image
 *     is a KZ_CRAWL_IMAGE event; HTML and RSS/Atom feeds are converted to
 *     UTF-8 from their charset (ingest/charset.h) and become a
 *     KZ_CRAWL_PAGE event (a feed's text: its items' titles and texts;
 *     its item links are queued, ingest/feed.h); the rest KZ_CRAWL_NOTHTML.
 *
 * Redirects are followed by libcurl; the SSRF guard applies to each hop,
 * the scope and robots.txt only to the final URL (see docs/crawl.md).
 * Thread-safety: one kz_crawl per thread.
 */
#ifndef KZ_CRAWL_H
#define KZ_CRAWL_H

#include "util/kz.h"
#include "ingest/fetch.h"
#include "store/frontier_ops.h"

typedef struct kz_crawl kz_crawl;

/* The frontier (every URL the crawl has queued or dealt with) is the
 * interface of store/frontier_ops.h: the store keeps one in the database
 * (store/frontier.h); without one the crawl keeps its own in memory. */

typedef struct kz_crawl_opts {
    kz_fetch_opts fetch;        /* user_agent must start with agent's product token */
    const char *agent;          /* robots.txt product token, e.g. "kuzet" */
    unsigned    max_depth;      /* links followed from a seed; 0: seeds only */
    size_t      max_pages;      /* pages fetched (robots.txt not counted); 0: no limit */
    long        delay_ms;       /* between requests to one origin */
    int         same_host;      /* scope: the seed's host, not its registrable domain */
    size_t      max_text;       /* bytes of visible text per page; 0: 4 MiB */
    size_t      max_links;      /* links taken from one page; 0: 10000 */
    size_t      max_images;     /* img[src] taken from one page; 0: 100 */
    unsigned    per_host;       /* requests in flight per origin; 0: 1 */
    const kz_frontier_ops *frontier;  /* NULL: in memory (copied: may be a local) */
    const char *include;        /* POSIX extended regex a URL must match, or NULL */
    const char *exclude;        /* ... and must not match, or NULL (seeds exempt) */
} kz_crawl_opts;

enum kz_crawl_what {
    KZ_CRAWL_PAGE,      /* an HTML page with status 2xx: text is set */
    KZ_CRAWL_NOTHTML,   /* 2xx but not HTML: not scanned in this version */
    KZ_CRAWL_HTTP,      /* a response with status >= 300 after redirects */
    KZ_CRAWL_ERROR,     /* no response: fetch_kind says why */
    KZ_CRAWL_ROBOTS,    /* not fetched: robots.txt disallows it */
    KZ_CRAWL_OFFSCOPE,  /* redirected out of scope: not used */
    KZ_CRAWL_DUP,       /* redirected to a URL already seen: not used again */
    KZ_CRAWL_IMAGE,     /* an image a page refers to, status 2xx: body is set */
};

/* One URL dealt with.  Pointers are lent for the callback only. */
typedef struct kz_crawl_event {
    int         what;           /* enum kz_crawl_what */
    const char *url;            /* URL of the page after redirects, as fetched
                                 * (port kept; the store files an item under its
                                 * canonical form, url/url.h) */
    const char *fetched_url;    /* what was requested */
    const char *host;           /* canonical host of url (the platform) */
    unsigned    depth;
    int         seed;           /* index of its seed in the order added */
    int         is_seed;        /* this URL is the seed itself */
    long        status;
    int         fetch_kind;     /* enum kz_fetch_kind */
    const char *errmsg;         /* "" when none */
    const char *text;           /* visible text (KZ_CRAWL_PAGE), else "" */
    size_t      text_len;
    const char *lang;           /* <html lang>, "" when none */
    const unsigned char *body;  /* KZ_CRAWL_IMAGE: the bytes as received (decoded
                                   from any Content-Encoding), else NULL */
    size_t      body_len;
    const char *content_type;   /* the sniffed media type, "" when unknown */
    const char *charset;        /* KZ_CRAWL_PAGE: the charset the body was read in
                                   (ingest/charset.h), else "" */
    const char *charset_bad;    /* a declared charset that could not be used, "" */
    const char *charset_source; /* KZ_CRAWL_PAGE: where charset came from: "bom",
                                   "header", "meta", "detected" (from the bytes),
                                   "default"; else "" */
} kz_crawl_event;

/* Return 0 to go on, < 0 to stop the crawl with that code. */
typedef int (*kz_crawl_fn)(void *arg, const kz_crawl_event *ev);

typedef struct kz_crawl_stats {
    size_t pages, queued, in_flight, robots_skipped, offscope, not_html, http_errors;
                                            /* queued: not done, as the frontier counts */
    size_t errors;                          /* fetch failures, by kind below */
    size_t by_kind[KZ_FETCH_NKINDS];
    size_t robots_fetched, dup_links;
    size_t images;                          /* KZ_CRAWL_IMAGE events */
    size_t feeds, feed_items;               /* feeds read (also counted in pages), their items */
    size_t charset_fallbacks;               /* pages whose declared charset was unusable */
    size_t sitemaps, sitemap_urls;          /* sitemaps read, page URLs they gave */
    size_t sitemap_skipped;                 /* URLs left by the limits, nested indexes */
} kz_crawl_stats;

/* 0 with *out; KZ_EINVAL (no agent/user agent, a bad include/exclude
 * regex) / KZ_ENOMEM / KZ_EINTERNAL.  The frontier's functions are called
 * only from the crawl's calls (add_seed, run), on the caller's thread. */
int  kz_crawl_new(kz_crawl **out, const kz_crawl_opts *o);
void kz_crawl_free(kz_crawl **cp);          /* NULL-safe; sets *cp = NULL */

/* Add a seed (its index is the number of seeds added before).  0;
 * KZ_EINVAL with *why (static or valid until the next call) when the URL
 * is unusable; KZ_ENOMEM. */
int kz_crawl_add_seed(kz_crawl *c, const char *url, const char **why);

/* Run until the crawl has nothing left or wait_ms passed, calling fn for
 * every URL dealt with.  1: more to do; 0: finished; < 0: an error (from
 * fn, or KZ_ENOMEM / KZ_EINTERNAL). */
int kz_crawl_run(kz_crawl *c, int wait_ms, kz_crawl_fn fn, void *arg);

void kz_crawl_get_stats(const kz_crawl *c, kz_crawl_stats *st);

/* During a callback: the frontier id of the job the event is about (0 for
 * none), so that the caller can record more about it in its frontier. */
int64_t kz_crawl_current_job(const kz_crawl *c);
/* During the callback of a KZ_CRAWL_PAGE event: do not follow this page's
 * links (e.g. its content was already seen). */
void kz_crawl_skip_links(kz_crawl *c);

/* Append to out the http(s) links of html[0..n), resolved against base,
 * one per line (fragment removed, not canonicalized, duplicates kept); an
 * image (img[src]) is written "image URL", a feed (<link rel=alternate
 * type=application/rss+xml or atom+xml>) "feed URL".  For
 * tests and tools.  0, KZ_ENOMEM, KZ_ETOOBIG. */
struct kz_buf;
int kz_crawl_links(const char *html, size_t n, const char *base, struct kz_buf *out);

#endif
