/*
 * store/rulestore.h - rule sets versioned in the store: the YAML rule
 * files (detect/rules.h) published into the database one version after
 * another, so that every worker scans with the same rules and picks a
 * new version up without restarting (docs/rules.md "Versions in
 * the store").
 *
 * A version is the file's whole text, its SHA-256, the name it was
 * published from, how many rules it holds, who published it and when.
 * Versions are numbered 1, 2, 3... and never changed or deleted: a
 * detection records the version it came from (detections.rules_version),
 * and the text of that version stays there to show what the rule said.
 *
 * Publishing validates the text as the scanner would load it (parse and
 * compile, detect/scan.h): a file with any problem stores nothing.  The
 * same text as the latest version stores nothing either (a deploy script
 * may publish every time).  Publishes at the same moment, from any
 * number of processes, get unique consecutive versions: the transaction
 * holds the store's write lock from its start (store/store.h).  Who may
 * publish: an enabled analyst,
 * supervisor or admin, checked inside the transaction, which also
 * appends the audit entry "rules.publish".
 */
#ifndef KZ_RULESTORE_H
#define KZ_RULESTORE_H

#include "store/store.h"
#include "detect/rules.h"
#include "util/buf.h"

typedef struct kz_rule_version {
    int64_t version;
    char    sha256[65];         /* of the text, hex */
    char    name[256];          /* the file it was published from (as given) */
    int64_t rules;              /* how many rules */
    char    by[128];            /* the account that published it */
    char    at[21];             /* when (UTC) */
} kz_rule_version;

/*
 * Publish text[0..n) (called name in messages and recorded) as the next
 * version, by actor.  *out gets the version stored, or the latest when
 * the text is the same as its (*created 0).  KZ_EBADRULE (one "NAME:LINE:
 * reason\n" per problem appended to errs; nothing stored), KZ_EPERM (the
 * actor may not; kz_store_errmsg says why), KZ_ENOMEM, KZ_EMATCHER,
 * storage errors (kz_store_errmsg).
 */
int kz_rulestore_publish(kz_store *s, const char *actor, const char *name, const char *text,
                         size_t n, kz_buf *errs, kz_rule_version *out, int *created);

/* Every version, oldest first: *out malloc'd (the caller frees; NULL
 * when none). */
int kz_rulestore_list(kz_store *s, kz_rule_version **out, size_t *n);

/* The latest version's number (0: none published): one indexed lookup,
 * cheap enough to ask between any two jobs. */
int kz_rulestore_latest(kz_store *s, int64_t *version);

/* The text of version (0: the latest) as published: *text malloc'd and
 * NUL-terminated after *n bytes (the caller frees), *info (may be NULL)
 * what the store says of it.  KZ_ENOTFOUND, KZ_ENOMEM, storage errors. */
int kz_rulestore_text(kz_store *s, int64_t version, char **text, size_t *n,
                      kz_rule_version *info);

/*
 * Read version (0: the latest) and parse it: *rs owns a new rule set
 * whose version (kz_ruleset.version) is the number, and *info (may be
 * NULL) what the store says of it.  KZ_ENOTFOUND (no such version, or
 * none published), KZ_EBADRULE with errs (cannot happen for what
 * publish stored), storage errors.
 */
int kz_rulestore_load(kz_store *s, int64_t version, kz_ruleset **rs, kz_rule_version *info,
                      kz_buf *errs);

#endif
