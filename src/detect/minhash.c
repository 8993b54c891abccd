/*
 * detect/minhash.c - MinHash signatures of normalized word pairs, and the
 * LSH index (detect/minhash.h).
 */
#include "detect/minhash.h"
#include "text/norm.h"
#include <xxhash.h>

struct kz_minhash {
    kz_norm *norm;
    char    *buf;
    size_t   cap;
};

/* the per-slot seeds: fixed, so signatures are comparable everywhere */
static uint64_t seed_of(unsigned k)
{
    uint64_t z = 0x9E3779B97F4A7C15ull * (k + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* a 64-bit mix of h under seed (splitmix64's finalizer) */
static inline uint64_t mix(uint64_t h, uint64_t seed)
{
    uint64_t z = h ^ seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

kz_minhash *kz_minhash_new(void)
{
    kz_minhash *m = calloc(1, sizeof *m);
    if (m && !(m->norm = kz_norm_new())) {
        free(m);
        return NULL;
    }
    return m;
}

void kz_minhash_free(kz_minhash *m)
{
    if (!m)
        return;
    kz_norm_free(m->norm);
    free(m->buf);
    free(m);
}

int kz_minhash_text(kz_minhash *m, const char *s, size_t len, kz_minhash_sig *out,
                    size_t *nshingles)
{
    static uint64_t seeds[KZ_MINHASH_K];
    static int seeded;                          /* idempotent, so a race is harmless */
    if (!seeded) {
        for (unsigned k = 0; k < KZ_MINHASH_K; k++)
            seeds[k] = seed_of(k);
        seeded = 1;
    }
    kz_normtext t;
    int rc = kz_norm_run(m->norm, s, len, &t);
    memset(out, 0, sizeof *out);
    if (nshingles)
        *nshingles = 0;
    if (rc)
        return rc;
    if (t.nwords == 0)
        return 0;
    uint64_t mins[KZ_MINHASH_K];
    for (unsigned k = 0; k < KZ_MINHASH_K; k++)
        mins[k] = UINT64_MAX;
    size_t nsh = t.nwords == 1 ? 1 : t.nwords - 1;
    for (size_t i = 0; i < nsh; i++) {
        const kz_spelling *a = &t.words[i].sp[0];
        uint64_t h;
        if (t.nwords == 1) {
            h = XXH3_64bits(a->s, a->len);
        } else {
            const kz_spelling *b = &t.words[i + 1].sp[0];
            size_t n = a->len + 1 + b->len;
            if (n > m->cap && KZ_GROW(m->buf, m->cap, n))
                return KZ_ENOMEM;
            memcpy(m->buf, a->s, a->len);
            m->buf[a->len] = ' ';
            memcpy(m->buf + a->len + 1, b->s, b->len);
            h = XXH3_64bits(m->buf, n);
        }
        for (unsigned k = 0; k < KZ_MINHASH_K; k++) {
            uint64_t x = mix(h, seeds[k]);
            if (x < mins[k])
                mins[k] = x;
        }
    }
    for (unsigned k = 0; k < KZ_MINHASH_K; k++)
        out->v[k] = (uint16_t)mins[k];
    if (nshingles)
        *nshingles = nsh;
    return 0;
}

int kz_minhash_distance(const kz_minhash_sig *a, const kz_minhash_sig *b)
{
    int d = 0;
    for (unsigned k = 0; k < KZ_MINHASH_K; k++)
        d += a->v[k] != b->v[k];
    return d;
}

void kz_minhash_to_hex(const kz_minhash_sig *s, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned k = 0; k < KZ_MINHASH_K; k++)
        for (int j = 0; j < 4; j++)
            out[k * 4 + (unsigned)j] = hx[(s->v[k] >> (12 - 4 * j)) & 15];
    out[KZ_MINHASH_HEXLEN] = '\0';
}

int kz_minhash_from_hex(const char *hex, size_t n, kz_minhash_sig *out)
{
    if (n != KZ_MINHASH_HEXLEN)
        return KZ_EINVAL;
    for (unsigned k = 0; k < KZ_MINHASH_K; k++) {
        unsigned v = 0;
        for (int j = 0; j < 4; j++) {
            char c = hex[k * 4 + (unsigned)j];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return KZ_EINVAL;
            v = v << 4 | (unsigned)d;
        }
        out->v[k] = (uint16_t)v;
    }
    return 0;
}

/* ---- the index --------------------------------------------------------- */

#define ROWS (KZ_MINHASH_K / KZ_MINHASH_BANDS)
#define DIR_BITS 20                  /* a band's directory: by the key's top 20 bits */

struct kz_minhash_index {
    kz_minhash_sig *sig;             /* by entry number */
    uint32_t       *id;
    size_t          n, cap;
    uint64_t       *band[KZ_MINHASH_BANDS];   /* (key << 32 | entry), sorted */
    uint32_t       *dir[KZ_MINHASH_BANDS];    /* where each top-20-bit prefix starts; [1 << 20] = n */
    int             built;
};

static inline uint32_t band_key(const kz_minhash_sig *s, unsigned b)
{
    uint32_t k = 0;
    for (unsigned r = 0; r < ROWS; r++)
        k = k * 0x9E3779B1u + s->v[b * ROWS + r];
    return k;
}

kz_minhash_index *kz_minhash_index_new(void)
{
    return calloc(1, sizeof(kz_minhash_index));
}

void kz_minhash_index_free(kz_minhash_index *ix)
{
    if (!ix)
        return;
    free(ix->sig);
    free(ix->id);
    for (unsigned b = 0; b < KZ_MINHASH_BANDS; b++) {
        free(ix->band[b]);
        free(ix->dir[b]);
    }
    free(ix);
}

int kz_minhash_index_add(kz_minhash_index *ix, const kz_minhash_sig *s, uint32_t id)
{
    if (ix->n == ix->cap) {
        size_t cap = ix->cap;
        if (KZ_GROW(ix->sig, cap, ix->n + 1))
            return KZ_ENOMEM;
        cap = ix->cap;
        if (KZ_GROW(ix->id, cap, ix->n + 1))
            return KZ_ENOMEM;
        ix->cap = cap;
    }
    ix->sig[ix->n] = *s;
    ix->id[ix->n++] = id;
    ix->built = 0;
    return 0;
}

/* Each band: a counting sort by the key's top DIR_BITS bits (the directory),
 * then insertion sort inside each bucket (a handful of entries). */
int kz_minhash_index_build(kz_minhash_index *ix)
{
    const size_t nd = (size_t)1 << DIR_BITS;
    for (unsigned b = 0; b < KZ_MINHASH_BANDS; b++) {
        free(ix->band[b]);
        free(ix->dir[b]);
        ix->band[b] = malloc((ix->n + 1) * sizeof(uint64_t));
        ix->dir[b] = calloc(nd + 1, sizeof(uint32_t));
        if (!ix->band[b] || !ix->dir[b])
            return KZ_ENOMEM;
        uint32_t *dir = ix->dir[b];
        uint64_t *v = ix->band[b];
        for (size_t i = 0; i < ix->n; i++)
            dir[(band_key(&ix->sig[i], b) >> (32 - DIR_BITS)) + 1]++;
        for (size_t d = 0; d < nd; d++)
            dir[d + 1] += dir[d];
        for (size_t i = 0; i < ix->n; i++) {          /* dir[d] moves to the bucket's end */
            uint32_t k = band_key(&ix->sig[i], b);
            v[dir[k >> (32 - DIR_BITS)]++] = (uint64_t)k << 32 | (uint32_t)i;
        }
        for (size_t d = nd; d > 0; d--)               /* and back to its start */
            dir[d] = dir[d - 1];
        dir[0] = 0;
        for (size_t d = 0; d < nd; d++)
            for (size_t i = dir[d] + 1; i < dir[d + 1]; i++) {
                uint64_t x = v[i];
                size_t j = i;
                for (; j > dir[d] && v[j - 1] > x; j--)
                    v[j] = v[j - 1];
                v[j] = x;
            }
    }
    ix->built = 1;
    return 0;
}

size_t kz_minhash_index_size(const kz_minhash_index *ix) { return ix->n; }

size_t kz_minhash_index_query(const kz_minhash_index *ix, const kz_minhash_sig *q, int maxd,
                              uint32_t *ids, int *dist, size_t cap)
{
    size_t found = 0;
    if (!ix->built || ix->n == 0)
        return 0;
    /* the entries already checked in this query: a small open-addressed set */
    uint32_t seen[256];
    size_t nseen = 0;
    for (unsigned b = 0; b < KZ_MINHASH_BANDS; b++) {
        uint64_t key = (uint64_t)band_key(q, b) << 32;
        const uint64_t *v = ix->band[b];
        uint32_t bucket = (uint32_t)(key >> (64 - DIR_BITS));
        size_t lo = ix->dir[b][bucket], hi = ix->dir[b][bucket + 1], end = hi;
        while (lo < hi) {                        /* the first >= key */
            size_t mid = lo + (hi - lo) / 2;
            if (v[mid] < key) lo = mid + 1; else hi = mid;
        }
        for (size_t i = lo; i < end && (v[i] >> 32) == (key >> 32); i++) {
            uint32_t e = (uint32_t)v[i];
            size_t z = 0;
            while (z < nseen && seen[z] != e)
                z++;
            if (z < nseen)
                continue;
            if (nseen < KZ_ARRAY_LEN(seen))
                seen[nseen++] = e;
            int d = kz_minhash_distance(q, &ix->sig[e]);
            if (d > maxd)
                continue;
            /* an entry met in an earlier band after the seen set filled: once */
            int dup = 0;
            for (size_t j = 0; j < found && j < cap && nseen == KZ_ARRAY_LEN(seen); j++)
                dup |= ids && ids[j] == ix->id[e];
            if (dup)
                continue;
            if (found < cap) {
                if (ids) ids[found] = ix->id[e];
                if (dist) dist[found] = d;
            }
            found++;
        }
    }
    return found;
}
