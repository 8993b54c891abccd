/*
 * store/store.c - the store over store/db.h: schema versions, items,
 * detections, cases, and the hash-chained audit log.
 */
#include "store.h"
#include "store/audit.h"
#include "store/content.h"
#include "util/buf.h"
#include "util/sha256.h"
#include "util/utf8.h"
#include "url/url.h"
#include <sodium.h>
#include <xxhash.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>

/* Items sent ahead go out AHEAD_ROWS to a statement (ahead_send) */
#define AHEAD_ROWS 32

struct kz_store {
    kz_db *db;
    kz_buf scratch;             /* cleaned text of the record being stored */
    kz_buf whole;               /* its whole text, packed (store/content.h) */
    kz_content_zip *zip;        /* that packs it, kept from item to item */
    kz_item_prep pk;            /* kz_store_prepared */
    int     pk_set;
    char  *uri;                 /* as it may be shown: no password (kz_db_redact) */
    char   err[512];
    int    in_tx;               /* 0, 1, 2 or IN_BULK: see IN_BULK below */
    int    last_valid;          /* inside a write transaction, the last audit entry */
    int64_t last_seq;           /* appended is known without reading it back */
    char   last_hash[65];
    char  *key_path;            /* kz_store_set_signer: the audit key, loaded */
    int    have_key;            /* on the first commit that signs */
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int    sign_rc;             /* the key could not be loaded: commits go unsigned */
    char   sign_err[512];
    int64_t nsigned;            /* transactions signed */
    kz_store_commit_fn hook;    /* kz_store_set_commit_hook */
    void  *hook_ctx;
    struct { int64_t id; char name[64]; } plat[16];   /* inside a transaction, */
    size_t  nplat;              /* the platforms looked up (most exports name a few) */
    char    padded[16][64];     /* the last platforms kz_store_add_platform added */
    size_t  npadded;            /* or found (committed: they stay) */
    uint64_t *ahead;            /* items sent ahead (kz_store_ingest_ahead), oldest first: */
    size_t  ahead_head, ahead_len, ahead_cap;   /* the hash of canonical URL and content */
    int     urlless_locked;     /* a bulk transaction holds the lock of URL-less texts */
    int64_t locked_item;        /* and the row lock of this item (the last found) */
    int64_t *ahead_id;          /* their ids once the results are read, 0: not inserted */
    size_t  ahead_idcap;
    size_t  ahead_sent;         /* ahead[..ahead_sent) sent, the rest held in arow */
    size_t  ahead_read;         /* ahead[..ahead_read) with their results read */
    unsigned char *agroup;      /* the rows of each statement sent, oldest first */
    size_t  agroup_head, agroup_len, agroup_cap;
    struct arow { kz_dbtype type; int64_t i; size_t off, n; } *arow;   /* rows held */
    kz_buf  abytes;             /* their texts */
    char   *amulti;             /* the AHEAD_ROWS-row INSERT */
    /* items sent ahead whose URL was stored already: found a statement's
     * rows at a time (ahead_find), with what decides their writes */
    struct afound {
        size_t  url;            /* its canonical URL in aurls */
        int64_t id;             /* found: the item's id; 0 not (looked up alone) */
        char    hash[64];       /* its content's hash as stored */
        unsigned char gone;     /* 1: removed, or a notice of it complied with */
        unsigned char cases;    /* 1: acat[c0..c1) are all its cases */
        size_t  c0, c1;         /* its cases' categories: acat[c0..c1) */
        uint64_t changes;       /* a text's: s->changes when it was sent */
    } *afound;
    size_t  afound_cap;
    kz_buf  aurls;              /* the canonical URLs sent ahead, each with its NUL */
    size_t *acat;               /* offsets in acats */
    size_t  nacat, acat_cap;
    kz_buf  acats;              /* the categories, each with its NUL */
    size_t  acur;               /* the position kz_store_ingest took last, or SIZE_MAX */
    uint64_t changes;           /* cases opened and texts changed (afound_forget) */
    /* kz_store_begin_bulk (PostgreSQL): the audit entries held until the
     * commit appends them under the write lock, and the cases opened
     * meanwhile, whose ids the commit reads back for them */
    struct held { int64_t entity_id; size_t off[5]; } *held;
    size_t  nheld, held_cap;
    struct hcase { int64_t item; size_t cat; } *hcase;
    size_t  nhcase, hcase_cap;
    kz_buf  heldtext;           /* their strings, each with its NUL */
};

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static int fail(kz_store *s, int rc, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what,
             rc == KZ_EDB || rc == KZ_EBUSY ? kz_db_errmsg(s->db) : kz_strerror(rc));
    return rc;
}

const char *kz_store_errmsg(const kz_store *s) { return s ? s->err : kz_strerror(KZ_ENOMEM); }

void kz_store_set_errmsg(kz_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}
const char *kz_store_uri(const kz_store *s) { return s->uri; }
kz_db *kz_store_db(kz_store *s) { return s->db; }

void kz_store_bulk(kz_store *s)
{
    (void)kz_db_bulk(s->db);
}

void kz_store_now(char out[21])
{
    /* a writer asks several times per stored item: formatted once a second
     * (per thread) */
    static _Thread_local time_t last = (time_t)-1;
    static _Thread_local char text[21];
    time_t t = time(NULL);
    if (t != last) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = t;
    }
    memcpy(out, text, sizeof text);
}

/* ---- versions ------------------------------------------------------------ */

static int latest_version(void) { return kz_migrations[kz_nmigrations - 1].version; }

static int ensure_version_table(kz_store *s)
{
    return kz_db_exec(s->db, "CREATE TABLE IF NOT EXISTS kz_migrations ("
                             " version INTEGER PRIMARY KEY,"
                             " summary TEXT NOT NULL,"
                             " applied_at TEXT NOT NULL)");
}

int kz_store_version(kz_store *s, int *current, int *latest)
{
    int64_t v = 0;
    int rc = ensure_version_table(s);
    if (rc)
        return fail(s, rc, "reading the schema version");
    rc = kz_db_int(s->db, "SELECT COALESCE(MAX(version), 0) FROM kz_migrations", NULL, 0, &v);
    if (rc)
        return fail(s, rc, "reading the schema version");
    *current = (int)v;
    *latest = latest_version();
    return 0;
}

/* The migration's SQL for this backend, statement by statement. */
static int run_migration(kz_store *s, const kz_migration *m)
{
    const char *id = !strcmp(kz_db_scheme(s->db), "sqlite")
                         ? "INTEGER PRIMARY KEY"
                         : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    kz_buf sql;
    kz_buf_init(&sql, KZ_BUF_NOLIMIT);
    int rc = 0;
    for (const char *p = m->sql; *p && !rc;) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        kz_buf_reset(&sql);
        for (size_t i = 0; i < n && !rc; i++) {
            if (!strncmp(p + i, "{ID}", 4)) {
                rc = kz_buf_adds(&sql, id);
                i += 3;
            } else {
                rc = kz_buf_addc(&sql, p[i]);
            }
        }
        /* "{PG}" before a statement: PostgreSQL only (storage parameters);
         * "{LITE}": SQLite only (a table made again in a new shape) */
        const char *q = sql.p;
        int lite = !strcmp(kz_db_scheme(s->db), "sqlite");
        while (q && (*q == ' ' || *q == '\n'))
            q++;
        if (!rc && q && !strncmp(q, "{PG}", 4))
            q = lite ? NULL : q + 4;
        else if (!rc && q && !strncmp(q, "{LITE}", 6))
            q = lite ? q + 6 : NULL;
        if (!rc && q && *q)
            rc = kz_db_exec(s->db, q);
        p += n + (semi ? 1 : 0);
    }
    kz_buf_release(&sql);
    return rc;
}

