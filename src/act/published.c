/*
 * act/published.c - one published version of the blocklist with its
 * exports and prefix-list updates built once, and the holder of the
 * current version, and the thread that keeps it current (act/published.h).
 */
#include "published.h"
#include "store/audit.h"
#include "util/pool.h"
#include "util/sha256.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define NUPD 32                          /* "since" updates kept per version */
#define NEXP (KZ_EXPORT__COUNT + 1)      /* + hash-prefixes with full hashes */

typedef struct pexp {
    char *body;
    size_t len;
    char etag[48];
} pexp;

typedef struct pupd {
    int64_t since;
    char *body;
    size_t len;
} pupd;

struct kz_pub {
    atomic_int refs;
    int64_t version;
    char digest[65];
    kz_active list;                      /* the entries (owned) */
    kz_blocklist *bl;
    kz_hashlist *hl;
    char *origin, *landing;
    uint32_t ttl;
    pthread_mutex_t mu;                  /* guards exp[], upd[], full */
    pexp *exp[NEXP];
    pupd upd[NUPD];
    size_t nupd, next_upd;
    char *full;                          /* the "full" update */
    size_t full_len;
};

static char *dup_or_null(const char *s, int *nomem)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *nomem = 1;
    return d;
}

static kz_pub *pub_alloc(const kz_pub_opts *o, int *nomem)
{
    kz_pub *p = kz_calloc(1, sizeof *p);
    if (!p) {
        *nomem = 1;
        return NULL;
    }
    atomic_init(&p->refs, 1);
    kz_active_init(&p->list);
    pthread_mutex_init(&p->mu, NULL);
    if (o) {
        p->origin = dup_or_null(o->origin, nomem);
        p->landing = dup_or_null(o->landing, nomem);
        p->ttl = o->ttl;
    }
    return p;
}

/* The lookup table and the hash list from p->list.  0 or KZ_E*. */
static int pub_build(kz_pub *p)
{
    if (!(p->bl = kz_blocklist_new()))
        return KZ_ENOMEM;
    for (size_t i = 0; i < p->list.n; i++) {
        const kz_export_entry *e = &p->list.v[i];
        if (e->kind == KZ_EXPORT_GEO)
            continue;
        size_t n = strlen(e->target);
        int rc = e->kind == KZ_EXPORT_DOMAIN ? kz_blocklist_add_domain(p->bl, e->target, n, e->id, NULL)
                                             : kz_blocklist_add_url(p->bl, e->target, n, e->id, NULL);
        if (rc && rc != KZ_EINVAL)
            return rc;
    }
    return kz_hashlist_new(&p->hl, p->bl, p->version);
}

/* kz_pub_load; when prev (may be NULL) is the same version, *out is
 * another reference to it and nothing is built. */
static int pub_load(kz_pub **out, kz_store *s, const kz_pub_opts *o, const char *actor,
                    kz_pub *prev)
{
    int nomem = 0, rc;
    kz_active_version v;
    kz_pub *p = pub_alloc(o, &nomem);
    *out = NULL;
    if (nomem) {
        kz_pub_unref(&p);
        return KZ_ENOMEM;
    }
    if ((rc = kz_active_version_update(&p->list, s, NULL, actor, &v)) != 0) {
        kz_pub_unref(&p);
        return rc;
    }
    if (prev && prev->version == v.serial && !strcmp(prev->digest, v.digest)) {
        kz_pub_unref(&p);
        *out = kz_pub_ref(prev);
        return 0;
    }
    p->version = v.serial;
    memcpy(p->digest, v.digest, sizeof p->digest);
    if ((rc = pub_build(p)) != 0) {
        kz_pub_unref(&p);
        return rc;
    }
    *out = p;
    return 0;
}

int kz_pub_load(kz_pub **out, kz_store *s, const kz_pub_opts *o, const char *actor)
{
    return pub_load(out, s, o, actor, NULL);
}

