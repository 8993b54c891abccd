/*
 * ingest/robots.c - robots.txt parser and URL matcher (RFC 9309).
 *
 * kz_robots_parse() reads the body once into groups (agent tokens and
 * rules, patterns already in comparison form) kept in flat arrays, with all
 * bytes in one buffer addressed by offsets.  Deciding a URL walks every
 * group, so merging groups for the same agent needs no extra work; a query
 * costs O(rules x path) and allocates only the normalized path.
 *
 * The decision procedure follows Google's reference matcher (see the
 * header); where it and RFC 9309 disagree, the RFC wins and docs/robots.md
 * lists the differences.
 */
#include "ingest/robots.h"

struct rb_agent { uint32_t off, len; };          /* a product token */
struct rb_rule  { uint32_t off, len, line; uint8_t allow; int32_t index_slash; };
struct rb_group {
    uint32_t agent0, nagents;                    /* into agents[] */
    uint32_t rule0, nrules;                      /* into rules[] */
    double delay;                                /* < 0: no crawl-delay */
    bool global;                                 /* has a "*" user-agent */
};
struct rb_sitemap { uint32_t off, len; };

struct kz_robots {
    kz_buf text;                                 /* tokens, patterns, sitemaps */
    struct rb_group *groups;   size_t ngroups, capgroups;
    struct rb_agent *agents;   size_t nagents, capagents;
    struct rb_rule *rules;     size_t nrules, caprules;
    struct rb_sitemap *maps;   size_t nmaps, capmaps;
};

enum key { K_NONE, K_AGENT, K_ALLOW, K_DISALLOW, K_SITEMAP, K_DELAY, K_OTHER };

/* ------------------------------------------------------------------ */
/* small helpers */

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = kz_realloc(*p, nc * size);
    if (!q)
        return KZ_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

static bool is_ws(unsigned char c)           /* absl::ascii_isspace */
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool eq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return false;
    return true;
}

static bool prefix_ci(const char *s, size_t n, const char *p)
{
    size_t pn = strlen(p);
    return n >= pn && eq_ci(s, p, pn);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static bool is_unreserved(unsigned char c)   /* RFC 3986 2.3 */
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * Append s[0..n) in comparison form: escapes of unreserved characters
 * decoded, other escapes with uppercase hex, bytes >= 0x80, controls,
 * space and a '%' that starts no escape escaped.  '*' and '$' are never
 * produced by decoding.  The form is a fixed point: encoding it again
 * changes nothing.
 */
static int add_encoded(kz_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = kz_buf_grow(b, n * 3);
    if (rc)
        return rc;
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int h1, h2;
        if (c == '%' && i + 2 < n && (h1 = hexval((unsigned char)s[i + 1])) >= 0 &&
            (h2 = hexval((unsigned char)s[i + 2])) >= 0) {
            unsigned char v = (unsigned char)(h1 * 16 + h2);
            if (is_unreserved(v)) {
                *o++ = (char)v;
            } else {
                *o++ = '%';
                *o++ = hex[h1];
                *o++ = hex[h2];
            }
            i += 2;
        } else if (c >= 0x80 || c <= 0x20 || c == 0x7f || c == '%') {
            /* A '%' that starts no escape is written %25, so that decoding
             * cannot make a new escape ("%%355" -> "%255", not "%55"). */
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
    return 0;
}

/* ------------------------------------------------------------------ */
/* parsing */

struct pstate {
    kz_robots *r;
    bool in_group;       /* a user-agent line has been seen */
    bool group_rules;    /* the current group has a rule: next agent opens a group */
};

/* Store s[0..n) NUL-terminated in r->text; its offset in *off. */
static int store(kz_robots *r, const char *s, size_t n, uint32_t *off)
{
    *off = (uint32_t)r->text.len;
    int rc = kz_buf_add(&r->text, s, n);
    if (!rc)
        rc = kz_buf_addc(&r->text, '\0');
    return rc;
}

static enum key key_type(const char *k, size_t n)
{
    /* Order and spellings as in Google's parser; matched as prefixes. */
    if (prefix_ci(k, n, "user-agent") || prefix_ci(k, n, "useragent") ||
        prefix_ci(k, n, "user agent"))
        return K_AGENT;
    if (prefix_ci(k, n, "allow"))
        return K_ALLOW;
    if (prefix_ci(k, n, "disallow") || prefix_ci(k, n, "dissallow") ||
        prefix_ci(k, n, "dissalow") || prefix_ci(k, n, "disalow") ||
        prefix_ci(k, n, "diasllow") || prefix_ci(k, n, "disallaw"))
        return K_DISALLOW;
    if (prefix_ci(k, n, "sitemap") || prefix_ci(k, n, "site-map"))
        return K_SITEMAP;
    static const char *const delays[] = { "crawl-delay", "crawl_delay", "crawldelay", "crawl delay" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(delays); i++)
        if (n == strlen(delays[i]) && eq_ci(k, delays[i], n))
            return K_DELAY;
    return K_OTHER;
}

/* "10", "0.5", ".5", "3." -> seconds; -1 when not such a number. */
static double parse_delay(const char *s, size_t n)
{
    double v = 0, scale = 1;
    size_t i = 0, ndig = 0, nint = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (s[i++] - '0');
        ndig++;
        if (++nint > 9)
            return -1;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            scale /= 10;
            v += (s[i++] - '0') * scale;
            ndig++;
        }
    }
    return (ndig && i == n) ? v : -1;
}

