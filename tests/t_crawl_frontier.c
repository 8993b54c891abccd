/*
 * tests/t_crawl_frontier.c - the crawl frontier in the store
 * (store/frontier.h): the same checks on SQLite and, when $KUZET_TEST_PG is
 * set (see tests/t_store_pg.c), on PostgreSQL; and the whole thing end to
 * end (tests/crawl/resume.sh: a crawl SIGKILLed, resumed, interrupted,
 * resumed again; --recrawl; a new pass).
 */
#include "kt.h"
#include "kt_store.h"
#include "ingest/crawl.h"
#include "store/frontier.h"
#include <stdlib.h>
#include <unistd.h>

/* ---- helpers ---- */

struct got {
    int64_t  id[16];
    char     url[16][128];
    unsigned depth[16];
    int      kind[16];
    size_t   n;
};

static int collect(void *arg, const kz_frontier_job *j)
{
    struct got *g = arg;
    if (g->n >= 16)
        return -1;
    g->id[g->n] = j->id;
    snprintf(g->url[g->n], sizeof g->url[g->n], "%s", j->url);
    g->depth[g->n] = j->depth;
    g->kind[g->n] = j->kind;
    g->n++;
    return 0;
}

static int add(const kz_frontier_ops *ops, const char *origin, const char *path, unsigned depth,
               int is_seed, int kind)
{
    char url[256], key[300];
    snprintf(url, sizeof url, "%s%s", origin, path);
    snprintf(key, sizeof key, "80|%s", url);
    kz_frontier_job j = { 0, key, url, origin, depth, 0, is_seed, kind };
    return ops->add(ops->self, &j);
}

static int take(const kz_frontier_ops *ops, const char *origin, int64_t *cursor, size_t max,
                struct got *g)
{
    memset(g, 0, sizeof *g);
    return ops->take(ops->self, origin, cursor, max, collect, g);
}

static int n_origins;
static char origin_seen[4][64];
static int count_origin(void *arg, const char *o)
{
    (void)arg;
    if (n_origins < 4)
        snprintf(origin_seen[n_origins], sizeof origin_seen[0], "%s", o);
    n_origins++;
    return 0;
}

static int64_t sql_int(kz_store *s, const char *sql)
{
    int64_t v = -1;
    if (kz_db_int(kz_store_db(s), sql, NULL, 0, &v) != 0)
        kt_fail(__FILE__, __LINE__, "%s: %s", sql, kz_db_errmsg(kz_store_db(s)));
    return v;
}

#define A "http://a.example:80"
#define B "http://b.example:80"
#define SHA1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA2 "2222222222222222222222222222222222222222222222222222222222222222"

