/*
 * tests/t_store.c - the SQLite store: migrations and the version guard,
 * ingest deduplication, and the audit log's tamper evidence (an edited row,
 * a deleted row, a truncated tail, a forged checkpoint), each on a copy.
 */
#include "kt.h"
#include "case/case.h"
#include "kt_store.h"
#include "store/audit.h"
#include "store/store.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[64];

static const char *mkdb(const char *name)
{
    static char path[128];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/kt-store-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) kt_fail(__FILE__, __LINE__, "cleanup failed");
    dir[0] = '\0';
}

static kz_store *fresh(const char *name)
{
    kz_store *s = NULL;
    int from, to;
    if (kz_store_open(&s, mkdb(name), 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open: %s", kz_store_errmsg(s));
        kz_store_close(&s);
        return NULL;
    }
    KT_EQ_INT(kz_store_migrate(s, &from, &to), 0);
    KT_EQ_INT(from, 0);
    KT_EQ_INT(to, kz_migrations[kz_nmigrations - 1].version);
    return s;
}

static void ingest_some(kz_store *s, int n)
{
    KT_EQ_INT(kz_store_begin(s), 0);
    for (int i = 0; i < n; i++) {
        char url[64], text[64];
        snprintf(url, sizeof url, "https://example.kz/p/%d", i);
        snprintf(text, sizeof text, "закладка номер %d", i);
        kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text, strlen(text), NULL };
        kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 16, NULL, NULL, 0 };
        kz_flag_in f = { "drugs", 50 };
        kz_ingest_out out;
        KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    }
    KT_EQ_INT(kz_store_commit(s), 0);
}

static void raw_sql(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    if (sqlite3_open(path, &h) != SQLITE_OK || sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        kt_fail(__FILE__, __LINE__, "raw sql failed: %s", sqlite3_errmsg(h));
    sqlite3_close(h);
}


KT_TEST(store_version_guard)
{
    kz_store *s = fresh("v.db");
    kz_store_close(&s);
    /* never initialised: commands that need the schema refuse */
    KT_EQ_INT(kz_store_open(&s, mkdb("empty.db"), 1), KZ_EVERSION);
    KT_CHECK(strstr(kz_store_errmsg(s), "run 'kuzet db init'") != NULL);   /* the handle says why */
    kz_store_close(&s);
    /* newer than this binary: refused, even for migrate */
    raw_sql(mkdb("v.db"), "INSERT INTO kz_migrations VALUES (999, 'future', '2030-01-01T00:00:00Z')");
    KT_EQ_INT(kz_store_open(&s, mkdb("v.db"), 0), KZ_EVERSION);
    KT_CHECK(strstr(kz_store_errmsg(s), "schema version 999, newer than this kuzet") != NULL);
    kz_store_close(&s);
    KT_CHECK(s == NULL);
    cleanup();
}

KT_TEST(store_ingest_dedupes_by_url_and_content)
{
    kz_store *s = fresh("d.db");
    kz_ingest_out o1, o2, o3;
    kz_item_in a = { "https://x.kz/1", 14, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "один", 8, NULL };
    kz_item_in b = { NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "один", 8, NULL };
    kz_flag_in f = { "drugs", 60 };
    KT_EQ_INT(kz_case_ingest(s, &a, NULL, 0, &f, 1, &o1), 0);
    KT_EQ_INT(kz_case_ingest(s, &a, NULL, 0, &f, 1, &o2), 0);      /* same URL */
    KT_EQ_INT(o1.item_created, 1);
    KT_EQ_INT(o2.item_created, 0);
    KT_EQ_INT(o1.item_id, o2.item_id);
    KT_EQ_INT(o1.cases_opened, 1);
    KT_EQ_INT(o2.cases_opened, 0);                                   /* one case per category */
    KT_EQ_INT(kz_case_ingest(s, &b, NULL, 0, NULL, 0, &o3), 0);     /* no URL: by content */
    KT_EQ_INT(o3.item_created, 0);
    KT_EQ_INT(o3.item_id, o1.item_id);
    kz_store_close(&s);
    cleanup();
}

KT_TEST(store_content_key)
{
    KT_EQ_INT(kz_store_content_key("000000000000001f" "0000000000000000000000000000000000000000000000"), 1);
    KT_EQ_INT(kz_store_content_key("0000000000000100"), 16);
    KT_EQ_INT(kz_store_content_key("fffffffffffffff0"), ((int64_t)1 << 60) - 1);
    KT_EQ_INT(kz_store_content_key("FFFFFFFFFFFFFFF"), kz_store_content_key("fffffffffffffff"));
    KT_EQ_INT(kz_store_content_key("1"), (int64_t)1 << 56);          /* short: the rest 0 */
    KT_EQ_INT(kz_store_content_key("g1"), (int64_t)1 << 52);         /* not hex: 0 */
    KT_EQ_INT(kz_store_content_key("\x11" "1"), (int64_t)1 << 52);
    KT_EQ_INT(kz_store_content_key("G1"), (int64_t)1 << 52);
    KT_EQ_INT(kz_store_content_key(""), 0);
    KT_EQ_INT(kz_store_content_key(NULL), 0);
}

KT_TEST(store_content_key_migration)
{
    kz_store *s = fresh("ck.db");
    if (!s) { cleanup(); return; }
    kt_content_key_migration(&s, mkdb("ck.db"));
    kz_store_close(&s);
    cleanup();
}

KT_TEST(audit_detects_edit_delete_truncate_forgery)
{
    char line[512], why[256], key[128], cmd[512];
    kz_store *s = fresh("a.db");
    ingest_some(s, 10);                                               /* 20 entries */
    snprintf(key, sizeof key, "%s/key", dir);
    KT_EQ_INT(kz_audit_checkpoint(s, key, line, sizeof line), 0);
    KT_CHECK(strncmp(line, "20 ", 3) == 0);
    kz_store_close(&s);
    KT_EQ_INT(kt_audit_bad_seq(mkdb("a.db"), NULL, 0), 0);

    static const struct { const char *sql; int64_t bad; const char *why; } cases[] = {
        { "UPDATE audit_log SET actor = 'someone' WHERE seq = 5", 5, "was changed" },
        { "UPDATE audit_log SET after_state = NULL WHERE seq = 12", 12, "was changed" },
        { "DELETE FROM audit_log WHERE seq = 7", 7, "is missing" },
        { "DELETE FROM audit_log WHERE seq > 15", 16, "truncated" },
        { "UPDATE audit_checkpoints SET hash = CASE WHEN substr(hash, 1, 1) = 'f' "
          "THEN '0' || substr(hash, 2) ELSE 'f' || substr(hash, 2) END", 20,
          "bad signature" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(cases); i++) {
        snprintf(cmd, sizeof cmd, "cp '%s' '%s/copy.db'", mkdb("a.db"), dir);
        KT_EQ_INT(system(cmd), 0);
        raw_sql(mkdb("copy.db"), cases[i].sql);
        int64_t bad = kt_audit_bad_seq(mkdb("copy.db"), why, sizeof why);
        if (bad != cases[i].bad || !strstr(why, cases[i].why))
            kt_fail(__FILE__, __LINE__, "%s: bad entry %lld (%s), expected %lld (%s)",
                    cases[i].sql, (long long)bad, why, (long long)cases[i].bad, cases[i].why);
    }
    cleanup();
}
