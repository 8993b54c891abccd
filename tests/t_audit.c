/*
 * tests/t_audit.c - a log nobody can rewrite: the audit log of a store made
 * by the workflow, tampered with on copies the way a forger who can write
 * the database would, on SQLite and on PostgreSQL (KUZET_TEST_PG):
 *
 *   an entry rewritten, the chain recomputed, the checkpoints signed again
 *       with another key (found with the pinned key, naming the key);
 *   the tail deleted with its checkpoints (found with a saved checkpoint);
 *   an entry appended with a correct hash (not covered by a checkpoint);
 *   both tables emptied (nothing left to show: fails with a pin);
 *   the workflow's entries deleted after ingest's (each write signs);
 *   rows changed behind kuzet's back: a reversal undone, a case's state, an
 *       account's role (case/rows.h).
 *
 * And: every transaction of the workflow stores the checkpoint of its last
 * entry; one that cannot load the key stores its entries unsigned and says
 * so; checkpoint lines and keys parse or are refused with the reason.
 */
#include "kt.h"
#include "kt_store.h"
#include "case/case.h"
#include "case/rows.h"
#include "store/audit.h"
#include "store/bank.h"
#include <sodium.h>
#include <unistd.h>

/* ---- the store, on either backend ------------------------------------------ */

typedef struct tb {
    int         pg;
    kt_tmpstore tmp;          /* SQLite: its folder */
    kt_pgdb     db;           /* PostgreSQL: the original */
    kt_pgdb     copies[12];
    size_t      ncopies;
    char        uri[700];     /* the original's */
    char        key[160];     /* its audit key */
} tb;

static kz_store *tb_open(tb *b, const char *test, int pg)
{
    memset(b, 0, sizeof *b);
    b->pg = pg;
    kz_store *s = pg ? kt_store_pg(&b->db, test, "audit") : kt_store_fresh(&b->tmp, "audit");
    if (!s)
        return NULL;
    snprintf(b->uri, sizeof b->uri, "%s", kz_store_uri(s));
    if (pg)
        snprintf(b->key, sizeof b->key, "%s", b->db.key);
    else
        snprintf(b->key, sizeof b->key, "%s/k.db.audit-key", b->tmp.dir);
    return s;
}

/* A copy of the original (closed), its URI in uri. */
static int tb_copy(tb *b, const char *name, char *uri, size_t urisz)
{
    if (b->pg) {
        if (b->ncopies == KZ_ARRAY_LEN(b->copies))
            return -1;
        char tag[48];
        snprintf(tag, sizeof tag, "audit_%s", name);
        return kt_store_pg_copy(&b->db, &b->copies[b->ncopies++], tag, uri, urisz);
    }
    char cmd[512];
    snprintf(uri, urisz, "sqlite:%s/%s.db", b->tmp.dir, name);
    snprintf(cmd, sizeof cmd, "cp '%s/k.db' '%s/%s.db'", b->tmp.dir, b->tmp.dir, name);
    int rc = system(cmd);
    if (rc)
        kt_fail(__FILE__, __LINE__, "%s failed", cmd);
    return rc ? -1 : 0;
}

static void tb_done(tb *b, kz_store **s)
{
    if (b->pg) {
        for (size_t i = 0; i < b->ncopies; i++) {
            kz_store *none = NULL;
            kt_store_pg_drop(&b->copies[i], &none);
        }
        kt_store_pg_drop(&b->db, s);
    } else {
        kt_store_cleanup(&b->tmp, s);
    }
}

/* SQL on the store at uri, as a forger with a database tool would. */
static void forge(const char *uri, const char *sql)
{
    kz_store *s = NULL;
    if (kz_store_open(&s, uri, 1)) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", uri, kz_store_errmsg(s));
        kz_store_close(&s);
        return;
    }
    if (kz_db_exec(kz_store_db(s), sql))
        kt_fail(__FILE__, __LINE__, "%s: %s", sql, kz_db_errmsg(kz_store_db(s)));
    kz_store_close(&s);
}

