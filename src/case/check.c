/*
 * case/check.c - removal checks and their effect on cases: verify, reopen, and
 * kz_case_apply_check (what kuzet verify found).
 */
#include "case/case_int.h"

/* ---- verify -------------------------------------------------------------- */

static int do_verify(kz_actor *a, int64_t id, int gone)
{
    static const char *const ok[] = { "complied", "overdue", "reopened", NULL };
    case_row c;
    int rc;
    char now[21];
    if (a->id && (rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording a re-check")))
        return rc;
    if ((rc = kz__case_load(a, id, &c)))
        return rc;
    if (!kz__state_is(&c, ok))
        return kz__bad_state(a, &c, "a re-check", "'complied' or 'overdue'");
    kz__now(a, now);
    kz_db *db = kz_store_db(a->s);
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_str(&ax, "online_status", gone ? "removed" : "online");
    kz_jw_str(&ax, "checked_at", now);
    const char *next = c.state;
    if (gone) {
        kz_dbval p[] = { kz_dbstr(now), kz_dbint(c.item_id) };
        rc = kz_db_query(db, "UPDATE items SET online_status = 'removed', removed_at = $1 "
                         "WHERE id = $2", p, 2, NULL);
        next = "verified";
    } else {
        kz_dbval p[] = { kz_dbint(c.item_id) };
        rc = kz_db_query(db, "UPDATE items SET online_status = 'online' WHERE id = $1", p, 1, NULL);
        if (!rc && !strcmp(c.state, "complied")) {
            /* the platform said it complied, yet the item is online: escalate */
            kz_dbval q[] = { kz_dbstr(now), kz_dbint(id) };
            rc = kz_db_query(db, "UPDATE notices SET escalated_at = $1 WHERE id = (SELECT MAX(n.id) "
                             "FROM notices n JOIN decisions d ON d.id = n.decision_id WHERE "
                             "d.case_id = $2)", q, 2, NULL);
            next = "overdue";
            kz_jw_bool(&ax, "escalated", 1);
        }
    }
    if (rc)
        rc = kz__dbfail(a, rc, "recording the re-check");
    else
        rc = kz__move(a, &c, next, gone ? "case.verify" : "case.recheck", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_verify(kz_actor *a, int64_t case_id, int gone)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_verify(a, case_id, gone));
}

/* ---- reopen, and what a removal check does to cases ---------------------- */

/* verified -> reopened: the content is back.  The item is online again
 * (its removal time cleared, so retention keeps the evidence); the case
 * waits for a person: a new notice, an appeal, or a re-check. */
static int reopen_case(kz_actor *a, case_row *c, const char *reason, int64_t check_id,
                       const char *at)
{
    kz_db *db = kz_store_db(a->s);
    kz_dbval p[] = { kz_dbstr(at), kz_dbint(c->item_id) };
    int rc = kz_db_query(db, "UPDATE items SET returned_at = CASE WHEN online_status = "
                         "'removed' THEN $1 ELSE returned_at END, online_status = 'online', "
                         "removed_at = NULL, gone_at = NULL WHERE id = $2", p, 2, NULL);
    if (rc)
        return kz__dbfail(a, rc, "marking the item online");
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_str(&ax, "reason", reason);
    kz_jw_str(&ax, "online_status", "online");
    if (check_id)
        kz_jw_int(&ax, "check_id", check_id);
    rc = kz__move(a, c, "reopened", "case.reopen", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

static int do_reopen(kz_actor *a, int64_t id, const char *reason)
{
    case_row c;
    int rc;
    char now[21];
    if (a->id && (rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "reopening a case")))
        return rc;
    if ((rc = kz__case_load(a, id, &c)))
        return rc;
    if (strcmp(c.state, "verified"))
        return kz__bad_state(a, &c, "reopening", "'verified' (its content found gone)");
    if ((rc = kz__text_ok(a, reason, "reason", ": say why the case is reopened")))
        return rc;
    kz__now(a, now);
    return reopen_case(a, &c, reason, 0, now);
}

int kz_case_reopen(kz_actor *a, int64_t case_id, const char *reason)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_reopen(a, case_id, reason));
}

/* The notice of decision dec not yet complied with: *nid 0 when none. */
static int open_notice_if_any(kz_actor *a, int64_t dec, int64_t *nid)
{
    kz_dbval p[] = { kz_dbint(dec) };
    *nid = 0;
    int rc = kz_db_int(kz_store_db(a->s), "SELECT id FROM notices WHERE decision_id = $1 AND "
                       "complied_at IS NULL ORDER BY id DESC LIMIT 1", p, 1, nid);
    if (rc == KZ_ENOTFOUND)
        return 0;
    return rc ? kz__dbfail(a, rc, "reading the notice") : 0;
}

static void effect_note(kz_check_effect *e, int64_t case_id, const char *from, const char *to)
{
    size_t n = strlen(e->cases);
    if (n + 1 < sizeof e->cases)
        snprintf(e->cases + n, sizeof e->cases - n, "%scase %lld %s -> %s", n ? ", " : "",
                 (long long)case_id, from, to);
}

/* The item was found gone: every case whose measure is in effect and not
 * yet verified becomes verified; an open notice is complied with at the
 * check's time, the check as the evidence (docs/verify.md). */
static int check_gone(kz_actor *a, case_row *c, const dec_row *d, const kz_verify_check *k,
                      int64_t check_id, kz_check_effect *e)
{
    static const char *const ok[] = { "decided", "notified", "overdue", "complied", "reopened",
                                      NULL };
    int64_t nid = 0;
    int rc;
    char answer[160], from[24];
    if (!kz__state_is(c, ok))
        return 0;
    if ((rc = open_notice_if_any(a, d->id, &nid)))
        return rc;
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_str(&ax, "online_status", "removed");
    kz_jw_str(&ax, "checked_at", k->checked_at);
    kz_jw_int(&ax, "check_id", check_id);
    kz_jw_str(&ax, "why", k->why);
    if (nid) {
        snprintf(answer, sizeof answer, "removal verified by kuzet verify (check %lld: %s)",
                 (long long)check_id, k->why);
        kz_dbval p[] = { kz_dbstr(k->checked_at), kz_dbstr(answer), kz_dbint(nid) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET complied_at = $1, "
                              "answered_at = COALESCE(answered_at, $1), answer = "
                              "COALESCE(answer, $2) WHERE id = $3", p, 3, NULL))) {
            kz_jw_release(&ax);
            return kz__dbfail(a, rc, "recording the removal");
        }
        kz_jw_int(&ax, "notice_id", nid);
        kz_jw_str(&ax, "complied_at", k->checked_at);
    }
    snprintf(from, sizeof from, "%s", c->state);
    rc = kz__move(a, c, "verified", "case.verify", NULL, &ax);
    kz_jw_release(&ax);
    if (!rc) {
        e->verified++;
        effect_note(e, c->id, from, "verified");
    }
    return rc;
}

