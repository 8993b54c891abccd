/*
 * tests/t_serve_public.c - the public and data routes of kuzet serve over
 * real HTTP (serve/routes_check.c): the plain check, the private check's
 * prefix list and full hashes (with `kuzet check --server` end to end, and
 * the changes since a version after a new decision), every blocklist export
 * with its ETag and 304, the RPZ serial, bad input on each route (a 4xx,
 * never a 500), and the routes for staff refused without credentials.
 * On SQLite, and on PostgreSQL when KUZET_TEST_PG is set.
 */
#include "kt.h"
#include "kt_serve.h"
#include "store/db.h"
#include "store/store.h"
#include <stdlib.h>
#include <unistd.h>

/* an approved decision of measure on an item at url */
static void decide(kz_store *s, const char *url, const char *measure, const char *scope)
{
    static int n;
    char sql[1024];
    int64_t item = 0, cs = 0;
    kz_db *db = kz_store_db(s);
    snprintf(sql, sizeof sql, "INSERT INTO items (url, canonical_url, content_sha256, first_seen,"
             " last_seen) VALUES ('%s', '%s', 'sp%d-%d', '2026-01-01T00:00:00Z',"
             " '2026-01-01T00:00:00Z') RETURNING id", url, url, (int)getpid(), ++n);
    KT_EQ_INT(kz_db_int(db, sql, NULL, 0, &item), 0);
    snprintf(sql, sizeof sql, "INSERT INTO cases (item_id, category, state, score, opened_at,"
             " updated_at) VALUES (%lld, 'drugs', 'decided', 50, '2026-01-01T00:00:00Z',"
             " '2026-01-01T00:00:00Z') RETURNING id", (long long)item);
    KT_EQ_INT(kz_db_int(db, sql, NULL, 0, &cs), 0);
    snprintf(sql, sizeof sql, "INSERT INTO decisions (case_id, measure, territorial_scope,"
             " starts_at, legal_basis, automated_detection, decided_by, approved_by, decided_at)"
             " VALUES (%lld, '%s', '%s', '2026-01-01T00:00:00Z', 'Law, art. 1', 1, 1, 2,"
             " '2026-01-01T00:00:00Z')", (long long)cs, measure, scope);
    KT_EQ_INT(kz_db_exec(db, sql), 0);
}

static void setup(kz_store *s)
{
    kt_store_accounts(s);
    decide(s, "https://example.com/x", "domain_block", "KZ");        /* decision 1 */
    decide(s, "http://shop.kz/bad/", "url_block", "KZ");             /* decision 2 */
    decide(s, "https://c.kz/v", "geo_restriction", "KZ, Almaty");    /* decision 3 */
}

/* A 4xx JSON error with code (never a 500). */
static void want_error(const kt_server *sv, const char *method, const char *path, long status,
                       const char *code)
{
    kt_resp r;
    char v[64];
    long st = kt_http(sv, NULL, method, path, NULL, &r);
    if (st != status)
        kt_fail(__FILE__, __LINE__, "%s %s: %ld, expected %ld: %s", method, path, st, status,
                r.body ? r.body : "");
    char *e = r.body ? strstr(r.body, "\"code\":\"") : NULL;
    if (!e || strncmp(e + 8, code, strlen(code)))
        kt_fail(__FILE__, __LINE__, "%s %s: body %s, expected code %s", method, path,
                r.body ? r.body : "", code);
    (void)v;
    kt_resp_free(&r);
}

static long get(const kt_server *sv, const char *path, const char *inm, kt_resp *r)
{
    char h[512];
    snprintf(h, sizeof h, "If-None-Match: %s", inm ? inm : "");
    const char *const hs[] = { h, NULL };
    return kt_httpx(sv, NULL, "GET", path, NULL, NULL, 0, inm ? hs : NULL, r);
}

