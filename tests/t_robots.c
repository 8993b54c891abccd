/*
 * tests/t_robots.c - ingest/robots.c: the API contract (arguments, errors,
 * crawl-delay, sitemaps, URL paths, limits, line numbers).  Matching edge
 * cases ported from Google's test suite live in tests/golden/robots/.
 */
#include "kt.h"
#include "ingest/robots.h"

/* Decide url for agent under body (a C string); 1, 0 or an error code. */
static int decide_n(const char *body, size_t n, const char *agent, const char *url, unsigned *line)
{
    kz_robots *r = NULL;
    int rc = kz_robots_parse(&r, body, n);
    if (rc)
        return rc;
    rc = kz_robots_allowed(r, agent, url, strlen(url), line, NULL);
    kz_robots_free(&r);
    return rc;
}

static int decide(const char *body, const char *agent, const char *url)
{
    return decide_n(body, strlen(body), agent, url, NULL);
}

KT_TEST(robots_arguments)
{
    kz_robots *r = (kz_robots *)1;
    KT_EQ_INT(kz_robots_parse(NULL, "", 0), KZ_EINVAL);
    KT_EQ_INT(kz_robots_parse(&r, NULL, 3), KZ_EINVAL);
    KT_CHECK(r == NULL);
    KT_EQ_INT(kz_robots_parse(&r, NULL, 0), 0);
    KT_CHECK(r != NULL);
    const char *why = "x";
    KT_EQ_INT(kz_robots_allowed(r, "", "http://a/", 9, NULL, &why), KZ_EINVAL);
    KT_EQ_STR(why, "agent has no product token (letters, '-' or '_')");
    KT_EQ_INT(kz_robots_allowed(r, "*", "http://a/", 9, NULL, NULL), KZ_EINVAL);
    KT_EQ_INT(kz_robots_allowed(r, NULL, "http://a/", 9, NULL, NULL), KZ_EINVAL);
    KT_EQ_INT(kz_robots_allowed(NULL, "a", "http://a/", 9, NULL, NULL), KZ_EINVAL);
    KT_EQ_INT(kz_robots_allowed(r, "FooBot", "http://a/", 9, NULL, &why), 1);
    KT_CHECK(why == NULL);
    KT_EQ_INT(kz_robots_allowed_path(r, "FooBot", NULL, 0, NULL), 1);
    KT_EQ_INT(kz_robots_crawl_delay(r, "/x", NULL), KZ_EINVAL);
    KT_EQ_INT(kz_robots_sitemap_count(r), 0);
    KT_CHECK(kz_robots_sitemap(r, 0) == NULL);
    KT_EQ_INT(kz_robots_sitemap_count(NULL), 0);
    kz_robots_free(&r);
    KT_CHECK(r == NULL);
    kz_robots_free(&r);
    kz_robots_free(NULL);
}

KT_TEST(robots_product_token)
{
    KT_EQ_INT(kz_robots_product_token("Googlebot/2.1"), 9);
    KT_EQ_INT(kz_robots_product_token("Foo_Bar-baz qux"), 11);
    KT_EQ_INT(kz_robots_product_token(" Foo"), 0);
    KT_EQ_INT(kz_robots_product_token("\xe3\x83\x84"), 0);
    KT_EQ_INT(kz_robots_product_token(NULL), 0);
    /* The agent is cut the same way as the user-agent values. */
    const char *b = "User-agent: *\nDisallow: /\nUser-agent: FooBot/1.0 (+http://x)\nAllow: /\n";
    KT_EQ_INT(decide(b, "foobot/9", "http://h/a"), 1);
    KT_EQ_INT(decide(b, "FooBotX", "http://h/a"), 0);
    KT_EQ_INT(decide(b, "Foo", "http://h/a"), 0);
}

