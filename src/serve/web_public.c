/*
 * serve/web_public.c - the public web pages of kuzet serve, for anyone,
 * without logging in:
 *
 *   GET /transparency[?from=&to=]  the transparency report for any period:
 *                                  the figures of `kuzet report` (the same
 *                                  kz_report_compute), SVG charts drawn
 *                                  here, and links to the CSV and JSON of
 *                                  /api/v1/report for the same period
 *   GET /block/{id}                the block page of a decision (act/active.h
 *                                  writes its sections)
 *   GET /blocked                   the same, for the decision that blocks the
 *                                  request's Host: a resolver's landing CNAME
 *                                  sends a blocked name's visitors to this
 *                                  server, and every GET whose Host is a
 *                                  blocked hostname is answered with it
 *                                  (kz__serve_landing, serve/routes_public.c)
 *   GET /checkpoint                the latest signed audit checkpoint, with
 *                                  the public key and how to verify it
 *
 * Every page takes ?lang=kk|ru|en; without it the "lang" cookie, then
 * Accept-Language, then English.  The pages are HTML written with every
 * value escaped (pw_text), no script, no inline style, nothing loaded from
 * elsewhere: they pass the server's CSP as they are.  docs/web.md
 * ("Public pages") describes them.
 */
#include "serve/routes.h"
#include "serve/server_int.h"
#include "act/active.h"
#include "report/report.h"
#include "store/audit.h"
#include "store/store.h"
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

/* ---- languages ---------------------------------------------------------- */

enum { L_KK, L_RU, L_EN };
static const char *const lang_codes[] = { "kk", "ru", "en" };
static const char *const lang_names[] = { "Қазақша", "Русский", "English" };

typedef struct msg {
    const char *en, *ru, *kk;
} msg;

