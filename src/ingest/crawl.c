/*
 * ingest/crawl.c - frontier, politeness, robots.txt and links for the crawl.
 *
 * The frontier (kz_frontier_ops, crawl.h) holds every URL queued or dealt
 * with: in memory here (mem_*: everything kept, for small crawls and tests)
 * or in the database (store/frontier.c).  The crawl keeps, per origin
 * (scheme://host:port), a window of at most WINDOW queued jobs, refilled
 * from the frontier when it runs dry, and a fixed-size cache of the keys it
 * has added, so its memory stays flat however big the frontier grows.
 *
 * The scheduler starts, for each origin with fewer than per_host requests in
 * flight and whose delay has passed, either its robots.txt (first, alone) or
 * the next job of its window; the origins are visited from a rotating start,
 * so that every site gets its turn at the shared transfer slots.  kz_fetch
 * runs the transfers; on_done() turns each finished transfer into an event
 * for the caller, queues the page's links, and tells the frontier the job
 * is done.  Origins are found through a hash index.
 */
#include "ingest/crawl.h"
#include "ingest/charset.h"
#include "ingest/feed.h"
#include "ingest/html.h"
#include "ingest/links.h"
#include "ingest/robots.h"
#include "ingest/sniff.h"
#include "url/url.h"
#include "util/buf.h"
#include <curl/curl.h>
#include <regex.h>
#include <strings.h>
#include <time.h>
#include <xxhash.h>

#define MAX_SEEN      (4u << 20)   /* URLs remembered by the in-memory frontier */
#define MAX_DELAY_MS  30000        /* a Crawl-delay above this is capped */
#define WINDOW        512          /* queued jobs of one origin kept in memory */
#define CACHE_BITS    18           /* the seen-cache: 2^18 key hashes (2 MiB) */

/* What a queued URL is fetched for. */
enum job_kind {
    JOB_PAGE,                      /* a page (HTML, or a feed): text and links */
    JOB_IMAGE,                     /* an image a page refers to */
};

struct job {
    char    *url;                  /* what to fetch (curl's normal form) */
    unsigned depth;
    int      seed;
    int      is_seed;
    int      kind;                 /* enum job_kind */
    int64_t  fid;                  /* the frontier's id; 0: not from the frontier */
};

struct origin {
    char       *key;               /* scheme://host:port */
    kz_robots  *robots;            /* NULL: everything allowed */
    int         robots_state;      /* 0 not asked, 1 in flight, 2 known */
    int         deny_all;          /* robots.txt 5xx */
    int         fail_kind;         /* robots.txt not fetched: the origin is unreachable */
    char       *fail_msg;
    int         busy;              /* requests in flight */
    int64_t     next_ms;
    long        delay_ms;
    struct job *q;                 /* the window: q[qhead..qlen) */
    size_t      qhead, qlen, qcap;
    int64_t     cursor;            /* the last frontier id taken */
    int         more;              /* the frontier may have more queued */
};

struct req {                       /* the user pointer of a transfer */
    struct req    *prev, *next;    /* in kz_crawl.reqs */
    struct origin *o;
    int            is_robots;
    struct job     job;
};

struct scope {
    char *name;
    int   is_host;                 /* 1: exact host; 0: registrable domain */
};

/* The in-memory frontier: a FIFO per origin and the set of every key. */
struct mem_job {
    int64_t  id;
    char    *url;
    unsigned depth;
    int      seed, is_seed, kind;
};
struct mem_origin {
    char           *key;
    struct mem_job *q;
    size_t          qhead, qlen, qcap;
};
struct mem_frontier {
    char              **seen;      /* open addressing, NULL = empty */
    size_t              seen_cap, seen_n;
    struct mem_origin **org;
    size_t              norg, caporg;
    int64_t             next_id;
    size_t              queued;    /* added, not done */
};

