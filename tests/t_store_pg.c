/*
 * tests/t_store_pg.c - the store on PostgreSQL, and the store's fault tests
 * on both backends.
 *
 * The PostgreSQL tests run the checks of tests/t_store.c (the version guard,
 * deduplication, the audit log's tamper evidence, tampering through libpq)
 * plus what only this backend has: retryable SQLSTATEs as KZ_EBUSY, NUL
 * bytes refused, no password in an error.  They need a server:
 * $KUZET_TEST_PG is the URI of a database on it (scripts/test starts a
 * throwaway cluster with scripts/pg-test-env and sets it).  Each test makes
 * its own database next to that one and drops it at the end.
 *
 *   KUZET_TEST_PG unset   the PostgreSQL tests are skipped (kt_skip), saying why
 *                         (someone running build/release/kt by hand)
 *   KUZET_TEST_PG=""      they fail: scripts/test could not start the server
 *
 * The fault tests (tests/faults/: SIGKILL during ingest, concurrent
 * ingests) drive the kuzet binary; see tests/faults/README.
 */
#include "kt.h"
#include "case/case.h"
#include "kt_store.h"
#include "store/audit.h"
#include "store/store.h"
#include <libpq-fe.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

/* ---- a database per test ------------------------------------------------- */

static char base_uri[512];          /* $KUZET_TEST_PG */
static char made[8][64];            /* databases this test created */
static size_t nmade;

/* 1 when the tests can run; 0 (skipped, or failed when the cluster was
 * meant to be there) when not. */
static int have_pg(const char *test)
{
    const char *u = getenv("KUZET_TEST_PG");
    if (!u) {
        kt_skip("%s: KUZET_TEST_PG is not set (to run it: scripts/pg-test-env run "
               "build/release/kt %s)", test, test);
    }
    if (!*u) {
        kt_fail(__FILE__, __LINE__, "KUZET_TEST_PG is set but empty: the test cluster did not "
                "start (see scripts/pg-test-env's message above)");
        return 0;
    }
    snprintf(base_uri, sizeof base_uri, "%s", u);
    return 1;
}

/* The URI of database db on the server of base_uri (the same user, host,
 * port and options). */
static void uri_of(const char *db, char *out, size_t outsz)
{
    const char *q = strchr(base_uri, '?');
    size_t end = q ? (size_t)(q - base_uri) : strlen(base_uri);
    size_t slash = end;
    const char *hostpart = strstr(base_uri, "://");
    size_t min = hostpart ? (size_t)(hostpart - base_uri) + 3 : 0;
    while (slash > min && base_uri[slash - 1] != '/')
        slash--;
    if (slash <= min)                       /* no database in the URI */
        snprintf(out, outsz, "%.*s/%s%s", (int)end, base_uri, db, q ? q : "");
    else
        snprintf(out, outsz, "%.*s%s%s", (int)slash, base_uri, db, q ? q : "");
}

static void quiet(void *arg, const char *msg) { (void)arg; (void)msg; }

/* Run sql on database db ("" for the one of KUZET_TEST_PG); 0 or -1. */
static int pg_sql(const char *db, const char *sql)
{
    char uri[600];
    if (*db)
        uri_of(db, uri, sizeof uri);
    else
        snprintf(uri, sizeof uri, "%s", base_uri);
    PGconn *c = PQconnectdb(uri);
    int rc = 0;
    PQsetNoticeProcessor(c, quiet, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        kt_fail(__FILE__, __LINE__, "connect %s: %s", uri, PQerrorMessage(c));
        rc = -1;
    } else {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
            kt_fail(__FILE__, __LINE__, "%s: %s", sql, PQresultErrorMessage(r));
            rc = -1;
        }
        PQclear(r);
    }
    PQfinish(c);
    return rc;
}

/* A new empty database named after the test; its URI in uri.  With
 * template, a copy of that database (nobody may be connected to it). */
static int newdb(const char *name, const char *template, char *uri, size_t urisz)
{
    char sql[256];
    if (nmade == KZ_ARRAY_LEN(made))
        return -1;
    snprintf(made[nmade], sizeof made[nmade], "kt_%s_%ld", name, (long)getpid());
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", made[nmade]);
    if (pg_sql("", sql))
        return -1;
    if (template)
        snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", made[nmade], template);
    else
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", made[nmade]);
    if (pg_sql("", sql))
        return -1;
    uri_of(made[nmade], uri, urisz);
    nmade++;
    return 0;
}

/* the audit key of each database fresh() made */
static char keys[8][64];
static size_t nkeys;

static void dropall(void)
{
    char sql[160];
    for (size_t i = 0; i < nmade; i++) {
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.63s WITH (FORCE)", made[i]);
        pg_sql("", sql);
    }
    nmade = 0;
    for (size_t i = 0; i < nkeys; i++)
        unlink(keys[i]);
    nkeys = 0;
}

