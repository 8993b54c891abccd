/*
 * ingest/fetch.h - many HTTP(S) fetches at once, from one thread, with caps.
 *
 * A thin layer over the libcurl multi interface: kz_fetch_add() queues a
 * GET, kz_fetch_poll() drives every transfer in flight and reports each one
 * that finished.  HTTP/1.1 with keep-alive (HTTP/2 over TLS when libcurl has
 * it), every content encoding libcurl can decode, redirects followed up to a
 * limit, only http and https (on every hop), no proxy from the environment.
 *
 * Every fetch has limits: body size (Content-Length checked up front, and
 * the bytes counted as they arrive, for chunked bodies), header size, URL
 * length, redirects, total time, and a low-speed limit (an idle or dripping
 * server is cut off).
 *
 * SSRF guard: every address a transfer is about to connect to - the first
 * hop and every redirect - is checked after name resolution, in libcurl's
 * open-socket callback.  Loopback, private (RFC 1918, ULA), link-local,
 * CGNAT, multicast, unspecified, documentation and other reserved ranges
 * are refused unless allow_private is set (or the address is allow_addr).
 *
 * Thread-safety: a kz_fetch is used by one thread.  curl_global_init must
 * have been called before the first kz_fetch_new (kz_fetch_global_init).
 */
#ifndef KZ_FETCH_H
#define KZ_FETCH_H

#include "util/kz.h"

struct sockaddr;

/* Why a fetch failed; KZ_FETCH_OK when a response (any status) arrived. */
#define KZ_FETCH_KINDS(X)                                  \
    X(OK,        "ok")                                     \
    X(URL,       "bad or too long URL")                    \
    X(BLOCKED,   "address refused (SSRF guard)")           \
    X(DNS,       "name not resolved")                      \
    X(CONNECT,   "connection failed")                      \
    X(TLS,       "TLS error")                              \
    X(TIMEOUT,   "timed out or too slow")                  \
    X(BODYSIZE,  "body over the size limit")               \
    X(HEADSIZE,  "headers over the size limit")            \
    X(REDIRECTS, "too many redirects")                     \
    X(PROTOCOL,  "HTTP protocol error")                    \
    X(OTHER,     "other error")

enum kz_fetch_kind {
#define X(n, s) KZ_FETCH_##n,
    KZ_FETCH_KINDS(X)
#undef X
    KZ_FETCH_NKINDS
};

/* Short name ("timeout") and text of a kind; static, never NULL. */
const char *kz_fetch_kind_name(int kind);
const char *kz_fetch_kind_text(int kind);

typedef struct kz_fetch_opts {
    const char *user_agent;      /* required */
    size_t max_body;             /* bytes; 0: 10 MiB */
    size_t max_header;           /* bytes of all headers of one response; 0: 64 KiB */
    size_t max_url;              /* bytes; 0: 8192 */
    long   max_redirs;           /* < 0: 5 */
    long   timeout_ms;           /* whole transfer; 0: 30000 */
    long   connect_timeout_ms;   /* 0: 10000 */
    long   low_speed_bytes;      /* below this many bytes/s ... 0: 100 */
    long   low_speed_secs;       /* ... for this long fails; 0: 10 */
    size_t max_parallel;         /* transfers in flight; 0: 16 */
    int    allow_private;        /* 1: no SSRF guard (tests on loopback) */
    const char *allow_addr;      /* one literal address allowed anyway, or NULL */
} kz_fetch_opts;

/* The limits that follow from one whole-fetch time limit, as kuzet's jobs
 * (crawl, verify) use them: timeout_ms (0: 30000), a connection within
 * min(timeout, 10 s), at least 100 bytes/s over min(max(timeout/1000, 1),
 * 10) s, 5 redirects.  Other fields are left as they are. */
void kz_fetch_opts_timeout(kz_fetch_opts *o, long timeout_ms);

typedef struct kz_fetch kz_fetch;

/* What kz_fetch_poll reports for a finished transfer.  Every pointer is
 * lent: valid during the callback only. */
typedef struct kz_fetch_result {
    void       *user;            /* as given to kz_fetch_add */
    const char *url;             /* as requested */
    int         kind;            /* enum kz_fetch_kind */
    const char *errmsg;          /* one line, "" when kind is OK */
    long        status;          /* HTTP status of the last hop; 0 without one */
    const char *final_url;       /* after redirects */
    const char *content_type;    /* "" when none */
    long        redirects;
    const char *body;            /* NUL-terminated; decoded (gzip, br...) */
    size_t      body_len;
} kz_fetch_result;

typedef void (*kz_fetch_done_fn)(void *arg, const kz_fetch_result *r);

/* The content encodings this libcurl decodes, as it sends them in
 * Accept-Encoding (from curl_version_info: "deflate, gzip" with zlib, then
 * "br" and "zstd" when built in).  The body limit counts decoded bytes, so
 * a compression bomb stops at max_body.  Static storage. */
const char *kz_fetch_encodings(void);

/* Once per process, before any other call (wraps curl_global_init).
 * 0 or KZ_EINTERNAL. */
int kz_fetch_global_init(void);

/* 0 with *out, or KZ_ENOMEM / KZ_EINVAL (no user agent). */
int  kz_fetch_new(kz_fetch **out, const kz_fetch_opts *o);
void kz_fetch_free(kz_fetch **fp);              /* NULL-safe; sets *fp = NULL */

/* Queue a GET of url (NUL-terminated).  0, KZ_ENOMEM, or KZ_EINTERNAL.  A
 * URL over the length limit is not an error here: it is reported by
 * kz_fetch_poll as kind URL, like every other failure. */
int kz_fetch_add(kz_fetch *f, const char *url, void *user);

/* Transfers queued or in flight. */
size_t kz_fetch_running(const kz_fetch *f);
/* May another transfer start now (fewer than max_parallel in flight)? */
int kz_fetch_has_room(const kz_fetch *f);

/* Wait up to timeout_ms for activity, move every transfer on, and call
 * done once for each that finished.  Returns the number still running, or
 * KZ_EINTERNAL when libcurl's multi handle fails. */
int kz_fetch_poll(kz_fetch *f, int timeout_ms, kz_fetch_done_fn done, void *arg);

/*
 * The SSRF guard on its own: is this address one a crawler may connect to?
 * 1 (public), 0 (refused: loopback, RFC 1918, CGNAT, ULA, link-local,
 * multicast, unspecified, documentation, benchmarking, reserved; IPv4
 * inside IPv6 (mapped, NAT64, 6to4) is judged as IPv4).  Only AF_INET and
 * AF_INET6 can be public.  kz_fetch_ip_public takes the text form and
 * returns KZ_EINVAL when it is not an IP address.
 */
int kz_fetch_addr_public(const struct sockaddr *sa);
int kz_fetch_ip_public(const char *ip);

#endif
