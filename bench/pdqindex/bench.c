/*
 * bench/pdqindex/bench.c - kz_pdqindex against a linear popcount scan.
 *
 *   bench-pdqindex [N [QUERIES [LINEAR_QUERIES [M]]]]
 *   bench-pdqindex crossover
 *
 * N random 256-bit hashes (splitmix64, fixed seed); QUERIES queries, each a
 * stored hash with d bits flipped: 80% with d in 0..31 (a planted match),
 * 20% with d in 32..40 (a planted near miss).  Every query is answered by
 * the index at T=31 (timed), and the first LINEAR_QUERIES of them by a
 * plain linear scan (scalar popcount over all N, timed and extrapolated to
 * per-query figures); recall compares the index's result sets with the
 * linear scan's on those.  Also the index's own flat scan, with each
 * kernel the CPU has.  Rates are per CPU second of the one thread (the
 * target is per core, and the machine may be shared); wall-clock figures
 * are printed beside them.
 *
 * crossover: tables against the flat scan for sizes 1,000 .. 1,000,000 and
 * thresholds 8 .. 64, and what the cost model picks (AUTO), to check the
 * model's constants.
 *
 * Not a test: bench/pdqindex/run builds and runs it.
 */

#include "detect/pdqindex.h"
#include <time.h>
#include <sys/resource.h>
#include <math.h>

/* splitmix64: every output bit depends non-linearly on the state.  (A bare
 * xorshift is linear over GF(2): hashes cut from its successive outputs
 * all lie in one 64-dimensional subspace, and their substrings do not
 * fill the key space -- buckets 3x fuller than random data.) */
static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* the baseline: what one writes without an index */
__attribute__((target("popcnt")))
static size_t linear(const uint64_t (*h)[4], size_t n, const uint64_t q[4], int t, uint32_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int d = __builtin_popcountll(h[i][0] ^ q[0]) + __builtin_popcountll(h[i][1] ^ q[1]) +
                __builtin_popcountll(h[i][2] ^ q[2]) + __builtin_popcountll(h[i][3] ^ q[3]);
        if (d <= t && k < max)
            out[k++] = (uint32_t)i;
    }
    return k;
}

