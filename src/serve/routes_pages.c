/*
 * serve/routes_pages.c - the reviewers' web app beyond the queue and the
 * case page: one's own settings, notices, appeals, the blocklist in force,
 * rules with the rule tester, banks, platforms and sources, each person's
 * volume of work; and what the pages share (serve/pages_int.h), a library
 * view written as a table.  The images kept for review are in
 * routes_media.c, the users (admin) in routes_users.c.  Server-rendered
 * through the one HTML writer (serve/html.h); every page works without
 * JavaScript.  The data comes from the library as structs (case/views.h,
 * the scanner and the rule tester of pipeline/scanout.h, held by
 * routes_rules.c).  docs/web.md lists the pages.
 */
#include "serve/pages_int.h"
#include "case/case.h"
#include "case/views.h"
#include "detect/scan.h"
#include "pipeline/scanout.h"
#include <time.h>

/* ---- shared ------------------------------------------------------------------ */

int kz_wp_fail(kz_req *rq, kz_actor *a, int rc)
{
    const char *code = NULL;
    unsigned st = kz_serve_status_of(rc, &code);
    if (st >= 500)
        return rc;                              /* the server answers 500, the log says why */
    return kz_page_error(rq, st, st == 403 ? "Refused" : "Cannot show this",
                         a ? kz_account_errmsg(a) : kz_strerror(rc));
}

void kz_wp_td(kz_html *h, const char *s)
{
    if (s && *s)
        kz_h_f(h, "<td>%s</td>", s);
    else
        kz_h_raw(h, "<td>&#8212;</td>");
}

static void td_time(kz_html *h, const char *iso, int countdown)
{
    kz_h_raw(h, "<td>");
    kz_h_time(h, iso, countdown);
    kz_h_raw(h, "</td>");
}

static void td_num(kz_html *h, int64_t n) { kz_h_f(h, "<td class=\"num\">%lld</td>", (long long)n); }

static void td_case(kz_html *h, int64_t id)
{
    kz_h_f(h, "<td><a href=\"/cases/%lld\">%lld</a></td>", (long long)id, (long long)id);
}

/* A span of seconds as "2 d 3 h", "3 h 5 min", "4 min". */
static void td_span(kz_html *h, int64_t s, const char *cls)
{
    int64_t a = s < 0 ? -s : s, d = a / 86400, hr = a / 3600 % 24, m = a / 60 % 60;
    kz_h_f(h, "<td class=\"num%s%s\">", cls ? " " : "", cls ? cls : "");
    if (d)
        kz_h_f(h, "%lld %s ", (long long)d, kz_h_tr(h, "d"));
    if (d || hr)
        kz_h_f(h, "%lld %s ", (long long)hr, kz_h_tr(h, "h"));
    kz_h_f(h, "%lld %s</td>", (long long)m, kz_h_tr(h, "min"));
}

/* The filter links of a list page: which is current. */
static void filters(kz_html *h, const char *base, const char *const *keys,
                    const char *const *labels, size_t n, const char *cur)
{
    kz_h_f(h, "<nav class=\"filters\" aria-label=\"%s\"><ul>", kz_h_tr(h, "Show"));
    for (size_t i = 0; i < n; i++) {
        kz_h_f(h, "<li><a href=\"%s?show=%s\"", base, keys[i]);
        kz_h_raw(h, !strcmp(cur, keys[i]) ? " aria-current=\"page\">" : ">");
        kz_h_f(h, "%s</a></li>", kz_h_tr(h, labels[i]));
    }
    kz_h_raw(h, "</ul></nav>");
}

static void more_note(kz_html *h, const kz_view *v)
{
    if (v->more)
        kz_h_f(h, "<p class=\"note\">%s</p>", kz_h_tr(h, "Only the first 500 rows are shown."));
}

/* ---- own settings -------------------------------------------------------------- */

static int settings_page(kz_req *rq, unsigned status, const char *err, int saved)
{
    kz_actor *a = kz_req_actor(rq);
    kz_review_settings rs;
    int rc;
    if (!a)
        return KZ_EDB;
    if ((rc = kz_review_settings_get(a, &rs)) != 0)
        return kz_wp_fail(rq, a, rc);
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "My settings", "/settings");
    if (saved)
        kz_h_flash(&h, "ok", kz_h_tr(&h, "Saved."));
    kz_h_form_begin(&h, "/settings");
    kz_h_f(&h, "<fieldset><legend>%s</legend>", kz_h_tr(&h, "Images"));
    kz_h_f(&h, "<p><input type=\"checkbox\" id=\"blur\" name=\"blur\" value=\"1\"%s> "
           "<label class=\"inline\" for=\"blur\">%s</label></p>", rs.blur ? " checked" : "",
           kz_h_tr(&h, "Blur images until I reveal them"));
    kz_h_f(&h, "<p><input type=\"checkbox\" id=\"grey\" name=\"greyscale\" value=\"1\"%s> "
           "<label class=\"inline\" for=\"grey\">%s</label></p></fieldset>",
           rs.greyscale ? " checked" : "", kz_h_tr(&h, "Show images in greyscale"));
    kz_h_f(&h, "<p><label for=\"lang\">%s</label><select id=\"lang\" name=\"lang\">"
           "<option value=\"\"%s>%s</option>", kz_h_tr(&h, "Language"),
           rs.lang[0] ? "" : " selected", kz_h_tr(&h, "As my browser asks"));
    for (int l = 0; l < KZ_LANG_N; l++) {
        const char *code = kz_lang_code((kz_lang)l);
        kz_h_f(&h, "<option value=\"%s\" lang=\"%s\"%s>%s</option>", code, code,
               !strcmp(rs.lang, code) ? " selected" : "", kz_lang_name((kz_lang)l));
    }
    kz_h_raw(&h, "</select></p>");
    kz_h_field_error(&h, err);
    kz_h_f(&h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(&h, "Save"));
    kz_h_f(&h, "<p class=\"help\">%s</p>", kz_h_tr(&h, "Blurring and greyscale protect you from "
           "the material you review; they are on unless you turn them off."));
    return kz_page_send(&h, status);
}