struct kz_crawl {
    kz_crawl_opts  o;
    char          *agent;
    kz_fetch      *f;
    struct origin **org;
    size_t         norg, caporg;
    size_t        *oidx;           /* origin index: org position + 1, 0 = empty */
    size_t         oidx_cap;
    size_t         rr;             /* where the next schedule() starts */
    kz_frontier_ops fr;
    struct mem_frontier *mem;      /* when no frontier was given */
    int            loaded;         /* the frontier's origins are known */
    uint64_t      *cache;          /* hashes of keys added; 0 = empty */
    regex_t        inc, exc;
    int            has_inc, has_exc;
    int64_t        cur_id;         /* the job of the event being reported */
    int            skip_links;     /* the callback asked not to follow them */
    struct scope  *scope;
    size_t         nscope, capscope;
    int            nseeds;
    size_t         started;        /* page fetches started */
    struct req    *reqs;           /* in flight */
    kz_crawl_stats st;
    kz_buf         text;
    struct content *ct;            /* sniffing, charset, feed state (page_done) */
    kz_url         u;
    kz_crawl_fn    fn;
    void          *arg;
    int            stop_rc;
    char           why[KZ_URL_WHY_MAX];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* ---- the in-memory frontier ---- */

/* 1: newly added, 0: seen before, KZ_ENOMEM / KZ_ETOOBIG. */
static int mem_seen_add(struct mem_frontier *m, const char *key)
{
    if ((m->seen_n + 1) * 2 > m->seen_cap) {
        if (m->seen_n >= MAX_SEEN)
            return KZ_ETOOBIG;
        size_t ncap = m->seen_cap ? m->seen_cap * 2 : 1024;
        char **ns = kz_calloc(ncap, sizeof *ns);
        if (!ns)
            return KZ_ENOMEM;
        for (size_t i = 0; i < m->seen_cap; i++)
            if (m->seen[i]) {
                size_t j = fnv(m->seen[i]) & (ncap - 1);
                while (ns[j])
                    j = (j + 1) & (ncap - 1);
                ns[j] = m->seen[i];
            }
        free(m->seen);
        m->seen = ns;
        m->seen_cap = ncap;
    }
    size_t j = fnv(key) & (m->seen_cap - 1);
    while (m->seen[j]) {
        if (!strcmp(m->seen[j], key))
            return 0;
        j = (j + 1) & (m->seen_cap - 1);
    }
    char *k = kz_strdup(key);
    if (!k)
        return KZ_ENOMEM;
    m->seen[j] = k;
    m->seen_n++;
    return 1;
}

static struct mem_origin *mem_origin(struct mem_frontier *m, const char *key, int create)
{
    for (size_t i = 0; i < m->norg; i++)
        if (!strcmp(m->org[i]->key, key))
            return m->org[i];
    if (!create || KZ_GROW(m->org, m->caporg, m->norg + 1))
        return NULL;
    struct mem_origin *o = kz_calloc(1, sizeof *o);
    if (!o || !(o->key = kz_strdup(key))) {
        free(o);
        return NULL;
    }
    m->org[m->norg++] = o;
    return o;
}

static int mem_add(void *self, const kz_frontier_job *j)
{
    struct mem_frontier *m = self;
    int rc = mem_seen_add(m, j->key);
    if (rc <= 0)
        return rc == KZ_ETOOBIG ? 0 : rc;        /* the crawl is big enough */
    struct mem_origin *o = mem_origin(m, j->origin, 1);
    char *url = kz_strdup(j->url);
    if (!o || !url) {
        free(url);
        return KZ_ENOMEM;
    }
    if (o->qhead > 0 && o->qhead == o->qlen)
        o->qhead = o->qlen = 0;
    if (KZ_GROW(o->q, o->qcap, o->qlen + 1)) {
        free(url);
        return KZ_ENOMEM;
    }
    o->q[o->qlen++] = (struct mem_job){ ++m->next_id, url, j->depth, j->seed, j->is_seed, j->kind };
    m->queued++;
    return 1;
}

static int mem_claim(void *self, const char *key, const char *url)
{
    (void)url;
    int rc = mem_seen_add(self, key);
    return rc == KZ_ETOOBIG ? 0 : rc;
}

static int mem_take(void *self, const char *origin, int64_t *cursor, size_t max,
                    kz_frontier_job_fn fn, void *arg)
{
    struct mem_origin *o = mem_origin(self, origin, 0);
    int n = 0;
    while (o && o->qhead < o->qlen && (size_t)n < max) {
        struct mem_job *mj = &o->q[o->qhead];
        if (mj->id > *cursor) {
            kz_frontier_job j = { mj->id, "", mj->url, origin, mj->depth, mj->seed, mj->is_seed,
                               mj->kind };
            int rc = fn(arg, &j);
            if (rc < 0)
                return rc;
            *cursor = mj->id;
            n++;
        }
        free(mj->url);
        o->qhead++;
    }
    return n;
}

static int mem_done(void *self, int64_t id, const char *outcome, long status)
{
    struct mem_frontier *m = self;
    (void)outcome;
    (void)status;
    if (id > 0 && m->queued > 0)
        m->queued--;
    return 0;
}

static int mem_origins(void *self, kz_frontier_origin_fn fn, void *arg)
{
    struct mem_frontier *m = self;
    for (size_t i = 0; i < m->norg; i++)
        if (m->org[i]->qhead < m->org[i]->qlen) {
            int rc = fn(arg, m->org[i]->key);
            if (rc < 0)
                return rc;
        }
    return 0;
}

static size_t mem_queued(void *self) { return ((struct mem_frontier *)self)->queued; }

static void mem_free(struct mem_frontier *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->seen_cap; i++)
        free(m->seen[i]);
    free(m->seen);
    for (size_t i = 0; i < m->norg; i++) {
        struct mem_origin *o = m->org[i];
        for (size_t k = o->qhead; k < o->qlen; k++)
            free(o->q[k].url);
        free(o->q);
        free(o->key);
        free(o);
    }
    free(m->org);
    free(m);
}

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
static int seen_add(kz_crawl *c, char *key)
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
static char *resolve(const char *base, const char *href, char **origin, long *port)
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

