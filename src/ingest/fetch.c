/*
 * ingest/fetch.c - libcurl multi transfers with size, time and address caps.
 *
 * Each transfer owns a body buffer (kz_buf with the body limit) and counts
 * header bytes; the write and header callbacks stop the transfer (by
 * returning a short count) when a limit is passed, and remember why, so the
 * failure is reported as BODYSIZE/HEADSIZE rather than libcurl's generic
 * write error.  The open-socket callback is the SSRF guard: it sees the
 * resolved address of every connection, redirects included.
 */
#include "ingest/fetch.h"
#include "util/buf.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct xfer {
    kz_fetch  *f;
    CURL      *e;
    void      *user;
    char      *url;
    kz_buf     body;
    size_t     hdr_bytes;
    int        over_body, over_head, blocked, bad_url;
    char       blocked_ip[INET6_ADDRSTRLEN];
    char       errbuf[CURL_ERROR_SIZE];
    struct xfer *next;                 /* in the list of transfers */
};

struct kz_fetch {
    CURLM        *m;
    kz_fetch_opts o;
    char         *ua;
    char         *allow_addr;
    struct xfer  *list;
    size_t        running;
};

static const char *const kind_names[] = {
#define X(n, s) #n,
    KZ_FETCH_KINDS(X)
#undef X
};
static const char *const kind_texts[] = {
#define X(n, s) s,
    KZ_FETCH_KINDS(X)
#undef X
};

const char *kz_fetch_kind_name(int kind)
{
    static char lower[KZ_FETCH_NKINDS][16];
    if (kind < 0 || kind >= KZ_FETCH_NKINDS)
        return "other";
    if (!lower[kind][0]) {              /* idempotent; same bytes from any thread */
        const char *s = kind_names[kind];
        size_t i = 0;
        for (; s[i] && i < sizeof lower[kind] - 1; i++)
            lower[kind][i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        lower[kind][i] = '\0';
    }
    return lower[kind];
}

const char *kz_fetch_kind_text(int kind)
{
    return kind >= 0 && kind < KZ_FETCH_NKINDS ? kind_texts[kind] : "other error";
}

const char *kz_fetch_encodings(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    int z = v && (v->features & CURL_VERSION_LIBZ), br = v && (v->features & CURL_VERSION_BROTLI),
        zs = v && (v->features & CURL_VERSION_ZSTD);
    static const char *const names[8] = {
        "identity", "deflate, gzip", "br", "deflate, gzip, br",
        "zstd", "deflate, gzip, zstd", "br, zstd", "deflate, gzip, br, zstd",
    };
    return names[(z ? 1 : 0) | (br ? 2 : 0) | (zs ? 4 : 0)];
}

void kz_fetch_opts_timeout(kz_fetch_opts *o, long timeout_ms)
{
    if (timeout_ms <= 0)
        timeout_ms = 30000;
    o->timeout_ms = timeout_ms;
    o->connect_timeout_ms = KZ_MIN(timeout_ms, 10000L);
    o->low_speed_secs = KZ_MAX(1L, KZ_MIN(10L, timeout_ms / 1000));
    o->max_redirs = 5;
}

int kz_fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : KZ_EINTERNAL;
}

/* ---- the SSRF guard ---- */

static int v4_public(const uint8_t a[4])
{
    uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    static const struct { uint32_t net; int bits; } bad[] = {
        { 0x00000000, 8 },   /* "this network", 0.0.0.0 */
        { 0x0A000000, 8 },   /* RFC 1918 */
        { 0x64400000, 10 },  /* CGNAT 100.64/10 */
        { 0x7F000000, 8 },   /* loopback */
        { 0xA9FE0000, 16 },  /* link-local (cloud metadata lives here) */
        { 0xAC100000, 12 },  /* RFC 1918 */
        { 0xC0000000, 24 },  /* IETF protocol assignments */
        { 0xC0000200, 24 },  /* TEST-NET-1 */
        { 0xC0586300, 24 },  /* 6to4 relay anycast */
        { 0xC0A80000, 16 },  /* RFC 1918 */
        { 0xC6120000, 15 },  /* benchmarking */
        { 0xC6336400, 24 },  /* TEST-NET-2 */
        { 0xCB007100, 24 },  /* TEST-NET-3 */
        { 0xE0000000, 4 },   /* multicast */
        { 0xF0000000, 4 },   /* reserved, broadcast */
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(bad); i++)
        if ((x >> (32 - bad[i].bits)) == (bad[i].net >> (32 - bad[i].bits)))
            return 0;
    return 1;
}