static void to_words(const kz_pdq_hash *p, uint64_t w[4])
{
    for (int i = 0; i < 4; i++)
        w[i] = (uint64_t)p->w[4 * i] | (uint64_t)p->w[4 * i + 1] << 16 |
               (uint64_t)p->w[4 * i + 2] << 32 | (uint64_t)p->w[4 * i + 3] << 48;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void rand_hash(kz_pdq_hash *h)
{
    for (int k = 0; k < 4; k++) {
        uint64_t r = rnd();
        for (int j = 0; j < 4; j++)
            h->w[4 * k + j] = (uint16_t)(r >> (16 * j));
    }
}

static void flip(kz_pdq_hash *h, int d)
{
    uint8_t used[256] = { 0 };
    for (int f = 0; f < d;) {
        int b = (int)(rnd() % 256);
        if (used[b])
            continue;
        used[b] = 1;
        h->w[b >> 4] ^= (uint16_t)(1u << (b & 15));
        f++;
    }
}

/* CPU microseconds per query of strategy st over qs[0..nq) at t. */
static double time_queries(kz_pdqindex *ix, const kz_pdq_hash *qs, size_t nq, int t, int st,
                           kz_pdqindex_hits *hits)
{
    double c0 = cpu();
    for (size_t i = 0; i < nq; i++)
        if (kz_pdqindex_query(ix, &qs[i], 1, t, st, hits) != 0)
            exit(1);
    return (cpu() - c0) / (double)nq * 1e6;
}

static int crossover(void)
{
    static const size_t ns[] = { 1000, 3000, 10000, 30000, 100000, 300000, 1000000 };
    static const int ts[] = { 8, 16, 24, 31, 40, 48, 56, 64 };
    kz_pdqindex_hits hits = { 0 };
    enum { NQ = 200 };
    kz_pdq_hash qs[NQ];
    printf("CPU us/query, tables / flat scan (%s); * = what AUTO picks\n",
           kz_pdqindex_scan_name(kz_pdqindex_scan_kind(NULL)));
    printf("%9s", "N \\ T");
    for (size_t k = 0; k < sizeof ts / sizeof *ts; k++)
        printf(" %14d", ts[k]);
    printf("\n");
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++) {
        size_t n = ns[a];
        kz_pdqindex *ix = kz_pdqindex_new(0);
        kz_pdq_hash h;
        for (size_t i = 0; i < n; i++) {
            rand_hash(&h);
            if (i < NQ)
                qs[i] = h;
            kz_pdqindex_add(ix, &h, i);
        }
        kz_pdqindex_flush(ix);
        for (size_t i = 0; i < NQ; i++)
            flip(&qs[i], (int)(rnd() % 32));
        printf("%9zu", n);
        for (size_t k = 0; k < sizeof ts / sizeof *ts; k++) {
            size_t nq = n >= 300000 ? NQ / 4 : NQ;
            double mih = time_queries(ix, qs, nq, ts[k], KZ_PDQINDEX_MIH, &hits);
            double flat = time_queries(ix, qs, nq, ts[k], KZ_PDQINDEX_FLAT, &hits);
            double aut = time_queries(ix, qs, nq, ts[k], KZ_PDQINDEX_AUTO, &hits);
            bool auto_mih = fabs(aut - mih) < fabs(aut - flat);
            char cell[64];
            snprintf(cell, sizeof cell, "%s%.0f/%s%.0f", auto_mih ? "*" : "", mih, auto_mih ? "" : "*", flat);
            printf(" %14s", cell);
            fflush(stdout);
        }
        printf("\n");
        kz_pdqindex_free(ix);
    }
    kz_pdqindex_hits_release(&hits);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "crossover") == 0)
        return crossover();
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    size_t nq = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000;
    size_t nlin = argc > 3 ? strtoull(argv[3], NULL, 10) : 100;
    int m = argc > 4 ? atoi(argv[4]) : 0;
    const int T = 31;
    if (nlin > nq)
        nlin = nq;
    kz_pdq_hash *hs = malloc(n * sizeof *hs);
    uint64_t (*raw)[4] = malloc(n * sizeof *raw);
    kz_pdq_hash *qs = malloc(nq * sizeof *qs);
    int *planted = malloc(nq * sizeof *planted);
    uint32_t *lin = malloc(100000 * sizeof *lin);
    if (!hs || !raw || !qs || !planted || !lin)
        return 1;
    for (size_t i = 0; i < n; i++) {
        rand_hash(&hs[i]);
        to_words(&hs[i], raw[i]);
    }
    for (size_t i = 0; i < nq; i++) {
        qs[i] = hs[rnd() % n];
        planted[i] = i % 5 == 4 ? 32 + (int)(rnd() % 9) : (int)(rnd() % 32);
        flip(&qs[i], planted[i]);
    }

    kz_pdqindex *ix = kz_pdqindex_new(m);
    double t0 = now();
    for (size_t i = 0; i < n; i++)
        if (kz_pdqindex_add(ix, &hs[i], i) != 0)
            return 1;
    double t1 = now();
    /* as the adds left it: a delta segment and a tail besides the main tables */
    kz_pdqindex_hits hits = { 0 };
    size_t nq0 = nq < 200 ? nq : 200;
    double pre = nq0 ? time_queries(ix, qs, nq0, T, KZ_PDQINDEX_AUTO, &hits) : 0;
    double t1b = now();
    kz_pdqindex_flush(ix);
    double t2 = now();
    size_t mem = kz_pdqindex_memory(ix);
    double rawb = (double)n * 40.0;
    printf("entries           %zu (random 256-bit), T=%d, %zu queries (%zu planted <= 31, %zu at 32..40)\n",
           n, T, nq, nq - nq / 5, nq / 5);
    printf("index             m=%d substrings, %d-bit keys, flat scan kernel: %s\n", kz_pdqindex_m(ix),
           kz_pdqindex_tbits(ix), kz_pdqindex_scan_name(kz_pdqindex_scan_kind(ix)));
    printf("build             %.2f s adding (tail folds included), %.2f s final flush\n", t1 - t0, t2 - t1b);
    printf("memory            %.1f MB = %.2f x raw (%.1f MB: 32-byte hash + 8-byte id each); %.1f table bytes per entry\n",
           (double)mem / 1e6, (double)mem / rawb, rawb / 1e6, ((double)mem - rawb) / (double)n);

    printf("before the flush  %.1f us/query, %.0f queries/s per CPU second (%zu queries; the index as the adds left it)\n",
           pre, pre > 0 ? 1e6 / pre : 0, nq0);
    uint64_t **sets = calloc(nq, sizeof *sets);
    size_t *nset = calloc(nq, sizeof *nset);
    size_t found_planted = 0, total_hits = 0;
    double q0 = now(), qc0 = cpu();
    for (size_t i = 0; i < nq; i++) {
        if (kz_pdqindex_query(ix, &qs[i], 1, T, KZ_PDQINDEX_AUTO, &hits) != 0)
            return 1;
        sets[i] = malloc((hits.n + 1) * sizeof **sets);
        for (size_t k = 0; k < hits.n; k++)
            sets[i][k] = hits.v[k].id;
        nset[i] = hits.n;
        total_hits += hits.n;
        if (planted[i] <= T && hits.n > 0)
            found_planted++;
    }
    double q1 = now(), qc1 = cpu();
    double ix_qps = (double)nq / (qc1 - qc0);
    printf("index query       %.1f us/query, %.0f queries/s per CPU second (wall: %.0f/s); %zu hits, planted found %zu of %zu\n",
           (qc1 - qc0) / (double)nq * 1e6, ix_qps, (double)nq / (q1 - q0), total_hits, found_planted, nq - nq / 5);

    /* the index's own flat scan, with each kernel this CPU has */
    size_t nflat = nlin < 20 ? nlin : 20;
    double flat_qps = 0;
    for (int kind = KZ_PDQINDEX_SCAN_C; kind <= KZ_PDQINDEX_SCAN_AVX512 && nflat; kind++) {
        if (kz_pdqindex_set_scan(ix, kind) != 0)
            continue;
        double f0 = cpu();
        for (size_t i = 0; i < nflat; i++)
            kz_pdqindex_query(ix, &qs[i], 1, T, KZ_PDQINDEX_FLAT, &hits);
        double f1 = cpu();
        flat_qps = (double)nflat / (f1 - f0);
        printf("flat scan         %.0f queries/s, %s kernel (timed on %zu queries)\n", flat_qps,
               kz_pdqindex_scan_name(kind), nflat);
    }
    kz_pdqindex_set_scan(ix, KZ_PDQINDEX_SCAN_AUTO);

    size_t agree = 0, want = 0, got = 0;
    double lin_cpu = 0, l0 = now();
    for (size_t i = 0; i < nlin; i++) {
        uint64_t q[4];
        to_words(&qs[i], q);
        double c0 = cpu();
        size_t k = linear((const uint64_t (*)[4])raw, n, q, T, lin, 100000);
        lin_cpu += cpu() - c0;
        uint64_t *a = malloc((k + 1) * sizeof *a);
        for (size_t j = 0; j < k; j++)
            a[j] = lin[j];
        qsort(a, k, sizeof *a, cmp_u64);
        qsort(sets[i], nset[i], sizeof **sets, cmp_u64);
        want += k;
        got += nset[i];
        if (k == nset[i] && memcmp(a, sets[i], k * sizeof *a) == 0)
            agree++;
        free(a);
    }
    double l1 = now();
    double lin_qps = nlin ? (double)nlin / lin_cpu : 0;
    printf("linear scan       %.0f queries/s per CPU second (wall: %.0f/s; scalar popcnt, timed on %zu queries)\n",
           lin_qps, nlin ? (double)nlin / (l1 - l0) : 0, nlin);
    printf("speed-up          %.0fx over the linear scan, %.0fx over the fastest flat scan\n",
           lin_qps > 0 ? ix_qps / lin_qps : 0, flat_qps > 0 ? ix_qps / flat_qps : 0);
    printf("recall            %zu of %zu result sets identical to the linear scan's (%zu of %zu hits)\n",
           agree, nlin, got, want);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS          %.0f MB (includes the benchmark's own copies)\n", (double)ru.ru_maxrss / 1e3);
    kz_pdqindex_hits_release(&hits);
    kz_pdqindex_free(ix);
    return agree == nlin ? 0 : 1;
}