static void check_routes(int pg)
{
    kt_server sv;
    kt_resp r;
    char v[256], etag[128];
    static const char *const extra[] = { "--list-age", "1s", "--rules",
                                         "tests/golden/scan/0001-evasions/rules.yaml", NULL };
    if (kt_serve_start(&sv, "public", pg, setup, extra))
        return;

    /* ---- the plain check */
    KT_EQ_INT(get(&sv, "/api/v1/check?url=https%3A%2F%2Fa.b.EXAMPLE.com%3A443%2Fx", NULL, &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "result", v, sizeof v), "blocked");
    KT_EQ_STR(kt_json_get(r.body, "decision_id", v, sizeof v), "1");
    KT_EQ_STR(kt_json_get(r.body, "expression", v, sizeof v), "example.com/");
    KT_EQ_STR(kt_json_get(r.body, "version", v, sizeof v), "1");
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/check?url=http://good.kz%252f@shop.kz/bad/x", NULL, &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "result", v, sizeof v), "blocked");
    KT_EQ_STR(kt_json_get(r.body, "expression", v, sizeof v), "shop.kz/bad/");
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/check?url=https://c.kz/v", NULL, &r), 200);   /* geo: not here */
    KT_EQ_STR(kt_json_get(r.body, "result", v, sizeof v), "ok");
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/check?url=http://1.2.3.4.5/", NULL, &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "result", v, sizeof v), "invalid");
    KT_EQ_STR(kt_json_get(r.body, "reason", v, sizeof v), "bad IPv4 address");
    kt_resp_free(&r);
    want_error(&sv, "GET", "/api/v1/check", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/check?url=", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/check?url=x&y=1", 400, "invalid_query");
    want_error(&sv, "POST", "/api/v1/check?url=x", 405, "method_not_allowed");

    /* ---- the prefix list */
    KT_EQ_INT(get(&sv, "/api/v1/blocklist/prefixes", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"additions\":[\"0125c6ea\",\"73d986e0\"]") != NULL);
    KT_EQ_STR(kt_json_get(r.body, "checksum", v, sizeof v),
              "7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21");
    KT_CHECK(kt_resp_header(&r, "ETag", etag, sizeof etag) != NULL);
    KT_EQ_STR(kt_resp_header(&r, "X-Blocklist-Version", v, sizeof v), "1");
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/blocklist/prefixes", etag, &r), 304);
    KT_EQ_INT(r.len, 0);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/blocklist/prefixes?since=1", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"type\":\"diff\",\"since\":1") && strstr(r.body, "\"additions\":[]"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/blocklist/prefixes?since=999", NULL, &r), 200);
    KT_CHECK(strstr(r.body, "\"type\":\"full\"") != NULL);
    kt_resp_free(&r);
    want_error(&sv, "GET", "/api/v1/blocklist/prefixes?since=-1", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/blocklist/prefixes?since=1x", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/blocklist/prefixes?sinc=1", 400, "invalid_query");

    /* ---- full hashes */
    KT_EQ_INT(get(&sv, "/api/v1/blocklist/full-hashes?prefix=73d986e0,00000000", NULL, &r), 200);
    KT_EQ_STR(r.body, "{\"version\":1,\"matches\":[{\"prefix\":\"73d986e0\",\"hash\":"
                      "\"73d986e009065f182c10bcb6a45db3d6eda9498f8930654af2653f8a938cd801\","
                      "\"decision_id\":1}]}\n");
    kt_resp_free(&r);
    want_error(&sv, "GET", "/api/v1/blocklist/full-hashes", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/blocklist/full-hashes?prefix=73d986e", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/blocklist/full-hashes?prefix=73d986e0,", 400, "invalid_query");
    char many[1024];
    size_t ml = (size_t)snprintf(many, sizeof many, "/api/v1/blocklist/full-hashes?prefix=00000000");
    for (int i = 0; i < 64; i++)
        ml += (size_t)snprintf(many + ml, sizeof many - ml, ",00000000");
    want_error(&sv, "GET", many, 400, "invalid_query");

    /* ---- every export: 200 with an ETag, then 304 */
    static const char *const formats[] = { "rpz", "unbound", "hosts", "squid-domains",
                                           "squid-urls", "csv", "json", "hash-prefixes",
                                           "hash-prefixes?full=1" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(formats); i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/blocklist/%s", formats[i]);
        KT_EQ_INT(get(&sv, path, NULL, &r), 200);
        KT_CHECK(kt_resp_header(&r, "ETag", etag, sizeof etag) && etag[0] == '"');
        KT_CHECK(strncmp(etag, "\"1-", 3) == 0);
        if (i == 0) {
            KT_EQ_STR(kt_resp_header(&r, "X-RPZ-Serial", v, sizeof v), "1");
            KT_CHECK(strstr(r.body, "localhost. 1 3600") && strstr(r.body, "example.com CNAME ."));
        }
        if (i == 5)
            KT_CHECK(strstr(r.body, "KZ, Almaty") != NULL);      /* geo only in csv/json */
        if (i == 7)
            KT_EQ_STR(r.body, "0125c6ea\n73d986e0\n");
        kt_resp_free(&r);
        KT_EQ_INT(get(&sv, path, etag, &r), 304);
        KT_EQ_INT(r.len, 0);
        kt_resp_free(&r);
        char list[256];
        snprintf(list, sizeof list, "\"0-x\", %s", etag);
        KT_EQ_INT(get(&sv, path, list, &r), 304);
        kt_resp_free(&r);
        KT_EQ_INT(get(&sv, path, "\"1-0000000000000000\"", &r), 200);
        kt_resp_free(&r);
    }
    want_error(&sv, "GET", "/api/v1/blocklist/nope", 404, "not_found");
    want_error(&sv, "GET", "/api/v1/blocklist/rpz?full=1", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/blocklist/hash-prefixes?full=2", 400, "invalid_query");
    want_error(&sv, "GET", "/api/v1/blocklist/rpz?serial=3", 400, "invalid_query");
    want_error(&sv, "DELETE", "/api/v1/blocklist/rpz", 405, "method_not_allowed");

    /* ---- the private check, end to end: the server never sees the URLs */
    char cmd[1024], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "%s check --server %s https://a.b.example.com/x http://good.kz/"
             " http://1.2.3.4.5/ 'http://shop.kz/bad\\page'", kt_bin(), sv.base);
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_EQ_STR(out, "blocked 1 example.com/\nok\nerror: bad IPv4 address\nblocked 2 shop.kz/bad/\n");
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s check --server %s http://good.kz/", kt_bin(), sv.base);
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    KT_EQ_STR(out, "ok\n");
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s check --server %s --plain https://a.b.example.com/x"
             " http://good.kz/ http://1.2.3.4.5/", kt_bin(), sv.base);
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_EQ_STR(out, "blocked 1 example.com/\nok\nerror: bad IPv4 address\n");
    free(out);
    free(err);
    char *log = kt_serve_log(&sv);
    KT_CHECK(log != NULL);
    free(log);

    /* ---- a new decision: a new version, its changes since version 1 */
    kz_store *s = NULL;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    decide(s, "http://evil.kz/", "domain_block", "KZ");
    kz_store_close(&s);
    int ok = 0;
    for (int i = 0; i < 40 && !ok; i++) {              /* --list-age 1s */
        usleep(100000);
        KT_EQ_INT(get(&sv, "/api/v1/blocklist/prefixes?since=1", NULL, &r), 200);
        ok = strstr(r.body, "\"version\":2") != NULL;
        if (ok)
            KT_EQ_STR(r.body, "{\"version\":2,\"type\":\"diff\",\"since\":1,\"prefix_size\":4,"
                              "\"count\":3,\"checksum\":\"10af9c59cfdcf44cce2f73c9a7e46edec8e6c06"
                              "ea2c734b6fd24bc3dea6147a1\",\"additions\":[\"21e42046\"],"
                              "\"removals\":[]}\n");
        kt_resp_free(&r);
    }
    KT_CHECK(ok);
    KT_EQ_INT(get(&sv, "/api/v1/blocklist/rpz", "\"1-0\"", &r), 200);
    KT_EQ_STR(kt_resp_header(&r, "X-RPZ-Serial", v, sizeof v), "2");
    KT_CHECK(strstr(r.body, "evil.kz CNAME .") != NULL);
    kt_resp_free(&r);
    snprintf(cmd, sizeof cmd, "%s check --server %s http://www.evil.kz/a", kt_bin(), sv.base);
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_EQ_STR(out, "blocked 4 evil.kz/\n");
    free(out);
    free(err);

    /* ---- the routes for staff: refused without credentials */
    want_error(&sv, "GET", "/api/v1/rules", 401, "unauthenticated");
    want_error(&sv, "POST", "/api/v1/rules/test", 401, "unauthenticated");
    want_error(&sv, "POST", "/api/v1/scan", 401, "unauthenticated");
    want_error(&sv, "GET", "/api/v1/banks", 401, "unauthenticated");
    want_error(&sv, "POST", "/api/v1/banks", 401, "unauthenticated");
    want_error(&sv, "POST", "/api/v1/banks/match", 401, "unauthenticated");
    want_error(&sv, "POST", "/api/v1/banks/match-file", 401, "unauthenticated");
    want_error(&sv, "POST", "/api/v1/banks/x/entries", 401, "unauthenticated");
    want_error(&sv, "GET", "/api/v1/hma/m/raw_lookup?signal_type=pdq&signal=0", 401,
               "unauthenticated");
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_public_routes) { check_routes(0); }
KT_TEST(serve_public_routes_pg) { check_routes(1); }

