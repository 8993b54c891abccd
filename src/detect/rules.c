/*
 * detect/rules.c - the rule file parser: YAML in, a checked kz_ruleset out.
 *
 * Reads libyaml's event stream.  The top level and the `rules:` list are
 * streamed; each rule (and each category entry) is built into a small tree
 * of nodes, checked, turned into a kz_rule and freed, so memory follows the
 * size of the result rather than of the YAML.  Every problem is appended to
 * errs as "name:line: reason"; only a YAML syntax error, nesting deeper than
 * RULES_MAX_DEPTH, too many errors or running out of memory stop early.
 *
 * Hostile input: aliases are refused (no "billion laughs"), nesting depth,
 * list lengths, the number of rules and the nodes of one rule are capped,
 * and values quoted back in messages are cut short and made printable.
 * The format itself is described in rules.h and docs/rules.md.
 */
#include "detect/rules.h"
#include "util/utf8.h"
#include "util/quote.h"
#include "util/sha256.h"
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <yaml.h>

#define RULES_MAX_RULES     1000000u
#define RULES_MAX_ITEMS     100000u     /* phrases, regexes, unless of one rule */
#define RULES_MAX_NODES     (4u * RULES_MAX_ITEMS + 1000u)   /* YAML nodes of one rule */
#define RULES_MAX_CAT_NODES 1000u       /* YAML nodes of one category entry */
#define RULES_MAX_DEPTH     64u
#define RULES_MAX_ERRORS    10000u
#define RULES_MAX_PHRASE    512u
#define RULES_MAX_REGEX     4096u
#define RULES_MAX_REGEXES   2000u       /* regex + raw_regex in one file */
#define RULES_MAX_ID        128u
#define RULES_MAX_CATNAME   64u
#define RULES_MAX_WEIGHT    100L
#define RULES_MAX_THRESHOLD 10000L
#define RULES_THRESHOLD     50

/* ---- a string -> (line, value) hash map ---------------------------------- */

typedef struct smap_ent { char *key; size_t len; unsigned line; size_t val; } smap_ent;
typedef struct smap { smap_ent *tab; size_t cap, n; uint64_t seed; } smap;

static uint64_t smap_hash(const smap *m, const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u ^ m->seed;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;                         /* murmur3 fmix64: spread the bits */
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

static smap_ent *smap_get(const smap *m, const char *k, size_t n)
{
    if (!m->cap)
        return NULL;
    size_t i = (size_t)smap_hash(m, k, n) & (m->cap - 1);
    while (m->tab[i].key) {
        if (m->tab[i].len == n && memcmp(m->tab[i].key, k, n) == 0)
            return &m->tab[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static int smap_grow(smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    smap_ent *tab = kz_calloc(cap, sizeof *tab);
    if (!tab)
        return KZ_ENOMEM;
    if (!m->seed)      /* address-space randomness: enough to spoil crafted collisions */
        m->seed = (uint64_t)(uintptr_t)tab * 0x9e3779b97f4a7c15u | 1u;
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->tab[j].key)
            continue;
        size_t i = (size_t)smap_hash(m, m->tab[j].key, m->tab[j].len) & (cap - 1);
        while (tab[i].key)
            i = (i + 1) & (cap - 1);
        tab[i] = m->tab[j];
    }
    free(m->tab);
    m->tab = tab;
    m->cap = cap;
    return 0;
}

/* Add k (absent so far; the map keeps a copy).  NULL when out of memory. */
static smap_ent *smap_add(smap *m, const char *k, size_t n, unsigned line, size_t val)
{
    if ((m->n + 1) * 2 > m->cap && smap_grow(m) < 0)
        return NULL;
    char *copy = kz_strndup(k, n);
    if (!copy)
        return NULL;
    size_t i = (size_t)smap_hash(m, k, n) & (m->cap - 1);
    while (m->tab[i].key)
        i = (i + 1) & (m->cap - 1);
    m->tab[i] = (smap_ent){ copy, n, line, val };
    m->n++;
    return &m->tab[i];
}

static void smap_release(smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->tab[i].key);
    free(m->tab);
    m->tab = NULL;
    m->cap = m->n = 0;
}

/* ---- YAML nodes of one rule ---------------------------------------------- */

enum { N_SCALAR = 1, N_SEQ, N_MAP, N_BAD /* an alias: reported already */ };

typedef struct node node;
struct node {
    int      type;
    unsigned line;
    bool     null;           /* a plain scalar that is empty, ~ or null */
    char    *s;              /* scalar text, NUL-terminated (may hold NULs) */
    size_t   len;
    node   **kid;            /* sequence items; mapping keys and values alternate */
    size_t   nkid, capkid;
    size_t   dropped;        /* items past the limits: counted, not kept */
};

static void node_free(node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkid; i++)
        node_free(n->kid[i]);
    free(n->kid);
    free(n->s);
    free(n);
}

/* ---- the parser state ----------------------------------------------------- */

