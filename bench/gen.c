/*
 * bench/gen.c - synthetic corpus and rule set for `make bench`.
 *
 *   gen -o DIR [-m MB] [--kk DIC] [--ru DIC] [--en WORDS]
 *
 * Writes into DIR:
 *   corpus.jsonl   about MB * 10^6 bytes of JSON Lines posts (ru 40%,
 *                  kk 35%, en 25%), words drawn with a Zipf law over each
 *                  language's word list; ~3% of posts carry 1-3 rule
 *                  phrases, half of those obfuscated.
 *   rules.yaml     ~1,000 rules, 10,000 phrases, 50 regexes, in kuzet's
 *                  rule format.
 *   phrases.txt    the 10,000 phrases one per line (stems without '*'),
 *                  the fixed strings handed to ripgrep.
 * and prints one "key=value ..." line of counts on stdout.
 *
 * The word lists are Debian's hunspell-kk, hunspell-ru and wamerican files,
 * already UTF-8 (bench/run converts them with iconv when the .aff says
 * otherwise).  Everything is drawn from one fixed-seed splitmix64 stream, so
 * the same word lists and MB give byte-identical output.
 *
 * This is a benchmark tool, not part of kuzet: it exits on the first error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED 0x6b757a6574424e43ull   /* "kuzetBNC" */

enum { L_RU, L_KK, L_EN, NLANG };
static const char *const lang_code[NLANG] = { "ru", "kk", "en" };

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die("out of memory");
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- PRNG: splitmix64 ---------------------------------------------------- */

static uint64_t rng_state = SEED;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static size_t below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* Uniform in [lo, hi]. */
static size_t range(size_t lo, size_t hi)
{
    return lo + below(hi - lo + 1);
}

static double unit(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static int chance(double p)
{
    return unit() < p;
}

/* ---- growable byte buffer ------------------------------------------------ */

typedef struct { char *p; size_t n, cap; } sbuf;

static void sb_put(sbuf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n + 1) c *= 2;
        b->p = xrealloc(b->p, c);
        b->cap = c;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_ch(sbuf *b, char c) { sb_put(b, &c, 1); }

static void sb_fmt(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof tmp) die("format overflow");
    sb_put(b, tmp, (size_t)k);
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* Decode s (valid UTF-8 assumed: the word lists were filtered) into cps. */
static size_t utf8_to_cps(const char *s, uint32_t *cps, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    while (*u && k < max) {
        uint32_t c = *u;
        int len = 1;
        if (c >= 0xF0) { c &= 0x07; len = 4; }
        else if (c >= 0xE0) { c &= 0x0F; len = 3; }
        else if (c >= 0xC0) { c &= 0x1F; len = 2; }
        for (int i = 1; i < len; i++) {
            if ((u[i] & 0xC0) != 0x80) return k;  /* truncated: stop */
            c = (c << 6) | (u[i] & 0x3Fu);
        }
        u += len;
        cps[k++] = c;
    }
    return k;
}

static void sb_cp(sbuf *b, uint32_t c)
{
    char t[4];
    size_t n;
    if (c < 0x80) { t[0] = (char)c; n = 1; }
    else if (c < 0x800) { t[0] = (char)(0xC0 | (c >> 6)); t[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) {
        t[0] = (char)(0xE0 | (c >> 12)); t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        t[2] = (char)(0x80 | (c & 0x3F)); n = 3;
    } else {
        t[0] = (char)(0xF0 | (c >> 18)); t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((c >> 6) & 0x3F)); t[3] = (char)(0x80 | (c & 0x3F)); n = 4;
    }
    sb_put(b, t, n);
}

/* Lowercase letters a word may consist of, per language. */
static int is_lower_letter(int lang, uint32_t c)
{
    if (lang == L_EN) return c >= 'a' && c <= 'z';
    if ((c >= 0x0430 && c <= 0x044F) || c == 0x0451) return 1;   /* а-я ё */
    if (lang == L_KK)                                           /* ә ғ қ ң ө ұ ү һ і */
        return c == 0x04D9 || c == 0x0493 || c == 0x049B || c == 0x04A3 || c == 0x04E9 ||
               c == 0x04B1 || c == 0x04AF || c == 0x04BB || c == 0x0456;
    return 0;
}

static uint32_t to_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z') return c - 32;
    if (c >= 0x0430 && c <= 0x044F) return c - 0x20;
    if (c == 0x0451) return 0x0401;
    if (c == 0x0456) return 0x0406;
    if (c == 0x0493 || c == 0x049B || c == 0x04A3 || c == 0x04AF || c == 0x04B1 ||
        c == 0x04BB || c == 0x04D9 || c == 0x04E9)
        return c - 1;
    return c;
}

