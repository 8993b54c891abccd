/*
 * jobs/queue.c - the work queue in PostgreSQL (jobs/queue.h): leases with
 * FOR UPDATE SKIP LOCKED, a heartbeat thread on its own connection, the
 * lease checked (and renewed or completed) inside the transaction that
 * stores a job's results, adding work, and the status as JSON.
 *
 * The SQL here is PostgreSQL's (SKIP LOCKED, clock_timestamp(), json
 * functions): the queue refuses SQLite in kz_queue_open.  Statements that
 * touch the queue run outside the store's transactions, each on its own
 * (autocommit), so leasing never waits for the audit log's write lock
 * that every store transaction takes on PostgreSQL.
 */
#include "jobs/queue.h"
#include "store/frontier.h"
#include "util/pool.h"
#include <pthread.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

/* The server's clock, epoch ms. */
#define NOWMS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

struct kz_queue {
    kz_store *st;
    kz_db    *db;
    char     *owner;
    int       lease_secs;
    /* the job held (kz_queue_hold); read by the heartbeat under mu */
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    int64_t   held_id, held_token;
    int       complete, completed;
    int       hold_kind_tick;
    int64_t   tick_every;
    /* the heartbeat */
    char     *uri;
    pthread_t hb;
    int       hb_on;
    volatile sig_atomic_t hb_stop;
    int64_t   pages, records;   /* not yet added to the worker's row */
    int       listening;
};

void kz_job_release(kz_job *j)
{
    if (!j)
        return;
    free(j->key);
    free(j->path);
    free(j->origin);
    free(j->source);
    free(j->ref);
    j->key = j->path = j->origin = j->source = j->ref = NULL;
}

static int is_pg(kz_store *st)
{
    if (!strcmp(kz_db_scheme(kz_store_db(st)), "postgresql"))
        return 1;
    kz_store_set_errmsg(st, "the work queue needs PostgreSQL (--db postgresql://...); on one "
                            "machine with SQLite, run kuzet crawl and kuzet ingest instead");
    return 0;
}

static int fail(kz_store *st, int rc, const char *what)
{
    if (rc == KZ_EDB || rc == KZ_EBUSY)
        kz_store_set_errmsg(st, "work queue: %s: %s", what, kz_db_errmsg(kz_store_db(st)));
    else if (rc < 0 && rc != KZ_ESTATE)
        kz_store_set_errmsg(st, "work queue: %s: %s", what, kz_strerror(rc));
    return rc;
}

/* Rows a statement returned (RETURNING), or < 0. */
static int rows(kz_db *db, const char *sql, const kz_dbval *p, int np)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(db, sql, p, np, &r), n = 0;
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1)
        n++;
    kz_dbres_done(r);
    return rc < 0 ? rc : n;
}

static const char RENEW_SQL[] =
    "UPDATE jobs SET lease_until = " NOWMS " + $4 WHERE id = $1 AND lease_token = $2 AND "
    "lease_owner = $3 AND state = 'leased' RETURNING id";

/* ---- the heartbeat ---- */

