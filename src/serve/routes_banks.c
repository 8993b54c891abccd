/*
 * serve/routes_banks.c - the hash banks (store/bank.h): list, create, add
 * entries, match a signal or an uploaded file (pipeline/bankquery.h), and
 * Meta HMA's raw_lookup shape; per pool thread, the similarity hashers a
 * file's match needs.  docs/api.md lists the routes and who may call them.
 */
#include "serve/public_int.h"
#include "serve/server_int.h"
#include "pipeline/bankquery.h"
#include "pipeline/lookups.h"
#include "store/bank.h"
#include "store/store.h"
#include <microhttpd.h>
#include <strings.h>

#define FILE_MAX_BODY  ((size_t)32 << 20)    /* an uploaded file to match */

typedef struct tls {
    kz_simhash *sh;
    kz_minhash *mh;
} tls;

static void tls_free(void *p)
{
    tls *t = p;
    if (!t)
        return;
    kz_simhash_free(t->sh);
    kz_minhash_free(t->mh);
    free(t);
}

static void *tls_make(void)
{
    tls *t = kz_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->sh = kz_simhash_new();
    t->mh = kz_minhash_new();
    if (!t->sh || !t->mh) {
        tls_free(t);
        return NULL;
    }
    return t;
}

static kz_scratch scratch = { tls_make, tls_free, 0, 0 };

int kz__banks_setup(char *err, size_t errsz)
{
    if (kz__scratch_init(&scratch) != 0) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    return 0;
}

void kz__banks_release(void)
{
    kz__scratch_release(&scratch);
}

static int no_memory(kz_req *rq)
{
    return kz_resp_fail(rq, KZ_ENOMEM, NULL);
}

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
    tls *t = kz__scratch_get(&scratch);
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
    { "GET", "/api/v1/banks", KZ_ROLES_STAFF, api_banks, 0, 0 },
    { "POST", "/api/v1/banks", BANK_WRITERS, api_bank_create, 0, 0 },
    { "POST", "/api/v1/banks/match", KZ_ROLES_STAFF, api_bank_match, 0, 0 },
    { "POST", "/api/v1/banks/match-file", KZ_ROLES_STAFF, api_bank_match_file,
      KZ_ROUTE_RAW_BODY, FILE_MAX_BODY },
    { "POST", "/api/v1/banks/{name}/entries", BANK_WRITERS, api_bank_add, 0, 0 },
    { "GET", "/api/v1/hma/m/raw_lookup", KZ_ROLES_STAFF, api_hma_lookup, 0, 0 },
};

const kz_route_table kz_routes_banks = { "banks", routes, KZ_ARRAY_LEN(routes) };
