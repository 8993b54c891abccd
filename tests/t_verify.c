/*
 * tests/t_verify.c - removal verification (src/act/verify.c, the reopen
 * transition and kz_case_apply_check in src/case/case.c, the report's
 * removal times): the marker file, the verdict on one fetch, what checks
 * do to cases (forbidden reopens change nothing), the report reconciled
 * with the check rows on a test clock, and the whole command against nginx
 * on loopback (tests/verify/run.sh), on SQLite and PostgreSQL.
 */
#include "kt.h"
#include "kt_store.h"
#include "act/verify.h"
#include "case/case.h"
#include "report/report.h"
#include "store/store.h"
#include "text/norm.h"
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#define HAS(s, sub) do { if (!strstr((s), (sub)))                                   \
    kt_fail(__FILE__, __LINE__, "missing \"%s\" in:\n%s", (sub), (s)); } while (0)
#define HASNT(s, sub) do { if (strstr((s), (sub)))                                  \
    kt_fail(__FILE__, __LINE__, "unexpected \"%s\" in:\n%s", (sub), (s)); } while (0)

/* ---- markers ------------------------------------------------------------- */

KT_TEST(verify_markers_file)
{
    kz_verify_markers *m = NULL;
    size_t line = 99;
    const char *why = NULL;
    KT_EQ_INT(kz_verify_markers_new(&m, 0), 0);
    KT_EQ_INT(kz_verify_markers_count(m), 0);
    static const char good[] = "# comment\n\n  forum.kz\tThis post was removed\r\n"
                               "*   Контент удалён\nVK.com Запись удалена   \n";
    KT_EQ_INT(kz_verify_markers_parse(m, good, strlen(good), &line, &why), 0);
    KT_EQ_INT(line, 0);
    KT_EQ_INT(kz_verify_markers_count(m), 3);
    static const char nohost[] = "a.kz ok marker text\nforum.kz\n";
    KT_EQ_INT(kz_verify_markers_parse(m, nohost, strlen(nohost), &line, &why), KZ_EINVAL);
    KT_EQ_INT(line, 2);
    KT_EQ_STR(why, "no marker text after the host");
    KT_EQ_INT(kz_verify_markers_count(m), 4);               /* line 1 stays added */
    static const char badhost[] = "\n\nfo/rum.kz text here\n";
    KT_EQ_INT(kz_verify_markers_parse(m, badhost, strlen(badhost), &line, &why), KZ_EINVAL);
    KT_EQ_INT(line, 3);
    static const char wild[] = "*.kz text here\n";
    KT_EQ_INT(kz_verify_markers_parse(m, wild, strlen(wild), &line, &why), KZ_EINVAL);
    static const char shorty[] = "a.kz  !!\n";              /* no letters: would match anything */
    KT_EQ_INT(kz_verify_markers_parse(m, shorty, strlen(shorty), &line, &why), KZ_EINVAL);
    KT_EQ_INT(kz_verify_markers_add(m, "x.kz", ""), KZ_EINVAL);
    KT_EQ_INT(kz_verify_markers_add(m, "x.kz", "removed by staff"), 0);
    KT_EQ_INT(kz_verify_markers_count(m), 5);
    kz_verify_markers_free(&m);
    KT_CHECK(m == NULL);
    kz_verify_markers_free(&m);                             /* NULL-safe */
    KT_EQ_INT(kz_verify_markers_new(&m, 1), 0);
    KT_CHECK(kz_verify_markers_count(m) >= 15);
    kz_verify_markers_free(&m);
}

/* ---- the verdict --------------------------------------------------------- */

static const char *const ev[] = { "взорвать школу", "decision:3" };
static int redirected;

static kz_verify_verdict judge(const kz_verify_markers *m, const char *host, int kind, long status,
                               const char *ct, const char *body, const char *sha,
                               const char *const *e, size_t ne, const char *excerpt)
{
    kz_norm *nm = kz_norm_new();
    kz_verify_verdict v;
    kz_verify_page p = { host, NULL, redirected, kind, kind ? "it failed" : "", status, ct, body,
                         body ? strlen(body) : 0, sha, e, ne, excerpt };
    memset(&v, 0, sizeof v);
    KT_EQ_INT(kz_verify_classify(m, nm, &p, &v), 0);
    kz_norm_free(nm);
    return v;
}

#define VERDICT(v, o, w) do { KT_EQ_INT((v).outcome, (o)); KT_EQ_STR((v).why, (w)); } while (0)