static int settings_get(kz_req *rq)
{
    const char *sv = kz_req_query(rq, "saved");
    return settings_page(rq, 200, NULL, sv && !strcmp(sv, "1"));
}

static int settings_post(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    kz_actor *a = kz_req_actor(rq);
    if (!f)
        return KZ_EINVAL;
    if (!a)
        return KZ_EDB;
    const char *b = kz_form_get(f, "blur"), *g = kz_form_get(f, "greyscale");
    const char *l = kz_form_str(f, "lang");
    kz_review_settings rs;
    rs.blur = b && !strcmp(b, "1");
    rs.greyscale = g && !strcmp(g, "1");
    if (strlen(l) >= sizeof rs.lang)
        return settings_page(rq, 422, kz_tr(kz_req_lang(rq), "Choose one of the languages."), 0);
    snprintf(rs.lang, sizeof rs.lang, "%s", l);
    int rc = kz_review_settings_set(a, &rs);
    if (rc == KZ_EINVAL || rc == KZ_EPERM)
        return settings_page(rq, rc == KZ_EPERM ? 403 : 422, kz_account_errmsg(a), 0);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    if (rs.lang[0]) {                           /* the switch sets the language's cookie */
        char loc[64];
        snprintf(loc, sizeof loc, "/lang/%s?next=/settings%%3Fsaved%%3D1", rs.lang);
        return kz_page_redirect(rq, loc);
    }
    /* the browser's own choice again: forget the switch's cookie */
    kz_resp_header(rq, "Set-Cookie", kz_req_https(rq) ? "lang=; Path=/; Max-Age=0; SameSite=Lax; "
                   "Secure" : "lang=; Path=/; Max-Age=0; SameSite=Lax");
    return kz_page_redirect(rq, "/settings?saved=1");
}

/* ---- pages of views: a kz_view as a table ------------------------------------- */

static void view_cell(kz_html *h, const kz_view *v, size_t r, const kz_wp_col *c)
{
    const char *s = c->col ? kz_view_at(v, r, c->col) : NULL;
    switch (c->kind & VC_KIND) {
    case VC_TEXT: kz_wp_td(h, s); break;
    case VC_TR:   kz_wp_td(h, s ? kz_h_tr(h, s) : NULL); break;
    case VC_CODE:
        if (s)
            kz_h_f(h, "<td><code>%s</code></td>", s);
        else
            kz_wp_td(h, NULL);
        break;
    case VC_NUM:  td_num(h, kz_view_int(v, r, c->col)); break;
    case VC_CASE: td_case(h, kz_view_int(v, r, c->col)); break;
    case VC_TIME: td_time(h, s, 0); break;
    case VC_SPAN:
        if (s)
            td_span(h, kz_view_int(v, r, c->col), NULL);
        else
            kz_wp_td(h, NULL);
        break;
    default:     c->fn(h, v, r); break;
    }
}

void kz_wp_table(kz_html *h, const kz_wp_tab *t, const kz_view *v)
{
    if (t->h2)
        kz_h_f(h, "<h2>%s</h2>", kz_h_tr(h, t->h2));
    if (!v->nrows && t->empty) {
        kz_h_f(h, "<p class=\"note\">%s</p>", kz_h_tr(h, t->empty));
        return;
    }
    kz_h_raw(h, "<table>");
    if (t->caption && t->count)
        kz_h_f(h, "<caption>%s: %zu</caption>", kz_h_tr(h, t->caption), v->nrows);
    else if (t->caption)
        kz_h_f(h, "<caption>%s</caption>", kz_h_tr(h, t->caption));
    kz_h_raw(h, "<thead><tr>");
    for (size_t c = 0; c < t->ncols; c++)
        kz_h_f(h, t->cols[c].kind & VC_HIDDEN_HEAD ? "<th><span class=\"visually-hidden\">%s</span>"
               "</th>" : "<th>%s</th>", kz_h_tr(h, t->cols[c].head));
    kz_h_raw(h, "</tr></thead><tbody>");
    for (size_t r = 0; r < v->nrows; r++) {
        const char *cls = t->row_class ? t->row_class(v, r) : NULL;
        if (cls)
            kz_h_f(h, "<tr class=\"%s\">", cls);
        else
            kz_h_raw(h, "<tr>");
        for (size_t c = 0; c < t->ncols; c++)
            view_cell(h, v, r, &t->cols[c]);
        kz_h_raw(h, "</tr>");
    }
    kz_h_raw(h, "</tbody></table>");
    if (t->note)
        kz_h_f(h, "<p class=\"note\">%s</p>", kz_h_tr(h, t->note));
    more_note(h, v);
}

