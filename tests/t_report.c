/*
 * tests/t_report.c - the transparency report (src/report/) reconciled with
 * the rows it counts.
 *
 * A database is built through the real workflow API: 30 items ingested
 * with kz_store_ingest (4 categories, 3 platforms, detections by rule,
 * regex and hash), then assigned, decided (every measure), approved,
 * notified, complied with, verified, appealed and resolved by real
 * accounts, each step at a known time on the workflow's test clock
 * (kz_account_set_clock).  Ingest stamps the real time, so the test moves
 * each case's opening time to a known date with one UPDATE, and marks a
 * few cases as not automated before they are decided.
 *
 * While building, the test keeps its own model of what it did (times,
 * measures, outcomes).  Every figure of the report, over several periods,
 * is checked against what the model says, computed here independently in
 * C; a few are also counted with separate SQL; the overall median is also
 * checked against a hand-computed number.  With KUZET_TEST_PG set, the
 * same runs on a throwaway PostgreSQL database.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "report/report.h"
#include "store/store.h"
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#define NCASES 30

static const char *const cats[] = { "bullying", "drugs", "suicide", "terrorism" };
static const char *const plats[] = { "chat", "forum", "video" };
static const char *const meths[] = { "rule", "regex", "hash" };

struct mcase {
    const char *cat, *plat, *measure;      /* measure NULL: not decided */
    int  automated, methods;               /* methods: bit per meths[] */
    char opened[21], decided[21], approved[21], sent[21], deadline[21], complied[21],
         removed[21], filed[21], resolved[21], reversed[21], outcome[16];
};

static struct mcase model[NCASES];

/* Every actor's clock reads t. */
static void at(kt_staff *p, const char *t)
{
    kz_actor *all[] = { p->root, p->ann, p->bob, p->sue, p->al, p->sys };
    for (size_t i = 0; i < KZ_ARRAY_LEN(all); i++)
        KT_EQ_INT(kz_account_set_clock(all[i], t), 0);
}

/* "2026-03-DD" day d (may run into April) plus hours and minutes -> ts */
static void ts(char out[21], int day, int hours, int minutes)
{
    int64_t s = ((int64_t)(day - 1) * 24 + hours) * 3600 + (int64_t)minutes * 60;
    unsigned d = (unsigned)(s / 86400) % 64, h = (unsigned)(s % 86400 / 3600) % 24,
             m = (unsigned)(s % 3600 / 60) % 60;
    unsigned mon = 3, dd = d + 1;
    if (dd > 31) {
        mon = 4;
        dd -= 31;
    }
    snprintf(out, 21, "2026-%02u-%02uT%02u:%02u:00Z", mon % 13, dd % 32, h, m);
}

static void plus_hours(char out[21], const char *t, int hours)
{
    int day = atoi(t + 8) + (t[6] == '4' ? 31 : 0);
    ts(out, day, atoi(t + 11) + hours, atoi(t + 14));
}

static void step(kz_actor *a, int rc, int line)
{
    if (rc)
        kt_fail(__FILE__, line, "step: %s (%s)", kz_strerror(rc), kz_account_errmsg(a));
}
#define STEP(a, call) step((a), (call), __LINE__)