static const msg msgs[] = {
    { "Transparency report", "Отчёт о прозрачности", "Ашықтық есебі" },
    { "Audit checkpoint", "Контрольная точка аудита", "Аудит бақылау нүктесі" },
    { "Block page", "Страница блокировки", "Бұғаттау беті" },
    { "Public pages", "Публичные страницы", "Ашық беттер" },
    { "Language", "Язык", "Тіл" },
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
    { "no_action", "Без мер", "Шара қолданылмады" },
    { "removal_request", "Требование удаления", "Жою талабы" },
    { "geo_restriction", "Геоограничение", "Геошектеу" },
    { "url_block", "Блокировка URL", "URL бұғаттау" },
    { "domain_block", "Блокировка домена", "Доменді бұғаттау" },
    { "complied_in_time", "Исполнено в срок", "Мерзімінде орындалды" },
    { "complied_late", "Исполнено с опозданием", "Кешігіп орындалды" },
    { "overdue", "Просрочено", "Мерзімі өтті" },
    { "pending", "Ожидается", "Күтілуде" },
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

static const char *tr(int lang, const char *en)
{
    for (size_t i = 0; i < KZ_ARRAY_LEN(msgs); i++)
        if (!strcmp(msgs[i].en, en)) {
            const char *t = lang == L_KK ? msgs[i].kk : lang == L_RU ? msgs[i].ru : NULL;
            return t ? t : en;
        }
    return en;
}

/* A measure or notice outcome's name ("url_block": "URL block" in English). */
static const char *tr_key(int lang, const char *key)
{
    static const struct { const char *key, *en; } en[] = {
        { "no_action", "No action" }, { "removal_request", "Removal request" },
        { "geo_restriction", "Geo-restriction" }, { "url_block", "URL block" },
        { "domain_block", "Domain block" }, { "complied_in_time", "Complied in time" },
        { "complied_late", "Complied late" }, { "overdue", "Overdue" }, { "pending", "Pending" },
    };
    if (lang != L_EN)
        return tr(lang, key);
    for (size_t i = 0; i < KZ_ARRAY_LEN(en); i++)
        if (!strcmp(en[i].key, key))
            return en[i].en;
    return key;
}

static int lang_code(const char *s, size_t n)
{
    for (int i = 0; i < 3; i++)
        if (n == 2 && !strncasecmp(s, lang_codes[i], 2))
            return i;
    return -1;
}

/* ?lang=, the lang cookie, Accept-Language (highest q), English. */
static int lang_of(kz_req *rq)
{
    const char *q = kz_req_query(rq, "lang"), *c = kz_req_header(rq, "Cookie");
    int l;
    if (q && (l = lang_code(q, strlen(q))) >= 0)
        return l;
    for (const char *p = c; p && (p = strstr(p, "lang=")); p += 5)
        if ((p == c || p[-1] == ' ' || p[-1] == ';') && (l = lang_code(p + 5, strcspn(p + 5, "; "))) >= 0)
            return l;
    const char *al = kz_req_header(rq, "Accept-Language");
    int best = L_EN;
    double bestq = 0;
    while (al && *al) {
        size_t n = strcspn(al, ",");
        size_t tag = strcspn(al, ";,- \t");
        while (*al == ' ' || *al == '\t') {
            al++;
            n--;
            tag = strcspn(al, ";,- \t");
        }
        double qv = 1;
        const char *semi = memchr(al, ';', n);
        if (semi && (semi = strstr(semi, "q=")) && semi < al + n)
            qv = strtod(semi + 2, NULL);
        if ((l = lang_code(al, tag)) >= 0 && qv > bestq) {
            best = l;
            bestq = qv;
        }
        al += n;
        if (*al == ',')
            al++;
    }
    return best;
}

/* ---- the page writer: every value through pw_text --------------------------- */

typedef struct pw {
    kz_buf b;
    int rc;
    int lang;
} pw;

static void pw_raw(pw *w, const char *s)
{
    if (!w->rc)
        w->rc = kz_buf_adds(&w->b, s);
}

static void pw_f(pw *w, const char *fmt, ...) KZ_PRINTF(2, 3);
static void pw_f(pw *w, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (!w->rc)
        w->rc = n < 0 || (size_t)n >= sizeof tmp ? KZ_ETOOBIG : kz_buf_add(&w->b, tmp, (size_t)n);
}

static void pw_text(pw *w, const char *s)
{
    for (; s && *s && !w->rc; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 && c != '\n' && c != '\t') w->rc = kz_buf_addc(&w->b, ' ');
        else if (c == '&') w->rc = kz_buf_adds(&w->b, "&amp;");
        else if (c == '<') w->rc = kz_buf_adds(&w->b, "&lt;");
        else if (c == '>') w->rc = kz_buf_adds(&w->b, "&gt;");
        else if (c == '"') w->rc = kz_buf_adds(&w->b, "&quot;");
        else if (c == '\'') w->rc = kz_buf_adds(&w->b, "&#39;");
        else w->rc = kz_buf_addc(&w->b, (char)c);
    }
}

static void pw_tr(pw *w, const char *en)
{
    pw_text(w, tr(w->lang, en));
}

/* The head, the site navigation (with the language switch: links to this
 * page in each language, query kept in self_query) and <main>. */
static void pw_open(pw *w, const char *title, const char *self, const char *self_query)
{
    pw_f(w, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
         lang_codes[w->lang]);
    pw_text(w, title);
    pw_raw(w, " · kuzet</title>\n</head>\n<body>\n<header>\n<nav aria-label=\"");
    pw_tr(w, "Public pages");
    pw_f(w, "\">\n<ul>\n<li><a href=\"/transparency?lang=%s\">", lang_codes[w->lang]);
    pw_tr(w, "Transparency report");
    pw_f(w, "</a></li>\n<li><a href=\"/checkpoint?lang=%s\">", lang_codes[w->lang]);
    pw_tr(w, "Audit checkpoint");
    pw_raw(w, "</a></li>\n</ul>\n</nav>\n<nav aria-label=\"");
    pw_tr(w, "Language");
    pw_raw(w, "\">\n<ul>\n");
    for (int i = 0; i < 3; i++) {
        pw_raw(w, "<li><a href=\"");
        pw_text(w, self);
        pw_raw(w, "?");
        if (self_query && *self_query) {
            pw_text(w, self_query);
            pw_raw(w, "&amp;");
        }
        pw_f(w, "lang=%s\" lang=\"%s\" hreflang=\"%s\"%s>%s</a></li>\n", lang_codes[i],
             lang_codes[i], lang_codes[i], i == w->lang ? " aria-current=\"page\"" : "",
             lang_names[i]);
    }
    pw_raw(w, "</ul>\n</nav>\n</header>\n<main id=\"main\">\n");
}

