/*
 * url/url.c - Safe Browsing URL canonicalization, expressions, domains.
 *
 * One pass over a bounded copy of the input (at most KZ_URL_MAX_INPUT
 * bytes, so the work arrays live on the stack): trim, drop tab/CR/LF and
 * the fragment, undo escapes to a fixed point, split scheme / authority /
 * path / query, canonicalize host and path, then escape while writing the
 * result.  The rules and their reasons are in url.h and docs/urls.md.
 */
#include "url/url.h"
#include "util/sha256.h"
#include "url/url_int.h"
#include "util/utf8.h"
#include <arpa/inet.h>
#include <pthread.h>
#include <idn2.h>
#include <libpsl.h>
#include <sodium.h>
#include <utf8proc.h>

#define OUT_MAX (3 * KZ_URL_MAX_INPUT + 64)

static int fail(kz_url *u, const char *fmt, ...) KZ_PRINTF(2, 3);
static int fail(kz_url *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->why, sizeof u->why, fmt, ap);
    va_end(ap);
    kz_buf_reset(&u->text);
    return KZ_EINVAL;
}

/*
 * Undo %XX escapes until none is left, in place; returns the new length.
 * A stack: after each byte is written, a "%XX" ending there is replaced by
 * its byte, which may complete another "%XX" before it.  Escapes cannot
 * overlap ('%' is not a hex digit), so the result is the unique fixed point
 * that unescaping "until no change" reaches, in O(n).
 */
static size_t unescape_all(char *s, size_t n)
{
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        s[w++] = s[r];
        while (w >= 3 && s[w - 3] == '%') {
            int hi = kz__url_hexval((unsigned char)s[w - 2]);
            int lo = kz__url_hexval((unsigned char)s[w - 1]);
            if (hi < 0 || lo < 0)
                break;
            s[w - 3] = (char)(hi * 16 + lo);
            w -= 2;
        }
    }
    return w;
}

static bool must_escape(unsigned char c)
{
    return c <= 0x20 || c >= 0x7f || c == '#' || c == '%';
}

static int add_escaped(kz_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = kz_buf_grow(b, 3 * n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (must_escape(c)) {
            b->p[b->len++] = '%';
            b->p[b->len++] = hex[c >> 4];
            b->p[b->len++] = hex[c & 15];
        } else {
            b->p[b->len++] = (char)c;
        }
    }
    b->p[b->len] = '\0';
    return 0;
}

/* ---- host ------------------------------------------------------------ */

/* Copy s[0..n) to o without leading/trailing dots and with runs of dots
 * made one; returns the new length. */
static size_t squeeze_dots(char *o, const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && (w == 0 || o[w - 1] == '.'))
            continue;
        o[w++] = s[i];
    }
    if (w > 0 && o[w - 1] == '.')
        w--;
    return w;
}

/* One IPv4 part: 0x hex, 0 octal, or decimal.  false if not a number. */
static bool ipv4_part(const char *s, size_t n, uint64_t *v)
{
    unsigned base = 10;
    size_t i = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (n >= 2 && s[0] == '0') {
        base = 8;
        i = 1;
    }
    uint64_t x = 0;
    for (; i < n; i++) {
        int d = kz__url_hexval((unsigned char)s[i]);
        if (d < 0 || (unsigned)d >= base)
            return false;
        x = x * base + (unsigned)d;
        if (x > 0xFFFFFFFFu)
            return false;
    }
    *v = x;
    return true;
}

/* A host in any form inet_aton accepts ("3279880203", "0x12.0x43.0x44.1",
 * "10.1"), with no empty parts, to its 32-bit value. */
static bool parse_ipv4(const char *s, size_t n, uint32_t *addr)
{
    uint64_t part[4];
    size_t np = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (np == 4 || i == start || !ipv4_part(s + start, i - start, &part[np]))
            return false;
        np++;
        start = i + 1;
    }
    uint64_t v = 0;
    for (size_t k = 0; k + 1 < np; k++) {
        if (part[k] > 255)
            return false;
        v |= part[k] << (8 * (3 - k));
    }
    if (part[np - 1] >= (1ull << (8 * (5 - np))))
        return false;
    *addr = (uint32_t)(v | part[np - 1]);
    return true;
}

