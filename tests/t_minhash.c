/*
 * tests/t_minhash.c - MinHash signatures of text and the LSH index
 * (detect/minhash.h).
 */
#include "kt.h"
#include "detect/minhash.h"

static const char base[] =
    "Продам недорого в центре города возле старого парка у фонтана, пишите в личку, "
    "доставка каждый день после обеда, оплата только переводом на карту";

KT_TEST(minhash_text_and_hex)
{
    kz_minhash *m = kz_minhash_new();
    kz_minhash_sig a, b, c;
    size_t n = 0;
    char hex[KZ_MINHASH_HEXLEN + 1];
    KT_EQ_INT(kz_minhash_text(m, base, strlen(base), &a, &n), 0);
    KT_EQ_INT((int)n, 22);                                  /* 23 words, 22 pairs */
    /* evasions fold before hashing: the same signature */
    static const char loud[] = "ПРОДАМ нeдорого в центре города возле старого парка у фонтана, пишите в "
                               "личку, доставка каждый день после обеда, оплата только переводом на карту";
    KT_EQ_INT(kz_minhash_text(m, loud, strlen(loud), &b, NULL), 0);
    KT_EQ_INT(kz_minhash_distance(&a, &b), 0);
    kz_minhash_to_hex(&a, hex);
    KT_EQ_INT((int)strlen(hex), KZ_MINHASH_HEXLEN);
    KT_EQ_INT(kz_minhash_from_hex(hex, strlen(hex), &c), 0);
    KT_EQ_INT(kz_minhash_distance(&a, &c), 0);
    hex[5] = 'x';
    KT_EQ_INT(kz_minhash_from_hex(hex, strlen(hex), &c), KZ_EINVAL);
    KT_EQ_INT(kz_minhash_from_hex(hex, 10, &c), KZ_EINVAL);
    /* no words: no shingles, all zero */
    KT_EQ_INT(kz_minhash_text(m, " ,.! ", 5, &c, &n), 0);
    KT_EQ_INT((int)n, 0);
    KT_EQ_INT(c.v[0] | c.v[KZ_MINHASH_K - 1], 0);
    kz_minhash_free(m);
}

KT_TEST(minhash_index_finds_edited_copy_only)
{
    kz_minhash *m = kz_minhash_new();
    kz_minhash_index *ix = kz_minhash_index_new();
    kz_minhash_sig a, copy, other;
    static const char edited[] =
        "Продам недорого в центре города возле нового парка у фонтана, пишите в личку, "
        "доставка каждый вечер после обеда, оплата только переводом на карту";
    static const char unrelated[] = "Завтра в школе концерт, приходите всей семьёй к шести часам вечера";
    KT_EQ_INT(kz_minhash_text(m, base, strlen(base), &a, NULL), 0);
    KT_EQ_INT(kz_minhash_text(m, edited, strlen(edited), &copy, NULL), 0);
    KT_EQ_INT(kz_minhash_text(m, unrelated, strlen(unrelated), &other, NULL), 0);
    KT_CHECK(kz_minhash_distance(&a, &copy) <= KZ_MINHASH_THRESHOLD);
    KT_CHECK(kz_minhash_distance(&a, &other) > KZ_MINHASH_THRESHOLD);
    KT_EQ_INT(kz_minhash_index_add(ix, &other, 7), 0);
    KT_EQ_INT(kz_minhash_index_add(ix, &a, 42), 0);
    uint32_t ids[4];
    int d[4];
    KT_EQ_INT((int)kz_minhash_index_query(ix, &copy, KZ_MINHASH_THRESHOLD, ids, d, 4), 0);  /* not built */
    KT_EQ_INT(kz_minhash_index_build(ix), 0);
    KT_EQ_INT((int)kz_minhash_index_size(ix), 2);
    KT_EQ_INT((int)kz_minhash_index_query(ix, &copy, KZ_MINHASH_THRESHOLD, ids, d, 4), 1);
    KT_EQ_INT((int)ids[0], 42);
    KT_EQ_INT(d[0], kz_minhash_distance(&a, &copy));
    KT_EQ_INT((int)kz_minhash_index_query(ix, &copy, 0, ids, d, 4), 0);       /* stricter */
    kz_minhash_index_free(ix);
    kz_minhash_free(m);
}
