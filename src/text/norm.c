/*
 * text/norm.c - text normalization against evasion, with an offset map.
 *
 * Two passes over each text:
 *   1. decode UTF-8 (invalid bytes become U+FFFD and are counted) and fold
 *      every code point through the context-free table of text/tables.c,
 *      keeping for each folded code point the original byte span;
 *   2. cut the folded text into words and map each word to the Cyrillic
 *      skeleton.  This pass needs the word as a whole: whether a Latin "p"
 *      is the Cyrillic "р" it looks like or the "п" it sounds like depends
 *      on the script of the rest of the word, spaced-out letters have to be
 *      seen as a group, and letter runs collapse.
 * The output is the normalized text (words as mapped, white space runs as
 * one space or line break, other punctuation as folded), a per-byte map back
 * to the original, and the word tokens the matcher walks.
 */
#include "norm.h"
#include "tables.h"
#include "util/utf8.h"

/* one folded code point */
typedef struct fch {
    uint32_t cp;
    uint32_t s, e;     /* original byte span */
    uint8_t  cls;
    uint8_t  fl;       /* FL_* */
} fch;

/* fch.fl */
enum {
    FL_I    = 2,       /* written as і or І (folded to и) */
    FL_J    = 4,       /* written as ј or Ј (folded to и): j in a Latin word */
    FL_H    = 8,       /* written as һ or Һ (folded to х): h in a Latin word */
    FL_S    = 16,      /* written as ѕ or Ѕ (folded to с): s in a Latin word */
    FL_GR   = 32,      /* written as a Greek letter (folded to a Latin one) */
};

/* ѕ ј ӏ ԁ: Cyrillic letters of neither Russian nor Kazakh, written for the
 * Latin letters they look like */
#define LATIN_ONLY_CYR(x) (((x)->fl & (FL_S | FL_J)) || (x)->cp == 0x4CF || (x)->cp == 0x501)

/* Greek code points (U+0370..U+03FF), which fold to Latin look-alikes */
#define GREEK_FL(cp) ((cp) >= 0x370 && (cp) < 0x400 ? FL_GR : 0)

/* Soft and hard signs pass pass 1 as letters and are dropped in words, so
 * that "ьі" can be read as ы and "пοьоdγ" as "nobody". */
static inline int is_soft(uint32_t cp) { return cp == 0x44C || cp == 0x44A; }

/* Do the 4 bytes before p spell тс (UTF-8)? */
static inline int ts_before(const char *p)
{
    return memcmp(p - 4, "\xD1\x82\xD1\x81", 4) == 0;
}

/* one mapped code point of a word */
typedef struct mch {
    uint32_t cp;
    uint32_t s, e;
} mch;

/* a spelling under construction: offset into text (where == 0) or alt */
typedef struct spref {
    uint32_t off, len;
    uint8_t  in_alt;
} spref;

typedef struct tokb {
    uint32_t start, end, nsp, flags;
    spref    sp[KZ_TOKEN_MAXSP];
} tokb;

struct kz_norm {
    fch      *f;     size_t nf, capf;
    mch      *m;     size_t capm;
    uint32_t *lc;    size_t caplc;
    uint32_t *cx;    size_t capcx;
    uint32_t *ix;    size_t capix;
    uint32_t *ix2;   size_t capix2;
    char     *out;   size_t nout, capout;
    uint32_t *ms, *me;                       /* map, sized like out */
    char     *alt;   size_t nalt, capalt;
    tokb     *w;     size_t nw, capw;
    tokb     *j;     size_t nj, capj;
    kz_token *tw, *tj; size_t captw, captj;
};

/* variants of a word's mapping */
enum {
    V_VISUAL = 1,    /* read Latin letters by look even in a Latin word */
    V_ALT4   = 2,    /* 4 = ч instead of а */
    V_ALT3   = 4,    /* 3 = the other of з / е */
    V_ALT1   = 8,    /* 1 = л instead of и */
    V_PHON   = 16,   /* read Latin letters by sound even in a Cyrillic word */
    V_ALTJ   = 32,   /* j = й (Russian transliteration) instead of ж; ja ju jo = я ю ё */
    V_NG     = 64,   /* ng = нг ("kunge": күнге, "demping": демпинг) instead of ң */
    V_CYRSND = 128,  /* in a Latin word, Cyrillic letters by sound ("нobody": н = n) */
    V_ALT1M  = 256,  /* the first 1 as и, the others as л ("k1l1": kill) */
    V_ALT3M  = 512,  /* the first 3 as the primary, the others as the other ("и383рг") */
    V_ALT1F  = 1024, /* the first 1 as л, the others as и ("exc1ud1ng": excluding) */
    V_ALT3F  = 2048, /* the first 3 as the other, the others as the primary ("м3р3лятина") */
    V_RUNDG  = 4096, /* a doubled Latin letter starting a digraph stays two ("joldasshil": сш) */
    V_ALTJF  = 8192, /* the first j as ж, the others as with V_ALTJ ("podrajajushchij") */
    V_ALT4M  = 16384, /* the first 4 as а, the others as ч ("з4ка4анный": закачанный) */
    V_ALT4F  = 32768, /* the first 4 as ч, the others as а ("ёрни44ющий": ёрничающий) */
    V_PHON1  = 65536, /* V_PHON with 1 as l ("P·0·Ӏ·У·Ѕ·У·1·L·@·Ь·I·C": polysyllabic) */
    V_YV     = 131072, /* y before a, u, o is ы, not я ю ё (Kazakh 2021: "saryaurudyñ") */
    V_SH     = 1u << 18, /* sh, sch, s' are с + х, с + ч, с ("rashodimost", "beschuvstven") */
    V_ALTJL  = 1u << 19, /* the first j as with V_ALTJ, the others as ж ("bjudjet") */
    V_SHF    = 1u << 20, /* the first sh, sch, s', zh as with V_SH, the others one letter ("nishodivshii") */
    V_ALTJE  = 1u << 21, /* the first and the last j as with V_ALTJ, the others as ж ("obrjajaemyj") */
    V_NGG    = 1u << 22, /* ngg is н + г, the other ng н (Kazakh 2021 ñg: "meñgerudıñ") */
};

/* Do Latin a, b start a digraph (sh, sch, zh, ch, kh, gh, ng, ya, yu, yo;
 * and ja ju jo, read as я ю ё with j as й)? */
static inline int digraph_pair(uint32_t a, uint32_t b)
{
    switch (a) {
    case 'j': return b == 'a' || b == 'u' || b == 'o';
    case 's': return b == 'h' || b == 'c';
    case 'z': case 'c': case 'k': case 'g': return b == 'h';
    case 'n': return b == 'g';
    case 'y': return b == 'a' || b == 'u' || b == 'o';
    default: return 0;
    }
}

enum { CTX_OTHER, CTX_CYR, CTX_LAT };

kz_norm *kz_norm_new(void)
{
    if (kz_tables_init() != 0)
        return NULL;
    return calloc(1, sizeof(kz_norm));
}

void kz_norm_free(kz_norm *n)
{
    if (!n)
        return;
    free(n->f); free(n->m); free(n->lc); free(n->cx); free(n->ix); free(n->ix2); free(n->out); free(n->ms); free(n->me);
    free(n->alt); free(n->w); free(n->j); free(n->tw); free(n->tj);
    free(n);
}

/* ---- pass 1 ------------------------------------------------------------ */

static int pass1(kz_norm *n, const char *s, size_t len, size_t *invalid)
{
    /* each input byte folds to at most KZ_FOLD_MAX code points, but real
     * text is close to one per code point: grow as needed */
    if (KZ_GROW(n->f, n->capf, len + 16))
        return KZ_ENOMEM;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, nf = 0, bad = 0;
    uint32_t tmp[KZ_FOLD_MAX], lastcp = 0;   /* the last code point that folded to something */
    while (i < len) {
        uint32_t cp;
        size_t k;
        if (u[i] < 0x80) {
            cp = u[i];
            k = 1;
        } else if (u[i] >= 0xC2 && u[i] < 0xE0 && i + 1 < len && (u[i + 1] & 0xC0) == 0x80) {
            cp = ((u[i] & 0x1Fu) << 6) | (u[i + 1] & 0x3Fu);      /* Cyrillic, Greek... */
            k = 2;
        } else {
            k = kz_utf8_decode(u + i, len - i, &cp);
            if (KZ_UNLIKELY(k == 0)) {
                cp = 0xFFFD;
                k = 1;
                bad++;
            }
        }
        if (KZ_LIKELY(cp < 0x10000)) {
            uint32_t e1 = kz_fold1_tab[cp];
            if (KZ_LIKELY(!(e1 & KZ_FOLD1_SLOW))) {
                if (KZ_UNLIKELY(nf >= n->capf) && KZ_GROW(n->f, n->capf, nf + 16))
                    return KZ_ENOMEM;
                fch *x = &n->f[nf++];
                x->cp = e1 & 0xFFFFFF;
                x->s = (uint32_t)i;
                x->e = (uint32_t)(i + k);
                x->cls = (uint8_t)(e1 >> 24);
                x->fl = (cp == 0x456 || cp == 0x406) ? FL_I
                      : (cp == 0x458 || cp == 0x408) ? FL_J
                      : (cp == 0x4BB || cp == 0x4BA) ? FL_H
                      : (cp == 0x455 || cp == 0x405) ? FL_S : GREEK_FL(cp);
                lastcp = cp;
                i += k;
                continue;
            }
        }
        const uint32_t *src;
        size_t cnt;
        if (cp < 0x10000) {
            uint32_t e = kz_fold_tab[cp];
            cnt = e >> 24;
            src = kz_fold_pool + (e & 0xFFFFFF);
        } else {
            cnt = kz_fold(cp, tmp);
            src = tmp;
        }
        if (cnt == 0 && nf > 0)          /* a mark, an invisible: part of */
            n->f[nf - 1].e = (uint32_t)(i + k);   /* the span before it */
        if (cnt > 1 && cp == lastcp && nf >= cnt) {
            /* a stretched letter that folds to two is one ("ñññ": ng, not
             * ngngng; "ццц": тс), as a stretched letter is in pass 2 */
            for (size_t c = nf - cnt; c < nf; c++)
                n->f[c].e = (uint32_t)(i + k);
            i += k;
            continue;
        }
        if (cnt > 0)
            lastcp = cp;
        if (KZ_UNLIKELY(nf + cnt > n->capf) && KZ_GROW(n->f, n->capf, nf + cnt + 16))
            return KZ_ENOMEM;
        for (size_t c = 0; c < cnt; c++) {
            fch *x = &n->f[nf++];
            x->cp = src[c];
            x->s = (uint32_t)i;
            x->e = (uint32_t)(i + k);
            x->cls = (uint8_t)kz_cls_of(src[c]);
            x->fl = cnt != 1 ? 0 : (cp == 0x458 || cp == 0x408) ? FL_J
                  : (cp == 0x4BB || cp == 0x4BA) ? FL_H
                  : (cp == 0x455 || cp == 0x405) ? FL_S : (uint8_t)GREEK_FL(cp);
        }
        i += k;
    }
    n->nf = nf;
    *invalid = bad;
    return 0;
}

