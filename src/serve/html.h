/*
 * serve/html.h - the one HTML writer of the web app: every byte of every
 * page goes through it, and everything that is not the page's own markup
 * is escaped.
 *
 * A PAGE
 * ------
 *     static int get_thing(kz_req *rq)             // route flag KZ_ROUTE_HTML
 *     {
 *         kz_html h;
 *         kz_html_init(&h, rq);                    // language of the request
 *         kz_page_begin(&h, "Things", "/things");  // head, nav, <main>, <h1>
 *         kz_h_f(&h, "<p class=\"note\">%s: %lld</p>", kz_h_tr(&h, "Total"), n);
 *         kz_h_form_begin(&h, "/things/1/do");     // <form method=post> + CSRF
 *         kz_h_f(&h, "<label for=\"r\">%s</label><textarea id=\"r\" name=\"reasons\" "
 *                "required></textarea>", kz_h_tr(&h, "Reasons"));
 *         kz_h_field_error(&h, why);               // the library's refusal, by the field
 *         kz_h_raw(&h, "<button>Save</button></form>");
 *         return kz_page_send(&h, 200);            // footer, answer, release
 *     }
 *
 * kz_h_f's format is the page's own markup (a string literal); every %s
 * argument is escaped (& < > " '), so data is safe in text and in quoted
 * attribute values alike.  %d %i %u %x %ld %lld %zu %c %% work as in
 * printf; %.*s escapes that many bytes.  Never put data in an unquoted
 * attribute, a URL scheme position, or an on* attribute; there is no
 * inline script or style at all (the CSP forbids them).
 *
 * The writer's errors are sticky: check nothing until kz_page_send, which
 * answers 500 if any append failed.
 *
 * FORMS: kz_h_form_begin writes the hidden "csrf" field of the session;
 * the server checks it, and Origin / Sec-Fetch-Site, before a KZ_ROUTE_HTML
 * POST handler runs (serve/auth.c).  The handler reads the fields with
 * kz_req_form (serve/form.h), calls the library, and on success answers
 * kz_page_redirect(rq, "/things/1") (POST-redirect-GET); on a refusal it
 * renders the form again with kz_account_errmsg(actor) next to the field.
 */
#ifndef KZ_SERVE_HTML_H
#define KZ_SERVE_HTML_H

#include "serve/serve.h"
#include "serve/form.h"
#include "serve/i18n.h"

typedef struct kz_html {
    kz_buf  b;
    int     rc;                     /* sticky: the first failed append */
    kz_lang lang;
    kz_req *rq;
    int     in_page;                /* kz_page_begin was called */
} kz_html;

/* Start a page for rq in rq's language (kz_req_lang). */
void kz_html_init(kz_html *h, kz_req *rq);
void kz_html_release(kz_html *h);

/* Trusted markup, as is (string literals of the page's own code). */
void kz_h_raw(kz_html *h, const char *markup);
/* Text, escaped. NULL writes nothing. */
void kz_h_text(kz_html *h, const char *s);
void kz_h_textn(kz_html *h, const char *s, size_t n);
/* printf with markup for a format and escaped %s arguments (above). */
void kz_h_f(kz_html *h, const char *fmt, ...) KZ_PRINTF(2, 3);
/* The message en in the page's language (serve/i18n.h), and the same
 * written as escaped text. */
const char *kz_h_tr(const kz_html *h, const char *en);
void kz_h_t(kz_html *h, const char *en);
/* <time datetime="ISO">ISO UTC</time>: app.js shows it in the viewer's
 * zone (class "countdown": as time left / overdue). */
void kz_h_time(kz_html *h, const char *iso, int countdown);
/* <form method="post" action="ACTION"> and the hidden CSRF field. */
void kz_h_form_begin(kz_html *h, const char *action);
/* Only the hidden CSRF field (for a form written by hand). */
void kz_h_csrf(kz_html *h);
/* A refusal next to a field: <p class="field-error" role="alert">; NULL
 * or "" writes nothing. */
void kz_h_field_error(kz_html *h, const char *msg);
/* A notice at the top of the main part: kind "ok" or "error". */
void kz_h_flash(kz_html *h, const char *kind, const char *msg);

/* The layout: doctype, head (title, the linked stylesheet and script),
 * the skip link, the navigation for the caller's role (active: the path
 * of the current entry, may be NULL), who is logged in with the log-out
 * button, the language switch, <main> and the <h1> title (translated). */
void kz_page_begin(kz_html *h, const char *title_en, const char *active);
/* Close main, write the footer, answer status with the page
 * (text/html; charset=utf-8), release h.  Returns what kz_resp_buf does,
 * or KZ_ETOOBIG for a page over KZ_PAGE_MAX (answered 500). */
#define KZ_PAGE_MAX (100 * 1024)
int kz_page_send(kz_html *h, unsigned status);

/* 303 See Other to a path of this site (POST-redirect-GET). */
int kz_page_redirect(kz_req *rq, const char *location);
/* A whole error page: status, a title and a message (both English,
 * translated when the catalogue has them). */
int kz_page_error(kz_req *rq, unsigned status, const char *title_en, const char *msg);

/* s as a URL query value: all but unreserved characters and '/'
 * percent-encoded, in out (n bytes); "/" when it does not fit.  Write the
 * result with kz_h_f's %s as any other text. */
const char *kz_url_enc(const char *s, char *out, size_t n);

/* ---- the request, for pages ---------------------------------------------- */

/* The language of the request: the "lang" cookie, else Accept-Language,
 * else the default (serve/i18n.h). */
kz_lang kz_req_lang(kz_req *rq);
/* The form fields of a POST (application/x-www-form-urlencoded), parsed
 * once.  NULL after answering 415 or 400 (the handler returns
 * KZ_EINVAL). */
const kz_form *kz_req_form(kz_req *rq);
/* 1 when a state-changing request may come from this site: no Origin or
 * Sec-Fetch-Site saying otherwise (serve/auth.c calls it). */
int kz_req_same_origin(kz_req *rq);
/* A safe local path to go back to: next when it is "/..." (not "//",
 * no backslash or control characters), else fallback. */
const char *kz_safe_next(const char *next, const char *fallback);

/* ---- hooks -------------------------------------------------------------- */

/* The evidence images of a case on the review page, written inside its
 * <section> (serve/web_media.c; the default writes nothing). */
void kz_web_case_media(kz_html *h, int64_t case_id, int64_t item_id);

/* ---- static files (web/static/, embedded at build time) ------------------ */

typedef struct kz_web_asset {
    const char          *name;      /* "app.css" */
    const unsigned char *data;
    size_t               len;
} kz_web_asset;
extern const kz_web_asset kz_web_assets[];     /* build/<mode>/gen/web_static.c */
/* A short hash of every asset: the ?v= of their URLs. */
const char *kz_web_static_version(void);

#endif
