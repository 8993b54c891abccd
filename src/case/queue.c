/*
 * case/queue.c - the review queue's order and its holds (case/queue.h).
 */
#include "case/case_int.h"
#include "case/queue.h"

static int hold_secs(kz_actor *a, int64_t seconds, int64_t *out)
{
    if (seconds == 0)
        seconds = KZ_HOLD_SECONDS;
    if (seconds < 1 || seconds > 86400)
        return kz__fail(a, KZ_EINVAL, "a hold lasts 1 s to 1 day, not %lld s",
                        (long long)seconds);
    *out = seconds;
    return 0;
}

static void until_of(kz_actor *a, int64_t seconds, char now[21], char until[21])
{
    time_t t;
    kz__now(a, now);
    if (kz__time_parse(now, &t) != 0)
        t = time(NULL);
    kz__time_fmt(t + (time_t)seconds, until);
}

/* Read the hold of case id into h (nothing, or an expired one: empty). */
static int hold_read(kz_actor *a, int64_t id, const char *now, kz_hold *h)
{
    kz_dbres *r = NULL;
    memset(h, 0, sizeof *h);
    kz_dbval p[] = { kz_dbint(id), kz_dbstr(now) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT x.name, h.expires_at, h.account_id "
                         "FROM case_holds h JOIN accounts x ON x.id = h.account_id "
                         "WHERE h.case_id = $1 AND h.expires_at > $2", p, 2, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the hold");
    if ((rc = kz_dbres_next(r)) == 1) {
        kz__col_copy(r, 0, h->holder, sizeof h->holder);
        kz__col_copy(r, 1, h->until, sizeof h->until);
        h->mine = a->id && kz_dbres_int(r, 2) == a->id;
        rc = 0;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the hold") : 0;
}

/* Take or renew the hold of case id for a: 1 when a holds it now, 0 when
 * someone else's unexpired hold stands. */
static int hold_put(kz_actor *a, int64_t id, const char *now, const char *until)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id), kz_dbint(a->id), kz_dbstr(now), kz_dbstr(until) };
    int rc = kz_db_query(kz_store_db(a->s),
                         "INSERT INTO case_holds (case_id, account_id, held_at, expires_at) "
                         "VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO UPDATE SET "
                         "account_id = excluded.account_id, held_at = CASE WHEN "
                         "case_holds.account_id = excluded.account_id THEN case_holds.held_at "
                         "ELSE excluded.held_at END, expires_at = excluded.expires_at "
                         "WHERE case_holds.account_id = excluded.account_id "
                         "OR case_holds.expires_at <= excluded.held_at RETURNING case_id",
                         p, 4, &r);
    if (rc)
        return kz__dbfail(a, rc, "holding the case");
    int got = 0;
    while ((rc = kz_dbres_next(r)) == 1)
        got = 1;
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "holding the case") : got;
}

/* a holds one case at a time: drop a's holds but keep's. */
static int drop_others(kz_actor *a, int64_t keep)
{
    kz_dbval p[] = { kz_dbint(a->id), kz_dbint(keep) };
    int rc = kz_db_query(kz_store_db(a->s), "DELETE FROM case_holds WHERE account_id = $1 "
                         "AND case_id <> $2", p, 2, NULL);
    return rc ? kz__dbfail(a, rc, "releasing holds") : 0;
}

static int do_next(kz_actor *a, int64_t secs, int64_t skip, int64_t *case_id, kz_hold *h)
{
    char now[21], until[21];
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;
    if ((rc = kz__need(a, ROLES_TAKE, "taking a case from the review queue")))
        return rc;
    until_of(a, secs, now, until);
    if (skip) {
        kz_dbval q[] = { kz_dbint(skip), kz_dbint(a->id) };
        if ((rc = kz_db_query(kz_store_db(a->s), "DELETE FROM case_holds WHERE case_id = $1 "
                              "AND account_id = $2", q, 2, NULL)))
            return kz__dbfail(a, rc, "releasing the hold");
    }
    /* the order of case/queue.h; a few candidates, in case some were
     * taken between the read and the write (not under the store's lock,
     * but the upsert says) */
    kz_dbval p[] = { kz_dbint(a->id), kz_dbstr(now), kz_dbint(skip) };
    rc = kz_db_ids(kz_store_db(a->s),
                   "SELECT c.id FROM cases c "
                   "LEFT JOIN category_deadlines d ON d.category = c.category "
                   "LEFT JOIN category_deadlines dd ON dd.category = '*' "
                   "LEFT JOIN case_holds h ON h.case_id = c.id "
                   "WHERE (c.state = 'detected' OR (c.state = 'in_review' AND c.assigned_to = $1)) "
                   "AND c.id <> $3 "
                   "AND (h.case_id IS NULL OR h.expires_at <= $2 OR h.account_id = $1) "
                   "ORDER BY CASE WHEN h.account_id = $1 AND h.expires_at > $2 THEN 0 ELSE 1 END, "
                   "COALESCE(d.seconds, dd.seconds, 0), c.opened_at, c.category, c.score DESC, "
                   "c.id LIMIT 8", p, 3, &ids, &n);
    if (rc)
        return kz__dbfail(a, rc, "reading the review queue");
    int got = 0;
    for (size_t i = 0; i < n && !got; i++) {
        if ((got = hold_put(a, ids[i], now, until)) < 0) {
            rc = got;
            break;
        }
        if (got)
            *case_id = ids[i];
    }
    free(ids);
    if (rc)
        return rc;
    if (!got)
        return kz__fail(a, KZ_ENOTFOUND, "no case is waiting in the review queue");
    if ((rc = drop_others(a, *case_id)))
        return rc;
    return h ? hold_read(a, *case_id, now, h) : 0;
}

