/*
 * case/case.c - the review workflow's state machine (case/case.h).
 *
 * Every public function is one transaction: kz__begin, a do_* function
 * that checks the acting account, the case's state and the input, makes
 * the change and audits it, then kz__end (commit, or roll back on any
 * error).  The checks read the database inside the transaction, so two
 * processes cannot both move a case from the same state.
 */
#include "case/case.h"
#include "case/actor_int.h"
#include "case/scope.h"
#include "detect/simhash.h"
#include "detect/minhash.h"
#include "store/bank.h"
#include <json-c/json.h>
#include <utf8proc.h>

#define TEXT_MAX 16384          /* reasons, grounds, answers, legal basis */
#define TEXT_MIN 3              /* letters or digits in each of them */

/* ---- measures ------------------------------------------------------------ */

static const char *const measures[] = { "no_action", "removal_request", "geo_restriction",
                                        "url_block", "domain_block" };

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

/* ---- JSON for the audit log ---------------------------------------------- */

/* Appends with a sticky error: check j->rc once at the end. */
typedef struct jb {
    kz_buf b;
    int    rc;
} jb;

static void jb_init(jb *j) { kz_buf_init(&j->b, 1u << 20); j->rc = 0; }
static void jb_release(jb *j) { kz_buf_release(&j->b); }
static void jb_raw(jb *j, const char *s) { if (!j->rc) j->rc = kz_buf_adds(&j->b, s); }
static void jb_key(jb *j, const char *k)
{
    if (!j->rc) j->rc = kz_buf_addf(&j->b, "%s\"%s\":", j->b.len && j->b.p[j->b.len - 1] != '{' &&
                                                        j->b.p[j->b.len - 1] != '[' ? "," : "", k);
}
static void jb_str(jb *j, const char *k, const char *v)
{
    jb_key(j, k);
    if (!j->rc) j->rc = v ? kz_buf_add_json_str(&j->b, v, strlen(v)) : kz_buf_adds(&j->b, "null");
}
static void jb_int(jb *j, const char *k, int64_t v)
{
    jb_key(j, k);
    if (!j->rc) j->rc = kz_buf_addf(&j->b, "%lld", (long long)v);
}
static void jb_bool(jb *j, const char *k, int v) { jb_key(j, k); jb_raw(j, v ? "true" : "false"); }

/* ---- rows ---------------------------------------------------------------- */

typedef struct case_row {
    int64_t id, item_id, score, automated, assigned_to;
    char    state[24], category[128];
} case_row;

typedef struct dec_row {
    int64_t id, decided_by, approved_by;
    int     reversed;
    char    measure[24];
} dec_row;

static void col_copy(kz_dbres *r, int col, char *out, size_t n)
{
    const char *t = kz_dbres_text(r, col, NULL);
    snprintf(out, n, "%s", t ? t : "");
}

static int load_case(kz_actor *a, int64_t id, case_row *c)
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
        col_copy(r, 1, c->category, sizeof c->category);
        col_copy(r, 2, c->state, sizeof c->state);
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

/* The case's latest decision; KZ_ENOTFOUND (no message) when it has none. */
static int load_decision(kz_actor *a, int64_t case_id, dec_row *d)
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
        col_copy(r, 1, d->measure, sizeof d->measure);
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

static int decision_for(kz_actor *a, const case_row *c, dec_row *d)
{
    int rc = load_decision(a, c->id, d);
    if (rc == KZ_ENOTFOUND)
        return kz__fail(a, KZ_EINTERNAL, "case %lld is '%s' but has no decision",
                        (long long)c->id, c->state);
    return rc;
}

static int state_is(const case_row *c, const char *const *states)
{
    for (; *states; states++)
        if (!strcmp(c->state, *states))
            return 1;
    return 0;
}