/* Recompute prev_hash and hash of every entry from seq on, as kuzet does:
 * what a forger who changed an entry does next. */
static void rechain(const char *uri, int64_t from)
{
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    kz_store *s = NULL;
    kz_dbres *r = NULL;
    if (kz_store_open(&s, uri, 1)) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", uri, kz_store_errmsg(s));
        kz_store_close(&s);
        return;
    }
    kz_db *db = kz_store_db(s);
    kz_dbval p[] = { kz_dbint(from - 1) };
    if (kz_db_query(db, "SELECT hash FROM audit_log WHERE seq = $1", p, 1, &r) == 0 &&
        kz_dbres_next(r) == 1)
        snprintf(prev, sizeof prev, "%s", kz_dbres_text(r, 0, NULL));
    kz_dbres_done(r);
    int64_t last = 0;
    KT_EQ_INT(kz_db_int(db, "SELECT MAX(seq) FROM audit_log", NULL, 0, &last), 0);
    for (int64_t seq = from; seq <= last; seq++) {
        char at[32] = "", actor[80] = "", action[80] = "", entity[80] = "", hex[65];
        char *before = NULL, *after = NULL;
        int64_t eid = 0;
        kz_dbval q[] = { kz_dbint(seq) };
        KT_EQ_INT(kz_db_query(db, "SELECT at, actor, action, entity, entity_id, before_state, "
                              "after_state FROM audit_log WHERE seq = $1", q, 1, &r), 0);
        if (kz_dbres_next(r) == 1) {
            snprintf(at, sizeof at, "%s", kz_dbres_text(r, 0, NULL));
            snprintf(actor, sizeof actor, "%s", kz_dbres_text(r, 1, NULL));
            snprintf(action, sizeof action, "%s", kz_dbres_text(r, 2, NULL));
            snprintf(entity, sizeof entity, "%s", kz_dbres_text(r, 3, NULL));
            eid = kz_dbres_int(r, 4);
            before = kz_dbres_null(r, 5) ? NULL : kz_strdup(kz_dbres_text(r, 5, NULL));
            after = kz_dbres_null(r, 6) ? NULL : kz_strdup(kz_dbres_text(r, 6, NULL));
        }
        kz_dbres_done(r);
        kz_store_entry_hash(prev, seq, at, actor, action, entity, eid, before, after, hex);
        kz_dbval u[] = { kz_dbstr(prev), kz_dbstr(hex), kz_dbint(seq) };
        KT_EQ_INT(kz_db_query(db, "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3",
                              u, 3, NULL), 0);
        memcpy(prev, hex, sizeof prev);
        free(before);
        free(after);
    }
    kz_store_close(&s);
}

/* The last entry, and the last entry a checkpoint signs. */
static void tail(kz_store *s, int64_t *last, int64_t *signed_to)
{
    *last = *signed_to = -1;
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COALESCE(MAX(seq), 0) FROM audit_log", NULL, 0,
                        last), 0);
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints",
                        NULL, 0, signed_to), 0);
}

#define COVERED(s, what) do {                                                          \
        int64_t l_, c_;                                                                \
        tail(s, &l_, &c_);                                                             \
        if (l_ != c_ || l_ < 1)                                                        \
            kt_fail(__FILE__, __LINE__, "after %s: %lld entries, the last checkpoint "  \
                    "at %lld", what, (long long)l_, (long long)c_);                    \
    } while (0)

static const kz_decision_in REMOVAL = { "removal_request", "Law on Narcotics, art. 5",
                                        "offers drugs by dead drop", "KZ", NULL, 30 };
static const kz_decision_in URLBLOCK = { "url_block", "Law on Communications, art. 41-1",
                                         "calls to violence", "KZ", NULL, 30 };

