/*
 * serve/routes_workflow.c - the review workflow over HTTP: items, cases and
 * every case action, notices, appeals, users, the report, the latest
 * signed audit checkpoint.  Each handler calls the function `kuzet cases`,
 * `kuzet users` and `kuzet report` call (case/, report/); the library
 * enforces every rule and says why it refuses, which kz_resp_fail maps to
 * 403 (who), 409 (state), 422 (fields), 404 (no such object).
 */
#include "serve/routes.h"
#include "case/case.h"
#include "report/report.h"
#include "store/audit.h"
#include <sodium.h>

#define ANY_STAFF KZ_ROLES_STAFF
#define WORKERS   KZ_ROLES_WORK                        /* analyst, reviewer, supervisor */
#define DECIDERS  (KZ_ROLE_REVIEWER | KZ_ROLE_SUPERVISOR)

static int refused(kz_req *rq, kz_actor *a, int rc)
{
    return kz_resp_fail(rq, rc, kz_account_errmsg(a));
}

/* The case as `kuzet cases show --json` prints it. */
static int answer_case(kz_req *rq, kz_actor *a, int64_t id, unsigned status)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_case_show_json(a, id, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_buf(rq, status, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* Notices whose deadline passed move to 'overdue' before a list, as
 * `kuzet cases list` does (the system acts). */
static int check_overdue(kz_req *rq)
{
    kz_actor *sys = NULL;
    size_t moved = 0;
    int rc = kz_account_system(&sys, kz_req_store(rq));
    if (!rc && (rc = kz_case_check_overdue(sys, &moved)))
        kz_resp_fail(rq, rc, kz_account_errmsg(sys));
    kz_account_logout(&sys);
    return rc;
}

/* ---- cases --------------------------------------------------------------- */

static int cases_list(kz_req *rq)
{
    static const char *const q[] = { "state", "category", NULL };
    kz_actor *a = kz_req_actor(rq);
    kz_buf b;
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    const char *state = kz_req_query(rq, "state"), *cat = kz_req_query(rq, "category");
    if (state && !kz_case_state_valid(state))
        return kz_resp_error(rq, 400, "invalid_query", "state '%.40s' is not a state", state);
    if ((rc = check_overdue(rq)))
        return rc;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_case_list_json(a, state, cat, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_lines(rq, "cases", &b);
    kz_buf_release(&b);
    return rc;
}

static const char *const no_query[] = { NULL };

static int case_get(kz_req *rq)
{
    int64_t id;
    int rc = kz_req_query_check(rq, no_query);
    if (!rc)
        rc = kz_req_param_id(rq, "id", &id);
    return rc ? rc : answer_case(rq, kz_req_actor(rq), id, 200);
}

static int item_get(kz_req *rq)
{
    int64_t id;
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_query_check(rq, no_query);
    if (rc || (rc = kz_req_param_id(rq, "id", &id)))
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_case_item_json(a, id, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* A case action: the id, the body against spec, then act(). */
typedef int (*act_fn)(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v);

static int case_action(kz_req *rq, const kz_field *spec, size_t n, act_fn act)
{
    kz_fval v[8];
    int64_t id;
    int rc = kz_req_param_id(rq, "id", &id);
    if (rc || (rc = kz_req_body(rq, spec, n, v)))
        return rc;
    kz_actor *a = kz_req_actor(rq);
    if ((rc = act(rq, a, id, v)))
        return refused(rq, a, rc);
    return answer_case(rq, a, id, 200);
}

static const char *opt(const kz_fval *v) { return v->given ? v->s : NULL; }

static int do_assign(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_assign(a, id, v[0].s);
}
static int assign(kz_req *rq)
{
    static const kz_field f[] = { { "to", KZ_F_STR, 1, 0, 64 } };
    return case_action(rq, f, 1, do_assign);
}

static int do_decide(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    kz_decision_in d = { v[0].s, opt(&v[1]), opt(&v[2]), opt(&v[3]), opt(&v[4]),
                         v[5].given ? (int)v[5].i : 0 };
    if (v[4].given && v[5].given)
        return kz_resp_error(rq, 422, "invalid", "until or days, not both");
    int64_t did;
    return kz_case_decide(a, id, &d, &did);
}
static int decide(kz_req *rq)
{
    static const kz_field f[] = {
        { "measure", KZ_F_STR, 1, 0, 32 },
        { "legal_basis", KZ_F_STR, 0, 0, 0 },
        { "reasons", KZ_F_STR, 0, 0, 0 },
        { "scope", KZ_F_STR, 0, 0, 1024 },
        { "until", KZ_F_STR, 0, 0, 32 },
        { "days", KZ_F_INT, 0, 1, KZ_DECISION_DAYS_MAX },
    };
    return case_action(rq, f, KZ_ARRAY_LEN(f), do_decide);
}

static int do_approve(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_approve(a, id);
}
static int approve(kz_req *rq) { return case_action(rq, NULL, 0, do_approve); }

static int do_reject(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_reject(a, id, opt(&v[0]));
}
static const kz_field reasons_f[] = { { "reasons", KZ_F_STR, 0, 0, 0 } };
static int reject(kz_req *rq) { return case_action(rq, reasons_f, 1, do_reject); }

static int do_notify(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    int64_t nid;
    char dl[21];
    return kz_case_notify(a, id, opt(&v[0]), &nid, dl);
}
static int notify(kz_req *rq)
{
    static const kz_field f[] = { { "platform", KZ_F_STR, 0, 0, 128 } };
    return case_action(rq, f, 1, do_notify);
}

static int do_comply(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_comply(a, id, opt(&v[0]));
}
static int comply(kz_req *rq)
{
    static const kz_field f[] = { { "answer", KZ_F_STR, 0, 0, 0 } };
    return case_action(rq, f, 1, do_comply);
}

static int do_appeal(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    int64_t aid;
    return kz_case_appeal(a, id, opt(&v[0]), opt(&v[1]), &aid);
}
static int appeal(kz_req *rq)
{
    static const kz_field f[] = { { "by", KZ_F_STR, 1, 0, 32 }, { "grounds", KZ_F_STR, 0, 0, 0 } };
    return case_action(rq, f, 2, do_appeal);
}

static int do_resolve(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_resolve_appeal(a, id, v[0].s, opt(&v[1]));
}
static int resolve_appeal(kz_req *rq)
{
    static const kz_field f[] = { { "outcome", KZ_F_STR, 1, 0, 32 },
                                  { "reasons", KZ_F_STR, 0, 0, 0 } };
    return case_action(rq, f, 2, do_resolve);
}

static int do_verify(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_verify(a, id, (int)v[0].i);
}
static int verify(kz_req *rq)
{
    static const kz_field f[] = { { "gone", KZ_F_BOOL, 1, 0, 0 } };
    return case_action(rq, f, 1, do_verify);
}

static int do_reopen(kz_req *rq, kz_actor *a, int64_t id, const kz_fval *v)
{
    return kz_case_reopen(a, id, opt(&v[0]));
}
static int reopen(kz_req *rq) { return case_action(rq, reasons_f, 1, do_reopen); }

/* ---- notices, appeals ---------------------------------------------------- */

static int notices(kz_req *rq, int overdue)
{
    static const char *const q[] = { "platform", NULL };
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_query_check(rq, q);
    if (rc || (rc = check_overdue(rq)))
        return rc;
    /* a liaison's token sees its platform's notices only */
    const char *plat = kz_req_platform(rq)[0] ? kz_req_platform(rq) : kz_req_query(rq, "platform");
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_case_notices_json(a, overdue, plat, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_lines(rq, "notices", &b);
    kz_buf_release(&b);
    return rc;
}
static int notices_all(kz_req *rq) { return notices(rq, 0); }
static int notices_overdue(kz_req *rq) { return notices(rq, 1); }

static int appeals(kz_req *rq)
{
    static const char *const q[] = { "open", NULL };
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    const char *open = kz_req_query(rq, "open");
    if (open && strcmp(open, "true") && strcmp(open, "false"))
        return kz_resp_error(rq, 400, "invalid_query", "open takes true or false");
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_case_appeals_json(a, open && !strcmp(open, "true"), &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_lines(rq, "appeals", &b);
    kz_buf_release(&b);
    return rc;
}

/* ---- users --------------------------------------------------------------- */

static int users_list(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_query_check(rq, no_query);
    if (rc)
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_account_list_json(a, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_lines(rq, "users", &b);
    kz_buf_release(&b);
    return rc;
}

/* An admin adds an account without a password: the answer carries the
 * one-time enrolment token, which its owner alone uses to set the password
 * (`kuzet users enrol`, case/account.h), so nobody else ever knows it. */
static int users_add(kz_req *rq)
{
    static const kz_field f[] = { { "name", KZ_F_STR, 1, 0, 64 }, { "role", KZ_F_STR, 1, 0, 16 },
                                  { "valid_seconds", KZ_F_INT, 0, 60, 30 * 86400 } };
    kz_fval v[3];
    int64_t id = 0;
    char token[KZ_ENROL_TOKEN_SIZE], expires[21];
    int rc = kz_req_body(rq, f, 3, v);
    if (rc)
        return rc;
    kz_actor *a = kz_req_actor(rq);
    if ((rc = kz_account_invite(a, v[0].s, v[1].s, v[2].given ? v[2].i : 0, token, expires, &id)))
        return refused(rq, a, rc);
    kz_buf b;
    kz_buf_init(&b, 4096);
    rc = kz_buf_addf(&b, "{\"id\":%lld,\"name\":", (long long)id);
    if (!rc) rc = kz_buf_add_json_str(&b, v[0].s, strlen(v[0].s));
    if (!rc) rc = kz_buf_addf(&b, ",\"role\":\"%s\",\"disabled\":false,\"enrolment_token\":\"%s\","
                              "\"enrolment_expires\":\"%s\"}\n", v[1].s, token, expires);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 201, "application/json", &b);
    sodium_memzero(token, sizeof token);
    kz_buf_release(&b);
    return rc;
}

static int users_disable(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_body(rq, NULL, 0, NULL);
    if (rc)
        return rc;
    if ((rc = kz_account_disable(a, kz_req_param(rq, "name"))))
        return refused(rq, a, rc);
    return kz_resp_empty(rq, 204);
}

/* ---- report, audit ------------------------------------------------------- */

static int report(kz_req *rq)
{
    const char *from, *to;
    int csv, rc = kz_req_period(rq, &from, &to, &csv);
    if (rc)
        return rc;
    kz_store *s = kz_req_store(rq);
    kz_report *r = NULL;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if ((rc = kz_report_compute(s, from, to, &r)))
        rc = kz_resp_fail(rq, rc, kz_store_errmsg(s));
    else if ((rc = csv ? kz_report_csv(r, &b) : kz_report_json(r, &b)))
        rc = kz_resp_fail(rq, rc, NULL);
    else
        rc = kz_resp_buf(rq, 200, csv ? "text/csv; charset=utf-8" : "application/json", &b);
    kz_report_free(&r);
    kz_buf_release(&b);
    return rc;
}

static int checkpoint(kz_req *rq)
{
    kz_store *s = kz_req_store(rq);
    int rc = kz_req_query_check(rq, no_query);
    if (rc)
        return rc;
    kz_buf b;
    kz_buf_init(&b, 4096);
    rc = kz_audit_latest_json(s, &b);
    rc = rc ? kz_resp_fail(rq, rc, kz_store_errmsg(s)) : kz_resp_buf(rq, 200, "application/json",
                                                                      &b);
    kz_buf_release(&b);
    return rc;
}

static const kz_route routes[] = {
    { "GET", "/api/v1/cases", ANY_STAFF, cases_list, 0, 0 },
    { "GET", "/api/v1/cases/{id}", ANY_STAFF, case_get, 0, 0 },
    { "POST", "/api/v1/cases/{id}/assign", KZ_ROLE_ANALYST | KZ_ROLE_SUPERVISOR, assign, 0, 0 },
    { "POST", "/api/v1/cases/{id}/decide", DECIDERS, decide, 0, 0 },
    { "POST", "/api/v1/cases/{id}/approve", KZ_ROLE_SUPERVISOR, approve, 0, 0 },
    { "POST", "/api/v1/cases/{id}/reject", KZ_ROLE_SUPERVISOR, reject, 0, 0 },
    { "POST", "/api/v1/cases/{id}/notify", WORKERS, notify, 0, 0 },
    { "POST", "/api/v1/cases/{id}/comply", WORKERS, comply, 0, 0 },
    { "POST", "/api/v1/cases/{id}/appeal", WORKERS, appeal, 0, 0 },
    { "POST", "/api/v1/cases/{id}/resolve-appeal", DECIDERS, resolve_appeal, 0, 0 },
    { "POST", "/api/v1/cases/{id}/verify", WORKERS, verify, 0, 0 },
    { "POST", "/api/v1/cases/{id}/reopen", WORKERS, reopen, 0, 0 },
    { "GET", "/api/v1/items/{id}", ANY_STAFF, item_get, 0, 0 },
    { "GET", "/api/v1/notices", ANY_STAFF, notices_all, KZ_ROUTE_PLATFORM_OK, 0 },
    { "GET", "/api/v1/notices/overdue", ANY_STAFF, notices_overdue, KZ_ROUTE_PLATFORM_OK, 0 },
    { "GET", "/api/v1/appeals", ANY_STAFF, appeals, 0, 0 },
    { "GET", "/api/v1/users", KZ_ROLE_ADMIN | KZ_ROLE_AUDITOR | KZ_ROLE_SUPERVISOR, users_list,
      0, 0 },
    { "POST", "/api/v1/users", KZ_ROLE_ADMIN, users_add, 0, 8192 },
    { "POST", "/api/v1/users/{name}/disable", KZ_ROLE_ADMIN, users_disable, 0, 0 },
    { "GET", "/api/v1/report", KZ_ROLE_PUBLIC, report, 0, 0 },
    { "GET", "/api/v1/audit/checkpoint", KZ_ROLE_PUBLIC, checkpoint, 0, 0 },
};

const kz_route_table kz_routes_workflow = { "workflow", routes, KZ_ARRAY_LEN(routes) };
