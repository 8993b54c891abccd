/*
 * serve/routes_rules.c - the rules, the rule tester and the scan of posted
 * texts (pipeline/scanout.h), with the rules pipeline/liverules.h gives:
 * the file of --rules, compiled at the start, or else the rule set
 * published in the database, a newer version taken between two requests
 * (looked for at most every --rules-check) without a restart.  A request
 * holds the scanner it got until it is answered.  Per pool thread, the
 * scratch a test or a scan needs, made again when the scanner changes.
 * Also what the web app's rules page asks (routes_pages.c).  docs/api.md
 * lists the routes and who may call them.
 */
#include "serve/public_int.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "pipeline/liverules.h"
#include "pipeline/scanout.h"
#include "store/store.h"

#define SCAN_MAX_BODY  ((size_t)16 << 20)    /* POST /scan: JSON Lines */
#define SCAN_MAX_LINE  ((size_t)1 << 20)     /* one record, as kuzet scan's default */
#define TEST_MAX_TEXT  ((int64_t)1 << 20)    /* the rule tester's text (the body: --max-body) */

static kz_liverules *live;
static pthread_mutex_t say_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t said_failed;         /* the version whose failure was said last */

typedef struct tls {
    kz_scan_ctx *sc;
    const kz_scanner *for_sc;       /* sc was made for this scanner, */
    char for_version[80];           /* of this version (a freed scanner's address
                                       may come back; a version number does not) */
    kz_norm *nm;
    kz_jsonl *jl;
} tls;

static void tls_free(void *p)
{
    tls *t = p;
    if (!t)
        return;
    kz_scan_ctx_free(t->sc);
    kz_norm_free(t->nm);
    kz_jsonl_free(t->jl);
    free(t);
}

static void *tls_make(void)
{
    tls *t = kz_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nm = kz_norm_new();
    t->jl = kz_jsonl_new(SCAN_MAX_LINE);
    if (!t->nm || !t->jl) {
        tls_free(t);
        return NULL;
    }
    return t;
}

static kz_scratch scratch = { tls_make, tls_free, 0, 0 };

int kz__rules_setup(const char *rules, long check_secs, char *err, size_t errsz)
{
    kz_buf errs;
    int rc = 0;
    if (kz__scratch_init(&scratch) != 0) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    kz_buf_init(&errs, 1 << 16);
    long ms = check_secs < 0 ? KZ_LIVERULES_CHECK_MS : check_secs * 1000;
    if ((rc = kz_liverules_open(&live, rules, ms, &errs)) != 0) {
        snprintf(err, errsz, "%s: rules not loaded: %.*s", rules ? rules : "rules",
                 (int)KZ_MIN(errs.len, 800), errs.p ? errs.p : "");
        if (rc != KZ_ENOMEM)
            rc = KZ_EBADRULE;
    }
    kz_buf_release(&errs);
    return rc;
}

void kz__rules_release(void)
{
    kz__scratch_release(&scratch);
    kz_liverules_free(&live);
    said_failed = 0;
}

/* This thread's scratch, its scan context made for sc (again when sc is
 * not the scanner it was made for); NULL on ENOMEM. */
static tls *scratch_for(const kz_scanner *sc)
{
    tls *t = kz__scratch_get(&scratch);
    const char *v = kz_scanner_version(sc);
    if (t && (t->for_sc != sc || strcmp(t->for_version, v) || !t->sc)) {
        kz_scan_ctx_free(t->sc);
        t->for_sc = sc;
        snprintf(t->for_version, sizeof t->for_version, "%s", v);
        if (!(t->sc = kz_scan_ctx_new(sc)))
            return NULL;
    }
    return t;
}

/* The scanner for this request (kz_serve_rules_put it), and this thread's
 * scratch made for it: 0, KZ_ENOTFOUND (no rules: none published, no
 * --rules; or the first version could not be loaded), KZ_ENOMEM.  A new
 * version taken, or one that could not be loaded, is said on stderr. */
static int take(kz_req *rq, const kz_scanner **sc, tls **tp)
{
    kz_liverules_news nw;
    *sc = NULL;
    *tp = NULL;
    if (!live)
        return KZ_ENOTFOUND;
    int rc = kz_liverules_get(live, kz_req_store(rq), sc, &nw);
    if ((nw.changed || (nw.rc && nw.failed)) && kz_liverules_from_store(live)) {
        pthread_mutex_lock(&say_mu);
        if (nw.changed && nw.previous)
            fprintf(stderr, "kuzet serve: rule set %lld in use (was %lld)\n",
                    (long long)nw.version, (long long)nw.previous);
        else if (nw.changed)
            fprintf(stderr, "kuzet serve: rule set %lld from the database\n",
                    (long long)nw.version);
        if (nw.rc && nw.failed && nw.failed != said_failed) {
            fprintf(stderr, "kuzet serve: %s\n", nw.why);
            said_failed = nw.failed;
        }
        pthread_mutex_unlock(&say_mu);
    }
    if (rc)
        return KZ_ENOTFOUND;
    tls *t = scratch_for(*sc);
    if (!t) {
        kz_liverules_put(live, *sc);
        *sc = NULL;
        return KZ_ENOMEM;
    }
    *tp = t;
    return 0;
}

