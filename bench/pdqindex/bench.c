/*
 * bench/pdqindex/bench.c - kz_pdqindex against a linear popcount scan.
 *
 *   bench-pdqindex [N [QUERIES [LINEAR_QUERIES [M]]]]
 *
 * N random 256-bit hashes (xorshift, fixed seed); QUERIES queries, each a
 * stored hash with d bits flipped: 80% with d in 0..31 (a planted match),
 * 20% with d in 32..40 (a planted near miss).  Every query is answered by
 * the index at T=31 (timed), and the first LINEAR_QUERIES of them by a
 * plain linear scan (scalar popcount over all N, timed and extrapolated to
 * per-query figures); recall compares the index's result sets with the
 * linear scan's on those.  Also the index's own flat AVX-512 scan.
 * One thread.  Not a test: bench/pdqindex/run builds and runs it.
 */

#include "detect/pdqindex.h"
#include <time.h>
#include <sys/resource.h>

static uint64_t rs = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

int main(int argc, char **argv)
{
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
        for (int k = 0; k < 16; k++)
            hs[i].w[k] = (uint16_t)rnd();
        to_words(&hs[i], raw[i]);
    }
    for (size_t i = 0; i < nq; i++) {
        qs[i] = hs[rnd() % n];
        int d = i % 5 == 4 ? 32 + (int)(rnd() % 9) : (int)(rnd() % 32);
        planted[i] = d;
        uint8_t used[256] = { 0 };
        for (int f = 0; f < d;) {
            int b = (int)(rnd() % 256);
            if (used[b])
                continue;
            used[b] = 1;
            qs[i].w[b >> 4] ^= (uint16_t)(1u << (b & 15));
            f++;
        }
    }

    kz_pdqindex *ix = kz_pdqindex_new(m);
    double t0 = now();
    for (size_t i = 0; i < n; i++)
        if (kz_pdqindex_add(ix, &hs[i], i) != 0)
            return 1;
    double t1 = now();
    kz_pdqindex_flush(ix);
    double t2 = now();
    size_t mem = kz_pdqindex_memory(ix);
    double rawb = (double)n * 40.0;
    printf("entries           %zu (random 256-bit), T=%d, %zu queries (%zu planted <= 31, %zu at 32..40)\n",
           n, T, nq, nq - nq / 5, nq / 5);
    printf("index             m=%d substrings, AVX-512 scan: %s\n", kz_pdqindex_m(ix),
           kz_pdqindex_simd() ? "yes" : "no");
    printf("build             %.2f s adding (tail folds included), %.2f s final flush\n", t1 - t0, t2 - t1);
    printf("memory            %.1f MB = %.2f x raw (%.1f MB: 32-byte hash + 8-byte id each)\n",
           (double)mem / 1e6, (double)mem / rawb, rawb / 1e6);

    kz_pdqindex_hits hits = { 0 };
    uint64_t **sets = calloc(nq, sizeof *sets);
    size_t *nset = calloc(nq, sizeof *nset);
    size_t found_planted = 0, total_hits = 0;
    double q0 = now();
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
    double q1 = now();
    double ix_qps = (double)nq / (q1 - q0);
    printf("index query       %.1f us/query, %.0f queries/s (%zu hits; planted found %zu of %zu)\n",
           (q1 - q0) / (double)nq * 1e6, ix_qps, total_hits, found_planted, nq - nq / 5);

    /* the index's own flat scan (AVX-512 when present) on a few queries */
    size_t nflat = nlin < 20 ? nlin : 20;
    double f0 = now();
    for (size_t i = 0; i < nflat; i++)
        kz_pdqindex_query(ix, &qs[i], 1, T, KZ_PDQINDEX_FLAT, &hits);
    double f1 = now();
    double flat_qps = nflat ? (double)nflat / (f1 - f0) : 0;

    size_t agree = 0, want = 0, got = 0;
    double l0 = now();
    for (size_t i = 0; i < nlin; i++) {
        uint64_t q[4];
        to_words(&qs[i], q);
        size_t k = linear((const uint64_t (*)[4])raw, n, q, T, lin, 100000);
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
    double lin_qps = nlin ? (double)nlin / (l1 - l0) : 0;
    printf("linear scan       %.0f queries/s (scalar popcnt, timed on %zu queries)\n", lin_qps, nlin);
    printf("flat AVX-512 scan %.0f queries/s (the index's own scan, timed on %zu queries)\n", flat_qps, nflat);
    printf("speed-up          %.0fx over the linear scan, %.0fx over the AVX-512 scan\n",
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
