/*
 * detect/pdqindex.c - exact Hamming-radius search over PDQ hashes:
 * multi-index hashing over compact bucket tables, a flat popcount scan
 * (AVX-512 VPOPCNTQ, AVX2 or POPCNT, chosen at run time), and a per-query
 * cost model choosing between them (pdqindex.h).
 *
 * Layout: hashes as 4 x 64-bit words (bit k of the PDQ hash is bit k % 64
 * of word k / 64) and ids in two arrays, in insertion order.  Entries are
 * cut into at most two segments, each with its own tables -- the main one
 * [0, seg[0].hi) and a delta [seg[0].hi, seg[1].hi) -- and a tail
 * [end, n) that is scanned flat.  Adds go to the tail; a full tail is
 * folded into the delta (rebuilding only the delta), and a delta grown to
 * an eighth of the main segment is merged into it (a full rebuild, which
 * geometric growth makes amortised O(1) per add).
 *
 * A segment's table i indexes bits [start_i, start_i + tbits) of every
 * hash: bucket key spans positions [lo, hi) of ent, the items (numbers
 * relative to the segment, 2, 3 or 4 bytes each) whose substring is key.
 * The offsets are packed in cells (struct pdqtab): a uint32 base and
 * 1- or 2-byte offsets relative to it, both ends of every bucket of the
 * cell in the cell, so reading a bucket's range is one cache line; plain
 * uint32 offsets when no cell format fits (skewed data).  The m substrings
 * are disjoint; bits outside them are only used by the final check, which
 * keeps the pigeonhole argument valid.
 *
 * A query streams the probe keys of all tables of a segment through a
 * software pipeline (struct pipe): keys whose offset cell is being
 * fetched, buckets whose items are being fetched, candidates whose hash
 * is being fetched.  At 10M entries nearly every one of those reads is a
 * cache miss, and the pipeline keeps many in flight.  The large arrays are
 * 2 MiB aligned and marked for transparent huge pages, so that they miss
 * the TLB less where the kernel (and a hypervisor) back them with huge
 * pages.
 */
#include "detect/pdqindex.h"

#include <math.h>
#include <sys/mman.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PDQIX_X86 1
#endif

#define MAXM        32
#define MAXSEG      2
#define TAIL_MIN    4096        /* tail scanned flat before a fold ... */
#define TAIL_CAP    65536       /* ... at most this once there is a delta */
#define TAIL_DIV    32          /* ... and at most main / TAIL_DIV */
#define DELTA_DIV   8           /* merge when the delta exceeds main / DELTA_DIV */
#define DEF_T       31          /* the threshold the tables are shaped for */
#define BYTES_BUDGET 40.0       /* table bytes per entry allowed on top of the raw 40 */
#define HUGE_SZ     ((size_t)2 << 20)
#define BUILD_PF    32          /* entries ahead prefetched by the build */

/* Costs for the model, in ns, fitted to bench/pdqindex/run (crossover,
 * and 10M at T = 31) on the benchmark machine: a probe (enumerating the
 * key, reading its offset cell and its items: two random reads) and a
 * candidate (one random 32-byte hash) when the tables are far bigger than
 * the cache; the flat scan streams 32 bytes per entry (AVX-512: ~1 ns). */
#define COST_PROBE  30.0
#define COST_CAND   15.0
#define COST_FLAT   1.0

typedef uint64_t hw[4];
struct hitbuf;

/* Bucket offsets in cells of csz bytes: a uint32 base, then bpc + 1
 * offsets of rw bytes relative to it (bucket c * bpc + i spans
 * [rel[i], rel[i + 1]) of cell c), so one probe reads one cache line. */
static const struct cellfmt { int csz, rw; } cellfmts[] = {
    { 64, 1 }, { 32, 1 }, { 16, 1 }, { 64, 2 }, { 32, 2 },
};
#define CELL_BPC(f) (((f).csz - 4) / (f).rw - 1)

