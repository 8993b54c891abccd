/*
 * cli/cmd_url.c - kuzet url: canonical URLs, lookup expressions,
 * registrable domains and the host a browser contacts (url/url.h).
 *
 * Each subcommand takes URLs as arguments, or one per line from stdin when
 * there are none, and prints one result per URL in input order.  A URL
 * that cannot be used prints "error: <reason>" in its place, so output
 * lines stay aligned with input lines; the exit status is then 1.
 */
#include "cli.h"
#include "url/url.h"
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet url canon [URL...]\n"
    "       kuzet url expressions [--hash] [URL...]\n"
    "       kuzet url domain [URL...]\n"
    "       kuzet url host [URL...]\n"
    "\n"
    "URLs come from the arguments, or one per line from stdin when none.\n"
    "  canon        the Safe Browsing canonical form of each URL, one per line\n"
    "  expressions  the host-suffix/path-prefix expressions of each URL, one\n"
    "               per line, a blank line between URLs; --hash puts the\n"
    "               SHA-256 (hex) of each expression before it\n"
    "  domain       the registrable domain (Public Suffix List) of each URL\n"
    "  host         the host a browser contacts (WHATWG URL Standard; http,\n"
    "               https, ws, wss, ftp), as the standard writes it\n"
    "A URL that cannot be parsed prints \"error: <reason>\" on its line and\n"
    "the exit status is 1; 2 for usage errors.  docs/urls.md has the rules.\n";

enum sub { SUB_CANON, SUB_EXPR, SUB_DOMAIN, SUB_HOST };

struct run {
    enum sub sub;
    int hash;
    size_t count;        /* URLs handled so far */
    int failed;
    kz_url u;
    kz_url_exprs x;
    kz_buf out;
    kz_url_whatwg w;
};

static void print_error(const char *why)
{
    printf("error: %s\n", why);
}

/* One URL: print its result.  Returns 0, or KZ_ENOMEM (fatal). */
static int one(struct run *r, const char *s, size_t n)
{
    int rc;
    if (r->sub == SUB_EXPR && r->count > 0)
        putchar('\n');
    r->count++;
    if (r->sub == SUB_HOST) {
        rc = kz_url_host_whatwg(&r->w, s, n);
        if (rc == KZ_EINVAL) {
            print_error(r->w.why);
            r->failed = 1;
            return 0;
        }
        if (rc == 0)
            printf("%s\n", r->w.host);
        return rc;
    }
    rc = kz_url_parse(&r->u, s, n);
    if (rc == KZ_EINVAL) {
        print_error(r->u.why);
        r->failed = 1;
        return 0;
    }
    if (rc)
        return rc;
    switch (r->sub) {
    case SUB_CANON:
        fwrite(r->u.text.p, 1, r->u.text.len, stdout);
        putchar('\n');
        break;
    case SUB_EXPR:
        if ((rc = kz_url_expressions(&r->u, &r->x)))
            return rc;
        for (size_t i = 0; i < r->x.n; i++) {
            if (r->hash) {
                uint8_t h[KZ_URL_HASH_LEN];
                if ((rc = kz_url_hash(r->x.expr[i], r->x.len[i], h)))
                    return rc;
                for (size_t k = 0; k < sizeof h; k++)
                    printf("%02x", h[k]);
                putchar(' ');
            }
            fwrite(r->x.expr[i], 1, r->x.len[i], stdout);
            putchar('\n');
        }
        break;
    case SUB_HOST:
        break;
    case SUB_DOMAIN: {
        const char *why;
        kz_buf_reset(&r->out);
        rc = kz_url_registrable_domain(&r->u, &r->out, &why);
        if (rc == KZ_EINVAL) {
            print_error(why);
            r->failed = 1;
            return 0;
        }
        if (rc)
            return rc;
        fwrite(r->out.p, 1, r->out.len, stdout);
        putchar('\n');
        break;
    }
    }
    return 0;
}

/* Lines of stdin, each at most KZ_URL_MAX_INPUT + 1 bytes kept (a longer
 * one is still read to its end, and fails as too long). */
static int from_stdin(struct run *r)
{
    static char line[KZ_URL_MAX_INPUT + 2];
    size_t n = 0;
    int c, rc;
    bool any = false;
    while ((c = getchar()) != EOF) {
        any = true;
        if (c == '\n') {
            if ((rc = one(r, line, n)))
                return rc;
            n = 0;
            any = false;
            continue;
        }
        if (n <= KZ_URL_MAX_INPUT)
            line[n++] = (char)c;
    }
    if (any)
        return one(r, line, n);
    return 0;
}

int cmd_url(int argc, char **argv)
{
    static const struct option opts[] = {
        { "hash", no_argument, NULL, 'H' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct run r;
    int c, rc = 0;
    if (argc < 2) {
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(usage_text, stdout);
        return KZ_EXIT_OK;
    }
    memset(&r, 0, sizeof r);
    if (!strcmp(sub, "canon"))
        r.sub = SUB_CANON;
    else if (!strcmp(sub, "expressions"))
        r.sub = SUB_EXPR;
    else if (!strcmp(sub, "domain"))
        r.sub = SUB_DOMAIN;
    else if (!strcmp(sub, "host"))
        r.sub = SUB_HOST;
    else {
        kz_cli_err("url: unknown subcommand '%s'", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            if (r.sub != SUB_EXPR) {
                kz_cli_err("url %s: --hash is only for 'expressions'", sub);
                return KZ_EXIT_USAGE;
            }
            r.hash = 1;
            break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    kz_url_init(&r.u);
    kz_url_exprs_init(&r.x);
    kz_buf_init(&r.out, KZ_BUF_NOLIMIT);
    int first = optind + 1, nargs = argc - first;
    if (nargs > 0) {
        for (int a = first; a < argc && !rc; a++)
            rc = one(&r, argv[a], strlen(argv[a]));
    } else {
        rc = from_stdin(&r);
    }
    kz_url_release(&r.u);
    kz_url_exprs_release(&r.x);
    kz_buf_release(&r.out);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        kz_cli_err("url: cannot write the output");
        return KZ_EXIT_FAIL;
    }
    if (rc) {
        kz_cli_err("url: %s", kz_strerror(rc));
        return KZ_EXIT_FAIL;
    }
    return r.failed ? KZ_EXIT_FAIL : KZ_EXIT_OK;
}