/* Why the case is not ready for what, with a hint from where it is. */
static int bad_state(kz_actor *a, const case_row *c, const char *what, const char *need)
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
static int text_ok(kz_actor *a, const char *v, const char *field, const char *why)
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
static int move(kz_actor *a, case_row *c, const char *state, const char *action,
                const jb *bx, const jb *ax)
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
    jb before, after;
    jb_init(&before);
    jb_init(&after);
    jb_raw(&before, "{");
    jb_str(&before, "state", c->state);
    if (bx && bx->b.len) { jb_raw(&before, ","); jb_raw(&before, bx->b.p); }
    jb_raw(&before, "}");
    jb_raw(&after, "{");
    jb_str(&after, "state", state);
    if (ax && ax->b.len) { jb_raw(&after, ","); jb_raw(&after, ax->b.p); }
    jb_raw(&after, "}");
    rc = before.rc ? before.rc : after.rc;
    if (rc)
        kz__fail(a, rc, "building the audit entry: %s", kz_strerror(rc));
    else if ((rc = kz_store_audit(a->s, a->name, action, "case", c->id, before.b.p, after.b.p)))
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    jb_release(&before);
    jb_release(&after);
    if (!rc)
        snprintf(c->state, sizeof c->state, "%s", state);
    return rc;
}

/* ---- assign -------------------------------------------------------------- */

static int do_assign(kz_actor *a, int64_t id, const char *to)
{
    static const char *const ok[] = { "detected", "in_review", NULL };
    case_row c;
    kz_dbres *r = NULL;
    int rc;
    if ((rc = kz__need(a, R_ANALYST | R_SUPERVISOR | R_ADMIN, "assigning a case")) ||
        (rc = load_case(a, id, &c)))
        return rc;
    if (!state_is(&c, ok))
        return bad_state(a, &c, "assigning", "'detected' or 'in_review'");
    kz_dbval p[] = { kz_dbstr(to) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT id, role, disabled FROM accounts "
                          "WHERE name = $1", p, 1, &r)))
        return kz__dbfail(a, rc, "finding the account");
    int64_t uid = 0, disabled = 0;
    char role[16] = "";
    if ((rc = kz_dbres_next(r)) == 1) {
        uid = kz_dbres_int(r, 0);
        col_copy(r, 1, role, sizeof role);
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
    jb bx, ax;
    jb_init(&bx);
    jb_init(&ax);
    jb_str(&bx, "assigned_to", c.assigned_to ? was : NULL);
    jb_str(&ax, "assigned_to", to);
    rc = move(a, &c, "in_review", "case.assign", &bx, &ax);
    jb_release(&bx);
    jb_release(&ax);
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
    col_copy(r, 0, sha, sizeof sha);
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
    if ((rc = kz__need(a, R_REVIEWER | R_SUPERVISOR, "deciding a case")) ||
        (rc = load_case(a, id, &c)))
        return rc;
    if (strcmp(c.state, "in_review"))
        return bad_state(a, &c, "a decision", "'in_review'");
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
    if ((rc = text_ok(a, d->reasons, "facts and reasons (facts_and_reasons)",
                      ": every decision states them")))
        return rc;
    kz__now(a, now);
    if (restrictive) {
        char why[96];
        snprintf(why, sizeof why, ": a %s needs it", m);
        if ((rc = text_ok(a, d->legal_basis, "legal basis (legal_basis: the law and article)", why)))
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
            if (d->days < 1 || d->days > 3650)
                return kz__fail(a, KZ_EINVAL, "duration (days) must be 1 to 3650, not %d", d->days);
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
    jb ax;
    jb_init(&ax);
    jb_key(&ax, "decision");
    jb_raw(&ax, "{");
    jb_int(&ax, "id", dec);
    jb_str(&ax, "measure", m);
    jb_str(&ax, "territorial_scope", scope);
    jb_str(&ax, "starts_at", now);
    jb_str(&ax, "ends_at", ends[0] ? ends : NULL);
    jb_str(&ax, "legal_basis", basis);
    jb_str(&ax, "facts_and_reasons", d->reasons);
    jb_bool(&ax, "automated_detection", (int)c.automated);
    jb_str(&ax, "decided_by", a->name);
    jb_raw(&ax, "}");
    const char *next = kz_case_measure_needs_approval(m) ? "awaiting_approval" : "decided";
    rc = move(a, &c, next, "case.decide", NULL, &ax);
    jb_release(&ax);
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
    if ((rc = kz__need(a, R_SUPERVISOR, "approving a block")) || (rc = load_case(a, id, &c)))
        return rc;
    if (strcmp(c.state, "awaiting_approval"))
        return bad_state(a, &c, "approving", "'awaiting_approval' (a proposed url_block or "
                         "domain_block)");
    if ((rc = decision_for(a, &c, &d)))
        return rc;
    if (d.decided_by == a->id)
        return kz__fail(a, KZ_EPERM, "'%s' proposed this %s; a second person, a supervisor who "
                        "did not propose it, must approve it", a->name, d.measure);
    kz__now(a, now);
    kz_dbval p[] = { kz_dbint(a->id), kz_dbstr(now), kz_dbint(d.id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE decisions SET approved_by = $1, "
                          "approved_at = $2 WHERE id = $3", p, 3, NULL)))
        return kz__dbfail(a, rc, "approving the decision");
    jb ax;
    jb_init(&ax);
    jb_int(&ax, "decision_id", d.id);
    jb_str(&ax, "measure", d.measure);
    jb_str(&ax, "approved_by", a->name);
    jb_str(&ax, "approved_at", now);
    rc = move(a, &c, "decided", "case.approve", NULL, &ax);
    jb_release(&ax);
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
    if ((rc = kz__need(a, R_SUPERVISOR, "rejecting a proposed block")) || (rc = load_case(a, id, &c)))
        return rc;
    if (strcmp(c.state, "awaiting_approval"))
        return bad_state(a, &c, "rejecting", "'awaiting_approval' (a proposed url_block or "
                         "domain_block)");
    if (!reasons || !*reasons)
        return kz__fail(a, KZ_EINVAL, "rejecting a proposed block needs --reasons");
    if ((rc = decision_for(a, &c, &d)))
        return rc;
    if (d.decided_by == a->id)
        return kz__fail(a, KZ_EPERM, "'%s' proposed this %s; a second person, a supervisor who "
                        "did not propose it, must review it", a->name, d.measure);
    kz__now(a, now);
    kz_dbval p[] = { kz_dbstr(now), kz_dbint(d.id) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE decisions SET reversed_at = $1 "
                          "WHERE id = $2 AND approved_by IS NULL", p, 2, NULL)))
        return kz__dbfail(a, rc, "closing the proposal");
    jb ax;
    jb_init(&ax);
    jb_int(&ax, "decision_id", d.id);
    jb_str(&ax, "measure", d.measure);
    jb_str(&ax, "rejected_by", a->name);
    jb_str(&ax, "reasons", reasons);
    jb_str(&ax, "reversed_at", now);
    rc = move(a, &c, "in_review", "case.reject", NULL, &ax);
    jb_release(&ax);
    return rc;
}

