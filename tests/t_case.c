/*
 * tests/t_case.c - accounts and the due-process workflow (src/case/):
 * every allowed transition; every forbidden one refused with KZ_ESTATE and
 * nothing changed (the case, its decisions, notices, appeals and the audit
 * log); roles; the two-person rule for blocks; the third person for
 * appeals; the fields a decision must carry; deadlines per category and
 * overdue notices on a fake clock; evidence retention.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "report/report.h"
#include "store/audit.h"
#include "store/store.h"
#include "store/media.h"
#include <stdlib.h>
#include <unistd.h>

static kt_tmpstore tmp;

static kz_store *fresh(void)
{
    kz_store *s = kt_store_fresh(&tmp, "case");
    if (!s)
        abort();
    return s;
}

static void cleanup(kz_store **s)
{
    kt_store_cleanup(&tmp, s);
}

/* One item with one detection, and its case; returns the case id. */
static int64_t new_case(kz_store *s, const char *category)
{
    static int n;
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d", ++n);
    snprintf(text, sizeof text, "пост номер %d закладка", n);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text, strlen(text), NULL };
    kz_detection_in d = { "r1", category, "rule", 50, 0, 8, NULL, NULL, 0 };
    kz_flag_in f = { category, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id), kz_dbstr(category) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1 AND category = $2",
                        p, 2, &id), 0);
    return id;
}


/* Everything a workflow step may change, as one string. */
static char *snapshot(kz_store *s, int64_t id)
{
    static const char *const q[] = {
        "SELECT state || '|' || COALESCE(assigned_to, 0) || '|' || updated_at FROM cases WHERE id = $1",
        "SELECT COUNT(*) || '|' || COALESCE(MAX(approved_by), 0) || '|' || COALESCE(MAX(reversed_at), '-') "
        "FROM decisions WHERE case_id = $1",
        "SELECT COUNT(*) || '|' || COALESCE(MAX(complied_at), '-') || '|' || COALESCE(MAX(escalated_at), '-') "
        "FROM notices n JOIN decisions d ON d.id = n.decision_id WHERE d.case_id = $1",
        "SELECT COUNT(*) || '|' || COALESCE(MAX(outcome), '-') FROM appeals a JOIN decisions d ON "
        "d.id = a.decision_id WHERE d.case_id = $1",
        "SELECT online_status || '|' || COALESCE(excerpt, '-') FROM items WHERE id = "
        "(SELECT item_id FROM cases WHERE id = $1)",
        "SELECT COUNT(*) || '|' || MAX(seq) FROM audit_log WHERE $1 > 0",
    };
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < KZ_ARRAY_LEN(q); i++) {
        kz_dbres *r = NULL;
        kz_dbval p[] = { kz_dbint(id) };
        if (kz_db_query(kz_store_db(s), q[i], p, 1, &r) == 0 && kz_dbres_next(r) == 1) {
            const char *t = kz_dbres_text(r, 0, NULL);
            len += (size_t)snprintf(out + len, cap - len, "%s;", t ? t : "NULL");
        }
        kz_dbres_done(r);
    }
    return out;
}

static const char *state(kz_store *s, int64_t id)
{
    static char st[32];
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    st[0] = '\0';
    if (kz_db_query(kz_store_db(s), "SELECT state FROM cases WHERE id = $1", p, 1, &r) == 0 &&
        kz_dbres_next(r) == 1)
        snprintf(st, sizeof st, "%s", kz_dbres_text(r, 0, NULL));
    kz_dbres_done(r);
    return st;
}

static int64_t count(kz_store *s, const char *sql)
{
    int64_t n = -1;
    KT_EQ_INT(kz_db_int(kz_store_db(s), sql, NULL, 0, &n), 0);
    return n;
}

static const kz_decision_in REMOVAL = { "removal_request", "Law on Narcotics, art. 5",
                                        "offers drugs for sale with a price", "KZ", NULL, 30 };
static const kz_decision_in URLBLOCK = { "url_block", "Law on Communications, art. 41-1",
                                         "terrorist propaganda", "KZ", "2099-12-31", 0 };

/* ---- accounts ------------------------------------------------------------ */