/* ---- word lists ---------------------------------------------------------- */

typedef struct {
    char   **w;       /* by rank: w[0] is the most common word */
    size_t   n;
    double  *cdf;     /* two-regime Zipf cumulative weights, cdf[n-1] = 1 */
} wordlist;

static wordlist wl[NLANG];
#define KERNEL 5000     /* core vocabulary size, see load_words() */

/* Frequent function words, which dictionaries rank no higher than any other
 * word.  They take the top ranks, in this order. */
static const char *const stop_ru[] = {
    "и", "в", "не", "на", "я", "что", "он", "с", "это", "а", "как", "по", "но", "все",
    "она", "так", "его", "к", "у", "же", "вы", "за", "бы", "от", "мы", "ты", "из",
    "о", "то", "для", "только", "мне", "было", "вот", "уже", "если", "или", "нет",
    "когда", "даже", "ну", "вообще", "очень", "тут", "там", "ещё", "есть", "кто", NULL };
static const char *const stop_kk[] = {
    "және", "бұл", "мен", "да", "де", "бір", "ол", "не", "деп", "үшін", "ғой", "сен",
    "біз", "осы", "сол", "жоқ", "бар", "емес", "еді", "та", "те", "қалай", "енді",
    "тағы", "мұнда", "онда", "бәрі", "әр", "өте", "ең", "кім", "неге", "иә", "ал",
    "бірақ", "керек", "болды", "жақсы", "сіз", "олар", "қазір", "бізде", NULL };
static const char *const stop_en[] = {
    "the", "be", "to", "of", "and", "a", "in", "that", "have", "i", "it", "for", "not",
    "on", "with", "he", "as", "you", "do", "at", "this", "but", "his", "by", "from",
    "they", "we", "say", "her", "she", "or", "an", "will", "my", "one", "all", "would",
    "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "just", NULL };
static const char *const *const stops[NLANG] = { stop_ru, stop_kk, stop_en };

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct { char *w; double key; } keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return strcmp(x->w, y->w);
}

/* Read a hunspell .dic or a plain word list: skip a UTF-8 BOM, a first line
 * that is only a count, "\r", and everything from '/' (affix flags) or
 * whitespace (morphological fields) on.  Keep only words made of lowercase
 * letters of the language (this drops proper nouns, abbreviations,
 * hyphenated words and English possessives "'s"). */
static void load_words(int lang, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, nw = 0, capw = 0;
    char **w = NULL;
    ssize_t len;
    int first = 1;
    uint32_t cps[128];
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *s = line;
        if (first && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) { s += 3; len -= 3; }
        size_t n = strcspn(s, "/\t \r\n");
        if (first) {
            first = 0;
            if (n > 0 && strspn(s, "0123456789") == n) continue;   /* the count */
        }
        if (n == 0 || n > 60) continue;
        if (n >= 2 && s[n - 2] == '\'' && s[n - 1] == 's') continue;   /* possessive */
        char *word = xstrndup(s, n);
        size_t k = utf8_to_cps(word, cps, 128);
        int ok = k > 0;
        for (size_t i = 0; ok && i < k; i++) ok = is_lower_letter(lang, cps[i]);
        /* utf8_to_cps stops early on a bad byte: re-encode and compare */
        if (ok) {
            sbuf chk = { 0 };
            for (size_t i = 0; i < k; i++) sb_cp(&chk, cps[i]);
            ok = chk.n == n && memcmp(chk.p, word, n) == 0;
            free(chk.p);
        }
        if (!ok) { free(word); continue; }
        if (nw == capw) { capw = capw ? capw * 2 : 4096; w = xrealloc(w, capw * sizeof *w); }
        w[nw++] = word;
    }
    free(line);
    fclose(f);
    if (nw < 1000) die("%s: only %zu usable words", path, nw);

    /* sort + unique, so the order below depends only on the set of words */
    qsort(w, nw, sizeof *w, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nw; i++) {
        if (u && strcmp(w[u - 1], w[i]) == 0) { free(w[i]); continue; }
        w[u++] = w[i];
    }
    nw = u;

    /* Rank: stop words first, then the rest ordered by how far their length is
     * from 6 letters, plus noise: mid-length words are the common content words,
     * very short and very long ones rare, roughly as in real text. */
    keyed *kd = xrealloc(NULL, nw * sizeof *kd);
    size_t nk = 0;
    for (size_t i = 0; i < nw; i++) {
        int is_stop = 0;
        for (const char *const *sw = stops[lang]; *sw; sw++)
            if (strcmp(*sw, w[i]) == 0) { is_stop = 1; break; }
        if (is_stop) { free(w[i]); continue; }
        double nl = (double)utf8_to_cps(w[i], cps, 128);
        kd[nk].w = w[i];
        kd[nk].key = (nl > 6 ? nl - 6 : 6 - nl) + 5.0 * unit();
        nk++;
    }
    qsort(kd, nk, sizeof *kd, cmp_keyed);
    size_t ns = 0;
    while (stops[lang][ns]) ns++;
    wordlist *L = &wl[lang];
    L->n = ns + nk;
    L->w = xrealloc(NULL, L->n * sizeof *L->w);
    for (size_t i = 0; i < ns; i++) L->w[i] = xstrndup(stops[lang][i], strlen(stops[lang][i]));
    for (size_t i = 0; i < nk; i++) L->w[ns + i] = kd[i].w;
    free(kd);
    free(w);

    /* Two-regime Zipf law (Ferrer i Cancho and Solé 2001): p(r) ~ 1/(r + 2.7)
     * over a core vocabulary of KERNEL words, then ~ KERNEL/(r + 2.7)^2, so
     * the long tail, where rule words come from, is rare as in real text. */
    L->cdf = xrealloc(NULL, L->n * sizeof *L->cdf);
    double sum = 0;
    for (size_t r = 0; r < L->n; r++) {
        double x = (double)r + 2.7;
        sum += r < KERNEL ? 1.0 / x : (double)KERNEL / (x * x);
        L->cdf[r] = sum;
    }
    for (size_t r = 0; r < L->n; r++) L->cdf[r] /= sum;
}