static kz_store *fresh(const char *name, char *uri, size_t urisz)
{
    kz_store *s = NULL;
    int from, to;
    if (newdb(name, NULL, uri, urisz))
        return NULL;
    if (kz_store_open(&s, uri, 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open: %s", kz_store_errmsg(s));
        kz_store_close(&s);
        return NULL;
    }
    KT_EQ_INT(kz_store_migrate(s, &from, &to), 0);
    KT_EQ_INT(from, 0);
    KT_EQ_INT(to, kz_migrations[kz_nmigrations - 1].version);
    if (nkeys < KZ_ARRAY_LEN(keys)) {     /* each transaction signs, as in kuzet */
        snprintf(keys[nkeys], sizeof keys[nkeys], "/tmp/kt-pgkey-%s-%ld", name, (long)getpid());
        unlink(keys[nkeys]);
        KT_EQ_INT(kz_store_set_signer(s, keys[nkeys++]), 0);
    }
    return s;
}


/* ---- the checks of t_store.c, on PostgreSQL -------------------------------- */

KT_TEST(store_pg_version_guard)
{
    char uri[600], empty[600];
    if (!have_pg("store_pg_version_guard")) return;
    kz_store *s = fresh("v", uri, sizeof uri);
    kz_store_close(&s);
    KT_CHECK(newdb("empty", NULL, empty, sizeof empty) == 0);
    KT_EQ_INT(kz_store_open(&s, empty, 1), KZ_EVERSION);
    KT_CHECK(strstr(kz_store_errmsg(s), "run 'kuzet db init'") != NULL);
    kz_store_close(&s);
    char db[64];
    snprintf(db, sizeof db, "%s", made[0]);
    pg_sql(db, "INSERT INTO kz_migrations VALUES (999, 'future', '2030-01-01T00:00:00Z')");
    KT_EQ_INT(kz_store_open(&s, uri, 0), KZ_EVERSION);
    KT_CHECK(strstr(kz_store_errmsg(s), "schema version 999, newer than this kuzet") != NULL);
    kz_store_close(&s);
    KT_CHECK(s == NULL);
    dropall();
}

KT_TEST(store_pg_ingest_dedupes_by_url_and_content)
{
    char uri[600];
    if (!have_pg("store_pg_ingest_dedupes_by_url_and_content")) return;
    kz_store *s = fresh("d", uri, sizeof uri);
    if (!s) { dropall(); return; }
    kz_ingest_out o1, o2, o3;
    kz_item_in a = { "https://x.kz/1", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "один", 8, NULL };
    kz_item_in b = { NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "один", 8, NULL };
    kz_flag_in f = { "drugs", 60 };
    /* outside a transaction: each audit entry takes one of its own */
    KT_EQ_INT(kz_case_ingest(s, &a, NULL, 0, &f, 1, &o1), 0);
    KT_EQ_INT(kz_case_ingest(s, &a, NULL, 0, &f, 1, &o2), 0);
    KT_EQ_INT(o1.item_created, 1);
    KT_EQ_INT(o2.item_created, 0);
    KT_EQ_INT(o1.item_id, o2.item_id);
    KT_EQ_INT(o1.cases_opened, 1);
    KT_EQ_INT(o2.cases_opened, 0);
    KT_EQ_INT(kz_case_ingest(s, &b, NULL, 0, NULL, 0, &o3), 0);
    KT_EQ_INT(o3.item_created, 0);
    KT_EQ_INT(o3.item_id, o1.item_id);
    /* and inside one */
    KT_EQ_INT(kz_store_begin(s), 0);
    kz_item_in c = { "https://x.kz/2", 14, "forum", 5, "7", 1, "ru", 2, NULL, 0, "два", 6, NULL };
    kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 6, NULL, NULL, 0 };
    KT_EQ_INT(kz_case_ingest(s, &c, &d, 1, &f, 1, &o1), 0);
    KT_EQ_INT(kz_case_ingest(s, &c, &d, 1, &f, 1, &o2), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(o1.item_created, 1);
    KT_EQ_INT(o2.item_id, o1.item_id);
    kz_store_close(&s);
    KT_EQ_INT(kt_audit_bad_seq(uri, NULL, 0), 0);
    dropall();
}

KT_TEST(store_pg_content_key_migration)
{
    char uri[600];
    if (!have_pg("store_pg_content_key_migration")) return;
    kz_store *s = fresh("ck", uri, sizeof uri);
    if (!s) { dropall(); return; }
    kt_content_key_migration(&s, uri);
    kz_store_close(&s);
    dropall();
}

/* A second store on uri, signing with the first's key, whose statements
 * give up after 5 s of waiting for a lock (a test that would otherwise
 * hang fails instead). */
static kz_store *second(const char *uri)
{
    kz_store *s = NULL;
    if (kz_store_open(&s, uri, 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open: %s", kz_store_errmsg(s));
        kz_store_close(&s);
        return NULL;
    }
    if (nkeys)
        KT_EQ_INT(kz_store_set_signer(s, keys[nkeys - 1]), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "SET lock_timeout = '5s'"), 0);
    return s;
}

/* In a child process, on a store of its own: a bulk transaction that
 * ingests it with flag f, says so on fd ('y', or 'n' on a failure),
 * waits 300 ms and commits.  Its exit status is 0 when all went well. */
static pid_t bulk_child(const char *uri, const kz_item_in *it, const kz_flag_in *f, int fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    kz_store *c = NULL;
    kz_ingest_out o;
    int ok = kz_store_open(&c, uri, 0) == 0 &&
             (!nkeys || kz_store_set_signer(c, keys[nkeys - 1]) == 0) &&
             kz_store_begin_bulk(c) == 0 &&
             kz_case_ingest(c, it, NULL, 0, f, 1, &o) == 0;
    ok = write(fd, ok ? "y" : "n", 1) == 1 && ok;
    struct timespec ts = { 0, 300 * 1000000L };
    nanosleep(&ts, NULL);
    ok = ok && kz_store_commit(c) == 0;
    _exit(ok ? 0 : 1);
}

/* it ingested with flag f by a child (bulk_child) and, while the child's
 * transaction is open, by s in a bulk transaction of its own: s must wait
 * for the child's commit, then commit; s's outcome in *out. */
static void race(const char *uri, kz_store *s, const kz_item_in *it, const kz_flag_in *f,
                 kz_ingest_out *out)
{
    int fds[2], st = 0;
    char c = 0;
    if (pipe(fds) != 0) {
        kt_fail(__FILE__, __LINE__, "pipe");
        return;
    }
    pid_t pid = bulk_child(uri, it, f, fds[1]);
    KT_EQ_INT(read(fds[0], &c, 1), 1);
    KT_EQ_INT(c, 'y');
    KT_EQ_INT(kz_store_begin_bulk(s), 0);
    KT_EQ_INT(kz_case_ingest(s, it, NULL, 0, f, 1, out), 0);     /* waits for the child */
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(fds[0]);
    close(fds[1]);
}

/* kz_store_begin_bulk: two writers' batches written side by side (under
 * the write lock held from BEGIN the second would wait for the first's
 * commit: here it gives up after 5 s and fails), their audit entries
 * appended at commit in commit order, each case.open naming its case's
 * id, the chain whole; a rolled back batch appends nothing; the same text
 * without a URL, and a new case of an existing item, stored once when two
 * writers store them at the same time. */
KT_TEST(store_pg_bulk_transactions_side_by_side)
{
    char uri[600];
    if (!have_pg("store_pg_bulk_transactions_side_by_side")) return;
    kz_store *a = fresh("bulk", uri, sizeof uri), *b = a ? second(uri) : NULL;
    if (!a || !b) { kz_store_close(&a); kz_store_close(&b); dropall(); return; }
    kz_flag_in f = { "drugs", 60 }, g = { "terror \"x\"", 70 };
    kz_ingest_out ox, oy;
    kz_item_in x = { "https://b.kz/x", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "икс", 6, NULL };
    kz_item_in y = { "https://b.kz/y", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "игрек", 10, NULL };
    KT_EQ_INT(kz_store_begin_bulk(a), 0);
    KT_EQ_INT(kz_case_ingest(a, &x, NULL, 0, &f, 1, &ox), 0);
    KT_EQ_INT(kz_store_begin_bulk(b), 0);
    KT_EQ_INT(kz_case_ingest(b, &y, NULL, 0, &f, 1, &oy), 0);
    KT_EQ_INT(kz_store_commit(b), 0);
    KT_EQ_INT(kz_store_commit(a), 0);
    KT_EQ_INT(ox.cases_opened, 1);
    KT_EQ_INT(oy.cases_opened, 1);
    kz_db *db = kz_store_db(b);
    int64_t v = 0;
    kz_dbval px[] = { kz_dbint(ox.item_id) }, py[] = { kz_dbint(oy.item_id) };
    KT_EQ_INT(kz_db_int(db, "SELECT seq FROM audit_log WHERE entity = 'item' AND entity_id = $1",
                        py, 1, &v), 0);
    KT_EQ_INT(v, 1);                                /* b committed first */
    KT_EQ_INT(kz_db_int(db, "SELECT seq FROM audit_log WHERE entity = 'item' AND entity_id = $1",
                        px, 1, &v), 0);
    KT_EQ_INT(v, 3);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM audit_log l JOIN cases c ON l.entity = 'case' "
                            "AND l.action = 'case.open' AND l.entity_id = c.id", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2);
    /* a rolled back batch appends nothing */
    KT_EQ_INT(kz_store_begin_bulk(a), 0);
    kz_item_in z = { "https://b.kz/z", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "зет", 6, NULL };
    KT_EQ_INT(kz_case_ingest(a, &z, NULL, 0, &f, 1, &ox), 0);
    KT_EQ_INT(kz_store_rollback(a), 0);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM audit_log", NULL, 0, &v), 0);
    KT_EQ_INT(v, 4);
    /* the same URL twice in one batch, with a category whose name needs
     * quoting in an array: one case, its entry naming it */
    KT_EQ_INT(kz_store_begin_bulk(a), 0);
    KT_EQ_INT(kz_case_ingest(a, &z, NULL, 0, &g, 1, &ox), 0);
    KT_EQ_INT(kz_case_ingest(a, &z, NULL, 0, &g, 1, &oy), 0);
    KT_EQ_INT(kz_store_commit(a), 0);
    KT_EQ_INT(ox.cases_opened + oy.cases_opened, 1);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM audit_log l JOIN cases c ON l.entity = 'case' "
                            "AND l.action = 'case.open' AND l.entity_id = c.id", NULL, 0, &v), 0);
    KT_EQ_INT(v, 3);

    /* the same text without a URL from two writers at once: one item */
    kz_item_in t = { NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "без адреса", 19, NULL };
    race(uri, b, &t, &f, &oy);
    KT_EQ_INT(oy.item_created, 0);
    KT_EQ_INT(oy.cases_opened, 0);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM items WHERE url IS NULL", NULL, 0, &v), 0);
    KT_EQ_INT(v, 1);
    /* a new category of an item that exists, from two writers at once: one case */
    race(uri, b, &x, &g, &oy);
    KT_EQ_INT(oy.cases_opened, 0);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM cases WHERE category = 'terror \"x\"'", NULL, 0,
                        &v), 0);
    KT_EQ_INT(v, 2);                                /* z's and x's */
    kz_store_close(&a);
    kz_store_close(&b);
    char why[512] = "";
    KT_EQ_INT(kt_audit_bad_seq(uri, why, sizeof why), 0);
    KT_EQ_STR(why, "");
    dropall();
}