KT_TEST(case_accounts_bootstrap_roles_passwords)
{
    kz_store *s = fresh();
    kz_actor *sys = NULL, *a = NULL;
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    /* the first account must be an admin; the bootstrap works once */
    KT_EQ_INT(kz_account_add(sys, "ann", "reviewer", "ann-password-123", NULL), KZ_EPERM);
    KT_EQ_INT(kz_account_add(sys, "root", "admin", "short", NULL), KZ_EINVAL);
    KT_CHECK(strstr(kz_account_errmsg(sys), "at least 12") != NULL);
    KT_EQ_INT(kz_account_add(sys, "Root!", "admin", "root-password-123", NULL), KZ_EINVAL);
    KT_EQ_INT(kz_account_add(sys, "system", "admin", "root-password-123", NULL), KZ_EINVAL);
    KT_EQ_INT(kz_account_add(sys, "root", "emperor", "root-password-123", NULL), KZ_EINVAL);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts"), 0);
    KT_EQ_INT(kz_account_add(sys, "root", "admin", "root-password-123", NULL), 0);
    KT_EQ_INT(kz_account_add(sys, "root2", "admin", "root-password-123", NULL), KZ_EPERM);
    /* 12 characters, not bytes: 12 Cyrillic letters are enough, 11 are not */
    kz_actor *root = kt_login(s, "root");
    kt_add_person(root, "ann", "reviewer");
    char tok[KZ_ENROL_TOKEN_SIZE], exp[21], who[72];
    KT_EQ_INT(kz_account_invite(root, "x1", "reviewer", 0, tok, exp, NULL), 0);
    KT_EQ_INT(kz_account_enrol(sys, tok, "абвгдеёжзий", who), KZ_EINVAL);
    KT_EQ_INT(kz_account_enrol(sys, tok, "абвгдеёжзийк", who), 0);
    KT_EQ_INT(kz_account_invite(root, "ann", "analyst", 0, tok, exp, NULL), KZ_EINVAL);
    /* only an admin adds and disables */
    kz_actor *ann = kt_login(s, "ann");
    KT_EQ_INT(kz_account_invite(ann, "bob", "reviewer", 0, tok, exp, NULL), KZ_EPERM);
    KT_EQ_STR(kz_account_errmsg(ann), "adding an account needs an admin; 'ann' is a reviewer");
    KT_EQ_INT(kz_account_add(ann, "bob", "reviewer", "bob-password-123", NULL), KZ_EPERM);
    KT_EQ_INT(kz_account_disable(ann, "x1"), KZ_EPERM);
    /* a wrong password: refused and audited, nothing else changes */
    int64_t before = count(s, "SELECT COUNT(*) FROM audit_log");
    KT_EQ_INT(kz_account_login(&a, s, "ann", "not-her-password"), KZ_EPERM);
    KT_CHECK(a == NULL);
    KT_EQ_STR(kz_store_errmsg(s), "wrong password for 'ann'");     /* on the store */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log"), before + 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.failure' AND "
                       "actor = 'ann'"), 1);
    KT_EQ_INT(kz_account_login(&a, s, "nobody", "whatever-password"), KZ_EPERM);
    /* disabled: cannot log in, and a session opened before cannot act */
    KT_EQ_INT(kz_account_disable(root, "ann"), 0);
    KT_EQ_INT(kz_account_disable(root, "ann"), KZ_ESTATE);
    KT_EQ_INT(kz_account_login(&a, s, "ann", "ann-password-123"), KZ_EPERM);
    KT_EQ_STR(kz_store_errmsg(s), "account 'ann' is disabled");
    int64_t c = new_case(s, "drugs");
    KT_EQ_INT(kz_case_assign(root, c, "ann"), KZ_EPERM);              /* disabled assignee */
    kt_add_person(root, "al", "analyst");
    kz_actor *al = kt_login(s, "al");
    kt_add_person(root, "bob", "reviewer");
    KT_EQ_INT(kz_case_assign(al, c, "bob"), 0);
    KT_EQ_INT(kz_case_decide(ann, c, &REMOVAL, NULL), KZ_EPERM);     /* ann's old session */
    KT_EQ_STR(kz_account_errmsg(ann), "account 'ann' is disabled");
    /* the last active admin cannot be disabled; accounts are never deleted */
    KT_EQ_INT(kz_account_disable(root, "root"), KZ_EPERM);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts"), 5);
    /* no password or hash in the audit log */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE after_state LIKE '%argon2%' OR "
                       "after_state LIKE '%password-123%' OR before_state LIKE '%argon2%'"), 0);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts WHERE password_hash NOT LIKE "
                       "'$argon2id$v=19$m=65536,t=2,p=1$%'"), 0);
    kz_audit_report rep;
    KT_EQ_INT(kz_audit_verify(s, NULL, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    kz_account_logout(&sys);
    kz_account_logout(&root);
    kz_account_logout(&ann);
    kz_account_logout(&al);
    cleanup(&s);
}

/* ---- the state machine --------------------------------------------------- */

enum { OP_ASSIGN, OP_DECIDE, OP_APPROVE, OP_NOTIFY, OP_COMPLY, OP_VERIFY, OP_APPEAL, OP_RESOLVE, NOPS };
static const char *const op_names[] = { "assign", "decide", "approve", "notify", "comply",
                                        "verify", "appeal", "resolve" };

/* Try op on case c, each by an account the op allows, so that only the
 * state can refuse it. */
static int try_op(kz_store *s, kt_staff *p, int op, int64_t c)
{
    (void)s;
    switch (op) {
    case OP_ASSIGN: return kz_case_assign(p->al, c, "bob");
    case OP_DECIDE: return kz_case_decide(p->ann, c, &REMOVAL, NULL);
    case OP_APPROVE: return kz_case_approve(p->sam, c);
    case OP_NOTIFY: return kz_case_notify(p->al, c, NULL, NULL, NULL);
    case OP_COMPLY: return kz_case_comply(p->al, c, "removed");
    case OP_VERIFY: return kz_case_verify(p->al, c, 1);
    case OP_APPEAL: return kz_case_appeal(p->al, c, "content_owner", "it is satire", NULL);
    case OP_RESOLVE: return kz_case_resolve_appeal(p->bob, c, "upheld", "the post sells drugs");
    }
    return KZ_EINTERNAL;
}

/* A new case driven to state st along the allowed path. */
static int64_t drive(kz_store *s, kt_staff *p, const char *st)
{
    int64_t c = new_case(s, "drugs");
    const int block = !strcmp(st, "awaiting_approval");
    if (!strcmp(st, "detected")) return c;
    KT_EQ_INT(kz_case_assign(p->al, c, "ann"), 0);
    if (!strcmp(st, "in_review")) return c;
    KT_EQ_INT(kz_case_decide(p->ann, c, block ? &URLBLOCK : &REMOVAL, NULL), 0);
    if (!strcmp(st, "decided") || block) return c;
    KT_EQ_INT(kz_account_set_clock(p->al, "2026-01-10T10:00:00Z"), 0);
    KT_EQ_INT(kz_case_notify(p->al, c, NULL, NULL, NULL), 0);
    kz_account_set_clock(p->al, NULL);
    if (!strcmp(st, "notified")) {
        /* notified now, so no overdue check moves it */
        KT_EQ_INT(kz_db_exec(kz_store_db(s), "UPDATE notices SET deadline = '2999-01-01T00:00:00Z'"), 0);
        return c;
    }
    if (!strcmp(st, "overdue")) {
        size_t moved = 0;
        KT_EQ_INT(kz_case_check_overdue(p->sys, &moved), 0);
        KT_CHECK(moved >= 1);
        return c;
    }
    KT_EQ_INT(kz_case_comply(p->al, c, "removed"), 0);
    if (!strcmp(st, "complied")) return c;
    KT_EQ_INT(kz_case_verify(p->al, c, 1), 0);
    if (!strcmp(st, "verified")) return c;
    KT_EQ_INT(kz_case_appeal(p->al, c, "platform", "not illegal", NULL), 0);
    if (!strcmp(st, "appealed")) return c;
    KT_EQ_INT(kz_case_resolve_appeal(p->bob, c, "reversed", "it was a news report"), 0);
    return c;
}

KT_TEST(case_every_forbidden_transition_is_refused_and_changes_nothing)
{
    static const struct { const char *state; unsigned allowed; } m[] = {
        { "detected", 1u << OP_ASSIGN },
        { "in_review", 1u << OP_ASSIGN | 1u << OP_DECIDE },
        { "awaiting_approval", 1u << OP_APPROVE },
        { "decided", 1u << OP_NOTIFY | 1u << OP_APPEAL },
        { "notified", 1u << OP_COMPLY | 1u << OP_APPEAL },
        { "overdue", 1u << OP_COMPLY | 1u << OP_VERIFY | 1u << OP_APPEAL },
        { "complied", 1u << OP_VERIFY | 1u << OP_APPEAL },
        { "verified", 1u << OP_APPEAL },
        { "appealed", 1u << OP_RESOLVE },
        { "reversed", 0 },
    };
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    for (size_t i = 0; i < KZ_ARRAY_LEN(m); i++) {
        int64_t c = drive(s, &p, m[i].state);
        KT_EQ_STR(state(s, c), m[i].state);
        for (int op = 0; op < NOPS; op++) {
            if (m[i].allowed & (1u << op))
                continue;
            char *before = snapshot(s, c);
            int rc = try_op(s, &p, op, c);
            char *after = snapshot(s, c);
            if (rc != KZ_ESTATE)
                kt_fail(__FILE__, __LINE__, "%s on a '%s' case: %d (%s), expected KZ_ESTATE",
                        op_names[op], m[i].state, rc, kz_strerror(rc));
            if (strcmp(before, after))
                kt_fail(__FILE__, __LINE__, "%s on a '%s' case changed %s -> %s", op_names[op],
                        m[i].state, before, after);
            free(before);
            free(after);
        }
        /* and every allowed one works (on a fresh case in the same state) */
        for (int op = 0; op < NOPS; op++) {
            if (!(m[i].allowed & (1u << op)))
                continue;
            int64_t c2 = drive(s, &p, m[i].state);
            int rc = try_op(s, &p, op, c2);
            if (rc != 0)
                kt_fail(__FILE__, __LINE__, "%s on a '%s' case: %s", op_names[op], m[i].state,
                        kz_account_errmsg(op == OP_DECIDE ? p.ann : op == OP_APPROVE ? p.sam
                                          : op == OP_RESOLVE ? p.bob : p.al));
        }
    }
    /* the message says why and what to do */
    int64_t c = drive(s, &p, "detected");
    char want[160];
    snprintf(want, sizeof want, "case %lld is 'detected'; a decision needs it 'in_review' "
             "(assign it first)", (long long)c);
    KT_EQ_INT(kz_case_decide(p.ann, c, &REMOVAL, NULL), KZ_ESTATE);
    KT_EQ_STR(kz_account_errmsg(p.ann), want);
    /* a block's case cannot be notified (notices go with removal and geo) */
    int64_t b = drive(s, &p, "awaiting_approval");
    KT_EQ_INT(kz_case_approve(p.sue, b), 0);
    KT_EQ_INT(kz_case_notify(p.al, b, NULL, NULL, NULL), KZ_ESTATE);
    /* a no_action decision cannot be appealed */
    int64_t n = drive(s, &p, "in_review");
    kz_decision_in none = { "no_action", NULL, "a quote in a news report", NULL, NULL, 0 };
    KT_EQ_INT(kz_case_decide(p.ann, n, &none, NULL), 0);
    KT_EQ_STR(state(s, n), "decided");
    KT_EQ_INT(kz_case_appeal(p.al, n, "platform", "a quote, not a call", NULL), KZ_ESTATE);
    KT_EQ_INT(kz_case_notify(p.al, n, NULL, NULL, NULL), KZ_ESTATE);
    kz_audit_report rep;
    KT_EQ_INT(kz_audit_verify(s, NULL, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_full_path_is_audited_with_before_and_after)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    int64_t c = drive(s, &p, "verified");
    KT_EQ_STR(state(s, c), "verified");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND entity_id = %lld "
             "AND before_state IS NOT NULL AND after_state LIKE '{\"state\":%%'", (long long)c);
    KT_EQ_INT(count(s, sql), 5);        /* assign, decide, notify, comply, verify */
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE entity_id = %lld AND "
             "action = 'case.decide' AND actor = 'ann' AND after_state LIKE "
             "'%%\"legal_basis\":\"Law on Narcotics, art. 5\"%%\"automated_detection\":true%%'",
             (long long)c);
    KT_EQ_INT(count(s, sql), 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM items WHERE online_status = 'removed' AND "
                       "removed_at IS NOT NULL"), 1);
    /* the decision carries everything */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM decisions WHERE measure = 'removal_request' AND "
                       "territorial_scope = 'KZ' AND ends_at IS NOT NULL AND legal_basis IS NOT NULL "
                       "AND facts_and_reasons IS NOT NULL AND automated_detection = 1 AND "
                       "decided_by = (SELECT id FROM accounts WHERE name = 'ann')"), 1);
    /* only the assigned reviewer decides */
    int64_t d = drive(s, &p, "in_review");
    KT_EQ_INT(kz_case_decide(p.bob, d, &REMOVAL, NULL), KZ_EPERM);
    KT_CHECK(strstr(kz_account_errmsg(p.bob), "only the assigned reviewer") != NULL);
    /* an analyst cannot decide; a reviewer cannot assign */
    KT_EQ_INT(kz_case_decide(p.al, d, &REMOVAL, NULL), KZ_EPERM);
    KT_EQ_INT(kz_case_assign(p.ann, d, "bob"), KZ_EPERM);
    /* cases go to reviewers or supervisors only */
    KT_EQ_INT(kz_case_assign(p.al, d, "al"), KZ_EPERM);
    /* a case can be reassigned while in review */
    KT_EQ_INT(kz_case_assign(p.sue, d, "bob"), 0);
    KT_EQ_INT(kz_case_decide(p.ann, d, &REMOVAL, NULL), KZ_EPERM);
    KT_EQ_INT(kz_case_decide(p.bob, d, &REMOVAL, NULL), 0);
    /* the system is no person: it cannot decide */
    int64_t e = drive(s, &p, "in_review");
    KT_EQ_INT(kz_case_decide(p.sys, e, &REMOVAL, NULL), KZ_EPERM);
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_decision_must_carry_every_field)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    int64_t c = drive(s, &p, "in_review");
    static const struct { kz_decision_in d; const char *field; } bad[] = {
        { { "removal_request", NULL, "reasons", "KZ", NULL, 30 }, "legal basis" },
        { { "removal_request", "", "reasons", "KZ", NULL, 30 }, "legal basis" },
        { { "geo_restriction", "Law, art. 1", NULL, "KZ", NULL, 30 }, "facts and reasons" },
        { { "url_block", "Law, art. 1", "reasons", NULL, NULL, 30 }, "territorial scope" },
        { { "domain_block", "Law, art. 1", "reasons", "KZ", NULL, 0 }, "duration or end date" },
        { { "url_block", "Law, art. 1", "reasons", "KZ", "2001-01-01", 0 }, "not in the future" },
        { { "url_block", "Law, art. 1", "reasons", "KZ", "2099-02-30", 0 }, "end date" },
        { { "url_block", "Law, art. 1", "reasons", "KZ", "2099-01-01", 5 }, "not both" },
        { { "ban_user", "Law, art. 1", "reasons", "KZ", NULL, 5 }, "unknown measure" },
        { { NULL, "Law, art. 1", "reasons", "KZ", NULL, 5 }, "missing measure" },
        { { "no_action", NULL, NULL, NULL, NULL, 0 }, "facts and reasons" },
        /* blank or saying nothing is refused like missing */
        { { "removal_request", "   ", "reasons", "KZ", NULL, 30 }, "legal basis (legal_basis: the law and article) is blank" },
        { { "removal_request", "Law, art. 1", " \t\u00a0.. ", "KZ", NULL, 30 }, "facts and reasons (facts_and_reasons) is blank" },
        { { "no_action", NULL, "\u200b\u200b", NULL, NULL, 0 }, "is blank" },
        { { "removal_request", "Law, art. 1", "r 1", "KZ", NULL, 30 }, "too short to say anything ('r 1'" },
        { { "removal_request", "§ 5", "reasons", "KZ", NULL, 30 }, "legal basis (legal_basis: the law and article) is too short" },
        /* the scope is ISO 3166 */
        { { "removal_request", "Law, art. 1", "reasons", "Марс", NULL, 30 }, "'Марс' is not an ISO 3166 code" },
        { { "removal_request", "Law, art. 1", "reasons", "KZ, XX", NULL, 30 }, "'XX' is not an ISO 3166 code" },
        { { "removal_request", "Law, art. 1", "reasons", "kz", NULL, 30 }, "'kz' is not" },
        { { "removal_request", "Law, art. 1", "reasons", "KZ-QQQ", NULL, 30 }, "'KZ-QQQ' is not" },
        { { "removal_request", "Law, art. 1", "reasons", " , ", NULL, 30 }, "is not an ISO 3166 code" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(bad); i++) {
        char *before = snapshot(s, c);
        KT_EQ_INT(kz_case_decide(p.ann, c, &bad[i].d, NULL), KZ_EINVAL);
        if (!strstr(kz_account_errmsg(p.ann), bad[i].field))
            kt_fail(__FILE__, __LINE__, "case %zu: '%s' does not name '%s'", i,
                    kz_account_errmsg(p.ann), bad[i].field);
        char *after = snapshot(s, c);
        KT_EQ_STR(after, before);
        free(before);
        free(after);
    }
    /* what the list does take */
    static const char *const good[] = { "KZ, KZ-ALA KZ-71", "RU" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(good); i++) {
        int64_t k = drive(s, &p, "in_review");
        kz_decision_in d = { "removal_request", "Law, art. 1", "reasons", good[i], NULL, 30 };
        KT_EQ_INT(kz_case_decide(p.ann, k, &d, NULL), 0);
    }
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_block_needs_a_second_person_a_supervisor)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    int64_t c = new_case(s, "terrorism");
    KT_EQ_INT(kz_case_assign(p.al, c, "sue"), 0);          /* a supervisor proposes */
    KT_EQ_INT(kz_case_decide(p.sue, c, &URLBLOCK, NULL), 0);
    KT_EQ_STR(state(s, c), "awaiting_approval");
    /* not in effect yet: no approver, not listed as decided */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM decisions WHERE approved_by IS NULL"), 1);
    char *before = snapshot(s, c);
    KT_EQ_INT(kz_case_approve(p.sue, c), KZ_EPERM);        /* the proposer */
    KT_CHECK(strstr(kz_account_errmsg(p.sue), "'sue' proposed this url_block") != NULL);
    KT_EQ_INT(kz_case_approve(p.bob, c), KZ_EPERM);        /* not a supervisor */
    KT_EQ_STR(kz_account_errmsg(p.bob), "approving a block needs a supervisor; 'bob' is a reviewer");
    KT_EQ_INT(kz_case_approve(p.root, c), KZ_EPERM);       /* an admin is not a supervisor */
    KT_EQ_INT(kz_case_approve(p.sys, c), KZ_EPERM);
    char *after = snapshot(s, c);
    KT_EQ_STR(after, before);
    free(before);
    free(after);
    KT_EQ_INT(kz_case_approve(p.sam, c), 0);
    KT_EQ_STR(state(s, c), "decided");
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM decisions WHERE approved_by = (SELECT id FROM "
                       "accounts WHERE name = 'sam') AND decided_by = (SELECT id FROM accounts "
                       "WHERE name = 'sue') AND approved_at IS NOT NULL"), 1);
    KT_EQ_INT(kz_case_approve(p.sam, c), KZ_ESTATE);       /* once */
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_appeal_goes_to_a_third_person_and_reversal_lifts_the_measure)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    /* a block: ann proposed, sue approved */
    int64_t c = new_case(s, "terrorism");
    KT_EQ_INT(kz_case_assign(p.al, c, "ann"), 0);
    KT_EQ_INT(kz_case_decide(p.ann, c, &URLBLOCK, NULL), 0);
    KT_EQ_INT(kz_case_approve(p.sue, c), 0);
    KT_EQ_INT(kz_case_appeal(p.al, c, "someone", "grounds", NULL), KZ_EINVAL);
    KT_EQ_INT(kz_case_appeal(p.al, c, "platform", "", NULL), KZ_EINVAL);
    KT_EQ_INT(kz_case_appeal(p.al, c, "content_owner", "a documentary, not propaganda", NULL), 0);
    KT_EQ_STR(state(s, c), "appealed");
    KT_EQ_INT(kz_case_appeal(p.al, c, "platform", "again", NULL), KZ_ESTATE);
    char *before = snapshot(s, c);
    KT_EQ_INT(kz_case_resolve_appeal(p.ann, c, "reversed", "no call to violence"), KZ_EPERM);   /* decider */
    KT_CHECK(strstr(kz_account_errmsg(p.ann), "took no part") != NULL);
    KT_EQ_INT(kz_case_resolve_appeal(p.sue, c, "reversed", "no call to violence"), KZ_EPERM);   /* approver */
    KT_EQ_INT(kz_case_resolve_appeal(p.al, c, "reversed", "no call to violence"), KZ_EPERM);    /* analyst */
    KT_EQ_INT(kz_case_resolve_appeal(p.bob, c, "maybe", "no call to violence"), KZ_EINVAL);
    KT_EQ_INT(kz_case_resolve_appeal(p.bob, c, "reversed", NULL), KZ_EINVAL);
    char *after = snapshot(s, c);
    KT_EQ_STR(after, before);
    free(before);
    free(after);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM decisions WHERE reversed_at IS NOT NULL"), 0);
    KT_EQ_INT(kz_case_resolve_appeal(p.bob, c, "reversed", "a documentary archive"), 0);
    KT_EQ_STR(state(s, c), "reversed");
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM decisions WHERE reversed_at IS NOT NULL"), 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM appeals WHERE outcome = 'reversed' AND reviewer = "
                       "(SELECT id FROM accounts WHERE name = 'bob') AND reasons IS NOT NULL"), 1);
    /* upheld: the case goes back where it was */
    int64_t d = drive(s, &p, "complied");
    KT_EQ_INT(kz_case_appeal(p.al, d, "platform", "no law forbids it", NULL), 0);
    KT_EQ_INT(kz_case_resolve_appeal(p.sam, d, "upheld", "the law does"), 0);   /* a supervisor */
    KT_EQ_STR(state(s, d), "complied");
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM decisions WHERE reversed_at IS NOT NULL"), 1);
    /* and can be appealed again, and verified */
    KT_EQ_INT(kz_case_verify(p.al, d, 1), 0);
    KT_EQ_STR(state(s, d), "verified");
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_deadlines_per_category_and_overdue_on_a_fake_clock)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    static const struct { const char *cat, *deadline; } want[] = {
        { "terrorism", "2026-03-01T13:00:00Z" }, { "csam", "2026-03-01T13:00:00Z" },
        { "bullying", "2026-03-02T12:00:00Z" }, { "drugs", "2026-03-02T12:00:00Z" },
    };
    int64_t ids[4];
    KT_EQ_INT(kz_account_set_clock(p.al, "2026-03-01T12:00:00Z"), 0);
    KT_EQ_INT(kz_account_set_clock(p.al, "2026-03-01 12:00"), KZ_EINVAL);
    for (size_t i = 0; i < 4; i++) {
        char dl[21];
        ids[i] = new_case(s, want[i].cat);
        KT_EQ_INT(kz_case_assign(p.al, ids[i], "ann"), 0);
        KT_EQ_INT(kz_case_decide(p.ann, ids[i], &REMOVAL, NULL), 0);
        KT_EQ_INT(kz_case_notify(p.al, ids[i], NULL, NULL, dl), 0);
        KT_EQ_STR(dl, want[i].deadline);
    }
    size_t moved = 9;
    KT_EQ_INT(kz_account_set_clock(p.sys, "2026-03-01T13:00:00Z"), 0);   /* at the deadline: not past */
    KT_EQ_INT(kz_case_check_overdue(p.sys, &moved), 0);
    KT_EQ_INT(moved, 0);
    KT_EQ_INT(kz_account_set_clock(p.sys, "2026-03-01T13:00:01Z"), 0);
    KT_EQ_INT(kz_case_check_overdue(p.sys, &moved), 0);
    KT_EQ_INT(moved, 2);
    KT_EQ_STR(state(s, ids[0]), "overdue");
    KT_EQ_STR(state(s, ids[1]), "overdue");
    KT_EQ_STR(state(s, ids[2]), "notified");
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM notices WHERE escalated_at IS NOT NULL"), 2);
    /* complied in time: never overdue */
    KT_EQ_INT(kz_account_set_clock(p.al, "2026-03-02T11:00:00Z"), 0);
    KT_EQ_INT(kz_case_comply(p.al, ids[2], "removed at 10:59"), 0);
    KT_EQ_INT(kz_account_set_clock(p.sys, "2026-03-05T00:00:00Z"), 0);
    KT_EQ_INT(kz_case_check_overdue(p.sys, &moved), 0);
    KT_EQ_INT(moved, 1);
    KT_EQ_STR(state(s, ids[2]), "complied");
    KT_EQ_STR(state(s, ids[3]), "overdue");
    /* a late answer is recorded as late */
    KT_EQ_INT(kz_account_set_clock(p.al, "2026-03-05T01:00:00Z"), 0);
    KT_EQ_INT(kz_case_comply(p.al, ids[0], ""), KZ_EINVAL);
    KT_EQ_INT(kz_case_comply(p.al, ids[0], "removed late"), 0);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.comply' AND "
                       "after_state LIKE '%\"late\":true%'"), 1);
    /* the platform said it complied, but the item is still online: escalated */
    KT_EQ_INT(kz_case_verify(p.sys, ids[2], 0), 0);
    KT_EQ_STR(state(s, ids[2]), "overdue");
    /* deadlines are configurable, by an admin */
    int64_t secs = 0;
    KT_EQ_INT(kz_case_deadline_set(p.sue, "drugs", 7200), KZ_EPERM);
    KT_EQ_INT(kz_case_deadline_set(p.root, "drugs", 7200), 0);
    KT_EQ_INT(kz_case_deadline_get(p.al, "drugs", &secs), 0);
    KT_EQ_INT(secs, 7200);
    KT_EQ_INT(kz_case_deadline_get(p.al, "suicide", &secs), 0);
    KT_EQ_INT(secs, 86400);
    int64_t c = drive(s, &p, "decided");
    char dl[21];
    KT_EQ_INT(kz_account_set_clock(p.al, "2026-04-01T00:00:00Z"), 0);
    KT_EQ_INT(kz_case_notify(p.al, c, "forum2", NULL, dl), 0);
    KT_EQ_STR(dl, "2026-04-01T02:00:00Z");
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_purge_drops_old_evidence_of_removed_items)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    int64_t c = drive(s, &p, "complied");
    int64_t keep = drive(s, &p, "complied");
    KT_EQ_INT(kz_account_set_clock(p.al, "2026-01-01T00:00:00Z"), 0);
    KT_EQ_INT(kz_case_verify(p.al, c, 1), 0);          /* removed on 2026-01-01 */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM items WHERE excerpt IS NOT NULL"), 2);
    /* each item has an image whose bytes are kept for review */
    static const unsigned char gif[] = "GIF89a-not-decoded-here";
    int64_t cases[2] = { c, keep };
    for (int i = 0; i < 2; i++) {
        char sha[65];
        int64_t item = 0;
        kz_dbval q[] = { kz_dbint(cases[i]) };
        KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT item_id FROM cases WHERE id = $1", q, 1, &item), 0);
        snprintf(sha, sizeof sha, "%064d", i);
        kz_media_in m = { "a.gif", sha, "00000000000000000000000000000000", NULL, 0 };
        KT_EQ_INT(kz_media_add(s, item, &m), 0);
        KT_EQ_INT(kz_media_keep(s, item, sha, "image/gif", gif, sizeof gif), 0);
    }
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM item_images"), 2);
    size_t n = 9;
    KT_EQ_INT(kz_case_purge(p.ann, 0, &n), KZ_EPERM);  /* a reviewer may not */
    KT_EQ_INT(kz_case_purge(p.sys, 30, &n), KZ_EPERM); /* the system: not under retention */
    KT_EQ_INT(kz_account_set_clock(p.sue, "2026-06-01T00:00:00Z"), 0);
    KT_EQ_INT(kz_case_purge(p.sue, KZ_RETENTION_DAYS, &n), 0);
    KT_EQ_INT(n, 0);                                   /* 5 months: kept */
    /* the scheduled purge runs as the system, at the retention period; when
     * it finds nothing it logs nothing */
    KT_EQ_INT(kz_account_set_clock(p.sys, "2026-06-01T00:00:00Z"), 0);
    KT_EQ_INT(kz_case_purge(p.sys, KZ_RETENTION_DAYS, &n), 0);
    KT_EQ_INT(n, 0);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'evidence.purge'"), 1);
    KT_EQ_INT(kz_account_set_clock(p.sys, "2026-07-10T00:00:00Z"), 0);
    KT_EQ_INT(kz_case_purge(p.sys, KZ_RETENTION_DAYS, &n), 0);
    KT_EQ_INT(n, 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM items WHERE excerpt IS NULL AND evidence_purged_at "
                       "IS NOT NULL"), 1);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM detections WHERE evidence IS NULL AND item_id = "
             "(SELECT item_id FROM cases WHERE id = %lld)", (long long)c);
    KT_EQ_INT(count(s, sql), 1);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM detections WHERE evidence IS NOT NULL AND item_id = "
             "(SELECT item_id FROM cases WHERE id = %lld)", (long long)keep);
    KT_EQ_INT(count(s, sql), 1);                       /* not removed: kept */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'evidence.purge'"), 2);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'item.evidence_purge'"), 1);
    /* the removed item's image bytes went with its evidence; its hashes stay */
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM item_images WHERE item_id = "
             "(SELECT item_id FROM cases WHERE id = %lld)", (long long)c);
    KT_EQ_INT(count(s, sql), 0);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM item_images WHERE item_id = "
             "(SELECT item_id FROM cases WHERE id = %lld)", (long long)keep);
    KT_EQ_INT(count(s, sql), 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM item_media"), 2);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'item.evidence_purge' "
                       "AND after_state LIKE '%\"images_deleted\":1%'"), 1);
    KT_EQ_INT(kz_case_purge(p.sue, 0, &n), 0);         /* purged once */
    KT_EQ_INT(n, 0);
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_reads_list_and_show)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    int64_t c = drive(s, &p, "notified");
    (void)drive(s, &p, "detected");
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_case_list_json(p.sys, "notified", NULL, &b), 0);
    KT_CHECK(b.p && strstr(b.p, "\"state\":\"notified\"") && !strstr(b.p, "detected"));
    kz_buf_reset(&b);
    KT_EQ_INT(kz_case_show_json(p.sys, c, &b), 0);
    KT_CHECK(b.p && strstr(b.p, "\"item\":{") && strstr(b.p, "\"evidence\":\"пост") &&
             strstr(b.p, "\"action\":\"case.notify\"") && strstr(b.p, "\"notices\":[{"));
    KT_EQ_INT(kz_case_show_json(p.sys, 999, &b), KZ_ENOTFOUND);
    kz_buf_release(&b);
    kt_staff_release(&p);
    cleanup(&s);
}