/* The workflow on s: three items and their cases (ingest), the staff, a
 * removal request (case 1) notified and complied with, a URL block (case 2)
 * approved, appealed and reversed; each step's entries covered by a
 * checkpoint when it is done. */
static void build(kz_store *s)
{
    kt_staff p;
    KT_EQ_INT(kz_store_begin(s), 0);
    for (int i = 1; i <= 3; i++) {
        char url[64], text[64];
        snprintf(url, sizeof url, "https://forum.example.kz/t/%d", i);
        snprintf(text, sizeof text, "закладка номер %d", i);
        kz_item_in it = { url, strlen(url), "forum", 5, NULL, 0, NULL, 0, NULL, 0, text,
                          strlen(text), NULL };
        kz_detection_in d = { "r1", "drugs", "rule", 50, 0, 16, NULL, NULL, 0 };
        kz_flag_in f = { "drugs", 50 };
        kz_ingest_out out;
        KT_EQ_INT(kz_case_ingest(s, &it, &d, 1, &f, 1, &out), 0);
    }
    KT_EQ_INT(kz_store_commit(s), 0);
    COVERED(s, "ingest");
    kt_staff_login(s, &p);
    COVERED(s, "adding the staff");
    KT_EQ_INT(kz_case_assign(p.al, 1, "ann"), 0);
    COVERED(s, "assign");
    KT_EQ_INT(kz_case_decide(p.ann, 1, &REMOVAL, NULL), 0);
    COVERED(s, "decide");
    KT_EQ_INT(kz_case_notify(p.al, 1, NULL, NULL, NULL), 0);
    KT_EQ_INT(kz_case_comply(p.al, 1, "removed"), 0);
    COVERED(s, "comply");
    KT_EQ_INT(kz_case_assign(p.al, 2, "ann"), 0);
    KT_EQ_INT(kz_case_decide(p.ann, 2, &URLBLOCK, NULL), 0);
    KT_EQ_INT(kz_case_approve(p.sue, 2), 0);
    COVERED(s, "approve");
    KT_EQ_INT(kz_case_appeal(p.al, 2, "content_owner", "a documentary", NULL), 0);
    COVERED(s, "appeal");
    KT_EQ_INT(kz_case_resolve_appeal(p.bob, 2, "reversed", "a documentary archive"), 0);
    COVERED(s, "resolve-appeal");
    kt_staff_release(&p);
}

static int has(const char *s, const char *sub)
{
    if (strstr(s, sub))
        return 1;
    kt_fail(__FILE__, __LINE__, "no \"%s\" in \"%s\"", sub, s);
    return 0;
}

/* ---- the tampering ------------------------------------------------------------ */

