/*
 * tests/t_serve_ticks.c - kuzet serve runs the on-time jobs (jobs/ticker.h):
 * a notice past its deadline is marked overdue and escalated with nothing
 * but the server running (SQLite: its own schedule; PostgreSQL: the
 * queue's tick, leased), and with a server and a worker both up it is
 * escalated once; --no-ticks runs none.
 */
#include "kt.h"
#include "kt_serve.h"
#include "case/case.h"
#include "case/platform.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static const kz_decision_in REMOVAL = { "removal_request", "Law on Narcotics, art. 5",
                                        "offers drugs for sale with a price", "KZ", NULL, 30 };

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* A case decided and notified in January: its notice's deadline has
 * passed.  Its id. */
static int64_t past_due_case(kz_store *s, kz_actor *al, kz_actor *ann, int n)
{
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d", n);
    snprintf(text, sizeof text, "пост номер %d закладка", n);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text, strlen(text),
                      NULL };
    kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 8, NULL, NULL, 0 };
    kz_flag_in f = { "drugs", 50 };
    kz_ingest_out out;
    int64_t id = 0;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    kz_dbval p[] = { kz_dbint(out.item_id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1", p, 1, &id), 0);
    KT_EQ_INT(kz_case_assign(al, id, "ann"), 0);
    KT_EQ_INT(kz_case_decide(ann, id, &REMOVAL, NULL), 0);
    KT_EQ_INT(kz_account_set_clock(al, "2026-01-10T10:00:00Z"), 0);
    KT_EQ_INT(kz_case_notify(al, id, NULL, NULL, NULL), 0);
    kz_account_set_clock(al, NULL);
    return id;
}

static void setup(kz_store *s)
{
    kt_staff p;
    kt_staff_login(s, &p);
    past_due_case(s, p.al, p.ann, 1);
    kz_platform_in pi = { NULL, "http://127.0.0.1:1/notices", NULL, NULL, "ru", 0 };
    KT_EQ_INT(kz_platform_set(p.root, "forum", &pi), 0);
    kt_staff_release(&p);
}

/* count(*) of sql with the case id as $1, on the server's store */
static int64_t count(const kt_server *sv, const char *sql, int64_t id)
{
    kz_store *s = NULL;
    int64_t n = -1;
    if (kz_store_open(&s, sv->uri, 0) != 0) {
        kz_store_close(&s);
        return -1;
    }
    kz_dbval p[] = { kz_dbint(id) };
    if (kz_db_int(kz_store_db(s), sql, p, 1, &n) != 0)
        n = -1;
    kz_store_close(&s);
    return n;
}

static const char STATE_OVERDUE[] = "SELECT count(*) FROM cases WHERE id = $1 AND state = 'overdue'";
static const char AUDITED[] = "SELECT count(*) FROM audit_log WHERE action = 'case.overdue' AND "
                              "entity_id = $1";

/* 1 when case id is overdue within ms */
static int overdue_within(const kt_server *sv, int64_t id, long ms)
{
    for (long t = 0; t <= ms; t += 100) {
        if (count(sv, STATE_OVERDUE, id) == 1)
            return 1;
        sleep_ms(100);
    }
    return 0;
}

static void serve_alone(int pg)
{
    kt_server sv;
    static const char *const extra[] = { "--overdue-every", "1s", NULL };
    if (kt_serve_start(&sv, "ticks", pg, setup, extra))
        return;
    KT_CHECK(overdue_within(&sv, 1, 10000));
    KT_EQ_INT(count(&sv, AUDITED, 1), 1);
    /* every tick ran, none failed (the purge runs as the system) */
    char *log = kt_serve_log(&sv);
    KT_CHECK(log && strstr(log, "tick overdue: 1 cases marked overdue") && !strstr(log, "(failed)"));
    /* and notice delivery: the platform's endpoint answers nothing, so the
     * attempt is recorded as failed, to be tried again */
    for (int t = 0; t < 100 && count(&sv, "SELECT count(*) FROM notice_deliveries WHERE "
                                         "status = 'failed' AND $1 = 1", 1) < 1; t++)
        sleep_ms(100);
    KT_CHECK(count(&sv, "SELECT count(*) FROM notice_deliveries WHERE status = 'failed' AND "
                        "channel = 'api' AND $1 = 1", 1) >= 1);
    free(log);
    KT_EQ_INT(count(&sv, "SELECT count(*) FROM notices WHERE escalated_at IS NOT NULL AND "
                         "decision_id IN (SELECT id FROM decisions WHERE case_id = $1)", 1), 1);
    if (pg) {
        /* the server is a worker of the role tick, and scheduled the rest */
        KT_EQ_INT(count(&sv, "SELECT count(*) FROM workers WHERE roles = 'tick' AND id LIKE "
                             "'%:serve' AND $1 = 1", 1), 1);
        KT_EQ_INT(count(&sv, "SELECT count(*) FROM jobs WHERE kind = 'tick' AND $1 = 1", 1), 6);
    }
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(serve_ticks_overdue) { serve_alone(0); }
KT_TEST(serve_ticks_overdue_pg) { serve_alone(1); }

/* --no-ticks: the notice stays notified */
KT_TEST(serve_no_ticks)
{
    kt_server sv;
    static const char *const extra[] = { "--no-ticks", NULL };
    if (kt_serve_start(&sv, "noticks", 0, setup, extra))
        return;
    KT_CHECK(!overdue_within(&sv, 1, 1500));
    KT_EQ_INT(count(&sv, AUDITED, 1), 0);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* A server and a worker on one PostgreSQL: a notice that passes its
 * deadline while both run is escalated once. */
KT_TEST(serve_ticks_with_worker_pg)
{
    kt_server sv;
    static const char *const extra[] = { "--overdue-every", "1s", NULL };
    if (kt_serve_start(&sv, "tickswk", 1, setup, extra))
        return;
    KT_CHECK(overdue_within(&sv, 1, 10000));
    pid_t w = fork();
    if (w == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(kt_bin(), kt_bin(), "worker", "--db", sv.uri, "--roles", "tick", "--poll", "100",
              "--lease", "5", "--quiet", (char *)NULL);
        _exit(127);
    }
    KT_CHECK(w > 0);
    /* the worker is up (registered) */
    for (int t = 0; t < 100 && count(&sv, "SELECT count(*) FROM workers WHERE id NOT LIKE "
                                          "'%:serve' AND $1 = 1", 1) < 1; t++)
        sleep_ms(100);
    KT_EQ_INT(count(&sv, "SELECT count(*) FROM workers WHERE id NOT LIKE '%:serve' AND $1 = 1", 1), 1);
    /* a second notice past its deadline, made while both run */
    kz_store *s = NULL;
    int64_t c2 = 0;
    KT_EQ_INT(kz_store_open(&s, sv.uri, 0), 0);
    if (s) {
        KT_EQ_INT(kz_store_set_signer(s, sv.key), 0);
        kz_actor *al = kt_login(s, "al"), *ann = kt_login(s, "ann");
        c2 = past_due_case(s, al, ann, 2);
        kz_account_logout(&al);
        kz_account_logout(&ann);
        kz_store_close(&s);
    }
    KT_CHECK(overdue_within(&sv, c2, 10000));
    sleep_ms(2500);                 /* a few more ticks of both */
    KT_EQ_INT(count(&sv, AUDITED, c2), 1);
    KT_EQ_INT(count(&sv, AUDITED, 1), 1);
    /* the overdue tick was done by both processes over time, never twice
     * at once: one row, leased by one at a time */
    KT_EQ_INT(count(&sv, "SELECT count(*) FROM jobs WHERE kind = 'tick' AND jkey = 'overdue' "
                         "AND $1 = 1", 1), 1);
    if (w > 0) {
        int st = 0;
        kill(w, SIGTERM);
        waitpid(w, &st, 0);
        KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
