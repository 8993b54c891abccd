/*
 * url/whatwg.c - the host a browser contacts: the WHATWG URL Standard's
 * basic URL parser for special schemes (http, https, ws, wss, ftp), as far
 * as the host, and kz_url_parse_browser(), the Safe Browsing canonical
 * form of a URL split the way a browser splits it.
 *
 * The parser works on a trimmed copy of the input without tab/LF/CR (the
 * standard's preprocessing); there is no base URL, so only absolute URLs
 * parse.  The rules, the reasons and the approximations are in url.h and
 * docs/urls.md.
 */
#include "url/url.h"
#include "url/url_int.h"
#include "util/utf8.h"
#include <idn2.h>
#include <utf8proc.h>

#define HOST_CAP   (KZ_URL_MAX_INPUT + 1)   /* sizeof kz_url_whatwg.host */
#define LABEL_CPS  1024                     /* code points of one label, mapped */

static const struct { const char *name; int port; } special[] = {
    { "http", 80 }, { "https", 443 }, { "ws", 80 }, { "wss", 443 }, { "ftp", 21 },
};

static int wfail(char *why, const char *fmt, ...) KZ_PRINTF(2, 3);
static int wfail(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, KZ_URL_WHY_MAX, fmt, ap);
    va_end(ap);
    return KZ_EINVAL;
}

static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Forbidden domain code points: C0 controls, space, # % / : < > ? @ [ \ ]
 * ^ | and DEL (the standard forbids nothing above 0x7f here; IDNA deals
 * with those).  Bit c % 32 of word c / 32. */
static const uint32_t forbidden_bits[4] = {
    0xFFFFFFFFu,                                            /* 0x00-0x1f */
    (1u << 0) | (1u << 3) | (1u << 5) | (1u << 15) | (1u << 26) | (1u << 28) | (1u << 30) |
        (1u << 31),                                         /* ' ' # % / : < > ? */
    (1u << 0) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 30),   /* @ [ \ ] ^ */
    (1u << 28) | (1u << 31),                                /* | DEL */
};

static bool forbidden_domain(unsigned char c)
{
    return c < 0x80 && (forbidden_bits[c >> 5] >> (c & 31)) & 1;
}

static int forbidden_why(char *why, unsigned char c)
{
    if (c >= 0x20 && c < 0x7f)
        return wfail(why, "forbidden character '%c' in host", c);
    return wfail(why, "forbidden byte 0x%02X in host", c);
}

/* The standard's preprocessing: in[0..n) without leading/trailing C0
 * controls and spaces and without tab/LF/CR.  Returns it, *sn its length:
 * inside in when nothing inside has to go, else copied to buf. */
static const char *preprocess(const char *in, size_t n, char *buf, size_t *sn)
{
    size_t b = 0, e = n, w = 0;
    while (b < e && (unsigned char)in[b] <= 0x20)
        b++;
    while (e > b && (unsigned char)in[e - 1] <= 0x20)
        e--;
    if (!memchr(in + b, '\t', e - b) && !memchr(in + b, '\n', e - b) &&
        !memchr(in + b, '\r', e - b)) {
        *sn = e - b;
        return in + b;
    }
    for (size_t i = b; i < e; i++)
        if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
            buf[w++] = in[i];
    *sn = w;
    return buf;
}

/* Length of a scheme at s[0..n) ("http" in "http:..."), 0 when s does not
 * start with letter (letter|digit|+|-|.)* ':'. */
static size_t scheme_len(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_alpha((unsigned char)s[0]))
        return 0;
    while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
                     s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    return i < n && s[i] == ':' ? i : 0;
}

/* Index in special[] of the scheme s[0..n) (any case), or -1. */
static int special_index(const char *s, size_t n)
{
    char l[5];
    if (n < 2 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++)
        l[i] = (char)(s[i] | 0x20);                    /* letters only match */
    for (size_t k = 0; k < KZ_ARRAY_LEN(special); k++)
        if (strlen(special[k].name) == n && !memcmp(l, special[k].name, n))
            return (int)k;
    return -1;
}

/* ---- IPv6 ------------------------------------------------------------- */