/* A bulk batch storing again more items than the server's lock table has
 * room for (max_locks_per_transaction x max_connections, 3,200 on the
 * test cluster, and some slack), half with a URL and flagged again (each
 * locked while its cases are decided), half without (found by their
 * text): it commits.  With an advisory lock an item or a text it failed
 * with "out of shared memory", and the batch was not stored. */
KT_TEST(store_pg_bulk_batch_of_many_stored_items)
{
    char uri[600];
    if (!have_pg("store_pg_bulk_batch_of_many_stored_items")) return;
    kz_store *s = fresh("many", uri, sizeof uri);
    if (!s) { dropall(); return; }
    enum { N = 4000 };
    kz_flag_in f = { "drugs", 60 };
    kz_ingest_out o;
    int64_t v = 0;
    for (int pass = 0; pass < 2; pass++) {
        KT_EQ_INT(kz_store_begin_bulk(s), 0);
        int bad = 0;
        for (int i = 0; i < N && !bad; i++) {
            char url[64], text[64], bare[64];
            int un = snprintf(url, sizeof url, "https://many.kz/p/%d", i);
            int tn = snprintf(text, sizeof text, "пост %d", i);
            int bn = snprintf(bare, sizeof bare, "без адреса %d", i);
            kz_item_in a = { url, (size_t)un, NULL, 0, NULL, 0, NULL, 0, NULL, 0, text, (size_t)tn, NULL };
            kz_item_in b = { NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, bare, (size_t)bn, NULL };
            bad = kz_case_ingest(s, &a, NULL, 0, &f, 1, &o) != 0 ||
                  kz_case_ingest(s, &b, NULL, 0, &f, 1, &o) != 0;
        }
        if (bad)
            kt_fail(__FILE__, __LINE__, "pass %d: %s", pass, kz_store_errmsg(s));
        KT_EQ_INT(bad ? kz_store_rollback(s) : kz_store_commit(s), 0);
    }
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM items", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2 * N);
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM cases", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2 * N);
    kz_store_close(&s);
    dropall();
}

