/*
 * case/intake.c - a case opened for a flagged item, as the workflow's first
 * state (case/case.h kz_case_ingest): the item and its detections go to the
 * store (kz_store_ingest), then each category the record is flagged for
 * opens a case in state "detected", automated, unless the item has one for
 * that category already; each opening is a "case.open" audit entry by
 * "ingest".  Kept apart from case.c, whose transitions all start from a
 * case that exists.
 *
 * An item seen again with the same content (a crawl or feed found it
 * online) after it was found gone, or after its platform said it complied
 * with a notice, is a sighting: a "present" item check (why "seen-again"),
 * audited as item.check, which the report counts as content that came back
 * (docs/report.md).  Cases change at the next kuzet verify, which fetches
 * the item itself.
 */
#include "case/case.h"

/* The item, online again with the same content: a "present" check when it
 * was gone or claimed removed before now (docs/report.md). */
static int sighting(kz_store *s, int64_t item, const char *now)
{
    kz_db *db = kz_store_db(s);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(item), kz_dbstr(now) };
    int rc = kz_db_int(db,
        "INSERT INTO item_checks (item_id, checked_at, url, http_status, outcome, why, detail) "
        "SELECT i.id, $2, COALESCE(i.url, ''), NULL, 'present', 'seen-again', 'the same content "
        "stored again by ingest or crawl' FROM items i WHERE i.id = $1 AND (i.online_status = "
        "'removed' OR EXISTS (SELECT 1 FROM cases c JOIN decisions d ON d.case_id = c.id JOIN "
        "notices n ON n.decision_id = d.id WHERE c.item_id = i.id AND n.complied_at IS NOT NULL "
        "AND n.complied_at < $2)) RETURNING id", p, 2, &id);
    if (rc == KZ_ENOTFOUND)
        return 0;                                   /* nothing removed: not a sighting */
    if (rc) {
        kz_store_set_errmsg(s, "recording a sighting: %s", kz_db_errmsg(db));
        return rc;
    }
    kz_jw after;
    kz_jw_init(&after);
    kz_jw_raw(&after, "{");
    kz_jw_int(&after, "check_id", id);
    kz_jw_str(&after, "checked_at", now);
    kz_jw_str(&after, "outcome", "present");
    kz_jw_str(&after, "why", "seen-again");
    kz_jw_raw(&after, "}");
    rc = after.rc ? after.rc : kz_store_audit(s, "ingest", "item.check", "item", item, NULL,
                                              after.b.p);
    kz_jw_release(&after);
    return rc;
}

int kz_case_ingest(kz_store *s, const kz_item_in *it, const kz_detection_in *d, size_t nd,
                   const kz_flag_in *f, size_t nf, kz_ingest_out *out)
{
    kz_db *db = kz_store_db(s);
    char now[21];
    int rc = kz_store_ingest(s, it, d, nd, out);
    if (rc)
        return rc;
    int64_t item = out->item_id;
    kz_store_now(now);
    if (out->same_content && kz_store_known_gone(s, item) != 0 &&
        (rc = sighting(s, item, now)) != 0)
        return rc;
    if (!out->item_created && nf && (rc = kz_store_lock_item(s, item)) != 0)
        return rc;
    for (size_t i = 0; i < nf; i++) {
        int64_t cid = 0;
        kz_dbval q[] = { kz_dbint(item), kz_dbstr(f[i].category) };
        /* a new item has only the cases opened here */
        if (out->item_created) {
            size_t j = 0;
            while (j < i && strcmp(f[j].category, f[i].category))
                j++;
            rc = j < i ? 0 : KZ_ENOTFOUND;
        } else if ((rc = kz_store_known_case(s, item, f[i].category)) >= 0) {
            rc = rc ? 0 : KZ_ENOTFOUND;             /* found with others: no round trip */
        } else {
            rc = kz_db_int(db, "SELECT id FROM cases WHERE item_id = $1 AND category = $2", q, 2,
                           &cid);
        }
        if (rc == 0)
            continue;                               /* the item has that case already */
        if (rc != KZ_ENOTFOUND) {
            kz_store_set_errmsg(s, "finding a case: %s", kz_db_errmsg(db));
            return rc;
        }
        kz_dbval p[] = { kz_dbint(item), kz_dbstr(f[i].category), kz_dbint(f[i].score),
                         kz_dbstr(now), kz_dbstr(now) };
        if ((rc = kz_store_case_later(s, item, f[i].category, &cid)) > 0) {
            /* its id read back at commit: sent without waiting */
            rc = kz_db_defer(db, "INSERT INTO cases (item_id, category, state, score, automated, "
                                 "opened_at, updated_at) VALUES ($1, $2, 'detected', $3, 1, $4, "
                                 "$5)", p, 5);
        } else if (rc < 0) {
            return rc;
        } else {
            rc = kz_db_int(db, "INSERT INTO cases (item_id, category, state, score, automated, "
                               "opened_at, updated_at) VALUES ($1, $2, 'detected', $3, 1, $4, "
                               "$5) RETURNING id", p, 5, &cid);
        }
        if (rc) {
            kz_store_set_errmsg(s, "opening a case: %s", kz_db_errmsg(db));
            return rc;
        }
        kz_jw after;
        kz_jw_init(&after);
        kz_jw_raw(&after, "{");
        kz_jw_str(&after, "state", "detected");
        kz_jw_str(&after, "category", f[i].category);
        kz_jw_int(&after, "score", f[i].score);
        kz_jw_int(&after, "item_id", item);
        kz_jw_bool(&after, "automated", 1);
        kz_jw_raw(&after, "}");
        rc = after.rc ? after.rc : kz_store_audit(s, "ingest", "case.open", "case", cid, NULL,
                                                  after.b.p);
        kz_jw_release(&after);
        if (rc)
            return rc;
        out->cases_opened++;
    }
    return 0;
}