static void *heartbeat(void *arg)
{
    kz_queue *q = arg;
    kz_db *db = NULL;
    int64_t period = (int64_t)q->lease_secs * 1000 / 3;
    if (period < 100)
        period = 100;
    pthread_mutex_lock(&q->mu);
    while (!q->hb_stop) {
        int64_t id = q->held_id, token = q->held_token;
        pthread_mutex_unlock(&q->mu);
        if (!db && kz_db_open(&db, q->uri) != 0)
            kz_db_close(&db);           /* tried again next time */
        if (db) {
            kz_dbval p[] = { kz_dbint(id), kz_dbint(token), kz_dbstr(q->owner),
                             kz_dbint((int64_t)q->lease_secs * 1000) };
            int rc = id ? rows(db, RENEW_SQL, p, 4) : 0;
            kz_dbval pw[] = { kz_dbstr(q->owner) };
            if (rc >= 0)
                rc = kz_db_query(db, "UPDATE workers SET seen_at = " NOWMS " WHERE id = $1",
                                 pw, 1, NULL);
            if (rc < 0 && rc != KZ_EBUSY)
                kz_db_close(&db);       /* a broken connection: a new one next time */
        }
        pthread_mutex_lock(&q->mu);
        if (q->hb_stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(period / 1000);
        ts.tv_nsec += (long)(period % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!q->hb_stop && pthread_cond_timedwait(&q->cv, &q->mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&q->mu);
    kz_db_close(&db);
    return NULL;
}

/* ---- the commit hook: the lease checked in the results' transaction ---- */

static int on_commit(void *ctx, kz_store *st)
{
    kz_queue *q = ctx;
    int64_t id, token;
    int complete;
    pthread_mutex_lock(&q->mu);
    id = q->held_id;
    token = q->held_token;
    complete = q->complete && !q->completed;
    pthread_mutex_unlock(&q->mu);
    if (!id)
        return 0;
    int n;
    if (complete) {
        kz_dbval p[] = { kz_dbint(id), kz_dbint(token), kz_dbstr(q->owner) };
        n = rows(q->db, q->hold_kind_tick
                            ? "UPDATE jobs SET state = 'pending', run_at = " NOWMS " + every_secs * "
                              "1000, lease_owner = NULL, lease_until = NULL, last_error = NULL, "
                              "attempts = 0, done_at = " NOWMS " WHERE id = $1 AND lease_token = $2 "
                              "AND lease_owner = $3 AND state = 'leased' RETURNING id"
                            : "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = "
                              "NULL, last_error = NULL, done_at = " NOWMS " WHERE id = $1 AND "
                              "lease_token = $2 AND lease_owner = $3 AND state = 'leased' "
                              "RETURNING id",
                 p, 3);
    } else {
        kz_dbval p[] = { kz_dbint(id), kz_dbint(token), kz_dbstr(q->owner),
                         kz_dbint((int64_t)q->lease_secs * 1000) };
        n = rows(q->db, RENEW_SQL, p, 4);
    }
    if (n < 0)
        return fail(st, n, "checking the lease");
    if (n == 0) {
        kz_store_set_errmsg(st, "work queue: the lease of job %lld is no longer this worker's "
                                "(it expired and was taken over): nothing committed",
                            (long long)id);
        return KZ_ESTATE;
    }
    if (complete) {
        pthread_mutex_lock(&q->mu);
        q->completed = 1;
        pthread_mutex_unlock(&q->mu);
    }
    return 0;
}

/* ---- open, close ---- */

int kz_queue_open(kz_queue **out, kz_store *st, const char *uri, const char *owner,
                  const char *roles, int lease_secs)
{
    kz_queue *q = NULL;
    int rc = KZ_EINVAL;
    *out = NULL;
    if (!is_pg(st) || !owner)
        return rc;
    rc = KZ_ENOMEM;
    if (!(q = kz_calloc(1, sizeof *q)))
        return rc;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->st = st;
    q->db = kz_store_db(st);
    q->lease_secs = lease_secs > 0 ? lease_secs : KZ_QUEUE_LEASE_SECS;
    if (!(q->owner = kz_strdup(owner)) || (uri && !(q->uri = kz_strdup(uri))))
        goto out;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    kz_dbval p[] = { kz_dbstr(owner), kz_dbstr(host), kz_dbint(getpid()),
                     kz_dbstr(roles ? roles : "") };
    if ((rc = kz_db_query(q->db, "INSERT INTO workers (id, host, pid, roles, started_at, seen_at) "
                                 "VALUES ($1, $2, $3, $4, " NOWMS ", " NOWMS ") ON CONFLICT (id) DO "
                                 "UPDATE SET host = excluded.host, pid = excluded.pid, roles = "
                                 "excluded.roles, started_at = excluded.started_at, seen_at = "
                                 "excluded.seen_at, stopped_at = NULL",
                          p, 4, NULL)) != 0) {
        fail(st, rc, "registering the worker");
        goto out;
    }
    if (kz_db_exec(q->db, "LISTEN kuzet_jobs") == 0)
        q->listening = 1;
    if (q->uri) {
        rc = KZ_EINTERNAL;
        if (kz_thread_start(&q->hb, heartbeat, q) != 0)
            goto out;
        q->hb_on = 1;
    }
    kz_store_set_commit_hook(st, on_commit, q);
    *out = q;
    q = NULL;
    rc = 0;
out:
    kz_queue_close(&q);
    return rc;
}

static void flush_counts(kz_queue *q)
{
    if (!q->pages && !q->records)
        return;
    kz_dbval p[] = { kz_dbint(q->pages), kz_dbint(q->records), kz_dbstr(q->owner) };
    if (kz_db_query(q->db, "UPDATE workers SET pages = pages + $1, records = records + $2 "
                           "WHERE id = $3", p, 3, NULL) == 0)
        q->pages = q->records = 0;
}

void kz_queue_close(kz_queue **qp)
{
    kz_queue *q = qp ? *qp : NULL;
    if (!q)
        return;
    if (q->hb_on) {
        kz_thread_stop(q->hb, &q->mu, &q->cv, &q->hb_stop);
    }
    if (q->owner && q->st) {
        kz_store_set_commit_hook(q->st, NULL, NULL);
        flush_counts(q);
        kz_dbval p[] = { kz_dbstr(q->owner) };
        kz_db_query(q->db, "UPDATE workers SET stopped_at = " NOWMS " WHERE id = $1", p, 1, NULL);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q->owner);
    free(q->uri);
    free(q);
    *qp = NULL;
}

/* ---- lease, hold, finish ---- */

static char *dup_col(kz_dbres *r, int col)
{
    size_t n = 0;
    const char *s = kz_dbres_text(r, col, &n);
    if (!s)
        return NULL;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int kz_queue_roles_ok(const char *roles, const char **bad, size_t *bad_len)
{
    static const char *const known[] = { "crawl", "ingest", "hash", "tick", "verify" };
    const char *p = roles;
    while (*p) {
        size_t n = strcspn(p, ","), k = 0;
        while (k < sizeof known / sizeof *known &&
               !(strlen(known[k]) == n && !strncmp(p, known[k], n)))
            k++;
        if (k == sizeof known / sizeof *known) {
            *bad = p;
            *bad_len = n;
            return 0;
        }
        p += n + (p[n] == ',');
    }
    return 1;
}

int kz_queue_lease(kz_queue *q, const char *kinds, size_t max, kz_job *jobs, size_t *n)
{
    kz_dbres *r = NULL;
    *n = 0;
    flush_counts(q);
    /* jobs leased too often (a chunk that kills every worker that takes it)
     * are set aside */
    kz_dbval pf[] = { kz_dbint(KZ_QUEUE_MAX_ATTEMPTS) };
    int rc = kz_db_query(q->db, "UPDATE jobs SET state = 'failed', lease_owner = NULL, "
                                "last_error = COALESCE(last_error, 'leased too many times') "
                                "WHERE state = 'leased' AND lease_until < " NOWMS " AND "
                                "attempts >= $1", pf, 1, NULL);
    if (rc)
        return fail(q->st, rc, "setting aside jobs leased too often");
    kz_dbval p[] = { kz_dbstr(q->owner), kz_dbint((int64_t)q->lease_secs * 1000),
                     kz_dbstr(kinds), kz_dbint((int64_t)max) };
    rc = kz_db_query(
        q->db,
        "UPDATE jobs j SET state = 'leased', lease_owner = $1, lease_token = lease_token + 1, "
        "lease_until = " NOWMS " + $2, attempts = attempts + 1 "
        "WHERE j.id IN (SELECT id FROM jobs WHERE ((state = 'pending' AND run_at <= " NOWMS ") "
        "OR (state = 'leased' AND lease_until < " NOWMS ")) AND (kind = ANY "
        "(string_to_array($3, ',')) OR (kind = 'tick' AND jkey = 'verify' AND 'verify' = ANY "
        "(string_to_array($3, ',')))) ORDER BY kind = 'tick' DESC, run_at LIMIT $4 FOR UPDATE "
        "SKIP LOCKED) "
        "RETURNING j.id, j.lease_token, j.kind, j.jkey, j.path, j.source_id, j.origin_id, "
        "j.off_start, j.off_end, j.every_secs, j.attempts, "
        "(SELECT origin FROM crawl_origins o WHERE o.id = j.origin_id), "
        "(SELECT name FROM crawl_sources s WHERE s.id = j.source_id), j.item_id, j.ref",
        p, 4, &r);
    if (rc)
        return fail(q->st, rc, "leasing");
    while ((rc = kz_dbres_next(r)) == 1 && *n < max) {
        kz_job *j = &jobs[*n];
        memset(j, 0, sizeof *j);
        j->id = kz_dbres_int(r, 0);
        j->token = kz_dbres_int(r, 1);
        const char *k = kz_dbres_text(r, 2, NULL);
        snprintf(j->kind, sizeof j->kind, "%s", k ? k : "");
        j->key = dup_col(r, 3);
        j->path = dup_col(r, 4);
        j->source_id = kz_dbres_int(r, 5);
        j->origin_id = kz_dbres_int(r, 6);
        j->off_start = kz_dbres_int(r, 7);
        j->off_end = kz_dbres_int(r, 8);
        j->every_secs = kz_dbres_int(r, 9);
        j->attempts = (int)kz_dbres_int(r, 10);
        j->origin = dup_col(r, 11);
        j->source = dup_col(r, 12);
        j->item_id = kz_dbres_int(r, 13);
        j->ref = dup_col(r, 14);
        (*n)++;
    }
    kz_dbres_done(r);
    return rc < 0 ? fail(q->st, rc, "leasing") : 0;
}

void kz_queue_hold(kz_queue *q, kz_job *j, int complete)
{
    pthread_mutex_lock(&q->mu);
    q->held_id = j ? j->id : 0;
    q->held_token = j ? j->token : 0;
    q->complete = complete;
    q->completed = 0;
    q->hold_kind_tick = j && !strcmp(j->kind, "tick");
    pthread_mutex_unlock(&q->mu);
}

int kz_queue_completed(const kz_queue *q) { return q->completed; }

void kz_queue_count(kz_queue *q, int64_t pages, int64_t records)
{
    q->pages += pages;
    q->records += records;
}

int kz_queue_finish(kz_queue *q, kz_job *j, int ok, const char *why, int64_t delay_ms)
{
    int completed = q->completed, rc = 0, n = 0;
    kz_queue_hold(q, NULL, 0);
    if (completed) {
        /* the completing commit ran the hook; it counts only if it committed */
        kz_dbval pc[] = { kz_dbint(j->id), kz_dbint(j->token) };
        int64_t one = 0;
        int crc = kz_db_int(q->db, "SELECT 1 FROM jobs WHERE id = $1 AND lease_token = $2 AND "
                                   "lease_owner IS NULL AND state IN ('done', 'pending')",
                            pc, 2, &one);
        if (crc && crc != KZ_ENOTFOUND)
            return fail(q->st, crc, "finishing a job");
        completed = crc == 0;
    }
    kz_dbval pw[] = { kz_dbstr(q->owner), kz_dbint(ok), kz_dbstr(why) };
    if (completed)
        goto count;
    kz_dbval p[] = { kz_dbint(j->id), kz_dbint(j->token), kz_dbstr(q->owner), kz_dbstr(why),
                     kz_dbint(delay_ms) };
    if (!ok) {
        /* leased again after a backoff: 2^attempts seconds, up to 5 minutes */
        n = rows(q->db, "UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_until = "
                        "NULL, last_error = $4, run_at = " NOWMS " + LEAST(300000, 1000 * "
                        "power(2, attempts)::bigint) WHERE id = $1 AND lease_token = $2 AND "
                        "lease_owner = $3 AND state = 'leased' RETURNING id", p, 4);
    } else if (!strcmp(j->kind, "tick")) {
        n = rows(q->db, "UPDATE jobs SET state = 'pending', run_at = " NOWMS " + every_secs * 1000, "
                        "lease_owner = NULL, lease_until = NULL, last_error = $4, attempts = 0, "
                        "done_at = " NOWMS " WHERE id = $1 AND lease_token = $2 AND lease_owner "
                        "= $3 AND state = 'leased' RETURNING id", p, 4);
    } else if (!strcmp(j->kind, "crawl") && j->origin_id) {
        /* the origin's job stays pending while it has queued URLs; the
         * delay keeps the host's politeness between two leases */
        n = rows(q->db, "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, last_error = $4, "
                        "attempts = 0, done_at = " NOWMS ", state = CASE WHEN EXISTS (SELECT 1 "
                        "FROM crawl_urls u WHERE u.origin_id = jobs.origin_id AND u.state = "
                        "'queued') THEN 'pending' ELSE 'done' END, run_at = " NOWMS " + $5 "
                        "WHERE id = $1 AND lease_token = $2 AND lease_owner = $3 AND state = "
                        "'leased' RETURNING id", p, 5);
    } else {
        n = rows(q->db, "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, "
                        "last_error = $4, done_at = " NOWMS " WHERE id = $1 AND lease_token = $2 "
                        "AND lease_owner = $3 AND state = 'leased' RETURNING id", p, 4);
    }
    if (n < 0)
        return fail(q->st, n, "finishing a job");
    if (n == 0) {
        kz_store_set_errmsg(q->st, "work queue: the lease of job %lld was lost before it "
                                   "finished", (long long)j->id);
        rc = KZ_ESTATE;
        pw[1] = kz_dbint(-1);
    }
    if (!strcmp(j->kind, "crawl") && ok && n > 0)
        kz_queue_sync_frontier(q->st, j->source_id, NULL);
count:
    kz_db_query(q->db, "UPDATE workers SET jobs_done = jobs_done + CASE WHEN $2 = 1 THEN 1 ELSE "
                       "0 END, jobs_failed = jobs_failed + CASE WHEN $2 = 0 THEN 1 ELSE 0 END, "
                       "leases_lost = leases_lost + CASE WHEN $2 = -1 THEN 1 ELSE 0 END, "
                       "last_error = COALESCE($3, last_error) WHERE id = $1", pw, 3, NULL);
    kz_db_exec(q->db, "NOTIFY kuzet_jobs_done");  /* kz_queue_listen_done */
    return rc;
}

void kz_queue_listen_done(kz_queue *q)
{
    if (q->listening)
        kz_db_exec(q->db, "LISTEN kuzet_jobs_done");
}

void kz_queue_wait(kz_queue *q, int ms)
{
    if (ms <= 0)
        return;
    if (!q->listening || kz_db_wait_notify(q->db, ms) < 0) {
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* ---- adding work ---- */

static void notify(kz_db *db) { kz_db_exec(db, "NOTIFY kuzet_jobs"); }

/* Queue the chunk [start, end) of path; 1 new, 0 already queued, < 0. */
static int add_chunk(kz_store *st, const char *path, int64_t start, int64_t end, const char *now)
{
    char off[32];
    kz_buf k;
    snprintf(off, sizeof off, "@%lld", (long long)start);
    kz_buf_init(&k, KZ_BUF_NOLIMIT);
    if (kz_buf_adds(&k, path) || kz_buf_adds(&k, off)) {
        kz_buf_release(&k);
        return KZ_ENOMEM;
    }
    kz_dbval p[] = { kz_dbtext(k.p, k.len), kz_dbstr(path), kz_dbint(start), kz_dbint(end),
                     kz_dbstr(now) };
    int n = rows(kz_store_db(st), "INSERT INTO jobs (kind, jkey, state, run_at, path, off_start, "
                                  "off_end, created_at) VALUES ('ingest', $1, 'pending', " NOWMS
                                  ", $2, $3, $4, $5) ON CONFLICT (kind, jkey) DO NOTHING "
                                  "RETURNING id", p, 5);
    kz_buf_release(&k);
    return n < 0 ? fail(st, n, "queueing an ingest chunk") : n;
}

int kz_queue_add_hash(kz_store *st, const char *url, size_t url_len, int64_t item_id,
                      const char *post_url, size_t post_url_len, int *added)
{
    char id[32];
    kz_buf k;
    *added = 0;
    if (!is_pg(st))
        return KZ_EINVAL;
    if (!((url_len > 7 && !strncasecmp(url, "http://", 7)) ||
          (url_len > 8 && !strncasecmp(url, "https://", 8))) ||
        memchr(url, '\0', url_len) || (post_url && memchr(post_url, '\0', post_url_len))) {
        kz_store_set_errmsg(st, "not an http(s) URL: %.*s", (int)KZ_MIN(url_len, 200), url);
        return KZ_EINVAL;
    }
    /* one job per image of a post: the post by its item, or by its URL */
    snprintf(id, sizeof id, "%lld|", (long long)item_id);
    kz_buf_init(&k, KZ_BUF_NOLIMIT);
    if (kz_buf_adds(&k, id) || (!item_id && post_url && kz_buf_add(&k, post_url, post_url_len)) ||
        kz_buf_addc(&k, '|') || kz_buf_add(&k, url, url_len)) {
        kz_buf_release(&k);
        return KZ_ENOMEM;
    }
    char now[21];
    kz_store_now(now);
    kz_dbval p[] = { kz_dbtext(k.p, k.len), kz_dbtext(url, url_len),
                     item_id ? kz_dbint(item_id) : kz_dbnull(),
                     post_url ? kz_dbtext(post_url, post_url_len) : kz_dbnull(), kz_dbstr(now) };
    int n = rows(kz_store_db(st), "INSERT INTO jobs (kind, jkey, state, run_at, path, item_id, "
                                  "ref, created_at) VALUES ('hash', $1, 'pending', " NOWMS
                                  ", $2, $3, $4, $5) ON CONFLICT (kind, jkey) DO NOTHING "
                                  "RETURNING id", p, 5);
    kz_buf_release(&k);
    if (n < 0)
        return fail(st, n, "queueing an image to hash");
    if (n > 0)
        notify(kz_store_db(st));
    *added = n;
    return 0;
}

int kz_queue_add_ingest(kz_store *st, const char *path, size_t chunk, size_t *added)
{
    char *buf = NULL, now[21];
    int fd = -1, rc = KZ_EINVAL;
    *added = 0;
    if (!is_pg(st))
        return rc;
    if (!chunk)
        chunk = KZ_QUEUE_CHUNK;
    rc = KZ_EIO;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        kz_store_set_errmsg(st, "%s: cannot open: %s", path, strerror(errno));
        return rc;
    }
    rc = KZ_ENOMEM;
    if (!(buf = malloc(65536)))
        goto out;
    kz_store_now(now);
    /* a chunk ends at the first line end at or after start + chunk */
    int64_t start = 0, pos = 0;
    for (;;) {
        ssize_t r = read(fd, buf, 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            kz_store_set_errmsg(st, "%s: read error: %s", path, strerror(errno));
            rc = KZ_EIO;
            goto out;
        }
        if (r == 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            int64_t end = pos + i + 1;
            if (buf[i] != '\n' || end - start < (int64_t)chunk)
                continue;
            int n = add_chunk(st, path, start, end, now);
            if (n < 0) {
                rc = n;
                goto out;
            }
            *added += (size_t)n;
            start = end;
        }
        pos += r;
    }
    if (pos > start) {                  /* the rest (a last line without its newline too) */
        int n = add_chunk(st, path, start, pos, now);
        if (n < 0) {
            rc = n;
            goto out;
        }
        *added += (size_t)n;
    }
    notify(kz_store_db(st));
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

int kz_queue_add_crawl(kz_store *st, const kz_queue_crawl *c, size_t *origins, size_t *bad)
{
    kz_db *db = kz_store_db(st);
    char now[21];
    int64_t sid = 0;
    int rc = KZ_EINVAL;
    *origins = 0;
    *bad = 0;
    if (!is_pg(st))
        return rc;
    if (!kz_frontier_name_ok(c->source)) {
        kz_store_set_errmsg(st, "bad source name '%s' (1-%d of A-Z a-z 0-9 . _ -)",
                            c->source ? c->source : "", KZ_FRONTIER_NAME_MAX);
        return rc;
    }
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(c->source), kz_dbstr(now),
                     c->recrawl_secs > 0 ? kz_dbint(c->recrawl_secs) : kz_dbnull(),
                     kz_dbint(c->depth < 0 ? 2 : c->depth), kz_dbint(c->same_host),
                     kz_dbint(c->delay_ms < 0 ? 1000 : c->delay_ms), kz_dbint(c->allow_private),
                     kz_dbtext(c->seeds, c->seeds_len) };
    rc = kz_db_int(db, "INSERT INTO crawl_sources (name, created_at, recrawl_secs, depth, "
                       "same_host, delay_ms, allow_private, seeds) VALUES ($1, $2, $3, $4, $5, $6, "
                       "$7, $8) ON CONFLICT (name) DO UPDATE SET recrawl_secs = excluded."
                       "recrawl_secs, depth = excluded.depth, same_host = excluded.same_host, "
                       "delay_ms = excluded.delay_ms, allow_private = excluded.allow_private, "
                       "seeds = excluded.seeds RETURNING id", p, 8, &sid);
    if (rc)
        return fail(st, rc, "recording the source");
    /* the seeding job: a crawl job without an origin queues the seeds
     * (canonical keys, as kuzet crawl does) and takes nothing */
    char key[64];
    snprintf(key, sizeof key, "%lld|seeds", (long long)sid);
    kz_dbval pj[] = { kz_dbstr(key), kz_dbint(sid), kz_dbstr(now) };
    int n = rows(db, "INSERT INTO jobs (kind, jkey, state, run_at, source_id, created_at) VALUES "
                     "('crawl', $1, 'pending', " NOWMS ", $2, $3) ON CONFLICT (kind, jkey) DO "
                     "UPDATE SET state = 'pending', run_at = excluded.run_at, attempts = 0 WHERE "
                     "jobs.state IN ('done', 'failed') RETURNING id", pj, 3);
    if (n < 0)
        return fail(st, n, "queueing the source's seeds");
    *origins = (size_t)n;
    notify(db);
    return 0;
}

int kz_queue_add_tick(kz_store *st, const char *name, int64_t every_secs)
{
    kz_db *db = kz_store_db(st);
    char now[21];
    if (!is_pg(st))
        return KZ_EINVAL;
    static const char *const ok[] = { "overdue", "verify", "recrawl", "purge", "frontier",
                                      "notices" };
    size_t i;
    for (i = 0; i < KZ_ARRAY_LEN(ok); i++)
        if (!strcmp(name, ok[i]))
            break;
    if (i == KZ_ARRAY_LEN(ok) || every_secs <= 0) {
        kz_store_set_errmsg(st, "unknown tick '%s' or interval not positive (overdue, verify, "
                                "recrawl, purge, frontier, notices)", name);
        return KZ_EINVAL;
    }
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(name), kz_dbint(every_secs), kz_dbstr(now) };
    int rc = kz_db_query(db, "INSERT INTO jobs (kind, jkey, state, run_at, every_secs, "
                             "created_at) VALUES ('tick', $1, 'pending', " NOWMS ", $2, $3) ON "
                             "CONFLICT (kind, jkey) DO UPDATE SET every_secs = excluded.every_secs, "
                             "run_at = LEAST(jobs.run_at, " NOWMS " + excluded.every_secs * 1000)",
                         p, 3, NULL);
    if (rc)
        return fail(st, rc, "scheduling a tick");
    notify(db);
    return 0;
}

int kz_queue_schedule_defaults(kz_store *st, size_t *added)
{
    static const struct { const char *n; int64_t s; } d[] = {
        { "overdue", 60 }, { "frontier", 30 }, { "recrawl", 300 }, { "verify", 21600 },
        { "purge", 86400 }, { "notices", 60 } };
    kz_db *db = kz_store_db(st);
    char now[21];
    size_t k = 0;
    if (added)
        *added = 0;
    if (!is_pg(st))
        return KZ_EINVAL;
    kz_store_now(now);
    for (size_t i = 0; i < KZ_ARRAY_LEN(d); i++) {
        kz_dbval p[] = { kz_dbstr(d[i].n), kz_dbint(d[i].s), kz_dbstr(now) };
        int n = rows(db, "INSERT INTO jobs (kind, jkey, state, run_at, every_secs, created_at) "
                         "VALUES ('tick', $1, 'pending', " NOWMS ", $2, $3) ON CONFLICT (kind, "
                         "jkey) DO NOTHING RETURNING id", p, 3);
        if (n < 0)
            return fail(st, n, "scheduling the default ticks");
        k += (size_t)n;
    }
    if (k)
        notify(db);
    if (added)
        *added = k;
    return 0;
}

int kz_queue_sync_frontier(kz_store *st, int64_t source_id, size_t *made)
{
    kz_db *db = kz_store_db(st);
    char now[21];
    kz_store_now(now);
    kz_dbval p[] = { kz_dbint(source_id), kz_dbstr(now) };
    int n = rows(db, "INSERT INTO jobs (kind, jkey, state, run_at, source_id, origin_id, "
                     "created_at) SELECT 'crawl', o.source_id || '|' || o.id, 'pending', " NOWMS
                     ", o.source_id, o.id, $2 FROM crawl_origins o WHERE ($1 = 0 OR o.source_id = "
                     "$1) AND EXISTS (SELECT 1 FROM crawl_urls u WHERE u.origin_id = o.id AND "
                     "u.state = 'queued') ON CONFLICT (kind, jkey) DO UPDATE SET state = "
                     "'pending', attempts = 0 WHERE jobs.state IN ('done', 'failed') "
                     "RETURNING id", p, 2);
    if (n < 0)
        return fail(st, n, "making crawl jobs for queued URLs");
    if (made)
        *made = (size_t)n;
    if (n > 0)
        notify(db);
    return 0;
}

/* ---- status ---- */

/* Copy column col of r (NULL: "") into out, cut to fit. */
static void col_text(kz_dbres *r, int col, char *out, size_t n)
{
    const char *t = kz_dbres_text(r, col, NULL);
    snprintf(out, n, "%s", t ? t : "");
}

/* Grow *p (of *n items of size sz) by one zeroed item; NULL when out of
 * memory. */
static void *push(void **p, size_t *n, size_t sz)
{
    void *q = realloc(*p, (*n + 1) * sz);
    if (!q)
        return NULL;
    *p = q;
    memset((char *)q + *n * sz, 0, sz);
    return (char *)q + (*n)++ * sz;
}

void kz_queue_status_free(kz_queue_status **out)
{
    if (!out || !*out)
        return;
    free((*out)->workers);
    free((*out)->depth);
    free((*out)->leases);
    free((*out)->errors);
    free(*out);
    *out = NULL;
}

static const char *const status_sql[] = {
    "SELECT id, host, pid, roles, CASE WHEN stopped_at IS NULL AND seen_at > " NOWMS " - 90000 "
    "THEN 1 ELSE 0 END, " NOWMS " - seen_at, jobs_done, jobs_failed, leases_lost, pages, "
    "records, GREATEST(1000, COALESCE(stopped_at, seen_at) - started_at), last_error "
    "FROM workers WHERE stopped_at IS NULL OR stopped_at > " NOWMS " - 3600000 ORDER BY id",
    "SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind, state",
    "SELECT id, kind, jkey, lease_owner, lease_until - " NOWMS " FROM jobs WHERE state = "
    "'leased' AND lease_until < " NOWMS " + 10000 ORDER BY lease_until, id",
    "SELECT id, kind, jkey, state, attempts, last_error FROM jobs WHERE last_error IS NOT NULL "
    "ORDER BY id DESC LIMIT 20",
};

/* One row of query q into o. */
static int status_row(kz_queue_status *o, int q, kz_dbres *r)
{
    if (q == 0) {
        kz_worker_status *w = push((void **)&o->workers, &o->nworkers, sizeof *w);
        if (!w)
            return KZ_ENOMEM;
        col_text(r, 0, w->id, sizeof w->id);
        col_text(r, 1, w->host, sizeof w->host);
        w->pid = kz_dbres_int(r, 2);
        col_text(r, 3, w->roles, sizeof w->roles);
        w->alive = kz_dbres_int(r, 4) != 0;
        o->alive += (size_t)w->alive;
        w->seen_ms_ago = kz_dbres_int(r, 5);
        w->jobs_done = kz_dbres_int(r, 6);
        w->jobs_failed = kz_dbres_int(r, 7);
        w->leases_lost = kz_dbres_int(r, 8);
        w->pages = kz_dbres_int(r, 9);
        w->records = kz_dbres_int(r, 10);
        double span = (double)kz_dbres_int(r, 11) / 1000.0;
        w->pages_per_s = (double)w->pages / span;
        w->records_per_s = (double)w->records / span;
        col_text(r, 12, w->last_error, sizeof w->last_error);
    } else if (q == 1) {
        kz_queue_depth *d = push((void **)&o->depth, &o->ndepth, sizeof *d);
        if (!d)
            return KZ_ENOMEM;
        col_text(r, 0, d->kind, sizeof d->kind);
        col_text(r, 1, d->state, sizeof d->state);
        d->jobs = kz_dbres_int(r, 2);
    } else if (q == 2) {
        kz_lease_status *l = push((void **)&o->leases, &o->nleases, sizeof *l);
        if (!l)
            return KZ_ENOMEM;
        l->id = kz_dbres_int(r, 0);
        col_text(r, 1, l->kind, sizeof l->kind);
        col_text(r, 2, l->key, sizeof l->key);
        col_text(r, 3, l->owner, sizeof l->owner);
        l->expires_in_ms = kz_dbres_int(r, 4);
    } else {
        kz_job_error *e = push((void **)&o->errors, &o->nerrors, sizeof *e);
        if (!e)
            return KZ_ENOMEM;
        e->id = kz_dbres_int(r, 0);
        col_text(r, 1, e->kind, sizeof e->kind);
        col_text(r, 2, e->key, sizeof e->key);
        col_text(r, 3, e->state, sizeof e->state);
        e->attempts = kz_dbres_int(r, 4);
        col_text(r, 5, e->error, sizeof e->error);
    }
    return 0;
}

int kz_queue_status_read(kz_store *st, kz_queue_status **out)
{
    *out = NULL;
    if (!is_pg(st)) {
        kz_store_set_errmsg(st, "the work queue and its workers need PostgreSQL "
                                "(docs/operations.md)");
        return KZ_EINVAL;
    }
    kz_queue_status *o = calloc(1, sizeof *o);
    if (!o)
        return fail(st, KZ_ENOMEM, "reading the status");
    int rc = 0;
    for (int q = 0; q < (int)KZ_ARRAY_LEN(status_sql) && !rc; q++) {
        kz_dbres *r = NULL;
        if ((rc = kz_db_query(kz_store_db(st), status_sql[q], NULL, 0, &r)) != 0)
            break;
        while ((rc = kz_dbres_next(r)) == 1)
            if ((rc = status_row(o, q, r)) != 0)
                break;
        kz_dbres_done(r);
    }
    if (rc) {
        kz_queue_status_free(&o);
        return fail(st, rc, "reading the status");
    }
    *out = o;
    return 0;
}

int kz_queue_status_json(kz_store *st, kz_buf *out)
{
    kz_queue_status *o = NULL;
    int rc = kz_queue_status_read(st, &o);
    if (rc)
        return rc;
    kz_jw j;
    kz_jw_init(&j);
    kz_jw_raw(&j, "{");
    kz_jw_key(&j, "workers");
    kz_jw_raw(&j, "[");
    for (size_t i = 0; i < o->nworkers; i++) {
        const kz_worker_status *w = &o->workers[i];
        char rate[64];
        kz_jw_raw(&j, "{");
        kz_jw_str(&j, "id", w->id);
        kz_jw_str(&j, "host", w->host);
        kz_jw_int(&j, "pid", w->pid);
        kz_jw_str(&j, "roles", w->roles);
        kz_jw_bool(&j, "alive", w->alive);
        kz_jw_int(&j, "seen_ms_ago", w->seen_ms_ago);
        kz_jw_int(&j, "jobs_done", w->jobs_done);
        kz_jw_int(&j, "jobs_failed", w->jobs_failed);
        kz_jw_int(&j, "leases_lost", w->leases_lost);
        kz_jw_int(&j, "pages", w->pages);
        kz_jw_int(&j, "records", w->records);
        kz_jw_key(&j, "pages_per_s");
        snprintf(rate, sizeof rate, "%.2f", w->pages_per_s);
        kz_jw_raw(&j, rate);
        kz_jw_key(&j, "records_per_s");
        snprintf(rate, sizeof rate, "%.2f", w->records_per_s);
        kz_jw_raw(&j, rate);
        kz_jw_str(&j, "last_error", w->last_error[0] ? w->last_error : NULL);
        kz_jw_raw(&j, "}");
    }
    kz_jw_raw(&j, "]");
    kz_jw_key(&j, "queue");
    kz_jw_raw(&j, "{");
    for (size_t i = 0; i < o->ndepth; i++) {
        const kz_queue_depth *d = &o->depth[i];
        if (i && !strcmp(d->kind, o->depth[i - 1].kind)) {
            kz_jw_int(&j, d->state, d->jobs);
            continue;
        }
        if (i)
            kz_jw_raw(&j, "}");
        kz_jw_key(&j, d->kind);
        kz_jw_raw(&j, "{");
        kz_jw_int(&j, d->state, d->jobs);
    }
    kz_jw_raw(&j, o->ndepth ? "}}" : "}");
    kz_jw_key(&j, "leases_expiring");
    kz_jw_raw(&j, "[");
    for (size_t i = 0; i < o->nleases; i++) {
        const kz_lease_status *l = &o->leases[i];
        kz_jw_raw(&j, "{");
        kz_jw_int(&j, "id", l->id);
        kz_jw_str(&j, "kind", l->kind);
        kz_jw_str(&j, "key", l->key);
        kz_jw_str(&j, "owner", l->owner);
        kz_jw_int(&j, "expires_in_ms", l->expires_in_ms);
        kz_jw_raw(&j, "}");
    }
    kz_jw_raw(&j, "]");
    kz_jw_key(&j, "errors");
    kz_jw_raw(&j, "[");
    for (size_t i = 0; i < o->nerrors; i++) {
        const kz_job_error *e = &o->errors[i];
        kz_jw_raw(&j, "{");
        kz_jw_int(&j, "id", e->id);
        kz_jw_str(&j, "kind", e->kind);
        kz_jw_str(&j, "key", e->key);
        kz_jw_str(&j, "state", e->state);
        kz_jw_int(&j, "attempts", e->attempts);
        kz_jw_str(&j, "error", e->error);
        kz_jw_raw(&j, "}");
    }
    kz_jw_raw(&j, "]}");
    rc = j.rc ? fail(st, j.rc, "writing the status") : kz_buf_add(out, j.b.p, j.b.len);
    kz_jw_release(&j);
    kz_queue_status_free(&o);
    return rc;
}
