/*
 * tests/t_jobs.c - the work queue (jobs/queue.h) and kuzet worker.
 *
 * On PostgreSQL (KUZET_TEST_PG): two connections lease disjoint jobs (SKIP
 * LOCKED); a lease that expired and was taken over commits nothing for its
 * old holder, the results' transaction included, and cannot be finished;
 * the heartbeat keeps a lease while work runs; a chunk's records and the
 * job's completion commit together.  SQLite is refused, saying why.  And
 * tests/workers/kill-workers: worker processes killed with SIGKILL while
 * they crawl the fixture site and ingest a file (its header says what it
 * checks).
 */
#include "kt.h"
#include "kt_store.h"
#include "jobs/run.h"
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t one(kz_store *s, const char *sql)
{
    int64_t v = -1;
    KT_EQ_INT(kz_db_int(kz_store_db(s), sql, NULL, 0, &v), 0);
    return v;
}

/* A JSON Lines file of n records, 200 bytes each; its path in path. */
static void lines_file(char *path, size_t pathsz, int n)
{
    snprintf(path, pathsz, "/tmp/kt-jobs-%ld.jsonl", (long)getpid());
    FILE *f = fopen(path, "w");
    KT_CHECK(f != NULL);
    if (!f)
        return;
    for (int i = 0; i < n; i++)
        fprintf(f, "{\"url\":\"https://x.example/%d\",\"text\":\"post %d закладка %0150d\"}\n", i,
                i, i);
    fclose(f);
}

KT_TEST(jobs_queue_refuses_sqlite)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "jobs");
    kz_queue *q = NULL;
    size_t added = 0;
    if (!s)
        return;
    KT_EQ_INT(kz_queue_open(&q, s, NULL, "w", "ingest", 0), KZ_EINVAL);
    KT_CHECK(q == NULL);
    KT_CHECK(strstr(kz_store_errmsg(s), "needs PostgreSQL") != NULL);
    KT_EQ_INT(kz_queue_add_ingest(s, "/dev/null", 0, &added), KZ_EINVAL);
    kt_store_cleanup(&t, &s);
}

KT_TEST(jobs_lease_skip_locked_pg)
{
    kt_pgdb d;
    char uri[700], path[128];
    kz_store *s = kt_store_pg(&d, "jobs_lease_skip_locked_pg", "jobs_skip"), *s2 = NULL;
    kz_queue *q1 = NULL, *q2 = NULL;
    kz_job a[4], b[4];
    size_t na = 0, nb = 0, added = 0;
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    KT_EQ_INT(kz_store_open(&s2, uri, 1), 0);
    lines_file(path, sizeof path, 30);              /* 30 x ~210 bytes: 3 chunks of 2100 */
    KT_EQ_INT(kz_queue_add_ingest(s, path, 2100, &added), 0);
    KT_EQ_INT(added, 3);
    KT_EQ_INT(kz_queue_add_ingest(s, path, 2100, &added), 0);
    KT_EQ_INT(added, 0);                            /* the same chunks are not queued twice */
    KT_EQ_INT(kz_queue_open(&q1, s, NULL, "w1", "ingest", 30), 0);
    KT_EQ_INT(kz_queue_open(&q2, s2, NULL, "w2", "ingest", 30), 0);
    /* q1 leases two; q2 gets the third, never one of them */
    KT_EQ_INT(kz_queue_lease(q1, "ingest", 2, a, &na), 0);
    KT_EQ_INT(na, 2);
    KT_EQ_INT(kz_queue_lease(q2, "ingest", 4, b, &nb), 0);
    KT_EQ_INT(nb, 1);
    KT_CHECK(nb == 1 && na == 2 && b[0].id != a[0].id && b[0].id != a[1].id);
    KT_CHECK(na == 2 && a[0].off_start == 0 && a[1].off_start > 0);
    KT_EQ_INT(kz_queue_lease(q2, "crawl,tick", 4, b + 1, &nb), 0);
    KT_EQ_INT(nb, 0);
    kz_queue_listen_done(q2);
    for (size_t i = 0; i < na; i++) {
        KT_EQ_INT(kz_queue_finish(q1, &a[i], 1, NULL, 0), 0);
        kz_job_release(&a[i]);
    }
    /* q2 (--exit-when-idle) is woken by the jobs q1 finished, not a poll
     * later; q1, not listening for them, waits its poll out */
    int64_t t0 = mono_ms();
    kz_queue_wait(q2, 30000);
    KT_CHECK(mono_ms() - t0 < 15000);
    t0 = mono_ms();
    kz_queue_wait(q1, 400);
    KT_CHECK(mono_ms() - t0 >= 350);
    kz_job_release(&b[0]);
    KT_EQ_INT(one(s, "SELECT count(*) FROM jobs WHERE state = 'done'"), 2);
    /* kuzet status: both workers alive, the queue's depth, q2's lease */
    char cmd[1024], *out = NULL, *errs = NULL;
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s'", kt_bin(), uri);
    KT_EQ_INT(kt_run(cmd, &out, &errs), 0);
    KT_CHECK(out && strstr(out, "workers: 2 alive\n"));
    KT_CHECK(out && strstr(out, "  ingest  ") && strstr(out, " done 2") && strstr(out, " leased 1"));
    KT_CHECK(out && strstr(out, "errors: 0\n"));
    free(out);
    free(errs);
    kz_queue_close(&q1);
    kz_queue_close(&q2);
    kz_store_close(&s2);
    unlink(path);
    kt_store_pg_drop(&d, &s);
}

