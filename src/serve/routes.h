/*
 * serve/routes.h - the route tables of kuzet serve, one per routes_*.c
 * file; serve/routes.c lists them (serve/serve.h says how to add one).
 */
#ifndef KZ_SERVE_ROUTES_H
#define KZ_SERVE_ROUTES_H

#include "serve/serve.h"
/* pipeline/scanout.h, detect/scan.h */
typedef struct kz_ruletest kz_ruletest;
typedef struct kz_scanner kz_scanner;

extern const kz_route_table kz_routes_core;       /* routes_core.c: health, metrics */
extern const kz_route_table kz_routes_auth;       /* routes_auth.c: log-in, sessions, tokens */
extern const kz_route_table kz_routes_workflow;   /* routes_workflow.c: items, cases, notices,
                                                     appeals, users, report, audit */
extern const kz_route_table kz_routes_platforms;  /* routes_platforms.c: platforms, a notice's
                                                     deliveries and answers */
extern const kz_route_table kz_routes_statements; /* routes_statements.c: DSA statements */
/* the public and data routes (check, blocklists, rules, scan, banks) are
 * declared below this line */
extern const kz_route_table kz_routes_check;      /* routes_check.c: check, blocklist */
extern const kz_route_table kz_routes_rules;      /* routes_rules.c: rules, rule tester, scan */
extern const kz_route_table kz_routes_banks;      /* routes_banks.c: hash banks, HMA lookup */
extern const kz_route_table kz_routes_status;     /* routes_status.c: the workers and the queue */
extern const kz_route_table kz_routes_pages;      /* routes_pages.c: the web app's settings,
                                                     lists, rule tester */
extern const kz_route_table kz_routes_media;      /* routes_media.c: the images kept */
extern const kz_route_table kz_routes_users;      /* routes_users.c: the users (admin) */

/* Log in as POST /api/v1/login does (routes_auth.c; the log-in page calls
 * it too): log-in throttling, the password check, a new session and its
 * HttpOnly SameSite=Strict cookie (added to rq's answer).  0: logged in,
 * csrf and role filled; KZ_EPERM: wrong name or password (the reason is in
 * the audit log only); KZ_EBUSY: throttled, *wait seconds; else an error
 * with why. */
int kz_serve_login(kz_req *rq, const char *name, const char *password, char csrf[65],
                   unsigned *wait, char role[16], char *why, size_t whysz);
/* End the caller's session and clear its cookie (routes_auth.c). */
int kz_serve_logout(kz_req *rq);

/* the web app's pages (KZ_ROUTE_HTML, serve/html.h) below this line */
extern const kz_route_table kz_routes_web;        /* routes_web.c: static files, language,
                                                     log-in, log-out, own account */
extern const kz_route_table kz_routes_review;     /* routes_review.c: dashboard, review queue,
                                                     case page and its forms */

extern const kz_route_table kz_routes_webpub;     /* web_public.c: the public web pages */

/* The path of the block page for a blocked Host (web_public.c). */
#define KZ_LANDING_PATH "/blocked"
/* 1 when the request's Host is a DNS name (not an address, not localhost)
 * that the blocklist in effect blocks, with *decision the decision; 0 when
 * not; negative when the list cannot be read (routes_check.c).  The
 * server answers every GET for such a Host with KZ_LANDING_PATH. */
int kz__serve_landing(kz_req *rq, int64_t *decision);

/* What the public and data routes are set up with (kuzet serve's options). */
typedef struct kz_serve_public_opts {
    const char *rules;          /* --rules FILE: the rule set of scan and the tester (NULL: the
                                   one published in the database, followed) */
    long rules_check;           /* --rules-check: seconds between looks for a newer
                                   published version (< 0: 5) */
    double list_age;            /* --list-age: seconds a blocklist version is served before
                                   the list in effect is read again (<= 0: 5) */
    const char *rpz_origin;     /* --rpz-origin ZONE (NULL: rpz.local) */
    const char *landing;        /* --landing HOST: RPZ/unbound CNAME target (NULL: NXDOMAIN) */
    const char *db;             /* the store the background reader opens (NULL: $KUZET_DB) */
    const char *audit_key;      /* its signer (a new version is audited; NULL: the default) */
} kz_serve_public_opts;

/* For the web app's rules page (routes_rules.c): the scanner of this
 * request (the file of --rules, else the rule set published in the
 * database, a newer one taken without a restart; NULL: none), held until
 * kz_serve_rules_put; and the rule tester's result with it for
 * text[0..n) (pipeline/scanout.h; kz_ruletest_release it before the put),
 * as POST /api/v1/rules/test computes it; KZ_ENOTFOUND with no scanner,
 * KZ_ETOOBIG past its limit. */
const kz_scanner *kz_serve_rules_get(kz_req *rq);
void kz_serve_rules_put(const kz_scanner *sc);       /* NULL-safe */
int kz_serve_rules_test(const kz_scanner *sc, const char *text, size_t n, kz_ruletest *out);

/* Before kz_serve_run: start the blocklist feed (routes_check.c), compile
 * the rules (routes_rules.c), set up the banks' scratch (routes_banks.c);
 * serve/public.c.  0, or a KZ_E* code with err saying why. */
int kz_serve_public_setup(const kz_serve_public_opts *o, char *err, size_t errsz);
/* After kz_serve_run (NULL-safe to call twice). */
void kz_serve_public_release(void);
/* Reads of the list in effect so far: by a request (the first, or while
 * the background reader has none yet) and by the background reader
 * (routes_check.c). */
void kz_serve_public_reads(unsigned long *by_request, unsigned long *background);

#endif
