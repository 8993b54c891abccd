/*
 * jobs/queue.h - the work queue of kuzet worker, in PostgreSQL: jobs leased
 * by many processes on many machines, none lost when one is killed, none
 * done twice in a way that shows.
 *
 * A job (table jobs, migration 8) is one of:
 *   crawl   the queued URLs of one origin (scheme://host:port) of a crawl
 *           source: the frontier is leased by host, so one lease fetches a
 *           host at a time and its politeness (requests in flight, delay,
 *           robots.txt) holds across every worker;
 *   ingest  a chunk [off_start, off_end) of whole lines of a JSON Lines
 *           file, at most one ingest batch, so that its records are stored
 *           in one transaction;
 *   hash    an image an ingested post refers to by URL (ingest reads only
 *           local images): fetched with the SSRF guard and the image size
 *           limit, hashed (SHA-256, MD5, PDQ) and matched against the block
 *           banks as a crawled image is; queued by the ingest job in the
 *           transaction that stores the chunk (migration 19);
 *   tick    work that must happen on time, once however many workers are
 *           up: "overdue" (notices past their deadline), "verify",
 *           "recrawl", "purge", "notices", "frontier" (a crawl job for every origin
 *           with queued URLs); done again every every_secs.
 *
 * Leasing: UPDATE jobs ... WHERE id IN (SELECT id ... FOR UPDATE SKIP
 * LOCKED LIMIT n) RETURNING: pending jobs whose run_at has come, and jobs
 * whose lease expired (their worker died), oldest first.  A lease is the
 * job's id, its owner (the worker's id) and a token that grows with every
 * lease; it lasts lease_secs and a heartbeat thread (its own connection)
 * renews it every third of that while the work runs.  Work stores its
 * results through the store's commit hook (store/store.h): every commit
 * first checks, row-locked, that the lease is still this worker's and
 * renews it - or, for the job's last commit, completes it - in the same
 * transaction as the results, so a worker whose lease was taken over
 * commits nothing.  Times are the server's clock (epoch milliseconds), so
 * machines' clocks need not agree.
 *
 * The queue needs PostgreSQL: on SQLite the tables exist (migrations are
 * shared) but kz_queue_open refuses, saying so - one process on one
 * machine runs `kuzet crawl` and `kuzet ingest` instead.
 *
 * LISTEN/NOTIFY is only a wake-up hint: adding jobs notifies "kuzet_jobs";
 * a worker waits on it at most its poll interval, and leases by polling
 * all the same.
 *
 * Not thread-safe: one kz_queue per thread, over its own kz_store.
 */
#ifndef KZ_JOBS_QUEUE_H
#define KZ_JOBS_QUEUE_H

#include "util/kz.h"
#include "util/buf.h"
#include "store/store.h"

#define KZ_QUEUE_LEASE_SECS   30    /* default lease */
#define KZ_QUEUE_CHUNK        ((size_t)1 << 20)  /* default ingest chunk */
#define KZ_QUEUE_MAX_ATTEMPTS 20    /* leases of one job before it is 'failed' */

typedef struct kz_job {
    int64_t id, token;
    char    kind[8];            /* "crawl", "ingest", "tick", "hash" */
    char   *key;                /* jkey: tick name, "SOURCE|ORIGIN", "PATH@OFF", "ITEM|URL" */
    char   *path;               /* ingest: the file; hash: the image's URL */
    char   *ref;                /* hash: the post's URL (NULL: it had none) */
    int64_t item_id;            /* hash: the post's item (0: not stored) */
    char   *origin;             /* crawl: scheme://host:port */
    char   *source;             /* crawl: the source's name */
    int64_t source_id, origin_id;
    int64_t off_start, off_end; /* ingest */
    int64_t every_secs;         /* tick */
    int     attempts;           /* leases so far, this one included */
} kz_job;

void kz_job_release(kz_job *j);     /* frees the strings; NULL-safe */

typedef struct kz_queue kz_queue;