/* A page of n tables of views: each view read (a refusal or failure: the
 * error page), then the layout, top (filters or a form; may be NULL) and
 * the tables. */
int kz_wp_page(kz_req *rq, const char *title, const char *active,
                     void (*top)(kz_html *h, const void *arg), const void *arg, const kz_wp_tab *t,
                     size_t n)
{
    kz_actor *a = kz_req_actor(rq);
    kz_view v[VIEW_PAGE_MAX];
    int rc = a ? 0 : KZ_EDB;
    if (n > VIEW_PAGE_MAX)
        return KZ_EINTERNAL;
    for (size_t i = 0; i < n; i++)
        kz_view_init(&v[i]);
    for (size_t i = 0; i < n && !rc; i++)
        rc = t[i].fetch(a, arg, &v[i]);
    if (!rc) {
        kz_html h;
        kz_html_init(&h, rq);
        kz_page_begin(&h, title, active);
        if (top)
            top(&h, arg);
        for (size_t i = 0; i < n; i++)
            kz_wp_table(&h, &t[i], &v[i]);
        rc = kz_page_send(&h, 200);
    } else {
        rc = kz_wp_fail(rq, a, rc);
    }
    for (size_t i = 0; i < n; i++)
        kz_view_release(&v[i]);
    return rc;
}

/* ---- notices ------------------------------------------------------------------- */

static const char *const notice_keys[] = { "open", "overdue", "all" };
static const char *const notice_labels[] = { "Open", "Overdue", "All" };

static int notice_open(const kz_view *v, size_t r, int *over)
{
    const char *st = kz_view_at(v, r, "state");
    *over = st && !strcmp(st, "overdue");
    return *over || (st && !strcmp(st, "open"));
}

static const char *notice_class(const kz_view *v, size_t r)
{
    int over;
    notice_open(v, r, &over);
    return over ? "overdue" : NULL;
}

static void notice_deadline(kz_html *h, const kz_view *v, size_t r)
{
    int over;
    td_time(h, kz_view_at(v, r, "deadline"), notice_open(v, r, &over));
}

static void notice_left(kz_html *h, const kz_view *v, size_t r)
{
    int over;
    if (notice_open(v, r, &over))
        td_span(h, kz_view_int(v, r, "seconds_left"), over ? "overdue" : NULL);
    else
        kz_wp_td(h, NULL);
}

static int notices_fetch(kz_actor *a, const void *arg, kz_view *v)
{
    return kz_view_notices(a, *(const int *)arg, v);
}

static void notices_top(kz_html *h, const void *arg)
{
    filters(h, "/notices", notice_keys, notice_labels, 3, notice_keys[*(const int *)arg]);
}

static int notices(kz_req *rq)
{
    static const kz_wp_col cols[] = {
        { "Notice", "id", VC_NUM, NULL }, { "Case", "case_id", VC_CASE, NULL },
        { "Platform", "platform", VC_TEXT, NULL }, { "Category", "category", VC_TEXT, NULL },
        { "Sent", "sent_at", VC_TIME, NULL }, { "Deadline", NULL, VC_FN, notice_deadline },
        { "Time left", NULL, VC_FN, notice_left }, { "State", "state", VC_TR, NULL },
    };
    static const kz_wp_tab t = { notices_fetch, NULL, "Notices, the nearest deadline first", 0,
                            "No notices here.", cols, KZ_ARRAY_LEN(cols), notice_class, NULL };
    const char *show = kz_req_query(rq, "show");
    int which = KZ_VIEW_NOTICES_OPEN;
    for (int i = 0; show && i < 3; i++)
        if (!strcmp(show, notice_keys[i]))
            which = i;
    return kz_wp_page(rq, "Notices", "/notices", notices_top, &which, &t, 1);
}

/* ---- appeals ------------------------------------------------------------------- */

static const char *const appeal_keys[] = { "waiting", "all" };
static const char *const appeal_labels[] = { "Waiting", "All" };

static int appeals_fetch(kz_actor *a, const void *arg, kz_view *v)
{
    return kz_view_appeals(a, !*(const int *)arg, v);
}

static void appeals_top(kz_html *h, const void *arg)
{
    filters(h, "/appeals", appeal_keys, appeal_labels, 2, appeal_keys[*(const int *)arg]);
    if (kz_serve_role_bit(kz_req_role(h->rq)) & KZ_ROLES_WORK)
        kz_h_f(h, "<p><a href=\"/appeals/new\">%s</a></p>", kz_h_tr(h, "File an appeal"));
}

static int appeals(kz_req *rq)
{
    static const kz_wp_col cols[] = {
        { "Appeal", "id", VC_NUM, NULL }, { "Case", "case_id", VC_CASE, NULL },
        { "Measure", "measure", VC_TR, NULL }, { "Filed by", "filed_by", VC_TR, NULL },
        { "Grounds", "grounds", VC_TEXT, NULL }, { "Filed", "filed_at", VC_TIME, NULL },
        { "Waiting", "waiting_seconds", VC_SPAN, NULL }, { "Outcome", "outcome", VC_TR, NULL },
        { "Resolved by", "reviewer", VC_TEXT, NULL },
    };
    static const kz_wp_tab t = { appeals_fetch, NULL, "Appeals, the oldest first", 0,
                            "No appeals here.", cols, KZ_ARRAY_LEN(cols), NULL, NULL };
    const char *show = kz_req_query(rq, "show");
    int all = show && !strcmp(show, "all");
    return kz_wp_page(rq, "Appeals", "/appeals", appeals_top, &all, &t, 1);
}

