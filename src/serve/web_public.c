/*
 * serve/web_public.c - the public web pages of kuzet serve, for anyone,
 * without logging in:
 *
 *   GET /transparency[?from=&to=]  the transparency report for any period:
 *                                  the figures of `kuzet report` (the same
 *                                  kz_report_compute, shown from its rows,
 *                                  as its CSV and JSON writers write them),
 *                                  SVG charts drawn here, and links to the
 *                                  CSV and JSON of /api/v1/report for the
 *                                  same period
 *   GET /block/{id}                the block page of a decision (act/active.h
 *                                  writes its sections)
 *   GET /blocked                   the same, for the decision that blocks the
 *                                  request's Host: a resolver's landing CNAME
 *                                  sends a blocked name's visitors to this
 *                                  server, and every GET whose Host is a
 *                                  blocked hostname is answered with it
 *                                  (kz__serve_landing, serve/routes_check.c)
 *   GET /checkpoint                the latest signed audit checkpoint, with
 *                                  the public key and how to verify it
 *
 * Every page takes ?lang=kk|ru|en (a link can name its language); without
 * it the language is the web app's (kz_req_lang).  Written with the web
 * app's one HTML writer and layout (serve/html.h); no inline script or
 * style, nothing loaded from elsewhere.  docs/web.md ("Public pages")
 * describes them.
 */
#include "serve/routes.h"
#include "serve/server_int.h"
#include "serve/html.h"
#include "serve/i18n.h"
#include "act/active.h"
#include "report/report.h"
#include "case/case.h"
#include "store/audit.h"
#include "store/store.h"
#include <stdlib.h>
#include <strings.h>
#include <time.h>

/* ---- languages ------------------------------------------------------------- */

