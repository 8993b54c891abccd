/*
 * tests/t_web_pages.c - the reviewers' web app over real HTTP
 * (serve/routes_pages.c): the images kept for review served to staff only,
 * with their content type and nosniff, never to the public.
 */
#include "kt.h"
#include "kt_serve.h"
#include "case/case.h"
#include "store/media.h"

/* A GIF's first bytes: kept bytes need not decode to be served back. */
static const char GIF[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";

/* the staff (kt_serve_staff); case 1 on item 1, with image 1 kept */
static void setup(kz_store *s)
{
    kt_serve_staff(s);
    static const char url[] = "https://forum.example.kz/t/1", text[] = "post 1 dead drop";
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 4, NULL };
    kz_flag_in f = { "drugs", 50 };
    kz_ingest_out out;
    kz_media_in m = { "a.gif", "ab", "cd", NULL, 0 };
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    KT_EQ_INT(kz_media_add(s, out.item_id, &m), 0);
    KT_EQ_INT(kz_media_keep(s, out.item_id, "ab", "image/gif", GIF, sizeof GIF - 1), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
}

KT_TEST(web_pages_media_staff_only)
{
    kt_server sv;
    kt_resp r;
    char h[128];
    if (kt_serve_start(&sv, "webmedia", 0, setup, NULL))
        return;
    static const char *const staff[] = { "al", "ann", "sue", "aud", "root" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(staff); i++) {
        kt_client c;
        memset(&c, 0, sizeof c);
        KT_EQ_INT(kt_login_http(&sv, &c, staff[i]), 200);
        KT_EQ_INT(kt_http(&sv, &c, "GET", "/media/1", NULL, &r), 200);
        KT_CHECK(r.len == sizeof GIF - 1 && !memcmp(r.body, GIF, r.len));
        KT_EQ_STR(kt_resp_header(&r, "Content-Type", h, sizeof h), "image/gif");
        KT_EQ_STR(kt_resp_header(&r, "X-Content-Type-Options", h, sizeof h), "nosniff");
        KT_EQ_STR(kt_resp_header(&r, "Cache-Control", h, sizeof h), "private, no-store");
        KT_CHECK(kt_resp_header(&r, "Content-Security-Policy", h, sizeof h) != NULL);
        kt_resp_free(&r);
        KT_EQ_INT(kt_http(&sv, &c, "GET", "/media/2", NULL, &r), 404);
        kt_resp_free(&r);
        KT_EQ_INT(kt_http(&sv, &c, "GET", "/media/x", NULL, &r), 404);
        kt_resp_free(&r);
    }
    /* the public: refused, and not a byte of the image */
    long st = kt_http(&sv, NULL, "GET", "/media/1", NULL, &r);
    KT_CHECK(st == 401 || st == 303);                  /* refused, or sent to log in */
    KT_CHECK(!r.body || !strstr(r.body, "GIF89a"));
    kt_resp_free(&r);
    kt_client bad;
    memset(&bad, 0, sizeof bad);
    snprintf(bad.cookie, sizeof bad.cookie, "kuzet_session=forged");
    KT_CHECK(kt_http(&sv, &bad, "GET", "/media/1", NULL, &r) != 200);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