static int on_agent(struct pstate *st, const char *v, size_t n)
{
    kz_robots *r = st->r;
    int rc;
    if (!st->in_group || st->group_rules) {
        if ((rc = grow((void **)&r->groups, &r->capgroups, r->ngroups, sizeof *r->groups)))
            return rc;
        struct rb_group *g = &r->groups[r->ngroups++];
        memset(g, 0, sizeof *g);
        g->agent0 = (uint32_t)r->nagents;
        g->rule0 = (uint32_t)r->nrules;
        g->delay = -1;
        st->in_group = true;
        st->group_rules = false;
    }
    struct rb_group *g = &r->groups[r->ngroups - 1];
    /* Google: "*" alone or followed by whitespace is the global agent. */
    if (n >= 1 && v[0] == '*' && (n == 1 || is_ws((unsigned char)v[1]))) {
        g->global = true;
        return 0;
    }
    size_t tn = 0;
    while (tn < n && is_token_char((unsigned char)v[tn]))
        tn++;
    if (tn == 0)
        return 0;                 /* can never match a usable agent */
    if ((rc = grow((void **)&r->agents, &r->capagents, r->nagents, sizeof *r->agents)))
        return rc;
    struct rb_agent *a = &r->agents[r->nagents];
    if ((rc = store(r, v, tn, &a->off)))
        return rc;
    a->len = (uint32_t)tn;
    r->nagents++;
    g->nagents++;
    return 0;
}

static int on_rule(struct pstate *st, bool allow, const char *v, size_t n, unsigned line)
{
    kz_robots *r = st->r;
    int rc;
    if (!st->in_group)
        return 0;                 /* rules outside groups are ignored */
    if ((rc = grow((void **)&r->rules, &r->caprules, r->nrules, sizeof *r->rules)))
        return rc;
    struct rb_rule *ru = &r->rules[r->nrules];
    ru->off = (uint32_t)r->text.len;
    if ((rc = add_encoded(&r->text, v, n)) || (rc = kz_buf_addc(&r->text, '\0')))
        return rc;
    ru->len = (uint32_t)(r->text.len - 1 - ru->off);
    ru->line = line;
    ru->allow = allow;
    ru->index_slash = -1;
    if (allow) {
        /* Google: "allow: /dir/index.htm..." also allows "/dir/". */
        const char *p = r->text.p + ru->off;
        const char *slash = NULL;
        for (size_t i = ru->len; i-- > 0;)
            if (p[i] == '/') {
                slash = p + i;
                break;
            }
        if (slash && (size_t)(p + ru->len - slash) >= 10 && !memcmp(slash, "/index.htm", 10))
            ru->index_slash = (int32_t)(slash - p);
    }
    r->nrules++;
    r->groups[r->ngroups - 1].nrules++;
    st->group_rules = true;
    return 0;
}

