/*
 * pipeline/crawler.c - kuzet's crawl as one library call
 * (pipeline/crawler.h).
 *
 * The fetch loop (ingest/crawl.h) runs on the caller's thread in slices of
 * 100-250 ms and calls on_page for every URL dealt with.  A page whose text
 * the source has seen is counted and its links left; another is copied
 * into a job and submitted to the pool (util/pool.h), whose workers scan
 * it; the caller's thread takes the scanned jobs back in order and stores
 * them (pipeline/evidence.h) whenever it passes by, and all of them before
 * every commit.  With one_thread the pool has no thread and a job is
 * scanned as it is submitted, then stored at once.
 */
#include "pipeline/crawler.h"
#include "pipeline/evidence.h"
#include "store/audit.h"
#include "store/frontier.h"
#include "util/buf.h"
#include "util/pool.h"
#include "util/sha256.h"
#include <regex.h>
#include <time.h>

#define DEPTH 16                /* pages out in the pool at most */
#define PAGES_PER_TX 32         /* without scan threads: pages stored per transaction */

/* A page to scan, then store. */
typedef struct job {
    kz_buf    url, host, lang, text;
    char      sha[65];
    int       rc;               /* kz_scan's */
    kz_hit   *hits;
    size_t    nhits, cap_hits, nflagged;
    uint32_t *score;
    uint8_t  *flagged;
} job;

typedef struct run {
    const kz_crawler_opts *o;
    kz_store     *st;
    kz_frontier  *fr;
    kz_crawl     *cr;
    kz_evidence  *ev;
    kz_pool      *pool;
    kz_scan_ctx **cx;           /* one per worker */
    unsigned      ncx;
    size_t        ncats;
    job           jobs[DEPTH];
    size_t        submitted;
    int           threaded;     /* scan threads: only the crawl loop commits */
    int           in_tx, failed;
    size_t        batch;        /* pages stored in the open transaction */
    kz_crawler_stats s;
    int           rc;           /* what stopped the run */
} run;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int emit(run *r, kz_crawler_event *ev)
{
    ev->stats = &r->s;
    int rc = r->o->on_event ? r->o->on_event(r->o->ctx, ev) : 0;
    if (rc && !r->rc)
        r->rc = rc;
    return rc;
}

/* Storing failed (rc; the store's message says what and why): roll back,
 * report, stop. */
static int store_failed(run *r, int rc)
{
    kz_crawler_event ev;
    if (r->failed)
        return rc;
    kz_frontier_rollback(r->fr);
    r->in_tx = 0;
    r->failed = 1;
    if (!r->rc)
        r->rc = rc;
    memset(&ev, 0, sizeof ev);
    ev.what = KZ_CRAWLER_STORE_ERROR;
    ev.rc = rc;
    ev.why = rc == KZ_ENOMEM ? kz_strerror(rc) : kz_store_errmsg(r->st);
    emit(r, &ev);
    return rc;
}

/* Open the transaction (the frontier's) the next writes go into. */
static int begin_tx(run *r)
{
    int rc = kz_frontier_begin(r->fr);
    if (rc)
        return store_failed(r, rc);
    r->in_tx = 1;
    return 0;
}

/* ---- the scan: on a worker ------------------------------------------------- */

static void scan_job(void *ctx, unsigned worker, void *p)
{
    run *r = ctx;
    job *j = p;
    kz_result res;
    j->rc = kz_scan(r->cx[worker], j->text.p ? j->text.p : "", j->text.len, &res);
    if (!j->rc && res.nhits > j->cap_hits) {
        kz_hit *nh = kz_realloc(j->hits, res.nhits * sizeof *nh);
        if (!nh) {
            j->rc = KZ_ENOMEM;
            return;
        }
        j->hits = nh;
        j->cap_hits = res.nhits;
    }
    if (j->rc)
        return;
    if (res.nhits)
        memcpy(j->hits, res.hits, res.nhits * sizeof *res.hits);
    j->nhits = res.nhits;
    if (r->ncats) {
        memcpy(j->score, res.score, r->ncats * sizeof *res.score);
        memcpy(j->flagged, res.flagged, r->ncats);
    }
    j->nflagged = res.nflagged;
}

/* ---- storing: the caller's thread ------------------------------------------ */

static int commit(run *r);

/* Store a scanned page: one with hits, or one without that matches a block
 * bank (pipeline/evidence.h, as kuzet ingest).  0 (stored or not needed),
 * < 0 a storage error (reported). */
