/*
 * cli/cmd_crawl.c - kuzet crawl: fetch public pages from seeds, scan, store.
 *
 * The work is pipeline/crawler.h (the fetch loop, the seen-content check,
 * the scan on a second thread, storing, the commits that never mark a URL
 * done before its page is stored, the checkpoint).  This file reads the
 * options and the seed file, catches SIGINT and SIGTERM (the crawl commits
 * and stops), and prints what the crawl reports: per-URL errors, a
 * progress line (on a terminal, else a log line every 5 s), the summary.
 */
#include "cli.h"
#include "detect/rules.h"
#include "pipeline/liverules.h"
#include "detect/scan.h"
#include "pipeline/crawler.h"
#include "store/frontier.h"
#include "store/store.h"
#include "util/buf.h"
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: kuzet crawl --seeds FILE [--rules FILE] [--db URI] [--source NAME] [--depth N]\n"
    "                   [--max-pages N] [--recrawl DURATION] [--delay MS] [--per-host N]\n"
    "                   [--contact URL] [--same-host] [--include REGEX] [--exclude REGEX]\n"
    "                   [--allow-private] [--allow-addr IP] [--timeout MS]\n"
    "                   [--max-body BYTES] [--parallel N] [--quiet] [--json] [--one-thread]\n"
    "\n"
    "Fetches the seed URLs (one per line; '#' comments) and the pages they link to\n"
    "within the seeds' registrable domains, obeying robots.txt, one request at a\n"
    "time per site.  Each HTML page is scanned; pages with hits are stored as items\n"
    "with detections, and a page flagged for a category opens a case.  What was\n"
    "queued and fetched is kept in the database under the source's name: run the\n"
    "same command again to resume an interrupted crawl.\n"
    "\n"
    "  --seeds FILE        seed URLs (required)\n"
    "  --rules FILE        the YAML rule file (detections record file:<sha256>);\n"
    "                      without it, the latest rule set published in the\n"
    "                      database (kuzet rules publish; detections record its number)\n"
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
    "  --json              the summary as one JSON object on stdout\n"
    "  --one-thread        scan on the thread that fetches (default: a second thread\n"
    "                      scans while the first fetches and stores)\n"
    "\n"
    "Exit status: 0; 1 when a seed could not be fetched at all or storing failed;\n"
    "2 on usage errors.\n";

typedef struct printer {
    const char *source, *seeds_path;
    int    quiet, tty, shown;   /* shown: a progress line is on the screen */
    int    opened;              /* the source was opened */
    double last_log;
    char   store_err[512];      /* storing failed: why (said at the end) */
    int    cp_rc, cp_seen, cp_exposed;
    char   cp_why[512], cp_key[1024];
} printer;

static void clear_progress(printer *pr)
{
    if (pr->shown) {
        fputs("\r\033[K", stderr);
        pr->shown = 0;
    }
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) { interrupted = sig; }

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(printer *pr, const kz_crawler_stats *g, int final)
{
    const kz_crawl_stats *s = &g->crawl;
    double secs = (double)g->elapsed_ms / 1000.0;
    char line[256];
    snprintf(line, sizeof line, "%zu pages, %.1f pages/s, %zu queued, %zu in flight, "
             "%zu errors, %zu flagged, %zu seen before", s->pages,
             secs > 0 ? (double)s->pages / secs : 0.0, s->queued, s->in_flight,
             s->errors + s->http_errors, g->flagged, g->unchanged + g->dup_content);
    if (pr->tty) {
        fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
        pr->shown = !final;
    } else if (!final) {
        fprintf(stderr, "kuzet crawl: %s\n", line);
    }
}

