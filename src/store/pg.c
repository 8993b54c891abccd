/*
 * store/pg.c - the PostgreSQL backend of store/db.h (libpq).
 *
 * Opens a "postgresql://" or "postgres://" URI (any libpq connection URI;
 * client_encoding is UTF8).  Each query is one round trip with every
 * parameter sent as text (integers in decimal, NULL as NULL); the server
 * infers the types from the SQL.  The SELECT/INSERT/UPDATE/DELETE/WITH statements
 * are prepared once per connection (the first CACHE of them, by their text;
 * about half the server time of parsing each again), anything else goes
 * through PQexecParams.  A result is walked row by row over the one PGresult
 * held in memory, so a huge SELECT costs its size in RAM.
 *
 * Opens a libpq key=value string ("host=... dbname=...") the same way.
 *
 * Errors: the message of the failed result (or of the connection) is kept
 * for errmsg, with every password of the connection string replaced by
 * "***" (kz_db_redact_msg: libpq's parse errors quote the string; the
 * passwords as libpq parsed them are hidden too).  SQLSTATE 40001
 * (serialization_failure), 40P01
 * (deadlock_detected) and 55P03 (lock_not_available) are KZ_EBUSY: the
 * transaction was rolled back by the server and may simply be run again.
 * Server notices ("relation already exists, skipping") are dropped instead
 * of going to stderr: library code does not print.
 */
#include "db.h"
#include "util/buf.h"
#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <poll.h>
#include <xxhash.h>

#define CACHE 64

typedef struct pgres pgres;
struct pgres {
    kz_dbres  base;
    PGresult *r;
    int       row, nrows;     /* row is the current one; -1 before next() */
};

typedef struct pgdb {
    kz_db      base;
    PGconn    *c;
    char       err[512];      /* the last failure; "" after a success */
    char      *scratch;       /* parameter text, reused across queries */
    size_t     scratchsz;
    const char **vals;
    size_t     nvals;
    struct { uint64_t key; char *sql; } cache[CACHE];   /* statement "kz<i>" */
    size_t     ncache;
    char      *conninfo;      /* as given: what messages must not show */
    char      *pw[3];         /* its passwords as libpq parsed them; NULL-terminated */
    int        pipe;          /* in libpq's pipeline mode (inside a transaction) */
    size_t     pending;       /* statements sent in it whose results are not read */
    int        perr;          /* the first of them that failed (d->err says why) */
    unsigned char *keep;      /* of those pending, oldest first: 1 its result is kept */
    size_t     khead, kcap;   /* keep[khead .. khead + pending) */
    struct sent { struct pgres *res; int rc; } *took;   /* kept results read, oldest first */
    size_t     thead, tlen, tcap;
    struct merge *mg;         /* deferred INSERTs held to be merged (below) */
    size_t     nmg, held;     /* forms known; rows held in all of them */
    int        flushing;
} pgdb;

/* msg on one line: libpq's messages end in a newline and may hold more
 * ("...failed: Connection refused\n\tIs the server running..."). */
static void one_line(char *out, size_t outsz, const char *msg)
{
    size_t o = 0;
    int space = 0;
    if (!msg || !*msg)
        msg = "PostgreSQL error";
    for (; *msg && o + 1 < outsz; msg++) {
        if (*msg == '\n' || *msg == '\t' || *msg == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < outsz)
            out[o++] = ' ';
        space = 0;
        out[o++] = *msg;
    }
    out[o] = '\0';
}

/* msg without a password of the connection string, on one line, in out. */
static void safe_line(const pgdb *d, char *out, size_t outsz, const char *msg)
{
    char clean[2048];
    kz_db_redact_msg(msg ? msg : "", d->conninfo, (const char *const *)d->pw, clean, sizeof clean);
    one_line(out, outsz, clean);
}

static void set_err(pgdb *d, const char *msg) { safe_line(d, d->err, sizeof d->err, msg); }

static void drop_sent(pgdb *d);
static void merge_free(pgdb *d);

static void free_db(pgdb *d)
{
    if (!d)
        return;
    drop_sent(d);
    merge_free(d);
    free(d->keep);
    free(d->took);
    PQfinish(d->c);
    for (size_t i = 0; i < d->ncache; i++)
        free(d->cache[i].sql);
    for (size_t i = 0; i < KZ_ARRAY_LEN(d->pw); i++)
        free(d->pw[i]);
    free(d->conninfo);
    free(d->scratch);
    free(d->vals);
    free(d);
}

