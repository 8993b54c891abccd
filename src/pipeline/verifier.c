/*
 * pipeline/verifier.c - kuzet verify as one library call
 * (pipeline/verifier.h): act/verify.h's run, each verdict recorded and
 * applied by case/case.h in its own transaction, counted.
 */
#include "pipeline/verifier.h"

typedef struct run {
    const kz_verifier_opts *o;
    kz_verifier_stats s;
} run;

static int on_check(void *arg, const kz_verify_check *c)
{
    run *r = arg;
    kz_check_effect e;
    int rc = kz_case_apply_check(r->o->actor, c, &e);
    if (rc) {
        r->s.failed_item = c->item_id;
        return rc;
    }
    r->s.checked++;
    r->s.gone += c->outcome == KZ_VERIFY_GONE;
    r->s.present += c->outcome == KZ_VERIFY_PRESENT;
    r->s.errors += c->outcome == KZ_VERIFY_ERROR;
    r->s.returned += e.returned != 0;
    r->s.verified += e.verified;
    r->s.reopened += e.reopened;
    r->s.escalated += e.escalated;
    return r->o->on_check ? r->o->on_check(r->o->ctx, c, &e, &r->s) : 0;
}

int kz_verifier_run(const kz_verifier_opts *o, kz_verifier_stats *stats)
{
    run r;
    int rc = KZ_EINVAL;
    memset(&r, 0, sizeof r);
    r.o = o;
    if (o && o->actor)
        rc = kz_verify_run(kz_account_store(o->actor), &o->verify, on_check, &r, &r.s.selected);
    if (stats)
        *stats = r.s;
    return rc;
}
