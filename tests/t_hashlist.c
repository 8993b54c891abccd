/*
 * tests/t_hashlist.c - the private URL check (act/hashlist.h): prefixes,
 * checksums, full hashes, updates and their application by a client, the
 * list at a past version of the store.  The SHA-256 values were computed
 * apart from kuzet, with `printf %s EXPR | sha256sum`:
 *
 *   example.com/            73d986e009065f182c10bcb6a45db3d6eda9498f8930654af2653f8a938cd801
 *   shop.kz/bad/            0125c6ead8887d7531253ce7d0e76a7a032ea43c2e6c847c2f329b9c7f13297f
 *   evil.kz/                21e420465cdde04449f81dc6d521fdf199e8701ca9107fdbb4a3c454e9bba2f8
 *   a.b.c/1/2.html?param=1  1cd5cf5ed8e6df424bdbb400f7b2a3fcb215c4c3f7fa2965a11446cde3c162f3
 *
 * and the checksums with printf '\x..' | sha256sum over the sorted prefixes:
 *   {0125c6ea, 73d986e0}            7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21
 *   {0125c6ea, 21e42046, 73d986e0}  10af9c59cfdcf44cce2f73c9a7e46edec8e6c06ea2c734b6fd24bc3dea6147a1
 *   {21e42046, 73d986e0}            7d378e9a66ad7de20c93e2a984ee7ddef50c8ebb47cdcf1a5b2600df89919d4f
 *   {0125c6ea, 21e42046}            9a6abd4dac9585a57a155f58ef944bb1687b8d91957efea13f94fd1406e69c02
 *   {}                              e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 */
#include "kt.h"
#include "kt_store.h"
#include "act/active.h"
#include "act/hashlist.h"
#include "store/db.h"
#include <stdlib.h>

static kz_hashlist *make(const char *const *dom, const char *const *url, int64_t version)
{
    kz_blocklist *b = kz_blocklist_new();
    kz_hashlist *h = NULL;
    for (int64_t i = 0; dom && dom[i]; i++)
        KT_EQ_INT(kz_blocklist_add_domain(b, dom[i], strlen(dom[i]), 10 + i, NULL), 0);
    for (int64_t i = 0; url && url[i]; i++)
        KT_EQ_INT(kz_blocklist_add_url(b, url[i], strlen(url[i]), 20 + i, NULL), 0);
    KT_EQ_INT(kz_hashlist_new(&h, b, version), 0);
    kz_blocklist_free(b);
    return h;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

KT_TEST(hashlist_prefixes_checksum_full_hashes)
{
    const char *dom[] = { "EXAMPLE.com.", NULL }, *url[] = { "http://shop.kz/bad/", NULL };
    kz_hashlist *h = make(dom, url, 7);
    char x[65];
    KT_EQ_INT(kz_hashlist_version(h), 7);
    KT_EQ_INT(kz_hashlist_nprefixes(h), 2);
    hex(kz_hashlist_prefixes(h), 4, x);
    KT_EQ_STR(x, "0125c6ea");
    hex(kz_hashlist_prefixes(h) + 4, 4, x);
    KT_EQ_STR(x, "73d986e0");
    KT_EQ_STR(kz_hashlist_checksum(h), "7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21");

    const kz_hashlist_full *v;
    const uint8_t p[4] = { 0x73, 0xd9, 0x86, 0xe0 }, q[4] = { 0x73, 0xd9, 0x86, 0xe1 };
    KT_EQ_INT(kz_hashlist_lookup(h, p, &v), 1);
    hex(v[0].hash, 32, x);
    KT_EQ_STR(x, "73d986e009065f182c10bcb6a45db3d6eda9498f8930654af2653f8a938cd801");
    KT_EQ_INT(v[0].id, 10);
    KT_EQ_INT(kz_hashlist_lookup(h, q, &v), 0);
    KT_EQ_INT(kz_hashlist_has_prefix(h, p), 1);
    KT_EQ_INT(kz_hashlist_has_prefix(h, q), 0);

    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    uint8_t pp[4][4];
    const char *why = NULL;
    KT_EQ_INT(kz_hashlist_parse_prefixes("73D986E0,00000000,73d986e0", 26, pp, 4, &why), 3);
    KT_EQ_INT(kz_hashlist_full_json(&b, h, (const uint8_t(*)[4])pp, 3), 0);
    KT_EQ_STR(b.p, "{\"version\":7,\"matches\":[{\"prefix\":\"73d986e0\",\"hash\":"
                   "\"73d986e009065f182c10bcb6a45db3d6eda9498f8930654af2653f8a938cd801\","
                   "\"decision_id\":10},{\"prefix\":\"73d986e0\",\"hash\":"
                   "\"73d986e009065f182c10bcb6a45db3d6eda9498f8930654af2653f8a938cd801\","
                   "\"decision_id\":10}]}\n");
    /* bad requests */
    KT_EQ_INT(kz_hashlist_parse_prefixes("", 0, pp, 4, &why), KZ_EINVAL);
    KT_EQ_INT(kz_hashlist_parse_prefixes("73d986e", 7, pp, 4, &why), KZ_EINVAL);
    KT_EQ_INT(kz_hashlist_parse_prefixes("73d986e0,", 9, pp, 4, &why), KZ_EINVAL);
    KT_EQ_INT(kz_hashlist_parse_prefixes("73d986g0", 8, pp, 4, &why), KZ_EINVAL);
    KT_EQ_INT(kz_hashlist_parse_prefixes("00000000,00000000", 17, pp, 1, &why), KZ_EINVAL);
    KT_EQ_STR(why, "too many prefixes in one request");
    kz_buf_release(&b);
    kz_hashlist_free(&h);
    KT_CHECK(h == NULL);
}

KT_TEST(hashlist_url_hashes_are_the_lookup_expressions)
{
    kz_blocklist_ctx c;
    uint8_t hs[KZ_URL_EXPR_MAX][KZ_URL_HASH_LEN];
    size_t n = 0;
    char x[65];
    kz_blocklist_ctx_init(&c);
    KT_EQ_INT(kz_hashlist_url(&c, "http://A.B.C:80/1/./2.html?param=1#frag", 39, hs, &n), 0);
    KT_EQ_INT(n, 8);
    KT_EQ_STR(c.exprs.expr[0], "a.b.c/1/2.html?param=1");
    hex(hs[0], 32, x);
    KT_EQ_STR(x, "1cd5cf5ed8e6df424bdbb400f7b2a3fcb215c4c3f7fa2965a11446cde3c162f3");
    /* the host a browser contacts: evil.kz, whose expression evil.kz/ is hashed */
    KT_EQ_INT(kz_hashlist_url(&c, "http://good.kz%2f@evil.kz/", 26, hs, &n), 0);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        hex(hs[i], 32, x);
        found |= !strcmp(x, "21e420465cdde04449f81dc6d521fdf199e8701ca9107fdbb4a3c454e9bba2f8");
    }
    KT_CHECK(found);
    KT_EQ_INT(kz_hashlist_url(&c, "http://1.2.3.4.5/", 17, hs, &n), KZ_EINVAL);
    KT_EQ_STR(c.url.why, "bad IPv4 address");
    KT_EQ_INT(n, 0);
    kz_blocklist_ctx_release(&c);
}

