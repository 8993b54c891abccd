/*
 * serve/serve.h - kuzet serve: the HTTP front end, and how to add routes.
 *
 * The server (serve/server.c) is libmicrohttpd with its internal epoll
 * thread pool.  It is a front end like cli/: a handler parses the request,
 * calls the library (case/, act/, report/, ...) and writes JSON.  Every
 * rule of the workflow stays in the library, so the API can do nothing the
 * command line refuses, and the reverse.
 *
 * ROUTES
 * ------
 * Each file src/serve/routes_<area>.c exports one table:
 *
 *     static int get_thing(kz_req *rq);
 *     static const kz_route routes[] = {
 *         { "GET",  "/api/v1/things/{id}", KZ_ROLES_STAFF, get_thing, 0, 0 },
 *         { "POST", "/api/v1/things",      KZ_ROLE_ADMIN,  add_thing, 0, 0 },
 *     };
 *     const kz_route_table kz_routes_things = { "things", routes, KZ_ARRAY_LEN(routes) };
 *
 * and one line in serve/routes.c (the list of tables) names it, with its
 * extern declaration in serve/routes.h.  Nothing else is edited.  Paths are
 * matched exactly, segment by segment ("{name}" is one non-empty segment,
 * read with kz_req_param); the first table and route that match win.
 * A path no route has is 404 "not_found"; a path some route has with
 * another method is 405 "method_not_allowed" with an Allow header.  GET
 * routes answer HEAD too.
 *
 * WHO MAY: roles is a set of KZ_ROLE_* bits.  Deny by default: a route
 * with roles 0 answers nobody.  KZ_ROLE_PUBLIC: anyone, no log-in (the
 * handler runs as the system, kz_req_actor).  Otherwise the request must
 * carry a session cookie or an API token (401 "unauthenticated" when it
 * carries neither, or a bad one) of an account whose role is in roles
 * (403 "forbidden"); a state-changing method (POST, PUT, PATCH, DELETE)
 * made with a session must also carry its CSRF token in X-CSRF-Token (403
 * "csrf").  A token bound to one platform (a liaison's) may only call
 * routes flagged KZ_ROUTE_PLATFORM_OK.  This table is the route x role table; per-object checks (the
 * case is assigned to this reviewer, the approver is not the proposer) are
 * the library's, inside its transaction.
 *
 * HANDLERS
 * --------
 * A handler runs once the whole body has arrived (at most the route's
 * max_body bytes, else 413: at once when Content-Length says so; for a
 * chunked body, the rest read and dropped and 413 at its end).  It reads:
 *     kz_req_param(rq, "id")              a path parameter (raw text)
 *     kz_req_param_id(rq, "id", &id)      ... as a positive id (else 404)
 *     kz_req_query(rq, "state")           a query-string value, or NULL
 *     kz_req_query_check(rq, names)       refuse unknown query parameters
 *     kz_req_body(rq, spec, n, vals)      the JSON body, checked against a
 *                                         field list (serve/parse.h):
 *                                         invalid JSON 400, unknown field,
 *                                         wrong type or missing field 422
 *     kz_req_raw(rq, &len)                the body as bytes (routes with
 *                                         KZ_ROUTE_RAW_BODY: any media type)
 *     kz_req_header(rq, "If-None-Match")  a request header
 *     kz_req_store(rq)                    this thread's store handle
 *     kz_req_actor(rq)                    the acting account (or the system)
 * and answers with exactly one of
 *     kz_resp_json(rq, 200, json, len)    a JSON body (copied)
 *     kz_resp_buf(rq, 200, type, &buf)    a kz_buf's contents (taken)
 *     kz_resp_data(rq, 200, type, p, n)   any body (copied)
 *     kz_resp_error(rq, 422, "code", fmt, ...)
 *     kz_resp_fail(rq, rc, message)       a library error, mapped to its
 *                                         status in one place (below)
 * after kz_resp_header(rq, "ETag", v) for headers of its own.  Every
 * response gets the security headers (CSP without inline script,
 * frame-ancestors 'none', nosniff, Referrer-Policy no-referrer, no server
 * version) and Cache-Control: no-store unless the handler set one.
 *
 * A handler returns 0, or a KZ_E* code.  The kz_req_* readers that refuse
 * a request write the error response themselves and return nonzero, so a
 * handler just returns what they return:
 *     int64_t id; kz_fval v[2];
 *     int rc = kz_req_param_id(rq, "id", &id);
 *     if (rc || (rc = kz_req_body(rq, spec, 2, v))) return rc;
 * When a handler returns without having answered, the server answers for
 * it: the mapped error for a code, 500 "internal" for 0.
 *
 * LIBRARY ERRORS -> HTTP (kz_resp_fail, the one place):
 *     KZ_EPERM 403 forbidden     KZ_ESTATE 409 conflict
 *     KZ_EINVAL 422 invalid      KZ_ENOTFOUND 404 not_found
 *     KZ_EBADJSON 400 invalid_json   KZ_ETOOBIG 413 too_large
 *     KZ_EBADUTF8 422 invalid    KZ_EBUSY 503 busy (Retry-After: 1)
 *     anything else 500 internal (the detail goes to the log, not the client)
 * Error bodies are {"error":{"code":"...","message":"..."}}; the codes are
 * stable (docs/api.md lists them).
 *
 * THREADS: a handler may run on any of the pool's threads, many at once.
 * kz_req_store() is the calling thread's own store handle; nothing else is
 * shared unless the file that shares it locks it.
 */