static const char *zipf_word(int lang)
{
    const wordlist *L = &wl[lang];
    double u = unit();
    size_t lo = 0, hi = L->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (L->cdf[mid] < u) lo = mid + 1; else hi = mid;
    }
    return L->w[lo];
}

/* The "common" band rule words are sometimes drawn from (real candidates
 * in ordinary posts), and the rare band they are usually drawn from. */
static size_t nletters(const char *w)
{
    size_t n = 0;
    for (; *w; w++) n += ((unsigned char)*w & 0xC0) != 0x80;
    return n;
}

/* A rough copy of what kuzet's normalizer does to Cyrillic letters
 * (src/text/norm.h): Kazakh letters to their Russian stand-ins, й→и, ё→е,
 * soft and hard signs dropped, doubled letters collapsed.  Used only to keep
 * rare rule words from colliding with common words once normalized. */
static void fold(const char *w, sbuf *out)
{
    uint32_t cps[128];
    size_t n = utf8_to_cps(w, cps, 128);
    uint32_t prev = 0;
    out->n = 0;
    sb_put(out, "", 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cps[i];
        switch (c) {
        case 0x04D9: c = 0x0430; break;   /* ә → а */
        case 0x0493: c = 0x0433; break;   /* ғ → г */
        case 0x049B: c = 0x043A; break;   /* қ → к */
        case 0x04A3: c = 0x043D; break;   /* ң → н */
        case 0x04E9: c = 0x043E; break;   /* ө → о */
        case 0x04B1: case 0x04AF: c = 0x0443; break;   /* ұ ү → у */
        case 0x04BB: c = 0x0445; break;   /* һ → х */
        case 0x0456: case 0x0439: c = 0x0438; break;   /* і й → и */
        case 0x0451: c = 0x0435; break;   /* ё → е */
        case 0x044C: case 0x044A: continue;   /* ь ъ */
        default: break;
        }
        if (c == prev) continue;
        prev = c;
        sb_cp(out, c);
    }
}

/* The folded forms of every language's KERNEL most common words, sorted. */
static char **kern;
static size_t nkern;

static void build_kernel(void)
{
    sbuf f = { 0 };
    for (int l = 0; l < NLANG; l++)
        for (size_t r = 0; r < wl[l].n && r < KERNEL; r++) {
            fold(wl[l].w[r], &f);
            kern = xrealloc(kern, (nkern + 1) * sizeof *kern);
            kern[nkern++] = xstrndup(f.p, f.n);
        }
    free(f.p);
    qsort(kern, nkern, sizeof *kern, cmp_str);
}

/* Does a common word equal folded w (prefix = 0), or start with it (prefix = 1)? */
static int hits_kernel(const char *w, int prefix)
{
    sbuf f = { 0 };
    fold(w, &f);
    size_t lo = 0, hi = nkern;
    while (lo < hi) {   /* first entry >= f */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(kern[mid], f.p) < 0) lo = mid + 1; else hi = mid;
    }
    int hit = lo < nkern && (prefix ? strncmp(kern[lo], f.p, f.n) == 0 : strcmp(kern[lo], f.p) == 0);
    free(f.p);
    return hit;
}

