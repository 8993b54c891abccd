/*
 * serve/routes_public.c - the public and data routes: the URL check, plain
 * and private (act/hashlist.h), the blocklist exports with ETag and
 * If-None-Match (act/published.h), the rules and the rule tester, the
 * scan of posted texts (pipeline/scanout.h), and the hash banks
 * (store/bank.h), with Meta HMA's raw_lookup shape.
 *
 * Shared state: the current published blocklist (a kz_pubfeed: the first
 * request reads it, then the feed's thread reads the list in effect again
 * every --list-age seconds, so no request waits for it) and the scanner
 * compiled from --rules at start, both read-only for handlers; and, per
 * pool thread, the scratch a check or a scan needs (a pthread key, freed
 * when the thread ends).  docs/api.md lists the routes and who may call
 * them.
 */
#include "serve/routes.h"
#include "serve/server_int.h"
#include "act/published.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "pipeline/bankquery.h"
#include "pipeline/lookups.h"
#include "pipeline/scanout.h"
#include "store/bank.h"
#include "store/store.h"
#include "store/audit.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <strings.h>

#define SCAN_MAX_BODY  ((size_t)16 << 20)    /* POST /scan: JSON Lines */
#define SCAN_MAX_LINE  ((size_t)1 << 20)     /* one record, as kuzet scan's default */
#define TEST_MAX_TEXT  ((int64_t)1 << 20)    /* the rule tester's text (the body: --max-body) */
#define FILE_MAX_BODY  ((size_t)32 << 20)    /* an uploaded file to match */

static struct {
    kz_pubfeed *pub;            /* the list in effect, read again every --list-age */
    kz_ruleset *rs;
    kz_scanner *scanner;
    pthread_key_t key;
    int ready;
} G;

static void feed_failed(void *ctx, const char *why)
{
    (void)ctx;
    fprintf(stderr, "kuzet serve: reading the blocklist in effect: %s\n", why);
}

void kz_serve_public_reads(unsigned long *by_request, unsigned long *background)
{
    *by_request = G.pub ? kz_pubfeed_loads(G.pub, 0) : 0;
    *background = G.pub ? kz_pubfeed_loads(G.pub, 1) : 0;
}

/* ---- per thread -------------------------------------------------------------- */

typedef struct tls {
    kz_blocklist_ctx bc;
    kz_scan_ctx *sc;
    kz_norm *nm;
    kz_jsonl *jl;
    kz_simhash *sh;
    kz_minhash *mh;
} tls;

static void tls_free(void *p)
{
    tls *t = p;
    if (!t)
        return;
    kz_blocklist_ctx_release(&t->bc);
    kz_scan_ctx_free(t->sc);
    kz_norm_free(t->nm);
    kz_jsonl_free(t->jl);
    kz_simhash_free(t->sh);
    kz_minhash_free(t->mh);
    free(t);
}

/* This thread's scratch, made on first use; NULL on ENOMEM. */
static tls *tls_get(void)
{
    if (!G.ready)
        return NULL;
    tls *t = pthread_getspecific(G.key);
    if (t)
        return t;
    if (!(t = kz_calloc(1, sizeof *t)))
        return NULL;
    kz_blocklist_ctx_init(&t->bc);
    t->nm = kz_norm_new();
    t->jl = kz_jsonl_new(SCAN_MAX_LINE);
    t->sh = kz_simhash_new();
    t->mh = kz_minhash_new();
    if (G.scanner)
        t->sc = kz_scan_ctx_new(G.scanner);
    if (!t->nm || !t->jl || !t->sh || !t->mh || (G.scanner && !t->sc) || pthread_setspecific(G.key, t)) {
        tls_free(t);
        return NULL;
    }
    return t;
}

