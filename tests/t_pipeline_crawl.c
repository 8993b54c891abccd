/*
 * tests/t_pipeline_crawl.c - the crawl and verify jobs driven as library
 * calls (pipeline/crawler.h, pipeline/verifier.h), without the kuzet
 * binary, against pages served from this process on loopback.
 *
 * The crawl: a seed page linking to a page that breaks a rule, a page that
 * does not, and a copy of the first (same text: seen content, not stored
 * twice); a bad seed line reported with its line; the flagged page stored
 * with its case and reported; the same with the scan on the crawl thread;
 * a second run starts a new pass and finds the seed unchanged.  Verify: the
 * flagged page decided (removal request) is found present, then, once the
 * server answers 404, gone, and its case verified.  Errors: a storage
 * error in the frontier says what was being done and the server's
 * message; on PostgreSQL a second crawl of a source being crawled is
 * refused, saying so.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include "pipeline/crawler.h"
#include "pipeline/verifier.h"
#include "store/frontier.h"
#include "store/rulestore.h"
#include "util/buf.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static const char rules_yaml[] =
    "categories:\n"
    "  drugs: { threshold: 50 }\n"
    "rules:\n"
    "  - id: drugs-stash\n"
    "    category: drugs\n"
    "    weight: 50\n"
    "    phrases: [закладка]\n";

static kz_scanner *scanner(kz_ruleset **rs)
{
    kz_scanner *sc = NULL;
    kz_buf errs;
    kz_buf_init(&errs, 1 << 16);
    KT_EQ_INT(kz_rules_parse(rules_yaml, strlen(rules_yaml), "rules", rs, &errs), 0);
    if (*rs)
        KT_EQ_INT(kz_scanner_new(*rs, &sc, &errs), 0);
    kz_buf_release(&errs);
    return sc;
}

/* ---- a small HTTP server on loopback, on a thread of its own ---------------- */

#define BAD_PAGE "<html lang=\"ru\"><body><p>Здесь закладка, пишите в личку</p></body></html>"

typedef struct server {
    int fd, port;
    volatile int bad_gone;      /* /bad.html answers 404 */
    volatile int requests;
    pthread_t th;
} server;

static const char *page(server *sv, const char *path, int *status)
{
    *status = 200;
    if (!strcmp(path, "/"))
        return "<html><body><a href=\"/bad.html\">a</a> <a href=\"/ok.html\">b</a> "
               "<a href=\"/copy.html\">c</a></body></html>";
    if (!strcmp(path, "/bad.html") && !sv->bad_gone)
        return BAD_PAGE;
    if (!strcmp(path, "/copy.html"))
        return BAD_PAGE;
    if (!strcmp(path, "/ok.html"))
        return "<html><body><p>Погода в Алматы хорошая</p></body></html>";
    *status = 404;
    return "<html><body>not found</body></html>";
}

