/*
 * tests/t_serve_workflow.c - the workflow over real HTTP: the full flow of
 * tests/golden/cases/0001 through the API (SQLite and PostgreSQL), every
 * route x every role from the server's own route table, bad input on
 * every route, two people acting on one case at the same moment, and
 * SIGTERM with requests in flight.
 */
#include "kt.h"
#include "kt_serve.h"
#include "serve/serve.h"
#include "case/case.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

static int64_t add_case(kz_store *s, int n, const char *category)
{
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d", n);
    snprintf(text, sizeof text, "post %d offers a dead drop", n);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", category, "rule", 50, 0, 4, NULL, NULL, 0 };
    kz_flag_in f = { category, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    return out.item_id;
}

/* the staff of kt_staff_login plus aud (auditor); cases 1..8 */
static void setup(kz_store *s)
{
    kt_serve_staff(s);
    static const char *const cats[] = { "drugs", "terrorism", "bullying", "drugs", "drugs",
                                        "drugs", "drugs", "drugs" };
    KT_EQ_INT(kz_store_begin(s), 0);
    for (int i = 0; i < 8; i++)
        add_case(s, i + 1, cats[i]);
    KT_EQ_INT(kz_store_commit(s), 0);
}

static long post(const kt_server *sv, kt_client *cl, const char *path, const char *body,
                 char *state, size_t n)
{
    kt_resp r;
    long st = kt_http(sv, cl, "POST", path, body ? body : "", &r);
    if (state && !kt_json_get(r.body, "state", state, n))
        snprintf(state, n, "%.200s", r.body);
    kt_resp_free(&r);
    return st;
}

static void login_all(const kt_server *sv, kt_client *c, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof c[i]);
        KT_EQ_INT(kt_login_http(sv, &c[i], names[i]), 200);
    }
}