KT_TEST(serve_public_bad_options)
{
    char cmd[512], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "%s serve --db sqlite:/nonexistent/x.db --rpz-origin 'a b'", kt_bin());
    KT_EQ_INT(kt_run(cmd, &out, &err), 2);
    KT_CHECK(err && strstr(err, "--rpz-origin 'a b' is not a DNS name"));
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s serve --db sqlite:/nonexistent/x.db --rules /nonexistent.yaml",
             kt_bin());
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_CHECK(err && strstr(err, "/nonexistent.yaml: rules not loaded"));
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s check --server %s --list x http://a/", kt_bin(), "http://127.0.0.1:1");
    KT_EQ_INT(kt_run(cmd, &out, &err), 2);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "%s check --server http://127.0.0.1:1 http://a/", kt_bin());
    KT_EQ_INT(kt_run(cmd, &out, &err), 1);
    KT_CHECK(err && strstr(err, "/api/v1/blocklist/prefixes: "));
    free(out);
    free(err);
}

/* ---- many first requests at once on a fresh store ------------------------- */

#include <pthread.h>

struct racer {
    const kt_server *sv;
    const char *path;
    long status;
    char body[256];
};

static void *race_get(void *arg)
{
    struct racer *r = arg;
    kt_resp resp;
    r->status = kt_http(r->sv, NULL, "GET", r->path, NULL, &resp);
    snprintf(r->body, sizeof r->body, "%s", resp.body ? resp.body : "");
    kt_resp_free(&resp);
    return NULL;
}

