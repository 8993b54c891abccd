/*
 * tests/t_views.c - what the reviewers' web app reads (case/views.h):
 * own settings (defaults, changes, refusals, audit), the blocklist in
 * force with since/until and the decision behind each entry, notices with
 * their deadlines and state on a fixed clock, appeals waiting, and each
 * person's volume of work over a period, the hash banks; and the image
 * bytes kept for review (store/media.h): limits and types.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "case/views.h"
#include "store/media.h"
#include "store/bank.h"

static int64_t one_case(kz_store *s, int k, const char *category)
{
    char url[64], text[64];
    snprintf(url, sizeof url, "https://forum.example.kz/t/%d", k);
    snprintf(text, sizeof text, "пост номер %d", k);
    kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text, strlen(text),
                      NULL };
    kz_detection_in d = { "r1", category, "rule", 50, 0, 4, NULL, NULL, 0 };
    kz_flag_in f = { category, 50 };
    kz_ingest_out out;
    KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    int64_t id = 0;
    kz_dbval p[] = { kz_dbint(out.item_id) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT id FROM cases WHERE item_id = $1", p, 1, &id), 0);
    return id;
}

static const kz_decision_in REMOVAL = { "removal_request", "Law on Narcotics, art. 5",
                                        "offers drugs for sale with a price", "KZ", NULL, 30 };
static const kz_decision_in URLBLOCK = { "url_block", "Law on Narcotics, art. 5",
                                         "a shop for drugs, with prices", "KZ",
                                         "2026-12-31", 0 };

KT_TEST(views_settings_defaults_change_and_refusals)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "revset");
    kt_staff p = { 0 };
    if (!s)
        return;
    kt_staff_login(s, &p);
    kz_review_settings rs;
    memset(&rs, 0x55, sizeof rs);
    KT_EQ_INT(kz_review_settings_get(p.ann, &rs), 0);
    KT_EQ_INT(rs.blur, 1);                      /* protected by default */
    KT_EQ_INT(rs.greyscale, 1);
    KT_EQ_STR(rs.lang, "");
    kz_review_settings in = { 0, 1, "kk" };
    KT_EQ_INT(kz_review_settings_set(p.ann, &in), 0);
    KT_EQ_INT(kz_review_settings_get(p.ann, &rs), 0);
    KT_EQ_INT(rs.blur, 0);
    KT_EQ_INT(rs.greyscale, 1);
    KT_EQ_STR(rs.lang, "kk");
    /* each account its own: bob still has the defaults */
    KT_EQ_INT(kz_review_settings_get(p.bob, &rs), 0);
    KT_EQ_INT(rs.blur, 1);
    kz_review_settings bad = { 0, 0, "de" };
    KT_EQ_INT(kz_review_settings_set(p.ann, &bad), KZ_EINVAL);
    KT_CHECK(strstr(kz_account_errmsg(p.ann), "language") != NULL);
    kz_review_settings bad2 = { 2, 0, "" };
    KT_EQ_INT(kz_review_settings_set(p.ann, &bad2), KZ_EINVAL);
    KT_EQ_INT(kz_review_settings_set(p.sys, &in), KZ_EPERM);
    KT_EQ_INT(kz_review_settings_get(p.sys, &rs), 0);
    KT_EQ_INT(rs.blur, 1);
    int64_t n = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COUNT(*) FROM audit_log WHERE action = "
                        "'account.settings' AND after_state LIKE '%\"blur\":false%'", NULL, 0, &n), 0);
    KT_EQ_INT(n, 1);
    /* a change of settings is no row kuzet check complains about */
    kz_account_disable(p.root, "ann");
    KT_EQ_INT(kz_review_settings_set(p.ann, &in), KZ_EPERM);
    kt_staff_release(&p);
    kt_store_cleanup(&t, &s);
}

