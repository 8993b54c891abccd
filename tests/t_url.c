/*
 * tests/t_url.c - url/url.c: canonicalization, parts, expressions,
 * registrable domains and hashes.  The 33 published Safe Browsing pairs are
 * the golden case tests/golden/url/0001-safe-browsing-pairs.
 */
#include "kt.h"
#include "url/url.h"

/* canon(in) must be want; want NULL means it must fail with reason why */
static void canon_is(const char *in, size_t n, const char *want, const char *why, int line)
{
    kz_url u;
    kz_url_init(&u);
    int rc = kz_url_parse(&u, in, n);
    if (want) {
        if (rc != 0)
            kt_fail(__FILE__, line, "\"%s\" failed: %s", in, u.why);
        else if (strcmp(u.text.p, want) != 0)
            kt_fail(__FILE__, line, "\"%s\" -> \"%s\", expected \"%s\"", in, u.text.p, want);
        else {
            kz_url v;                               /* idempotent */
            kz_url_init(&v);
            if (kz_url_parse(&v, u.text.p, u.text.len) != 0 || strcmp(v.text.p, u.text.p) != 0)
                kt_fail(__FILE__, line, "\"%s\" is not stable", want);
            kz_url_release(&v);
        }
    } else {
        if (rc != KZ_EINVAL)
            kt_fail(__FILE__, line, "\"%s\" -> rc %d \"%s\", expected error \"%s\"", in, rc,
                    u.text.p ? u.text.p : "", why);
        else if (strcmp(u.why, why) != 0)
            kt_fail(__FILE__, line, "\"%s\": reason \"%s\", expected \"%s\"", in, u.why, why);
    }
    kz_url_release(&u);
}
#define CANON(in, want) canon_is(in, strlen(in), want, NULL, __LINE__)
#define CANON_ERR(in, why) canon_is(in, strlen(in), NULL, why, __LINE__)

KT_TEST(url_canon_basics)
{
    CANON("http://www.google.com/", "http://www.google.com/");
    CANON("www.google.com", "http://www.google.com/");
    CANON("HTTPS://WWW.Example.COM", "https://www.example.com/");
    CANON("http://www.gotaport.com:1234/", "http://www.gotaport.com/");
    CANON("http://user:pw@Host.COM:80/a/./b/../c//d?x=1#frag", "http://host.com/a/c/d?x=1");
    CANON("http://host/%25%32%35", "http://host/%25");
    CANON("http://host/%zz", "http://host/%25zz");
    CANON("http://evil.com/foo#bar#baz", "http://evil.com/foo");
    CANON("http://host.com/ab%23cd", "http://host.com/ab%23cd");
    CANON("http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes");
    CANON("http://www.google.com/q?", "http://www.google.com/q?");
    CANON("  http://www.google.com/  ", "http://www.google.com/");
    CANON("http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2");
    CANON("localhost:8080/a", "http://localhost/a");
    CANON("//www.google.com/x", "http://www.google.com/x");
    CANON("http:www.x.com", "http://www.x.com/");
    CANON("http://x.com?q#f", "http://x.com/?q");
    CANON("http://a%40b@c.com/", "http://c.com/");
}

KT_TEST(url_canon_path)
{
    CANON("http://x.com/a/.", "http://x.com/a/");
    CANON("http://x.com/a/..", "http://x.com/");
    CANON("http://x.com/../../a", "http://x.com/a");
    CANON("http://x.com/a/..b/./c", "http://x.com/a/..b/c");
    CANON("http://x.com/a/%2E%2E/b", "http://x.com/b");
    CANON("http://x.com///a///b///", "http://x.com/a/b/");
    CANON("http://x.com/a%3Fb", "http://x.com/a?b");        /* unescaped first: a query */
    CANON("http://x.com/%D0%BF%20x", "http://x.com/%D0%BF%20x");
}

