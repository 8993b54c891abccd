/*
 * case/rows.c - replay the audit log into what each row of the workflow's
 * tables must hold, and compare with the tables (case/rows.h).
 *
 * The replay knows what each action writes: the JSON of every entry is the
 * row's new state, or the fields it changed (case/state.c's kz__move() puts the
 * case's new state in every case.* entry; decide/notify/appeal carry the
 * whole new row; account.create, bank.create and bank.add the whole row).
 * An expected row is a set of columns, each known or not: a column the log
 * never spoke of (an entry written before kuzet recorded it) is not
 * compared.  Values are compared as text, as the database returns them:
 * integers in decimal, booleans 0/1, NULL as NULL.
 */
#include "case/rows.h"
#include "util/hset.h"
#include "util/sha256.h"
#include "store/audit.h"
#include <unistd.h>
#include "store/bank.h"
#include <json-c/json.h>

#define MAXC 14

enum { T_CASES, T_DECISIONS, T_NOTICES, T_APPEALS, T_ACCOUNTS, T_BANKS, T_ENTRIES, T_RULES, NT };

/* columns: the order of each table's SELECT, after the id */
enum { C_ITEM, C_CATEGORY, C_STATE, C_SCORE, C_AUTOMATED, C_ASSIGNED };
enum { D_CASE, D_MEASURE, D_SCOPE, D_STARTS, D_ENDS, D_BASIS, D_REASONS, D_AUTOMATED,
       D_DECIDED_BY, D_DECIDED_AT, D_APPROVED_BY, D_APPROVED_AT, D_REVERSED_AT };
enum { N_DECISION, N_PLATFORM, N_SENT, N_DEADLINE, N_ANSWER, N_ANSWERED, N_COMPLIED,
       N_ESCALATED };
enum { A_DECISION, A_FILED_BY, A_GROUNDS, A_FILED_AT, A_REVIEWER, A_OUTCOME, A_REASONS,
       A_RESOLVED, A_STATE_BEFORE };
enum { U_NAME, U_ROLE, U_DISABLED, U_PASSWORD, U_CREATED_BY, U_CREATED_AT, U_ENROLLED_AT,
       U_DISABLED_AT, U_DISABLED_BY };
enum { B_NAME, B_TYPE, B_THRESHOLD, B_KIND };
enum { E_BANK, E_SIGNAL, E_TAGS, E_ORIGIN, E_BANK_ID /* not compared */ };
enum { R_SHA256, R_BODY, R_NAME, R_RULES, R_BY, R_AT };

/* an account or bank named by id: its name, "#id" when there is no such row */
#define NAMED(t, c) "CASE WHEN " c " IS NULL THEN NULL ELSE COALESCE(" t ".name, '#' || " c ") END"

