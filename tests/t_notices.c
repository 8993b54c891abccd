/*
 * tests/t_notices.c - notices that reach platforms (case/platform.h,
 * case/deliver.h, case/notice_text.h): platforms' contacts and their
 * rules; a notice delivered to a real SMTP server (Debian's aiosmtpd,
 * started on a loopback port, its Maildir read back) and POSTed to a
 * loopback HTTP receiver that fails twice (503) and then accepts with an
 * answer; the attempts, their backoff and the answer recorded; the
 * escalation to the legal representative after the deadline, once; answers
 * recorded by staff.  On SQLite, and on PostgreSQL with KUZET_TEST_PG.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "case/deliver.h"
#include "case/notice_text.h"
#include "case/platform.h"
#include "ingest/fetch.h"
#include "jobs/run.h"
#include "store/store.h"
#include <dirent.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the loopback HTTP receiver ------------------------------------------ */

typedef struct receiver {
    struct MHD_Daemon *d;
    int    port, fail_first, requests;
    char   last[65536];
    size_t last_len;
    const char *reply;          /* the 2xx body */
} receiver;

typedef struct rq_body {
    char   b[65536];
    size_t n;
} rq_body;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    receiver *r = cls;
    rq_body *b = *con_cls;
    (void)url; (void)method; (void)version;
    if (!b) {
        *con_cls = calloc(1, sizeof *b);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size) {
        size_t k = *size < sizeof b->b - 1 - b->n ? *size : sizeof b->b - 1 - b->n;
        memcpy(b->b + b->n, data, k);
        b->n += k;
        *size = 0;
        return MHD_YES;
    }
    memcpy(r->last, b->b, b->n);
    r->last[b->n] = '\0';
    r->last_len = b->n;
    r->requests++;
    int fail = r->requests <= r->fail_first;
    const char *body = fail ? "busy" : r->reply;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                                MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, fail ? 503 : 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)c; (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static int receiver_start(receiver *r, int fail_first, const char *reply)
{
    memset(r, 0, sizeof *r);
    r->fail_first = fail_first;
    r->reply = reply;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, r,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!r->d)
        return -1;
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    r->port = i ? i->port : 0;
    return r->port ? 0 : -1;
}

static void receiver_stop(receiver *r)
{
    if (r->d)
        MHD_stop_daemon(r->d);
    r->d = NULL;
}

/* ---- the SMTP server: Debian's python3-aiosmtpd ---------------------------- */