int kz_case_reject(kz_actor *a, int64_t case_id, const char *reasons)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_reject(a, case_id, reasons));
}

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
    jb before, after;
    jb_init(&before);
    jb_init(&after);
    jb_raw(&before, "{");
    jb_str(&before, "category", cat);
    if (old >= 0) jb_int(&before, "seconds", old);
    jb_raw(&before, "}");
    jb_raw(&after, "{");
    jb_str(&after, "category", cat);
    jb_int(&after, "seconds", secs);
    jb_raw(&after, "}");
    rc = before.rc || after.rc ? KZ_ENOMEM
                               : kz_store_audit(a->s, a->name, "deadline.set", "category_deadline",
                                                0, old >= 0 ? before.b.p : NULL, after.b.p);
    if (rc)
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    jb_release(&before);
    jb_release(&after);
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
        jb after;
        jb_init(&after);
        jb_raw(&after, "{");
        jb_str(&after, "name", name);
        jb_raw(&after, "}");
        rc = after.rc ? KZ_ENOMEM : kz_store_audit(a->s, a->name, "platform.create", "platform",
                                                   *pid, NULL, after.b.p);
        jb_release(&after);
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
        col_copy(r, 1, pname, pn);
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
        (rc = load_case(a, id, &c)))
        return rc;
    if (strcmp(c.state, "decided") && strcmp(c.state, "reopened"))
        return bad_state(a, &c, "a notice", "'decided'");
    if ((rc = decision_for(a, &c, &d)))
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
    jb ax;
    jb_init(&ax);
    jb_key(&ax, "notice");
    jb_raw(&ax, "{");
    jb_int(&ax, "id", n);
    jb_int(&ax, "decision_id", d.id);
    jb_str(&ax, "platform", pname);
    jb_str(&ax, "sent_at", now);
    jb_str(&ax, "deadline", dl);
    jb_raw(&ax, "}");
    rc = move(a, &c, "notified", "case.notify", NULL, &ax);
    jb_release(&ax);
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
        col_copy(r, 1, dl, 21);
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
        (rc = load_case(a, id, &c)))
        return rc;
    if (!state_is(&c, ok))
        return bad_state(a, &c, "recording compliance", "'notified' or 'overdue'");
    if ((rc = text_ok(a, answer, "answer", ": record what the platform answered")) ||
        (rc = decision_for(a, &c, &d)) || (rc = open_notice(a, d.id, &nid, dl)))
        return rc;
    kz__now(a, now);
    kz_dbval p[] = { kz_dbstr(answer), kz_dbstr(now), kz_dbint(nid) };
    if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET answer = $1, answered_at = $2, "
                          "complied_at = $2 WHERE id = $3", p, 3, NULL)))
        return kz__dbfail(a, rc, "recording the answer");
    jb ax;
    jb_init(&ax);
    jb_int(&ax, "notice_id", nid);
    jb_str(&ax, "answer", answer);
    jb_str(&ax, "complied_at", now);
    jb_bool(&ax, "late", strcmp(now, dl) > 0);
    rc = move(a, &c, "complied", "case.comply", NULL, &ax);
    jb_release(&ax);
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
        if ((rc = load_case(a, ids[i], &c)) || (rc = decision_for(a, &c, &d)) ||
            (rc = open_notice(a, d.id, &nid, dl)))
            break;
        kz_dbval q[] = { kz_dbstr(now), kz_dbint(nid) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET escalated_at = $1 "
                              "WHERE id = $2 AND escalated_at IS NULL", q, 2, NULL))) {
            kz__dbfail(a, rc, "escalating the notice");
            break;
        }
        jb ax;
        jb_init(&ax);
        jb_int(&ax, "notice_id", nid);
        jb_str(&ax, "deadline", dl);
        jb_str(&ax, "checked_at", now);
        rc = move(a, &c, "overdue", "case.overdue", NULL, &ax);
        jb_release(&ax);
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