int kz_store_migrate(kz_store *s, int *from, int *to)
{
    int cur, latest, rc;
    if ((rc = kz_store_version(s, &cur, &latest)) != 0)
        return rc;
    *from = cur;
    *to = cur;
    if (cur > latest) {
        snprintf(s->err, sizeof s->err, "the database is at schema version %d, newer than this "
                 "kuzet (%d): use a newer kuzet", cur, latest);
        return KZ_EVERSION;
    }
    for (size_t i = 0; i < kz_nmigrations; i++) {
        const kz_migration *m = &kz_migrations[i];
        if (m->version <= cur)
            continue;
        char now[21];
        kz_store_now(now);
        kz_dbval p[] = { kz_dbint(m->version), kz_dbstr(m->summary), kz_dbstr(now) };
        if ((rc = kz_db_begin(s->db)) != 0)
            return fail(s, rc, "starting a migration");
        if ((rc = run_migration(s, m)) != 0 ||
            (rc = kz_db_query(s->db, "INSERT INTO kz_migrations (version, summary, applied_at) "
                                     "VALUES ($1, $2, $3)", p, 3, NULL)) != 0) {
            char what[64];
            snprintf(what, sizeof what, "migration %d", m->version);
            fail(s, rc, what);
            kz_db_rollback(s->db);
            return rc;
        }
        if ((rc = kz_db_commit(s->db)) != 0)
            return fail(s, rc, "committing a migration");
        *to = m->version;
    }
    return 0;
}

