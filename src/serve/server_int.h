/*
 * serve/server_int.h - private to src/serve/: the request as the server,
 * the auth layer and the response helpers share it.  Route files use only
 * serve/serve.h.
 */
#ifndef KZ_SERVE_INT_H
#define KZ_SERVE_INT_H

#include "serve/serve.h"
#include <microhttpd.h>
#include <json-c/json.h>
#include <time.h>

#define KZ_RESP_MAX_HEADERS 16

struct kz_req {
    struct MHD_Connection *c;
    const kz_route *route;
    size_t          route_index;            /* in the flat list (metrics) */
    char            method[8];              /* HEAD is "GET" here */
    int             head;
    char           *path;
    kz_pathparam    params[KZ_PATH_MAX_PARAMS];
    size_t          nparams;
    char           *pvals[KZ_PATH_MAX_PARAMS];
    kz_buf          body;
    size_t          max_body;
    int             over_cap;               /* the body passed max_body (no Content-Length) */
    size_t          dropped;                /* bytes read and dropped since */
    json_object    *json;                   /* the parsed body, kz_req_body */
    struct kz_form *form;                   /* a form post's fields, kz_req_form */
    int             lang;                   /* kz_req_lang + 1; 0: not known yet */
    char            client[64];
    int             via_proxy;              /* from the trusted proxy */
    struct timespec t0;

    /* who */
    struct kz_actor *actor;
    int64_t         account_id;
    char            account[72];
    char            role[16];
    const char     *auth_kind;              /* "session", "token", "" */
    char            session[64];            /* the session id, when by session */
    char            csrf[72];               /* its CSRF token */
    char            platform[128];          /* a token's platform scope ("" any) */

    /* the answer */
    int             answered;
    int             queue_failed;           /* MHD took no answer (mid-upload) */
    unsigned        status;
    const char     *err_code;               /* for the log */
    char           *hname[KZ_RESP_MAX_HEADERS], *hval[KZ_RESP_MAX_HEADERS];
    size_t          nhdr;
    int             cache_set;
};

/* The server's settings, read by the modules (set once before starting). */
extern kz_serve_opts kz__serve_opts;
extern int kz__serve_tls;

/* auth.c: find who calls (session cookie or bearer token), check the route's
 * roles and CSRF.  0 to go on, or nonzero with the answer written. */
int kz__serve_authorize(kz_req *rq);
/* auth.c: release what authorization held for rq. */
void kz__serve_auth_done(kz_req *rq);
/* Who is asking, when a valid session cookie says so, for a page that
 * needs no log-in but shows the logged-in header (the 404 page); nothing
 * when there is none.  auth.c */
void kz__serve_identify(kz_req *rq);

/* html.c: answer a refusal of a page route (KZ_ROUTE_HTML) as a page:
 * 401 -> 303 to the log-in page, others an error page. */
int kz__web_refuse(kz_req *rq, unsigned status, const char *code, const char *msg);
/* No route for path: under /api/ the API's JSON 404, elsewhere the web
 * app's "Not found" page in the viewer's language (serve/html.c). */
void kz__serve_not_found(kz_req *rq, const char *path);

/* http.c: write the MHD response for rq (status, body, headers). */
int kz__resp_queue(kz_req *rq, unsigned status, const char *type, void *body, size_t n,
                   int must_free);

/* routes_review.c: the dashboard's figures and the thread that keeps them
 * fresh; set up before the daemon starts, released after it stopped. */
int  kz__review_setup(const char *db, char *err, size_t errsz);
void kz__review_release(void);

/* metrics.c: counters for /metrics. */
int  kz__metrics_init(void);
void kz__metrics_free(void);
void kz__metrics_observe(const kz_req *rq, double secs);
int  kz__metrics_route(kz_req *rq);

/* server.c: the number of routes in all tables, and route i of them. */
size_t kz__serve_nroutes(void);
const kz_route *kz__serve_route_at(size_t i);

#endif