static const struct tdef {
    const char *name;
    int         ncols;
    const char *cols[MAXC];
    const char *sql;
} tdefs[NT] = {
    { "cases", 6, { "item_id", "category", "state", "score", "automated", "assigned_to" },
      "SELECT c.id, c.item_id, c.category, c.state, c.score, c.automated, "
      NAMED("a", "c.assigned_to") " FROM cases c LEFT JOIN accounts a ON a.id = c.assigned_to "
      "ORDER BY c.id" },
    { "decisions", 13, { "case_id", "measure", "territorial_scope", "starts_at", "ends_at",
                         "legal_basis", "facts_and_reasons", "automated_detection", "decided_by",
                         "decided_at", "approved_by", "approved_at", "reversed_at" },
      "SELECT d.id, d.case_id, d.measure, d.territorial_scope, d.starts_at, d.ends_at, "
      "d.legal_basis, d.facts_and_reasons, d.automated_detection, " NAMED("x", "d.decided_by")
      ", d.decided_at, " NAMED("y", "d.approved_by") ", d.approved_at, d.reversed_at "
      "FROM decisions d LEFT JOIN accounts x ON x.id = d.decided_by "
      "LEFT JOIN accounts y ON y.id = d.approved_by ORDER BY d.id" },
    { "notices", 8, { "decision_id", "platform", "sent_at", "deadline", "answer", "answered_at",
                      "complied_at", "escalated_at" },
      "SELECT n.id, n.decision_id, " NAMED("p", "n.platform_id") ", n.sent_at, n.deadline, "
      "n.answer, n.answered_at, n.complied_at, n.escalated_at FROM notices n "
      "LEFT JOIN platforms p ON p.id = n.platform_id ORDER BY n.id" },
    { "appeals", 9, { "decision_id", "filed_by", "grounds", "filed_at", "reviewer", "outcome",
                      "reasons", "resolved_at", "case_state_before" },
      "SELECT ap.id, ap.decision_id, ap.filed_by, ap.grounds, ap.filed_at, "
      NAMED("x", "ap.reviewer") ", ap.outcome, ap.reasons, ap.resolved_at, "
      "ap.case_state_before FROM appeals ap LEFT JOIN accounts x ON x.id = ap.reviewer "
      "ORDER BY ap.id" },
    { "accounts", 9, { "name", "role", "disabled", "password_hash", "created_by", "created_at",
                       "enrolled_at", "disabled_at", "disabled_by" },
      "SELECT u.id, u.name, u.role, u.disabled, u.password_hash, " NAMED("c", "u.created_by")
      ", u.created_at, u.enrolled_at, u.disabled_at, " NAMED("d", "u.disabled_by")
      " FROM accounts u LEFT JOIN accounts c ON c.id = u.created_by "
      "LEFT JOIN accounts d ON d.id = u.disabled_by ORDER BY u.id" },
    { "banks", 4, { "name", "signal_type", "threshold", "kind" },
      "SELECT id, name, signal_type, threshold, kind FROM banks ORDER BY id" },
    { "bank_entries", 4, { "bank", "signal", "tags", "origin" },
      "SELECT e.id, " NAMED("b", "e.bank_id") ", e.signal, e.tags, e.origin, e.bank_id "
      "FROM bank_entries e LEFT JOIN banks b ON b.id = e.bank_id ORDER BY e.id" },
    /* the text by its SHA-256 (what rules.publish records), as well as the
     * sha256 column that says it */
    { "rule_sets", 6, { "sha256", "body", "name", "rules", "published_by", "published_at" },
      "SELECT version, sha256, body, name, rules, published_by, published_at FROM rule_sets "
      "ORDER BY version" },
};

/* ---- expected rows ---------------------------------------------------------- */

typedef struct xrow {
    int64_t  id, seq;       /* seq: the last entry that spoke of it */
    int      live;          /* 0: the log deleted it */
    int      imported;      /* its id went to an import's entry (SQLite reuses
                               the ids of deleted rows): an import range speaks
                               for it now */
    int      seen;          /* found in the table */
    uint32_t known;         /* bit c: v[c] is what the log says (NULL: SQL NULL) */
    char    *v[MAXC];
} xrow;

typedef struct xtab {
    xrow   *r;
    size_t  n, cap;
    kz_hset idx;            /* id -> index in r */
} xtab;

/* the entries one import added (store/bank.h) */
typedef struct import {
    int64_t bank, first, last, added, seq, got;
    char    digest[65];
    kz_sha256_ctx st;
} import;

typedef struct rp {
    kz_store *s;
    xtab      t[NT];
    import   *imp;
    size_t    nimp, capimp;
    int64_t  *legacy;       /* banks with an import logged without its digest */
    size_t    nlegacy, caplegacy;
    int       rc;           /* sticky: KZ_ENOMEM */
    kz_rows_fn fn;
    void     *ctx;
    kz_rows_report *rep;
} rp;

static int id_eq(uint64_t v, const void *key, void *ctx)
{
    const xtab *t = ctx;
    return t->r[v].id == *(const int64_t *)key;
}

static uint64_t id_hash(int64_t id) { return kz_hset_hash(&id, sizeof id); }

static xrow *find(xtab *t, int64_t id)
{
    kz_hslot *sl = kz_hset_find(&t->idx, id_hash(id), id_eq, &id, t);
    return sl ? &t->r[sl->v] : NULL;
}

/* The expected row id of table tab, added (nothing known) when new; NULL
 * (p->rc set) when out of memory.  Valid until the next get. */
static xrow *get(rp *p, int tab, int64_t id, int64_t seq)
{
    xtab *t = &p->t[tab];
    xrow *x = find(t, id);
    if (!x) {
        if (p->rc || KZ_GROW(t->r, t->cap, t->n + 1) ||
            kz_hset_add(&t->idx, id_hash(id), t->n, id_eq, &id, t, NULL) < 0) {
            p->rc = KZ_ENOMEM;
            return NULL;
        }
        x = &t->r[t->n++];
        memset(x, 0, sizeof *x);
        x->id = id;
        x->live = 1;
    }
    x->seq = seq;
    return x;
}

