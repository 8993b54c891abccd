/*
 * cli/cmd_cases.c - kuzet cases: the review workflow from the command line.
 *
 * Every rule (states, roles, the two-person rule for blocks, the third
 * person for appeals, the fields a decision must carry) is enforced by the
 * library (case/case.h); this file parses options, logs the acting person
 * in (--as, kz_cli_act in cmd_users.c) and prints.  Reads (list, show,
 * overdue, deadlines without --set) need no log-in; `list` and `overdue`
 * first move cases whose notice deadline passed to 'overdue'.
 */
#include "cli.h"
#include <stdarg.h>
#include "case/case.h"
#include "store/store.h"
#include "util/buf.h"
#include <getopt.h>
#include <json-c/json.h>

static const char usage_text[] =
    "usage: kuzet cases list [--state S] [--category C] [--json]\n"
    "       kuzet cases show ID [--json]\n"
    "       kuzet cases assign ID --to NAME --as NAME\n"
    "       kuzet cases decide ID --measure M --reasons TEXT [--legal-basis TEXT]\n"
    "                          [--scope TEXT] [--until DATE | --days N] --as NAME\n"
    "       kuzet cases approve ID --as NAME\n"
    "       kuzet cases notify ID [--platform NAME] --as NAME\n"
    "       kuzet cases comply ID --answer TEXT --as NAME\n"
    "       kuzet cases overdue [--json]\n"
    "       kuzet cases appeal ID --by content_owner|platform --grounds TEXT --as NAME\n"
    "       kuzet cases resolve-appeal ID --outcome upheld|reversed --reasons TEXT --as NAME\n"
    "       kuzet cases reject ID --reasons TEXT --as NAME     (a proposed block, back to review)\n"
    "       kuzet cases verify ID --gone|--still-online --as NAME\n"
    "       kuzet cases reopen ID --reasons TEXT --as NAME     (a verified removal undone)\n"
    "       kuzet cases purge [--older-than DAYS] --as NAME\n"
    "       kuzet cases deadlines [--set CATEGORY=DURATION]... [--as ADMIN] [--json]\n"
    "\n"
    "The due-process workflow (docs/workflow.md): detected -> in_review ->\n"
    "decided (blocks: awaiting_approval -> decided by a second person, a\n"
    "supervisor) -> notified -> complied | overdue -> verified; appeals reopen\n"
    "a decided case for a reviewer who took no part in the decision.\n"
    "\n"
    "  --as NAME        the person acting; password from $KUZET_PASSWORD, else asked\n"
    "  --measure M      no_action, removal_request, geo_restriction, url_block,\n"
    "                   domain_block (all but no_action need --legal-basis,\n"
    "                   --scope and --until or --days)\n"
    "  --legal-basis T  the law and article\n"
    "  --reasons T      facts and reasons\n"
    "  --scope T        territorial scope, e.g. KZ\n"
    "  --until DATE     end of the measure (YYYY-MM-DD, UTC), or --days N\n"
    "  --older-than D   purge: evidence of items removed more than D days ago\n"
    "                   (default 183, six months)\n"
    "  --set C=DUR      deadlines: the notice deadline of category C ('*': the\n"
    "                   others), e.g. terrorism=1h, bullying=24h, drugs=2d\n"
    "  --json           JSON lines (list, overdue, deadlines) or one object (show)\n"
    "  --db URI         sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n";

enum {
    O_STATE = 1 << 0, O_CAT = 1 << 1, O_JSON = 1 << 2, O_TO = 1 << 3, O_MEASURE = 1 << 4,
    O_BASIS = 1 << 5, O_REASONS = 1 << 6, O_SCOPE = 1 << 7, O_UNTIL = 1 << 8, O_DAYS = 1 << 9,
    O_PLATFORM = 1 << 10, O_ANSWER = 1 << 11, O_BY = 1 << 12, O_GROUNDS = 1 << 13,
    O_OUTCOME = 1 << 14, O_GONE = 1 << 15, O_ONLINE = 1 << 16, O_OLDER = 1 << 17,
    O_SET = 1 << 18, O_AS = 1 << 19,
};

