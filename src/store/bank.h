/*
 * store/bank.h - hash banks: lists of hashes of material already decided
 * on, matched against new uploads (like Meta's hasher-matcher-actioner).
 *
 * A bank has a name ([a-z0-9._-], 1-64), one signal type (pdq, sha256,
 * md5, simhash), a distance threshold (PDQ 31 and simhash 14 by default;
 * the exact types 0) and a kind: "block" banks hold what was decided on,
 * "allow" banks hold known false positives; a query that matches an allow
 * bank of its signal type has its block matches suppressed.
 *
 * Entries are (signal, tags, origin): the signal in lowercase hex,
 * validated for the type; tags free text; origin "import" or
 * "decision:<id>".  Nothing about people is stored.
 *
 * Banks move in and out of the ThreatExchange-style CSV layout
 * "signal_type,signal,tags" (docs/banks.md).  kz_bank_parse() reads it
 * from a buffer without a database (one callback per row, good or bad), so
 * the parser can be fuzzed alone (fuzz/fuzz_bankcsv.c).
 *
 * Who may change banks: the actor must be an enabled account with the role
 * analyst, supervisor or admin; that is checked inside the transaction of
 * every change (KZ_EPERM otherwise).  The caller logs the person in
 * (cli/cmd_users.c kz_cli_act); this module only gets the name.  Every
 * change is audited (bank.create, bank.add, bank.import, and bank.remove
 * when a decision is reversed).
 *
 * Matching: the list of banks is read once per handle (and again after
 * this handle changed a bank); PDQ banks are loaded on first use into a
 * kz_pdqindex (exact Hamming-radius search), simhash banks into an array
 * scanned with popcount, and exact types are looked up through the
 * table's index.  So a kz_banks kept for a run (kuzet ingest) sees the
 * banks as they were when it first matched; changes made elsewhere show
 * in the next handle.
 *
 * Versions: every bank has a version, a counter bumped in the transaction
 * of every change to its entries (add, import, a decision's entries
 * removed or given to another decision).  A match says which version of
 * its bank it was made against (kz_bank_hit.version): for banks loaded
 * for matching (PDQ, simhash), the version they were loaded at, read in
 * the same statement as the entries; for exact types, the version when
 * the entry was looked up.
 *
 * A kz_banks borrows its store (close the kz_banks first) and is not
 * thread-safe.
 */
#ifndef KZ_BANK_H
#define KZ_BANK_H

#include "store/store.h"
#include "util/buf.h"

typedef enum kz_bank_type {
    KZ_BANK_PDQ = 0,
    KZ_BANK_SHA256,
    KZ_BANK_MD5,
    KZ_BANK_SIMHASH,
    KZ_BANK_NTYPES
} kz_bank_type;

#define KZ_BANK_SIGMAX    64        /* hex digits of the longest signal */
#define KZ_BANK_TAGS_MAX  1024      /* bytes of tags per entry */
#define KZ_BANK_NAME_MAX  64

/* "pdq", "sha256", "md5", "simhash"; NULL for a bad type. */
const char *kz_bank_type_name(int type);
/* The type named s[0..n) (any case), or -1. */
int kz_bank_type_parse(const char *s, size_t n);
/* Default threshold: PDQ 31, simhash 14, exact types 0. */
int kz_bank_default_threshold(int type);
/* Highest threshold a type allows: PDQ 256, simhash 64, exact 0. */
int kz_bank_max_threshold(int type);
/* 1 when name is a valid bank name. */
int kz_bank_name_ok(const char *name);

/* Validate s[0..n) as a signal of type (hex of the right length, either
 * case) and write it in lowercase into out[KZ_BANK_SIGMAX + 1].
 * 0 or KZ_EINVAL. */
int kz_bank_signal_norm(int type, const char *s, size_t n, char *out);

/* ---- the CSV/TSV layout, without a database ------------------------------ */

typedef struct kz_bank_row {
    unsigned    line;               /* 1-based line of the input */
    const char *why;                /* non-NULL: a bad row (static text); the rest unset */
    int         type;               /* kz_bank_type */
    char        signal[KZ_BANK_SIGMAX + 1];  /* lowercase hex */
    const char *tags;               /* unquoted, NUL-terminated; lent for the call */
    size_t      tags_len;
} kz_bank_row;

/* Called once per data row (header, blank and '#' lines are skipped);
 * a non-zero return stops the parse and is returned by kz_bank_parse. */