static int pw_send(kz_req *rq, pw *w, unsigned status)
{
    pw_raw(w, "</main>\n</body>\n</html>\n");
    if (w->rc) {
        int rc = kz_resp_fail(rq, w->rc, NULL);
        kz_buf_release(&w->b);
        return rc;
    }
    int rc = kz_resp_buf(rq, status, "text/html; charset=utf-8", &w->b);
    kz_buf_release(&w->b);
    return rc;
}

static void pw_init(pw *w, kz_req *rq)
{
    memset(w, 0, sizeof *w);
    kz_buf_init(&w->b, KZ_BUF_NOLIMIT);
    w->lang = lang_of(rq);
}

/* ---- the transparency report -------------------------------------------------- */

/* One figure of the report's CSV. */
typedef struct fig {
    char *section, *key, *value;
} fig;

/* Split one CSV field at *p (quoted or not) into a new string. */
static char *csv_field(const char **p)
{
    const char *s = *p;
    kz_buf f;
    kz_buf_init(&f, KZ_BUF_NOLIMIT);
    if (*s == '"') {
        for (s++; *s; s++) {
            if (*s == '"' && s[1] == '"') {
                kz_buf_addc(&f, '"');
                s++;
            } else if (*s == '"') {
                s++;
                break;
            } else {
                kz_buf_addc(&f, *s);
            }
        }
    } else {
        size_t n = strcspn(s, ",\r\n");
        kz_buf_add(&f, s, n);
        s += n;
    }
    if (*s == ',')
        s++;
    *p = s;
    char *r = kz_strdup(f.p ? f.p : "");
    kz_buf_release(&f);
    return r;
}

/* The figures of r, in the report's order. */
static int figures(const kz_report *r, fig **out, size_t *n)
{
    kz_buf csv;
    kz_buf_init(&csv, KZ_BUF_NOLIMIT);
    int rc = kz_report_csv(r, &csv);
    fig *v = NULL;
    size_t k = 0, cap = 0;
    const char *p = csv.p ? strchr(csv.p, '\n') : NULL;   /* past the header line */
    while (!rc && p && *++p) {
        if (k == cap) {
            fig *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
            if (!nv) {
                rc = KZ_ENOMEM;
                break;
            }
            v = nv;
        }
        v[k].section = csv_field(&p);
        v[k].key = csv_field(&p);
        v[k].value = csv_field(&p);
        k++;
        if (!v[k - 1].section || !v[k - 1].key || !v[k - 1].value)
            rc = KZ_ENOMEM;
        p = strchr(p, '\n');
    }
    kz_buf_release(&csv);
    *out = v;
    *n = k;
    return rc;
}

static void figures_free(fig *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].section);
        free(v[i].key);
        free(v[i].value);
    }
    free(v);
}

static double fig_num(const kz_report *r, const char *section, const char *key, int *is_null)
{
    double v = 0;
    int nul = 1;
    if (kz_report_get(r, section, key, &v, &nul) != 0)
        nul = 1;
    if (is_null)
        *is_null = nul;
    return v;
}

typedef struct bar {
    const char *label;                       /* shown as is (translated already) */
    double v;
} bar;

