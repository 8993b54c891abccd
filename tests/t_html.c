/*
 * tests/t_html.c - ingest/html.c: visible text, separators, title, lang,
 * entities, alt text, hostile nesting and the output limit.
 */
#include "kt.h"
#include "ingest/html.h"

#include <pthread.h>

static kz_buf out;
static kz_html_info info;

static const char *text_of(const char *html)
{
    kz_buf_release(&out);
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    int rc = kz_html_text(html, strlen(html), &out, &info);
    if (rc != 0)
        kt_fail(__FILE__, __LINE__, "kz_html_text: %d", rc);
    return out.p;
}

static const char *title(void)
{
    static char t[256];
    snprintf(t, sizeof t, "%.*s", (int)info.title_len, out.p + info.title_start);
    return t;
}

KT_TEST(html_scripts_and_styles_removed)
{
    KT_EQ_STR(text_of("<p>a</p><script>var x = '<p>no</p>';</script><style>p{}</style>"
                      "<noscript>nojs</noscript><template><p>t</p></template>"
                      "<iframe>if</iframe><svg><text>s</text></svg><p>b</p>"),
              "a\nb");
    kz_buf_release(&out);
}

KT_TEST(html_blocks_separated_inline_joined)
{
    KT_EQ_STR(text_of("<div>one</div><div>two<br>three</div><ul><li>a</li><li>b</li></ul>"
                      "<p>in<b>line</b> <i>run</i></p><table><tr><td>c1</td><td>c2</td></tr>"
                      "<tr><td>d</td></tr></table><h1>H</h1>"),
              "one\ntwo\nthree\na\nb\ninline run\nc1 c2\nd\nH");
    kz_buf_release(&out);
}

KT_TEST(html_whitespace_collapsed_and_trimmed)
{
    KT_EQ_STR(text_of("  \n<p>  a \t\n  b  </p>\n\n<p>\r\n c</p>   "), "a b\nc");
    KT_EQ_STR(text_of(""), "");
    KT_EQ_STR(text_of("   "), "");
    KT_EQ_STR(text_of("plain text"), "plain text");
    kz_buf_release(&out);
}

KT_TEST(html_title_and_lang)
{
    KT_EQ_STR(text_of("<html lang=\"ru\"><head><title>  Новости \n дня </title>"
                      "<meta charset=utf-8></head><body><p>текст</p></body></html>"),
              "Новости дня\nтекст");
    KT_EQ_STR(title(), "Новости дня");
    KT_EQ_STR(info.lang, "ru");
    /* only the first title; a long lang is cut safely */
    text_of("<html lang=' kk-Cyrl-KZ-x-very-long-tag'><title>one</title><title>two</title>");
    KT_EQ_STR(title(), "one");
    KT_EQ_STR(info.lang, "kk-Cyrl-KZ-x-ve");
    text_of("<p>no title</p>");
    KT_EQ_INT(info.title_len, 0);
    KT_EQ_STR(info.lang, "");
    kz_buf_release(&out);
}

KT_TEST(html_title_span_is_in_appended_output)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    kz_buf_adds(&b, "prefix|");
    KT_EQ_INT(kz_html_text("<title>T</title><p>x</p>", 24, &b, &info), 0);
    KT_EQ_STR(b.p, "prefix|T\nx");
    KT_EQ_INT(info.title_start, 7);
    KT_EQ_INT(info.title_len, 1);
    kz_buf_release(&b);
}

KT_TEST(html_entities_decoded)
{
    KT_EQ_STR(text_of("<p>&amp; &lt;b&gt; &quot;q&quot; &#1078;&#x436; &copy; &laquo;x&raquo;</p>"),
              "& <b> \"q\" жж © «x»");
    kz_buf_release(&out);
}

KT_TEST(html_img_alt_kept)
{
    KT_EQ_STR(text_of("<p>before<img src=x alt=\"картинка &amp; alt\">after<img src=y alt=\"\"></p>"),
              "before картинка & alt after");
    kz_buf_release(&out);
}

KT_TEST(html_broken_markup_still_gives_text)
{
    KT_EQ_STR(text_of("<p>un<b>closed <i>tags</p> after</b> <div <span>x</span>"), "unclosed tags\nafter\nx");
    kz_buf_release(&out);
}

KT_TEST(html_windows1251_bytes_pass)
{
    /* the input is UTF-8: invalid bytes become U+FFFD, nothing fails */
    const char *t = text_of("<p>\xcf\xf0\xe8\xe2\xe5\xf2</p>");
    KT_CHECK(t != NULL && strlen(t) > 0);
    kz_buf_release(&out);
}

KT_TEST(html_meta_charset_does_not_switch_utf8)
{
    /* the crawler converted the page already: the meta must not count */
    KT_EQ_STR(text_of("<html><head><meta charset=\"windows-1251\"><title>Заголовок</title></head>"
                      "<body><p>Привет мир</p></body></html>"),
              "Заголовок\nПривет мир");
    KT_EQ_STR(title(), "Заголовок");
    KT_EQ_STR(text_of("<?xml version=\"1.0\" encoding=\"windows-1251\"?><meta http-equiv="
                      "\"Content-Type\" content=\"text/html; charset=koi8-r\"><p>Привет</p>"),
              "Привет");
    kz_buf_release(&out);
}

