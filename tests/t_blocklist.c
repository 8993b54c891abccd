/*
 * tests/t_blocklist.c - the blocklist lookup: growth, first id wins,
 * most specific entry first.
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
