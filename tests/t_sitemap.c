/*
 * tests/t_sitemap.c - the sitemap reader (ingest/sitemap.h): urlsets,
 * indexes, text sitemaps, gzip (members, cut streams, bombs), the limits,
 * and what must not be read (external entities, DTDs).
 */
#include "kt.h"
#include "ingest/sitemap.h"
#include "util/buf.h"
#include <stdlib.h>
#include <zlib.h>

static int collect(void *arg, const char *loc, size_t len)
{
    kz_buf *b = arg;
    if (strlen(loc) != len)
        return 7;
    kz_buf_add(b, loc, len);
    kz_buf_addc(b, '\n');
    return 0;
}

/* Parse s; the URLs one a line in *urls (caller frees). */
static int parse(const char *s, size_t n, size_t max_bytes, size_t max_urls, kz_sitemap_info *si,
                 const char **why, char **urls)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    kz_buf_adds(&b, "");
    int rc = kz_sitemap_parse(s, n, max_bytes, max_urls, collect, &b, si, why);
    *urls = b.p ? b.p : strdup("");
    return rc;
}

/* gzip of s[0..n) (a gzip member), malloc'd, its length in *zn */
static char *gz(const char *s, size_t n, size_t *zn)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, n) + 64;
    char *o = malloc(cap);
    z.next_in = (unsigned char *)s;
    z.avail_in = (unsigned)n;
    z.next_out = (unsigned char *)o;
    z.avail_out = (unsigned)cap;
    deflate(&z, Z_FINISH);
    *zn = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

static const char urlset[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
    "xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n"
    "<url><loc>\n  https://example.com/a\n</loc><lastmod>2026-01-01</lastmod></url>\n"
    "<url><loc>https://example.com/b?x=1&amp;y=2</loc><image:image><image:loc>"
    "https://example.com/img.jpg</image:loc></image:image></url>\n"
    "<url><loc><![CDATA[https://example.com/c]]></loc></url>\n"
    "<url><priority>1</priority></url><url><loc/></url>\n"
    "<loc>https://example.com/outside-url</loc>\n"
    "<url><sm:loc xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
    "https://example.com/d</sm:loc></url>\n"
    "</urlset>\n";

KT_TEST(sitemap_urlset)
{
    kz_sitemap_info si;
    const char *why;
    char *u;
    KT_EQ_INT(parse(urlset, sizeof urlset - 1, 0, 0, &si, &why, &u), 0);
    KT_EQ_STR(u, "https://example.com/a\nhttps://example.com/b?x=1&y=2\nhttps://example.com/c\n"
                 "https://example.com/d\n");
    KT_EQ_INT(si.kind, KZ_SITEMAP_URLSET);
    KT_EQ_INT(si.urls, 4);
    KT_EQ_INT(si.gzip, 0);
    KT_EQ_INT(si.broken, 0);
    free(u);
    /* at most max_urls; the others counted */
    KT_EQ_INT(parse(urlset, sizeof urlset - 1, 0, 2, &si, &why, &u), 0);
    KT_EQ_STR(u, "https://example.com/a\nhttps://example.com/b?x=1&y=2\n");
    KT_EQ_INT(si.skipped, 2);
    free(u);
    /* the callback stops the reading with its value */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_sitemap_parse(urlset, sizeof urlset - 1, 0, 0, NULL, NULL, &si, NULL), 0);
    KT_EQ_INT(si.urls, 4);
    kz_buf_release(&b);
}

KT_TEST(sitemap_index_and_text)
{
    kz_sitemap_info si;
    const char *why;
    char *u;
    static const char idx[] = "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
                              "<sitemap><loc>https://example.com/s1.xml</loc></sitemap>"
                              "<sitemap><loc>https://example.com/s2.xml.gz</loc></sitemap>"
                              "<url><loc>https://example.com/not-in-an-index</loc></url>"
                              "</sitemapindex>";
    KT_EQ_INT(parse(idx, sizeof idx - 1, 0, 0, &si, &why, &u), 0);
    KT_EQ_INT(si.kind, KZ_SITEMAP_INDEX);
    KT_EQ_STR(u, "https://example.com/s1.xml\nhttps://example.com/s2.xml.gz\n");
    free(u);
    static const char txt[] = "  https://example.com/1\r\n# a comment\n\nftp://example.com/no\n"
                              "HTTP://example.com/2\nnot a url\nhttps://example.com/3";
    KT_EQ_INT(parse(txt, sizeof txt - 1, 0, 0, &si, &why, &u), 0);
    KT_EQ_INT(si.kind, KZ_SITEMAP_TEXT);
    KT_EQ_STR(u, "https://example.com/1\nHTTP://example.com/2\nhttps://example.com/3\n");
    free(u);
}

