/*
 * detect/pdqindex.c - exact Hamming-radius search over PDQ hashes:
 * multi-index hashing over compact bucket tables, a flat popcount scan,
 * and a per-query cost model choosing between them (pdqindex.h).
 *
 * Layout: hashes as 4 x 64-bit words (bit k of the PDQ hash is bit k % 64
 * of word k / 64) and ids in two arrays, in insertion order.  Entries
 * [0, nmain) are in the tables; [nmain, n) are the tail, scanned flat.
 * Table i indexes bits [start_i, start_i + tbits) of every hash: off(key)
 * .. off(key + 1) are the positions in ent (item numbers, 3 bytes each
 * while there are fewer than 2^24 entries, else 4) of the items whose
 * substring is key.  The offsets are stored compactly, a uint32 base per
 * block of 256 buckets plus a uint16 per bucket relative to it (about 2
 * bytes per bucket), unless a block holds 65536 entries or more (skewed
 * data), when that table keeps plain uint32 offsets.  The m substrings are disjoint; bits outside them are
 * only used by the final check, which keeps the pigeonhole argument valid.
 */
#include "detect/pdqindex.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PDQIX_X86 1
#endif

#define MAXM        32
#define BLK_SHIFT   8           /* buckets per block of the compact offsets: 256 */
#define TAIL_MIN    4096        /* tail scanned flat before the first fold */
#define TAIL_DIV    8           /* fold when the tail exceeds nmain / TAIL_DIV */
#define DEF_T       31          /* the threshold the tables are shaped for */
#define BYTES_BUDGET 40.0       /* table bytes per entry allowed on top of the raw 40 */

/* Relative costs for the model (measured roughly: a probe or a candidate
 * is a random memory access; the flat scan streams 32 bytes per entry). */
#define COST_PROBE  1.5
#define COST_CAND   1.0
#define COST_FLAT   0.08

typedef uint64_t hw[4];
struct hitbuf;

struct pdqtab {
    uint32_t *dir;          /* 2^tbits + 1 offsets, or NULL when compact: */
    uint32_t *base;         /* per block of BLK buckets: offset of its first */
    uint16_t *rel;          /* 2^tbits + 1: offset - base[key / BLK] */
    uint8_t  *ent;          /* nmain item numbers of width bytes (+ 1 byte pad) */
};

struct kz_pdqindex {
    hw       *h;
    uint64_t *id;
    size_t    n, cap;
    size_t    nmain;
    int       mreq;         /* requested m, 0 = choose */
    void    (*scan)(const hw *, size_t, size_t, const uint64_t *, int, int, struct hitbuf *);
    int       m, tbits, width;
    int       start[MAXM];
    struct pdqtab tab[MAXM];
};

/* ---- small helpers --------------------------------------------------- */

static void to_words(const kz_pdq_hash *p, uint64_t w[4])
{
    for (int i = 0; i < 4; i++)
        w[i] = (uint64_t)p->w[4 * i] | (uint64_t)p->w[4 * i + 1] << 16 |
               (uint64_t)p->w[4 * i + 2] << 32 | (uint64_t)p->w[4 * i + 3] << 48;
}

static inline uint32_t extract(const uint64_t *w, int s, int t)
{
    int k = s >> 6, o = s & 63;
    uint64_t v = w[k] >> o;
    if (o + t > 64 && k < 3)
        v |= w[k + 1] << (64 - o);
    return (uint32_t)(v & ((1ull << t) - 1));
}

static inline int dist_sw(const uint64_t *a, const uint64_t *b)
{
    return __builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) +
           __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]);
}

/* Number of t-bit strings within radius r of one (capped, as a double). */
static double ball(int t, int r)
{
    double s = 0, c = 1;
    for (int i = 0; i <= r && i <= t; i++) {
        s += c;
        c = c * (t - i) / (i + 1);
    }
    return s;
}