int kz_case_next(kz_actor *a, int64_t seconds, int64_t skip, int64_t *case_id, kz_hold *h)
{
    int64_t secs;
    int rc;
    *case_id = 0;
    if ((rc = hold_secs(a, seconds, &secs)) || (rc = kz__begin(a)))
        return rc;
    return kz__end(a, do_next(a, secs, skip, case_id, h));
}

static int do_renew(kz_actor *a, int64_t id, int64_t secs, kz_hold *h)
{
    char now[21], until[21];
    kz_dbres *r = NULL;
    until_of(a, secs, now, until);
    /* a's own hold, expired or not, as long as nobody took the case since */
    kz_dbval p[] = { kz_dbint(id), kz_dbint(a->id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT 1 FROM case_holds WHERE case_id = $1 AND "
                         "account_id = $2", p, 2, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the hold");
    int mine = (rc = kz_dbres_next(r)) == 1;
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the hold");
    if (mine && a->id) {
        kz_dbval q[] = { kz_dbstr(until), kz_dbint(id), kz_dbint(a->id) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE case_holds SET expires_at = $1 "
                              "WHERE case_id = $2 AND account_id = $3", q, 3, NULL)))
            return kz__dbfail(a, rc, "renewing the hold");
    }
    return h ? hold_read(a, id, now, h) : 0;
}

int kz_case_hold_renew(kz_actor *a, int64_t case_id, int64_t seconds, kz_hold *h)
{
    int64_t secs;
    int rc;
    if ((rc = hold_secs(a, seconds, &secs)))
        return rc;
    /* nothing of a's to renew (a case page seen by someone who does not
     * hold it, the usual view): only read, no write transaction */
    int64_t mine = 0;
    kz_dbval p[] = { kz_dbint(case_id), kz_dbint(a->id) };
    if (a->id && (rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM case_holds WHERE "
                                 "case_id = $1 AND account_id = $2", p, 2, &mine)))
        return kz__dbfail(a, rc, "reading the hold");
    if (!mine) {
        char now[21];
        kz__now(a, now);
        return h ? hold_read(a, case_id, now, h) : 0;
    }
    if ((rc = kz__begin(a)))
        return rc;
    return kz__end(a, do_renew(a, case_id, secs, h));
}

int kz_case_hold_get(kz_actor *a, int64_t case_id, kz_hold *h)
{
    char now[21];
    kz__now(a, now);
    return hold_read(a, case_id, now, h);
}

int kz_case_release(kz_actor *a, int64_t case_id)
{
    int rc = kz__begin(a);
    if (rc)
        return rc;
    kz_dbval p[] = { kz_dbint(case_id), kz_dbint(a->id) };
    rc = kz_db_query(kz_store_db(a->s), "DELETE FROM case_holds WHERE case_id = $1 AND "
                     "account_id = $2", p, 2, NULL);
    return kz__end(a, rc ? kz__dbfail(a, rc, "releasing the hold") : 0);
}

static int do_take(kz_actor *a, int64_t id)
{
    static const char *const ok[] = { "detected", NULL };
    char now[21], until[21], was[72] = "";
    case_row c;
    kz_hold h;
    int rc;
    if ((rc = kz__need(a, ROLES_TAKE, "taking a case for oneself")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (!kz__state_is(&c, ok)) {
        if (c.assigned_to)
            kz__account_name(a, c.assigned_to, was);
        if (!strcmp(c.state, "in_review"))
            return kz__fail(a, KZ_ESTATE, "case %lld is in review by '%s' already",
                            (long long)id, was);
        return kz__bad_state(a, &c, "taking", "'detected'");
    }
    until_of(a, KZ_HOLD_SECONDS, now, until);
    if ((rc = hold_read(a, id, now, &h)))
        return rc;
    if (h.holder[0] && !h.mine)
        return kz__fail(a, KZ_ESTATE, "case %lld is held by '%s' until %s", (long long)id,
                        h.holder, h.until);
    if ((rc = hold_put(a, id, now, until)) < 0 || (rc = drop_others(a, id)))
        return rc;
    kz_dbval q[] = { kz_dbint(a->id), kz_dbint(id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE cases SET assigned_to = $1 WHERE id = $2",
                          q, 2, NULL)))
        return kz__dbfail(a, rc, "assigning the case");
    if (c.assigned_to)
        kz__account_name(a, c.assigned_to, was);
    kz_jw bx, ax;
    kz_jw_init(&bx);
    kz_jw_init(&ax);
    kz_jw_str(&bx, "assigned_to", c.assigned_to ? was : NULL);
    kz_jw_str(&ax, "assigned_to", a->name);
    rc = kz__move(a, &c, "in_review", "case.assign", &bx, &ax);
    kz_jw_release(&bx);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_take(kz_actor *a, int64_t case_id)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_take(a, case_id));
}
