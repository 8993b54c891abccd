/*
 * store/frontier.c - the crawl frontier in the store (store/frontier.h):
 * crawl_sources, crawl_origins and crawl_urls of migration 5, written
 * through store/db.h in the SQL both backends share.
 *
 * New URLs wait in a small buffer (ADD_ROWS) and go in as one multi-row
 * INSERT ... ON CONFLICT DO NOTHING RETURNING id (the rows returned are the
 * ones that were new); the buffer is written before anything reads the
 * table (take, claim, origins, commit).  One transaction stays open across
 * operations and is committed every `batch` URLs done.  Origin ids are
 * looked up in the database, with the last one remembered (the links of a
 * page are mostly on its own origin).
 */
#include "store/frontier.h"
#include "util/buf.h"
#include <time.h>

#define ADD_ROWS 64                 /* rows per multi-row INSERT */
#define ADD_COLS 9

struct pending {
    int64_t  origin_id;
    unsigned depth;
    int      seed, is_seed, kind;
    size_t   key, url;              /* offsets in kz_frontier.pbuf */
    size_t   keylen, urllen;
};

struct kz_frontier {
    kz_store      *st;
    kz_db         *db;
    int64_t        source;
    size_t         batch;
    int            in_tx;
    size_t         done_in_tx;      /* URLs done in the open transaction */
    int            new_pass;
    size_t         queued;
    struct pending pend[ADD_ROWS];
    size_t         npend;
    kz_buf         pbuf;            /* the pending rows' strings */
    kz_buf         sql;             /* the multi-row INSERT */
    char          *last_origin;     /* origin -> id, the last one asked */
    int64_t        last_origin_id;
    char           now[21];
    int            locked;          /* the source's lock is held (lock_source) */
    int            shared;          /* kz_frontier_opts.shared */
    char          *only;            /* kz_frontier_opts.origin: the one origin taken */
    char           name[KZ_FRONTIER_NAME_MAX + 1];
    /* a page's content hash and charset wait for its URL to be done, and
     * go into the same UPDATE: one row version written instead of three
     * (on PostgreSQL every UPDATE writes a new one, with every index) */
    int64_t        page_id;         /* 0: nothing waits */
    char           page_sha[65];    /* "": none */
    char           page_cs[64], page_cs_src[32];
};

int kz_frontier_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > KZ_FRONTIER_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

static const char *now(kz_frontier *f)
{
    kz_store_now(f->now);
    return f->now;
}

/* Say on the store what was being done when rc came (the server's message
 * with it; kz_store_errmsg), and return rc. */
static int fail(kz_frontier *f, int rc, const char *what)
{
    if (rc == KZ_EDB || rc == KZ_EBUSY)
        kz_store_set_errmsg(f->st, "crawl of source %s: %s: %s", f->name, what,
                            kz_db_errmsg(f->db));
    else if (rc < 0 && rc != KZ_ENOTFOUND)
        kz_store_set_errmsg(f->st, "crawl of source %s: %s: %s", f->name, what,
                            kz_strerror(rc));
    return rc;
}

int kz_frontier_begin(kz_frontier *f)
{
    if (f->in_tx)
        return 0;
    int rc = kz_store_begin_late(f->st);       /* the write lock only when a page is stored */
    if (rc == 0) {
        f->in_tx = 1;
        f->done_in_tx = 0;
    }
    return rc;
}

/* The multi-row INSERT for n rows ($1 source, then ADD_COLS-1 per row). */
static int add_sql(kz_frontier *f, size_t n)
{
    kz_buf_reset(&f->sql);
    int rc = kz_buf_adds(&f->sql, "INSERT INTO crawl_urls (source_id, origin_id, ukey, url, kind, "
                                  "depth, seed, is_seed, queued_at, state) VALUES ");
    int p = 2;
    for (size_t i = 0; i < n && !rc; i++, p += ADD_COLS - 1)
        rc = kz_buf_addf(&f->sql, "%s($1, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, 'queued')",
                         i ? ", " : "", p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7);
    if (!rc)
        rc = kz_buf_adds(&f->sql, " ON CONFLICT (source_id, ukey) DO NOTHING RETURNING id");
    return rc;
}