/* The item was found online: a verified case is reopened (the content came
 * back); a case whose platform claimed compliance is overdue again. */
static int check_present(kz_actor *a, case_row *c, const kz_verify_check *k, int64_t check_id,
                         kz_check_effect *e)
{
    int rc = 0;
    char reason[64];
    if (!strcmp(c->state, "verified")) {
        snprintf(reason, sizeof reason, "content returned on %.10s", k->checked_at);
        if (!(rc = reopen_case(a, c, reason, check_id, k->checked_at))) {
            e->reopened++;
            effect_note(e, c->id, "verified", "reopened");
        }
    } else if (!strcmp(c->state, "complied")) {
        kz_dbval q[] = { kz_dbstr(k->checked_at), kz_dbint(c->id) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET escalated_at = $1 WHERE id = "
                              "(SELECT MAX(n.id) FROM notices n JOIN decisions d ON d.id = "
                              "n.decision_id WHERE d.case_id = $2)", q, 2, NULL)))
            return kz__dbfail(a, rc, "escalating the notice");
        kz_jw ax;
        kz_jw_init(&ax);
        kz_jw_str(&ax, "online_status", "online");
        kz_jw_str(&ax, "checked_at", k->checked_at);
        kz_jw_int(&ax, "check_id", check_id);
        kz_jw_bool(&ax, "escalated", 1);
        rc = kz__move(a, c, "overdue", "case.recheck", NULL, &ax);
        kz_jw_release(&ax);
        if (!rc) {
            e->escalated++;
            effect_note(e, c->id, "complied", "overdue");
        }
    }
    return rc;
}

static int do_apply_check(kz_actor *a, const kz_verify_check *k, kz_check_effect *e)
{
    int64_t *ids = NULL, check_id = 0;
    size_t n = 0;
    int rc, was_gone = 0;
    if (a->id && (rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording a check")))
        return rc;
    if (!k || !k->url || !k->why || !k->checked_at || strlen(k->checked_at) != 20)
        return kz__fail(a, KZ_EINVAL, "a check needs its URL, time and reason");
    if ((rc = kz_verify_record(a->s, a->name, k, &check_id, &was_gone)))
        return rc == KZ_ENOTFOUND ? kz__fail(a, rc, "no item %lld", (long long)k->item_id)
                                  : kz__dbfail(a, rc, "recording the check");
    e->check_id = check_id;
    e->returned = was_gone && k->outcome == KZ_VERIFY_PRESENT;
    if (k->outcome == KZ_VERIFY_ERROR)
        return 0;
    kz_dbval p[] = { kz_dbint(k->item_id) };
    if ((rc = kz_db_ids(kz_store_db(a->s), "SELECT id FROM cases WHERE item_id = $1 ORDER BY id",
                        p, 1, &ids, &n)))
        return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                               : kz__dbfail(a, rc, "finding the item's cases");
    for (size_t i = 0; i < n && !rc; i++) {
        case_row c;
        dec_row d;
        if ((rc = kz__case_load(a, ids[i], &c)))
            break;
        if ((rc = kz__decision_load(a, c.id, &d)) == KZ_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc)
            break;
        /* only a restrictive measure in effect: not reversed, a block approved */
        if (d.reversed || !kz_case_measure_restrictive(d.measure) ||
            (kz_case_measure_needs_approval(d.measure) && !d.approved_by))
            continue;
        rc = k->outcome == KZ_VERIFY_GONE ? check_gone(a, &c, &d, k, check_id, e)
                                          : check_present(a, &c, k, check_id, e);
    }
    free(ids);
    return rc;
}

int kz_case_apply_check(kz_actor *a, const kz_verify_check *check, kz_check_effect *e)
{
    kz_check_effect scratch;
    if (!e)
        e = &scratch;
    memset(e, 0, sizeof *e);
    int rc = kz__begin(a);
    if (rc)
        return rc;
    rc = kz__end(a, do_apply_check(a, check, e));
    if (rc)
        memset(e, 0, sizeof *e);
    return rc;
}
