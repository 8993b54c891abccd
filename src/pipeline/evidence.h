/*
 * pipeline/evidence.h - one scanned record into the store: what ingest and
 * crawl both do with a scan result.
 *
 * From a record (kz_item_in) and its scan result: a detection per rule hit;
 * a detection per block hash-bank match of its text (SHA-256, and the
 * SimHash of its first 2000 bytes, the stored excerpt, which is what a
 * decision banks) and of each of its images (SHA-256, MD5, PDQ in its 8
 * orientations); a flag per category over its threshold or matched in a
 * bank; then kz_case_ingest (the item, its detections, a case per flagged
 * category) and the images' hashes (store/media.h).
 *
 * A bank match is a detection of method "hash", rule "bank:<bank>",
 * weight 100, over the whole text (span 0..0), and flags the bank's
 * category; its evidence is the matched entry's origin ("decision:<id>"),
 * the link to the earlier decision.  Every detection records where it
 * came from: a rule hit the scanner's rule-set version
 * (kz_scanner_version: "3", or "file:<sha256>"), a bank match the bank's
 * version it matched against (store/bank.h).  An image that matches an allow bank
 * (any type) has all its block matches suppressed (docs/banks.md
 * "Re-uploads").
 *
 * What is kept (data minimisation): a record with rule hits, or one whose
 * text or images match a block bank (a re-upload that evades the rules);
 * the others only with store_all.
 *
 * Cost: a record no rule matched is only hashed for the signal types some
 * block bank holds (kz_evidence_wants); with no banks, checking a record
 * costs nothing.  The hashing that does not need the store (images, the
 * text's SimHash) can be done on other threads and handed in
 * (kz_evidence_image_hashed, kz_evidence_text_simhash).
 *
 * A kz_evidence borrows its store and scanner (close it first); it opens
 * the hash banks on first use and keeps them for its life, so it sees the
 * banks as they were then (store/bank.h).  Not thread-safe: one per
 * writer, on the store's thread.
 */
#ifndef KZ_EVIDENCE_H
#define KZ_EVIDENCE_H

#include "util/kz.h"
#include "store/store.h"
#include "detect/scan.h"
#include "ingest/imghash.h"

typedef struct kz_evidence kz_evidence;

/* sc may be NULL (records without a scan: crawled images).  0 or
 * KZ_ENOMEM. */
int  kz_evidence_new(kz_evidence **out, kz_store *st, const kz_scanner *sc);
void kz_evidence_free(kz_evidence **ep);           /* NULL-safe; sets *ep = NULL */

/* Why the last image handed to kz_evidence_image did not hash (one line,
 * at most KZ_IMAGE_ERRLEN bytes); "" otherwise.  Lent until the next call. */
const char *kz_evidence_errmsg(const kz_evidence *e);

/* 1 when some block bank of type (store/bank.h kz_bank_type) has entries,
 * 0 when none, < 0 a storage error: what needs hashing at all.  Opens the
 * banks on first use. */
int kz_evidence_wants(kz_evidence *e, int type);

/* Forget the current record's images and hashes: call before each record. */
void kz_evidence_reset(kz_evidence *e);

/* Hash one image of the current record from its bytes (ref, the path or
 * URL as given, is kept as its name).  0, or KZ_EINVAL etc. with
 * kz_evidence_errmsg saying why (the record goes on without it).  The
 * bytes are kept for review as kz_evidence_image_bytes does. */
int kz_evidence_image(kz_evidence *e, const char *ref, size_t ref_len, const void *data,
                      size_t n);
/* The same for an image hashed elsewhere (kz_imghash_compute); h is
 * copied.  0 or KZ_ENOMEM. */
int kz_evidence_image_hashed(kz_evidence *e, const char *ref, size_t ref_len,
                             const kz_imghash *h);
/* Keep a copy of data[0..n), the bytes of the image last handed in, to be
 * stored with it for review (store/media.h, kz_media_keep) when the record
 * is stored.  Bytes over KZ_MEDIA_KEEP_MAX, or not JPEG, PNG, WebP or GIF
 * by their first bytes, are not kept (0: only the hashes are stored).  0 or
 * KZ_ENOMEM; KZ_EINVAL when no image was handed in. */
int kz_evidence_image_bytes(kz_evidence *e, const void *data, size_t n);
/* The SimHash of the current record's excerpt (kz_simhash_text over
 * kz_store_excerpt_len bytes), computed elsewhere; 0 means no words. */
void kz_evidence_text_simhash(kz_evidence *e, uint64_t h);

/* Match the current record's text (only the types some block bank holds;
 * it->content_sha256 used when set) and images against the block banks.
 * The number of block matches, or < 0 (a storage error). */
int kz_evidence_bank_check(kz_evidence *e, const kz_item_in *it);

/* Store the current record with the hits of r (may be NULL) and its bank
 * matches (checked here unless kz_evidence_bank_check was called since the
 * last reset), then its images' hashes and kept bytes; resets.  Inside the caller's
 * transaction.  kz_case_ingest's codes. */
int kz_evidence_store(kz_evidence *e, const kz_item_in *it, const kz_result *r,
                      kz_ingest_out *out);

/* The rule of what is kept: store the current record when r has hits,
 * when it matches a block bank, or when store_all is set (as
 * kz_evidence_store); else reset and store nothing.  1 stored, 0 not
 * stored, < 0 kz_case_ingest's codes. */
int kz_evidence_keep(kz_evidence *e, const kz_item_in *it, const kz_result *r, int store_all,
                     kz_ingest_out *out);

/* A crawled image (bytes data[0..n) at url, on host): hashed and matched
 * against the block banks; a match stores an item (the image URL,
 * platform = host) with a "hash" detection per match and a case per
 * category, beginning a transaction when *in_tx is 0 (sets it; the caller
 * commits).  out->item_id is 0 when nothing matched.  KZ_EINVAL etc. with
 * kz_evidence_errmsg saying why when the image does not decode; storage
 * errors (kz_store_errmsg). */
int kz_evidence_store_image(kz_evidence *e, const char *url, const char *host, const void *data,
                            size_t n, int *in_tx, kz_ingest_out *out);

/* An image a post gave by URL, fetched by a hash job (jobs/run.h): with
 * item_id > 0 (the post was stored) its hashes and bytes are recorded
 * with that item, as ingest records a local image; then it is matched as
 * kz_evidence_store_image does, the item a match makes naming post_url
 * (may be NULL) as where it was seen (source_ref).  Codes as there. */
int kz_evidence_store_fetched(kz_evidence *e, const char *url, const char *host, const void *data,
                              size_t n, int64_t item_id, const char *post_url, int *in_tx,
                              kz_ingest_out *out);

#endif