static size_t fmt_ipv4(char *o, const unsigned char b[4])
{
    return (size_t)snprintf(o, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* RFC 5952: lowercase hex, no leading zeros, the longest run (two or more,
 * the first when tied) of zero groups as "::" (url_int.h). */
size_t kz__url_fmt_ipv6(char *o, const unsigned char a[16])
{
    unsigned g[8];
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t w = 0;
    o[w++] = '[';
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            o[w++] = ':';
            if (i == 0)
                o[w++] = ':';
            i += bestlen - 1;
            continue;
        }
        w += (size_t)snprintf(o + w, 6, "%x", g[i]);
        if (i < 7)
            o[w++] = ':';
    }
    o[w++] = ']';
    return w;
}

static bool utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* RFC 3492 punycode of cp[0..n) appended to o[*w..cap) after "xn--".
 * false when it does not fit or overflows (url_int.h). */
bool kz__url_punycode(const uint32_t *cp, size_t n, char *o, size_t *w, size_t cap)
{
    enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
    size_t k = *w, b = 0;
#define PUT(ch) do { if (k >= cap) return false; o[k++] = (char)(ch); } while (0)
    PUT('x'); PUT('n'); PUT('-'); PUT('-');
    for (size_t i = 0; i < n; i++)
        if (cp[i] < 0x80) {
            PUT(cp[i]);
            b++;
        }
    if (b > 0)
        PUT('-');
    uint64_t next = 0x80, delta = 0, bias = 72;
    for (size_t h = b; h < n;) {
        uint64_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if (cp[i] >= next && cp[i] < m)
                m = cp[i];
        delta += (m - next) * (h + 1);
        next = m;
        for (size_t i = 0; i < n; i++) {
            if (cp[i] < next)
                delta++;
            if (cp[i] != next)
                continue;
            uint64_t q = delta;
            for (uint64_t kk = BASE;; kk += BASE) {
                uint64_t t = kk <= bias ? TMIN : kk >= bias + TMAX ? TMAX : kk - bias;
                if (q < t)
                    break;
                uint64_t d = t + (q - t) % (BASE - t);
                PUT(d < 26 ? 'a' + d : '0' + d - 26);
                q = (q - t) / (BASE - t);
            }
            PUT(q < 26 ? 'a' + q : '0' + q - 26);
            /* adapt the bias */
            delta = h == b ? delta / DAMP : delta / 2;
            delta += delta / (h + 1);
            uint64_t kb = 0;
            while (delta > ((BASE - TMIN) * TMAX) / 2) {
                delta /= BASE - TMIN;
                kb += BASE;
            }
            bias = kb + (BASE - TMIN + 1) * delta / (delta + SKEW);
            delta = 0;
            h++;
        }
        delta++;
        next++;
        if (delta > UINT32_MAX)
            return false;
    }
#undef PUT
    *w = k;
    return true;
}

/*
 * For a label IDNA2008 disallows (emoji, symbols: "💩.la"), do what
 * browsers do with UTS #46: NFKC, lowercase (so 'ß' stays), then punycode.  Only letters,
 * digits, '-' and '_' may be ASCII in the result.
 */
