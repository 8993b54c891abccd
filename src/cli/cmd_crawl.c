/*
 * cli/cmd_crawl.c - kuzet crawl: fetch public pages from seeds, scan, store.
 *
 * The crawl itself is ingest/crawl.h (robots.txt, politeness, scope, caps,
 * SSRF guard).  Here each HTML page's visible text is scanned with the
 * rules and, when it has hits, stored like `kuzet ingest` stores a post:
 * an item (url = canonical page URL, platform = host) with its detections,
 * and a case per flagged category.
 *
 * The frontier is in the store (store/frontier.h), under a named source:
 * run the same command again after a crash or a kill and the crawl goes on
 * where it was.  Every transaction goes through the frontier, so that a
 * page's URL is committed as done in the same transaction as the page, or
 * after it: a batch of up to 32 stored pages or 256 URLs done, or what came
 * in about a second.  A page whose text (SHA-256) was already seen in the
 * source - unchanged since its last fetch, or the same as another URL's -
 * is neither scanned nor stored again, and its links are not followed.
 */
#include "cli.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "ingest/crawl.h"
#include "ingest/image.h"
#include "pipeline/evidence.h"
#include "store/audit.h"
#include "store/frontier.h"
#include "store/store.h"
#include "util/buf.h"
#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#ifndef KZ_VERSION
#define KZ_VERSION "0.1.0"
#endif

static const char usage_text[] =
    "usage: kuzet crawl --seeds FILE --rules FILE [--db URI] [--source NAME] [--depth N]\n"
    "                   [--max-pages N] [--recrawl DURATION] [--delay MS] [--per-host N]\n"
    "                   [--contact URL] [--same-host] [--include REGEX] [--exclude REGEX]\n"
    "                   [--allow-private] [--allow-addr IP] [--timeout MS]\n"
    "                   [--max-body BYTES] [--parallel N] [--quiet] [--one-thread]\n"
    "\n"
    "Fetches the seed URLs (one per line; '#' comments) and the pages they link to\n"
    "within the seeds' registrable domains, obeying robots.txt, one request at a\n"
    "time per site.  Each HTML page is scanned; pages with hits are stored as items\n"
    "with detections, and a page flagged for a category opens a case.  What was\n"
    "queued and fetched is kept in the database under the source's name: run the\n"
    "same command again to resume an interrupted crawl.\n"
    "\n"
    "  --seeds FILE        seed URLs (required)\n"
    "  --rules FILE        the YAML rule file (required)\n"
    "  --db URI            sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "  --source NAME       the crawl's name in the database (default \"default\")\n"
    "  --depth N           links followed from a seed (default 2; 0: seeds only)\n"
    "  --max-pages N       pages fetched at most in this run (default 1000)\n"
    "  --recrawl DURATION  fetch again pages fetched longer ago (e.g. 30m, 6h, 7d)\n"
    "  --delay MS          between requests to one site (default 1000; a larger\n"
    "                      robots.txt Crawl-delay wins)\n"
    "  --per-host N        requests in flight per site (default 1); politeness off:\n"
    "                      --per-host 16 --delay 0, on sites you run yourself\n"
    "  --contact URL       put in the User-Agent, so site owners can reach you\n"
    "  --same-host         stay on each seed's host, not its registrable domain\n"
    "  --include REGEX     follow only links matching this (POSIX extended)\n"
    "  --exclude REGEX     do not follow links matching this\n"
    "  --allow-private     allow loopback/private/reserved addresses (SSRF guard off)\n"
    "  --allow-addr IP     allow this one address even though it is not public\n"
    "  --timeout MS        whole-fetch time limit (default 30000)\n"
    "  --max-body BYTES    body size limit (default 10485760)\n"
    "  --parallel N        fetches in flight, over all sites (default 16)\n"
    "  --quiet             no progress, no per-URL errors, no summary\n"
    "  --one-thread        scan on the thread that fetches (default: a second thread\n"
    "                      scans while the first fetches and stores)\n"
    "\n"
    "Exit status: 0; 1 when a seed could not be fetched at all or storing failed;\n"
    "2 on usage errors.\n";

