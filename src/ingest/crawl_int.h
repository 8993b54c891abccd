/*
 * ingest/crawl_int.h - what the files of the crawler share (not an API):
 * the handle, its origins, jobs and requests, and the functions one part
 * calls in another.  The parts, along the data flow:
 *
 *   crawl.c          the handle and the scheduler (which request starts next)
 *   crawl_mem.c      the in-memory frontier (no store: small crawls, tests)
 *   crawl_url.c      the seen-cache, URLs and scope, origins, queueing, links
 *   crawl_page.c     events, and what a response is (sniffing, charset,
 *                    feeds, images, robots.txt, pages)
 */
#ifndef KZ_CRAWL_INT_H
#define KZ_CRAWL_INT_H

#include "ingest/crawl.h"
#include "ingest/charset.h"
#include "ingest/feed.h"
#include "ingest/html.h"
#include "ingest/links.h"
#include "ingest/robots.h"
#include "ingest/sitemap.h"
#include "ingest/sniff.h"
#include "url/url.h"
#include "util/buf.h"
#include "util/hset.h"
#include <curl/curl.h>
#include <regex.h>
#include <strings.h>
#include <time.h>
#include <xxhash.h>

#define MAX_SEEN      (4u << 20)   /* URLs remembered by the in-memory frontier */
#define MAX_DELAY_MS  30000        /* a Crawl-delay above this is capped */
#define WINDOW        512          /* queued jobs of one origin kept in memory */
#define CACHE_BITS    18           /* the seen-cache: 2^18 key hashes (2 MiB) */

/* What a queued URL is fetched for. */
enum job_kind {
    JOB_PAGE,                      /* a page (HTML, or a feed): text and links */
    JOB_IMAGE,                     /* an image a page refers to */
    JOB_SITEMAP,                   /* a sitemap robots.txt names */
    JOB_SITEMAP_CHILD,             /* a sitemap a sitemap index names */
};

#define MAX_ROBOTS_SITEMAPS 64     /* Sitemap: lines of one robots.txt followed */
#define MAX_INDEX_SITEMAPS  1000   /* sitemaps of one index followed */
#define MAX_SITEMAP_URLS    50000  /* page URLs taken from sitemaps in one run */

struct job {
    char    *url;                  /* what to fetch (curl's normal form) */
    unsigned depth;
    int      seed;
    int      is_seed;
    int      kind;                 /* enum job_kind */
    int64_t  fid;                  /* the frontier's id; 0: not from the frontier */
};

struct origin {
    char       *key;               /* scheme://host:port */
    kz_robots  *robots;            /* NULL: everything allowed */
    int         robots_state;      /* 0 not asked, 1 in flight, 2 known */
    int         deny_all;          /* robots.txt 5xx */
    int         fail_kind;         /* robots.txt not fetched: the origin is unreachable */
    char       *fail_msg;
    int         busy;              /* requests in flight */
    int64_t     next_ms;
    long        delay_ms;
    struct job *q;                 /* the window: q[qhead..qlen) */
    size_t      qhead, qlen, qcap;
    int64_t     cursor;            /* the last frontier id taken */
    int         more;              /* the frontier may have more queued */
};

struct req {                       /* the user pointer of a transfer */
    struct req    *prev, *next;    /* in kz_crawl.reqs */
    struct origin *o;
    int            is_robots;
    struct job     job;
};

struct scope {
    char *name;
    int   is_host;                 /* 1: exact host; 0: registrable domain */
};

/* The in-memory frontier: a FIFO per origin and the set of every key. */
struct mem_job {
    int64_t  id;
    char    *url;
    unsigned depth;
    int      seed, is_seed, kind;
};
struct mem_origin {
    char           *key;
    struct mem_job *q;
    size_t          qhead, qlen, qcap;
};
struct mem_frontier {
    kz_hset             seen;      /* the keys added (owned copies) */
    struct mem_origin **org;
    size_t              norg, caporg;
    int64_t             next_id;
    size_t              queued;    /* added, not done */
};

struct kz_crawl {
    kz_crawl_opts  o;
    char          *agent;
    kz_fetch      *f;
    struct origin **org;
    size_t         norg, caporg;
    kz_hset        oidx;           /* origin key -> position in org */
    size_t         rr;             /* where the next schedule() starts */
    kz_frontier_ops fr;
    struct mem_frontier *mem;      /* when no frontier was given */
    int            loaded;         /* the frontier's origins are known */
    uint64_t      *cache;          /* hashes of keys added; 0 = empty */
    regex_t        inc, exc;
    int            has_inc, has_exc;
    int64_t        cur_id;         /* the job of the event being reported */
    int            skip_links;     /* the callback asked not to follow them */
    struct scope  *scope;
    size_t         nscope, capscope;
    int            nseeds;
    size_t         started;        /* page fetches started */
    struct req    *reqs;           /* in flight */
    kz_crawl_stats st;
    kz_buf         text;
    struct content *ct;            /* sniffing, charset, feed state (page_done) */
    size_t         sitemap_urls;   /* page URLs taken from sitemaps in this run */
    kz_url         u;
    kz_crawl_fn    fn;
    void          *arg;
    int            stop_rc;
    char           why[KZ_URL_WHY_MAX];
};

static inline int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct links_ctx {
    kz_crawl   *c;          /* queue them, or ... */
    kz_buf     *out;        /* ... list them */
    const char *base;
    unsigned    depth;
    int         seed;
    size_t      n, max;     /* links (pages and feeds) taken, at most */
    size_t      nimg, max_img;
    int         rc;
};

struct content;

/* crawl_mem.c: the in-memory frontier's operations (store/frontier_ops.h) */
int kz__crawl_mem_add(void *self, const kz_frontier_job *j);
int kz__crawl_mem_claim(void *self, const char *key, const char *url);
int kz__crawl_mem_take(void *self, const char *origin, int64_t *cursor, size_t max,
                    kz_frontier_job_fn fn, void *arg);
int kz__crawl_mem_done(void *self, int64_t id, const char *outcome, long status);
int kz__crawl_mem_origins(void *self, kz_frontier_origin_fn fn, void *arg);
size_t kz__crawl_mem_queued(void *self);
void kz__crawl_mem_free(struct mem_frontier *m);

/* crawl_url.c */
int kz__crawl_seen_add(kz_crawl *c, char *key);
char *kz__crawl_resolve(const char *base, const char *href, char **origin, long *port);
int kz__crawl_host_in_scope(const kz_crawl *c, const char *host, size_t n);
void kz__crawl_origin_free(struct origin *o);
int kz__crawl_origin_known(void *arg, const char *origin);
int kz__crawl_enqueue(kz_crawl *c, const char *base, const char *href, unsigned depth, int seed,
                   int is_seed, int kind);
int kz__crawl_walk_links(const char *html, size_t n, const char *page_url, struct links_ctx *lc);

/* crawl_page.c: kz__crawl_on_done is kz_fetch's callback */
void kz__crawl_emit(kz_crawl *c, int what, const struct job *j, const char *url, long status,
                 int kind, const char *msg, const char *text, size_t tlen, const char *lang);
void kz__crawl_content_free(struct content *ct);
void kz__crawl_job_done(kz_crawl *c, const struct job *j, const char *outcome, long status);
void kz__crawl_on_done(void *arg, const kz_fetch_result *r);

#endif
