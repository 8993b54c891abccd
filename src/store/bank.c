/*
 * store/bank.c - hash banks: the CSV layout parser, banks and entries in
 * the store (audited), and matching (PDQ through kz_pdqindex, simhash by
 * popcount scan, exact types by index lookup).
 */
#include "bank.h"
#include "detect/pdq.h"
#include "detect/pdqindex.h"
#include "util/utf8.h"
#include <sodium.h>
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

/* ---- the CSV/TSV layout -------------------------------------------------- */

#define MAX_FIELDS 3

typedef struct field {
    const char *p;
    size_t      n;
    int         quoted;
} field;

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Split line[0..n) into fields; quoted fields are unescaped into scratch
 * (their p points there).  Returns the number of fields (may exceed
 * MAX_FIELDS; only the first MAX_FIELDS are kept) or -1 with *why. */
static int split(const char *line, size_t n, char sep, kz_buf *scratch, field *f,
                 size_t *offs, const char **why)
{
    int nf = 0;
    size_t i = 0;
    kz_buf_reset(scratch);
    for (;;) {
        field cur = { NULL, 0, 0 };
        size_t off = 0;
        while (i < n && line[i] != sep && is_space(line[i]))
            i++;
        if (i < n && line[i] == '"') {
            i++;
            off = scratch->len;
            for (;;) {
                if (i >= n) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (line[i] == '"') {
                    if (i + 1 < n && line[i + 1] == '"') {
                        if (kz_buf_addc(scratch, '"'))
                            goto toobig;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (kz_buf_addc(scratch, line[i++]))
                    goto toobig;
            }
            cur.quoted = 1;
            cur.n = scratch->len - off;
            if (kz_buf_addc(scratch, '\0'))
                goto toobig;
            while (i < n && line[i] != sep && is_space(line[i]))
                i++;
            if (i < n && line[i] != sep) {
                *why = "text after a quoted field";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < n && line[i] != sep) {
                if (line[i] == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                i++;
            }
            size_t end = i;
            while (end > start && is_space(line[end - 1]))
                end--;
            cur.p = line + start;
            cur.n = end - start;
        }
        if (nf < MAX_FIELDS) {
            f[nf] = cur;
            offs[nf] = off;
        }
        nf++;
        if (i >= n)
            break;
        i++;                                    /* the separator */
    }
    return nf;
toobig:
    *why = "tags over 1024 bytes";
    return -1;
}

static int tags_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!k || cp < 0x20 || cp == 0x7f)
            return 0;
        i += k;
    }
    return 1;
}

int kz_bank_parse(const char *data, size_t n, kz_bank_row_fn fn, void *ctx)
{
    kz_buf scratch;
    kz_buf_init(&scratch, 3 * KZ_BANK_TAGS_MAX + 256);
    char sep = 0;
    unsigned line = 0;
    int rc = 0, first = 1;
    size_t pos = 0;
    while (pos < n && !rc) {
        const char *p = data + pos, *nl = memchr(p, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - p) : n - pos;
        pos += len + (nl ? 1 : 0);
        line++;
        if (len && p[len - 1] == '\r')
            len--;
        size_t lead = 0;
        while (lead < len && is_space(p[lead]))
            lead++;
        if (lead == len || p[lead] == '#')
            continue;
        if (!sep)
            sep = memchr(p, '\t', len) ? '\t' : ',';
        kz_bank_row row;
        memset(&row, 0, sizeof row);
        row.line = line;
        field f[MAX_FIELDS];
        size_t offs[MAX_FIELDS];
        const char *why = NULL;
        int nf = split(p, len, sep, &scratch, f, offs, &why);
        if (nf >= 0)
            for (int i = 0; i < nf && i < MAX_FIELDS; i++)
                if (f[i].quoted)
                    f[i].p = scratch.p + offs[i];   /* scratch may have moved */
        int header = first && nf >= 1 && f[0].n == 11 && !strncasecmp(f[0].p, "signal_type", 11);
        first = 0;
        if (header)
            continue;
        if (nf < 0) {
            row.why = why;
        } else if (nf < 2) {
            row.why = "expected signal_type,signal,tags";
        } else if (nf > MAX_FIELDS) {
            row.why = "more than 3 fields (quote tags that hold the separator)";
        } else if ((row.type = kz_bank_type_parse(f[0].p, f[0].n)) < 0) {
            row.why = "unknown signal type (pdq, sha256, md5, simhash)";
        } else if (kz_bank_signal_norm(row.type, f[1].p, f[1].n, row.signal)) {
            row.why = row.type == KZ_BANK_MD5       ? "not an md5 signal (32 hex digits)"
                      : row.type == KZ_BANK_SIMHASH ? "not a simhash signal (16 hex digits)"
                      : row.type == KZ_BANK_PDQ     ? "not a pdq signal (64 hex digits)"
                                                    : "not a sha256 signal (64 hex digits)";
        } else if (nf == 3 && f[2].n > KZ_BANK_TAGS_MAX) {
            row.why = "tags over 1024 bytes";
        } else if (nf == 3 && !tags_ok(f[2].p, f[2].n)) {
            row.why = "tags are not UTF-8 text (or hold control characters)";
        } else {
            row.tags = nf == 3 ? f[2].p : "";
            row.tags_len = nf == 3 ? f[2].n : 0;
            if (nf == 3 && !f[2].quoted) {
                /* lend a NUL-terminated copy */
                kz_buf_reset(&scratch);
                if (kz_buf_add(&scratch, f[2].p, f[2].n)) {
                    rc = KZ_ENOMEM;
                    break;
                }
                row.tags = scratch.p;
            }
        }
        if (row.why)
            row.type = -1;
        rc = fn(ctx, &row);
    }
    kz_buf_release(&scratch);
    return rc;
}

