/*
 * tests/kt_store.h - a throwaway SQLite store for the unit tests.
 *
 *     kt_tmpstore t;
 *     kz_store *s = kt_store_fresh(&t, "case");   // /tmp/kt-case-XXXXXX/k.db, migrated
 *     ...
 *     kt_store_cleanup(&t, &s);                    // closed and removed
 *
 * kt_store_fresh() records a failure and returns NULL when the store
 * cannot be created.  kt_store_accounts() adds the accounts most workflow
 * tests act as (ann reviewer, sue supervisor), without real passwords.
 */
#ifndef KT_STORE_H
#define KT_STORE_H

#include "store/store.h"
#include "store/audit.h"
#include "case/account.h"

typedef struct kt_tmpstore {
    char dir[64];
} kt_tmpstore;

kz_store *kt_store_fresh(kt_tmpstore *t, const char *tag);
void kt_store_accounts(kz_store *s);
void kt_store_cleanup(kt_tmpstore *t, kz_store **s);

/* The staff of the workflow tests, logged in: the system, root (admin),
 * ann and bob (reviewers), sue and sam (supervisors), al (analyst); each person's
 * password is NAME-password-123.  kt_staff_clock sets every clock to t
 * ("YYYY-MM-DDTHH:MM:SSZ"); kt_staff_release logs them out. */
typedef struct kt_staff { kz_actor *sys, *root, *ann, *bob, *sue, *sam, *al; } kt_staff;

void kt_staff_login(kz_store *s, kt_staff *p);
void kt_staff_clock(kt_staff *p, const char *t);
void kt_staff_release(kt_staff *p);
kz_actor *kt_login(kz_store *s, const char *name);          /* NAME-password-123 */
void kt_add_person(kz_actor *by, const char *name, const char *role);

/* Open the store at uri, verify its audit log (unpinned): the first bad
 * entry's sequence number (0: all good; -2: bad at no entry; why, when not
 * NULL, says what is wrong); -1 and a recorded failure when it cannot be
 * opened. */
int64_t kt_audit_bad_seq(const char *uri, char *why, size_t whysz);
/* The same with options (pins, saved checkpoints): the whole report in
 * *rep; 0, or -1 and a recorded failure. */
int kt_audit_verify(const char *uri, const kz_audit_opts *o, kz_audit_report *rep);
/* Compare the tables of the store at uri with its audit log
 * (case/rows.h): how many rows differ, what each is in what (lines
 * "TABLE ID: what", as much as fits); -1 and a recorded failure when it
 * cannot be done. */
int64_t kt_rows_differ(const char *uri, char *what, size_t whatsz);
typedef struct kt_rowsink { char *out; size_t outsz; } kt_rowsink;
void kt_rows_note(void *ctx, const char *table, int64_t id, const char *what);

/* Migration 21 (items.content_key) on the migrated store s at uri, either
 * backend: s gets items whose hashes are lowercase, uppercase, not hex and
 * short, and is closed; the store is taken back to schema 20 (the column
 * dropped, the old index made again) and migrated; then every item's key
 * must be kz_store_content_key of its hash, and a record without a URL
 * must find its item by its content. */
void kt_content_key_migration(kz_store **s, const char *uri);

/* A throwaway migrated database kt_<tag>_<pid> on the server of
 * $KUZET_TEST_PG (same URI, another database name).  NULL when there is none:
 * without KUZET_TEST_PG the test named test is skipped (a "skip" line);
 * otherwise a failure is recorded.  Its transactions sign the audit log
 * with a key of its own.  kt_store_pg_drop closes and drops it. */
typedef struct kt_pgdb {
    char name[64];
    char key[64];           /* its audit key, removed with it */
} kt_pgdb;

kz_store *kt_store_pg(kt_pgdb *d, const char *test, const char *tag);
/* The URI of database d (for a program the test starts, a second
 * connection, or a command). */
void kt_store_pg_uri(const kt_pgdb *d, char *uri, size_t urisz);
/* A copy of database d (nobody may be connected to it) named after tag, its
 * URI in uri: 0, or -1 and a recorded failure.  kt_store_pg_drop drops it
 * (with a NULL store). */
int kt_store_pg_copy(const kt_pgdb *d, kt_pgdb *copy, const char *tag, char *uri, size_t urisz);
void kt_store_pg_drop(kt_pgdb *d, kz_store **s);

#endif
