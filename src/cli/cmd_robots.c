/*
 * cli/cmd_robots.c - kuzet robots: decide URLs under a robots.txt.
 *
 * Reads one robots.txt body (a file, or stdin for '-'), then prints
 * "allowed" or "disallowed" for each URL in order, one per line, so the
 * output lines up with the input.  URLs come from the arguments, or one per
 * line from stdin when there are none (and the body is not on stdin).
 */
#include "cli.h"
#include "ingest/robots.h"
#include "util/buf.h"
#include <getopt.h>
#include <errno.h>

static const char usage_text[] =
    "usage: kuzet robots --agent NAME [--explain] [--delay] [--sitemaps] FILE|- [URL...]\n"
    "\n"
    "Decides each URL for the agent under the robots.txt in FILE ('-': stdin),\n"
    "RFC 9309 as Google's parser reads it.  Prints \"allowed\" or \"disallowed\"\n"
    "per URL, one per line, in order; URLs come from the arguments, or one per\n"
    "line from stdin when there are none.  A URL that cannot be used prints\n"
    "\"error: <reason>\" on its line.\n"
    "  --agent NAME  the crawler's name; its product token (the leading run of\n"
    "                letters, '-' and '_': \"kuzet/0.1\" -> \"kuzet\") selects groups\n"
    "  --explain     add the line number of the deciding rule (\"disallowed 3\")\n"
    "  --delay       first print \"crawl-delay: SECONDS\" (or \"crawl-delay: none\")\n"
    "  --sitemaps    first print \"sitemap: URL\" for each sitemap line\n"
    "  --help        this text\n"
    "Exit status: 0 (disallowed URLs are data), 1 when FILE cannot be read or\n"
    "a URL cannot be used, 2 for usage errors.  docs/robots.md has the rules.\n";

/* Read at most max bytes of fp; more is never needed (the parser reads
 * KZ_ROBOTS_MAX_BODY and looks at one byte past it). */
static int read_body(FILE *fp, kz_buf *b, size_t max)
{
    char chunk[65536];
    size_t got;
    while (b->len < max && (got = fread(chunk, 1, KZ_MIN(sizeof chunk, max - b->len), fp)) > 0) {
        int rc = kz_buf_add(b, chunk, got);
        if (rc)
            return rc;
    }
    return ferror(fp) ? KZ_EIO : 0;
}

struct opts {
    const char *agent;
    int explain;
    int failed;
};

static int one(const kz_robots *r, const struct opts *o, const char *url, size_t n, int *failed)
{
    unsigned line = 0;
    const char *why = NULL;
    int rc = kz_robots_allowed(r, o->agent, url, n, &line, &why);
    if (rc == KZ_EINVAL) {
        printf("error: %s\n", why);
        *failed = 1;
        return 0;
    }
    if (rc < 0)
        return rc;
    fputs(rc ? "allowed" : "disallowed", stdout);
    if (o->explain && line)
        printf(" %u", line);
    putchar('\n');
    return 0;
}

int cmd_robots(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "agent", required_argument, NULL, 'a' },
        { "explain", no_argument, NULL, 'e' },
        { "delay", no_argument, NULL, 'd' },
        { "sitemaps", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct opts o = { 0 };
    int delay = 0, sitemaps = 0, c, status = KZ_EXIT_OK, rc;
    kz_robots *r = NULL;
    kz_buf body;
    char *line = NULL;
    size_t cap = 0;
    kz_buf_init(&body, (size_t)KZ_ROBOTS_MAX_BODY + 1);

    optind = 1;
    while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': o.agent = optarg; break;
        case 'e': o.explain = 1; break;
        case 'd': delay = 1; break;
        case 's': sitemaps = 1; break;
        case 'h': fputs(usage_text, stdout); goto out;
        default: fputs(usage_text, stderr); status = KZ_EXIT_USAGE; goto out;
        }
    }
    if (!o.agent || optind >= argc) {
        kz_cli_err(!o.agent ? "robots: --agent NAME is required" : "robots: no robots.txt FILE");
        fputs(usage_text, stderr);
        status = KZ_EXIT_USAGE;
        goto out;
    }
    if (kz_robots_product_token(o.agent) == 0) {
        kz_cli_err("robots: agent '%s' has no product token (it must start with a letter, '-' or '_')",
                   o.agent);
        status = KZ_EXIT_USAGE;
        goto out;
    }
    const char *path = argv[optind++];
    int from_stdin = !strcmp(path, "-");
    if (from_stdin && optind >= argc) {
        kz_cli_err("robots: the robots.txt is on stdin, so the URLs must be arguments");
        status = KZ_EXIT_USAGE;
        goto out;
    }
    FILE *fp = from_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        kz_cli_err("%s: cannot open: %s", path, strerror(errno));
        status = KZ_EXIT_FAIL;
        goto out;
    }
    rc = read_body(fp, &body, (size_t)KZ_ROBOTS_MAX_BODY + 1);
    if (!from_stdin)
        fclose(fp);
    if (rc) {
        kz_cli_err("%s: cannot read: %s", path, rc == KZ_EIO ? strerror(errno) : kz_strerror(rc));
        status = KZ_EXIT_FAIL;
        goto out;
    }
    if ((rc = kz_robots_parse(&r, body.p ? body.p : "", body.len))) {
        kz_cli_err("%s: %s", path, kz_strerror(rc));
        status = KZ_EXIT_FAIL;
        goto out;
    }

    if (delay) {
        double secs;
        if (kz_robots_crawl_delay(r, o.agent, &secs) == 1)
            printf("crawl-delay: %g\n", secs);
        else
            printf("crawl-delay: none\n");
    }
    if (sitemaps)
        for (size_t i = 0; i < kz_robots_sitemap_count(r); i++)
            printf("sitemap: %s\n", kz_robots_sitemap(r, i));

    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            if ((rc = one(r, &o, argv[i], strlen(argv[i]), &o.failed)))
                break;
    } else {
        ssize_t len;
        rc = 0;
        while (!rc && (len = getline(&line, &cap, stdin)) >= 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            rc = one(r, &o, line, (size_t)len, &o.failed);
        }
    }
    if (rc) {
        kz_cli_err("%s", kz_strerror(rc));
        status = KZ_EXIT_FAIL;
    } else if (o.failed) {
        status = KZ_EXIT_FAIL;
    }
out:
    free(line);
    kz_robots_free(&r);
    kz_buf_release(&body);
    return status;
}