void kz_serve_rules_put(const kz_scanner *sc) { kz_liverules_put(live, sc); }

static int no_rules(kz_req *rq, int rc)
{
    if (rc == KZ_ENOTFOUND)
        return kz_resp_error(rq, 404, "not_found", "no rules: none published in the database "
                             "(kuzet rules publish) and the server was not given --rules FILE");
    return kz_resp_fail(rq, rc, NULL);
}

/* ---- the routes ---------------------------------------------------------------- */

/* GET /api/v1/rules */
static int api_rules(kz_req *rq)
{
    static const char *const none[] = { NULL };
    const kz_scanner *scanner = NULL;
    tls *t = NULL;
    int rc = kz_req_query_check(rq, none);
    if (rc)
        return rc;
    if ((rc = take(rq, &scanner, &t)) != 0)
        return no_rules(rq, rc);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_rules(&b, scanner);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    kz_liverules_put(live, scanner);
    return rc;
}

/* POST /api/v1/rules/test {"text": "..."} */
static int api_rules_test(kz_req *rq)
{
    static const kz_field spec[] = { { "text", KZ_F_STR, 1, 0, TEST_MAX_TEXT } };
    static const char *const none[] = { NULL };
    kz_fval v[1];
    const kz_scanner *scanner = NULL;
    tls *t = NULL;
    int rc = kz_req_query_check(rq, none);
    if (rc || (rc = kz_req_body(rq, spec, 1, v)))
        return rc;
    if ((rc = take(rq, &scanner, &t)) != 0)
        return no_rules(rq, rc);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_test(&b, scanner, t->sc, t->nm, v[0].s, strlen(v[0].s));
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    kz_liverules_put(live, scanner);
    return rc;
}

/* POST /api/v1/scan: JSON Lines in (one post a line, as `kuzet scan`
 * reads), {"records","flagged","rejected","results":[...],"errors":[...]}
 * out, each result the line `kuzet scan` prints for it. */
static int api_scan(kz_req *rq)
{
    static const char *const names[] = { "flagged_only", NULL };
    const kz_scanner *scanner = NULL;
    tls *t = NULL;
    int rc = kz_req_query_check(rq, names);
    if (rc)
        return rc;
    const char *fo = kz_req_query(rq, "flagged_only");
    if (fo && strcmp(fo, "1") && strcmp(fo, "0"))
        return kz_resp_error(rq, 400, "invalid_query", "flagged_only=1 or flagged_only=0");
    if ((rc = take(rq, &scanner, &t)) != 0)
        return no_rules(rq, rc);
    size_t n = 0;
    const char *body = kz_req_raw(rq, &n);
    kz_scanout_job j = { scanner, t->jl, t->sc, fo && fo[0] == '1', SCAN_MAX_LINE, "body" };
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_document(&j, body, n, &b);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    kz_liverules_put(live, scanner);
    return rc;
}

/* ---- the table ---------------------------------------------------------------- */

static const kz_route routes[] = {
    { "GET", "/api/v1/rules", KZ_ROLES_STAFF, api_rules, 0, 0 },
    { "POST", "/api/v1/rules/test", KZ_ROLES_WORK | KZ_ROLE_ADMIN, api_rules_test, 0, 0 },
    { "POST", "/api/v1/scan", KZ_ROLES_STAFF, api_scan, KZ_ROUTE_RAW_BODY, SCAN_MAX_BODY },
};

const kz_route_table kz_routes_rules = { "rules", routes, KZ_ARRAY_LEN(routes) };

/* ---- for the web app's rules page (routes_pages.c) ---------------------------- */

const kz_scanner *kz_serve_rules_get(kz_req *rq)
{
    const kz_scanner *sc = NULL;
    tls *t = NULL;
    return take(rq, &sc, &t) == 0 ? sc : NULL;
}

int kz_serve_rules_test(const kz_scanner *sc, const char *text, size_t n, kz_ruletest *out)
{
    if (!sc)
        return KZ_ENOTFOUND;
    if ((int64_t)n > TEST_MAX_TEXT)
        return KZ_ETOOBIG;
    tls *t = scratch_for(sc);
    return t ? kz_ruletest_run(sc, t->sc, t->nm, text, n, out) : KZ_ENOMEM;
}
