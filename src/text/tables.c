/*
 * text/tables.c - the folding tables behind text/norm.c.
 *
 * Pass one of normalization is context-free and runs on every code point,
 * so it is one table lookup: kz_fold_tab[cp] gives the folded code points,
 * built at start-up from
 *   1. kuzet's own overrides (below), applied to the code point as written:
 *      Latin letters whose diacritic makes them a different Kazakh sound
 *      (ş ș š → sh, ç č → ch, ž → zh, ŋ → ng), and Greek letters to the
 *      Latin letters they look like (Unicode confusables.txt pairs);
 *   2. utf8proc's NFKC decomposition with case folding, mark stripping and
 *      removal of default-ignorable code points;
 *   3. kuzet's folds on the result: Kazakh, Ukrainian and Belarusian
 *      Cyrillic letters to their Russian-keyboard stand-ins, soft and hard
 *      signs dropped, and Greek again for what NFKC produced.
 * The tables are written here from the published alphabets; see
 * docs/normalization.md for each pair and why.
 */
#include "tables.h"
#include <pthread.h>
#include <utf8proc.h>

uint32_t  kz_fold_tab[0x10000];
uint32_t *kz_fold_pool;
uint8_t   kz_cls_tab[0x10000];
uint32_t  kz_fold1_tab[0x10000];

/* Latin a..z, then dotless ı. */
const uint32_t kz_lat_visual[27] = {
    /* a */ 0x430, /* b */ 0x432, /* c */ 0x441, /* d */ 0x434, /* e */ 0x435,
    /* f */ 0x444, /* g */ 0x433, /* h */ 0x43D, /* i */ 0x438, /* j */ 0x436,
    /* k */ 0x43A, /* l */ 0x43B, /* m */ 0x43C, /* n */ 0x43F, /* o */ 0x43E,
    /* p */ 0x440, /* q */ 0x43A, /* r */ 0x433, /* s */ 0x441, /* t */ 0x442,
    /* u */ 0x438, /* v */ 0x432, /* w */ 0x448, /* x */ 0x445, /* y */ 0x443,
    /* z */ 0x437, /* ı */ 0x438,
};
const uint32_t kz_lat_phonetic[27] = {
    /* a */ 0x430, /* b */ 0x431, /* c */ 0x441, /* d */ 0x434, /* e */ 0x435,
    /* f */ 0x444, /* g */ 0x433, /* h */ 0x445, /* i */ 0x438, /* j */ 0x436,
    /* k */ 0x43A, /* l */ 0x43B, /* m */ 0x43C, /* n */ 0x43D, /* o */ 0x43E,
    /* p */ 0x43F, /* q */ 0x43A, /* r */ 0x440, /* s */ 0x441, /* t */ 0x442,
    /* u */ 0x443, /* v */ 0x432, /* w */ 0x443, /* x */ 0x445, /* y */ 0x44B,
    /* z */ 0x437, /* ı */ 0x438,
};
/* A B C E H I K M O P T X Y and a c e i o p x y look Cyrillic. */
const uint8_t kz_lat_lookalike[27] = {
    /* a */ 1, /* b */ 1, /* c */ 1, /* d */ 0, /* e */ 1, /* f */ 0, /* g */ 0,
    /* h */ 1, /* i */ 1, /* j */ 0, /* k */ 1, /* l */ 0, /* m */ 1, /* n */ 0,
    /* o */ 1, /* p */ 1, /* q */ 0, /* r */ 0, /* s */ 0, /* t */ 1, /* u */ 0,
    /* v */ 0, /* w */ 0, /* x */ 1, /* y */ 1, /* z */ 0, /* ı */ 0,
};