/* The first version of the list is published by whichever request comes
 * first: many at once, to two servers of one database (every thread with
 * its own connection), all get it, none a 500; one version is written. */
static void first_publish_race(int pg)
{
    enum { N = 32 };
    static const char *const paths[] = { "/api/v1/blocklist/rpz", "/api/v1/blocklist/hosts",
                                         "/api/v1/check?url=https://example.com/x",
                                         "/api/v1/blocklist/prefixes" };
    static const char *const extra[] = { "--threads", "8", NULL };
    for (int round = 0; round < 3; round++) {
        kt_server sv, sv2;
        struct racer r[N];
        pthread_t t[N];
        if (kt_serve_start(&sv, "race", pg, setup, extra))
            return;
        /* two servers of one database */
        if (kt_serve_more(&sv, &sv2, extra)) {
            kt_serve_stop(&sv);
            return;
        }
        for (int i = 0; i < N; i++) {
            r[i].sv = i % 2 ? &sv2 : &sv;
            r[i].path = paths[i % 4];
            r[i].status = 0;
            r[i].body[0] = '\0';
            if (pthread_create(&t[i], NULL, race_get, &r[i]) != 0)
                r[i].status = -1;
        }
        for (int i = 0; i < N; i++) {
            if (r[i].status != -1)
                pthread_join(t[i], NULL);
            if (r[i].status != 200)
                kt_fail(__FILE__, __LINE__, "round %d: GET %s: %ld %s", round, r[i].path,
                        r[i].status, r[i].body);
        }
        kz_store *s = NULL;
        int64_t n = -1;
        if (kz_store_open(&s, sv.uri, 0) == 0) {
            kz_db_int(kz_store_db(s), "SELECT count(*) FROM blocklist_versions", NULL, 0, &n);
            kz_store_close(&s);
        }
        KT_EQ_INT(n, 1);
        KT_EQ_INT(kt_serve_stop(&sv2), 0);
        KT_EQ_INT(kt_serve_stop(&sv), 0);
    }
}

