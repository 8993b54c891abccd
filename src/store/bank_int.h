/*
 * store/bank_int.h - private to the bank_*.c files of src/store/: the
 * kz_banks handle, a bank loaded for matching, and the helpers the files
 * share.  Not a public header.
 */
#ifndef KZ_BANK_INT_H
#define KZ_BANK_INT_H

#include "store/bank.h"
#include "store/db.h"
#include "detect/pdqindex.h"
#include "detect/minhash.h"

/* A bank loaded for matching. */
typedef struct loaded {
    int64_t      id;
    char        *name;
    int          type, threshold, allow;
    int64_t      version;           /* the bank's, as its entries were read */
    size_t       n, cap;
    int64_t     *eid;
    char        *sig;               /* n * (KZ_BANK_SIGMAX + 1) */
    char       **tags;
    char       **orig;              /* origins */
    uint64_t    *sh;                /* simhash values */
    kz_pdqindex *ix;                /* pdq */
    kz_minhash_index *mx;           /* simhash banks: the entries' MinHashes, by entry number */
} loaded;

struct kz_banks {
    kz_store *s;
    kz_db    *db;
    char      err[512];
    loaded   *lb;
    size_t    nlb;
    /* the banks (without entry counts), read once until a change */
    kz_bank_info *bl;
    size_t    nbl;
    int       bl_ok;
    /* the last result */
    kz_bank_hit *mv;
    size_t         mn, mcap;
    char         **strs;
    size_t         nstrs, strcap;
    kz_bank_result res;
};

/* Set b's message (with the driver's for KZ_EDB and KZ_EBUSY) and return rc. */
int kz_bank__fail(kz_banks *b, int rc, const char *fmt, ...) KZ_PRINTF(3, 4);
/* Free what l holds and zero it. */
void kz_bank__loaded_release(loaded *l);
/* Forget what was loaded of bank id (it changed). */
void kz_bank__unload(kz_banks *b, int64_t id);
/* Forget the last match result. */
void kz_bank__clear_result(kz_banks *b);
/* Append "k":"v" (and ',' unless last) to j. */
/* The banks, with entry counts when counts; *out is the caller's. */
int kz_bank__list_banks(kz_banks *b, int counts, kz_bank_info **out, size_t *n);
/* Bump bank's version (inside the caller's transaction): its entries changed. */
int kz_bank__bump(kz_banks *b, int64_t bank);
/* Tags: valid UTF-8 without control characters. */
int kz_bank__tags_ok(const char *s, size_t n);

#endif
