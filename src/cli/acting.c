/*
 * cli/acting.c - what the commands that act as a person on the store share
 * (kuzet notices, kuzet platforms): the usage error, the store opened and
 * the person logged in, the library's refusal said, and the JSON lines the
 * library lists read back for a table (these also for cases and tokens;
 * cli/cli.h).
 */
#include "cli.h"
#include "case/account.h"
#include "store/store.h"
#include <json-c/json.h>
#include <stdarg.h>

int kz_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("kuzet: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(kuzet %s --help for the options)\n", cmd);
    return KZ_EXIT_USAGE;
}

int kz_cli_acting_opt(kz_cli_acting *o, int c, const char *arg)
{
    switch (c) {
    case 'a': o->as = arg; return -1;
    case 'd': o->uri = arg; return -1;
    case 'h': fputs(o->usage, stdout); return KZ_EXIT_OK;
    default: return kz_cli_usage(o->cmd, "%s", "bad option");
    }
}

int kz_cli_open_as(struct kz_store **s, const char *uri, const char *as, struct kz_actor **a)
{
    *a = NULL;
    if (kz_cli_store_open(s, uri, 1) != 0) {
        return KZ_EXIT_FAIL;
    }
    return kz_cli_act(*s, as, a);
}

int kz_cli_outcome(struct kz_actor *a, int rc)
{
    if (!rc)
        return KZ_EXIT_OK;
    kz_cli_err("%s%s", rc == KZ_EPERM || rc == KZ_EINVAL || rc == KZ_ENOTFOUND ||
                       rc == KZ_ESTATE ? "refused: " : "", kz_account_errmsg(a));
    return KZ_EXIT_FAIL;
}

const char *kz_cli_jstr(struct json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

void kz_cli_jsonl_each(const char *lines, void (*fn)(void *ctx, struct json_object *o), void *ctx)
{
    for (const char *p = lines; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = kz_strndup(p, len);
        json_object *o = line ? json_tokener_parse(line) : NULL;
        if (o)
            fn(ctx, o);
        json_object_put(o);
        free(line);
        p += len + (nl ? 1 : 0);
    }
}