KT_TEST(url_canon_ip)
{
    CANON("http://3279880203/blah", "http://195.127.0.11/blah");
    CANON("http://0x12.0x43.0x44.0x01/", "http://18.67.68.1/");
    CANON("http://0300.0250.0.01/", "http://192.168.0.1/");
    CANON("http://10.1/", "http://10.0.0.1/");
    CANON("http://192.168.257/", "http://192.168.1.1/");
    CANON("http://1.2.3.4./", "http://1.2.3.4/");
    CANON("http://256.1.1.1/", "http://256.1.1.1/");        /* not an address: a name */
    CANON("http://[2001:0DB8:0000::1]:8080/x", "http://[2001:db8::1]/x");
    CANON("http://[2001:db8:0:0:1:0:0:1]/", "http://[2001:db8::1:0:0:1]/");
    CANON("http://[::1]/", "http://[::1]/");
    CANON("http://[::ffff:1.2.3.4]/", "http://1.2.3.4/");
    CANON("http://[64:ff9b::102:304]/", "http://1.2.3.4/");
    CANON_ERR("http://[::1x]/", "bad IPv6 address");
    CANON_ERR("http://[::1/", "bad IPv6 address");
    CANON_ERR("http://[fe80::1%25eth0]/", "bad IPv6 address");
    CANON_ERR("http://..[a]/", "bad IPv6 address");
}

KT_TEST(url_canon_idn)
{
    CANON("http://пример.рф/", "http://xn--e1afmkfd.xn--p1ai/");
    CANON("http://ПРИМЕР.РФ/путь", "http://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C");
    CANON("http://%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80.%D1%80%D1%84/", "http://xn--e1afmkfd.xn--p1ai/");
    CANON("http://XN--E1AFMKFD.xn--p1ai/", "http://xn--e1afmkfd.xn--p1ai/");
    CANON("http://faß.de/", "http://xn--fa-hia.de/");        /* non-transitional */
    CANON("http://１２７.０.０.１/", "http://127.0.0.1/");
    CANON("http://\xf0\x9f\x92\xa9.la/", "http://xn--ls8h.la/");   /* as browsers do */
    CANON("http://\x01\x80.com/", "http://%01%80.com/");      /* not UTF-8: escaped */
    CANON_ERR("http://xn--/", "invalid punycode in host: xn--");
    CANON_ERR("http://a.xn--ab--.com/", "invalid punycode in host: xn--ab--");
    CANON_ERR("http://п%25.com/", "host is not a valid name: '%' in an internationalized label");
    CANON_ERR("http://a\xef\xbc\x9a" "b.com/", "host is not a valid name: it maps to ':'");
}

KT_TEST(url_canon_errors)
{
    char big[KZ_URL_MAX_INPUT + 2];
    CANON_ERR("", "empty URL");
    CANON_ERR(" \t\r\n ", "empty URL");
    CANON_ERR("#frag", "empty URL");
    CANON_ERR("http://", "no host");
    CANON_ERR("http://.../x", "no host");
    CANON_ERR("http://user@/", "no host");
    CANON_ERR("ftp://x.com/", "unsupported scheme 'ftp' (only http and https)");
    CANON_ERR("javascript:alert(1)", "unsupported scheme 'javascript' (only http and https)");
    CANON_ERR("http://host:8x/", "bad port");
    CANON_ERR("http://host:65536/", "port out of range");
    memset(big, 'a', 71);                   /* a label of 64 */
    memcpy(big, "http://", 7);
    memcpy(big + 71, ".com", 5);
    CANON_ERR(big, "host label longer than 63 bytes");
    for (size_t i = 7; i < 300; i++)
        big[i] = i % 50 == 0 ? '.' : 'a';
    big[300] = '\0';
    CANON_ERR(big, "host longer than 253 bytes");

    memset(big, 'a', sizeof big);
    memcpy(big, "http://x.com/", 13);
    canon_is(big, KZ_URL_MAX_INPUT + 1, NULL, "URL longer than 8192 bytes", __LINE__);
    kz_url u;
    kz_url_init(&u);
    KT_EQ_INT(kz_url_parse(&u, big, KZ_URL_MAX_INPUT), 0);
    KT_EQ_INT(u.text.len, KZ_URL_MAX_INPUT);
    kz_url_release(&u);
}

