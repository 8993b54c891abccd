/*
 * cli/cmd_platforms.c - kuzet platforms: add, change and list platforms and
 * the contacts notices go to.  The rules (addresses, URLs, languages, the
 * legal representative of a platform with 100,000 monthly users or more,
 * who may) are the library's (case/platform.h); this file parses and prints.
 */
#include "cli.h"
#include "case/platform.h"
#include "store/store.h"
#include "util/buf.h"
#include <getopt.h>
#include <json-c/json.h>

static const char usage_text[] =
    "usage: kuzet platforms list [--json]\n"
    "       kuzet platforms add NAME [OPTIONS] --as NAME\n"
    "       kuzet platforms set NAME [OPTIONS] --as NAME\n"
    "\n"
    "Platforms and where their notices go (docs/notices.md).  Adding and\n"
    "changing is for an admin or a supervisor; every change is audited.\n"
    "\n"
    "  --email ADDR          the notice e-mail\n"
    "  --endpoint URL        http(s) URL notices are POSTed to as JSON\n"
    "  --rep-name TEXT       the legal representative (required, with --rep-email,\n"
    "                        for 100,000 monthly users or more)\n"
    "  --rep-email ADDR      the legal representative's e-mail (escalations)\n"
    "  --language kk|ru|en   the language of its notices (add: ru by default)\n"
    "  --monthly-users N     monthly users in Kazakhstan\n"
    "  --as NAME             the person acting; password from $KUZET_PASSWORD\n"
    "  --json                list: JSON lines\n"
    "  --db URI              sqlite:PATH or a path (default $KUZET_DB)\n"
    "set: an option given as \"\" clears that contact.\n";

static int usage_err(const char *msg, const char *arg)
{
    return kz_cli_usage("platforms", msg, arg);
}

static const char *jstr(json_object *o, const char *k)
{
    const char *v = kz_cli_jstr(o, k);
    return v ? v : "-";
}

static void list_line(void *ctx, json_object *o)
{
    char rep[300];
    (void)ctx;
    snprintf(rep, sizeof rep, "%s <%s>", jstr(o, "legal_representative"),
             jstr(o, "legal_representative_email"));
    printf("%-4s %-20s %-4s %10s %-28s %-28s %s\n", jstr(o, "id"), jstr(o, "name"),
           jstr(o, "language"), jstr(o, "monthly_users"), jstr(o, "email"),
           strcmp(rep, "- <->") ? rep : "-", jstr(o, "endpoint"));
}

static void print_list(const char *lines)
{
    printf("%-4s %-20s %-4s %10s %-28s %-28s %s\n", "ID", "NAME", "LANG", "USERS", "EMAIL",
           "REPRESENTATIVE", "ENDPOINT");
    kz_cli_jsonl_each(lines, list_line, NULL);
}

int cmd_platforms(int argc, char **argv)
{
    static const struct option opts[] = {
        { "email", required_argument, NULL, 'e' },
        { "endpoint", required_argument, NULL, 'u' },
        { "rep-name", required_argument, NULL, 'r' },
        { "rep-email", required_argument, NULL, 'R' },
        { "language", required_argument, NULL, 'l' },
        { "monthly-users", required_argument, NULL, 'm' },
        { "json", no_argument, NULL, 'j' },
        KZ_CLI_ACTING_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    kz_platform_in in = { NULL, NULL, NULL, NULL, NULL, -1 };
    kz_cli_acting ao = { "platforms", usage_text, NULL, NULL };
    int json = 0, c, idx, given = 0, ex;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'e': in.email = optarg; given = 1; break;
        case 'u': in.endpoint = optarg; given = 1; break;
        case 'r': in.rep_name = optarg; given = 1; break;
        case 'R': in.rep_email = optarg; given = 1; break;
        case 'l': in.language = optarg; given = 1; break;
        case 'm': {
            char *e;
            long long v = strtoll(optarg, &e, 10);
            if (*e || e == optarg || v < 0)
                return usage_err("--monthly-users takes a count, not '%s'", optarg);
            in.monthly_users = v;
            given = 1;
            break;
        }
        case 'j': json = 1; break;
        default:
            if ((ex = kz_cli_acting_opt(&ao, c, optarg)) >= 0)
                return ex;
        }
    }
    const char *as = ao.as, *uri = ao.uri;
    if (optind >= argc)
        return usage_err("%s", "a subcommand: list, add or set");
    const char *sub = argv[optind], *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int is_list = !strcmp(sub, "list");
    if (!is_list && strcmp(sub, "add") && strcmp(sub, "set"))
        return usage_err("'%s' is not a subcommand (list, add, set)", sub);
    if (is_list ? optind + 1 < argc || given || as : !name || optind + 2 < argc)
        return usage_err(is_list ? "platforms %s takes only --json and --db"
                                 : "platforms %s takes one NAME and the options", sub);
    if (!is_list && !as)
        return usage_err("platforms %s needs --as NAME (an admin or a supervisor)", sub);
    if (!is_list && json)
        return usage_err("platforms %s: --json is for list", sub);

    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int status, rc;
    if ((status = kz_cli_open_as(&s, uri, as, &a)) != KZ_EXIT_OK)
        goto out;
    if (is_list) {
        rc = kz_platform_list_json(a, &b);
        if (!rc) {
            if (json)
                fputs(b.p ? b.p : "", stdout);
            else
                print_list(b.p ? b.p : "");
        }
    } else if (!strcmp(sub, "add")) {
        int64_t id = 0;
        rc = kz_platform_add(a, name, &in, &id);
        if (!rc)
            printf("platform %lld: %s added\n", (long long)id, name);
    } else {
        rc = kz_platform_set(a, name, &in);
        if (!rc)
            printf("platform %s: changed\n", name);
    }
    status = kz_cli_outcome(a, rc);
out:
    kz_buf_release(&b);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