struct pdqtab {
    uint32_t *dir;          /* 2^tbits + 1 plain offsets (skewed data), or NULL: */
    uint8_t  *cells;        /* ceil(2^tbits / bpc) cells, 64-byte aligned */
    uint64_t  inv;          /* 2^32 / bpc, rounded up: k / bpc = k * inv >> 32 */
    uint32_t  bpc;
    int       csz, rw;      /* rw 0: dir */
    uint8_t  *ent;          /* items, width bytes each (+ 4 bytes pad) */
};

struct seg {
    size_t lo, hi;          /* entries [lo, hi) */
    int    m, tbits, width;
    uint32_t emask;         /* mask of width bytes */
    int    start[MAXM];
    struct pdqtab tab[MAXM];
};

typedef void (*scan_fn)(const hw *, size_t, size_t, const uint64_t *, int, int, struct hitbuf *);

struct kz_pdqindex {
    hw       *h;
    uint64_t *id;
    size_t    n, cap;
    int       mreq;         /* requested m, 0 = choose */
    int       scan_kind;    /* enum kz_pdqindex_scan_kind in use */
    scan_fn   scan;
    int       nseg;
    struct seg seg[MAXSEG];
};

/* ---- small helpers --------------------------------------------------- */

/* Arrays of the tables: 64-byte aligned (a cell is one cache line), and
 * large ones 2 MiB aligned and marked for transparent huge pages (the
 * kernel may refuse; it is only a hint).  Freed with free(). */
static void *big_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, bytes < 2 * HUGE_SZ ? 64 : HUGE_SZ, bytes ? bytes : 1) != 0)
        return NULL;
    if (bytes < 2 * HUGE_SZ)
        return p;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes & ~(HUGE_SZ - 1), MADV_HUGEPAGE);
#endif
    return p;
}

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

/* Number of t-bit strings within radius r of one (as a double). */
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

/* Expected table bytes per bucket for n entries over 2^tb buckets: the
 * most compact cell format whose cells are expected to fit (with a
 * margin of 6 standard deviations). */
static double offset_bytes(size_t n, int tb)
{
    double avg = (double)n / (double)(1ull << tb), best = 4.0;
    for (size_t f = 0; f < KZ_ARRAY_LEN(cellfmts); f++) {
        double e = avg * CELL_BPC(cellfmts[f]), bytes = (double)cellfmts[f].csz / CELL_BPC(cellfmts[f]);
        if (e + 6.0 * sqrt(e) + 4.0 <= (cellfmts[f].rw == 1 ? 255.0 : 65535.0) && bytes < best)
            best = bytes;
    }
    return best;
}

static int item_width(size_t n)
{
    return n <= (1u << 16) ? 2 : n <= (1u << 24) ? 3 : 4;
}

/* Choose m and the key width for n entries (cost at DEF_T, within the
 * memory budget); mreq fixes m. */