/* Radius of table i for threshold t (-1: the table need not be probed). */
static inline int radius(int m, int t, int i)
{
    int r = t / m, a = t % m;
    return i <= a ? r : r - 1;
}

static double mih_probes(int m, int tb, int t)
{
    double p = 0;
    for (int i = 0; i < m; i++) {
        int r = radius(m, t, i);
        if (r >= 0)
            p += ball(tb, r);
    }
    return p;
}

static double mih_cost(int m, int tb, int t, size_t n)
{
    double p = mih_probes(m, tb, t);
    return COST_PROBE * p + COST_CAND * (double)n * p / (double)(1ull << tb);
}

/* Choose m and the key width for n entries (cost at DEF_T, within the
 * memory budget); mreq fixes m. */
static void choose_shape(size_t n, int mreq, int *mo, int *to)
{
    int width = n < (1u << 24) ? 3 : 4;
    double best = -1, bestmem = -1;
    int bm = mreq ? mreq : 8, bt = 8;
    for (int m = mreq ? mreq : 2; m <= (mreq ? mreq : MAXM); m++) {
        int tmax = KZ_MIN(24, 256 / m);
        for (int tb = 4; tb <= tmax; tb++) {
            /* compact offsets: 2 bytes a bucket + 4 per block */
            double nbk = (double)(1ull << tb);
            double mem = (double)m * width + (double)m * (2.0 * nbk + 4.0 * nbk / (1 << BLK_SHIFT) + 6) / (double)n;
            double c = mih_cost(m, tb, DEF_T, n);
            bool fits = mem <= BYTES_BUDGET;
            if (!fits) {
                /* nothing fits (only with mreq): keep the smallest */
                if (mreq && best < 0 && (bestmem < 0 || mem < bestmem)) {
                    bestmem = mem;
                    bm = m;
                    bt = tb;
                }
                continue;
            }
            if (best < 0 || c < best) {
                best = c;
                bm = m;
                bt = tb;
            }
        }
    }
    *mo = bm;
    *to = bt;
}

/* ---- flat scans -------------------------------------------------------- */

typedef struct hitbuf hitbuf;
struct hitbuf {
    kz_pdqindex_hit *v;
    size_t n, cap;
    uint32_t *pos;          /* item number of each hit (for dedupe) */
    size_t pcap;
    uint32_t *keys, *cand;  /* scratch of probe_table */
    size_t kcap, ccap;
    int err;
};

static inline void push_hit(hitbuf *b, uint32_t item, int d, int qi)
{
    if (b->err)
        return;
    if (KZ_GROW(b->v, b->cap, b->n + 1) || KZ_GROW(b->pos, b->pcap, b->n + 1)) {
        b->err = KZ_ENOMEM;
        return;
    }
    b->v[b->n].distance = (uint16_t)d;
    b->v[b->n].query = (uint16_t)qi;
    b->v[b->n].id = 0;
    b->pos[b->n++] = item;
}

static void scan_generic(const hw *h, size_t lo, size_t hi, const uint64_t *q, int t, int qi, hitbuf *b)
{
    for (size_t i = lo; i < hi; i++) {
        int d = dist_sw(h[i], q);
        if (d <= t)
            push_hit(b, (uint32_t)i, d, qi);
    }
}

#ifdef PDQIX_X86
__attribute__((target("popcnt")))
static void scan_popcnt(const hw *h, size_t lo, size_t hi, const uint64_t *q, int t, int qi, hitbuf *b)
{
    for (size_t i = lo; i < hi; i++) {
        int d = dist_sw(h[i], q);
        if (d <= t)
            push_hit(b, (uint32_t)i, d, qi);
    }
}

/* Two hashes per 512-bit register: xor, VPOPCNTQ, add the four counts of
 * each hash within its half, compare. */
