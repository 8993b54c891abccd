/*
 * ingest/crawl_page.c - what a finished transfer becomes: its event for the caller, and
 * what a response is (sniffing, charset, feeds, images), robots.txt, pages
 * and their links; the frontier told the job is done.
 */
#include "ingest/crawl_int.h"

/* ---- events ---- */

/* What kz__crawl_page_done adds to an event beyond kz__crawl_emit()'s arguments. */
struct extra {
    const unsigned char *body;
    size_t               body_len;
    const char          *ctype, *charset, *charset_bad, *charset_source;
};

static void kz__crawl_emit_ex(kz_crawl *c, int what, const struct job *j, const char *url, long status,
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
        .charset_source = x && x->charset_source ? x->charset_source : "",
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

void kz__crawl_emit(kz_crawl *c, int what, const struct job *j, const char *url, long status,
                 int kind, const char *msg, const char *text, size_t tlen, const char *lang)
{
    kz__crawl_emit_ex(c, what, j, url, status, kind, msg, text, tlen, lang, NULL);
}

/* ---- what a response is: sniffing, charset, feeds, images ---- */

/* Made on the first response (kz_crawl_new does not pay for it). */
struct content {
    kz_sniff   *sniff;             /* libmagic, loaded on first need */
    kz_charset *cs;                /* the last iconv descriptor */
    kz_buf      utf8;              /* the body in UTF-8 */
    kz_buf      links;             /* a feed's item links, one per line */
};

void kz__crawl_content_free(struct content *ct)
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
        kz__crawl_content_free(ct);
        return NULL;
    }
    kz_feed_init();
    kz_sitemap_init();
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
    kz__crawl_emit(c, KZ_CRAWL_ERROR, j, r->final_url, r->status, KZ_FETCH_OTHER, msg, NULL, 0, NULL);
    if (rc == KZ_ENOMEM)
        c->stop_rc = rc;
}

/* ---- sitemaps ---- */

struct sm_ctx {
    kz_crawl              *c;
    const struct job      *j;
    const char            *base;
    const kz_sitemap_info *si;     /* its kind is known before the first URL */
    size_t                 children;    /* sitemaps an index named, taken */
    int                    nested;      /* an index named by an index */
};

/* One <loc>: a page of the source (depth 1: the sitemap is a page of links
 * at the root) or, from an index, a sitemap.  Out of scope and seen URLs
 * are dropped by kz__crawl_enqueue as for links. */
static int sitemap_url(void *arg, const char *loc, size_t len)
{
    struct sm_ctx *s = arg;
    kz_crawl *c = s->c;
    int rc;
    (void)len;
    if (s->si->kind == KZ_SITEMAP_INDEX) {
        if (s->j->kind == JOB_SITEMAP_CHILD) {
            s->nested = 1;               /* the protocol has one level of indexes */
            return 1;
        }
        if (s->children >= MAX_INDEX_SITEMAPS) {
            c->st.sitemap_skipped++;
            return 0;
        }
        s->children++;
        rc = kz__crawl_enqueue(c, s->base, loc, 0, s->j->seed, 0, JOB_SITEMAP_CHILD);
    } else {
        if (c->sitemap_urls >= MAX_SITEMAP_URLS) {
            c->st.sitemap_skipped++;
            return 0;
        }
        c->sitemap_urls++;
        c->st.sitemap_urls++;
        rc = kz__crawl_enqueue(c, s->base, loc, 1, s->j->seed, 0, JOB_PAGE);
    }
    if (rc < 0)
        c->stop_rc = rc;
    return rc < 0;
}

