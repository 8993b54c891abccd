/*
 * serve/routes_auth.c - log-in, log-out, the session, API tokens.
 */
#include "serve/routes.h"

static const kz_route routes[] = {
    { NULL, NULL, 0, NULL, 0, 0 },
};

const kz_route_table kz_routes_auth = { "auth", routes, 0 };
