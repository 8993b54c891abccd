/*
 * store/frontier.h - the crawl frontier kept in the store, so that a crawl
 * survives restarts (store/frontier_ops.h, the operations ingest/crawl.h
 * calls).
 *
 * A crawl belongs to a named source (crawl_sources); every URL it queued or
 * fetched is a row of crawl_urls (migration 5), keyed by source and
 * "PORT|canonical URL", in state 'queued' or 'done'.  A URL is recorded as
 * queued before it is fetched and as done after its page went through the
 * caller (scanned, stored); so a crawler killed at any moment, run again,
 * fetches again only what was in flight or not committed yet, and loses
 * nothing.
 *
 * Writes are batched: the frontier keeps one transaction open (through
 * kz_store_begin, so the caller's own writes - the pages it stores - go into
 * the same transaction, in order) and commits it every `batch` URLs done,
 * and whenever the caller calls kz_frontier_commit.  New URLs are inserted
 * 64 rows per statement.  Because everything goes through one connection in
 * one order, a URL is never committed as done before the page it was
 * fetched for, nor before the links found on it.
 *
 * A run of a source with nothing queued is a new pass: its seeds are queued
 * again (their links lead to new pages; known pages are not fetched again).
 * With recrawl_secs, URLs fetched longer ago than that are queued again when
 * the frontier opens.
 *
 * Not thread-safe; one frontier per kz_store, and while it is open every
 * transaction on that store goes through kz_frontier_begin/commit/rollback.
 */
#ifndef KZ_FRONTIER_H
#define KZ_FRONTIER_H

#include "store/frontier_ops.h"
#include "store/store.h"

typedef struct kz_frontier kz_frontier;

#define KZ_FRONTIER_BATCH 256       /* URLs done per transaction, by default */
#define KZ_FRONTIER_NAME_MAX 64     /* bytes of a source name */

typedef struct kz_frontier_opts {
    int64_t recrawl_secs;           /* > 0: URLs fetched longer ago are due again */
    size_t  batch;                  /* URLs done per transaction; 0: KZ_FRONTIER_BATCH */
    /* the run's settings, recorded with the source (what it was last run with) */
    int         depth;              /* < 0: not recorded */
    int         same_host;
    const char *include, *exclude;  /* NULL: none */
    /* Shared by many runs at once (kuzet worker): no source lock, no new
     * pass (seeds already queued are left as they are), the run's settings
     * not recorded; and, with origin ("scheme://host:port"), only that
     * origin's queued URLs are taken, the others being another lease's
     * (links to them are still queued). */
    int         shared;
    const char *origin;
} kz_frontier_opts;

/* What kz_frontier_open found. */
typedef struct kz_frontier_info {
    int64_t source_id;
    int     created;                /* the source is new */
    int     new_pass;               /* nothing was queued: seeds are queued again */
    size_t  queued;                 /* URLs queued (left from a run, or due again) */
    size_t  due;                    /* of which made due again by recrawl_secs */
    size_t  done;                   /* URLs done in earlier runs (not due) */
} kz_frontier_info;

/* A source name: 1..KZ_FRONTIER_NAME_MAX bytes of [A-Za-z0-9._-]. */
int kz_frontier_name_ok(const char *name);

/* Open the frontier of source name in st (the source is created when
 * new), make URLs due with o->recrawl_secs, and fill *info (may be NULL).
 * 0, KZ_EINVAL (bad name), KZ_ENOMEM, KZ_EDB/KZ_EBUSY (kz_store_errmsg). */
int  kz_frontier_open(kz_frontier **out, kz_store *st, const char *name,
                      const kz_frontier_opts *o, kz_frontier_info *info);
/* Commit what is pending (a transaction left open), then free.  NULL-safe;
 * sets *fp = NULL.  Returns 0 or the commit's error. */
int  kz_frontier_close(kz_frontier **fp);

/* The interface the crawler uses (kz_crawl_opts.frontier); self is f. */
void kz_frontier_bind(kz_frontier *f, kz_frontier_ops *out);

/* Make sure a transaction is open, for the caller's writes. */
int kz_frontier_begin(kz_frontier *f);
/* Write the pending new URLs and commit (a no-op when nothing is open). */
int kz_frontier_commit(kz_frontier *f);
/* Roll back the open transaction: what it held is lost (URLs done in it
 * are fetched again by the next run). */
int kz_frontier_rollback(kz_frontier *f);

enum kz_frontier_content {
    KZ_FRONTIER_NEW,                /* content not seen in this source */
    KZ_FRONTIER_UNCHANGED,          /* the same as this URL had when last fetched */
    KZ_FRONTIER_DUP,                /* another URL of the source had it */
};
/* Record sha256 (64 hex digits) as the content of job id and say whether
 * it was seen: an enum kz_frontier_content, or < 0. */
int kz_frontier_content(kz_frontier *f, int64_t id, const char *sha256);

/* Record the charset page id was read in and where it came from ("header",
 * "detected"... ingest/charset.h), in the open transaction.  0 or < 0. */
int kz_frontier_charset(kz_frontier *f, int64_t id, const char *charset, const char *source);

/* URLs queued in the source (not done), as the frontier counts them. */
size_t kz_frontier_queued(const kz_frontier *f);

#endif
