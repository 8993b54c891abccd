/*
 * case/views.c - own display settings and the tables of the reviewers'
 * web app (case/views.h).
 */
#include "case/views.h"
#include "case/actor_int.h"
#include "act/active.h"
#include "store/bank.h"

/* ---- own settings ---------------------------------------------------------- */

static int lang_ok(const char *l)
{
    return !strcmp(l, "") || !strcmp(l, "kk") || !strcmp(l, "ru") || !strcmp(l, "en");
}

int kz_review_settings_get(kz_actor *a, kz_review_settings *out)
{
    kz_dbres *r = NULL;
    out->blur = 1;
    out->greyscale = 1;
    out->lang[0] = '\0';
    if (a->id == 0)
        return 0;
    kz_dbval p[] = { kz_dbint(a->id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT blur, greyscale, lang FROM reviewer_settings "
                         "WHERE account_id = $1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the settings");
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *l = kz_dbres_text(r, 2, NULL);
        out->blur = kz_dbres_int(r, 0) != 0;
        out->greyscale = kz_dbres_int(r, 1) != 0;
        if (l && lang_ok(l))
            snprintf(out->lang, sizeof out->lang, "%s", l);
        rc = 0;
    } else if (rc < 0) {
        kz__dbfail(a, rc, "reading the settings");
    }
    kz_dbres_done(r);
    return rc;
}

/* The settings as the audit log keeps them. */
static void settings_json(kz_jw *j, const kz_review_settings *v)
{
    kz_jw_init(j);
    kz_jw_raw(j, "{");
    kz_jw_bool(j, "blur", v->blur);
    kz_jw_bool(j, "greyscale", v->greyscale);
    kz_jw_str(j, "lang", v->lang);
    kz_jw_raw(j, "}");
}

static int do_settings_set(kz_actor *a, const kz_review_settings *in)
{
    kz_review_settings old;
    char now[21];
    int rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR | R_AUDITOR | R_ADMIN,
                      "changing one's settings");
    if (rc || (rc = kz_review_settings_get(a, &old)) != 0)
        return rc;
    kz__now(a, now);
    kz_dbval p[] = { kz_dbint(a->id), kz_dbint(in->blur), kz_dbint(in->greyscale),
                     kz_dbstr(in->lang), kz_dbstr(now) };
    if ((rc = kz_db_query(kz_store_db(a->s), "INSERT INTO reviewer_settings (account_id, blur, "
                          "greyscale, lang, updated_at) VALUES ($1, $2, $3, $4, $5) "
                          "ON CONFLICT (account_id) DO UPDATE SET blur = $2, greyscale = $3, "
                          "lang = $4, updated_at = $5", p, 5, NULL)) != 0)
        return kz__dbfail(a, rc, "saving the settings");
    kz_jw bx, ax;
    settings_json(&bx, &old);
    settings_json(&ax, in);
    if ((rc = bx.rc ? bx.rc : ax.rc) == 0)
        rc = kz_store_audit(a->s, a->name, "account.settings", "account_settings", a->id, bx.b.p,
                            ax.b.p);
    kz_jw_release(&bx);
    kz_jw_release(&ax);
    return rc ? kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s)) : 0;
}

int kz_review_settings_set(kz_actor *a, const kz_review_settings *in)
{
    if (a->id == 0)
        return kz__fail(a, KZ_EPERM, "the system has no settings (log in)");
    if ((in->blur != 0 && in->blur != 1) || (in->greyscale != 0 && in->greyscale != 1))
        return kz__fail(a, KZ_EINVAL, "blur and greyscale must be 0 or 1");
    if (!lang_ok(in->lang))
        return kz__fail(a, KZ_EINVAL, "language must be kk, ru, en or empty, not '%.8s'", in->lang);
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_settings_set(a, in));
}

/* ---- views ------------------------------------------------------------------ */

void kz_view_init(kz_view *v) { memset(v, 0, sizeof *v); }

void kz_view_release(kz_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nrows * v->ncols; i++)
        free(v->cell[i]);
    free(v->cell);
    memset(v, 0, sizeof *v);
}

static void view_start(kz_view *v, const char *const *cols, size_t ncols)
{
    kz_view_release(v);
    v->cols = cols;
    v->ncols = ncols;
}

