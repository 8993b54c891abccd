/*
 * case/purge.c - retention: dropping the evidence of items removed long ago.
 */
#include "case/case_int.h"

/* ---- retention ----------------------------------------------------------- */

static int do_purge(kz_actor *a, int days, size_t *purged)
{
    char now[21], cutoff[21];
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = 0;
    /* the scheduled purge (a worker's or the server's tick) runs as the
     * system, at the retention period or longer; a shorter one is a
     * person's choice, an admin's or a supervisor's */
    if (a->id == 0 && days < KZ_RETENTION_DAYS)
        return kz__fail(a, KZ_EPERM, "the system purges only evidence older than the retention "
                        "period (%d days), not %d; a supervisor or an admin may choose less",
                        KZ_RETENTION_DAYS, days);
    if (a->id != 0 && (rc = kz__need(a, R_ADMIN | R_SUPERVISOR, "purging evidence")) != 0)
        return rc;
    if (days < 0 || days > 36500)
        return kz__fail(a, KZ_EINVAL, "retention period (days) must be 0 to 36500, not %d", days);
    time_t t;
    kz__now(a, now);
    kz__time_parse(now, &t);
    kz__time_fmt(t - (time_t)days * 86400, cutoff);
    kz_dbval p[] = { kz_dbstr(cutoff) };
    if ((rc = kz_db_ids(kz_store_db(a->s), "SELECT id FROM items WHERE removed_at IS NOT NULL "
                        "AND removed_at <= $1 AND evidence_purged_at IS NULL ORDER BY id",
                        p, 1, &ids, &n)))
        return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                               : kz__dbfail(a, rc, "finding evidence to purge");
    for (size_t i = 0; i < n && !rc; i++) {
        kz_dbval q[] = { kz_dbstr(now), kz_dbint(ids[i]) };
        kz_dbval q1[] = { kz_dbint(ids[i]) };
        int64_t nd = 0, ni = 0;
        if ((rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM detections WHERE item_id = $1",
                            q1, 1, &nd)) ||
            (rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM item_images WHERE item_id = $1",
                            q1, 1, &ni)) ||
            (rc = kz_db_query(kz_store_db(a->s), "DELETE FROM item_images WHERE item_id = $1",
                              q1, 1, NULL)) ||
            (rc = kz_db_query(kz_store_db(a->s), "UPDATE items SET excerpt = NULL, "
                              "content_z = NULL, evidence_purged_at = $1 WHERE id = $2", q, 2, NULL)) ||
            (rc = kz_db_query(kz_store_db(a->s), "UPDATE detections SET evidence = NULL "
                              "WHERE item_id = $1", q1, 1, NULL))) {
            kz__dbfail(a, rc, "purging evidence");
            break;
        }
        kz_jw after;
        kz_jw_init(&after);
        kz_jw_raw(&after, "{");
        kz_jw_str(&after, "excerpt", NULL);
        kz_jw_str(&after, "content", NULL);
        kz_jw_int(&after, "detections_cleared", nd);
        kz_jw_int(&after, "images_deleted", ni);
        kz_jw_str(&after, "evidence_purged_at", now);
        kz_jw_raw(&after, "}");
        if ((rc = after.rc) || (rc = kz_store_audit(a->s, a->name, "item.evidence_purge", "item",
                                                    ids[i], "{\"excerpt\":\"(kept)\"}",
                                                    after.b.p)))
            kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
        kz_jw_release(&after);
    }
    free(ids);
    /* a person's purge is logged even when it finds nothing (who looked,
     * when); the system's scheduled one only when it drops something, or
     * every tick would add an entry that says nothing */
    if (!rc && (n > 0 || a->id != 0)) {
        kz_jw after;
        kz_jw_init(&after);
        kz_jw_raw(&after, "{");
        kz_jw_int(&after, "older_than_days", days);
        kz_jw_str(&after, "removed_before", cutoff);
        kz_jw_int(&after, "items", (int64_t)n);
        kz_jw_raw(&after, "}");
        if ((rc = after.rc) || (rc = kz_store_audit(a->s, a->name, "evidence.purge", "retention", 0,
                                                    NULL, after.b.p)))
            kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
        kz_jw_release(&after);
    }
    if (!rc && purged)
        *purged = n;
    return rc;
}

int kz_case_purge(kz_actor *a, int days, size_t *purged)
{
    if (purged)
        *purged = 0;
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_purge(a, days, purged));
}