typedef struct rp {
    yaml_parser_t yp;
    const char   *name;
    const char   *data;
    size_t        n;
    kz_buf       *errs;
    size_t        nerr;
    bool          fatal;         /* stop reading: syntax error, too deep, ... */
    bool          oom;
    size_t        budget;        /* nodes left for the rule being built */
    bool          budget_hit;
    size_t        nrules_seen;
    size_t        nregexes;      /* regex and raw_regex items so far */
    size_t        caprules, capcats;
    kz_ruleset   *rs;
    smap          ids;           /* rule id -> line of its first use */
    smap          cats;          /* category name -> index in rs->cats */
} rp;

static void rp_err(rp *p, unsigned line, const char *fmt, ...) KZ_PRINTF(3, 4);

static void rp_err(rp *p, unsigned line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (p->nerr >= RULES_MAX_ERRORS)
        return;
    p->nerr++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->errs)
        (void)kz_buf_addf(p->errs, "%s:%u: %s\n", p->name, line, msg);
    if (p->nerr == RULES_MAX_ERRORS) {
        if (p->errs)
            (void)kz_buf_addf(p->errs, "%s:%u: too many errors (%u), stopping here\n",
                              p->name, line, RULES_MAX_ERRORS);
        p->fatal = true;
    }
}

static void rp_oom(rp *p)
{
    p->oom = true;
    p->fatal = true;
}


static const char *kind_name(const node *n)
{
    switch (n->type) {
    case N_SEQ: return "a list";
    case N_MAP: return "a mapping";
    case N_SCALAR: return n->null ? "empty" : "a string";
    default: return "an alias";
    }
}

static unsigned ev_line(const yaml_event_t *ev) { return (unsigned)ev->start_mark.line + 1; }

static void yaml_error(rp *p)
{
    yaml_parser_t *y = &p->yp;
    const char *problem = y->problem ? y->problem : "unknown problem";
    switch (y->error) {
    case YAML_MEMORY_ERROR:
        rp_oom(p);
        return;
    case YAML_READER_ERROR: {
        size_t off = KZ_MIN(y->problem_offset, p->n);
        unsigned line = 1;
        for (size_t i = 0; i < off; i++)
            line += p->data[i] == '\n';
        if (strstr(problem, "UTF-8") || strstr(problem, "Unicode"))
            rp_err(p, line, "invalid UTF-8 at byte %zu (%s); a rule file must be UTF-8",
                   off, problem);
        else if (y->problem_value >= 0)
            rp_err(p, line, "YAML syntax error: %s (U+%04X at byte %zu)", problem,
                   (unsigned)y->problem_value, off);
        else
            rp_err(p, line, "YAML syntax error: %s", problem);
        return;
    }
    default: {
        unsigned line = (unsigned)y->problem_mark.line + 1;
        unsigned cline = (unsigned)y->context_mark.line + 1;
        if (y->context && cline != line)
            rp_err(p, line, "YAML syntax error: %s (%s at line %u)", problem, y->context, cline);
        else if (y->context)
            rp_err(p, line, "YAML syntax error: %s (%s)", problem, y->context);
        else
            rp_err(p, line, "YAML syntax error: %s", problem);
        return;
    }
    }
}

/* The next event; -1 (nothing to delete) once parsing has to stop. */
static int rp_next(rp *p, yaml_event_t *ev)
{
    if (p->fatal)
        return -1;
    if (!yaml_parser_parse(&p->yp, ev)) {
        yaml_error(p);
        p->fatal = true;
        return -1;
    }
    if (ev->type == YAML_ALIAS_EVENT) {
        char q[KZ_QUOTE_BUF];
        const char *a = ev->data.alias.anchor ? (const char *)ev->data.alias.anchor : "";
        rp_err(p, ev_line(ev), "aliases are not supported (*%s)", kz_quote(q, a, strlen(a)));
    }
    return 0;
}

static bool is_start(const yaml_event_t *ev)
{
    return ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT;
}

