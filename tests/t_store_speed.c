/*
 * tests/t_store_speed.c - what the store does to ingest fast keeps its
 * meaning: "INSERT ... RETURNING id" on SQLite (run as the INSERT and its
 * rowid) gives the new row's id, and an upsert still gives no row when
 * nothing was inserted; text bound without a copy is stored as it was when
 * the statement ran; the platform remembered inside a transaction is
 * forgotten when the transaction rolls back (it would point at a row that
 * is gone); a new item flagged twice for one category opens one case;
 * with kz_db_bulk, SQLite's log is copied into the database while the
 * connection writes on, and nothing written is lost at close.
 */
#include "kt.h"
#include "case/case.h"
#include "kt_store.h"
#include "store/store.h"
#include <sys/stat.h>
#include <time.h>

KT_TEST(store_sqlite_insert_returning_id)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "returning");
    if (!s)
        return;
    kz_db *db = kz_store_db(s);
    KT_EQ_INT(kz_db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, v TEXT)"), 0);
    char name[16] = "first";
    int64_t id = 0;
    kz_dbval p[] = { kz_dbstr(name), kz_dbstr("a") };
    KT_EQ_INT(kz_db_int(db, "INSERT INTO t (name, v) VALUES ($1, $2) RETURNING id", p, 2, &id), 0);
    KT_EQ_INT(id, 1);
    memcpy(name, "xxxxx", 5);                   /* the text was taken when it ran */
    snprintf(name, sizeof name, "second");
    p[0] = kz_dbstr(name);
    KT_EQ_INT(kz_db_int(db, "INSERT INTO t (name, v) VALUES ($1, $2) RETURNING id", p, 2, &id), 0);
    KT_EQ_INT(id, 2);
    /* the same with a result walked by hand: one row, then the end */
    kz_dbres *r = NULL;
    p[0] = kz_dbstr("third");
    KT_EQ_INT(kz_db_query(db, "INSERT INTO t (name, v) VALUES ($1, $2) RETURNING id", p, 2, &r), 0);
    if (r) {
        size_t n = 0;
        KT_EQ_INT(kz_dbres_next(r), 1);
        KT_EQ_INT(kz_dbres_int(r, 0), 3);
        KT_EQ_STR(kz_dbres_text(r, 0, &n), "3");
        KT_EQ_INT(n, 1);
        KT_EQ_INT(kz_dbres_null(r, 0), 0);
        KT_EQ_INT(kz_dbres_next(r), 0);
        kz_dbres_done(r);
    }
    /* a unique violation is an error, not a row */
    p[0] = kz_dbstr("first");
    KT_EQ_INT(kz_db_int(db, "INSERT INTO t (name, v) VALUES ($1, $2) RETURNING id", p, 2, &id), KZ_EDB);
    /* an upsert that inserts nothing returns nothing */
    KT_EQ_INT(kz_db_int(db, "INSERT INTO t (name, v) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING "
                            "RETURNING id", p, 2, &id), KZ_ENOTFOUND);
    p[0] = kz_dbstr("fourth");
    KT_EQ_INT(kz_db_int(db, "INSERT INTO t (name, v) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING "
                            "RETURNING id", p, 2, &id), 0);
    KT_EQ_INT(id, 4);
    KT_EQ_INT(kz_db_query(db, "SELECT group_concat(x, ',') FROM (SELECT id || '=' || name AS x FROM t ORDER BY id)", NULL, 0, &r), 0);
    if (r) {
        KT_EQ_INT(kz_dbres_next(r), 1);
        KT_EQ_STR(kz_dbres_text(r, 0, NULL), "1=first,2=second,3=third,4=fourth");
        kz_dbres_done(r);
    }
    kt_store_cleanup(&t, &s);
}

static int ingest_one(kz_store *s, const char *url, const char *platform, int nflags,
                      kz_ingest_out *out)
{
    kz_item_in it = { url, strlen(url), platform, strlen(platform), NULL, 0, NULL, 0, NULL, 0,
                      "закладка", strlen("закладка"), NULL };
    kz_flag_in f[2] = { { "drugs", 50 }, { "drugs", 60 } };
    return kz_case_ingest(s, &it, NULL, 0, f, (size_t)nflags, out);
}

