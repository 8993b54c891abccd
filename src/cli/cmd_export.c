/*
 * cli/cmd_export.c - kuzet export: the blocklist in the format a resolver
 * or proxy loads (act/export.h).
 *
 * The entries come from a list file (the format `kuzet check` reads, parsed
 * by kz_export_list_parse) or, with --db, from the decisions in effect in
 * the store (act/active.h).  With --db, rpz takes its SOA serial from the
 * blocklist versions (a new version when the list changed), rpz-changes
 * writes the changes since a serial as an nsupdate script, and blockpage
 * writes the page a landing host shows for one decision.  Everything is
 * built in memory, then --out is written to FILE.tmp and renamed, so a
 * resolver reloading the file never sees half of it.
 */
#include "cli.h"
#include "act/active.h"
#include "act/export.h"
#include "report/report.h"
#include "report/statements.h"
#include <errno.h>
#include <getopt.h>
#include <time.h>

static const char usage_text[] =
    "usage: kuzet export FORMAT --list FILE [--out FILE] [--serial N] [--origin ZONE]\n"
    "                    [--landing HOST] [--ttl N] [--full]\n"
    "       kuzet export FORMAT --db URI [--at TIME] [--out FILE] [options as above]\n"
    "       kuzet export rpz-changes --db URI --since N [--origin ZONE] [--landing HOST]\n"
    "                    [--ttl N] [--out FILE]\n"
    "       kuzet export blockpage --db URI --decision ID [--lang kk|ru|en|all]\n"
    "                    [--authority NAME] [--appeal CONTACT] [--text] [--out FILE]\n"
    "       kuzet export statements --from DATE --to DATE [--format json|csv] [--db URI]\n"
    "                    [--out FILE]\n"
    "\n"
    "Writes the blocklist in FILE ('domain HOST [ID]' / 'url URL [ID]' lines, as\n"
    "for kuzet check), or with --db the decisions in effect in the store (at TIME:\n"
    "YYYY-MM-DD[THH:MM:SSZ], default now), in FORMAT, to stdout or to --out\n"
    "(replaced atomically):\n"
    "  rpz            DNS Response Policy Zone (Unbound, BIND, Knot, PowerDNS)\n"
    "  unbound        Unbound local-zone configuration (include: it)\n"
    "  hosts          0.0.0.0 NAME lines (exact names, no subdomains)\n"
    "  squid-domains  Squid dstdomain ACL file (.name covers subdomains)\n"
    "  squid-urls     Squid url_regex ACL file (anchored regexes, plain HTTP)\n"
    "  csv, json      every entry with its decision (json: JSON Lines)\n"
    "  hash-prefixes  sorted SHA-256 4-byte prefixes in hex; --full: full hashes\n"
    "  rpz-changes    (--db) the RPZ changes since serial --since N, as an\n"
    "                 nsupdate script\n"
    "  blockpage      (--db) the block page of decision --decision ID: HTML, or\n"
    "                 plain text with --text; in Kazakh, Russian and English\n"
    "                 (--lang: one of them); --authority NAME (default\n"
    "                 $KUZET_AUTHORITY, else 'the competent authority'), --appeal\n"
    "                 CONTACT: where to appeal (default $KUZET_APPEAL)\n"
    "  statements     statements of reasons for the DSA Transparency Database, one\n"
    "                 per restriction that took effect from --from to --to\n"
    "                 (YYYY-MM-DD, UTC, inclusive): json (default: one API request\n"
    "                 body {\"statements\":[...]} of at most 100 per line) or csv\n"
    "                 (docs/statements.md)\n"
    "With --db, geo-restrictions are only in csv and json (with a scope column).\n"
    "Options:\n"
    "  --serial N     RPZ SOA serial (default: the current Unix time; with --db\n"
    "                 the list's version, +1 on every change); it must grow with\n"
    "                 every change of the list\n"
    "  --origin ZONE  RPZ zone name the file is loaded as (default rpz.local)\n"
    "  --landing HOST RPZ/unbound: CNAME blocked names to HOST (a block page)\n"
    "                 instead of NXDOMAIN\n"
    "  --ttl N        RPZ/unbound TTL (default 300)\n"
    "Entries a format cannot express (URLs and IP addresses in DNS formats) are\n"
    "left out with a comment in the file; entries invalid for it (a host that\n"
    "is not a DNS name) are reported on stderr and left out.\n"
    "Exit status: 0 ok, 1 some line or entry left out as invalid, or failure,\n"
    "2 usage.\n";


struct ctx {
    const char *path;               /* NULL: the entries come from the store */
    const kz_export_list *list;
};

static void bad_line(void *arg, size_t line, const char *why)
{
    kz_cli_err("%s:%zu: %s", (const char *)arg, line, why);
}

