/*
 * act/published.h - the blocklist as it is published to resolvers, ISPs
 * and check clients: one version of the list in effect, with everything
 * derived from it built once.
 *
 * A kz_pub is one version (act/active.h: the store's blocklist serial,
 * written by kz_active_version_update when the list in effect changed).
 * It holds the entries, the lookup table of the plain check
 * (act/blocklist.h), the hash list of the private check (act/hashlist.h),
 * and, built on first use and kept while the version lives, each export
 * (act/export.h) with its strong ETag, and each prefix-list update "since
 * version N".  So a poll of an unchanged list costs a comparison of ETags
 * and no export is built twice for one version.
 *
 * A kz_pubcache holds the current kz_pub and makes a new one from the store
 * when the one it holds is older than max_age seconds (the list in effect
 * also changes with time: decisions start and expire).  One caller at a
 * time reloads; the others go on with the version held.  Or a background
 * thread reloads (kz_pubcache_set_background, kz_pubcache_refresh) and
 * callers never do.
 *
 * Thread-safety: a kz_pub is reference-counted and read-only apart from
 * its caches, which are guarded; any thread may use one it holds a
 * reference to.  kz_pubcache_get may be called from any thread, each with
 * its own kz_store.
 */
#ifndef KZ_PUBLISHED_H
#define KZ_PUBLISHED_H

#include "act/active.h"
#include "act/blocklist.h"
#include "act/export.h"
#include "act/hashlist.h"

/* What the exports are written with (the server's configuration). */
typedef struct kz_pub_opts {
    const char *origin;       /* RPZ zone name; NULL: "rpz.local" */
    const char *landing;      /* RPZ/unbound: CNAME target; NULL: NXDOMAIN */
    uint32_t ttl;             /* 0: 300 */
} kz_pub_opts;

typedef struct kz_pub kz_pub;

/*
 * Make the list in effect now into a version (kz_active_version_update,
 * by actor, NULL: "system") and build *out from it.  Copies o's strings.
 * 0; KZ_EDB / KZ_EBUSY (kz_store_errmsg); KZ_ENOMEM; KZ_EINTERNAL.
 */
int kz_pub_load(kz_pub **out, kz_store *s, const kz_pub_opts *o, const char *actor);

/* The same from entries given (tests, and a list file): no store; geo
 * entries go only into csv and json.  e's strings are copied. */
int kz_pub_from_entries(kz_pub **out, const kz_export_entry *e, const char *const *scope,
                        size_t n, int64_t version, const kz_pub_opts *o);

kz_pub *kz_pub_ref(kz_pub *p);            /* another reference; returns p */
void kz_pub_unref(kz_pub **pp);           /* NULL-safe; sets *pp = NULL */

int64_t kz_pub_version(const kz_pub *p);
size_t kz_pub_entries(const kz_pub *p);   /* entries of every kind */
const char *kz_pub_digest(const kz_pub *p); /* SHA-256 of the list, hex (act/active.h) */
const kz_blocklist *kz_pub_blocklist(const kz_pub *p);
const kz_hashlist *kz_pub_hashlist(const kz_pub *p);

/* One export of a version.  Everything is lent by the kz_pub. */
typedef struct kz_pub_export {
    const char *body;
    size_t len;
    const char *etag;           /* "\"<version>-<16 hex of the body's SHA-256>\"" */
    const char *media_type;     /* "text/plain; charset=utf-8", "text/csv...", ... */
    uint32_t serial;            /* the RPZ SOA serial: the version */
} kz_pub_export;

/*
 * The export in format (act/export.h; full: hash-prefixes with full
 * hashes), built on the first call for this version and format, then
 * returned as it is.  0; KZ_EINVAL (format); KZ_ENOMEM.
 */
int kz_pub_export_get(kz_pub *p, int format, bool full, kz_pub_export *out);

/*
 * The prefix-list update (act/hashlist.h) that takes a client at version
 * since to this version: "full" when since is 0, not a version the store
 * has, or after this one; else a "diff" (built from the store's list at
 * since, kept for the next caller with the same since).  s may be NULL
 * (then every since but this version's own gets the full list).
 * *body and *len are lent by p.  0; KZ_EDB; KZ_ENOMEM.
 */