static void views(kz_store *s)
{
    kt_staff p = { 0 };
    kz_view v;
    kz_view_init(&v);
    kt_staff_login(s, &p);
    kt_staff_clock(&p, "2026-06-01T10:00:00Z");
    int64_t blk = one_case(s, 1, "drugs"), rem = one_case(s, 2, "drugs"),
            rem2 = one_case(s, 3, "terrorism"), open = one_case(s, 4, "drugs");
    KT_EQ_INT(kz_case_assign(p.al, blk, "ann"), 0);
    KT_EQ_INT(kz_case_assign(p.al, rem, "ann"), 0);
    KT_EQ_INT(kz_case_assign(p.al, rem2, "bob"), 0);
    KT_EQ_INT(kz_case_assign(p.al, open, "bob"), 0);
    KT_EQ_INT(kz_case_decide(p.ann, blk, &URLBLOCK, NULL), 0);

    /* not approved yet: not in force */
    KT_EQ_INT(kz_view_blocklist(p.ann, NULL, &v), 0);
    KT_EQ_INT(v.nrows, 0);
    kt_staff_clock(&p, "2026-06-02T08:00:00Z");
    KT_EQ_INT(kz_case_approve(p.sue, blk), 0);
    KT_EQ_INT(kz_view_blocklist(p.ann, NULL, &v), 0);
    KT_EQ_INT(v.nrows, 1);
    KT_EQ_INT(kz_view_int(&v, 0, "case_id"), blk);
    KT_EQ_STR(kz_view_at(&v, 0, "kind"), "url");
    KT_EQ_STR(kz_view_at(&v, 0, "target"), "https://forum.example.kz/t/1");
    KT_EQ_STR(kz_view_at(&v, 0, "measure"), "url_block");
    KT_EQ_STR(kz_view_at(&v, 0, "since"), "2026-06-02T08:00:00Z");    /* the approval */
    KT_EQ_STR(kz_view_at(&v, 0, "until"), "2026-12-31T00:00:00Z");
    KT_EQ_STR(kz_view_at(&v, 0, "decided_by"), "ann");
    KT_EQ_STR(kz_view_at(&v, 0, "approved_by"), "sue");
    KT_CHECK(kz_view_at(&v, 0, "nonesuch") == NULL);
    /* after its end it is gone */
    KT_EQ_INT(kz_view_blocklist(p.ann, "2027-01-01", &v), 0);
    KT_EQ_INT(v.nrows, 0);

    /* notices: drugs 24 h, terrorism 1 h */
    KT_EQ_INT(kz_case_decide(p.ann, rem, &REMOVAL, NULL), 0);
    KT_EQ_INT(kz_case_decide(p.bob, rem2, &REMOVAL, NULL), 0);
    KT_EQ_INT(kz_case_notify(p.al, rem, NULL, NULL, NULL), 0);
    KT_EQ_INT(kz_case_notify(p.al, rem2, NULL, NULL, NULL), 0);
    kt_staff_clock(&p, "2026-06-02T09:30:00Z");
    KT_EQ_INT(kz_view_notices(p.ann, KZ_VIEW_NOTICES_OPEN, &v), 0);
    KT_EQ_INT(v.nrows, 2);
    KT_EQ_INT(kz_view_int(&v, 0, "case_id"), rem2);        /* the nearest deadline first */
    KT_EQ_STR(kz_view_at(&v, 0, "state"), "overdue");
    KT_EQ_INT(kz_view_int(&v, 0, "seconds_left"), -1800);
    KT_EQ_STR(kz_view_at(&v, 0, "platform"), "forum");
    KT_EQ_STR(kz_view_at(&v, 0, "category"), "terrorism");
    KT_EQ_STR(kz_view_at(&v, 1, "state"), "open");
    KT_EQ_INT(kz_view_int(&v, 1, "seconds_left"), 86400 - 5400);
    KT_EQ_INT(kz_view_notices(p.ann, KZ_VIEW_NOTICES_OVERDUE, &v), 0);
    KT_EQ_INT(v.nrows, 1);
    KT_EQ_INT(kz_case_comply(p.al, rem2, "taken down"), 0);
    KT_EQ_INT(kz_view_notices(p.ann, KZ_VIEW_NOTICES_OVERDUE, &v), 0);
    KT_EQ_INT(v.nrows, 0);
    KT_EQ_INT(kz_view_notices(p.ann, KZ_VIEW_NOTICES_ALL, &v), 0);
    KT_EQ_INT(v.nrows, 2);
    KT_EQ_STR(kz_view_at(&v, 0, "state"), "complied");
    KT_CHECK(kz_view_at(&v, 0, "seconds_left") == NULL);
    KT_EQ_INT(kz_view_notices(p.ann, 7, &v), KZ_EINVAL);

    /* appeals */
    KT_EQ_INT(kz_case_appeal(p.al, rem, "platform", "it is satire", NULL), 0);
    kt_staff_clock(&p, "2026-06-02T10:30:00Z");
    KT_EQ_INT(kz_view_appeals(p.ann, 1, &v), 0);
    KT_EQ_INT(v.nrows, 1);
    KT_EQ_INT(kz_view_int(&v, 0, "case_id"), rem);
    KT_EQ_STR(kz_view_at(&v, 0, "filed_by"), "platform");
    KT_EQ_STR(kz_view_at(&v, 0, "grounds"), "it is satire");
    KT_EQ_INT(kz_view_int(&v, 0, "waiting_seconds"), 3600);
    KT_EQ_INT(kz_case_resolve_appeal(p.sam, rem, "upheld", "it sells drugs, no satire"), 0);
    KT_EQ_INT(kz_view_appeals(p.ann, 1, &v), 0);
    KT_EQ_INT(v.nrows, 0);
    KT_EQ_INT(kz_view_appeals(p.ann, 0, &v), 0);
    KT_EQ_INT(v.nrows, 1);
    KT_EQ_STR(kz_view_at(&v, 0, "outcome"), "upheld");
    KT_EQ_STR(kz_view_at(&v, 0, "reviewer"), "sam");

    /* volume: ann decided 2, bob 1 and has one case open; sue approved 1 */
    KT_EQ_INT(kz_view_volume(p.ann, NULL, NULL, &v), KZ_EPERM);
    KT_EQ_INT(kz_view_volume(p.sue, "2026-06-01", "2026-06-03", &v), 0);
    size_t ann = 99, bob = 99, sue = 99, sam = 99;
    for (size_t i = 0; i < v.nrows; i++) {
        const char *who = kz_view_at(&v, i, "account");
        if (!strcmp(who, "ann")) ann = i;
        if (!strcmp(who, "bob")) bob = i;
        if (!strcmp(who, "sue")) sue = i;
        if (!strcmp(who, "sam")) sam = i;
        KT_CHECK(strcmp(who, "root") != 0);            /* an admin takes no part */
    }
    KT_CHECK(ann < v.nrows && bob < v.nrows && sue < v.nrows && sam < v.nrows);
    if (ann < v.nrows && bob < v.nrows && sue < v.nrows && sam < v.nrows) {
        KT_EQ_INT(kz_view_int(&v, ann, "decided"), 2);
        KT_EQ_INT(kz_view_int(&v, bob, "decided"), 1);
        KT_EQ_INT(kz_view_int(&v, bob, "in_review"), 1);
        KT_EQ_INT(kz_view_int(&v, sue, "approved"), 1);
        KT_EQ_INT(kz_view_int(&v, sam, "appeals"), 1);
    }
    /* a period before any of it */
    KT_EQ_INT(kz_view_volume(p.sue, "2026-05-01", "2026-06-01", &v), 0);
    for (size_t i = 0; i < v.nrows; i++)
        KT_EQ_INT(kz_view_int(&v, i, "decided"), 0);
    KT_EQ_INT(kz_view_volume(p.sue, "yesterday", NULL, &v), KZ_EINVAL);
    /* the default period: the last 7 days by the reader's clock, up to
     * this very second (ann's second decision was made at 08:00:00) */
    char from[11];
    kt_staff_clock(&p, "2026-06-02T08:00:00Z");
    kz_view_volume_from(p.sue, from);
    KT_EQ_STR(from, "2026-05-26");
    KT_EQ_INT(kz_view_volume(p.sue, NULL, NULL, &v), 0);
    for (size_t i = 0; i < v.nrows; i++)
        if (!strcmp(kz_view_at(&v, i, "account"), "ann"))
            KT_EQ_INT(kz_view_int(&v, i, "decided"), 2);
    kt_staff_clock(&p, "2026-06-10T08:00:00Z");        /* 8 days on: out of it */
    KT_EQ_INT(kz_view_volume(p.sue, NULL, NULL, &v), 0);
    for (size_t i = 0; i < v.nrows; i++)
        KT_EQ_INT(kz_view_int(&v, i, "decided"), 0);
    kt_staff_clock(&p, "2026-06-02T10:30:00Z");

    /* platforms, sources, accounts */
    KT_EQ_INT(kz_view_platforms(p.ann, &v), 0);
    KT_EQ_INT(v.nrows, 1);
    KT_EQ_STR(kz_view_at(&v, 0, "name"), "forum");
    KT_EQ_INT(kz_view_int(&v, 0, "items"), 4);
    KT_EQ_INT(kz_view_int(&v, 0, "notices"), 2);
    KT_EQ_INT(kz_db_exec(kz_store_db(s), "INSERT INTO crawl_sources (name, created_at, depth) "
                         "VALUES ('news', '2026-06-01T00:00:00Z', 2)"), 0);
    KT_EQ_INT(kz_view_sources(p.ann, &v), 0);
    KT_EQ_INT(v.nrows, 1);
    KT_EQ_STR(kz_view_at(&v, 0, "name"), "news");
    KT_EQ_INT(kz_view_int(&v, 0, "depth"), 2);
    KT_EQ_INT(kz_view_int(&v, 0, "queued"), 0);
    KT_EQ_INT(kz_view_accounts(p.ann, &v), KZ_EPERM);
    KT_EQ_INT(kz_view_accounts(p.root, &v), 0);
    KT_CHECK(v.nrows >= 6);
    KT_EQ_STR(kz_view_at(&v, 0, "name"), "al");
    KT_EQ_STR(kz_view_at(&v, 0, "role"), "analyst");
    KT_EQ_INT(kz_view_int(&v, 0, "disabled"), 0);
    /* the hash banks, by name (the decisions above made some) */
    KT_EQ_INT(kz_view_banks(p.bob, &v), 0);
    size_t before = v.nrows;
    kz_banks *bk = NULL;
    int added = 0;
    int64_t bid = 0;
    KT_EQ_INT(kz_bank_open(&bk, s), 0);
    KT_EQ_INT(kz_bank_create(bk, "sue", "zz-known", KZ_BANK_SHA256, -1, 1, &bid), 0);
    KT_EQ_INT(kz_bank_create(bk, "sue", "0-csam-pdq", KZ_BANK_PDQ, 20, 0, &bid), 0);
    KT_EQ_INT(kz_bank_add(bk, "sue", "zz-known", "9f86d081884c7d659a2feaa0c55ad015"
                          "a3bf4f1b2b0b822cd15d6c15b0f00a08", NULL, "import", &added), 0);
    kz_bank_close(&bk);
    KT_EQ_INT(kz_view_banks(p.bob, &v), 0);
    KT_EQ_INT((int)v.nrows, (int)before + 2);
    if (v.nrows == before + 2) {
        size_t z = v.nrows - 1;
        KT_EQ_STR(kz_view_at(&v, 0, "name"), "0-csam-pdq");
        KT_EQ_STR(kz_view_at(&v, 0, "signal_type"), "pdq");
        KT_EQ_STR(kz_view_at(&v, 0, "kind"), "block");
        KT_EQ_INT(kz_view_int(&v, 0, "threshold"), 20);
        KT_EQ_INT(kz_view_int(&v, 0, "entries"), 0);
        KT_EQ_STR(kz_view_at(&v, z, "name"), "zz-known");
        KT_EQ_STR(kz_view_at(&v, z, "signal_type"), "sha256");
        KT_EQ_STR(kz_view_at(&v, z, "kind"), "allow");
        KT_EQ_INT(kz_view_int(&v, z, "entries"), 1);
        KT_CHECK(kz_view_at(&v, z, "created_at") && strlen(kz_view_at(&v, z, "created_at")) == 20);
    }
    kz_view_release(&v);
    kt_staff_release(&p);
}