#ifndef KZ_SERVE_H
#define KZ_SERVE_H

#include "util/kz.h"
#include "util/buf.h"
#include "serve/parse.h"

struct kz_store;
struct kz_actor;

/* Who may call a route: bits, one per account role, and PUBLIC. */
enum {
    KZ_ROLE_ANALYST    = 1 << 0,
    KZ_ROLE_REVIEWER   = 1 << 1,
    KZ_ROLE_SUPERVISOR = 1 << 2,
    KZ_ROLE_AUDITOR    = 1 << 3,
    KZ_ROLE_ADMIN      = 1 << 4,
    KZ_ROLE_PUBLIC     = 1 << 5,            /* anyone, without logging in */
};
#define KZ_ROLES_STAFF (KZ_ROLE_ANALYST | KZ_ROLE_REVIEWER | KZ_ROLE_SUPERVISOR | \
                        KZ_ROLE_AUDITOR | KZ_ROLE_ADMIN)
#define KZ_ROLES_WORK  (KZ_ROLE_ANALYST | KZ_ROLE_REVIEWER | KZ_ROLE_SUPERVISOR)

/* The bit of an account role name ("reviewer"); 0 for an unknown one. */
unsigned kz_serve_role_bit(const char *role);

typedef struct kz_req kz_req;
typedef int (*kz_route_fn)(kz_req *rq);

/* Route flags. */
enum {
    KZ_ROUTE_RAW_BODY = 1 << 0,             /* body of any media type, kz_req_raw */
    KZ_ROUTE_NO_CSRF  = 1 << 1,             /* a POST that needs no CSRF token (login) */
    KZ_ROUTE_PLATFORM_OK = 1 << 2,          /* open to a token bound to one platform (the
                                               handler limits it to that platform) */
    KZ_ROUTE_HTML     = 1 << 3,             /* a page of the web app (serve/html.h): refusals
                                               are pages (no session: 303 to /login), a POST
                                               carries its CSRF token in the form field
                                               "csrf" and must come from this site (Origin,
                                               Sec-Fetch-Site) */
};

typedef struct kz_route {
    const char *method;                     /* "GET", "POST", "PUT", "DELETE", ... */
    const char *path;                       /* "/api/v1/cases/{id}/assign" */
    unsigned    roles;                      /* KZ_ROLE_* bits; 0: nobody */
    kz_route_fn fn;
    unsigned    flags;                      /* KZ_ROUTE_* */
    size_t      max_body;                   /* bytes; 0: the server's --max-body */
} kz_route;

typedef struct kz_route_table {
    const char     *name;                   /* "core", "workflow", ... */
    const kz_route *routes;
    size_t          n;
} kz_route_table;

/* The tables, NULL-terminated (serve/routes.c). */
extern const kz_route_table *const kz_route_tables[];

/* 1 for a route of the API (under /api/, and /metrics), which
 * docs/openapi.yaml documents and which answers JSON; 0 for the web app's
 * pages and static files (serve/html.h). */
int kz_route_is_api(const kz_route *r);

/* ---- reading the request ------------------------------------------------- */

const char *kz_req_method(const kz_req *rq);          /* "GET" (also for HEAD) */
const char *kz_req_path(const kz_req *rq);            /* without the query string */
const kz_route *kz_req_route(const kz_req *rq);
/* A path parameter, NUL-terminated (a copy owned by rq), or NULL. */
const char *kz_req_param(kz_req *rq, const char *name);
/* A path parameter as a positive id; a bad one answers 404 and returns
 * KZ_ENOTFOUND. */
int kz_req_param_id(kz_req *rq, const char *name, int64_t *id);
/* A query-string value (percent-decoded), or NULL. */
const char *kz_req_query(kz_req *rq, const char *name);
/* Answer 400 "invalid_query" and return KZ_EINVAL when the query string
 * has a parameter not in names (NULL-terminated). */
int kz_req_query_check(kz_req *rq, const char *const *names);
/* The query of a report for a period: from, to (report/report.h
 * kz_report_period_check) and format json|csv, nothing else.  0 with
 * *csv set; else the 400 "invalid_query" is answered and KZ_EINVAL
 * returned. */
int kz_req_period(kz_req *rq, const char **from, const char **to, int *csv);
/* A request header, or NULL. */
const char *kz_req_header(kz_req *rq, const char *name);
/* The client's address, as text ("127.0.0.1"). */
const char *kz_req_client(const kz_req *rq);
/* The body, parsed and checked (kz_body_parse); strings stay valid until
 * the request ends.  A POST/PUT/PATCH body must be application/json (415
 * "unsupported_media_type").  On failure answers 400/415/422 and returns
 * nonzero. */
