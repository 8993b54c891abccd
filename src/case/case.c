/*
 * case/case.c - the review workflow's state machine (case/case.h).
 *
 * Every public function is one transaction: kz__begin, a do_* function
 * that checks the acting account, the case's state and the input, makes
 * the change and audits it, then kz__end (commit, or roll back on any
 * error).  The checks read the database inside the transaction, so two
 * processes cannot both move a case from the same state.
 */
#include "case/case_int.h"
#include "case/scope.h"
#include "detect/simhash.h"
#include "detect/minhash.h"
#include "store/bank.h"

/* ---- measures ------------------------------------------------------------ */

static const char *const measures[KZ_CASE_NMEASURES] = { "no_action", "removal_request",
                                                         "geo_restriction", "url_block",
                                                         "domain_block" };

const char *kz_case_measure(size_t i) { return i < KZ_ARRAY_LEN(measures) ? measures[i] : NULL; }

int kz_case_measure_ok(const char *m)
{
    for (size_t i = 0; i < KZ_ARRAY_LEN(measures); i++)
        if (m && !strcmp(m, measures[i]))
            return 1;
    return 0;
}
int kz_case_measure_restrictive(const char *m) { return kz_case_measure_ok(m) && strcmp(m, "no_action"); }
int kz_case_measure_needs_approval(const char *m)
{
    return m && (!strcmp(m, "url_block") || !strcmp(m, "domain_block"));
}

/* ---- assign -------------------------------------------------------------- */

static int do_assign(kz_actor *a, int64_t id, const char *to)
{
    static const char *const ok[] = { "detected", "in_review", NULL };
    case_row c;
    kz_dbres *r = NULL;
    int rc;
    if ((rc = kz__need(a, ROLES_ASSIGN, "assigning a case")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (!kz__state_is(&c, ok))
        return kz__bad_state(a, &c, "assigning", "'detected' or 'in_review'");
    kz_dbval p[] = { kz_dbstr(to) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT id, role, disabled FROM accounts "
                          "WHERE name = $1", p, 1, &r)))
        return kz__dbfail(a, rc, "finding the account");
    int64_t uid = 0, disabled = 0;
    char role[16] = "";
    if ((rc = kz_dbres_next(r)) == 1) {
        uid = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, role, sizeof role);
        disabled = kz_dbres_int(r, 2);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "finding the account");
    if (!uid)
        return kz__fail(a, KZ_ENOTFOUND, "no account '%s'", to);
    if (disabled)
        return kz__fail(a, KZ_EPERM, "account '%s' is disabled", to);
    if (!(kz__role_bit(role) & (R_REVIEWER | R_SUPERVISOR)))
        return kz__fail(a, KZ_EPERM, "a case is reviewed by a reviewer or a supervisor; '%s' is "
                        "%s %s", to, role[0] == 'a' ? "an" : "a", role);
    if (uid == c.assigned_to && !strcmp(c.state, "in_review"))
        return kz__fail(a, KZ_ESTATE, "case %lld is assigned to '%s' already", (long long)id, to);
    char was[72] = "";
    if (c.assigned_to)
        kz__account_name(a, c.assigned_to, was);
    kz_dbval q[] = { kz_dbint(uid), kz_dbint(id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE cases SET assigned_to = $1 WHERE id = $2",
                          q, 2, NULL)))
        return kz__dbfail(a, rc, "assigning the case");
    kz_jw bx, ax;
    kz_jw_init(&bx);
    kz_jw_init(&ax);
    kz_jw_str(&bx, "assigned_to", c.assigned_to ? was : NULL);
    kz_jw_str(&ax, "assigned_to", to);
    rc = kz__move(a, &c, "in_review", "case.assign", &bx, &ax);
    kz_jw_release(&bx);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_assign(kz_actor *a, int64_t case_id, const char *assignee)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_assign(a, case_id, assignee ? assignee : ""));
}

/* ---- banking decided material (docs/banks.md "Re-uploads") --------------- */

/* Add signal to the block bank <category><suffix>, created when missing
 * (store/bank.h, inside this decision's transaction). */