static int on_sitemap(kz_robots *r, const char *v, size_t n)
{
    if (n == 0)
        return 0;
    int rc = grow((void **)&r->maps, &r->capmaps, r->nmaps, sizeof *r->maps);
    if (rc)
        return rc;
    struct rb_sitemap *m = &r->maps[r->nmaps];
    if ((rc = store(r, v, n, &m->off)))
        return rc;
    m->len = (uint32_t)n;
    r->nmaps++;
    return 0;
}

/* One line (no line ending), as Google's parser reads it. */
static int parse_line(struct pstate *st, const char *s, size_t n, unsigned line)
{
    if (n > KZ_ROBOTS_MAX_LINE)
        n = KZ_ROBOTS_MAX_LINE;
    const char *cut = memchr(s, '\0', n);
    if (cut)
        n = (size_t)(cut - s);
    if ((cut = memchr(s, '#', n)) != NULL)
        n = (size_t)(cut - s);
    const char *b = s, *e = s + n;
    while (b < e && is_ws((unsigned char)*b)) b++;
    while (e > b && is_ws((unsigned char)e[-1])) e--;
    if (b == e)
        return 0;

    const char *sep = memchr(b, ':', (size_t)(e - b));
    if (!sep) {
        /* Google: "disallow /x" - whitespace stands for the colon when the
         * line is exactly two words. */
        for (const char *p = b; p < e; p++)
            if (*p == ' ' || *p == '\t') {
                sep = p;
                break;
            }
        if (!sep)
            return 0;
        const char *v = sep;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        for (const char *p = v; p < e; p++)
            if (*p == ' ' || *p == '\t')
                return 0;
    }
    const char *ke = sep;
    while (ke > b && is_ws((unsigned char)ke[-1])) ke--;
    if (ke == b)
        return 0;
    const char *v = sep + 1;
    while (v < e && is_ws((unsigned char)*v)) v++;
    size_t vn = (size_t)(e - v);

    switch (key_type(b, (size_t)(ke - b))) {
    case K_AGENT:    return on_agent(st, v, vn);
    case K_ALLOW:    return on_rule(st, true, v, vn, line);
    case K_DISALLOW: return on_rule(st, false, v, vn, line);
    case K_SITEMAP:  return on_sitemap(st->r, v, vn);
    case K_DELAY:
        if (st->in_group) {
            double d = parse_delay(v, vn);
            struct rb_group *g = &st->r->groups[st->r->ngroups - 1];
            if (d >= 0 && d > g->delay)
                g->delay = d;
        }
        return 0;
    default:
        return 0;
    }
}

struct map_ref { const char *s; size_t len, idx; };