static void flow_on(int pg)
{
    kt_server sv;
    kt_client c[5];
    kt_resp r;
    char st[256], v[256];
    static const char *const names[] = { "al", "ann", "bob", "sue", "root" };
    if (kt_serve_start(&sv, "flow", pg, setup, NULL))
        return;
    login_all(&sv, c, names, 5);
    kt_client *al = &c[0], *ann = &c[1], *bob = &c[2], *sue = &c[3], *root = &c[4];
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/cases", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "{\"cases\":[{\"id\":1,\"state\":\"detected\"") == r.body);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/cases?state=detected&category=terrorism", NULL,
                      &r), 200);
    KT_CHECK(strstr(r.body, "\"id\":2,") && !strstr(r.body, "\"id\":1,"));
    kt_resp_free(&r);
    /* a decision needs the case in review: 409 with the library's reason */
    KT_EQ_INT(post(&sv, ann, "/api/v1/cases/1/decide", "{\"measure\":\"no_action\","
                   "\"reasons\":\"nothing illegal here\"}", st, sizeof st), 409);
    KT_CHECK(strstr(st, "assign it first") != NULL);
    KT_EQ_INT(post(&sv, al, "/api/v1/cases/1/assign", "{\"to\":\"ann\"}", st, sizeof st), 200);
    KT_EQ_STR(st, "in_review");
    /* a missing field: 422, naming it */
    KT_EQ_INT(post(&sv, ann, "/api/v1/cases/1/decide", "{\"measure\":\"removal_request\","
                   "\"reasons\":\"offers drugs for sale by dead drop\",\"scope\":\"KZ\","
                   "\"days\":90}", st, sizeof st), 422);
    KT_CHECK(strstr(st, "legal basis") != NULL);
    /* not the assignee: 403 */
    KT_EQ_INT(post(&sv, bob, "/api/v1/cases/1/decide", "{\"measure\":\"no_action\","
                   "\"reasons\":\"nothing illegal here\"}", st, sizeof st), 403);
    KT_EQ_INT(post(&sv, ann, "/api/v1/cases/1/decide", "{\"measure\":\"removal_request\","
                   "\"legal_basis\":\"Law on Narcotic Drugs, art. 5\",\"reasons\":\"offers drugs "
                   "for sale by dead drop\",\"scope\":\"KZ\",\"days\":90}", st, sizeof st), 200);
    KT_EQ_STR(st, "decided");
    KT_EQ_INT(post(&sv, al, "/api/v1/cases/1/notify", "{}", st, sizeof st), 200);
    KT_EQ_STR(st, "notified");
    KT_EQ_INT(post(&sv, al, "/api/v1/cases/1/comply", "{\"answer\":\"removed by the forum's "
                   "moderators\"}", st, sizeof st), 200);
    KT_EQ_STR(st, "complied");
    KT_EQ_INT(post(&sv, al, "/api/v1/cases/1/verify", "{\"gone\":true}", st, sizeof st), 200);
    KT_EQ_STR(st, "verified");
    KT_EQ_INT(post(&sv, al, "/api/v1/cases/1/reopen", "{\"reasons\":\"content returned on "
                   "2026-11-23\"}", st, sizeof st), 200);
    KT_EQ_STR(st, "reopened");
    /* the block: two people */
    KT_EQ_INT(post(&sv, sue, "/api/v1/cases/2/assign", "{\"to\":\"ann\"}", st, sizeof st), 200);
    KT_EQ_INT(post(&sv, ann, "/api/v1/cases/2/decide", "{\"measure\":\"url_block\","
                   "\"legal_basis\":\"Law on Communications, art. 41-1\",\"reasons\":\"calls to "
                   "join a terrorist organisation\",\"scope\":\"KZ\",\"until\":\"2099-12-31\"}",
                   st, sizeof st), 200);
    KT_EQ_STR(st, "awaiting_approval");
    /* a reviewer may not approve at all (route table: supervisors only) */
    KT_EQ_INT(kt_http(&sv, ann, "POST", "/api/v1/cases/2/approve", "", &r), 403);
    KT_CHECK(strstr(r.body, "needs a supervisor") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(post(&sv, sue, "/api/v1/cases/2/approve", NULL, st, sizeof st), 200);
    KT_EQ_STR(st, "decided");
    KT_EQ_INT(post(&sv, al, "/api/v1/cases/2/appeal", "{\"by\":\"content_owner\",\"grounds\":"
                   "\"it is a quote in a documentary\"}", st, sizeof st), 200);
    KT_EQ_STR(st, "appealed");
    /* the approver took part: 403 from the library */
    KT_EQ_INT(post(&sv, sue, "/api/v1/cases/2/resolve-appeal", "{\"outcome\":\"reversed\","
                   "\"reasons\":\"a documentary archive\"}", st, sizeof st), 403);
    KT_CHECK(strstr(st, "approved the decision under appeal") != NULL);
    KT_EQ_INT(post(&sv, bob, "/api/v1/cases/2/resolve-appeal", "{\"outcome\":\"reversed\","
                   "\"reasons\":\"the video is a documentary archive\"}", st, sizeof st), 200);
    KT_EQ_STR(st, "reversed");
    /* reject: a proposed block sent back */
    KT_EQ_INT(post(&sv, sue, "/api/v1/cases/4/assign", "{\"to\":\"ann\"}", st, sizeof st), 200);
    KT_EQ_INT(post(&sv, ann, "/api/v1/cases/4/decide", "{\"measure\":\"domain_block\","
                   "\"legal_basis\":\"Law on Communications, art. 41-1\",\"reasons\":\"a shop for "
                   "drugs\",\"scope\":\"KZ\",\"days\":30}", st, sizeof st), 200);
    KT_EQ_INT(post(&sv, sue, "/api/v1/cases/4/reject", "{\"reasons\":\"the whole domain is too "
                   "broad\"}", st, sizeof st), 200);
    KT_EQ_STR(st, "in_review");
    /* lists */
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/notices", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "{\"notices\":[{\"id\":1,\"case_id\":1,") == r.body);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/notices/overdue", NULL, &r), 200);
    KT_EQ_STR(r.body, "{\"notices\":[]}\n");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/appeals", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"outcome\":\"reversed\"") && strstr(r.body, "\"resolved_by\":\"bob\""));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/appeals?open=true", NULL, &r), 200);
    KT_EQ_STR(r.body, "{\"appeals\":[]}\n");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/items/1", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"url\":\"https://forum.example.kz/t/1\"") &&
             strstr(r.body, "\"cases\":[{\"id\":1,\"state\":\"reopened\""));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/items/99", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/cases/99", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, al, "GET", "/api/v1/cases/2", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"approved_by\":\"sue\"") && strstr(r.body, "\"action\":"
             "\"case.resolve_appeal\""));
    kt_resp_free(&r);
    /* users */
    /* an admin adds an account without a password: the answer has the
     * one-time enrolment token, never a password */
    KT_EQ_INT(kt_http(&sv, root, "POST", "/api/v1/users", "{\"name\":\"liz\",\"role\":\"analyst\"}",
                      &r), 201);
    KT_CHECK(strstr(r.body, "\"enrolment_token\":\"kze_") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, root, "POST", "/api/v1/users", "{\"name\":\"liz\",\"role\":\"analyst\"}",
                      &r), 422);
    kt_resp_free(&r);
    /* a password is not a field an admin can give any more */
    KT_EQ_INT(kt_http(&sv, root, "POST", "/api/v1/users", "{\"name\":\"max\",\"role\":\"analyst\","
                      "\"password\":\"max-password-123\"}", &r), 422);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, root, "GET", "/api/v1/users", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"name\":\"liz\"") && !strstr(r.body, "argon2"));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, root, "POST", "/api/v1/users/liz/disable", "", &r), 204);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, root, "POST", "/api/v1/users/liz/disable", "", &r), 409);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, root, "POST", "/api/v1/users/root/disable", "", &r), 403);
    kt_resp_free(&r);
    /* the report (anyone), JSON and CSV */
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/report?from=2000-01-01&to=2099-12-31", NULL,
                      &r), 200);
    KT_CHECK(r.body[0] == '{');
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/report?from=2000-01-01&to=2099-12-31&format=csv",
                      NULL, &r), 200);
    KT_CHECK(!strncmp(r.body, "section,key,value\n", 18));
    KT_CHECK(kt_resp_header(&r, "Content-Type", v, sizeof v) && !strncmp(v, "text/csv", 8));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/report?from=2026-02-30&to=2099-12-31", NULL,
                      &r), 400);
    KT_CHECK(strstr(r.body, "from '2026-02-30' is not a date") != NULL);
    kt_resp_free(&r);
    /* the latest checkpoint signs the last entry, as audit verify reads it */
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/audit/checkpoint", NULL, &r), 200);
    char line[600];
    KT_CHECK(kt_json_get(r.body, "line", line, sizeof line) != NULL);
    kt_resp_free(&r);
    char cmd[2000], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "%s audit verify --db '%s' --against '%s'", kt_bin(), sv.uri, line);
    if (kt_run(cmd, &out, &err) != 0)
        kt_fail(__FILE__, __LINE__, "audit verify: %s %s", out, err);
    free(out);
    free(err);
    KT_EQ_INT(kt_rows_differ(sv.uri, NULL, 0), 0);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_workflow_flow) { flow_on(0); }
