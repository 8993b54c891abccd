/*
 * case/deadline.c - notice deadlines per category (case/case.h: kz_case_deadline_*).
 */
#include "case/case_int.h"

/* ---- deadlines ----------------------------------------------------------- */

int kz_case_deadline_get(kz_actor *a, const char *category, int64_t *seconds)
{
    kz_dbval p[] = { kz_dbstr(category) };
    int rc = kz_db_int(kz_store_db(a->s), "SELECT seconds FROM category_deadlines "
                       "WHERE category = $1", p, 1, seconds);
    if (rc == KZ_ENOTFOUND)
        rc = kz_db_int(kz_store_db(a->s), "SELECT seconds FROM category_deadlines "
                       "WHERE category = '*'", NULL, 0, seconds);
    if (rc == KZ_ENOTFOUND) {
        *seconds = 86400;
        rc = 0;
    }
    return rc ? kz__dbfail(a, rc, "reading the deadline") : 0;
}

static int do_deadline_set(kz_actor *a, const char *cat, int64_t secs)
{
    int64_t old = -1;
    int rc = kz__need(a, R_ADMIN, "setting a notice deadline");
    if (rc)
        return rc;
    if (!cat || !*cat || strlen(cat) > 64)
        return kz__fail(a, KZ_EINVAL, "missing category (1 to 64 bytes, or '*' for the others)");
    if (secs < 60 || secs > 366 * 86400LL)
        return kz__fail(a, KZ_EINVAL, "a deadline is 1 minute to 366 days");
    kz_dbval p[] = { kz_dbstr(cat), kz_dbint(secs) };
    rc = kz_db_int(kz_store_db(a->s), "SELECT seconds FROM category_deadlines WHERE category = $1",
                   p, 1, &old);
    if (rc && rc != KZ_ENOTFOUND)
        return kz__dbfail(a, rc, "reading the deadline");
    if ((rc = kz_db_query(kz_store_db(a->s), "INSERT INTO category_deadlines (category, seconds) "
                          "VALUES ($1, $2) ON CONFLICT (category) DO UPDATE SET seconds = "
                          "excluded.seconds", p, 2, NULL)))
        return kz__dbfail(a, rc, "setting the deadline");
    kz_jw before, after;
    kz_jw_init(&before);
    kz_jw_init(&after);
    kz_jw_raw(&before, "{");
    kz_jw_str(&before, "category", cat);
    if (old >= 0) kz_jw_int(&before, "seconds", old);
    kz_jw_raw(&before, "}");
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "category", cat);
    kz_jw_int(&after, "seconds", secs);
    kz_jw_raw(&after, "}");
    rc = before.rc || after.rc ? KZ_ENOMEM
                               : kz_store_audit(a->s, a->name, "deadline.set", "category_deadline",
                                                0, old >= 0 ? before.b.p : NULL, after.b.p);
    if (rc)
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&before);
    kz_jw_release(&after);
    return rc;
}

int kz_case_deadline_set(kz_actor *a, const char *category, int64_t seconds)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_deadline_set(a, category, seconds));
}

int kz_case_deadline_list_json(kz_actor *a, kz_buf *out)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), "SELECT category, seconds FROM category_deadlines "
                         "ORDER BY category", NULL, 0, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the deadlines");
    while ((rc = kz_dbres_next(r)) == 1) {
        size_t n = 0;
        const char *cat = kz_dbres_text(r, 0, &n);
        if ((rc = kz_buf_adds(out, "{\"category\":")) ||
            (rc = kz_buf_add_json_str(out, cat ? cat : "", n)) ||
            (rc = kz_buf_addf(out, ",\"seconds\":%lld}\n", (long long)kz_dbres_int(r, 1))))
            break;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the deadlines") : 0;
}