typedef struct args {
    unsigned    given;
    const char *state, *category, *to, *measure, *basis, *reasons, *scope, *until, *platform,
               *answer, *by, *grounds, *outcome, *as;
    int         days, older;
    const char *sets[32];
    int         nsets;
    int64_t     id;
} args;

/* as: 0 no --as, 1 required, 2 optional */
static const struct sub {
    const char *name;
    int         needs_id, as;
    unsigned    allowed;
} subs[] = {
    { "list", 0, 0, O_STATE | O_CAT | O_JSON },
    { "show", 1, 0, O_JSON },
    { "assign", 1, 1, O_TO },
    { "decide", 1, 1, O_MEASURE | O_BASIS | O_REASONS | O_SCOPE | O_UNTIL | O_DAYS },
    { "approve", 1, 1, 0 },
    { "reject", 1, 1, O_REASONS },
    { "notify", 1, 1, O_PLATFORM },
    { "comply", 1, 1, O_ANSWER },
    { "overdue", 0, 0, O_JSON },
    { "appeal", 1, 1, O_BY | O_GROUNDS },
    { "resolve-appeal", 1, 1, O_OUTCOME | O_REASONS },
    { "verify", 1, 1, O_GONE | O_ONLINE },
    { "reopen", 1, 1, O_REASONS },
    { "purge", 0, 1, O_OLDER },
    { "deadlines", 0, 2, O_SET | O_JSON },
};

static int fail_rc(kz_actor *a, int rc)
{
    if (rc == KZ_EPERM || rc == KZ_ESTATE || rc == KZ_EINVAL || rc == KZ_ENOTFOUND)
        kz_cli_err("refused: %s", kz_account_errmsg(a));
    else
        kz_cli_err("%s", kz_account_errmsg(a));
    return KZ_EXIT_FAIL;
}

#define jstr kz_cli_jstr

/* ---- printing ------------------------------------------------------------ */

static const char *dash(const char *s) { return s ? s : "-"; }

static void case_line(void *ctx, json_object *o)
{
    (void)ctx;
    printf("%-5s %-17s %-10s %5s %-12s %-16s %s\n", dash(jstr(o, "id")), dash(jstr(o, "state")),
           dash(jstr(o, "category")), dash(jstr(o, "score")), dash(jstr(o, "assigned_to")),
           dash(jstr(o, "measure")), dash(jstr(o, "url")));
}

static void print_cases(const char *lines, int json)
{
    if (json) {
        fputs(lines, stdout);
        return;
    }
    printf("%-5s %-17s %-10s %5s %-12s %-16s %s\n", "ID", "STATE", "CATEGORY", "SCORE",
           "ASSIGNEE", "MEASURE", "URL");
    kz_cli_jsonl_each(lines, case_line, NULL);
}

static void print_fields(json_object *o, int indent)
{
    json_object_object_foreach(o, k, v) {
        if (!v)
            continue;
        if (json_object_is_type(v, json_type_object)) {
            printf("%*s%s: %s\n", indent, "", k,
                   json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
        } else {
            printf("%*s%s: %s\n", indent, "", k, json_object_get_string(v));
        }
    }
}

static void print_show(json_object *o)
{
    json_object_object_foreach(o, k, v) {
        if (!v)
            continue;
        if (json_object_is_type(v, json_type_object)) {
            printf("%s:\n", k);
            print_fields(v, 2);
        } else if (json_object_is_type(v, json_type_array)) {
            size_t n = json_object_array_length(v);
            printf("%s:%s\n", k, n ? "" : " none");
            for (size_t i = 0; i < n; i++) {
                printf("  - %zu\n", i + 1);
                print_fields(json_object_array_get_idx(v, i), 4);
            }
        } else {
            printf("%s: %s\n", k, json_object_get_string(v));
        }
    }
}

static const char *state_of(kz_actor *a, int64_t id, char *out, size_t n)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    snprintf(out, n, "?");
    if (kz_case_show_json(a, id, &b) == 0) {
        json_object *o = json_tokener_parse(b.p);
        const char *s = jstr(o, "state");
        if (s)
            snprintf(out, n, "%s", s);
        json_object_put(o);
    }
    kz_buf_release(&b);
    return out;
}

