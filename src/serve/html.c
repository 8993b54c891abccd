/*
 * serve/html.c - the escaping HTML writer, the page layout, the language
 * of a request, form bodies, and the refusals of page routes as pages
 * (serve/html.h).
 */
#include "serve/html.h"
#include "serve/server_int.h"
#include <stdarg.h>
#include <strings.h>
#include <pthread.h>

/* ---- the writer ---------------------------------------------------------- */

void kz_html_init(kz_html *h, kz_req *rq)
{
    memset(h, 0, sizeof *h);
    kz_buf_init(&h->b, KZ_BUF_NOLIMIT);
    h->rq = rq;
    h->lang = rq ? kz_req_lang(rq) : kz_lang_default();
}

void kz_html_release(kz_html *h) { kz_buf_release(&h->b); }

void kz_h_raw(kz_html *h, const char *m)
{
    if (!h->rc && m)
        h->rc = kz_buf_adds(&h->b, m);
}

void kz_h_textn(kz_html *h, const char *s, size_t n)
{
    size_t run = 0;
    if (!s || h->rc)
        return;
    for (size_t i = 0; i < n && !h->rc; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        case '\0': e = ""; break;
        default: run++; continue;
        }
        if (run)
            h->rc = kz_buf_add(&h->b, s + i - run, run);
        run = 0;
        if (!h->rc)
            h->rc = kz_buf_adds(&h->b, e);
    }
    if (run && !h->rc)
        h->rc = kz_buf_add(&h->b, s + n - run, run);
}

void kz_h_text(kz_html *h, const char *s)
{
    if (s)
        kz_h_textn(h, s, strlen(s));
}

void kz_h_f(kz_html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *p = fmt;
    while (*p && !h->rc) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            h->rc = kz_buf_adds(&h->b, p);
            break;
        }
        if (pct > p)
            h->rc = kz_buf_add(&h->b, p, (size_t)(pct - p));
        const char *q = pct + 1;
        char spec[32];
        size_t k = 0;
        spec[k++] = '%';
        int star = 0, prec = -1;
        while (*q && strchr("-+ #0123456789", *q) && k < 16)
            spec[k++] = *q++;
        if (q[0] == '.' && q[1] == '*') {
            star = 1;
            q += 2;
        } else if (q[0] == '.') {
            spec[k++] = *q++;
            prec = 0;
            while (*q >= '0' && *q <= '9' && k < 24) {
                prec = prec * 10 + (*q - '0');
                spec[k++] = *q++;
            }
        }
        int lng = 0, sz = 0;
        while (*q == 'l' && lng < 2)
            spec[k++] = *q++, lng++;
        if (*q == 'z')
            spec[k++] = *q++, sz = 1;
        char conv = *q;
        if (conv)
            q++;
        spec[k++] = conv;
        spec[k] = '\0';
        switch (conv) {
        case '%':
            h->rc = kz_buf_addc(&h->b, '%');
            break;
        case 's': {
            int n = star ? va_arg(ap, int) : prec;
            const char *s = va_arg(ap, const char *);
            if (s)
                kz_h_textn(h, s, n >= 0 ? strnlen(s, (size_t)n) : strlen(s));
            break;
        }
        case 'c': {
            char c[2] = { (char)va_arg(ap, int), 0 };
            kz_h_text(h, c);
            break;
        }
        case 'd': case 'i': case 'u': case 'x': {
            if (sz)
                h->rc = kz_buf_addf(&h->b, spec, va_arg(ap, size_t));
            else if (lng == 2)
                h->rc = kz_buf_addf(&h->b, spec, va_arg(ap, long long));
            else if (lng == 1)
                h->rc = kz_buf_addf(&h->b, spec, va_arg(ap, long));
            else
                h->rc = kz_buf_addf(&h->b, spec, va_arg(ap, int));
            break;
        }
        case 'f': case 'g':
            h->rc = kz_buf_addf(&h->b, spec, va_arg(ap, double));
            break;
        default:
            h->rc = KZ_EINVAL;          /* a format this writer does not know */
            break;
        }
        p = q;
    }
    va_end(ap);
}