/* Insert pend[from..from+n) with one statement; count the new rows. */
static int add_rows(kz_frontier *f, size_t from, size_t n)
{
    kz_dbval p[1 + ADD_ROWS * (ADD_COLS - 1)];
    kz_dbres *r = NULL;
    int np = 0, rc;
    if ((rc = add_sql(f, n)) != 0)
        return rc;
    p[np++] = kz_dbint(f->source);
    for (size_t i = from; i < from + n; i++) {
        const struct pending *e = &f->pend[i];
        p[np++] = kz_dbint(e->origin_id);
        p[np++] = kz_dbtext(f->pbuf.p + e->key, e->keylen);
        p[np++] = kz_dbtext(f->pbuf.p + e->url, e->urllen);
        p[np++] = kz_dbint(e->kind);
        p[np++] = kz_dbint(e->depth);
        p[np++] = kz_dbint(e->seed);
        p[np++] = kz_dbint(e->is_seed);
        p[np++] = kz_dbstr(f->now);
    }
    if ((rc = kz_db_query(f->db, f->sql.p, p, np, &r)) != 0)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1)
        f->queued++;
    kz_dbres_done(r);
    return rc < 0 ? rc : 0;
}

/* Write the pending new URLs (inside the open transaction). */
static int flush_adds(kz_frontier *f)
{
    int rc = 0;
    if (!f->npend)
        return 0;
    if ((rc = kz_frontier_begin(f)) != 0)
        return rc;
    now(f);
    size_t i = 0;
    if (f->npend == ADD_ROWS) {
        rc = add_rows(f, 0, ADD_ROWS);
        i = ADD_ROWS;
    }
    for (; i < f->npend && !rc; i++)            /* a partial batch: one statement, cached */
        rc = add_rows(f, i, 1);
    f->npend = 0;
    kz_buf_reset(&f->pbuf);
    return rc;
}

static int flush_page(kz_frontier *f);

int kz_frontier_commit(kz_frontier *f)
{
    int rc = flush_adds(f);
    if (rc) {
        fail(f, rc, "queueing new URLs");
        kz_frontier_rollback(f);
        return rc;
    }
    if (f->page_id && (rc = flush_page(f)) != 0) {
        fail(f, rc, "recording a page's content hash");
        kz_frontier_rollback(f);
        return rc;
    }
    if (!f->in_tx)
        return 0;
    f->in_tx = 0;
    f->done_in_tx = 0;
    if ((rc = kz_store_commit(f->st)) != 0)
        kz_store_rollback(f->st);
    return rc;
}

int kz_frontier_rollback(kz_frontier *f)
{
    f->page_id = 0;
    f->npend = 0;
    kz_buf_reset(&f->pbuf);
    if (!f->in_tx)
        return 0;
    f->in_tx = 0;
    f->done_in_tx = 0;
    return kz_store_rollback(f->st);
}

/* The id of origin (created when new); 0 with *id, or an error. */
static int origin_id(kz_frontier *f, const char *origin, int create, int64_t *id)
{
    if (f->last_origin && !strcmp(f->last_origin, origin)) {
        *id = f->last_origin_id;
        return 0;
    }
    kz_dbval p[] = { kz_dbint(f->source), kz_dbstr(origin) };
    int rc = kz_db_int(f->db, "SELECT id FROM crawl_origins WHERE source_id = $1 AND origin = $2",
                       p, 2, id);
    if (rc == KZ_ENOTFOUND && create) {
        if ((rc = kz_frontier_begin(f)) != 0)
            return rc;
        /* another worker's transaction may add it at the same time */
        rc = kz_db_int(f->db, "INSERT INTO crawl_origins (source_id, origin) VALUES ($1, $2) "
                              "ON CONFLICT (source_id, origin) DO NOTHING RETURNING id", p, 2, id);
        if (rc == KZ_ENOTFOUND)
            rc = kz_db_int(f->db, "SELECT id FROM crawl_origins WHERE source_id = $1 AND "
                                  "origin = $2", p, 2, id);
    }
    if (rc)
        return rc;
    char *o = kz_strdup(origin);
    if (!o)
        return KZ_ENOMEM;
    free(f->last_origin);
    f->last_origin = o;
    f->last_origin_id = *id;
    return 0;
}