/* ---- output ------------------------------------------------------------ */

static int out_reserve(kz_norm *n, size_t bytes)
{
    if (n->nout + bytes > n->capout) {
        size_t cap = n->capout;
        if (KZ_GROW(n->out, cap, n->nout + bytes + 1))
            return KZ_ENOMEM;
        uint32_t *a = realloc(n->ms, cap * sizeof *a);
        if (!a) return KZ_ENOMEM;
        n->ms = a;
        a = realloc(n->me, cap * sizeof *a);
        if (!a) return KZ_ENOMEM;
        n->me = a;
        n->capout = cap;
    }
    return 0;
}

/* append cp; room must have been reserved */
static inline void out_put(kz_norm *n, uint32_t cp, uint32_t s, uint32_t e)
{
    size_t k = kz_utf8_encode(cp, n->out + n->nout);
    for (size_t b = 0; b < k; b++) {
        n->ms[n->nout + b] = s;
        n->me[n->nout + b] = e;
    }
    n->nout += k;
}

static inline int out_cp(kz_norm *n, uint32_t cp, uint32_t s, uint32_t e)
{
    if (n->nout + 4 > n->capout && out_reserve(n, 5))
        return KZ_ENOMEM;
    size_t k = kz_utf8_encode(cp, n->out + n->nout);
    for (size_t b = 0; b < k; b++) {
        n->ms[n->nout + b] = s;
        n->me[n->nout + b] = e;
    }
    n->nout += k;
    return 0;
}

static int alt_cp(kz_norm *n, uint32_t cp)
{
    if (n->nalt + 4 > n->capalt && KZ_GROW(n->alt, n->capalt, n->nalt + 5))
        return KZ_ENOMEM;
    n->nalt += kz_utf8_encode(cp, n->alt + n->nalt);
    return 0;
}

/* ---- word mapping ------------------------------------------------------ */

static inline int is_letter(unsigned c) { return c == KZ_C_CYR || c == KZ_C_LAT || c == KZ_C_LET; }
static inline int is_alnum(unsigned c) { return is_letter(c) || c == KZ_C_DIGIT; }

static inline int lat_index(uint32_t cp)
{
    if (cp >= 'a' && cp <= 'z') return (int)(cp - 'a');
    if (cp == 0x0131) return 26;
    return -1;
}

/* A leet digit or symbol as a letter: in Cyrillic words the Cyrillic
 * letter it imitates, in Latin words the Latin letter (so that "y0u" still
 * meets the digraph "yo").  0 = not a letter here. */
static uint32_t leet(uint32_t cp, int ctx, unsigned v)
{
    int lat = ctx == CTX_LAT;
    switch (cp) {
    case '0': return lat ? 'o' : 0x43E;
    case '1': return (v & V_ALT1) ? (lat ? 'l' : 0x43B) : (lat ? 'i' : 0x438);
    case '3':
        if (lat) return (v & V_ALT3) ? 0x437 : 'e';              /* e / з */
        return (v & V_ALT3) ? 0x435 : 0x437;                     /* з / е */
    case '4': return (v & V_ALT4) ? 0x447 : (lat ? 'a' : 0x430); /* а / ч */
    case '5': return lat ? 's' : 0;
    case '6': return lat ? 0 : 0x431;                            /* б */
    case '7': return lat ? 't' : 0x442;
    case '8': return lat ? 0 : 0x432;                            /* в */
    case '@': return lat ? 'a' : 0x430;
    case '$': return lat ? 's' : 0x441;
    case '!': case '|': return lat ? 'i' : 0x438;
    case 0x20AC: return lat ? 'e' : 0x435;                       /* € */
    default: return 0;
    }
}

static inline int is_apos(uint32_t cp) { return cp && kz_cls_of(cp) == KZ_C_APOS; }

/* After a soft sign or a Latin b, does x stand for the stroke of ы
 * ("вьіпилиться", "вbIпилиться", "вbl", "вь1")? */
static inline int i_like(const fch *x)
{
    switch (x->cp) {
    case 'i': case 0x131: case 'l': case '1': case '|': case '!': return 1;
    default: return (x->fl & FL_I) != 0;
    }
}

/* The Latin letter a Cyrillic letter imitates, for a Latin word written
 * with Cyrillic look-alikes ("нobody", "кill уоurself"); 0 = none. */
static uint32_t cyr_latin(const fch *x)
{
    switch (x->cp) {
    case 0x430: return 'a';  case 0x432: return 'b';
    case 0x441: return (x->fl & FL_S) ? 's' : 'c';                          /* ѕ / с */
    case 0x435: return 'e';  case 0x43D: return 'h';  case 0x43A: return 'k';
    case 0x43C: return 'm';  case 0x43E: return 'o';  case 0x440: return 'p';
    case 0x442: return 't';  case 0x443: return 'y';
    case 0x445: return (x->fl & FL_H) ? 'h' : 'x';                          /* һ / х */
    case 0x43F: return 'n';  case 0x433: return 'r';  case 0x448: return 'w';
    case 0x44C: return 'b';  case 0x44A: return 'b';  case 0x4CF: return 'l';
    case 0x501: return 'd';
    case 0x438: return (x->fl & FL_I) ? 'i' : (x->fl & FL_J) ? 'j' : 'u';   /* і ј / и */
    default: return 0;
    }
}

/* Latin digraphs in Latin words, over the letters c[i..n); returns the
 * Cyrillic letter and sets *used, or 0. */
static uint32_t digraph(const uint32_t *c, size_t i, size_t n, size_t *used)
{
    uint32_t a = c[i], b = i + 1 < n ? c[i + 1] : 0;
    uint32_t x = i + 2 < n ? c[i + 2] : 0, d = i + 3 < n ? c[i + 3] : 0;
    if (a == 's' && b == 'h' && x == 'c' && d == 'h') { *used = 4; return 0x449; }  /* щ */
    if (a == 's' && b == 'c' && x == 'h') { *used = 3; return 0x449; }
    *used = 2;
    switch (a) {
    case 's':
        if (b == 'h' || is_apos(b)) return 0x448;                /* ш; 2017: s' */
        break;
    case 'c':
        if (b == 'h' || is_apos(b)) return 0x447;                /* ч; 2017: c' */
        break;
    case 'z': if (b == 'h') return 0x436; break;                 /* ж */
    case 'k': if (b == 'h') return 0x445; break;                 /* х */
    case 'g': if (b == 'h') return 0x433; break;                 /* ғ → г */
    case 'n': if (b == 'g') return 0x43D; break;                 /* ң → н */
    case 'y':
        if (b == 'a') return 0x44F;                              /* я */
        if (b == 'u') return 0x44E;                              /* ю */
        if (b == 'o') return 0x435;                              /* ё → е */
        break;
    }
    *used = 1;
    return 0;
}

#define DIGRAPH_STARTS ((1u << ('s' - 'a')) | (1u << ('z' - 'a')) | (1u << ('c' - 'a')) | \
                        (1u << ('k' - 'a')) | (1u << ('g' - 'a')) | (1u << ('n' - 'a')) | \
                        (1u << ('y' - 'a')))

typedef struct wordinfo {
    int      ctx;
    int      leet_ok;      /* digits are letters in this word */
    unsigned ambig;        /* V_* flags worth trying as alternates */
} wordinfo;