typedef struct smtpd {
    pid_t pid;
    int   port;
    char  dir[64], maildir[96], url[64];
} smtpd;

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Start it, or skip the test: the server missing is a broken set-up. */
static void smtpd_start(smtpd *m)
{
    memset(m, 0, sizeof m[0]);
    if (system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") != 0)
        kt_skip("no SMTP server: python3-aiosmtpd is not installed (scripts/setup installs it)");
    snprintf(m->dir, sizeof m->dir, "/tmp/kt-smtp-XXXXXX");
    if (!mkdtemp(m->dir))
        kt_skip("no temporary directory for the SMTP server");
    snprintf(m->maildir, sizeof m->maildir, "%s/mail", m->dir);
    for (int tries = 0; tries < 3 && !m->pid; tries++) {
        m->port = free_port();
        char port[16], listen[40], log[96];
        snprintf(port, sizeof port, "%d", m->port);
        snprintf(listen, sizeof listen, "127.0.0.1:%d", m->port);
        snprintf(log, sizeof log, "%s/log", m->dir);
        pid_t pid = fork();
        if (pid == 0) {
            /* it dies with the test, and holds none of the runner's pipes */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (!freopen(log, "a", stderr) || !freopen("/dev/null", "w", stdout))
                _exit(127);
            execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen, "-c",
                  "aiosmtpd.handlers.Mailbox", m->maildir, (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 100 && pid > 0; i++) {         /* up to 10 s */
            struct timespec ts = { 0, 100000000L };
            if (can_connect(m->port)) {
                m->pid = pid;
                break;
            }
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                pid = -1;
                break;
            }
            nanosleep(&ts, NULL);
        }
        if (!m->pid && pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
    }
    if (!m->pid)
        kt_skip("the SMTP server (aiosmtpd) did not start on a loopback port");
    snprintf(m->url, sizeof m->url, "smtp://127.0.0.1:%d", m->port);
}

static void smtpd_stop(smtpd *m)
{
    if (m->pid > 0) {
        kill(m->pid, SIGTERM);
        waitpid(m->pid, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", m->dir);
    if (m->dir[0] && system(cmd) != 0)
        kt_fail(__FILE__, __LINE__, "could not remove %s", m->dir);
}

/* The messages that arrived (in no particular order), up to max; how many. */
static int mails(const smtpd *m, char **out, int max)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/new", m->maildir);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort), k = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && k < max) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            out[k++] = kt_slurp(path, NULL);
        }
        free(names[i]);
    }
    free(names);
    return k;
}

/* The base64 body after the blank line, decoded. */
static char *body_of(const char *msg)
{
    const char *b = strstr(msg, "\n\n");
    const char *b2 = strstr(msg, "\r\n\r\n");
    if (b2 && (!b || b2 < b))
        b = b2 + 4;
    else if (b)
        b += 2;
    else
        return NULL;
    size_t n = strlen(b), out_len = 0;
    char *out = calloc(1, n + 1);
    if (out && sodium_base642bin((unsigned char *)out, n, b, n, " \r\n", &out_len, NULL,
                                 sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- the workflow --------------------------------------------------------- */

static int64_t notified_case(kz_store *s, kt_staff *p, const char *platform, int n)
{
    char url[64], text[64], ref[16];
    snprintf(url, sizeof url, "https://x.example.kz/p/%d", n);
    snprintf(text, sizeof text, "пост %d закладка", n);
    snprintf(ref, sizeof ref, "post-%d", n);
    kz_item_in it = { url, strlen(url), "x.kz", 4, ref, strlen(ref), NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 8, NULL, NULL, 0 };
    kz_flag_in f = { "drugs", 50 };
    kz_ingest_out out;
    int64_t id = 0, nid = 0;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    kz_dbval q[] = { kz_dbint(out.item_id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1", q, 1, &id), 0);
    kz_decision_in dec = { "removal_request", "Закон РК «Об онлайн-платформах», ст. 19",
                           "Продажа наркотиков через закладки", "KZ", NULL, 30 };
    KT_EQ_INT(kz_case_assign(p->al, id, "ann"), 0);
    KT_EQ_INT(kz_case_decide(p->ann, id, &dec, NULL), 0);
    KT_EQ_INT(kz_case_notify(p->al, id, platform, &nid, NULL), 0);
    return nid;
}

static int64_t count(kz_store *s, const char *sql, int64_t id)
{
    int64_t n = -1;
    kz_dbval p[] = { kz_dbint(id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), sql, p, 1, &n), 0);
    return n;
}

static void text_of(kz_store *s, const char *sql, int64_t id, char *out, size_t n)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    out[0] = '\0';
    KT_EQ_INT(kz_db_query(kz_store_db(s), sql, p, 1, &r), 0);
    if (kz_dbres_next(r) == 1) {
        const char *t = kz_dbres_text(r, 0, NULL);
        snprintf(out, n, "%s", t ? t : "NULL");
    }
    kz_dbres_done(r);
}

static void deliver(kt_staff *p, const char *now, const kz_deliver_opts *o, kz_deliver_stats *st)
{
    kt_staff_clock(p, now);
    KT_EQ_INT(kz_notices_deliver(p->sys, o, st), 0);
}

/* The whole flow on store s (whose URI is uri). */
static void flow(kz_store *s, const char *uri)
{
    smtpd m;
    receiver r;
    kt_staff p;
    kz_deliver_stats st;
    char endpoint[64], v[256];
    smtpd_start(&m);
    KT_EQ_INT(kz_fetch_global_init(), 0);
    KT_EQ_INT(receiver_start(&r, 2, "{\"status\":\"received\",\"answer\":\"Материал удалён\"}"),
              0);
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-03-01T10:00:00Z");
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d/notices", r.port);
    kz_platform_in in = { "notices@x.kz", endpoint, "Асқар Сейітов", "rep@x.kz", "kk", 250000 };
    KT_EQ_INT(kz_platform_add(p.sue, "x.kz", &in, NULL), 0);
    int64_t nid = notified_case(s, &p, "x.kz", 1);
    KT_CHECK(nid > 0);

    kz_deliver_opts o = { m.url, "kuzet@authority.kz", 5000, 0, 0 };
    /* first pass: the e-mail goes, the endpoint answers 503 */
    deliver(&p, "2026-03-01T10:00:01Z", &o, &st);
    KT_EQ_INT(st.attempts, 2);
    KT_EQ_INT(st.sent, 1);
    KT_EQ_INT(st.failed, 1);
    text_of(s, "SELECT status || ' ' || COALESCE(error, '-') || ' ' || COALESCE(next_at, '-') "
               "FROM notice_deliveries WHERE notice_id = $1 AND channel = 'api' AND attempt = 1",
            nid, v, sizeof v);
    KT_EQ_STR(v, "failed HTTP 503 2026-03-01T10:01:01Z");
    /* not due again before its time; the e-mail is never sent twice */
    deliver(&p, "2026-03-01T10:00:30Z", &o, &st);
    KT_EQ_INT(st.attempts, 0);
    KT_EQ_INT(r.requests, 1);
    /* second failure: the backoff doubles */
    deliver(&p, "2026-03-01T10:01:01Z", &o, &st);
    KT_EQ_INT(st.failed, 1);
    text_of(s, "SELECT next_at FROM notice_deliveries WHERE notice_id = $1 AND channel = 'api' "
               "AND attempt = 2", nid, v, sizeof v);
    KT_EQ_STR(v, "2026-03-01T10:03:01Z");
    deliver(&p, "2026-03-01T10:03:00Z", &o, &st);
    KT_EQ_INT(st.attempts, 0);
    /* third: accepted, with an answer */
    deliver(&p, "2026-03-01T10:03:01Z", &o, &st);
    KT_EQ_INT(st.sent, 1);
    KT_EQ_INT(st.answers, 1);
    KT_EQ_INT(r.requests, 3);
    text_of(s, "SELECT via || ': ' || text FROM notice_answers WHERE notice_id = $1", nid, v,
            sizeof v);
    KT_EQ_STR(v, "api: Материал удалён");
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM notice_deliveries WHERE notice_id = $1", nid), 4);
    /* what the endpoint got: the notice as JSON */
    KT_CHECK(strstr(r.last, "\"notice_id\":") != NULL);
    KT_CHECK(strstr(r.last, "\"language\":\"kk\"") != NULL);
    KT_CHECK(strstr(r.last, "\"deadline\":\"2026-03-02T10:00:00Z\"") != NULL);
    KT_CHECK(strstr(r.last, "\"url\":\"https://x.example.kz/p/1\"") != NULL);
    KT_CHECK(strstr(r.last, "\"ref\":\"post-1\"") != NULL);

    /* what the SMTP server got */
    char *msg[4] = { NULL };
    int nm = mails(&m, msg, 4);
    KT_EQ_INT(nm, 1);
    if (nm >= 1) {
        KT_CHECK(strstr(msg[0], "To: notices@x.kz") != NULL);
        KT_CHECK(strstr(msg[0], "From: kuzet <kuzet@authority.kz>") != NULL);
        KT_CHECK(strstr(msg[0], "Content-Language: kk") != NULL);
        KT_CHECK(strstr(msg[0], "Content-Type: text/plain; charset=UTF-8") != NULL);
        KT_CHECK(strstr(msg[0], "Message-ID: <kuzet.notice.") != NULL);
        KT_CHECK(strstr(msg[0], "@authority.kz>") != NULL);
        KT_CHECK(strstr(msg[0], "Subject: =?UTF-8?B?") != NULL);
        KT_CHECK(strstr(msg[0], "Date: Sun, 01 Mar 2026 10:00:01 +0000") != NULL);
        KT_CHECK(strstr(msg[0], "X-RcptTo: notices@x.kz") != NULL);
        char *b = body_of(msg[0]);
        KT_CHECK(b != NULL);
        if (b) {
            KT_CHECK(strstr(b, "Кімге: x.kz") != NULL);
            KT_CHECK(strstr(b, "Орындау мерзімі: 2026-03-02T10:00:00Z (UTC)") != NULL);
            KT_CHECK(strstr(b, "Құқықтық негіз: Закон РК «Об онлайн-платформах», ст. 19") != NULL);
            KT_CHECK(strstr(b, "Қайда: https://x.example.kz/p/1") != NULL);
            KT_CHECK(strstr(b, "Қалай шағымдану керек") != NULL);
        }
        free(b);
    }
    for (int i = 0; i < nm; i++)
        free(msg[i]);

    /* a staff answer; an admin takes no part */
    int64_t aid = 0;
    KT_EQ_INT(kz_notice_answer(p.al, nid, "The platform says it was removed", &aid), 0);
    KT_CHECK(aid > 0);
    KT_EQ_INT(kz_notice_answer(p.root, nid, "The platform says it was removed", NULL), KZ_EPERM);
    KT_EQ_INT(kz_notice_answer(p.al, nid, "   ", NULL), KZ_EINVAL);
    KT_EQ_INT(kz_notice_answer(p.al, nid + 100, "The platform says so", NULL), KZ_ENOTFOUND);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM notice_answers WHERE notice_id = $1", nid), 2);

    /* before the deadline no escalation; after it, once, to the representative */
    deliver(&p, "2026-03-02T09:59:59Z", &o, &st);
    KT_EQ_INT(st.attempts, 0);
    deliver(&p, "2026-03-02T10:00:01Z", &o, &st);
    KT_EQ_INT(st.escalations, 1);
    deliver(&p, "2026-03-04T10:00:00Z", &o, &st);
    KT_EQ_INT(st.attempts, 0);
    nm = mails(&m, msg, 4);
    KT_EQ_INT(nm, 2);
    if (nm == 2) {
        /* Maildir names do not sort by time: take the escalation by its header */
        int e = strstr(msg[0], "X-Kuzet-Kind: escalation") ? 0 : 1;
        KT_CHECK(strstr(msg[e], "To: rep@x.kz") != NULL);
        KT_CHECK(strstr(msg[e], "X-Kuzet-Kind: escalation") != NULL);
        KT_CHECK(strstr(msg[1 - e], "X-Kuzet-Kind: notice") != NULL);
        char *b = body_of(msg[e]);
        KT_CHECK(b && strstr(b, "Кімге: Асқар Сейітов, x.kz платформасының заңды өкілі"));
        KT_CHECK(b && strstr(b, "Мерзім өтті, орындалғаны тіркелмеді"));
        free(b);
    }
    for (int i = 0; i < nm; i++)
        free(msg[i]);

    /* shown in the list */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_notice_list_json(p.sys, 0, &b), 0);
    KT_CHECK(b.p && strstr(b.p, "\"email\":{\"status\":\"sent\",\"attempts\":1"));
    KT_CHECK(b.p && strstr(b.p, "\"api\":{\"status\":\"sent\",\"attempts\":3"));
    KT_CHECK(b.p && strstr(b.p, "\"escalation\":{\"status\":\"sent\",\"attempts\":1"));
    KT_CHECK(b.p && strstr(b.p, "\"answers\":2"));
    kz_buf_release(&b);
    /* and shown alone, with each attempt and answer */
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_notice_show_json(p.sys, nid, &b), 0);
    char want[1024];
    snprintf(want, sizeof want, "\"attempts\":[{\"kind\":\"notice\",\"channel\":\"email\","
             "\"recipient\":\"notices@x.kz\",\"attempt\":1,\"at\":\"2026-03-01T10:00:01Z\","
             "\"status\":\"sent\",\"error\":null,\"next_at\":null,\"message_id\":"
             "\"kuzet.notice.1.notice.1.");
    KT_CHECK(b.p && strstr(b.p, want));
    snprintf(want, sizeof want, "{\"kind\":\"notice\",\"channel\":\"api\",\"recipient\":"
             "\"%s\",\"attempt\":2,\"at\":\"2026-03-01T10:01:01Z\",\"status\":\"failed\","
             "\"error\":\"HTTP 503\",\"next_at\":\"2026-03-01T10:03:01Z\",\"message_id\":null},",
             endpoint);
    KT_CHECK(b.p && strstr(b.p, want));
    KT_CHECK(b.p && strstr(b.p, "\"answer_list\":[{\"at\":\"2026-03-01T10:03:01Z\",\"via\":"
             "\"api\",\"recorded_by\":null,\"text\":\"Материал удалён\"},{\"at\":"
             "\"2026-03-01T10:03:01Z\",\"via\":\"staff\",\"recorded_by\":\"al\",\"text\":"
             "\"The platform says it was removed\"}],\"subject\":"));
    kz_buf_release(&b);

    kt_staff_release(&p);
    receiver_stop(&r);
    smtpd_stop(&m);
    KT_EQ_INT(kt_audit_bad_seq(uri, NULL, 0), 0);
    char what[512];
    KT_EQ_INT(kt_rows_differ(uri, what, sizeof what), 0);
}

KT_TEST(notices_deliver_smtp_api_escalate)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "notices");
    if (!s)
        return;
    char uri[128];
    snprintf(uri, sizeof uri, "sqlite:%s/k.db", t.dir);
    flow(s, uri);
    kt_store_cleanup(&t, &s);
}