/* Parse the connection string as libpq will, keeping the passwords it
 * holds; 0, KZ_EINVAL (err says why) or KZ_ENOMEM. */
static int parse_target(pgdb *d, const char *target, char *err, size_t errsz)
{
    char *why = NULL;
    PQconninfoOption *o = PQconninfoParse(target, &why);
    if (!o) {
        char msg[400];
        int rc = why ? KZ_EINVAL : KZ_ENOMEM;
        int kv = strncmp(target, "postgres", 8) != 0;
        safe_line(d, msg, sizeof msg, why ? why : kz_strerror(KZ_ENOMEM));
        snprintf(err, errsz, "PostgreSQL: %s%s", msg,
                 kv ? " (a SQLite path with '=' in it is written sqlite:PATH)" : "");
        PQfreemem(why);
        return rc;
    }
    int rc = 0;
    size_t n = 0;
    for (PQconninfoOption *p = o; p->keyword && !rc; p++) {
        if (!p->val || !*p->val ||
            (strcmp(p->keyword, "password") && strcmp(p->keyword, "sslpassword")))
            continue;
        if (n + 1 < KZ_ARRAY_LEN(d->pw) && !(d->pw[n++] = kz_strdup(p->val)))
            rc = KZ_ENOMEM;
    }
    PQconninfoFree(o);
    if (rc)
        snprintf(err, errsz, "%s", kz_strerror(rc));
    return rc;
}