/* A horizontal bar chart as inline SVG: a title for screen readers, one
 * bar per row with its label and value; colours by attribute (no style). */
static void chart(pw *w, const char *id, const char *title, const bar *b, size_t n)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i].v > max)
            max = b[i].v;
    pw_f(w, "<figure>\n<figcaption id=\"%s\">", id);
    pw_text(w, title);
    pw_raw(w, "</figcaption>\n");
    if (n == 0 || max <= 0) {
        pw_raw(w, "<p>");
        pw_tr(w, "Nothing in this period.");
        pw_raw(w, "</p>\n</figure>\n");
        return;
    }
    const int row = 30, lw = 220, bw = 300;
    pw_f(w, "<svg role=\"img\" aria-labelledby=\"%s\" viewBox=\"0 0 600 %zu\" width=\"600\" height=\"%zu\">\n",
         id, n * row + 10, n * row + 10);
    for (size_t i = 0; i < n; i++) {
        double len = b[i].v / max * bw;
        int y = (int)i * row + 5;
        pw_f(w, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"14\" fill=\"#1b1b1b\">",
             lw - 8, y + 19);
        pw_text(w, b[i].label);
        pw_f(w, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#1f4e79\">"
                "<title>", lw, y + 4, len < 1 && b[i].v > 0 ? 1.0 : len, row - 10);
        pw_text(w, b[i].label);
        pw_f(w, ": %.15g</title></rect>\n", b[i].v);
        pw_f(w, "<text x=\"%.1f\" y=\"%d\" font-size=\"14\" fill=\"#1b1b1b\">%.15g</text>\n",
             lw + len + 6, y + 19, b[i].v);
    }
    pw_raw(w, "</svg>\n</figure>\n");
}

static void today(char *out, size_t n, int jan1)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, jan1 ? "%Y-01-01" : "%Y-%m-%d", &tm);
}

static void key_figure(pw *w, const kz_report *r, const char *label, const char *section,
                       const char *key)
{
    int nul = 0;
    double v = fig_num(r, section, key, &nul);
    pw_raw(w, "<div><dt>");
    pw_tr(w, label);
    pw_raw(w, "</dt><dd>");
    if (nul)
        pw_raw(w, "—");
    else
        pw_f(w, "%.15g", v);
    pw_raw(w, "</dd></div>\n");
}

static void period_form(pw *w, const char *from, const char *to)
{
    pw_raw(w, "<form method=\"get\" action=\"/transparency\">\n<fieldset>\n<legend>");
    pw_tr(w, "Period");
    pw_raw(w, "</legend>\n<label for=\"from\">");
    pw_tr(w, "From");
    pw_raw(w, "</label> <input type=\"date\" id=\"from\" name=\"from\" required value=\"");
    pw_text(w, from);
    pw_raw(w, "\">\n<label for=\"to\">");
    pw_tr(w, "To");
    pw_raw(w, "</label> <input type=\"date\" id=\"to\" name=\"to\" required value=\"");
    pw_text(w, to);
    pw_f(w, "\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n<button type=\"submit\">",
         lang_codes[w->lang]);
    pw_tr(w, "Show");
    pw_raw(w, "</button>\n</fieldset>\n</form>\n");
}