static void set(rp *p, xrow *x, int c, const char *v)
{
    char *d = NULL;
    if (!x)
        return;
    if (v && !(d = kz_strdup(v))) {
        p->rc = KZ_ENOMEM;
        return;
    }
    free(x->v[c]);
    x->v[c] = d;
    x->known |= 1u << c;
}

static void forget(xrow *x, int c)
{
    if (x)
        x->known &= ~(1u << c);
}

static int is_null(const xrow *x, int c) { return (x->known >> c & 1) && !x->v[c]; }

/* A new row: everything it held before is forgotten. */
static xrow *create(rp *p, int tab, int64_t id, int64_t seq)
{
    xrow *x = get(p, tab, id, seq);
    if (x) {
        for (int c = 0; c < MAXC; c++) {
            free(x->v[c]);
            x->v[c] = NULL;
        }
        x->known = 0;
        x->live = 1;
        x->imported = 0;
    }
    return x;
}

/* ---- JSON --------------------------------------------------------------------- */

/* 1 when o has key k: its value as the database would hold it in *out
 * (NULL for null), using num for numbers. */
static int jv(json_object *o, const char *k, const char **out, char num[32])
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
        return 0;
    switch (v ? json_object_get_type(v) : json_type_null) {
    case json_type_null: *out = NULL; break;
    case json_type_string: *out = json_object_get_string(v); break;
    case json_type_boolean: *out = json_object_get_boolean(v) ? "1" : "0"; break;
    case json_type_int:
        snprintf(num, 32, "%lld", (long long)json_object_get_int64(v));
        *out = num;
        break;
    default: *out = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN); break;
    }
    return 1;
}

/* column c of x from key k of o, when o has it */
static void setj(rp *p, xrow *x, int c, json_object *o, const char *k)
{
    const char *v;
    char num[32];
    if (jv(o, k, &v, num))
        set(p, x, c, v);
}

/* an account column that names who did it: the system is no account (the
 * column is NULL) */
static void setwho(rp *p, xrow *x, int c, json_object *o, const char *k)
{
    const char *v;
    char num[32];
    if (jv(o, k, &v, num))
        set(p, x, c, v && !strcmp(v, "system") ? NULL : v);
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_int))
        return 0;
    return json_object_get_int64(v);
}

static json_object *jobj(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

static int jtrue(json_object *o, const char *k)
{
    json_object *v = NULL;
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) &&
           json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static void set_id(rp *p, xrow *x, int c, int64_t id)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)id);
    set(p, x, c, num);
}

/* ---- the replay ------------------------------------------------------------------ */

/* The case's latest notice, as the log knows them (what "UPDATE notices ...
 * WHERE id = (SELECT MAX(n.id) ...)" in case/notice.c escalates). */
static int64_t latest_notice(rp *p, int64_t case_id)
{
    char want[32];
    int64_t best = 0;
    snprintf(want, sizeof want, "%lld", (long long)case_id);
    for (size_t i = 0; i < p->t[T_NOTICES].n; i++) {
        xrow *n = &p->t[T_NOTICES].r[i];
        if (!(n->known >> N_DECISION & 1) || !n->v[N_DECISION] || n->id <= best)
            continue;
        xrow *d = find(&p->t[T_DECISIONS], strtoll(n->v[N_DECISION], NULL, 10));
        if (d && (d->known >> D_CASE & 1) && d->v[D_CASE] && !strcmp(d->v[D_CASE], want))
            best = n->id;
    }
    return best;
}