static void no_notices(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int pg_open(kz_db **out, const char *target, char *err, size_t errsz)
{
    /* the URI is expanded as "dbname"; the other keys apply only where it
     * does not say otherwise */
    static const char *const keys[] = { "dbname", "fallback_application_name",
                                        "client_encoding", NULL };
    const char *vals[] = { target, "kuzet", "UTF8", NULL };
    pgdb *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    d->base.ops = &kz_db_pg_ops;
    if (!(d->conninfo = kz_strdup(target))) {
        free_db(d);
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    int rc = parse_target(d, target, err, errsz);
    if (rc) {
        free_db(d);
        return rc;
    }
    d->c = PQconnectdbParams(keys, vals, 1);
    if (!d->c || PQstatus(d->c) != CONNECTION_OK) {
        char msg[400];
        safe_line(d, msg, sizeof msg, d->c ? PQerrorMessage(d->c) : "out of memory");
        snprintf(err, errsz, "PostgreSQL: %s", msg);
        free_db(d);
        return KZ_EDB;
    }
    PQsetNoticeProcessor(d->c, no_notices, NULL);
    *out = &d->base;
    return 0;
}

static void pg_close(kz_db *db) { free_db((pgdb *)db); }

/* SQLSTATEs after which running the transaction again may succeed. */
static int map_error(const PGresult *r)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (st && (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03")))
        return KZ_EBUSY;
    return KZ_EDB;
}

/* The parameters as NUL-terminated text in d->scratch, pointed to by
 * d->vals.  PostgreSQL text cannot hold a NUL byte, so a value with one is
 * refused rather than cut short. */
static int params(pgdb *d, const kz_dbval *p, int np)
{
    size_t need = 0;
    for (int i = 0; i < np; i++) {
        if (p[i].type == KZ_DB_TEXT) {
            if (memchr(p[i].s, '\0', p[i].n)) {
                set_err(d, "a text value holds a NUL byte, which PostgreSQL cannot store");
                return KZ_EDB;
            }
            need += p[i].n + 1;
        } else if (p[i].type == KZ_DB_INT) {
            need += 24;
        }
    }
    if ((size_t)np > d->nvals) {
        const char **v = realloc(d->vals, (size_t)np * sizeof *v);
        if (!v)
            return KZ_ENOMEM;
        d->vals = v;
        d->nvals = (size_t)np;
    }
    if (need > d->scratchsz) {
        size_t sz = need < 4096 ? 4096 : need;
        char *s = realloc(d->scratch, sz);
        if (!s)
            return KZ_ENOMEM;
        d->scratch = s;
        d->scratchsz = sz;
    }
    size_t off = 0;
    for (int i = 0; i < np; i++) {
        char *o = d->scratch + off;
        switch (p[i].type) {
        case KZ_DB_INT:
            off += (size_t)snprintf(o, 24, "%lld", (long long)p[i].i) + 1;
            d->vals[i] = o;
            break;
        case KZ_DB_TEXT:
            if (p[i].n)
                memcpy(o, p[i].s, p[i].n);
            o[p[i].n] = '\0';
            off += p[i].n + 1;
            d->vals[i] = o;
            break;
        default:
            d->vals[i] = NULL;
            break;
        }
    }
    return 0;
}

/* Failed: keep the message, free r, return KZ_EBUSY or KZ_EDB. */
static int failed(pgdb *d, PGresult *r)
{
    set_err(d, r ? PQresultErrorMessage(r) : PQerrorMessage(d->c));
    int rc = map_error(r);
    PQclear(r);
    return rc;
}

static int ok(const PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* The index of sql's prepared statement in the cache, or -1. */
static int cached(const pgdb *d, const char *sql)
{
    uint64_t key = XXH3_64bits(sql, strlen(sql));
    for (size_t i = 0; i < d->ncache; i++)
        if (d->cache[i].key == key && !strcmp(d->cache[i].sql, sql))
            return (int)i;
    return -1;
}

/* The name of sql's prepared statement, preparing it the first time; NULL
 * when it is not to be prepared (not DML, or the cache is full). */
static int prepared(pgdb *d, const char *sql, int np, char name[16], int *hit)
{
    static const char *const dml[] = { "SELECT", "INSERT", "UPDATE", "DELETE", "WITH" };
    size_t i;
    *hit = 0;
    for (i = 0; i < KZ_ARRAY_LEN(dml); i++)
        if (!strncasecmp(sql, dml[i], strlen(dml[i])))
            break;
    if (i == KZ_ARRAY_LEN(dml))
        return 0;
    uint64_t key = XXH3_64bits(sql, strlen(sql));
    for (i = 0; i < d->ncache; i++)
        if (d->cache[i].key == key && !strcmp(d->cache[i].sql, sql))
            break;
    if (i == d->ncache) {
        if (d->ncache == CACHE)
            return 0;
        char *copy = kz_strdup(sql);
        if (!copy)
            return KZ_ENOMEM;
        snprintf(name, 16, "kz%zu", i);
        PGresult *r = PQprepare(d->c, name, sql, np, NULL);
        if (!ok(r)) {
            free(copy);
            return failed(d, r);
        }
        PQclear(r);
        d->cache[i].key = key;
        d->cache[i].sql = copy;
        d->ncache++;
    }
    snprintf(name, 16, "kz%zu", i);
    *hit = 1;
    return 0;
}


/* ---- pipeline mode ----------------------------------------------------------
 * Inside a transaction, a statement whose result is not needed
 * (kz_db_defer) is sent without waiting for its answer: libpq's pipeline
 * mode.  A statement whose result is needed is sent behind them and waited
 * for, which reads their results first; anything else (COMMIT, ROLLBACK,
 * LOCK, a statement not prepared yet) ends the pipeline with a sync first.
 * The first failure among the deferred statements is kept (the server has
 * aborted the transaction then, and skips the rest up to the sync) and is
 * returned by the call that reads it; a COMMIT that finds one rolls back
 * instead and returns it.  So a transaction is still stored whole or not
 * at all, and its error is still the server's message. */

#define PIPE_READ_EVERY 1024    /* results read back at least this often */

/* Keep r's failure when it is the first of the pipeline; free r. */
static void pipe_check(pgdb *d, PGresult *r)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (!d->perr && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (st == PGRES_PIPELINE_ABORTED) {
            set_err(d, "PostgreSQL skipped a statement after an earlier error");
            d->perr = KZ_EDB;
        } else {
            set_err(d, r ? PQresultErrorMessage(r) : PQerrorMessage(d->c));
            d->perr = map_error(r);
        }
    }
    PQclear(r);
}

/* The result of the oldest statement sent (NULL: the connection failed),
 * with the NULL that ends it read too. */
static PGresult *pipe_result(pgdb *d)
{
    PGresult *r = PQgetResult(d->c), *more;
    if (!r)
        return NULL;
    while ((more = PQgetResult(d->c)) != NULL)
        PQclear(more);
    return r;
}

static struct pgres *wrap(kz_db *db, PGresult *r);

/* A kept statement's result read: queued for kz_db_take (a failure: its
 * code, and the pipeline's first failure when it is). */
static void keep_result(pgdb *d, PGresult *r)
{
    struct sent e = { NULL, 0 };
    if (!ok(r)) {
        int first = !d->perr;
        pipe_check(d, r);               /* frees r */
        e.rc = first ? d->perr : KZ_EDB;
    } else if (!(e.res = wrap(&d->base, r))) {
        PQclear(r);
        e.rc = KZ_ENOMEM;
        if (!d->perr) {
            set_err(d, kz_strerror(KZ_ENOMEM));
            d->perr = KZ_ENOMEM;
        }
    }
    if (d->thead && d->thead == d->tlen)
        d->thead = d->tlen = 0;
    if (KZ_GROW(d->took, d->tcap, d->tlen + 1)) {
        if (e.res)
            kz_dbres_done(&e.res->base);
        if (!d->perr) {
            set_err(d, kz_strerror(KZ_ENOMEM));
            d->perr = KZ_ENOMEM;
        }
        return;                         /* the taker finds nothing: an error */
    }
    d->took[d->tlen++] = e;
}

/* Results sent for and never taken (the transaction ended first). */
static void drop_sent(pgdb *d)
{
    for (size_t i = d->thead; i < d->tlen; i++)
        if (d->took[i].res)
            kz_dbres_done(&d->took[i].res->base);
    d->thead = d->tlen = 0;
}

/* Read the results of every statement sent (they have been flushed with
 * a flush request or a sync). */
static void pipe_read(pgdb *d)
{
    while (d->pending) {
        PGresult *r = pipe_result(d);
        int kept = d->keep[d->khead++];
        d->pending--;
        if (kept)
            keep_result(d, r);
        else
            pipe_check(d, r);
        if (!r) {
            while (d->pending) {            /* the connection failed: none will come */
                if (d->keep[d->khead++])
                    keep_result(d, NULL);
                d->pending--;
            }
            break;
        }
    }
    d->khead = 0;
}

/* End the pipeline: a sync, every result read, out of pipeline mode.
 * Returns (and forgets) the first failure in it. */
static int pipe_leave(pgdb *d)
{
    if (!d->pipe)
        return 0;
    if (PQpipelineSync(d->c) != 1) {
        if (!d->perr) {
            set_err(d, PQerrorMessage(d->c));
            d->perr = KZ_EDB;
        }
    } else {
        pipe_read(d);
        PGresult *r;
        for (int i = 0; i < 4 && (r = PQgetResult(d->c)) != NULL; i++) {
            int sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
            PQclear(r);
            if (sync)
                break;
        }
    }
    if (!PQexitPipelineMode(d->c) && !d->perr) {
        set_err(d, PQerrorMessage(d->c));
        d->perr = KZ_EDB;
    }
    d->pipe = 0;
    d->pending = 0;
    int rc = d->perr;
    d->perr = 0;
    return rc;
}

/* Send prepared statement i (params already in d->vals) in the pipeline;
 * keep: its result is queued for kz_db_take. */
static int pipe_send(pgdb *d, int i, int np, int keep)
{
    char name[16];
    if (KZ_GROW(d->keep, d->kcap, d->khead + d->pending + 1)) {
        if (!d->perr) {
            set_err(d, kz_strerror(KZ_ENOMEM));
            d->perr = KZ_ENOMEM;
        }
        return d->perr;
    }
    snprintf(name, sizeof name, "kz%d", i);
    if (!PQsendQueryPrepared(d->c, name, np, np ? d->vals : NULL, NULL, NULL, 0)) {
        if (!d->perr) {
            set_err(d, PQerrorMessage(d->c));
            d->perr = KZ_EDB;
        }
        return d->perr;
    }
    d->keep[d->khead + d->pending] = (unsigned char)keep;
    d->pending++;
    return 0;
}

static int pg_query(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res);

/* One statement deferred as it is. */
static int defer_one(kz_db *db, const char *sql, const kz_dbval *p, int np)
{
    pgdb *d = (pgdb *)db;
    int rc, i;
    if (d->perr)
        return 0;                       /* reported where the pipeline is read */
    if ((i = cached(d, sql)) < 0 ||
        (!d->pipe && (PQtransactionStatus(d->c) != PQTRANS_INTRANS ||
                      !PQenterPipelineMode(d->c))))
        return pg_query(db, sql, p, np, NULL);      /* prepares it, or autocommits */
    d->pipe = 1;
    d->err[0] = '\0';
    if ((rc = params(d, p, np)) != 0) {
        d->perr = rc;                   /* this transaction must not commit */
        return rc;
    }
    if ((rc = pipe_send(d, i, np, 0)) != 0)
        return 0;
    if (d->pending >= PIPE_READ_EVERY) {
        if (PQsendFlushRequest(d->c) && PQflush(d->c) == 0)
            pipe_read(d);
        else if (!d->perr) {
            set_err(d, PQerrorMessage(d->c));
            d->perr = KZ_EDB;
        }
    }
    return 0;
}

/* ---- rows merged -------------------------------------------------------------
 * Inside a transaction, deferred INSERTs of one plain form ("INSERT INTO t
 * (cols) VALUES ($1, ..., $n)" with nothing after it) are held and sent
 * MERGE_ROWS at a time as one statement of that many rows: the server then
 * plans, starts and ends one statement instead of MERGE_ROWS, which is most
 * of what a small insert costs it.  What is held goes out (form by form,
 * each in the order it came) before anything else is sent or read, so
 * every later statement sees the rows as if each had gone out alone; the
 * rows left when that happens go out one statement each.  A failure is
 * what the server says of the merged statement, returned as a deferred
 * statement's is (db.h).  The forms of one transaction have no order
 * between them that matters: kuzet's deferred INSERTs (detections, cases,
 * audit entries) refer to rows written before them, never to each other. */

#define MERGE_ROWS  32
#define MERGE_FORMS 8

struct merge {
    char     *sql;              /* the one-row form */
    char     *multi;            /* the MERGE_ROWS-row form */
    uint64_t  key;
    int       np;
    size_t    rows;             /* held */
    char     *vals;             /* the values held, each NUL-terminated */
    size_t    vlen, vcap;
    size_t   *off;              /* per value: its offset in vals; SIZE_MAX: NULL */
    kz_dbval *v;                /* the values as sent (MERGE_ROWS rows' room) */
};

/* The "(...)" after " VALUES " when sql is a one-row INSERT with nothing
 * after it, else NULL. */
static const char *merge_row(const char *sql)
{
    if (strncmp(sql, "INSERT INTO ", 12) || strstr(sql, "RETURNING") || strstr(sql, "ON CONFLICT"))
        return NULL;
    const char *v = strstr(sql, " VALUES (");
    if (!v)
        return NULL;
    const char *row = v + 8, *p = row;
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\'') {
            while (*++p && *p != '\'')
                ;
            if (!*p)
                return NULL;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            p++;
            break;
        }
    }
    while (*p == ' ')
        p++;
    return depth == 0 && *p == '\0' ? row : NULL;
}

/* sql's form of rows rows: its row repeated, $k of row r as $(k + r * np). */
static char *merge_sql(const char *sql, const char *row, int np, int rows)
{
    size_t rl = strlen(row), pre = (size_t)(row - sql);
    size_t cap = pre + (size_t)rows * (rl + 2 + 8 * (size_t)np) + 1;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    memcpy(o, sql, pre);
    o += pre;
    for (int r = 0; r < rows; r++) {
        if (r)
            *o++ = ',';
        for (const char *p = row; *p;) {
            if (*p == '\'') {
                const char *q = strchr(p + 1, '\'') + 1;
                memcpy(o, p, (size_t)(q - p));
                o += q - p;
                p = q;
            } else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
                char *end;
                long k = strtol(p + 1, &end, 10);
                o += snprintf(o, 16, "$%ld", k + (long)r * np);
                p = end;
            } else {
                *o++ = *p++;
            }
        }
    }
    *o = '\0';
    return out;
}

