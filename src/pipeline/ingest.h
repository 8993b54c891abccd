/*
 * pipeline/ingest.h - kuzet's ingest as one library call: JSON Lines posts
 * in; items, detections and cases in the store; events out.
 *
 * Each line of each input is parsed (ingest/jsonl.h) and scanned
 * (detect/scan.h), its local "images" read from inside one folder
 * (util/folder.h) and hashed, and the record kept or not by the rule of
 * pipeline/evidence.h: a record with hits or with a block hash-bank match
 * becomes an item (or updates the item with the same URL, or the same
 * content when it has no URL) with its detections, and each category it is
 * flagged for opens a case; the others are counted, not stored, unless
 * store_all.
 *
 * Threads: the input is read in batches of whole lines (about
 * KZ_INGEST_BATCH bytes, ingest/lines.h) on the caller's thread; `threads`
 * workers (util/pool.h) parse, scan and hash batches in parallel; the
 * caller's thread stores them in input order, one transaction per batch: a
 * batch is stored whole or not at all.  A batch rolled back because the
 * database was busy (SQLite's timeout ran out; PostgreSQL: deadlock,
 * serialization failure, lock timeout) is stored again, backing off, up to
 * 8 times.  At most threads + 2 batches exist at once, so memory stays
 * flat.
 *
 * When the run stored anything, it ends by signing an audit checkpoint
 * (store/audit.h) with the database's key, as every ingest run does.
 *
 * The store is used only on the caller's thread, and every event is
 * delivered there, in input order: a front end needs no locking.  Nothing
 * is printed; nothing exits.
 */
#ifndef KZ_INGEST_H
#define KZ_INGEST_H

#include "util/kz.h"
#include "util/folder.h"
#include "detect/scan.h"
#include "ingest/lines.h"
#include "store/store.h"

/* Bytes of input a batch (and its transaction) aims for: 4 MiB.  Fewer,
 * larger transactions write fewer pages: a batch's rows dirty pages all
 * over the random-keyed indexes (content hashes), and each commit writes
 * every dirty page once (docs/performance.md "Ingest"). */
#define KZ_INGEST_BATCH ((size_t)4 << 20)

/* One input: a file by path, a descriptor, or a read function. */
typedef struct kz_ingest_input {
    const char *path;           /* a file to open and read; NULL: fd or read */
    int         fd;             /* read when path and read are NULL (not closed) */
    kz_lines_read_fn read;      /* when set (and path NULL): read(read_ctx, buf, n) */
    void       *read_ctx;
    const char *name;           /* what the caller calls it; the library does not use it */
    kz_folder  *images;         /* where its "images" are read from: NULL for the
                                   options' images, else the folder of path; an
                                   input with neither has its local images refused */
} kz_ingest_input;

typedef struct kz_ingest_stats {
    size_t records;             /* lines parsed and scanned (in batches stored) */
    size_t flagged;             /* of them, flagged for some category */
    size_t rejected;            /* lines not ingested (each a KZ_INGEST_REJECTED) */
    size_t created, updated;    /* items */
    size_t cases;               /* cases opened */
    size_t image_errors;        /* images not hashed (each a KZ_INGEST_IMAGE) */
    size_t image_urls;          /* images given by URL handed to on_image_url */
    size_t bytes;               /* input bytes read */
    size_t inputs_failed;       /* inputs that could not be opened or read */
    int    complete;            /* 1: every input was read to its end and stored */
    int    checkpoint;          /* 1 signed, 0 not needed (nothing stored), < 0 failed */
} kz_ingest_stats;

