/*
 * store/sqlite.c - the SQLite backend of store/db.h (the embedded default).
 *
 * WAL journal, synchronous=NORMAL (durable at checkpoints, never corrupt),
 * foreign keys on, a 10 s busy timeout so concurrent processes wait rather
 * than fail.  Prepared statements are cached by their SQL text (hash, then
 * the text itself), so the hot loops of ingest prepare each statement once.
 *
 * For ingest's speed (docs/performance.md "Ingest"): pages of 16 KiB in a
 * new database instead of 4 KiB (fewer pages to write, find and checkpoint
 * per row: the default ingest ~10% faster, --store-all ~12%), a page cache of up to
 * 64 MiB (the default 2 MiB spilled dirty pages to the WAL in the middle of
 * a batch and read them back), a checkpoint when the log holds 64 MiB
 * instead of 1,000 pages (each copies pages into the database and syncs
 * it; kz_db_bulk moves them off the writer altogether), text
 * parameters bound without a copy when the statement runs to its end
 * inside the call, and "INSERT ... VALUES ... RETURNING id" run as the
 * INSERT alone with the new row's rowid as its one row: SQLite answers
 * RETURNING through a temporary table opened and closed for every row,
 * which cost as much as the insert.
 */
#include "db.h"
#include "util/pool.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define CACHE 64
#define WAL_CHECKPOINT_BYTES ((int64_t)64 << 20)   /* the committing writer copies the log */

typedef struct sqres {
    kz_dbres      base;
    sqlite3_stmt *st;
    int           rowid;        /* 1: one row, rowid_val; 2: taken (an INSERT RETURNING id) */
    int64_t       rowid_val;
    char          rowid_txt[24];
} sqres;

/* kz_db_bulk's checkpointer: a thread and its own connection */
typedef struct ckpt {
    pthread_t       t;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    sqlite3        *h;
    int             pages;      /* a checkpoint once the log holds this many */
    int             cap;        /* and by the writer past this many */
    int             want, running;
    volatile sig_atomic_t stop;
} ckpt;

typedef struct sqdb {
    kz_db    base;
    sqlite3 *h;
    int      page;                /* the database's page size */
    ckpt    *ck;                  /* kz_db_bulk, or NULL */
    struct { uint64_t key; char *sql; sqlite3_stmt *st; int rowid; } cache[CACHE];
    size_t   ncache, next_evict;
    sqres    res;                 /* one result walk at a time */
    int      lockfd;              /* "PATH-locks" (kz_db_try_lock), -1 until needed */
} sqdb;