/* Build the database and the model. */
static void build(kz_store *s)
{
    kt_staff p;
    kz_db *db = kz_store_db(s);
    kt_staff_login(s, &p);
    memset(model, 0, sizeof model);
    for (int i = 0; i < NCASES; i++) {
        struct mcase *m = &model[i];
        char url[64], text[64];
        m->cat = cats[i % 4];
        m->plat = plats[i % 3];
        m->automated = i % 7 != 0;
        snprintf(url, sizeof url, "https://%s.example.kz/p/%d", m->plat, i);
        snprintf(text, sizeof text, "post %d with flagged words", i);
        kz_item_in it = { url, strlen(url), m->plat, strlen(m->plat), NULL, 0, NULL, 0, NULL, 0,
                          text, strlen(text), NULL };
        kz_detection_in d[2] = { { "r1", m->cat, meths[i % 3], 40, 0, 4, NULL, NULL, 0 },
                                 { "r2", m->cat, meths[(i + 1) % 3], 40, 5, 9, NULL, NULL, 0 } };
        size_t nd = i % 5 == 0 ? 2 : 1;
        m->methods = 1 << (i % 3) | (nd == 2 ? 1 << ((i + 1) % 3) : 0);
        kz_flag_in f = { m->cat, 80 };
        kz_ingest_out out;
        KT_EQ_INT(kz_case_ingest(s, &it, d, nd, &f, 1, &out), 0);
        ts(m->opened, 1 + i, 8, 0);
        kz_dbval q[] = { kz_dbstr(m->opened), kz_dbint(m->automated), kz_dbint(out.item_id) };
        KT_EQ_INT(kz_db_query(db, "UPDATE cases SET opened_at = $1, automated = $2 WHERE item_id = $3",
                              q, 3, NULL), 0);
        int64_t cid = 0;
        kz_dbval q2[] = { kz_dbint(out.item_id) };
        KT_EQ_INT(kz_db_int(db, "SELECT id FROM cases WHERE item_id = $1", q2, 1, &cid), 0);

        int kind = i % 6;                   /* 0: not decided */
        if (kind == 0)
            continue;
        static const char *const ms[] = { NULL, "removal_request", "removal_request", "url_block",
                                          "geo_restriction", "domain_block" };
        m->measure = i == 11 ? "no_action" : ms[kind];
        ts(m->decided, 1 + i, 10, 0);
        at(&p, m->decided);
        STEP(p.al, kz_case_assign(p.al, cid, "ann"));
        kz_decision_in dec = { m->measure, "Law, art. 1", "reasons", "KZ", NULL, 30 };
        if (!strcmp(m->measure, "no_action"))
            dec.legal_basis = dec.scope = NULL, dec.days = 0;
        STEP(p.ann, kz_case_decide(p.ann, cid, &dec, NULL));
        if (kz_case_measure_needs_approval(m->measure)) {
            ts(m->approved, 1 + i, 11 + i % 16, 0);     /* some the next day */
            at(&p, m->approved);
            STEP(p.sue, kz_case_approve(p.sue, cid));
        }
        if (kind == 1 || kind == 2 || kind == 4) {
            char dl[21];
            ts(m->sent, 1 + i, 12, 0);
            at(&p, m->sent);
            STEP(p.al, kz_case_notify(p.al, cid, NULL, NULL, dl));
            plus_hours(m->deadline, m->sent, strcmp(m->cat, "terrorism") ? 24 : 1);
            KT_EQ_STR(dl, m->deadline);
            if (kind != 2) {
                /* 0 to 50 hours, in whole quarter hours */
                int mins = (i * 7 % 11) * 300 + (i % 4) * 15;
                ts(m->complied, 1 + i, 12 + mins / 60, mins % 60);
                at(&p, m->complied);
                STEP(p.al, kz_case_comply(p.al, cid, "removed"));
                if (i % 3 == 1) {
                    plus_hours(m->removed, m->complied, 1);
                    at(&p, m->removed);
                    STEP(p.al, kz_case_verify(p.al, cid, 1));
                }
            }
        }
        /* appeals: some reversed, some upheld, one left pending */
        if ((i % 4 == 3 || i == 1 || i == 20) && strcmp(m->measure, "no_action")) {
            plus_hours(m->filed, m->decided, 48);
            at(&p, m->filed);
            STEP(p.al, kz_case_appeal(p.al, cid, "content_owner", "grounds", NULL));
            if (i != 27) {
                plus_hours(m->resolved, m->filed, 30);
                snprintf(m->outcome, sizeof m->outcome, "%s", i % 8 == 3 ? "reversed" : "upheld");
                at(&p, m->resolved);
                STEP(p.bob, kz_case_resolve_appeal(p.bob, cid, m->outcome, "reasons"));
                if (!strcmp(m->outcome, "reversed"))
                    memcpy(m->reversed, m->resolved, sizeof m->reversed);
            }
        }
    }
    kt_staff_release(&p);
}

/* ---- expectations from the model ------------------------------------------ */

static const char *lo, *hi;
static int in(const char *t) { return t[0] && strcmp(t, lo) >= 0 && strcmp(t, hi) < 0; }
static int by_end(const char *t) { return t[0] && strcmp(t, hi) < 0; }

