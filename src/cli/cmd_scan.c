/*
 * cli/cmd_scan.c - kuzet scan: posts in, evidence out.
 *
 * JSON Lines input is read in batches of whole lines (about 1 MiB each);
 * with --threads N, N workers (util/pool.h) parse and scan batches while
 * the main thread reads the next ones and writes finished ones in input
 * order.  At most 2N+2 batches exist at once, so memory stays flat
 * whatever the input size.  A line longer than --max-record is never held
 * in memory: the reader skips it and leaves a note for the worker, which
 * reports it.
 *
 * Plain .txt and .html files are one document each.
 */
#include "cli.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "ingest/jsonl.h"
#include "ingest/html.h"
#include "ingest/lines.h"
#include "pipeline/liverules.h"
#include "pipeline/scanout.h"
#include "util/buf.h"
#include "util/pool.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: kuzet scan (--rules FILE | --db URI) [options] [INPUT...]\n"
    "\n"
    "Scans posts against the rules and prints one JSON line per record.\n"
    "INPUT is a JSON Lines file (one post per line, with \"text\" or \"html\"),\n"
    "or a .txt or .html file scanned as one document; stdin when none or '-'.\n"
    "\n"
    "  --rules FILE        the YAML rule file\n"
    "  --db URI            without --rules: scan with the latest rule set published\n"
    "                      in this database (kuzet rules publish; default $KUZET_DB)\n"
    "  --threads N         worker threads (default: the number of CPUs)\n"
    "  --flagged-only      print only records flagged for some category\n"
    "  --format F          jsonl, text or html: how to read every INPUT\n"
    "                      (default: by extension, JSON Lines otherwise)\n"
    "  --max-record BYTES  longest JSON line or document accepted (default 1048576)\n"
    "  --quiet             no summary on stderr\n"
    "  --help              this text\n"
    "\n"
    "Exit status: 0 every record read, 1 some were rejected (each reported on\n"
    "stderr as FILE:LINE: reason), 2 usage or rule errors.\n";


enum fmt { FMT_AUTO, FMT_JSONL, FMT_TEXT, FMT_HTML };

typedef struct batch {
    kz_lines_batch lb;                  /* the lines read */
    kz_buf    out, err;
    size_t    records, flagged, rejected, bytes;
    const char *path;
} batch;

typedef struct worker {
    kz_jsonl    *jl;
    kz_scan_ctx *sc;
    kz_buf       doc;        /* html text for document inputs */
} worker;

typedef struct job {
    const kz_scanner *scanner;
    int    flagged_only;
    size_t max_record;
    batch *ring; size_t nring;          /* the n-th batch submitted is ring[n % nring] */
    size_t submitted;
    kz_pool *pool;
    worker  *w;                         /* one per pool worker */
} job;

/* ---- a batch of JSON lines (pipeline/scanout.h) ---------------------------- */

static kz_scanout_job job_of(const job *jb, const worker *w, const char *path)
{
    kz_scanout_job j = { jb->scanner, w->jl, w->sc, jb->flagged_only, jb->max_record, path };
    return j;
}

static void run_batch(const job *jb, worker *w, batch *b)
{
    kz_scanout_job j = job_of(jb, w, b->path);
    kz_scanout_counts c;
    kz_buf_reset(&b->out);
    kz_buf_reset(&b->err);
    kz_scanout_lines(&j, b->lb.in.p, b->lb.in.len, b->lb.first_line, b->lb.overlong,
                     b->lb.noverlong, &b->out, &b->err, &c);
    b->records = c.records;
    b->flagged = c.flagged;
    b->rejected = c.rejected;
}

/* ---- threads ------------------------------------------------------------- */

static int worker_init(worker *w, const job *jb)
{
    memset(w, 0, sizeof *w);
    w->jl = kz_jsonl_new(jb->max_record);
    w->sc = kz_scan_ctx_new(jb->scanner);
    kz_buf_init(&w->doc, jb->max_record);
    return w->jl && w->sc ? 0 : KZ_ENOMEM;
}

static void worker_release(worker *w)
{
    kz_jsonl_free(w->jl);
    kz_scan_ctx_free(w->sc);
    kz_buf_release(&w->doc);
}

/* The pool's job: one batch, on worker number wi. */
static void scan_job(void *ctx, unsigned wi, void *b)
{
    job *jb = ctx;
    run_batch(jb, &jb->w[wi], b);
}

typedef struct totals {
    size_t records, flagged, rejected, bytes;
    int    failed;          /* an input could not be read */
    int    progress;        /* stderr is a terminal: show a progress line */
    int    shown;           /* a progress line is on the screen */
    double start, last;     /* when the scan started, the line was drawn */
} totals;

static double now_s(void);

static void progress_clear(totals *t)
{
    if (t->shown) {
        fputs("\r\033[K", stderr);
        t->shown = 0;
    }
}

