/*
 * tests/t_serve_input.c - kuzet serve under bad input and pressure, over
 * real HTTP: bad input on every route of the route table (invalid JSON, a
 * body that is not an object, unknown fields, wrong media type, an
 * oversized body, unknown query parameters, ids that are not ids: each its
 * 4xx, never a 5xx, always with the security headers), two people acting
 * on one case at the same moment (one succeeds, one gets 409, one change
 * stored), and SIGTERM with requests in flight (they finish; exit 0).
 */
#include "kt.h"
#include "kt_serve.h"
#include "serve/serve.h"
#include "case/case.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

static void setup(kz_store *s)
{
    kt_serve_staff(s);
    KT_EQ_INT(kz_store_begin(s), 0);
    for (int i = 1; i <= 8; i++) {
        char url[64], text[64];
        snprintf(url, sizeof url, "https://forum.example.kz/t/%d", i);
        snprintf(text, sizeof text, "post %d offers a dead drop", i);
        kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                          strlen(text), NULL };
        kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 4, NULL, NULL, 0 };
        kz_flag_in f = { "drugs", 50 };
        kz_ingest_out out;
        KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    }
    KT_EQ_INT(kz_store_commit(s), 0);
}

static void expect(const kt_resp *r, long status, const char *code, const char *what)
{
    char want[96], v[512];
    snprintf(want, sizeof want, "\"code\":\"%s\"", code);
    if (r->status != status || !strstr(r->body, want))
        kt_fail(__FILE__, __LINE__, "%s: %ld %s (expected %ld %s)", what, r->status, r->body,
                status, code);
    if (!kt_resp_header(r, "Content-Security-Policy", v, sizeof v) ||
        !strstr(v, "frame-ancestors 'none'") ||
        !kt_resp_header(r, "X-Content-Type-Options", v, sizeof v) ||
        !kt_resp_header(r, "Referrer-Policy", v, sizeof v) || kt_resp_header(r, "Server", v, sizeof v))
        kt_fail(__FILE__, __LINE__, "%s: security headers missing: %s", what, r->headers);
}

static void fill_path(const kz_route *rt, const char *id, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = rt->path; *p && k + 8 < n;) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            k += (size_t)snprintf(out + k, n - k, "%s", !strncmp(p, "{name}", 6) ? "al" : id);
            p = close ? close + 1 : p + strlen(p);
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
}

