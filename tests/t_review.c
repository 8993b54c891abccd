/*
 * tests/t_review.c - what the review screens read (case/review.h): one
 * case as the review page shows it (kz_case_review: the text with its
 * marks, the hits with the words around them, bank matches, decisions,
 * the history), and the dashboard's figures shared by a process
 * (kz_dash_cache: how old they may be, one computation for many callers
 * at once, a fixed clock of its own, a refresher thread).
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
    kz_detection_in d = { "r1", category, "rule", 50, 0, 4, NULL, NULL, 0 };
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

KT_TEST(review_case_struct)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "review");
    kz_actor *sys = NULL;
    kz_review *v = NULL;
    if (!s)
        return;
    kt_store_accounts(s);                   /* ann (1), sue (2); no log-in needed here */
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    /* "закладка" twice, one hit overlapping another, and a bank match */
    const char *text = "Продам закладка <b>, ещё закладка & конец";
    const char *z1 = strstr(text, "закладка"), *z2 = strstr(z1 + 1, "закладка");
    size_t a1 = (size_t)(z1 - text), a2 = (size_t)(z2 - text);
    const char *url = "https://forum.example.kz/t/9";
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d[] = {
        { "drug-word", "drugs", "rule", 40, (uint32_t)a2, (uint32_t)a2 + 16, NULL, NULL, 0 },
        { "drug-word", "drugs", "rule", 40, (uint32_t)a1, (uint32_t)a1 + 16, NULL, NULL, 0 },
        { "sale", "drugs", "rule", 20, 0, (uint32_t)a1 + 3, NULL, NULL, 0 },   /* cuts a letter */
        { "bank:shops", "drugs", "hash", 100, 0, 0, "import", NULL, 0 },
    };
    kz_flag_in f = { "drugs", 60 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, d, 4, &f, 1, &out), 0);
    /* a decision and an approval as rows (the workflow is case.c's tests') */
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE cases SET state = 'decided', assigned_to = 1 "
                         "WHERE id = 1"), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO decisions (case_id, measure, starts_at, "
                         "facts_and_reasons, automated_detection, decided_by, decided_at, "
                         "approved_by) VALUES (1, 'url_block', '2026-01-02T00:00:00Z', "
                         "'a shop for drugs', 1, 1, '2026-01-02T00:00:00Z', 2)"), 0);
    KT_EQ_INT(kz_case_review(sys, 1, 0, &v), 0);
    if (!v)
        goto out;
    KT_EQ_STR(v->state, "decided");
    KT_EQ_STR(v->category, "drugs");
    KT_EQ_STR(v->assigned_to, "ann");
    KT_EQ_STR(v->url, url);
    KT_EQ_STR(v->platform, "forum");
    KT_EQ_INT(v->kind, 1);
    KT_EQ_INT((int64_t)v->shown, (int64_t)strlen(text));
    KT_EQ_STR(v->text.p, text);
    /* the shown text as the rules read it, whole (no budget) */
    KT_EQ_INT(v->norm_ok, 1);
    KT_CHECK(v->norm.p && strstr(v->norm.p, "продам закладка") != NULL);
    KT_EQ_INT((int64_t)v->norm_shown, (int64_t)v->norm.len);
    /* four hits in order, each with the words around it; the bank match's
     * evidence is its origin */
    KT_EQ_INT((int64_t)v->nhits, 4);
    KT_EQ_STR(v->hits[0].rule_id, "drug-word");
    KT_CHECK(v->hits[0].context && strstr(v->hits[0].context, "[закладка]") != NULL);
    KT_EQ_STR(v->hits[3].method, "hash");
    KT_EQ_STR(v->hits[3].context, "import");
    /* two marks: the sale span (widened to the whole letter) with the
     * first word, and the second word; not the hash match */
    KT_EQ_INT((int64_t)v->nmarks, 2);
    KT_EQ_INT((int64_t)v->marks[0].off, 0);
    KT_EQ_INT((int64_t)v->marks[0].len, (int64_t)a1 + 16);
    KT_EQ_STR(v->marks[0].rules, "sale, drug-word");
    KT_EQ_INT((int64_t)v->marks[1].off, (int64_t)a2);
    KT_EQ_INT((int64_t)v->marks[1].len, 16);
    KT_EQ_STR(v->marks[1].rules, "drug-word");
    KT_EQ_INT((int64_t)v->nbanks, 1);
    KT_EQ_STR(v->banks[0].bank, "shops");
    KT_EQ_STR(v->banks[0].origin, "import");
    KT_EQ_INT((int64_t)v->ndecisions, 1);
    KT_EQ_STR(v->decisions[0].measure, "url_block");
    KT_EQ_STR(v->decisions[0].reasons, "a shop for drugs");
    KT_CHECK(v->decisions[0].legal_basis == NULL);
    KT_EQ_STR(v->decisions[0].decided_by, "ann");
    KT_EQ_STR(v->decisions[0].approved_by, "sue");
    KT_EQ_INT(v->decisions[0].reversed, 0);
    /* the history, oldest first: the item stored, the case opened */
    KT_EQ_INT((int64_t)v->nhistory, 2);
    KT_EQ_STR(v->history[0].action, "item.create");
    KT_EQ_STR(v->history[1].action, "case.open");
    KT_CHECK(v->history[1].before == NULL);
    KT_CHECK(v->history[1].after && strstr(v->history[1].after, "\"detected\""));
    KT_EQ_INT(v->history_more, 0);
    kz_review_free(&v);
    KT_CHECK(v == NULL);
    /* a budget: "<" costs 4 more bytes escaped; the second word is past it */
    KT_EQ_INT(kz_case_review(sys, 1, a2 - 2, &v), 0);
    if (v) {
        KT_CHECK(v->shown < a2 - 2);
        KT_EQ_INT((int64_t)v->nmarks, 1);
        KT_EQ_INT((int64_t)kz_content_cut(text, v->shown), (int64_t)v->shown);
    }
    kz_review_free(&v);
    KT_EQ_INT(kz_case_review(sys, 99, 0, &v), KZ_ENOTFOUND);
    KT_CHECK(v == NULL);
    kz_review_free(NULL);