int kz_serve_public_setup(const kz_serve_public_opts *o, char *err, size_t errsz)
{
    kz_buf errs;
    int rc = 0;
    if (o->rpz_origin && kz_export_name_why(o->rpz_origin)) {
        snprintf(err, errsz, "--rpz-origin '%s' is not a DNS name", o->rpz_origin);
        return KZ_EINVAL;
    }
    if (o->landing && kz_export_name_why(o->landing)) {
        snprintf(err, errsz, "--landing '%s' is not a DNS name", o->landing);
        return KZ_EINVAL;
    }
    if (pthread_key_create(&G.key, tls_free) != 0) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    kz_buf_init(&errs, 1 << 16);
    if (o->rules && (kz_rules_load(o->rules, &G.rs, &errs) != 0 ||
                     (rc = kz_scanner_new(G.rs, &G.scanner, &errs)) != 0)) {
        snprintf(err, errsz, "%s: rules not loaded: %.*s", o->rules,
                 (int)KZ_MIN(errs.len, 800), errs.p ? errs.p : "");
        kz_buf_release(&errs);
        return KZ_EBADRULE;
    }
    kz_buf_release(&errs);
    G.ready = 1;
    kz_pubfeed_opts fo = { { o->rpz_origin, o->landing, 0 }, o->list_age, o->db, o->audit_key,
                           feed_failed, NULL };
    return kz_pubfeed_start(&G.pub, &fo, err, errsz);
}

void kz_serve_public_release(void)
{
    kz_pubfeed_stop(&G.pub);
    kz_scanner_free(&G.scanner);
    kz_ruleset_free(&G.rs);
    if (G.ready) {
        tls_free(pthread_getspecific(G.key));
        pthread_setspecific(G.key, NULL);
    }
    G.ready = 0;
}

/* ---- helpers --------------------------------------------------------------- */

static int no_memory(kz_req *rq)
{
    return kz_resp_fail(rq, KZ_ENOMEM, NULL);
}

/* The current published list into *p (kz_pub_unref it).  Answers and
 * returns nonzero when it cannot be had. */
static int get_pub(kz_req *rq, kz_pub **p)
{
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    if (!G.pub)
        return kz_resp_error(rq, 503, "unavailable", "the blocklist is not set up");
    int rc = kz_pubfeed_get(G.pub, s, p);
    return rc ? kz_resp_fail(rq, rc, kz_store_errmsg(s)) : 0;
}

static int need_scanner(kz_req *rq)
{
    if (G.scanner)
        return 0;
    return kz_resp_error(rq, 404, "not_found", "no rules: the server was started without --rules");
}

/* A 304 when If-None-Match names etag; else sets the ETag and returns 0. */
static int not_modified(kz_req *rq, const char *etag, int *done)
{
    *done = 0;
    kz_resp_header(rq, "ETag", etag);
    kz_resp_header(rq, "Cache-Control", "no-cache");
    if (kz_pub_etag_match(kz_req_header(rq, "If-None-Match"), etag)) {
        *done = 1;
        return kz_resp_empty(rq, 304);
    }
    return 0;
}

static void version_header(kz_req *rq, const kz_pub *p)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)kz_pub_version(p));
    kz_resp_header(rq, "X-Blocklist-Version", v);
}

/* ---- the URL check ------------------------------------------------------------ */

