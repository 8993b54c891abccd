/*
 * serve/server.c - the HTTP server of kuzet serve: libmicrohttpd with its
 * internal epoll thread pool, the limits its defaults leave open
 * (connection timeout, connection and per-address limits, header size 431,
 * body cap 413 as the body arrives), one store handle per thread, the
 * dispatch through the route tables, and a clean stop on SIGTERM.
 */
#include "serve/server_int.h"
#include "serve/routes.h"
#include "serve/form.h"
#include "store/store.h"
#include "store/audit.h"
#include "case/account.h"
#include "jobs/ticker.h"
#include <arpa/inet.h>
#include <malloc.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>

kz_serve_opts kz__serve_opts;
int kz__serve_tls;

/* a body past its cap without Content-Length (chunked) is read and dropped
 * to its end, then answered 413 (libmicrohttpd 0.9.75 takes no answer while
 * a body is still arriving); past this many more bytes the connection is
 * closed instead */
#define DROP_MAX ((size_t)16 << 20)

static atomic_long inflight;

/* set on SIGTERM: connections accepted from then on are closed at once.
 * (MHD_quiesce_daemon is not used: in 0.9.75 with a thread pool on epoll it
 * races the pool's own removal of the listening socket and aborts with
 * "Failed to remove listen FD from epoll set") */
static atomic_int stopping;

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)cls;
    (void)addr;
    (void)addrlen;
    return atomic_load(&stopping) ? MHD_NO : MHD_YES;
}

/* ---- routes -------------------------------------------------------------- */

size_t kz__serve_nroutes(void)
{
    size_t n = 0;
    for (const kz_route_table *const *t = kz_route_tables; *t; t++)
        n += (*t)->n;
    return n;
}

const kz_route *kz__serve_route_at(size_t i)
{
    for (const kz_route_table *const *t = kz_route_tables; *t; t++) {
        if (i < (*t)->n)
            return &(*t)->routes[i];
        i -= (*t)->n;
    }
    return NULL;
}

/* Find the route for method and path: 0 found (*index), 404 or 405 (allow
 * lists the methods the path has). */
static unsigned route_find(const char *method, const char *path, kz_req *rq, char *allow,
                           size_t allowsz)
{
    size_t idx = 0, alen = 0;
    int path_seen = 0;
    allow[0] = '\0';
    for (const kz_route_table *const *t = kz_route_tables; *t; t++) {
        for (size_t i = 0; i < (*t)->n; i++, idx++) {
            const kz_route *r = &(*t)->routes[i];
            kz_pathparam p[KZ_PATH_MAX_PARAMS];
            size_t np = 0;
            if (!kz_path_match(r->path, path, p, &np))
                continue;
            if (!strcmp(r->method, method)) {
                rq->route = r;
                rq->route_index = idx;
                memcpy(rq->params, p, sizeof p);
                rq->nparams = np;
                return 0;
            }
            path_seen = 1;
            if (!strstr(allow, r->method)) {
                int k = snprintf(allow + alen, allowsz - alen, "%s%s%s", alen ? ", " : "",
                                 r->method, !strcmp(r->method, "GET") ? ", HEAD" : "");
                if (k > 0 && (size_t)k < allowsz - alen)
                    alen += (size_t)k;
            }
        }
    }
    return path_seen ? 405 : 404;
}

int kz_route_is_api(const kz_route *r)
{
    return !strncmp(r->path, "/api/", 5) || !strcmp(r->path, "/metrics");
}

unsigned kz_serve_role_bit(const char *role)
{
    return kz_account_role_bit(role);       /* KZ_ROLE_* follow the library's order */
}

/* ---- one store per thread ------------------------------------------------ */

static pthread_mutex_t stores_mu = PTHREAD_MUTEX_INITIALIZER;
static kz_store *stores[512];
static size_t nstores;
static __thread kz_store *my_store;
static __thread int my_store_failed;

kz_store *kz_req_store(kz_req *rq)
{
    char err[512], key[1024];
    if (my_store)
        return my_store;
    kz_store *s = NULL;
    int rc = kz_store_open(&s, kz__serve_opts.db, 1);
    if (rc)
        snprintf(err, sizeof err, "%s", kz_store_errmsg(s));
    else {
        if (kz__serve_opts.audit_key)
            snprintf(key, sizeof key, "%s", kz__serve_opts.audit_key);
        else
            kz_audit_key_path(s, key, sizeof key);
        if ((rc = kz_store_set_signer(s, key)) != 0)
            snprintf(err, sizeof err, "%s", kz_store_errmsg(s));
    }
    pthread_mutex_lock(&stores_mu);
    if (rc == 0 && nstores == KZ_ARRAY_LEN(stores))
        rc = KZ_ETOOBIG;
    if (rc == 0)
        stores[nstores++] = s;
    pthread_mutex_unlock(&stores_mu);
    if (rc) {
        if (!my_store_failed)
            fprintf(stderr, "kuzet serve: cannot open the database: %s\n", err);
        my_store_failed = 1;
        kz_store_close(&s);
        kz_resp_header(rq, "Retry-After", "5");
        kz_resp_error(rq, 503, "unavailable", "the database cannot be opened");
        return NULL;
    }
    my_store = s;
    return s;
}