KT_TEST(verify_classify)
{
    kz_verify_markers *m = NULL;
    KT_EQ_INT(kz_verify_markers_new(&m, 1), 0);
    KT_EQ_INT(kz_verify_markers_add(m, "forum.kz", "Этот пост удалён модератором"), 0);
    const char *page = "<html><body><p>Кто хочет ВЗОРВАТЬ\n   школу, пиши</p></body></html>";
    const char *edited = "<html><body><p>Пост отредактирован</p></body></html>";
    const char *removed = "<html><body><h1>Этот пост   удалён модератором.</h1>"
                          "<p>Причина: «взорвать школу»</p></body></html>";
    kz_verify_verdict v;

    v = judge(m, "forum.kz", KZ_FETCH_TIMEOUT, 0, "", NULL, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "timeout");
    KT_EQ_STR(v.detail, "it failed");
    v = judge(m, "forum.kz", KZ_FETCH_BLOCKED, 0, "", NULL, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "blocked");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 404, "text/html", page, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "404");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 410, "text/html", "", NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "410");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 451, "text/html", "", NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "451");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 403, "text/html", page, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "http-403");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 503, "text/html", edited, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "http-503");
    /* the flagged text, whatever the case, spacing and line breaks */
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", page, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_PRESENT, "text-present");
    KT_EQ_STR(v.detail, "взорвать школу");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", edited, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "hash-absent");
    /* the removal page quotes the flagged text: the marker wins ... */
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", removed, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "removed-page");
    KT_EQ_STR(v.detail, "Этот пост удалён модератором");
    /* ... on its host and subdomains only; elsewhere it is present */
    v = judge(m, "m.forum.kz", KZ_FETCH_OK, 200, "text/html", removed, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "removed-page");
    v = judge(m, "notforum.kz", KZ_FETCH_OK, 200, "text/html", removed, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_PRESENT, "text-present");
    v = judge(NULL, "forum.kz", KZ_FETCH_OK, 200, "text/html", removed, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_PRESENT, "text-present");
    /* sent elsewhere (a log-in wall, the home page): no verdict without a marker */
    redirected = 1;
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", edited, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "redirected");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", removed, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "removed-page");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", page, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_PRESENT, "text-present");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 404, "text/html", edited, NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "404");
    redirected = 0;
    /* a built-in marker */
    v = judge(m, "www.youtube.com", KZ_FETCH_OK, 200, "text/html",
              "<p>VIDEO UNAVAILABLE</p><p>взорвать школу</p>", NULL, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "removed-page");
    /* the content hash: the body's, or the visible text's */
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    const char *txt = "Пост отредактирован";
    crypto_hash_sha256(h, (const unsigned char *)txt, strlen(txt));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", edited, hex, ev, 2, NULL);
    VERDICT(v, KZ_VERIFY_PRESENT, "hash-present");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "image/png", txt, hex, NULL, 0, NULL);
    VERDICT(v, KZ_VERIFY_PRESENT, "hash-present");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "image/png", "other bytes", hex, NULL, 0, NULL);
    VERDICT(v, KZ_VERIFY_GONE, "hash-absent");
    /* nothing to look for (evidence purged, no excerpt): no verdict */
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", edited, NULL, NULL, 0, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "no-evidence");
    KT_EQ_STR(v.detail, "no flagged text left to look for (purged?) and the content hash differs");
    /* the excerpt's start when there is no flagged text */
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/plain",
              "header\nПродам   закладку, пиши в лс. Цены ниже.\nfooter", NULL, NULL, 0,
              "Продам закладку, пиши в лс. Цены ниже.");
    VERDICT(v, KZ_VERIFY_PRESENT, "text-present");
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/plain", "header\nfooter", NULL, NULL, 0,
              "Продам закладку, пиши в лс. Цены ниже.");
    VERDICT(v, KZ_VERIFY_GONE, "hash-absent");
    /* evidence too short to prove anything is not used */
    static const char *const tiny[] = { "да" };
    v = judge(m, "forum.kz", KZ_FETCH_OK, 200, "text/html", edited, NULL, tiny, 1, NULL);
    VERDICT(v, KZ_VERIFY_ERROR, "no-evidence");
    kz_verify_markers_free(&m);
    KT_EQ_STR(kz_verify_outcome_name(KZ_VERIFY_GONE), "gone");
    KT_EQ_STR(kz_verify_outcome_name(42), "error");
}

/* ---- the workflow --------------------------------------------------------- */

static kt_tmpstore tmp;

static kz_store *fresh(void)
{
    kz_store *s = kt_store_fresh(&tmp, "verify");
    if (!s)
        abort();
    return s;
}

static void cleanup(kz_store **s)
{
    kt_store_cleanup(&tmp, s);
}

/* An item on platform plat with one detection, and its case. */
static int64_t new_case_cat(kz_store *s, const char *plat, const char *cat, int64_t *item)
{
    static int n;
    char url[64], text[96];
    snprintf(url, sizeof url, "https://%s.example.kz/t/%d", plat, ++n);
    snprintf(text, sizeof text, "пост %d: кто хочет взорвать школу", n);
    const char *span = strstr(text, "взорвать");
    kz_item_in it = { url, strlen(url), plat, strlen(plat), NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", cat, "rule", 50, (uint32_t)(span - text),
                          (uint32_t)strlen(text), NULL, NULL, 0 };
    kz_flag_in f = { cat, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1", p, 1, &id), 0);
    if (item)
        *item = out.item_id;
    return id;
}

static int64_t new_case(kz_store *s, const char *plat, int64_t *item)
{
    return new_case_cat(s, plat, "terrorism", item);
}

static void decide(kt_staff *p, int64_t c, const char *measure)
{
    kz_decision_in d = { measure, "Law, art. 5", "reasons", "KZ", NULL, 30 };
    KT_EQ_INT(kz_case_assign(p->al, c, "ann"), 0);
    if (kz_case_decide(p->ann, c, &d, NULL))
        kt_fail(__FILE__, __LINE__, "decide: %s", kz_account_errmsg(p->ann));
    if (kz_case_measure_needs_approval(measure))
        KT_EQ_INT(kz_case_approve(p->sue, c), 0);
}

static char *text_of(kz_store *s, const char *sql, int64_t id)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    char *out = NULL;
    if (kz_db_query(kz_store_db(s), sql, p, 1, &r) == 0 && kz_dbres_next(r) == 1) {
        const char *t = kz_dbres_text(r, 0, NULL);
        out = strdup(t ? t : "NULL");
    }
    kz_dbres_done(r);
    return out ? out : strdup("(no row)");
}

#define EQ_SQL(s, sql, id, want) do { char *t_ = text_of((s), (sql), (id)); \
    KT_EQ_STR(t_, (want)); free(t_); } while (0)
#define STATE(s, id, want) EQ_SQL(s, "SELECT state FROM cases WHERE id = $1", id, want)

