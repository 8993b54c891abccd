/*
 * act/hashlist.h - the private URL check, as Safe Browsing v4 does it: a
 * client checks a URL against the blocklist without the server learning
 * the URL.
 *
 * The blocklist's entries are Safe Browsing expressions ("host/" for a
 * domain block, "host/path[?query]" for a URL block: act/blocklist.h).
 * The server publishes the sorted, unique 4-byte prefixes of their SHA-256
 * hashes, with a version (the store's blocklist serial, act/active.h).  A
 * client
 *
 *   1. fetches the prefix list, in full or as the changes since the version
 *      it holds (additions and removals, or a full reset when the server
 *      does not know that version), and checks it against a checksum;
 *   2. computes the lookup expressions of a URL (the same up to 30
 *      host-suffix x path-prefix expressions the plain check uses, on the
 *      URL read as a browser reads it) and their SHA-256;
 *   3. only when one of them starts with a listed prefix, asks the server
 *      for the full hashes under that prefix (the server sees 4 bytes of a
 *      hash, never the URL), and the URL is blocked when a full hash is
 *      one of its expressions'.
 *
 * The wire format (JSON, docs/blocklist.md "The private check"):
 *
 *   prefix list  {"version":N,"type":"full"|"diff","since":M,  (diff only)
 *                 "prefix_size":4,"count":K,"checksum":"<hex>",
 *                 "additions":["1a2b3c4d",...],"removals":[...]}
 *                checksum: SHA-256 of the K sorted 4-byte prefixes after
 *                the update, concatenated as bytes, in lowercase hex.
 *   full hashes  {"version":N,"matches":[{"prefix":"1a2b3c4d",
 *                 "hash":"<64 hex>","decision_id":ID},...]}
 *
 * A kz_hashlist is immutable once made, so any number of threads may read
 * one.  Nothing here prints.
 */
#ifndef KZ_HASHLIST_H
#define KZ_HASHLIST_H

#include "act/blocklist.h"
#include "act/export.h"
#include "store/store.h"
#include "util/buf.h"

#define KZ_HASHLIST_PREFIX 4              /* bytes of a prefix */
#define KZ_HASHLIST_MAX_QUERY 64          /* prefixes in one full-hash request */

typedef struct kz_hashlist kz_hashlist;

/* One full hash (server side: with the id of the entry it is the hash of). */
typedef struct kz_hashlist_full {
    uint8_t hash[KZ_URL_HASH_LEN];
    int64_t id;
} kz_hashlist_full;

/*
 * Server side.  The hashes of every expression of b (kz_blocklist_each),
 * under version.  0, KZ_ENOMEM, KZ_EINTERNAL (no SHA-256).
 */
int kz_hashlist_new(kz_hashlist **out, const kz_blocklist *b, int64_t version);

/* The same from entries (act/export.h; geo-restrictions are for platforms
 * and left out; an entry that does not canonicalize is left out, as
 * `kuzet check --db` leaves it out). */
int kz_hashlist_from_entries(kz_hashlist **out, const kz_export_entry *e, size_t n,
                             int64_t version);

/*
 * The list as it was at the store's blocklist version serial: the current
 * entries (blocklist_entries) with the changes made after serial undone.
 * KZ_ENOTFOUND when there is no such version; KZ_EDB (kz_store_errmsg);
 * KZ_ENOMEM.  Reads only.
 */
int kz_hashlist_load(kz_hashlist **out, kz_store *s, int64_t serial);

void kz_hashlist_free(kz_hashlist **hp);   /* NULL-safe; sets *hp = NULL */

int64_t kz_hashlist_version(const kz_hashlist *h);
size_t kz_hashlist_nprefixes(const kz_hashlist *h);
/* The sorted, unique prefixes, nprefixes x KZ_HASHLIST_PREFIX bytes. */
const uint8_t *kz_hashlist_prefixes(const kz_hashlist *h);
/* SHA-256 of kz_hashlist_prefixes(h), lowercase hex: the checksum. */
const char *kz_hashlist_checksum(const kz_hashlist *h);

