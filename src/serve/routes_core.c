/*
 * serve/routes_core.c - the server's own routes: health (is it up, can it
 * reach its database), and /metrics (serve/metrics.c).
 */
#include "serve/routes.h"
#include "store/store.h"
#include "serve/server_int.h"

/* GET /api/v1/health: 200 {"status":"ok","schema":N} when the store
 * answers; 503 when it cannot be opened or read. */
static int health(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int cur = 0, latest = 0, rc;
    if ((rc = kz_req_query_check(rq, none)))
        return rc;
    struct kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    if ((rc = kz_store_version(s, &cur, &latest)) != 0) {
        kz_resp_header(rq, "Retry-After", "5");
        return kz_resp_error(rq, 503, "unavailable", "the database does not answer");
    }
    char body[96];
    int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"schema\":%d}\n", cur);
    return kz_resp_json(rq, 200, body, (size_t)n);
}

static const kz_route routes[] = {
    { "GET", "/api/v1/health", KZ_ROLE_PUBLIC, health, 0, 0 },
    /* Prometheus: an admin's or auditor's token (Prometheus sends it as
     * authorization: credentials) */
    { "GET", "/metrics", KZ_ROLE_ADMIN | KZ_ROLE_AUDITOR, kz__metrics_route, 0, 0 },
};

const kz_route_table kz_routes_core = { "core", routes, KZ_ARRAY_LEN(routes) };