int kz_pub_from_entries(kz_pub **out, const kz_export_entry *e, const char *const *scope,
                        size_t n, int64_t version, const kz_pub_opts *o)
{
    int nomem = 0, rc = 0;
    kz_pub *p = pub_alloc(o, &nomem);
    kz_buf d;
    kz_buf_init(&d, KZ_BUF_NOLIMIT);
    *out = NULL;
    if (!nomem && (KZ_GROW(p->list.v, p->list.cap, n ? n : 1) ||
                   KZ_GROW(p->list.scope, p->list.cap_scope, n ? n : 1)))
        nomem = 1;
    for (size_t i = 0; i < n && !nomem; i++) {
        kz_export_entry *x = &p->list.v[i];
        *x = e[i];
        x->target = dup_or_null(e[i].target ? e[i].target : "", &nomem);
        x->legal_basis = dup_or_null(e[i].legal_basis, &nomem);
        x->starts = dup_or_null(e[i].starts, &nomem);
        x->ends = dup_or_null(e[i].ends, &nomem);
        p->list.scope[i] = dup_or_null(scope ? scope[i] : NULL, &nomem);
        p->list.n++;
        if (!nomem && kz_buf_addf(&d, "%d\t%s\t%lld\n", x->kind, x->target, (long long)x->id))
            nomem = 1;
    }
    if (nomem)
        rc = KZ_ENOMEM;
    if (!rc) {
        p->version = version;
        kz_sha256_hex(d.p ? d.p : "", d.len, p->digest);
        rc = pub_build(p);
    }
    kz_buf_release(&d);
    if (rc)
        kz_pub_unref(&p);
    *out = p;
    return rc;
}