KT_TEST(views_tables_blocklist_notices_appeals_volume)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "revview");
    if (!s)
        return;
    views(s);
    kt_store_cleanup(&t, &s);
}

KT_TEST(views_tables_pg)
{
    kt_pgdb d;
    kz_store *s = kt_store_pg(&d, "views_tables_pg", "revview");
    if (!s)
        return;
    views(s);
    kz_review_settings in = { 0, 0, "ru" }, rs;
    kz_actor *ann = kt_login(s, "ann");
    KT_EQ_INT(kz_review_settings_set(ann, &in), 0);
    in.blur = 1;
    KT_EQ_INT(kz_review_settings_set(ann, &in), 0);     /* the update path */
    KT_EQ_INT(kz_review_settings_get(ann, &rs), 0);
    KT_EQ_INT(rs.blur, 1);
    KT_EQ_INT(rs.greyscale, 0);
    KT_EQ_STR(rs.lang, "ru");
    kz_account_logout(&ann);
    /* image bytes kept and read back */
    int64_t item = 0, *ids = NULL;
    size_t n = 0;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT MIN(id) FROM items", NULL, 0, &item), 0);
    kz_media_in m = { "x.gif", "ab", "cd", NULL, 0 };
    static const char gif[] = "GIF89a\0\1\2\3";
    KT_EQ_INT(kz_store_begin(s), 0);
    KT_EQ_INT(kz_media_add(s, item, &m), 0);
    KT_EQ_INT(kz_media_keep(s, item, "ab", "image/gif", gif, sizeof gif), 0);
    KT_EQ_INT(kz_store_commit(s), 0);
    KT_EQ_INT(kz_media_kept(s, item, &ids, &n), 0);
    KT_EQ_INT(n, 1);
    if (n == 1) {
        kz_buf b;
        char ct[24];
        kz_buf_init(&b, KZ_BUF_NOLIMIT);
        KT_EQ_INT(kz_media_get(s, ids[0], ct, &b, NULL), 0);
        KT_CHECK(b.len == sizeof gif && !memcmp(b.p, gif, sizeof gif));
        KT_EQ_STR(ct, "image/gif");
        kz_buf_release(&b);
    }
    free(ids);
    kt_store_pg_drop(&d, &s);
}

