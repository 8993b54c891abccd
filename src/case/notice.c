/*
 * case/notice.c - notices to platforms: notify, comply, and the overdue check.
 */
#include "case/case_int.h"

/* ---- notices ------------------------------------------------------------- */

static int platform_of(kz_actor *a, const case_row *c, const char *name, int64_t *pid,
                       char *pname, size_t pn)
{
    kz_db *db = kz_store_db(a->s);
    int rc;
    if (name && *name) {
        if (strlen(name) > 200)
            return kz__fail(a, KZ_EINVAL, "platform name longer than 200 bytes");
        kz_dbval p[] = { kz_dbstr(name) };
        snprintf(pname, pn, "%s", name);
        rc = kz_db_int(db, "SELECT id FROM platforms WHERE name = $1", p, 1, pid);
        if (rc != KZ_ENOTFOUND)
            return rc ? kz__dbfail(a, rc, "finding the platform") : 0;
        if ((rc = kz_db_int(db, "INSERT INTO platforms (name) VALUES ($1) RETURNING id", p, 1, pid)))
            return kz__dbfail(a, rc, "adding the platform");
        kz_jw after;
        kz_jw_init(&after);
        kz_jw_raw(&after, "{");
        kz_jw_str(&after, "name", name);
        kz_jw_raw(&after, "}");
        rc = after.rc ? KZ_ENOMEM : kz_store_audit(a->s, a->name, "platform.create", "platform",
                                                   *pid, NULL, after.b.p);
        kz_jw_release(&after);
        return rc ? kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s)) : 0;
    }
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(c->item_id) };
    if ((rc = kz_db_query(db, "SELECT p.id, p.name FROM items i JOIN platforms p ON "
                          "p.id = i.platform_id WHERE i.id = $1", p, 1, &r)))
        return kz__dbfail(a, rc, "finding the platform");
    *pid = 0;
    if ((rc = kz_dbres_next(r)) == 1) {
        *pid = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, pname, pn);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "finding the platform");
    if (!*pid)
        return kz__fail(a, KZ_EINVAL, "missing platform: the item has none recorded; name the "
                        "platform to notify");
    return 0;
}

static int do_notify(kz_actor *a, int64_t id, const char *platform, int64_t *nid, char *deadline)
{
    case_row c;
    dec_row d;
    int rc;
    char now[21], dl[21], pname[208];
    int64_t pid = 0, secs = 0;
    if ((rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "sending a notice")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (strcmp(c.state, "decided") && strcmp(c.state, "reopened"))
        return kz__bad_state(a, &c, "a notice", "'decided'");
    if ((rc = kz__decision_for(a, &c, &d)))
        return rc;
    if (strcmp(d.measure, "removal_request") && strcmp(d.measure, "geo_restriction"))
        return kz__fail(a, KZ_ESTATE, "case %lld was decided '%s'; notices go with a "
                        "removal_request or a geo_restriction", (long long)id, d.measure);
    if ((rc = platform_of(a, &c, platform, &pid, pname, sizeof pname)) ||
        (rc = kz_case_deadline_get(a, c.category, &secs)))
        return rc;
    time_t t;
    kz__now(a, now);
    kz__time_parse(now, &t);
    kz__time_fmt(t + (time_t)secs, dl);
    kz_dbval p[] = { kz_dbint(d.id), kz_dbint(pid), kz_dbstr(now), kz_dbstr(dl) };
    int64_t n = 0;
    if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO notices (decision_id, platform_id, "
                        "sent_at, deadline) VALUES ($1, $2, $3, $4) RETURNING id", p, 4, &n)))
        return kz__dbfail(a, rc, "storing the notice");
    if (nid)
        *nid = n;
    if (deadline)
        memcpy(deadline, dl, 21);
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_key(&ax, "notice");
    kz_jw_raw(&ax, "{");
    kz_jw_int(&ax, "id", n);
    kz_jw_int(&ax, "decision_id", d.id);
    kz_jw_str(&ax, "platform", pname);
    kz_jw_str(&ax, "sent_at", now);
    kz_jw_str(&ax, "deadline", dl);
    kz_jw_raw(&ax, "}");
    rc = kz__move(a, &c, "notified", "case.notify", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_notify(kz_actor *a, int64_t case_id, const char *platform, int64_t *notice_id,
                   char deadline[21])
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_notify(a, case_id, platform, notice_id, deadline));
}