static void bad_entry(void *arg, const kz_export_entry *e, size_t i, const char *why)
{
    const struct ctx *c = arg;
    if (c->path)
        kz_cli_err("%s:%zu: %s: %s", c->path, c->list->line[i], e->target, why);
    else
        kz_cli_err("decision %lld: %s: %s", (long long)e->id, e->target, why);
}

static bool parse_u32(const char *s, uint32_t *v)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (!*s || *s == '-' || *end || errno || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

static int usage_err(const char *msg, const char *arg)
{
    kz_cli_err(msg, arg);
    fputs(usage_text, stderr);
    return KZ_EXIT_USAGE;
}

/* b to stdout, or to outp through outp.tmp and a rename.  0 or -1 (reported). */
static int write_out(const char *outp, const kz_buf *b)
{
    if (!outp) {
        if ((b->len && fwrite(b->p, 1, b->len, stdout) != b->len) || fflush(stdout) != 0) {
            kz_cli_err("stdout: %s", kz_strerror(KZ_EIO));
            return -1;
        }
        return 0;
    }
    size_t n = strlen(outp) + 5;
    char *tmp = malloc(n);
    FILE *f = NULL;
    int ret = -1;
    if (!tmp) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    snprintf(tmp, n, "%s.tmp", outp);
    if (!(f = fopen(tmp, "w"))) {
        kz_cli_err("%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    bool ok = (!b->len || fwrite(b->p, 1, b->len, f) == b->len);
    ok = (fclose(f) == 0) && ok;
    f = NULL;
    if (!ok) {
        kz_cli_err("%s: %s", tmp, kz_strerror(KZ_EIO));
        remove(tmp);
        goto out;
    }
    if (rename(tmp, outp) != 0) {
        kz_cli_err("%s: cannot rename to %s: %s", tmp, outp, strerror(errno));
        remove(tmp);
        goto out;
    }
    ret = 0;
out:
    free(tmp);
    return ret;
}

/* --unverified: export rows that do not match the audit log (warned) */
static int unverified;

static int open_store(kz_store **s, const char *uri)
{
    if (kz_cli_store_open(s, uri, 1) != 0) {
        return -1;
    }
    if (kz_cli_rows_guard(*s, unverified) != 0) {
        kz_store_close(s);
        return -1;
    }
    return 0;
}

struct args {
    const char *list, *outp, *db, *authority, *appeal;
    char at[21];
    int64_t since, decision;
    bool have_serial, have_since, have_decision, text;
    unsigned langs;
    kz_export_opts o;
};

static int do_changes(struct args *g, kz_buf *b)
{
    kz_store *s = NULL;
    kz_active l;
    kz_active_version v;
    int rc, status = KZ_EXIT_FAIL;
    kz_active_init(&l);
    if (open_store(&s, g->db))
        goto out;
    if ((rc = kz_active_version_update(&l, s, g->at[0] ? g->at : NULL, NULL, &v)) != 0) {
        kz_cli_err("%s: %s", kz_strerror(rc), kz_store_errmsg(s));
        goto out;
    }
    if (g->since > v.serial) {
        kz_cli_err("--since %lld is after the current serial %lld", (long long)g->since,
                   (long long)v.serial);
        goto out;
    }
    if ((rc = kz_active_changes_nsupdate(s, g->since, v.serial, g->o.origin, g->o.landing,
                                         g->o.ttl, b, NULL)) != 0) {
        kz_cli_err("%s: %s", kz_strerror(rc), kz_store_errmsg(s));
        goto out;
    }
    status = write_out(g->outp, b) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_active_release(&l);
    return kz_cli_store_close(&s, status);
}

static int do_blockpage(struct args *g, kz_buf *b)
{
    kz_store *s = NULL;
    kz_active_decision d;
    int rc, status = KZ_EXIT_FAIL;
    memset(&d, 0, sizeof d);
    if (open_store(&s, g->db))
        goto out;
    rc = kz_active_decision_get(s, g->decision, g->at[0] ? g->at : NULL, &d);
    if (rc == KZ_ENOTFOUND) {
        kz_cli_err("no decision %lld", (long long)g->decision);
        goto out;
    }
    if (rc) {
        kz_cli_err("%s: %s", kz_strerror(rc), kz_store_errmsg(s));
        goto out;
    }
    if (!d.in_effect) {
        kz_cli_err("decision %lld is not in effect (%s): no block page", (long long)g->decision,
                   d.why_not);
        goto out;
    }
    kz_active_page_opts po = { g->langs, g->authority, g->appeal, g->text, false };
    if (!po.authority)
        po.authority = getenv("KUZET_AUTHORITY");
    if (!po.appeal)
        po.appeal = getenv("KUZET_APPEAL");
    if ((rc = kz_active_page_write(b, &d, &po)) != 0) {
        kz_cli_err("%s", kz_strerror(rc));
        goto out;
    }
    status = write_out(g->outp, b) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_active_decision_release(&d);
    return kz_cli_store_close(&s, status);
}

static bool parse_i64(const char *s, int64_t *v)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || errno || x < 0)
        return false;
    *v = x;
    return true;
}

/* kuzet export statements: the options, then the library's statements
 * (report/statements.h) printed; decisions left out are reported. */
static int export_statements(int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "format", required_argument, NULL, 'F' },
        { "db", required_argument, NULL, 'd' },
        { "out", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *to = NULL, *format = "json", *uri = NULL, *outp = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'F': format = optarg; break;
        case 'd': uri = optarg; break;
        case 'o': outp = optarg; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return usage_err("export statements: unexpected argument '%s'", argv[optind]);
    char why[160];
    if (kz_report_period_check(from, to, "--from", "--to", why, sizeof why))
        return usage_err("export statements: %s", why);
    if (strcmp(format, "json") && strcmp(format, "csv"))
        return usage_err("export statements: --format must be json or csv, not '%s'", format);
    kz_store *s = NULL;
    kz_statements *st = NULL;
    kz_buf b;
    int rc, status = KZ_EXIT_FAIL;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if (kz_store_open(&s, uri, 1) != 0) {
        kz_cli_err("%s", kz_store_errmsg(s));
        kz_store_close(&s);
        goto out;
    }
    if ((rc = kz_statements_compute(s, from, to, &st)) != 0) {
        kz_cli_err("export statements: %s: %s", kz_strerror(rc), kz_store_errmsg(s));
        goto out;
    }
    rc = !strcmp(format, "csv") ? kz_statements_csv(st, &b) : kz_statements_json(st, &b);
    if (rc) {
        kz_cli_err("export statements: %s", kz_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < kz_statements_nskipped(st); i++) {
        int64_t id;
        const char *w;
        if (!kz_statements_skipped(st, i, &id, &w))
            kz_cli_err("decision %lld: left out: %s", (long long)id, w);
    }
    if (write_out(outp, &b) != 0)
        goto out;
    status = kz_statements_nskipped(st) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    kz_buf_release(&b);
    kz_statements_free(&st);
    kz_store_close(&s);
    return status;
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        { "list", required_argument, NULL, 'l' },
        { "out", required_argument, NULL, 'o' },
        { "serial", required_argument, NULL, 's' },
        { "origin", required_argument, NULL, 'z' },
        { "landing", required_argument, NULL, 'L' },
        { "ttl", required_argument, NULL, 't' },
        { "full", no_argument, NULL, 'f' },
        { "db", required_argument, NULL, 'd' },
        { "at", required_argument, NULL, 'a' },
        { "since", required_argument, NULL, 'S' },
        { "decision", required_argument, NULL, 'D' },
        { "lang", required_argument, NULL, 'g' },
        { "authority", required_argument, NULL, 'A' },
        { "appeal", required_argument, NULL, 'P' },
        { "text", no_argument, NULL, 'T' },
        { "unverified", no_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    if (argc > 1 && !strcmp(argv[1], "statements"))
        return export_statements(argc - 1, argv + 1);
    struct args g;
    memset(&g, 0, sizeof g);
    kz_export_opts *o = &g.o;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': g.list = optarg; break;
        case 'o': g.outp = optarg; break;
        case 's':
            if (!parse_u32(optarg, &o->serial))
                return usage_err("--serial must be a number from 0 to 4294967295, not '%s'", optarg);
            g.have_serial = true;
            break;
        case 'z': o->origin = optarg; break;
        case 'L': o->landing = optarg; break;
        case 't':
            if (!parse_u32(optarg, &o->ttl) || o->ttl == 0 || o->ttl > 2147483647)
                return usage_err("--ttl must be a number from 1 to 2147483647, not '%s'", optarg);
            break;
        case 'f': o->full = true; break;
        case 'd': g.db = optarg; break;
        case 'U': unverified = 1; break;
        case 'a':
            if (!kz_active_time_arg(optarg, g.at))
                return usage_err("--at takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '%s'", optarg);
            break;
        case 'S':
            if (!parse_i64(optarg, &g.since))
                return usage_err("--since takes a serial (0 or more), not '%s'", optarg);
            g.have_since = true;
            break;
        case 'D':
            if (!parse_i64(optarg, &g.decision))
                return usage_err("--decision takes a decision id, not '%s'", optarg);
            g.have_decision = true;
            break;
        case 'g':
            if (!strcmp(optarg, "kk")) g.langs = KZ_PAGE_KK;
            else if (!strcmp(optarg, "ru")) g.langs = KZ_PAGE_RU;
            else if (!strcmp(optarg, "en")) g.langs = KZ_PAGE_EN;
            else if (!strcmp(optarg, "all")) g.langs = KZ_PAGE_ALL;
            else return usage_err("--lang is kk, ru, en or all, not '%s'", optarg);
            break;
        case 'A': g.authority = optarg; break;
        case 'P': g.appeal = optarg; break;
        case 'T': g.text = true; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc)
        return usage_err("%s", optind >= argc ? "export needs a FORMAT" : "export takes one FORMAT");
    const char *fname = argv[optind];
    bool changes = !strcmp(fname, "rpz-changes"), page = !strcmp(fname, "blockpage");
    int format = changes || page ? KZ_EXPORT_RPZ : kz_export_format_parse(fname);
    if (format < 0 && !strcmp(fname, "statements"))
        return usage_err("%s", "statements comes first: kuzet export statements --from DATE --to DATE");
    if (format < 0)
        return usage_err("unknown format '%s'", fname);
    if (o->origin && kz_export_name_why(o->origin))
        return usage_err("--origin '%s' is not a DNS name", o->origin);
    if (o->landing && kz_export_name_why(o->landing))
        return usage_err("--landing '%s' is not a DNS name", o->landing);
    if (!g.list && !g.db && getenv("KUZET_DB") && *getenv("KUZET_DB"))
        g.db = getenv("KUZET_DB");            /* as every other command */
    if ((changes || page) && (!g.db || g.list))
        return usage_err("%s needs --db URI (and no --list)", fname);
    if (!changes && !page && !g.list == !g.db)
        return usage_err("%s", g.list ? "export takes --list FILE or --db URI, not both"
                                      : "export needs --list FILE");
    if (g.at[0] && !g.db)
        return usage_err("%s", "--at goes with --db");
    if (changes != g.have_since)
        return usage_err("%s", changes ? "rpz-changes needs --since N" : "--since goes with rpz-changes");
    if (page != g.have_decision)
        return usage_err("%s", page ? "blockpage needs --decision ID" : "--decision goes with blockpage");
    if (!page && (g.langs || g.authority || g.appeal || g.text))
        return usage_err("%s", "--lang, --authority, --appeal and --text go with blockpage");
    if (g.at[0] && format == KZ_EXPORT_RPZ && !page)
        return usage_err("%s", "--at: the RPZ versions are of the list in effect now "
                               "(--at goes with check, csv, json... and blockpage)");
    if (g.db && g.have_serial && (format == KZ_EXPORT_RPZ))
        return usage_err("%s", "--serial: with --db the serial is the list's version");

    int status = KZ_EXIT_FAIL, rc;
    size_t len = 0, nbad = 0, nrej = 0;
    char *text = NULL;
    kz_store *s = NULL;
    kz_buf b;
    kz_export_list l;
    kz_active al;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    kz_export_list_init(&l);
    kz_active_init(&al);
    if (changes) {
        status = do_changes(&g, &b);
        goto out;
    }
    if (page) {
        status = do_blockpage(&g, &b);
        goto out;
    }
    struct ctx cx = { g.list, &l };
    o->reject = bad_entry;
    o->arg = &cx;
    const kz_export_entry *e;
    size_t n;
    if (g.list) {
        if (!g.have_serial)
            o->serial = (uint32_t)time(NULL);
        if (!(text = kz_cli_slurp(g.list, MAX_LIST_BYTES, &len)))
            goto out;
        if ((rc = kz_export_list_parse(&l, text, len, bad_line, (void *)g.list, &nbad)) != 0) {
            kz_cli_err("%s: %s", g.list, kz_strerror(rc));
            goto out;
        }
        e = l.v;
        n = l.n;
    } else {
        const char *at = g.at[0] ? g.at : NULL;
        if (open_store(&s, g.db))
            goto out;
        if (format == KZ_EXPORT_RPZ) {
            kz_active_version v;
            rc = kz_active_version_update(&al, s, at, NULL, &v);
            o->serial = (uint32_t)v.serial;
        } else {
            rc = kz_active_load(&al, s, at);
        }
        if (rc) {
            kz_cli_err("%s: %s", kz_strerror(rc), kz_store_errmsg(s));
            goto out;
        }
        o->scope = al.scope;
        e = al.v;
        n = al.n;
    }
    if ((rc = kz_export_write(&b, format, e, n, o, &nrej)) != 0) {
        kz_cli_err("%s%s%s", g.outp ? g.outp : "", g.outp ? ": " : "", kz_strerror(rc));
        goto out;
    }
    if (write_out(g.outp, &b))
        goto out;
    status = nbad || nrej ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    free(text);
    kz_buf_release(&b);
    kz_export_list_release(&l);
    kz_active_release(&al);
    return kz_cli_store_close(&s, status);
}