static int store_job(run *r, job *j)
{
    kz_crawler_event ev;
    int rc;
    if (j->rc) {
        r->s.scan_errors++;
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_CRAWLER_SCAN_ERROR;
        ev.url = j->url.p;
        ev.rc = j->rc;
        ev.why = kz_strerror(j->rc);
        emit(r, &ev);
        return 0;
    }
    if (r->failed)
        return 0;
    r->s.flagged += j->nflagged > 0;
    if ((rc = begin_tx(r)) != 0)
        return rc;
    kz_item_in it = { j->url.p, j->url.len, j->host.p, j->host.len, NULL, 0,
                      j->lang.len ? j->lang.p : NULL, j->lang.len, NULL, 0,
                      j->text.p ? j->text.p : "", j->text.len, j->sha };
    kz_result res = { j->hits, j->nhits, 0, j->score, j->flagged, j->nflagged, 0 };
    kz_ingest_out out;
    kz_evidence_reset(r->ev);
    if ((rc = kz_evidence_keep(r->ev, &it, &res, 0, &out)) < 0)
        return store_failed(r, rc);
    if (rc == 0)
        return 0;
    if (out.item_created)
        r->s.created++;
    else
        r->s.updated++;
    r->s.cases += out.cases_opened;
    memset(&ev, 0, sizeof ev);
    ev.what = KZ_CRAWLER_STORED;
    ev.url = j->url.p;
    ev.item_id = out.item_id;
    ev.created = out.item_created;
    ev.cases_opened = out.cases_opened;
    emit(r, &ev);
    if (++r->batch >= PAGES_PER_TX && !r->threaded)  /* threaded: the crawl loop commits */
        return commit(r);
    return 0;
}

/* Store the scanned jobs at the head of the pool, in order; with wait,
 * every job out.  The first storage error, or 0. */
static int drain(run *r, int wait)
{
    job *j;
    int rc = 0;
    while (r->pool && (j = kz_pool_take(r->pool, wait)) != NULL) {
        int r1 = store_job(r, j);
        if (r1 && !rc)
            rc = r1;
    }
    return rc;
}

/* Store every page out, then commit the frontier's writes with them. */
static int commit(run *r)
{
    drain(r, 1);                /* every page whose URL is done is stored first */
    r->in_tx = 0;
    r->batch = 0;
    if (r->failed)
        return r->rc;
    int rc = kz_frontier_commit(r->fr);
    return rc ? store_failed(r, rc) : 0;
}

static int set_buf(kz_buf *b, const char *s, size_t n)
{
    kz_buf_reset(b);
    int rc = n ? kz_buf_add(b, s, n) : 0;
    return rc ? rc : kz_buf_addc(b, '\0');
}

/* Queue a page for the scan, storing what is scanned to make room. */
static int submit(run *r, const kz_crawl_event *ce, const char *sha)
{
    int rc = drain(r, 0);
    while (!rc && kz_pool_out(r->pool) >= DEPTH) {
        job *done = kz_pool_take(r->pool, 1);
        if (done)
            rc = store_job(r, done);
    }
    if (rc)
        return rc;
    job *j = &r->jobs[r->submitted % DEPTH];
    if ((rc = set_buf(&j->url, ce->url, strlen(ce->url))) != 0 ||
        (rc = set_buf(&j->host, ce->host, strlen(ce->host))) != 0 ||
        (rc = set_buf(&j->lang, ce->lang, strlen(ce->lang))) != 0 ||
        (rc = set_buf(&j->text, ce->text, ce->text_len)) != 0)
        return rc;
    j->url.len--;               /* the lengths without the NUL */
    j->host.len--;
    j->lang.len--;
    j->text.len--;
    memcpy(j->sha, sha, sizeof j->sha);
    j->rc = 0;
    if ((rc = kz_pool_submit(r->pool, j)) != 0)
        return rc;
    r->submitted++;
    if (!r->threaded)           /* scanned already: stored at once */
        rc = drain(r, 0);
    return rc;
}

/* Has the source seen this text before?  1: yes (counted; its links are
 * not followed), 0: no (its hash recorded), < 0: a storage error. */