/* kz_store_add_platform: a new platform added before a bulk batch, so a
 * second writer's batch naming it goes on while the first is open (named
 * first inside the batch, the second waits for the first's commit: here
 * it gives up after 200 ms and fails, as the second half shows). */
KT_TEST(store_pg_new_platform_added_before_the_batch)
{
    char uri[600];
    if (!have_pg("store_pg_new_platform_added_before_the_batch")) return;
    kz_store *a = fresh("plat", uri, sizeof uri), *b = a ? second(uri) : NULL;
    if (!a || !b) { kz_store_close(&a); kz_store_close(&b); dropall(); return; }
    kz_flag_in f = { "drugs", 60 };
    kz_ingest_out ox, oy;
    kz_item_in x = { "https://p.kz/x", 14, "new.kz", 6, NULL, 0, NULL, 0, NULL, 0, "икс", 6, NULL };
    kz_item_in y = { "https://p.kz/y", 14, "new.kz", 6, NULL, 0, NULL, 0, NULL, 0, "игрек", 10, NULL };
    KT_EQ_INT(kz_store_add_platform(a, "new.kz", 6), 0);
    KT_EQ_INT(kz_store_add_platform(a, "new.kz", 6), 0);         /* known: nothing */
    KT_EQ_INT(kz_store_begin_bulk(a), 0);
    KT_EQ_INT(kz_store_add_platform(a, "new.kz", 6), KZ_EINVAL); /* not inside one */
    KT_EQ_INT(kz_case_ingest(a, &x, NULL, 0, &f, 1, &ox), 0);
    KT_EQ_INT(kz_store_add_platform(b, "new.kz", 6), 0);
    KT_EQ_INT(kz_store_begin_bulk(b), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(b), "SET LOCAL lock_timeout = '200ms'"), 0);
    KT_EQ_INT(kz_case_ingest(b, &y, NULL, 0, &f, 1, &oy), 0);    /* does not wait for a */
    KT_EQ_INT(kz_store_commit(b), 0);
    KT_EQ_INT(kz_store_commit(a), 0);
    kz_db *db = kz_store_db(b);
    int64_t v = 0;
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM platforms WHERE name = 'new.kz'", NULL, 0, &v), 0);
    KT_EQ_INT(v, 1);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(DISTINCT i.platform_id) FROM items i JOIN platforms p "
                            "ON p.id = i.platform_id AND p.name = 'new.kz'", NULL, 0, &v), 0);
    KT_EQ_INT(v, 1);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM items", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2);
    /* a name the server would refuse: left to the batch, which cleans it */
    KT_EQ_INT(kz_store_add_platform(a, "bad\xff", 4), 0);
    KT_EQ_INT(kz_store_add_platform(a, "n\0l", 3), 0);
    KT_EQ_INT(kz_db_int(db, "SELECT COUNT(*) FROM platforms", NULL, 0, &v), 0);
    KT_EQ_INT(v, 1);
    /* not added first: the second batch waits for the first's commit */
    x.url = "https://p.kz/x2"; x.url_len = 15; x.platform = "other.kz"; x.platform_len = 8;
    y.url = "https://p.kz/y2"; y.url_len = 15; y.platform = "other.kz"; y.platform_len = 8;
    KT_EQ_INT(kz_store_begin_bulk(a), 0);
    KT_EQ_INT(kz_case_ingest(a, &x, NULL, 0, &f, 1, &ox), 0);
    KT_EQ_INT(kz_store_begin_bulk(b), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(b), "SET LOCAL lock_timeout = '200ms'"), 0);
    KT_CHECK(kz_case_ingest(b, &y, NULL, 0, &f, 1, &oy) < 0);
    KT_EQ_INT(kz_store_rollback(b), 0);
    KT_EQ_INT(kz_store_commit(a), 0);
    kz_store_close(&a);
    kz_store_close(&b);
    dropall();
}

/* Case ids come from the cases' sequence in the order cases are opened,
 * inside a transaction and outside one, and their audit entries name
 * them. */
