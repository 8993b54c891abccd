/*
 * serve/routes_auth.c - log-in, log-out, the session, passwords, API
 * tokens.  Accounts and passwords are the library's (case/account.h);
 * sessions and tokens too (case/session.h); this file adds the cookie, the
 * CSRF token in the answer and log-in throttling (serve/throttle.h).
 */
#include "serve/routes.h"
#include "serve/throttle.h"
#include "case/session.h"
#include "store/store.h"
#include <sodium.h>

#define COOKIE "kuzet_session"

static int set_cookie(kz_req *rq, const char *sid, unsigned max_age)
{
    char c[256];
    snprintf(c, sizeof c, COOKIE "=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Strict%s", sid,
             max_age, kz_req_https(rq) ? "; Secure" : "");
    return kz_resp_header(rq, "Set-Cookie", c);
}

int kz_serve_login(kz_req *rq, const char *name, const char *password,
                   char csrf[KZ_CSRF_HEX + 1], unsigned *wait, char role[16], char *why,
                   size_t whysz)
{
    char sid[KZ_SID_HEX + 1], old[64];
    kz_actor *a = NULL;
    int rc;
    *wait = kz_throttle_wait(name, kz_req_client(rq));
    if (*wait) {
        kz_throttle_refused();
        return KZ_EBUSY;
    }
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    rc = kz_account_login(&a, s, name, password);
    if (rc)
        snprintf(why, whysz, "%s", kz_store_errmsg(s));
    if (rc == KZ_EPERM) {
        /* the reason (no such account, wrong password, disabled) is in the
         * audit log, not in the answer; repeated failures too */
        unsigned n = kz_throttle_fail(name, kz_req_client(rq));
        if (n && kz_account_audit_failures(s, name, kz_req_client(rq), n) != 0)
            fprintf(stderr, "kuzet serve: cannot audit %u failed log-ins of '%s': %s\n", n, name,
                    kz_store_errmsg(s));
        return rc;
    }
    if (rc)
        return rc;
    kz_throttle_ok(name, kz_req_client(rq));
    /* a session the browser held before ends: the id changes at log-in */
    if (kz_cookie_get(kz_req_header(rq, "Cookie"), COOKIE, old, sizeof old) == 1)
        kz_session_close(s, old);
    if ((rc = kz_session_open(a, kz_req_client(rq), sid, csrf)) != 0) {
        snprintf(why, whysz, "%s", kz_account_errmsg(a));
        goto out;
    }
    snprintf(role, 16, "%s", kz_account_role(a));
    set_cookie(rq, sid, kz_serve_session_max());
out:
    sodium_memzero(sid, sizeof sid);
    kz_account_logout(&a);
    return rc;
}

/* POST /api/v1/login {"name","password"}: a new session (a new id every
 * time), its cookie, and the CSRF token state-changing requests must send. */
static int login(kz_req *rq)
{
    static const kz_field f[] = {
        { "name", KZ_F_STR, 1, 0, 64 },
        { "password", KZ_F_STR, 1, 0, KZ_PASSWORD_MAX },
    };
    kz_fval v[2];
    char why[256], csrf[KZ_CSRF_HEX + 1], role[16];
    unsigned wait = 0;
    int rc = kz_req_body(rq, f, 2, v);
    if (rc)
        return rc;
    rc = kz_serve_login(rq, v[0].s, v[1].s, csrf, &wait, role, why, sizeof why);
    if (rc == KZ_EBUSY && wait) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", wait);
        kz_resp_header(rq, "Retry-After", ra);
        return kz_resp_error(rq, 429, "too_many_requests",
                             "too many failed log-ins for '%s' from here: try again in %u s",
                             v[0].s, wait);
    }
    /* the reason (no such account, wrong password, disabled) is in the
     * audit log, not in the answer */
    if (rc == KZ_EPERM)
        return kz_resp_error(rq, 401, "unauthenticated", "wrong name or password");
    if (rc)
        return kz_resp_fail(rq, rc, why);
    kz_buf b;
    kz_buf_init(&b, 4096);
    rc = kz_buf_adds(&b, "{\"account\":");
    if (!rc) rc = kz_buf_add_json_str(&b, v[0].s, strlen(v[0].s));
    if (!rc) rc = kz_buf_addf(&b, ",\"role\":\"%s\",\"csrf_token\":\"%s\",\"idle_timeout\":%u,"
                              "\"max_age\":%u}\n", role, csrf,
                              kz_serve_session_idle(), kz_serve_session_max());
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    sodium_memzero(csrf, sizeof csrf);
    return rc;
}

