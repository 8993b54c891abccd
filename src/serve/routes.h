/*
 * serve/routes.h - the route tables of kuzet serve, one per routes_*.c
 * file; serve/routes.c lists them (serve/serve.h says how to add one).
 */
#ifndef KZ_SERVE_ROUTES_H
#define KZ_SERVE_ROUTES_H

#include "serve/serve.h"

extern const kz_route_table kz_routes_core;       /* routes_core.c: health, metrics */
extern const kz_route_table kz_routes_auth;       /* routes_auth.c: log-in, sessions, tokens */
extern const kz_route_table kz_routes_workflow;   /* routes_workflow.c: items, cases, notices,
                                                     appeals, users, report, audit */
/* the public and data routes (check, blocklists, rules, scan, banks) are
 * declared below this line */

#endif
