/*
 * cli/cmd_rules.c - kuzet rules: rule sets versioned in the database
 * (store/rulestore.h).
 *
 *   kuzet rules publish FILE --as WHO     validate, store as the next version
 *   kuzet rules versions [--json]         every version
 *   kuzet rules show [VERSION]            a version's text (default: latest)
 *
 * Publishing needs a logged-in analyst, supervisor or admin (kz_cli_act;
 * the library checks the role); reads need no login.
 */
#include "cli.h"
#include "case/account.h"
#include "store/rulestore.h"
#include "pipeline/liverules.h"
#include "util/buf.h"
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet rules publish FILE --as WHO [--db URI]\n"
    "       kuzet rules versions [--json] [--db URI]\n"
    "       kuzet rules show [VERSION] [--db URI]\n"
    "\n"
    "Rule sets versioned in the database: what kuzet scan --db, ingest, crawl,\n"
    "worker and serve scan with when started without --rules (each detection\n"
    "records the version's number); worker and serve take a newly published\n"
    "version between jobs or requests, without a restart.\n"
    "\n"
    "  publish   check FILE as the scanner loads it (every problem reported as\n"
    "            FILE:LINE: reason; nothing is stored then) and store it as the\n"
    "            next version, with its SHA-256, who and when (audited:\n"
    "            rules.publish).  The same text as the latest version stores\n"
    "            nothing.\n"
    "  versions  VERSION SHA-256 RULES PUBLISHED-BY PUBLISHED-AT NAME, oldest first\n"
    "  show      the text of a version as published\n"
    "\n"
    "  --as WHO  the analyst, supervisor or admin publishing (password from\n"
    "            $KUZET_PASSWORD, else asked)\n"
    "  --db URI  sqlite:PATH, a path or postgresql://... (default $KUZET_DB,\n"
    "            else sqlite:kuzet.db)\n";

#define RULE_FILE_MAX ((size_t)KZ_RULES_MAX_FILE)

int kz_cli_rules(const char *cmd, const char *path, kz_store *st, int quiet, kz_liverules **lr,
                 const kz_scanner **sc)
{
    kz_liverules_news nw;
    kz_buf errs;
    int status = KZ_EXIT_OK;
    *sc = NULL;
    kz_buf_init(&errs, 1u << 20);
    if (kz_liverules_open(lr, path, 0, &errs) != 0) {
        fwrite(errs.p ? errs.p : "", 1, errs.len, stderr);
        kz_cli_err("%s: rules not loaded; nothing %s", path ? path : "rules",
                   !strcmp(cmd, "scan") ? "scanned" : !strcmp(cmd, "crawl") ? "crawled"
                                                                          : "ingested");
        status = path ? KZ_EXIT_USAGE : KZ_EXIT_FAIL;
    } else if (kz_liverules_get(*lr, st, sc, &nw) != 0) {
        kz_cli_err("%s: %s; or give --rules FILE", cmd, nw.why);
        status = KZ_EXIT_FAIL;
    } else if (kz_liverules_from_store(*lr) && !quiet) {
        fprintf(stderr, "kuzet %s: rule set %lld from the database\n", cmd, (long long)nw.version);
    }
    kz_buf_release(&errs);
    return status;
}