__attribute__((target("avx512f,avx512vpopcntdq")))
static void scan_avx512(const hw *h, size_t lo, size_t hi, const uint64_t *q, int t, int qi, hitbuf *b)
{
    __m512i qq = _mm512_set_epi64((long long)q[3], (long long)q[2], (long long)q[1], (long long)q[0],
                                  (long long)q[3], (long long)q[2], (long long)q[1], (long long)q[0]);
    __m512i tt = _mm512_set1_epi64(t);
    size_t i = lo;
    for (; i + 2 <= hi; i += 2) {
        __m512i x = _mm512_xor_si512(_mm512_loadu_si512((const void *)h[i]), qq);
        __m512i c = _mm512_popcnt_epi64(x);
        c = _mm512_add_epi64(c, _mm512_shuffle_epi32(c, _MM_PERM_BADC));      /* swap qwords in 128 */
        c = _mm512_add_epi64(c, _mm512_shuffle_i64x2(c, c, _MM_SHUFFLE(2, 3, 0, 1)));
        __mmask8 k = _mm512_cmple_epu64_mask(c, tt);
        if (KZ_UNLIKELY(k & 0x11)) {
            if (k & 0x01)
                push_hit(b, (uint32_t)i, dist_sw(h[i], q), qi);
            if (k & 0x10)
                push_hit(b, (uint32_t)(i + 1), dist_sw(h[i + 1], q), qi);
        }
    }
    scan_popcnt(h, i, hi, q, t, qi, b);
}
#endif

typedef void (*scan_fn)(const hw *, size_t, size_t, const uint64_t *, int, int, hitbuf *);

static scan_fn pick_scan(void)
{
#ifdef PDQIX_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq"))
        return scan_avx512;
    if (__builtin_cpu_supports("popcnt"))
        return scan_popcnt;
#endif
    return scan_generic;
}

int kz_pdqindex_simd(void)
{
#ifdef PDQIX_X86
    return pick_scan() == scan_avx512;
#else
    return 0;
#endif
}

/* ---- tables ------------------------------------------------------------ */

static inline uint32_t ent_get(const uint8_t *e, int width, size_t k)
{
    const uint8_t *p = e + k * (size_t)width;
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    if (width == 4)
        v |= (uint32_t)p[3] << 24;
    return v;
}

static inline void ent_put(uint8_t *e, int width, size_t k, uint32_t v)
{
    uint8_t *p = e + k * (size_t)width;
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    if (width == 4)
        p[3] = (uint8_t)(v >> 24);
}

static void tabs_free(struct pdqtab *tab, int m)
{
    for (int i = 0; i < m; i++) {
        free(tab[i].dir);
        free(tab[i].base);
        free(tab[i].rel);
        tab[i].base = NULL;
        tab[i].rel = NULL;
        free(tab[i].ent);
        tab[i].dir = NULL;
        tab[i].ent = NULL;
    }
}

