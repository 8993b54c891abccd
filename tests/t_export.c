/*
 * tests/t_export.c - the blocklist exports (act/export.h): what each format
 * writes and leaves out, names the DNS formats refuse, Squid regexes that
 * match what kuzet check matches, hash prefixes, and the list-file loader.
 */
#include "kt.h"
#include "act/export.h"
#include "url/url.h"
#include <regex.h>
#include <stdlib.h>

struct rej { size_t n; size_t idx[16]; char why[16][200]; };

static void on_reject(void *arg, const kz_export_entry *e, size_t i, const char *why)
{
    struct rej *r = arg;
    (void)e;
    if (r->n < 16) {
        r->idx[r->n] = i;
        snprintf(r->why[r->n], sizeof r->why[0], "%s", why);
    }
    r->n++;
}

static char *run(int fmt, const kz_export_entry *e, size_t n, kz_export_opts *o, struct rej *r)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    size_t nrej = 99;
    o->reject = on_reject;
    o->arg = r;
    memset(r, 0, sizeof *r);
    KT_EQ_INT(kz_export_write(&b, fmt, e, n, o, &nrej), 0);
    KT_EQ_INT(nrej, r->n);
    char *s = kz_strdup(b.p ? b.p : "");
    kz_buf_release(&b);
    return s;
}

/* the lines of s that do not start with c (comments), joined with '|' */
static char *body(const char *s, char c)
{
    char *o = calloc(1, strlen(s) + 1), *w = o;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n && s[0] != c) {
            if (w != o) *w++ = '|';
            memcpy(w, s, n);
            w += n;
        }
        s += n + (nl != NULL);
    }
    *w = '\0';
    return o;
}

KT_TEST(export_format_names)
{
    for (int f = 0; f < KZ_EXPORT__COUNT; f++)
        KT_EQ_INT(kz_export_format_parse(kz_export_format_name(f)), f);
    KT_EQ_INT(kz_export_format_parse("bind"), KZ_EINVAL);
    KT_CHECK(kz_export_format_name(KZ_EXPORT__COUNT) == NULL);
    kz_buf b;
    kz_buf_init(&b, 100);
    KT_EQ_INT(kz_export_write(&b, 99, NULL, 0, NULL, NULL), KZ_EINVAL);
    kz_export_opts o = { .landing = "bad_host" };
    KT_EQ_INT(kz_export_write(&b, KZ_EXPORT_RPZ, NULL, 0, &o, NULL), KZ_EINVAL);
    kz_buf_release(&b);
}

KT_TEST(export_dns_names)
{
    KT_CHECK(kz_export_name_why("example.com") == NULL);
    KT_CHECK(kz_export_name_why("example.com.") == NULL);
    KT_CHECK(kz_export_name_why("xn--e1afmkfd.xn--p1ai") == NULL);
    KT_CHECK(kz_export_name_why("a-b.c0") == NULL);
    KT_CHECK(kz_export_name_why("a_b.kz") != NULL);
    KT_CHECK(kz_export_name_why("-a.kz") != NULL);
    KT_CHECK(kz_export_name_why("a-.kz") != NULL);
    KT_CHECK(kz_export_name_why("a..kz") != NULL);
    KT_CHECK(kz_export_name_why("1.2.3.4") != NULL);
    KT_CHECK(kz_export_name_why("host%23.kz") != NULL);
    KT_CHECK(kz_export_name_why("") != NULL);
    char l63[80], l64[80], long_name[300];
    memset(l63, 'a', 63); memcpy(l63 + 63, ".kz", 4);
    memset(l64, 'a', 64); memcpy(l64 + 64, ".kz", 4);
    KT_CHECK(kz_export_name_why(l63) == NULL);
    KT_CHECK(kz_export_name_why(l64) != NULL);
    /* 4 labels of 63 + 3 dots = 255 > 253 */
    snprintf(long_name, sizeof long_name, "%.63s.%.63s.%.63s.%.63s", l63, l63, l63, l63);
    KT_CHECK(kz_export_name_why(long_name) != NULL);
    long_name[251] = '\0';          /* 251 bytes: fits alone */
    KT_CHECK(kz_export_name_why(long_name) == NULL);
}

