/*
 * cli/cmd_ingest.c - kuzet ingest: scan posts and store what was found.
 *
 * Each JSON Lines record is scanned as by `kuzet scan`, its "images" (local
 * files, read only from inside the input's folder or --images-dir:
 * util/folder.h) hashed, and text and images matched against the block
 * hash banks (cli/stored.c); a record with hits or bank matches becomes an
 * item (or updates the item with the same URL, or with the same content
 * when it has no URL) with its detections, and each category it is flagged
 * for opens a case.  Records without either are counted, not stored (data minimisation;
 * --store-all keeps them).  One transaction per batch of about 1 MiB of
 * input: a batch is stored whole or not at all.
 */
#include "cli.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "ingest/image.h"
#include "ingest/jsonl.h"
#include "ingest/lines.h"
#include "store/audit.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/folder.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: kuzet ingest --rules FILE [--db URI] [--store-all] [--max-record BYTES]\n"
    "                    [--images-dir DIR] [--quiet] [INPUT...]\n"
    "\n"
    "Scans JSON Lines posts (stdin when no INPUT or '-') and stores in the database\n"
    "every post with hits, as an item with its detections; a post flagged for a\n"
    "category opens a case.  The same URL (or, without a URL, the same content)\n"
    "seen again updates the item instead of duplicating it.  Every post is also\n"
    "matched against the block hash banks (re-uploads of material decided on),\n"
    "with the images it lists in \"images\" (regular files inside the input's\n"
    "folder, or stdin's current one; URLs are not fetched).\n"
    "\n"
    "  --rules FILE        the YAML rule file (required)\n"
    "  --db URI            sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "  --store-all         store posts without hits too\n"
    "  --max-record BYTES  longest line accepted (default 1048576)\n"
    "  --images-dir DIR    read \"images\" from inside DIR instead\n"
    "  --quiet             no summary on stderr\n";

typedef struct ingest {
    kz_store    *st;
    kz_scanner  *sc;
    kz_scan_ctx *cx;
    kz_jsonl    *jl;
    int          store_all;
    kz_folder   *images;        /* where this input's "images" are read from */
    size_t       records, flagged, rejected, created, updated, cases, image_errors;
    kz_cli_sink  sink;
} ingest;

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

/* Hash the record's images: local files inside g->images (the input's
 * folder, as platform exports keep media beside the JSON, or --images-dir;
 * anything else is refused by util/folder.h); URLs are not fetched.  An
 * image that cannot be read or decoded is reported (unless quiet, i.e. a
 * batch run again) and counted; the record goes on. */
static void hash_images(ingest *g, const kz_record *rec, const char *path, size_t line,
                        int quiet, size_t *image_errors)
{
    char why[KZ_IMAGE_ERRLEN];
    for (size_t i = 0; i < rec->nimages; i++) {
        const char *ref = rec->images[i], *reason = why;
        size_t n = rec->image_lens[i];
        uint8_t *data = NULL;
        size_t len = 0;
        int rc;
        if (memmem(ref, n, "://", 3))
            continue;                           /* a URL: not fetched by ingest */
        if ((rc = kz_folder_read(g->images, ref, n, KZ_IMAGE_MAX_BYTES, &data, &len)) != 0)
            reason = kz_folder_errmsg(g->images);
        else
            rc = kz_cli_sink_image(&g->sink, ref, n, data, len, why);
        free(data);
        if (rc) {
            if (!quiet) {
                fprintf(stderr, "%s:%zu: image ", path, line);
                put_ref(ref, n);
                fprintf(stderr, ": %s\n", reason);
            }
            (*image_errors)++;
        }
    }
}