/* Rule words have at least 4 letters, like real keywords (and unlike "z"). */
static const char *common_word(int lang)
{
    for (;;) {
        const char *w = wl[lang].w[range(1000, 8000)];
        if (nletters(w) >= 4) return w;
    }
}

static const char *rare_word(int lang)
{
    size_t n = wl[lang].n;
    for (;;) {
        const char *w = wl[lang].w[range(n / 3, n - 1)];
        if (nletters(w) >= 4 && !hits_kernel(w, 0)) return w;
    }
}

/* ---- rules --------------------------------------------------------------- */

#define NRULES        1000
#define PHRASES_PER   10
#define NPHRASES      (NRULES * PHRASES_PER)

typedef struct {
    char *text;    /* as in the rule file (stems end in '*') */
    char *bait;    /* what an offending post contains: the phrase, or a word for a stem */
    int   lang;
} phrase;

static phrase ph[NPHRASES];
static size_t ph_by_lang[NLANG][NPHRASES];
static size_t ph_nlang[NLANG];

/* Open-addressing set of phrase texts, for uniqueness. */
#define SETCAP (1u << 15)
static const char *set_tab[SETCAP];

static size_t key_len(const char *s)   /* a phrase without its trailing '*' */
{
    size_t n = strlen(s);
    return n && s[n - 1] == '*' ? n - 1 : n;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 0x100000001b3ull; }
    return h;
}

/* Add s unless it, or s with or without a trailing '*', is there already
 * (so phrases.txt has no duplicates either). */
static int set_add(const char *s)
{
    size_t n = key_len(s);
    size_t i = (size_t)fnv1a(s, n) & (SETCAP - 1);
    while (set_tab[i]) {
        if (key_len(set_tab[i]) == n && memcmp(set_tab[i], s, n) == 0) return 0;
        i = (i + 1) & (SETCAP - 1);
    }
    set_tab[i] = s;
    return 1;
}

static const char *rule_word(int lang, int common)
{
    return common ? common_word(lang) : rare_word(lang);
}

/* Make phrase i in language lang: ~60% one word, ~25% two or three words,
 * ~15% a stem (a prefix of 5+ letters and "*"); 5% from the common band. */
static void make_phrase(size_t i, int lang)
{
    uint32_t cps[128];
    for (;;) {
        sbuf t = { 0 }, b = { 0 };
        int common = chance(0.05);
        double k = unit();
        if (k < 0.60) {
            sb_str(&t, rule_word(lang, common));
            sb_str(&b, t.p);
        } else if (k < 0.85) {
            size_t nw = chance(0.6) ? 2 : 3;
            for (size_t j = 0; j < nw; j++) {
                if (j) sb_ch(&t, ' ');
                /* a multi-word phrase mixes a familiar word with rarer ones */
                sb_str(&t, rule_word(lang, common || (j == 0 && chance(0.5))));
            }
            sb_str(&b, t.p);
        } else {
            const char *w = rule_word(lang, common);
            size_t n = utf8_to_cps(w, cps, 128);
            if (n < 7) { free(t.p); free(b.p); continue; }
            size_t lo = n - 3 < 5 ? 5 : n - 3;   /* 5+ letters: "пере*" would match everything */
            size_t keep = range(lo, n - 1);
            for (size_t j = 0; j < keep; j++) sb_cp(&t, cps[j]);
            /* a rare word's stem must not catch common words ("баста*" would
             * catch "бастау" everywhere); common-band stems may */
            if (!common && hits_kernel(t.p, 1)) { free(t.p); free(b.p); continue; }
            sb_ch(&t, '*');
            sb_str(&b, w);
        }
        if (!set_add(t.p)) { free(t.p); free(b.p); continue; }
        ph[i].text = t.p;
        ph[i].bait = b.p;
        ph[i].lang = lang;
        ph_by_lang[lang][ph_nlang[lang]++] = i;
        return;
    }
}

static const char *const categories[] = {
    "terrorism", "drugs", "suicide", "bullying", "cruelty", "porn_minors", "csam" };
#define NCAT (sizeof categories / sizeof categories[0])

/* Regexes, written for kuzet's normalized text (src/text/norm.h): lowercase
 * Cyrillic only, since Latin is folded to Cyrillic; Kazakh letters folded to
 * their Russian stand-ins (қ→к, ө→о, і→и, ң→н, ғ→г, ұ/ү→у, ә→а, һ→х);
 * й→и, ё→е; no ь or ъ; no doubled letters ("грамм" is "грам").  Hyperscan
 * syntax without backreferences or lookaround.  Each comes with a sample,
 * as people write it, that matches once normalized; the offending posts
 * carry these.  cat indexes categories[]. */
