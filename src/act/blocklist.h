/*
 * act/blocklist.h - the blocklist lookup: is this URL blocked, and by what?
 *
 * Entries are Safe Browsing expressions (url/url.h): a domain block is
 * "host/" and covers the host, its subdomains and every path; a URL block is
 * "host/path" (with "?query" when it has one) and covers that page, and,
 * when the path ends in "/", everything below it.  A lookup canonicalizes
 * the URL, computes its up to 30 host-suffix/path-prefix expressions, and
 * looks each up in one open-addressing hash table (XXH3 keys, strings
 * compared on a hit); of the entries that match, the longest (the most
 * specific) is reported.
 *
 * URLs are read as a browser reads them (kz_url_parse_browser): the host
 * is the one a browser contacts, so "http://good.com%2f@evil.com/" is
 * looked up under evil.com, and "http:\\evil.com\x" too.
 *
 * Building is not thread-safe; lookups are, each thread with its own
 * kz_blocklist_ctx.
 */
#ifndef KZ_BLOCKLIST_H
#define KZ_BLOCKLIST_H

#include "util/kz.h"
#include "url/url.h"

typedef struct kz_blocklist kz_blocklist;

kz_blocklist *kz_blocklist_new(void);                 /* NULL on ENOMEM */
void kz_blocklist_free(kz_blocklist *b);              /* NULL-safe */
size_t kz_blocklist_size(const kz_blocklist *b);

/* Add an expression as it is (already canonical: "host/" or "host/path").
 * The same expression added again keeps its first id.  0 or KZ_ENOMEM. */
int kz_blocklist_add_expr(kz_blocklist *b, const char *expr, size_t n, int64_t id);

/* Add a domain block (a host name or a URL whose host is taken) or a URL
 * block, read as a browser reads it (kz_url_parse_browser); what a browser
 * refuses is added in kz_url_parse's form.  KZ_EINVAL with *why (valid
 * until the next call in this thread) when it cannot be canonicalized
 * either way; 0; KZ_ENOMEM. */
int kz_blocklist_add_domain(kz_blocklist *b, const char *s, size_t n, int64_t id, const char **why);
int kz_blocklist_add_url(kz_blocklist *b, const char *s, size_t n, int64_t id, const char **why);

/* Call fn for every expression of b (in no particular order), with its id;
 * stops at the first non-zero return of fn and returns it; 0 otherwise.
 * The expression is valid while b is not changed. */
typedef int (*kz_blocklist_each_fn)(void *arg, const char *expr, size_t n, int64_t id);
int kz_blocklist_each(const kz_blocklist *b, kz_blocklist_each_fn fn, void *arg);

typedef struct kz_blocklist_ctx {
    kz_url       url;
    kz_url_exprs exprs;
} kz_blocklist_ctx;

void kz_blocklist_ctx_init(kz_blocklist_ctx *c);
void kz_blocklist_ctx_release(kz_blocklist_ctx *c);

/* Check url[0..n), read as a browser reads it (kz_url_parse_browser).
 * Returns 1 when blocked (*id, and *expr pointing to the matching
 * expression, valid until the next call with c), 0 when not, KZ_EINVAL
 * when a browser would refuse the URL or it cannot be canonicalized
 * (c->url.why says why). */
int kz_blocklist_check(const kz_blocklist *b, kz_blocklist_ctx *c, const char *url, size_t n,
                       int64_t *id, const char **expr);

#endif