KT_TEST(robots_decisions)
{
    const char *b =
        "user-agent: FooBot\n"
        "disallow: /\n"
        "allow: /fish\n"
        "allow: /*.php$\n"
        "disallow: /fish/private\n"
        "allow: /fish/private/\n";
    KT_EQ_INT(decide(b, "FooBot", "http://h/"), 0);
    KT_EQ_INT(decide(b, "FooBot", "http://h/fishheads"), 1);
    KT_EQ_INT(decide(b, "FooBot", "http://h/a/b.php"), 1);
    KT_EQ_INT(decide(b, "FooBot", "http://h/a/b.php?x"), 0);
    KT_EQ_INT(decide(b, "FooBot", "http://h/fish/privateer"), 0);
    KT_EQ_INT(decide(b, "FooBot", "http://h/fish/private/"), 1);   /* tie: allow wins */
    KT_EQ_INT(decide(b, "OtherBot", "http://h/"), 1);              /* no group: allowed */
    /* Wildcard pieces must not overlap the anchored end. */
    const char *c = "user-agent: *\ndisallow: /a*ab$\ndisallow: /*x*y*z\n";
    KT_EQ_INT(decide(c, "Bot", "http://h/ab"), 1);
    KT_EQ_INT(decide(c, "Bot", "http://h/aab"), 0);
    KT_EQ_INT(decide(c, "Bot", "http://h/a-ab"), 0);
    KT_EQ_INT(decide(c, "Bot", "http://h/a-ab/"), 1);
    KT_EQ_INT(decide(c, "Bot", "http://h/zyx-x-y-z"), 0);
    KT_EQ_INT(decide(c, "Bot", "http://h/zyx-x-z-y"), 1);
}

KT_TEST(robots_line_numbers)
{
    const char *b = "User-agent: *\r\nDisallow: /a\r\n\r\nAllow: /a/b\rDisallow: /a/b/c\n";
    unsigned line = 99;
    KT_EQ_INT(decide_n(b, strlen(b), "x", "/a/x", &line), 0);
    KT_EQ_INT(line, 2);
    KT_EQ_INT(decide_n(b, strlen(b), "x", "/a/bx", &line), 1);
    KT_EQ_INT(line, 4);
    KT_EQ_INT(decide_n(b, strlen(b), "x", "/a/b/cd", &line), 0);
    KT_EQ_INT(line, 5);
    KT_EQ_INT(decide_n(b, strlen(b), "x", "/b", &line), 1);
    KT_EQ_INT(line, 0);
    KT_EQ_INT(decide_n(b, strlen(b), "x", "/robots.txt", &line), 1);
    KT_EQ_INT(line, 0);
}

KT_TEST(robots_robots_txt_always_allowed)
{
    const char *b = "user-agent: *\ndisallow: /\n";
    KT_EQ_INT(decide(b, "x", "https://h/robots.txt"), 1);
    KT_EQ_INT(decide(b, "x", "https://h/robots.txt#top"), 1);
    KT_EQ_INT(decide(b, "x", "https://h/robots.txt?x"), 0);
    KT_EQ_INT(decide(b, "x", "https://h/a/robots.txt"), 0);
}