int kz_bank_format_row(kz_buf *out, int type, const char *signal, const char *tags)
{
    const char *name = kz_bank_type_name(type);
    size_t tn = tags ? strlen(tags) : 0;
    int rc;
    if (!name)
        return KZ_EINVAL;
    if ((rc = kz_buf_adds(out, name)) || (rc = kz_buf_addc(out, ',')) ||
        (rc = kz_buf_adds(out, signal)) || (rc = kz_buf_addc(out, ',')))
        return rc;
    int quote = tn && (strpbrk(tags, ",\"\t\r\n") || tags[0] == ' ' || tags[tn - 1] == ' ');
    if (!quote)
        rc = kz_buf_add(out, tags ? tags : "", tn);
    else {
        rc = kz_buf_addc(out, '"');
        for (size_t i = 0; i < tn && !rc; i++)
            rc = tags[i] == '"' ? kz_buf_add(out, "\"\"", 2) : kz_buf_addc(out, tags[i]);
        if (!rc)
            rc = kz_buf_addc(out, '"');
    }
    return rc ? rc : kz_buf_addc(out, '\n');
}

/* ---- banks in the store -------------------------------------------------- */

/* A bank loaded for matching. */
typedef struct loaded {
    int64_t      id;
    char        *name;
    int          type, threshold, allow;
    size_t       n, cap;
    int64_t     *eid;
    char        *sig;               /* n * (KZ_BANK_SIGMAX + 1) */
    char       **tags;
    char       **orig;              /* origins */
    uint64_t    *sh;                /* simhash values */
    kz_pdqindex *ix;                /* pdq */
} loaded;

struct kz_banks {
    kz_store *s;
    kz_db    *db;
    char      err[512];
    loaded   *lb;
    size_t    nlb;
    /* the banks (without entry counts), read once until a change */
    kz_bank_info *bl;
    size_t    nbl;
    int       bl_ok;
    /* the last result */
    kz_bank_hit *mv;
    size_t         mn, mcap;
    char         **strs;
    size_t         nstrs, strcap;
    kz_bank_result res;
};

static int fail(kz_banks *b, int rc, const char *fmt, ...) KZ_PRINTF(3, 4);
static int fail(kz_banks *b, int rc, const char *fmt, ...)
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

static void loaded_release(loaded *l)
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
    memset(l, 0, sizeof *l);
}

/* Forget what was loaded of bank id (it changed). */
static void unload(kz_banks *b, int64_t id)
{
    b->bl_ok = 0;
    for (size_t i = 0; i < b->nlb; i++)
        if (b->lb[i].id == id) {
            loaded_release(&b->lb[i]);
            b->lb[i] = b->lb[--b->nlb];
            return;
        }
}

