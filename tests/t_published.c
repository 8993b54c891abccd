/*
 * tests/t_published.c - the published list (act/published.h): exports
 * built once per version with a strong ETag, If-None-Match, the prefix-list
 * updates since a version, the current version reloaded only when old or
 * invalidated, and kept when the list did not change.
 */
#include "kt.h"
#include "kt_store.h"
#include "act/published.h"
#include "store/db.h"
#include "util/sha256.h"
#include <dirent.h>
#include <stdlib.h>
#include <time.h>

KT_TEST(published_exports_built_once_with_etag)
{
    kz_export_entry e[] = {
        { KZ_EXPORT_DOMAIN, "example.com", 10, "Law 1", NULL, NULL },
        { KZ_EXPORT_URL, "http://shop.kz/bad/", 11, NULL, NULL, NULL },
        { KZ_EXPORT_GEO, "http://c.kz/v", 12, NULL, NULL, NULL },
    };
    const char *scope[] = { NULL, NULL, "KZ" };
    kz_pub_opts o = { "rpz.example", NULL, 60 };
    kz_pub *p = NULL;
    kz_pub_export x, y;
    KT_EQ_INT(kz_pub_from_entries(&p, e, scope, 3, 42, &o), 0);
    KT_EQ_INT(kz_pub_version(p), 42);
    KT_EQ_INT(kz_pub_entries(p), 3);
    KT_EQ_INT(kz_blocklist_size(kz_pub_blocklist(p)), 2);
    KT_EQ_STR(kz_hashlist_checksum(kz_pub_hashlist(p)),
              "7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21");

    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT_RPZ, false, &x), 0);
    KT_CHECK(strstr(x.body, " 42 ") != NULL);               /* the SOA serial */
    KT_CHECK(strstr(x.body, "example.com CNAME .") != NULL);
    KT_EQ_INT(x.serial, 42);
    char hex[65], want[48];
    kz_sha256_hex(x.body, x.len, hex);
    snprintf(want, sizeof want, "\"42-%.16s\"", hex);
    KT_EQ_STR(x.etag, want);
    KT_EQ_STR(x.media_type, "text/plain; charset=utf-8");
    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT_RPZ, false, &y), 0);
    KT_CHECK(x.body == y.body);                              /* not built again */

    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT_CSV, false, &y), 0);
    KT_CHECK(strstr(y.body, "KZ") != NULL);                  /* the geo entry, with its scope */
    KT_EQ_STR(y.media_type, "text/csv; charset=utf-8");
    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT_HASH_PREFIXES, false, &y), 0);
    KT_EQ_STR(y.body, "0125c6ea\n73d986e0\n");
    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT_HASH_PREFIXES, true, &y), 0);
    KT_EQ_STR(y.body, "0125c6ead8887d7531253ce7d0e76a7a032ea43c2e6c847c2f329b9c7f13297f\n"
                      "73d986e009065f182c10bcb6a45db3d6eda9498f8930654af2653f8a938cd801\n");
    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT_RPZ, true, &y), KZ_EINVAL);
    KT_EQ_INT(kz_pub_export_get(p, KZ_EXPORT__COUNT, false, &y), KZ_EINVAL);
    KT_EQ_INT(kz_pub_export_get(p, -1, false, &y), KZ_EINVAL);

    /* If-None-Match */
    KT_EQ_INT(kz_pub_etag_match(want, x.etag), 1);
    KT_EQ_INT(kz_pub_etag_match("*", x.etag), 1);
    char list[128];
    snprintf(list, sizeof list, "\"1-abc\", W/%s", want);
    KT_EQ_INT(kz_pub_etag_match(list, x.etag), 1);
    KT_EQ_INT(kz_pub_etag_match("\"1-abc\"", x.etag), 0);
    KT_EQ_INT(kz_pub_etag_match("\"42-", x.etag), 0);
    KT_EQ_INT(kz_pub_etag_match("", x.etag), 0);
    KT_EQ_INT(kz_pub_etag_match("42-x", x.etag), 0);
    KT_EQ_INT(kz_pub_etag_match(NULL, x.etag), 0);

    /* the prefix list: full; since this version: an empty diff; no store: full */
    const char *b;
    size_t n;
    KT_EQ_INT(kz_pub_update(p, NULL, 0, &b, &n), 0);
    KT_CHECK(strstr(b, "\"type\":\"full\"") && strstr(b, "\"version\":42"));
    KT_EQ_INT(kz_pub_update(p, NULL, 42, &b, &n), 0);
    KT_CHECK(strstr(b, "\"type\":\"diff\",\"since\":42") && strstr(b, "\"additions\":[]"));
    KT_EQ_INT(kz_pub_update(p, NULL, 41, &b, &n), 0);
    KT_CHECK(strstr(b, "\"type\":\"full\"") != NULL);
    KT_EQ_INT(kz_pub_update(p, NULL, 99, &b, &n), 0);
    KT_CHECK(strstr(b, "\"type\":\"full\"") != NULL);

    kz_pub *q = kz_pub_ref(p);
    kz_pub_unref(&p);
    KT_CHECK(p == NULL);
    KT_EQ_INT(kz_pub_version(q), 42);                        /* still held */
    kz_pub_unref(&q);
}

