/*
 * pipeline/verifier.h - kuzet verify as one library call: every item under
 * a restrictive measure re-fetched, each verdict recorded and applied to
 * its cases; events out.
 *
 * The checking is act/verify.h (which items are due, the fetches and their
 * defaults, the markers, the verdict); what a check does to cases (an open
 * notice complied with, verified, reopened when the content is back,
 * escalated) is the workflow's, case/case.h kz_case_apply_check, one
 * transaction per check, by the given actor.  This is the step between
 * them, and the counts: what `kuzet verify`, a server or a worker all call.
 *
 * Not thread-safe; one run per store handle.  Nothing is printed.
 */
#ifndef KZ_PIPELINE_VERIFIER_H
#define KZ_PIPELINE_VERIFIER_H

#include "act/verify.h"
#include "case/case.h"

typedef struct kz_verifier_stats {
    size_t selected;            /* items due */
    size_t checked, gone, present, returned, errors;
    size_t verified, reopened, escalated;   /* cases */
    int64_t failed_item;        /* the item whose check could not be recorded, or 0 */
} kz_verifier_stats;

/* One check recorded: c (act/verify.h) and what it did to cases; both lent
 * for the call.  A non-zero return stops the run, which returns it. */
typedef int (*kz_verifier_fn)(void *ctx, const kz_verify_check *c, const kz_check_effect *e,
                              const kz_verifier_stats *s);

typedef struct kz_verifier_opts {
    kz_actor         *actor;    /* required: who records the checks (the system, or
                                   an analyst, reviewer or supervisor); its store */
    kz_verify_opts    verify;   /* which items, the fetch limits (act/verify.h: a
                                   zeroed one checks every item due with the
                                   built-in markers and default limits) */
    kz_verifier_fn    on_check; /* may be NULL */
    void             *ctx;
} kz_verifier_opts;

/* Check and record.  *stats (may be NULL) gets the counts.  0 when every
 * item due was checked (errors among the verdicts are in the stats: a
 * network error is never a removal); else kz_verify_run's codes, or the
 * code of the check that could not be recorded (stats->failed_item; the
 * detail in kz_account_errmsg of the actor), or the callback's value. */
int kz_verifier_run(const kz_verifier_opts *o, kz_verifier_stats *stats);

#endif