static int idn_fallback(kz_url *u, const char *label, char *o, size_t *w, size_t cap)
{
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t mn = utf8proc_map((const utf8proc_uint8_t *)label, 0, &m,
                                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                       UTF8PROC_COMPAT | UTF8PROC_IGNORE |
                                       UTF8PROC_REJECTNA);
    uint32_t cp[KZ_URL_MAX_LABEL + 1];
    size_t ncp = 0, start = *w;
    bool ascii = true;
    int rc = 0;
    if (mn < 0) {
        rc = fail(u, "host is not a valid name: %s", utf8proc_errmsg(mn));
        goto out;
    }
    for (utf8proc_ssize_t i = 0; i < mn;) {
        uint32_t c;
        size_t k = kz_utf8_decode(m + i, (size_t)(mn - i), &c);
        if (!k || ncp == KZ_URL_MAX_LABEL) {
            rc = fail(u, k ? "host label longer than %d bytes" : "host is not a valid name",
                      KZ_URL_MAX_LABEL);
            goto out;
        }
        c = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
        if (c < 0x80 && !(c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
            rc = fail(u, "host is not a valid name: string contains a disallowed character");
            goto out;
        }
        if (c >= 0x80)
            ascii = false;
        cp[ncp++] = c;
        i += (utf8proc_ssize_t)k;
    }
    if (ascii) {
        for (size_t i = 0; i < ncp; i++) {
            if (*w >= cap) {
                rc = fail(u, "host longer than %d bytes", KZ_URL_MAX_HOST);
                goto out;
            }
            o[(*w)++] = (char)cp[i];
        }
    } else if (!kz__url_punycode(cp, ncp, o, w, cap)) {
        *w = start;
        rc = fail(u, "host label longer than %d bytes", KZ_URL_MAX_LABEL);
    }
out:
    free(m);
    return rc;
}

/* Append one label to o (capacity cap) after IDN conversion when it has
 * non-ASCII UTF-8.  Labels that are not valid UTF-8 stay bytes (they are
 * escaped later, as the published pair "http://\x01\x80.com/" expects). */
static int host_label(kz_url *u, const char *s, size_t n, char *o, size_t *w, size_t cap)
{
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            ascii = false;
    if (ascii || !utf8_valid(s, n)) {
        if (*w + n > cap)
            return fail(u, "host longer than %d bytes", KZ_URL_MAX_HOST);
        memcpy(o + *w, s, n);
        *w += n;
        return 0;
    }
    /* An A-label repeats the label's ASCII; anything but letters, digits,
     * '-' and '_' there ('%', ':', '/', ...) would change how the canonical
     * URL parses again.  (STD3 rules are no help: libidn2 drops such
     * characters silently.) */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !(c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
            return fail(u, c > 0x20 && c < 0x7f
                               ? "host is not a valid name: '%c' in an internationalized label"
                               : "host is not a valid name: byte 0x%02X in an internationalized label",
                        c);
    }
    char label[KZ_URL_MAX_INPUT + 1];
    memcpy(label, s, n);
    label[n] = '\0';
    char *a = NULL;
    int rc = idn2_lookup_u8((const uint8_t *)label, (uint8_t **)&a, IDN2_NONTRANSITIONAL);
    if (rc == IDN2_DISALLOWED) {
        idn2_free(a);
        return idn_fallback(u, label, o, w, cap);
    }
    if (rc != IDN2_OK) {
        idn2_free(a);
        return fail(u, "host is not a valid name: %s", idn2_strerror(rc));
    }
    size_t an = strlen(a);
    for (size_t i = 0; i < an; i++) {
        char c = a[i];      /* U+FF1A maps to ':', U+FF0F to '/': not in a name */
        if (!(c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
            idn2_free(a);
            return fail(u, "host is not a valid name: it maps to '%c'", c);
        }
    }
    if (*w + an > cap) {
        idn2_free(a);
        return fail(u, "host longer than %d bytes", KZ_URL_MAX_HOST);
    }
    memcpy(o + *w, a, an);
    *w += an;
    idn2_free(a);
    return 0;
}

/* Canonicalize a host name or IPv4 address h[0..n) (unescaped, no port)
 * into o; sets *on and u->host_kind. */
static int canon_name(kz_url *u, const char *h, size_t n, char *o, size_t *on)
{
    char t[KZ_URL_MAX_INPUT + 1], idn[KZ_URL_MAX_INPUT + 1];
    size_t tn = squeeze_dots(t, h, n), w = 0;
    if (memchr(t, '[', tn) || memchr(t, ']', tn))
        return fail(u, "bad IPv6 address");           /* brackets only around one */
    for (size_t i = 0; i < tn; i++)
        if (t[i] >= 'A' && t[i] <= 'Z')
            t[i] = (char)(t[i] - 'A' + 'a');
    for (size_t i = 0; i < tn;) {
        size_t j = i;
        while (j < tn && t[j] != '.')
            j++;
        if (w > 0)
            idn[w++] = '.';
        int rc = host_label(u, t + i, j - i, idn, &w, KZ_URL_MAX_INPUT - 1);
        if (rc)
            return rc;
        i = j + 1;
    }
    /* IDN mapping can make empty labels (ignored code points) or dots
     * (U+3002); squeeze again so the result is stable. */
    w = squeeze_dots(o, idn, w);
    if (w == 0)
        return fail(u, "no host");
    uint32_t a4;
    if (parse_ipv4(o, w, &a4)) {
        unsigned char b[4] = { (unsigned char)(a4 >> 24), (unsigned char)(a4 >> 16),
                               (unsigned char)(a4 >> 8), (unsigned char)a4 };
        *on = fmt_ipv4(o, b);
        u->host_kind = KZ_URL_HOST_IPV4;
        return 0;
    }
    if (w > KZ_URL_MAX_HOST)
        return fail(u, "host longer than %d bytes", KZ_URL_MAX_HOST);
    for (size_t i = 0; i < w;) {
        size_t j = i;
        while (j < w && o[j] != '.')
            j++;
        if (j - i > KZ_URL_MAX_LABEL)
            return fail(u, "host label longer than %d bytes", KZ_URL_MAX_LABEL);
        if (j - i >= 4 && !memcmp(o + i, "xn--", 4)) {
            char lab[KZ_URL_MAX_LABEL + 1], *dec = NULL;
            memcpy(lab, o + i, j - i);
            lab[j - i] = '\0';
            int rc = idn2_to_unicode_8z8z(lab, &dec, 0);
            idn2_free(dec);
            if (rc != IDN2_OK)
                return fail(u, "invalid punycode in host: %s", lab);
        }
        i = j + 1;
    }
    *on = w;
    u->host_kind = KZ_URL_HOST_NAME;
    return 0;
}

/* "[...]" (brackets included) to RFC 5952 form, or to IPv4 for mapped and
 * NAT64 addresses. */
static int canon_ipv6(kz_url *u, const char *h, size_t n, char *o, size_t *on)
{
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
    char t[64];
    unsigned char a[16];
    if (n < 3 || n - 2 >= sizeof t)
        return fail(u, "bad IPv6 address");
    memcpy(t, h + 1, n - 2);
    t[n - 2] = '\0';
    if (inet_pton(AF_INET6, t, a) != 1)
        return fail(u, "bad IPv6 address");
    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12)) {
        *on = fmt_ipv4(o, a + 12);
        u->host_kind = KZ_URL_HOST_IPV4;
    } else {
        *on = kz__url_fmt_ipv6(o, a);
        u->host_kind = KZ_URL_HOST_IPV6;
    }
    return 0;
}

