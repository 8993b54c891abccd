/*
 * serve/routes_web.c - the web app's own routes: its static files, the
 * language switch, the log-in page, log-out, and the own-account page
 * (change password).  Pages are written with serve/html.h; log-in and the
 * password are the same library calls the API makes.
 */
#include "serve/routes.h"
#include "serve/html.h"
#include "case/session.h"
#include <sodium.h>

#define PAGE KZ_ROUTE_HTML

/* GET /: the dashboard (which asks to log in first when needed). */
static int home(kz_req *rq) { return kz_page_redirect(rq, "/dashboard"); }

/* ---- static files -------------------------------------------------------- */

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (dot && !strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (dot && !strcmp(dot, ".svg")) return "image/svg+xml";
    if (dot && !strcmp(dot, ".png")) return "image/png";
    if (dot && !strcmp(dot, ".ico")) return "image/x-icon";
    return "application/octet-stream";
}

/* GET /static/{name}?v=VERSION: a file of web/static/, cached for a year
 * when asked for by its current version (the pages link it so), else
 * revalidated each time. */
static int static_file(kz_req *rq)
{
    const char *name = kz_req_param(rq, "name"), *v = kz_req_query(rq, "v");
    for (const kz_web_asset *a = kz_web_assets; a->name; a++) {
        if (strcmp(a->name, name))
            continue;
        char etag[32];
        snprintf(etag, sizeof etag, "\"%s\"", kz_web_static_version());
        kz_resp_header(rq, "ETag", etag);
        kz_resp_header(rq, "Cache-Control", v && !strcmp(v, kz_web_static_version())
                                                ? "public, max-age=31536000, immutable"
                                                : "no-cache");
        const char *inm = kz_req_header(rq, "If-None-Match");
        if (inm && !strcmp(inm, etag))
            return kz_resp_empty(rq, 304);
        return kz_resp_data(rq, 200, type_of(a->name), a->data, a->len);
    }
    return kz_resp_error(rq, 404, "not_found", "no static file '%.64s'", name);
}

/* ---- language ------------------------------------------------------------ */

/* GET /lang/{code}?next=/path: remember the language (a cookie), go back. */
static int lang_set(kz_req *rq)
{
    int l = kz_lang_parse(kz_req_param(rq, "code"));
    if (l < 0)
        return kz_page_error(rq, 404, "Not found", "Not found");
    char c[96];
    snprintf(c, sizeof c, "lang=%s; Path=/; Max-Age=31536000; SameSite=Lax%s",
             kz_lang_code((kz_lang)l), kz_req_https(rq) ? "; Secure" : "");
    kz_resp_header(rq, "Set-Cookie", c);
    return kz_page_redirect(rq, kz_safe_next(kz_req_query(rq, "next"), "/"));
}

/* ---- log-in, log-out ----------------------------------------------------- */

static int login_page(kz_req *rq, unsigned status, const char *name, const char *next,
                      const char *err, const char *note)
{
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Log in", NULL);
    kz_h_flash(&h, "ok", note ? kz_h_tr(&h, note) : NULL);
    kz_h_raw(&h, "<form method=\"post\" action=\"/login\" class=\"narrow\">");
    kz_h_f(&h, "<input type=\"hidden\" name=\"next\" value=\"%s\">",
           kz_safe_next(next, "/dashboard"));
    kz_h_f(&h, "<p><label for=\"name\">%s</label><input id=\"name\" name=\"name\" "
           "autocomplete=\"username\" required maxlength=\"64\" value=\"%s\"%s></p>",
           kz_h_tr(&h, "Name"), name ? name : "", name && *name ? "" : " autofocus");
    kz_h_f(&h, "<p><label for=\"password\">%s</label><input id=\"password\" name=\"password\" "
           "type=\"password\" autocomplete=\"current-password\" required%s></p>",
           kz_h_tr(&h, "Password"), name && *name ? " autofocus" : "");
    kz_h_field_error(&h, err ? kz_h_tr(&h, err) : NULL);
    kz_h_f(&h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(&h, "Log in"));
    return kz_page_send(&h, status);
}

static int login_get(kz_req *rq)
{
    const char *msg = kz_req_query(rq, "msg"), *note = NULL;
    if (msg && !strcmp(msg, "out"))
        note = "You are logged out.";
    else if (msg && !strcmp(msg, "password"))
        note = "Your password was changed: log in with the new one.";
    return login_page(rq, 200, NULL, kz_req_query(rq, "next"), NULL, note);
}

