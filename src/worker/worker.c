/*
 * worker/worker.c - kuzet worker: a stateless process that leases jobs from
 * the PostgreSQL work queue (jobs/queue.h) and does them with the
 * library's calls (jobs/run.h: the pipeline, as the command line does).
 *
 * This file only parses options, starts --concurrency threads (each with
 * its own connection, queue and heartbeat), prints a line per job, writes
 * the Prometheus textfile, and stops on SIGINT/SIGTERM after the jobs in
 * hand are committed.  Killed any other way, it loses nothing: its leases
 * expire and other workers take the work over.
 */
#include "cli/cli.h"
#include "jobs/run.h"
#include "detect/rules.h"
#include "pipeline/liverules.h"
#include "ingest/fetch.h"
#include "store/audit.h"
#include "util/buf.h"
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: kuzet worker [--db URI] [--rules FILE | --rules-check SECS]\n"
    "                    [--roles crawl,ingest,hash,tick] [--allow-private]\n"
    "                    [--concurrency N] [--lease SECS] [--poll MS] [--slice PAGES]\n"
    "                    [--threads N] [--contact URL] [--metrics FILE] [--exit-when-idle]\n"
    "                    [--quiet]\n"
    "\n"
    "Leases work from the PostgreSQL work queue and does it: crawl (one host of\n"
    "a source at a time), ingest (chunks of JSON Lines files), hash (images the\n"
    "ingested posts give by URL: fetched, hashed, matched), tick (what must\n"
    "happen on time: overdue notices, verification, recrawls, retention purges,\n"
    "crawl jobs for queued URLs).  Queue work with 'kuzet jobs'; watch it with\n"
    "'kuzet status'.  Any number of workers on any number of machines share one\n"
    "database; kill one and its leases expire and others take the work over.\n"
    "\n"
    "  --db URI           PostgreSQL (default $KUZET_DB); SQLite is refused\n"
    "  --rules FILE       the YAML rules for crawl and ingest; without it, the\n"
    "                     latest rule set published in the database ('kuzet rules\n"
    "                     publish'), and a newer one taken between jobs\n"
    "  --rules-check SECS how often to look for a newer rule set (default 5;\n"
    "                     0: before every job)\n"
    "  --roles LIST       job kinds to take (default crawl,ingest,hash,tick; verify:\n"
    "                     only the verify tick, re-fetching decided items)\n"
    "  --concurrency N    jobs at once, each on its own connection (default 1)\n"
    "  --lease SECS       lease length, renewed every third of it (default 30)\n"
    "  --poll MS          longest wait for work between looks (default 1000)\n"
    "  --slice PAGES      pages of one host per crawl lease (default 100)\n"
    "  --threads N        scan threads per job (default 1)\n"
    "  --contact URL      put in the crawl's User-Agent\n"
    "  --metrics FILE     write Prometheus text metrics to FILE every 5 s\n"
    "                     (node_exporter's textfile collector reads it)\n"
    "  --allow-private    hash jobs may fetch from loopback and private addresses\n"
    "                     (a lab; off, the SSRF guard refuses them)\n"
    "  --exit-when-idle   exit once no job of its roles is due or leased\n"
    "  --quiet            no line per job\n"
    "The notices tick sends e-mail through $KUZET_SMTP (smtp://HOST:PORT) from\n"
    "$KUZET_MAIL_FROM (docs/notices.md).\n";

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct shared {
    const char *uri, *roles, *contact, *metrics;
    kz_liverules *live;             /* --rules FILE, or the store's rule sets */
    int lease, poll_ms, quiet, idle_exit, allow_private;
    size_t slice;
    unsigned threads;
    char host[200];
    pthread_mutex_t mu;             /* the counters and stderr */
    atomic_int_fast64_t jobs_ok, jobs_failed, leases_lost, pages, records, images, idle_threads;
    int nthreads;
    int failed;                     /* a thread could not start */
};

