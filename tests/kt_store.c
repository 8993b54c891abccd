/*
 * tests/kt_store.c - a throwaway SQLite store for the unit tests
 * (kt_store.h).
 */
#include "kt.h"
#include "kt_store.h"
#include "store/audit.h"
#include <stdio.h>
#include <stdlib.h>

kz_store *kt_store_fresh(kt_tmpstore *t, const char *tag)
{
    char err[512], path[128];
    kz_store *s = NULL;
    int from, to;
    snprintf(t->dir, sizeof t->dir, "/tmp/kt-%.16s-XXXXXX", tag);
    if (!mkdtemp(t->dir)) {
        kt_fail(__FILE__, __LINE__, "mkdtemp %s failed", t->dir);
        t->dir[0] = '\0';
        return NULL;
    }
    snprintf(path, sizeof path, "sqlite:%s/k.db", t->dir);
    if (kz_store_open(&s, path, 0, err, sizeof err) != 0) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", path, err);
        return NULL;
    }
    if (kz_store_migrate(s, &from, &to) != 0) {
        kt_fail(__FILE__, __LINE__, "migrate %s: %s", path, kz_store_errmsg(s));
        kz_store_close(&s);
        return NULL;
    }
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

int64_t kt_audit_bad_seq(const char *uri, char *why, size_t whysz)
{
    char err[512];
    kz_store *s = NULL;
    kz_audit_report rep;
    if (kz_store_open(&s, uri, 1, err, sizeof err) != 0) {
        kt_fail(__FILE__, __LINE__, "open %s: %s", uri, err);
        return -1;
    }
    KT_EQ_INT(kz_audit_verify(s, &rep), 0);
    if (why)
        snprintf(why, whysz, "%s", rep.why);
    kz_store_close(&s);
    return rep.bad_seq;
}