static void clear_result(kz_banks *b)
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
        loaded_release(&b->lb[i]);
    free(b->lb);
    free(b->bl);
    clear_result(b);
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
        return fail(b, rc, "reading the account");
    rc = kz_dbres_next(r);
    if (rc < 0) {
        kz_dbres_done(r);
        return fail(b, rc, "reading the account");
    }
    if (rc == 0) {
        kz_dbres_done(r);
        return fail(b, KZ_EPERM, "no account '%s'", actor ? actor : "");
    }
    size_t n = 0;
    const char *role = kz_dbres_text(r, 0, &n);
    char rl[16] = "";
    if (role && n < sizeof rl)
        memcpy(rl, role, n);
    int disabled = (int)kz_dbres_int(r, 1);
    kz_dbres_done(r);
    if (disabled)
        return fail(b, KZ_EPERM, "the account '%s' is disabled", actor);
    if (strcmp(rl, "analyst") && strcmp(rl, "supervisor") && strcmp(rl, "admin"))
        return fail(b, KZ_EPERM, "changing banks needs an analyst, supervisor or admin; '%s' is %s",
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
        return fail(b, rc, "reading banks");
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
        return fail(b, rc, "no bank '%s'", name ? name : "");
    return rc ? fail(b, rc, "reading banks") : 0;
}

static int json_kv(kz_buf *j, const char *k, const char *v, int last)
{
    int rc = kz_buf_addf(j, "\"%s\":", k);
    if (!rc)
        rc = kz_buf_add_json_str(j, v, strlen(v));
    if (!rc && !last)
        rc = kz_buf_addc(j, ',');
    return rc;
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
    kz_buf j;
    int rc;
    kz_buf_init(&j, KZ_BUF_NOLIMIT);
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(name), kz_dbstr(kz_bank_type_name(type)), kz_dbint(threshold),
                     kz_dbstr(allow ? "allow" : "block"), kz_dbstr(now) };
    if ((rc = kz_db_int(b->db, "INSERT INTO banks (name, signal_type, threshold, kind, created_at) "
                               "VALUES ($1, $2, $3, $4, $5) RETURNING id", p, 5, id)) != 0) {
        fail(b, rc, "creating the bank");
    } else if ((rc = kz_buf_addc(&j, '{')) || (rc = json_kv(&j, "name", name, 0)) ||
               (rc = json_kv(&j, "signal_type", kz_bank_type_name(type), 0)) ||
               (rc = kz_buf_addf(&j, "\"threshold\":%d,", threshold)) ||
               (rc = json_kv(&j, "kind", allow ? "allow" : "block", 1)) ||
               (rc = kz_buf_addc(&j, '}'))) {
        fail(b, rc, "%s", kz_strerror(rc));
    } else if ((rc = kz_store_audit(b->s, actor, "bank.create", "bank", *id, NULL, j.p)) != 0) {
        fail(b, rc, "%s", kz_store_errmsg(b->s));
    }
    kz_buf_release(&j);
    return rc;
}

int kz_bank_create(kz_banks *b, const char *actor, const char *name, int type, int threshold,
                   int allow, int64_t *id)
{
    int rc;
    if (!kz_bank_name_ok(name))
        return fail(b, KZ_EINVAL, "'%s' is not a bank name: 1 to 64 characters of a-z, 0-9, '.', "
                    "'_', '-'", name ? name : "");
    if (!kz_bank_type_name(type))
        return fail(b, KZ_EINVAL, "unknown signal type");
    if (threshold < 0)
        threshold = kz_bank_default_threshold(type);
    if (threshold > kz_bank_max_threshold(type))
        return fail(b, KZ_EINVAL, "threshold %d is over the most a %s bank allows (%d)", threshold,
                    kz_bank_type_name(type), kz_bank_max_threshold(type));
    if ((rc = kz_store_begin(b->s)) != 0)
        return fail(b, rc, "%s", kz_store_errmsg(b->s));
    if ((rc = check_actor(b, actor)) != 0)
        goto out;
    int64_t dummy = 0;
    kz_dbval pn[] = { kz_dbstr(name) };
    rc = kz_db_int(b->db, "SELECT id FROM banks WHERE name = $1", pn, 1, &dummy);
    if (rc == 0) {
        rc = fail(b, KZ_ESTATE, "there is already a bank '%s'", name);
        goto out;
    }
    if (rc != KZ_ENOTFOUND) {
        fail(b, rc, "reading banks");
        goto out;
    }
    if ((rc = create_row(b, actor, name, type, threshold, allow, id)) != 0)
        goto out;
    if ((rc = kz_store_commit(b->s)) != 0)
        fail(b, rc, "%s", kz_store_errmsg(b->s));
    b->bl_ok = 0;
    return rc;
out:
    kz_store_rollback(b->s);
    return rc;
}

