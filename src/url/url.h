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

/* ---- the host a browser contacts (url/whatwg.c) -------------------------- */

/*
 * Safe Browsing's form unescapes the whole URL before splitting it, and
 * knows no backslashes, so it can disagree with a browser about the host:
 * "http://good.com%2f@evil.com/" is good.com to it and evil.com to a
 * browser.  These functions follow the WHATWG URL Standard's basic URL
 * parser instead, for the special schemes (http, https, ws, wss, ftp; not
 * file), as far as the host:
 *
 *   - leading/trailing C0 controls and spaces (bytes <= 0x20) stripped,
 *     tab, LF and CR removed everywhere;
 *   - the scheme (letters, digits, '+', '-', '.' before ':'), then any
 *     number of '/' and '\' (also none: "http:evil.com");
 *   - the authority ends at the first '/', '\', '?' or '#'; userinfo ends
 *     at its LAST '@' (no host after it: failure); the port, after the
 *     first ':' outside brackets, must be digits (empty: none), <= 65535;
 *   - "[...]": the standard's IPv6 parser (no zone ids, no escapes);
 *   - otherwise the host is percent-decoded once (a '%' not followed by
 *     two hex digits stays, and is then refused), must be UTF-8, and goes
 *     through IDNA (UTS #46 non-transitional, by libidn2, label by label;
 *     where libidn2 applies IDNA2008 rules UTS #46 has not -- hyphens in
 *     positions 3-4 or at the ends, symbols and emoji, CONTEXTO, length,
 *     bidi -- an approximation: NFKC, lowercase, punycode; see
 *     docs/urls.md); a domain that is then empty or holds a forbidden
 *     domain code point (C0 controls, space, # % / : < > ? @ [ \ ] ^ |,
 *     DEL) is refused;
 *   - a domain whose last label (a final empty label ignored) is decimal
 *     digits or a valid hex/octal number is an IPv4 address, parsed with
 *     the standard's rules (1-4 parts, 0x hex, leading-0 octal, the last
 *     part filling the remaining bytes: "0x7f.1" = 127.0.0.1) or refused
 *     ("1.2.3.4.5", "256.0.0.1", "1.2.3.08").
 *
 * Each failure is one the standard makes a browser refuse the URL with;
 * the reason is in why.
 */
typedef struct kz_url_whatwg {
    char scheme[6];               /* "http", "https", "ws", "wss" or "ftp" */
    char host[KZ_URL_MAX_INPUT + 1];  /* serialized, NUL-terminated: */
    size_t host_len;              /*   a domain as the standard writes it:
                                   *   ASCII, lowercase, punycode, dots kept
                                   *   ("evil.com." stays); dotted-decimal
                                   *   IPv4; "[...]" IPv6 (RFC 5952 form) */
    int host_kind;                /* enum kz_url_host_kind */
    int port;                     /* -1: none or the scheme's default */
    char why[KZ_URL_WHY_MAX];     /* reason of the last failure */
} kz_url_whatwg;

/*
 * The host a browser contacts for the absolute URL in[0..n) (any bytes).
 * Fills *w; 0, or KZ_EINVAL with w->why ("no scheme", "unsupported scheme
 * 'gopher' (only http, https, ws, wss and ftp)", "no host", "bad port",
 * "port out of range", "bad IPv6 address", "bad IPv4 address",
 * "forbidden character '%' in host", "host is not valid UTF-8", "host is
 * not a valid name: <libidn2's reason>", "URL longer than 8192 bytes",
 * ...), or KZ_ENOMEM.  There is no base URL: a URL without a scheme fails.
 */
int kz_url_host_whatwg(kz_url_whatwg *w, const char *in, size_t n);

/*
 * What a blocklist lookup needs: in[0..n) canonicalized into u as
 * kz_url_parse does, but split as a browser splits it -- the host is the
 * one kz_url_host_whatwg finds (then in Safe Browsing form: no trailing
 * dot, IPv4-mapped IPv6 as IPv4, ...), the path and query are what follows
 * the browser's authority, with '\' read as '/' in the path (also '\' that
 * unescaping makes).  The result is a kz_url_parse canonical form, and
 * reads again as itself, or is refused when Safe Browsing's squeezing of
 * dots made a host a browser refuses ("a.6.." is a name, "a.6" a bad IPv4
 * address); callers that list entries fall back to kz_url_parse on
 * KZ_EINVAL, which keeps such an entry as it is.  The userinfo
 * and port are dropped.  Only http and https are accepted, as in
 * kz_url_parse; a URL without a scheme is read as http ("example.com/x",
 * "//example.com/x", "example.com:8080/x").  For a URL with nothing a
 * browser reads differently the result is kz_url_parse's.
 * 0; KZ_EINVAL with u->why (kz_url_parse's reasons and
 * kz_url_host_whatwg's); KZ_ENOMEM.  Uses about 100 KiB of stack.
 */
int kz_url_parse_browser(kz_url *u, const char *in, size_t n);

#endif