static ssize_t col_index(const kz_view *v, const char *col)
{
    for (size_t c = 0; c < v->ncols; c++)
        if (!strcmp(v->cols[c], col))
            return (ssize_t)c;
    return -1;
}

const char *kz_view_at(const kz_view *v, size_t row, const char *col)
{
    ssize_t c = col_index(v, col);
    return c < 0 || row >= v->nrows ? NULL : v->cell[row * v->ncols + (size_t)c];
}

int64_t kz_view_int(const kz_view *v, size_t row, const char *col)
{
    const char *s = kz_view_at(v, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

/* A new row of NULL cells: its first cell, or NULL (out of memory, or full:
 * v->more set). */
static char **view_row(kz_view *v, int *rc)
{
    if (v->nrows >= KZ_VIEW_MAX_ROWS) {
        v->more = 1;
        return NULL;
    }
    if (KZ_GROW(v->cell, v->cap, (v->nrows + 1) * v->ncols)) {
        *rc = KZ_ENOMEM;
        return NULL;
    }
    char **row = v->cell + v->nrows * v->ncols;
    memset(row, 0, v->ncols * sizeof *row);
    v->nrows++;
    return row;
}

static int set_cell(char **cell, const char *s, size_t n)
{
    if (!s)
        return 0;
    if (!(*cell = kz_strndup(s, n)))
        return KZ_ENOMEM;
    return 0;
}

static int set_int(char **cell, int64_t i)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)i);
    return set_cell(cell, t, strlen(t));
}

/* Rows of sql: its columns are the view's first nsql columns.  fn (may be
 * NULL) fills the others of each row. */
typedef int (*row_fn)(kz_actor *a, kz_view *v, char **row, void *ctx);

static int view_sql(kz_actor *a, kz_view *v, size_t nsql, const char *sql, const kz_dbval *p,
                    int np, row_fn fn, void *ctx)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), sql, p, np, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading");
    while ((rc = kz_dbres_next(r)) == 1) {
        int e = 0;
        char **row = view_row(v, &e);
        if (!row) {
            rc = e;
            break;
        }
        for (size_t c = 0; c < nsql && !e; c++) {
            size_t n = 0;
            const char *s = kz_dbres_text(r, (int)c, &n);
            e = set_cell(&row[c], s, n);
        }
        if (!e && fn)
            e = fn(a, v, row, ctx);
        if (e) {
            rc = e;
            break;
        }
    }
    kz_dbres_done(r);
    if (rc < 0 && rc != KZ_ENOMEM)
        return kz__dbfail(a, rc, "reading");
    return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory") : rc;
}

/* Seconds from t (a stored time) to now; 0 for a bad time. */
static int64_t secs_since(const char *t, time_t now)
{
    time_t x;
    return t && !kz__time_parse(t, &x) ? (int64_t)(now - x) : 0;
}

/* ---- the blocklist in force ----------------------------------------------- */

static const char *const bl_cols[] = { "decision_id", "case_id", "kind", "target", "measure",
                                       "since", "until", "decided_by", "approved_by", "scope" };