/* 1 when hash starts with one of the prefixes (binary search), else 0. */
int kz_hashlist_has_prefix(const kz_hashlist *h, const uint8_t *hash);

/* The full hashes that start with prefix: *v points to them (sorted; lent,
 * valid while h lives); returns how many.  Server side only (a list made
 * by kz_hashlist_apply_json has no full hashes). */
size_t kz_hashlist_lookup(const kz_hashlist *h, const uint8_t prefix[KZ_HASHLIST_PREFIX],
                          const kz_hashlist_full **v);

/*
 * Append the prefix-list JSON that takes a client from old to cur: a
 * "diff" when old is not NULL (with "since": old's version), else "full".
 * 0 or KZ_ENOMEM / KZ_ETOOBIG from out.
 */
int kz_hashlist_update_json(kz_buf *out, const kz_hashlist *old, const kz_hashlist *cur);

/*
 * Parse a full-hash request's prefixes: q is hex prefixes separated by
 * commas ("1a2b3c4d,00ff00ff").  Fills p (cap entries).  Returns how many,
 * or KZ_EINVAL with *why (static) for a prefix that is not 8 hex digits,
 * none at all, or more than cap.
 */
int kz_hashlist_parse_prefixes(const char *q, size_t n, uint8_t (*p)[KZ_HASHLIST_PREFIX],
                               size_t cap, const char **why);

/* Append the full-hash answer for the prefixes p[0..n): every full hash
 * under each of them.  0 or KZ_ENOMEM / KZ_ETOOBIG. */
int kz_hashlist_full_json(kz_buf *out, const kz_hashlist *h,
                          const uint8_t (*p)[KZ_HASHLIST_PREFIX], size_t n);

/* ---- client side ------------------------------------------------------------ */

/*
 * Apply the prefix-list JSON json[0..n) to base (NULL: the client holds
 * nothing; then only a "full" answer applies) and check the result
 * against the checksum.  *out: the new list (prefixes only), version from
 * the answer.  KZ_EBADJSON with *why (static) when the answer is not the
 * format above, a "diff" does not start from base's version, a removal is
 * not in base, or the checksum differs (the client should then fetch the
 * full list); KZ_ENOMEM.
 */
int kz_hashlist_apply_json(kz_hashlist **out, const kz_hashlist *base, const char *json,
                           size_t n, const char **why);

/*
 * The lookup expressions of url[0..n) (read as a browser reads it:
 * kz_url_parse_browser; in c->exprs) and their SHA-256 in hash[0..*count).
 * 0; KZ_EINVAL when a browser would refuse the URL (c->url.why); KZ_ENOMEM;
 * KZ_EINTERNAL.
 */
int kz_hashlist_url(kz_blocklist_ctx *c, const char *url, size_t n,
                    uint8_t hash[KZ_URL_EXPR_MAX][KZ_URL_HASH_LEN], size_t *count);

/*
 * Parse a full-hash answer into *v (malloc'd, *nv of them; free() it).
 * 0; KZ_EBADJSON with *why (static); KZ_ENOMEM.
 */
int kz_hashlist_parse_full(const char *json, size_t n, kz_hashlist_full **v, size_t *nv,
                           const char **why);

/*
 * Of the URL's expressions (c->exprs, hashed in hash[0..n) by
 * kz_hashlist_url), the longest -- the most specific, as the plain check
 * reports it -- whose hash is one of full[0..nfull): its index, with *id
 * the entry's id; -1 when none is.
 */
int kz_hashlist_match(const kz_blocklist_ctx *c, const uint8_t hash[][KZ_URL_HASH_LEN], size_t n,
                      const kz_hashlist_full *full, size_t nfull, int64_t *id);

#endif
