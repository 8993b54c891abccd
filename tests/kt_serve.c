/*
 * tests/kt_serve.c - start the real `kuzet serve` on loopback and call it
 * with libcurl (kt_serve.h).
 */
#include "kt.h"
#include "kt_serve.h"
#include <curl/curl.h>
#include <json-c/json.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sv_cleanup(kt_server *sv)
{
    char cmd[128];
    if (sv->pg) {
        kz_store *none = NULL;
        kt_store_pg_drop(&sv->pgdb, &none);
    }
    if (sv->dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", sv->dir);
        if (system(cmd) != 0)
            kt_fail(__FILE__, __LINE__, "removing %s failed", sv->dir);
        sv->dir[0] = '\0';
    }
}

static int launch(kt_server *sv, const char *const *extra);

int kt_serve_start(kt_server *sv, const char *tag, int pg, kt_setup_fn setup,
                   const char *const *extra)
{
    kz_store *s = NULL;
    kt_tmpstore t;
    memset(sv, 0, sizeof *sv);
    sv->pid = -1;
    if (pg) {
        char name[48];
        snprintf(name, sizeof name, "serve_%.24s", tag);
        s = kt_store_pg(&sv->pgdb, tag, name);       /* skips without KUZET_TEST_PG */
        if (!s)
            return -1;
        sv->pg = 1;
        kt_store_pg_uri(&sv->pgdb, sv->uri, sizeof sv->uri);
        snprintf(sv->dir, sizeof sv->dir, "/tmp/kt-serve-XXXXXX");
        if (!mkdtemp(sv->dir)) {
            sv->dir[0] = '\0';
            kt_fail(__FILE__, __LINE__, "mkdtemp failed");
            kz_store_close(&s);
            sv_cleanup(sv);
            return -1;
        }
    } else {
        s = kt_store_fresh(&t, tag);
        if (!s)
            return -1;
        snprintf(sv->dir, sizeof sv->dir, "%s", t.dir);
        snprintf(sv->uri, sizeof sv->uri, "sqlite:%s/k.db", sv->dir);
    }
    snprintf(sv->key, sizeof sv->key, "%s/audit-key", sv->dir);
    snprintf(sv->log, sizeof sv->log, "%s/serve.log", sv->dir);
    kz_store_set_signer(s, sv->key);
    if (setup)
        setup(s);
    kz_store_close(&s);
    return launch(sv, extra);
}

int kt_serve_more(const kt_server *sv, kt_server *more, const char *const *extra)
{
    *more = *sv;
    more->pid = -1;
    more->pg = 0;                       /* the store is sv's: stopping this one keeps it */
    more->dir[0] = '\0';
    snprintf(more->log, sizeof more->log, "%.100s.2", sv->log);
    return launch(more, extra);
}

