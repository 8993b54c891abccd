/*
 * ingest/crawl_mem.c - the in-memory frontier of a crawl without a store (every URL kept:
 * for small crawls and tests); the kz_frontier_ops of store/frontier_ops.h.
 */
#include "ingest/crawl_int.h"

/* ---- the in-memory frontier ---- */

static int seen_eq(uint64_t v, const void *key, void *ctx)
{
    (void)ctx;
    return !strcmp((const char *)(uintptr_t)v, key);
}

/* 1: newly added, 0: seen before, KZ_ENOMEM / KZ_ETOOBIG. */
static int mem_seen_add(struct mem_frontier *m, const char *key)
{
    uint64_t h = kz_hset_hash(key, strlen(key));
    if (kz_hset_find(&m->seen, h, seen_eq, key, NULL))
        return 0;
    if (m->seen.n >= MAX_SEEN)
        return KZ_ETOOBIG;
    char *k = kz_strdup(key);
    if (!k)
        return KZ_ENOMEM;
    int rc = kz_hset_add(&m->seen, h, (uint64_t)(uintptr_t)k, seen_eq, key, NULL, NULL);
    if (rc < 0)
        free(k);
    return rc;
}

static struct mem_origin *mem_origin(struct mem_frontier *m, const char *key, int create)
{
    for (size_t i = 0; i < m->norg; i++)
        if (!strcmp(m->org[i]->key, key))
            return m->org[i];
    if (!create || KZ_GROW(m->org, m->caporg, m->norg + 1))
        return NULL;
    struct mem_origin *o = kz_calloc(1, sizeof *o);
    if (!o || !(o->key = kz_strdup(key))) {
        free(o);
        return NULL;
    }
    m->org[m->norg++] = o;
    return o;
}

int kz__crawl_mem_add(void *self, const kz_frontier_job *j)
{
    struct mem_frontier *m = self;
    int rc = mem_seen_add(m, j->key);
    if (rc <= 0)
        return rc == KZ_ETOOBIG ? 0 : rc;        /* the crawl is big enough */
    struct mem_origin *o = mem_origin(m, j->origin, 1);
    char *url = kz_strdup(j->url);
    if (!o || !url) {
        free(url);
        return KZ_ENOMEM;
    }
    if (o->qhead > 0 && o->qhead == o->qlen)
        o->qhead = o->qlen = 0;
    if (KZ_GROW(o->q, o->qcap, o->qlen + 1)) {
        free(url);
        return KZ_ENOMEM;
    }
    o->q[o->qlen++] = (struct mem_job){ ++m->next_id, url, j->depth, j->seed, j->is_seed, j->kind };
    m->queued++;
    return 1;
}

int kz__crawl_mem_claim(void *self, const char *key, const char *url)
{
    (void)url;
    int rc = mem_seen_add(self, key);
    return rc == KZ_ETOOBIG ? 0 : rc;
}

int kz__crawl_mem_take(void *self, const char *origin, int64_t *cursor, size_t max,
                    kz_frontier_job_fn fn, void *arg)
{
    struct mem_origin *o = mem_origin(self, origin, 0);
    int n = 0;
    while (o && o->qhead < o->qlen && (size_t)n < max) {
        struct mem_job *mj = &o->q[o->qhead];
        if (mj->id > *cursor) {
            kz_frontier_job j = { mj->id, "", mj->url, origin, mj->depth, mj->seed, mj->is_seed,
                               mj->kind };
            int rc = fn(arg, &j);
            if (rc < 0)
                return rc;
            *cursor = mj->id;
            n++;
        }
        free(mj->url);
        o->qhead++;
    }
    return n;
}

int kz__crawl_mem_done(void *self, int64_t id, const char *outcome, long status)
{
    struct mem_frontier *m = self;
    (void)outcome;
    (void)status;
    if (id > 0 && m->queued > 0)
        m->queued--;
    return 0;
}

int kz__crawl_mem_origins(void *self, kz_frontier_origin_fn fn, void *arg)
{
    struct mem_frontier *m = self;
    for (size_t i = 0; i < m->norg; i++)
        if (m->org[i]->qhead < m->org[i]->qlen) {
            int rc = fn(arg, m->org[i]->key);
            if (rc < 0)
                return rc;
        }
    return 0;
}

size_t kz__crawl_mem_queued(void *self) { return ((struct mem_frontier *)self)->queued; }

void kz__crawl_mem_free(struct mem_frontier *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->seen.s && i <= m->seen.mask; i++)
        if (m->seen.s[i].h)
            free((char *)(uintptr_t)m->seen.s[i].v);
    kz_hset_release(&m->seen);
    for (size_t i = 0; i < m->norg; i++) {
        struct mem_origin *o = m->org[i];
        for (size_t k = o->qhead; k < o->qlen; k++)
            free(o->q[k].url);
        free(o->q);
        free(o->key);
        free(o);
    }
    free(m->org);
    free(m);
}