static int on_event(void *ctx, const kz_crawler_event *ev)
{
    printer *pr = ctx;
    switch (ev->what) {
    case KZ_CRAWLER_SOURCE:
        pr->opened = 1;
        if (pr->quiet || ev->created_source)
            break;
        if (ev->new_pass)
            kz_cli_err("source %s: %zu URLs known, none queued: starting again from the seeds",
                       pr->source, ev->done);
        else
            kz_cli_err("source %s: resuming: %zu URLs queued (%zu due again), %zu done",
                       pr->source, ev->queued, ev->due, ev->done);
        break;
    case KZ_CRAWLER_BAD_SEED:
        kz_cli_err("%s:%zu: %s: %s", pr->seeds_path, ev->line, ev->url, ev->why);
        break;
    case KZ_CRAWLER_FETCH:
        if (pr->quiet)
            break;
        clear_progress(pr);
        if (ev->page->what == KZ_CRAWL_ERROR)
            kz_cli_err("%s: %s: %s", ev->url, kz_fetch_kind_name(ev->page->fetch_kind), ev->why);
        else
            kz_cli_err("%s: %s", ev->url, ev->why);
        break;
    case KZ_CRAWLER_SCAN_ERROR:
        if (pr->quiet)
            break;
        clear_progress(pr);
        kz_cli_err("%s: cannot scan: %s", ev->url, ev->why);
        break;
    case KZ_CRAWLER_IMAGE_ERROR:
        if (pr->quiet)
            break;
        clear_progress(pr);
        kz_cli_err("%s: %s", ev->url, ev->why);
        break;
    case KZ_CRAWLER_STORE_ERROR:
        if (!pr->store_err[0])
            snprintf(pr->store_err, sizeof pr->store_err, "%s", ev->why);
        break;
    case KZ_CRAWLER_CHECKPOINT:     /* said after the end of the crawl */
        pr->cp_seen = 1;
        pr->cp_rc = ev->rc;
        pr->cp_exposed = ev->key_exposed;
        snprintf(pr->cp_why, sizeof pr->cp_why, "%s", ev->why);
        snprintf(pr->cp_key, sizeof pr->cp_key, "%s", ev->key_path ? ev->key_path : "");
        break;
    case KZ_CRAWLER_PROGRESS: {
        double now = mono();
        if (!pr->quiet && (pr->tty || now - pr->last_log >= 5.0)) {
            progress(pr, ev->stats, 0);
            pr->last_log = now;
        }
        break;
    }
    default:
        break;
    }
    return 0;
}

static void summary(const kz_crawler_stats *g)
{
    const kz_crawl_stats *s = &g->crawl;
    kz_buf kinds;
    kz_buf_init(&kinds, 4096);
    for (int k = 1; k < KZ_FETCH_NKINDS; k++)
        if (s->by_kind[k])
            kz_buf_addf(&kinds, "%s%s %zu", kinds.len ? ", " : " (", kz_fetch_kind_name(k),
                        s->by_kind[k]);
    if (kinds.len)
        kz_buf_addc(&kinds, ')');
    double el = (double)g->elapsed_ms / 1000.0;
    fprintf(stderr, "kuzet crawl: %zu pages fetched in %.*f s, %zu not HTML, %zu HTTP errors, "
            "%zu skipped by robots.txt, %zu out of scope, %zu fetch errors%s; %zu flagged; "
            "items: %zu new, %zu updated; %zu cases opened; %zu unchanged, %zu duplicate "
            "content; %zu queued\n", s->pages, el < 10 ? 3 : 1, el,
            s->not_html, s->http_errors, s->robots_skipped, s->offscope, s->errors,
            kinds.p ? kinds.p : "", g->flagged, g->created, g->updated, g->cases, g->unchanged,
            g->dup_content, s->queued);
    kz_buf_release(&kinds);
    fprintf(stderr, "kuzet crawl: content: %zu images, %zu feeds (%zu items), "
            "%zu unusable charset labels, %zu sitemaps (%zu URLs, %zu left)\n", s->images,
            s->feeds, s->feed_items, s->charset_fallbacks, s->sitemaps, s->sitemap_urls,
            s->sitemap_skipped);
}

