/*
 * tests/t_case_queue.c - the review queue and its holds (case/queue.h), on
 * SQLite and PostgreSQL: the order (held first, then the category's
 * deadline, the oldest, the score), one person per case, expiry and
 * renewal on a fake clock, who may take cases, and four takers at the same
 * moment on their own connections never getting the same case.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "case/queue.h"
#include <pthread.h>
#include <stdlib.h>

static int64_t add_case(kz_store *s, int n, const char *category, int score)
{
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/q/%d", n);
    snprintf(text, sizeof text, "queue post %d", n);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", category, "rule", score, 0, 4, NULL, NULL, 0 };
    kz_flag_in f = { category, score };
    kz_ingest_out out;
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id), kz_dbstr(category) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1 AND "
                        "category = $2", p, 2, &id), 0);
    return id;
}

static void order_and_holds(kz_store *s)
{
    kt_staff p = { 0 };
    kz_hold h;
    int64_t id = 0;
    kt_staff_login(s, &p);
    /* drugs: "*" (1 day); terrorism: 1 hour */
    int64_t c1 = add_case(s, 1, "drugs", 10);
    int64_t c2 = add_case(s, 2, "drugs", 90);
    int64_t c3 = add_case(s, 3, "terrorism", 20);
    int64_t c4 = add_case(s, 4, "bullying", 50);
    /* an older drugs case goes before the younger ones of its category */
    kz_dbval old[] = { kz_dbint(c1) };
    KT_EQ_INT(kz_db_query(kz_store_db(s), "UPDATE cases SET opened_at = '2020-01-01T00:00:00Z' "
                          "WHERE id = $1", old, 1, NULL), 0);
    /* the others opened in the same second, whatever the machine's load */
    KT_EQ_INT(kz_db_query(kz_store_db(s), "UPDATE cases SET opened_at = '2029-12-31T00:00:00Z' "
                          "WHERE id <> $1", old, 1, NULL), 0);
    /* nobody but a reviewer or a supervisor takes cases */
    KT_EQ_INT(kz_case_next(p.al, 0, 0, &id, NULL), KZ_EPERM);
    KT_EQ_INT(kz_case_next(p.root, 0, 0, &id, NULL), KZ_EPERM);
    KT_EQ_INT(kz_case_next(p.ann, -5, 0, &id, NULL), KZ_EINVAL);
    kt_staff_clock(&p, "2030-01-01T10:00:00Z");
    /* terrorism (1 h) first; then the oldest of the 1-day ones (c1 before
     * the bullying and drugs cases opened later), then drugs by score */
    KT_EQ_INT(kz_case_next(p.ann, 0, 0, &id, &h), 0);
    KT_EQ_INT(id, c3);
    KT_EQ_STR(h.holder, "ann");
    KT_EQ_STR(h.until, "2030-01-01T10:15:00Z");
    KT_CHECK(h.mine);
    /* asking again: the same case back, renewed */
    kt_staff_clock(&p, "2030-01-01T10:05:00Z");
    KT_EQ_INT(kz_case_next(p.ann, 0, 0, &id, &h), 0);
    KT_EQ_INT(id, c3);
    KT_EQ_STR(h.until, "2030-01-01T10:20:00Z");
    /* bob never gets ann's case */
    KT_EQ_INT(kz_case_next(p.bob, 0, 0, &id, &h), 0);
    KT_EQ_INT(id, c1);
    KT_EQ_INT(kz_case_hold_get(p.sue, c1, &h), 0);
    KT_EQ_STR(h.holder, "bob");
    KT_CHECK(!h.mine);
    /* bob renewing ann's case changes nothing */
    KT_EQ_INT(kz_case_hold_renew(p.bob, c3, 0, &h), 0);
    KT_EQ_STR(h.holder, "ann");
    KT_EQ_STR(h.until, "2030-01-01T10:20:00Z");
    /* sue: next after them; c4 (bullying, opened before c2? same second:
     * then by category name: bullying < drugs) */
    KT_EQ_INT(kz_case_next(p.sue, 0, 0, &id, NULL), 0);
    KT_EQ_INT(id, c4);
    KT_EQ_INT(kz_case_next(p.sam, 0, 0, &id, NULL), 0);
    KT_EQ_INT(id, c2);
    KT_EQ_INT(kz_case_release(p.sam, c2), 0);
    /* ann skips hers: she gets c2 (sam released it), and c3 is free */
    KT_EQ_INT(kz_case_next(p.ann, 0, c3, &id, NULL), 0);
    KT_EQ_INT(id, c2);
    KT_EQ_INT(kz_case_hold_get(p.ann, c3, &h), 0);
    KT_EQ_STR(h.holder, "");
    /* one case at a time: taking c2 dropped any other hold of ann's */
    int64_t nholds = -1;
    kz_dbval an[] = { kz_dbstr("ann") };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM case_holds h JOIN accounts x ON "
                        "x.id = h.account_id WHERE x.name = $1", an, 1, &nholds), 0);
    KT_EQ_INT(nholds, 1);
    /* expiry: 16 minutes later bob's hold on c1 has lapsed; sam gets c3
     * (free), then c1 */
    kt_staff_clock(&p, "2030-01-01T10:21:00Z");
    KT_EQ_INT(kz_case_hold_get(p.sue, c1, &h), 0);
    KT_EQ_STR(h.holder, "");
    KT_EQ_INT(kz_case_next(p.sam, 0, 0, &id, NULL), 0);
    KT_EQ_INT(id, c3);
    KT_EQ_INT(kz_case_next(p.sam, 0, c3, &id, NULL), 0);
    KT_EQ_INT(id, c1);
    /* bob comes back too late: his renewal does not take it back */
    KT_EQ_INT(kz_case_hold_renew(p.bob, c1, 0, &h), 0);
    KT_EQ_STR(h.holder, "sam");
    /* ann, whose hold lapsed but was not taken, renews it */
    KT_EQ_INT(kz_case_hold_renew(p.ann, c2, 0, &h), 0);
    KT_EQ_STR(h.holder, "ann");
    KT_EQ_STR(h.until, "2030-01-01T10:36:00Z");
    /* a decided case leaves the queue: assign c2 to ann, decide it */
    KT_EQ_INT(kz_case_assign(p.sue, c2, "ann"), 0);
    kz_decision_in d = { "no_action", NULL, "nothing illegal in this post", NULL, NULL, 0 };
    int64_t did;
    KT_EQ_INT(kz_case_decide(p.ann, c2, &d, &did), 0);
    KT_EQ_INT(kz_case_next(p.ann, 0, 0, &id, NULL), 0);
    KT_CHECK(id != c2);
    KT_EQ_INT(id, c3);
    /* bob gets c4: sue's hold of 10:05 lapsed at 10:20 */
    KT_EQ_INT(kz_case_next(p.bob, 0, 0, &id, NULL), 0);
    KT_EQ_INT(id, c4);
    /* nothing left for sue: c1 sam's, c3 ann's, c4 bob's, c2 decided */
    KT_EQ_INT(kz_case_next(p.sue, 0, 0, &id, NULL), KZ_ENOTFOUND);
    KT_CHECK(strstr(kz_account_errmsg(p.sue), "no case is waiting") != NULL);
    kt_staff_release(&p);
}

