/*
 * tests/t_web_core.c - the web app's foundation over real HTTP: the log-in
 * page and its form (the same session cookie as the API), log-out, the
 * own-account page, static files, the language (cookie, Accept-Language,
 * default), CSRF and cross-origin refusal of form posts, the CSP of pages,
 * and page routes refusing as pages (303 to /login, 403 page).
 */
#include "kt.h"
#include "kt_serve.h"
#include "serve/serve.h"
#include "serve/html.h"
#include "serve/form.h"
#include "serve/i18n.h"
#include <stdlib.h>

static void setup(kz_store *s) { kt_serve_staff(s); }

#define FORM "application/x-www-form-urlencoded"

/* A form post as a browser on this site sends it. */
static long form(const kt_server *sv, kt_client *cl, const char *path, const char *body,
                 kt_resp *r)
{
    static const char *const h[] = { "Sec-Fetch-Site: same-origin", NULL };
    return kt_httpx(sv, cl, "POST", path, FORM, body, strlen(body), h, r);
}

KT_TEST(web_form_parser)
{
    kz_form *f = NULL;
    char why[128];
    KT_EQ_INT(kz_form_parse("a=1&b=x+y%21&&c&d=%C3%A9", 24, &f, why, sizeof why), 0);
    KT_EQ_INT(kz_form_count(f), 4);
    KT_EQ_STR(kz_form_get(f, "a"), "1");
    KT_EQ_STR(kz_form_get(f, "b"), "x y!");
    KT_EQ_STR(kz_form_get(f, "c"), "");
    KT_EQ_STR(kz_form_get(f, "d"), "\xc3\xa9");
    KT_CHECK(kz_form_get(f, "e") == NULL);
    KT_EQ_STR(kz_form_str(f, "c"), "");
    kz_form_free(&f);
    KT_EQ_INT(kz_form_parse("a=%4", 4, &f, why, sizeof why), KZ_EINVAL);
    KT_CHECK(strstr(why, "escape") != NULL);
    KT_EQ_INT(kz_form_parse("a=%00", 5, &f, why, sizeof why), KZ_EINVAL);
    KT_EQ_INT(kz_form_parse("a=%C3%28", 8, &f, why, sizeof why), KZ_EBADUTF8);
    KT_CHECK(f == NULL);
    char many[1024];
    for (int i = 0; i < 70; i++)
        memcpy(many + 4 * i, "x=1&", 5);
    KT_EQ_INT(kz_form_parse(many, strlen(many), &f, why, sizeof why), KZ_ETOOBIG);
}

KT_TEST(web_accept_language)
{
    KT_EQ_INT(kz_lang_accept("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"), KZ_LANG_RU);
    KT_EQ_INT(kz_lang_accept("en;q=0.5, kk-KZ;q=0.9, ru;q=0.7"), KZ_LANG_KK);
    KT_EQ_INT(kz_lang_accept("de, fr;q=0.9"), -1);
    KT_EQ_INT(kz_lang_accept("kk;q=0, ru;q=0.1"), KZ_LANG_RU);
    KT_EQ_INT(kz_lang_accept(""), -1);
    KT_EQ_INT(kz_lang_accept(NULL), -1);
    KT_EQ_STR(kz_tr(KZ_LANG_RU, "Log in"), "Войти");
    KT_EQ_STR(kz_tr(KZ_LANG_KK, "Log in"), "Кіру");
    KT_EQ_STR(kz_tr(KZ_LANG_KK, "no such message"), "no such message");
    /* a code of the data is shown in English as words, in the others
     * translated; a code no catalogue has stays as it is */
    KT_EQ_STR(kz_tr(KZ_LANG_EN, "content_owner"), "content owner");
    KT_EQ_STR(kz_tr(KZ_LANG_EN, "awaiting_approval"), "awaiting approval");
    KT_EQ_STR(kz_tr(KZ_LANG_RU, "content_owner"), "владелец материала");
    KT_EQ_STR(kz_tr(KZ_LANG_EN, "not_a_known_code"), "not_a_known_code");
    KT_EQ_STR(kz_tr(KZ_LANG_EN, "Log in"), "Log in");
}