kz_pub *kz_pub_ref(kz_pub *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

void kz_pub_unref(kz_pub **pp)
{
    if (!pp || !*pp)
        return;
    kz_pub *p = *pp;
    *pp = NULL;
    if (atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    kz_active_release(&p->list);
    kz_blocklist_free(p->bl);
    kz_hashlist_free(&p->hl);
    for (size_t i = 0; i < NEXP; i++)
        if (p->exp[i]) {
            free(p->exp[i]->body);
            free(p->exp[i]);
        }
    for (size_t i = 0; i < p->nupd; i++)
        free(p->upd[i].body);
    free(p->full);
    free(p->origin);
    free(p->landing);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int64_t kz_pub_version(const kz_pub *p) { return p->version; }
size_t kz_pub_entries(const kz_pub *p) { return p->list.n; }
const char *kz_pub_digest(const kz_pub *p) { return p->digest; }
const kz_blocklist *kz_pub_blocklist(const kz_pub *p) { return p->bl; }
const kz_hashlist *kz_pub_hashlist(const kz_pub *p) { return p->hl; }

static const char *media_type(int format)
{
    switch (format) {
    case KZ_EXPORT_CSV:  return "text/csv; charset=utf-8";
    case KZ_EXPORT_JSON: return "application/x-ndjson";
    default:             return "text/plain; charset=utf-8";
    }
}

int kz_pub_export_get(kz_pub *p, int format, bool full, kz_pub_export *out)
{
    if (format < 0 || format >= KZ_EXPORT__COUNT || (full && format != KZ_EXPORT_HASH_PREFIXES))
        return KZ_EINVAL;
    size_t slot = full ? KZ_EXPORT__COUNT : (size_t)format;
    pthread_mutex_lock(&p->mu);
    pexp *x = p->exp[slot];
    pthread_mutex_unlock(&p->mu);
    if (!x) {
        /* built outside the lock: two threads may both build it; one is kept */
        kz_export_opts o = { 0 };
        kz_buf b;
        int rc;
        o.serial = (uint32_t)p->version;
        o.origin = p->origin;
        o.landing = p->landing;
        o.ttl = p->ttl;
        o.full = full;
        o.scope = p->list.scope;
        kz_buf_init(&b, KZ_BUF_NOLIMIT);
        if ((rc = kz_export_write(&b, format, p->list.v, p->list.n, &o, NULL)) != 0 ||
            !(x = kz_calloc(1, sizeof *x))) {
            kz_buf_release(&b);
            return rc ? rc : KZ_ENOMEM;
        }
        char hex[65];
        kz_sha256_hex(b.p ? b.p : "", b.len, hex);
        snprintf(x->etag, sizeof x->etag, "\"%lld-%.16s\"", (long long)p->version, hex);
        x->len = b.len;
        x->body = b.p ? b.p : strdup("");       /* the buffer is taken */
        if (!x->body) {
            free(x);
            return KZ_ENOMEM;
        }
        pthread_mutex_lock(&p->mu);
        if (p->exp[slot]) {
            free(x->body);
            free(x);
        } else {
            p->exp[slot] = x;
        }
        x = p->exp[slot];
        pthread_mutex_unlock(&p->mu);
    }
    out->body = x->body;
    out->len = x->len;
    out->etag = x->etag;
    out->media_type = media_type(format);
    out->serial = (uint32_t)p->version;
    return 0;
}

/* The update since (0: full) kept in p, if any. */
static int find_update(kz_pub *p, int64_t since, const char **body, size_t *len)
{
    int found = 0;
    pthread_mutex_lock(&p->mu);
    if (!since && p->full) {
        *body = p->full;
        *len = p->full_len;
        found = 1;
    }
    for (size_t i = 0; since && i < p->nupd && !found; i++)
        if (p->upd[i].since == since) {
            *body = p->upd[i].body;
            *len = p->upd[i].len;
            found = 1;
        }
    pthread_mutex_unlock(&p->mu);
    return found;
}

int kz_pub_update(kz_pub *p, kz_store *s, int64_t since, const char **body, size_t *len)
{
    kz_hashlist *old = NULL;
    kz_buf b;
    int rc;
    if (since < 0 || since > p->version || (!s && since != p->version))
        since = 0;
    if (find_update(p, since, body, len))
        return 0;
    if (since == p->version) {
        old = (kz_hashlist *)p->hl;                   /* only read */
    } else if (since) {
        rc = kz_hashlist_load(&old, s, since);
        if (rc == KZ_ENOTFOUND) {
            since = 0;                                /* unknown: the full list */
            if (find_update(p, since, body, len))
                return 0;
        } else if (rc) {
            return rc;
        }
    }
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    rc = kz_hashlist_update_json(&b, since ? old : NULL, p->hl);
    if (old != p->hl)
        kz_hashlist_free(&old);
    if (rc) {
        kz_buf_release(&b);
        return rc;
    }
    pthread_mutex_lock(&p->mu);
    if (!since) {
        if (!p->full) {
            p->full = b.p;
            p->full_len = b.len;
            b.p = NULL;
        }
        *body = p->full;
        *len = p->full_len;
    } else {
        /* a ring of NUPD: the oldest "since" is dropped first */
        size_t i;
        for (i = 0; i < p->nupd && p->upd[i].since != since; i++)
            ;
        if (i == p->nupd) {
            if (p->nupd < NUPD) {
                i = p->nupd++;
            } else {
                i = p->next_upd;
                p->next_upd = (p->next_upd + 1) % NUPD;
                free(p->upd[i].body);
            }
            p->upd[i] = (pupd){ since, b.p, b.len };
            b.p = NULL;
        }
        *body = p->upd[i].body;
        *len = p->upd[i].len;
    }
    pthread_mutex_unlock(&p->mu);
    free(b.p);
    return 0;
}

int kz_pub_etag_match(const char *h, const char *etag)
{
    if (!h || !etag)
        return 0;
    /* etag is "\"...\"": compare what is between the quotes */
    const char *e = etag + 1;
    size_t el = strlen(etag) - 2;
    while (*h) {
        while (*h == ' ' || *h == '\t' || *h == ',')
            h++;
        if (*h == '*')
            return 1;
        if (h[0] == 'W' && h[1] == '/')
            h += 2;
        if (*h != '"')
            return 0;                               /* not an entity tag: stop */
        const char *q = strchr(h + 1, '"');
        if (!q)
            return 0;
        if ((size_t)(q - h - 1) == el && !memcmp(h + 1, e, el))
            return 1;
        h = q + 1;
    }
    return 0;
}

/* ---- the current version ----------------------------------------------------- */

struct kz_pubcache {
    pthread_mutex_t mu;                 /* guards cur, loaded_at, loading, background */
    kz_pub *cur;
    double loaded_at, max_age;
    int loading;
    int background;                     /* a refresher reloads: get never does while cur */
    atomic_ulong loads, bg_loads;       /* reads of the list in effect, done; by refresh */
    kz_pub_opts o;
    char *origin, *landing;
};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

kz_pubcache *kz_pubcache_new(const kz_pub_opts *o, double max_age)
{
    kz_pubcache *c = kz_calloc(1, sizeof *c);
    int nomem = 0;
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->max_age = max_age;
    if (o) {
        c->origin = dup_or_null(o->origin, &nomem);
        c->landing = dup_or_null(o->landing, &nomem);
        c->o.ttl = o->ttl;
    }
    c->o.origin = c->origin;
    c->o.landing = c->landing;
    if (nomem)
        kz_pubcache_free(&c);
    return c;
}

void kz_pubcache_free(kz_pubcache **cp)
{
    if (!cp || !*cp)
        return;
    kz_pubcache *c = *cp;
    kz_pub_unref(&c->cur);
    free(c->origin);
    free(c->landing);
    pthread_mutex_destroy(&c->mu);
    free(c);
    *cp = NULL;
}

void kz_pubcache_invalidate(kz_pubcache *c)
{
    pthread_mutex_lock(&c->mu);
    c->loaded_at = -1e18;
    pthread_mutex_unlock(&c->mu);
}

/* Read the list in effect into c (c->loading set by the caller, mu not
 * held); then, with mu held, *out (may be NULL) gets the version held.
 * Returns with mu unlocked. */
static int reload(kz_pubcache *c, kz_store *s, double now, kz_pub **out, int bg)
{
    kz_pub *p = NULL;
    pthread_mutex_lock(&c->mu);
    kz_pub *prev = c->cur ? kz_pub_ref(c->cur) : NULL;
    pthread_mutex_unlock(&c->mu);

    int rc = pub_load(&p, s, &c->o, NULL, prev);
    kz_pub_unref(&prev);
    atomic_fetch_add(bg ? &c->bg_loads : &c->loads, 1);

    pthread_mutex_lock(&c->mu);
    c->loading = 0;
    if (rc == 0) {
        /* the same version: keep the one held, with what it has built */
        if (p == c->cur)
            kz_pub_unref(&p);
        else {
            kz_pub_unref(&c->cur);
            c->cur = p;
            p = NULL;
        }
        c->loaded_at = now;
    }
    if (out && c->cur) {
        *out = kz_pub_ref(c->cur);
        rc = 0;
    }
    pthread_mutex_unlock(&c->mu);
    kz_pub_unref(&p);
    return rc;
}

int kz_pubcache_get(kz_pubcache *c, kz_store *s, kz_pub **out)
{
    double now = mono_now();
    *out = NULL;
    pthread_mutex_lock(&c->mu);
    int fresh = c->cur && (c->background || now - c->loaded_at < c->max_age);
    if (fresh || (c->cur && c->loading)) {          /* someone else reloads */
        *out = kz_pub_ref(c->cur);
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
    c->loading = 1;
    pthread_mutex_unlock(&c->mu);
    return reload(c, s, now, out, 0);
}

int kz_pubcache_refresh(kz_pubcache *c, kz_store *s)
{
    double now = mono_now();
    pthread_mutex_lock(&c->mu);
    if (c->loading) {                               /* a request loads the first one */
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
    c->loading = 1;
    pthread_mutex_unlock(&c->mu);
    return reload(c, s, now, NULL, 1);
}

void kz_pubcache_set_background(kz_pubcache *c, int on)
{
    pthread_mutex_lock(&c->mu);
    c->background = on;
    pthread_mutex_unlock(&c->mu);
}

unsigned long kz_pubcache_loads(const kz_pubcache *c, int background)
{
    kz_pubcache *m = (kz_pubcache *)c;
    return atomic_load(background ? &m->bg_loads : &m->loads);
}

/* ---- the current version, read again every N seconds by a thread ------------- */

struct kz_pubfeed {
    kz_pubcache *c;
    double every;
    char *uri, *key;
    void (*log)(void *ctx, const char *why);
    void *ctx;
    pthread_t t;
    pthread_mutex_t mu;                 /* guards stop */
    pthread_cond_t cv;                  /* signalled by stop */
    volatile sig_atomic_t stop;
};

/* Wait f->every seconds or until stopped; 1 when stopped.  mu held. */
static int feed_wait(kz_pubfeed *f)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double until = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + f->every;
    ts.tv_sec = (time_t)until;
    ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
    while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &ts) == 0)
        ;                               /* woken early, not stopped: wait on */
    return f->stop;
}

/* One reading on *s (opened and signed on first use): 0, or the error
 * with why. */
static int feed_read(kz_pubfeed *f, kz_store **s, char *why, size_t whysz)
{
    char key[1024];
    int rc;
    if (!*s) {
        if ((rc = kz_store_open(s, f->uri, 1)) != 0) {
            snprintf(why, whysz, "%s", kz_store_errmsg(*s));
            kz_store_close(s);
            return rc;
        }
        if (f->key)
            snprintf(key, sizeof key, "%s", f->key);
        else
            kz_audit_key_path(*s, key, sizeof key);
        if ((rc = kz_store_set_signer(*s, key)) != 0) {
            snprintf(why, whysz, "%s", kz_store_errmsg(*s));
            kz_store_close(s);
            return rc;
        }
    }
    if ((rc = kz_pubcache_refresh(f->c, *s)) != 0)
        snprintf(why, whysz, "%s", kz_store_errmsg(*s));
    return rc;
}

static void *feed_loop(void *arg)
{
    kz_pubfeed *f = arg;
    kz_store *s = NULL;
    char why[512];
    int failing = 0;
    pthread_mutex_lock(&f->mu);
    while (!feed_wait(f)) {
        pthread_mutex_unlock(&f->mu);
        int rc = feed_read(f, &s, why, sizeof why);
        if (rc && !failing && f->log)           /* once, not every period */
            f->log(f->ctx, why);
        failing = rc != 0;
        pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    kz_store_close(&s);
    return NULL;
}

static void feed_free(kz_pubfeed *f)
{
    kz_pubcache_free(&f->c);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f->uri);
    free(f->key);
    free(f);
}

int kz_pubfeed_start(kz_pubfeed **out, const kz_pubfeed_opts *o)
{
    kz_pubfeed *f = kz_calloc(1, sizeof *f);
    pthread_condattr_t ca;
    int nomem = 0;
    *out = NULL;
    if (!f)
        return KZ_ENOMEM;
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cv, &ca);
    pthread_condattr_destroy(&ca);
    f->every = o->every > 0 ? o->every : 5.0;
    f->log = o->log;
    f->ctx = o->ctx;
    f->uri = dup_or_null(o->uri, &nomem);
    f->key = dup_or_null(o->audit_key, &nomem);
    if (nomem || !(f->c = kz_pubcache_new(&o->pub, f->every))) {
        feed_free(f);
        return KZ_ENOMEM;
    }
    kz_pubcache_set_background(f->c, 1);
    if (kz_thread_start(&f->t, feed_loop, f) != 0) {
        feed_free(f);
        return KZ_EINTERNAL;                    /* no thread */
    }
    *out = f;
    return 0;
}

void kz_pubfeed_stop(kz_pubfeed **fp)
{
    kz_pubfeed *f = fp ? *fp : NULL;
    if (!f)
        return;
    *fp = NULL;
    kz_thread_stop(f->t, &f->mu, &f->cv, &f->stop);
    feed_free(f);
}

int kz_pubfeed_get(kz_pubfeed *f, kz_store *s, kz_pub **out)
{
    return kz_pubcache_get(f->c, s, out);
}

unsigned long kz_pubfeed_loads(const kz_pubfeed *f, int background)
{
    return kz_pubcache_loads(f->c, background);
}