KT_TEST(notices_deliver_smtp_api_escalate_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "notices_deliver_smtp_api_escalate_pg", "notices");
    if (!s)
        return;
    char uri[512];
    kt_store_pg_uri(&d, uri, sizeof uri);
    flow(s, uri);
    kt_store_pg_drop(&d, &s);
}

/* Without an SMTP server e-mails wait; an endpoint that never answers is
 * given up after max_attempts; a notice complied with is not sent. */
static void give_up(kz_store *s)
{
    kt_staff p;
    kz_deliver_stats st;
    char v[128];
    KT_EQ_INT(kz_fetch_global_init(), 0);
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-03-01T10:00:00Z");
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d/closed", free_port());
    kz_platform_in in = { "notices@x.kz", endpoint, NULL, NULL, "en", 10 };
    KT_EQ_INT(kz_platform_add(p.root, "x.kz", &in, NULL), 0);
    int64_t n1 = notified_case(s, &p, "x.kz", 1);
    int64_t n2 = notified_case(s, &p, "x.kz", 2);
    kz_dbval q[] = { kz_dbint(n2) };
    int64_t c2 = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT d.case_id FROM notices n JOIN decisions d ON "
                        "d.id = n.decision_id WHERE n.id = $1", q, 1, &c2), 0);
    KT_EQ_INT(kz_case_comply(p.al, c2, "removed at once"), 0);
    kz_deliver_opts o = { NULL, NULL, 2000, 2, 10 };
    deliver(&p, "2026-03-01T10:00:01Z", &o, &st);
    KT_EQ_INT(st.attempts, 1);
    KT_EQ_INT(st.failed, 1);
    KT_EQ_INT(st.no_smtp, 1);
    deliver(&p, "2026-03-01T10:00:11Z", &o, &st);
    KT_EQ_INT(st.attempts, 1);
    text_of(s, "SELECT status || ' ' || COALESCE(next_at, '-') FROM notice_deliveries WHERE "
               "notice_id = $1 AND attempt = 2", n1, v, sizeof v);
    KT_EQ_STR(v, "gave_up -");
    deliver(&p, "2026-03-05T10:00:00Z", &o, &st);
    KT_EQ_INT(st.attempts, 0);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM notice_deliveries WHERE notice_id = $1", n2), 0);
    /* a bad sender refused before anything is sent */
    kz_deliver_opts bad = { "smtp://127.0.0.1:1", "not an address", 0, 0, 0 };
    KT_EQ_INT(kz_notices_deliver(p.sys, &bad, &st), KZ_EINVAL);
    kz_deliver_opts bad2 = { "http://127.0.0.1:1", "a@b.kz", 0, 0, 0 };
    KT_EQ_INT(kz_notices_deliver(p.sys, &bad2, &st), KZ_EINVAL);
    kt_staff_release(&p);
}

