/*
 * serve/routes_status.c - the web app's status page: the workers, the work
 * queue's depth, leases about to expire and the latest job errors, what
 * `kuzet status` prints, from the same library call (jobs/queue.h,
 * kz_queue_status_read).  For supervisors, auditors and admins.  On a
 * SQLite database, which has no work queue, the page says so.
 */
#include "serve/routes.h"
#include "serve/html.h"
#include "serve/i18n.h"
#include "jobs/queue.h"

#define WATCHERS (KZ_ROLE_SUPERVISOR | KZ_ROLE_AUDITOR | KZ_ROLE_ADMIN)

static void head(kz_html *h, const char *const *cols, size_t n)
{
    kz_h_raw(h, "<table><thead><tr>");
    for (size_t i = 0; i < n; i++)
        kz_h_f(h, "<th scope=\"col\">%s</th>", kz_h_tr(h, cols[i]));
    kz_h_raw(h, "</tr></thead><tbody>");
}

/* A section's table, or (none: 0) what it says when there are no rows, and
 * the section closed. */
static int rows_or(kz_html *h, size_t n, const char *empty, const char *const *cols,
                   size_t ncols)
{
    if (!n) {
        kz_h_f(h, "<p>%s</p></section>", kz_h_tr(h, empty));
        return 0;
    }
    head(h, cols, ncols);
    return 1;
}

static void workers(kz_html *h, const kz_queue_status *q)
{
    static const char *const cols[] = { "Worker", "Roles", "State", "Seen (s ago)", "Jobs done",
                                         "Failed", "Leases lost", "Pages/s", "Records/s",
                                         "Last error" };
    kz_h_f(h, "<section><h2>%s</h2><p>%s: %zu</p>", kz_h_tr(h, "Workers"),
           kz_h_tr(h, "Alive"), q->alive);
    if (!rows_or(h, q->nworkers, "No worker in the last hour.", cols, KZ_ARRAY_LEN(cols)))
        return;
    for (size_t i = 0; i < q->nworkers; i++) {
        const kz_worker_status *w = &q->workers[i];
        char pr[32], rr[32];
        snprintf(pr, sizeof pr, "%.2f", w->pages_per_s);
        snprintf(rr, sizeof rr, "%.2f", w->records_per_s);
        kz_h_f(h, "<tr><th scope=\"row\"><code>%s</code></th><td>%s</td><td%s>%s</td>"
               "<td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
               "<td class=\"num\">%lld</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
               "<td>%s</td></tr>", w->id, w->roles, w->alive ? "" : " class=\"overdue\"",
               kz_h_tr(h, w->alive ? "alive" : "gone"), (long long)(w->seen_ms_ago / 1000),
               (long long)w->jobs_done, (long long)w->jobs_failed, (long long)w->leases_lost,
               pr, rr, w->last_error[0] ? w->last_error : "\xe2\x80\x94");
    }
    kz_h_raw(h, "</tbody></table></section>");
}

static void depth(kz_html *h, const kz_queue_status *q)
{
    static const char *const cols[] = { "Kind", "State", "Jobs" };
    kz_h_f(h, "<section><h2>%s</h2>", kz_h_tr(h, "Queue"));
    if (!rows_or(h, q->ndepth, "The queue is empty.", cols, KZ_ARRAY_LEN(cols)))
        return;
    for (size_t i = 0; i < q->ndepth; i++)
        kz_h_f(h, "<tr><td>%s</td><td>%s</td><td class=\"num\">%lld</td></tr>", q->depth[i].kind,
               kz_h_tr(h, q->depth[i].state), (long long)q->depth[i].jobs);
    kz_h_raw(h, "</tbody></table></section>");
}

static void leases(kz_html *h, const kz_queue_status *q)
{
    static const char *const cols[] = { "Job", "Kind", "Key", "Held by", "Expires in (ms)" };
    kz_h_f(h, "<section><h2>%s</h2>", kz_h_tr(h, "Leases expiring within 10 s"));
    if (!rows_or(h, q->nleases, "Nothing here.", cols, KZ_ARRAY_LEN(cols)))
        return;
    for (size_t i = 0; i < q->nleases; i++) {
        const kz_lease_status *l = &q->leases[i];
        kz_h_f(h, "<tr><td class=\"num\">%lld</td><td>%s</td><td><code>%s</code></td>"
               "<td><code>%s</code></td><td class=\"num\">%lld</td></tr>", (long long)l->id,
               l->kind, l->key, l->owner, (long long)l->expires_in_ms);
    }
    kz_h_raw(h, "</tbody></table></section>");
}

