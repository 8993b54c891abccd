/*
 * util/pool.h - worker threads that run jobs in parallel and hand them back
 * in the order they were submitted.
 *
 * The one thread scheme of kuzet's streaming work (kuzet scan, the ingest
 * pipeline): the caller's thread reads input into jobs and submits them;
 * the workers run them, any number at once; the caller takes them back,
 * oldest first, to write or store them in input order.  At most `depth`
 * jobs are out (submitted and not taken back) at once, so memory stays flat
 * whatever the input size: a caller that keeps `depth` job buffers can use
 * buffer (n % depth) for its n-th submission, because that buffer's
 * previous job has been taken back by then.
 *
 *     kz_pool_new(&p, nthreads, depth, run, ctx);
 *     while (more input or kz_pool_out(p)) {
 *         if (more input && kz_pool_out(p) < depth) { fill(j); kz_pool_submit(p, j); }
 *         else if ((j = kz_pool_take(p, 1)))  write(j);   // wait for the oldest
 *     }
 *     kz_pool_free(&p);
 *
 * Submitting comes first: the workers then run jobs while the caller
 * writes one.  A caller that wrote every finished job before submitting
 * more would leave the workers idle for as long as its writes took (the
 * ingest writer, whose stores take as long as the scans, ran 10-20 %
 * slower that way).
 *
 * With nthreads 0 no thread is started and kz_pool_submit runs the job on
 * the caller's thread, as worker 0: the same loop then runs everything in
 * one thread.  A job's function gets the number of the worker running it
 * (0..nthreads-1), to use that worker's own state (a parser, a scan
 * context); kz_pool_workers() says how many such states to make.
 *
 * Only the thread that created the pool may submit and take.
 */
#ifndef KZ_POOL_H
#define KZ_POOL_H

#include "kz.h"
#include <pthread.h>
#include <signal.h>

typedef struct kz_pool kz_pool;

/* Run one job, on worker thread number `worker`. */
typedef void (*kz_pool_fn)(void *ctx, unsigned worker, void *job);

/* The number of CPUs online (at least 1): the default thread count. */
unsigned kz_pool_ncpu(void);

/* Start nthreads workers (0: none, jobs run inside kz_pool_submit) that
 * run fn(ctx, worker, job); at most depth (>= 1) jobs out at once.
 * 0, KZ_EINVAL (depth 0, more than 1024 threads), KZ_ENOMEM, or
 * KZ_EINTERNAL when a thread cannot be started (*out is NULL). */
int kz_pool_new(kz_pool **out, unsigned nthreads, size_t depth, kz_pool_fn fn, void *ctx);

/* Stop and join the workers.  A job already running finishes first; jobs
 * submitted and not started are never run (their buffers are the
 * caller's).  NULL-safe; sets *pp = NULL. */
void kz_pool_free(kz_pool **pp);

/* Hand job to the workers.  0, or KZ_EINVAL when depth jobs are out
 * already (take one back first). */
int kz_pool_submit(kz_pool *p, void *job);

/* The oldest job out, once it has run (wait: until it has); NULL when no
 * job is out, or (without wait) when the oldest has not finished. */
void *kz_pool_take(kz_pool *p, int wait);

/* Jobs submitted and not taken back. */
size_t kz_pool_out(const kz_pool *p);

/* How many per-worker states the job function may ask for:
 * max(1, nthreads). */
unsigned kz_pool_workers(const kz_pool *p);

/* Start a thread of the library's (these workers, and the threads that
 * keep a cache fresh or run the on-time jobs) with SIGTERM and SIGINT
 * blocked in it, so that they reach the front end's own thread, which
 * waits for them to stop cleanly (kuzet serve's sigwait), and never end
 * the process in the middle of a write.  0, or pthread_create's error. */
int kz_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Stop such a thread that waits on cv under mu until *stop: *stop set
 * under mu, cv broadcast, the thread joined. */
void kz_thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv,
                    volatile sig_atomic_t *stop);

#endif
