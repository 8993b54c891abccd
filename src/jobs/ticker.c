/*
 * jobs/ticker.c - the ticks run from a thread of another process
 * (jobs/ticker.h): leased from the queue on PostgreSQL, on a local
 * schedule on SQLite.
 */
#include "jobs/ticker.h"
#include "case/case.h"
#include "case/deliver.h"
#include "util/pool.h"
#include "ingest/fetch.h"
#include "pipeline/verifier.h"
#include "store/audit.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct kz_ticker {
    kz_ticker_opts o;
    char *uri, *key, *owner;
    kz_store *st;
    kz_queue *q;
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    volatile sig_atomic_t stop;
    int running;                /* the thread was started */
    char why[512];              /* why it did not start */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait ms or until stopped. */
static void nap(kz_ticker *t, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->mu);
    if (!t->stop)
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    pthread_mutex_unlock(&t->mu);
}

static void say(kz_ticker *t, const char *tick, const kz_jobs_result *res)
{
    if (t->o.log)
        t->o.log(t->o.ctx, tick, res);
}

/* ---- PostgreSQL: leased ---- */

static void run_leased(kz_ticker *t)
{
    kz_jobs_env env;
    memset(&env, 0, sizeof env);
    env.store = t->st;
    env.queue = t->q;
    env.threads = 1;
    env.purge_days = t->o.purge_days;
    env.smtp_url = t->o.smtp_url;
    env.mail_from = t->o.mail_from;
    env.stop = &t->stop;
    int64_t last_sched = 0;
    while (!t->stop) {
        kz_job j;
        size_t n = 0;
        /* the default schedule for ticks nobody scheduled, now and then
         * (someone may drop one) */
        if (mono_ms() - last_sched > 60000 || !last_sched) {
            kz_queue_schedule_defaults(t->st, NULL);
            last_sched = mono_ms();
        }
        if (kz_queue_lease(t->q, "tick", 1, &j, &n) != 0) {
            kz_jobs_result res;
            memset(&res, 0, sizeof res);
            snprintf(res.why, sizeof res.why, "leasing a tick: %s", kz_store_errmsg(t->st));
            say(t, "-", &res);
            nap(t, t->o.poll_ms);
            continue;
        }
        if (n == 0) {
            /* the queue's wake-up hint, then a short nap so stop is quick */
            kz_queue_wait(t->q, t->o.poll_ms / 2);
            nap(t, t->o.poll_ms / 2);
            continue;
        }
        kz_jobs_result res;
        kz_jobs_run(&env, &j, &res);
        say(t, j.key ? j.key : "?", &res);
        kz_job_release(&j);
    }
}

/* ---- SQLite: a local schedule ---- */

/* Stop verifying between two checks when the ticker stops. */
static int verify_stop(void *ctx, const kz_verify_check *c, const kz_check_effect *e,
                       const kz_verifier_stats *s)
{
    kz_ticker *t = ctx;
    (void)c, (void)e, (void)s;
    return t->stop ? 1 : 0;
}

static int local_tick(kz_ticker *t, const char *name, kz_jobs_result *res)
{
    kz_actor *a = NULL;
    int rc = kz_account_system(&a, t->st);
    memset(res, 0, sizeof *res);
    if (rc)
        goto out;
    if (!strcmp(name, "overdue")) {
        size_t moved = 0;
        rc = kz_case_check_overdue(a, &moved);
        res->moved = (int64_t)moved;
        snprintf(res->why, sizeof res->why, "overdue: %zu cases marked overdue and escalated",
                 moved);
    } else if (!strcmp(name, "notices")) {
        kz_deliver_opts o;
        kz_deliver_stats ds;
        memset(&o, 0, sizeof o);
        o.smtp_url = t->o.smtp_url;
        o.from = t->o.mail_from;
        rc = kz_notices_deliver(a, &o, &ds);
        res->moved = (int64_t)ds.sent;
        snprintf(res->why, sizeof res->why, "notices: %zu attempts, %zu delivered, %zu failed, "
                 "%zu escalations, %zu answers", ds.attempts, ds.sent, ds.failed, ds.escalations,
                 ds.answers);
    } else if (!strcmp(name, "verify")) {
        kz_verifier_opts vo;
        kz_verifier_stats vs;
        memset(&vo, 0, sizeof vo);
        memset(&vs, 0, sizeof vs);
        vo.actor = a;
        vo.on_check = verify_stop;
        vo.ctx = t;
        rc = kz_verifier_run(&vo, &vs);
        if (rc == 1)
            rc = 0;                         /* stopped: the rest is due next time */
        res->moved = (int64_t)vs.checked;
        snprintf(res->why, sizeof res->why, "verify: %zu checked, %zu gone, %zu present, "
                 "%zu errors", vs.checked, vs.gone, vs.present, vs.errors);
    } else {
        size_t purged = 0;
        rc = kz_case_purge(a, t->o.purge_days ? t->o.purge_days : KZ_RETENTION_DAYS, &purged);
        res->moved = (int64_t)purged;
        snprintf(res->why, sizeof res->why, "purge: evidence of %zu items dropped", purged);
    }
    if (rc)
        snprintf(res->why, sizeof res->why, "%s: %s", name,
                 kz_account_errmsg(a)[0] ? kz_account_errmsg(a) : kz_store_errmsg(t->st));
out:
    kz_account_logout(&a);
    res->ok = rc == 0;
    return rc;
}

