/*
 * ingest/crawl.c - frontier, politeness, robots.txt and links for the crawl.
 *
 * The frontier is in memory: one FIFO queue per origin (scheme://host:port)
 * and one hash set of every URL ever queued (canonical URL + port).  The
 * scheduler starts, for each origin that has nothing in flight and whose
 * delay has passed, either its robots.txt (first) or the next URL of its
 * queue; kz_fetch runs the transfers; on_done() turns each finished
 * transfer into an event for the caller and queues the page's links.
 * Origins are kept in a plain array (the scope keeps them few).
 */
#include "ingest/crawl.h"
#include "ingest/html.h"
#include "ingest/robots.h"
#include "url/url.h"
#include "util/buf.h"
#include <curl/curl.h>
#include <gumbo.h>
#include <strings.h>
#include <time.h>

#define MAX_SEEN      (4u << 20)   /* URLs remembered in one crawl */
#define MAX_DELAY_MS  30000        /* a Crawl-delay above this is capped */

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
};

struct origin {
    char       *key;               /* scheme://host:port */
    kz_robots  *robots;            /* NULL: everything allowed */
    int         robots_state;      /* 0 not asked, 1 in flight, 2 known */
    int         deny_all;          /* robots.txt 5xx */
    int         fail_kind;         /* robots.txt not fetched: the origin is unreachable */
    char       *fail_msg;
    int         busy;
    int64_t     next_ms;
    long        delay_ms;
    struct job *q;
    size_t      qhead, qlen, qcap;
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

struct kz_crawl {
    kz_crawl_opts  o;
    char          *agent;
    kz_fetch      *f;
    struct origin **org;
    size_t         norg, caporg;
    char         **seen;           /* open addressing, NULL = empty */
    size_t         seen_cap, seen_n;
    struct scope  *scope;
    size_t         nscope, capscope;
    int            nseeds;
    size_t         started;        /* page fetches started */
    struct req    *reqs;           /* in flight */
    kz_crawl_stats st;
    kz_buf         text;
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

/* ---- the seen set ---- */

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* 1: newly added, 0: seen before, KZ_ENOMEM / KZ_ETOOBIG. */
static int seen_add(kz_crawl *c, char *key)
{
    if ((c->seen_n + 1) * 2 > c->seen_cap) {
        if (c->seen_n >= MAX_SEEN)
            return KZ_ETOOBIG;
        size_t ncap = c->seen_cap ? c->seen_cap * 2 : 1024;
        char **ns = kz_calloc(ncap, sizeof *ns);
        if (!ns)
            return KZ_ENOMEM;
        for (size_t i = 0; i < c->seen_cap; i++)
            if (c->seen[i]) {
                size_t j = fnv(c->seen[i]) & (ncap - 1);
                while (ns[j])
                    j = (j + 1) & (ncap - 1);
                ns[j] = c->seen[i];
            }
        free(c->seen);
        c->seen = ns;
        c->seen_cap = ncap;
    }
    size_t j = fnv(key) & (c->seen_cap - 1);
    while (c->seen[j]) {
        if (!strcmp(c->seen[j], key))
            return 0;
        j = (j + 1) & (c->seen_cap - 1);
    }
    char *k = kz_strdup(key);
    if (!k)
        return KZ_ENOMEM;
    c->seen[j] = k;
    c->seen_n++;
    return 1;
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
    for (size_t i = 0; i < c->norg; i++)
        if (!strcmp(c->org[i]->key, key))
            return c->org[i];
    if (KZ_GROW(c->org, c->caporg, c->norg + 1))
        return NULL;
    struct origin *o = kz_calloc(1, sizeof *o);
    if (!o || !(o->key = kz_strdup(key))) {
        free(o);
        return NULL;
    }
    o->delay_ms = c->o.delay_ms;
    c->org[c->norg++] = o;
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

/* Queue a URL (resolved against base when not NULL).  0 (queued or
 * dropped: unusable, out of scope, seen), KZ_ENOMEM; for seeds KZ_EINVAL
 * when the URL is unusable. */
static int enqueue(kz_crawl *c, const char *base, const char *href, unsigned depth, int seed,
                   int is_seed, int kind)
{
    char *origin = NULL, *url = NULL;
    long port = 0;
    int rc = 0;
    kz_buf key;
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
    } else if (!is_seed && !host_in_scope(c, host, hl)) {
        c->st.offscope++;
        goto out;
    }
    if ((rc = kz_buf_addf(&key, "%ld|%s", port, c->u.text.p)) != 0)
        goto out;
    if ((rc = seen_add(c, key.p)) <= 0) {
        if (rc == 0)
            c->st.dup_links++;
        rc = rc == KZ_ETOOBIG ? 0 : rc;          /* the crawl is big enough */
        goto out;
    }
    rc = KZ_ENOMEM;
    struct origin *o = origin_get(c, origin);
    if (!o)
        goto out;
    if (o->qhead > 0 && o->qhead == o->qlen)
        o->qhead = o->qlen = 0;
    if (KZ_GROW(o->q, o->qcap, o->qlen + 1))
        goto out;
    o->q[o->qlen++] = (struct job){ url, depth, seed, is_seed, kind };
    url = NULL;
    c->st.queued++;
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
    size_t      n, max;
    int         rc;
};

static const char *attr(const GumboElement *e, const char *name)
{
    const GumboAttribute *a = gumbo_get_attribute(&e->attributes, name);
    return a ? a->value : NULL;
}

static int has_nofollow(const char *rel)
{
    for (const char *p = rel; p && *p; p++)
        if (!strncasecmp(p, "nofollow", 8))
            return 1;
    return 0;
}

static void take_link(struct links_ctx *lc, const char *href)
{
    if (lc->rc || lc->n >= lc->max)
        return;
    lc->n++;
    if (lc->c) {
        lc->rc = enqueue(lc->c, lc->base, href, lc->depth, lc->seed, 0, JOB_PAGE);
        return;
    }
    char *origin = NULL;
    long port;
    char *u = resolve(lc->base, href, &origin, &port);
    if (u && ((lc->rc = kz_buf_adds(lc->out, u)) == 0))
        lc->rc = kz_buf_addc(lc->out, '\n');
    free(u);
    free(origin);
}

static int walk_links(const char *html, size_t n, const char *page_url, struct links_ctx *lc)
{
    GumboOutput *g = NULL;
    GumboNode **stack = NULL;
    size_t cap = 0, sp = 0;
    char *base_abs = NULL, *origin = NULL;
    int rc = KZ_ENOMEM;
    GumboOptions opt = kGumboDefaultOptions;
    opt.max_errors = 100;
    if (!(g = gumbo_parse_with_options(&opt, html, n)))
        goto out;
    lc->base = page_url;
    if (KZ_GROW(stack, cap, 1))
        goto out;
    stack[sp++] = g->root;
    int base_seen = 0;
    /* pass 1 finds <base href> (the first one counts), pass 2 the links */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            sp = 0;
            stack[sp++] = g->root;
        }
        while (sp > 0 && !lc->rc) {
            GumboNode *nd = stack[--sp];
            if (nd->type != GUMBO_NODE_ELEMENT && nd->type != GUMBO_NODE_TEMPLATE)
                continue;
            const GumboElement *e = &nd->v.element;
            if (pass == 0 && e->tag == GUMBO_TAG_BASE && !base_seen && attr(e, "href")) {
                long port;
                base_seen = 1;
                base_abs = resolve(page_url, attr(e, "href"), &origin, &port);
                if (base_abs)
                    lc->base = base_abs;
            }
            if (pass == 1 && (e->tag == GUMBO_TAG_A || e->tag == GUMBO_TAG_AREA) &&
                attr(e, "href") && !has_nofollow(attr(e, "rel")))
                take_link(lc, attr(e, "href"));
            /* children pushed in reverse, so links come in document order */
            if (KZ_GROW(stack, cap, sp + e->children.length))
                goto out;
            for (size_t i = e->children.length; i-- > 0;)
                stack[sp++] = e->children.data[i];
        }
    }
    rc = lc->rc;
out:
    if (g)
        gumbo_destroy_output(&kGumboDefaultOptions, g);
    free(stack);
    free(base_abs);
    free(origin);
    return rc;
}