static void word_info(const fch *f, const uint32_t *ix, size_t cnt, wordinfo *wi)
{
    size_t cy = 0, la = 0, other = 0, dig = 0, look = 0, lk = 0;
    int has1 = 0, has3 = 0, has4 = 0, hasj = 0, ng = 0, ngg = 0, rundg = 0, greek = 0, yv = 0, sh = 0;
    uint32_t prevl = 0;
    for (size_t i = 0; i < cnt; i++) {
        const fch *x = &f[ix[i]];
        switch (x->cls) {
        case KZ_C_CYR:
            /* ѕ ј ӏ ԁ are in neither the Russian nor the Kazakh alphabet:
             * written for the Latin letters they look like, they count as
             * Latin when the word's script is chosen ("ИNԀеRӏαyѕ") */
            if (LATIN_ONLY_CYR(x)) lk++;
            else cy++;
            break;
        case KZ_C_LAT: {
            la++;
            greek |= (x->fl & FL_GR) != 0;
            int li = lat_index(x->cp);
            if (li >= 0 && kz_lat_lookalike[li]) look++;
            hasj += x->cp == 'j';
            if ((x->cp == 's' || x->cp == 'z') && i + 1 < cnt) {   /* sh sch s' zh */
                uint32_t nx = f[ix[i + 1]].cp;
                sh += nx == 'h' || (x->cp == 's' && (is_apos(nx) ||
                                    (nx == 'c' && i + 2 < cnt && f[ix[i + 2]].cp == 'h')));
            }
            ng |= x->cp == 'g' && prevl == 'n';
            ngg |= x->cp == 'g' && prevl == 'g' && i > 1 && f[ix[i - 2]].cp == 'n';
            yv |= prevl == 'y' && (x->cp == 'a' || x->cp == 'u' || x->cp == 'o');
            rundg |= x->cp == prevl && i + 1 < cnt && digraph_pair(x->cp, f[ix[i + 1]].cp);
            prevl = x->cp;
            break;
        }
        case KZ_C_LET: other++; break;
        case KZ_C_SYM: other++; break;        /* leet symbols count as letters */
        case KZ_C_DIGIT:
            dig += i == 0 || f[ix[i - 1]].cp != x->cp;   /* a run of one digit: one ("$000l") */
            has1 += x->cp == '1';
            has3 += x->cp == '3';
            has4 += x->cp == '4';
            break;
        default: break;
        }
    }
    wi->ctx = cy > 0 && cy >= la + lk ? CTX_CYR : la + lk > 0 ? CTX_LAT : CTX_OTHER;
    cy += lk;
    wi->leet_ok = (cy + la + other) >= dig && (cy + la) > 0;
    wi->ambig = 0;
    if (wi->ctx == CTX_LAT && (look == la || cy > 0 || greek))
        wi->ambig |= V_VISUAL;          /* "PAPA" may be Cyrillic РАРА; "aTaκcuτ" атаксит */
    if (wi->ctx == CTX_CYR && la + lk > 0)
        wi->ambig |= V_PHON;            /* "сосаіnе" may be English */
    if (wi->ctx == CTX_CYR && la + lk > 0 && has1 && wi->leet_ok)
        wi->ambig |= V_PHON1;           /* and its 1 an l */
    if (wi->ctx == CTX_LAT && hasj)
        wi->ambig |= V_ALTJ;            /* j is й in Russian transliteration */
    if (wi->ctx == CTX_LAT && hasj > 1)
        wi->ambig |= V_ALTJF | V_ALTJL; /* ж, then й: "objigavshijsia"; й, then ж: "bjudjet" */
    if (wi->ctx == CTX_LAT && sh)
        wi->ambig |= V_SH;              /* "rashodimost": с + х; "tuzhana": з + х */
    if (wi->ctx == CTX_LAT && sh > 1)
        wi->ambig |= V_SHF;             /* "nishodivshii": с + х, then ш */
    if (wi->ctx == CTX_LAT && hasj > 2)
        wi->ambig |= V_ALTJE;           /* "obrjajaemyj": я, ж, й */
    if (wi->ctx == CTX_LAT && cy > 0)
        wi->ambig |= V_CYRSND;          /* "нobody": н may be n, not h */
    if (wi->ctx == CTX_LAT && ng)
        wi->ambig |= V_NG;              /* "kunge": n + g, not ң */
    if (wi->ctx == CTX_LAT && ngg)
        wi->ambig |= V_NGG;             /* "meñgerudıñ": н + г, then н */
    if (wi->ctx == CTX_LAT && rundg)
        wi->ambig |= V_RUNDG;           /* "joldasshil": с + ш, not a stretched ш */
    if (wi->ctx == CTX_LAT && yv)
        wi->ambig |= V_YV;              /* "saryau": ы + а, not я */
    if (wi->leet_ok) {
        if (has4) wi->ambig |= V_ALT4;
        if (has4 > 1) wi->ambig |= V_ALT4M | V_ALT4F;
        if (has3) wi->ambig |= V_ALT3;
        if (has1 && wi->ctx == CTX_LAT) wi->ambig |= V_ALT1;
        if (has1 > 1 && wi->ctx == CTX_LAT) wi->ambig |= V_ALT1M;
        if (has1 > 1 && wi->ctx == CTX_LAT) wi->ambig |= V_ALT1F;
        if (has3 > 1) wi->ambig |= V_ALT3M | V_ALT3F;
    }
}

/* Is the k-th j of a word's nj (from 0) read as й in the variant v? */
static inline int j_short(unsigned v, unsigned k, unsigned nj)
{
    return (v & V_ALTJ) || ((v & V_ALTJF) && k > 0) || ((v & V_ALTJL) && k == 0) ||
           ((v & V_ALTJE) && (k == 0 || k + 1 == nj));
}

/* Map the word's code points (indices ix into n->f) to n->m; returns the
 * count after collapsing letter runs. */
static size_t word_map(kz_norm *n, const uint32_t *ix, size_t cnt, const wordinfo *wi, unsigned v)
{
    const fch *f = n->f;
    mch *m = n->m;
    uint32_t *c = n->lc;              /* the word's letters after leet */
    size_t nm = 0;
    if (v & V_PHON1)
        v |= V_PHON | V_ALT1;
    int visual = (wi->ctx == CTX_CYR && !(v & V_PHON)) || (v & V_VISUAL);
    /* read by sound, leet is read as Latin too ("Aп7н3m": anthem) */
    int lctx = (v & V_PHON) ? CTX_LAT : wi->ctx;
    unsigned ones = 0, threes = 0, fours = 0, jn = 0, nj = 0, shn = 0;
    for (size_t i = 0; i < cnt; i++) {
        const fch *x = &f[ix[i]];
        uint32_t cp = x->cp;
        if ((x->cls == KZ_C_DIGIT || x->cls == KZ_C_SYM) && wi->leet_ok) {
            unsigned vv = v;                  /* mixed readings: by position */
            if ((v & V_ALT1M) && cp == '1')
                vv = ones++ ? (vv | V_ALT1) : (vv & ~(unsigned)V_ALT1);
            if ((v & V_ALT3M) && cp == '3')
                vv = threes++ ? (vv | V_ALT3) : (vv & ~(unsigned)V_ALT3);
            if ((v & V_ALT1F) && cp == '1')
                vv = ones++ ? (vv & ~(unsigned)V_ALT1) : (vv | V_ALT1);
            if ((v & V_ALT3F) && cp == '3')
                vv = threes++ ? (vv & ~(unsigned)V_ALT3) : (vv | V_ALT3);
            if ((v & V_ALT4M) && cp == '4')
                vv = fours++ ? (vv | V_ALT4) : (vv & ~(unsigned)V_ALT4);
            if ((v & V_ALT4F) && cp == '4')
                vv = fours++ ? (vv & ~(unsigned)V_ALT4) : (vv | V_ALT4);
            uint32_t l = leet(cp, lctx, vv);
            if (l) cp = l;
        } else if (x->cls == KZ_C_CYR && !visual && !(v & V_CYRSND)) {
            uint32_t l = cyr_latin(x);        /* read by sound as the Latin it imitates */
            if (l) cp = l;
        }
        c[i] = cp;
        if (visual && i > 0 && i_like(x)) {
            const fch *p = &f[ix[i - 1]];
            if (is_soft(p->cp)) {
                c[i] = 0x44B;                  /* ь + і: ы */
                c[i - 1] = 0;
            } else if (p->cp == 'b') {
                c[i] = 0x44B;                  /* b + I: ы */
                c[i - 1] = 0;
            }
        }
    }
    /* a Latin letter run is one letter before digraphs are read ("yooou":
     * you); cx[j] is where letter j starts in ix, cx[k] = cnt */
    uint32_t *cx = n->cx;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (k > 0 && c[i] == c[k - 1] && !visual && lat_index(c[i]) >= 0 &&
            !((v & V_RUNDG) && i + 1 < cnt && digraph_pair(c[i], c[i + 1])) &&
            !((v & V_NGG) && c[i] == 'g' && k > 1 && c[k - 2] == 'n'))   /* ñg: ngg, н + г */
            continue;
        c[k] = c[i];
        cx[k++] = (uint32_t)i;
    }
    cx[k] = (uint32_t)cnt;
    cnt = k;
    if (v & V_ALTJE)
        for (size_t i = 0; i < cnt; i++)
            nj += c[i] == 'j';
    for (size_t i = 0; i < cnt;) {
        uint32_t cp = c[i], out = cp;
        uint32_t s = f[ix[cx[i]]].s, e = f[ix[cx[i + 1] - 1]].e;
        size_t used = 1;
        int li = lat_index(cp);
        if (li >= 0) {
            /* only s z c k g n y start a digraph */
            uint32_t d = visual || li >= 26 || !((DIGRAPH_STARTS >> li) & 1) ? 0
                         : digraph(c, i, cnt, &used);
            if (d == 0x43D && (v & V_NG)) {
                d = 0;                        /* n, then g */
                used = 1;
            }
            if (cp == 'y' && d && (v & V_YV)) {
                d = 0;                        /* ы, then the vowel */
                used = 1;
            }
            if ((cp == 's' && (d == 0x448 || d == 0x449)) || (cp == 'z' && d == 0x436)) {
                if ((v & V_SH) || ((v & V_SHF) && shn == 0)) {
                    d = 0;                    /* с (з), then х, ч, or a soft sign */
                    used = 1;
                }
                shn++;
            }
            uint32_t nx = i + 1 < cnt ? c[i + 1] : 0;
            if (d) {
                out = d;
                e = f[ix[cx[i + used] - 1]].e;
            } else if (cp == 'j' && j_short(v, jn++, nj)) {
                out = 0x438;
                if (nx == 'a' || nx == 'u' || nx == 'o') {   /* ja ju jo: я ю ё */
                    out = nx == 'a' ? 0x44F : nx == 'u' ? 0x44E : 0x435;
                    used = 2;
                    e = f[ix[cx[i + 2] - 1]].e;
                }
            } else {
                out = visual ? kz_lat_visual[li] : kz_lat_phonetic[li];
            }
        } else if (f[ix[cx[i]]].cls == KZ_C_APOS || is_soft(cp)) {
            out = 0;                          /* dropped: part of the letter before */
        }
        i += used;
        if (!out) {
            if (nm > 0) m[nm - 1].e = e;      /* an apostrophe, ь: part of the letter */
            continue;
        }
        if (nm > 0 && m[nm - 1].cp == out && (out >= 0x400 || is_letter(kz_cls_of(out)))) {
            m[nm - 1].e = e;                  /* stretched letter: one */
            continue;
        }
        m[nm].cp = out;
        m[nm].s = s;
        m[nm].e = e;
        nm++;
    }
    /* тс repeated is one, as a stretched letter is: ц folds to тс
     * ("ЦЦЦАП@ТЬ"), and "пиццикато" meets "pitstsikato" and "pitctcikato" */
    size_t w = 0;
    for (size_t r = 0; r < nm; r++) {
        if (w >= 2 && r + 1 < nm && m[r].cp == 0x442 && m[r + 1].cp == 0x441 &&
            m[w - 2].cp == 0x442 && m[w - 1].cp == 0x441) {
            m[w - 1].e = m[r + 1].e;
            r++;
            continue;
        }
        m[w++] = m[r];
    }
    return w;
}

