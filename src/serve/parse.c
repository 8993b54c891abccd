/*
 * serve/parse.c - path patterns, ids, cookies and JSON bodies for kuzet
 * serve (serve/parse.h).  No I/O, no globals: the fuzz targets call these
 * directly.
 */
#include "serve/parse.h"
#include "util/utf8.h"
#include <errno.h>

/* ---- paths --------------------------------------------------------------- */

int kz_path_match(const char *pattern, const char *path, kz_pathparam *p, size_t *np)
{
    size_t n = 0;
    const char *a = pattern, *b = path;
    *np = 0;
    if (*a != '/' || *b != '/')
        return 0;
    while (*a && *b) {
        if (*a == '{') {
            const char *close = strchr(a, '}');
            if (!close || n == KZ_PATH_MAX_PARAMS)
                return 0;
            size_t seg = strcspn(b, "/");
            if (seg == 0)
                return 0;
            size_t nl = (size_t)(close - a - 1);
            if (nl >= sizeof p[0].name)
                nl = sizeof p[0].name - 1;
            memcpy(p[n].name, a + 1, nl);
            p[n].name[nl] = '\0';
            p[n].val = b;
            p[n].len = seg;
            n++;
            a = close + 1;
            b += seg;
            continue;
        }
        if (*a != *b)
            return 0;
        a++;
        b++;
    }
    if (*a || *b)
        return 0;
    *np = n;
    return 1;
}

int kz_parse_id(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    if (n == 0 || n > 16 || s[0] == '0')
        return KZ_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return KZ_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    if (v > ((int64_t)1 << 53) - 1)
        return KZ_EINVAL;
    *out = v;
    return 0;
}

int kz_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *e = NULL;
    if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
        return KZ_EINVAL;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (errno || *e || v < lo || v > hi)
        return KZ_EINVAL;
    *out = v;
    return 0;
}

/* ---- cookies ------------------------------------------------------------- */

/* RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static int cookie_octet(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
           (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

int kz_cookie_get(const char *h, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    if (!h || outsz == 0)
        return 0;
    while (*h) {
        while (*h == ' ' || *h == '\t' || *h == ';')
            h++;
        if (!*h)
            break;
        const char *eq = h;
        while (*eq && *eq != '=' && *eq != ';')
            eq++;
        const char *end = h;
        while (*end && *end != ';')
            end++;
        if (*eq != '=') {                       /* "flag" without a value: skip it */
            h = end;
            continue;
        }
        size_t kl = (size_t)(eq - h);
        while (kl && (h[kl - 1] == ' ' || h[kl - 1] == '\t'))
            kl--;
        if (kl == nl && !memcmp(h, name, nl)) {
            const char *v = eq + 1, *ve = end;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
                v++;
                ve--;
            }
            size_t vl = (size_t)(ve - v);
            if (vl >= outsz)
                return KZ_EINVAL;
            for (size_t i = 0; i < vl; i++)
                if (!cookie_octet((unsigned char)v[i]))
                    return KZ_EINVAL;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return 1;
        }
        h = end;
    }
    return 0;
}

/* ---- JSON bodies --------------------------------------------------------- */

static int utf8_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = kz_utf8_decode(u + i, n - i, &cp);
        if (k == 0 || cp == 0)
            return 0;
        i += k;
    }
    return 1;
}

static const char *type_name(int t)
{
    return t == KZ_F_STR ? "a string" : t == KZ_F_INT ? "an integer" : "true or false";
}