KT_TEST(store_pg_case_ids_in_order)
{
    char uri[600];
    if (!have_pg("store_pg_case_ids_in_order")) return;
    kz_store *s = fresh("c", uri, sizeof uri);
    if (!s) { dropall(); return; }
    kz_ingest_out o;
    kz_flag_in f[2] = { { "drugs", 60 }, { "fraud", 70 } };
    kz_item_in a = { "https://x.kz/1", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "один", 8, NULL };
    kz_item_in b = { "https://x.kz/2", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "два", 6, NULL };
    kz_item_in c = { "https://x.kz/3", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "три", 6, NULL };
    kz_item_in d = { "https://x.kz/4", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "четыре", 12, NULL };
    int64_t n = 0;
    KT_EQ_INT(kz_case_ingest(s, &a, NULL, 0, f, 1, &o), 0);        /* case 1 */
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &b, NULL, 0, f, 1, &o), 0);        /* case 2 */
    KT_EQ_INT(kz_case_ingest(s, &c, NULL, 0, f, 2, &o), 0);        /* cases 3, 4 */
    KT_EQ_INT(o.cases_opened, 2);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &d, NULL, 0, f + 1, 1, &o), 0);    /* case 5 */
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM cases c JOIN items i ON i.id = c.item_id "
                        "WHERE c.id = CASE i.canonical_url WHEN 'https://x.kz/1' THEN 1 "
                        "WHEN 'https://x.kz/2' THEN 2 WHEN 'https://x.kz/4' THEN 5 "
                        "ELSE (CASE c.category WHEN 'drugs' THEN 3 ELSE 4 END) END",
                        NULL, 0, &n), 0);
    KT_EQ_INT(n, 5);
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM audit_log a JOIN cases c "
                        "ON a.action = 'case.open' AND a.entity_id = c.id", NULL, 0, &n), 0);
    KT_EQ_INT(n, 5);
    kz_store_close(&s);
    KT_EQ_INT(kt_audit_bad_seq(uri, NULL, 0), 0);
    dropall();
}

KT_TEST(audit_pg_detects_edit_delete_truncate_forgery)
{
    char uri[600], copy[600], line[512], why[256], key[] = "/tmp/kt-pgkey-XXXXXX";
    if (!have_pg("audit_pg_detects_edit_delete_truncate_forgery")) return;
    int fd = mkstemp(key);
    if (fd < 0) { kt_fail(__FILE__, __LINE__, "mkstemp"); return; }
    close(fd);
    unlink(key);                                  /* kz_audit_checkpoint makes it */
    kz_store *s = fresh("a", uri, sizeof uri);
    if (!s) { dropall(); return; }
    KT_EQ_INT(kz_store_begin(s), 0);
    for (int i = 0; i < 10; i++) {
        char url[64], text[64];
        snprintf(url, sizeof url, "https://example.kz/p/%d", i);
        snprintf(text, sizeof text, "закладка номер %d", i);
        kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text, strlen(text), NULL };
        kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 16, NULL, NULL, 0 };
        kz_flag_in f = { "drugs", 50 };
        kz_ingest_out out;
        KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    }
    KT_EQ_INT(kz_store_commit(s), 0);             /* 20 entries */
    KT_EQ_INT(kz_audit_checkpoint(s, key, line, sizeof line), 0);
    KT_CHECK(strncmp(line, "20 ", 3) == 0);
    kz_store_close(&s);
    unlink(key);
    KT_EQ_INT(kt_audit_bad_seq(uri, NULL, 0), 0);

    static const struct { const char *sql; int64_t bad; const char *why; } cases[] = {
        { "UPDATE audit_log SET actor = 'someone' WHERE seq = 5", 5, "was changed" },
        { "UPDATE audit_log SET after_state = NULL WHERE seq = 12", 12, "was changed" },
        { "DELETE FROM audit_log WHERE seq = 7", 7, "is missing" },
        { "DELETE FROM audit_log WHERE seq > 15", 16, "truncated" },
        { "UPDATE audit_checkpoints SET hash = CASE WHEN hash LIKE 'f%' THEN 'e' ELSE 'f' END "
          "|| substr(hash, 2)", 20, "bad signature" },
    };
    char orig[64];
    snprintf(orig, sizeof orig, "%s", made[0]);
    for (size_t i = 0; i < KZ_ARRAY_LEN(cases); i++) {
        char name[16];
        snprintf(name, sizeof name, "copy%zu", i);
        if (newdb(name, orig, copy, sizeof copy)) break;
        pg_sql(made[nmade - 1], cases[i].sql);
        int64_t bad = kt_audit_bad_seq(copy, why, sizeof why);
        if (bad != cases[i].bad || !strstr(why, cases[i].why))
            kt_fail(__FILE__, __LINE__, "%s: bad entry %lld (%s), expected %lld (%s)",
                    cases[i].sql, (long long)bad, why, (long long)cases[i].bad, cases[i].why);
    }
    dropall();
}

/* ---- what only PostgreSQL has -------------------------------------------- */