KT_TEST(notices_give_up_and_skip)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "notices");
    if (!s)
        return;
    give_up(s);
    kt_store_cleanup(&t, &s);
}

KT_TEST(notices_give_up_and_skip_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "notices_give_up_and_skip_pg", "noticesg");
    if (!s)
        return;
    give_up(s);
    kt_store_pg_drop(&d, &s);
}

/* ---- platforms ------------------------------------------------------------ */

static void platforms(kz_store *s)
{
    kt_staff p;
    kt_staff_login(s, &p);
    kz_platform_in in = { "n@x.kz", "https://api.x.kz:8443/kuzet/notices", NULL, NULL, NULL, -1 };
    int64_t id = 0;
    KT_EQ_INT(kz_platform_add(p.al, "x.kz", &in, &id), KZ_EPERM);
    KT_EQ_INT(kz_platform_add(p.sue, "x.kz", &in, &id), 0);
    KT_EQ_INT(kz_platform_add(p.sue, "x.kz", &in, NULL), KZ_ESTATE);
    kz_platform pl;
    KT_EQ_INT(kz_platform_get(p.sue, id, &pl), 0);
    KT_EQ_STR(pl.endpoint, "https://api.x.kz:8443/kuzet/notices");
    KT_EQ_STR(pl.language, "ru");
    KT_EQ_INT(pl.monthly_users, -1);
    /* the law's threshold: 100,000 monthly users need a representative */
    kz_platform_in big = { NULL, NULL, NULL, NULL, NULL, 100000 };
    KT_EQ_INT(kz_platform_set(p.sue, "x.kz", &big), KZ_EINVAL);
    KT_CHECK(strstr(kz_account_errmsg(p.sue), "legal representative") != NULL);
    big.monthly_users = 99999;
    KT_EQ_INT(kz_platform_set(p.sue, "x.kz", &big), 0);
    kz_platform_in rep = { NULL, NULL, "ТОО «X Казахстан»", "legal@x.kz", "kk", 100000 };
    KT_EQ_INT(kz_platform_set(p.sue, "x.kz", &rep), 0);
    kz_platform_in clear = { NULL, NULL, NULL, "", NULL, -1 };
    KT_EQ_INT(kz_platform_set(p.sue, "x.kz", &clear), KZ_EINVAL);
    /* each field checked, the platform unchanged */
    static const struct { kz_platform_in in; const char *says; } bad[] = {
        { { "no-at-sign", NULL, NULL, NULL, NULL, -1 }, "notice e-mail" },
        { { "a b@x.kz", NULL, NULL, NULL, NULL, -1 }, "notice e-mail" },
        { { "a@x.kz\r\nBcc: e@vil.kz", NULL, NULL, NULL, NULL, -1 }, "notice e-mail" },
        { { "a@localhost", NULL, NULL, NULL, NULL, -1 }, "notice e-mail" },
        { { "a@x..kz", NULL, NULL, NULL, NULL, -1 }, "notice e-mail" },
        { { NULL, "ftp://x.kz/", NULL, NULL, NULL, -1 }, "API endpoint" },
        { { NULL, "x.kz/notices", NULL, NULL, NULL, -1 }, "API endpoint" },
        { { NULL, "https://x.kz/a b", NULL, NULL, NULL, -1 }, "API endpoint" },
        { { NULL, NULL, "  ", NULL, NULL, -1 }, "legal representative" },
        { { NULL, NULL, NULL, "rep@", NULL, -1 }, "legal representative's e-mail" },
        { { NULL, NULL, NULL, NULL, "de", -1 }, "language" },
        { { NULL, NULL, NULL, NULL, "", -1 }, "language" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(bad); i++) {
        KT_EQ_INT(kz_platform_set(p.sue, "x.kz", &bad[i].in), KZ_EINVAL);
        if (!strstr(kz_account_errmsg(p.sue), bad[i].says))
            kt_fail(__FILE__, __LINE__, "case %zu: '%s' does not name %s", i,
                    kz_account_errmsg(p.sue), bad[i].says);
    }
    KT_EQ_INT(kz_platform_get(p.sue, id, &pl), 0);
    KT_EQ_STR(pl.email, "n@x.kz");
    KT_EQ_STR(pl.rep_email, "legal@x.kz");
    KT_EQ_STR(pl.language, "kk");
    KT_EQ_INT(pl.monthly_users, 100000);
    KT_EQ_INT(kz_platform_set(p.sue, "nope", &in), KZ_ENOTFOUND);
    /* a platform ingest recorded by name takes its contacts with add */
    KT_EQ_INT(kz_db_query(kz_store_db(s), "INSERT INTO platforms (name) VALUES ('seen.kz')",
                          NULL, 0, NULL), 0);
    KT_EQ_INT(kz_platform_add(p.root, "seen.kz", &in, NULL), 0);
    /* audited, before and after */
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'platform' AND "
                       "entity_id = $1", id), 3);
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_platform_list_json(p.sys, &b), 0);
    KT_CHECK(b.p && strstr(b.p, "\"legal_representative\":\"ТОО «X Казахстан»\""));
    KT_CHECK(b.p && strstr(b.p, "\"name\":\"seen.kz\""));
    kz_buf_release(&b);
    kt_staff_release(&p);
}