/* Once per process, before the first connection: no memory statistics.
 * With them, every allocation SQLite makes takes one mutex shared by all
 * connections (the writer's and the checkpointer's); kuzet never asks
 * sqlite3_memory_used. */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static void sq_config(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

static int sq_open(kz_db **out, const char *target, char *err, size_t errsz)
{
    pthread_once(&sq_once, sq_config);
    sqdb *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errsz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    d->base.ops = &kz_db_sqlite_ops;
    d->lockfd = -1;
    int rc = sqlite3_open_v2(target, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errsz, "%s: %s", target, d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
        sqlite3_close(d->h);
        free(d);
        return KZ_EDB;
    }
    sqlite3_busy_timeout(d->h, 10000);
    sqlite3_extended_result_codes(d->h, 1);
    char *msg = NULL;
    /* page_size: for a new database only (an existing one keeps its own) */
    if (sqlite3_exec(d->h, "PRAGMA page_size=16384; "
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                     "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;", NULL, NULL,
                     &msg) != SQLITE_OK) {
        snprintf(err, errsz, "%s: %s", target, msg ? msg : "cannot set up the database");
        sqlite3_free(msg);
        sqlite3_close(d->h);
        free(d);
        return KZ_EDB;
    }
    /* the log copied into the database when it holds 64 MiB, whatever the
     * page size (an older database may have pages of 4 KiB) */
    sqlite3_stmt *st = NULL;
    d->page = 4096;
    if (sqlite3_prepare_v2(d->h, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) >= 512)
        d->page = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_wal_autocheckpoint(d->h, (int)(WAL_CHECKPOINT_BYTES / d->page));
    *out = &d->base;
    return 0;
}

/* ---- kz_db_bulk: checkpoints on a thread of their own ---------------------- */

static void *ckpt_main(void *arg)
{
    ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->want && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        c->want = 0;
        c->running = 1;
        pthread_mutex_unlock(&c->mu);
        /* PASSIVE: copies what no reader still needs, never waits for the
         * writer, which goes on appending; a failure (a reader in the way)
         * is tried again after the next commit */
        sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
        c->running = 0;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* sqlite3_wal_hook: after each commit, with the pages now in the log.
 * The log starts again from its beginning only when a write transaction
 * begins with all of it copied, which the thread alone seldom achieves
 * while the writer commits batch after batch: past the writer's own
 * threshold, the writer waits for the thread's copy to end and copies the
 * rest itself (most of it is done), so the log stays about as small as
 * without kz_db_bulk. */
static int ckpt_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
    ckpt *c = arg;
    if (pages >= c->cap) {
        pthread_mutex_lock(&c->mu);
        c->want = 0;
        while (c->running)
            pthread_cond_wait(&c->cv, &c->mu);
        pthread_mutex_unlock(&c->mu);
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (pages >= c->pages) {
        pthread_mutex_lock(&c->mu);
        c->want = 1;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

static void ckpt_free(ckpt *c, int started)
{
    if (!c)
        return;
    if (started) {
        kz_thread_stop(c->t, &c->mu, &c->cv, &c->stop);
    }
    sqlite3_close(c->h);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int sq_bulk(kz_db *db)
{
    sqdb *d = (sqdb *)db;
    const char *file = sqlite3_db_filename(d->h, "main");
    if (d->ck || !file || !*file)
        return 0;                   /* already, or in memory: no log to copy */
    ckpt *c = calloc(1, sizeof *c);
    if (!c)
        return KZ_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->pages = (int)(KZ_DB_BULK_WAL_BYTES / d->page);
    c->cap = (int)(WAL_CHECKPOINT_BYTES / d->page);
    if (sqlite3_open_v2(file, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(c->h, "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK) {
        ckpt_free(c, 0);
        return KZ_EDB;
    }
    if (kz_thread_start(&c->t, ckpt_main, c) != 0) {
        ckpt_free(c, 0);
        return KZ_EDB;
    }
    d->ck = c;
    sqlite3_wal_hook(d->h, ckpt_hook, c);   /* in place of wal_autocheckpoint */
    return 0;
}

static void sq_close(kz_db *db)
{
    sqdb *d = (sqdb *)db;
    if (d->ck) {
        sqlite3_wal_hook(d->h, NULL, NULL);
        ckpt_free(d->ck, 1);        /* first: the close below copies what is left */
    }
    for (size_t i = 0; i < d->ncache; i++) {
        sqlite3_finalize(d->cache[i].st);
        free(d->cache[i].sql);
    }
    if (d->lockfd >= 0)
        close(d->lockfd);           /* releases every lock this connection holds */
    sqlite3_close(d->h);
    free(d);
}

#define RETURNING_ID " RETURNING id"

/* "INSERT INTO t (...) VALUES (...) RETURNING id": one row inserted, whose
 * id is its rowid (every table's id is its INTEGER PRIMARY KEY), or with
 * "ON CONFLICT ... DO NOTHING" one row or none.  Not an upsert that
 * updates (an update leaves the rowid alone) nor INSERT ... SELECT. */
static int rowid_insert(const char *sql)
{
    size_t n = strlen(sql), r = strlen(RETURNING_ID);
    const char *oc = strstr(sql, "ON CONFLICT");
    return n > r && !strncmp(sql, "INSERT INTO ", 12) && !strcmp(sql + n - r, RETURNING_ID) &&
           (!oc || (!strstr(oc, "DO UPDATE") && n - r >= 11 &&
                    !strncmp(sql + n - r - 11, " DO NOTHING", 11))) &&
           !strstr(sql, "SELECT") && strstr(sql, " VALUES (");
}

/* $1 -> ?1, outside string literals; without the RETURNING clause of a
 * rowid_insert */
static char *translate(const char *sql, int rowid)
{
    size_t n = strlen(sql) - (rowid ? strlen(RETURNING_ID) : 0);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (c == '\'')
            quoted = !quoted;
        o[i] = (!quoted && c == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') ? '?' : c;
    }
    o[n] = '\0';
    return o;
}

static int map_rc(int rc)
{
    int base = rc & 0xff;
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
        return KZ_EBUSY;
    return KZ_EDB;
}

static sqlite3_stmt *prepare(sqdb *d, const char *sql, int *rowidp, int *rcp)
{
    uint64_t key = XXH3_64bits(sql, strlen(sql));
    for (size_t i = 0; i < d->ncache; i++)
        if (d->cache[i].key == key && !strcmp(d->cache[i].sql, sql)) {
            *rowidp = d->cache[i].rowid;
            return d->cache[i].st;
        }
    int rowid = rowid_insert(sql);
    char *t = translate(sql, rowid);
    sqlite3_stmt *st = NULL;
    if (!t) {
        *rcp = KZ_ENOMEM;
        return NULL;
    }
    int rc = sqlite3_prepare_v2(d->h, t, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(t);
        *rcp = map_rc(rc);
        return NULL;
    }
    size_t slot = d->ncache < CACHE ? d->ncache++ : d->next_evict++ % CACHE;
    if (d->cache[slot].st) {
        sqlite3_finalize(d->cache[slot].st);
        free(d->cache[slot].sql);
    }
    d->cache[slot].key = key;
    d->cache[slot].sql = kz_strdup(sql);
    d->cache[slot].st = st;
    d->cache[slot].rowid = rowid;
    *rowidp = rowid;
    free(t);
    if (!d->cache[slot].sql) {
        sqlite3_finalize(st);
        d->cache[slot].st = NULL;
        d->ncache = slot;
        *rcp = KZ_ENOMEM;
        return NULL;
    }
    return st;
}

static int sq_query(kz_db *db, const char *sql, const kz_dbval *p, int np, kz_dbres **res)
{
    sqdb *d = (sqdb *)db;
    int rc = KZ_EDB, rowid = 0;
    sqlite3_stmt *st = prepare(d, sql, &rowid, &rc);
    if (!st)
        return rc;
    /* the parameters outlive the statement's run when it runs to its end
     * here: no copy of their text then */
    int now = !res || rowid;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int i = 0; i < np; i++) {
        int brc;
        switch (p[i].type) {
        case KZ_DB_INT:  brc = sqlite3_bind_int64(st, i + 1, p[i].i); break;
        case KZ_DB_TEXT: brc = sqlite3_bind_text(st, i + 1, p[i].s, (int)p[i].n,
                                                 now ? SQLITE_STATIC : SQLITE_TRANSIENT); break;
        default:         brc = sqlite3_bind_null(st, i + 1); break;
        }
        if (brc != SQLITE_OK) {
            sqlite3_clear_bindings(st);
            return map_rc(brc);
        }
    }
    if (res && !rowid) {
        d->res.base.db = db;
        d->res.st = st;
        d->res.rowid = 0;
        *res = &d->res.base;
        return 0;
    }
    for (;;) {
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE) {
            int changed = sqlite3_changes(d->h);
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);         /* no pointer into the caller's text left */
            if (res) {                          /* the row RETURNING id would give */
                d->res.base.db = db;
                d->res.st = st;
                d->res.rowid = changed == 1 ? 1 : 2;
                d->res.rowid_val = sqlite3_last_insert_rowid(d->h);
                *res = &d->res.base;
            }
            return 0;
        }
        if (s != SQLITE_ROW) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return map_rc(s);
        }
    }
}

static int sq_next(kz_dbres *r)
{
    sqres *q = (sqres *)r;
    if (q->rowid) {
        if (q->rowid == 2)
            return 0;
        q->rowid = 2;
        return 1;
    }
    int s = sqlite3_step(q->st);
    if (s == SQLITE_ROW)
        return 1;
    if (s == SQLITE_DONE)
        return 0;
    return map_rc(s);
}

static int64_t sq_int(kz_dbres *r, int col)
{
    sqres *q = (sqres *)r;
    return q->rowid ? (col == 0 ? q->rowid_val : 0) : sqlite3_column_int64(q->st, col);
}

static const char *sq_text(kz_dbres *r, int col, size_t *len)
{
    sqres *q = (sqres *)r;
    if (q->rowid) {
        int n = snprintf(q->rowid_txt, sizeof q->rowid_txt, "%lld", (long long)q->rowid_val);
        if (len)
            *len = col == 0 ? (size_t)n : 0;
        return col == 0 ? q->rowid_txt : NULL;
    }
    sqlite3_stmt *st = q->st;
    const char *s = (const char *)sqlite3_column_text(st, col);
    if (len)
        *len = s ? (size_t)sqlite3_column_bytes(st, col) : 0;
    return s;
}

static int sq_null(kz_dbres *r, int col)
{
    sqres *q = (sqres *)r;
    return q->rowid ? col != 0 : sqlite3_column_type(q->st, col) == SQLITE_NULL;
}

static void sq_done(kz_dbres *r)
{
    sqres *q = (sqres *)r;
    if (!q->rowid)
        sqlite3_reset(q->st);
    q->rowid = 0;
}

static const char *sq_errmsg(kz_db *db) { return sqlite3_errmsg(((sqdb *)db)->h); }

/* One byte of "PATH-locks" per key, locked with an open-file-description
 * lock: owned by this connection's descriptor (not the process, so two
 * connections of one process exclude each other too) and dropped when it
 * is closed or the process dies. */
static int sq_lockop(sqdb *d, int64_t key, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = (off_t)key;
    fl.l_len = 1;
    return fcntl(d->lockfd, F_OFD_SETLK, &fl);
}

static int sq_try_lock(kz_db *db, int64_t key)
{
    sqdb *d = (sqdb *)db;
    if (d->lockfd < 0) {
        const char *path = sqlite3_db_filename(d->h, "main");
        char lp[4096];
        if (!path || !*path)
            return 0;               /* in memory: this connection is the only one */
        if (snprintf(lp, sizeof lp, "%s-locks", path) >= (int)sizeof lp)
            return KZ_EINVAL;
        if ((d->lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
            return KZ_EIO;
    }
    if (sq_lockop(d, key, F_WRLCK) == 0)
        return 0;
    return errno == EAGAIN || errno == EACCES ? KZ_EBUSY : KZ_EIO;
}

static void sq_unlock(kz_db *db, int64_t key)
{
    sqdb *d = (sqdb *)db;
    if (d->lockfd >= 0)
        sq_lockop(d, key, F_UNLCK);
}

const kz_db_ops kz_db_sqlite_ops = {
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .query = sq_query,
    .next = sq_next,
    .col_int = sq_int,
    .col_text = sq_text,
    .col_null = sq_null,
    .done = sq_done,
    .errmsg = sq_errmsg,
    .bulk = sq_bulk,
    .try_lock = sq_try_lock,
    .unlock = sq_unlock,
    .busy_code = KZ_EBUSY,
};