static int cmp_map(const void *a, const void *b)
{
    const struct map_ref *x = a, *y = b;
    size_t n = KZ_MIN(x->len, y->len);
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Leave out repeated sitemap URLs, keeping the first of each. */
static int dedupe_sitemaps(kz_robots *r)
{
    if (r->nmaps < 2)
        return 0;
    struct map_ref *v = kz_calloc(r->nmaps, sizeof *v);
    bool *dup = kz_calloc(r->nmaps, sizeof *dup);
    int rc = KZ_ENOMEM;
    if (!v || !dup)
        goto out;
    for (size_t i = 0; i < r->nmaps; i++)
        v[i] = (struct map_ref){ r->text.p + r->maps[i].off, r->maps[i].len, i };
    qsort(v, r->nmaps, sizeof *v, cmp_map);
    for (size_t i = 1; i < r->nmaps; i++)
        if (v[i].len == v[i - 1].len && !memcmp(v[i].s, v[i - 1].s, v[i].len))
            dup[v[i].idx] = true;
    size_t k = 0;
    for (size_t i = 0; i < r->nmaps; i++)
        if (!dup[i])
            r->maps[k++] = r->maps[i];
    r->nmaps = k;
    rc = 0;
out:
    free(v);
    free(dup);
    return rc;
}

int kz_robots_parse(kz_robots **out, const char *body, size_t n)
{
    static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
    kz_robots *r = NULL;
    int rc = KZ_EINVAL;
    if (out)
        *out = NULL;
    if (!out || (!body && n))
        goto out;
    if (!body)
        body = "";
    rc = KZ_ENOMEM;
    if (!(r = kz_calloc(1, sizeof *r)))
        goto out;
    /* Patterns grow at most 3x when escaped; the limit is never reached. */
    kz_buf_init(&r->text, 4 * (size_t)KZ_ROBOTS_MAX_BODY + 64);

    size_t end = n;
    if (n > KZ_ROBOTS_MAX_BODY) {
        end = KZ_ROBOTS_MAX_BODY;
        /* A line cut by the limit may mean something else: drop it. */
        if (body[end] != '\n' && body[end] != '\r')
            while (end > 0 && body[end - 1] != '\n' && body[end - 1] != '\r')
                end--;
    }
    size_t i = 0;
    while (i < sizeof bom && i < end && (unsigned char)body[i] == bom[i])
        i++;

    struct pstate st = { .r = r };
    unsigned line = 0;
    bool last_cr = false;
    size_t start = i;
    for (; i <= end; i++) {
        if (i < end && body[i] != '\n' && body[i] != '\r')
            continue;
        /* The LF of a CRLF ends no line of its own. */
        bool crlf = i < end && i == start && last_cr && body[i] == '\n';
        if (!crlf && (rc = parse_line(&st, body + start, i - start, ++line)) < 0)
            goto out;
        if (i < end)
            last_cr = body[i] == '\r';
        start = i + 1;
    }
    if ((rc = dedupe_sitemaps(r)) < 0)
        goto out;
    *out = r;
    r = NULL;
    rc = 0;
out:
    kz_robots_free(&r);
    return rc;
}

void kz_robots_free(kz_robots **rp)
{
    if (!rp || !*rp)
        return;
    kz_robots *r = *rp;
    kz_buf_release(&r->text);
    free(r->groups);
    free(r->agents);
    free(r->rules);
    free(r->maps);
    free(r);
    *rp = NULL;
}

/* ------------------------------------------------------------------ */
/* matching */

/*
 * Does pattern p[0..pn) ('*' = any run; '$' special only when anchored,
 * i.e. already removed from the end) match a prefix of s[0..sn), or all of
 * it when anchored?  The literal pieces between stars are found leftmost
 * first, which is optimal for '*'-only patterns; memmem keeps it linear.
 */
static bool pattern_match(const char *p, size_t pn, bool anchored, const char *s, size_t sn)
{
    const char *star = memchr(p, '*', pn);
    if (!star) {
        if (anchored)
            return pn == sn && !memcmp(p, s, pn);
        return pn <= sn && !memcmp(p, s, pn);
    }
    size_t seg = (size_t)(star - p);
    if (seg > sn || memcmp(p, s, seg))
        return false;
    size_t pos = seg, pi = seg + 1;
    for (;;) {
        const char *next = memchr(p + pi, '*', pn - pi);
        size_t segn = (next ? (size_t)(next - p) : pn) - pi;
        if (!next) {
            /* the last piece */
            if (anchored)
                return sn - pos >= segn && !memcmp(s + sn - segn, p + pi, segn);
            return segn == 0 || memmem(s + pos, sn - pos, p + pi, segn) != NULL;
        }
        if (segn) {
            const char *at = memmem(s + pos, sn - pos, p + pi, segn);
            if (!at)
                return false;
            pos = (size_t)(at - s) + segn;
        }
        pi += segn + 1;
    }
}

/* Priority of a rule for path s: the pattern's length when it matches,
 * -1 when it does not. */
static int rule_priority(const kz_robots *r, const struct rb_rule *ru, const char *s, size_t sn)
{
    const char *p = r->text.p + ru->off;
    size_t pn = ru->len;
    bool anchored = pn > 0 && p[pn - 1] == '$';
    if (pattern_match(p, anchored ? pn - 1 : pn, anchored, s, sn))
        return (int)pn;
    if (ru->index_slash >= 0 && pattern_match(p, (size_t)ru->index_slash + 1, true, s, sn))
        return ru->index_slash + 2;         /* as the pattern "/dir/$" */
    return -1;
}

struct best { int prio; unsigned line; };

static void consider(struct best *b, int prio, unsigned line)
{
    if (prio > b->prio) {
        b->prio = prio;
        b->line = line;
    }
}

static int decide(const kz_robots *r, const char *tok, size_t tn,
                  const char *path, size_t pn, unsigned *line)
{
    struct best sa = { -1, 0 }, sd = { -1, 0 }, ga = { -1, 0 }, gd = { -1, 0 };
    bool ever_specific = false;
    if (line)
        *line = 0;
    if (pn == 11 && !memcmp(path, "/robots.txt", 11))
        return 1;                           /* RFC 9309 2.2.2 */
    for (size_t gi = 0; gi < r->ngroups; gi++) {
        const struct rb_group *g = &r->groups[gi];
        bool spec = false;
        for (uint32_t k = 0; k < g->nagents && !spec; k++) {
            const struct rb_agent *a = &r->agents[g->agent0 + k];
            spec = a->len == tn && eq_ci(r->text.p + a->off, tok, tn);
        }
        if (spec)
            ever_specific = true;
        else if (!g->global || ever_specific)
            continue;
        for (uint32_t k = 0; k < g->nrules; k++) {
            const struct rb_rule *ru = &r->rules[g->rule0 + k];
            int prio = rule_priority(r, ru, path, pn);
            if (prio < 0)
                continue;
            if (spec)
                consider(ru->allow ? &sa : &sd, prio, ru->line);
            else
                consider(ru->allow ? &ga : &gd, prio, ru->line);
        }
    }
    struct best *a = &ga, *d = &gd;
    if (ever_specific) {
        a = &sa;
        d = &sd;
    }
    if (a->prio <= 0 && d->prio <= 0)
        return 1;                           /* nothing but empty patterns */
    if (d->prio > a->prio) {
        if (line) *line = d->line;
        return 0;
    }
    if (line) *line = a->line;
    return 1;
}

size_t kz_robots_product_token(const char *agent)
{
    size_t n = 0;
    if (agent)
        while (is_token_char((unsigned char)agent[n]))
            n++;
    return n;
}

int kz_robots_url_path(const char *url, size_t n, kz_buf *out, const char **why)
{
    const char *msg = NULL;
    int rc = KZ_EINVAL;
    if (why)
        *why = NULL;
    if (!out || (!url && n)) {
        msg = "invalid argument";
        goto out;
    }
    while (n > 0 && url[0] == ' ') { url++; n--; }
    while (n > 0 && url[n - 1] == ' ') n--;
    if (n == 0) {
        msg = "empty URL";
        goto out;
    }
    if (n > KZ_ROBOTS_MAX_URL) {
        msg = "URL longer than 65536 bytes";
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f) {
            msg = "control character in URL";
            goto out;
        }
    const char *p = url, *e = url + n;
    if (!(n >= 1 && p[0] == '/' && (n < 2 || p[1] != '/'))) {
        /* scheme "://" authority, "//" authority, or a bare authority */
        if (n >= 2 && p[0] == '/' && p[1] == '/') {
            p += 2;
        } else {
            const char *q = p;
            if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')) {
                while (q < e && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
                                 (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))
                    q++;
                if (e - q >= 3 && !memcmp(q, "://", 3))
                    p = q + 3;
            }
        }
        const char *a = p;
        while (p < e && *p != '/' && *p != '?' && *p != '#')
            p++;
        if (p == a) {
            msg = "no host";
            goto out;
        }
    }
    /* p: the path, query and fragment */
    const char *frag = memchr(p, '#', (size_t)(e - p));
    if (frag)
        e = frag;
    if (p == e || *p != '/')
        if ((rc = kz_buf_addc(out, '/')))
            goto out;
    rc = add_encoded(out, p, (size_t)(e - p));
out:
    if (msg && why)
        *why = msg;
    return rc;
}

