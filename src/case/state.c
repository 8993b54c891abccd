/*
 * case/state.c - what every step of the workflow shares (case/case_int.h):
 * reading a case and its latest decision, the state and text checks, and
 * kz__move, which changes a case's state and writes its audit entry.
 */
#include "case/case_int.h"
#include <utf8proc.h>

void kz__col_copy(kz_dbres *r, int col, char *out, size_t n)
{
    const char *t = kz_dbres_text(r, col, NULL);
    snprintf(out, n, "%s", t ? t : "");
}

int kz__case_load(kz_actor *a, int64_t id, case_row *c)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    memset(c, 0, sizeof *c);
    int rc = kz_db_query(kz_store_db(a->s), "SELECT item_id, category, state, score, automated, "
                         "assigned_to FROM cases WHERE id = $1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the case");
    if ((rc = kz_dbres_next(r)) == 1) {
        c->id = id;
        c->item_id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, c->category, sizeof c->category);
        kz__col_copy(r, 2, c->state, sizeof c->state);
        c->score = kz_dbres_int(r, 3);
        c->automated = kz_dbres_int(r, 4);
        c->assigned_to = kz_dbres_null(r, 5) ? 0 : kz_dbres_int(r, 5);
        rc = 0;
    } else if (rc == 0) {
        rc = kz__fail(a, KZ_ENOTFOUND, "no case %lld", (long long)id);
    } else {
        rc = kz__dbfail(a, rc, "reading the case");
    }
    kz_dbres_done(r);
    return rc;
}

int kz__decision_load(kz_actor *a, int64_t case_id, dec_row *d)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(case_id) };
    memset(d, 0, sizeof *d);
    int rc = kz_db_query(kz_store_db(a->s), "SELECT id, measure, decided_by, approved_by, "
                         "reversed_at FROM decisions WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
                         p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the decision");
    if ((rc = kz_dbres_next(r)) == 1) {
        d->id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, d->measure, sizeof d->measure);
        d->decided_by = kz_dbres_int(r, 2);
        d->approved_by = kz_dbres_null(r, 3) ? 0 : kz_dbres_int(r, 3);
        d->reversed = !kz_dbres_null(r, 4);
        rc = 0;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    } else {
        rc = kz__dbfail(a, rc, "reading the decision");
    }
    kz_dbres_done(r);
    return rc;
}

int kz__decision_for(kz_actor *a, const case_row *c, dec_row *d)
{
    int rc = kz__decision_load(a, c->id, d);
    if (rc == KZ_ENOTFOUND)
        return kz__fail(a, KZ_EINTERNAL, "case %lld is '%s' but has no decision",
                        (long long)c->id, c->state);
    return rc;
}

int kz__state_is(const case_row *c, const char *const *states)
{
    for (; *states; states++)
        if (!strcmp(c->state, *states))
            return 1;
    return 0;
}

/* Why the case is not ready for what, with a hint from where it is. */
int kz__bad_state(kz_actor *a, const case_row *c, const char *what, const char *need)
{
    const char *hint = "";
    if (!strcmp(c->state, "detected")) hint = " (assign it first)";
    else if (!strcmp(c->state, "in_review")) hint = " (it has no decision in effect yet)";
    else if (!strcmp(c->state, "awaiting_approval")) hint = " (its block awaits a supervisor's approval)";
    else if (!strcmp(c->state, "appealed")) hint = " (an appeal is open)";
    else if (!strcmp(c->state, "reversed")) hint = " (its decision was reversed on appeal)";
    else if (!strcmp(c->state, "reopened")) hint = " (its content came back: send a new notice)";
    return kz__fail(a, KZ_ESTATE, "case %lld is '%s'; %s needs it %s%s", (long long)c->id,
                    c->state, what, need, hint);
}

