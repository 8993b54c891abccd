/*
 * case/review.c - the reads of the reviewers' screens (case/review.h).
 */
#include "case/case_int.h"
#include "case/review.h"
#include "store/content.h"
#include "text/norm.h"
#include "util/pool.h"
#include "case/case.h"
#include <pthread.h>

int kz_case_text(kz_actor *a, int64_t case_id, kz_buf *out, int *kind)
{
    kz_dbres *r = NULL;
    *kind = 0;
    kz_dbval p[] = { kz_dbint(case_id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT i.content_z, i.excerpt, "
                         "i.evidence_purged_at, i.content_len FROM cases c JOIN items i "
                         "ON i.id = c.item_id WHERE c.id = $1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the item");
    if ((rc = kz_dbres_next(r)) == 1) {
        size_t zn = 0, en = 0;
        const char *z = kz_dbres_null(r, 0) ? NULL : kz_dbres_text(r, 0, &zn);
        const char *ex = kz_dbres_null(r, 1) ? NULL : kz_dbres_text(r, 1, &en);
        rc = kz_content_text(z, zn, ex, en, kz_dbres_null(r, 3) ? -1 : kz_dbres_int(r, 3),
                             !kz_dbres_null(r, 2), out);
        if (rc > 0) {
            *kind = rc;
            rc = 0;
        }
    } else if (rc == 0) {
        rc = kz__fail(a, KZ_ENOTFOUND, "no case %lld", (long long)case_id);
    }
    kz_dbres_done(r);
    if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc < 0 && rc != KZ_ENOTFOUND ? kz__dbfail(a, rc, "reading the item") : rc;
}

/* A hash detection of the case's item as a bank match: rule "bank:NAME",
 * evidence the entry's origin ("decision:ID" or "import"). */
static void bank_from(kz_bank_match *m, const char *rule, const char *category,
                      const char *origin)
{
    memset(m, 0, sizeof *m);
    rule = rule ? rule : "";
    snprintf(m->bank, sizeof m->bank, "%.71s", !strncmp(rule, "bank:", 5) ? rule + 5 : rule);
    snprintf(m->category, sizeof m->category, "%s", category ? category : "");
    snprintf(m->origin, sizeof m->origin, "%s", origin ? origin : "");
    if (!strncmp(m->origin, "decision:", 9))
        m->decision_id = strtoll(m->origin + 9, NULL, 10);
}

/* The earlier decision each banked match points to. */
static int bank_decisions(kz_actor *a, kz_bank_match *bm, size_t nb)
{
    kz_dbres *r = NULL;
    int rc;
    for (size_t i = 0; i < nb; i++) {
        if (!bm[i].decision_id)
            continue;
        kz_dbval q[] = { kz_dbint(bm[i].decision_id) };
        if ((rc = kz_db_query(kz_store_db(a->s), "SELECT case_id, measure, decided_at, "
                              "reversed_at FROM decisions WHERE id = $1", q, 1, &r)))
            return kz__dbfail(a, rc, "reading the earlier decision");
        if ((rc = kz_dbres_next(r)) == 1) {
            bm[i].case_id = kz_dbres_int(r, 0);
            kz__col_copy(r, 1, bm[i].measure, sizeof bm[i].measure);
            kz__col_copy(r, 2, bm[i].decided_at, sizeof bm[i].decided_at);
            bm[i].reversed = !kz_dbres_null(r, 3);
        }
        kz_dbres_done(r);
        if (rc < 0)
            return kz__dbfail(a, rc, "reading the earlier decision");
    }
    return 0;
}

static int bank_matches(kz_actor *a, int64_t case_id, kz_bank_match *bm, size_t *nb)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(case_id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT d.rule_id, d.category, d.evidence "
                         "FROM cases c JOIN detections d ON d.item_id = c.item_id "
                         "WHERE c.id = $1 AND d.method = 'hash' ORDER BY d.id", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the bank matches");
    while (*nb < KZ_REVIEW_MAX && (rc = kz_dbres_next(r)) == 1)
        bank_from(&bm[(*nb)++], kz_dbres_text(r, 0, NULL), kz_dbres_text(r, 1, NULL),
                  kz_dbres_text(r, 2, NULL));
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the bank matches");
    return bank_decisions(a, bm, *nb);
}

/* The same text, or a match of the same bank entry; each with its case of
 * the same category and that case's latest decision. */
static int related_items(kz_actor *a, int64_t case_id, kz_related *rel, size_t *nr)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(case_id) };
    static const char sql[] =
        "SELECT o.id, o.url, x.how, oc.id, oc.state, "
        "(SELECT d.measure FROM decisions d WHERE d.case_id = oc.id ORDER BY d.id DESC LIMIT 1) "
        "FROM (SELECT i2.id AS item_id, 'same' AS how FROM cases c "
        "      JOIN items i ON i.id = c.item_id "
        "      JOIN items i2 ON i2.content_key = i.content_key "
        "        AND i2.content_sha256 = i.content_sha256 AND i2.id <> i.id "
        "      WHERE c.id = $1 "
        "      UNION SELECT d2.item_id, 'bank' FROM cases c "
        "      JOIN detections d1 ON d1.item_id = c.item_id AND d1.method = 'hash' "
        "      JOIN detections d2 ON d2.method = 'hash' AND d2.rule_id = d1.rule_id "
        "        AND d2.evidence = d1.evidence AND d2.item_id <> c.item_id "
        "      WHERE c.id = $1) x "
        "JOIN items o ON o.id = x.item_id "
        "LEFT JOIN cases oc ON oc.item_id = o.id AND oc.category = "
        "  (SELECT category FROM cases WHERE id = $1) "
        "ORDER BY x.how DESC, o.id DESC LIMIT 50";
    int rc = kz_db_query(kz_store_db(a->s), sql, p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the related items");
    while (*nr < KZ_REVIEW_MAX && (rc = kz_dbres_next(r)) == 1) {
        kz_related *o = &rel[(*nr)++];
        memset(o, 0, sizeof *o);
        o->item_id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, o->url, sizeof o->url);
        kz__col_copy(r, 2, o->how, sizeof o->how);
        o->case_id = kz_dbres_null(r, 3) ? 0 : kz_dbres_int(r, 3);
        kz__col_copy(r, 4, o->state, sizeof o->state);
        kz__col_copy(r, 5, o->measure, sizeof o->measure);
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the related items") : 0;
}

