/*
 * serve/auth.c - who calls, and may they: sessions, API tokens, the route
 * x role table check, CSRF.
 */
#include "serve/server_int.h"
#include "case/account.h"

int kz__serve_authorize(kz_req *rq)
{
    unsigned roles = rq->route->roles;
    if (roles & KZ_ROLE_PUBLIC)
        return 0;
    if (!roles)
        return kz_resp_error(rq, 403, "forbidden", "nobody may call this route");
    return kz_resp_error(rq, 401, "unauthenticated", "log in, or send an API token");
}

void kz__serve_auth_done(kz_req *rq)
{
    (void)rq;
}