typedef enum kz_ingest_what {
    KZ_INGEST_REJECTED = 1,     /* line of in not ingested; why says why */
    KZ_INGEST_IMAGE,            /* an image ref[0..ref_len) of line not hashed; why */
    KZ_INGEST_STORED,           /* line stored as item item_id (created or updated,
                                   cases_opened cases), once its batch committed */
    KZ_INGEST_PROGRESS,         /* a batch is done: stats so far */
    KZ_INGEST_INPUT_ERROR,      /* in could not be opened or read (why); the next
                                   input goes on */
    KZ_INGEST_STORE_ERROR,      /* the batch from line of in was not stored (rolled
                                   back; why, rc); the run stops */
    KZ_INGEST_CHECKPOINT,       /* the audit checkpoint at the end: rc 0 and why the
                                   checkpoint line, or rc < 0 and why the reason;
                                   key_path, key_exposed (its mode lets others read
                                   it: signed all the same) */
} kz_ingest_what;

typedef struct kz_ingest_event {
    kz_ingest_what what;
    const kz_ingest_input *in;  /* NULL for KZ_INGEST_CHECKPOINT */
    size_t      line;           /* 1-based line of in */
    const char *why;            /* lent for the call */
    const char *ref;            /* KZ_INGEST_IMAGE: the name as the record gives it */
    size_t      ref_len;        /*   (not NUL-terminated; may hold any byte) */
    int64_t     item_id;        /* KZ_INGEST_STORED */
    int         created;
    size_t      cases_opened;
    int         rc;             /* KZ_INGEST_STORE_ERROR, KZ_INGEST_CHECKPOINT */
    const char *key_path;       /* KZ_INGEST_CHECKPOINT */
    int         key_exposed;
    const kz_ingest_stats *stats;   /* always: the counts so far */
} kz_ingest_event;

/* Called on the caller's thread; a non-zero return stops the run after the
 * current batch, and kz_ingest_run returns it. */
typedef int (*kz_ingest_fn)(void *ctx, const kz_ingest_event *ev);

typedef struct kz_ingest_opts {
    const kz_scanner *scanner;  /* required */
    kz_store   *store;          /* required (schema current) */
    size_t      max_record;     /* longest line accepted; 0: 1 MiB */
    int         store_all;      /* store records without hits or bank matches too */
    kz_folder  *images;         /* "images" of every input from inside it (NULL: each
                                   input's own, kz_ingest_input.images) */
    unsigned    threads;        /* threads that parse, scan and hash; 0: the CPUs */
    int         no_checkpoint;  /* 1: sign no audit checkpoint at the end */
    const char *audit_key;      /* the checkpoint's key; NULL: kz_audit_key_path */
    size_t      batch;          /* bytes a batch aims for; 0: KZ_INGEST_BATCH */
    kz_ingest_fn on_event;      /* may be NULL */
    void       *ctx;
    /* An image a record gives by URL (http or https; ingest never fetches
     * one): called for each such URL of every record, stored or not, in
     * the transaction that stores the record's batch, with the item the
     * record became (0: not stored) and the record's URL (may be NULL).
     * 1: taken (counted in image_urls), 0: skipped, < 0: the batch is
     * rolled back and the run stops with it.  NULL: such URLs are skipped
     * (jobs/run.c queues a hash job for each). */
    int       (*on_image_url)(void *ctx, kz_store *st, const char *url, size_t url_len,
                              int64_t item_id, const char *post_url, size_t post_url_len);
} kz_ingest_opts;

/* Ingest inputs[0..ninputs) in order.  *stats (may be NULL) gets the
 * counts.  Returns 0 when the run went to its end (rejected lines, images
 * not hashed, inputs that could not be read and a checkpoint that could
 * not be signed are in the stats and events, not errors); else what
 * stopped it: a storage error (KZ_EDB, KZ_EBUSY after the retries: the
 * last batch was not stored, see KZ_INGEST_STORE_ERROR), KZ_ENOMEM,
 * KZ_EINVAL (bad options), KZ_EINTERNAL (no thread), or the callback's
 * value. */
int kz_ingest_run(const kz_ingest_opts *o, const kz_ingest_input *inputs, size_t ninputs,
                  kz_ingest_stats *stats);

#endif