static void *serve(void *arg)
{
    server *sv = arg;
    for (;;) {
        int c = accept(sv->fd, NULL, NULL);
        if (c < 0)
            return NULL;            /* the listening socket was shut down */
        char req[4096], path[256] = "/", out[8192];
        size_t n = 0;
        while (n < sizeof req - 1) {
            ssize_t k = read(c, req + n, sizeof req - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            req[n] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[n] = '\0';
        sscanf(req, "GET %255s", path);
        int status;
        const char *body = page(sv, path, &status);
        int len = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\nContent-Type: text/html; "
                           "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                           status, status == 200 ? "OK" : "Not Found", strlen(body), body);
        ssize_t w = write(c, out, (size_t)len);
        (void)w;
        sv->requests++;
        close(c);
    }
}

static int server_start(server *sv)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    memset(sv, 0, sizeof *sv);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sv->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (sv->fd < 0 || bind(sv->fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(sv->fd, 16) ||
        getsockname(sv->fd, (struct sockaddr *)&a, &al) != 0) {
        kt_fail(__FILE__, __LINE__, "cannot listen on loopback");
        return -1;
    }
    sv->port = ntohs(a.sin_port);
    if (pthread_create(&sv->th, NULL, serve, sv) != 0) {
        kt_fail(__FILE__, __LINE__, "no server thread");
        return -1;
    }
    return 0;
}

static void server_stop(server *sv)
{
    shutdown(sv->fd, SHUT_RDWR);
    pthread_join(sv->th, NULL);
    close(sv->fd);
}

/* ---- the crawl ------------------------------------------------------------- */

typedef struct seen {
    int sources, created_source, new_pass, bad_seeds, bad_line, stored, fetch_errors;
    int progress, checkpoints, store_errors, order_ok;
    char stored_url[256], bad_url[64];
} seen;

static int on_crawl(void *ctx, const kz_crawler_event *ev)
{
    seen *s = ctx;
    KT_CHECK(ev->stats != NULL);
    switch (ev->what) {
    case KZ_CRAWLER_SOURCE:
        s->sources++;
        s->created_source = ev->created_source;
        s->new_pass = ev->new_pass;
        break;
    case KZ_CRAWLER_BAD_SEED:
        s->bad_seeds++;
        s->bad_line = (int)ev->line;
        snprintf(s->bad_url, sizeof s->bad_url, "%s", ev->url);
        break;
    case KZ_CRAWLER_STORED:
        s->stored++;
        snprintf(s->stored_url, sizeof s->stored_url, "%s", ev->url);
        KT_CHECK(ev->item_id > 0);
        KT_EQ_INT(ev->created, 1);
        KT_EQ_INT((int)ev->cases_opened, 1);
        break;
    case KZ_CRAWLER_FETCH: s->fetch_errors++; break;
    case KZ_CRAWLER_PROGRESS: s->progress++; break;
    case KZ_CRAWLER_CHECKPOINT: s->checkpoints++; break;
    case KZ_CRAWLER_STORE_ERROR: s->store_errors++; break;
    default: break;
    }
    return 0;
}

static int crawl(kz_store *st, const kz_scanner *sc, int port, int one_thread, seen *ev,
                 kz_crawler_stats *stats)
{
    char seeds[256];
    snprintf(seeds, sizeof seeds, "# the site\n  ftp://127.0.0.1/nope  \n\nhttp://127.0.0.1:%d/\n",
             port);
    kz_crawler_opts o;
    memset(&o, 0, sizeof o);
    o.scanner = sc;
    o.store = st;
    o.source = "site";
    o.seeds = seeds;
    o.seeds_len = strlen(seeds);
    o.delay_ms = -1;
    o.allow_private = 1;
    o.one_thread = one_thread;
    o.no_checkpoint = 1;
    o.on_event = on_crawl;
    o.ctx = ev;
    memset(ev, 0, sizeof *ev);
    return kz_crawler_run(&o, stats);
}

static void crawl_once(int one_thread)
{
    kt_tmpstore t;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    kz_store *st = kt_store_fresh(&t, "pcrawl");
    server sv;
    seen ev;
    kz_crawler_stats s;
    char want[128];
    if (!sc || !st || server_start(&sv) != 0)
        goto out;
    KT_EQ_INT(crawl(st, sc, sv.port, one_thread, &ev, &s), 0);
    KT_EQ_INT(ev.sources, 1);
    KT_EQ_INT(ev.created_source, 1);
    KT_EQ_INT(ev.bad_seeds, 1);
    KT_EQ_INT(ev.bad_line, 2);
    KT_EQ_STR(ev.bad_url, "ftp://127.0.0.1/nope");
    KT_EQ_INT((int)s.seeds, 1);
    KT_EQ_INT((int)s.bad_seeds, 1);
    KT_EQ_INT((int)s.crawl.pages, 4);       /* /, bad, ok, copy */
    KT_EQ_INT((int)s.flagged, 1);           /* the copy is not scanned */
    KT_EQ_INT((int)s.created, 1);
    KT_EQ_INT((int)s.cases, 1);
    KT_EQ_INT((int)s.dup_content, 1);
    KT_EQ_INT((int)s.unchanged, 0);
    KT_EQ_INT((int)s.scan_errors, 0);
    KT_EQ_INT(ev.stored, 1);
    KT_EQ_INT(ev.store_errors, 0);
    KT_EQ_INT(ev.checkpoints, 0);           /* no_checkpoint */
    snprintf(want, sizeof want, "http://127.0.0.1:%d/bad.html", sv.port);
    KT_EQ_STR(ev.stored_url, want);
    /* in the store: the item under its URL (port kept), its case, every URL done */
    int64_t n = -1;
    kz_dbval p[] = { kz_dbstr(want) };
    KT_EQ_INT(kz_db_int(kz_store_db(st), "SELECT COUNT(*) FROM items i JOIN cases c ON "
                        "c.item_id = i.id WHERE i.url = $1 AND c.category = 'drugs'", p, 1, &n), 0);
    KT_EQ_INT((int)n, 1);
    KT_EQ_INT(kz_db_int(kz_store_db(st), "SELECT COUNT(*) FROM crawl_urls WHERE state = 'done' "
                        "AND outcome = 'ok'", NULL, 0, &n), 0);
    KT_EQ_INT((int)n, 4);
    /* again: a new pass from the seed, whose content is unchanged (links not followed) */
    KT_EQ_INT(crawl(st, sc, sv.port, one_thread, &ev, &s), 0);
    KT_EQ_INT(ev.created_source, 0);
    KT_EQ_INT(ev.new_pass, 1);
    KT_EQ_INT((int)s.crawl.pages, 1);
    KT_EQ_INT((int)s.unchanged, 1);
    KT_EQ_INT((int)s.created + (int)s.updated, 0);
    server_stop(&sv);
out:
    kt_store_cleanup(&t, &st);
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
}

KT_TEST(pipeline_crawl_loopback)
{
    crawl_once(0);
}

KT_TEST(pipeline_crawl_loopback_one_thread)
{
    crawl_once(1);
}

/* A stop flag set before the run: the seeds are queued, nothing fetched,
 * the run says it was interrupted and returns 0. */
KT_TEST(pipeline_crawl_stop)
{
    kt_tmpstore t;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    kz_store *st = kt_store_fresh(&t, "pcstop");
    volatile sig_atomic_t stop = 1;
    kz_crawler_stats s;
    const char seeds[] = "http://127.0.0.1:1/\n";
    kz_crawler_opts o;
    memset(&o, 0, sizeof o);
    o.scanner = sc;
    o.store = st;
    o.seeds = seeds;
    o.seeds_len = strlen(seeds);
    o.allow_private = 1;
    o.stop = &stop;
    if (sc && st) {
        KT_EQ_INT(kz_crawler_run(&o, &s), 0);
        KT_EQ_INT(s.interrupted, 1);
        KT_EQ_INT((int)s.seeds, 1);
        /* no seed at all, and bad options */
        o.seeds = "# none\n";
        o.seeds_len = 7;
        stop = 0;
        KT_EQ_INT(kz_crawler_run(&o, &s), KZ_EINVAL);
        KT_EQ_INT((int)s.seeds, 0);
        o.seeds = seeds;
        o.seeds_len = strlen(seeds);
        o.contact = "x (y)";
        KT_EQ_INT(kz_crawler_run(&o, &s), KZ_EINVAL);
        o.contact = NULL;
        o.include = "(";
        KT_EQ_INT(kz_crawler_run(&o, &s), KZ_EINVAL);
    }
    kt_store_cleanup(&t, &st);
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
}

/* ---- verify ------------------------------------------------------------------ */

typedef struct vseen {
    int checks;
    int outcome;
    char why[32];
} vseen;

static int on_check(void *ctx, const kz_verify_check *c, const kz_check_effect *e,
                    const kz_verifier_stats *s)
{
    vseen *v = ctx;
    v->checks++;
    v->outcome = c->outcome;
    snprintf(v->why, sizeof v->why, "%s", c->why);
    KT_CHECK(e->check_id > 0);
    KT_CHECK(s->checked == (size_t)v->checks);
    return 0;
}

KT_TEST(pipeline_verify_loopback)
{
    kt_tmpstore t;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    kz_store *st = kt_store_fresh(&t, "pverify");
    kt_staff p;
    server sv;
    seen ev;
    vseen v;
    kz_crawler_stats s;
    kz_verifier_stats vs;
    memset(&p, 0, sizeof p);
    if (!sc || !st || server_start(&sv) != 0)
        goto out;
    KT_EQ_INT(crawl(st, sc, sv.port, 0, &ev, &s), 0);
    KT_EQ_INT((int)s.cases, 1);
    kt_staff_login(st, &p);
    int64_t c = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(st), "SELECT id FROM cases", NULL, 0, &c), 0);
    kz_decision_in d = { "removal_request", "Law, art. 5", "reasons", "KZ", NULL, 30 };
    KT_EQ_INT(kz_case_assign(p.al, c, "ann"), 0);
    if (kz_case_decide(p.ann, c, &d, NULL))
        kt_fail(__FILE__, __LINE__, "decide: %s", kz_account_errmsg(p.ann));

    kz_verifier_opts o;
    memset(&o, 0, sizeof o);
    o.actor = p.sys;
    o.verify.fetch.allow_private = 1;   /* the rest: act/verify.h's defaults */
    o.on_check = on_check;
    o.ctx = &v;
    memset(&v, 0, sizeof v);
    KT_EQ_INT(kz_verifier_run(&o, &vs), 0);
    KT_EQ_INT((int)vs.selected, 1);
    KT_EQ_INT((int)vs.checked, 1);
    KT_EQ_INT((int)vs.present, 1);
    KT_EQ_INT((int)vs.verified, 0);
    KT_EQ_INT(v.checks, 1);
    KT_EQ_INT(v.outcome, KZ_VERIFY_PRESENT);
    KT_EQ_STR(v.why, "hash-present");   /* the text crawled is the text served */

    sv.bad_gone = 1;                    /* the platform removed it */
    memset(&v, 0, sizeof v);
    KT_EQ_INT(kz_verifier_run(&o, &vs), 0);
    KT_EQ_INT((int)vs.checked, 1);
    KT_EQ_INT((int)vs.gone, 1);
    KT_EQ_INT((int)vs.verified, 1);
    KT_EQ_STR(v.why, "404");
    char state[32] = "";
    kz_dbres *r = NULL;
    kz_dbval pc[] = { kz_dbint(c) };
    if (kz_db_query(kz_store_db(st), "SELECT state FROM cases WHERE id = $1", pc, 1, &r) == 0 &&
        kz_dbres_next(r) == 1)
        snprintf(state, sizeof state, "%s", kz_dbres_text(r, 0, NULL));
    kz_dbres_done(r);
    KT_EQ_STR(state, "verified");
    /* no actor: refused */
    o.actor = NULL;
    KT_EQ_INT(kz_verifier_run(&o, &vs), KZ_EINVAL);
    server_stop(&sv);
out:
    kt_staff_release(&p);
    kt_store_cleanup(&t, &st);
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
}