int kz_case_related(kz_actor *a, int64_t case_id, kz_bank_match *bm, size_t *nb, kz_related *rel,
                    size_t *nr)
{
    *nb = *nr = 0;
    int rc = bank_matches(a, case_id, bm, nb);
    return rc ? rc : related_items(a, case_id, rel, nr);
}

/* ---- one case, as the review page shows it -------------------------------- */

/* Column col of r as a new string (*out NULL for NULL): 0 or KZ_ENOMEM. */
static int col_dup(kz_dbres *r, int col, char **out)
{
    size_t n = 0;
    *out = NULL;
    if (kz_dbres_null(r, col))
        return 0;
    const char *t = kz_dbres_text(r, col, &n);
    if (!(*out = malloc(n + 1)))
        return KZ_ENOMEM;
    memcpy(*out, t ? t : "", n);
    (*out)[n] = '\0';
    return 0;
}

static char *mem_dup(const char *p, size_t n)
{
    char *o = malloc(n + 1);
    if (o) {
        memcpy(o, p, n);
        o[n] = '\0';
    }
    return o;
}

int kz_review_appealable(const kz_review *v)
{
    const char *measure = NULL;
    for (size_t i = 0; i < v->ndecisions; i++)
        if (!v->decisions[i].reversed)
            measure = v->decisions[i].measure;
    return kz_case_appealable(v->state, measure);
}

void kz_review_free(kz_review **rp)
{
    if (!rp || !*rp)
        return;
    kz_review *v = *rp;
    free(v->url);
    kz_buf_release(&v->text);
    kz_buf_release(&v->norm);
    free(v->marks);
    for (size_t i = 0; v->hits && i < v->nhits; i++)
        free(v->hits[i].context);
    free(v->hits);
    for (size_t i = 0; i < v->ndecisions; i++) {
        free(v->decisions[i].legal_basis);
        free(v->decisions[i].reasons);
    }
    free(v->decisions);
    for (size_t i = 0; v->history && i < v->nhistory; i++) {
        free(v->history[i].before);
        free(v->history[i].after);
    }
    free(v->history);
    free(v->banks);
    free(v->related);
    free(v);
    *rp = NULL;
}

