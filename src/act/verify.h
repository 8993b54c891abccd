/*
 * act/verify.h - is removed content really gone, and does it stay gone?
 *
 * kuzet verify re-fetches every item whose case has a restrictive decision
 * in effect (a removal request or geo-restriction, or an approved URL or
 * domain block; not reversed, not ended) and decides, per fetch:
 *
 *   gone     HTTP 404, 410 or 451; or the page is a known platform's
 *            "content removed" page (a marker text for its host); or the
 *            page no longer holds the flagged text (the detections'
 *            evidence, else the start of the excerpt) nor the content's
 *            SHA-256 ("hash-absent") - unless it was redirected to another
 *            page (a log-in wall or a home page cannot be told apart from
 *            a removal without a marker: an error, "redirected");
 *   present  the flagged text or the content hash is there;
 *   error    no answer (DNS, connection, timeout, SSRF guard...), another
 *            HTTP status (403, 429, 5xx...), or nothing left to compare
 *            with (evidence purged, no hash match): neither gone nor
 *            present, never counted as a removal.
 *
 * The fetching is ingest/fetch.h (libcurl multi, caps, SSRF guard), many
 * checks in flight at once, at most KZ_VERIFY_PER_HOST per host.  This
 * module decides and records; what a check does to cases (the notice's
 * compliance, verified, reopened) is the workflow's (case/case.h,
 * kz_case_apply_check), in the same transaction as the record.
 *
 * docs/verify.md has the rules, the marker table and the file format.
 * Not thread-safe; one run per store handle.
 */
#ifndef KZ_VERIFY_H
#define KZ_VERIFY_H

#include "ingest/fetch.h"
#include "store/store.h"
#include "text/norm.h"

enum kz_verify_outcome { KZ_VERIFY_PRESENT, KZ_VERIFY_GONE, KZ_VERIFY_ERROR };

/* "present", "gone", "error"; static, never NULL. */
const char *kz_verify_outcome_name(int outcome);

#define KZ_VERIFY_PER_HOST 2          /* checks in flight per host */

/* ---- removed-content markers ------------------------------------------- */

/* A list of (host, text) pairs: a page from host (or a subdomain of it;
 * "*" is every host) whose visible text holds text is a removal page.
 * Texts are compared in kuzet's normalized form (text/norm.h), so case,
 * spacing and look-alike letters do not matter. */
typedef struct kz_verify_markers kz_verify_markers;

/* A list holding the built-in markers (docs/verify.md lists them);
 * builtin 0: an empty list.  0 or KZ_ENOMEM. */
int  kz_verify_markers_new(kz_verify_markers **out, int builtin);
void kz_verify_markers_free(kz_verify_markers **mp);      /* NULL-safe; sets *mp = NULL */
size_t kz_verify_markers_count(const kz_verify_markers *m);

/* Add one marker.  0, KZ_EINVAL (empty host or text, a text that
 * normalizes to nothing, over 1000 bytes), KZ_ENOMEM. */
int kz_verify_markers_add(kz_verify_markers *m, const char *host, const char *text);

/* Add the markers of a file's text: one per line, "HOST TEXT" (HOST, then
 * spaces or a tab, then the text to the end of the line); blank lines and
 * lines starting with '#' are skipped.  At most 10000 markers.  On
 * KZ_EINVAL, *line is the bad line's number and why (may be NULL) says
 * what is wrong; markers before it stay added. */
int kz_verify_markers_parse(kz_verify_markers *m, const char *text, size_t n, size_t *line,
                            const char **why);

/* ---- deciding one fetch ------------------------------------------------ */

typedef struct kz_verify_page {
    const char *host;              /* the item URL's host (lowercase), may be NULL */
    const char *final_host;        /* the host after redirects, may be NULL */
    int         redirected;        /* redirected to another page (not just http -> https) */
    int         fetch_kind;        /* enum kz_fetch_kind */
    const char *errmsg;            /* when fetch_kind is not OK */
    long        status;
    const char *content_type;      /* "" or NULL when none */
    const char *body;
    size_t      body_len;
    const char *content_sha256;    /* the item's, hex; may be NULL */
    const char *const *evidence;   /* the flagged spans, as written */
    size_t      nevidence;
    const char *excerpt;           /* the item's excerpt, may be NULL */
} kz_verify_page;

typedef struct kz_verify_verdict {
    int  outcome;                  /* enum kz_verify_outcome */
    char why[24];                  /* "404", "410", "451", "removed-page", "hash-absent",
                                      "text-present", "hash-present", "http-503",
                                      "timeout"..., "no-evidence", "redirected" */
    char detail[200];              /* the marker or evidence matched, the error; "" */
} kz_verify_verdict;

/* Decide p.  nm is scratch space (one per thread).  0, or KZ_ENOMEM
 * (nothing decided). */
int kz_verify_classify(const kz_verify_markers *m, kz_norm *nm, const kz_verify_page *p,
                       kz_verify_verdict *v);

/* ---- a run ------------------------------------------------------------- */

/* One check, as recorded (item_checks, docs/verify.md). */
typedef struct kz_verify_check {
    int64_t     item_id;
    const char *url;
    const char *checked_at;        /* "YYYY-MM-DDTHH:MM:SSZ" */
    long        http_status;       /* 0: no response */
    int         outcome;
    const char *why;
    const char *detail;            /* may be NULL or "" */
} kz_verify_check;

/* Record c inside the caller's transaction: an item_checks row, the item's
 * online_status, checked_at, gone_at (set when it goes gone), returned_at
 * (when it is present after being gone), removed_at (the first time gone;
 * cleared when it returns), and an "item.check" audit entry by actor.  An
 * error check writes only its row and its audit entry (checked_at stays,
 * so --every retries it).  *was_gone (may be NULL): the item was gone
 * (online_status 'removed') before.  0, KZ_ENOTFOUND (no such item) or a
 * store error. */
int kz_verify_record(kz_store *s, const char *actor, const kz_verify_check *c,
                     int64_t *check_id, int *was_gone);

/* The User-Agent of a removal check. */
#define KZ_VERIFY_USER_AGENT "kuzet/" KZ_VERSION " (removal verification)"

typedef struct kz_verify_opts {
    kz_fetch_opts            fetch;     /* allow_private...; user_agent NULL:
                                           KZ_VERIFY_USER_AGENT; only timeout_ms
                                           set (or none, 30 s): the other limits
                                           from it (kz_fetch_opts_timeout);
                                           max_parallel 0: 16 */
    int64_t                  every;     /* seconds: skip items checked (present or gone)
                                           less than this long ago; 0: check all */
    const kz_verify_markers *markers;   /* NULL: the built-in ones */
    size_t                   limit;     /* items at most per run; 0: no limit */
    int64_t                  case_id;   /* only this case's item (every ignored); 0: all */
} kz_verify_opts;

/* Called once per item checked, in the order fetches finish.  c is lent.
 * A non-zero return stops the run, which returns it. */
typedef int (*kz_verify_fn)(void *arg, const kz_verify_check *c);

/* Select the items due (decision in effect, URL known, not checked within
 * o->every), fetch them and call fn with each verdict; fn records it
 * (kz_case_apply_check).  *selected (may be NULL): how many were due.
 * 0, KZ_EINVAL (no o or fn), KZ_ENOMEM, KZ_EINTERNAL (libcurl), or a
 * store error (message in kz_store_errmsg). */
int kz_verify_run(kz_store *s, const kz_verify_opts *o, kz_verify_fn fn, void *arg,
                  size_t *selected);

#endif
