/*
 * util/buf.c - growable byte buffer with a size limit.
 */
#include "buf.h"
#include "utf8.h"

void kz_buf_init(kz_buf *b, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void kz_buf_release(kz_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int kz_buf_grow(kz_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return KZ_ETOOBIG;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return KZ_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

int kz_buf_add(kz_buf *b, const void *data, size_t n)
{
    int rc = kz_buf_grow(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int kz_buf_addc(kz_buf *b, char c) { return kz_buf_add(b, &c, 1); }
int kz_buf_adds(kz_buf *b, const char *s) { return kz_buf_add(b, s, strlen(s)); }

int kz_buf_addf(kz_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KZ_EINVAL;
    if ((size_t)n < sizeof tmp)
        return kz_buf_add(b, tmp, (size_t)n);
    int rc = kz_buf_grow(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

size_t kz_fmt_uint(char out[24], uint64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(out, tmp + n, sizeof tmp - n);
    out[sizeof tmp - n] = '\0';
    return sizeof tmp - n;
}

size_t kz_fmt_int(char out[24], int64_t v)
{
    char tmp[24];
    size_t n = kz_fmt_uint(tmp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v), k = 0;
    if (v < 0)
        out[k++] = '-';
    memcpy(out + k, tmp, n + 1);
    return k + n;
}

int kz_buf_add_uint(kz_buf *b, uint64_t v)
{
    char tmp[24];
    return kz_buf_add(b, tmp, kz_fmt_uint(tmp, v));
}

int kz_buf_add_utf8_clean(kz_buf *b, const char *s, size_t n)
{
    int rc = kz_buf_grow(b, n * 3);
    if (rc)
        return rc;
    char *o = b->p + b->len;
    size_t i = 0;
    while (i < n) {
        /* a run of valid characters without NUL, copied at once */
        size_t run = i;
        while (i < n) {
            unsigned char c = (unsigned char)s[i];
            uint32_t cp;
            size_t k = c < 0x80 ? (c != 0) : kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
            if (k == 0)
                break;
            i += k;
        }
        memcpy(o, s + run, i - run);
        o += i - run;
        if (i < n) {                                /* a NUL or an invalid byte */
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
    return 0;
}

int kz_buf_add_json_str(kz_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* worst case: every byte becomes \u00XX or U+FFFD (3 bytes) */
    int rc = kz_buf_grow(b, n * 6 + 2);
    if (rc)
        return rc;
    char *o = b->p + b->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex[c >> 4]; *o++ = hex[c & 15];
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0) {                       /* invalid byte: U+FFFD */
            *o++ = (char)0xEF; *o++ = (char)0xBF; *o++ = (char)0xBD;
            i++;
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029) { /* valid JSON, but breaks JS */
            memcpy(o, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
            o += 6;
        } else {
            memcpy(o, s + i, k);
            o += k;
        }
        i += k;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
    return 0;
}

/* ---- kz_jw ---------------------------------------------------------------- */

void kz_jw_init(kz_jw *j)
{
    kz_buf_init(&j->b, 1u << 20);
    j->rc = 0;
}

void kz_jw_release(kz_jw *j) { kz_buf_release(&j->b); }

void kz_jw_raw(kz_jw *j, const char *s)
{
    if (!j->rc)
        j->rc = kz_buf_adds(&j->b, s);
}

void kz_jw_key(kz_jw *j, const char *k)
{
    if (j->rc)
        return;
    char last = j->b.len ? j->b.p[j->b.len - 1] : '{';
    if (last != '{' && last != '[')
        j->rc = kz_buf_addc(&j->b, ',');
    if (!j->rc)
        j->rc = kz_buf_addc(&j->b, '"');
    if (!j->rc)
        j->rc = kz_buf_adds(&j->b, k);
    if (!j->rc)
        j->rc = kz_buf_add(&j->b, "\":", 2);
}

void kz_jw_str(kz_jw *j, const char *k, const char *v)
{
    kz_jw_key(j, k);
    if (!j->rc)
        j->rc = v ? kz_buf_add_json_str(&j->b, v, strlen(v)) : kz_buf_adds(&j->b, "null");
}

void kz_jw_int(kz_jw *j, const char *k, int64_t v)
{
    kz_jw_key(j, k);
    if (!j->rc) {
        char num[24];
        j->rc = kz_buf_add(&j->b, num, kz_fmt_int(num, v));
    }
}

void kz_jw_bool(kz_jw *j, const char *k, int v)
{
    kz_jw_key(j, k);
    kz_jw_raw(j, v ? "true" : "false");
}