KT_TEST(serve_bad_input_every_route)
{
    kt_server sv;
    kt_client c[5];
    static const char *const names[] = { "al", "ann", "sue", "aud", "root" };
    static const unsigned bits[] = { KZ_ROLE_ANALYST, KZ_ROLE_REVIEWER, KZ_ROLE_SUPERVISOR,
                                     KZ_ROLE_AUDITOR, KZ_ROLE_ADMIN };
    if (kt_serve_start(&sv, "badin", 0, setup, NULL))
        return;
    for (size_t k = 0; k < 5; k++) {
        memset(&c[k], 0, sizeof c[k]);
        KT_EQ_INT(kt_login_http(&sv, &c[k], names[k]), 200);
    }
    char *big = malloc(2 << 20);
    memset(big, ' ', 2 << 20);
    big[0] = '{';
    size_t checked = 0;
    for (const kz_route_table *const *t = kz_route_tables; *t; t++) {
        for (size_t i = 0; i < (*t)->n; i++) {
            const kz_route *rt = &(*t)->routes[i];
            kt_client *cl = NULL;
            if (!kz_route_is_api(rt))
                continue;                   /* the web app's pages: tests/t_web_*.c */
            for (size_t k = 0; k < 5 && !(rt->roles & KZ_ROLE_PUBLIC); k++)
                if (rt->roles & bits[k]) {
                    cl = &c[k];
                    break;
                }
            char path[300], what[600];
            kt_resp r;
            fill_path(rt, "3", path, sizeof path);
            if (!strcmp(rt->method, "GET")) {
                char q[400];
                snprintf(q, sizeof q, "%s?bogus=1", path);
                snprintf(what, sizeof what, "GET %s", q);
                kt_http(&sv, cl, "GET", q, NULL, &r);
                expect(&r, 400, "invalid_query", what);
                kt_resp_free(&r);
            } else if (!(rt->flags & KZ_ROUTE_RAW_BODY)) {
                static const struct { const char *body, *ctype; long st; const char *code; } bad[] = {
                    { "{", NULL, 400, "invalid_json" },
                    { "{\"a\":1,}", NULL, 400, "invalid_json" },
                    { "[1,2]", NULL, 400, "invalid_json" },
                    { "\"text\"", NULL, 400, "invalid_json" },
                    { "{\"no_such_field\":1}", NULL, 422, "invalid" },
                    { "{\"x\":\"\xc3\x28\"}", NULL, 400, "invalid_json" },
                    { "hello", "text/plain", 415, "unsupported_media_type" },
                };
                for (size_t b = 0; b < KZ_ARRAY_LEN(bad); b++) {
                    snprintf(what, sizeof what, "%s %s %s", rt->method, path, bad[b].body);
                    kt_httpx(&sv, cl, rt->method, path, bad[b].ctype, bad[b].body,
                             strlen(bad[b].body), NULL, &r);
                    expect(&r, bad[b].st, bad[b].code, what);
                    kt_resp_free(&r);
                }
                /* every field of the wrong type */
                static const char *const wrong[] = { "{\"to\":1}", "{\"measure\":[]}",
                    "{\"reasons\":{}}", "{\"gone\":\"yes\"}", "{\"days\":\"9\"}",
                    "{\"name\":null,\"password\":1}", "{\"account\":true}",
                    "{\"password\":12345678901234}", "{\"by\":false}", "{\"outcome\":0}",
                    "{\"answer\":1.5}", "{\"platform\":[\"x\"]}", "{\"role\":1}" };
                for (size_t b = 0; b < KZ_ARRAY_LEN(wrong); b++) {
                    snprintf(what, sizeof what, "%s %s %s", rt->method, path, wrong[b]);
                    kt_http(&sv, cl, rt->method, path, wrong[b], &r);
                    if (r.status != 422 && r.status != 400)
                        kt_fail(__FILE__, __LINE__, "%s: %ld %s", what, r.status, r.body);
                    kt_resp_free(&r);
                }
                /* as curl sends big bodies: waiting for 100 Continue, so the
                 * 413 comes before the body is sent */
                static const char *const expect100[] = { "Expect: 100-continue", NULL };
                snprintf(what, sizeof what, "%s %s (2 MiB)", rt->method, path);
                kt_httpx(&sv, cl, rt->method, path, NULL, big, 2 << 20, expect100, &r);
                expect(&r, 413, "too_large", what);
                kt_resp_free(&r);
            }
            /* an id that is not one */
            if (strstr(rt->path, "{id}")) {
                static const char *const ids[] = { "abc", "0", "-1", "01", "1e3",
                                                   "99999999999999999999" };
                for (size_t b = 0; b < KZ_ARRAY_LEN(ids); b++) {
                    fill_path(rt, ids[b], path, sizeof path);
                    snprintf(what, sizeof what, "%s %s", rt->method, path);
                    kt_http(&sv, cl, rt->method, path, strcmp(rt->method, "GET") ? "{}" : NULL,
                            &r);
                    expect(&r, 404, "not_found", what);
                    kt_resp_free(&r);
                }
            }
            checked++;
        }
    }
    free(big);
    KT_CHECK(checked >= 28);
    /* the server is well after all that */
    kt_resp r;
    KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/health", NULL, &r), 200);
    kt_resp_free(&r);
    char *log = kt_serve_log(&sv);
    if (log && strstr(log, "internal"))
        kt_fail(__FILE__, __LINE__, "the server logged an internal error: %s", log);
    free(log);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* ---- two at once --------------------------------------------------------- */

struct racer {
    const kt_server  *sv;
    kt_client        *cl;
    const char       *path, *body;
    pthread_barrier_t *go;
    long              status;
};

static void *race(void *p)
{
    struct racer *r = p;
    kt_resp resp;
    pthread_barrier_wait(r->go);
    r->status = kt_http(r->sv, r->cl, "POST", r->path, r->body, &resp);
    kt_resp_free(&resp);
    return NULL;
}

static void two_at_once(const kt_server *sv, kt_client *a, kt_client *b, const char *path,
                        const char *body, long *sa, long *sb)
{
    pthread_barrier_t go;
    pthread_t ta, tb;
    pthread_barrier_init(&go, NULL, 2);
    struct racer ra = { sv, a, path, body, &go, 0 }, rb = { sv, b, path, body, &go, 0 };
    pthread_create(&ta, NULL, race, &ra);
    pthread_create(&tb, NULL, race, &rb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&go);
    *sa = ra.status;
    *sb = rb.status;
}

static int64_t count(const char *uri, const char *sql)
{
    kz_store *s = NULL;
    int64_t n = -1;
    if (kz_store_open(&s, uri, 1) == 0)
        KT_EQ_INT(kz_db_int(kz_store_db(s), sql, NULL, 0, &n), 0);
    kz_store_close(&s);
    return n;
}

static void concurrent_on(int pg)
{
    kt_server sv;
    kt_client al, ann1, ann2, sue, sam;
    kt_resp r;
    char path[64], sql[160];
    if (kt_serve_start(&sv, "race", pg, setup, NULL))
        return;
    kt_client *all[] = { &al, &ann1, &ann2, &sue, &sam };
    static const char *const who[] = { "al", "ann", "ann", "sue", "sam" };
    for (size_t i = 0; i < 5; i++) {
        memset(all[i], 0, sizeof *all[i]);
        KT_EQ_INT(kt_login_http(&sv, all[i], who[i]), 200);
    }
    /* ann, in two windows, decides cases 1-3 twice at the same moment */
    for (int id = 1; id <= 3; id++) {
        snprintf(path, sizeof path, "/api/v1/cases/%d/assign", id);
        KT_EQ_INT(kt_http(&sv, &al, "POST", path, "{\"to\":\"ann\"}", &r), 200);
        kt_resp_free(&r);
        snprintf(path, sizeof path, "/api/v1/cases/%d/decide", id);
        long s1, s2;
        two_at_once(&sv, &ann1, &ann2, path, "{\"measure\":\"removal_request\",\"legal_basis\":"
                    "\"Law on Narcotic Drugs, art. 5\",\"reasons\":\"offers drugs for sale\","
                    "\"scope\":\"KZ\",\"days\":30}", &s1, &s2);
        if (!((s1 == 200 && s2 == 409) || (s1 == 409 && s2 == 200)))
            kt_fail(__FILE__, __LINE__, "case %d decided at once: %ld and %ld", id, s1, s2);
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM decisions WHERE case_id = %d", id);
        KT_EQ_INT(count(sv.uri, sql), 1);
    }
    /* two supervisors approve one block at the same moment */
    for (int id = 4; id <= 5; id++) {
        snprintf(path, sizeof path, "/api/v1/cases/%d/assign", id);
        KT_EQ_INT(kt_http(&sv, &al, "POST", path, "{\"to\":\"ann\"}", &r), 200);
        kt_resp_free(&r);
        snprintf(path, sizeof path, "/api/v1/cases/%d/decide", id);
        KT_EQ_INT(kt_http(&sv, &ann1, "POST", path, "{\"measure\":\"url_block\",\"legal_basis\":"
                          "\"Law on Communications, art. 41-1\",\"reasons\":\"sells drugs\","
                          "\"scope\":\"KZ\",\"days\":30}", &r), 200);
        kt_resp_free(&r);
        snprintf(path, sizeof path, "/api/v1/cases/%d/approve", id);
        long s1, s2;
        two_at_once(&sv, &sue, &sam, path, "", &s1, &s2);
        if (!((s1 == 200 && s2 == 409) || (s1 == 409 && s2 == 200)))
            kt_fail(__FILE__, __LINE__, "case %d approved at once: %ld and %ld", id, s1, s2);
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.approve' "
                 "AND entity_id = %d", id);
        KT_EQ_INT(count(sv.uri, sql), 1);
    }
    KT_EQ_INT(kt_rows_differ(sv.uri, NULL, 0), 0);
    KT_EQ_INT(kt_audit_bad_seq(sv.uri, NULL, 0), 0);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_concurrent_decide) { concurrent_on(0); }