/* The authority a[0..n): drop userinfo and port, canonicalize the host. */
static int canon_authority(kz_url *u, const char *a, size_t n, char *o, size_t *on)
{
    for (size_t i = n; i > 0; i--)
        if (a[i - 1] == '@') {
            a += i;
            n -= i;
            break;
        }
    size_t hn, pstart;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close)
            return fail(u, "bad IPv6 address");
        hn = (size_t)(close - a) + 1;
        if (hn < n && a[hn] != ':')
            return fail(u, "bad IPv6 address");
    } else {
        const char *colon = memchr(a, ':', n);
        hn = colon ? (size_t)(colon - a) : n;
    }
    pstart = hn < n ? hn + 1 : n;
    uint32_t port = 0;
    for (size_t i = pstart; i < n; i++) {
        if (a[i] < '0' || a[i] > '9')
            return fail(u, "bad port");
        port = port * 10 + (uint32_t)(a[i] - '0');
        if (port > 65535)
            return fail(u, "port out of range");
    }
    if (hn == 0)
        return fail(u, "no host");
    if (a[0] == '[')
        return canon_ipv6(u, a, hn, o, on);
    return canon_name(u, a, hn, o, on);
}

/* ---- path ------------------------------------------------------------ */

/* Resolve "." and ".." segments and collapse slashes; p[0..n) starts with
 * '/' or is empty.  o gets at least "/". */
static size_t canon_path(const char *p, size_t n, char *o)
{
    size_t w = 0;
    bool slash_end = true;           /* does o end with the slash of a dir? */
    o[w++] = '/';
    for (size_t i = 0; i < n;) {
        while (i < n && p[i] == '/')
            i++;
        if (i == n)
            break;
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 1 && p[i] == '.') {
            /* nothing */
        } else if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
            if (w > 1) {
                w--;                           /* the slash after the last segment */
                while (w > 0 && o[w - 1] != '/')
                    w--;
            }
        } else {
            memcpy(o + w, p + i, len);
            w += len;
            o[w++] = '/';
            slash_end = j < n;               /* a slash follows in the input */
            i = j;
            continue;
        }
        slash_end = true;
        i = j;
    }
    if (!slash_end && w > 1)
        w--;
    return w;
}

/* ---- the whole URL --------------------------------------------------- */

void kz_url_init(kz_url *u)
{
    memset(u, 0, sizeof *u);
    kz_buf_init(&u->text, OUT_MAX);
}

void kz_url_release(kz_url *u)
{
    if (!u)
        return;
    kz_buf_release(&u->text);
}

static bool is_scheme_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n != k)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