static int page_transparency(kz_req *rq)
{
    static const char *const q[] = { "from", "to", "lang", NULL };
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    char dfrom[16], dto[16], why[160], self_q[64];
    const char *from = kz_req_query(rq, "from"), *to = kz_req_query(rq, "to");
    today(dfrom, sizeof dfrom, 1);
    today(dto, sizeof dto, 0);
    if (!from || !*from)
        from = dfrom;
    if (!to || !*to)
        to = dto;
    pw w;
    pw_init(&w, rq);
    int bad = kz_report_period_check(from, to, "from", "to", why, sizeof why) != 0;
    snprintf(self_q, sizeof self_q, "from=%.10s&to=%.10s", bad ? dfrom : from, bad ? dto : to);
    pw_open(&w, tr(w.lang, "Transparency report"), "/transparency", self_q);
    pw_raw(&w, "<h1>");
    pw_tr(&w, "Transparency report");
    pw_raw(&w, "</h1>\n");
    if (bad) {
        period_form(&w, dfrom, dto);
        pw_raw(&w, "<p role=\"alert\">");
        pw_tr(&w, "The period is not valid");
        pw_raw(&w, ": ");
        pw_text(&w, why);
        pw_raw(&w, "</p>\n");
        return pw_send(rq, &w, 400);
    }
    period_form(&w, from, to);
    kz_store *s = kz_req_store(rq);
    if (!s) {
        kz_buf_release(&w.b);
        return KZ_EDB;
    }
    kz_report *r = NULL;
    fig *f = NULL;
    size_t nf = 0;
    if ((rc = kz_report_compute(s, from, to, &r)) != 0 || (rc = figures(r, &f, &nf)) != 0) {
        figures_free(f, nf);
        kz_report_free(&r);
        kz_buf_release(&w.b);
        return kz_resp_fail(rq, rc, rc == KZ_ENOMEM ? NULL : kz_store_errmsg(s));
    }

    pw_raw(&w, "<h2>");
    pw_tr(&w, "Figures for");
    pw_raw(&w, " ");
    pw_text(&w, from);
    pw_raw(&w, " – ");
    pw_text(&w, to);
    pw_raw(&w, "</h2>\n<dl class=\"figures\">\n");
    key_figure(&w, r, "Cases opened", "items_flagged", "cases");
    key_figure(&w, r, "Decisions", "decisions", "total");
    key_figure(&w, r, "Links blocked", "links_blocked", "total");
    key_figure(&w, r, "Notices sent", "notices", "sent");
    key_figure(&w, r, "Median hours to removal", "time_to_removal", "overall.median_hours");
    key_figure(&w, r, "Appeals filed", "appeals", "filed");
    key_figure(&w, r, "Reversed on appeal", "appeals", "reversed");
    pw_raw(&w, "</dl>\n<p>");
    pw_tr(&w, "Download");
    pw_raw(&w, ": <a href=\"/api/v1/report?from=");
    pw_text(&w, from);
    pw_raw(&w, "&amp;to=");
    pw_text(&w, to);
    pw_raw(&w, "&amp;format=csv\" download>CSV</a> · <a href=\"/api/v1/report?from=");
    pw_text(&w, from);
    pw_raw(&w, "&amp;to=");
    pw_text(&w, to);
    pw_raw(&w, "&amp;format=json\" download>JSON</a></p>\n");

    static const char *const measures[] = { "removal_request", "geo_restriction", "url_block",
                                            "domain_block", "no_action" };
    static const char *const outcomes[] = { "complied_in_time", "complied_late", "overdue",
                                            "pending" };
    bar b[64];
    size_t nb = 0;
    char key[96];
    for (size_t i = 0; i < KZ_ARRAY_LEN(measures); i++) {
        snprintf(key, sizeof key, "by_measure.%s", measures[i]);
        b[nb].label = tr_key(w.lang, measures[i]);
        b[nb++].v = fig_num(r, "decisions", key, NULL);
    }
    chart(&w, "chart-measures", tr(w.lang, "Decisions by measure"), b, nb);
    nb = 0;
    for (size_t i = 0; i < nf && nb < KZ_ARRAY_LEN(b); i++)
        if (!strcmp(f[i].section, "items_flagged") && !strncmp(f[i].key, "by_category.", 12)) {
            b[nb].label = f[i].key + 12;
            b[nb++].v = strtod(f[i].value, NULL);
        }
    chart(&w, "chart-categories", tr(w.lang, "Cases by category"), b, nb);
    nb = 0;
    for (size_t i = 0; i < KZ_ARRAY_LEN(outcomes); i++) {
        b[nb].label = tr_key(w.lang, outcomes[i]);
        b[nb++].v = fig_num(r, "notices", outcomes[i], NULL);
    }
    chart(&w, "chart-notices", tr(w.lang, "Notices by outcome"), b, nb);

    pw_raw(&w, "<h2 id=\"all\">");
    pw_tr(&w, "All figures");
    pw_raw(&w, "</h2>\n<table aria-labelledby=\"all\">\n<thead><tr><th scope=\"col\">");
    pw_tr(&w, "Section");
    pw_raw(&w, "</th><th scope=\"col\">");
    pw_tr(&w, "Figure");
    pw_raw(&w, "</th><th scope=\"col\">");
    pw_tr(&w, "Value");
    pw_raw(&w, "</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < nf; i++) {
        pw_raw(&w, "<tr><td>");
        pw_text(&w, f[i].section);
        pw_raw(&w, "</td><td>");
        pw_text(&w, f[i].key);
        pw_raw(&w, "</td><td>");
        pw_text(&w, f[i].value);
        pw_raw(&w, "</td></tr>\n");
    }
    pw_raw(&w, "</tbody>\n</table>\n");
    figures_free(f, nf);
    kz_report_free(&r);
    return pw_send(rq, &w, 200);
}