int kz_serve_logout(kz_req *rq)
{
    if (kz_req_session(rq)[0]) {
        int rc = kz_session_close(kz_req_store(rq), kz_req_session(rq));
        if (rc)
            return rc;
    }
    return kz_resp_header(rq, "Set-Cookie", COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

/* POST /api/v1/logout: the session ends, its cookie is cleared. */
static int logout(kz_req *rq)
{
    int rc0 = kz_req_body(rq, NULL, 0, NULL);
    if (rc0)
        return rc0;
    int rc = kz_serve_logout(rq);
    if (rc)
        return kz_resp_fail(rq, rc, NULL);
    return kz_resp_empty(rq, 204);
}

/* GET /api/v1/session: who this is, and (by session) the CSRF token. */
static const char *const no_query[] = { NULL };

static int session(kz_req *rq)
{
    int rc = kz_req_query_check(rq, no_query);
    if (rc)
        return rc;
    kz_buf b;
    kz_buf_init(&b, 4096);
    rc = kz_buf_adds(&b, "{\"account\":");
    if (!rc) rc = kz_buf_add_json_str(&b, kz_req_account(rq), strlen(kz_req_account(rq)));
    if (!rc) rc = kz_buf_addf(&b, ",\"role\":\"%s\",\"auth\":\"%s\"", kz_req_role(rq),
                              kz_req_auth_kind(rq));
    if (!rc && kz_req_csrf(rq)[0])
        rc = kz_buf_addf(&b, ",\"csrf_token\":\"%s\"", kz_req_csrf(rq));
    if (!rc && kz_req_platform(rq)[0]) {
        rc = kz_buf_adds(&b, ",\"platform\":");
        if (!rc) rc = kz_buf_add_json_str(&b, kz_req_platform(rq), strlen(kz_req_platform(rq)));
    }
    if (!rc) rc = kz_buf_adds(&b, "}\n");
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* POST /api/v1/users/{name}/password {"password"}: the account itself or
 * an admin; every session of the account ends (this one too). */
static int password(kz_req *rq)
{
    static const kz_field f[] = { { "password", KZ_F_STR, 1, 0, KZ_PASSWORD_MAX } };
    kz_fval v[1];
    int rc = kz_req_body(rq, f, 1, v);
    if (rc)
        return rc;
    kz_actor *a = kz_req_actor(rq);
    if ((rc = kz_account_set_password(a, kz_req_param(rq, "name"), v[0].s)))
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    return kz_resp_empty(rq, 204);
}

/* GET /api/v1/tokens: JSON array, no secrets. */
static int tokens_list(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    if (kz_req_query_check(rq, no_query))
        return KZ_EINVAL;
    kz_buf lines;
    kz_buf_init(&lines, KZ_BUF_NOLIMIT);
    int rc = kz_token_list_json(a, &lines);
    rc = rc ? kz_resp_fail(rq, rc, kz_account_errmsg(a)) : kz_resp_lines(rq, "tokens", &lines);
    kz_buf_release(&lines);
    return rc;
}

/* POST /api/v1/tokens {"account","name","days","platform"}: 201 with the
 * secret, shown this once. */
static int tokens_add(kz_req *rq)
{
    static const kz_field f[] = {
        { "account", KZ_F_STR, 1, 0, 64 },
        { "name", KZ_F_STR, 1, 0, 64 },
        { "days", KZ_F_INT, 0, 1, KZ_TOKEN_DAYS_MAX },
        { "platform", KZ_F_STR, 0, 0, 64 },
    };
    kz_fval v[4];
    char tok[KZ_TOKEN_LEN + 1];
    int64_t id = 0;
    int rc = kz_req_body(rq, f, 4, v);
    if (rc)
        return rc;
    kz_actor *a = kz_req_actor(rq);
    rc = kz_token_add(a, v[0].s, v[1].s, v[2].given ? (int)v[2].i : 90,
                      v[3].given ? v[3].s : NULL, tok, &id);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    char body[256];
    int n = snprintf(body, sizeof body, "{\"id\":%lld,\"token\":\"%s\"}\n", (long long)id, tok);
    sodium_memzero(tok, sizeof tok);
    rc = kz_resp_json(rq, 201, body, (size_t)n);
    sodium_memzero(body, sizeof body);
    return rc;
}

/* DELETE /api/v1/tokens/{id}: revoked at once. */
static int tokens_revoke(kz_req *rq)
{
    int64_t id;
    int rc = kz_req_param_id(rq, "id", &id);
    if (!rc)
        rc = kz_req_body(rq, NULL, 0, NULL);
    if (rc)
        return rc;
    kz_actor *a = kz_req_actor(rq);
    if ((rc = kz_token_revoke(a, id)))
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    return kz_resp_empty(rq, 204);
}

static const kz_route routes[] = {
    { "POST", "/api/v1/login", KZ_ROLE_PUBLIC, login, KZ_ROUTE_NO_CSRF, 8192 },
    { "POST", "/api/v1/logout", KZ_ROLES_STAFF, logout, 0, 0 },
    { "GET", "/api/v1/session", KZ_ROLES_STAFF, session, 0, 0 },
    { "POST", "/api/v1/users/{name}/password", KZ_ROLES_STAFF, password, 0, 8192 },
    { "GET", "/api/v1/tokens", KZ_ROLE_ADMIN | KZ_ROLE_AUDITOR, tokens_list, 0, 0 },
    { "POST", "/api/v1/tokens", KZ_ROLE_ADMIN, tokens_add, 0, 0 },
    { "DELETE", "/api/v1/tokens/{id}", KZ_ROLE_ADMIN, tokens_revoke, 0, 0 },
};

const kz_route_table kz_routes_auth = { "auth", routes, KZ_ARRAY_LEN(routes) };