/* A sitemap fetched: its URLs queued, or an error event saying why not. */
static void sitemap_done(kz_crawl *c, const struct job *j, const kz_fetch_result *r)
{
    kz_sitemap_info si;
    const char *why = "";
    struct sm_ctx s = { c, j, r->final_url, &si, 0, 0 };
    int rc = kz_sitemap_parse(r->body, r->body_len, 0, 0, sitemap_url, &s, &si, &why);
    if (rc == 0 || rc == 1) {
        if (s.nested) {
            c->st.sitemap_skipped++;
            return;
        }
        c->st.sitemaps++;
        c->st.sitemap_skipped += si.skipped;
        return;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "sitemap: %s", rc == KZ_ENOMEM ? kz_strerror(rc) : why);
    c->st.errors++;
    c->st.by_kind[KZ_FETCH_OTHER]++;
    kz__crawl_emit(c, KZ_CRAWL_ERROR, j, r->final_url, r->status, KZ_FETCH_OTHER, msg, NULL, 0, NULL);
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
    if (j->kind == JOB_SITEMAP || j->kind == JOB_SITEMAP_CHILD) {
        sitemap_done(c, j, r);
        return;
    }
    const char *mime = "";
    int type = kz_sniff_body(ct->sniff, r->body, r->body_len, r->content_type, &mime);
    struct extra x = { NULL, 0, mime, "", "", "" };
    if (type == KZ_SNIFF_IMAGE) {
        c->st.images++;
        x.body = (const unsigned char *)r->body;
        x.body_len = r->body_len;
        kz__crawl_emit_ex(c, KZ_CRAWL_IMAGE, j, r->final_url, r->status, KZ_FETCH_OK, "", NULL, 0, NULL, &x);
        return;
    }
    if (j->kind == JOB_IMAGE || type == KZ_SNIFF_OTHER) {
        c->st.not_html++;
        kz__crawl_emit_ex(c, KZ_CRAWL_NOTHTML, j, r->final_url, r->status, KZ_FETCH_OK, r->content_type,
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
    x.charset_source = kz_charset_source_name(ci.source);
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
        kz__crawl_emit_ex(c, KZ_CRAWL_PAGE, j, r->final_url, r->status, KZ_FETCH_OK, "",
                c->text.p ? c->text.p : "", c->text.len, "", &x);
        for (char *p = ct->links.p, *e; follow && p && !c->stop_rc; p = e + 1) {
            if (!(e = strchr(p, '\n')))
                break;                   /* the last one, cut by the buffer limit */
            *e = '\0';
            rc = kz__crawl_enqueue(c, r->final_url, p, j->depth + 1, j->seed, 0, JOB_PAGE);
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
    kz__crawl_emit_ex(c, KZ_CRAWL_PAGE, j, r->final_url, r->status, KZ_FETCH_OK, "",
            c->text.p ? c->text.p : "", c->text.len, info.lang, &x);
    if (follow && !c->stop_rc) {
        size_t maxi = c->o.max_images ? c->o.max_images : 100;
        struct links_ctx lc = { c, NULL, NULL, j->depth + 1, j->seed, 0, c->o.max_links, 0, maxi, 0 };
        rc = kz__crawl_walk_links(u8, ct->utf8.len, r->final_url, &lc);
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
        o->fail_msg = m.p;               /* NULL on ENOMEM: kz__crawl_emit() copes */
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
        /* its sitemaps, when links are followed at all (--depth >= 1) */
        size_t ns = kz_robots_sitemap_count(o->robots);
        for (size_t i = 0; i < ns && i < MAX_ROBOTS_SITEMAPS && c->o.max_depth > 0; i++) {
            int rc = kz__crawl_enqueue(c, NULL, kz_robots_sitemap(o->robots, i), 0, 0, 0,
                                       JOB_SITEMAP);
            if (rc < 0) {
                c->stop_rc = rc;
                break;
            }
        }
        c->st.sitemap_skipped += ns > MAX_ROBOTS_SITEMAPS ? ns - MAX_ROBOTS_SITEMAPS : 0;
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

static void kz__crawl_page_done(kz_crawl *c, struct req *q, const kz_fetch_result *r)
{
    const struct job *j = &q->job;
    if (r->kind != KZ_FETCH_OK) {
        c->st.errors++;
        c->st.by_kind[r->kind]++;
        kz__crawl_emit(c, KZ_CRAWL_ERROR, j, j->url, r->status, r->kind, r->errmsg, NULL, 0, NULL);
        return;
    }
    if (r->status < 200 || r->status >= 300) {
        char msg[64];
        snprintf(msg, sizeof msg, "HTTP status %ld", r->status);
        c->st.http_errors++;
        kz__crawl_emit(c, KZ_CRAWL_HTTP, j, r->final_url, r->status, KZ_FETCH_OK, msg, NULL, 0, NULL);
        return;
    }
    if (r->redirects > 0) {
        /* the final URL must be in scope and new */
        char *origin = NULL;
        long port = 0;
        char *fu = kz__crawl_resolve(NULL, r->final_url, &origin, &port);
        int ok = fu && kz_url_parse(&c->u, fu, strlen(fu)) == 0 &&
                 kz__crawl_host_in_scope(c, c->u.text.p + c->u.host_off, c->u.host_len);
        int seen = 0;
        if (ok) {
            kz_buf key;
            kz_buf_init(&key, KZ_BUF_NOLIMIT);
            if (kz_buf_addf(&key, "%ld|%s", port, c->u.text.p) == 0)
                seen = kz__crawl_seen_add(c, key.p) == 0;
            kz_buf_release(&key);
        }
        free(fu);
        free(origin);
        if (seen) {
            c->st.dup_links++;
            kz__crawl_emit(c, KZ_CRAWL_DUP, j, r->final_url, r->status, KZ_FETCH_OK,
                 "redirected to a URL already seen", NULL, 0, NULL);
            return;
        }
        if (!ok) {
            c->st.offscope++;
            kz__crawl_emit(c, KZ_CRAWL_OFFSCOPE, j, r->final_url, r->status, KZ_FETCH_OK,
                 "redirected out of scope", NULL, 0, NULL);
            return;
        }
    }
    content_done(c, j, r);
}

/* Tell the frontier a job is done (robots.txt fetches are not jobs). */
void kz__crawl_job_done(kz_crawl *c, const struct job *j, const char *outcome, long status)
{
    if (j->fid <= 0 || c->stop_rc)
        return;
    int rc = c->fr.done(c->fr.self, j->fid, outcome, status);
    if (rc < 0)
        c->stop_rc = rc;
}

void kz__crawl_on_done(void *arg, const kz_fetch_result *r)
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
        kz__crawl_page_done(c, q, r);
        c->skip_links = 0;
        c->cur_id = 0;
        kz__crawl_job_done(c, &q->job, r->kind == KZ_FETCH_OK ? "ok" : kz_fetch_kind_name(r->kind),
                 r->status);
    }
    if (q->prev) q->prev->next = q->next;
    else c->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    free(q->job.url);
    free(q);
}
