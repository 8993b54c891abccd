/*
 * ingest/crawl_url.c - URLs for the crawl: the seen-cache (a fixed table of key hashes),
 * resolving and scope, origins (hash index), queueing, and the links of a
 * page (ingest/links.h).
 */
#include "ingest/crawl_int.h"

/* ---- the seen-cache ---- */

/* Hashes of the keys added, direct-mapped: a hit means the key was added
 * (a 64-bit collision aside); a miss asks the frontier. */
static int cache_has(const kz_crawl *c, uint64_t h)
{
    return c->cache[h & ((1u << CACHE_BITS) - 1)] == (h | 1);
}

static void cache_put(kz_crawl *c, uint64_t h) { c->cache[h & ((1u << CACHE_BITS) - 1)] = h | 1; }

/* The final URL of a redirect, key = "PORT|canonical URL": 1 when newly
 * seen, 0 when seen before, < 0 an error. */
int kz__crawl_seen_add(kz_crawl *c, char *key)
{
    uint64_t h = XXH3_64bits(key, strlen(key));
    if (cache_has(c, h))
        return 0;
    const char *bar = strchr(key, '|');
    int rc = c->fr.claim(c->fr.self, key, bar ? bar + 1 : key);
    if (rc >= 0)
        cache_put(c, h);
    return rc;
}

/* ---- URLs ---- */

/* Resolve href against base (NULL: href is absolute, http assumed when it
 * has no scheme) into a malloc'd URL without fragment, with its origin key
 * and port.  NULL when unusable or not http(s). */
char *kz__crawl_resolve(const char *base, const char *href, char **origin, long *port)
{
    CURLU *h = curl_url();
    char *res = NULL, *out = NULL, *scheme = NULL, *host = NULL, *p = NULL;
    kz_buf clean;
    kz_buf_init(&clean, 16384);
    if (!h)
        goto out;
    /* trim, and escape bytes a browser would escape (spaces, non-ASCII) */
    while (*href && (unsigned char)*href <= 0x20)
        href++;
    size_t n = strlen(href);
    while (n && (unsigned char)href[n - 1] <= 0x20)
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)href[i];
        if (ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        if (ch <= 0x20 || ch >= 0x7f ? kz_buf_addf(&clean, "%%%02X", ch) : kz_buf_addc(&clean, (char)ch))
            goto out;
    }
    if (!clean.p)
        goto out;
    if (base && curl_url_set(h, CURLUPART_URL, base, 0) != CURLUE_OK)
        goto out;
    if (curl_url_set(h, CURLUPART_URL, clean.p, base ? 0 : CURLU_DEFAULT_SCHEME) != CURLUE_OK)
        goto out;
    curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") && strcmp(scheme, "https")))
        goto out;
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_URL, &res, 0) != CURLUE_OK)
        goto out;
    kz_buf ok;
    kz_buf_init(&ok, 1024);
    if (kz_buf_addf(&ok, "%s://%s:%s", scheme, host, p) != 0) {
        kz_buf_release(&ok);
        goto out;
    }
    if (!(out = kz_strdup(res))) {
        kz_buf_release(&ok);
        goto out;
    }
    *origin = ok.p;
    *port = strtol(p, NULL, 10);
out:
    curl_free(res);
    curl_free(scheme);
    curl_free(host);
    curl_free(p);
    curl_url_cleanup(h);
    kz_buf_release(&clean);
    return out;
}

int kz__crawl_host_in_scope(const kz_crawl *c, const char *host, size_t n)
{
    for (size_t i = 0; i < c->nscope; i++) {
        const char *s = c->scope[i].name;
        size_t sl = strlen(s);
        if (n == sl && !memcmp(host, s, n))
            return 1;
        if (!c->scope[i].is_host && n > sl && host[n - sl - 1] == '.' &&
            !memcmp(host + n - sl, s, sl))
            return 1;
    }
    return 0;
}

static int origin_eq(uint64_t v, const void *key, void *ctx)
{
    const kz_crawl *c = ctx;
    return !strcmp(c->org[v]->key, key);
}

static struct origin *origin_get(kz_crawl *c, const char *key)
{
    uint64_t h = kz_hset_hash(key, strlen(key));
    kz_hslot *sl = kz_hset_find(&c->oidx, h, origin_eq, key, c);
    if (sl)
        return c->org[sl->v];
    if (KZ_GROW(c->org, c->caporg, c->norg + 1))
        return NULL;
    struct origin *o = kz_calloc(1, sizeof *o);
    if (!o || !(o->key = kz_strdup(key)) ||
        kz_hset_add(&c->oidx, h, c->norg, origin_eq, key, c, NULL) < 0) {
        if (o)
            free(o->key);
        free(o);
        return NULL;
    }
    o->delay_ms = c->o.delay_ms;
    c->org[c->norg++] = o;
    return o;
}

void kz__crawl_origin_free(struct origin *o)
{
    if (!o)
        return;
    for (size_t i = o->qhead; i < o->qlen; i++)
        free(o->q[i].url);
    free(o->q);
    free(o->fail_msg);
    kz_robots_free(&o->robots);
    free(o->key);
    free(o);
}

int kz__crawl_origin_known(void *arg, const char *origin)
{
    struct origin *o = origin_get(arg, origin);
    if (!o)
        return KZ_ENOMEM;
    o->more = 1;
    return 0;
}

/* Queue a URL (resolved against base when not NULL).  0 (queued or
 * dropped: unusable, out of scope, excluded, seen), KZ_ENOMEM or the
 * frontier's error; for seeds KZ_EINVAL when the URL is unusable. */
