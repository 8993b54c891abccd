/*
 * case/review.h - what the reviewers' screens read: one case's text and
 * the other material that bears on it (hash-bank matches with the earlier
 * decision each points to, other items with the same content), and the
 * dashboard's figures.  Reads only; any staff account may read.
 *
 * kz_case_review reads what the review page shows of one case into a
 * struct; the API's document of a case (with its notices, appeals and
 * checks) is kz_case_show_json's (case/case.h).
 */
#ifndef KZ_CASE_REVIEW_H
#define KZ_CASE_REVIEW_H

#include "case/account.h"
#include "store/content.h"

/* The whole text of the case's item as written (store/content.h) when it
 * is kept: *kind 1; else the excerpt: *kind 2; nothing (purged under the
 * retention rule, or never stored): *kind 0.  KZ_ENOTFOUND: no such case. */
int kz_case_text(kz_actor *a, int64_t case_id, kz_buf *out, int *kind);

/* A hash-bank match of the case's item and the earlier decision its bank
 * entry came from (decision_id 0: an imported entry). */
typedef struct kz_bank_match {
    char    bank[72], category[64], origin[40];
    int64_t decision_id, case_id;
    char    measure[24], decided_at[21];
    int     reversed;
} kz_bank_match;

/* Another item that bears on the case: the same content (the same SHA-256
 * of its text: how "same"), or a match of the same bank entry (how
 * "bank"), with its case in the same category, if any. */
typedef struct kz_related {
    int64_t item_id, case_id;
    char    how[8];
    char    url[256];                  /* cut to fit */
    char    state[24], measure[24];
} kz_related;

#define KZ_REVIEW_MAX 50

/* Up to KZ_REVIEW_MAX of each for the case. */
int kz_case_related(kz_actor *a, int64_t case_id, kz_bank_match *bm, size_t *nb, kz_related *rel,
                    size_t *nr);

/* ---- one case, as the review page shows it -------------------------------- */

/* A detection of the case's item. */
typedef struct kz_review_hit {
    char    rule_id[128], category[64], method[8];
    int64_t weight;
    int64_t start, end;                /* its byte span in the text; -1 when none */
    char   *context;                   /* the words around it (kz_content_context) when
                                          the text is there, else the evidence stored
                                          with it; NULL: neither */
} kz_review_hit;

typedef struct kz_review_decision {
    int64_t id;
    char    measure[24], decided_by[72], approved_by[72], decided_at[21];
    int     reversed;
    char   *legal_basis, *reasons;     /* NULL: none */
} kz_review_decision;

/* An audit entry of the case or of its item. */
typedef struct kz_review_event {
    int64_t seq;
    char    at[21], actor[72], action[64];
    char   *before, *after;            /* as stored (JSON text); NULL: none */
} kz_review_event;

#define KZ_REVIEW_HITS    256          /* detections read, in order */
#define KZ_REVIEW_HISTORY 80           /* audit entries read: the latest */

typedef struct kz_review {
    int64_t id, score, item_id;
    char    state[24], category[64], assigned_to[72], opened_at[21];
    char    platform[72], first_seen[21];
    char   *url;                       /* NULL: none */
    /* the text as written (kz_case_text's kind: 1 whole, 2 the excerpt,
     * 0 none), its first `shown` bytes fitting the budget once
     * HTML-escaped, and the rules' hits on them (hash matches are not
     * spans of the text) */
    int              kind;
    kz_buf           text;
    size_t           shown;
    kz_content_mark *marks;
    size_t           nmarks;
    /* those shown bytes as the rules read them (text/norm.h), its first
     * norm_shown bytes fitting 3/8 of the budget once HTML-escaped;
     * norm_ok 0 when the normalizer refused the text */
    kz_buf           norm;
    size_t           norm_shown;
    int              norm_ok;
    kz_review_hit      *hits;
    size_t              nhits;
    int                 hits_more;     /* more than KZ_REVIEW_HITS */
    kz_review_decision *decisions;     /* oldest first */
    size_t              ndecisions;
    kz_review_event    *history;       /* the latest, oldest first */
    size_t              nhistory;
    int                 history_more;  /* older ones were left out */
    /* kz_case_related's, read with the rest */
    kz_bank_match *banks;
    size_t         nbanks;
    kz_related    *related;
    size_t         nrelated;
} kz_review;

/* Read case_id for the review page (about five queries): *out, freed with
 * kz_review_free.  text_budget: how many bytes the text may take on the
 * page once HTML-escaped (0: no limit).  KZ_ENOTFOUND: no such case. */
int  kz_case_review(kz_actor *a, int64_t case_id, size_t text_budget, kz_review **out);
void kz_review_free(kz_review **rp);            /* NULL-safe; sets *rp = NULL */

/* 1 when the case may be appealed now: its state, and the measure of its
 * decision in effect (the latest not reversed), pass kz_case_appealable. */
int  kz_review_appealable(const kz_review *v);

/* ---- a page of cases ----------------------------------------------------- */

typedef struct kz_case_brief {
    int64_t id, score;
    char    state[24], category[64], assigned_to[72], measure[24], opened_at[21];
    char    url[256];                  /* cut to fit */
} kz_case_brief;

#define KZ_CASE_PAGE 50

