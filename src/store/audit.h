/*
 * store/audit.h - verifying the audit log, and signed checkpoints.
 *
 * Every change kuzet makes is an audit entry (store.h, kz_store_audit):
 * seq, time, actor, action, entity, before/after, and a SHA-256 hash over
 * all of it and the previous entry's hash.  A checkpoint signs (seq, hash)
 * of the latest entry with an Ed25519 key (libsodium); checkpoints can be
 * published, so that anyone can check later that the log still holds what
 * it held then.
 *
 * kz_audit_verify() recomputes the chain and checks every checkpoint; it
 * names the first entry that does not verify.  An edited entry breaks its
 * own hash, a deleted one breaks the chain (a gap in seq, or prev_hash), a
 * truncated tail leaves a checkpoint pointing past the end.
 */
#ifndef KZ_AUDIT_H
#define KZ_AUDIT_H

#include "store/store.h"

typedef struct kz_audit_report {
    int64_t entries;          /* entries checked */
    int64_t checkpoints;      /* checkpoints checked */
    int64_t bad_seq;          /* first entry that does not verify; 0 when all do */
    char    why[256];         /* what is wrong with it */
} kz_audit_report;

/* 0 (look at rep->bad_seq), or a storage error. */
int kz_audit_verify(kz_store *s, kz_audit_report *rep);

/* Load the Ed25519 secret key from key_path, creating it (mode 0600) when
 * nothing is at that path; sign the latest entry and store the checkpoint.
 * The checkpoint line ("seq hash time public-key signature") goes to line.
 * KZ_ENOTFOUND when the log is empty; KZ_EINVAL when the path holds no key
 * (not a regular file, a symbolic link to nothing, not a key), KZ_EIO when
 * it cannot be read or created: kz_store_errmsg() says which. */
int kz_audit_checkpoint(kz_store *s, const char *key_path, char *line, size_t linesz);

/* 1 when the key file at path exists and its mode lets group or others
 * read or write it (it is used all the same: callers warn). */
int kz_audit_key_exposed(const char *path);

/* The key file kuzet uses for a database: $KUZET_AUDIT_KEY, else the
 * database file's path + ".audit-key" (SQLite). */
void kz_audit_key_path(const kz_store *s, char *out, size_t outsz);

#endif