KT_TEST(hashlist_updates_full_and_diff_applied_by_a_client)
{
    const char *d1[] = { "example.com", NULL }, *u1[] = { "http://shop.kz/bad/", NULL };
    const char *d2[] = { "example.com", "evil.kz", NULL };
    kz_hashlist *v1 = make(d1, u1, 1), *v2 = make(d2, NULL, 2), *c1 = NULL, *c2 = NULL,
                *bad = NULL;
    kz_buf b;
    const char *why = NULL;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_hashlist_update_json(&b, NULL, v1), 0);
    KT_EQ_STR(b.p, "{\"version\":1,\"type\":\"full\",\"prefix_size\":4,\"count\":2,\"checksum\":"
                   "\"7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21\","
                   "\"additions\":[\"0125c6ea\",\"73d986e0\"],\"removals\":[]}\n");
    KT_EQ_INT(kz_hashlist_apply_json(&c1, NULL, b.p, b.len, &why), 0);
    KT_EQ_INT(kz_hashlist_version(c1), 1);
    KT_EQ_STR(kz_hashlist_checksum(c1), kz_hashlist_checksum(v1));

    kz_buf_reset(&b);
    KT_EQ_INT(kz_hashlist_update_json(&b, v1, v2), 0);
    KT_EQ_STR(b.p, "{\"version\":2,\"type\":\"diff\",\"since\":1,\"prefix_size\":4,\"count\":2,"
                   "\"checksum\":\"7d378e9a66ad7de20c93e2a984ee7ddef50c8ebb47cdcf1a5b2600df89919d4f\","
                   "\"additions\":[\"21e42046\"],\"removals\":[\"0125c6ea\"]}\n");
    KT_EQ_INT(kz_hashlist_apply_json(&c2, c1, b.p, b.len, &why), 0);
    KT_EQ_INT(kz_hashlist_version(c2), 2);
    KT_EQ_STR(kz_hashlist_checksum(c2), "7d378e9a66ad7de20c93e2a984ee7ddef50c8ebb47cdcf1a5b2600df89919d4f");
    /* a diff needs the version it starts from */
    KT_EQ_INT(kz_hashlist_apply_json(&bad, NULL, b.p, b.len, &why), KZ_EBADJSON);
    KT_EQ_INT(kz_hashlist_apply_json(&bad, c2, b.p, b.len, &why), KZ_EBADJSON);
    KT_EQ_STR(why, "a diff from a version this client does not hold");

    static const char *const bads[] = {
        "[]", "{\"version\":1}", "not json",
        /* the checksum does not match */
        "{\"version\":3,\"type\":\"full\",\"prefix_size\":4,\"count\":1,\"checksum\":"
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
        "\"additions\":[\"00000000\"],\"removals\":[]}",
        /* count wrong */
        "{\"version\":3,\"type\":\"full\",\"prefix_size\":4,\"count\":1,\"checksum\":"
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
        "\"additions\":[],\"removals\":[]}",
        /* an addition twice */
        "{\"version\":3,\"type\":\"full\",\"prefix_size\":4,\"count\":2,\"checksum\":\"x\","
        "\"additions\":[\"00000000\",\"00000000\"],\"removals\":[]}",
        /* removal of a prefix not held */
        "{\"version\":3,\"type\":\"diff\",\"since\":2,\"prefix_size\":4,\"count\":2,\"checksum\":\"x\","
        "\"additions\":[],\"removals\":[\"00000000\"]}",
        /* prefix size */
        "{\"version\":3,\"type\":\"full\",\"prefix_size\":8,\"count\":0,\"checksum\":"
        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
        "\"additions\":[],\"removals\":[]}",
        /* not hex */
        "{\"version\":3,\"type\":\"full\",\"prefix_size\":4,\"count\":1,\"checksum\":\"x\","
        "\"additions\":[\"0000000g\"],\"removals\":[]}",
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(bads); i++) {
        KT_EQ_INT(kz_hashlist_apply_json(&bad, c2, bads[i], strlen(bads[i]), &why), KZ_EBADJSON);
        KT_CHECK(why != NULL && bad == NULL);
    }
    /* the empty list */
    const char *empty = "{\"version\":4,\"type\":\"full\",\"prefix_size\":4,\"count\":0,\"checksum\":"
                        "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\","
                        "\"additions\":[],\"removals\":[]}";
    KT_EQ_INT(kz_hashlist_apply_json(&bad, c2, empty, strlen(empty), &why), 0);
    KT_EQ_INT(kz_hashlist_nprefixes(bad), 0);
    kz_hashlist_free(&bad);

    /* a full-hash answer, parsed */
    kz_hashlist_full *m = NULL;
    size_t nm = 0;
    const char *ans = "{\"version\":2,\"matches\":[{\"prefix\":\"21e42046\",\"hash\":"
                      "\"21e420465cdde04449f81dc6d521fdf199e8701ca9107fdbb4a3c454e9bba2f8\","
                      "\"decision_id\":11}]}";
    KT_EQ_INT(kz_hashlist_parse_full(ans, strlen(ans), &m, &nm, &why), 0);
    KT_EQ_INT(nm, 1);
    KT_EQ_INT(m[0].id, 11);
    KT_EQ_INT(m[0].hash[31], 0xf8);
    free(m);
    KT_EQ_INT(kz_hashlist_parse_full("{\"matches\":[{\"hash\":\"00\"}]}", 27, &m, &nm, &why),
              KZ_EBADJSON);
    KT_CHECK(m == NULL);
    kz_buf_release(&b);
    kz_hashlist_free(&v1);
    kz_hashlist_free(&v2);
    kz_hashlist_free(&c1);
    kz_hashlist_free(&c2);
}