static void replay_case(rp *p, int64_t seq, const char *action, int64_t id, json_object *b,
                        json_object *a)
{
    const char *act = action + 5;                       /* after "case." */
    xrow *x;
    if (!strcmp(act, "open")) {
        x = create(p, T_CASES, id, seq);
        setj(p, x, C_ITEM, a, "item_id");
        setj(p, x, C_CATEGORY, a, "category");
        setj(p, x, C_STATE, a, "state");
        setj(p, x, C_SCORE, a, "score");
        setj(p, x, C_AUTOMATED, a, "automated");
        set(p, x, C_ASSIGNED, NULL);
        return;
    }
    x = get(p, T_CASES, id, seq);
    setj(p, x, C_STATE, a, "state");
    if (!strcmp(act, "assign")) {
        setj(p, x, C_ASSIGNED, a, "assigned_to");
    } else if (!strcmp(act, "decide")) {
        json_object *d = jobj(a, "decision");
        int64_t did = jint(d, "id");
        if (!did)
            return;
        x = create(p, T_DECISIONS, did, seq);
        set_id(p, x, D_CASE, id);
        setj(p, x, D_MEASURE, d, "measure");
        setj(p, x, D_SCOPE, d, "territorial_scope");
        setj(p, x, D_STARTS, d, "starts_at");
        setj(p, x, D_DECIDED_AT, d, "starts_at");        /* decided when it starts */
        setj(p, x, D_ENDS, d, "ends_at");
        setj(p, x, D_BASIS, d, "legal_basis");
        setj(p, x, D_REASONS, d, "facts_and_reasons");
        setj(p, x, D_AUTOMATED, d, "automated_detection");
        setj(p, x, D_DECIDED_BY, d, "decided_by");
        set(p, x, D_APPROVED_BY, NULL);
        set(p, x, D_APPROVED_AT, NULL);
        set(p, x, D_REVERSED_AT, NULL);
    } else if (!strcmp(act, "approve")) {
        int64_t did = jint(a, "decision_id");
        if (!did)
            return;
        x = get(p, T_DECISIONS, did, seq);
        setj(p, x, D_APPROVED_BY, a, "approved_by");
        setj(p, x, D_APPROVED_AT, a, "approved_at");
    } else if (!strcmp(act, "reject")) {
        int64_t did = jint(a, "decision_id");
        if (!did)
            return;
        x = get(p, T_DECISIONS, did, seq);
        forget(x, D_REVERSED_AT);                       /* older entries lack the time */
        setj(p, x, D_REVERSED_AT, a, "reversed_at");
    } else if (!strcmp(act, "notify")) {
        json_object *n = jobj(a, "notice");
        int64_t nid = jint(n, "id");
        if (!nid)
            return;
        x = create(p, T_NOTICES, nid, seq);
        setj(p, x, N_DECISION, n, "decision_id");
        setj(p, x, N_PLATFORM, n, "platform");
        setj(p, x, N_SENT, n, "sent_at");
        setj(p, x, N_DEADLINE, n, "deadline");
        set(p, x, N_ANSWER, NULL);
        set(p, x, N_ANSWERED, NULL);
        set(p, x, N_COMPLIED, NULL);
        set(p, x, N_ESCALATED, NULL);
    } else if (!strcmp(act, "comply")) {
        int64_t nid = jint(a, "notice_id");
        if (!nid)
            return;
        x = get(p, T_NOTICES, nid, seq);
        setj(p, x, N_ANSWER, a, "answer");
        setj(p, x, N_ANSWERED, a, "complied_at");
        setj(p, x, N_COMPLIED, a, "complied_at");
    } else if (!strcmp(act, "overdue")) {
        int64_t nid = jint(a, "notice_id");
        if (!nid)
            return;
        x = get(p, T_NOTICES, nid, seq);
        if (x && is_null(x, N_ESCALATED))               /* escalated once */
            setj(p, x, N_ESCALATED, a, "checked_at");
    } else if (!strcmp(act, "recheck")) {
        if (!jtrue(a, "escalated"))
            return;
        int64_t nid = jint(a, "notice_id");
        if (!nid && !(nid = latest_notice(p, id)))
            return;
        x = get(p, T_NOTICES, nid, seq);
        setj(p, x, N_ESCALATED, a, "checked_at");
    } else if (!strcmp(act, "verify")) {
        int64_t nid = jint(a, "notice_id");             /* a check that complied a notice */
        if (!nid)
            return;
        x = get(p, T_NOTICES, nid, seq);
        if (!x)
            return;
        int no_answer = is_null(x, N_ANSWER), not_answered = is_null(x, N_ANSWERED);
        setj(p, x, N_COMPLIED, a, "complied_at");
        if (not_answered)
            setj(p, x, N_ANSWERED, a, "complied_at");
        if (no_answer) {
            /* the answer case/check.c writes: "removal verified by kuzet verify
             * (check N: why)" */
            const char *why = NULL;
            char num[32], text[160];
            if (!jv(a, "why", &why, num) || !why) {
                forget(x, N_ANSWER);
                return;
            }
            snprintf(text, sizeof text, "removal verified by kuzet verify (check %lld: %s)",
                     (long long)jint(a, "check_id"), why);
            set(p, x, N_ANSWER, text);
        }
    } else if (!strcmp(act, "appeal")) {
        json_object *ap = jobj(a, "appeal");
        int64_t aid = jint(ap, "id");
        if (!aid)
            return;
        x = create(p, T_APPEALS, aid, seq);
        setj(p, x, A_DECISION, ap, "decision_id");
        setj(p, x, A_FILED_BY, ap, "filed_by");
        setj(p, x, A_GROUNDS, ap, "grounds");
        setj(p, x, A_FILED_AT, ap, "filed_at");
        setj(p, x, A_STATE_BEFORE, b, "state");
        set(p, x, A_REVIEWER, NULL);
        set(p, x, A_OUTCOME, NULL);
        set(p, x, A_REASONS, NULL);
        set(p, x, A_RESOLVED, NULL);
    } else if (!strcmp(act, "resolve_appeal")) {
        int64_t aid = jint(a, "appeal_id"), did = jint(a, "decision_id");
        const char *v;
        char num[32];
        if (aid) {
            x = get(p, T_APPEALS, aid, seq);
            setj(p, x, A_REVIEWER, a, "resolved_by");
            setj(p, x, A_OUTCOME, a, "outcome");
            setj(p, x, A_REASONS, a, "reasons");
            forget(x, A_RESOLVED);                      /* older entries lack the time */
            if (jv(a, "resolved_at", &v, num) || jv(a, "reversed_at", &v, num))
                set(p, x, A_RESOLVED, v);
        }
        if (did && jv(a, "reversed_at", &v, num)) {
            x = get(p, T_DECISIONS, did, seq);
            set(p, x, D_REVERSED_AT, v);
        }
    }
}

