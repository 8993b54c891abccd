/*
 * report/report.c - the transparency report: each figure is one SQL
 * aggregate over the store's rows in the period (the same SQL on SQLite
 * and PostgreSQL), and the medians of notice-to-removal times are taken
 * here, in C, from the durations fetched and sorted (no SQL median, which
 * SQLite lacks).  Group keys (categories, platforms) are sorted here with
 * strcmp, so the order does not depend on the database's collation.
 *
 * The period is [lo, hi): lo = "FROMT00:00:00Z", hi = the day after TO at
 * 00:00:00Z.  Timestamps are stored as "YYYY-MM-DDTHH:MM:SSZ", which
 * compare as text the same on both backends.
 */
#include "report.h"
#include "case/case.h"
#include <stdarg.h>

struct kz_report {
    kz_report_row *f;
    size_t         n, cap;
};

static const char *const methods[] = { "rule", "regex", "hash" };

/* ---- dates ----------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

static int parse_date(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    if (!digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
        return 0;
    if (*y < 1000 || *y > 9998 || *m < 1 || *m > 12 || *d < 1)
        return 0;
    int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    return *d <= mdays[*m - 1] + (*m == 2 && leap);
}

int kz_report_date_ok(const char *d)
{
    int y, m, dd;
    return parse_date(d, &y, &m, &dd);
}

/* "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch; -1 when malformed. */
static int64_t ts_secs(const char *t)
{
    int y, mo, d, h, mi, se;
    if (!t || strlen(t) < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
        t[16] != ':' || !digits(t, 4, &y) || !digits(t + 5, 2, &mo) || !digits(t + 8, 2, &d) ||
        !digits(t + 11, 2, &h) || !digits(t + 14, 2, &mi) || !digits(t + 17, 2, &se) ||
        mo < 1 || mo > 12)
        return -1;
    return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
}

/* ---- figures ------------------------------------------------------------------ */

static void fig_release(kz_report_row *f)
{
    for (int j = 0; j < f->depth; j++)
        free((char *)f->path[j]);
    free((char *)f->key);
    free((char *)f->str);
    free((char *)f->value);
}

void kz_report_free(kz_report **rp)
{
    if (!rp || !*rp)
        return;
    for (size_t i = 0; i < (*rp)->n; i++)
        fig_release(&(*rp)->f[i]);
    free((*rp)->f);
    free(*rp);
    *rp = NULL;
}

/* A number as the report writes it: up to 6 decimals, no trailing zeros. */
static int add_num(kz_buf *b, double v)
{
    char t[64];
    snprintf(t, sizeof t, "%.6f", v);
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '0')
        n--;
    if (t[n - 1] == '.')
        n--;
    return kz_buf_add(b, t, n);
}

/* f's key (its keys joined by '.') and its value as text. */
static int fig_texts(kz_report_row *f)
{
    kz_buf k, v;
    int rc = 0;
    kz_buf_init(&k, KZ_BUF_NOLIMIT);
    kz_buf_init(&v, KZ_BUF_NOLIMIT);
    for (int j = 1; j < f->depth && !rc; j++)
        rc = (j > 1 ? kz_buf_addc(&k, '.') : 0) || kz_buf_adds(&k, f->path[j]) ? KZ_ENOMEM : 0;
    if (!rc)
        rc = f->kind == KZ_FIG_INT   ? kz_buf_addf(&v, "%lld", (long long)f->i)
             : f->kind == KZ_FIG_NUM ? add_num(&v, f->num)
             : f->kind == KZ_FIG_STR ? kz_buf_adds(&v, f->str) : 0;
    if (!rc && (!(f->key = kz_strdup(k.p ? k.p : "")) || !(f->value = kz_strdup(v.p ? v.p : ""))))
        rc = KZ_ENOMEM;
    kz_buf_release(&k);
    kz_buf_release(&v);
    return rc;
}

/* Add a figure; the path is NULL-terminated (section first). */
static int fig_add(kz_report *r, int kind, int64_t i, double d, const char *s, ...)
{
    kz_report_row f;
    va_list ap;
    const char *p;
    char *c;
    memset(&f, 0, sizeof f);
    f.kind = kind;
    f.i = i;
    f.num = kind == KZ_FIG_INT ? (double)i : kind == KZ_FIG_NUM ? d : 0;
    if (KZ_GROW(r->f, r->cap, r->n + 1))
        return KZ_ENOMEM;
    va_start(ap, s);
    while ((p = va_arg(ap, const char *)) != NULL && f.depth < KZ_REPORT_DEPTH) {
        if (!(c = kz_strdup(p)))
            break;
        f.path[f.depth++] = c;
    }
    va_end(ap);
    if ((p && f.depth < KZ_REPORT_DEPTH) || (s && !(f.str = kz_strdup(s))) || fig_texts(&f)) {
        fig_release(&f);
        return KZ_ENOMEM;
    }
    f.section = f.path[0];
    r->f[r->n++] = f;
    return 0;
}