/* ---- past versions from the store -------------------------------------------- */

static kt_tmpstore tmp;

static int64_t decision(kz_store *s, const char *url, const char *measure, int reversed)
{
    static int n;
    char sha[16];
    int64_t item = 0, cs = 0, id = 0;
    snprintf(sha, sizeof sha, "hl%d", ++n);
    kz_db *db = kz_store_db(s);
    kz_dbval pi[] = { kz_dbstr(url), kz_dbstr(url), kz_dbstr(sha) };
    KT_EQ_INT(kz_db_int(db, "INSERT INTO items (url, canonical_url, content_sha256, first_seen,"
                            " last_seen) VALUES ($1, $2, $3, '2026-01-01T00:00:00Z',"
                            " '2026-01-01T00:00:00Z') RETURNING id", pi, 3, &item), 0);
    kz_dbval pc[] = { kz_dbint(item) };
    KT_EQ_INT(kz_db_int(db, "INSERT INTO cases (item_id, category, state, score, opened_at,"
                            " updated_at) VALUES ($1, 'drugs', 'decided', 50,"
                            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
                        pc, 1, &cs), 0);
    kz_dbval pd[] = { kz_dbint(cs), kz_dbstr(measure),
                      reversed ? kz_dbstr("2026-02-01T00:00:00Z") : kz_dbnull() };
    KT_EQ_INT(kz_db_int(db, "INSERT INTO decisions (case_id, measure, territorial_scope,"
                            " starts_at, legal_basis, automated_detection, decided_by,"
                            " approved_by, reversed_at, decided_at) VALUES ($1, $2, 'KZ',"
                            " '2026-01-01T00:00:00Z', 'Law, art. 1', 1, 1, 2, $3,"
                            " '2026-01-01T00:00:00Z') RETURNING id", pd, 3, &id), 0);
    return id;
}