/* Insert one entry (inside the caller's transaction); *added 0 for a duplicate. */
static int insert_entry(kz_banks *b, int64_t bank, const char *sig, const char *tags,
                        const char *origin, const char *now, int64_t *eid, int *added)
{
    kz_dbval p[] = { kz_dbint(bank), kz_dbstr(sig), kz_dbstr(tags ? tags : ""), kz_dbstr(origin),
                     kz_dbstr(now) };
    int rc = kz_db_int(b->db, "INSERT INTO bank_entries (bank_id, signal, tags, origin, added_at) "
                              "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bank_id, signal) DO NOTHING "
                              "RETURNING id", p, 5, eid);
    *added = rc == 0;
    if (rc == KZ_ENOTFOUND)
        rc = 0;
    return rc ? fail(b, rc, "adding to the bank") : 0;
}

/* The bank.add audit entry of a new entry: the row as stored. */
static int audit_add(kz_banks *b, const char *actor, const char *bank, const char *sig,
                     const char *tags, const char *origin, int64_t eid)
{
    kz_buf j;
    int rc;
    kz_buf_init(&j, KZ_BUF_NOLIMIT);
    if ((rc = kz_buf_addc(&j, '{')) || (rc = json_kv(&j, "bank", bank, 0)) ||
        (rc = json_kv(&j, "signal", sig, 0)) || (rc = json_kv(&j, "origin", origin, 0)) ||
        (rc = json_kv(&j, "tags", tags ? tags : "", 1)) || (rc = kz_buf_addc(&j, '}')))
        fail(b, rc, "%s", kz_strerror(rc));
    else if ((rc = kz_store_audit(b->s, actor, "bank.add", "bank_entry", eid, NULL, j.p)) != 0)
        fail(b, rc, "%s", kz_store_errmsg(b->s));
    kz_buf_release(&j);
    return rc;
}

int kz_bank_add_tx(kz_banks *b, const char *actor, const char *bank, int type, const char *signal,
                   const char *tags, const char *origin, int *added)
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
        return fail(b, rc, "reading banks");
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
        return fail(b, rc, "reading banks");
    if (bid && (strcmp(t, kz_bank_type_name(type)) || strcmp(k, "block")))
        return 0;                       /* the name holds another kind of bank */
    if (!bid && (rc = create_row(b, actor, bank, type, kz_bank_default_threshold(type), 0, &bid)))
        return rc;
    kz_store_now(now);
    if ((rc = insert_entry(b, bid, sig, tags, origin, now, &eid, added)) != 0)
        return rc;
    if (*added && (rc = audit_add(b, actor, bank, sig, tags, origin, eid)) != 0)
        return rc;
    unload(b, bid);
    return 0;
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
        return fail(b, KZ_EINVAL, "origin must be 'import' or 'decision:<id>'");
    if (tags && (strlen(tags) > KZ_BANK_TAGS_MAX || !tags_ok(tags, strlen(tags))))
        return fail(b, KZ_EINVAL, "tags must be UTF-8 text of at most 1024 bytes");
    kz_buf_init(&j, KZ_BUF_NOLIMIT);
    if ((rc = kz_store_begin(b->s)) != 0) {
        fail(b, rc, "%s", kz_store_errmsg(b->s));
        goto done;
    }
    if ((rc = check_actor(b, actor)) != 0 || (rc = find_bank(b, bank, &bid, &type)) != 0)
        goto out;
    if (!signal || kz_bank_signal_norm(type, signal, strlen(signal), sig)) {
        rc = fail(b, KZ_EINVAL, "not a %s signal", kz_bank_type_name(type));
        goto out;
    }
    kz_store_now(now);
    if ((rc = insert_entry(b, bid, sig, tags, origin, now, &eid, added)) != 0)
        goto out;
    if (*added && (rc = audit_add(b, actor, bank, sig, tags, origin, eid)) != 0)
        goto out;
    if ((rc = kz_store_commit(b->s)) != 0)
        fail(b, rc, "%s", kz_store_errmsg(b->s));
    unload(b, bid);
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
    int added = 0, rc = insert_entry(c->b, c->bank, row->signal, row->tags, "import", c->now,
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
    crypto_hash_sha256_state *st = sha256_state;
    char num[24];
    const char *f[3] = { num, signal ? signal : "", tags ? tags : "" };
    snprintf(num, sizeof num, "%lld", (long long)id);
    for (int i = 0; i < 3; i++) {
        char len[24];
        int k = snprintf(len, sizeof len, "%zu:", strlen(f[i]));
        crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)k);
        crypto_hash_sha256_update(st, (const unsigned char *)f[i], strlen(f[i]));
    }
}