static int add_import(rp *p, int64_t bank, int64_t seq, json_object *a)
{
    const char *d = NULL;
    char num[32];
    int64_t first = jint(a, "first_id"), last = jint(a, "last_id");
    if (!jint(a, "added"))
        return 0;
    if (!first || !last || !jv(a, "entries_sha256", &d, num) || !d || strlen(d) != 64) {
        if (KZ_GROW(p->legacy, p->caplegacy, p->nlegacy + 1))
            return KZ_ENOMEM;
        p->legacy[p->nlegacy++] = bank;
        return 0;
    }
    if (KZ_GROW(p->imp, p->capimp, p->nimp + 1))
        return KZ_ENOMEM;
    import *m = &p->imp[p->nimp++];
    memset(m, 0, sizeof *m);
    m->bank = bank;
    m->first = first;
    m->last = last;
    m->added = jint(a, "added");
    m->seq = seq;
    memcpy(m->digest, d, 65);
    kz_sha256_init(&m->st);
    for (size_t i = 0; i < p->t[T_ENTRIES].n; i++) {
        xrow *x = &p->t[T_ENTRIES].r[i];
        if (x->id >= first && x->id <= last)
            x->imported = 1;
    }
    return 0;
}

static void replay(rp *p, int64_t seq, const char *action, const char *entity, int64_t id,
                   json_object *b, json_object *a)
{
    xrow *x;
    if (!strcmp(entity, "case") && !strncmp(action, "case.", 5)) {
        replay_case(p, seq, action, id, b, a);
    } else if (!strcmp(entity, "account")) {
        if (!strcmp(action, "account.create")) {
            x = create(p, T_ACCOUNTS, id, seq);
            setj(p, x, U_NAME, a, "name");
            setj(p, x, U_ROLE, a, "role");
            setj(p, x, U_DISABLED, a, "disabled");
            setj(p, x, U_PASSWORD, a, "password_sha256");
            setwho(p, x, U_CREATED_BY, a, "created_by");
            setj(p, x, U_CREATED_AT, a, "created_at");
            if (a && json_object_object_get_ex(a, "enrol_expires_at", NULL))
                set(p, x, U_ENROLLED_AT, NULL);     /* added with a token: not enrolled yet */
            else
                setj(p, x, U_ENROLLED_AT, a, "enrolled_at");
        } else if (!strcmp(action, "account.enrol")) {
            x = get(p, T_ACCOUNTS, id, seq);
            setj(p, x, U_PASSWORD, a, "password_sha256");
            setj(p, x, U_ENROLLED_AT, a, "enrolled_at");
        } else if (!strcmp(action, "account.disable")) {
            x = get(p, T_ACCOUNTS, id, seq);
            setj(p, x, U_DISABLED, a, "disabled");
            setj(p, x, U_DISABLED_AT, a, "disabled_at");
            setwho(p, x, U_DISABLED_BY, a, "disabled_by");
        } else if (!strcmp(action, "account.password")) {
            x = get(p, T_ACCOUNTS, id, seq);
            setj(p, x, U_PASSWORD, a, "password_sha256");
        }
    } else if (!strcmp(entity, "bank")) {
        if (!strcmp(action, "bank.create")) {
            x = create(p, T_BANKS, id, seq);
            setj(p, x, B_NAME, a, "name");
            setj(p, x, B_TYPE, a, "signal_type");
            setj(p, x, B_THRESHOLD, a, "threshold");
            setj(p, x, B_KIND, a, "kind");
        } else if (!strcmp(action, "bank.import") && add_import(p, id, seq, a)) {
            p->rc = KZ_ENOMEM;
        }
    } else if (!strcmp(entity, "bank_entry")) {
        if (!strcmp(action, "bank.add")) {
            x = create(p, T_ENTRIES, id, seq);
            setj(p, x, E_BANK, a, "bank");
            setj(p, x, E_SIGNAL, a, "signal");
            setj(p, x, E_TAGS, a, "tags");
            setj(p, x, E_ORIGIN, a, "origin");
        } else if (!strcmp(action, "bank.reassign")) {
            x = get(p, T_ENTRIES, id, seq);
            setj(p, x, E_ORIGIN, a, "origin");
        } else if (!strcmp(action, "bank.remove")) {
            if ((x = get(p, T_ENTRIES, id, seq)) != NULL)
                x->live = 0;
        }
    } else if (!strcmp(entity, "rule_set") && !strcmp(action, "rules.publish")) {
        x = create(p, T_RULES, id, seq);
        setj(p, x, R_SHA256, a, "sha256");
        setj(p, x, R_BODY, a, "sha256");
        setj(p, x, R_NAME, a, "name");
        setj(p, x, R_RULES, a, "rules");
        setj(p, x, R_BY, a, "published_by");        /* older entries lack these two */
        setj(p, x, R_AT, a, "published_at");
    }
}