KT_TEST(robots_crawl_delay)
{
    kz_robots *r = NULL;
    const char *b =
        "crawl-delay: 99\n"                 /* outside any group: ignored */
        "User-agent: *\n"
        "Crawl-delay: 10\n"
        "Disallow: /x\n"
        "User-agent: FooBot\n"
        "crawl-delay: 1.5\n"
        "User-agent: BarBot\n"              /* same group as FooBot */
        "Disallow: /y\n"
        "User-agent: FooBot\n"
        "Crawl-Delay: 3\n"                  /* merged: the largest applies */
        "User-agent: QuxBot\n"             /* crawl-delay ends no group: FooBot's */
        "Allow: /\n"
        "User-agent: NoneBot\n"
        "Allow: /\n"
        "User-agent: BadBot\n"
        "Crawl-delay: soon\n"
        "Crawl-delay: -1\n"
        "Crawl-delay: 1e3\n"
        "Disallow: /\n"
        "User-agent: *\n"
        "crawl delay: 12\n";
    KT_EQ_INT(kz_robots_parse(&r, b, strlen(b)), 0);
    double d = -7;
    KT_EQ_INT(kz_robots_crawl_delay(r, "FooBot/2", &d), 1);
    KT_CHECK(d == 3.0);
    KT_EQ_INT(kz_robots_crawl_delay(r, "barbot", &d), 1);
    KT_CHECK(d == 1.5);
    KT_EQ_INT(kz_robots_crawl_delay(r, "Unknown", &d), 1);
    KT_CHECK(d == 12.0);
    KT_EQ_INT(kz_robots_crawl_delay(r, "QuxBot", &d), 1);
    KT_CHECK(d == 3.0);
    d = -7;
    KT_EQ_INT(kz_robots_crawl_delay(r, "NoneBot", &d), 0);  /* its own group has none */
    KT_EQ_INT(kz_robots_crawl_delay(r, "BadBot", &d), 0);
    KT_CHECK(d == -7);
    KT_EQ_INT(kz_robots_crawl_delay(r, "NoneBot", NULL), 0);
    kz_robots_free(&r);

    KT_EQ_INT(kz_robots_parse(&r, "User-agent: a\nCrawl-delay: .25\n", 31), 0);
    KT_EQ_INT(kz_robots_crawl_delay(r, "a", &d), 1);
    KT_CHECK(d == 0.25);
    KT_EQ_INT(kz_robots_crawl_delay(r, "b", &d), 0);
    kz_robots_free(&r);
}

KT_TEST(robots_sitemaps)
{
    kz_robots *r = NULL;
    const char *b =
        "Sitemap: https://h/one.xml\n"
        "User-agent: *\n"
        "site-map: https://h/two.xml # comment\n"
        "SITEMAP:https://h/one.xml\n"
        "Sitemap:\n"
        "Sitemaps: https://h/%C3%A9 three.xml\n"
        "Disallow: /\n";
    KT_EQ_INT(kz_robots_parse(&r, b, strlen(b)), 0);
    KT_EQ_INT(kz_robots_sitemap_count(r), 3);
    KT_EQ_STR(kz_robots_sitemap(r, 0), "https://h/one.xml");
    KT_EQ_STR(kz_robots_sitemap(r, 1), "https://h/two.xml");
    KT_EQ_STR(kz_robots_sitemap(r, 2), "https://h/%C3%A9 three.xml");
    /* Sitemap lines do not end a group. */
    KT_EQ_INT(kz_robots_allowed(r, "x", "/a", 2, NULL, NULL), 0);
    kz_robots_free(&r);
}

static void path_is(const char *url, const char *want)
{
    kz_buf b;
    const char *why = NULL;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_robots_url_path(url, strlen(url), &b, &why);
    if (rc)
        kt_fail(__FILE__, __LINE__, "%s: %s", url, why ? why : kz_strerror(rc));
    else if (strcmp(b.p, want) != 0)
        kt_fail(__FILE__, __LINE__, "path of %s is %s, expected %s", url, b.p, want);
    kz_buf_release(&b);
}

static void path_fails(const char *url, size_t n, const char *want_why)
{
    kz_buf b;
    const char *why = NULL;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_robots_url_path(url, n, &b, &why), KZ_EINVAL);
    KT_EQ_STR(why, want_why);
    kz_buf_release(&b);
}