/* A worker's queue over st (which it borrows; close the queue first).
 * owner: the worker's id ("host:pid:n"), registered in workers with roles;
 * lease_secs 0: KZ_QUEUE_LEASE_SECS.  uri: the same database, for the
 * heartbeat's own connection (NULL: no heartbeat thread - for tests and
 * for `kuzet jobs`).  0, KZ_EINVAL (not PostgreSQL; kz_store_errmsg says
 * so), KZ_ENOMEM, KZ_EDB, KZ_EINTERNAL (no thread). */
int  kz_queue_open(kz_queue **out, kz_store *st, const char *uri, const char *owner,
                   const char *roles, int lease_secs);
/* Stop the heartbeat, mark the worker stopped, free.  NULL-safe. */
void kz_queue_close(kz_queue **qp);

/* The roles a worker may take, as --roles lists them. */
#define KZ_QUEUE_ROLES "crawl, ingest, hash, tick or verify"
/* 1 when roles is a comma-separated list of those; else 0 with *bad and
 * *bad_len the first that is not. */
int kz_queue_roles_ok(const char *roles, const char **bad, size_t *bad_len);

/* Lease at most max jobs of the kinds listed in kinds ("crawl,ingest,tick,hash";
 * "verify" alone: the verify tick only, for machines that re-fetch decided
 * items and nothing else) into jobs[0..*n).  0 (*n may be 0: nothing due), or a storage error. */
int kz_queue_lease(kz_queue *q, const char *kinds, size_t max, kz_job *jobs, size_t *n);

/* Work on j under its lease: from now every commit on the store checks the
 * lease (KZ_ESTATE and nothing committed when it is lost) and renews it;
 * with complete, the first commit completes the job instead (an ingest
 * chunk: one transaction), and later commits find it not held.  The
 * heartbeat renews it meanwhile.  One job held at a time. */
void kz_queue_hold(kz_queue *q, kz_job *j, int complete);
/* 1 when the hold's completing commit happened, else 0. */
int  kz_queue_completed(const kz_queue *q);

/* The job is over (ends the hold).  ok: done - a tick is due again in
 * every_secs; a crawl job stays pending (after delay_ms) while its origin
 * has queued URLs -; else failed with why, leased again after a backoff
 * until KZ_QUEUE_MAX_ATTEMPTS.  Runs in a transaction of its own unless
 * kz_queue_completed.  0, KZ_ESTATE (the lease was lost: nothing
 * recorded), or a storage error. */
int kz_queue_finish(kz_queue *q, kz_job *j, int ok, const char *why, int64_t delay_ms);

/* Counters of this worker, added to its row (status, metrics). */
void kz_queue_count(kz_queue *q, int64_t pages, int64_t records);

/* Wait at most ms for a "kuzet_jobs" notification (a hint), or a
 * "kuzet_jobs_done" one after kz_queue_listen_done. */
void kz_queue_wait(kz_queue *q, int ms);

/* kz_queue_wait also wakes when another worker finishes a job (every
 * kz_queue_finish notifies "kuzet_jobs_done"): for a worker that exits once
 * the queue is idle, which then sees it so at once, not a poll later.  Left
 * to such workers: a busy fleet finishes many jobs a second. */
void kz_queue_listen_done(kz_queue *q);

/* ---- adding work (any process; these need no kz_queue) ---- */

/* Split the JSON Lines file path into chunks of whole lines of at most
 * chunk bytes (0: KZ_QUEUE_CHUNK; a longer line is a chunk of its own)
 * and queue an ingest job per chunk; the path is stored as given (make it
 * absolute: workers open it).  A chunk already queued is not queued again.
 * *added: jobs new.  0, KZ_EIO (kz_store_errmsg says why), KZ_EINVAL (not
 * PostgreSQL), storage errors. */
int kz_queue_add_ingest(kz_store *st, const char *path, size_t chunk, size_t *added);