static int bank_one(kz_actor *a, kz_banks *banks, const case_row *c, const char *suffix,
                    int type, const char *signal, const char *origin)
{
    char name[sizeof c->category + 8];
    int added = 0;
    snprintf(name, sizeof name, "%s%s", c->category, suffix);
    int rc = kz_bank_add_tx(banks, a->name, name, type, signal, c->category, origin, &added);
    return rc ? kz__fail(a, rc, "banking the decision: %s", kz_bank_errmsg(banks)) : 0;
}

/* A restrictive decision took effect: bank the item's SHA-256 (of the text
 * as ingested) and the SimHash of its excerpt (the first 2000 bytes), with
 * the excerpt's MinHash beside it (detect/minhash.h: near copies). */
static int bank_item(kz_actor *a, const case_row *c, int64_t dec)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(c->item_id) };
    char sha[72] = "", origin[32], hex[KZ_SIMHASH_HEXLEN + 1], mhex[KZ_MINHASH_HEXLEN + 1] = "";
    kz_simhash *sh = NULL;
    kz_minhash *mh = NULL;
    kz_minhash_sig ms;
    size_t nsh = 0;
    uint64_t h = 0;
    int rc = kz_db_query(kz_store_db(a->s), "SELECT content_sha256, excerpt FROM items "
                         "WHERE id = $1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the item");
    if ((rc = kz_dbres_next(r)) != 1) {
        kz_dbres_done(r);
        return rc < 0 ? kz__dbfail(a, rc, "reading the item") : 0;
    }
    kz__col_copy(r, 0, sha, sizeof sha);
    size_t n = 0;
    const char *ex = kz_dbres_null(r, 1) ? NULL : kz_dbres_text(r, 1, &n);
    if (ex && n) {
        if (!(sh = kz_simhash_new()) || !(mh = kz_minhash_new()))
            rc = kz__fail(a, KZ_ENOMEM, "out of memory");
        else if ((rc = kz_simhash_text(sh, ex, n, &h)) || (rc = kz_minhash_text(mh, ex, n, &ms, &nsh)))
            kz__fail(a, rc, "hashing the excerpt: %s", kz_strerror(rc));
        else if (nsh)
            kz_minhash_to_hex(&ms, mhex);
    }
    kz_dbres_done(r);
    kz_simhash_free(sh);
    kz_minhash_free(mh);
    if (rc)
        return rc;
    snprintf(origin, sizeof origin, "decision:%lld", (long long)dec);
    kz_banks *banks = NULL;
    if ((rc = kz_bank_open(&banks, a->s)) != 0)
        return kz__fail(a, rc, "out of memory");
    if (sha[0])
        rc = bank_one(a, banks, c, "-sha256", KZ_BANK_SHA256, sha, origin);
    if (!rc && h) {                 /* 0: no words, nothing to match on */
        char name[sizeof c->category + 8];
        int added = 0;
        kz_simhash_to_hex(h, hex);
        snprintf(name, sizeof name, "%s-text", c->category);
        if ((rc = kz_bank_add_text_tx(banks, a->name, name, hex, mhex[0] ? mhex : NULL, c->category,
                                      origin, &added)) != 0)
            kz__fail(a, rc, "banking the decision: %s", kz_bank_errmsg(banks));
    }
    size_t nimg = 0;                /* and its images: PDQ, SHA-256, MD5 (store/bank.h) */
    if (!rc && (rc = kz_bank_add_media_tx(banks, a->name, c->item_id, c->category, origin, &nimg)))
        kz__fail(a, rc, "banking the decision: %s", kz_bank_errmsg(banks));
    kz_bank_close(&banks);
    return rc;
}

/* ---- decide -------------------------------------------------------------- */

