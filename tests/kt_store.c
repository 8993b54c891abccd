/*
 * tests/kt_store.c - a throwaway SQLite store for the unit tests
 * (kt_store.h).
 */
#include "kt.h"
#include "kt_store.h"
#include "store/audit.h"
#include "case/rows.h"
#include <libpq-fe.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kz_store *kt_store_fresh(kt_tmpstore *t, const char *tag)
{
    char path[128];
    kz_store *s = NULL;
    int from, to;
    snprintf(t->dir, sizeof t->dir, "/tmp/kt-%.16s-XXXXXX", tag);
    if (!mkdtemp(t->dir)) {
        kt_fail(__FILE__, __LINE__, "mkdtemp %s failed", t->dir);
        t->dir[0] = '\0';
        return NULL;
    }
    snprintf(path, sizeof path, "sqlite:%s/k.db", t->dir);
    if (kz_store_open(&s, path, 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", path, kz_store_errmsg(s));
        kz_store_close(&s);
        return NULL;
    }
    if (kz_store_migrate(s, &from, &to) != 0) {
        kt_fail(__FILE__, __LINE__, "migrate %s: %s", path, kz_store_errmsg(s));
        kz_store_close(&s);
        return NULL;
    }
    /* every transaction that writes the audit log signs it, as in kuzet */
    snprintf(path, sizeof path, "%s/k.db.audit-key", t->dir);
    KT_EQ_INT(kz_store_set_signer(s, path), 0);
    return s;
}

void kt_store_accounts(kz_store *s)
{
    KT_EQ_INT(kz_db_exec(kz_store_db(s),
        "INSERT INTO accounts (name, role, password_hash, created_at) VALUES"
        " ('ann', 'reviewer', 'x', '2026-01-01T00:00:00Z'),"
        " ('sue', 'supervisor', 'x', '2026-01-01T00:00:00Z')"), 0);
}

void kt_store_cleanup(kt_tmpstore *t, kz_store **s)
{
    char cmd[128];
    kz_store_close(s);
    if (!t->dir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    if (system(cmd) != 0)
        kt_fail(__FILE__, __LINE__, "removing %s failed", t->dir);
    t->dir[0] = '\0';
}

int kt_audit_verify(const char *uri, const kz_audit_opts *o, kz_audit_report *rep)
{
    kz_store *s = NULL;
    memset(rep, 0, sizeof *rep);
    if (kz_store_open(&s, uri, 1) != 0) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", uri, kz_store_errmsg(s));
        kz_store_close(&s);
        return -1;
    }
    int rc = kz_audit_snapshot_begin(s);
    KT_EQ_INT(rc, 0);
    if (!rc) {
        KT_EQ_INT(rc = kz_audit_verify(s, o, rep), 0);
        kz_audit_snapshot_end(s);
    }
    kz_store_close(&s);
    return rc ? -1 : 0;
}

int64_t kt_audit_bad_seq(const char *uri, char *why, size_t whysz)
{
    kz_audit_report rep;
    if (kt_audit_verify(uri, NULL, &rep))
        return -1;
    if (why)
        snprintf(why, whysz, "%s", rep.why);
    return rep.failed ? (rep.bad_seq ? rep.bad_seq : -2) : 0;
}

int64_t kt_rows_differ(const char *uri, char *what, size_t whatsz)
{
    kz_store *s = NULL;
    kz_rows_report rep;
    kt_rowsink k = { what, whatsz };
    if (what && whatsz)
        what[0] = '\0';
    if (kz_store_open(&s, uri, 1) != 0) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", uri, kz_store_errmsg(s));
        kz_store_close(&s);
        return -1;
    }
    int rc = kz_rows_check(s, kt_rows_note, &k, &rep);
    if (rc)
        kt_fail(__FILE__, __LINE__, "rows %s: %s", uri, kz_store_errmsg(s));
    kz_store_close(&s);
    return rc ? -1 : rep.differ;
}

void kt_rows_note(void *ctx, const char *table, int64_t id, const char *what)
{
    kt_rowsink *k = ctx;
    size_t n = k->out ? strlen(k->out) : 0;
    if (k->out && n + 1 < k->outsz)
        snprintf(k->out + n, k->outsz - n, "%s%s %lld: %s", n ? "\n" : "", table, (long long)id,
                 what);
}

kz_actor *kt_login(kz_store *s, const char *name)
{
    char pw[64];
    kz_actor *a = NULL;
    snprintf(pw, sizeof pw, "%s-password-123", name);
    if (kz_account_login(&a, s, name, pw))
        kt_fail(__FILE__, __LINE__, "login %s: %s", name, kz_store_errmsg(s));
    return a;
}