int kz_url_parse(kz_url *u, const char *in, size_t n)
{
    char s[KZ_URL_MAX_INPUT + 1], host[KZ_URL_MAX_INPUT + 16], path[KZ_URL_MAX_INPUT + 2];
    size_t sn = 0, hn = 0;
    u->why[0] = '\0';
    kz_buf_reset(&u->text);
    u->has_query = false;
    u->query_off = u->query_len = 0;
    if (n > KZ_URL_MAX_INPUT)
        return fail(u, "URL longer than %d bytes", KZ_URL_MAX_INPUT);

    /* trim, drop tab/CR/LF, cut the fragment, then unescape */
    size_t b = 0, e = n;
    while (b < e && (unsigned char)in[b] <= 0x20)
        b++;
    while (e > b && (unsigned char)in[e - 1] <= 0x20)
        e--;
    for (size_t i = b; i < e; i++) {
        if (in[i] == '#')
            break;
        if (in[i] != '\t' && in[i] != '\r' && in[i] != '\n')
            s[sn++] = in[i];
    }
    sn = unescape_all(s, sn);
    if (sn == 0)
        return fail(u, "empty URL");

    /* scheme */
    const char *scheme = "http";
    size_t i = 0;
    while (i < sn && is_scheme_char(s[i], i == 0))
        i++;
    size_t rest = 0;
    if (i > 0 && i < sn && s[i] == ':') {
        bool web = ieq(s, i, "http") || ieq(s, i, "https");
        bool slashes = i + 2 < sn && s[i + 1] == '/' && s[i + 2] == '/';
        size_t k = i + 1;
        while (k < sn && s[k] >= '0' && s[k] <= '9')
            k++;
        bool hostport = !web && !slashes && (k == sn || s[k] == '/' || s[k] == '?');
        if (web) {
            scheme = ieq(s, i, "https") ? "https" : "http";
            rest = i + 1;
            while (rest < sn && s[rest] == '/')
                rest++;
        } else if (!hostport) {
            return fail(u, "unsupported scheme '%.*s' (only http and https)",
                        (int)KZ_MIN(i, 32), s);
        }
    }
    if (rest == 0 && sn >= 2 && s[0] == '/' && s[1] == '/')
        while (rest < sn && s[rest] == '/')
            rest++;

    /* authority, path, query */
    size_t aend = rest;
    while (aend < sn && s[aend] != '/' && s[aend] != '?')
        aend++;
    size_t pend = aend;
    while (pend < sn && s[pend] != '?')
        pend++;
    int rc = canon_authority(u, s + rest, aend - rest, host, &hn);
    if (rc)
        return rc;
    size_t pn = canon_path(s + aend, pend - aend, path);

    kz_buf *t = &u->text;
    u->scheme_len = strlen(scheme);
    if ((rc = kz_buf_adds(t, scheme)) || (rc = kz_buf_add(t, "://", 3)))
        goto out;
    u->host_off = t->len;
    if ((rc = add_escaped(t, host, hn)))
        goto out;
    u->host_len = t->len - u->host_off;
    u->path_off = t->len;
    if ((rc = add_escaped(t, path, pn)))
        goto out;
    u->path_len = t->len - u->path_off;
    if (pend < sn) {
        u->has_query = true;
        if ((rc = kz_buf_addc(t, '?')))
            goto out;
        u->query_off = t->len;
        if ((rc = add_escaped(t, s + pend + 1, sn - pend - 1)))
            goto out;
        u->query_len = t->len - u->query_off;
    }
    if (t->len > KZ_URL_MAX_INPUT)      /* escaping grew it: keep it re-parsable */
        return fail(u, "canonical URL longer than %d bytes", KZ_URL_MAX_INPUT);
out:
    if (rc == KZ_ETOOBIG)               /* cannot happen with OUT_MAX; be safe */
        return fail(u, "canonical URL longer than %d bytes", KZ_URL_MAX_INPUT);
    if (rc) {
        kz_buf_reset(t);
        snprintf(u->why, sizeof u->why, "%s", kz_strerror(rc));
    }
    return rc;
}

int kz_url_canon(const char *in, size_t n, kz_buf *out, const char **why)
{
    static _Thread_local char reason[KZ_URL_WHY_MAX];
    kz_url u;
    kz_url_init(&u);
    int rc = kz_url_parse(&u, in, n);
    if (why)
        *why = NULL;
    if (rc == KZ_EINVAL) {
        memcpy(reason, u.why, sizeof reason);
        if (why)
            *why = reason;
    } else if (rc == 0) {
        rc = kz_buf_add(out, u.text.p, u.text.len);
    }
    kz_url_release(&u);
    return rc;
}