static void merge_free(pgdb *d)
{
    for (size_t i = 0; i < d->nmg; i++) {
        free(d->mg[i].sql);
        free(d->mg[i].multi);
        free(d->mg[i].vals);
        free(d->mg[i].off);
        free(d->mg[i].v);
    }
    free(d->mg);
    d->mg = NULL;
    d->nmg = d->held = 0;
}

/* Forget every row held (the transaction ends without them). */
static void merge_drop(pgdb *d)
{
    for (size_t i = 0; i < d->nmg; i++)
        d->mg[i].rows = d->mg[i].vlen = 0;
    d->held = 0;
}

/* Send m's rows held: MERGE_ROWS of them as one statement, fewer one by
 * one.  An error is defer_one's, as if the rows had been deferred alone. */
static int merge_send(pgdb *d, struct merge *m)
{
    size_t rows = m->rows, nv = rows * (size_t)m->np;
    kz_dbval *v = m->v;
    int rc = 0;
    m->rows = 0;
    d->held -= rows;
    for (size_t i = 0; i < nv; i++)
        v[i] = m->off[i] == SIZE_MAX ? kz_dbnull()
                                     : kz_dbtext(m->vals + m->off[i], strlen(m->vals + m->off[i]));
    if (rows == MERGE_ROWS && m->multi) {
        rc = defer_one(&d->base, m->multi, v, (int)nv);
    } else {
        for (size_t r = 0; r < rows && !rc; r++)
            rc = defer_one(&d->base, m->sql, v + r * (size_t)m->np, m->np);
    }
    m->vlen = 0;
    return rc;
}