int kz_pub_update(kz_pub *p, kz_store *s, int64_t since, const char **body, size_t *len);

/*
 * 1 when an If-None-Match header value (a list of entity tags, or "*")
 * names etag (weak comparison, as RFC 9110 13.1.2 says for it), else 0.
 */
int kz_pub_etag_match(const char *if_none_match, const char *etag);

/* ---- the current version --------------------------------------------------- */

typedef struct kz_pubcache kz_pubcache;

/* max_age: seconds a version is used before the list in effect is read
 * again (<= 0: every call).  NULL on ENOMEM.  o's strings are copied. */
kz_pubcache *kz_pubcache_new(const kz_pub_opts *o, double max_age);
void kz_pubcache_free(kz_pubcache **cp);  /* NULL-safe */

/*
 * A reference to the current version in *out (kz_pub_unref it), reloaded
 * from s when too old.  When the reload fails and a version is held, that
 * one is returned (0) and the failure is counted; with none held, the
 * error (KZ_EDB, KZ_EBUSY, KZ_ENOMEM).
 */
int kz_pubcache_get(kz_pubcache *c, kz_store *s, kz_pub **out);

/* Drop the version held, so that the next get reloads (after a decision). */
void kz_pubcache_invalidate(kz_pubcache *c);

/*
 * Background re-reading: with kz_pubcache_set_background(c, 1), get never
 * reads the list while it holds a version (only the first get does), and
 * a refresher thread calls kz_pubcache_refresh every max_age: it reads the
 * list in effect whatever the age of the version held, so no request
 * waits for it.  refresh: 0, or the error (the version held is kept).
 * loads: how many times the list in effect was read, by get (background
 * 0) or by refresh (1).
 */
void kz_pubcache_set_background(kz_pubcache *c, int on);
int  kz_pubcache_refresh(kz_pubcache *c, kz_store *s);
unsigned long kz_pubcache_loads(const kz_pubcache *c, int background);

/* ---- the current version, read again every N seconds by a thread ----------- */

/*
 * A kz_pubfeed is a kz_pubcache in background mode and the thread that
 * refreshes it: every `every` seconds the thread reads the list in effect
 * on a store connection of its own (opened at its first reading and kept,
 * signed with audit_key, since a new version is audited), so callers of
 * kz_pubfeed_get never wait for a reading; only the first get of all
 * reads, nothing being held yet.  `kuzet serve` starts one, as it starts
 * a ticker (jobs/ticker.h).  The thread starts with SIGTERM and SIGINT
 * blocked (they are the caller's main thread's).
 */
typedef struct kz_pubfeed kz_pubfeed;

typedef struct kz_pubfeed_opts {
    kz_pub_opts pub;            /* what the exports are written with (copied) */
    double every;               /* seconds between readings; <= 0: 5 */
    const char *uri;            /* the store the thread opens (NULL: $KUZET_DB) */
    const char *audit_key;      /* its signer (NULL: kz_audit_key_path) */
    /* a reading failed, the first time after a good one (or at the
     * start): why; may be NULL */
    void (*log)(void *ctx, const char *why);
    void *ctx;
} kz_pubfeed_opts;

/* Start the thread.  0, or KZ_ENOMEM / KZ_EINTERNAL (no thread): the code
 * says all there is to say (kz_strerror). */
int  kz_pubfeed_start(kz_pubfeed **out, const kz_pubfeed_opts *o);
/* Stop the thread (after the reading in hand), join it, free all.  NULL-safe;
 * sets *fp = NULL. */
void kz_pubfeed_stop(kz_pubfeed **fp);
/* The current version (kz_pubcache_get: s reads the first one only). */
int  kz_pubfeed_get(kz_pubfeed *f, kz_store *s, kz_pub **out);
/* Readings so far: by get (background 0) or by the thread (1). */
unsigned long kz_pubfeed_loads(const kz_pubfeed *f, int background);

#endif