/* ---- errors that say what was being done ------------------------------------ */

KT_TEST(pipeline_frontier_error_says_what)
{
    kt_tmpstore t;
    kz_store *st = kt_store_fresh(&t, "pferr");
    kz_frontier *f = NULL;
    if (!st)
        return;
    KT_EQ_INT(kz_frontier_open(&f, st, "src1", NULL, NULL), 0);
    /* the table gone behind the frontier's back: the next statement fails */
    KT_EQ_INT(kz_db_exec(kz_store_db(st), "DROP TABLE crawl_urls"), 0);
    KT_CHECK(kz_frontier_content(f, 1, "ab") < 0);
    const char *m = kz_store_errmsg(st);
    if (!strstr(m, "crawl of source src1: recording a page's content hash: ") ||
        !strstr(m, "crawl_urls"))
        kt_fail(__FILE__, __LINE__, "message: '%s'", m);
    kz_frontier_rollback(f);
    kz_frontier_close(&f);
    kt_store_cleanup(&t, &st);
}

/* Two crawls of one source at once on SQLite: the second (another
 * connection, as another process has) is refused the same way, instead of
 * both taking the same queued URLs; once the first is closed, it goes. */
KT_TEST(pipeline_crawl_source_busy_sqlite)
{
    kt_tmpstore t;
    kz_store *a = kt_store_fresh(&t, "srcbusy"), *b = NULL;
    kz_frontier *fa = NULL, *fb = NULL;
    if (!a)
        return;
    if (kz_store_open(&b, kz_store_uri(a), 1) != 0) {
        kt_fail(__FILE__, __LINE__, "second connection: %s", kz_store_errmsg(b));
        goto out;
    }
    KT_EQ_INT(kz_frontier_open(&fa, a, "forum", NULL, NULL), 0);
    KT_EQ_INT(kz_frontier_open(&fb, b, "forum", NULL, NULL), KZ_EBUSY);
    KT_CHECK(fb == NULL);
    KT_EQ_STR(kz_store_errmsg(b), "source forum is being crawled by another run at the moment; "
                                  "wait for it to end");
    KT_EQ_INT(kz_frontier_open(&fb, b, "other", NULL, NULL), 0);
    kz_frontier_close(&fb);
    kz_frontier_close(&fa);
    KT_EQ_INT(kz_frontier_open(&fb, b, "forum", NULL, NULL), 0);
    kz_frontier_close(&fb);
out:
    kz_store_close(&b);
    kt_store_cleanup(&t, &a);
}

