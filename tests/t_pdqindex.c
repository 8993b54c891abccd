/*
 * tests/t_pdqindex.c - detect/pdqindex: exact radius search, checked
 * against a brute-force scan.
 */
#include "kt.h"
#include "detect/pdqindex.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void rand_hash(kz_pdq_hash *h)
{
    for (int i = 0; i < 16; i++)
        h->w[i] = (uint16_t)rnd();
}

static void flip_bits(kz_pdq_hash *h, int d)
{
    /* flip d distinct bits */
    uint8_t used[256] = { 0 };
    while (d > 0) {
        int k = (int)(rnd() % 256);
        if (used[k])
            continue;
        used[k] = 1;
        h->w[k >> 4] ^= (uint16_t)(1u << (k & 15));
        d--;
    }
}

/* Brute force: for every stored entry, the smallest distance to any query;
 * compare with the index's hits (ids are the insertion numbers). */
static void check_query(const kz_pdqindex *ix, const kz_pdq_hash *all, size_t n,
                        const kz_pdq_hash *q, int nq, int t, int strategy)
{
    kz_pdqindex_hits hits = { 0 };
    int rc = kz_pdqindex_query(ix, q, nq, t, strategy, &hits);
    KT_EQ_INT(rc, 0);
    size_t want = 0;
    int *best = calloc(n ? n : 1, sizeof *best);
    for (size_t i = 0; i < n; i++) {
        best[i] = 999;
        for (int k = 0; k < nq; k++) {
            int d = kz_pdq_distance(&all[i], &q[k]);
            if (d < best[i])
                best[i] = d;
        }
        if (best[i] <= t)
            want++;
    }
    KT_EQ_INT(hits.n, want);
    int last = -1;
    for (size_t k = 0; k < hits.n; k++) {
        uint64_t id = hits.v[k].id;
        KT_CHECK(id < n);
        if (id >= n)
            break;
        KT_EQ_INT(hits.v[k].distance, best[id]);
        KT_CHECK((int)hits.v[k].distance >= last);
        KT_EQ_INT(kz_pdq_distance(&all[id], &q[hits.v[k].query]), hits.v[k].distance);
        last = hits.v[k].distance;
        best[id] = 1000;            /* reported twice -> the check above fails */
    }
    free(best);
    kz_pdqindex_hits_release(&hits);
}

static void run_sizes(int m, size_t n, const int *ts, size_t nts, uint64_t seed)
{
    rng_state = seed;
    kz_pdq_hash *all = malloc((n ? n : 1) * sizeof *all);
    kz_pdqindex *ix = kz_pdqindex_new(m);
    KT_CHECK(ix != NULL);
    /* clusters: every 4th hash is a near copy of an earlier one */
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && i % 4 == 0) {
            all[i] = all[rnd() % i];
            flip_bits(&all[i], (int)(rnd() % 48));
        } else {
            rand_hash(&all[i]);
        }
        KT_EQ_INT(kz_pdqindex_add(ix, &all[i], i), 0);
    }
    KT_EQ_INT(kz_pdqindex_count(ix), n);
    for (int round = 0; round < 2; round++) {
        for (int qn = 0; qn < 4; qn++) {
            kz_pdq_hash q[2];
            if (n && qn % 2 == 0) {
                q[0] = all[rnd() % n];
                flip_bits(&q[0], (int)(rnd() % 40));
            } else {
                rand_hash(&q[0]);
            }
            rand_hash(&q[1]);
            for (size_t k = 0; k < nts; k++) {
                check_query(ix, all, n, q, 1, ts[k], KZ_PDQINDEX_AUTO);
                check_query(ix, all, n, q, 1, ts[k], KZ_PDQINDEX_MIH);
                check_query(ix, all, n, q, 1, ts[k], KZ_PDQINDEX_FLAT);
                check_query(ix, all, n, q, 2, ts[k], KZ_PDQINDEX_MIH);
            }
        }
        KT_EQ_INT(kz_pdqindex_flush(ix), 0);   /* second round: all in the tables */
    }
    KT_CHECK(kz_pdqindex_memory(ix) > 0);
    kz_pdqindex_free(ix);
    free(all);
}