static int replay_log(rp *p)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(p->s), "SELECT seq, action, entity, entity_id, before_state, "
                         "after_state FROM audit_log WHERE entity IN ('case', 'account', 'bank', "
                         "'bank_entry', 'rule_set') ORDER BY seq", NULL, 0, &r);
    if (rc)
        return rc;
    while (!p->rc && (rc = kz_dbres_next(r)) == 1) {
        const char *action = kz_dbres_text(r, 1, NULL), *entity = kz_dbres_text(r, 2, NULL);
        const char *bt = kz_dbres_text(r, 4, NULL), *at = kz_dbres_text(r, 5, NULL);
        json_object *b = bt ? json_tokener_parse(bt) : NULL;
        json_object *a = at ? json_tokener_parse(at) : NULL;
        p->rep->entries++;
        if (action && entity)
            replay(p, kz_dbres_int(r, 0), action, entity, kz_dbres_int(r, 3), b, a);
        json_object_put(b);
        json_object_put(a);
    }
    kz_dbres_done(r);
    return p->rc ? p->rc : rc < 0 ? rc : 0;
}

/* ---- comparing ------------------------------------------------------------------- */

void kz_rows_password_fingerprint(const char *hash, char out[65])
{
    kz_sha256_hex(hash ? hash : "", hash ? strlen(hash) : 0, out);
}

/* 'value' (at most 80 bytes of it) or NULL */
static int add_value(kz_buf *b, const char *v)
{
    if (!v)
        return kz_buf_adds(b, "NULL");
    size_t n = strlen(v);
    return kz_buf_addf(b, "'%.*s%s'", (int)KZ_MIN(n, (size_t)80), v, n > 80 ? "..." : "");
}

static void report(rp *p, int tab, int64_t id, const char *what)
{
    p->rep->differ++;
    if (p->fn)
        p->fn(p->ctx, tdefs[tab].name, id, what);
}

static import *import_of(rp *p, int64_t id)
{
    for (size_t i = 0; i < p->nimp; i++)
        if (id >= p->imp[i].first && id <= p->imp[i].last)
            return &p->imp[i];
    return NULL;
}

static int legacy_bank(rp *p, int64_t bank)
{
    for (size_t i = 0; i < p->nlegacy; i++)
        if (p->legacy[i] == bank)
            return 1;
    return 0;
}

/* A bank entry no bank.add created: one an import added (its digest is
 * checked once all are read), one of an import logged without a digest
 * (not comparable), or one slipped in. */
