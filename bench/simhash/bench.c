/*
 * bench/simhash/bench.c - precision and recall of kz_simhash on edited
 * copies, to choose KZ_SIMHASH_THRESHOLD (docs/hashing.md).
 *
 *   bench-simhash EN_WORDS RU_WORDS KK_WORDS [BASES_PER_LANGUAGE]
 *
 * Word files: one word per line (hunspell .dic flags after '/' dropped).
 * Per language BASES base texts (a third each of 20-60, 60-200 and
 * 200-600 words, sentences of 6-14 words); per base, copies with: word
 * edits (delete/substitute/insert) at 5, 10, 20, 30%; sentences
 * reordered; evasions on 30% of the words (upper case, Latin look-alikes,
 * letters spaced out); and all three together (10% edits).  Unrelated
 * pairs: every pair of bases of the same language.
 */
#include "detect/simhash.h"
#include "gen.h"

#define NCAT 8
static const char *catname[NCAT] = { "edit 5%", "edit 10%", "edit 20%", "edit 30%", "reorder",
                                     "evasion 30%", "10%+reorder+evasion", "unrelated" };

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

static uint64_t hash_of(kz_simhash *s, const sg_text *t, double ev)
{
    size_t len;
    char *str = sg_render(t, ev, &len);
    uint64_t h;
    if (kz_simhash_text(s, str, len, &h) != 0)
        exit(1);
    free(str);
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-simhash EN RU KK [BASES]\n");
        return 2;
    }
    size_t nb = argc > 4 ? strtoull(argv[4], NULL, 10) : 300;
    static uint64_t hist[NCAT][65];
    static uint64_t total[NCAT];
    kz_simhash *s = kz_simhash_new();
    uint64_t *bh = malloc(nb * sizeof *bh);
    for (int lang = 0; lang < 3; lang++) {
        size_t nv;
        const char **vocab = load(argv[1 + lang], &nv);
        if (!vocab || nv < 100) {
            fprintf(stderr, "bench-simhash: cannot read words from %s\n", argv[1 + lang]);
            return 1;
        }
        for (size_t b = 0; b < nb; b++) {
            size_t len = b % 3 == 0 ? 20 + sg_rnd() % 41 : b % 3 == 1 ? 60 + sg_rnd() % 141 : 200 + sg_rnd() % 401;
            sg_text base, e;
            sg_base(&base, vocab, nv, len);
            bh[b] = hash_of(s, &base, 0);
            static const double lv[4] = { 0.05, 0.10, 0.20, 0.30 };
            for (int c = 0; c < 4; c++) {
                sg_edit(&base, &e, lv[c], vocab, nv);
                hist[c][kz_simhash_distance(bh[b], hash_of(s, &e, 0))]++;
                total[c]++;
                sg_free(&e);
            }
            sg_reorder(&base, &e);
            hist[4][kz_simhash_distance(bh[b], hash_of(s, &e, 0))]++;
            total[4]++;
            sg_free(&e);
            hist[5][kz_simhash_distance(bh[b], hash_of(s, &base, 0.3))]++;
            total[5]++;
            sg_text e2;
            sg_edit(&base, &e2, 0.10, vocab, nv);
            sg_reorder(&e2, &e);
            hist[6][kz_simhash_distance(bh[b], hash_of(s, &e, 0.3))]++;
            total[6]++;
            sg_free(&e);
            sg_free(&e2);
            sg_free(&base);
        }
        for (size_t a = 0; a < nb; a++)
            for (size_t b = a + 1; b < nb; b++) {
                hist[7][kz_simhash_distance(bh[a], bh[b])]++;
                total[7]++;
            }
    }
    printf("%zu bases per language (en, ru, kk); distances of each copy to its base\n\n", nb);
    printf("%-22s %6s %6s %6s %6s\n", "", "median", "p90", "p99", "max");
    for (int c = 0; c < NCAT; c++) {
        uint64_t acc = 0;
        int p50 = -1, p90 = -1, p99 = -1, mx = 0, mn = -1;
        for (int d = 0; d <= 64; d++) {
            if (hist[c][d] && mn < 0)
                mn = d;
            if (hist[c][d])
                mx = d;
            acc += hist[c][d];
            if (p50 < 0 && acc * 2 >= total[c])
                p50 = d;
            if (p90 < 0 && acc * 10 >= total[c] * 9)
                p90 = d;
            if (p99 < 0 && acc * 100 >= total[c] * 99)
                p99 = d;
        }
        if (c == 7)
            printf("%-22s %6d %6s %6s %6s   min %d (%llu pairs)\n", catname[c], p50, "", "", "", mn,
                   (unsigned long long)total[c]);
        else
            printf("%-22s %6d %6d %6d %6d\n", catname[c], p50, p90, p99, mx);
    }
    printf("\nrecall per kind of copy, false-positive rate on unrelated pairs, and precision\n"
           "(all copies as positives against all unrelated pairs) at each threshold:\n\n%4s", "T");
    for (int c = 0; c < NCAT; c++)
        printf(" %9.9s", catname[c]);
    printf(" %9s\n", "precision");
    for (int th = 4; th <= 24; th++) {
        printf("%4d", th);
        uint64_t tp = 0, fp = 0;
        for (int c = 0; c < NCAT; c++) {
            uint64_t k = 0;
            for (int d = 0; d <= th; d++)
                k += hist[c][d];
            if (c < 7)
                tp += k;
            else
                fp = k;
            printf(" %8.4f%%", 100.0 * (double)k / (double)total[c]);
        }
        printf(" %8.4f%%\n", tp + fp ? 100.0 * (double)tp / (double)(tp + fp) : 100.0);
    }
    kz_simhash_free(s);
    return 0;
}