KT_TEST(notices_platforms)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "platforms");
    if (!s)
        return;
    platforms(s);
    kt_store_cleanup(&t, &s);
}

KT_TEST(notices_platforms_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "notices_platforms_pg", "platforms");
    if (!s)
        return;
    platforms(s);
    kt_store_pg_drop(&d, &s);
}

/* ---- an endpoint's answer -------------------------------------------------- */

KT_TEST(notices_parse_answer)
{
    static const struct { const char *in; int rc; const char *answer; } c[] = {
        { "{\"answer\":\"removed\"}", 1, "removed" },
        { " {\"status\":\"ok\", \"answer\":\"удалено\\nвчера\"} \r\n", 1, "удалено\nвчера" },
        { "", 0, NULL },
        { "ok", 0, NULL },
        { "[\"answer\"]", 0, NULL },
        { "{\"status\":\"ok\"}", 0, NULL },
        { "{\"answer\":null}", 0, NULL },
        { "{\"answer\":\"x\"} trailing", 0, NULL },
        { "{\"answer\":42}", KZ_EINVAL, NULL },
        { "{\"answer\":\"\"}", KZ_EINVAL, NULL },
        { "{\"answer\":\"a\\u0000b\"}", KZ_EINVAL, NULL },
        { "{\"answer\":\"bell\\u0007\"}", KZ_EINVAL, NULL },
        { "{\"answer\":\"\xff\xfe\"}", KZ_EINVAL, NULL },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(c); i++) {
        kz_buf b;
        const char *why = NULL;
        kz_buf_init(&b, 1 << 16);
        int rc = kz_notice_parse_answer(c[i].in, strlen(c[i].in), &b, &why);
        if (rc != c[i].rc)
            kt_fail(__FILE__, __LINE__, "case %zu: %d, expected %d", i, rc, c[i].rc);
        if (c[i].answer)
            KT_EQ_STR(b.p, c[i].answer);
        if (rc == KZ_EINVAL)
            KT_CHECK(why != NULL);
        kz_buf_release(&b);
    }
}

