/*
 * store/content.c - an item's whole text, compressed (store/content.h).
 * zlib at level 6 (the default: posts are small, and a store writes far
 * less than it scans), then standard base64.
 */
#include "store/content.h"
#include "util/utf8.h"
#include <sodium.h>
#include <string.h>
#include <stdint.h>
#include <zlib.h>

size_t kz_content_len(const char *text, size_t n)
{
    size_t k = n < KZ_CONTENT_MAX ? n : KZ_CONTENT_MAX;
    while (k < n && k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80)
        k--;
    return k;
}

int kz_content_in_excerpt(const char *text, size_t n)
{
    return text && kz_store_excerpt_len(text, n) == n && !memchr(text, '\0', n) &&
           kz_utf8_invalid_count(text, n) == 0;
}

int kz_content_text(const char *z, size_t zn, const char *ex, size_t en, int64_t content_len,
                    int purged, kz_buf *out)
{
    int rc;
    size_t at = out->len;
    if (z && (rc = kz_content_unpack(z, zn, out)) != KZ_EINVAL)
        return rc ? rc : 1;
    out->len = at;
    if (!ex || purged)
        return 0;
    if ((rc = kz_buf_add(out, ex, en)) != 0)
        return rc;
    return !z && content_len >= 0 && (size_t)content_len == en ? 1 : 2;
}

struct kz_content_zip {
    z_stream st;                /* deflateInit'ed once, deflateReset per text */
    int      ready;
    unsigned char *z;           /* the compressed bytes, before base64 */
    size_t   cap;
};

