/*
 * worker/jobs.c - kuzet jobs (queue work for kuzet worker) and kuzet status
 * (the workers and the queue): options parsed, jobs/queue.h called, the
 * result printed.
 */
#include "cli/cli.h"
#include "jobs/queue.h"
#include "util/buf.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char jobs_usage[] =
    "usage: kuzet jobs add ingest [--db URI] [--chunk BYTES] FILE|DIR...\n"
    "       kuzet jobs add crawl [--db URI] --source NAME --seeds FILE [--depth N]\n"
    "                            [--delay MS] [--recrawl DURATION] [--same-host]\n"
    "                            [--allow-private]\n"
    "       kuzet jobs schedule [--db URI] NAME --every DURATION\n"
    "       kuzet jobs schedule [--db URI] --defaults\n"
    "\n"
    "Queues work for 'kuzet worker' in the PostgreSQL database.\n"
    "  add ingest      each JSON Lines file (a directory: its *.jsonl files) split\n"
    "                  into chunks of whole lines (--chunk, default 1 MiB, at most\n"
    "                  4 MiB) that workers ingest in parallel; a chunk already\n"
    "                  queued is not queued again\n"
    "  add crawl       a crawl source: its seeds and settings; workers crawl it one\n"
    "                  host per lease (--delay between requests to a host, default\n"
    "                  1000 ms; --recrawl: pages fetched longer ago are due again)\n"
    "  schedule NAME   a job that runs once every DURATION however many workers are\n"
    "                  up: overdue, verify, recrawl, purge, frontier, notices\n"
    "  --defaults      overdue 1m, frontier 30s, recrawl 5m, verify 6h, purge 1d,\n"
    "                  notices 1m\n"
    "                  (those not scheduled yet)\n";

static int open_pg(kz_store **st, const char *uri)
{
    if (kz_cli_store_open(st, uri, 1) != 0) {
        return KZ_EXIT_FAIL;
    }
    if (strcmp(kz_db_scheme(kz_store_db(*st)), "postgresql")) {
        kz_cli_err("the work queue needs PostgreSQL (--db postgresql://...); on one machine "
                   "with SQLite, run kuzet crawl and kuzet ingest instead");
        kz_store_close(st);
        return KZ_EXIT_FAIL;
    }
    return 0;
}

static int add_path(kz_store *st, const char *path, size_t chunk, size_t *jobs, int in_dir)
{
    char abs[PATH_MAX];
    struct stat sb;
    if (!realpath(path, abs) || stat(abs, &sb) != 0) {
        kz_cli_err("%s: not found", path);
        return KZ_EXIT_FAIL;
    }
    if (S_ISDIR(sb.st_mode) && !in_dir) {
        struct dirent **ents = NULL;
        int n = scandir(abs, &ents, NULL, alphasort), status = 0;
        if (n < 0) {
            kz_cli_err("%s: cannot list", path);
            return KZ_EXIT_FAIL;
        }
        for (int i = 0; i < n; i++) {
            size_t l = strlen(ents[i]->d_name);
            if (!status && l > 6 && !strcmp(ents[i]->d_name + l - 6, ".jsonl")) {
                char sub[PATH_MAX + 256];
                snprintf(sub, sizeof sub, "%s/%s", abs, ents[i]->d_name);
                status = add_path(st, sub, chunk, jobs, 1);
            }
            free(ents[i]);
        }
        free(ents);
        return status;
    }
    size_t added = 0;
    if (kz_queue_add_ingest(st, abs, chunk, &added) != 0) {
        kz_cli_err("%s", kz_store_errmsg(st));
        return KZ_EXIT_FAIL;
    }
    *jobs += added;
    return 0;
}