static int host_in_scope(const kz_crawl *c, const char *host, size_t n)
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

static struct origin *origin_get(kz_crawl *c, const char *key)
{
    uint64_t h = fnv(key);
    size_t mask = c->oidx_cap - 1, j = c->oidx_cap ? h & mask : 0;
    for (; c->oidx_cap && c->oidx[j]; j = (j + 1) & mask)
        if (!strcmp(c->org[c->oidx[j] - 1]->key, key))
            return c->org[c->oidx[j] - 1];
    if (KZ_GROW(c->org, c->caporg, c->norg + 1))
        return NULL;
    if ((c->norg + 1) * 2 > c->oidx_cap) {          /* rebuild the index, twice as big */
        size_t ncap = c->oidx_cap ? c->oidx_cap * 2 : 64;
        size_t *ni = kz_calloc(ncap, sizeof *ni);
        if (!ni)
            return NULL;
        for (size_t i = 0; i < c->norg; i++) {
            size_t k = fnv(c->org[i]->key) & (ncap - 1);
            while (ni[k])
                k = (k + 1) & (ncap - 1);
            ni[k] = i + 1;
        }
        free(c->oidx);
        c->oidx = ni;
        c->oidx_cap = ncap;
        mask = ncap - 1;
        for (j = h & mask; c->oidx[j]; j = (j + 1) & mask)
            ;
    }
    struct origin *o = kz_calloc(1, sizeof *o);
    if (!o || !(o->key = kz_strdup(key))) {
        free(o);
        return NULL;
    }
    o->delay_ms = c->o.delay_ms;
    c->org[c->norg++] = o;
    c->oidx[j] = c->norg;
    return o;
}

static void origin_free(struct origin *o)
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

