/*
 * text/tables.h - the folding tables behind text/norm.c.
 *
 * Written for kuzet from published sources, cited in tables.c and in
 * docs/normalization.md: the Unicode Character Database (through
 * utf8proc: NFKC, case folding, marks, default ignorables), Unicode's
 * confusables data for the look-alike pairs, and the Kazakh Latin alphabets
 * of 2017, 2018 and 2021 for the transliteration.
 *
 * Internal to src/text: no other module includes this header.
 */
#ifndef KZ_TEXT_TABLES_H
#define KZ_TEXT_TABLES_H

#include "util/kz.h"

/* Character classes of folded code points. */
enum kz_cls {
    KZ_C_PUNCT = 0,  /* any other symbol or punctuation: a separator */
    KZ_C_SPACE,      /* white space other than a line break */
    KZ_C_NL,         /* line break */
    KZ_C_CYR,        /* Cyrillic letter */
    KZ_C_LAT,        /* Latin letter (Greek look-alikes arrive as Latin) */
    KZ_C_LET,        /* letter of any other script */
    KZ_C_DIGIT,      /* 0-9 */
    KZ_C_SYM,        /* @ $ ! | €: letters when inside a word */
    KZ_C_JOIN,       /* - . _ * / \ ~ + · • : join parts of one word */
    KZ_C_APOS        /* apostrophes: dropped inside a word */
};

/* Builds the tables once (thread-safe); returns 0 or KZ_ENOMEM. */
int kz_tables_init(void);

/* The folded form of one code point: up to 18 code points written to out
 * (which has room for KZ_FOLD_MAX), count returned (0 = the code point
 * vanishes: a mark, an ignorable, a soft or hard sign). */
#define KZ_FOLD_MAX 20
size_t kz_fold(uint32_t cp, uint32_t *out);

/* Fast path for code points below 0x10000: pointer to the folded form and
 * its length, from the prebuilt table. */
extern uint32_t  kz_fold_tab[0x10000];   /* (len << 24) | offset in kz_fold_pool */
extern uint32_t *kz_fold_pool;
extern uint8_t   kz_cls_tab[0x10000];     /* class of a folded BMP code point */
/* The common case in one lookup: when a BMP code point folds to exactly one
 * code point, kz_fold1_tab[cp] is that code point | class << 24; otherwise
 * KZ_FOLD1_SLOW is set and kz_fold_tab has the answer. */
#define KZ_FOLD1_SLOW 0x80000000u
extern uint32_t  kz_fold1_tab[0x10000];

unsigned kz_cls_astral(uint32_t cp);

/* Class of a folded code point. */
static inline unsigned kz_cls_of(uint32_t cp)
{
    if (cp < 0x10000)
        return kz_cls_tab[cp];
    return kz_cls_astral(cp);
}

/* Latin letter (a-z, ı) to Cyrillic: by look (inside Cyrillic words) and by
 * sound (Latin words).  Index: letter - 'a', or 26 for dotless ı. */
extern const uint32_t kz_lat_visual[27];
extern const uint32_t kz_lat_phonetic[27];
/* Latin letters whose upper or lower case looks like a Cyrillic letter. */
extern const uint8_t kz_lat_lookalike[27];

#endif
