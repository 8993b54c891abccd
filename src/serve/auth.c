/*
 * serve/auth.c - who calls, and may they: the session cookie or the API
 * token, the route x role table (each route's roles), CSRF on every
 * state-changing request made with a session.  Per-object checks are the
 * library's.
 */
#include "serve/server_int.h"
#include "serve/html.h"
#include "case/session.h"
#include "store/store.h"
#include <sodium.h>
#include <strings.h>
#include <stdarg.h>

static int changes_state(const char *m)
{
    return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

static const char *a_an(const char *w)
{
    return strchr("aeiou", w[0]) ? "an" : "a";
}

static void role_names(unsigned roles, char *out, size_t n)
{
    const char *name;
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; (name = kz_account_role_name(i)) != NULL; i++) {
        if (!(roles & (1u << i)))
            continue;
        int k = snprintf(out + len, n - len, "%s%s %s", len ? " or " : "", a_an(name), name);
        if (k < 0 || (size_t)k >= n - len)
            return;
        len += (size_t)k;
    }
}

/* A refusal: JSON for the API, a page (or the log-in page) for a page
 * route. */
KZ_PRINTF(4, 5)
static int refuse(kz_req *rq, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rq->route->flags & KZ_ROUTE_HTML)
        return kz__web_refuse(rq, status, code, msg);
    return kz_resp_error(rq, status, code, "%s", msg);
}

/* A page's form post: from this site (Origin, Sec-Fetch-Site), and, with
 * a session, carrying the session's CSRF token in the field "csrf". */
static int form_check(kz_req *rq, const char *want)
{
    if (!kz_req_same_origin(rq))
        return refuse(rq, 403, "csrf", "The form was refused: it did not come from this "
                      "site's own page. Reload the page and try again.");
    if (!want)
        return 0;
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    const char *t = kz_form_get(f, "csrf");
    size_t n = strlen(want);
    if (!t || strlen(t) != n || n == 0 || sodium_memcmp(t, want, n) != 0)
        return refuse(rq, 403, "csrf", "The form was refused: it did not come from this "
                      "site's own page. Reload the page and try again.");
    return 0;
}

/* Who the request is, from what kz_session_check or kz_token_check found. */
static void set_principal(kz_req *rq, const kz_principal *p)
{
    rq->account_id = p->account_id;
    snprintf(rq->account, sizeof rq->account, "%s", p->name);
    snprintf(rq->role, sizeof rq->role, "%s", p->role);
    snprintf(rq->platform, sizeof rq->platform, "%s", p->platform);
    snprintf(rq->csrf, sizeof rq->csrf, "%s", p->csrf);
}

void kz__serve_identify(kz_req *rq)
{
    char sid[64];
    kz_principal p;
    if (rq->account[0] || kz_cookie_get(kz_req_header(rq, "Cookie"), "kuzet_session", sid,
                                        sizeof sid) != 1)
        return;
    kz_store *s = kz_req_store(rq);
    if (s && kz_session_check(s, sid, kz__serve_opts.session_idle, kz__serve_opts.session_max,
                              &p) == 0) {
        set_principal(rq, &p);
        snprintf(rq->session, sizeof rq->session, "%s", sid);
    }
    sodium_memzero(sid, sizeof sid);
}

int kz__serve_authorize(kz_req *rq)
{
    const kz_route *r = rq->route;
    char sid[64];
    kz_principal p;
    int rc;
    int html = (r->flags & KZ_ROUTE_HTML) != 0;
    if (r->roles & KZ_ROLE_PUBLIC) {
        /* anyone: the handler acts as the system; a page's form (log-in)
         * must still come from this site */
        if (html && changes_state(rq->method))
            return form_check(rq, NULL);
        return 0;
    }
    if (!r->roles)
        return refuse(rq, 403, "forbidden", "nobody may call this route");
    const char *authz = kz_req_header(rq, "Authorization");
    const char *cookie = kz_req_header(rq, "Cookie");
    int by_session = 0;
    sid[0] = '\0';
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7))
            return refuse(rq, 401, "unauthenticated",
                                 "the Authorization header takes 'Bearer TOKEN'");
        const char *tok = authz + 7;
        while (*tok == ' ')
            tok++;
        kz_store *s = kz_req_store(rq);
        if (!s)
            return KZ_EDB;
        if ((rc = kz_token_check(s, tok, &p)) == KZ_EPERM)
            return refuse(rq, 401, "unauthenticated", "%s", kz_store_errmsg(s));
        if (rc)
            return kz_resp_fail(rq, rc, kz_store_errmsg(s));
        rq->auth_kind = "token";
    } else {
        int c = kz_cookie_get(cookie, "kuzet_session", sid, sizeof sid);
        if (c != 1)
            return refuse(rq, 401, "unauthenticated",
                                 c ? "a malformed session cookie: log in again"
                                   : "log in (POST /api/v1/login), or send an API token");
        kz_store *s = kz_req_store(rq);
        if (!s)
            return KZ_EDB;
        rc = kz_session_check(s, sid, kz__serve_opts.session_idle, kz__serve_opts.session_max,
                              &p);
        if (rc == KZ_EPERM)
            return refuse(rq, 401, "unauthenticated", "%s", kz_store_errmsg(s));
        if (rc)
            return kz_resp_fail(rq, rc, kz_store_errmsg(s));
        rq->auth_kind = "session";
        snprintf(rq->session, sizeof rq->session, "%s", sid);
        by_session = 1;
    }
    set_principal(rq, &p);
    if (!(kz_serve_role_bit(p.role) & r->roles)) {
        char want[128];
        role_names(r->roles, want, sizeof want);
        return refuse(rq, 403, "forbidden", "%s %s needs %s; '%s' is %s %s", rq->method,
                             r->path, want, p.name, a_an(p.role), p.role);
    }
    if (p.platform[0] && !(r->flags & KZ_ROUTE_PLATFORM_OK) &&
        strcmp(r->path, "/api/v1/session") && strcmp(r->path, "/api/v1/logout"))
        return refuse(rq, 403, "forbidden", "this token is for the notices of '%s' only",
                             p.platform);
    if (html && changes_state(rq->method) && !(r->flags & KZ_ROUTE_NO_CSRF)) {
        if ((rc = form_check(rq, by_session ? p.csrf : NULL)) != 0)
            return rc;
    } else if (by_session && changes_state(rq->method) && !(r->flags & KZ_ROUTE_NO_CSRF)) {
        const char *t = kz_req_header(rq, "X-CSRF-Token");
        size_t n = strlen(p.csrf);
        if (!t || strlen(t) != n || n == 0 || sodium_memcmp(t, p.csrf, n) != 0)
            return refuse(rq, 403, "csrf", "%s: send the session's X-CSRF-Token header "
                                 "(from the log-in's answer or GET /api/v1/session)",
                                 t ? "a wrong CSRF token" : "no CSRF token");
    }
    rc = kz_account_act(&rq->actor, kz_req_store(rq), &p);
    if (rc == KZ_EPERM)
        return refuse(rq, 401, "unauthenticated", "the account changed: log in again");
    if (rc)
        return kz_resp_fail(rq, rc, NULL);
    return 0;
}

void kz__serve_auth_done(kz_req *rq)
{
    sodium_memzero(rq->session, sizeof rq->session);
    sodium_memzero(rq->csrf, sizeof rq->csrf);
}