/* The summary as one JSON object on stdout (--json): the same counts. */
static void put_json(const kz_crawler_stats *g)
{
    const kz_crawl_stats *s = &g->crawl;
    printf("{\"pages\":%zu,\"not_html\":%zu,\"http_errors\":%zu,\"robots_skipped\":%zu,"
           "\"out_of_scope\":%zu,\"fetch_errors\":%zu,\"fetch_errors_by_kind\":{",
           s->pages, s->not_html, s->http_errors, s->robots_skipped, s->offscope, s->errors);
    for (int k = 1, n = 0; k < KZ_FETCH_NKINDS; k++)
        if (s->by_kind[k])
            printf("%s\"%s\":%zu", n++ ? "," : "", kz_fetch_kind_name(k), s->by_kind[k]);
    printf("},\"flagged\":%zu,\"items_new\":%zu,\"items_updated\":%zu,\"cases_opened\":%zu,"
           "\"unchanged\":%zu,\"duplicate_content\":%zu,\"queued\":%zu,\"images\":%zu,"
           "\"feeds\":%zu,\"feed_items\":%zu,\"charset_fallbacks\":%zu,\"sitemaps\":%zu,"
           "\"sitemap_urls\":%zu,\"sitemap_skipped\":%zu,\"seeds\":%zu,"
           "\"bad_seeds\":%zu,\"seeds_failed\":%zu,\"scan_errors\":%zu,\"interrupted\":%s,"
           "\"checkpoint\":\"%s\",\"elapsed_ms\":%lld}\n",
           g->flagged, g->created, g->updated, g->cases, g->unchanged, g->dup_content, s->queued,
           s->images, s->feeds, s->feed_items, s->charset_fallbacks, s->sitemaps, s->sitemap_urls,
           s->sitemap_skipped, g->seeds, g->bad_seeds,
           g->seeds_failed, g->scan_errors, g->interrupted ? "true" : "false",
           g->checkpoint > 0 ? "signed" : g->checkpoint < 0 ? "failed" : "none",
           (long long)g->elapsed_ms);
}

