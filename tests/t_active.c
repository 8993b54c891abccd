/*
 * tests/t_active.c - the blocklist from the decisions in effect
 * (act/active.h): what is in effect when, versions and their changes, the
 * nsupdate form, the block page; geo-restrictions in the exports.
 */
#include "kt.h"
#include "kt_store.h"
#include "act/active.h"
#include "store/store.h"
#include <stdlib.h>
#include <unistd.h>

static kt_tmpstore tmp;

static kz_store *fresh(void)
{
    kz_store *s = kt_store_fresh(&tmp, "active");
    if (!s)
        abort();
    kt_store_accounts(s);
    return s;
}

static void cleanup(kz_store **s)
{
    kt_store_cleanup(&tmp, s);
}

/* an item (url may be NULL), its case and one decision; returns its id */
static int64_t decision(kz_store *s, const char *url, const char *measure, const char *starts,
                        const char *ends, bool approved, bool reversed, const char *scope)
{
    static int n;
    char sha[16];
    int64_t item = 0, cs = 0, id = 0;
    snprintf(sha, sizeof sha, "h%d", ++n);
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
    kz_dbval pd[] = { kz_dbint(cs), kz_dbstr(measure), kz_dbstr(scope), kz_dbstr(starts),
                      kz_dbstr(ends), approved ? kz_dbint(2) : kz_dbnull(),
                      reversed ? kz_dbstr("2026-02-01T00:00:00Z") : kz_dbnull() };
    KT_EQ_INT(kz_db_int(db, "INSERT INTO decisions (case_id, measure, territorial_scope,"
                            " starts_at, ends_at, legal_basis, automated_detection, decided_by,"
                            " approved_by, reversed_at, decided_at) VALUES ($1, $2, $3, $4, $5,"
                            " 'Law, art. 1', 1, 1, $6, $7, $4) RETURNING id", pd, 7, &id), 0);
    return id;
}

static const char *find(const kz_active *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].id == id)
            return l->v[i].target;
    return NULL;
}

KT_TEST(active_in_effect)
{
    kz_store *s = fresh();
    const char *t0 = "2026-01-01T00:00:00Z", *t1 = "2026-06-01T00:00:00Z";
    int64_t u = decision(s, "https://Forum.Example.KZ:443/t/1", "url_block", t0, NULL, true, false, "KZ");
    int64_t dm = decision(s, "http://www.shop.kz/x?y", "domain_block", t0, t1, true, false, "KZ");
    int64_t na = decision(s, "https://a.kz/", "domain_block", t0, NULL, false, false, "KZ");
    int64_t rv = decision(s, "https://b.kz/", "url_block", t0, NULL, true, true, "KZ");
    int64_t g = decision(s, "https://c.kz/v", "geo_restriction", t0, NULL, false, false, "KZ, Almaty");
    int64_t nu = decision(s, NULL, "url_block", t0, NULL, true, false, "KZ");
    int64_t ra = decision(s, "https://d.kz/", "removal_request", t0, NULL, false, false, "KZ");
    int64_t fut = decision(s, "https://e.kz/", "domain_block", "2027-01-01T00:00:00Z", NULL, true,
                           false, "KZ");
    kz_active l;
    kz_active_init(&l);
    KT_EQ_INT(kz_active_load(&l, s, "2026-03-01T00:00:00Z"), 0);
    KT_EQ_INT(l.n, 3);
    KT_EQ_STR(find(&l, u), "https://forum.example.kz/t/1");
    KT_EQ_STR(find(&l, dm), "www.shop.kz");
    KT_EQ_STR(find(&l, g), "https://c.kz/v");
    KT_CHECK(!find(&l, na) && !find(&l, rv) && !find(&l, nu) && !find(&l, ra) && !find(&l, fut));
    KT_EQ_INT(l.skipped, 1);                               /* the item without a URL */
    KT_EQ_INT(l.v[2].kind, KZ_EXPORT_GEO);
    KT_EQ_STR(l.scope[2], "KZ, Almaty");
    KT_EQ_STR(l.v[1].ends, t1);
    /* ends_at is exclusive; starts_at inclusive */
    KT_EQ_INT(kz_active_load(&l, s, t1), 0);
    KT_CHECK(!find(&l, dm));
    KT_EQ_INT(kz_active_load(&l, s, "2027-01-01T00:00:00Z"), 0);
    KT_CHECK(find(&l, fut) != NULL);
    KT_EQ_INT(kz_active_load(&l, s, "2026-13-01T00:00:00Z"), KZ_EINVAL);
    KT_EQ_INT(kz_active_load(&l, s, "2026-01-01"), KZ_EINVAL);
    kz_active_release(&l);
    cleanup(&s);
}

/* the store keeps an item's URL as written and its Safe Browsing form;
 * the target is the host a browser contacts, from the URL as written */