/* Emit a word (or a group joined into one word) as a token. */
static int emit_word(kz_norm *n, const uint32_t *ix, size_t cnt, tokb *tok, int to_text)
{
    int rc;
    if ((rc = KZ_GROW(n->m, n->capm, cnt + 1)) != 0 || (rc = KZ_GROW(n->lc, n->caplc, cnt + 1)) != 0 ||
        (rc = KZ_GROW(n->cx, n->capcx, cnt + 1)) != 0)
        return rc;
    wordinfo wi;
    word_info(n->f, ix, cnt, &wi);
    size_t nm = word_map(n, ix, cnt, &wi, 0);
    tok->nsp = 0;
    tok->flags = 0;
    if (to_text) {
        tok->start = (uint32_t)n->nout;
        if ((rc = out_reserve(n, nm * 4 + 1)) != 0)
            return rc;
        for (size_t i = 0; i < nm; i++)
            out_put(n, n->m[i].cp, n->m[i].s, n->m[i].e);
        tok->end = (uint32_t)n->nout;
        tok->sp[0] = (spref){ tok->start, tok->end - tok->start, 0 };
    } else {
        uint32_t a = (uint32_t)n->nalt;
        for (size_t i = 0; i < nm; i++)
            if ((rc = alt_cp(n, n->m[i].cp)) != 0)
                return rc;
        tok->sp[0] = (spref){ a, (uint32_t)n->nalt - a, 1 };
    }
    tok->nsp = 1;
    /* (ng last: a one-word rule has the нг spelling itself) */
    static const unsigned tries[] = { V_VISUAL, V_PHON, V_ALT1, V_CYRSND, V_ALTJ, V_ALTJF, V_ALT4,
                                      V_ALTJ | V_ALT4,         /* "Ljamo4nii", "ozorni4ajuschij": я and ч */
                                      V_ALT3,
                                      V_ALT1M, V_ALT3M, V_ALT1F, V_ALT3F, V_NG, V_RUNDG,
                                      V_ALT4M, V_ALT4F, V_PHON1,
                                      V_ALT1 | V_ALTJ,         /* "Y~U~1~|~@~N~S~K~I~J": л and й */
                                      V_NG | V_ALTJ,           /* "slengovij": нг and й */
                                      V_YV, V_SH, V_SHF, V_ALTJL, V_ALTJE,
                                      V_RUNDG | V_ALTJ,        /* "razzhevannij": з + ж and й */
                                      V_RUNDG | V_ALTJF,       /* "osterejjonnyj": ж + ё */
                                      V_RUNDG | V_ALTJE,       /* "bejjajlyq": й + ж, then й */
                                      V_ALT4 | V_ALTJF,        /* "ot4ujdatsja": ч, ж and я */
                                      V_SH | V_ALTJ,
                                      V_SHF | V_ALTJ,          /* "Ischisljavshiy": с + ч, я, ш */
                                      V_NGG,
                                      V_ALT4 | V_ALT3 };       /* "43тырёх$о7ый": ч and е */
    for (size_t t = 0; t < KZ_ARRAY_LEN(tries) && tok->nsp < KZ_TOKEN_MAXSP; t++) {
        if ((wi.ambig & tries[t]) != tries[t])
            continue;
        size_t k = word_map(n, ix, cnt, &wi, tries[t]);
        uint32_t a = (uint32_t)n->nalt;
        for (size_t i = 0; i < k; i++)
            if ((rc = alt_cp(n, n->m[i].cp)) != 0)
                return rc;
        uint32_t l = (uint32_t)n->nalt - a;
        /* keep it only when it differs from the spellings so far */
        uint32_t z = 0;
        for (; z < tok->nsp; z++) {
            const char *pz = (tok->sp[z].in_alt ? n->alt : n->out) + tok->sp[z].off;
            if (l == tok->sp[z].len && memcmp(pz, n->alt + a, l) == 0)
                break;
        }
        if (z < tok->nsp) {
            n->nalt = a;
            continue;
        }
        tok->sp[tok->nsp++] = (spref){ a, l, 1 };
    }
    return 0;
}

static int push_tok(tokb **arr, size_t *num, size_t *cap, const tokb *t)
{
    if (KZ_GROW(*arr, *cap, *num + 1))
        return KZ_ENOMEM;
    (*arr)[(*num)++] = *t;
    return 0;
}

/* ---- pass 2: segmentation ---------------------------------------------- */

/* Does the run of word-like characters from f[i] hold a Latin letter and,
 * after f[i], a leet digit or symbol ("nth3m", "$$oci@7ive", "mpi€ty")? */
static int latin_leet_follows(const fch *f, size_t nf, size_t i)
{
    int lat = 0, leety = 0;
    for (size_t j = i; j < nf && j < i + 32; j++) {
        unsigned c = f[j].cls;
        if (c == KZ_C_LAT) lat = 1;
        else if (c == KZ_C_DIGIT || c == KZ_C_SYM) leety |= j > i;
        else if (c != KZ_C_APOS && c != KZ_C_CYR && c != KZ_C_LET) break;
    }
    return lat && leety;
}

static inline int leet_digit(uint32_t cp) { return cp >= '0' && cp <= '8' && cp != '2'; }

/* @ ! | first in a word, then one to three leet digits or symbols (one
 * other than the first) and a letter: "!36€га7ься", "@$$ириолог",
 * "|!с73ну", "!7chi3r", "@11aying"; not "!!!wow" */
static int leet_start_run(const fch *f, size_t nf, size_t i)
{
    size_t k = i + 1;
    int other = 0;
    while (k < nf && k - i <= 3 && (leet_digit(f[k].cp) || (f[k].cls == KZ_C_SYM && leet(f[k].cp, CTX_CYR, 0)))) {
        other |= f[k].cp != f[i].cp;
        k++;
    }
    return k > i + 1 && k < nf && is_letter(f[k].cls) && other;
}

