/*
 * store/media.h - the images of an item: what a decision on the item
 * banks besides its text (docs/banks.md "Images").
 *
 * One row per image and item (table item_media, migration 7): where it
 * came from (the path or URL as the input gave it), the SHA-256 and MD5 of
 * its bytes and, when it decoded, its PDQ hash as displayed (the banks
 * match a query's 8 orientations against it) and quality.
 *
 * The bytes of an image (up to KZ_MEDIA_KEEP_MAX, one of the formats the
 * reviewers' web app shows) are kept beside its row (table item_images,
 * migration 15, base64) so that a reviewer can look at what was found;
 * they go with the item's other evidence when the retention purge drops it
 * (case/case.h, kz_case_purge).
 */
#ifndef KZ_MEDIA_H
#define KZ_MEDIA_H

#include "store/store.h"
#include "util/buf.h"

typedef struct kz_media_in {
    const char *ref;            /* path or URL, as given */
    const char *sha256;         /* 64 lowercase hex digits */
    const char *md5;            /* 32 lowercase hex digits */
    const char *pdq;            /* 64 hex digits, or NULL when it did not decode */
    int         quality;        /* PDQ quality (ignored without pdq) */
} kz_media_in;

/* Record image m of item item_id (inside the caller's transaction, like
 * kz_store_ingest); an item that already has an image with these bytes
 * keeps its row.  0 or a storage error (kz_db_errmsg(kz_store_db(s))
 * says why). */
int kz_media_add(kz_store *s, int64_t item_id, const kz_media_in *m);

#define KZ_MEDIA_KEEP_MAX ((size_t)2 << 20)     /* bytes of one image kept */

/* The content types kept and served: "image/jpeg", "image/png",
 * "image/webp", "image/gif".  1 when ctype is one of them. */
int kz_media_type_ok(const char *ctype);

/* Keep data[0..n) as the bytes of item_id's image with this SHA-256 (its
 * row added by kz_media_add, in the same transaction).  Bytes already kept
 * stay.  KZ_ETOOBIG over KZ_MEDIA_KEEP_MAX, KZ_EINVAL for a type not
 * kz_media_type_ok (nothing kept); KZ_ENOTFOUND when the item has no such
 * image row; KZ_ENOMEM; storage errors. */
int kz_media_keep(kz_store *s, int64_t item_id, const char *sha256, const char *ctype,
                  const void *data, size_t n);

/* The kept bytes of image media_id (item_media.id) appended to out, its
 * content type into ctype, its item into *item_id (may be NULL).
 * KZ_ENOTFOUND when there is no such image or its bytes were not kept (or
 * were purged); KZ_EINVAL when what is stored does not decode; KZ_ENOMEM;
 * storage errors. */
int kz_media_get(kz_store *s, int64_t media_id, char ctype[24], kz_buf *out, int64_t *item_id);

/* The ids (item_media.id, ascending) of item_id's images whose bytes are
 * kept: *ids malloc'd (NULL when none; the caller frees), *n. */
int kz_media_kept(kz_store *s, int64_t item_id, int64_t **ids, size_t *n);

#endif