/* The checks, on a freshly migrated store s. */
static void frontier_checks(kz_store *s)
{
    kz_frontier *f = NULL;
    kz_frontier_info info;
    kz_frontier_ops ops;
    struct got g;
    int64_t ca = 0, cb = 0;

    KT_EQ_INT(kz_frontier_open(&f, s, "bad name", NULL, &info), KZ_EINVAL);
    KT_CHECK(f == NULL);
    KT_EQ_INT(kz_frontier_open(&f, s, "news.kz", NULL, &info), 0);
    if (!f)
        return;
    KT_EQ_INT(info.created, 1);
    KT_EQ_INT(info.new_pass, 1);
    KT_EQ_INT(info.queued, 0);
    kz_frontier_bind(f, &ops);

    /* adds are written in batches, and a take sees them */
    KT_CHECK(add(&ops, A, "/", 0, 1, 0) == 1);
    KT_CHECK(add(&ops, A, "/1", 1, 0, 0) >= 0);
    KT_CHECK(add(&ops, B, "/x", 1, 0, 1) >= 0);
    KT_CHECK(add(&ops, A, "/2", 1, 0, 0) >= 0);
    KT_CHECK(add(&ops, A, "/1", 2, 0, 0) >= 0);          /* known: not queued twice */
    KT_EQ_INT(take(&ops, A, &ca, 2, &g), 2);
    KT_EQ_STR(g.url[0], A "/");
    KT_EQ_STR(g.url[1], A "/1");
    KT_EQ_INT(g.depth[1], 1);
    KT_EQ_INT(take(&ops, A, &ca, 10, &g), 1);           /* FIFO, from the cursor on */
    KT_EQ_STR(g.url[0], A "/2");
    int64_t id2 = g.id[0];
    KT_EQ_INT(take(&ops, A, &ca, 10, &g), 0);
    KT_EQ_INT(take(&ops, B, &cb, 10, &g), 1);
    KT_EQ_INT(g.kind[0], 1);                             /* the kind is kept */
    int64_t idx = g.id[0];
    KT_EQ_INT(take(&ops, "http://c.example:80", &cb, 10, &g), 0);
    KT_EQ_INT(ops.queued(ops.self), 4);

    /* done; a redirect target claimed once */
    KT_EQ_INT(ops.done(ops.self, idx, "ok", 200), 0);
    KT_EQ_INT(ops.queued(ops.self), 3);
    KT_EQ_INT(ops.claim(ops.self, "80|" B "/moved", B "/moved"), 1);
    KT_EQ_INT(ops.claim(ops.self, "80|" B "/moved", B "/moved"), 0);
    KT_EQ_INT(ops.claim(ops.self, "80|" A "/2", A "/2"), 0);  /* queued: known */

    /* content: new, unchanged for the same URL, a duplicate for another */
    KT_EQ_INT(kz_frontier_content(f, idx, SHA1), KZ_FRONTIER_NEW);
    KT_EQ_INT(kz_frontier_content(f, idx, SHA1), KZ_FRONTIER_UNCHANGED);
    KT_EQ_INT(kz_frontier_content(f, id2, SHA1), KZ_FRONTIER_DUP);
    KT_EQ_INT(kz_frontier_content(f, id2, SHA2), KZ_FRONTIER_NEW);
    KT_EQ_INT(kz_frontier_commit(f), 0);
    /* each page's last hash is in its row (written on commit: id2 is not done) */
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls WHERE content_sha256 = '" SHA1 "'"), 1);
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls WHERE content_sha256 = '" SHA2 "'"), 1);
    /* a page's hash and charset go in with its done, in one row version */
    KT_EQ_INT(kz_frontier_content(f, idx, SHA2), KZ_FRONTIER_DUP);
    KT_EQ_INT(kz_frontier_charset(f, idx, "windows-1251", "detected"), 0);
    KT_EQ_INT(ops.done(ops.self, idx, "ok", 200), 0);
    KT_EQ_INT(kz_frontier_commit(f), 0);
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls WHERE content_sha256 = '" SHA2 "' AND "
                         "charset = 'windows-1251' AND charset_source = 'detected' AND "
                         "state = 'done' AND fetches = 2"), 1);
    KT_EQ_INT(kz_frontier_content(f, idx, SHA2), KZ_FRONTIER_UNCHANGED);

    /* a rollback loses what the open transaction held, nothing before */
    KT_EQ_INT(ops.done(ops.self, id2, "ok", 200), 0);
    KT_EQ_INT(kz_frontier_rollback(f), 0);
    KT_EQ_INT(kz_frontier_close(&f), 0);
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls WHERE state = 'done'"), 2);

    /* reopened: resumes with what is not done, origins with work listed */
    KT_EQ_INT(kz_frontier_open(&f, s, "news.kz", NULL, &info), 0);
    if (!f)
        return;
    KT_EQ_INT(info.created, 0);
    KT_EQ_INT(info.new_pass, 0);
    KT_EQ_INT(info.queued, 3);
    KT_EQ_INT(info.done, 1);                             /* the claimed URL is not counted */
    kz_frontier_bind(f, &ops);
    n_origins = 0;
    KT_EQ_INT(ops.origins(ops.self, count_origin, NULL), 0);
    KT_EQ_INT(n_origins, 1);
    KT_EQ_STR(origin_seen[0], A);
    ca = 0;
    KT_EQ_INT(take(&ops, A, &ca, 10, &g), 3);
    for (size_t i = 0; i < g.n; i++)
        KT_EQ_INT(ops.done(ops.self, g.id[i], "ok", 200), 0);
    KT_EQ_INT(kz_frontier_close(&f), 0);

    /* another source is another frontier */
    KT_EQ_INT(kz_frontier_open(&f, s, "other", NULL, &info), 0);
    if (!f)
        return;
    KT_EQ_INT(info.created, 1);
    kz_frontier_bind(f, &ops);
    KT_EQ_INT(add(&ops, A, "/1", 1, 0, 0), 1);
    ca = 0;
    KT_EQ_INT(take(&ops, A, &ca, 10, &g), 1);
    KT_EQ_INT(kz_frontier_close(&f), 0);

    /* all done: a new pass queues the seeds again, nothing else */
    KT_EQ_INT(kz_frontier_open(&f, s, "news.kz", NULL, &info), 0);
    if (!f)
        return;
    KT_EQ_INT(info.new_pass, 1);
    KT_EQ_INT(info.done, 4);
    kz_frontier_bind(f, &ops);
    KT_EQ_INT(add(&ops, A, "/", 0, 1, 0), 1);
    KT_CHECK(add(&ops, A, "/1", 1, 0, 0) >= 0);
    ca = 0;
    KT_EQ_INT(take(&ops, A, &ca, 10, &g), 1);
    KT_EQ_STR(g.url[0], A "/");
    KT_EQ_INT(ops.done(ops.self, g.id[0], "ok", 200), 0);
    KT_EQ_INT(kz_frontier_close(&f), 0);

    /* --recrawl: what was fetched longer ago is due again */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE crawl_urls SET fetched_at = "
                                         "'2020-01-01T00:00:00Z' WHERE url LIKE '%/1' OR "
                                         "url LIKE '%/2'"), 0);
    kz_frontier_opts o = { 3600, 2, 5, 1, "^https?://a\\.example", NULL, 0, NULL };
    KT_EQ_INT(kz_frontier_open(&f, s, "news.kz", &o, &info), 0);
    if (!f)
        return;
    KT_EQ_INT(info.due, 2);
    KT_EQ_INT(info.queued, 2);
    KT_EQ_INT(info.new_pass, 0);
    kz_frontier_bind(f, &ops);
    ca = 0;
    KT_EQ_INT(take(&ops, A, &ca, 10, &g), 2);
    /* batch 2: the second done commits; a rollback after it keeps both */
    KT_EQ_INT(ops.done(ops.self, g.id[0], "ok", 200), 0);
    KT_EQ_INT(ops.done(ops.self, g.id[1], "timeout", 0), 0);
    KT_EQ_INT(kz_frontier_rollback(f), 0);
    KT_EQ_INT(kz_frontier_close(&f), 0);
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls u JOIN crawl_sources c ON "
                         "c.id = u.source_id WHERE state = 'queued' AND c.name = 'news.kz'"), 0);
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls WHERE state = 'queued'"), 1);
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_urls WHERE outcome = 'timeout'"), 1);
    KT_EQ_INT(sql_int(s, "SELECT MAX(fetches) FROM crawl_urls"), 2);
    /* the settings of the last run, recorded with the source */
    KT_EQ_INT(sql_int(s, "SELECT COUNT(*) FROM crawl_sources WHERE name = 'news.kz' AND "
                         "recrawl_secs = 3600 AND depth = 5 AND same_host = 1 AND "
                         "include_re = '^https?://a\\.example' AND exclude_re IS NULL"), 1);
}