KT_TEST(store_pg_driver)
{
    char uri[600];
    kz_db *a = NULL, *b = NULL;
    kz_dbres *r = NULL;
    if (!have_pg("store_pg_driver")) return;
    if (newdb("drv", NULL, uri, sizeof uri)) { dropall(); return; }
    KT_EQ_INT(kz_db_open(&a, uri), 0);
    KT_EQ_INT(kz_db_open(&b, uri), 0);
    if (!a || !b) { kt_fail(__FILE__, __LINE__, "open: %s", kz_db_errmsg(a)); goto out; }
    KT_EQ_STR(kz_db_scheme(a), "postgresql");

    /* parameters: text (not NUL-terminated), integers, NULL; rows back */
    KT_EQ_INT(kz_db_exec(a, "CREATE TABLE t (id BIGINT, s TEXT)"), 0);
    kz_dbval p1[] = { kz_dbint(-9000000000LL), kz_dbtext("abcdef", 3) };
    kz_dbval p2[] = { kz_dbint(2), kz_dbnull() };
    KT_EQ_INT(kz_db_query(a, "INSERT INTO t VALUES ($1, $2)", p1, 2, NULL), 0);
    KT_EQ_INT(kz_db_query(a, "INSERT INTO t VALUES ($1, $2)", p2, 2, NULL), 0);
    KT_EQ_INT(kz_db_query(a, "SELECT id, s FROM t ORDER BY id", NULL, 0, &r), 0);
    KT_EQ_INT(kz_dbres_next(r), 1);
    KT_EQ_INT(kz_dbres_int(r, 0), -9000000000LL);
    size_t n = 0;
    const char *s = kz_dbres_text(r, 1, &n);
    KT_CHECK(s && n == 3 && !memcmp(s, "abc", 3));
    KT_EQ_INT(kz_dbres_next(r), 1);
    KT_CHECK(kz_dbres_null(r, 1));
    KT_CHECK(kz_dbres_text(r, 1, &n) == NULL && n == 0);
    KT_EQ_INT(kz_dbres_next(r), 0);
    kz_dbres_done(r);
    r = NULL;
    int64_t v = 0;
    kz_dbval p3[] = { kz_dbint(3) };
    KT_EQ_INT(kz_db_int(a, "SELECT id FROM t WHERE id = $1", p3, 1, &v), KZ_ENOTFOUND);

    /* a NUL byte is refused, not cut short */
    kz_dbval p4[] = { kz_dbint(4), kz_dbtext("a\0b", 3) };
    KT_EQ_INT(kz_db_query(a, "INSERT INTO t VALUES ($1, $2)", p4, 2, NULL), KZ_EDB);
    KT_CHECK(strstr(kz_db_errmsg(a), "NUL") != NULL);

    /* an SQL error: KZ_EDB and the server's message */
    KT_EQ_INT(kz_db_exec(a, "SELECT * FROM no_such_table"), KZ_EDB);
    KT_CHECK(strstr(kz_db_errmsg(a), "no_such_table") != NULL);

    /* a lock not granted in time (55P03) is retryable: KZ_EBUSY */
    KT_EQ_INT(kz_db_begin(a), 0);
    KT_EQ_INT(kz_db_exec(a, "LOCK TABLE t IN EXCLUSIVE MODE"), 0);
    KT_EQ_INT(kz_db_begin(b), 0);
    KT_EQ_INT(kz_db_exec(b, "SET LOCAL lock_timeout = '100ms'"), 0);
    KT_EQ_INT(kz_db_exec(b, "LOCK TABLE t IN EXCLUSIVE MODE"), KZ_EBUSY);
    KT_EQ_INT(kz_db_rollback(b), 0);
    KT_EQ_INT(kz_db_rollback(a), 0);

    /* a failed connection names the server, never the password */
    kz_db *c = NULL;
    KT_EQ_INT(kz_db_open(&c, "postgresql://kuzet:sekrit@127.0.0.1:1/nothing"),
              KZ_EDB);
    KT_CHECK(c != NULL);                            /* a handle that says why */
    KT_CHECK(strstr(kz_db_errmsg(c), "sekrit") == NULL);
    KT_CHECK(strstr(kz_db_errmsg(c), "127.0.0.1") != NULL);
    kz_db_close(&c);
out:
    kz_dbres_done(r);
    kz_db_close(&a);
    kz_db_close(&b);
    dropall();
}

/* kz_db_defer (pipeline mode): deferred statements run in order before a
 * statement whose result is read; one that fails makes the next call
 * (or COMMIT) fail with the server's message, and COMMIT then rolls the
 * whole transaction back; the connection works on afterwards; outside a
 * transaction a deferred statement runs at once. */
KT_TEST(store_pg_deferred_statements)
{
    char uri[600];
    kz_db *a = NULL;
    int64_t v = 0;
    if (!have_pg("store_pg_deferred_statements")) return;
    if (newdb("defer", NULL, uri, sizeof uri)) { dropall(); return; }
    KT_EQ_INT(kz_db_open(&a, uri), 0);
    if (!a) { kt_fail(__FILE__, __LINE__, "open: %s", kz_db_errmsg(a)); goto out; }
    KT_EQ_INT(kz_db_exec(a, "CREATE TABLE t (id BIGINT PRIMARY KEY, s TEXT)"), 0);
    const char *ins = "INSERT INTO t (id, s) VALUES ($1, $2)";
    kz_dbval p[] = { kz_dbint(1), kz_dbstr("one") };
    /* outside a transaction: at once (and prepared) */
    KT_EQ_INT(kz_db_defer(a, ins, p, 2), 0);
    KT_EQ_INT(kz_db_defer(a, ins, p, 2), KZ_EDB);
    KT_CHECK(strstr(kz_db_errmsg(a), "duplicate key") != NULL);
    /* inside: 2000 rows deferred (read back on the way), then one read */
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 2; i <= 2001; i++) {
        kz_dbval q[] = { kz_dbint(i), kz_dbstr("many") };
        KT_EQ_INT(kz_db_defer(a, ins, q, 2), 0);
    }
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM t", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2001);
    KT_EQ_INT(kz_db_commit(a), 0);
    /* a deferred failure: the next read fails with it */
    KT_EQ_INT(kz_db_begin(a), 0);
    kz_dbval q3[] = { kz_dbint(3000), kz_dbstr("lost") };
    KT_EQ_INT(kz_db_defer(a, ins, q3, 2), 0);
    KT_EQ_INT(kz_db_defer(a, ins, p, 2), 0);           /* id 1 again */
    KT_EQ_INT(kz_db_defer(a, ins, q3, 2), 0);          /* skipped by the server */
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM t", NULL, 0, &v), KZ_EDB);
    KT_CHECK(strstr(kz_db_errmsg(a), "duplicate key") != NULL);
    KT_EQ_INT(kz_db_rollback(a), 0);
    /* ... or COMMIT does, and rolls back */
    KT_EQ_INT(kz_db_begin(a), 0);
    KT_EQ_INT(kz_db_defer(a, ins, q3, 2), 0);
    KT_EQ_INT(kz_db_defer(a, ins, p, 2), 0);
    KT_EQ_INT(kz_db_commit(a), KZ_EDB);
    KT_CHECK(strstr(kz_db_errmsg(a), "duplicate key") != NULL);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM t", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2001);                                 /* nothing of it stored */
    kz_dbval q4[] = { kz_dbint(3000) };
    KT_EQ_INT(kz_db_int(a, "SELECT id FROM t WHERE id = $1", q4, 1, &v), KZ_ENOTFOUND);
    /* and the connection goes on */
    KT_EQ_INT(kz_db_begin(a), 0);
    KT_EQ_INT(kz_db_defer(a, ins, q3, 2), 0);
    KT_EQ_INT(kz_db_commit(a), 0);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM t", NULL, 0, &v), 0);
    KT_EQ_INT(v, 2002);