static void tamper(const char *test, int pg)
{
    tb b;
    char line[512], why[256], uri[700], evil[200], hex[65], rows[2048];
    unsigned char pk[KZ_AUDIT_PKLEN], epk[KZ_AUDIT_PKLEN];
    kz_audit_cp saved;
    kz_audit_report rep;
    kz_store *s = tb_open(&b, test, pg);
    if (!s)
        return;
    build(s);
    int64_t last, signed_to;
    tail(s, &last, &signed_to);
    /* what the auditor keeps: the published key, a checkpoint */
    KT_EQ_INT(kz_audit_key_public(b.key, pk, why, sizeof why), 0);
    KT_EQ_INT(kz_audit_checkpoint(s, b.key, line, sizeof line), 0);
    KT_EQ_INT(kz_audit_cp_parse(line, strlen(line), &saved, why, sizeof why), 0);
    KT_EQ_INT(saved.seq, last);
    KT_CHECK(!memcmp(saved.pk, pk, sizeof pk));
    int64_t ingest_last = 6, mid = 0;       /* a transaction's last entry, in the middle */
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT MAX(seq) FROM audit_checkpoints WHERE seq < "
                        "(SELECT MAX(seq) - 3 FROM audit_log)", NULL, 0, &mid), 0);
    kz_store_close(&s);

    const unsigned char (*pins)[KZ_AUDIT_PKLEN] = (const unsigned char (*)[KZ_AUDIT_PKLEN])&pk;
    kz_audit_opts pinned = { pins, 1, NULL, 0 }, against = { NULL, 0, &saved, 1 };

    /* as made: verifies pinned, every entry covered, every row as logged */
    KT_EQ_INT(kt_audit_verify(b.uri, &pinned, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    KT_EQ_INT(rep.covered, last);
    KT_EQ_INT(rep.uncovered, 0);
    KT_EQ_INT(kt_audit_verify(b.uri, &against, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    KT_EQ_INT(rep.saved_max, last);
    KT_EQ_INT(kt_rows_differ(b.uri, rows, sizeof rows), 0);

    /* 1. the last entry rewritten (the appeal upheld), the chain recomputed,
     * the checkpoints deleted and signed again with the forger's key */
    if (tb_copy(&b, "forged", uri, sizeof uri) == 0) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE audit_log SET after_state = replace(after_state, "
                 "'\"reversed\"', '\"upheld\"') WHERE seq = %lld", (long long)last);
        forge(uri, sql);
        rechain(uri, last);
        forge(uri, "DELETE FROM audit_checkpoints");
        snprintf(evil, sizeof evil, "%s.forger", b.key);
        unlink(evil);
        kz_store *f = NULL;
        KT_EQ_INT(kz_store_open(&f, uri, 1), 0);
        if (f)
            KT_EQ_INT(kz_audit_checkpoint(f, evil, line, sizeof line), 0);
        kz_store_close(&f);
        KT_EQ_INT(kz_audit_key_public(evil, epk, why, sizeof why), 0);
        kz_audit_pk_hex(epk, hex);
        unlink(evil);
        KT_EQ_INT(kt_audit_verify(uri, NULL, &rep), 0);
        KT_EQ_INT(rep.failed, 0);                   /* unpinned: what a forger can do */
        KT_EQ_INT(kt_audit_verify(uri, &pinned, &rep), 0);
        KT_EQ_INT(rep.failed, 1);
        KT_EQ_INT(rep.bad_seq, last);
        has(rep.why, "signed by key");
        has(rep.why, hex);
        KT_EQ_INT(kt_audit_verify(uri, &against, &rep), 0);
        KT_EQ_INT(rep.failed, 1);
    }
    /* 2. the tail deleted with its checkpoints, at a transaction's end:
     * nothing in the database shows it, a saved checkpoint does */
    if (tb_copy(&b, "cut", uri, sizeof uri) == 0) {
        char sql[200];
        snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE seq > %lld", (long long)mid);
        forge(uri, sql);
        snprintf(sql, sizeof sql, "DELETE FROM audit_checkpoints WHERE seq > %lld", (long long)mid);
        forge(uri, sql);
        KT_EQ_INT(kt_audit_verify(uri, &pinned, &rep), 0);
        KT_EQ_INT(rep.failed, 0);
        KT_EQ_INT(kt_audit_verify(uri, &against, &rep), 0);
        KT_EQ_INT(rep.failed, 1);
        KT_EQ_INT(rep.bad_seq, mid + 1);
        has(rep.why, "cut back");
    }
    /* 3. an entry appended with a correct hash */
    if (tb_copy(&b, "appended", uri, sizeof uri) == 0) {
        char sql[300];
        snprintf(sql, sizeof sql, "INSERT INTO audit_log SELECT seq + 1, at, actor, action, "
                 "entity, entity_id, before_state, after_state, hash, '' FROM audit_log "
                 "WHERE seq = %lld", (long long)last);
        forge(uri, sql);
        rechain(uri, last + 1);
        KT_EQ_INT(kt_audit_bad_seq(uri, why, sizeof why), last + 1);
        has(why, "not covered by a checkpoint");
        KT_EQ_INT(kt_audit_verify(uri, &pinned, &rep), 0);
        KT_EQ_INT(rep.bad_seq, last + 1);
        KT_EQ_INT(rep.uncovered, 1);
        has(rep.why, "not covered by a checkpoint signed by the pinned key");
    }
    /* 4. both tables emptied */
    if (tb_copy(&b, "emptied", uri, sizeof uri) == 0) {
        forge(uri, "DELETE FROM audit_log");
        forge(uri, "DELETE FROM audit_checkpoints");
        KT_EQ_INT(kt_audit_verify(uri, &pinned, &rep), 0);
        KT_EQ_INT(rep.failed, 1);
        KT_EQ_INT(rep.bad_seq, 0);
        has(rep.why, "the log is empty");
        KT_EQ_INT(kt_audit_verify(uri, &against, &rep), 0);
        KT_EQ_INT(rep.failed, 1);
        KT_EQ_INT(rep.bad_seq, 1);
        KT_CHECK(kt_rows_differ(uri, NULL, 0) > 0);      /* and the rows are not in it */
    }
    /* 5. the workflow's entries deleted after ingest's: each of its
     * transactions signed them, so a checkpoint points past the end */
    if (tb_copy(&b, "workflow", uri, sizeof uri) == 0) {
        char sql[200];
        snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE seq > %lld", (long long)ingest_last);
        forge(uri, sql);
        KT_EQ_INT(kt_audit_bad_seq(uri, why, sizeof why), ingest_last + 1);
        has(why, "truncated");
        KT_EQ_INT(kt_audit_verify(uri, &pinned, &rep), 0);
        KT_EQ_INT(rep.bad_seq, ingest_last + 1);
    }
    /* 6. rows changed behind kuzet's back; the log itself still verifies */
    static const struct { const char *sql, *row; } rowcases[] = {
        { "UPDATE decisions SET reversed_at = NULL WHERE id = 2",
          "decisions 2: reversed_at is NULL, the audit log says '" },
        { "UPDATE cases SET state = 'decided' WHERE id = 2",
          "cases 2: state is 'decided', the audit log says 'reversed'" },
        { "UPDATE accounts SET role = 'admin' WHERE name = 'al'",
          "role is 'admin', the audit log says 'analyst'" },
        { "UPDATE accounts SET password_hash = 'x' WHERE name = 'sue'",
          "password_hash is not the one the audit log recorded" },
        { "UPDATE notices SET deadline = '2099-01-01T00:00:00Z'",
          "notices 1: deadline is '2099-01-01T00:00:00Z'" },
        { "DELETE FROM bank_entries WHERE id = 1",
          "bank_entries 1: missing" },
        /* who added an account, and when it was enrolled: the second
         * person of a block must not be an account made for the purpose */
        { "UPDATE accounts SET created_by = (SELECT id FROM accounts WHERE name = 'sue') "
          "WHERE name = 'al'", "created_by is 'sue', the audit log says 'root'" },
        { "UPDATE accounts SET created_by = NULL WHERE name = 'sam'",
          "created_by is NULL, the audit log says 'root'" },
        { "UPDATE accounts SET enrolled_at = NULL WHERE name = 'ann'",
          "enrolled_at is NULL, the audit log says '" },
        { "UPDATE accounts SET created_at = '2001-01-01T00:00:00Z' WHERE name = 'bob'",
          "created_at is '2001-01-01T00:00:00Z', the audit log says '" },
        { "UPDATE appeals SET case_state_before = 'in_review'",
          "appeals 1: case_state_before is 'in_review', the audit log says 'decided'" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(rowcases); i++) {
        char name[16];
        snprintf(name, sizeof name, "rows%zu", i);
        if (tb_copy(&b, name, uri, sizeof uri))
            break;
        forge(uri, rowcases[i].sql);
        KT_EQ_INT(kt_audit_verify(uri, &pinned, &rep), 0);
        KT_EQ_INT(rep.failed, 0);
        KT_EQ_INT(kt_rows_differ(uri, rows, sizeof rows), 1);
        if (!strstr(rows, rowcases[i].row))
            kt_fail(__FILE__, __LINE__, "%s: \"%s\", expected \"%s\"", rowcases[i].sql, rows,
                    rowcases[i].row);
    }
    tb_done(&b, &s);
}

KT_TEST(audit_tamper_sqlite) { tamper("audit_tamper_sqlite", 0); }
KT_TEST(audit_tamper_pg) { tamper("audit_tamper_pg", 1); }

/* ---- signing ------------------------------------------------------------------ */

/* A transaction whose key cannot be loaded stores its entries unsigned and
 * says why; they stay uncovered (counted) until a checkpoint covers them. */
static void unsigned_writes(const char *test, int pg)
{
    tb b;
    char why[256], line[512], bad[200];
    kz_audit_report rep;
    unsigned char pk[KZ_AUDIT_PKLEN];
    kz_store *s = tb_open(&b, test, pg);
    if (!s)
        return;
    build(s);
    KT_EQ_INT(kz_audit_key_public(b.key, pk, why, sizeof why), 0);
    const char *w = NULL;
    KT_CHECK(kz_store_signed(s, &w) > 5);
    KT_CHECK(w == NULL);
    snprintf(bad, sizeof bad, "%s.nowhere", b.key);
    unlink(bad);
    KT_EQ_INT(symlink("/nonexistent/kuzet-key", bad), 0);
    KT_EQ_INT(kz_store_set_signer(s, bad), 0);
    kt_staff p;
    memset(&p, 0, sizeof p);
    p.al = kt_login(s, "al");
    p.sam = kt_login(s, "sam");
    KT_EQ_INT(kz_case_assign(p.al, 3, "ann"), 0);              /* done all the same */
    KT_EQ_INT(kz_store_signed(s, &w), 0);
    KT_CHECK(w && strstr(w, "symbolic link to nothing"));
    kz_account_logout(&p.al);
    kz_account_logout(&p.sam);
    unlink(bad);
    kz_store_close(&s);
    kz_audit_opts o = { (const unsigned char (*)[KZ_AUDIT_PKLEN])&pk, 1, NULL, 0 };
    KT_EQ_INT(kt_audit_verify(b.uri, &o, &rep), 0);
    KT_EQ_INT(rep.failed, 1);
    KT_EQ_INT(rep.uncovered, 1);
    has(rep.why, "not covered");
    /* the operator, having checked them, signs */
    KT_EQ_INT(kz_store_open(&s, b.uri, 1), 0);
    if (s)
        KT_EQ_INT(kz_audit_checkpoint(s, b.key, line, sizeof line), 0);
    kz_store_close(&s);
    KT_EQ_INT(kt_audit_verify(b.uri, &o, &rep), 0);
    KT_EQ_INT(rep.failed, 0);
    KT_EQ_INT(rep.uncovered, 0);
    tb_done(&b, &s);
}

KT_TEST(audit_unsigned_writes_counted_sqlite) { unsigned_writes("audit_unsigned_writes_counted_sqlite", 0); }
KT_TEST(audit_unsigned_writes_counted_pg) { unsigned_writes("audit_unsigned_writes_counted_pg", 1); }

/* SQLite gives the id of a deleted bank entry to the next one: an import
 * after a reversal took entries out reuses their ids, and is still what
 * the log says; changing one of them is found by the import's digest. */
KT_TEST(audit_rows_import_reuses_ids)
{
    tb b;
    char rows[1024];
    kz_store *s = tb_open(&b, "audit_rows_import_reuses_ids", 0);
    if (!s)
        return;
    build(s);                                   /* entries 3 and 4 came and went */
    kz_actor *sue = kt_login(s, "sue");
    kz_banks *bk = NULL;
    kz_bank_import_report ir;
    int64_t bid = 0;
    const char csv[] = "sha256,1111111111111111111111111111111111111111111111111111111111111111,x\n"
                       "sha256,2222222222222222222222222222222222222222222222222222222222222222,y\n";
    KT_EQ_INT(kz_bank_open(&bk, s), 0);
    KT_EQ_INT(kz_bank_create(bk, "sue", "known", KZ_BANK_SHA256, -1, 0, &bid), 0);
    KT_EQ_INT(kz_bank_import(bk, "sue", "known", csv, sizeof csv - 1, NULL, NULL, &ir), 0);
    KT_EQ_INT(ir.added, 2);
    kz_bank_close(&bk);
    kz_account_logout(&sue);
    KT_EQ_INT(kz_db_int(kz_store_db(s), "SELECT MIN(id) FROM bank_entries WHERE origin = 'import'",
                        NULL, 0, &bid), 0);
    KT_EQ_INT(bid, 3);                          /* reused */
    kz_store_close(&s);
    KT_EQ_INT(kt_rows_differ(b.uri, rows, sizeof rows), 0);
    forge(b.uri, "UPDATE bank_entries SET tags = 'z' WHERE id = 4");
    KT_EQ_INT(kt_rows_differ(b.uri, rows, sizeof rows), 1);
    has(rows, "bank_entries 3: entries 3 to 4, added by the import at audit entry");
    tb_done(&b, &s);
}

/* ---- checkpoint lines and keys ------------------------------------------------ */

KT_TEST(audit_checkpoint_lines_parse)
{
    char why[256], line[600], pkhex[65], sighex[129];
    kz_audit_cp cp;
    unsigned char pk[32], sk[64], sig[64];
    const char *hash = "c118fbf6b260aa11c118fbf6b260aa11c118fbf6b260aa11c118fbf6b260aa11";
    char msg[128];
    crypto_sign_keypair(pk, sk);
    int n = snprintf(msg, sizeof msg, "kuzet-audit 100 %s", hash);
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, (unsigned long long)n, sk);
    sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
    sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
    snprintf(line, sizeof line, "100  %s  2026-11-22T22:43:01Z  %s  %s\n", hash, pkhex, sighex);
    KT_EQ_INT(kz_audit_cp_parse(line, strlen(line), &cp, why, sizeof why), 0);
    KT_EQ_INT(cp.seq, 100);
    KT_EQ_STR(cp.hash, hash);
    KT_EQ_STR(cp.at, "2026-11-22T22:43:01Z");
    KT_CHECK(kz_audit_cp_signed(&cp));
    cp.seq = 101;                               /* signed for another entry */
    KT_CHECK(!kz_audit_cp_signed(&cp));
    static const struct { const char *line, *why; } bad[] = {
        { "", "5 fields" },
        { "1 2 3 4 5 6", "more than 5" },
        { "0 h t k s", "sequence number '0'" },
        { "x1 h t k s", "sequence number 'x1'" },
        { "1 abc t k s", "hash 'abc' is not 64 hex digits" },
    };
    for (size_t i = 0; i < KZ_ARRAY_LEN(bad); i++) {
        why[0] = '\0';
        KT_EQ_INT(kz_audit_cp_parse(bad[i].line, strlen(bad[i].line), &cp, why, sizeof why),
                  KZ_EINVAL);
        if (!strstr(why, bad[i].why))
            kt_fail(__FILE__, __LINE__, "'%s': %s", bad[i].line, why);
    }
    snprintf(line, sizeof line, "1 %s t %s 00", hash, pkhex);
    KT_EQ_INT(kz_audit_cp_parse(line, strlen(line), &cp, why, sizeof why), KZ_EINVAL);
    has(why, "signature '00' is not 128 hex digits");
    KT_EQ_INT(kz_audit_pk_parse(pkhex, 64, pk), 0);
    KT_EQ_INT(kz_audit_pk_parse(" 12ab ", 6, pk), KZ_EINVAL);
    pkhex[3] = 'g';
    KT_EQ_INT(kz_audit_pk_parse(pkhex, 64, pk), KZ_EINVAL);
}
