/*
 * tests/t_web_pages.c - the reviewers' web app over real HTTP
 * (serve/routes_pages.c, routes_media.c, routes_users.c): every page for
 * every role that may open it and refused for the others (a visitor is
 * sent to log in); the images kept for review served to staff only with
 * their content type and nosniff,
 * shown blurred and in greyscale by default and as the reviewer's own
 * settings say; notices with countdowns, appeals, the blocklist in force,
 * the rule tester's form; an appeal filed on its form; the 404 page; an
 * admin adds an account, is shown its one-time token, the person enrols
 * with it from the command line and logs in, and the admin disables it.
 */
#include "kt.h"
#include "kt_serve.h"
#include "case/case.h"
#include "store/media.h"
#include <stdlib.h>

#define FORM "application/x-www-form-urlencoded"
#define RULES "tests/golden/scan/0001-evasions/rules.yaml"

/* A GIF's first bytes: kept bytes need not decode to be served back. */
static const char GIF[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";

static int64_t add_item(kz_store *s, int n, const char *category, int64_t *item)
{
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d", n);
    snprintf(text, sizeof text, "post %d dead drop", n);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", category, "rule", 50, 0, 4, NULL, NULL, 0 };
    kz_flag_in f = { category, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    *item = out.item_id;
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1", p, 1, &id), 0);
    return id;
}

static const kz_decision_in REMOVAL = { "removal_request", "Law on Narcotics, art. 5",
                                        "offers drugs for sale with a price", "KZ", NULL, 30 };
static const kz_decision_in URLBLOCK = { "url_block", "Law on Narcotics, art. 5",
                                         "a shop for drugs, with prices", "KZ", NULL, 30 };

/* The staff (kt_serve_staff); case 1 on item 1 with image 1 kept; case 2
 * blocked (ann decided, sue approved); case 3 removal requested, notified
 * and appealed. */
static void setup(kz_store *s)
{
    int64_t item = 0;
    kt_serve_staff(s);
    kz_media_in m = { "a.gif", "ab", "cd", NULL, 0 };
    KT_EQ_INT(kz_store_begin(s), 0);
    add_item(s, 1, "drugs", &item);
    KT_EQ_INT(kz_media_add(s, item, &m), 0);
    KT_EQ_INT(kz_media_keep(s, item, "ab", "image/gif", GIF, sizeof GIF - 1), 0);
    int64_t blk = add_item(s, 2, "drugs", &item), rem = add_item(s, 3, "drugs", &item);
    KT_EQ_INT(kz_store_commit(s), 0);
    kz_actor *al = kt_login(s, "al"), *ann = kt_login(s, "ann"), *sue = kt_login(s, "sue");
    KT_EQ_INT(kz_case_assign(al, blk, "ann"), 0);
    KT_EQ_INT(kz_case_assign(al, rem, "ann"), 0);
    KT_EQ_INT(kz_case_decide(ann, blk, &URLBLOCK, NULL), 0);
    KT_EQ_INT(kz_case_approve(sue, blk), 0);
    KT_EQ_INT(kz_case_decide(ann, rem, &REMOVAL, NULL), 0);
    KT_EQ_INT(kz_case_notify(al, rem, NULL, NULL, NULL), 0);
    KT_EQ_INT(kz_case_appeal(al, rem, "content_owner", "the post is a news quote", NULL), 0);
    kz_account_logout(&al);
    kz_account_logout(&ann);
    kz_account_logout(&sue);
}

/* A form post as a browser on this site sends it. */
static long form(const kt_server *sv, kt_client *cl, const char *path, const char *fields,
                 kt_resp *r)
{
    static const char *const h[] = { "Sec-Fetch-Site: same-origin", NULL };
    char body[1024];
    snprintf(body, sizeof body, "csrf=%s%s%s", cl->csrf, *fields ? "&" : "", fields);
    return kt_httpx(sv, cl, "POST", path, FORM, body, strlen(body), h, r);
}

static long get(const kt_server *sv, kt_client *cl, const char *path, kt_resp *r)
{
    return kt_http(sv, cl, "GET", path, NULL, r);
}

enum { AL, ANN, SUE, AUD, ROOT, NWHO };
static const char *const who[NWHO] = { "al", "ann", "sue", "aud", "root" };

/* Filing an appeal from the web app: the form for those who may record
 * one, its refusals shown on the form (what was typed kept), then the case
 * page and the appeal listed.  Case 2 is blocked (decided and approved),
 * case 1 only detected, case 3 appealed already. */
static void file_appeal(const kt_server *sv, kt_client *c)
{
    kt_resp r;
    char loc[64];
    KT_EQ_INT(get(sv, &c[AL], "/appeals", &r), 200);              /* the way to the form */
    KT_CHECK(strstr(r.body, "<a href=\"/appeals/new\">File an appeal</a>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(sv, &c[AUD], "/appeals", &r), 200);             /* not for an auditor */
    KT_CHECK(!strstr(r.body, "/appeals/new"));
    kt_resp_free(&r);
    KT_EQ_INT(get(sv, &c[AL], "/appeals/new?case=2", &r), 200);
    KT_CHECK(strstr(r.body, "action=\"/appeals\"") && strstr(r.body, "name=\"csrf\""));
    KT_CHECK(strstr(r.body, "name=\"case\" required min=\"1\" step=\"1\" inputmode=\"numeric\" "
                            "value=\"2\"") != NULL);
    KT_CHECK(strstr(r.body, "value=\"content_owner\" required checked") != NULL);
    KT_CHECK(strstr(r.body, "for=\"by_content_owner\">content owner</label>") != NULL);
    kt_resp_free(&r);
    static const char *const ru[] = { "Accept-Language: ru", NULL };
    KT_EQ_INT(kt_httpx(sv, &c[AL], "GET", "/appeals/new", NULL, NULL, 0, ru, &r), 200);
    KT_CHECK(strstr(r.body, "Подать обжалование") && strstr(r.body, "Номер дела"));
    kt_resp_free(&r);
    static const char *const kk[] = { "Accept-Language: kk", NULL };
    KT_EQ_INT(kt_httpx(sv, &c[AL], "GET", "/appeals/new", NULL, NULL, 0, kk, &r), 200);
    KT_CHECK(strstr(r.body, "Шағым беру") && strstr(r.body, "Кім шағымданады"));
    kt_resp_free(&r);
    KT_EQ_INT(get(sv, &c[AL], "/appeals/new?x=1", &r), 400);
    kt_resp_free(&r);

    /* refusals, each on the form with what was typed */
    KT_EQ_INT(form(sv, &c[AL], "/appeals", "case=2&by=platform&grounds=+++", &r), 422);
    KT_CHECK(strstr(r.body, "class=\"field-error\" role=\"alert\"") != NULL);
    KT_CHECK(strstr(r.body, "grounds") != NULL);
    KT_CHECK(strstr(r.body, "value=\"platform\" checked") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(sv, &c[AL], "/appeals", "case=2x&by=platform&grounds=kept+as+typed", &r), 422);
    KT_CHECK(strstr(r.body, "Give the number of the case.") != NULL);
    KT_CHECK(strstr(r.body, ">kept as typed</textarea>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(sv, &c[AL], "/appeals", "case=2&by=someone&grounds=why", &r), 422);
    KT_CHECK(strstr(r.body, "content_owner or platform") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(sv, &c[AL], "/appeals", "case=999&by=platform&grounds=why", &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(form(sv, &c[AL], "/appeals", "case=1&by=platform&grounds=why", &r), 409);
    KT_CHECK(strstr(r.body, "class=\"field-error\"") != NULL);   /* not decided */
    kt_resp_free(&r);
    KT_EQ_INT(form(sv, &c[AL], "/appeals", "case=3&by=platform&grounds=why", &r), 409);
    kt_resp_free(&r);                                              /* appealed already */
    KT_EQ_INT(form(sv, &c[AUD], "/appeals", "case=2&by=platform&grounds=why", &r), 403);
    kt_resp_free(&r);
    kt_client nocsrf = c[AL];
    nocsrf.csrf[0] = '\0';
    KT_EQ_INT(form(sv, &nocsrf, "/appeals", "case=2&by=platform&grounds=why", &r), 403);
    kt_resp_free(&r);

    /* the case page of a decision in effect links to the form; of an
     * appealed case or for the auditor, no link */
    KT_EQ_INT(get(sv, &c[AL], "/cases/2", &r), 200);
    KT_CHECK(strstr(r.body, "href=\"/appeals/new?case=2\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(sv, &c[AUD], "/cases/2", &r), 200);
    KT_CHECK(strstr(r.body, "/appeals/new?case=2") == NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(sv, &c[AL], "/cases/3", &r), 200);
    KT_CHECK(strstr(r.body, "/appeals/new?case=3") == NULL);
    kt_resp_free(&r);
    /* filed: to the case page, appealed, and on the list */
    KT_EQ_INT(form(sv, &c[AL], "/appeals",
                   "case=2&by=platform&grounds=the+page+%3Cb%3Equotes%3C%2Fb%3E+a+court", &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", loc, sizeof loc), "/cases/2");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(sv, &c[AL], "GET", "/api/v1/cases/2", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"state\":\"appealed\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(sv, &c[ANN], "/appeals", &r), 200);
    KT_CHECK(strstr(r.body, "<td>the page &lt;b&gt;quotes&lt;/b&gt; a court</td>") != NULL);
    KT_CHECK(strstr(r.body, "href=\"/cases/2\"") != NULL);
    kt_resp_free(&r);
}

/* No page at a path: the web app's page in the viewer's language; under
 * /api/ the API's JSON. */
#define NOT_FOUND "{\"error\":{\"code\":\"not_found\","

static void not_found(const kt_server *sv, kt_client *c)
{
    kt_resp r;
    char ct[64];
    static const char *const ru[] = { "Accept-Language: ru", NULL };
    KT_EQ_INT(kt_httpx(sv, NULL, "GET", "/no/such/page", NULL, NULL, 0, ru, &r), 404);
    KT_EQ_STR(kt_resp_header(&r, "Content-Type", ct, sizeof ct), "text/html; charset=utf-8");
    KT_CHECK(strstr(r.body, "<html lang=\"ru\">") && strstr(r.body, "Не найдено") &&
             strstr(r.body, "По этому адресу страницы нет."));
    kt_resp_free(&r);
    static const char *const kk[] = { "Accept-Language: kk", NULL };
    KT_EQ_INT(kt_httpx(sv, &c[ANN], "GET", "/notices/x?<b>", NULL, NULL, 0, kk, &r), 404);
    KT_CHECK(strstr(r.body, "<html lang=\"kk\">") && strstr(r.body, "Табылмады"));
    KT_CHECK(!strstr(r.body, "<b>"));
    /* the header of the one who asks, as on every page: ann and log-out */
    KT_CHECK(strstr(r.body, "<div class=\"who\"><a href=\"/account\">ann (") != NULL);
    KT_CHECK(strstr(r.body, "action=\"/logout\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_httpx(sv, NULL, "GET", "/no/such/page", NULL, NULL, 0, kk, &r), 404);
    KT_CHECK(strstr(r.body, "class=\"who\"") == NULL);             /* nobody: no header */
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(sv, &c[ANN], "GET", "/api/v1/no-such-thing", NULL, &r), 404);
    KT_EQ_STR(kt_resp_header(&r, "Content-Type", ct, sizeof ct), "application/json");
    KT_CHECK(!strncmp(r.body, NOT_FOUND, strlen(NOT_FOUND)));
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(sv, NULL, "GET", "/api", NULL, &r), 404);
    KT_CHECK(!strncmp(r.body, NOT_FOUND, strlen(NOT_FOUND)));
    kt_resp_free(&r);
}

KT_TEST(web_pages_every_page_every_role)
{
    kt_server sv;
    kt_client c[NWHO];
    kt_resp r;
    static const char *const extra[] = { "--rules", RULES, NULL };
    if (kt_serve_start(&sv, "webpages", 0, setup, extra))
        return;
    for (int i = 0; i < NWHO; i++) {
        memset(&c[i], 0, sizeof c[i]);
        KT_EQ_INT(kt_login_http(&sv, &c[i], who[i]), 200);
    }
    static const struct { const char *path; unsigned who; } pages[] = {
        { "/settings", 0x1f }, { "/notices", 0x1f }, { "/notices?show=all", 0x1f },
        { "/appeals", 0x1f }, { "/appeals?show=all", 0x1f }, { "/blocklist", 0x1f },
        { "/blocklist?at=2020-01-01", 0x1f }, { "/rules", 0x1f }, { "/banks", 0x1f },
        { "/platforms", 0x1f }, { "/items/1/images", 0x1f }, { "/media/1/view", 0x1f },
        { "/users", 1u << ROOT }, { "/volume", 1u << SUE | 1u << AUD | 1u << ROOT },
        { "/volume?from=2020-01-01&to=2999-01-01", 1u << SUE | 1u << AUD | 1u << ROOT },
        { "/appeals/new", 1u << AL | 1u << ANN | 1u << SUE },
    };
    for (size_t p = 0; p < KZ_ARRAY_LEN(pages); p++) {
        for (int i = 0; i < NWHO; i++) {
            long want = pages[p].who & (1u << i) ? 200 : 403;
            long st = get(&sv, &c[i], pages[p].path, &r);
            if (st != want)
                kt_fail(__FILE__, __LINE__, "%s as %s: %ld, expected %ld", pages[p].path, who[i],
                        st, want);
            if (st == 200) {
                char ct[64];
                KT_CHECK(strstr(r.body, "<!DOCTYPE html>") == r.body);
                KT_EQ_STR(kt_resp_header(&r, "Content-Type", ct, sizeof ct),
                          "text/html; charset=utf-8");
                KT_CHECK(!strstr(r.body, "<script>") && !strstr(r.body, "style=\""));
            }
            kt_resp_free(&r);
        }
        /* a visitor is sent to log in */
        KT_EQ_INT(get(&sv, NULL, pages[p].path, &r), 303);
        kt_resp_free(&r);
    }

    /* what the lists show */
    KT_EQ_INT(get(&sv, &c[ANN], "/notices", &r), 200);
    KT_CHECK(strstr(r.body, "class=\"countdown\"") != NULL);    /* the deadline counts down */
    KT_CHECK(strstr(r.body, "<td>forum</td>") != NULL);
    KT_CHECK(strstr(r.body, "href=\"/cases/3\"") != NULL);
    KT_CHECK(strstr(r.body, "<a href=\"/notices?show=open\" aria-current=\"page\">") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[ANN], "/appeals", &r), 200);
    KT_CHECK(strstr(r.body, "the post is a news quote") != NULL);
    KT_CHECK(strstr(r.body, "<td>content owner</td>") != NULL);    /* the code, in words */
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[ANN], "/blocklist", &r), 200);
    KT_CHECK(strstr(r.body, "<code>https://forum.example.kz/t/2</code>") != NULL);
    KT_CHECK(strstr(r.body, "<td>ann</td><td>sue</td>") != NULL);   /* decided, approved */
    KT_CHECK(strstr(r.body, "href=\"/cases/2\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[ANN], "/blocklist?at=2020-01-01", &r), 200);  /* before it began */
    KT_CHECK(!strstr(r.body, "forum.example.kz/t/2"));
    kt_resp_free(&r);
    /* the forms a case page offers are the steps the library would take
     * (kz_case_steps): an analyst may assign a detected case, an admin not */
    KT_EQ_INT(get(&sv, &c[AL], "/cases/1", &r), 200);
    KT_CHECK(strstr(r.body, "action=\"/cases/1/assign\"") != NULL);
    KT_CHECK(!strstr(r.body, "action=\"/cases/1/take\""));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[ROOT], "/cases/1", &r), 200);
    KT_CHECK(!strstr(r.body, "/cases/1/assign"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[ANN], "/cases/1", &r), 200);
    KT_CHECK(strstr(r.body, "action=\"/cases/1/take\"") != NULL);
    KT_CHECK(!strstr(r.body, "action=\"/cases/1/assign\""));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[SUE], "/volume", &r), 200);           /* ann decided 2 this week */
    KT_CHECK(strstr(r.body, "<tr><td>ann</td><td>reviewer</td><td class=\"num\">2</td>") != NULL);
    KT_CHECK(strstr(r.body, "<tr><td>sue</td><td>supervisor</td><td class=\"num\">0</td>"
                            "<td class=\"num\">1</td>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[SUE], "/volume?from=2020-01-01&to=2020-02-01", &r), 200);
    KT_CHECK(strstr(r.body, "<tr><td>ann</td><td>reviewer</td><td class=\"num\">0</td>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[SUE], "/volume?from=yesterday", &r), 422);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[ANN], "/platforms", &r), 200);
    KT_CHECK(strstr(r.body, "<td>forum</td>") != NULL);
    kt_resp_free(&r);
    /* the pages in Russian and Kazakh */
    static const char *const ru[] = { "Accept-Language: ru", NULL };
    KT_EQ_INT(kt_httpx(&sv, &c[ANN], "GET", "/blocklist", NULL, NULL, 0, ru, &r), 200);
    KT_CHECK(strstr(r.body, "Действующий список блокировок") != NULL);
    kt_resp_free(&r);
    static const char *const kk[] = { "Accept-Language: kk", NULL };
    KT_EQ_INT(kt_httpx(&sv, &c[ANN], "GET", "/notices", NULL, NULL, 0, kk, &r), 200);
    KT_CHECK(strstr(r.body, "Қалған уақыт") != NULL);
    kt_resp_free(&r);

    /* the rule tester: the normalized form and the hits */
    KT_EQ_INT(get(&sv, &c[ANN], "/rules", &r), 200);
    KT_CHECK(strstr(r.body, "action=\"/rules/test\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &c[AUD], "/rules", &r), 200);           /* an auditor reads, no tester */
    KT_CHECK(!strstr(r.body, "action=\"/rules/test\""));
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &c[ANN], "/rules/test",
                   "text=%D0%9F%D1%80%D0%BE%D0%B4%D0%B0%D0%BC+%D0%97+%D0%B0+%D0%BA+%D0%BB+"
                   "%D0%B0+%D0%B4+%D0%BA+%D0%B0+500", &r), 200);
    KT_CHECK(strstr(r.body, "<div class=\"text\">продам закладка 500</div>") != NULL);
    KT_CHECK(strstr(r.body, "<mark>З а к л а д к а</mark>") != NULL);
    KT_CHECK(strstr(r.body, "<strong>drugs</strong>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &c[ANN], "/rules/test", "text=%3Cscript%3Ex%3C%2Fscript%3E", &r), 200);
    KT_CHECK(!strstr(r.body, "<script>x"));                    /* escaped wherever it is shown */
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &c[ANN], "/rules/test", "text=", &r), 422);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &c[AUD], "/rules/test", "text=x", &r), 403);
    kt_resp_free(&r);
    kt_client nocsrf = c[ANN];
    nocsrf.csrf[0] = '\0';
    KT_EQ_INT(form(&sv, &nocsrf, "/rules/test", "text=x", &r), 403);
    kt_resp_free(&r);
    file_appeal(&sv, c);
    not_found(&sv, c);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_pages_media_staff_only_blurred_by_default)
{
    kt_server sv;
    kt_resp r;
    char h[128];
    if (kt_serve_start(&sv, "webmedia", 0, setup, NULL))
        return;
    for (int i = 0; i < NWHO; i++) {
        kt_client c;
        memset(&c, 0, sizeof c);
        KT_EQ_INT(kt_login_http(&sv, &c, who[i]), 200);
        KT_EQ_INT(get(&sv, &c, "/media/1", &r), 200);
        KT_CHECK(r.len == sizeof GIF - 1 && !memcmp(r.body, GIF, r.len));
        KT_EQ_STR(kt_resp_header(&r, "Content-Type", h, sizeof h), "image/gif");
        KT_EQ_STR(kt_resp_header(&r, "X-Content-Type-Options", h, sizeof h), "nosniff");
        KT_EQ_STR(kt_resp_header(&r, "Cache-Control", h, sizeof h), "private, no-store");
        KT_CHECK(kt_resp_header(&r, "Content-Security-Policy", h, sizeof h) != NULL);
        kt_resp_free(&r);
        KT_EQ_INT(get(&sv, &c, "/media/2", &r), 404);
        kt_resp_free(&r);
        KT_EQ_INT(get(&sv, &c, "/media/x", &r), 404);
        kt_resp_free(&r);
    }
    /* the public: sent to log in, and not a byte of the image */
    KT_EQ_INT(get(&sv, NULL, "/media/1", &r), 303);
    KT_CHECK(!r.body || !strstr(r.body, "GIF89a"));
    kt_resp_free(&r);
    kt_client bad;
    memset(&bad, 0, sizeof bad);
    snprintf(bad.cookie, sizeof bad.cookie, "kuzet_session=forged");
    KT_EQ_INT(get(&sv, &bad, "/media/1", &r), 303);
    KT_CHECK(!r.body || !strstr(r.body, "GIF89a"));
    kt_resp_free(&r);

    /* blurred and grey by default, each with its own reveal */
    kt_client ann, bob;
    memset(&ann, 0, sizeof ann);
    memset(&bob, 0, sizeof bob);
    KT_EQ_INT(kt_login_http(&sv, &ann, "ann"), 200);
    KT_EQ_INT(kt_login_http(&sv, &bob, "bob"), 200);
    KT_EQ_INT(get(&sv, &ann, "/items/1/images", &r), 200);
    /* a real button around the image, nothing interactive nested in it
     * (axe-core's nested-interactive, in the browser walk) */
    KT_CHECK(strstr(r.body, "<figure class=\"media blur grey\" id=\"m1\"><button type=\"button\" "
                            "class=\"shield\" aria-pressed=\"false\"><img") != NULL);
    KT_CHECK(!strstr(r.body, "role=\"button\""));
    KT_CHECK(strstr(r.body, "<img src=\"/media/1\"") != NULL);
    KT_CHECK(strstr(r.body, "href=\"/media/1/view\"") != NULL);       /* without JavaScript */
    KT_CHECK(!strstr(r.body, "autoplay"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/cases/1", &r), 200);                    /* on the review page */
    KT_CHECK(strstr(r.body, "<figure class=\"media blur grey\" id=\"m1\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/media/1/view", &r), 200);               /* revealed, alone */
    KT_CHECK(strstr(r.body, "<figure class=\"media revealed\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/items/2/images", &r), 200);
    KT_CHECK(!strstr(r.body, "<figure"));
    kt_resp_free(&r);

    /* ann turns blurring off: her images are grey only; bob's still blurred */
    KT_EQ_INT(get(&sv, &ann, "/settings", &r), 200);
    KT_CHECK(strstr(r.body, "name=\"blur\" value=\"1\" checked") != NULL);
    KT_CHECK(strstr(r.body, "name=\"greyscale\" value=\"1\" checked") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &ann, "/settings", "greyscale=1&lang=", &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", h, sizeof h), "/settings?saved=1");
    KT_CHECK(kt_resp_header(&r, "Set-Cookie", h, sizeof h) && !strncmp(h, "lang=; ", 7));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/items/1/images", &r), 200);
    KT_CHECK(strstr(r.body, "<figure class=\"media grey\" id=\"m1\"") != NULL);
    KT_CHECK(!strstr(r.body, "media blur"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/cases/1", &r), 200);
    KT_CHECK(strstr(r.body, "<figure class=\"media grey\" id=\"m1\"") != NULL);
    KT_CHECK(!strstr(r.body, "media blur"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &bob, "/items/1/images", &r), 200);
    KT_CHECK(strstr(r.body, "<figure class=\"media blur grey\"") != NULL);
    kt_resp_free(&r);
    /* both off; and a language, set for the browser by the switch */
    KT_EQ_INT(form(&sv, &ann, "/settings", "lang=kk", &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", h, sizeof h), "/lang/kk?next=/settings%3Fsaved%3D1");
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/items/1/images", &r), 200);
    KT_CHECK(strstr(r.body, "<figure class=\"media\" id=\"m1\"") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &ann, "/settings", "blur=1&greyscale=1&lang=de", &r), 422);
    KT_CHECK(strstr(r.body, "field-error") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/settings", &r), 200);
    KT_CHECK(strstr(r.body, "value=\"kk\" lang=\"kk\" selected") != NULL);
    KT_CHECK(!strstr(r.body, "name=\"blur\" value=\"1\" checked"));
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_pages_users_add_enrol_disable)
{
    kt_server sv;
    kt_client root, ann, nb;
    kt_resp r;
    char token[128] = "", cmd[2048];
    if (kt_serve_start(&sv, "webusers", 0, setup, NULL))
        return;
    memset(&root, 0, sizeof root);
    memset(&ann, 0, sizeof ann);
    memset(&nb, 0, sizeof nb);
    KT_EQ_INT(kt_login_http(&sv, &root, "root"), 200);
    KT_EQ_INT(kt_login_http(&sv, &ann, "ann"), 200);
    KT_EQ_INT(form(&sv, &ann, "/users", "name=newbie&role=reviewer", &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &root, "/users", "name=newbie&role=reviewer", &r), 201);
    const char *t = r.body ? strstr(r.body, "<code class=\"token\">") : NULL;
    KT_CHECK(t != NULL);
    if (t) {
        t += strlen("<code class=\"token\">");
        size_t n = strcspn(t, "<");
        snprintf(token, sizeof token, "%.*s", (int)n, t);
    }
    KT_CHECK(!strncmp(token, "kze_", 4) && strlen(token) == 47);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &root, "/users", &r), 200);          /* listed; the token shown once */
    KT_CHECK(strstr(r.body, "<td>newbie</td>") != NULL);
    KT_CHECK(token[0] && !strstr(r.body, token));
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &root, "/users", "name=newbie&role=reviewer", &r), 422);
    KT_CHECK(strstr(r.body, "exists already") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &root, "/users", "name=Bad+Name&role=reviewer", &r), 422);
    kt_resp_free(&r);

    /* the person enrols with the token, as the command line does, and logs in */
    snprintf(cmd, sizeof cmd, "KUZET_NEW_PASSWORD=newbie-password-123 KUZET_DB='%s' "
             "KUZET_AUDIT_KEY='%s' '%s' users enrol '%s'", sv.uri, sv.key, kt_bin(), token);
    char *out = NULL, *err = NULL;
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    free(out);
    free(err);
    KT_EQ_INT(kt_login_http(&sv, &nb, "newbie"), 200);
    KT_EQ_INT(get(&sv, &nb, "/settings", &r), 200);
    kt_resp_free(&r);

    /* disabled by the admin: refused from then on */
    KT_EQ_INT(form(&sv, &root, "/users/newbie/disable", "", &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", cmd, sizeof cmd), "/users");
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &root, "/users/newbie/disable", "", &r), 409);   /* already */
    kt_resp_free(&r);
    KT_EQ_INT(form(&sv, &root, "/users/nobody/disable", "", &r), 404);
    kt_resp_free(&r);
    KT_CHECK(get(&sv, &nb, "/settings", &r) != 200);
    kt_resp_free(&r);
    memset(&nb, 0, sizeof nb);
    KT_CHECK(kt_login_http(&sv, &nb, "newbie") != 200);
    KT_EQ_INT(get(&sv, &root, "/users", &r), 200);
    KT_CHECK(strstr(r.body, "<td>newbie</td><td>reviewer</td><td>disabled</td>") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