/* Send every row held, before anything else goes out. */
static int merge_flush(pgdb *d)
{
    int rc = 0;
    if (!d->held || d->flushing)
        return 0;
    d->flushing = 1;
    for (size_t i = 0; i < d->nmg; i++)
        if (d->mg[i].rows) {
            int r = merge_send(d, &d->mg[i]);
            if (!rc)
                rc = r;
        }
    d->flushing = 0;
    return rc;
}

/* Hold a row of sql (row: its "(...)"); 1 when held (*rc: what sending
 * the rows held said, when they went out), 0 when this row is to be sent
 * as it is instead (too many forms, no memory, a value PostgreSQL refuses:
 * defer_one says so as before). */
static int merge_hold(pgdb *d, const char *sql, const char *row, const kz_dbval *p, int np,
                      int *rc)
{
    uint64_t key = XXH3_64bits(sql, strlen(sql));
    struct merge *m = NULL;
    *rc = 0;
    for (int i = 0; i < np; i++)
        if (p[i].type == KZ_DB_TEXT && memchr(p[i].s, '\0', p[i].n))
            return 0;
    for (size_t i = 0; i < d->nmg && !m; i++)
        if (d->mg[i].key == key && !strcmp(d->mg[i].sql, sql))
            m = &d->mg[i];
    if (!m) {
        if (d->nmg == MERGE_FORMS || np <= 0 || np * MERGE_ROWS > 32767)
            return 0;
        if (!d->mg && !(d->mg = calloc(MERGE_FORMS, sizeof *d->mg)))
            return 0;
        struct merge *n = &d->mg[d->nmg];
        memset(n, 0, sizeof *n);
        n->sql = kz_strdup(sql);
        n->multi = merge_sql(sql, row, np, MERGE_ROWS);
        n->off = malloc((size_t)np * MERGE_ROWS * sizeof *n->off);
        n->v = malloc((size_t)np * MERGE_ROWS * sizeof *n->v);
        if (!n->sql || !n->multi || !n->off || !n->v) {
            free(n->sql);
            free(n->multi);
            free(n->off);
            free(n->v);
            return 0;
        }
        n->key = key;
        n->np = np;
        m = n;
        d->nmg++;
    }
    if (np != m->np)
        return 0;
    size_t vlen0 = m->vlen;
    for (int i = 0; i < np; i++) {
        size_t at = m->rows * (size_t)np + (size_t)i;
        char num[24];
        const char *s = NULL;
        size_t n = 0;
        if (p[i].type == KZ_DB_TEXT) {
            s = p[i].s;
            n = p[i].n;
        } else if (p[i].type == KZ_DB_INT) {
            n = kz_fmt_int(num, p[i].i);
            s = num;
        }
        if (!s) {
            m->off[at] = SIZE_MAX;
            continue;
        }
        if (KZ_GROW(m->vals, m->vcap, m->vlen + n + 1)) {
            m->vlen = vlen0;            /* this row is not held */
            return 0;
        }
        memcpy(m->vals + m->vlen, s, n);
        m->vals[m->vlen + n] = '\0';
        m->off[at] = m->vlen;
        m->vlen += n + 1;
    }
    m->rows++;
    d->held++;
    if (m->rows == MERGE_ROWS)
        *rc = merge_send(d, m);
    return 1;
}