/* Overrides on the code point as written (before case folding). */
static const struct { uint32_t cp; const char *to; } overrides[] = {
    /* Kazakh and Turkic Latin: the diacritic makes another letter */
    { 0x015E, "sh" }, { 0x015F, "sh" }, { 0x0218, "sh" }, { 0x0219, "sh" },
    { 0x0160, "sh" }, { 0x0161, "sh" }, { 0x00C7, "ch" }, { 0x00E7, "ch" },
    { 0x010C, "ch" }, { 0x010D, "ch" }, { 0x017D, "zh" }, { 0x017E, "zh" },
    { 0x014A, "ng" }, { 0x014B, "ng" },
    { 0x00D1, "ng" }, { 0x00F1, "ng" }, { 0x0143, "ng" }, { 0x0144, "ng" },   /* ñ (2021), ń (2018): ң */
    /* other Latin letters with strokes that NFKC keeps */
    { 0x00D8, "o" }, { 0x00F8, "o" }, { 0x0110, "d" }, { 0x0111, "d" },
    { 0x0141, "l" }, { 0x0142, "l" }, { 0x0126, "h" }, { 0x0127, "h" },
    { 0x00C6, "ae" }, { 0x00E6, "ae" }, { 0x0152, "oe" }, { 0x0153, "oe" },
    /* Greek capitals, by look */
    { 0x0391, "a" }, { 0x0392, "b" }, { 0x0395, "e" }, { 0x0396, "z" },
    { 0x0397, "h" }, { 0x0399, "i" }, { 0x039A, "k" }, { 0x039C, "m" },
    { 0x039D, "n" }, { 0x039F, "o" }, { 0x03A1, "p" }, { 0x03A4, "t" },
    { 0x03A5, "y" }, { 0x03A7, "x" }, { 0x0393, "\xD0\xB3" /* г */ },
    { 0x03A0, "\xD0\xBF" /* п */ }, { 0x03A6, "\xD1\x84" /* ф */ },
    { 0x039B, "\xD0\xBB" /* л */ },
    /* look-alike spaces that are not default-ignorable */
    { 0x2800, " " }, { 0x3000, " " },
};

/* Greek small letters (after case folding), by look. */
static uint32_t greek_small(uint32_t cp)
{
    switch (cp) {
    case 0x03B1: return 'a';   case 0x03B2: return 'b';   case 0x03B3: return 'y';
    case 0x03B4: return 'd';   case 0x03B5: return 'e';   case 0x03B6: return 'z';
    case 0x03B7: return 'n';   case 0x03B8: return 'o';   case 0x03B9: return 'i';
    case 0x03BA: return 'k';   case 0x03BB: return 0x43B; case 0x03BC: return 'm';
    case 0x03BD: return 'v';   case 0x03BF: return 'o';   case 0x03C0: return 0x43F;
    case 0x03C1: return 'p';   case 0x03C2: return 's';   case 0x03C3: return 'o';
    case 0x03C4: return 't';   case 0x03C5: return 'u';   case 0x03C6: return 0x444;
    case 0x03C7: return 'x';   case 0x03C9: return 'w';
    default: return cp;
    }
}

/* Cyrillic folds after case folding; 0 = drop the letter. */
static uint32_t cyr_fold(uint32_t cp)
{
    switch (cp) {
    case 0x04D9: return 0x430;  /* ә → а */
    case 0x0493: return 0x433;  /* ғ → г */
    case 0x049B: return 0x43A;  /* қ → к */
    case 0x04A3: return 0x43D;  /* ң → н */
    case 0x04E9: return 0x43E;  /* ө → о */
    case 0x04B1: return 0x443;  /* ұ → у */
    case 0x04AF: return 0x443;  /* ү → у */
    case 0x04BB: return 0x445;  /* һ → х */
    case 0x0456: return 0x438;  /* і → и (Kazakh, Ukrainian, Belarusian) */
    case 0x0439: return 0x438;  /* й → и (when it arrives undecomposed) */
    case 0x0451: return 0x435;  /* ё → е */
    case 0x044D: return 0x435;  /* э → е (Latin writes both e: "efemerida") */
    case 0x0454: return 0x435;  /* є → е */
    case 0x0491: return 0x433;  /* ґ → г */
    case 0x0455: return 0x441;  /* ѕ → с */
    case 0x0458: return 0x438;  /* ј → и */
    case 0x045E: return 0x443;  /* ў → у */
    case 0x04B3: return 0x445;  /* ҳ → х */
    case 0x04B7: return 0x447;  /* ҷ → ч */
    /* ь and ъ stay letters here; text/norm.c drops them inside words */
    default: return cp;
    }
}