KT_TEST(web_html_writer)
{
    kz_html h;
    kz_html_init(&h, NULL);
    kz_h_f(&h, "<p title=\"%s\">%s %d %lld %zu %.*s%%</p>", "a\"b'c", "<script>&", -3,
           (long long)1 << 40, (size_t)7, 2, "<<<<");
    kz_h_text(&h, "x<y");
    kz_h_f(&h, "[%.3s|%.10s]", "a<b>c", "2026-12-05T10:00:00Z");
    KT_EQ_INT(h.rc, 0);
    KT_EQ_STR(h.b.p, "<p title=\"a&quot;b&#39;c\">&lt;script&gt;&amp; -3 1099511627776 7 "
                     "&lt;&lt;%</p>x&lt;y[a&lt;b|2026-12-05]");
    kz_html_release(&h);
    KT_EQ_STR(kz_safe_next("/cases/1", "/"), "/cases/1");
    KT_EQ_STR(kz_safe_next("//evil.example/", "/"), "/");
    KT_EQ_STR(kz_safe_next("/\\evil", "/"), "/");
    KT_EQ_STR(kz_safe_next("https://evil.example/", "/"), "/");
    KT_EQ_STR(kz_safe_next("/a\r\nSet-Cookie: x", "/"), "/");
}

KT_TEST(web_login_logout_account)
{
    kt_server sv;
    kt_client c;
    kt_resp r;
    char v[512];
    if (kt_serve_start(&sv, "webcore", 0, setup, NULL))
        return;
    memset(&c, 0, sizeof c);
    /* a page without a session: to the log-in page, and back after it */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/account", NULL, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/login?next=/account");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/", NULL, &r), 303);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/login?next=/account", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<form method=\"post\" action=\"/login\"") != NULL);
    KT_CHECK(strstr(r.body, "name=\"next\" value=\"/account\"") != NULL);
    KT_CHECK(strstr(kt_resp_header(&r, "Content-Type", v, sizeof v), "text/html") != NULL);
    kt_resp_header(&r, "Content-Security-Policy", v, sizeof v);
    KT_CHECK(strstr(v, "default-src 'self'") && !strstr(v, "unsafe-inline"));
    KT_CHECK(strstr(r.body, "<script src=\"/static/app.js?v=") != NULL);
    KT_CHECK(!strstr(r.body, "<script>") && !strstr(r.body, "style=") && !strstr(r.body, "<style"));
    KT_CHECK(!strstr(r.body, "http://") && !strstr(r.body, "https://"));
    kt_resp_free(&r);
    /* a wrong password: the form again, with the message, 401 */
    KT_EQ_INT(form(&sv, &c, "/login", "name=ann&password=wrong-password-1&next=%2Faccount", &r),
              401);
    KT_CHECK(strstr(r.body, "Wrong name or password.") != NULL);
    KT_CHECK(strstr(r.body, "value=\"ann\"") != NULL);
    KT_EQ_STR(c.cookie, "");
    kt_resp_free(&r);
    /* from another site: refused, even with the right password */
    static const char *const xo[] = { "Origin: https://evil.example", NULL };
    const char *good = "name=ann&password=ann-password-123&next=%2Faccount";
    KT_EQ_INT(kt_httpx(&sv, &c, "POST", "/login", FORM, good, strlen(good), xo, &r), 403);
    KT_EQ_STR(c.cookie, "");
    kt_resp_free(&r);
    static const char *const xs[] = { "Sec-Fetch-Site: cross-site", NULL };
    KT_EQ_INT(kt_httpx(&sv, &c, "POST", "/login", FORM, good, strlen(good), xs, &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &c, "/login", good, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/account");
    kt_resp_header(&r, "Set-Cookie", v, sizeof v);
    KT_CHECK(strstr(v, "HttpOnly") && strstr(v, "SameSite=Strict"));
    KT_CHECK(c.cookie[0] != '\0');
    kt_resp_free(&r);
    /* the same session the API knows */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/api/v1/session", NULL, &r), 200);
    KT_CHECK(kt_json_get(r.body, "csrf_token", c.csrf, sizeof c.csrf) != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/account", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<a href=\"/account\" aria-current=\"page\">ann (reviewer)</a>") != NULL);
    KT_CHECK(strstr(r.body, "lang=\"en\" aria-current=\"true\">English</a>") != NULL);
    char field[200];
    snprintf(field, sizeof field, "name=\"csrf\" value=\"%s\"", c.csrf);
    KT_CHECK(strstr(r.body, field) != NULL);
    kt_resp_free(&r);
    /* the password: without the CSRF field, a wrong one, two that differ,
     * one the library refuses (too short), then a good one */
    KT_EQ_INT(form(&sv, &c, "/account/password", "password=new-password-456&"
                   "password2=new-password-456", &r), 403);
    kt_resp_free(&r);
    char body[400];
    snprintf(body, sizeof body, "csrf=%064d&password=new-password-456&password2=new-password-456", 0);
    KT_EQ_INT(form(&sv, &c, "/account/password", body, &r), 403);
    kt_resp_free(&r);
    snprintf(body, sizeof body, "csrf=%s&password=new-password-456&password2=other", c.csrf);
    KT_EQ_INT(form(&sv, &c, "/account/password", body, &r), 422);
    KT_CHECK(strstr(r.body, "The two passwords differ.") != NULL);
    kt_resp_free(&r);
    snprintf(body, sizeof body, "csrf=%s&password=short&password2=short", c.csrf);
    KT_EQ_INT(form(&sv, &c, "/account/password", body, &r), 422);
    KT_CHECK(strstr(r.body, "class=\"field-error\"") != NULL);
    kt_resp_free(&r);
    snprintf(body, sizeof body, "csrf=%s&password=new-password-456&password2=new-password-456",
             c.csrf);
    KT_EQ_INT(form(&sv, &c, "/account/password", body, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/login?msg=password");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/account", NULL, &r), 303);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &c, "/login", "name=ann&password=new-password-456", &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/dashboard");
    kt_resp_free(&r);
    /* log out: the form with its token */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/api/v1/session", NULL, &r), 200);
    kt_json_get(r.body, "csrf_token", c.csrf, sizeof c.csrf);
    kt_resp_free(&r);
    snprintf(body, sizeof body, "csrf=%s", c.csrf);
    KT_EQ_INT(form(&sv, &c, "/logout", body, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/login?msg=out");
    KT_EQ_STR(c.cookie, "");
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_static_and_language)
{
    kt_server sv;
    kt_client c;
    kt_resp r;
    char v[512], ver[64] = "";
    if (kt_serve_start(&sv, "weblang", 0, setup, NULL))
        return;
    memset(&c, 0, sizeof c);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/login", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<html lang=\"en\">") != NULL);
    const char *p = strstr(r.body, "app.css?v=");
    KT_CHECK(p != NULL);
    if (p)
        snprintf(ver, sizeof ver, "%.*s", (int)strcspn(p + 10, "\""), p + 10);
    kt_resp_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/static/app.css?v=%s", ver);
    KT_EQ_INT(kt_http(&sv, &c, "GET", path, NULL, &r), 200);
    KT_CHECK(strstr(kt_resp_header(&r, "Cache-Control", v, sizeof v), "max-age=31536000") != NULL);
    KT_CHECK(strstr(kt_resp_header(&r, "Content-Type", v, sizeof v), "text/css") != NULL);
    KT_CHECK(strstr(r.body, "mark") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/static/app.js", NULL, &r), 200);
    KT_EQ_STR(kt_resp_header(&r, "Cache-Control", v, sizeof v), "no-cache");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/static/nope.js", NULL, &r), 404);
    kt_resp_free(&r);
    /* Accept-Language */
    static const char *const ru[] = { "Accept-Language: de;q=0.9, ru;q=0.8, en;q=0.1", NULL };
    KT_EQ_INT(kt_httpx(&sv, &c, "GET", "/login", NULL, NULL, 0, ru, &r), 200);
    KT_CHECK(strstr(r.body, "<html lang=\"ru\">") && strstr(r.body, "Войти"));
    kt_resp_free(&r);
    /* the switch: a cookie, which wins over the header */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/lang/kk?next=/login", NULL, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/login");
    kt_resp_header(&r, "Set-Cookie", v, sizeof v);
    KT_CHECK(!strncmp(v, "lang=kk;", 8));
    kt_resp_free(&r);
    static const char *const kk[] = { "Cookie: lang=kk", "Accept-Language: ru", NULL };
    KT_EQ_INT(kt_httpx(&sv, &c, "GET", "/login", NULL, NULL, 0, kk, &r), 200);
    KT_CHECK(strstr(r.body, "<html lang=\"kk\">") && strstr(r.body, "Кіру"));
    kt_resp_free(&r);
    /* a switch to another site is not followed */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/lang/ru?next=//evil.example/", NULL, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", v, sizeof v), "/");
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
    /* the default, from kuzet serve --lang */
    static const char *const extra[] = { "--lang", "ru", NULL };
    if (kt_serve_start(&sv, "weblang2", 0, setup, extra))
        return;
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/login", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<html lang=\"ru\">") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