static int seen_content(run *r, const kz_crawl_event *ce, char sha[65])
{
    kz_sha256_hex(ce->text, ce->text_len, sha);
    int64_t id = kz_crawl_current_job(r->cr);
    if (id <= 0)
        return 0;
    int rc = kz_frontier_content(r->fr, id, sha);
    if (rc >= 0 && ce->charset && *ce->charset) {
        int r2 = kz_frontier_charset(r->fr, id, ce->charset, ce->charset_source);
        if (r2 < 0)
            rc = r2;
    }
    if (rc < 0)
        return store_failed(r, rc);
    if (rc == KZ_FRONTIER_NEW)
        return 0;
    if (rc == KZ_FRONTIER_UNCHANGED)
        r->s.unchanged++;
    else
        r->s.dup_content++;
    kz_crawl_skip_links(r->cr);
    return 1;
}

/* A crawled image: hashed, matched against the banks, stored on a match. */
static int on_image(run *r, const kz_crawl_event *ce)
{
    kz_crawler_event ev;
    kz_ingest_out out;
    int rc = begin_tx(r);
    if (rc)
        return rc;
    rc = kz_evidence_store_image(r->ev, ce->url, ce->host, ce->body, ce->body_len, &r->in_tx,
                                 &out);
    if (rc && kz_evidence_errmsg(r->ev)[0]) {  /* it does not decode: the crawl goes on */
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_CRAWLER_IMAGE_ERROR;
        ev.url = ce->url;
        ev.rc = rc;
        ev.why = kz_evidence_errmsg(r->ev);
        emit(r, &ev);
        return 0;
    }
    if (rc)
        return store_failed(r, rc);
    if (out.item_id) {
        r->s.flagged++;
        if (out.item_created)
            r->s.created++;
        else
            r->s.updated++;
        r->s.cases += out.cases_opened;
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_CRAWLER_STORED;
        ev.url = ce->url;
        ev.item_id = out.item_id;
        ev.created = out.item_created;
        ev.cases_opened = out.cases_opened;
        emit(r, &ev);
    }
    return 0;
}

static int on_page(void *arg, const kz_crawl_event *ce)
{
    run *r = arg;
    kz_crawler_event ev;
    char sha[65];
    int rc;
    if (r->failed || r->rc)
        return r->rc ? r->rc : KZ_EDB;
    switch (ce->what) {
    case KZ_CRAWL_PAGE:
        if ((rc = seen_content(r, ce, sha)) != 0)
            return rc < 0 ? rc : 0;
        return submit(r, ce, sha);
    case KZ_CRAWL_IMAGE:
        return on_image(r, ce);
    case KZ_CRAWL_ERROR:
    case KZ_CRAWL_HTTP:
        if (ce->is_seed)
            r->s.seeds_failed++;
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_CRAWLER_FETCH;
        ev.page = ce;
        ev.url = ce->fetched_url;
        ev.why = ce->errmsg;
        emit(r, &ev);
        return 0;
    default:
        return 0;
    }
}

/* ---- the run --------------------------------------------------------------- */

int kz_crawler_user_agent(const char *contact, char *out, size_t outsz)
{
    if (contact && (!*contact || strpbrk(contact, "()\r\n")))
        return KZ_EINVAL;
    int n = contact ? snprintf(out, outsz, "kuzet/%s (+%s)", KZ_VERSION, contact)
                    : snprintf(out, outsz, "kuzet/%s", KZ_VERSION);
    return n < 0 || (size_t)n >= outsz ? KZ_ETOOBIG : 0;
}

static int regex_ok(const char *re)
{
    regex_t rx;
    if (!re)
        return 1;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    regfree(&rx);
    return 1;
}

/* Add the seeds of o->seeds: one URL a line; a bad one is an event. */
static int add_seeds(run *r)
{
    const char *p = r->o->seeds, *end = p + r->o->seeds_len;
    kz_buf line;
    size_t lineno = 0;
    int rc = 0;
    kz_buf_init(&line, KZ_BUF_NOLIMIT);
    while (p && p < end && !rc && !r->rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *s = p;
        p = nl ? nl + 1 : end;
        lineno++;
        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (s == e || *s == '#')
            continue;
        if ((rc = set_buf(&line, s, (size_t)(e - s))) != 0)
            break;
        const char *why = NULL;
        rc = kz_crawl_add_seed(r->cr, line.p, &why);
        if (rc == KZ_EINVAL) {
            kz_crawler_event ev;
            memset(&ev, 0, sizeof ev);
            ev.what = KZ_CRAWLER_BAD_SEED;
            ev.url = line.p;
            ev.line = lineno;
            ev.why = why ? why : "bad URL";
            r->s.bad_seeds++;
            emit(r, &ev);
            rc = 0;
            continue;
        }
        if (rc == KZ_EDB || rc == KZ_EBUSY)
            rc = store_failed(r, rc);
        else if (!rc)
            r->s.seeds++;
    }
    kz_buf_release(&line);
    return rc ? rc : r->rc;
}