out:
    kz_review_free(&v);
    kz_account_logout(&sys);
    kt_store_cleanup(&t, &s);
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
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_dashboard *d = calloc(1, sizeof *d);
    r->rc = -1;
    if (d && kz_store_open(&s, r->uri, 1) == 0 && kz_account_system(&a, s) == 0) {
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

/* A refresher (a thread of the caller's) computes the figures while
 * someone looks, so that kz_dash_cache_get does not. */
KT_TEST(review_dash_cache_refresher)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "dashr");
    kz_actor *sys = NULL;
    kz_dashboard *d = calloc(1, sizeof *d);
    kz_dash_cache *c = kz_dash_cache_new(400);
    if (!s || !d || !c)
        goto out;
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    one_case(s, 1, "drugs");
    KT_EQ_INT(kz_dash_cache_refresh(c, sys, 1000), 0);        /* nobody asked yet */
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 0);
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 1);
    KT_EQ_INT(kz_dash_cache_refresh(c, sys, 1000), 0);        /* fresh */
    one_case(s, 2, "drugs");
    sleep_ms(120);                                             /* past a quarter of the age */
    KT_EQ_INT(kz_dash_cache_refresh(c, sys, 1000), 1);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 2);
    /* the request gets the refreshed figures without computing */
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_EQ_INT(open_of(d, "drugs"), 2);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 2);
    /* nobody looking for longer than idle_ms: nothing computed */
    sleep_ms(220);
    KT_EQ_INT(kz_dash_cache_refresh(c, sys, 100), 0);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), 2);
out:
    kz_account_logout(&sys);
    kz_dash_cache_free(&c);
    free(d);
    kt_store_cleanup(&t, &s);
}

/* The library's refreshing thread (kz_dash_feed): a new case shows in the
 * figures without the viewer computing them, and stop joins the thread at
 * once (it sleeps on a condition, not a fixed sleep). */
KT_TEST(review_dash_feed_refreshes_and_stops)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "dashf");
    kz_actor *sys = NULL;
    kz_dashboard *d = calloc(1, sizeof *d);
    /* figures up to 4 s old: the thread refreshes them once they are 1 s
     * old, so the checks below have a second to themselves */
    kz_dash_cache *c = kz_dash_cache_new(4000);
    kz_dash_feed *f = NULL;
    char uri[128];
    if (!s || !d || !c)
        goto out;
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    one_case(s, 1, "drugs");
    snprintf(uri, sizeof uri, "sqlite:%s/k.db", t.dir);
    KT_EQ_INT(kz_dash_feed_start(&f, c, uri, 10000), 0);
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);             /* someone looks */
    KT_EQ_INT(open_of(d, "drugs"), 1);
    uint64_t before = kz_dash_cache_computed(c);
    one_case(s, 2, "drugs");
    for (int i = 0; i < 150 && kz_dash_cache_computed(c) == before; i++)
        sleep_ms(20);
    KT_CHECK(kz_dash_cache_computed(c) > before);          /* the thread computed them */
    uint64_t after = kz_dash_cache_computed(c);
    KT_EQ_INT(kz_dash_cache_get(c, sys, d), 0);
    KT_EQ_INT(open_of(d, "drugs"), 2);
    KT_EQ_INT((int64_t)kz_dash_cache_computed(c), (int64_t)after);   /* not by the viewer */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kz_dash_feed_stop(&f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    KT_CHECK(f == NULL);
    KT_CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
    kz_dash_feed_stop(&f);                                   /* twice: nothing */
    /* a store that cannot be opened: an error, nothing started */
    KT_CHECK(kz_dash_feed_start(&f, c, "sqlite:/nonexistent/dir/k.db", 1000) != 0);
    KT_CHECK(f != NULL && strstr(kz_dash_feed_errmsg(f), "/nonexistent/dir/k.db") != NULL);
    kz_dash_feed_stop(&f);                                   /* frees what says why */
    KT_CHECK(f == NULL);
out:
    kz_dash_feed_stop(&f);
    kz_account_logout(&sys);
    kz_dash_cache_free(&c);
    free(d);
    kt_store_cleanup(&t, &s);
}