static void expect(const kz_report *r, const char *sec, const char *key, double want, int line)
{
    double v;
    int isnull;
    if (kz_report_get(r, sec, key, &v, &isnull)) {
        kt_fail(__FILE__, line, "no figure %s,%s", sec, key);
        return;
    }
    if (isnull || fabs(v - want) > 1e-9)
        kt_fail(__FILE__, line, "%s,%s = %s%g, expected %g (period %s..%s)", sec, key,
                isnull ? "null " : "", v, want, lo, hi);
}
#define EXPECT(sec, key, want) expect(r, (sec), (key), (double)(want), __LINE__)

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t secs(const char *t)
{
    int day = atoi(t + 8) + (t[6] == '4' ? 31 : 0);
    return (((int64_t)day * 24 + atoi(t + 11)) * 60 + atoi(t + 14)) * 60;
}

/* The median of the durations (hours) of complied notices matching
 * plat/cat (NULL: any); -1 when there are none.  *n: how many. */
static double model_median(const char *plat, const char *cat, int *n)
{
    int64_t v[NCASES];
    int k = 0;
    for (int i = 0; i < NCASES; i++) {
        const struct mcase *m = &model[i];
        if (!in(m->sent) || !by_end(m->complied)) continue;
        if ((plat && strcmp(plat, m->plat)) || (cat && strcmp(cat, m->cat))) continue;
        v[k++] = secs(m->complied) - secs(m->sent);
    }
    *n = k;
    if (!k) return -1;
    qsort(v, (size_t)k, sizeof v[0], cmp_i64);
    return k % 2 ? v[k / 2] / 3600.0 : (v[k / 2 - 1] + v[k / 2]) / 7200.0;
}

