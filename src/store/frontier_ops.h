/*
 * store/frontier_ops.h - the operations of a crawl frontier, as the crawler
 * (ingest/crawl.h) calls them and the store (store/frontier.h) provides
 * them: declared here, beside the data they keep, so that the crawler
 * depends on the store's interface and not the reverse.
 */
#ifndef KZ_FRONTIER_OPS_H
#define KZ_FRONTIER_OPS_H

#include "util/kz.h"

/*
 * The frontier: every URL the crawl has queued or dealt with.  The crawl
 * keeps only a bounded window of queued jobs per origin in memory (refilled
 * with take) and a bounded cache of the keys it has seen; the frontier holds
 * the rest.  Without one (kz_crawl_opts.frontier NULL) the crawl uses its
 * own in memory (everything kept: for small crawls and tests); store/
 * frontier.h keeps one in the database, so that a crawl survives restarts.
 *
 * A job's key is "PORT|CANONICAL-URL" (url/url.h): two URLs with the same
 * key are the same URL.  Strings given to the frontier are lent for the
 * call; strings it passes to a take callback, for the callback.
 */
typedef struct kz_frontier_job {
    int64_t     id;             /* the frontier's id (take), 0 in add */
    const char *key;            /* PORT|canonical URL */
    const char *url;            /* what is fetched */
    const char *origin;         /* scheme://host:port */
    unsigned    depth;
    int         seed, is_seed;
    int         kind;           /* 0 page, 1 image (what it is fetched for) */
} kz_frontier_job;

typedef int (*kz_frontier_job_fn)(void *arg, const kz_frontier_job *j);
typedef int (*kz_frontier_origin_fn)(void *arg, const char *origin);

typedef struct kz_frontier_ops {
    void *self;
    /* Queue j unless its key is known.  1: queued (a frontier that writes
     * in batches may not know yet: 1 then means "queued or known"), 0:
     * known, < 0: an error (the crawl stops with it). */
    int (*add)(void *self, const kz_frontier_job *j);
    /* Record key as seen without queueing it (the final URL of a redirect).
     * 1: it was new; 0: known; < 0 an error. */
    int (*claim)(void *self, const char *key, const char *url);
    /* Call fn for at most max queued jobs of origin whose id is above
     * *cursor, in id order (first queued, first out), and advance *cursor.
     * Returns how many, or < 0. */
    int (*take)(void *self, const char *origin, int64_t *cursor, size_t max,
                kz_frontier_job_fn fn, void *arg);
    /* Job id was dealt with, whatever the outcome: "ok" (a response with
     * status), "robots" (disallowed), or the fetch error's kind name
     * (kz_fetch_kind_name).  0 or < 0. */
    int (*done)(void *self, int64_t id, const char *outcome, long status);
    /* Call fn for every origin that has queued jobs (at the start). */
    int (*origins)(void *self, kz_frontier_origin_fn fn, void *arg);
    /* Jobs queued, in all (for progress). */
    size_t (*queued)(void *self);
} kz_frontier_ops;

#endif