struct pipe;

typedef struct crawl_run {
    kz_store    *st;
    kz_frontier *fr;
    kz_crawl    *cr;
    kz_scanner  *sc;
    kz_scan_ctx *cx;
    kz_evidence *ev;            /* what becomes evidence (pipeline/evidence.h) */
    int          quiet, tty, in_tx, store_failed;
    size_t       batch;
    size_t       flagged, created, updated, cases, seeds_failed, scan_errors;
    size_t       unchanged, dup_content;
    int          progress_shown;
    char         store_err[512];
    struct pipe *pipe;          /* pages scanned on a second thread (not --one-thread) */
} crawl_run;

static void clear_progress(crawl_run *g)
{
    if (g->progress_shown) {
        fputs("\r\033[K", stderr);
        g->progress_shown = 0;
    }
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) { interrupted = sig; }

/* Commit the pages stored and the frontier's writes (one transaction). */
static int pipe_drain(crawl_run *g, int all);

static int commit_batch(crawl_run *g)
{
    if (g->pipe)
        pipe_drain(g, 1);       /* every page whose URL is done is stored first */
    g->in_tx = 0;
    g->batch = 0;
    int rc = kz_frontier_commit(g->fr);
    if (rc) {
        snprintf(g->store_err, sizeof g->store_err, "%s", kz_store_errmsg(g->st));
        g->store_failed = 1;
    }
    return rc;
}

/* Open the transaction (the frontier's) the next writes go into. */
static int begin_tx(crawl_run *g)
{
    int rc = kz_frontier_begin(g->fr);
    if (rc) {
        snprintf(g->store_err, sizeof g->store_err, "%s", kz_store_errmsg(g->st));
        g->store_failed = 1;
        return rc;
    }
    g->in_tx = 1;
    return 0;
}

/* Store a scanned page: one with hits, or one without that matches a block
 * bank.  0 (stored or not needed), < 0 a storage error (recorded). */
static int store_page(crawl_run *g, const kz_crawl_event *ev, const kz_result *r,
                      const char *sha)
{
    int rc;
    if ((rc = begin_tx(g)) != 0)
        return rc;
    kz_item_in it = { ev->url, strlen(ev->url), ev->host, strlen(ev->host), NULL, 0,
                      ev->lang[0] ? ev->lang : NULL, strlen(ev->lang), NULL, 0,
                      ev->text, ev->text_len, sha };
    kz_ingest_out out;
    kz_evidence_reset(g->ev);
    /* without hits, a page is stored only when it matches a block bank: a
     * re-upload that evades the rules (pipeline/evidence.h, as kuzet ingest) */
    if ((rc = kz_evidence_keep(g->ev, &it, r, 0, &out)) <= 0) {
        if (rc < 0)
            goto fail;
        return 0;
    }
    if (out.item_created) g->created++;
    else g->updated++;
    g->cases += out.cases_opened;
    if (++g->batch >= 32 && !g->pipe)   /* pipelined: the crawl loop commits */
        return commit_batch(g);
    return 0;
fail:
    snprintf(g->store_err, sizeof g->store_err, "%s", kz_store_errmsg(g->st));
    kz_frontier_rollback(g->fr);
    g->in_tx = 0;
    g->store_failed = 1;
    return rc;
}

/* Has the source seen this text before?  1: yes (counted; its links are
 * not followed), 0: no (its hash recorded), < 0: a storage error. */