/* ---- filing an appeal ------------------------------------------------------------ */

/* The appeal form: the case number, who appeals, the grounds (as typed,
 * when shown again with the library's refusal err). */
static int appeal_form(kz_req *rq, unsigned status, const char *case_id, const char *by,
                       const char *grounds, const char *err)
{
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "File an appeal", "/appeals");
    kz_h_f(&h, "<p class=\"help\">%s</p>", kz_h_tr(&h, "Record an appeal that the content's "
           "owner or the platform sent in. A reviewer or supervisor who took no part in the "
           "decision resolves it on the case page."));
    kz_h_form_begin(&h, "/appeals");
    kz_h_f(&h, "<p><label for=\"case\">%s</label><input type=\"number\" id=\"case\" "
           "name=\"case\" required min=\"1\" step=\"1\" inputmode=\"numeric\" value=\"%s\">"
           "</p>", kz_h_tr(&h, "Case number"), case_id ? case_id : "");
    kz_h_f(&h, "<fieldset><legend>%s</legend>", kz_h_tr(&h, "Who appeals"));
    const char *who;
    for (size_t i = 0; (who = kz_case_appellant(i)) != NULL; i++)
        kz_h_f(&h, "<p><input type=\"radio\" id=\"by_%s\" name=\"by\" value=\"%s\"%s%s> "
               "<label class=\"inline\" for=\"by_%s\">%s</label></p>", who, who,
               i ? "" : " required", (by ? !strcmp(by, who) : !i) ? " checked" : "", who,
               kz_h_tr(&h, who));
    kz_h_raw(&h, "</fieldset>");
    kz_h_f(&h, "<p><label for=\"grounds\">%s</label><textarea id=\"grounds\" name=\"grounds\" "
           "required maxlength=\"65536\">%s</textarea></p>", kz_h_tr(&h, "Grounds"),
           grounds ? grounds : "");
    kz_h_field_error(&h, err);
    kz_h_f(&h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(&h, "File the appeal"));
    return kz_page_send(&h, status);
}

/* GET /appeals/new[?case=N] */
static int appeal_new(kz_req *rq)
{
    static const char *const q[] = { "case", NULL };
    int rc = kz_req_query_check(rq, q);
    return rc ? rc : appeal_form(rq, 200, kz_req_query(rq, "case"), NULL, NULL, NULL);
}

/* POST /appeals: case, by, grounds -> kz_case_appeal (as POST
 * /api/v1/cases/{id}/appeal), then the case page; a refusal shows the
 * form again with the library's reason. */
static int appeal_file(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    kz_actor *a = kz_req_actor(rq);
    if (!f)
        return KZ_EINVAL;
    if (!a)
        return KZ_EDB;
    const char *cs = kz_form_str(f, "case"), *by = kz_form_str(f, "by");
    const char *grounds = kz_form_str(f, "grounds");
    int64_t id = 0;
    if (kz_parse_int(cs, 1, INT64_MAX, &id) != 0)
        return appeal_form(rq, 422, cs, by, grounds,
                           kz_tr(kz_req_lang(rq), "Give the number of the case."));
    int64_t aid = 0;
    int rc = kz_case_appeal(a, id, by, grounds, &aid);
    if (rc == KZ_EINVAL || rc == KZ_EPERM || rc == KZ_ESTATE || rc == KZ_ENOTFOUND)
        return appeal_form(rq, kz_serve_status_of(rc, NULL), cs, by, grounds,
                           kz_account_errmsg(a));
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    char loc[48];
    snprintf(loc, sizeof loc, "/cases/%lld", (long long)id);
    return kz_page_redirect(rq, loc);
}

/* ---- the blocklist in force ------------------------------------------------------ */

static void block_until(kz_html *h, const kz_view *v, size_t r)
{
    const char *until = kz_view_at(v, r, "until");
    if (until)
        td_time(h, until, 0);
    else
        kz_h_f(h, "<td>%s</td>", kz_h_tr(h, "no end"));
}

static int blocklist_fetch(kz_actor *a, const void *arg, kz_view *v)
{
    return kz_view_blocklist(a, arg, v);
}

static void blocklist_top(kz_html *h, const void *arg)
{
    const char *at = arg;
    kz_h_f(h, "<form method=\"get\" action=\"/blocklist\" class=\"inline\"><label for=\"at\">%s"
           "</label><input type=\"date\" id=\"at\" name=\"at\" value=\"%.10s\"> "
           "<button type=\"submit\" class=\"secondary\">%s</button></form>",
           kz_h_tr(h, "In force on"), at ? at : "", kz_h_tr(h, "Show"));
}

