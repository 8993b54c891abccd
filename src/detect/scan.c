/*
 * detect/scan.c - the scan engine.
 *
 * Phrases: each phrase is normalized into its words; the phrase is indexed
 * by its first word, in open-addressing hash tables: exact words (keyed by
 * the hash of the whole word) and stems (keyed by the hash of their first
 * four letters, or of all three for three-letter stems).  A scan hashes each
 * word of the text once, byte by byte, noting the hash after three and after
 * four letters: at most three probes a word, each first checked against a
 * one-bit-per-key filter that keeps most probes out of the tables.  A probe
 * that hits walks a chain verified with memcmp; multi-word phrases are
 * verified word by word.  Whole-word matching falls out of this: a
 * stem only ever matches the start of a word, a word only a whole word, so
 * the short stems that occur inside many unrelated Russian and Kazakh words
 * cost nothing.  docs/performance.md has the measurements that chose this
 * over Hyperscan's literal mode.
 *
 * Regexes: one Hyperscan block-mode database (UTF-8, Unicode properties,
 * leftmost start of match) over the normalized text, and one over the text
 * as written for raw_regex; each behind a prefilter database of the same
 * patterns without start-of-match tracking (single match), which decides
 * cheaply whether a text needs the full pass at all.
 */
#include "scan.h"
#include "hscache.h"
#include "util/hset.h"
#include "util/quote.h"
#include <hs/hs.h>
#include <pthread.h>
#include <xxhash.h>

enum { K_PHRASE = 0, K_UNLESS = 1, K_RAW = 2 };   /* K_RAW: a span of the original */

typedef struct pword {
    uint32_t off;       /* into s->pool */
    uint32_t len;
    uint8_t  stem;
} pword;

typedef struct phrase {
    uint32_t rule;
    uint32_t first;     /* index of the first word in s->pw */
    uint16_t nwords;
    uint8_t  kind;
} phrase;

/* The scanner's tables (util/hset.h) map a word's XXH3 to the first phrase
 * of its chain (via s->next): keys are their own hash, never 0. */
typedef kz_hset table;

typedef struct srule {
    char    *id;
    uint32_t cat;
    int      weight;
} srule;

typedef struct scat {
    char *name;
    int   threshold;
} scat;

struct kz_scanner {
    srule    *rules;  size_t nrules;
    scat     *cats;   size_t ncats;
    char     *pool;   size_t npool, cappool;
    pword    *pw;     size_t npw, cappw;
    phrase   *ph;     size_t nph, capph;
    uint32_t *next;                      /* chain links, parallel to ph */
    table     exact, stems;
    table     stems3;                    /* stems of exactly 3 letters, by those 3 */
    uint64_t *filter;                    /* one bit per key of either table, */
    uint64_t  fmask;                     /* so most probes never touch them */
    hs_database_t *db;                   /* regexes over the normalized text */
    uint32_t *re_rule;  size_t nre;      /* regex id -> rule */
    hs_database_t *rawdb;                /* raw_regex: over the original text */
    hs_database_t *pre, *rawpre;         /* the same without start of match: a prefilter */
    unsigned       ncached;              /* databases read from the compile cache */
    char           version[80];          /* the rule set's (kz_ruleset.version) */
    uint32_t *raw_rule; size_t nrawre;
};

typedef struct rawhit {
    uint32_t rule, ns, ne;   /* normalized span */
    uint8_t  kind;
} rawhit;

struct kz_scan_ctx {
    const kz_scanner *s;
    kz_norm     *norm;
    hs_scratch_t *scratch;      /* for both databases */
    const uint32_t *cur_map;    /* regex id -> rule of the database being scanned */
    uint8_t      cur_raw;       /* its spans are original offsets already */
    kz_normtext  nt;
    rawhit      *raw;  size_t nraw, capraw;
    size_t       dropped;
    kz_hit      *hits; size_t caphits;
    uint32_t    *score;
    uint8_t     *flagged;
    uint8_t     *matched;     /* per rule */
    uint8_t     *cancelled;   /* per rule */
    uint32_t    *touched;  size_t ntouched, captouched;   /* rules set in matched/cancelled */
};

/* ---- hashing ----------------------------------------------------------- */

/* XXH3 (libxxhash): a few nanoseconds for a word.  Keys are never 0, which
 * marks an empty slot. */
static inline uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = XXH3_64bits(p, n);
    return h ? h : 1;
}

/* ---- tables -------------------------------------------------------------- */

#define FILTER_BIT(key) ((key) >> 32)

static inline int filter_has(const kz_scanner *s, uint64_t key)
{
    uint64_t b = FILTER_BIT(key) & s->fmask;
    return (int)(s->filter[b >> 6] >> (b & 63) & 1);
}

