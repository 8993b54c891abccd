/*
 * serve/routes_review.c - the reviewers' pages: the dashboard, the review
 * queue, and the case page with its evidence, history and decision forms.
 * The figures, the queue's order, the holds, the text with its marks and
 * the history are the library's (case/review.h, case/queue.h,
 * case/case.h), handed over as structs; these handlers read a form, call
 * it, and write the page (serve/html.h).
 */
#include "serve/routes.h"
#include "serve/html.h"
#include "serve/server_int.h"
#include "case/case.h"
#include "case/queue.h"
#include "case/review.h"
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#define PAGE      KZ_ROUTE_HTML
#define STAFF     KZ_ROLES_STAFF
#define DECIDERS  (KZ_ROLE_REVIEWER | KZ_ROLE_SUPERVISOR)

/* A page is at most 100 KB (KZ_PAGE_MAX): the text gets about 32 KB of
 * it once escaped, its normalized form 12 KB, and the tables stop short
 * of the bound, saying so. */
#define TEXT_SHOWN  (32 * 1024)             /* bytes of the text, escaped, on the page */
#define PAGE_SOFT   (KZ_PAGE_MAX - 12 * 1024)   /* tables stop here */
#define HISTORY_MAX 80                      /* audit entries shown (the latest) */

/* ---- the dashboard ------------------------------------------------------- */

/* Flagged items per day as an SVG bar chart, drawn here: no script, no
 * library, readable without colour (each bar has its figure). */
static void day_chart(kz_html *h, const kz_dashboard *d)
{
    int64_t max = 1;
    for (int i = 0; i < KZ_DASH_DAYS; i++)
        if (d->days[i].items > max)
            max = d->days[i].items;
    const int W = 36, H = 120, top = 16;
    kz_h_f(h, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
           "aria-labelledby=\"chart-title\"><title id=\"chart-title\">%s</title>",
           W * KZ_DASH_DAYS, H + top + 18, W * KZ_DASH_DAYS, H + top + 18,
           kz_h_tr(h, "Flagged items per day"));
    for (int i = 0; i < KZ_DASH_DAYS; i++) {
        int bh = (int)(d->days[i].items * H / max);
        kz_h_f(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%s: %lld</title></rect>"
               "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%lld</text>"
               "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
               i * W + 4, top + H - bh, W - 8, bh, d->days[i].day, (long long)d->days[i].items,
               i * W + W / 2, top + H - bh - 3, (long long)d->days[i].items, i * W + W / 2,
               top + H + 14, d->days[i].day + 5);
    }
    kz_h_raw(h, "</svg>");
}

static void case_link(kz_html *h, int64_t id)
{
    kz_h_f(h, "<a href=\"/cases/%lld\">%lld</a>", (long long)id, (long long)id);
}

/* The figures are the process's, at most a second old (case/review.h):
 * computed a few times a second however many people look, by the
 * library's thread on a store handle of its own while anyone looked at
 * them in the last minute, so that no request waits for them.  Started
 * before the daemon takes requests, stopped after it has stopped
 * (server.c). */
#define DASH_MAX_MS 1000
static kz_dash_cache *dash_cache;
static kz_dash_feed *dash_feed;

int kz__review_setup(const char *db, char *err, size_t errsz)
{
    if (!(dash_cache = kz_dash_cache_new(DASH_MAX_MS))) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    int rc = kz_dash_feed_start(&dash_feed, dash_cache, db, 60 * 1000);
    if (rc) {
        snprintf(err, errsz, "%s", kz_dash_feed_errmsg(dash_feed));
        kz_dash_feed_stop(&dash_feed);
        kz_dash_cache_free(&dash_cache);
    }
    return rc;
}

void kz__review_release(void)
{
    kz_dash_feed_stop(&dash_feed);
    kz_dash_cache_free(&dash_cache);
}

