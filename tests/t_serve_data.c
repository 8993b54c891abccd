/*
 * tests/t_serve_data.c - the data routes of kuzet serve for staff, over
 * real HTTP (serve/routes_rules.c, routes_banks.c): the rules and the rule
 * tester, the scan of posted JSON Lines (the same lines `kuzet scan` prints), the
 * banks (list, create, add, match a signal, match an uploaded file as the
 * body and as multipart/form-data, HMA's raw_lookup); each route with the
 * roles it allows and refuses, and bad input on each (a 4xx, never a 500).
 */
#include "kt.h"
#include "kt_serve.h"
#include "pipeline/bankquery.h"
#include "store/bank.h"
#include <stdlib.h>

#define RULES "tests/golden/scan/0001-evasions/rules.yaml"

/* root (admin), ann and bob (reviewers), sue and sam (supervisors), al
 * (analyst), aud (auditor); passwords NAME-password-123 */
static void staff(kz_store *s)
{
    kt_staff p;
    kt_staff_login(s, &p);
    kt_add_person(p.root, "aud", "auditor");
    kt_staff_release(&p);
}

static long call(const kt_server *sv, kt_client *cl, const char *method, const char *path,
                 const char *ctype, const char *body, kt_resp *r)
{
    return kt_httpx(sv, cl, method, path, ctype, body, body ? strlen(body) : 0, NULL, r);
}

/* status and, for an error, its code; never a 500 */
static void want(const kt_server *sv, kt_client *cl, const char *method, const char *path,
                 const char *ctype, const char *body, long status, const char *code)
{
    kt_resp r;
    long st = call(sv, cl, method, path, ctype, body, &r);
    if (st != status)
        kt_fail(__FILE__, __LINE__, "%s %s: %ld, expected %ld: %s", method, path, st, status,
                r.body ? r.body : "");
    if (code) {
        char *e = r.body ? strstr(r.body, "\"code\":\"") : NULL;
        if (!e || strncmp(e + 8, code, strlen(code)) || e[8 + strlen(code)] != '"')
            kt_fail(__FILE__, __LINE__, "%s %s: body %s, expected code %s", method, path,
                    r.body ? r.body : "", code);
    }
    kt_resp_free(&r);
}