static bool scalar_is_null(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return n == 0 || (n == 1 && s[0] == '~') ||
           (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static int push_kid(rp *p, node *n, node *kid)
{
    if (n->nkid == n->capkid) {
        size_t cap = n->capkid ? n->capkid * 2 : 4;
        node **k = kz_realloc(n->kid, cap * sizeof *k);
        if (!k) {
            rp_oom(p);
            return -1;
        }
        n->kid = k;
        n->capkid = cap;
    }
    n->kid[n->nkid++] = kid;
    return 0;
}

/*
 * Consume the node that starts with ev (already read; the caller deletes
 * it) at nesting depth `depth`.  With out, build it as a tree of nodes
 * (within p->budget; what does not fit is counted in `dropped`); without,
 * just skip it.  0, or -1 when parsing has to stop.
 */
static int take(rp *p, const yaml_event_t *ev, unsigned depth, node **out)
{
    node *n = NULL;
    bool map = ev->type == YAML_MAPPING_START_EVENT, drop_value = false;
    size_t items = 0;

    if (out)
        *out = NULL;
    if (is_start(ev) && depth > RULES_MAX_DEPTH) {
        rp_err(p, ev_line(ev), "nesting deeper than %u levels", RULES_MAX_DEPTH);
        p->fatal = true;
        return -1;
    }
    if (out) {
        n = kz_calloc(1, sizeof *n);
        if (!n) {
            rp_oom(p);
            return -1;
        }
        if (p->budget)
            p->budget--;
        n->line = ev_line(ev);
        switch (ev->type) {
        case YAML_SCALAR_EVENT:
            n->type = N_SCALAR;
            n->len = ev->data.scalar.length;
            n->null = scalar_is_null(ev);
            n->s = kz_strndup((const char *)ev->data.scalar.value, n->len);
            if (!n->s) {
                rp_oom(p);
                goto fail;
            }
            break;
        case YAML_SEQUENCE_START_EVENT: n->type = N_SEQ; break;
        case YAML_MAPPING_START_EVENT: n->type = N_MAP; break;
        default: n->type = N_BAD; break;
        }
    }
    if (!is_start(ev)) {
        if (out)
            *out = n;
        return 0;
    }
    for (;;) {
        yaml_event_t c;
        if (rp_next(p, &c) < 0)
            goto fail;
        if (c.type == YAML_SEQUENCE_END_EVENT || c.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&c);
            break;
        }
        bool keep = n != NULL;
        if (keep && map && items % 2 == 1) {
            keep = !drop_value;
        } else if (keep) {
            size_t kept = map ? n->nkid / 2 : n->nkid;
            keep = kept < RULES_MAX_ITEMS && p->budget >= (map ? 2u : 1u);
            if (!keep) {
                n->dropped++;
                if (p->budget < (map ? 2u : 1u))
                    p->budget_hit = true;
            }
            drop_value = !keep;
        }
        node *kid = NULL;
        int rc = take(p, &c, depth + 1, keep ? &kid : NULL);
        yaml_event_delete(&c);
        if (rc < 0 || (keep && push_kid(p, n, kid) < 0)) {
            node_free(kid);
            goto fail;
        }
        items++;
    }
    if (out)
        *out = n;
    return 0;
fail:
    node_free(n);
    return -1;
}

static int skip(rp *p, const yaml_event_t *ev, unsigned depth) { return take(p, ev, depth, NULL); }

/* ---- checking values ------------------------------------------------------ */

static bool key_is(const node *k, const char *name)
{
    size_t n = strlen(name);
    return k->type == N_SCALAR && k->len == n && memcmp(k->s, name, n) == 0;
}

/* A non-negative decimal integer (an optional '+', digits) up to max. */
static bool parse_int(const node *v, long min, long max, long *out)
{
    if (v->type != N_SCALAR || v->null || v->len == 0)
        return false;
    size_t i = v->s[0] == '+';
    if (i == v->len)
        return false;
    long x = 0;
    for (; i < v->len; i++) {
        if (v->s[i] < '0' || v->s[i] > '9')
            return false;
        x = x * 10 + (v->s[i] - '0');
        if (x > max)
            return false;
    }
    if (x < min)
        return false;
    *out = x;
    return true;
}

static void bad_int(rp *p, const node *v, const char *what, long max)
{
    char q[KZ_QUOTE_BUF];
    if (v->type == N_BAD)
        return;
    if (v->type == N_SCALAR && v->null)
        rp_err(p, v->line, "'%s' has no value: give an integer from 1 to %ld", what, max);
    else if (v->type == N_SCALAR)
        rp_err(p, v->line, "%s must be an integer from 1 to %ld, not '%s'", what, max,
               kz_quote(q, v->s, v->len));
    else
        rp_err(p, v->line, "%s must be an integer from 1 to %ld, not %s", what, max, kind_name(v));
}

/* A string value: false (reported) when v is not a non-empty scalar. */
static bool want_string(rp *p, const node *v, const char *key)
{
    if (v->type == N_BAD)
        return false;
    if (v->type != N_SCALAR) {
        rp_err(p, v->line, "'%s' must be a string, not %s", key, kind_name(v));
        return false;
    }
    if (v->null) {
        rp_err(p, v->line, "'%s' has no value", key);
        return false;
    }
    return true;
}

static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > RULES_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

static bool catname_ok(const char *s, size_t n)
{
    if (n == 0 || n > RULES_MAX_CATNAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool is_space_cp(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200b) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000 || c == 0xfeff;
}

enum pkind { P_PHRASE, P_UNLESS, P_REGEX };
static const char *const pkind_noun[] = { "phrase", "unless phrase", "regex" };

/*
 * Check one phrase, unless phrase or regex; on success *out is the text to
 * keep (a phrase trimmed, a regex as written).  0, or -1 (reported).
 */
static int check_text(rp *p, const node *v, enum pkind kind, char **out)
{
    const char *noun = pkind_noun[kind];
    *out = NULL;
    if (v->type == N_BAD)
        return -1;
    if (v->type != N_SCALAR) {
        rp_err(p, v->line, "a %s must be a string, not %s", noun, kind_name(v));
        return -1;
    }
    const char *s = v->s;
    size_t n = v->len, i = 0, start = SIZE_MAX, end = 0;
    uint32_t cp;
    if (v->null) {
        rp_err(p, v->line, "empty %s", noun);
        return -1;
    }
    /* one pass: UTF-8, control characters, where the text starts and ends */
    while (i < n) {
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0) {
            rp_err(p, v->line, "invalid UTF-8 in %s", noun);
            return -1;
        }
        if (cp == 0 || (kind != P_REGEX && ((cp < 0x20 && !is_space_cp(cp)) || cp == 0x7f))) {
            rp_err(p, v->line, "control character U+%04X in %s", (unsigned)cp, noun);
            return -1;
        }
        if (!is_space_cp(cp)) {
            if (start == SIZE_MAX)
                start = i;
            end = i + k;
        }
        i += k;
    }
    if (start == SIZE_MAX) {
        rp_err(p, v->line, "empty %s", noun);
        return -1;
    }
    if (kind == P_REGEX) {
        if (n > RULES_MAX_REGEX) {
            rp_err(p, v->line, "regex is longer than %u bytes (%zu)", RULES_MAX_REGEX, n);
            return -1;
        }
        start = 0;
        end = n;
    } else {
        if (end - start > RULES_MAX_PHRASE) {
            rp_err(p, v->line, "%s is longer than %u bytes (%zu)", noun, RULES_MAX_PHRASE,
                   end - start);
            return -1;
        }
        const char *star = memchr(s + start, '*', end - start);
        if (star && star != s + end - 1) {
            rp_err(p, v->line, "'*' is allowed only at the end of a phrase");
            return -1;
        }
        if (star) {
            /* the character before the '*' must be part of a word */
            size_t b = (size_t)(star - s);
            bool stem = b > start;
            if (stem) {
                do
                    b--;
                while (b > start && ((unsigned char)s[b] & 0xC0) == 0x80);
                stem = kz_utf8_decode((const unsigned char *)s + b, (size_t)(star - s) - b, &cp) &&
                       !is_space_cp(cp);
            }
            if (!stem) {
                rp_err(p, v->line, "'*' must follow the stem of a word, as in 'нарко*'");
                return -1;
            }
        }
    }
    *out = kz_strndup(s + start, end - start);
    if (!*out) {
        rp_oom(p);
        return -1;
    }
    return 0;
}

/* phrases:, regex: or unless: -> an array of patterns (NULL, 0 on problems) */
static void get_patterns(rp *p, const node *v, const char *key, enum pkind kind,
                         kz_pattern **arr, size_t *narr)
{
    const node *const *items = &v;
    size_t n = 1, bad = 0;
    kz_pattern *a = NULL;

    if (v->type == N_BAD)
        return;
    if (v->type == N_MAP) {
        rp_err(p, v->line, "'%s' must be a list of strings, not a mapping", key);
        return;
    }
    if (v->type == N_SCALAR && v->null) {
        rp_err(p, v->line, "'%s' has no value", key);
        return;
    }
    if (v->type == N_SEQ) {
        if (v->nkid + v->dropped == 0) {
            rp_err(p, v->line, "'%s' is an empty list", key);
            return;
        }
        if (v->nkid + v->dropped > RULES_MAX_ITEMS) {
            rp_err(p, v->line, "'%s' has %zu items; at most %u are allowed", key,
                   v->nkid + v->dropped, RULES_MAX_ITEMS);
            return;
        }
        items = (const node *const *)v->kid;
        n = v->nkid;
    }
    a = kz_calloc(n, sizeof *a);
    if (!a) {
        rp_oom(p);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (check_text(p, items[i], kind, &a[i].text) < 0)
            bad++;
        a[i].line = items[i]->line;
        if (p->oom)
            break;
    }
    if (bad || p->oom || n != (v->type == N_SEQ ? v->nkid + v->dropped : 1)) {
        for (size_t i = 0; i < n; i++)
            free(a[i].text);
        free(a);
        return;
    }
    *arr = a;
    *narr = n;
}

/* ---- categories ------------------------------------------------------------ */

/* The index of category name in rs->cats, adding it (undeclared, default
 * threshold) when new; -1 when out of memory. */
static long cat_index(rp *p, const char *name, size_t n)
{
    smap_ent *e = smap_get(&p->cats, name, n);
    if (e)
        return (long)e->val;
    kz_ruleset *rs = p->rs;
    if (rs->ncats == p->capcats) {
        size_t cap = p->capcats ? p->capcats * 2 : 8;
        kz_category *c = kz_realloc(rs->cats, cap * sizeof *c);
        if (!c)
            goto oom;
        rs->cats = c;
        p->capcats = cap;
    }
    char *copy = kz_strndup(name, n);
    if (!copy)
        goto oom;
    if (!smap_add(&p->cats, name, n, 0, rs->ncats)) {
        free(copy);
        goto oom;
    }
    rs->cats[rs->ncats] = (kz_category){ copy, RULES_THRESHOLD, 0 };
    return (long)rs->ncats++;
oom:
    rp_oom(p);
    return -1;
}

/* One entry of categories: (name at line: value v). */
static void check_category(rp *p, const char *name, size_t nlen, unsigned line, const node *v)
{
    char q[KZ_QUOTE_BUF];
    long threshold = RULES_THRESHOLD;
    bool ok = catname_ok(name, nlen);
    if (!ok)
        rp_err(p, line, "category '%s' is not valid: use 1 to %u characters from a-z 0-9 _ -",
               kz_quote(q, name, nlen), RULES_MAX_CATNAME);
    if (v->type == N_SCALAR && !v->null) {
        if (!parse_int(v, 1, RULES_MAX_THRESHOLD, &threshold)) {
            bad_int(p, v, "threshold", RULES_MAX_THRESHOLD);
            ok = false;
        }
    } else if (v->type == N_SEQ) {
        rp_err(p, v->line, "category '%s' must be a mapping such as { threshold: 60 }, not a list",
               kz_quote(q, name, nlen));
        ok = false;
    } else if (v->type == N_MAP) {
        unsigned tline = 0, dline = 0;
        for (size_t i = 0; i + 1 < v->nkid; i += 2) {
            const node *k = v->kid[i], *val = v->kid[i + 1];
            unsigned *seen = key_is(k, "threshold") ? &tline : key_is(k, "description") ? &dline : NULL;
            if (k->type == N_BAD) {
                ok = false;
            } else if (k->type != N_SCALAR) {
                rp_err(p, k->line, "a key must be a string, not %s", kind_name(k));
                ok = false;
            } else if (!seen) {
                rp_err(p, k->line, "unknown key '%s' in category (expected 'threshold' or 'description')",
                       kz_quote(q, k->s, k->len));
                ok = false;
            } else if (*seen) {
                rp_err(p, k->line, "duplicate key '%s' (first at line %u)", k->s, *seen);
                ok = false;
            } else {
                *seen = k->line;
                if (seen == &tline && !parse_int(val, 1, RULES_MAX_THRESHOLD, &threshold)) {
                    bad_int(p, val, "threshold", RULES_MAX_THRESHOLD);
                    ok = false;
                } else if (seen == &dline && !want_string(p, val, "description")) {
                    ok = false;
                }
            }
        }
    } else if (v->type == N_BAD) {
        ok = false;
    }
    if (!catname_ok(name, nlen))
        return;
    long i = cat_index(p, name, nlen);
    if (i < 0)
        return;
    kz_category *c = &p->rs->cats[i];
    if (c->line) {
        rp_err(p, line, "duplicate category '%s' (first at line %u)", c->name, c->line);
        return;
    }
    c->line = line;
    if (ok)
        c->threshold = (int)threshold;
}

/* ---- rules ----------------------------------------------------------------- */

enum { K_ID, K_CATEGORY, K_WEIGHT, K_PHRASES, K_REGEX, K_UNLESS, K_DESCRIPTION, K_LANG,
       K_RAWREGEX, K_N };

static int rule_key(const node *k)
{
    static const char *const names[] = { "id", "category", "weight", "phrases", "regex",
                                         "unless", "description", "lang", "raw_regex" };
    if (key_is(k, "regexes"))
        return K_REGEX;
    if (key_is(k, "raw_regexes"))
        return K_RAWREGEX;
    for (int i = 0; i < K_N; i++)
        if (key_is(k, names[i]))
            return i;
    return -1;
}

static void rule_release(kz_rule *r)
{
    free(r->id);
    free(r->category);
    for (size_t i = 0; i < r->nphrases; i++)
        free(r->phrases[i].text);
    for (size_t i = 0; i < r->nregexes; i++)
        free(r->regexes[i].text);
    for (size_t i = 0; i < r->nraw_regexes; i++)
        free(r->raw_regexes[i].text);
    free(r->raw_regexes);
    for (size_t i = 0; i < r->nunless; i++)
        free(r->unless[i].text);
    free(r->phrases);
    free(r->regexes);
    free(r->unless);
    memset(r, 0, sizeof *r);
}

static void check_rule(rp *p, const node *r)
{
    char q[KZ_QUOTE_BUF], who[RULES_MAX_ID + 32];
    const node *val[K_N] = { 0 }, *key[K_N] = { 0 };
    kz_rule rule = { 0 };

    if (!r || r->type == N_BAD)
        return;
    if (r->type == N_SCALAR && r->null) {
        rp_err(p, r->line, "empty rule: a '-' with nothing after it");
        return;
    }
    if (r->type != N_MAP) {
        rp_err(p, r->line, "a rule must be a mapping with 'id', 'category', 'weight' and "
               "'phrases' or 'regex', not %s", kind_name(r));
        return;
    }
    rule.line = r->line;
    for (size_t i = 0; i + 1 < r->nkid; i += 2) {
        int k = rule_key(r->kid[i]);
        if (k >= 0 && !key[k]) {
            key[k] = r->kid[i];
            val[k] = r->kid[i + 1];
        }
    }
    /* what is missing, named by the id when it is a good one */
    if (val[K_ID] && val[K_ID]->type == N_SCALAR && id_ok(val[K_ID]->s, val[K_ID]->len))
        snprintf(who, sizeof who, "rule '%s'", val[K_ID]->s);
    else
        snprintf(who, sizeof who, "rule at line %u", r->line);
    if (!val[K_ID])
        rp_err(p, r->line, "%s has no 'id'", who);
    if (!val[K_CATEGORY])
        rp_err(p, r->line, "%s has no 'category'", who);
    if (!val[K_WEIGHT])
        rp_err(p, r->line, "%s has no 'weight'", who);
    if (!val[K_PHRASES] && !val[K_REGEX] && !val[K_RAWREGEX])
        rp_err(p, r->line, "%s has no 'phrases' or 'regex'", who);

    for (size_t i = 0; i + 1 < r->nkid && !p->fatal; i += 2) {
        const node *k = r->kid[i], *v = r->kid[i + 1];
        int ki = rule_key(k);
        long w;
        if (k->type == N_BAD)
            continue;
        if (k->type != N_SCALAR) {
            rp_err(p, k->line, "a key must be a string, not %s", kind_name(k));
            continue;
        }
        if (ki < 0) {
            rp_err(p, k->line, "unknown key '%s' (expected id, category, weight, phrases, "
                   "regex, raw_regex, unless, description or lang)", kz_quote(q, k->s, k->len));
            continue;
        }
        if (key[ki] != k) {
            rp_err(p, k->line, "duplicate key '%s' (first at line %u)", k->s, key[ki]->line);
            continue;
        }
        switch (ki) {
        case K_ID:
            if (!want_string(p, v, "id"))
                break;
            if (!id_ok(v->s, v->len)) {
                rp_err(p, v->line, "rule id '%s' is not valid: use 1 to %u characters from "
                       "A-Z a-z 0-9 . _ : -", kz_quote(q, v->s, v->len), RULES_MAX_ID);
                break;
            }
            smap_ent *e = smap_get(&p->ids, v->s, v->len);
            if (e) {
                rp_err(p, v->line, "duplicate rule id '%s' (first at line %u)", v->s, e->line);
                break;
            }
            if (!smap_add(&p->ids, v->s, v->len, v->line, 0) || !(rule.id = kz_strdup(v->s)))
                rp_oom(p);
            break;
        case K_CATEGORY:
            if (!want_string(p, v, "category"))
                break;
            if (!catname_ok(v->s, v->len)) {
                rp_err(p, v->line, "category '%s' is not valid: use 1 to %u characters from "
                       "a-z 0-9 _ -", kz_quote(q, v->s, v->len), RULES_MAX_CATNAME);
                break;
            }
            if (cat_index(p, v->s, v->len) < 0 || !(rule.category = kz_strdup(v->s)))
                rp_oom(p);
            break;
        case K_WEIGHT:
            if (parse_int(v, 1, RULES_MAX_WEIGHT, &w))
                rule.weight = (int)w;
            else
                bad_int(p, v, "weight", RULES_MAX_WEIGHT);
            break;
        case K_PHRASES:
            get_patterns(p, v, "phrases", P_PHRASE, &rule.phrases, &rule.nphrases);
            break;
        case K_REGEX:
            get_patterns(p, v, k->s, P_REGEX, &rule.regexes, &rule.nregexes);
            break;
        case K_UNLESS:
            get_patterns(p, v, "unless", P_UNLESS, &rule.unless, &rule.nunless);
            break;
        case K_RAWREGEX:
            get_patterns(p, v, k->s, P_REGEX, &rule.raw_regexes, &rule.nraw_regexes);
            break;
        case K_DESCRIPTION:
            if (v->type != N_BAD && v->type != N_SCALAR)
                rp_err(p, v->line, "'description' must be a string, not %s", kind_name(v));
            break;
        default:  /* lang: informational, anything goes */
            break;
        }
    }
    if (p->budget_hit)
        rp_err(p, r->line, "rule is too large (more than %u YAML values)", RULES_MAX_NODES);
    size_t before = p->nregexes;
    p->nregexes += rule.nregexes + rule.nraw_regexes;
    if (before <= RULES_MAX_REGEXES && p->nregexes > RULES_MAX_REGEXES)
        rp_err(p, r->line, "this rule brings the file to %zu regexes (regex and raw_regex "
               "together), over the limit of %u: each costs about 10 ms and 100 KB to "
               "compile; use phrases, or fewer and wider regexes", p->nregexes,
               RULES_MAX_REGEXES);
    if (p->nerr == 0 && !p->fatal) {      /* keep it: nothing is wrong so far */
        kz_ruleset *rs = p->rs;
        if (rs->nrules == p->caprules) {
            size_t cap = p->caprules ? p->caprules * 2 : 16;
            kz_rule *a = kz_realloc(rs->rules, cap * sizeof *a);
            if (!a) {
                rp_oom(p);
                goto out;
            }
            rs->rules = a;
            p->caprules = cap;
        }
        rs->rules[rs->nrules++] = rule;
        memset(&rule, 0, sizeof rule);
    }
out:
    rule_release(&rule);
}

/* ---- the document ---------------------------------------------------------- */

/*
 * The value of rules: (its first event is ev).  Each rule is checked only
 * once the event after it has been read, so a rule cut short by a YAML
 * syntax error is not also reported as missing its other keys.
 */
static void parse_rules(rp *p, const yaml_event_t *ev, unsigned keyline)
{
    size_t count = 0;
    node *pending = NULL;
    if (ev->type == YAML_SCALAR_EVENT && scalar_is_null(ev)) {
        rp_err(p, keyline, "'rules' has no value: a rule file needs at least one rule");
        return;
    }
    if (ev->type != YAML_SEQUENCE_START_EVENT) {
        if (ev->type != YAML_ALIAS_EVENT)
            rp_err(p, ev_line(ev), "'rules' must be a list of rules, not %s",
                   ev->type == YAML_MAPPING_START_EVENT ? "a mapping" : "a string");
        (void)skip(p, ev, 2);
        return;
    }
    for (;;) {
        yaml_event_t c;
        int rc;
        if (rp_next(p, &c) < 0)
            goto out;
        if (pending) {
            check_rule(p, pending);
            node_free(pending);
            pending = NULL;
        }
        if (c.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&c);
            break;
        }
        if (p->nrules_seen >= RULES_MAX_RULES) {
            if (p->nrules_seen == RULES_MAX_RULES)
                rp_err(p, ev_line(&c), "more than %u rules", RULES_MAX_RULES);
            rc = skip(p, &c, 3);
        } else {
            p->budget = RULES_MAX_NODES;
            p->budget_hit = false;
            rc = take(p, &c, 3, &pending);
        }
        yaml_event_delete(&c);
        p->nrules_seen++;
        count++;
        if (rc < 0)
            goto out;
    }
    if (count == 0)
        rp_err(p, ev_line(ev), "'rules' is an empty list: a rule file needs at least one rule");
out:
    node_free(pending);
}