static void check(kz_store *s, const char *from, const char *to, const char *start,
                  const char *end)
{
    kz_report *r = NULL;
    char key[128];
    lo = start;
    hi = end;
    KT_EQ_INT(kz_report_compute(s, from, to, &r), 0);
    if (!r) return;
    int cases = 0, autom = 0, bym[3] = { 0 }, bycat[4] = { 0 }, dec = 0, decaut = 0,
        dcat[4] = { 0 }, url = 0, dom = 0, rev = 0, geo = 0, sent = 0, comp = 0, intime = 0,
        late = 0, over = 0, pend = 0, removed = 0, filed = 0, upheld = 0, reversed = 0,
        apend = 0, plat[3] = { 0 };
    int meas[5] = { 0 };
    static const char *const ms[] = { "no_action", "removal_request", "geo_restriction",
                                      "url_block", "domain_block" };
    for (int i = 0; i < NCASES; i++) {
        const struct mcase *m = &model[i];
        int c = 0, pl = 0;
        while (strcmp(cats[c], m->cat)) c++;
        while (strcmp(plats[pl], m->plat)) pl++;
        if (in(m->opened)) {
            cases++, autom += m->automated, bycat[c]++;
            for (int k = 0; k < 3; k++) bym[k] += !!(m->methods & 1 << k);
        }
        if (m->measure && in(m->decided)) {
            dec++, decaut += m->automated, dcat[c]++;
            for (int k = 0; k < 5; k++) meas[k] += !strcmp(ms[k], m->measure);
            if (!strcmp(m->measure, "geo_restriction") && !by_end(m->reversed)) geo++;
        }
        if (in(m->approved)) {
            int was_rev = by_end(m->reversed);
            rev += was_rev;
            if (!was_rev) url += !strcmp(m->measure, "url_block"), dom += !strcmp(m->measure, "domain_block");
        }
        if (in(m->sent)) {
            sent++, plat[pl]++;
            if (by_end(m->complied)) {
                comp++;
                if (strcmp(m->complied, m->deadline) <= 0) intime++; else late++;
            } else if (strcmp(m->deadline, hi) < 0) {
                over++;
            } else {
                pend++;
            }
        }
        removed += in(m->removed);
        if (in(m->filed)) { filed++; apend += !by_end(m->resolved); }
        if (in(m->resolved)) { upheld += !strcmp(m->outcome, "upheld"); reversed += !strcmp(m->outcome, "reversed"); }
    }
    EXPECT("items_flagged", "cases", cases);
    EXPECT("items_flagged", "items", cases);
    EXPECT("items_flagged", "automated", autom);
    EXPECT("items_flagged", "not_automated", cases - autom);
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "by_method.%s", meths[k]);
        EXPECT("items_flagged", key, bym[k]);
    }
    for (int c = 0; c < 4; c++) {
        double v;
        snprintf(key, sizeof key, "by_category.%s", cats[c]);
        if (bycat[c]) EXPECT("items_flagged", key, bycat[c]);
        else KT_EQ_INT(kz_report_get(r, "items_flagged", key, &v, NULL), KZ_ENOTFOUND);
        snprintf(key, sizeof key, "by_category.%s", cats[c]);
        if (dcat[c]) EXPECT("decisions", key, dcat[c]);
        else KT_EQ_INT(kz_report_get(r, "decisions", key, &v, NULL), KZ_ENOTFOUND);
    }
    EXPECT("decisions", "total", dec);
    for (int k = 0; k < 5; k++) {
        snprintf(key, sizeof key, "by_measure.%s", ms[k]);
        EXPECT("decisions", key, meas[k]);
    }
    EXPECT("automation", "decisions", dec);
    EXPECT("automation", "automated", decaut);
    if (dec) EXPECT("automation", "automated_share", (double)decaut / dec);
    EXPECT("links_blocked", "total", url + dom);
    EXPECT("links_blocked", "url_block", url);
    EXPECT("links_blocked", "domain_block", dom);
    EXPECT("links_blocked", "approved_then_reversed", rev);
    EXPECT("geo_restricted", "items", geo);
    EXPECT("geo_restricted", "decisions", geo);
    EXPECT("notices", "sent", sent);
    EXPECT("notices", "complied", comp);
    EXPECT("notices", "complied_in_time", intime);
    EXPECT("notices", "complied_late", late);
    EXPECT("notices", "overdue", over);
    EXPECT("notices", "pending", pend);
    EXPECT("notices", "items_verified_removed", removed);
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "sent_by_platform.%s", plats[k]);
        if (plat[k]) EXPECT("notices", key, plat[k]);
    }
    EXPECT("appeals", "filed", filed);
    EXPECT("appeals", "upheld", upheld);
    EXPECT("appeals", "reversed", reversed);
    EXPECT("appeals", "pending", apend);
    int n;
    double med = model_median(NULL, NULL, &n);
    EXPECT("time_to_removal", "overall.n", n);
    if (n) EXPECT("time_to_removal", "overall.median_hours", med);
    for (int k = 0; k < 3; k++) {
        med = model_median(plats[k], NULL, &n);
        snprintf(key, sizeof key, "by_platform.%s.median_hours", plats[k]);
        if (n) EXPECT("time_to_removal", key, med);
        snprintf(key, sizeof key, "by_platform.%s.n", plats[k]);
        if (n) EXPECT("time_to_removal", key, n);
    }
    for (int k = 0; k < 4; k++) {
        med = model_median(NULL, cats[k], &n);
        snprintf(key, sizeof key, "by_category.%s.median_hours", cats[k]);
        if (n) EXPECT("time_to_removal", key, med);
    }
    /* the same figures counted by separate SQL */
    kz_db *db = kz_store_db(s);
    kz_dbval p[] = { kz_dbstr(lo), kz_dbstr(hi) };
    int64_t v = -1;
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM notices WHERE sent_at >= $1 AND sent_at < $2", p, 2, &v), 0);
    EXPECT("notices", "sent", v);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM decisions WHERE decided_at >= $1 AND decided_at < $2", p, 2, &v), 0);
    EXPECT("decisions", "total", v);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM cases WHERE opened_at >= $1 AND opened_at < $2", p, 2, &v), 0);
    EXPECT("items_flagged", "cases", v);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM appeals WHERE filed_at >= $1 AND filed_at < $2", p, 2, &v), 0);
    EXPECT("appeals", "filed", v);
    /* the JSON says the same as the figures */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_report_json(r, &b), 0);
    json_object *o = json_tokener_parse(b.p), *x = NULL, *y = NULL;
    KT_CHECK(o != NULL);
    KT_CHECK(json_object_object_get_ex(o, "notices", &x) && json_object_object_get_ex(x, "sent", &y));
    KT_EQ_INT(json_object_get_int64(y), sent);
    KT_CHECK(json_object_object_get_ex(o, "decisions", &x) && json_object_object_get_ex(x, "by_measure", &x) &&
             json_object_object_get_ex(x, "url_block", &y));
    KT_EQ_INT(json_object_get_int64(y), meas[3]);
    json_object_put(o);
    kz_buf_reset(&b);
    KT_EQ_INT(kz_report_csv(r, &b), 0);
    KT_CHECK(strncmp(b.p, "section,key,value\nperiod,from,", 30) == 0);
    /* the rows are what the CSV writes, line by line (no field here needs quotes) */
    size_t nrows = 0;
    const kz_report_row *rows = kz_report_rows(r, &nrows);
    kz_buf c;
    kz_buf_init(&c, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_buf_adds(&c, "section,key,value\n"), 0);
    for (size_t i = 0; i < nrows; i++)
        KT_EQ_INT(kz_buf_addf(&c, "%s,%s,%s\n", rows[i].section, rows[i].key, rows[i].value), 0);
    KT_EQ_STR(c.p, b.p);
    kz_buf_release(&c);
    const kz_report_row *f = kz_report_find(r, "decisions", "by_measure.url_block");
    KT_CHECK(f != NULL && f->kind == KZ_FIG_INT && f->depth == 3 && f->num == (double)meas[3]);
    KT_CHECK(f && !strcmp(f->path[1], "by_measure") && !strcmp(f->path[2], "url_block"));
    KT_CHECK(kz_report_find(r, "decisions", "by_measure") == NULL);
    kz_buf_release(&b);
    kz_report_free(&r);
}