/* Sign where the audit log stands after this run (store/audit.h). */
static void checkpoint(run *r)
{
    char path[1024], line[512];
    kz_crawler_event ev;
    if (r->o->audit_key)
        snprintf(path, sizeof path, "%s", r->o->audit_key);
    else
        kz_audit_key_path(r->st, path, sizeof path);
    memset(&ev, 0, sizeof ev);
    ev.what = KZ_CRAWLER_CHECKPOINT;
    ev.rc = kz_audit_checkpoint(r->st, path, line, sizeof line);
    ev.why = ev.rc == 0 ? line : ev.rc == KZ_ENOTFOUND ? "the audit log is empty"
                                                         : kz_store_errmsg(r->st);
    ev.key_path = path;
    ev.key_exposed = ev.rc == 0 && kz_audit_key_exposed(path);
    r->s.checkpoint = ev.rc ? ev.rc : 1;
    emit(r, &ev);
}

static void jobs_release(run *r)
{
    for (size_t i = 0; i < DEPTH; i++) {
        job *j = &r->jobs[i];
        kz_buf_release(&j->url);
        kz_buf_release(&j->host);
        kz_buf_release(&j->lang);
        kz_buf_release(&j->text);
        free(j->hits);
        free(j->score);
        free(j->flagged);
    }
}

/* The fetch loop, committing as it goes, until it ends, fails or is
 * stopped. */
static void crawl_loop(run *r)
{
    const kz_crawler_opts *o = r->o;
    int64_t t0 = now_ms(), last_commit = t0;
    int rc;
    kz_crawler_event ev;
    for (;;) {
        rc = kz_crawl_run(r->cr, r->threaded ? 100 : 250, on_page, r);
        int64_t now = now_ms();
        int stop = o->stop && *o->stop;
        if (rc <= 0 || r->failed || r->rc || stop || now - last_commit >= 1000 ||
            (r->threaded && now - last_commit >= 100)) {
            commit(r);
            last_commit = now;
        }
        r->s.elapsed_ms = now_ms() - t0;
        kz_crawl_get_stats(r->cr, &r->s.crawl);
        if (stop)
            r->s.interrupted = 1;
        if ((rc == KZ_EDB || rc == KZ_EBUSY) && !r->failed)
            store_failed(r, rc);        /* the frontier's: its message says what */
        if (rc < 0 && !r->rc)
            r->rc = rc;
        if (rc <= 0 || r->failed || r->rc || stop)
            break;
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_CRAWLER_PROGRESS;
        emit(r, &ev);
    }
    commit(r);
    kz_pool_free(&r->pool);     /* no job is out: commit stored them all */
    commit(r);
    r->s.elapsed_ms = now_ms() - t0;
    kz_crawl_get_stats(r->cr, &r->s.crawl);
}