/* This file's messages (listed in kz_i18n_tables, serve/i18n.c). */
static const kz_msg msgs[] = {
    { "Transparency report", "Отчёт о прозрачности", "Ашықтық есебі" },
    { "Audit checkpoint", "Контрольная точка аудита", "Аудит бақылау нүктесі" },
    { "Block page", "Страница блокировки", "Бұғаттау беті" },
    { "Public pages", "Публичные страницы", "Ашық беттер" },
    { "Period", "Период", "Кезең" },
    { "From", "Начало", "Басы" },
    { "To", "Конец", "Соңы" },
    { "Show", "Показать", "Көрсету" },
    { "Download", "Скачать", "Жүктеп алу" },
    { "Figures for", "Показатели за период", "Кезеңдегі көрсеткіштер" },
    { "Cases opened", "Открыто дел", "Ашылған істер" },
    { "Decisions", "Решения", "Шешімдер" },
    { "Links blocked", "Заблокировано ссылок", "Бұғатталған сілтемелер" },
    { "Notices sent", "Отправлено уведомлений", "Жіберілген хабарламалар" },
    { "Appeals filed", "Подано жалоб", "Берілген шағымдар" },
    { "Reversed on appeal", "Отменено по жалобе", "Шағым бойынша жойылды" },
    { "Median hours to removal", "Медиана часов до удаления", "Жойылғанға дейінгі медиана, сағат" },
    { "Decisions by measure", "Решения по мерам", "Шаралар бойынша шешімдер" },
    { "Cases by category", "Дела по категориям", "Санаттар бойынша істер" },
    { "Notices by outcome", "Уведомления по исходу", "Хабарламалар нәтижесі бойынша" },
    { "Nothing in this period.", "За этот период ничего нет.", "Бұл кезеңде ештеңе жоқ." },
    { "All figures", "Все показатели", "Барлық көрсеткіштер" },
    { "Section", "Раздел", "Бөлім" },
    { "Figure", "Показатель", "Көрсеткіш" },
    { "Value", "Значение", "Мәні" },
    { "No action", "Без мер", "Шара қолданылмады" },
    { "Removal request", "Требование удаления", "Жою талабы" },
    { "Geo-restriction", "Геоограничение", "Геошектеу" },
    { "URL block", "Блокировка URL", "URL бұғаттау" },
    { "Domain block", "Блокировка домена", "Доменді бұғаттау" },
    { "Complied in time", "Исполнено в срок", "Мерзімінде орындалды" },
    { "Complied late", "Исполнено с опозданием", "Кешігіп орындалды" },
    { "Overdue", "Просрочено", "Мерзімі өтті" },
    { "Pending", "Ожидается", "Күтілуде" },
    { "The period is not valid", "Период указан неверно", "Кезең дұрыс көрсетілмеген" },
    { "Latest signed checkpoint of the audit log",
      "Последняя подписанная контрольная точка журнала аудита",
      "Аудит журналының қол қойылған соңғы бақылау нүктесі" },
    { "Every change kuzet makes is an entry of a hash-chained audit log. A checkpoint signs its "
      "latest entry with the key below: anyone holding an export of the log can check that no "
      "entry up to this one was changed or removed since.",
      "Каждое изменение, которое делает kuzet, записывается в журнал аудита, связанный цепочкой "
      "хешей. Контрольная точка подписывает его последнюю запись ключом, указанным ниже: любой, у "
      "кого есть выгрузка журнала, может проверить, что ни одна запись до этой не была изменена "
      "или удалена.",
      "kuzet жасаған әрбір өзгеріс хештер тізбегімен байланысқан аудит журналына жазылады. Бақылау "
      "нүктесі оның соңғы жазбасына төмендегі кілтпен қол қояды: журналдың көшірмесі бар кез "
      "келген адам осы жазбаға дейінгі ешбір жазба өзгертілмегенін немесе жойылмағанын тексере "
      "алады." },
    { "Sequence number", "Порядковый номер", "Реттік нөмір" },
    { "Entry hash", "Хеш записи", "Жазба хеші" },
    { "Signed at", "Подписано", "Қол қойылған уақыты" },
    { "Public key (Ed25519)", "Открытый ключ (Ed25519)", "Ашық кілт (Ed25519)" },
    { "Signature", "Подпись", "Қолтаңба" },
    { "How to check", "Как проверить", "Қалай тексеруге болады" },
    { "No checkpoint has been signed yet.", "Контрольная точка ещё не подписана.",
      "Бақылау нүктесіне әлі қол қойылмаған." },
    { "This decision is no longer in effect:", "Это решение больше не действует:",
      "Бұл шешім енді күшінде емес:" },
    { "reversed", "отменено", "жойылды" },
    { "not approved", "не утверждено", "бекітілмеген" },
    { "expired", "срок истёк", "мерзімі өтті" },
    { "No such decision", "Такого решения нет", "Мұндай шешім жоқ" },
    { "There is no restrictive decision with this number.",
      "Ограничительного решения с таким номером нет.",
      "Бұл нөмірмен шектеу шешімі жоқ." },
    { "This address is not blocked.", "Этот адрес не заблокирован.", "Бұл мекенжай бұғатталмаған." },
    { "as JSON", "в формате JSON", "JSON пішімінде" },
};
const kz_msg_table kz_i18n_webpub = { msgs, KZ_ARRAY_LEN(msgs) };

/* A measure's or a notice outcome's name, in English (translated by the
 * table above). */