KT_TEST(views_media_keep_limits_and_types)
{
    kt_tmpstore t;
    kz_store *s = kt_store_fresh(&t, "revmedia");
    if (!s)
        return;
    int64_t c = one_case(s, 1, "drugs"), item = 0;
    kz_dbval q[] = { kz_dbint(c) };
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT item_id FROM cases WHERE id = $1", q, 1, &item), 0);
    char sha[65];
    snprintf(sha, sizeof sha, "%064d", 7);
    kz_media_in m = { "x.png", sha, "00000000000000000000000000000000", NULL, 0 };
    KT_EQ_INT(kz_media_add(s, item, &m), 0);
    unsigned char *big = calloc(1, KZ_MEDIA_KEEP_MAX + 1);
    KT_CHECK(big != NULL);
    if (big) {
        KT_EQ_INT(kz_media_keep(s, item, sha, "image/png", big, KZ_MEDIA_KEEP_MAX + 1), KZ_ETOOBIG);
        KT_EQ_INT(kz_media_keep(s, item, sha, "text/html", big, 10), KZ_EINVAL);
        KT_EQ_INT(kz_media_keep(s, item, "ff", "image/png", big, 10), KZ_ENOTFOUND);
        big[0] = 0x89;
        KT_EQ_INT(kz_media_keep(s, item, sha, "image/png", big, KZ_MEDIA_KEEP_MAX), 0);
        KT_EQ_INT(kz_media_keep(s, item, sha, "image/png", big, 5), 0);   /* kept once */
    }
    int64_t *ids = NULL;
    size_t n = 0;
    KT_EQ_INT(kz_media_kept(s, item, &ids, &n), 0);
    KT_EQ_INT(n, 1);
    kz_buf b;
    char ct[24];
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if (n == 1 && big) {
        KT_EQ_INT(kz_media_get(s, ids[0], ct, &b, NULL), 0);
        KT_EQ_INT(b.len, KZ_MEDIA_KEEP_MAX);
        KT_CHECK(b.len == KZ_MEDIA_KEEP_MAX && !memcmp(b.p, big, b.len));
    }
    KT_EQ_INT(kz_media_get(s, 999, ct, &b, NULL), KZ_ENOTFOUND);
    KT_CHECK(kz_media_type_ok("image/webp") && !kz_media_type_ok("image/svg+xml"));
    kz_buf_release(&b);
    free(ids);
    free(big);
    kt_store_cleanup(&t, &s);
}