int kz_req_body(kz_req *rq, const kz_field *spec, size_t nspec, kz_fval *vals);
/* The raw body (NUL-terminated after *len bytes). */
const char *kz_req_raw(kz_req *rq, size_t *len);

/* This thread's store (opened on first use, signing audit entries); NULL
 * when it cannot be opened (then the request is answered 503). */
struct kz_store *kz_req_store(kz_req *rq);
/* The acting account: the logged-in person, or the system on a public
 * route.  Valid until the request ends.  NULL after an answer was written
 * (the store could not be opened). */
struct kz_actor *kz_req_actor(kz_req *rq);
/* The account name and role of the caller ("" on a public route without
 * credentials), and how it authenticated: "session", "token" or "". */
const char *kz_req_account(const kz_req *rq);
const char *kz_req_role(const kz_req *rq);
const char *kz_req_auth_kind(const kz_req *rq);
/* The platform a liaison's API token is bound to ("" for any). */
const char *kz_req_platform(const kz_req *rq);
/* The session's id and CSRF token ("" when not by session). */
const char *kz_req_session(const kz_req *rq);
const char *kz_req_csrf(const kz_req *rq);
/* 1 under TLS (cookies get Secure). */
int kz_serve_is_tls(void);
/* 1 when the client reached us over HTTPS: our own TLS, or a trusted
 * proxy's X-Forwarded-Proto: https. */
int kz_req_https(kz_req *rq);
/* The session timeouts in seconds. */
unsigned kz_serve_session_idle(void);
unsigned kz_serve_session_max(void);

/* ---- answering ----------------------------------------------------------- */

/* Add a response header (copied); at most 16 per response. */
int kz_resp_header(kz_req *rq, const char *name, const char *value);
int kz_resp_json(kz_req *rq, unsigned status, const char *json, size_t n);
/* Takes buf's memory (buf is left empty). */
int kz_resp_buf(kz_req *rq, unsigned status, const char *content_type, kz_buf *buf);
/* 200 {"key":[line,line,...]} from the library's JSON lines (one object a
 * line, as its *_json listings write them). */
int kz_resp_lines(kz_req *rq, const char *key, const kz_buf *lines);
int kz_resp_data(kz_req *rq, unsigned status, const char *content_type, const void *p,
                 size_t n);
/* 304, 204: no body. */
int kz_resp_empty(kz_req *rq, unsigned status);
/* {"error":{"code":code,"message":...}} with status. Returns KZ_EINVAL so a
 * handler can "return kz_resp_error(...)". */
int kz_resp_error(kz_req *rq, unsigned status, const char *code, const char *fmt, ...)
    KZ_PRINTF(4, 5);
/* A library error code, mapped to its status and code (see above), with
 * message (NULL: kz_strerror(rc)).  Returns rc. */
int kz_resp_fail(kz_req *rq, int rc, const char *message);
/* The status and code kz_resp_fail uses for rc. */
unsigned kz_serve_status_of(int rc, const char **code);
/* 1 once an answer is written. */
int kz_req_answered(const kz_req *rq);

/* ---- running ------------------------------------------------------------- */

typedef struct kz_serve_opts {
    const char *listen;                     /* "127.0.0.1:8080", "[::1]:8080" */
    const char *db;                         /* store URI (NULL: $KUZET_DB, default) */
    const char *audit_key;                  /* NULL: kz_audit_key_path */
    const char *cert, *key;                 /* PEM files: TLS; NULL: plain HTTP */
    unsigned    threads;                    /* the pool (default: CPUs, at least 2) */
    unsigned    max_conns;                  /* connection limit (default 1024) */
    unsigned    per_ip;                     /* per-address limit (default 64) */
    unsigned    timeout;                    /* idle connection timeout, s (default 30) */
    size_t      max_body;                   /* default body cap (1 MiB) */
    size_t      max_header;                 /* request line + headers (16 KiB) -> 431 */
    unsigned    session_idle;               /* s (default 1800) */
    unsigned    session_max;                /* s (default 43200) */
    unsigned    drain;                      /* SIGTERM: s to finish in flight (30) */
    const char *trust_proxy;                /* a reverse proxy's address: from it, the
                                               client is X-Real-IP and the scheme
                                               X-Forwarded-Proto; NULL: none */
    FILE       *ready;                      /* where "listening on URL" goes (stdout) */
    int         no_ticks;                   /* 1: run no on-time jobs (jobs/ticker.h) */
    int64_t     overdue_secs;               /* the overdue tick's interval (0: as scheduled) */
} kz_serve_opts;

/* Run until SIGTERM or SIGINT: stop accepting, finish the requests in
 * flight (up to drain seconds), close.  Unless no_ticks, a thread runs the
 * on-time jobs meanwhile (jobs/ticker.h: leased as the workers lease them
 * on PostgreSQL, so once however many processes are up).  0 after a clean stop; otherwise a
 * KZ_E* code with err saying why (cannot listen, no database...). */
int kz_serve_run(const kz_serve_opts *o, char *err, size_t errsz);

#endif