KT_TEST(pdqindex_exact_random)
{
    static const int ts[] = { 0, 1, 5, 16, 31, 32, 40, 70, 128, 256 };
    run_sizes(0, 3000, ts, KZ_ARRAY_LEN(ts), 1);
    run_sizes(0, 12000, ts, KZ_ARRAY_LEN(ts), 2);
    run_sizes(8, 8000, ts, KZ_ARRAY_LEN(ts), 3);
    run_sizes(16, 3000, ts, KZ_ARRAY_LEN(ts), 4);
    run_sizes(3, 3000, ts, KZ_ARRAY_LEN(ts), 5);
    run_sizes(32, 3000, ts, KZ_ARRAY_LEN(ts), 6);
    run_sizes(0, 1, ts, KZ_ARRAY_LEN(ts), 7);
    /* 8-bit keys over 20,000 entries: ~78 a bucket, 2-byte offset cells */
    run_sizes(32, 20000, ts, KZ_ARRAY_LEN(ts), 8);
    run_sizes(2, 3000, ts, KZ_ARRAY_LEN(ts), 9);
}

/* Hashes added after the tables were built: first flat in the tail, then
 * in a delta segment with its own tables, then merged into the main one;
 * every stage exact against brute force, and the flushed index within
 * twice the raw 40 bytes (hash + id) per entry. */
KT_TEST(pdqindex_delta)
{
    static const int ts[] = { 0, 31, 32 };
    size_t n0 = 40000, n = 76000;
    rng_state = 31337;
    kz_pdq_hash *all = malloc(n * sizeof *all);
    kz_pdqindex *ix = kz_pdqindex_new(0);
    KT_CHECK(ix != NULL);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && i % 3 == 0) {
            all[i] = all[rnd() % i];
            flip_bits(&all[i], (int)(rnd() % 40));
        } else {
            rand_hash(&all[i]);
        }
    }
    for (size_t i = 0; i < n0; i++)
        KT_EQ_INT(kz_pdqindex_add(ix, &all[i], i), 0);
    KT_EQ_INT(kz_pdqindex_flush(ix), 0);
    /* main 40,000: the tail is folded at 4,097 into a delta segment
     * (44,097); at 48,194 the delta outgrows main / 8 and all is rebuilt
     * as one; then a delta again from 52,291 ... */
    static const size_t stops[] = { 40000, 40003, 44000, 44200, 48000, 50000, 54000, 60000, 76000 };
    size_t have = n0;
    for (size_t st = 0; st < KZ_ARRAY_LEN(stops); st++) {
        for (; have < stops[st]; have++)
            KT_EQ_INT(kz_pdqindex_add(ix, &all[have], have), 0);
        KT_EQ_INT(kz_pdqindex_count(ix), have);
        for (int qn = 0; qn < 3; qn++) {
            kz_pdq_hash q[2];
            /* near a recent add, near an old one, random */
            q[0] = all[qn == 0 ? have - 1 - rnd() % 100 : qn == 1 ? rnd() % n0 : 0];
            if (qn == 2)
                rand_hash(&q[0]);
            else
                flip_bits(&q[0], (int)(rnd() % 34));
            rand_hash(&q[1]);
            for (size_t k = 0; k < KZ_ARRAY_LEN(ts); k++) {
                check_query(ix, all, have, q, 1, ts[k], KZ_PDQINDEX_AUTO);
                check_query(ix, all, have, q, 1, ts[k], KZ_PDQINDEX_MIH);
                check_query(ix, all, have, q, 1, ts[k], KZ_PDQINDEX_FLAT);
                check_query(ix, all, have, q, 2, ts[k], KZ_PDQINDEX_MIH);
            }
        }
    }
    KT_EQ_INT(kz_pdqindex_flush(ix), 0);
    check_query(ix, all, n, &all[n - 1], 1, 31, KZ_PDQINDEX_MIH);
    KT_CHECK(kz_pdqindex_memory(ix) <= 80 * n);
    kz_pdqindex_free(ix);
    free(all);
}

/* Every flat-scan kernel this CPU has gives the brute-force answer,
 * including the entries left over after the last full vector step. */