void kt_add_person(kz_actor *by, const char *name, const char *role)
{
    char pw[64];
    snprintf(pw, sizeof pw, "%s-password-123", name);
    if (!strcmp(kz_account_name(by), "system")) {      /* the first admin: its own password */
        if (kz_account_add(by, name, role, pw, NULL))
            kt_fail(__FILE__, __LINE__, "add %s: %s", name, kz_account_errmsg(by));
        return;
    }
    /* an admin invites; the owner enrols with the token */
    char token[KZ_ENROL_TOKEN_SIZE], exp[21], who[72];
    if (kz_account_invite(by, name, role, 0, token, exp, NULL)) {
        kt_fail(__FILE__, __LINE__, "invite %s: %s", name, kz_account_errmsg(by));
        return;
    }
    if (kz_account_enrol(by, token, pw, who) || strcmp(who, name))
        kt_fail(__FILE__, __LINE__, "enrol %s: %s", name, kz_account_errmsg(by));
}

void kt_staff_login(kz_store *s, kt_staff *p)
{
    memset(p, 0, sizeof *p);
    KT_EQ_INT(kz_account_system(&p->sys, s), 0);
    kt_add_person(p->sys, "root", "admin");
    p->root = kt_login(s, "root");
    kt_add_person(p->root, "ann", "reviewer");
    kt_add_person(p->root, "bob", "reviewer");
    kt_add_person(p->root, "sue", "supervisor");
    kt_add_person(p->root, "sam", "supervisor");
    kt_add_person(p->root, "al", "analyst");
    p->ann = kt_login(s, "ann");
    p->bob = kt_login(s, "bob");
    p->sue = kt_login(s, "sue");
    p->sam = kt_login(s, "sam");
    p->al = kt_login(s, "al");
}

void kt_staff_clock(kt_staff *p, const char *t)
{
    kz_actor *all[] = { p->sys, p->root, p->ann, p->bob, p->sue, p->sam, p->al };
    for (size_t i = 0; i < KZ_ARRAY_LEN(all); i++)
        KT_EQ_INT(kz_account_set_clock(all[i], t), 0);
}

void kt_staff_release(kt_staff *p)
{
    kz_account_logout(&p->sys);
    kz_account_logout(&p->root);
    kz_account_logout(&p->ann);
    kz_account_logout(&p->bob);
    kz_account_logout(&p->sue);
    kz_account_logout(&p->sam);
    kz_account_logout(&p->al);
}

/* ---- migration 21, on either backend --------------------------------------- */