/* ---- block pages ------------------------------------------------------------------ */

static const unsigned page_langs[] = { KZ_PAGE_KK, KZ_PAGE_RU, KZ_PAGE_EN };

static int block_page(kz_req *rq, int64_t id, const char *self)
{
    int rc;
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    pw w;
    pw_init(&w, rq);
    kz_active_decision d;
    memset(&d, 0, sizeof d);
    rc = id > 0 ? kz_active_decision_get(s, id, NULL, &d) : KZ_ENOTFOUND;
    kz_active_page_opts o = { page_langs[w.lang], NULL, NULL, false, true };
    kz_buf sec;
    kz_buf_init(&sec, KZ_BUF_NOLIMIT);
    if (rc == 0)
        rc = kz_active_page_write(&sec, &d, &o);
    if (rc == KZ_ENOTFOUND || rc == KZ_EINVAL) {
        pw_open(&w, tr(w.lang, "No such decision"), self, NULL);
        pw_raw(&w, "<h1>");
        pw_tr(&w, "No such decision");
        pw_raw(&w, "</h1>\n<p>");
        pw_tr(&w, id > 0 ? "There is no restrictive decision with this number."
                         : "This address is not blocked.");
        pw_raw(&w, "</p>\n");
        kz_buf_release(&sec);
        kz_active_decision_release(&d);
        return pw_send(rq, &w, 404);
    }
    if (rc) {
        kz_buf_release(&sec);
        kz_active_decision_release(&d);
        kz_buf_release(&w.b);
        return kz_resp_fail(rq, rc, rc == KZ_ENOMEM ? NULL : kz_store_errmsg(s));
    }
    pw_open(&w, tr(w.lang, "Block page"), self, NULL);
    if (!d.in_effect && d.why_not) {
        pw_raw(&w, "<p role=\"status\"><strong>");
        pw_tr(&w, "This decision is no longer in effect:");
        pw_raw(&w, " ");
        pw_tr(&w, d.why_not);
        pw_raw(&w, "</strong></p>\n");
    }
    pw_raw(&w, sec.p ? sec.p : "");              /* written escaped by act/active.c */
    kz_buf_release(&sec);
    kz_active_decision_release(&d);
    return pw_send(rq, &w, 200);
}

static int page_block(kz_req *rq)
{
    int64_t id;
    int rc = kz_req_param_id(rq, "id", &id);
    if (rc)
        return rc;
    static const char *const q[] = { "lang", NULL };
    if ((rc = kz_req_query_check(rq, q)) != 0)
        return rc;
    char self[48];
    snprintf(self, sizeof self, "/block/%lld", (long long)id);
    return block_page(rq, id, self);
}