/* is f[i] part of a word? Symbols and apostrophes only between word chars */
static inline int word_char(const fch *f, size_t nf, size_t i)
{
    unsigned c = f[i].cls;
    if (is_alnum(c))
        return 1;
    if (c == KZ_C_SYM) {
        /* between word characters, two symbols in a row too ("$|н|й") */
        int prev = i > 0 && is_alnum(f[i - 1].cls);
        int prevs = i > 0 && f[i - 1].cls == KZ_C_SYM &&
                    ((i > 1 && is_alnum(f[i - 2].cls)) || f[i - 1].cp == '$' || f[i - 1].cp == '@' ||
                     f[i - 1].cp == 0x20AC || f[i - 1].cp == '|');
        int nextd = i + 1 < nf && is_alnum(f[i + 1].cls);
        int nexts = i + 2 < nf && f[i + 1].cls == KZ_C_SYM && is_alnum(f[i + 2].cls);
        /* three in a row after a letter: "қ|$@қ7ау" */
        int nexts2 = prev && i + 3 < nf && f[i + 1].cls == KZ_C_SYM && f[i + 2].cls == KZ_C_SYM &&
                     is_alnum(f[i + 3].cls);
        int next = i + 1 < nf && is_letter(f[i + 1].cls);
        if ((prev || prevs) && (nextd || nexts || nexts2)) return 1;
        /* a stretched symbol between word characters: "QUUU!!!LT3D",
         * "m€€€€€mBrAnE$" (runs of one or two are the cases above) */
        size_t lo = i, hi = i + 1;
        while (lo > 0 && f[lo - 1].cp == f[i].cp)
            lo--;
        while (hi < nf && f[hi].cp == f[i].cp)
            hi++;
        if (hi - lo >= 3 && lo > 0 && is_alnum(f[lo - 1].cls) && hi < nf && is_alnum(f[hi].cls))
            return 1;
        /* "$ин", "$|н|й": $ starts a word; @ before Cyrillic ("@кымак"),
         * not before Latin: "@user" is a mention */
        size_t dr = i + 1;                     /* a run of one digit: "$000l" */
        while (dr + 1 < nf && f[dr].cls == KZ_C_DIGIT && f[dr + 1].cp == f[i + 1].cp)
            dr++;
        int nextd2 = dr + 1 < nf && f[i + 1].cls == KZ_C_DIGIT &&
                     (is_letter(f[dr + 1].cls) ||      /* "$8€рс7@ть": a digit, a symbol */
                      (dr + 2 < nf && f[dr + 1].cls == KZ_C_SYM && is_letter(f[dr + 2].cls)));
        /* two symbols, then a letter: "€$|ртк1" */
        int nexts2l = i + 3 < nf && f[i + 1].cls == KZ_C_SYM && f[i + 2].cls == KZ_C_SYM &&
                      is_letter(f[i + 3].cls);
        /* two or three leet digits, then two letters or a symbol and a
         * letter: "$74gs", "$03|ңді" ("$100k" stays an amount) */
        size_t d3 = i + 1;
        while (d3 < nf && d3 - i <= 3 && f[d3].cls == KZ_C_DIGIT && leet_digit(f[d3].cp))
            d3++;
        int nextd3 = d3 - i >= 3 && d3 + 1 < nf && (is_letter(f[d3].cls) || f[d3].cls == KZ_C_SYM) &&
                     is_letter(f[d3 + 1].cls);
        if ((f[i].cp == '$' || f[i].cp == 0x20AC) && !prev && (next || nexts || nexts2l || nextd2 || nextd3))
            return 1;
        /* ! and | for и at the start of a Cyrillic word: "!зверг", "|3верг",
         * "|$целённый"; @ for а ("@қымақ", "@6ы$ын"); not after a letter or
         * digit (that is the case above) */
        int nextc = i + 1 < nf && (f[i + 1].cls == KZ_C_CYR ||
                    ((f[i + 1].cls == KZ_C_DIGIT || (f[i + 1].cls == KZ_C_SYM && f[i + 1].cp != '!')) &&
                     i + 2 < nf && f[i + 2].cls == KZ_C_CYR));
        if (f[i].cp == '@' && !prev && nextc && !(i > 0 && f[i - 1].cls == KZ_C_SYM)) return 1;
        if ((f[i].cp == '!' || f[i].cp == '|') && !prev && !(i > 0 && f[i - 1].cls == KZ_C_SYM) &&
            nextc)
            return 1;
        int first = !prev && !(i > 0 && f[i - 1].cls == KZ_C_SYM);
        if ((f[i].cp == '@' || f[i].cp == '!' || f[i].cp == '|') && first && leet_start_run(f, nf, i))
            return 1;
        /* | (a run of it too: lo..hi above) before a letter: "|mposter",
         * "|||mmp0ster" */
        if (f[i].cp == '|' && hi - lo <= 3 && hi < nf && is_letter(f[hi].cls) &&
            !(lo > 0 && (is_alnum(f[lo - 1].cls) || f[lo - 1].cls == KZ_C_SYM)))
            return 1;
        /* @ ! | before a Latin letter (or a symbol) start a word when more
         * leet follows in it: "@nth3m", "!mpi€ty", "|nfec7iously",
         * "@$$oci@7ive"; "@user" stays a mention, "!wow" an exclamation */
        if ((f[i].cp == '@' || f[i].cp == '!' || f[i].cp == '|') && !prev &&
            !(i > 0 && f[i - 1].cls == KZ_C_SYM) && i + 1 < nf &&
            (f[i + 1].cls == KZ_C_LAT || f[i + 1].cls == KZ_C_SYM) && latin_leet_follows(f, nf, i + 1))
            return 1;
        return 0;
    }
    if (c == KZ_C_APOS) {               /* between letters, or a leet digit and a letter */
        if (i > 0 && i + 1 < nf && is_alnum(f[i - 1].cls) && is_alnum(f[i + 1].cls) &&
            (is_letter(f[i - 1].cls) || is_letter(f[i + 1].cls) ||
             (i + 2 < nf && is_letter(f[i + 2].cls))))     /* "0'1tir" */
            return 1;
        /* two to six in a row between letters: "DURACH''E", a stretched
         * apostrophe "SLETAT'''''SIA" */
        size_t lo = i, hi = i + 1;
        while (lo > 0 && i - lo < 6 && f[lo - 1].cls == KZ_C_APOS)
            lo--;
        while (hi < nf && hi - i < 6 && f[hi].cls == KZ_C_APOS)
            hi++;
        return hi - lo >= 2 && hi - lo <= 6 && lo > 0 && hi < nf && is_letter(f[lo - 1].cls) &&
               is_letter(f[hi].cls);
    }
    return 0;
}

static int chunk_has_letter(const fch *f, size_t a, size_t b);

static size_t chunk_end(const fch *f, size_t nf, size_t i)
{
    size_t a = i;
    int leety = 0;
    while (i < nf && word_char(f, nf, i)) {
        leety |= f[i].cls == KZ_C_DIGIT || f[i].cls == KZ_C_SYM;
        i++;
    }
    /* leet letters end the word: "закладк@", "like$", "lik€$", "е$1ртк!"
     * (! after other leet only: "кит!" is a word and an exclamation) */
    /* (after a leet digit too: "шырылд4$", "vulv4$") */
    /* (three at most; ! before another leet symbol too: "ірк!$", "duch!€$") */
    for (int k = 0; k < 3 && i < nf && i > a && f[i].cls == KZ_C_SYM &&
                    (k > 0 || is_letter(f[i - 1].cls) ||
                     (f[i - 1].cls == KZ_C_DIGIT && chunk_has_letter(f, a, i))); k++) {
        uint32_t cp = f[i].cp;
        int bang = cp == '!' && (leety || (i + 1 < nf && (f[i + 1].cp == '@' || f[i + 1].cp == '$' ||
                                                         f[i + 1].cp == 0x20AC || f[i + 1].cp == '|')));
        if (!(cp == '@' || cp == '$' || cp == 0x20AC || cp == '|' || bang))
            break;
        leety = 1;
        i++;
    }
    return i;
}

static int chunk_has_letter(const fch *f, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (is_letter(f[i].cls))
            return 1;
    return 0;
}

/* Spaced-out letters: single-character chunks separated by 1-3 spaces or
 * joiners (no line break), every separator the same characters ("k i l l  y
 * o u" is two groups: the wider gap ends the first).  Returns the end of the
 * group (index after its last chunk) when it has 3+ chunks with 3+ letters,
 * more letters than digits; else 0.  Indices of the group's characters go
 * to n->ix. */
static size_t spaced_group(kz_norm *n, size_t i, size_t *cnt, int bang)
{
    const fch *f = n->f;
    size_t nf = n->nf, k = 0, letters = 0, digits = 0, syms = 0, end = i;
    size_t p = i;
    uint32_t sepcp[3] = { 0, 0, 0 };   /* the first separator; the others alike */
    size_t seplen = 0;
    /* one written character is one chunk, though it may fold to two (ц: тс) */
    size_t w = i + 1;
    while (w < nf && f[w].s == f[i].s)
        w++;
    if (w < nf && word_char(f, nf, w))     /* the common case: a longer word */
        return 0;
    size_t prev_k = 0, prev_end = i, trail = 0;
    uint32_t prevcp = 0;
    for (;;) {
        /* a leet symbol is a letter here too: "z.@.k", "$ @ t"; "!" and an
         * apostrophe not first ("с . ! . н", "s_o_l_'"), and not last */
        if (p >= nf || !(word_char(f, nf, p) || (f[p].cls == KZ_C_SYM && (f[p].cp != '!' || k > 0 || bang)) ||
                         (f[p].cls == KZ_C_APOS && k > 0)))
            break;
        trail = f[p].cls == KZ_C_APOS;
        w = p + 1;
        while (w < nf && f[w].s == f[p].s)
            w++;
        if (w < nf && (word_char(f, nf, w) || (f[p].cls == KZ_C_SYM && f[w].cls == KZ_C_SYM)))
            break;
        if (KZ_GROW(n->ix, n->capix, k + (w - p)))
            return 0;
        if (!trail) {
            prev_k = k + (w - p);
            prev_end = w;
        }
        for (size_t z = p; z < w; z++)
            n->ix[k++] = (uint32_t)z;
        if (is_letter(f[p].cls)) letters++;
        else if (f[p].cls == KZ_C_SYM && f[p].cp != '!') syms++;
        else if (f[p].cls == KZ_C_DIGIT && f[p].cp != prevcp) digits++;  /* "1/1/1": one */
        prevcp = f[p].cp;
        end = w;
        p = w - 1;
        size_t q = p + 1, sep = 0;
        while (q < nf && sep < 4 && (f[q].cls == KZ_C_SPACE || f[q].cls == KZ_C_JOIN) &&
               !word_char(f, nf, q)) {
            q++;
            sep++;
        }
        if (sep == 0 || sep > 3)
            break;
        if (seplen == 0) {
            seplen = sep;
            for (size_t z = 0; z < sep; z++)
                sepcp[z] = f[p + 1 + z].cp;
        } else {
            size_t z = 0;
            while (z < sep && sep == seplen && f[p + 1 + z].cp == sepcp[z])
                z++;
            if (z < sep || sep != seplen)
                break;        /* another separator ends the group */
        }
        p = q;
    }
    if (trail) {                      /* a "!" or apostrophe last is not part of it */
        k = prev_k;
        end = prev_end;
    }
    /* three letters, leet symbols and digits counting as letters beside
     * real ones ("к_|_7", "s+o+1", "k. 1. ӏ. 1"), more letters than digits
     * (as many with two real letters or more) */
    if (k >= 3 && letters >= 1 && letters + syms >= 2 && letters + syms + digits >= 3 &&
        (letters + syms > digits || (letters >= 2 && letters + syms >= digits))) {
        *cnt = k;
        return end;
    }
    return 0;
}

/* Does a spaced-out group starting with ! (n->ix[0..cnt)) hold another
 * leet digit or symbol, and four characters or more? */
static int bang_group(const kz_norm *n, size_t cnt)
{
    size_t chunks = 0, leety = 0;
    for (size_t i = 1; i < cnt; i++) {
        const fch *x = &n->f[n->ix[i]];
        chunks += n->f[n->ix[i - 1]].s != x->s;
        leety += (x->cls == KZ_C_DIGIT || x->cls == KZ_C_SYM) && x->cp != '!';
    }
    return chunks >= 3 && leety > 0;
}

/* Letters of a group in n->ix[0..cnt) that are letters. */
static size_t ix_letters(const kz_norm *n, size_t from, size_t to)
{
    size_t k = 0;
    for (size_t i = from; i < to; i++)
        k += is_letter(n->f[n->ix[i]].cls);
    return k;
}

/* Letters that are words of one letter in Russian (а в и к о с у я), Kazakh
 * (а е) and English (a i), as folded: only these are left out of a group. */