/* The standard's IPv6 parser on s[0..n) (inside the brackets). */
static bool ipv6_parse(const char *s, size_t n, unsigned char out[16])
{
    uint16_t a[8] = { 0 };
    int piece = 0, compress = -1;
    size_t p = 0;
#define C (p < n ? (unsigned char)s[p] : 0)
    if (C == ':') {
        if (p + 1 >= n || s[p + 1] != ':')
            return false;
        p += 2;
        compress = ++piece;
    }
    while (p < n) {
        if (piece == 8)
            return false;
        if (C == ':') {
            if (compress >= 0)
                return false;
            p++;
            compress = ++piece;
            continue;
        }
        unsigned value = 0, len = 0;
        while (len < 4 && p < n && kz__url_hexval(C) >= 0) {
            value = value * 16 + (unsigned)kz__url_hexval(C);
            p++;
            len++;
        }
        if (p < n && C == '.') {
            if (len == 0)
                return false;
            p -= len;
            if (piece > 6)
                return false;
            int seen = 0;
            while (p < n) {
                int v4 = -1;
                if (seen > 0) {
                    if (C == '.' && seen < 4)
                        p++;
                    else
                        return false;
                }
                if (p >= n || !is_digit(C))
                    return false;
                while (p < n && is_digit(C)) {
                    int d = C - '0';
                    if (v4 < 0)
                        v4 = d;
                    else if (v4 == 0)
                        return false;            /* leading zero */
                    else
                        v4 = v4 * 10 + d;
                    if (v4 > 255)
                        return false;
                    p++;
                }
                a[piece] = (uint16_t)(a[piece] * 0x100 + v4);
                seen++;
                if (seen == 2 || seen == 4)
                    piece++;
            }
            if (seen != 4)
                return false;
            break;
        } else if (p < n && C == ':') {
            p++;
            if (p >= n)
                return false;
        } else if (p < n) {
            return false;
        }
        a[piece++] = (uint16_t)value;
    }
#undef C
    if (compress >= 0) {
        int swaps = piece - compress;
        piece = 7;
        while (piece != 0 && swaps > 0) {
            uint16_t t = a[piece];
            a[piece] = a[compress + swaps - 1];
            a[compress + swaps - 1] = t;
            piece--;
            swaps--;
        }
    } else if (piece != 8) {
        return false;
    }
    for (int i = 0; i < 8; i++) {
        out[2 * i] = (unsigned char)(a[i] >> 8);
        out[2 * i + 1] = (unsigned char)a[i];
    }
    return true;
}

/* ---- IPv4 ------------------------------------------------------------- */

/* The standard's IPv4 number parser: "0x" hex, "0" octal, else decimal;
 * "0x" alone is 0.  Values past 2^32 are kept as some value past 2^32.
 * false on failure (empty, or a digit outside the radix). */
static bool v4_number(const char *s, size_t n, uint64_t *v)
{
    unsigned r = 10;
    if (n == 0)
        return false;
    if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
        s += 2;
        n -= 2;
        r = 16;
    } else if (n >= 2 && s[0] == '0') {
        s++;
        n--;
        r = 8;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        int d = kz__url_hexval((unsigned char)s[i]);
        if (d < 0 || (unsigned)d >= r)
            return false;
        if (x <= UINT32_MAX)
            x = x * r + (unsigned)d;
    }
    *v = x;
    return true;
}

/* The standard's "ends in a number": the last label (a final empty one
 * ignored) is all digits or a valid IPv4 number. */
static bool ends_in_number(const char *s, size_t n)
{
    size_t e = n;
    if (e > 0 && s[e - 1] == '.')
        e--;
    size_t b = e;
    while (b > 0 && s[b - 1] != '.')
        b--;
    if (b == e)
        return false;
    bool digits = true;
    for (size_t i = b; i < e; i++)
        digits = digits && is_digit((unsigned char)s[i]);
    uint64_t v;
    return digits || v4_number(s + b, e - b, &v);
}