/* ---- the kz_frontier_ops interface ---- */

static int fr_add_(kz_frontier *f, const kz_frontier_job *j);

static int fr_add(void *self, const kz_frontier_job *j)
{
    kz_frontier *f = self;
    int rc = fr_add_(f, j);
    return rc < 0 ? fail(f, rc, "queueing a URL") : rc;
}

static int fr_add_(kz_frontier *f, const kz_frontier_job *j)
{
    int64_t oid = 0;
    int rc = origin_id(f, j->origin, 1, &oid);
    if (rc)
        return rc;
    if (j->is_seed && f->new_pass) {
        /* a new pass starts again from the seeds */
        if ((rc = flush_adds(f)) != 0)
            return rc;
        kz_dbval p[] = { kz_dbint(f->source), kz_dbint(oid), kz_dbstr(j->key), kz_dbstr(j->url),
                         kz_dbint(j->kind), kz_dbint(j->seed), kz_dbstr(now(f)) };
        kz_dbres *r = NULL;
        if ((rc = kz_db_query(f->db, "INSERT INTO crawl_urls (source_id, origin_id, ukey, url, "
                                     "kind, depth, seed, is_seed, queued_at, state) VALUES ($1, $2, "
                                     "$3, $4, $5, 0, $6, 1, $7, 'queued') ON CONFLICT (source_id, "
                                     "ukey) DO UPDATE SET state = 'queued', depth = 0, is_seed = 1, "
                                     "seed = excluded.seed, origin_id = excluded.origin_id, "
                                     "queued_at = excluded.queued_at "
                                     "WHERE crawl_urls.state = 'done' RETURNING id",
                              p, 7, &r)) != 0)
            return rc;
        int n = 0;
        while ((rc = kz_dbres_next(r)) == 1)
            n++;
        kz_dbres_done(r);
        if (rc < 0)
            return rc;
        f->queued += (size_t)n;
        return 1;
    }
    struct pending *e = &f->pend[f->npend];
    e->origin_id = oid;
    e->depth = j->depth;
    e->seed = j->seed;
    e->is_seed = j->is_seed;
    e->kind = j->kind;
    e->key = f->pbuf.len;
    e->keylen = strlen(j->key);
    if ((rc = kz_buf_add(&f->pbuf, j->key, e->keylen)) != 0)
        return rc;
    e->url = f->pbuf.len;
    e->urllen = strlen(j->url);
    if ((rc = kz_buf_add(&f->pbuf, j->url, e->urllen)) != 0)
        return rc;
    if (++f->npend == ADD_ROWS && (rc = flush_adds(f)) != 0)
        return rc;
    return 1;
}

static int claim_(void *self, const char *key, const char *url)
{
    kz_frontier *f = self;
    kz_dbres *r = NULL;
    int rc = flush_adds(f);
    if (rc || (rc = kz_frontier_begin(f)) != 0)
        return rc;
    kz_dbval p[] = { kz_dbint(f->source), kz_dbstr(key), kz_dbstr(url), kz_dbstr(now(f)) };
    if ((rc = kz_db_query(f->db, "INSERT INTO crawl_urls (source_id, origin_id, ukey, url, kind, "
                                 "depth, seed, is_seed, queued_at, fetched_at, outcome, state) "
                                 "VALUES ($1, NULL, $2, $3, 0, 0, 0, 0, $4, $4, 'redirect', 'done') "
                                 "ON CONFLICT (source_id, ukey) DO NOTHING RETURNING id",
                          p, 4, &r)) != 0)
        return rc;
    int n = 0;
    while ((rc = kz_dbres_next(r)) == 1)
        n++;
    kz_dbres_done(r);
    return rc < 0 ? rc : n > 0;
}