static void choose_shape(size_t n, int mreq, int *mo, int *to)
{
    int width = item_width(n);
    double best = -1, bestmem = -1;
    int bm = mreq ? mreq : 8, bt = 8;
    for (int m = mreq ? mreq : 2; m <= (mreq ? mreq : MAXM); m++) {
        int tmax = KZ_MIN(24, 256 / m);
        for (int tb = 4; tb <= tmax; tb++) {
            double nbk = (double)(1ull << tb);
            double mem = (double)m * width + (double)m * (offset_bytes(n, tb) * nbk + 8) / (double)n;
            double c = mih_cost(m, tb, DEF_T, n);
            if (mem > BYTES_BUDGET) {
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
    int err;
};

static void push_hit(hitbuf *b, uint32_t item, int d, int qi)
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

/* Four hashes per step, one per 256-bit register: xor, byte popcounts by
 * nibble lookup (vpshufb), VPSADBW to four 64-bit sums per hash, then the
 * four hashes' sums transposed and added into one register. */
__attribute__((target("avx2,popcnt")))
static void scan_avx2(const hw *h, size_t lo, size_t hi, const uint64_t *q, int t, int qi, hitbuf *b)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
    const __m256i qq = _mm256_loadu_si256((const __m256i *)(const void *)q);
    const __m256i tt = _mm256_set1_epi64x(t);
    size_t i = lo;
#define PDQIX_SAD(x) _mm256_sad_epu8(_mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256((x), nib)), \
                     _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16((x), 4), nib))), zero)
    for (; i + 4 <= hi; i += 4) {
        __m256i s0 = PDQIX_SAD(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)h[i]), qq));
        __m256i s1 = PDQIX_SAD(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)h[i + 1]), qq));
        __m256i s2 = PDQIX_SAD(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)h[i + 2]), qq));
        __m256i s3 = PDQIX_SAD(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)h[i + 3]), qq));
        /* [s0.0+s0.1, s1.0+s1.1, s0.2+s0.3, s1.2+s1.3] */
        __m256i a = _mm256_add_epi64(_mm256_unpacklo_epi64(s0, s1), _mm256_unpackhi_epi64(s0, s1));
        __m256i c = _mm256_add_epi64(_mm256_unpacklo_epi64(s2, s3), _mm256_unpackhi_epi64(s2, s3));
        __m256i d = _mm256_add_epi64(_mm256_permute2x128_si256(a, c, 0x20),
                                     _mm256_permute2x128_si256(a, c, 0x31));     /* [d0, d1, d2, d3] */
        int k = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(d, tt))) ^ 0xf;
        if (KZ_UNLIKELY(k)) {
            for (int j = 0; j < 4; j++)
                if (k & (1 << j))
                    push_hit(b, (uint32_t)(i + j), dist_sw(h[i + j], q), qi);
        }
    }
#undef PDQIX_SAD
    scan_popcnt(h, i, hi, q, t, qi, b);
}

/* Two hashes per 512-bit register: xor, VPOPCNTQ, add the four counts of
 * each hash within its half, compare. */
__attribute__((target("avx512f,avx512vpopcntdq,popcnt")))
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

/* The scan for kind, or NULL when this CPU cannot run it. */
static scan_fn scan_for(int kind)
{
#ifdef PDQIX_X86
    __builtin_cpu_init();
    bool pc = __builtin_cpu_supports("popcnt");
    bool a2 = pc && __builtin_cpu_supports("avx2");
    bool a5 = pc && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
    switch (kind) {
    case KZ_PDQINDEX_SCAN_AUTO:
        return a5 ? scan_avx512 : a2 ? scan_avx2 : pc ? scan_popcnt : scan_generic;
    case KZ_PDQINDEX_SCAN_C:
        return scan_generic;
    case KZ_PDQINDEX_SCAN_POPCNT:
        return pc ? scan_popcnt : NULL;
    case KZ_PDQINDEX_SCAN_AVX2:
        return a2 ? scan_avx2 : NULL;
    case KZ_PDQINDEX_SCAN_AVX512:
        return a5 ? scan_avx512 : NULL;
    }
    return NULL;
#else
    return kind == KZ_PDQINDEX_SCAN_AUTO || kind == KZ_PDQINDEX_SCAN_C ? scan_generic : NULL;
#endif
}

static int scan_kind_of(scan_fn f)
{
#ifdef PDQIX_X86
    if (f == scan_avx512)
        return KZ_PDQINDEX_SCAN_AVX512;
    if (f == scan_avx2)
        return KZ_PDQINDEX_SCAN_AVX2;
    if (f == scan_popcnt)
        return KZ_PDQINDEX_SCAN_POPCNT;
#endif
    (void)f;
    return KZ_PDQINDEX_SCAN_C;
}

/* ---- tables ------------------------------------------------------------ */

static inline uint32_t ent_get(const uint8_t *e, int width, uint32_t mask, size_t k)
{
    uint32_t v;
    memcpy(&v, e + k * (size_t)width, 4);       /* little-endian; ent has 4 bytes pad */
    return v & mask;
}