KT_TEST(pdqindex_scan_kernels)
{
    static const int ts[] = { 0, 31, 32, 100, 256 };
    size_t n = 1003;
    rng_state = 777;
    kz_pdq_hash *all = malloc(n * sizeof *all);
    kz_pdqindex *ix = kz_pdqindex_new(0);
    for (size_t i = 0; i < n; i++) {
        rand_hash(&all[i]);
        if (i % 2) {
            all[i] = all[i - 1];
            flip_bits(&all[i], (int)(rnd() % 40));
        }
        KT_EQ_INT(kz_pdqindex_add(ix, &all[i], i), 0);
    }
    int tried = 0;
    KT_EQ_INT(kz_pdqindex_set_scan(ix, KZ_PDQINDEX_SCAN_C), 0);
    KT_EQ_INT(kz_pdqindex_set_scan(ix, 99), KZ_EINVAL);
    KT_EQ_INT(kz_pdqindex_scan_kind(ix), KZ_PDQINDEX_SCAN_C);
    for (int kind = KZ_PDQINDEX_SCAN_C; kind <= KZ_PDQINDEX_SCAN_AVX512; kind++) {
        if (kz_pdqindex_set_scan(ix, kind) != 0)
            continue;
        tried++;
        KT_EQ_INT(kz_pdqindex_scan_kind(ix), kind);
        KT_CHECK(strcmp(kz_pdqindex_scan_name(kind), "auto") != 0);
        for (int qn = 0; qn < 4; qn++) {
            kz_pdq_hash q = all[rnd() % n];
            flip_bits(&q, qn * 9);
            for (size_t k = 0; k < KZ_ARRAY_LEN(ts); k++)
                check_query(ix, all, n, &q, 1, ts[k], KZ_PDQINDEX_FLAT);
        }
    }
    KT_CHECK(tried >= 1);
    KT_EQ_INT(kz_pdqindex_set_scan(ix, KZ_PDQINDEX_SCAN_AUTO), 0);
    KT_EQ_INT(kz_pdqindex_scan_kind(ix), kz_pdqindex_scan_kind(NULL));
    kz_pdqindex_free(ix);
    free(all);
}

KT_TEST(pdqindex_empty_and_args)
{
    kz_pdqindex *ix = kz_pdqindex_new(0);
    kz_pdqindex_hits hits = { 0 };
    kz_pdq_hash q;
    memset(&q, 0, sizeof q);
    KT_CHECK(ix != NULL);
    KT_EQ_INT(kz_pdqindex_query(ix, &q, 1, 31, KZ_PDQINDEX_AUTO, &hits), 0);
    KT_EQ_INT(hits.n, 0);
    KT_EQ_INT(kz_pdqindex_query(ix, &q, 1, 256, KZ_PDQINDEX_MIH, &hits), 0);
    KT_EQ_INT(hits.n, 0);
    KT_EQ_INT(kz_pdqindex_flush(ix), 0);
    KT_EQ_INT(kz_pdqindex_query(ix, &q, 0, 31, 0, &hits), KZ_EINVAL);
    KT_EQ_INT(kz_pdqindex_query(ix, &q, 9, 31, 0, &hits), KZ_EINVAL);
    KT_EQ_INT(kz_pdqindex_query(ix, &q, 1, -1, 0, &hits), KZ_EINVAL);
    KT_EQ_INT(kz_pdqindex_query(ix, &q, 1, 257, 0, &hits), KZ_EINVAL);
    KT_CHECK(kz_pdqindex_new(1) == NULL);
    KT_CHECK(kz_pdqindex_new(33) == NULL);
    kz_pdqindex_hits_release(&hits);
    kz_pdqindex_hits_release(NULL);
    kz_pdqindex_free(ix);
    kz_pdqindex_free(NULL);
}

