/*
 * store/bank.c - hash banks: signal types, and banks and entries in the
 * store (audited).  The CSV layout is in bank_csv.c, matching in
 * bank_match.c, what decisions bank and unbank in bank_decision.c.
 */
#include "bank_int.h"
#include "detect/minhash.h"
#include "util/sha256.h"
#include <stdarg.h>
#include <strings.h>

static const char *const type_names[KZ_BANK_NTYPES] = { "pdq", "sha256", "md5", "simhash" };
static const int type_hexlen[KZ_BANK_NTYPES] = { 64, 64, 32, 16 };

const char *kz_bank_type_name(int type)
{
    return type >= 0 && type < KZ_BANK_NTYPES ? type_names[type] : NULL;
}

int kz_bank_type_parse(const char *s, size_t n)
{
    for (int t = 0; t < KZ_BANK_NTYPES; t++)
        if (strlen(type_names[t]) == n && !strncasecmp(s, type_names[t], n))
            return t;
    return -1;
}

int kz_bank_default_threshold(int type)
{
    return type == KZ_BANK_PDQ ? 31 : type == KZ_BANK_SIMHASH ? 14 : 0;
}

int kz_bank_max_threshold(int type)
{
    return type == KZ_BANK_PDQ ? 256 : type == KZ_BANK_SIMHASH ? 64 : 0;
}

int kz_bank_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > KZ_BANK_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int kz_bank_signal_norm(int type, const char *s, size_t n, char *out)
{
    if (type < 0 || type >= KZ_BANK_NTYPES || n != (size_t)type_hexlen[type])
        return KZ_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return KZ_EINVAL;
        out[i] = c;
    }
    out[n] = '\0';
    return 0;
}

/* ---- banks in the store -------------------------------------------------- */

int kz_bank__fail(kz_banks *b, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
    if (rc == KZ_EDB || rc == KZ_EBUSY) {
        size_t l = strlen(b->err);
        snprintf(b->err + l, sizeof b->err - l, ": %s", kz_db_errmsg(b->db));
    }
    return rc;
}

void kz_bank__loaded_release(loaded *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->tags[i]);
        free(l->orig[i]);
    }
    free(l->tags);
    free(l->orig);
    free(l->eid);
    free(l->sig);
    free(l->sh);
    free(l->name);
    kz_pdqindex_free(l->ix);
    kz_minhash_index_free(l->mx);
    memset(l, 0, sizeof *l);
}

/* Forget what was loaded of bank id (it changed). */
void kz_bank__unload(kz_banks *b, int64_t id)
{
    b->bl_ok = 0;
    for (size_t i = 0; i < b->nlb; i++)
        if (b->lb[i].id == id) {
            kz_bank__loaded_release(&b->lb[i]);
            b->lb[i] = b->lb[--b->nlb];
            return;
        }
}

void kz_bank__clear_result(kz_banks *b)
{
    for (size_t i = 0; i < b->nstrs; i++)
        free(b->strs[i]);
    b->nstrs = 0;
    b->mn = 0;
    memset(&b->res, 0, sizeof b->res);
}

int kz_bank_open(kz_banks **out, kz_store *s)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return KZ_ENOMEM;
    (*out)->s = s;
    (*out)->db = kz_store_db(s);
    return 0;
}

void kz_bank_close(kz_banks **bp)
{
    if (!bp || !*bp)
        return;
    kz_banks *b = *bp;
    for (size_t i = 0; i < b->nlb; i++)
        kz_bank__loaded_release(&b->lb[i]);
    free(b->lb);
    free(b->bl);
    kz_bank__clear_result(b);
    free(b->strs);
    free(b->mv);
    free(b);
    *bp = NULL;
}

const char *kz_bank_errmsg(const kz_banks *b) { return b->err; }

