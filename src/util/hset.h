/*
 * util/hset.h - kuzet's one hash table: open addressing with linear probing
 * over 64-bit hashes, each slot a hash and a 64-bit value (an id, an index
 * into the caller's array, or a pointer).
 *
 * Keys of 64 bits or fewer (ids, hashes already computed) are their own
 * hash: pass eq = NULL, and two keys are the same when their hashes are.
 * Longer keys (strings) are hashed with kz_hset_hash and compared by eq on
 * a hash match, so two strings that share a hash stay two entries.
 *
 *     kz_hset t;
 *     kz_hset_init(&t, 1000);
 *     kz_hslot *sl;
 *     int added = kz_hset_add(&t, kz_hset_hash(s, n), (uint64_t)(uintptr_t)s, str_eq, &key, NULL, &sl);
 *     ...
 *     kz_hset_release(&t);
 *
 * A hash of 0 marks an empty slot: kz_hset_hash and kz_hset_mix never give
 * it, and callers that use an id as its own hash pass ids that are not 0.
 * The table grows (doubles) when half full, so pointers to slots are good
 * until the next kz_hset_add.  Not thread-safe; a table only read may be
 * shared.
 */
#ifndef KZ_HSET_H
#define KZ_HSET_H

#include "kz.h"

typedef struct kz_hslot {
    uint64_t h;             /* 0: empty */
    uint64_t v;
} kz_hslot;

typedef struct kz_hset {
    kz_hslot *s;
    size_t    mask;         /* capacity - 1 (a power of two); 0 before init */
    size_t    n;            /* slots used */
} kz_hset;

/* Is the entry whose value is v the key the caller looks for? */
typedef int (*kz_hset_eq)(uint64_t v, const void *key, void *ctx);

/* XXH3 of p[0..n), never 0. */
uint64_t kz_hset_hash(const void *p, size_t n);
/* An id spread over the 64 bits (a bijection, so distinct ids stay
 * distinct), for ids whose low bits alone would cluster; 0 only for 0. */
static inline uint64_t kz_hset_mix(uint64_t id) { return id * 0x9E3779B97F4A7C15ull; }

/* A table with room for expect entries before it grows.  0 or KZ_ENOMEM. */
int  kz_hset_init(kz_hset *t, size_t expect);
void kz_hset_release(kz_hset *t);

/* The slot of the key with hash h (h != 0), or NULL. */
static inline kz_hslot *kz_hset_find(const kz_hset *t, uint64_t h, kz_hset_eq eq, const void *key,
                                     void *ctx)
{
    if (!t->s)
        return NULL;
    for (size_t i = (size_t)(h ^ h >> 29) & t->mask;; i = (i + 1) & t->mask) {
        kz_hslot *sl = &t->s[i];
        if (sl->h == h && (!eq || eq(sl->v, key, ctx)))
            return sl;
        if (!sl->h)
            return NULL;
    }
}

/* Find the key with hash h (h != 0), or add it with value v.  *slot (when
 * not NULL) is its slot.  1: added, 0: it was there (its value unchanged),
 * KZ_ENOMEM (nothing added). */
int kz_hset_add(kz_hset *t, uint64_t h, uint64_t v, kz_hset_eq eq, const void *key, void *ctx,
                kz_hslot **slot);

#endif