KT_TEST(store_platform_forgotten_on_rollback)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "platform");
    if (!s)
        return;
    kz_ingest_out out;
    /* the platform is added inside a transaction that rolls back */
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(ingest_one(s, "https://a.example/1", "newplat", 1, &out), 0);
    KT_EQ_INT(kz_store_rollback(s), 0);
    /* the next transaction adds it again, and its items refer to the row
     * that exists (foreign keys are on: a stale id would fail) */
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO platforms (name) VALUES ('other')"), 0);
    KT_EQ_INT(ingest_one(s, "https://a.example/2", "newplat", 1, &out), 0);
    KT_EQ_INT(ingest_one(s, "https://a.example/3", "newplat", 1, &out), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(ingest_one(s, "https://a.example/4", "newplat", 1, &out), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    kz_dbres *r = NULL;
    KT_EQ_INT(kz_db_query(kz_store_db(s), "SELECT group_concat(p.name, ',') FROM items i "
                          "JOIN platforms p ON p.id = i.platform_id", NULL, 0, &r), 0);
    if (r) {
        KT_EQ_INT(kz_dbres_next(r), 1);
        KT_EQ_STR(kz_dbres_text(r, 0, NULL), "newplat,newplat,newplat");
        kz_dbres_done(r);
    }
    kt_store_cleanup(&t, &s);
}

/* The platforms of a transaction are remembered (16 of them): with 20
 * mixed in one transaction, each item still refers to its own, including
 * names that share a prefix and ones pushed out of the 16. */
KT_TEST(store_many_platforms_in_one_transaction)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "platforms");
    if (!s)
        return;
    kz_ingest_out out;
    char url[64], plat[16], want[2048];
    size_t w = 0;
    KT_EQ_INT(kz_store_begin(s), 0);
    for (int i = 0; i < 120; i++) {
        int k = (i * 7) % 20;
        snprintf(url, sizeof url, "https://a.example/%d", i);
        if (k < 10)
            snprintf(plat, sizeof plat, "p%d", k);
        else
            snprintf(plat, sizeof plat, "p%d%d", k % 10, k % 10);
        KT_EQ_INT(ingest_one(s, url, plat, 0, &out), 0);
        w += (size_t)snprintf(want + w, sizeof want - w, "%s%s", i ? "," : "", plat);
    }
    KT_EQ_INT(kz_store_commit(s), 0);
    kz_dbres *r = NULL;
    KT_EQ_INT(kz_db_query(kz_store_db(s), "SELECT group_concat(name, ',') FROM (SELECT p.name "
                          "AS name FROM items i JOIN platforms p ON p.id = i.platform_id "
                          "ORDER BY i.id)", NULL, 0, &r), 0);
    if (r) {
        KT_EQ_INT(kz_dbres_next(r), 1);
        KT_EQ_STR(kz_dbres_text(r, 0, NULL), want);
        kz_dbres_done(r);
    }
    int64_t n = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM platforms", NULL, 0, &n), 0);
    KT_EQ_INT(n, 20);
    kt_store_cleanup(&t, &s);
}

KT_TEST(store_new_item_one_case_per_category)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "flags");
    if (!s)
        return;
    kz_ingest_out out;
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(ingest_one(s, "https://a.example/1", "p", 2, &out), 0);
    KT_EQ_INT(out.item_created, 1);
    KT_EQ_INT(out.cases_opened, 1);
    KT_EQ_INT(ingest_one(s, "https://a.example/1", "p", 2, &out), 0);    /* seen again */
    KT_EQ_INT(out.item_created, 0);
    KT_EQ_INT(out.cases_opened, 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    kt_store_cleanup(&t, &s);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

KT_TEST(store_sqlite_bulk_checkpoints_in_the_background)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "bulk");
    if (!s)
        return;
    char file[128], wal[128];
    snprintf(file, sizeof file, "%s/k.db", t.dir);
    snprintf(wal, sizeof wal, "%s/k.db-wal", t.dir);
    kz_db *db = kz_store_db(s);
    KT_EQ_INT(kz_db_bulk(db), 0);
    KT_EQ_INT(kz_db_bulk(db), 0);                   /* a second time: nothing more */
    int64_t page = 0;                               /* a new database's pages: 16 KiB */
    KT_EQ_INT(kz_db_int(db, "PRAGMA page_size", NULL, 0, &page), 0);
    KT_EQ_INT(page, 16384);
    KT_EQ_INT(kz_db_exec(db, "CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)"), 0);
    long long before = file_size(file);
    /* 16 transactions of 1,100 rows of 4 KB (three to a page of 16 KiB):
     * about 6 MB of log each, past KZ_DB_BULK_WAL_BYTES every time; the
     * first 8 (48 MB) below the 64 MiB at which the writer would copy the
     * log itself, all 16 (96 MB) past it */
    char v[4096];
    memset(v, 'x', sizeof v);
    long long grown = 0, most = 0;
    for (int tx = 0; tx < 16; tx++) {
        KT_EQ_INT(kz_db_begin(db), 0);
        for (int i = 0; i < 1100; i++) {
            v[0] = (char)('a' + tx);
            kz_dbval p[] = { kz_dbtext(v, sizeof v) };
            KT_EQ_INT(kz_db_query(db, "INSERT INTO big (v) VALUES ($1)", p, 1, NULL), 0);
        }
        KT_EQ_INT(kz_db_commit(db), 0);
        if (file_size(wal) > most)
            most = file_size(wal);
        if (tx == 7) {
            /* the database file grows while the connection is still open:
             * the thread copied the log into it (waited for, up to 10 s) */
            grown = file_size(file);
            for (int w = 0; w < 200 && grown < before + 8 * 1024 * 1024; w++) {
                nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
                grown = file_size(file);
            }
        }
    }
    KT_CHECK(grown >= before + 8 * 1024 * 1024);
    /* and the log stays under the writer's 64 MiB and a few transactions:
     * it starts again from its beginning instead of growing with the data */
    KT_CHECK(most < (64 + 3 * 7) * 1024LL * 1024);
    kz_store_close(&s);
    KT_EQ_INT(file_size(wal), -1);                  /* closed cleanly: no log left */
    /* every row, read back by a connection of its own */
    char uri[160];
    snprintf(uri, sizeof uri, "sqlite:%s", file);
    kz_db *rd = NULL;
    KT_EQ_INT(kz_db_open(&rd, uri), 0);
    int64_t n = 0, last = 0;
    KT_EQ_INT(kz_db_int(rd, "SELECT COUNT(*) FROM big", NULL, 0, &n), 0);
    KT_EQ_INT(n, 17600);
    KT_EQ_INT(kz_db_int(rd, "SELECT COUNT(*) FROM big WHERE v LIKE 'p%'", NULL, 0, &last), 0);
    KT_EQ_INT(last, 1100);
    kz_db_close(&rd);
    kt_store_cleanup(&t, &s);
}