/* The standard's IPv4 parser (after ends_in_number said yes). */
static bool ipv4_parse(const char *s, size_t n, uint32_t *addr)
{
    uint64_t num[4];
    size_t np = 0, e = n, start = 0;
    if (e > 0 && s[e - 1] == '.')
        e--;
    for (size_t i = 0; i <= e; i++) {
        if (i < e && s[i] != '.')
            continue;
        if (np == 4 || !v4_number(s + start, i - start, &num[np]))
            return false;
        np++;
        start = i + 1;
    }
    for (size_t k = 0; k + 1 < np; k++)
        if (num[k] > 255)
            return false;
    if (num[np - 1] >= (1ull << (8 * (5 - np))))
        return false;
    uint64_t v = num[np - 1];
    for (size_t k = 0; k + 1 < np; k++)
        v += num[k] << (8 * (3 - k));
    *addr = (uint32_t)v;
    return true;
}

/* ---- IDNA ------------------------------------------------------------- */

/* libidn2 errors where IDNA2008 refuses what UTS #46 (as the URL Standard
 * uses it: CheckHyphens and VerifyDnsLength off) may accept. */
static bool idna2008_only(int rc)
{
    return (rc <= IDN2_NOT_NFC && rc >= IDN2_ALABEL_ROUNDTRIP_FAILED) ||
           rc == IDN2_TOO_BIG_DOMAIN || rc == IDN2_TOO_BIG_LABEL;
}

/* UTS #46 processing of one label, approximated where libidn2 applies
 * IDNA2008 rules: NFKC without default-ignorable code points, lowercase,
 * then punycode when anything is not ASCII; appended to o[*w..cap).
 * Refuses joiners (CheckJoiners cannot pass without libidn2's context
 * rules), unassigned code points, controls, format, private-use,
 * separators, U+FFFD, a leading combining mark, and anything mapping to
 * '.'. */
static int approx_label(const char *label, char *o, size_t *w, size_t cap, char *why)
{
    utf8proc_uint8_t *m = NULL;
    uint32_t cp[LABEL_CPS];
    size_t ncp = 0;
    bool ascii = true;
    int rc = 0;
    if (strstr(label, "\xe2\x80\x8c") || strstr(label, "\xe2\x80\x8d"))
        return wfail(why, "host is not a valid name: a zero-width joiner where none may be");
    utf8proc_ssize_t mn = utf8proc_map((const utf8proc_uint8_t *)label, 0, &m,
                                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                       UTF8PROC_COMPAT | UTF8PROC_IGNORE | UTF8PROC_REJECTNA);
    if (mn < 0) {
        rc = mn == UTF8PROC_ERROR_NOMEM ? KZ_ENOMEM
                                        : wfail(why, "host is not a valid name: %s",
                                                utf8proc_errmsg(mn));
        goto out;
    }
    for (utf8proc_ssize_t i = 0; i < mn;) {
        uint32_t c;
        size_t k = kz_utf8_decode(m + i, (size_t)(mn - i), &c);
        if (!k) {
            rc = wfail(why, "host is not valid UTF-8");
            goto out;
        }
        i += (utf8proc_ssize_t)k;
        c = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)c);
        if (c == '.' || c == 0x3002 || c == 0xFFFD || cat == UTF8PROC_CATEGORY_CC ||
            cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CS ||
            cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CN ||
            cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
            cat == UTF8PROC_CATEGORY_ZP) {
            rc = c == '.' || c == 0x3002
                     ? wfail(why, "host is not a valid name: a character maps to '.'")
                 : c < 0x80 ? forbidden_why(why, (unsigned char)c)
                            : wfail(why, "host is not a valid name: U+%04X is not allowed", c);
            goto out;
        }
        if (ncp == 0 && (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
                         cat == UTF8PROC_CATEGORY_ME)) {
            rc = wfail(why, "host is not a valid name: a label starts with a combining mark");
            goto out;
        }
        if (ncp == LABEL_CPS) {
            rc = wfail(why, "host label longer than %d characters", LABEL_CPS);
            goto out;
        }
        ascii = ascii && c < 0x80;
        cp[ncp++] = c;
    }
    if (ascii) {
        if (*w + ncp > cap) {
            rc = wfail(why, "host longer than %d bytes", KZ_URL_MAX_INPUT);
            goto out;
        }
        for (size_t i = 0; i < ncp; i++)
            o[(*w)++] = (char)cp[i];
    } else if (!kz__url_punycode(cp, ncp, o, w, cap)) {
        rc = wfail(why, "host longer than %d bytes", KZ_URL_MAX_INPUT);
    }