static void run_local(kz_ticker *t)
{
    struct { const char *name; int64_t every_ms, next; } sched[] = {
        { "overdue", (t->o.overdue_secs > 0 ? t->o.overdue_secs : 60) * 1000, 0 },
        { "notices", (int64_t)60 * 1000, 0 },
        { "verify", (int64_t)21600 * 1000, 0 },
        { "purge", (int64_t)86400 * 1000, 0 },
    };
    int64_t now = mono_ms();
    /* overdue and purge run at the start; verify, which fetches every item
     * due, first after its interval (a restart does not refetch them) */
    for (size_t i = 0; i < KZ_ARRAY_LEN(sched); i++)
        sched[i].next = strcmp(sched[i].name, "verify") ? now : now + sched[i].every_ms;
    while (!t->stop) {
        int64_t soonest = INT64_MAX;
        now = mono_ms();
        for (size_t i = 0; i < KZ_ARRAY_LEN(sched) && !t->stop; i++) {
            if (now >= sched[i].next) {
                kz_jobs_result res;
                local_tick(t, sched[i].name, &res);
                say(t, sched[i].name, &res);
                now = mono_ms();
                sched[i].next = now + sched[i].every_ms;
            }
            if (sched[i].next < soonest)
                soonest = sched[i].next;
        }
        int64_t wait = soonest - mono_ms();
        if (wait > 0)
            nap(t, wait > t->o.poll_ms ? t->o.poll_ms : (int)wait);
    }
}

static void *loop(void *arg)
{
    kz_ticker *t = arg;
    if (t->q)
        run_leased(t);
    else
        run_local(t);
    return NULL;
}

int kz_ticker_start(kz_ticker **out, const kz_ticker_opts *o)
{
    kz_ticker *t = kz_calloc(1, sizeof *t);
    char key[1024];
    int rc = KZ_ENOMEM;
    *out = t;                                   /* from here on it holds why it failed */
    if (!t)
        return rc;
    t->o = *o;
    if (t->o.poll_ms <= 0)
        t->o.poll_ms = 1000;
    const char *uri = o->uri ? o->uri : getenv("KUZET_DB");
    t->uri = uri && *uri ? kz_strdup(uri) : NULL;     /* the heartbeat's connection too */
    t->owner = kz_strdup(o->owner ? o->owner : "ticker");
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if ((uri && *uri && !t->uri) || !t->owner) {
        snprintf(t->why, sizeof t->why, "%s", kz_strerror(rc));
        goto fail;
    }
    if ((rc = kz_store_open(&t->st, t->uri, 1)) != 0) {
        snprintf(t->why, sizeof t->why, "%s", kz_store_errmsg(t->st));
        goto fail;
    }
    if (o->audit_key)
        snprintf(key, sizeof key, "%s", o->audit_key);
    else
        kz_audit_key_path(t->st, key, sizeof key);
    if ((rc = kz_store_set_signer(t->st, key)) != 0 ||
        (!strcmp(kz_db_scheme(kz_store_db(t->st)), "postgresql") &&
         (rc = kz_queue_open(&t->q, t->st, t->uri, t->owner, "tick", 0)) != 0) ||
        (t->q && o->overdue_secs > 0 &&
         (rc = kz_queue_add_tick(t->st, "overdue", o->overdue_secs)) != 0)) {
        snprintf(t->why, sizeof t->why, "%s", kz_store_errmsg(t->st));
        goto fail;
    }
    kz_fetch_global_init();                     /* the verify tick fetches */
    if (kz_thread_start(&t->t, loop, t) != 0) {
        rc = KZ_EINTERNAL;
        snprintf(t->why, sizeof t->why, "cannot start the tick thread");
        goto fail;
    }
    t->running = 1;
    return 0;
fail:
    kz_queue_close(&t->q);
    kz_store_close(&t->st);
    return rc;
}

const char *kz_ticker_errmsg(const kz_ticker *t) { return t ? t->why : kz_strerror(KZ_ENOMEM); }

void kz_ticker_stop(kz_ticker **tp)
{
    kz_ticker *t = tp ? *tp : NULL;
    if (!t)
        return;
    *tp = NULL;
    if (t->running) {
        kz_thread_stop(t->t, &t->mu, &t->cv, &t->stop);
    }
    kz_queue_close(&t->q);
    kz_store_close(&t->st);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t->uri);
    free(t->owner);
    free(t);
}