static int blocklist(kz_req *rq)
{
    static const kz_wp_col cols[] = {
        { "What", "target", VC_CODE, NULL }, { "Measure", "measure", VC_TR, NULL },
        { "Since", "since", VC_TIME, NULL }, { "Until", NULL, VC_FN, block_until },
        { "Decision", "decision_id", VC_NUM, NULL }, { "Case", "case_id", VC_CASE, NULL },
        { "Decided by", "decided_by", VC_TEXT, NULL }, { "Approved by", "approved_by", VC_TEXT, NULL },
        { "Scope", "scope", VC_TEXT, NULL },
    };
    static const kz_wp_tab t = { blocklist_fetch, NULL, "Entries", 1, "Nothing is blocked.", cols,
                            KZ_ARRAY_LEN(cols), NULL, NULL };
    const char *at = kz_req_query(rq, "at");
    if (at && !*at)
        at = NULL;
    return kz_wp_page(rq, "Blocklist in force", "/blocklist", blocklist_top, at, &t, 1);
}

/* ---- rules and the rule tester -------------------------------------------------- */

static int may_test(kz_req *rq)
{
    return (kz_serve_role_bit(kz_req_role(rq)) & (KZ_ROLES_WORK | KZ_ROLE_ADMIN)) != 0;
}

/* The tester's form, with text, and its result (the library's rule
 * tester, as POST /api/v1/rules/test computes it) when there is one. */
static void tester(kz_html *h, const char *text, const kz_ruletest *res, const char *err)
{
    kz_h_f(h, "<h2 id=\"test\">%s</h2>", kz_h_tr(h, "Try the rules on a text"));
    kz_h_form_begin(h, "/rules/test");
    kz_h_f(h, "<p><label for=\"text\">%s</label><textarea id=\"text\" name=\"text\" required "
           "maxlength=\"65536\">%s</textarea></p>", kz_h_tr(h, "Text"), text ? text : "");
    kz_h_field_error(h, err);
    kz_h_f(h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(h, "Test"));
    if (!res)
        return;
    kz_h_f(h, "<section aria-labelledby=\"res\"><h2 id=\"res\">%s</h2>", kz_h_tr(h, "Result"));
    kz_h_f(h, "<h3>%s</h3><div class=\"text\">%.*s</div>", kz_h_tr(h, "Normalized form"),
           (int)res->normalized_len, res->normalized ? res->normalized : "");
    kz_h_f(h, "<p>%s: ", kz_h_tr(h, "Flagged"));
    if (!res->nflagged)
        kz_h_t(h, "none");
    for (size_t i = 0; i < res->nflagged; i++)
        kz_h_f(h, "%s<strong>%s</strong>", i ? ", " : "", res->flagged[i]);
    kz_h_raw(h, "</p>");
    if (!res->nhits) {
        kz_h_f(h, "<p class=\"note\">%s</p></section>", kz_h_tr(h, "No rule matched."));
        return;
    }
    kz_h_f(h, "<table class=\"hits\"><caption>%s</caption><thead><tr><th>%s</th><th>%s</th>"
           "<th>%s</th><th>%s</th></tr></thead><tbody>", kz_h_tr(h, "Hits"), kz_h_tr(h, "Rule"),
           kz_h_tr(h, "Category"), kz_h_tr(h, "Matched text"), kz_h_tr(h, "Bytes"));
    for (size_t i = 0; i < res->nhits; i++) {
        const kz_ruletest_hit *x = &res->hits[i];
        kz_h_f(h, "<tr><td><code>%s</code></td><td>%s</td><td><mark>%.*s</mark></td>"
               "<td class=\"num\">%zu&#8211;%zu</td></tr>", x->rule, x->category,
               (int)(x->end - x->start), res->text + x->start, x->start, x->end);
    }
    kz_h_raw(h, "</tbody></table></section>");
}

static int rules_page(kz_req *rq, const kz_scanner *sc, unsigned status, const char *text,
                      const kz_ruletest *res, const char *err)
{
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Rules", "/rules");
    if (!sc) {
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No rules: none published in the "
               "database (kuzet rules publish) and the server was not given --rules FILE."));
        return kz_page_send(&h, 200);
    }
    kz_h_f(&h, "<table><caption>%s</caption><thead><tr><th>%s</th><th>%s</th></tr></thead><tbody>",
           kz_h_tr(&h, "Categories"), kz_h_tr(&h, "Category"), kz_h_tr(&h, "Threshold"));
    for (size_t i = 0; i < kz_scanner_ncats(sc); i++)
        kz_h_f(&h, "<tr><td>%s</td><td class=\"num\">%d</td></tr>", kz_scanner_cat_name(sc, i),
               kz_scanner_cat_threshold(sc, i));
    kz_h_raw(&h, "</tbody></table>");
    if (may_test(rq))
        tester(&h, text, res, err);
    size_t nr = kz_scanner_nrules(sc);
    kz_h_f(&h, "<details><summary>%s: %zu</summary><table><thead><tr><th>%s</th><th>%s</th>"
           "<th>%s</th></tr></thead><tbody>", kz_h_tr(&h, "Rules"), nr, kz_h_tr(&h, "Rule"),
           kz_h_tr(&h, "Category"), kz_h_tr(&h, "Weight"));
    for (size_t i = 0; i < nr && i < 1000; i++)
        kz_h_f(&h, "<tr><td><code>%s</code></td><td>%s</td><td class=\"num\">%d</td></tr>",
               kz_scanner_rule_id(sc, i), kz_scanner_cat_name(sc, kz_scanner_rule_cat(sc, i)),
               kz_scanner_rule_weight(sc, i));
    kz_h_raw(&h, "</tbody></table></details>");
    return kz_page_send(&h, status);
}

