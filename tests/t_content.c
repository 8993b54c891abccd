/*
 * tests/t_content.c - an item's whole text kept compressed
 * (src/store/content.c): round trips, the size cap on a character
 * boundary, refusal of what kz_content_pack did not write, and the words
 * around a hit.
 */
#include "kt.h"
#include "store/content.h"
#include <stdlib.h>

KT_TEST(content_round_trip_and_cap)
{
    kz_buf z, back;
    kz_buf_init(&z, KZ_BUF_NOLIMIT);
    kz_buf_init(&back, KZ_BUF_NOLIMIT);
    const char *t = "Продам закладка, пиши в лс\n\0binary\xff tail";
    size_t n = 42;
    KT_EQ_INT(kz_content_pack(t, n, &z), 0);
    KT_EQ_INT(kz_content_unpack(z.p, z.len, &back), 0);
    KT_EQ_INT((int64_t)back.len, (int64_t)n);
    KT_CHECK(memcmp(back.p, t, n) == 0);
    /* the empty text */
    kz_buf_reset(&z);
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_pack("", 0, &z), 0);
    KT_EQ_INT(kz_content_unpack(z.p, z.len, &back), 0);
    KT_EQ_INT((int64_t)back.len, 0);
    /* 2 MiB of 2-byte letters: cut at the cap, on a character boundary */
    size_t big = 2u << 20;
    char *b = malloc(big);
    for (size_t i = 0; i + 1 < big; i += 2) { b[i] = (char)0xD0; b[i + 1] = (char)0xB0; }
    KT_EQ_INT((int64_t)kz_content_len(b, big), KZ_CONTENT_MAX);
    KT_EQ_INT((int64_t)kz_content_len(b + 1, big - 1), KZ_CONTENT_MAX - 1);   /* starts mid-letter */
    KT_EQ_INT((int64_t)kz_content_len(b, 100), 100);
    kz_buf_reset(&z);
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_pack(b, KZ_CONTENT_MAX, &z), 0);
    KT_CHECK(z.len < 100000);                       /* compressed */
    KT_EQ_INT(kz_content_unpack(z.p, z.len, &back), 0);
    KT_EQ_INT((int64_t)back.len, KZ_CONTENT_MAX);
    KT_CHECK(memcmp(back.p, b, KZ_CONTENT_MAX) == 0);
    free(b);
    /* not what pack wrote: refused, not a crash */
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_unpack("not base64!", 11, &back), KZ_EINVAL);
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_unpack("aGVsbG8=", 8, &back), KZ_EINVAL);         /* "hello", no zlib */
    kz_buf_reset(&back);
    KT_EQ_INT(kz_content_unpack(z.p, z.len / 2, &back), KZ_EINVAL);        /* cut short */
    kz_buf_release(&z);
    kz_buf_release(&back);
}

KT_TEST(content_context_words_around_a_hit)
{
    kz_buf o;
    kz_buf_init(&o, KZ_BUF_NOLIMIT);
    const char *t = "one two three four five six seven eight nine ten";
    /* "five" at 19..23, 6 bytes around, widened to whole words */
    KT_EQ_INT(kz_content_context(t, strlen(t), 19, 23, 6, &o), 0);
    KT_EQ_STR(o.p, "…three four [five] six seven…");
    kz_buf_reset(&o);
    KT_EQ_INT(kz_content_context(t, strlen(t), 0, 3, 4, &o), 0);
    KT_EQ_STR(o.p, "[one] two…");
    kz_buf_reset(&o);
    KT_EQ_INT(kz_content_context(t, strlen(t), 45, 48, 100, &o), 0);
    KT_EQ_STR(o.p, "one two three four five six seven eight nine [ten]");
    kz_buf_reset(&o);
    /* Cyrillic: never cut inside a letter */
    const char *c = "жжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжж закладка";
    const char *h = strstr(c, "закладка");
    KT_EQ_INT(kz_content_context(c, strlen(c), (size_t)(h - c), strlen(c), 3, &o), 0);
    KT_CHECK(strstr(o.p, "[закладка]") != NULL);
    KT_CHECK(!strncmp(o.p, "…", 3));
    kz_buf_reset(&o);
    KT_EQ_INT(kz_content_context(t, strlen(t), 5, 3, 4, &o), KZ_EINVAL);
    KT_EQ_INT(kz_content_context(t, strlen(t), 5, 300, 4, &o), KZ_EINVAL);
    kz_buf_release(&o);
}