static const char *key_name(const char *key)
{
    static const struct { const char *key, *en; } names[] = {
        { "no_action", "No action" }, { "removal_request", "Removal request" },
        { "geo_restriction", "Geo-restriction" }, { "url_block", "URL block" },
        { "domain_block", "Domain block" }, { "complied_in_time", "Complied in time" },
        { "complied_late", "Complied late" }, { "overdue", "Overdue" }, { "pending", "Pending" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(names); i++)
        if (!strcmp(names[i].key, key))
            return names[i].en;
    return key;
}

/* A page of this file: the web app's writer in the request's language, or
 * the one ?lang= names. */
static void page_init(kz_html *h, kz_req *rq)
{
    kz_html_init(h, rq);
    const char *q = kz_req_query(rq, "lang");
    int l = q ? kz_lang_parse(q) : -1;
    if (l >= 0) {
        h->lang = (kz_lang)l;
        rq->lang = l + 1;
    }
}

/* The layout's head and <h1>, then the links between the public pages. */
static void page_open(kz_html *h, const char *title_en, const char *active)
{
    const char *code = kz_lang_code(h->lang);
    kz_page_begin(h, title_en, active);
    kz_h_f(h, "<nav class=\"public\" aria-label=\"%s\"><ul>", kz_h_tr(h, "Public pages"));
    int t = active && !strcmp(active, "/transparency"), c = active && !strcmp(active, "/checkpoint");
    kz_h_f(h, t ? "<li><a href=\"/transparency?lang=%s\" aria-current=\"page\">%s</a></li>"
                : "<li><a href=\"/transparency?lang=%s\">%s</a></li>",
           code, kz_h_tr(h, "Transparency report"));
    kz_h_f(h, c ? "<li><a href=\"/checkpoint?lang=%s\" aria-current=\"page\">%s</a></li>"
                : "<li><a href=\"/checkpoint?lang=%s\">%s</a></li>",
           code, kz_h_tr(h, "Audit checkpoint"));
    kz_h_raw(h, "</ul></nav>\n");
}

static const char *num(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.15g", v);
    return buf;
}

/* ---- the transparency report -------------------------------------------------- */

/* The figure section / key as a number; *is_null: null or not there. */
static double fig_num(const kz_report *r, const char *section, const char *key, int *is_null)
{
    const kz_report_row *f = kz_report_find(r, section, key);
    if (is_null)
        *is_null = !f || f->kind == KZ_FIG_NULL;
    return f ? f->num : 0;
}

typedef struct bar {
    const char *label;                       /* shown as is (translated already) */
    double v;
} bar;

/* A horizontal bar chart as inline SVG: named by its caption for screen
 * readers, one bar per row with its label and value, colours by attribute
 * (no style).  The table of all figures below holds the same numbers. */
static void chart(kz_html *h, const char *id, const char *title, const bar *b, size_t n)
{
    double max = 0;
    char t1[32], t2[32], t3[32];
    for (size_t i = 0; i < n; i++)
        if (b[i].v > max)
            max = b[i].v;
    kz_h_f(h, "<figure class=\"bars\">\n<figcaption id=\"%s\">%s</figcaption>\n", id, title);
    if (n == 0 || max <= 0) {
        kz_h_f(h, "<p>%s</p>\n</figure>\n", kz_h_tr(h, "Nothing in this period."));
        return;
    }
    const int row = 30, lw = 220, bw = 300;
    kz_h_f(h, "<svg role=\"img\" aria-labelledby=\"%s\" viewBox=\"0 0 600 %zu\" width=\"600\" "
              "height=\"%zu\">\n", id, n * row + 10, n * row + 10);
    for (size_t i = 0; i < n; i++) {
        double len = b[i].v / max * bw;
        if (len < 1 && b[i].v > 0)
            len = 1;
        int y = (int)i * row + 5;
        snprintf(t1, sizeof t1, "%.1f", len);
        snprintf(t2, sizeof t2, "%.1f", lw + len + 6);
        num(t3, sizeof t3, b[i].v);
        kz_h_f(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"14\" fill=\"#1b1b1b\">"
                  "%s</text>\n", lw - 8, y + 19, b[i].label);
        kz_h_f(h, "<rect x=\"%d\" y=\"%d\" width=\"%s\" height=\"%d\" fill=\"#1f4e79\">"
                  "<title>%s: %s</title></rect>\n", lw, y + 4, t1, row - 10, b[i].label, t3);
        kz_h_f(h, "<text x=\"%s\" y=\"%d\" font-size=\"14\" fill=\"#1b1b1b\">%s</text>\n", t2,
               y + 19, t3);
    }
    kz_h_raw(h, "</svg>\n</figure>\n");
}

static void today(char *out, size_t n, int jan1)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, jan1 ? "%Y-01-01" : "%Y-%m-%d", &tm);
}

