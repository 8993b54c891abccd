/*
 * cli/cmd_tokens.c - kuzet tokens add|list|revoke: API tokens for machine
 * clients of kuzet serve (case/session.h).  The secret is printed once,
 * when made; the store keeps only its hash.
 */
#include "cli.h"
#include "case/session.h"
#include "store/store.h"
#include "util/buf.h"
#include <getopt.h>
#include <json-c/json.h>

static const char usage_text[] =
    "usage: kuzet tokens add ACCOUNT --name LABEL [--days N] [--platform P] --as ADMIN\n"
    "       kuzet tokens list [--json] --as ADMIN|AUDITOR\n"
    "       kuzet tokens revoke ID --as ADMIN\n"
    "\n"
    "API tokens for machine clients of kuzet serve (docs/api.md).  A token acts\n"
    "as ACCOUNT with the role it has now; it is refused once it expires, is\n"
    "revoked, or the account is disabled or changes role.  The secret is\n"
    "printed once (stdout); the database keeps only its SHA-256.\n"
    "\n"
    "  --name LABEL    what the token is for (1-64 characters)\n"
    "  --days N        how long it lasts, 1-3650 (default 90)\n"
    "  --platform P    a liaison's token: that platform's notices only\n"
    "  --as NAME       the admin acting; password from $KUZET_PASSWORD, else asked\n"
    "  --json          list as JSON lines\n"
    "  --db URI        the store (default $KUZET_DB, else sqlite:kuzet.db)\n";

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !v)
        return "-";
    return json_object_get_string(v);
}

static void token_line(void *ctx, json_object *o)
{
    (void)ctx;
    printf("%-5s %-20s %-16s %-11s %-20s %-20s %s\n", jstr(o, "id"), jstr(o, "name"),
           jstr(o, "account"), jstr(o, "role"), jstr(o, "expires_at"), jstr(o, "revoked_at"),
           jstr(o, "platform"));
}

static void print_tokens(const char *lines, int json)
{
    if (json) {
        fputs(lines, stdout);
        return;
    }
    printf("%-5s %-20s %-16s %-11s %-20s %-20s %s\n", "ID", "NAME", "ACCOUNT", "ROLE",
           "EXPIRES", "REVOKED", "PLATFORM");
    kz_cli_jsonl_each(lines, token_line, NULL);
}

int cmd_tokens(int argc, char **argv)
{
    static const struct option opts[] = {
        { "name", required_argument, NULL, 'n' },
        { "days", required_argument, NULL, 'D' },
        { "platform", required_argument, NULL, 'p' },
        { "as", required_argument, NULL, 'a' },
        { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *name = NULL, *platform = NULL, *as = NULL;
    int json = 0, c;
    long days = 90;
    char *e;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'D':
            days = strtol(optarg, &e, 10);
            if (e == optarg || *e || days < 1 || days > KZ_TOKEN_DAYS_MAX) {
                kz_cli_err("--days takes 1 to %d, not '%s'", KZ_TOKEN_DAYS_MAX, optarg);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'p': platform = optarg; break;
        case 'a': as = optarg; break;
        case 'd': uri = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    int npos = argc - optind;
    const char *sub = npos > 0 ? argv[optind] : "";
    int want = !strcmp(sub, "list") ? 1 : 2;
    if ((strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "revoke")) || npos != want) {
        if (*sub && strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "revoke"))
            kz_cli_err("tokens: unknown subcommand '%s'", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (!as) {
        kz_cli_err("tokens %s needs --as NAME (an admin)", sub);
        return KZ_EXIT_USAGE;
    }
    if (!strcmp(sub, "add") && !name) {
        kz_cli_err("tokens add needs --name LABEL (what the token is for)");
        return KZ_EXIT_USAGE;
    }
    int64_t id = 0;
    if (!strcmp(sub, "revoke")) {
        long long v = strtoll(argv[optind + 1], &e, 10);
        if (*e || v < 1) {
            kz_cli_err("'%s' is not a token ID", argv[optind + 1]);
            return KZ_EXIT_USAGE;
        }
        id = v;
    }
    char tok[KZ_TOKEN_LEN + 1] = "";
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_buf out;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    int status = KZ_EXIT_FAIL, rc = 0;
    if (kz_cli_store_open(&s, uri, 1) != 0) {
        goto out;
    }
    if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
        goto out;
    status = KZ_EXIT_FAIL;
    if (!strcmp(sub, "add")) {
        if ((rc = kz_token_add(a, argv[optind + 1], name, (int)days, platform, tok, &id)))
            goto out;
        fprintf(stderr, "token %lld for %s: keep it secret, it is not shown again\n",
                (long long)id, argv[optind + 1]);
        printf("%s\n", tok);
    } else if (!strcmp(sub, "revoke")) {
        if ((rc = kz_token_revoke(a, id)))
            goto out;
        printf("revoked token %lld\n", (long long)id);
    } else {
        if ((rc = kz_token_list_json(a, &out)))
            goto out;
        print_tokens(out.p ? out.p : "", json);
    }
    status = KZ_EXIT_OK;
out:
    if (rc)
        kz_cli_err("refused: %s", kz_account_errmsg(a));
    explicit_bzero(tok, sizeof tok);
    kz_buf_release(&out);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