static int table_add(table *t, uint32_t *next, uint64_t key, uint32_t ph)
{
    kz_hslot *sl;
    int rc = kz_hset_add(t, key, UINT32_MAX, NULL, NULL, NULL, &sl);
    if (rc < 0)
        return rc;
    next[ph] = (uint32_t)sl->v;     /* chains are walked newest first; order is */
    sl->v = ph;                     /* restored by sorting the hits */
    return 0;
}

/* ---- compile ------------------------------------------------------------- */

static int pool_add(kz_scanner *s, const char *p, size_t n, uint32_t *off)
{
    if (KZ_GROW(s->pool, s->cappool, s->npool + n + 1))
        return KZ_ENOMEM;
    memcpy(s->pool + s->npool, p, n);
    *off = (uint32_t)s->npool;
    s->npool += n;
    s->pool[s->npool] = '\0';
    return 0;
}

/* Bytes of the first k code points of p[0..n), or 0 when it has fewer. */
static size_t prefix_bytes(const char *p, size_t n, size_t k)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80 && c++ == k)
            return i;
    return c == k ? n : 0;
}

static size_t utf8_chars(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* Add one phrase from the spellings sp[0..nw), the last a stem when stem. */
static int add_phrase(kz_scanner *s, uint32_t rule, uint8_t kind,
                      const kz_spelling *sp, size_t nw, int stem)
{
    int rc;
    if ((rc = KZ_GROW(s->ph, s->capph, s->nph + 1)) != 0 ||
        (rc = KZ_GROW(s->pw, s->cappw, s->npw + nw)) != 0)
        return rc;
    phrase *p = &s->ph[s->nph];
    p->rule = rule;
    p->kind = kind;
    p->first = (uint32_t)s->npw;
    p->nwords = (uint16_t)nw;
    for (size_t i = 0; i < nw; i++) {
        pword *w = &s->pw[s->npw++];
        if ((rc = pool_add(s, sp[i].s, sp[i].len, &w->off)) != 0)
            return rc;
        w->len = sp[i].len;
        w->stem = (uint8_t)(stem && i + 1 == nw);
    }
    s->nph++;
    return 0;
}

/* Combinations of per-word variants added for one phrase at most. */
#define VARIANT_COMBOS 64

/* Normalize one phrase and add it (and its joined or alternate forms). */
static int compile_phrase(kz_scanner *s, kz_norm *nm, const char *src, const kz_pattern *pat,
                          uint32_t rule, uint8_t kind, kz_buf *errs)
{
    const char *text = pat->text;
    size_t len = strlen(text);
    int stem = len > 0 && text[len - 1] == '*';
    if (stem)
        len--;
    kz_normtext t;
    int rc = kz_norm_run(nm, text, len, &t);
    if (rc)
        return rc;
    if (t.nwords == 0) {
        kz_buf_addf(errs, "%s:%u: phrase '%s' has no letters or digits left after normalization\n",
                    src, pat->line, text);
        return KZ_EBADRULE;
    }
    if (t.nwords > KZ_PHRASE_MAX_WORDS) {
        kz_buf_addf(errs, "%s:%u: phrase '%s' has %zu words; at most %d are allowed\n",
                    src, pat->line, text, t.nwords, KZ_PHRASE_MAX_WORDS);
        return KZ_EBADRULE;
    }
    if (stem) {
        const kz_token *lw = &t.words[t.nwords - 1];
        if (utf8_chars(lw->sp[0].s, lw->sp[0].len) < KZ_STEM_MIN_LETTERS ||
            lw->end != t.len) {
            kz_buf_addf(errs, "%s:%u: stem '%s' is too short: at least %d letters must come before '*' "
                        "(after normalization: '%.*s')\n", src, pat->line, text,
                        KZ_STEM_MIN_LETTERS, (int)lw->sp[0].len, lw->sp[0].s);
            return KZ_EBADRULE;
        }
    }
    kz_spelling sp[KZ_PHRASE_MAX_WORDS];
    for (size_t i = 0; i < t.nwords; i++)
        sp[i] = t.words[i].sp[0];
    if ((rc = add_phrase(s, rule, kind, sp, t.nwords, stem)) != 0)
        return rc;
    /* a one-word phrase: its alternate spellings too */
    if (t.nwords == 1)
        for (uint32_t k = 1; k < t.words[0].nsp; k++)
            if ((rc = add_phrase(s, rule, kind, &t.words[0].sp[k], 1, stem)) != 0)
                return rc;
    /* "кто-то": also as the one joined word */
    if (t.njoined == 1 && t.joined[0].start == t.words[0].start &&
        t.joined[0].end == t.words[t.nwords - 1].end)
        if ((rc = add_phrase(s, rule, kind, &t.joined[0].sp[0], 1, stem)) != 0)
            return rc;
    /* the informal Latin variants, each once.  A phrase of several words
     * also gets every combination of its words' own variants ("saydyr
     * irghis": y for ы in one word, i in the next; "vniknuvshii iaytcevidniy":
     * й as i in one, as y in the other), when there are at most
     * VARIANT_COMBOS of them; else only the variants of the whole phrase. */
    size_t nwords = t.nwords;
    char seen[1u << KZ_NORM_VARIANT_KINDS][KZ_NORM_VARIANT_MAX * 2];
    size_t nseen = 0;
    char wpool[(1u << KZ_NORM_VARIANT_KINDS) * KZ_NORM_VARIANT_MAX * 2];
    size_t npool = 0;
    kz_spelling wsp[KZ_PHRASE_MAX_WORDS][1u << KZ_NORM_VARIANT_KINDS];
    size_t nwsp[KZ_PHRASE_MAX_WORDS];
    for (size_t i = 0; i < nwords; i++) {        /* the phrase's own spelling first */
        memcpy(wpool + npool, sp[i].s, sp[i].len);
        wsp[i][0] = (kz_spelling){ wpool + npool, sp[i].len };
        npool += sp[i].len;
        nwsp[i] = 1;
    }
    /* the kinds the phrase has letters for: a mask with another kind in it
     * writes what the mask without it writes */
    unsigned present = len < KZ_NORM_VARIANT_MAX ? kz_norm_variant_kinds(text, len) : 0;
    for (unsigned mask = 1; len < KZ_NORM_VARIANT_MAX && mask < (1u << KZ_NORM_VARIANT_KINDS); mask++) {
        char var[KZ_NORM_VARIANT_MAX * 2];
        if (mask & ~present)
            continue;
        size_t vl = kz_norm_variant(text, len, mask, var);
        if (!vl || (rc = kz_norm_run(nm, var, vl, &t)) != 0) {
            if (rc)
                return rc;
            continue;
        }
        if (t.nwords != nwords || t.len >= sizeof seen[0])
            continue;
        size_t z = 0;
        while (z < nseen && strcmp(seen[z], t.text) != 0)
            z++;
        if (z < nseen)
            continue;
        memcpy(seen[nseen++], t.text, t.len + 1);
        for (size_t i = 0; i < t.nwords; i++) {
            sp[i] = t.words[i].sp[0];
            size_t k = 0;
            while (k < nwsp[i] && !(wsp[i][k].len == sp[i].len && !memcmp(wsp[i][k].s, sp[i].s, sp[i].len)))
                k++;
            if (k == nwsp[i] && npool + sp[i].len <= sizeof wpool) {
                memcpy(wpool + npool, sp[i].s, sp[i].len);
                wsp[i][nwsp[i]++] = (kz_spelling){ wpool + npool, sp[i].len };
                npool += sp[i].len;
            }
        }
        if ((rc = add_phrase(s, rule, kind, sp, t.nwords, stem)) != 0)
            return rc;
        if (t.nwords == 1)
            for (uint32_t k = 1; k < t.words[0].nsp; k++)
                if ((rc = add_phrase(s, rule, kind, &t.words[0].sp[k], 1, stem)) != 0)
                    return rc;
    }
    size_t combos = 1;
    for (size_t i = 0; i < nwords && combos <= VARIANT_COMBOS; i++)
        combos *= nwsp[i];
    if (nwords > 1 && combos <= VARIANT_COMBOS && nseen > 0) {
        /* every combination but the phrase itself (c = 0); those equal to
         * a variant of the whole phrase were added above and are skipped */
        for (size_t c = 1; c < combos; c++) {
            size_t r = c, mixed = 0;
            char joined[KZ_NORM_VARIANT_MAX * 2];
            size_t jl = 0;
            for (size_t i = 0; i < nwords; i++) {
                sp[i] = wsp[i][r % nwsp[i]];
                r /= nwsp[i];
                if (jl + sp[i].len + 1 < sizeof joined) {
                    memcpy(joined + jl, sp[i].s, sp[i].len);
                    jl += sp[i].len;
                    joined[jl++] = ' ';
                }
            }
            joined[jl ? jl - 1 : 0] = '\0';
            mixed = 1;
            for (size_t z = 0; z < nseen && mixed; z++)
                mixed = strcmp(seen[z], joined) != 0;
            if (mixed && (rc = add_phrase(s, rule, kind, sp, nwords, stem)) != 0)
                return rc;
        }
    }
    /* "kill yourself": also written as one word ("killyourself", a hashtag,
     * letters spaced out without a wider gap between the words) */
    if (nwords > 1 && len < 256) {
        char one[256];
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (text[i] != ' ' && text[i] != '\t')
                one[k++] = text[i];
        if ((rc = kz_norm_run(nm, one, k, &t)) != 0)
            return rc;
        if (t.nwords == 1)
            for (uint32_t j = 0; j < t.words[0].nsp; j++)
                if ((rc = add_phrase(s, rule, kind, &t.words[0].sp[j], 1, stem)) != 0)
                    return rc;
    }
    return 0;
}

typedef struct pre_job {
    const char  **exprs;
    unsigned     *flags;
    const unsigned *ids;
    unsigned      n;
    hs_database_t *db;
    int           ok, cached;
} pre_job;

static void *compile_pre(void *arg)
{
    pre_job *j = arg;
    hs_compile_error_t *cerr = NULL;
    j->ok = kz_hscache_compile(j->exprs, j->flags, j->ids, j->n, &j->db, &cerr,
                               &j->cached) == HS_SUCCESS;
    hs_free_compile_error(cerr);
    if (!j->ok)
        j->db = NULL;
    return NULL;
}

/* The regexes of every rule from one list (normalized or raw) into one
 * Hyperscan database; *map gets regex id -> rule. */
static int compile_db(const kz_ruleset *rs, int raw, hs_database_t **db, hs_database_t **pre,
                      uint32_t **map, size_t *count, unsigned *ncached, kz_buf *errs)
{
    size_t n = 0;
    for (size_t r = 0; r < rs->nrules; r++)
        n += raw ? rs->rules[r].nraw_regexes : rs->rules[r].nregexes;
    *count = n;
    if (n == 0)
        return 0;
    const char **exprs = calloc(n, sizeof *exprs);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    const kz_pattern **pats = calloc(n, sizeof *pats);
    *map = calloc(n, sizeof **map);
    int rc = KZ_ENOMEM;
    if (!exprs || !flags || !ids || !pats || !*map)
        goto out;
    size_t k = 0;
    for (size_t r = 0; r < rs->nrules; r++) {
        const kz_pattern *list = raw ? rs->rules[r].raw_regexes : rs->rules[r].regexes;
        size_t cnt = raw ? rs->rules[r].nraw_regexes : rs->rules[r].nregexes;
        for (size_t i = 0; i < cnt; i++) {
            exprs[k] = list[i].text;
            pats[k] = &list[i];
            /* the normalized text is Cyrillic: Unicode classes; raw regexes
             * are for addresses, handles, numbers: ASCII \w and \b */
            flags[k] = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST |
                       (raw ? HS_FLAG_CASELESS : HS_FLAG_UCP);
            ids[k] = (unsigned)k;
            (*map)[k] = (uint32_t)r;
            k++;
        }
    }
    /* The prefilter: the same patterns without start-of-match tracking,
     * which costs more than everything else in a scan; most texts match
     * none, and only those that match some run through *db.  Compiled in a
     * second thread while this one compiles *db. */
    pre_job pj = { exprs, NULL, ids, (unsigned)n, NULL, 0, 0 };
    pthread_t tid;
    int threaded = 0;
    if ((pj.flags = calloc(n, sizeof *pj.flags)) != NULL) {
        for (size_t i = 0; i < n; i++)
            pj.flags[i] = (flags[i] & ~(unsigned)HS_FLAG_SOM_LEFTMOST) | HS_FLAG_SINGLEMATCH;
        threaded = pthread_create(&tid, NULL, compile_pre, &pj) == 0;
        if (!threaded)
            compile_pre(&pj);
    }
    hs_compile_error_t *cerr = NULL;
    int cached = 0;
    hs_error_t he = kz_hscache_compile(exprs, flags, ids, (unsigned)n, db, &cerr, &cached);
    if (threaded)
        pthread_join(tid, NULL);
    free(pj.flags);
    if (he == HS_SUCCESS) {
        *ncached += (unsigned)cached + (unsigned)(pj.ok && pj.cached);
        *pre = pj.ok ? pj.db : NULL;        /* without one, every text goes through *db */
        rc = 0;
        goto out;
    }
    hs_free_database(pj.db);
    hs_free_compile_error(cerr);
    /* find every regex that fails on its own, to report them all */
    rc = KZ_EBADRULE;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        hs_database_t *one = NULL;
        cerr = NULL;
        if (hs_compile(exprs[i], flags[i], HS_MODE_BLOCK, NULL, &one, &cerr) != HS_SUCCESS) {
            char q[KZ_QUOTE_BUF];
            kz_buf_addf(errs, "%s:%u: %s '%s' does not compile: %s\n", rs->source,
                        pats[i]->line, raw ? "raw_regex" : "regex",
                        kz_quote(q, exprs[i], strlen(exprs[i])),
                        cerr ? cerr->message : "unknown error");
            found = 1;
        }
        hs_free_compile_error(cerr);
        hs_free_database(one);
    }
    if (!found)
        kz_buf_addf(errs, "%s: the regexes compile one by one but not together "
                    "(too many or too large for one database)\n", rs->source);
out:
    free(exprs);
    free(flags);
    free(ids);
    free(pats);
    return rc;
}

