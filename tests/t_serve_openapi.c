/*
 * tests/t_serve_openapi.c - docs/openapi.yaml against the server: every
 * API route of the route table is documented, every documented route exists,
 * and the JSON bodies of real calls fit the documented schemas (a subset
 * of JSON Schema: $ref, allOf, type, enum, required, properties, items).
 * Only the API's routes (kz_route_is_api: under /api/, and /metrics): the
 * web app's pages and static files are HTML and CSS, not the API, and are
 * tested by tests/t_web_*.c.
 */
#include "case/case.h"
#include "kt.h"
#include "kt_serve.h"
#include "serve/serve.h"
#include <json-c/json.h>
#include <yaml.h>
#include <ctype.h>
#include <stdlib.h>

/* ---- YAML -> json-c (scalars as strings) --------------------------------- */

static json_object *conv(yaml_document_t *d, yaml_node_t *n, int depth)
{
    if (!n || depth > 64)
        return NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return json_object_new_string_len((const char *)n->data.scalar.value,
                                          (int)n->data.scalar.length);
    case YAML_SEQUENCE_NODE: {
        json_object *a = json_object_new_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
            json_object_array_add(a, conv(d, yaml_document_get_node(d, *i), depth + 1));
        return a;
    }
    case YAML_MAPPING_NODE: {
        json_object *o = json_object_new_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(d, p->key);
            if (k && k->type == YAML_SCALAR_NODE)
                json_object_object_add(o, (const char *)k->data.scalar.value,
                                       conv(d, yaml_document_get_node(d, p->value), depth + 1));
        }
        return o;
    }
    default:
        return NULL;
    }
}

static json_object *load_openapi(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/openapi.yaml", kt_root());
    FILE *f = fopen(path, "rb");
    if (!f) {
        kt_fail(__FILE__, __LINE__, "cannot open %s", path);
        return NULL;
    }
    yaml_parser_t p;
    yaml_document_t d;
    json_object *o = NULL;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    if (yaml_parser_load(&p, &d)) {
        o = conv(&d, yaml_document_get_root_node(&d), 0);
        yaml_document_delete(&d);
    } else {
        kt_fail(__FILE__, __LINE__, "%s: line %zu: %s", path, p.problem_mark.line + 1,
                p.problem ? p.problem : "?");
    }
    yaml_parser_delete(&p);
    fclose(f);
    return o;
}

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* "#/components/schemas/X" */
static json_object *deref(json_object *root, json_object *s)
{
    for (int i = 0; i < 8 && s; i++) {
        json_object *ref = get(s, "$ref");
        if (!ref)
            return s;
        char buf[256];
        snprintf(buf, sizeof buf, "%s", json_object_get_string(ref));
        if (strncmp(buf, "#/", 2))
            return NULL;
        json_object *at = root;
        for (char *tok = buf + 2, *slash; tok && at; tok = slash ? slash + 1 : NULL) {
            slash = strchr(tok, '/');
            if (slash)
                *slash = '\0';
            at = get(at, tok);
        }
        s = at;
    }
    return s;
}

static int type_is(json_object *v, const char *t)
{
    if (!strcmp(t, "null")) return v == NULL;
    if (!v) return 0;
    if (!strcmp(t, "string")) return json_object_is_type(v, json_type_string);
    if (!strcmp(t, "integer")) return json_object_is_type(v, json_type_int);
    if (!strcmp(t, "number")) return json_object_is_type(v, json_type_int) ||
                                     json_object_is_type(v, json_type_double);
    if (!strcmp(t, "boolean")) return json_object_is_type(v, json_type_boolean);
    if (!strcmp(t, "object")) return json_object_is_type(v, json_type_object);
    if (!strcmp(t, "array")) return json_object_is_type(v, json_type_array);
    return 0;
}