/* ---- verify -------------------------------------------------------------- */

static int do_verify(kz_actor *a, int64_t id, int gone)
{
    static const char *const ok[] = { "complied", "overdue", "reopened", NULL };
    case_row c;
    int rc;
    char now[21];
    if (a->id && (rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording a re-check")))
        return rc;
    if ((rc = load_case(a, id, &c)))
        return rc;
    if (!state_is(&c, ok))
        return bad_state(a, &c, "a re-check", "'complied' or 'overdue'");
    kz__now(a, now);
    kz_db *db = kz_store_db(a->s);
    jb ax;
    jb_init(&ax);
    jb_str(&ax, "online_status", gone ? "removed" : "online");
    jb_str(&ax, "checked_at", now);
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
            jb_bool(&ax, "escalated", 1);
        }
    }
    if (rc)
        rc = kz__dbfail(a, rc, "recording the re-check");
    else
        rc = move(a, &c, next, gone ? "case.verify" : "case.recheck", NULL, &ax);
    jb_release(&ax);
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
    jb ax;
    jb_init(&ax);
    jb_str(&ax, "reason", reason);
    jb_str(&ax, "online_status", "online");
    if (check_id)
        jb_int(&ax, "check_id", check_id);
    rc = move(a, c, "reopened", "case.reopen", NULL, &ax);
    jb_release(&ax);
    return rc;
}