static void data_routes(int pg)
{
    kt_server sv;
    kt_client al, ann, aud, root, none;
    kt_resp r;
    char v[256];
    static const char *const extra[] = { "--rules", RULES, NULL };
    memset(&al, 0, sizeof al);
    memset(&ann, 0, sizeof ann);
    memset(&aud, 0, sizeof aud);
    memset(&root, 0, sizeof root);
    memset(&none, 0, sizeof none);
    if (kt_serve_start(&sv, "data", pg, staff, extra))
        return;
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    KT_EQ_INT(kt_login_http(&sv, &ann, "ann"), 200);
    KT_EQ_INT(kt_login_http(&sv, &aud, "aud"), 200);

    /* ---- rules: every staff role reads them */
    KT_EQ_INT(call(&sv, &aud, "GET", "/api/v1/rules", NULL, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "{\"id\":\"drugs-stash\",\"category\":\"drugs\",\"weight\":50}") != NULL);
    KT_CHECK(strstr(r.body, "{\"name\":\"drugs\",\"threshold\":50}") != NULL);
    kt_resp_free(&r);
    want(&sv, &none, "GET", "/api/v1/rules", NULL, NULL, 401, "unauthenticated");
    want(&sv, &aud, "GET", "/api/v1/rules?x=1", NULL, NULL, 400, "invalid_query");

    /* ---- the rule tester: not the auditor */
    KT_EQ_INT(call(&sv, &ann, "POST", "/api/v1/rules/test", NULL,
                   "{\"text\":\"Продам З а к л а д к а 500\"}", &r), 200);
    KT_CHECK(strstr(r.body, "\"normalized\":\"продам закладка 500\"") != NULL);
    KT_CHECK(strstr(r.body, "\"flagged\":[\"drugs\"]") != NULL);
    KT_CHECK(strstr(r.body, "\"match\":\"З а к л а д к а\"") != NULL);
    kt_resp_free(&r);
    want(&sv, &aud, "POST", "/api/v1/rules/test", NULL, "{\"text\":\"x\"}", 403, "forbidden");
    want(&sv, &ann, "POST", "/api/v1/rules/test", NULL, "{\"text\":1}", 422, "invalid");
    want(&sv, &ann, "POST", "/api/v1/rules/test", NULL, "{\"txt\":\"x\"}", 422, "invalid");
    want(&sv, &ann, "POST", "/api/v1/rules/test", NULL, "{}", 422, "invalid");
    want(&sv, &ann, "POST", "/api/v1/rules/test", NULL, "{\"text\":", 400, "invalid_json");
    want(&sv, &ann, "POST", "/api/v1/rules/test", "text/plain", "{\"text\":\"x\"}", 415,
         "unsupported_media_type");

    /* ---- the scan: the lines kuzet scan prints, and the bad lines */
    char *input = kt_slurp("tests/golden/scan/0001-evasions/input.jsonl", NULL);
    char *expect = kt_slurp("tests/golden/scan/0001-evasions/expected.out", NULL);
    KT_CHECK(input && expect);
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/scan", "application/x-ndjson", input, &r), 200);
    /* every line of expected.out is one result, in order */
    char *p = expect, *q = r.body;
    for (char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        *nl = '\0';
        char *at = strstr(q, p);
        if (!at)
            kt_fail(__FILE__, __LINE__, "scan: line '%s' not in the answer", p);
        else
            q = at + strlen(p);
    }
    KT_CHECK(strncmp(r.body, "{\"records\":", 11) == 0);
    KT_CHECK(strstr(r.body, "\"errors\":[]}") != NULL);
    kt_resp_free(&r);
    free(input);
    free(expect);
    KT_EQ_INT(call(&sv, &al, "POST", "/api/v1/scan?flagged_only=1", "application/x-ndjson",
                   "{\"id\":1,\"text\":\"закладка\"}\nnot json\n{\"id\":2,\"text\":\"погода\"}\n",
                   &r), 200);
    KT_CHECK(strncmp(r.body, "{\"records\":2,\"flagged\":1,\"rejected\":1,\"results\":"
                             "[{\"id\":1,\"line\":1,", 60) == 0);
    KT_CHECK(strstr(r.body, "\"errors\":[\"body:2: ") != NULL);
    KT_CHECK(strstr(r.body, "\"id\":2") == NULL);
    kt_resp_free(&r);
    KT_EQ_INT(call(&sv, &al, "POST", "/api/v1/scan", "application/x-ndjson", "", &r), 200);
    KT_EQ_STR(r.body, "{\"records\":0,\"flagged\":0,\"rejected\":0,\"results\":[],\"errors\":[]}\n");
    kt_resp_free(&r);
    want(&sv, &al, "POST", "/api/v1/scan?flagged_only=yes", "application/x-ndjson", "", 400,
         "invalid_query");
    want(&sv, &none, "POST", "/api/v1/scan", "application/x-ndjson", "", 401, "unauthenticated");
    want(&sv, &al, "GET", "/api/v1/scan", NULL, NULL, 405, "method_not_allowed");

    /* ---- banks */
    want(&sv, &ann, "POST", "/api/v1/banks", NULL, "{\"name\":\"x\",\"signal_type\":\"sha256\"}", 403,
         "forbidden");                                            /* reviewers do not */
    KT_EQ_INT(call(&sv, &al, "POST", "/api/v1/banks", NULL,
                   "{\"name\":\"drugs-sha256\",\"signal_type\":\"sha256\"}", &r), 201);
    kt_resp_free(&r);
    want(&sv, &al, "POST", "/api/v1/banks", NULL, "{\"name\":\"drugs-sha256\",\"signal_type\":\"sha256\"}",
         409, "conflict");
    want(&sv, &al, "POST", "/api/v1/banks", NULL, "{\"name\":\"Bad Name\",\"signal_type\":\"sha256\"}",
         422, "invalid");
    want(&sv, &al, "POST", "/api/v1/banks", NULL, "{\"name\":\"b\",\"signal_type\":\"crc32\"}", 422,
         "invalid");
    want(&sv, &al, "POST", "/api/v1/banks", NULL, "{\"name\":\"b\",\"signal_type\":\"pdq\",\"threshold\":999}",
         422, "invalid");
    /* sha256("hello world") */
    const char *hw = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    char body[512];
    snprintf(body, sizeof body, "{\"signal\":\"%s\",\"tags\":\"test\"}", hw);
    KT_EQ_INT(call(&sv, &al, "POST", "/api/v1/banks/drugs-sha256/entries", NULL, body, &r), 201);
    kt_resp_free(&r);
    KT_EQ_INT(call(&sv, &al, "POST", "/api/v1/banks/drugs-sha256/entries", NULL, body, &r), 200);
    KT_EQ_STR(r.body, "{\"added\":false}\n");
    kt_resp_free(&r);
    want(&sv, &al, "POST", "/api/v1/banks/nope/entries", NULL, body, 404, "not_found");
    want(&sv, &al, "POST", "/api/v1/banks/drugs-sha256/entries", NULL, "{\"signal\":\"zz\"}", 422,
         "invalid");
    want(&sv, &aud, "POST", "/api/v1/banks/drugs-sha256/entries", NULL, body, 403, "forbidden");
    KT_EQ_INT(call(&sv, &aud, "GET", "/api/v1/banks", NULL, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"name\":\"drugs-sha256\",\"signal_type\":\"sha256\",\"threshold\":0,"
                            "\"kind\":\"block\",\"entries\":1") != NULL);
    kt_resp_free(&r);

    /* match a signal, and HMA's lookup */
    snprintf(body, sizeof body, "{\"signal_type\":\"sha256\",\"signal\":\"%s\"}", hw);
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match", NULL, body, &r), 200);
    KT_CHECK(strstr(r.body, "\"bank\":\"drugs-sha256\"") && strstr(r.body, "\"tags\":\"test\""));
    kt_resp_free(&r);
    want(&sv, &aud, "POST", "/api/v1/banks/match", NULL,
         "{\"signal_type\":\"sha256\",\"signal\":\"abc\"}", 422, "invalid");
    want(&sv, &aud, "POST", "/api/v1/banks/match", NULL,
         "{\"signal_type\":\"nope\",\"signal\":\"abc\"}", 422, "invalid");
    want(&sv, &aud, "POST", "/api/v1/banks/match", NULL, "{\"signal\":\"abc\"}", 422, "invalid");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/hma/m/raw_lookup?signal_type=sha256&signal=%s", hw);
    KT_EQ_INT(call(&sv, &aud, "GET", path, NULL, NULL, &r), 200);
    KT_EQ_STR(r.body, "{\"matches\":[1]}\n");
    kt_resp_free(&r);
    KT_EQ_INT(call(&sv, &aud, "GET", "/api/v1/hma/m/raw_lookup?signal_type=md5&signal="
                   "00000000000000000000000000000000", NULL, NULL, &r), 200);
    KT_EQ_STR(r.body, "{\"matches\":[]}\n");
    kt_resp_free(&r);
    want(&sv, &aud, "GET", "/api/v1/hma/m/raw_lookup?signal_type=sha256", NULL, NULL, 400,
         "invalid_query");
    want(&sv, &aud, "GET", "/api/v1/hma/m/raw_lookup?signal_type=x&signal=1", NULL, NULL, 422,
         "invalid");

    /* match a file: the body, and the form field "file" */
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match-file", "application/octet-stream",
                   "hello world", &r), 200);
    KT_CHECK(strstr(r.body, "\"signal\":\"b94d27b9") != NULL);
    kt_resp_free(&r);
    const char *form = "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                       "Content-Type: text/plain\r\n\r\nhello world\r\n--XyZ--\r\n";
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match-file",
                   "multipart/form-data; boundary=XyZ", form, &r), 200);
    KT_CHECK(strstr(r.body, "\"signal\":\"b94d27b9") != NULL);
    kt_resp_free(&r);
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match-file", "application/octet-stream",
                   "something else", &r), 200);
    KT_EQ_STR(r.body, "{\"matches\":[],\"suppressed\":0}\n");
    kt_resp_free(&r);
    want(&sv, &aud, "POST", "/api/v1/banks/match-file", "application/octet-stream", "", 422,
         "invalid");
    want(&sv, &aud, "POST", "/api/v1/banks/match-file", "multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n", 422,
         "invalid");
    want(&sv, &aud, "POST", "/api/v1/banks/match-file", "multipart/form-data", "x", 400,
         "invalid_form");
    want(&sv, &none, "POST", "/api/v1/banks/match-file", "application/octet-stream", "x", 401,
         "unauthenticated");
    (void)v;
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_data_routes) { data_routes(0); }
KT_TEST(serve_data_routes_pg) { data_routes(1); }