static int login_post(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    const char *name = kz_form_str(f, "name"), *pw = kz_form_str(f, "password");
    const char *next = kz_safe_next(kz_form_get(f, "next"), "/dashboard");
    char csrf[KZ_CSRF_HEX + 1], role[16], why[256];
    unsigned wait = 0;
    if (!*name || !*pw || strlen(name) > 64 || strlen(pw) > KZ_PASSWORD_MAX)
        return login_page(rq, 401, name, next, "Wrong name or password.", NULL);
    int rc = kz_serve_login(rq, name, pw, csrf, &wait, role, why, sizeof why);
    sodium_memzero(csrf, sizeof csrf);
    if (rc == KZ_EBUSY && wait) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", wait);
        kz_resp_header(rq, "Retry-After", ra);
        return login_page(rq, 429, name, next,
                          "Too many failed log-ins: wait a little and try again.", NULL);
    }
    if (rc == KZ_EPERM)
        return login_page(rq, 401, name, next, "Wrong name or password.", NULL);
    if (rc)
        return kz_resp_fail(rq, rc, why);
    return kz_page_redirect(rq, next);
}

static int logout_post(kz_req *rq)
{
    int rc = kz_serve_logout(rq);
    if (rc)
        return kz_resp_fail(rq, rc, NULL);
    return kz_page_redirect(rq, "/login?msg=out");
}

/* ---- own account --------------------------------------------------------- */

static int account_page(kz_req *rq, unsigned status, const char *err)
{
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "My account", "/account");
    kz_h_f(&h, "<dl class=\"facts\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl>",
           kz_h_tr(&h, "Name"), kz_req_account(rq), kz_h_tr(&h, "Role"),
           kz_h_tr(&h, kz_req_role(rq)));
    kz_h_f(&h, "<h2>%s</h2>", kz_h_tr(&h, "Change password"));
    kz_h_form_begin(&h, "/account/password");
    kz_h_f(&h, "<p><label for=\"pw1\">%s</label><input id=\"pw1\" name=\"password\" "
           "type=\"password\" autocomplete=\"new-password\" required minlength=\"%d\" "
           "aria-describedby=\"pwhelp\"></p>", kz_h_tr(&h, "New password"), KZ_PASSWORD_MIN);
    kz_h_f(&h, "<p><label for=\"pw2\">%s</label><input id=\"pw2\" name=\"password2\" "
           "type=\"password\" autocomplete=\"new-password\" required minlength=\"%d\"></p>",
           kz_h_tr(&h, "New password again"), KZ_PASSWORD_MIN);
    kz_h_field_error(&h, err);
    kz_h_f(&h, "<p id=\"pwhelp\" class=\"help\">%s</p><p><button type=\"submit\">%s</button>"
           "</p></form>", kz_h_tr(&h, "At least 12 characters. Every session of your account "
           "ends when it changes."), kz_h_tr(&h, "Save"));
    return kz_page_send(&h, status);
}

static int account_get(kz_req *rq) { return account_page(rq, 200, NULL); }

static int account_password(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    const char *p1 = kz_form_get(f, "password"), *p2 = kz_form_get(f, "password2");
    if (!p1 || !p2 || strcmp(p1, p2))
        return account_page(rq, 422, kz_tr(kz_req_lang(rq), "The two passwords differ."));
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_account_set_password(a, kz_req_account(rq), p1);
    if (rc == KZ_EINVAL || rc == KZ_EPERM)
        return account_page(rq, rc == KZ_EPERM ? 403 : 422, kz_account_errmsg(a));
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    /* every session of the account ended, this one too */
    kz_resp_header(rq, "Set-Cookie", "kuzet_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    return kz_page_redirect(rq, "/login?msg=password");
}

static const kz_route routes[] = {
    { "GET", "/", KZ_ROLE_PUBLIC, home, PAGE, 0 },
    { "GET", "/static/{name}", KZ_ROLE_PUBLIC, static_file, 0, 0 },
    { "GET", "/lang/{code}", KZ_ROLE_PUBLIC, lang_set, PAGE, 0 },
    { "GET", "/login", KZ_ROLE_PUBLIC, login_get, PAGE, 0 },
    { "POST", "/login", KZ_ROLE_PUBLIC, login_post, PAGE | KZ_ROUTE_NO_CSRF, 8192 },
    { "POST", "/logout", KZ_ROLES_STAFF, logout_post, PAGE, 8192 },
    { "GET", "/account", KZ_ROLES_STAFF, account_get, PAGE, 0 },
    { "POST", "/account/password", KZ_ROLES_STAFF, account_password, PAGE, 8192 },
};

const kz_route_table kz_routes_web = { "web", routes, KZ_ARRAY_LEN(routes) };