int kz__crawl_enqueue(kz_crawl *c, const char *base, const char *href, unsigned depth, int seed,
                   int is_seed, int kind)
{
    char *origin = NULL, *url = NULL;
    long port = 0;
    int rc = 0;
    kz_buf key;
    if (c->skip_links && !is_seed)
        return 0;
    kz_buf_init(&key, KZ_URL_MAX_INPUT * 3 + 32);
    if (!(url = kz__crawl_resolve(base, href, &origin, &port))) {
        rc = is_seed ? KZ_EINVAL : 0;
        if (is_seed)
            snprintf(c->why, sizeof c->why, "not an http or https URL");
        goto out;
    }
    if (kz_url_parse(&c->u, url, strlen(url)) != 0) {
        rc = is_seed ? KZ_EINVAL : 0;
        if (is_seed)
            snprintf(c->why, sizeof c->why, "%s", c->u.why);
        goto out;
    }
    const char *host = c->u.text.p + c->u.host_off;
    size_t hl = c->u.host_len;
    if (is_seed && !kz__crawl_host_in_scope(c, host, hl)) {
        kz_buf d;
        kz_buf_init(&d, 1024);
        int is_host = c->o.same_host || kz_url_registrable_domain(&c->u, &d, NULL) != 0;
        if (is_host) {
            kz_buf_reset(&d);
            if ((rc = kz_buf_add(&d, host, hl)) != 0) {
                kz_buf_release(&d);
                goto out;
            }
        }
        if ((rc = KZ_GROW(c->scope, c->capscope, c->nscope + 1)) != 0) {
            kz_buf_release(&d);
            goto out;
        }
        c->scope[c->nscope++] = (struct scope){ d.p, is_host };
    } else if (!is_seed && (!kz__crawl_host_in_scope(c, host, hl) ||
                            (c->has_inc && regexec(&c->inc, url, 0, NULL, 0) != 0) ||
                            (c->has_exc && regexec(&c->exc, url, 0, NULL, 0) == 0))) {
        c->st.offscope++;
        goto out;
    }
    if ((rc = kz_buf_addf(&key, "%ld|%s", port, c->u.text.p)) != 0)
        goto out;
    uint64_t h = XXH3_64bits(key.p, key.len);
    if (cache_has(c, h)) {
        c->st.dup_links++;
        goto out;
    }
    kz_frontier_job j = { 0, key.p, url, origin, depth, seed, is_seed, kind };
    if ((rc = c->fr.add(c->fr.self, &j)) < 0)
        goto out;
    cache_put(c, h);
    if (rc == 0) {
        c->st.dup_links++;
        goto out;
    }
    rc = KZ_ENOMEM;
    struct origin *o = origin_get(c, origin);
    if (!o)
        goto out;
    o->more = 1;
    rc = 0;
out:
    free(url);
    free(origin);
    kz_buf_release(&key);
    return rc;
}

/* ---- links ---- */


static void take_link(struct links_ctx *lc, const char *href, int kind)
{
    if (lc->rc)
        return;
    if (kind == KZ_LINK_IMAGE) {
        if (lc->nimg >= lc->max_img)
            return;
        lc->nimg++;
    } else {
        if (lc->n >= lc->max)
            return;
        lc->n++;
    }
    if (lc->c) {
        lc->rc = kz__crawl_enqueue(lc->c, lc->base, href, lc->depth, lc->seed, 0,
                         kind == KZ_LINK_IMAGE ? JOB_IMAGE : JOB_PAGE);
        return;
    }
    char *origin = NULL;
    long port;
    char *u = kz__crawl_resolve(lc->base, href, &origin, &port);
    if (u && ((lc->rc = kz_buf_adds(lc->out, kind == KZ_LINK_IMAGE ? "image " :
                                            kind == KZ_LINK_FEED ? "feed " : "")) == 0) &&
        (lc->rc = kz_buf_adds(lc->out, u)) == 0)
        lc->rc = kz_buf_addc(lc->out, '\n');
    free(u);
    free(origin);
}

struct walk {
    struct links_ctx *lc;
    const char       *page_url;
    char             *base_abs, *origin;
};

/* Pass 1: the first <base href> sets the base of every link. */
static int on_base(void *arg, int kind, const char *url, size_t len)
{
    struct walk *w = arg;
    (void)len;
    if (kind != KZ_LINK_BASE)
        return 0;
    long port;
    w->base_abs = kz__crawl_resolve(w->page_url, url, &w->origin, &port);
    if (w->base_abs)
        w->lc->base = w->base_abs;
    return 1;
}

/* Pass 2: the links. */
static int on_link(void *arg, int kind, const char *url, size_t len)
{
    struct walk *w = arg;
    (void)len;
    if (kind != KZ_LINK_BASE)
        take_link(w->lc, url, kind);
    return w->lc->rc ? 1 : 0;
}

/* The links of html[0..n) (ingest/links.h: a tokenizer, no DOM). */
int kz__crawl_walk_links(const char *html, size_t n, const char *page_url, struct links_ctx *lc)
{
    struct walk w = { lc, page_url, NULL, NULL };
    lc->base = page_url;
    kz_links_scan(html, n, on_base, &w);
    kz_links_scan(html, n, on_link, &w);
    free(w.base_abs);
    free(w.origin);
    return lc->rc;
}

int kz_crawl_links(const char *html, size_t n, const char *base, kz_buf *out)
{
    struct links_ctx lc = { NULL, out, base, 0, 0, 0, (size_t)-1, 0, (size_t)-1, 0 };
    return kz__crawl_walk_links(html, n, base, &lc);
}