static void deadline_line(void *ctx, json_object *o)
{
    (void)ctx;
    json_object *v;
    long long s = json_object_object_get_ex(o, "seconds", &v) ? json_object_get_int64(v) : 0;
    char d[32];
    if (s % 86400 == 0 && s >= 86400 * 2) snprintf(d, sizeof d, "%lldd", s / 86400);
    else if (s % 3600 == 0 && s) snprintf(d, sizeof d, "%lldh", s / 3600);
    else if (s % 60 == 0 && s) snprintf(d, sizeof d, "%lldm", s / 60);
    else snprintf(d, sizeof d, "%llds", s);
    printf("%-16s %s\n", jstr(o, "category"), d);
}

/* ---- subcommands --------------------------------------------------------- */

static int run(const struct sub *sc, const args *g, kz_actor *a)
{
    char st[32];
    int rc = 0;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    const char *n = sc->name;
    int status = KZ_EXIT_OK;
    if (!strcmp(n, "list") || !strcmp(n, "overdue")) {
        size_t moved = 0;
        if ((rc = kz_case_check_overdue(a, &moved)) ||
            (rc = kz_case_list_json(a, !strcmp(n, "overdue") ? "overdue" : g->state,
                                    g->category, &b)))
            goto out;
        if (!strcmp(n, "overdue") && !(g->given & O_JSON))
            printf("%zu case%s newly overdue\n", moved, moved == 1 ? "" : "s");
        print_cases(b.p ? b.p : "", g->given & O_JSON);
    } else if (!strcmp(n, "show")) {
        if ((rc = kz_case_show_json(a, g->id, &b)))
            goto out;
        if (g->given & O_JSON) {
            fputs(b.p, stdout);
        } else {
            json_object *o = json_tokener_parse(b.p);
            if (o)
                print_show(o);
            json_object_put(o);
        }
    } else if (!strcmp(n, "assign")) {
        if ((rc = kz_case_assign(a, g->id, g->to)))
            goto out;
        printf("case %lld: in_review, assigned to %s\n", (long long)g->id, g->to);
    } else if (!strcmp(n, "decide")) {
        kz_decision_in d = { g->measure, g->basis, g->reasons, g->scope, g->until, g->days };
        int64_t did = 0;
        if ((rc = kz_case_decide(a, g->id, &d, &did)))
            goto out;
        printf("case %lld: %s (decision %lld: %s)\n", (long long)g->id,
               state_of(a, g->id, st, sizeof st), (long long)did, g->measure);
        if (kz_case_measure_needs_approval(g->measure))
            printf("a supervisor other than %s must approve it: kuzet cases approve %lld --as NAME\n",
                   kz_account_name(a), (long long)g->id);
    } else if (!strcmp(n, "approve")) {
        if ((rc = kz_case_approve(a, g->id)))
            goto out;
        printf("case %lld: decided (approved by %s)\n", (long long)g->id, kz_account_name(a));
    } else if (!strcmp(n, "reject")) {
        if ((rc = kz_case_reject(a, g->id, g->reasons)))
            goto out;
        printf("case %lld: in_review (the proposed block was rejected by %s)\n", (long long)g->id,
               kz_account_name(a));
    } else if (!strcmp(n, "notify")) {
        char dl[21];
        int64_t nid = 0;
        if ((rc = kz_case_notify(a, g->id, g->platform, &nid, dl)))
            goto out;
        printf("case %lld: notified (notice %lld, deadline %s)\n", (long long)g->id,
               (long long)nid, dl);
    } else if (!strcmp(n, "comply")) {
        if ((rc = kz_case_comply(a, g->id, g->answer)))
            goto out;
        printf("case %lld: complied\n", (long long)g->id);
    } else if (!strcmp(n, "appeal")) {
        int64_t aid = 0;
        if ((rc = kz_case_appeal(a, g->id, g->by, g->grounds, &aid)))
            goto out;
        printf("case %lld: appealed (appeal %lld by %s)\n", (long long)g->id, (long long)aid, g->by);
    } else if (!strcmp(n, "resolve-appeal")) {
        if ((rc = kz_case_resolve_appeal(a, g->id, g->outcome, g->reasons)))
            goto out;
        printf("case %lld: %s (appeal %s by %s)\n", (long long)g->id,
               state_of(a, g->id, st, sizeof st), g->outcome, kz_account_name(a));
    } else if (!strcmp(n, "verify")) {
        int gone = (g->given & O_GONE) != 0;
        if ((rc = kz_case_verify(a, g->id, gone)))
            goto out;
        printf("case %lld: %s (%s)\n", (long long)g->id, state_of(a, g->id, st, sizeof st),
               gone ? "gone" : "still online");
    } else if (!strcmp(n, "reopen")) {
        if ((rc = kz_case_reopen(a, g->id, g->reasons)))
            goto out;
        printf("case %lld: reopened (%s)\n", (long long)g->id, g->reasons);
    } else if (!strcmp(n, "purge")) {
        size_t k = 0;
        int days = g->given & O_OLDER ? g->older : KZ_RETENTION_DAYS;
        if ((rc = kz_case_purge(a, days, &k)))
            goto out;
        printf("purged the evidence of %zu item%s removed more than %d days ago\n", k,
               k == 1 ? "" : "s", days);
    } else if (!strcmp(n, "deadlines")) {
        for (int i = 0; i < g->nsets; i++) {
            const char *eq = strchr(g->sets[i], '=');
            char cat[72];
            snprintf(cat, sizeof cat, "%.*s", (int)(eq - g->sets[i]), g->sets[i]);
            if ((rc = kz_case_deadline_set(a, cat, kz_cli_duration(eq + 1, 1))))
                goto out;
        }
        if ((rc = kz_case_deadline_list_json(a, &b)))
            goto out;
        if (g->given & O_JSON)
            fputs(b.p ? b.p : "", stdout);
        else
            kz_cli_jsonl_each(b.p ? b.p : "", deadline_line, NULL);
    }
out:
    if (rc)
        status = fail_rc(a, rc);
    kz_buf_release(&b);
    return status;
}

