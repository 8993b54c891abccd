/*
 * bench/nearcopy/bench.c - near copies of text: MinHash (detect/minhash.h)
 * beside SimHash (detect/simhash.h) on the same posts.
 *
 *   bench-nearcopy EN_WORDS RU_WORDS KK_WORDS [BASES_PER_LANGUAGE [INDEX_SIZE]]
 *
 * Per language BASES posts of 20-200 dictionary words (sentences of 6-14
 * words, bench/simhash/gen.h), each with two "rule words" in it.  A copy
 * has the rule words removed and 10% or 20% of its words deleted,
 * substituted or inserted.  Recognised: SimHash within 14 bits, MinHash
 * within KZ_MINHASH_THRESHOLD slots (and the table of other thresholds).
 * Unrelated pairs: every pair of posts of the same language (3 * B*(B-1)/2;
 * 817 bases give 10^6 pairs).  Then an index of INDEX_SIZE signatures
 * (default 10^7: the bases plus random signatures, which is what
 * signatures of unrelated texts look like) is queried with every copy, on
 * one thread: time per query, and recall through the index.
 */
#include "detect/minhash.h"
#include "detect/simhash.h"
#include "../simhash/gen.h"
#include <stdio.h>
#include <time.h>

static const char **load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[256];
    const char **v = NULL;
    size_t cap = 0;
    *n = 0;
    if (!f)
        return NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "/\r\n")] = '\0';
        size_t l = strlen(line);
        if (l < 2 || l > 40 || strchr(line, '\'') || (line[0] >= 'A' && line[0] <= 'Z'))
            continue;
        if (line[0] >= '0' && line[0] <= '9')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            v = realloc(v, cap * sizeof *v);
        }
        v[(*n)++] = strdup(line);
    }
    fclose(f);
    return v;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct sigs { uint64_t sh; kz_minhash_sig mh; } sigs;

static void sign(kz_simhash *s, kz_minhash *m, const sg_text *t, sigs *out)
{
    size_t len;
    char *str = sg_render(t, 0, &len);
    if (kz_simhash_text(s, str, len, &out->sh) != 0 || kz_minhash_text(m, str, len, &out->mh, NULL) != 0)
        exit(1);
    free(str);
}

