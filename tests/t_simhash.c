/*
 * tests/t_simhash.c - detect/simhash: the value is stable, evasions fold,
 * edited copies stay close and unrelated texts stay far.
 */
#include "kt.h"
#include "detect/simhash.h"
#include <stdlib.h>

static const char *words[] = {
    "закладка", "магазин", "доставка", "город", "район", "цена", "товар", "качество",
    "быстро", "надежно", "заказ", "писать", "сегодня", "завтра", "ночью", "адрес",
    "бала", "мектеп", "кітап", "жазу", "оқу", "қала", "ауыл", "тамақ", "үй", "жол",
    "market", "order", "price", "delivery", "quality", "today", "night", "street",
    "новый", "старый", "большой", "маленький", "хороший", "плохой", "первый", "второй",
    "жаңа", "ескі", "үлкен", "кіші", "жақсы", "жаман", "бірінші", "екінші",
};

static uint64_t rs = 12345;
static size_t rnd(size_t n)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (size_t)(rs % n);
}

/* n random words from the list, a full stop every 8 */
static char *make_text(size_t n, uint64_t seed)
{
    char *s = malloc(n * 24 + 1), *o = s;
    rs = seed;
    for (size_t i = 0; i < n; i++) {
        const char *w = words[rnd(KZ_ARRAY_LEN(words))];
        size_t l = strlen(w);
        memcpy(o, w, l);
        o += l;
        if (i % 8 == 7)
            *o++ = '.';
        *o++ = ' ';
    }
    *o = '\0';
    return s;
}

static uint64_t sh(kz_simhash *s, const char *t)
{
    uint64_t h = 0;
    KT_EQ_INT(kz_simhash_text(s, t, strlen(t), &h), 0);
    return h;
}

KT_TEST(simhash_stable_value)
{
    kz_simhash *s = kz_simhash_new();
    char hex[KZ_SIMHASH_HEXLEN + 1];
    KT_CHECK(s != NULL);
    uint64_t h = sh(s, "Закладки в нашем магазине: быстрая доставка по городу, "
                       "лучшее качество товара, пишите сегодня.");
    kz_simhash_to_hex(h, hex);
    KT_EQ_STR(hex, "599042c102446d33");
    /* a short text: single words */
    kz_simhash_to_hex(sh(s, "Hello world"), hex);
    KT_EQ_STR(hex, "410a042a81410840");
    KT_EQ_INT(sh(s, ""), 0);
    KT_EQ_INT(sh(s, " ... !!! "), 0);
    kz_simhash_free(s);
    kz_simhash_free(NULL);
}

KT_TEST(simhash_identical_and_evasions)
{
    kz_simhash *s = kz_simhash_new();
    const char *base = "закладка в нашем магазине быстрая доставка по городу лучшее качество "
                       "товара пишите сегодня ночью адрес в личку";
    uint64_t h = sh(s, base);
    KT_EQ_INT(kz_simhash_distance(h, sh(s, base)), 0);
    /* case, Latin look-alikes (a, o, e, p, c), spacing, zero-width space */
    KT_EQ_INT(kz_simhash_distance(h, sh(s, "ЗАКЛАДКА в НАШЕМ магазине быстрая доставка по городу "
                                           "лучшее качество товара пишите сегодня ночью адрес в личку")), 0);
    KT_EQ_INT(kz_simhash_distance(h, sh(s, "зaклaдкa в нашем мaгaзинe быстрая дoстaвкa пo гoрoду "
                                           "лучшее качество товара пишите сегодня ночью адрес в личку")), 0);
    KT_EQ_INT(kz_simhash_distance(h, sh(s, "з а к л а д к а, в нашем магазине быстрая доставка по "
                                           "го\xe2\x80\x8bроду лучшее качество товара пишите сегодня "
                                           "ночью адрес в личку")), 0);
    /* one word of 19 changed: 3 of 17 shingles differ; closer than chance (32) */
    int d = kz_simhash_distance(h, sh(s, "закладка в нашем магазине быстрая доставка по городу "
                                         "лучшее качество товара пишите завтра ночью адрес в личку"));
    KT_CHECK(d > 0 && d <= 20);
    kz_simhash_free(s);
}

KT_TEST(simhash_edits_and_unrelated)
{
    kz_simhash *s = kz_simhash_new();
    int far = 0, near = 0;
    for (uint64_t k = 0; k < 40; k++) {
        char *a = make_text(120, 1000 + k), *b = make_text(120, 5000 + k);
        uint64_t ha = sh(s, a), hb = sh(s, b);
        far += kz_simhash_distance(ha, hb) > KZ_SIMHASH_THRESHOLD;
        /* substitute about 3% of the words: replace every 32nd word with "жаңалық" */
        char *c = malloc(strlen(a) + 400), *o = c;
        size_t wn = 0;
        for (const char *p = a; *p;) {
            const char *q = p;
            while (*q && *q != ' ')
                q++;
            if (wn++ % 32 == 5) {
                memcpy(o, "жаңалық", strlen("жаңалық"));
                o += strlen("жаңалық");
            } else {
                memcpy(o, p, (size_t)(q - p));
                o += q - p;
            }
            while (*q == ' ')
                *o++ = *q++;
            p = q;
        }
        *o = '\0';
        near += kz_simhash_distance(ha, sh(s, c)) <= KZ_SIMHASH_THRESHOLD;
        free(a);
        free(b);
        free(c);
    }
    KT_EQ_INT(far, 40);
    KT_CHECK(near >= 34);
    kz_simhash_free(s);
}