static int store_record(ingest *g, const kz_record *rec, const kz_result *r, const char *path,
                        size_t line, int again, size_t *image_errors)
{
    kz_item_in it = { rec->url, rec->url_len, rec->platform, rec->platform_len, rec->id,
                      rec->id_len, rec->lang, rec->lang_len, rec->published, rec->published_len,
                      rec->text, rec->text_len, NULL };
    int rc;
    kz_cli_sink_reset(&g->sink);
    hash_images(g, rec, path, line, again, image_errors);
    /* without hits, a record is stored only when it matches a block bank:
     * a re-upload that evades the rules (cli/stored.c) */
    if (r->nhits == 0 && !g->store_all && (rc = kz_cli_bank_check(g->st, &g->sink, &it)) <= 0)
        return rc;
    kz_ingest_out out;
    rc = kz_cli_store_scan(g->st, g->sc, &g->sink, &it, r, &out);
    if (rc)
        return rc;
    if (out.item_created) g->created++;
    else g->updated++;
    g->cases += out.cases_opened;
    return 0;
}

/* One batch in one transaction.  Returns 0, or a store error (the batch is
 * rolled back; KZ_EBUSY: it may be run again, with again set so the
 * rejected lines are not reported twice). */
static int run_batch(ingest *g, kz_lines_batch *b, const char *path, size_t max_record, int again)
{
    const char *p = b->in.p, *end = b->in.p + b->in.len;
    size_t line = b->first_line, oi = 0;
    size_t records = 0, flagged = 0, rejected = 0, created = g->created, updated = g->updated,
           cases = g->cases, image_errors = 0;
    int rc = kz_store_begin(g->st);
    if (rc)
        return rc;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (oi < b->noverlong && b->overlong[oi] == line) {
            if (!again)
                fprintf(stderr, "%s:%zu: line is longer than the limit of %zu bytes; skipped\n",
                        path, line, max_record);
            rejected++;
            oi++;
        } else if (len > 0 && !(len == 1 && p[0] == '\r')) {
            kz_record rec;
            kz_result r;
            if (kz_jsonl_parse(g->jl, p, len, &rec) != 0) {
                if (!again)
                    fprintf(stderr, "%s:%zu: %s\n", path, line, kz_jsonl_errmsg(g->jl));
                rejected++;
            } else if ((rc = kz_scan(g->cx, rec.text, rec.text_len, &r)) != 0) {
                if (!again)
                    fprintf(stderr, "%s:%zu: cannot scan: %s\n", path, line, kz_strerror(rc));
                rejected++;
                rc = 0;
            } else {
                records++;
                flagged += r.nflagged > 0;
                if ((rc = store_record(g, &rec, &r, path, line, again, &image_errors)) != 0)
                    break;
            }
        }
        line++;
        p = nl ? nl + 1 : end;
    }
    if (rc == 0)
        rc = kz_store_commit(g->st);
    if (rc) {
        kz_store_rollback(g->st);
        g->created = created;           /* nothing of this batch was stored */
        g->updated = updated;
        g->cases = cases;
        return rc;
    }
    g->records += records;
    g->flagged += flagged;
    g->rejected += rejected;
    g->image_errors += image_errors;
    return 0;
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
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *rules_path = NULL, *uri = NULL, *images_dir = NULL;
    int quiet = 0, c;
    size_t max_record = 1u << 20;
    ingest g;
    memset(&g, 0, sizeof g);
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:d:am:qI:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rules_path = optarg; break;
        case 'd': uri = optarg; break;
        case 'a': g.store_all = 1; break;
        case 'm':
            if (kz_cli_size("--max-record", optarg, 16, 1u << 28, &max_record))
                return KZ_EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'I': images_dir = optarg; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (!rules_path) {
        kz_cli_err("ingest needs --rules FILE");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    int status = KZ_EXIT_USAGE, failed = 0, rc;
    kz_ruleset *rs = NULL;
    kz_buf errs;
    kz_buf_init(&errs, 1u << 20);
    kz_lines_batch b;
    kz_lines_batch_init(&b);
    char err[512];
    if (kz_rules_load(rules_path, &rs, &errs) != 0 || kz_scanner_new(rs, &g.sc, &errs) != 0) {
        fputs(errs.p ? errs.p : "", stderr);
        kz_cli_err("%s: rules not loaded; nothing ingested", rules_path);
        goto out;
    }
    status = KZ_EXIT_FAIL;
    if (kz_cli_store_open(&g.st, uri, 1, err, sizeof err) != 0) {
        kz_cli_err("%s", err);
        goto out;
    }
    g.cx = kz_scan_ctx_new(g.sc);
    g.jl = kz_jsonl_new(max_record);
    if (!g.cx || !g.jl) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    if (images_dir && (rc = kz_folder_open(&g.images, images_dir, 0)) != 0) {
        kz_cli_err("--images-dir: %s",
                   rc == KZ_ENOMEM ? kz_strerror(rc) : kz_folder_errmsg(g.images));
        goto out;
    }
    int ninputs = argc - optind;
    for (int a = 0; a < (ninputs ? ninputs : 1) && !failed; a++) {
        const char *path = ninputs ? argv[optind + a] : "-";
        int is_stdin = !strcmp(path, "-");
        int fd = is_stdin ? 0 : open(path, O_RDONLY);
        if (fd < 0) {
            kz_cli_err("%s: cannot open: %s", path, strerror(errno));
            failed = 1;
            continue;
        }
        /* "images" are read from inside the input's folder (stdin: the
         * current one) unless --images-dir says where */
        if (!images_dir) {
            const char *slash = is_stdin ? NULL : strrchr(path, '/');
            char *dir = slash ? kz_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
            kz_folder_free(&g.images);
            if ((slash && !dir) || kz_folder_open(&g.images, dir ? dir : ".", 0) == KZ_ENOMEM) {
                free(dir);
                kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
                failed = 1;
                if (!is_stdin)
                    close(fd);
                continue;
            }
            free(dir);      /* a folder that cannot be opened: each image says so */
        }
        kz_lines rd;
        kz_lines_init(&rd, fd, max_record);
        while ((rc = kz_lines_fill(&rd, &b)) > 0) {
            /* busy (SQLite's timeout ran out; PostgreSQL: deadlock,
             * serialization failure, lock timeout): the batch was rolled
             * back, so run it again, backing off, up to 8 times */
            for (int again = 0;; again++) {
                rc = run_batch(&g, &b, is_stdin ? "<stdin>" : path, max_record, again);
                if (rc != KZ_EBUSY || again == 8)
                    break;
                struct timespec ts = { 0, (50L << (again < 4 ? again : 4)) * 1000000L +
                                          (long)(getpid() % 50) * 1000000L };
                nanosleep(&ts, NULL);
            }
            if (rc != 0) {
                kz_cli_err("%s: %s; this batch was not stored, stopping (lines from %zu)",
                           path, kz_store_errmsg(g.st), b.first_line);
                failed = 1;
                break;
            }
        }
        if (rc < 0 && !failed) {
            kz_cli_err("%s: %s", path, kz_strerror(rc));
            failed = 1;
        }
        if (rd.error) {
            kz_cli_err("%s: read error: %s", path, strerror(rd.error));
            failed = 1;
        }
        kz_lines_release(&rd);
        if (!is_stdin)
            close(fd);
    }
    if (g.created || g.updated || g.cases) {
        /* sign where the log stands after this run (store/audit.h) */
        char line[512];
        if (kz_cli_checkpoint(g.st, NULL, line, sizeof line) != 0)
            failed = 1;
    }
    if (!quiet)
        fprintf(stderr, "kuzet ingest: %zu records, %zu flagged, %zu rejected; items: %zu new, "
                "%zu updated; %zu cases opened", g.records, g.flagged, g.rejected, g.created,
                g.updated, g.cases);
    if (!quiet)
        fprintf(stderr, g.image_errors ? "; %zu images not hashed\n" : "\n", g.image_errors);
    status = failed || g.rejected || g.image_errors ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_lines_batch_release(&b);
    kz_cli_sink_release(&g.sink);
    kz_folder_free(&g.images);
    kz_jsonl_free(g.jl);
    kz_scan_ctx_free(g.cx);
    kz_store_close(&g.st);
    kz_scanner_free(&g.sc);
    kz_ruleset_free(&rs);
    kz_buf_release(&errs);
    return status;
}