KT_TEST(crawl_frontier_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "frontier");
    if (!s)
        return;
    frontier_checks(s);
    kt_store_cleanup(&t, &s);
}

/* ---- PostgreSQL (KUZET_TEST_PG: a database of its own, kt_store.h) ---- */

KT_TEST(crawl_frontier_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "crawl_frontier_pg", "frontier");
    if (!s)
        return;
    frontier_checks(s);
    kt_store_pg_drop(&d, &s);
}

/* ---- end to end ---- */

/* tests/crawl/resume.sh with CRAWL_OPTS as given ("": the scan on a second
 * thread, pages committed only after those queued to it are stored;
 * "--one-thread": the scan on the crawl thread). */
static void resume_script(const char *opts)
{
    char shell[64], *out = NULL, *err = NULL;
    snprintf(shell, sizeof shell, "CRAWL_OPTS='%s' sh", opts);
    int rc = kt_run_script(shell, "tests/crawl/resume.sh", "", "sqlite3", &out, &err);
    if (rc < 0)
        return;
    KT_EQ_INT(rc, 0);
    if (!out || !strstr(out, "== end") || strstr(out, "FAIL"))
        kt_fail(__FILE__, __LINE__, "resume.sh:\n%s\n%s", out ? out : "", err ? err : "");
    if (out) {
        /* the figures the script checked, so that a silent script cannot pass */
        KT_CHECK(strstr(out, "ok: the second run resumed") != NULL);
        KT_CHECK(strstr(out, "ok: the interruption was reported") != NULL);
        KT_CHECK(strstr(out, "ok: the third run resumed") != NULL);
        KT_CHECK(strstr(out, "ok: items (flagged pages, copy.html not stored): 300/300") != NULL);
        KT_CHECK(strstr(out, "ok: distinct pages fetched: 3001") != NULL);
        KT_CHECK(strstr(out, "ok: re-fetched ") != NULL);
        KT_CHECK(strstr(out, "ok: 2999 unchanged") != NULL);
        KT_CHECK(strstr(out, "ok: connections used: ") != NULL);
        KT_CHECK(strstr(out, "ok: new pass fetched only the seed: /p0.html") != NULL);
    }
    free(out);
    free(err);
}