/* An expired lease taken over: its old holder's results are not committed. */
KT_TEST(jobs_lease_lost_pg)
{
    kt_pgdb d;
    char uri[700], path[128];
    kz_store *s = kt_store_pg(&d, "jobs_lease_lost_pg", "jobs_lost"), *s2 = NULL;
    kz_queue *q1 = NULL, *q2 = NULL;
    kz_job a, b;
    size_t n = 0, added = 0;
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    KT_EQ_INT(kz_store_open(&s2, uri, 1), 0);
    lines_file(path, sizeof path, 3);
    KT_EQ_INT(kz_queue_add_ingest(s, path, 0, &added), 0);
    KT_EQ_INT(kz_queue_open(&q1, s, NULL, "w1", "ingest", 1), 0);   /* 1 s, no heartbeat */
    KT_EQ_INT(kz_queue_open(&q2, s2, NULL, "w2", "ingest", 30), 0);
    KT_EQ_INT(kz_queue_lease(q1, "ingest", 1, &a, &n), 0);
    KT_EQ_INT(n, 1);
    usleep(1300 * 1000);
    KT_EQ_INT(kz_queue_lease(q2, "ingest", 1, &b, &n), 0);          /* expired: taken over */
    KT_EQ_INT(n, 1);
    KT_CHECK(b.id == a.id && b.token == a.token + 1);
    int64_t before = one(s, "SELECT count(*) FROM audit_log");
    kz_queue_hold(q1, &a, 1);
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_store_audit(s, "test", "test.result", "item", 1, NULL, "{}"), 0);
    KT_EQ_INT(kz_store_commit(s), KZ_ESTATE);                       /* not this worker's */
    KT_CHECK(strstr(kz_store_errmsg(s), "no longer this worker's") != NULL);
    KT_EQ_INT(one(s, "SELECT count(*) FROM audit_log"), before);    /* nothing committed */
    KT_EQ_INT(kz_queue_finish(q1, &a, 1, NULL, 0), KZ_ESTATE);
    /* the new holder's results and completion commit together */
    kz_queue_hold(q2, &b, 1);
    KT_EQ_INT(kz_store_begin(s2), 0);
    KT_EQ_INT(kz_store_audit(s2, "test", "test.result", "item", 1, NULL, "{}"), 0);
    KT_EQ_INT(kz_store_commit(s2), 0);
    KT_EQ_INT(kz_queue_completed(q2), 1);
    KT_EQ_INT(kz_queue_finish(q2, &b, 1, NULL, 0), 0);
    KT_EQ_INT(one(s, "SELECT count(*) FROM audit_log"), before + 1);
    KT_EQ_INT(one(s, "SELECT count(*) FROM jobs WHERE state = 'done' AND lease_owner IS NULL"), 1);
    KT_EQ_INT(one(s, "SELECT leases_lost FROM workers WHERE id = 'w1'"), 1);
    kz_job_release(&a);
    kz_job_release(&b);
    kz_queue_close(&q1);
    kz_queue_close(&q2);
    kz_store_close(&s2);
    unlink(path);
    kt_store_pg_drop(&d, &s);
}

