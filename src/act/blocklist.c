/*
 * act/blocklist.c - the blocklist lookup.
 */
#include "blocklist.h"
#include "util/buf.h"
#include "util/hset.h"

/* an expression: its bytes in the pool, and the decision that listed it */
typedef struct bent {
    uint32_t off, len;
    int64_t  id;
} bent;

struct kz_blocklist {
    kz_hset t;              /* the expression's XXH3 -> index in e */
    bent   *e;              /* in the order added */
    size_t  n, cap;
    char   *pool;
    size_t  npool, cappool;
};

typedef struct bkey { const char *s; size_t n; } bkey;

static int expr_eq(uint64_t v, const void *key, void *ctx)
{
    const kz_blocklist *b = ctx;
    const bkey *k = key;
    const bent *e = &b->e[v];
    return e->len == k->n && memcmp(b->pool + e->off, k->s, k->n) == 0;
}

kz_blocklist *kz_blocklist_new(void)
{
    kz_blocklist *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (kz_hset_init(&b->t, 500)) {
        free(b);
        return NULL;
    }
    return b;
}

void kz_blocklist_free(kz_blocklist *b)
{
    if (!b)
        return;
    kz_hset_release(&b->t);
    free(b->e);
    free(b->pool);
    free(b);
}

size_t kz_blocklist_size(const kz_blocklist *b) { return b->n; }

static const bent *find(const kz_blocklist *b, const char *s, size_t n)
{
    bkey k = { s, n };
    const kz_hslot *sl = kz_hset_find(&b->t, kz_hset_hash(s, n), expr_eq, &k, (void *)b);
    return sl ? &b->e[sl->v] : NULL;
}

int kz_blocklist_add_expr(kz_blocklist *b, const char *expr, size_t n, int64_t id)
{
    if (find(b, expr, n))
        return 0;
    if (n > UINT32_MAX || b->npool + n + 1 > UINT32_MAX ||
        KZ_GROW(b->pool, b->cappool, b->npool + n + 1) || KZ_GROW(b->e, b->cap, b->n + 1))
        return KZ_ENOMEM;
    bkey k = { expr, n };
    int rc = kz_hset_add(&b->t, kz_hset_hash(expr, n), b->n, expr_eq, &k, b, NULL);
    if (rc < 0)
        return rc;
    memcpy(b->pool + b->npool, expr, n);
    b->pool[b->npool + n] = '\0';
    b->e[b->n++] = (bent){ (uint32_t)b->npool, (uint32_t)n, id };
    b->npool += n + 1;
    return 0;
}

int kz_blocklist_each(const kz_blocklist *b, kz_blocklist_each_fn fn, void *arg)
{
    for (size_t i = 0; i < b->n; i++) {
        int rc = fn(arg, b->pool + b->e[i].off, b->e[i].len, b->e[i].id);
        if (rc)
            return rc;
    }
    return 0;
}

static _Thread_local char why_buf[KZ_URL_WHY_MAX];

/* Canonicalize s, which may be a bare host ("example.com") or a URL, as a
 * browser reads it (what a lookup of the same URL meets); one a browser
 * refuses is still listed, in its Safe Browsing form. */
static int parse(kz_url *u, const char *s, size_t n, const char **why)
{
    int rc = kz_url_parse_browser(u, s, n);
    if (rc == KZ_EINVAL)
        rc = kz_url_parse(u, s, n);
    if (rc == KZ_EINVAL && why) {
        snprintf(why_buf, sizeof why_buf, "%s", u->why);
        *why = why_buf;
    }
    return rc;
}

int kz_blocklist_add_domain(kz_blocklist *b, const char *s, size_t n, int64_t id, const char **why)
{
    kz_url u;
    kz_url_init(&u);
    int rc = parse(&u, s, n, why);
    if (rc == 0) {
        char e[KZ_URL_MAX_HOST * 3 + 4];
        size_t hl = u.host_len < sizeof e - 2 ? u.host_len : sizeof e - 2;
        memcpy(e, u.text.p + u.host_off, hl);
        e[hl] = '/';
        rc = kz_blocklist_add_expr(b, e, hl + 1, id);
    }
    kz_url_release(&u);
    return rc;
}

int kz_blocklist_add_url(kz_blocklist *b, const char *s, size_t n, int64_t id, const char **why)
{
    kz_url u;
    kz_url_init(&u);
    int rc = parse(&u, s, n, why);
    if (rc == 0) {
        /* the expression of the URL itself: host + path [+ ?query] */
        const char *e = u.text.p + u.host_off;
        size_t len = u.text.len - u.host_off;
        rc = kz_blocklist_add_expr(b, e, len, id);
    }
    kz_url_release(&u);
    return rc;
}

void kz_blocklist_ctx_init(kz_blocklist_ctx *c)
{
    kz_url_init(&c->url);
    kz_url_exprs_init(&c->exprs);
}

void kz_blocklist_ctx_release(kz_blocklist_ctx *c)
{
    kz_url_release(&c->url);
    kz_url_exprs_release(&c->exprs);
}

int kz_blocklist_check(const kz_blocklist *b, kz_blocklist_ctx *c, const char *url, size_t n,
                       int64_t *id, const char **expr)
{
    int rc = kz_url_parse_browser(&c->url, url, n);
    if (rc)
        return rc;
    if ((rc = kz_url_expressions(&c->url, &c->exprs)) != 0)
        return rc;
    /* every expression is looked up; the longest that matches is the most
     * specific entry, the one to report */
    const bent *best = NULL;
    for (size_t i = 0; i < c->exprs.n; i++) {
        const bent *sl = find(b, c->exprs.expr[i], c->exprs.len[i]);
        if (sl && (!best || sl->len > best->len))
            best = sl;
    }
    if (!best)
        return 0;
    *id = best->id;
    *expr = b->pool + best->off;
    return 1;
}
