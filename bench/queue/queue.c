/*
 * bench/queue/queue.c - how fast kuzet's work queue leases and completes
 * jobs (jobs/queue.h), on a fresh queue and after a million completed jobs.
 * Not a test; bench/queue/run builds and runs it.
 *
 *   queue URI JOBS AGED
 *
 * URI: a PostgreSQL database (migrated here).  Each round queues JOBS
 * ingest jobs (pending, due now) with one INSERT ... generate_series, and
 * then two threads, each with its own store and kz_queue (as two workers),
 * lease 8 at a time and finish each (ok, no work) until none is left:
 * what it costs the queue itself to hand out and close a job, the ceiling
 * of any worker.  Round 1 on the fresh queue; then AGED completed jobs are
 * added (state 'done', as a long-running installation has them) and the
 * planner's statistics refreshed as autovacuum would; round 2 again.  The
 * partial indexes of migration 8 (pending work, live leases) keep round 2
 * near round 1; the run also shows round 2 with a plain index on run_at
 * in their place (on a tenth of the jobs: it is that much slower), which is
 * what they save.
 */
#include "jobs/queue.h"
#include "store/db.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *uri;
static int failed;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int sql(kz_store *st, const char *q)
{
    int rc = kz_db_exec(kz_store_db(st), q);
    if (rc)
        fprintf(stderr, "queue: %s: %s\n", q, kz_store_errmsg(st));
    return rc;
}

typedef struct worker { int n; long done; } worker;

static void *work(void *arg)
{
    worker *w = arg;
    kz_store *st = NULL;
    kz_queue *q = NULL;
    char owner[32];
    snprintf(owner, sizeof owner, "bench:%d", w->n);
    if (kz_store_open(&st, uri, 0) != 0 ||
        kz_queue_open(&q, st, NULL, owner, "ingest", 60) != 0) {
        fprintf(stderr, "queue: worker %d: %s\n", w->n, kz_store_errmsg(st));
        failed = 1;
        goto out;
    }
    for (;;) {
        kz_job jobs[8];
        size_t n = 0;
        if (kz_queue_lease(q, "ingest", 8, jobs, &n) != 0) {
            fprintf(stderr, "queue: lease: %s\n", kz_store_errmsg(st));
            failed = 1;
            break;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            if (kz_queue_finish(q, &jobs[i], 1, NULL, 0) != 0) {
                fprintf(stderr, "queue: finish: %s\n", kz_store_errmsg(st));
                failed = 1;
            }
            kz_job_release(&jobs[i]);
            w->done++;
        }
    }
out:
    kz_queue_close(&q);
    kz_store_close(&st);
    return NULL;
}

/* Queue jobs pending ingest jobs named TAG@i; lease and finish them all on
 * two threads; jobs/s. */
static double round_of(kz_store *st, const char *tag, long jobs)
{
    char q[512];
    snprintf(q, sizeof q, "INSERT INTO jobs (kind, jkey, state, run_at, path, off_start, off_end, "
             "created_at) SELECT 'ingest', '%s@' || i, 'pending', 0, '/nonexistent', 0, 1, "
             "'2026-12-05T00:00:00Z' FROM generate_series(1, %ld) AS i", tag, jobs);
    if (sql(st, q) || sql(st, "ANALYZE jobs"))
        return 0;
    pthread_t th[2];
    worker w[2] = { { 0, 0 }, { 1, 0 } };
    double t0 = now();
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, work, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    double el = now() - t0;
    if (w[0].done + w[1].done != jobs) {
        fprintf(stderr, "queue: %s: %ld jobs done of %ld\n", tag, w[0].done + w[1].done, jobs);
        failed = 1;
    }
    return (double)jobs / el;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fputs("usage: queue URI JOBS AGED\n", stderr);
        return 2;
    }
    uri = argv[1];
    long jobs = atol(argv[2]), aged = atol(argv[3]);
    kz_store *st = NULL;
    char q[512];
    int from, to;
    if (kz_store_open(&st, uri, 0) != 0 || kz_store_migrate(st, &from, &to) != 0) {
        fprintf(stderr, "queue: %s\n", kz_store_errmsg(st));
        return 1;
    }
    double fresh = round_of(st, "fresh", jobs);
    printf("queue: %ld jobs leased 8 at a time and finished by 2 workers\n", jobs);
    printf("  fresh queue:                            %8.0f jobs/s\n", fresh);
    fflush(stdout);
    double t0 = now();
    snprintf(q, sizeof q, "INSERT INTO jobs (kind, jkey, state, run_at, path, off_start, off_end, "
             "created_at, done_at) SELECT 'ingest', 'old@' || i, 'done', 0, '/nonexistent', 0, 1, "
             "'2026-01-01T00:00:00Z', i FROM generate_series(1, %ld) AS i", aged);
    if (sql(st, q) || sql(st, "VACUUM ANALYZE jobs"))
        return 1;
    double fill = now() - t0;
    double old = round_of(st, "aged", jobs);
    printf("  after %ld completed jobs (%.0f s to add): %8.0f jobs/s (%.2fx fresh)\n", aged, fill,
           old, fresh > 0 ? old / fresh : 0);
    fflush(stdout);
    /* the same without the partial indexes: a plain index on run_at */
    double plain = 0;
    if (!sql(st, "DROP INDEX jobs_pending") && !sql(st, "DROP INDEX jobs_leased") &&
        !sql(st, "CREATE INDEX jobs_run_at ON jobs(run_at)") &&
        !sql(st, "CREATE INDEX jobs_lease_until ON jobs(lease_until)"))
        plain = round_of(st, "plain", jobs / 10);
    int64_t bytes = 0;
    kz_db_int(kz_store_db(st), "SELECT pg_total_relation_size('jobs')", NULL, 0, &bytes);
    printf("  same, plain indexes instead of partial (%ld jobs): %8.0f jobs/s (%.2fx fresh)\n",
           jobs / 10, plain, fresh > 0 ? plain / fresh : 0);
    printf("  jobs table with its indexes: %.0f MB\n", (double)bytes / 1048576.0);
    kz_store_close(&st);
    return failed;
}
