/*
 * act/blocklist.c - the blocklist lookup.
 */
#include "blocklist.h"
#include "util/buf.h"
#include <xxhash.h>

typedef struct bslot {
    uint64_t key;           /* XXH3 of the expression; 0 = empty */
    uint32_t off, len;      /* in the pool */
    int64_t  id;
} bslot;

struct kz_blocklist {
    bslot  *slots;
    size_t  mask, used;
    char   *pool;
    size_t  npool, cappool;
};

static inline uint64_t key_of(const char *s, size_t n)
{
    uint64_t h = XXH3_64bits(s, n);
    return h ? h : 1;
}

kz_blocklist *kz_blocklist_new(void)
{
    kz_blocklist *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->slots = calloc(1024, sizeof *b->slots);
    if (!b->slots) {
        free(b);
        return NULL;
    }
    b->mask = 1023;
    return b;
}

void kz_blocklist_free(kz_blocklist *b)
{
    if (!b)
        return;
    free(b->slots);
    free(b->pool);
    free(b);
}

size_t kz_blocklist_size(const kz_blocklist *b) { return b->used; }

static const bslot *find(const kz_blocklist *b, uint64_t key, const char *s, size_t n)
{
    for (size_t i = (size_t)key & b->mask;; i = (i + 1) & b->mask) {
        const bslot *sl = &b->slots[i];
        if (sl->key == 0)
            return NULL;
        if (sl->key == key && sl->len == n && memcmp(b->pool + sl->off, s, n) == 0)
            return sl;
    }
}

static int rehash(kz_blocklist *b)
{
    size_t cap = (b->mask + 1) * 2;
    bslot *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return KZ_ENOMEM;
    for (size_t i = 0; i <= b->mask; i++) {
        if (!b->slots[i].key)
            continue;
        size_t j = (size_t)b->slots[i].key & (cap - 1);
        while (ns[j].key)
            j = (j + 1) & (cap - 1);
        ns[j] = b->slots[i];
    }
    free(b->slots);
    b->slots = ns;
    b->mask = cap - 1;
    return 0;
}

int kz_blocklist_add_expr(kz_blocklist *b, const char *expr, size_t n, int64_t id)
{
    uint64_t key = key_of(expr, n);
    if (find(b, key, expr, n))
        return 0;
    if ((b->used + 1) * 2 > b->mask + 1 && rehash(b))
        return KZ_ENOMEM;
    if (n > UINT32_MAX || KZ_GROW(b->pool, b->cappool, b->npool + n + 1))
        return KZ_ENOMEM;
    memcpy(b->pool + b->npool, expr, n);
    b->pool[b->npool + n] = '\0';
    size_t i = (size_t)key & b->mask;
    while (b->slots[i].key)
        i = (i + 1) & b->mask;
    b->slots[i] = (bslot){ key, (uint32_t)b->npool, (uint32_t)n, id };
    b->npool += n + 1;
    b->used++;
    return 0;
}

int kz_blocklist_each(const kz_blocklist *b, kz_blocklist_each_fn fn, void *arg)
{
    for (size_t i = 0; i <= b->mask; i++) {
        const bslot *sl = &b->slots[i];
        if (!sl->key)
            continue;
        int rc = fn(arg, b->pool + sl->off, sl->len, sl->id);
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
    const bslot *best = NULL;
    for (size_t i = 0; i < c->exprs.n; i++) {
        const char *e = c->exprs.expr[i];
        size_t len = c->exprs.len[i];
        const bslot *sl = find(b, key_of(e, len), e, len);
        if (sl && (!best || sl->len > best->len))
            best = sl;
    }
    if (!best)
        return 0;
    *id = best->id;
    *expr = b->pool + best->off;
    return 1;
}
