/*
 * pipeline/liverules.h - the rules a long-running process scans with, taken
 * from the store (store/rulestore.h) and replaced by a newer version
 * without a restart: what kuzet worker uses when it was started without
 * --rules.
 *
 * Between two jobs a thread asks for the scanner (kz_liverules_get).  At
 * most once every check_ms (the first time always) that asks the store
 * for the latest version's number, one indexed lookup; when it is newer
 * than the one in use, the new version is read, parsed and compiled
 * (Hyperscan's databases come from detect/hscache.h when another process
 * compiled them already), and from then on every get returns it.  A job
 * keeps the scanner it got until it puts it back (kz_liverules_put), so a
 * job is scanned with one version from start to end and an old scanner
 * is freed when its last job puts it back.
 *
 * A newer version that cannot be loaded leaves the one in use in place;
 * the failure is reported in the news of that get and tried again at the
 * next look.
 *
 * The rule source of every command that scans is chosen here
 * (kz_liverules_open): a file given with --rules, compiled once and used
 * for the whole run (its detections record "file:<sha256>"), or else the
 * store's published versions, followed as above (their detections record
 * the version's number).  One-shot commands (kuzet scan, ingest, crawl)
 * get once; long-running ones (kuzet worker, serve) get per job or
 * request.
 *
 * Thread-safe: one kz_liverules is shared by every job thread of a
 * process, each with its own store.  A load holds a lock, so the other
 * threads wait for it at their next get (they are between jobs then).
 */
#ifndef KZ_LIVERULES_H
#define KZ_LIVERULES_H

#include "detect/scan.h"
#include "store/store.h"
#include "util/buf.h"

typedef struct kz_liverules kz_liverules;

#define KZ_LIVERULES_CHECK_MS 5000      /* the default: a look every 5 s */

/* check_ms: the least time between two looks at the store (0: at every
 * get).  0 or KZ_ENOMEM. */
int  kz_liverules_new(kz_liverules **out, long check_ms);
void kz_liverules_free(kz_liverules **lp);          /* NULL-safe; sets *lp = NULL */

/*
 * The rules of a command: path (its --rules FILE) when not NULL, read,
 * parsed and compiled now and never replaced (a get returns it whatever
 * the store; version 0 in the news); else the store's published versions
 * (kz_liverules_new(check_ms): nothing is read until the first get).
 * 0, KZ_EBADRULE (one "FILE:LINE: reason" per problem in errs, an
 * unreadable file too), KZ_ENOMEM, KZ_EMATCHER.
 */
int  kz_liverules_open(kz_liverules **out, const char *path, long check_ms, kz_buf *errs);
/* 1: the rules come from the store (kz_liverules_open without a file). */
int  kz_liverules_from_store(const kz_liverules *lr);

/* What a get found out (for the front end to say). */
typedef struct kz_liverules_news {
    int64_t version;            /* the version the scanner returned is (0: a file's) */
    int64_t previous;           /* changed: the one before (0: none) */
    int     changed;            /* 1: this get took a new version */
    int     rc;                 /* a newer version could not be loaded: why */
    int64_t failed;             /*   which one */
    char    why[512];
} kz_liverules_news;

/*
 * The scanner for the next job, held until kz_liverules_put; st is the
 * calling thread's store, used when a look is due.  0 and *sc (news says
 * what changed; may be NULL).  With no scanner yet (the first get) and
 * none that can be loaded: KZ_ENOTFOUND (nothing published), the load's
 * error (news->why says why), *sc NULL; until the next look is due, gets
 * return that again without asking the store.  st may be NULL for rules
 * from a file.
 */
int  kz_liverules_get(kz_liverules *lr, kz_store *st, const kz_scanner **sc,
                      kz_liverules_news *news);
void kz_liverules_put(kz_liverules *lr, const kz_scanner *sc);   /* NULL-safe */

#endif