static int check(kz_actor *a, int64_t item, int outcome, const char *at, kz_check_effect *e)
{
    kz_verify_check c = { item, "https://x.example.kz/", at, outcome == KZ_VERIFY_ERROR ? 0 : 200,
                          outcome, outcome == KZ_VERIFY_GONE ? "404" : outcome == KZ_VERIFY_PRESENT
                          ? "text-present" : "timeout", NULL };
    return kz_case_apply_check(a, &c, e);
}

/* Everything a refused step could have changed. */
static char *snapshot(kz_store *s, int64_t c)
{
    char *a = text_of(s, "SELECT state || '|' || updated_at FROM cases WHERE id = $1", c);
    char *b = text_of(s, "SELECT COUNT(*) || '|' || MAX(seq) FROM audit_log WHERE $1 > 0", c);
    char *i = text_of(s, "SELECT online_status || '|' || COALESCE(removed_at, '-') || '|' || "
                         "COALESCE(returned_at, '-') FROM items WHERE id = (SELECT item_id FROM "
                         "cases WHERE id = $1)", c);
    size_t n = strlen(a) + strlen(b) + strlen(i) + 4;
    char *out = malloc(n);
    snprintf(out, n, "%s;%s;%s", a, b, i);
    free(a);
    free(b);
    free(i);
    return out;
}

KT_TEST(verify_workflow)
{
    kz_store *s = fresh();
    kt_staff p;
    kz_check_effect e;
    int64_t item[6];
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-01-01T10:00:00Z");
    int64_t c1 = new_case(s, "forum", &item[0]);     /* removal request, notified */
    int64_t c2 = new_case(s, "forum", &item[1]);     /* removal request, complied (claimed) */
    int64_t c3 = new_case(s, "video", &item[2]);     /* URL block, approved */
    int64_t c4 = new_case(s, "video", &item[3]);     /* removal request, appealed */
    int64_t c5 = new_case(s, "video", &item[4]);     /* never decided */
    int64_t c6 = new_case(s, "video", &item[5]);     /* no_action */
    decide(&p, c1, "removal_request");
    decide(&p, c2, "removal_request");
    decide(&p, c3, "url_block");
    decide(&p, c4, "removal_request");
    decide(&p, c6, "no_action");
    KT_EQ_INT(kz_case_notify(p.al, c1, NULL, NULL, NULL), 0);
    KT_EQ_INT(kz_case_notify(p.al, c2, NULL, NULL, NULL), 0);
    KT_EQ_INT(kz_case_comply(p.al, c2, "done"), 0);
    KT_EQ_INT(kz_case_appeal(p.al, c4, "content_owner", "grounds", NULL), 0);

    /* forbidden reopens: refused, nothing changes */
    int64_t no[] = { c1, c2, c3, c4, c5, c6 };
    for (size_t i = 0; i < KZ_ARRAY_LEN(no); i++) {
        char *before = snapshot(s, no[i]);
        KT_EQ_INT(kz_case_reopen(p.al, no[i], "content returned on 2026-01-01"), KZ_ESTATE);
        char *after = snapshot(s, no[i]);
        KT_EQ_STR(after, before);
        free(before);
        free(after);
    }
    KT_EQ_INT(kz_case_reopen(p.al, 999, "content came back"), KZ_ENOTFOUND);

    /* present while notified: no change; an error: no change either */
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_PRESENT, "2026-01-01T10:30:00Z", &e), 0);
    KT_EQ_INT(e.verified + e.reopened + e.escalated, 0);
    STATE(s, c1, "notified");
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_ERROR, "2026-01-01T10:40:00Z", &e), 0);
    STATE(s, c1, "notified");
    EQ_SQL(s, "SELECT COALESCE(checked_at, '-') FROM items WHERE id = $1", item[0],
           "2026-01-01T10:30:00Z");                  /* an error is retried by --every */
    /* gone: notified -> verified, the notice complied with at the check's time */
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_GONE, "2026-01-01T11:00:00Z", &e), 0);
    KT_EQ_INT(e.verified, 1);
    KT_CHECK(e.check_id > 0);
    KT_EQ_STR(e.cases, "case 1 notified -> verified");
    STATE(s, c1, "verified");
    EQ_SQL(s, "SELECT n.complied_at || '|' || n.answer FROM notices n JOIN decisions d ON "
              "d.id = n.decision_id WHERE d.case_id = $1", c1,
           "2026-01-01T11:00:00Z|removal verified by kuzet verify (check 3: 404)");
    EQ_SQL(s, "SELECT online_status || '|' || removed_at || '|' || gone_at FROM items WHERE id = $1",
           item[0], "removed|2026-01-01T11:00:00Z|2026-01-01T11:00:00Z");
    /* gone again: nothing more */
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_GONE, "2026-01-01T12:00:00Z", &e), 0);
    KT_EQ_INT(e.verified, 0);
    EQ_SQL(s, "SELECT removed_at FROM items WHERE id = $1", item[0], "2026-01-01T11:00:00Z");
    /* back online: reopened, with the reason, audited */
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_PRESENT, "2026-01-02T09:00:00Z", &e), 0);
    KT_EQ_INT(e.reopened, 1);
    KT_EQ_INT(e.returned, 1);
    STATE(s, c1, "reopened");
    EQ_SQL(s, "SELECT online_status || '|' || COALESCE(removed_at, '-') || '|' || returned_at "
              "FROM items WHERE id = $1", item[0], "online|-|2026-01-02T09:00:00Z");
    EQ_SQL(s, "SELECT after_state FROM audit_log WHERE action = 'case.reopen' AND entity_id = $1",
           c1, "{\"state\":\"reopened\",\"reason\":\"content returned on 2026-01-02\","
               "\"online_status\":\"online\",\"check_id\":5}");
    /* a reopened case takes a new notice */
    KT_EQ_INT(kz_case_notify(p.al, c1, NULL, NULL, NULL), 0);
    STATE(s, c1, "notified");

    /* the platform claimed compliance, the item is still there: overdue */
    KT_EQ_INT(check(p.sys, item[1], KZ_VERIFY_PRESENT, "2026-01-01T12:00:00Z", &e), 0);
    KT_EQ_INT(e.escalated, 1);
    STATE(s, c2, "overdue");
    /* a block: decided -> verified; back: reopened; a person may reopen too */
    KT_EQ_INT(check(p.sys, item[2], KZ_VERIFY_GONE, "2026-01-01T12:00:00Z", &e), 0);
    STATE(s, c3, "verified");
    KT_EQ_INT(kz_case_reopen(p.al, c3, ""), KZ_EINVAL);
    STATE(s, c3, "verified");
    KT_EQ_INT(kz_case_reopen(p.root, c3, "seen again"), KZ_EPERM);   /* an admin decides nothing */
    KT_EQ_INT(kz_case_reopen(p.al, c3, "seen again by an analyst"), 0);
    STATE(s, c3, "reopened");
    /* an appealed, an undecided and a no_action case are left alone */
    KT_EQ_INT(check(p.sys, item[3], KZ_VERIFY_GONE, "2026-01-01T12:00:00Z", &e), 0);
    STATE(s, c4, "appealed");
    KT_EQ_INT(check(p.sys, item[4], KZ_VERIFY_GONE, "2026-01-01T12:00:00Z", &e), 0);
    STATE(s, c5, "detected");
    KT_EQ_INT(check(p.sys, item[5], KZ_VERIFY_GONE, "2026-01-01T12:00:00Z", &e), 0);
    STATE(s, c6, "decided");
    /* an auditor may not record checks; a bad check is refused */
    kt_add_person(p.root, "aud", "auditor");
    kz_actor *aud = kt_login(s, "aud");
    KT_EQ_INT(check(aud, item[0], KZ_VERIFY_GONE, "2026-01-03T12:00:00Z", &e), KZ_EPERM);
    kz_account_logout(&aud);
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_GONE, "yesterday", &e), KZ_EINVAL);
    KT_EQ_INT(check(p.sys, 999, KZ_VERIFY_GONE, "2026-01-03T12:00:00Z", &e), KZ_ENOTFOUND);
    EQ_SQL(s, "SELECT COUNT(*) FROM item_checks WHERE $1 > 0", 1, "10");
    /* cases show lists the checks */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_case_show_json(p.sys, c1, &b), 0);
    HAS(b.p, "\"checks\":[{\"id\":1,\"checked_at\":\"2026-01-01T10:30:00Z\",\"http_status\":200,"
             "\"outcome\":\"present\"");
    kz_buf_reset(&b);
    KT_EQ_INT(kz_case_show_json(p.sys, c5, &b), 0);
    HAS(b.p, "\"checks\":[");
    kz_buf_reset(&b);
    KT_EQ_INT(kz_case_show_json(p.sys, c6, &b), 0);
    HAS(b.p, "\"checks\":[");
    kz_buf_release(&b);
    kt_staff_release(&p);
    cleanup(&s);
}