KT_TEST(serve_workflow_flow_pg) { flow_on(1); }

/* ---- every route x every role -------------------------------------------- */

static void route_path(const kz_route *rt, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = rt->path; *p && k + 8 < n;) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *val = !strncmp(p, "{name}", 6) ? "al" : "3";
            k += (size_t)snprintf(out + k, n - k, "%s", val);
            p = close ? close + 1 : p + strlen(p);
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
}

static int is_table_refusal(const kt_resp *r)
{
    return r->status == 403 && strstr(r->body, "\"code\":\"forbidden\"") &&
           strstr(r->body, " needs ") && (strstr(r->body, " /api/v1/") || strstr(r->body, " /metrics"));
}

KT_TEST(serve_route_roles)
{
    kt_server sv;
    kt_client c[7];
    static const char *const names[] = { "al", "ann", "sue", "aud", "root" };
    static const unsigned bits[] = { KZ_ROLE_ANALYST, KZ_ROLE_REVIEWER, KZ_ROLE_SUPERVISOR,
                                     KZ_ROLE_AUDITOR, KZ_ROLE_ADMIN };
    if (kt_serve_start(&sv, "roles", 0, setup, NULL))
        return;
    /* the calls below change nothing a later one depends on (their bodies
     * are empty objects, refused by the field checks), so one session per
     * role serves them all */
    login_all(&sv, c, names, KZ_ARRAY_LEN(names));
    size_t nroutes = 0;
    for (const kz_route_table *const *t = kz_route_tables; *t; t++) {
        for (size_t i = 0; i < (*t)->n; i++) {
            const kz_route *rt = &(*t)->routes[i];
            char path[256];
            if (!kz_route_is_api(rt))
                continue;                   /* the web app's pages: tests/t_web_*.c */
            route_path(rt, path, sizeof path);
            if (!strcmp(rt->path, "/api/v1/logout") || !strcmp(rt->path, "/api/v1/users/{name}/password") ||
                !strcmp(rt->path, "/api/v1/users/{name}/disable"))
                continue;                    /* they end sessions: below */
            nroutes++;
            kt_resp r;
            /* nobody logged in */
            kt_http(&sv, NULL, rt->method, path, strcmp(rt->method, "GET") ? "{}" : NULL, &r);
            if ((rt->roles & KZ_ROLE_PUBLIC) ? (r.status == 401 || r.status >= 500)
                                             : r.status != 401)
                kt_fail(__FILE__, __LINE__, "%s %s anonymous: %ld %s", rt->method, path,
                        r.status, r.body);
            kt_resp_free(&r);
            for (size_t k = 0; k < KZ_ARRAY_LEN(names); k++) {
                kt_http(&sv, &c[k], rt->method, path, strcmp(rt->method, "GET") ? "{}" : NULL,
                        &r);
                int allowed = (rt->roles & (bits[k] | KZ_ROLE_PUBLIC)) != 0;
                if (allowed && (is_table_refusal(&r) || r.status == 401 || r.status >= 500))
                    kt_fail(__FILE__, __LINE__, "%s %s as %s (allowed): %ld %s", rt->method,
                            path, names[k], r.status, r.body);
                if (!allowed && !is_table_refusal(&r))
                    kt_fail(__FILE__, __LINE__, "%s %s as %s (denied): %ld %s", rt->method,
                            path, names[k], r.status, r.body);
                kt_resp_free(&r);
            }
        }
    }
    KT_CHECK(nroutes >= 25);
    /* the ones that end sessions: denied roles get 403 from the table */
    kt_resp r;
    KT_EQ_INT(kt_http(&sv, &c[2], "POST", "/api/v1/users/al/disable", "", &r), 403);
    KT_CHECK(is_table_refusal(&r));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c[2], "POST", "/api/v1/users/al/password",
                      "{\"password\":\"sue-sets-al-pass\"}", &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, NULL, "POST", "/api/v1/logout", "", &r), 401);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* ---- /metrics ------------------------------------------------------------ */

