/*
 * store/bank_match.c - matching against banks: PDQ through kz_pdqindex,
 * simhash by popcount scan, exact types by index lookup; allow banks
 * suppress block matches.
 */
#include "bank_int.h"
#include "detect/pdq.h"

/* ---- matching ------------------------------------------------------------ */

/* The bank list, read once until this handle changes a bank. */
static int banks_cached(kz_banks *b)
{
    if (b->bl_ok)
        return 0;
    free(b->bl);
    b->bl = NULL;
    b->nbl = 0;
    int rc = kz_bank__list_banks(b, 0, &b->bl, &b->nbl);
    b->bl_ok = rc == 0;
    return rc;
}

int kz_bank_any_block(kz_banks *b, int type)
{
    int rc = banks_cached(b);
    if (rc)
        return rc;
    for (size_t i = 0; i < b->nbl; i++)
        if (b->bl[i].type == type && !b->bl[i].allow && b->bl[i].entries > 0)
            return 1;
    return 0;
}

static int load_bank(kz_banks *b, const kz_bank_info *bi, loaded **out)
{
    for (size_t i = 0; i < b->nlb; i++)
        if (b->lb[i].id == bi->id) {
            *out = &b->lb[i];
            return 0;
        }
    loaded l;
    kz_dbres *r = NULL;
    int rc;
    memset(&l, 0, sizeof l);
    l.id = bi->id;
    l.type = bi->type;
    l.threshold = bi->threshold;
    l.allow = bi->allow;
    l.version = bi->version;
    if (!(l.name = kz_strdup(bi->name)) || (bi->type == KZ_BANK_PDQ && !(l.ix = kz_pdqindex_new(0)))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    kz_dbval p[] = { kz_dbint(bi->id) };
    /* the bank's version in the same statement: the one these entries are */
    if ((rc = kz_db_query(b->db, "SELECT e.id, e.signal, e.tags, e.origin, e.minhash, b.version "
                                 "FROM bank_entries e JOIN banks b ON b.id = e.bank_id "
                                 "WHERE e.bank_id = $1 ORDER BY e.id", p, 1, &r)) != 0)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
        l.version = kz_dbres_int(r, 5);
        size_t sn = 0, tn = 0, on = 0, cap = l.cap;
        const char *sig = kz_dbres_text(r, 1, &sn), *tags = kz_dbres_text(r, 2, &tn);
        const char *orig = kz_dbres_text(r, 3, &on);
        char norm[KZ_BANK_SIGMAX + 1];
        if (!sig || kz_bank_signal_norm(l.type, sig, sn, norm))
            continue;                           /* cannot happen: validated on the way in */
        if (l.n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            int64_t *e = kz_realloc(l.eid, nc * sizeof *e);
            if (e) l.eid = e;
            char *s = kz_realloc(l.sig, nc * (KZ_BANK_SIGMAX + 1));
            if (s) l.sig = s;
            char **t = kz_realloc(l.tags, nc * sizeof *t);
            if (t) l.tags = t;
            char **o = kz_realloc(l.orig, nc * sizeof *o);
            if (o) l.orig = o;
            uint64_t *h = kz_realloc(l.sh, nc * sizeof *h);
            if (h) l.sh = h;
            if (!e || !s || !t || !o || !h) {
                rc = KZ_ENOMEM;
                break;
            }
            l.cap = nc;
        }
        if (!(l.tags[l.n] = kz_strndup(tags ? tags : "", tn))) {
            rc = KZ_ENOMEM;
            break;
        }
        if (!(l.orig[l.n] = kz_strndup(orig ? orig : "", on))) {
            free(l.tags[l.n]);
            rc = KZ_ENOMEM;
            break;
        }
        l.eid[l.n] = kz_dbres_int(r, 0);
        memcpy(l.sig + l.n * (KZ_BANK_SIGMAX + 1), norm, sizeof norm);
        l.sh[l.n] = l.type == KZ_BANK_SIMHASH ? strtoull(norm, NULL, 16) : 0;
        size_t mn = 0;
        const char *mh = l.type == KZ_BANK_SIMHASH && !kz_dbres_null(r, 4) ? kz_dbres_text(r, 4, &mn) : NULL;
        kz_minhash_sig ms;
        if (mh && kz_minhash_from_hex(mh, mn, &ms) == 0 &&
            ((!l.mx && !(l.mx = kz_minhash_index_new())) || kz_minhash_index_add(l.mx, &ms, (uint32_t)l.n))) {
            free(l.tags[l.n]);
            free(l.orig[l.n]);
            rc = KZ_ENOMEM;
            break;
        }
        if (l.type == KZ_BANK_PDQ) {
            kz_pdq_hash h;
            if (kz_pdq_from_hex(norm, 64, &h) || (rc = kz_pdqindex_add(l.ix, &h, l.n)) != 0) {
                free(l.tags[l.n]);
                free(l.orig[l.n]);
                rc = rc ? rc : KZ_EINTERNAL;
                break;
            }
        }
        l.n++;
    }
    kz_dbres_done(r);
    if (rc)
        goto out;
    if (l.ix && (rc = kz_pdqindex_flush(l.ix)) != 0)
        goto out;
    if (l.mx && (rc = kz_minhash_index_build(l.mx)) != 0)
        goto out;
    loaded *nv = kz_realloc(b->lb, (b->nlb + 1) * sizeof *nv);
    if (!nv) {
        rc = KZ_ENOMEM;
        goto out;
    }
    b->lb = nv;
    b->lb[b->nlb] = l;
    *out = &b->lb[b->nlb++];
    return 0;
out:
    kz_bank__loaded_release(&l);
    return rc == KZ_EDB || rc == KZ_EBUSY ? kz_bank__fail(b, rc, "loading bank '%s'", bi->name)
                                          : kz_bank__fail(b, rc, "loading bank '%s': %s", bi->name,
                                                 kz_strerror(rc));
}