static void write_batch(batch *b, totals *t)
{
    fwrite(b->out.p ? b->out.p : "", 1, b->out.len, stdout);
    if (b->err.len) {
        progress_clear(t);
        fwrite(b->err.p, 1, b->err.len, stderr);
    }
    t->records += b->records;
    t->flagged += b->flagged;
    t->rejected += b->rejected;
    t->bytes += b->bytes;
    if (t->progress) {
        double now = now_s();
        if (now - t->last >= 0.5) {
            double el = now - t->start, mb = (double)t->bytes / 1e6;
            fprintf(stderr, "\r\033[Kkuzet scan: %zu records, %zu flagged, %zu rejected; "
                    "%.1f MB, %.1f MB/s", t->records, t->flagged, t->rejected, mb,
                    el > 0 ? mb / el : 0.0);
            t->shown = 1;
            t->last = now;
        }
    }
}

/* Read the next batch of b from rd; 1 when it holds lines. */
static int fill(kz_lines *rd, batch *b, const char *path)
{
    b->path = path;
    int rc = kz_lines_fill(rd, &b->lb);
    b->bytes = b->lb.bytes;
    if (rc < 0) {
        rd->error = ENOMEM;
        rd->eof = 1;
        return 0;
    }
    return rc;
}

/* One JSON Lines input through the pool, batches written in input order. */
static void run_jsonl(job *jb, int fd, const char *path, totals *t)
{
    kz_lines rd;
    batch *b;
    kz_lines_init(&rd, fd, jb->max_record);
    for (;;) {
        if (!rd.eof && kz_pool_out(jb->pool) < jb->nring) {
            b = &jb->ring[jb->submitted % jb->nring];
            if (fill(&rd, b, path)) {
                kz_pool_submit(jb->pool, b);
                jb->submitted++;
            } else {
                t->bytes += b->bytes;
            }
        } else if ((b = kz_pool_take(jb->pool, 1)) != NULL) {
            write_batch(b, t);
        } else {
            break;
        }
    }
    if (rd.error) {
        kz_cli_err("%s: read error: %s", path, strerror(rd.error));
        t->failed = 1;
    }
    kz_lines_release(&rd);
}

/* One .txt or .html file as one document. */
static void run_document(job *jb, worker *w, int fd, const char *path, enum fmt f, totals *t)
{
    kz_buf raw;
    kz_buf_init(&raw, jb->max_record);
    batch *b = &jb->ring[0];
    kz_buf_reset(&b->out);
    kz_buf_reset(&b->err);
    b->records = b->flagged = b->rejected = b->bytes = 0;
    b->path = path;
    char tmp[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, tmp, sizeof tmp)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            kz_cli_err("%s: read error: %s", path, strerror(errno));
            t->failed = 1;
            goto out;
        }
        b->bytes += (size_t)n;
        if (!rc && (rc = kz_buf_add(&raw, tmp, (size_t)n)) != 0)
            continue;                           /* keep counting the size */
    }
    if (rc) {
        kz_buf_addf(&b->err, "%s: %zu bytes, over the limit of %zu (--max-record); skipped\n",
                    path, b->bytes, jb->max_record);
        b->rejected++;
    } else {
        kz_record rec = { .id = path, .id_len = strlen(path) };
        if (f == FMT_HTML) {
            kz_buf_reset(&w->doc);
            if (kz_html_text(raw.p ? raw.p : "", raw.len, &w->doc, NULL) != 0) {
                kz_buf_addf(&b->err, "%s: visible text over the limit; skipped\n", path);
                b->rejected++;
                goto done;
            }
            rec.text = w->doc.p ? w->doc.p : "";
            rec.text_len = w->doc.len;
            rec.from_html = true;
        } else {
            rec.text = raw.p ? raw.p : "";
            rec.text_len = raw.len;
        }
        kz_scanout_job j = job_of(jb, w, path);
        kz_scanout_counts cn = { 0 };
        kz_scanout_one(&j, &rec, 0, &b->out, &b->err, &cn);
        b->records += cn.records;
        b->flagged += cn.flagged;
        b->rejected += cn.rejected;
    }
done:
    write_batch(b, t);
out:
    kz_buf_release(&raw);
}