/* ---- the report -------------------------------------------------------------- */

static double fig(const kz_report *r, const char *sec, const char *key)
{
    double v = -1;
    int isnull = 0;
    if (kz_report_get(r, sec, key, &v, &isnull))
        kt_fail(__FILE__, __LINE__, "no figure %s %s", sec, key);
    return isnull ? -2 : v;
}

static void reconcile(kz_store *s)
{
    kt_staff p;
    int64_t item[5], c[5];
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-03-01T00:00:00Z");
    for (int i = 0; i < 5; i++) {
        c[i] = new_case(s, i < 3 ? "forum" : "video", &item[i]);
        decide(&p, c[i], "removal_request");
        KT_EQ_INT(kz_case_notify(p.al, c[i], NULL, NULL, NULL), 0);   /* sent 00:00, deadline 01:00 */
    }
    kz_report *r = NULL;
    KT_EQ_INT(kz_report_compute(s, "2026-03-01", "2026-03-31", &r), 0);
    KT_EQ_INT(fig(r, "notices", "complied"), 0);
    KT_EQ_INT(fig(r, "time_to_removal", "overall.n"), 0);
    kz_report_free(&r);

    /* 0: found gone 30 min after the notice (in time), nobody answered */
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_GONE, "2026-03-01T00:30:00Z", NULL), 0);
    /* 1: the platform claimed compliance at 00:20; found gone at 05:00: the claim stands (00:20) */
    kt_staff_clock(&p, "2026-03-01T00:20:00Z");
    KT_EQ_INT(kz_case_comply(p.al, c[1], "removed"), 0);
    KT_EQ_INT(check(p.sys, item[1], KZ_VERIFY_GONE, "2026-03-01T05:00:00Z", NULL), 0);
    /* 2: claimed at 00:10, but still online at 02:00; gone at 04:00 (late): 4 h */
    kt_staff_clock(&p, "2026-03-01T00:10:00Z");
    KT_EQ_INT(kz_case_comply(p.al, c[2], "removed"), 0);
    KT_EQ_INT(check(p.sys, item[2], KZ_VERIFY_PRESENT, "2026-03-01T02:00:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[2], KZ_VERIFY_GONE, "2026-03-01T04:00:00Z", NULL), 0);
    /* 3: claimed at 00:40, still online at 01:00, never found gone: not complied */
    kt_staff_clock(&p, "2026-03-01T00:40:00Z");
    KT_EQ_INT(kz_case_comply(p.al, c[3], "removed"), 0);
    KT_EQ_INT(check(p.sys, item[3], KZ_VERIFY_PRESENT, "2026-03-01T01:00:00Z", NULL), 0);
    /* 4: only an error: nothing */
    KT_EQ_INT(check(p.sys, item[4], KZ_VERIFY_ERROR, "2026-03-01T01:00:00Z", NULL), 0);

    KT_EQ_INT(kz_report_compute(s, "2026-03-01", "2026-03-31", &r), 0);
    KT_EQ_INT(fig(r, "notices", "sent"), 5);
    KT_EQ_INT(fig(r, "notices", "complied"), 3);               /* 0, 1, 2 */
    KT_EQ_INT(fig(r, "notices", "complied_in_time"), 2);       /* 0 (0.5 h), 1 (0.33 h) */
    KT_EQ_INT(fig(r, "notices", "complied_late"), 1);          /* 2 (4 h) */
    KT_EQ_INT(fig(r, "notices", "overdue"), 2);                /* 3, 4 */
    KT_EQ_INT(fig(r, "notices", "removals_verified"), 2);      /* 0 and 2: times from checks */
    KT_EQ_INT(fig(r, "time_to_removal", "overall.n"), 3);
    /* durations 0.5 h, 1/3 h, 4 h: the median is 0.5 h */
    KT_EQ_INT(fig(r, "time_to_removal", "overall.median_hours") * 1e6, 500000);
    KT_EQ_INT(fig(r, "time_to_removal", "by_platform.forum.n"), 3);
    /* the same numbers, counted straight from the rows */
    EQ_SQL(s, "SELECT COUNT(*) FROM item_checks WHERE outcome = 'gone' AND $1 > 0", 1, "3");
    kz_report_free(&r);
    /* a period without the notices counts none of it */
    KT_EQ_INT(kz_report_compute(s, "2026-02-01", "2026-02-28", &r), 0);
    KT_EQ_INT(fig(r, "notices", "sent"), 0);
    kz_report_free(&r);
    kt_staff_release(&p);
}

KT_TEST(verify_report_reconciles)
{
    kz_store *s = fresh();
    reconcile(s);
    cleanup(&s);
}

/* The same on a database of its own on the server of $KUZET_TEST_PG. */
KT_TEST(verify_report_reconciles_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "verify_report_reconciles_pg", "verify_report");
    if (!s)
        return;
    reconcile(s);
    kt_store_pg_drop(&d, &s);
}

