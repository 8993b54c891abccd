/*
 * serve/routes_statements.c - GET /api/v1/statements: the statements of
 * reasons of a period for the DSA Transparency Database, as kuzet export
 * statements writes them (report/statements.h, docs/statements.md), for
 * staff.
 */
#include "serve/routes.h"
#include "report/report.h"
#include "report/statements.h"

static int statements(kz_req *rq)
{
    const char *from, *to;
    int csv, rc = kz_req_period(rq, &from, &to, &csv);
    if (rc)
        return rc;
    kz_store *s = kz_req_store(rq);
    kz_statements *st = NULL;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if ((rc = kz_statements_compute(s, from, to, &st)))
        rc = kz_resp_fail(rq, rc, kz_store_errmsg(s));
    else if ((rc = csv ? kz_statements_csv(st, &b) : kz_statements_json_doc(st, &b)))
        rc = kz_resp_fail(rq, rc, NULL);
    else
        rc = kz_resp_buf(rq, 200, csv ? "text/csv; charset=utf-8" : "application/json", &b);
    kz_statements_free(&st);
    kz_buf_release(&b);
    return rc;
}

static const kz_route routes[] = {
    { "GET", "/api/v1/statements", KZ_ROLES_STAFF, statements, 0, 0 },
};

const kz_route_table kz_routes_statements = { "statements", routes, KZ_ARRAY_LEN(routes) };