static int do_reopen(kz_actor *a, int64_t id, const char *reason)
{
    case_row c;
    int rc;
    char now[21];
    if (a->id && (rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "reopening a case")))
        return rc;
    if ((rc = load_case(a, id, &c)))
        return rc;
    if (strcmp(c.state, "verified"))
        return bad_state(a, &c, "reopening", "'verified' (its content found gone)");
    if ((rc = text_ok(a, reason, "reason", ": say why the case is reopened")))
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
    if (!state_is(c, ok))
        return 0;
    if ((rc = open_notice_if_any(a, d->id, &nid)))
        return rc;
    jb ax;
    jb_init(&ax);
    jb_str(&ax, "online_status", "removed");
    jb_str(&ax, "checked_at", k->checked_at);
    jb_int(&ax, "check_id", check_id);
    jb_str(&ax, "why", k->why);
    if (nid) {
        snprintf(answer, sizeof answer, "removal verified by kuzet verify (check %lld: %s)",
                 (long long)check_id, k->why);
        kz_dbval p[] = { kz_dbstr(k->checked_at), kz_dbstr(answer), kz_dbint(nid) };
        if ((rc = kz_db_query(kz_store_db(a->s), "UPDATE notices SET complied_at = $1, "
                              "answered_at = COALESCE(answered_at, $1), answer = "
                              "COALESCE(answer, $2) WHERE id = $3", p, 3, NULL))) {
            jb_release(&ax);
            return kz__dbfail(a, rc, "recording the removal");
        }
        jb_int(&ax, "notice_id", nid);
        jb_str(&ax, "complied_at", k->checked_at);
    }
    snprintf(from, sizeof from, "%s", c->state);
    rc = move(a, c, "verified", "case.verify", NULL, &ax);
    jb_release(&ax);
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
        jb ax;
        jb_init(&ax);
        jb_str(&ax, "online_status", "online");
        jb_str(&ax, "checked_at", k->checked_at);
        jb_int(&ax, "check_id", check_id);
        jb_bool(&ax, "escalated", 1);
        rc = move(a, c, "overdue", "case.recheck", NULL, &ax);
        jb_release(&ax);
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
        if ((rc = load_case(a, ids[i], &c)))
            break;
        if ((rc = load_decision(a, c.id, &d)) == KZ_ENOTFOUND) {
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

/* ---- appeals ------------------------------------------------------------- */

static int do_appeal(kz_actor *a, int64_t id, const char *by, const char *grounds, int64_t *aid)
{
    static const char *const ok[] = { "decided", "notified", "complied", "overdue", "verified",
                                      "reopened", NULL };
    case_row c;
    dec_row d;
    int rc;
    char now[21];
    if ((rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR, "recording an appeal")) ||
        (rc = load_case(a, id, &c)))
        return rc;
    if (!state_is(&c, ok))
        return bad_state(a, &c, "an appeal", "decided (a decision in effect)");
    if (!by || (strcmp(by, "content_owner") && strcmp(by, "platform")))
        return kz__fail(a, KZ_EINVAL, "appellant (filed_by) must be content_owner or platform, not "
                        "'%s'", by ? by : "");
    if ((rc = text_ok(a, grounds, "grounds", ": an appeal states them")) ||
        (rc = decision_for(a, &c, &d)))
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
    jb ax;
    jb_init(&ax);
    jb_key(&ax, "appeal");
    jb_raw(&ax, "{");
    jb_int(&ax, "id", n);
    jb_int(&ax, "decision_id", d.id);
    jb_str(&ax, "filed_by", by);
    jb_str(&ax, "grounds", grounds);
    jb_str(&ax, "filed_at", now);
    jb_raw(&ax, "}");
    rc = move(a, &c, "appealed", "case.appeal", NULL, &ax);
    jb_release(&ax);
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
    if ((rc = kz__need(a, R_REVIEWER | R_SUPERVISOR, "resolving an appeal")) ||
        (rc = load_case(a, id, &c)))
        return rc;
    if (strcmp(c.state, "appealed"))
        return bad_state(a, &c, "resolving an appeal", "'appealed'");
    if (!outcome || (strcmp(outcome, "upheld") && strcmp(outcome, "reversed")))
        return kz__fail(a, KZ_EINVAL, "outcome must be upheld or reversed, not '%s'",
                        outcome ? outcome : "");
    if ((rc = text_ok(a, reasons, "reasons", ": an appeal's outcome states them")) ||
        (rc = decision_for(a, &c, &d)))
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
        col_copy(r, 1, back, sizeof back);
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
    jb ax;
    jb_init(&ax);
    jb_int(&ax, "appeal_id", aid);
    jb_str(&ax, "outcome", outcome);
    jb_str(&ax, "reasons", reasons);
    jb_str(&ax, "resolved_by", a->name);
    jb_str(&ax, "resolved_at", now);
    if (reversed) {
        jb_int(&ax, "decision_id", d.id);
        jb_str(&ax, "reversed_at", now);
    }
    rc = move(a, &c, reversed ? "reversed" : back, "case.resolve_appeal", NULL, &ax);
    jb_release(&ax);
    return rc;
}

