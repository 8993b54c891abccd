/*
 * case/read.c - reading cases: the list, the states, and one case in full as JSON.
 */
#include "case/case_int.h"
#include "store/content.h"
#include <json-c/json.h>

/* ---- reading ------------------------------------------------------------- */

/* A row as JSON fields: spec is one entry per column, its first letter the
 * type (i integer, b boolean, s text, j JSON text kept as JSON when it
 * parses), the rest the name. */
static int row_json(kz_buf *b, kz_dbres *r, const char *const *spec)
{
    int rc = kz_buf_addc(b, '{');
    for (int col = 0; spec[col] && !rc; col++) {
        const char *name = spec[col] + 1;
        rc = kz_buf_addf(b, "%s\"%s\":", col ? "," : "", name);
        if (rc)
            break;
        if (kz_dbres_null(r, col)) {
            rc = kz_buf_adds(b, "null");
            continue;
        }
        switch (spec[col][0]) {
        case 'i': rc = kz_buf_addf(b, "%lld", (long long)kz_dbres_int(r, col)); break;
        case 'b': rc = kz_buf_adds(b, kz_dbres_int(r, col) ? "true" : "false"); break;
        case 'j': {
            size_t n = 0;
            const char *t = kz_dbres_text(r, col, &n);
            json_object *o = n ? json_tokener_parse(t) : NULL;
            if (o && json_object_get_type(o) == json_type_object)
                rc = kz_buf_add(b, t, n);
            else
                rc = kz_buf_add_json_str(b, t ? t : "", n);
            json_object_put(o);
            break;
        }
        default: {
            size_t n = 0;
            const char *t = kz_dbres_text(r, col, &n);
            rc = kz_buf_add_json_str(b, t ? t : "", n);
        }
        }
    }
    return rc ? rc : kz_buf_addc(b, '}');
}

/* Every row of sql as ,"key":[{...},...] (key NULL: JSON lines). */
static int rows_json(kz_actor *a, kz_buf *b, const char *key, const char *sql, const kz_dbval *p,
                     int np, const char *const *spec)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), sql, p, np, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading");
    if (key)
        rc = kz_buf_addf(b, ",\"%s\":[", key);
    int first = 1;
    while (!rc && (rc = kz_dbres_next(r)) == 1) {
        rc = key && !first ? kz_buf_addc(b, ',') : 0;
        if (!rc) rc = row_json(b, r, spec);
        if (!rc && !key) rc = kz_buf_addc(b, '\n');
        first = 0;
    }
    kz_dbres_done(r);
    if (!rc && key)
        rc = kz_buf_addc(b, ']');
    if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc < 0 ? kz__dbfail(a, rc, "reading") : 0;
}

#define CASE_COLS                                                                          \
    "SELECT c.id, c.state, c.category, c.score, c.automated, acc.name, i.url, p.name, "    \
    "(SELECT d.measure FROM decisions d WHERE d.case_id = c.id ORDER BY d.id DESC LIMIT 1), " \
    "(SELECT n.deadline FROM notices n JOIN decisions d ON d.id = n.decision_id WHERE "    \
    "d.case_id = c.id ORDER BY n.id DESC LIMIT 1), c.opened_at, c.updated_at "              \
    "FROM cases c JOIN items i ON i.id = c.item_id LEFT JOIN platforms p ON "               \
    "p.id = i.platform_id LEFT JOIN accounts acc ON acc.id = c.assigned_to "

static const char *const case_spec[] = { "iid", "sstate", "scategory", "iscore", "bautomated",
                                         "sassigned_to", "surl", "splatform", "smeasure",
                                         "snotice_deadline", "sopened_at", "supdated_at", NULL };

static const char *const case_states[] = {
    "detected", "in_review", "awaiting_approval", "decided", "notified", "overdue",
    "complied", "verified", "reopened", "appealed", "reversed", NULL };

const char *const *kz_case_states(void) { return case_states; }

int kz_case_state_valid(const char *state)
{
    for (size_t i = 0; case_states[i]; i++)
        if (!strcmp(state, case_states[i]))
            return 1;
    return 0;
}

int kz_case_list_json(kz_actor *a, const char *state, const char *category, kz_buf *out)
{
    if (state && *state && !kz_case_state_valid(state)) {
        return kz__fail(a, KZ_EINVAL, "unknown state '%.40s' (detected, in_review, "
                        "awaiting_approval, decided, notified, overdue, complied, verified, "
                        "reopened, appealed, reversed)", state);
    }
    char sql[1024];
    kz_dbval p[2];
    int np = 0;
    int n = snprintf(sql, sizeof sql, "%s", CASE_COLS);
    if (state && *state) {
        p[np++] = kz_dbstr(state);
        n += snprintf(sql + n, sizeof sql - (size_t)n, "WHERE c.state = $1 ");
    }
    if (category && *category) {
        p[np++] = kz_dbstr(category);
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s c.category = $%d ", np > 1 ? "AND" : "WHERE", np);
    }
    snprintf(sql + n, sizeof sql - (size_t)n, "ORDER BY c.id");
    return rows_json(a, out, NULL, sql, p, np, case_spec);
}