const char *kz_h_tr(const kz_html *h, const char *en) { return kz_tr(h->lang, en); }
void kz_h_t(kz_html *h, const char *en) { kz_h_text(h, kz_tr(h->lang, en)); }

void kz_h_time(kz_html *h, const char *iso, int countdown)
{
    if (!iso || !*iso) {
        kz_h_raw(h, "&#8212;");
        return;
    }
    kz_h_f(h, "<time datetime=\"%s\"", iso);
    if (countdown)
        kz_h_raw(h, " class=\"countdown\"");
    kz_h_f(h, ">%.10s %.5s UTC</time>", iso, strlen(iso) > 11 ? iso + 11 : "");
}

void kz_h_csrf(kz_html *h)
{
    kz_h_f(h, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", kz_req_csrf(h->rq));
}

void kz_h_form_begin(kz_html *h, const char *action)
{
    kz_h_f(h, "<form method=\"post\" action=\"%s\">", action);
    kz_h_csrf(h);
}

void kz_h_field_error(kz_html *h, const char *msg)
{
    if (msg && *msg)
        kz_h_f(h, "<p class=\"field-error\" role=\"alert\">%s</p>", msg);
}

void kz_h_flash(kz_html *h, const char *kind, const char *msg)
{
    if (msg && *msg)
        kz_h_f(h, "<p class=\"flash %s\" role=\"%s\">%s</p>", kind,
               !strcmp(kind, "error") ? "alert" : "status", msg);
}

const char *kz_url_enc(const char *next, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)next; *p; p++) {
        if (k + 4 >= n)
            return "/";
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            out[k++] = (char)*p;
        } else {
            out[k++] = '%';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        }
    }
    out[k] = '\0';
    return out;
}

/* ---- the layout ---------------------------------------------------------- */

/* The navigation: every page of the app, and who sees its link.  The route
 * table decides who may open it; this only hides links that would be
 * refused. */
static const struct nav {
    const char *path, *label;
    unsigned roles;
} nav[] = {
    { "/dashboard", "Dashboard", KZ_ROLES_STAFF },
    { "/queue", "Review queue", KZ_ROLE_REVIEWER | KZ_ROLE_SUPERVISOR },
    { "/cases", "Cases", KZ_ROLES_STAFF },
    { "/notices", "Notices", KZ_ROLES_STAFF },
    { "/appeals", "Appeals", KZ_ROLES_STAFF },
    { "/blocklist", "Blocklist", KZ_ROLES_STAFF },
    { "/rules", "Rules", KZ_ROLES_STAFF },
    { "/banks", "Banks", KZ_ROLES_STAFF },
    { "/platforms", "Platforms", KZ_ROLES_STAFF },
    { "/users", "Users", KZ_ROLE_ADMIN },
    { "/volume", "Volume of work", KZ_ROLE_SUPERVISOR | KZ_ROLE_AUDITOR | KZ_ROLE_ADMIN },
    { "/status", "Workers", KZ_ROLE_SUPERVISOR | KZ_ROLE_AUDITOR | KZ_ROLE_ADMIN },
    { "/settings", "My settings", KZ_ROLES_STAFF },
};

static pthread_once_t ver_once = PTHREAD_ONCE_INIT;
static char ver[17];

static void ver_make(void)
{
    uint64_t x = 1469598103934665603ull;
    for (const kz_web_asset *a = kz_web_assets; a->name; a++) {
        for (const char *n = a->name; *n; n++)
            x = (x ^ (unsigned char)*n) * 1099511628211ull;
        for (size_t i = 0; i < a->len; i++)
            x = (x ^ a->data[i]) * 1099511628211ull;
    }
    snprintf(ver, sizeof ver, "%012llx", (unsigned long long)(x & 0xffffffffffffull));
}

const char *kz_web_static_version(void)
{
    pthread_once(&ver_once, ver_make);
    return ver;
}

