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
 *   - a flat scan (xor and popcount over every stored hash: AVX-512
 *     VPOPCNTQ, AVX2 nibble lookup, POPCNT or portable C, the best the CPU
 *     has, chosen at run time), used when the table probes would cost more
 *     than the scan (small index, large T).
 * The choice is made per query from a cost model whose constants were
 * measured (bench/pdqindex/run crossover); both are exact.
 *
 * Adds are visible at once, with no full rebuild on the add path's usual
 * step: new hashes go to a tail scanned flat (at most 65,536, and at most
 * a 32nd of the tables' part); a full tail is folded into a second, delta
 * set of tables built over the recent entries alone; a delta grown past an
 * eighth of the main tables is merged into them (a rebuild whose cost,
 * with that geometric growth, is amortised O(1) per add).
 * kz_pdqindex_flush() folds everything into the main tables now.
 *
 * Memory: the raw data is 40 bytes an entry (32-byte hash, 8-byte id);
 * the tables are sized to at most 40 more (m item numbers of 2-4 bytes,
 * and bucket offsets packed a cache line per probe), so the whole index,
 * hashes and ids included, stays within twice the raw data after a flush
 * (between flushes also the growth slack of the arrays and the delta);
 * kz_pdqindex_memory() says how much it holds.
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
/* Substrings and key bits of the main tables (0 while nothing is indexed
 * in them). */
int kz_pdqindex_m(const kz_pdqindex *ix);
int kz_pdqindex_tbits(const kz_pdqindex *ix);

/* The flat-scan kernels.  AUTO picks the fastest the CPU has (checked at
 * run time, not by -march). */
enum kz_pdqindex_scan_kind {
    KZ_PDQINDEX_SCAN_AUTO = 0,
    KZ_PDQINDEX_SCAN_C,             /* portable C */
    KZ_PDQINDEX_SCAN_POPCNT,        /* 4 POPCNT per hash */
    KZ_PDQINDEX_SCAN_AVX2,          /* vpshufb nibble counts, 4 hashes a step */
    KZ_PDQINDEX_SCAN_AVX512,        /* VPOPCNTQ, 2 hashes a step */
};

/* Use that kernel (tests, benchmarks): 0, or KZ_EINVAL when the CPU lacks
 * it.  Like an add, it must not run during a query. */
int kz_pdqindex_set_scan(kz_pdqindex *ix, int kind);
/* The kernel in use (ix NULL: the one AUTO picks on this CPU), and its name. */
int kz_pdqindex_scan_kind(const kz_pdqindex *ix);
const char *kz_pdqindex_scan_name(int kind);

#endif