/* Inside a transaction: may actor change banks? */
static int check_actor(kz_banks *b, const char *actor)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbstr(actor) };
    int rc = kz_db_query(b->db, "SELECT role, disabled FROM accounts WHERE name = $1", p, 1, &r);
    if (rc)
        return kz_bank__fail(b, rc, "reading the account");
    rc = kz_dbres_next(r);
    if (rc < 0) {
        kz_dbres_done(r);
        return kz_bank__fail(b, rc, "reading the account");
    }
    if (rc == 0) {
        kz_dbres_done(r);
        return kz_bank__fail(b, KZ_EPERM, "no account '%s'", actor ? actor : "");
    }
    size_t n = 0;
    const char *role = kz_dbres_text(r, 0, &n);
    char rl[16] = "";
    if (role && n < sizeof rl)
        memcpy(rl, role, n);
    int disabled = (int)kz_dbres_int(r, 1);
    kz_dbres_done(r);
    if (disabled)
        return kz_bank__fail(b, KZ_EPERM, "the account '%s' is disabled", actor);
    if (strcmp(rl, "analyst") && strcmp(rl, "supervisor") && strcmp(rl, "admin"))
        return kz_bank__fail(b, KZ_EPERM, "changing banks needs an analyst, supervisor or admin; '%s' is %s",
                    actor, rl);
    return 0;
}

/* Find a bank by name. */
static int find_bank(kz_banks *b, const char *name, int64_t *id, int *type)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbstr(name) };
    int rc = kz_db_query(b->db, "SELECT id, signal_type FROM banks WHERE name = $1", p, 1, &r);
    if (rc)
        return kz_bank__fail(b, rc, "reading banks");
    rc = kz_dbres_next(r);
    if (rc == 1) {
        size_t n = 0;
        const char *t = kz_dbres_text(r, 1, &n);
        *id = kz_dbres_int(r, 0);
        *type = t ? kz_bank_type_parse(t, n) : -1;
        rc = *type < 0 ? KZ_EINTERNAL : 0;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    if (rc == KZ_ENOTFOUND)
        return kz_bank__fail(b, rc, "no bank '%s'", name ? name : "");
    return rc ? kz_bank__fail(b, rc, "reading banks") : 0;
}