KT_TEST(crawl_frontier_resume)
{
    resume_script("");
}

KT_TEST(crawl_frontier_resume_one_thread)
{
    resume_script("--one-thread");
}

/* ---- the crawler and its frontier interface (no server: port 1 refuses) ---- */

struct mock {
    int     adds, origins, takes, dones;
    char    keys[4][128];
    char    outcome[4][32];
    int64_t done_id[4];
    int64_t seen_in_event[4];
    int     nevents;
    kz_crawl *c;
};

static int mock_add(void *self, const kz_frontier_job *j)
{
    struct mock *m = self;
    if (m->adds < 4)
        snprintf(m->keys[m->adds], sizeof m->keys[0], "%s %s %u %d", j->key, j->origin, j->depth,
                 j->is_seed);
    m->adds++;
    return 1;
}
static int mock_claim(void *self, const char *key, const char *url)
{
    (void)self; (void)key; (void)url;
    return 1;
}
static int mock_take(void *self, const char *origin, int64_t *cursor, size_t max,
                     kz_frontier_job_fn fn, void *arg)
{
    struct mock *m = self;
    static const int64_t ids[] = { 7, 9 };
    int n = 0;
    m->takes++;
    KT_EQ_STR(origin, "http://127.0.0.1:1");
    for (size_t i = 0; i < 2 && (size_t)n < max; i++) {
        if (ids[i] <= *cursor)
            continue;
        kz_frontier_job j = { ids[i], "", i ? "http://127.0.0.1:1/b" : "http://127.0.0.1:1/a",
                           origin, 0, (int)i, 1, 0 };
        if (fn(arg, &j) < 0)
            return -1;
        *cursor = ids[i];
        n++;
    }
    return n;
}
static int mock_done(void *self, int64_t id, const char *outcome, long status)
{
    struct mock *m = self;
    (void)status;
    if (m->dones < 4) {
        m->done_id[m->dones] = id;
        snprintf(m->outcome[m->dones], sizeof m->outcome[0], "%s", outcome);
    }
    m->dones++;
    return 0;
}
static int mock_origins(void *self, kz_frontier_origin_fn fn, void *arg)
{
    struct mock *m = self;
    m->origins++;
    return fn(arg, "http://127.0.0.1:1");
}
static size_t mock_queued(void *self) { return (size_t)(2 - ((struct mock *)self)->dones); }

static int on_ev(void *arg, const kz_crawl_event *ev)
{
    struct mock *m = arg;
    if (ev->what == KZ_CRAWL_ERROR && m->nevents < 4 && m->c)
        m->seen_in_event[m->nevents] = kz_crawl_current_job(m->c);
    m->nevents++;
    return 0;
}

static void opts_for_loopback(kz_crawl_opts *o)
{
    memset(o, 0, sizeof *o);
    o->agent = "kuzet";
    o->fetch.user_agent = "kuzet/test";
    o->fetch.allow_private = 1;
    o->fetch.timeout_ms = 3000;
    o->per_host = 2;
}