/* The seed file into seeds; -1 (said why) when it cannot be read. */
static int read_seeds(const char *path, kz_buf *seeds)
{
    FILE *f = fopen(path, "r");
    char chunk[65536];
    size_t n;
    if (!f) {
        kz_cli_err("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (kz_buf_add(seeds, chunk, n) != 0) {
            kz_cli_err("%s: %s", path, kz_strerror(KZ_ENOMEM));
            fclose(f);
            return -1;
        }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        kz_cli_err("%s: cannot read", path);
        return -1;
    }
    return 0;
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
        { "json", no_argument, NULL, 'j' },
        { "one-thread", no_argument, NULL, 'T' },
        { "source", required_argument, NULL, 'S' },
        { "recrawl", required_argument, NULL, 'R' },
        { "per-host", required_argument, NULL, 'O' },
        { "include", required_argument, NULL, 'I' },
        { "exclude", required_argument, NULL, 'X' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *seeds_path = NULL, *rules_path = NULL, *uri = NULL;
    long depth = KZ_CRAWLER_DEPTH, max_pages = KZ_CRAWLER_MAX_PAGES, delay = KZ_CRAWLER_DELAY_MS;
    long timeout = KZ_CRAWLER_TIMEOUT_MS, parallel = KZ_CRAWLER_PARALLEL, per_host = 1;
    size_t max_body = KZ_CRAWLER_MAX_BODY;
    kz_crawler_opts o;
    printer pr;
    int c, json = 0;
    memset(&o, 0, sizeof o);
    memset(&pr, 0, sizeof pr);
    pr.source = "default";
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:r:d:D:P:w:c:HAa:t:b:p:qjhS:R:O:I:X:", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (!kz_frontier_name_ok(optarg)) {
                kz_cli_err("--source: '%s': 1 to %d letters, digits, '.', '_' or '-'", optarg,
                           KZ_FRONTIER_NAME_MAX);
                return KZ_EXIT_USAGE;
            }
            pr.source = optarg;
            break;
        case 'R':
            if ((o.recrawl_secs = kz_cli_duration(optarg, 0)) < 1) {
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
            if (c == 'I') o.include = optarg;
            else o.exclude = optarg;
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
        case 'c': o.contact = optarg; break;
        case 'H': o.same_host = 1; break;
        case 'A': o.allow_private = 1; break;
        case 'a':
            if (kz_fetch_ip_public(optarg) == KZ_EINVAL) {
                kz_cli_err("--allow-addr: '%s' is not an IP address", optarg);
                return KZ_EXIT_USAGE;
            }
            o.allow_addr = optarg;
            break;
        case 't':
            if (parse_num("--timeout", optarg, 100, 3600000, &timeout)) return KZ_EXIT_USAGE;
            break;
        case 'b':
            if (kz_cli_size("--max-body", optarg, 1024, (size_t)1 << 30, &max_body))
                return KZ_EXIT_USAGE;
            break;
        case 'p': if (parse_num("--parallel", optarg, 1, 1000, &parallel)) return KZ_EXIT_USAGE; break;
        case 'q': pr.quiet = 1; break;
        case 'j': json = 1; break;
        case 'T': o.one_thread = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (!seeds_path || optind < argc) {
        kz_cli_err(optind < argc ? "crawl takes no operands" : "crawl needs --seeds FILE");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    char ua[512];
    if (kz_crawler_user_agent(o.contact, ua, sizeof ua) != 0) {
        kz_cli_err("--contact: a URL without parentheses or line breaks, please");
        return KZ_EXIT_USAGE;
    }
    int status = KZ_EXIT_USAGE, rc;
    kz_liverules *lr = NULL;
    const kz_scanner *sc = NULL;
    kz_store *st = NULL;
    kz_buf seeds;
    kz_buf_init(&seeds, KZ_BUF_NOLIMIT);
    if (rules_path && kz_cli_rules("crawl", rules_path, NULL, pr.quiet, &lr, &sc) != KZ_EXIT_OK)
        goto out;
    if (read_seeds(seeds_path, &seeds) != 0)
        goto out;
    status = KZ_EXIT_FAIL;
    if (kz_cli_store_open(&st, uri, 1) != 0) {
        goto out;
    }
    if (!rules_path && kz_cli_rules("crawl", NULL, st, pr.quiet, &lr, &sc) != KZ_EXIT_OK)
        goto out;
    o.scanner = sc;
    o.store = st;
    o.source = pr.source;
    o.seeds = seeds.p ? seeds.p : "";
    o.seeds_len = seeds.len;
    o.depth = (unsigned)depth;
    o.depth_set = 1;
    o.max_pages = (size_t)max_pages;
    o.delay_ms = delay ? delay : -1;
    o.per_host = (unsigned)per_host;
    o.parallel = (size_t)parallel;
    o.timeout_ms = timeout;
    o.max_body = max_body;
    o.stop = &interrupted;
    o.on_event = on_event;
    o.ctx = &pr;
    pr.seeds_path = seeds_path;
    pr.tty = !pr.quiet && isatty(2);
    pr.last_log = mono();
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    kz_crawler_stats s;
    rc = kz_crawler_run(&o, &s);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    clear_progress(&pr);
    if (!pr.opened) {
        if (rc == KZ_EDB || rc == KZ_EBUSY)     /* what was being done, and why */
            kz_cli_err("%s", kz_store_errmsg(st));
        else if (rc)
            kz_cli_err("cannot start the crawl: %s", kz_strerror(rc));
        goto out;
    }
    if (rc == KZ_EINVAL && s.seeds == 0 && !pr.store_err[0]) {
        kz_cli_err("%s: no usable seed URL", seeds_path);
        status = s.bad_seeds ? KZ_EXIT_FAIL : KZ_EXIT_USAGE;
        goto out;
    }
    if (pr.store_err[0])
        kz_cli_err("storing failed: %s; the crawl was stopped", pr.store_err);
    else if (rc)
        kz_cli_err("the crawl stopped: %s", kz_strerror(rc));
    else if (s.interrupted)
        kz_cli_err("interrupted; what was fetched is kept: run the same command to go on");
    if (pr.cp_seen) {
        if (pr.cp_rc == KZ_ENOTFOUND)
            kz_cli_err("checkpoint: %s", pr.cp_why);
        else if (pr.cp_rc)
            kz_cli_err("no audit checkpoint signed: %s", pr.cp_why);
        else if (pr.cp_exposed)
            kz_cli_err("warning: the audit key %s can be read by others; chmod 600 it", pr.cp_key);
    }
    if (json)
        put_json(&s);
    if (!pr.quiet)
        summary(&s);
    status = rc || pr.store_err[0] || s.seeds_failed || s.bad_seeds || s.interrupted ||
                     s.checkpoint < 0 ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_store_close(&st);
    kz_liverules_put(lr, sc);
    kz_liverules_free(&lr);
    kz_buf_release(&seeds);
    return status;
}