out:
    free(m);
    return rc;
}

/* Is lab (ASCII, lowercase, NUL-terminated, starting "xn--") a valid
 * A-label?  libidn2 decides; where it refuses for an IDNA2008-only reason,
 * the label must decode to something non-ASCII that approx_label maps
 * back to the same label (UTS #46: a decoded label must need no mapping).
 * 0, KZ_EINVAL with why, KZ_ENOMEM. */
static int alabel_ok(const char *lab, char *why)
{
    char *a = NULL, *dec = NULL, again[KZ_URL_MAX_INPUT + 1];
    size_t len = strlen(lab), an = 0;
    int rc = idn2_lookup_u8((const uint8_t *)lab, (uint8_t **)&a,
                            IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc == IDN2_OK)
        rc = strcmp(a, lab) == 0
                 ? 0 : wfail(why, "host is not a valid name: %.64s is not a valid A-label", lab);
    else if (rc == IDN2_MALLOC)
        rc = KZ_ENOMEM;
    else if (!idna2008_only(rc))
        rc = wfail(why, "host is not a valid name: %s", idn2_strerror(rc));
    else if ((rc = idn2_to_unicode_8z8z(lab, &dec, 0)) == IDN2_MALLOC)
        rc = KZ_ENOMEM;
    else {
        bool ascii = true;
        for (const char *p = dec; rc == IDN2_OK && *p; p++)
            ascii = ascii && (unsigned char)*p < 0x80;
        if (rc != IDN2_OK || ascii)
            rc = wfail(why, "invalid punycode in host: %.64s", lab);
        else if ((rc = approx_label(dec, again, &an, sizeof again - 1, why)) == 0 &&
                 (an != len || memcmp(again, lab, len) != 0))
            rc = wfail(why, "host is not a valid name: %.64s is not a valid A-label", lab);
    }
    idn2_free(a);
    idn2_free(dec);
    return rc;
}

/* One label s[0..n) (UTF-8, no dots, no forbidden ASCII) to ASCII,
 * appended to o[*w..cap). */