static int origin_ok(const char *o)
{
    if (!strcmp(o, "import"))
        return 1;
    if (strncmp(o, "decision:", 9) || !o[9] || strlen(o) > 29)
        return 0;
    for (const char *p = o + 9; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* Insert a bank and its bank.create audit entry (inside the caller's
 * transaction). */
static int create_row(kz_banks *b, const char *actor, const char *name, int type, int threshold,
                      int allow, int64_t *id)
{
    char now[21];
    kz_jw j;
    int rc;
    kz_jw_init(&j);
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(name), kz_dbstr(kz_bank_type_name(type)), kz_dbint(threshold),
                     kz_dbstr(allow ? "allow" : "block"), kz_dbstr(now) };
    if ((rc = kz_db_int(b->db, "INSERT INTO banks (name, signal_type, threshold, kind, created_at) "
                               "VALUES ($1, $2, $3, $4, $5) RETURNING id", p, 5, id)) != 0) {
        kz_bank__fail(b, rc, "creating the bank");
    } else {
        kz_jw_raw(&j, "{");
        kz_jw_str(&j, "name", name);
        kz_jw_str(&j, "signal_type", kz_bank_type_name(type));
        kz_jw_int(&j, "threshold", threshold);
        kz_jw_str(&j, "kind", allow ? "allow" : "block");
        kz_jw_raw(&j, "}");
        if ((rc = j.rc) != 0)
            kz_bank__fail(b, rc, "%s", kz_strerror(rc));
        else if ((rc = kz_store_audit(b->s, actor, "bank.create", "bank", *id, NULL, j.b.p)) != 0)
            kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    }
    kz_jw_release(&j);
    return rc;
}

int kz_bank_create(kz_banks *b, const char *actor, const char *name, int type, int threshold,
                   int allow, int64_t *id)
{
    int rc;
    if (!kz_bank_name_ok(name))
        return kz_bank__fail(b, KZ_EINVAL, "'%s' is not a bank name: 1 to 64 characters of a-z, 0-9, '.', "
                    "'_', '-'", name ? name : "");
    if (!kz_bank_type_name(type))
        return kz_bank__fail(b, KZ_EINVAL, "unknown signal type");
    if (threshold < 0)
        threshold = kz_bank_default_threshold(type);
    if (threshold > kz_bank_max_threshold(type))
        return kz_bank__fail(b, KZ_EINVAL, "threshold %d is over the most a %s bank allows (%d)", threshold,
                    kz_bank_type_name(type), kz_bank_max_threshold(type));
    if ((rc = kz_store_begin(b->s)) != 0)
        return kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    if ((rc = check_actor(b, actor)) != 0)
        goto out;
    int64_t dummy = 0;
    kz_dbval pn[] = { kz_dbstr(name) };
    rc = kz_db_int(b->db, "SELECT id FROM banks WHERE name = $1", pn, 1, &dummy);
    if (rc == 0) {
        rc = kz_bank__fail(b, KZ_ESTATE, "there is already a bank '%s'", name);
        goto out;
    }
    if (rc != KZ_ENOTFOUND) {
        kz_bank__fail(b, rc, "reading banks");
        goto out;
    }
    if ((rc = create_row(b, actor, name, type, threshold, allow, id)) != 0)
        goto out;
    if ((rc = kz_store_commit(b->s)) != 0)
        kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    b->bl_ok = 0;
    return rc;
out:
    kz_store_rollback(b->s);
    return rc;
}

int kz_bank__bump(kz_banks *b, int64_t bank)
{
    kz_dbval p[] = { kz_dbint(bank) };
    int rc = kz_db_query(b->db, "UPDATE banks SET version = version + 1 WHERE id = $1", p, 1, NULL);
    return rc ? kz_bank__fail(b, rc, "bumping the bank's version") : 0;
}

/* Insert one entry (inside the caller's transaction); *added 0 for a duplicate. */
static int insert_entry(kz_banks *b, int64_t bank, const char *sig, const char *tags,
                        const char *origin, const char *now, const char *minhash, int64_t *eid,
                        int *added)
{
    kz_dbval p[] = { kz_dbint(bank), kz_dbstr(sig), kz_dbstr(tags ? tags : ""), kz_dbstr(origin),
                     kz_dbstr(now), minhash ? kz_dbstr(minhash) : kz_dbnull() };
    int rc = kz_db_int(b->db, "INSERT INTO bank_entries (bank_id, signal, tags, origin, added_at, minhash) "
                              "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bank_id, signal) DO NOTHING "
                              "RETURNING id", p, 6, eid);
    *added = rc == 0;
    if (rc == KZ_ENOTFOUND)
        rc = 0;
    return rc ? kz_bank__fail(b, rc, "adding to the bank") : 0;
}

/* The bank.add audit entry of a new entry: the row as stored. */
static int audit_add(kz_banks *b, const char *actor, const char *bank, const char *sig,
                     const char *tags, const char *origin, int64_t eid)
{
    kz_jw j;
    int rc;
    kz_jw_init(&j);
    kz_jw_raw(&j, "{");
    kz_jw_str(&j, "bank", bank);
    kz_jw_str(&j, "signal", sig);
    kz_jw_str(&j, "origin", origin);
    kz_jw_str(&j, "tags", tags ? tags : "");
    kz_jw_raw(&j, "}");
    if ((rc = j.rc) != 0)
        kz_bank__fail(b, rc, "%s", kz_strerror(rc));
    else if ((rc = kz_store_audit(b->s, actor, "bank.add", "bank_entry", eid, NULL, j.b.p)) != 0)
        kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    kz_jw_release(&j);
    return rc;
}

static int add_tx(kz_banks *b, const char *actor, const char *bank, int type, const char *signal,
                  const char *minhash, const char *tags, const char *origin, int *added)
{
    char sig[KZ_BANK_SIGMAX + 1], now[21], t[16] = "", k[16] = "";
    int64_t bid = 0, eid = 0;
    kz_dbres *r = NULL;
    *added = 0;
    if (!kz_bank_name_ok(bank) || !signal || kz_bank_signal_norm(type, signal, strlen(signal), sig))
        return 0;                       /* nothing that can be banked */
    kz_dbval p[] = { kz_dbstr(bank) };
    int rc = kz_db_query(b->db, "SELECT id, signal_type, kind FROM banks WHERE name = $1", p, 1, &r);
    if (rc)
        return kz_bank__fail(b, rc, "reading banks");
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *v = kz_dbres_text(r, 1, NULL);
        snprintf(t, sizeof t, "%s", v ? v : "");
        v = kz_dbres_text(r, 2, NULL);
        snprintf(k, sizeof k, "%s", v ? v : "");
        bid = kz_dbres_int(r, 0);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz_bank__fail(b, rc, "reading banks");
    if (bid && (strcmp(t, kz_bank_type_name(type)) || strcmp(k, "block")))
        return 0;                       /* the name holds another kind of bank */
    if (!bid && (rc = create_row(b, actor, bank, type, kz_bank_default_threshold(type), 0, &bid)))
        return rc;
    kz_store_now(now);
    if ((rc = insert_entry(b, bid, sig, tags, origin, now, minhash, &eid, added)) != 0)
        return rc;
    if (*added && ((rc = kz_bank__bump(b, bid)) != 0 ||
                   (rc = audit_add(b, actor, bank, sig, tags, origin, eid)) != 0))
        return rc;
    kz_bank__unload(b, bid);
    return 0;
}

int kz_bank_add_tx(kz_banks *b, const char *actor, const char *bank, int type, const char *signal,
                   const char *tags, const char *origin, int *added)
{
    return add_tx(b, actor, bank, type, signal, NULL, tags, origin, added);
}

int kz_bank_add_text_tx(kz_banks *b, const char *actor, const char *bank, const char *signal,
                        const char *minhash, const char *tags, const char *origin, int *added)
{
    kz_minhash_sig m;
    char hex[KZ_MINHASH_HEXLEN + 1];
    if (minhash && kz_minhash_from_hex(minhash, strlen(minhash), &m) == 0)
        kz_minhash_to_hex(&m, hex);            /* lowercase */
    else
        minhash = NULL;
    return add_tx(b, actor, bank, KZ_BANK_SIMHASH, signal, minhash ? hex : NULL, tags, origin, added);
}

int kz_bank_add(kz_banks *b, const char *actor, const char *bank, const char *signal,
                const char *tags, const char *origin, int *added)
{
    char sig[KZ_BANK_SIGMAX + 1], now[21];
    int64_t bid = 0, eid = 0;
    int type = -1, rc;
    kz_buf j;
    *added = 0;
    if (!origin || !origin_ok(origin))
        return kz_bank__fail(b, KZ_EINVAL, "origin must be 'import' or 'decision:<id>'");
    if (tags && (strlen(tags) > KZ_BANK_TAGS_MAX || !kz_bank__tags_ok(tags, strlen(tags))))
        return kz_bank__fail(b, KZ_EINVAL, "tags must be UTF-8 text of at most 1024 bytes");
    kz_buf_init(&j, KZ_BUF_NOLIMIT);
    if ((rc = kz_store_begin(b->s)) != 0) {
        kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
        goto done;
    }
    if ((rc = check_actor(b, actor)) != 0 || (rc = find_bank(b, bank, &bid, &type)) != 0)
        goto out;
    if (!signal || kz_bank_signal_norm(type, signal, strlen(signal), sig)) {
        rc = kz_bank__fail(b, KZ_EINVAL, "not a %s signal", kz_bank_type_name(type));
        goto out;
    }
    kz_store_now(now);
    if ((rc = insert_entry(b, bid, sig, tags, origin, now, NULL, &eid, added)) != 0)
        goto out;
    if (*added && ((rc = kz_bank__bump(b, bid)) != 0 ||
                   (rc = audit_add(b, actor, bank, sig, tags, origin, eid)) != 0))
        goto out;
    if ((rc = kz_store_commit(b->s)) != 0)
        kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    kz_bank__unload(b, bid);
    goto done;
out:
    kz_store_rollback(b->s);
done:
    kz_buf_release(&j);
    return rc;
}

typedef struct import_ctx {
    kz_banks *b;
    int64_t   bank;
    int       type;
    char      now[21];
    kz_bank_bad_fn bad;
    void     *bctx;
    kz_bank_import_report *rep;
} import_ctx;

static int import_row(void *ctx, const kz_bank_row *row)
{
    import_ctx *c = ctx;
    const char *why = row->why;
    if (!why && row->type != c->type)
        why = "signal type differs from the bank's";
    if (why) {
        c->rep->bad++;
        if (c->bad)
            c->bad(c->bctx, row->line, why);
        return 0;
    }
    int64_t eid = 0;
    int added = 0, rc = insert_entry(c->b, c->bank, row->signal, row->tags, "import", c->now, NULL,
                                     &eid, &added);
    if (rc)
        return rc;
    if (added)
        c->rep->added++;
    else
        c->rep->duplicates++;
    return 0;
}

void kz_bank_digest_entry(void *sha256_state, int64_t id, const char *signal, const char *tags)
{
    kz_sha256_ctx *st = sha256_state;
    char num[24];
    const char *f[3] = { num, signal ? signal : "", tags ? tags : "" };
    snprintf(num, sizeof num, "%lld", (long long)id);
    for (int i = 0; i < 3; i++) {
        char len[24];
        int k = snprintf(len, sizeof len, "%zu:", strlen(f[i]));
        kz_sha256_update(st, len, (size_t)k);
        kz_sha256_update(st, f[i], strlen(f[i]));
    }
}

/* What the import added, for its audit entry: the first and last id (the
 * transaction holds the write lock, so every entry past the highest id
 * before it is this import's) and the digest of those entries. */
static int import_digest(kz_banks *b, int64_t before, kz_jw *out)
{
    kz_sha256_ctx st;
    uint8_t h[KZ_SHA256_LEN];
    char hex[65];
    int64_t first = 0, last = 0;
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(before) };
    int rc = kz_db_query(b->db, "SELECT id, signal, tags FROM bank_entries WHERE id > $1 "
                                "ORDER BY id", p, 1, &r);
    if (rc)
        return kz_bank__fail(b, rc, "reading the imported entries");
    kz_sha256_init(&st);
    while ((rc = kz_dbres_next(r)) == 1) {
        last = kz_dbres_int(r, 0);
        if (!first)
            first = last;
        kz_bank_digest_entry(&st, last, kz_dbres_text(r, 1, NULL), kz_dbres_text(r, 2, NULL));
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz_bank__fail(b, rc, "reading the imported entries");
    kz_sha256_final(&st, h);
    kz_hex(h, sizeof h, hex);
    if (first) {
        kz_jw_int(out, "first_id", first);
        kz_jw_int(out, "last_id", last);
        kz_jw_str(out, "entries_sha256", hex);
    }
    return out->rc ? kz_bank__fail(b, out->rc, "%s", kz_strerror(out->rc)) : 0;
}

int kz_bank_import(kz_banks *b, const char *actor, const char *bank, const char *data,
                   size_t n, kz_bank_bad_fn bad, void *ctx, kz_bank_import_report *rep)
{
    import_ctx c = { b, 0, -1, "", bad, ctx, rep };
    kz_jw after;
    int64_t before = 0;
    int rc;
    kz_jw_init(&after);
    memset(rep, 0, sizeof *rep);
    if ((rc = kz_store_begin(b->s)) != 0)
        return kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    if ((rc = check_actor(b, actor)) != 0 || (rc = find_bank(b, bank, &c.bank, &c.type)) != 0)
        goto out;
    if ((rc = kz_db_int(b->db, "SELECT COALESCE(MAX(id), 0) FROM bank_entries", NULL, 0,
                        &before)) != 0) {
        kz_bank__fail(b, rc, "reading the bank");
        goto out;
    }
    kz_store_now(c.now);
    if ((rc = kz_bank_parse(data, n, import_row, &c)) != 0) {
        if (rc == KZ_ENOMEM)
            kz_bank__fail(b, rc, "%s", kz_strerror(rc));
        goto out;
    }
    kz_jw_raw(&after, "{");
    kz_jw_int(&after, "added", (int64_t)rep->added);
    kz_jw_int(&after, "duplicates", (int64_t)rep->duplicates);
    kz_jw_int(&after, "bad", (int64_t)rep->bad);
    if ((rc = import_digest(b, before, &after)) != 0 ||
        (rep->added && (rc = kz_bank__bump(b, c.bank)) != 0))
        goto out;
    kz_jw_raw(&after, "}");
    if ((rc = after.rc) != 0 ||
        (rc = kz_store_audit(b->s, actor, "bank.import", "bank", c.bank, NULL, after.b.p)) != 0) {
        kz_bank__fail(b, rc, "%s", rc == after.rc ? kz_strerror(rc) : kz_store_errmsg(b->s));
        goto out;
    }
    kz_jw_release(&after);
    if ((rc = kz_store_commit(b->s)) != 0)
        return kz_bank__fail(b, rc, "%s", kz_store_errmsg(b->s));
    kz_bank__unload(b, c.bank);
    return 0;
out:
    kz_jw_release(&after);
    kz_store_rollback(b->s);
    kz_bank__unload(b, c.bank);
    return rc;
}

int kz_bank_export(kz_banks *b, const char *bank, kz_buf *out)
{
    int64_t bid = 0;
    int type = -1, rc;
    kz_dbres *r = NULL;
    if ((rc = find_bank(b, bank, &bid, &type)) != 0)
        return rc;
    kz_dbval p[] = { kz_dbint(bid) };
    if ((rc = kz_db_query(b->db, "SELECT signal, tags FROM bank_entries WHERE bank_id = $1 "
                                 "ORDER BY id", p, 1, &r)) != 0)
        return kz_bank__fail(b, rc, "reading the bank");
    if ((rc = kz_buf_adds(out, KZ_BANK_HEADER)) != 0)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
        const char *sig = kz_dbres_text(r, 0, NULL), *tags = kz_dbres_text(r, 1, NULL);
        if ((rc = kz_bank_format_row(out, type, sig ? sig : "", tags ? tags : "")) != 0)
            goto out;
    }
out:
    kz_dbres_done(r);
    if (rc == KZ_EDB || rc == KZ_EBUSY)
        return kz_bank__fail(b, rc, "reading the bank");
    return rc ? kz_bank__fail(b, rc, "%s", kz_strerror(rc)) : 0;
}