static int pg_defer(kz_db *db, const char *sql, const kz_dbval *p, int np)
{
    pgdb *d = (pgdb *)db;
    const char *row;
    int rc;
    if (d->perr)
        return 0;                       /* reported where the pipeline is read */
    if ((row = merge_row(sql)) != NULL &&
        (d->pipe || PQtransactionStatus(d->c) == PQTRANS_INTRANS) &&
        merge_hold(d, sql, row, p, np, &rc))
        return rc;
    if ((rc = merge_flush(d)) != 0)
        return rc;
    return defer_one(db, sql, p, np);
}

static int pg_query(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res)
{
    pgdb *d = (pgdb *)db;
    char name[16];
    int rc, hit, i;
    PGresult *r = NULL;
    if (res)
        *res = NULL;
    if (!strncasecmp(sql, "ROLLBACK", 8)) {
        merge_drop(d);
    } else if ((rc = merge_flush(d)) != 0) {
        /* the rows held failed (as a deferred statement fails): the
         * transaction is aborted, and COMMIT must not report success */
        if (!strncasecmp(sql, "COMMIT", 6)) {
            char keep[sizeof d->err];
            memcpy(keep, d->err, sizeof keep);
            pipe_leave(d);
            PQclear(PQexec(d->c, "ROLLBACK"));
            memcpy(d->err, keep, sizeof keep);
            drop_sent(d);
        }
        return rc;
    }
    if (d->pipe && !d->perr && (i = cached(d, sql)) >= 0) {
        /* behind the statements deferred: their results first, then its */
        d->err[0] = '\0';
        if ((rc = params(d, p, np)) != 0) {
            pipe_leave(d);
            return rc;
        }
        if (pipe_send(d, i, np, 0) == 0 && PQsendFlushRequest(d->c) && PQflush(d->c) == 0) {
            d->pending--;               /* its own result is read here */
            pipe_read(d);
            r = pipe_result(d);
        }
        if (d->perr || !ok(r)) {
            if (!d->perr)
                pipe_check(d, r);
            else
                PQclear(r);
            return pipe_leave(d);
        }
    } else if (d->pipe) {
        int prc = pipe_leave(d);
        if (prc) {
            /* a deferred statement failed: the transaction is aborted;
             * COMMIT must not report success, so it rolls back */
            if (!strncasecmp(sql, "COMMIT", 6)) {
                char keep[sizeof d->err];
                memcpy(keep, d->err, sizeof keep);
                PQclear(PQexec(d->c, "ROLLBACK"));
                memcpy(d->err, keep, sizeof keep);
            }
            if (strncasecmp(sql, "ROLLBACK", 8))
                return prc;
        }
    }
    if (!r && (!strncasecmp(sql, "COMMIT", 6) || !strncasecmp(sql, "ROLLBACK", 8)))
        drop_sent(d);
    if (!r) {
        d->err[0] = '\0';
        if ((rc = params(d, p, np)) != 0 || (rc = prepared(d, sql, np, name, &hit)) != 0)
            return rc;
        r = hit ? PQexecPrepared(d->c, name, np, np ? d->vals : NULL, NULL, NULL, 0)
                : PQexecParams(d->c, sql, np, NULL, np ? d->vals : NULL, NULL, NULL, 0);
        if (!ok(r))
            return failed(d, r);
    }
    if (!res) {
        PQclear(r);
        return 0;
    }
    pgres *q = wrap(db, r);
    if (!q) {
        PQclear(r);
        return KZ_ENOMEM;
    }
    *res = &q->base;
    return 0;
}