static int label_to_ascii(const char *s, size_t n, char *o, size_t *w, size_t cap, char *why)
{
    char lab[KZ_URL_MAX_INPUT + 1];
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        ascii = ascii && c < 0x80;
        lab[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    lab[n] = '\0';
    int rc = 0;
    if (ascii) {                  /* lowercase: the standard's fast path */
        if (n >= 4 && !memcmp(lab, "xn--", 4) && (rc = alabel_ok(lab, why)) != 0)
            return rc;
        if (*w + n > cap)
            return wfail(why, "host longer than %d bytes", KZ_URL_MAX_INPUT);
        memcpy(o + *w, lab, n);
        *w += n;
        return 0;
    }
    /* UTS #46 checks A-labels after mapping: what maps to "xn--..."
     * ("\u00adxn--a", fullwidth letters) must be a valid A-label */
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t mn = utf8proc_map((const utf8proc_uint8_t *)lab, 0, &m,
                                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                       UTF8PROC_COMPAT | UTF8PROC_IGNORE | UTF8PROC_CASEFOLD);
    if (mn == UTF8PROC_ERROR_NOMEM)
        return KZ_ENOMEM;
    if (mn >= 4 && !memcmp(m, "xn--", 4)) {
        bool joiner = strstr(lab, "\xe2\x80\x8c") || strstr(lab, "\xe2\x80\x8d");
        for (utf8proc_ssize_t i = 0; i < mn && !rc; i++)     /* joiners stay, too */
            if (m[i] >= 0x80 || joiner)
                rc = wfail(why, "invalid punycode in host: non-ASCII in an A-label");
        if (!rc) {
            memcpy(lab, m, (size_t)mn);
            lab[mn] = '\0';
            rc = alabel_ok(lab, why);
        }
        if (!rc && *w + (size_t)mn > cap)
            rc = wfail(why, "host longer than %d bytes", KZ_URL_MAX_INPUT);
        if (!rc) {
            memcpy(o + *w, lab, (size_t)mn);
            *w += (size_t)mn;
        }
        free(m);
        return rc;
    }
    free(m);
    char *a = NULL;
    rc = idn2_lookup_u8((const uint8_t *)lab, (uint8_t **)&a,
                        IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc == IDN2_OK) {
        size_t an = strlen(a);
        if (*w + an > cap)
            rc = wfail(why, "host longer than %d bytes", KZ_URL_MAX_INPUT);
        else {
            memcpy(o + *w, a, an);
            *w += an;
        }
    } else if (rc == IDN2_MALLOC) {
        rc = KZ_ENOMEM;
    } else if (idna2008_only(rc)) {
        rc = approx_label(lab, o, w, cap, why);
    } else {
        rc = wfail(why, "host is not a valid name: %s", idn2_strerror(rc));
    }
    idn2_free(a);
    return rc;
}

/* Length of a UTS #46 label separator at s[0..n): '.', U+3002, U+FF0E,
 * U+FF61; 0 when none. */
static size_t dot_len(const char *s, size_t n)
{
    if (s[0] == '.')
        return 1;
    if (n >= 3 && (!memcmp(s, "\xe3\x80\x82", 3) || !memcmp(s, "\xef\xbc\x8e", 3) ||
                   !memcmp(s, "\xef\xbd\xa1", 3)))
        return 3;
    return 0;
}

/* The standard's "domain to ASCII" of d[0..dn) (valid UTF-8, no
 * forbidden ASCII) into o (capacity cap); *on its length. */
static int domain_to_ascii(const char *d, size_t dn, char *o, size_t cap, size_t *on, char *why)
{
    size_t w = 0, i = 0;
    for (;;) {
        size_t j = i, dl = 0;
        while (j < dn && !(dl = dot_len(d + j, dn - j)))
            j++;
        int rc = label_to_ascii(d + i, j - i, o, &w, cap, why);
        if (rc)
            return rc;
        if (j == dn)
            break;
        if (w >= cap)
            return wfail(why, "host longer than %d bytes", KZ_URL_MAX_INPUT);
        o[w++] = '.';
        i = j + dl;
    }
    *on = w;
    return 0;
}

/* ---- the host parser -------------------------------------------------- */

/* The standard's host parser (special scheme) on s[0..n), into w.
 * *verbatim: the host written is s lowercased (nothing decoded, mapped or
 * reformatted). */
static int host_parse(kz_url_whatwg *w, const char *s, size_t n, bool *verbatim)
{
    char d[KZ_URL_MAX_INPUT + 1];
    size_t dn = 0, on = 0;
    *verbatim = false;
    if (s[0] == '[') {
        unsigned char a[16];
        if (n < 2 || s[n - 1] != ']' || !ipv6_parse(s + 1, n - 2, a))
            return wfail(w->why, "bad IPv6 address");
        w->host_len = kz__url_fmt_ipv6(w->host, a);
        w->host[w->host_len] = '\0';
        w->host_kind = KZ_URL_HOST_IPV6;
        return 0;
    }
    /* the usual host: ASCII, no escapes, nothing forbidden, no "xn--"
     * label: lowercase is all the standard does to it */
    bool plain = true;
    for (size_t i = 0; i < n && plain; i++) {
        unsigned char c = (unsigned char)s[i];
        plain = c < 0x80 && c != '%' && !forbidden_domain(c) &&
                !((i == 0 || s[i - 1] == '.') && n - i >= 4 && (c | 0x20) == 'x' &&
                  (s[i + 1] | 0x20) == 'n' && s[i + 2] == '-' && s[i + 3] == '-');
    }
    if (plain) {
        for (size_t i = 0; i < n; i++)
            w->host[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        on = n;
        *verbatim = true;
        goto named;
    }
    for (size_t i = 0; i < n; i++) {                    /* percent-decode */
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = kz__url_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = kz__url_hexval((unsigned char)s[i + 2])) >= 0) {
            d[dn++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            d[dn++] = s[i];
        }
    }
    for (size_t i = 0; i < dn;) {
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)d + i, dn - i, &cp);
        if (!k)
            return wfail(w->why, "host is not valid UTF-8");
        if (cp < 0x80 && forbidden_domain((unsigned char)cp))
            return forbidden_why(w->why, (unsigned char)cp);
        i += k;
    }
    int rc = domain_to_ascii(d, dn, w->host, HOST_CAP - 1, &on, w->why);
    if (rc)
        return rc;
    if (on == 0)
        return wfail(w->why, "no host");
    for (size_t i = 0; i < on; i++)                     /* what IDNA mapped to */
        if (forbidden_domain((unsigned char)w->host[i]))
            return forbidden_why(w->why, (unsigned char)w->host[i]);