/* The open notice (not complied with) of decision d: id and deadline. */
static int open_notice(kz_actor *a, int64_t dec, int64_t *nid, char dl[21])
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(dec) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT id, deadline FROM notices WHERE decision_id "
                         "= $1 AND complied_at IS NULL ORDER BY id DESC LIMIT 1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the notice");
    *nid = 0;
    if ((rc = kz_dbres_next(r)) == 1) {
        *nid = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, dl, 21);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the notice");
    return *nid ? 0 : kz__fail(a, KZ_EINTERNAL, "no open notice for decision %lld", (long long)dec);
}

static int do_comply(kz_actor *a, int64_t id, const char *answer)
{
    static const char *const ok[] = { "notified", "overdue", NULL };
    case_row c;
    dec_row d;
    int rc;
    char now[21], dl[21] = "";
    int64_t nid = 0;
    if ((rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording compliance")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (!kz__state_is(&c, ok))
        return kz__bad_state(a, &c, "recording compliance", "'notified' or 'overdue'");
    if ((rc = kz__text_ok(a, answer, "answer", ": record what the platform answered")) ||
        (rc = kz__decision_for(a, &c, &d)) || (rc = open_notice(a, d.id, &nid, dl)))
        return rc;
    kz__now(a, now);
    kz_dbval p[] = { kz_dbstr(answer), kz_dbstr(now), kz_dbint(nid) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET answer = $1, answered_at = $2, "
                          "complied_at = $2 WHERE id = $3", p, 3, NULL)))
        return kz__dbfail(a, rc, "recording the answer");
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_int(&ax, "notice_id", nid);
    kz_jw_str(&ax, "answer", answer);
    kz_jw_str(&ax, "complied_at", now);
    kz_jw_bool(&ax, "late", strcmp(now, dl) > 0);
    rc = kz__move(a, &c, "complied", "case.comply", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_comply(kz_actor *a, int64_t case_id, const char *answer)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_comply(a, case_id, answer));
}

static int do_overdue(kz_actor *a, size_t *moved)
{
    char now[21];
    int64_t *ids = NULL;
    size_t n = 0;
    kz__now(a, now);
    kz_dbval p[] = { kz_dbstr(now) };
    int rc = kz_db_ids(kz_store_db(a->s), "SELECT DISTINCT c.id FROM cases c JOIN decisions d "
                       "ON d.case_id = c.id JOIN notices n ON n.decision_id = d.id WHERE "
                       "c.state = 'notified' AND d.reversed_at IS NULL AND n.complied_at IS NULL "
                       "AND n.deadline < $1 ORDER BY c.id", p, 1, &ids, &n);
    if (rc)
        return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                               : kz__dbfail(a, rc, "finding overdue notices");
    for (size_t i = 0; i < n && !rc; i++) {
        case_row c;
        dec_row d;
        int64_t nid = 0;
        char dl[21] = "";
        if ((rc = kz__case_load(a, ids[i], &c)) || (rc = kz__decision_for(a, &c, &d)) ||
            (rc = open_notice(a, d.id, &nid, dl)))
            break;
        kz_dbval q[] = { kz_dbstr(now), kz_dbint(nid) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET escalated_at = $1 "
                              "WHERE id = $2 AND escalated_at IS NULL", q, 2, NULL))) {
            kz__dbfail(a, rc, "escalating the notice");
            break;
        }
        kz_jw ax;
        kz_jw_init(&ax);
        kz_jw_int(&ax, "notice_id", nid);
        kz_jw_str(&ax, "deadline", dl);
        kz_jw_str(&ax, "checked_at", now);
        rc = kz__move(a, &c, "overdue", "case.overdue", NULL, &ax);
        kz_jw_release(&ax);
    }
    free(ids);
    if (!rc && moved)
        *moved = n;
    return rc;
}

int kz_case_check_overdue(kz_actor *a, size_t *moved)
{
    if (moved)
        *moved = 0;
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_overdue(a, moved));
}