static int do_versions(kz_store *s, int json)
{
    kz_rule_version *v = NULL;
    size_t n = 0;
    if (kz_rulestore_list(s, &v, &n) != 0) {
        kz_cli_err("%s", kz_store_errmsg(s));
        return KZ_EXIT_FAIL;
    }
    if (!json)
        printf("%-7s %-16s %5s %-16s %-20s %s\n", "VERSION", "SHA-256", "RULES", "PUBLISHED-BY",
               "PUBLISHED-AT", "NAME");
    for (size_t i = 0; i < n; i++) {
        if (json) {
            kz_buf b;
            kz_buf_init(&b, KZ_BUF_NOLIMIT);
            int rc = kz_buf_addf(&b, "{\"version\":%lld,\"sha256\":\"%s\",\"rules\":%lld,"
                                     "\"published_by\":", (long long)v[i].version, v[i].sha256,
                                 (long long)v[i].rules);
            if (!rc) rc = kz_buf_add_json_str(&b, v[i].by, strlen(v[i].by));
            if (!rc) rc = kz_buf_addf(&b, ",\"published_at\":\"%s\",\"name\":", v[i].at);
            if (!rc) rc = kz_buf_add_json_str(&b, v[i].name, strlen(v[i].name));
            if (!rc) rc = kz_buf_adds(&b, "}\n");
            if (!rc)
                fwrite(b.p, 1, b.len, stdout);
            kz_buf_release(&b);
        } else {
            printf("%-7lld %.16s %5lld %-16s %-20s %s\n", (long long)v[i].version, v[i].sha256,
                   (long long)v[i].rules, v[i].by, v[i].at, v[i].name);
        }
    }
    free(v);
    return KZ_EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = { { "db", required_argument, NULL, 'd' },
                                          { "as", required_argument, NULL, 'a' },
                                          { "json", no_argument, NULL, 'j' },
                                          { "help", no_argument, NULL, 'h' },
                                          { NULL, 0, NULL, 0 } };
    const char *uri = NULL, *as = NULL;
    int json = 0, c, idx;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'a': as = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    int np = argc - optind;
    char **pos = argv + optind;
    const char *sub = np ? pos[0] : "";
    int64_t version = 0;
    if (!strcmp(sub, "publish")) {
        if (np != 2) {
            kz_cli_err("rules publish takes one FILE");
            return KZ_EXIT_USAGE;
        }
        if (!as) {
            kz_cli_err("rules publish needs --as WHO (an analyst, supervisor or admin)");
            return KZ_EXIT_USAGE;
        }
    } else if (!strcmp(sub, "versions")) {
        if (np != 1) {
            fputs(usage_text, stderr);
            return KZ_EXIT_USAGE;
        }
    } else if (!strcmp(sub, "show")) {
        char *end = NULL;
        if (np > 2 || (np == 2 && ((version = strtoll(pos[1], &end, 10)) < 1 || *end))) {
            kz_cli_err("rules show takes a version number (1, 2, ...)");
            return KZ_EXIT_USAGE;
        }
    } else {
        if (np)
            kz_cli_err("rules: unknown subcommand '%s'", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }

    char *data = NULL;
    size_t n = 0;
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_buf errs;
    kz_buf_init(&errs, 1u << 20);
    int status = KZ_EXIT_FAIL;
    if (!strcmp(sub, "publish") && !(data = kz_cli_slurp(pos[1], RULE_FILE_MAX, &n)))
        goto out;
    if (kz_cli_store_open(&s, uri, 1) != 0) {
        goto out;
    }
    if (!strcmp(sub, "publish")) {
        kz_rule_version v;
        int created = 0;
        if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
            goto out;
        status = KZ_EXIT_FAIL;
        int rc = kz_rulestore_publish(s, kz_account_name(a), pos[1], data, n, &errs, &v, &created);
        if (rc == KZ_EBADRULE) {
            fwrite(errs.p ? errs.p : "", 1, errs.len, stderr);
            kz_cli_err("%s: not published: the rules have problems", pos[1]);
            goto out;
        }
        if (rc) {
            kz_cli_err("%s: not published: %s", pos[1],
                       rc == KZ_EPERM || rc == KZ_EDB || rc == KZ_EBUSY ? kz_store_errmsg(s)
                                                                         : kz_strerror(rc));
            goto out;
        }
        if (created)
            printf("rule set %lld published: %lld rules, sha256 %s\n", (long long)v.version,
                   (long long)v.rules, v.sha256);
        else
            printf("rule set %lld unchanged: the same text (sha256 %s); nothing published\n",
                   (long long)v.version, v.sha256);
    } else if (!strcmp(sub, "versions")) {
        status = do_versions(s, json);
        goto out;
    } else {
        char *text = NULL;
        size_t tn = 0;
        int rc = kz_rulestore_text(s, version, &text, &tn, NULL);
        if (rc == 0)
            fwrite(text, 1, tn, stdout);
        free(text);
        if (rc == KZ_ENOTFOUND) {
            if (version)
                kz_cli_err("no rule set %lld", (long long)version);
            else
                kz_cli_err("no rule set published");
            goto out;
        }
        if (rc) {
            kz_cli_err("%s", kz_store_errmsg(s));
            goto out;
        }
    }
    status = KZ_EXIT_OK;
out:
    free(data);
    kz_buf_release(&errs);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
