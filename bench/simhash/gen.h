/*
 * bench/simhash/gen.h - edited-copy generator for the SimHash evaluation
 * (bench/simhash/bench.c; tests/t_simhash.c has a smaller copy of the
 * idea with its own word list).  Single-threaded, deterministic.
 */
#ifndef SIMGEN_H
#define SIMGEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t sg_rs = 88172645463325252ull;
static uint64_t sg_rnd(void)
{
    sg_rs ^= sg_rs << 13;
    sg_rs ^= sg_rs >> 7;
    sg_rs ^= sg_rs << 17;
    return sg_rs;
}
static double sg_unif(void) { return (double)(sg_rnd() >> 11) / 9007199254740992.0; }

typedef struct sg_text {          /* words, sentence ends marked */
    const char **w;
    unsigned char *end;           /* 1: the word ends a sentence */
    size_t n;
} sg_text;

static void sg_base(sg_text *t, const char **vocab, size_t nv, size_t nwords)
{
    t->w = malloc(nwords * sizeof *t->w);
    t->end = malloc(nwords);
    t->n = nwords;
    size_t left = 0;
    for (size_t i = 0; i < nwords; i++) {
        if (left == 0)
            left = 6 + sg_rnd() % 9;
        t->w[i] = vocab[sg_rnd() % nv];
        t->end[i] = --left == 0 || i + 1 == nwords;
    }
}

/* word edits at rate p: delete, substitute or insert, equally likely */
static void sg_edit(const sg_text *in, sg_text *out, double p, const char **vocab, size_t nv)
{
    out->w = malloc((2 * in->n + 1) * sizeof *out->w);
    out->end = malloc(2 * in->n + 1);
    out->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        int op = sg_unif() < p ? 1 + (int)(sg_rnd() % 3) : 0;
        if (op == 1) {                                   /* delete */
            if (in->end[i] && out->n)
                out->end[out->n - 1] = 1;
            continue;
        }
        out->w[out->n] = op == 2 ? vocab[sg_rnd() % nv] : in->w[i];
        out->end[out->n++] = in->end[i];
        if (op == 3) {                                   /* insert after */
            out->end[out->n - 1] = 0;
            out->w[out->n] = vocab[sg_rnd() % nv];
            out->end[out->n++] = in->end[i];
        }
    }
}

/* shuffle the order of the sentences */
static void sg_reorder(const sg_text *in, sg_text *out)
{
    size_t ns = 0, *st = malloc((in->n + 1) * sizeof *st);
    for (size_t i = 0; i < in->n; i++)
        if (i == 0 || in->end[i - 1])
            st[ns++] = i;
    st[ns] = in->n;
    size_t *ord = malloc((ns + 1) * sizeof *ord);
    for (size_t i = 0; i < ns; i++)
        ord[i] = i;
    for (size_t i = ns; i > 1; i--) {
        size_t j = sg_rnd() % i, x = ord[i - 1];
        ord[i - 1] = ord[j];
        ord[j] = x;
    }
    out->w = malloc((in->n + 1) * sizeof *out->w);
    out->end = malloc(in->n + 1);
    out->n = 0;
    for (size_t s = 0; s < ns; s++)
        for (size_t i = st[ord[s]]; i < st[ord[s] + 1]; i++) {
            out->w[out->n] = in->w[i];
            out->end[out->n++] = i + 1 == st[ord[s] + 1];
        }
    free(st);
    free(ord);
}

static void sg_free(sg_text *t)
{
    free(t->w);
    free(t->end);
}

/* Write one word, evaded with probability ev: upper case, Latin look-alikes
 * in Cyrillic words, or letters spaced out. Returns bytes written. */
static size_t sg_word(char *o, const char *w, double ev)
{
    size_t n = 0, len = strlen(w);
    int mode = ev > 0 && sg_unif() < ev ? 1 + (int)(sg_rnd() % 3) : 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)w[i];
        size_t cl = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (i + cl > len)
            cl = len - i;
        if (mode == 3 && i > 0)
            o[n++] = ' ';
        if (cl == 1) {
            o[n++] = (char)(mode == 1 && c >= 'a' && c <= 'z' ? c - 32 : c);
        } else if (cl == 2 && mode == 1 && c == 0xd0 && (unsigned char)w[i + 1] >= 0xb0) {
            o[n++] = (char)0xd0;                         /* а..п -> А..П */
            o[n++] = (char)((unsigned char)w[i + 1] - 0x20);
        } else if (cl == 2 && mode == 1 && c == 0xd1 && (unsigned char)w[i + 1] < 0x90) {
            o[n++] = (char)0xd0;                         /* р..я -> Р..Я */
            o[n++] = (char)((unsigned char)w[i + 1] + 0x20);
        } else if (cl == 2 && mode == 2 && c == 0xd0 && strchr("\xb0\xb5\xbe", w[i + 1])) {
            o[n++] = w[i + 1] == (char)0xb0 ? 'a' : w[i + 1] == (char)0xb5 ? 'e' : 'o';
        } else if (cl == 2 && mode == 2 && c == 0xd1 && strchr("\x80\x81\x85", w[i + 1])) {
            o[n++] = w[i + 1] == (char)0x80 ? 'p' : w[i + 1] == (char)0x81 ? 'c' : 'x';
        } else {
            memcpy(o + n, w + i, cl);
            n += cl;
        }
        i += cl;
    }
    return n;
}

/* Render to a malloc'd string. */
static char *sg_render(const sg_text *t, double ev, size_t *len)
{
    size_t cap = 16;
    for (size_t i = 0; i < t->n; i++)
        cap += 3 * strlen(t->w[i]) + 3;
    char *s = malloc(cap), *o = s;
    for (size_t i = 0; i < t->n; i++) {
        o += sg_word(o, t->w[i], ev);
        if (t->end[i])
            *o++ = '.';
        *o++ = ' ';
    }
    *o = '\0';
    *len = (size_t)(o - s);
    return s;
}

#endif