static char *keep(kz_banks *b, const char *s, size_t n)
{
    if (KZ_GROW(b->strs, b->strcap, b->nstrs + 1))
        return NULL;
    char *c = kz_strndup(s, n);
    if (c)
        b->strs[b->nstrs++] = c;
    return c;
}

static int add_match(kz_banks *b, const char *bank, const char *sig, const char *tags,
                     size_t tags_len, const char *origin, size_t origin_len, int64_t eid,
                     int dist, int allow, int64_t version)
{
    if (KZ_GROW(b->mv, b->mcap, b->mn + 1))
        return KZ_ENOMEM;
    kz_bank_hit *m = &b->mv[b->mn];
    if (!(m->bank = keep(b, bank, strlen(bank))) || !(m->signal = keep(b, sig, strlen(sig))) ||
        !(m->tags = keep(b, tags ? tags : "", tags ? tags_len : 0)) ||
        !(m->origin = keep(b, origin ? origin : "", origin ? origin_len : 0)))
        return KZ_ENOMEM;
    m->entry_id = eid;
    m->distance = dist;
    m->minhash_distance = -1;
    m->allow = allow;
    m->version = version;
    b->mn++;
    return 0;
}

static int cmp_match(const void *x, const void *y)
{
    const kz_bank_hit *a = x, *c = y;
    if (a->allow != c->allow)
        return a->allow - c->allow;
    int k = strcmp(a->bank, c->bank);
    if (k)
        return k;
    if (a->distance != c->distance)
        return a->distance - c->distance;
    return a->entry_id < c->entry_id ? -1 : a->entry_id > c->entry_id;
}

/* Exact types: one indexed lookup per signal (UNIQUE (bank_id, signal)). */
static int match_exact(kz_banks *b, const kz_bank_info *bi, char q[][KZ_BANK_SIGMAX + 1], int nq)
{
    for (int i = 0; i < nq; i++) {
        kz_dbres *r = NULL;
        kz_dbval p[] = { kz_dbint(bi->id), kz_dbstr(q[i]) };
        int rc = kz_db_query(b->db, "SELECT e.id, e.tags, e.origin, b.version FROM bank_entries e "
                                    "JOIN banks b ON b.id = e.bank_id WHERE e.bank_id = $1 "
                                    "AND e.signal = $2", p, 2, &r);
        if (rc)
            return kz_bank__fail(b, rc, "matching");
        while ((rc = kz_dbres_next(r)) == 1) {
            size_t tn = 0, on = 0;
            const char *tags = kz_dbres_text(r, 1, &tn), *orig = kz_dbres_text(r, 2, &on);
            if ((rc = add_match(b, bi->name, q[i], tags, tn, orig, on, kz_dbres_int(r, 0), 0,
                                bi->allow, kz_dbres_int(r, 3))))
                break;
        }
        kz_dbres_done(r);
        if (rc < 0)
            return rc == KZ_ENOMEM ? kz_bank__fail(b, rc, "%s", kz_strerror(rc)) : kz_bank__fail(b, rc, "matching");
    }
    return 0;
}

