/*
 * tests/t_review.c - what the review screens read (case/review.h): the
 * dashboard's figures shared by a process (kz_dash_cache: how old they
 * may be, one computation for many callers at once, a fixed clock of its
 * own).
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "case/review.h"
#include <pthread.h>
#include <time.h>

static void one_case(kz_store *s, int k, const char *category)
{
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d", k);
    snprintf(text, sizeof text, "пост номер %d", k);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text, strlen(text),
                      NULL };
    kz_detection_in d = { "r1", category, "rule", 50, 0, 4, NULL };
    kz_flag_in f = { category, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
}

/* Open cases of category in d (young + mid + old); -1 when not listed. */
static int64_t open_of(const kz_dashboard *d, const char *category)
{
    for (size_t i = 0; i < d->ncats; i++)
        if (!strcmp(d->cats[i].category, category))
            return d->cats[i].young + d->cats[i].mid + d->cats[i].old;
    return -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

KT_TEST(review_dash_cache_age)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "dashc");
    kz_actor *sys = NULL, *fixed = NULL;
    kz_dashboard *d = calloc(1, sizeof *d);
    kz_dash_cache *c = kz_dash_cache_new(400);
    if (!s || !d || !c)
        goto out;
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    one_case(s, 1, "drugs");
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_EQ_INT(open_of(d, "drugs"), 1);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 1);
    /* a new case: the copy is younger than half the age, so not yet */
    one_case(s, 2, "drugs");
    one_case(s, 3, "bullying");
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_EQ_INT(open_of(d, "drugs"), 1);
    KT_EQ_INT(open_of(d, "bullying"), -1);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 1);
    /* past the age it is there */
    sleep_ms(420);
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_EQ_INT(open_of(d, "drugs"), 2);
    KT_EQ_INT(open_of(d, "bullying"), 1);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 2);
    /* an actor with a fixed clock gets figures of its own clock, and they
     * replace the others' */
    KT_EQ_INT(kz_account_system(&fixed, s), 0);
    KT_EQ_INT(kz_account_set_clock(fixed, "2030-01-01T00:00:00Z"), 0);
    KT_EQ_INT(kz_dash_cache_get(c, fixed, d), 0);
    KT_EQ_STR(d->now, "2030-01-01T00:00:00Z");
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 3);
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_CHECK(strcmp(d->now, "2030-01-01T00:00:00Z") != 0);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 4);
out:
    kz_account_logout(&fixed);
    kz_account_logout(&sys);
    kz_dash_cache_free(&c);
    KT_CHECK(c == NULL);
    kz_dash_cache_free(NULL);
    free(d);
    kt_store_cleanup(&t, &s);
}

/* ---- many threads at once: one computation --------------------------------- */

typedef struct reader {
    kz_dash_cache     *c;
    const char        *uri;
    pthread_barrier_t *go;
    int                rc;
    int64_t            drugs;
} reader;

static void *read_dash(void *arg)
{
    reader *r = arg;
    char err[256];
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_dashboard *d = calloc(1, sizeof *d);
    r->rc = -1;
    if (d && kz_store_open(&s, r->uri, 1, err, sizeof err) == 0 && kz_account_system(&a, s) == 0) {
        pthread_barrier_wait(r->go);
        r->rc = kz_dash_cache_get(r->c, a, d);
        r->drugs = open_of(d, "drugs");
    } else {
        pthread_barrier_wait(r->go);
    }
    kz_account_logout(&a);
    kz_store_close(&s);
    free(d);
    return NULL;
}

KT_TEST(review_dash_cache_one_computation_for_many)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "dashm");
    kz_dash_cache *c = kz_dash_cache_new(60000);
    enum { N = 6 };
    pthread_t th[N];
    reader r[N];
    pthread_barrier_t go;
    char uri[128];
    if (!s || !c)
        goto out;
    for (int i = 0; i < 40; i++)
        one_case(s, i, i % 2 ? "drugs" : "bullying");
    snprintf(uri, sizeof uri, "sqlite:%s/k.db", t.dir);
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        r[i] = (reader){ c, uri, &go, -1, 0 };
        KT_EQ_INT(pthread_create(&th[i], NULL, read_dash, &r[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        KT_EQ_INT(r[i].rc, 0);
        KT_EQ_INT(r[i].drugs, 20);
    }
    pthread_barrier_destroy(&go);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 1);
out:
    kz_dash_cache_free(&c);
    kt_store_cleanup(&t, &s);
}