KT_TEST(url_parts)
{
    kz_url u;
    kz_url_init(&u);
    KT_EQ_INT(kz_url_parse(&u, "https://A.b.C:99/p/q.html?x=%41#f", 33), 0);
    KT_EQ_STR(u.text.p, "https://a.b.c/p/q.html?x=A");
    KT_EQ_MEM(u.text.p, u.scheme_len, "https");
    KT_EQ_MEM(u.text.p + u.host_off, u.host_len, "a.b.c");
    KT_EQ_MEM(u.text.p + u.path_off, u.path_len, "/p/q.html");
    KT_CHECK(u.has_query);
    KT_EQ_MEM(u.text.p + u.query_off, u.query_len, "x=A");
    KT_EQ_INT(u.host_kind, KZ_URL_HOST_NAME);
    KT_EQ_INT(kz_url_parse(&u, "http://[::2]", 12), 0);
    KT_EQ_INT(u.host_kind, KZ_URL_HOST_IPV6);
    KT_CHECK(!u.has_query);
    KT_EQ_MEM(u.text.p + u.host_off, u.host_len, "[::2]");
    KT_EQ_INT(kz_url_parse(&u, "ftp://x", 7), KZ_EINVAL);
    KT_EQ_INT(u.text.len, 0);
    kz_url_release(&u);

    kz_buf b;
    const char *why = "x";
    kz_buf_init(&b, 1000);
    KT_EQ_INT(kz_url_canon("www.x.com", 9, &b, &why), 0);
    KT_CHECK(why == NULL);
    KT_EQ_INT(kz_url_canon("http://", 7, &b, &why), KZ_EINVAL);
    KT_EQ_STR(why, "no host");
    KT_EQ_STR(b.p, "http://www.x.com/");
    kz_buf_release(&b);
}

static void exprs_are(const char *url, const char *const *want, size_t n, int line)
{
    kz_url u;
    kz_url_exprs x;
    kz_url_init(&u);
    kz_url_exprs_init(&x);
    if (kz_url_parse(&u, url, strlen(url)) != 0 || kz_url_expressions(&u, &x) != 0)
        kt_fail(__FILE__, line, "%s: no expressions", url);
    else if (x.n != n)
        kt_fail(__FILE__, line, "%s: %zu expressions, expected %zu", url, x.n, n);
    for (size_t i = 0; i < x.n && i < n; i++)
        if (strcmp(x.expr[i], want[i]) != 0 || x.len[i] != strlen(want[i]))
            kt_fail(__FILE__, line, "%s: expression %zu is \"%s\", expected \"%s\"", url, i,
                    x.expr[i], want[i]);
    kz_url_exprs_release(&x);
    kz_url_release(&u);
}
#define EXPRS(url, ...) do { static const char *const w_[] = { __VA_ARGS__ };   \
    exprs_are(url, w_, KZ_ARRAY_LEN(w_), __LINE__); } while (0)

KT_TEST(url_expressions_documented)
{
    /* the examples of the Safe Browsing documentation */
    EXPRS("http://a.b.c/1/2.html?param=1",
          "a.b.c/1/2.html?param=1", "a.b.c/1/2.html", "a.b.c/", "a.b.c/1/",
          "b.c/1/2.html?param=1", "b.c/1/2.html", "b.c/", "b.c/1/");
    EXPRS("http://a.b.c.d.e.f.g/1.html",
          "a.b.c.d.e.f.g/1.html", "a.b.c.d.e.f.g/", "c.d.e.f.g/1.html", "c.d.e.f.g/",
          "d.e.f.g/1.html", "d.e.f.g/", "e.f.g/1.html", "e.f.g/", "f.g/1.html", "f.g/");
    EXPRS("http://1.2.3.4/1/", "1.2.3.4/1/", "1.2.3.4/");
}

