/*
 * case/views.h - what the reviewers' web app reads beyond one case: each
 * account's own display settings, and the tables its pages show (the
 * blocklist in force, notices with their deadlines, appeals waiting, each
 * person's volume of work).  docs/web.md shows where each one appears.
 *
 * The tables are kz_view: rows of named text cells, at most
 * KZ_VIEW_MAX_ROWS (v->more says there were more), so a page never grows
 * without bound.  Times are stored times ("YYYY-MM-DDTHH:MM:SSZ", UTC);
 * "now" is the actor's clock (kz_account_set_clock), so tests can fix it.
 *
 * Errors: KZ_EPERM (a role that may not read it, or settings of the
 * system), KZ_EINVAL (a bad argument; the message names it), KZ_ENOMEM,
 * storage errors; the message is kz_account_errmsg(a).
 */
#ifndef KZ_CASE_VIEWS_H
#define KZ_CASE_VIEWS_H

#include "case/account.h"

/* ---- own settings (table reviewer_settings, migration 15) ---------------- */

typedef struct kz_review_settings {
    int  blur;                  /* images shown blurred until revealed (default 1) */
    int  greyscale;             /* images shown in greyscale (default 1) */
    char lang[4];               /* "kk", "ru", "en", or "" (the browser's choice) */
} kz_review_settings;

/* The acting account's own settings (the defaults when it never set any,
 * and for the system). */
int kz_review_settings_get(kz_actor *a, kz_review_settings *out);
/* Set the acting account's own settings (any role; not the system, not a
 * disabled account); blur and greyscale 0 or 1, lang "", "kk", "ru" or
 * "en".  Audited as account.settings. */
int kz_review_settings_set(kz_actor *a, const kz_review_settings *in);

/* ---- tables --------------------------------------------------------------- */

#define KZ_VIEW_MAX_ROWS 500

typedef struct kz_view {
    const char *const *cols;    /* column names (static) */
    size_t ncols, nrows;
    char **cell;                /* nrows * ncols, row by row; NULL for none */
    size_t cap;
    int    more;                /* 1: rows past KZ_VIEW_MAX_ROWS were left out */
} kz_view;

void kz_view_init(kz_view *v);
void kz_view_release(kz_view *v);               /* NULL-safe; re-init to reuse */
/* Cell col of row (NULL when none, or no such column). */
const char *kz_view_at(const kz_view *v, size_t row, const char *col);
/* The same as a number (0 when none). */
int64_t kz_view_int(const kz_view *v, size_t row, const char *col);

/* The URL and domain blocks and geo-restrictions in force at at (NULL:
 * now; "YYYY-MM-DD" or a stored time; act/active.h says what "in force"
 * means), one row each, in decision
 * order: decision_id, case_id, kind (domain, url, geo), target, measure,
 * since (the later of the start and the approval), until (NULL: no end),
 * decided_by, approved_by, scope.  Any account or the system. */
int kz_view_blocklist(kz_actor *a, const char *at, kz_view *v);

enum { KZ_VIEW_NOTICES_OPEN = 0, KZ_VIEW_NOTICES_OVERDUE = 1, KZ_VIEW_NOTICES_ALL = 2 };
/* Notices, by deadline: open (not complied with), overdue (open and past
 * the deadline), or all.  Columns: id, case_id, decision_id, platform,
 * category, case_state, sent_at, deadline, answered_at, complied_at,
 * escalated_at, state ("open", "overdue", "complied"), seconds_left (to
 * the deadline; negative past it; NULL once complied).  Any account or the
 * system. */
int kz_view_notices(kz_actor *a, int which, kz_view *v);

/* Appeals, oldest first: all, or only those waiting (not resolved).
 * Columns: id, case_id, decision_id, measure, category, filed_by, grounds,
 * filed_at, outcome, resolved_at, reviewer, waiting_seconds (since filed;
 * NULL once resolved).  Any account or the system. */
int kz_view_appeals(kz_actor *a, int waiting_only, kz_view *v);

/* Each active analyst, reviewer and supervisor's work in [from, to)
 * (stored times or "YYYY-MM-DD"; NULL from: kz_view_volume_from, the last
 * KZ_VOLUME_DAYS days; NULL to: up to now, this second included),
 * by name: account, role, decided (decisions made), approved (blocks
 * approved or rejected), appeals (appeals resolved), in_review (cases
 * assigned to them now, not decided).  Items viewed are not recorded.  A
 * supervisor, an auditor, an admin or the system. */
int kz_view_volume(kz_actor *a, const char *from, const char *to, kz_view *v);
/* The period's first day when none is given ("YYYY-MM-DD", by a's clock). */
#define KZ_VOLUME_DAYS 7
void kz_view_volume_from(const kz_actor *a, char out[11]);

/* Platforms by name, with what the store holds about each: name, kind,
 * notice_contact, legal_representative, notice_language, items (how many
 * of its items are stored), notices (sent to it).  Any account or the
 * system. */
int kz_view_platforms(kz_actor *a, kz_view *v);

/* Crawl sources by name: name, created_at, last_run_at, recrawl_secs,
 * depth, origins, queued, done (URLs).  Any account or the system. */
int kz_view_sources(kz_actor *a, kz_view *v);

/* Hash banks by name (store/bank.h): name, signal_type ("pdq", "sha256",
 * "md5", "simhash"), kind ("allow" or "block"), threshold, entries,
 * created_at.  Any account or the system. */
int kz_view_banks(kz_actor *a, kz_view *v);

/* Accounts by name: name, role, disabled (0/1), created_at, created_by,
 * enrolled_at (NULL: not enrolled yet), disabled_at, state ("active",
 * "invited": not enrolled yet, "disabled").  Never a hash or a
 * token.  An admin, an auditor or the system. */
int kz_view_accounts(kz_actor *a, kz_view *v);

#endif