static void key_figure(kz_html *h, const kz_report *r, const char *label, const char *section,
                       const char *key)
{
    int nul = 0;
    char t[32];
    double v = fig_num(r, section, key, &nul);
    kz_h_f(h, "<div><dt>%s</dt><dd>%s</dd></div>\n", kz_h_tr(h, label),
           nul ? "—" : num(t, sizeof t, v));
}

static void period_form(kz_html *h, const char *from, const char *to)
{
    kz_h_f(h, "<form method=\"get\" action=\"/transparency\" class=\"period\">\n<fieldset>\n"
              "<legend>%s</legend>\n", kz_h_tr(h, "Period"));
    kz_h_f(h, "<label for=\"from\">%s</label> <input type=\"date\" id=\"from\" name=\"from\" "
              "required value=\"%s\">\n", kz_h_tr(h, "From"), from);
    kz_h_f(h, "<label for=\"to\">%s</label> <input type=\"date\" id=\"to\" name=\"to\" "
              "required value=\"%s\">\n", kz_h_tr(h, "To"), to);
    kz_h_f(h, "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n<button type=\"submit\">%s"
              "</button>\n</fieldset>\n</form>\n", kz_lang_code(h->lang), kz_h_tr(h, "Show"));
}

static int page_transparency(kz_req *rq)
{
    static const char *const q[] = { "from", "to", "lang", NULL };
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    char dfrom[16], dto[16], why[160];
    const char *from = kz_req_query(rq, "from"), *to = kz_req_query(rq, "to");
    today(dfrom, sizeof dfrom, 1);
    today(dto, sizeof dto, 0);
    if (!from || !*from)
        from = dfrom;
    if (!to || !*to)
        to = dto;
    kz_html h;
    page_init(&h, rq);
    page_open(&h, "Transparency report", "/transparency");
    if (kz_report_period_check(from, to, "from", "to", why, sizeof why) != 0) {
        period_form(&h, dfrom, dto);
        kz_h_f(&h, "<p class=\"flash error\" role=\"alert\">%s: %s</p>\n",
               kz_h_tr(&h, "The period is not valid"), why);
        return kz_page_send(&h, 400);
    }
    period_form(&h, from, to);
    kz_store *s = kz_req_store(rq);
    if (!s) {
        kz_html_release(&h);
        return KZ_EDB;
    }
    kz_report *r = NULL;
    if ((rc = kz_report_compute(s, from, to, &r)) != 0) {
        kz_html_release(&h);
        return kz_resp_fail(rq, rc, rc == KZ_ENOMEM ? NULL : kz_store_errmsg(s));
    }

    kz_h_f(&h, "<h2>%s %s – %s</h2>\n<dl class=\"figures\">\n", kz_h_tr(&h, "Figures for"), from,
           to);
    key_figure(&h, r, "Cases opened", "items_flagged", "cases");
    key_figure(&h, r, "Decisions", "decisions", "total");
    key_figure(&h, r, "Links blocked", "links_blocked", "total");
    key_figure(&h, r, "Notices sent", "notices", "sent");
    key_figure(&h, r, "Median hours to removal", "time_to_removal", "overall.median_hours");
    key_figure(&h, r, "Appeals filed", "appeals", "filed");
    key_figure(&h, r, "Reversed on appeal", "appeals", "reversed");
    kz_h_f(&h, "</dl>\n<p class=\"downloads\">%s: "
               "<a href=\"/api/v1/report?from=%s&amp;to=%s&amp;format=csv\" download>CSV</a> · "
               "<a href=\"/api/v1/report?from=%s&amp;to=%s&amp;format=json\" download>JSON</a>"
               "</p>\n", kz_h_tr(&h, "Download"), from, to, from, to);

    /* the library's measures, those that restrict first, then no action */
    const char *measures[KZ_CASE_NMEASURES];
    size_t nm = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; kz_case_measure(i); i++)
            if (kz_case_measure_restrictive(kz_case_measure(i)) == !pass)
                measures[nm++] = kz_case_measure(i);
    static const char *const outcomes[] = { "complied_in_time", "complied_late", "overdue",
                                            "pending" };
    size_t nf = 0;
    const kz_report_row *f = kz_report_rows(r, &nf);
    bar b[64];
    size_t nb = 0;
    char key[96];
    for (size_t i = 0; i < nm; i++) {
        snprintf(key, sizeof key, "by_measure.%s", measures[i]);
        b[nb].label = kz_h_tr(&h, key_name(measures[i]));
        b[nb++].v = fig_num(r, "decisions", key, NULL);
    }
    chart(&h, "chart-measures", kz_h_tr(&h, "Decisions by measure"), b, nb);
    nb = 0;
    for (size_t i = 0; i < nf && nb < KZ_ARRAY_LEN(b); i++)
        if (!strcmp(f[i].section, "items_flagged") && !strncmp(f[i].key, "by_category.", 12)) {
            b[nb].label = f[i].key + 12;
            b[nb++].v = f[i].num;
        }
    chart(&h, "chart-categories", kz_h_tr(&h, "Cases by category"), b, nb);
    nb = 0;
    for (size_t i = 0; i < KZ_ARRAY_LEN(outcomes); i++) {
        b[nb].label = kz_h_tr(&h, key_name(outcomes[i]));
        b[nb++].v = fig_num(r, "notices", outcomes[i], NULL);
    }
    chart(&h, "chart-notices", kz_h_tr(&h, "Notices by outcome"), b, nb);

    kz_h_f(&h, "<h2 id=\"all\">%s</h2>\n<table aria-labelledby=\"all\">\n<thead><tr>"
               "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
               "</tr></thead>\n<tbody>\n", kz_h_tr(&h, "All figures"), kz_h_tr(&h, "Section"),
           kz_h_tr(&h, "Figure"), kz_h_tr(&h, "Value"));
    for (size_t i = 0; i < nf; i++)
        kz_h_f(&h, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", f[i].section, f[i].key,
               f[i].value);
    kz_h_raw(&h, "</tbody>\n</table>\n");
    kz_report_free(&r);
    return kz_page_send(&h, 200);
}