/* What the import added, for its audit entry: the first and last id (the
 * transaction holds the write lock, so every entry past the highest id
 * before it is this import's) and the digest of those entries. */
static int import_digest(kz_banks *b, int64_t before, char *out, size_t outsz)
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    int64_t first = 0, last = 0;
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(before) };
    int rc = kz_db_query(b->db, "SELECT id, signal, tags FROM bank_entries WHERE id > $1 "
                                "ORDER BY id", p, 1, &r);
    if (rc)
        return fail(b, rc, "reading the imported entries");
    crypto_hash_sha256_init(&st);
    while ((rc = kz_dbres_next(r)) == 1) {
        last = kz_dbres_int(r, 0);
        if (!first)
            first = last;
        kz_bank_digest_entry(&st, last, kz_dbres_text(r, 1, NULL), kz_dbres_text(r, 2, NULL));
    }
    kz_dbres_done(r);
    if (rc < 0)
        return fail(b, rc, "reading the imported entries");
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    if (first)
        snprintf(out, outsz, ",\"first_id\":%lld,\"last_id\":%lld,\"entries_sha256\":\"%s\"",
                 (long long)first, (long long)last, hex);
    else
        out[0] = '\0';
    return 0;
}

int kz_bank_import(kz_banks *b, const char *actor, const char *bank, const char *data,
                   size_t n, kz_bank_bad_fn bad, void *ctx, kz_bank_import_report *rep)
{
    import_ctx c = { b, 0, -1, "", bad, ctx, rep };
    char after[400], range[200];
    int64_t before = 0;
    int rc;
    memset(rep, 0, sizeof *rep);
    if ((rc = kz_store_begin(b->s)) != 0)
        return fail(b, rc, "%s", kz_store_errmsg(b->s));
    if ((rc = check_actor(b, actor)) != 0 || (rc = find_bank(b, bank, &c.bank, &c.type)) != 0)
        goto out;
    if ((rc = kz_db_int(b->db, "SELECT COALESCE(MAX(id), 0) FROM bank_entries", NULL, 0,
                        &before)) != 0) {
        fail(b, rc, "reading the bank");
        goto out;
    }
    kz_store_now(c.now);
    if ((rc = kz_bank_parse(data, n, import_row, &c)) != 0) {
        if (rc == KZ_ENOMEM)
            fail(b, rc, "%s", kz_strerror(rc));
        goto out;
    }
    if ((rc = import_digest(b, before, range, sizeof range)) != 0)
        goto out;
    snprintf(after, sizeof after, "{\"added\":%zu,\"duplicates\":%zu,\"bad\":%zu%s}",
             rep->added, rep->duplicates, rep->bad, range);
    if ((rc = kz_store_audit(b->s, actor, "bank.import", "bank", c.bank, NULL, after)) != 0) {
        fail(b, rc, "%s", kz_store_errmsg(b->s));
        goto out;
    }
    if ((rc = kz_store_commit(b->s)) != 0)
        return fail(b, rc, "%s", kz_store_errmsg(b->s));
    unload(b, c.bank);
    return 0;
out:
    kz_store_rollback(b->s);
    unload(b, c.bank);
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
        return fail(b, rc, "reading the bank");
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
        return fail(b, rc, "reading the bank");
    return rc ? fail(b, rc, "%s", kz_strerror(rc)) : 0;
}

/* The banks by name; entries: their count (counts: a scan of each bank),
 * or else 1 when the bank has any (an index lookup). */