kz_content_zip *kz_content_zip_new(void)
{
    kz_content_zip *z = kz_calloc(1, sizeof *z);
    if (z && deflateInit(&z->st, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(z);
        return NULL;
    }
    if (z)
        z->ready = 1;
    return z;
}

void kz_content_zip_free(kz_content_zip **zp)
{
    if (!zp || !*zp)
        return;
    if ((*zp)->ready)
        deflateEnd(&(*zp)->st);
    free((*zp)->z);
    free(*zp);
    *zp = NULL;
}

/* The same bytes as compress2() at the default level (one deflate stream
 * with zlib's default window and memory level), without allocating
 * deflate's state for each text. */
int kz_content_zip_pack(kz_content_zip *z, const char *text, size_t n, kz_buf *out)
{
    if (n > KZ_CONTENT_MAX)
        return KZ_ETOOBIG;
    size_t zn = deflateBound(&z->st, (uLong)n);
    if (zn > z->cap) {
        unsigned char *p = realloc(z->z, zn);
        if (!p)
            return KZ_ENOMEM;
        z->z = p;
        z->cap = zn;
    }
    if (deflateReset(&z->st) != Z_OK)
        return KZ_EINTERNAL;
    z->st.next_in = (Bytef *)(uintptr_t)text;
    z->st.avail_in = (uInt)n;
    z->st.next_out = z->z;
    z->st.avail_out = (uInt)zn;
    if (deflate(&z->st, Z_FINISH) != Z_STREAM_END)
        return KZ_EINTERNAL;
    zn -= z->st.avail_out;
    size_t bn = sodium_base64_ENCODED_LEN(zn, sodium_base64_VARIANT_ORIGINAL);
    int rc = kz_buf_grow(out, bn);
    if (rc)
        return rc;
    sodium_bin2base64(out->p + out->len, bn, z->z, zn, sodium_base64_VARIANT_ORIGINAL);
    out->len += bn - 1;
    out->p[out->len] = '\0';
    return 0;
}

int kz_content_pack(const char *text, size_t n, kz_buf *out)
{
    kz_content_zip *z = kz_content_zip_new();
    if (!z)
        return KZ_ENOMEM;
    int rc = kz_content_zip_pack(z, text, n, out);
    kz_content_zip_free(&z);
    return rc;
}

int kz_content_unpack(const char *z, size_t zn, kz_buf *out)
{
    unsigned char *bin = malloc(zn ? zn : 1);
    size_t bn = 0;
    int rc = KZ_ENOMEM, zr;
    z_stream st;
    memset(&st, 0, sizeof st);
    if (!bin)
        return rc;
    rc = KZ_EINVAL;
    if (sodium_base642bin(bin, zn, z, zn, NULL, &bn, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        goto out;
    if (inflateInit(&st) != Z_OK) {
        rc = KZ_ENOMEM;
        goto out;
    }
    st.next_in = bin;
    st.avail_in = (uInt)bn;
    do {
        if ((rc = kz_buf_grow(out, 65536)) != 0)
            break;
        st.next_out = (Bytef *)out->p + out->len;
        st.avail_out = 65536;
        zr = inflate(&st, Z_NO_FLUSH);
        out->len += 65536 - st.avail_out;
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = KZ_EINVAL;
            break;
        }
        /* never more than what was packed */
        if (out->len > KZ_CONTENT_MAX + 65536) {
            rc = KZ_EINVAL;
            break;
        }
        rc = zr == Z_STREAM_END ? 0 : 1;
    } while (rc == 1);
    inflateEnd(&st);
    if (rc == 0 && out->p)
        out->p[out->len] = '\0';
out:
    free(bin);
    return rc;
}

static int is_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

int kz_content_context(const char *text, size_t n, size_t a, size_t b, size_t around,
                       kz_buf *out)
{
    if (a > b || b > n)
        return KZ_EINVAL;
    size_t lo = a > around ? a - around : 0, hi = b + around < n ? b + around : n;
    /* widen to whole words (at most another 40 bytes), then to characters */
    for (size_t k = 0; lo > 0 && !is_space((unsigned char)text[lo - 1]) && k < 40; k++)
        lo--;
    for (size_t k = 0; hi < n && !is_space((unsigned char)text[hi]) && k < 40; k++)
        hi++;
    while (lo > 0 && ((unsigned char)text[lo] & 0xC0) == 0x80)
        lo--;
    while (hi < n && ((unsigned char)text[hi] & 0xC0) == 0x80)
        hi++;
    int rc = 0;
    if (lo > 0) rc = kz_buf_adds(out, "…");
    if (!rc) rc = kz_buf_add_utf8_clean(out, text + lo, a - lo);
    if (!rc) rc = kz_buf_addc(out, '[');
    if (!rc) rc = kz_buf_add_utf8_clean(out, text + a, b - a);
    if (!rc) rc = kz_buf_addc(out, ']');
    if (!rc) rc = kz_buf_add_utf8_clean(out, text + b, hi - b);
    if (!rc && hi < n) rc = kz_buf_adds(out, "…");
    return rc;
}

/* ---- a text with its hits marked ------------------------------------------ */

size_t kz_content_cut(const char *text, size_t n)
{
    while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

size_t kz_content_fit_escaped(const char *text, size_t n, size_t budget)
{
    size_t cost = 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        cost += c == '&' || c == '<' || c == '>' ? 5 : c == '"' || c == '\'' ? 6 : 1;
        if (cost > budget)
            return kz_content_cut(text, i);
    }
    return n;
}

typedef struct wide {
    size_t      s, e;
    const char *rule;
} wide;

static int wide_cmp(const void *x, const void *y)
{
    const wide *a = x, *b = y;
    return a->s < b->s ? -1 : a->s > b->s ? 1 : (a->e > b->e) - (a->e < b->e);
}

/* Append rule to the ", "-list r (size rn) unless it is there already;
 * what does not fit is left out, never half a character. */
static void rule_add(char *r, size_t rn, const char *rule)
{
    size_t have = strlen(r), n = strlen(rule);
    for (const char *p = r; *p;) {
        const char *q = strstr(p, ", ");
        size_t k = q ? (size_t)(q - p) : strlen(p);
        if (k == n && !memcmp(p, rule, n))
            return;
        p += k + (q ? 2 : 0);
    }
    size_t sep = have ? 2 : 0;
    if (have + sep >= rn - 1)
        return;
    if (have + sep + n > rn - 1)
        n = kz_content_cut(rule, rn - 1 - have - sep);
    if (!n)
        return;
    memcpy(r + have, ", ", sep);
    memcpy(r + have + sep, rule, n);
    r[have + sep + n] = '\0';
}

int kz_content_marks(const char *text, size_t shown, const kz_content_span *in, size_t nin,
                     kz_content_mark *out, size_t *nout)
{
    *nout = 0;
    if (!nin)
        return 0;
    wide *w = malloc(nin * sizeof *w);
    size_t n = 0;
    if (!w)
        return KZ_ENOMEM;
    for (size_t i = 0; i < nin; i++) {
        int64_t s = in[i].start, e = in[i].end;
        if (s < 0 || e <= s || (uint64_t)s >= shown)
            continue;
        size_t ws = kz_content_cut(text, (size_t)s);
        size_t we = (uint64_t)e >= shown ? shown : (size_t)e;
        while (we < shown && ((unsigned char)text[we] & 0xC0) == 0x80)
            we++;
        w[n++] = (wide){ ws, we, in[i].rule ? in[i].rule : "?" };
    }
    qsort(w, n, sizeof *w, wide_cmp);
    for (size_t i = 0; i < n;) {
        kz_content_mark *m = &out[(*nout)++];
        size_t e = w[i].e, j = i;
        m->rules[0] = '\0';
        for (; j < n && (j == i || w[j].s < e); j++) {
            if (w[j].e > e)
                e = w[j].e;
            rule_add(m->rules, sizeof m->rules, w[j].rule);
        }
        m->off = w[i].s;
        m->len = e - w[i].s;
        i = j;
    }
    free(w);
    return 0;
}