static inline void ent_put(uint8_t *e, int width, size_t k, uint32_t v)
{
    uint8_t *p = e + k * (size_t)width;
    uint16_t lo = (uint16_t)v;
    if (width == 4) {
        memcpy(p, &v, 4);
    } else {
        memcpy(p, &lo, 2);
        if (width == 3)
            p[2] = (uint8_t)(v >> 16);
    }
}

static void seg_free(struct seg *s)
{
    for (int i = 0; i < MAXM; i++) {
        free(s->tab[i].dir);
        free(s->tab[i].cells);
        free(s->tab[i].ent);
    }
    memset(s, 0, sizeof *s);
}

/* Replace the plain offsets of tab (nb buckets) by the most compact cell
 * format they fit; keeps dir when none fits (or the allocation fails:
 * the table stays valid either way). */
static void compact_offsets(struct pdqtab *tab, size_t nb)
{
    const uint32_t *dir = tab->dir;
    int best = -1;
    for (int f = 0; f < (int)KZ_ARRAY_LEN(cellfmts); f++) {
        size_t bpc = (size_t)CELL_BPC(cellfmts[f]);
        uint32_t max = cellfmts[f].rw == 1 ? UINT8_MAX : UINT16_MAX;
        bool fits = true;
        for (size_t c = 0; c * bpc < nb && fits; c++)
            fits = dir[KZ_MIN((c + 1) * bpc, nb)] - dir[c * bpc] <= max;
        if (fits && (best < 0 || cellfmts[f].csz * CELL_BPC(cellfmts[best]) < cellfmts[best].csz * (int)bpc))
            best = f;
    }
    if (best < 0)
        return;
    int csz = cellfmts[best].csz, rw = cellfmts[best].rw;
    size_t bpc = (size_t)CELL_BPC(cellfmts[best]), ncell = (nb + bpc - 1) / bpc;
    uint8_t *cells = big_alloc(ncell * (size_t)csz);
    if (!cells)
        return;
    for (size_t c = 0; c < ncell; c++) {
        uint8_t *p = cells + c * (size_t)csz;
        uint32_t base = dir[c * bpc];
        memset(p, 0, (size_t)csz);
        memcpy(p, &base, 4);
        for (size_t i = 0; i <= bpc && c * bpc + i <= nb; i++) {
            uint32_t v = dir[c * bpc + i] - base;
            if (rw == 1)
                p[4 + i] = (uint8_t)v;
            else
                memcpy(p + 4 + 2 * i, &(uint16_t){ (uint16_t)v }, 2);
        }
    }
    free(tab->dir);
    tab->dir = NULL;
    tab->cells = cells;
    tab->csz = csz;
    tab->rw = rw;
    tab->bpc = (uint32_t)bpc;
    tab->inv = ((1ull << 32) + bpc - 1) / bpc;
}

