/*
 * serve/routes.c - the one list of route tables kuzet serve answers from,
 * in the order they are searched (serve/serve.h: how to add a table).
 */
#include "serve/routes.h"

const kz_route_table *const kz_route_tables[] = {
    &kz_routes_core,
    &kz_routes_auth,
    &kz_routes_workflow,
    &kz_routes_platforms,
    &kz_routes_statements,
    /* the public and data routes' tables go below this line */
    &kz_routes_check,
    &kz_routes_rules,
    &kz_routes_banks,
    /* the web app's pages (KZ_ROUTE_HTML) below this line */
    &kz_routes_web,
    &kz_routes_review,
    &kz_routes_status,
    &kz_routes_pages,
    &kz_routes_media,
    &kz_routes_users,
    &kz_routes_webpub,

    NULL,
};