static int list_banks(kz_banks *b, int counts, kz_bank_info **out, size_t *n)
{
    kz_dbres *r = NULL;
    kz_bank_info *v = NULL;
    size_t cap = 0, cnt = 0;
    int rc;
    *out = NULL;
    *n = 0;
    if ((rc = kz_db_query(b->db, counts ? "SELECT b.id, b.name, b.signal_type, b.threshold, "
                                 "b.kind, b.created_at, (SELECT COUNT(*) FROM bank_entries e "
                                 "WHERE e.bank_id = b.id) FROM banks b ORDER BY b.name"
                                 : "SELECT b.id, b.name, b.signal_type, b.threshold, b.kind, "
                                 "b.created_at, CASE WHEN EXISTS (SELECT 1 FROM bank_entries e "
                                 "WHERE e.bank_id = b.id) THEN 1 ELSE 0 END FROM banks b "
                                 "ORDER BY b.name", NULL, 0, &r)) != 0)
        return fail(b, rc, "reading banks");
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
    }
    kz_dbres_done(r);
    if (rc) {
        free(v);
        return fail(b, rc, "reading banks");
    }
    *out = v;
    *n = cnt;
    return 0;
}

int kz_bank_list(kz_banks *b, kz_bank_info **out, size_t *n)
{
    return list_banks(b, 1, out, n);
}

/* ---- matching ------------------------------------------------------------ */

/* The bank list, read once until this handle changes a bank. */
static int banks_cached(kz_banks *b)
{
    if (b->bl_ok)
        return 0;
    free(b->bl);
    b->bl = NULL;
    b->nbl = 0;
    int rc = list_banks(b, 0, &b->bl, &b->nbl);
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
    if (!(l.name = kz_strdup(bi->name)) || (bi->type == KZ_BANK_PDQ && !(l.ix = kz_pdqindex_new(0)))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    kz_dbval p[] = { kz_dbint(bi->id) };
    if ((rc = kz_db_query(b->db, "SELECT id, signal, tags, origin FROM bank_entries "
                                 "WHERE bank_id = $1 ORDER BY id", p, 1, &r)) != 0)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
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
    loaded_release(&l);
    return rc == KZ_EDB || rc == KZ_EBUSY ? fail(b, rc, "loading bank '%s'", bi->name)
                                          : fail(b, rc, "loading bank '%s': %s", bi->name,
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
                     int dist, int allow)
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
    m->allow = allow;
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
        int rc = kz_db_query(b->db, "SELECT id, tags, origin FROM bank_entries WHERE bank_id = $1 "
                                    "AND signal = $2", p, 2, &r);
        if (rc)
            return fail(b, rc, "matching");
        while ((rc = kz_dbres_next(r)) == 1) {
            size_t tn = 0, on = 0;
            const char *tags = kz_dbres_text(r, 1, &tn), *orig = kz_dbres_text(r, 2, &on);
            if ((rc = add_match(b, bi->name, q[i], tags, tn, orig, on, kz_dbres_int(r, 0), 0,
                                bi->allow)))
                break;
        }
        kz_dbres_done(r);
        if (rc < 0)
            return rc == KZ_ENOMEM ? fail(b, rc, "%s", kz_strerror(rc)) : fail(b, rc, "matching");
    }
    return 0;
}

static int match_loaded(kz_banks *b, loaded *l, char q[][KZ_BANK_SIGMAX + 1], int nq)
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
                               hits.v[i].distance, l->allow);
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
                               best, l->allow);
        }
    }
    return rc ? fail(b, rc, "matching: %s", kz_strerror(rc)) : 0;
}

