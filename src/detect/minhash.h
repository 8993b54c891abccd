/*
 * detect/minhash.h - MinHash signatures of text and an LSH index over them,
 * for near copies edited past the rules.
 *
 * The text is normalized (text/norm.h), so evasions do not move the
 * signature.  Its shingles are the pairs of consecutive normalized words
 * (a text of one word: the word); each shingle is hashed with XXH3-64 and,
 * for each of KZ_MINHASH_K seeds, the smallest mixed hash is kept, of which
 * the signature stores the low 16 bits.  Two signatures agree in a slot
 * with probability about the Jaccard similarity of the two shingle sets
 * (plus 2^-16 by chance), so the number of slots that differ,
 * kz_minhash_distance() (0..KZ_MINHASH_K), is the distance banks compare
 * with a threshold.  docs/hashing.md ("Near copies of text") has the
 * measurements behind KZ_MINHASH_THRESHOLD.
 *
 * kz_minhash_index finds, among many signatures, those within a distance:
 * the K slots are cut into KZ_MINHASH_BANDS bands of two (locality-sensitive
 * hashing); a signature is a candidate when one band is equal, and
 * candidates are checked slot by slot.  Build it with _add, then _build;
 * after _build it is read-only and may be queried from several threads.
 *
 * A kz_minhash holds a normalizer and scratch space: one per thread.
 */
#ifndef KZ_MINHASH_H
#define KZ_MINHASH_H

#include "util/kz.h"

#define KZ_MINHASH_K         32      /* slots of 16 bits */
#define KZ_MINHASH_BANDS     16      /* LSH bands of KZ_MINHASH_K / KZ_MINHASH_BANDS slots */
#define KZ_MINHASH_THRESHOLD 24      /* slots that may differ (at least 8 of 32 equal) */
#define KZ_MINHASH_HEXLEN    (KZ_MINHASH_K * 4)

typedef struct kz_minhash_sig {
    uint16_t v[KZ_MINHASH_K];
} kz_minhash_sig;

typedef struct kz_minhash kz_minhash;

kz_minhash *kz_minhash_new(void);           /* NULL on ENOMEM */
void kz_minhash_free(kz_minhash *m);        /* NULL-safe */

/* The signature of UTF-8 text s[0..len) into *out; *nshingles (may be NULL)
 * gets the number of shingles, 0 for a text without words (then *out is all
 * zero and should not be banked).  0, KZ_ENOMEM or KZ_ETOOBIG. */
int kz_minhash_text(kz_minhash *m, const char *s, size_t len, kz_minhash_sig *out,
                    size_t *nshingles);

/* Slots that differ, 0..KZ_MINHASH_K. */
int kz_minhash_distance(const kz_minhash_sig *a, const kz_minhash_sig *b);

/* KZ_MINHASH_HEXLEN lowercase hex digits (slot 0 first, each big-endian)
 * and a NUL into out; and back (any case): 0 or KZ_EINVAL. */
void kz_minhash_to_hex(const kz_minhash_sig *s, char *out);
int kz_minhash_from_hex(const char *hex, size_t n, kz_minhash_sig *out);

typedef struct kz_minhash_index kz_minhash_index;

kz_minhash_index *kz_minhash_index_new(void);           /* NULL on ENOMEM */
void kz_minhash_index_free(kz_minhash_index *ix);       /* NULL-safe */
/* Add a signature under id (ids need not be distinct or dense).  Before
 * _build only.  0 or KZ_ENOMEM. */
int kz_minhash_index_add(kz_minhash_index *ix, const kz_minhash_sig *s, uint32_t id);
/* Sort the bands; 0 or KZ_ENOMEM. */
int kz_minhash_index_build(kz_minhash_index *ix);
size_t kz_minhash_index_size(const kz_minhash_index *ix);

/* The entries within distance maxd of q: up to cap of them into ids[] and
 * dist[] (either may be NULL when cap is 0), nearest not first; returns the
 * number found (which may exceed cap).  Thread-safe after _build. */
size_t kz_minhash_index_query(const kz_minhash_index *ix, const kz_minhash_sig *q, int maxd,
                              uint32_t *ids, int *dist, size_t cap);

#endif
