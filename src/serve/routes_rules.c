/*
 * serve/routes_rules.c - the rules, the rule tester and the scan of posted
 * texts (pipeline/scanout.h), from the scanner compiled from --rules at the
 * start (read-only for handlers); per pool thread, the scratch a test or a
 * scan needs.  Also what the web app's rules page asks (routes_pages.c).
 * docs/api.md lists the routes and who may call them.
 */
#include "serve/public_int.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "pipeline/scanout.h"

#define SCAN_MAX_BODY  ((size_t)16 << 20)    /* POST /scan: JSON Lines */
#define SCAN_MAX_LINE  ((size_t)1 << 20)     /* one record, as kuzet scan's default */
#define TEST_MAX_TEXT  ((int64_t)1 << 20)    /* the rule tester's text (the body: --max-body) */

static kz_ruleset *rs;
static kz_scanner *scanner;

typedef struct tls {
    kz_scan_ctx *sc;
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
    if (scanner)
        t->sc = kz_scan_ctx_new(scanner);
    if (!t->nm || !t->jl || (scanner && !t->sc)) {
        tls_free(t);
        return NULL;
    }
    return t;
}

static kz_scratch scratch = { tls_make, tls_free, 0, 0 };

int kz__rules_setup(const char *rules, char *err, size_t errsz)
{
    kz_buf errs;
    int rc = 0;
    if (kz__scratch_init(&scratch) != 0) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    if (!rules)
        return 0;
    kz_buf_init(&errs, 1 << 16);
    if (kz_rules_load(rules, &rs, &errs) != 0 || (rc = kz_scanner_new(rs, &scanner, &errs)) != 0) {
        snprintf(err, errsz, "%s: rules not loaded: %.*s", rules, (int)KZ_MIN(errs.len, 800),
                 errs.p ? errs.p : "");
        rc = KZ_EBADRULE;
    }
    kz_buf_release(&errs);
    return rc;
}

void kz__rules_release(void)
{
    kz__scratch_release(&scratch);
    kz_scanner_free(&scanner);
    kz_ruleset_free(&rs);
}

static int need_scanner(kz_req *rq)
{
    if (scanner)
        return 0;
    return kz_resp_error(rq, 404, "not_found", "no rules: the server was started without --rules");
}

/* ---- the routes ---------------------------------------------------------------- */

/* GET /api/v1/rules */
static int api_rules(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int rc = kz_req_query_check(rq, none);
    if (rc || (rc = need_scanner(rq)))
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_rules(&b, scanner);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* POST /api/v1/rules/test {"text": "..."} */
static int api_rules_test(kz_req *rq)
{
    static const kz_field spec[] = { { "text", KZ_F_STR, 1, 0, TEST_MAX_TEXT } };
    static const char *const none[] = { NULL };
    kz_fval v[1];
    int rc = kz_req_query_check(rq, none);
    if (rc || (rc = kz_req_body(rq, spec, 1, v)) || (rc = need_scanner(rq)))
        return rc;
    tls *t = kz__scratch_get(&scratch);
    if (!t)
        return kz_resp_fail(rq, KZ_ENOMEM, NULL);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_test(&b, scanner, t->sc, t->nm, v[0].s, strlen(v[0].s));
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* POST /api/v1/scan: JSON Lines in (one post a line, as `kuzet scan`
 * reads), {"records","flagged","rejected","results":[...],"errors":[...]}
 * out, each result the line `kuzet scan` prints for it. */
static int api_scan(kz_req *rq)
{
    static const char *const names[] = { "flagged_only", NULL };
    int rc = kz_req_query_check(rq, names);
    if (rc || (rc = need_scanner(rq)))
        return rc;
    const char *fo = kz_req_query(rq, "flagged_only");
    if (fo && strcmp(fo, "1") && strcmp(fo, "0"))
        return kz_resp_error(rq, 400, "invalid_query", "flagged_only=1 or flagged_only=0");
    tls *t = kz__scratch_get(&scratch);
    if (!t)
        return kz_resp_fail(rq, KZ_ENOMEM, NULL);
    size_t n = 0;
    const char *body = kz_req_raw(rq, &n);
    kz_scanout_job j = { scanner, t->jl, t->sc, fo && fo[0] == '1', SCAN_MAX_LINE, "body" };
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_document(&j, body, n, &b);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
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

const kz_scanner *kz_serve_scanner(void) { return scanner; }

int kz_serve_rules_test(const char *text, size_t n, kz_ruletest *out)
{
    if (!scanner)
        return KZ_ENOTFOUND;
    if ((int64_t)n > TEST_MAX_TEXT)
        return KZ_ETOOBIG;
    tls *t = kz__scratch_get(&scratch);
    return t ? kz_ruletest_run(scanner, t->sc, t->nm, text, n, out) : KZ_ENOMEM;
}