KT_TEST(active_target_is_the_host_a_browser_contacts)
{
    kz_store *s = fresh();
    const char *t0 = "2026-01-01T00:00:00Z", *url = "http://good.kz%2f@evil.kz/x";
    int64_t dm = decision(s, url, "domain_block", t0, NULL, true, false, NULL);
    int64_t ub = decision(s, "http://good.kz%2f@evil.kz/y", "url_block", t0, NULL, true, false,
                          NULL);
    int64_t old = decision(s, "http://a b.kz/", "domain_block", t0, NULL, true, false, NULL);
    kz_dbval p[] = { kz_dbstr("http://good.kz/@evil.kz/x"), kz_dbstr(url) };
    KT_EQ_INT(kz_db_query(kz_store_db(s), "UPDATE items SET canonical_url = $1 WHERE url = $2",
                          p, 2, NULL), 0);
    kz_active l;
    kz_active_init(&l);
    KT_EQ_INT(kz_active_load(&l, s, "2026-03-01T00:00:00Z"), 0);
    KT_EQ_STR(find(&l, dm), "evil.kz");
    KT_EQ_STR(find(&l, ub), "http://evil.kz/y");
    KT_EQ_STR(find(&l, old), "a%20b.kz");        /* a browser refuses it: as before */
    kz_active_decision d;
    KT_EQ_INT(kz_active_decision_get(s, dm, "2026-03-01T00:00:00Z", &d), 0);
    KT_EQ_STR(d.target, "evil.kz");
    kz_active_decision_release(&d);
    kz_active_release(&l);
    cleanup(&s);
}

KT_TEST(active_versions_and_changes)
{
    kz_store *s = fresh();
    const char *t0 = "2026-01-01T00:00:00Z";
    decision(s, "https://a.kz/x", "domain_block", t0, "2026-06-01T00:00:00Z", true, false, NULL);
    decision(s, "https://b.kz/x", "domain_block", t0, NULL, true, false, NULL);
    decision(s, "https://b.kz/y", "domain_block", t0, "2026-07-01T00:00:00Z", true, false, NULL);
    decision(s, "https://c.kz/x", "url_block", t0, "2026-06-01T00:00:00Z", true, false, NULL);
    decision(s, "https://10.0.0.1/x", "domain_block", t0, NULL, true, false, NULL);
    kz_active l;
    kz_active_version v;
    kz_buf b;
    kz_active_init(&l);
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_active_version_update(&l, s, "2026-02-01T00:00:00Z", NULL, &v), 0);
    KT_EQ_INT(v.serial, 1);
    KT_EQ_INT(v.changed, 1);
    KT_EQ_INT(v.added, 5);
    KT_EQ_INT(kz_active_version_update(&l, s, "2026-03-01T00:00:00Z", NULL, &v), 0);
    KT_EQ_INT(v.serial, 1);                                /* nothing changed */
    KT_EQ_INT(v.changed, 0);
    /* a.kz and the c.kz URL expire; b.kz stays (one of its two decisions) */
    KT_EQ_INT(kz_active_version_update(&l, s, "2026-06-15T00:00:00Z", "tester", &v), 0);
    KT_EQ_INT(v.serial, 2);
    KT_EQ_INT(v.deleted, 2);
    KT_EQ_INT(v.added, 0);
    KT_EQ_INT(kz_active_version_update(&l, s, "2026-08-01T00:00:00Z", NULL, &v), 0);
    KT_EQ_INT(v.serial, 3);
    KT_EQ_INT(kz_active_changes_nsupdate(s, 1, 3, "rpz.test.", NULL, 60, &b, NULL), 0);
    KT_EQ_STR(b.p, "; kuzet RPZ changes for the zone rpz.test: serial 1 -> 3\n"
                   "; 1 name changed; an nsupdate(1) script (each name also as *.name)\n"
                   "zone rpz.test.\n"
                   "update delete a.kz.rpz.test. CNAME\n"
                   "update delete *.a.kz.rpz.test. CNAME\n"
                   "send\n");
    kz_buf_reset(&b);
    size_t nch = 9;
    KT_EQ_INT(kz_active_changes_nsupdate(s, 0, 1, NULL, "block.test", 0, &b, &nch), 0);
    KT_EQ_INT(nch, 2);                                     /* a.kz, b.kz; not the IP address */
    KT_CHECK(strstr(b.p, "update add *.b.kz.rpz.local. 300 CNAME block.test.\n") != NULL);
    KT_CHECK(!strstr(b.p, "10.0.0.1"));
    kz_buf_reset(&b);
    KT_EQ_INT(kz_active_changes_nsupdate(s, 2, 3, NULL, NULL, 0, &b, &nch), 0);
    KT_EQ_INT(nch, 0);                                     /* b.kz/y went, b.kz stays */
    KT_EQ_INT(kz_active_changes_nsupdate(s, 4, 3, NULL, NULL, 0, &b, NULL), KZ_EINVAL);
    int64_t n = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM audit_log WHERE action ="
                        " 'blocklist.version'", NULL, 0, &n), 0);
    KT_EQ_INT(n, 3);
    kz_buf_release(&b);
    kz_active_release(&l);
    cleanup(&s);
}