static int one_letter_word(uint32_t cp)
{
    switch (cp) {
    case 0x430: case 0x432: case 0x438: case 0x43A: case 0x43E: case 0x441: case 0x443:
    case 0x44F: case 0x435: case 'a': case 'i':
        return 1;
    default:
        return 0;
    }
}

/* Is the spelling at (in_alt ? alt : out) + off, len already one of t's? */
static int has_spelling(const kz_norm *n, const tokb *t, const spref *r)
{
    const char *q = (r->in_alt ? n->alt : n->out) + r->off;
    for (uint32_t z = 0; z < t->nsp; z++) {
        const char *p = (t->sp[z].in_alt ? n->alt : n->out) + t->sp[z].off;
        if (t->sp[z].len == r->len && !memcmp(p, q, r->len))
            return 1;
    }
    return 0;
}

/* Add to t the spelling of the group's characters ix[from..from+len), less
 * any | inside when nopipe, unless it is empty or already there; that
 * part's own alternates (a leet digit read the other way...) go to
 * more[*nmore], to be added after the whole group's. */
static int spaced_alt(kz_norm *n, tokb *t, const uint32_t *ix, size_t from, size_t len, int nopipe,
                      spref *more, uint32_t *nmore)
{
    tokb sub;
    int rc;
    if (t->nsp >= KZ_TOKEN_MAXSP)
        return 0;
    if (KZ_GROW(n->ix2, n->capix2, len + 1))
        return KZ_ENOMEM;
    size_t k = 0;
    for (size_t i = from; i < from + len; i++)
        if (!nopipe || n->f[ix[i]].cp != '|' || i == from || i + 1 == from + len)
            n->ix2[k++] = ix[i];
    if ((rc = emit_word(n, n->ix2, k, &sub, 0)) != 0)
        return rc;
    int dup = sub.sp[0].len == 0;
    for (uint32_t z = 0; z < t->nsp && !dup; z++) {
        const char *p = (t->sp[z].in_alt ? n->alt : n->out) + t->sp[z].off;
        dup = t->sp[z].len == sub.sp[0].len && !memcmp(p, n->alt + sub.sp[0].off, sub.sp[0].len);
    }
    if (!dup)
        t->sp[t->nsp++] = sub.sp[0];
    for (uint32_t q = 1; q < sub.nsp && *nmore < KZ_TOKEN_MAXSP; q++)
        more[(*nmore)++] = sub.sp[q];
    if (dup && sub.nsp == 1)
        n->nalt = sub.sp[0].off;
    return 0;
}

/* A spaced-out group (indices in n->ix[0..cnt)) as one word.  Its first or
 * last letter may be a one-letter word of its own ("вступай в д ж и х а д",
 * "з а к л а д к а у гаража"): the group without it, and without both, are
 * alternate spellings, before the word's own alternates.  A | inside may
 * part two spaced-out words rather than be an і ("N O B O D Y | L I K E S",
 * "ы н д ы н | ш т е п с е л"): the group without it (and without a
 * one-letter word first) is an alternate too, after the first. */
static int emit_spaced(kz_norm *n, size_t cnt)
{
    tokb t;
    int rc;
    if ((rc = emit_word(n, n->ix, cnt, &t, 1)) != 0)
        return rc;
    if (t.end <= t.start)
        return 0;
    spref own[KZ_TOKEN_MAXSP];
    uint32_t nown = t.nsp;
    memcpy(own, t.sp, sizeof own);
    t.nsp = 1;
    int first = one_letter_word(n->f[n->ix[0]].cp) && ix_letters(n, 1, cnt) >= 3;
    uint32_t lc = n->f[n->ix[cnt - 1]].cp;     /* "д . !": ! for і, or an exclamation */
    int last = (one_letter_word(lc) || lc == '!') && ix_letters(n, 0, cnt - 1) >= 3;
    int both = first && last && cnt >= 5 && ix_letters(n, 1, cnt - 1) >= 3;
    int pipe = 0;
    for (size_t i = 1; i + 1 < cnt; i++)      /* two letters or more on each side */
        pipe |= n->f[n->ix[i]].cp == '|' && ix_letters(n, 0, i) >= 2 && ix_letters(n, i + 1, cnt) >= 2;
    spref more[KZ_TOKEN_MAXSP];
    uint32_t nmore = 0;
    if ((first && (rc = spaced_alt(n, &t, n->ix, 1, cnt - 1, 0, more, &nmore)) != 0) ||
        (pipe && (rc = spaced_alt(n, &t, n->ix, first ? 1 : 0, first ? cnt - 1 : cnt, 1,
                                  more, &nmore)) != 0) ||
        (last && (rc = spaced_alt(n, &t, n->ix, 0, cnt - 1, 0, more, &nmore)) != 0) ||
        (both && (rc = spaced_alt(n, &t, n->ix, 1, cnt - 2, 0, more, &nmore)) != 0) ||
        (pipe && first && (rc = spaced_alt(n, &t, n->ix, 0, cnt, 1, more, &nmore)) != 0))
        return rc;
    /* the whole group's alternates and its parts' by turns */
    for (uint32_t k = 1; k < nown || k <= nmore; k++) {
        if (k < nown && t.nsp < KZ_TOKEN_MAXSP && !has_spelling(n, &t, &own[k]))
            t.sp[t.nsp++] = own[k];
        if (k <= nmore && t.nsp < KZ_TOKEN_MAXSP && !has_spelling(n, &t, &more[k - 1]))
            t.sp[t.nsp++] = more[k - 1];
    }
    return push_tok(&n->w, &n->nw, &n->capw, &t);
}

/* A word token over out[start..end), its only spelling the text itself
 * (room in n->w reserved by the caller). */
static inline tokb *push_word(kz_norm *n, uint32_t start, uint32_t end)
{
    tokb *t = &n->w[n->nw++];
    t->start = start;
    t->end = end;
    t->nsp = 1;
    t->flags = 0;
    t->sp[0] = (spref){ start, end - start, 0 };
    return t;
}

/* Write a two-byte code point (U+0080..U+07FF: Cyrillic) at out[at] with its
 * source span (room reserved by the caller). */
static inline void put2(kz_norm *n, size_t at, uint32_t cp, uint32_t s, uint32_t e)
{
    n->out[at] = (char)(0xC0 | (cp >> 6));
    n->out[at + 1] = (char)(0x80 | (cp & 0x3F));
    n->ms[at] = n->ms[at + 1] = s;
    n->me[at] = n->me[at + 1] = e;
}

/* An alternate reading by sound of the ASCII word c[0..cnt): ng as нг
 * (V_NG), ya yu yo as ыа ыу ыо (V_YV), sh sch zh apart (V_SH, V_SHF: the
 * first only); added to t when it is new and there is room. */
static int latin_alt(kz_norm *n, const uint32_t *c, size_t cnt, unsigned v, tokb *t)
{
    if (t->nsp >= KZ_TOKEN_MAXSP)
        return 0;
    if (KZ_GROW(n->alt, n->capalt, n->nalt + cnt * 2 + 1))
        return KZ_ENOMEM;
    uint32_t at = (uint32_t)n->nalt, prev = 0, shn = 0;
    for (size_t i = 0; i < cnt;) {
        uint32_t cp = c[i], out = 0;
        size_t used = 1;
        int li = (int)(cp - 'a');
        if ((DIGRAPH_STARTS >> li) & 1)
            out = digraph(c, i, cnt, &used);
        if ((cp == 's' && (out == 0x448 || out == 0x449)) || (cp == 'z' && out == 0x436)) {
            if ((v & V_SH) || ((v & V_SHF) && shn == 0)) {
                out = 0;                        /* с (з), then х or ч */
                used = 1;
            }
            shn++;
        }
        if ((out == 0x44F || out == 0x44E || (out == 0x435 && cp == 'y')) && (v & V_YV)) {
            out = 0;                            /* y, then the vowel */
            used = 1;
        }
        if (out == 0x43D && (v & V_NG))
            out = 0;
        if (!out) {
            used = 1;
            out = kz_lat_phonetic[li];
        }
        i += used;
        if (out == prev)
            continue;
        prev = out;
        if (out == 0x441 && n->nalt >= at + 6 && n->alt[n->nalt - 1] == '\x82' &&
            n->alt[n->nalt - 2] == '\xD1' && ts_before(n->alt + n->nalt - 2)) {
            n->nalt -= 2;                       /* тс repeated: one */
            continue;
        }
        n->alt[n->nalt++] = (char)(0xC0 | (out >> 6));
        n->alt[n->nalt++] = (char)(0x80 | (out & 0x3F));
    }
    uint32_t l = (uint32_t)n->nalt - at;
    for (uint32_t k = 0; k < t->nsp; k++) {
        const char *p = (t->sp[k].in_alt ? n->alt : n->out) + t->sp[k].off;
        if (t->sp[k].len == l && memcmp(p, n->alt + at, l) == 0) {
            n->nalt = at;                       /* the same spelling */
            return 0;
        }
    }
    t->sp[t->nsp++] = (spref){ at, l, 1 };
    return 0;
}

/* A word of lowercase ASCII letters (English, Kazakh and Russian in
 * informal Latin): read by sound, with digraphs, straight to the output;
 * when every letter is a Cyrillic look-alike ("PAPA", "the"), also by look,
 * as the alternate.  Words with j (two readings) take the general path. */