/* The item's detections, each with "context": the words around the hit in
 * the item's whole text (store/content.h), when the text is kept and the
 * hit is a span of it; null otherwise (purged, or stored before migration
 * 9 and past the excerpt). */
static int detections_json(kz_actor *a, kz_buf *out, int64_t item, const char *const *spec)
{
    kz_dbres *r = NULL;
    kz_buf text, one;
    kz_buf_init(&text, KZ_BUF_NOLIMIT);
    kz_buf_init(&one, KZ_BUF_NOLIMIT);
    kz_dbval p[] = { kz_dbint(item) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT content_z, excerpt, evidence_purged_at, "
                         "content_len FROM items WHERE id = $1", p, 1, &r), have = 0;
    if (rc)
        return kz__dbfail(a, rc, "reading the item");
    if ((rc = kz_dbres_next(r)) == 1) {
        size_t zn = 0, en = 0;
        const char *z = kz_dbres_null(r, 0) ? NULL : kz_dbres_text(r, 0, &zn);
        const char *ex = kz_dbres_null(r, 1) ? NULL : kz_dbres_text(r, 1, &en);
        /* the whole text; older items: the excerpt */
        have = kz_content_text(z, zn, ex, en, kz_dbres_null(r, 3) ? -1 : kz_dbres_int(r, 3),
                               !kz_dbres_null(r, 2), &text) > 0;
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the item");
    rc = kz_db_query(kz_store_db(a->s), "SELECT rule_id, category, method, weight, start_offset, "
                     "end_offset, evidence, detected_at, rules_version, bank_version FROM detections "
                     "WHERE item_id = $1 "
                     "ORDER BY id", p, 1, &r);
    if (rc) {
        kz_buf_release(&text);
        return kz__dbfail(a, rc, "reading the detections");
    }
    rc = kz_buf_adds(out, ",\"detections\":[");
    int first = 1;
    while (!rc && (rc = kz_dbres_next(r)) == 1) {
        int64_t s0 = kz_dbres_null(r, 4) ? -1 : kz_dbres_int(r, 4);
        int64_t e0 = kz_dbres_null(r, 5) ? -1 : kz_dbres_int(r, 5);
        if (!first && (rc = kz_buf_addc(out, ',')))
            break;
        first = 0;
        if ((rc = row_json(out, r, spec)))
            break;
        out->len--;                                 /* reopen the object */
        kz_buf_reset(&one);
        if (have && s0 >= 0 && e0 > s0 && (size_t)e0 <= text.len &&
            kz_content_context(text.p, text.len, (size_t)s0, (size_t)e0, 80, &one) == 0) {
            rc = kz_buf_adds(out, ",\"context\":");
            if (!rc) rc = kz_buf_add_json_str(out, one.p, one.len);
            if (!rc) rc = kz_buf_addc(out, '}');
        } else {
            rc = kz_buf_adds(out, ",\"context\":null}");
        }
    }
    kz_dbres_done(r);
    kz_buf_release(&text);
    kz_buf_release(&one);
    if (!rc)
        rc = kz_buf_addc(out, ']');
    if (rc == KZ_ENOMEM || rc == KZ_ETOOBIG)
        return kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc < 0 ? kz__dbfail(a, rc, "reading the detections") : 0;
}

int kz_case_show_json(kz_actor *a, int64_t id, kz_buf *out)
{
    case_row c;
    int rc = kz__case_load(a, id, &c);
    if (rc)
        return rc;
    static const char *const item_spec[] = {
        "iid", "surl", "splatform", "ssource_ref", "scontent_sha256", "sexcerpt", "slang",
        "spublished", "sfirst_seen", "slast_seen", "sonline_status", "sremoved_at",
        "sevidence_purged_at", NULL };
    static const char *const det_spec[] = { "srule_id", "scategory", "smethod", "iweight",
                                            "istart", "iend", "sevidence", "sdetected_at",
                                            "srules_version", "ibank_version", NULL };
    static const char *const dec_spec[] = {
        "iid", "smeasure", "sterritorial_scope", "sstarts_at", "sends_at", "slegal_basis",
        "sfacts_and_reasons", "bautomated_detection", "sdecided_by", "sdecided_at",
        "sapproved_by", "sapproved_at", "sreversed_at",
        /* where the two accounts come from (docs/workflow.md "Who blocked it") */
        "sdecided_by_role", "sdecided_by_created_by", "sdecided_by_created_at",
        "sdecided_by_enrolled_at", "sapproved_by_role", "sapproved_by_created_by",
        "sapproved_by_created_at", "sapproved_by_enrolled_at", NULL };
    static const char *const not_spec[] = { "iid", "idecision_id", "splatform", "ssent_at",
                                            "sdeadline", "sanswer", "sanswered_at",
                                            "scomplied_at", "sescalated_at", NULL };
    static const char *const app_spec[] = { "iid", "idecision_id", "sfiled_by", "sgrounds",
                                            "sfiled_at", "sresolved_by", "soutcome", "sreasons",
                                            "sresolved_at", NULL };
    static const char *const aud_spec[] = { "iseq", "sat", "sactor", "saction", "jbefore",
                                            "jafter", NULL };
    kz_dbval p1[] = { kz_dbint(id) };
    kz_dbval p2[] = { kz_dbint(id), kz_dbint(c.item_id) };
    kz_dbval pi[] = { kz_dbint(c.item_id) };
    size_t start = out->len;
    rc = rows_json(a, out, NULL, CASE_COLS "WHERE c.id = $1", p1, 1, case_spec);
    if (rc)
        return rc;
    /* reopen the object: drop "}\n" */
    out->len -= 2;
    out->p[out->len] = '\0';
    if (!rc) rc = rows_json(a, out, "item", "SELECT i.id, i.url, p.name, i.source_ref, "
                            "i.content_sha256, i.excerpt, i.lang, i.published, i.first_seen, "
                            "i.last_seen, i.online_status, i.removed_at, i.evidence_purged_at "
                            "FROM items i LEFT JOIN platforms p ON p.id = i.platform_id "
                            "WHERE i.id = $1", pi, 1, item_spec);
    if (!rc) {
        /* the item is one object, not a list */
        char *k = strstr(out->p + start, ",\"item\":[");
        if (k) {
            memmove(k + 8, k + 9, strlen(k + 9) + 1);
            out->len--;
            if (out->p[out->len - 1] == ']')
                out->p[--out->len] = '\0';
        }
    }
    if (!rc) rc = detections_json(a, out, c.item_id, det_spec);
    if (!rc) rc = rows_json(a, out, "decisions", "SELECT d.id, d.measure, d.territorial_scope, "
                            "d.starts_at, d.ends_at, d.legal_basis, d.facts_and_reasons, "
                            "d.automated_detection, x.name, d.decided_at, y.name, d.approved_at, "
                            "d.reversed_at, x.role, xc.name, x.created_at, x.enrolled_at, "
                            "y.role, yc.name, y.created_at, y.enrolled_at "
                            "FROM decisions d JOIN accounts x ON x.id = d.decided_by "
                            "LEFT JOIN accounts y ON y.id = d.approved_by "
                            "LEFT JOIN accounts xc ON xc.id = x.created_by "
                            "LEFT JOIN accounts yc ON yc.id = y.created_by WHERE d.case_id = $1 "
                            "ORDER BY d.id", p1, 1, dec_spec);
    if (!rc) rc = rows_json(a, out, "notices", "SELECT n.id, n.decision_id, p.name, n.sent_at, "
                            "n.deadline, n.answer, n.answered_at, n.complied_at, n.escalated_at "
                            "FROM notices n JOIN decisions d ON d.id = n.decision_id LEFT JOIN "
                            "platforms p ON p.id = n.platform_id WHERE d.case_id = $1 "
                            "ORDER BY n.id", p1, 1, not_spec);
    if (!rc) rc = rows_json(a, out, "appeals", "SELECT ap.id, ap.decision_id, ap.filed_by, "
                            "ap.grounds, ap.filed_at, x.name, ap.outcome, ap.reasons, "
                            "ap.resolved_at FROM appeals ap JOIN decisions d ON "
                            "d.id = ap.decision_id LEFT JOIN accounts x ON x.id = ap.reviewer "
                            "WHERE d.case_id = $1 ORDER BY ap.id", p1, 1, app_spec);
    if (!rc) {
        /* removal checks (kuzet verify), only when there are any */
        static const char *const chk_spec[] = { "iid", "schecked_at", "ihttp_status", "soutcome",
                                                "swhy", "sdetail", NULL };
        int64_t nchk = 0;
        if ((rc = kz_db_int(kz_store_db(a->s), "SELECT COUNT(*) FROM item_checks WHERE "
                            "item_id = $1", pi, 1, &nchk)))
            rc = kz__dbfail(a, rc, "reading the checks");
        else if (nchk)
            rc = rows_json(a, out, "checks", "SELECT id, checked_at, http_status, outcome, why, "
                           "detail FROM item_checks WHERE item_id = $1 ORDER BY id", pi, 1,
                           chk_spec);
    }
    if (!rc) rc = rows_json(a, out, "audit", "SELECT seq, at, actor, action, before_state, "
                            "after_state FROM audit_log WHERE (entity = 'case' AND entity_id = $1) "
                            "OR (entity = 'item' AND entity_id = $2) ORDER BY seq", p2, 2, aud_spec);
    if (!rc && (rc = kz_buf_adds(out, "}\n")))
        kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc;
}

/* ---- notices, appeals, items (the API's lists) --------------------------- */

int kz_case_notices_json(kz_actor *a, int overdue_only, const char *platform, kz_buf *out)
{
    static const char *const spec[] = { "iid", "icase_id", "idecision_id", "splatform",
                                         "ssent_at", "sdeadline", "sanswer", "sanswered_at",
                                         "scomplied_at", "sescalated_at", "boverdue", NULL };
    char now[21], sql[1024];
    kz__now(a, now);
    kz_dbval p[2] = { kz_dbstr(now), kz_dbstr(platform) };
    int n = snprintf(sql, sizeof sql, "SELECT n.id, d.case_id, n.decision_id, pl.name, "
                     "n.sent_at, n.deadline, n.answer, n.answered_at, n.complied_at, "
                     "n.escalated_at, CASE WHEN n.complied_at IS NULL AND n.deadline < $1 "
                     "THEN 1 ELSE 0 END FROM notices n JOIN decisions d ON d.id = n.decision_id "
                     "LEFT JOIN platforms pl ON pl.id = n.platform_id WHERE 1 = 1 ");
    if (overdue_only)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "AND n.complied_at IS NULL AND "
                      "n.deadline < $1 ");
    if (platform && *platform)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "AND pl.name = $2 ");
    snprintf(sql + n, sizeof sql - (size_t)n, "ORDER BY n.id");
    return rows_json(a, out, NULL, sql, p, platform && *platform ? 2 : 1, spec);
}

