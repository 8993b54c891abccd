/*
 * bench/stages/stages.c - where the time of a scan goes, stage by stage,
 * and the phrase matcher against Hyperscan's literal mode.
 *
 *   stages RULES CORPUS.jsonl
 *
 * Loads the corpus into memory, then times over all records, each pass
 * single-threaded, best of 3:
 *   json       kz_jsonl_parse only
 *   normalize  json + kz_norm_run
 *   scan       json + kz_scan (normalize, phrases, regexes, scoring)
 *   hs-lit     json + kz_norm_run + every phrase word as a Hyperscan literal
 *              over the normalized text (HS_FLAG_SOM_LEFTMOST), with the
 *              whole-word check on each candidate: the alternative design
 *              to kuzet's word hashing, doing less (no multi-word order, no
 *              alternates) - a lower bound for it.
 * The figures tell which structure is faster for phrases
 * (docs/performance.md).  Not a test; built and run by bench/stages/run.
 */
#include "util/kz.h"
#include "util/buf.h"
#include "ingest/jsonl.h"
#include "text/norm.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include <hs/hs.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)sz + 1);
    if (p && fread(p, 1, (size_t)sz, f) != (size_t)sz) { free(p); p = NULL; }
    fclose(f);
    if (p) { p[sz] = '\0'; *n = (size_t)sz; }
    return p;
}

typedef struct lit_ctx { const char *t; size_t len; size_t cand, whole; } lit_ctx;

static int is_word_byte_before(const char *t, size_t at)
{
    /* previous code point is a letter or digit of the normalized text:
     * normalized words are Cyrillic, digits, or other letters (>= 0x80) */
    if (at == 0) return 0;
    unsigned char c = (unsigned char)t[at - 1];
    return c >= 0x80 || (c >= '0' && c <= '9');
}

static int on_lit(unsigned id, unsigned long long from, unsigned long long to, unsigned fl, void *vp)
{
    lit_ctx *c = vp;
    (void)id; (void)fl;
    c->cand++;
    if (!is_word_byte_before(c->t, from) &&
        (to >= c->len || !(((unsigned char)c->t[to]) >= 0x80 || (c->t[to] >= '0' && c->t[to] <= '9'))))
        c->whole++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: stages RULES CORPUS.jsonl\n");
        return 2;
    }
    kz_buf errs;
    kz_buf_init(&errs, 1 << 20);
    kz_ruleset *rs = NULL;
    kz_scanner *sc = NULL;
    if (kz_rules_load(argv[1], &rs, &errs) || kz_scanner_new(rs, &sc, &errs)) {
        fputs(errs.p ? errs.p : "rules failed\n", stderr);
        return 2;
    }
    size_t n = 0;
    char *data = slurp(argv[2], &n);
    if (!data) { perror(argv[2]); return 2; }

    /* the phrase words as Hyperscan literals, normalized */
    kz_norm *nm = kz_norm_new();
    size_t cap = 0, nlit = 0;
    for (size_t r = 0; r < rs->nrules; r++) cap += rs->rules[r].nphrases * 4;
    char **lits = calloc(cap + 1, sizeof *lits);
    size_t *lens = calloc(cap + 1, sizeof *lens);
    unsigned *ids = calloc(cap + 1, sizeof *ids), *flags = calloc(cap + 1, sizeof *flags);
    for (size_t r = 0; r < rs->nrules; r++)
        for (size_t i = 0; i < rs->rules[r].nphrases; i++) {
            const char *p = rs->rules[r].phrases[i].text;
            size_t l = strlen(p);
            if (l && p[l - 1] == '*') l--;
            kz_normtext t;
            if (kz_norm_run(nm, p, l, &t) || t.nwords == 0) continue;
            for (size_t w = 0; w < t.nwords && nlit < cap; w++) {
                lits[nlit] = kz_strndup(t.words[w].sp[0].s, t.words[w].sp[0].len);
                lens[nlit] = t.words[w].sp[0].len;
                ids[nlit] = (unsigned)nlit;
                flags[nlit] = HS_FLAG_SOM_LEFTMOST;
                nlit++;
            }
        }
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    double t0 = now();
    if (hs_compile_lit_multi((const char *const *)lits, flags, ids, lens, (unsigned)nlit,
                             HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
        fprintf(stderr, "hs literal compile: %s\n", ce ? ce->message : "?");
        return 2;
    }
    double tcomp = now() - t0;
    hs_scratch_t *scratch = NULL;
    hs_alloc_scratch(db, &scratch);

    kz_jsonl *jl = kz_jsonl_new(1 << 20);
    kz_scan_ctx *cx = kz_scan_ctx_new(sc);
    const char *names[] = { "json", "normalize", "scan", "hs-lit" };
    double best[4] = { 1e9, 1e9, 1e9, 1e9 };
    size_t records = 0, flagged = 0, cand = 0, whole = 0;
    for (int round = 0; round < 3; round++)
        for (int stage = 0; stage < 4; stage++) {
            double s = now();
            records = flagged = cand = whole = 0;
            for (char *p = data, *e = data + n; p < e;) {
                char *nl = memchr(p, '\n', (size_t)(e - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
                kz_record rec;
                if (len && kz_jsonl_parse(jl, p, len, &rec) == 0) {
                    records++;
                    kz_normtext t;
                    kz_result res;
                    if (stage == 1) {
                        kz_norm_run(nm, rec.text, rec.text_len, &t);
                    } else if (stage == 2) {
                        kz_scan(cx, rec.text, rec.text_len, &res);
                        flagged += res.nflagged > 0;
                    } else if (stage == 3) {
                        kz_norm_run(nm, rec.text, rec.text_len, &t);
                        lit_ctx lc = { t.text, t.len, 0, 0 };
                        if (t.len) hs_scan(db, t.text, (unsigned)t.len, 0, scratch, on_lit, &lc);
                        cand += lc.cand;
                        whole += lc.whole;
                    }
                }
                p = nl ? nl + 1 : e;
            }
            double el = now() - s;
            if (el < best[stage]) best[stage] = el;
        }
    double mb = (double)n / 1e6;
    printf("corpus: %.1f MB, %zu records; rules: %zu, phrase words as literals: %zu "
           "(Hyperscan literal compile %.2f s)\n", mb, records, rs->nrules, nlit, tcomp);
    for (int stage = 0; stage < 4; stage++)
        printf("%-10s %6.3f s  %7.1f MB/s  (stage alone: %.3f s)\n", names[stage], best[stage],
               mb / best[stage], stage == 0 ? best[0] : stage == 3 ? best[3] - best[1] : best[stage] - best[stage - 1]);
    printf("phrase matching alone: word hashing (scan - normalize, includes regexes and scoring) "
           "%.3f s; Hyperscan literals (hs-lit - normalize) %.3f s with %zu candidates, %zu whole words\n",
           best[2] - best[1], best[3] - best[1], cand, whole);
    return 0;
}