int kz_case_resolve_appeal(kz_actor *a, int64_t case_id, const char *outcome, const char *reasons)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_resolve(a, case_id, outcome, reasons));
}

/* ---- retention ----------------------------------------------------------- */

static int do_purge(kz_actor *a, int days, size_t *purged)
{
    char now[21], cutoff[21];
    int64_t *ids = NULL;
    size_t n = 0;
    int rc = kz__need(a, R_ADMIN | R_SUPERVISOR, "purging evidence");
    if (rc)
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
        int64_t nd = 0;
        if ((rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM detections WHERE item_id = $1",
                            q1, 1, &nd)) ||
            (rc = kz_db_query(kz_store_db(a->s), "UPDATE items SET excerpt = NULL, "
                              "evidence_purged_at = $1 WHERE id = $2", q, 2, NULL)) ||
            (rc = kz_db_query(kz_store_db(a->s), "UPDATE detections SET evidence = NULL "
                              "WHERE item_id = $1", q1, 1, NULL))) {
            kz__dbfail(a, rc, "purging evidence");
            break;
        }
        char after[160];
        snprintf(after, sizeof after, "{\"excerpt\":null,\"detections_cleared\":%lld,"
                 "\"evidence_purged_at\":\"%s\"}", (long long)nd, now);
        if ((rc = kz_store_audit(a->s, a->name, "item.evidence_purge", "item", ids[i],
                                 "{\"excerpt\":\"(kept)\"}", after)))
            kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    }
    free(ids);
    if (!rc) {
        char after[200];
        snprintf(after, sizeof after, "{\"older_than_days\":%d,\"removed_before\":\"%s\","
                 "\"items\":%zu}", days, cutoff, n);
        if ((rc = kz_store_audit(a->s, a->name, "evidence.purge", "retention", 0, NULL, after)))
            kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
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

/* ---- reading ------------------------------------------------------------- */

/* A row as JSON fields: spec is one entry per column, its first letter the
 * type (i integer, b boolean, s text, j JSON text kept as JSON when it
 * parses), the rest the name. */
static int row_json(kz_buf *b, kz_dbres *r, const char *const *spec)
{
    int rc = kz_buf_addc(b, '{');
    for (int col = 0; spec[col] && !rc; col++) {
        const char *name = spec[col] + 1;
        rc = kz_buf_addf(b, "%s\"%s\":", col ? "," : "", name);
        if (rc)
            break;
        if (kz_dbres_null(r, col)) {
            rc = kz_buf_adds(b, "null");
            continue;
        }
        switch (spec[col][0]) {
        case 'i': rc = kz_buf_addf(b, "%lld", (long long)kz_dbres_int(r, col)); break;
        case 'b': rc = kz_buf_adds(b, kz_dbres_int(r, col) ? "true" : "false"); break;
        case 'j': {
            size_t n = 0;
            const char *t = kz_dbres_text(r, col, &n);
            json_object *o = n ? json_tokener_parse(t) : NULL;
            if (o && json_object_get_type(o) == json_type_object)
                rc = kz_buf_add(b, t, n);
            else
                rc = kz_buf_add_json_str(b, t ? t : "", n);
            json_object_put(o);
            break;
        }
        default: {
            size_t n = 0;
            const char *t = kz_dbres_text(r, col, &n);
            rc = kz_buf_add_json_str(b, t ? t : "", n);
        }
        }
    }
    return rc ? rc : kz_buf_addc(b, '}');
}

/* Every row of sql as ,"key":[{...},...] (key NULL: JSON lines). */
static int rows_json(kz_actor *a, kz_buf *b, const char *key, const char *sql, const kz_dbval *p,
                     int np, const char *const *spec)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), sql, p, np, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading");
    if (key)
        rc = kz_buf_addf(b, ",\"%s\":[", key);
    int first = 1;
    while (!rc && (rc = kz_dbres_next(r)) == 1) {
        rc = key && !first ? kz_buf_addc(b, ',') : 0;
        if (!rc) rc = row_json(b, r, spec);
        if (!rc && !key) rc = kz_buf_addc(b, '\n');
        first = 0;
    }
    kz_dbres_done(r);
    if (!rc && key)
        rc = kz_buf_addc(b, ']');
    if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc < 0 ? kz__dbfail(a, rc, "reading") : 0;
}