#define ADD_INT(r, v, ...) fig_add((r), KZ_FIG_INT, (v), 0, NULL, __VA_ARGS__, (const char *)NULL)
#define ADD_NUM(r, v, ...) fig_add((r), KZ_FIG_NUM, 0, (v), NULL, __VA_ARGS__, (const char *)NULL)
#define ADD_STR(r, v, ...) fig_add((r), KZ_FIG_STR, 0, 0, (v), __VA_ARGS__, (const char *)NULL)
#define ADD_NULL(r, ...)   fig_add((r), KZ_FIG_NULL, 0, 0, NULL, __VA_ARGS__, (const char *)NULL)

/* ---- tallies: counts by a text key, sorted by strcmp -------------------------- */

struct tally_e { char *k; int64_t v; };
struct tally { struct tally_e *e; size_t n, cap; };

static int tally_add(struct tally *t, const char *k, int64_t v)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->e[i].k, k)) {
            t->e[i].v += v;
            return 0;
        }
    if (KZ_GROW(t->e, t->cap, t->n + 1))
        return KZ_ENOMEM;
    if (!(t->e[t->n].k = kz_strdup(k)))
        return KZ_ENOMEM;
    t->e[t->n++].v = v;
    return 0;
}

static int tally_cmp(const void *a, const void *b)
{
    return strcmp(((const struct tally_e *)a)->k, ((const struct tally_e *)b)->k);
}

static void tally_sort(struct tally *t)
{
    if (t->n > 1)
        qsort(t->e, t->n, sizeof *t->e, tally_cmp);
}

static void tally_release(struct tally *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->e[i].k);
    free(t->e);
    memset(t, 0, sizeof *t);
}

/* ---- the queries ----------------------------------------------------------- */

struct ctx {
    kz_store  *s;
    kz_db     *db;
    kz_report *r;
    kz_dbval   p[2];            /* $1 = lo, $2 = hi */
};

static const char *col_text(kz_dbres *res, int col, const char *dflt)
{
    const char *t = kz_dbres_text(res, col, NULL);
    return t ? t : dflt;
}

/* One row of up to 8 integer columns. */
static int row_ints(struct ctx *c, const char *sql, int64_t *v, int n)
{
    kz_dbres *res = NULL;
    int rc = kz_db_query(c->db, sql, c->p, 2, &res);
    if (rc)
        goto out;
    if ((rc = kz_dbres_next(res)) < 0)
        goto out;
    for (int i = 0; i < n; i++)
        v[i] = rc == 1 && !kz_dbres_null(res, i) ? kz_dbres_int(res, i) : 0;
    rc = 0;
out:
    kz_dbres_done(res);
    return rc;
}

/* Rows of (key, count), or with two keys (key1, key2, count) into t2 as
 * "key1\x1fkey2". */
static int tally_query(struct ctx *c, const char *sql, int nkeys, struct tally *t,
                       const char *null_key)
{
    kz_dbres *res = NULL;
    char key[1024];
    int rc = kz_db_query(c->db, sql, c->p, 2, &res);
    if (rc)
        goto out;
    while ((rc = kz_dbres_next(res)) == 1) {
        if (nkeys == 1)
            snprintf(key, sizeof key, "%s", col_text(res, 0, null_key));
        else
            snprintf(key, sizeof key, "%s\x1f%s", col_text(res, 0, null_key),
                     col_text(res, 1, null_key));
        if ((rc = tally_add(t, key, kz_dbres_int(res, nkeys))) != 0)
            goto out;
    }
out:
    kz_dbres_done(res);
    return rc;
}

#define IN_PERIOD(col) col " >= $1 AND " col " < $2"

/*
 * The notices sent in the period, each with the time its item was removed
 * (removed_at), as far as known at the end of the period:
 *   - the first check by kuzet verify after the notice (in a later second:
 *     times are to the second) that found the item gone (item_checks,
 *     docs/verify.md), or
 *   - the compliance the platform claimed (complied_at), unless a check
 *     after it (before the end) found the item still there,
 *   whichever is earlier; NULL when neither or when that is not before the
 *   end.  verified is 1 when the time is a check's.  back_at is the first
 *   check after removed_at (and before the end) that found the item online
 *   again: the content came back, and the notice counts as "came_back",
 *   not as complied with.
 * Columns: item_id, sent_at, deadline, platform_id, category, removed_at,
 * verified, back_at.  A query starts with NOTICE_REMOVALS_WITH and reads
 * FROM NOTICE_REMOVALS.  The per-notice lookups are MATERIALIZED CTEs
 * (SQLite >= 3.35, PostgreSQL >= 12): flattened into the query, each use
 * of removed_at would run them again (6 s instead of 0.4 s for 40,000
 * notices with 80,000 checks).
 */