/* The value of categories: (its first event is ev). */
static void parse_categories(rp *p, const yaml_event_t *ev)
{
    if (ev->type == YAML_SCALAR_EVENT && scalar_is_null(ev))
        return;                                   /* "categories:" alone: none declared */
    if (ev->type != YAML_MAPPING_START_EVENT) {
        if (ev->type != YAML_ALIAS_EVENT)
            rp_err(p, ev_line(ev), "'categories' must be a mapping of category names to "
                   "{ threshold: N }, not %s",
                   ev->type == YAML_SEQUENCE_START_EVENT ? "a list" : "a string");
        (void)skip(p, ev, 2);
        return;
    }
    for (;;) {
        yaml_event_t k, v;
        node *val = NULL;
        char *name = NULL;
        size_t nlen = 0;
        unsigned kline;
        int rc;
        if (rp_next(p, &k) < 0)
            return;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            return;
        }
        kline = ev_line(&k);
        if (k.type == YAML_SCALAR_EVENT) {
            nlen = k.data.scalar.length;
            name = kz_strndup((const char *)k.data.scalar.value, nlen);
            if (!name)
                rp_oom(p);
            rc = p->oom ? -1 : 0;
        } else {
            if (k.type != YAML_ALIAS_EVENT)
                rp_err(p, kline, "a category name must be a string");
            rc = skip(p, &k, 3);
        }
        yaml_event_delete(&k);
        if (rc < 0 || rp_next(p, &v) < 0) {
            free(name);
            return;
        }
        if (name) {
            p->budget = RULES_MAX_CAT_NODES;
            rc = take(p, &v, 3, &val);
            if (rc == 0 && val)
                check_category(p, name, nlen, kline, val);
        } else {
            rc = skip(p, &v, 3);
        }
        node_free(val);
        free(name);
        yaml_event_delete(&v);
        if (rc < 0)
            return;
    }
}