int kz_crawl_links(const char *html, size_t n, const char *base, kz_buf *out)
{
    struct links_ctx lc = { NULL, out, base, 0, 0, 0, (size_t)-1, 0 };
    return walk_links(html, n, base, &lc);
}

/* ---- events ---- */

static void emit(kz_crawl *c, int what, const struct job *j, const char *url, long status,
                 int kind, const char *msg, const char *text, size_t tlen, const char *lang)
{
    if (c->stop_rc)
        return;
    kz_crawl_event ev = { what, url, j->url, "", j->depth, j->seed, j->is_seed, status, kind,
                          msg ? msg : "", text ? text : "", tlen, lang ? lang : "", NULL, 0, "" };
    char host[KZ_URL_MAX_HOST * 3 + 8] = "";
    if (kz_url_parse(&c->u, url, strlen(url)) == 0) {
        snprintf(host, sizeof host, "%.*s", (int)c->u.host_len, c->u.text.p + c->u.host_off);
        ev.host = host;
        /* the canonical form is the one items are stored under */
        kz_buf cu;
        kz_buf_init(&cu, KZ_BUF_NOLIMIT);
        if (kz_buf_add(&cu, c->u.text.p, c->u.text.len) == 0) {
            ev.url = cu.p;
            int rc = c->fn ? c->fn(c->arg, &ev) : 0;
            if (rc < 0)
                c->stop_rc = rc;
        }
        kz_buf_release(&cu);
        return;
    }
    int rc = c->fn ? c->fn(c->arg, &ev) : 0;
    if (rc < 0)
        c->stop_rc = rc;
}

