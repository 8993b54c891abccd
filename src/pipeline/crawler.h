/*
 * pipeline/crawler.h - kuzet's crawl as one library call: seed URLs in;
 * pages fetched, scanned and, when they hold something, stored as items
 * with their detections and cases; events out.
 *
 * The fetch loop is ingest/crawl.h (robots.txt, politeness, scope, caps,
 * SSRF guard); the frontier is the store's (store/frontier.h), under a
 * named source, so that the same call after a crash or a kill goes on where
 * the last one was.  This is what joins them: each page's text is hashed
 * (SHA-256, util/sha256.h) and checked against what the source has seen -
 * unchanged since its last fetch, or the same as another URL's: neither
 * scanned nor stored again, its links not followed -; the others are
 * scanned (detect/scan.h) on `threads` workers (util/pool.h) while the
 * caller's thread fetches, and stored in the order they came
 * (pipeline/evidence.h: a page with hits, or one matching a block hash
 * bank); an image a page shows is hashed and stored when it matches a bank.
 *
 * Transactions: every write goes through the frontier's transaction, and
 * every commit first stores each page scanned or being scanned; the
 * frontier never commits on its own while pages are being scanned.  So a
 * URL is never committed as done before its page is stored: a kill loses
 * nothing that was committed (tests/crawl/resume.sh, in both modes).  A
 * commit comes every 0.1 s with scan threads (every 1 s, or 32 pages
 * stored, or 256 URLs done, without).
 *
 * The store is used only on the caller's thread, and every event is
 * delivered there: a front end needs no locking.  Nothing is printed;
 * nothing exits.
 */
#ifndef KZ_PIPELINE_CRAWLER_H
#define KZ_PIPELINE_CRAWLER_H

#include "util/kz.h"
#include "detect/scan.h"
#include "ingest/crawl.h"
#include "store/store.h"
#include <signal.h>

/* The defaults of kz_crawler_opts (0 in a field means its default). */
#define KZ_CRAWLER_DEPTH      2
#define KZ_CRAWLER_MAX_PAGES  1000
#define KZ_CRAWLER_DELAY_MS   1000
#define KZ_CRAWLER_TIMEOUT_MS 30000
#define KZ_CRAWLER_MAX_BODY   ((size_t)10 << 20)
#define KZ_CRAWLER_PARALLEL   16

typedef struct kz_crawler_stats {
    kz_crawl_stats crawl;       /* the fetch loop's counts (ingest/crawl.h) */
    size_t seeds, bad_seeds;    /* seed URLs usable, refused (each a KZ_CRAWLER_BAD_SEED) */
    size_t seeds_failed;        /* seeds that could not be fetched at all */
    size_t flagged;             /* pages (and images) flagged for some category */
    size_t created, updated;    /* items */
    size_t cases;               /* cases opened */
    size_t unchanged;           /* pages the same as when last fetched: not scanned */
    size_t dup_content;         /* pages the same as another URL's: not scanned */
    size_t scan_errors;         /* pages that could not be scanned */
    int    interrupted;         /* *stop was set */
    int    checkpoint;          /* 1 signed, 0 not needed, < 0 failed */
    int64_t elapsed_ms;         /* from the first fetch to the end */
} kz_crawler_stats;

typedef enum kz_crawler_what {
    KZ_CRAWLER_SOURCE = 1,      /* the source opened: created, new_pass, queued, due,
                                   done (what an earlier run left) */
    KZ_CRAWLER_BAD_SEED,        /* seed line `line` (url) refused: why */
    KZ_CRAWLER_FETCH,           /* a URL that gave no page: page->what is KZ_CRAWL_ERROR
                                   (no response) or KZ_CRAWL_HTTP (status >= 300) */
    KZ_CRAWLER_SCAN_ERROR,      /* url could not be scanned: rc */
    KZ_CRAWLER_IMAGE_ERROR,     /* the image at url does not decode: why */
    KZ_CRAWLER_STORED,          /* url stored as item_id (created, cases_opened) */
    KZ_CRAWLER_PROGRESS,        /* a slice of the fetch loop is done (about every
                                   0.1-0.25 s): stats */
    KZ_CRAWLER_STORE_ERROR,     /* storing failed (what was done and the server's
                                   message in why, rc); the run stops */
    KZ_CRAWLER_CHECKPOINT,      /* the audit checkpoint at the end: rc 0 and why the
                                   checkpoint line, or rc < 0 and why the reason;
                                   key_path, key_exposed */
} kz_crawler_what;