static void check_version(rp *p, const node *v)
{
    char q[KZ_QUOTE_BUF];
    if (v->type == N_BAD)
        return;
    if (!key_is(v, "1"))
        rp_err(p, v->line, "version must be 1, not %s%s%s",
               v->type == N_SCALAR && !v->null ? "'" : "",
               v->type == N_SCALAR && !v->null ? kz_quote(q, v->s, v->len) : kind_name(v),
               v->type == N_SCALAR && !v->null ? "'" : "");
}

/* The top-level mapping (its start event is ev). */
static void parse_top(rp *p, const yaml_event_t *ev)
{
    unsigned rules_line = 0, cats_line = 0, version_line = 0;
    char q[KZ_QUOTE_BUF];
    for (;;) {
        yaml_event_t k, v;
        unsigned *seen = NULL, kline;
        int rc = 0;
        if (rp_next(p, &k) < 0)
            return;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            break;
        }
        kline = ev_line(&k);
        if (k.type != YAML_SCALAR_EVENT) {
            if (k.type != YAML_ALIAS_EVENT)
                rp_err(p, kline, "a key must be a string, not %s",
                       k.type == YAML_MAPPING_START_EVENT ? "a mapping" : "a list");
            rc = skip(p, &k, 2);
        } else {
            const char *s = (const char *)k.data.scalar.value;
            size_t n = k.data.scalar.length;
            if (n == 5 && !memcmp(s, "rules", 5))
                seen = &rules_line;
            else if (n == 10 && !memcmp(s, "categories", 10))
                seen = &cats_line;
            else if (n == 7 && !memcmp(s, "version", 7))
                seen = &version_line;
            else
                rp_err(p, kline, "unknown key '%s' (expected rules, categories or version)",
                       kz_quote(q, s, n));
            if (seen && *seen) {
                rp_err(p, kline, "duplicate key '%s' (first at line %u)", s, *seen);
                seen = NULL;
            } else if (seen) {
                *seen = kline;
            }
        }
        yaml_event_delete(&k);
        if (rc < 0 || rp_next(p, &v) < 0)
            return;
        if (seen == &rules_line) {
            parse_rules(p, &v, kline);
        } else if (seen == &cats_line) {
            parse_categories(p, &v);
        } else if (seen == &version_line) {
            node *n = NULL;
            p->budget = RULES_MAX_CAT_NODES;
            if (take(p, &v, 2, &n) == 0 && n)
                check_version(p, n);
            node_free(n);
        } else {
            (void)skip(p, &v, 2);
        }
        yaml_event_delete(&v);
        if (p->fatal)
            return;
    }
    if (!rules_line)
        rp_err(p, ev_line(ev), "no 'rules' list: a rule file needs at least one rule");
}