/* ---- the workers' notices tick --------------------------------------------- */

/* A worker's "notices" tick delivers what is due (here: to an endpoint that
 * takes it at once) in its lease, and is due again every_secs later. */
KT_TEST(notices_jobs_tick_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "notices_jobs_tick_pg", "noticestick");
    kz_queue *q = NULL;
    kz_job j;
    size_t n = 0;
    receiver r;
    kt_staff p;
    if (!s)
        return;
    KT_EQ_INT(kz_fetch_global_init(), 0);
    KT_EQ_INT(receiver_start(&r, 0, "{\"answer\":\"taken down\"}"), 0);
    kt_staff_login(s, &p);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d/n", r.port);
    kz_platform_in in = { NULL, endpoint, NULL, NULL, "ru", -1 };
    KT_EQ_INT(kz_platform_add(p.sue, "x.kz", &in, NULL), 0);
    int64_t nid = notified_case(s, &p, "x.kz", 1);
    KT_EQ_INT(kz_queue_add_tick(s, "notices", 60), 0);
    KT_EQ_INT(kz_queue_open(&q, s, NULL, "w1", "tick", 30), 0);
    KT_EQ_INT(kz_queue_lease(q, "tick", 4, &j, &n), 0);
    KT_EQ_INT(n, 1);
    if (n == 1) {
        kz_jobs_env env = { s, q, NULL, 0, 0, NULL, 1, 0, NULL, NULL, NULL, 0 };
        kz_jobs_result res;
        KT_EQ_INT(kz_jobs_run(&env, &j, &res), 0);
        KT_EQ_INT(res.ok, 1);
        KT_EQ_INT(res.moved, 1);
        KT_CHECK(strstr(res.why, "1 delivered") != NULL);
        kz_job_release(&j);
    }
    KT_EQ_INT(r.requests, 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM notice_deliveries WHERE notice_id = $1 AND "
                       "status = 'sent'", nid), 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM notice_answers WHERE notice_id = $1 AND "
                       "via = 'api'", nid), 1);
    KT_EQ_INT(count(s, "SELECT COUNT(*) FROM jobs WHERE kind = 'tick' AND jkey = 'notices' AND "
                       "state = 'pending' AND $1 > 0", 1), 1);
    kz_queue_close(&q);
    kt_staff_release(&p);
    receiver_stop(&r);
    kt_store_pg_drop(&d, &s);
}