static int emit_latin(kz_norm *n, size_t a, size_t b)
{
    const fch *f = n->f;
    size_t cnt = b - a;
    int look = 1, ng = 0, ngg = 0, rundg = 0, yv = 0, sh = 0;
    for (size_t i = a; i < b; i++) {
        uint32_t cp = f[i].cp;
        look &= kz_lat_lookalike[cp - 'a'];
        ng |= cp == 'g' && i > a && f[i - 1].cp == 'n';
        ngg |= cp == 'g' && i > a + 1 && f[i - 1].cp == 'g' && f[i - 2].cp == 'n';
        yv |= i > a && f[i - 1].cp == 'y' && (cp == 'a' || cp == 'u' || cp == 'o');
        sh += i > a && ((f[i - 1].cp == 's' && (cp == 'h' || (cp == 'c' && i + 1 < b && f[i + 1].cp == 'h'))) ||
                        (f[i - 1].cp == 'z' && cp == 'h'));
        rundg |= i > a && i + 1 < b && cp == f[i - 1].cp && digraph_pair(cp, f[i + 1].cp);
    }
    if (out_reserve(n, cnt * 2 + 1) || KZ_GROW(n->w, n->capw, n->nw + 1) ||
        KZ_GROW(n->lc, n->caplc, cnt + 1) || KZ_GROW(n->cx, n->capcx, cnt + 1))
        return KZ_ENOMEM;
    /* a letter run is one letter before digraphs are read ("yooou": you);
     * cx[j]: the first character of letter j, cx[k] = b */
    uint32_t *c = n->lc, *cx = n->cx;
    size_t k = 0;
    for (size_t i = a; i < b; i++) {
        if (k > 0 && f[i].cp == c[k - 1])
            continue;
        c[k] = f[i].cp;
        cx[k++] = (uint32_t)i;
    }
    cx[k] = (uint32_t)b;
    cnt = k;
    uint32_t start = (uint32_t)n->nout, prev = 0;
    uint32_t *me = n->me;
    size_t no = n->nout;
    for (size_t i = 0; i < cnt;) {
        uint32_t cp = c[i], out = 0, s0 = f[cx[i]].s;
        size_t used = 1;
        int li = (int)(cp - 'a');
        if ((DIGRAPH_STARTS >> li) & 1)
            out = digraph(c, i, cnt, &used);
        if (!out) {
            out = kz_lat_phonetic[li];
            used = 1;
        }
        uint32_t e0 = f[cx[i + used] - 1].e;
        i += used;
        if (out == prev) {                      /* letter runs: one */
            me[no - 1] = me[no - 2] = e0;
            continue;
        }
        if (out == 0x441 && no >= start + 6 && n->out[no - 1] == '\x82' && n->out[no - 2] == '\xD1' &&
            ts_before(n->out + no - 2)) {
            no -= 2;                            /* тс repeated: one ("pitstsikato") */
            me[no - 1] = me[no - 2] = e0;
            prev = out;
            continue;
        }
        prev = out;
        put2(n, no, out, s0, e0);
        no += 2;
    }
    n->nout = no;
    tokb *t = push_word(n, start, (uint32_t)no);
    if (look) {                                 /* the reading by look */
        if (KZ_GROW(n->alt, n->capalt, n->nalt + cnt * 2 + 1))
            return KZ_ENOMEM;
        uint32_t at = (uint32_t)n->nalt;
        prev = 0;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t v = kz_lat_visual[c[i] - 'a'];
            if (v == prev)
                continue;
            prev = v;
            n->alt[n->nalt++] = (char)(0xC0 | (v >> 6));
            n->alt[n->nalt++] = (char)(0x80 | (v & 0x3F));
        }
        uint32_t l = (uint32_t)n->nalt - at;
        if (l == t->sp[0].len && memcmp(n->alt + at, n->out + start, l) == 0)
            n->nalt = at;                       /* the same spelling */
        else
            t->sp[t->nsp++] = (spref){ at, l, 1 };
    }
    int rc = ng ? latin_alt(n, c, cnt, V_NG, t) : 0;  /* "kunge": n + g */
    if (rc == 0 && yv)
        rc = latin_alt(n, c, cnt, V_YV, t);           /* "saryau": ы + а */
    if (rc == 0 && sh)
        rc = latin_alt(n, c, cnt, V_SH, t);           /* "rashodimost": с + х; "tuzhana": з + х */
    if (rc == 0 && sh > 1)
        rc = latin_alt(n, c, cnt, V_SHF, t);          /* "nishodivshii": с + х, then ш */
    if (rc == 0 && ngg) {
        /* "meñgerudiñ": ñg folds to ngg, н + г; the other ng н */
        if (KZ_GROW(n->ix2, n->capix2, b - a + 1))
            return KZ_ENOMEM;
        uint32_t *c2 = n->ix2;
        size_t k2 = 0;
        for (size_t i = a; i < b; i++) {
            if (k2 > 0 && f[i].cp == c2[k2 - 1] && !(f[i].cp == 'g' && k2 > 1 && c2[k2 - 2] == 'n'))
                continue;
            c2[k2++] = f[i].cp;
        }
        rc = latin_alt(n, c2, k2, 0, t);
    }
    if (rc == 0 && rundg) {
        /* "joldasshil", "qazzhwa": a doubled letter before a digraph may be
         * two letters (с + ш, з + ж) rather than a stretched one */
        if (KZ_GROW(n->ix2, n->capix2, b - a + 1))
            return KZ_ENOMEM;
        uint32_t *c2 = n->ix2;
        size_t k2 = 0;
        for (size_t i = a; i < b; i++) {
            if (k2 > 0 && f[i].cp == c2[k2 - 1] && !(i + 1 < b && digraph_pair(f[i].cp, f[i + 1].cp)))
                continue;
            c2[k2++] = f[i].cp;
        }
        rc = latin_alt(n, c2, k2, 0, t);
    }
    return rc;
}

/* The common case, a word of Cyrillic letters only: no script, leet or
 * digraph question, no alternates; map it straight to the output. */
static int emit_cyrillic(kz_norm *n, size_t a, size_t b)
{
    const fch *f = n->f;
    if (out_reserve(n, (b - a) * 4 + 1) || KZ_GROW(n->w, n->capw, n->nw + 1))
        return KZ_ENOMEM;
    uint32_t start = (uint32_t)n->nout, prev = 0;
    size_t no = n->nout;
    uint32_t *me = n->me;
    for (size_t i = a; i < b; i++) {
        uint32_t cp = f[i].cp;                  /* U+0400..U+052F: two bytes */
        if (KZ_UNLIKELY(is_soft(cp))) {
            if (i + 1 < b && (f[i + 1].fl & FL_I)) {
                cp = 0x44B;                     /* ь + і: ы */
                put2(n, no, cp, f[i].s, f[i + 1].e);
                no += 2;
                prev = cp;
                i++;
            } else if (no > start) {
                me[no - 1] = me[no - 2] = f[i].e;   /* dropped: part of the letter before */
            }
            continue;
        }
        if (cp == prev) {                       /* stretched letter: one */
            me[no - 1] = me[no - 2] = f[i].e;
            continue;
        }
        /* тс repeated is one (ц folds to тс): "ццц", "пиццикато" */
        if (cp == 0x442 && i + 1 < b && f[i + 1].cp == 0x441 && no >= start + 4 &&
            ts_before(n->out + no)) {
            me[no - 1] = me[no - 2] = f[i + 1].e;
            i++;
            continue;
        }
        prev = cp;
        put2(n, no, cp, f[i].s, f[i].e);
        no += 2;
    }
    n->nout = no;
    if (no > start)
        push_word(n, start, (uint32_t)no);
    return 0;
}

static int emit_chunk(kz_norm *n, size_t a, size_t b)
{
    size_t c = a;
    while (c < b && n->f[c].cls == KZ_C_CYR && !LATIN_ONLY_CYR(&n->f[c]))
        c++;
    if (c == b)
        return emit_cyrillic(n, a, b);
    if (KZ_GROW(n->ix, n->capix, b - a))
        return KZ_ENOMEM;
    for (size_t i = a; i < b; i++)
        n->ix[i - a] = (uint32_t)i;
    tokb t;
    int rc = emit_word(n, n->ix, b - a, &t, 1);
    if (rc)
        return rc;
    if (t.end > t.start)
        return push_tok(&n->w, &n->nw, &n->capw, &t);
    return 0;
}

/* Does a word end at e for the fast paths: a space, a line break or
 * punctuation follows, or a joiner ("конец." , "a/") that joins nothing. */
static inline int word_ends(const fch *f, size_t nf, size_t e)
{
    if (e >= nf)
        return 1;
    unsigned ce = f[e].cls;
    if (ce == KZ_C_SPACE || ce == KZ_C_NL || ce == KZ_C_PUNCT)
        return 1;
    return ce == KZ_C_JOIN && (e + 1 >= nf || !word_char(f, nf, e + 1));
}