/* ---- block pages ------------------------------------------------------------------ */

static const unsigned page_langs[] = { KZ_PAGE_KK, KZ_PAGE_RU, KZ_PAGE_EN };

static int block_page(kz_req *rq, int64_t id)
{
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_html h;
    page_init(&h, rq);
    kz_active_decision d;
    memset(&d, 0, sizeof d);
    int rc = id > 0 ? kz_active_decision_get(s, id, NULL, &d) : KZ_ENOTFOUND;
    kz_active_page_opts o = { page_langs[h.lang], NULL, NULL, false, true };
    kz_buf sec;
    kz_buf_init(&sec, KZ_BUF_NOLIMIT);
    if (rc == 0)
        rc = kz_active_page_write(&sec, &d, &o);
    kz_active_decision_release(&d);
    if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL) {
        kz_buf_release(&sec);
        page_open(&h, "No such decision", NULL);
        kz_h_f(&h, "<p>%s</p>\n", kz_h_tr(&h, id > 0 ? "There is no restrictive decision with "
                                                       "this number."
                                                     : "This address is not blocked."));
        return kz_page_send(&h, 404);
    }
    if (rc) {
        kz_buf_release(&sec);
        kz_html_release(&h);
        return kz_resp_fail(rq, rc, rc == KZ_ENOMEM ? NULL : kz_store_errmsg(s));
    }
    page_open(&h, "Block page", NULL);
    memset(&d, 0, sizeof d);
    if (kz_active_decision_get(s, id, NULL, &d) == 0 && !d.in_effect && d.why_not)
        kz_h_f(&h, "<p class=\"flash error\" role=\"status\">%s %s</p>\n",
               kz_h_tr(&h, "This decision is no longer in effect:"), kz_h_tr(&h, d.why_not));
    kz_active_decision_release(&d);
    kz_h_raw(&h, sec.p ? sec.p : "");           /* markup written escaped by act/active.c */
    kz_buf_release(&sec);
    return kz_page_send(&h, 200);
}