/* No single account blocks alone: an admin never chooses another person's
 * password; the owner sets it with a one-time token that expires. */
KT_TEST(case_admin_never_chooses_a_password_tokens_work_once)
{
    kz_store *s = fresh();
    kz_actor *sys = NULL, *a = NULL;
    char tok[KZ_ENROL_TOKEN_SIZE], tok2[KZ_ENROL_TOKEN_SIZE], exp[21], who[72];
    KT_EQ_INT(kz_account_system(&sys, s), 0);
    KT_EQ_INT(kz_account_add(sys, "root", "admin", "root-password-123", NULL), 0);
    kz_actor *root = kt_login(s, "root");
    /* before: an admin set ann's password and so could act as ann */
    KT_EQ_INT(kz_account_add(root, "ann", "reviewer", "ann-password-123", NULL), KZ_EPERM);
    KT_CHECK(strstr(kz_account_errmsg(root), "does not choose another person's password") != NULL);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts"), 1);
    int64_t id = 0;
    KT_EQ_INT(kz_account_invite(root, "ann", "reviewer", 0, tok, exp, &id), 0);
    KT_EQ_INT((int64_t)strlen(tok), KZ_ENROL_TOKEN_SIZE - 1);
    KT_CHECK(!strncmp(tok, "kze_", 4));
    KT_CHECK(strlen(exp) == 20);
    /* the token is nowhere in the database, only its SHA-256 */
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM accounts WHERE enrol_token_sha256 = '%s' OR "
             "password_hash LIKE '%%%s%%'", tok, tok + 4);
    KT_EQ_INT(count(s, sql), 0);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE after_state LIKE '%%%s%%'",
             tok + 4);
    KT_EQ_INT(count(s, sql), 0);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts WHERE name = 'ann' AND created_by = "
                       "(SELECT id FROM accounts WHERE name = 'root') AND enrolled_at IS NULL "
                       "AND password_hash = ''"), 1);
    /* not enrolled: cannot log in, with any password */
    KT_EQ_INT(kz_account_login(&a, s, "ann", ""), KZ_EPERM);
    KT_CHECK(strstr(kz_store_errmsg(s), "has not enrolled") != NULL);
    /* a token that was never issued: refused and audited */
    int64_t fails = count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.failure'");
    snprintf(tok2, sizeof tok2, "%s", tok);
    tok2[10] = tok2[10] == 'A' ? 'B' : 'A';
    KT_EQ_INT(kz_account_enrol(sys, tok2, "ann-password-123", who), KZ_EPERM);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.failure'"), fails + 1);
    KT_EQ_INT(kz_account_enrol(sys, "kze_short", "ann-password-123", who), KZ_EINVAL);
    /* the owner enrols, once */
    KT_EQ_INT(kz_account_enrol(sys, tok, "ann-password-123", who), 0);
    KT_EQ_STR(who, "ann");
    KT_EQ_INT(kz_account_enrol(sys, tok, "mallory-password-123", who), KZ_EPERM);
    KT_CHECK(strstr(kz_account_errmsg(sys), "used already") != NULL);
    kz_actor *ann = kt_login(s, "ann");
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.enrol' AND "
                       "actor = 'ann'"), 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts WHERE enrol_token_sha256 IS NOT NULL"), 0);
    /* an expired token is refused; a new one (admin only) works */
    KT_EQ_INT(kz_account_invite(root, "bob", "reviewer", 60, tok, exp, NULL), 0);
    KT_EQ_INT(kz_account_invite(root, "bob2", "reviewer", 59, tok2, exp, NULL), KZ_EINVAL);
    KT_EQ_INT(count(s, "UPDATE accounts SET enrol_expires_at = '2000-01-01T00:00:00Z' "
                       "WHERE name = 'bob' RETURNING 0"), 0);
    KT_EQ_INT(kz_account_enrol(sys, tok, "bob-password-123", who), KZ_EPERM);
    KT_CHECK(strstr(kz_account_errmsg(sys), "expired at 2000-01-01T00:00:00Z") != NULL);
    KT_EQ_INT(kz_account_reissue(ann, "bob", 0, tok2, exp), KZ_EPERM);
    KT_EQ_INT(kz_account_reissue(root, "ann", 0, tok2, exp), KZ_ESTATE);   /* enrolled */
    KT_EQ_INT(kz_account_reissue(root, "bob", 0, tok2, exp), 0);
    KT_EQ_INT(kz_account_enrol(sys, tok, "bob-password-123", who), KZ_EPERM);  /* the old one */
    KT_EQ_INT(kz_account_enrol(sys, tok2, "bob-password-123", who), 0);
    kz_account_logout(&a);
    KT_EQ_INT(kz_account_login(&a, s, "bob", "bob-password-123"), 0);
    /* the system cannot invite; disabling records who and when */
    KT_EQ_INT(kz_account_invite(sys, "eve", "reviewer", 0, tok, exp, NULL), KZ_EPERM);
    KT_EQ_INT(kz_account_disable(root, "bob"), 0);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM accounts WHERE name = 'bob' AND disabled_at IS NOT "
                       "NULL AND disabled_by = (SELECT id FROM accounts WHERE name = 'root')"), 1);
    kz_audit_report rep;
    KT_EQ_INT(kz_audit_verify(s, NULL, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    kz_account_logout(&a);
    kz_account_logout(&ann);
    kz_account_logout(&root);
    kz_account_logout(&sys);
    cleanup(&s);
}

/* Admins manage accounts and take no part in cases: never assign, are
 * never assigned, never decide, approve, reject or resolve an appeal. */
KT_TEST(case_admins_take_no_part_in_cases)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    int64_t c = new_case(s, "terrorism");
    /* before: an admin could assign (choose who decides) */
    KT_EQ_INT(kz_case_assign(p.root, c, "ann"), KZ_EPERM);
    KT_CHECK(strstr(kz_account_errmsg(p.root), "'root' is an admin") != NULL);
    KT_EQ_INT(kz_case_assign(p.al, c, "root"), KZ_EPERM);           /* never assigned */
    KT_EQ_INT(kz_case_assign(p.al, c, "sue"), 0);
    KT_EQ_INT(kz_case_decide(p.root, c, &URLBLOCK, NULL), KZ_EPERM); /* never decides */
    KT_EQ_INT(kz_case_decide(p.sue, c, &URLBLOCK, NULL), 0);
    KT_EQ_INT(kz_case_approve(p.root, c), KZ_EPERM);                 /* never approves */
    KT_EQ_INT(kz_case_reject(p.root, c, "not convinced by the reasons"), KZ_EPERM);
    KT_EQ_STR(state(s, c), "awaiting_approval");
    KT_EQ_INT(kz_case_approve(p.sam, c), 0);
    KT_EQ_INT(kz_case_appeal(p.al, c, "content_owner", "a quote in a documentary", NULL), 0);
    KT_EQ_INT(kz_case_resolve_appeal(p.root, c, "reversed", "a documentary archive"), KZ_EPERM);
    KT_EQ_STR(state(s, c), "appealed");
    KT_EQ_INT(kz_case_resolve_appeal(p.bob, c, "reversed", "a documentary archive"), 0);
    kt_staff_release(&p);
    cleanup(&s);
}