#define NOTICE_REMOVALS_WITH                                                                  \
    "WITH nrx AS MATERIALIZED (SELECT c.item_id, n.sent_at, n.deadline, n.platform_id, "       \
    "c.category, n.complied_at AS claimed, (SELECT MIN(v.checked_at) FROM item_checks v WHERE " \
    "v.item_id = c.item_id AND v.outcome = 'gone' AND v.checked_at > n.sent_at AND "            \
    "v.checked_at < $2) AS first_gone, CASE WHEN n.complied_at IS NOT NULL AND NOT EXISTS "     \
    "(SELECT 1 FROM item_checks v WHERE v.item_id = c.item_id AND v.outcome = 'present' AND "   \
    "v.checked_at > n.complied_at AND v.checked_at < $2) THEN 1 ELSE 0 END AS claim_ok FROM "   \
    "notices n JOIN decisions d ON d.id = n.decision_id JOIN cases c ON c.id = d.case_id "      \
    "WHERE " IN_PERIOD("n.sent_at") "), "                                                       \
    "nry AS MATERIALIZED (SELECT item_id, sent_at, deadline, platform_id, category, CASE WHEN " \
    "claim_ok = 1 AND (first_gone IS NULL OR claimed <= first_gone) THEN claimed ELSE "         \
    "first_gone END AS rm, CASE WHEN first_gone IS NOT NULL AND (claim_ok = 0 OR first_gone "   \
    "<= claimed) THEN 1 ELSE 0 END AS by_check FROM nrx), "                                     \
    "nrz AS MATERIALIZED (SELECT item_id, sent_at, deadline, platform_id, category, CASE WHEN " \
    "rm < $2 THEN rm END AS removed_at, CASE WHEN rm < $2 THEN by_check ELSE 0 END AS "         \
    "verified, CASE WHEN rm < $2 THEN (SELECT MIN(v.checked_at) FROM item_checks v WHERE "      \
    "v.item_id = nry.item_id AND v.outcome = 'present' AND v.checked_at > nry.rm AND "          \
    "v.checked_at < $2) END AS back_at FROM nry) "
#define NOTICE_REMOVALS "nrz nr "

static int items_flagged(struct ctx *c)
{
    int64_t v[3];
    struct tally cat = { 0 }, meth = { 0 };
    int rc;
    if ((rc = row_ints(c, "SELECT COUNT(*), COUNT(DISTINCT item_id), "
                          "COALESCE(SUM(CASE WHEN automated <> 0 THEN 1 ELSE 0 END), 0) "
                          "FROM cases WHERE " IN_PERIOD("opened_at"), v, 3)) != 0)
        goto out;
    if ((rc = tally_query(c, "SELECT category, COUNT(*) FROM cases WHERE " IN_PERIOD("opened_at")
                             " GROUP BY category", 1, &cat, "")) != 0)
        goto out;
    if ((rc = tally_query(c, "SELECT d.method, COUNT(DISTINCT c.id) FROM cases c JOIN detections d "
                             "ON d.item_id = c.item_id AND d.category = c.category WHERE "
                             IN_PERIOD("c.opened_at") " GROUP BY d.method", 1, &meth, "")) != 0)
        goto out;
    tally_sort(&cat);
    if ((rc = ADD_INT(c->r, v[0], "items_flagged", "cases")) ||
        (rc = ADD_INT(c->r, v[1], "items_flagged", "items")) ||
        (rc = ADD_INT(c->r, v[2], "items_flagged", "automated")) ||
        (rc = ADD_INT(c->r, v[0] - v[2], "items_flagged", "not_automated")))
        goto out;
    for (size_t i = 0; i < cat.n; i++)
        if ((rc = ADD_INT(c->r, cat.e[i].v, "items_flagged", "by_category", cat.e[i].k)))
            goto out;
    for (size_t m = 0; m < KZ_ARRAY_LEN(methods); m++) {
        int64_t n = 0;
        for (size_t i = 0; i < meth.n; i++)
            if (!strcmp(meth.e[i].k, methods[m]))
                n = meth.e[i].v;
        if ((rc = ADD_INT(c->r, n, "items_flagged", "by_method", methods[m])))
            goto out;
    }
out:
    tally_release(&cat);
    tally_release(&meth);
    return rc;
}