named:
    w->host[on] = '\0';
    w->host_len = on;
    w->host_kind = KZ_URL_HOST_NAME;
    if (ends_in_number(w->host, on)) {
        uint32_t a;
        if (!ipv4_parse(w->host, on, &a))
            return wfail(w->why, "bad IPv4 address");
        w->host_len = (size_t)snprintf(w->host, sizeof w->host, "%u.%u.%u.%u", a >> 24,
                                       (a >> 16) & 255, (a >> 8) & 255, a & 255);
        w->host_kind = KZ_URL_HOST_IPV4;
        *verbatim = *verbatim && w->host_len == n && !memcmp(w->host, s, n);
    }
    return 0;
}

/* Parse the preprocessed s[0..n) into w; the path (or query, fragment,
 * end) starts at *rest.  *verbatim: s[0..*rest) is the scheme, ':', only
 * '/' and the host as w has it but for case (no userinfo, port, escape,
 * IDNA or IPv4 reformatting). */
static int parse(kz_url_whatwg *w, const char *s, size_t n, size_t *rest, bool *verbatim)
{
    memset(w->scheme, 0, sizeof w->scheme);
    w->host[0] = '\0';
    w->host_len = 0;
    w->host_kind = KZ_URL_HOST_NAME;
    w->port = -1;
    w->why[0] = '\0';
    if (n == 0)
        return wfail(w->why, "empty URL");
    size_t sl = scheme_len(s, n);
    if (sl == 0)
        return wfail(w->why, "no scheme");
    int k = special_index(s, sl);
    if (k < 0)
        return wfail(w->why, "unsupported scheme '%.*s' (only http, https, ws, wss and ftp)",
                     (int)KZ_MIN(sl, 32), s);
    memcpy(w->scheme, special[k].name, strlen(special[k].name));
    size_t a = sl + 1;
    while (a < n && (s[a] == '/' || s[a] == '\\'))
        a++;
    bool only_slashes = true;
    for (size_t i = sl + 1; i < a; i++)
        only_slashes = only_slashes && s[i] == '/';
    size_t e = a, h = a;                                /* h: after the last '@' */
    for (; e < n && s[e] != '/' && s[e] != '\\' && s[e] != '?' && s[e] != '#'; e++)
        if (s[e] == '@')
            h = e + 1;
    *rest = e;
    *verbatim = false;
    bool brackets = false;
    size_t c = h;
    for (; c < e; c++) {
        if (s[c] == '[')
            brackets = true;
        else if (s[c] == ']')
            brackets = false;
        else if (s[c] == ':' && !brackets)
            break;
    }
    if (c == h)
        return wfail(w->why, "no host");
    if (c < e) {
        uint32_t port = 0;
        for (size_t i = c + 1; i < e; i++) {
            if (!is_digit((unsigned char)s[i]))
                return wfail(w->why, "bad port");
            port = port * 10 + (uint32_t)(s[i] - '0');
            if (port > 65535)
                return wfail(w->why, "port out of range");
        }
        if (c + 1 < e && (int)port != special[k].port)
            w->port = (int)port;
    }
    bool plain;
    int rc = host_parse(w, s + h, c - h, &plain);
    *verbatim = rc == 0 && plain && only_slashes && h == a && c == e;
    return rc;
}

int kz_url_host_whatwg(kz_url_whatwg *w, const char *in, size_t n)
{
    char buf[KZ_URL_MAX_INPUT + 1];
    size_t sn, rest;
    bool verbatim;
    if (n > KZ_URL_MAX_INPUT) {
        memset(w->scheme, 0, sizeof w->scheme);
        w->host[0] = '\0';
        w->host_len = 0;
        w->port = -1;
        return wfail(w->why, "URL longer than %d bytes", KZ_URL_MAX_INPUT);
    }
    const char *s = preprocess(in, n, buf, &sn);
    return parse(w, s, sn, &rest, &verbatim);
}

