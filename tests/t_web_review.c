/*
 * tests/t_web_review.c - the reviewers' pages over real HTTP: every page
 * route for every role (the page, 403, or 303 to the log-in page), a post
 * with <script> and quotes shown as text with its match marked, the queue
 * giving two reviewers two cases and holding them, the decision forms
 * (required fields, the library's refusal by the form, POST-redirect-GET,
 * CSRF and cross-origin refusal), the two-person rule, the history, the
 * dashboard's figures, its 100 KB bound, and how old its figures may be.
 */
#include "kt.h"
#include "kt_serve.h"
#include "serve/serve.h"
#include "case/case.h"
#include <stdlib.h>
#include <time.h>

#define FORM "application/x-www-form-urlencoded"

static const char evil[] = "<script>alert(\"pwned\")</script> 'quoted' & offers a dead drop "
                           "near the school";

static void add(kz_store *s, int n, const char *category, const char *text, size_t hs, size_t he)
{
    char url[96];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d?a=\"1\"&b=<2>", n);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "dead-drop", category, "rule", 50, hs, he, NULL, NULL, 0 };
    kz_flag_in f = { category, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
}

/* cases 1..4: 1 is the evil post (drugs), 2 terrorism, 3 and 4 drugs */
static void setup(kz_store *s)
{
    kt_serve_staff(s);
    KT_EQ_INT(kz_store_begin(s), 0);
    const char *dd = strstr(evil, "dead drop");
    add(s, 1, "drugs", evil, (size_t)(dd - evil), (size_t)(dd - evil) + 9);
    add(s, 2, "terrorism", "join us: a dead drop of arms", 11, 20);
    add(s, 3, "drugs", "third post, a dead drop", 14, 23);
    add(s, 4, "drugs", "fourth post, a dead drop", 15, 24);
    /* case 5: 200 KB of what escaping makes longest, with a hit far in */
    char *big = malloc(200 * 1024 + 1);
    for (size_t i = 0; i < 200 * 1024; i++)
        big[i] = "\"<'&"[i % 4];
    memcpy(big + 150000, "dead drop", 9);
    big[200 * 1024] = '\0';
    add(s, 5, "drugs", big, 150000, 150009);
    free(big);
    KT_EQ_INT(kz_store_commit(s), 0);
}

static long form(const kt_server *sv, kt_client *cl, const char *path, const char *fields,
                 kt_resp *r)
{
    return kt_form_http(sv, cl, path, fields, r);
}

static void login_all(const kt_server *sv, kt_client *c, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof c[i]);
        KT_EQ_INT(kt_login_http(sv, &c[i], names[i]), 200);
    }
}