/* 0 when v fits schema s; else 1, with why. */
static int check(json_object *root, json_object *s, json_object *v, const char *at, char *why,
                 size_t whysz)
{
    s = deref(root, s);
    if (!s) {
        snprintf(why, whysz, "%s: an unresolved $ref", at);
        return 1;
    }
    json_object *all = get(s, "allOf");
    for (size_t i = 0; all && i < json_object_array_length(all); i++)
        if (check(root, json_object_array_get_idx(all, i), v, at, why, whysz))
            return 1;
    json_object *t = get(s, "type");
    if (t) {
        int ok = 0;
        if (json_object_is_type(t, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(t); i++)
                ok |= type_is(v, json_object_get_string(json_object_array_get_idx(t, i)));
        } else {
            ok = type_is(v, json_object_get_string(t));
        }
        if (!ok) {
            snprintf(why, whysz, "%s: %s is not of type %s", at,
                     v ? json_object_to_json_string(v) : "null", json_object_to_json_string(t));
            return 1;
        }
    }
    json_object *en = get(s, "enum");
    if (en && v) {
        int ok = 0;
        for (size_t i = 0; i < json_object_array_length(en); i++)
            ok |= !strcmp(json_object_get_string(json_object_array_get_idx(en, i)),
                          json_object_get_string(v));
        if (!ok) {
            snprintf(why, whysz, "%s: %s is not one of %s", at, json_object_get_string(v),
                     json_object_to_json_string(en));
            return 1;
        }
    }
    if (v && json_object_is_type(v, json_type_object)) {
        json_object *req = get(s, "required");
        for (size_t i = 0; req && i < json_object_array_length(req); i++) {
            const char *k = json_object_get_string(json_object_array_get_idx(req, i));
            if (!json_object_object_get_ex(v, k, NULL)) {
                snprintf(why, whysz, "%s: no '%s'", at, k);
                return 1;
            }
        }
        json_object *props = get(s, "properties");
        json_object_object_foreach(v, k, val) {
            json_object *ps = get(props, k);
            char sub[256];
            snprintf(sub, sizeof sub, "%s.%s", at, k);
            if (ps && check(root, ps, val, sub, why, whysz))
                return 1;
        }
    }
    json_object *items = get(s, "items");
    if (items && v && json_object_is_type(v, json_type_array))
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s[%zu]", at, i);
            if (check(root, items, json_object_array_get_idx(v, i), sub, why, whysz))
                return 1;
        }
    return 0;
}