KT_TEST(case_queue_order_and_holds)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "queue");
    if (!s)
        return;
    order_and_holds(s);
    kt_store_cleanup(&t, &s);
}

KT_TEST(case_queue_order_and_holds_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "case_queue_order_and_holds_pg", "queue");
    if (!s)
        return;
    order_and_holds(s);
    kt_store_pg_drop(&d, &s);
}

/* "Assign to me": only a held-free detected case, by a reviewer or a
 * supervisor; audited as case.assign so the tables match the log. */
static void take_for_oneself(kz_store *s)
{
    kt_staff p = { 0 };
    int64_t id = 0;
    kt_staff_login(s, &p);
    int64_t c1 = add_case(s, 1, "drugs", 20);
    int64_t c2 = add_case(s, 2, "drugs", 10);
    KT_EQ_INT(kz_case_take(p.al, c1), KZ_EPERM);
    KT_EQ_INT(kz_case_take(p.root, c1), KZ_EPERM);
    KT_EQ_INT(kz_case_next(p.bob, 0, 0, &id, NULL), 0);
    KT_EQ_INT(id, c1);
    KT_EQ_INT(kz_case_take(p.ann, c1), KZ_ESTATE);
    KT_CHECK(strstr(kz_account_errmsg(p.ann), "held by 'bob'") != NULL);
    KT_EQ_INT(kz_case_take(p.ann, c2), 0);
    KT_EQ_INT(kz_case_take(p.ann, c2), KZ_ESTATE);
    KT_CHECK(strstr(kz_account_errmsg(p.ann), "in review by 'ann'") != NULL);
    KT_EQ_INT(kz_case_take(p.bob, c1), 0);
    kz_hold h;
    KT_EQ_INT(kz_case_hold_get(p.sue, c2, &h), 0);
    KT_EQ_STR(h.holder, "ann");
    kz_decision_in d = { "no_action", NULL, "nothing illegal in this post", NULL, NULL, 0 };
    int64_t did;
    KT_EQ_INT(kz_case_decide(p.ann, c2, &d, &did), 0);
    KT_EQ_INT(kz_case_decide(p.bob, c1, &d, &did), 0);
    char last[256] = "";
    kz_dbval q[] = { kz_dbint(c2) };
    kz_dbres *r = NULL;
    KT_EQ_INT(kz_db_query(kz_store_db(s), "SELECT after_state FROM audit_log WHERE entity = "
                          "'case' AND entity_id = $1 AND action = 'case.assign'", q, 1, &r), 0);
    if (kz_dbres_next(r) == 1)
        snprintf(last, sizeof last, "%s", kz_dbres_text(r, 0, NULL));
    kz_dbres_done(r);
    KT_EQ_STR(last, "{\"state\":\"in_review\",\"assigned_to\":\"ann\"}");
    kt_staff_release(&p);
}