static kt_tmpstore tmp;

static void block(kz_store *s, const char *url, const char *measure)
{
    static int n;
    char sql[1024];
    int64_t item = 0, cs = 0;
    kz_db *db = kz_store_db(s);
    snprintf(sql, sizeof sql, "INSERT INTO items (url, canonical_url, content_sha256, first_seen,"
             " last_seen) VALUES ('%s', '%s', 'pub%d', '2026-01-01T00:00:00Z',"
             " '2026-01-01T00:00:00Z') RETURNING id", url, url, ++n);
    KT_EQ_INT(kz_db_int(db, sql, NULL, 0, &item), 0);
    snprintf(sql, sizeof sql, "INSERT INTO cases (item_id, category, state, score, opened_at,"
             " updated_at) VALUES (%lld, 'drugs', 'decided', 50, '2026-01-01T00:00:00Z',"
             " '2026-01-01T00:00:00Z') RETURNING id", (long long)item);
    KT_EQ_INT(kz_db_int(db, sql, NULL, 0, &cs), 0);
    snprintf(sql, sizeof sql, "INSERT INTO decisions (case_id, measure, territorial_scope,"
             " starts_at, legal_basis, automated_detection, decided_by, approved_by, decided_at)"
             " VALUES (%lld, '%s', 'KZ', '2026-01-01T00:00:00Z', 'Law', 1, 1, 2,"
             " '2026-01-01T00:00:00Z')", (long long)cs, measure);
    KT_EQ_INT(kz_db_exec(db, sql), 0);
}

