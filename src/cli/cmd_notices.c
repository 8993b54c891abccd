/*
 * cli/cmd_notices.c - kuzet notices: the notices sent to platforms, their
 * deliveries and answers; one delivery pass; an answer recorded.  What a
 * notice says, when it is due, the retries and the escalation are the
 * library's (case/deliver.h, case/notice_text.h); this file parses and prints.
 */
#include "cli.h"
#include "case/deliver.h"
#include "ingest/fetch.h"
#include "store/store.h"
#include "util/buf.h"
#include <getopt.h>
#include <json-c/json.h>

static const char usage_text[] =
    "usage: kuzet notices list [--overdue] [--json]\n"
    "       kuzet notices show ID [--json | --message]\n"
    "       kuzet notices deliver [--smtp URL --from ADDR] [--timeout SECONDS]\n"
    "       kuzet notices answer ID --text TEXT --as NAME\n"
    "\n"
    "Notices to platforms (docs/notices.md): each goes by e-mail to the\n"
    "platform's notice e-mail and as JSON to its endpoint (kuzet platforms);\n"
    "failed deliveries are retried with backoff; past the deadline without\n"
    "compliance an escalation goes to the legal representative, once.\n"
    "\n"
    "  --overdue         list: only notices past their deadline, not complied with\n"
    "  --json            JSON lines (list) or one object (show)\n"
    "  --message         show: only what the notice says, in the platform's language\n"
    "  --smtp URL        deliver: the SMTP server, smtp://HOST:PORT (default $KUZET_SMTP);\n"
    "                    without one no e-mail is sent (endpoints still are)\n"
    "  --from ADDR       deliver: the sender's address (default $KUZET_MAIL_FROM)\n"
    "  --timeout S       deliver: seconds per attempt (default 20)\n"
    "  --text TEXT       answer: what the platform answered\n"
    "  --as NAME         the person acting; password from $KUZET_PASSWORD\n"
    "  --db URI          sqlite:PATH or a path (default $KUZET_DB)\n";

static int usage_err(const char *msg, const char *arg)
{
    return kz_cli_usage("notices", msg, arg);
}

#define jget kz_cli_jstr

static const char *dash(const char *s) { return s ? s : "-"; }

/* "sent", "failed 2, next 2026-...", "gave_up 8" or "-" for one channel */
static void channel(json_object *o, const char *k, char *out, size_t n)
{
    json_object *d, *c;
    snprintf(out, n, "-");
    if (!json_object_object_get_ex(o, "delivery", &d) || !json_object_object_get_ex(d, k, &c))
        return;
    const char *st = dash(jget(c, "status"));
    if (!strcmp(st, "sent"))
        snprintf(out, n, "sent");
    else
        snprintf(out, n, "%s(%s)", st, dash(jget(c, "attempts")));
}

static void list_line(void *ctx, json_object *o)
{
    char e[32], a[32], x[32];
    const char *ov = jget(o, "overdue");
    (void)ctx;
    channel(o, "email", e, sizeof e);
    channel(o, "api", a, sizeof a);
    channel(o, "escalation", x, sizeof x);
    printf("%-4s %-5s %-12s %-4s %-20s %-9s %-11s %-11s %-11s %-20s %s\n", jget(o, "id"),
           dash(jget(o, "case_id")), dash(jget(o, "platform")), dash(jget(o, "language")),
           dash(jget(o, "deadline")),
           jget(o, "complied_at") ? "complied" : ov && !strcmp(ov, "true") ? "overdue" : "open",
           e, a, x, dash(jget(o, "next_attempt")), dash(jget(o, "answers")));
}

static void print_list(const char *lines)
{
    printf("%-4s %-5s %-12s %-4s %-20s %-9s %-11s %-11s %-11s %-20s %s\n", "ID", "CASE",
           "PLATFORM", "LANG", "DEADLINE", "STATE", "EMAIL", "API", "ESCALATION", "NEXT ATTEMPT",
           "ANSWERS");
    kz_cli_jsonl_each(lines, list_line, NULL);
}

static void print_show(json_object *o)
{
    static const char *const top[] = { "id", "case_id", "platform", "language", "url",
                                       "measure", "sent_at", "deadline", "complied_at",
                                       "email", "endpoint", "legal_representative_email",
                                       "next_attempt", NULL };
    for (const char *const *k = top; *k; k++)
        printf("%s: %s\n", *k, dash(jget(o, *k)));
    json_object *arr;
    if (json_object_object_get_ex(o, "attempts", &arr)) {
        size_t n = json_object_array_length(arr);
        printf("attempts:%s\n", n ? "" : " none");
        for (size_t i = 0; i < n; i++) {
            json_object *x = json_object_array_get_idx(arr, i);
            const char *er = jget(x, "error");
            printf("  %s %s %s #%s to %s: %s%s%s%s\n", dash(jget(x, "at")), dash(jget(x, "kind")),
                   dash(jget(x, "channel")), dash(jget(x, "attempt")), dash(jget(x, "recipient")),
                   dash(jget(x, "status")), er ? " (" : "", er ? er : "", er ? ")" : "");
            if (jget(x, "next_at"))
                printf("    next attempt at %s\n", jget(x, "next_at"));
        }
    }
    if (json_object_object_get_ex(o, "answer_list", &arr)) {
        size_t n = json_object_array_length(arr);
        printf("answers:%s\n", n ? "" : " none");
        for (size_t i = 0; i < n; i++) {
            json_object *x = json_object_array_get_idx(arr, i);
            printf("  %s via %s%s%s: %s\n", dash(jget(x, "at")), dash(jget(x, "via")),
                   jget(x, "recorded_by") ? ", recorded by " : "",
                   jget(x, "recorded_by") ? jget(x, "recorded_by") : "", dash(jget(x, "text")));
        }
    }
}

