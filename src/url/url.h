/*
 * url/url.h - URL canonicalization, lookup expressions, registrable domains.
 *
 * Canonicalization follows Google Safe Browsing ("URLs and Hashing", v4 and
 * Web Risk), so a blocklist entry and a visited URL meet in one form:
 *
 *   - leading/trailing bytes <= 0x20 trimmed, tab/CR/LF removed anywhere;
 *   - the fragment dropped (at the first raw '#');
 *   - percent-escapes undone repeatedly until none is left ("%2525" -> "%");
 *   - scheme: http or https (lowercased); none given means http; other
 *     schemes are refused;  userinfo ("user:pw@") and the port are dropped;
 *   - host: leading/trailing dots stripped, runs of dots collapsed, ASCII
 *     lowercased, labels with non-ASCII UTF-8 converted to punycode (IDNA2008
 *     non-transitional, libidn2), IPv4 in any legal form (decimal, octal,
 *     hex, 1-4 parts) written as dotted decimal, IPv6 written per RFC 5952
 *     in brackets, IPv4-mapped and NAT64 (64:ff9b::/96) IPv6 as IPv4;
 *   - path: "/./" and "/../" resolved, runs of '/' collapsed, empty -> "/";
 *   - the query kept as it is (only escaping applies; "?" alone is kept);
 *   - finally bytes <= 0x20, >= 0x7f, '#' and '%' escaped as %XX (uppercase).
 *
 * canon(canon(x)) == canon(x) for every x that canonicalizes.
 *
 * Thread-safety: every function may be called from any thread; a kz_url or
 * kz_url_exprs must not be used by two threads at once.  Parsing works in
 * bounded arrays on the stack (about 50 KiB).
 */
#ifndef KZ_URL_H
#define KZ_URL_H

#include "util/kz.h"
#include "util/buf.h"

#define KZ_URL_MAX_INPUT  8192   /* bytes of input URL, before anything else */
#define KZ_URL_MAX_HOST   253    /* bytes of host after IDN (unescaped) */
#define KZ_URL_MAX_LABEL  63     /* bytes of one host label */
#define KZ_URL_WHY_MAX    160    /* size of an error reason, NUL included */
#define KZ_URL_EXPR_MAX   30     /* 5 hosts x 6 paths */
#define KZ_URL_HASH_LEN   32     /* SHA-256 */

enum kz_url_host_kind { KZ_URL_HOST_NAME, KZ_URL_HOST_IPV4, KZ_URL_HOST_IPV6 };

/*
 * A canonical URL and where its parts are.  text is
 *     scheme "://" host path [ "?" query ]
 * and the offsets below index into text.p.  Read-only outside url.c;
 * embed it and use kz_url_init/kz_url_release.
 */
typedef struct kz_url {
    kz_buf text;                 /* the canonical URL, NUL-terminated */
    size_t scheme_len;           /* text.p[0 .. scheme_len): "http" or "https" */
    size_t host_off, host_len;   /* escaped as in text; "[...]" for IPv6 */
    size_t path_off, path_len;   /* starts with '/' */
    size_t query_off, query_len; /* after the '?'; only when has_query */
    bool has_query;              /* a '?' was present, even with nothing after */
    int host_kind;               /* enum kz_url_host_kind */
    char why[KZ_URL_WHY_MAX];    /* reason of the last failed kz_url_parse */
} kz_url;

void kz_url_init(kz_url *u);
void kz_url_release(kz_url *u);     /* NULL-safe; u can be reused after init */

/*
 * Canonicalize in[0..n) (any bytes, NUL included) into u, replacing what u
 * held.  Returns 0; KZ_EINVAL when the input is not a usable URL, with a
 * one-line reason in u->why ("empty URL", "no host", "bad IPv6 address",
 * "invalid punycode in host", "unsupported scheme 'ftp'", "URL longer than
 * 8192 bytes", "canonical URL longer than 8192 bytes" (escaping can
 * triple the length), ...); or KZ_ENOMEM.  On failure u holds no URL.
 */
int kz_url_parse(kz_url *u, const char *in, size_t n);

/*
 * The same, for callers that only want the text: appends the canonical URL
 * to out.  On KZ_EINVAL, *why (when why is not NULL) points to the reason,
 * valid until the next call of kz_url_canon in the same thread; on success
 * *why is NULL.  KZ_ENOMEM/KZ_ETOOBIG when out cannot take the URL.
 */
int kz_url_canon(const char *in, size_t n, kz_buf *out, const char **why);

/*
 * The host-suffix/path-prefix expressions of a parsed URL, in the order
 * Safe Browsing documents: for each host (the exact host, then up to four
 * suffixes made from the last five labels, the TLD alone never; none for an
 * IP address), each path (exact with query, exact without query, then up to
 * four prefixes from "/" adding one directory at a time).  Duplicates are
 * left out.  "http://a.b.c/1/2.html?param=1" gives 8 expressions, the first
 * "a.b.c/1/2.html?param=1".  Expressions contain no bytes <= 0x20.
 */
typedef struct kz_url_exprs {
    size_t n;                             /* 1 .. KZ_URL_EXPR_MAX */
    const char *expr[KZ_URL_EXPR_MAX];    /* NUL-terminated, inside store */
    size_t len[KZ_URL_EXPR_MAX];
    kz_buf store;
} kz_url_exprs;

void kz_url_exprs_init(kz_url_exprs *x);
void kz_url_exprs_release(kz_url_exprs *x);    /* NULL-safe */
/* Fill x (replacing what it held) from u, which must hold a parsed URL.
 * 0, KZ_EINVAL (u holds no URL) or KZ_ENOMEM. */
int kz_url_expressions(const kz_url *u, kz_url_exprs *x);

/*
 * The registrable domain of u's host (public suffix + one label, from the
 * Public Suffix List built into libpsl): "www.bbc.co.uk" -> "bbc.co.uk".
 * Appends it to out.  KZ_EINVAL with *why (static) when the host is an IP
 * address or itself a public suffix ("co.uk", "localhost"); KZ_ENOMEM.
 */
int kz_url_registrable_domain(const kz_url *u, kz_buf *out, const char **why);

/* SHA-256 of s[0..n) (an expression, for hash prefixes).  0 or
 * KZ_EINTERNAL when libsodium cannot be initialized. */
int kz_url_hash(const char *s, size_t n, uint8_t out[KZ_URL_HASH_LEN]);

#endif