/* The heartbeat keeps a 1 s lease for 2.5 s; without it, it is taken over. */
KT_TEST(jobs_heartbeat_pg)
{
    kt_pgdb d;
    char uri[700], path[128];
    kz_store *s = kt_store_pg(&d, "jobs_heartbeat_pg", "jobs_hb"), *s2 = NULL;
    kz_queue *q1 = NULL, *q2 = NULL;
    kz_job a, b;
    size_t n = 0, added = 0;
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    KT_EQ_INT(kz_store_open(&s2, uri, 1), 0);
    lines_file(path, sizeof path, 3);
    KT_EQ_INT(kz_queue_add_ingest(s, path, 0, &added), 0);
    KT_EQ_INT(kz_queue_open(&q1, s, uri, "w1", "ingest", 1), 0);
    KT_EQ_INT(kz_queue_open(&q2, s2, NULL, "w2", "ingest", 30), 0);
    KT_EQ_INT(kz_queue_lease(q1, "ingest", 1, &a, &n), 0);
    KT_EQ_INT(n, 1);
    kz_queue_hold(q1, &a, 0);
    usleep(2500 * 1000);
    KT_EQ_INT(kz_queue_lease(q2, "ingest", 1, &b, &n), 0);
    KT_EQ_INT(n, 0);                                /* still held */
    KT_EQ_INT(kz_queue_finish(q1, &a, 1, NULL, 0), 0);
    kz_job_release(&a);
    KT_EQ_INT(one(s, "SELECT count(*) FROM jobs WHERE state = 'done'"), 1);
    kz_queue_close(&q1);
    kz_queue_close(&q2);
    kz_store_close(&s2);
    unlink(path);
    kt_store_pg_drop(&d, &s);
}