static const struct { int cat; const char *re; const char *sample; } regexes[] = {
    { 1, "закладк\\S*\\s+\\d{2,4}",                           "закладка 250" },
    { 1, "(купит|продам)\\s+\\S{3,}",                         "продам товар" },
    { 1, "мефедрон\\S*",                                      "мефедрона" },
    { 1, "сол\\s+(алфа|кристал\\S*)",                         "соль альфа" },
    { 1, "гашиш\\S*\\s+\\d+\\s*гр",                           "гашиш 5 гр" },
    { 1, "(оптом|опт)\\s+и\\s+в\\s+розницу",                  "оптом и в розницу" },
    { 1, "клад\\S*\\s+в\\s+(лесу|парке|подезде)",             "клад в лесу" },
    { 1, "ищу\\s+(курер|закладчик)\\S*",                      "ищу курьеров" },
    { 1, "работа\\s+курером\\s+\\d{3,6}",                     "работа курьером 5000" },
    { 1, "(спаис|микс)\\S*\\s+\\d{1,3}\\s*г",                 "спайс 10 г" },
    { 2, "(убит|убеи)\\s+себя",                               "убей себя" },
    { 2, "(хочу|хочется)\\s+умерет",                          "хочу умереть" },
    { 2, "как\\s+(покончит|уити)\\s+из\\s+жизни",             "как уйти из жизни" },
    { 2, "(сини|тихи)\\s+кит\\S*",                            "синий кит" },
    { 2, "разбуди\\s+меня\\s+в\\s+4[:.]?20",                  "разбуди меня в 4:20" },
    { 0, "(взорв|подорв)\\S*\\s+\\S+",                        "взорвать здание" },
    { 0, "джихад\\S*",                                        "джихада" },
    { 0, "(вербовк|вербуем)\\S*\\s+\\S+",                     "вербуем бойцов" },
    { 0, "(шахид|моджахед)\\S*",                              "шахиды" },
    { 0, "(бомб|взрывчатк)\\S*\\s+(своими\\s+руками|дома)",   "бомба своими руками" },
    { 3, "ты\\s+(никто|ничтожество|урод)\\S*",                "ты ничтожество" },
    { 3, "(убеися|повеся)",                                   "повесься" },
    { 3, "все\\s+(тебя\\s+)?ненавидят",                       "все тебя ненавидят" },
    { 4, "живодер\\S*",                                       "живодеры" },
    { 4, "(мучит|мучаю|убиваю)\\s+(кошек|собак|котят|щенков)", "мучаю котят" },
    { 6, "детское\\s+порно\\S*",                              "детское порно" },
    { 5, "(лоли|малолетк)\\S*\\s+(фото|видео|слив)\\S*",      "малолетки фото" },
    { 5, "(интим|голые)\\s+\\S*\\s*\\d{1,2}\\s*(лет|год)",    "голые девочки 14 лет" },
    { 6, "продаю\\s+(фото|видео)\\s+\\d{2}\\s*лет",           "продаю видео 12 лет" },
    { 5, "(слив|сливы)\\s+(школниц|малолеток)\\S*",           "слив школьниц" },
    { 1, "есиртки\\S*\\s+\\S+",                               "есірткі сатамын" },
    { 1, "(сатамын|сатып\\s+алу)\\s+\\S{3,}",                 "сатып алу тауар" },
    { 2, "озинди\\s+олтир\\S*",                               "өзіңді өлтір" },
    { 2, "(олгим|олгиси)\\s+келеди",                          "өлгім келеді" },
    { 0, "(жарылыс|жарып)\\S*\\s+\\S+",                       "жарылыс жасау" },
    { 0, "(согыс|жихад)\\S*\\s+шакыр\\S*",                    "жиһадқа шақыру" },
    { 3, "сен\\s+(ешкимсин|акымаксин)",                       "сен ешкімсің" },
    { 4, "(мысык|ит)\\S*\\s+(олтир|азапта)\\S*",              "мысықты азаптау" },
    { 6, "(балалар|бала)\\S*\\s+(порно|жаланаш)\\S*",         "балалар порно" },
    { 1, "казына\\S*\\s+\\d{2,4}",                            "қазына 300" },
    { 1, "тг\\s*[:@]\\s*\\S{4,}",                             "тг: @шоп" },
    { 1, "(телеграм|телега)\\S*\\s*@\\S{4,}",                 "телеграм @магаз" },
    { 1, "(биткоин|крипт)\\S*\\s+оплат\\S*",                  "крипта оплата" },
    { 1, "\\d{1,3}\\s*(гр|грам)\\S*\\s+(мефа|меф|алфы|соли)", "2 гр мефа" },
    { 0, "(куплю|продам)\\s+(паспорт|права|диплом)\\S*",      "куплю паспорт" },
    { 0, "(оружи|ствол)\\S*\\s+(куплю|продам|купит)",         "ствол куплю" },
    { 1, "(доставка|доставим)\\s+по\\s+(городу|алматы|астане)", "доставка по городу" },
    { 1, "(лсд|мдма|экстази)\\S*",                            "мдма" },
    { 1, "(героин|кокаин|амфетамин)\\S*\\s+\\S+",             "кокаин есть" },
    { 1, "(шишки|бошки)\\s+\\S+",                             "шишки недорого" },
};
#define NREGEX (sizeof regexes / sizeof regexes[0])