static void reverse(kz_store *s, int64_t id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE decisions SET reversed_at = '2026-02-01T00:00:00Z'"
                              " WHERE id = %lld", (long long)id);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), sql), 0);
}

KT_TEST(hashlist_past_versions_from_the_store)
{
    kz_store *s = kt_store_fresh(&tmp, "hashlist");
    KT_CHECK(s != NULL);
    kt_store_accounts(s);
    kz_active l;
    kz_active_version v;
    kz_hashlist *h1 = NULL, *h2 = NULL, *h3 = NULL, *cur = NULL;
    kz_active_init(&l);
    int64_t a = decision(s, "https://example.com/x", "domain_block", 0);
    decision(s, "http://shop.kz/bad/", "url_block", 0);
    decision(s, "https://c.kz/v", "geo_restriction", 0);
    KT_EQ_INT(kz_active_version_update(&l, s, NULL, NULL, &v), 0);
    KT_EQ_INT(v.serial, 1);
    KT_EQ_INT(kz_hashlist_from_entries(&cur, l.v, l.n, v.serial), 0);
    KT_EQ_STR(kz_hashlist_checksum(cur), "7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21");
    kz_hashlist_free(&cur);
    /* version 2: evil.kz joins; version 3: example.com's block is reversed */
    decision(s, "http://evil.kz/", "domain_block", 0);
    KT_EQ_INT(kz_active_version_update(&l, s, NULL, NULL, &v), 0);
    KT_EQ_INT(v.serial, 2);
    reverse(s, a);
    KT_EQ_INT(kz_active_version_update(&l, s, NULL, NULL, &v), 0);
    KT_EQ_INT(v.serial, 3);

    KT_EQ_INT(kz_hashlist_load(&h1, s, 1), 0);
    KT_EQ_INT(kz_hashlist_load(&h2, s, 2), 0);
    KT_EQ_INT(kz_hashlist_load(&h3, s, 3), 0);
    KT_EQ_STR(kz_hashlist_checksum(h1), "7c5dccf90895bec1943392243903c35c522931d0b459d43250863de3d793fd21");
    KT_EQ_STR(kz_hashlist_checksum(h2), "10af9c59cfdcf44cce2f73c9a7e46edec8e6c06ea2c734b6fd24bc3dea6147a1");
    KT_EQ_STR(kz_hashlist_checksum(h3), "9a6abd4dac9585a57a155f58ef944bb1687b8d91957efea13f94fd1406e69c02");
    KT_EQ_INT(kz_hashlist_version(h2), 2);
    /* the list now, as the entries in effect give it, is version 3 */
    KT_EQ_INT(kz_hashlist_from_entries(&cur, l.v, l.n, v.serial), 0);
    KT_EQ_STR(kz_hashlist_checksum(cur), kz_hashlist_checksum(h3));
    kz_hashlist *gone = NULL;
    KT_EQ_INT(kz_hashlist_load(&gone, s, 4), KZ_ENOTFOUND);
    KT_EQ_INT(kz_hashlist_load(&gone, s, 0), KZ_ENOTFOUND);
    KT_CHECK(gone == NULL);
    kz_hashlist_free(&h1);
    kz_hashlist_free(&h2);
    kz_hashlist_free(&h3);
    kz_hashlist_free(&cur);
    kz_active_release(&l);
    kt_store_cleanup(&tmp, &s);
}