static void errors(kz_html *h, const kz_queue_status *q)
{
    static const char *const cols[] = { "Job", "Kind", "Key", "State", "Attempts", "Error" };
    kz_h_f(h, "<section><h2>%s</h2>", kz_h_tr(h, "Latest job errors"));
    if (!rows_or(h, q->nerrors, "Nothing here.", cols, KZ_ARRAY_LEN(cols)))
        return;
    for (size_t i = 0; i < q->nerrors; i++) {
        const kz_job_error *e = &q->errors[i];
        kz_h_f(h, "<tr><td class=\"num\">%lld</td><td>%s</td><td><code>%s</code></td><td>%s</td>"
               "<td class=\"num\">%lld</td><td>%s</td></tr>", (long long)e->id, e->kind, e->key,
               kz_h_tr(h, e->state), (long long)e->attempts, e->error);
    }
    kz_h_raw(h, "</tbody></table></section>");
}

/* GET /status */
static int status_page(kz_req *rq)
{
    static const char *const no_query[] = { NULL };
    int rc = kz_req_query_check(rq, no_query);
    if (rc)
        return rc;
    kz_store *s = kz_req_store(rq);
    if (!s)
        return KZ_EDB;
    kz_queue_status *q = NULL;
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Workers and queue", "/status");
    if ((rc = kz_queue_status_read(s, &q)) == KZ_EINVAL) {
        kz_h_f(&h, "<p>%s</p>", kz_h_tr(&h, "This server's database is SQLite, which has no work "
               "queue: workers and their jobs need PostgreSQL (docs/operations.md)."));
    } else if (rc) {
        kz_html_release(&h);
        return kz_resp_fail(rq, rc, kz_store_errmsg(s));
    } else {
        workers(&h, q);
        depth(&h, q);
        leases(&h, q);
        errors(&h, q);
        kz_queue_status_free(&q);
    }
    return kz_page_send(&h, 200);
}

static const kz_route routes[] = {
    { "GET", "/status", WATCHERS, status_page, KZ_ROUTE_HTML, 0 },
};

const kz_route_table kz_routes_status = { "status", routes, KZ_ARRAY_LEN(routes) };

static const kz_msg msgs[] = {
    { "Workers and queue", "Обработчики и очередь", "Өңдеушілер мен кезек" },
    { "Workers", "Обработчики", "Өңдеушілер" },
    { "Alive", "Работают", "Жұмыс істеп тұр" },
    { "No worker in the last hour.", "За последний час обработчиков не было.",
      "Соңғы бір сағатта өңдеуші болған жоқ." },
    { "Worker", "Обработчик", "Өңдеуші" },
    { "Roles", "Роли", "Рөлдер" },
    { "Seen (s ago)", "Виден (с назад)", "Көрінді (с бұрын)" },
    { "Jobs done", "Выполнено заданий", "Орындалған тапсырмалар" },
    { "Failed", "С ошибкой", "Қатемен" },
    { "Leases lost", "Потеряно аренд", "Жоғалған жалдаулар" },
    { "Pages/s", "Страниц/с", "Бет/с" },
    { "Records/s", "Записей/с", "Жазба/с" },
    { "Last error", "Последняя ошибка", "Соңғы қате" },
    { "alive", "работает", "жұмыс істеп тұр" },
    { "gone", "пропал", "жоғалды" },
    { "Queue", "Очередь", "Кезек" },
    { "The queue is empty.", "Очередь пуста.", "Кезек бос." },
    { "Kind", "Вид", "Түрі" },
    { "Jobs", "Заданий", "Тапсырмалар" },
    { "Leases expiring within 10 s", "Аренды, истекающие в ближайшие 10 с",
      "10 с ішінде аяқталатын жалдаулар" },
    { "Job", "Задание", "Тапсырма" },
    { "Key", "Ключ", "Кілт" },
    { "Held by", "Держит", "Ұстап тұр" },
    { "Expires in (ms)", "Истекает через (мс)", "Аяқталуына (мс)" },
    { "Latest job errors", "Последние ошибки заданий", "Тапсырмалардың соңғы қателері" },
    { "Attempts", "Попыток", "Әрекеттер" },
    { "Error", "Ошибка", "Қате" },
    { "pending", "ожидает", "күтуде" },
    { "leased", "в работе", "жұмыста" },
    { "done", "выполнено", "орындалды" },
    { "failed", "с ошибкой", "қатемен" },
    { "This server's database is SQLite, which has no work queue: workers and their jobs need "
      "PostgreSQL (docs/operations.md).",
      "База данных этого сервера — SQLite, в ней нет очереди заданий: обработчикам и их заданиям "
      "нужен PostgreSQL (docs/operations.md).",
      "Бұл сервердің дерекқоры — SQLite, онда тапсырмалар кезегі жоқ: өңдеушілер мен олардың "
      "тапсырмаларына PostgreSQL керек (docs/operations.md)." },
};

const kz_msg_table kz_i18n_status = { msgs, KZ_ARRAY_LEN(msgs) };
