/*
 * case/case.h - the review workflow: a case's states and the rules for
 * moving between them, enforced here, in the library, whoever calls it.
 *
 *   detected --assign--> in_review --decide--> decided
 *                                   \--decide (url_block, domain_block)-->
 *                                      awaiting_approval --approve--> decided
 *   decided --notify--> notified --comply--> complied --verify gone--> verified
 *                       notified --deadline passed--> overdue --comply--> complied
 *                                                     overdue --verify gone--> verified
 *   complied --verify still online--> overdue
 *   decided|notified|overdue|complied|reopened --check gone--> verified
 *                          (kuzet verify; an open notice is complied with)
 *   verified --reopen (content returned)--> reopened --notify--> notified
 *   decided|notified|complied|overdue|verified|reopened --appeal--> appealed
 *   appealed --resolve upheld--> (the state before the appeal)
 *   appealed --resolve reversed--> reversed   (decisions.reversed_at set)
 *
 * docs/workflow.md has the table, the roles allowed for each step and the
 * reasons.  Each call is one transaction: its checks, its change and its
 * audit entry (before/after JSON, the acting account) are stored together
 * or not at all.  A refused call changes nothing.
 *
 * Errors (message in kz_account_errmsg(a)):
 *   KZ_ESTATE     the case is not in a state that allows this
 *   KZ_EPERM      the acting account may not (role, two-person rule,
 *                 appeal resolver who took part, disabled)
 *   KZ_EINVAL     a missing or bad field; the message names it
 *   KZ_ENOTFOUND  no such case, account or platform
 * and storage errors.
 */
#ifndef KZ_CASE_H
#define KZ_CASE_H

#include "case/account.h"
#include "act/verify.h"

/* Is measure one of no_action, removal_request, geo_restriction,
 * url_block, domain_block; is it restrictive (all but no_action); does it
 * need a supervisor's approval (url_block, domain_block)? */
/* The measures a decision may take, in one order everywhere (forms,
 * reports): the i-th, NULL past the last; "no_action" first. */
#define KZ_CASE_NMEASURES 5
const char *kz_case_measure(size_t i);
int kz_case_measure_ok(const char *measure);
int kz_case_measure_restrictive(const char *measure);
int kz_case_measure_needs_approval(const char *measure);

/* detected|in_review -> in_review: the case goes to a reviewer or a
 * supervisor, by an analyst, a supervisor or an admin. */
int kz_case_assign(kz_actor *a, int64_t case_id, const char *assignee);

typedef struct kz_decision_in {
    const char *measure;
    const char *legal_basis;      /* the law and article; required when restrictive */
    const char *reasons;          /* facts and reasons; always required */
    const char *scope;            /* territorial scope; required when restrictive */
    const char *until;            /* end: "YYYY-MM-DD[THH:MM:SSZ]", or */
    int         days;             /* duration in days (1..KZ_DECISION_DAYS_MAX); one
                                     is required when restrictive */
} kz_decision_in;

#define KZ_DECISION_DAYS_MAX 3650   /* a measure's longest duration given in days */

/* in_review -> decided (awaiting_approval for blocks), by the account the
 * case is assigned to.  The decision records whether detection was
 * automated (from the case) and who decided. */
int kz_case_decide(kz_actor *a, int64_t case_id, const kz_decision_in *d, int64_t *decision_id);

/* awaiting_approval -> decided: a supervisor who is not the proposer. */
int kz_case_approve(kz_actor *a, int64_t case_id);

/* awaiting_approval -> in_review: a supervisor other than the proposer does
 * not approve the proposed block; reasons required.  The proposal is closed
 * (reversed_at, never approved) and the reviewer decides again. */
int kz_case_reject(kz_actor *a, int64_t case_id, const char *reasons);

/* decided -> notified, for removal_request and geo_restriction: a notice
 * to platform (NULL: the item's platform), with the deadline = now + the
 * category's time (kz_case_deadline_*).  deadline may be NULL. */
int kz_case_notify(kz_actor *a, int64_t case_id, const char *platform, int64_t *notice_id,
                   char deadline[21]);

/* notified|overdue -> complied: the platform's answer, at now. */
int kz_case_comply(kz_actor *a, int64_t case_id, const char *answer);

/* notified -> overdue for every case whose notice is past its deadline
 * without compliance (the system may do this).  *moved: how many. */
int kz_case_check_overdue(kz_actor *a, size_t *moved);

/* complied|overdue -> verified when gone (the item is marked removed);
 * still online: complied -> overdue (escalated), overdue stays.  The
 * system may do this (the crawler's re-check). */
int kz_case_verify(kz_actor *a, int64_t case_id, int gone);

/* verified -> reopened: the content came back ("content returned on
 * DATE" when kuzet verify found it online again).  The item is online
 * again: removed_at and gone_at cleared, returned_at set, so the retention
 * purge keeps its evidence.  A reopened case takes a new notice (notify),
 * an appeal, or a re-check.  The system or an analyst, reviewer or
 * supervisor; a reason is required. */
int kz_case_reopen(kz_actor *a, int64_t case_id, const char *reason);

/* Intake (case/intake.c): store a scanned record's item and detections
 * (kz_store_ingest), then open a case in state "detected" per category in
 * f[0..nf) unless the item has one for it; out->cases_opened counts them.
 * Inside the caller's transaction; kz_store_ingest's codes. */