/* ---- expressions ----------------------------------------------------- */

void kz_url_exprs_init(kz_url_exprs *x)
{
    memset(x, 0, sizeof *x);
    kz_buf_init(&x->store, KZ_URL_EXPR_MAX * (OUT_MAX + 1));
}

void kz_url_exprs_release(kz_url_exprs *x)
{
    if (!x)
        return;
    kz_buf_release(&x->store);
    x->n = 0;
}

struct span { const char *p; size_t n; };

static bool span_seen(const struct span *v, size_t k, const char *p, size_t n)
{
    for (size_t i = 0; i < k; i++)
        if (v[i].n == n && !memcmp(v[i].p, p, n))
            return true;
    return false;
}

int kz_url_expressions(const kz_url *u, kz_url_exprs *x)
{
    struct span hosts[5], paths[6];
    size_t nh = 0, np = 0, off[KZ_URL_EXPR_MAX];
    int rc = 0;
    x->n = 0;
    kz_buf_reset(&x->store);
    if (!u->text.p || u->text.len == 0)
        return KZ_EINVAL;
    const char *h = u->text.p + u->host_off, *p = u->text.p + u->path_off;
    size_t hl = u->host_len, pl = u->path_len;

    hosts[nh++] = (struct span){ h, hl };
    if (u->host_kind == KZ_URL_HOST_NAME) {
        /* the last five dots, from the end: after dot k come the last k
         * labels; k == 1 is the TLD alone, never tried */
        size_t dots[5], nd = 0;
        for (size_t i = hl; i > 0 && nd < 5; i--)
            if (h[i - 1] == '.')
                dots[nd++] = i - 1;
        for (size_t k = nd; k >= 2; k--) {
            const char *sp = h + dots[k - 1] + 1;
            size_t sl = hl - dots[k - 1] - 1;
            if (!span_seen(hosts, nh, sp, sl))
                hosts[nh++] = (struct span){ sp, sl };
        }
    }

    if (u->has_query)
        paths[np++] = (struct span){ p, pl + 1 + u->query_len };
    paths[np++] = (struct span){ p, pl };
    size_t prefixes = 0;
    for (size_t i = 0; i < pl && prefixes < 4; i++) {
        if (p[i] != '/')
            continue;
        prefixes++;
        if (!span_seen(paths, np, p, i + 1))
            paths[np++] = (struct span){ p, i + 1 };
    }

    for (size_t a = 0; a < nh; a++)
        for (size_t c = 0; c < np; c++) {
            off[x->n++] = x->store.len;
            if ((rc = kz_buf_add(&x->store, hosts[a].p, hosts[a].n)) ||
                (rc = kz_buf_add(&x->store, paths[c].p, paths[c].n)) ||
                (rc = kz_buf_addc(&x->store, '\0')))
                goto out;
        }
    for (size_t k = 0; k < x->n; k++) {
        x->expr[k] = x->store.p + off[k];
        x->len[k] = (k + 1 < x->n ? off[k + 1] : x->store.len) - off[k] - 1;
    }
out:
    if (rc) {
        x->n = 0;
        kz_buf_reset(&x->store);
    }
    return rc;
}

/* ---- registrable domain, hash ---------------------------------------- */

int kz_url_registrable_domain(const kz_url *u, kz_buf *out, const char **why)
{
    const char *w = NULL;
    int rc = KZ_EINVAL;
    char host[OUT_MAX + 1];
    if (!u->text.p || u->text.len == 0) {
        w = "no URL";
        goto out;
    }
    if (u->host_kind != KZ_URL_HOST_NAME) {
        w = "an IP address has no registrable domain";
        goto out;
    }
    const psl_ctx_t *psl = psl_builtin();
    if (!psl) {
        w = "no public suffix list built in";
        goto out;
    }
    memcpy(host, u->text.p + u->host_off, u->host_len);
    host[u->host_len] = '\0';
    const char *d = psl_registrable_domain(psl, host);
    if (!d) {
        w = "the host is a public suffix";
        goto out;
    }
    rc = kz_buf_adds(out, d);
out:
    if (why)
        *why = w;
    return rc;
}

static int sodium_ok = -1;
static void sodium_once(void) { sodium_ok = sodium_init() >= 0; }

int kz_url_hash(const char *s, size_t n, uint8_t out[KZ_URL_HASH_LEN])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sodium_once);
    if (sodium_ok != 1)
        return KZ_EINTERNAL;
    kz_sha256(s, n, out);
    return 0;
}