/* Build the tables of entries [lo, hi) into *s (zeroed on failure). */
static int seg_build(const kz_pdqindex *ix, size_t lo, size_t hi, struct seg *s)
{
    int m, tb, width;
    size_t n = hi - lo;
    memset(s, 0, sizeof *s);
    choose_shape(n, ix->mreq, &m, &tb);
    width = item_width(n);
    s->lo = lo;
    s->hi = hi;
    s->m = m;
    s->tbits = tb;
    s->width = width;
    s->emask = width == 4 ? UINT32_MAX : (1u << (8 * width)) - 1;
    for (int i = 0; i < m; i++)
        s->start[i] = i * 256 / m;
    for (int i = 0; i < m; i++) {
        size_t nb = (size_t)1 << tb;
        struct pdqtab *tab = &s->tab[i];
        uint32_t *dir = kz_calloc(nb + 1, sizeof *dir);
        tab->dir = dir;
        tab->ent = big_alloc(n * (size_t)width + 4);
        if (!dir || !tab->ent) {
            seg_free(s);
            return KZ_ENOMEM;
        }
        memset(tab->ent + n * (size_t)width, 0, 4);
        /* a counting sort; its random accesses prefetched BUILD_PF ahead */
        for (size_t j = lo; j < hi; j++) {
            if (j + BUILD_PF < hi)
                __builtin_prefetch(&dir[extract(ix->h[j + BUILD_PF], s->start[i], tb) + 1], 1);
            dir[extract(ix->h[j], s->start[i], tb) + 1]++;
        }
        for (size_t k = 0; k < nb; k++)
            dir[k + 1] += dir[k];
        /* place with dir[key] as the cursor, then shift back */
        for (size_t j = lo; j < hi; j++) {
            if (j + BUILD_PF < hi)
                __builtin_prefetch(&dir[extract(ix->h[j + BUILD_PF], s->start[i], tb)], 1);
            if (j + BUILD_PF / 2 < hi) {
                uint32_t k2 = extract(ix->h[j + BUILD_PF / 2], s->start[i], tb);
                __builtin_prefetch(tab->ent + (size_t)dir[k2] * (size_t)width, 1);
            }
            uint32_t key = extract(ix->h[j], s->start[i], tb);
            ent_put(tab->ent, width, dir[key]++, (uint32_t)(j - lo));
        }
        for (size_t k = nb; k > 0; k--)
            dir[k] = dir[k - 1];
        dir[0] = 0;
        compact_offsets(tab, nb);
    }
    return 0;
}

/* Fold the tail: into the delta segment, or (all, or the delta grown
 * past main / DELTA_DIV) everything into one segment. */
static int fold(kz_pdqindex *ix, bool all)
{
    struct seg ns;
    size_t end = ix->nseg ? ix->seg[ix->nseg - 1].hi : 0;
    if (ix->n == end && (!all || ix->nseg <= 1))
        return 0;
    bool full = all || ix->nseg == 0 || ix->n - ix->seg[0].hi > ix->seg[0].hi / DELTA_DIV;
    int rc = seg_build(ix, full ? 0 : ix->seg[0].hi, ix->n, &ns);
    if (rc)
        return rc;
    if (full) {
        for (int k = 0; k < ix->nseg; k++)
            seg_free(&ix->seg[k]);
        ix->seg[0] = ns;
        ix->nseg = 1;
    } else {
        if (ix->nseg == 2)
            seg_free(&ix->seg[1]);
        ix->seg[1] = ns;
        ix->nseg = 2;
    }
    return 0;
}

/* ---- public -------------------------------------------------------------- */