static int rules_get(kz_req *rq)
{
    const kz_scanner *sc = kz_serve_rules_get(rq);
    int rc = rules_page(rq, sc, 200, NULL, NULL, NULL);
    kz_serve_rules_put(sc);
    return rc;
}

/* The page and the test with one scanner, held until both are done. */
static int rules_test_with(kz_req *rq, const kz_scanner *sc, const char *text)
{
    if (!*text)
        return rules_page(rq, sc, 422, text, NULL, kz_tr(kz_req_lang(rq), "Write a text to test."));
    kz_ruletest res;
    int rc = kz_serve_rules_test(sc, text, strlen(text), &res);
    if (rc == KZ_ENOTFOUND)
        return rules_page(rq, sc, 404, text, NULL, NULL);
    if (rc == KZ_ETOOBIG)
        return rules_page(rq, sc, 413, text, NULL, kz_tr(kz_req_lang(rq), "The text is too long."));
    if (rc)
        return rc;
    rc = rules_page(rq, sc, 200, text, &res, NULL);
    kz_ruletest_release(&res);
    return rc;
}

static int rules_test(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    const kz_scanner *sc = kz_serve_rules_get(rq);
    int rc = rules_test_with(rq, sc, kz_form_str(f, "text"));
    kz_serve_rules_put(sc);
    return rc;
}

/* ---- banks, platforms and sources ------------------------------------------------ */

static int banks_fetch(kz_actor *a, const void *arg, kz_view *v) { return kz_view_banks(a, v); }

static int banks(kz_req *rq)
{
    static const kz_wp_col cols[] = {
        { "Bank", "name", VC_TEXT, NULL }, { "Signal", "signal_type", VC_TEXT, NULL },
        { "Kind", "kind", VC_TR, NULL }, { "Threshold", "threshold", VC_NUM, NULL },
        { "Entries", "entries", VC_NUM, NULL }, { "Created", "created_at", VC_TIME, NULL },
    };
    static const kz_wp_tab t = { banks_fetch, NULL, NULL, 0, "No banks yet.", cols,
                            KZ_ARRAY_LEN(cols), NULL, NULL };
    return kz_wp_page(rq, "Hash banks", "/banks", NULL, NULL, &t, 1);
}

static int platforms_fetch(kz_actor *a, const void *arg, kz_view *v)
{
    return kz_view_platforms(a, v);
}

static int sources_fetch(kz_actor *a, const void *arg, kz_view *v) { return kz_view_sources(a, v); }

static int platforms(kz_req *rq)
{
    static const kz_wp_col pcols[] = {
        { "Name", "name", VC_TEXT, NULL }, { "Kind", "kind", VC_TEXT, NULL },
        { "Notice contact", "notice_contact", VC_TEXT, NULL },
        { "Legal representative", "legal_representative", VC_TEXT, NULL },
        { "Notice language", "notice_language", VC_TEXT, NULL },
        { "Items", "items", VC_NUM, NULL }, { "Notices", "notices", VC_NUM, NULL },
    };
    static const kz_wp_col scols[] = {
        { "Name", "name", VC_TEXT, NULL }, { "Created", "created_at", VC_TIME, NULL },
        { "Last run", "last_run_at", VC_TIME, NULL }, { "Depth", "depth", VC_TEXT, NULL },
        { "Origins", "origins", VC_NUM, NULL }, { "Queued", "queued", VC_NUM, NULL },
        { "Fetched", "done", VC_NUM, NULL },
    };
    static const kz_wp_tab t[] = {
        { platforms_fetch, "Platforms", NULL, 0, "No platforms yet.", pcols,
          KZ_ARRAY_LEN(pcols), NULL, NULL },
        { sources_fetch, "Crawl sources", NULL, 0, "No crawl sources yet.", scols,
          KZ_ARRAY_LEN(scols), NULL, NULL },
    };
    return kz_wp_page(rq, "Platforms and sources", "/platforms", NULL, NULL, t, 2);
}

/* ---- each person's volume of work -------------------------------------------------- */

typedef struct period { const char *from, *to; } period;

static int volume_fetch(kz_actor *a, const void *arg, kz_view *v)
{
    const period *p = arg;
    return kz_view_volume(a, p->from, p->to, v);
}

static void volume_top(kz_html *h, const void *arg)
{
    const period *p = arg;
    kz_h_f(h, "<form method=\"get\" action=\"/volume\"><p><label for=\"from\">%s</label>"
           "<input type=\"date\" id=\"from\" name=\"from\" value=\"%.10s\"></p><p><label "
           "for=\"to\">%s</label><input type=\"date\" id=\"to\" name=\"to\" value=\"%.10s\">"
           "</p><p><button type=\"submit\" class=\"secondary\">%s</button></p></form>",
           kz_h_tr(h, "From"), p->from, kz_h_tr(h, "To (not included; empty: now)"),
           p->to ? p->to : "", kz_h_tr(h, "Show"));
}

/* GET /volume?from=YYYY-MM-DD&to=YYYY-MM-DD: what each analyst, reviewer
 * and supervisor did in the period (default: the last 7 days), so that a
 * supervisor can share the work out. */