/* GET /api/v1/check?url=URL */
static int api_check(kz_req *rq)
{
    static const char *const names[] = { "url", NULL };
    int rc = kz_req_query_check(rq, names);
    if (rc)
        return rc;
    const char *url = kz_req_query(rq, "url");
    if (!url || !*url)
        return kz_resp_error(rq, 400, "invalid_query", "url is required: ?url=URL");
    tls *t = tls_get();
    if (!t)
        return no_memory(rq);
    kz_pub *p = NULL;
    if ((rc = get_pub(rq, &p)) != 0)
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_lookups_check(&b, kz_pub_blocklist(p), &t->bc, url, strlen(url), kz_pub_version(p));
    kz_pub_unref(&p);
    if (rc) {
        kz_buf_release(&b);
        return kz_resp_fail(rq, rc, NULL);
    }
    rc = kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

int kz__serve_landing(kz_req *rq, int64_t *decision)
{
    const char *host = kz_req_header(rq, "Host");
    char name[256], url[512];
    unsigned char addr[16];
    *decision = 0;
    if (!G.ready || !G.pub || !host || !*host || *host == '[')
        return 0;
    size_t n = strcspn(host, ":");
    if (n >= sizeof name || n == 0)
        return 0;
    memcpy(name, host, n);
    name[n] = '\0';
    if (name[n - 1] == '.')
        name[--n] = '\0';
    if (!n || !strcasecmp(name, "localhost") || inet_pton(AF_INET, name, addr) == 1 ||
        !strchr(name, '.'))
        return 0;
    const char *path = kz_req_path(rq);
    int k = snprintf(url, sizeof url, "http://%s%s", name, path && *path == '/' ? path : "/");
    if (k < 0 || (size_t)k >= sizeof url)
        snprintf(url, sizeof url, "http://%s/", name);
    tls *t = tls_get();
    kz_store *s = t ? kz_req_store(rq) : NULL;
    kz_pub *p = NULL;
    if (!s || kz_pubfeed_get(G.pub, s, &p) != 0)
        return -1;
    const char *expr = NULL;
    int r = kz_blocklist_check(kz_pub_blocklist(p), &t->bc, url, strlen(url), decision, &expr);
    kz_pub_unref(&p);
    return r == 1 ? 1 : 0;
}

/* GET /api/v1/blocklist/prefixes[?since=N] */
static int api_prefixes(kz_req *rq)
{
    static const char *const names[] = { "since", NULL };
    int rc = kz_req_query_check(rq, names), done;
    if (rc)
        return rc;
    int64_t since = 0;
    const char *s = kz_req_query(rq, "since");
    if (s && kz_parse_int(s, 0, INT64_MAX, &since))
        return kz_resp_error(rq, 400, "invalid_query", "since is a version: 0 or more");
    kz_pub *p = NULL;
    if ((rc = get_pub(rq, &p)) != 0)
        return rc;
    const char *body = NULL;
    size_t len = 0;
    if ((rc = kz_pub_update(p, kz_req_store(rq), since, &body, &len)) != 0) {
        kz_pub_unref(&p);
        return kz_resp_fail(rq, rc, kz_store_errmsg(kz_req_store(rq)));
    }
    /* the answer depends on the version and on since only */
    char etag[64];
    snprintf(etag, sizeof etag, "\"%lld.%lld\"", (long long)kz_pub_version(p), (long long)since);
    version_header(rq, p);
    rc = not_modified(rq, etag, &done);
    if (!done)
        rc = kz_resp_data(rq, 200, "application/json", body, len);
    kz_pub_unref(&p);
    return rc;
}

/* GET /api/v1/blocklist/full-hashes?prefix=HEX8[,HEX8...] */
static int api_full_hashes(kz_req *rq)
{
    static const char *const names[] = { "prefix", NULL };
    int rc = kz_req_query_check(rq, names);
    if (rc)
        return rc;
    const char *q = kz_req_query(rq, "prefix"), *why = "prefix is required";
    uint8_t pp[KZ_HASHLIST_MAX_QUERY][KZ_HASHLIST_PREFIX];
    int n = q ? kz_hashlist_parse_prefixes(q, strlen(q), pp, KZ_HASHLIST_MAX_QUERY, &why)
              : KZ_EINVAL;
    if (n < 0)
        return kz_resp_error(rq, 400, "invalid_query", "%s (prefix=8 hex digits, comma-"
                             "separated, at most %d)", why, KZ_HASHLIST_MAX_QUERY);
    kz_pub *p = NULL;
    if ((rc = get_pub(rq, &p)) != 0)
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_hashlist_full_json(&b, kz_pub_hashlist(p), (const uint8_t(*)[4])pp, (size_t)n);
    version_header(rq, p);
    kz_pub_unref(&p);
    if (!rc) {
        kz_resp_header(rq, "Cache-Control", "no-cache");
        rc = kz_resp_buf(rq, 200, "application/json", &b);
    } else {
        rc = kz_resp_fail(rq, rc, NULL);
    }
    kz_buf_release(&b);
    return rc;
}

/* GET /api/v1/blocklist/{format}[?full=1] (full: hash-prefixes only) */
static int api_export(kz_req *rq)
{
    static const char *const names[] = { "full", NULL };
    int rc = kz_req_query_check(rq, names), done;
    if (rc)
        return rc;
    const char *fname = kz_req_param(rq, "format"), *full_s = kz_req_query(rq, "full");
    int format = fname ? kz_export_format_parse(fname) : KZ_EINVAL;
    if (format < 0)
        return kz_resp_error(rq, 404, "not_found", "no blocklist format '%s' (rpz, unbound, "
                             "hosts, squid-domains, squid-urls, csv, json, hash-prefixes)",
                             fname ? fname : "");
    bool full = false;
    if (full_s) {
        if (format != KZ_EXPORT_HASH_PREFIXES || (strcmp(full_s, "1") && strcmp(full_s, "0")))
            return kz_resp_error(rq, 400, "invalid_query", "full=1 or full=0, for hash-prefixes only");
        full = full_s[0] == '1';
    }
    kz_pub *p = NULL;
    kz_pub_export x;
    if ((rc = get_pub(rq, &p)) != 0)
        return rc;
    if ((rc = kz_pub_export_get(p, format, full, &x)) != 0) {
        kz_pub_unref(&p);
        return kz_resp_fail(rq, rc, NULL);
    }
    char serial[32];
    snprintf(serial, sizeof serial, "%u", (unsigned)x.serial);
    version_header(rq, p);
    if (format == KZ_EXPORT_RPZ)
        kz_resp_header(rq, "X-RPZ-Serial", serial);
    rc = not_modified(rq, x.etag, &done);
    if (!done)
        rc = kz_resp_data(rq, 200, x.media_type, x.body, x.len);
    kz_pub_unref(&p);
    return rc;
}

/* ---- rules and scans ---------------------------------------------------------- */

/* GET /api/v1/rules */
static int api_rules(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int rc = kz_req_query_check(rq, none);
    if (rc || (rc = need_scanner(rq)))
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_rules(&b, G.scanner);
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
    tls *t = tls_get();
    if (!t)
        return no_memory(rq);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_test(&b, G.scanner, t->sc, t->nm, v[0].s, strlen(v[0].s));
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
    tls *t = tls_get();
    if (!t)
        return no_memory(rq);
    size_t n = 0;
    const char *body = kz_req_raw(rq, &n);
    kz_scanout_job j = { G.scanner, t->jl, t->sc, fo && fo[0] == '1', SCAN_MAX_LINE, "body" };
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_scanout_document(&j, body, n, &b);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* ---- hash banks ------------------------------------------------------------------ */

/* A banks handle on this thread's store; answers and returns NULL when
 * none can be had. */
static kz_banks *open_banks(kz_req *rq)
{
    kz_store *s = kz_req_store(rq);
    kz_banks *b = NULL;
    if (!s)
        return NULL;
    if (kz_bank_open(&b, s) != 0) {
        no_memory(rq);
        return NULL;
    }
    return b;
}

static int bank_fail(kz_req *rq, kz_banks *b, int rc)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", kz_bank_errmsg(b));
    kz_bank_close(&b);
    return kz_resp_fail(rq, rc, msg);
}

/* GET /api/v1/banks */
static int api_banks(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int rc = kz_req_query_check(rq, none);
    if (rc)
        return rc;
    kz_banks *bk = open_banks(rq);
    kz_bank_info *v = NULL;
    size_t n = 0;
    if (!bk)
        return KZ_EDB;
    if ((rc = kz_bank_list(bk, &v, &n)) != 0)
        return bank_fail(rq, bk, rc);
    kz_bank_close(&bk);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_lookups_banks(&b, v, n);
    free(v);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

static int bad_type(kz_req *rq, const char *t)
{
    return kz_resp_error(rq, 422, "invalid", "signal_type '%s' is not one of pdq, sha256, md5, "
                         "simhash", t);
}

/* POST /api/v1/banks {"name","signal_type","threshold"?,"allow"?} */
static int api_bank_create(kz_req *rq)
{
    static const kz_field spec[] = {
        { "name", KZ_F_STR, 1, 0, 64 }, { "signal_type", KZ_F_STR, 1, 0, 16 },
        { "threshold", KZ_F_INT, 0, 0, 256 }, { "allow", KZ_F_BOOL, 0, 0, 0 },
    };
    kz_fval v[4];
    int rc = kz_req_body(rq, spec, 4, v);
    if (rc)
        return rc;
    int type = kz_bank_type_parse(v[1].s, strlen(v[1].s));
    if (type < 0)
        return bad_type(rq, v[1].s);
    kz_banks *bk = open_banks(rq);
    int64_t id = 0;
    if (!bk)
        return KZ_EDB;
    rc = kz_bank_create(bk, kz_req_account(rq), v[0].s, type, v[2].given ? (int)v[2].i : -1,
                        v[3].given && v[3].i, &id);
    if (rc)
        return bank_fail(rq, bk, rc);
    kz_bank_close(&bk);
    char body[128];
    int n = snprintf(body, sizeof body, "{\"id\":%lld,\"name\":\"%s\"}\n", (long long)id, v[0].s);
    return kz_resp_json(rq, 201, body, (size_t)n);
}

/* POST /api/v1/banks/{name}/entries {"signal","tags"?} */
static int api_bank_add(kz_req *rq)
{
    static const kz_field spec[] = {
        { "signal", KZ_F_STR, 1, 0, 256 }, { "tags", KZ_F_STR, 0, 0, 1024 },
    };
    kz_fval v[2];
    int rc = kz_req_body(rq, spec, 2, v);
    if (rc)
        return rc;
    const char *name = kz_req_param(rq, "name");
    kz_banks *bk = open_banks(rq);
    int added = 0;
    if (!bk)
        return KZ_EDB;
    rc = kz_bank_add(bk, kz_req_account(rq), name, v[0].s, v[1].given ? v[1].s : "", "import",
                     &added);
    if (rc)
        return bank_fail(rq, bk, rc);
    kz_bank_close(&bk);
    return kz_resp_json(rq, added ? 201 : 200, added ? "{\"added\":true}\n" : "{\"added\":false}\n",
                        added ? 15 : 16);
}

/* The matches of the queries qs (pipeline/lookups.h); closes bk. */
static int write_matches(kz_req *rq, kz_banks *bk, const kz_bankqs *qs, bool ids_only)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_lookups_matches(&b, bk, qs, ids_only);
    if (rc && rc != KZ_ENOMEM && rc != KZ_ETOOBIG) {
        kz_buf_release(&b);
        return bank_fail(rq, bk, rc);
    }
    kz_bank_close(&bk);
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

/* One signal of a type given by name ("video_md5" is HMA's name for md5)
 * as the only query of qs.  0, or answers 422. */
static int one_query(kz_req *rq, const char *type_s, const char *sig, kz_bankqs *qs)
{
    kz_bankq *q = &qs->v[0];
    memset(qs, 0, sizeof *qs);
    int type = kz_bank_type_parse(type_s, strlen(type_s));
    if (type < 0 && !strcmp(type_s, "video_md5"))
        type = KZ_BANK_MD5;
    if (type < 0)
        return bad_type(rq, type_s);
    if (kz_bank_signal_norm(type, sig, strlen(sig), q->hex[0]))
        return kz_resp_error(rq, 422, "invalid", "signal is not a %s hash", kz_bank_type_name(type));
    q->type = type;
    q->nq = 1;
    q->q[0] = q->hex[0];
    qs->n = 1;
    return 0;
}

/* POST /api/v1/banks/match {"signal_type","signal"} */
static int api_bank_match(kz_req *rq)
{
    static const kz_field spec[] = {
        { "signal_type", KZ_F_STR, 1, 0, 16 }, { "signal", KZ_F_STR, 1, 0, 256 },
    };
    kz_fval v[2];
    kz_bankqs qs;
    int rc = kz_req_body(rq, spec, 2, v);
    if (rc || (rc = one_query(rq, v[0].s, v[1].s, &qs)))
        return rc;
    kz_banks *bk = open_banks(rq);
    return bk ? write_matches(rq, bk, &qs, false) : KZ_EDB;
}

/* GET /api/v1/hma/m/raw_lookup?signal_type=T&signal=S: HMA's shape,
 * {"matches":[entry ids]} */
static int api_hma_lookup(kz_req *rq)
{
    static const char *const names[] = { "signal_type", "signal", NULL };
    int rc = kz_req_query_check(rq, names);
    if (rc)
        return rc;
    const char *t = kz_req_query(rq, "signal_type"), *s = kz_req_query(rq, "signal");
    if (!t || !s)
        return kz_resp_error(rq, 400, "invalid_query", "signal_type and signal are required");
    kz_bankqs qs;
    if ((rc = one_query(rq, t, s, &qs)) != 0)
        return rc;
    kz_banks *bk = open_banks(rq);
    return bk ? write_matches(rq, bk, &qs, true) : KZ_EDB;
}

/* A multipart/form-data part, as libmicrohttpd's post processor gives it. */
typedef struct upload {
    kz_buf *out;
    const char *field;
    int found, failed;
} upload;

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *ctype, const char *enc,
                               const char *data, uint64_t off, size_t size)
{
    upload *u = cls;
    (void)kind, (void)filename, (void)ctype, (void)enc, (void)off;
    if (!key || strcmp(key, u->field))
        return MHD_YES;
    if (u->found == 2)                     /* a second part of that name: refused */
        return u->failed = 1, MHD_NO;
    u->found = 1;
    if (size && kz_buf_add(u->out, data, size))
        return u->failed = 1, MHD_NO;
    return MHD_YES;
}

/* The uploaded file: the form field named field of a multipart/form-data
 * body (through libmicrohttpd's post processor), or the whole body of any
 * other media type.  NULL when there is none; answered 400 when the form
 * is malformed. */
static const char *get_upload(kz_req *rq, const char *field, kz_buf *tmp, size_t *n)
{
    const char *ct = kz_req_header(rq, "Content-Type");
    size_t len = 0;
    const char *body = kz_req_raw(rq, &len);
    if (!ct || strncasecmp(ct, "multipart/form-data", 19)) {
        *n = len;
        return len ? body : NULL;
    }
    upload u = { tmp, field, 0, 0 };
    struct MHD_PostProcessor *pp = MHD_create_post_processor(rq->c, 65536, on_part, &u);
    if (!pp) {
        kz_resp_error(rq, 400, "invalid_form", "a multipart/form-data body without a boundary");
        return NULL;
    }
    enum MHD_Result r = len ? MHD_post_process(pp, body, len) : MHD_YES;
    if (MHD_destroy_post_processor(pp) != MHD_YES || r != MHD_YES || u.failed) {
        kz_resp_error(rq, 400, "invalid_form", "the multipart/form-data body is malformed");
        return NULL;
    }
    if (!u.found)
        return NULL;
    *n = tmp->len;
    return tmp->p ? tmp->p : "";
}

/* POST /api/v1/banks/match-file: the file as the body (any media type),
 * matched as `kuzet bank match-file` matches it. */
static int api_bank_match_file(kz_req *rq)
{
    static const char *const none[] = { NULL };
    int rc = kz_req_query_check(rq, none);
    if (rc)
        return rc;
    tls *t = tls_get();
    kz_bankqs qs;
    if (!t)
        return no_memory(rq);
    size_t n = 0;
    kz_buf tmp;
    kz_buf_init(&tmp, FILE_MAX_BODY);
    const char *data = get_upload(rq, "file", &tmp, &n);
    if (!data) {
        kz_buf_release(&tmp);
        return kz_req_answered(rq) ? KZ_EINVAL
                                   : kz_resp_error(rq, 422, "invalid", "no file: send it as the "
                                                   "body, or as the form field 'file'");
    }
    rc = kz_bankq_content(data, n, t->sh, t->mh, &qs);
    kz_buf_release(&tmp);
    if (rc)
        return kz_resp_fail(rq, rc, NULL);
    kz_banks *bk = open_banks(rq);
    return bk ? write_matches(rq, bk, &qs, false) : KZ_EDB;
}

/* ---- the table ---------------------------------------------------------------- */

#define BANK_WRITERS (KZ_ROLE_ANALYST | KZ_ROLE_SUPERVISOR | KZ_ROLE_ADMIN)

static const kz_route routes[] = {
    { "GET", "/api/v1/check", KZ_ROLE_PUBLIC, api_check, 0, 0 },
    { "GET", "/api/v1/blocklist/prefixes", KZ_ROLE_PUBLIC, api_prefixes, 0, 0 },
    { "GET", "/api/v1/blocklist/full-hashes", KZ_ROLE_PUBLIC, api_full_hashes, 0, 0 },
    { "GET", "/api/v1/blocklist/{format}", KZ_ROLE_PUBLIC, api_export, 0, 0 },
    { "GET", "/api/v1/rules", KZ_ROLES_STAFF, api_rules, 0, 0 },
    { "POST", "/api/v1/rules/test", KZ_ROLES_WORK | KZ_ROLE_ADMIN, api_rules_test, 0, 0 },
    { "POST", "/api/v1/scan", KZ_ROLES_STAFF, api_scan, KZ_ROUTE_RAW_BODY, SCAN_MAX_BODY },
    { "GET", "/api/v1/banks", KZ_ROLES_STAFF, api_banks, 0, 0 },
    { "POST", "/api/v1/banks", BANK_WRITERS, api_bank_create, 0, 0 },
    { "POST", "/api/v1/banks/match", KZ_ROLES_STAFF, api_bank_match, 0, 0 },
    { "POST", "/api/v1/banks/match-file", KZ_ROLES_STAFF, api_bank_match_file,
      KZ_ROUTE_RAW_BODY, FILE_MAX_BODY },
    { "POST", "/api/v1/banks/{name}/entries", BANK_WRITERS, api_bank_add, 0, 0 },
    { "GET", "/api/v1/hma/m/raw_lookup", KZ_ROLES_STAFF, api_hma_lookup, 0, 0 },
};

const kz_route_table kz_routes_public = { "public", routes, KZ_ARRAY_LEN(routes) };

/* ---- for the web app's rules page (routes_pages.c) ---------------------------- */

int kz_serve_rules_json(kz_buf *out)
{
    return G.scanner ? kz_scanout_rules(out, G.scanner) : KZ_ENOTFOUND;
}

int kz_serve_rules_test_json(const char *text, size_t n, kz_buf *out)
{
    if (!G.scanner)
        return KZ_ENOTFOUND;
    if ((int64_t)n > TEST_MAX_TEXT)
        return KZ_ETOOBIG;
    tls *t = tls_get();
    return t ? kz_scanout_test(out, G.scanner, t->sc, t->nm, text, n) : KZ_ENOMEM;
}