int cmd_notices(int argc, char **argv)
{
    static const struct option opts[] = {
        { "overdue", no_argument, NULL, 'o' },
        { "json", no_argument, NULL, 'j' },
        { "text", required_argument, NULL, 't' },
        { "message", no_argument, NULL, 'M' },
        { "smtp", required_argument, NULL, 's' },
        { "from", required_argument, NULL, 'f' },
        { "timeout", required_argument, NULL, 'T' },
        KZ_CLI_ACTING_OPTIONS,
        { NULL, 0, NULL, 0 },
    };
    kz_cli_acting ao = { "notices", usage_text, NULL, NULL };
    const char *text = NULL, *smtp = getenv("KUZET_SMTP"), *from = getenv("KUZET_MAIL_FROM");
    int overdue = 0, json = 0, text_only = 0, c, idx, ex;
    long timeout_ms = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'o': overdue = 1; break;
        case 'j': json = 1; break;
        case 't': text = optarg; break;
        case 'M': text_only = 1; break;
        case 's': smtp = optarg; break;
        case 'f': from = optarg; break;
        case 'T': {
            char *e;
            long v = strtol(optarg, &e, 10);
            if (*e || e == optarg || v < 1 || v > 600)
                return usage_err("--timeout takes 1 to 600 seconds, not '%s'", optarg);
            timeout_ms = v * 1000;
            break;
        }
        default:
            if ((ex = kz_cli_acting_opt(&ao, c, optarg)) >= 0)
                return ex;
        }
    }
    const char *as = ao.as, *uri = ao.uri;
    if (optind >= argc)
        return usage_err("%s", "a subcommand: list, show, deliver or answer");
    const char *sub = argv[optind];
    int64_t id = 0;
    int needs_id = !strcmp(sub, "show") || !strcmp(sub, "answer");
    if (strcmp(sub, "list") && strcmp(sub, "deliver") && !needs_id)
        return usage_err("'%s' is not a subcommand (list, show, deliver, answer)", sub);
    if (optind + 1 + needs_id != argc)
        return usage_err(needs_id ? "notices %s takes one notice ID" : "notices %s takes no "
                         "arguments", sub);
    if (needs_id) {
        char *e;
        long long v = strtoll(argv[optind + 1], &e, 10);
        if (*e || v < 1)
            return usage_err("'%s' is not a notice ID", argv[optind + 1]);
        id = v;
    }
    if (!strcmp(sub, "answer")) {
        if (!text)
            return usage_err("notices %s needs --text TEXT", sub);
        if (!as)
            return usage_err("notices %s needs --as NAME", sub);
    }
    if (text && strcmp(sub, "answer"))
        return usage_err("notices %s: --text is for answer", sub);
    if (text_only && strcmp(sub, "show"))
        return usage_err("notices %s: --message is for show", sub);

    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int status, rc = 0;
    if ((status = kz_cli_open_as(&s, uri, as, &a)) != KZ_EXIT_OK)
        goto out;
    if (!strcmp(sub, "list")) {
        if (!(rc = kz_notice_list_json(a, overdue, &b))) {
            if (json)
                fputs(b.p ? b.p : "", stdout);
            else
                print_list(b.p ? b.p : "");
        }
    } else if (!strcmp(sub, "show")) {
        if (!(rc = kz_notice_show_json(a, id, &b))) {
            json_object *o = json_tokener_parse(b.p);
            if (json)
                fputs(b.p, stdout);
            else if (text_only)
                printf("%s\n\n%s", dash(jget(o, "subject")), dash(jget(o, "text")));
            else if (o)
                print_show(o);
            json_object_put(o);
        }
    } else if (!strcmp(sub, "deliver")) {
        kz_deliver_opts o = { smtp && *smtp ? smtp : NULL, from, timeout_ms, 0, 0 };
        kz_deliver_stats st;
        if (kz_fetch_global_init()) {
            kz_cli_err("libcurl could not be set up");
            status = KZ_EXIT_FAIL;
            goto out;
        }
        if (!(rc = kz_notices_deliver(a, &o, &st))) {
            printf("%zu attempts: %zu delivered, %zu failed; %zu escalations sent; %zu answers "
                   "received\n", st.attempts, st.sent, st.failed, st.escalations, st.answers);
            if (st.no_smtp)
                printf("%zu e-mails due but not sent: no SMTP server (--smtp or $KUZET_SMTP)\n",
                       st.no_smtp);
        }
    } else {
        int64_t aid = 0;
        if (!(rc = kz_notice_answer(a, id, text, &aid)))
            printf("notice %lld: answer %lld recorded\n", (long long)id, (long long)aid);
    }
    status = kz_cli_outcome(a, rc);
out:
    kz_buf_release(&b);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