static int dashboard(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    kz_dashboard *d = calloc(1, sizeof *d);
    if (!d)
        return kz_resp_fail(rq, KZ_ENOMEM, NULL);
    int rc = dash_cache ? kz_dash_cache_get(dash_cache, a, d) : kz_case_dashboard(a, d);
    if (rc) {
        free(d);
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Dashboard", "/dashboard");
    kz_h_raw(&h, "<div class=\"cards\">");
    /* open cases */
    kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, "Open cases by category and age"));
    if (!d->ncats) {
        kz_h_f(&h, "<p>%s</p>", kz_h_tr(&h, "Nothing here."));
    } else {
        kz_h_f(&h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
               "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
               "<th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
               kz_h_tr(&h, "Category"), kz_h_tr(&h, "under 1 day"), kz_h_tr(&h, "1-7 days"),
               kz_h_tr(&h, "over 7 days"), kz_h_tr(&h, "Total"));
        for (size_t i = 0; i < d->ncats; i++) {
            const kz_dash_cat *c = &d->cats[i];
            kz_h_f(&h, "<tr><th scope=\"row\">%s</th><td class=\"num\">%lld</td><td class=\"num\">"
                   "%lld</td><td class=\"num%s\">%lld</td><td class=\"num\">%lld</td></tr>",
                   c->category, (long long)c->young, (long long)c->mid, c->old ? " overdue" : "",
                   (long long)c->old, (long long)(c->young + c->mid + c->old));
        }
        kz_h_raw(&h, "</tbody></table>");
    }
    kz_h_raw(&h, "</section>");
    /* notices */
    kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, "Notices near or past their deadline"));
    if (!d->nnotices) {
        kz_h_f(&h, "<p>%s</p>", kz_h_tr(&h, "Nothing here."));
    } else {
        kz_h_f(&h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "<th scope=\"col\">%s</th></tr></thead><tbody>", kz_h_tr(&h, "Case"),
               kz_h_tr(&h, "Platform"), kz_h_tr(&h, "Deadline"));
        for (size_t i = 0; i < d->nnotices; i++) {
            const kz_dash_notice *n = &d->notices[i];
            kz_h_raw(&h, "<tr><td>");
            case_link(&h, n->case_id);
            kz_h_f(&h, "</td><td>%s</td>", n->platform);
            kz_h_raw(&h, n->overdue ? "<td class=\"overdue\">" : "<td>");
            kz_h_time(&h, n->deadline, 1);
            if (n->overdue)
                kz_h_f(&h, " (%s)", kz_h_tr(&h, "overdue"));
            kz_h_raw(&h, "</td></tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
    }
    kz_h_raw(&h, "</section>");
    /* appeals, blocks */
    for (int k = 0; k < 2; k++) {
        const kz_dash_wait *w = k ? d->blocks : d->appeals;
        size_t n = k ? d->nblocks : d->nappeals;
        kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, k ? "Blocks waiting for a second person"
                                                         : "Appeals waiting"));
        if (!n) {
            kz_h_f(&h, "<p>%s</p></section>", kz_h_tr(&h, "Nothing here."));
            continue;
        }
        kz_h_f(&h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
               kz_h_tr(&h, "Case"), kz_h_tr(&h, "Category"),
               kz_h_tr(&h, k ? "Measure" : "By"), kz_h_tr(&h, k ? "Proposed by" : "Filed"));
        for (size_t i = 0; i < n; i++) {
            kz_h_raw(&h, "<tr><td>");
            case_link(&h, w[i].case_id);
            kz_h_f(&h, "</td><td>%s</td><td>%s</td><td>", w[i].category, kz_h_tr(&h, w[i].what));
            if (k)
                kz_h_f(&h, "%s, ", w[i].who);
            kz_h_time(&h, w[i].at, 0);
            kz_h_raw(&h, "</td></tr>");
        }
        kz_h_raw(&h, "</tbody></table></section>");
    }
    /* per day */
    kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, "Flagged items per day"));
    day_chart(&h, d);
    kz_h_raw(&h, "</section>");
    /* each reviewer's volume */
    kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, "Each reviewer's volume"));
    kz_h_f(&h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
           "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr>"
           "</thead><tbody>", kz_h_tr(&h, "Name"), kz_h_tr(&h, "In review"),
           kz_h_tr(&h, "Decided (7 days)"), kz_h_tr(&h, "Held now"));
    for (size_t i = 0; i < d->npeople; i++) {
        const kz_dash_person *p = &d->people[i];
        kz_h_f(&h, "<tr><th scope=\"row\">%s <span class=\"note\">(%s)</span></th>"
               "<td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
               "</tr>", p->name, kz_h_tr(&h, p->role), (long long)p->in_review,
               (long long)p->decided7, (long long)p->held);
    }
    kz_h_raw(&h, "</tbody></table></section></div>");
    free(d);
    return kz_page_send(&h, 200);
}

/* ---- the list of cases -------------------------------------------------- */

