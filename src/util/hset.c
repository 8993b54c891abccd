/*
 * util/hset.c - the hash table of util/hset.h.
 */
#include "hset.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

uint64_t kz_hset_hash(const void *p, size_t n)
{
    uint64_t h = XXH3_64bits(p, n);
    return h ? h : 1;
}

static size_t home(const kz_hset *t, uint64_t h) { return (size_t)(h ^ h >> 29) & t->mask; }

static int resize(kz_hset *t, size_t cap)
{
    kz_hslot *s = kz_calloc(cap, sizeof *s);
    if (!s)
        return KZ_ENOMEM;
    kz_hset old = *t;
    t->s = s;
    t->mask = cap - 1;
    for (size_t i = 0; old.s && i <= old.mask; i++) {
        if (!old.s[i].h)
            continue;
        size_t j = home(t, old.s[i].h);
        while (s[j].h)
            j = (j + 1) & t->mask;
        s[j] = old.s[i];
    }
    free(old.s);
    return 0;
}

int kz_hset_init(kz_hset *t, size_t expect)
{
    memset(t, 0, sizeof *t);
    size_t cap = 16;
    while (cap / 2 < expect + 1) {
        if (cap > SIZE_MAX / 4 / sizeof(kz_hslot))
            return KZ_ENOMEM;
        cap *= 2;
    }
    return resize(t, cap);
}

void kz_hset_release(kz_hset *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

int kz_hset_add(kz_hset *t, uint64_t h, uint64_t v, kz_hset_eq eq, const void *key, void *ctx,
                kz_hslot **slot)
{
    kz_hslot *sl = kz_hset_find(t, h, eq, key, ctx);
    if (sl) {
        if (slot)
            *slot = sl;
        return 0;
    }
    if (!t->s || (t->n + 1) * 2 > t->mask + 1) {
        size_t cap = t->s ? (t->mask + 1) * 2 : 16;
        if (cap > SIZE_MAX / 4 / sizeof(kz_hslot) || resize(t, cap))
            return KZ_ENOMEM;
    }
    size_t i = home(t, h);
    while (t->s[i].h)
        i = (i + 1) & t->mask;
    t->s[i].h = h;
    t->s[i].v = v;
    t->n++;
    if (slot)
        *slot = &t->s[i];
    return 1;
}
