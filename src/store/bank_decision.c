/*
 * store/bank_decision.c - what decisions put in banks (the hashes of the
 * media decided on) and take out again when a decision is reversed.
 */
#include "bank_int.h"

/* ---- decisions: images banked, reversals taken out ------------------------- */

int kz_bank_add_media_tx(kz_banks *b, const char *actor, int64_t item_id, const char *category,
                         const char *origin, size_t *added)
{
    static const struct { const char *col, *suffix; int type; } sig[] = {
        { "pdq", "-pdq", KZ_BANK_PDQ },
        { "sha256", "-sha256", KZ_BANK_SHA256 },
        { "md5", "-md5", KZ_BANK_MD5 },
    };
    char (*v)[3][KZ_BANK_SIGMAX + 1] = NULL;
    size_t n = 0, cap = 0;
    kz_dbres *r = NULL;
    char name[KZ_BANK_NAME_MAX + 16];
    int rc;
    *added = 0;
    kz_dbval p[] = { kz_dbint(item_id), kz_dbint(KZ_PDQ_MIN_QUALITY) };
    if ((rc = kz_db_query(b->db, "SELECT CASE WHEN pdq_quality >= $2 THEN pdq END, sha256, md5 "
                                 "FROM item_media WHERE item_id = $1 ORDER BY id", p, 2, &r)) != 0)
        return kz_bank__fail(b, rc, "reading the item's images");
    while ((rc = kz_dbres_next(r)) == 1) {
        if ((rc = KZ_GROW(v, cap, n + 1)) != 0)
            break;
        for (int k = 0; k < 3; k++) {
            size_t len = 0;
            const char *s = kz_dbres_text(r, k, &len);
            snprintf(v[n][k], sizeof v[n][k], "%.*s", (int)(s && len <= KZ_BANK_SIGMAX ? len : 0),
                     s ? s : "");
        }
        n++;
    }
    kz_dbres_done(r);
    if (rc < 0) {
        free(v);
        return rc == KZ_ENOMEM ? kz_bank__fail(b, rc, "%s", kz_strerror(rc))
                               : kz_bank__fail(b, rc, "reading the item's images");
    }
    for (size_t i = 0; i < n && !rc; i++)
        for (int k = 0; k < 3 && !rc; k++) {
            int one = 0;
            if (!v[i][k][0])
                continue;                       /* no PDQ: did not decode, or quality < 50 */
            snprintf(name, sizeof name, "%s%s", category, sig[k].suffix);
            rc = kz_bank_add_tx(b, actor, name, sig[k].type, v[i][k], category, origin, &one);
            *added += (size_t)one;
        }
    free(v);
    return rc;
}

/* Another decision than skip, in category, neither reversed nor a proposed
 * block waiting for approval, on an item whose text or one of whose images
 * has signal (SHA-256, MD5 or PDQ; SimHash is not kept with the item):
 * its id in *other, 0 when none. */
static int standing_decision(kz_banks *b, int64_t skip, const char *signal, const char *category,
                             int64_t *other)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(skip), kz_dbstr(signal), kz_dbstr(category) };
    *other = 0;
    int rc = kz_db_query(b->db,
        "SELECT d.id FROM decisions d JOIN cases c ON c.id = d.case_id "
        "JOIN items i ON i.id = c.item_id "
        "WHERE d.id <> $1 AND c.category = $3 AND d.reversed_at IS NULL "
        "  AND d.measure <> 'no_action' "
        "  AND (d.measure NOT IN ('url_block', 'domain_block') OR d.approved_at IS NOT NULL) "
        "  AND (i.content_sha256 = $2 OR EXISTS (SELECT 1 FROM item_media m "
        "       WHERE m.item_id = i.id AND (m.sha256 = $2 OR m.md5 = $2 OR m.pdq = $2))) "
        "ORDER BY d.id LIMIT 1", p, 3, &r);
    if (rc)
        return kz_bank__fail(b, rc, "looking for another decision on the same content");
    if ((rc = kz_dbres_next(r)) == 1) {
        *other = kz_dbres_int(r, 0);
        rc = 0;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz_bank__fail(b, rc, "looking for another decision on the same content") : 0;
}

/* The entry stays in its bank, now on behalf of decision other: audited
 * bank.reassign (before: the reversed decision's origin). */