static int check_agent(const kz_robots *r, const char *agent, size_t *tn)
{
    if (!r || !agent)
        return KZ_EINVAL;
    *tn = kz_robots_product_token(agent);
    return *tn ? 0 : KZ_EINVAL;
}

int kz_robots_allowed_path(const kz_robots *r, const char *agent,
                           const char *path, size_t n, unsigned *line)
{
    size_t tn;
    int rc = check_agent(r, agent, &tn);
    kz_buf b;
    kz_buf_init(&b, 3 * (size_t)KZ_ROBOTS_MAX_URL + 8);
    if (rc)
        goto out;
    rc = KZ_EINVAL;
    if ((!path && n) || n > KZ_ROBOTS_MAX_URL)
        goto out;
    if ((n == 0 || path[0] != '/') && (rc = kz_buf_addc(&b, '/')))
        goto out;
    if ((rc = add_encoded(&b, path, n)))
        goto out;
    rc = decide(r, agent, tn, b.p, b.len, line);
out:
    kz_buf_release(&b);
    return rc;
}

int kz_robots_allowed(const kz_robots *r, const char *agent,
                      const char *url, size_t n, unsigned *line, const char **why)
{
    size_t tn;
    kz_buf b;
    kz_buf_init(&b, 3 * (size_t)KZ_ROBOTS_MAX_URL + 8);
    const char *w = NULL;
    int rc = check_agent(r, agent, &tn);
    if (rc) {
        w = "agent has no product token (letters, '-' or '_')";
        goto out;
    }
    if ((rc = kz_robots_url_path(url, n, &b, &w)))
        goto out;
    rc = decide(r, agent, tn, b.p, b.len, line);
out:
    if (why)
        *why = rc == KZ_EINVAL ? (w ? w : "invalid argument") : NULL;
    kz_buf_release(&b);
    return rc;
}

int kz_robots_crawl_delay(const kz_robots *r, const char *agent, double *seconds)
{
    size_t tn;
    int rc = check_agent(r, agent, &tn);
    if (rc)
        return rc;
    double spec = -1, glob = -1;
    bool ever_specific = false;
    for (size_t gi = 0; gi < r->ngroups; gi++) {
        const struct rb_group *g = &r->groups[gi];
        bool s = false;
        for (uint32_t k = 0; k < g->nagents && !s; k++) {
            const struct rb_agent *a = &r->agents[g->agent0 + k];
            s = a->len == tn && eq_ci(r->text.p + a->off, agent, tn);
        }
        if (s) {
            ever_specific = true;
            spec = KZ_MAX(spec, g->delay);
        } else if (g->global) {
            glob = KZ_MAX(glob, g->delay);
        }
    }
    double d = ever_specific ? spec : glob;
    if (d < 0)
        return 0;
    if (seconds)
        *seconds = d;
    return 1;
}

size_t kz_robots_sitemap_count(const kz_robots *r)
{
    return r ? r->nmaps : 0;
}

const char *kz_robots_sitemap(const kz_robots *r, size_t i)
{
    return (r && i < r->nmaps) ? r->text.p + r->maps[i].off : NULL;
}