static pgres *wrap(kz_db *db, PGresult *r)
{
    pgres *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->base.db = db;
    q->r = r;
    q->row = -1;
    q->nrows = PQntuples(r);
    return q;
}

/* Inside a transaction, a prepared statement goes into the pipeline and its
 * result is taken later; otherwise it runs now and its result waits. */
static int pg_send(kz_db *db, const char *sql, const kz_dbval *p, int np)
{
    pgdb *d = (pgdb *)db;
    int rc, i;
    if ((rc = merge_flush(d)) != 0)
        return rc;
    if (!d->perr && (i = cached(d, sql)) >= 0 &&
        (d->pipe || (PQtransactionStatus(d->c) == PQTRANS_INTRANS &&
                     PQenterPipelineMode(d->c)))) {
        d->pipe = 1;
        d->err[0] = '\0';
        if ((rc = params(d, p, np)) != 0) {
            if (!d->perr)
                d->perr = rc;
            return rc;
        }
        if ((rc = pipe_send(d, i, np, 1)) != 0)
            return rc;
        if (d->pending >= PIPE_READ_EVERY) {
            if (PQsendFlushRequest(d->c) && PQflush(d->c) == 0)
                pipe_read(d);
        }
        return 0;
    }
    kz_dbres *res = NULL;
    struct sent e = { NULL, 0 };
    if (d->perr)
        e.rc = d->perr;
    else if ((e.rc = pg_query(db, sql, p, np, &res)) == 0)
        e.res = (pgres *)res;
    if (d->thead && d->thead == d->tlen)
        d->thead = d->tlen = 0;
    if (KZ_GROW(d->took, d->tcap, d->tlen + 1)) {
        kz_dbres_done(res);
        return KZ_ENOMEM;
    }
    d->took[d->tlen++] = e;
    return e.rc;
}

