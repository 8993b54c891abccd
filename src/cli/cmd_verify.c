/*
 * cli/cmd_verify.c - kuzet verify: re-fetch every item with a removal
 * request or a block in effect and record whether it is gone.
 *
 * The work is pipeline/verifier.h (act/verify.h's checks, each recorded
 * and applied to its cases by case/case.h).  This file parses options,
 * prints a line per item and a summary, and picks the exit status.
 */
#include "cli.h"
#include "pipeline/verifier.h"
#include "store/store.h"
#include "util/buf.h"
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet verify [--db URI] [--every DURATION] [--removed-markers FILE]\n"
    "                    [--no-builtin-markers] [--allow-private] [--allow-addr IP]\n"
    "                    [--parallel N] [--timeout MS] [--limit N] [--case ID] [--as NAME]\n"
    "                    [--json] [--quiet]\n"
    "\n"
    "Re-fetches every item whose case has a restrictive decision in effect (a\n"
    "removal request, a geo-restriction, an approved URL or domain block) and\n"
    "records whether it is gone: HTTP 404, 410 or 451, a platform's \"content\n"
    "removed\" page, or a page without the flagged text and content hash.  The\n"
    "first time an item is found gone, its open notice is complied with at that\n"
    "time and its case verified; an item found online again after being gone\n"
    "reopens its case.  Network errors are recorded, never counted as removals.\n"
    "\n"
    "  --db URI               sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "  --every DURATION       skip items checked less than DURATION ago (30m, 6h, 1d;\n"
    "                         default 0: check every item each run)\n"
    "  --removed-markers FILE more \"content removed\" markers: lines of HOST TEXT\n"
    "                         ('*' for every host; '#' comments); docs/verify.md\n"
    "  --no-builtin-markers   only the markers of --removed-markers\n"
    "  --allow-private        allow loopback/private/reserved addresses (SSRF guard off)\n"
    "  --allow-addr IP        allow this one address even though it is not public\n"
    "  --parallel N           fetches in flight (default 16; 2 per host at most)\n"
    "  --timeout MS           whole-fetch time limit (default 30000)\n"
    "  --limit N              check at most N items this run\n"
    "  --case ID              only the item of case ID, now (--every does not apply)\n"
    "  --as NAME              record the checks as this person (default: the system)\n"
    "  --json                 a JSON line per item checked\n"
    "  --quiet                no line per item; the summary only\n"
    "\n"
    "Exit status: 0 when every item checked got a verdict (gone or present);\n"
    "1 when a check failed (network error, unexpected HTTP status) or storing\n"
    "failed; 2 on usage errors.\n";

typedef struct vctx {
    int    json, quiet;
    kz_buf line;
} vctx;

/* A whole number for option opt within [lo, hi]; -1 (said why) when not. */
static int count_arg(const char *opt, const char *arg, size_t lo, size_t hi, size_t *out)
{
    char *e = NULL;
    unsigned long long v = strtoull(arg, &e, 10);
    if (e == arg || *e || arg[0] == '-' || v < lo || v > hi) {
        kz_cli_err("%s takes a number from %zu to %zu, not '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int on_check(void *arg, const kz_verify_check *c, const kz_check_effect *e,
                    const kz_verifier_stats *st)
{
    vctx *g = arg;
    int rc;
    if (g->quiet)
        return 0;
    kz_buf *b = &g->line;
    kz_buf_reset(b);
    if (g->json) {
        rc = kz_buf_addf(b, "{\"item\":%lld,\"check\":%lld,\"url\":", (long long)c->item_id,
                         (long long)e->check_id);
        if (!rc) rc = kz_buf_add_json_str(b, c->url, strlen(c->url));
        if (!rc) rc = kz_buf_addf(b, ",\"checked_at\":\"%s\",\"outcome\":\"%s\",\"why\":",
                                  c->checked_at, kz_verify_outcome_name(c->outcome));
        if (!rc) rc = kz_buf_add_json_str(b, c->why, strlen(c->why));
        if (!rc) rc = c->http_status ? kz_buf_addf(b, ",\"http_status\":%ld", c->http_status)
                                     : kz_buf_adds(b, ",\"http_status\":null");
        if (!rc) rc = kz_buf_adds(b, ",\"detail\":");
        if (!rc) rc = kz_buf_add_json_str(b, c->detail ? c->detail : "",
                                          c->detail ? strlen(c->detail) : 0);
        if (!rc) rc = kz_buf_addf(b, ",\"returned\":%s,\"cases\":", e->returned ? "true" : "false");
        if (!rc) rc = kz_buf_add_json_str(b, e->cases, strlen(e->cases));
        if (!rc) rc = kz_buf_adds(b, "}\n");
    } else {
        rc = kz_buf_addf(b, "item %-6lld %-8s %-13s %s%s%s%s\n", (long long)c->item_id,
                         e->returned ? "returned" : kz_verify_outcome_name(c->outcome), c->why,
                         c->url, e->cases[0] ? "  (" : "", e->cases, e->cases[0] ? ")" : "");
    }
    if (!rc)
        fputs(b->p, stdout);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "every", required_argument, NULL, 'e' },
        { "removed-markers", required_argument, NULL, 'm' },
        { "no-builtin-markers", no_argument, NULL, 'B' },
        { "allow-private", no_argument, NULL, 'P' },
        { "allow-addr", required_argument, NULL, 'A' },
        { "parallel", required_argument, NULL, 'n' },
        { "timeout", required_argument, NULL, 't' },
        { "limit", required_argument, NULL, 'l' },
        { "case", required_argument, NULL, 'c' },
        { "as", required_argument, NULL, 'a' },
        { "json", no_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *markers_path = NULL, *as = NULL, *allow_addr = NULL;
    int64_t every = 0;
    size_t parallel = 16, timeout = 30000, limit = 0, case_id = 0;
    int allow_private = 0, builtin = 1, c, idx;
    vctx g;
    memset(&g, 0, sizeof g);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'e':
            if ((every = kz_cli_duration(optarg, 0)) < 0) {
                kz_cli_err("--every takes a duration like 30m, 6h or 1d (0: every run), not '%s'",
                           optarg);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'm': markers_path = optarg; break;
        case 'B': builtin = 0; break;
        case 'P': allow_private = 1; break;
        case 'A': allow_addr = optarg; break;
        case 'n':
            if (count_arg("--parallel", optarg, 1, 256, &parallel))
                return KZ_EXIT_USAGE;
            break;
        case 't':
            if (count_arg("--timeout", optarg, 100, 600000, &timeout))
                return KZ_EXIT_USAGE;
            break;
        case 'l':
            if (count_arg("--limit", optarg, 1, (size_t)1 << 40, &limit))
                return KZ_EXIT_USAGE;
            break;
        case 'c':
            if (count_arg("--case", optarg, 1, (size_t)1 << 62, &case_id))
                return KZ_EXIT_USAGE;
            break;
        case 'a': as = optarg; break;
        case 'j': g.json = 1; break;
        case 'q': g.quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        kz_cli_err("verify takes no arguments besides options ('%s')", argv[optind]);
        return KZ_EXIT_USAGE;
    }

    kz_store *s = NULL;
    kz_verify_markers *mk = NULL;
    kz_verifier_opts o;
    kz_verifier_stats vs;
    char *mtext = NULL;
    int status = KZ_EXIT_FAIL, rc;
    memset(&o, 0, sizeof o);
    memset(&vs, 0, sizeof vs);
    kz_buf_init(&g.line, KZ_BUF_NOLIMIT);
    if ((rc = kz_verify_markers_new(&mk, builtin)) != 0) {
        kz_cli_err("%s", kz_strerror(rc));
        goto out;
    }
    if (markers_path) {
        size_t len = 0, line = 0;
        const char *why = NULL;
        if (!(mtext = kz_cli_slurp(markers_path, (size_t)16 << 20, &len)))
            goto out;
        if ((rc = kz_verify_markers_parse(mk, mtext, len, &line, &why)) != 0) {
            if (rc == KZ_EINVAL) {
                kz_cli_err("%s:%zu: %s", markers_path, line, why);
                status = KZ_EXIT_USAGE;
            } else {
                kz_cli_err("%s: %s", markers_path, kz_strerror(rc));
            }
            goto out;
        }
    }
    if (kz_cli_store_open(&s, uri, 1) != 0) {
        goto out;
    }
    if ((status = kz_cli_act(s, as, &o.actor)) != KZ_EXIT_OK)
        goto out;
    status = KZ_EXIT_FAIL;
    o.verify.fetch.timeout_ms = (long)timeout;
    o.verify.fetch.max_parallel = parallel;
    o.verify.fetch.allow_private = allow_private;
    o.verify.fetch.allow_addr = allow_addr;
    o.verify.every = every;
    o.verify.markers = mk;
    o.verify.limit = limit;
    o.verify.case_id = (int64_t)case_id;
    o.on_check = on_check;
    o.ctx = &g;
    rc = kz_verifier_run(&o, &vs);
    if (rc) {
        if (vs.failed_item)
            kz_cli_err("item %lld: %s", (long long)vs.failed_item, kz_account_errmsg(o.actor));
        else if (rc == KZ_EDB || rc == KZ_EBUSY)
            kz_cli_err("%s", kz_store_errmsg(s));
        else if (rc == KZ_EINTERNAL)
            kz_cli_err("cannot initialise libcurl");
        else
            kz_cli_err("%s", kz_strerror(rc));
    }
    fprintf(stderr, "kuzet verify: %zu checked: %zu gone, %zu present (%zu returned), %zu errors; "
            "cases: %zu verified, %zu reopened, %zu escalated\n", vs.checked, vs.gone, vs.present,
            vs.returned, vs.errors, vs.verified, vs.reopened, vs.escalated);
    status = rc || vs.errors ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_account_logout(&o.actor);
    status = kz_cli_store_close(&s, status);
    kz_verify_markers_free(&mk);
    free(mtext);
    kz_buf_release(&g.line);
    return status;
}