KT_TEST(robots_url_path)
{
    /* Google's TestGetPathParamsQuery, where kuzet agrees. */
    path_is("http://www.example.com", "/");
    path_is("http://www.example.com/", "/");
    path_is("http://www.example.com/a", "/a");
    path_is("http://www.example.com/a/", "/a/");
    path_is("http://www.example.com/a/b?c=http://d.e/", "/a/b?c=http://d.e/");
    path_is("http://www.example.com/a/b?c=d&e=f#fragment", "/a/b?c=d&e=f");
    path_is("example.com", "/");
    path_is("example.com/", "/");
    path_is("example.com/a", "/a");
    path_is("example.com/a/b?c=d&e=f#fragment", "/a/b?c=d&e=f");
    path_is("a", "/");
    path_is("a/b", "/b");
    path_is("/a", "/a");
    path_is("example.com?a", "/?a");
    path_is("example.com/a;b#c", "/a;b");
    path_is("//a/b/c", "/b/c");
    /* kuzet's own */
    path_is("https://user:pw@h:8080/p?q", "/p?q");
    path_is("HTTPS://H/p?", "/p?");
    path_is("http://h#x/y", "/");
    path_is("http://h?q#f", "/?q");
    path_is("example.com:8080/x", "/x");
    path_is("  http://h/a  ", "/a");
    path_is("http://h/caf\xc3\xa9 x", "/caf%C3%A9%20x");
    path_is("http://h/%7euser/%41%2f%2A%e3", "/~user/A%2F%2A%E3");
    path_is("http://h/%zz%4", "/%25zz%254");
    path_is("http://h/a3a%%355br", "/a3a%2555br");   /* found by fuzz_robots */
    path_is("/a3a%2555br", "/a3a%2555br");
    path_fails("", 0, "empty URL");
    path_fails("   ", 3, "empty URL");
    path_fails("http://", 7, "no host");
    path_fails("http:///a", 9, "no host");
    path_fails("//", 2, "no host");
    path_fails("?a", 2, "no host");
    path_fails("http://h/a\tb", 12, "control character in URL");
    path_fails("http://h/a\0b", 12, "control character in URL");
    char *big = malloc(KZ_ROBOTS_MAX_URL + 2);
    memset(big, 'a', KZ_ROBOTS_MAX_URL + 1);
    big[0] = '/';
    path_fails(big, KZ_ROBOTS_MAX_URL + 1, "URL longer than 65536 bytes");
    free(big);
}