static int compile_regexes(kz_scanner *s, const kz_ruleset *rs, kz_buf *errs)
{
    int rc = compile_db(rs, 0, &s->db, &s->pre, &s->re_rule, &s->nre, &s->ncached, errs);
    int rc2 = compile_db(rs, 1, &s->rawdb, &s->rawpre, &s->raw_rule, &s->nrawre, &s->ncached,
                         errs);
    return rc ? rc : rc2;
}

int kz_scanner_new(const kz_ruleset *rs, kz_scanner **out, kz_buf *errs)
{
    int rc = KZ_ENOMEM, bad = 0;
    kz_buf sink;                    /* where messages go when errs is NULL */
    kz_buf_init(&sink, 1u << 16);
    if (!errs)
        errs = &sink;
    kz_norm *nm = NULL;
    kz_scanner *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s || !(nm = kz_norm_new()))
        goto out;
    snprintf(s->version, sizeof s->version, "%s", rs->version);
    s->ncats = rs->ncats;
    s->cats = calloc(rs->ncats + 1, sizeof *s->cats);
    s->nrules = rs->nrules;
    s->rules = calloc(rs->nrules + 1, sizeof *s->rules);
    if (!s->cats || !s->rules)
        goto out;
    for (size_t c = 0; c < rs->ncats; c++) {
        if (!(s->cats[c].name = kz_strdup(rs->cats[c].name)))
            goto out;
        s->cats[c].threshold = rs->cats[c].threshold;
    }
    for (size_t r = 0; r < rs->nrules; r++) {
        const kz_rule *ru = &rs->rules[r];
        if (!(s->rules[r].id = kz_strdup(ru->id)))
            goto out;
        s->rules[r].weight = ru->weight;
        s->rules[r].cat = 0;
        for (size_t c = 0; c < rs->ncats; c++)
            if (!strcmp(rs->cats[c].name, ru->category))
                s->rules[r].cat = (uint32_t)c;
        for (size_t i = 0; i < ru->nphrases; i++) {
            rc = compile_phrase(s, nm, rs->source, &ru->phrases[i], (uint32_t)r, K_PHRASE, errs);
            if (rc == KZ_EBADRULE) bad = 1;
            else if (rc) goto out;
        }
        for (size_t i = 0; i < ru->nunless; i++) {
            rc = compile_phrase(s, nm, rs->source, &ru->unless[i], (uint32_t)r, K_UNLESS, errs);
            if (rc == KZ_EBADRULE) bad = 1;
            else if (rc) goto out;
        }
    }
    rc = compile_regexes(s, rs, errs);
    if (rc == KZ_EBADRULE) bad = 1;
    else if (rc) goto out;
    if (bad) {
        rc = KZ_EBADRULE;
        goto out;
    }
    /* index every phrase by its first word */
    size_t nexact = 0, nstem = 0;
    for (size_t p = 0; p < s->nph; p++) {
        if (s->pw[s->ph[p].first].stem) nstem++;
        else nexact++;
    }
    s->next = calloc(s->nph + 1, sizeof *s->next);
    if (!s->next || (rc = kz_hset_init(&s->exact, nexact)) != 0 ||
        (rc = kz_hset_init(&s->stems, nstem)) != 0 || (rc = kz_hset_init(&s->stems3, nstem)) != 0) {
        rc = KZ_ENOMEM;
        goto out;
    }
    size_t fbits = 1u << 16;               /* >= 16 bits per key: few false hits */
    while (fbits < s->nph * 16)
        fbits *= 2;
    s->fmask = fbits - 1;
    if (!(s->filter = calloc(fbits / 64, sizeof *s->filter))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    for (size_t p = 0; p < s->nph; p++) {
        const pword *w = &s->pw[s->ph[p].first];
        const char *ws = s->pool + w->off;
        uint64_t key;
        table *t = &s->exact;
        if (w->stem) {
            size_t n4 = prefix_bytes(ws, w->len, 4);
            key = hash_bytes(ws, n4 ? n4 : w->len);
            t = n4 ? &s->stems : &s->stems3;
        } else {
            key = hash_bytes(ws, w->len);
        }
        uint64_t fb = FILTER_BIT(key) & s->fmask;
        s->filter[fb >> 6] |= 1ULL << (fb & 63);
        if ((rc = table_add(t, s->next, key, (uint32_t)p)) != 0)
            goto out;
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    kz_norm_free(nm);
    kz_scanner_free(&s);
    kz_buf_release(&sink);
    return rc;
}

void kz_scanner_free(kz_scanner **sp)
{
    kz_scanner *s = sp ? *sp : NULL;
    if (!s)
        return;
    for (size_t r = 0; r < s->nrules; r++)
        free(s->rules[r].id);
    for (size_t c = 0; c < s->ncats; c++)
        free(s->cats[c].name);
    free(s->rules);
    free(s->cats);
    free(s->pool);
    free(s->pw);
    free(s->ph);
    free(s->next);
    kz_hset_release(&s->exact);
    kz_hset_release(&s->stems);
    kz_hset_release(&s->stems3);
    free(s->re_rule);
    free(s->raw_rule);
    free(s->filter);
    hs_free_database(s->db);
    hs_free_database(s->rawdb);
    hs_free_database(s->pre);
    hs_free_database(s->rawpre);
    free(s);
    *sp = NULL;
}

size_t kz_scanner_nrules(const kz_scanner *s) { return s->nrules; }
const char *kz_scanner_rule_id(const kz_scanner *s, size_t r) { return s->rules[r].id; }
size_t kz_scanner_rule_cat(const kz_scanner *s, size_t r) { return s->rules[r].cat; }
int kz_scanner_rule_weight(const kz_scanner *s, size_t r) { return s->rules[r].weight; }
size_t kz_scanner_ncats(const kz_scanner *s) { return s->ncats; }
const char *kz_scanner_cat_name(const kz_scanner *s, size_t c) { return s->cats[c].name; }
int kz_scanner_cat_threshold(const kz_scanner *s, size_t c) { return s->cats[c].threshold; }
size_t kz_scanner_nphrases(const kz_scanner *s) { return s->nph; }
size_t kz_scanner_nregexes(const kz_scanner *s) { return s->nre + s->nrawre; }
unsigned kz_scanner_cached(const kz_scanner *s) { return s->ncached; }
const char *kz_scanner_version(const kz_scanner *s) { return s->version; }

/* ---- scan ---------------------------------------------------------------- */

kz_scan_ctx *kz_scan_ctx_new(const kz_scanner *s)
{
    kz_scan_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->s = s;
    c->norm = kz_norm_new();
    c->score = calloc(s->ncats + 1, sizeof *c->score);
    c->flagged = calloc(s->ncats + 1, 1);
    c->matched = calloc(s->nrules + 1, 1);
    c->cancelled = calloc(s->nrules + 1, 1);
    if (!c->norm || !c->score || !c->flagged || !c->matched || !c->cancelled ||
        (s->db && hs_alloc_scratch(s->db, &c->scratch) != HS_SUCCESS) ||
        (s->rawdb && hs_alloc_scratch(s->rawdb, &c->scratch) != HS_SUCCESS) ||
        (s->pre && hs_alloc_scratch(s->pre, &c->scratch) != HS_SUCCESS) ||
        (s->rawpre && hs_alloc_scratch(s->rawpre, &c->scratch) != HS_SUCCESS)) {
        kz_scan_ctx_free(c);
        return NULL;
    }
    return c;
}

void kz_scan_ctx_free(kz_scan_ctx *c)
{
    if (!c)
        return;
    kz_norm_free(c->norm);
    if (c->scratch)
        hs_free_scratch(c->scratch);
    free(c->raw);
    free(c->hits);
    free(c->score);
    free(c->flagged);
    free(c->matched);
    free(c->cancelled);
    free(c->touched);
    free(c);
}

/* Record a match: the rule's flags (always, so scores are complete) and the
 * span (up to a cap, so a hostile text cannot grow memory without bound). */
static int add_raw(kz_scan_ctx *c, uint32_t rule, uint8_t kind, uint32_t ns, uint32_t ne)
{
    if (!c->matched[rule] && !c->cancelled[rule]) {
        if (KZ_GROW(c->touched, c->captouched, c->ntouched + 1))
            return KZ_ENOMEM;
        c->touched[c->ntouched++] = rule;
    }
    if (kind == K_UNLESS) {
        c->cancelled[rule] = 1;
        return 0;
    }
    c->matched[rule] = 1;
    if (c->nraw >= KZ_SCAN_MAX_HITS * 4) {
        c->dropped++;
        return 0;
    }
    if (KZ_GROW(c->raw, c->capraw, c->nraw + 1))
        return KZ_ENOMEM;
    c->raw[c->nraw++] = (rawhit){ rule, ns, ne, kind };
    return 0;
}

static inline int sp_matches(const kz_token *t, const char *w, uint32_t len, int stem)
{
    for (uint32_t k = 0; k < t->nsp; k++) {
        const kz_spelling *sp = &t->sp[k];
        if (stem ? sp->len >= len : sp->len == len)
            if (memcmp(sp->s, w, len) == 0)
                return 1;
    }
    return 0;
}

/* Verify the phrases of one chain against words starting at index wi
 * (words == NULL: a joined token, one-word phrases only). */
static int check_chain(kz_scan_ctx *c, uint32_t head, const kz_token *tok, const kz_spelling *sp,
                       const kz_token *words, size_t nwords, size_t wi)
{
    const kz_scanner *s = c->s;
    for (uint32_t p = head; p != UINT32_MAX; p = s->next[p]) {
        const phrase *ph = &s->ph[p];
        const pword *w0 = &s->pw[ph->first];
        if (w0->stem ? sp->len < w0->len : sp->len != w0->len)
            continue;
        if (memcmp(sp->s, s->pool + w0->off, w0->len) != 0)
            continue;
        uint32_t end = tok->end;
        if (ph->nwords > 1) {
            if (!words || wi + ph->nwords > nwords)
                continue;
            /* "синий кит" is not in "синий кит-кат" */
            if ((words[wi].flags & KZ_TOK_CONT_PREV) ||
                (words[wi + ph->nwords - 1].flags & KZ_TOK_CONT_NEXT))
                continue;
            size_t k = 1;
            for (; k < ph->nwords; k++) {
                const pword *w = &s->pw[ph->first + k];
                if (!sp_matches(&words[wi + k], s->pool + w->off, w->len, w->stem))
                    break;
            }
            if (k < ph->nwords)
                continue;
            end = words[wi + ph->nwords - 1].end;
        }
        int rc = add_raw(c, ph->rule, ph->kind, tok->start, end);
        if (rc)
            return rc;
    }
    return 0;
}

static inline int probe(kz_scan_ctx *c, const table *t, uint64_t key, const kz_token *tok,
                        const kz_spelling *sp, const kz_token *words, size_t nwords, size_t wi)
{
    if (t->n == 0 || !filter_has(c->s, key))
        return 0;
    const kz_hslot *sl = kz_hset_find(t, key, NULL, NULL, NULL);
    return sl ? check_chain(c, (uint32_t)sl->v, tok, sp, words, nwords, wi) : 0;
}

static int match_token(kz_scan_ctx *c, const kz_token *tok, const kz_token *words, size_t nwords,
                       size_t wi)
{
    const kz_scanner *s = c->s;
    int stems = s->stems.n || s->stems3.n, rc;
    for (uint32_t k = 0; k < tok->nsp; k++) {
        const kz_spelling *sp = &tok->sp[k];
        if (stems) {
            /* where the 4th and 5th code points start */
            const unsigned char *p = (const unsigned char *)sp->s;
            size_t b3 = 0, b4 = 0;
            unsigned cps = 0;
            for (uint32_t i = 0; i < sp->len && cps <= 4; i++)
                if ((p[i] & 0xC0) != 0x80) {
                    if (cps == 3) b3 = i;
                    else if (cps == 4) b4 = i;
                    cps++;
                }
            if (cps == 3) b3 = sp->len;
            else if (cps == 4) b4 = sp->len;
            if (b3 && (rc = probe(c, &s->stems3, hash_bytes(sp->s, b3), tok, sp, words, nwords, wi)))
                return rc;
            if (b4 && (rc = probe(c, &s->stems, hash_bytes(sp->s, b4), tok, sp, words, nwords, wi)))
                return rc;
        }
        if ((rc = probe(c, &s->exact, hash_bytes(sp->s, sp->len), tok, sp, words, nwords, wi)) != 0)
            return rc;
    }
    return 0;
}

/* The prefilter's callback: one match is enough to know. */
static int on_any(unsigned id, unsigned long long from, unsigned long long to,
                  unsigned flags, void *ctx)
{
    return 1;
}

static int on_regex(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    kz_scan_ctx *c = ctx;
    uint8_t kind = c->cur_raw ? K_RAW : K_PHRASE;
    uint32_t rule = c->cur_map[id];
    if (to <= from)
        return 0;
    /* Hyperscan reports every end of a match; keep the longest per start */
    if (c->nraw > 0) {
        rawhit *last = &c->raw[c->nraw - 1];
        if (last->kind == kind && last->rule == rule && last->ns == from) {
            last->ne = (uint32_t)to;
            return 0;
        }
    }
    return add_raw(c, rule, kind, (uint32_t)from, (uint32_t)to) ? 1 : 0;
}

static int cmp_hit(const void *a, const void *b)
{
    const kz_hit *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

int kz_scan(kz_scan_ctx *c, const char *text, size_t n, kz_result *res)
{
    const kz_scanner *s = c->s;
    int rc;
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < c->ntouched; i++)      /* the previous call's rules */
        c->matched[c->touched[i]] = c->cancelled[c->touched[i]] = 0;
    c->nraw = 0;
    c->dropped = 0;
    c->ntouched = 0;
    if ((rc = kz_norm_run(c->norm, text, n, &c->nt)) != 0)
        return rc;
    const kz_normtext *t = &c->nt;
    for (size_t i = 0; i < t->nwords; i++)
        if ((rc = match_token(c, &t->words[i], t->words, t->nwords, i)) != 0)
            return rc;
    for (size_t i = 0; i < t->njoined; i++)
        if ((rc = match_token(c, &t->joined[i], NULL, 0, 0)) != 0)
            return rc;
    for (int raw = 0; raw < 2; raw++) {
        const hs_database_t *db = raw ? s->rawdb : s->db;
        const char *p = raw ? text : t->text;
        size_t len = raw ? n : t->len;
        if (!db || len == 0)
            continue;
        const hs_database_t *pre = raw ? s->rawpre : s->pre;
        hs_error_t he;
        if (pre) {
            he = hs_scan(pre, p, (unsigned)len, 0, c->scratch, on_any, NULL);
            if (he == HS_SUCCESS)
                continue;                   /* no regex matches this text */
            if (he != HS_SCAN_TERMINATED)
                return KZ_EMATCHER;
        }
        c->cur_map = raw ? s->raw_rule : s->re_rule;
        c->cur_raw = (uint8_t)raw;
        he = hs_scan(db, p, (unsigned)len, 0, c->scratch, on_regex, c);
        if (he == HS_SCAN_TERMINATED)
            return KZ_ENOMEM;           /* on_regex stops only when out of memory */
        if (he != HS_SUCCESS)
            return KZ_EMATCHER;
    }

    /* scores of the rules that matched and are not cancelled */
    size_t nt = c->ntouched;
    memset(c->score, 0, s->ncats * sizeof *c->score);
    memset(c->flagged, 0, s->ncats);
    for (size_t i = 0; i < nt; i++) {
        uint32_t r = c->touched[i];
        if (c->matched[r] && !c->cancelled[r])
            c->score[s->rules[r].cat] += (uint32_t)s->rules[r].weight;
    }
    size_t nflagged = 0;
    for (size_t k = 0; k < s->ncats; k++)
        if (c->score[k] > 0 && c->score[k] >= (uint32_t)s->cats[k].threshold) {
            c->flagged[k] = 1;
            nflagged++;
        }

    /* hits of rules that count, in original offsets, sorted, unique */
    if (KZ_GROW(c->hits, c->caphits, c->nraw + 1))
        return KZ_ENOMEM;
    size_t nh = 0;
    for (size_t i = 0; i < c->nraw; i++) {
        const rawhit *h = &c->raw[i];
        if (h->kind == K_UNLESS || c->cancelled[h->rule])
            continue;
        kz_hit *o = &c->hits[nh++];
        o->rule = h->rule;
        if (h->kind == K_RAW) {
            o->start = h->ns;
            o->end = h->ne;
        } else {
            kz_norm_span(t, h->ns, h->ne, &o->start, &o->end);
        }
    }
    qsort(c->hits, nh, sizeof *c->hits, cmp_hit);
    size_t u = 0;       /* one hit per (start, rule): the longest */
    for (size_t i = 0; i < nh; i++) {
        if (u > 0 && c->hits[u - 1].start == c->hits[i].start &&
            c->hits[u - 1].rule == c->hits[i].rule) {
            c->hits[u - 1].end = c->hits[i].end;
            continue;
        }
        c->hits[u++] = c->hits[i];
    }
    size_t dropped = c->dropped;
    if (u > KZ_SCAN_MAX_HITS) {
        dropped += u - KZ_SCAN_MAX_HITS;
        u = KZ_SCAN_MAX_HITS;
    }
    res->hits = c->hits;
    res->nhits = u;
    res->hits_dropped = dropped;
    res->score = c->score;
    res->flagged = c->flagged;
    res->nflagged = nflagged;
    res->invalid_utf8 = t->invalid;
    return 0;
}
