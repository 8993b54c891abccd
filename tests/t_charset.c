/*
 * tests/t_charset.c - charset sniffing and conversion (ingest/charset.h)
 * and content sniffing (ingest/sniff.h), on byte-exact inputs.
 */
#include "kt.h"
#include "ingest/charset.h"
#include "ingest/sniff.h"
#include "util/buf.h"
#include <iconv.h>
#include <stdlib.h>

/* "взорвать школу" in the three encodings */
#define PHRASE_UTF8  "\xd0\xb2\xd0\xb7\xd0\xbe\xd1\x80\xd0\xb2\xd0\xb0\xd1\x82\xd1\x8c " \
                     "\xd1\x88\xd0\xba\xd0\xbe\xd0\xbb\xd1\x83"
#define PHRASE_1251  "\xe2\xe7\xee\xf0\xe2\xe0\xf2\xfc \xf8\xea\xee\xeb\xf3"
#define PHRASE_KOI8  "\xd7\xda\xcf\xd2\xd7\xc1\xd4\xd8 \xdb\xcb\xcf\xcc\xd5"

static char *decode(kz_charset *cs, const char *body, size_t n, const char *ct, int doc,
                    kz_charset_info *info)
{
    kz_buf out;
    kz_buf_init(&out, 1 << 20);
    int rc = kz_charset_decode(cs, body, n, ct, doc, &out, info);
    if (rc) {
        kt_fail(__FILE__, __LINE__, "decode: %d", rc);
        kz_buf_release(&out);
        return strdup("");
    }
    return out.p ? out.p : strdup("");
}

KT_TEST(charset_header_1251)
{
    kz_charset *cs = NULL;
    kz_charset_info in;
    KT_EQ_INT(kz_charset_new(&cs), 0);
    static const char page[] = "<p>" PHRASE_1251 "</p>";
    char *s = decode(cs, page, sizeof page - 1, "text/html; charset=\"Windows-1251\"",
                     KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "<p>" PHRASE_UTF8 "</p>");
    KT_EQ_STR(in.name, "windows-1251");
    KT_EQ_INT(in.source, KZ_CHARSET_HEADER);
    KT_EQ_STR(in.bad, "");
    KT_EQ_INT(in.replaced, 0);
    free(s);
    /* the cached descriptor is reset between documents */
    s = decode(cs, PHRASE_1251, sizeof PHRASE_1251 - 1, "text/html;charset=cp1251",
               KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, PHRASE_UTF8);
    free(s);
    kz_charset_free(&cs);
    KT_CHECK(cs == NULL);
}

KT_TEST(charset_meta_koi8)
{
    kz_charset_info in;
    /* <meta charset> after a comment that names another charset */
    static const char p1[] = "<!doctype html><!-- <meta charset=utf-8> --><html><head>"
                             "<meta charset='KOI8-R'><title>t</title></head><body>"
                             PHRASE_KOI8 "</body></html>";
    char *s = decode(NULL, p1, sizeof p1 - 1, "text/html", KZ_CHARSET_HTML, &in);
    KT_CHECK(strstr(s, PHRASE_UTF8) != NULL);
    KT_EQ_STR(in.name, "koi8-r");
    KT_EQ_INT(in.source, KZ_CHARSET_META);
    free(s);
    /* http-equiv, attributes in any order, a '>' inside a quoted value before it */
    static const char p2[] = "<html><head><title a='x>y'>t</title><meta content=\"text/html; "
                             "charset=koi8-r\" http-equiv=\"Content-Type\"></head>"
                             PHRASE_KOI8 "</html>";
    s = decode(NULL, p2, sizeof p2 - 1, NULL, KZ_CHARSET_HTML, &in);
    KT_CHECK(strstr(s, PHRASE_UTF8) != NULL);
    KT_EQ_INT(in.source, KZ_CHARSET_META);
    free(s);
    /* content= without http-equiv does not count: nothing is declared, and
     * the bytes (not UTF-8) are what decides */
    static const char p3[] = "<meta content=\"text/html; charset=koi8-r\">" PHRASE_KOI8;
    s = decode(NULL, p3, sizeof p3 - 1, NULL, KZ_CHARSET_HTML, &in);
    KT_EQ_STR(in.name, "koi8-r");
    KT_EQ_INT(in.source, KZ_CHARSET_DETECTED);
    KT_EQ_INT(in.replaced, 0);
    KT_CHECK(strstr(s, PHRASE_UTF8) != NULL);
    free(s);
}