static int usage_err(const char *fmt, ...) KZ_PRINTF(1, 2);
static int usage_err(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kz_cli_err("%s", msg);
    fputs("(kuzet cases --help for the options)\n", stderr);
    return KZ_EXIT_USAGE;
}

int cmd_cases(int argc, char **argv)
{
    static const struct option opts[] = {
        { "state", required_argument, NULL, 's' },
        { "category", required_argument, NULL, 'c' },
        { "json", no_argument, NULL, 'j' },
        { "to", required_argument, NULL, 't' },
        { "measure", required_argument, NULL, 'm' },
        { "legal-basis", required_argument, NULL, 'L' },
        { "reasons", required_argument, NULL, 'R' },
        { "scope", required_argument, NULL, 'S' },
        { "until", required_argument, NULL, 'U' },
        { "days", required_argument, NULL, 'D' },
        { "platform", required_argument, NULL, 'p' },
        { "answer", required_argument, NULL, 'A' },
        { "by", required_argument, NULL, 'b' },
        { "grounds", required_argument, NULL, 'g' },
        { "outcome", required_argument, NULL, 'o' },
        { "gone", no_argument, NULL, 'G' },
        { "still-online", no_argument, NULL, 'O' },
        { "older-than", required_argument, NULL, 'P' },
        { "set", required_argument, NULL, 'E' },
        { "as", required_argument, NULL, 'a' },
        { "db", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    args g;
    memset(&g, 0, sizeof g);
    const char *uri = NULL;
    int c, idx;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        char *e;
        switch (c) {
        case 's': g.state = optarg; g.given |= O_STATE; break;
        case 'c': g.category = optarg; g.given |= O_CAT; break;
        case 'j': g.given |= O_JSON; break;
        case 't': g.to = optarg; g.given |= O_TO; break;
        case 'm': g.measure = optarg; g.given |= O_MEASURE; break;
        case 'L': g.basis = optarg; g.given |= O_BASIS; break;
        case 'R': g.reasons = optarg; g.given |= O_REASONS; break;
        case 'S': g.scope = optarg; g.given |= O_SCOPE; break;
        case 'U': g.until = optarg; g.given |= O_UNTIL; break;
        case 'D': {
            long v = strtol(optarg, &e, 10);
            if (*e || e == optarg || v < 1 || v > KZ_DECISION_DAYS_MAX)
                return usage_err("--days takes 1 to %d, not '%s'", KZ_DECISION_DAYS_MAX, optarg);
            g.days = (int)v;
            g.given |= O_DAYS;
            break;
        }
        case 'p': g.platform = optarg; g.given |= O_PLATFORM; break;
        case 'A': g.answer = optarg; g.given |= O_ANSWER; break;
        case 'b': g.by = optarg; g.given |= O_BY; break;
        case 'g': g.grounds = optarg; g.given |= O_GROUNDS; break;
        case 'o': g.outcome = optarg; g.given |= O_OUTCOME; break;
        case 'G': g.given |= O_GONE; break;
        case 'O': g.given |= O_ONLINE; break;
        case 'P': {
            long v = strtol(optarg, &e, 10);
            if (*e || e == optarg || v < 0 || v > 36500)
                return usage_err("--older-than takes 0 to 36500 days, not '%s'", optarg);
            g.older = (int)v;
            g.given |= O_OLDER;
            break;
        }
        case 'E': {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || eq - optarg > 64 || kz_cli_duration(eq + 1, 1) < 0)
                return usage_err("--set takes CATEGORY=DURATION (like bullying=24h, 30m, 2d), "
                                 "not '%s'", optarg);
            if (g.nsets == (int)KZ_ARRAY_LEN(g.sets))
                return usage_err("too many --set (%s)", optarg);
            g.sets[g.nsets++] = optarg;
            g.given |= O_SET;
            break;
        }
        case 'a': g.as = optarg; g.given |= O_AS; break;
        case 'd': uri = optarg; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    int npos = argc - optind;
    if (npos < 1) {
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    const struct sub *sc = NULL;
    for (size_t i = 0; i < KZ_ARRAY_LEN(subs); i++)
        if (!strcmp(argv[optind], subs[i].name))
            sc = &subs[i];
    if (!sc)
        return usage_err("cases: unknown subcommand '%s'", argv[optind]);
    if (npos != 1 + sc->needs_id)
        return usage_err(sc->needs_id ? "cases %s takes one case ID" : "cases %s takes no "
                         "arguments besides options", sc->name);
    if (sc->needs_id) {
        char *e;
        long long v = strtoll(argv[optind + 1], &e, 10);
        if (*e || v < 1)
            return usage_err("'%s' is not a case ID", argv[optind + 1]);
        g.id = v;
    }
    unsigned extra = g.given & ~(sc->allowed | (sc->as ? O_AS : 0));
    if (extra)
        return usage_err("cases %s: an option given does not apply to it", sc->name);
    if (sc->as == 1 && !g.as)
        return usage_err("cases %s needs --as NAME (the person acting)", sc->name);
    if (!strcmp(sc->name, "deadlines") && g.nsets && !g.as)
        return usage_err("cases %s --set needs --as NAME (an admin)", sc->name);
    if (!strcmp(sc->name, "assign") && !g.to)
        return usage_err("cases %s needs --to NAME", sc->name);
    if (!strcmp(sc->name, "verify") && !(g.given & O_GONE) == !(g.given & O_ONLINE))
        return usage_err("cases %s needs --gone or --still-online", sc->name);
    if ((g.given & O_UNTIL) && (g.given & O_DAYS))
        return usage_err("cases %s: --until or --days, not both", sc->name);

    if (g.state && !kz_case_state_valid(g.state)) {
        kz_buf st;
        kz_buf_init(&st, 1024);
        for (const char *const *p = kz_case_states(); *p; p++)
            kz_buf_addf(&st, "%s%s", p == kz_case_states() ? "" : ", ", *p);
        kz_cli_err("--state '%s' is not a state (%s)", g.state, st.p ? st.p : "");
        kz_buf_release(&st);
        fputs("(kuzet cases --help for the options)\n", stderr);
        return KZ_EXIT_USAGE;
    }
    kz_store *s = NULL;
    kz_actor *a = NULL;
    int status = KZ_EXIT_FAIL;
    if (kz_cli_store_open(&s, uri, 1) != 0) {
        goto out;
    }
    if ((status = kz_cli_act(s, g.as, &a)) != KZ_EXIT_OK)
        goto out;
    status = run(sc, &g, a);
out:
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