static void reconcile(kz_store *s)
{
    build(s);
    /* a period that cuts through the data, all of it, one day, an empty one */
    check(s, "2026-03-03", "2026-03-25", "2026-03-03T00:00:00Z", "2026-03-26T00:00:00Z");
    check(s, "2026-01-01", "2026-12-31", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    check(s, "2026-03-14", "2026-03-14", "2026-03-14T00:00:00Z", "2026-03-15T00:00:00Z");
    check(s, "2025-01-01", "2025-12-31", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    /* hand-computed: 10 complied notices over the whole range, from cases
     * 1, 4, 7, 10, 13, 16, 19, 22, 25, 28 (minutes = (i*7 % 11)*300 +
     * (i%4)*15): 2115, 1800, 1545, 1230, 915, 600, 345, 30, 3015, 2700
     * -> sorted 30 345 600 915 1230 1545 1800 2115 2700 3015: the median
     * is (1230 + 1545) / 2 = 1387.5 minutes = 23.125 hours */
    kz_report *r = NULL;
    lo = "2026-01-01T00:00:00Z", hi = "2027-01-01T00:00:00Z";
    KT_EQ_INT(kz_report_compute(s, "2026-01-01", "2026-12-31", &r), 0);
    if (r) {
        EXPECT("time_to_removal", "overall.n", 10);
        EXPECT("time_to_removal", "overall.median_hours", 23.125);
        EXPECT("decisions", "by_measure.no_action", 1);
        EXPECT("appeals", "pending", 1);
    }
    kz_report_free(&r);
}

KT_TEST(report_reconciles_sqlite)
{
    char dir[64] = "/tmp/kt-report-XXXXXX", path[128], cmd[128];
    kz_store *s = NULL;
    int from, to;
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/k.db", dir);
    if (kz_store_open(&s, path, 0)) {
        kt_fail(__FILE__, __LINE__, "open: %s", kz_store_errmsg(s));
        kz_store_close(&s);
        return;
    }
    KT_EQ_INT(kz_store_migrate(s, &from, &to), 0);
    reconcile(s);
    kz_store_close(&s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) kt_fail(__FILE__, __LINE__, "cleanup failed");
}

KT_TEST(report_dates)
{
    KT_CHECK(kz_report_date_ok("2024-02-29"));
    KT_CHECK(!kz_report_date_ok("2023-02-29"));
    KT_CHECK(!kz_report_date_ok("2023-13-01"));
    KT_CHECK(!kz_report_date_ok("2023-1-01"));
    KT_CHECK(!kz_report_date_ok("2023-01-01x"));
    KT_CHECK(!kz_report_date_ok(""));
    KT_CHECK(kz_report_date_ok("2000-02-29"));
    KT_CHECK(!kz_report_date_ok("1900-02-29"));
}

/* ---- PostgreSQL ------------------------------------------------------------ */

KT_TEST(report_reconciles_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "report_reconciles_pg", "report");
    if (!s)
        return;
    reconcile(s);
    kt_store_pg_drop(&d, &s);
}