KT_TEST(published_current_version_and_updates_since)
{
    kz_store *s = kt_store_fresh(&tmp, "published");
    KT_CHECK(s != NULL);
    kt_store_accounts(s);
    block(s, "https://example.com/x", "domain_block");
    block(s, "http://shop.kz/bad/", "url_block");
    kz_pubcache *c = kz_pubcache_new(NULL, 1000);
    kz_pub *p1 = NULL, *p2 = NULL, *p3 = NULL;
    KT_EQ_INT(kz_pubcache_get(c, s, &p1), 0);
    KT_EQ_INT(kz_pub_version(p1), 1);
    KT_EQ_INT(kz_pubcache_get(c, s, &p2), 0);
    KT_CHECK(p1 == p2);                                      /* young: not reloaded */
    kz_pub_unref(&p2);
    /* reloaded, the list unchanged: the same version object, caches kept */
    kz_pubcache_invalidate(c);
    KT_EQ_INT(kz_pubcache_get(c, s, &p2), 0);
    KT_CHECK(p1 == p2);
    kz_pub_unref(&p2);
    /* a new block: not seen until the version is old or invalidated */
    block(s, "http://evil.kz/", "domain_block");
    KT_EQ_INT(kz_pubcache_get(c, s, &p2), 0);
    KT_EQ_INT(kz_pub_version(p2), 1);
    kz_pub_unref(&p2);
    kz_pubcache_invalidate(c);
    KT_EQ_INT(kz_pubcache_get(c, s, &p2), 0);
    KT_EQ_INT(kz_pub_version(p2), 2);
    KT_EQ_STR(kz_hashlist_checksum(kz_pub_hashlist(p2)),
              "10af9c59cfdcf44cce2f73c9a7e46edec8e6c06ea2c734b6fd24bc3dea6147a1");
    KT_EQ_INT(kz_pub_version(p1), 1);                        /* the old one still usable */

    /* since 1: the diff from the store's list at version 1; a client applies it */
    const char *b, *why;
    size_t n;
    kz_hashlist *cl = NULL, *cl2 = NULL;
    KT_EQ_INT(kz_pub_update(p1, s, 0, &b, &n), 0);
    KT_EQ_INT(kz_hashlist_apply_json(&cl, NULL, b, n, &why), 0);
    KT_EQ_INT(kz_pub_update(p2, s, 1, &b, &n), 0);
    KT_EQ_STR(b, "{\"version\":2,\"type\":\"diff\",\"since\":1,\"prefix_size\":4,\"count\":3,"
                 "\"checksum\":\"10af9c59cfdcf44cce2f73c9a7e46edec8e6c06ea2c734b6fd24bc3dea6147a1\","
                 "\"additions\":[\"21e42046\"],\"removals\":[]}\n");
    const char *again;
    KT_EQ_INT(kz_pub_update(p2, s, 1, &again, &n), 0);
    KT_CHECK(again == b);                                    /* kept */
    KT_EQ_INT(kz_hashlist_apply_json(&cl2, cl, b, n, &why), 0);
    KT_EQ_STR(kz_hashlist_checksum(cl2), kz_hashlist_checksum(kz_pub_hashlist(p2)));
    /* a version the store never had: the full list */
    KT_EQ_INT(kz_pub_update(p2, s, 7, &b, &n), 0);
    KT_CHECK(strstr(b, "\"type\":\"full\"") != NULL);
    KT_EQ_INT(kz_pub_update(p2, s, -3, &b, &n), 0);
    KT_CHECK(strstr(b, "\"type\":\"full\"") != NULL);

    kz_hashlist_free(&cl);
    kz_hashlist_free(&cl2);
    kz_pub_unref(&p1);
    kz_pub_unref(&p2);
    kz_pub_unref(&p3);
    kz_pubcache_free(&c);
    KT_CHECK(c == NULL);
    kt_store_cleanup(&tmp, &s);
}

/* Background mode: get never reads the list while it holds a version,
 * whatever its age; refresh reads it; each reading counted by who did. */
KT_TEST(published_background_refresh)
{
    kz_store *s = kt_store_fresh(&tmp, "pubbg");
    KT_CHECK(s != NULL);
    kt_store_accounts(s);
    block(s, "https://example.com/x", "domain_block");
    kz_pubcache *c = kz_pubcache_new(NULL, 0);              /* always old */
    kz_pub *p = NULL;
    kz_pubcache_set_background(c, 1);
    KT_EQ_INT(kz_pubcache_get(c, s, &p), 0);                 /* none held: the first reads */
    KT_EQ_INT(kz_pub_version(p), 1);
    kz_pub_unref(&p);
    block(s, "http://evil.kz/", "domain_block");
    for (int i = 0; i < 3; i++) {
        KT_EQ_INT(kz_pubcache_get(c, s, &p), 0);
        KT_EQ_INT(kz_pub_version(p), 1);                     /* not read again by get */
        kz_pub_unref(&p);
    }
    KT_EQ_INT(kz_pubcache_loads(c, 0), 1);
    KT_EQ_INT(kz_pubcache_refresh(c, s), 0);
    KT_EQ_INT(kz_pubcache_loads(c, 1), 1);
    KT_EQ_INT(kz_pubcache_get(c, s, &p), 0);
    KT_EQ_INT(kz_pub_version(p), 2);
    kz_pub_unref(&p);
    KT_EQ_INT(kz_pubcache_loads(c, 0), 1);
    kz_pubcache_free(&c);
    kt_store_cleanup(&tmp, &s);
}