static int origin_known(void *arg, const char *origin)
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
static int enqueue(kz_crawl *c, const char *base, const char *href, unsigned depth, int seed,
                   int is_seed, int kind)
{
    char *origin = NULL, *url = NULL;
    long port = 0;
    int rc = 0;
    kz_buf key;
    if (c->skip_links && !is_seed)
        return 0;
    kz_buf_init(&key, KZ_URL_MAX_INPUT * 3 + 32);
    if (!(url = resolve(base, href, &origin, &port))) {
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
    if (is_seed && !host_in_scope(c, host, hl)) {
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
    } else if (!is_seed && (!host_in_scope(c, host, hl) ||
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

struct links_ctx {
    kz_crawl   *c;          /* queue them, or ... */
    kz_buf     *out;        /* ... list them */
    const char *base;
    unsigned    depth;
    int         seed;
    size_t      n, max;     /* links (pages and feeds) taken, at most */
    size_t      nimg, max_img;
    int         rc;
};

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
        lc->rc = enqueue(lc->c, lc->base, href, lc->depth, lc->seed, 0,
                         kind == KZ_LINK_IMAGE ? JOB_IMAGE : JOB_PAGE);
        return;
    }
    char *origin = NULL;
    long port;
    char *u = resolve(lc->base, href, &origin, &port);
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
    w->base_abs = resolve(w->page_url, url, &w->origin, &port);
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
static int walk_links(const char *html, size_t n, const char *page_url, struct links_ctx *lc)
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
    return walk_links(html, n, base, &lc);
}

/* ---- events ---- */

/* What page_done adds to an event beyond emit()'s arguments. */
struct extra {
    const unsigned char *body;
    size_t               body_len;
    const char          *ctype, *charset, *charset_bad;
};

static void emit_ex(kz_crawl *c, int what, const struct job *j, const char *url, long status,
                    int kind, const char *msg, const char *text, size_t tlen, const char *lang,
                    const struct extra *x)
{
    if (c->stop_rc)
        return;
    kz_crawl_event ev = {
        .what = what, .url = url, .fetched_url = j->url, .host = "", .depth = j->depth,
        .seed = j->seed, .is_seed = j->is_seed, .status = status, .fetch_kind = kind,
        .errmsg = msg ? msg : "", .text = text ? text : "", .text_len = tlen,
        .lang = lang ? lang : "", .body = x ? x->body : NULL, .body_len = x ? x->body_len : 0,
        .content_type = x && x->ctype ? x->ctype : "",
        .charset = x && x->charset ? x->charset : "",
        .charset_bad = x && x->charset_bad ? x->charset_bad : "",
    };
    /* the URL stays as fetched, port and all, so that it can be fetched
     * again (kuzet verify); the store files it under its canonical form */
    char host[KZ_URL_MAX_HOST * 3 + 8] = "";
    if (kz_url_parse(&c->u, url, strlen(url)) == 0) {
        snprintf(host, sizeof host, "%.*s", (int)c->u.host_len, c->u.text.p + c->u.host_off);
        ev.host = host;
    }
    int rc = c->fn ? c->fn(c->arg, &ev) : 0;
    if (rc < 0)
        c->stop_rc = rc;
}

static void emit(kz_crawl *c, int what, const struct job *j, const char *url, long status,
                 int kind, const char *msg, const char *text, size_t tlen, const char *lang)
{
    emit_ex(c, what, j, url, status, kind, msg, text, tlen, lang, NULL);
}

/* ---- what a response is: sniffing, charset, feeds, images ---- */

/* Made on the first response (kz_crawl_new does not pay for it). */
struct content {
    kz_sniff   *sniff;             /* libmagic, loaded on first need */
    kz_charset *cs;                /* the last iconv descriptor */
    kz_buf      utf8;              /* the body in UTF-8 */
    kz_buf      links;             /* a feed's item links, one per line */
};

static void content_free(struct content *ct)
{
    if (!ct)
        return;
    kz_sniff_free(&ct->sniff);
    kz_charset_free(&ct->cs);
    kz_buf_release(&ct->utf8);
    kz_buf_release(&ct->links);
    free(ct);
}

static struct content *content_get(kz_crawl *c)
{
    if (c->ct)
        return c->ct;
    struct content *ct = kz_calloc(1, sizeof *ct);
    if (!ct)
        return NULL;
    size_t body = c->o.fetch.max_body ? c->o.fetch.max_body : 10u << 20;
    kz_buf_init(&ct->utf8, body * 3 + 16);       /* 3 bytes of UTF-8 per byte at most */
    kz_buf_init(&ct->links, 16u << 20);
    if (kz_sniff_new(&ct->sniff) || kz_charset_new(&ct->cs)) {
        content_free(ct);
        return NULL;
    }
    kz_feed_init();
    c->ct = ct;
    return ct;
}

/* A big page's buffers are not kept for the next one. */
static void content_shrink(struct content *ct)
{
    if (ct->utf8.cap > (4u << 20)) {
        size_t max = ct->utf8.max;
        kz_buf_release(&ct->utf8);
        kz_buf_init(&ct->utf8, max);
    }
    if (ct->links.cap > (1u << 20)) {
        kz_buf_release(&ct->links);
        kz_buf_init(&ct->links, 16u << 20);
    }
}

struct feed_ctx {
    kz_crawl *c;
    kz_buf   *links;
};

/* Each item: its title and text into the feed page's text (what does not
 * fit is left out), its link kept for queueing. */
static int feed_item(void *arg, const kz_feed_item *it)
{
    struct feed_ctx *fc = arg;
    kz_buf *t = &fc->c->text;
    fc->c->st.feed_items++;
    if (it->title_len || it->text_len) {
        size_t need = it->title_len + it->text_len + 3;
        if (t->len + need <= t->max) {
            int rc = kz_buf_add(t, it->title, it->title_len);
            if (!rc) rc = kz_buf_addc(t, '\n');
            if (!rc) rc = kz_buf_add(t, it->text, it->text_len);
            if (!rc) rc = kz_buf_adds(t, "\n\n");
            if (rc == KZ_ENOMEM)
                return rc;
        }
    }
    if (*it->link && !strchr(it->link, '\n')) {
        int rc = kz_buf_adds(fc->links, it->link);
        if (!rc)
            rc = kz_buf_addc(fc->links, '\n');
        if (rc == KZ_ENOMEM)
            return rc;
    }
    return 0;
}

static void text_failed(kz_crawl *c, const struct job *j, const kz_fetch_result *r, int rc,
                        const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "%s", rc == KZ_ETOOBIG ? "visible text over the limit" :
             rc == KZ_EINVAL ? what : kz_strerror(rc));
    c->st.errors++;
    c->st.by_kind[KZ_FETCH_OTHER]++;
    emit(c, KZ_CRAWL_ERROR, j, r->final_url, r->status, KZ_FETCH_OTHER, msg, NULL, 0, NULL);
    if (rc == KZ_ENOMEM)
        c->stop_rc = rc;
}

/* A 2xx response in scope: sniff it, then an image event, a feed (text of
 * its items, item links queued), an HTML page (text, links queued), or
 * "not HTML". */
static void content_done(kz_crawl *c, const struct job *j, const kz_fetch_result *r)
{
    struct content *ct = content_get(c);
    kz_charset_info ci;
    int rc;
    if (!ct) {
        c->stop_rc = KZ_ENOMEM;
        return;
    }
    const char *mime = "";
    int type = kz_sniff_body(ct->sniff, r->body, r->body_len, r->content_type, &mime);
    struct extra x = { NULL, 0, mime, "", "" };
    if (type == KZ_SNIFF_IMAGE) {
        c->st.images++;
        x.body = (const unsigned char *)r->body;
        x.body_len = r->body_len;
        emit_ex(c, KZ_CRAWL_IMAGE, j, r->final_url, r->status, KZ_FETCH_OK, "", NULL, 0, NULL, &x);
        return;
    }
    if (j->kind == JOB_IMAGE || type == KZ_SNIFF_OTHER) {
        c->st.not_html++;
        emit_ex(c, KZ_CRAWL_NOTHTML, j, r->final_url, r->status, KZ_FETCH_OK, r->content_type,
                NULL, 0, NULL, &x);
        return;
    }
    kz_buf_reset(&ct->utf8);
    kz_buf_reset(&c->text);
    rc = kz_charset_decode(ct->cs, r->body, r->body_len, r->content_type,
                           type == KZ_SNIFF_FEED ? KZ_CHARSET_XML : KZ_CHARSET_HTML, &ct->utf8, &ci);
    if (rc) {
        text_failed(c, j, r, rc, "");
        return;
    }
    if (ci.bad[0])
        c->st.charset_fallbacks++;
    x.charset = ci.name;
    x.charset_bad = ci.bad;
    const char *u8 = ct->utf8.p ? ct->utf8.p : "";
    int follow = j->depth < c->o.max_depth;
    if (type == KZ_SNIFF_FEED) {
        struct feed_ctx fc = { c, &ct->links };
        kz_feed_info fi;
        kz_buf_reset(&ct->links);
        rc = kz_feed_parse(u8, ct->utf8.len, r->final_url, c->o.max_links, 64u << 10, feed_item,
                           &fc, &fi);
        if (rc) {
            text_failed(c, j, r, rc, "not a feed libxml2 can read");
            content_shrink(ct);
            return;
        }
        c->st.pages++;
        c->st.feeds++;
        emit_ex(c, KZ_CRAWL_PAGE, j, r->final_url, r->status, KZ_FETCH_OK, "",
                c->text.p ? c->text.p : "", c->text.len, "", &x);
        for (char *p = ct->links.p, *e; follow && p && !c->stop_rc; p = e + 1) {
            if (!(e = strchr(p, '\n')))
                break;                   /* the last one, cut by the buffer limit */
            *e = '\0';
            rc = enqueue(c, r->final_url, p, j->depth + 1, j->seed, 0, JOB_PAGE);
            if (rc < 0)
                c->stop_rc = rc;
        }
        content_shrink(ct);
        return;
    }
    kz_html_info info;
    rc = kz_html_text(u8, ct->utf8.len, &c->text, &info);
    if (rc) {
        text_failed(c, j, r, rc, "");
        content_shrink(ct);
        return;
    }
    c->st.pages++;
    emit_ex(c, KZ_CRAWL_PAGE, j, r->final_url, r->status, KZ_FETCH_OK, "",
            c->text.p ? c->text.p : "", c->text.len, info.lang, &x);
    if (follow && !c->stop_rc) {
        size_t maxi = c->o.max_images ? c->o.max_images : 100;
        struct links_ctx lc = { c, NULL, NULL, j->depth + 1, j->seed, 0, c->o.max_links, 0, maxi, 0 };
        rc = walk_links(u8, ct->utf8.len, r->final_url, &lc);
        if (rc == KZ_ENOMEM)
            c->stop_rc = rc;
    }
    content_shrink(ct);
}

static void robots_done(kz_crawl *c, struct origin *o, const kz_fetch_result *r)
{
    o->robots_state = 2;
    c->st.robots_fetched++;
    if (r->kind != KZ_FETCH_OK) {
        /* unreachable (or refused by the SSRF guard): every URL of the
         * origin fails the same way, reported as its error */
        kz_buf m;
        kz_buf_init(&m, 1024);
        kz_buf_addf(&m, "robots.txt: %s", r->errmsg);
        o->fail_kind = r->kind;
        o->fail_msg = m.p;               /* NULL on ENOMEM: emit() copes */
        return;
    }
    if (r->status >= 500 || r->status == 429) {
        o->deny_all = 1;                 /* server error: assume complete disallow */
        return;
    }
    if (r->status >= 200 && r->status < 300) {
        size_t n = KZ_MIN(r->body_len, (size_t)KZ_ROBOTS_MAX_BODY);
        if (kz_robots_parse(&o->robots, r->body, n) != 0) {
            o->deny_all = 1;
            return;
        }
        double secs = 0;
        if (kz_robots_crawl_delay(o->robots, c->agent, &secs) == 1) {
            double ms = secs * 1000.0;
            if (ms > MAX_DELAY_MS)
                ms = MAX_DELAY_MS;
            if ((long)ms > o->delay_ms)
                o->delay_ms = (long)ms;
        }
    }
    /* 3xx left after redirects, 4xx: no robots.txt, everything allowed */
}

static void page_done(kz_crawl *c, struct req *q, const kz_fetch_result *r)
{
    const struct job *j = &q->job;
    if (r->kind != KZ_FETCH_OK) {
        c->st.errors++;
        c->st.by_kind[r->kind]++;
        emit(c, KZ_CRAWL_ERROR, j, j->url, r->status, r->kind, r->errmsg, NULL, 0, NULL);
        return;
    }
    if (r->status < 200 || r->status >= 300) {
        char msg[64];
        snprintf(msg, sizeof msg, "HTTP status %ld", r->status);
        c->st.http_errors++;
        emit(c, KZ_CRAWL_HTTP, j, r->final_url, r->status, KZ_FETCH_OK, msg, NULL, 0, NULL);
        return;
    }
    if (r->redirects > 0) {
        /* the final URL must be in scope and new */
        char *origin = NULL;
        long port = 0;
        char *fu = resolve(NULL, r->final_url, &origin, &port);
        int ok = fu && kz_url_parse(&c->u, fu, strlen(fu)) == 0 &&
                 host_in_scope(c, c->u.text.p + c->u.host_off, c->u.host_len);
        int seen = 0;
        if (ok) {
            kz_buf key;
            kz_buf_init(&key, KZ_BUF_NOLIMIT);
            if (kz_buf_addf(&key, "%ld|%s", port, c->u.text.p) == 0)
                seen = seen_add(c, key.p) == 0;
            kz_buf_release(&key);
        }
        free(fu);
        free(origin);
        if (seen) {
            c->st.dup_links++;
            emit(c, KZ_CRAWL_DUP, j, r->final_url, r->status, KZ_FETCH_OK,
                 "redirected to a URL already seen", NULL, 0, NULL);
            return;
        }
        if (!ok) {
            c->st.offscope++;
            emit(c, KZ_CRAWL_OFFSCOPE, j, r->final_url, r->status, KZ_FETCH_OK,
                 "redirected out of scope", NULL, 0, NULL);
            return;
        }
    }
    content_done(c, j, r);
}

/* Tell the frontier a job is done (robots.txt fetches are not jobs). */
static void job_done(kz_crawl *c, const struct job *j, const char *outcome, long status)
{
    if (j->fid <= 0 || c->stop_rc)
        return;
    int rc = c->fr.done(c->fr.self, j->fid, outcome, status);
    if (rc < 0)
        c->stop_rc = rc;
}

static void on_done(void *arg, const kz_fetch_result *r)
{
    kz_crawl *c = arg;
    struct req *q = r->user;
    q->o->busy--;
    int64_t next = now_ms() + q->o->delay_ms;
    if (next > q->o->next_ms)
        q->o->next_ms = next;
    if (q->is_robots) {
        robots_done(c, q->o, r);
    } else {
        c->cur_id = q->job.fid;
        c->skip_links = 0;
        page_done(c, q, r);
        c->skip_links = 0;
        c->cur_id = 0;
        job_done(c, &q->job, r->kind == KZ_FETCH_OK ? "ok" : kz_fetch_kind_name(r->kind),
                 r->status);
    }
    if (q->prev) q->prev->next = q->next;
    else c->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    free(q->job.url);
    free(q);
}

/* ---- scheduling ---- */

static int start(kz_crawl *c, struct origin *o, int is_robots, struct job *j)
{
    struct req *q = kz_calloc(1, sizeof *q);
    char *url = NULL;
    int rc = KZ_ENOMEM;
    if (!q)
        goto out;
    q->o = o;
    q->is_robots = is_robots;
    if (is_robots) {
        kz_buf b;
        kz_buf_init(&b, 4096);
        if (kz_buf_addf(&b, "%s/robots.txt", o->key) != 0) {
            kz_buf_release(&b);
            goto out;
        }
        q->job = (struct job){ b.p, 0, -1, 0, JOB_PAGE, 0 };
    } else {
        q->job = *j;
        j->url = NULL;
    }
    url = q->job.url;
    if ((rc = kz_fetch_add(c->f, url, q)) != 0) {
        free(url);
        goto out;
    }
    o->busy++;
    q->next = c->reqs;
    if (c->reqs)
        c->reqs->prev = q;
    c->reqs = q;
    return 0;
out:
    free(q);
    return rc;
}

static int take_one(void *arg, const kz_frontier_job *fj)
{
    struct origin *o = arg;
    if (o->qlen >= o->qcap)
        return KZ_EINTERNAL;
    char *url = kz_strdup(fj->url);
    if (!url)
        return KZ_ENOMEM;
    o->q[o->qlen++] = (struct job){ url, fj->depth, fj->seed, fj->is_seed, fj->kind, fj->id };
    return 0;
}

/* Refill the window of o from the frontier when it is empty (the window
 * is allocated while the origin has work, so idle origins cost little). */
static int refill(kz_crawl *c, struct origin *o)
{
    if (o->qhead < o->qlen || !o->more)
        return 0;
    o->qhead = o->qlen = 0;
    if (!o->q) {
        if (!(o->q = kz_calloc(WINDOW, sizeof *o->q)))
            return KZ_ENOMEM;
        o->qcap = WINDOW;
    }
    int n = c->fr.take(c->fr.self, o->key, &o->cursor, o->qcap, take_one, o);
    if (n < 0)
        return n;
    if ((size_t)n < o->qcap)
        o->more = 0;                     /* until a new URL is added for it */
    if (n == 0) {
        free(o->q);
        o->q = NULL;
        o->qcap = 0;
    }
    return 0;
}

/* Start what may start on origin o.  0 or an error. */
static int origin_step(kz_crawl *c, struct origin *o, int64_t now, int64_t *wait_ms)
{
    unsigned per_host = c->o.per_host ? c->o.per_host : 1;
    while ((unsigned)o->busy < per_host && kz_fetch_has_room(c->f) && !c->stop_rc) {
        if (c->o.max_pages && c->started >= c->o.max_pages)
            return 0;                    /* what is left stays queued */
        if (o->robots_state == 1)
            return 0;                    /* robots.txt first, and alone */
        int rc = refill(c, o);
        if (rc)
            return rc;
        if (o->qhead >= o->qlen)
            return 0;
        if (now < o->next_ms) {
            if (o->next_ms - now < *wait_ms)
                *wait_ms = o->next_ms - now;
            return 0;
        }
        if (o->robots_state == 0) {
            if ((rc = start(c, o, 1, NULL)) != 0)
                return rc;
            o->robots_state = 1;
            return 0;
        }
        struct job *j = &o->q[o->qhead++];
        c->cur_id = j->fid;
        if (o->fail_kind) {
            c->st.errors++;
            c->st.by_kind[o->fail_kind]++;
            emit(c, KZ_CRAWL_ERROR, j, j->url, 0, o->fail_kind, o->fail_msg, NULL, 0, NULL);
            job_done(c, j, kz_fetch_kind_name(o->fail_kind), 0);
            c->cur_id = 0;
            free(j->url);
            j->url = NULL;
            continue;
        }
        int allowed = 1;
        const char *why = "";
        if (o->deny_all) {
            allowed = 0;
            why = "robots.txt unreachable: all disallowed";
        } else if (o->robots) {
            allowed = kz_robots_allowed(o->robots, c->agent, j->url, strlen(j->url), NULL,
                                        NULL) != 0;   /* a bad URL for robots: fetch */
            why = "disallowed by robots.txt";
        }
        if (!allowed) {
            c->st.robots_skipped++;
            emit(c, KZ_CRAWL_ROBOTS, j, j->url, 0, KZ_FETCH_OK, why, NULL, 0, NULL);
            job_done(c, j, "robots", 0);
            c->cur_id = 0;
            free(j->url);
            j->url = NULL;
            continue;
        }
        c->cur_id = 0;
        if ((rc = start(c, o, 0, j)) != 0)
            return rc;
        c->started++;
        if (o->delay_ms > 0)             /* with several in flight, space the starts */
            o->next_ms = now + o->delay_ms;
    }
    return 0;
}

/* Start what may start, visiting the origins from a rotating start so that
 * none is always served first; *wait_ms is lowered to when the next origin
 * is ready.  Returns 1 when something is queued or in flight, 0 when the
 * crawl is over, or an error. */
static int schedule(kz_crawl *c, int64_t now, int64_t *wait_ms)
{
    size_t n = c->norg;
    for (size_t k = 0; k < n && !c->stop_rc; k++) {
        int rc = origin_step(c, c->org[(c->rr + k) % n], now, wait_ms);
        if (rc)
            return rc;
    }
    if (n)
        c->rr = (c->rr + 1) % n;
    if (kz_fetch_running(c->f) > 0)
        return 1;
    if (c->o.max_pages && c->started >= c->o.max_pages)
        return 0;
    for (size_t i = 0; i < n; i++) {
        struct origin *o = c->org[i];
        if (o->busy || o->qhead < o->qlen || o->more)
            return 1;
    }
    return 0;
}

int kz_crawl_run(kz_crawl *c, int wait_ms, kz_crawl_fn fn, void *arg)
{
    int64_t deadline = now_ms() + wait_ms;
    c->fn = fn;
    c->arg = arg;
    if (!c->loaded) {
        /* origins with work left from an earlier run */
        int rc = c->fr.origins(c->fr.self, origin_known, c);
        if (rc < 0)
            return rc;
        c->loaded = 1;
    }
    for (;;) {
        if (c->stop_rc)
            return c->stop_rc;
        int64_t now = now_ms(), wait = deadline - now;
        if (wait < 0)
            wait = 0;
        int rc = schedule(c, now, &wait);
        if (rc < 0)
            return rc;
        if (c->stop_rc)
            return c->stop_rc;
        if (rc == 0)
            return 0;
        if (kz_fetch_running(c->f) > 0) {
            if ((rc = kz_fetch_poll(c->f, (int)KZ_MIN(wait, 1000), on_done, c)) < 0)
                return rc;
        } else if (wait > 0) {
            struct timespec ts = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000000L };
            nanosleep(&ts, NULL);
        }
        if (now_ms() >= deadline)
            return c->stop_rc ? c->stop_rc : 1;
    }
}