static int reassign(kz_banks *b, const char *actor, int64_t entry, const char *bank,
                    const char *signal, const char *origin, int64_t other)
{
    char now[32];
    kz_jw before, after;
    snprintf(now, sizeof now, "decision:%lld", (long long)other);
    kz_dbval p[] = { kz_dbstr(now), kz_dbint(entry) };
    int rc = kz_db_query(b->db, "UPDATE bank_entries SET origin = $1 WHERE id = $2", p, 2, NULL);
    if (rc)
        return kz_bank__fail(b, rc, "giving the entry to another decision");
    kz_dbval bp[] = { kz_dbint(entry) };
    if ((rc = kz_db_query(b->db, "UPDATE banks SET version = version + 1 WHERE id = (SELECT "
                                 "bank_id FROM bank_entries WHERE id = $1)", bp, 1, NULL)) != 0)
        return kz_bank__fail(b, rc, "bumping the bank's version");
    kz_jw_init(&before);
    kz_jw_init(&after);
    kz_jw_raw(&before, "{");
    kz_jw_str(&before, "bank", bank);
    kz_jw_str(&before, "signal", signal);
    kz_jw_str(&before, "origin", origin);
    kz_jw_raw(&before, "}");
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "origin", now);
    kz_jw_str(&after, "reason", "decision reversed; another decision stands");
    kz_jw_raw(&after, "}");
    if ((rc = before.rc ? before.rc : after.rc) != 0)
        kz_bank__fail(b, rc, "%s", kz_strerror(rc));
    else if ((rc = kz_store_audit(b->s, actor, "bank.reassign", "bank_entry", entry, before.b.p,
                                  after.b.p)) != 0)
        kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    kz_jw_release(&before);
    kz_jw_release(&after);
    return rc;
}

int kz_bank_remove_decision_tx(kz_banks *b, const char *actor, int64_t decision, size_t *removed)
{
    char origin[32];
    kz_dbres *r = NULL;
    int64_t *eid = NULL, *bid = NULL;
    char (*sig)[KZ_BANK_SIGMAX + 1] = NULL, (*bname)[KZ_BANK_NAME_MAX + 1] = NULL;
    char (*tags)[KZ_BANK_NAME_MAX + 1] = NULL;
    size_t n = 0, cap = 0, cap2 = 0, cap3 = 0, cap4 = 0, cap5 = 0;
    int rc;
    *removed = 0;
    snprintf(origin, sizeof origin, "decision:%lld", (long long)decision);
    kz_dbval p[] = { kz_dbstr(origin) };
    if ((rc = kz_db_query(b->db, "SELECT e.id, e.bank_id, e.signal, b.name, e.tags FROM bank_entries e "
                                 "JOIN banks b ON b.id = e.bank_id WHERE e.origin = $1 "
                                 "ORDER BY e.id", p, 1, &r)) != 0)
        return kz_bank__fail(b, rc, "reading the decision's bank entries");
    while ((rc = kz_dbres_next(r)) == 1) {
        if ((rc = KZ_GROW(eid, cap, n + 1)) || (rc = KZ_GROW(bid, cap2, n + 1)) ||
            (rc = KZ_GROW(sig, cap3, n + 1)) || (rc = KZ_GROW(bname, cap4, n + 1)) ||
            (rc = KZ_GROW(tags, cap5, n + 1)))
            break;
        const char *s;
        size_t len = 0;
        eid[n] = kz_dbres_int(r, 0);
        bid[n] = kz_dbres_int(r, 1);
        s = kz_dbres_text(r, 2, &len);
        snprintf(sig[n], sizeof sig[n], "%.*s", (int)(len <= KZ_BANK_SIGMAX ? len : 0), s ? s : "");
        s = kz_dbres_text(r, 3, &len);
        snprintf(bname[n], sizeof bname[n], "%.*s", (int)(len <= KZ_BANK_NAME_MAX ? len : 0),
                 s ? s : "");
        s = kz_dbres_text(r, 4, &len);
        snprintf(tags[n], sizeof tags[n], "%.*s", (int)(len <= KZ_BANK_NAME_MAX ? len : 0),
                 s ? s : "");
        n++;
    }
    kz_dbres_done(r);
    if (rc < 0) {
        rc = rc == KZ_ENOMEM ? kz_bank__fail(b, rc, "%s", kz_strerror(rc))
                             : kz_bank__fail(b, rc, "reading the decision's bank entries");
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        kz_dbval d[] = { kz_dbint(eid[i]) };
        kz_jw j;
        int64_t other = 0;
        if ((rc = standing_decision(b, decision, sig[i], tags[i], &other)) != 0)
            break;
        if (other > 0) {                /* another decision stands on the same content */
            if ((rc = reassign(b, actor, eid[i], bname[i], sig[i], origin, other)) != 0)
                break;
            continue;
        }
        if ((rc = kz_db_query(b->db, "DELETE FROM bank_entries WHERE id = $1", d, 1, NULL)) != 0) {
            kz_bank__fail(b, rc, "taking the entry out of the bank");
            break;
        }
        if ((rc = kz_bank__bump(b, bid[i])) != 0)
            break;
        kz_jw_init(&j);
        kz_jw_raw(&j, "{");
        kz_jw_str(&j, "bank", bname[i]);
        kz_jw_str(&j, "signal", sig[i]);
        kz_jw_str(&j, "origin", origin);
        kz_jw_raw(&j, "}");
        if ((rc = j.rc) != 0)
            kz_bank__fail(b, rc, "%s", kz_strerror(rc));
        else if ((rc = kz_store_audit(b->s, actor, "bank.remove", "bank_entry", eid[i], j.b.p,
                                      "{\"reason\":\"decision reversed\"}")) != 0)
            kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
        kz_jw_release(&j);
        if (!rc)
            (*removed)++;
        kz_bank__unload(b, bid[i]);
    }
out:
    free(eid);
    free(bid);
    free(sig);
    free(bname);
    free(tags);
    return rc;
}
