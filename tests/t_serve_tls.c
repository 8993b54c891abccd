/*
 * tests/t_serve_tls.c - kuzet serve with its own TLS (--cert/--key,
 * GnuTLS through libmicrohttpd), behind the sample nginx configuration
 * (deploy/nginx-kuzet.conf, run as written but for ports and paths), and
 * --trust-proxy (X-Real-IP, X-Forwarded-Proto believed from that address
 * only).
 */
#include "kt.h"
#include "kt_serve.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A self-signed certificate for 127.0.0.1 in dir (cert.pem, key.pem). */
static int make_cert(const char *dir)
{
    char cmd[1024], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
             "-nodes -days 2 -subj /CN=127.0.0.1 -keyout %s/key.pem -out %s/cert.pem", dir, dir);
    int rc = kt_run(cmd, &out, &err);
    if (rc != 0)
        kt_fail(__FILE__, __LINE__, "openssl: %s", err ? err : "");
    free(out);
    free(err);
    return rc;
}

static void staff(kz_store *s) { kt_serve_staff(s); }

#define BOB "{\"name\":\"bob\",\"password\":\"bob-password-123\"}"

KT_TEST(serve_tls)
{
    char dir[] = "/tmp/kt-tls-XXXXXX", cert[64], key[64], v[256];
    if (!mkdtemp(dir) || make_cert(dir))
        return;
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    const char *const extra[] = { "--cert", cert, "--key", key, NULL };
    kt_server sv;
    kt_client cl;
    kt_resp r;
    memset(&cl, 0, sizeof cl);
    if (kt_serve_start(&sv, "tls", 0, staff, extra) == 0) {
        KT_CHECK(!strncmp(sv.base, "https://", 8));
        KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/health", NULL, &r), 200);
        KT_CHECK(kt_resp_header(&r, "Strict-Transport-Security", v, sizeof v) != NULL);
        kt_resp_free(&r);
        KT_EQ_INT(kt_http(&sv, &cl, "POST", "/api/v1/login",
                          "{\"name\":\"ann\",\"password\":\"ann-password-123\"}", &r), 200);
        KT_CHECK(kt_resp_header(&r, "Set-Cookie", v, sizeof v) && strstr(v, "; Secure"));
        kt_resp_free(&r);
        /* plain HTTP to the TLS port gets nothing */
        kt_server plain = sv;
        snprintf(plain.base, sizeof plain.base, "http://127.0.0.1:%d", sv.port);
        KT_CHECK(kt_http(&plain, NULL, "GET", "/api/v1/health", NULL, &r) != 200);
        kt_resp_free(&r);
        KT_EQ_INT(kt_serve_stop(&sv), 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    KT_EQ_INT(system(cmd), 0);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t n = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &n) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* s with every from replaced by to (malloc'd). */
static char *replace(const char *s, const char *from, const char *to)
{
    size_t n = strlen(s), fl = strlen(from), tl = strlen(to), k = 0;
    char *out = malloc(n * 2 + 4096);
    for (const char *p = s; *p;) {
        if (!strncmp(p, from, fl)) {
            memcpy(out + k, to, tl);
            k += tl;
            p += fl;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    return out;
}

KT_TEST(serve_behind_nginx)
{
    if (access("/usr/sbin/nginx", X_OK) != 0)
        kt_skip("nginx is not installed (scripts/setup installs it)");
    char dir[] = "/tmp/kt-ngx-XXXXXX", path[256], v[256];
    if (!mkdtemp(dir) || make_cert(dir))
        return;
    kt_server sv;
    static const char *const extra[] = { "--trust-proxy", "127.0.0.1", NULL };
    if (kt_serve_start(&sv, "nginx", 0, staff, extra))
        return;
    /* the sample, as written, with this test's ports and files */
    size_t n;
    snprintf(path, sizeof path, "%s/deploy/nginx-kuzet.conf", kt_root());
    char *sample = kt_slurp(path, &n);
    KT_CHECK(sample != NULL);
    char up[64], listen[64], cert[128], key[128];
    int nport = free_port();
    snprintf(up, sizeof up, "server 127.0.0.1:%d;", sv.port);
    snprintf(listen, sizeof listen, "listen 127.0.0.1:%d ssl;", nport);
    snprintf(cert, sizeof cert, "%s/cert.pem;", dir);
    snprintf(key, sizeof key, "%s/key.pem;", dir);
    char *a = replace(sample ? sample : "", "server 127.0.0.1:8080;", up);
    char *b = replace(a, "listen 443 ssl;", listen);
    char *c = replace(b, "/etc/ssl/kuzet/fullchain.pem;", cert);
    char *d = replace(c, "/etc/ssl/kuzet/privkey.pem;", key);
    snprintf(path, sizeof path, "%s/site.conf", dir);
    FILE *f = fopen(path, "w");
    fputs(d, f);
    fclose(f);
    free(sample); free(a); free(b); free(c); free(d);
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    f = fopen(path, "w");
    fprintf(f, "daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
            "events { worker_connections 256; }\nhttp {\n access_log off;\n"
            " client_body_temp_path %s/body;\n proxy_temp_path %s/proxy;\n"
            " fastcgi_temp_path %s/fcgi;\n uwsgi_temp_path %s/uwsgi;\n scgi_temp_path %s/scgi;\n"
            " include %s/site.conf;\n}\n", dir, dir, dir, dir, dir, dir, dir, dir);
    fclose(f);
    pid_t ng = fork();
    if (ng == 0) {
        char errlog[128];
        snprintf(errlog, sizeof errlog, "%s/error.log", dir);
        execl("/usr/sbin/nginx", "nginx", "-p", dir, "-e", errlog, "-c", path, (char *)NULL);
        _exit(127);
    }
    kt_server via = sv;
    snprintf(via.base, sizeof via.base, "https://127.0.0.1:%d", nport);
    kt_resp r;
    long st = 0;
    for (int i = 0; i < 100 && st != 200; i++) {
        st = kt_http(&via, NULL, "GET", "/api/v1/health", NULL, &r);
        if (st != 200) {
            kt_resp_free(&r);
            struct timespec t = { 0, 50 * 1000 * 1000 };
            nanosleep(&t, NULL);
        }
    }
    if (st != 200) {
        snprintf(path, sizeof path, "%s/error.log", dir);
        char *log = kt_slurp(path, &n);
        kt_fail(__FILE__, __LINE__, "nginx did not answer: %s", log ? log : "");
        free(log);
    } else {
        /* kuzet's headers pass through; neither says its version */
        KT_CHECK(kt_resp_header(&r, "Content-Security-Policy", v, sizeof v) != NULL);
        KT_CHECK(!kt_resp_header(&r, "Server", v, sizeof v) || !strchr(v, '/'));
        kt_resp_free(&r);
        kt_client cl;
        memset(&cl, 0, sizeof cl);
        KT_EQ_INT(kt_http(&via, &cl, "POST", "/api/v1/login",
                          "{\"name\":\"ann\",\"password\":\"ann-password-123\"}", &r), 200);
        /* HTTPS at nginx: the cookie is Secure, though kuzet itself speaks HTTP */
        KT_CHECK(kt_resp_header(&r, "Set-Cookie", v, sizeof v) && strstr(v, "; Secure"));
        kt_json_get(r.body, "csrf_token", cl.csrf, sizeof cl.csrf);
        kt_resp_free(&r);
        KT_EQ_INT(kt_http(&via, &cl, "GET", "/api/v1/session", NULL, &r), 200);
        kt_resp_free(&r);
        KT_EQ_INT(kt_http(&via, &cl, "POST", "/api/v1/logout", "", &r), 204);
        kt_resp_free(&r);
        KT_EQ_INT(kt_http(&via, NULL, "GET", "/api/v1/nothing", NULL, &r), 404);
        KT_CHECK(strstr(r.body, "\"code\":\"not_found\"") != NULL);
        kt_resp_free(&r);
    }
    kill(ng, SIGTERM);
    waitpid(ng, NULL, 0);
    /* straight to kuzet from the trusted address: X-Real-IP is believed */
    kt_client cl;
    memset(&cl, 0, sizeof cl);
    const char *const h[] = { "X-Real-IP: 203.0.113.7", NULL };
    KT_EQ_INT(kt_httpx(&sv, &cl, "POST", "/api/v1/login", NULL,
                       BOB, strlen(BOB), h, &r), 200);
    kt_resp_free(&r);
    kz_store *s = NULL;
    int64_t k = 0;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM sessions WHERE client = "
                        "'203.0.113.7'", NULL, 0, &k), 0);
    KT_EQ_INT(k, 1);
    kz_store_close(&s);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    KT_EQ_INT(system(cmd), 0);
}

KT_TEST(serve_untrusted_proxy_headers)
{
    kt_server sv;
    kt_client cl;
    kt_resp r;
    char v[256];
    static const char *const extra[] = { "--trust-proxy", "10.9.9.9", NULL };
    memset(&cl, 0, sizeof cl);
    if (kt_serve_start(&sv, "noproxy", 0, staff, extra))
        return;
    const char *const h[] = { "X-Real-IP: 203.0.113.7", "X-Forwarded-Proto: https", NULL };
    KT_EQ_INT(kt_httpx(&sv, &cl, "POST", "/api/v1/login", NULL,
                       BOB, strlen(BOB), h, &r), 200);
    KT_CHECK(kt_resp_header(&r, "Set-Cookie", v, sizeof v) && !strstr(v, "Secure"));
    kt_resp_free(&r);
    kz_store *s = NULL;
    int64_t k = 0;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM sessions WHERE client = "
                        "'127.0.0.1'", NULL, 0, &k), 0);
    KT_EQ_INT(k, 1);
    kz_store_close(&s);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
