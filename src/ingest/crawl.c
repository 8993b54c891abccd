/*
 * ingest/crawl.c - the crawl's handle and scheduler: politeness, robots.txt
 * first, origins served in turn (the other parts: ingest/crawl_int.h).
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
#include "ingest/crawl_int.h"

/* ---- scheduling ---- */

static int kz__crawl_start(kz_crawl *c, struct origin *o, int is_robots, struct job *j)
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

/* Start what may kz__crawl_start on origin o.  0 or an error. */
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
            if ((rc = kz__crawl_start(c, o, 1, NULL)) != 0)
                return rc;
            o->robots_state = 1;
            return 0;
        }
        struct job *j = &o->q[o->qhead++];
        c->cur_id = j->fid;
        if (o->fail_kind) {
            c->st.errors++;
            c->st.by_kind[o->fail_kind]++;
            kz__crawl_emit(c, KZ_CRAWL_ERROR, j, j->url, 0, o->fail_kind, o->fail_msg, NULL, 0, NULL);
            kz__crawl_job_done(c, j, kz_fetch_kind_name(o->fail_kind), 0);
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
            kz__crawl_emit(c, KZ_CRAWL_ROBOTS, j, j->url, 0, KZ_FETCH_OK, why, NULL, 0, NULL);
            kz__crawl_job_done(c, j, "robots", 0);
            c->cur_id = 0;
            free(j->url);
            j->url = NULL;
            continue;
        }
        c->cur_id = 0;
        if ((rc = kz__crawl_start(c, o, 0, j)) != 0)
            return rc;
        c->started++;
        if (o->delay_ms > 0)             /* with several in flight, space the starts */
            o->next_ms = now + o->delay_ms;
    }
    return 0;
}

/* Start what may kz__crawl_start, visiting the origins from a rotating kz__crawl_start so that
 * none is always served first; *wait_ms is lowered to when the next origin
 * is ready.  Returns 1 when something is queued or in flight, 0 when the
 * crawl is over, or an error. */
static int kz__crawl_schedule(kz_crawl *c, int64_t now, int64_t *wait_ms)
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
        int rc = c->fr.origins(c->fr.self, kz__crawl_origin_known, c);
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
        int rc = kz__crawl_schedule(c, now, &wait);
        if (rc < 0)
            return rc;
        if (c->stop_rc)
            return c->stop_rc;
        if (rc == 0)
            return 0;
        if (kz_fetch_running(c->f) > 0) {
            if ((rc = kz_fetch_poll(c->f, (int)KZ_MIN(wait, 1000), kz__crawl_on_done, c)) < 0)
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
        c->fr = (kz_frontier_ops){ c->mem, kz__crawl_mem_add, kz__crawl_mem_claim, kz__crawl_mem_take, kz__crawl_mem_done,
                                     kz__crawl_mem_origins, kz__crawl_mem_queued };
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
        kz__crawl_origin_free(c->org[i]);
    free(c->org);
    kz_hset_release(&c->oidx);
    kz__crawl_mem_free(c->mem);
    free(c->cache);
    if (c->has_inc)
        regfree(&c->inc);
    if (c->has_exc)
        regfree(&c->exc);
    for (size_t i = 0; i < c->nscope; i++)
        free(c->scope[i].name);
    free(c->scope);
    kz_buf_release(&c->text);
    kz__crawl_content_free(c->ct);
    kz_url_release(&c->u);
    free(c->agent);
    free(c);
    *cp = NULL;
}

int kz_crawl_add_seed(kz_crawl *c, const char *url, const char **why)
{
    c->why[0] = '\0';
    int rc = kz__crawl_enqueue(c, NULL, url, 0, c->nseeds, 1, JOB_PAGE);
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