static int decisions(struct ctx *c)
{
    struct tally cm = { 0 }, cat = { 0 };
    int64_t v[2], bym[KZ_CASE_NMEASURES] = { 0 };
    int rc;
    if ((rc = row_ints(c, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN automated_detection <> 0 "
                          "THEN 1 ELSE 0 END), 0) FROM decisions WHERE " IN_PERIOD("decided_at"),
                       v, 2)) != 0)
        goto out;
    if ((rc = tally_query(c, "SELECT c.category, d.measure, COUNT(*) FROM decisions d JOIN cases c "
                             "ON c.id = d.case_id WHERE " IN_PERIOD("d.decided_at")
                             " GROUP BY c.category, d.measure", 2, &cm, "")) != 0)
        goto out;
    tally_sort(&cm);
    for (size_t i = 0; i < cm.n; i++) {
        char *sep = strchr(cm.e[i].k, '\x1f');
        *sep = '\0';
        if ((rc = tally_add(&cat, cm.e[i].k, cm.e[i].v)) != 0)
            goto out;
        for (size_t m = 0; m < KZ_CASE_NMEASURES; m++)
            if (!strcmp(sep + 1, kz_case_measure(m)))
                bym[m] += cm.e[i].v;
        *sep = '\x1f';
    }
    tally_sort(&cat);
    if ((rc = ADD_INT(c->r, v[0], "decisions", "total")))
        goto out;
    for (size_t m = 0; m < KZ_CASE_NMEASURES; m++)
        if ((rc = ADD_INT(c->r, bym[m], "decisions", "by_measure", kz_case_measure(m))))
            goto out;
    for (size_t i = 0; i < cat.n; i++)
        if ((rc = ADD_INT(c->r, cat.e[i].v, "decisions", "by_category", cat.e[i].k)))
            goto out;
    for (size_t i = 0; i < cm.n; i++) {
        char *sep = strchr(cm.e[i].k, '\x1f');
        *sep = '\0';
        rc = ADD_INT(c->r, cm.e[i].v, "decisions", "by_category_and_measure", cm.e[i].k, sep + 1);
        *sep = '\x1f';
        if (rc)
            goto out;
    }
    /* the share of decisions where detection was automated */
    if ((rc = ADD_INT(c->r, v[0], "automation", "decisions")) ||
        (rc = ADD_INT(c->r, v[1], "automation", "automated")) ||
        (rc = ADD_INT(c->r, v[0] - v[1], "automation", "not_automated")))
        goto out;
    rc = v[0] ? ADD_NUM(c->r, (double)v[1] / (double)v[0], "automation", "automated_share")
              : ADD_NULL(c->r, "automation", "automated_share");
out:
    tally_release(&cm);
    tally_release(&cat);
    return rc;
}

static int measures_in_force(struct ctx *c)
{
    int64_t u[2], d[2], g[2];
    int rc;
    /* blocks approved in the period; reversed = lifted on appeal by the end of it */
    if ((rc = row_ints(c, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN reversed_at IS NOT NULL AND "
                          "reversed_at < $2 THEN 1 ELSE 0 END), 0) FROM decisions WHERE measure = "
                          "'url_block' AND " IN_PERIOD("approved_at"), u, 2)) ||
        (rc = row_ints(c, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN reversed_at IS NOT NULL AND "
                          "reversed_at < $2 THEN 1 ELSE 0 END), 0) FROM decisions WHERE measure = "
                          "'domain_block' AND " IN_PERIOD("approved_at"), d, 2)) ||
        (rc = row_ints(c, "SELECT COUNT(DISTINCT c.item_id), COUNT(*) FROM decisions d JOIN cases c "
                          "ON c.id = d.case_id WHERE d.measure = 'geo_restriction' AND "
                          IN_PERIOD("d.decided_at") " AND (d.reversed_at IS NULL OR "
                          "d.reversed_at >= $2)", g, 2)))
        return rc;
    if ((rc = ADD_INT(c->r, u[0] - u[1] + d[0] - d[1], "links_blocked", "total")) ||
        (rc = ADD_INT(c->r, u[0] - u[1], "links_blocked", "url_block")) ||
        (rc = ADD_INT(c->r, d[0] - d[1], "links_blocked", "domain_block")) ||
        (rc = ADD_INT(c->r, u[1] + d[1], "links_blocked", "approved_then_reversed")) ||
        (rc = ADD_INT(c->r, g[0], "geo_restricted", "items")) ||
        (rc = ADD_INT(c->r, g[1], "geo_restricted", "decisions")))
        return rc;
    return 0;
}

static int notices(struct ctx *c)
{
    int64_t v[8], removed = 0;
    struct tally plat = { 0 };
    int rc;
    if ((rc = row_ints(c,
             NOTICE_REMOVALS_WITH "SELECT COUNT(*),"
             " COALESCE(SUM(CASE WHEN removed_at IS NOT NULL AND back_at IS NULL THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN removed_at IS NOT NULL AND back_at IS NULL AND removed_at <= "
             "deadline THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN removed_at IS NOT NULL AND back_at IS NULL AND removed_at > "
             "deadline THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN back_at IS NOT NULL THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN removed_at IS NULL AND deadline < $2 THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN removed_at IS NULL AND deadline >= $2 THEN 1 ELSE 0 END), 0),"
             " COALESCE(SUM(CASE WHEN removed_at IS NOT NULL AND back_at IS NULL AND verified = 1 "
             "THEN 1 ELSE 0 END), 0) "
             "FROM " NOTICE_REMOVALS, v, 8)))
        goto out;
    if ((rc = row_ints(c, "SELECT COUNT(*) FROM items WHERE " IN_PERIOD("removed_at"),
                       &removed, 1)))
        goto out;
    if ((rc = tally_query(c, "SELECT p.name, COUNT(*) FROM notices n LEFT JOIN platforms p ON "
                             "p.id = n.platform_id WHERE " IN_PERIOD("n.sent_at") " GROUP BY p.name",
                          1, &plat, "(none)")))
        goto out;
    tally_sort(&plat);
    if ((rc = ADD_INT(c->r, v[0], "notices", "sent")) ||
        (rc = ADD_INT(c->r, v[1], "notices", "complied")) ||
        (rc = ADD_INT(c->r, v[2], "notices", "complied_in_time")) ||
        (rc = ADD_INT(c->r, v[3], "notices", "complied_late")) ||
        (rc = ADD_INT(c->r, v[4], "notices", "came_back")) ||
        (rc = ADD_INT(c->r, v[5], "notices", "overdue")) ||
        (rc = ADD_INT(c->r, v[6], "notices", "pending")) ||
        (rc = ADD_INT(c->r, removed, "notices", "items_verified_removed")) ||
        (rc = ADD_INT(c->r, v[7], "notices", "removals_verified")))
        goto out;
    for (size_t i = 0; i < plat.n; i++)
        if ((rc = ADD_INT(c->r, plat.e[i].v, "notices", "sent_by_platform", plat.e[i].k)))
            goto out;
out:
    tally_release(&plat);
    return rc;
}