/* remove the words at positions a and b (the rule words) */
static void drop2(const sg_text *in, sg_text *out, size_t a, size_t b)
{
    out->w = malloc((in->n + 1) * sizeof *out->w);
    out->end = malloc(in->n + 1);
    out->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (i == a || i == b) {
            if (in->end[i] && out->n)
                out->end[out->n - 1] = 1;
            continue;
        }
        out->w[out->n] = in->w[i];
        out->end[out->n++] = in->end[i];
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-nearcopy EN RU KK [BASES [INDEX_SIZE]]\n");
        return 2;
    }
    size_t nb = argc > 4 ? strtoull(argv[4], NULL, 10) : 817;
    size_t nidx = argc > 5 ? strtoull(argv[5], NULL, 10) : 10000000;
    kz_simhash *s = kz_simhash_new();
    kz_minhash *m = kz_minhash_new();
    sigs *base = malloc(3 * nb * sizeof *base), *copy[2];
    copy[0] = malloc(3 * nb * sizeof **copy);
    copy[1] = malloc(3 * nb * sizeof **copy);
    static const double rate[2] = { 0.10, 0.20 };
    static uint64_t mh_hist[2][KZ_MINHASH_K + 1], un_mh[KZ_MINHASH_K + 1];
    uint64_t sh_ok[2] = { 0, 0 }, sh_fp = 0, pairs = 0;
    int sh_min = 64;
    for (int lang = 0; lang < 3; lang++) {
        size_t nv;
        const char **vocab = load(argv[1 + lang], &nv);
        if (!vocab || nv < 100) {
            fprintf(stderr, "bench-nearcopy: cannot read words from %s\n", argv[1 + lang]);
            return 1;
        }
        for (size_t b = 0; b < nb; b++) {
            size_t len = 20 + sg_rnd() % 181, at = lang * nb + b;
            sg_text t, nr, e;
            sg_base(&t, vocab, nv, len);
            size_t r1 = sg_rnd() % len, r2 = sg_rnd() % len;
            sign(s, m, &t, &base[at]);
            drop2(&t, &nr, r1, r2);
            for (int c = 0; c < 2; c++) {
                sg_edit(&nr, &e, rate[c], vocab, nv);
                sign(s, m, &e, &copy[c][at]);
                sh_ok[c] += kz_simhash_distance(base[at].sh, copy[c][at].sh) <= KZ_SIMHASH_THRESHOLD;
                mh_hist[c][kz_minhash_distance(&base[at].mh, &copy[c][at].mh)]++;
                sg_free(&e);
            }
            sg_free(&nr);
            sg_free(&t);
        }
        for (size_t a = 0; a < nb; a++)
            for (size_t b = a + 1; b < nb; b++) {
                const sigs *x = &base[lang * nb + a], *y = &base[lang * nb + b];
                int d = kz_simhash_distance(x->sh, y->sh);
                sh_fp += d <= KZ_SIMHASH_THRESHOLD;
                sh_min = d < sh_min ? d : sh_min;
                un_mh[kz_minhash_distance(&x->mh, &y->mh)]++;
                pairs++;
            }
    }
    size_t n = 3 * nb;
    printf("%zu posts of 20-200 words (en, ru, kk), rule words removed; %llu unrelated pairs\n\n",
           n, (unsigned long long)pairs);
    uint64_t mh_ok[2] = { 0, 0 }, mh_fp = 0;
    for (int d = 0; d <= KZ_MINHASH_THRESHOLD; d++) {
        mh_ok[0] += mh_hist[0][d];
        mh_ok[1] += mh_hist[1][d];
        mh_fp += un_mh[d];
    }
    int un_min = KZ_MINHASH_K;
    for (int d = KZ_MINHASH_K; d >= 0; d--)
        if (un_mh[d]) un_min = d;
    printf("%-34s %12s %12s %16s\n", "", "10% edited", "20% edited", "false matches");
    printf("%-34s %11.1f%% %11.1f%% %9llu (closest %d)\n", "SimHash, within 14 of 64 bits",
           100.0 * (double)sh_ok[0] / (double)n, 100.0 * (double)sh_ok[1] / (double)n,
           (unsigned long long)sh_fp, sh_min);
    printf("MinHash, within %2d of %d slots     %11.1f%% %11.1f%% %9llu (closest %d)\n",
           KZ_MINHASH_THRESHOLD, KZ_MINHASH_K, 100.0 * (double)mh_ok[0] / (double)n,
           100.0 * (double)mh_ok[1] / (double)n, (unsigned long long)mh_fp, un_min);
    printf("\nMinHash by threshold (slots that may differ):\n%4s %9s %9s %12s\n", "T", "10%", "20%", "false");
    for (int th = 16; th <= 30; th += 2) {
        uint64_t a = 0, b = 0, f = 0;
        for (int d = 0; d <= th; d++) {
            a += mh_hist[0][d];
            b += mh_hist[1][d];
            f += un_mh[d];
        }
        printf("%4d %8.1f%% %8.1f%% %12llu\n", th, 100.0 * (double)a / (double)n,
               100.0 * (double)b / (double)n, (unsigned long long)f);
    }
    /* the index */
    if (nidx < n)
        nidx = n;
    kz_minhash_index *ix = kz_minhash_index_new();
    for (size_t i = 0; i < n; i++)
        kz_minhash_index_add(ix, &base[i].mh, (uint32_t)i);
    kz_minhash_sig r;
    for (size_t i = n; i < nidx; i++) {
        for (unsigned k = 0; k < KZ_MINHASH_K; k += 4) {
            uint64_t x = sg_rnd();
            for (unsigned j = 0; j < 4; j++)
                r.v[k + j] = (uint16_t)(x >> (16 * j));
        }
        if (kz_minhash_index_add(ix, &r, (uint32_t)i) != 0) {
            fprintf(stderr, "bench-nearcopy: out of memory at %zu signatures\n", i);
            return 1;
        }
    }
    double t0 = now();
    kz_minhash_index_build(ix);
    double t1 = now();
    uint64_t found[2] = { 0, 0 }, other = 0;
    uint32_t ids[64];
    for (int c = 0; c < 2; c++)
        for (size_t i = 0; i < n; i++) {
            size_t k = kz_minhash_index_query(ix, &copy[c][i].mh, KZ_MINHASH_THRESHOLD, ids, NULL, 64);
            for (size_t j = 0; j < k && j < 64; j++) {
                if (ids[j] == i) found[c]++;
                else other++;
            }
        }
    double t2 = now();
    printf("\nindex of %zu signatures: built in %.1f s; %zu queries, %.1f us per query (one core);\n"
           "recognised through the index: %.1f%% at 10%%, %.1f%% at 20%%; other entries matched: %llu\n",
           nidx, t1 - t0, 2 * n, (t2 - t1) * 1e6 / (double)(2 * n), 100.0 * (double)found[0] / (double)n,
           100.0 * (double)found[1] / (double)n, (unsigned long long)other);
    kz_minhash_index_free(ix);
    kz_simhash_free(s);
    kz_minhash_free(m);
    return 0;
}