/* ---- the canonical form as a browser splits the URL ----------------------- */

static int ufail(kz_url *u, const char *why)
{
    kz_buf_reset(&u->text);
    snprintf(u->why, sizeof u->why, "%s", why);
    return KZ_EINVAL;
}

int kz_url_parse_browser(kz_url *u, const char *in, size_t n)
{
    enum { PRE = 7 };                                   /* room for "http://" */
    char s[PRE + KZ_URL_MAX_INPUT + 1], b[2 * KZ_URL_MAX_INPUT + 16];
    kz_url_whatwg w;
    size_t pn, rest, bn = 0;
    bool same;
    int rc;
    if (n > KZ_URL_MAX_INPUT) {
        snprintf(w.why, sizeof w.why, "URL longer than %d bytes", KZ_URL_MAX_INPUT);
        return ufail(u, w.why);
    }
    const char *p = preprocess(in, n, s + PRE, &pn);
    if (pn == 0)
        return ufail(u, "empty URL");

    /* the schemes kz_url_parse accepts; none is http, as there */
    size_t sl = scheme_len(p, pn);
    int k = sl ? special_index(p, sl) : -1;
    if (k > 1) {                                        /* ws, wss, ftp */
        snprintf(w.why, sizeof w.why, "unsupported scheme '%.*s' (only http and https)",
                 (int)sl, p);
        return ufail(u, w.why);
    }
    if (sl && k < 0) {
        /* "host:8080/x" is a host and port, as for kz_url_parse */
        size_t i = sl + 1;
        bool slashes = i + 1 < pn && p[i] == '/' && p[i + 1] == '/';
        while (i < pn && is_digit((unsigned char)p[i]))
            i++;
        if (slashes || !(i == pn || p[i] == '/' || p[i] == '?')) {
            snprintf(w.why, sizeof w.why, "unsupported scheme '%.*s' (only http and https)",
                     (int)KZ_MIN(sl, 32), p);
            return ufail(u, w.why);
        }
        sl = 0;
    }
    if (sl == 0) {
        const char *pre = p[0] == '/' || p[0] == '\\' ? "http:" : "http://";
        size_t prl = strlen(pre);
        if (p != s + PRE)
            memcpy(s + PRE, p, pn);
        memcpy(s + PRE - prl, pre, prl);
        p = s + PRE - prl;
        pn += prl;
    }
    if ((rc = parse(&w, p, pn, &rest, &same)) != 0)
        return rc == KZ_EINVAL ? ufail(u, w.why) : rc;

    /* Where the text already says what the browser reads -- only '/'
     * before the authority, the authority is the host (no userinfo, port
     * or escape; same letters), no '\\' in the path -- kz_url_parse of it
     * is the answer; else scheme://host and the rest, '\\' as '/' in the
     * path. */
    const char *bs = same ? memchr(p + rest, '\\', pn - rest) : NULL;
    for (size_t i = rest; bs && p + i < bs; i++)
        if (p[i] == '?' || p[i] == '#')
            bs = NULL;                                  /* not in the path */
    if (same && !bs) {
        rc = kz_url_parse(u, p, pn);
    } else {
        size_t sc = strlen(w.scheme);
        memcpy(b, w.scheme, sc);
        memcpy(b + sc, "://", 3);
        memcpy(b + sc + 3, w.host, w.host_len);
        bn = sc + 3 + w.host_len;
        bool in_path = true;
        for (size_t i = rest; i < pn; i++) {
            char c = p[i];
            if (c == '?' || c == '#')
                in_path = false;
            b[bn++] = in_path && c == '\\' ? '/' : c;
        }
        rc = kz_url_parse(u, b, bn);
    }
    if (rc)
        return rc;

    /* unescaping can make a '\\' in the path ("%5C"): read it as '/' too */
    if (memchr(u->text.p + u->path_off, '\\', u->path_len)) {
        memcpy(b, u->text.p, u->text.len);
        bn = u->text.len;
        for (size_t i = u->path_off; i < u->path_off + u->path_len; i++)
            if (b[i] == '\\')
                b[i] = '/';
        rc = kz_url_parse(u, b, bn);
    }
    return rc;
}