static void lower(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

KT_TEST(serve_openapi_routes)
{
    json_object *api = load_openapi();
    if (!api)
        return;
    KT_EQ_STR(json_object_get_string(get(api, "openapi")), "3.1.0");
    json_object *paths = get(api, "paths");
    size_t nroutes = 0, ndoc = 0;
    for (const kz_route_table *const *t = kz_route_tables; *t; t++)
        for (size_t i = 0; i < (*t)->n; i++) {
            const kz_route *r = &(*t)->routes[i];
            char m[16];
            if (!kz_route_is_api(r))
                continue;                       /* a page: not the API */
            lower(r->method, m, sizeof m);
            nroutes++;
            if (!get(get(paths, r->path), m))
                kt_fail(__FILE__, __LINE__, "%s %s is not in docs/openapi.yaml", r->method,
                        r->path);
        }
    static const char *const methods[] = { "get", "post", "put", "patch", "delete", "head",
                                           "options" };
    json_object_object_foreach(paths, p, ops) {
        for (size_t k = 0; k < KZ_ARRAY_LEN(methods); k++) {
            if (!get(ops, methods[k]))
                continue;
            ndoc++;
            int found = 0;
            for (const kz_route_table *const *t = kz_route_tables; *t && !found; t++)
                for (size_t i = 0; i < (*t)->n && !found; i++) {
                    char m[16];
                    lower((*t)->routes[i].method, m, sizeof m);
                    found = !strcmp((*t)->routes[i].path, p) && !strcmp(m, methods[k]);
                }
            if (!found)
                kt_fail(__FILE__, __LINE__, "docs/openapi.yaml has %s %s; the server has not",
                        methods[k], p);
        }
    }
    KT_EQ_INT(ndoc, nroutes);
    json_object_put(api);
}

/* ---- the bodies of real calls -------------------------------------------- */

static void fits(json_object *api, const char *method, const char *pattern, const kt_resp *r)
{
    char m[16], st[8], why[512];
    lower(method, m, sizeof m);
    snprintf(st, sizeof st, "%ld", r->status);
    json_object *resp = deref(api, get(get(get(get(get(api, "paths"), pattern), m),
                                            "responses"), st));
    if (!resp) {
        kt_fail(__FILE__, __LINE__, "%s %s: status %s is not documented (%s)", method, pattern,
                st, r->body);
        return;
    }
    json_object *schema = get(get(get(resp, "content"), "application/json"), "schema");
    if (!schema) {
        if (r->len)
            kt_fail(__FILE__, __LINE__, "%s %s %s: a body, none documented", method, pattern, st);
        return;
    }
    json_object *v = json_tokener_parse(r->body);
    if (!v) {
        kt_fail(__FILE__, __LINE__, "%s %s %s: not JSON: %s", method, pattern, st, r->body);
        return;
    }
    if (check(api, schema, v, "body", why, sizeof why))
        kt_fail(__FILE__, __LINE__, "%s %s %s: %s", method, pattern, st, why);
    json_object_put(v);
}

static void setup(kz_store *s)
{
    kt_serve_staff(s);
    KT_EQ_INT(kz_store_begin(s), 0);
    const char *url = "https://forum.example.kz/t/1", *text = "post 1 offers a dead drop";
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 4, NULL, NULL, 0 };
    kz_flag_in f = { "drugs", 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
}

KT_TEST(serve_openapi_bodies)
{
    json_object *api = load_openapi();
    kt_server sv;
    kt_client root, al, ann;
    kt_resp r;
    if (!api)
        return;
    if (kt_serve_start(&sv, "openapi", 0, setup, NULL)) {
        json_object_put(api);
        return;
    }
    memset(&root, 0, sizeof root);
    memset(&al, 0, sizeof al);
    memset(&ann, 0, sizeof ann);
    const struct { kt_client *cl; const char *method, *path, *pattern, *body; } calls[] = {
        { NULL, "GET", "/api/v1/health", "/api/v1/health", NULL },
        { NULL, "POST", "/api/v1/login", "/api/v1/login", "{\"name\":\"al\",\"password\":\"x\"}" },
        { NULL, "GET", "/api/v1/session", "/api/v1/session", NULL },
        { &al, "GET", "/api/v1/session", "/api/v1/session", NULL },
        { &al, "GET", "/api/v1/cases", "/api/v1/cases", NULL },
        { &al, "GET", "/api/v1/cases?state=nope", "/api/v1/cases", NULL },
        { &ann, "POST", "/api/v1/cases/1/decide", "/api/v1/cases/{id}/decide",
          "{\"measure\":\"no_action\",\"reasons\":\"nothing illegal\"}" },
        { &al, "POST", "/api/v1/cases/1/assign", "/api/v1/cases/{id}/assign", "{\"to\":\"ann\"}" },
        { &ann, "POST", "/api/v1/cases/1/decide", "/api/v1/cases/{id}/decide",
          "{\"measure\":\"removal_request\",\"legal_basis\":\"Law on Narcotic Drugs, art. 5\","
          "\"reasons\":\"offers drugs for sale\",\"scope\":\"KZ\",\"days\":30}" },
        { &al, "POST", "/api/v1/cases/1/notify", "/api/v1/cases/{id}/notify", "{}" },
        { &al, "GET", "/api/v1/statements?from=2000-01-01&to=2099-12-31", "/api/v1/statements",
          NULL },
        { NULL, "GET", "/api/v1/statements?from=2000-01-01&to=2099-12-31", "/api/v1/statements",
          NULL },
        { &al, "GET", "/api/v1/statements?from=2000-01-01", "/api/v1/statements", NULL },
        { &al, "GET", "/api/v1/cases/1", "/api/v1/cases/{id}", NULL },
        { &al, "GET", "/api/v1/cases/7", "/api/v1/cases/{id}", NULL },
        { &al, "GET", "/api/v1/items/1", "/api/v1/items/{id}", NULL },
        { &al, "GET", "/api/v1/notices", "/api/v1/notices", NULL },
        { &al, "GET", "/api/v1/notices/overdue", "/api/v1/notices/overdue", NULL },
        { &al, "GET", "/api/v1/appeals", "/api/v1/appeals", NULL },
        { &root, "GET", "/api/v1/users", "/api/v1/users", NULL },
        { &root, "POST", "/api/v1/tokens", "/api/v1/tokens", "{\"account\":\"al\",\"name\":\"x\"}" },
        { &root, "GET", "/api/v1/tokens", "/api/v1/tokens", NULL },
        { &root, "DELETE", "/api/v1/tokens/1", "/api/v1/tokens/{id}", NULL },
        { &root, "DELETE", "/api/v1/tokens/1", "/api/v1/tokens/{id}", NULL },
        { NULL, "GET", "/api/v1/report?from=2000-01-01&to=2099-12-31", "/api/v1/report", NULL },
        { NULL, "GET", "/api/v1/audit/checkpoint", "/api/v1/audit/checkpoint", NULL },
        /* the public and data routes (serve/routes_check.c, routes_rules.c, routes_banks.c; no --rules here) */
        { NULL, "GET", "/api/v1/check?url=http://forum.example.kz/", "/api/v1/check", NULL },
        { NULL, "GET", "/api/v1/check?url=http://1.2.3.4.5/", "/api/v1/check", NULL },
        { NULL, "GET", "/api/v1/check", "/api/v1/check", NULL },
        { NULL, "GET", "/api/v1/blocklist/prefixes", "/api/v1/blocklist/prefixes", NULL },
        { NULL, "GET", "/api/v1/blocklist/prefixes?since=1", "/api/v1/blocklist/prefixes", NULL },
        { NULL, "GET", "/api/v1/blocklist/full-hashes?prefix=00000000",
          "/api/v1/blocklist/full-hashes", NULL },
        { NULL, "GET", "/api/v1/blocklist/nope", "/api/v1/blocklist/{format}", NULL },
        { &al, "GET", "/api/v1/rules", "/api/v1/rules", NULL },
        { &al, "GET", "/api/v1/banks", "/api/v1/banks", NULL },
        { &al, "POST", "/api/v1/banks", "/api/v1/banks", "{\"name\":\"b\",\"signal_type\":\"md5\"}" },
        { &al, "POST", "/api/v1/banks/b/entries", "/api/v1/banks/{name}/entries",
          "{\"signal\":\"5eb63bbbe01eeed093cb22bb8f5acdc3\"}" },
        { &al, "POST", "/api/v1/banks/match", "/api/v1/banks/match",
          "{\"signal_type\":\"md5\",\"signal\":\"5eb63bbbe01eeed093cb22bb8f5acdc3\"}" },
        { &al, "GET", "/api/v1/hma/m/raw_lookup?signal_type=md5&signal=5eb63bbbe01eeed093cb22bb8f5acdc3",
          "/api/v1/hma/m/raw_lookup", NULL },
        { &al, "POST", "/api/v1/logout", "/api/v1/logout", "" },
    };
    KT_EQ_INT(kt_login_http(&sv, &root, "root"), 200);
    KT_EQ_INT(kt_login_http(&sv, &al, "al"), 200);
    /* the log-in answer itself */
    KT_EQ_INT(kt_http(&sv, &ann, "POST", "/api/v1/login",
                      "{\"name\":\"ann\",\"password\":\"ann-password-123\"}", &r), 200);
    kt_json_get(r.body, "csrf_token", ann.csrf, sizeof ann.csrf);
    fits(api, "POST", "/api/v1/login", &r);
    kt_resp_free(&r);
    for (size_t i = 0; i < KZ_ARRAY_LEN(calls); i++) {
        kt_http(&sv, calls[i].cl, calls[i].method, calls[i].path, calls[i].body, &r);
        fits(api, calls[i].method, calls[i].pattern, &r);
        kt_resp_free(&r);
    }
    KT_EQ_INT(kt_serve_stop(&sv), 0);
    json_object_put(api);
}
