/*
 * tests/t_serve_platforms.c - the platforms and notice routes of kuzet
 * serve (serve/routes_platforms.c) against the real server: who may add
 * and change a platform, the library's refusals as 422/409/403, one notice
 * with its text, answers by staff and by a platform's liaison token (its
 * own platform's notices only).
 */
#include "kt.h"
#include "kt_serve.h"
#include "case/case.h"
#include "store/store.h"
#include <stdlib.h>

/* the staff, and notice 1 to x.kz (case 1) */
static void setup(kz_store *s)
{
    kt_serve_staff(s);
    const char *url = "https://x.example.kz/p/1", *text = "пост закладка";
    kz_item_in it = { url, strlen(url), "x.kz", 4, "p1", 2, NULL, 0, NULL, 0, text, strlen(text),
                      NULL };
    kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 8, NULL, NULL, 0 };
    kz_flag_in f = { "drugs", 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    kz_actor *al = kt_login(s, "al"), *ann = kt_login(s, "ann");
    kz_decision_in dec = { "removal_request", "Law, art. 19", "Selling drugs", "KZ", NULL, 30 };
    if (al && ann) {
        KT_EQ_INT(kz_case_assign(al, 1, "ann"), 0);
        KT_EQ_INT(kz_case_decide(ann, 1, &dec, NULL), 0);
        KT_EQ_INT(kz_case_notify(al, 1, NULL, NULL, NULL), 0);
    }
    kz_account_logout(&al);
    kz_account_logout(&ann);
}

static void routes_on(int pg)
{
    kt_server sv;
    kt_client sue, al, root;
    kt_resp r;
    char v[256];
    if (kt_serve_start(&sv, "platforms", pg, setup, NULL))
        return;
    memset(&sue, 0, sizeof sue);
    memset(&al, 0, sizeof al);
    memset(&root, 0, sizeof root);
    KT_EQ_INT(kt_login_http(&sv, &sue, "sue"), 200);
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    KT_EQ_INT(kt_login_http(&sv, &root, "root"), 200);
    /* add: a supervisor; an analyst may not; each field checked */
    KT_EQ_INT(kt_http(&sv, &al, "POST", "/api/v1/platforms", "{\"name\":\"x.kz\"}", &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "POST", "/api/v1/platforms",
                      "{\"name\":\"x.kz\",\"email\":\"n x@x.kz\"}", &r), 422);
    KT_CHECK(strstr(r.body, "notice e-mail") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "POST", "/api/v1/platforms",
                      "{\"name\":\"x.kz\",\"email\":\"n@x.kz\",\"language\":\"kk\","
                      "\"endpoint\":\"http://127.0.0.1:9/n\"}", &r), 201);
    KT_EQ_STR(kt_json_get(r.body, "endpoint", v, sizeof v), "http://127.0.0.1:9/n");
    KT_EQ_STR(kt_json_get(r.body, "id", v, sizeof v), "1");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "POST", "/api/v1/platforms", "{\"name\":\"x.kz\"}", &r), 409);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "POST", "/api/v1/platforms", "{\"email\":\"n@x.kz\"}", &r), 422);
    kt_resp_free(&r);
    /* change: the law's threshold */
    KT_EQ_INT(kt_http(&sv, &sue, "PATCH", "/api/v1/platforms/1", "{\"monthly_users\":150000}",
                      &r), 422);
    KT_CHECK(strstr(r.body, "legal representative") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "PATCH", "/api/v1/platforms/1",
                      "{\"monthly_users\":150000,\"legal_representative\":\"X Kazakhstan LLP\","
                      "\"legal_representative_email\":\"legal@x.kz\"}", &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "monthly_users", v, sizeof v), "150000");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "PATCH", "/api/v1/platforms/7", "{\"language\":\"ru\"}", &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &sue, "PATCH", "/api/v1/platforms/1", "{\"name\":\"y\"}", &r), 422);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/api/v1/platforms", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"legal_representative_email\":\"legal@x.kz\"") != NULL);
    kt_resp_free(&r);
    /* one notice, in the platform's language */
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/api/v1/notices/1", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "Хабарлама 1") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "GET", "/api/v1/notices/2", NULL, &r), 404);
    kt_resp_free(&r);
    /* answers: staff who work cases; not an admin */
    KT_EQ_INT(kt_http(&sv, &al, "POST", "/api/v1/notices/1/answer", "{\"text\":\"Removed today\"}",
                      &r), 201);
    KT_EQ_STR(kt_json_get(r.body, "answer_id", v, sizeof v), "1");
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/notices/1/answer", "{\"text\":\"Removed\"}",
                      &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &al, "POST", "/api/v1/notices/1/answer", "{\"text\":\"  \"}", &r), 422);
    kt_resp_free(&r);
    /* a liaison's token: its platform's notices only */
    kt_client x, y;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"al\",\"name\":\"x liaison\",\"platform\":\"x.kz\"}", &r), 201);
    kt_json_get(r.body, "token", x.token, sizeof x.token);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &root, "POST", "/api/v1/tokens",
                      "{\"account\":\"al\",\"name\":\"y liaison\",\"platform\":\"y.kz\"}", &r), 201);
    kt_json_get(r.body, "token", y.token, sizeof y.token);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &y, "GET", "/api/v1/notices/1", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &y, "POST", "/api/v1/notices/1/answer", "{\"text\":\"Not ours\"}", &r),
              404);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &y, "GET", "/api/v1/platforms", NULL, &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &x, "POST", "/api/v1/notices/1/answer",
                      "{\"text\":\"Removed by the platform\"}", &r), 201);
    kt_resp_free(&r);
    KT_EQ_INT(kt_http(&sv, &x, "GET", "/api/v1/notices/1", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"answers\":2") != NULL);
    KT_CHECK(strstr(r.body, "Removed by the platform") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_platforms_routes) { routes_on(0); }
KT_TEST(serve_platforms_routes_pg) { routes_on(1); }