/* Run kuzet serve on sv's store and wait for its port. */
static int launch(kt_server *sv, const char *const *extra)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = kt_bin();
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--db";
    argv[n++] = sv->uri;
    argv[n++] = "--audit-key";
    argv[n++] = sv->key;
    argv[n++] = "--threads";
    argv[n++] = "2";
    for (size_t i = 0; extra && extra[i] && n < KZ_ARRAY_LEN(argv) - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    int pfd[2];
    if (pipe(pfd) != 0) {
        kt_fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
        sv_cleanup(sv);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int lfd = open(sv->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(pfd[1], 1);
        if (lfd >= 0)
            dup2(lfd, 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        kt_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
        sv_cleanup(sv);
        return -1;
    }
    sv->pid = pid;
    /* wait for "kuzet serve: listening on http://127.0.0.1:PORT" */
    char line[256];
    size_t len = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = { pfd[0], POLLIN, 0 };
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = 10000 - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t r = read(pfd[0], line + len, sizeof line - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = '\0';
        if (strchr(line, '\n') || len == sizeof line - 1)
            break;
    }
    line[len] = '\0';
    close(pfd[0]);
    const char *p = strstr(line, "listening on http");
    const char *colon = p ? strrchr(p, ':') : NULL;
    sv->port = colon ? atoi(colon + 1) : 0;
    if (sv->port <= 0) {
        char *log = kt_serve_log(sv);
        kt_fail(__FILE__, __LINE__, "kuzet serve did not start: '%s' %s", line, log ? log : "");
        free(log);
        kt_serve_stop(sv);
        return -1;
    }
    snprintf(sv->base, sizeof sv->base, "%s://127.0.0.1:%d",
             strstr(line, "https://") ? "https" : "http", sv->port);
    return 0;
}

char *kt_serve_log(const kt_server *sv)
{
    size_t n;
    return kt_slurp(sv->log, &n);
}

int kt_serve_stop(kt_server *sv)
{
    int status = -1, st = 0;
    if (sv->pid > 0) {
        kill(sv->pid, SIGTERM);
        for (int i = 0; i < 1500; i++) {
            pid_t w = waitpid(sv->pid, &st, WNOHANG);
            if (w == sv->pid)
                break;
            if (i == 1499) {
                kill(sv->pid, SIGKILL);
                waitpid(sv->pid, &st, 0);
                kt_fail(__FILE__, __LINE__, "kuzet serve did not stop within 15 s of SIGTERM");
                break;
            }
            struct timespec ms = { 0, 10 * 1000 * 1000 };
            nanosleep(&ms, NULL);
        }
        status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (WIFSIGNALED(st)) {
            char *log = kt_serve_log(sv);
            kt_fail(__FILE__, __LINE__, "kuzet serve died of signal %d: %s", WTERMSIG(st),
                    log ? log : "");
            free(log);
        }
        sv->pid = -1;
    }
    sv_cleanup(sv);
    return status;
}

/* ---- HTTP ---------------------------------------------------------------- */

struct sink {
    char  *p;
    size_t n;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t k = size * nmemb;
    char *np = realloc(s->p, s->n + k + 1);
    if (!np)
        return 0;
    memcpy(np + s->n, data, k);
    s->p = np;
    s->n += k;
    s->p[s->n] = '\0';
    return k;
}

static void take_cookie(kt_client *cl, const char *headers)
{
    for (const char *h = headers; h && (h = strcasestr(h, "\nSet-Cookie:")) != NULL; h++) {
        const char *v = h + 12;
        while (*v == ' ')
            v++;
        size_t n = strcspn(v, ";\r\n");
        if (!strncmp(v, "kuzet_session=", 14)) {
            if (n == 14)                         /* cleared */
                cl->cookie[0] = '\0';
            else
                snprintf(cl->cookie, sizeof cl->cookie, "%.*s", (int)n, v);
        }
    }
}

long kt_httpx(const kt_server *sv, kt_client *cl, const char *method, const char *path,
              const char *ctype, const char *body, size_t n, const char *const *headers,
              kt_resp *r)
{
    char url[2300], h[512];
    struct sink b = { NULL, 0 }, hd = { NULL, 0 };
    struct curl_slist *hl = NULL;
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    snprintf(url, sizeof url, "%s%s", sv->base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
        snprintf(h, sizeof h, "Content-Type: %s", ctype ? ctype : "application/json");
        hl = curl_slist_append(hl, h);
    }
    int expect = 0;
    for (size_t i = 0; headers && headers[i]; i++)
        expect |= !strncasecmp(headers[i], "Expect:", 7);
    if (!expect)
        hl = curl_slist_append(hl, "Expect:");
    if (cl && cl->token[0]) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", cl->token);
        hl = curl_slist_append(hl, h);
    }
    if (cl && cl->cookie[0]) {
        snprintf(h, sizeof h, "Cookie: %s", cl->cookie);
        hl = curl_slist_append(hl, h);
        if (cl->csrf[0] && !cl->no_csrf) {
            snprintf(h, sizeof h, "X-CSRF-Token: %s", cl->csrf);
            hl = curl_slist_append(hl, h);
        }
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    r->body = b.p ? b.p : strdup("");
    r->len = b.n;
    r->headers = hd.p ? hd.p : strdup("");
    if (cl)
        take_cookie(cl, r->headers);
    return r->status;
}

long kt_http(const kt_server *sv, kt_client *cl, const char *method, const char *path,
             const char *body, kt_resp *r)
{
    return kt_httpx(sv, cl, method, path, NULL, body, body ? strlen(body) : 0, NULL, r);
}

long kt_form_http(const kt_server *sv, kt_client *cl, const char *path, const char *fields,
                  kt_resp *r)
{
    static const char *const h[] = { "Sec-Fetch-Site: same-origin", NULL };
    size_t n = strlen(fields) + sizeof cl->csrf + 8;
    char *body = malloc(n);
    if (!body) {
        memset(r, 0, sizeof *r);
        return 0;
    }
    snprintf(body, n, "csrf=%s%s%s", cl->csrf, *fields ? "&" : "", fields);
    long st = kt_httpx(sv, cl, "POST", path, "application/x-www-form-urlencoded", body,
                       strlen(body), h, r);
    free(body);
    return st;
}

void kt_resp_free(kt_resp *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

const char *kt_resp_header(const kt_resp *r, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    for (const char *h = r->headers; h && *h;) {
        const char *e = strchr(h, '\n');
        if (!strncasecmp(h, name, nl) && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            snprintf(out, outsz, "%.*s", (int)n, v);
            return out;
        }
        h = e ? e + 1 : h + strlen(h);
    }
    return NULL;
}

const char *kt_json_get(const char *body, const char *key, char *out, size_t outsz)
{
    json_object *o = body ? json_tokener_parse(body) : NULL, *v;
    const char *res = NULL;
    if (o && json_object_object_get_ex(o, key, &v) && v &&
        !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array)) {
        snprintf(out, outsz, "%s", json_object_get_string(v));
        res = out;
    }
    json_object_put(o);
    return res;
}

long kt_login_http(const kt_server *sv, kt_client *cl, const char *name)
{
    char body[256];
    kt_resp r;
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"%s-password-123\"}", name, name);
    long st = kt_http(sv, cl, "POST", "/api/v1/login", body, &r);
    if (st == 200)
        kt_json_get(r.body, "csrf_token", cl->csrf, sizeof cl->csrf);
    kt_resp_free(&r);
    return st;
}

void kt_serve_staff(kz_store *s)
{
    kz_actor *sys = NULL, *root = NULL;
    static const char *const who[][2] = { { "ann", "reviewer" }, { "bob", "reviewer" },
        { "sue", "supervisor" }, { "sam", "supervisor" }, { "al", "analyst" },
        { "aud", "auditor" } };
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    kt_add_person(sys, "root", "admin");
    root = kt_login(s, "root");
    for (size_t i = 0; root && i < KZ_ARRAY_LEN(who); i++)
        kt_add_person(root, who[i][0], who[i][1]);
    kz_account_logout(&root);
    kz_account_logout(&sys);
}