KT_TEST(html_invalid_utf8_keeps_the_rest)
{
    /* libxml2 alone would read all after the first bad byte as latin-1 */
    KT_EQ_STR(text_of("<p>Привет</p>\xff<p>мир \xe2\x82 и \xd0</p>конец\x01!"),
              "Привет\n\xef\xbf\xbd\nмир \xef\xbf\xbd и \xef\xbf\xbd\nконец\xef\xbf\xbd!");
    KT_EQ_STR(text_of("\xef\xbb\xbf<p>bom</p>"), "bom");
    kz_buf_release(&out);
}

KT_TEST(html_html5_corners)
{
    /* what libxml2's HTML4 parser reads otherwise, made as in HTML5 */
    KT_EQ_STR(text_of("<p>&copy 2020 &#150; &AMP &COPY; &#0; &amp</p><img alt=\"a&copy b\">"),
              "© 2020 – & © \xef\xbf\xbd &\na© b");
    KT_EQ_STR(text_of("<title>a <b>b</b> &amp; c</title><textarea><p>x</p></textarea>"
                      "<xmp>&amp;</xmp><p>y<plaintext><p>z &amp;"),
              "a <b>b</b> & c\n<p>x</p>\n&amp;\ny\n<p>z &amp;");
    KT_EQ_STR(title(), "a <b>b</b> & c");
    KT_EQ_STR(text_of("<!-->a<!--->b<!--x--!>c<![CDATA[x]]>d<!x>e<?php x ?>f</ g>h</>i"), "abcdefhi");
    KT_EQ_STR(text_of("<body>a</body>b"), "ab");
    KT_EQ_STR(text_of("<p>a</p>b</p>c</br>d"), "a\nb\nc\nd");
    KT_EQ_STR(text_of("<head><title>T</title>stray<meta name=x></head><body>body"), "T\nstraybody");
    text_of("x<!doctype html><html lang=kk><p>y");
    KT_EQ_STR(info.lang, "kk");
    kz_buf_release(&out);
}

struct html_thread {
    const char *html;
    int rc;
    char text[64];
};

static void *html_thread_run(void *arg)
{
    struct html_thread *t = arg;
    for (int k = 0; k < 200 && t->rc == 0; k++) {
        kz_buf b;
        kz_buf_init(&b, KZ_BUF_NOLIMIT);
        t->rc = kz_html_text(t->html, strlen(t->html), &b, NULL);
        if (t->rc == 0)
            snprintf(t->text, sizeof t->text, "%s", b.p);
        kz_buf_release(&b);
    }
    return NULL;
}

KT_TEST(html_threads)
{
    struct html_thread t[4] = {
        { "<p>one<p>two", 0, "" }, { "<meta charset=koi8-r><p>три", 0, "" },
        { "<div>a<p>b</x></y>c", 0, "" }, { "<title>t</title><b>x</b>", 0, "" },
    };
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        KT_EQ_INT(pthread_create(&th[i], NULL, html_thread_run, &t[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    KT_EQ_STR(t[0].text, "one\ntwo");
    KT_EQ_STR(t[1].text, "три");
    KT_EQ_STR(t[2].text, "a\nbc");
    KT_EQ_STR(t[3].text, "t\nx");
    for (int i = 0; i < 4; i++)
        KT_EQ_INT(t[i].rc, 0);
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * times + t + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * times, tail, t + 1);
    return s;
}

KT_TEST(html_100000_deep_nesting_survives)
{
    /* "<div></x>": an end tag matching nothing scans the open elements */
    const char *units[] = { "<div>", "<span>", "<b>", "<div/>", "<b><div></b>",
                            "<table><tr><td>", "<p><b>x</p>", "<div></x>", "<span></div>",
                            "<ul><li>", "<title>" };
    for (size_t k = 0; k < KZ_ARRAY_LEN(units); k++) {
        char *s = repeat(units[k], 100000, "deep text");
        KT_CHECK(s != NULL);
        kz_buf b;
        kz_buf_init(&b, KZ_BUF_NOLIMIT);
        KT_EQ_INT(kz_html_text(s, strlen(s), &b, NULL), 0);
        KT_CHECK(b.len >= 9 && memcmp(b.p + b.len - 9, "deep text", 9) == 0);
        kz_buf_release(&b);
        free(s);
    }
}

KT_TEST(html_distinct_formatting_elements_stay_bounded)
{
    /* gumbo reopens every unclosed <b id=N> in each new block */
    size_t n = 20000, k = 0;
    char *s = malloc(n * 32);
    KT_CHECK(s != NULL);
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, 32, "<p><b id=%zu>x</p>", i);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_html_text(s, k, &b, NULL), 0);
    KT_EQ_INT(b.len, 2 * n - 1);
    kz_buf_release(&b);
    free(s);
}

KT_TEST(html_output_limit)
{
    kz_buf b;
    kz_buf_init(&b, 10);
    kz_buf_adds(&b, "ab");
    KT_EQ_INT(kz_html_text("<p>0123456789</p>", 17, &b, &info), KZ_ETOOBIG);
    KT_EQ_STR(b.p, "ab");                    /* left as it was */
    KT_EQ_INT(b.len, 2);
    KT_EQ_INT(kz_html_text("<p>01234567</p>", 15, &b, &info), 0);
    KT_EQ_STR(b.p, "ab01234567");
    kz_buf_release(&b);
}
