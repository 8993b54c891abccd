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
 * Thread-safe: one kz_liverules is shared by every job thread of a
 * process, each with its own store.  A load holds a lock, so the other
 * threads wait for it at their next get (they are between jobs then).
 */
#ifndef KZ_LIVERULES_H
#define KZ_LIVERULES_H

#include "detect/scan.h"
#include "store/store.h"

typedef struct kz_liverules kz_liverules;

#define KZ_LIVERULES_CHECK_MS 5000      /* the default: a look every 5 s */

/* check_ms: the least time between two looks at the store (0: at every
 * get).  0 or KZ_ENOMEM. */
int  kz_liverules_new(kz_liverules **out, long check_ms);
void kz_liverules_free(kz_liverules **lp);          /* NULL-safe; sets *lp = NULL */

/* What a get found out (for the front end to say). */
typedef struct kz_liverules_news {
    int64_t version;            /* the version the scanner returned is */
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
 * error (news->why says why), *sc NULL.
 */
int  kz_liverules_get(kz_liverules *lr, kz_store *st, const kz_scanner **sc,
                      kz_liverules_news *news);
void kz_liverules_put(kz_liverules *lr, const kz_scanner *sc);   /* NULL-safe */

#endif