static int fold(kz_pdqindex *ix)
{
    struct pdqtab nt[MAXM];
    int m, tb, width, start[MAXM], rc = KZ_ENOMEM;
    size_t n = ix->n;
    memset(nt, 0, sizeof nt);
    if (n == ix->nmain)
        return 0;
    choose_shape(n, ix->mreq, &m, &tb);
    width = n < (1u << 24) ? 3 : 4;
    for (int i = 0; i < m; i++)
        start[i] = i * 256 / m;
    for (int i = 0; i < m; i++) {
        size_t nb = (size_t)1 << tb;
        uint32_t *dir = kz_calloc(nb + 1, sizeof *dir);
        uint8_t *ent = kz_malloc(n * (size_t)width + 1);
        nt[i].dir = dir;
        nt[i].ent = ent;
        if (!dir || !ent)
            goto out;
        for (size_t j = 0; j < n; j++)
            dir[extract(ix->h[j], start[i], tb) + 1]++;
        for (size_t k = 0; k < nb; k++)
            dir[k + 1] += dir[k];
        /* place with dir[key] as the cursor, then shift back */
        for (size_t j = 0; j < n; j++) {
            uint32_t key = extract(ix->h[j], start[i], tb);
            ent_put(ent, width, dir[key]++, (uint32_t)j);
        }
        for (size_t k = nb; k > 0; k--)
            dir[k] = dir[k - 1];
        dir[0] = 0;
        /* compact form when every bucket is < 65536 entries past its block */
        size_t nblk = (nb >> BLK_SHIFT) + 1;
        bool fits = true;
        for (size_t k = 0; k <= nb && fits; k++)
            fits = dir[k] - dir[(k >> BLK_SHIFT) << BLK_SHIFT] <= UINT16_MAX;
        if (fits) {
            uint32_t *base = kz_malloc(nblk * sizeof *base);
            uint16_t *rel = kz_malloc((nb + 1) * sizeof *rel);
            if (base && rel) {
                for (size_t k = 0; k < nblk; k++)
                    base[k] = dir[k << BLK_SHIFT];
                for (size_t k = 0; k <= nb; k++)
                    rel[k] = (uint16_t)(dir[k] - base[k >> BLK_SHIFT]);
                free(dir);
                nt[i].dir = NULL;
                nt[i].base = base;
                nt[i].rel = rel;
            } else {
                free(base);     /* keep the plain offsets */
                free(rel);
            }
        }
    }
    tabs_free(ix->tab, ix->m);
    memcpy(ix->tab, nt, sizeof nt);
    memset(nt, 0, sizeof nt);
    memcpy(ix->start, start, sizeof start);
    ix->m = m;
    ix->tbits = tb;
    ix->width = width;
    ix->nmain = n;
    rc = 0;
out:
    tabs_free(nt, MAXM);
    return rc;
}

/* ---- public -------------------------------------------------------------- */

int kz_pdqindex_flush(kz_pdqindex *ix)
{
    int rc = fold(ix);
    if (rc == 0 && ix->cap > ix->n && ix->n > 0) {
        /* give back the growth slack (a smaller realloc may still fail) */
        hw *h = kz_realloc(ix->h, ix->n * sizeof *h);
        if (h) {
            ix->h = h;
            ix->cap = ix->n;
            /* if this fails, the id array is merely larger: harmless */
            uint64_t *d = kz_realloc(ix->id, ix->n * sizeof *d);
            if (d)
                ix->id = d;
        }
    }
    return rc;
}

kz_pdqindex *kz_pdqindex_new(int m)
{
    if (m != 0 && (m < 2 || m > MAXM))
        return NULL;
    kz_pdqindex *ix = kz_calloc(1, sizeof *ix);
    if (ix) {
        ix->mreq = m;
        ix->scan = pick_scan();
    }
    return ix;
}

void kz_pdqindex_free(kz_pdqindex *ix)
{
    if (!ix)
        return;
    tabs_free(ix->tab, ix->m);
    free(ix->h);
    free(ix->id);
    free(ix);
}

int kz_pdqindex_add(kz_pdqindex *ix, const kz_pdq_hash *p, uint64_t id)
{
    if (ix->n >= UINT32_MAX - 1)
        return KZ_ETOOBIG;
    if (ix->n == ix->cap) {
        /* grow by a quarter: the slack counts against the memory budget */
        size_t nc = ix->cap < 1024 ? 1024 : ix->cap + ix->cap / 4;
        hw *h = kz_realloc(ix->h, nc * sizeof *h);
        if (!h)
            return KZ_ENOMEM;
        ix->h = h;
        uint64_t *d = kz_realloc(ix->id, nc * sizeof *d);
        if (!d)
            return KZ_ENOMEM;       /* h merely larger: harmless */
        ix->id = d;
        ix->cap = nc;
    }
    to_words(p, ix->h[ix->n]);
    ix->id[ix->n] = id;
    ix->n++;
    size_t tail = ix->n - ix->nmain;
    if (tail > KZ_MAX((size_t)TAIL_MIN, ix->nmain / TAIL_DIV))
        (void)fold(ix);     /* on ENOMEM the tail just stays longer */
    return 0;
}