static void yaml_dq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void yaml_sq(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= sizeof path) die("path too long");
    FILE *f = fopen(path, "wb");
    if (!f) die("%s: %s", path, strerror(errno));
    return f;
}

static void close_out(FILE *f, const char *name)
{
    if (ferror(f) || fclose(f) != 0) die("%s: write error", name);
}

static int pick_lang(void)
{
    double u = unit();
    return u < 0.40 ? L_RU : u < 0.75 ? L_KK : L_EN;
}

static void write_rules(const char *dir)
{
    /* languages of the rules follow the corpus mix */
    size_t next = 0;
    for (size_t r = 0; r < NRULES; r++) {
        int lang = pick_lang();
        for (size_t j = 0; j < PHRASES_PER; j++) make_phrase(next++, lang);
    }

    FILE *f = open_out(dir, "rules.yaml");
    fputs("# Generated by bench/gen.c for `make bench`; do not edit.\n"
          "categories:\n", f);
    for (size_t c = 0; c < NCAT; c++) fprintf(f, "  %s: { threshold: 50 }\n", categories[c]);
    fputs("rules:\n", f);
    size_t per[NCAT] = { 0 };
    for (size_t r = 0; r < NRULES; r++) {
        /* every 20th rule carries one of the 50 regexes, in its category */
        int has_re = r % (NRULES / NREGEX) == 0 && r / (NRULES / NREGEX) < NREGEX;
        size_t ri = r / (NRULES / NREGEX);
        size_t c = has_re ? (size_t)regexes[ri].cat : below(NCAT);
        fprintf(f, "  - id: %s-%04zu\n    category: %s\n    weight: %zu\n    phrases: [",
                categories[c], ++per[c], categories[c], range(10, 60));
        for (size_t j = 0; j < PHRASES_PER; j++) {
            if (j) fputs(", ", f);
            yaml_dq(f, ph[r * PHRASES_PER + j].text);
        }
        fputs("]\n", f);
        if (has_re) {
            fputs("    regex: [", f);
            yaml_sq(f, regexes[ri].re);
            fputs("]\n", f);
        }
    }
    close_out(f, "rules.yaml");

    f = open_out(dir, "phrases.txt");
    for (size_t i = 0; i < NPHRASES; i++) {
        size_t n = strlen(ph[i].text);
        if (n && ph[i].text[n - 1] == '*') n--;
        fwrite(ph[i].text, 1, n, f);
        fputc('\n', f);
    }
    close_out(f, "phrases.txt");
}

/* ---- obfuscation --------------------------------------------------------- */

enum { OB_CASE = 1, OB_LOOK = 2, OB_INVIS = 4, OB_SPACED = 8, OB_STRETCH = 16, OB_LEET = 32 };
#define OB_ALL 6

static uint32_t lookalike(uint32_t c)
{
    static const uint32_t map[][2] = {   /* Cyrillic <-> Latin look-alikes */
        { 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043E, 'o' }, { 0x0440, 'p' },
        { 0x0441, 'c' }, { 0x0445, 'x' }, { 0x0443, 'y' }, { 0x043A, 'k' } };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (c == map[i][0]) return map[i][1];
        if (c == map[i][1]) return map[i][0];
    }
    return 0;
}

static uint32_t leet(uint32_t c)
{
    switch (c) {
    case 0x043E: case 'o': return '0';
    case 0x0437: return '3';
    case 'e': return '3';
    case 0x0430: case 'a': return '4';
    case 'i': return '1';
    default: return 0;
    }
}