static int do_decide(kz_actor *a, int64_t id, const kz_decision_in *d, int64_t *did)
{
    case_row c;
    int rc;
    char now[21], ends[21] = "";
    if ((rc = kz__need(a, ROLES_DECIDE, "deciding a case")) ||
        (rc = kz__case_load(a, id, &c)))
        return rc;
    if (strcmp(c.state, "in_review"))
        return kz__bad_state(a, &c, "a decision", "'in_review'");
    if (c.assigned_to != a->id) {
        char who[72];
        kz__account_name(a, c.assigned_to, who);
        return kz__fail(a, KZ_EPERM, "case %lld is assigned to '%s'; only the assigned reviewer "
                        "decides it", (long long)id, who);
    }
    const char *m = d->measure;
    if (!m || !*m)
        return kz__fail(a, KZ_EINVAL, "missing measure (no_action, removal_request, "
                        "geo_restriction, url_block or domain_block)");
    if (!kz_case_measure_ok(m))
        return kz__fail(a, KZ_EINVAL, "unknown measure '%s' (no_action, removal_request, "
                        "geo_restriction, url_block or domain_block)", m);
    int restrictive = kz_case_measure_restrictive(m);
    if ((rc = kz__text_ok(a, d->reasons, "facts and reasons (facts_and_reasons)",
                      ": every decision states them")))
        return rc;
    kz__now(a, now);
    if (restrictive) {
        char why[96];
        snprintf(why, sizeof why, ": a %s needs it", m);
        if ((rc = kz__text_ok(a, d->legal_basis, "legal basis (legal_basis: the law and article)", why)))
            return rc;
        const char *bad;
        size_t badlen;
        if (!d->scope || !*d->scope)
            return kz__fail(a, KZ_EINVAL, "missing territorial scope (territorial_scope)%s", why);
        if (strlen(d->scope) > 1024 || !kz_scope_valid(d->scope, &bad, &badlen))
            return kz__fail(a, KZ_EINVAL, "territorial scope (territorial_scope) '%.*s' is not an "
                            "ISO 3166 code: give one or more, like KZ or KZ-ALA, KZ-71",
                            badlen ? (int)KZ_MIN(badlen, 40) : 40, badlen ? bad : d->scope);
        time_t t0, t;
        kz__time_parse(now, &t0);
        if (d->until && *d->until) {
            if (d->days)
                return kz__fail(a, KZ_EINVAL, "give the end date (until) or the duration (days), "
                                "not both");
            if (kz__time_parse(d->until, &t))
                return kz__fail(a, KZ_EINVAL, "end date (until) '%s' is not a date like "
                                "2026-12-31 or 2026-12-31T00:00:00Z", d->until);
            if (t <= t0)
                return kz__fail(a, KZ_EINVAL, "end date (until) %s is not in the future",
                                d->until);
        } else if (d->days) {
            if (d->days < 1 || d->days > KZ_DECISION_DAYS_MAX)
                return kz__fail(a, KZ_EINVAL, "duration (days) must be 1 to %d, not %d",
                                KZ_DECISION_DAYS_MAX, d->days);
            t = t0 + (time_t)d->days * 86400;
        } else {
            return kz__fail(a, KZ_EINVAL, "missing duration or end date (days or until)%s", why);
        }
        kz__time_fmt(t, ends);
    } else if (d->legal_basis && strlen(d->legal_basis) > TEXT_MAX) {
        return kz__fail(a, KZ_EINVAL, "legal basis is longer than %d bytes", TEXT_MAX);
    }
    const char *scope = restrictive ? d->scope : NULL;
    const char *basis = d->legal_basis && *d->legal_basis ? d->legal_basis : NULL;
    kz_dbval p[] = { kz_dbint(id), kz_dbstr(m), kz_dbstr(scope), kz_dbstr(now),
                     ends[0] ? kz_dbstr(ends) : kz_dbnull(), kz_dbstr(basis),
                     kz_dbstr(d->reasons), kz_dbint(c.automated), kz_dbint(a->id) };
    int64_t dec = 0;
    if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO decisions (case_id, measure, "
                        "territorial_scope, starts_at, ends_at, legal_basis, facts_and_reasons, "
                        "automated_detection, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, "
                        "$6, $7, $8, $9, $4) RETURNING id", p, 9, &dec)))
        return kz__dbfail(a, rc, "storing the decision");
    if (did)
        *did = dec;
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_key(&ax, "decision");
    kz_jw_raw(&ax, "{");
    kz_jw_int(&ax, "id", dec);
    kz_jw_str(&ax, "measure", m);
    kz_jw_str(&ax, "territorial_scope", scope);
    kz_jw_str(&ax, "starts_at", now);
    kz_jw_str(&ax, "ends_at", ends[0] ? ends : NULL);
    kz_jw_str(&ax, "legal_basis", basis);
    kz_jw_str(&ax, "facts_and_reasons", d->reasons);
    kz_jw_bool(&ax, "automated_detection", (int)c.automated);
    kz_jw_str(&ax, "decided_by", a->name);
    kz_jw_raw(&ax, "}");
    const char *next = kz_case_measure_needs_approval(m) ? "awaiting_approval" : "decided";
    rc = kz__move(a, &c, next, "case.decide", NULL, &ax);
    kz_jw_release(&ax);
    if (!rc && restrictive && !strcmp(next, "decided"))
        rc = bank_item(a, &c, dec);
    return rc;
}