/* The report counts accounts added and disabled in the period by role, and
 * the blocks whose proposer and approver one admin created; each figure
 * against the rows, counted by separate SQL. */
static void accounts_report(kz_store *s, kt_staff *p)
{
    int64_t c = new_case(s, "terrorism");
    KT_EQ_INT(kz_case_assign(p->al, c, "sue"), 0);
    KT_EQ_INT(kz_case_decide(p->sue, c, &URLBLOCK, NULL), 0);
    KT_EQ_INT(kz_case_approve(p->sam, c), 0);
    KT_EQ_INT(kz_account_disable(p->root, "bob"), 0);
    char today[21], from[11];
    kz_store_now(today);
    snprintf(from, sizeof from, "%.10s", today);
    kz_report *r = NULL;
    KT_EQ_INT(kz_report_compute(s, from, from, &r), 0);
    if (!r)
        return;
    double v;
    int isnull;
    static const char *const roles[] = { "admin", "analyst", "auditor", "reviewer", "supervisor" };
    for (size_t i = 0; i < 5; i++) {
        char sql[256], key[64];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM accounts WHERE role = '%s'", roles[i]);
        snprintf(key, sizeof key, "added.%s", roles[i]);
        KT_EQ_INT(kz_report_get(r, "accounts", key, &v, &isnull), 0);
        KT_EQ_INT((int64_t)v, count(s, sql));
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM accounts WHERE role = '%s' AND disabled = 1",
                 roles[i]);
        snprintf(key, sizeof key, "disabled.%s", roles[i]);
        KT_EQ_INT(kz_report_get(r, "accounts", key, &v, &isnull), 0);
        KT_EQ_INT((int64_t)v, count(s, sql));
    }
    KT_EQ_INT(kz_report_get(r, "accounts", "added.reviewer", &v, &isnull), 0);
    KT_EQ_INT((int64_t)v, 2);                                     /* ann, bob */
    KT_EQ_INT(kz_report_get(r, "accounts", "disabled.total", &v, &isnull), 0);
    KT_EQ_INT((int64_t)v, 1);
    KT_EQ_INT(kz_report_get(r, "accounts", "blocks_approved", &v, &isnull), 0);
    KT_EQ_INT((int64_t)v, 1);
    KT_EQ_INT(kz_report_get(r, "accounts", "blocks_both_accounts_by_one_admin", &v, &isnull), 0);
    KT_EQ_INT((int64_t)v, count(s, "SELECT COUNT(*) FROM decisions d JOIN accounts x ON "
                                   "x.id = d.decided_by JOIN accounts y ON y.id = d.approved_by "
                                   "WHERE x.created_by = y.created_by"));
    KT_EQ_INT((int64_t)v, 1);                                     /* root made sue and sam */
    kz_report_free(&r);
    /* a period before: nothing */
    KT_EQ_INT(kz_report_compute(s, "2001-01-01", "2001-01-31", &r), 0);
    KT_EQ_INT(kz_report_get(r, "accounts", "added.total", &v, &isnull), 0);
    KT_EQ_INT((int64_t)v, 0);
    kz_report_free(&r);
}