static void sql_on(const char *uri, const char *const *sql, size_t n)
{
    kz_store *s = NULL;
    if (kz_store_open(&s, uri, 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open: %s", kz_store_errmsg(s));
    } else {
        for (size_t i = 0; i < n; i++)
            if (kz_db_query(kz_store_db(s), sql[i], NULL, 0, NULL) != 0)
                kt_fail(__FILE__, __LINE__, "%s: %s", sql[i], kz_store_errmsg(s));
    }
    kz_store_close(&s);
}

void kt_content_key_migration(kz_store **sp, const char *uri)
{
    static const char *const hashes[] = {
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210",
        "zz3456789abcdefg0123456789abcdef0123456789abcdef0123456789abcdef",
    };
    kz_store *s = *sp;
    kz_ingest_out o;
    int64_t first = 0;
    for (size_t i = 0; i < 4; i++) {
        char url[32], text[32];
        snprintf(url, sizeof url, "https://ck.kz/%zu", i);
        snprintf(text, sizeof text, "текст %zu", i);
        kz_item_in it = { url, strlen(url), NULL, 0, NULL, 0, NULL, 0, NULL, 0, text, strlen(text),
                          i < 3 ? hashes[i] : NULL };
        KT_EQ_INT(kz_store_ingest(s, &it, NULL, 0, &o), 0);
        if (i == 0)
            first = o.item_id;
    }
    kz_store_close(sp);
    static const char *const back[] = {
        "UPDATE items SET content_sha256 = '7' WHERE url = 'https://ck.kz/2'",
        "DROP INDEX items_by_content",
        "ALTER TABLE items DROP COLUMN content_key",
        "CREATE INDEX items_by_content ON items(content_sha256)",
        "DELETE FROM kz_migrations WHERE version = 21",
    };
    sql_on(uri, back, KZ_ARRAY_LEN(back));
    int from = 0, to = 0;
    if (kz_store_open(&s, uri, 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open: %s", kz_store_errmsg(s));
        kz_store_close(&s);
        return;
    }
    if (kz_store_migrate(s, &from, &to) != 0)
        kt_fail(__FILE__, __LINE__, "migrate: %s", kz_store_errmsg(s));
    KT_EQ_INT(from, 20);
    KT_EQ_INT(to, 21);
    kz_dbres *r = NULL;
    int n = 0;
    KT_EQ_INT(kz_db_query(kz_store_db(s), "SELECT content_sha256, content_key FROM items", NULL, 0,
                          &r), 0);
    while (r && kz_dbres_next(r) == 1) {
        const char *h = kz_dbres_text(r, 0, NULL);
        KT_CHECK(!kz_dbres_null(r, 1));
        KT_EQ_INT(kz_dbres_int(r, 1), kz_store_content_key(h));
        n++;
    }
    kz_dbres_done(r);
    KT_EQ_INT(n, 4);
    /* the same text without a URL: the first item, found through its key */
    kz_item_in again = { NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, "текст 0", strlen("текст 0"),
                         hashes[0] };
    KT_EQ_INT(kz_store_ingest(s, &again, NULL, 0, &o), 0);
    KT_EQ_INT(o.item_created, 0);
    KT_EQ_INT(o.item_id, first);
    *sp = s;
}

static void pg_quiet(void *arg, const char *msg) { (void)arg; (void)msg; }

/* One statement on the server of base; 0, or -1 (a failure recorded). */
static int pg_exec(const char *base, const char *sql)
{
    PGconn *c = PQconnectdb(base);
    int rc = -1;
    PQsetNoticeProcessor(c, pg_quiet, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        kt_fail(__FILE__, __LINE__, "connect: %s", PQerrorMessage(c));
    } else {
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc)
            kt_fail(__FILE__, __LINE__, "%s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
    }
    PQfinish(c);
    return rc;
}

/* The URI of database name on the server of base: base with its path
 * replaced. */
static void pg_uri(const char *base, const char *name, char *uri, size_t urisz)
{
    const char *q = strchr(base, '?'), *hp = strstr(base, "://");
    size_t end = q ? (size_t)(q - base) : strlen(base), slash = end;
    size_t min = hp ? (size_t)(hp - base) + 3 : 0;
    while (slash > min && base[slash - 1] != '/')
        slash--;
    if (slash <= min)
        snprintf(uri, urisz, "%.*s/%s%s", (int)end, base, name, q ? q : "");
    else
        snprintf(uri, urisz, "%.*s%s%s", (int)slash, base, name, q ? q : "");
}

int kt_store_pg_copy(const kt_pgdb *d, kt_pgdb *copy, const char *tag, char *uri, size_t urisz)
{
    const char *base = getenv("KUZET_TEST_PG");
    char sql[256];
    copy->key[0] = '\0';
    snprintf(copy->name, sizeof copy->name, "kt_%.32s_%ld", tag, (long)getpid());
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", copy->name);
    if (!base || pg_exec(base, sql))
        return -1;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", copy->name, d->name);
    if (pg_exec(base, sql))
        return -1;
    pg_uri(base, copy->name, uri, urisz);
    return 0;
}

void kt_store_pg_uri(const kt_pgdb *d, char *uri, size_t urisz)
{
    const char *base = getenv("KUZET_TEST_PG");
    pg_uri(base ? base : "", d->name, uri, urisz);
}

kz_store *kt_store_pg(kt_pgdb *d, const char *test, const char *tag)
{
    const char *base = getenv("KUZET_TEST_PG");
    char sql[160], uri[700];
    kz_store *s = NULL;
    int from, to;
    d->name[0] = '\0';
    d->key[0] = '\0';
    if (!base) {
        kt_skip("%s: KUZET_TEST_PG is not set (to run it: scripts/pg-test-env run "
               "build/release/kt %s)", test, test);
    }
    if (!*base || strlen(base) > 500) {
        kt_fail(__FILE__, __LINE__, "KUZET_TEST_PG is %s", *base ? "too long"
                : "set but empty: the test cluster did not start");
        return NULL;
    }
    /* the same server, another database */
    snprintf(d->name, sizeof d->name, "kt_%.32s_%ld", tag, (long)getpid());
    pg_uri(base, d->name, uri, sizeof uri);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", d->name);
    if (pg_exec(base, sql))
        return NULL;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", d->name);
    if (pg_exec(base, sql))
        return NULL;
    if (kz_store_open(&s, uri, 0) != 0) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", uri, kz_store_errmsg(s));
        kz_store_close(&s);
        kt_store_pg_drop(d, &s);
        return NULL;
    }
    if (kz_store_migrate(s, &from, &to) != 0) {
        kt_fail(__FILE__, __LINE__, "migrate %s: %s", uri, kz_store_errmsg(s));
        kt_store_pg_drop(d, &s);
        return NULL;
    }
    snprintf(d->key, sizeof d->key, "/tmp/kt-pgkey-%.32s-%ld", tag, (long)getpid());
    unlink(d->key);
    KT_EQ_INT(kz_store_set_signer(s, d->key), 0);
    return s;
}

void kt_store_pg_drop(kt_pgdb *d, kz_store **s)
{
    char sql[160];
    kz_store_close(s);
    if (!d->name[0])
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", d->name);
    pg_exec(getenv("KUZET_TEST_PG"), sql);
    d->name[0] = '\0';
    if (d->key[0])
        unlink(d->key);
    d->key[0] = '\0';
}