/* The case, its item and the item's text. */
static int review_case(kz_actor *a, int64_t id, kz_review *v)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT c.id, c.state, c.category, c.score, x.name, "
                         "c.opened_at, i.id, i.url, p.name, i.first_seen, i.content_z, "
                         "i.excerpt, i.evidence_purged_at, i.content_len FROM cases c "
                         "JOIN items i ON i.id = c.item_id "
                         "LEFT JOIN platforms p ON p.id = i.platform_id "
                         "LEFT JOIN accounts x ON x.id = c.assigned_to WHERE c.id = $1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the case");
    if ((rc = kz_dbres_next(r)) == 1) {
        size_t zn = 0, en = 0;
        v->id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, v->state, sizeof v->state);
        kz__col_copy(r, 2, v->category, sizeof v->category);
        v->score = kz_dbres_int(r, 3);
        kz__col_copy(r, 4, v->assigned_to, sizeof v->assigned_to);
        kz__col_copy(r, 5, v->opened_at, sizeof v->opened_at);
        v->item_id = kz_dbres_int(r, 6);
        kz__col_copy(r, 8, v->platform, sizeof v->platform);
        kz__col_copy(r, 9, v->first_seen, sizeof v->first_seen);
        const char *z = kz_dbres_null(r, 10) ? NULL : kz_dbres_text(r, 10, &zn);
        const char *ex = kz_dbres_null(r, 11) ? NULL : kz_dbres_text(r, 11, &en);
        rc = col_dup(r, 7, &v->url);
        if (rc == 0) {
            kz_buf_reset(&v->text);
            rc = kz_content_text(z, zn, ex, en, kz_dbres_null(r, 13) ? -1 : kz_dbres_int(r, 13),
                                 !kz_dbres_null(r, 12), &v->text);
            if (rc > 0) {
                v->kind = rc;
                rc = 0;
            }
        }
    } else if (rc == 0) {
        rc = kz__fail(a, KZ_ENOTFOUND, "no case %lld", (long long)id);
    }
    kz_dbres_done(r);
    if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc < 0 && rc != KZ_ENOTFOUND ? kz__dbfail(a, rc, "reading the case") : rc;
}

/* The item's detections (each with the words around it), its bank matches,
 * and the marks of its rules' hits on the text shown. */
