/*
 * tests/t_pool.c - util/pool.h: jobs run on worker threads come back in the
 * order they were submitted, each run once; without threads they run inside
 * kz_pool_submit; no more than depth jobs are out at once.
 */
#include "kt.h"
#include <signal.h>
#include "util/pool.h"
#include <pthread.h>
#include <time.h>

typedef struct tjob {
    int      n;                 /* its submission number */
    int      runs;              /* times it was run */
    unsigned worker;
    unsigned delay_us;
} tjob;

typedef struct tctx {
    pthread_mutex_t mu;
    unsigned        used[8];    /* jobs run by each worker */
    pthread_t       caller;
    int             on_caller;  /* jobs run on the caller's thread */
} tctx;

static void run_job(void *ctx, unsigned worker, void *job)
{
    tctx *c = ctx;
    tjob *j = job;
    if (j->delay_us) {
        struct timespec ts = { 0, (long)j->delay_us * 1000 };
        nanosleep(&ts, NULL);
    }
    j->runs++;
    j->worker = worker;
    pthread_mutex_lock(&c->mu);
    if (worker < 8)
        c->used[worker]++;
    if (pthread_equal(pthread_self(), c->caller))
        c->on_caller++;
    pthread_mutex_unlock(&c->mu);
}

KT_TEST(pool_keeps_submission_order)
{
    enum { N = 300, DEPTH = 8 };
    static tjob jobs[N];
    tctx c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    c.caller = pthread_self();
    kz_pool *p = NULL;
    KT_EQ_INT(kz_pool_new(&p, 3, DEPTH, run_job, &c), 0);
    if (!p)
        return;
    KT_EQ_INT(kz_pool_workers(p), 3);
    int next = 0, expect = 0;
    unsigned seed = 7;
    while (next < N || kz_pool_out(p)) {
        tjob *j;
        while ((j = kz_pool_take(p, 0)) != NULL) {
            KT_EQ_INT(j->n, expect);
            expect++;
        }
        if (next < N && kz_pool_out(p) < DEPTH) {
            seed = seed * 1103515245u + 12345u;
            jobs[next] = (tjob){ next, 0, 99, (seed >> 16) % 300 };  /* out of order finishes */
            KT_EQ_INT(kz_pool_submit(p, &jobs[next]), 0);
            next++;
        } else if ((j = kz_pool_take(p, 1)) != NULL) {
            KT_EQ_INT(j->n, expect);
            expect++;
        }
    }
    KT_EQ_INT(expect, N);
    KT_CHECK(kz_pool_take(p, 1) == NULL);          /* nothing out: no wait */
    kz_pool_free(&p);
    KT_CHECK(p == NULL);
    int ran_once = 1;
    for (int i = 0; i < N; i++)
        ran_once &= jobs[i].runs == 1 && jobs[i].worker < 3;
    KT_CHECK(ran_once);
    KT_EQ_INT(c.on_caller, 0);
    KT_EQ_INT(c.used[0] + c.used[1] + c.used[2], N);
    pthread_mutex_destroy(&c.mu);
}

KT_TEST(pool_without_threads_runs_inline)
{
    tjob a = { 0, 0, 99, 0 }, b = { 1, 0, 99, 0 };
    tctx c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    c.caller = pthread_self();
    kz_pool *p = NULL;
    KT_EQ_INT(kz_pool_new(&p, 0, 2, run_job, &c), 0);
    if (!p)
        return;
    KT_EQ_INT(kz_pool_workers(p), 1);
    KT_EQ_INT(kz_pool_submit(p, &a), 0);
    KT_EQ_INT(a.runs, 1);                           /* run inside submit */
    KT_EQ_INT(a.worker, 0);
    KT_EQ_INT(kz_pool_submit(p, &b), 0);
    KT_EQ_INT(kz_pool_out(p), 2);
    KT_EQ_INT(kz_pool_submit(p, &a), KZ_EINVAL);    /* depth 2: full */
    KT_CHECK(kz_pool_take(p, 0) == &a);
    KT_CHECK(kz_pool_take(p, 0) == &b);
    KT_CHECK(kz_pool_take(p, 0) == NULL);
    KT_EQ_INT(c.on_caller, 2);
    kz_pool_free(&p);
    kz_pool_free(&p);                               /* NULL-safe */
    pthread_mutex_destroy(&c.mu);
}

KT_TEST(pool_refuses_more_than_depth)
{
    tjob j[3] = { { 0, 0, 0, 20000 }, { 1, 0, 0, 0 }, { 2, 0, 0, 0 } };
    tctx c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.mu, NULL);
    kz_pool *p = NULL;
    KT_EQ_INT(kz_pool_new(&p, 0, 0, run_job, &c), KZ_EINVAL);   /* depth 0 */
    KT_CHECK(p == NULL);
    KT_EQ_INT(kz_pool_new(&p, 2, 2, run_job, &c), 0);
    if (!p)
        return;
    KT_EQ_INT(kz_pool_submit(p, &j[0]), 0);
    KT_EQ_INT(kz_pool_submit(p, &j[1]), 0);
    KT_EQ_INT(kz_pool_submit(p, &j[2]), KZ_EINVAL);
    KT_CHECK(kz_pool_take(p, 1) == &j[0]);          /* waits for the slow one */
    KT_EQ_INT(j[0].runs, 1);
    KT_EQ_INT(kz_pool_submit(p, &j[2]), 0);
    KT_CHECK(kz_pool_take(p, 1) == &j[1]);
    KT_CHECK(kz_pool_take(p, 1) == &j[2]);
    KT_EQ_INT(kz_pool_out(p), 0);
    kz_pool_free(&p);
    pthread_mutex_destroy(&c.mu);
}

/* A library thread never takes SIGTERM or SIGINT: they reach the front
 * end's thread (kuzet serve waits for them with sigwait), and the thread
 * that started it keeps its own mask. */
static void *mask_of(void *arg)
{
    sigset_t *m = arg;
    pthread_sigmask(SIG_BLOCK, NULL, m);
    return NULL;
}

KT_TEST(pool_thread_blocks_stop_signals)
{
    sigset_t in_thread, before, after;
    pthread_t t;
    sigemptyset(&in_thread);
    pthread_sigmask(SIG_BLOCK, NULL, &before);
    KT_CHECK(!sigismember(&before, SIGTERM));
    KT_EQ_INT(kz_thread_start(&t, mask_of, &in_thread), 0);
    pthread_join(t, NULL);
    KT_CHECK(sigismember(&in_thread, SIGTERM));
    KT_CHECK(sigismember(&in_thread, SIGINT));
    pthread_sigmask(SIG_BLOCK, NULL, &after);
    KT_CHECK(!sigismember(&after, SIGTERM));
    KT_CHECK(!sigismember(&after, SIGINT));
}