static int blocklist_row(kz_actor *a, kz_view *v, const kz_export_entry *e)
{
    static const char *const kinds[] = { "domain", "url", "geo" };
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(e->id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT d.case_id, d.measure, d.starts_at, "
                         "d.approved_at, d.ends_at, da.name, aa.name, d.territorial_scope "
                         "FROM decisions d JOIN accounts da ON da.id = d.decided_by "
                         "LEFT JOIN accounts aa ON aa.id = d.approved_by WHERE d.id = $1",
                         p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading a decision");
    if ((rc = kz_dbres_next(r)) == 1) {
        int e2 = 0;
        char **row = view_row(v, &e2);
        rc = e2;
        if (row) {
            const char *st = kz_dbres_text(r, 2, NULL), *ap = kz_dbres_text(r, 3, NULL);
            const char *since = ap && st && strcmp(ap, st) > 0 ? ap : st;
            size_t n = 0;
            const char *s;
            rc = set_int(&row[0], e->id);
            if (!rc) rc = set_int(&row[1], kz_dbres_int(r, 0));
            if (!rc) rc = set_cell(&row[2], kinds[e->kind > 2 ? 0 : e->kind],
                                   strlen(kinds[e->kind > 2 ? 0 : e->kind]));
            if (!rc) rc = set_cell(&row[3], e->target, strlen(e->target));
            if (!rc && (s = kz_dbres_text(r, 1, &n))) rc = set_cell(&row[4], s, n);
            if (!rc && since) rc = set_cell(&row[5], since, strlen(since));
            if (!rc && (s = kz_dbres_text(r, 4, &n))) rc = set_cell(&row[6], s, n);
            if (!rc && (s = kz_dbres_text(r, 5, &n))) rc = set_cell(&row[7], s, n);
            if (!rc && (s = kz_dbres_text(r, 6, &n))) rc = set_cell(&row[8], s, n);
            if (!rc && (s = kz_dbres_text(r, 7, &n))) rc = set_cell(&row[9], s, n);
        }
        if (rc)
            kz__fail(a, rc, "out of memory");
    } else if (rc < 0) {
        kz__dbfail(a, rc, "reading a decision");
    }
    kz_dbres_done(r);
    return rc;
}

int kz_view_blocklist(kz_actor *a, const char *at, kz_view *v)
{
    char now[21];
    kz_active l;
    int rc;
    view_start(v, bl_cols, KZ_ARRAY_LEN(bl_cols));
    if (!at)
        kz__now(a, now);
    else if (!kz_active_time_arg(at, now))
        return kz__fail(a, KZ_EINVAL, "at: not a date or time: '%.32s'", at);
    at = now;
    kz_active_init(&l);
    if ((rc = kz_active_load(&l, a->s, at)) != 0) {
        kz__fail(a, rc, "loading the blocklist: %s", rc == KZ_EINVAL ? "bad time"
                                                                      : kz_store_errmsg(a->s));
        goto out;
    }
    for (size_t i = 0; i < l.n && !rc && !v->more; i++)
        rc = blocklist_row(a, v, &l.v[i]);
out:
    kz_active_release(&l);
    return rc;
}

/* ---- notices ---------------------------------------------------------------- */

static const char *const notice_cols[] = {
    "id", "case_id", "decision_id", "platform", "category", "case_state", "sent_at", "deadline",
    "answered_at", "complied_at", "escalated_at", "state", "seconds_left" };

static int notice_row(kz_actor *a, kz_view *v, char **row, void *ctx)
{
    (void)v;
    const time_t *now = ctx;
    const char *deadline = row[7], *complied = row[9];
    int rc;
    (void)a;
    if (complied)
        return set_cell(&row[11], "complied", 8);
    int64_t left = -secs_since(deadline, *now);
    if ((rc = set_cell(&row[11], left <= 0 ? "overdue" : "open", left <= 0 ? 7 : 4)) != 0)
        return rc;
    return set_int(&row[12], left);
}

int kz_view_notices(kz_actor *a, int which, kz_view *v)
{
    char now[21];
    time_t t;
    view_start(v, notice_cols, KZ_ARRAY_LEN(notice_cols));
    if (which < KZ_VIEW_NOTICES_OPEN || which > KZ_VIEW_NOTICES_ALL)
        return kz__fail(a, KZ_EINVAL, "which notices: open, overdue or all");
    kz__now(a, now);
    kz__time_parse(now, &t);
    static const char *const where[] = {
        "WHERE n.complied_at IS NULL ", "WHERE n.complied_at IS NULL AND n.deadline <= $1 ",
        "" };
    char sql[768];
    snprintf(sql, sizeof sql, "SELECT n.id, d.case_id, n.decision_id, p.name, c.category, c.state, "
             "n.sent_at, n.deadline, n.answered_at, n.complied_at, n.escalated_at FROM notices n "
             "JOIN decisions d ON d.id = n.decision_id JOIN cases c ON c.id = d.case_id "
             "LEFT JOIN platforms p ON p.id = n.platform_id %sORDER BY n.deadline, n.id",
             where[which]);
    kz_dbval p[] = { kz_dbstr(now) };
    return view_sql(a, v, 11, sql, p, which == KZ_VIEW_NOTICES_OVERDUE, notice_row, &t);
}

/* ---- appeals ---------------------------------------------------------------- */

static const char *const appeal_cols[] = {
    "id", "case_id", "decision_id", "measure", "category", "filed_by", "grounds", "filed_at",
    "outcome", "resolved_at", "reviewer", "waiting_seconds" };

static int appeal_row(kz_actor *a, kz_view *v, char **row, void *ctx)
{
    (void)a;
    (void)v;
    const time_t *now = ctx;
    return row[9] ? 0 : set_int(&row[11], secs_since(row[7], *now));
}

int kz_view_appeals(kz_actor *a, int waiting_only, kz_view *v)
{
    char now[21];
    time_t t;
    view_start(v, appeal_cols, KZ_ARRAY_LEN(appeal_cols));
    kz__now(a, now);
    kz__time_parse(now, &t);
    return view_sql(a, v, 11, waiting_only ?
                    "SELECT ap.id, d.case_id, ap.decision_id, d.measure, c.category, ap.filed_by, "
                    "ap.grounds, ap.filed_at, ap.outcome, ap.resolved_at, r.name FROM appeals ap "
                    "JOIN decisions d ON d.id = ap.decision_id JOIN cases c ON c.id = d.case_id "
                    "LEFT JOIN accounts r ON r.id = ap.reviewer WHERE ap.resolved_at IS NULL "
                    "ORDER BY ap.filed_at, ap.id" :
                    "SELECT ap.id, d.case_id, ap.decision_id, d.measure, c.category, ap.filed_by, "
                    "ap.grounds, ap.filed_at, ap.outcome, ap.resolved_at, r.name FROM appeals ap "
                    "JOIN decisions d ON d.id = ap.decision_id JOIN cases c ON c.id = d.case_id "
                    "LEFT JOIN accounts r ON r.id = ap.reviewer ORDER BY ap.filed_at, ap.id",
                    NULL, 0, appeal_row, &t);
}

/* ---- volume ----------------------------------------------------------------- */

static const char *const volume_cols[] = { "account", "role", "decided", "approved", "appeals",
                                           "in_review" };

void kz_view_volume_from(const kz_actor *a, char out[11])
{
    char now[21], f[21];
    time_t t = 0;
    kz__now(a, now);
    kz__time_parse(now, &t);
    kz__time_fmt(t - (time_t)KZ_VOLUME_DAYS * 86400, f);
    snprintf(out, 11, "%.10s", f);
}

int kz_view_volume(kz_actor *a, const char *from, const char *to, kz_view *v)
{
    char f[21] = "0000-00-00T00:00:00Z", t[21], d[11];
    int rc;
    view_start(v, volume_cols, KZ_ARRAY_LEN(volume_cols));
    if (a->id != 0 && (rc = kz__need(a, R_SUPERVISOR | R_AUDITOR | R_ADMIN,
                                     "reading each person's volume of work")) != 0)
        return rc;
    if (!from) {
        kz_view_volume_from(a, d);
        from = d;
    }
    if (!kz_active_time_arg(from, f))
        return kz__fail(a, KZ_EINVAL, "from: not a date or time: '%.32s'", from);
    if (!to)
        snprintf(t, sizeof t, "9999-12-31T23:59:59Z");  /* what was done this very second too */
    else if (!kz_active_time_arg(to, t))
        return kz__fail(a, KZ_EINVAL, "to: not a date or time: '%.32s'", to);
    kz_dbval p[] = { kz_dbstr(f), kz_dbstr(t) };
    return view_sql(a, v, 6,
                    "SELECT a.name, a.role, "
                    "(SELECT COUNT(*) FROM decisions d WHERE d.decided_by = a.id "
                    "  AND d.decided_at >= $1 AND d.decided_at < $2), "
                    "(SELECT COUNT(*) FROM decisions d WHERE d.approved_by = a.id "
                    "  AND d.approved_at >= $1 AND d.approved_at < $2), "
                    "(SELECT COUNT(*) FROM appeals p WHERE p.reviewer = a.id "
                    "  AND p.resolved_at >= $1 AND p.resolved_at < $2), "
                    "(SELECT COUNT(*) FROM cases c WHERE c.assigned_to = a.id "
                    "  AND c.state = 'in_review') "
                    "FROM accounts a WHERE a.role IN ('analyst', 'reviewer', 'supervisor') "
                    "AND a.disabled = 0 ORDER BY a.name", p, 2, NULL, NULL);
}

/* ---- platforms, sources, accounts -------------------------------------------- */

static const char *const platform_cols[] = { "name", "kind", "notice_contact",
                                             "legal_representative", "notice_language", "items",
                                             "notices" };

int kz_view_platforms(kz_actor *a, kz_view *v)
{
    view_start(v, platform_cols, KZ_ARRAY_LEN(platform_cols));
    return view_sql(a, v, 7, "SELECT p.name, p.kind, p.notice_contact, p.legal_representative, "
                    "p.notice_language, (SELECT COUNT(*) FROM items i WHERE i.platform_id = p.id), "
                    "(SELECT COUNT(*) FROM notices n WHERE n.platform_id = p.id) "
                    "FROM platforms p ORDER BY p.name", NULL, 0, NULL, NULL);
}

static const char *const source_cols[] = { "name", "created_at", "last_run_at", "recrawl_secs",
                                           "depth", "origins", "queued", "done" };

int kz_view_sources(kz_actor *a, kz_view *v)
{
    view_start(v, source_cols, KZ_ARRAY_LEN(source_cols));
    return view_sql(a, v, 8, "SELECT s.name, s.created_at, s.last_run_at, s.recrawl_secs, s.depth, "
                    "(SELECT COUNT(*) FROM crawl_origins o WHERE o.source_id = s.id), "
                    "(SELECT COUNT(*) FROM crawl_urls u WHERE u.source_id = s.id "
                    "  AND u.state = 'queued'), "
                    "(SELECT COUNT(*) FROM crawl_urls u WHERE u.source_id = s.id "
                    "  AND u.state = 'done') "
                    "FROM crawl_sources s ORDER BY s.name", NULL, 0, NULL, NULL);
}

static const char *const account_cols[] = { "name", "role", "disabled", "created_at",
                                            "created_by", "enrolled_at", "disabled_at", "state" };

int kz_view_accounts(kz_actor *a, kz_view *v)
{
    int rc;
    view_start(v, account_cols, KZ_ARRAY_LEN(account_cols));
    if (a->id != 0 && (rc = kz__need(a, R_ADMIN | R_AUDITOR, "listing the accounts")) != 0)
        return rc;
    return view_sql(a, v, 8, "SELECT a.name, a.role, a.disabled, a.created_at, c.name, "
                    "a.enrolled_at, a.disabled_at, " KZ__ACCOUNT_STATE("a") " FROM accounts a "
                    "LEFT JOIN accounts c ON c.id = a.created_by ORDER BY a.name",
                    NULL, 0, NULL, NULL);
}

/* ---- hash banks ------------------------------------------------------------ */

static const char *const bank_cols[] = { "name", "signal_type", "kind", "threshold", "entries",
                                         "created_at" };

int kz_view_banks(kz_actor *a, kz_view *v)
{
    kz_banks *bk = NULL;
    kz_bank_info *b = NULL;
    size_t n = 0;
    int rc;
    view_start(v, bank_cols, KZ_ARRAY_LEN(bank_cols));
    if ((rc = kz_bank_open(&bk, a->s)) != 0 || (rc = kz_bank_list(bk, &b, &n)) != 0) {
        rc = rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                             : kz__fail(a, rc, "reading the banks: %s", kz_store_errmsg(a->s));
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        char **row = view_row(v, &rc);
        const char *t = kz_bank_type_name(b[i].type) ? kz_bank_type_name(b[i].type) : "?";
        const char *k = b[i].allow ? "allow" : "block";
        if (!row)
            break;
        if ((rc = set_cell(&row[0], b[i].name, strlen(b[i].name))) ||
            (rc = set_cell(&row[1], t, strlen(t))) || (rc = set_cell(&row[2], k, strlen(k))) ||
            (rc = set_int(&row[3], b[i].threshold)) || (rc = set_int(&row[4], b[i].entries)) ||
            (rc = set_cell(&row[5], b[i].created_at, strlen(b[i].created_at))))
            break;
    }
    if (rc == KZ_ENOMEM)
        rc = kz__fail(a, rc, "out of memory");
out:
    free(b);
    kz_bank_close(&bk);
    return rc;
}