static inline uint32_t tab_off(const struct pdqtab *tab, uint32_t k)
{
    if (tab->rel)
        return tab->base[k >> BLK_SHIFT] + tab->rel[k];
    return tab->dir[k];
}

/* Probe table tab with every key within radius r of key (tb bits) and
 * check each item found.  Three passes for memory-level parallelism: the
 * keys (prefetching their bucket offsets), the bucket contents (prefetching
 * each candidate's hash), then the checks.  Inlined into a generic and a
 * POPCNT copy. */
__attribute__((always_inline))
static inline void probe_table(const kz_pdqindex *ix, const struct pdqtab *tab, uint32_t key, int r,
                               const uint64_t *q, int t, int qi, hitbuf *b)
{
    int tb = ix->tbits, width = ix->width, pos[32];
    const uint8_t *ent = tab->ent;
    size_t nk = 0, nc = 0;
    for (int rho = 0; rho <= r; rho++) {
        /* every rho-subset of the tb bits, in lexicographic order */
        for (int k = 0; k < rho; k++)
            pos[k] = k;
        for (;;) {
            uint32_t kk = key;
            for (int k = 0; k < rho; k++)
                kk ^= 1u << pos[k];
            if (KZ_UNLIKELY(nk == b->kcap) && KZ_GROW(b->keys, b->kcap, nk + 1)) {
                b->err = KZ_ENOMEM;
                return;
            }
            __builtin_prefetch(tab->rel ? (const void *)&tab->rel[kk] : (const void *)&tab->dir[kk]);
            b->keys[nk++] = kk;
            int k = rho - 1;
            while (k >= 0 && pos[k] == tb - rho + k)
                k--;
            if (k < 0)
                break;
            pos[k]++;
            for (int l = k + 1; l < rho; l++)
                pos[l] = pos[l - 1] + 1;
        }
    }
    for (size_t i = 0; i < nk; i++) {
        uint32_t kk = b->keys[i], lo = tab_off(tab, kk), hi = tab_off(tab, kk + 1);
        if (hi == lo)
            continue;
        if (KZ_UNLIKELY(nc + (hi - lo) > b->ccap) && KZ_GROW(b->cand, b->ccap, nc + (hi - lo))) {
            b->err = KZ_ENOMEM;
            return;
        }
        for (uint32_t e = lo; e < hi; e++) {
            uint32_t j = ent_get(ent, width, e);
            __builtin_prefetch(ix->h[j]);
            b->cand[nc++] = j;
        }
    }
    for (size_t i = 0; i < nc; i++) {
        uint32_t j = b->cand[i];
        int d = dist_sw(ix->h[j], q);
        if (d <= t)
            push_hit(b, j, d, qi);
    }
}

__attribute__((always_inline))
static inline void mih_body(const kz_pdqindex *ix, const uint64_t *q, int t, int qi, hitbuf *b)
{
    for (int i = 0; i < ix->m; i++) {
        int r = radius(ix->m, t, i);
        if (r >= 0)
            probe_table(ix, &ix->tab[i], extract(q, ix->start[i], ix->tbits),
                        KZ_MIN(r, ix->tbits), q, t, qi, b);
    }
}

static void mih_generic(const kz_pdqindex *ix, const uint64_t *q, int t, int qi, hitbuf *b)
{
    mih_body(ix, q, t, qi, b);
}

#ifdef PDQIX_X86
__attribute__((target("popcnt")))
static void mih_popcnt(const kz_pdqindex *ix, const uint64_t *q, int t, int qi, hitbuf *b)
{
    mih_body(ix, q, t, qi, b);
}
#endif