static int match_loaded(kz_banks *b, loaded *l, char q[][KZ_BANK_SIGMAX + 1], int nq,
                        const kz_minhash_sig *mq)
{
    int rc = 0;
    if (l->type == KZ_BANK_PDQ) {
        kz_pdq_hash h[KZ_PDQINDEX_MAXQ];
        kz_pdqindex_hits hits = { NULL, 0, 0 };
        for (int i = 0; i < nq; i++)
            kz_pdq_from_hex(q[i], 64, &h[i]);
        if ((rc = kz_pdqindex_query(l->ix, h, nq, l->threshold, KZ_PDQINDEX_AUTO, &hits)) == 0)
            for (size_t i = 0; i < hits.n && !rc; i++) {
                size_t k = (size_t)hits.v[i].id;
                rc = add_match(b, l->name, l->sig + k * (KZ_BANK_SIGMAX + 1), l->tags[k],
                               strlen(l->tags[k]), l->orig[k], strlen(l->orig[k]), l->eid[k],
                               hits.v[i].distance, l->allow, l->version);
            }
        kz_pdqindex_hits_release(&hits);
    } else {
        uint64_t qs[KZ_PDQINDEX_MAXQ];
        for (int i = 0; i < nq; i++)
            qs[i] = strtoull(q[i], NULL, 16);
        for (size_t k = 0; k < l->n && !rc; k++) {
            int best = 65;
            for (int i = 0; i < nq; i++) {
                int d = __builtin_popcountll(qs[i] ^ l->sh[k]);
                if (d < best)
                    best = d;
            }
            if (best <= l->threshold)
                rc = add_match(b, l->name, l->sig + k * (KZ_BANK_SIGMAX + 1), l->tags[k],
                               strlen(l->tags[k]), l->orig[k], strlen(l->orig[k]), l->eid[k],
                               best, l->allow, l->version);
        }
        /* near copies by MinHash: the entries SimHash did not find */
        uint32_t ids[64];
        int dist[64];
        size_t nm = mq && l->mx ? kz_minhash_index_query(l->mx, mq, KZ_MINHASH_THRESHOLD, ids, dist, 64) : 0;
        for (size_t j = 0; j < nm && j < 64 && !rc; j++) {
            size_t k = ids[j];
            int sd = nq ? __builtin_popcountll(qs[0] ^ l->sh[k]) : 64;
            if (sd <= l->threshold) {          /* already matched: note the MinHash distance */
                for (size_t z = 0; z < b->mn; z++)
                    if (b->mv[z].entry_id == l->eid[k])
                        b->mv[z].minhash_distance = dist[j];
                continue;
            }
            rc = add_match(b, l->name, l->sig + k * (KZ_BANK_SIGMAX + 1), l->tags[k],
                           strlen(l->tags[k]), l->orig[k], strlen(l->orig[k]), l->eid[k],
                           sd, l->allow, l->version);
            if (!rc)
                b->mv[b->mn - 1].minhash_distance = dist[j];
        }
    }
    return rc ? kz_bank__fail(b, rc, "matching: %s", kz_strerror(rc)) : 0;
}

static int match_any(kz_banks *b, int type, const char *const *q, int nq, const kz_minhash_sig *mq,
                     const kz_bank_result **res)
{
    char norm[KZ_PDQINDEX_MAXQ][KZ_BANK_SIGMAX + 1];
    int rc;
    *res = NULL;
    kz_bank__clear_result(b);
    if (!kz_bank_type_name(type) || nq < 1 || nq > KZ_PDQINDEX_MAXQ)
        return kz_bank__fail(b, KZ_EINVAL, "a query is 1 to 8 signals of one type");
    for (int i = 0; i < nq; i++)
        if (!q[i] || kz_bank_signal_norm(type, q[i], strlen(q[i]), norm[i]))
            return kz_bank__fail(b, KZ_EINVAL, "'%s' is not a %s signal", q[i] ? q[i] : "",
                        kz_bank_type_name(type));
    if ((rc = banks_cached(b)) != 0)
        return rc;
    for (size_t i = 0; i < b->nbl && !rc; i++) {
        const kz_bank_info *bi = &b->bl[i];
        if (bi->type != type || !bi->entries)
            continue;
        if (type == KZ_BANK_SHA256 || type == KZ_BANK_MD5) {
            rc = match_exact(b, bi, norm, nq);
        } else {
            loaded *l = NULL;
            if ((rc = load_bank(b, bi, &l)) == 0)
                rc = match_loaded(b, l, norm, nq, mq);
        }
    }
    if (rc)
        return rc;
    if (b->mn)
        qsort(b->mv, b->mn, sizeof *b->mv, cmp_match);
    b->res.v = b->mv;
    b->res.n = b->mn;
    for (size_t i = 0; i < b->mn; i++)
        if (!b->mv[i].allow)
            b->res.nblock++;
    b->res.suppressed = b->res.nblock < b->res.n;
    *res = &b->res;
    return 0;
}

int kz_bank_match(kz_banks *b, int type, const char *const *q, int nq, const kz_bank_result **res)
{
    return match_any(b, type, q, nq, NULL, res);
}

int kz_bank_match_text(kz_banks *b, const char *simhash, const char *minhash,
                       const kz_bank_result **res)
{
    kz_minhash_sig m;
    *res = NULL;
    if (minhash && kz_minhash_from_hex(minhash, strlen(minhash), &m) != 0)
        return kz_bank__fail(b, KZ_EINVAL, "'%s' is not a MinHash signature", minhash);
    const char *q[1] = { simhash };
    return match_any(b, KZ_BANK_SIMHASH, q, 1, minhash ? &m : NULL, res);
}