/* ---- the handle ---- */

int kz_crawl_new(kz_crawl **out, const kz_crawl_opts *o)
{
    kz_crawl *c = NULL;
    int rc = KZ_EINVAL;
    if (!out || !o || !o->agent || !kz_robots_product_token(o->agent) || !o->fetch.user_agent)
        goto out;
    rc = KZ_ENOMEM;
    if (!(c = kz_calloc(1, sizeof *c)))
        goto out;
    c->o = *o;
    c->o.frontier = NULL;
    c->o.include = c->o.exclude = NULL;
    if (!c->o.max_text) c->o.max_text = 4u << 20;
    if (!c->o.max_links) c->o.max_links = 10000;
    if (c->o.delay_ms < 0) c->o.delay_ms = 0;
    if (!c->o.per_host) c->o.per_host = 1;
    kz_buf_init(&c->text, c->o.max_text);
    kz_url_init(&c->u);
    if (!(c->agent = kz_strdup(o->agent)))
        goto out;
    c->o.agent = c->agent;
    if (!(c->cache = kz_calloc((size_t)1 << CACHE_BITS, sizeof *c->cache)))
        goto out;
    if (o->frontier) {
        c->fr = *o->frontier;
    } else {
        if (!(c->mem = kz_calloc(1, sizeof *c->mem)))
            goto out;
        c->fr = (kz_frontier_ops){ c->mem, mem_add, mem_claim, mem_take, mem_done,
                                     mem_origins, mem_queued };
    }
    rc = KZ_EINVAL;
    if (o->include) {
        if (regcomp(&c->inc, o->include, REG_EXTENDED | REG_NOSUB) != 0)
            goto out;
        c->has_inc = 1;
    }
    if (o->exclude) {
        if (regcomp(&c->exc, o->exclude, REG_EXTENDED | REG_NOSUB) != 0)
            goto out;
        c->has_exc = 1;
    }
    if ((rc = kz_fetch_new(&c->f, &o->fetch)) != 0)
        goto out;
    *out = c;
    c = NULL;
    rc = 0;
out:
    kz_crawl_free(&c);
    return rc;
}