static int take_(void *self, const char *origin, int64_t *cursor, size_t max,
                 kz_frontier_job_fn fn, void *arg)
{
    kz_frontier *f = self;
    int64_t oid = 0;
    kz_dbres *r = NULL;
    int rc = flush_adds(f);
    if (rc)
        return rc;
    if (f->only && strcmp(f->only, origin))
        return 0;                       /* another lease's */
    if ((rc = origin_id(f, origin, 0, &oid)) != 0)
        return rc == KZ_ENOTFOUND ? 0 : rc;
    kz_dbval p[] = { kz_dbint(oid), kz_dbint(*cursor), kz_dbint((int64_t)max) };
    if ((rc = kz_db_query(f->db, "SELECT id, url, depth, seed, is_seed, kind FROM crawl_urls "
                                 "WHERE origin_id = $1 AND state = 'queued' AND id > $2 "
                                 "ORDER BY id LIMIT $3", p, 3, &r)) != 0)
        return rc;
    int n = 0, frc = 0;
    while (!frc && (rc = kz_dbres_next(r)) == 1) {
        const char *url = kz_dbres_text(r, 1, NULL);
        kz_frontier_job j = { kz_dbres_int(r, 0), "", url ? url : "", origin,
                           (unsigned)kz_dbres_int(r, 2), (int)kz_dbres_int(r, 3),
                           (int)kz_dbres_int(r, 4), (int)kz_dbres_int(r, 5) };
        if ((frc = fn(arg, &j)) == 0) {
            *cursor = j.id;
            n++;
        }
    }
    kz_dbres_done(r);
    if (frc)
        return frc;
    return rc < 0 ? rc : n;
}

static int done_(void *self, int64_t id, const char *outcome, long status)
{
    kz_frontier *f = self;
    int rc = kz_frontier_begin(f);
    if (rc)
        return rc;
    if (f->page_id && f->page_id != id && (rc = flush_page(f)) != 0)
        return rc;
    int mine = f->page_id == id;
    kz_dbval p[] = { kz_dbstr(now(f)), kz_dbstr(outcome), status ? kz_dbint(status) : kz_dbnull(),
                     kz_dbint(id),
                     mine && f->page_sha[0] ? kz_dbstr(f->page_sha) : kz_dbnull(),
                     mine && f->page_cs[0] ? kz_dbstr(f->page_cs) : kz_dbnull(),
                     mine && f->page_cs[0] ? kz_dbstr(f->page_cs_src) : kz_dbnull() };
    /* deferred (db.h): on PostgreSQL sent without waiting; a failure comes
     * back from the transaction's commit */
    if ((rc = kz_db_defer(f->db, "UPDATE crawl_urls SET state = 'done', fetched_at = $1, "
                                 "outcome = $2, status = $3, fetches = fetches + 1, "
                                 "content_sha256 = COALESCE($5, content_sha256), "
                                 "charset = COALESCE($6, charset), "
                                 "charset_source = COALESCE($7, charset_source) WHERE id = $4",
                          p, 7)) != 0)
        return rc;
    f->page_id = 0;
    if (f->queued)
        f->queued--;
    if (++f->done_in_tx >= f->batch)
        return kz_frontier_commit(f);
    return 0;
}

static int origins_(void *self, kz_frontier_origin_fn fn, void *arg)
{
    kz_frontier *f = self;
    kz_dbres *r = NULL;
    int rc = flush_adds(f);
    if (rc)
        return rc;
    kz_dbval p[] = { kz_dbint(f->source) };
    if ((rc = kz_db_query(f->db, "SELECT o.origin FROM crawl_origins o WHERE o.source_id = $1 "
                                 "AND EXISTS (SELECT 1 FROM crawl_urls u WHERE u.origin_id = o.id "
                                 "AND u.state = 'queued') ORDER BY o.id", p, 1, &r)) != 0)
        return rc;
    int frc = 0;
    while (!frc && (rc = kz_dbres_next(r)) == 1) {
        const char *o = kz_dbres_text(r, 0, NULL);
        if (o && (!f->only || !strcmp(o, f->only)))
            frc = fn(arg, o);
    }
    kz_dbres_done(r);
    return frc ? frc : rc < 0 ? rc : 0;
}

static int fr_claim(void *self, const char *key, const char *url)
{
    int rc = claim_(self, key, url);
    return rc < 0 ? fail(self, rc, "recording a redirect") : rc;
}

