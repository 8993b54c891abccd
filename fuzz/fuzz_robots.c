/*
 * fuzz/fuzz_robots.c - fuzz target for the robots.txt parser and matcher
 * (ingest/robots.c).
 *
 * Input: the first line is the agent, the second a URL, the rest the
 * robots.txt body.  Parses the body, decides the URL, and checks what the
 * module promises: parsing never fails on content; a decision is 0 or 1,
 * or KZ_EINVAL with a reason; the deciding line exists; deciding the URL
 * and deciding its path agree; the comparison form of a path is a fixed
 * point; crawl-delay and sitemaps are well-formed.
 */
#include "ingest/robots.h"
#include "fuzz.h"

static const char *next_line(const char *p, const char *end, size_t *len)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    return nl ? nl + 1 : end;
}

KZ_FUZZ(robots)
{
    const char *p = (const char *)data, *end = p + size;
    size_t alen, ulen;
    const char *a = p;
    p = next_line(p, end, &alen);
    const char *url = p;
    p = next_line(p, end, &ulen);
    if (alen > 256)
        return 0;
    char agent[257];
    memcpy(agent, a, alen);
    agent[alen] = '\0';

    kz_robots *r = NULL;
    kz_buf path, again;
    kz_buf_init(&path, KZ_BUF_NOLIMIT);
    kz_buf_init(&again, KZ_BUF_NOLIMIT);
    if (kz_robots_parse(&r, p, (size_t)(end - p)) != 0 || !r)
        abort();                           /* only KZ_ENOMEM may fail */

    size_t lines = 1;
    for (const char *q = p; q < end; q++)
        lines += *q == '\n' || *q == '\r';

    unsigned line = 0;
    const char *why = NULL;
    int rc = kz_robots_allowed(r, agent, url, ulen, &line, &why);
    if (rc == KZ_EINVAL) {
        if (!why || !*why)
            abort();
    } else if (rc != 0 && rc != 1) {
        abort();
    } else {
        if (line > lines || why)
            abort();
        const char *w = NULL;
        if (kz_robots_url_path(url, ulen, &path, &w) != 0 || path.p[0] != '/')
            abort();
        unsigned line2 = 0;
        if (kz_robots_allowed_path(r, agent, path.p, path.len, &line2) != rc || line2 != line)
            abort();
        /* The comparison form is a fixed point (a leading "//" would be
         * read as a host, so skip those). */
        if (path.len < 2 || path.p[1] != '/') {
            if (kz_robots_url_path(path.p, path.len, &again, &w) != 0 ||
                again.len != path.len || memcmp(again.p, path.p, path.len))
                abort();
        }
    }

    double d = -1;
    int dr = kz_robots_crawl_delay(r, agent, &d);
    if (dr == 1 ? !(d >= 0 && d < 1e10) : (dr != 0 && dr != KZ_EINVAL))
        abort();
    if ((dr == KZ_EINVAL) != (kz_robots_product_token(agent) == 0))
        abort();
    for (size_t i = 0; i < kz_robots_sitemap_count(r); i++) {
        const char *s = kz_robots_sitemap(r, i);
        if (!s || !*s)
            abort();
    }
    kz_robots_free(&r);
    kz_buf_release(&path);
    kz_buf_release(&again);
    return 0;
}