KT_TEST(robots_percent_encoding)
{
    const char *b =
        "User-agent: *\n"
        "Disallow: /caf\xc3\xa9\n"        /* raw UTF-8 in the rule */
        "Disallow: /%7Euser/\n"           /* escaped unreserved character */
        "Disallow: /a%2fb\n"              /* escaped reserved: stays escaped */
        "Disallow: /sp ace\n"
        "Disallow: /100%\n";
    KT_EQ_INT(decide(b, "x", "http://h/caf%C3%A9/x"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/caf%c3%a9/x"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/caf\xc3\xa9/x"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/cafe"), 1);
    KT_EQ_INT(decide(b, "x", "http://h/~user/x"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/%7euser/x"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/a%2Fb"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/a/b"), 1);
    KT_EQ_INT(decide(b, "x", "http://h/sp%20ace"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/sp ace"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/100%"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/100%25"), 0);
    KT_EQ_INT(decide(b, "x", "http://h/100"), 1);
    /* Priority is the length of the pattern in comparison form:
     * "/%E3%83%84" (10) beats "/" "*" "%83%84" (8). */
    const char *c = "User-agent: *\nAllow: /\xe3\x83\x84\nDisallow: /*%83%84\n";
    KT_EQ_INT(decide(c, "x", "http://h/%E3%83%84"), 1);
}

KT_TEST(robots_allowed_path)
{
    kz_robots *r = NULL;
    const char *b = "User-agent: *\nDisallow: /$\nDisallow: /?\n";
    unsigned line;
    KT_EQ_INT(kz_robots_parse(&r, b, strlen(b)), 0);
    KT_EQ_INT(kz_robots_allowed_path(r, "x", "", 0, &line), 0);      /* "" is "/" */
    KT_EQ_INT(line, 2);
    KT_EQ_INT(kz_robots_allowed_path(r, "x", "?q", 2, &line), 0);    /* "/?q" */
    KT_EQ_INT(line, 3);
    KT_EQ_INT(kz_robots_allowed_path(r, "x", "/a", 2, NULL), 1);
    KT_EQ_INT(kz_robots_allowed_path(r, "x", "/a", KZ_ROBOTS_MAX_URL + 1, NULL), KZ_EINVAL);
    kz_robots_free(&r);
}

KT_TEST(robots_body_limit)
{
    /* A rule that starts before the limit and ends after it is dropped;
     * rules after the limit are never read. */
    size_t n = KZ_ROBOTS_MAX_BODY + 4096;
    char *b = malloc(n);
    memset(b, '\n', n);
    const char *head = "User-agent: *\nDisallow: /early\n";
    memcpy(b, head, strlen(head));
    const char *cut = "Disallow: /cut-by-the-limit\n";
    size_t at = KZ_ROBOTS_MAX_BODY - 10;
    memcpy(b + at, cut, strlen(cut));
    const char *late = "Disallow: /late\n";
    memcpy(b + KZ_ROBOTS_MAX_BODY + 100, late, strlen(late));
    KT_EQ_INT(decide_n(b, n, "x", "/early", NULL), 0);
    KT_EQ_INT(decide_n(b, n, "x", "/cut", NULL), 1);
    KT_EQ_INT(decide_n(b, n, "x", "/late", NULL), 1);
    /* A line that ends exactly at the limit is kept. */
    memset(b, '\n', n);
    memcpy(b, head, strlen(head));
    memcpy(b + KZ_ROBOTS_MAX_BODY - strlen(cut) + 1, cut, strlen(cut));
    KT_EQ_INT(b[KZ_ROBOTS_MAX_BODY], '\n');
    KT_EQ_INT(decide_n(b, n, "x", "/cut-by-the-limit", NULL), 0);
    /* ... and without a newline after it, only when the body ends there. */
    KT_EQ_INT(decide_n(b, KZ_ROBOTS_MAX_BODY, "x", "/cut-by-the-limit", NULL), 0);
    free(b);
}

KT_TEST(robots_long_line)
{
    /* Only KZ_ROBOTS_MAX_LINE bytes of a line are read. */
    size_t n = 40000;
    char *b = malloc(n + 64);
    int k = snprintf(b, 64, "User-agent: *\nDisallow: /");
    size_t lstart = strlen("User-agent: *\n");
    memset(b + k, 'a', n - (size_t)k);
    memcpy(b + n - 4, "/qux", 4);
    char *url = malloc(n + 8);
    size_t keep = KZ_ROBOTS_MAX_LINE - strlen("Disallow: ");
    memcpy(url, b + lstart + strlen("Disallow: "), keep);
    url[keep] = '\0';
    KT_EQ_INT(decide_n(b, n, "x", url, NULL), 0);
    url[keep - 1] = '\0';
    KT_EQ_INT(decide_n(b, n, "x", url, NULL), 1);
    free(url);
    free(b);
}

KT_TEST(robots_worst_case_is_fast)
{
    /* 500 KiB of wildcard rules against a 64 KiB URL: the matcher is
     * linear per rule, so this takes well under a second. */
    size_t n = KZ_ROBOTS_MAX_BODY;
    char *b = malloc(n);
    size_t o = (size_t)snprintf(b, 64, "User-agent: *\n");
    while (o + 40 < n) {
        memcpy(b + o, "Disallow: /*a*a*a*a*a*a*a*a*a*a*b\n", 34);
        o += 34;
    }
    char *url = malloc(KZ_ROBOTS_MAX_URL + 1);
    memset(url, 'a', KZ_ROBOTS_MAX_URL);
    url[0] = '/';
    url[KZ_ROBOTS_MAX_URL] = '\0';
    KT_EQ_INT(decide_n(b, o, "x", url, NULL), 1);
    url[KZ_ROBOTS_MAX_URL - 1] = 'b';
    KT_EQ_INT(decide_n(b, o, "x", url, NULL), 0);
    free(url);
    free(b);
}