KT_TEST(export_rpz_writes_names_leaves_out_urls_ips_and_bad_names)
{
    char l63[70], near[300];
    memset(l63, 'b', 63); l63[63] = '\0';
    /* 63*3 + 3 + 50 + 3 = 245 bytes: valid alone, too long with "*." and ".rpz.local" */
    snprintf(near, sizeof near, "%s.%s.%s.%.50s.kz", l63, l63, l63, l63);
    kz_export_entry e[] = {
        { KZ_EXPORT_DOMAIN, "example.com", 10, "Art. 12\nline two", "2026-01-01T00:00:00Z", NULL },
        { KZ_EXPORT_URL, "http://shop.kz/bad/", 11, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "192.168.1.1", 12, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "bad_name.kz", 13, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, near, 14, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "example.com", 15, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "[2001:db8::1]", 16, NULL, NULL, NULL },
    };
    kz_export_opts o = { .serial = 2026112201 };
    struct rej r;
    char *s = run(KZ_EXPORT_RPZ, e, KZ_ARRAY_LEN(e), &o, &r);
    char *b = body(s, ';');
    KT_EQ_STR(b, "$TTL 300|@ IN SOA localhost. hostmaster.localhost. 2026112201 3600 600 86400 300|"
                 "@ IN NS localhost.|example.com CNAME .|*.example.com CNAME .");
    KT_CHECK(strstr(s, "; decision 10; legal basis: Art. 12 line two; in force 2026-01-01T00:00:00Z to -\n"));
    KT_CHECK(strstr(s, "; 1 URL entry left out"));
    KT_CHECK(strstr(s, "; 2 IP-address entries left out"));
    KT_EQ_INT(r.n, 2);
    KT_EQ_INT(r.idx[0], 3);
    KT_EQ_INT(r.idx[1], 4);
    KT_CHECK(strstr(r.why[1], "origin"));
    free(b);
    free(s);

    /* without the origin the long name fits: unbound takes it */
    s = run(KZ_EXPORT_UNBOUND, e, KZ_ARRAY_LEN(e), &o, &r);
    KT_EQ_INT(r.n, 1);
    KT_CHECK(strstr(s, near) != NULL);
    free(s);

    /* a shorter origin, and the landing host */
    o.origin = "z.";
    o.landing = "block.example.kz.";
    o.ttl = 60;
    s = run(KZ_EXPORT_RPZ, e, 1, &o, &r);
    b = body(s, ';');
    KT_EQ_STR(b, "$TTL 60|@ IN SOA localhost. hostmaster.localhost. 2026112201 3600 600 86400 60|"
                 "@ IN NS localhost.|example.com CNAME block.example.kz.|*.example.com CNAME block.example.kz.");
    free(b);
    free(s);
}

KT_TEST(export_unbound_and_hosts)
{
    kz_export_entry e[] = {
        { KZ_EXPORT_DOMAIN, "example.com", 1, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "a.example.com", 2, NULL, NULL, NULL },
        { KZ_EXPORT_URL, "http://x.kz/y", 3, NULL, NULL, NULL },
    };
    kz_export_opts o = { 0 };
    struct rej r;
    char *s = run(KZ_EXPORT_UNBOUND, e, 3, &o, &r);
    char *b = body(s, '#');
    KT_EQ_STR(b, "server:|    # decision 1|    local-zone: \"example.com.\" always_nxdomain|"
                 "    # decision 2|    local-zone: \"a.example.com.\" always_nxdomain");
    free(b);
    free(s);
    o.landing = "landing.kz";
    s = run(KZ_EXPORT_UNBOUND, e, 1, &o, &r);
    KT_CHECK(strstr(s, "    local-zone: \"example.com.\" redirect\n"
                       "    local-data: \"example.com. 300 IN CNAME landing.kz.\"\n"));
    free(s);
    s = run(KZ_EXPORT_HOSTS, e, 3, &o, &r);
    b = body(s, '#');
    KT_EQ_STR(b, "0.0.0.0 example.com|0.0.0.0 a.example.com");
    free(b);
    free(s);
}

KT_TEST(export_squid_domains_removes_overlaps)
{
    kz_export_entry e[] = {
        { KZ_EXPORT_DOMAIN, "a.example.com", 1, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "notexample.com", 2, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "example.com", 3, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "x.y.example.com", 4, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "10.0.0.1", 5, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "[::1]", 6, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "example.com", 7, NULL, NULL, NULL },
    };
    kz_export_opts o = { 0 };
    struct rej r;
    char *s = run(KZ_EXPORT_SQUID_DOMAINS, e, KZ_ARRAY_LEN(e), &o, &r);
    char *b = body(s, '#');
    KT_EQ_STR(b, ".notexample.com|.example.com|10.0.0.1");
    KT_CHECK(strstr(s, "2 names under a listed one left out"));
    KT_CHECK(strstr(s, "1 IPv6-address entry left out"));
    KT_EQ_INT(r.n, 0);
    free(b);
    free(s);
}

/* every regex of the squid-urls export, matched as Squid does (regcomp,
 * REG_EXTENDED), against URLs: 1 when one matches */