int kz_case_appeals_json(kz_actor *a, int open_only, kz_buf *out)
{
    static const char *const spec[] = { "iid", "icase_id", "idecision_id", "sfiled_by",
                                        "sgrounds", "sfiled_at", "sresolved_by", "soutcome",
                                        "sreasons", "sresolved_at", NULL };
    return rows_json(a, out, NULL, open_only
        ? "SELECT ap.id, d.case_id, ap.decision_id, ap.filed_by, ap.grounds, ap.filed_at, "
          "x.name, ap.outcome, ap.reasons, ap.resolved_at FROM appeals ap JOIN decisions d ON "
          "d.id = ap.decision_id LEFT JOIN accounts x ON x.id = ap.reviewer WHERE "
          "ap.resolved_at IS NULL ORDER BY ap.id"
        : "SELECT ap.id, d.case_id, ap.decision_id, ap.filed_by, ap.grounds, ap.filed_at, "
          "x.name, ap.outcome, ap.reasons, ap.resolved_at FROM appeals ap JOIN decisions d ON "
          "d.id = ap.decision_id LEFT JOIN accounts x ON x.id = ap.reviewer ORDER BY ap.id",
        NULL, 0, spec);
}

int kz_case_item_json(kz_actor *a, int64_t id, kz_buf *out)
{
    static const char *const item_spec[] = {
        "iid", "surl", "splatform", "ssource_ref", "scontent_sha256", "sexcerpt", "slang",
        "spublished", "sfirst_seen", "slast_seen", "sonline_status", "sremoved_at",
        "sevidence_purged_at", NULL };
    static const char *const case_spec2[] = { "iid", "sstate", "scategory", "iscore", NULL };
    kz_dbval p[] = { kz_dbint(id) };
    size_t start = out->len;
    int rc = rows_json(a, out, NULL, "SELECT i.id, i.url, p.name, i.source_ref, "
                       "i.content_sha256, i.excerpt, i.lang, i.published, i.first_seen, "
                       "i.last_seen, i.online_status, i.removed_at, i.evidence_purged_at "
                       "FROM items i LEFT JOIN platforms p ON p.id = i.platform_id "
                       "WHERE i.id = $1", p, 1, item_spec);
    if (rc)
        return rc;
    if (out->len == start)
        return kz__fail(a, KZ_ENOTFOUND, "no item %lld", (long long)id);
    out->len -= 2;                              /* reopen the object: drop "}\n" */
    out->p[out->len] = '\0';
    rc = rows_json(a, out, "cases", "SELECT id, state, category, score FROM cases WHERE "
                   "item_id = $1 ORDER BY id", p, 1, case_spec2);
    if (!rc && (rc = kz_buf_adds(out, "}\n")))
        kz__fail(a, rc, "%s", kz_strerror(rc));
    return rc;
}