static int volume(kz_req *rq)
{
    static const kz_wp_col cols[] = {
        { "Name", "account", VC_TEXT, NULL }, { "Role", "role", VC_TR, NULL },
        { "Cases decided", "decided", VC_NUM, NULL }, { "Blocks approved", "approved", VC_NUM, NULL },
        { "Appeals resolved", "appeals", VC_NUM, NULL }, { "In review now", "in_review", VC_NUM, NULL },
    };
    static const kz_wp_tab t = { volume_fetch, NULL, NULL, 0, NULL, cols, KZ_ARRAY_LEN(cols), NULL,
                            "Items viewed are not recorded." };
    period p = { kz_req_query(rq, "from"), kz_req_query(rq, "to") };
    char f7[11];
    if (p.from && !*p.from)
        p.from = NULL;
    if (p.to && !*p.to)
        p.to = NULL;
    if (!p.from) {                      /* the library's default, shown in the form */
        kz_view_volume_from(kz_req_actor(rq), f7);
        p.from = f7;
    }
    return kz_wp_page(rq, "Volume of work", "/volume", volume_top, &p, &t, 1);
}

/* ---- the table ---------------------------------------------------------------------- */

static const kz_route routes[] = {
    { "GET", "/settings", KZ_ROLES_STAFF, settings_get, PAGE, 0 },
    { "POST", "/settings", KZ_ROLES_STAFF, settings_post, PAGE, 8192 },
    { "GET", "/notices", KZ_ROLES_STAFF, notices, PAGE, 0 },
    { "GET", "/appeals", KZ_ROLES_STAFF, appeals, PAGE, 0 },
    { "GET", "/appeals/new", KZ_ROLES_WORK, appeal_new, PAGE, 0 },
    { "POST", "/appeals", KZ_ROLES_WORK, appeal_file, PAGE, 1 << 17 },
    { "GET", "/blocklist", KZ_ROLES_STAFF, blocklist, PAGE, 0 },
    { "GET", "/rules", KZ_ROLES_STAFF, rules_get, PAGE, 0 },
    { "POST", "/rules/test", KZ_ROLES_WORK | KZ_ROLE_ADMIN, rules_test, PAGE, 1 << 20 },
    { "GET", "/banks", KZ_ROLES_STAFF, banks, PAGE, 0 },
    { "GET", "/platforms", KZ_ROLES_STAFF, platforms, PAGE, 0 },
    { "GET", "/volume", KZ_ROLE_SUPERVISOR | KZ_ROLE_AUDITOR | KZ_ROLE_ADMIN, volume, PAGE, 0 },
};

const kz_route_table kz_routes_pages = { "pages", routes, KZ_ARRAY_LEN(routes) };

/* ---- the pages' messages (serve/i18n.h): { en, ru, kk } -------------------------- */