typedef struct kz_crawler_event {
    kz_crawler_what what;
    const kz_crawl_event *page; /* KZ_CRAWLER_FETCH: the fetch loop's event */
    const char *url;            /* SCAN_ERROR, IMAGE_ERROR, STORED, BAD_SEED */
    size_t      line;           /* KZ_CRAWLER_BAD_SEED: 1-based line of the seeds */
    const char *why;            /* lent for the call */
    int         rc;
    int64_t     item_id;        /* KZ_CRAWLER_STORED */
    int         created;
    size_t      cases_opened;
    int         created_source, new_pass;   /* KZ_CRAWLER_SOURCE */
    size_t      queued, due, done;
    const char *key_path;       /* KZ_CRAWLER_CHECKPOINT */
    int         key_exposed;
    const kz_crawler_stats *stats;  /* always: the counts so far */
} kz_crawler_event;

/* Called on the caller's thread; a non-zero return stops the run (what is
 * stored is committed first) and kz_crawler_run returns it. */
typedef int (*kz_crawler_fn)(void *ctx, const kz_crawler_event *ev);

typedef struct kz_crawler_opts {
    const kz_scanner *scanner;  /* required */
    kz_store   *store;          /* required (schema current) */
    const char *source;         /* the crawl's name in the store; NULL: "default" */
    const char *seeds;          /* seed URLs, one a line ('#' comments, blank lines) */
    size_t      seeds_len;
    unsigned    depth;          /* links followed from a seed; with depth_set, 0 is 0 */
    int         depth_set;      /* 0: KZ_CRAWLER_DEPTH */
    size_t      max_pages;      /* 0: KZ_CRAWLER_MAX_PAGES */
    long        delay_ms;       /* < 0: 0; 0: KZ_CRAWLER_DELAY_MS */
    unsigned    per_host;       /* requests in flight per site; 0: 1 */
    size_t      parallel;       /* fetches in flight; 0: KZ_CRAWLER_PARALLEL */
    long        timeout_ms;     /* whole-fetch limit; 0: KZ_CRAWLER_TIMEOUT_MS */
    size_t      max_body;       /* 0: KZ_CRAWLER_MAX_BODY */
    int64_t     recrawl_secs;   /* > 0: fetch again pages fetched longer ago */
    const char *contact;        /* put in the User-Agent (no '(', ')' or line breaks) */
    int         same_host;      /* scope: each seed's host, not its registrable domain */
    const char *include, *exclude;  /* POSIX extended regexes for links, or NULL */
    int         allow_private;  /* SSRF guard off */
    const char *allow_addr;     /* this one address allowed although not public */
    int         one_thread;     /* scan on the caller's thread */
    unsigned    threads;        /* scan threads otherwise; 0: 1 */
    int         no_checkpoint;  /* 1: sign no audit checkpoint at the end */
    const char *audit_key;      /* the checkpoint's key; NULL: kz_audit_key_path */
    int         shared;         /* the source is crawled by many runs at once (kuzet
                                   worker): store/frontier.h kz_frontier_opts.shared;
                                   the seeds only set the scope */
    const char *origin;         /* with shared: fetch only this origin's queued URLs */
    volatile sig_atomic_t *stop;    /* set (e.g. by a signal handler): commit and stop */
    kz_crawler_fn on_event;     /* may be NULL */
    void       *ctx;
} kz_crawler_opts;

/* Crawl.  *stats (may be NULL) gets the counts.  Returns 0 when the run
 * went to its end or was stopped through *stop (stats->interrupted) -
 * seeds refused or not fetched, pages not scanned and a checkpoint not
 * signed are in the stats and events, not errors -; else what stopped it:
 * KZ_EINVAL (bad options: no scanner or store, a bad source name,
 * contact, include or exclude; or no usable seed: stats->seeds is 0),
 * KZ_EBUSY (another run is crawling the source), a storage error (KZ_EDB,
 * KZ_EBUSY; a KZ_CRAWLER_STORE_ERROR was sent), KZ_ENOMEM, KZ_EINTERNAL
 * (libcurl, a thread), or the callback's value.  The detail of a storage
 * error, and of KZ_EBUSY, is kz_store_errmsg(o->store): what was being done
 * and the server's message. */
int kz_crawler_run(const kz_crawler_opts *o, kz_crawler_stats *stats);

/* "kuzet/VERSION" or "kuzet/VERSION (+contact)" into out: the crawl's
 * User-Agent.  0, or KZ_EINVAL (contact holds '(', ')' or a line break,
 * or is empty) / KZ_ETOOBIG. */
int kz_crawler_user_agent(const char *contact, char *out, size_t outsz);

#endif
