/*
 * store/store.h - what kuzet remembers: items, detections, cases, and (for
 * the workflow in the next stage) decisions, notices, appeals, accounts and
 * the audit log.
 *
 * One interface over store/db.h, so the same code runs on SQLite (the
 * embedded default, a file) and on PostgreSQL.  The database is chosen by a
 * URI: "sqlite:PATH" or a path, or PostgreSQL ("postgresql://..." or a
 * libpq key=value string).  No message shows a password.  The schema is
 * versioned (store/migrations.c); a database newer than this binary is
 * refused with KZ_EVERSION, an older one must be migrated first
 * (kz_store_migrate, `kuzet db migrate`).
 *
 * A kz_store is not thread-safe; messages about the last failure are in
 * kz_store_errmsg().
 */
#ifndef KZ_STORE_H
#define KZ_STORE_H

#include "util/kz.h"
#include "store/db.h"

typedef struct kz_migration {
    int         version;
    const char *summary;
    const char *sql;            /* {ID} = the dialect's identity primary key */
} kz_migration;

extern const kz_migration kz_migrations[];
extern const size_t kz_nmigrations;

typedef struct kz_store kz_store;

#define KZ_STORE_DEFAULT "sqlite:kuzet.db"

/* Open the database at uri (NULL: $KUZET_DB, else KZ_STORE_DEFAULT).
 * need_current: refuse (KZ_EVERSION) unless the schema is exactly the one
 * this binary knows; otherwise only refuse a newer one.  On failure *out is
 * a store that holds only the reason, as every handle holds its last error
 * (sqlite3_open's way): kz_store_errmsg says it, kz_store_close frees it;
 * *out is NULL only when there was no memory for it. */
int  kz_store_open(kz_store **out, const char *uri, int need_current);
void kz_store_close(kz_store **sp);                 /* NULL-safe; sets *sp = NULL */
const char *kz_store_errmsg(const kz_store *s);     /* NULL: "out of memory" */
/* Set the detail kz_store_errmsg() returns (for the store's own modules). */
void kz_store_set_errmsg(kz_store *s, const char *fmt, ...) KZ_PRINTF(2, 3);
/* The database's URI as it may be shown: any password replaced by "***"
 * (kz_db_redact); a SQLite path as given. */
const char *kz_store_uri(const kz_store *s);
kz_db *kz_store_db(kz_store *s);
/* The store is about to write much (an ingest, a crawl): SQLite's log is
 * checkpointed by a thread of its own from now on (kz_db_bulk).  Only a
 * matter of speed: when that cannot be had, nothing else changes. */
void kz_store_bulk(kz_store *s);

/* Schema version of the database (0: empty) and of this binary. */
int kz_store_version(kz_store *s, int *current, int *latest);
/* Apply every missing migration, each in its own transaction. */
int kz_store_migrate(kz_store *s, int *from, int *to);

/* The time now, as stored: "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
void kz_store_now(char out[21]);

/* ---- items and detections ------------------------------------------------ */

typedef struct kz_item_in {
    const char *url;         size_t url_len;        /* may be NULL */
    const char *platform;    size_t platform_len;   /* may be NULL */
    const char *source_ref;  size_t source_ref_len; /* the record's id in its source */
    const char *lang;        size_t lang_len;
    const char *published;   size_t published_len;
    const char *text;        size_t text_len;       /* the content scanned */
    const char *content_sha256;  /* its SHA-256 in hex when the caller has it; NULL: computed */
} kz_item_in;

/* How much of a text is kept as an item's excerpt: at most 2000 bytes, cut
 * on a character boundary.  What a decision banks is the excerpt's SimHash,
 * so whoever matches against the banks hashes the same prefix. */
size_t kz_store_excerpt_len(const char *text, size_t n);

typedef struct kz_detection_in {
    const char *rule_id;
    const char *category;
    const char *method;      /* "rule", "regex" or "hash" */
    int         weight;
    uint32_t    start, end;  /* byte span in the text */
    const char *evidence;    /* NULL: the text of the span; else this ("decision:12") */
    const char *rules_version;  /* "rule"/"regex": the rule set's version ("3",
                                   "file:<sha256>"); NULL or "": not recorded */
    int64_t     bank_version;   /* "hash": the matched bank's version; 0: not recorded */
} kz_detection_in;

typedef struct kz_flag_in {
    const char *category;
    int         score;
} kz_flag_in;

