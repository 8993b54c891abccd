/*
 * serve/http.c - reading a request and writing the answer: path and query
 * parameters, headers, the JSON body, JSON and error responses with the
 * security headers, and the one mapping from library error codes to HTTP
 * statuses (kz_serve_status_of).
 */
#include "serve/server_int.h"
#include "case/account.h"
#include "report/report.h"
#include <stdarg.h>
#include <strings.h>

/* ---- errors -------------------------------------------------------------- */

unsigned kz_serve_status_of(int rc, const char **code)
{
    const char *c;
    unsigned st;
    switch (rc) {
    case KZ_EPERM:     st = 403; c = "forbidden"; break;
    case KZ_ESTATE:    st = 409; c = "conflict"; break;
    case KZ_EINVAL:
    case KZ_EBADUTF8:  st = 422; c = "invalid"; break;
    case KZ_ENOTFOUND: st = 404; c = "not_found"; break;
    case KZ_EBADJSON:  st = 400; c = "invalid_json"; break;
    case KZ_ETOOBIG:   st = 413; c = "too_large"; break;
    case KZ_EBUSY:     st = 503; c = "busy"; break;
    default:           st = 500; c = "internal"; break;
    }
    if (code)
        *code = c;
    return st;
}

int kz_resp_fail(kz_req *rq, int rc, const char *message)
{
    const char *code;
    unsigned st = kz_serve_status_of(rc, &code);
    if (st == 503)
        kz_resp_header(rq, "Retry-After", "1");
    if (st == 500) {
        /* the detail is for the operator, not the client */
        fprintf(stderr, "kuzet serve: %s %s: %s: %s\n", rq->method, rq->path, kz_strerror(rc),
                message ? message : "");
        kz_resp_error(rq, 500, code, "internal error");
    } else {
        kz_resp_error(rq, st, code, "%s", message && *message ? message : kz_strerror(rc));
    }
    return rc ? rc : KZ_EINTERNAL;
}

int kz_resp_error(kz_req *rq, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kz_buf b;
    kz_buf_init(&b, 8192);
    int rc = kz_buf_adds(&b, "{\"error\":{\"code\":");
    if (!rc) rc = kz_buf_add_json_str(&b, code, strlen(code));
    if (!rc) rc = kz_buf_adds(&b, ",\"message\":");
    if (!rc) rc = kz_buf_add_json_str(&b, msg, strlen(msg));
    if (!rc) rc = kz_buf_adds(&b, "}}\n");
    rq->err_code = code;
    if (!rc)
        kz_resp_buf(rq, status, "application/json", &b);
    kz_buf_release(&b);
    return KZ_EINVAL;
}

/* ---- answering ----------------------------------------------------------- */

int kz_resp_header(kz_req *rq, const char *name, const char *value)
{
    if (rq->nhdr == KZ_RESP_MAX_HEADERS)
        return KZ_ETOOBIG;
    char *n = kz_strdup(name), *v = kz_strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return KZ_ENOMEM;
    }
    if (!strcasecmp(name, "Cache-Control"))
        rq->cache_set = 1;
    rq->hname[rq->nhdr] = n;
    rq->hval[rq->nhdr] = v;
    rq->nhdr++;
    return 0;
}

int kz__resp_queue(kz_req *rq, unsigned status, const char *type, void *body, size_t n,
                   int must_free)
{
    struct MHD_Response *r;
    int rc = 0;
    if (rq->answered) {
        if (must_free)
            free(body);
        return KZ_EINTERNAL;
    }
    r = MHD_create_response_from_buffer(n, body, must_free ? MHD_RESPMEM_MUST_FREE
                                                           : MHD_RESPMEM_MUST_COPY);
    if (!r) {
        if (must_free)
            free(body);
        return KZ_ENOMEM;
    }
    /* on every response */
    /* the API's answers load nothing; the web app's pages load their own
     * stylesheet, script and images from this site only, never inline
     * script or style, and post forms only here */
    if (type && !strncmp(type, "text/html", 9))
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                                "base-uri 'none'; form-action 'self'");
    else
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    if (kz__serve_tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    if (!rq->cache_set)
        MHD_add_response_header(r, "Cache-Control", "no-store");
    for (size_t i = 0; i < rq->nhdr; i++)
        MHD_add_response_header(r, rq->hname[i], rq->hval[i]);
    if (MHD_queue_response(rq->c, status, r) != MHD_YES) {
        rq->queue_failed = 1;
        rc = KZ_EIO;
    }
    MHD_destroy_response(r);
    rq->answered = 1;
    rq->status = status;
    return rc;
}

int kz_resp_json(kz_req *rq, unsigned status, const char *json, size_t n)
{
    return kz_resp_data(rq, status, "application/json", json, n);
}

int kz_resp_data(kz_req *rq, unsigned status, const char *type, const void *p, size_t n)
{
    return kz__resp_queue(rq, status, type, (void *)(uintptr_t)p, n, 0);
}

int kz_resp_buf(kz_req *rq, unsigned status, const char *type, kz_buf *b)
{
    char *p = b->p ? b->p : kz_strdup("");
    size_t n = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    if (!p)
        return KZ_ENOMEM;
    return kz__resp_queue(rq, status, type, p, n, 1);
}