unsigned kz_case_steps(const char *state, const char *role, int mine)
{
    unsigned r = kz__role_bit(role), steps = 0;
    if (!state || !r)
        return 0;
    int detected = !strcmp(state, "detected"), in_review = !strcmp(state, "in_review");
    if (detected && (r & ROLES_TAKE))
        steps |= KZ_STEP_TAKE;
    if ((detected || in_review) && (r & ROLES_ASSIGN))
        steps |= KZ_STEP_ASSIGN;
    if (in_review && mine && (r & ROLES_DECIDE))
        steps |= KZ_STEP_DECIDE;
    if (!strcmp(state, "awaiting_approval") && (r & ROLES_APPROVE))
        steps |= KZ_STEP_APPROVE;
    if (!strcmp(state, "appealed") && (r & ROLES_RESOLVE))
        steps |= KZ_STEP_RESOLVE;
    return steps;
}

/* Letters and digits in v (Unicode categories L and N); invalid UTF-8
 * counts as nothing. */
static size_t alnum_count(const char *v)
{
    size_t n = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)v;
    utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(v);
    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, len, &cp);
        if (k <= 0) {
            p++;
            len--;
            continue;
        }
        utf8proc_category_t c = utf8proc_category(cp);
        n += (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
             (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
        p += k;
        len -= k;
    }
    return n;
}

/* A text the law needs (reasons, legal basis, grounds, an answer): present,
 * not blank, not trivially short (TEXT_MIN letters or digits), not too long. */
int kz__text_ok(kz_actor *a, const char *v, const char *field, const char *why)
{
    if (!v || !*v)
        return kz__fail(a, KZ_EINVAL, "missing %s%s", field, why);
    if (strlen(v) > TEXT_MAX)
        return kz__fail(a, KZ_EINVAL, "%s is longer than %d bytes", field, TEXT_MAX);
    size_t n = alnum_count(v);
    if (n == 0)
        return kz__fail(a, KZ_EINVAL, "%s is blank%s", field, why);
    if (n < TEXT_MIN)
        return kz__fail(a, KZ_EINVAL, "%s is too short to say anything ('%.40s'; at least %d "
                        "letters or digits)%s", field, v, TEXT_MIN, why);
    return 0;
}

/* Move the case to state, and audit it: before = {"state": old, bx...},
 * after = {"state": new, ax...}; bx and ax are fields (may be NULL), and a
 * builder that ran out of memory fails the move before anything is written. */
int kz__move(kz_actor *a, case_row *c, const char *state, const char *action,
                const kz_jw *bx, const kz_jw *ax)
{
    if ((bx && bx->rc) || (ax && ax->rc))
        return kz__fail(a, KZ_ENOMEM, "out of memory");
    char now[21];
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(state), kz_dbstr(now), kz_dbint(c->id) };
    int rc = kz_db_query(kz_store_db(a->s), "UPDATE cases SET state = $1, updated_at = $2 "
                         "WHERE id = $3", p, 3, NULL);
    if (rc)
        return kz__dbfail(a, rc, "updating the case");
    kz_jw before, after;
    kz_jw_init(&before);
    kz_jw_init(&after);
    kz_jw_raw(&before, "{");
    kz_jw_str(&before, "state", c->state);
    if (bx && bx->b.len) { kz_jw_raw(&before, ","); kz_jw_raw(&before, bx->b.p); }
    kz_jw_raw(&before, "}");
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "state", state);
    if (ax && ax->b.len) { kz_jw_raw(&after, ","); kz_jw_raw(&after, ax->b.p); }
    kz_jw_raw(&after, "}");
    rc = before.rc ? before.rc : after.rc;
    if (rc)
        kz__fail(a, rc, "building the audit entry: %s", kz_strerror(rc));
    else if ((rc = kz_store_audit(a->s, a->name, action, "case", c->id, before.b.p, after.b.p)))
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&before);
    kz_jw_release(&after);
    if (!rc)
        snprintf(c->state, sizeof c->state, "%s", state);
    return rc;
}
