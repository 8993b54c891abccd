/*
 * bench/collisions/collisions.c - how lossy is normalization on ordinary
 * words?  For a word list (one word per line, hunspell "/FLAGS" suffixes
 * stripped), counts the distinct words (case-folded only) and how many of
 * them share their normalized form with another distinct word: a measure
 * of the false positives normalization can add, since a rule word matches
 * every word with the same normalized form.  Spellings that differ only by
 * ё/е count as one word.
 *
 *   collisions WORDLIST [EXAMPLES]
 *
 * Prints words, forms, colliding words and their share, and EXAMPLES
 * (default 8) colliding groups.  Then the cost of the matcher's rule
 * variants (kz_norm_variant: i for ы, ia for я, y for й, j for дж, sh for щ): how
 * many words, written as a rule, would also match another word of the list
 * through a variant and not through their own form.  And of the alternate
 * spellings (kz_token.sp[1..]: PAPA read by look, ng as нг...): how many
 * words have some, and how many would match another word through one.  Not
 * a test; run by bench/collisions/run.
 */
#include "util/kz.h"
#include "text/norm.h"
#include <utf8proc.h>

typedef struct entry { char *word; char *form; char *orig; char *alt[KZ_TOKEN_MAXSP - 1]; } entry;

static int form_cmp(const void *k, const void *b)
{
    return strcmp(k, ((const entry *)b)->form);
}

static int by_form(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->form, y->form);
    return c ? c : strcmp(x->word, y->word);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: collisions WORDLIST [EXAMPLES]\n");
        return 2;
    }
    int examples = argc > 2 ? atoi(argv[2]) : 8;
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    kz_norm *nm = kz_norm_new();
    size_t cap = 1 << 16, n = 0;
    entry *e = malloc(cap * sizeof *e);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        char *slash = strchr(line, '/');
        if (slash) *slash = '\0';
        line[strcspn(line, "\r\n\t ")] = '\0';
        if (!line[0] || (line[0] >= '0' && line[0] <= '9') || strchr(line, '\''))
            continue;
        /* the word itself, case-folded: distinct words are distinct after this */
        utf8proc_uint8_t *folded = NULL;
        if (utf8proc_map((const utf8proc_uint8_t *)line, 0, &folded,
                         UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD) < 0)
            continue;
        /* ё and е are one letter written two ways: the dictionary lists
         * both spellings of many words, which are not collisions */
        for (char *q = (char *)folded; (q = strstr(q, "\xD1\x91")) != NULL; q += 2)
            memcpy(q, "\xD0\xB5", 2);
        kz_normtext t;
        if (kz_norm_run(nm, line, strlen(line), &t) != 0 || t.nwords != 1) {
            free(folded);
            continue;
        }
        if (n == cap) e = realloc(e, (cap *= 2) * sizeof *e);
        e[n].word = (char *)folded;
        e[n].form = kz_strndup(t.words[0].sp[0].s, t.words[0].sp[0].len);
        e[n].orig = kz_strdup(line);
        for (unsigned k = 0; k + 1 < KZ_TOKEN_MAXSP; k++)
            e[n].alt[k] = k + 1 < t.words[0].nsp
                        ? kz_strndup(t.words[0].sp[k + 1].s, t.words[0].sp[k + 1].len) : NULL;
        n++;
    }
    fclose(f);
    qsort(e, n, sizeof *e, by_form);
    size_t words = 0, forms = 0, colliding = 0, shown = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, distinct = 0;
        while (j < n && !strcmp(e[j].form, e[i].form)) {
            if (j == i || strcmp(e[j].word, e[j - 1].word)) distinct++;
            j++;
        }
        words += distinct;
        forms++;
        if (distinct > 1) {
            colliding += distinct;
            if ((int)shown < examples && distinct <= 4) {
                printf("  %s <-", e[i].form);
                for (size_t k = i; k < j; k++)
                    if (k == i || strcmp(e[k].word, e[k - 1].word)) printf(" %s", e[k].word);
                printf("\n");
                shown++;
            }
        }
        i = j;
    }
    printf("%s: %zu words, %zu normalized forms; %zu words (%.2f%%) share their form with another word\n",
           argv[1], words, forms, colliding, words ? 100.0 * (double)colliding / (double)words : 0.0);
    /* the rule variants */
    size_t varwords = 0;
    shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strcmp(e[i].word, e[i - 1].word))
            continue;
        int hit = 0;
        for (unsigned mask = 1; !hit && mask < (1u << KZ_NORM_VARIANT_KINDS); mask++) {
            char var[KZ_NORM_VARIANT_MAX * 2];
            size_t l = strlen(e[i].orig);
            if (l >= KZ_NORM_VARIANT_MAX || !(l = kz_norm_variant(e[i].orig, l, mask, var)))
                continue;
            kz_normtext t;
            if (kz_norm_run(nm, var, l, &t) != 0 || t.nwords != 1)
                continue;
            char *vf = kz_strndup(t.words[0].sp[0].s, t.words[0].sp[0].len);
            if (strcmp(vf, e[i].form) != 0) {
                const entry *m = bsearch(vf, e, n, sizeof *e, form_cmp);
                if (m) {
                    hit = 1;
                    if ((int)shown < examples) {
                        printf("  variant %s -> %s <- %s\n", e[i].orig, vf, m->orig);
                        shown++;
                    }
                }
            }
            free(vf);
        }
        varwords += hit;
    }
    printf("%s: rule variants: %zu words (%.2f%%) would also match another word of the list\n",
           argv[1], varwords, words ? 100.0 * (double)varwords / (double)words : 0.0);
    /* the alternate spellings (a word's other readings, kz_token.sp[1..]):
     * words one of whose alternates is another word's form, so that each
     * matches a rule written as the other */
    size_t altwords = 0, withalt = 0;
    shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !strcmp(e[i].word, e[i - 1].word))
            continue;
        int hit = 0;
        withalt += e[i].alt[0] != NULL;
        for (unsigned k = 0; !hit && k + 1 < KZ_TOKEN_MAXSP && e[i].alt[k]; k++) {
            if (!strcmp(e[i].alt[k], e[i].form))
                continue;
            const entry *m = bsearch(e[i].alt[k], e, n, sizeof *e, form_cmp);
            if (m) {
                hit = 1;
                if ((int)shown < examples) {
                    printf("  alternate %s -> %s <- %s\n", e[i].orig, e[i].alt[k], m->orig);
                    shown++;
                }
            }
        }
        altwords += hit;
    }
    printf("%s: alternates: %zu words have some (%.2f%%); %zu words (%.2f%%) would also match another word of the list through one\n",
           argv[1], withalt, words ? 100.0 * (double)withalt / (double)words : 0.0,
           altwords, words ? 100.0 * (double)altwords / (double)words : 0.0);
    return 0;
}
