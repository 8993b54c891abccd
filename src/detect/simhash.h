/*
 * detect/simhash.h - 64-bit SimHash of text, for near-duplicate detection.
 *
 * The text is normalized first (text/norm.h: case, look-alikes, spacing,
 * transliteration, letter runs fold), so evasions do not move the hash.
 * The normalized words are cut into shingles of KZ_SIMHASH_SHINGLE
 * consecutive words (texts of at most 2 * KZ_SIMHASH_SHINGLE words use
 * single words); each shingle is hashed with XXH3-64 (its words joined by
 * one space) and adds +1 to every bit position where its hash has a 1 and
 * -1 where it has a 0; bit i of the SimHash is 1 when that sum is > 0.
 * Texts without words hash to 0.
 *
 * Two texts are near duplicates when kz_simhash_distance() <=
 * KZ_SIMHASH_THRESHOLD; docs/hashing.md ("Near-duplicate text") has the
 * measured precision and recall behind that number.
 *
 * A kz_simhash holds a normalizer and scratch space: use one per thread.
 */
#ifndef KZ_SIMHASH_H
#define KZ_SIMHASH_H

#include "util/kz.h"

#define KZ_SIMHASH_SHINGLE   3
#define KZ_SIMHASH_THRESHOLD 14     /* bits; see docs/hashing.md */
#define KZ_SIMHASH_HEXLEN    16

typedef struct kz_simhash kz_simhash;

kz_simhash *kz_simhash_new(void);           /* NULL on ENOMEM */
void kz_simhash_free(kz_simhash *s);        /* NULL-safe */

/* SimHash of UTF-8 text s[0..len) into *out.
 * 0, KZ_ENOMEM or KZ_ETOOBIG (over KZ_NORM_MAX bytes). */
int kz_simhash_text(kz_simhash *s, const char *text, size_t len, uint64_t *out);

/* Hamming distance 0..64. */
static inline int kz_simhash_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

/* 16 lowercase hex digits, NUL-terminated, into out[KZ_SIMHASH_HEXLEN + 1]. */
void kz_simhash_to_hex(uint64_t h, char *out);

#endif