int cmd_jobs(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },     { "chunk", required_argument, NULL, 'k' },
        { "source", required_argument, NULL, 'S' }, { "seeds", required_argument, NULL, 's' },
        { "depth", required_argument, NULL, 'D' },  { "delay", required_argument, NULL, 'w' },
        { "recrawl", required_argument, NULL, 'R' }, { "same-host", no_argument, NULL, 'H' },
        { "allow-private", no_argument, NULL, 'P' }, { "every", required_argument, NULL, 'e' },
        { "defaults", no_argument, NULL, 'F' },     { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *uri = NULL, *seeds = NULL;
    kz_queue_crawl cr = { NULL, NULL, 0, -1, -1, 0, 0, 0 };
    size_t chunk = 0;
    int64_t every = -1;
    int defaults = 0, c, idx;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'k':
            if (kz_cli_size("--chunk", optarg, 1, (size_t)4 << 20, &chunk) != 0)
                return KZ_EXIT_USAGE;
            break;
        case 'S': cr.source = optarg; break;
        case 's': seeds = optarg; break;
        case 'D': case 'w':
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > (c == 'D' ? 100000 : 3600000)) {
                kz_cli_err("--%s: '%s' is not a number in range", opts[idx].name, optarg);
                return KZ_EXIT_USAGE;
            }
            if (c == 'D') cr.depth = (int)v; else cr.delay_ms = v;
            break;
        case 'R': case 'e': {
            int64_t s = kz_cli_duration(optarg, 0);
            if (s <= 0) {
                kz_cli_err("--%s: '%s' is not a duration (45s, 30m, 6h, 2d)", opts[idx].name, optarg);
                return KZ_EXIT_USAGE;
            }
            if (c == 'R') cr.recrawl_secs = s; else every = s;
            break;
        }
        case 'H': cr.same_host = 1; break;
        case 'P': cr.allow_private = 1; break;
        case 'F': defaults = 1; break;
        case 'h': fputs(jobs_usage, stdout); return KZ_EXIT_OK;
        default: fputs(jobs_usage, stderr); return KZ_EXIT_USAGE;
        }
    }
    /* GNU getopt has moved the words (and files) after the options */
    int nwords = argc - optind;
    char **words = argv + optind;
    int is_add = nwords >= 2 && !strcmp(words[0], "add");
    int is_sched = nwords >= 1 && !strcmp(words[0], "schedule");
    if (!is_add && !is_sched) {
        fputs(jobs_usage, stderr);
        return KZ_EXIT_USAGE;
    }
    kz_store *st = NULL;
    int status = KZ_EXIT_USAGE;
    if (is_add && !strcmp(words[1], "ingest")) {
        if (nwords < 3) {
            kz_cli_err("jobs add ingest needs a FILE or DIR");
            return KZ_EXIT_USAGE;
        }
        if ((status = open_pg(&st, uri)) != 0)
            return status;
        size_t jobs = 0;
        for (int i = 2; i < nwords && !status; i++)
            status = add_path(st, words[i], chunk, &jobs, 0);
        if (!status)
            printf("kuzet jobs: %zu ingest chunks queued\n", jobs);
    } else if (is_add && !strcmp(words[1], "crawl")) {
        if (!cr.source || !seeds) {
            kz_cli_err("jobs add crawl needs --source NAME and --seeds FILE");
            return KZ_EXIT_USAGE;
        }
        size_t n = 0;
        char *text = kz_cli_slurp(seeds, (size_t)16 << 20, &n);
        if (!text)
            return KZ_EXIT_FAIL;
        cr.seeds = text;
        cr.seeds_len = n;
        if ((status = open_pg(&st, uri)) == 0) {
            size_t made = 0, bad = 0;
            if (kz_queue_add_crawl(st, &cr, &made, &bad) != 0) {
                kz_cli_err("%s", kz_store_errmsg(st));
                status = KZ_EXIT_FAIL;
            } else {
                printf("kuzet jobs: source %s queued%s\n", cr.source,
                       made ? "" : " (its seeding job was already queued)");
            }
        }
        free(text);
    } else if (is_sched && (defaults || nwords >= 2)) {
        if ((status = open_pg(&st, uri)) != 0)
            return status;
        if (defaults) {
            if (kz_queue_schedule_defaults(st, NULL) != 0) {
                kz_cli_err("%s", kz_store_errmsg(st));
                status = KZ_EXIT_FAIL;
            }
            if (!status)
                printf("kuzet jobs: default schedule in place\n");
        } else if (every <= 0) {
            kz_cli_err("jobs schedule %s needs --every DURATION", words[1]);
            status = KZ_EXIT_USAGE;
        } else if (kz_queue_add_tick(st, words[1], every) != 0) {
            kz_cli_err("%s", kz_store_errmsg(st));
            status = KZ_EXIT_FAIL;
        } else {
            printf("kuzet jobs: %s every %llds\n", words[1], (long long)every);
        }
    } else {
        fputs(jobs_usage, stderr);
        return KZ_EXIT_USAGE;
    }
    return kz_cli_store_close(&st, status);
}

