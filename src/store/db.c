/*
 * store/db.c - picks the backend for a URI (store/conninfo.c tells which) and
 * forwards to its ops table.
 */
#include "db.h"
#include <ctype.h>

/* A database that did not open: it only says why (kz_db_open). */
typedef struct failed_db {
    kz_db base;
    char  why[512];
} failed_db;

static void failed_close(kz_db *db) { free(db); }
static const char *failed_errmsg(kz_db *db) { return ((failed_db *)db)->why; }
static int failed_query(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res)
{
    (void)db, (void)sql, (void)p, (void)np;
    if (res)
        *res = NULL;
    return KZ_EINVAL;
}
static void failed_unlock(kz_db *db, int64_t key) { (void)db, (void)key; }
static int failed_try_lock(kz_db *db, int64_t key) { (void)db, (void)key; return KZ_EINVAL; }

static const kz_db_ops failed_ops = {
    .scheme = "none", .close = failed_close, .query = failed_query, .errmsg = failed_errmsg,
    .try_lock = failed_try_lock, .unlock = failed_unlock,
};

static int open_driver(kz_db **out, const char *uri, char *err, size_t errsz)
{
    const char *backend = kz_db_backend(uri);
    if (!backend) {                     /* only the scheme: the rest may hold a password */
        size_t n = 0;
        while (uri[n] && (isalnum((unsigned char)uri[n]) || strchr("+-.", uri[n])))
            n++;
        snprintf(err, errsz, "unknown database scheme '%.*s:' (sqlite:PATH or a path; "
                 "PostgreSQL: postgresql://..., postgres://... or key=value)",
                 (int)(n < 32 ? n : 32), uri);
        return KZ_EINVAL;
    }
    if (!strcmp(backend, "postgresql"))
        return kz_db_pg_ops.open(out, uri, err, errsz);
    const char *path = !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri;
    if (!*path) {
        snprintf(err, errsz, "'%s': no database file named", uri);
        return KZ_EINVAL;
    }
    return kz_db_sqlite_ops.open(out, path, err, errsz);
}

int kz_db_open(kz_db **out, const char *uri)
{
    char why[512] = "";
    *out = NULL;
    int rc = open_driver(out, uri ? uri : "", why, sizeof why);
    if (rc == 0)
        return 0;
    kz_db_close(out);                   /* a driver leaves nothing; in case it did */
    failed_db *f = calloc(1, sizeof *f);
    if (f) {
        f->base.ops = &failed_ops;
        snprintf(f->why, sizeof f->why, "%s", why[0] ? why : kz_strerror(rc));
        *out = &f->base;
    }
    return rc;
}

void kz_db_close(kz_db **dbp)
{
    if (dbp && *dbp) {
        (*dbp)->ops->close(*dbp);
        *dbp = NULL;
    }
}

const char *kz_db_scheme(const kz_db *db) { return db->ops->scheme; }

int kz_db_try_lock(kz_db *db, int64_t key)
{
    return key < 0 ? KZ_EINVAL : db->ops->try_lock(db, key);
}

void kz_db_unlock(kz_db *db, int64_t key)
{
    if (key >= 0)
        db->ops->unlock(db, key);
}
const char *kz_db_errmsg(kz_db *db) { return db ? db->ops->errmsg(db) : kz_strerror(KZ_ENOMEM); }

int kz_db_query(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res)
{
    return db->ops->query(db, sql, p, np, res);
}

int kz_db_exec(kz_db *db, const char *sql) { return db->ops->query(db, sql, NULL, 0, NULL); }

int kz_db_can_send(const kz_db *db) { return db->ops->send != NULL; }
int kz_db_send(kz_db *db, const char *sql, const kz_dbval *p, int np)
{
    return db->ops->send ? db->ops->send(db, sql, p, np) : KZ_EINVAL;
}
int kz_db_take(kz_db *db, kz_dbres **res)
{
    *res = NULL;
    return db->ops->take ? db->ops->take(db, res) : KZ_EINVAL;
}

int kz_db_defer(kz_db *db, const char *sql, const kz_dbval *p, int np)
{
    return db->ops->defer ? db->ops->defer(db, sql, p, np) : db->ops->query(db, sql, p, np, NULL);
}

int kz_db_int(kz_db *db, const char *sql, const kz_dbval *p, int np, int64_t *out)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(db, sql, p, np, &r);
    if (rc)
        return rc;
    rc = kz_dbres_next(r);
    if (rc == 1) {
        *out = kz_dbres_int(r, 0);
        rc = 0;
    } else if (rc == 0) {
        *out = 0;
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    return rc;
}

int kz_db_ids(kz_db *db, const char *sql, const kz_dbval *p, int np, int64_t **ids, size_t *n)
{
    kz_dbres *r = NULL;
    size_t cap = 0;
    *ids = NULL;
    *n = 0;
    int rc = kz_db_query(db, sql, p, np, &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        if (KZ_GROW(*ids, cap, *n + 1)) {
            rc = KZ_ENOMEM;
            break;
        }
        (*ids)[(*n)++] = kz_dbres_int(r, 0);
    }
    kz_dbres_done(r);
    if (rc < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

int kz_db_bulk(kz_db *db)
{
    return db->ops->bulk ? db->ops->bulk(db) : 0;
}

int kz_db_wait_notify(kz_db *db, int ms)
{
    return db->ops->wait_notify ? db->ops->wait_notify(db, ms) : KZ_EINVAL;
}

int kz_dbres_next(kz_dbres *r) { return r->db->ops->next(r); }
int64_t kz_dbres_int(kz_dbres *r, int col) { return r->db->ops->col_int(r, col); }
const char *kz_dbres_text(kz_dbres *r, int col, size_t *len) { return r->db->ops->col_text(r, col, len); }
int kz_dbres_null(kz_dbres *r, int col) { return r->db->ops->col_null(r, col); }
void kz_dbres_done(kz_dbres *r) { if (r) r->db->ops->done(r); }

/* SQLite: take the write lock up front, so two writers never deadlock on
 * upgrading.  PostgreSQL: READ COMMITTED whatever the server's default, as
 * the audit log's lock in store.c relies on each statement seeing what was
 * committed before the lock was granted. */
int kz_db_begin(kz_db *db)
{
    return kz_db_exec(db, !strcmp(db->ops->scheme, "sqlite") ? "BEGIN IMMEDIATE"
                                                              : "BEGIN ISOLATION LEVEL READ COMMITTED");
}
int kz_db_commit(kz_db *db) { return kz_db_exec(db, "COMMIT"); }
int kz_db_rollback(kz_db *db) { return kz_db_exec(db, "ROLLBACK"); }
