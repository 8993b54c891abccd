/*
 * serve/routes_platforms.c - platforms and notices' deliveries over HTTP:
 * the platforms and their contacts (list, add, change), one notice with its
 * delivery attempts and answers, and an answer recorded against a notice
 * (by staff, or by a platform's liaison token for that platform's notices
 * only).  Each handler calls what `kuzet platforms` and `kuzet notices`
 * call (case/platform.h, case/deliver.h); the library enforces the rules.
 */
#include "serve/routes.h"
#include "case/deliver.h"
#include "case/notice_text.h"
#include "case/platform.h"

#define MANAGERS (KZ_ROLE_ADMIN | KZ_ROLE_SUPERVISOR)

static const char *const no_query[] = { NULL };

static int refused(kz_req *rq, kz_actor *a, int rc)
{
    return kz_resp_fail(rq, rc, kz_account_errmsg(a));
}

static const char *opt(const kz_fval *v) { return v->given ? v->s : NULL; }

/* The fields of add and set, in kz_platform_in's order after the name. */
static const kz_field platform_f[] = {
    { "name", KZ_F_STR, 0, 0, 200 },
    { "email", KZ_F_STR, 0, 0, 254 },
    { "endpoint", KZ_F_STR, 0, 0, 2047 },
    { "legal_representative", KZ_F_STR, 0, 0, 255 },
    { "legal_representative_email", KZ_F_STR, 0, 0, 254 },
    { "language", KZ_F_STR, 0, 0, 2 },
    { "monthly_users", KZ_F_INT, 0, 0, 4000000000000LL },
};

static void platform_in(const kz_fval *v, kz_platform_in *in)
{
    in->email = opt(&v[1]);
    in->endpoint = opt(&v[2]);
    in->rep_name = opt(&v[3]);
    in->rep_email = opt(&v[4]);
    in->language = opt(&v[5]);
    in->monthly_users = v[6].given ? v[6].i : -1;
}

/* {"platforms":[...]} */
static int platforms_list(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_query_check(rq, no_query);
    if (rc)
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_platform_list_json(a, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_lines(rq, "platforms", &b);
    kz_buf_release(&b);
    return rc;
}

/* The platform id as a JSON object (from the list: one platform). */
static int answer_platform(kz_req *rq, kz_actor *a, int64_t id, unsigned status)
{
    kz_platform p;
    kz_buf b;
    int rc = kz_platform_get(a, id, &p);
    if (rc)
        return refused(rq, a, rc);
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if ((rc = kz_platform_list_json(a, &b))) {
        kz_buf_release(&b);
        return refused(rq, a, rc);
    }
    char key[40];
    snprintf(key, sizeof key, "{\"id\":%lld,", (long long)id);
    const char *s = b.p ? strstr(b.p, key) : NULL;
    /* a line starts at the buffer or after a newline */
    while (s && s != b.p && s[-1] != '\n')
        s = strstr(s + 1, key);
    if (!s) {
        kz_buf_release(&b);
        return kz_resp_fail(rq, KZ_ENOTFOUND, "no such platform");
    }
    const char *e = strchr(s, '\n');
    rc = kz_resp_data(rq, status, "application/json", s, e ? (size_t)(e - s) : strlen(s));
    kz_buf_release(&b);
    return rc;
}

static int platforms_add(kz_req *rq)
{
    kz_fval v[KZ_ARRAY_LEN(platform_f)];
    kz_platform_in in;
    int64_t id = 0;
    int rc = kz_req_body(rq, platform_f, KZ_ARRAY_LEN(platform_f), v);
    if (rc)
        return rc;
    if (!v[0].given)
        return kz_resp_error(rq, 422, "invalid", "missing field 'name'");
    platform_in(v, &in);
    kz_actor *a = kz_req_actor(rq);
    if ((rc = kz_platform_add(a, v[0].s, &in, &id)))
        return refused(rq, a, rc);
    return answer_platform(rq, a, id, 201);
}

static int platforms_set(kz_req *rq)
{
    kz_fval v[KZ_ARRAY_LEN(platform_f)];
    kz_platform_in in;
    kz_platform p;
    int64_t id;
    int rc = kz_req_param_id(rq, "id", &id);
    if (rc || (rc = kz_req_body(rq, platform_f, KZ_ARRAY_LEN(platform_f), v)))
        return rc;
    if (v[0].given)
        return kz_resp_error(rq, 422, "invalid", "a platform's name is not changed");
    platform_in(v, &in);
    kz_actor *a = kz_req_actor(rq);
    if ((rc = kz_platform_get(a, id, &p)) || (rc = kz_platform_set(a, p.name, &in)))
        return refused(rq, a, rc);
    return answer_platform(rq, a, id, 200);
}

/* A liaison's token reaches its own platform's notices only (404 for the
 * others, as for no notice at all). */
static int notice_reachable(kz_req *rq, kz_actor *a, int64_t id)
{
    kz_notice_facts f;
    int rc = kz_notice_facts_load(a, id, &f);
    if (rc)
        return refused(rq, a, rc);
    const char *plat = kz_req_platform(rq);
    rc = plat[0] && strcmp(plat, f.platform) ? KZ_ENOTFOUND : 0;
    kz_notice_facts_release(&f);
    return rc ? kz_resp_fail(rq, rc, "no such notice") : 0;
}

static int notice_get(kz_req *rq)
{
    int64_t id;
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_query_check(rq, no_query);
    if (rc || (rc = kz_req_param_id(rq, "id", &id)) || (rc = notice_reachable(rq, a, id)))
        return rc;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_notice_show_json(a, id, &b);
    rc = rc ? refused(rq, a, rc) : kz_resp_buf(rq, 200, "application/json", &b);
    kz_buf_release(&b);
    return rc;
}

static int notice_answer(kz_req *rq)
{
    static const kz_field f[] = { { "text", KZ_F_STR, 1, 0, 16384 } };
    kz_fval v[1];
    int64_t id, aid = 0;
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_req_param_id(rq, "id", &id);
    if (rc || (rc = kz_req_body(rq, f, 1, v)) || (rc = notice_reachable(rq, a, id)))
        return rc;
    if ((rc = kz_notice_answer(a, id, v[0].s, &aid)))
        return refused(rq, a, rc);
    char body[96];
    int n = snprintf(body, sizeof body, "{\"notice_id\":%lld,\"answer_id\":%lld}\n",
                     (long long)id, (long long)aid);
    return kz_resp_json(rq, 201, body, (size_t)n);
}

static const kz_route routes[] = {
    { "GET", "/api/v1/platforms", KZ_ROLES_STAFF, platforms_list, 0, 0 },
    { "POST", "/api/v1/platforms", MANAGERS, platforms_add, 0, 16384 },
    { "PATCH", "/api/v1/platforms/{id}", MANAGERS, platforms_set, 0, 16384 },
    { "GET", "/api/v1/notices/{id}", KZ_ROLES_STAFF, notice_get, KZ_ROUTE_PLATFORM_OK, 0 },
    { "POST", "/api/v1/notices/{id}/answer", KZ_ROLES_WORK, notice_answer,
      KZ_ROUTE_PLATFORM_OK, 65536 },
};

const kz_route_table kz_routes_platforms = { "platforms", routes, KZ_ARRAY_LEN(routes) };
