/*
 * tests/t_feed.c - RSS and Atom items (ingest/feed.h).
 */
#include "kt.h"
#include "ingest/feed.h"
#include "util/buf.h"

static int collect(void *arg, const kz_feed_item *it)
{
    kz_buf *b = arg;
    kz_buf_addf(b, "[%s|%s|%s]\n", it->link, it->title, it->text);
    return 0;
}

static char *items(const char *xml, const char *url, size_t max, kz_feed_info *fi, int *rc)
{
    kz_buf b;
    kz_buf_init(&b, 1 << 20);
    kz_buf_adds(&b, "");
    *rc = kz_feed_parse(xml, strlen(xml), url, max, 0, collect, &b, fi);
    return b.p;
}

KT_TEST(feed_rss2)
{
    static const char x[] =
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n"
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
        "<channel><title>Site</title><link>http://example.com/</link>"
        "<item><title>First &amp; best</title><link> /news/1.html </link>"
        "<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;</description></item>"
        "<item><title>Second</title><guid>http://example.com/news/2</guid>"
        "<description><![CDATA[<div>cdata <i>text</i></div>]]></description>"
        "<content:encoded><![CDATA[<p>full text</p>]]></content:encoded></item>"
        "<item><title>No link</title><guid isPermaLink=\"false\">tag:x</guid></item>"
        "</channel></rss>";
    kz_feed_info fi;
    int rc;
    kz_feed_init();
    char *s = items(x, "http://example.com/feed.xml", 0, &fi, &rc);
    KT_EQ_INT(rc, 0);
    KT_EQ_INT(fi.kind, KZ_FEED_RSS);
    KT_EQ_INT(fi.items, 3);
    KT_EQ_STR(s, "[http://example.com/news/1.html|First & best|Hello world]\n"
                 "[http://example.com/news/2|Second|full text]\n"
                 "[|No link|]\n");
    free(s);
    /* at most max_items */
    s = items(x, "http://example.com/feed.xml", 1, &fi, &rc);
    KT_EQ_INT(fi.items, 1);
    KT_EQ_INT(fi.skipped, 2);
    free(s);
}

KT_TEST(feed_atom)
{
    static const char x[] =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://example.org/blog/\">"
        "<title>B</title>"
        "<entry><title type=\"html\">A &lt;em&gt;post&lt;/em&gt;</title>"
        "<link rel=\"edit\" href=\"/edit/1\"/><link href=\"posts/1\"/>"
        "<summary>short</summary><content type=\"html\">&lt;p&gt;long &amp;amp; full&lt;/p&gt;</content></entry>"
        "<entry xml:base=\"http://other.example/x/\"><title>Two</title>"
        "<link rel=\"alternate\" type=\"text/html\" href=\"two.html\"/>"
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>one</p><p>two</p></div></content>"
        "</entry>"
        "<entry><title>Only edit</title><link rel=\"edit\" href=\"e3\"/><summary>s</summary></entry>"
        "</feed>";
    kz_feed_info fi;
    int rc;
    char *s = items(x, "http://example.org/feed.atom", 0, &fi, &rc);
    KT_EQ_INT(rc, 0);
    KT_EQ_INT(fi.kind, KZ_FEED_ATOM);
    KT_EQ_STR(s, "[http://example.org/blog/posts/1|A post|long & full]\n"
                 "[http://other.example/x/two.html|Two|one two]\n"
                 "[http://example.org/blog/e3|Only edit|s]\n");
    free(s);
}

KT_TEST(feed_rdf_and_bad)
{
    static const char x[] =
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
        "xmlns=\"http://purl.org/rss/1.0/\"><channel><title>c</title></channel>"
        "<item><title>R</title><link>http://example.net/r</link><description>d</description></item>"
        "</rdf:RDF>";
    kz_feed_info fi;
    int rc;
    char *s = items(x, NULL, 0, &fi, &rc);
    KT_EQ_INT(rc, 0);
    KT_EQ_INT(fi.kind, KZ_FEED_RDF);
    KT_EQ_STR(s, "[http://example.net/r|R|d]\n");
    free(s);
    /* not a feed, not XML */
    s = items("<html><body>x</body></html>", NULL, 0, &fi, &rc);
    KT_EQ_INT(rc, KZ_EINVAL);
    KT_EQ_INT(fi.kind, KZ_FEED_NONE);
    free(s);
    s = items("just text", NULL, 0, &fi, &rc);
    KT_EQ_INT(rc, KZ_EINVAL);
    free(s);
    /* an unescaped '&' is recovered from */
    s = items("<rss><channel><item><title>A & B</title><link>http://e.com/a?x=1&y=2</link></item>"
              "</channel></rss>", NULL, 0, &fi, &rc);
    KT_EQ_INT(rc, 0);
    KT_EQ_INT(fi.items, 1);
    free(s);
}

KT_TEST(feed_entities_not_expanded)
{
    /* billion laughs: libxml2 stops at the amplification, nothing expanded */
    static const char x[] =
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]>"
        "<rss><channel><item><link>http://e.com/1</link><title>t&g;</title></item></channel></rss>";
    kz_feed_info fi;
    int rc;
    char *s = items(x, NULL, 0, &fi, &rc);
    KT_EQ_INT(rc, 0);
    KT_EQ_STR(s, "[http://e.com/1|t|]\n");
    free(s);
    /* an external entity is neither fetched nor expanded; an internal one dropped */
    static const char y[] =
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
        "<!ENTITY in \"inner\">]>"
        "<rss><channel><item><title>a&in;b</title><description>&xxe;end</description>"
        "<link>http://e.com/2</link></item></channel></rss>";
    s = items(y, NULL, 0, &fi, &rc);
    KT_EQ_INT(rc, 0);
    KT_EQ_STR(s, "[http://e.com/2|ab|end]\n");
    free(s);
}