typedef int (*kz_bank_row_fn)(void *ctx, const kz_bank_row *row);

/*
 * Parse "signal_type,signal,tags" rows from data[0..n): lines end in LF
 * or CRLF; the separator is a tab when the first row has one, else a
 * comma; a field may be quoted ("..." with "" for a quote, on one line);
 * unquoted fields are trimmed of spaces; tags may be left out.  The first
 * row is a header when its first field is "signal_type".  Tags must be
 * UTF-8 without control characters, at most KZ_BANK_TAGS_MAX bytes.
 * Returns 0, KZ_ENOMEM, or what fn returned.
 */
int kz_bank_parse(const char *data, size_t n, kz_bank_row_fn fn, void *ctx);

/* Append one row in the canonical layout (tags quoted when they hold a
 * comma, quote, tab, or start or end with a space).  KZ_BANK_HEADER is
 * the header line. */
int kz_bank_format_row(kz_buf *out, int type, const char *signal, const char *tags);
#define KZ_BANK_HEADER "signal_type,signal,tags\n"

/* ---- banks in the store -------------------------------------------------- */

typedef struct kz_banks kz_banks;

int  kz_bank_open(kz_banks **out, kz_store *s);     /* 0 or KZ_ENOMEM */
void kz_bank_close(kz_banks **bp);                  /* NULL-safe; sets *bp = NULL */
const char *kz_bank_errmsg(const kz_banks *b);      /* the last failure's reason */

/* Create a bank.  threshold < 0: the type's default.  allow: an allow
 * bank.  KZ_EINVAL (bad name, type or threshold), KZ_ESTATE (the name is
 * taken), KZ_EPERM, storage errors. */
int kz_bank_create(kz_banks *b, const char *actor, const char *name, int type, int threshold,
                   int allow, int64_t *id);

/* Add one entry.  origin: "import" or "decision:<id>".  *added is 0 when
 * the bank already held the signal (nothing changes).  KZ_ENOTFOUND (no
 * such bank), KZ_EINVAL, KZ_EPERM, storage errors. */
int kz_bank_add(kz_banks *b, const char *actor, const char *bank, const char *signal,
                const char *tags, const char *origin, int *added);

/* What a decision that takes effect does (src/case): add signal to the
 * block bank named bank, inside the caller's transaction, creating the
 * bank (block, the type's default threshold) when missing; audited as
 * bank.create / bank.add by actor.  No role check: the caller's workflow
 * has authorized the decision.  Nothing is banked (0, *added 0) when the
 * name or signal is not valid or the name holds a bank of another type or
 * kind.  Storage errors otherwise. */
int kz_bank_add_tx(kz_banks *b, const char *actor, const char *bank, int type, const char *signal,
                   const char *tags, const char *origin, int *added);

/* kz_bank_add_tx for a text: its SimHash (signal) and, when minhash is not
 * NULL, its MinHash (KZ_MINHASH_HEXLEN hex digits, detect/minhash.h) kept
 * beside it in the same entry of the simhash bank.  A MinHash that is not
 * valid is left out. */
int kz_bank_add_text_tx(kz_banks *b, const char *actor, const char *bank, const char *signal,
                        const char *minhash, const char *tags, const char *origin, int *added);

typedef struct kz_bank_import_report {
    size_t added, duplicates, bad;
} kz_bank_import_report;

/* What a bank.import audit entry records of the entries it added, besides
 * the counts: "first_id", "last_id" and "entries_sha256", the SHA-256 over
 * each entry in id order as "LEN:id" "LEN:signal" "LEN:tags" (LEN the byte
 * count), so that a verifier can tell that none was changed, deleted or
 * slipped in since (case/rows.h).  Feeds one entry to sha256_state, a
 * kz_sha256_ctx (util/sha256.h). */
void kz_bank_digest_entry(void *sha256_state, int64_t id, const char *signal, const char *tags);

/* Called for each bad row (skipped); why is static text. */
typedef void (*kz_bank_bad_fn)(void *ctx, unsigned line, const char *why);

/* Import data[0..n) (kz_bank_parse) into bank in one transaction: good
 * rows are added (origin "import"), rows already held are counted as
 * duplicates, bad rows (and rows of another signal type) are reported
 * through bad and skipped.  One audit entry "bank.import" with the
 * counts and the added entries' ids and digest (kz_bank_digest_entry).
 * Errors roll everything back. */