/* JSON lines -> {"key":[line,line,...]} */
int kz_resp_lines(kz_req *rq, const char *key, const kz_buf *lines)
{
    kz_buf out;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    int rc = kz_buf_addf(&out, "{\"%s\":[", key);
    size_t first = out.len;
    for (const char *p = lines->p ? lines->p : ""; *p && !rc;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (out.len > first)
            rc = kz_buf_addc(&out, ',');
        if (!rc)
            rc = kz_buf_add(&out, p, n);
        p += n + (nl != NULL);
    }
    if (!rc)
        rc = kz_buf_adds(&out, "]}\n");
    rc = rc ? kz_resp_fail(rq, rc, NULL) : kz_resp_buf(rq, 200, "application/json", &out);
    kz_buf_release(&out);
    return rc;
}

int kz_resp_empty(kz_req *rq, unsigned status)
{
    return kz__resp_queue(rq, status, NULL, (void *)"", 0, 0);
}

int kz_req_answered(const kz_req *rq) { return rq->answered; }

/* ---- reading ------------------------------------------------------------- */

const char *kz_req_method(const kz_req *rq) { return rq->method; }
const char *kz_req_path(const kz_req *rq) { return rq->path; }
const kz_route *kz_req_route(const kz_req *rq) { return rq->route; }
const char *kz_req_client(const kz_req *rq) { return rq->client; }
const char *kz_req_account(const kz_req *rq) { return rq->account; }
const char *kz_req_role(const kz_req *rq) { return rq->role; }
const char *kz_req_auth_kind(const kz_req *rq) { return rq->auth_kind ? rq->auth_kind : ""; }
const char *kz_req_platform(const kz_req *rq) { return rq->platform; }
const char *kz_req_session(const kz_req *rq) { return rq->session; }
const char *kz_req_csrf(const kz_req *rq) { return rq->csrf; }
int kz_serve_is_tls(void) { return kz__serve_tls; }

int kz_req_https(kz_req *rq)
{
    if (kz__serve_tls)
        return 1;
    const char *p = rq->via_proxy ? kz_req_header(rq, "X-Forwarded-Proto") : NULL;
    return p && !strcasecmp(p, "https");
}
unsigned kz_serve_session_idle(void) { return kz__serve_opts.session_idle; }
unsigned kz_serve_session_max(void) { return kz__serve_opts.session_max; }

const char *kz_req_param(kz_req *rq, const char *name)
{
    for (size_t i = 0; i < rq->nparams; i++) {
        if (strcmp(rq->params[i].name, name))
            continue;
        if (!rq->pvals[i])
            rq->pvals[i] = kz_strndup(rq->params[i].val, rq->params[i].len);
        return rq->pvals[i];
    }
    return NULL;
}

int kz_req_param_id(kz_req *rq, const char *name, int64_t *id)
{
    for (size_t i = 0; i < rq->nparams; i++)
        if (!strcmp(rq->params[i].name, name) &&
            kz_parse_id(rq->params[i].val, rq->params[i].len, id) == 0)
            return 0;
    kz_resp_error(rq, 404, "not_found", "'%.40s' is not an id: a positive whole number",
                  kz_req_param(rq, name) ? kz_req_param(rq, name) : "");
    return KZ_ENOTFOUND;
}

const char *kz_req_query(kz_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, name);
}

struct qcheck {
    const char *const *names;
    const char *bad;
};

static enum MHD_Result qcheck_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct qcheck *q = cls;
    for (const char *const *n = q->names; n && *n; n++)
        if (!strcmp(*n, key))
            return MHD_YES;
    q->bad = key;
    return MHD_NO;
}

int kz_req_query_check(kz_req *rq, const char *const *names)
{
    struct qcheck q = { names, NULL };
    MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, qcheck_one, &q);
    if (!q.bad)
        return 0;
    kz_resp_error(rq, 400, "invalid_query", "unknown query parameter '%.64s'", q.bad);
    return KZ_EINVAL;
}

int kz_req_period(kz_req *rq, const char **from, const char **to, int *csv)
{
    static const char *const q[] = { "from", "to", "format", NULL };
    char why[160];
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    const char *fmt = kz_req_query(rq, "format");
    *from = kz_req_query(rq, "from");
    *to = kz_req_query(rq, "to");
    if (kz_report_period_check(*from, *to, "from", "to", why, sizeof why)) {
        kz_resp_error(rq, 400, "invalid_query", "%s", why);
        return KZ_EINVAL;
    }
    if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv")) {
        kz_resp_error(rq, 400, "invalid_query", "format is json or csv, not '%.20s'", fmt);
        return KZ_EINVAL;
    }
    *csv = fmt && !strcmp(fmt, "csv");
    return 0;
}

const char *kz_req_header(kz_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->c, MHD_HEADER_KIND, name);
}

const char *kz_req_raw(kz_req *rq, size_t *len)
{
    *len = rq->body.len;
    return rq->body.p ? rq->body.p : "";
}

static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == 16 && !strncasecmp(ct, "application/json", 16);
}

int kz_req_body(kz_req *rq, const kz_field *spec, size_t nspec, kz_fval *vals)
{
    char why[256];
    if (rq->body.len && !is_json_type(kz_req_header(rq, "Content-Type")))
        return kz_resp_error(rq, 415, "unsupported_media_type",
                             "the body must be application/json");
    json_object_put(rq->json);
    rq->json = NULL;
    int rc = kz_body_parse(rq->body.p ? rq->body.p : "", rq->body.len, spec, nspec, vals,
                           &rq->json, why, sizeof why);
    if (rc == KZ_EBADJSON)
        return kz_resp_error(rq, 400, "invalid_json", "%s", why), rc;
    if (rc == KZ_EINVAL)
        return kz_resp_error(rq, 422, "invalid", "%s", why), rc;
    if (rc)
        return kz_resp_fail(rq, rc, why);
    return 0;
}
