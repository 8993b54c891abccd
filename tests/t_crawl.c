/*
 * tests/t_crawl.c - the crawler: the SSRF address check, link extraction,
 * and a whole crawl on loopback (tests/crawl/run.sh: nginx serving a
 * generated site, and tests/crawl/hostile.c for the failure cases).
 */
#include "kt.h"
#include "ingest/crawl.h"
#include "ingest/fetch.h"
#include "util/buf.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

KT_TEST(crawl_ssrf_ipv4)
{
    static const char *const refused[] = {
        "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.5",
        "198.51.100.7", "203.0.113.9", "198.18.0.1", "192.0.0.8",
    };
    static const char *const allowed[] = {
        "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255",
        "100.128.0.1", "169.253.0.1", "11.0.0.1", "93.184.216.34", "223.255.255.254",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        if (kz_fetch_ip_public(refused[i]) != 0)
            kt_fail(__FILE__, __LINE__, "%s should be refused", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (kz_fetch_ip_public(allowed[i]) != 1)
            kt_fail(__FILE__, __LINE__, "%s should be allowed", allowed[i]);
    KT_EQ_INT(kz_fetch_ip_public("example.com"), KZ_EINVAL);
    KT_EQ_INT(kz_fetch_ip_public("127.1"), KZ_EINVAL);   /* inet_pton is strict */
}

KT_TEST(crawl_ssrf_ipv6)
{
    static const char *const refused[] = {
        "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2001:db8::1",
        "2001::1", "::127.0.0.1", "fec0::1", "100::1", "3fff::1",
    };
    static const char *const allowed[] = {
        "2a00:1450:4001:80b::200e", "2606:4700:4700::1111", "::ffff:8.8.8.8",
        "64:ff9b::808:808", "2002:808:808::1", "2001:4860:4860::8888",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        if (kz_fetch_ip_public(refused[i]) != 0)
            kt_fail(__FILE__, __LINE__, "%s should be refused", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (kz_fetch_ip_public(allowed[i]) != 1)
            kt_fail(__FILE__, __LINE__, "%s should be allowed", allowed[i]);
}

KT_TEST(crawl_ssrf_sockaddr)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    a4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a4.sin_addr);
    KT_EQ_INT(kz_fetch_addr_public((struct sockaddr *)&a4), 0);
    inet_pton(AF_INET, "9.9.9.9", &a4.sin_addr);
    KT_EQ_INT(kz_fetch_addr_public((struct sockaddr *)&a4), 1);
    a6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:192.168.0.1", &a6.sin6_addr);
    KT_EQ_INT(kz_fetch_addr_public((struct sockaddr *)&a6), 0);
    inet_pton(AF_INET6, "2620:fe::fe", &a6.sin6_addr);
    KT_EQ_INT(kz_fetch_addr_public((struct sockaddr *)&a6), 1);
    struct sockaddr un = { .sa_family = AF_UNIX };
    KT_EQ_INT(kz_fetch_addr_public(&un), 0);
    KT_EQ_INT(kz_fetch_addr_public(NULL), 0);
}

KT_TEST(crawl_links)
{
    static const char html[] =
        "<html><head><base href='/sub/'></head><body>"
        "<a href='a.html#frag'>a</a> <a href='../b.html?x=1'>b</a>"
        "<a href='//other.example/c'>c</a> <a href='mailto:x@y'>m</a>"
        "<a href='javascript:void(0)'>j</a> <a href=' /sp ace.html '>s</a>"
        "<a rel='nofollow' href='/nf'>n</a> <map><area href='/area'></map>"
        "<a>no href</a> <a href='https://example.com/caf\xc3\xa9'>u</a>"
        "</body></html>";
    kz_buf out;
    kz_buf_init(&out, 1 << 16);
    KT_EQ_INT(kz_crawl_links(html, sizeof html - 1, "http://example.com/dir/page.html", &out), 0);
    KT_EQ_STR(out.p,
              "http://example.com/sub/a.html\n"
              "http://example.com/b.html?x=1\n"
              "http://other.example/c\n"
              "http://example.com/sp%20ace.html\n"
              "http://example.com/area\n"
              "https://example.com/caf%C3%A9\n");
    kz_buf_release(&out);
}

KT_TEST(crawl_links_media)
{
    static const char html[] =
        "<html><head><link rel='alternate' type='application/rss+xml' href='/feed.rss'>"
        "<link rel='Alternate stylesheet' type='application/atom+xml' href='atom.xml'>"
        "<link rel='stylesheet' href='s.css'><link rel='alternate' href='/fr/'>"
        "</head><body><img src='a.png'> <img srcset=' b.jpg 1x, c.jpg 2x'>"
        "<img src='' srcset='d.webp,e.webp 2x'> <img alt=x>"
        "<a rel='noopener nofollowed' href='/kept'>k</a></body></html>";
    kz_buf out;
    kz_buf_init(&out, 1 << 16);
    KT_EQ_INT(kz_crawl_links(html, sizeof html - 1, "http://example.com/d/p.html", &out), 0);
    KT_EQ_STR(out.p,
              "feed http://example.com/feed.rss\n"
              "feed http://example.com/d/atom.xml\n"
              "image http://example.com/d/a.png\n"
              "image http://example.com/d/c.jpg\n"          /* the 2x of " b.jpg 1x, c.jpg 2x" */
              "image http://example.com/d/d.webp,e.webp\n"   /* as the srcset spec says */
              "http://example.com/kept\n");
    kz_buf_release(&out);
}

KT_TEST(crawl_links_tokenizer)
{
    /* what is not markup is not scanned for links; references are decoded */
    static const char html[] =
        "<!-- <a href='/c1'> --><!--><a href=/after-empty-comment>x</a>"
        "<script>var s = '<a href=\"/in-script\">';</script >"
        "<style>a{}</style><title><a href=/in-title></title>"
        "<textarea><a href=/in-textarea></TEXTAREA>"
        "<![CDATA[ <a href=/bogus> ]]> <? pi ?>"
        "<a title='a > b' href=\"/q?a=1&amp;b=2&ampc&#x41;&#66;&#0;&copy;\">q</a>"
        "<A HREF=/upper hReF=/second-ignored>u</A>"
        "<a href = 'spaced' >s</a> <a href=unquoted/x?y=1>n</a>"
        "</a href='/end-tag-attr'> x < y <a href=/after-lt>l</a>"
        "<a\nhref\n=\n/newlines>nl</a>"
        "<plaintext><a href=/in-plaintext>";
    kz_buf out;
    kz_buf_init(&out, 1 << 16);
    KT_EQ_INT(kz_crawl_links(html, sizeof html - 1, "http://example.com/", &out), 0);
    KT_EQ_STR(out.p,
              "http://example.com/after-empty-comment\n"
              "http://example.com/q?a=1&b=2&ampcAB%EF%BF%BD&copy;\n"
              "http://example.com/upper\n"
              "http://example.com/spaced\n"
              "http://example.com/unquoted/x?y=1\n"
              "http://example.com/after-lt\n"
              "http://example.com/newlines\n");
    kz_buf_release(&out);
    /* a tag cut by the end of input is dropped */
    kz_buf_reset(&out);
    KT_EQ_INT(kz_crawl_links("<a href='/x", 11, "http://example.com/", &out), 0);
    KT_CHECK(out.len == 0);
    kz_buf_release(&out);
}

KT_TEST(crawl_encodings)
{
    /* Debian's libcurl has zlib, brotli and zstd */
    const char *e = kz_fetch_encodings();
    KT_CHECK(strstr(e, "gzip") != NULL);
    KT_CHECK(strstr(e, "deflate") != NULL);
}

KT_TEST(crawl_kind_names)
{
    KT_EQ_STR(kz_fetch_kind_name(KZ_FETCH_BLOCKED), "blocked");
    KT_EQ_STR(kz_fetch_kind_name(KZ_FETCH_BODYSIZE), "bodysize");
    KT_EQ_STR(kz_fetch_kind_name(999), "other");
}

/* The text between "== name" and the next "== " line. */
static char *section(const char *out, const char *name)
{
    char head[64];
    snprintf(head, sizeof head, "== %s", name);
    const char *p = strstr(out, head);
    if (!p)
        return strdup("");
    const char *e = strstr(p + 3, "\n== ");
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

#define HAS(s, sub) do { if (!strstr((s), (sub)))                                   \
    kt_fail(__FILE__, __LINE__, "missing \"%s\" in:\n%s", (sub), (s)); } while (0)
#define HASNT(s, sub) do { if (strstr((s), (sub)))                                  \
    kt_fail(__FILE__, __LINE__, "unexpected \"%s\" in:\n%s", (sub), (s)); } while (0)

KT_TEST(crawl_loopback)
{
    char *out = NULL, *err = NULL;
    int rc = kt_run_script("sh", "tests/crawl/run.sh", "", NULL, &out, &err);
    if (rc < 0)
        return;
    KT_EQ_INT(rc, 0);
    if (!out)
        out = strdup("");
    HAS(out, "== end");

    char *s = section(out, "site");
    HAS(s, "== site rc=0");
    /* index + p1..p30 + 5 pages in other charsets + 4 that declare none +
     * HTML served as text/plain + the RSS feed (<link rel=alternate>) and
     * the Atom feed; p2 again through old.html is not counted twice;
     * /private/ is disallowed; deep/ and the feeds' items are beyond
     * --depth 1; + sm/a, sm/b, sm/c from the sitemaps robots.txt names */
    HAS(s, "46 pages fetched");
    HAS(s, "1 skipped by robots.txt");
    HAS(s, "2 not HTML");                   /* notes.txt, and fake.png (an <img>) */
    HAS(s, "1 HTTP errors");
    HAS(s, "missing.html: HTTP status 404");
    /* example.org: a link, a Sitemap: line, a sitemap's <loc> */
    HAS(s, "3 out of scope");
    HAS(s, "/sm/bad.xml: other: sitemap: the root element is not <urlset> or <sitemapindex>");
    HAS(s, "1 fetch errors (other 1)");
    /* p7, and the windows-1251 / KOI8-R pages (charset in the header or
     * only in <meta>), the UTF-16 one and the four in windows-1251, KOI8-R,
     * CP866 and ISO-8859-5 that declare nothing, decoded before the scan;
     * sm/b and sm/c (from a gzip'd sitemap), found only in sitemaps */
    HAS(s, "12 flagged");
    HAS(s, "12 cases opened");
    /* img src and srcset, a <picture>'s <source srcset> (its 2x; not the
     * AVIF one), a style background-image */
    /* the index, one.xml and two.xml.gz read (5 page URLs); nested.xml, an
     * index named by an index, left */
    HAS(s, "content: 6 images, 2 feeds (5 items), 0 unusable charset labels, "
           "3 sitemaps (5 URLs, 1 left)");
    HASNT(s, "private");
    free(s);

    s = section(out, "cases");
    HAS(s, "\"category\":\"terrorism\"");
    HAS(s, "/p7.html\"");
    HAS(s, "/cs/h1251/page.html\"");
    HAS(s, "/cs/hkoi8/page.html\"");
    HAS(s, "/meta-1251.html\"");
    HAS(s, "/meta-koi8.html\"");
    HAS(s, "/utf16.html\"");
    HAS(s, "/nd/1251.html\"");
    HAS(s, "/nd/koi8.html\"");
    HAS(s, "/nd/866.html\"");
    HAS(s, "/nd/iso5.html\"");
    HAS(s, "/sm/b.html?x=1&y=2\"");
    HAS(s, "/sm/c.html\"");
    HASNT(s, "/sm/d.html");
    HAS(s, "\"platform\":\"127.0.0.1\"");
    HAS(s, "\"state\":\"detected\"");
    free(s);

    /* the frontier keeps the charset each page was read in, and its source */
    s = section(out, "charsets");
    HAS(s, "\ncs/h1251/page.html windows-1251 header\n");
    HAS(s, "\ncs/hkoi8/page.html koi8-r header\n");
    HAS(s, "\nmeta-1251.html windows-1251 meta\n");
    HAS(s, "\nnd/1251.html windows-1251 detected\n");
    HAS(s, "\nnd/866.html ibm866 detected\n");
    HAS(s, "\nnd/iso5.html iso-8859-5 detected\n");
    HAS(s, "\nnd/koi8.html koi8-r detected\n");
    HAS(s, "\nutf16.html utf-16le bom");
    HAS(s, "\n utf-8 default\n");             /* the seed, / */
    free(s);

    /* the item's URL kept its port, and verify fetched it there */
    s = section(out, "verify");
    HAS(s, "http://127.0.0.1:PORT/p7.html\n");
    HAS(s, "\"present\"");
    HASNT(s, "connect");
    HAS(s, "verify rc=0");
    free(s);

    /* every request said who we are, and took every encoding libcurl
     * decodes (nginx's gzip answered them) */
    s = section(out, "served");
    HAS(s, "kuzet/");
    HAS(s, " (+https://kuzet.example/contact)|");
    HAS(s, "gzip");
    HAS(s, kz_fetch_encodings());           /* what libcurl sent is what we report */
    size_t lines = 0;
    for (const char *p = s; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    KT_EQ_INT(lines, 1);                    /* "== served" and one pair */
    free(s);

    /* the feeds as seeds: their items' pages are crawled (news/2 is
     * flagged), the off-site item is out of scope; the origin's robots.txt
     * names the sitemaps too, so sm/a, sm/b, sm/c and p1 come with them
     * (sm/b and sm/c flagged; two more off-site URLs) */
    s = section(out, "feeds");
    HAS(s, "== feeds rc=0");
    HAS(s, "9 pages fetched");
    HAS(s, "3 out of scope");
    HAS(s, "3 flagged");
    HAS(s, "content: 0 images, 2 feeds (5 items), 0 unusable charset labels, 3 sitemaps (5 URLs");
    /* --json: the same counts as one object on stdout */
    HAS(s, "-- json\n{\"pages\":9,\"not_html\":");
    HAS(s, "\"out_of_scope\":3,");
    HAS(s, "\"flagged\":3,");
    HAS(s, "\"feeds\":2,\"feed_items\":5,");
    HAS(s, "\"sitemaps\":3,\"sitemap_urls\":5,");
    HAS(s, "\"interrupted\":false,\"checkpoint\":\"signed\",\"elapsed_ms\":MS}");
    free(s);

    s = section(out, "hostile");
    HAS(s, "== hostile rc=0");
    HAS(s, "/endless: bodysize:");
    HAS(s, "/drip: timeout:");
    HAS(s, "/loop: redirects:");
    HAS(s, "/to-local: blocked: refused to connect to 127.0.0.2");
    HAS(s, "/to-meta: blocked: refused to connect to 169.254.169.254");
    HAS(s, "/bighead: headsize:");
    HAS(s, "/chunked-bad: protocol:");
    HAS(s, "/bomb: bodysize: body over 100000 bytes");        /* decoded bytes counted */
    HAS(s, "/bomb-small: bodysize: body over 100000 bytes");  /* Content-Length was under */
    HAS(s, "/bad-gzip: protocol:");
    /* /, /malformed, /mismatch (read as its header says), /bad-charset */
    HAS(s, "4 pages fetched");
    HAS(s, "0 flagged");
    HAS(s, "1 not HTML");                   /* <img src=/html-as-image> */
    HAS(s, "10 fetch errors (blocked 2, timeout 1, bodysize 3, headsize 1, redirects 1, "
           "protocol 2)");
    HAS(s, "content: 1 images, 0 feeds (0 items), 1 unusable charset labels");
    free(s);

    s = section(out, "guard");
    HAS(s, "== guard rc=1");
    HAS(s, "blocked: robots.txt: refused to connect to 127.0.0.1");
    HAS(s, "0 pages fetched");
    free(s);

    s = section(out, "unsigned");
    HAS(s, "== unsigned rc=1");
    HAS(s, "kuzet: no audit checkpoint signed: audit key DIR/unsigned.db.audit-key: a symbolic "
           "link to nothing");
    HAS(s, "1 cases stored");
    free(s);
    if (rc != 0 || !strstr(out, "== end"))
        fprintf(stderr, "%s\n%s\n", out, err ? err : "");
    free(out);
    free(err);
}

/* Golden pages: tests/data/links/NNNN-name.html, and in NNNN-name.out what
 * kz_crawl_links finds in it (page base http://example.com/). */
KT_TEST(crawl_links_golden)
{
    static const char *const cases[] = { "1000-picture", "1001-img-srcset", "1002-style-background" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(cases); i++) {
        char path[512];
        size_t hn, en;
        snprintf(path, sizeof path, "%s/tests/data/links/%s.html", kt_root(), cases[i]);
        char *html = kt_slurp(path, &hn);
        snprintf(path, sizeof path, "%s/tests/data/links/%s.out", kt_root(), cases[i]);
        char *want = kt_slurp(path, &en);
        KT_CHECK(html && want);
        if (html && want) {
            kz_buf out;
            kz_buf_init(&out, 1 << 16);
            KT_EQ_INT(kz_crawl_links(html, hn, "http://example.com/", &out), 0);
            if (strcmp(out.p ? out.p : "", want))
                kt_fail(__FILE__, __LINE__, "%s: got\n%s\nexpected\n%s", cases[i],
                        out.p ? out.p : "", want);
            kz_buf_release(&out);
        }
        free(html);
        free(want);
    }
}