static int page_block(kz_req *rq)
{
    static const char *const q[] = { "lang", NULL };
    int64_t id;
    int rc = kz_req_param_id(rq, "id", &id);
    if (rc || (rc = kz_req_query_check(rq, q)) != 0)
        return rc;
    return block_page(rq, id);
}

/* Any query: the blocked site's own, on whatever path was asked. */
static int page_blocked(kz_req *rq)
{
    int64_t id = 0;
    if (kz__serve_landing(rq, &id) != 1)
        id = 0;
    return block_page(rq, id);
}

/* ---- the audit checkpoint --------------------------------------------------------- */

static int page_checkpoint(kz_req *rq)
{
    static const char *const q[] = { "lang", NULL };
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_audit_stored cp;
    rc = kz_audit_latest(s, &cp);
    if (rc && rc != KZ_ENOTFOUND)
        return kz_resp_fail(rq, rc, kz_store_errmsg(s));
    kz_html h;
    page_init(&h, rq);
    page_open(&h, "Audit checkpoint", "/checkpoint");
    kz_h_f(&h, "<h2>%s</h2>\n<p>%s</p>\n", kz_h_tr(&h, "Latest signed checkpoint of the audit log"),
           kz_h_tr(&h, "Every change kuzet makes is an entry of a hash-chained audit log. A "
                       "checkpoint signs its latest entry with the key below: anyone holding an "
                       "export of the log can check that no entry up to this one was changed or "
                       "removed since."));
    if (rc) {
        kz_h_f(&h, "<p>%s</p>\n", kz_h_tr(&h, "No checkpoint has been signed yet."));
        return kz_page_send(&h, 404);
    }
    kz_h_f(&h, "<dl class=\"checkpoint\">\n<dt>%s</dt><dd><code>%lld</code></dd>\n",
           kz_h_tr(&h, "Sequence number"), (long long)cp.seq);
    const struct { const char *label, *value; } rows[] = {
        { "Signed at", cp.at }, { "Entry hash", cp.hash },
        { "Public key (Ed25519)", cp.public_key }, { "Signature", cp.signature },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(rows); i++)
        kz_h_f(&h, "<dt>%s</dt><dd><code>%s</code></dd>\n", kz_h_tr(&h, rows[i].label),
               rows[i].value);
    kz_h_f(&h, "</dl>\n<h2>%s</h2>\n<pre tabindex=\"0\"><code>kuzet audit verify --pubkey %s \\\n"
               "    --against '%s'</code></pre>\n", kz_h_tr(&h, "How to check"), cp.public_key,
           cp.line);
    kz_h_f(&h, "<p><a href=\"/api/v1/audit/checkpoint\">%s %s</a></p>\n",
           kz_h_tr(&h, "Audit checkpoint"), kz_h_tr(&h, "as JSON"));
    return kz_page_send(&h, 200);
}

static const kz_route routes[] = {
    { "GET", "/transparency", KZ_ROLE_PUBLIC, page_transparency, KZ_ROUTE_HTML, 0 },
    { "GET", "/block/{id}", KZ_ROLE_PUBLIC, page_block, KZ_ROUTE_HTML, 0 },
    { "GET", KZ_LANDING_PATH, KZ_ROLE_PUBLIC, page_blocked, KZ_ROUTE_HTML, 0 },
    { "GET", "/checkpoint", KZ_ROLE_PUBLIC, page_checkpoint, KZ_ROUTE_HTML, 0 },
};

const kz_route_table kz_routes_webpub = { "webpub", routes, KZ_ARRAY_LEN(routes) };
