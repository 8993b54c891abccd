/*
 * store/audit.h - verifying the audit log, and signed checkpoints.
 *
 * Every change kuzet makes is an audit entry (store.h, kz_store_audit):
 * seq, time, actor, action, entity, before/after, and a SHA-256 hash over
 * all of it and the previous entry's hash.  A checkpoint signs (seq, hash)
 * of an entry with an Ed25519 key (libsodium): the message signed is
 * "kuzet-audit SEQ HASH".  Every transaction that appends entries stores
 * the checkpoint of its last entry with them when the store has a signer
 * (kz_store_set_signer); checkpoints can be published, so that anyone can
 * check later that the log still holds what it held then.
 *
 * kz_audit_verify() recomputes the chain and checks every checkpoint; it
 * names the first entry that does not verify.  An edited entry breaks its
 * own hash, a deleted one breaks the chain (a gap in seq, or prev_hash), a
 * truncated tail leaves a checkpoint pointing past the end.
 *
 * What the checkpoints in the database prove depends on the key they are
 * checked against.  Whoever can write the database can also rewrite the
 * chain and sign it with a key of their own, so a verifier gives the
 * published public key (pins): a checkpoint signed by any other key is a
 * failure.  A checkpoint kept outside the database (a saved one) shows that
 * the log was not cut back, as Certificate Transparency clients check a
 * signed tree head: the log must still hold that entry with that hash.
 */
#ifndef KZ_AUDIT_H
#define KZ_AUDIT_H

#include "store/store.h"
#include "util/buf.h"

#define KZ_AUDIT_PKLEN  32      /* an Ed25519 public key */
#define KZ_AUDIT_SIGLEN 64      /* a signature */
#define KZ_AUDIT_SKLEN  64      /* a secret key (libsodium's layout) */

/* A checkpoint as `kuzet audit checkpoint` prints it:
 * "SEQ HASH TIME PUBLIC-KEY SIGNATURE". */
typedef struct kz_audit_cp {
    int64_t       seq;
    char          hash[65];
    char          at[32];
    unsigned char pk[KZ_AUDIT_PKLEN];
    unsigned char sig[KZ_AUDIT_SIGLEN];
} kz_audit_cp;

/* Parse a checkpoint line (fields separated by blanks, a line end allowed).
 * 0, or KZ_EINVAL with why saying which field is wrong. */
int kz_audit_cp_parse(const char *line, size_t n, kz_audit_cp *cp, char *why, size_t whysz);
/* 1 when the checkpoint's signature verifies under its own key. */
int kz_audit_cp_signed(const kz_audit_cp *cp);
/* A public key written as 64 hex digits (blanks around it allowed). */
int kz_audit_pk_parse(const char *hex, size_t n, unsigned char pk[KZ_AUDIT_PKLEN]);
/* A key as hex, for messages. */
void kz_audit_pk_hex(const unsigned char pk[KZ_AUDIT_PKLEN], char out[2 * KZ_AUDIT_PKLEN + 1]);

typedef struct kz_audit_opts {
    const unsigned char (*pins)[KZ_AUDIT_PKLEN];  /* the published keys; none: unpinned */
    size_t              npins;
    const kz_audit_cp  *saved;     /* checkpoints kept outside the database */
    size_t              nsaved;
} kz_audit_opts;

typedef struct kz_audit_report {
    int64_t entries;          /* entries read */
    int64_t last;             /* the last entry of the unbroken chain */
    int64_t checkpoints;      /* checkpoints in the database */
    int64_t good;             /* of them, signed by a pinned key (unpinned: by
                                 the key stored with it) and matching the log */
    int64_t covered;          /* the last entry a good or saved checkpoint signed */
    int64_t uncovered;        /* entries after it */
    int64_t saved_max;        /* the highest saved checkpoint the log extends */
    int     pinned;           /* the signatures were checked against pins */
    int     failed;           /* the log does not verify: why */
    int64_t bad_seq;          /* the first entry that does not verify; 0 when the
                                 failure is at no entry (an empty log) */
    char    why[512];
} kz_audit_report;

/* Verify the log: the chain; every checkpoint in the database (with pins,
 * one signed by any other key fails, naming it); every saved checkpoint
 * (its key pinned, its entry still there with its hash); and that every
 * entry is covered by a good checkpoint (the entries after the last one
 * fail: appended behind kuzet's back, or stored by a kuzet that could not
 * sign).  With pins or saved checkpoints, a log without a good checkpoint
 * fails, the empty log too.  opts may be NULL (unpinned).  0 (look at
 * rep->failed), or a storage error.  Run it inside kz_audit_snapshot when
 * others may be writing. */
int kz_audit_verify(kz_store *s, const kz_audit_opts *opts, kz_audit_report *rep);

/* A read-only transaction over one snapshot of the database (SQLite: a
 * read transaction; PostgreSQL: REPEATABLE READ), so that the log, its
 * checkpoints and the tables are read as of one moment while writers go
 * on.  kz_audit_snapshot_end ends it (NULL-safe on a store not in one). */
int kz_audit_snapshot_begin(kz_store *s);
void kz_audit_snapshot_end(kz_store *s);

/* Load the Ed25519 secret key from key_path, creating it (mode 0600) when
 * nothing is at that path; sign the latest entry and store the checkpoint.
 * The checkpoint line ("seq hash time public-key signature") goes to line.
 * KZ_ENOTFOUND when the log is empty; KZ_EINVAL when the path holds no key
 * (not a regular file, a symbolic link to nothing, not a key), KZ_EIO when
 * it cannot be read or created: kz_store_errmsg() says which. */
int kz_audit_checkpoint(kz_store *s, const char *key_path, char *line, size_t linesz);

/* A stored checkpoint: the entry it signs (seq, hash), when, the Ed25519
 * public key and the signature (hex), and the line `kuzet audit verify
 * --against` takes ("seq hash time public-key signature"). */
typedef struct kz_audit_stored {
    int64_t seq;
    char    hash[72];
    char    at[24];
    char    public_key[72];
    char    signature[136];
    char    line[400];
} kz_audit_stored;

/* The latest signed checkpoint stored into *cp; KZ_ENOTFOUND when there
 * is none (kz_store_errmsg() says so), storage errors. */
int kz_audit_latest(kz_store *s, kz_audit_stored *cp);

/* The same as one JSON object (seq, hash, at, public_key, signature,
 * line) and a newline, appended to out. */
int kz_audit_latest_json(kz_store *s, kz_buf *out);

/* The secret key at path, created as kz_audit_checkpoint does; its codes,
 * with why (whysz bytes) saying what is wrong with the path. */
int kz_audit_key_load(const char *path, unsigned char sk[KZ_AUDIT_SKLEN], char *why, size_t whysz);
/* The public key of the key at path (created when nothing is there). */
int kz_audit_key_public(const char *path, unsigned char pk[KZ_AUDIT_PKLEN], char *why,
                        size_t whysz);

/* Sign entry seq (whose hash is hash) with sk and store the checkpoint
 * (nothing when one is stored for seq already); line may be NULL. */
int kz_audit_sign_entry(kz_store *s, const unsigned char sk[KZ_AUDIT_SKLEN], int64_t seq,
                        const char *hash, char *line, size_t linesz);

/* 1 when the key file at path exists and its mode lets group or others
 * read or write it (it is used all the same: callers warn). */
int kz_audit_key_exposed(const char *path);

/* The key file kuzet uses for a database: $KUZET_AUDIT_KEY, else the
 * database file's path + ".audit-key" (SQLite). */
void kz_audit_key_path(const kz_store *s, char *out, size_t outsz);

#endif