/* ---- kuzet status ---- */

static const char status_usage[] =
    "usage: kuzet status [--db URI] [--json]\n"
    "\n"
    "The workers (alive: seen within 90 s), their jobs, pages and records and\n"
    "their rates; the queue's depth per job kind and state; leases that expire\n"
    "within 10 s; the latest job errors.\n";

int cmd_status(int argc, char **argv)
{
    static const struct option opts[] = { { "db", required_argument, NULL, 'd' },
                                          { "json", no_argument, NULL, 'j' },
                                          { "help", no_argument, NULL, 'h' },
                                          { NULL, 0, NULL, 0 } };
    const char *uri = NULL;
    int json = 0, c, idx;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(status_usage, stdout); return KZ_EXIT_OK;
        default: fputs(status_usage, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fputs(status_usage, stderr);
        return KZ_EXIT_USAGE;
    }
    kz_store *st = NULL;
    int status = open_pg(&st, uri);
    if (status)
        return status;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    kz_queue_status *q = NULL;
    if (json) {
        if (kz_queue_status_json(st, &b) != 0 || kz_buf_addc(&b, '\0') != 0) {
            kz_cli_err("%s", kz_store_errmsg(st));
            status = KZ_EXIT_FAIL;
        } else {
            printf("%s\n", b.p);
        }
        goto out;
    }
    if (kz_queue_status_read(st, &q) != 0) {
        kz_cli_err("%s", kz_store_errmsg(st));
        status = KZ_EXIT_FAIL;
        goto out;
    }
    printf("workers: %zu alive\n", q->alive);
    for (size_t i = 0; i < q->nworkers; i++) {
        const kz_worker_status *w = &q->workers[i];
        printf("  %-32s %-5s %-20s jobs %lld ok %lld failed %lld lost  %.2f pages/s  %.2f "
               "records/s\n", w->id, w->alive ? "alive" : "gone", w->roles,
               (long long)w->jobs_done, (long long)w->jobs_failed, (long long)w->leases_lost,
               w->pages_per_s, w->records_per_s);
    }
    printf("queue:\n");
    for (size_t i = 0; i < q->ndepth; i++) {
        const kz_queue_depth *d = &q->depth[i];
        if (!i || strcmp(d->kind, q->depth[i - 1].kind))
            printf("%s  %-7s", i ? "\n" : "", d->kind);
        printf(" %s %lld", d->state, (long long)d->jobs);
    }
    if (q->ndepth)
        printf("\n");
    printf("leases expiring within 10 s: %zu\n", q->nleases);
    for (size_t i = 0; i < q->nleases; i++)
        printf("  job %lld %s %s, %s, in %lld ms\n", (long long)q->leases[i].id, q->leases[i].kind,
               q->leases[i].key, q->leases[i].owner, (long long)q->leases[i].expires_in_ms);
    printf("errors: %zu\n", q->nerrors);
    for (size_t i = 0; i < q->nerrors; i++) {
        const kz_job_error *e = &q->errors[i];
        printf("  job %lld %s %s (%s, %lld attempts): %s\n", (long long)e->id, e->kind, e->key,
               e->state, (long long)e->attempts, e->error);
    }
out:
    kz_queue_status_free(&q);
    kz_buf_release(&b);
    return kz_cli_store_close(&st, status);
}
