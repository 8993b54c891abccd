/*
 * case/queue.h - the review queue: which case a reviewer gets next, and
 * the hold that keeps it theirs while they look at it.
 *
 * The queue is every case in state "detected", and every case "in_review"
 * assigned to the one asking, in this order (the library's, for every
 * front end):
 *   1. the case the one asking holds already (they get it back);
 *   2. the category's notice deadline (category_deadlines, "*" for the
 *      rest), shortest first: the most urgent kind of material first;
 *   3. the oldest opened first (nearest its deadline);
 *   4. the category's name, then the highest score, then the lowest id.
 * A case held by someone else, whose hold has not expired, is passed over,
 * so two reviewers never get the same case.  A hold lasts `seconds` from
 * when it was taken or last renewed (KZ_HOLD_SECONDS by default: the web
 * app renews it on every page view and form post of the case); someone who
 * leaves loses it when it expires.  A person holds one case at a time.
 *
 * Holds are working state, not decisions: they are not audited.  Only a
 * reviewer or a supervisor takes cases (KZ_EPERM for others).
 *
 * Each call is one transaction; the store's write lock (SQLite BEGIN
 * IMMEDIATE, PostgreSQL's audit lock) serialises takers, and the hold row
 * is written with a conditional upsert besides, so two takers at the same
 * moment get two different cases.
 */
#ifndef KZ_CASE_QUEUE_H
#define KZ_CASE_QUEUE_H

#include "case/account.h"

#define KZ_HOLD_SECONDS 900                 /* 15 minutes */

/* A hold as read: who holds the case ("" nobody, or expired) and until when. */
typedef struct kz_hold {
    char holder[72];
    char until[21];
    int  mine;                              /* held by the one asking */
} kz_hold;

/* Take the next case of the queue (above) for a, held for seconds (1 s to
 * 1 day; 0: KZ_HOLD_SECONDS).  skip: a case id to pass over this time (the
 * one a is leaving; its hold is released), or 0.  *case_id gets the case,
 * h (may be NULL) its hold.  KZ_ENOTFOUND ("no case is waiting") when the
 * queue has nothing for a. */
int kz_case_next(kz_actor *a, int64_t seconds, int64_t skip, int64_t *case_id, kz_hold *h);

/* Renew a's hold on case_id (also when it expired, if nobody took the case
 * since) for seconds (0: KZ_HOLD_SECONDS).  When someone else holds it, or
 * a does not, nothing changes.  Either way h gets who holds it now.  Any
 * account may call it (only a reviewer or a supervisor ever holds). */
int kz_case_hold_renew(kz_actor *a, int64_t case_id, int64_t seconds, kz_hold *h);

/* Read who holds case_id now (no change). */
int kz_case_hold_get(kz_actor *a, int64_t case_id, kz_hold *h);

/* "Assign to me": a reviewer or a supervisor takes a case in state
 * "detected" for themselves (detected -> in_review, assigned to them,
 * audited as case.assign like kz_case_assign), and holds it.  Refused
 * (KZ_ESTATE) when someone else holds it, or the case is not "detected"
 * (assigning it to someone else stays an analyst's or a supervisor's,
 * kz_case_assign). */
int kz_case_take(kz_actor *a, int64_t case_id);

/* Give up a's hold on case_id (none: fine). */
int kz_case_release(kz_actor *a, int64_t case_id);

#endif