static void imported_entry(rp *p, kz_dbres *r, int64_t id, kz_buf *msg)
{
    const char *origin = kz_dbres_text(r, 1 + E_ORIGIN, NULL);
    int64_t bank = kz_dbres_int(r, 1 + E_BANK_ID);
    import *m = import_of(p, id);
    kz_buf_reset(msg);
    if (m && m->bank == bank && origin && !strcmp(origin, "import")) {
        m->got++;
        kz_bank_digest_entry(&m->st, id, kz_dbres_text(r, 1 + E_SIGNAL, NULL),
                             kz_dbres_text(r, 1 + E_TAGS, NULL));
        return;
    }
    if (!m && origin && !strcmp(origin, "import") && legacy_bank(p, bank)) {
        p->rep->unchecked++;
        return;
    }
    if (m)
        kz_buf_addf(msg, "the import at audit entry %lld added it to bank %lld with origin "
                    "'import'; it is in bank %lld with origin ", (long long)m->seq,
                    (long long)m->bank, (long long)bank);
    else
        kz_buf_adds(msg, "not in the audit log: no entry added it (added behind kuzet's back); "
                    "origin ");
    add_value(msg, origin);
    report(p, T_ENTRIES, id, msg->p ? msg->p : "");
}

static int compare(rp *p, int tab)
{
    const struct tdef *d = &tdefs[tab];
    kz_dbres *r = NULL;
    kz_buf msg;
    char fp[65];
    int rc = kz_db_query(kz_store_db(p->s), d->sql, NULL, 0, &r);
    if (rc)
        return rc;
    kz_buf_init(&msg, 1u << 16);
    while ((rc = kz_dbres_next(r)) == 1) {
        int64_t id = kz_dbres_int(r, 0);
        p->rep->rows++;
        xrow *x = find(&p->t[tab], id);
        if (x && x->imported)
            x = NULL;
        if (!x) {
            if (tab == T_ENTRIES) {
                imported_entry(p, r, id, &msg);
                continue;
            }
            report(p, tab, id, "not in the audit log: no entry created it (added behind "
                   "kuzet's back)");
            continue;
        }
        x->seen = 1;
        kz_buf_reset(&msg);
        if (!x->live) {
            kz_buf_addf(&msg, "the audit log removed it (entry %lld), yet it is there",
                        (long long)x->seq);
            report(p, tab, id, msg.p ? msg.p : "");
            continue;
        }
        for (int c = 0; c < d->ncols; c++) {
            if (!(x->known >> c & 1))
                continue;
            size_t vn = 0;
            const char *v = kz_dbres_null(r, c + 1) ? NULL : kz_dbres_text(r, c + 1, &vn);
            if (tab == T_ACCOUNTS && c == U_PASSWORD && v) {
                kz_rows_password_fingerprint(v, fp);
                v = fp;
            } else if (tab == T_RULES && c == R_BODY && v) {
                kz_sha256_hex(v, vn, fp);
                v = fp;
            }
            if ((!v && !x->v[c]) || (v && x->v[c] && !strcmp(v, x->v[c])))
                continue;
            if (msg.len)
                kz_buf_adds(&msg, "; ");
            if (tab == T_ACCOUNTS && c == U_PASSWORD) {
                kz_buf_adds(&msg, "password_hash is not the one the audit log recorded");
                continue;
            }
            if (tab == T_RULES && c == R_BODY) {
                kz_buf_addf(&msg, "body is not the text the audit log recorded (its SHA-256 "
                            "is %.16s..., the log says %.16s...)", v ? v : "NULL",
                            x->v[c] ? x->v[c] : "NULL");
                continue;
            }
            kz_buf_addf(&msg, "%s is ", d->cols[c]);
            add_value(&msg, v);
            kz_buf_adds(&msg, ", the audit log says ");
            add_value(&msg, x->v[c]);
        }
        if (msg.len) {
            kz_buf_addf(&msg, " (its last entry: %lld)", (long long)x->seq);
            report(p, tab, id, msg.p ? msg.p : "");
        }
    }
    kz_dbres_done(r);
    if (rc < 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < p->t[tab].n; i++) {
        xrow *x = &p->t[tab].r[i];
        if (!x->live || x->seen || x->imported)
            continue;
        kz_buf_reset(&msg);
        kz_buf_addf(&msg, "missing: the audit log has it (entry %lld), the table does not "
                    "(deleted behind kuzet's back)", (long long)x->seq);
        report(p, tab, x->id, msg.p ? msg.p : "");
    }
    for (size_t i = 0; tab == T_ENTRIES && i < p->nimp; i++) {
        import *m = &p->imp[i];
        uint8_t h[KZ_SHA256_LEN];
        char hex[65];
        kz_sha256_final(&m->st, h);
        kz_hex(h, sizeof h, hex);
        if (m->got == m->added && !strcmp(hex, m->digest))
            continue;
        kz_buf_reset(&msg);
        kz_buf_addf(&msg, "entries %lld to %lld, added by the import at audit entry %lld (%lld "
                    "of them), are not what it added: %lld there, %s", (long long)m->first,
                    (long long)m->last, (long long)m->seq, (long long)m->added,
                    (long long)m->got, m->got == m->added ? "changed" : "some deleted or "
                    "slipped in");
        report(p, tab, m->first, msg.p ? msg.p : "");
    }
out:
    kz_buf_release(&msg);
    return rc;
}