static int pg_take(kz_db *db, kz_dbres **res)
{
    pgdb *d = (pgdb *)db;
    *res = NULL;
    if (d->thead == d->tlen && d->pipe && d->pending) {
        if (PQsendFlushRequest(d->c) && PQflush(d->c) == 0) {
            pipe_read(d);
        } else if (!d->perr) {
            set_err(d, PQerrorMessage(d->c));
            d->perr = KZ_EDB;
        }
    }
    if (d->thead == d->tlen) {
        if (!d->perr)
            set_err(d, "no result sent for");
        return d->perr ? d->perr : KZ_EINTERNAL;
    }
    struct sent e = d->took[d->thead++];
    if (e.rc)
        return e.rc;
    *res = &e.res->base;
    return 0;
}

static int pg_next(kz_dbres *r)
{
    pgres *q = (pgres *)r;
    if (q->row + 1 >= q->nrows) {
        q->row = q->nrows;
        return 0;
    }
    q->row++;
    return 1;
}

static int valid(const pgres *q, int col)
{
    return q->row >= 0 && q->row < q->nrows && col >= 0 && col < PQnfields(q->r);
}

static int64_t pg_int(kz_dbres *r, int col)
{
    pgres *q = (pgres *)r;
    if (!valid(q, col) || PQgetisnull(q->r, q->row, col))
        return 0;
    return strtoll(PQgetvalue(q->r, q->row, col), NULL, 10);
}

static const char *pg_text(kz_dbres *r, int col, size_t *len)
{
    pgres *q = (pgres *)r;
    if (len)
        *len = 0;
    if (!valid(q, col) || PQgetisnull(q->r, q->row, col))
        return NULL;
    if (len)
        *len = (size_t)PQgetlength(q->r, q->row, col);
    return PQgetvalue(q->r, q->row, col);
}

static int pg_null(kz_dbres *r, int col)
{
    pgres *q = (pgres *)r;
    return !valid(q, col) || PQgetisnull(q->r, q->row, col);
}

static void pg_done(kz_dbres *r)
{
    pgres *q = (pgres *)r;
    PQclear(q->r);
    free(q);
}

static const char *pg_errmsg(kz_db *db)
{
    pgdb *d = (pgdb *)db;
    if (!d->err[0])
        set_err(d, PQstatus(d->c) == CONNECTION_OK ? "no error" : PQerrorMessage(d->c));
    return d->err;
}

/* Any notification pending or arriving within ms (poll on the socket). */
static int pg_wait_notify(kz_db *db, int ms)
{
    pgdb *d = (pgdb *)db;
    int got = 0;
    PGnotify *n;
    if (PQconsumeInput(d->c) == 0)
        return KZ_EDB;
    while ((n = PQnotifies(d->c)) != NULL) {
        got = 1;
        PQfreemem(n);
    }
    if (got)
        return 1;
    struct pollfd pfd = { PQsocket(d->c), POLLIN, 0 };
    if (pfd.fd < 0)
        return KZ_EDB;
    if (poll(&pfd, 1, ms) <= 0)
        return 0;
    if (PQconsumeInput(d->c) == 0)
        return KZ_EDB;
    while ((n = PQnotifies(d->c)) != NULL) {
        got = 1;
        PQfreemem(n);
    }
    return got;
}

static int pg_try_lock(kz_db *db, int64_t key)
{
    int64_t got = 0;
    kz_dbval p[] = { kz_dbint(key) };
    int rc = kz_db_int(db, "SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END", p, 1,
                       &got);
    return rc ? rc : got ? 0 : KZ_EBUSY;
}

static void pg_unlock(kz_db *db, int64_t key)
{
    kz_dbval p[] = { kz_dbint(key) };
    kz_dbres *r = NULL;
    if (pg_query(db, "SELECT pg_advisory_unlock($1)", p, 1, &r) == 0)
        kz_dbres_done(r);
}

const kz_db_ops kz_db_pg_ops = {
    .scheme = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .query = pg_query,
    .defer = pg_defer,
    .send = pg_send,
    .take = pg_take,
    .next = pg_next,
    .col_int = pg_int,
    .col_text = pg_text,
    .col_null = pg_null,
    .done = pg_done,
    .errmsg = pg_errmsg,
    .wait_notify = pg_wait_notify,
    .try_lock = pg_try_lock,
    .unlock = pg_unlock,
    .busy_code = KZ_EBUSY,
};
