/*
 * ingest/feed.h - the items of an RSS or Atom feed.
 *
 * Feeds are how monitored sources are watched: the crawler fetches a feed,
 * scans its items' titles and descriptions, and queues each item's link.
 * Parsed with libxml2 from memory that must already be UTF-8 (see
 * ingest/charset.h; the document's own encoding declaration is
 * overridden), with XML_PARSE_NONET (nothing fetched), no DTD loaded, no
 * entity substitution (a reference to an entity the document declares is
 * dropped, so "billion laughs" expand to nothing), recovery from the
 * usual errors (an unescaped '&'), and libxml2's own size limits.
 *
 *   - RSS 2.0 (and 0.9x): rss/channel/item: link (else a guid with
 *     isPermaLink not "false"), title, description (content:encoded
 *     instead when present);
 *   - RSS 1.0: rdf:RDF/item: link, title, description;
 *   - Atom 1.0: feed/entry: link with rel "alternate" or no rel (else the
 *     first link), title, content (else summary).
 * Links are resolved against xml:base (Atom) and the feed's URL.  Text
 * that is HTML (RSS descriptions, Atom type="html") is reduced to its
 * visible text (ingest/html.h); Atom type="xhtml" content is the text of
 * its elements.
 *
 * Thread-safe (no shared state besides libxml2's, which is thread-safe
 * once initialised: call kz_feed_init() from the main thread first).
 */
#ifndef KZ_FEED_H
#define KZ_FEED_H

#include "util/kz.h"

enum kz_feed_kind { KZ_FEED_NONE, KZ_FEED_RSS, KZ_FEED_RDF, KZ_FEED_ATOM };

/* One item.  Pointers are lent for the callback only; strings are UTF-8,
 * NUL-terminated, "" when absent. */
typedef struct kz_feed_item {
    const char *link;            /* absolute URL */
    const char *title;
    const char *text;            /* description/summary/content as visible text */
    size_t      title_len, text_len;
} kz_feed_item;

/* Return 0 to go on, < 0 to stop parsing with that code. */
typedef int (*kz_feed_fn)(void *arg, const kz_feed_item *it);

typedef struct kz_feed_info {
    int    kind;                 /* enum kz_feed_kind */
    size_t items;                /* items passed to fn */
    size_t skipped;              /* items past max_items */
} kz_feed_info;

/* Initialise libxml2 once per process (xmlInitParser).  Idempotent. */
void kz_feed_init(void);

/*
 * Call fn for each item of the feed xml[0..n) (UTF-8), at most max_items
 * (0: 1000); each item's text is cut at max_text bytes (0: 64 KiB).  url
 * is the feed's URL (base of relative links; may be NULL).  Returns 0,
 * KZ_EINVAL when it is not XML or not a feed (info->kind NONE), KZ_ENOMEM,
 * or fn's code.  info may be NULL.
 */
int kz_feed_parse(const char *xml, size_t n, const char *url, size_t max_items, size_t max_text,
                  kz_feed_fn fn, void *arg, kz_feed_info *info);

#endif
