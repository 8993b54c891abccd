/*
 * store/db.h - the SQL driver under the store: one interface, a backend per
 * database: store/sqlite.c (the embedded default), store/pg.c (PostgreSQL).
 *
 * The store writes its SQL once, in the subset SQLite and PostgreSQL share
 * (ON CONFLICT ... DO UPDATE, RETURNING), with parameters written $1, $2...;
 * a backend translates what it must (SQLite reads them as ?1, ?2).
 * Schema differences (identity columns) live in store/migrations.c.
 *
 * Not thread-safe: one kz_db per thread or process.
 */
#ifndef KZ_DB_H
#define KZ_DB_H

#include "util/kz.h"

typedef enum kz_dbtype { KZ_DB_NULL, KZ_DB_INT, KZ_DB_TEXT } kz_dbtype;

typedef struct kz_dbval {
    kz_dbtype   type;
    int64_t     i;
    const char *s;          /* KZ_DB_TEXT: need not be NUL-terminated */
    size_t      n;
} kz_dbval;

static inline kz_dbval kz_dbint(int64_t i) { kz_dbval v = { KZ_DB_INT, i, NULL, 0 }; return v; }
static inline kz_dbval kz_dbnull(void) { kz_dbval v = { KZ_DB_NULL, 0, NULL, 0 }; return v; }
static inline kz_dbval kz_dbtext(const char *s, size_t n)
{
    kz_dbval v = { s ? KZ_DB_TEXT : KZ_DB_NULL, 0, s, n };
    return v;
}
static inline kz_dbval kz_dbstr(const char *s) { return kz_dbtext(s, s ? strlen(s) : 0); }

typedef struct kz_db kz_db;
typedef struct kz_dbres kz_dbres;

typedef struct kz_db_ops {
    const char *scheme;                                     /* "sqlite", "postgresql" */
    int  (*open)(kz_db **out, const char *target, char *err, size_t errsz);
    void (*close)(kz_db *db);
    int  (*query)(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res);
    int  (*defer)(kz_db *db, const char *sql, const kz_dbval *p, int np);   /* NULL: query */
    int  (*send)(kz_db *db, const char *sql, const kz_dbval *p, int np);    /* NULL: none */
    int  (*take)(kz_db *db, kz_dbres **res);
    int  (*next)(kz_dbres *r);
    int64_t     (*col_int)(kz_dbres *r, int col);
    const char *(*col_text)(kz_dbres *r, int col, size_t *len);
    int  (*col_null)(kz_dbres *r, int col);
    void (*done)(kz_dbres *r);
    const char *(*errmsg)(kz_db *db);
    int  (*wait_notify)(kz_db *db, int ms);                 /* NULL: not supported */
    int  (*bulk)(kz_db *db);                                /* kz_db_bulk; NULL: nothing */
    int  (*try_lock)(kz_db *db, int64_t key);               /* kz_db_try_lock */
    void (*unlock)(kz_db *db, int64_t key);
    int  busy_code;                                         /* retryable: locked, serialization */
} kz_db_ops;

/* Open "sqlite:PATH", a plain PATH (SQLite), or PostgreSQL: a URI
 * "postgresql://..." / "postgres://...", or a libpq key=value string
 * ("host=... dbname=...": any string with '=' that does not start with
 * "sqlite:").  On failure returns KZ_EDB (KZ_EINVAL for an unknown scheme or
 * a connection string libpq cannot parse), and *out is a handle that holds
 * only the reason, as every handle holds its last error: kz_db_errmsg says
 * it, kz_db_close frees it (as sqlite3_open does; *out is NULL only when
 * there was no memory for it, and kz_db_errmsg(NULL) says so).  A
 * PostgreSQL reason never holds a password (kz_db_redact_msg). */
int  kz_db_open(kz_db **out, const char *uri);
void kz_db_close(kz_db **dbp);                              /* NULL-safe */

/* The backend a database string names, as kz_db_open reads it: "sqlite",
 * "postgresql", or NULL (a scheme kuzet does not know: "mysql://...", or a
 * misspelt PostgreSQL URI such as "postgresql:/..."). */
const char *kz_db_backend(const char *uri);

/* Database strings as they may be shown: every password replaced by
 * KZ_DB_REDACTED.  In a URI, the password of user:password@ and the value
 * of a password= or sslpassword= query parameter; in a key=value string,
 * the value of password and sslpassword, quoted (the quotes stay) or not.
 * Where libpq would read a password with an unencoded '@' or '/' (URI) or
 * an unquoted space (key=value) differently from what was meant, the
 * whole of what was meant goes.  A SQLite path is returned unchanged.
 *
 * kz_db_redact writes uri redacted.  kz_db_redact_msg writes msg (an error
 * message that may quote uri: libpq's do) with uri replaced by its redacted
 * form wherever it appears, and every password of uri (as written,
 * percent-decoded or unescaped; and, as words of their own, its fragments
 * where libpq's reading differs) and every string of also (NULL, or a
 * NULL-terminated list: the passwords as libpq parsed them) replaced by
 * KZ_DB_REDACTED wherever it appears, even inside other words.  Both write
 * at most outsz bytes with the NUL (out may be NULL when outsz is 0) and
 * return the length of the whole result, like snprintf: a result cut short
 * holds no part of a password. */