/*
 * Content that came back after its removal is counted as "came_back", not
 * as complied with; compliance and time to removal per platform and
 * category.  A store small enough to check by hand: seven removal requests
 * sent on 2026-04-01 at 00:00 (terrorism: deadline 01:00; bullying: the
 * next day 00:00):
 *
 *   notice  platform category   what happened                            April
 *   A       forum    terrorism  gone 00:30                               in time, 0.5 h
 *   B       forum    terrorism  gone 00:15, online again 06:00           came back
 *   C       forum    bullying   platform claims 02:00, never checked     in time, 2 h
 *   G       forum    bullying   gone 10:00; online again on 2026-05-03   in time, 10 h
 *   D       video    terrorism  gone 03:00                               late, 3 h
 *   E       video    bullying   claimed 01:00, gone 05:00, online 04-02  came back
 *   F       video    terrorism  nothing                                  overdue
 *
 * April: sent 7 = complied 4 (A C G D) + came back 2 (B E) + overdue 1 (F);
 * in time 3, late 1; compliance 4/7, came back 2/6.  Removal times 0.5, 2,
 * 3, 10 h: median 2.5, 90th percentile (nearest rank: the 4th of 4) 10.
 * forum: sent 4, complied 3, back 1, times 0.5 2 10 (median 2, p90 10);
 * video: sent 3, complied 1, back 1, times 3;  terrorism: sent 4, complied
 * 2 (A D), back 1, times 0.5 3 (median 1.75, p90 3); bullying: sent 3,
 * complied 2 (C G), back 1, times 2 10 (median 6, p90 10).
 * April and May together: G came back too (complied 3, came back 3).
 */