KT_TEST(serve_metrics)
{
    kt_server sv;
    kt_client root, al, bot;
    kt_resp r;
    char tok[128];
    if (kt_serve_start(&sv, "metrics", 0, setup, NULL))
        return;
    memset(&root, 0, sizeof root);
    memset(&al, 0, sizeof al);
    memset(&bot, 0, sizeof bot);
    KT_EQ_INT(kt_login_http(&sv, &root, "root"), 200);
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    for (int i = 0; i < 3; i++) {
        KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/health", NULL, &r), 200);
        kt_resp_free(&r);
    }
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/nothing", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "POST", "/api/v1/cases/1/assign", "{\"to\":\"ann\"}", &r), 200);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/metrics", NULL, &r), 403);
    kt_resp_free(&r);
    /* a scraper's token */
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"aud\",\"name\":\"prometheus\"}", &r), 201);
    kt_json_get(r.body, "token", tok, sizeof tok);
    kt_resp_free(&r);
    snprintf(bot.token, sizeof bot.token, "%s", tok);
    static const char *const want[] = {
        "kuzet_http_requests_total{route=\"GET /api/v1/health\",status=\"200\"} 3\n",
        "kuzet_http_requests_total{route=\"- unmatched\",status=\"404\"} 1\n",
        "kuzet_http_requests_total{route=\"POST /api/v1/cases/{id}/assign\",status=\"200\"} 1\n",
        "kuzet_http_requests_total{route=\"GET /metrics\",status=\"403\"} 1\n",
        "kuzet_http_request_duration_seconds_bucket{le=\"+Inf\"} ",
        "kuzet_cases{state=\"detected\"} 7\n",
        "kuzet_cases{state=\"in_review\"} 1\n",
        "kuzet_notices_overdue 0\n",
        "kuzet_blocklist_serial 0\n",
    };
    /* a request is counted when its connection is done with it, which can
     * be a moment after its client has the answer: read again until every
     * count is there (2 s at most) */
    char v[128];
    size_t miss = 0;
    for (int tries = 0; tries < 40; tries++) {
        if (tries)
            kt_resp_free(&r);
        KT_EQ_INT(kt_http(&sv, &bot, "GET", "/metrics", NULL, &r), 200);
        for (miss = 0; miss < KZ_ARRAY_LEN(want) && strstr(r.body, want[miss]); miss++)
            ;
        if (miss == KZ_ARRAY_LEN(want))
            break;
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    KT_CHECK(kt_resp_header(&r, "Content-Type", v, sizeof v) && !strncmp(v, "text/plain; version=0.0.4", 25));
    if (miss < KZ_ARRAY_LEN(want))
        kt_fail(__FILE__, __LINE__, "no '%s' in %s", want[miss], r.body);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
