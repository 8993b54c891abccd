/*
 * tests/t_web_status.c - the web app's status page (serve/routes_status.c):
 * the workers, the queue's depth, leases about to expire and job errors, as
 * `kuzet status` reads them; who may see it; what it says on SQLite.
 */
#include "kt.h"
#include "kt_serve.h"
#include "jobs/queue.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void staff(kz_store *s) { kt_serve_staff(s); }

static long get(const kt_server *sv, kt_client *c, const char *path, kt_resp *r)
{
    return kt_http(sv, c, "GET", path, NULL, r);
}

KT_TEST(web_status_page_pg)
{
    kt_server sv;
    kt_client sue, ann, aud;
    kt_resp r;
    char path[128];
    kz_store *s = NULL;
    kz_queue *q = NULL;
    kz_job j[2];
    size_t n = 0, added = 0;
    if (kt_serve_start(&sv, "status", 1, staff, NULL))
        return;
    memset(&sue, 0, sizeof sue);
    memset(&ann, 0, sizeof ann);
    memset(&aud, 0, sizeof aud);
    KT_EQ_INT(kt_login_http(&sv, &sue, "sue"), 200);
    KT_EQ_INT(kt_login_http(&sv, &ann, "ann"), 200);
    KT_EQ_INT(kt_login_http(&sv, &aud, "aud"), 200);
    /* a worker with a 5 s lease on one chunk, one chunk failed, one left */
    snprintf(path, sizeof path, "%s/in.jsonl", sv.dir);
    FILE *f = fopen(path, "w");
    KT_CHECK(f != NULL);
    if (!f)
        goto out;
    for (int i = 0; i < 3; i++)
        fprintf(f, "{\"url\":\"https://x.example/%d\",\"text\":\"post %d %0100d\"}\n", i, i, i);
    fclose(f);
    KT_EQ_INT(kz_store_open(&s, sv.uri, 1), 0);
    if (!s)
        goto out;
    KT_EQ_INT(kz_queue_add_ingest(s, path, 120, &added), 0);
    KT_EQ_INT(added, 3);
    KT_EQ_INT(kz_queue_open(&q, s, NULL, "web-status-w1", "ingest", 5), 0);
    KT_EQ_INT(kz_queue_lease(q, "ingest", 2, j, &n), 0);
    KT_EQ_INT(n, 2);
    if (n == 2) {
        KT_EQ_INT(kz_queue_finish(q, &j[1], 0, "the <file> moved", 0), 0);
        kz_job_release(&j[1]);
    }

    KT_EQ_INT(get(&sv, &sue, "/status", &r), 200);
    KT_CHECK(strstr(r.body, "<h1>Workers and queue</h1>") != NULL);
    KT_CHECK(strstr(r.body, "<code>web-status-w1</code></th><td>ingest</td><td>alive</td>"));
    KT_CHECK(strstr(r.body, "<td>ingest</td><td>leased</td><td class=\"num\">1</td>"));
    KT_CHECK(strstr(r.body, "<td>ingest</td><td>pending</td><td class=\"num\">2</td>"));
    /* the lease of 5 s is within 10 s of its end: listed, held by w1 */
    KT_CHECK(strstr(r.body, "<td><code>web-status-w1</code></td>") != NULL);
    /* the error, escaped */
    KT_CHECK(strstr(r.body, "<td>the &lt;file&gt; moved</td>") != NULL);
    KT_CHECK(strstr(r.body, "href=\"/status\" aria-current=\"page\"") != NULL);
    kt_resp_free(&r);
    /* in Russian */
    static const char *const ru[] = { "Accept-Language: ru", NULL };
    KT_EQ_INT(kt_httpx(&sv, &aud, "GET", "/status", NULL, NULL, 0, ru, &r), 200);
    KT_CHECK(strstr(r.body, "Обработчики и очередь") && strstr(r.body, "<td>работает</td>"));
    kt_resp_free(&r);
    /* a reviewer: not this page, and no link to it */
    KT_EQ_INT(get(&sv, &ann, "/status", &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, &ann, "/dashboard", &r), 200);
    KT_CHECK(strstr(r.body, "href=\"/status\"") == NULL);
    kt_resp_free(&r);
    /* kuzet status reads the same */
    char cmd[1024], *out = NULL, *errs = NULL;
    snprintf(cmd, sizeof cmd, "'%s' status --db '%s'", kt_bin(), sv.uri);
    KT_EQ_INT(kt_run(cmd, &out, &errs), 0);
    /* (kuzet serve runs the on-time jobs as a worker of its own: two alive) */
    KT_CHECK(out && strstr(out, "workers: 2 alive\n") && strstr(out, "  ingest  leased 1 pending 2\n") &&
             strstr(out, "  web-status-w1                    alive ingest ") &&
             strstr(out, "errors: 1\n") && strstr(out, "attempts): the <file> moved\n"));
    free(out);
    free(errs);
    snprintf(cmd, sizeof cmd, "'%s' status --json --db '%s'", kt_bin(), sv.uri);
    out = errs = NULL;
    KT_EQ_INT(kt_run(cmd, &out, &errs), 0);
    KT_CHECK(out && strstr(out, "\"queue\":{\"ingest\":{\"leased\":1,\"pending\":2},") &&
             strstr(out, "\"id\":\"web-status-w1\",") && strstr(out, "\"alive\":true") &&
             strstr(out, "\"error\":\"the <file> moved\"}"));
    free(out);
    free(errs);
    if (n == 2)
        kz_job_release(&j[0]);
out:
    kz_queue_close(&q);
    kz_store_close(&s);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_status_page_sqlite)
{
    kt_server sv;
    kt_client sue;
    kt_resp r;
    if (kt_serve_start(&sv, "status", 0, staff, NULL))
        return;
    memset(&sue, 0, sizeof sue);
    KT_EQ_INT(kt_login_http(&sv, &sue, "sue"), 200);
    KT_EQ_INT(get(&sv, &sue, "/status", &r), 200);
    KT_CHECK(strstr(r.body, "which has no work queue: workers and their jobs need PostgreSQL"));
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
