/*
 * jobs/run.h - one leased job done: the same pipeline calls the command
 * line makes (pipeline/crawler.h, pipeline/ingest.h, pipeline/verifier.h,
 * case/case.h), under the job's lease (jobs/queue.h).
 *
 *   crawl   with an origin: kz_crawler_run on the source, shared, taking
 *           only that origin's queued URLs, at most slice_pages of them;
 *           every commit checks and renews the lease.  Without one (the
 *           seeding job kuzet jobs add crawl makes): the seeds queued.
 *           Then the job stays pending while its origin has queued URLs,
 *           and every origin of the source with queued URLs gets a job.
 *   ingest  kz_ingest_run over the chunk's bytes as one batch: one
 *           transaction, which also completes the job - the chunk's
 *           records are stored exactly once, whoever dies when.
 *   hash    the image at the job's URL fetched (one GET, the SSRF guard
 *           unless env->allow_private, KZ_IMAGE_MAX_BYTES, the crawl's
 *           User-Agent), then kz_evidence_store_fetched: recorded with the
 *           post's item when it was stored, matched against the block banks,
 *           an item and a case on a match - in the transaction that
 *           completes the job.  A 4xx answer, bytes that are not an image,
 *           and what fails the same every time (an address the SSRF guard
 *           refuses, a body over the limit, a bad URL, too many redirects)
 *           finish the job (said in why); a fetch that failed otherwise
 *           (DNS, connection, TLS, time) or a 5xx fails it, and it is leased
 *           again after a backoff.
 *   tick    overdue: kz_case_check_overdue as the system (notices past
 *           their deadline marked overdue, escalated), in the transaction
 *           that completes the tick; verify: kz_verifier_run; recrawl:
 *           pages fetched longer ago than their source's recrawl interval
 *           queued again; purge: kz_case_purge; frontier:
 *           kz_queue_sync_frontier; notices: kz_notices_deliver as the
 *           system (notices due delivered, failures retried, escalations),
 *           through env->smtp_url from env->mail_from.
 *
 * Nothing is printed; what happened is in the result.
 */
#ifndef KZ_JOBS_RUN_H
#define KZ_JOBS_RUN_H

#include "jobs/queue.h"
#include "detect/scan.h"
#include <signal.h>

typedef struct kz_jobs_env {
    kz_store         *store;        /* the queue's */
    kz_queue         *queue;
    const kz_scanner *scanner;      /* crawl, ingest */
    size_t            slice_pages;  /* crawl: pages per lease; 0: 100 */
    long              timeout_ms;   /* crawl: per fetch; 0: the crawler's default */
    const char       *contact;      /* crawl: User-Agent contact */
    unsigned          threads;      /* scan threads per job; 0: 1 */
    int               purge_days;   /* purge tick; 0: KZ_RETENTION_DAYS */
    volatile sig_atomic_t *stop;    /* set: the job's work is committed and it stops */
    const char       *smtp_url;     /* notices tick: the SMTP server (NULL: no e-mail) */
    const char       *mail_from;    /* notices tick: the sender's address */
    int               allow_private; /* hash: fetch from loopback and private addresses
                                       (tests, a lab); off: the SSRF guard */
} kz_jobs_env;

typedef struct kz_jobs_result {
    int     ok;                     /* finished (kz_queue_finish was told ok) */
    int     lease_lost;             /* the lease was no longer this worker's */
    int64_t pages, records;         /* fetched, ingested */
    int64_t images;                 /* ingest: hash jobs queued; hash: 1 hashed */
    int64_t created, cases;         /* items, cases */
    int64_t moved;                  /* tick: cases moved, URLs queued, items purged */
    char    why[512];               /* failure, or a one-line summary */
} kz_jobs_result;

/* kz_ingest_opts.on_image_url for a store on PostgreSQL: a hash job for
 * the image (kz_queue_add_hash), in the batch's transaction; a URL that is
 * not http(s) is skipped.  The ingest job sets it, and so does kuzet ingest
 * on PostgreSQL, so that workers with the hash role fetch the images. */
int kz_jobs_queue_image(void *ctx, kz_store *st, const char *url, size_t url_len, int64_t item_id,
                        const char *post_url, size_t post_url_len);

/* Do j (leased from env->queue) and finish it (kz_queue_finish).  0 when
 * the job was finished, ok or not (res->ok); KZ_ESTATE when its lease was
 * lost; else a storage error finishing it. */
int kz_jobs_run(const kz_jobs_env *env, kz_job *j, kz_jobs_result *res);

#endif
