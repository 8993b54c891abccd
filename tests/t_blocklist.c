/*
 * tests/t_blocklist.c - the blocklist lookup: growth, first id wins,
 * most specific entry first, URLs read as a browser reads them.
 */
#include "kt.h"
#include "act/blocklist.h"

KT_TEST(blocklist_grows_and_finds_everything)
{
    kz_blocklist *b = kz_blocklist_new();
    kz_blocklist_ctx c;
    kz_blocklist_ctx_init(&c);
    char host[64], url[96];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(host, sizeof host, "h%d.example.kz", i);
        KT_EQ_INT(kz_blocklist_add_domain(b, host, (size_t)n, i + 1, NULL), 0);
    }
    KT_EQ_INT(kz_blocklist_size(b), 20000);
    for (int i = 0; i < 20000; i += 997) {
        int n = snprintf(url, sizeof url, "https://www.h%d.example.kz/a/b?c", i);
        int64_t id = 0;
        const char *e = NULL;
        KT_EQ_INT(kz_blocklist_check(b, &c, url, (size_t)n, &id, &e), 1);
        KT_EQ_INT(id, i + 1);
    }
    int64_t id;
    const char *e;
    KT_EQ_INT(kz_blocklist_check(b, &c, "http://example.kz/", 18, &id, &e), 0);
    kz_blocklist_ctx_release(&c);
    kz_blocklist_free(b);
}

KT_TEST(blocklist_first_id_wins_most_specific_first)
{
    kz_blocklist *b = kz_blocklist_new();
    kz_blocklist_ctx c;
    kz_blocklist_ctx_init(&c);
    KT_EQ_INT(kz_blocklist_add_domain(b, "shop.kz", 7, 1, NULL), 0);
    KT_EQ_INT(kz_blocklist_add_domain(b, "SHOP.KZ.", 8, 2, NULL), 0);        /* same entry */
    KT_EQ_INT(kz_blocklist_add_url(b, "http://shop.kz/bad/", 19, 3, NULL), 0);
    KT_EQ_INT(kz_blocklist_size(b), 2);
    int64_t id = 0;
    const char *e = NULL;
    KT_EQ_INT(kz_blocklist_check(b, &c, "http://shop.kz/bad/x", 20, &id, &e), 1);
    KT_EQ_INT(id, 3);                                                       /* the path entry */
    KT_EQ_STR(e, "shop.kz/bad/");
    KT_EQ_INT(kz_blocklist_check(b, &c, "http://shop.kz/ok", 17, &id, &e), 1);
    KT_EQ_INT(id, 1);
    const char *why = NULL;
    KT_EQ_INT(kz_blocklist_add_url(b, "gopher://x/", 11, 4, &why), KZ_EINVAL);
    KT_CHECK(why && strstr(why, "unsupported scheme"));
    kz_blocklist_ctx_release(&c);
    kz_blocklist_free(b);
}

KT_TEST(blocklist_reads_urls_as_a_browser_does)
{
    kz_blocklist *b = kz_blocklist_new();
    kz_blocklist_ctx c;
    kz_blocklist_ctx_init(&c);
    KT_EQ_INT(kz_blocklist_add_domain(b, "evil.com", 8, 1, NULL), 0);
    KT_EQ_INT(kz_blocklist_add_url(b, "http://shop.kz/bad%5C", 21, 2, NULL), 0);
    KT_EQ_INT(kz_blocklist_add_domain(b, "http://x%2f@bad.kz/", 19, 3, NULL), 0);
    static const struct { const char *url; int rc; int64_t id; } v[] = {
        { "http://good.com%2f@evil.com/", 1, 1 },
        { "http://evil.com%2f@good.com/", 0, 0 },
        { "http:\\\\evil.com\\x", 1, 1 },
        { "http://good.com\\@evil.com/", 0, 0 },
        { "https://u:p@WWW.EVIL.COM.:8443/", 1, 1 },
        { "http://shop.kz/bad\\x", 1, 2 },
        { "http://shop.kz/bad%5cx", 1, 2 },
        { "http://bad.kz/", 1, 3 },
        { "http://x/", 0, 0 },
        { "http://1.2.3.4.5/", KZ_EINVAL, 0 },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(v); i++) {
        int64_t id = 0;
        const char *e = NULL;
        int rc = kz_blocklist_check(b, &c, v[i].url, strlen(v[i].url), &id, &e);
        if (rc != v[i].rc || (rc == 1 && id != v[i].id))
            kt_fail(__FILE__, __LINE__, "%s: rc %d id %lld, expected rc %d id %lld", v[i].url, rc,
                    (long long)id, v[i].rc, (long long)v[i].id);
    }
    KT_EQ_STR(c.url.why, "bad IPv4 address");
    kz_blocklist_ctx_release(&c);
    kz_blocklist_free(b);
}