void kz_page_begin(kz_html *h, const char *title_en, const char *active)
{
    kz_req *rq = h->rq;
    const char *title = kz_h_tr(h, title_en);
    const char *v = kz_web_static_version();
    h->in_page = 1;
    kz_h_f(h, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>%s &#8212; kuzet</title>"
           "<link rel=\"stylesheet\" href=\"/static/app.css?v=%s\">"
           "<script src=\"/static/app.js?v=%s\" defer></script></head>\n<body>"
           "<a class=\"skip\" href=\"#main\">%s</a><header class=\"top\">"
           "<a class=\"brand\" href=\"/\">kuzet</a>",
           kz_lang_code(h->lang), title, v, v, kz_h_tr(h, "Skip to the content"));
    unsigned bit = rq ? kz_serve_role_bit(kz_req_role(rq)) : 0;
    if (bit) {
        kz_h_raw(h, "<nav aria-label=\"main\"><ul>");
        for (size_t i = 0; i < KZ_ARRAY_LEN(nav); i++) {
            if (!(nav[i].roles & bit))
                continue;
            int cur = active && !strcmp(active, nav[i].path);
            kz_h_f(h, "<li><a href=\"%s\"", nav[i].path);
            kz_h_raw(h, cur ? " aria-current=\"page\">" : ">");
            kz_h_f(h, "%s</a></li>", kz_h_tr(h, nav[i].label));
        }
        kz_h_raw(h, "</ul></nav><div class=\"who\">");
        kz_h_raw(h, active && !strcmp(active, "/account") ? "<a href=\"/account\" "
                 "aria-current=\"page\">" : "<a href=\"/account\">");
        kz_h_f(h, "%s (%s)</a>", kz_req_account(rq), kz_h_tr(h, kz_req_role(rq)));
        kz_h_form_begin(h, "/logout");
        kz_h_f(h, "<button type=\"submit\">%s</button></form></div>", kz_h_tr(h, "Log out"));
    }
    /* the switch: plain links, so it works without script */
    kz_h_f(h, "<nav class=\"langs\" aria-label=\"%s\"><ul>", kz_h_tr(h, "Language"));
    char enc[600];
    const char *path = kz_url_enc(kz_safe_next(rq ? kz_req_path(rq) : "/", "/"), enc, sizeof enc);
    for (int l = 0; l < KZ_LANG_N; l++)
    {
        kz_h_f(h, "<li><a href=\"/lang/%s?next=%s\" hreflang=\"%s\" lang=\"%s\"",
               kz_lang_code((kz_lang)l), path, kz_lang_code((kz_lang)l),
               kz_lang_code((kz_lang)l));
        kz_h_raw(h, (kz_lang)l == h->lang ? " aria-current=\"true\">" : ">");
        kz_h_f(h, "%s</a></li>", kz_lang_name((kz_lang)l));
    }
    kz_h_f(h, "</ul></nav></header>\n<main id=\"main\" tabindex=\"-1\"><h1>%s</h1>", title);
}

int kz_page_send(kz_html *h, unsigned status)
{
    kz_req *rq = h->rq;
    if (h->in_page)
        kz_h_f(h, "</main>\n<footer><p>%s</p></footer></body></html>\n",
               kz_h_tr(h, "Times are shown in UTC; with JavaScript, in your own time zone."));
    int rc = h->rc;
    if (!rc && h->b.len > KZ_PAGE_MAX)
        rc = KZ_ETOOBIG;
    if (rc) {
        fprintf(stderr, "kuzet serve: %s %s: the page could not be written: %s\n",
                kz_req_method(rq), kz_req_path(rq), kz_strerror(rc));
        kz_html_release(h);
        kz_resp_data(rq, 500, "text/plain; charset=utf-8", "internal error\n", 15);
        return rc;
    }
    kz_resp_header(rq, "Vary", "Cookie, Accept-Language");
    rc = kz_resp_buf(rq, status, "text/html; charset=utf-8", &h->b);
    kz_html_release(h);
    return rc;
}

int kz_page_redirect(kz_req *rq, const char *location)
{
    kz_resp_header(rq, "Location", kz_safe_next(location, "/"));
    return kz_resp_data(rq, 303, "text/plain; charset=utf-8", "", 0);
}

