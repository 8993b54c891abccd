/*
 * cli/cmd_ingest.c - kuzet ingest: scan posts and store what was found.
 *
 * The work is pipeline/ingest.h (parse, scan, hash images, keep or not,
 * store in batches, sign a checkpoint); this file reads the options, hands
 * the inputs over, and prints what the pipeline reports: a rejected line or
 * an image not hashed as FILE:LINE: reason, a progress line on a terminal,
 * the summary (or one JSON object with --json), and the exit status.
 */
#include "cli.h"
#include "detect/rules.h"
#include "pipeline/liverules.h"
#include "detect/scan.h"
#include "pipeline/ingest.h"
#include "jobs/run.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/folder.h"
#include "util/pool.h"
#include <getopt.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: kuzet ingest [--rules FILE] [--db URI] [--store-all] [--max-record BYTES]\n"
    "                    [--images-dir DIR] [--threads N] [--json] [--quiet] [INPUT...]\n"
    "\n"
    "Scans JSON Lines posts (stdin when no INPUT or '-') and stores in the database\n"
    "every post with hits, as an item with its detections; a post flagged for a\n"
    "category opens a case.  The same URL (or, without a URL, the same content)\n"
    "seen again updates the item instead of duplicating it.  Every post is also\n"
    "matched against the block hash banks (re-uploads of material decided on),\n"
    "with the images it lists in \"images\" (regular files inside the input's\n"
    "folder, or stdin's current one; URLs are not fetched: on PostgreSQL,\n"
    "each is queued for the workers as a hash job).\n"
    "\n"
    "  --rules FILE        the YAML rule file (detections record file:<sha256>);\n"
    "                      without it, the latest rule set published in the\n"
    "                      database (kuzet rules publish; detections record its number)\n"
    "  --db URI            sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "  --store-all         store posts without hits too\n"
    "  --max-record BYTES  longest line accepted (default 1048576)\n"
    "  --images-dir DIR    read \"images\" from inside DIR instead\n"
    "  --threads N         threads that parse and scan (default: the number of CPUs);\n"
    "                      the main thread stores, in input order\n"
    "  --json              the summary as one JSON object on stdout\n"
    "  --quiet             no progress and no summary on stderr\n";

typedef struct printer {
    int    quiet, json, progress;   /* progress: stderr is a terminal */
    int    shown;                   /* a progress line is on the screen */
    int    stopped;                 /* what stopped the run was reported */
    double start, last;
} printer;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_clear(printer *pr)
{
    if (pr->shown) {
        fputs("\r\033[K", stderr);
        pr->shown = 0;
    }
}

/* The input as its lines are named: the path, or <stdin>. */
static const char *in_name(const kz_ingest_input *in)
{
    return in->path ? in->path : "<stdin>";
}

/* An image reference as given, at most 512 bytes, with control characters
 * escaped: a name in the input cannot forge a line of the report. */