void kz_crawl_free(kz_crawl **cp)
{
    kz_crawl *c = cp ? *cp : NULL;
    if (!c)
        return;
    kz_fetch_free(&c->f);       /* the transfers; then what they pointed to */
    while (c->reqs) {
        struct req *q = c->reqs;
        c->reqs = q->next;
        free(q->job.url);
        free(q);
    }
    for (size_t i = 0; i < c->norg; i++)
        origin_free(c->org[i]);
    free(c->org);
    free(c->oidx);
    mem_free(c->mem);
    free(c->cache);
    if (c->has_inc)
        regfree(&c->inc);
    if (c->has_exc)
        regfree(&c->exc);
    for (size_t i = 0; i < c->nscope; i++)
        free(c->scope[i].name);
    free(c->scope);
    kz_buf_release(&c->text);
    content_free(c->ct);
    kz_url_release(&c->u);
    free(c->agent);
    free(c);
    *cp = NULL;
}

int kz_crawl_add_seed(kz_crawl *c, const char *url, const char **why)
{
    c->why[0] = '\0';
    int rc = enqueue(c, NULL, url, 0, c->nseeds, 1, JOB_PAGE);
    if (rc == 0)
        c->nseeds++;
    if (why)
        *why = rc ? (c->why[0] ? c->why : kz_strerror(rc)) : NULL;
    return rc;
}

void kz_crawl_get_stats(const kz_crawl *c, kz_crawl_stats *st)
{
    *st = c->st;
    st->in_flight = kz_fetch_running(c->f);
    st->queued = c->fr.queued(c->fr.self);
}

int64_t kz_crawl_current_job(const kz_crawl *c) { return c->cur_id; }

void kz_crawl_skip_links(kz_crawl *c) { c->skip_links = 1; }