/* ---- compliance and time to removal ------------------------------------------ */

/* One notice sent in the period: its group keys and what became of it. */
struct nrow {
    char   *plat, *cat;
    int     removed;          /* removed before the end, and not back */
    int     in_time;          /* of those, by the deadline */
    int     back;             /* removed, then found online again: came back */
    int64_t secs;             /* removed: seconds from the notice to the removal */
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static const char *nrow_key(const struct nrow *r, int by) { return by ? r->plat : r->cat; }

static int nrow_by_plat(const void *a, const void *b)
{
    return strcmp(((const struct nrow *)a)->plat, ((const struct nrow *)b)->plat);
}

static int nrow_by_cat(const void *a, const void *b)
{
    return strcmp(((const struct nrow *)a)->cat, ((const struct nrow *)b)->cat);
}

/* The median of n sorted durations, in hours (n > 0): for an even n the
 * mean of the two middle ones. */
static double median_hours(const int64_t *d, size_t n)
{
    if (n % 2)
        return (double)d[n / 2] / 3600.0;
    return ((double)d[n / 2 - 1] + (double)d[n / 2]) / 7200.0;
}

/* The 90th percentile of n sorted durations, in hours (n > 0), by the
 * nearest rank: the k-th smallest, k = ceil(0.9 n). */
static double p90_hours(const int64_t *d, size_t n)
{
    size_t k = (9 * n + 9) / 10;
    return (double)d[k - 1] / 3600.0;
}

static int add_rate(struct ctx *c, int64_t num, int64_t den, const char *a, const char *b,
                    const char *k, const char *name)
{
    if (!den)
        return k ? ADD_NULL(c->r, a, b, k, name) : ADD_NULL(c->r, a, b, name);
    double v = (double)num / (double)den;
    return k ? ADD_NUM(c->r, v, a, b, k, name) : ADD_NUM(c->r, v, a, b, name);
}

/* The compliance figures of rows r[0..n) under section / group [/ key]. */
static int compliance_group(struct ctx *c, const struct nrow *r, size_t n, const char *group,
                            const char *key)
{
    int64_t v[4] = { (int64_t)n, 0, 0, 0 };       /* sent, complied, in time, came back */
    static const char *const names[] = { "sent", "complied", "complied_in_time", "came_back" };
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        v[1] += r[i].removed;
        v[2] += r[i].removed && r[i].in_time;
        v[3] += r[i].back;
    }
    for (int j = 0; j < 4 && !rc; j++)
        rc = key ? ADD_INT(c->r, v[j], "compliance", group, key, names[j])
                 : ADD_INT(c->r, v[j], "compliance", group, names[j]);
    if (!rc)
        rc = add_rate(c, v[1], v[0], "compliance", group, key, "compliance_rate");
    if (!rc)
        rc = add_rate(c, v[3], v[1] + v[3], "compliance", group, key, "came_back_rate");
    return rc;
}

/* n, median and 90th percentile of the removals (that held) among r[0..n). */
static int ttr_group(struct ctx *c, const struct nrow *r, size_t n, const char *group,
                     const char *key, int64_t *tmp)
{
    size_t m = 0;
    int rc;
    for (size_t i = 0; i < n; i++)
        if (r[i].removed)
            tmp[m++] = r[i].secs;
    if (key && !m)
        return 0;                                  /* groups only where there is a removal */
    if (m > 1)
        qsort(tmp, m, sizeof *tmp, cmp_i64);
    if ((rc = key ? ADD_INT(c->r, (int64_t)m, "time_to_removal", group, key, "n")
                  : ADD_INT(c->r, (int64_t)m, "time_to_removal", group, "n")))
        return rc;
    const char *mh = "median_hours", *ph = "p90_hours";
    if (!m)
        return key ? 0 : (ADD_NULL(c->r, "time_to_removal", group, mh) ||
                          ADD_NULL(c->r, "time_to_removal", group, ph)) ? KZ_ENOMEM : 0;
    if (key)
        return (ADD_NUM(c->r, median_hours(tmp, m), "time_to_removal", group, key, mh) ||
                ADD_NUM(c->r, p90_hours(tmp, m), "time_to_removal", group, key, ph)) ? KZ_ENOMEM : 0;
    return (ADD_NUM(c->r, median_hours(tmp, m), "time_to_removal", group, mh) ||
            ADD_NUM(c->r, p90_hours(tmp, m), "time_to_removal", group, ph)) ? KZ_ENOMEM : 0;
}