static int cmp_pos(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int kz_pdqindex_query(const kz_pdqindex *ix, const kz_pdq_hash *qh, int nq, int t,
                      int strategy, kz_pdqindex_hits *out)
{
    hitbuf b = { 0 };
    uint64_t *keys = NULL;
    int rc = KZ_EINVAL;
    if (!ix || !qh || !out || nq < 1 || nq > KZ_PDQINDEX_MAXQ || t < 0 || t > 256)
        return KZ_EINVAL;
    b.v = out->v;
    b.cap = out->cap;
    out->v = NULL;
    out->cap = 0;
    out->n = 0;

    bool use_mih = ix->m > 0 && strategy != KZ_PDQINDEX_FLAT;
    if (use_mih && strategy == KZ_PDQINDEX_AUTO)
        use_mih = mih_cost(ix->m, ix->tbits, t, ix->nmain) < COST_FLAT * (double)ix->nmain;
    /* even when asked for: a ball covering the key space is just a scan */
    if (use_mih && mih_probes(ix->m, ix->tbits, t) > (double)ix->m * (double)(1ull << ix->tbits) / 4)
        use_mih = false;
    for (int qi = 0; qi < nq; qi++) {
        uint64_t q[4];
        to_words(&qh[qi], q);
        size_t flat_from = use_mih ? ix->nmain : 0;
        if (use_mih) {
#ifdef PDQIX_X86
            if (ix->scan != scan_generic)
                mih_popcnt(ix, q, t, qi, &b);
            else
#endif
                mih_generic(ix, q, t, qi, &b);
        }
        ix->scan(ix->h, flat_from, ix->n, q, t, qi, &b);
    }
    if (b.err) {
        rc = b.err;
        goto out;
    }
    /* dedupe: sort (item, distance, query) packed in 64 bits */
    if (b.n > 1) {
        keys = kz_malloc(b.n * sizeof *keys);
        if (!keys) {
            rc = KZ_ENOMEM;
            goto out;
        }
        for (size_t k = 0; k < b.n; k++)
            keys[k] = (uint64_t)b.pos[k] << 32 | (uint64_t)b.v[k].distance << 16 | b.v[k].query;
        qsort(keys, b.n, sizeof *keys, cmp_pos);
        size_t w = 0;
        for (size_t k = 0; k < b.n; k++)
            if (w == 0 || keys[k] >> 32 != keys[w - 1] >> 32)
                keys[w++] = keys[k];
        /* order by distance, then item */
        for (size_t k = 0; k < w; k++)
            keys[k] = (keys[k] & 0xffff0000ull) << 32 | (keys[k] >> 32) << 16 | (keys[k] & 0xffff);
        qsort(keys, w, sizeof *keys, cmp_pos);
        for (size_t k = 0; k < w; k++) {
            uint32_t item = (uint32_t)(keys[k] >> 16);
            b.v[k].id = ix->id[item];
            b.v[k].distance = (uint16_t)(keys[k] >> 48);
            b.v[k].query = (uint16_t)(keys[k] & 0xffff);
        }
        b.n = w;
    } else if (b.n == 1) {
        b.v[0].id = ix->id[b.pos[0]];
    }
    rc = 0;
out:
    out->v = b.v;
    out->cap = b.cap;
    out->n = rc ? 0 : b.n;
    free(b.pos);
    free(b.keys);
    free(b.cand);
    free(keys);
    return rc;
}

void kz_pdqindex_hits_release(kz_pdqindex_hits *h)
{
    if (!h)
        return;
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

size_t kz_pdqindex_count(const kz_pdqindex *ix)
{
    return ix ? ix->n : 0;
}

int kz_pdqindex_m(const kz_pdqindex *ix)
{
    return ix ? ix->m : 0;
}

size_t kz_pdqindex_memory(const kz_pdqindex *ix)
{
    if (!ix)
        return 0;
    size_t s = sizeof *ix + ix->cap * (sizeof(hw) + sizeof(uint64_t));
    size_t nb = (size_t)1 << ix->tbits;
    for (int i = 0; i < ix->m; i++) {
        if (ix->tab[i].rel)
            s += ((nb >> BLK_SHIFT) + 1) * sizeof(uint32_t) + (nb + 1) * sizeof(uint16_t);
        else
            s += (nb + 1) * sizeof(uint32_t);
        s += ix->nmain * (size_t)ix->width + 1;
    }
    return s;
}