/* Up to KZ_CASE_PAGE cases, newest first, with id below before (0: from
 * the newest), in state and category (NULL: any; a state that is not one
 * is KZ_EINVAL).  *n: how many; *more: 1 when older ones follow. */
int kz_case_page(kz_actor *a, const char *state, const char *category, int64_t before,
                 kz_case_brief *out, size_t *n, int *more);

/* ---- the dashboard ------------------------------------------------------- */

typedef struct kz_dash_cat {
    char    category[64];
    int64_t young, mid, old;           /* opened < 1 day, 1-7 days, > 7 days ago */
} kz_dash_cat;

typedef struct kz_dash_notice {
    int64_t id, case_id;
    char    platform[72], deadline[21];
    int     overdue;
} kz_dash_notice;

typedef struct kz_dash_wait {          /* an appeal or a block awaiting a second person */
    int64_t case_id;
    char    category[64], what[24], who[72], at[21];
} kz_dash_wait;

typedef struct kz_dash_day {
    char    day[11];                   /* YYYY-MM-DD */
    int64_t items;
} kz_dash_day;

typedef struct kz_dash_person {
    char    name[72], role[16];
    int64_t in_review, decided7, held;
} kz_dash_person;

#define KZ_DASH_DAYS 14
#define KZ_DASH_NEAR (24 * 3600)       /* a notice is near its deadline within a day */

typedef struct kz_dashboard {
    kz_dash_cat    cats[64];
    size_t         ncats;
    kz_dash_notice notices[KZ_REVIEW_MAX];
    size_t         nnotices;
    kz_dash_wait   appeals[KZ_REVIEW_MAX];
    size_t         nappeals;
    kz_dash_wait   blocks[KZ_REVIEW_MAX];
    size_t         nblocks;
    kz_dash_day    days[KZ_DASH_DAYS];  /* the last 14 days, oldest first, today last */
    kz_dash_person people[128];
    size_t         npeople;
    char           now[21];
} kz_dashboard;

/* Fill d (about 60 KB: allocate it) as of a's clock: open cases
 * (detected, in_review, awaiting_approval) by category and age; notices
 * not complied with whose deadline is past or within KZ_DASH_NEAR,
 * soonest first; appeals not resolved; blocks awaiting approval; items
 * flagged (a case opened) per day; per reviewer and supervisor (not
 * disabled): cases in review, decisions in the last 7 days, holds now. */
int kz_case_dashboard(kz_actor *a, kz_dashboard *d);

/* The dashboard's figures shared by a process's requests, so that a busy
 * server computes them about once a second, not once a view.  Thread-safe:
 * one handle for every thread, each with its own actor (and store).
 *
 * kz_dash_cache_get fills d with figures that were computed (by
 * kz_case_dashboard, by any thread) at most max_ms milliseconds ago: a
 * copy of the last ones while they are younger than max_ms / 2; past that
 * the first caller computes them again while the others keep getting the
 * copy; past max_ms everyone waits for the new ones (one computation).  A
 * new case therefore shows after at most max_ms.  The figures are the same
 * for every viewer (nothing in kz_dashboard is the viewer's own); an actor
 * with a fixed clock (kz_account_set_clock) gets figures of that clock.
 * Errors: kz_case_dashboard's, nothing cached. */
typedef struct kz_dash_cache kz_dash_cache;

kz_dash_cache *kz_dash_cache_new(int64_t max_ms);
void kz_dash_cache_free(kz_dash_cache **cp);          /* NULL-safe; sets *cp = NULL */
int  kz_dash_cache_get(kz_dash_cache *c, kz_actor *a, kz_dashboard *d);
/* For a thread of the caller's own that keeps the figures fresh, so that
 * no request waits for them (call it every ~100 ms, with an actor of its
 * own on a store handle of its own): computes them when they are older
 * than max_ms / 4 and kz_dash_cache_get was called within the last
 * idle_ms (nobody looking: nothing computed); it starts at a quarter of
 * max_ms so that a slow computation (a busy machine) still ends before
 * anyone has to wait.  Once it has been called,
 * kz_dash_cache_get leaves refreshing to it until the figures are
 * 3/4 max_ms old.  1: computed; 0: nothing needed; or kz_case_dashboard's
 * error. */
int  kz_dash_cache_refresh(kz_dash_cache *c, kz_actor *a, int64_t idle_ms);
/* How many times the figures were computed through c (for tests). */
uint64_t kz_dash_cache_computed(kz_dash_cache *c);

/* That thread: kz_dash_feed_start opens a store handle of its own on uri,
 * acting as the system, and calls kz_dash_cache_refresh(c, ..., idle_ms)
 * every 100 ms until kz_dash_feed_stop, which wakes and joins it and
 * closes the store (NULL-safe; sets *fp = NULL).  c must outlive the
 * feed.  0, or a KZ_E* code (nothing started): then *fp holds only why
 * (kz_dash_feed_errmsg; NULL when there was no memory for it) and
 * kz_dash_feed_stop frees it. */
typedef struct kz_dash_feed kz_dash_feed;
int  kz_dash_feed_start(kz_dash_feed **fp, kz_dash_cache *c, const char *uri, int64_t idle_ms);
const char *kz_dash_feed_errmsg(const kz_dash_feed *f);    /* NULL: "out of memory" */
void kz_dash_feed_stop(kz_dash_feed **fp);

#endif