static void came_back(kz_store *s)
{
    kt_staff p;
    static const struct { const char *plat, *cat; } n[7] = {
        { "forum", "terrorism" }, { "forum", "terrorism" }, { "forum", "bullying" },
        { "video", "terrorism" }, { "video", "bullying" }, { "video", "terrorism" },
        { "forum", "bullying" },
    };
    enum { A, B, C, D, E, F, G };
    int64_t item[7], c[7];
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-04-01T00:00:00Z");
    for (int i = 0; i < 7; i++) {
        c[i] = new_case_cat(s, n[i].plat, n[i].cat, &item[i]);
        decide(&p, c[i], "removal_request");
        KT_EQ_INT(kz_case_notify(p.al, c[i], NULL, NULL, NULL), 0);
    }
    KT_EQ_INT(check(p.sys, item[A], KZ_VERIFY_GONE, "2026-04-01T00:30:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[B], KZ_VERIFY_GONE, "2026-04-01T00:15:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[B], KZ_VERIFY_PRESENT, "2026-04-01T06:00:00Z", NULL), 0);
    kt_staff_clock(&p, "2026-04-01T02:00:00Z");
    KT_EQ_INT(kz_case_comply(p.al, c[C], "removed"), 0);
    KT_EQ_INT(check(p.sys, item[G], KZ_VERIFY_GONE, "2026-04-01T10:00:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[G], KZ_VERIFY_PRESENT, "2026-05-03T00:00:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[D], KZ_VERIFY_GONE, "2026-04-01T03:00:00Z", NULL), 0);
    kt_staff_clock(&p, "2026-04-01T01:00:00Z");
    KT_EQ_INT(kz_case_comply(p.al, c[E], "removed"), 0);
    KT_EQ_INT(check(p.sys, item[E], KZ_VERIFY_GONE, "2026-04-01T05:00:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[E], KZ_VERIFY_PRESENT, "2026-04-02T00:00:00Z", NULL), 0);

    kz_report *r = NULL;
    KT_EQ_INT(kz_report_compute(s, "2026-04-01", "2026-04-30", &r), 0);
    KT_EQ_INT(fig(r, "notices", "sent"), 7);
    KT_EQ_INT(fig(r, "notices", "complied"), 4);
    KT_EQ_INT(fig(r, "notices", "complied_in_time"), 3);
    KT_EQ_INT(fig(r, "notices", "complied_late"), 1);
    KT_EQ_INT(fig(r, "notices", "came_back"), 2);
    KT_EQ_INT(fig(r, "notices", "overdue"), 1);
    KT_EQ_INT(fig(r, "notices", "pending"), 0);
    KT_EQ_INT(fig(r, "notices", "removals_verified"), 3);      /* A, D, G: times from checks */
    static const struct { const char *key; double v; } want[] = {
        { "overall.sent", 7 }, { "overall.complied", 4 }, { "overall.complied_in_time", 3 },
        { "overall.came_back", 2 }, { "overall.compliance_rate", 4.0 / 7 },
        { "overall.came_back_rate", 2.0 / 6 },
        { "by_platform.forum.sent", 4 }, { "by_platform.forum.complied", 3 },
        { "by_platform.forum.complied_in_time", 3 }, { "by_platform.forum.came_back", 1 },
        { "by_platform.forum.compliance_rate", 0.75 }, { "by_platform.forum.came_back_rate", 0.25 },
        { "by_platform.video.sent", 3 }, { "by_platform.video.complied", 1 },
        { "by_platform.video.complied_in_time", 0 }, { "by_platform.video.came_back", 1 },
        { "by_platform.video.compliance_rate", 1.0 / 3 }, { "by_platform.video.came_back_rate", 0.5 },
        { "by_category.terrorism.sent", 4 }, { "by_category.terrorism.complied", 2 },
        { "by_category.terrorism.complied_in_time", 1 }, { "by_category.terrorism.came_back", 1 },
        { "by_category.terrorism.compliance_rate", 0.5 },
        { "by_category.terrorism.came_back_rate", 1.0 / 3 },
        { "by_category.bullying.sent", 3 }, { "by_category.bullying.complied", 2 },
        { "by_category.bullying.complied_in_time", 2 }, { "by_category.bullying.came_back", 1 },
        { "by_category.bullying.compliance_rate", 2.0 / 3 },
        { "by_category.bullying.came_back_rate", 1.0 / 3 },
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        double v = fig(r, "compliance", want[i].key);
        if (v < want[i].v - 1e-6 || v > want[i].v + 1e-6)
            kt_fail(__FILE__, __LINE__, "compliance %s: %f, want %f", want[i].key, v, want[i].v);
    }
    static const struct { const char *key; double v; } ttr[] = {
        { "overall.n", 4 }, { "overall.median_hours", 2.5 }, { "overall.p90_hours", 10 },
        { "by_platform.forum.n", 3 }, { "by_platform.forum.median_hours", 2 },
        { "by_platform.forum.p90_hours", 10 }, { "by_platform.video.n", 1 },
        { "by_platform.video.median_hours", 3 }, { "by_platform.video.p90_hours", 3 },
        { "by_category.terrorism.n", 2 }, { "by_category.terrorism.median_hours", 1.75 },
        { "by_category.terrorism.p90_hours", 3 }, { "by_category.bullying.n", 2 },
        { "by_category.bullying.median_hours", 6 }, { "by_category.bullying.p90_hours", 10 },
    };
    for (size_t i = 0; i < sizeof ttr / sizeof *ttr; i++) {
        double v = fig(r, "time_to_removal", ttr[i].key);
        if (v < ttr[i].v - 1e-6 || v > ttr[i].v + 1e-6)
            kt_fail(__FILE__, __LINE__, "time_to_removal %s: %f, want %f", ttr[i].key, v, ttr[i].v);
    }
    /* the rows: two notices whose item was found online after it was found gone, in April */
    EQ_SQL(s, "SELECT COUNT(DISTINCT g.item_id) FROM item_checks g JOIN item_checks b ON "
              "b.item_id = g.item_id AND b.outcome = 'present' AND b.checked_at > g.checked_at "
              "WHERE g.outcome = 'gone' AND b.checked_at < '2026-05-01' AND $1 > 0", 1, "2");
    kz_report_free(&r);

    /* April and May: G came back on 05-03 */
    KT_EQ_INT(kz_report_compute(s, "2026-04-01", "2026-05-31", &r), 0);
    KT_EQ_INT(fig(r, "notices", "complied"), 3);
    KT_EQ_INT(fig(r, "notices", "came_back"), 3);
    KT_EQ_INT(fig(r, "compliance", "by_platform.forum.came_back"), 2);
    KT_EQ_INT(fig(r, "time_to_removal", "overall.n"), 3);           /* 0.5, 2, 3 */
    KT_EQ_INT(fig(r, "time_to_removal", "overall.median_hours"), 2);
    kz_report_free(&r);
    /* the text output says the same */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    KT_EQ_INT(kz_report_compute(s, "2026-04-01", "2026-04-30", &r), 0);
    KT_EQ_INT(kz_report_text(r, &b), 0);
    HAS(b.p, "\nnotices\n  sent                                               7\n");
    HAS(b.p, "  came_back                                          2\n");
    HAS(b.p, "  by_platform.video.compliance_rate                  0.333333\n");
    HAS(b.p, "  overall.p90_hours                                  10\n");
    kz_buf_release(&b);
    kz_report_free(&r);
    kt_staff_release(&p);
}

KT_TEST(report_came_back)
{
    kz_store *s = fresh();
    came_back(s);
    cleanup(&s);
}

KT_TEST(report_came_back_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "report_came_back_pg", "report_came_back");
    if (!s)
        return;
    came_back(s);
    kt_store_pg_drop(&d, &s);
}

/* Ingest url with text (a terrorism detection on all of it): the case id. */
static int64_t ingest_item(kz_store *s, const char *url, const char *text, int64_t *item)
{
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                      strlen(text), NULL };
    kz_detection_in d = { "r1", "terrorism", "rule", 50, 0, (uint32_t)strlen(text), NULL, NULL, 0 };
    kz_flag_in f = { "terrorism", 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1", p, 1, &id), 0);
    if (item)
        *item = out.item_id;
    return id;
}

/*
 * A crawl or feed that stores the same content again after its removal is
 * a sighting: the content came back.  Four removal requests sent on
 * 2026-04-01 at 00:00; then, today (ingest stamps the real clock), the same
 * posts arrive again:
 *   A  found gone 00:30; seen again, same text     -> came back (a sighting)
 *   B  the platform claimed 00:20, never checked;
 *      seen again, same text                       -> the claim refuted: overdue
 *   C  no answer; seen again                       -> no sighting (nothing removed)
 *   D  found gone 00:30; seen again, edited text   -> no sighting (not the same content)
 * April alone: A and D complied, B complied (claim), C overdue: the
 * sightings are after April.
 */
static void sighting(kz_store *s)
{
    kt_staff p;
    static const char *const url[4] = { "https://forum.example.kz/s/a", "https://forum.example.kz/s/b",
                                        "https://forum.example.kz/s/c", "https://forum.example.kz/s/d" };
    static const char *const text = "кто хочет взорвать школу";
    int64_t item[4], c[4];
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-04-01T00:00:00Z");
    for (int i = 0; i < 4; i++) {
        c[i] = ingest_item(s, url[i], text, &item[i]);
        decide(&p, c[i], "removal_request");
        KT_EQ_INT(kz_case_notify(p.al, c[i], NULL, NULL, NULL), 0);
    }
    KT_EQ_INT(check(p.sys, item[0], KZ_VERIFY_GONE, "2026-04-01T00:30:00Z", NULL), 0);
    KT_EQ_INT(check(p.sys, item[3], KZ_VERIFY_GONE, "2026-04-01T00:30:00Z", NULL), 0);
    kt_staff_clock(&p, "2026-04-01T00:20:00Z");
    KT_EQ_INT(kz_case_comply(p.al, c[1], "removed"), 0);
    for (int i = 0; i < 4; i++)
        KT_EQ_INT(ingest_item(s, url[i], i == 3 ? "кто хочет взорвать школу? нет" : text, NULL), c[i]);
    EQ_SQL(s, "SELECT COUNT(*) FROM item_checks WHERE why = 'seen-again' AND outcome = 'present' "
              "AND item_id - $1 IN (0, 1)", item[0], "2");                /* A and B */
    EQ_SQL(s, "SELECT COUNT(*) FROM item_checks WHERE why = 'seen-again' AND item_id - $1 >= 2",
           item[0], "0");                                                  /* not C, D */
    EQ_SQL(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'item.check' AND actor = 'ingest' "
              "AND $1 > 0", 1, "2");
    kz_report *r = NULL;
    KT_EQ_INT(kz_report_compute(s, "2026-04-01", "2999-12-31", &r), 0);
    KT_EQ_INT(fig(r, "notices", "sent"), 4);
    KT_EQ_INT(fig(r, "notices", "came_back"), 1);                          /* A */
    KT_EQ_INT(fig(r, "notices", "complied"), 1);                           /* D */
    KT_EQ_INT(fig(r, "notices", "overdue"), 2);                            /* B, C */
    kz_report_free(&r);
    KT_EQ_INT(kz_report_compute(s, "2026-04-01", "2026-04-30", &r), 0);
    KT_EQ_INT(fig(r, "notices", "came_back"), 0);
    KT_EQ_INT(fig(r, "notices", "complied"), 3);                           /* A, B, D */
    KT_EQ_INT(fig(r, "notices", "overdue"), 1);                            /* C */
    kz_report_free(&r);
    kt_staff_release(&p);
}

KT_TEST(report_crawl_sighting)
{
    kz_store *s = fresh();
    sighting(s);
    cleanup(&s);
}

KT_TEST(report_crawl_sighting_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "report_crawl_sighting_pg", "report_sighting");
    if (!s)
        return;
    sighting(s);
    kt_store_pg_drop(&d, &s);
}

