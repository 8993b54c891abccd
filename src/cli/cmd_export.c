/*
 * cli/cmd_export.c - kuzet export: the blocklist in the format a resolver
 * or proxy loads (act/export.h).
 *
 * The entries come from a list file for now (the format `kuzet check`
 * reads, parsed by kz_export_list_parse); the active decisions of the store
 * come with the review workflow.  --out is written to FILE.tmp and renamed,
 * so a resolver reloading the file never sees half of it.
 */
#include "cli.h"
#include "act/export.h"
#include <errno.h>
#include <getopt.h>
#include <time.h>

static const char usage_text[] =
    "usage: kuzet export FORMAT --list FILE [--out FILE] [--serial N] [--origin ZONE]\n"
    "                    [--landing HOST] [--ttl N] [--full]\n"
    "\n"
    "Writes the blocklist in FILE ('domain HOST [ID]' / 'url URL [ID]' lines, as\n"
    "for kuzet check) in FORMAT, to stdout or to --out (replaced atomically):\n"
    "  rpz            DNS Response Policy Zone (Unbound, BIND, Knot, PowerDNS)\n"
    "  unbound        Unbound local-zone configuration (include: it)\n"
    "  hosts          0.0.0.0 NAME lines (exact names, no subdomains)\n"
    "  squid-domains  Squid dstdomain ACL file (.name covers subdomains)\n"
    "  squid-urls     Squid url_regex ACL file (anchored regexes, plain HTTP)\n"
    "  csv, json      every entry with its decision (json: JSON Lines)\n"
    "  hash-prefixes  sorted SHA-256 4-byte prefixes in hex; --full: full hashes\n"
    "Options:\n"
    "  --serial N     RPZ SOA serial (default: the current Unix time); it must\n"
    "                 grow with every change of the list\n"
    "  --origin ZONE  RPZ zone name the file is loaded as (default rpz.local)\n"
    "  --landing HOST RPZ/unbound: CNAME blocked names to HOST (a block page)\n"
    "                 instead of NXDOMAIN\n"
    "  --ttl N        RPZ/unbound TTL (default 300)\n"
    "Entries a format cannot express (URLs and IP addresses in DNS formats) are\n"
    "left out with a comment in the file; entries invalid for it (a host that\n"
    "is not a DNS name) are reported on stderr and left out.\n"
    "Exit status: 0 ok, 1 some line or entry left out as invalid, or failure,\n"
    "2 usage.\n";

#define MAX_LIST_BYTES ((size_t)4 << 30)

struct ctx {
    const char *path;
    const kz_export_list *list;
};

static void bad_line(void *arg, size_t line, const char *why)
{
    kz_cli_err("%s:%zu: %s", (const char *)arg, line, why);
}

static void bad_entry(void *arg, const kz_export_entry *e, size_t i, const char *why)
{
    const struct ctx *c = arg;
    kz_cli_err("%s:%zu: %s: %s", c->path, c->list->line[i], e->target, why);
}

/* the whole file into a malloc'd buffer; NULL (reported) on failure */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    size_t n = 0, cap = 0;
    if (!f) {
        kz_cli_err("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (KZ_GROW(p, cap, n + 65536)) {
            kz_cli_err("%s: %s", path, kz_strerror(KZ_ENOMEM));
            goto fail;
        }
        size_t k = fread(p + n, 1, cap - n, f);
        n += k;
        if (n > MAX_LIST_BYTES) {
            kz_cli_err("%s: %s", path, kz_strerror(KZ_ETOOBIG));
            goto fail;
        }
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        kz_cli_err("%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    *len = n;
    return p;
fail:
    fclose(f);
    free(p);
    return NULL;
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
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *list = NULL, *outp = NULL;
    kz_export_opts o = { 0 };
    bool have_serial = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': list = optarg; break;
        case 'o': outp = optarg; break;
        case 's':
            if (!parse_u32(optarg, &o.serial))
                return usage_err("--serial must be a number from 0 to 4294967295, not '%s'", optarg);
            have_serial = true;
            break;
        case 'z': o.origin = optarg; break;
        case 'L': o.landing = optarg; break;
        case 't':
            if (!parse_u32(optarg, &o.ttl) || o.ttl == 0 || o.ttl > 2147483647)
                return usage_err("--ttl must be a number from 1 to 2147483647, not '%s'", optarg);
            break;
        case 'f': o.full = true; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc)
        return usage_err("%s", optind >= argc ? "export needs a FORMAT" : "export takes one FORMAT");
    int format = kz_export_format_parse(argv[optind]);
    if (format < 0)
        return usage_err("unknown format '%s'", argv[optind]);
    if (!list)
        return usage_err("%s", "export needs --list FILE");
    if (o.origin && kz_export_name_why(o.origin))
        return usage_err("--origin '%s' is not a DNS name", o.origin);
    if (o.landing && kz_export_name_why(o.landing))
        return usage_err("--landing '%s' is not a DNS name", o.landing);
    if (!have_serial)
        o.serial = (uint32_t)time(NULL);

    int status = KZ_EXIT_FAIL, rc;
    size_t len = 0, nbad = 0, nrej = 0;
    char *text = NULL, *tmp = NULL;
    FILE *f = NULL;
    kz_export_list l;
    kz_export_list_init(&l);
    struct ctx cx = { list, &l };
    o.reject = bad_entry;
    o.arg = &cx;
    if (!(text = slurp(list, &len)))
        goto out;
    if ((rc = kz_export_list_parse(&l, text, len, bad_line, (void *)list, &nbad)) != 0) {
        kz_cli_err("%s: %s", list, kz_strerror(rc));
        goto out;
    }
    if (outp) {
        size_t n = strlen(outp) + 5;
        if (!(tmp = malloc(n))) {
            kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
            goto out;
        }
        snprintf(tmp, n, "%s.tmp", outp);
        if (!(f = fopen(tmp, "w"))) {
            kz_cli_err("%s: cannot create: %s", tmp, strerror(errno));
            goto out;
        }
    }
    rc = kz_export_fwrite(f ? f : stdout, format, l.v, l.n, &o, &nrej);
    if (f) {
        if (fclose(f) != 0 && !rc)
            rc = KZ_EIO;
        f = NULL;
        if (rc)
            remove(tmp);
        else if (rename(tmp, outp) != 0) {
            kz_cli_err("%s: cannot rename to %s: %s", tmp, outp, strerror(errno));
            remove(tmp);
            goto out;
        }
    }
    if (rc) {
        kz_cli_err("%s%s%s", outp ? outp : "", outp ? ": " : "", kz_strerror(rc));
        goto out;
    }
    status = nbad || nrej ? KZ_EXIT_FAIL : KZ_EXIT_OK;
out:
    if (f)
        fclose(f);
    free(tmp);
    free(text);
    kz_export_list_release(&l);
    return status;
}