static int squid_match(const char *file, const char *url)
{
    int hit = 0;
    char *copy = kz_strdup(file), *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '#')
            continue;
        regex_t re;
        KT_EQ_INT(regcomp(&re, l, REG_EXTENDED | REG_NOSUB), 0);
        hit |= regexec(&re, url, 0, NULL, 0) == 0;
        regfree(&re);
    }
    free(copy);
    return hit;
}

KT_TEST(export_squid_urls_match_like_check)
{
    kz_export_entry e[] = {
        { KZ_EXPORT_URL, "http://shop.kz/bad/", 1, NULL, NULL, NULL },
        { KZ_EXPORT_URL, "https://forum.kz/t/123?page=2", 2, NULL, NULL, NULL },
        { KZ_EXPORT_URL, "http://news.kz/a(1)+[x].html", 3, NULL, NULL, NULL },
        { KZ_EXPORT_URL, "http://10.0.0.1/p", 4, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "example.com", 5, NULL, NULL, NULL },
        { KZ_EXPORT_URL, "not a url", 6, NULL, NULL, NULL },
    };
    kz_export_opts o = { 0 };
    struct rej r;
    char *s = run(KZ_EXPORT_SQUID_URLS, e, KZ_ARRAY_LEN(e), &o, &r);
    KT_EQ_INT(r.n, 1);
    KT_EQ_INT(r.idx[0], 5);
    KT_CHECK(strstr(s, "^https?://([^/:?]+\\.)?news\\.kz(:[0-9]+)?/a\\(1\\)\\+\\[x\\]\\.html([?].*)?$\n"));
    static const struct { const char *url; int hit; } cases[] = {
        { "http://shop.kz/bad/", 1 }, { "http://shop.kz/bad/x/y.html?q", 1 },
        { "http://www.shop.kz:8080/bad/z", 1 }, { "http://shop.kz/bad", 0 },
        { "http://shop.kz/good/", 0 }, { "http://evilshop.kz/bad/", 0 },
        { "http://shop.kz.evil.com/bad/", 0 },
        { "http://forum.kz/t/123?page=2", 1 }, { "http://forum.kz/t/123?page=3", 0 },
        { "http://forum.kz/t/123", 0 },
        { "http://news.kz/a(1)+[x].html", 1 }, { "http://news.kz/a(1)+[x].html?utm=1", 1 },
        { "http://news.kz/a(1)+[x].htmlx", 0 }, { "http://news.kz/a1+x.html", 0 },
        { "http://10.0.0.1/p", 1 }, { "http://x.10.0.0.1/p", 0 },
        { "http://example.com/", 0 },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(cases); i++)
        if (squid_match(s, cases[i].url) != cases[i].hit)
            kt_fail(__FILE__, __LINE__, "%s: expected %s", cases[i].url, cases[i].hit ? "match" : "none");
    free(s);
}

KT_TEST(export_csv_and_json)
{
    kz_export_entry e[] = {
        { KZ_EXPORT_DOMAIN, "example.com", 10, "Law 1, art. \"5\"", "2026-01-01T00:00:00Z",
          "2027-01-01T00:00:00Z" },
        { KZ_EXPORT_URL, "http://x.kz/a,b", 11, NULL, NULL, NULL },
    };
    kz_export_opts o = { 0 };
    struct rej r;
    char *s = run(KZ_EXPORT_CSV, e, 2, &o, &r);
    KT_EQ_STR(s, "kind,target,decision_id,legal_basis,starts,ends\r\n"
                 "domain,example.com,10,\"Law 1, art. \"\"5\"\"\",2026-01-01T00:00:00Z,2027-01-01T00:00:00Z\r\n"
                 "url,\"http://x.kz/a,b\",11,,,\r\n");
    free(s);
    s = run(KZ_EXPORT_JSON, e, 2, &o, &r);
    KT_EQ_STR(s, "{\"kind\":\"domain\",\"target\":\"example.com\",\"decision_id\":10,"
                 "\"legal_basis\":\"Law 1, art. \\\"5\\\"\",\"starts\":\"2026-01-01T00:00:00Z\","
                 "\"ends\":\"2027-01-01T00:00:00Z\"}\n"
                 "{\"kind\":\"url\",\"target\":\"http://x.kz/a,b\",\"decision_id\":11,"
                 "\"legal_basis\":null,\"starts\":null,\"ends\":null}\n");
    free(s);
}

