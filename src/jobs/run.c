/*
 * jobs/run.c - one leased job done through the pipeline's calls, under its
 * lease (jobs/run.h).
 */
#include "jobs/run.h"
#include "pipeline/crawler.h"
#include "pipeline/ingest.h"
#include "pipeline/verifier.h"
#include "case/case.h"
#include "case/deliver.h"
#include "pipeline/evidence.h"
#include "ingest/fetch.h"
#include "ingest/image.h"
#include "url/url.h"
#include "util/buf.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <unistd.h>

#define KZ_EINTR_STOP 1                     /* verify_stop's "stop" (not a KZ_E* code) */

static void say(kz_jobs_result *res, const char *fmt, ...) KZ_PRINTF(2, 3);
static void say(kz_jobs_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->why, sizeof res->why, fmt, ap);
    va_end(ap);
}

/* ---- crawl ---- */

struct source {
    char   *seeds, *include, *exclude;
    int     depth, same_host, allow_private;
    int64_t delay_ms;
};

static char *col_dup(kz_dbres *r, int col)
{
    size_t n = 0;
    const char *s = kz_dbres_text(r, col, &n);
    char *d = s ? malloc(n + 1) : NULL;
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int read_source(kz_store *st, int64_t id, struct source *s)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    int rc = kz_db_query(kz_store_db(st), "SELECT seeds, include_re, exclude_re, depth, "
                                          "same_host, allow_private, delay_ms FROM crawl_sources "
                                          "WHERE id = $1", p, 1, &r);
    if (rc)
        return rc;
    if ((rc = kz_dbres_next(r)) == 1) {
        s->seeds = col_dup(r, 0);
        s->include = col_dup(r, 1);
        s->exclude = col_dup(r, 2);
        s->depth = kz_dbres_null(r, 3) ? KZ_CRAWLER_DEPTH : (int)kz_dbres_int(r, 3);
        s->same_host = (int)kz_dbres_int(r, 4);
        s->allow_private = (int)kz_dbres_int(r, 5);
        s->delay_ms = kz_dbres_null(r, 6) ? KZ_CRAWLER_DELAY_MS : kz_dbres_int(r, 6);
        rc = s->seeds ? 0 : KZ_ENOTFOUND;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    return rc;
}

static int crawl_job(const kz_jobs_env *env, kz_job *j, kz_jobs_result *res)
{
    struct source s;
    kz_crawler_stats cs;
    memset(&s, 0, sizeof s);
    int rc = read_source(env->store, j->source_id, &s);
    if (rc) {
        say(res, "source %lld: %s", (long long)j->source_id,
            rc == KZ_ENOTFOUND ? "not found or has no seeds" : kz_store_errmsg(env->store));
        goto out;
    }
    kz_crawler_opts o;
    memset(&o, 0, sizeof o);
    o.scanner = env->scanner;
    o.store = env->store;
    o.source = j->source;
    o.seeds = s.seeds;
    o.seeds_len = strlen(s.seeds);
    o.depth = (unsigned)(s.depth < 0 ? 0 : s.depth);
    o.depth_set = 1;
    o.max_pages = j->origin_id ? (env->slice_pages ? env->slice_pages : 100) : 1;
    o.delay_ms = s.delay_ms > 0 ? (long)s.delay_ms : -1;
    o.per_host = 1;
    o.timeout_ms = env->timeout_ms;
    o.contact = env->contact;
    o.same_host = s.same_host;
    o.include = s.include;
    o.exclude = s.exclude;
    o.allow_private = s.allow_private;
    o.threads = env->threads ? env->threads : 1;
    o.no_checkpoint = 1;            /* every transaction signs itself (the store's signer) */
    o.shared = 1;
    o.origin = j->origin_id ? (j->origin ? j->origin : "") : "";    /* "": the seeds only */
    o.stop = env->stop;
    kz_queue_hold(env->queue, j, 0);
    rc = kz_crawler_run(&o, &cs);
    res->pages = (int64_t)cs.crawl.pages;
    res->created = (int64_t)cs.created;
    res->cases = (int64_t)cs.cases;
    if (rc)
        say(res, "crawl %s %s: %s", j->source ? j->source : "?", j->origin ? j->origin : "(seeds)",
            rc == KZ_EDB || rc == KZ_EBUSY || rc == KZ_ESTATE ? kz_store_errmsg(env->store)
                                                             : kz_strerror(rc));
    else
        say(res, "crawl %s %s: %zu pages, %zu new items, %zu cases", j->source ? j->source : "?",
            j->origin ? j->origin : "(seeds)", cs.crawl.pages, cs.created, cs.cases);
out:
    free(s.seeds);
    free(s.include);
    free(s.exclude);
    /* the next lease of this host waits the delay, as the crawl would */
    res->ok = rc == 0;
    return kz_queue_finish(env->queue, j, res->ok, rc ? res->why : NULL,
                           s.delay_ms > 0 ? s.delay_ms : 0);
}

/* ---- ingest ---- */

struct chunk {
    int     fd;
    int64_t off, end;
};

static ssize_t chunk_read(void *ctx, void *buf, size_t n)
{
    struct chunk *c = ctx;
    if (c->off >= c->end)
        return 0;
    if ((int64_t)n > c->end - c->off)
        n = (size_t)(c->end - c->off);
    ssize_t r;
    do
        r = pread(c->fd, buf, n, (off_t)c->off);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        c->off += r;
    return r;
}

struct ingest_ev {
    kz_jobs_result *res;
    char first[256];
};

static int ingest_event(void *ctx, const kz_ingest_event *ev)
{
    struct ingest_ev *ie = ctx;
    if ((ev->what == KZ_INGEST_STORE_ERROR || ev->what == KZ_INGEST_INPUT_ERROR) &&
        !ie->first[0])
        snprintf(ie->first, sizeof ie->first, "%s", ev->why ? ev->why : "");
    return 0;
}

int kz_jobs_queue_image(void *ctx, kz_store *st, const char *url, size_t url_len, int64_t item_id,
                        const char *post_url, size_t post_url_len)
{
    int added = 0;
    (void)ctx;
    int rc = kz_queue_add_hash(st, url, url_len, item_id, post_url, post_url_len, &added);
    return rc == KZ_EINVAL ? 0 : rc ? rc : 1;   /* not http(s): nothing to fetch */
}

static int ingest_job(const kz_jobs_env *env, kz_job *j, kz_jobs_result *res)
{
    struct chunk c = { -1, j->off_start, j->off_end };
    struct ingest_ev ie;
    int rc = KZ_EIO;
    memset(&ie, 0, sizeof ie);
    ie.res = res;
    if (!j->path || (c.fd = open(j->path, O_RDONLY | O_CLOEXEC)) < 0) {
        say(res, "%s: cannot open: %s", j->path ? j->path : "(no path)", strerror(errno));
        goto out;
    }
    kz_ingest_input in;
    memset(&in, 0, sizeof in);
    in.read = chunk_read;
    in.read_ctx = &c;
    in.name = j->path;
    kz_ingest_opts o;
    memset(&o, 0, sizeof o);
    o.scanner = env->scanner;
    o.store = env->store;
    o.threads = env->threads ? env->threads : 1;
    o.no_checkpoint = 1;
    o.batch = (size_t)(j->off_end - j->off_start) + 1;     /* the chunk is one batch */
    o.on_event = ingest_event;
    o.ctx = &ie;
    o.on_image_url = kz_jobs_queue_image;
    kz_ingest_stats s;
    kz_queue_hold(env->queue, j, 1);
    rc = kz_ingest_run(&o, &in, 1, &s);
    res->records = (int64_t)s.records;
    res->created = (int64_t)s.created;
    res->cases = (int64_t)s.cases;
    res->images = (int64_t)s.image_urls;
    if (!rc && s.inputs_failed)
        rc = KZ_EIO;
    if (rc)
        say(res, "ingest %s@%lld: %s", j->path, (long long)j->off_start,
            ie.first[0] ? ie.first : kz_strerror(rc));
    else
        say(res, "ingest %s@%lld: %zu records, %zu rejected, %zu new items, %zu cases, "
            "%zu images queued", j->path, (long long)j->off_start, s.records, s.rejected,
            s.created, s.cases, s.image_urls);
out:
    if (c.fd >= 0)
        close(c.fd);
    res->ok = rc == 0;
    return kz_queue_finish(env->queue, j, res->ok, rc ? res->why : NULL, 0);
}

/* ---- hash ---- */

struct got {
    int    done, kind;
    long   status;
    kz_buf body;
    char   why[256];
};

static void got_image(void *arg, const kz_fetch_result *r)
{
    struct got *g = arg;
    g->done = 1;
    g->kind = r->kind;
    g->status = r->status;
    snprintf(g->why, sizeof g->why, "%s", r->errmsg ? r->errmsg : "");
    if (r->kind == KZ_FETCH_OK && kz_buf_add(&g->body, r->body, r->body_len) != 0)
        snprintf(g->why, sizeof g->why, "out of memory");
}

/* GET url into g (one transfer, waited for; stops early when asked). */
static int fetch_image(const kz_jobs_env *env, const char *url, struct got *g)
{
    char ua[512];
    kz_fetch *f = NULL;
    kz_fetch_opts fo;
    memset(&fo, 0, sizeof fo);
    if (kz_crawler_user_agent(env->contact, ua, sizeof ua) != 0)
        return KZ_EINVAL;
    fo.user_agent = ua;
    fo.max_body = KZ_IMAGE_MAX_BYTES;
    fo.max_parallel = 1;
    fo.allow_private = env->allow_private;
    kz_fetch_opts_timeout(&fo, env->timeout_ms ? env->timeout_ms : 30000);
    int rc = kz_fetch_new(&f, &fo);
    if (rc == 0)
        rc = kz_fetch_add(f, url, NULL);
    while (rc == 0 && !g->done && !(env->stop && *env->stop)) {
        int n = kz_fetch_poll(f, 200, got_image, g);
        if (n < 0)
            rc = n;
    }
    kz_fetch_free(&f);
    return rc ? rc : g->done ? 0 : KZ_EINTR_STOP;
}

static int hash_job(const kz_jobs_env *env, kz_job *j, kz_jobs_result *res)
{
    struct got g;
    kz_evidence *ev = NULL;
    kz_url u;
    kz_ingest_out out;
    int rc, ok = 0, in_tx = 0;
    const char *url = j->path ? j->path : "";
    memset(&g, 0, sizeof g);
    kz_buf_init(&g.body, KZ_IMAGE_MAX_BYTES + 1);
    kz_url_init(&u);
    if ((rc = fetch_image(env, url, &g)) != 0) {
        say(res, "hash %s: %s", url, rc == KZ_EINTR_STOP ? "stopped" : kz_strerror(rc));
        goto out;
    }
    if (g.kind == KZ_FETCH_URL || g.kind == KZ_FETCH_BLOCKED || g.kind == KZ_FETCH_BODYSIZE ||
        g.kind == KZ_FETCH_HEADSIZE || g.kind == KZ_FETCH_REDIRECTS) {
        say(res, "hash %s: not hashed: %s", url, g.why);   /* the same every time */
        ok = 1;
        goto out;
    }
    if (g.kind != KZ_FETCH_OK || g.status >= 500 || g.why[0]) {
        say(res, "hash %s: %s", url, g.kind != KZ_FETCH_OK || g.why[0] ? g.why : "server error");
        goto out;                               /* leased again after a backoff */
    }
    if (g.status != 200) {                      /* gone, refused: nothing to hash, ever */
        say(res, "hash %s: HTTP %ld, not hashed", url, g.status);
        ok = 1;
        goto out;
    }
    char host[256] = "";
    if (kz_url_parse(&u, url, strlen(url)) == 0)
        snprintf(host, sizeof host, "%.*s", (int)u.host_len, u.text.p + u.host_off);
    if ((rc = kz_evidence_new(&ev, env->store, NULL)) != 0) {
        say(res, "hash %s: %s", url, kz_strerror(rc));
        goto out;
    }
    kz_queue_hold(env->queue, j, 1);            /* completed with what it stores */
    rc = kz_evidence_store_fetched(ev, url, host, g.body.p ? g.body.p : "", g.body.len,
                                   j->item_id, j->ref, &in_tx, &out);
    if (rc == 0 && in_tx)
        rc = kz_store_commit(env->store);
    if (rc && in_tx)
        kz_store_rollback(env->store);
    if (rc == KZ_ESTATE) {
        kz_evidence_free(&ev);
        kz_buf_release(&g.body);
        kz_url_release(&u);
        return rc;
    }
    if (rc == 0) {
        ok = 1;
        res->images = 1;
        res->created = out.item_created;
        res->cases = (int64_t)out.cases_opened;
        say(res, "hash %s: %s", url, out.item_id ? "matched a block bank" : "no match");
    } else if (rc == KZ_EDB || rc == KZ_EBUSY || rc == KZ_ENOMEM) {
        say(res, "hash %s: %s", url, rc == KZ_ENOMEM ? kz_strerror(rc)
                                                       : kz_store_errmsg(env->store));
    } else {                                    /* not an image: said, and done */
        say(res, "hash %s: not hashed: %s", url, kz_evidence_errmsg(ev));
        ok = 1;
    }
out:
    kz_evidence_free(&ev);
    kz_buf_release(&g.body);
    kz_url_release(&u);
    res->ok = ok;
    return kz_queue_finish(env->queue, j, ok, ok ? NULL : res->why, 0);
}

/* ---- ticks ---- */

static int recrawl(kz_store *st, int64_t *moved)
{
    int64_t n = 0;
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(st),
                         "UPDATE crawl_urls u SET state = 'queued' FROM crawl_sources s WHERE "
                         "u.source_id = s.id AND s.recrawl_secs > 0 AND u.state = 'done' AND "
                         "u.origin_id IS NOT NULL AND u.fetched_at < to_char((now() AT TIME ZONE "
                         "'UTC') - s.recrawl_secs * interval '1 second', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') RETURNING u.id", NULL, 0, &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1)
        n++;
    kz_dbres_done(r);
    *moved = n;
    return rc < 0 ? rc : kz_queue_sync_frontier(st, 0, NULL);
}