/* Each run of rows with the same platform (by = 1) or category (by = 0),
 * sorted by that key: ttr = 0 for compliance, 1 for time to removal. */
static int by_groups(struct ctx *c, struct nrow *r, size_t n, int by, int ttr, int64_t *tmp)
{
    const char *group = by ? "by_platform" : "by_category";
    int rc = 0;
    if (n > 1)
        qsort(r, n, sizeof *r, by ? nrow_by_plat : nrow_by_cat);
    for (size_t i = 0, j; i < n && !rc; i = j) {
        for (j = i + 1; j < n && !strcmp(nrow_key(&r[i], by), nrow_key(&r[j], by)); j++)
            ;
        rc = ttr ? ttr_group(c, r + i, j - i, group, nrow_key(&r[i], by), tmp)
                 : compliance_group(c, r + i, j - i, group, nrow_key(&r[i], by));
    }
    return rc;
}

/* The compliance section (per notice: complied with, in time, came back;
 * overall, by platform, by category) and the time to removal (n, median,
 * 90th percentile), from one row per notice sent in the period. */
static int compliance_and_time(struct ctx *c)
{
    struct nrow *d = NULL;
    int64_t *tmp = NULL;
    size_t n = 0, cap = 0;
    kz_dbres *res = NULL;
    int rc = kz_db_query(c->db,
        NOTICE_REMOVALS_WITH "SELECT p.name, nr.category, nr.sent_at, nr.removed_at, nr.deadline, "
        "nr.back_at FROM " NOTICE_REMOVALS "LEFT JOIN platforms p ON p.id = nr.platform_id",
        c->p, 2, &res);
    if (rc)
        goto out;
    while ((rc = kz_dbres_next(res)) == 1) {
        if ((rc = KZ_GROW(d, cap, n + 1)) != 0)
            goto out;
        struct nrow *e = &d[n];
        memset(e, 0, sizeof *e);
        const char *rm = kz_dbres_text(res, 3, NULL), *dl = kz_dbres_text(res, 4, NULL);
        e->back = rm && !kz_dbres_null(res, 5);
        e->removed = rm && !e->back;
        if (e->removed) {
            int64_t a = ts_secs(kz_dbres_text(res, 2, NULL)), b = ts_secs(rm);
            if (a < 0 || b < 0 || !dl) {
                rc = KZ_EDB;            /* a timestamp the store never writes */
                goto out;
            }
            e->secs = b - a;
            e->in_time = strcmp(rm, dl) <= 0;
        }
        e->plat = kz_strdup(col_text(res, 0, "(none)"));
        e->cat = kz_strdup(col_text(res, 1, ""));
        n++;
        if (!e->plat || !e->cat) {
            rc = KZ_ENOMEM;
            goto out;
        }
    }
    if (rc < 0)
        goto out;
    if (n && !(tmp = kz_malloc(n * sizeof *tmp))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    if ((rc = compliance_group(c, d, n, "overall", NULL)) || (rc = by_groups(c, d, n, 1, 0, tmp)) ||
        (rc = by_groups(c, d, n, 0, 0, tmp)) ||
        (rc = ADD_STR(c->r, "hours", "time_to_removal", "unit")) ||
        (rc = ttr_group(c, d, n, "overall", NULL, tmp)) || (rc = by_groups(c, d, n, 1, 1, tmp)) ||
        (rc = by_groups(c, d, n, 0, 1, tmp)))
        goto out;
    rc = 0;
out:
    kz_dbres_done(res);
    for (size_t i = 0; i < n; i++) {
        free(d[i].plat);
        free(d[i].cat);
    }
    free(d);
    free(tmp);
    return rc;
}

static int appeals(struct ctx *c)
{
    int64_t v[4];
    int rc = row_ints(c,
        "SELECT"
        " COALESCE(SUM(CASE WHEN " IN_PERIOD("filed_at") " THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN outcome = 'upheld' AND " IN_PERIOD("resolved_at") " THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN outcome = 'reversed' AND " IN_PERIOD("resolved_at") " THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN " IN_PERIOD("filed_at") " AND (resolved_at IS NULL OR "
        "resolved_at >= $2) THEN 1 ELSE 0 END), 0) "
        "FROM appeals WHERE (" IN_PERIOD("filed_at") ") OR (" IN_PERIOD("resolved_at") ")", v, 4);
    if (rc || (rc = ADD_INT(c->r, v[0], "appeals", "filed")) ||
        (rc = ADD_INT(c->r, v[1], "appeals", "upheld")) ||
        (rc = ADD_INT(c->r, v[2], "appeals", "reversed")) ||
        (rc = ADD_INT(c->r, v[3], "appeals", "pending")))
        return rc;
    return 0;
}

/* Accounts added and disabled in the period, by role (every role listed,
 * 0 when none); blocks approved in the period, and how many of them were
 * proposed and approved by accounts one admin created (who could have
 * enrolled both: docs/workflow.md "No single account can block alone"). */
static const char *const roles[] = { "admin", "analyst", "auditor", "reviewer", "supervisor" };

static int accounts(struct ctx *c)
{
    struct tally add = { 0 }, dis = { 0 };
    int64_t v[2];
    int rc;
    if ((rc = tally_query(c, "SELECT role, COUNT(*) FROM accounts WHERE " IN_PERIOD("created_at")
                             " GROUP BY role", 1, &add, "")) ||
        (rc = tally_query(c, "SELECT role, COUNT(*) FROM accounts WHERE " IN_PERIOD("disabled_at")
                             " GROUP BY role", 1, &dis, "")))
        goto out;
    for (int k = 0; k < 2; k++) {
        struct tally *t = k ? &dis : &add;
        int64_t total = 0;
        for (size_t i = 0; i < t->n; i++)
            total += t->e[i].v;
        if ((rc = ADD_INT(c->r, total, "accounts", k ? "disabled" : "added", "total")))
            goto out;
        for (size_t r = 0; r < KZ_ARRAY_LEN(roles); r++) {
            int64_t n = 0;
            for (size_t i = 0; i < t->n; i++)
                if (!strcmp(t->e[i].k, roles[r]))
                    n = t->e[i].v;
            if ((rc = ADD_INT(c->r, n, "accounts", k ? "disabled" : "added", roles[r])))
                goto out;
        }
    }
    if ((rc = row_ints(c, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.created_by IS NOT NULL AND "
                          "x.created_by = y.created_by THEN 1 ELSE 0 END), 0) FROM decisions d "
                          "JOIN accounts x ON x.id = d.decided_by JOIN accounts y ON "
                          "y.id = d.approved_by WHERE " IN_PERIOD("d.approved_at"), v, 2)) ||
        (rc = ADD_INT(c->r, v[0], "accounts", "blocks_approved")) ||
        (rc = ADD_INT(c->r, v[1], "accounts", "blocks_both_accounts_by_one_admin")))
        goto out;
out:
    tally_release(&add);
    tally_release(&dis);
    return rc;
}

int kz_report_bounds(const char *from, const char *to, char lo[21], char hi[21])
{
    int y, m, d;
    if (!parse_date(from, &y, &m, &d))
        return KZ_EINVAL;
    snprintf(lo, 21, "%.10sT00:00:00Z", from);
    if (!parse_date(to, &y, &m, &d))
        return KZ_EINVAL;
    char t[48];
    civil_from_days(days_from_civil(y, (unsigned)m, (unsigned)d) + 1, &y, &m, &d);
    snprintf(t, sizeof t, "%04d-%02d-%02dT00:00:00Z", y, m, d);
    memcpy(hi, t, 20);                  /* years stop at 9999: always 20 characters */
    hi[20] = '\0';
    return strcmp(lo, hi) < 0 ? 0 : KZ_EINVAL;
}

int kz_report_compute(kz_store *s, const char *from, const char *to, kz_report **out)
{
    int y, m, d, rc = KZ_EINVAL;
    char lo[21], hi[48];
    struct ctx c = { s, kz_store_db(s), NULL, { { 0 } } };
    *out = NULL;
    if (!parse_date(from, &y, &m, &d))
        goto out;
    snprintf(lo, sizeof lo, "%.10sT00:00:00Z", from);
    if (!parse_date(to, &y, &m, &d))
        goto out;
    civil_from_days(days_from_civil(y, (unsigned)m, (unsigned)d) + 1, &y, &m, &d);
    snprintf(hi, sizeof hi, "%04d-%02d-%02dT00:00:00Z", y, m, d);
    if (strcmp(lo, hi) >= 0)
        goto out;
    rc = KZ_ENOMEM;
    if (!(c.r = kz_calloc(1, sizeof *c.r)))
        goto out;
    c.p[0] = kz_dbstr(lo);
    c.p[1] = kz_dbstr(hi);
    if ((rc = ADD_STR(c.r, from, "period", "from")) || (rc = ADD_STR(c.r, to, "period", "to")) ||
        (rc = ADD_STR(c.r, lo, "period", "start")) || (rc = ADD_STR(c.r, hi, "period", "end")))
        goto out;
    if ((rc = items_flagged(&c)) || (rc = decisions(&c)) || (rc = measures_in_force(&c)) ||
        (rc = notices(&c)) || (rc = compliance_and_time(&c)) || (rc = appeals(&c)) ||
        (rc = accounts(&c)))
        goto out;
    *out = c.r;
    c.r = NULL;
out:
    kz_report_free(&c.r);
    return rc;
}

/* ---- output: each writer walks the rows ------------------------------------------ */

const kz_report_row *kz_report_rows(const kz_report *r, size_t *n)
{
    *n = r->n;
    return r->f;
}

const kz_report_row *kz_report_find(const kz_report *r, const char *section, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->f[i].section, section) && !strcmp(r->f[i].key, key))
            return &r->f[i];
    return NULL;
}

