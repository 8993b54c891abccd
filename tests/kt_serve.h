/*
 * tests/kt_serve.h - start the real `kuzet serve` and call it over HTTP.
 *
 *     kt_server sv;
 *     if (kt_serve_start(&sv, "health", 0, setup, NULL)) return;  // SQLite
 *     kt_resp r;
 *     KT_EQ_INT(kt_http(&sv, NULL, "GET", "/api/v1/health", NULL, &r), 200);
 *     kt_resp_free(&r);
 *     KT_EQ_INT(kt_serve_stop(&sv), 0);                              // SIGTERM, exit 0
 *
 * kt_serve_start makes a fresh store (SQLite in a temporary directory, or,
 * with pg, a database on $KUZET_TEST_PG: without it the test is skipped),
 * calls setup(store) to fill it (may be NULL), closes it, then runs
 * `kuzet serve --listen 127.0.0.1:0 --db URI --audit-key DIR/key
 * --threads 2 EXTRA...` and waits (10 s at most) for its "listening on"
 * line, which names the port it got.  Its stderr goes to sv.log.
 */
#ifndef KT_SERVE_H
#define KT_SERVE_H

#include "kt_store.h"
#include <sys/types.h>

typedef struct kt_server {
    char    dir[64];
    char    uri[768];
    char    key[128];
    char    log[128];
    int     pg;
    kt_pgdb pgdb;
    pid_t   pid;
    int     port;
    char    base[64];                 /* http://127.0.0.1:PORT */
} kt_server;

typedef void (*kt_setup_fn)(kz_store *s);

int  kt_serve_start(kt_server *sv, const char *tag, int pg, kt_setup_fn setup,
                    const char *const *extra);
/* Another `kuzet serve` process on sv's store (a second server of one
 * database), into *more; kt_serve_stop(more) stops it and keeps the store. */
int  kt_serve_more(const kt_server *sv, kt_server *more, const char *const *extra);
/* SIGTERM, then wait (15 s at most, then SIGKILL): the exit status, or -1
 * when killed.  Removes the store. */
int  kt_serve_stop(kt_server *sv);
/* The server's stderr so far (malloc'd; the caller frees). */
char *kt_serve_log(const kt_server *sv);

/* A client: the session cookie and CSRF token after kt_login_http, or an
 * API token.  Set-Cookie answers update the cookie. */
typedef struct kt_client {
    char cookie[256];                 /* "kuzet_session=..." */
    char csrf[128];
    char token[256];                  /* bearer token; "" none */
    int  no_csrf;                     /* 1: do not send X-CSRF-Token */
} kt_client;

typedef struct kt_resp {
    long   status;
    char  *body;                      /* NUL-terminated */
    size_t len;
    char  *headers;                   /* the raw header block */
} kt_resp;

/* One request: status (0 when it could not be made).  body NULL: none;
 * it is sent as application/json unless ctype says otherwise.  headers: a
 * NULL-terminated list of "Name: value" lines, or NULL. */
long kt_http(const kt_server *sv, kt_client *cl, const char *method, const char *path,
             const char *body, kt_resp *r);
long kt_httpx(const kt_server *sv, kt_client *cl, const char *method, const char *path,
              const char *ctype, const char *body, size_t n, const char *const *headers,
              kt_resp *r);
void kt_resp_free(kt_resp *r);
/* The value of a response header (case-insensitive name), or NULL. */
const char *kt_resp_header(const kt_resp *r, const char *name, char *out, size_t outsz);
/* A top-level string or number member of a JSON body, as text, or NULL. */
const char *kt_json_get(const char *body, const char *key, char *out, size_t outsz);

/* A web app form post as a browser on this site sends it
 * (application/x-www-form-urlencoded, Sec-Fetch-Site: same-origin), with
 * "csrf=<cl->csrf>&" before fields ("a=1&b=x+y", already encoded; may be
 * ""): status. */
long kt_form_http(const kt_server *sv, kt_client *cl, const char *path, const char *fields,
                  kt_resp *r);

/* Add root (admin), ann and bob (reviewers), sue and sam (supervisors), al
 * (analyst), aud (auditor), passwords NAME-password-123, logging in once
 * (each Argon2id hash costs 64 MiB and a fraction of a second). */
void kt_serve_staff(kz_store *s);

/* POST /api/v1/login as name (NAME-password-123): status; the client keeps
 * the cookie and CSRF token. */
long kt_login_http(const kt_server *sv, kt_client *cl, const char *name);

#endif