/* Each add is matchable at once, before and after the tail is folded. */
KT_TEST(pdqindex_incremental)
{
    rng_state = 99;
    kz_pdqindex *ix = kz_pdqindex_new(0);
    kz_pdqindex_hits hits = { 0 };
    for (uint64_t i = 0; i < 30000; i++) {
        kz_pdq_hash h;
        rand_hash(&h);
        KT_EQ_INT(kz_pdqindex_add(ix, &h, i + 1000), 0);
        if (i % 997 == 0 || i == 4096 || i == 4097) {
            KT_EQ_INT(kz_pdqindex_query(ix, &h, 1, 0, KZ_PDQINDEX_AUTO, &hits), 0);
            KT_EQ_INT(hits.n, 1);
            if (hits.n == 1) {
                KT_EQ_INT(hits.v[0].id, i + 1000);
                KT_EQ_INT(hits.v[0].distance, 0);
            }
            flip_bits(&h, 31);
            KT_EQ_INT(kz_pdqindex_query(ix, &h, 1, 31, KZ_PDQINDEX_MIH, &hits), 0);
            KT_CHECK(hits.n >= 1);
        }
    }
    KT_CHECK(kz_pdqindex_m(ix) >= 2);     /* the tail was folded on the way */
    kz_pdqindex_hits_release(&hits);
    kz_pdqindex_free(ix);
}

/* The 8 dihedral variants of an image match a stored rotated copy. */
KT_TEST(pdqindex_dihedral)
{
    float dct[256];
    kz_pdq_hash v[KZ_PDQ_NXFORMS];
    rng_state = 5;
    for (int i = 0; i < 256; i++)
        dct[i] = (float)((double)(rnd() % 20001) / 100.0 - 100.0);
    for (int x = 0; x < KZ_PDQ_NXFORMS; x++)
        kz_pdq_bits(dct, (kz_pdq_xform)x, &v[x]);
    kz_pdqindex *ix = kz_pdqindex_new(0);
    kz_pdqindex_hits hits = { 0 };
    for (uint64_t i = 0; i < 5000; i++) {
        kz_pdq_hash h;
        rand_hash(&h);
        KT_EQ_INT(kz_pdqindex_add(ix, &h, i), 0);
    }
    kz_pdq_hash stored = v[KZ_PDQ_ROTATE90];
    flip_bits(&stored, 10);
    KT_EQ_INT(kz_pdqindex_add(ix, &stored, 77777), 0);
    KT_EQ_INT(kz_pdqindex_flush(ix), 0);
    /* the original alone is far from the rotated copy */
    KT_EQ_INT(kz_pdqindex_query(ix, &v[0], 1, 31, KZ_PDQINDEX_AUTO, &hits), 0);
    KT_EQ_INT(hits.n, 0);
    KT_EQ_INT(kz_pdqindex_query(ix, v, KZ_PDQ_NXFORMS, 31, KZ_PDQINDEX_AUTO, &hits), 0);
    KT_EQ_INT(hits.n, 1);
    if (hits.n == 1) {
        KT_EQ_INT(hits.v[0].id, 77777);
        KT_EQ_INT(hits.v[0].distance, 10);
        KT_EQ_INT(hits.v[0].query, KZ_PDQ_ROTATE90);
    }
    kz_pdqindex_hits_release(&hits);
    kz_pdqindex_free(ix);
}

/* Skewed data: one bucket with more than 65535 entries (66,667) (the tables fall
 * back to plain 32-bit offsets); still exact. */
KT_TEST(pdqindex_skewed)
{
    static const int ts[] = { 0, 8, 31 };
    size_t n = 100000;
    rng_state = 4242;
    kz_pdq_hash *all = malloc(n * sizeof *all);
    kz_pdqindex *ix = kz_pdqindex_new(0);
    kz_pdq_hash one;
    rand_hash(&one);
    for (size_t i = 0; i < n; i++) {
        all[i] = one;
        if (i % 3 == 0)
            rand_hash(&all[i]);
        else if (i % 3 == 1)
            all[i].w[15] ^= (uint16_t)rnd();     /* same low substrings, other high bits */
        KT_EQ_INT(kz_pdqindex_add(ix, &all[i], i), 0);
    }
    KT_EQ_INT(kz_pdqindex_flush(ix), 0);
    kz_pdq_hash q = one;
    flip_bits(&q, 3);
    for (size_t k = 0; k < KZ_ARRAY_LEN(ts); k++) {
        check_query(ix, all, n, &q, 1, ts[k], KZ_PDQINDEX_MIH);
        check_query(ix, all, n, &all[7], 1, ts[k], KZ_PDQINDEX_MIH);
    }
    kz_pdqindex_free(ix);
    free(all);
}
