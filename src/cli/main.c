/*
 * cli/main.c - the kuzet command: finds the subcommand in one table and
 * calls it.  Usage text comes from the same table.
 */
#include "cli.h"
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>

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
    { "rules",     cmd_rules,     "rule sets versioned in the database: publish, versions, show" },
    { "verify",    cmd_verify,    "re-fetch removed or blocked items: gone, still there, or back" },
    { "serve",     cmd_serve,     "the HTTP API: workflow, blocklists, URL checks" },
    { "worker",    cmd_worker,    "lease work from PostgreSQL and do it (crawl, ingest, scheduled jobs)" },
    { "jobs",      cmd_jobs,      "queue work for kuzet worker: ingest files, crawl sources, schedules" },
    { "status",    cmd_status,    "workers alive, their rates, queue depth, leases, errors" },
    { "platforms", cmd_platforms, "platforms and the contacts notices go to: add, set, list" },
    { "notices",   cmd_notices,   "notices to platforms: deliveries, retries, escalations, answers" },
    { "tokens",    cmd_tokens,    "API tokens for kuzet serve's machine clients: add, list, revoke" },
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

int kz_cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *why,
                     size_t whylen)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    struct stat st;
    int rc = KZ_EIO;
    *out = NULL;
    *len = 0;
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return KZ_EIO;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "is a directory");
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                snprintf(why, whylen, "file over %zu bytes", max);
                rc = KZ_ETOOBIG;
                goto out;
            }
            size_t ncap = cap ? cap * 2 : S_ISREG(st.st_mode) && (uint64_t)st.st_size < max
                                              ? (size_t)st.st_size + 1 : 65536;
            uint8_t *nb = kz_realloc(buf, ncap);
            if (!nb) {
                snprintf(why, whylen, "%s", kz_strerror(KZ_ENOMEM));
                rc = KZ_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            snprintf(why, whylen, "read error: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        snprintf(why, whylen, "file over %zu bytes", max);
        rc = KZ_ETOOBIG;
        goto out;
    }
    if (n == cap) {                     /* room for the terminating NUL */
        uint8_t *nb = kz_realloc(buf, cap + 1);
        if (!nb) {
            snprintf(why, whylen, "%s", kz_strerror(KZ_ENOMEM));
            rc = KZ_ENOMEM;
            goto out;
        }
        buf = nb;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (fd > 0)
        close(fd);
    return rc;
}

char *kz_cli_slurp(const char *path, size_t max, size_t *len)
{
    uint8_t *p = NULL;
    char why[256];
    if (kz_cli_read_file(path, max, &p, len, why, sizeof why) != 0) {
        kz_cli_err("%s: %s", path, why);
        return NULL;
    }
    return (char *)p;
}

int64_t kz_cli_duration(const char *s, int unit_required)
{
    char *e = NULL;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (errno || e == s || *s == '-' || *s == '+' || v > 100LL * 366 * 86400)
        return -1;
    if (!*e)
        return unit_required ? -1 : v;
    if (e[1])
        return -1;
    switch (*e) {
    case 's': return v;
    case 'm': return v * 60;
    case 'h': return v * 3600;
    case 'd': return v * 86400;
    default: return -1;
    }
}

int kz_cli_threads(const char *arg, long *out)
{
    char *e = NULL;
    long v = strtol(arg, &e, 10);
    if (e == arg || *e || v < 1 || v > 256) {
        kz_cli_err("--threads takes a number from 1 to 256, not '%s'", arg);
        return -1;
    }
    *out = v;
    return 0;
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
