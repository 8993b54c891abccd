/*
 * pipeline/bankquery.h - what a file is matched against the hash banks
 * as (store/bank.h): its PDQ (the 8 dihedral variants) when it is an image
 * that decodes, its SimHash when it is text, and always its SHA-256 and
 * MD5.  `kuzet bank match-file` and the server's upload match both ask
 * this, so they match the same things.
 *
 * Thread-safe; the kz_simhash passed in belongs to the calling thread.
 */
#ifndef KZ_BANKQUERY_H
#define KZ_BANKQUERY_H

#include "detect/pdq.h"
#include "detect/simhash.h"
#include "detect/minhash.h"
#include "ingest/image.h"
#include "store/bank.h"

#define KZ_BANKQ_MAX 4

/* One query: type (store/bank.h KZ_BANK_*) and its nq hex signals. */
typedef struct kz_bankq {
    int type;
    int nq;
    const char *q[KZ_PDQ_NXFORMS];            /* point into hex: do not copy the struct */
    char hex[KZ_PDQ_NXFORMS][KZ_PDQ_HEXLEN + 1];
} kz_bankq;

typedef struct kz_bankqs {
    kz_bankq v[KZ_BANKQ_MAX];                 /* pdq or simhash first, then sha256, md5 */
    size_t n;
    int pdq_quality;                          /* the image's PDQ quality (pdq only) */
    char image_why[KZ_IMAGE_ERRLEN];          /* an image that did not decode: why */
    char minhash[KZ_MINHASH_HEXLEN + 1];      /* text with words, mh given: its MinHash
                                                 (matched with the SimHash); else "" */
} kz_bankqs;

/*
 * The queries for data[0..n).  Text (valid UTF-8 without NUL) gets a
 * SimHash from sh and, when mh is not NULL, a MinHash from mh.  0; KZ_ENOMEM; KZ_EINTERNAL (hashing failed).  A PDQ of
 * quality under KZ_PDQ_MIN_QUALITY is still given (a person asked), and
 * pdq_quality says so.
 */
int kz_bankq_content(const void *data, size_t n, kz_simhash *sh, kz_minhash *mh,
                     kz_bankqs *out);

/* Match query i of qs against the banks of bk (a text's SimHash with its
 * MinHash when qs has one: kz_bank_match_text; else kz_bank_match): the
 * one way every front end matches a file.  Codes and *res as
 * kz_bank_match. */
int kz_bankq_match(kz_banks *bk, const kz_bankqs *qs, size_t i, const kz_bank_result **res);

#endif
