/*
 * tests/t_web_public.c - the public web pages of kuzet serve over real HTTP
 * (serve/web_public.c): the transparency report for a period with the same
 * figures as `kuzet report`, its SVG charts and its CSV/JSON links, a bad
 * period refused with a page; the block page of a decision in kk, ru and
 * en (by ?lang=, the lang cookie and Accept-Language), and the same page
 * for a request whose Host is a blocked hostname, whatever the path; the
 * latest signed audit checkpoint with its public key; every value escaped,
 * no script, no inline style.  On SQLite.
 */
#include "kt.h"
#include "kt_serve.h"
#include "store/db.h"
#include "store/store.h"
#include <stdlib.h>
#include <unistd.h>

static void decide(kz_store *s, const char *url, const char *measure, const char *basis,
                   const char *decided)
{
    static int n;
    char sql[1024];
    int64_t item = 0, cs = 0;
    kz_db *db = kz_store_db(s);
    snprintf(sql, sizeof sql, "INSERT INTO items (url, canonical_url, content_sha256, first_seen,"
             " last_seen) VALUES ('%s', '%s', 'wp%d-%d', '2026-01-01T00:00:00Z',"
             " '2026-01-01T00:00:00Z') RETURNING id", url, url, (int)getpid(), ++n);
    KT_EQ_INT(kz_db_int(db, sql, NULL, 0, &item), 0);
    snprintf(sql, sizeof sql, "INSERT INTO cases (item_id, category, state, score, opened_at,"
             " updated_at) VALUES (%lld, 'drugs', 'decided', 50, '%s', '%s') RETURNING id",
             (long long)item, decided, decided);
    KT_EQ_INT(kz_db_int(db, sql, NULL, 0, &cs), 0);
    snprintf(sql, sizeof sql, "INSERT INTO decisions (case_id, measure, territorial_scope,"
             " starts_at, legal_basis, automated_detection, decided_by, approved_by, decided_at,"
             " approved_at) VALUES (%lld, '%s', 'KZ', '%s', '%s', 1, 1, 2, '%s', '%s')",
             (long long)cs, measure, decided, basis, decided, decided);
    KT_EQ_INT(kz_db_exec(db, sql), 0);
}

static void setup(kz_store *s)
{
    kt_store_accounts(s);
    decide(s, "https://blocked.example.kz/x", "domain_block", "Law <b>&amp; art. 1",
           "2026-03-02T10:00:00Z");                                       /* decision 1 */
    decide(s, "http://shop.kz/bad/", "url_block", "Law 2", "2026-03-03T10:00:00Z");   /* 2 */
    decide(s, "https://c.kz/v", "removal_request", "Law 3", "2026-03-04T10:00:00Z");  /* 3 */
}

static long get(const kt_server *sv, const char *path, const char *hdr, kt_resp *r)
{
    const char *const hs[] = { hdr, NULL };
    return kt_httpx(sv, NULL, "GET", path, NULL, NULL, 0, hdr ? hs : NULL, r);
}

static int has(const kt_resp *r, const char *s)
{
    return r->body && strstr(r->body, s) != NULL;
}

/* No inline script or style, nothing linked from another host, a
 * language, a <main>. */
static void html_ok(const kt_resp *r, const char *lang, int line)
{
    char want[64], v[128];
    snprintf(want, sizeof want, "<html lang=\"%s\">", lang);
    if (!has(r, want) || !has(r, "<main") || has(r, "<script>") || has(r, "style=") ||
        has(r, "<style") || has(r, "=\"http") || has(r, "=\"//"))
        kt_fail(__FILE__, line, "page is not plain %s HTML: %.300s", lang, r->body ? r->body : "");
    if (!kt_resp_header(r, "Content-Type", v, sizeof v) || strncmp(v, "text/html", 9))
        kt_fail(__FILE__, line, "Content-Type %s", v);
}