static int pass2(kz_norm *n)
{
    fch *f = n->f;
    size_t nf = n->nf;
    int rc;
    int space_pending = 0, nl_pending = 0;
    uint32_t sp_s = 0, sp_e = 0;
    for (size_t i = 0; i < nf;) {
        unsigned c = f[i].cls;
        if (c == KZ_C_SPACE || c == KZ_C_NL) {
            if (!space_pending) sp_s = f[i].s;
            space_pending = 1;
            nl_pending |= c == KZ_C_NL;
            sp_e = f[i].e;
            i++;
            continue;
        }
        if (space_pending) {
            if (n->nout > 0 && (rc = out_cp(n, nl_pending ? '\n' : ' ', sp_s, sp_e)) != 0)
                return rc;
            space_pending = nl_pending = 0;
        }
        if (c == KZ_C_CYR) {
            /* the common case: a Cyrillic word ending at a space or
             * punctuation, neither spaced out nor joined to another */
            size_t e = i + 1;
            int lk = 0;                   /* ѕ ј ӏ ԁ: Latin look-alikes, the general path */
            while (e < nf && f[e].cls == KZ_C_CYR) {
                lk |= LATIN_ONLY_CYR(&f[e]);
                e++;
            }
            lk |= LATIN_ONLY_CYR(&f[i]);
            /* (one written character that folds to two, a lone ц, is not a
             * word here: it may be a spaced-out letter, "ц а п а т ь") */
            if (e - i > 1 && !lk && f[e - 1].s != f[i].s && word_ends(f, nf, e)) {
                if ((rc = emit_cyrillic(n, i, e)) != 0)
                    return rc;
                i = e;
                continue;
            }
        }
        if (c == KZ_C_LAT && f[i].cp >= 'a' && f[i].cp <= 'z' && f[i].cp != 'j' && !(f[i].fl & FL_GR)) {
            size_t e = i + 1;             /* (Greek look-alikes: the general path) */
            while (e < nf && f[e].cp >= 'a' && f[e].cp <= 'z' && f[e].cp != 'j' && !(f[e].fl & FL_GR))
                e++;
            /* (one written letter that folds to two, ş ñ æ, is not a word
             * here: it may be a spaced-out letter, "Ş. Ü. I. G") */
            if (e - i > 1 && f[e - 1].s != f[i].s && word_ends(f, nf, e)) {
                if ((rc = emit_latin(n, i, e)) != 0)
                    return rc;
                i = e;
                continue;
            }
        }
        size_t cnt = 0, gend;
        if (c == KZ_C_SYM && f[i].cp != '!' && !word_char(f, nf, i) && (gend = spaced_group(n, i, &cnt, 0)) != 0) {
            if ((rc = emit_spaced(n, cnt)) != 0)     /* "$ @ t u" */
                return rc;
            i = gend;
            continue;
        }
        /* ! first in a spaced-out group with other leet in it ("!-n-f-e-c-t-1",
         * "! r i $ o v"); "! a b c" stays an exclamation before letters */
        if (c == KZ_C_SYM && f[i].cp == '!' && !word_char(f, nf, i) &&
            !(i > 0 && (is_alnum(f[i - 1].cls) || f[i - 1].cls == KZ_C_SYM)) &&
            (gend = spaced_group(n, i, &cnt, 1)) != 0 && bang_group(n, cnt)) {
            if ((rc = emit_spaced(n, cnt)) != 0)
                return rc;
            i = gend;
            continue;
        }
        if (!word_char(f, nf, i)) {
            if ((rc = out_cp(n, f[i].cp, f[i].s, f[i].e)) != 0)
                return rc;
            i++;
            continue;
        }
        if ((gend = spaced_group(n, i, &cnt, 0)) != 0) {
            if ((rc = emit_spaced(n, cnt)) != 0)
                return rc;
            i = gend;
            continue;
        }
        size_t e = chunk_end(f, nf, i);
        /* parts joined by single joiners: a-b-c */
        size_t parts = 1, last = e;
        while (last + 1 < nf && f[last].cls == KZ_C_JOIN && word_char(f, nf, last + 1)) {
            size_t e2 = chunk_end(f, nf, last + 1);
            if (!chunk_has_letter(f, last + 1, e2) || !chunk_has_letter(f, i, e))
                break;
            parts++;
            last = e2;
        }
        if (parts == 1) {
            if ((rc = emit_chunk(n, i, e)) != 0)
                return rc;
            i = e;
            continue;
        }
        /* each part is a word; the joiners stay in the text; the whole
         * group is also one joined word */
        size_t first_tok = n->nw;
        size_t p = i;
        while (p < last) {
            size_t pe = chunk_end(f, nf, p);
            if ((rc = emit_chunk(n, p, pe)) != 0)
                return rc;
            if (pe < last && (rc = out_cp(n, f[pe].cp, f[pe].s, f[pe].e)) != 0)
                return rc;
            p = pe + 1;
        }
        for (size_t q = first_tok; q < n->nw; q++) {
            if (q > first_tok) n->w[q].flags |= KZ_TOK_CONT_PREV;
            if (q + 1 < n->nw) n->w[q].flags |= KZ_TOK_CONT_NEXT;
        }
        size_t k = 0;
        if (KZ_GROW(n->ix, n->capix, last - i))
            return KZ_ENOMEM;
        for (size_t q = i; q < last; q++)
            if (word_char(f, nf, q))
                n->ix[k++] = (uint32_t)q;
        tokb t;
        if ((rc = emit_word(n, n->ix, k, &t, 0)) != 0)
            return rc;
        if (n->nw > first_tok && t.sp[0].len > 0) {
            t.start = n->w[first_tok].start;
            t.end = n->w[n->nw - 1].end;
            if ((rc = push_tok(&n->j, &n->nj, &n->capj, &t)) != 0)
                return rc;
        }
        i = last;
    }
    return 0;
}

static int finish_tokens(kz_norm *n, const tokb *src, size_t cnt, kz_token **dst, size_t *cap)
{
    if (KZ_GROW(*dst, *cap, cnt + 1))
        return KZ_ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        kz_token *t = &(*dst)[i];
        t->start = src[i].start;
        t->end = src[i].end;
        t->nsp = (uint16_t)src[i].nsp;
        t->flags = (uint16_t)src[i].flags;
        for (uint32_t k = 0; k < t->nsp; k++) {
            const spref *r = &src[i].sp[k];
            t->sp[k].s = (r->in_alt ? n->alt : n->out) + r->off;
            t->sp[k].len = r->len;
        }
    }
    return 0;
}

/* ---- rule variants ----------------------------------------------------- */

#define KZ_VARIANT_SHCHA (1u << 5)

/* from and to with their lengths (sizeof - 1): every from starts with a
 * two-byte letter, so its first two bytes are compared before the rest
 * (the rules' build asks for variants of every phrase) */
#define VAR(k, f, t) { k, f, t, sizeof f - 1, sizeof t - 1 }
static const struct {
    unsigned kind;
    const char *from, *to;
    unsigned char fl, tl;
} informal[] = {
    VAR(0, "ы", "и"), VAR(0, "Ы", "И"),
    VAR(1, "я", "иа"), VAR(1, "Я", "ИА"),
    VAR(4, "ю", "иу"), VAR(4, "Ю", "ИУ"),        /* apart from я: "hvastaiushchijsja" */
    VAR(2, "йо", "ё"), VAR(2, "йа", "я"), VAR(2, "йу", "ю"),    /* "mayor", "jotatsija" */
    VAR(2, "Йо", "Ё"), VAR(2, "Йа", "Я"), VAR(2, "Йу", "Ю"),
    VAR(2, "й", "ы"), VAR(2, "Й", "Ы"),
    VAR(3, "дж", "ж"), VAR(3, "Дж", "Ж"), VAR(3, "ДЖ", "Ж"),
    /* Kazakh informal and 2021 Latin write щ as sh, şş: "ashilik" (ащылық);
     * only in a phrase with a Kazakh letter (Russian writes sch, shch) */
    VAR(5, "щ", "ш"), VAR(5, "Щ", "Ш"),
};
#undef VAR

/* Does text[0..len) hold a Kazakh letter (U+0480..U+04FF, і)? */
static int has_kazakh(const char *text, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)text[i], d = (unsigned char)text[i + 1];
        if (c == 0xD2 || c == 0xD3 || (c == 0xD1 && d == 0x96) || (c == 0xD0 && d == 0x86))
            return 1;
    }
    return 0;
}

/* Does informal[k] start at text[i..len)? */
static int variant_at(size_t k, const char *text, size_t i, size_t len)
{
    size_t fl = informal[k].fl;
    return informal[k].from[0] == text[i] && informal[k].from[1] == text[i + 1] &&
           i + fl <= len && !memcmp(text + i + 2, informal[k].from + 2, fl - 2);
}

unsigned kz_norm_variant_kinds(const char *text, size_t len)
{
    unsigned kinds = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)text[i] >= 0xC2)         /* every replaced letter is beyond ASCII */
            for (size_t k = 0; k < KZ_ARRAY_LEN(informal); k++)
                if (variant_at(k, text, i, len))
                    kinds |= 1u << informal[k].kind;
    if ((kinds & KZ_VARIANT_SHCHA) && !has_kazakh(text, len))
        kinds &= ~(unsigned)KZ_VARIANT_SHCHA;
    return kinds;
}

size_t kz_norm_variant(const char *text, size_t len, unsigned mask, char *out)
{
    size_t o = 0, changed = 0;
    if ((mask & KZ_VARIANT_SHCHA) && !has_kazakh(text, len))
        mask &= ~(unsigned)KZ_VARIANT_SHCHA;      /* sh for щ: Kazakh only */
    for (size_t i = 0; i < len;) {
        size_t k = 0, fl = 0;
        if (i + 1 < len && (unsigned char)text[i] >= 0xC2) {
            for (; k < KZ_ARRAY_LEN(informal); k++)
                if (((mask >> informal[k].kind) & 1) && variant_at(k, text, i, len)) {
                    fl = informal[k].fl;
                    break;
                }
        } else {
            k = KZ_ARRAY_LEN(informal);
        }
        if (k < KZ_ARRAY_LEN(informal)) {
            size_t tl = informal[k].tl;
            memcpy(out + o, informal[k].to, tl);
            o += tl;
            i += fl;
            changed++;
        } else {
            out[o++] = text[i++];
        }
    }
    return changed ? o : 0;
}

int kz_norm_run(kz_norm *n, const char *s, size_t len, kz_normtext *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    if (len > KZ_NORM_MAX)
        return KZ_ETOOBIG;
    n->nf = n->nout = n->nalt = n->nw = n->nj = 0;
    size_t invalid = 0;
    if ((rc = pass1(n, s, len, &invalid)) != 0)
        return rc;
    if ((rc = pass2(n)) != 0)
        return rc;
    /* NUL-terminate text and alternates (not counted) */
    if ((rc = out_cp(n, 0, (uint32_t)len, (uint32_t)len)) != 0)
        return rc;
    n->nout--;
    if ((rc = alt_cp(n, 0)) != 0)
        return rc;
    n->nalt--;
    if ((rc = finish_tokens(n, n->w, n->nw, &n->tw, &n->captw)) != 0 ||
        (rc = finish_tokens(n, n->j, n->nj, &n->tj, &n->captj)) != 0)
        return rc;
    out->text = n->out;
    out->len = n->nout;
    out->src_start = n->ms;
    out->src_end = n->me;
    out->words = n->tw;
    out->nwords = n->nw;
    out->joined = n->tj;
    out->njoined = n->nj;
    out->invalid = invalid;
    return 0;
}