KT_TEST(serve_first_publish_race) { first_publish_race(0); }
KT_TEST(serve_first_publish_race_pg) { first_publish_race(1); }

/* ---- the list in effect read again in the background ---------------------- */

static void staff_setup(kz_store *s)
{
    kt_serve_staff(s);
    decide(s, "https://example.com/x", "domain_block", "KZ");
}

static long reads(const kt_server *sv, kt_client *aud, const char *by)
{
    kt_resp r;
    char key[128];
    long v = -1;
    snprintf(key, sizeof key, "kuzet_blocklist_reads_total{by=\"%s\"} ", by);
    if (kt_http(sv, aud, "GET", "/metrics", NULL, &r) == 200 && strstr(r.body, key))
        v = atol(strstr(r.body, key) + strlen(key));
    kt_resp_free(&r);
    return v;
}

/* A decision made after the start shows within --list-age and a bit,
 * read by the background reader: no request reads the list but the first. */
KT_TEST(serve_list_read_in_background)
{
    kt_server sv;
    kt_client aud;
    kt_resp r;
    char v[64];
    static const char *const extra[] = { "--list-age", "1s", NULL };
    memset(&aud, 0, sizeof aud);
    if (kt_serve_start(&sv, "bgread", 0, staff_setup, extra))
        return;
    KT_EQ_INT(kt_login_http(&sv, &aud, "aud"), 200);
    KT_EQ_INT(get(&sv, "/api/v1/check?url=http://www.evil.kz/a", NULL, &r), 200);
    KT_EQ_STR(kt_json_get(r.body, "result", v, sizeof v), "ok");
    kt_resp_free(&r);
    /* the first request read it, unless the reader came first */
    long r0 = reads(&sv, &aud, "request");
    KT_CHECK(r0 == 0 || r0 == 1);
    kz_store *s = NULL;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    decide(s, "http://evil.kz/", "domain_block", "KZ");
    kz_store_close(&s);
    int ok = 0;
    for (int i = 0; i < 60 && !ok; i++) {
        usleep(100000);
        KT_EQ_INT(get(&sv, "/api/v1/check?url=http://www.evil.kz/a", NULL, &r), 200);
        ok = strstr(r.body, "\"result\":\"blocked\"") && strstr(r.body, "\"version\":2");
        kt_resp_free(&r);
    }
    KT_CHECK(ok);
    /* read by the reader, never by the requests that came meanwhile */
    KT_EQ_INT(reads(&sv, &aud, "request"), r0);
    KT_CHECK(reads(&sv, &aud, "background") >= 1);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