KT_TEST(web_pages_every_role)
{
    kt_server sv;
    kt_client c[5];
    static const char *const names[] = { "al", "ann", "sue", "aud", "root" };
    static const unsigned bits[] = { KZ_ROLE_ANALYST, KZ_ROLE_REVIEWER, KZ_ROLE_SUPERVISOR,
                                     KZ_ROLE_AUDITOR, KZ_ROLE_ADMIN };
    if (kt_serve_start(&sv, "webroles", 0, setup, NULL))
        return;
    login_all(&sv, c, names, 5);
    size_t pages = 0;
    for (const kz_route_table *const *t = kz_route_tables; *t; t++)
        for (size_t i = 0; i < (*t)->n; i++) {
            const kz_route *rt = &(*t)->routes[i];
            char path[256], v[512];
            kt_resp r;
            if (!(rt->flags & KZ_ROUTE_HTML) || (rt->roles & KZ_ROLE_PUBLIC))
                continue;
            /* {id}: case 1; {name}: al; another parameter: "x" */
            size_t k = 0;
            for (const char *p = rt->path; *p && k + 8 < sizeof path;) {
                if (*p == '{') {
                    const char *val = !strncmp(p, "{id}", 4) ? "1" : !strncmp(p, "{name}", 6)
                                                                         ? "al" : "x";
                    k += (size_t)snprintf(path + k, sizeof path - k, "%s", val);
                    p = strchr(p, '}') ? strchr(p, '}') + 1 : p + strlen(p);
                } else {
                    path[k++] = *p++;
                }
            }
            path[k] = '\0';
            int get = !strcmp(rt->method, "GET");
            if (!strcmp(rt->path, "/logout") || !strcmp(rt->path, "/account/password"))
                continue;                           /* they end sessions: t_web_core.c */
            pages++;
            /* nobody logged in: to the log-in page */
            kt_http(&sv, NULL, rt->method, path, get ? NULL : "", &r);
            if (r.status != 303 || !kt_resp_header(&r, "Location", v, sizeof v) ||
                strncmp(v, "/login?next=", 12))
                kt_fail(__FILE__, __LINE__, "%s %s anonymous: %ld", rt->method, path, r.status);
            kt_resp_free(&r);
            for (size_t n = 0; n < 5; n++) {
                int allowed = (rt->roles & bits[n]) != 0;
                if (get)
                    kt_http(&sv, &c[n], "GET", path, NULL, &r);
                else
                    form(&sv, &c[n], path, "", &r);  /* empty forms: refused by the library */
                int page = kt_resp_header(&r, "Content-Type", v, sizeof v) &&
                           !strncmp(v, "text/html", 9);
                int table = r.status == 403 && strstr(r.body, "This page is not for your role.");
                if (allowed && (table || r.status >= 500 || r.status == 303 * get ||
                                (r.status != 303 && !page)))
                    kt_fail(__FILE__, __LINE__, "%s %s as %s (allowed): %ld %.300s", rt->method,
                            path, names[n], r.status, r.body);
                if (!allowed && (r.status != 403 || !page ||
                                 !strstr(r.body, "This page is not for your role.")))
                    kt_fail(__FILE__, __LINE__, "%s %s as %s (denied): %ld %.300s", rt->method,
                            path, names[n], r.status, r.body);
                /* markup passed as data would show up escaped */
                if (page && (strstr(r.body, " class=&quot;") || strstr(r.body, "-current=&quot;")))
                    kt_fail(__FILE__, __LINE__, "%s %s as %s: markup escaped as text", rt->method,
                            path, names[n]);
                if (page && r.len > 100 * 1024)
                    kt_fail(__FILE__, __LINE__, "%s %s: %zu bytes", rt->method, path, r.len);
                kt_resp_free(&r);
            }
        }
    KT_CHECK(pages >= 10);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_case_page_escapes_and_marks)
{
    kt_server sv;
    kt_client c;
    kt_resp r;
    if (kt_serve_start(&sv, "webesc", 0, setup, NULL))
        return;
    memset(&c, 0, sizeof c);
    KT_EQ_INT(kt_login_http(&sv, &c, "ann"), 200);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/cases/1", NULL, &r), 200);
    /* the post is text: no tag of its own, quotes escaped */
    KT_CHECK(!strstr(r.body, "<script>alert"));
    KT_CHECK(strstr(r.body, "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; "
                            "&#39;quoted&#39; &amp; offers a ") != NULL);
    KT_CHECK(strstr(r.body, "<mark>dead drop<span class=\"rule\">dead-drop</span></mark> near") != NULL);
    /* the address is text, escaped, not a link */
    const char *u = strstr(r.body, "<code>https://forum.example.kz/t/1?");
    KT_CHECK(u != NULL);
    KT_CHECK(u && strstr(u, "&amp;b=") && strstr(u, "&quot;") && strstr(u, "&lt;2&gt;"));
    KT_CHECK(!strstr(r.body, "href=\"https://forum"));
    /* the normalized form on demand, the history */
    KT_CHECK(strstr(r.body, "<details><summary>Normalized form</summary>") != NULL);
    KT_CHECK(strstr(r.body, "case.open") || strstr(r.body, "<h2>History</h2>"));
    KT_CHECK(!strstr(r.body, " style=") && !strstr(r.body, "<style"));
    kt_resp_free(&r);
    /* a long text of quotes and brackets: the page stays within 100 KB */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/cases/5", NULL, &r), 200);
    KT_CHECK(r.len <= 100 * 1024 && r.len > 40 * 1024);
    KT_CHECK(strstr(r.body, "bytes</p>") != NULL);
    KT_CHECK(strstr(r.body, "[dead drop]") != NULL);        /* its context, in the matches */
    kt_resp_free(&r);
    /* in Kazakh and Russian */
    char ck[400];
    snprintf(ck, sizeof ck, "Cookie: %s; lang=kk", c.cookie);     /* one header, as browsers send */
    const char *const kk[] = { ck, NULL };
    KT_EQ_INT(kt_httpx(&sv, NULL, "GET", "/cases/1", NULL, NULL, 0, kk, &r), 200);
    KT_CHECK(strstr(r.body, "<html lang=\"kk\">") && strstr(r.body, "<h1>Іс 1</h1>") &&
             strstr(r.body, "<h2>Тарих</h2>") && strstr(r.body, "Келесі іс"));
    if (getenv("KT_WEB_DUMP")) { FILE *f = fopen(getenv("KT_WEB_DUMP"), "w"); if (f) { fputs(r.body, f); fclose(f); } }
    kt_resp_free(&r);
    static const char *const ru[] = { "Accept-Language: ru-RU, ru;q=0.9", NULL };
    KT_EQ_INT(kt_httpx(&sv, &c, "GET", "/cases/1", NULL, NULL, 0, ru, &r), 200);
    KT_CHECK(strstr(r.body, "<h1>Дело 1</h1>") && strstr(r.body, "<h2>История</h2>"));
    kt_resp_free(&r);
    /* the list, filtered; a filter value is shown back as text */
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/cases?state=detected&category=drugs", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<a href=\"/cases/1\">1</a>") && !strstr(r.body, "/cases/2\""));
    KT_CHECK(strstr(r.body, "<option value=\"detected\" selected>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/cases?category=%22%3E%3Cscript%3Ex", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "value=\"&quot;&gt;&lt;script&gt;x\"") && !strstr(r.body, "\"><script>x"));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/cases/99", NULL, &r), 404);
    KT_CHECK(strstr(r.body, "<html") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &c, "GET", "/cases/x1", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

static int64_t case_of(const kt_resp *r)
{
    char v[128];
    if (r->status != 303 || !kt_resp_header(r, "Location", v, sizeof v) || strncmp(v, "/cases/", 7))
        return 0;
    return atoll(v + 7);
}

KT_TEST(web_queue_holds_and_decisions)
{
    kt_server sv;
    kt_client c[4];
    kt_resp r;
    static const char *const names[] = { "ann", "bob", "sue", "sam" };
    if (kt_serve_start(&sv, "webqueue", 0, setup, NULL))
        return;
    login_all(&sv, c, names, 4);
    kt_client *ann = &c[0], *bob = &c[1], *sue = &c[2], *sam = &c[3];
    KT_EQ_INT(kt_http(&sv, ann, "GET", "/queue", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "action=\"/queue/next\"") && strstr(r.body, "data-key=\"n\""));
    kt_resp_free(&r);
    /* two reviewers: two cases; terrorism (case 2) first */
    KT_EQ_INT(form(&sv, ann, "/queue/next", "", &r), 303);
    int64_t a1 = case_of(&r);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, bob, "/queue/next", "", &r), 303);
    int64_t b1 = case_of(&r);
    kt_resp_free(&r);
    KT_EQ_INT(a1, 2);
    KT_CHECK(b1 > 0 && b1 != a1);
    char path[64], fields[1024];
    snprintf(path, sizeof path, "/cases/%lld", (long long)a1);
    KT_EQ_INT(kt_http(&sv, ann, "GET", path, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "Held for you until") != NULL);
    KT_CHECK(strstr(r.body, "data-hold-renew=\"300\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, bob, "GET", path, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "Held by ann") && !strstr(r.body, "data-hold-renew"));
    kt_resp_free(&r);
    /* app.js's renewal: a fetch from this site (its Origin is this host) */
    char origin[128], renew[64];
    snprintf(origin, sizeof origin, "Origin: %s", sv.base);
    const char *const js[] = { origin, "Sec-Fetch-Site: same-origin", "Accept: text/plain", NULL };
    snprintf(renew, sizeof renew, "/cases/%lld/renew", (long long)a1);
    snprintf(fields, sizeof fields, "csrf=%s", ann->csrf);
    KT_EQ_INT(kt_httpx(&sv, ann, "POST", renew, FORM, fields, strlen(fields), js, &r), 200);
    KT_CHECK(r.len == 20 && r.body[19] == 'Z');
    kt_resp_free(&r);
    snprintf(fields, sizeof fields, "csrf=%s", bob->csrf);
    KT_EQ_INT(kt_httpx(&sv, bob, "POST", renew, FORM, fields, strlen(fields), js, &r), 409);
    kt_resp_free(&r);
    /* bob may not take ann's held case */
    snprintf(path, sizeof path, "/cases/%lld/take", (long long)a1);
    KT_EQ_INT(form(&sv, bob, path, "", &r), 409);
    KT_CHECK(strstr(r.body, "class=\"field-error\"") && strstr(r.body, "held by"));
    kt_resp_free(&r);
    /* CSRF: no field, a wrong one, another site */
    static const char *const same[] = { "Sec-Fetch-Site: same-origin", NULL };
    KT_EQ_INT(kt_httpx(&sv, ann, "POST", path, FORM, "x=1", 3, same, &r), 403);
    kt_resp_free(&r);
    static const char *const xo[] = { "Origin: http://evil.example", NULL };
    snprintf(fields, sizeof fields, "csrf=%s", ann->csrf);
    KT_EQ_INT(kt_httpx(&sv, ann, "POST", path, FORM, fields, strlen(fields), xo, &r), 403);
    kt_resp_free(&r);
    /* assign to me, then a decision the law refuses without a legal basis */
    KT_EQ_INT(form(&sv, ann, path, "", &r), 303);
    kt_resp_free(&r);
    snprintf(path, sizeof path, "/cases/%lld", (long long)a1);
    KT_EQ_INT(kt_http(&sv, ann, "GET", path, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "name=\"legal_basis\" required") && strstr(r.body, "data-key=\"d\"") &&
             strstr(r.body, "data-key=\"x\""));
    kt_resp_free(&r);
    snprintf(path, sizeof path, "/cases/%lld/decide", (long long)a1);
    KT_EQ_INT(form(&sv, ann, path, "measure=url_block&legal_basis=&reasons=calls+to+join+a+"
                   "terrorist+organisation&scope=KZ&days=90", &r), 422);
    KT_CHECK(strstr(r.body, "The decision was refused:") && strstr(r.body, "legal basis"));
    /* what was typed is kept */
    KT_CHECK(strstr(r.body, "calls to join a terrorist organisation</textarea>") != NULL);
    kt_resp_free(&r);
    /* a duration out of range is refused with the number given */
    KT_EQ_INT(form(&sv, ann, path, "measure=url_block&legal_basis=Law+on+Communications%2C+art."
                   "+41-1&reasons=calls+to+join&scope=KZ&days=5000", &r), 422);
    KT_CHECK(strstr(r.body, "must be 1 to 3650, not 5000") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, ann, path, "measure=url_block&legal_basis=Law+on+Communications%2C+art."
                   "+41-1&reasons=calls+to+join+a+terrorist+organisation&scope=KZ&days=90", &r), 303);
    kt_resp_free(&r);
    /* the two-person rule: the approve form goes to a supervisor; sue
     * approves (ann, a reviewer, has no such route) */
    snprintf(path, sizeof path, "/cases/%lld/approve", (long long)a1);
    KT_EQ_INT(form(&sv, ann, path, "", &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, sue, path, "", &r), 303);
    kt_resp_free(&r);
    snprintf(path, sizeof path, "/cases/%lld", (long long)a1);
    KT_EQ_INT(kt_http(&sv, sue, "GET", path, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<dt>State</dt><dd>decided</dd>") != NULL);
    KT_CHECK(strstr(r.body, "case.approve") && strstr(r.body, "case.decide"));
    kt_resp_free(&r);
    /* sam proposes a block on the case he takes, and may not approve it himself */
    KT_EQ_INT(form(&sv, sam, "/queue/next", "", &r), 303);
    int64_t s1 = case_of(&r);
    kt_resp_free(&r);
    KT_CHECK(s1 > 0 && s1 != a1 && s1 != b1);
    snprintf(path, sizeof path, "/cases/%lld/take", (long long)s1);
    KT_EQ_INT(form(&sv, sam, path, "", &r), 303);
    kt_resp_free(&r);
    snprintf(path, sizeof path, "/cases/%lld/decide", (long long)s1);
    KT_EQ_INT(form(&sv, sam, path, "measure=domain_block&legal_basis=Law+on+Narcotic+Drugs%2C+"
                   "art.+5&reasons=sells+drugs+by+dead+drop&scope=KZ&days=30", &r), 303);
    kt_resp_free(&r);
    snprintf(path, sizeof path, "/cases/%lld/approve", (long long)s1);
    KT_EQ_INT(form(&sv, sam, path, "", &r), 403);
    KT_CHECK(strstr(r.body, "The decision was refused:") != NULL);
    kt_resp_free(&r);
    /* the dashboard shows it waiting, and the volumes */
    KT_EQ_INT(kt_http(&sv, sue, "GET", "/dashboard", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "Blocks waiting for a second person") && strstr(r.body, "sam, "));
    KT_CHECK(strstr(r.body, "<svg class=\"chart\"") != NULL);
    KT_CHECK(strstr(r.body, "<th scope=\"row\">drugs</th>") != NULL);
    KT_CHECK(r.len < 100 * 1024);
    KT_CHECK(strstr(r.body, "<th scope=\"row\">gambling</th>") == NULL);
    kt_resp_free(&r);
    /* its figures are the process's, at most a second old: a case opened by
     * another program (here: straight into the store) shows within a second */
    kz_store *s = NULL;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    if (s) {
        KT_EQ_INT(kz_store_begin(s), 0);
        add(s, 6, "gambling", "a dead drop of chips", 2, 11);
        KT_EQ_INT(kz_store_commit(s), 0);
        kz_store_close(&s);
    }
    struct timespec ts = { 1, 50 * 1000000L };
    nanosleep(&ts, NULL);
    KT_EQ_INT(kt_http(&sv, sue, "GET", "/dashboard", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "<th scope=\"row\">gambling</th>") != NULL);
    kt_resp_free(&r);
    /* next with skip: bob leaves his case, gets another, and the skipped one is free */
    snprintf(fields, sizeof fields, "skip=%lld", (long long)b1);
    KT_EQ_INT(form(&sv, bob, "/queue/next", fields, &r), 303);
    int64_t b2 = case_of(&r);
    kt_resp_free(&r);
    KT_CHECK(b2 != b1 && b2 != a1 && b2 != s1);
    /* nothing left for ann? cases: a1 decided, s1 awaiting, b2 bob's; b1 free */
    KT_EQ_INT(form(&sv, ann, "/queue/next", "", &r), 303);
    KT_EQ_INT(case_of(&r), b1);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