/* The banks by name; entries: their count (counts: a scan of each bank),
 * or else 1 when the bank has any (an index lookup). */
int kz_bank__list_banks(kz_banks *b, int counts, kz_bank_info **out, size_t *n)
{
    kz_dbres *r = NULL;
    kz_bank_info *v = NULL;
    size_t cap = 0, cnt = 0;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = kz_db_query(b->db, counts ? "SELECT b.id, b.name, b.signal_type, b.threshold, "
                                 "b.kind, b.created_at, (SELECT COUNT(*) FROM bank_entries e "
                                 "WHERE e.bank_id = b.id), b.version FROM banks b ORDER BY b.name"
                                 : "SELECT b.id, b.name, b.signal_type, b.threshold, b.kind, "
                                 "b.created_at, CASE WHEN EXISTS (SELECT 1 FROM bank_entries e "
                                 "WHERE e.bank_id = b.id) THEN 1 ELSE 0 END, b.version FROM banks b "
                                 "ORDER BY b.name", NULL, 0, &r)) != 0)
        return kz_bank__fail(b, rc, "reading banks");
    while ((rc = kz_dbres_next(r)) == 1) {
        if ((rc = KZ_GROW(v, cap, cnt + 1)) != 0)
            break;
        kz_bank_info *bi = &v[cnt++];
        size_t len = 0;
        const char *s;
        memset(bi, 0, sizeof *bi);
        bi->id = kz_dbres_int(r, 0);
        s = kz_dbres_text(r, 1, &len);
        snprintf(bi->name, sizeof bi->name, "%.*s", (int)len, s ? s : "");
        s = kz_dbres_text(r, 2, &len);
        bi->type = s ? kz_bank_type_parse(s, len) : -1;
        bi->threshold = (int)kz_dbres_int(r, 3);
        s = kz_dbres_text(r, 4, &len);
        bi->allow = s && len == 5 && !memcmp(s, "allow", 5);
        s = kz_dbres_text(r, 5, &len);
        snprintf(bi->created_at, sizeof bi->created_at, "%.*s", (int)len, s ? s : "");
        bi->entries = kz_dbres_int(r, 6);
        bi->version = kz_dbres_int(r, 7);
    }
    kz_dbres_done(r);
    if (rc) {
        free(v);
        return kz_bank__fail(b, rc, "reading banks");
    }
    *out = v;
    *n = cnt;
    return 0;
}

int kz_bank_list(kz_banks *b, kz_bank_info **out, size_t *n)
{
    return kz_bank__list_banks(b, 1, out, n);
}