#define CASE_COLS                                                                          \
    "SELECT c.id, c.state, c.category, c.score, c.automated, acc.name, i.url, p.name, "    \
    "(SELECT d.measure FROM decisions d WHERE d.case_id = c.id ORDER BY d.id DESC LIMIT 1), " \
    "(SELECT n.deadline FROM notices n JOIN decisions d ON d.id = n.decision_id WHERE "    \
    "d.case_id = c.id ORDER BY n.id DESC LIMIT 1), c.opened_at, c.updated_at "              \
    "FROM cases c JOIN items i ON i.id = c.item_id LEFT JOIN platforms p ON "               \
    "p.id = i.platform_id LEFT JOIN accounts acc ON acc.id = c.assigned_to "

static const char *const case_spec[] = { "iid", "sstate", "scategory", "iscore", "bautomated",
                                         "sassigned_to", "surl", "splatform", "smeasure",
                                         "snotice_deadline", "sopened_at", "supdated_at", NULL };

static const char *const case_states[] = {
    "detected", "in_review", "awaiting_approval", "decided", "notified", "overdue",
    "complied", "verified", "reopened", "appealed", "reversed", NULL };

const char *const *kz_case_states(void) { return case_states; }

int kz_case_state_valid(const char *state)
{
    for (size_t i = 0; case_states[i]; i++)
        if (!strcmp(state, case_states[i]))
            return 1;
    return 0;
}

int kz_case_list_json(kz_actor *a, const char *state, const char *category, kz_buf *out)
{
    if (state && *state && !kz_case_state_valid(state)) {
        return kz__fail(a, KZ_EINVAL, "unknown state '%.40s' (detected, in_review, "
                        "awaiting_approval, decided, notified, overdue, complied, verified, "
                        "reopened, appealed, reversed)", state);
    }
    char sql[1024];
    kz_dbval p[2];
    int np = 0;
    int n = snprintf(sql, sizeof sql, "%s", CASE_COLS);
    if (state && *state) {
        p[np++] = kz_dbstr(state);
        n += snprintf(sql + n, sizeof sql - (size_t)n, "WHERE c.state = $1 ");
    }
    if (category && *category) {
        p[np++] = kz_dbstr(category);
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s c.category = $%d ", np > 1 ? "AND" : "WHERE", np);
    }
    snprintf(sql + n, sizeof sql - (size_t)n, "ORDER BY c.id");
    return rows_json(a, out, NULL, sql, p, np, case_spec);
}

