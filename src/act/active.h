/*
 * act/active.h - the blocklist as the store's decisions make it: the
 * measures in effect at a time, their versions (the RPZ serial), the
 * changes between versions, and the block page of one decision.
 *
 * A decision is in effect at time T when it is not reversed, starts_at <=
 * T < ends_at (or ends_at is NULL), and, for url_block and domain_block,
 * approved (approved_by set: the two-person rule).  geo_restriction needs
 * no approval.  Each is joined with its case's item:
 *
 *   url_block        the item's canonical URL          KZ_EXPORT_URL
 *   domain_block     the host of the item's URL        KZ_EXPORT_DOMAIN
 *   geo_restriction  the item's canonical URL, with    KZ_EXPORT_GEO
 *                    the decision's territorial scope
 *
 * where the item's URL (as ingested) is read as a browser reads it
 * (kz_url_parse_browser: the host it contacts, so the item at
 * "http://good.com%2f@evil.com/" is on evil.com), or in kz_url_parse's
 * form when a browser would refuse it;
 * so an expired or reversed decision drops out of the next list by itself.
 * Items without a URL (or with one that no longer canonicalizes) cannot be
 * blocked by a list and are counted in kz_active.skipped.
 *
 * Versions (migration 3): every time the list is computed for publication
 * (kz_active_version) it is compared with the last version's entries
 * (blocklist_entries); when it differs, a new version is written with
 * serial + 1, the add/del rows (blocklist_changes) and an audit entry, in
 * one transaction.  Serials start at 1 and never repeat.
 *
 * Nothing here prints; a kz_store is not thread-safe, so neither is this.
 */
#ifndef KZ_ACTIVE_H
#define KZ_ACTIVE_H

#include "act/blocklist.h"
#include "act/export.h"
#include "store/store.h"

/* The active list: entries in decision-id order, with the territorial scope
 * of each (scope[i], NULL when none) for the CSV/JSON exports. */
typedef struct kz_active {
    kz_export_entry *v;       /* strings owned by the list */
    const char **scope;       /* n of them */
    size_t n, cap, cap_scope;
    size_t skipped;           /* decisions in effect whose item has no usable URL */
    char at[21];              /* the time the list is for */
} kz_active;

void kz_active_init(kz_active *l);
void kz_active_release(kz_active *l);   /* NULL-safe; re-init to reuse */

/*
 * Fill l (emptied first) with the decisions in effect at at ("YYYY-MM-DDT
 * HH:MM:SSZ"; NULL: now).  0; KZ_EINVAL for a malformed at; KZ_EDB (the
 * message in kz_store_errmsg / kz_db_errmsg); KZ_ENOMEM.
 */
int kz_active_load(kz_active *l, kz_store *s, const char *at);

/* 1 when t is a stored time "YYYY-MM-DDTHH:MM:SSZ" (a plausible one). */
int kz_active_time_ok(const char *t);

/* A time given by a person ("--at"): "YYYY-MM-DD" (midnight UTC) or
 * "YYYY-MM-DDTHH:MM:SSZ", in the stored form into out; 0 when neither. */
int kz_active_time_arg(const char *s, char out[21]);

/* ---- the blocklist in effect ---------------------------------------------- */

/* Add entry e to b as a URL or domain block (act/blocklist.h); a
 * geo-restriction is a measure for platforms, not for lists: skipped (0).
 * kz_blocklist_add_*'s codes (KZ_EINVAL with *why, KZ_ENOMEM). */
int kz_active_blocklist_add(kz_blocklist *b, const kz_export_entry *e, const char **why);

/* The blocklist of the URL and domain blocks in effect at at (NULL: now),
 * ready for kz_blocklist_check: what `kuzet check --db` matches URLs
 * against, and a server can too.  *out is the caller's (kz_blocklist_free);
 * *entries (may be NULL): how many.  0; KZ_EINVAL (a malformed at);
 * KZ_EDB (kz_store_errmsg); KZ_ENOMEM.  *out is NULL on failure. */