KT_TEST(case_queue_take_for_oneself)
{
    kt_tmpstore t;
    char why[512] = "", uri[128];
    kz_store *s = kt_store_fresh(&t, "queuet");
    if (!s)
        return;
    take_for_oneself(s);
    snprintf(uri, sizeof uri, "sqlite:%s/k.db", t.dir);
    KT_EQ_INT(kt_rows_differ(uri, why, sizeof why), 0);
    kt_store_cleanup(&t, &s);
}

KT_TEST(case_queue_take_for_oneself_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "case_queue_take_for_oneself_pg", "queuet");
    if (!s)
        return;
    take_for_oneself(s);
    kt_store_pg_drop(&d, &s);
}

/* ---- takers at the same moment ------------------------------------------- */

#define TAKERS 4
#define ROUNDS 6

struct taker {
    const char *uri, *key, *name;
    pthread_barrier_t *bar;
    int64_t got[ROUNDS];
    int rc[ROUNDS];
};

static void *take(void *arg)
{
    struct taker *t = arg;
    kz_store *s = NULL;
    int64_t prev = 0;
    int ok = kz_store_open(&s, t->uri, 0) == 0;
    if (!ok)
        kz_store_close(&s);                         /* it only said why */
    if (ok)
        kz_store_set_signer(s, t->key);
    kz_actor *a = ok ? kt_login(s, t->name) : NULL;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(t->bar);
        t->rc[r] = a ? kz_case_next(a, 0, prev, &t->got[r], NULL) : -1;
        prev = t->got[r];
    }
    kz_account_logout(&a);
    kz_store_close(&s);
    return NULL;
}

static void concurrent(kz_store *s, const char *uri, const char *key)
{
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    kt_staff_release(&p);
    for (int i = 0; i < TAKERS * ROUNDS; i++)
        add_case(s, 100 + i, i % 3 ? "drugs" : "terrorism", 10 + i);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, TAKERS);
    static const char *const names[TAKERS] = { "ann", "bob", "sue", "sam" };
    struct taker tk[TAKERS];
    pthread_t th[TAKERS];
    for (int i = 0; i < TAKERS; i++) {
        memset(&tk[i], 0, sizeof tk[i]);
        tk[i].uri = uri;
        tk[i].key = key;
        tk[i].name = names[i];
        tk[i].bar = &bar;
        pthread_create(&th[i], NULL, take, &tk[i]);
    }
    for (int i = 0; i < TAKERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&bar);
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < TAKERS; i++) {
            if (tk[i].rc[r] != 0) {
                kt_fail(__FILE__, __LINE__, "round %d: %s: rc %d", r, names[i], tk[i].rc[r]);
                continue;
            }
            for (int j = 0; j < i; j++)
                if (tk[j].rc[r] == 0 && tk[j].got[r] == tk[i].got[r])
                    kt_fail(__FILE__, __LINE__, "round %d: %s and %s both got case %lld", r,
                            names[j], names[i], (long long)tk[i].got[r]);
        }
}

KT_TEST(case_queue_concurrent_takers)
{
    kt_tmpstore t;
    char uri[128], key[128];
    kz_store *s = kt_store_fresh(&t, "queuec");
    if (!s)
        return;
    snprintf(uri, sizeof uri, "sqlite:%s/k.db", t.dir);
    snprintf(key, sizeof key, "%s/k.db.audit-key", t.dir);
    concurrent(s, uri, key);
    kt_store_cleanup(&t, &s);
}

KT_TEST(case_queue_concurrent_takers_pg)
{
    kt_pgdb d;
    char uri[768];
    kz_store *s = kt_store_pg(&d, "case_queue_concurrent_takers_pg", "queuec");
    if (!s)
        return;
    kt_store_pg_uri(&d, uri, sizeof uri);
    concurrent(s, uri, d.key);
    kt_store_pg_drop(&d, &s);
}