static int cases_page(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    const char *state = kz_req_query(rq, "state"), *cat = kz_req_query(rq, "category");
    const char *bs = kz_req_query(rq, "before");
    int64_t before = 0;
    if (state && !*state)
        state = NULL;
    if (cat && !*cat)
        cat = NULL;
    if (bs && kz_parse_id(bs, strlen(bs), &before) != 0)
        before = 0;
    kz_case_brief *rows = calloc(KZ_CASE_PAGE, sizeof *rows);
    size_t n = 0;
    int more = 0;
    if (!rows)
        return kz_resp_fail(rq, KZ_ENOMEM, NULL);
    int rc = kz_case_page(a, state && kz_case_state_valid(state) ? state : NULL, cat, before,
                          rows, &n, &more);
    if (rc) {
        free(rows);
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Cases", "/cases");
    /* the filter: a plain GET form */
    kz_h_f(&h, "<form method=\"get\" action=\"/cases\" class=\"actions\"><p><label for=\"state\">"
           "%s</label><select id=\"state\" name=\"state\"><option value=\"\"></option>",
           kz_h_tr(&h, "State"));
    for (const char *const *s = kz_case_states(); *s; s++) {
        kz_h_f(&h, "<option value=\"%s\"", *s);
        kz_h_raw(&h, state && !strcmp(state, *s) ? " selected>" : ">");
        kz_h_f(&h, "%s</option>", kz_h_tr(&h, *s));
    }
    kz_h_f(&h, "</select></p><p><label for=\"category\">%s</label><input id=\"category\" "
           "name=\"category\" maxlength=\"64\" value=\"%s\"></p><p><button type=\"submit\">%s"
           "</button></p></form>", kz_h_tr(&h, "Category"), cat ? cat : "", kz_h_tr(&h, "Show"));
    if (!n) {
        kz_h_f(&h, "<p>%s</p>", kz_h_tr(&h, "Nothing here."));
    } else {
        kz_h_f(&h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
               "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "</tr></thead><tbody>", kz_h_tr(&h, "Case"), kz_h_tr(&h, "State"),
               kz_h_tr(&h, "Category"), kz_h_tr(&h, "Score"), kz_h_tr(&h, "Assigned to"),
               kz_h_tr(&h, "Decision"), kz_h_tr(&h, "Opened"));
        for (size_t i = 0; i < n; i++) {
            kz_h_raw(&h, "<tr><td>");
            case_link(&h, rows[i].id);
            kz_h_f(&h, "</td><td>%s</td><td>%s</td><td class=\"num\">%lld</td><td>%s</td>"
                   "<td>%s</td><td>", kz_h_tr(&h, rows[i].state), rows[i].category, (long long)rows[i].score,
                   rows[i].assigned_to, rows[i].measure[0] ? kz_h_tr(&h, rows[i].measure) : "");
            kz_h_time(&h, rows[i].opened_at, 0);
            kz_h_raw(&h, "</td></tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
        char ce[200];
        if (more)
            kz_h_f(&h, "<p><a href=\"/cases?state=%s&amp;category=%s&amp;before=%lld\" "
                   "rel=\"next\">%s</a></p>", state ? state : "",
                   kz_url_enc(cat ? cat : "", ce, sizeof ce), (long long)rows[n - 1].id,
                   kz_h_tr(&h, "Older"));
    }
    free(rows);
    return kz_page_send(&h, 200);
}

/* ---- the queue ----------------------------------------------------------- */

static void next_form(kz_html *h, int64_t skip)
{
    kz_h_form_begin(h, "/queue/next");
    if (skip)
        kz_h_f(h, "<input type=\"hidden\" name=\"skip\" value=\"%lld\">", (long long)skip);
    kz_h_f(h, "<button type=\"submit\" data-key=\"n\">%s <kbd>n</kbd></button></form>",
           kz_h_tr(h, "Next case"));
}

static int queue_page(kz_req *rq)
{
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Review queue", "/queue");
    const char *empty = kz_req_query(rq, "empty");
    if (empty)
        kz_h_flash(&h, "ok", kz_h_tr(&h, "No case is waiting for you."));
    kz_h_f(&h, "<p class=\"help\">%s</p>", kz_h_tr(&h, "Cases wait in this order: the shortest "
           "notice deadline of their category, then the oldest, then the highest score. The case "
           "you open is held for you for 15 minutes, renewed while you work, so nobody else gets "
           "it."));
    next_form(&h, 0);
    kz_h_f(&h, "<p class=\"help\">%s</p>",
           kz_h_tr(&h, "Keyboard: n next case, a assign to me, d decide, x no action."));
    return kz_page_send(&h, 200);
}

static int64_t form_id(const kz_form *f, const char *name)
{
    const char *v = kz_form_get(f, name);
    int64_t id = 0;
    if (v && kz_parse_id(v, strlen(v), &id) == 0)
        return id;
    return 0;
}

static int queue_next(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    kz_actor *a = kz_req_actor(rq);
    int64_t id = 0;
    int rc = kz_case_next(a, 0, form_id(f, "skip"), &id, NULL);
    if (rc == KZ_ENOTFOUND)
        return kz_page_redirect(rq, "/queue?empty=1");
    if (rc == KZ_EPERM)
        return kz_page_error(rq, 403, "Not allowed", kz_account_errmsg(a));
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    char loc[64];
    snprintf(loc, sizeof loc, "/cases/%lld", (long long)id);
    return kz_page_redirect(rq, loc);
}

/* ---- the case page ------------------------------------------------------- */

/* A refused form: which one, the library's message, what was typed. */
typedef struct refusal {
    const char *form;                   /* "take", "assign", "decide", "noaction", ... */
    const char *msg;
    const kz_form *f;
} refusal;

static const char *typed(const refusal *why, const char *form, const char *field)
{
    if (!why || !why->f || strcmp(why->form, form))
        return "";
    const char *v = kz_form_get(why->f, field);
    return v ? v : "";
}

static void refusal_here(kz_html *h, const refusal *why, const char *form)
{
    if (why && !strcmp(why->form, form))
        kz_h_f(h, "<p class=\"field-error\" role=\"alert\">%s %s</p>",
               kz_h_tr(h, "The decision was refused:"), why->msg);
}

/* The text as written, every rule's hit in <mark> with its rule named: the
 * library says where (kz_review.marks, on the part that fits); the page
 * escapes and wraps. */
static void text_marked(kz_html *h, const kz_review *v)
{
    const char *t = v->text.p ? v->text.p : "";
    size_t at = 0;
    kz_h_raw(h, "<div class=\"text\" lang=\"\">");
    for (size_t i = 0; i < v->nmarks; i++) {
        const kz_content_mark *m = &v->marks[i];
        kz_h_textn(h, t + at, m->off - at);
        kz_h_raw(h, "<mark>");
        kz_h_textn(h, t + m->off, m->len);
        kz_h_f(h, "<span class=\"rule\">%s</span></mark>", m->rules);
        at = m->off + m->len;
    }
    kz_h_textn(h, t + at, v->shown - at);
    if (v->shown < v->text.len)
        kz_h_f(h, "</div><p class=\"note\">&#8230; %zu / %zu bytes</p>", v->shown, v->text.len);
    else
        kz_h_raw(h, "</div>");
}

static void normalized(kz_html *h, const kz_review *v)
{
    if (!v->norm_ok)
        return;                                 /* the normalizer refused the text */
    kz_h_f(h, "<details><summary>%s</summary><div class=\"text\">",
           kz_h_tr(h, "Normalized form"));
    kz_h_textn(h, v->norm.p ? v->norm.p : "", v->norm_shown);
    kz_h_raw(h, v->norm_shown < v->norm.len ? "&#8230;</div></details>" : "</div></details>");
}

static void dl_row(kz_html *h, const char *term, const char *v)
{
    kz_h_f(h, "<dt>%s</dt><dd>%s</dd>", kz_h_tr(h, term), v && *v ? v : "\xe2\x80\x94");
}

/* The start of an audit entry's before/after (JSON text as stored). */
static void json_short(kz_html *h, const char *s)
{
    if (!s || !strcmp(s, "null")) {
        kz_h_raw(h, "&#8212;");
        return;
    }
    size_t n = strlen(s);
    kz_h_raw(h, "<code>");
    kz_h_textn(h, s, n > 400 ? kz_content_cut(s, 400) : n);
    kz_h_raw(h, n > 400 ? "&#8230;</code>" : "</code>");
}

static void history(kz_html *h, const kz_review *v)
{
    size_t n = v->nhistory;
    kz_h_f(h, "<section><h2>%s</h2>", kz_h_tr(h, "History"));
    if (!n) {
        kz_h_f(h, "<p>%s</p></section>", kz_h_tr(h, "Nothing here."));
        return;
    }
    kz_h_f(h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
           "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>"
           "</thead><tbody>", kz_h_tr(h, "When"), kz_h_tr(h, "Who"), kz_h_tr(h, "Action"),
           kz_h_tr(h, "Before"), kz_h_tr(h, "After"));
    for (size_t i = 0; i < n; i++) {
        const kz_review_event *e = &v->history[i];
        if (h->b.len > PAGE_SOFT) {
            kz_h_f(h, "<tr><td colspan=\"5\">&#8230; %zu</td></tr>", n - i);
            break;
        }
        kz_h_raw(h, "<tr><td>");
        kz_h_time(h, e->at, 0);
        kz_h_f(h, "</td><td>%s</td><td>%s</td><td>", e->actor, e->action);
        json_short(h, e->before);
        kz_h_raw(h, "</td><td>");
        json_short(h, e->after);
        kz_h_raw(h, "</td></tr>");
    }
    kz_h_raw(h, "</tbody></table></section>");
}

static void bank_and_related(kz_html *h, const kz_review *v)
{
    const kz_bank_match *bm = v->banks;
    const kz_related *rel = v->related;
    size_t nb = v->nbanks, nr = v->nrelated;
    kz_h_f(h, "<section><h2>%s</h2>", kz_h_tr(h, "Hash-bank matches"));
    if (!nb) {
        kz_h_f(h, "<p>%s</p>", kz_h_tr(h, "Nothing here."));
    } else {
        kz_h_f(h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "<th scope=\"col\">%s</th></tr></thead><tbody>", kz_h_tr(h, "Banks"),
               kz_h_tr(h, "Category"), kz_h_tr(h, "Earlier decision"));
        for (size_t i = 0; i < nb; i++) {
            kz_h_f(h, "<tr><td>%s</td><td>%s</td><td>", bm[i].bank, bm[i].category);
            if (bm[i].case_id) {
                kz_h_f(h, "<a href=\"/cases/%lld\">%s %lld</a>: %s, ", (long long)bm[i].case_id,
                       kz_h_tr(h, "Case"), (long long)bm[i].case_id, kz_h_tr(h, bm[i].measure));
                kz_h_time(h, bm[i].decided_at, 0);
                if (bm[i].reversed)
                    kz_h_f(h, " (%s)", kz_h_tr(h, "reversed"));
            } else {
                kz_h_text(h, bm[i].origin);
            }
            kz_h_raw(h, "</td></tr>");
        }
        kz_h_raw(h, "</tbody></table>");
    }
    kz_h_f(h, "</section><section><h2>%s</h2>", kz_h_tr(h, "Same or near-same content"));
    if (!nr) {
        kz_h_f(h, "<p>%s</p>", kz_h_tr(h, "Nothing here."));
    } else {
        kz_h_f(h, "<table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "<th scope=\"col\">%s</th></tr></thead><tbody>", kz_h_tr(h, "Address"),
               kz_h_tr(h, "Case"), kz_h_tr(h, "Decision"));
        for (size_t i = 0; i < nr; i++) {
            /* an address of material under review is text, never a link */
            kz_h_f(h, "<tr><td><code>%s</code> <span class=\"note\">(%s)</span></td><td>",
                   rel[i].url, rel[i].how);
            if (rel[i].case_id) {
                case_link(h, rel[i].case_id);
                kz_h_f(h, " %s", kz_h_tr(h, rel[i].state));
            }
            kz_h_f(h, "</td><td>%s</td></tr>", rel[i].measure[0] ? kz_h_tr(h, rel[i].measure) : "");
        }
        kz_h_raw(h, "</tbody></table>");
    }
    kz_h_raw(h, "</section>");
}

static void measure_options(kz_html *h, const char *sel)
{
    const char *m;                      /* the library's, but no action: a form of its own */
    for (size_t i = 0; (m = kz_case_measure(i)) != NULL; i++)
        if (kz_case_measure_restrictive(m))
            kz_h_f(h, "<option value=\"%s\"%s>%s</option>", m, !strcmp(sel, m) ? " selected" : "",
                   kz_h_tr(h, m));
}

/* The forms a case in this state offers to this role; the library decides
 * in the end (the assignee, the two-person rule, the appeal's third
 * person) and its refusal is shown by the form. */
static void forms(kz_html *h, kz_req *rq, const kz_review *v, const refusal *why)
{
    long long id = (long long)v->id;
    unsigned bit = kz_serve_role_bit(kz_req_role(rq));
    int mine = v->assigned_to[0] && !strcmp(v->assigned_to, kz_req_account(rq));
    unsigned steps = kz_case_steps(v->state, kz_req_role(rq), mine);
    char act[96];
    kz_h_f(h, "<section><h2>%s</h2><div class=\"actions\">", kz_h_tr(h, "Decision"));
    if (steps & KZ_STEP_TAKE) {
        snprintf(act, sizeof act, "/cases/%lld/take", id);
        kz_h_form_begin(h, act);
        kz_h_f(h, "<button type=\"submit\" data-key=\"a\">%s <kbd>a</kbd></button>",
               kz_h_tr(h, "Assign to me"));
        refusal_here(h, why, "take");
        kz_h_raw(h, "</form>");
    }
    if (steps & KZ_STEP_ASSIGN) {
        snprintf(act, sizeof act, "/cases/%lld/assign", id);
        kz_h_form_begin(h, act);
        kz_h_f(h, "<label for=\"to\">%s</label><input id=\"to\" name=\"to\" required "
               "maxlength=\"64\" value=\"%s\">", kz_h_tr(h, "Assigned to"),
               typed(why, "assign", "to"));
        refusal_here(h, why, "assign");
        kz_h_f(h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(h, "Save"));
    }
    if (steps & KZ_STEP_DECIDE) {
        /* a measure: everything the law needs is required */
        snprintf(act, sizeof act, "/cases/%lld/decide", id);
        kz_h_f(h, "<details id=\"decide\" data-key=\"d\"%s><summary>%s <kbd>d</kbd></summary>",
               why && !strcmp(why->form, "decide") ? " open" : "", kz_h_tr(h, "Decide"));
        kz_h_form_begin(h, act);
        kz_h_f(h, "<p><label for=\"measure\">%s</label><select id=\"measure\" name=\"measure\" "
               "required>", kz_h_tr(h, "Measure"));
        measure_options(h, typed(why, "decide", "measure"));
        kz_h_f(h, "</select></p><p><label for=\"legal_basis\">%s</label><input id=\"legal_basis\" "
               "name=\"legal_basis\" required minlength=\"3\" value=\"%s\"></p>",
               kz_h_tr(h, "Legal basis"), typed(why, "decide", "legal_basis"));
        kz_h_f(h, "<p><label for=\"reasons\">%s</label><textarea id=\"reasons\" name=\"reasons\" "
               "required minlength=\"3\">%s</textarea></p>", kz_h_tr(h, "Facts and reasons"),
               typed(why, "decide", "reasons"));
        kz_h_f(h, "<p><label for=\"scope\">%s</label><input id=\"scope\" name=\"scope\" required "
               "maxlength=\"1024\" value=\"%s\"></p>", kz_h_tr(h, "Territorial scope"),
               *typed(why, "decide", "scope") ? typed(why, "decide", "scope") : "KZ");
        kz_h_f(h, "<p><label for=\"days\">%s</label><input id=\"days\" name=\"days\" "
               "type=\"number\" required min=\"1\" max=\"%d\" value=\"%s\"></p>",
               kz_h_tr(h, "Days in force"), KZ_DECISION_DAYS_MAX,
               *typed(why, "decide", "days") ? typed(why, "decide", "days") : "90");
        refusal_here(h, why, "decide");
        kz_h_f(h, "<p><button type=\"submit\">%s</button></p></form></details>",
               kz_h_tr(h, "Decide"));
        /* no action: reasons only */
        snprintf(act, sizeof act, "/cases/%lld/no-action", id);
        kz_h_f(h, "<details id=\"noaction\" data-key=\"x\"%s><summary>%s <kbd>x</kbd></summary>",
               why && !strcmp(why->form, "noaction") ? " open" : "", kz_h_tr(h, "No action"));
        kz_h_form_begin(h, act);
        kz_h_f(h, "<p><label for=\"na_reasons\">%s</label><textarea id=\"na_reasons\" "
               "name=\"reasons\" required minlength=\"3\">%s</textarea></p>",
               kz_h_tr(h, "Facts and reasons"), typed(why, "noaction", "reasons"));
        refusal_here(h, why, "noaction");
        kz_h_f(h, "<p><button type=\"submit\">%s</button></p></form></details>",
               kz_h_tr(h, "No action"));
    }
    if (steps & KZ_STEP_APPROVE) {
        snprintf(act, sizeof act, "/cases/%lld/approve", id);
        kz_h_form_begin(h, act);
        kz_h_f(h, "<button type=\"submit\">%s</button>", kz_h_tr(h, "Approve"));
        refusal_here(h, why, "approve");
        kz_h_raw(h, "</form>");
        snprintf(act, sizeof act, "/cases/%lld/reject", id);
        kz_h_form_begin(h, act);
        kz_h_f(h, "<p><label for=\"rj_reasons\">%s</label><textarea id=\"rj_reasons\" "
               "name=\"reasons\" required minlength=\"3\">%s</textarea></p>",
               kz_h_tr(h, "Reasons"), typed(why, "reject", "reasons"));
        refusal_here(h, why, "reject");
        kz_h_f(h, "<p><button type=\"submit\" class=\"secondary\">%s</button></p></form>",
               kz_h_tr(h, "Reject"));
    }
    if (steps & KZ_STEP_RESOLVE) {
        snprintf(act, sizeof act, "/cases/%lld/resolve-appeal", id);
        kz_h_form_begin(h, act);
        kz_h_f(h, "<fieldset><legend>%s</legend>", kz_h_tr(h, "Resolve the appeal"));
        const char *o = typed(why, "resolve", "outcome");
        kz_h_f(h, "<p><label><input type=\"radio\" name=\"outcome\" value=\"upheld\" required%s> "
               "%s</label><label><input type=\"radio\" name=\"outcome\" value=\"reversed\"%s> %s"
               "</label></p>", !strcmp(o, "upheld") ? " checked" : "", kz_h_tr(h, "upheld"),
               !strcmp(o, "reversed") ? " checked" : "", kz_h_tr(h, "reversed"));
        kz_h_f(h, "<p><label for=\"ap_reasons\">%s</label><textarea id=\"ap_reasons\" "
               "name=\"reasons\" required minlength=\"3\">%s</textarea></p>",
               kz_h_tr(h, "Reasons"), typed(why, "resolve", "reasons"));
        refusal_here(h, why, "resolve");
        kz_h_f(h, "<p><button type=\"submit\">%s</button></p></fieldset></form>",
               kz_h_tr(h, "Resolve the appeal"));
    }
    if ((bit & KZ_ROLES_WORK) && kz_review_appealable(v))
        kz_h_f(h, "<p><a href=\"/appeals/new?case=%lld\">%s</a></p>", id,
               kz_h_tr(h, "File an appeal"));
    kz_h_raw(h, "</div></section>");
}

static void decisions_table(kz_html *h, const kz_review *v)
{
    if (!v->ndecisions)
        return;
    kz_h_f(h, "<section><h2>%s</h2><table><thead><tr><th scope=\"col\">%s</th>"
           "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
           "<th scope=\"col\">%s</th></tr></thead><tbody>", kz_h_tr(h, "Decisions"),
           kz_h_tr(h, "Measure"), kz_h_tr(h, "Legal basis"), kz_h_tr(h, "Facts and reasons"),
           kz_h_tr(h, "By"), kz_h_tr(h, "When"));
    for (size_t i = 0; i < v->ndecisions; i++) {
        const kz_review_decision *d = &v->decisions[i];
        kz_h_f(h, "<tr><td>%s%s%s</td><td>%s</td><td>%s</td><td>%s", kz_h_tr(h, d->measure),
               d->reversed ? " — " : "", d->reversed ? kz_h_tr(h, "reversed") : "",
               d->legal_basis, d->reasons, d->decided_by);
        if (d->approved_by[0])
            kz_h_f(h, " / %s", d->approved_by);
        kz_h_raw(h, "</td><td>");
        kz_h_time(h, d->decided_at, 0);
        kz_h_raw(h, "</td></tr>");
    }
    kz_h_raw(h, "</tbody></table></section>");
}

static int case_page(kz_req *rq, int64_t id, unsigned status, const refusal *why)
{
    kz_actor *a = kz_req_actor(rq);
    kz_review *v = NULL;
    kz_hold hold;
    int rc = kz_case_review(a, id, TEXT_SHOWN, &v);
    if (rc == KZ_ENOTFOUND)
        return kz_page_error(rq, 404, "Not found", kz_account_errmsg(a));
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    /* looking at it keeps one's hold */
    if (kz_case_hold_renew(a, id, 0, &hold) != 0)
        memset(&hold, 0, sizeof hold);
    kz_html h;
    kz_html_init(&h, rq);
    char title[64];
    snprintf(title, sizeof title, "%s %lld", kz_h_tr(&h, "Case"), (long long)id);
    kz_page_begin(&h, title, NULL);
    if (why && !why->msg)
        kz_h_flash(&h, "ok", kz_h_tr(&h, "Done."));
    /* the hold, and the way on */
    kz_h_raw(&h, "<div class=\"actions\">");
    if (hold.holder[0]) {
        kz_h_f(&h, "<p class=\"hold\">%s ", hold.mine ? kz_h_tr(&h, "Held for you until")
                                                    : kz_h_tr(&h, "Held by"));
        if (!hold.mine)
            kz_h_f(&h, "%s %s ", hold.holder, kz_h_tr(&h, "until"));
        kz_h_time(&h, hold.until, 0);
        kz_h_raw(&h, "</p>");
    }
    if (hold.mine) {
        /* a button keeps the hold; app.js presses it every 5 minutes while
         * the page is open */
        char act[64];
        snprintf(act, sizeof act, "/cases/%lld/renew", (long long)id);
        kz_h_f(&h, "<form method=\"post\" action=\"%s\" data-hold-renew=\"300\">", act);
        kz_h_csrf(&h);
        kz_h_f(&h, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
               kz_h_tr(&h, "Keep holding"));
        snprintf(act, sizeof act, "/cases/%lld/release", (long long)id);
        kz_h_form_begin(&h, act);
        kz_h_f(&h, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
               kz_h_tr(&h, "Release"));
    }
    if (kz_serve_role_bit(kz_req_role(rq)) & DECIDERS)
        next_form(&h, hold.mine ? id : 0);
    kz_h_raw(&h, "</div>");
    kz_h_f(&h, "<p class=\"help\">%s</p>",
           kz_h_tr(&h, "Keyboard: n next case, a assign to me, d decide, x no action."));
    /* the case */
    kz_h_raw(&h, "<dl class=\"facts\">");
    char score[24];
    snprintf(score, sizeof score, "%lld", (long long)v->score);
    dl_row(&h, "State", kz_h_tr(&h, v->state));
    dl_row(&h, "Category", v->category);
    dl_row(&h, "Score", score);
    dl_row(&h, "Assigned to", v->assigned_to[0] ? v->assigned_to : kz_h_tr(&h, "nobody"));
    kz_h_f(&h, "<dt>%s</dt><dd>", kz_h_tr(&h, "Opened"));
    kz_h_time(&h, v->opened_at, 0);
    kz_h_raw(&h, "</dd>");
    kz_h_f(&h, "<dt>%s</dt><dd><code>%s</code></dd>", kz_h_tr(&h, "Address"), v->url);
    dl_row(&h, "Platform", v->platform);
    kz_h_f(&h, "<dt>%s</dt><dd>", kz_h_tr(&h, "First seen"));
    kz_h_time(&h, v->first_seen, 0);
    kz_h_raw(&h, "</dd></dl>");
    /* the forms come first: the work of the page */
    forms(&h, rq, v, why);
    /* the evidence */
    kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, "Text as written"));
    if (v->kind == 0)
        kz_h_f(&h, "<p>%s</p>", kz_h_tr(&h, "The evidence was purged under the retention rule."));
    else {
        if (v->kind == 2)
            kz_h_f(&h, "<p class=\"note\">%s</p>",
                   kz_h_tr(&h, "The whole text is not stored; the excerpt is shown."));
        text_marked(&h, v);
        normalized(&h, v);
    }
    kz_h_raw(&h, "</section>");
    if (v->nhits) {
        kz_h_f(&h, "<section><h2>%s</h2><table><thead><tr><th scope=\"col\">%s</th>"
               "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
               "<th scope=\"col\">%s</th></tr></thead><tbody>", kz_h_tr(&h, "Matches"),
               kz_h_tr(&h, "Rule"), kz_h_tr(&h, "Category"), kz_h_tr(&h, "Score"),
               kz_h_tr(&h, "Evidence"));
        for (size_t i = 0; i < v->nhits && i < 100 && h.b.len < PAGE_SOFT; i++) {
            const kz_review_hit *d = &v->hits[i];
            kz_h_f(&h, "<tr><td>%s <span class=\"note\">(%s)</span></td><td>%s</td>"
                   "<td class=\"num\">%lld</td><td>%s</td></tr>", d->rule_id, d->method,
                   d->category, (long long)d->weight, d->context);
        }
        kz_h_raw(&h, "</tbody></table></section>");
    }
    kz_h_f(&h, "<section><h2>%s</h2>", kz_h_tr(&h, "Images"));
    kz_web_case_media(&h, id, v->item_id);
    kz_h_raw(&h, "</section>");
    bank_and_related(&h, v);
    decisions_table(&h, v);
    history(&h, v);
    kz_review_free(&v);
    return kz_page_send(&h, status);
}

static int case_get(kz_req *rq)
{
    int64_t id;
    if (kz_parse_id(kz_req_param(rq, "id"), strlen(kz_req_param(rq, "id")), &id) != 0)
        return kz_page_error(rq, 404, "Not found", "Not found");
    refusal done = { "", NULL, NULL };
    return case_page(rq, id, 200, kz_req_query(rq, "done") ? &done : NULL);
}

/* ---- the case's forms ---------------------------------------------------- */

typedef int (*act_fn)(kz_actor *a, int64_t id, const kz_form *f);

/* Read the form, act, then back to the case page (303), or the page again
 * with the refusal by the form (403 who, 409 state, 422 fields). */
static int case_form(kz_req *rq, const char *which, act_fn act)
{
    int64_t id;
    if (kz_parse_id(kz_req_param(rq, "id"), strlen(kz_req_param(rq, "id")), &id) != 0)
        return kz_page_error(rq, 404, "Not found", "Not found");
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    kz_actor *a = kz_req_actor(rq);
    int rc = act(a, id, f);
    if (rc == 0) {
        kz_hold hold;
        kz_case_hold_renew(a, id, 0, &hold);
        char loc[64];
        snprintf(loc, sizeof loc, "/cases/%lld?done=1", (long long)id);
        return kz_page_redirect(rq, loc);
    }
    if (rc == KZ_ENOTFOUND && strcmp(which, "assign") != 0)
        return kz_page_error(rq, 404, "Not found", kz_account_errmsg(a));
    const char *code;
    unsigned st = kz_serve_status_of(rc, &code);
    if (st >= 500)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    char msg[512];
    snprintf(msg, sizeof msg, "%s", kz_account_errmsg(a));
    refusal why = { which, msg, f };
    return case_page(rq, id, st, &why);
}

static const char *fopt(const kz_form *f, const char *k)
{
    const char *v = kz_form_str(f, k);
    return *v ? v : NULL;
}

static int do_take(kz_actor *a, int64_t id, const kz_form *f) { return kz_case_take(a, id); }
static int do_assign(kz_actor *a, int64_t id, const kz_form *f)
{
    return kz_case_assign(a, id, kz_form_str(f, "to"));
}
static int do_decide(kz_actor *a, int64_t id, const kz_form *f)
{
    const char *days = kz_form_str(f, "days");
    int64_t dv = 0;
    if (*days && (kz_parse_int(days, 1, INT64_MAX, &dv) != 0))
        dv = -1;                            /* not a count: the library names the field */
    else if (dv > INT_MAX)
        dv = INT_MAX;                       /* out of range: it says so, with the number */
    kz_decision_in d = { kz_form_str(f, "measure"), fopt(f, "legal_basis"), fopt(f, "reasons"),
                         fopt(f, "scope"), fopt(f, "until"), (int)dv };
    int64_t did;
    return kz_case_decide(a, id, &d, &did);
}
static int do_noaction(kz_actor *a, int64_t id, const kz_form *f)
{
    kz_decision_in d = { "no_action", NULL, fopt(f, "reasons"), NULL, NULL, 0 };
    int64_t did;
    return kz_case_decide(a, id, &d, &did);
}
static int do_approve(kz_actor *a, int64_t id, const kz_form *f) { return kz_case_approve(a, id); }
static int do_reject(kz_actor *a, int64_t id, const kz_form *f)
{
    return kz_case_reject(a, id, fopt(f, "reasons"));
}
static int do_resolve(kz_actor *a, int64_t id, const kz_form *f)
{
    return kz_case_resolve_appeal(a, id, kz_form_str(f, "outcome"), fopt(f, "reasons"));
}
static int do_release(kz_actor *a, int64_t id, const kz_form *f) { return kz_case_release(a, id); }

static int take(kz_req *rq) { return case_form(rq, "take", do_take); }
static int assign(kz_req *rq) { return case_form(rq, "assign", do_assign); }
static int decide(kz_req *rq) { return case_form(rq, "decide", do_decide); }
static int noaction(kz_req *rq) { return case_form(rq, "noaction", do_noaction); }
static int approve(kz_req *rq) { return case_form(rq, "approve", do_approve); }
static int reject(kz_req *rq) { return case_form(rq, "reject", do_reject); }
static int resolve(kz_req *rq) { return case_form(rq, "resolve", do_resolve); }
static int release(kz_req *rq) { return case_form(rq, "release", do_release); }

/* POST /cases/{id}/renew: keep one's hold (app.js, every 5 minutes, or the
 * button): 204 from script (Accept: text/plain), else back to the page. */
static int renew(kz_req *rq)
{
    int64_t id;
    kz_hold h;
    if (kz_parse_id(kz_req_param(rq, "id"), strlen(kz_req_param(rq, "id")), &id) != 0)
        return kz_page_error(rq, 404, "Not found", "Not found");
    kz_actor *a = kz_req_actor(rq);
    int rc = kz_case_hold_renew(a, id, 0, &h);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    const char *acc = kz_req_header(rq, "Accept");
    if (acc && !strcmp(acc, "text/plain"))
        return kz_resp_data(rq, h.mine ? 200 : 409, "text/plain; charset=utf-8",
                            h.mine ? h.until : "", h.mine ? strlen(h.until) : 0);
    char loc[64];
    snprintf(loc, sizeof loc, "/cases/%lld", (long long)id);
    return kz_page_redirect(rq, loc);
}

static const kz_route routes[] = {
    { "GET", "/dashboard", STAFF, dashboard, PAGE, 0 },
    { "GET", "/cases", STAFF, cases_page, PAGE, 0 },
    { "GET", "/queue", DECIDERS, queue_page, PAGE, 0 },
    { "POST", "/queue/next", DECIDERS, queue_next, PAGE, 8192 },
    { "GET", "/cases/{id}", STAFF, case_get, PAGE, 0 },
    { "POST", "/cases/{id}/take", DECIDERS, take, PAGE, 8192 },
    { "POST", "/cases/{id}/assign", KZ_ROLE_ANALYST | KZ_ROLE_SUPERVISOR, assign, PAGE, 8192 },
    { "POST", "/cases/{id}/decide", DECIDERS, decide, PAGE, 65536 },
    { "POST", "/cases/{id}/no-action", DECIDERS, noaction, PAGE, 65536 },
    { "POST", "/cases/{id}/approve", KZ_ROLE_SUPERVISOR, approve, PAGE, 8192 },
    { "POST", "/cases/{id}/reject", KZ_ROLE_SUPERVISOR, reject, PAGE, 65536 },
    { "POST", "/cases/{id}/resolve-appeal", DECIDERS, resolve, PAGE, 65536 },
    { "POST", "/cases/{id}/release", DECIDERS, release, PAGE, 8192 },
    { "POST", "/cases/{id}/renew", DECIDERS, renew, PAGE, 8192 },
};

const kz_route_table kz_routes_review = { "review", routes, KZ_ARRAY_LEN(routes) };