KT_TEST(case_report_counts_accounts_by_role)
{
    kz_store *s = fresh();
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    accounts_report(s, &p);
    kt_staff_release(&p);
    cleanup(&s);
}

KT_TEST(case_report_counts_accounts_by_role_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "case_report_accounts_pg", "case");
    if (!s)
        return;
    kt_staff p = { 0 };
    kt_staff_login(s, &p);
    accounts_report(s, &p);
    kt_staff_release(&p);
    kt_store_pg_drop(&d, &s);
}

/* What may be appealed: a decision in effect that restricts something. */
KT_TEST(case_appealable_states)
{
    static const char *const yes[] = { "decided", "notified", "complied", "overdue", "verified",
                                       "reopened" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(yes); i++)
        KT_EQ_INT(kz_case_appealable(yes[i], "removal_request"), 1);
    static const char *const no[] = { "detected", "in_review", "awaiting_approval", "appealed",
                                      "reversed", "nonsense" };
    for (size_t i = 0; i < KZ_ARRAY_LEN(no); i++)
        KT_EQ_INT(kz_case_appealable(no[i], "url_block"), 0);
    KT_EQ_INT(kz_case_appealable("decided", "no_action"), 0);
    KT_EQ_INT(kz_case_appealable("decided", NULL), 0);
    KT_EQ_INT(kz_case_appealable(NULL, "url_block"), 0);
}