/* The verifier's callback: stop between two checks when asked to (what
 * was checked is recorded; the rest is still due). */
static int verify_stop(void *ctx, const kz_verify_check *c, const kz_check_effect *e,
                       const kz_verifier_stats *s)
{
    volatile sig_atomic_t *stop = ctx;
    (void)c, (void)e, (void)s;
    return stop && *stop ? KZ_EINTR_STOP : 0;
}

static int tick_job(const kz_jobs_env *env, kz_job *j, kz_jobs_result *res)
{
    kz_actor *a = NULL;
    const char *name = j->key ? j->key : "";
    int rc = kz_account_system(&a, env->store);
    if (rc)
        goto out;
    if (!strcmp(name, "overdue")) {
        size_t moved = 0;
        kz_queue_hold(env->queue, j, 1);     /* completed with the cases it moves */
        rc = kz_case_check_overdue(a, &moved);
        res->moved = (int64_t)moved;
        say(res, "overdue: %zu cases marked overdue and escalated", moved);
    } else if (!strcmp(name, "verify")) {
        kz_verifier_opts vo;
        kz_verifier_stats vs;
        memset(&vo, 0, sizeof vo);
        vo.actor = a;
        vo.on_check = verify_stop;
        vo.ctx = (void *)env->stop;
        kz_queue_hold(env->queue, j, 0);
        rc = kz_verifier_run(&vo, &vs);
        if (rc == KZ_EINTR_STOP)
            rc = 0;                         /* stopped: the rest is due next time */
        res->moved = (int64_t)vs.checked;
        say(res, "verify: %zu checked, %zu gone, %zu present, %zu errors", vs.checked, vs.gone,
            vs.present, vs.errors);
    } else if (!strcmp(name, "recrawl")) {
        rc = recrawl(env->store, &res->moved);
        say(res, "recrawl: %lld URLs due again", (long long)res->moved);
    } else if (!strcmp(name, "purge")) {
        size_t purged = 0;
        kz_queue_hold(env->queue, j, 1);
        rc = kz_case_purge(a, env->purge_days ? env->purge_days : KZ_RETENTION_DAYS, &purged);
        res->moved = (int64_t)purged;
        say(res, "purge: evidence of %zu items dropped", purged);
    } else if (!strcmp(name, "notices")) {
        kz_deliver_opts o = { env->smtp_url, env->mail_from, 0, 0, 0 };
        kz_deliver_stats ds;
        kz_queue_hold(env->queue, j, 0);     /* each attempt is its own transaction */
        rc = kz_notices_deliver(a, &o, &ds);
        res->moved = (int64_t)ds.sent;
        say(res, "notices: %zu attempts, %zu delivered, %zu failed, %zu escalations, %zu answers",
            ds.attempts, ds.sent, ds.failed, ds.escalations, ds.answers);
    } else if (!strcmp(name, "frontier")) {
        size_t made = 0;
        rc = kz_queue_sync_frontier(env->store, 0, &made);
        res->moved = (int64_t)made;
        say(res, "frontier: %zu crawl jobs made", made);
    } else {
        rc = KZ_EINVAL;
        say(res, "unknown tick '%s'", name);
    }
    if (rc && rc != KZ_EINVAL)
        say(res, "%s: %s", name, a && kz_account_errmsg(a)[0] ? kz_account_errmsg(a)
                                                               : kz_store_errmsg(env->store));
out:
    kz_account_logout(&a);
    res->ok = rc == 0;
    return kz_queue_finish(env->queue, j, res->ok, rc ? res->why : NULL, 0);
}

int kz_jobs_run(const kz_jobs_env *env, kz_job *j, kz_jobs_result *res)
{
    int rc;
    memset(res, 0, sizeof *res);
    if (!strcmp(j->kind, "crawl"))
        rc = crawl_job(env, j, res);
    else if (!strcmp(j->kind, "ingest"))
        rc = ingest_job(env, j, res);
    else if (!strcmp(j->kind, "hash"))
        rc = hash_job(env, j, res);
    else
        rc = tick_job(env, j, res);
    if (rc == KZ_ESTATE) {
        res->lease_lost = 1;
        res->ok = 0;
    }
    kz_queue_count(env->queue, res->ok ? res->pages : 0, res->ok ? res->records : 0);
    return rc;
}