#define KZ_DB_REDACTED "***"
size_t kz_db_redact(const char *uri, char *out, size_t outsz);
size_t kz_db_redact_msg(const char *msg, const char *uri, const char *const *also, char *out,
                        size_t outsz);

const char *kz_db_scheme(const kz_db *db);
const char *kz_db_errmsg(kz_db *db);                        /* NULL: "out of memory" */

/* Run sql with parameters.  With res, the caller walks the rows with
 * kz_dbres_next() (1 row, 0 end, <0 error) and must call kz_dbres_done();
 * without, rows are discarded.  0 or KZ_EDB (KZ_EBUSY when the database is
 * locked or a serialization failure asks for a retry). */
int kz_db_query(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res);
int kz_db_exec(kz_db *db, const char *sql);                 /* no parameters, no rows */

/* Run sql, whose rows and outcome the caller does not need at once, inside
 * a transaction: it may be sent without waiting for the server (PostgreSQL:
 * pipeline mode), and then its error, if any, is returned by a later call
 * in the same transaction instead: at the latest by COMMIT, which then
 * rolls the transaction back and fails.  So what follows must not depend
 * on it having succeeded, only the transaction's outcome.  Outside a
 * transaction, and on SQLite, the same as kz_db_query without res. */
int kz_db_defer(kz_db *db, const char *sql, const kz_dbval *p, int np);

/* A query sent now whose result is taken later: kz_db_take gives the
 * results in the order sent (as kz_db_query's res; the caller walks and
 * frees each).  Inside a transaction several go out in one round trip
 * (PostgreSQL's pipeline mode); results not taken by COMMIT or ROLLBACK
 * are dropped.  kz_db_can_send: 0 when the backend has no use for it
 * (SQLite: a query costs no round trip), and then neither may be called. */
int kz_db_can_send(const kz_db *db);
int kz_db_send(kz_db *db, const char *sql, const kz_dbval *p, int np);
int kz_db_take(kz_db *db, kz_dbres **res);

/* One row, one integer column: *out (0 and KZ_ENOTFOUND when no row). */
int kz_db_int(kz_db *db, const char *sql, const kz_dbval *p, int np, int64_t *out);

/* Every row's first column as integers: *ids (malloc'd, the caller frees;
 * NULL when no rows) and *n.  0, KZ_EDB/KZ_EBUSY or KZ_ENOMEM. */
int kz_db_ids(kz_db *db, const char *sql, const kz_dbval *p, int np, int64_t **ids, size_t *n);

int         kz_dbres_next(kz_dbres *r);
int64_t     kz_dbres_int(kz_dbres *r, int col);
const char *kz_dbres_text(kz_dbres *r, int col, size_t *len);  /* NULL for NULL */
int         kz_dbres_null(kz_dbres *r, int col);
void        kz_dbres_done(kz_dbres *r);                     /* NULL-safe */

/* Wait at most ms for a notification on a channel the connection LISTENs
 * on (PostgreSQL), outside a transaction; notifications are consumed.  1
 * one came, 0 the time ran out, < 0 not supported (SQLite) or the
 * connection failed. */
int kz_db_wait_notify(kz_db *db, int ms);

/* A named lock held by this connection until kz_db_unlock or close, and
 * released by the operating system or the server if the process dies, so
 * that one run at a time does a job (a crawl of one source).  key >= 0.
 * 0 held; KZ_EBUSY held by another connection (of this or another
 * process); KZ_EDB/KZ_EIO when it cannot be asked.  Not reentrant: a
 * connection asks once per key.  PostgreSQL: a session advisory lock.
 * SQLite: an open-file-description lock on byte `key` of the file
 * "PATH-locks" beside the database (created 0600; none for an in-memory
 * database, where one connection is the only one). */
int  kz_db_try_lock(kz_db *db, int64_t key);
void kz_db_unlock(kz_db *db, int64_t key);

/* The connection is about to write much (an ingest, a crawl).  On SQLite
 * (a database file), the write-ahead log is from now on copied into the
 * database (checkpointed) by a thread of its own, on a second connection,
 * after each commit that leaves KZ_DB_BULK_WAL_BYTES or more in the log,
 * instead of by the committing thread when the log reaches 64 MiB: the
 * writer seldom waits for a checkpoint (only when the thread falls so far
 * behind that the log reaches 64 MiB: it then finishes the copy, so the log
 * never grows past that and a transaction), and what is left to copy
 * when the connection closes is at most a batch.  What is written, and
 * when it is durable, do not change (synchronous=NORMAL: a checkpoint
 * syncs the log, then the database).  0; or KZ_EDB/KZ_ENOMEM when the
 * thread or its connection could not be had, and the connection
 * checkpoints as before.  Nothing on PostgreSQL, or a second time. */
#define KZ_DB_BULK_WAL_BYTES ((int64_t)4 << 20)
int kz_db_bulk(kz_db *db);

/* Transactions: BEGIN (IMMEDIATE on SQLite), COMMIT, ROLLBACK. */
int kz_db_begin(kz_db *db);
int kz_db_commit(kz_db *db);
int kz_db_rollback(kz_db *db);

/* Internal to store/: the backends, and the db header they share. */
struct kz_db {
    const kz_db_ops *ops;
};
struct kz_dbres {
    kz_db *db;
};
extern const kz_db_ops kz_db_sqlite_ops;
extern const kz_db_ops kz_db_pg_ops;

#endif
