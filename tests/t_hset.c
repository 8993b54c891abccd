/*
 * tests/t_hset.c - util/hset: ids as their own hash, strings compared on a
 * hash match (two strings given one hash stay two entries), growth keeping
 * every entry, and a second add of a key keeping the first value.
 */
#include "kt.h"
#include "util/hset.h"
#include <stdio.h>
#include <string.h>

KT_TEST(hset_ids_grow_and_keep)
{
    kz_hset t;
    KT_EQ_INT(kz_hset_init(&t, 4), 0);
    /* far past the first size: the table doubles many times */
    for (uint64_t id = 1; id <= 100000; id++)
        KT_EQ_INT(kz_hset_add(&t, kz_hset_mix(id), id * 3, NULL, NULL, NULL, NULL), 1);
    KT_EQ_INT(t.n, 100000);
    KT_CHECK((t.mask + 1) >= 2 * t.n);
    for (uint64_t id = 1; id <= 100000; id++) {
        kz_hslot *sl = kz_hset_find(&t, kz_hset_mix(id), NULL, NULL, NULL);
        if (!sl || sl->v != id * 3) {
            kt_fail(__FILE__, __LINE__, "id %llu: %s", (unsigned long long)id,
                    sl ? "wrong value" : "not found");
            break;
        }
    }
    KT_CHECK(kz_hset_find(&t, kz_hset_mix(100001), NULL, NULL, NULL) == NULL);
    /* a second add finds the first, and its value stays */
    kz_hslot *sl = NULL;
    KT_EQ_INT(kz_hset_add(&t, kz_hset_mix(7), 99, NULL, NULL, NULL, &sl), 0);
    KT_CHECK(sl && sl->v == 21);
    KT_EQ_INT(t.n, 100000);
    kz_hset_release(&t);
    KT_CHECK(t.s == NULL && t.n == 0);
    /* a released (or never initialised) table finds nothing */
    KT_CHECK(kz_hset_find(&t, 5, NULL, NULL, NULL) == NULL);
}

static int str_eq(uint64_t v, const void *key, void *ctx)
{
    (void)ctx;
    return !strcmp((const char *)(uintptr_t)v, key);
}

KT_TEST(hset_strings_sharing_a_hash_stay_apart)
{
    static char words[300][16];
    kz_hset t;
    KT_EQ_INT(kz_hset_init(&t, 0), 0);
    /* every word given the same hash: one long run of slots, told apart by eq */
    for (int i = 0; i < 300; i++) {
        snprintf(words[i], sizeof words[i], "w%d", i);
        KT_EQ_INT(kz_hset_add(&t, 42, (uint64_t)(uintptr_t)words[i], str_eq, words[i], NULL, NULL), 1);
    }
    for (int i = 0; i < 300; i++) {
        char key[16];
        snprintf(key, sizeof key, "w%d", i);
        kz_hslot *sl = kz_hset_find(&t, 42, str_eq, key, NULL);
        KT_CHECK(sl && (const char *)(uintptr_t)sl->v == words[i]);
    }
    KT_CHECK(kz_hset_find(&t, 42, str_eq, "w300", NULL) == NULL);
    KT_EQ_INT(kz_hset_add(&t, 42, 0, str_eq, "w17", NULL, NULL), 0);
    KT_EQ_INT(t.n, 300);
    kz_hset_release(&t);
}

KT_TEST(hset_hash_never_zero_and_stable)
{
    KT_CHECK(kz_hset_hash("", 0) != 0);
    KT_CHECK(kz_hset_hash("abc", 3) == kz_hset_hash("abcd", 3));
    KT_CHECK(kz_hset_hash("abc", 3) != kz_hset_hash("abd", 3));
    KT_CHECK(kz_hset_mix(1) != 0 && kz_hset_mix(1) != kz_hset_mix(2));
}