KT_TEST(web_public_transparency)
{
    kt_server sv;
    kt_resp r;
    if (kt_serve_start(&sv, "webpub", 0, setup, NULL))
        return;
    KT_EQ_INT(get(&sv, "/transparency?from=2026-03-01&to=2026-03-31&lang=en", NULL, &r), 200);
    html_ok(&r, "en", __LINE__);
    /* the report command's figures for the same period */
    char cmd[1024], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "'%s' report --from 2026-03-01 --to 2026-03-31 --format csv --db '%s'",
             kt_bin(), sv.uri);
    KT_EQ_INT(kt_run(cmd, &out, &err), 0);
    KT_CHECK(out && strstr(out, "decisions,total,3") && strstr(out, "links_blocked,total,2"));
    KT_CHECK(has(&r, "<tr><td>decisions</td><td>total</td><td>3</td></tr>"));
    KT_CHECK(has(&r, "<tr><td>links_blocked</td><td>total</td><td>2</td></tr>"));
    KT_CHECK(has(&r, "<tr><td>decisions</td><td>by_measure.url_block</td><td>1</td></tr>"));
    /* every CSV row of the command is a row of the page */
    size_t rows = 0;
    for (char *l = out ? strchr(out, '\n') : NULL; l && l[1]; l = strchr(l + 1, '\n'))
        rows++;
    size_t trs = 0;
    for (const char *p = r.body; (p = strstr(p, "<tr><td>")); p++)
        trs++;
    KT_EQ_INT(trs, rows);
    free(out);
    free(err);
    /* the charts: SVG with an accessible name, the bars by attribute */
    KT_CHECK(has(&r, "<svg role=\"img\" aria-labelledby=\"chart-measures\""));
    KT_CHECK(has(&r, "<title>Domain block: 1</title>") && has(&r, "<title>URL block: 1</title>"));
    KT_CHECK(has(&r, "<title>drugs: 3</title>"));
    KT_CHECK(has(&r, "href=\"/api/v1/report?from=2026-03-01&amp;to=2026-03-31&amp;format=csv\""));
    KT_CHECK(has(&r, "href=\"/api/v1/report?from=2026-03-01&amp;to=2026-03-31&amp;format=json\""));
    kt_resp_free(&r);
    /* the downloads it links to */
    KT_EQ_INT(get(&sv, "/api/v1/report?from=2026-03-01&to=2026-03-31&format=csv", NULL, &r), 200);
    KT_CHECK(has(&r, "decisions,total,3"));
    kt_resp_free(&r);
    /* an empty period: the charts say so */
    KT_EQ_INT(get(&sv, "/transparency?from=2025-01-01&to=2025-01-31&lang=ru", NULL, &r), 200);
    html_ok(&r, "ru", __LINE__);
    KT_CHECK(has(&r, "Отчёт о прозрачности") && has(&r, "За этот период ничего нет."));
    KT_CHECK(!has(&r, "<svg"));
    kt_resp_free(&r);
    /* Kazakh from Accept-Language (highest q) */
    KT_EQ_INT(get(&sv, "/transparency", "Accept-Language: en;q=0.5, kk-KZ;q=0.9, ru;q=0.7", &r),
              200);
    html_ok(&r, "kk", __LINE__);
    KT_CHECK(has(&r, "Ашықтық есебі"));
    kt_resp_free(&r);
    /* a bad period: a page saying why, 400; unknown parameters refused */
    KT_EQ_INT(get(&sv, "/transparency?from=2026-03-31&to=2026-03-01&lang=en", NULL, &r), 400);
    html_ok(&r, "en", __LINE__);
    KT_CHECK(has(&r, "The period is not valid") && has(&r, "before"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/transparency?from=%3Cscript%3E&to=2026-03-01", NULL, &r), 400);
    KT_CHECK(!has(&r, "<script>") && has(&r, "&lt;script&gt;"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/transparency?x=1", NULL, &r), 400);
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_public_block_page)
{
    kt_server sv;
    kt_resp r;
    if (kt_serve_start(&sv, "webblock", 0, setup, NULL))
        return;
    KT_EQ_INT(get(&sv, "/block/1?lang=en", NULL, &r), 200);
    html_ok(&r, "en", __LINE__);
    KT_CHECK(has(&r, "<section lang=\"en\">") && !has(&r, "<section lang=\"ru\">"));
    KT_CHECK(has(&r, "blocked.example.kz"));
    KT_CHECK(has(&r, "Law &lt;b&gt;&amp;amp; art. 1"));          /* escaped, once */
    KT_CHECK(!has(&r, "no longer in effect"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/block/1", "Cookie: kuzet_session=x; lang=ru", &r), 200);
    html_ok(&r, "ru", __LINE__);
    KT_CHECK(has(&r, "<section lang=\"ru\">") && has(&r, "Доступ"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/block/2", "Accept-Language: kk", &r), 200);
    html_ok(&r, "kk", __LINE__);
    KT_CHECK(has(&r, "<section lang=\"kk\">") && has(&r, "shop.kz/bad/"));
    kt_resp_free(&r);
    /* a removal request has no block page; nor has a decision that is not there */
    KT_EQ_INT(get(&sv, "/block/3?lang=en", NULL, &r), 404);
    html_ok(&r, "en", __LINE__);
    KT_CHECK(has(&r, "No such decision"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/block/99", NULL, &r), 404);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/block/abc", NULL, &r), 404);
    kt_resp_free(&r);

    /* a blocked hostname's visitors (a landing CNAME): the block page for
     * any path, in their language; the API and other hosts are untouched */
    KT_EQ_INT(get(&sv, "/some/page?q=1", "Host: www.Blocked.Example.KZ.", &r), 200);
    html_ok(&r, "en", __LINE__);
    KT_CHECK(has(&r, "<section lang=\"en\">") && has(&r, "blocked.example.kz"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/", "Host: blocked.example.kz:8080", &r), 200);
    KT_CHECK(has(&r, "blocked.example.kz"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/bad/x", "Host: shop.kz", &r), 200);       /* the URL block's path */
    KT_CHECK(has(&r, "shop.kz/bad/"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/good", "Host: shop.kz", &r), 404);        /* not its path: no page */
    KT_CHECK(has(&r, "<h1>Not found</h1>") && !has(&r, "shop.kz/bad/"));
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/health", "Host: kuzet.example.kz", &r), 200);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/api/v1/health", "Host: localhost", &r), 200);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/blocked", NULL, &r), 404);                 /* 127.0.0.1: nothing */
    html_ok(&r, "en", __LINE__);
    KT_CHECK(has(&r, "This address is not blocked."));
    kt_resp_free(&r);

    /* a reversed decision: the page says it is no longer in effect */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/k.db' \"UPDATE decisions SET reversed_at = "
             "'2026-03-05T00:00:00Z' WHERE id = 1\"", sv.dir);
    KT_EQ_INT(kt_run(cmd, NULL, NULL), 0);
    KT_EQ_INT(get(&sv, "/block/1?lang=en", NULL, &r), 200);
    KT_CHECK(has(&r, "This decision is no longer in effect: reversed"));
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

KT_TEST(web_public_checkpoint)
{
    kt_server sv;
    kt_resp r;
    char line[512] = "", pk[80] = "";
    /* an empty log: no ticks, whose runs are audited and signed */
    static const char *const quiet[] = { "--no-ticks", NULL };
    if (kt_serve_start(&sv, "webcp0", 0, setup, quiet))
        return;
    KT_EQ_INT(get(&sv, "/checkpoint?lang=en", NULL, &r), 404);
    html_ok(&r, "en", __LINE__);
    KT_CHECK(has(&r, "No checkpoint has been signed yet."));
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);

    if (kt_serve_start(&sv, "webcp", 0, kt_serve_staff, NULL))     /* audited: a log */
        return;
    char cmd[1024], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "'%s' audit checkpoint --db '%s' --key '%s'", kt_bin(), sv.uri,
             sv.key);
    if (kt_run(cmd, &out, &err) != 0)
        kt_fail(__FILE__, __LINE__, "%s: %s", cmd, err ? err : "");
    free(out);
    free(err);
    KT_EQ_INT(get(&sv, "/api/v1/audit/checkpoint", NULL, &r), 200);
    kt_json_get(r.body, "line", line, sizeof line);
    kt_json_get(r.body, "public_key", pk, sizeof pk);
    kt_resp_free(&r);
    KT_EQ_INT(get(&sv, "/checkpoint", "Accept-Language: ru-RU,ru;q=0.9", &r), 200);
    html_ok(&r, "ru", __LINE__);
    KT_CHECK(has(&r, "Открытый ключ (Ed25519)"));
    KT_CHECK(line[0] && has(&r, line));                   /* the line to verify against */
    KT_CHECK(strlen(pk) == 64 && has(&r, pk));
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* Found by the browser walk: under the pages' Referrer-Policy: no-referrer,
 * Chromium posts a form from our own page with "Origin: null" and
 * "Sec-Fetch-Site: same-origin"; the log-in must go through, and a post
 * another site makes must not. */
KT_TEST(web_form_from_own_page_origin_null)
{
    kt_server sv;
    kt_resp r;
    char loc[256];
    if (kt_serve_start(&sv, "weborigin", 0, kt_serve_staff, NULL))
        return;
    static const char body[] = "name=ann&password=ann-password-123&next=%2Faccount";
    const char *const own[] = { "Origin: null", "Sec-Fetch-Site: same-origin", NULL };
    const char *const other[] = { "Origin: null", "Sec-Fetch-Site: cross-site", NULL };
    KT_EQ_INT(kt_httpx(&sv, NULL, "POST", "/login", "application/x-www-form-urlencoded", body,
                       sizeof body - 1, other, &r), 403);
    kt_resp_free(&r);
    KT_EQ_INT(kt_httpx(&sv, NULL, "POST", "/login", "application/x-www-form-urlencoded", body,
                       sizeof body - 1, own, &r), 303);
    KT_EQ_STR(kt_resp_header(&r, "Location", loc, sizeof loc), "/account");
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

/* The current page and language are marked with real attributes, not
 * escaped text ("aria-current=\"&quot;true&quot;\"" was written). */
KT_TEST(web_nav_aria_current)
{
    kt_server sv;
    kt_resp r;
    if (kt_serve_start(&sv, "webnav", 0, setup, NULL))
        return;
    /* 404 before the first checkpoint, 200 after (the server's ticks may
     * sign one): the page's frame is the same */
    int st = get(&sv, "/checkpoint?lang=ru", NULL, &r);
    KT_CHECK(st == 404 || st == 200);
    KT_CHECK(has(&r, "lang=\"ru\" aria-current=\"true\">Русский</a>"));
    KT_CHECK(has(&r, "<a href=\"/checkpoint?lang=ru\" aria-current=\"page\">"));
    KT_CHECK(!has(&r, "&quot;true&quot;") && !has(&r, "&quot;page&quot;"));
    kt_resp_free(&r);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}
