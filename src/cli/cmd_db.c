/*
 * cli/cmd_db.c - kuzet db init|migrate|status: the database and its schema.
 */
#include "cli.h"
#include "store/store.h"
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet db init|migrate|status [--db URI]\n"
    "\n"
    "  init      create the kuzet schema in a new database (or bring it up to date)\n"
    "  migrate   apply the schema migrations this kuzet has and the database lacks\n"
    "  status    the schema version and what the database holds\n"
    "\n"
    "  --db URI  sqlite:PATH or a path, or PostgreSQL: postgresql://... or a libpq\n"
    "            key=value string (default $KUZET_DB, else sqlite:kuzet.db); its\n"
    "            password is shown as ***\n";

static int print_status(kz_store *s)
{
    int cur, latest;
    if (kz_store_version(s, &cur, &latest)) {
        kz_cli_err("%s", kz_store_errmsg(s));
        return KZ_EXIT_FAIL;
    }
    printf("database: %s\n", kz_store_uri(s));     /* without its password */
    printf("schema: %d (this kuzet: %d)%s\n", cur, latest,
           cur < latest ? " - run 'kuzet db migrate'" : "");
    if (cur == 0)
        return KZ_EXIT_OK;
    static const char *const tables[] = { "platforms", "items", "detections", "cases",
                                          "decisions", "notices", "appeals", "accounts",
                                          "audit_log" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(tables); i++) {
        char sql[96];
        int64_t n = 0;
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[i]);
        if (kz_db_int(kz_store_db(s), sql, NULL, 0, &n) == 0)
            printf("%s: %lld\n", tables[i], (long long)n);
    }
    return KZ_EXIT_OK;
}

int cmd_db(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    const char *sub = argv[optind];
    if (strcmp(sub, "init") && strcmp(sub, "migrate") && strcmp(sub, "status")) {
        kz_cli_err("db: unknown subcommand '%s'", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    kz_store *s = NULL;
    if (kz_store_open(&s, uri, 0) != 0) {
        kz_cli_err("%s", kz_store_errmsg(s));
        kz_store_close(&s);
        return KZ_EXIT_FAIL;
    }
    int status = KZ_EXIT_OK;
    if (!strcmp(sub, "status")) {
        status = print_status(s);
    } else {
        int from, to;
        if (kz_store_migrate(s, &from, &to) != 0) {
            kz_cli_err("%s: %s", kz_store_uri(s), kz_store_errmsg(s));
            status = KZ_EXIT_FAIL;
        } else if (from == to) {
            printf("%s: schema %d, up to date\n", kz_store_uri(s), to);
        } else {
            printf("%s: schema %d -> %d\n", kz_store_uri(s), from, to);
        }
    }
    kz_store_close(&s);
    return status;
}
