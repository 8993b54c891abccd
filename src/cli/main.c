/*
 * cli/main.c - the kuzet command: finds the subcommand in one table and
 * calls it.  Usage text comes from the same table.
 */
#include "cli.h"
#include <errno.h>
#include <stdarg.h>

#ifndef KZ_VERSION
#define KZ_VERSION "0.1.0"
#endif

static const struct kz_cmd {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} cmds[] = {
    { "scan",      cmd_scan,      "scan posts (JSON Lines, text, HTML) against rules" },
    { "normalize", cmd_normalize, "print the normalized form of each input line" },
    { "ingest",    cmd_ingest,    "scan posts and store items, detections and cases" },
    { "db",        cmd_db,        "create, migrate and inspect the database" },
    { "audit",     cmd_audit,     "verify the audit log; sign checkpoints" },
    { "check",     cmd_check,     "is a URL blocked, and by which entry" },
    { "export",    cmd_export,    "the blocklist as RPZ, Unbound, hosts, Squid, CSV/JSON, hash prefixes" },
    { "url", cmd_url, "canonical URLs, lookup expressions, registrable domains" },
    { "hash", cmd_hash, "image and text hashes (PDQ, SHA-256, SimHash)" },
    { "robots", cmd_robots, "decide URLs under a robots.txt (RFC 9309)" },
    { "cases",     cmd_cases,     "review, decide, notify, appeal: the due-process workflow" },
    { "users",     cmd_users,     "accounts and roles of the people who review and decide" },
    { "report",    cmd_report,    "transparency report figures over a period, as JSON or CSV" },
    { "crawl",     cmd_crawl,     "fetch public pages from seeds (robots.txt, politeness), scan, store" },
    { "bank",      cmd_bank,      "hash banks: create, import, export, list, match hashes and files" },
    { "verify",    cmd_verify,    "re-fetch removed or blocked items: gone, still there, or back" },
};

void kz_cli_err(const char *fmt, ...)
{
    va_list ap;
    fputs("kuzet: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

char *kz_cli_slurp(const char *path, size_t max, size_t *len)
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
        if (n > max) {
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

int kz_cli_size(const char *opt, const char *arg, size_t lo, size_t hi, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < lo || v > hi) {
        kz_cli_err("%s takes a byte count from %zu to %zu, not '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static void usage(FILE *o)
{
    fprintf(o, "usage: kuzet <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < KZ_ARRAY_LEN(cmds); i++)
        fprintf(o, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(o, "\n'kuzet <command> --help' describes a command; docs/cli.md has them all.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return KZ_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return KZ_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("kuzet %s\n", KZ_VERSION);
        return KZ_EXIT_OK;
    }
    for (size_t i = 0; i < KZ_ARRAY_LEN(cmds); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    kz_cli_err("unknown command '%s'", argv[1]);
    usage(stderr);
    return KZ_EXIT_USAGE;
}