int kz_case_decide(kz_actor *a, int64_t case_id, const kz_decision_in *d, int64_t *decision_id)
{
    if (decision_id)
        *decision_id = 0;
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_decide(a, case_id, d, decision_id));
}

/* ---- approve ------------------------------------------------------------- */

static int do_approve(kz_actor *a, int64_t id)
{
    case_row c;
    dec_row d;
    int rc;
    char now[21];
    if ((rc = kz__need(a, ROLES_APPROVE, "approving a block")) || (rc = kz__case_load(a, id, &c)))
        return rc;
    if (strcmp(c.state, "awaiting_approval"))
        return kz__bad_state(a, &c, "approving", "'awaiting_approval' (a proposed url_block or "
                         "domain_block)");
    if ((rc = kz__decision_for(a, &c, &d)))
        return rc;
    if (d.decided_by == a->id)
        return kz__fail(a, KZ_EPERM, "'%s' proposed this %s; a second person, a supervisor who "
                        "did not propose it, must approve it", a->name, d.measure);
    kz__now(a, now);
    kz_dbval p[] = { kz_dbint(a->id), kz_dbstr(now), kz_dbint(d.id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE decisions SET approved_by = $1, "
                          "approved_at = $2 WHERE id = $3", p, 3, NULL)))
        return kz__dbfail(a, rc, "approving the decision");
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_int(&ax, "decision_id", d.id);
    kz_jw_str(&ax, "measure", d.measure);
    kz_jw_str(&ax, "approved_by", a->name);
    kz_jw_str(&ax, "approved_at", now);
    rc = kz__move(a, &c, "decided", "case.approve", NULL, &ax);
    kz_jw_release(&ax);
    if (!rc)
        rc = bank_item(a, &c, d.id);
    return rc;
}

int kz_case_approve(kz_actor *a, int64_t case_id)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_approve(a, case_id));
}

/* A supervisor who will not approve a proposed block sends the case back to
 * its reviewer: the proposal keeps its row, closed (reversed_at set, never
 * approved, so no list ever carried it), and the reasons are in the audit
 * entry; the reviewer decides again. */
static int do_reject(kz_actor *a, int64_t id, const char *reasons)
{
    case_row c;
    dec_row d;
    int rc;
    char now[21];
    if ((rc = kz__need(a, ROLES_APPROVE, "rejecting a proposed block")) || (rc = kz__case_load(a, id, &c)))
        return rc;
    if (strcmp(c.state, "awaiting_approval"))
        return kz__bad_state(a, &c, "rejecting", "'awaiting_approval' (a proposed url_block or "
                         "domain_block)");
    if (!reasons || !*reasons)
        return kz__fail(a, KZ_EINVAL, "rejecting a proposed block needs --reasons");
    if ((rc = kz__decision_for(a, &c, &d)))
        return rc;
    if (d.decided_by == a->id)
        return kz__fail(a, KZ_EPERM, "'%s' proposed this %s; a second person, a supervisor who "
                        "did not propose it, must review it", a->name, d.measure);
    kz__now(a, now);
    kz_dbval p[] = { kz_dbstr(now), kz_dbint(d.id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE decisions SET reversed_at = $1 "
                          "WHERE id = $2 AND approved_by IS NULL", p, 2, NULL)))
        return kz__dbfail(a, rc, "closing the proposal");
    kz_jw ax;
    kz_jw_init(&ax);
    kz_jw_int(&ax, "decision_id", d.id);
    kz_jw_str(&ax, "measure", d.measure);
    kz_jw_str(&ax, "rejected_by", a->name);
    kz_jw_str(&ax, "reasons", reasons);
    kz_jw_str(&ax, "reversed_at", now);
    rc = kz__move(a, &c, "in_review", "case.reject", NULL, &ax);
    kz_jw_release(&ax);
    return rc;
}

int kz_case_reject(kz_actor *a, int64_t case_id, const char *reasons)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_reject(a, case_id, reasons));
}