out:
    kz_db_close(&a);
    dropall();
}

/* Deferred INSERTs of one plain form are sent 32 rows to a statement
 * (store/pg.c): counted here by a statement trigger.  The rows stored are
 * those deferred, NULLs, quotes and dollars included; a read in between
 * sees every row deferred before it; a failing row fails COMMIT with the
 * server's message and nothing is stored; ROLLBACK drops what is held;
 * ROLLBACK TO SAVEPOINT undoes only the rows deferred after it. */
KT_TEST(store_pg_deferred_inserts_merged)
{
    char uri[600];
    kz_db *a = NULL;
    int64_t v = 0;
    if (!have_pg("store_pg_deferred_inserts_merged")) return;
    if (newdb("merge", NULL, uri, sizeof uri)) { dropall(); return; }
    KT_EQ_INT(kz_db_open(&a, uri), 0);
    if (!a) { kt_fail(__FILE__, __LINE__, "open: %s", kz_db_errmsg(a)); goto out; }
    KT_EQ_INT(kz_db_exec(a, "CREATE TABLE m (id BIGINT PRIMARY KEY, s TEXT, n BIGINT)"), 0);
    KT_EQ_INT(kz_db_exec(a, "CREATE TABLE m2 (k TEXT NOT NULL)"), 0);
    KT_EQ_INT(kz_db_exec(a, "CREATE TABLE stmts (n INT)"), 0);
    KT_EQ_INT(kz_db_exec(a, "CREATE FUNCTION count_stmt() RETURNS trigger LANGUAGE plpgsql AS "
                            "$$ BEGIN INSERT INTO stmts VALUES (1); RETURN NULL; END $$"), 0);
    KT_EQ_INT(kz_db_exec(a, "CREATE TRIGGER m_stmt AFTER INSERT ON m FOR EACH STATEMENT "
                            "EXECUTE FUNCTION count_stmt()"), 0);
    const char *ins = "INSERT INTO m (id, s, n) VALUES ($1, $2, $3)";
    const char *ins2 = "INSERT INTO m2 (k) VALUES ($1)";
    char s[64];
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 1; i <= 100; i++) {
        snprintf(s, sizeof s, "row '%d' $1 (x)", i);
        kz_dbval q[] = { kz_dbint(i), i % 7 ? kz_dbstr(s) : kz_dbnull(), kz_dbint(-i * 1000) };
        KT_EQ_INT(kz_db_defer(a, ins, q, 3), 0);
        kz_dbval k[] = { kz_dbstr(s) };
        KT_EQ_INT(kz_db_defer(a, ins2, k, 1), 0);
        if (i == 45) {
            KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m", NULL, 0, &v), 0);
            KT_EQ_INT(v, 45);
        }
    }
    KT_EQ_INT(kz_db_commit(a), 0);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m2", NULL, 0, &v), 0);
    KT_EQ_INT(v, 100);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM stmts", NULL, 0, &v), 0);
    KT_CHECK(v >= 4 && v <= 40);                    /* 100 rows in a few statements */
    kz_dbres *r = NULL;
    int rows = 0;
    KT_EQ_INT(kz_db_query(a, "SELECT id, s, n FROM m ORDER BY id", NULL, 0, &r), 0);
    while (r && kz_dbres_next(r) == 1) {
        int i = ++rows;
        size_t n = 0;
        const char *t = kz_dbres_text(r, 1, &n);
        snprintf(s, sizeof s, "row '%d' $1 (x)", i);
        KT_EQ_INT(kz_dbres_int(r, 0), i);
        KT_EQ_INT(kz_dbres_int(r, 2), -i * 1000);
        if (i % 7)
            KT_CHECK(t && n == strlen(s) && !memcmp(t, s, n));
        else
            KT_CHECK(kz_dbres_null(r, 1));
    }
    kz_dbres_done(r);
    KT_EQ_INT(rows, 100);
    /* a failing row among 40: COMMIT fails with the server's message */
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 101; i <= 140; i++) {
        kz_dbval q[] = { kz_dbint(i == 120 ? 5 : i), kz_dbstr("late"), kz_dbint(0) };
        KT_EQ_INT(kz_db_defer(a, ins, q, 3), 0);
    }
    KT_EQ_INT(kz_db_commit(a), KZ_EDB);
    KT_CHECK(strstr(kz_db_errmsg(a), "duplicate key") != NULL);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m", NULL, 0, &v), 0);
    KT_EQ_INT(v, 100);
    /* a value PostgreSQL refuses (a NUL byte) among rows held: that call
     * says so, and COMMIT fails; nothing is stored */
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 151; i <= 160; i++) {
        kz_dbval q[] = { kz_dbint(i), i == 155 ? kz_dbtext("a\0b", 3) : kz_dbstr("nul"), kz_dbint(0) };
        KT_EQ_INT(kz_db_defer(a, ins, q, 3), i == 155 ? KZ_EDB : 0);
    }
    KT_CHECK(kz_db_commit(a) != 0);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m", NULL, 0, &v), 0);
    KT_EQ_INT(v, 100);
    /* ROLLBACK drops the rows held; the connection goes on */
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 201; i <= 205; i++) {
        kz_dbval q[] = { kz_dbint(i), kz_dbstr("dropped"), kz_dbint(0) };
        KT_EQ_INT(kz_db_defer(a, ins, q, 3), 0);
    }
    KT_EQ_INT(kz_db_rollback(a), 0);
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 301; i <= 303; i++) {
        kz_dbval q[] = { kz_dbint(i), kz_dbstr("kept"), kz_dbint(0) };
        KT_EQ_INT(kz_db_defer(a, ins, q, 3), 0);
    }
    KT_EQ_INT(kz_db_commit(a), 0);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m WHERE s = 'dropped'", NULL, 0, &v), 0);
    KT_EQ_INT(v, 0);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m WHERE s = 'kept'", NULL, 0, &v), 0);
    KT_EQ_INT(v, 3);
    /* ROLLBACK TO SAVEPOINT undoes what came after the savepoint only */
    KT_EQ_INT(kz_db_begin(a), 0);
    for (int i = 401; i <= 410; i++) {
        if (i == 406)
            KT_EQ_INT(kz_db_exec(a, "SAVEPOINT s"), 0);
        kz_dbval q[] = { kz_dbint(i), kz_dbstr(i < 406 ? "before" : "after"), kz_dbint(0) };
        KT_EQ_INT(kz_db_defer(a, ins, q, 3), 0);
    }
    KT_EQ_INT(kz_db_exec(a, "ROLLBACK TO SAVEPOINT s"), 0);
    KT_EQ_INT(kz_db_commit(a), 0);
    KT_EQ_INT(kz_db_int(a, "SELECT COUNT(*) FROM m WHERE id > 400", NULL, 0, &v), 0);
    KT_EQ_INT(v, 5);