static enum fmt guess_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return FMT_JSONL;
    if (!strcasecmp(dot, ".txt") || !strcasecmp(dot, ".text"))
        return FMT_TEXT;
    if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm"))
        return FMT_HTML;
    return FMT_JSONL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        { "rules", required_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "threads", required_argument, NULL, 't' },
        { "flagged-only", no_argument, NULL, 'f' },
        { "format", required_argument, NULL, 'F' },
        { "max-record", required_argument, NULL, 'm' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *rules_path = NULL, *uri = NULL;
    long threads = (long)kz_pool_ncpu();
    int flagged_only = 0, quiet = 0, c;
    enum fmt format = FMT_AUTO;
    size_t max_record = 1u << 20;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:t:fF:m:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rules_path = optarg; break;
        case 'd': uri = optarg; break;
        case 't':
            if (kz_cli_threads(optarg, &threads))
                return KZ_EXIT_USAGE;
            break;
        case 'f': flagged_only = 1; break;
        case 'F':
            if (!strcmp(optarg, "jsonl")) format = FMT_JSONL;
            else if (!strcmp(optarg, "text")) format = FMT_TEXT;
            else if (!strcmp(optarg, "html")) format = FMT_HTML;
            else {
                kz_cli_err("--format takes jsonl, text or html, not '%s'", optarg);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'm':
            if (kz_cli_size("--max-record", optarg, 16, KZ_NORM_MAX, &max_record))
                return KZ_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (!uri && (uri = getenv("KUZET_DB")) && !*uri)
        uri = NULL;
    if (!rules_path && !uri) {
        kz_cli_err("scan needs --rules FILE, or --db URI to scan with the rule set published there");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (threads < 1)
        threads = 1;

    int status = KZ_EXIT_USAGE;
    kz_liverules *lr = NULL;
    const kz_scanner *scanner = NULL;
    kz_store *st = NULL;
    job jb;
    memset(&jb, 0, sizeof jb);
    size_t nworkers = threads > 1 ? (size_t)threads + 1 : 1;   /* + the main thread's */
    worker *doc_w = NULL;
    totals t = { 0 };

    double t0 = now_s();
    if (!rules_path) {                  /* the rule set published in the database */
        if (kz_store_open(&st, uri, 1) != 0) {
            kz_cli_err("%s", kz_store_errmsg(st));
            kz_store_close(&st);
            status = KZ_EXIT_FAIL;
            goto out;
        }
    }
    if ((status = kz_cli_rules("scan", rules_path, st, quiet, &lr, &scanner)) != KZ_EXIT_OK)
        goto out;
    kz_store_close(&st);
    double t_compile = now_s() - t0;

    status = KZ_EXIT_FAIL;
    jb.scanner = scanner;
    jb.flagged_only = flagged_only;
    jb.max_record = max_record;
    jb.nring = threads > 1 ? (size_t)threads * 2 + 2 : 1;
    jb.ring = calloc(jb.nring, sizeof *jb.ring);
    jb.w = calloc(nworkers, sizeof *jb.w);
    if (!jb.ring || !jb.w)
        goto oom;
    for (size_t i = 0; i < jb.nring; i++) {
        kz_lines_batch_init(&jb.ring[i].lb);
        kz_buf_init(&jb.ring[i].out, KZ_BUF_NOLIMIT);
        kz_buf_init(&jb.ring[i].err, KZ_BUF_NOLIMIT);
    }
    for (size_t i = 0; i < nworkers; i++)
        if (worker_init(&jb.w[i], &jb) != 0)
            goto oom;
    doc_w = &jb.w[nworkers - 1];        /* documents are read on the main thread */
    /* --threads 1: no thread, each batch scanned where it is read */
    if (kz_pool_new(&jb.pool, threads > 1 ? (unsigned)threads : 0, jb.nring, scan_job, &jb) != 0)
        goto oom;

    double t1 = now_s();
    t.progress = !quiet && isatty(STDERR_FILENO);
    t.start = t.last = t1;
    int ninputs = argc - optind;
    for (int a = 0; a < (ninputs ? ninputs : 1); a++) {
        const char *path = ninputs ? argv[optind + a] : "-";
        int is_stdin = !strcmp(path, "-");
        int fd = is_stdin ? 0 : open(path, O_RDONLY);
        if (fd < 0) {
            kz_cli_err("%s: cannot open: %s", path, strerror(errno));
            t.failed = 1;
            continue;
        }
        enum fmt f = format != FMT_AUTO ? format : is_stdin ? FMT_JSONL : guess_format(path);
        if (f == FMT_JSONL)
            run_jsonl(&jb, fd, is_stdin ? "<stdin>" : path, &t);
        else
            run_document(&jb, doc_w, fd, path, f, &t);
        if (!is_stdin)
            close(fd);
    }
    fflush(stdout);
    double el = now_s() - t1;
    progress_clear(&t);
    if (!quiet) {
        double mb = (double)t.bytes / 1e6;
        fprintf(stderr, "kuzet scan: %zu records, %zu flagged, %zu rejected; %.2f MB in %.2f s "
                "(%.1f MB/s, %.0f records/s); %zu rules compiled in %.2f s\n",
                t.records, t.flagged, t.rejected, mb, el, el > 0 ? mb / el : 0.0,
                el > 0 ? (double)t.records / el : 0.0, kz_scanner_nrules(scanner), t_compile);
    }
    status = t.rejected || t.failed ? KZ_EXIT_FAIL : KZ_EXIT_OK;
    goto out;
oom:
    kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
    status = KZ_EXIT_FAIL;
out:
    kz_pool_free(&jb.pool);
    if (jb.w)
        for (size_t i = 0; i < nworkers; i++)
            worker_release(&jb.w[i]);
    free(jb.w);
    if (jb.ring) {
        for (size_t i = 0; i < jb.nring; i++) {
            kz_lines_batch_release(&jb.ring[i].lb);
            kz_buf_release(&jb.ring[i].out);
            kz_buf_release(&jb.ring[i].err);
        }
        free(jb.ring);
    }
    kz_liverules_put(lr, scanner);
    kz_liverules_free(&lr);
    kz_store_close(&st);
    return status;
}