typedef struct kz_ingest_out {
    int64_t item_id;
    int     item_created;    /* 0: the URL or content was seen before */
    size_t  cases_opened;
    int     same_content;    /* seen before, with the same content hash */
} kz_ingest_out;

/* Store one scanned record: the item is found by canonical URL, else by
 * content hash, and updated (last seen) or created; its detections are
 * recorded (out->cases_opened is 0: the cases are case/'s, kz_case_ingest).
 * Every change is in the audit log.  Call inside kz_store_begin/commit for
 * speed. */
int kz_store_ingest(kz_store *s, const kz_item_in *it, const kz_detection_in *d, size_t nd,
                    kz_ingest_out *out);

/* Before a case of item and category is inserted.  Every case gets the
 * id the database's sequence gives it: ids a store handed out itself from
 * where the sequence stood collided with those bulk batches draw meanwhile.
 * In a transaction of kz_store_begin_bulk the INSERT is then sent without
 * id and without waiting, and *placeholder (< 0) stands for that id in the
 * transaction's audit entries until the commit reads it back: returns 1.
 * Otherwise 0 (INSERT ... RETURNING id), after taking a late
 * transaction's write lock on PostgreSQL (kz_store_begin_late); < 0
 * KZ_ENOMEM or KZ_EDB. */
int kz_store_case_later(kz_store *s, int64_t item, const char *category, int64_t *placeholder);

/* What the store read of item when kz_store_ingest last found it stored
 * already, with the other items of its statement sent ahead (PostgreSQL,
 * kz_store_ingest_ahead: one query for all those whose URL was stored; a
 * text without URL with the statement that found it):
 * whether it has a case of category (1 yes, 0 no), and whether it may
 * have been gone (1: removed, or a notice of it complied with at some
 * time; 0 neither).  -1: not known (another item, not found that way, or
 * a case of it opened or its text changed since): ask the database. */
int kz_store_known_case(kz_store *s, int64_t item, const char *category);
int kz_store_known_gone(kz_store *s, int64_t item);

/* In a transaction of kz_store_begin_bulk, before reading what decides a
 * write about an item that existed before it (its cases): another bulk
 * writer doing the same waits for this one's commit (the item's row
 * locked; already done when kz_store_ingest just found the item).
 * Otherwise nothing: the write lock does it. */
int kz_store_lock_item(kz_store *s, int64_t item);

/* What a scan thread prepared of an item so that the one writer need not
 * (each field NULL or 0 when it did not). */
typedef struct kz_item_prep {
    const char *text;  size_t text_len;  /* the item's text: how it is recognized */
    const char *z;     size_t zn;        /* the text packed already: what
                                            kz_content_zip_pack writes for its
                                            kz_content_len() bytes */
    int         clean;                   /* 1: every string of the item (the whole
                                            text too) was checked valid UTF-8
                                            without NUL bytes: stored as it is */
    int         canon_given;             /* 1: canonical_url is what kz_url_canon
                                            makes of the item's url (NULL: none) */
    const char *canonical_url;  size_t canonical_url_len;
} kz_item_prep;

/* Inside a transaction: the next kz_store_ingest or kz_store_ingest_ahead
 * of an item whose text is this very pointer and length uses *p instead of
 * working it out again.  Nothing is copied: what p points to stays valid
 * until then.  Forgotten at the next call of this, and at commit or
 * rollback. */
void kz_store_prepared(kz_store *s, const kz_item_prep *p);

/* Inside a transaction, the first step of kz_store_ingest for an item that
 * will be stored (with the same URL and it->content_sha256, which must be
 * set), sent now without waiting, so the items of a batch go out together
 * (on PostgreSQL one round trip, not one each): those with a canonical URL
 * 32 to an INSERT, one without (found by its content, else inserted) a
 * statement of its own.  kz_store_ingest takes the answers in the order
 * sent, so the items sent ahead must be the next ones stored, in order: an
 * item not sent ahead stored between them would get its id after theirs.
 * 1 sent; 0 not sent (outside a transaction, no content hash, or
 * kz_store_sends_ahead is 0); or an error.  kz_store_sends_ahead: 0 where
 * a statement costs no round trip (SQLite), and nothing is ever sent. */
int kz_store_sends_ahead(const kz_store *s);
int kz_store_ingest_ahead(kz_store *s, const kz_item_in *it);