out:
    kz_db_close(&a);
    dropall();
}

/* `kuzet ingest` runs a batch again when the database says "busy": here a
 * lock held past the lock_timeout (55P03) makes the first tries fail. */
KT_TEST(store_pg_ingest_retries_when_busy)
{
    char uri[600], cmd[1400], key[] = "/tmp/kt-pgkey-XXXXXX";
    char *out = NULL, *err = NULL;
    if (!have_pg("store_pg_ingest_retries_when_busy")) return;
    int fd = mkstemp(key);
    if (fd < 0) { kt_fail(__FILE__, __LINE__, "mkstemp"); return; }
    close(fd);
    unlink(key);
    if (newdb("busy", NULL, uri, sizeof uri)) { dropall(); return; }
    snprintf(cmd, sizeof cmd, "'%s' db init --db '%s'", kt_bin(), uri);
    KT_EQ_INT(kt_run(cmd, NULL, NULL), 0);
    PGconn *c = PQconnectdb(uri);
    PGresult *r = PQexec(c, "BEGIN; LOCK TABLE audit_log IN EXCLUSIVE MODE");
    KT_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(cmd, sizeof cmd, "tests/faults/gen 0 50 | PGOPTIONS='-c lock_timeout=100ms' "
                 "KUZET_AUDIT_KEY='%s' '%s' ingest --store-all --rules tests/faults/rules.yaml --db '%s'",
                 key, kt_bin(), uri);
        int st = kt_run(cmd, &out, &err);
        int ok = st == 0 && err && strstr(err, "items: 50 new");
        if (!ok)
            fprintf(stderr, "    ingest: exit %d: %s\n", st, err ? err : "");
        _exit(ok ? 0 : 1);
    }
    struct timespec ts = { 0, 600 * 1000000L };        /* a few tries fail */
    nanosleep(&ts, NULL);
    r = PQexec(c, "COMMIT");
    PQclear(r);
    PQfinish(c);
    int st = -1;
    KT_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    unlink(key);
    free(out);
    free(err);
    dropall();
}

/* ---- fault tests (tests/faults/), on both backends ------------------------- */

/* They run in the release build only: what they check (processes killed, or
 * four at once, and the store intact) does not change under ASan+UBSan, and
 * they are the longest tests of the suite; the code they drive runs under
 * ASan in the ingest and store tests. */
#if !defined(__SANITIZE_ADDRESS__)

/* Run tests/faults/SCRIPT on db (NULL: a new SQLite file) with args. */
static void fault(const char *script, const char *pgname, const char *args)
{
    char work[] = "/tmp/kt-faults-XXXXXX", db[700], cmd[2048];
    char *out = NULL, *err = NULL;
    if (!mkdtemp(work)) { kt_fail(__FILE__, __LINE__, "mkdtemp"); return; }
    if (pgname) {
        if (newdb(pgname, NULL, db, sizeof db)) goto out;
    } else {
        snprintf(db, sizeof db, "sqlite:%s/k.db", work);
    }
    snprintf(cmd, sizeof cmd, "tests/faults/%s '%s' '%s' '%s' %s", script, kt_bin(), db, work, args);
    int st = kt_run(cmd, &out, &err);
    for (char *p = out, *nl; p && *p; p = nl + 1) {    /* what it measured */
        if (!(nl = strchr(p, '\n'))) nl = p + strlen(p) - 1;
        printf("    %.*s\n", (int)(nl - p), p);
    }
    if (st != 0)
        kt_fail(__FILE__, __LINE__, "%s failed (%d): %s", script, st, err ? err : "");
out:
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    if (system(cmd) != 0) kt_fail(__FILE__, __LINE__, "cannot remove %s", work);
    dropall();
}

/* SIGKILL at random moments, 20 times, then a run to the end: nothing lost,
 * nothing twice, the audit log verifies, the SQLite file is intact. */
KT_TEST(store_faults_kill_ingest_sqlite) { fault("kill-ingest", NULL, "20 20000 2000"); }
KT_TEST(store_faults_kill_ingest_pg)
{
    if (have_pg("store_faults_kill_ingest_pg")) fault("kill-ingest", "kill", "20 10000 2500");
}

/* Four ingests at once on overlapping inputs. */
KT_TEST(store_faults_concurrent_sqlite) { fault("concurrent-ingest", NULL, "4 6000"); }
KT_TEST(store_faults_concurrent_pg)
{
    if (have_pg("store_faults_concurrent_pg")) fault("concurrent-ingest", "conc", "4 3000");
}
#endif
