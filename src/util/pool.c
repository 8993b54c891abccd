/*
 * util/pool.c - worker threads that run jobs in parallel and hand them back
 * in submission order (util/pool.h).
 *
 * A ring of `depth` slots and three counters that only grow: `head` (the
 * oldest job out), `claim` (the next job a worker starts) and `tail` (the
 * next slot to fill); head <= claim <= tail <= head + depth.  One mutex
 * guards them; workers wait on `work` for tail > claim, the caller on
 * `done` for the head slot to finish.
 */
#include "pool.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define MAX_THREADS 1024

enum { S_QUEUED = 1, S_DONE = 2 };

struct slot {
    void *job;
    int   state;
};

struct kz_pool {
    kz_pool_fn      fn;
    void           *ctx;
    unsigned        nthreads, started;
    pthread_t      *th;
    struct slot    *ring;
    size_t          depth;
    size_t          head, claim, tail;
    int             quit;
    pthread_mutex_t mu;
    pthread_cond_t  work, done;
};

struct warg {
    kz_pool *p;
    unsigned id;
};

unsigned kz_pool_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static void *worker_main(void *arg)
{
    struct warg *wa = arg;
    kz_pool *p = wa->p;
    unsigned id = wa->id;
    free(wa);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->claim == p->tail)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->quit)
            break;
        struct slot *s = &p->ring[p->claim++ % p->depth];
        pthread_mutex_unlock(&p->mu);
        p->fn(p->ctx, id, s->job);
        pthread_mutex_lock(&p->mu);
        s->state = S_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int kz_pool_new(kz_pool **out, unsigned nthreads, size_t depth, kz_pool_fn fn, void *ctx)
{
    *out = NULL;
    if (!depth || nthreads > MAX_THREADS || !fn)
        return KZ_EINVAL;
    kz_pool *p = kz_calloc(1, sizeof *p);
    if (!p)
        return KZ_ENOMEM;
    p->fn = fn;
    p->ctx = ctx;
    p->depth = depth;
    p->nthreads = nthreads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    int rc = KZ_ENOMEM;
    if (!(p->ring = kz_calloc(depth, sizeof *p->ring)) ||
        (nthreads && !(p->th = kz_calloc(nthreads, sizeof *p->th))))
        goto fail;
    for (unsigned i = 0; i < nthreads; i++) {
        struct warg *wa = kz_malloc(sizeof *wa);
        if (!wa)
            goto fail;
        wa->p = p;
        wa->id = i;
        if (kz_thread_start(&p->th[i], worker_main, wa) != 0) {
            free(wa);
            rc = KZ_EINTERNAL;
            goto fail;
        }
        p->started++;
    }
    *out = p;
    return 0;
fail:
    kz_pool_free(&p);
    return rc;
}

void kz_pool_free(kz_pool **pp)
{
    kz_pool *p = pp ? *pp : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->th);
    free(p->ring);
    free(p);
    *pp = NULL;
}

int kz_pool_submit(kz_pool *p, void *job)
{
    if (p->tail - p->head >= p->depth)
        return KZ_EINVAL;
    struct slot *s = &p->ring[p->tail % p->depth];
    s->job = job;
    if (!p->nthreads) {                 /* no threads: run it here */
        p->fn(p->ctx, 0, job);
        s->state = S_DONE;
        p->tail++;
        p->claim++;
        return 0;
    }
    pthread_mutex_lock(&p->mu);
    s->state = S_QUEUED;
    p->tail++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void *kz_pool_take(kz_pool *p, int wait)
{
    if (p->head == p->tail)
        return NULL;
    struct slot *s = &p->ring[p->head % p->depth];
    if (p->nthreads) {
        pthread_mutex_lock(&p->mu);
        while (wait && s->state != S_DONE)
            pthread_cond_wait(&p->done, &p->mu);
        int done = s->state == S_DONE;
        pthread_mutex_unlock(&p->mu);
        if (!done)
            return NULL;
    }
    void *job = s->job;
    s->state = 0;
    s->job = NULL;
    p->head++;
    return job;
}

size_t kz_pool_out(const kz_pool *p) { return p->tail - p->head; }

unsigned kz_pool_workers(const kz_pool *p) { return p->nthreads ? p->nthreads : 1; }

int kz_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void kz_thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv,
                    volatile sig_atomic_t *stop)
{
    pthread_mutex_lock(mu);
    *stop = 1;
    pthread_cond_broadcast(cv);
    pthread_mutex_unlock(mu);
    pthread_join(t, NULL);
}
