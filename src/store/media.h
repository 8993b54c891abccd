/*
 * store/media.h - the images of an item: what a decision on the item
 * banks besides its text (docs/banks.md "Images").
 *
 * One row per image and item (table item_media, migration 7): where it
 * came from (the path or URL as the input gave it), the SHA-256 and MD5 of
 * its bytes and, when it decoded, its PDQ hash as displayed (the banks
 * match a query's 8 orientations against it) and quality.  The pixels and
 * bytes themselves are never stored.
 */
#ifndef KZ_MEDIA_H
#define KZ_MEDIA_H

#include "store/store.h"

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

#endif