static int seen_content(crawl_run *g, const kz_crawl_event *ev, char sha[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!EVP_Digest(ev->text, ev->text_len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return KZ_EINTERNAL;
    sodium_bin2hex(sha, 65, md, sizeof md);     /* OpenSSL's SHA-256 uses the CPU's SHA
                                                   instructions: 5x libsodium's here */
    int64_t id = kz_crawl_current_job(g->cr);
    if (id <= 0)
        return 0;
    int rc = kz_frontier_content(g->fr, id, sha);
    if (rc < 0) {
        snprintf(g->store_err, sizeof g->store_err, "%s", kz_store_errmsg(g->st));
        kz_frontier_rollback(g->fr);
        g->in_tx = 0;
        g->store_failed = 1;
        return rc;
    }
    if (rc == KZ_FRONTIER_NEW)
        return 0;
    if (rc == KZ_FRONTIER_UNCHANGED)
        g->unchanged++;
    else
        g->dup_content++;
    kz_crawl_skip_links(g->cr);
    return 1;
}

/* ---- the scan on a second thread (unless --one-thread) ----------------------
 *
 * The crawl thread checks a page's content (seen before?), copies it into a
 * ring of PIPE_SLOTS slots and goes on; the scan thread scans the slots in
 * order; the crawl thread stores the scanned ones, in order, whenever it
 * passes by.  Every commit first waits for all queued pages and stores them
 * (pipe_drain), and the frontier never commits by itself in this mode, so a
 * URL is never committed as done before its page is stored: a kill loses
 * nothing that was committed. */

#define PIPE_SLOTS 16

struct slot {
    int       state;            /* 0 free, 1 queued, 2 scanned */
    char     *url, *host, *lang, *text;
    size_t    text_len;
    char      sha[65];
    int       rc;               /* kz_scan's */
    kz_hit   *hits;
    size_t    nhits, cap_hits, nflagged;
    uint32_t *score;
    uint8_t  *flagged;
};

struct pipe {
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    struct slot     s[PIPE_SLOTS];
    size_t          fill, scan, store;  /* next slot to fill, to scan, to store */
    int             stop;
    kz_scan_ctx    *cx;
    size_t          ncats;
};

static void *pipe_main(void *arg)
{
    struct pipe *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->s[p->scan].state != 1)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->s[p->scan].state != 1) {         /* stopped, nothing queued */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        struct slot *sl = &p->s[p->scan];
        pthread_mutex_unlock(&p->mu);
        kz_result r;
        sl->rc = kz_scan(p->cx, sl->text, sl->text_len, &r);
        if (!sl->rc && r.nhits > sl->cap_hits) {
            kz_hit *nh = kz_realloc(sl->hits, r.nhits * sizeof *nh);
            if (nh) {
                sl->hits = nh;
                sl->cap_hits = r.nhits;
            } else {
                sl->rc = KZ_ENOMEM;
            }
        }
        if (!sl->rc) {
            if (r.nhits)
                memcpy(sl->hits, r.hits, r.nhits * sizeof *r.hits);
            sl->nhits = r.nhits;
            memcpy(sl->score, r.score, p->ncats * sizeof *r.score);
            memcpy(sl->flagged, r.flagged, p->ncats);
            sl->nflagged = r.nflagged;
        }
        pthread_mutex_lock(&p->mu);
        sl->state = 2;
        p->scan = (p->scan + 1) % PIPE_SLOTS;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

static void slot_clear(struct slot *sl)
{
    free(sl->url);
    free(sl->host);
    free(sl->lang);
    free(sl->text);
    sl->url = sl->host = sl->lang = sl->text = NULL;
    sl->state = 0;
}

/* The ring and the scan thread's state (the thread is not running). */
static void pipe_free(struct pipe *p)
{
    for (size_t i = 0; i < PIPE_SLOTS; i++) {
        slot_clear(&p->s[i]);
        free(p->s[i].hits);
        free(p->s[i].score);
        free(p->s[i].flagged);
    }
    kz_scan_ctx_free(p->cx);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

static int pipe_start(crawl_run *g)
{
    struct pipe *p = kz_calloc(1, sizeof *p);
    if (!p)
        return KZ_ENOMEM;
    p->ncats = kz_scanner_ncats(g->sc);
    int ok = (p->cx = kz_scan_ctx_new(g->sc)) != NULL;
    for (size_t i = 0; ok && i < PIPE_SLOTS; i++)
        ok = (p->s[i].score = kz_calloc(p->ncats + 1, sizeof *p->s[i].score)) &&
             (p->s[i].flagged = kz_calloc(p->ncats + 1, 1));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (ok && pthread_create(&p->th, NULL, pipe_main, p) == 0) {
        g->pipe = p;
        return 0;
    }
    pipe_free(p);
    return KZ_ENOMEM;
}

/* Store the scanned slot (its page) as on_event does without the pipe. */
static int pipe_store_one(crawl_run *g, struct slot *sl)
{
    int rc = 0;
    if (sl->rc) {
        g->scan_errors++;
        if (!g->quiet) {
            clear_progress(g);
            kz_cli_err("%s: cannot scan: %s", sl->url, kz_strerror(sl->rc));
        }
    } else if (!g->store_failed) {
        kz_result r = { sl->hits, sl->nhits, 0, sl->score, sl->flagged, sl->nflagged, 0 };
        kz_crawl_event ev;
        memset(&ev, 0, sizeof ev);
        ev.what = KZ_CRAWL_PAGE;
        ev.url = sl->url;
        ev.host = sl->host;
        ev.lang = sl->lang;
        ev.text = sl->text;
        ev.text_len = sl->text_len;
        g->flagged += r.nflagged > 0;
        rc = store_page(g, &ev, &r, sl->sha);
    }
    return rc;
}

/* Store the scanned slots at the head of the ring, in order; with all,
 * wait for every queued one.  The first storage error, or 0. */
static int pipe_drain(crawl_run *g, int all)
{
    struct pipe *p = g->pipe;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        struct slot *sl = &p->s[p->store];
        while (all && sl->state == 1)
            pthread_cond_wait(&p->cv, &p->mu);
        int ready = sl->state == 2;
        pthread_mutex_unlock(&p->mu);
        if (!ready)
            return rc;
        int r1 = pipe_store_one(g, sl);
        if (r1 && !rc)
            rc = r1;
        pthread_mutex_lock(&p->mu);
        slot_clear(sl);
        p->store = (p->store + 1) % PIPE_SLOTS;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Queue a page for the scan thread (stores what is ready to make room). */
static int pipe_push(crawl_run *g, const kz_crawl_event *ev, const char *sha)
{
    struct pipe *p = g->pipe;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int state = p->s[p->fill].state;
        if (state != 0 && p->s[p->store].state != 2)
            pthread_cond_wait(&p->cv, &p->mu);
        state = p->s[p->fill].state;
        pthread_mutex_unlock(&p->mu);
        if (state == 0)
            break;
        if ((rc = pipe_drain(g, 0)) != 0)
            return rc;
    }
    struct slot *sl = &p->s[p->fill];
    sl->url = kz_strdup(ev->url);
    sl->host = kz_strdup(ev->host);
    sl->lang = kz_strdup(ev->lang);
    sl->text = kz_malloc(ev->text_len + 1);
    if (!sl->url || !sl->host || !sl->lang || !sl->text) {
        slot_clear(sl);
        return KZ_ENOMEM;
    }
    memcpy(sl->text, ev->text, ev->text_len);
    sl->text[ev->text_len] = '\0';
    sl->text_len = ev->text_len;
    memcpy(sl->sha, sha, sizeof sl->sha);
    pthread_mutex_lock(&p->mu);
    sl->state = 1;
    p->fill = (p->fill + 1) % PIPE_SLOTS;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Store what is queued, stop the scan thread, free the ring. */
static int pipe_stop(crawl_run *g)
{
    struct pipe *p = g->pipe;
    if (!p)
        return 0;
    int rc = pipe_drain(g, 1);
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pipe_free(p);
    g->pipe = NULL;
    return rc;
}

static int on_event(void *arg, const kz_crawl_event *ev)
{
    crawl_run *g = arg;
    if (ev->what == KZ_CRAWL_IMAGE && begin_tx(g) != 0)
        return KZ_EDB;                  /* what stores an image finds the transaction open */
    switch (ev->what) {
    case KZ_CRAWL_PAGE: {
        kz_result r;
        char sha[65];
        int rc = seen_content(g, ev, sha);
        if (rc)
            return rc < 0 ? rc : 0;
        if (g->pipe) {
            if ((rc = pipe_drain(g, 0)) == 0)   /* store what is ready first */
                rc = pipe_push(g, ev, sha);
            return rc;
        }
        rc = kz_scan(g->cx, ev->text, ev->text_len, &r);
        if (rc) {
            g->scan_errors++;
            if (!g->quiet) {
                clear_progress(g);
                kz_cli_err("%s: cannot scan: %s", ev->url, kz_strerror(rc));
            }
            return 0;
        }
        g->flagged += r.nflagged > 0;
        return store_page(g, ev, &r, sha);
    }
    case KZ_CRAWL_ERROR:
        if (ev->is_seed)
            g->seeds_failed++;
        if (!g->quiet) {
            clear_progress(g);
            kz_cli_err("%s: %s: %s", ev->fetched_url, kz_fetch_kind_name(ev->fetch_kind),
                       ev->errmsg);
        }
        return 0;
    case KZ_CRAWL_HTTP:
        if (ev->is_seed)
            g->seeds_failed++;
        if (!g->quiet) {
            clear_progress(g);
            kz_cli_err("%s: %s", ev->fetched_url, ev->errmsg);
        }
        return 0;
    case KZ_CRAWL_IMAGE: {      /* re-uploaded images: hashed, matched, stored (pipeline/evidence.h) */
        kz_ingest_out out;
        int rc = kz_evidence_store_image(g->ev, ev->url, ev->host, ev->body, ev->body_len,
                                         &g->in_tx, &out);
        if (rc && kz_evidence_errmsg(g->ev)[0]) {  /* it does not decode: reported, the crawl goes on */
            if (!g->quiet) {
                clear_progress(g);
                kz_cli_err("%s: %s", ev->url, kz_evidence_errmsg(g->ev));
            }
            return 0;
        }
        if (rc) {
            snprintf(g->store_err, sizeof g->store_err, "%s", kz_store_errmsg(g->st));
            kz_frontier_rollback(g->fr);    /* the transaction is the frontier's */
            g->in_tx = 0;
            g->store_failed = 1;
            return rc;
        }
        if (out.item_id) {
            g->flagged++;
            if (out.item_created) g->created++;
            else g->updated++;
            g->cases += out.cases_opened;
        }
        return 0;
    }
    default:
        return 0;
    }
}

static void progress(crawl_run *g, const kz_crawl_stats *s, double secs, int final)
{
    char line[256];
    snprintf(line, sizeof line, "%zu pages, %.1f pages/s, %zu queued, %zu in flight, "
             "%zu errors, %zu flagged, %zu seen before", s->pages,
             secs > 0 ? (double)s->pages / secs : 0.0, s->queued, s->in_flight,
             s->errors + s->http_errors, g->flagged, g->unchanged + g->dup_content);
    if (g->tty) {
        fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
        g->progress_shown = !final;
    } else if (!final) {
        fprintf(stderr, "kuzet crawl: %s\n", line);
    }
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_num(const char *opt, const char *arg, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi) {
        kz_cli_err("%s: '%s' is not a number from %ld to %ld", opt, arg, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_crawl(int argc, char **argv)
{
    static const struct option opts[] = {
        { "seeds", required_argument, NULL, 's' },
        { "rules", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "depth", required_argument, NULL, 'D' },
        { "max-pages", required_argument, NULL, 'P' },
        { "delay", required_argument, NULL, 'w' },
        { "contact", required_argument, NULL, 'c' },
        { "same-host", no_argument, NULL, 'H' },
        { "allow-private", no_argument, NULL, 'A' },
        { "allow-addr", required_argument, NULL, 'a' },
        { "timeout", required_argument, NULL, 't' },
        { "max-body", required_argument, NULL, 'b' },
        { "parallel", required_argument, NULL, 'p' },
        { "quiet", no_argument, NULL, 'q' },
        { "one-thread", no_argument, NULL, 'T' },
        { "source", required_argument, NULL, 'S' },
        { "recrawl", required_argument, NULL, 'R' },
        { "per-host", required_argument, NULL, 'O' },
        { "include", required_argument, NULL, 'I' },
        { "exclude", required_argument, NULL, 'X' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *seeds_path = NULL, *rules_path = NULL, *uri = NULL, *contact = NULL;
    const char *source = "default";
    long depth = 2, max_pages = 1000, delay = 1000, timeout = 30000, parallel = 16, per_host = 1;
    long long recrawl = 0;
    int scan_thread = 1;
    size_t max_body = 10u << 20;
    kz_crawl_opts co;
    memset(&co, 0, sizeof co);
    int c;
    crawl_run g;
    memset(&g, 0, sizeof g);
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:r:d:D:P:w:c:HAa:t:b:p:qhS:R:O:I:X:", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (!kz_frontier_name_ok(optarg)) {
                kz_cli_err("--source: '%s': 1 to %d letters, digits, '.', '_' or '-'", optarg,
                           KZ_FRONTIER_NAME_MAX);
                return KZ_EXIT_USAGE;
            }
            source = optarg;
            break;
        case 'R':
            if ((recrawl = kz_cli_duration(optarg, 0)) < 1) {
                kz_cli_err("--recrawl: '%s' is not a duration (90, 90s, 30m, 6h, 7d)", optarg);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'O': if (parse_num("--per-host", optarg, 1, 256, &per_host)) return KZ_EXIT_USAGE; break;
        case 'I':
        case 'X': {
            regex_t re;
            int e = regcomp(&re, optarg, REG_EXTENDED | REG_NOSUB);
            if (e) {
                char why[256];
                regerror(e, &re, why, sizeof why);
                kz_cli_err("%s: '%s': %s", c == 'I' ? "--include" : "--exclude", optarg, why);
                return KZ_EXIT_USAGE;
            }
            regfree(&re);
            if (c == 'I') co.include = optarg;
            else co.exclude = optarg;
            break;
        }
        case 's': seeds_path = optarg; break;
        case 'r': rules_path = optarg; break;
        case 'd': uri = optarg; break;
        case 'D': if (parse_num("--depth", optarg, 0, 1000, &depth)) return KZ_EXIT_USAGE; break;
        case 'P':
            if (parse_num("--max-pages", optarg, 1, 100000000, &max_pages)) return KZ_EXIT_USAGE;
            break;
        case 'w': if (parse_num("--delay", optarg, 0, 3600000, &delay)) return KZ_EXIT_USAGE; break;
        case 'c': contact = optarg; break;
        case 'H': co.same_host = 1; break;
        case 'A': co.fetch.allow_private = 1; break;
        case 'a':
            if (kz_fetch_ip_public(optarg) == KZ_EINVAL) {
                kz_cli_err("--allow-addr: '%s' is not an IP address", optarg);
                return KZ_EXIT_USAGE;
            }
            co.fetch.allow_addr = optarg;
            break;
        case 't':
            if (parse_num("--timeout", optarg, 100, 3600000, &timeout)) return KZ_EXIT_USAGE;
            break;
        case 'b':
            if (kz_cli_size("--max-body", optarg, 1024, (size_t)1 << 30, &max_body))
                return KZ_EXIT_USAGE;
            break;
        case 'p': if (parse_num("--parallel", optarg, 1, 1000, &parallel)) return KZ_EXIT_USAGE; break;
        case 'q': g.quiet = 1; break;
        case 'T': scan_thread = 0; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (!seeds_path || !rules_path || optind < argc) {
        kz_cli_err(optind < argc ? "crawl takes no operands" : "crawl needs --seeds FILE and --rules FILE");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (contact && (strpbrk(contact, "()\r\n") || !*contact)) {
        kz_cli_err("--contact: a URL without parentheses or line breaks, please");
        return KZ_EXIT_USAGE;
    }
    int status = KZ_EXIT_USAGE;
    kz_ruleset *rs = NULL;
    kz_crawl *cr = NULL;
    FILE *sf = NULL;
    char *line = NULL;
    size_t linecap = 0;
    kz_buf errs, ua;
    kz_buf_init(&errs, 1u << 20);
    kz_buf_init(&ua, 4096);
    char err[512];
    size_t nseeds = 0, badseeds = 0;
    if (kz_rules_load(rules_path, &rs, &errs) != 0 || kz_scanner_new(rs, &g.sc, &errs) != 0) {
        fputs(errs.p ? errs.p : "", stderr);
        kz_cli_err("%s: rules not loaded; nothing crawled", rules_path);
        goto out;
    }
    if (!(sf = fopen(seeds_path, "r"))) {
        kz_cli_err("%s: cannot open: %s", seeds_path, strerror(errno));
        goto out;
    }
    status = KZ_EXIT_FAIL;
    if (kz_fetch_global_init() != 0) {
        kz_cli_err("cannot initialise libcurl");
        goto out;
    }
    if (contact ? kz_buf_addf(&ua, "kuzet/%s (+%s)", KZ_VERSION, contact)
                : kz_buf_addf(&ua, "kuzet/%s", KZ_VERSION)) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    co.agent = "kuzet";
    co.fetch.user_agent = ua.p;
    co.fetch.max_body = max_body;
    co.fetch.timeout_ms = timeout;
    co.fetch.connect_timeout_ms = KZ_MIN(timeout, 10000L);
    co.fetch.low_speed_secs = KZ_MAX(1L, KZ_MIN(10L, timeout / 1000));
    co.fetch.max_parallel = (size_t)parallel;
    co.fetch.max_redirs = 5;
    co.max_depth = (unsigned)depth;
    co.max_pages = (size_t)max_pages;
    co.delay_ms = delay;
    co.per_host = (unsigned)per_host;
    if (kz_cli_store_open(&g.st, uri, 1, err, sizeof err) != 0) {
        kz_cli_err("%s", err);
        goto out;
    }
    /* with the scan thread only the crawl loop commits (after the pipe is drained) */
    kz_frontier_opts fo = { recrawl, scan_thread ? SIZE_MAX : 0, (int)depth, co.same_host,
                            co.include, co.exclude };
    kz_frontier_info fi;
    int frc = kz_frontier_open(&g.fr, g.st, source, &fo, &fi);
    if (frc) {
        kz_cli_err("source %s: %s", source, frc == KZ_EDB || frc == KZ_EBUSY
                                                ? kz_store_errmsg(g.st) : kz_strerror(frc));
        goto out;
    }
    kz_crawl_frontier ops;
    kz_frontier_bind(g.fr, &ops);
    co.frontier = &ops;
    if (kz_crawl_new(&cr, &co) != 0) {
        kz_cli_err("cannot start the crawler");
        goto out;
    }
    g.cr = cr;
    if (!g.quiet && !fi.created) {
        if (fi.new_pass)
            kz_cli_err("source %s: %zu URLs known, none queued: starting again from the seeds",
                       source, fi.done);
        else
            kz_cli_err("source %s: resuming: %zu URLs queued (%zu due again), %zu done", source,
                       fi.queued, fi.due, fi.done);
    }
    ssize_t len;
    size_t lineno = 0;
    while ((len = getline(&line, &linecap, sf)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        const char *why = NULL;
        int rc = kz_crawl_add_seed(cr, s, &why);
        if (rc == KZ_EINVAL) {
            kz_cli_err("%s:%zu: %s: %s", seeds_path, lineno, s, why ? why : "bad URL");
            badseeds++;
            continue;
        }
        if (rc) {
            kz_cli_err("%s", kz_strerror(rc));
            goto out;
        }
        nseeds++;
    }
    if (nseeds == 0) {
        kz_cli_err("%s: no usable seed URL", seeds_path);
        status = badseeds ? KZ_EXIT_FAIL : KZ_EXIT_USAGE;
        goto out;
    }
    g.cx = kz_scan_ctx_new(g.sc);
    if (!g.cx || kz_evidence_new(&g.ev, g.st, g.sc) != 0) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    if (scan_thread && pipe_start(&g) != 0) {
        kz_cli_err("cannot start the scan thread: %s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    g.tty = !g.quiet && isatty(2);
    double t0 = mono(), last_log = t0, last_commit = t0;
    kz_crawl_stats s;
    int rc;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    for (;;) {
        rc = kz_crawl_run(cr, g.pipe ? 100 : 250, on_event, &g);
        double now = mono();
        if (rc <= 0 || g.store_failed || interrupted || now - last_commit >= 1.0 ||
            (g.pipe && now - last_commit >= 0.1)) {
            commit_batch(&g);
            last_commit = now;
        }
        if (rc <= 0 || g.store_failed || interrupted)
            break;
        kz_crawl_get_stats(cr, &s);
        if (!g.quiet && (g.tty || now - last_log >= 5.0)) {
            progress(&g, &s, now - t0, 0);
            last_log = now;
        }
    }
    commit_batch(&g);
    pipe_stop(&g);
    commit_batch(&g);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    clear_progress(&g);
    if (g.store_failed)
        kz_cli_err("storing failed: %s; the crawl was stopped", g.store_err);
    else if (rc < 0)
        kz_cli_err("the crawl stopped: %s", kz_strerror(rc));
    else if (interrupted)
        kz_cli_err("interrupted; what was fetched is kept: run the same command to go on");
    int not_signed = 0;         /* the key could not be loaded: said, and exit 1 */
    if (g.created || g.updated || g.cases) {
        char msg[512];
        not_signed = kz_cli_checkpoint(g.st, NULL, msg, sizeof msg) != 0;
    }
    kz_crawl_get_stats(cr, &s);
    if (!g.quiet) {
        kz_buf kinds;
        kz_buf_init(&kinds, 4096);
        for (int k = 1; k < KZ_FETCH_NKINDS; k++)
            if (s.by_kind[k])
                kz_buf_addf(&kinds, "%s%s %zu", kinds.len ? ", " : " (", kz_fetch_kind_name(k),
                            s.by_kind[k]);
        if (kinds.len)
            kz_buf_addc(&kinds, ')');
        double el = mono() - t0;
        fprintf(stderr, "kuzet crawl: %zu pages fetched in %.*f s, %zu not HTML, %zu HTTP errors, "
                "%zu skipped by robots.txt, %zu out of scope, %zu fetch errors%s; %zu flagged; "
                "items: %zu new, %zu updated; %zu cases opened; %zu unchanged, %zu duplicate "
                "content; %zu queued\n", s.pages, el < 10 ? 3 : 1, el,
                s.not_html, s.http_errors, s.robots_skipped, s.offscope, s.errors,
                kinds.p ? kinds.p : "", g.flagged, g.created, g.updated, g.cases, g.unchanged,
                g.dup_content, s.queued);
        kz_buf_release(&kinds);
        fprintf(stderr, "kuzet crawl: content: %zu images, %zu feeds (%zu items), "
                "%zu unusable charset labels\n", s.images, s.feeds, s.feed_items,
                s.charset_fallbacks);
    }
    status = g.store_failed || rc < 0 || g.seeds_failed || badseeds || interrupted || not_signed
                 ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    pipe_stop(&g);
    if (sf)
        fclose(sf);
    free(line);
    kz_evidence_free(&g.ev);
    kz_scan_ctx_free(g.cx);
    kz_crawl_free(&cr);
    if (kz_frontier_close(&g.fr) != 0 && status == KZ_EXIT_OK) {
        kz_cli_err("storing failed: %s", kz_store_errmsg(g.st));
        status = KZ_EXIT_FAIL;
    }
    kz_store_close(&g.st);
    kz_scanner_free(&g.sc);
    kz_ruleset_free(&rs);
    kz_buf_release(&errs);
    kz_buf_release(&ua);
    return status;
}