static int fr_take(void *self, const char *origin, int64_t *cursor, size_t max,
                   kz_frontier_job_fn fn, void *arg)
{
    int rc = take_(self, origin, cursor, max, fn, arg);
    return rc < 0 ? fail(self, rc, "reading the queue") : rc;
}

static int fr_done(void *self, int64_t id, const char *outcome, long status)
{
    int rc = done_(self, id, outcome, status);
    return rc < 0 ? fail(self, rc, "marking a URL done") : rc;
}

static int fr_origins(void *self, kz_frontier_origin_fn fn, void *arg)
{
    int rc = origins_(self, fn, arg);
    return rc < 0 ? fail(self, rc, "listing the sites with queued URLs") : rc;
}

static size_t fr_queued(void *self) { return ((kz_frontier *)self)->queued; }

void kz_frontier_bind(kz_frontier *f, kz_frontier_ops *out)
{
    *out = (kz_frontier_ops){ f, fr_add, fr_claim, fr_take, fr_done, fr_origins, fr_queued };
}

size_t kz_frontier_queued(const kz_frontier *f) { return f->queued; }

static int content_(kz_frontier *f, int64_t id, const char *sha256);

int kz_frontier_content(kz_frontier *f, int64_t id, const char *sha256)
{
    int rc = content_(f, id, sha256);
    return rc < 0 ? fail(f, rc, "recording a page's content hash") : rc;
}

/* What waits for a page's URL to be done, written now on its own (the
 * next page's content asked about, a commit). */
static int flush_page(kz_frontier *f)
{
    int rc = kz_frontier_begin(f);
    int64_t id = f->page_id;
    if (!rc && f->page_sha[0]) {
        kz_dbval p[] = { kz_dbstr(f->page_sha), kz_dbint(id) };
        rc = kz_db_defer(f->db, "UPDATE crawl_urls SET content_sha256 = $1 WHERE id = $2", p, 2);
    }
    if (!rc && f->page_cs[0]) {
        kz_dbval p[] = { kz_dbstr(f->page_cs), kz_dbstr(f->page_cs_src), kz_dbint(id) };
        rc = kz_db_defer(f->db, "UPDATE crawl_urls SET charset = $1, charset_source = $2 "
                                "WHERE id = $3", p, 3);
    }
    f->page_id = 0;
    return rc;
}

/* Page id waits: a fresh record of what waits for it. */
static void page_wait(kz_frontier *f, int64_t id)
{
    if (f->page_id != id) {
        f->page_id = id;
        f->page_sha[0] = f->page_cs[0] = f->page_cs_src[0] = '\0';
    }
}

static int content_(kz_frontier *f, int64_t id, const char *sha256)
{
    kz_dbres *r = NULL;
    int rc, same = 0, dup = 0;
    if (f->page_id && f->page_id != id && (rc = flush_page(f)) != 0)
        return rc;
    if (f->page_id == id && f->page_sha[0] && !strcmp(f->page_sha, sha256))
        return KZ_FRONTIER_UNCHANGED;           /* recorded already, not written yet */
    /* the URL's own hash as last fetched, and another URL of the source
     * with this content: one round trip */
    kz_dbval p[] = { kz_dbint(id), kz_dbint(f->source), kz_dbstr(sha256) };
    if ((rc = kz_db_query(f->db, "SELECT (SELECT content_sha256 FROM crawl_urls WHERE id = $1), "
                                 "EXISTS (SELECT 1 FROM crawl_urls WHERE source_id = $2 AND "
                                 "content_sha256 = $3 AND id <> $1)", p, 3, &r)) != 0)
        return rc;
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *h = kz_dbres_text(r, 0, NULL);
        const char *d = kz_dbres_text(r, 1, NULL);
        /* a hash waiting for this URL is newer than the one stored */
        same = !(f->page_id == id && f->page_sha[0]) && h && !strcmp(h, sha256);
        dup = d && (*d == 't' || *d == '1');    /* PostgreSQL's boolean, SQLite's 1 */
    }
    kz_dbres_done(r);
    if (rc < 0)
        return rc;
    if (same)
        return KZ_FRONTIER_UNCHANGED;
    int what = dup ? KZ_FRONTIER_DUP : KZ_FRONTIER_NEW;
    if (strlen(sha256) >= sizeof f->page_sha)
        return KZ_EINVAL;
    page_wait(f, id);                           /* written with the URL's done */
    memcpy(f->page_sha, sha256, strlen(sha256) + 1);
    return what;
}