int kz_case_show_json(kz_actor *a, int64_t id, kz_buf *out)
{
    case_row c;
    int rc = load_case(a, id, &c);
    if (rc)
        return rc;
    static const char *const item_spec[] = {
        "iid", "surl", "splatform", "ssource_ref", "scontent_sha256", "sexcerpt", "slang",
        "spublished", "sfirst_seen", "slast_seen", "sonline_status", "sremoved_at",
        "sevidence_purged_at", NULL };
    static const char *const det_spec[] = { "srule_id", "scategory", "smethod", "iweight",
                                            "istart", "iend", "sevidence", "sdetected_at", NULL };
    static const char *const dec_spec[] = {
        "iid", "smeasure", "sterritorial_scope", "sstarts_at", "sends_at", "slegal_basis",
        "sfacts_and_reasons", "bautomated_detection", "sdecided_by", "sdecided_at",
        "sapproved_by", "sapproved_at", "sreversed_at", NULL };
    static const char *const not_spec[] = { "iid", "idecision_id", "splatform", "ssent_at",
                                            "sdeadline", "sanswer", "sanswered_at",
                                            "scomplied_at", "sescalated_at", NULL };
    static const char *const app_spec[] = { "iid", "idecision_id", "sfiled_by", "sgrounds",
                                            "sfiled_at", "sresolved_by", "soutcome", "sreasons",
                                            "sresolved_at", NULL };
    static const char *const aud_spec[] = { "iseq", "sat", "sactor", "saction", "jbefore",
                                            "jafter", NULL };
    kz_dbval p1[] = { kz_dbint(id) };
    kz_dbval p2[] = { kz_dbint(id), kz_dbint(c.item_id) };
    kz_dbval pi[] = { kz_dbint(c.item_id) };
    size_t start = out->len;
    rc = rows_json(a, out, NULL, CASE_COLS "WHERE c.id = $1", p1, 1, case_spec);
    if (rc)
        return rc;
    /* reopen the object: drop "}\n" */
    out->len -= 2;
    out->p[out->len] = '\0';
    if (!rc) rc = rows_json(a, out, "item", "SELECT i.id, i.url, p.name, i.source_ref, "
                            "i.content_sha256, i.excerpt, i.lang, i.published, i.first_seen, "
                            "i.last_seen, i.online_status, i.removed_at, i.evidence_purged_at "
                            "FROM items i LEFT JOIN platforms p ON p.id = i.platform_id "
                            "WHERE i.id = $1", pi, 1, item_spec);
    if (!rc) {
        /* the item is one object, not a list */
        char *k = strstr(out->p + start, ",\"item\":[");
        if (k) {
            memmove(k + 8, k + 9, strlen(k + 9) + 1);
            out->len--;
            if (out->p[out->len - 1] == ']')
                out->p[--out->len] = '\0';
        }
    }
    if (!rc) rc = rows_json(a, out, "detections", "SELECT rule_id, category, method, weight, "
                            "start_offset, end_offset, evidence, detected_at FROM detections "
                            "WHERE item_id = $1 ORDER BY id", pi, 1, det_spec);
    if (!rc) rc = rows_json(a, out, "decisions", "SELECT d.id, d.measure, d.territorial_scope, "
                            "d.starts_at, d.ends_at, d.legal_basis, d.facts_and_reasons, "
                            "d.automated_detection, x.name, d.decided_at, y.name, d.approved_at, "
                            "d.reversed_at FROM decisions d JOIN accounts x ON x.id = d.decided_by "
                            "LEFT JOIN accounts y ON y.id = d.approved_by WHERE d.case_id = $1 "
                            "ORDER BY d.id", p1, 1, dec_spec);
    if (!rc) rc = rows_json(a, out, "notices", "SELECT n.id, n.decision_id, p.name, n.sent_at, "
                            "n.deadline, n.answer, n.answered_at, n.complied_at, n.escalated_at "
                            "FROM notices n JOIN decisions d ON d.id = n.decision_id LEFT JOIN "
                            "platforms p ON p.id = n.platform_id WHERE d.case_id = $1 "
                            "ORDER BY n.id", p1, 1, not_spec);
    if (!rc) rc = rows_json(a, out, "appeals", "SELECT ap.id, ap.decision_id, ap.filed_by, "
                            "ap.grounds, ap.filed_at, x.name, ap.outcome, ap.reasons, "
                            "ap.resolved_at FROM appeals ap JOIN decisions d ON "
                            "d.id = ap.decision_id LEFT JOIN accounts x ON x.id = ap.reviewer "
                            "WHERE d.case_id = $1 ORDER BY ap.id", p1, 1, app_spec);
    if (!rc) {
        /* removal checks (kuzet verify), only when there are any */
        static const char *const chk_spec[] = { "iid", "schecked_at", "ihttp_status", "soutcome",
                                                "swhy", "sdetail", NULL };
        int64_t nchk = 0;
        if ((rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM item_checks WHERE "
                            "item_id = $1", pi, 1, &nchk)))
            rc = kz__dbfail(a, rc, "reading the checks");
        else if (nchk)
            rc = rows_json(a, out, "checks", "SELECT id, checked_at, http_status, outcome, why, "
                           "detail FROM item_checks WHERE item_id = $1 ORDER BY id", pi, 1,
                           chk_spec);
    }
    if (!rc) rc = rows_json(a, out, "audit", "SELECT seq, at, actor, action, before_state, "
                            "after_state FROM audit_log WHERE (entity = 'case' AND entity_id = $1) "
                            "OR (entity = 'item' AND entity_id = $2) ORDER BY seq", p2, 2, aud_spec);
    if (!rc && (rc = kz_buf_adds(out, "}\n")))
        kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc;
}