KT_TEST(active_block_page)
{
    kz_store *s = fresh();
    int64_t id = decision(s, "https://x.kz/<b>", "domain_block", "2026-01-01T00:00:00Z", NULL,
                          true, false, "KZ & <all>");
    int64_t rv = decision(s, "https://y.kz/", "url_block", "2026-01-01T00:00:00Z", NULL, true,
                          true, "KZ");
    kz_active_decision d;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_active_decision_get(s, rv, NULL, &d), 0);
    KT_EQ_INT(d.in_effect, 0);
    KT_EQ_STR(d.why_not, "reversed");
    kz_active_decision_release(&d);
    KT_EQ_INT(kz_active_decision_get(s, 999, NULL, &d), KZ_ENOTFOUND);
    kz_active_decision_release(&d);
    KT_EQ_INT(kz_active_decision_get(s, id, NULL, &d), 0);
    KT_EQ_INT(d.in_effect, 1);
    KT_EQ_STR(d.target, "x.kz");
    kz_active_page_opts o = { 0, "A \"B\" <script>", "javascript:alert(1)", false, false };
    KT_EQ_INT(kz_active_page_write(&b, &d, &o), 0);
    KT_CHECK(strstr(b.p, "<section lang=\"kk\">") && strstr(b.p, "<section lang=\"ru\">") &&
             strstr(b.p, "<section lang=\"en\">"));
    KT_CHECK(strstr(b.p, "A &quot;B&quot; &lt;script&gt;") && !strstr(b.p, "<script"));
    KT_CHECK(strstr(b.p, "KZ &amp; &lt;all&gt;") != NULL);
    KT_CHECK(!strstr(b.p, "href=\"javascript"));          /* only http(s)/mailto links */
    KT_CHECK(!strstr(b.p, "http://") && !strstr(b.p, "src="));   /* nothing external */
    kz_buf_reset(&b);
    o = (kz_active_page_opts){ KZ_PAGE_EN, NULL, NULL, true, false };
    KT_EQ_INT(kz_active_page_write(&b, &d, &o), 0);
    KT_CHECK(!strncmp(b.p, "Access restricted\n", 18));
    KT_CHECK(strstr(b.p, "Authority: the competent authority\n") != NULL);
    KT_CHECK(strstr(b.p, "In force: indefinitely\n") != NULL);
    KT_CHECK(!strstr(b.p, "Доступ"));
    kz_buf_reset(&b);                                      /* the sections alone */
    o = (kz_active_page_opts){ KZ_PAGE_RU, NULL, NULL, false, true };
    KT_EQ_INT(kz_active_page_write(&b, &d, &o), 0);
    KT_CHECK(!strncmp(b.p, "<section lang=\"ru\">", 19));
    KT_CHECK(!strstr(b.p, "<style") && !strstr(b.p, "<html") && !strstr(b.p, "</main>"));
    snprintf(d.measure, sizeof d.measure, "no_action");
    KT_EQ_INT(kz_active_page_write(&b, &d, &o), KZ_EINVAL);
    kz_active_decision_release(&d);
    kz_buf_release(&b);
    cleanup(&s);
}

KT_TEST(active_geo_only_in_csv_and_json)
{
    kz_export_entry e[2];
    memset(e, 0, sizeof e);
    e[0].kind = KZ_EXPORT_DOMAIN;
    e[0].target = "a.kz";
    e[0].id = 1;
    e[1].kind = KZ_EXPORT_GEO;
    e[1].target = "https://b.kz/v";
    e[1].id = 2;
    const char *scope[] = { NULL, "KZ" };
    kz_export_opts o;
    memset(&o, 0, sizeof o);
    o.scope = scope;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_export_write(&b, KZ_EXPORT_CSV, e, 2, &o, NULL), 0);
    KT_EQ_STR(b.p, "kind,target,decision_id,legal_basis,starts,ends,scope\r\n"
                   "domain,a.kz,1,,,,\r\ngeo,https://b.kz/v,2,,,,KZ\r\n");
    kz_buf_reset(&b);
    KT_EQ_INT(kz_export_write(&b, KZ_EXPORT_RPZ, e, 2, &o, NULL), 0);
    KT_CHECK(strstr(b.p, "; 1 geo-restriction left out") && !strstr(b.p, "b.kz"));
    kz_buf_reset(&b);
    KT_EQ_INT(kz_export_write(&b, KZ_EXPORT_HASH_PREFIXES, e, 2, &o, NULL), 0);
    KT_EQ_INT(b.len, 9);                                   /* one prefix */
    kz_buf_reset(&b);
    KT_EQ_INT(kz_export_write(&b, KZ_EXPORT_SQUID_URLS, e, 2, &o, NULL), 0);
    KT_CHECK(!strstr(b.p, "b\\.kz"));
    kz_buf_release(&b);
}