struct thr {
    struct shared *sh;
    int index;
    pthread_t t;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when nothing of kinds is due or leased. */
static int idle(kz_store *st, const char *kinds)
{
    int64_t n = 1;
    kz_dbval p[] = { kz_dbstr(kinds) };
    if (kz_db_int(kz_store_db(st), "SELECT count(*) FROM jobs WHERE kind = ANY "
                  "(string_to_array($1, ',')) AND kind <> 'tick' AND state IN "
                  "('pending', 'leased')", p, 1, &n) != 0)
        return 0;
    return n == 0;
}

static void *loop(void *arg)
{
    struct thr *t = arg;
    struct shared *sh = t->sh;
    kz_store *st = NULL;
    kz_queue *q = NULL;
    char owner[300], key[1024];
    if (kz_store_open(&st, sh->uri, 1) != 0) {
        kz_cli_err("worker: %s", kz_store_errmsg(st));
        kz_store_close(&st);
        sh->failed = 1;
        return NULL;
    }
    kz_audit_key_path(st, key, sizeof key);
    kz_store_set_signer(st, key);
    snprintf(owner, sizeof owner, "%s:%ld:%d", sh->host, (long)getpid(), t->index);
    if (kz_queue_open(&q, st, sh->uri, owner, sh->roles, sh->lease) != 0) {
        kz_cli_err("worker: %s", kz_store_errmsg(st));
        sh->failed = 1;
        kz_store_close(&st);
        return NULL;
    }
    if (sh->idle_exit)
        kz_queue_listen_done(q);
    kz_jobs_env env = { st, q, NULL, sh->slice, 0, sh->contact, sh->threads, 0, &stop_flag,
                        getenv("KUZET_SMTP"), getenv("KUZET_MAIL_FROM"), sh->allow_private };
    if (env.smtp_url && !*env.smtp_url)
        env.smtp_url = NULL;
    while (!stop_flag) {
        kz_job j;
        size_t n = 0;
        if (kz_queue_lease(q, sh->roles, 1, &j, &n) != 0) {
            kz_cli_err("worker %s: %s", owner, kz_store_errmsg(st));
            kz_queue_wait(q, sh->poll_ms);
            continue;
        }
        if (n == 0) {
            if (sh->idle_exit && idle(st, sh->roles))
                break;
            kz_queue_wait(q, sh->poll_ms);
            continue;
        }
        kz_jobs_result res;
        const kz_scanner *lsc = NULL;
        if (sh->live) {
            kz_liverules_news nw;
            kz_liverules_get(sh->live, st, &lsc, &nw);
            if (nw.changed && nw.previous) {
                pthread_mutex_lock(&sh->mu);
                fprintf(stderr, "kuzet worker %s: rule set %lld in use (was %lld)\n", owner,
                        (long long)nw.version, (long long)nw.previous);
                pthread_mutex_unlock(&sh->mu);
            }
            if (nw.rc)
                kz_cli_err("worker %s: %s; still scanning with rule set %lld", owner, nw.why,
                           (long long)nw.version);
            env.scanner = lsc;
            if (!lsc && strcmp(j.kind, "tick")) {     /* cannot happen: loaded at the start */
                kz_queue_finish(q, &j, 0, "no rule set loaded", 0);
                kz_job_release(&j);
                continue;
            }
        }
        int64_t t0 = now_ms();
        int rc = kz_jobs_run(&env, &j, &res);
        int64_t ms = now_ms() - t0;
        kz_liverules_put(sh->live, lsc);
        if (res.ok)
            sh->jobs_ok++;
        else if (res.lease_lost)
            sh->leases_lost++;
        else
            sh->jobs_failed++;
        sh->pages += res.ok ? res.pages : 0;
        sh->records += res.ok ? res.records : 0;
        sh->images += res.ok && !strcmp(j.kind, "hash") ? res.images : 0;
        if (!sh->quiet || !res.ok) {
            pthread_mutex_lock(&sh->mu);
            fprintf(stderr, "kuzet worker %s: job %lld %s (%.1f s)%s%s\n", owner, (long long)j.id,
                    res.why, (double)ms / 1000.0, res.lease_lost ? ": lease lost" : "",
                    rc && !res.lease_lost ? ": not finished" : res.ok ? "" : ": failed");
            pthread_mutex_unlock(&sh->mu);
        }
        kz_job_release(&j);
    }
    kz_queue_close(&q);
    kz_store_close(&st);
    return NULL;
}

/* The Prometheus text file, replaced whole (rename). */
static void write_metrics(struct shared *sh)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", sh->metrics);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "# HELP kuzet_worker_jobs_total Jobs finished by this worker process.\n"
               "# TYPE kuzet_worker_jobs_total counter\n"
               "kuzet_worker_jobs_total{result=\"ok\"} %lld\n"
               "kuzet_worker_jobs_total{result=\"failed\"} %lld\n"
               "kuzet_worker_jobs_total{result=\"lease_lost\"} %lld\n"
               "# HELP kuzet_worker_pages_total Pages fetched.\n"
               "# TYPE kuzet_worker_pages_total counter\n"
               "kuzet_worker_pages_total %lld\n"
               "# HELP kuzet_worker_records_total JSON Lines records ingested.\n"
               "# TYPE kuzet_worker_records_total counter\n"
               "kuzet_worker_records_total %lld\n"
               "# HELP kuzet_worker_images_total Images fetched and hashed (hash jobs).\n"
               "# TYPE kuzet_worker_images_total counter\n"
               "kuzet_worker_images_total %lld\n"
               "# HELP kuzet_worker_threads Job threads running.\n"
               "# TYPE kuzet_worker_threads gauge\n"
               "kuzet_worker_threads %d\n",
            (long long)sh->jobs_ok, (long long)sh->jobs_failed, (long long)sh->leases_lost,
            (long long)sh->pages, (long long)sh->records, (long long)sh->images, sh->nthreads);
    if (fclose(f) == 0)
        rename(tmp, sh->metrics);
}