KT_TEST(url_expressions_limits)
{
    EXPRS("http://x.com", "x.com/");
    EXPRS("http://x.com/?", "x.com/?", "x.com/");
    EXPRS("http://[::1]/a/b", "[::1]/a/b", "[::1]/", "[::1]/a/");
    EXPRS("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?q=1",
          "a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?q=1", "a.b.c.d.e.f.g.h/1/2/3/4/5/6.html",
          "a.b.c.d.e.f.g.h/", "a.b.c.d.e.f.g.h/1/", "a.b.c.d.e.f.g.h/1/2/", "a.b.c.d.e.f.g.h/1/2/3/",
          "d.e.f.g.h/1/2/3/4/5/6.html?q=1", "d.e.f.g.h/1/2/3/4/5/6.html",
          "d.e.f.g.h/", "d.e.f.g.h/1/", "d.e.f.g.h/1/2/", "d.e.f.g.h/1/2/3/",
          "e.f.g.h/1/2/3/4/5/6.html?q=1", "e.f.g.h/1/2/3/4/5/6.html",
          "e.f.g.h/", "e.f.g.h/1/", "e.f.g.h/1/2/", "e.f.g.h/1/2/3/",
          "f.g.h/1/2/3/4/5/6.html?q=1", "f.g.h/1/2/3/4/5/6.html",
          "f.g.h/", "f.g.h/1/", "f.g.h/1/2/", "f.g.h/1/2/3/",
          "g.h/1/2/3/4/5/6.html?q=1", "g.h/1/2/3/4/5/6.html",
          "g.h/", "g.h/1/", "g.h/1/2/", "g.h/1/2/3/");
    kz_url u;
    kz_url_exprs x;
    kz_url_init(&u);
    kz_url_exprs_init(&x);
    KT_EQ_INT(kz_url_expressions(&u, &x), KZ_EINVAL);      /* nothing parsed */
    kz_url_exprs_release(&x);
    kz_url_release(&u);
}

static void domain_is(const char *url, const char *want, const char *why_want, int line)
{
    kz_url u;
    kz_buf b;
    const char *why = NULL;
    kz_url_init(&u);
    kz_buf_init(&b, 1000);
    if (kz_url_parse(&u, url, strlen(url)) != 0) {
        kt_fail(__FILE__, line, "%s: %s", url, u.why);
    } else {
        int rc = kz_url_registrable_domain(&u, &b, &why);
        if (want && (rc != 0 || strcmp(b.p, want) != 0))
            kt_fail(__FILE__, line, "%s: domain \"%s\" (%s), expected \"%s\"", url,
                    b.p ? b.p : "", why ? why : "ok", want);
        if (!want && (rc != KZ_EINVAL || !why || strcmp(why, why_want) != 0))
            kt_fail(__FILE__, line, "%s: rc %d why \"%s\", expected \"%s\"", url, rc,
                    why ? why : "(null)", why_want);
    }
    kz_buf_release(&b);
    kz_url_release(&u);
}

KT_TEST(url_registrable_domain)
{
    domain_is("http://www.google.com/", "google.com", NULL, __LINE__);
    domain_is("http://news.bbc.co.uk/x", "bbc.co.uk", NULL, __LINE__);
    domain_is("http://a.b.пример.рф/", "xn--e1afmkfd.xn--p1ai", NULL, __LINE__);
    domain_is("http://user.github.io/", "user.github.io", NULL, __LINE__);
    domain_is("http://co.uk/", NULL, "the host is a public suffix", __LINE__);
    domain_is("http://3279880203/", NULL, "an IP address has no registrable domain", __LINE__);
    domain_is("http://[::1]/", NULL, "an IP address has no registrable domain", __LINE__);
}

KT_TEST(url_hash)
{
    uint8_t h[KZ_URL_HASH_LEN];
    char hex[2 * KZ_URL_HASH_LEN + 1];
    KT_EQ_INT(kz_url_hash("abc", 3, h), 0);
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    KT_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