static void put_ref(const char *ref, size_t n)
{
    for (size_t i = 0; i < KZ_MIN(n, 512); i++) {
        unsigned char c = (unsigned char)ref[i];
        if (c < 0x20 || c == 0x7f)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
}

static int on_event(void *ctx, const kz_ingest_event *ev)
{
    printer *pr = ctx;
    const kz_ingest_stats *s = ev->stats;
    switch (ev->what) {
    case KZ_INGEST_REJECTED:
        progress_clear(pr);
        fprintf(stderr, "%s:%zu: %s\n", in_name(ev->in), ev->line, ev->why);
        break;
    case KZ_INGEST_IMAGE:
        progress_clear(pr);
        fprintf(stderr, "%s:%zu: image ", in_name(ev->in), ev->line);
        put_ref(ev->ref, ev->ref_len);
        fprintf(stderr, ": %s\n", ev->why);
        break;
    case KZ_INGEST_INPUT_ERROR:
        progress_clear(pr);
        pr->stopped = 1;            /* (when it stops the run: out of memory) */
        kz_cli_err("%s: %s", ev->in->path ? ev->in->path : "-", ev->why);
        break;
    case KZ_INGEST_STORE_ERROR:
        progress_clear(pr);
        pr->stopped = 1;
        if (ev->in)
            kz_cli_err("%s: %s; this batch was not stored, stopping (lines from %zu)",
                       ev->in->path ? ev->in->path : "-", ev->why, ev->line);
        else
            kz_cli_err("%s; nothing was stored", ev->why);
        break;
    case KZ_INGEST_CHECKPOINT:
        progress_clear(pr);
        if (ev->rc == KZ_ENOTFOUND)
            kz_cli_err("checkpoint: %s", ev->why);
        else if (ev->rc)
            kz_cli_err("no audit checkpoint signed: %s", ev->why);
        else if (ev->key_exposed)
            kz_cli_err("warning: the audit key %s can be read by others; chmod 600 it",
                       ev->key_path);
        break;
    case KZ_INGEST_PROGRESS:
        if (pr->progress) {
            double now = now_s();
            if (now - pr->last >= 0.5) {
                double el = now - pr->start, mb = (double)s->bytes / 1e6;
                fprintf(stderr, "\r\033[Kkuzet ingest: %zu records, %zu flagged, %zu rejected; "
                        "items: %zu new, %zu updated; %.1f MB, %.1f MB/s", s->records,
                        s->flagged, s->rejected, s->created, s->updated, mb,
                        el > 0 ? mb / el : 0.0);
                pr->shown = 1;
                pr->last = now;
            }
        }
        break;
    default:
        break;
    }
    return 0;
}

static void put_json(const kz_ingest_stats *s)
{
    printf("{\"records\":%zu,\"flagged\":%zu,\"rejected\":%zu,\"items_new\":%zu,"
           "\"items_updated\":%zu,\"cases_opened\":%zu,\"images_not_hashed\":%zu,"
           "\"images_queued\":%zu,\"inputs_failed\":%zu,\"complete\":%s,\"checkpoint\":\"%s\"}\n",
           s->records, s->flagged, s->rejected, s->created, s->updated, s->cases,
           s->image_errors, s->image_urls, s->inputs_failed, s->complete ? "true" : "false",
           s->checkpoint > 0 ? "signed" : s->checkpoint < 0 ? "failed" : "none");
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        { "rules", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "store-all", no_argument, NULL, 'a' },
        { "max-record", required_argument, NULL, 'm' },
        { "quiet", no_argument, NULL, 'q' },
        { "images-dir", required_argument, NULL, 'I' },
        { "threads", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *rules_path = NULL, *uri = NULL, *images_dir = NULL;
    int c;
    size_t max_record = 1u << 20;
    long threads = (long)kz_pool_ncpu();
    printer pr;
    memset(&pr, 0, sizeof pr);
    kz_ingest_opts o;
    memset(&o, 0, sizeof o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:d:am:qI:t:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rules_path = optarg; break;
        case 'd': uri = optarg; break;
        case 'a': o.store_all = 1; break;
        case 'm':
            if (kz_cli_size("--max-record", optarg, 16, 1u << 28, &max_record))
                return KZ_EXIT_USAGE;
            break;
        case 'q': pr.quiet = 1; break;
        case 'I': images_dir = optarg; break;
        case 't':
            if (kz_cli_threads(optarg, &threads))
                return KZ_EXIT_USAGE;
            break;
        case 'j': pr.json = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    int status = KZ_EXIT_USAGE, rc;
    int ninputs = argc - optind, n = ninputs ? ninputs : 1;
    kz_liverules *lr = NULL;
    const kz_scanner *sc = NULL;
    kz_store *st = NULL;
    kz_folder *images = NULL, *here = NULL;
    kz_ingest_input *in = NULL;
    if (rules_path && kz_cli_rules("ingest", rules_path, NULL, pr.quiet, &lr, &sc) != KZ_EXIT_OK)
        goto out;
    status = KZ_EXIT_FAIL;
    if (kz_cli_store_open(&st, uri, 1) != 0) {
        goto out;
    }
    if (!rules_path && kz_cli_rules("ingest", NULL, st, pr.quiet, &lr, &sc) != KZ_EXIT_OK)
        goto out;
    if (images_dir && (rc = kz_folder_open(&images, images_dir, 0)) != 0) {
        kz_cli_err("--images-dir: %s", rc == KZ_ENOMEM ? kz_strerror(rc) : kz_folder_errmsg(images));
        goto out;
    }
    if (!(in = kz_calloc((size_t)n, sizeof *in))) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    for (int a = 0; a < n; a++) {
        const char *path = ninputs ? argv[optind + a] : "-";
        if (strcmp(path, "-")) {
            in[a].path = path;          /* its "images": from inside its folder */
            continue;
        }
        in[a].fd = 0;                   /* stdin's: from inside the current one */
        if (!images && !here && kz_folder_open(&here, ".", 0) == KZ_ENOMEM) {
            kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
            goto out;
        }
        in[a].images = here;
    }
    o.scanner = sc;
    o.store = st;
    o.max_record = max_record;
    o.images = images;
    o.threads = (unsigned)threads;
    o.no_checkpoint = 1;        /* every transaction signs itself (kz_cli_store_open) */
    o.on_event = on_event;
    o.ctx = &pr;
    /* on PostgreSQL, images given by URL go to the workers (hash jobs) */
    if (!strcmp(kz_db_scheme(kz_store_db(st)), "postgresql"))
        o.on_image_url = kz_jobs_queue_image;
    pr.progress = !pr.quiet && isatty(STDERR_FILENO);
    pr.start = pr.last = now_s();
    kz_ingest_stats s;
    rc = kz_ingest_run(&o, in, (size_t)n, &s);
    progress_clear(&pr);
    const char *unsigned_why = NULL;
    int64_t nsigned = kz_store_signed(st, &unsigned_why);
    s.checkpoint = unsigned_why ? KZ_EIO : nsigned > 0;
    if (rc && !pr.stopped)
        kz_cli_err("%s", kz_strerror(rc));
    if (pr.json) {
        put_json(&s);
    } else if (!pr.quiet) {
        fprintf(stderr, "kuzet ingest: %zu records, %zu flagged, %zu rejected; items: %zu new, "
                "%zu updated; %zu cases opened", s.records, s.flagged, s.rejected, s.created,
                s.updated, s.cases);
        if (s.image_urls)
            fprintf(stderr, "; %zu images queued for the workers", s.image_urls);
        fprintf(stderr, s.image_errors ? "; %zu images not hashed\n" : "\n", s.image_errors);
    }
    status = rc || s.inputs_failed || s.checkpoint < 0 || s.rejected || s.image_errors
                 ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    free(in);
    kz_folder_free(&here);
    kz_folder_free(&images);
    status = kz_cli_store_close(&st, status);
    kz_liverules_put(lr, sc);
    kz_liverules_free(&lr);
    return status;
}