KT_TEST(sitemap_not_one)
{
    kz_sitemap_info si;
    const char *why = NULL;
    char *u;
    static const char html[] = "<html><body><a href=\"/x\">x</a></body></html>";
    KT_EQ_INT(parse(html, sizeof html - 1, 0, 0, &si, &why, &u), KZ_EINVAL);
    KT_EQ_STR(why, "the root element is not <urlset> or <sitemapindex>");
    KT_EQ_INT(si.kind, 0);
    free(u);
    KT_EQ_INT(parse("  \n", 3, 0, 0, &si, &why, &u), KZ_EINVAL);
    KT_EQ_STR(why, "an empty document");
    free(u);
    KT_EQ_INT(parse("hello world\n", 12, 0, 0, &si, &why, &u), KZ_EINVAL);
    KT_EQ_STR(why, "neither XML nor a list of URLs");
    free(u);
    KT_EQ_INT(parse("<<<", 3, 0, 0, &si, &why, &u), KZ_EINVAL);
    KT_CHECK(why && *why);
    free(u);
    KT_EQ_INT(kz_sitemap_parse(NULL, 0, 0, 0, NULL, NULL, NULL, NULL), KZ_EINVAL);
    /* broken off after a URL: the URL before it is kept */
    static const char cut[] = "<urlset><url><loc>https://example.com/a</loc></url><url><loc>https://ex";
    KT_EQ_INT(parse(cut, sizeof cut - 1, 0, 0, &si, &why, &u), 0);
    KT_EQ_STR(u, "https://example.com/a\n");
    KT_EQ_INT(si.broken, 1);
    free(u);
    /* a <loc> over KZ_SITEMAP_MAX_LOC is skipped */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    kz_buf_adds(&b, "<urlset><url><loc>https://example.com/");
    for (int i = 0; i < KZ_SITEMAP_MAX_LOC; i++)
        kz_buf_addc(&b, 'a');
    kz_buf_adds(&b, "</loc></url><url><loc>https://example.com/short</loc></url></urlset>");
    KT_EQ_INT(parse(b.p, b.len, 0, 0, &si, &why, &u), 0);
    KT_EQ_STR(u, "https://example.com/short\n");
    KT_EQ_INT(si.skipped, 1);
    free(u);
    kz_buf_release(&b);
}

KT_TEST(sitemap_entities_not_read)
{
    kz_sitemap_info si;
    const char *why;
    char *u;
    /* an external entity is never loaded, an internal one never expanded */
    static const char xxe[] =
        "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY x SYSTEM \"file:///etc/passwd\">"
        "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
        "<urlset><url><loc>https://example.com/&x;</loc></url>"
        "<url><loc>https://example.com/&b;</loc></url></urlset>";
    KT_EQ_INT(parse(xxe, sizeof xxe - 1, 0, 0, &si, &why, &u), 0);
    KT_CHECK(strstr(u, "root:") == NULL);
    KT_CHECK(strstr(u, "aaaaaaaaaa") == NULL);
    free(u);
}

KT_TEST(sitemap_gzip)
{
    kz_sitemap_info si;
    const char *why = NULL;
    char *u;
    size_t zn, zn2;
    char *z = gz(urlset, sizeof urlset - 1, &zn);
    KT_CHECK(z != NULL);
    if (!z)
        return;
    KT_EQ_INT(parse(z, zn, 0, 0, &si, &why, &u), 0);
    KT_EQ_INT(si.gzip, 1);
    KT_EQ_INT(si.urls, 4);
    free(u);
    /* two members, then padding zeros: one document */
    static const char a[] = "https://example.com/1\n", b2[] = "https://example.com/2\n";
    char *z1 = gz(a, sizeof a - 1, &zn), *z2 = gz(b2, sizeof b2 - 1, &zn2);
    char *both = malloc(zn + zn2 + 8);
    memcpy(both, z1, zn);
    memcpy(both + zn, z2, zn2);
    memset(both + zn + zn2, 0, 8);
    KT_EQ_INT(parse(both, zn + zn2 + 8, 0, 0, &si, &why, &u), 0);
    KT_EQ_STR(u, "https://example.com/1\nhttps://example.com/2\n");
    free(u);
    /* cut short, and garbage after a member */
    KT_EQ_INT(parse(both, zn - 5, 0, 0, &si, &why, &u), KZ_EINVAL);
    KT_EQ_STR(why, "a gzip stream cut short");
    free(u);
    memcpy(both + zn, "garbage!", 8);
    KT_EQ_INT(parse(both, zn + 8, 0, 0, &si, &why, &u), KZ_EINVAL);
    KT_EQ_STR(why, "a broken gzip stream");
    free(u);
    free(z1);
    free(z2);
    free(both);
    free(z);
    /* a bomb: 64 MiB of spaces in ~64 KiB stops at the limit */
    size_t big = 64u << 20;
    char *sp = malloc(big);
    memset(sp, ' ', big);
    memcpy(sp, "<urlset>", 8);
    z = gz(sp, big, &zn);
    free(sp);
    KT_CHECK(zn < (1u << 20));
    KT_EQ_INT(parse(z, zn, 0, 0, &si, &why, &u), KZ_ETOOBIG);
    KT_EQ_STR(why, "over the size limit");
    KT_EQ_STR(u, "");
    free(u);
    KT_EQ_INT(parse(z, zn, 1u << 20, 0, &si, &why, &u), KZ_ETOOBIG);
    free(u);
    free(z);
    /* uncompressed over max_bytes */
    KT_EQ_INT(parse(urlset, sizeof urlset - 1, 100, 0, &si, &why, &u), KZ_ETOOBIG);
    free(u);
}
