/*
 * case/appeal.c - appeals: filing one, and resolving it (upheld or reversed).
 */
#include "case/case_int.h"
#include "store/bank.h"

/* ---- appeals ------------------------------------------------------------- */

static const char *const appealable[] = { "decided", "notified", "complied", "overdue",
                                          "verified", "reopened", NULL };

static const char *const appellants[] = { "content_owner", "platform" };

const char *kz_case_appellant(size_t i)
{
    return i < KZ_ARRAY_LEN(appellants) ? appellants[i] : NULL;
}

int kz_case_appealable(const char *state, const char *measure)
{
    int in = 0;
    for (size_t i = 0; state && appealable[i]; i++)
        in |= !strcmp(state, appealable[i]);
    return in && measure && *measure && strcmp(measure, "no_action") != 0;
}

static int do_appeal(kz_actor *a, int64_t id, const char *by, const char *grounds, int64_t *aid)
{
    case_row c;
    dec_row d;
    int rc;
    char now[21];
    if ((rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording an appeal")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (!kz__state_is(&c, appealable))
        return kz__bad_state(a, &c, "an appeal", "decided (a decision in effect)");
    size_t k = 0;
    while (by && kz_case_appellant(k) && strcmp(by, kz_case_appellant(k)))
        k++;
    if (!by || !kz_case_appellant(k))
        return kz__fail(a, KZ_EINVAL, "appellant (filed_by) must be content_owner or platform, not "
                        "'%s'", by ? by : "");
    if ((rc = kz__text_ok(a, grounds, "grounds", ": an appeal states them")) ||
        (rc = kz__decision_for(a, &c, &d)))
        return rc;
    if (!strcmp(d.measure, "no_action"))
        return kz__fail(a, KZ_ESTATE, "case %lld was decided no_action; there is no measure to "
                        "appeal", (long long)id);
    kz__now(a, now);
    kz_dbval p[] = { kz_dbint(d.id), kz_dbstr(by), kz_dbstr(grounds), kz_dbstr(now),
                     kz_dbstr(c.state) };
    int64_t n = 0;
    if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO appeals (decision_id, filed_by, grounds, "
                        "filed_at, case_state_before) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        p, 5, &n)))
        return kz__dbfail(a, rc, "storing the appeal");
    if (aid)
        *aid = n;
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_key(&ax, "appeal");
    kz_jw_raw(&ax, "{");
    kz_jw_int(&ax, "id", n);
    kz_jw_int(&ax, "decision_id", d.id);
    kz_jw_str(&ax, "filed_by", by);
    kz_jw_str(&ax, "grounds", grounds);
    kz_jw_str(&ax, "filed_at", now);
    kz_jw_raw(&ax, "}");
    rc = kz__move(a, &c, "appealed", "case.appeal", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_appeal(kz_actor *a, int64_t case_id, const char *by, const char *grounds,
                   int64_t *appeal_id)
{
    if (appeal_id)
        *appeal_id = 0;
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_appeal(a, case_id, by, grounds, appeal_id));
}

static int do_resolve(kz_actor *a, int64_t id, const char *outcome, const char *reasons)
{
    case_row c;
    dec_row d;
    kz_dbres *r = NULL;
    int rc;
    char now[21], back[24] = "";
    int64_t aid = 0;
    if ((rc = kz__need(a, ROLES_RESOLVE, "resolving an appeal")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (strcmp(c.state, "appealed"))
        return kz__bad_state(a, &c, "resolving an appeal", "'appealed'");
    if (!outcome || (strcmp(outcome, "upheld") && strcmp(outcome, "reversed")))
        return kz__fail(a, KZ_EINVAL, "outcome must be upheld or reversed, not '%s'",
                        outcome ? outcome : "");
    if ((rc = kz__text_ok(a, reasons, "reasons", ": an appeal's outcome states them")) ||
        (rc = kz__decision_for(a, &c, &d)))
        return rc;
    if (d.decided_by == a->id || d.approved_by == a->id)
        return kz__fail(a, KZ_EPERM, "'%s' %s the decision under appeal; it goes to a reviewer "
                        "who took no part in it", a->name,
                        d.decided_by == a->id ? "made" : "approved");
    kz_dbval p[] = { kz_dbint(d.id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT id, case_state_before FROM appeals WHERE "
                          "decision_id = $1 AND resolved_at IS NULL ORDER BY id DESC LIMIT 1",
                          p, 1, &r)))
        return kz__dbfail(a, rc, "reading the appeal");
    if ((rc = kz_dbres_next(r)) == 1) {
        aid = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, back, sizeof back);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the appeal");
    if (!aid || !back[0])
        return kz__fail(a, KZ_EINTERNAL, "case %lld is 'appealed' but has no open appeal",
                        (long long)id);
    kz__now(a, now);
    kz_dbval q[] = { kz_dbint(a->id), kz_dbstr(outcome), kz_dbstr(reasons), kz_dbstr(now),
                     kz_dbint(aid) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE appeals SET reviewer = $1, outcome = $2, "
                          "reasons = $3, resolved_at = $4 WHERE id = $5", q, 5, NULL)))
        return kz__dbfail(a, rc, "resolving the appeal");
    int reversed = !strcmp(outcome, "reversed");
    if (reversed) {
        kz_dbval u[] = { kz_dbstr(now), kz_dbint(d.id) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE decisions SET reversed_at = $1 "
                              "WHERE id = $2", u, 2, NULL)))
            return kz__dbfail(a, rc, "reversing the decision");
        kz_banks *bk = NULL;        /* its hashes leave the banks (store/bank.h) */
        size_t nrm = 0;
        if ((rc = kz_bank_open(&bk, a->s)) ||
            (rc = kz_bank_remove_decision_tx(bk, a->name, d.id, &nrm)))
            rc = kz__fail(a, rc, "taking the decision out of the banks: %s",
                          bk ? kz_bank_errmsg(bk) : kz_strerror(rc));
        kz_bank_close(&bk);
        if (rc)
            return rc;
    }
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_int(&ax, "appeal_id", aid);
    kz_jw_str(&ax, "outcome", outcome);
    kz_jw_str(&ax, "reasons", reasons);
    kz_jw_str(&ax, "resolved_by", a->name);
    kz_jw_str(&ax, "resolved_at", now);
    if (reversed) {
        kz_jw_int(&ax, "decision_id", d.id);
        kz_jw_str(&ax, "reversed_at", now);
    }
    rc = kz__move(a, &c, reversed ? "reversed" : back, "case.resolve_appeal", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_resolve_appeal(kz_actor *a, int64_t case_id, const char *outcome, const char *reasons)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_resolve(a, case_id, outcome, reasons));
}