int kz_store_begin(kz_store *s);
/* kz_store_begin for a transaction that mostly writes rows nobody else
 * writes at the same time (the crawl frontier's: one host per lease).  On
 * PostgreSQL the write lock (store.md "The write lock") is not taken at
 * BEGIN but by the first write that needs it: an audit entry, an item
 * (kz_store_ingest, kz_store_ingest_ahead), a case id; a transaction that
 * has none (pages fetched, nothing flagged) never takes it, so such
 * transactions of several workers run side by side.  SQLite: the same as
 * kz_store_begin. */
int kz_store_begin_late(kz_store *s);
/* kz_store_begin for ingest's batches.  On PostgreSQL the write lock is
 * taken at commit, for as long as the batch's audit entries take to
 * append (held in memory until then, in order; their time is the
 * commit's), so the batches of several writers are written side by side.
 * Cases get the ids the database gives them (kz_store_case_later); texts
 * without a URL are looked up under one lock a batch (such batches take
 * turns from their first one), an existing item's cases with its row
 * locked (kz_store_lock_item), so two writers never store one twice.
 * SQLite: the same as kz_store_begin. */
int kz_store_begin_bulk(kz_store *s);
/* Before a kz_store_begin_bulk transaction, outside any: the platform
 * named name[0..n) is added now, in a transaction of its own, when it is
 * not in the store yet.  On PostgreSQL a batch adding a new platform holds
 * its name until it commits, and every other batch naming it waits that
 * long (the name is unique); added first, it is there for all of them.
 * A platform so added stays when the batch then rolls back (a name, no
 * item).  A name that is not valid UTF-8 without NUL, and SQLite (one
 * writer at a time anyway): nothing (the batch cleans and adds the name).
 * 0, or an error code with kz_store_errmsg. */
int kz_store_add_platform(kz_store *s, const char *name, size_t n);
int kz_store_commit(kz_store *s);
int kz_store_rollback(kz_store *s);

/* Called inside every transaction of s just before its COMMIT (and before
 * its audit checkpoint is signed), on the store's thread: a non-zero
 * return rolls the transaction back, and kz_store_commit returns it (the
 * hook says why with kz_store_set_errmsg).  What the hook writes commits
 * with the rest: the work queue (jobs/queue.h) checks there that the
 * lease the work was done under is still held, and completes it, in the
 * transaction that stores the results.  NULL: none. */
typedef int (*kz_store_commit_fn)(void *ctx, kz_store *s);
void kz_store_set_commit_hook(kz_store *s, kz_store_commit_fn fn, void *ctx);

/* Sign what every transaction appends to the audit log: at its commit, a
 * checkpoint of its last entry (store/audit.h), signed with the Ed25519 key
 * at key_path, is inserted in the same transaction, so the entries are
 * never stored without it.  The key is loaded (created when nothing is at
 * that path) on the first commit that has entries to sign.  A key that
 * cannot be loaded does not stop the writes: they are stored unsigned, and
 * kz_store_signed() says why.  NULL: commits are not signed. */
int kz_store_set_signer(kz_store *s, const char *key_path);
/* How many transactions were signed since kz_store_set_signer; *why (may
 * be NULL) is NULL while every one that appended entries was, else why the
 * key could not be loaded. */
int64_t kz_store_signed(const kz_store *s, const char **why);

/* Append an audit entry (hash-chained onto the previous one); outside a
 * transaction, in one of its own. */
int kz_store_audit(kz_store *s, const char *actor, const char *action, const char *entity,
                   int64_t entity_id, const char *before, const char *after);

/* items.content_key: the value of the first KZ_CONTENT_KEY_DIGITS hex
 * digits of a content hash (either case; any other byte, or none, counts
 * 0), so 0 <= key < 2^60.  The items are found by their content through it
 * (indexed), then by the whole hash.  Migration 21 computes the same in SQL
 * for the hashes already stored (ASCII: SQL counts characters, this
 * bytes). */
#define KZ_CONTENT_KEY_DIGITS 15
int64_t kz_store_content_key(const char *hex);

/* The hash of an audit entry, as 64 hex digits (store/audit.h). */
void kz_store_entry_hash(const char *prev, int64_t seq, const char *at, const char *actor,
                         const char *action, const char *entity, int64_t entity_id,
                         const char *before, const char *after, char hex[65]);

#endif