int kz_bank_match(kz_banks *b, int type, const char *const *q, int nq, const kz_bank_result **res)
{
    char norm[KZ_PDQINDEX_MAXQ][KZ_BANK_SIGMAX + 1];
    int rc;
    *res = NULL;
    clear_result(b);
    if (!kz_bank_type_name(type) || nq < 1 || nq > KZ_PDQINDEX_MAXQ)
        return fail(b, KZ_EINVAL, "a query is 1 to 8 signals of one type");
    for (int i = 0; i < nq; i++)
        if (!q[i] || kz_bank_signal_norm(type, q[i], strlen(q[i]), norm[i]))
            return fail(b, KZ_EINVAL, "'%s' is not a %s signal", q[i] ? q[i] : "",
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
                rc = match_loaded(b, l, norm, nq);
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
        return fail(b, rc, "reading the item's images");
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
        return rc == KZ_ENOMEM ? fail(b, rc, "%s", kz_strerror(rc))
                               : fail(b, rc, "reading the item's images");
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
        return fail(b, rc, "looking for another decision on the same content");
    if ((rc = kz_dbres_next(r)) == 1) {
        *other = kz_dbres_int(r, 0);
        rc = 0;
    }
    kz_dbres_done(r);
    return rc < 0 ? fail(b, rc, "looking for another decision on the same content") : 0;
}

/* The entry stays in its bank, now on behalf of decision other: audited
 * bank.reassign (before: the reversed decision's origin). */
static int reassign(kz_banks *b, const char *actor, int64_t entry, const char *bank,
                    const char *signal, const char *origin, int64_t other)
{
    char now[32];
    kz_buf before, after;
    snprintf(now, sizeof now, "decision:%lld", (long long)other);
    kz_dbval p[] = { kz_dbstr(now), kz_dbint(entry) };
    int rc = kz_db_query(b->db, "UPDATE bank_entries SET origin = $1 WHERE id = $2", p, 2, NULL);
    if (rc)
        return fail(b, rc, "giving the entry to another decision");
    kz_buf_init(&before, KZ_BUF_NOLIMIT);
    kz_buf_init(&after, KZ_BUF_NOLIMIT);
    if ((rc = kz_buf_addc(&before, '{')) || (rc = json_kv(&before, "bank", bank, 0)) ||
        (rc = json_kv(&before, "signal", signal, 0)) || (rc = json_kv(&before, "origin", origin, 1)) ||
        (rc = kz_buf_addc(&before, '}')) || (rc = kz_buf_addc(&after, '{')) ||
        (rc = json_kv(&after, "origin", now, 0)) ||
        (rc = json_kv(&after, "reason", "decision reversed; another decision stands", 1)) ||
        (rc = kz_buf_addc(&after, '}')))
        fail(b, rc, "%s", kz_strerror(rc));
    else if ((rc = kz_store_audit(b->s, actor, "bank.reassign", "bank_entry", entry, before.p,
                                  after.p)) != 0)
        fail(b, rc, "%s", kz_store_errmsg(b->s));
    kz_buf_release(&before);
    kz_buf_release(&after);
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
        return fail(b, rc, "reading the decision's bank entries");
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
        rc = rc == KZ_ENOMEM ? fail(b, rc, "%s", kz_strerror(rc))
                             : fail(b, rc, "reading the decision's bank entries");
        goto out;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        kz_dbval d[] = { kz_dbint(eid[i]) };
        kz_buf j;
        int64_t other = 0;
        if ((rc = standing_decision(b, decision, sig[i], tags[i], &other)) != 0)
            break;
        if (other > 0) {                /* another decision stands on the same content */
            if ((rc = reassign(b, actor, eid[i], bname[i], sig[i], origin, other)) != 0)
                break;
            continue;
        }
        if ((rc = kz_db_query(b->db, "DELETE FROM bank_entries WHERE id = $1", d, 1, NULL)) != 0) {
            fail(b, rc, "taking the entry out of the bank");
            break;
        }
        kz_buf_init(&j, KZ_BUF_NOLIMIT);
        if ((rc = kz_buf_addc(&j, '{')) || (rc = json_kv(&j, "bank", bname[i], 0)) ||
            (rc = json_kv(&j, "signal", sig[i], 0)) || (rc = json_kv(&j, "origin", origin, 1)) ||
            (rc = kz_buf_addc(&j, '}')))
            fail(b, rc, "%s", kz_strerror(rc));
        else if ((rc = kz_store_audit(b->s, actor, "bank.remove", "bank_entry", eid[i], j.p,
                                      "{\"reason\":\"decision reversed\"}")) != 0)
            fail(b, rc, "%s", kz_store_errmsg(b->s));
        kz_buf_release(&j);
        if (!rc)
            (*removed)++;
        unload(b, bid[i]);
    }
out:
    free(eid);
    free(bid);
    free(sig);
    free(bname);
    free(tags);
    return rc;
}