static void hex(const uint8_t *h, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

KT_TEST(export_hash_prefixes_sorted_unique)
{
    kz_export_entry e[] = {
        { KZ_EXPORT_DOMAIN, "example.com", 1, NULL, NULL, NULL },
        { KZ_EXPORT_URL, "https://shop.kz/bad/?q=1", 2, NULL, NULL, NULL },
        { KZ_EXPORT_DOMAIN, "example.com", 3, NULL, NULL, NULL },
    };
    uint8_t h1[32], h2[32];
    KT_EQ_INT(kz_url_hash("example.com/", 12, h1), 0);
    KT_EQ_INT(kz_url_hash("shop.kz/bad/?q=1", 16, h2), 0);
    char a[65], b[65], want[200];
    hex(h1, 32, a);
    hex(h2, 32, b);
    int first = strcmp(a, b) < 0;
    kz_export_opts o = { 0 };
    struct rej r;
    char *s = run(KZ_EXPORT_HASH_PREFIXES, e, 3, &o, &r);
    snprintf(want, sizeof want, "%.8s\n%.8s\n", first ? a : b, first ? b : a);
    KT_EQ_STR(s, want);
    free(s);
    o.full = true;
    s = run(KZ_EXPORT_HASH_PREFIXES, e, 3, &o, &r);
    snprintf(want, sizeof want, "%s\n%s\n", first ? a : b, first ? b : a);
    KT_EQ_STR(s, want);
    free(s);
    /* nothing in, nothing out */
    s = run(KZ_EXPORT_HASH_PREFIXES, e, 0, &o, &r);
    KT_EQ_STR(s, "");
    free(s);
}

struct bad { size_t n; size_t line[8]; };
static void on_bad(void *arg, size_t line, const char *why)
{
    struct bad *b = arg;
    KT_CHECK(why && why[0]);
    if (b->n < 8) b->line[b->n] = line;
    b->n++;
}

KT_TEST(export_list_parse)
{
    static const char text[] =
        "# comment\n"
        "domain EXAMPLE.com. 10\n"
        "\n"
        "url HTTP://Shop.KZ:80/a/../bad/ # trailing comment\r\n"
        "domain http://x.kz/path\n"
        "url ftp://x/ 5\n"
        "domain a.kz 12x\n"
        "domain a.kz 12 more\n"
        "host a.kz\n"
        "domain\n"
        "url http://\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84/ -3";
    kz_export_list l;
    kz_export_list_init(&l);
    struct bad b = { 0 };
    size_t nbad = 0;
    KT_EQ_INT(kz_export_list_parse(&l, text, sizeof text - 1, on_bad, &b, &nbad), 0);
    KT_EQ_INT(l.n, 4);
    KT_EQ_INT(nbad, 5);
    KT_EQ_INT(b.n, 5);
    KT_EQ_INT(b.line[0], 6);
    KT_EQ_INT(b.line[4], 10);
    KT_EQ_STR(l.v[0].target, "example.com");
    KT_EQ_INT(l.v[0].kind, KZ_EXPORT_DOMAIN);
    KT_EQ_INT(l.v[0].id, 10);
    KT_EQ_STR(l.v[1].target, "http://shop.kz/bad/");
    KT_EQ_INT(l.v[1].kind, KZ_EXPORT_URL);
    KT_EQ_INT(l.v[1].id, 4);                   /* the line number */
    KT_EQ_INT(l.line[1], 4);
    KT_EQ_STR(l.v[2].target, "x.kz");
    KT_EQ_STR(l.v[3].target, "http://xn--e1afmkfd.xn--p1ai/");
    KT_EQ_INT(l.v[3].id, -3);
    kz_export_list_release(&l);
    kz_export_list_release(NULL);
    /* NUL bytes and no newline at the end */
    kz_export_list_init(&l);
    KT_EQ_INT(kz_export_list_parse(&l, "domain a\0b.kz 1\ndomain c.kz", 27, NULL, NULL, &nbad), 0);
    KT_EQ_INT(l.n, 2);
    KT_EQ_STR(l.v[0].target, "a%00b.kz");
    kz_export_list_release(&l);
    /* entries are read as a browser reads them: the host it contacts */
    static const char br[] = "domain http://good.kz%2f@bad.kz/x 1\n"
                             "url http:\\\\bad.kz\\a\\b 2\n"
                             "domain a%20b.kz 3\n";
    kz_export_list_init(&l);
    KT_EQ_INT(kz_export_list_parse(&l, br, sizeof br - 1, NULL, NULL, &nbad), 0);
    KT_EQ_INT(nbad, 0);
    KT_EQ_INT(l.n, 3);
    KT_EQ_STR(l.v[0].target, "bad.kz");
    KT_EQ_STR(l.v[1].target, "http://bad.kz/a/b");
    KT_EQ_STR(l.v[2].target, "a%20b.kz");          /* a browser refuses it: as before */
    kz_export_list_release(&l);
}