int kz_case_ingest(kz_store *s, const kz_item_in *it, const kz_detection_in *d, size_t nd,
                   const kz_flag_in *f, size_t nf, kz_ingest_out *out);

/* What one removal check did (kz_case_apply_check). */
typedef struct kz_check_effect {
    int64_t check_id;
    int     returned;                /* present now, gone before */
    size_t  verified, reopened, escalated;
    char    cases[256];              /* "case 3 notified -> verified, ..." */
} kz_check_effect;

/* Record a removal check (act/verify.h: kz_verify_record) and apply it to
 * every case of the item whose restrictive measure is in effect, in one
 * transaction:
 *   gone:    decided|notified|overdue|complied|reopened -> verified; the
 *            open notice gets complied_at = the check's time (answer
 *            "removal verified by kuzet verify (check N: why)") unless the
 *            platform's compliance was recorded already;
 *   present: verified -> reopened ("content returned on DATE");
 *            complied -> overdue (escalated), as verify --still-online;
 *   error:   the check is recorded; no case changes.
 * An appealed or reversed case is not changed.  The system or an analyst,
 * reviewer or supervisor.  e may be NULL. */
int kz_case_apply_check(kz_actor *a, const kz_verify_check *check, kz_check_effect *e);

/* decided|notified|complied|overdue|verified|reopened -> appealed: an appeal by
 * "content_owner" or "platform", with grounds, recorded by staff. */
int kz_case_appeal(kz_actor *a, int64_t case_id, const char *by, const char *grounds,
                   int64_t *appeal_id);

/* appealed -> back where it was ("upheld") or reversed ("reversed": the
 * measure is lifted, decisions.reversed_at set), with reasons, by a
 * reviewer or a supervisor who neither decided nor approved the decision. */
int kz_case_resolve_appeal(kz_actor *a, int64_t case_id, const char *outcome,
                           const char *reasons);

/* Retention: drop the evidence (items.excerpt, detections.evidence) of
 * items verified removed more than days ago (admin or supervisor; the
 * system - the scheduled purge - with days >= KZ_RETENTION_DAYS only).
 * Each item and the run itself are audited.  *purged: how many items. */
#define KZ_RETENTION_DAYS 183
int kz_case_purge(kz_actor *a, int days, size_t *purged);

/* Notice deadlines per category ("*": every other category), in seconds. */
int kz_case_deadline_get(kz_actor *a, const char *category, int64_t *seconds);
int kz_case_deadline_set(kz_actor *a, const char *category, int64_t seconds);   /* admin */
int kz_case_deadline_list_json(kz_actor *a, kz_buf *out);

/* Reading.  Cases as JSON lines (state, category: NULL for any); one case
 * as one JSON object with its item, detections (with evidence), decisions,
 * notices, appeals and audit trail.  KZ_ENOTFOUND for no such case. */
int kz_case_list_json(kz_actor *a, const char *state, const char *category, kz_buf *out);

/* The states a case can be in (NULL-terminated, static); 1 when state is
 * one of them.  kz_case_list_json refuses any other with KZ_EINVAL. */
/* Notices as JSON lines (id, case_id, decision_id, platform, sent_at,
 * deadline, answer, answered_at, complied_at, escalated_at, overdue):
 * all, or only those past their deadline without compliance; only
 * platform's when platform is not NULL.  Appeals as JSON lines, all or
 * only unresolved.  One item as a JSON object with its cases;
 * KZ_ENOTFOUND for no such item. */
int kz_case_notices_json(kz_actor *a, int overdue_only, const char *platform, kz_buf *out);
int kz_case_appeals_json(kz_actor *a, int open_only, kz_buf *out);
int kz_case_item_json(kz_actor *a, int64_t id, kz_buf *out);

const char *const *kz_case_states(void);
int kz_case_state_valid(const char *state);
/* 1 when a case in state, whose decision in effect took measure, may be
 * appealed (kz_case_appeal's own test: a decision in effect, and one that
 * restricts something; no_action has nothing to appeal). */
int kz_case_appealable(const char *state, const char *measure);
/* Who may file an appeal: the i-th appellant ("content_owner", "platform"),
 * NULL past the last. */
const char *kz_case_appellant(size_t i);
int kz_case_show_json(kz_actor *a, int64_t case_id, kz_buf *out);

/* The steps of the workflow open on a case in state for an account of
 * role (its name), mine: the case is assigned to that account.  The same
 * roles and states the steps themselves require, so what the web app
 * offers is what would be accepted; a step checks the rest (texts,
 * measures, holds, who holds the case) when it is taken. */
enum {
    KZ_STEP_TAKE    = 1 << 0,   /* kz_case_take: a detected case, for oneself */
    KZ_STEP_ASSIGN  = 1 << 1,   /* kz_case_assign */
    KZ_STEP_DECIDE  = 1 << 2,   /* kz_case_decide: a measure, or no_action */
    KZ_STEP_APPROVE = 1 << 3,   /* kz_case_approve and kz_case_reject */
    KZ_STEP_RESOLVE = 1 << 4,   /* kz_case_resolve_appeal */
};
unsigned kz_case_steps(const char *state, const char *role, int mine);

#endif