int kz_frontier_charset(kz_frontier *f, int64_t id, const char *charset, const char *source)
{
    int rc = 0;
    if (f->page_id && f->page_id != id)
        rc = flush_page(f);
    if (!rc && strlen(charset) < sizeof f->page_cs && strlen(source) < sizeof f->page_cs_src) {
        page_wait(f, id);                       /* written with the URL's done */
        memcpy(f->page_cs, charset, strlen(charset) + 1);
        memcpy(f->page_cs_src, source, strlen(source) + 1);
    } else if (!rc && (rc = kz_frontier_begin(f)) == 0) {
        kz_dbval p[] = { kz_dbstr(charset), kz_dbstr(source), kz_dbint(id) };
        rc = kz_db_defer(f->db, "UPDATE crawl_urls SET charset = $1, charset_source = $2 "
                                "WHERE id = $3", p, 3);
    }
    return rc < 0 ? fail(f, rc, "recording a page's charset") : rc;
}

/* ---- open and close ---- */

static int count(kz_frontier *f, const char *state, int64_t *n)
{
    kz_dbval p[] = { kz_dbint(f->source), kz_dbstr(state) };
    int rc = kz_db_int(f->db, "SELECT COUNT(*) FROM crawl_urls WHERE source_id = $1 AND "
                              "state = $2 AND origin_id IS NOT NULL", p, 2, n);
    return rc ? fail(f, rc, "counting the source's URLs") : 0;
}

/* The key of a source's advisory lock on PostgreSQL: "kz" and the id. */
#define LOCK_KEY(id) (((int64_t)0x6b7a << 40) | (id))

/* Hold the source's lock for the frontier's life (store/db.h,
 * kz_db_try_lock: an advisory lock on PostgreSQL, a lock on the file beside
 * a SQLite database): a second run of the same source at once is refused
 * with KZ_EBUSY and a message that says so, instead of both taking the
 * same queued URLs. */
static int lock_source(kz_frontier *f, const char *name)
{
    int rc = kz_db_try_lock(f->db, LOCK_KEY(f->source));
    if (rc == KZ_EBUSY) {
        kz_store_set_errmsg(f->st, "source %s is being crawled by another run at the moment; "
                                   "wait for it to end", name);
        return rc;
    }
    if (rc)
        return fail(f, rc, "locking the source");
    f->locked = 1;
    return 0;
}

