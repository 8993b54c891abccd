/*
 * serve/routes_check.c - the URL check, plain and private (act/hashlist.h),
 * and the blocklist exports with ETag and If-None-Match (act/published.h);
 * and the lookup behind the block page (kz__serve_landing).
 *
 * Shared state: the current published blocklist, a kz_pubfeed started at
 * setup (the first request reads it, then the feed's thread reads the list
 * in effect again every --list-age seconds, so no request waits for it);
 * and, per pool thread, the check's scratch.  docs/api.md lists the routes
 * and who may call them.
 */
#include "serve/public_int.h"
#include "act/published.h"
#include "pipeline/lookups.h"
#include "store/store.h"
#include <arpa/inet.h>
#include <strings.h>

static void *bc_make(void)
{
    kz_blocklist_ctx *bc = kz_calloc(1, sizeof *bc);
    if (bc)
        kz_blocklist_ctx_init(bc);
    return bc;
}

static void bc_drop(void *p)
{
    if (!p)
        return;
    kz_blocklist_ctx_release(p);
    free(p);
}

static kz_pubfeed *feed;            /* the list in effect, read again every --list-age */
static kz_scratch scratch = { bc_make, bc_drop, 0, 0 };

static void feed_failed(void *ctx, const char *why)
{
    (void)ctx;
    fprintf(stderr, "kuzet serve: reading the blocklist in effect: %s\n", why);
}

int kz__check_setup(const kz_serve_public_opts *o, char *err, size_t errsz)
{
    if (o->rpz_origin && kz_export_name_why(o->rpz_origin)) {
        snprintf(err, errsz, "--rpz-origin '%s' is not a DNS name", o->rpz_origin);
        return KZ_EINVAL;
    }
    if (o->landing && kz_export_name_why(o->landing)) {
        snprintf(err, errsz, "--landing '%s' is not a DNS name", o->landing);
        return KZ_EINVAL;
    }
    if (kz__scratch_init(&scratch) != 0) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    kz_pubfeed_opts fo = { { o->rpz_origin, o->landing, 0 }, o->list_age, o->db, o->audit_key,
                           feed_failed, NULL };
    int rc = kz_pubfeed_start(&feed, &fo);
    if (rc)
        snprintf(err, errsz, "the blocklist reader: %s", kz_strerror(rc));
    return rc;
}

void kz__check_release(void)
{
    kz_pubfeed_stop(&feed);
    kz__scratch_release(&scratch);
}

void kz_serve_public_reads(unsigned long *by_request, unsigned long *background)
{
    *by_request = feed ? kz_pubfeed_loads(feed, 0) : 0;
    *background = feed ? kz_pubfeed_loads(feed, 1) : 0;
}

/* ---- helpers --------------------------------------------------------------- */

/* The current published list into *p (kz_pub_unref it).  Answers and
 * returns nonzero when it cannot be had. */
static int get_pub(kz_req *rq, kz_pub **p)
{
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    if (!feed)
        return kz_resp_error(rq, 503, "unavailable", "the blocklist is not set up");
    int rc = kz_pubfeed_get(feed, s, p);
    return rc ? kz_resp_fail(rq, rc, kz_store_errmsg(s)) : 0;
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
    kz_blocklist_ctx *bc = kz__scratch_get(&scratch);
    if (!bc)
        return kz_resp_fail(rq, KZ_ENOMEM, NULL);
    kz_pub *p = NULL;
    if ((rc = get_pub(rq, &p)) != 0)
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_lookups_check(&b, kz_pub_blocklist(p), bc, url, strlen(url), kz_pub_version(p));
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
    if (!feed || !host || !*host || *host == '[')
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
    kz_blocklist_ctx *bc = kz__scratch_get(&scratch);
    kz_store *s = bc ? kz_req_store(rq) : NULL;
    kz_pub *p = NULL;
    if (!s || kz_pubfeed_get(feed, s, &p) != 0)
        return -1;
    const char *expr = NULL;
    int r = kz_blocklist_check(kz_pub_blocklist(p), bc, url, strlen(url), decision, &expr);
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

/* ---- the table ---------------------------------------------------------------- */

static const kz_route routes[] = {
    { "GET", "/api/v1/check", KZ_ROLE_PUBLIC, api_check, 0, 0 },
    { "GET", "/api/v1/blocklist/prefixes", KZ_ROLE_PUBLIC, api_prefixes, 0, 0 },
    { "GET", "/api/v1/blocklist/full-hashes", KZ_ROLE_PUBLIC, api_full_hashes, 0, 0 },
    { "GET", "/api/v1/blocklist/{format}", KZ_ROLE_PUBLIC, api_export, 0, 0 },
};

const kz_route_table kz_routes_check = { "check", routes, KZ_ARRAY_LEN(routes) };