static int review_hits(kz_actor *a, kz_review *v, size_t budget)
{
    kz_dbres *r = NULL;
    kz_buf one;
    kz_content_span *sp = NULL;
    size_t nsp = 0;
    kz_dbval p[] = { kz_dbint(v->item_id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT rule_id, category, method, weight, "
                         "start_offset, end_offset, evidence FROM detections WHERE item_id = $1 "
                         "ORDER BY id LIMIT 257", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the detections");
    kz_buf_init(&one, KZ_BUF_NOLIMIT);
    while ((rc = kz_dbres_next(r)) == 1) {
        if (v->nhits == KZ_REVIEW_HITS) {
            v->hits_more = 1;
            continue;
        }
        kz_review_hit *h = &v->hits[v->nhits++];
        rc = 0;
        memset(h, 0, sizeof *h);
        kz__col_copy(r, 0, h->rule_id, sizeof h->rule_id);
        kz__col_copy(r, 1, h->category, sizeof h->category);
        kz__col_copy(r, 2, h->method, sizeof h->method);
        h->weight = kz_dbres_int(r, 3);
        h->start = kz_dbres_null(r, 4) ? -1 : kz_dbres_int(r, 4);
        h->end = kz_dbres_null(r, 5) ? -1 : kz_dbres_int(r, 5);
        if (!strcmp(h->method, "hash") && v->nbanks < KZ_REVIEW_MAX)
            bank_from(&v->banks[v->nbanks++], h->rule_id, h->category,
                      kz_dbres_null(r, 6) ? NULL : kz_dbres_text(r, 6, NULL));
        kz_buf_reset(&one);
        if (v->kind && h->start >= 0 && h->end > h->start && (uint64_t)h->end <= v->text.len &&
            kz_content_context(v->text.p, v->text.len, (size_t)h->start, (size_t)h->end, 80,
                               &one) == 0) {
            if (!(h->context = mem_dup(one.p ? one.p : "", one.len)))
                rc = KZ_ENOMEM;
        } else {
            rc = col_dup(r, 6, &h->context);
        }
        if (rc)
            break;
    }
    kz_dbres_done(r);
    kz_buf_release(&one);
    if (rc == KZ_ENOMEM)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the detections");
    /* the marks: the rules' spans (a hash match is not a span of the text) */
    v->shown = budget ? kz_content_fit_escaped(v->text.p, v->text.len, budget) : v->text.len;
    if (v->kind && v->nhits) {
        sp = calloc(v->nhits, sizeof *sp);
        v->marks = calloc(v->nhits, sizeof *v->marks);
        if (!sp || !v->marks) {
            free(sp);
            return kz__fail(a, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
        }
        for (size_t i = 0; i < v->nhits; i++)
            if (strcmp(v->hits[i].method, "hash"))
                sp[nsp++] = (kz_content_span){ v->hits[i].start, v->hits[i].end,
                                               v->hits[i].rule_id };
        rc = kz_content_marks(v->text.p, v->shown, sp, nsp, v->marks, &v->nmarks);
        free(sp);
        if (rc)
            return kz__fail(a, rc, "%s", kz_strerror(rc));
    }
    return bank_decisions(a, v->banks, v->nbanks);
}

static int review_decisions(kz_actor *a, kz_review *v)
{
    kz_dbres *r = NULL;
    size_t cap = 0;
    kz_dbval p[] = { kz_dbint(v->id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT d.id, d.measure, d.legal_basis, "
                         "d.facts_and_reasons, x.name, y.name, d.decided_at, d.reversed_at "
                         "FROM decisions d JOIN accounts x ON x.id = d.decided_by "
                         "LEFT JOIN accounts y ON y.id = d.approved_by WHERE d.case_id = $1 "
                         "ORDER BY d.id", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the decisions");
    while ((rc = kz_dbres_next(r)) == 1) {
        if (v->ndecisions == cap) {
            size_t nc = cap ? 2 * cap : 8;
            kz_review_decision *nd = realloc(v->decisions, nc * sizeof *nd);
            if (!nd) {
                rc = KZ_ENOMEM;
                break;
            }
            v->decisions = nd;
            cap = nc;
        }
        kz_review_decision *d = &v->decisions[v->ndecisions++];
        memset(d, 0, sizeof *d);
        d->id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, d->measure, sizeof d->measure);
        kz__col_copy(r, 4, d->decided_by, sizeof d->decided_by);
        kz__col_copy(r, 5, d->approved_by, sizeof d->approved_by);
        kz__col_copy(r, 6, d->decided_at, sizeof d->decided_at);
        d->reversed = !kz_dbres_null(r, 7);
        if ((rc = col_dup(r, 2, &d->legal_basis)) || (rc = col_dup(r, 3, &d->reasons)))
            break;
    }
    kz_dbres_done(r);
    if (rc == KZ_ENOMEM)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc < 0 ? kz__dbfail(a, rc, "reading the decisions") : 0;
}

/* The latest KZ_REVIEW_HISTORY audit entries of the case and its item. */
static int review_history(kz_actor *a, kz_review *v)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(v->id), kz_dbint(v->item_id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT seq, at, actor, action, before_state, "
                         "after_state FROM audit_log WHERE (entity = 'case' AND entity_id = $1) "
                         "OR (entity = 'item' AND entity_id = $2) ORDER BY seq DESC LIMIT 81",
                         p, 2, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the history");
    while ((rc = kz_dbres_next(r)) == 1) {
        if (v->nhistory == KZ_REVIEW_HISTORY) {
            v->history_more = 1;
            continue;
        }
        kz_review_event *e = &v->history[v->nhistory++];
        memset(e, 0, sizeof *e);
        e->seq = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, e->at, sizeof e->at);
        kz__col_copy(r, 2, e->actor, sizeof e->actor);
        kz__col_copy(r, 3, e->action, sizeof e->action);
        if ((rc = col_dup(r, 4, &e->before)) || (rc = col_dup(r, 5, &e->after)))
            break;
    }
    kz_dbres_done(r);
    if (rc == KZ_ENOMEM)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the history");
    /* read newest first: put them oldest first */
    for (size_t i = 0, j = v->nhistory; i + 1 < j; i++, j--) {
        kz_review_event t = v->history[i];
        v->history[i] = v->history[j - 1];
        v->history[j - 1] = t;
    }
    return 0;
}

/* The shown text as the rules read it; a text the normalizer refuses
 * shows none. */
static int review_norm(kz_actor *a, kz_review *v, size_t text_budget)
{
    kz_norm *n = kz_norm_new();
    kz_normtext nt;
    int rc = 0;
    if (!n)
        return kz__fail(a, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
    if (kz_norm_run(n, v->text.p ? v->text.p : "", v->shown, &nt) == 0) {
        v->norm_ok = 1;
        if ((rc = kz_buf_add(&v->norm, nt.text, nt.len)) != 0)
            rc = kz__fail(a, rc, "%s", kz_strerror(rc));
        else
            v->norm_shown = text_budget ? kz_content_fit_escaped(nt.text, nt.len,
                                                                 text_budget / 8 * 3)
                                        : nt.len;
    }
    kz_norm_free(n);
    return rc;
}

int kz_case_review(kz_actor *a, int64_t case_id, size_t text_budget, kz_review **out)
{
    kz_review *v = calloc(1, sizeof *v);
    int rc;
    *out = NULL;
    if (!v)
        return kz__fail(a, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
    kz_buf_init(&v->text, KZ_BUF_NOLIMIT);
    kz_buf_init(&v->norm, KZ_BUF_NOLIMIT);
    v->hits = calloc(KZ_REVIEW_HITS, sizeof *v->hits);
    v->history = calloc(KZ_REVIEW_HISTORY, sizeof *v->history);
    v->banks = calloc(KZ_REVIEW_MAX, sizeof *v->banks);
    v->related = calloc(KZ_REVIEW_MAX, sizeof *v->related);
    if (!v->hits || !v->history || !v->banks || !v->related)
        rc = kz__fail(a, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
    else if (!(rc = review_case(a, case_id, v)) && !(rc = review_hits(a, v, text_budget)) &&
             !(rc = review_decisions(a, v)) && !(rc = review_history(a, v)) &&
             !(rc = review_norm(a, v, text_budget)))
        rc = related_items(a, case_id, v->related, &v->nrelated);
    if (rc == 0)
        *out = v;
    else
        kz_review_free(&v);
    return rc;
}

/* ---- a page of cases ----------------------------------------------------- */

int kz_case_page(kz_actor *a, const char *state, const char *category, int64_t before,
                 kz_case_brief *out, size_t *n, int *more)
{
    kz_dbres *r = NULL;
    *n = 0;
    *more = 0;
    if (state && !kz_case_state_valid(state))
        return kz__fail(a, KZ_EINVAL, "'%.40s' is not a state", state);
    kz_dbval p[] = { kz_dbint(before > 0 ? before : INT64_MAX), kz_dbstr(state),
                     kz_dbstr(category) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT c.id, c.state, c.category, c.score, x.name, "
                         "(SELECT d.measure FROM decisions d WHERE d.case_id = c.id "
                         "ORDER BY d.id DESC LIMIT 1), c.opened_at, i.url FROM cases c "
                         "JOIN items i ON i.id = c.item_id "
                         "LEFT JOIN accounts x ON x.id = c.assigned_to WHERE c.id < $1 "
                         "AND ($2 IS NULL OR c.state = $2) AND ($3 IS NULL OR c.category = $3) "
                         "ORDER BY c.id DESC LIMIT 51", p, 3, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the cases");
    while ((rc = kz_dbres_next(r)) == 1) {
        if (*n == KZ_CASE_PAGE) {
            *more = 1;
            continue;
        }
        kz_case_brief *b = &out[(*n)++];
        memset(b, 0, sizeof *b);
        b->id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, b->state, sizeof b->state);
        kz__col_copy(r, 2, b->category, sizeof b->category);
        b->score = kz_dbres_int(r, 3);
        kz__col_copy(r, 4, b->assigned_to, sizeof b->assigned_to);
        kz__col_copy(r, 5, b->measure, sizeof b->measure);
        kz__col_copy(r, 6, b->opened_at, sizeof b->opened_at);
        kz__col_copy(r, 7, b->url, sizeof b->url);
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the cases") : 0;
}

/* ---- the dashboard ------------------------------------------------------- */

static void ago(const char *now, int64_t secs, char out[21])
{
    time_t t;
    if (kz__time_parse(now, &t) != 0)
        t = time(NULL);
    kz__time_fmt(t - (time_t)secs, out);
}

static int waits(kz_actor *a, const char *sql, const kz_dbval *p, int np, kz_dash_wait *w,
                 size_t *n)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), sql, p, np, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the dashboard");
    while (*n < KZ_REVIEW_MAX && (rc = kz_dbres_next(r)) == 1) {
        kz_dash_wait *x = &w[(*n)++];
        x->case_id = kz_dbres_int(r, 0);
        kz__col_copy(r, 1, x->category, sizeof x->category);
        kz__col_copy(r, 2, x->what, sizeof x->what);
        kz__col_copy(r, 3, x->who, sizeof x->who);
        kz__col_copy(r, 4, x->at, sizeof x->at);
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the dashboard") : 0;
}

int kz_case_dashboard(kz_actor *a, kz_dashboard *d)
{
    kz_dbres *r = NULL;
    char d1[21], d7[21], near[21], first[21];
    int rc;
    memset(d, 0, sizeof *d);
    kz__now(a, d->now);
    ago(d->now, 86400, d1);
    ago(d->now, 7 * 86400, d7);
    ago(d->now, -KZ_DASH_NEAR, near);
    /* open cases by category and age */
    kz_dbval pa[] = { kz_dbstr(d1), kz_dbstr(d7) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT category, "
                          "SUM(CASE WHEN opened_at >= $1 THEN 1 ELSE 0 END), "
                          "SUM(CASE WHEN opened_at < $1 AND opened_at >= $2 THEN 1 ELSE 0 END), "
                          "SUM(CASE WHEN opened_at < $2 THEN 1 ELSE 0 END) FROM cases "
                          "WHERE state IN ('detected','in_review','awaiting_approval') "
                          "GROUP BY category ORDER BY category", pa, 2, &r)))
        return kz__dbfail(a, rc, "reading the dashboard");
    while (d->ncats < KZ_ARRAY_LEN(d->cats) && (rc = kz_dbres_next(r)) == 1) {
        kz_dash_cat *c = &d->cats[d->ncats++];
        kz__col_copy(r, 0, c->category, sizeof c->category);
        c->young = kz_dbres_int(r, 1);
        c->mid = kz_dbres_int(r, 2);
        c->old = kz_dbres_int(r, 3);
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the dashboard");
    /* notices near or past their deadline */
    kz_dbval pn[] = { kz_dbstr(near), kz_dbstr(d->now) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT n.id, d.case_id, p.name, n.deadline, "
                          "CASE WHEN n.deadline < $2 THEN 1 ELSE 0 END FROM notices n "
                          "JOIN decisions d ON d.id = n.decision_id "
                          "LEFT JOIN platforms p ON p.id = n.platform_id "
                          "WHERE n.complied_at IS NULL AND d.reversed_at IS NULL "
                          "AND n.deadline <= $1 ORDER BY n.deadline, n.id LIMIT 50", pn, 2, &r)))
        return kz__dbfail(a, rc, "reading the dashboard");
    while (d->nnotices < KZ_REVIEW_MAX && (rc = kz_dbres_next(r)) == 1) {
        kz_dash_notice *x = &d->notices[d->nnotices++];
        x->id = kz_dbres_int(r, 0);
        x->case_id = kz_dbres_int(r, 1);
        kz__col_copy(r, 2, x->platform, sizeof x->platform);
        kz__col_copy(r, 3, x->deadline, sizeof x->deadline);
        x->overdue = (int)kz_dbres_int(r, 4);
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the dashboard");
    /* appeals waiting; blocks waiting for a second person */
    if ((rc = waits(a, "SELECT d.case_id, c.category, ap.filed_by, '', ap.filed_at "
                    "FROM appeals ap JOIN decisions d ON d.id = ap.decision_id "
                    "JOIN cases c ON c.id = d.case_id WHERE ap.resolved_at IS NULL "
                    "ORDER BY ap.filed_at, ap.id LIMIT 50", NULL, 0, d->appeals, &d->nappeals)) ||
        (rc = waits(a, "SELECT c.id, c.category, d.measure, x.name, d.decided_at FROM cases c "
                    "JOIN decisions d ON d.id = (SELECT MAX(id) FROM decisions WHERE case_id = c.id) "
                    "JOIN accounts x ON x.id = d.decided_by WHERE c.state = 'awaiting_approval' "
                    "ORDER BY d.decided_at, c.id LIMIT 50", NULL, 0, d->blocks, &d->nblocks)))
        return rc;
    /* items flagged per day, the last KZ_DASH_DAYS days */
    time_t t;
    if (kz__time_parse(d->now, &t) != 0)
        t = time(NULL);
    for (int i = 0; i < KZ_DASH_DAYS; i++) {
        char s[21];
        kz__time_fmt(t - (time_t)(KZ_DASH_DAYS - 1 - i) * 86400, s);
        snprintf(d->days[i].day, sizeof d->days[i].day, "%.10s", s);
    }
    snprintf(first, sizeof first, "%sT00:00:00Z", d->days[0].day);
    kz_dbval pf[] = { kz_dbstr(first) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT substr(opened_at, 1, 10), "
                          "COUNT(DISTINCT item_id) FROM cases WHERE opened_at >= $1 "
                          "GROUP BY substr(opened_at, 1, 10)", pf, 1, &r)))
        return kz__dbfail(a, rc, "reading the dashboard");
    while ((rc = kz_dbres_next(r)) == 1) {
        const char *day = kz_dbres_text(r, 0, NULL);
        for (int i = 0; day && i < KZ_DASH_DAYS; i++)
            if (!strcmp(d->days[i].day, day))
                d->days[i].items = kz_dbres_int(r, 1);
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the dashboard");
    /* each reviewer's and supervisor's volume */
    kz_dbval pp[] = { kz_dbstr(d7), kz_dbstr(d->now) };
    if ((rc = kz_db_query(kz_store_db(a->s), "SELECT x.name, x.role, "
                          "(SELECT COUNT(*) FROM cases c WHERE c.assigned_to = x.id "
                          "  AND c.state = 'in_review'), "
                          "(SELECT COUNT(*) FROM decisions d WHERE d.decided_by = x.id "
                          "  AND d.decided_at >= $1), "
                          "(SELECT COUNT(*) FROM case_holds h WHERE h.account_id = x.id "
                          "  AND h.expires_at > $2) "
                          "FROM accounts x WHERE x.role IN ('reviewer','supervisor') "
                          "AND x.disabled = 0 ORDER BY x.name", pp, 2, &r)))
        return kz__dbfail(a, rc, "reading the dashboard");
    while (d->npeople < KZ_ARRAY_LEN(d->people) && (rc = kz_dbres_next(r)) == 1) {
        kz_dash_person *x = &d->people[d->npeople++];
        kz__col_copy(r, 0, x->name, sizeof x->name);
        kz__col_copy(r, 1, x->role, sizeof x->role);
        x->in_review = kz_dbres_int(r, 2);
        x->decided7 = kz_dbres_int(r, 3);
        x->held = kz_dbres_int(r, 4);
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the dashboard") : 0;
}

/* ---- the dashboard, shared ------------------------------------------------ */

struct kz_dash_cache {
    pthread_mutex_t mu;
    pthread_cond_t  done;           /* a computation ended */
    int64_t         max_ms;
    int             have, busy;     /* d holds figures; a thread is computing */
    int             refresher;      /* kz_dash_cache_refresh is called: it refreshes first */
    int64_t         asked_ms;       /* the last kz_dash_cache_get (monotonic) */
    int64_t         at_ms;          /* when d's computation began (monotonic) */
    char            clock[21];      /* the actor's fixed clock d was computed at ("" real) */
    uint64_t        computed;
    kz_dashboard    d;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

kz_dash_cache *kz_dash_cache_new(int64_t max_ms)
{
    kz_dash_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->done, NULL);
    c->max_ms = max_ms > 0 ? max_ms : 1;
    return c;
}

void kz_dash_cache_free(kz_dash_cache **cp)
{
    if (!cp || !*cp)
        return;
    pthread_mutex_destroy(&(*cp)->mu);
    pthread_cond_destroy(&(*cp)->done);
    free(*cp);
    *cp = NULL;
}

uint64_t kz_dash_cache_computed(kz_dash_cache *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t n = c->computed;
    pthread_mutex_unlock(&c->mu);
    return n;
}

int kz_dash_cache_get(kz_dash_cache *c, kz_actor *a, kz_dashboard *d)
{
    int rc;
    pthread_mutex_lock(&c->mu);
    c->asked_ms = mono_ms();
    for (;;) {
        int64_t age = mono_ms() - c->at_ms;
        int ok = c->have && !strcmp(c->clock, a->now);
        /* with a refresher, leave the refreshing to it unless it is late */
        int64_t soft = c->refresher ? c->max_ms * 3 / 4 : c->max_ms / 2;
        if (ok && (age < soft || (c->busy && age < c->max_ms))) {
            memcpy(d, &c->d, sizeof *d);
            pthread_mutex_unlock(&c->mu);
            return 0;
        }
        if (!c->busy)
            break;
        pthread_cond_wait(&c->done, &c->mu);   /* too old, or none: wait for the new ones */
    }
    c->busy = 1;
    pthread_mutex_unlock(&c->mu);
    int64_t t0 = mono_ms();
    rc = kz_case_dashboard(a, d);
    pthread_mutex_lock(&c->mu);
    c->busy = 0;
    c->computed++;
    if (rc == 0) {
        memcpy(&c->d, d, sizeof *d);
        c->at_ms = t0;
        c->have = 1;
        snprintf(c->clock, sizeof c->clock, "%s", a->now);
    }
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int kz_dash_cache_refresh(kz_dash_cache *c, kz_actor *a, int64_t idle_ms)
{
    pthread_mutex_lock(&c->mu);
    c->refresher = 1;
    int64_t now = mono_ms();
    if (c->busy || !c->asked_ms || now - c->asked_ms > idle_ms ||
        (c->have && !strcmp(c->clock, a->now) && now - c->at_ms < c->max_ms / 4)) {
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
    c->busy = 1;
    pthread_mutex_unlock(&c->mu);
    kz_dashboard *d = malloc(sizeof *d);
    int rc = d ? kz_case_dashboard(a, d) : kz__fail(a, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
    pthread_mutex_lock(&c->mu);
    c->busy = 0;
    if (d)
        c->computed++;
    if (rc == 0) {
        memcpy(&c->d, d, sizeof *d);
        c->at_ms = now;
        c->have = 1;
        snprintf(c->clock, sizeof c->clock, "%s", a->now);
    }
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->mu);
    free(d);
    return rc ? rc : 1;
}

/* ---- the refreshing thread ------------------------------------------------ */

struct kz_dash_feed {
    kz_dash_cache  *c;
    kz_store       *s;
    kz_actor       *a;
    int64_t         idle_ms;
    pthread_t       t;
    pthread_mutex_t mu;
    pthread_cond_t  wake;
    volatile sig_atomic_t stop;
    int             running;    /* the thread was started */
    char            why[512];   /* why it did not start */
};

static void *feed_run(void *arg)
{
    kz_dash_feed *f = arg;
    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        pthread_mutex_unlock(&f->mu);
        kz_dash_cache_refresh(f->c, f->a, f->idle_ms);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&f->mu);
        if (!f->stop)
            pthread_cond_timedwait(&f->wake, &f->mu, &ts);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

int kz_dash_feed_start(kz_dash_feed **fp, kz_dash_cache *c, const char *uri, int64_t idle_ms)
{
    kz_dash_feed *f = calloc(1, sizeof *f);
    *fp = f;                                    /* from here on it holds why it failed */
    if (!f)
        return KZ_ENOMEM;
    f->c = c;
    f->idle_ms = idle_ms;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->wake, NULL);
    int rc = kz_store_open(&f->s, uri, 1);
    if (rc) {
        snprintf(f->why, sizeof f->why, "%s", kz_store_errmsg(f->s));
    } else if ((rc = kz_account_system(&f->a, f->s)) != 0) {
        snprintf(f->why, sizeof f->why, "%s", kz_strerror(rc));
    } else if (kz_thread_start(&f->t, feed_run, f) != 0) {
        snprintf(f->why, sizeof f->why, "cannot start a thread");
        rc = KZ_EINTERNAL;
    } else {
        f->running = 1;
        return 0;
    }
    kz_account_logout(&f->a);
    kz_store_close(&f->s);
    return rc;
}

const char *kz_dash_feed_errmsg(const kz_dash_feed *f)
{
    return f ? f->why : kz_strerror(KZ_ENOMEM);
}

void kz_dash_feed_stop(kz_dash_feed **fp)
{
    if (!fp || !*fp)
        return;
    kz_dash_feed *f = *fp;
    if (f->running) {
        kz_thread_stop(f->t, &f->mu, &f->wake, &f->stop);
    }
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->mu);
    kz_account_logout(&f->a);
    kz_store_close(&f->s);
    free(f);
    *fp = NULL;
}