int kz_active_blocklist(kz_store *s, const char *at, kz_blocklist **out, size_t *entries);

/* ---- versions ------------------------------------------------------------ */

typedef struct kz_active_version {
    int64_t serial;            /* 0: no version yet */
    int changed;               /* 1 when this call wrote a new version */
    size_t added, deleted;     /* its changes, when changed */
    char digest[65];           /* SHA-256 of the list, hex */
} kz_active_version;

/*
 * In one transaction: load the list in effect at at (NULL: now) into l,
 * compare it with the last version and, when it differs (or there is no
 * version yet), record version serial + 1 with its changes and an audit
 * entry by actor (NULL: "system").  *v describes the version now current.
 * 0, KZ_EINVAL, KZ_EDB, KZ_EBUSY (retry), KZ_ENOMEM; on error nothing is
 * recorded.
 */
int kz_active_version_update(kz_active *l, kz_store *s, const char *at, const char *actor,
                             kz_active_version *v);

/*
 * The RPZ changes since version since (0: since the beginning) up to the
 * current version cur, as an nsupdate(1) script for the zone origin (NULL:
 * "rpz.local"): the domain names whose presence changed, each as two names
 * (the name and "*.name"), "update delete NAME CNAME" for a name that left
 * the list and "update add NAME TTL CNAME TARGET" for one that joined it
 * (TARGET: landing, or "." for NXDOMAIN; ttl 0: 300), then "send".  Names
 * the RPZ export leaves out (IP addresses, names that are not DNS names)
 * are left out here too.  Header comment lines say "serial N -> M".
 * KZ_EINVAL when since > cur or origin/landing are not DNS names; KZ_EDB;
 * KZ_ENOMEM.  *nchanges (may be NULL): the number of names changed.
 */
int kz_active_changes_nsupdate(kz_store *s, int64_t since, int64_t cur, const char *origin,
                               const char *landing, uint32_t ttl, kz_buf *out,
                               size_t *nchanges);

/* ---- the block page ------------------------------------------------------- */

enum { KZ_PAGE_KK = 1, KZ_PAGE_RU = 2, KZ_PAGE_EN = 4, KZ_PAGE_ALL = 7 };

typedef struct kz_active_decision {
    int64_t id;
    char measure[20];
    char *target;              /* what is blocked: URL or host (owned) */
    char *legal_basis, *scope, *starts, *ends, *decided_at;   /* owned, may be NULL */
    int in_effect;             /* at the time of the read */
    const char *why_not;       /* static: "reversed", "not approved", ... or NULL */
} kz_active_decision;

/*
 * Read decision id (any measure) with what it targets and whether it is in
 * effect at at (NULL: now).  KZ_ENOTFOUND; KZ_EDB; KZ_ENOMEM.  Release with
 * kz_active_decision_release (NULL-safe, also after a failure).
 */
int kz_active_decision_get(kz_store *s, int64_t id, const char *at, kz_active_decision *d);
void kz_active_decision_release(kz_active_decision *d);

typedef struct kz_active_page_opts {
    unsigned langs;            /* KZ_PAGE_* bits; 0: all */
    const char *authority;     /* NULL: "the competent authority", in each language */
    const char *appeal;        /* a contact or URL; NULL: a sentence telling
                                  to write to the authority */
    bool text;                 /* plain text instead of HTML */
    bool fragment;             /* HTML: only the <section>s, for a page that has
                                  its own head and style sheet (kuzet serve's) */
} kz_active_page_opts;

/*
 * Append the block page for d: a self-contained HTML page (inline CSS, no
 * external resources, every field escaped) or plain text, stating the
 * measure, what is blocked, the authority, the legal basis, the date, the
 * period, the territorial scope and how to appeal, in Kazakh, Russian and
 * English (those in o->langs, in that order); with o->fragment, only the
 * sections, each with its lang attribute.  KZ_EINVAL when d's measure
 * is not url_block, domain_block or geo_restriction; KZ_ENOMEM.
 */
int kz_active_page_write(kz_buf *out, const kz_active_decision *d, const kz_active_page_opts *o);

#endif