static void stores_close(void)
{
    pthread_mutex_lock(&stores_mu);
    for (size_t i = 0; i < nstores; i++)
        kz_store_close(&stores[i]);
    nstores = 0;
    pthread_mutex_unlock(&stores_mu);
}

kz_actor *kz_req_actor(kz_req *rq)
{
    if (rq->actor)
        return rq->actor;
    kz_store *s = kz_req_store(rq);
    if (!s)
        return NULL;
    if (kz_account_system(&rq->actor, s) != 0) {
        kz_resp_fail(rq, KZ_ENOMEM, NULL);
        return NULL;
    }
    return rq->actor;
}

/* ---- requests ------------------------------------------------------------ */

static void req_free(kz_req *rq)
{
    if (!rq)
        return;
    kz__serve_auth_done(rq);
    kz_account_logout(&rq->actor);
    json_object_put(rq->json);
    kz_form_free(&rq->form);
    kz_buf_release(&rq->body);
    for (size_t i = 0; i < rq->nhdr; i++) {
        free(rq->hname[i]);
        free(rq->hval[i]);
    }
    for (size_t i = 0; i < KZ_PATH_MAX_PARAMS; i++)
        free(rq->pvals[i]);
    free(rq->path);
    free(rq);
}

struct hsize {
    size_t n;
};

static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct hsize *h = cls;
    h->n += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
                                             MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

/* The first call for a request: its route, its limits. */
static void req_start(kz_req *rq, const char *url, const char *method, const char *version)
{
    char allow[128];
    struct hsize hs = { strlen(url) + strlen(method) + 16 };
    MHD_get_connection_values(rq->c, MHD_HEADER_KIND, add_size, &hs);
    MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, add_size, &hs);
    if (hs.n > kz__serve_opts.max_header) {
        kz_resp_error(rq, 431, "headers_too_large",
                      "the request line and headers are over %zu bytes", kz__serve_opts.max_header);
        return;
    }
    if (!strcmp(method, "HEAD")) {
        rq->head = 1;
        method = "GET";
    }
    snprintf(rq->method, sizeof rq->method, "%s", strlen(method) < sizeof rq->method ? method
                                                                                    : "?");
    if (strlen(url) > KZ_PATH_MAX) {
        kz__serve_not_found(rq, strncmp(url, "/api/", 5) ? "/" : "/api/");
        return;
    }
    /* a blocked hostname's visitors, sent here by a resolver's landing
     * CNAME, get the block page whatever the path */
    int64_t blocked_by = 0;
    if (!strcmp(rq->method, "GET") && kz__serve_landing(rq, &blocked_by) == 1)
        url = KZ_LANDING_PATH;
    if (rq->answered)
        return;
    unsigned st = route_find(rq->method, url, rq, allow, sizeof allow);
    if (st == 404) {
        kz__serve_not_found(rq, url);
        return;
    }
    if (st == 405) {
        kz_resp_header(rq, "Allow", allow);
        kz_resp_error(rq, 405, "method_not_allowed", "%s is not allowed here (allowed: %s)",
                      rq->method, allow);
        return;
    }
    rq->max_body = rq->route->max_body ? rq->route->max_body : kz__serve_opts.max_body;
    kz_buf_init(&rq->body, rq->max_body);
    const char *cl = MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *e = NULL;
        errno = 0;
        unsigned long long v = strtoull(cl, &e, 10);
        if (errno || *e || v > rq->max_body)
            kz_resp_error(rq, 413, "too_large", "the body is over %zu bytes", rq->max_body);
    }
}