static void run_to_end(kz_crawl *c, kz_crawl_fn fn, void *arg)
{
    int rc, rounds = 0;
    while ((rc = kz_crawl_run(c, 1000, fn, arg)) == 1 && ++rounds < 10)
        ;
    KT_EQ_INT(rc, 0);
}

KT_TEST(crawl_frontier_interface)
{
    KT_EQ_INT(kz_fetch_global_init(), 0);
    struct mock m;
    memset(&m, 0, sizeof m);
    kz_frontier_ops fr = { &m, mock_add, mock_claim, mock_take, mock_done, mock_origins,
                             mock_queued };
    kz_crawl_opts o;
    opts_for_loopback(&o);
    o.frontier = &fr;
    kz_crawl *c = NULL;
    KT_EQ_INT(kz_crawl_new(&c, &o), 0);
    if (!c)
        return;
    m.c = c;
    const char *why = NULL;
    KT_EQ_INT(kz_crawl_add_seed(c, "http://127.0.0.1:1/a#frag", &why), 0);
    KT_EQ_INT(kz_crawl_add_seed(c, "http://127.0.0.1:1/a", &why), 0);  /* the cache: not again */
    KT_EQ_INT(kz_crawl_add_seed(c, "ftp://example.org/", &why), KZ_EINVAL);
    KT_EQ_INT(m.adds, 1);
    /* the key: port, then the canonical URL (which drops the port) */
    KT_EQ_STR(m.keys[0], "1|http://127.0.0.1/a http://127.0.0.1:1 0 1");
    run_to_end(c, on_ev, &m);
    KT_EQ_INT(m.origins, 1);
    KT_CHECK(m.takes >= 1);
    /* robots.txt unreachable: both jobs reported as that error, and done */
    KT_EQ_INT(m.dones, 2);
    KT_EQ_INT(m.done_id[0], 7);
    KT_EQ_INT(m.done_id[1], 9);
    KT_EQ_STR(m.outcome[0], "connect");
    KT_EQ_INT(m.nevents, 2);
    KT_EQ_INT(m.seen_in_event[0], 7);              /* kz_crawl_current_job in the callback */
    KT_EQ_INT(m.seen_in_event[1], 9);
    KT_EQ_INT(kz_crawl_current_job(c), 0);
    kz_crawl_stats st;
    kz_crawl_get_stats(c, &st);
    KT_EQ_INT(st.queued, 0);
    KT_EQ_INT(st.by_kind[KZ_FETCH_CONNECT], 2);
    kz_crawl_free(&c);
}

KT_TEST(crawl_frontier_memory)
{
    KT_EQ_INT(kz_fetch_global_init(), 0);
    struct mock m;
    memset(&m, 0, sizeof m);
    kz_crawl_opts o;
    opts_for_loopback(&o);
    o.include = "(";                                 /* not a regex */
    kz_crawl *c = NULL;
    KT_EQ_INT(kz_crawl_new(&c, &o), KZ_EINVAL);
    o.include = "^http://127\\.0\\.0\\.1:1/";
    o.exclude = "/private/";
    KT_EQ_INT(kz_crawl_new(&c, &o), 0);
    if (!c)
        return;
    m.c = c;
    KT_EQ_INT(kz_crawl_add_seed(c, "http://127.0.0.1:1/", NULL), 0);
    KT_EQ_INT(kz_crawl_add_seed(c, "http://127.0.0.1:1/private/x", NULL), 0);  /* seeds exempt */
    KT_EQ_INT(kz_crawl_add_seed(c, "http://127.0.0.1:1/", NULL), 0);
    kz_crawl_stats st;
    kz_crawl_get_stats(c, &st);
    KT_EQ_INT(st.queued, 2);
    KT_EQ_INT(st.dup_links, 1);
    run_to_end(c, on_ev, &m);
    KT_EQ_INT(m.nevents, 2);
    KT_CHECK(m.seen_in_event[0] > 0 && m.seen_in_event[1] > m.seen_in_event[0]);
    kz_crawl_get_stats(c, &st);
    KT_EQ_INT(st.queued, 0);
    KT_EQ_INT(st.errors, 2);
    kz_crawl_free(&c);
}