int kz_bank_import(kz_banks *b, const char *actor, const char *bank, const char *data,
                   size_t n, kz_bank_bad_fn bad, void *ctx, kz_bank_import_report *rep);

/* The bank's entries in the canonical layout, header first, in the order
 * they were added; appended to out. */
int kz_bank_export(kz_banks *b, const char *bank, kz_buf *out);

typedef struct kz_bank_info {
    int64_t id;
    char    name[KZ_BANK_NAME_MAX + 1];
    int     type;
    int     threshold;
    int     allow;
    int64_t entries;
    char    created_at[21];
    int64_t version;                /* bumped by every change to its entries (0: none yet) */
} kz_bank_info;

/* Every bank, by name: *out malloc'd (the caller frees; NULL when none). */
int kz_bank_list(kz_banks *b, kz_bank_info **out, size_t *n);

/* ---- matching ------------------------------------------------------------ */

typedef struct kz_bank_hit {
    const char *bank;               /* lent until the next kz_bank_match */
    const char *signal;
    const char *tags;
    const char *origin;             /* the entry's: "import" or "decision:<id>" */
    int64_t     entry_id;
    int         distance;
    int         minhash_distance;   /* simhash banks: slots that differ, -1 = not compared */
    int         allow;              /* 1: an allow-bank entry */
    int64_t     version;            /* the bank's version the match was made against */
} kz_bank_hit;

typedef struct kz_bank_result {
    kz_bank_hit *v;               /* block matches first, then allow matches */
    size_t         n;               /* all of them */
    size_t         nblock;          /* v[0..nblock): the block matches */
    int            suppressed;      /* 1: an allow bank matched; block matches do not count */
} kz_bank_result;

/*
 * Match one query of type: q[0..nq) are hex signals (1..8; for PDQ the
 * dihedral variants of one image), the distance of an entry is the
 * smallest over them.  Every entry of every bank of that type within the
 * bank's threshold is returned, sorted by bank name, distance, entry.  The
 * result is lent until the next call or kz_bank_close.
 * KZ_EINVAL (a bad signal), KZ_ENOMEM, storage errors.
 */
int kz_bank_match(kz_banks *b, int type, const char *const *q, int nq, const kz_bank_result **res);

/* Match a text against the simhash banks: simhash is its SimHash (hex),
 * minhash its MinHash (KZ_MINHASH_HEXLEN hex digits, or NULL).  An entry
 * matches when the SimHash is within the bank's threshold, or when the
 * entry has a MinHash (banked by a decision) within KZ_MINHASH_THRESHOLD
 * slots of minhash (hit.minhash_distance; the simhash distance is in
 * hit.distance either way).  The MinHashes of a bank are indexed
 * (kz_minhash_index) when the bank is first matched.  Errors as
 * kz_bank_match. */
int kz_bank_match_text(kz_banks *b, const char *simhash, const char *minhash,
                       const kz_bank_result **res);

/* 1 when a block bank of type has entries (as the handle's cached list of
 * banks says), 0 when none: a caller can skip hashing.  <0: storage error. */
int kz_bank_any_block(kz_banks *b, int type);

/* ---- decisions ------------------------------------------------------------ */

/* What a decision on an item with images does besides banking its text:
 * each image of item_id (store/media.h) has its PDQ, SHA-256 and MD5 added
 * to the block banks <category>-pdq, -sha256 and -md5 (kz_bank_add_tx:
 * created when missing, tags = category, audited), inside the caller's
 * transaction.  *added: entries new to their bank.  Storage errors. */
int kz_bank_add_media_tx(kz_banks *b, const char *actor, int64_t item_id, const char *category,
                         const char *origin, size_t *added);

/* A decision reversed on appeal: every entry whose origin is
 * "decision:<decision>" is deleted, each with an audit entry bank.remove
 * (before: bank, signal, origin), inside the caller's transaction.  An
 * entry whose signal another standing decision of the same category also
 * covers (its item's text SHA-256, or an image's SHA-256, MD5 or PDQ) stays,
 * given to that decision (audited bank.reassign); SimHash entries are not
 * kept with items, so they cannot be reassigned.  *removed: how many left.
 * Storage errors. */
int kz_bank_remove_decision_tx(kz_banks *b, const char *actor, int64_t decision, size_t *removed);

#endif