/* Append an obfuscated copy of s (one or more of the tricks) to out. */
static void obfuscate(sbuf *out, const char *s)
{
    uint32_t in[256], cp[1024];
    size_t n = utf8_to_cps(s, in, 256);
    unsigned tricks = 0;
    while (!tricks) for (int t = 0; t < OB_ALL; t++) if (chance(0.3)) tricks |= 1u << t;

    /* substitutions */
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i], r;
        if ((tricks & OB_LEET) && (r = leet(c)) && chance(0.7)) c = r;
        else if ((tricks & OB_LOOK) && (r = lookalike(c)) && chance(0.6)) c = r;
        if ((tricks & OB_CASE) && chance(0.5)) c = to_upper(c);
        in[i] = c;
    }
    /* which word gets spaced out, and where the last word ends */
    size_t nwords = 1;
    for (size_t i = 0; i < n; i++) if (in[i] == ' ') nwords++;
    size_t spaced = below(nwords), word = 0, m = 0;
    for (size_t i = 0; i < n && m < 1000; i++) {
        uint32_t c = in[i];
        if (c == ' ') { word++; cp[m++] = c; continue; }
        cp[m++] = c;
        int last_in_word = i + 1 == n || in[i + 1] == ' ';
        if ((tricks & OB_STRETCH) && i + 1 == n)
            for (size_t k = range(3, 6); k-- && m < 1000;) cp[m++] = c;
        if (last_in_word) continue;
        if ((tricks & OB_SPACED) && word == spaced) cp[m++] = ' ';
        else if ((tricks & OB_INVIS) && chance(0.35)) cp[m++] = chance(0.5) ? 0x200B : 0x00AD;
    }
    for (size_t i = 0; i < m; i++) sb_cp(out, cp[i]);
}

/* ---- posts --------------------------------------------------------------- */

static const char *const platforms[] = {
    "telegram", "vk", "instagram", "facebook", "tiktok", "x", "youtube", "forum" };
static const char *const emoji[] = {
    "😀", "😂", "🔥", "👍", "🙏", "❤️", "😢", "😡", "💯", "🤔", "👀", "🇰🇿" };
static const char *const url_hosts[] = {
    "t.me", "vk.com", "instagram.com", "youtu.be", "tengrinews.kz", "nur.kz", "example.org" };

static void json_escape(sbuf *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':  sb_str(o, "\\\""); break;
        case '\\': sb_str(o, "\\\\"); break;
        case '\n': sb_str(o, "\\n"); break;
        case '\r': sb_str(o, "\\r"); break;
        case '\t': sb_str(o, "\\t"); break;
        default:
            if (c < 0x20) sb_fmt(o, "\\u%04x", c);
            else sb_ch(o, (char)c);
        }
    }
}

static void put_word(sbuf *t, const char *w, int cap)
{
    if (!cap) { sb_str(t, w); return; }
    uint32_t cps[128];
    size_t n = utf8_to_cps(w, cps, 128);
    if (n) cps[0] = to_upper(cps[0]);
    for (size_t i = 0; i < n; i++) sb_cp(t, cps[i]);
}

static void put_url(sbuf *t)
{
    sb_fmt(t, "https://%s/", url_hosts[below(sizeof url_hosts / sizeof url_hosts[0])]);
    for (size_t k = range(4, 12); k--;) sb_ch(t, (char)('a' + below(26)));
    if (chance(0.3)) sb_fmt(t, "?id=%zu", range(1, 999999));
}

typedef struct { size_t injected, obfuscated, regex_baits; } stats;

