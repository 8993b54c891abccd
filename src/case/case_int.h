/*
 * case/case_int.h - private to src/case/: what the workflow's steps share
 * (case.c, notice.c, check.c, appeal.c, purge.c, deadline.c, read.c): the
 * audit JSON builder, a case's and a decision's rows, the state and text
 * checks, and the move (state change + audit entry).  Not a public header.
 */
#ifndef KZ_CASE_INT_H
#define KZ_CASE_INT_H

#include "case/case.h"
#include "case/actor_int.h"

/* Who may take each step (kz_case_steps reads the same). */
#define ROLES_TAKE    (R_REVIEWER | R_SUPERVISOR)
#define ROLES_ASSIGN  (R_ANALYST | R_SUPERVISOR)
#define ROLES_DECIDE  (R_REVIEWER | R_SUPERVISOR)
#define ROLES_APPROVE R_SUPERVISOR
#define ROLES_RESOLVE (R_REVIEWER | R_SUPERVISOR)

#define TEXT_MAX 16384          /* reasons, grounds, answers, legal basis */
#define TEXT_MIN 3              /* letters or digits in each of them */

/* ---- JSON for the audit log: util/buf.h's kz_jw ------------------------ */

/* ---- rows ---------------------------------------------------------------- */

typedef struct case_row {
    int64_t id, item_id, score, automated, assigned_to;
    char    state[24], category[128];
} case_row;

typedef struct dec_row {
    int64_t id, decided_by, approved_by;
    int     reversed;
    char    measure[24];
} dec_row;

/* Copy column col of r (NULL: "") into out. */
void kz__col_copy(kz_dbres *r, int col, char *out, size_t n);
/* The case id; KZ_ENOTFOUND with a message when there is none. */
int  kz__case_load(kz_actor *a, int64_t id, case_row *c);
/* The case's latest decision; KZ_ENOTFOUND (no message) when it has none. */
int  kz__decision_load(kz_actor *a, int64_t case_id, dec_row *d);
/* The same, for a case whose state says it has one (KZ_EINTERNAL if not). */
int  kz__decision_for(kz_actor *a, const case_row *c, dec_row *d);
/* 1 when the case's state is one of states (NULL-terminated). */
int  kz__state_is(const case_row *c, const char *const *states);
/* KZ_ESTATE: why the case is not ready for what, with a hint. */
int  kz__bad_state(kz_actor *a, const case_row *c, const char *what, const char *need);
/* A text the law needs: present, not blank, not trivially short, not too long. */
int  kz__text_ok(kz_actor *a, const char *v, const char *field, const char *why);
/* Move the case to state and audit it (see state.c). */
int  kz__move(kz_actor *a, case_row *c, const char *state, const char *action,
              const kz_jw *bx, const kz_jw *ax);

#endif
