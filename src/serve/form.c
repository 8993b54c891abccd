/*
 * serve/form.c - the application/x-www-form-urlencoded parser of HTML form
 * posts (serve/form.h).  One allocation holds the decoded names and
 * values; the fields point into it.
 */
#include "serve/form.h"
#include "util/utf8.h"

struct kz_form {
    size_t n;
    const char *name[KZ_FORM_MAX_FIELDS];
    const char *value[KZ_FORM_MAX_FIELDS];
    char *mem;
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode s[0..n) into out (at most n bytes plus NUL): its length, or -1
 * for a bad escape or a NUL (why says which). */
static long decode(const char *s, size_t n, char *out, const char *what, char *why, size_t whysz)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int a = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int b = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            int h = a >= 0 && b >= 0 ? a * 16 + b : -1;
            if (h < 0) {
                snprintf(why, whysz, "%s: a bad %%-escape at byte %zu", what, i + 1);
                return -1;
            }
            c = (unsigned char)h;
            i += 2;
        }
        if (c == 0) {
            snprintf(why, whysz, "%s: a NUL byte", what);
            return -1;
        }
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return (long)k;
}

int kz_form_parse(const char *body, size_t n, kz_form **out, char *why, size_t whysz)
{
    kz_form *f = NULL;
    int rc = 0;
    *out = NULL;
    why[0] = '\0';
    if (!(f = calloc(1, sizeof *f)) || !(f->mem = kz_malloc(n * 2 + 2))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    char *w = f->mem;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && body[j] != '&')
            j++;
        if (j > i) {
            size_t eq = i;
            while (eq < j && body[eq] != '=')
                eq++;
            if (f->n == KZ_FORM_MAX_FIELDS) {
                snprintf(why, whysz, "more than %d fields", KZ_FORM_MAX_FIELDS);
                rc = KZ_ETOOBIG;
                goto out;
            }
            long nl = decode(body + i, eq - i, w, "a field name", why, whysz);
            if (nl < 0) {
                rc = KZ_EINVAL;
                goto out;
            }
            if (nl > KZ_FORM_MAX_NAME) {
                snprintf(why, whysz, "a field name over %d bytes", KZ_FORM_MAX_NAME);
                rc = KZ_EINVAL;
                goto out;
            }
            if (kz_utf8_invalid_count(w, (size_t)nl)) {
                snprintf(why, whysz, "a field name is not UTF-8");
                rc = KZ_EBADUTF8;
                goto out;
            }
            f->name[f->n] = w;
            w += nl + 1;
            long vl = eq < j ? decode(body + eq + 1, j - eq - 1, w, f->name[f->n], why, whysz)
                             : (*w = '\0', 0);
            if (vl < 0) {
                rc = KZ_EINVAL;
                goto out;
            }
            if (kz_utf8_invalid_count(w, (size_t)vl)) {
                snprintf(why, whysz, "%.64s: not UTF-8 text", f->name[f->n]);
                rc = KZ_EBADUTF8;
                goto out;
            }
            f->value[f->n++] = w;
            w += vl + 1;
        }
        i = j + 1;
    }
out:
    if (rc)
        kz_form_free(&f);
    *out = f;
    return rc;
}

void kz_form_free(kz_form **f)
{
    if (!f || !*f)
        return;
    free((*f)->mem);
    free(*f);
    *f = NULL;
}

const char *kz_form_get(const kz_form *f, const char *name)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (!strcmp(f->name[i], name))
            return f->value[i];
    return NULL;
}

const char *kz_form_str(const kz_form *f, const char *name)
{
    const char *v = kz_form_get(f, name);
    if (!v || v[strspn(v, " \t\r\n")] == '\0')
        return "";
    return v;
}

size_t kz_form_count(const kz_form *f) { return f ? f->n : 0; }
const char *kz_form_name(const kz_form *f, size_t i) { return f && i < f->n ? f->name[i] : NULL; }
const char *kz_form_value(const kz_form *f, size_t i) { return f && i < f->n ? f->value[i] : NULL; }