/* Which steps are open is the library's, with the roles the steps
 * themselves require: an admin is offered no assignment (kz_case_assign
 * refuses one), a reviewer decides only a case assigned to them. */
KT_TEST(case_steps_by_state_and_role)
{
    KT_EQ_INT(kz_case_steps("detected", "reviewer", 0), KZ_STEP_TAKE);
    KT_EQ_INT(kz_case_steps("detected", "analyst", 0), KZ_STEP_ASSIGN);
    KT_EQ_INT(kz_case_steps("detected", "supervisor", 0), KZ_STEP_TAKE | KZ_STEP_ASSIGN);
    KT_EQ_INT(kz_case_steps("detected", "admin", 0), 0);
    KT_EQ_INT(kz_case_steps("detected", "auditor", 0), 0);
    KT_EQ_INT(kz_case_steps("in_review", "reviewer", 0), 0);
    KT_EQ_INT(kz_case_steps("in_review", "reviewer", 1), KZ_STEP_DECIDE);
    KT_EQ_INT(kz_case_steps("in_review", "supervisor", 1), KZ_STEP_ASSIGN | KZ_STEP_DECIDE);
    KT_EQ_INT(kz_case_steps("awaiting_approval", "supervisor", 0), KZ_STEP_APPROVE);
    KT_EQ_INT(kz_case_steps("awaiting_approval", "reviewer", 1), 0);
    KT_EQ_INT(kz_case_steps("appealed", "reviewer", 0), KZ_STEP_RESOLVE);
    KT_EQ_INT(kz_case_steps("appealed", "analyst", 0), 0);
    KT_EQ_INT(kz_case_steps("decided", "supervisor", 1), 0);
    KT_EQ_INT(kz_case_steps(NULL, "supervisor", 1), 0);
    KT_EQ_INT(kz_case_steps("detected", "nobody", 0), 0);
    KT_EQ_INT(kz_case_steps("detected", NULL, 0), 0);
}