/* Any query: the blocked site's own, on whatever path was asked. */
static int page_blocked(kz_req *rq)
{
    int64_t id = 0;
    if (kz__serve_landing(rq, &id) != 1)
        id = 0;
    return block_page(rq, id, kz_req_path(rq));
}

/* ---- the audit checkpoint --------------------------------------------------------- */

static void cp_row(pw *w, const char *label, json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        return;
    pw_raw(w, "<dt>");
    pw_tr(w, label);
    pw_raw(w, "</dt><dd><code>");
    pw_text(w, json_object_get_string(v));
    pw_raw(w, "</code></dd>\n");
}

static int page_checkpoint(kz_req *rq)
{
    static const char *const q[] = { "lang", NULL };
    int rc = kz_req_query_check(rq, q);
    if (rc)
        return rc;
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_buf j;
    kz_buf_init(&j, 4096);
    rc = kz_audit_latest_json(s, &j);
    if (rc && rc != KZ_ENOTFOUND) {
        kz_buf_release(&j);
        return kz_resp_fail(rq, rc, kz_store_errmsg(s));
    }
    pw w;
    pw_init(&w, rq);
    pw_open(&w, tr(w.lang, "Audit checkpoint"), "/checkpoint", NULL);
    pw_raw(&w, "<h1>");
    pw_tr(&w, "Latest signed checkpoint of the audit log");
    pw_raw(&w, "</h1>\n<p>");
    pw_tr(&w, "Every change kuzet makes is an entry of a hash-chained audit log. A checkpoint "
              "signs its latest entry with the key below: anyone holding an export of the log "
              "can check that no entry up to this one was changed or removed since.");
    pw_raw(&w, "</p>\n");
    json_object *o = rc == 0 ? json_tokener_parse(j.p) : NULL;
    kz_buf_release(&j);
    if (!o) {
        pw_raw(&w, "<p>");
        pw_tr(&w, "No checkpoint has been signed yet.");
        pw_raw(&w, "</p>\n");
        return pw_send(rq, &w, rc == KZ_ENOTFOUND ? 404 : 500);
    }
    pw_raw(&w, "<dl class=\"checkpoint\">\n");
    cp_row(&w, "Sequence number", o, "seq");
    cp_row(&w, "Signed at", o, "at");
    cp_row(&w, "Entry hash", o, "hash");
    cp_row(&w, "Public key (Ed25519)", o, "public_key");
    cp_row(&w, "Signature", o, "signature");
    pw_raw(&w, "</dl>\n<h2>");
    pw_tr(&w, "How to check");
    pw_raw(&w, "</h2>\n<pre><code>kuzet audit verify --pubkey ");
    json_object *v = NULL;
    pw_text(&w, json_object_object_get_ex(o, "public_key", &v) ? json_object_get_string(v) : "");
    pw_raw(&w, " \\\n    --against '");
    pw_text(&w, json_object_object_get_ex(o, "line", &v) ? json_object_get_string(v) : "");
    pw_raw(&w, "'</code></pre>\n<p><a href=\"/api/v1/audit/checkpoint\">");
    pw_tr(&w, "Audit checkpoint");
    pw_raw(&w, " ");
    pw_tr(&w, "as JSON");
    pw_raw(&w, "</a></p>\n");
    json_object_put(o);
    return pw_send(rq, &w, 200);
}

static const kz_route routes[] = {
    { "GET", "/transparency", KZ_ROLE_PUBLIC, page_transparency, 0, 0 },
    { "GET", "/block/{id}", KZ_ROLE_PUBLIC, page_block, 0, 0 },
    { "GET", KZ_LANDING_PATH, KZ_ROLE_PUBLIC, page_blocked, 0, 0 },
    { "GET", "/checkpoint", KZ_ROLE_PUBLIC, page_checkpoint, 0, 0 },
};

const kz_route_table kz_routes_webpub = { "webpub", routes, KZ_ARRAY_LEN(routes) };