int kz_pdqindex_flush(kz_pdqindex *ix)
{
    int rc = fold(ix, true);
    if (rc == 0 && ix->cap > ix->n && ix->n > 0) {
        /* give back the growth slack; the hashes into a fresh aligned
         * array (a realloc might lose the alignment; if the allocation
         * fails the index just keeps its slack) */
        hw *h = big_alloc(ix->n * sizeof *h);
        if (h) {
            memcpy(h, ix->h, ix->n * sizeof *h);
            free(ix->h);
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
        ix->scan = scan_for(KZ_PDQINDEX_SCAN_AUTO);
        ix->scan_kind = scan_kind_of(ix->scan);
    }
    return ix;
}

void kz_pdqindex_free(kz_pdqindex *ix)
{
    if (!ix)
        return;
    for (int k = 0; k < ix->nseg; k++)
        seg_free(&ix->seg[k]);
    free(ix->h);
    free(ix->id);
    free(ix);
}

int kz_pdqindex_set_scan(kz_pdqindex *ix, int kind)
{
    scan_fn f = ix ? scan_for(kind) : NULL;
    if (!f)
        return KZ_EINVAL;
    ix->scan = f;
    ix->scan_kind = scan_kind_of(f);
    return 0;
}

int kz_pdqindex_scan_kind(const kz_pdqindex *ix)
{
    return ix ? ix->scan_kind : scan_kind_of(scan_for(KZ_PDQINDEX_SCAN_AUTO));
}

const char *kz_pdqindex_scan_name(int kind)
{
    switch (kind) {
    case KZ_PDQINDEX_SCAN_C:      return "C";
    case KZ_PDQINDEX_SCAN_POPCNT: return "POPCNT";
    case KZ_PDQINDEX_SCAN_AVX2:   return "AVX2";
    case KZ_PDQINDEX_SCAN_AVX512: return "AVX-512 VPOPCNTQ";
    }
    return "auto";
}

int kz_pdqindex_add(kz_pdqindex *ix, const kz_pdq_hash *p, uint64_t id)
{
    if (ix->n >= UINT32_MAX - 1)
        return KZ_ETOOBIG;
    if (ix->n == ix->cap) {
        /* grow by a quarter (the slack counts against the memory budget);
         * the hashes move to a fresh huge-page allocation */
        size_t nc = ix->cap < 1024 ? 1024 : ix->cap + ix->cap / 4;
        uint64_t *d = kz_realloc(ix->id, nc * sizeof *d);
        if (!d)
            return KZ_ENOMEM;
        ix->id = d;                 /* merely larger if the next fails */
        hw *h = big_alloc(nc * sizeof *h);
        if (!h)
            return KZ_ENOMEM;
        if (ix->n)
            memcpy(h, ix->h, ix->n * sizeof *h);
        free(ix->h);
        ix->h = h;
        ix->cap = nc;
    }
    to_words(p, ix->h[ix->n]);
    ix->id[ix->n] = id;
    ix->n++;
    size_t end = ix->nseg ? ix->seg[ix->nseg - 1].hi : 0;
    size_t lim = ix->nseg ? KZ_MAX((size_t)TAIL_MIN, KZ_MIN((size_t)TAIL_CAP, ix->seg[0].hi / TAIL_DIV)) : TAIL_MIN;
    if (ix->n - end > lim)
        (void)fold(ix, false);      /* on ENOMEM the tail just stays longer */
    return 0;
}

/* Bucket k of tab spans items [*lo, *hi). */
static inline void tab_range(const struct pdqtab *tab, uint32_t k, uint32_t *lo, uint32_t *hi)
{
    if (tab->rw) {
        uint32_t c = (uint32_t)(((uint64_t)k * tab->inv) >> 32), i = k - c * tab->bpc, base;
        const uint8_t *p = tab->cells + (size_t)c * (size_t)tab->csz;
        memcpy(&base, p, 4);
        if (tab->rw == 1) {
            *lo = base + p[4 + i];
            *hi = base + p[5 + i];
        } else {
            uint16_t a, b;
            memcpy(&a, p + 4 + 2 * i, 2);
            memcpy(&b, p + 6 + 2 * i, 2);
            *lo = base + a;
            *hi = base + b;
        }
    } else {
        *lo = tab->dir[k];
        *hi = tab->dir[k + 1];
    }
}

static inline void tab_prefetch(const struct pdqtab *tab, uint32_t k)
{
    if (tab->rw)
        __builtin_prefetch(tab->cells + (size_t)(((uint64_t)k * tab->inv) >> 32) * (size_t)tab->csz);
    else
        __builtin_prefetch(&tab->dir[k]);
}

/* Enumerates the keys within radius r of key (tb bits): rho-subsets of
 * the bits for rho = 0..r, in lexicographic order. */
struct ballit {
    uint32_t key;
    int tb, r, rho, done;
    int pos[32];
};

static void ballit_init(struct ballit *it, uint32_t key, int tb, int r)
{
    it->key = key;
    it->tb = tb;
    it->r = KZ_MIN(r, tb);
    it->rho = 0;
    it->done = r < 0;
}

static inline int ballit_next(struct ballit *it, uint32_t *out)
{
    if (it->done)
        return 0;
    int rho = it->rho, k;
    uint32_t kk = it->key;
    for (k = 0; k < rho; k++)
        kk ^= 1u << it->pos[k];
    *out = kk;
    for (k = rho - 1; k >= 0 && it->pos[k] == it->tb - rho + k; k--)
        ;
    if (k >= 0) {
        it->pos[k]++;
        for (int l = k + 1; l < rho; l++)
            it->pos[l] = it->pos[l - 1] + 1;
    } else if (++rho > it->r) {
        it->done = 1;
    } else {
        it->rho = rho;
        for (k = 0; k < rho; k++)
            it->pos[k] = k;
    }
    return 1;
}

/* The probe pipeline: three rings of work in flight, each entry's memory
 * prefetched when it is queued and used PD_* steps later, so that a
 * steady number of random reads is always outstanding. */
#define PD_K    32              /* keys whose bucket offsets are on the way */
#define PD_B    24              /* buckets whose items are on the way */
#define PD_C    64              /* candidates whose hashes are on the way */
#define RING_K  64
#define RING_B  64
#define RING_C  1024            /* > PD_C + a bucket's worth (else checked early) */

struct pipe {
    const struct seg *s;
    const hw *h;                /* the segment's hashes */
    const uint64_t *q;
    int t, qi;
    unsigned kh, kt, bh, bt, ch, ct;    /* ring heads (pop) and tails (push) */
    uint32_t key[RING_K];
    uint8_t  ktab[RING_K], btab[RING_B];
    uint32_t blo[RING_B], bhi[RING_B];
    uint32_t cand[RING_C];
};

__attribute__((always_inline))
static inline void pipe_check(struct pipe *p, hitbuf *b)
{
    uint32_t j = p->cand[p->ch++ % RING_C];
    int d = dist_sw(p->h[j], p->q);
    if (d <= p->t)
        push_hit(b, (uint32_t)(p->s->lo + j), d, p->qi);
}

__attribute__((always_inline))
static inline void pipe_bucket(struct pipe *p, hitbuf *b)
{
    unsigned k = p->bh++ % RING_B;
    const struct seg *s = p->s;
    const uint8_t *ent = s->tab[p->btab[k]].ent;
    for (uint32_t e = p->blo[k]; e < p->bhi[k]; e++) {
        uint32_t j = ent_get(ent, s->width, s->emask, e);
        __builtin_prefetch(p->h[j]);
        if (p->ct - p->ch == RING_C)
            pipe_check(p, b);
        p->cand[p->ct++ % RING_C] = j;
    }
}

__attribute__((always_inline))
static inline void pipe_key(struct pipe *p)
{
    unsigned k = p->kh++ % RING_K;
    const struct pdqtab *tab = &p->s->tab[p->ktab[k]];
    uint32_t lo, hi;
    tab_range(tab, p->key[k], &lo, &hi);
    if (hi > lo) {
        unsigned o = p->bt++ % RING_B;
        __builtin_prefetch(tab->ent + (size_t)lo * (size_t)p->s->width);
        p->blo[o] = lo;
        p->bhi[o] = hi;
        p->btab[o] = p->ktab[k];
    }
}

/* Advance the later stages; flush: until everything queued is checked. */
__attribute__((always_inline))
static inline void pipe_step(struct pipe *p, hitbuf *b, bool flush)
{
    if (p->kt - p->kh > PD_K || (flush && p->kt != p->kh))
        pipe_key(p);
    if (p->bt - p->bh > PD_B || (flush && p->kt == p->kh && p->bt != p->bh))
        pipe_bucket(p, b);
    while (p->ct - p->ch > PD_C || (flush && p->bt == p->bh && p->kt == p->kh && p->ct != p->ch))
        pipe_check(p, b);
}

__attribute__((always_inline))
static inline void mih_body(const kz_pdqindex *ix, const struct seg *s, const uint64_t *q, int t, int qi,
                            hitbuf *b)
{
    struct pipe p;
    p.s = s;
    p.h = ix->h + s->lo;
    p.q = q;
    p.t = t;
    p.qi = qi;
    p.kh = p.kt = p.bh = p.bt = p.ch = p.ct = 0;
    for (int i = 0; i < s->m; i++) {
        const struct pdqtab *tab = &s->tab[i];
        struct ballit it;
        uint32_t kk;
        ballit_init(&it, extract(q, s->start[i], s->tbits), s->tbits, radius(s->m, t, i));
        while (ballit_next(&it, &kk)) {
            unsigned o = p.kt++ % RING_K;
            tab_prefetch(tab, kk);
            p.key[o] = kk;
            p.ktab[o] = (uint8_t)i;
            pipe_step(&p, b, false);
        }
    }
    while (p.kt != p.kh || p.bt != p.bh || p.ct != p.ch)
        pipe_step(&p, b, true);
}

static void mih_generic(const kz_pdqindex *ix, const struct seg *s, const uint64_t *q, int t, int qi, hitbuf *b)
{
    mih_body(ix, s, q, t, qi, b);
}

#ifdef PDQIX_X86
__attribute__((target("popcnt")))
static void mih_popcnt(const kz_pdqindex *ix, const struct seg *s, const uint64_t *q, int t, int qi, hitbuf *b)
{
    mih_body(ix, s, q, t, qi, b);
}
#endif

/* Whether segment s is better probed than scanned for threshold t. */
static bool use_tables(const struct seg *s, int t, int strategy)
{
    size_t n = s->hi - s->lo;
    if (strategy == KZ_PDQINDEX_FLAT)
        return false;
    /* even when asked for: a ball covering the key space is just a scan */
    if (mih_probes(s->m, s->tbits, t) > (double)s->m * (double)(1ull << s->tbits) / 4)
        return false;
    if (strategy == KZ_PDQINDEX_MIH)
        return true;
    return mih_cost(s->m, s->tbits, t, n) < COST_FLAT * (double)n;
}

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
    bool mih[MAXSEG];
    if (!ix || !qh || !out || nq < 1 || nq > KZ_PDQINDEX_MAXQ || t < 0 || t > 256)
        return KZ_EINVAL;
    b.v = out->v;
    b.cap = out->cap;
    out->v = NULL;
    out->cap = 0;
    out->n = 0;

    for (int k = 0; k < ix->nseg; k++)
        mih[k] = use_tables(&ix->seg[k], t, strategy);
    for (int qi = 0; qi < nq && !b.err; qi++) {
        uint64_t q[4];
        size_t from = 0;
        to_words(&qh[qi], q);
        for (int k = 0; k < ix->nseg; k++) {
            const struct seg *s = &ix->seg[k];
            if (!mih[k]) {
                ix->scan(ix->h, s->lo, s->hi, q, t, qi, &b);
            } else {
#ifdef PDQIX_X86
                if (ix->scan != scan_generic)
                    mih_popcnt(ix, s, q, t, qi, &b);
                else
#endif
                    mih_generic(ix, s, q, t, qi, &b);
            }
            from = s->hi;
        }
        ix->scan(ix->h, from, ix->n, q, t, qi, &b);
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
    return ix && ix->nseg ? ix->seg[0].m : 0;
}

int kz_pdqindex_tbits(const kz_pdqindex *ix)
{
    return ix && ix->nseg ? ix->seg[0].tbits : 0;
}

size_t kz_pdqindex_memory(const kz_pdqindex *ix)
{
    if (!ix)
        return 0;
    size_t s = sizeof *ix + ix->cap * (sizeof(hw) + sizeof(uint64_t));
    for (int k = 0; k < ix->nseg; k++) {
        const struct seg *g = &ix->seg[k];
        size_t nb = (size_t)1 << g->tbits;
        for (int i = 0; i < g->m; i++) {
            const struct pdqtab *tab = &g->tab[i];
            if (tab->rw)
                s += (nb + tab->bpc - 1) / tab->bpc * (size_t)tab->csz;
            else
                s += (nb + 1) * sizeof(uint32_t);
            s += (g->hi - g->lo) * (size_t)g->width + 4;
        }
    }
    return s;
}
