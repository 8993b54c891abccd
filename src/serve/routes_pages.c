/*
 * serve/routes_pages.c - the reviewers' web app beyond the queue and the
 * case page: the images kept for review (blurred and grey by default,
 * revealed one at a time), one's own settings, notices, appeals, the
 * blocklist in force, rules with the rule tester, banks, platforms and
 * sources, and the users (admin).  Server-rendered through the one HTML
 * writer (serve/html.h); every page works without JavaScript.  The data
 * comes from the library (case/views.h, store/media.h, store/bank.h, the
 * rule tester of routes_rules.c).  docs/web.md lists the pages.
 */
#include "serve/routes.h"
#include "serve/html.h"
#include "serve/pages.h"
#include "case/views.h"
#include "store/media.h"
#include "store/bank.h"
#include <json-c/json.h>
#include <sodium.h>
#include <time.h>

#define PAGE KZ_ROUTE_HTML

/* ---- shared ------------------------------------------------------------------ */

/* A library refusal or failure as a whole page. */
static int fail_page(kz_req *rq, kz_actor *a, int rc)
{
    const char *code = NULL;
    unsigned st = kz_serve_status_of(rc, &code);
    if (st >= 500)
        return rc;                              /* the server answers 500, the log says why */
    return kz_page_error(rq, st, st == 403 ? "Refused" : "Cannot show this",
                         a ? kz_account_errmsg(a) : kz_strerror(rc));
}

/* A cell: the text, or a dash. */
static void td(kz_html *h, const char *s)
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

/* ---- images kept for review -------------------------------------------------- */

/* GET /media/{id}: the kept bytes of image id (item_media.id) with their
 * content type; never cached by a shared cache, never sniffed, never
 * framed or run as a document (the server's CSP and nosniff). */
static int media(kz_req *rq)
{
    int64_t id = 0;
    char ctype[24];
    kz_buf b;
    int rc;
    if ((rc = kz_req_param_id(rq, "id", &id)))
        return rc;
    struct kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_buf_init(&b, KZ_MEDIA_KEEP_MAX + 1);
    if ((rc = kz_media_get(s, id, ctype, &b, NULL)) != 0) {
        kz_buf_release(&b);
        if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL)
            return kz_page_error(rq, 404, "Not found", "This image is not kept.");
        return rc;
    }
    kz_resp_header(rq, "Cache-Control", "private, no-store");
    kz_resp_header(rq, "Content-Disposition", "inline");
    kz_resp_header(rq, "Cross-Origin-Resource-Policy", "same-origin");
    return kz_resp_buf(rq, 200, ctype, &b);
}

/* One figure: blurred and grey as the viewer's settings say, revealed by a
 * click or Enter/Space (app.js toggles "revealed"), or without script by
 * its own page (/media/{id}/view). */
static void figure(kz_html *h, int64_t id, size_t n, const kz_review_settings *rs, int revealed)
{
    /* the toggle is a real button around the image (named by its alt text):
     * focusable, Enter and Space for free, nothing interactive nested in it */
    kz_h_f(h, "<figure class=\"media%s%s%s\" id=\"m%lld\"><button type=\"button\" "
           "class=\"shield\" aria-pressed=\"%s\"><img src=\"/media/%lld\" alt=\"%s %zu\" "
           "loading=\"lazy\" decoding=\"async\"></button><figcaption>",
           rs->blur ? " blur" : "", rs->greyscale ? " grey" : "", revealed ? " revealed" : "",
           (long long)id, revealed ? "true" : "false", (long long)id, kz_h_tr(h, "Image"), n);
    if (!revealed)
        kz_h_f(h, "<a class=\"reveal\" href=\"/media/%lld/view\">%s</a>", (long long)id,
               kz_h_tr(h, "Reveal this image"));
    kz_h_raw(h, "</figcaption></figure>");
}

int kz_web_media_figures(kz_html *h, int64_t item_id)
{
    kz_req *rq = h->rq;
    kz_store *s = kz_req_store(rq);
    kz_actor *a = kz_req_actor(rq);
    kz_review_settings rs = { 1, 1, "" };
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;
    if (!s || !a)
        return KZ_EDB;
    if ((rc = kz_review_settings_get(a, &rs)) != 0 || (rc = kz_media_kept(s, item_id, &ids, &n)))
        return rc;
    if (n) {
        kz_h_f(h, "<div class=\"images\"><p class=\"help\">%s</p>",
               kz_h_tr(h, rs.blur || rs.greyscale ?
                       "Images are shown blurred and in greyscale. Click one, or focus it and "
                       "press Enter, to reveal it; again to hide it." :
                       "Images are shown as they are (your settings)."));
        for (size_t i = 0; i < n; i++)
            figure(h, ids[i], i + 1, &rs, 0);
        kz_h_raw(h, "</div>");
    }
    free(ids);
    return 0;
}

