/*
 * cli/cmd_check.c - kuzet check: is this URL blocked, and by what?
 * URLs are read as a browser reads them (act/blocklist.h).
 *
 * The blocklist comes from a list file (an export, or entries written by
 * hand) or, with --db, from the decisions in effect in the store
 * (act/active.h): approved URL and domain blocks that are not reversed or
 * expired.
 */
#include "cli.h"
#include "act/active.h"
#include "act/blocklist.h"
#include <errno.h>
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet check --list FILE [URL...]\n"
    "       kuzet check --db URI [--at TIME] [--unverified] [URL...]\n"
    "\n"
    "Says for each URL (from the arguments, or one per line on stdin) whether the\n"
    "blocklist in FILE (or, with --db, the approved URL and domain blocks in\n"
    "effect in the store at TIME: YYYY-MM-DD[THH:MM:SSZ], default now) blocks it,\n"
    "matching as Safe Browsing does: a domain entry covers its subdomains and\n"
    "every path, a URL entry ending in '/' covers what is below it.  The host is\n"
    "the one a browser contacts (WHATWG URL Standard).  Prints one line per URL,\n"
    "in order:\n"
    "  blocked ID EXPRESSION     (the entry that matched, most specific first;\n"
    "                            with --db, ID is the decision)\n"
    "  ok\n"
    "  error: REASON             (a browser would refuse the URL, or it cannot\n"
    "                            be canonicalized)\n"
    "FILE has one entry per line: 'domain HOST [ID]' or 'url URL [ID]'; '#' starts\n"
    "a comment.  ID defaults to the line number.  A bad entry is reported and\n"
    "left out; the others still apply.\n"
    "With --db the audit log is verified first, and its rows replayed against the\n"
    "tables: when rows were changed behind kuzet's back, check refuses (exit 1)\n"
    "unless --unverified, which goes on with a warning.\n"
    "Exit status: 0 nothing blocked, 1 something blocked or an error, 2 usage.\n";

/* An entry of a list or of the decisions in effect into b (geo-restrictions
 * are a measure for platforms, not for lists: skipped). */
static int add_entry(kz_blocklist *b, const kz_export_entry *e, const char **why)
{
    if (e->kind == KZ_EXPORT_GEO)
        return 0;
    return e->kind == KZ_EXPORT_DOMAIN
               ? kz_blocklist_add_domain(b, e->target, strlen(e->target), e->id, why)
               : kz_blocklist_add_url(b, e->target, strlen(e->target), e->id, why);
}

static void bad_line(void *arg, size_t line, const char *why)
{
    kz_cli_err("%s:%zu: %s", (const char *)arg, line, why);
}

/* Load the entries of path (kz_export_list_parse, the format `kuzet
 * export --list` reads) into b; a bad entry is reported and left out.
 * 0, -1 when some entry was bad, -2 when the file cannot be read. */
static int load_list(kz_blocklist *b, const char *path)
{
    size_t len = 0, nbad = 0;
    char *text = kz_cli_slurp(path, MAX_LIST_BYTES, &len);
    if (!text)
        return -2;
    kz_export_list l;
    kz_export_list_init(&l);
    int rc = kz_export_list_parse(&l, text, len, bad_line, (void *)path, &nbad);
    for (size_t i = 0; i < l.n && rc == 0; i++) {
        const char *why = NULL;
        rc = add_entry(b, &l.v[i], &why);
        if (rc == KZ_EINVAL) {           /* canonical already: not expected */
            kz_cli_err("%s:%zu: %s", path, l.line[i], why ? why : "bad entry");
            nbad++;
            rc = 0;
        }
    }
    if (rc)
        kz_cli_err("%s: %s", path, kz_strerror(rc));
    kz_export_list_release(&l);
    free(text);
    return rc ? -2 : nbad ? -1 : 0;
}

/* Load the URL and domain blocks in effect into b.  0, or -2 (reported). */
/* --unverified: act on rows that do not match the audit log (warned) */
static int unverified;

static int load_db(kz_blocklist *b, const char *uri, const char *at)
{
    char err[512];
    kz_store *s = NULL;
    kz_active l;
    int rc, ret = -2;
    kz_active_init(&l);
    if (kz_store_open(&s, uri, 1, err, sizeof err) != 0) {
        kz_cli_err("%s", err);
        goto out;
    }
    if (kz_cli_rows_guard(s, unverified) != 0)
        goto out;
    if ((rc = kz_active_load(&l, s, at)) != 0) {
        kz_cli_err("%s: %s", kz_strerror(rc), kz_store_errmsg(s));
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        rc = add_entry(b, &l.v[i], NULL);
        if (rc == KZ_ENOMEM) {
            kz_cli_err("%s", kz_strerror(rc));
            goto out;
        }
    }
    ret = 0;
out:
    kz_active_release(&l);
    kz_store_close(&s);
    return ret;
}

static int check_one(const kz_blocklist *b, kz_blocklist_ctx *c, const char *url, size_t n)
{
    int64_t id;
    const char *expr;
    int rc = kz_blocklist_check(b, c, url, n, &id, &expr);
    if (rc == 1) {
        printf("blocked %lld %s\n", (long long)id, expr);
        return 1;
    }
    if (rc == 0) {
        fputs("ok\n", stdout);
        return 0;
    }
    printf("error: %s\n", rc == KZ_EINVAL ? c->url.why : kz_strerror(rc));
    return 1;
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        { "list", required_argument, NULL, 'l' },
        { "db", required_argument, NULL, 'd' },
        { "at", required_argument, NULL, 'a' },
        { "unverified", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *list = NULL, *db = NULL;
    char at[21] = "";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': list = optarg; break;
        case 'd': db = optarg; break;
        case 'U': unverified = 1; break;
        case 'a':
            if (!kz_active_time_arg(optarg, at)) {
                kz_cli_err("--at takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '%s'", optarg);
                fputs(usage_text, stderr);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (!list && !db && getenv("KUZET_DB") && *getenv("KUZET_DB"))
        db = getenv("KUZET_DB");              /* as every other command */
    if (!list == !db || (at[0] && !db)) {
        kz_cli_err("%s", at[0] && !db ? "--at goes with --db"
                         : list ? "check takes --list FILE or --db URI, not both"
                                : "check needs --list FILE or --db URI");
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    kz_blocklist *b = kz_blocklist_new();
    if (!b) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return KZ_EXIT_FAIL;
    }
    int bad = list ? load_list(b, list) : load_db(b, db, at[0] ? at : NULL);
    if (bad == -2) {
        kz_blocklist_free(b);
        return KZ_EXIT_FAIL;
    }
    kz_blocklist_ctx ctx;
    kz_blocklist_ctx_init(&ctx);
    int any = 0;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            any |= check_one(b, &ctx, argv[i], strlen(argv[i]));
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, stdin)) >= 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            any |= check_one(b, &ctx, line, (size_t)len);
        }
        free(line);
    }
    kz_blocklist_ctx_release(&ctx);
    kz_blocklist_free(b);
    return any || bad ? KZ_EXIT_FAIL : KZ_EXIT_OK;
}