static int looks_html(const char *ct, const char *b, size_t n)
{
    if (ct && *ct)
        return strcasestr(ct, "html") != NULL;
    if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
        b += 3, n -= 3;
    while (n && (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n'))
        b++, n--;
    static const char *const sig[] = { "<!doctype html", "<html", "<head", "<body", "<title",
                                       "<p>", "<a ", "<div", "<!--" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(sig); i++) {
        size_t l = strlen(sig[i]);
        if (n >= l && !strncasecmp(b, sig[i], l))
            return 1;
    }
    return 0;
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
    if (!looks_html(r->content_type, r->body, r->body_len)) {
        c->st.not_html++;
        emit(c, KZ_CRAWL_NOTHTML, j, r->final_url, r->status, KZ_FETCH_OK, r->content_type,
             NULL, 0, NULL);
        return;
    }
    kz_html_info info;
    kz_buf_reset(&c->text);
    int rc = kz_html_text(r->body, r->body_len, &c->text, &info);
    if (rc) {
        c->st.errors++;
        c->st.by_kind[KZ_FETCH_OTHER]++;
        emit(c, KZ_CRAWL_ERROR, j, r->final_url, r->status, KZ_FETCH_OTHER,
             rc == KZ_ETOOBIG ? "visible text over the limit" : kz_strerror(rc), NULL, 0, NULL);
        if (rc == KZ_ENOMEM)
            c->stop_rc = rc;
        return;
    }
    c->st.pages++;
    emit(c, KZ_CRAWL_PAGE, j, r->final_url, r->status, KZ_FETCH_OK, "",
         c->text.p ? c->text.p : "", c->text.len, info.lang);
    if (j->depth < c->o.max_depth && !c->stop_rc) {
        struct links_ctx lc = { c, NULL, NULL, j->depth + 1, j->seed, 0, c->o.max_links, 0 };
        rc = walk_links(r->body, r->body_len, r->final_url, &lc);
        if (rc == KZ_ENOMEM)
            c->stop_rc = rc;
    }
}

static void on_done(void *arg, const kz_fetch_result *r)
{
    kz_crawl *c = arg;
    struct req *q = r->user;
    q->o->busy = 0;
    q->o->next_ms = now_ms() + q->o->delay_ms;
    if (q->is_robots)
        robots_done(c, q->o, r);
    else
        page_done(c, q, r);
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
        q->job = (struct job){ b.p, 0, -1, 0, JOB_PAGE };
    } else {
        q->job = *j;
        j->url = NULL;
    }
    url = q->job.url;
    if ((rc = kz_fetch_add(c->f, url, q)) != 0) {
        free(url);
        goto out;
    }
    o->busy = 1;
    q->next = c->reqs;
    if (c->reqs)
        c->reqs->prev = q;
    c->reqs = q;
    return 0;
out:
    free(q);
    return rc;
}

/* Start what may start; *wait_ms is lowered to when the next origin is
 * ready.  Returns 1 when something is queued or in flight, 0 when the crawl
 * is over, or an error. */
static int schedule(kz_crawl *c, int64_t now, int64_t *wait_ms)
{
    int pending = kz_fetch_running(c->f) > 0;
    for (size_t i = 0; i < c->norg && !c->stop_rc; i++) {
        struct origin *o = c->org[i];
        while (!o->busy && o->qhead < o->qlen && kz_fetch_has_room(c->f)) {
            if (c->o.max_pages && c->started >= c->o.max_pages) {
                for (size_t k = o->qhead; k < o->qlen; k++)
                    free(o->q[k].url);
                o->qhead = o->qlen = 0;
                break;
            }
            if (now < o->next_ms) {
                if (o->next_ms - now < *wait_ms)
                    *wait_ms = o->next_ms - now;
                break;
            }
            if (o->robots_state == 0) {
                int rc = start(c, o, 1, NULL);
                if (rc)
                    return rc;
                o->robots_state = 1;
                break;
            }
            struct job *j = &o->q[o->qhead++];
            if (o->fail_kind) {
                c->st.errors++;
                c->st.by_kind[o->fail_kind]++;
                emit(c, KZ_CRAWL_ERROR, j, j->url, 0, o->fail_kind, o->fail_msg, NULL, 0, NULL);
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
                free(j->url);
                j->url = NULL;
                continue;
            }
            int rc = start(c, o, 0, j);
            if (rc)
                return rc;
            c->started++;
        }
        if (o->busy || o->qhead < o->qlen)
            pending = 1;
    }
    return pending;
}

int kz_crawl_run(kz_crawl *c, int wait_ms, kz_crawl_fn fn, void *arg)
{
    int64_t deadline = now_ms() + wait_ms;
    c->fn = fn;
    c->arg = arg;
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
    if (!c->o.max_text) c->o.max_text = 4u << 20;
    if (!c->o.max_links) c->o.max_links = 10000;
    if (c->o.delay_ms < 0) c->o.delay_ms = 0;
    kz_buf_init(&c->text, c->o.max_text);
    kz_url_init(&c->u);
    if (!(c->agent = kz_strdup(o->agent)))
        goto out;
    c->o.agent = c->agent;
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
    for (size_t i = 0; i < c->seen_cap; i++)
        free(c->seen[i]);
    free(c->seen);
    for (size_t i = 0; i < c->nscope; i++)
        free(c->scope[i].name);
    free(c->scope);
    kz_buf_release(&c->text);
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
        *why = rc ? c->why : NULL;
    return rc;
}

void kz_crawl_get_stats(const kz_crawl *c, kz_crawl_stats *st)
{
    *st = c->st;
    st->in_flight = kz_fetch_running(c->f);
    size_t q = 0;
    for (size_t i = 0; i < c->norg; i++)
        q += c->org[i]->qlen - c->org[i]->qhead;
    st->queued = q;
}