static void req_run(kz_req *rq)
{
    if (kz__serve_authorize(rq) != 0)
        return;
    int rc = rq->route->fn(rq);
    if (!rq->answered) {
        if (rc)
            kz_resp_fail(rq, rc, NULL);
        else
            kz_resp_fail(rq, KZ_EINTERNAL, "the handler gave no answer");
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    kz_req *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        atomic_fetch_add(&inflight, 1);
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        rq->c = c;
        rq->auth_kind = "";
        rq->path = kz_strdup(url);
        snprintf(rq->method, sizeof rq->method, "?");
        *con_cls = rq;
        client_addr(c, rq->client, sizeof rq->client);
        if (kz__serve_opts.trust_proxy && !strcmp(rq->client, kz__serve_opts.trust_proxy)) {
            const char *real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
            unsigned char tmp[16];
            rq->via_proxy = 1;
            if (real && strlen(real) < sizeof rq->client &&
                (inet_pton(AF_INET, real, tmp) == 1 || inet_pton(AF_INET6, real, tmp) == 1))
                snprintf(rq->client, sizeof rq->client, "%s", real);
        }
        if (!rq->path)
            return MHD_NO;
        req_start(rq, url, method, version);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->answered)               /* refused already: the rest is dropped */
            return MHD_YES;
        if (rq->over_cap) {
            /* past the cap (a body without Content-Length): read and
             * dropped to its end, then 413; a client that sends far more
             * has its connection closed instead */
            rq->dropped += n;
            return rq->dropped > DROP_MAX ? MHD_NO : MHD_YES;
        }
        if (kz_buf_add(&rq->body, upload_data, n) != 0) {
            kz_buf_release(&rq->body);
            rq->over_cap = 1;
            rq->dropped = n;
        }
        return MHD_YES;
    }
    if (rq->over_cap && !rq->answered)
        kz_resp_error(rq, 413, "too_large", "the body is over %zu bytes", rq->max_body);
    if (!rq->answered)
        req_run(rq);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    kz_req *rq = *con_cls;
    if (!rq)
        return;
    *con_cls = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kz__metrics_observe(rq, (double)(t1.tv_sec - rq->t0.tv_sec) +
                            (double)(t1.tv_nsec - rq->t0.tv_nsec) / 1e9);
    req_free(rq);
    atomic_fetch_sub(&inflight, 1);
}

static void mhd_log(void *cls, const char *fm, va_list ap)
{
    fputs("kuzet serve: ", stderr);
    vfprintf(stderr, fm, ap);
}

/* ---- running ------------------------------------------------------------- */

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
                        size_t errsz)
{
    char host[256], port[16];
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
            goto bad;
        snprintf(host, sizeof host, "%.*s", (int)(close - s - 1), s + 1);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            goto bad;
        snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
    }
    if (strlen(colon + 1) >= sizeof port || !colon[1] ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) || atoi(colon + 1) > 65535)
        goto bad;
    snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (g != 0 || !ai) {
        snprintf(err, errsz, "--listen %s: %s", s, gai_strerror(g));
        return KZ_EINVAL;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
bad:
    snprintf(err, errsz, "--listen takes HOST:PORT (127.0.0.1:8080, [::1]:8080), not '%s'", s);
    return KZ_EINVAL;
}

static char *read_pem(const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    size_t n = 0;
    if (!f) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return NULL;
    }
    p = kz_malloc(1 << 20);
    if (p) {
        n = fread(p, 1, (1 << 20) - 1, f);
        p[n] = '\0';
    }
    fclose(f);
    if (!p || n == 0) {
        snprintf(err, errsz, "%s: empty or unreadable", path);
        free(p);
        return NULL;
    }
    return p;
}

/* What a tick did, on stderr: when it moved something or failed. */
static void tick_log(void *ctx, const char *tick, const kz_jobs_result *res)
{
    (void)ctx, (void)tick;
    if (!res->ok || res->moved)
        fprintf(stderr, "kuzet serve: tick %s%s\n", res->why, res->ok ? "" : " (failed)");
}