/* ---- the feed: a thread reads the list in effect every N seconds ---------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The threads of this process (/proc/self/task). */
static int threads_now(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* A change in the store shows through get after the period, read by the
 * thread (get reads only the first version); stop ends and joins the
 * thread at once, even in the middle of a long period. */
KT_TEST(published_feed_reads_every_period)
{
    kz_store *s = kt_store_fresh(&tmp, "pubfeed");
    KT_CHECK(s != NULL);
    kt_store_accounts(s);
    block(s, "https://example.com/x", "domain_block");
    char uri[128];
    snprintf(uri, sizeof uri, "sqlite:%s/k.db", tmp.dir);
    int before = threads_now();
    kz_pubfeed_opts o = { { NULL, NULL, 0 }, 0.2, uri, NULL, NULL, NULL };
    kz_pubfeed *f = NULL;
    KT_EQ_INT(kz_pubfeed_start(&f, &o), 0);
    KT_EQ_INT(threads_now(), before + 1);
    kz_pub *p = NULL;
    KT_EQ_INT(kz_pubfeed_get(f, s, &p), 0);                 /* the first: get reads */
    KT_EQ_INT(kz_pub_version(p), 1);
    kz_pub_unref(&p);
    block(s, "http://evil.kz/", "domain_block");
    KT_EQ_INT(kz_pubfeed_get(f, s, &p), 0);
    KT_EQ_INT(kz_pub_version(p), 1);                        /* not read by get */
    kz_pub_unref(&p);
    int64_t v = 1;
    double t0 = now_s();
    while (v == 1 && now_s() - t0 < 5) {
        struct timespec nap = { 0, 20 * 1000000L };
        nanosleep(&nap, NULL);
        KT_EQ_INT(kz_pubfeed_get(f, s, &p), 0);
        v = kz_pub_version(p);
        kz_pub_unref(&p);
    }
    KT_EQ_INT(v, 2);
    KT_CHECK(now_s() - t0 >= 0.1);                          /* not before the period */
    KT_EQ_INT(kz_pubfeed_loads(f, 0), 1);
    KT_CHECK(kz_pubfeed_loads(f, 1) >= 1);
    kz_pubfeed_stop(&f);
    KT_CHECK(f == NULL);
    KT_EQ_INT(threads_now(), before);                       /* joined */
    kz_pubfeed_stop(&f);                                    /* NULL-safe */

    /* a period of an hour: stop does not wait for it */
    o.every = 3600;
    KT_EQ_INT(kz_pubfeed_start(&f, &o), 0);
    t0 = now_s();
    kz_pubfeed_stop(&f);
    KT_CHECK(now_s() - t0 < 1);
    KT_EQ_INT(threads_now(), before);
    kt_store_cleanup(&tmp, &s);
}

static void count_log(void *ctx, const char *why)
{
    int *n = ctx;
    (*n)++;
    KT_CHECK(why && *why);
}

/* A store that cannot be read: said once, not at every period. */
KT_TEST(published_feed_failure_said_once)
{
    int said = 0;
    kz_pubfeed_opts o = { { NULL, NULL, 0 }, 0.05, "sqlite:/nonexistent-kuzet/k.db", NULL,
                          count_log, &said };
    kz_pubfeed *f = NULL;
    KT_EQ_INT(kz_pubfeed_start(&f, &o), 0);
    struct timespec nap = { 0, 400 * 1000000L };
    nanosleep(&nap, NULL);
    kz_pubfeed_stop(&f);
    KT_EQ_INT(said, 1);
}