/* Two crawls of one source at once on PostgreSQL: the second is refused,
 * saying the source is being crawled; another source goes on; once the
 * first is closed, the source can be crawled again. */
KT_TEST(pipeline_crawl_source_busy_pg)
{
    kt_pgdb d;
    kz_store *a = kt_store_pg(&d, "pipeline_crawl_source_busy_pg", "pbusy");
    kz_store *b = NULL;
    kz_frontier *fa = NULL, *fb = NULL;
    kz_ruleset *rs = NULL;
    kz_scanner *sc = scanner(&rs);
    if (!a || !sc)
        goto out;
    if (kz_store_open(&b, kz_store_uri(a), 1) != 0) {
        /* the URI shown has no password: the test cluster needs none */
        kt_fail(__FILE__, __LINE__, "second connection: %s", kz_store_errmsg(b));
        goto out;
    }
    KT_EQ_INT(kz_frontier_open(&fa, a, "forum", NULL, NULL), 0);
    KT_EQ_INT(kz_frontier_open(&fb, b, "forum", NULL, NULL), KZ_EBUSY);
    KT_CHECK(fb == NULL);
    KT_EQ_STR(kz_store_errmsg(b), "source forum is being crawled by another run at the moment; "
                                  "wait for it to end");
    /* the whole job says the same */
    const char seeds[] = "http://127.0.0.1:1/\n";
    kz_crawler_opts o;
    kz_crawler_stats s;
    memset(&o, 0, sizeof o);
    o.scanner = sc;
    o.store = b;
    o.source = "forum";
    o.seeds = seeds;
    o.seeds_len = strlen(seeds);
    o.allow_private = 1;
    KT_EQ_INT(kz_crawler_run(&o, &s), KZ_EBUSY);
    KT_CHECK(strstr(kz_store_errmsg(b), "being crawled by another run") != NULL);
    KT_EQ_INT(kz_frontier_open(&fb, b, "other", NULL, NULL), 0);
    kz_frontier_close(&fb);
    kz_frontier_close(&fa);
    KT_EQ_INT(kz_frontier_open(&fb, b, "forum", NULL, NULL), 0);
    kz_frontier_close(&fb);
out:
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    kz_store_close(&b);
    kt_store_pg_drop(&d, &a);
}