/* Queue a hash job for the image at url (http or https, as the post gave
 * it), referred to by the post stored as item_id (0: the post was not
 * stored) whose URL is post_url (may be NULL).  Inside the caller's
 * transaction, so the job exists exactly when what queued it committed;
 * the same image of the same post is queued once (*added 0).  0, KZ_EINVAL
 * (not PostgreSQL, or not an http(s) URL), storage errors. */
int kz_queue_add_hash(kz_store *st, const char *url, size_t url_len, int64_t item_id,
                      const char *post_url, size_t post_url_len, int *added);

typedef struct kz_queue_crawl {
    const char *source;         /* name (store/frontier.h kz_frontier_name_ok) */
    const char *seeds;          /* one URL a line */
    size_t      seeds_len;
    int         depth;          /* < 0: 2 */
    long        delay_ms;       /* < 0: 1000 */
    int         allow_private;
    int64_t     recrawl_secs;   /* > 0: the recrawl tick makes pages due again */
    int         same_host;
} kz_queue_crawl;

/* Record the source's settings, queue its seeds (as kuzet crawl would:
 * canonical keys, scope from the seeds) and a crawl job per origin.
 * *bad: seed lines refused.  0 or errors (kz_store_errmsg). */
int kz_queue_add_crawl(kz_store *st, const kz_queue_crawl *c, size_t *origins, size_t *bad);

/* Queue the tick name (overdue, verify, recrawl, purge, frontier, notices) every
 * every_secs, first due now; an existing one gets the new interval. */
int kz_queue_add_tick(kz_store *st, const char *name, int64_t every_secs);

/* The default schedule for the ticks not scheduled yet: overdue 1m,
 * frontier 30s, recrawl 5m, verify 6h, purge 1d (a tick scheduled already
 * keeps its interval).  *added (may be NULL): ticks new.  Any number of
 * processes may call it at once. */
int kz_queue_schedule_defaults(kz_store *st, size_t *added);

/* A crawl job for every origin of source_id (0: every source) that has
 * queued URLs and none pending or leased.  *made (may be NULL). */
int kz_queue_sync_frontier(kz_store *st, int64_t source_id, size_t *made);

/* ---- status ---- */

/* What `kuzet status` and the web app's status page show: the workers seen
 * in the last hour (alive: seen within 90 s and not stopped), their
 * counters and rates; the queue's depth per kind and state; leases that
 * expire within 10 s; the 20 latest job errors.  Text fields are cut to
 * fit. */
typedef struct kz_worker_status {
    char    id[128], host[128], roles[64], last_error[256];   /* "" for none */
    int64_t pid, seen_ms_ago, jobs_done, jobs_failed, leases_lost, pages, records;
    double  pages_per_s, records_per_s;
    int     alive;
} kz_worker_status;

typedef struct kz_queue_depth {
    char    kind[16], state[16];
    int64_t jobs;
} kz_queue_depth;

typedef struct kz_lease_status {
    int64_t id, expires_in_ms;
    char    kind[16], key[256], owner[128];
} kz_lease_status;

typedef struct kz_job_error {
    int64_t id, attempts;
    char    kind[16], key[256], state[16], error[256];
} kz_job_error;

typedef struct kz_queue_status {
    kz_worker_status *workers;
    size_t            nworkers, alive;
    kz_queue_depth   *depth;          /* by kind, then state */
    size_t            ndepth;
    kz_lease_status  *leases;
    size_t            nleases;
    kz_job_error     *errors;         /* the latest first */
    size_t            nerrors;
} kz_queue_status;

/* Read it (PostgreSQL only: KZ_EINVAL on SQLite); *out freed with
 * kz_queue_status_free (NULL-safe, sets *out = NULL). */
int  kz_queue_status_read(kz_store *st, kz_queue_status **out);
void kz_queue_status_free(kz_queue_status **out);

/* The same as JSON (kuzet status --json): {"workers":[...],"queue":{kind:
 * {state: n}},"leases_expiring":[...],"errors":[...]}. */
int kz_queue_status_json(kz_store *st, kz_buf *out);

#endif