static const kz_msg msgs[] = {
    { "Refused", "Отказано", "Бас тартылды" },
    { "Cannot show this", "Невозможно показать", "Көрсету мүмкін емес" },
    { "d", "д", "күн" },
    { "h", "ч", "сағ" },
    { "min", "мин", "мин" },
    { "Show", "Показать", "Көрсету" },
    { "Only the first 500 rows are shown.", "Показаны только первые 500 строк.",
      "Тек алғашқы 500 жол көрсетілген." },
    { "My settings", "Мои настройки", "Менің баптауларым" },
    { "Saved.", "Сохранено.", "Сақталды." },
    { "Blur images until I reveal them", "Размывать изображения, пока я их не открою",
      "Мен ашқанша суреттерді бұлыңғыр көрсету" },
    { "Show images in greyscale", "Показывать изображения в оттенках серого",
      "Суреттерді сұр түсте көрсету" },
    { "As my browser asks", "Как просит мой браузер", "Браузерім сұрағандай" },
    { "Blurring and greyscale protect you from the material you review; they are on unless you "
      "turn them off.",
      "Размытие и оттенки серого защищают вас от проверяемых материалов; они включены, пока вы "
      "их не выключите.",
      "Бұлыңғырлық пен сұр түс сізді тексеретін материалдан қорғайды; оларды өшірмесеңіз, "
      "қосулы тұрады." },
    { "Choose one of the languages.", "Выберите один из языков.", "Тілдердің бірін таңдаңыз." },
    { "Open", "Открытые", "Ашық" },
    { "Overdue", "Просроченные", "Мерзімі өткен" },
    { "All", "Все", "Барлығы" },
    { "No notices here.", "Уведомлений нет.", "Хабарламалар жоқ." },
    { "Notices, the nearest deadline first", "Уведомления, ближайший срок первым",
      "Хабарламалар, ең жақын мерзім бірінші" },
    { "Notice", "Уведомление", "Хабарлама" },
    { "Sent", "Отправлено", "Жіберілді" },
    { "Time left", "Осталось", "Қалған уақыт" },
    { "open", "открыто", "ашық" },
    { "complied", "исполнено", "орындалды" },
    { "Waiting", "Ожидают", "Күтуде" },
    { "No appeals here.", "Обжалований нет.", "Шағымдар жоқ." },
    { "Appeals, the oldest first", "Обжалования, самое старое первым",
      "Шағымдар, ең ескісі бірінші" },
    { "Appeal", "Обжалование", "Шағым" },
    { "Filed by", "Подано", "Берген" },
    { "Resolved by", "Рассмотрел", "Қараған" },
    { "content_owner", "владелец материала", "материал иесі" },
    { "platform", "платформа", "платформа" },
    { "File an appeal", "Подать обжалование", "Шағым беру" },
    { "File the appeal", "Подать обжалование", "Шағымды беру" },
    { "Record an appeal that the content's owner or the platform sent in. A reviewer or "
      "supervisor who took no part in the decision resolves it on the case page.",
      "Зарегистрируйте обжалование, присланное владельцем материала или платформой. Его "
      "рассматривает на странице дела проверяющий или руководитель, не участвовавший в решении.",
      "Материал иесі немесе платформа жіберген шағымды тіркеңіз. Оны шешімге қатыспаған "
      "тексеруші немесе жетекші іс бетінде қарайды." },
    { "Case number", "Номер дела", "Іс нөмірі" },
    { "Who appeals", "Кто обжалует", "Кім шағымданады" },
    { "Give the number of the case.", "Укажите номер дела.", "Іс нөмірін көрсетіңіз." },
    { "Blocklist in force", "Действующий список блокировок", "Қолданыстағы бұғаттау тізімі" },
    { "In force on", "Действует на дату", "Күніне қолданыста" },
    { "Nothing is blocked.", "Ничего не заблокировано.", "Ештеңе бұғатталмаған." },
    { "Entries", "Записи", "Жазбалар" },
    { "What", "Что", "Не" },
    { "Since", "С", "Бастап" },
    { "Until", "До", "Дейін" },
    { "no end", "бессрочно", "мерзімсіз" },
    { "Decided by", "Решил", "Шешкен" },
    { "Approved by", "Утвердил", "Бекіткен" },
    { "Scope", "Территория", "Аумақ" },
    { "Try the rules on a text", "Проверить правила на тексте", "Ережелерді мәтінде тексеру" },
    { "Text", "Текст", "Мәтін" },
    { "Test", "Проверить", "Тексеру" },
    { "Result", "Результат", "Нәтиже" },
    { "Flagged", "Отмечено", "Белгіленді" },
    { "none", "нет", "жоқ" },
    { "No rule matched.", "Ни одно правило не сработало.", "Бірде-бір ереже сәйкес келмеді." },
    { "Hits", "Совпадения", "Сәйкестіктер" },
    { "Matched text", "Совпавший текст", "Сәйкес мәтін" },
    { "Bytes", "Байты", "Байттар" },
    { "No rules: none published in the database (kuzet rules publish) and the server was not "
      "given --rules FILE.",
      "Правил нет: в базе не опубликовано ни одной версии (kuzet rules publish), и сервер "
      "запущен без --rules FILE.",
      "Ережелер жоқ: дерекқорда бірде-бір нұсқа жарияланбаған (kuzet rules publish), ал сервер "
      "--rules FILE берілмей іске қосылған." },
    { "Categories", "Категории", "Санаттар" },
    { "Threshold", "Порог", "Шек" },
    { "Weight", "Вес", "Салмақ" },
    { "Write a text to test.", "Введите текст для проверки.", "Тексеру үшін мәтін жазыңыз." },
    { "The text is too long.", "Текст слишком длинный.", "Мәтін тым ұзын." },
    { "Hash banks", "Банки хешей", "Хэш банктері" },
    { "No banks yet.", "Банков пока нет.", "Әзірге банктер жоқ." },
    { "Bank", "Банк", "Банк" },
    { "Signal", "Сигнал", "Сигнал" },
    { "Kind", "Вид", "Түрі" },
    { "Created", "Создан", "Құрылған" },
    { "allow", "разрешающий", "рұқсат беретін" },
    { "block", "блокирующий", "бұғаттайтын" },
    { "Platforms and sources", "Платформы и источники", "Платформалар мен көздер" },
    { "No platforms yet.", "Платформ пока нет.", "Әзірге платформалар жоқ." },
    { "Notice contact", "Контакт для уведомлений", "Хабарлама байланысы" },
    { "Legal representative", "Юридический представитель", "Заңды өкіл" },
    { "Notice language", "Язык уведомлений", "Хабарлама тілі" },
    { "Crawl sources", "Источники обхода", "Шолу көздері" },
    { "No crawl sources yet.", "Источников обхода пока нет.", "Әзірге шолу көздері жоқ." },
    { "Last run", "Последний запуск", "Соңғы іске қосу" },
    { "Depth", "Глубина", "Тереңдік" },
    { "Origins", "Сайты", "Сайттар" },
    { "Queued", "В очереди", "Кезекте" },
    { "Fetched", "Загружено", "Жүктелді" },
    { "active", "активна", "белсенді" },
    { "Volume of work", "Объём работы", "Жұмыс көлемі" },
    { "From", "С", "Бастап" },
    { "To (not included; empty: now)", "По (не включая; пусто — сейчас)",
      "Дейін (қоспағанда; бос — қазір)" },
    { "Cases decided", "Решено дел", "Шешілген істер" },
    { "Blocks approved", "Утверждено блокировок", "Бекітілген бұғаттаулар" },
    { "Appeals resolved", "Рассмотрено обжалований", "Қаралған шағымдар" },
    { "In review now", "Сейчас на проверке", "Қазір тексеруде" },
    { "Items viewed are not recorded.", "Просмотры материалов не записываются.",
      "Материалдарды қарау жазылмайды." },
};

const kz_msg_table kz_i18n_pages = { msgs, KZ_ARRAY_LEN(msgs) };