/* kuzet crawl without --rules: the rule set published in the database
 * scans the pages, and the flagged page's detection records its number. */
KT_TEST(pipeline_crawl_published_rules_cli)
{
    kt_tmpstore t;
    kz_store *st = kt_store_fresh(&t, "pcrawlpub");
    kz_rule_version v;
    server sv;
    int created = 0;
    char bin[1024], cmd[2400], *out = NULL, *err = NULL;
    if (!st || server_start(&sv) != 0)
        goto out;
    kt_store_accounts(st);
    KT_EQ_INT(kz_rulestore_publish(st, "sue", "r.yaml", rules_yaml, strlen(rules_yaml), NULL, &v,
                                   &created), 0);
    KT_EQ_INT(v.version, 1);
    if (!realpath(kt_bin(), bin))
        snprintf(bin, sizeof bin, "%s", kt_bin());
    snprintf(cmd, sizeof cmd, "cd '%s' && printf 'http://127.0.0.1:%d/\\n' > seeds && '%s' crawl "
                              "--seeds seeds --db k.db --allow-private --delay 0 --source site",
             t.dir, sv.port, bin);
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    KT_CHECK(err && strstr(err, "kuzet crawl: rule set 1 from the database\n") != NULL);
    int64_t n = -1;
    KT_EQ_INT(kz_db_int(kz_store_db(st), "SELECT count(*) FROM detections WHERE rule_id = "
                        "'drugs-stash' AND rules_version = '1'", NULL, 0, &n), 0);
    KT_EQ_INT(n, 1);
    free(out);
    free(err);
    server_stop(&sv);
out:
    kt_store_cleanup(&t, &st);
}