int kz_report_json(const kz_report *r, kz_buf *out)
{
    int has[KZ_REPORT_DEPTH + 1] = { 0 }, depth = 0, rc = 0;
    const kz_report_row *prev = NULL;
    if ((rc = kz_buf_addc(out, '{')))
        return rc;
    for (size_t i = 0; i < r->n; i++) {
        const kz_report_row *f = &r->f[i];
        int k = 0, cd = f->depth - 1;
        if (prev)
            while (k < depth && k < cd && !strcmp(prev->path[k], f->path[k]))
                k++;
        for (; depth > k; depth--)
            if ((rc = kz_buf_addc(out, '}')))
                return rc;
        for (; depth < cd; depth++) {
            if ((has[depth] && (rc = kz_buf_addc(out, ','))) ||
                (rc = kz_buf_add_json_str(out, f->path[depth], strlen(f->path[depth]))) ||
                (rc = kz_buf_adds(out, ":{")))
                return rc;
            has[depth] = 1;
            has[depth + 1] = 0;
        }
        if ((has[depth] && (rc = kz_buf_addc(out, ','))) ||
            (rc = kz_buf_add_json_str(out, f->path[cd], strlen(f->path[cd]))) ||
            (rc = kz_buf_addc(out, ':')) ||
            (rc = f->kind == KZ_FIG_STR    ? kz_buf_add_json_str(out, f->str, strlen(f->str))
                  : f->kind == KZ_FIG_NULL ? kz_buf_adds(out, "null")
                                           : kz_buf_adds(out, f->value)))
            return rc;
        has[depth] = 1;
        prev = f;
    }
    for (; depth > 0; depth--)
        if ((rc = kz_buf_addc(out, '}')))
            return rc;
    return kz_buf_adds(out, "}\n");
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
static int csv_field(kz_buf *b, const char *s)
{
    size_t n = strlen(s);
    int rc;
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n))
        return kz_buf_add(b, s, n);
    if ((rc = kz_buf_addc(b, '"')))
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((s[i] == '"' && (rc = kz_buf_addc(b, '"'))) || (rc = kz_buf_addc(b, s[i])))
            return rc;
    return kz_buf_addc(b, '"');
}

