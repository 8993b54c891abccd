/*
 * detect/pdqindex.h - exact Hamming-radius search over PDQ hashes.
 *
 * A kz_pdqindex holds 256-bit PDQ hashes, each with a 64-bit id, and
 * answers "every hash within distance T of this one" exactly (no misses):
 *
 *   - multi-index hashing (Norouzi, Punjani, Fleet, "Fast exact search in
 *     Hamming space with multi-index hashing"): the 256 bits are split into
 *     m substrings, each indexed in its own table.  A hash within T of the
 *     query is, by the pigeonhole principle, within r = floor(T/m) of it in
 *     one substring (sharper: with T = m*r + a, within r in one of a+1 chosen
 *     substrings or within r-1 in one of the others), so each table is
 *     probed with the query substring's neighbours up to that radius and
 *     every candidate is checked with a full 256-bit popcount;
 *   - a flat scan (popcount over every stored hash; an AVX-512 VPOPCNTQ
 *     path when the CPU has it, chosen at run time), used when the table
 *     probes would cost more than the scan (small index, large T).
 * The choice is made per query from a cost model; both are exact.
 *
 * Adds are visible at once: new hashes go to a small tail that is scanned
 * flat, and the tail is folded into the tables once it reaches a fraction
 * of the indexed part (amortised O(1) per add; kz_pdqindex_flush() folds
 * it now).  The tables are compact (bucket offsets plus 3- or 4-byte item
 * numbers), so the whole index stays within about twice the raw 40 bytes
 * (hash + id) per entry; kz_pdqindex_memory() says how much it holds.
 *
 * Thread safety: queries only read the index, so any number may run at
 * once, each with its own kz_pdqindex_hits; adds and flushes need the
 * caller to exclude queries.
 */
#ifndef KZ_PDQINDEX_H
#define KZ_PDQINDEX_H

#include "util/kz.h"
#include "detect/pdq.h"

#define KZ_PDQINDEX_MAXQ 8          /* query hashes per call (the 8 dihedral variants) */

typedef struct kz_pdqindex kz_pdqindex;

typedef struct kz_pdqindex_hit {
    uint64_t id;                    /* the id given to kz_pdqindex_add */
    uint16_t distance;              /* smallest distance to any query hash */
    uint16_t query;                 /* which query hash gave it (0..nq-1) */
} kz_pdqindex_hit;

/* Results, owned by the caller: zero-initialise, reuse across queries,
 * release with kz_pdqindex_hits_release. */
typedef struct kz_pdqindex_hits {
    kz_pdqindex_hit *v;
    size_t           n, cap;
} kz_pdqindex_hits;

enum kz_pdqindex_strategy {
    KZ_PDQINDEX_AUTO = 0,           /* cost model (the default) */
    KZ_PDQINDEX_FLAT,               /* always scan (tests, benchmarks) */
    KZ_PDQINDEX_MIH,                /* always use the tables for the indexed part */
};

/* A new empty index.  m = number of substrings (2..32), or 0 to choose it
 * from the size when the tables are built (kz_pdqindex_m() tells).
 * NULL on ENOMEM or a bad m. */
kz_pdqindex *kz_pdqindex_new(int m);
void kz_pdqindex_free(kz_pdqindex *ix);         /* NULL-safe */

/* Add a hash; it is matchable at once.  Ids need not be unique.
 * 0 or KZ_ENOMEM (the index is unchanged), KZ_ETOOBIG past 2^32-2 entries. */
int kz_pdqindex_add(kz_pdqindex *ix, const kz_pdq_hash *h, uint64_t id);

/* Fold the flat-scanned tail into the tables now.  0 or KZ_ENOMEM (the
 * index stays usable as it was). */
int kz_pdqindex_flush(kz_pdqindex *ix);

/*
 * Every stored hash within distance t (0..256) of any of q[0..nq-1]
 * (nq 1..KZ_PDQINDEX_MAXQ; pass the 8 dihedral variants of an image to
 * match rotated and flipped copies).  Each stored entry is reported once,
 * with its smallest distance; hits are sorted by distance, then by
 * insertion order.  Replaces the contents of *out.
 * 0, KZ_EINVAL or KZ_ENOMEM.
 */
int kz_pdqindex_query(const kz_pdqindex *ix, const kz_pdq_hash *q, int nq, int t,
                      int strategy, kz_pdqindex_hits *out);

void kz_pdqindex_hits_release(kz_pdqindex_hits *h);   /* NULL-safe */

size_t kz_pdqindex_count(const kz_pdqindex *ix);
/* Bytes allocated by the index (hashes, ids, tables, slack). */
size_t kz_pdqindex_memory(const kz_pdqindex *ix);
/* Substrings used by the tables (0 while nothing is indexed in them). */
int kz_pdqindex_m(const kz_pdqindex *ix);
/* 1 when the AVX-512 VPOPCNTQ scan is in use. */
int kz_pdqindex_simd(void);

#endif