/* GET /media/{id}/view: one image revealed, on a page of its own (the way
 * to reveal without JavaScript). */
static int media_view(kz_req *rq)
{
    int64_t id = 0, item = 0;
    char ctype[24];
    kz_buf b;
    int rc;
    if ((rc = kz_req_param_id(rq, "id", &id)))
        return rc;
    struct kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_buf_init(&b, KZ_MEDIA_KEEP_MAX + 1);
    rc = kz_media_get(s, id, ctype, &b, &item);
    kz_buf_release(&b);
    if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL)
        return kz_page_error(rq, 404, "Not found", "This image is not kept.");
    if (rc)
        return rc;
    kz_review_settings rs = { 0, 0, "" };
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Image", NULL);
    figure(&h, id, 1, &rs, 1);
    kz_h_f(&h, "<p><a href=\"/items/%lld/images\">%s</a></p>", (long long)item,
           kz_h_tr(&h, "All images of the item, blurred"));
    return kz_page_send(&h, 200);
}

/* GET /items/{id}/images: the item's kept images, as the case page shows them. */
static int item_images(kz_req *rq)
{
    int64_t id = 0;
    int rc;
    if ((rc = kz_req_param_id(rq, "id", &id)))
        return rc;
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Images of the item", NULL);
    kz_h_f(&h, "<p>%s %lld</p>", kz_h_tr(&h, "Item"), (long long)id);
    size_t before = h.b.len;
    if ((rc = kz_web_media_figures(&h, id)) != 0) {
        kz_html_release(&h);
        return rc;
    }
    if (h.b.len == before)
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No images of this item are kept."));
    return kz_page_send(&h, 200);
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
        return fail_page(rq, a, rc);
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

/* ---- notices, appeals, blocklist ---------------------------------------------- */

static int notices(kz_req *rq)
{
    static const char *const keys[] = { "open", "overdue", "all" };
    static const char *const labels[] = { "Open", "Overdue", "All" };
    const char *show = kz_req_query(rq, "show");
    int which = KZ_VIEW_NOTICES_OPEN;
    for (int i = 0; show && i < 3; i++)
        if (!strcmp(show, keys[i]))
            which = i;
    kz_actor *a = kz_req_actor(rq);
    kz_view v;
    kz_view_init(&v);
    int rc = a ? kz_view_notices(a, which, &v) : KZ_EDB;
    if (rc) {
        kz_view_release(&v);
        return fail_page(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Notices", "/notices");
    filters(&h, "/notices", keys, labels, 3, keys[which]);
    if (!v.nrows) {
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No notices here."));
    } else {
        kz_h_f(&h, "<table><caption>%s</caption><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
               kz_h_tr(&h, "Notices, the nearest deadline first"), kz_h_tr(&h, "Notice"),
               kz_h_tr(&h, "Case"), kz_h_tr(&h, "Platform"), kz_h_tr(&h, "Category"),
               kz_h_tr(&h, "Sent"), kz_h_tr(&h, "Deadline"), kz_h_tr(&h, "Time left"),
               kz_h_tr(&h, "State"));
        for (size_t r = 0; r < v.nrows; r++) {
            const char *st = kz_view_at(&v, r, "state");
            int over = st && !strcmp(st, "overdue"), open = st && !strcmp(st, "open");
            kz_h_f(&h, "<tr%s>", over ? " class=\"overdue\"" : "");
            td_num(&h, kz_view_int(&v, r, "id"));
            td_case(&h, kz_view_int(&v, r, "case_id"));
            td(&h, kz_view_at(&v, r, "platform"));
            td(&h, kz_view_at(&v, r, "category"));
            td_time(&h, kz_view_at(&v, r, "sent_at"), 0);
            td_time(&h, kz_view_at(&v, r, "deadline"), open || over);
            if (open || over)
                td_span(&h, kz_view_int(&v, r, "seconds_left"), over ? "overdue" : NULL);
            else
                td(&h, NULL);
            kz_h_f(&h, "<td>%s</td></tr>", kz_h_tr(&h, st ? st : ""));
        }
        kz_h_raw(&h, "</tbody></table>");
        more_note(&h, &v);
    }
    kz_view_release(&v);
    return kz_page_send(&h, 200);
}

static int appeals(kz_req *rq)
{
    static const char *const keys[] = { "waiting", "all" };
    static const char *const labels[] = { "Waiting", "All" };
    const char *show = kz_req_query(rq, "show");
    int all = show && !strcmp(show, "all");
    kz_actor *a = kz_req_actor(rq);
    kz_view v;
    kz_view_init(&v);
    int rc = a ? kz_view_appeals(a, !all, &v) : KZ_EDB;
    if (rc) {
        kz_view_release(&v);
        return fail_page(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Appeals", "/appeals");
    filters(&h, "/appeals", keys, labels, 2, keys[all]);
    if (!v.nrows) {
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No appeals here."));
    } else {
        kz_h_f(&h, "<table><caption>%s</caption><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
               "<tbody>", kz_h_tr(&h, "Appeals, the oldest first"), kz_h_tr(&h, "Appeal"),
               kz_h_tr(&h, "Case"), kz_h_tr(&h, "Measure"), kz_h_tr(&h, "Filed by"),
               kz_h_tr(&h, "Grounds"), kz_h_tr(&h, "Filed"), kz_h_tr(&h, "Waiting"),
               kz_h_tr(&h, "Outcome"), kz_h_tr(&h, "Resolved by"));
        for (size_t r = 0; r < v.nrows; r++) {
            const char *m = kz_view_at(&v, r, "measure"), *by = kz_view_at(&v, r, "filed_by");
            const char *out = kz_view_at(&v, r, "outcome");
            kz_h_raw(&h, "<tr>");
            td_num(&h, kz_view_int(&v, r, "id"));
            td_case(&h, kz_view_int(&v, r, "case_id"));
            td(&h, m ? kz_h_tr(&h, m) : NULL);
            td(&h, by ? kz_h_tr(&h, by) : NULL);
            td(&h, kz_view_at(&v, r, "grounds"));
            td_time(&h, kz_view_at(&v, r, "filed_at"), 0);
            if (kz_view_at(&v, r, "waiting_seconds"))
                td_span(&h, kz_view_int(&v, r, "waiting_seconds"), NULL);
            else
                td(&h, NULL);
            td(&h, out ? kz_h_tr(&h, out) : NULL);
            td(&h, kz_view_at(&v, r, "reviewer"));
            kz_h_raw(&h, "</tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
        more_note(&h, &v);
    }
    kz_view_release(&v);
    return kz_page_send(&h, 200);
}

static int blocklist(kz_req *rq)
{
    const char *at = kz_req_query(rq, "at");
    if (at && !*at)
        at = NULL;
    kz_actor *a = kz_req_actor(rq);
    kz_view v;
    kz_view_init(&v);
    int rc = a ? kz_view_blocklist(a, at, &v) : KZ_EDB;
    if (rc) {
        kz_view_release(&v);
        return fail_page(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Blocklist in force", "/blocklist");
    kz_h_f(&h, "<form method=\"get\" action=\"/blocklist\" class=\"inline\"><label for=\"at\">%s"
           "</label><input type=\"date\" id=\"at\" name=\"at\" value=\"%.10s\"> "
           "<button type=\"submit\" class=\"secondary\">%s</button></form>",
           kz_h_tr(&h, "In force on"), at ? at : "", kz_h_tr(&h, "Show"));
    if (!v.nrows) {
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "Nothing is blocked."));
    } else {
        kz_h_f(&h, "<table><caption>%s: %zu</caption><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
               "<tbody>", kz_h_tr(&h, "Entries"), v.nrows, kz_h_tr(&h, "What"),
               kz_h_tr(&h, "Measure"), kz_h_tr(&h, "Since"), kz_h_tr(&h, "Until"),
               kz_h_tr(&h, "Decision"), kz_h_tr(&h, "Case"), kz_h_tr(&h, "Decided by"),
               kz_h_tr(&h, "Approved by"), kz_h_tr(&h, "Scope"));
        for (size_t r = 0; r < v.nrows; r++) {
            const char *m = kz_view_at(&v, r, "measure"), *until = kz_view_at(&v, r, "until");
            kz_h_f(&h, "<tr><td><code>%s</code></td>", kz_view_at(&v, r, "target"));
            td(&h, m ? kz_h_tr(&h, m) : NULL);
            td_time(&h, kz_view_at(&v, r, "since"), 0);
            if (until)
                td_time(&h, until, 0);
            else
                kz_h_f(&h, "<td>%s</td>", kz_h_tr(&h, "no end"));
            td_num(&h, kz_view_int(&v, r, "decision_id"));
            td_case(&h, kz_view_int(&v, r, "case_id"));
            td(&h, kz_view_at(&v, r, "decided_by"));
            td(&h, kz_view_at(&v, r, "approved_by"));
            td(&h, kz_view_at(&v, r, "scope"));
            kz_h_raw(&h, "</tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
        more_note(&h, &v);
    }
    kz_view_release(&v);
    return kz_page_send(&h, 200);
}

/* ---- rules and the rule tester -------------------------------------------------- */

static const char *jstr(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static json_object *jarr(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array) ? v
                                                                                           : NULL;
}

static int may_test(kz_req *rq)
{
    return (kz_serve_role_bit(kz_req_role(rq)) & (KZ_ROLES_WORK | KZ_ROLE_ADMIN)) != 0;
}

/* The tester's form, with text, and its answer (JSON from the library's
 * rule tester) when there is one. */
static void tester(kz_html *h, const char *text, json_object *res, const char *err)
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
    kz_h_f(h, "<h3>%s</h3><div class=\"text\">%s</div>", kz_h_tr(h, "Normalized form"),
           jstr(res, "normalized") ? jstr(res, "normalized") : "");
    json_object *fl = jarr(res, "flagged"), *hits = jarr(res, "hits");
    kz_h_f(h, "<p>%s: ", kz_h_tr(h, "Flagged"));
    if (!fl || !json_object_array_length(fl))
        kz_h_t(h, "none");
    for (size_t i = 0; fl && i < json_object_array_length(fl); i++)
        kz_h_f(h, "%s<strong>%s</strong>", i ? ", " : "",
               json_object_get_string(json_object_array_get_idx(fl, i)));
    kz_h_raw(h, "</p>");
    if (!hits || !json_object_array_length(hits)) {
        kz_h_f(h, "<p class=\"note\">%s</p></section>", kz_h_tr(h, "No rule matched."));
        return;
    }
    kz_h_f(h, "<table class=\"hits\"><caption>%s</caption><thead><tr><th>%s</th><th>%s</th>"
           "<th>%s</th><th>%s</th></tr></thead><tbody>", kz_h_tr(h, "Hits"), kz_h_tr(h, "Rule"),
           kz_h_tr(h, "Category"), kz_h_tr(h, "Matched text"), kz_h_tr(h, "Bytes"));
    for (size_t i = 0; i < json_object_array_length(hits); i++) {
        json_object *x = json_object_array_get_idx(hits, i);
        kz_h_f(h, "<tr><td><code>%s</code></td><td>%s</td><td><mark>%s</mark></td>"
               "<td class=\"num\">%lld&#8211;%lld</td></tr>", jstr(x, "rule") ? jstr(x, "rule") : "",
               jstr(x, "category") ? jstr(x, "category") : "",
               jstr(x, "match") ? jstr(x, "match") : "", (long long)jint(x, "start"),
               (long long)jint(x, "end"));
    }
    kz_h_raw(h, "</tbody></table></section>");
}

static int rules_page(kz_req *rq, unsigned status, const char *text, json_object *res,
                      const char *err)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_serve_rules_json(&b);
    if (rc && rc != KZ_ENOTFOUND) {
        kz_buf_release(&b);
        return rc;
    }
    json_object *rules = rc ? NULL : json_tokener_parse(b.p);
    kz_buf_release(&b);
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Rules", "/rules");
    if (!rules) {
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "The server was started without "
               "rules (kuzet serve --rules FILE)."));
        return kz_page_send(&h, 200);
    }
    json_object *cats = jarr(rules, "categories"), *rl = jarr(rules, "rules");
    kz_h_f(&h, "<table><caption>%s</caption><thead><tr><th>%s</th><th>%s</th></tr></thead><tbody>",
           kz_h_tr(&h, "Categories"), kz_h_tr(&h, "Category"), kz_h_tr(&h, "Threshold"));
    for (size_t i = 0; cats && i < json_object_array_length(cats); i++) {
        json_object *c = json_object_array_get_idx(cats, i);
        kz_h_f(&h, "<tr><td>%s</td><td class=\"num\">%lld</td></tr>",
               jstr(c, "name") ? jstr(c, "name") : "", (long long)jint(c, "threshold"));
    }
    kz_h_raw(&h, "</tbody></table>");
    if (may_test(rq))
        tester(&h, text, res, err);
    size_t nr = rl ? json_object_array_length(rl) : 0;
    kz_h_f(&h, "<details><summary>%s: %zu</summary><table><thead><tr><th>%s</th><th>%s</th>"
           "<th>%s</th></tr></thead><tbody>", kz_h_tr(&h, "Rules"), nr, kz_h_tr(&h, "Rule"),
           kz_h_tr(&h, "Category"), kz_h_tr(&h, "Weight"));
    for (size_t i = 0; i < nr && i < 1000; i++) {
        json_object *r = json_object_array_get_idx(rl, i);
        kz_h_f(&h, "<tr><td><code>%s</code></td><td>%s</td><td class=\"num\">%lld</td></tr>",
               jstr(r, "id") ? jstr(r, "id") : "", jstr(r, "category") ? jstr(r, "category") : "",
               (long long)jint(r, "weight"));
    }
    kz_h_raw(&h, "</tbody></table></details>");
    json_object_put(rules);
    return kz_page_send(&h, status);
}

static int rules_get(kz_req *rq) { return rules_page(rq, 200, NULL, NULL, NULL); }

static int rules_test(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    if (!f)
        return KZ_EINVAL;
    const char *text = kz_form_str(f, "text");
    if (!*text)
        return rules_page(rq, 422, text, NULL, kz_tr(kz_req_lang(rq), "Write a text to test."));
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_serve_rules_test_json(text, strlen(text), &b);
    if (rc == KZ_ENOTFOUND) {
        kz_buf_release(&b);
        return rules_page(rq, 404, text, NULL, NULL);
    }
    if (rc) {
        kz_buf_release(&b);
        return rc == KZ_ETOOBIG ? rules_page(rq, 413, text, NULL,
                                             kz_tr(kz_req_lang(rq), "The text is too long."))
                                : rc;
    }
    json_object *res = json_tokener_parse(b.p);
    kz_buf_release(&b);
    if (!res)
        return KZ_EINTERNAL;
    rc = rules_page(rq, 200, text, res, NULL);
    json_object_put(res);
    return rc;
}

/* ---- banks, platforms and sources ------------------------------------------------ */

static int banks(kz_req *rq)
{
    static const char *const types[] = { "pdq", "sha256", "md5", "simhash" };
    kz_store *s = kz_req_store(rq);
    kz_banks *bk = NULL;
    kz_bank_info *v = NULL;
    size_t n = 0;
    int rc;
    if (!s)
        return KZ_EDB;
    if ((rc = kz_bank_open(&bk, s)) != 0 || (rc = kz_bank_list(bk, &v, &n)) != 0) {
        kz_bank_close(&bk);
        return rc;
    }
    kz_bank_close(&bk);
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Hash banks", "/banks");
    if (!n) {
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No banks yet."));
    } else {
        kz_h_f(&h, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
               "<th>%s</th></tr></thead><tbody>", kz_h_tr(&h, "Bank"), kz_h_tr(&h, "Signal"),
               kz_h_tr(&h, "Kind"), kz_h_tr(&h, "Threshold"), kz_h_tr(&h, "Entries"),
               kz_h_tr(&h, "Created"));
        for (size_t i = 0; i < n; i++) {
            const char *t = v[i].type >= 0 && (size_t)v[i].type < KZ_ARRAY_LEN(types)
                                ? types[v[i].type] : "?";
            kz_h_f(&h, "<tr><td>%s</td><td>%s</td><td>%s</td>", v[i].name, t,
                   kz_h_tr(&h, v[i].allow ? "allow" : "block"));
            td_num(&h, v[i].threshold);
            td_num(&h, v[i].entries);
            td_time(&h, v[i].created_at, 0);
            kz_h_raw(&h, "</tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
    }
    free(v);
    return kz_page_send(&h, 200);
}

static int platforms(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    kz_view p, s;
    kz_view_init(&p);
    kz_view_init(&s);
    int rc = a ? kz_view_platforms(a, &p) : KZ_EDB;
    if (!rc)
        rc = kz_view_sources(a, &s);
    if (rc) {
        kz_view_release(&p);
        kz_view_release(&s);
        return fail_page(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Platforms and sources", "/platforms");
    kz_h_f(&h, "<h2>%s</h2>", kz_h_tr(&h, "Platforms"));
    if (!p.nrows)
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No platforms yet."));
    else {
        kz_h_f(&h, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th></tr></thead><tbody>", kz_h_tr(&h, "Name"),
               kz_h_tr(&h, "Kind"), kz_h_tr(&h, "Notice contact"),
               kz_h_tr(&h, "Legal representative"), kz_h_tr(&h, "Notice language"),
               kz_h_tr(&h, "Items"), kz_h_tr(&h, "Notices"));
        for (size_t r = 0; r < p.nrows; r++) {
            kz_h_raw(&h, "<tr>");
            td(&h, kz_view_at(&p, r, "name"));
            td(&h, kz_view_at(&p, r, "kind"));
            td(&h, kz_view_at(&p, r, "notice_contact"));
            td(&h, kz_view_at(&p, r, "legal_representative"));
            td(&h, kz_view_at(&p, r, "notice_language"));
            td_num(&h, kz_view_int(&p, r, "items"));
            td_num(&h, kz_view_int(&p, r, "notices"));
            kz_h_raw(&h, "</tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
        more_note(&h, &p);
    }
    kz_h_f(&h, "<h2>%s</h2>", kz_h_tr(&h, "Crawl sources"));
    if (!s.nrows)
        kz_h_f(&h, "<p class=\"note\">%s</p>", kz_h_tr(&h, "No crawl sources yet."));
    else {
        kz_h_f(&h, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
               "<th>%s</th><th>%s</th></tr></thead><tbody>", kz_h_tr(&h, "Name"),
               kz_h_tr(&h, "Created"), kz_h_tr(&h, "Last run"), kz_h_tr(&h, "Depth"),
               kz_h_tr(&h, "Origins"), kz_h_tr(&h, "Queued"), kz_h_tr(&h, "Fetched"));
        for (size_t r = 0; r < s.nrows; r++) {
            kz_h_raw(&h, "<tr>");
            td(&h, kz_view_at(&s, r, "name"));
            td_time(&h, kz_view_at(&s, r, "created_at"), 0);
            td_time(&h, kz_view_at(&s, r, "last_run_at"), 0);
            td(&h, kz_view_at(&s, r, "depth"));
            td_num(&h, kz_view_int(&s, r, "origins"));
            td_num(&h, kz_view_int(&s, r, "queued"));
            td_num(&h, kz_view_int(&s, r, "done"));
            kz_h_raw(&h, "</tr>");
        }
        kz_h_raw(&h, "</tbody></table>");
        more_note(&h, &s);
    }
    kz_view_release(&p);
    kz_view_release(&s);
    return kz_page_send(&h, 200);
}

/* ---- users (admin) ------------------------------------------------------------------ */

static const char *const roles[] = { "analyst", "reviewer", "supervisor", "auditor", "admin" };

/* The users page; token: a new account's enrolment token to show once. */
static int users_page(kz_req *rq, unsigned status, const char *err, const char *name,
                      const char *token, const char *expires)
{
    kz_actor *a = kz_req_actor(rq);
    kz_view v;
    kz_view_init(&v);
    int rc = a ? kz_view_accounts(a, &v) : KZ_EDB;
    if (rc) {
        kz_view_release(&v);
        return fail_page(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Users", "/users");
    if (token) {
        kz_h_f(&h, "<section class=\"flash ok\" role=\"status\"><p>%s <strong>%s</strong>. %s</p>"
               "<p><code class=\"token\">%s</code></p><p class=\"help\">%s <kbd>kuzet users enrol "
               "TOKEN</kbd> %s <time datetime=\"%s\">%s</time>.</p></section>",
               kz_h_tr(&h, "Account added:"), name, kz_h_tr(&h, "Its one-time enrolment token, "
               "shown only now; give it to that person only:"), token,
               kz_h_tr(&h, "With it the person sets their own password:"),
               kz_h_tr(&h, "before"), expires, expires);
    }
    kz_h_f(&h, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
           "<th>%s</th><th><span class=\"visually-hidden\">%s</span></th></tr></thead><tbody>",
           kz_h_tr(&h, "Name"), kz_h_tr(&h, "Role"), kz_h_tr(&h, "State"),
           kz_h_tr(&h, "Created"), kz_h_tr(&h, "Created by"), kz_h_tr(&h, "Enrolled"),
           kz_h_tr(&h, "Action"));
    for (size_t r = 0; r < v.nrows; r++) {
        const char *nm = kz_view_at(&v, r, "name"), *role = kz_view_at(&v, r, "role");
        int dis = kz_view_int(&v, r, "disabled") != 0;
        int enrolled = kz_view_at(&v, r, "enrolled_at") != NULL;
        kz_h_f(&h, "<tr><td>%s</td><td>%s</td><td>%s</td>", nm ? nm : "",
               kz_h_tr(&h, role ? role : ""),
               kz_h_tr(&h, dis ? "disabled" : enrolled ? "active" : "not enrolled yet"));
        td_time(&h, kz_view_at(&v, r, "created_at"), 0);
        td(&h, kz_view_at(&v, r, "created_by"));
        td_time(&h, kz_view_at(&v, r, "enrolled_at"), 0);
        if (dis || !nm) {
            td(&h, NULL);
        } else {
            char action[128];
            snprintf(action, sizeof action, "/users/%s/disable", nm);
            kz_h_raw(&h, "<td>");
            kz_h_f(&h, "<form method=\"post\" action=\"%s\" class=\"inline\">", action);
            kz_h_csrf(&h);
            kz_h_f(&h, "<button type=\"submit\" class=\"secondary\" aria-label=\"%s %s\">%s"
                   "</button></form></td>", kz_h_tr(&h, "Disable"), nm, kz_h_tr(&h, "Disable"));
        }
        kz_h_raw(&h, "</tr>");
    }
    kz_h_raw(&h, "</tbody></table>");
    more_note(&h, &v);
    kz_view_release(&v);
    kz_h_f(&h, "<h2>%s</h2>", kz_h_tr(&h, "Add an account"));
    kz_h_form_begin(&h, "/users");
    kz_h_f(&h, "<p><label for=\"name\">%s</label><input id=\"name\" name=\"name\" required "
           "maxlength=\"64\" pattern=\"[a-z0-9._\\-]+\" autocomplete=\"off\" "
           "aria-describedby=\"namehelp\"></p><p id=\"namehelp\" class=\"help\">%s</p>",
           kz_h_tr(&h, "Name"), kz_h_tr(&h, "Lowercase letters, digits, dot, dash, underscore."));
    kz_h_f(&h, "<p><label for=\"role\">%s</label><select id=\"role\" name=\"role\">",
           kz_h_tr(&h, "Role"));
    for (size_t i = 0; i < KZ_ARRAY_LEN(roles); i++)
        kz_h_f(&h, "<option value=\"%s\"%s>%s</option>", roles[i],
               !strcmp(roles[i], "reviewer") ? " selected" : "", kz_h_tr(&h, roles[i]));
    kz_h_raw(&h, "</select></p>");
    kz_h_field_error(&h, err);
    kz_h_f(&h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(&h, "Add"));
    return kz_page_send(&h, status);
}

static int users_get(kz_req *rq) { return users_page(rq, 200, NULL, NULL, NULL, NULL); }

static int users_add(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    kz_actor *a = kz_req_actor(rq);
    char token[KZ_ENROL_TOKEN_SIZE], expires[21];
    if (!f)
        return KZ_EINVAL;
    if (!a)
        return KZ_EDB;
    const char *name = kz_form_str(f, "name"), *role = kz_form_str(f, "role");
    int rc = kz_account_invite(a, name, role, 0, token, expires, NULL);
    if (rc == KZ_EINVAL || rc == KZ_EPERM || rc == KZ_ESTATE)
        return users_page(rq, rc == KZ_EPERM ? 403 : 422, kz_account_errmsg(a), NULL, NULL, NULL);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    /* shown once, on this answer (not a redirect: the token is never in a URL) */
    rc = users_page(rq, 201, NULL, name, token, expires);
    sodium_memzero(token, sizeof token);
    return rc;
}

static int users_disable(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    const char *name = kz_req_param(rq, "name");
    if (!kz_req_form(rq))
        return KZ_EINVAL;
    if (!a || !name)
        return KZ_EDB;
    int rc = kz_account_disable(a, name);
    if (rc == KZ_EINVAL || rc == KZ_EPERM || rc == KZ_ESTATE || rc == KZ_ENOTFOUND)
        return users_page(rq, rc == KZ_EPERM ? 403 : rc == KZ_ENOTFOUND ? 404 : 409,
                          kz_account_errmsg(a), NULL, NULL, NULL);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    return kz_page_redirect(rq, "/users");
}

/* ---- each person's volume of work -------------------------------------------------- */

/* GET /volume?from=YYYY-MM-DD&to=YYYY-MM-DD: what each analyst, reviewer
 * and supervisor did in the period (default: the last 7 days), so that a
 * supervisor can share the work out. */
static int volume(kz_req *rq)
{
    const char *from = kz_req_query(rq, "from"), *to = kz_req_query(rq, "to");
    char f7[21];
    kz_actor *a = kz_req_actor(rq);
    if (from && !*from)
        from = NULL;
    if (to && !*to)
        to = NULL;
    if (!from) {
        time_t now = time(NULL) - 7 * 86400;
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(f7, sizeof f7, "%Y-%m-%d", &tm);
        from = f7;
    }
    kz_view v;
    kz_view_init(&v);
    int rc = a ? kz_view_volume(a, from, to, &v) : KZ_EDB;
    if (rc) {
        kz_view_release(&v);
        return fail_page(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Volume of work", "/volume");
    kz_h_f(&h, "<form method=\"get\" action=\"/volume\"><p><label for=\"from\">%s</label>"
           "<input type=\"date\" id=\"from\" name=\"from\" value=\"%.10s\"></p><p><label "
           "for=\"to\">%s</label><input type=\"date\" id=\"to\" name=\"to\" value=\"%.10s\">"
           "</p><p><button type=\"submit\" class=\"secondary\">%s</button></p></form>",
           kz_h_tr(&h, "From"), from, kz_h_tr(&h, "To (not included; empty: now)"),
           to ? to : "", kz_h_tr(&h, "Show"));
    kz_h_f(&h, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
           "<th>%s</th></tr></thead><tbody>", kz_h_tr(&h, "Name"), kz_h_tr(&h, "Role"),
           kz_h_tr(&h, "Cases decided"), kz_h_tr(&h, "Blocks approved"),
           kz_h_tr(&h, "Appeals resolved"), kz_h_tr(&h, "In review now"));
    for (size_t r = 0; r < v.nrows; r++) {
        const char *role = kz_view_at(&v, r, "role");
        kz_h_raw(&h, "<tr>");
        td(&h, kz_view_at(&v, r, "account"));
        td(&h, role ? kz_h_tr(&h, role) : NULL);
        td_num(&h, kz_view_int(&v, r, "decided"));
        td_num(&h, kz_view_int(&v, r, "approved"));
        td_num(&h, kz_view_int(&v, r, "appeals"));
        td_num(&h, kz_view_int(&v, r, "in_review"));
        kz_h_raw(&h, "</tr>");
    }
    kz_h_f(&h, "</tbody></table><p class=\"note\">%s</p>", kz_h_tr(&h, "Items viewed are not "
           "recorded."));
    more_note(&h, &v);
    kz_view_release(&v);
    return kz_page_send(&h, 200);
}

/* ---- the table ---------------------------------------------------------------------- */

static const kz_route routes[] = {
    { "GET", "/media/{id}", KZ_ROLES_STAFF, media, PAGE, 0 },
    { "GET", "/media/{id}/view", KZ_ROLES_STAFF, media_view, PAGE, 0 },
    { "GET", "/items/{id}/images", KZ_ROLES_STAFF, item_images, PAGE, 0 },
    { "GET", "/settings", KZ_ROLES_STAFF, settings_get, PAGE, 0 },
    { "POST", "/settings", KZ_ROLES_STAFF, settings_post, PAGE, 8192 },
    { "GET", "/notices", KZ_ROLES_STAFF, notices, PAGE, 0 },
    { "GET", "/appeals", KZ_ROLES_STAFF, appeals, PAGE, 0 },
    { "GET", "/blocklist", KZ_ROLES_STAFF, blocklist, PAGE, 0 },
    { "GET", "/rules", KZ_ROLES_STAFF, rules_get, PAGE, 0 },
    { "POST", "/rules/test", KZ_ROLES_WORK | KZ_ROLE_ADMIN, rules_test, PAGE, 1 << 20 },
    { "GET", "/banks", KZ_ROLES_STAFF, banks, PAGE, 0 },
    { "GET", "/platforms", KZ_ROLES_STAFF, platforms, PAGE, 0 },
    { "GET", "/volume", KZ_ROLE_SUPERVISOR | KZ_ROLE_AUDITOR | KZ_ROLE_ADMIN, volume, PAGE, 0 },
    { "GET", "/users", KZ_ROLE_ADMIN, users_get, PAGE, 0 },
    { "POST", "/users", KZ_ROLE_ADMIN, users_add, PAGE, 8192 },
    { "POST", "/users/{name}/disable", KZ_ROLE_ADMIN, users_disable, PAGE, 8192 },
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
    { "This image is not kept.", "Это изображение не сохранено.", "Бұл сурет сақталмаған." },
    { "Image", "Изображение", "Сурет" },
    { "Reveal this image", "Показать это изображение", "Бұл суретті ашу" },
    { "Images are shown blurred and in greyscale. Click one, or focus it and press Enter, to "
      "reveal it; again to hide it.",
      "Изображения показаны размытыми и в оттенках серого. Нажмите на изображение или выберите "
      "его и нажмите Enter, чтобы открыть; ещё раз — чтобы скрыть.",
      "Суреттер бұлыңғыр және сұр түсте көрсетіледі. Ашу үшін суретті басыңыз немесе оны таңдап, "
      "Enter пернесін басыңыз; жасыру үшін тағы бір рет." },
    { "Images are shown as they are (your settings).",
      "Изображения показаны как есть (ваши настройки).",
      "Суреттер сол күйінде көрсетіледі (сіздің баптауларыңыз)." },
    { "All images of the item, blurred", "Все изображения материала, размытые",
      "Материалдың барлық суреттері, бұлыңғыр" },
    { "Images of the item", "Изображения материала", "Материал суреттері" },
    { "No images of this item are kept.", "Изображения этого материала не сохранены.",
      "Бұл материалдың суреттері сақталмаған." },
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
    { "The server was started without rules (kuzet serve --rules FILE).",
      "Сервер запущен без правил (kuzet serve --rules FILE).",
      "Сервер ережелерсіз іске қосылған (kuzet serve --rules FILE)." },
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
    { "Account added:", "Учётная запись добавлена:", "Тіркелгі қосылды:" },
    { "Its one-time enrolment token, shown only now; give it to that person only:",
      "Её одноразовый токен регистрации, показан только сейчас; передайте его только этому "
      "человеку:",
      "Оның бір реттік тіркелу токені, тек қазір көрсетіледі; оны тек сол адамға беріңіз:" },
    { "With it the person sets their own password:",
      "С ним человек сам задаёт свой пароль:", "Онымен адам өз құпиясөзін өзі орнатады:" },
    { "before", "до", "дейін" },
    { "Created by", "Создал", "Құрған" },
    { "Enrolled", "Зарегистрирован", "Тіркелген" },
    { "disabled", "отключена", "өшірілген" },
    { "active", "активна", "белсенді" },
    { "not enrolled yet", "ещё не зарегистрирована", "әлі тіркелмеген" },
    { "Disable", "Отключить", "Өшіру" },
    { "Add an account", "Добавить учётную запись", "Тіркелгі қосу" },
    { "Lowercase letters, digits, dot, dash, underscore.",
      "Строчные латинские буквы, цифры, точка, дефис, подчёркивание.",
      "Кіші латын әріптері, сандар, нүкте, сызықша, астын сызу." },
    { "Add", "Добавить", "Қосу" },
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
    { "The images cannot be shown now.", "Изображения сейчас нельзя показать.",
      "Суреттерді қазір көрсету мүмкін емес." },
};

const kz_msg_table kz_i18n_pages = { msgs, KZ_ARRAY_LEN(msgs) };