int kz_store_open(kz_store **out, const char *uri, int need_current)
{
    *out = NULL;
    if (!uri || !*uri)
        uri = getenv("KUZET_DB");
    if (!uri || !*uri)
        uri = KZ_STORE_DEFAULT;
    kz_store *s = calloc(1, sizeof *s);
    size_t shown = kz_db_redact(uri, NULL, 0);
    if (!s)
        return KZ_ENOMEM;
    kz_buf_init(&s->scratch, KZ_BUF_NOLIMIT);
    kz_buf_init(&s->whole, KZ_BUF_NOLIMIT);
    kz_buf_init(&s->heldtext, KZ_BUF_NOLIMIT);
    kz_buf_init(&s->abytes, KZ_BUF_NOLIMIT);
    kz_buf_init(&s->aurls, KZ_BUF_NOLIMIT);
    kz_buf_init(&s->acats, KZ_BUF_NOLIMIT);
    s->acur = SIZE_MAX;
    *out = s;                           /* from here on it holds why it failed */
    if (!(s->uri = kz_malloc(shown + 1))) {
        snprintf(s->err, sizeof s->err, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    kz_db_redact(uri, s->uri, shown + 1);
    if (sodium_init() < 0) {
        snprintf(s->err, sizeof s->err, "libsodium cannot start");
        return KZ_EINTERNAL;
    }
    /* a command that needs the schema never leaves an empty SQLite file
     * behind where there was none (only db init and migrate make one) */
    const char *backend = kz_db_backend(uri);
    if (need_current && backend && !strcmp(backend, "sqlite")) {
        const char *path = !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri;
        if (*path && access(path, F_OK) != 0 && errno == ENOENT) {
            snprintf(s->err, sizeof s->err, "%s: no kuzet database here yet; run 'kuzet db init'",
                     s->uri);
            return KZ_EVERSION;
        }
    }
    int rc = kz_db_open(&s->db, uri);
    if (rc) {
        snprintf(s->err, sizeof s->err, "%s", kz_db_errmsg(s->db));
        kz_db_close(&s->db);
        return rc;
    }
    int cur, latest;
    if ((rc = kz_store_version(s, &cur, &latest)) != 0) {
        kz_buf m;                       /* "URI: why" */
        kz_buf_init(&m, KZ_BUF_NOLIMIT);
        if (kz_buf_addf(&m, "%s: %s", s->uri, s->err) == 0)
            snprintf(s->err, sizeof s->err, "%s", m.p);
        kz_buf_release(&m);
    } else if (cur > latest) {
        snprintf(s->err, sizeof s->err, "%s: the database is at schema version %d, newer than "
                 "this kuzet (%d); use a newer kuzet", s->uri, cur, latest);
        rc = KZ_EVERSION;
    } else if (need_current && cur < latest) {
        snprintf(s->err, sizeof s->err,
                 cur == 0 ? "%s: no kuzet database here yet; run 'kuzet db init'"
                          : "%s: the database is at schema version %d, this kuzet needs %d; "
                            "run 'kuzet db migrate'",
                 s->uri, cur, latest);
        rc = KZ_EVERSION;
    }
    if (rc)
        kz_db_close(&s->db);            /* the reason stays */
    return rc;
}

void kz_store_close(kz_store **sp)
{
    if (!sp || !*sp)
        return;
    kz_db_close(&(*sp)->db);
    kz_buf_release(&(*sp)->scratch);
    kz_buf_release(&(*sp)->whole);
    kz_buf_release(&(*sp)->heldtext);
    free((*sp)->held);
    free((*sp)->hcase);
    kz_content_zip_free(&(*sp)->zip);
    sodium_memzero((*sp)->sk, sizeof (*sp)->sk);
    free((*sp)->key_path);
    free((*sp)->ahead);
    free((*sp)->ahead_id);
    free((*sp)->agroup);
    free((*sp)->arow);
    free((*sp)->amulti);
    kz_buf_release(&(*sp)->abytes);
    free((*sp)->afound);
    free((*sp)->acat);
    kz_buf_release(&(*sp)->aurls);
    kz_buf_release(&(*sp)->acats);
    free((*sp)->uri);
    free(*sp);
    *sp = NULL;
}

/* in_tx: 0 none; 1 a transaction; 2 one holding the PostgreSQL write lock;
 * IN_BULK one of kz_store_begin_bulk, which takes the lock at commit */
#define IN_BULK 3

static int is_pg(const kz_store *s) { return !strcmp(kz_db_scheme(s->db), "postgresql"); }

/* No item sent ahead (kz_store_ingest_ahead), held or waiting for its result */
static void ahead_reset(kz_store *s)
{
    s->ahead_head = s->ahead_len = s->ahead_sent = s->ahead_read = 0;
    s->agroup_head = s->agroup_len = 0;
    kz_buf_reset(&s->abytes);
    kz_buf_reset(&s->aurls);
    kz_buf_reset(&s->acats);
    s->nacat = 0;
    s->acur = SIZE_MAX;
}

/* Nothing of a transaction's own state left: when one begins or ends */
static void tx_reset(kz_store *s)
{
    s->last_valid = 0;
    s->nplat = 0;
    ahead_reset(s);
    s->urlless_locked = 0;
    s->locked_item = 0;
    s->pk_set = 0;
    s->nheld = s->nhcase = 0;
    kz_buf_reset(&s->heldtext);
}

/* PostgreSQL only: the audit log's "read the last entry, insert the next"
 * must not interleave between writers, or two would both append seq N+1
 * (one failing on the key) and the chain would fork.  So a store
 * transaction takes this lock when it begins, as SQLite's BEGIN IMMEDIATE
 * takes the write lock, and holds it to commit or rollback: reads made to
 * decide a write (is this URL new? is the case in that state?) cannot race
 * either (two ingests that both miss a new URL would otherwise collide on
 * items_by_url, or deadlock).  Readers of the log are not blocked. */
static int pg_write_lock(kz_store *s)
{
    if (s->in_tx != 1 || !is_pg(s))
        return 0;
    int rc = kz_db_exec(s->db, "LOCK TABLE audit_log IN EXCLUSIVE MODE");
    if (rc)
        return fail(s, rc, "locking the audit log");
    s->in_tx = 2;
    return 0;
}

static int store_begin(kz_store *s, int late)
{
    int rc = kz_db_begin(s->db);
    tx_reset(s);
    s->in_tx = !rc;
    if (!rc && !late && (rc = pg_write_lock(s)) != 0) {
        kz_db_rollback(s->db);
        s->in_tx = 0;
        return rc;
    }
    return rc ? fail(s, rc, "starting a transaction") : 0;
}

int kz_store_begin(kz_store *s) { return store_begin(s, 0); }
int kz_store_begin_late(kz_store *s) { return store_begin(s, 1); }

int kz_store_begin_bulk(kz_store *s)
{
    if (!is_pg(s))
        return store_begin(s, 0);
    int rc = store_begin(s, 1);
    if (!rc)
        s->in_tx = IN_BULK;
    return rc;
}

/* s into heldtext with its NUL: its offset, SIZE_MAX for NULL, or
 * SIZE_MAX - 1 when out of memory. */
static size_t held_str(kz_store *s, const char *str)
{
    if (!str)
        return SIZE_MAX;
    size_t at = s->heldtext.len;
    return kz_buf_add(&s->heldtext, str, strlen(str) + 1) ? SIZE_MAX - 1 : at;
}

/* A bulk transaction's audit entry, held until its commit. */
static int hold_entry(kz_store *s, const char *actor, const char *action, const char *entity,
                      int64_t entity_id, const char *before, const char *after)
{
    if (KZ_GROW(s->held, s->held_cap, s->nheld + 1))
        return fail(s, KZ_ENOMEM, "writing the audit log");
    struct held *h = &s->held[s->nheld];
    const char *f[5] = { actor, action, entity, before, after };
    for (int i = 0; i < 5; i++)
        if ((h->off[i] = held_str(s, f[i])) == SIZE_MAX - 1)
            return fail(s, KZ_ENOMEM, "writing the audit log");
    h->entity_id = entity_id;
    s->nheld++;
    return 0;
}

static void afound_forget(kz_store *s, int64_t item);

int kz_store_case_later(kz_store *s, int64_t item, const char *category, int64_t *placeholder)
{
    *placeholder = 0;
    afound_forget(s, item);
    if (s->in_tx != IN_BULK)
        return pg_write_lock(s);            /* a late transaction's first need of it */
    if (KZ_GROW(s->hcase, s->hcase_cap, s->nhcase + 1))
        return fail(s, KZ_ENOMEM, "opening a case");
    struct hcase *c = &s->hcase[s->nhcase];
    if ((c->cat = held_str(s, category)) >= SIZE_MAX - 1)
        return fail(s, KZ_ENOMEM, "opening a case");
    c->item = item;
    *placeholder = -(int64_t)++s->nhcase;
    return 1;
}

/* "{"...","..."}": a PostgreSQL array literal of the held cases' items
 * (text 0) or categories (1). */
static int case_array(kz_store *s, int text, kz_buf *b)
{
    int rc = kz_buf_addc(b, '{');
    for (size_t i = 0; i < s->nhcase && !rc; i++) {
        if (i)
            rc = kz_buf_addc(b, ',');
        if (!text) {
            char num[24];
            size_t n = kz_fmt_int(num, s->hcase[i].item);
            rc = rc ? rc : kz_buf_add(b, num, n);
            continue;
        }
        rc = rc ? rc : kz_buf_addc(b, '"');
        for (const char *c = s->heldtext.p + s->hcase[i].cat; *c && !rc; c++)
            rc = (*c == '"' || *c == '\\' ? kz_buf_addc(b, '\\') : 0) || kz_buf_addc(b, *c);
        rc = rc ? rc : kz_buf_addc(b, '"');
    }
    rc = rc ? rc : kz_buf_addc(b, '}');
    return rc ? rc : kz_buf_addc(b, '\0');
}

/* The ids the database gave the held cases, in ids[0..nhcase): one query
 * for all of them (their INSERTs, sent before, have run). */
static int case_ids(kz_store *s, int64_t *ids)
{
    kz_buf a, b;
    kz_dbres *r = NULL;
    kz_buf_init(&a, KZ_BUF_NOLIMIT);
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = case_array(s, 0, &a);
    if (!rc)
        rc = case_array(s, 1, &b);
    if (rc) {
        rc = fail(s, KZ_ENOMEM, "opening the cases");
        goto out;
    }
    kz_dbval p[] = { kz_dbstr(a.p), kz_dbstr(b.p) };
    rc = kz_db_query(s->db, "SELECT u.n, c.id FROM unnest($1::bigint[], $2::text[]) "
                            "WITH ORDINALITY AS u(item_id, category, n) "
                            "JOIN cases c ON c.item_id = u.item_id AND c.category = u.category",
                     p, 2, &r);
    size_t found = 0;
    while (!rc && (rc = kz_dbres_next(r)) == 1) {
        int64_t n = kz_dbres_int(r, 0);
        if (n >= 1 && (size_t)n <= s->nhcase) {
            ids[n - 1] = kz_dbres_int(r, 1);
            found++;
        }
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        rc = fail(s, rc, "opening the cases");
    else if (found != s->nhcase)
        rc = fail(s, KZ_EINTERNAL, "opening the cases (one is missing)");
out:
    kz_buf_release(&a);
    kz_buf_release(&b);
    return rc;
}

/* At a bulk transaction's commit: the write lock, then its held entries
 * appended in the order they were made (kz_store_audit, now holding it),
 * with the ids of the cases it opened.  What else the transaction wrote
 * was sent before the LOCK, so it never waits for another transaction's
 * rows while holding the lock. */
static int append_held(kz_store *s)
{
    if (s->in_tx != IN_BULK)
        return 0;
    s->in_tx = 1;
    int64_t *ids = NULL;
    int rc = 0;
    if (s->nhcase && !(ids = kz_calloc(s->nhcase, sizeof *ids)))
        rc = fail(s, KZ_ENOMEM, "opening the cases");
    if (!rc && s->nhcase)
        rc = case_ids(s, ids);
    if (!rc && s->nheld)
        rc = pg_write_lock(s);
    for (size_t i = 0; i < s->nheld && !rc; i++) {
        const struct held *h = &s->held[i];
        const char *f[5];
        for (int k = 0; k < 5; k++)
            f[k] = h->off[k] == SIZE_MAX ? NULL : s->heldtext.p + h->off[k];
        int64_t id = h->entity_id;
        if (id < 0 && (size_t)-id <= s->nhcase)
            id = ids[-id - 1];
        rc = kz_store_audit(s, f[0], f[1], f[2], id, f[3], f[4]);
    }
    free(ids);
    s->nheld = s->nhcase = 0;
    kz_buf_reset(&s->heldtext);
    return rc;
}
int kz_store_set_signer(kz_store *s, const char *key_path)
{
    char *p = key_path ? kz_strdup(key_path) : NULL;
    if (key_path && !p)
        return fail(s, KZ_ENOMEM, "the audit key");
    free(s->key_path);
    s->key_path = p;
    s->have_key = 0;
    s->sign_rc = 0;
    s->sign_err[0] = '\0';
    s->nsigned = 0;
    sodium_memzero(s->sk, sizeof s->sk);
    return 0;
}

int64_t kz_store_signed(const kz_store *s, const char **why)
{
    if (why)
        *why = s->sign_rc ? s->sign_err : NULL;
    return s->nsigned;
}

/* The checkpoint of a transaction that appended audit entries, inserted
 * before its COMMIT: the entries and their signature are stored together
 * or not at all.  A key that cannot be loaded leaves them unsigned (a
 * later checkpoint covers them) and is remembered, not retried. */
static int sign_tx(kz_store *s)
{
    if (!s->key_path || s->sign_rc)
        return 0;
    if (!s->have_key) {
        int rc = kz_audit_key_load(s->key_path, s->sk, s->sign_err, sizeof s->sign_err);
        if (rc) {
            s->sign_rc = rc;
            return 0;
        }
        s->have_key = 1;
    }
    int rc = kz_audit_sign_entry(s, s->sk, s->last_seq, s->last_hash, NULL, 0);
    if (rc)
        return fail(s, rc, "signing the audit log");
    s->nsigned++;
    return 0;
}

void kz_store_set_commit_hook(kz_store *s, kz_store_commit_fn fn, void *ctx)
{
    s->hook = fn;
    s->hook_ctx = ctx;
}

int kz_store_commit(kz_store *s)
{
    int rc = s->in_tx && s->hook ? s->hook(s->hook_ctx, s) : 0;
    if (!rc)
        rc = append_held(s);
    if (!rc)
        rc = s->in_tx && s->last_valid ? sign_tx(s) : 0;
    if (rc) {
        kz_db_rollback(s->db);
        s->last_valid = 0;
        s->in_tx = 0;
        return rc;
    }
    rc = kz_db_commit(s->db);
    tx_reset(s);
    s->in_tx = 0;
    return rc ? fail(s, rc, "committing") : 0;
}
int kz_store_rollback(kz_store *s)
{
    int rc = kz_db_rollback(s->db);
    tx_reset(s);
    s->in_tx = 0;
    return rc ? fail(s, rc, "rolling back") : 0;
}

/* ---- audit log ----------------------------------------------------------- */

/* "LEN:" then s into the hash; NULL as "-:" */
static void hash_field(kz_sha256_ctx *st, const char *s)
{
    char len[24];
    if (!s) {
        kz_sha256_update(st, "-:", 2);
        return;
    }
    size_t n = strlen(s), k = kz_fmt_uint(len, n);
    len[k++] = ':';
    kz_sha256_update(st, len, k);
    kz_sha256_update(st, s, n);
}

/* The hash of an entry: SHA-256 over its fields, each as "length:bytes",
 * starting with the previous entry's hash, so any edit, insertion or
 * deletion breaks the chain from there on. */
void kz_store_entry_hash(const char *prev, int64_t seq, const char *at, const char *actor,
                       const char *action, const char *entity, int64_t entity_id,
                       const char *before, const char *after, char hex[65])
{
    kz_sha256_ctx st;
    char num[24], eid[24];
    kz_fmt_int(num, seq);
    kz_fmt_int(eid, entity_id);
    const char *f[9] = { prev, num, at, actor, action, entity, eid, before, after };
    kz_sha256_init(&st);
    for (int i = 0; i < 9; i++)
        hash_field(&st, f[i]);
    uint8_t h[KZ_SHA256_LEN];
    kz_sha256_final(&st, h);
    kz_hex(h, sizeof h, hex);
}

int kz_store_audit(kz_store *s, const char *actor, const char *action, const char *entity,
                   int64_t entity_id, const char *before, const char *after)
{
    kz_dbres *r = NULL;
    int64_t seq = 1;
    char prev[65] = ZERO_HASH, now[21], hex[65];
    int rc;
    if (!s->in_tx) {
        /* outside a transaction: one of its own, for the PostgreSQL lock
         * and for the checkpoint signed at its commit */
        if ((rc = kz_store_begin(s)) != 0)
            return rc;
        if ((rc = kz_store_audit(s, actor, action, entity, entity_id, before, after)) != 0) {
            kz_db_rollback(s->db);
            s->in_tx = 0;
            return rc;
        }
        return kz_store_commit(s);
    }
    if (s->in_tx == IN_BULK)                    /* appended at commit */
        return hold_entry(s, actor, action, entity, entity_id, before, after);
    if ((rc = pg_write_lock(s)) != 0)          /* no-op after kz_store_begin */
        return rc;
    if (s->in_tx && s->last_valid) {
        /* this transaction holds the write lock and appended the last
         * entry itself: nobody else can have appended since */
        seq = s->last_seq + 1;
        memcpy(prev, s->last_hash, sizeof prev);
    } else {
        rc = kz_db_query(s->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                         NULL, 0, &r);
        if (rc)
            return fail(s, rc, "reading the audit log");
        if ((rc = kz_dbres_next(r)) == 1) {
            size_t n = 0;
            const char *h = kz_dbres_text(r, 1, &n);
            seq = kz_dbres_int(r, 0) + 1;
            if (h && n == 64)
                memcpy(prev, h, 64);
            prev[64] = '\0';
            rc = 0;
        }
        kz_dbres_done(r);
        if (rc < 0)
            return fail(s, rc, "reading the audit log");
    }
    kz_store_now(now);
    kz_store_entry_hash(prev, seq, now, actor, action, entity, entity_id, before, after, hex);
    kz_dbval p[] = { kz_dbint(seq), kz_dbstr(now), kz_dbstr(actor), kz_dbstr(action),
                     kz_dbstr(entity), kz_dbint(entity_id), kz_dbstr(before), kz_dbstr(after),
                     kz_dbstr(prev), kz_dbstr(hex) };
    /* deferred: a failure comes back at the latest from COMMIT (db.h) */
    rc = kz_db_defer(s->db, "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, "
                            "before_state, after_state, prev_hash, hash) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", p, 10);
    if (rc) {
        s->last_valid = 0;
        return fail(s, rc, "writing the audit log");
    }
    if (s->in_tx) {
        s->last_valid = 1;
        s->last_seq = seq;
        memcpy(s->last_hash, hex, sizeof s->last_hash);
    }
    return 0;
}

int kz_store_lock_item(kz_store *s, int64_t item)
{
    if (s->in_tx != IN_BULK || item == s->locked_item)
        return 0;                   /* locked when kz_store_ingest found it */
    /* the item's row, not an advisory lock: a row lock takes no room in the
     * server's lock table, whose few thousand slots a batch re-ingesting
     * that many items filled ("out of shared memory") */
    kz_dbval p[] = { kz_dbint(item) };
    int rc = kz_db_query(s->db, "SELECT 1 FROM items WHERE id = $1 FOR NO KEY UPDATE", p, 1, NULL);
    return rc ? fail(s, rc, "locking the item") : 0;
}

/* ---- ingest -------------------------------------------------------------- */

/* The platform's id, added when new.  Inside a transaction the last 16
 * looked up are remembered (an export names a few, mixed: one lookup a post
 * is one round trip a post on PostgreSQL): not across transactions, since
 * a rollback takes back a platform it added. */
static int platform_id(kz_store *s, const kz_item_in *it, int64_t *id)
{
    *id = 0;
    if (!it->platform || !it->platform_len)
        return 0;
    size_t n = it->platform_len;
    if (s->in_tx && n < sizeof s->plat[0].name)
        for (size_t i = 0; i < s->nplat; i++)
            if (!memcmp(s->plat[i].name, it->platform, n) && !s->plat[i].name[n]) {
                *id = s->plat[i].id;
                return 0;
            }
    kz_dbval p[] = { kz_dbtext(it->platform, n) };
    int rc = kz_db_int(s->db, "SELECT id FROM platforms WHERE name = $1", p, 1, id);
    if (rc == KZ_ENOTFOUND)     /* in a bulk transaction another may be adding it too */
        rc = kz_db_int(s->db, "INSERT INTO platforms (name) VALUES ($1) "
                              "ON CONFLICT (name) DO NOTHING RETURNING id", p, 1, id);
    if (rc == KZ_ENOTFOUND)
        rc = kz_db_int(s->db, "SELECT id FROM platforms WHERE name = $1", p, 1, id);
    if (rc == 0 && s->in_tx && n < sizeof s->plat[0].name && !memchr(it->platform, '\0', n)) {
        size_t i = s->nplat < KZ_ARRAY_LEN(s->plat) ? s->nplat++ : (size_t)(*id % 16);
        memcpy(s->plat[i].name, it->platform, n);
        s->plat[i].name[n] = '\0';
        s->plat[i].id = *id;
    }
    return rc;
}

int kz_store_add_platform(kz_store *s, const char *name, size_t n)
{
    if (!is_pg(s) || !name || !n || memchr(name, '\0', n) || kz_utf8_invalid_count(name, n))
        return 0;               /* not as stored: the batch cleans it and adds it */
    if (s->in_tx)
        return fail(s, KZ_EINVAL, "adding the platform (inside a transaction)");
    int known = n < sizeof s->padded[0];
    if (known)
        for (size_t i = 0; i < s->npadded; i++)
            if (!memcmp(s->padded[i], name, n) && !s->padded[i][n])
                return 0;
    int64_t id;
    kz_dbval p[] = { kz_dbtext(name, n) };
    int rc = kz_db_int(s->db, "SELECT id FROM platforms WHERE name = $1", p, 1, &id);
    if (rc == KZ_ENOTFOUND)     /* a statement of its own: committed at once */
        rc = kz_db_query(s->db, "INSERT INTO platforms (name) VALUES ($1) "
                                "ON CONFLICT (name) DO NOTHING", p, 1, NULL);
    if (rc)
        return fail(s, rc, "adding the platform");
    if (known) {
        size_t i = s->npadded < KZ_ARRAY_LEN(s->padded) ? s->npadded++ : (size_t)(n % 16);
        memcpy(s->padded[i], name, n);
        s->padded[i][n] = '\0';
    }
    return 0;
}

#define EXCERPT_MAX 2000

size_t kz_store_excerpt_len(const char *text, size_t n)
{
    size_t ex = n < EXCERPT_MAX ? n : EXCERPT_MAX;
    while (ex < n && ex > 0 && ((unsigned char)text[ex] & 0xC0) == 0x80)
        ex--;                                       /* cut on a character boundary */
    return ex;
}

/* A cleaned copy of p[0..n) in s->scratch (room reserved beforehand, so
 * earlier copies stay where they are). */
static kz_dbval clean(kz_store *s, const char *p, size_t n, int checked)
{
    if (!p)
        return kz_dbnull();
    if (checked)
        return kz_dbtext(p, n);                     /* checked by the caller (kz_item_prep) */
    size_t at = s->scratch.len;
    kz_buf_add_utf8_clean(&s->scratch, p, n);
    return kz_dbtext(s->scratch.p + at, s->scratch.len - at);
}

#define ITEM_INSERT "INSERT INTO items (url, canonical_url, platform_id, source_ref, " \
                    "content_sha256, excerpt, lang, published, first_seen, last_seen, " \
                    "content_z, content_len, content_full_len, content_key) "
#define ITEM_INTO ITEM_INSERT "VALUES "
#define ITEM_COLS ITEM_INTO "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
#define ITEM_UPSERT ITEM_COLS "ON CONFLICT (canonical_url) DO NOTHING RETURNING id"
/* sent ahead: what tells which rows were inserted */
#define ITEM_AHEAD_END "ON CONFLICT (canonical_url) DO NOTHING " \
                       "RETURNING id, canonical_url, content_sha256"
#define ITEM_NP 14
/* an item found: by its canonical URL, by its text (the content key, then
 * the whole hash) */
#define ITEM_BY_URL "SELECT id, content_sha256 FROM items WHERE canonical_url = $1"
#define ITEM_BY_TEXT "SELECT id, content_sha256 FROM items WHERE content_key = $1 " \
                     "AND content_sha256 = $2 ORDER BY id LIMIT 1"
/* an item without a canonical URL sent ahead (kz_store_ingest_ahead): found
 * by its text as ITEM_BY_TEXT finds it (locked in a bulk transaction), else
 * inserted; rows (id, 1, 0, NULL) inserted, or (id, 0, gone, category) a row
 * a case of the item found (ahead_read_text) */
#define ITEM_TEXT_WITH(lock) \
    "WITH f AS (SELECT id FROM items WHERE content_key = $14::bigint AND content_sha256 = $5 " \
    "ORDER BY id LIMIT 1" lock "), n AS (" ITEM_INSERT "SELECT $1, $2, $3::bigint, $4, $5, $6, " \
    "$7, $8, $9, $10, $11, $12::bigint, $13::bigint, $14::bigint WHERE NOT EXISTS (SELECT 1 " \
    "FROM f) RETURNING id) SELECT id, 1, 0, NULL FROM n UNION ALL SELECT i.id, 0, " ITEM_GONE \
    ", c.category FROM f JOIN items i ON i.id = f.id LEFT JOIN cases c ON c.item_id = i.id"
#define ITEM_TEXT ITEM_TEXT_WITH("")
#define ITEM_TEXT_LOCKED ITEM_TEXT_WITH(" FOR NO KEY UPDATE")

/* The item's row as the INSERT binds it (ip[0..ITEM_NP), ip[1] the
 * canonical URL or NULL, ip[5] the excerpt, ip[10..13) the whole text
 * packed into s->whole, ip[13] the content key), cleaned into s->scratch; hex its
 * content's SHA-256, now the time.  extra: bytes more to reserve in
 * s->scratch for what the caller cleans after. */
static int item_row(kz_store *s, const kz_item_in *it, size_t extra, char hex[65], char now[21],
                    kz_dbval ip[ITEM_NP])
{
    int rc;
    const kz_item_prep *pp = s->pk_set && s->pk.text == it->text &&
                             s->pk.text_len == it->text_len ? &s->pk : NULL;
    int64_t pid = 0;
    if (it->content_sha256 && strlen(it->content_sha256) == 64) {
        memcpy(hex, it->content_sha256, 65);
    } else {
        kz_sha256_hex(it->text, it->text_len, hex);
    }
    kz_store_now(now);

    /* Text goes into the database as valid UTF-8 without NULs (PostgreSQL
     * refuses anything else): room for every field at three bytes a byte. */
    size_t ex = kz_store_excerpt_len(it->text, it->text_len);
    size_t need = it->url_len + it->source_ref_len + it->lang_len + it->published_len + ex +
                  it->platform_len + KZ_URL_MAX_INPUT + extra;
    kz_buf_reset(&s->scratch);
    if ((rc = kz_buf_grow(&s->scratch, need * 3 + 64)) != 0)
        return fail(s, rc, "storing the item");
    int ok = pp && pp->clean;
    kz_dbval url = clean(s, it->url, it->url_len, ok), canon = kz_dbnull();
    if (pp && pp->canon_given) {
        if (pp->canonical_url)
            canon = kz_dbtext(pp->canonical_url, pp->canonical_url_len);
    } else if (it->url && it->url_len) {
        /* the canonical URL identifies the item; a URL that does not
         * canonicalize is kept as written, and the content identifies it */
        size_t at = s->scratch.len;
        if (kz_url_canon(it->url, it->url_len, &s->scratch, NULL) == 0)
            canon = kz_dbtext(s->scratch.p + at, s->scratch.len - at);
        else
            s->scratch.len = at;
    }
    kz_dbval ref = clean(s, it->source_ref, it->source_ref_len, ok);
    kz_dbval lang = clean(s, it->lang, it->lang_len, ok);
    kz_dbval published = clean(s, it->published, it->published_len, ok);
    kz_dbval excerpt = clean(s, it->text, ex, ok);
    /* the whole text (up to KZ_CONTENT_MAX), compressed */
    size_t keep = kz_content_len(it->text, it->text_len);
    kz_buf_reset(&s->whole);
    kz_dbval whole;
    if (ok ? ex == it->text_len : kz_content_in_excerpt(it->text, it->text_len)) {
        whole = kz_dbnull();                        /* the excerpt is the whole text */
    } else if (pp && pp->z) {
        whole = kz_dbtext(pp->z, pp->zn);           /* packed by the caller */
    } else {
        if (!s->zip && !(s->zip = kz_content_zip_new()))
            return fail(s, KZ_ENOMEM, "compressing the item's text");
        if ((rc = kz_content_zip_pack(s->zip, it->text ? it->text : "", keep, &s->whole)) != 0)
            return fail(s, rc, "compressing the item's text");
        whole = kz_dbtext(s->whole.p ? s->whole.p : "", s->whole.len);
    }
    kz_item_in itc = *it;                           /* the platform name, cleaned */
    kz_dbval plat = clean(s, it->platform, it->platform_len, ok);
    itc.platform = plat.s;
    itc.platform_len = plat.n;
    if ((rc = platform_id(s, &itc, &pid)) != 0)
        return fail(s, rc, "finding the platform");
    kz_dbval v[ITEM_NP] = { url, canon, pid ? kz_dbint(pid) : kz_dbnull(), ref, kz_dbstr(hex),
                            excerpt, lang, published, kz_dbstr(now), kz_dbstr(now),
                            whole,
                            kz_dbint((int64_t)keep), kz_dbint((int64_t)it->text_len),
                            kz_dbint(kz_store_content_key(hex)) };
    memcpy(ip, v, sizeof v);
    return 0;
}

void kz_store_prepared(kz_store *s, const kz_item_prep *p)
{
    s->pk = *p;
    s->pk_set = s->in_tx != 0;
}

int64_t kz_store_content_key(const char *hex)
{
    int64_t k = 0;
    int i = 0;
    for (; i < KZ_CONTENT_KEY_DIGITS && hex && hex[i]; i++) {
        int c = (unsigned char)hex[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
        k = k * 16 + d;
    }
    for (; i < KZ_CONTENT_KEY_DIGITS; i++)
        k *= 16;
    return k;
}

static uint64_t ahead_key(const kz_dbval *canon, const char *hex)
{
    uint64_t u = canon->type == KZ_DB_TEXT ? XXH3_64bits(canon->s, canon->n) : 1;
    return u * 31 + XXH3_64bits(hex, 64);
}

int kz_store_sends_ahead(const kz_store *s) { return kz_db_can_send(s->db); }

/* The audit entry of an item stored or changed by ingest: its content's
 * hash. */
static int audit_content(kz_store *s, const char *action, int64_t item, const char *hex)
{
    kz_jw after;
    kz_jw_init(&after);
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "content_sha256", hex);
    kz_jw_raw(&after, "}");
    int rc = after.rc ? after.rc : kz_store_audit(s, "ingest", action, "item", item, NULL,
                                                  after.b.p);
    kz_jw_release(&after);
    return rc;
}

/* The INSERT of AHEAD_ROWS items sent ahead: ITEM_INTO, then the rows'
 * parameters in turn, then ITEM_AHEAD_END. */
static char *ahead_multi_sql(void)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_buf_adds(&b, ITEM_INTO);
    for (int r = 0; r < AHEAD_ROWS && !rc; r++) {
        rc = kz_buf_adds(&b, r ? ", (" : "(");
        for (int k = 1; k <= ITEM_NP && !rc; k++)
            rc = kz_buf_addf(&b, k < ITEM_NP ? "$%d, " : "$%d)", r * ITEM_NP + k);
    }
    if (!rc)
        rc = kz_buf_adds(&b, " " ITEM_AHEAD_END);
    if (!rc)
        rc = kz_buf_addc(&b, '\0');
    if (rc) {
        kz_buf_release(&b);
        return NULL;
    }
    return b.p;
}

/* Send the items held: AHEAD_ROWS of them as one statement (the server
 * then plans, starts and ends one INSERT instead of AHEAD_ROWS, which cost
 * it as much as the rows), fewer one statement each. */
static int ahead_send(kz_store *s)
{
    size_t held = s->ahead_len - s->ahead_sent;
    if (!held)
        return 0;
    kz_dbval v[AHEAD_ROWS * ITEM_NP];
    for (size_t k = 0; k < held * ITEM_NP; k++) {
        const struct arow *a = &s->arow[k];
        v[k].type = a->type;
        v[k].i = a->i;
        v[k].s = a->type == KZ_DB_TEXT ? s->abytes.p + a->off : NULL;
        v[k].n = a->n;
    }
    size_t per = held == AHEAD_ROWS ? AHEAD_ROWS : 1;
    for (size_t r = 0; r < held; r += per) {
        if (KZ_GROW(s->agroup, s->agroup_cap, s->agroup_len + 1))
            return fail(s, KZ_ENOMEM, "storing the item");
        int rc = kz_db_send(s->db, per == 1 ? ITEM_COLS ITEM_AHEAD_END : s->amulti,
                            v + r * ITEM_NP, (int)(per * ITEM_NP));
        if (rc)
            return fail(s, rc, "storing the item");
        s->agroup[s->agroup_len++] = (unsigned char)per;
    }
    s->ahead_sent = s->ahead_len;
    kz_buf_reset(&s->abytes);
    return 0;
}

/* The items of ahead[from..end) not inserted (their URL was stored): one
 * query finds them all, with what decides their writes (their content's
 * hash, their cases, whether they may be a sighting: case/intake.c), where
 * each would otherwise cost a round trip or three (re-ingesting an export:
 * most of its items stored already).  In a bulk transaction their rows are
 * locked by it, as ITEM_BY_URL's lookup locks one.  An item not found
 * keeps id 0 and is looked up alone. */
#define ITEM_GONE \
    "CASE WHEN i.online_status = 'removed' OR EXISTS (SELECT 1 FROM cases k JOIN decisions d " \
    "ON d.case_id = k.id JOIN notices o ON o.decision_id = d.id WHERE k.item_id = i.id AND " \
    "o.complied_at IS NOT NULL) THEN 1 ELSE 0 END"
#define ITEM_FIND \
    "SELECT u.n, i.id, i.content_sha256, " ITEM_GONE ", c.category FROM unnest($1::text[]) " \
    "WITH ORDINALITY AS u(url, n) JOIN items i ON i.canonical_url = u.url " \
    "LEFT JOIN cases c ON c.item_id = i.id ORDER BY u.n"

/* A category of the item found at f, kept */
static int afound_cat(kz_store *s, struct afound *f, const char *cat, size_t cn)
{
    if (KZ_GROW(s->acat, s->acat_cap, s->nacat + 1))
        return KZ_ENOMEM;
    s->acat[s->nacat++] = s->acats.len;
    f->c1 = s->nacat;
    if (kz_buf_add(&s->acats, cat, cn) || kz_buf_addc(&s->acats, '\0'))
        return KZ_ENOMEM;
    return 0;
}
static int ahead_find(kz_store *s, size_t from, size_t end)
{
    kz_buf a;
    kz_buf_init(&a, KZ_BUF_NOLIMIT);
    int rc = kz_buf_addc(&a, '{');
    size_t miss = 0, pos[AHEAD_ROWS];
    for (size_t k = from; k < end && !rc; k++) {
        s->afound[k].id = 0;
        if (s->ahead_id[k] || miss == AHEAD_ROWS)
            continue;
        pos[miss] = k;
        rc = kz_buf_adds(&a, miss++ ? ",\"" : "\"");
        for (const char *c = s->aurls.p + s->afound[k].url; *c && !rc; c++)
            rc = (*c == '"' || *c == '\\' ? kz_buf_addc(&a, '\\') : 0) || kz_buf_addc(&a, *c);
        rc = rc ? rc : kz_buf_addc(&a, '"');
    }
    rc = rc ? rc : kz_buf_adds(&a, "}");
    rc = rc ? rc : kz_buf_addc(&a, '\0');
    if (rc || !miss) {
        kz_buf_release(&a);
        return rc ? fail(s, KZ_ENOMEM, "finding the items") : 0;
    }
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbstr(a.p) };
    rc = kz_db_query(s->db, s->in_tx == IN_BULK ? ITEM_FIND " FOR NO KEY UPDATE OF i" : ITEM_FIND,
                     p, 1, &r);
    while (!rc && (rc = kz_dbres_next(r)) == 1) {
        int64_t n = kz_dbres_int(r, 0);
        size_t hn = 0, cn = 0;
        const char *h = kz_dbres_text(r, 2, &hn), *cat = kz_dbres_text(r, 4, &cn);
        rc = 0;
        if (n < 1 || (size_t)n > miss || hn != 64) {
            rc = KZ_EINTERNAL;
            break;
        }
        struct afound *f = &s->afound[pos[n - 1]];
        if (!f->id) {                           /* its first row */
            f->id = kz_dbres_int(r, 1);
            memcpy(f->hash, h, 64);
            f->gone = kz_dbres_int(r, 3) != 0;
            f->cases = 1;
            f->c0 = f->c1 = s->nacat;
        }
        if (cat && (rc = afound_cat(s, f, cat, cn)) != 0)
            break;
    }
    kz_dbres_done(r);
    kz_buf_release(&a);
    return rc ? fail(s, rc, "finding the items") : 0;
}

/* The result of the oldest statement of items sent ahead: the id of each
 * item it inserted; an item it did not (its URL is stored) keeps id 0. */
static int ahead_read_text(kz_store *s);

static int ahead_read(kz_store *s)
{
    if (s->agroup_head == s->agroup_len)
        return fail(s, KZ_EINTERNAL, "storing the item");
    if (!s->agroup[s->agroup_head]) {
        s->agroup_head++;
        return ahead_read_text(s);
    }
    size_t at = s->ahead_read, end = at + s->agroup[s->agroup_head++];
    kz_dbres *r = NULL;
    int rc = kz_db_take(s->db, &r);
    while (rc == 0 && (rc = kz_dbres_next(r)) == 1) {
        size_t un = 0, hn = 0;
        const char *u = kz_dbres_text(r, 1, &un), *h = kz_dbres_text(r, 2, &hn);
        kz_dbval canon = kz_dbtext(u, un);
        uint64_t key = u && h && hn == 64 ? ahead_key(&canon, h) : 0;
        while (at < end && s->ahead[at] != key)
            at++;                               /* not inserted: the URL was there */
        if (at == end) {
            rc = KZ_EINTERNAL;                  /* a row of no item sent */
            break;
        }
        s->ahead_id[at++] = kz_dbres_int(r, 0);
        rc = 0;
    }
    kz_dbres_done(r);
    size_t from = s->ahead_read;
    s->ahead_read = end;
    return rc ? fail(s, rc, "storing the item") : ahead_find(s, from, end);
}

/* The result of an item without a canonical URL sent ahead (ITEM_TEXT):
 * inserted, or found by its text with what decides its writes.  Its cases
 * were read when it was sent, before the items ahead of it were stored:
 * known only if none of those opened a case or changed a text since. */
static int ahead_read_text(kz_store *s)
{
    size_t at = s->ahead_read++;
    struct afound *f = &s->afound[at];
    kz_dbres *r = NULL;
    int rc = kz_db_take(s->db, &r);
    while (rc == 0 && (rc = kz_dbres_next(r)) == 1) {
        size_t cn = 0;
        const char *cat = kz_dbres_text(r, 3, &cn);
        rc = 0;
        if (kz_dbres_int(r, 1)) {
            s->ahead_id[at] = kz_dbres_int(r, 0);   /* inserted */
            continue;
        }
        if (!f->id) {                           /* its first row */
            f->id = kz_dbres_int(r, 0);
            f->gone = kz_dbres_int(r, 2) != 0;
            f->cases = f->changes == s->changes;
            f->c0 = f->c1 = s->nacat;
        }
        if (cat && f->cases && (rc = afound_cat(s, f, cat, cn)) != 0)
            break;
    }
    kz_dbres_done(r);
    return rc ? fail(s, rc, "storing the item") : 0;
}

/* What was found of item with its statement (ahead_find) no longer holds:
 * a case of it opened or its content changed.  Those not yet stored of
 * the items found are looked up alone. */
static void afound_forget(kz_store *s, int64_t item)
{
    s->changes++;
    for (size_t k = s->ahead_head; k < s->ahead_read; k++)
        if (s->afound[k].id == item)
            s->afound[k].id = 0;
    if (s->acur != SIZE_MAX && s->afound[s->acur].id == item)
        s->acur = SIZE_MAX;
}

/* The item kz_store_ingest took last, as ahead_find found it, or NULL */
static const struct afound *afound_cur(const kz_store *s, int64_t item)
{
    if (s->acur == SIZE_MAX || s->acur >= s->ahead_len || s->afound[s->acur].id != item)
        return NULL;
    return &s->afound[s->acur];
}

int kz_store_known_case(kz_store *s, int64_t item, const char *category)
{
    const struct afound *f = afound_cur(s, item);
    if (!f || !f->cases)
        return -1;
    for (size_t k = f->c0; k < f->c1; k++)
        if (!strcmp(s->acats.p + s->acat[k], category))
            return 1;
    return 0;
}

int kz_store_known_gone(kz_store *s, int64_t item)
{
    const struct afound *f = afound_cur(s, item);
    return f ? f->gone : -1;
}

/* In a bulk transaction nothing else keeps another writer from storing
 * the same text without a URL meanwhile: batches with such texts take
 * turns, from the first one to their commit (one lock a batch: a lock a
 * text filled the server's lock table) */
static int urlless_lock(kz_store *s)
{
    if (s->in_tx != IN_BULK || s->urlless_locked)
        return 0;
    kz_dbval k[] = { kz_dbint((int64_t)1 << 60) };
    int rc = kz_db_query(s->db, "SELECT pg_advisory_xact_lock($1)", k, 1, NULL);
    if (rc)
        return fail(s, rc, "locking the texts without a URL");
    s->urlless_locked = 1;
    return 0;
}

/* An item without a canonical URL sent ahead: its own statement
 * (ITEM_TEXT), after the items held, which come before it. */
static int ahead_text(kz_store *s, const kz_dbval ip[ITEM_NP], const char *hex)
{
    int rc = ahead_send(s);
    if (!rc)
        rc = urlless_lock(s);
    if (rc)
        return rc;
    if (KZ_GROW(s->agroup, s->agroup_cap, s->agroup_len + 1))
        return fail(s, KZ_ENOMEM, "storing the item");
    struct afound *f = &s->afound[s->ahead_len];
    f->url = SIZE_MAX;
    f->id = 0;
    memcpy(f->hash, hex, 64);                   /* found: by this very hash */
    f->changes = s->changes;
    s->ahead[s->ahead_len] = ahead_key(&ip[1], hex);
    s->ahead_id[s->ahead_len++] = 0;
    rc = kz_db_send(s->db, s->in_tx == IN_BULK ? ITEM_TEXT_LOCKED : ITEM_TEXT, ip, ITEM_NP);
    if (rc)
        return fail(s, rc, "storing the item");
    s->agroup[s->agroup_len++] = 0;             /* a text: ahead_read_text */
    s->ahead_sent = s->ahead_len;
    return 1;
}

int kz_store_ingest_ahead(kz_store *s, const kz_item_in *it)
{
    char hex[65], now[21];
    kz_dbval ip[ITEM_NP];
    int rc;
    if (!s->in_tx || !kz_db_can_send(s->db) || !it->content_sha256 ||
        strlen(it->content_sha256) != 64)
        return 0;
    if ((rc = pg_write_lock(s)) != 0)           /* kz_store_begin_late: taken here */
        return rc;
    if ((rc = item_row(s, it, 0, hex, now, ip)) != 0)
        return rc;
    if (s->ahead_head == s->ahead_len)
        ahead_reset(s);
    if (KZ_GROW(s->ahead, s->ahead_cap, s->ahead_len + 1) ||
        KZ_GROW(s->ahead_id, s->ahead_idcap, s->ahead_len + 1) ||
        KZ_GROW(s->afound, s->afound_cap, s->ahead_len + 1) ||
        (!s->amulti && !(s->amulti = ahead_multi_sql())) ||
        (!s->arow && !(s->arow = malloc(AHEAD_ROWS * ITEM_NP * sizeof *s->arow))))
        return fail(s, KZ_ENOMEM, "storing the item");
    if (ip[1].type != KZ_DB_TEXT)
        return ahead_text(s, ip, hex);          /* found by its content, or new */
    /* held, its texts copied: ip's point into buffers the next item reuses */
    struct arow *a = &s->arow[(s->ahead_len - s->ahead_sent) * ITEM_NP];
    for (int k = 0; k < ITEM_NP; k++) {
        a[k].type = ip[k].type;
        a[k].i = ip[k].i;
        a[k].off = s->abytes.len;
        a[k].n = ip[k].n;
        if (ip[k].type == KZ_DB_TEXT &&
            (kz_buf_add(&s->abytes, ip[k].s, ip[k].n) || kz_buf_addc(&s->abytes, '\0')))
            return fail(s, KZ_ENOMEM, "storing the item");
    }
    s->afound[s->ahead_len].url = s->aurls.len;
    s->afound[s->ahead_len].id = 0;
    if (kz_buf_add(&s->aurls, ip[1].s, ip[1].n) || kz_buf_addc(&s->aurls, '\0'))
        return fail(s, KZ_ENOMEM, "storing the item");
    s->ahead[s->ahead_len] = ahead_key(&ip[1], hex);
    s->ahead_id[s->ahead_len++] = 0;
    if (s->ahead_len - s->ahead_sent == AHEAD_ROWS && (rc = ahead_send(s)) != 0)
        return rc;
    return 1;
}

int kz_store_ingest(kz_store *s, const kz_item_in *it, const kz_detection_in *d, size_t nd,
                    kz_ingest_out *out)
{
    char hex[65], now[21];
    int rc;
    int64_t item = 0;
    kz_dbval ip[ITEM_NP];
    memset(out, 0, sizeof *out);
    s->acur = SIZE_MAX;
    if ((rc = pg_write_lock(s)) != 0)           /* kz_store_begin_late: taken here */
        return rc;
    size_t extra = 0;
    for (size_t i = 0; i < nd; i++)
        extra += d[i].end > d[i].start ? d[i].end - d[i].start : 0;
    if ((rc = item_row(s, it, extra, hex, now, ip)) != 0)
        return rc;
    kz_dbval canon = ip[1], excerpt = ip[5];

    /* the same URL, or else the same content, is the same item.  With a
     * canonical URL, a new item is inserted in the statement that finds
     * out it is new (one round trip on PostgreSQL, not two). */
    if (s->ahead_head < s->ahead_len) {
        /* sent ahead (or held, then sent now): its result, which must be
         * this item's */
        size_t at = s->ahead_head++;
        if (s->ahead[at] != ahead_key(&canon, hex))
            return fail(s, KZ_EINTERNAL, "storing the item (another item was sent ahead)");
        if (at >= s->ahead_sent && (rc = ahead_send(s)) != 0)
            return rc;
        rc = 0;
        while (!rc && at >= s->ahead_read)
            rc = ahead_read(s);
        if (rc)
            return rc;
        if ((item = s->ahead_id[at]) != 0) {
            out->item_created = 1;
        } else if ((item = s->afound[at].id) != 0) {
            /* found with its statement's other items (ahead_find) */
            s->acur = at;
            out->same_content = !memcmp(s->afound[at].hash, hex, 64);
            if (s->in_tx == IN_BULK)
                s->locked_item = item;
        } else {
            rc = KZ_ENOTFOUND;
        }
    } else if (canon.type == KZ_DB_TEXT) {
        rc = kz_db_int(s->db, ITEM_UPSERT, ip, ITEM_NP, &item);
        if (rc == 0)
            out->item_created = 1;
        else if (rc != KZ_ENOTFOUND)
            return fail(s, rc, "storing the item");
    }
    int same_content = out->same_content;
    if (!out->item_created && !item) {
        kz_dbres *r = NULL;
        /* in a bulk transaction the item found is locked by the same query
         * (kz_store_lock_item then costs no round trip of its own) */
        int bulk = s->in_tx == IN_BULK;
        if (canon.type == KZ_DB_TEXT) {
            kz_dbval p[] = { canon };
            rc = kz_db_query(s->db, bulk ? ITEM_BY_URL " FOR NO KEY UPDATE" : ITEM_BY_URL,
                             p, 1, &r);
        } else {
            if ((rc = urlless_lock(s)) != 0)
                return rc;
            kz_dbval p[] = { ip[13], kz_dbstr(hex) };
            rc = kz_db_query(s->db, bulk ? ITEM_BY_TEXT " FOR NO KEY UPDATE" : ITEM_BY_TEXT,
                             p, 2, &r);
        }
        if (rc)
            return fail(s, rc, "finding the item");
        if ((rc = kz_dbres_next(r)) == 1) {
            size_t n = 0;
            const char *hx = kz_dbres_text(r, 1, &n);
            item = kz_dbres_int(r, 0);
            same_content = hx && n == 64 && !memcmp(hx, hex, 64);
            if (bulk)
                s->locked_item = item;
            rc = 0;
        } else if (rc == 0) {
            rc = KZ_ENOTFOUND;
        }
        kz_dbres_done(r);
        if (rc && rc != KZ_ENOTFOUND)
            return fail(s, rc, "finding the item");
    }
    if (out->item_created) {
        /* inserted above */
    } else if (rc == 0) {
        out->same_content = same_content;
        if (same_content) {
            kz_dbval p[] = { kz_dbstr(now), kz_dbint(item) };
            rc = kz_db_defer(s->db, "UPDATE items SET last_seen = $1 WHERE id = $2", p, 2);
        } else {                                    /* edited: the new text and hash */
            kz_dbval p[] = { kz_dbstr(now), kz_dbstr(hex), excerpt, kz_dbint(item),
                             ip[10], ip[11], ip[12], ip[13] };
            rc = kz_db_defer(s->db, "UPDATE items SET last_seen = $1, content_sha256 = $2, "
                                    "excerpt = $3, content_z = $5, content_len = $6, "
                                    "content_full_len = $7, content_key = $8 WHERE id = $4", p, 8);
        }
        if (rc)
            return fail(s, rc, "updating the item");
        if (!same_content) {
            afound_forget(s, item);
            if ((rc = audit_content(s, "item.content_changed", item, hex)) != 0)
                return rc;
        }
    } else {
        /* no canonical URL, and no item with this content */
        if ((rc = kz_db_int(s->db, ITEM_COLS "RETURNING id", ip, ITEM_NP, &item)) != 0)
            return fail(s, rc, "storing the item");
        out->item_created = 1;
    }
    if (out->item_created) {
        if ((rc = audit_content(s, "item.create", item, hex)) != 0)
            return rc;
    }
    out->item_id = item;

    /* the same content seen again: its detections are already recorded */
    for (size_t i = 0; i < nd && !same_content; i++) {
        uint32_t a = d[i].start, b = d[i].end;
        if (b > it->text_len || a > b)
            a = b = 0;
        kz_dbval p[] = { kz_dbint(item), kz_dbstr(now), kz_dbstr(d[i].method),
                         kz_dbstr(d[i].rule_id), kz_dbstr(d[i].category), kz_dbint(d[i].weight),
                         kz_dbint(a), kz_dbint(b),
                         d[i].evidence ? kz_dbstr(d[i].evidence) : clean(s, it->text + a, b - a, 0),
                         d[i].rules_version && *d[i].rules_version ? kz_dbstr(d[i].rules_version)
                                                                   : kz_dbnull(),
                         d[i].bank_version > 0 ? kz_dbint(d[i].bank_version) : kz_dbnull() };
        if ((rc = kz_db_defer(s->db, "INSERT INTO detections (item_id, detected_at, method, "
                                     "rule_id, category, weight, start_offset, end_offset, "
                                     "evidence, rules_version, bank_version) VALUES ($1, $2, $3, "
                                     "$4, $5, $6, $7, $8, $9, $10, $11)",
                              p, 11)) != 0)
            return fail(s, rc, "storing a detection");
    }

    return 0;
}
