/*
 * jobs/ticker.h - the on-time jobs (the ticks of jobs/queue.h: overdue
 * notices marked and escalated, verification, recrawls, retention purges,
 * crawl jobs for queued URLs) run from inside a process that does other
 * work: `kuzet serve` starts one, so a single machine needs no worker.
 *
 * One thread with its own store handle.  On PostgreSQL it is a worker of
 * the role "tick" (kz_queue_open: it shows in `kuzet status`): it leases
 * the tick jobs under the same leases as `kuzet worker`, so each tick runs
 * once however many servers and workers are up, and it puts the default
 * schedule in place for the ticks nobody scheduled (kz_queue_schedule_defaults).
 * On SQLite, where there is no queue (one process on one machine), it runs
 * overdue, notices (delivery, retries, escalations: case/deliver.h), verify
 * and purge itself at the default intervals (recrawl and
 * frontier are the workers' and need PostgreSQL).  overdue_secs sets the
 * overdue interval: on PostgreSQL that of the queue's overdue tick, for
 * every process.
 *
 * What each tick did goes to the log callback (the caller prints it);
 * the library prints nothing.
 */
#ifndef KZ_JOBS_TICKER_H
#define KZ_JOBS_TICKER_H

#include "jobs/run.h"

typedef struct kz_ticker kz_ticker;

typedef struct kz_ticker_opts {
    const char *uri;                /* the store */
    const char *audit_key;          /* NULL: kz_audit_key_path */
    const char *owner;              /* the worker id on PostgreSQL ("host:pid:serve") */
    int         poll_ms;            /* longest wait between looks at the queue; 0: 1000 */
    int64_t     overdue_secs;       /* the overdue interval; 0: as scheduled (SQLite: 60) */
    int         purge_days;         /* 0: KZ_RETENTION_DAYS */
    const char *smtp_url;           /* notices tick: the SMTP server (NULL: no e-mail) */
    const char *mail_from;          /* notices tick: the sender's address */
    /* a tick done (or failed): res->why says what; may be NULL */
    void      (*log)(void *ctx, const char *tick, const kz_jobs_result *res);
    void       *ctx;
} kz_ticker_opts;

/* Start the thread.  0, or a KZ_E* code (the store cannot be opened, no
 * thread); then *out holds only why (kz_ticker_errmsg; NULL when there was
 * no memory for it) and kz_ticker_stop frees it. */
int  kz_ticker_start(kz_ticker **out, const kz_ticker_opts *o);
const char *kz_ticker_errmsg(const kz_ticker *t);      /* NULL: "out of memory" */
/* Stop it after the tick in hand and free it.  NULL-safe. */
void kz_ticker_stop(kz_ticker **tp);

#endif