/* Build the text of one post into t. */
static void make_text(sbuf *t, int lang, stats *st)
{
    size_t nwords = 5 + (size_t)(75.0 * unit() * unit());   /* 5-80, most posts short */
    /* the rule phrases this post carries, and after which word */
    size_t inj[3], at[3], ninj = 0;
    int obf = 0, bait = 0;
    if (chance(0.03) && ph_nlang[lang]) {
        ninj = range(1, 3);
        for (size_t k = 0; k < ninj; k++) {
            inj[k] = ph_by_lang[lang][below(ph_nlang[lang])];
            at[k] = below(nwords);
        }
        obf = chance(0.5);
        bait = lang != L_EN && chance(0.25);
        st->injected++;
        st->obfuscated += (size_t)obf;
        st->regex_baits += (size_t)bait;
    }
    int sentence_start = 1;
    size_t sentence_left = range(4, 15);
    int quoted = 0;
    for (size_t i = 0; i < nwords; i++) {
        if (i) sb_ch(t, ' ');
        double u = unit();
        if (u < 0.015) {
            sb_fmt(t, "%zu", chance(0.5) ? range(1, 100) : range(100, 99999));
        } else if (u < 0.022) {
            put_url(t);
        } else if (u < 0.030) {
            sb_str(t, emoji[below(sizeof emoji / sizeof emoji[0])]);
        } else if (u < 0.034) {
            sb_ch(t, chance(0.5) ? '#' : '@');
            sb_str(t, zipf_word(lang));
        } else {
            if (!quoted && chance(0.01)) { sb_str(t, lang == L_EN ? "\"" : "«"); quoted = 1; }
            put_word(t, zipf_word(lang), sentence_start && chance(0.8));
            sentence_start = 0;
            if (quoted && chance(0.3)) { sb_str(t, lang == L_EN ? "\"" : "»"); quoted = 0; }
        }
        for (size_t k = 0; k < ninj; k++) {
            if (at[k] != i) continue;
            sb_ch(t, ' ');
            if (obf) obfuscate(t, ph[inj[k]].bait);
            else sb_str(t, ph[inj[k]].bait);
        }
        if (bait && i == nwords / 2) {
            sb_ch(t, ' ');
            sb_str(t, regexes[below(NREGEX)].sample);
        }
        if (--sentence_left == 0 || i + 1 == nwords) {
            if (quoted) { sb_str(t, lang == L_EN ? "\"" : "»"); quoted = 0; }
            double e = unit();
            sb_str(t, e < 0.7 ? "." : e < 0.8 ? "!" : e < 0.9 ? "?" : e < 0.95 ? "..." : "!!!");
            if (chance(0.1) && i + 1 < nwords) sb_ch(t, '\n');
            sentence_start = 1;
            sentence_left = range(4, 15);
        } else if (chance(0.08)) {
            sb_ch(t, chance(0.85) ? ',' : chance(0.5) ? ':' : ';');
        } else if (chance(0.01)) {
            sb_str(t, " —");
        }
    }
}

static void write_corpus(const char *dir, double mb)
{
    FILE *f = open_out(dir, "corpus.jsonl");
    static char iobuf[1 << 20];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    uint64_t target = (uint64_t)(mb * 1e6), bytes = 0, n = 0;
    size_t per_lang[NLANG] = { 0 };
    stats st = { 0 };
    sbuf t = { 0 }, line = { 0 };
    while (bytes < target) {
        n++;
        int lang = pick_lang();
        per_lang[lang]++;
        t.n = 0;
        make_text(&t, lang, &st);
        line.n = 0;
        sb_fmt(&line, "{\"id\":%llu,\"url\":\"https://example.kz/p/%llu\",\"platform\":\"%s\","
               "\"lang\":\"%s\",\"text\":\"", (unsigned long long)n, (unsigned long long)n,
               platforms[below(sizeof platforms / sizeof platforms[0])], lang_code[lang]);
        json_escape(&line, t.p, t.n);
        sb_str(&line, "\"}\n");
        fwrite(line.p, 1, line.n, f);
        bytes += line.n;
    }
    close_out(f, "corpus.jsonl");
    free(t.p);
    free(line.p);
    printf("posts=%llu bytes=%llu ru=%zu kk=%zu en=%zu injected=%zu obfuscated=%zu "
           "regex_samples=%zu words_ru=%zu words_kk=%zu words_en=%zu\n",
           (unsigned long long)n, (unsigned long long)bytes, per_lang[L_RU], per_lang[L_KK],
           per_lang[L_EN], st.injected, st.obfuscated, st.regex_baits,
           wl[L_RU].n, wl[L_KK].n, wl[L_EN].n);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    const char *dic[NLANG] = { "/usr/share/hunspell/ru_RU.dic", "/usr/share/hunspell/kk_KZ.dic",
                               "/usr/share/dict/american-english" };
    double mb = 200;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) die("usage: gen -o DIR [-m MB] [--kk DIC] [--ru DIC] [--en WORDS]");
        const char *v = argv[++i];
        if (strcmp(a, "-o") == 0) dir = v;
        else if (strcmp(a, "-m") == 0) {
            char *end;
            mb = strtod(v, &end);
            if (*end || !(mb > 0 && mb <= 100000)) die("bad -m %s", v);
        }
        else if (strcmp(a, "--ru") == 0) dic[L_RU] = v;
        else if (strcmp(a, "--kk") == 0) dic[L_KK] = v;
        else if (strcmp(a, "--en") == 0) dic[L_EN] = v;
        else die("unknown option %s", a);
    }
    if (!dir) die("usage: gen -o DIR [-m MB] [--kk DIC] [--ru DIC] [--en WORDS]");
    for (int l = 0; l < NLANG; l++) load_words(l, dic[l]);
    build_kernel();
    write_rules(dir);
    write_corpus(dir, mb);
    return 0;
}