int kz_report_csv(const kz_report *r, kz_buf *out)
{
    int rc = kz_buf_adds(out, "section,key,value\n");
    for (size_t i = 0; i < r->n && !rc; i++) {
        const kz_report_row *f = &r->f[i];
        if ((rc = csv_field(out, f->section)) || (rc = kz_buf_addc(out, ',')) ||
            (rc = csv_field(out, f->key)) || (rc = kz_buf_addc(out, ',')) ||
            (rc = csv_field(out, f->value)))
            break;
        rc = kz_buf_addc(out, '\n');
    }
    return rc;
}

int kz_report_text(const kz_report *r, kz_buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < r->n && !rc; i++) {
        const kz_report_row *f = &r->f[i];
        if (!i || strcmp(r->f[i - 1].section, f->section))
            rc = kz_buf_addf(out, "%s%s\n", i ? "\n" : "", f->section);
        if (!rc)
            rc = kz_buf_addf(out, "  %-50s %s\n", f->key, f->kind == KZ_FIG_NULL ? "-" : f->value);
    }
    return rc;
}

int kz_report_get(const kz_report *r, const char *section, const char *key, double *v,
                  int *is_null)
{
    const kz_report_row *f = kz_report_find(r, section, key);
    *v = f ? f->num : 0;
    if (is_null)
        *is_null = f && f->kind == KZ_FIG_NULL;
    return f ? 0 : KZ_ENOTFOUND;
}

int kz_report_period_check(const char *from, const char *to, const char *fname,
                           const char *tname, char *why, size_t whysz)
{
    if (!from || !to) {
        snprintf(why, whysz, "%s and %s are required", fname, tname);
        return KZ_EINVAL;
    }
    if (!kz_report_date_ok(from)) {
        snprintf(why, whysz, "%s '%.40s' is not a date (YYYY-MM-DD)", fname, from);
        return KZ_EINVAL;
    }
    if (!kz_report_date_ok(to)) {
        snprintf(why, whysz, "%s '%.40s' is not a date (YYYY-MM-DD)", tname, to);
        return KZ_EINVAL;
    }
    if (strcmp(to, from) < 0) {
        snprintf(why, whysz, "%s %s is before %s %s", tname, to, fname, from);
        return KZ_EINVAL;
    }
    return 0;
}