KT_TEST(charset_order)
{
    kz_charset_info in;
    /* the header wins over <meta> */
    static const char p[] = "<meta charset=koi8-r>" PHRASE_1251;
    char *s = decode(NULL, p, sizeof p - 1, "text/html; charset=windows-1251", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "<meta charset=koi8-r>" PHRASE_UTF8);
    free(s);
    /* a BOM wins over the header */
    static const char b[] = "\xef\xbb\xbf" PHRASE_UTF8;
    s = decode(NULL, b, sizeof b - 1, "text/html; charset=windows-1251", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, PHRASE_UTF8);
    KT_EQ_INT(in.source, KZ_CHARSET_BOM);
    free(s);
    /* UTF-16LE and BE with BOMs: "Привет" */
    static const char le[] = "\xff\xfe\x1f\x04\x40\x04\x38\x04\x32\x04\x35\x04\x42\x04";
    s = decode(NULL, le, sizeof le - 1, "text/html; charset=koi8-r", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    KT_EQ_STR(in.name, "utf-16le");
    free(s);
    static const char be[] = "\xfe\xff\x04\x1f\x04\x40\x00<";
    s = decode(NULL, be, sizeof be - 1, NULL, KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "\xd0\x9f\xd1\x80<");
    free(s);
    /* a <meta> naming UTF-16 means UTF-8 */
    static const char m16[] = "<meta charset=utf-16>\xd0\x9f";
    s = decode(NULL, m16, sizeof m16 - 1, NULL, KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, m16);
    KT_EQ_STR(in.name, "utf-8");
    free(s);
    /* latin1 is windows-1252: 0x80 is the euro sign */
    s = decode(NULL, "\x80", 1, "text/html; charset=ISO-8859-1", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "\xe2\x82\xac");
    free(s);
    /* Kazakh PT154: "Қазақ" */
    s = decode(NULL, "\x8d\xe0\xe7\xe0\x9d", 5, "text/plain; charset=ptcp154", KZ_CHARSET_TEXT, &in);
    KT_EQ_STR(s, "\xd2\x9a\xd0\xb0\xd0\xb7\xd0\xb0\xd2\x9b");
    free(s);
}

KT_TEST(charset_bad_labels)
{
    kz_charset_info in;
    /* an unknown header label falls back to <meta>, and is recorded */
    static const char p[] = "<meta charset=windows-1251>" PHRASE_1251;
    char *s = decode(NULL, p, sizeof p - 1, "text/html; charset=x-no-such", KZ_CHARSET_HTML, &in);
    KT_CHECK(strstr(s, PHRASE_UTF8) != NULL);
    KT_EQ_STR(in.bad, "x-no-such");
    KT_EQ_INT(in.source, KZ_CHARSET_META);
    free(s);
    /* UTF-7 is refused like any unknown label; the bytes, not UTF-8, then
     * decide; a NUL is replaced */
    s = decode(NULL, "a\xff+AGEA-\x00z", 10, "text/html; charset=utf-7", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(in.bad, "utf-7");
    KT_EQ_INT(in.source, KZ_CHARSET_DETECTED);
    KT_CHECK(!strcmp(in.name, "windows-1252") || !strcmp(in.name, "windows-1251"));
    KT_CHECK(strstr(s, "+AGEA-\xef\xbf\xbdz") != NULL);
    KT_EQ_INT(in.replaced, 1);
    free(s);
    /* invalid UTF-8 among much valid UTF-8 stays UTF-8, replaced */
    s = decode(NULL, PHRASE_UTF8 "\xff", sizeof PHRASE_UTF8, "text/html; charset=utf-7",
               KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, PHRASE_UTF8 "\xef\xbf\xbd");
    KT_EQ_STR(in.name, "utf-8");
    KT_EQ_INT(in.source, KZ_CHARSET_DEFAULT);
    KT_EQ_INT(in.replaced, 1);
    free(s);
    /* bytes a charset does not define, and a truncated multibyte end */
    s = decode(NULL, "a\x98z", 3, "text/html; charset=windows-1251", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "a\xef\xbf\xbdz");
    KT_EQ_INT(in.replaced, 1);
    free(s);
    s = decode(NULL, "ab\x82", 3, "text/html; charset=shift_jis", KZ_CHARSET_HTML, &in);
    KT_EQ_STR(s, "ab\xef\xbf\xbd");
    free(s);
    KT_EQ_STR(kz_charset_canonical(" CP1251 ", 8), "windows-1251");
    KT_EQ_STR(kz_charset_canonical("koi8", 4), "koi8-r");
    KT_CHECK(kz_charset_canonical("utf-7", 5) == NULL);
}

KT_TEST(charset_xml_decl)
{
    kz_charset_info in;
    static const char x[] = "<?xml version=\"1.0\" encoding='windows-1251'?><rss>" PHRASE_1251;
    char *s = decode(NULL, x, sizeof x - 1, "application/rss+xml", KZ_CHARSET_XML, &in);
    KT_CHECK(strstr(s, PHRASE_UTF8) != NULL);
    KT_EQ_INT(in.source, KZ_CHARSET_META);
    free(s);
    /* in HTML mode the XML declaration is not looked at: the bytes decide */
    kz_charset_detect(x, sizeof x - 1, NULL, KZ_CHARSET_HTML, &in);
    KT_EQ_INT(in.source, KZ_CHARSET_DETECTED);
}

KT_TEST(charset_limit)
{
    kz_buf out;
    kz_buf_init(&out, 10);
    KT_EQ_INT(kz_buf_adds(&out, "ab"), 0);
    KT_EQ_INT(kz_charset_decode(NULL, PHRASE_1251, sizeof PHRASE_1251 - 1,
                                "text/html; charset=cp1251", KZ_CHARSET_HTML, &out, NULL), KZ_ETOOBIG);
    KT_EQ_STR(out.p, "ab");                     /* left as it was */
    kz_buf_release(&out);
    /* the limit is on what is written, not on a worst case: the phrase is
     * 27 bytes of UTF-8 (from 14 bytes of windows-1251) */
    kz_buf_init(&out, 2 + 27);
    KT_EQ_INT(kz_buf_adds(&out, "ab"), 0);
    KT_EQ_INT(kz_charset_decode(NULL, PHRASE_1251, sizeof PHRASE_1251 - 1,
                                "text/html; charset=cp1251", KZ_CHARSET_HTML, &out, NULL), 0);
    KT_EQ_STR(out.p, "ab" PHRASE_UTF8);
    kz_buf_release(&out);
    kz_buf_init(&out, 2 + 26);
    KT_EQ_INT(kz_buf_adds(&out, "ab"), 0);
    KT_EQ_INT(kz_charset_decode(NULL, PHRASE_1251, sizeof PHRASE_1251 - 1,
                                "text/html; charset=cp1251", KZ_CHARSET_HTML, &out, NULL), KZ_ETOOBIG);
    KT_EQ_STR(out.p, "ab");
    kz_buf_release(&out);
    /* replacements: the UTF-8 phrase and a stray byte are 27 + 3 bytes */
    static const char stray[] = PHRASE_UTF8 "\xff";
    kz_buf_init(&out, 30);
    KT_EQ_INT(kz_charset_decode(NULL, stray, sizeof stray - 1, NULL, KZ_CHARSET_TEXT, &out, NULL), 0);
    KT_EQ_STR(out.p, PHRASE_UTF8 "\xef\xbf\xbd");
    kz_buf_release(&out);
    kz_buf_init(&out, 29);
    KT_EQ_INT(kz_charset_decode(NULL, stray, sizeof stray - 1, NULL, KZ_CHARSET_TEXT, &out, NULL),
              KZ_ETOOBIG);
    KT_CHECK(out.len == 0);
    kz_buf_release(&out);
}

/* ---- nothing declared: the bytes decide ---- */

/* A short post, its bytes in a charset (iconv) and what kuzet reads */
static void undeclared(const char *utf8, const char *iconv_to, const char *want)
{
    kz_buf b, out;
    kz_charset_info in;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    iconv_t cd = iconv_open(iconv_to, "UTF-8");
    KT_CHECK(cd != (iconv_t)-1);
    if (cd == (iconv_t)-1)
        return;
    KT_EQ_INT(kz_buf_grow(&b, strlen(utf8) + 1), 0);
    char *ip = (char *)utf8, *op = b.p;
    size_t il = strlen(utf8), ol = b.cap - 1;
    KT_CHECK(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    b.len = (size_t)(op - b.p);
    KT_EQ_INT(kz_charset_decode(NULL, b.p, b.len, "text/html", KZ_CHARSET_HTML, &out, &in), 0);
    KT_EQ_STR(in.name, want);
    KT_EQ_INT(in.source, strcmp(want, "utf-8") ? KZ_CHARSET_DETECTED : KZ_CHARSET_DEFAULT);
    KT_EQ_STR(out.p ? out.p : "", utf8);
    KT_EQ_INT(in.replaced, 0);
    KT_EQ_STR(kz_charset_source_name(in.source), strcmp(want, "utf-8") ? "detected" : "default");
    kz_buf_release(&b);
    kz_buf_release(&out);
}

#define RU_POST "<p>Продаю детскую коляску в хорошем состоянии, звоните после шести.</p>"
/* Kazakh as it is written in a code page without its letters (ә→а, қ→к...) */
#define KK_POST_8BIT "<p>Балалар арбасын сатамын, жагдайы жаксы, алтыдан кейiн хабарласыныз.</p>"
#define KK_POST "<p>Балалар арбасын сатамын, жағдайы жақсы, алтыдан кейін хабарласыңыз.</p>"

KT_TEST(charset_undeclared)
{
    undeclared(RU_POST, "WINDOWS-1251", "windows-1251");
    undeclared(RU_POST, "KOI8-R", "koi8-r");
    undeclared(RU_POST, "IBM866", "ibm866");
    undeclared(RU_POST, "ISO-8859-5", "iso-8859-5");
    undeclared(RU_POST, "UTF-8", "utf-8");
    undeclared(KK_POST_8BIT, "WINDOWS-1251", "windows-1251");
    undeclared(KK_POST_8BIT, "KOI8-R", "koi8-r");
    undeclared(KK_POST_8BIT, "IBM866", "ibm866");
    undeclared(KK_POST_8BIT, "ISO-8859-5", "iso-8859-5");
    /* Kazakh letters: UTF-8, and KZ-1048 (which detectors call windows-1251) */
    undeclared(KK_POST, "UTF-8", "utf-8");
    undeclared(KK_POST, "RK1048", "kz-1048");
    /* English is ASCII, read as UTF-8 */
    undeclared("<p>Selling a baby stroller in good condition, call after six.</p>", "UTF-8", "utf-8");
}

KT_TEST(charset_undeclared_order)
{
    kz_charset_info in;
    /* a declaration always wins over the bytes, even when they disagree */
    char *s = decode(NULL, PHRASE_1251, sizeof PHRASE_1251 - 1, "text/html; charset=koi8-r",
                     KZ_CHARSET_HTML, &in);
    KT_EQ_STR(in.name, "koi8-r");
    KT_EQ_INT(in.source, KZ_CHARSET_HEADER);
    free(s);
    s = decode(NULL, PHRASE_1251, sizeof PHRASE_1251 - 1, "text/html; charset=utf-8",
               KZ_CHARSET_HTML, &in);
    KT_EQ_STR(in.name, "utf-8");
    KT_EQ_INT(in.source, KZ_CHARSET_HEADER);
    KT_EQ_INT(in.replaced, 13);
    free(s);
    /* UTF-8 cut inside its last character (a body at --max-body) stays UTF-8 */
    s = decode(NULL, PHRASE_UTF8, sizeof PHRASE_UTF8 - 2, NULL, KZ_CHARSET_HTML, &in);
    KT_EQ_STR(in.name, "utf-8");
    KT_EQ_INT(in.source, KZ_CHARSET_DEFAULT);
    free(s);
    /* two odd bytes: not UTF-8, and some 8-bit charset */
    kz_charset_detect("a \xe0\xe0 b", 6, NULL, KZ_CHARSET_TEXT, &in);
    KT_EQ_INT(in.source, KZ_CHARSET_DETECTED);
    KT_CHECK(in.name[0] != '\0' && strcmp(in.name, "utf-8") != 0);
    KT_EQ_STR(kz_charset_source_name(KZ_CHARSET_HEADER), "header");
}

/* ---- sniffing ---- */

static int sniff(kz_sniff *s, const char *b, size_t n, const char *ct, const char *want_mime)
{
    const char *mime = NULL;
    int t = kz_sniff_body(s, b, n, ct, &mime);
    if (!mime || strcmp(mime, want_mime))
        kt_fail(__FILE__, __LINE__, "sniff \"%.20s\": mime %s, expected %s", b,
                mime ? mime : "(null)", want_mime);
    return t;
}

KT_TEST(sniff_types)
{
    kz_sniff *s = NULL;
    KT_EQ_INT(kz_sniff_new(&s), 0);
    /* HTML served as text/plain, an image served as text/html */
    KT_EQ_INT(sniff(s, "\n <!DOCTYPE html><p>x", 21, "text/plain", "text/html"), KZ_SNIFF_HTML);
    KT_EQ_INT(sniff(s, "\xff\xd8\xff\xe0\0\x10JFIF", 10, "text/html", "image/jpeg"), KZ_SNIFF_IMAGE);
    KT_EQ_INT(sniff(s, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL, "image/png"), KZ_SNIFF_IMAGE);
    KT_EQ_INT(sniff(s, "GIF89a\1\0\1\0", 10, NULL, "image/gif"), KZ_SNIFF_IMAGE);
    KT_EQ_INT(sniff(s, "RIFF\0\0\0\0WEBPVP8 ", 16, NULL, "image/webp"), KZ_SNIFF_IMAGE);
    /* feeds by their root element, after prolog and comments */
    static const char rss[] = "\xef\xbb\xbf<?xml version='1.0'?>\n<?xml-stylesheet href='a'?>"
                              "<!-- c --><!DOCTYPE rss [<!ENTITY x 'y'>]><rss version='2.0'>";
    KT_EQ_INT(sniff(s, rss, sizeof rss - 1, "text/html", "application/rss+xml"), KZ_SNIFF_FEED);
    static const char atom[] = "<feed xmlns=\"http://www.w3.org/2005/Atom\">";
    KT_EQ_INT(sniff(s, atom, sizeof atom - 1, NULL, "application/atom+xml"), KZ_SNIFF_FEED);
    static const char rdf[] = "<?xml version=\"1.0\"?><rdf:RDF xmlns=\"http://purl.org/rss/1.0/\">";
    KT_EQ_INT(sniff(s, rdf, sizeof rdf - 1, NULL, "application/rdf+xml"), KZ_SNIFF_FEED);
    static const char xhtml[] = "<?xml version=\"1.0\"?><html xmlns='http://www.w3.org/1999/xhtml'>";
    KT_EQ_INT(sniff(s, xhtml, sizeof xhtml - 1, "application/xml", "text/html"), KZ_SNIFF_HTML);
    static const char svg[] = "<?xml version=\"1.0\"?><svg xmlns='http://www.w3.org/2000/svg'>";
    KT_EQ_INT(sniff(s, svg, sizeof svg - 1, "text/html", "image/svg+xml"), KZ_SNIFF_OTHER);
    static const char xml[] = "<?xml version=\"1.0\"?><sitemapindex>";
    KT_EQ_INT(sniff(s, xml, sizeof xml - 1, "text/html", "application/xml"), KZ_SNIFF_OTHER);
    /* UTF-16 text */
    static const char u16[] = "\xff\xfe<\0h\0t\0m\0l\0>\0";
    KT_EQ_INT(sniff(s, u16, sizeof u16 - 1, NULL, "text/html"), KZ_SNIFF_HTML);
    /* stray text before the document */
    static const char stray[] = "Warning: something in x.php on line 3\n<!DOCTYPE html><html>";
    KT_EQ_INT(sniff(s, stray, sizeof stray - 1, "text/plain", "text/html"), KZ_SNIFF_HTML);
    /* HTML with NULs in it is still HTML */
    KT_EQ_INT(sniff(s, "<html><p>a\0b\1", 15, NULL, "text/html"), KZ_SNIFF_HTML);
    /* text no pattern decides: the header says */
    KT_EQ_INT(sniff(s, "hello <b>world", 14, "text/html; charset=utf-8", "text/html"), KZ_SNIFF_HTML);
    KT_EQ_INT(sniff(s, "hello <b>world", 14, "text/plain", "text/plain"), KZ_SNIFF_OTHER);
    KT_EQ_INT(sniff(s, "<pre>x", 6, NULL, "text/plain"), KZ_SNIFF_OTHER);
    KT_EQ_INT(sniff(s, "", 0, NULL, "text/plain"), KZ_SNIFF_OTHER);
    KT_EQ_INT(kz_sniff_magic_calls(s), 0);           /* text never reaches libmagic */
    /* binary: libmagic names it, whatever the header says */
    static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\x01\x02\nendobj\n";
    KT_EQ_INT(sniff(s, pdf, sizeof pdf - 1, "text/html", "application/pdf"), KZ_SNIFF_OTHER);
    KT_EQ_INT(kz_sniff_magic_calls(s), 1);
    kz_sniff_free(&s);
    KT_CHECK(s == NULL);
    /* without a handle, no libmagic */
    const char *m = NULL;
    KT_EQ_INT(kz_sniff_body(NULL, "\x01\x02\x03", 3, NULL, &m), KZ_SNIFF_OTHER);
    KT_EQ_STR(m, "application/octet-stream");
}