int kz_crawler_run(const kz_crawler_opts *o, kz_crawler_stats *stats)
{
    run r;
    kz_crawl_opts co;
    kz_frontier_info fi;
    kz_frontier_ops ops;
    kz_crawler_event ev;
    char ua[512];
    int rc = KZ_EINVAL;
    memset(&r, 0, sizeof r);
    memset(&co, 0, sizeof co);
    r.o = o;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!o || !o->scanner || !o->store || !regex_ok(o->include) || !regex_ok(o->exclude) ||
        (o->source && !kz_frontier_name_ok(o->source)) ||
        kz_crawler_user_agent(o->contact, ua, sizeof ua) != 0)
        goto out;
    r.st = o->store;
    r.threaded = !o->one_thread;
    r.ncats = kz_scanner_ncats(o->scanner);
    unsigned depth = o->depth_set ? o->depth : KZ_CRAWLER_DEPTH;
    co.agent = "kuzet";
    co.fetch.user_agent = ua;
    co.fetch.max_body = o->max_body ? o->max_body : KZ_CRAWLER_MAX_BODY;
    kz_fetch_opts_timeout(&co.fetch, o->timeout_ms ? o->timeout_ms : KZ_CRAWLER_TIMEOUT_MS);
    co.fetch.max_parallel = o->parallel ? o->parallel : KZ_CRAWLER_PARALLEL;
    co.fetch.allow_private = o->allow_private;
    co.fetch.allow_addr = o->allow_addr;
    co.max_depth = depth;
    co.max_pages = o->max_pages ? o->max_pages : KZ_CRAWLER_MAX_PAGES;
    co.delay_ms = o->delay_ms < 0 ? 0 : o->delay_ms ? o->delay_ms : KZ_CRAWLER_DELAY_MS;
    co.per_host = o->per_host ? o->per_host : 1;
    co.same_host = o->same_host;
    co.include = o->include;
    co.exclude = o->exclude;
    rc = KZ_EINTERNAL;
    if (kz_fetch_global_init() != 0)
        goto out;
    /* with scan threads only the crawl loop commits (after the pool is drained) */
    kz_frontier_opts fo = { o->recrawl_secs, r.threaded ? SIZE_MAX : 0, (int)depth,
                            co.same_host, co.include, co.exclude, o->shared,
                            o->shared ? o->origin : NULL };
    const char *source = o->source ? o->source : "default";
    if ((rc = kz_frontier_open(&r.fr, r.st, source, &fo, &fi)) != 0)
        goto out;               /* the store's message says why */
    memset(&ev, 0, sizeof ev);
    ev.what = KZ_CRAWLER_SOURCE;
    ev.created_source = fi.created;
    ev.new_pass = fi.new_pass;
    ev.queued = fi.queued;
    ev.due = fi.due;
    ev.done = fi.done;
    if (emit(&r, &ev) != 0) {
        rc = r.rc;
        goto out;
    }
    kz_frontier_bind(r.fr, &ops);
    co.frontier = &ops;
    if ((rc = kz_crawl_new(&r.cr, &co)) != 0)
        goto out;
    if ((rc = add_seeds(&r)) != 0)
        goto out;
    if (r.s.seeds == 0) {
        rc = KZ_EINVAL;
        goto out;
    }
    rc = KZ_ENOMEM;
    unsigned nthreads = r.threaded ? (o->threads ? o->threads : 1) : 0;
    if ((rc = kz_evidence_new(&r.ev, r.st, o->scanner)) != 0)
        goto out;
    kz_store_bulk(r.st);
    rc = KZ_ENOMEM;
    r.ncx = nthreads ? nthreads : 1;
    if (!(r.cx = kz_calloc(r.ncx, sizeof *r.cx)))
        goto out;
    for (unsigned i = 0; i < r.ncx; i++)
        if (!(r.cx[i] = kz_scan_ctx_new(o->scanner)))
            goto out;
    for (size_t i = 0; i < DEPTH; i++) {
        job *j = &r.jobs[i];
        kz_buf_init(&j->url, KZ_BUF_NOLIMIT);
        kz_buf_init(&j->host, KZ_BUF_NOLIMIT);
        kz_buf_init(&j->lang, KZ_BUF_NOLIMIT);
        kz_buf_init(&j->text, KZ_BUF_NOLIMIT);
        if (!(j->score = kz_calloc(r.ncats + 1, sizeof *j->score)) ||
            !(j->flagged = kz_calloc(r.ncats + 1, 1)))
            goto out;
    }
    if ((rc = kz_pool_new(&r.pool, nthreads, DEPTH, scan_job, &r)) != 0)
        goto out;
    crawl_loop(&r);
    if (!o->no_checkpoint && (r.s.created || r.s.updated || r.s.cases))
        checkpoint(&r);
    rc = r.rc;
out:
    if (r.pool) {               /* stopped before the loop: nothing stored */
        kz_pool_free(&r.pool);
        kz_frontier_rollback(r.fr);
    }
    if (r.cr)
        kz_crawl_get_stats(r.cr, &r.s.crawl);
    kz_crawl_free(&r.cr);
    if (kz_frontier_close(&r.fr) != 0 && rc == 0) {
        rc = KZ_EDB;
        r.failed = 0;
        store_failed(&r, rc);
    }
    kz_evidence_free(&r.ev);
    if (r.cx)
        for (unsigned i = 0; i < r.ncx; i++)
            kz_scan_ctx_free(r.cx[i]);
    free(r.cx);
    jobs_release(&r);
    if (stats)
        *stats = r.s;
    return rc;
}