static void parse_stream(rp *p)
{
    bool root = false;
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (rp_next(p, &ev) < 0)
            return;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            if (!root)
                rp_err(p, 1, "the file is empty: a rule file needs a 'rules' list");
            return;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                rp_err(p, ev_line(&ev), "a rule file holds one YAML document; this '---' starts a second");
                yaml_event_delete(&ev);
                return;
            }
            break;
        case YAML_MAPPING_START_EVENT:
            root = true;
            parse_top(p, &ev);
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_ALIAS_EVENT:
            root = true;
            if (ev.type == YAML_SCALAR_EVENT && scalar_is_null(&ev))
                rp_err(p, ev_line(&ev), "the file is empty: a rule file needs a 'rules' list");
            else if (ev.type != YAML_ALIAS_EVENT)
                rp_err(p, ev_line(&ev), "the top level must be a mapping with 'rules' "
                       "(and optional 'categories'), not %s",
                       ev.type == YAML_SCALAR_EVENT ? "a string" : "a list");
            (void)skip(p, &ev, 1);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
}

/* ---- public API ------------------------------------------------------------ */

int kz_rules_parse(const char *data, size_t n, const char *name, kz_ruleset **out, kz_buf *errs)
{
    rp p;
    int rc = KZ_EBADRULE;
    bool yp_init = false;

    memset(&p, 0, sizeof p);
    if (!out)
        return KZ_EINVAL;
    *out = NULL;
    if (!data && n)
        return KZ_EINVAL;
    p.name = name ? name : "rules";
    p.data = data ? data : "";
    p.n = data ? n : 0;
    p.errs = errs;
    if (n > KZ_RULES_MAX_FILE) {
        rp_err(&p, 1, "the file is larger than %u MiB (%zu bytes)", KZ_RULES_MAX_FILE >> 20, n);
        goto out;
    }
    p.rs = kz_calloc(1, sizeof *p.rs);
    if (!p.rs || !(p.rs->source = kz_strdup(p.name)) || !yaml_parser_initialize(&p.yp)) {
        rp_oom(&p);
        goto out;
    }
    yp_init = true;
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.data, p.n);
    yaml_parser_set_encoding(&p.yp, YAML_UTF8_ENCODING);
    parse_stream(&p);
    if (!p.oom && !p.nerr && p.rs->nrules == 0)     /* cannot happen; be sure */
        rp_err(&p, 1, "no rules");