/* Without --rules: the rules, the tester and the scan say so (404). */
KT_TEST(serve_data_without_rules)
{
    kt_server sv;
    kt_client al;
    memset(&al, 0, sizeof al);
    if (kt_serve_start(&sv, "norules", 0, staff, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    want(&sv, &al, "GET", "/api/v1/rules", NULL, NULL, 404, "not_found");
    want(&sv, &al, "POST", "/api/v1/rules/test", NULL, "{\"text\":\"x\"}", 404, "not_found");
    want(&sv, &al, "POST", "/api/v1/scan", "application/x-ndjson", "{\"text\":\"x\"}", 404,
         "not_found");
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* ---- a near copy of a banked text, uploaded ------------------------------- */

static const char nc_orig[] =
    "Продам закладка недорого в центре города возле старого парка у фонтана, пишите в личку, "
    "доставка каждый день после обеда, оплата только переводом на карту, скидка постоянным "
    "покупателям и новым друзьям, качество проверено, отзывы есть в группе, не пропустите";
/* a word dropped and a few changed: too far for the SimHash alone */
static const char nc_copy[] =
    "Продам недорого в центре города возле нового парка у фонтана, пишите в личку, "
    "доставка каждый вечер после обеда, оплата только переводом на карту, скидка постоянным "
    "клиентам и новым друзьям, качество проверено, отзывы есть в канале, не пропустите";

/* staff, and the original text banked with its SimHash and MinHash, as a
 * decision banks it */
static void staff_and_text(kz_store *s)
{
    kz_simhash *sh = kz_simhash_new();
    kz_minhash *mh = kz_minhash_new();
    kz_banks *bk = NULL;
    kz_bankqs qs;
    int added = 0;
    staff(s);
    KT_EQ_INT(kz_bankq_content(nc_orig, strlen(nc_orig), sh, mh, &qs), 0);
    KT_CHECK(qs.v[0].type == KZ_BANK_SIMHASH && qs.minhash[0]);
    KT_EQ_INT(kz_bank_open(&bk, s), 0);
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_bank_add_text_tx(bk, "system", "drugs-text", qs.v[0].hex[0], qs.minhash, "drugs",
                                  "import", &added), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(added, 1);
    kz_bank_close(&bk);
    kz_simhash_free(sh);
    kz_minhash_free(mh);
}

static void near_copy_on(int pg)
{
    kt_server sv;
    kt_client aud;
    kt_resp r;
    char v[64];
    memset(&aud, 0, sizeof aud);
    if (kt_serve_start(&sv, "nearcopy", pg, staff_and_text, NULL))
        return;
    KT_EQ_INT(kt_login_http(&sv, &aud, "aud"), 200);
    /* the bank, named as kuzet bank list --json names it */
    KT_EQ_INT(call(&sv, &aud, "GET", "/api/v1/banks", NULL, NULL, &r), 200);
    KT_CHECK(strstr(r.body, "{\"name\":\"drugs-text\",\"signal_type\":\"simhash\",\"threshold\":14,"
                            "\"kind\":\"block\",\"entries\":1,\"created_at\":\"") != NULL);
    kt_resp_free(&r);
    /* the edited copy, uploaded: matched by its MinHash, with both distances */
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match-file", "text/plain", nc_copy, &r), 200);
    KT_CHECK(strstr(r.body, "{\"matches\":[{\"bank\":\"drugs-text\",\"signal_type\":\"simhash\"") != NULL);
    const char *d = kt_json_get(strstr(r.body, "[{") ? strstr(r.body, "[{") + 1 : "", "distance", v,
                                sizeof v);
    KT_CHECK(d && atoi(d) > 14);                  /* the SimHash alone is too far */
    d = kt_json_get(strstr(r.body, "[{") ? strstr(r.body, "[{") + 1 : "", "minhash_distance", v,
                    sizeof v);
    KT_CHECK(d && atoi(d) >= 1 && atoi(d) <= KZ_MINHASH_THRESHOLD);
    KT_CHECK(strstr(r.body, "\"tags\":\"drugs\"}],\"suppressed\":0}") != NULL);
    kt_resp_free(&r);
    /* the same as multipart/form-data */
    kz_buf form;
    kz_buf_init(&form, KZ_BUF_NOLIMIT);
    kz_buf_addf(&form, "--B0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.txt\"\r\n"
                       "Content-Type: text/plain\r\n\r\n%s\r\n--B0--\r\n", nc_copy);
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match-file",
                   "multipart/form-data; boundary=B0", form.p, &r), 200);
    KT_CHECK(strstr(r.body, "\"minhash_distance\":") != NULL);
    kt_resp_free(&r);
    kz_buf_release(&form);
    /* an unrelated text: nothing */
    KT_EQ_INT(call(&sv, &aud, "POST", "/api/v1/banks/match-file", "text/plain",
                   "Продам велосипед недорого, почти новый, пишите в личку", &r), 200);
    KT_EQ_STR(r.body, "{\"matches\":[],\"suppressed\":0}\n");
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_bank_match_near_copy) { near_copy_on(0); }
KT_TEST(serve_bank_match_near_copy_pg) { near_copy_on(1); }