int kz_rows_check(kz_store *s, kz_rows_fn fn, void *ctx, kz_rows_report *rep)
{
    rp p;
    memset(&p, 0, sizeof p);
    memset(rep, 0, sizeof *rep);
    p.s = s;
    p.fn = fn;
    p.ctx = ctx;
    p.rep = rep;
    int rc = replay_log(&p);
    for (int t = 0; !rc && t < NT; t++)
        rc = compare(&p, t);
    if (rc == KZ_ENOMEM)
        kz_store_set_errmsg(s, "comparing the tables with the audit log: %s", kz_strerror(rc));
    else if (rc)
        kz_store_set_errmsg(s, "comparing the tables with the audit log: %s",
                            kz_db_errmsg(kz_store_db(s)));
    for (int t = 0; t < NT; t++) {
        for (size_t i = 0; i < p.t[t].n; i++)
            for (int c = 0; c < MAXC; c++)
                free(p.t[t].r[i].v[c]);
        free(p.t[t].r);
        kz_hset_release(&p.t[t].idx);
    }
    free(p.imp);
    free(p.legacy);
    return rc;
}

/* ---- the guard before check and export ------------------------------------ */

typedef struct guard_first {
    int64_t n;
    char    first[200];
} guard_first;

static void guard_row(void *ctx, const char *table, int64_t id, const char *what)
{
    guard_first *g = ctx;
    if (!g->n++)
        snprintf(g->first, sizeof g->first, "row %s %lld: %s", table, (long long)id, what);
}

static int rows_guard(kz_store *s, char *why, size_t whysz)
{
    char path[4096], kwhy[256];
    unsigned char pk[KZ_AUDIT_PKLEN];
    kz_audit_opts o = { NULL, 0, NULL, 0 };
    kz_audit_report rep;
    kz_rows_report rr;
    guard_first g = { 0, "" };
    why[0] = '\0';
    kz_audit_key_path(s, path, sizeof path);
    if (path[0] && access(path, F_OK) == 0 && kz_audit_key_public(path, pk, kwhy, sizeof kwhy) == 0) {
        o.pins = (const unsigned char (*)[KZ_AUDIT_PKLEN])pk;
        o.npins = 1;
    }
    int rc = kz_audit_snapshot_begin(s);
    if (rc) {
        snprintf(why, whysz, "reading the audit log: %s", kz_db_errmsg(kz_store_db(s)));
        return rc;
    }
    if ((rc = kz_audit_verify(s, &o, &rep)) == 0)
        rc = kz_rows_check(s, guard_row, &g, &rr);
    kz_audit_snapshot_end(s);
    if (rc) {
        snprintf(why, whysz, "reading the audit log: %s", kz_store_errmsg(s));
        return rc;
    }
    if (rep.failed) {
        if (rep.bad_seq)
            snprintf(why, whysz, "the audit log fails at entry %lld: %s", (long long)rep.bad_seq,
                     rep.why);
        else
            snprintf(why, whysz, "the audit log fails: %s", rep.why);
        return KZ_ESTATE;
    }
    if (rr.differ) {
        snprintf(why, whysz, "%lld row%s not what the audit log says (changed behind kuzet's "
                 "back), the first: %s", (long long)rr.differ, rr.differ == 1 ? " is" : "s are",
                 g.first);
        return KZ_ESTATE;
    }
    return 0;
}

int kz_rows_guard(kz_store *s)
{
    char why[1024] = "";
    int rc = rows_guard(s, why, sizeof why);
    if (rc)
        kz_store_set_errmsg(s, "%s", why);          /* the detail, on the store */
    return rc;
}