int kz_page_error(kz_req *rq, unsigned status, const char *title_en, const char *msg)
{
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, title_en, NULL);
    kz_h_f(&h, "<p class=\"flash error\" role=\"alert\">%s</p><p><a href=\"/dashboard\">%s</a></p>",
           kz_h_tr(&h, msg), kz_h_tr(&h, "Back to the dashboard"));
    return kz_page_send(&h, status);
}

int kz__web_refuse(kz_req *rq, unsigned status, const char *code, const char *msg)
{
    if (status == 401) {
        char loc[700], enc[600];
        /* back here after logging in, for a GET; a refused POST goes home */
        const char *next = !strcmp(kz_req_method(rq), "GET") ? kz_req_path(rq) : "/dashboard";
        snprintf(loc, sizeof loc, "/login?next=%s",
                 kz_url_enc(kz_safe_next(next, "/dashboard"), enc, sizeof enc));
        rq->err_code = code;
        return kz_page_redirect(rq, loc);
    }
    rq->err_code = code;
    const char *title = status == 403 ? "Not allowed" : status == 404 ? "Not found"
                                                                       : "Something went wrong";
    if (status == 403 && !strcmp(code, "forbidden"))
        msg = "This page is not for your role.";
    int rc = kz_page_error(rq, status, title, msg);
    rq->err_code = code;
    return rc ? rc : KZ_EPERM;
}

void kz__serve_not_found(kz_req *rq, const char *path)
{
    if (!strncmp(path, "/api/", 5) || !strcmp(path, "/api")) {
        kz_resp_error(rq, 404, "not_found", "no such path: %.200s", path);
        return;
    }
    kz__serve_identify(rq);                 /* the header as on every other page */
    if (kz_page_error(rq, 404, "Not found", "There is no page at this address.") != 0 &&
        !rq->answered)
        kz_resp_error(rq, 404, "not_found", "no such path: %.200s", path);
    rq->err_code = "not_found";
}

/* ---- the request --------------------------------------------------------- */

kz_lang kz_req_lang(kz_req *rq)
{
    if (rq->lang)
        return (kz_lang)(rq->lang - 1);
    char c[8];
    int l = -1;
    if (kz_cookie_get(kz_req_header(rq, "Cookie"), "lang", c, sizeof c) == 1)
        l = kz_lang_parse(c);
    if (l < 0)
        l = kz_lang_accept(kz_req_header(rq, "Accept-Language"));
    if (l < 0)
        l = (int)kz_lang_default();
    rq->lang = l + 1;
    return (kz_lang)l;
}

static int is_form_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == 33 && !strncasecmp(ct, "application/x-www-form-urlencoded", 33);
}

const kz_form *kz_req_form(kz_req *rq)
{
    char why[256];
    if (rq->form)
        return rq->form;
    if (rq->answered)
        return NULL;
    if (!is_form_type(kz_req_header(rq, "Content-Type"))) {
        kz__web_refuse(rq, 415, "unsupported_media_type",
                       "the form must be sent as application/x-www-form-urlencoded");
        return NULL;
    }
    int rc = kz_form_parse(rq->body.p ? rq->body.p : "", rq->body.len, &rq->form, why,
                           sizeof why);
    if (rc) {
        kz__web_refuse(rq, 400, "invalid", why);
        return NULL;
    }
    return rq->form;
}

int kz_req_same_origin(kz_req *rq)
{
    const char *sfs = kz_req_header(rq, "Sec-Fetch-Site");
    if (sfs && strcmp(sfs, "same-origin") && strcmp(sfs, "none"))
        return 0;
    /* a browser's own word (no page can set the header); under the pages'
     * Referrer-Policy: no-referrer, Chromium sends "Origin: null" with a
     * form posted from our own page, so Origin cannot decide then */
    if (sfs && !strcmp(sfs, "same-origin"))
        return 1;
    const char *origin = kz_req_header(rq, "Origin");
    if (!origin)
        return 1;
    const char *host = kz_req_header(rq, "Host");
    const char *o = strstr(origin, "://");
    if (!host || !o || strcmp(origin, "null") == 0)
        return 0;
    o += 3;
    return !strcasecmp(o, host);
}

const char *kz_safe_next(const char *next, const char *fallback)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\')
        return fallback;
    for (const char *p = next; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
            return fallback;
    return next;
}