int kz_body_parse(const char *body, size_t n, const kz_field *spec, size_t nspec,
                  kz_fval *vals, json_object **root, char *why, size_t whysz)
{
    json_tokener *tok = NULL;
    json_object *o = NULL;
    int rc = KZ_EBADJSON;
    *root = NULL;
    why[0] = '\0';
    if (nspec)
        memset(vals, 0, nspec * sizeof *vals);
    size_t skip = 0;
    while (skip < n && (body[skip] == ' ' || body[skip] == '\t' || body[skip] == '\r' ||
                        body[skip] == '\n'))
        skip++;
    if (skip == n) {
        o = json_object_new_object();
        if (!o) {
            rc = KZ_ENOMEM;
            goto out;
        }
    } else {
        if (n > INT32_MAX) {
            snprintf(why, whysz, "the body is too large");
            goto out;
        }
        if (!(tok = json_tokener_new_ex(KZ_JSON_DEPTH))) {
            rc = KZ_ENOMEM;
            goto out;
        }
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, body, (int)n);
        enum json_tokener_error e = json_tokener_get_error(tok);
        if (!o || e != json_tokener_success) {
            snprintf(why, whysz, "the body is not JSON: %s at byte %zu",
                     e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e),
                     json_tokener_get_parse_end(tok));
            json_object_put(o);
            o = NULL;
            goto out;
        }
        size_t end = json_tokener_get_parse_end(tok);
        while (end < n && (body[end] == ' ' || body[end] == '\t' || body[end] == '\r' ||
                           body[end] == '\n'))
            end++;
        if (end != n) {
            snprintf(why, whysz, "the body is not JSON: something after the value at byte %zu",
                     end);
            goto out;
        }
        if (!json_object_is_type(o, json_type_object)) {
            snprintf(why, whysz, "the body must be a JSON object");
            goto out;
        }
    }
    rc = KZ_EINVAL;
    json_object_object_foreach(o, key, v) {
        size_t i;
        for (i = 0; i < nspec; i++)
            if (!strcmp(spec[i].name, key))
                break;
        if (i == nspec) {
            snprintf(why, whysz, "unknown field '%.64s'", key);
            goto out;
        }
        const kz_field *f = &spec[i];
        kz_fval *fv = &vals[i];
        if (!v && !f->required)          /* null: as if not given */
            continue;
        switch (f->type) {
        case KZ_F_STR: {
            if (!json_object_is_type(v, json_type_string))
                goto badtype;
            const char *s = json_object_get_string(v);
            size_t len = (size_t)json_object_get_string_len(v);
            int64_t max = f->hi ? f->hi : 65536;
            if ((int64_t)len > max) {
                snprintf(why, whysz, "field '%s' is longer than %lld bytes", f->name,
                         (long long)max);
                goto out;
            }
            if (!utf8_ok(s, len)) {
                snprintf(why, whysz, "field '%s' is not valid UTF-8 text (or holds a NUL)",
                         f->name);
                goto out;
            }
            fv->s = s;
            break;
        }
        case KZ_F_INT: {
            if (!json_object_is_type(v, json_type_int))
                goto badtype;
            errno = 0;
            int64_t x = json_object_get_int64(v);
            if (errno == ERANGE || ((f->lo || f->hi) && (x < f->lo || x > f->hi))) {
                snprintf(why, whysz, "field '%s' must be from %lld to %lld", f->name,
                         (long long)f->lo, (long long)f->hi);
                goto out;
            }
            fv->i = x;
            break;
        }
        case KZ_F_BOOL:
            if (!json_object_is_type(v, json_type_boolean))
                goto badtype;
            fv->i = json_object_get_boolean(v) ? 1 : 0;
            break;
        default:
            goto badtype;
        }
        fv->given = 1;
        continue;
    badtype:
        snprintf(why, whysz, "field '%s' must be %s", f->name, type_name(f->type));
        goto out;
    }
    for (size_t i = 0; i < nspec; i++)
        if (spec[i].required && !vals[i].given) {
            snprintf(why, whysz, "missing field '%s'", spec[i].name);
            goto out;
        }
    *root = o;
    o = NULL;
    rc = 0;
out:
    if (rc && nspec)
        memset(vals, 0, nspec * sizeof *vals);
    json_object_put(o);
    if (tok)
        json_tokener_free(tok);
    return rc;
}