/* Worker processes killed at random moments (tests/workers/kill-workers). */
KT_TEST(jobs_workers_killed_pg)
{
    kt_pgdb d;
    char uri[700], args[1024], work[] = "/tmp/kt-workers-XXXXXX";
    char *out = NULL, *err = NULL;
    kz_store *s = kt_store_pg(&d, "jobs_workers_killed_pg", "jobs_kill");
    if (!s)
        return;
    kz_store_close(&s);
    kt_store_pg_uri(&d, uri, sizeof uri);
    /* the database starts empty: the script runs kuzet db init */
    kz_store *s0 = NULL;
    if (kz_store_open(&s0, uri, 0) == 0)
        kz_db_exec(kz_store_db(s0), "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    kz_store_close(&s0);
    if (!mkdtemp(work)) {
        kt_fail(__FILE__, __LINE__, "mkdtemp");
        kt_store_pg_drop(&d, &s);
        return;
    }
    chmod(work, 0755);
    snprintf(args, sizeof args, "'%s' '%s' 8", uri, work);
    int st = kt_run_script("sh", "tests/workers/kill-workers", args, "psql python3 faketime", &out, &err);
    for (char *p = out, *nl; p && *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n')))
            nl = p + strlen(p) - 1;
        printf("    %.*s\n", (int)(nl - p), p);
    }
    if (st != 0)
        kt_fail(__FILE__, __LINE__, "kill-workers failed (%d): %s", st, err ? err : "");
    free(out);
    free(err);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (system(cmd) != 0)
        kt_fail(__FILE__, __LINE__, "cannot remove %s", work);
    kt_store_pg_drop(&d, &s);
}

/* A tick is leased by one worker at a time and is due again every_secs
 * after it is done; recrawl queues pages fetched longer ago than their
 * source's interval again, and gives their origin a crawl job. */
KT_TEST(jobs_tick_once_recrawl_pg)
{
    kt_pgdb d;
    char uri[700];
    kz_store *s = kt_store_pg(&d, "jobs_tick_once_recrawl_pg", "jobs_tick"), *s2 = NULL;
    kz_queue *q1 = NULL, *q2 = NULL;
    kz_job a, b;
    size_t n = 0;
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    KT_EQ_INT(kz_store_open(&s2, uri, 1), 0);
    kz_db *db = kz_store_db(s);
    KT_EQ_INT(kz_db_exec(db, "INSERT INTO crawl_sources (name, created_at, recrawl_secs, seeds) "
                             "VALUES ('src', '2026-01-01T00:00:00Z', 3600, 'http://a.example/')"), 0);
    KT_EQ_INT(kz_db_exec(db, "INSERT INTO crawl_origins (source_id, origin) VALUES (1, "
                             "'http://a.example:80')"), 0);
    KT_EQ_INT(kz_db_exec(db, "INSERT INTO crawl_urls (source_id, origin_id, ukey, url, depth, seed, "
                             "is_seed, state, queued_at, fetched_at, outcome) VALUES "
                             "(1, 1, '80|http://a.example/', 'http://a.example/', 0, 0, 1, 'done', "
                             "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'ok'), "
                             "(1, 1, '80|http://a.example/new', 'http://a.example/new', 1, 0, 0, "
                             "'done', '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z', 'ok')"), 0);
    KT_EQ_INT(kz_queue_add_tick(s, "recrawl", 3600), 0);
    KT_EQ_INT(kz_queue_add_tick(s, "nonsense", 60), KZ_EINVAL);
    KT_EQ_INT(kz_queue_open(&q1, s, NULL, "w1", "tick", 30), 0);
    KT_EQ_INT(kz_queue_open(&q2, s2, NULL, "w2", "tick", 30), 0);
    KT_EQ_INT(kz_queue_lease(q1, "tick", 4, &a, &n), 0);
    KT_EQ_INT(n, 1);
    KT_EQ_INT(kz_queue_lease(q2, "tick", 4, &b, &n), 0);
    KT_EQ_INT(n, 0);                                /* once, however many workers */
    kz_jobs_env env = { s, q1, NULL, 0, 0, NULL, 1, 0, NULL, NULL, NULL, 0 };
    kz_jobs_result res;
    KT_EQ_INT(kz_jobs_run(&env, &a, &res), 0);
    KT_EQ_INT(res.ok, 1);
    KT_EQ_INT(res.moved, 1);                        /* the old page, not the recent one */
    KT_EQ_INT(one(s, "SELECT count(*) FROM crawl_urls WHERE state = 'queued' AND ukey = "
                     "'80|http://a.example/'"), 1);
    KT_EQ_INT(one(s, "SELECT count(*) FROM jobs WHERE kind = 'crawl' AND state = 'pending' AND "
                     "origin_id = 1"), 1);
    KT_EQ_INT(one(s, "SELECT count(*) FROM jobs WHERE kind = 'tick' AND state = 'pending' AND "
                     "run_at > (extract(epoch FROM now()) * 1000)::bigint + 3500000"), 1);
    KT_EQ_INT(kz_queue_lease(q2, "tick", 4, &b, &n), 0);
    KT_EQ_INT(n, 0);                                /* not due again for an hour */
    kz_job_release(&a);
    kz_queue_close(&q1);
    kz_queue_close(&q2);
    kz_store_close(&s2);
    kt_store_pg_drop(&d, &s);
}

/* The role "verify": a worker that takes the verify tick and nothing else
 * (the machines that re-fetch decided items). */
KT_TEST(jobs_verify_role_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "jobs_verify_role_pg", "jobs_vrole");
    kz_queue *q = NULL;
    kz_job a[4];
    size_t n = 0;
    if (!s)
        return;
    KT_EQ_INT(kz_queue_add_tick(s, "overdue", 60), 0);
    KT_EQ_INT(kz_queue_add_tick(s, "verify", 3600), 0);
    KT_EQ_INT(kz_queue_open(&q, s, NULL, "wv", "verify", 30), 0);
    KT_EQ_INT(kz_queue_lease(q, "verify", 4, a, &n), 0);
    KT_EQ_INT(n, 1);
    if (n == 1) {
        KT_EQ_STR(a[0].kind, "tick");
        KT_EQ_STR(a[0].key, "verify");
        KT_EQ_INT(kz_queue_finish(q, &a[0], 1, NULL, 0), 0);
        kz_job_release(&a[0]);
    }
    KT_EQ_INT(kz_queue_lease(q, "verify", 4, a, &n), 0);
    KT_EQ_INT(n, 0);                                /* not the overdue tick */
    KT_EQ_INT(one(s, "SELECT count(*) FROM jobs WHERE jkey = 'overdue' AND state = 'pending'"), 1);
    kz_queue_close(&q);
    /* the command line takes the role, and refuses an unknown one */
    char cmd[1024], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "'%s' worker --db postgresql://x/y --roles verify,scan", kt_bin());
    KT_EQ_INT(kt_run(cmd, &out, &err), 2);
    KT_CHECK(err && strstr(err, "'scan' is not crawl, ingest, hash, tick or verify"));
    free(out);
    free(err);
    kt_store_pg_drop(&d, &s);
}