int kz_frontier_open(kz_frontier **out, kz_store *st, const char *name,
                     const kz_frontier_opts *o, kz_frontier_info *info)
{
    kz_frontier *f = NULL;
    kz_frontier_info inf;
    int rc = KZ_EINVAL;
    memset(&inf, 0, sizeof inf);
    *out = NULL;
    if (!kz_frontier_name_ok(name))
        return rc;
    rc = KZ_ENOMEM;
    if (!(f = kz_calloc(1, sizeof *f)))
        return rc;
    f->st = st;
    f->db = kz_store_db(st);
    snprintf(f->name, sizeof f->name, "%s", name);
    f->batch = o && o->batch ? o->batch : KZ_FRONTIER_BATCH;
    kz_buf_init(&f->pbuf, KZ_BUF_NOLIMIT);
    kz_buf_init(&f->sql, KZ_BUF_NOLIMIT);
    if ((rc = kz_frontier_begin(f)) != 0)
        goto out;
    kz_dbval pn[] = { kz_dbstr(name) };
    rc = kz_db_int(f->db, "SELECT id FROM crawl_sources WHERE name = $1", pn, 1, &f->source);
    if (rc == KZ_ENOTFOUND) {
        /* another run may be creating it too: its row wins, ours is not made */
        kz_dbval p[] = { kz_dbstr(name), kz_dbstr(now(f)) };
        rc = kz_db_int(f->db, "INSERT INTO crawl_sources (name, created_at) VALUES ($1, $2) "
                              "ON CONFLICT (name) DO NOTHING RETURNING id", p, 2, &f->source);
        inf.created = rc == 0;
        if (rc == KZ_ENOTFOUND)
            rc = kz_db_int(f->db, "SELECT id FROM crawl_sources WHERE name = $1", pn, 1,
                           &f->source);
    }
    if (rc) {
        fail(f, rc, "opening the source");
        goto out;
    }
    if (o && o->shared) {
        f->shared = 1;
        if (o->origin && !(f->only = kz_strdup(o->origin))) {
            rc = KZ_ENOMEM;
            goto out;
        }
        int64_t queued = 0, done = 0;
        if ((rc = count(f, "queued", &queued)) != 0 || (rc = count(f, "done", &done)) != 0 ||
            (rc = kz_frontier_commit(f)) != 0)
            goto out;
        f->queued = (size_t)queued;
        inf.source_id = f->source;
        inf.queued = (size_t)queued;
        inf.done = (size_t)done;
        if (info)
            *info = inf;
        *out = f;
        return 0;
    }
    if ((rc = lock_source(f, name)) != 0)
        goto out;
    kz_dbval pr[] = { kz_dbstr(now(f)), o && o->recrawl_secs > 0 ? kz_dbint(o->recrawl_secs)
                                                               : kz_dbnull(),
                      o && o->depth >= 0 ? kz_dbint(o->depth) : kz_dbnull(),
                      kz_dbint(o && o->same_host), kz_dbstr(o ? o->include : NULL),
                      kz_dbstr(o ? o->exclude : NULL), kz_dbint(f->source) };
    if ((rc = kz_db_query(f->db, "UPDATE crawl_sources SET last_run_at = $1, recrawl_secs = $2, "
                                 "depth = $3, same_host = $4, include_re = $5, exclude_re = $6 "
                                 "WHERE id = $7", pr, 7, NULL)) != 0) {
        fail(f, rc, "recording the run's settings");
        goto out;
    }
    int64_t before = 0, after = 0, done = 0;
    if ((rc = count(f, "queued", &before)) != 0)
        goto out;
    if (o && o->recrawl_secs > 0) {
        char cut[21];
        time_t t = time(NULL) - (time_t)o->recrawl_secs;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(cut, sizeof cut, "%Y-%m-%dT%H:%M:%SZ", &tm);
        kz_dbval p[] = { kz_dbint(f->source), kz_dbstr(cut) };
        if ((rc = kz_db_query(f->db, "UPDATE crawl_urls SET state = 'queued' WHERE source_id = $1 "
                                     "AND state = 'done' AND origin_id IS NOT NULL AND "
                                     "fetched_at < $2", p, 2, NULL)) != 0) {
            fail(f, rc, "queueing the URLs due again");
            goto out;
        }
        if ((rc = count(f, "queued", &after)) != 0)
            goto out;
    } else {
        after = before;
    }
    if ((rc = count(f, "done", &done)) != 0)
        goto out;
    if ((rc = kz_frontier_commit(f)) != 0)
        goto out;
    f->queued = (size_t)after;
    f->new_pass = after == 0;
    inf.source_id = f->source;
    inf.new_pass = f->new_pass;
    inf.queued = (size_t)after;
    inf.due = (size_t)(after - before);
    inf.done = (size_t)done;
    if (info)
        *info = inf;
    *out = f;
    f = NULL;
    rc = 0;
out:
    if (f) {
        kz_frontier_rollback(f);
        kz_frontier_close(&f);
    }
    return rc;
}

int kz_frontier_close(kz_frontier **fp)
{
    kz_frontier *f = fp ? *fp : NULL;
    if (!f)
        return 0;
    int rc = kz_frontier_commit(f);
    if (f->locked)
        kz_db_unlock(f->db, LOCK_KEY(f->source));
    kz_buf_release(&f->pbuf);
    kz_buf_release(&f->sql);
    free(f->last_origin);
    free(f->only);
    free(f);
    *fp = NULL;
    return rc;
}
