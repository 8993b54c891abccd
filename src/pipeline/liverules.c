/*
 * pipeline/liverules.c - the rules of a long-running process, from the
 * store, replaced by a newer version between jobs (pipeline/liverules.h).
 */
#include "pipeline/liverules.h"
#include "store/rulestore.h"
#include "detect/rules.h"
#include <pthread.h>
#include <time.h>

typedef struct held {
    kz_scanner *sc;
    int64_t     version;
    int         refs;
} held;

struct kz_liverules {
    pthread_mutex_t mu;
    long     check_ms;
    int      fixed;                     /* a file's: v[0] for good, no looks */
    int64_t  last_look;                 /* monotonic ms; 0: never */
    int      last_rc;                   /* nothing loaded yet: what the last look said */
    int64_t  last_failed;
    char     last_why[512];
    held    *v;     size_t n, cap;      /* v[0] is current; the rest wait for puts */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kz_liverules_new(kz_liverules **out, long check_ms)
{
    kz_liverules *lr = kz_calloc(1, sizeof *lr);
    *out = lr;
    if (!lr)
        return KZ_ENOMEM;
    pthread_mutex_init(&lr->mu, NULL);
    lr->check_ms = check_ms < 0 ? 0 : check_ms;
    return 0;
}

int kz_liverules_open(kz_liverules **out, const char *path, long check_ms, kz_buf *errs)
{
    kz_ruleset *rs = NULL;
    kz_scanner *sc = NULL;
    int rc = kz_liverules_new(out, check_ms);
    if (rc || !path)
        return rc;
    kz_liverules *lr = *out;
    if ((rc = kz_rules_load(path, &rs, errs)) != 0 || (rc = kz_scanner_new(rs, &sc, errs)) != 0 ||
        (rc = KZ_GROW(lr->v, lr->cap, 1)) != 0)
        goto out;
    lr->v[0] = (held){ sc, 0, 0 };
    lr->n = 1;
    lr->fixed = 1;
    sc = NULL;
out:
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    if (rc)
        kz_liverules_free(out);
    return rc;
}

int kz_liverules_from_store(const kz_liverules *lr) { return lr && !lr->fixed; }

void kz_liverules_free(kz_liverules **lp)
{
    kz_liverules *lr = lp ? *lp : NULL;
    if (!lr)
        return;
    for (size_t i = 0; i < lr->n; i++)
        kz_scanner_free(&lr->v[i].sc);
    free(lr->v);
    pthread_mutex_destroy(&lr->mu);
    free(lr);
    *lp = NULL;
}

/* Read and compile version; on success it becomes v[0] (the old current,
 * still held by jobs, moves behind it; unheld, it is freed). */
static int load(kz_liverules *lr, kz_store *st, int64_t version, kz_liverules_news *nw)
{
    kz_ruleset *rs = NULL;
    kz_scanner *sc = NULL;
    kz_buf errs;
    int rc;
    kz_buf_init(&errs, 1u << 16);
    if ((rc = kz_rulestore_load(st, version, &rs, NULL, &errs)) == 0)
        rc = kz_scanner_new(rs, &sc, &errs);
    if (rc) {
        const char *e = errs.len && kz_buf_addc(&errs, '\0') == 0 ? errs.p : NULL;
        snprintf(nw->why, sizeof nw->why, "rule set %lld: %s", (long long)version,
                 e ? e : rc == KZ_EDB || rc == KZ_EBUSY ? kz_store_errmsg(st) : kz_strerror(rc));
        size_t l = strlen(nw->why);
        if (l && nw->why[l - 1] == '\n')
            nw->why[l - 1] = '\0';
        goto out;
    }
    if ((rc = KZ_GROW(lr->v, lr->cap, lr->n + 1)) != 0)
        goto out;
    nw->previous = lr->n ? lr->v[0].version : 0;
    if (lr->n && lr->v[0].refs == 0) {
        kz_scanner_free(&lr->v[0].sc);      /* nobody holds the old one: gone now */
    } else if (lr->n) {
        lr->v[lr->n++] = lr->v[0];          /* held: freed at its last put */
    } else {
        lr->n = 1;
    }
    lr->v[0] = (held){ sc, version, 0 };
    sc = NULL;
    nw->changed = 1;
out:
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    kz_buf_release(&errs);
    return rc;
}

int kz_liverules_get(kz_liverules *lr, kz_store *st, const kz_scanner **sc,
                     kz_liverules_news *news)
{
    kz_liverules_news local;
    kz_liverules_news *nw = news ? news : &local;
    int rc = 0;
    memset(nw, 0, sizeof *nw);
    *sc = NULL;
    pthread_mutex_lock(&lr->mu);
    int64_t t = now_ms();
    if (!lr->fixed && (lr->last_look == 0 || t - lr->last_look >= lr->check_ms)) {
        int64_t latest = 0;
        lr->last_look = t ? t : 1;
        if ((rc = kz_rulestore_latest(st, &latest)) != 0) {
            snprintf(nw->why, sizeof nw->why, "the latest rule set: %s", kz_store_errmsg(st));
        } else if (latest == 0) {
            rc = KZ_ENOTFOUND;
            snprintf(nw->why, sizeof nw->why, "no rule set published (kuzet rules publish FILE)");
        } else if (!lr->n || latest > lr->v[0].version) {
            rc = load(lr, st, latest, nw);
        }
        if (rc) {
            nw->rc = rc;
            nw->failed = latest;
        }
        lr->last_rc = rc;
        lr->last_failed = nw->failed;
        snprintf(lr->last_why, sizeof lr->last_why, "%s", nw->why);
    } else if (!lr->n) {                    /* none yet, and no look due: as the last one */
        rc = nw->rc = lr->last_rc ? lr->last_rc : KZ_ENOTFOUND;
        nw->failed = lr->last_failed;
        snprintf(nw->why, sizeof nw->why, "%s", lr->last_why);
    }
    if (lr->n) {
        lr->v[0].refs++;
        *sc = lr->v[0].sc;
        nw->version = lr->v[0].version;
        rc = 0;                             /* the one in use goes on */
    }
    pthread_mutex_unlock(&lr->mu);
    return rc;
}

void kz_liverules_put(kz_liverules *lr, const kz_scanner *sc)
{
    if (!lr || !sc)
        return;
    pthread_mutex_lock(&lr->mu);
    for (size_t i = 0; i < lr->n; i++) {
        if (lr->v[i].sc != sc)
            continue;
        if (--lr->v[i].refs == 0 && i > 0) {
            kz_scanner_free(&lr->v[i].sc);
            lr->v[i] = lr->v[--lr->n];
        }
        break;
    }
    pthread_mutex_unlock(&lr->mu);
}