KT_TEST(serve_concurrent_decide_pg) { concurrent_on(1); }

/* ---- SIGTERM with requests in flight ------------------------------------- */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

KT_TEST(serve_sigterm_in_flight)
{
    kt_server sv;
    static const char *const extra[] = { "--threads", "4", NULL };
    if (kt_serve_start(&sv, "sigterm", 0, setup, extra))
        return;
    static const char *const who[] = { "al", "ann", "bob", "sue" };
    int fd[4];
    char body[4][128];
    /* four log-ins, each sent up to half its body: in flight for sure */
    for (int i = 0; i < 4; i++) {
        char head[256];
        int n = snprintf(body[i], sizeof body[i], "{\"name\":\"%s\",\"password\":"
                         "\"%s-password-123\"}", who[i], who[i]);
        int h = snprintf(head, sizeof head, "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Type: application/json\r\nContent-Length: %d\r\n"
                         "Connection: close\r\n\r\n", n);
        fd[i] = connect_to(sv.port);
        KT_CHECK(fd[i] >= 0);
        if (fd[i] >= 0) {
            KT_EQ_INT(write(fd[i], head, (size_t)h), h);
            KT_EQ_INT(write(fd[i], body[i], (size_t)n / 2), n / 2);
        }
    }
    sleep_ms(1000);
    kill(sv.pid, SIGTERM);
    sleep_ms(300);
    /* no new connections */
    int late = connect_to(sv.port);
    if (late >= 0) {
        char c;
        KT_CHECK(recv(late, &c, 1, 0) <= 0);
        close(late);
    }
    /* the rest of each body: answered */
    for (int i = 0; i < 4; i++) {
        if (fd[i] < 0)
            continue;
        size_t n = strlen(body[i]);
        KT_EQ_INT(write(fd[i], body[i] + n / 2, n - n / 2), (long)(n - n / 2));
        char resp[4096];
        size_t got = 0;
        ssize_t k;
        while (got < sizeof resp - 1 && (k = read(fd[i], resp + got, sizeof resp - 1 - got)) > 0)
            got += (size_t)k;
        resp[got] = '\0';
        if (strncmp(resp, "HTTP/1.1 200", 12))
            kt_fail(__FILE__, __LINE__, "log-in of %s in flight at SIGTERM: '%.80s'", who[i], resp);
        close(fd[i]);
    }
    /* nothing half-written: the four sessions are there */
    char *log = kt_serve_log(&sv);
    if (!log || !strstr(log, "SIGTERM: stopping (finishing 4 requests in flight)"))
        kt_fail(__FILE__, __LINE__, "the log says: %s", log ? log : "");
    free(log);
    KT_EQ_INT(count(sv.uri, "SELECT COUNT(*) FROM sessions"), 4);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
