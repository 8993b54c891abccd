/*
 * fuzz/fuzz_url.c - fuzz target for URL canonicalization (url/url.c) and
 * the host a browser contacts (url/whatwg.c).
 *
 * Besides not crashing, checks what url.h promises for every input that
 * canonicalizes: canon(canon(x)) == canon(x); the text has no byte <= 0x20,
 * >= 0x7f or '#', and the part offsets are consistent; the expressions are
 * 1..30, none empty, the first one host + path (+ query); a failure always
 * comes with a reason.  The canonical text is at most KZ_URL_MAX_INPUT
 * bytes, so it always parses again.  The same for kz_url_parse_browser
 * (its form is a canonical form, and reads again as itself or, for a host
 * whose dots Safe Browsing squeezed, as a refusal); a host from
 * kz_url_host_whatwg is printable ASCII without forbidden code points.
 */
#include "url/url.h"
#include "fuzz.h"

static void check_parts(const kz_url *u)
{
    const kz_buf *t = &u->text;
    if (!t->p || t->len == 0 || t->len > KZ_URL_MAX_INPUT || strlen(t->p) != t->len)
        abort();
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->p[i];
        if (c <= 0x20 || c >= 0x7f || c == '#')
            abort();
    }
    if (u->scheme_len + 3 != u->host_off || memcmp(t->p + u->scheme_len, "://", 3) != 0)
        abort();
    if (u->host_len == 0 || u->host_len > 3 * KZ_URL_MAX_HOST + 2)
        abort();
    if (u->host_off + u->host_len != u->path_off || t->p[u->path_off] != '/')
        abort();
    size_t end = u->path_off + u->path_len;
    if (u->has_query ? (t->p[end] != '?' || u->query_off != end + 1 ||
                        u->query_off + u->query_len != t->len)
                     : end != t->len)
        abort();
}

static void check_whatwg(const uint8_t *data, size_t size)
{
    static kz_url_whatwg w;
    int rc = kz_url_host_whatwg(&w, (const char *)data, size);
    if (rc == KZ_EINVAL && !w.why[0])
        abort();
    if (rc != 0)
        return;
    if (w.host_len == 0 || w.host_len != strlen(w.host) || !w.scheme[0])
        abort();
    for (size_t i = 0; i < w.host_len; i++) {
        unsigned char c = (unsigned char)w.host[i];
        if (c <= 0x20 || c >= 0x7f ||
            (w.host_kind == KZ_URL_HOST_NAME && strchr("#%/:<>?@[\\]^|", c)))
            abort();
    }
}

static void check_browser(const uint8_t *data, size_t size)
{
    kz_url u, v;
    kz_url_init(&u);
    kz_url_init(&v);
    int rc = kz_url_parse_browser(&u, (const char *)data, size);
    if (rc == KZ_EINVAL && (!u.why[0] || u.text.len))
        abort();
    if (rc == 0) {
        check_parts(&u);
        /* read again: the same, or refused (Safe Browsing squeezed the
         * dots of a host like "a.6..", which a browser refuses as "a.6") */
        int again = kz_url_parse_browser(&v, u.text.p, u.text.len);
        if (again == 0 ? v.text.len != u.text.len || memcmp(v.text.p, u.text.p, u.text.len) != 0
                       : again != KZ_EINVAL)
            abort();                                    /* not idempotent */
        if (kz_url_parse(&v, u.text.p, u.text.len) != 0 || v.text.len != u.text.len ||
            memcmp(v.text.p, u.text.p, u.text.len) != 0)
            abort();                                    /* not a canonical form */
    }
    kz_url_release(&u);
    kz_url_release(&v);
}

static void check_canon(const uint8_t *data, size_t size)
{
    kz_url u, v;
    kz_url_exprs x;
    kz_url_init(&u);
    kz_url_init(&v);
    kz_url_exprs_init(&x);
    int rc = kz_url_parse(&u, (const char *)data, size);
    if (rc == KZ_EINVAL && (!u.why[0] || u.text.len))
        abort();
    if (rc == 0) {
        check_parts(&u);
        if (kz_url_parse(&v, u.text.p, u.text.len) != 0 || v.text.len != u.text.len ||
            memcmp(v.text.p, u.text.p, u.text.len) != 0 || v.host_kind != u.host_kind)
            abort();                                    /* not idempotent */
        if (kz_url_expressions(&u, &x) != 0 || x.n == 0 || x.n > KZ_URL_EXPR_MAX)
            abort();
        if (x.len[0] != u.text.len - u.host_off ||
            memcmp(x.expr[0], u.text.p + u.host_off, x.len[0]) != 0)
            abort();
        for (size_t i = 0; i < x.n; i++)
            if (x.len[i] == 0 || strlen(x.expr[i]) != x.len[i])
                abort();
        kz_buf d;
        const char *why = NULL;
        kz_buf_init(&d, KZ_BUF_NOLIMIT);
        if (kz_url_registrable_domain(&u, &d, &why) == KZ_EINVAL && !why)
            abort();
        kz_buf_release(&d);
    }
    kz_url_exprs_release(&x);
    kz_url_release(&u);
    kz_url_release(&v);
}

KZ_FUZZ(url)
{
    check_canon(data, size);
    check_whatwg(data, size);
    check_browser(data, size);
    return 0;
}