int kz_serve_run(const kz_serve_opts *o, char *err, size_t errsz)
{
    kz_ticker *ticker = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct MHD_Daemon *d = NULL;
    char *cert = NULL, *key = NULL;
    sigset_t set;
    int rc;
    kz__serve_opts = *o;
    kz_serve_opts *so = &kz__serve_opts;
    /* Keep freed memory: by default glibc gives a thread's heap back to
     * the kernel once 128 KB are free at its top, and a page (SQLite's
     * temporary b-trees, the page buffer) faults it in again on the next
     * request; that halved the pages per second of bench/web. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    if (!so->listen) so->listen = "127.0.0.1:8080";
    if (!so->threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        so->threads = n < 2 ? 2 : n > 64 ? 64 : (unsigned)n;
    }
    if (!so->max_conns) so->max_conns = 1024;
    if (!so->per_ip) so->per_ip = 64;
    if (!so->timeout) so->timeout = 30;
    if (!so->max_body) so->max_body = 1 << 20;
    if (!so->max_header) so->max_header = 16384;
    if (!so->session_idle) so->session_idle = 1800;
    if (!so->session_max) so->session_max = 43200;
    if (!so->drain) so->drain = 30;
    if (!so->ready) so->ready = stdout;
    if ((rc = parse_listen(so->listen, &ss, &sslen, err, errsz)) != 0)
        return rc;

    if ((rc = kz__metrics_init()) != 0) {
        snprintf(err, errsz, "%s", kz_strerror(rc));
        return rc;
    }
    /* the database must be there before we listen */
    {
        kz_store *s = NULL;
        rc = kz_store_open(&s, so->db, 1);
        if (rc)
            snprintf(err, errsz, "%s", kz_store_errmsg(s));
        kz_store_close(&s);
        if (rc)
            return rc;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (so->cert || so->key) {
        if (!so->cert || !so->key) {
            snprintf(err, errsz, "--cert and --key go together");
            return KZ_EINVAL;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, errsz, "this libmicrohttpd has no TLS");
            return KZ_EINVAL;
        }
        if (!(cert = read_pem(so->cert, err, errsz)) || !(key = read_pem(so->key, err, errsz))) {
            rc = KZ_EIO;
            goto out;
        }
        flags |= MHD_USE_TLS;
        kz__serve_tls = 1;
    }
    /* the signals go to the main thread only: the pool inherits the mask */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* after the mask: its thread must not take the signals either */
    if ((rc = kz__review_setup(so->db, err, errsz)) != 0)
        goto out;

    /* a connection's memory holds the request line and headers; MHD answers
     * 431 by itself past it (our own check, max_header, answers in JSON
     * first) */
    size_t conn_mem = so->max_header * 2 + 16384;
    struct MHD_OptionItem tls_opts[] = {
        { cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert },
        { key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key },
        { MHD_OPTION_END, 0, NULL },
    };
    d = MHD_start_daemon(flags, 0, on_accept, NULL, on_request, NULL,
                         MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)so->threads,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)so->timeout,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned int)so->max_conns,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)so->per_ip,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, conn_mem,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
#if MHD_VERSION >= 0x00097205
                         MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
#endif
                         MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
                         MHD_OPTION_ARRAY, tls_opts,
                         MHD_OPTION_END);
    if (!d) {
        snprintf(err, errsz, "cannot listen on %s (address in use, or not allowed)", so->listen);
        rc = KZ_EIO;
        goto out;
    }
    if (!so->no_ticks) {
        char owner[300], hn[200] = "";
        gethostname(hn, sizeof hn - 1);
        snprintf(owner, sizeof owner, "%s:%ld:serve", hn, (long)getpid());
        kz_ticker_opts to;
        memset(&to, 0, sizeof to);
        to.uri = so->db;
        to.audit_key = so->audit_key;
        to.owner = owner;
        to.overdue_secs = so->overdue_secs;
        /* notices go out as kuzet worker sends them (docs/notices.md) */
        to.smtp_url = getenv("KUZET_SMTP");
        if (to.smtp_url && !*to.smtp_url)
            to.smtp_url = NULL;
        to.mail_from = getenv("KUZET_MAIL_FROM");
        to.log = tick_log;
        if ((rc = kz_ticker_start(&ticker, &to)) != 0) {
            snprintf(err, errsz, "%s", kz_ticker_errmsg(ticker));
            kz_ticker_stop(&ticker);
            goto out;
        }
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[64];
    if (ss.ss_family == AF_INET6) {
        char a[48];
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof a);
        snprintf(host, sizeof host, "[%s]", a);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
    }
    fprintf(so->ready, "kuzet serve: listening on %s://%s:%u\n", kz__serve_tls ? "https" : "http",
            host, di ? (unsigned)di->port : 0u);
    fflush(so->ready);

    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    fprintf(stderr, "kuzet serve: %s: stopping (finishing %ld request%s in flight)\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", (long)atomic_load(&inflight),
            atomic_load(&inflight) == 1 ? "" : "s");
    /* from here a new connection is accepted and closed at once, and the
     * backlog drains the same way: no client waits on an answer that never
     * comes */
    atomic_store(&stopping, 1);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&inflight) == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)so->drain) {
            fprintf(stderr, "kuzet serve: %ld request%s still in flight after %us; closing\n",
                    (long)atomic_load(&inflight), atomic_load(&inflight) == 1 ? "" : "s",
                    so->drain);
            break;
        }
        struct timespec ms = { 0, 10 * 1000 * 1000 };
        nanosleep(&ms, NULL);
    }
    MHD_stop_daemon(d);
    d = NULL;
    kz__review_release();
    kz_ticker_stop(&ticker);                /* after the tick in hand */
    rc = 0;
    /* the mask stays: a second SIGTERM while stopping is one more request
     * to stop, not a kill */
out:
    if (d)
        MHD_stop_daemon(d);
    kz__review_release();
    kz_ticker_stop(&ticker);
    stores_close();
    kz__metrics_free();
    free(cert);
    free(key);
    return rc;
}