int cmd_worker(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },       { "rules", required_argument, NULL, 'r' },
        { "roles", required_argument, NULL, 'R' },    { "concurrency", required_argument, NULL, 'c' },
        { "lease", required_argument, NULL, 'l' },    { "poll", required_argument, NULL, 'p' },
        { "slice", required_argument, NULL, 's' },    { "threads", required_argument, NULL, 't' },
        { "contact", required_argument, NULL, 'C' },  { "metrics", required_argument, NULL, 'm' },
        { "exit-when-idle", no_argument, NULL, 'x' }, { "quiet", no_argument, NULL, 'q' },
        { "rules-check", required_argument, NULL, 'K' }, { "allow-private", no_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 }
    };
    struct shared sh;
    const char *rules = NULL;
    long conc = 1, v, check_secs = KZ_LIVERULES_CHECK_MS / 1000;
    int c, idx;
    char *end;
    memset(&sh, 0, sizeof sh);
    sh.roles = "crawl,ingest,hash,tick";
    sh.lease = KZ_QUEUE_LEASE_SECS;
    sh.poll_ms = 1000;
    sh.slice = 100;
    sh.threads = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'd': sh.uri = optarg; break;
        case 'r': rules = optarg; break;
        case 'R': sh.roles = optarg; break;
        case 'P': sh.allow_private = 1; break;
        case 'C': sh.contact = optarg; break;
        case 'm': sh.metrics = optarg; break;
        case 'x': sh.idle_exit = 1; break;
        case 'q': sh.quiet = 1; break;
        case 'K':
            v = strtol(optarg, &end, 10);
            if (*end || !*optarg || v < 0 || v > 3600) {
                kz_cli_err("--rules-check: '%s' is not a number of seconds from 0 to 3600", optarg);
                return KZ_EXIT_USAGE;
            }
            check_secs = v;
            break;
        case 'c': case 'l': case 'p': case 's': case 't':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > (c == 'p' ? 600000 : c == 's' ? 100000 : c == 'l' ? 3600 : 256)) {
                kz_cli_err("--%s: '%s' is not a number in range", opts[idx].name, optarg);
                return KZ_EXIT_USAGE;
            }
            if (c == 'c') conc = v;
            else if (c == 'l') sh.lease = (int)v;
            else if (c == 'p') sh.poll_ms = (int)v;
            else if (c == 's') sh.slice = (size_t)v;
            else sh.threads = (unsigned)v;
            break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        kz_cli_err("worker takes no arguments ('%s')", argv[optind]);
        return KZ_EXIT_USAGE;
    }
    {
        const char *bad = NULL;
        size_t n = 0;
        if (!kz_queue_roles_ok(sh.roles, &bad, &n)) {
            kz_cli_err("--roles: '%.*s' is not %s", (int)n, bad, KZ_QUEUE_ROLES);
            return KZ_EXIT_USAGE;
        }
    }
    int needs_rules = strstr(sh.roles, "crawl") || strstr(sh.roles, "ingest");
    if (!sh.uri)
        sh.uri = getenv("KUZET_DB");
    if (!sh.uri || (kz_db_backend(sh.uri) && strcmp(kz_db_backend(sh.uri), "postgresql"))) {
        kz_cli_err("worker needs a PostgreSQL database (--db postgresql://...): the work queue "
                   "lives there; on one machine with SQLite, run kuzet crawl and kuzet ingest");
        return KZ_EXIT_USAGE;
    }
    int status = KZ_EXIT_FAIL;
    struct thr *th = NULL;
    kz_buf errs;
    kz_buf_init(&errs, 1u << 20);
    if (needs_rules && kz_liverules_open(&sh.live, rules, check_secs * 1000, &errs) != 0) {
        fputs(errs.p ? errs.p : "", stderr);
        kz_cli_err("%s: rules not loaded", rules ? rules : "rules");
        goto out;
    }
    if (needs_rules && !rules) {
        /* the store's latest rule set, loaded now: a worker that cannot
         * scan says so at once, not at its first job */
        kz_store *st0 = NULL;
        const kz_scanner *first = NULL;
        kz_liverules_news nw;
        if (kz_store_open(&st0, sh.uri, 1) != 0) {
            kz_cli_err("worker: %s", kz_store_errmsg(st0));
            kz_store_close(&st0);
            goto out;
        }
        int lrc = kz_liverules_get(sh.live, st0, &first, &nw);
        kz_store_close(&st0);
        if (lrc) {
            kz_cli_err("worker: %s; give --rules FILE or publish one", nw.why);
            goto out;
        }
        if (!sh.quiet)
            fprintf(stderr, "kuzet worker: rule set %lld from the database\n", (long long)nw.version);
        kz_liverules_put(sh.live, first);
    }
    if (kz_fetch_global_init() != 0) {
        kz_cli_err("libcurl cannot start");
        goto out;
    }
    gethostname(sh.host, sizeof sh.host - 1);
    pthread_mutex_init(&sh.mu, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!(th = kz_calloc((size_t)conc, sizeof *th)))
        goto out;
    for (long i = 0; i < conc; i++) {
        th[i].sh = &sh;
        th[i].index = (int)i;
        if (pthread_create(&th[i].t, NULL, loop, &th[i]) != 0) {
            kz_cli_err("cannot start a thread");
            stop_flag = 1;
            conc = i;
            break;
        }
        sh.nthreads++;
    }
    /* the main thread writes the metrics until every job thread is over */
    for (long i = 0; i < conc; i++) {
        for (;;) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            if (sh.metrics)
                write_metrics(&sh);
            if (pthread_timedjoin_np(th[i].t, NULL, &ts) == 0)
                break;
        }
    }
    if (sh.metrics)
        write_metrics(&sh);
    status = sh.failed || sh.jobs_failed ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    free(th);
    kz_liverules_free(&sh.live);
    kz_buf_release(&errs);
    return status;
}