out:
    if (p.oom) {
        rc = KZ_ENOMEM;
    } else if (p.nerr == 0) {
        rc = 0;
        kz_sha256_hex(p.data, p.n, p.rs->sha256);
        snprintf(p.rs->version, sizeof p.rs->version, "file:%s", p.rs->sha256);
        *out = p.rs;
        p.rs = NULL;
    }
    if (yp_init)
        yaml_parser_delete(&p.yp);
    smap_release(&p.ids);
    smap_release(&p.cats);
    kz_ruleset_free(&p.rs);
    return rc;
}

static int load_too_big(const char *path, kz_buf *errs)
{
    if (errs)
        (void)kz_buf_addf(errs, "%s: the file is larger than %u MiB\n", path,
                          KZ_RULES_MAX_FILE >> 20);
    return KZ_ETOOBIG;
}

int kz_rules_load(const char *path, kz_ruleset **out, kz_buf *errs)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    int rc = KZ_EIO;

    if (!out || !path)
        return KZ_EINVAL;
    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        if (errs)
            (void)kz_buf_addf(errs, "%s: cannot open: %s\n", path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size > KZ_RULES_MAX_FILE) {
        rc = load_too_big(path, errs);
        goto out;
    }
    for (;;) {                 /* read at most KZ_RULES_MAX_FILE + 1 bytes */
        if (len == cap) {
            if (cap > KZ_RULES_MAX_FILE) {
                rc = load_too_big(path, errs);
                goto out;
            }
            size_t ncap = KZ_MIN(cap ? cap * 2 : (size_t)65536, (size_t)KZ_RULES_MAX_FILE + 1);
            char *nb = kz_realloc(buf, ncap);
            if (!nb) {
                rc = KZ_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        if (errs)
            (void)kz_buf_addf(errs, "%s: cannot read: %s\n", path, strerror(errno));
        goto out;
    }
    rc = kz_rules_parse(buf ? buf : "", len, path, out, errs);
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

void kz_ruleset_free(kz_ruleset **rsp)
{
    kz_ruleset *rs = rsp ? *rsp : NULL;
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        rule_release(&rs->rules[i]);
    for (size_t i = 0; i < rs->ncats; i++)
        free(rs->cats[i].name);
    free(rs->rules);
    free(rs->cats);
    free(rs->source);
    free(rs);
    *rsp = NULL;
}

const kz_category *kz_ruleset_category(const kz_ruleset *rs, const char *name)
{
    if (!rs || !name)
        return NULL;
    for (size_t i = 0; i < rs->ncats; i++)
        if (strcmp(rs->cats[i].name, name) == 0)
            return &rs->cats[i];
    return NULL;
}