static unsigned classify(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') return KZ_C_LAT;
        if (cp >= 'A' && cp <= 'Z') return KZ_C_LAT;
        if (cp >= '0' && cp <= '9') return KZ_C_DIGIT;
        switch (cp) {
        case '\n': case '\r': case '\v': case '\f': return KZ_C_NL;
        case ' ': case '\t': return KZ_C_SPACE;
        case '@': case '$': case '!': case '|': return KZ_C_SYM;
        case '-': case '.': case '_': case '*': case '/': case '\\': case '~': case '+':
            return KZ_C_JOIN;
        case '\'': case '`': return KZ_C_APOS;
        default: return cp < 0x20 || cp == 0x7F ? KZ_C_SPACE : KZ_C_PUNCT;
        }
    }
    switch (cp) {
    case 0x20AC: return KZ_C_SYM;                                   /* € */
    case 0x00B7: case 0x2022: case 0x2027: case 0x2010: case 0x2011:
    case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2043:
    case 0x2219: case 0x22C5: case 0x30FB:
        return KZ_C_JOIN;
    case 0x2018: case 0x2019: case 0x02BC: case 0x02BB: case 0x00B4: case 0x02B9:
        return KZ_C_APOS;
    case 0x0085: case 0x2028: case 0x2029: return KZ_C_NL;
    case 0x0131: return KZ_C_LAT;                                   /* ı */
    default: break;
    }
    if (cp >= 0x0400 && cp <= 0x052F) {
        utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
        if (c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL) return KZ_C_CYR;
        return KZ_C_PUNCT;
    }
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    switch (c) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        if (cp <= 0x024F) return KZ_C_LAT;
        return KZ_C_LET;
    case UTF8PROC_CATEGORY_ND: return KZ_C_LET;   /* non-ASCII digits: part of words */
    case UTF8PROC_CATEGORY_ZS: return KZ_C_SPACE;
    case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP: return KZ_C_NL;
    case UTF8PROC_CATEGORY_CC: return KZ_C_SPACE;
    default: return KZ_C_PUNCT;
    }
}

unsigned kz_cls_astral(uint32_t cp) { return classify(cp); }

static size_t utf8_to_cps(const char *s, uint32_t *out)
{
    size_t n = 0;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k;
    while (*s && (k = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp)) > 0) {
        out[n++] = (uint32_t)cp;
        s += k;
    }
    return n;
}

size_t kz_fold(uint32_t cp, uint32_t *out)
{
    uint32_t tmp[KZ_FOLD_MAX];
    size_t n = 0;
    for (size_t i = 0; i < KZ_ARRAY_LEN(overrides); i++)
        if (overrides[i].cp == cp)
            return utf8_to_cps(overrides[i].to, out);
    int bc = 0;
    /* half the room: each folded letter may grow to two (ц → тс) */
    utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, (utf8proc_int32_t *)tmp,
                                                 KZ_FOLD_MAX / 2,
                                                 UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                                 UTF8PROC_STRIPMARK | UTF8PROC_IGNORE |
                                                 UTF8PROC_DECOMPOSE, &bc);
    if (k < 0 || k > KZ_FOLD_MAX / 2) {      /* unassigned or too long: keep it */
        out[0] = cp;
        return 1;
    }
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        uint32_t c = cyr_fold(greek_small(tmp[i]));
        if (c == 0x446) {               /* ц → тс, as "ts" transliterates it */
            out[n++] = 0x442;
            c = 0x441;
        }
        if (c)
            out[n++] = c;
    }
    return n;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void build(void)
{
    size_t cap = 0x10000 + 4096, used = 0;
    kz_fold_pool = malloc(cap * sizeof *kz_fold_pool);
    if (!kz_fold_pool) { init_rc = KZ_ENOMEM; return; }
    uint32_t tmp[KZ_FOLD_MAX];
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        size_t n;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            tmp[0] = 0xFFFD;
            n = 1;
        } else {
            n = kz_fold(cp, tmp);
        }
        if (used + n > cap) {
            cap *= 2;
            uint32_t *p = realloc(kz_fold_pool, cap * sizeof *p);
            if (!p) { init_rc = KZ_ENOMEM; return; }
            kz_fold_pool = p;
        }
        memcpy(kz_fold_pool + used, tmp, n * sizeof *tmp);
        kz_fold_tab[cp] = (uint32_t)(n << 24) | (uint32_t)used;
        used += n;
        kz_cls_tab[cp] = (uint8_t)classify(cp);
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        uint32_t e = kz_fold_tab[cp];
        if ((e >> 24) == 1) {
            uint32_t to = kz_fold_pool[e & 0xFFFFFF];
            kz_fold1_tab[cp] = to | (uint32_t)classify(to) << 24;
        } else {
            kz_fold1_tab[cp] = KZ_FOLD1_SLOW;
        }
    }
}

int kz_tables_init(void)
{
    pthread_once(&once, build);
    return init_rc;
}