static int v6_public(const uint8_t a[16])
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
        return v4_public(a + 12);
    if (a[0] == 0x20 && a[1] == 0x02)               /* 6to4: 2002:V4ADDR::/48 */
        return v4_public(a + 2);
    if ((a[0] & 0xe0) != 0x20)                      /* only 2000::/3 is global unicast */
        return 0;                                   /* (::, ::1, fc00::/7, fe80::/10, ff00::/8...) */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] < 0x02)  /* 2001::/23 IETF (Teredo, ORCHID...) */
        return 0;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)  /* 2001:db8::/32 docs */
        return 0;
    if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)            /* 3fff::/20 docs */
        return 0;
    return 1;
}

int kz_fetch_addr_public(const struct sockaddr *sa)
{
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return v4_public((const uint8_t *)&in.sin_addr.s_addr);
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        return v6_public(in6.sin6_addr.s6_addr);
    }
    return 0;
}

int kz_fetch_ip_public(const char *ip)
{
    uint8_t a[16];
    if (!ip)
        return KZ_EINVAL;
    if (inet_pton(AF_INET, ip, a) == 1)
        return v4_public(a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return v6_public(a);
    return KZ_EINVAL;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
    out[0] = '\0';
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    if (!x->f->o.allow_private && !kz_fetch_addr_public(&a->addr)) {
        char ip[INET6_ADDRSTRLEN];
        addr_text(&a->addr, ip, sizeof ip);
        if (!x->f->allow_addr || strcmp(ip, x->f->allow_addr) != 0) {
            x->blocked = 1;
            memcpy(x->blocked_ip, ip, sizeof ip);
            return CURL_SOCKET_BAD;
        }
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* ---- callbacks with caps ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (kz_buf_add(&x->body, p, n) != 0) {
        x->over_body = 1;
        return 0;                        /* stops the transfer: CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    (void)p;
    x->hdr_bytes += n;
    if (x->hdr_bytes > x->f->o.max_header) {
        x->over_head = 1;
        return 0;
    }
    return n;
}

/* ---- the handle ---- */

int kz_fetch_new(kz_fetch **out, const kz_fetch_opts *o)
{
    kz_fetch *f = NULL;
    int rc = KZ_EINVAL;
    if (!out || !o || !o->user_agent)
        goto out;
    rc = KZ_ENOMEM;
    if (!(f = kz_calloc(1, sizeof *f)))
        goto out;
    f->o = *o;
    if (!f->o.max_body) f->o.max_body = 10u << 20;
    if (!f->o.max_header) f->o.max_header = 64u << 10;
    if (!f->o.max_url) f->o.max_url = 8192;
    if (f->o.max_redirs < 0) f->o.max_redirs = 5;
    if (!f->o.timeout_ms) f->o.timeout_ms = 30000;
    if (!f->o.connect_timeout_ms) f->o.connect_timeout_ms = 10000;
    if (!f->o.low_speed_bytes) f->o.low_speed_bytes = 100;
    if (!f->o.low_speed_secs) f->o.low_speed_secs = 10;
    if (!f->o.max_parallel) f->o.max_parallel = 16;
    if (!(f->ua = kz_strdup(o->user_agent)))
        goto out;
    if (o->allow_addr && !(f->allow_addr = kz_strdup(o->allow_addr)))
        goto out;
    f->o.user_agent = f->ua;
    f->o.allow_addr = f->allow_addr;
    rc = KZ_EINTERNAL;
    if (!(f->m = curl_multi_init()))
        goto out;
    curl_multi_setopt(f->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->o.max_parallel);
    curl_multi_setopt(f->m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    *out = f;
    f = NULL;
    rc = 0;
out:
    kz_fetch_free(&f);
    return rc;
}

static void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    if (x->e) {
        if (x->f && x->f->m)
            curl_multi_remove_handle(x->f->m, x->e);
        curl_easy_cleanup(x->e);
    }
    kz_buf_release(&x->body);
    free(x->url);
    free(x);
}

void kz_fetch_free(kz_fetch **fp)
{
    kz_fetch *f = fp ? *fp : NULL;
    if (!f)
        return;
    while (f->list) {
        struct xfer *x = f->list;
        f->list = x->next;
        xfer_free(x);
    }
    if (f->m)
        curl_multi_cleanup(f->m);
    free(f->ua);
    free(f->allow_addr);
    free(f);
    *fp = NULL;
}

size_t kz_fetch_running(const kz_fetch *f)
{
    return f ? f->running : 0;
}

int kz_fetch_has_room(const kz_fetch *f)
{
    return f && f->running < f->o.max_parallel;
}

int kz_fetch_add(kz_fetch *f, const char *url, void *user)
{
    struct xfer *x = NULL;
    int rc = KZ_ENOMEM;
    if (!(x = kz_calloc(1, sizeof *x)))
        goto out;
    x->f = f;
    x->user = user;
    kz_buf_init(&x->body, f->o.max_body);
    if (!(x->url = kz_strdup(url)))
        goto out;
    rc = KZ_EINTERNAL;
    if (!(x->e = curl_easy_init()))
        goto out;
    CURL *e = x->e;
    if (strlen(url) > f->o.max_url)
        x->bad_url = 1;
    /* an over-long URL still goes through the multi handle (to a URL no
     * server sees), so that it is reported like every other failure */
    curl_easy_setopt(e, CURLOPT_URL, x->bad_url ? "http://invalid./" : url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PROXY, "");                  /* never from the environment */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, f->o.max_redirs);
    curl_easy_setopt(e, CURLOPT_AUTOREFERER, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->ua);
    /* "": every encoding libcurl decodes (kz_fetch_encodings()); on_body
     * sees the decoded bytes, so max_body caps what a bomb expands to */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->o.max_body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, f->o.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, f->o.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, f->o.low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, f->o.low_speed_secs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    if (curl_multi_add_handle(f->m, e) != CURLM_OK)
        goto out;
    x->next = f->list;
    f->list = x;
    f->running++;
    return 0;
out:
    if (x && x->e) {
        curl_easy_cleanup(x->e);
        x->e = NULL;
    }
    xfer_free(x);
    return rc;
}

static int classify(struct xfer *x, CURLcode cc, char *msg, size_t msgsz)
{
    if (x->bad_url) {
        snprintf(msg, msgsz, "URL longer than %zu bytes", x->f->o.max_url);
        return KZ_FETCH_URL;
    }
    if (x->blocked) {
        snprintf(msg, msgsz, "refused to connect to %s (not a public address)", x->blocked_ip);
        return KZ_FETCH_BLOCKED;
    }
    if (x->over_body || cc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(msg, msgsz, "body over %zu bytes", x->f->o.max_body);
        return KZ_FETCH_BODYSIZE;
    }
    if (x->over_head) {
        snprintf(msg, msgsz, "headers over %zu bytes", x->f->o.max_header);
        return KZ_FETCH_HEADSIZE;
    }
    snprintf(msg, msgsz, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
    switch (cc) {
    case CURLE_OK: msg[0] = '\0'; return KZ_FETCH_OK;
    case CURLE_URL_MALFORMAT: case CURLE_UNSUPPORTED_PROTOCOL: return KZ_FETCH_URL;
    case CURLE_COULDNT_RESOLVE_HOST: return KZ_FETCH_DNS;
    case CURLE_COULDNT_CONNECT: return KZ_FETCH_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return KZ_FETCH_TIMEOUT;
    case CURLE_TOO_MANY_REDIRECTS: return KZ_FETCH_REDIRECTS;
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE:
        return KZ_FETCH_TLS;
    case CURLE_WEIRD_SERVER_REPLY: case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR: case CURLE_SEND_ERROR: case CURLE_HTTP2: case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return KZ_FETCH_PROTOCOL;
    default: return KZ_FETCH_OTHER;
    }
}

static void finish(kz_fetch *f, struct xfer *x, CURLcode cc, kz_fetch_done_fn done, void *arg)
{
    char msg[CURL_ERROR_SIZE + 64];
    kz_fetch_result r;
    memset(&r, 0, sizeof r);
    r.user = x->user;
    r.url = x->url;
    r.kind = classify(x, cc, msg, sizeof msg);
    r.errmsg = msg;
    char *eff = NULL, *ct = NULL;
    curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(x->e, CURLINFO_EFFECTIVE_URL, &eff);
    curl_easy_getinfo(x->e, CURLINFO_CONTENT_TYPE, &ct);
    curl_easy_getinfo(x->e, CURLINFO_REDIRECT_COUNT, &r.redirects);
    r.final_url = eff && !x->bad_url ? eff : x->url;
    r.content_type = ct ? ct : "";
    if (r.kind == KZ_FETCH_OK) {
        r.body = x->body.p ? x->body.p : "";
        r.body_len = x->body.len;
    } else {
        r.body = "";
    }
    if (done)
        done(arg, &r);
    /* unlink and free */
    for (struct xfer **pp = &f->list; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    f->running--;
    xfer_free(x);
}

int kz_fetch_poll(kz_fetch *f, int timeout_ms, kz_fetch_done_fn done, void *arg)
{
    int still = 0, left = 0;
    if (f->running == 0)
        return 0;
    if (curl_multi_perform(f->m, &still) != CURLM_OK)
        return KZ_EINTERNAL;
    if (still > 0 && curl_multi_poll(f->m, NULL, 0, timeout_ms, NULL) != CURLM_OK)
        return KZ_EINTERNAL;
    if (curl_multi_perform(f->m, &still) != CURLM_OK)
        return KZ_EINTERNAL;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(f->m, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        CURLcode cc = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x)
            finish(f, x, cc, done, arg);
    }
    return (int)f->running;
}