/* ---- end to end ----------------------------------------------------------- */

static char *section(const char *out, const char *name)
{
    char head[64];
    snprintf(head, sizeof head, "== %s\n", name);
    const char *p = strstr(out, head);
    if (!p)
        return strdup("");
    const char *e = strstr(p + 3, "\n== ");
    return strndup(p, e ? (size_t)(e - p) + 1 : strlen(p));
}

static void loopback(const char *mode)
{
    char *out = NULL, *err = NULL;
    int rc = kt_run_script("bash", "tests/verify/run.sh", mode, NULL, &out, &err);
    if (rc < 0)
        return;
    KT_EQ_INT(rc, 0);
    if (rc != 0)                            /* what stopped the script, for whoever reads the log */
        fprintf(stderr, "    tests/verify/run.sh %s: stderr:\n%s\n", mode, err ? err : "");
    if (!out)
        out = strdup("");
    HAS(out, "== end");
    HASNT(out, "exit ");                    /* every workflow step of the setup worked */

    char *s = section(out, "guard");
    HAS(s, "rc=1");
    HAS(s, "item 1      error    blocked       http://SITE/a.html");
    HAS(s, "8 checked: 0 gone, 0 present (0 returned), 8 errors");
    free(s);

    s = section(out, "before");
    HAS(s, "item 5      present  text-present  http://SITE/e.html");
    HAS(s, "item 8      error    connect       http://DEAD/h.html");
    HAS(s, "8 checked: 0 gone, 7 present (0 returned), 1 errors; cases: 0 verified");
    HAS(s, "notices,complied,0\n");
    HAS(s, "time_to_removal,overall.n,0\n");
    free(s);

    s = section(out, "removed");
    HAS(s, "rc=1");
    HAS(s, "\"url\":\"http://SITE/a.html\",\"checked_at\":\"TIME\",\"outcome\":\"gone\",\"why\":\"404\"");
    HAS(s, "\"url\":\"http://SITE/b.html\",\"checked_at\":\"TIME\",\"outcome\":\"gone\",\"why\":\"410\"");
    HAS(s, "\"url\":\"http://SITE/c.html\",\"checked_at\":\"TIME\",\"outcome\":\"gone\",\"why\":\"451\"");
    HAS(s, "\"url\":\"http://SITE/d.html\",\"checked_at\":\"TIME\",\"outcome\":\"gone\",\"why\":\"hash-absent\"");
    HAS(s, "\"url\":\"http://SITE/e.html\",\"checked_at\":\"TIME\",\"outcome\":\"present\",\"why\":\"text-present\"");
    HAS(s, "\"url\":\"http://SITE/f.html\",\"checked_at\":\"TIME\",\"outcome\":\"gone\",\"why\":\"removed-page\"");
    HAS(s, "\"detail\":\"Этот пост удалён модератором\"");
    HAS(s, "\"url\":\"http://SITE/g.html\",\"checked_at\":\"TIME\",\"outcome\":\"gone\",\"why\":\"404\"");
    HAS(s, "\"cases\":\"case 7 decided -> verified\"");
    HAS(s, "\"outcome\":\"error\",\"why\":\"connect\"");
    HAS(s, "8 checked: 6 gone, 1 present (0 returned), 1 errors; cases: 6 verified, 0 reopened");
    HAS(s, "5     notified ");
    HAS(s, "6     verified ");
    HAS(s, "7     verified          terrorism     50 ann          url_block");
    /* the report follows the checks: 5 notices complied with (a, b, c, d, f), all verified */
    HAS(s, "notices,complied,5\n");
    HAS(s, "notices,overdue,2\n");
    HAS(s, "notices,removals_verified,5\n");
    HAS(s, "notices,items_verified_removed,6\n");
    HAS(s, "time_to_removal,overall.n,5\n");
    free(s);

    s = section(out, "every");
    HAS(s, "item 8      error    connect       http://DEAD/h.html");
    HAS(s, "1 checked: 0 gone, 0 present (0 returned), 1 errors");
    free(s);

    s = section(out, "one case");
    HAS(s, "rc=0");
    HAS(s, "item 5      present  text-present  http://SITE/e.html");
    HAS(s, "1 checked: 0 gone, 1 present (0 returned), 0 errors");
    free(s);

    s = section(out, "returned");
    HAS(s, "item 1      returned text-present  http://SITE/a.html  (case 1 verified -> reopened)");
    HAS(s, "item 2      gone     410 ");
    HAS(s, "8 checked: 5 gone, 2 present (1 returned), 1 errors; cases: 0 verified, 1 reopened");
    HAS(s, "1     reopened          terrorism");
    HAS(s, "\"reason\":\"content returned on ");
    HAS(s, "\"removed_at\":null");
    HAS(s, "state: notified");                  /* a new notice after the reopen */
    HAS(s, "notices,sent,8\n");
    /* item 1 came back after its removal: its first notice counts as came_back,
     * not as complied with (it did before) */
    HAS(s, "notices,complied,4\n");
    HAS(s, "notices,came_back,1\n");
    HAS(s, "time_to_removal,overall.n,4\n");
    HAS(s, "notices,overdue,3\n");              /* the new notice is not complied with */
    HAS(s, "notices,items_verified_removed,5\n");
    HAS(s, "audit ok");
    free(s);

    s = section(out, "redirected");
    HAS(s, "item 4      error    redirected    http://SITE/d.html");
    HAS(s, "item 5      present  text-present  http://SITE/e.html");
    HAS(s, "8 checked: 4 gone, 2 present (0 returned), 2 errors");
    HAS(s, "\n1\n");                           /* case 4 stays verified */
    free(s);
    free(out);
    free(err);
}

KT_TEST(verify_loopback)
{
    loopback("sqlite");
}

KT_TEST(verify_loopback_pg)
{
    const char *base = getenv("KUZET_TEST_PG");
    if (!base) {
        kt_skip("verify_loopback_pg: KUZET_TEST_PG is not set (to run it: "
               "scripts/pg-test-env run build/release/kt verify_loopback_pg)");
    }
    if (!*base) {
        kt_fail(__FILE__, __LINE__, "KUZET_TEST_PG is set but empty: the test cluster did not start");
        return;
    }
    loopback("pg");
}
