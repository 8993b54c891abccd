/*
 * act/active.c - the blocklist from the decisions in effect, its versions
 * (serials and add/del changes, migration 3), the nsupdate form of the
 * changes, and the block page.
 *
 * The SQL is the subset SQLite and PostgreSQL share (store/db.h).  Stored
 * times are "YYYY-MM-DDTHH:MM:SSZ" text, so "in effect at T" is a string
 * comparison in the query.  Versions compare the list just computed with
 * the entries of the last version (table blocklist_entries) by sorting both
 * and walking them together; a SHA-256 digest of the list lets an
 * unchanged list skip that work.
 */
#include "active.h"
#include "url/url.h"

#define DEFAULT_ORIGIN "rpz.local"
#define DEFAULT_TTL 300

static const char *const kind_names[] = { "domain", "url", "geo" };

/* ---- the list ---------------------------------------------------------------- */

void kz_active_init(kz_active *l) { memset(l, 0, sizeof *l); }

static void clear_entries(kz_active *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].target);
        free((char *)l->v[i].legal_basis);
        free((char *)l->v[i].starts);
        free((char *)l->v[i].ends);
        free((char *)l->scope[i]);
    }
    l->n = 0;
    l->skipped = 0;
}

void kz_active_release(kz_active *l)
{
    if (!l)
        return;
    clear_entries(l);
    free(l->v);
    free(l->scope);
    memset(l, 0, sizeof *l);
}

int kz_active_time_ok(const char *t)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
    if (!t || strlen(t) != sizeof pat - 1)
        return 0;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != pat[i])
            return 0;
    int mo = (t[5] - '0') * 10 + (t[6] - '0'), d = (t[8] - '0') * 10 + (t[9] - '0');
    int h = (t[11] - '0') * 10 + (t[12] - '0'), mi = (t[14] - '0') * 10 + (t[15] - '0');
    int s = (t[17] - '0') * 10 + (t[18] - '0');
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 61;
}

int kz_active_time_arg(const char *s, char out[21])
{
    size_t n = strlen(s);
    if (n == 10)
        snprintf(out, 21, "%sT00:00:00Z", s);
    else
        snprintf(out, 21, "%s", s);
    return n <= 20 && kz_active_time_ok(out);
}

static char *dup_col(kz_dbres *r, int col, int *nomem)
{
    size_t n;
    const char *s = kz_dbres_text(r, col, &n);
    if (!s)
        return NULL;
    char *d = kz_strndup(s, n);
    if (!d)
        *nomem = 1;
    return d;
}

/* the target of a measure on an item URL (as written): the canonical URL,
 * or its host for a domain block, as a browser reads the URL (the host it
 * contacts: "http://good.com%2f@evil.com/" is evil.com); kz_url_parse's
 * form when a browser would refuse it; NULL (*nomem untouched) when it
 * cannot be parsed either way */
static char *target_of(kz_url *u, int kind, const char *url, size_t n, int *nomem)
{
    if (!url || (kz_url_parse_browser(u, url, n) != 0 && kz_url_parse(u, url, n) != 0))
        return NULL;
    char *t = kind == KZ_EXPORT_DOMAIN ? kz_strndup(u->text.p + u->host_off, u->host_len)
                                       : kz_strndup(u->text.p, u->text.len);
    if (!t)
        *nomem = 1;
    return t;
}

static int kind_of(const char *measure)
{
    if (!strcmp(measure, "domain_block")) return KZ_EXPORT_DOMAIN;
    if (!strcmp(measure, "url_block")) return KZ_EXPORT_URL;
    if (!strcmp(measure, "geo_restriction")) return KZ_EXPORT_GEO;
    return -1;
}

static const char SQL_ACTIVE[] =
    "SELECT d.id, d.measure, COALESCE(i.url, i.canonical_url), d.legal_basis, d.starts_at,"
    "  d.ends_at, d.territorial_scope"
    " FROM decisions d JOIN cases c ON c.id = d.case_id JOIN items i ON i.id = c.item_id"
    " WHERE d.measure IN ('url_block', 'domain_block', 'geo_restriction')"
    "   AND d.reversed_at IS NULL AND d.starts_at <= $1"
    "   AND (d.ends_at IS NULL OR d.ends_at > $1)"
    "   AND (d.measure = 'geo_restriction' OR d.approved_by IS NOT NULL)"
    " ORDER BY d.id";

int kz_active_load(kz_active *l, kz_store *s, const char *at)
{
    kz_dbres *r = NULL;
    kz_url u;
    int rc, nomem = 0;
    kz_url_init(&u);
    clear_entries(l);
    if (at && !kz_active_time_ok(at)) {
        rc = KZ_EINVAL;
        goto out;
    }
    if (at)
        snprintf(l->at, sizeof l->at, "%s", at);
    else
        kz_store_now(l->at);
    kz_dbval p[] = { kz_dbstr(l->at) };
    if ((rc = kz_db_query(kz_store_db(s), SQL_ACTIVE, p, 1, &r)) != 0)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
        const char *m = kz_dbres_text(r, 1, NULL);
        int kind = m ? kind_of(m) : -1;
        size_t un = 0;
        const char *url = kz_dbres_text(r, 2, &un);
        if (kind < 0)
            continue;
        char *t = target_of(&u, kind, url, un, &nomem);
        if (!t) {
            if (nomem)
                break;
            l->skipped++;
            continue;
        }
        if (KZ_GROW(l->v, l->cap, l->n + 1) || KZ_GROW(l->scope, l->cap_scope, l->n + 1)) {
            free(t);
            nomem = 1;
            break;
        }
        kz_export_entry *e = &l->v[l->n];
        memset(e, 0, sizeof *e);
        e->kind = kind;
        e->target = t;
        e->id = kz_dbres_int(r, 0);
        e->legal_basis = dup_col(r, 3, &nomem);
        e->starts = dup_col(r, 4, &nomem);
        e->ends = dup_col(r, 5, &nomem);
        l->scope[l->n] = dup_col(r, 6, &nomem);
        l->n++;
        if (nomem)
            break;
    }
    if (nomem)
        rc = KZ_ENOMEM;
    else if (rc == 0 || rc == 1)
        rc = 0;
out:
    kz_dbres_done(r);
    kz_url_release(&u);
    return rc;
}

/* ---- the blocklist in effect ------------------------------------------------- */

int kz_active_blocklist_add(kz_blocklist *b, const kz_export_entry *e, const char **why)
{
    if (e->kind == KZ_EXPORT_GEO)
        return 0;
    return e->kind == KZ_EXPORT_DOMAIN
               ? kz_blocklist_add_domain(b, e->target, strlen(e->target), e->id, why)
               : kz_blocklist_add_url(b, e->target, strlen(e->target), e->id, why);
}

int kz_active_blocklist(kz_store *s, const char *at, kz_blocklist **out, size_t *entries)
{
    kz_active l;
    kz_blocklist *b = NULL;
    size_t n = 0;
    int rc;
    *out = NULL;
    if (entries)
        *entries = 0;
    kz_active_init(&l);
    if ((rc = kz_active_load(&l, s, at)) != 0)
        goto out;
    rc = KZ_ENOMEM;
    if (!(b = kz_blocklist_new()))
        goto out;
    for (size_t i = 0; i < l.n; i++) {
        /* an entry in effect that does not canonicalize cannot block anything: left out */
        rc = kz_active_blocklist_add(b, &l.v[i], NULL);
        if (rc == KZ_ENOMEM)
            goto out;
        n += rc == 0 && l.v[i].kind != KZ_EXPORT_GEO;
    }
    *out = b;
    b = NULL;
    if (entries)
        *entries = n;
    rc = 0;
out:
    kz_blocklist_free(b);
    kz_active_release(&l);
    return rc;
}

/* ---- versions ---------------------------------------------------------------- */

typedef struct row {
    char *key;            /* "kind\ttarget\tid" (owned); sorts as the set order */
    const char *kind, *target;
    int64_t id;
} row;

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const row *)a)->key, ((const row *)b)->key);
}

static char *make_key(const char *kind, const char *target, int64_t id)
{
    size_t n = strlen(kind) + strlen(target) + 32;
    char *k = kz_malloc(n);
    if (k)
        snprintf(k, n, "%s\t%s\t%020lld", kind, target, (long long)id);
    return k;
}

static void rows_free(row *v, size_t n, bool own_fields)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].key);
        if (own_fields) {
            free((char *)v[i].kind);
            free((char *)v[i].target);
        }
    }
    free(v);
}

static int list_digest(const kz_active *l, char hex[65])
{
    kz_buf b;
    uint8_t h[KZ_URL_HASH_LEN];
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = 0;
    for (size_t i = 0; i < l->n && !rc; i++)
        rc = kz_buf_addf(&b, "%s\t%s\t%lld\n", kind_names[l->v[i].kind], l->v[i].target,
                         (long long)l->v[i].id);
    if (!rc)
        rc = kz_url_hash(b.p ? b.p : "", b.len, h);
    for (size_t i = 0; !rc && i < sizeof h; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    kz_buf_release(&b);
    return rc;
}

static int put_change(kz_db *db, int64_t serial, const char *op, const row *x)
{
    kz_dbval p[] = { kz_dbint(serial), kz_dbstr(op), kz_dbstr(x->kind), kz_dbstr(x->target),
                     kz_dbint(x->id) };
    int rc = kz_db_query(db, "INSERT INTO blocklist_changes (serial, op, kind, target, decision_id)"
                             " VALUES ($1, $2, $3, $4, $5)", p, 5, NULL);
    if (rc)
        return rc;
    if (!strcmp(op, "add"))
        return kz_db_query(db, "INSERT INTO blocklist_entries (kind, target, decision_id)"
                               " VALUES ($1, $2, $3)", p + 2, 3, NULL);
    return kz_db_query(db, "DELETE FROM blocklist_entries WHERE kind = $1 AND target = $2"
                           " AND decision_id = $3", p + 2, 3, NULL);
}

/* write version serial: the changes from the stored entries to l */
static int write_version(kz_store *s, const kz_active *l, int64_t serial, const char *digest,
                         kz_active_version *v)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    row *nw = NULL, *old = NULL;
    size_t nold = 0, capold = 0;
    int rc = KZ_ENOMEM;
    if (!(nw = kz_calloc(l->n ? l->n : 1, sizeof *nw)))
        goto out;
    for (size_t i = 0; i < l->n; i++) {
        nw[i] = (row){ NULL, kind_names[l->v[i].kind], l->v[i].target, l->v[i].id };
        if (!(nw[i].key = make_key(nw[i].kind, nw[i].target, nw[i].id)))
            goto out;
    }
    if ((rc = kz_db_query(db, "SELECT kind, target, decision_id FROM blocklist_entries", NULL, 0,
                          &r)) != 0)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
        int nomem = 0;
        if (KZ_GROW(old, capold, nold + 1)) {
            rc = KZ_ENOMEM;
            goto out;
        }
        row *x = &old[nold];
        memset(x, 0, sizeof *x);
        nold++;
        x->kind = dup_col(r, 0, &nomem);
        x->target = dup_col(r, 1, &nomem);
        x->id = kz_dbres_int(r, 2);
        if (nomem || !x->kind || !x->target ||
            !(x->key = make_key(x->kind, x->target, x->id))) {
            rc = KZ_ENOMEM;
            goto out;
        }
    }
    kz_dbres_done(r);
    r = NULL;
    if (rc < 0)
        goto out;
    qsort(nw, l->n, sizeof *nw, cmp_row);
    if (old)
        qsort(old, nold, sizeof *old, cmp_row);
    char now[21];
    kz_store_now(now);
    kz_dbval p[] = { kz_dbint(serial), kz_dbstr(now), kz_dbstr(l->at), kz_dbstr(digest),
                     kz_dbint((int64_t)l->n) };
    rc = kz_db_query(db, "INSERT INTO blocklist_versions (serial, computed_at, list_at, digest,"
                         " entries) VALUES ($1, $2, $3, $4, $5)", p, 5, NULL);
    size_t i = 0, j = 0;
    while (!rc && (i < l->n || j < nold)) {
        int c = i == l->n ? 1 : j == nold ? -1 : strcmp(nw[i].key, old[j].key);
        if (c < 0) {
            rc = put_change(db, serial, "add", &nw[i++]);
            v->added++;
        } else if (c > 0) {
            rc = put_change(db, serial, "del", &old[j++]);
            v->deleted++;
        } else {
            i++;
            j++;
        }
    }
out:
    kz_dbres_done(r);
    rows_free(nw, l->n, false);
    rows_free(old, nold, true);
    return rc;
}

int kz_active_version_update(kz_active *l, kz_store *s, const char *at, const char *actor,
                             kz_active_version *v)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    char last_digest[65] = "";
    kz_jw before, after;
    int rc;
    memset(v, 0, sizeof *v);
    kz_jw_init(&before);
    kz_jw_init(&after);
    if (at && !kz_active_time_ok(at))
        return KZ_EINVAL;
    if ((rc = kz_store_begin(s)) != 0)
        return rc;
    if ((rc = kz_active_load(l, s, at)) != 0 || (rc = list_digest(l, v->digest)) != 0)
        goto out;
    if ((rc = kz_db_query(db, "SELECT serial, digest FROM blocklist_versions"
                              " ORDER BY serial DESC LIMIT 1", NULL, 0, &r)) != 0)
        goto out;
    if ((rc = kz_dbres_next(r)) == 1) {
        size_t n;
        const char *d = kz_dbres_text(r, 1, &n);
        v->serial = kz_dbres_int(r, 0);
        if (d && n < sizeof last_digest)
            memcpy(last_digest, d, n);
    }
    kz_dbres_done(r);
    r = NULL;
    if (rc < 0)
        goto out;
    rc = 0;
    if (v->serial && !strcmp(last_digest, v->digest))
        goto out;                                       /* unchanged */
    int64_t prev = v->serial;
    v->serial = prev + 1;
    if ((rc = write_version(s, l, v->serial, v->digest, v)) != 0)
        goto out;
    kz_jw_raw(&before, "{");
    kz_jw_int(&before, "serial", prev);
    kz_jw_str(&before, "digest", last_digest);
    kz_jw_raw(&before, "}");
    kz_jw_raw(&after, "{");
    kz_jw_int(&after, "serial", v->serial);
    kz_jw_str(&after, "digest", v->digest);
    kz_jw_str(&after, "list_at", l->at);
    kz_jw_int(&after, "entries", (int64_t)l->n);
    kz_jw_int(&after, "added", (int64_t)v->added);
    kz_jw_int(&after, "deleted", (int64_t)v->deleted);
    kz_jw_raw(&after, "}");
    if (!(rc = before.rc ? before.rc : after.rc))
        rc = kz_store_audit(s, actor ? actor : "system", "blocklist.version", "blocklist",
                            v->serial, prev ? before.b.p : NULL, after.b.p);
    if (!rc)
        v->changed = 1;
out:
    kz_dbres_done(r);
    kz_jw_release(&before);
    kz_jw_release(&after);
    if (rc) {
        kz_store_rollback(s);
        v->changed = 0;
        return rc;
    }
    return kz_store_commit(s);
}

/* ---- changes as an nsupdate script ---------------------------------------------- */

typedef struct name_delta {
    char *name;
    int64_t upto, after;    /* net adds-dels in (since, cur], and after cur */
    int op;                 /* +1 joined, -1 left, 0 same */
} name_delta;

static int cmp_delta(const void *a, const void *b)
{
    const name_delta *x = a, *y = b;
    if (x->op != y->op)
        return x->op < y->op ? -1 : 1;                  /* deletions first */
    return strcmp(x->name, y->name);
}

static bool rpz_name_ok(const char *t, size_t origin_len)
{
    size_t n = strlen(t);
    if (!n || t[0] == '[' || kz_export_name_why(t))     /* IPv6 or not a DNS name */
        return false;
    bool ipv4 = true;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || t[i] == '.'))
            ipv4 = false;
    return !ipv4 && n + origin_len + 3 <= KZ_URL_MAX_HOST;
}

static void strip_dot(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
    size_t n = strlen(dst);
    if (n > 1 && dst[n - 1] == '.')
        dst[n - 1] = '\0';
}

int kz_active_changes_nsupdate(kz_store *s, int64_t since, int64_t cur, const char *origin,
                               const char *landing, uint32_t ttl, kz_buf *out,
                               size_t *nchanges)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    name_delta *v = NULL;
    size_t n = 0, cap = 0, nch = 0;
    char org[KZ_URL_MAX_HOST + 2], land[KZ_URL_MAX_HOST + 2] = "";
    int rc = KZ_EINVAL;
    if (nchanges)
        *nchanges = 0;
    if (!origin)
        origin = DEFAULT_ORIGIN;
    if (since < 0 || since > cur || kz_export_name_why(origin) || strlen(origin) >= sizeof org ||
        (landing && (kz_export_name_why(landing) || strlen(landing) >= sizeof land)))
        goto out;
    strip_dot(org, sizeof org, origin);
    if (landing)
        strip_dot(land, sizeof land, landing);
    if (!ttl)
        ttl = DEFAULT_TTL;
    kz_dbval p[] = { kz_dbint(since), kz_dbint(cur) };
    rc = kz_db_query(db,
        "SELECT target,"
        " SUM(CASE WHEN serial <= $2 THEN (CASE WHEN op = 'add' THEN 1 ELSE -1 END) ELSE 0 END),"
        " SUM(CASE WHEN serial > $2 THEN (CASE WHEN op = 'add' THEN 1 ELSE -1 END) ELSE 0 END)"
        " FROM blocklist_changes WHERE kind = 'domain' AND serial > $1 GROUP BY target",
        p, 2, &r);
    if (rc)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
        int nomem = 0;
        int64_t upto = kz_dbres_int(r, 1);
        if (!upto)
            continue;                                   /* same number of decisions */
        if (KZ_GROW(v, cap, n + 1)) {
            rc = KZ_ENOMEM;
            goto out;
        }
        v[n] = (name_delta){ dup_col(r, 0, &nomem), upto, kz_dbres_int(r, 2), 0 };
        if (nomem || !v[n].name) {
            rc = KZ_ENOMEM;
            goto out;
        }
        n++;
    }
    kz_dbres_done(r);
    r = NULL;
    if (rc < 0)
        goto out;
    /* presence: entries now (the last version), minus what came after cur,
     * is the count at cur; minus what came in (since, cur] the count at since */
    for (size_t i = 0; i < n; i++) {
        int64_t latest = 0;
        kz_dbval q[] = { kz_dbstr(v[i].name) };
        rc = kz_db_int(db, "SELECT COUNT(*) FROM blocklist_entries WHERE kind = 'domain'"
                           " AND target = $1", q, 1, &latest);
        if (rc && rc != KZ_ENOTFOUND)
            goto out;
        int64_t at_cur = latest - v[i].after, at_since = at_cur - v[i].upto;
        v[i].op = (at_cur > 0) - (at_since > 0);
        if (v[i].op && rpz_name_ok(v[i].name, strlen(org)))
            nch++;
        else
            v[i].op = 0;
    }
    rc = 0;
    if (n)
        qsort(v, n, sizeof *v, cmp_delta);
    rc = kz_buf_addf(out, "; kuzet RPZ changes for the zone %s: serial %lld -> %lld\n"
                          "; %zu name%s changed; an nsupdate(1) script (each name also as *.name)\n",
                     org, (long long)since, (long long)cur, nch, nch == 1 ? "" : "s");
    if (!rc && nch)
        rc = kz_buf_addf(out, "zone %s.\n", org);
    for (size_t i = 0; i < n && !rc; i++) {
        if (v[i].op < 0)
            rc = kz_buf_addf(out, "update delete %s.%s. CNAME\nupdate delete *.%s.%s. CNAME\n",
                             v[i].name, org, v[i].name, org);
        else if (v[i].op > 0)
            rc = kz_buf_addf(out, "update add %s.%s. %u CNAME %s.\n"
                                  "update add *.%s.%s. %u CNAME %s.\n",
                             v[i].name, org, (unsigned)ttl, land, v[i].name, org,
                             (unsigned)ttl, land);
    }
    if (!rc && nch)
        rc = kz_buf_adds(out, "send\n");
    if (!rc && nchanges)
        *nchanges = nch;
out:
    kz_dbres_done(r);
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return rc;
}

/* ---- one decision ------------------------------------------------------------- */

void kz_active_decision_release(kz_active_decision *d)
{
    if (!d)
        return;
    free(d->target);
    free(d->legal_basis);
    free(d->scope);
    free(d->starts);
    free(d->ends);
    free(d->decided_at);
    memset(d, 0, sizeof *d);
}

int kz_active_decision_get(kz_store *s, int64_t id, const char *at, kz_active_decision *d)
{
    kz_dbres *r = NULL;
    kz_url u;
    char now[21];
    int rc, nomem = 0;
    memset(d, 0, sizeof *d);
    kz_url_init(&u);
    if (at && !kz_active_time_ok(at)) {
        rc = KZ_EINVAL;
        goto out;
    }
    if (!at)
        kz_store_now(now);
    kz_dbval p[] = { kz_dbint(id) };
    rc = kz_db_query(kz_store_db(s),
        "SELECT d.id, d.measure, COALESCE(i.url, i.canonical_url), d.legal_basis,"
        "  d.territorial_scope, d.starts_at, d.ends_at, d.decided_at, d.approved_by, d.reversed_at"
        " FROM decisions d JOIN cases c ON c.id = d.case_id JOIN items i ON i.id = c.item_id"
        " WHERE d.id = $1", p, 1, &r);
    if (rc)
        goto out;
    if ((rc = kz_dbres_next(r)) != 1) {
        rc = rc == 0 ? KZ_ENOTFOUND : rc;
        goto out;
    }
    rc = 0;
    d->id = kz_dbres_int(r, 0);
    size_t mn = 0, un = 0;
    const char *m = kz_dbres_text(r, 1, &mn), *url = kz_dbres_text(r, 2, &un);
    snprintf(d->measure, sizeof d->measure, "%.*s", (int)KZ_MIN(mn, sizeof d->measure - 1),
             m ? m : "");
    int kind = kind_of(d->measure);
    d->target = kind >= 0 ? target_of(&u, kind, url, un, &nomem) : NULL;
    if (!d->target && !nomem && url)
        d->target = kz_strndup(url, un), nomem = !d->target;
    d->legal_basis = dup_col(r, 3, &nomem);
    d->scope = dup_col(r, 4, &nomem);
    d->starts = dup_col(r, 5, &nomem);
    d->ends = dup_col(r, 6, &nomem);
    d->decided_at = dup_col(r, 7, &nomem);
    if (nomem) {
        rc = KZ_ENOMEM;
        goto out;
    }
    const char *t = at ? at : now;
    if (kind < 0)
        d->why_not = "not a blocking measure";
    else if (!kz_dbres_null(r, 9))
        d->why_not = "reversed";
    else if (kind != KZ_EXPORT_GEO && kz_dbres_null(r, 8))
        d->why_not = "not approved";
    else if (d->starts && strcmp(d->starts, t) > 0)
        d->why_not = "not yet in force";
    else if (d->ends && strcmp(d->ends, t) <= 0)
        d->why_not = "expired";
    else if (!d->target)
        d->why_not = "its item has no URL";
    d->in_effect = !d->why_not;
out:
    kz_dbres_done(r);
    kz_url_release(&u);
    return rc;
}

/* ---- the block page ------------------------------------------------------------- */

typedef struct page_lang {
    const char *code, *name, *title;
    const char *intro[3];            /* by kind: domain, url, geo */
    const char *measure[3];
    const char *decision, *number, *l_measure, *l_target, *l_authority, *l_basis, *l_date,
               *l_period, *until_pre, *until_post, *indefinite, *l_scope, *l_appeal,
               *appeal_lead, *contact, *appeal_default, *authority_default, *none;
} page_lang;

static const page_lang langs[] = {
    { "kk", "Қазақша", "Қолжетімділік шектелген",
      { "Бұл сайтқа қолжетімділік төмендегі шешімге сәйкес шектелген.",
        "Бұл бетке қолжетімділік төмендегі шешімге сәйкес шектелген.",
        "Бұл материалға қолжетімділік төмендегі шешімге сәйкес көрсетілген аумақта шектелген." },
      { "доменді бұғаттау", "URL мекенжайын бұғаттау", "аумақтық шектеу" },
      "Шешім", "№ ", "Шара", "Шектелген ресурс", "Шешім қабылдаған орган", "Құқықтық негіз",
      "Шешім күні", "Қолданылу мерзімі", "", " дейін", "мерзімсіз", "Аумақ",
      "Шағымдану тәртібі", "Бұл шешімге шағымдануға болады.", "Байланыс: ",
      "Шешімнің нөмірін көрсетіп, жоғарыда аталған органға жазбаша жүгініңіз.",
      "уәкілетті орган", "көрсетілмеген" },
    { "ru", "Русский", "Доступ ограничен",
      { "Доступ к этому сайту ограничен в соответствии с приведённым ниже решением.",
        "Доступ к этой странице ограничен в соответствии с приведённым ниже решением.",
        "Доступ к этому материалу ограничен на указанной территории в соответствии с "
        "приведённым ниже решением." },
      { "блокировка домена", "блокировка URL-адреса", "территориальное ограничение" },
      "Решение", "№ ", "Мера", "Ограниченный ресурс", "Орган, принявший решение",
      "Правовое основание", "Дата решения", "Срок действия", "до ", "", "бессрочно",
      "Территория", "Порядок обжалования", "Это решение может быть обжаловано.", "Контакт: ",
      "Обратитесь письменно в указанный выше орган, указав номер решения.",
      "уполномоченный орган", "не указано" },
    { "en", "English", "Access restricted",
      { "Access to this site is restricted under the decision below.",
        "Access to this page is restricted under the decision below.",
        "Access to this content is restricted in the territory stated below, under the "
        "decision below." },
      { "domain block", "URL block", "geographic restriction" },
      "Decision", "No. ", "Measure", "Restricted resource", "Authority", "Legal basis",
      "Date of decision", "In force", "until ", "", "indefinitely", "Territorial scope",
      "How to appeal", "This decision may be appealed.", "Contact: ",
      "Write to the authority named above, quoting the decision number.",
      "the competent authority", "not stated" },
};

/* s as HTML text (or, text mode, as one line): markup characters escaped,
 * control characters as spaces */
static int add_field(kz_buf *o, const char *s, bool html)
{
    int rc = 0;
    for (; s && *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            rc = kz_buf_addc(o, ' ');
        else if (html && c == '&') rc = kz_buf_adds(o, "&amp;");
        else if (html && c == '<') rc = kz_buf_adds(o, "&lt;");
        else if (html && c == '>') rc = kz_buf_adds(o, "&gt;");
        else if (html && c == '"') rc = kz_buf_adds(o, "&quot;");
        else if (html && c == '\'') rc = kz_buf_adds(o, "&#39;");
        else rc = kz_buf_addc(o, (char)c);
    }
    return rc;
}

static int add_row(kz_buf *o, bool html, const char *label, const char *pre, const char *v,
                   const char *post)
{
    int rc;
    if (html) {
        rc = kz_buf_adds(o, "<dt>");
        if (!rc) rc = add_field(o, label, true);
        if (!rc) rc = kz_buf_adds(o, "</dt><dd>");
    } else {
        rc = add_field(o, label, false);
        if (!rc) rc = kz_buf_adds(o, ": ");
    }
    if (!rc) rc = add_field(o, pre, html);
    if (!rc) rc = add_field(o, v, html);
    if (!rc) rc = add_field(o, post, html);
    return rc ? rc : kz_buf_adds(o, html ? "</dd>\n" : "\n");
}

static bool is_link(const char *s)
{
    return !strncmp(s, "https://", 8) || !strncmp(s, "http://", 7) || !strncmp(s, "mailto:", 7);
}

static int add_lang(kz_buf *o, const kz_active_decision *d, const kz_active_page_opts *po,
                    const page_lang *L, int kind)
{
    bool html = !po->text;
    char num[32], date[11] = "", ends[11] = "";
    snprintf(num, sizeof num, "%lld", (long long)d->id);
    if (d->decided_at)
        snprintf(date, sizeof date, "%.10s", d->decided_at);
    if (d->ends)
        snprintf(ends, sizeof ends, "%.10s", d->ends);
    int rc;
    if (html) {
        rc = kz_buf_addf(o, "<section lang=\"%s\">\n<h1>", L->code);
        if (!rc) rc = add_field(o, L->title, true);
        if (!rc) rc = kz_buf_adds(o, "</h1>\n<p>");
        if (!rc) rc = add_field(o, L->intro[kind], true);
        if (!rc) rc = kz_buf_adds(o, "</p>\n<dl>\n");
    } else {
        rc = kz_buf_addf(o, "%s\n\n%s\n\n", L->title, L->intro[kind]);
    }
    const char *auth = po->authority && *po->authority ? po->authority : L->authority_default;
    if (!rc) rc = add_row(o, html, L->decision, L->number, num, "");
    if (!rc) rc = add_row(o, html, L->l_measure, "", L->measure[kind], "");
    if (!rc) rc = add_row(o, html, L->l_target, "", d->target ? d->target : L->none, "");
    if (!rc) rc = add_row(o, html, L->l_authority, "", auth, "");
    if (!rc) rc = add_row(o, html, L->l_basis, "", d->legal_basis ? d->legal_basis : L->none, "");
    if (!rc) rc = add_row(o, html, L->l_date, "", date[0] ? date : L->none, "");
    if (!rc)
        rc = d->ends ? add_row(o, html, L->l_period, L->until_pre, ends, L->until_post)
                     : add_row(o, html, L->l_period, "", L->indefinite, "");
    if (!rc) rc = add_row(o, html, L->l_scope, "", d->scope ? d->scope : L->none, "");
    const char *ap = po->appeal && *po->appeal ? po->appeal : NULL;
    if (html) {
        if (!rc) rc = kz_buf_adds(o, "</dl>\n<h2>");
        if (!rc) rc = add_field(o, L->l_appeal, true);
        if (!rc) rc = kz_buf_adds(o, "</h2>\n<p>");
        if (!rc) rc = add_field(o, L->appeal_lead, true);
        if (!rc) rc = kz_buf_addc(o, ' ');
        if (!rc && ap) {
            rc = add_field(o, L->contact, true);
            if (!rc && is_link(ap)) {
                rc = kz_buf_adds(o, "<a href=\"");
                if (!rc) rc = add_field(o, ap, true);
                if (!rc) rc = kz_buf_adds(o, "\">");
                if (!rc) rc = add_field(o, ap, true);
                if (!rc) rc = kz_buf_adds(o, "</a>");
            } else if (!rc) {
                rc = add_field(o, ap, true);
            }
        } else if (!rc) {
            rc = add_field(o, L->appeal_default, true);
        }
        if (!rc) rc = kz_buf_adds(o, "</p>\n</section>\n");
    } else {
        if (!rc) rc = kz_buf_addf(o, "\n%s: %s ", L->l_appeal, L->appeal_lead);
        if (!rc && ap) {
            rc = kz_buf_adds(o, L->contact);
            if (!rc) rc = add_field(o, ap, false);
        } else if (!rc) {
            rc = kz_buf_adds(o, L->appeal_default);
        }
        if (!rc) rc = kz_buf_adds(o, "\n");
    }
    return rc;
}

static const char page_css[] =
    "body{margin:0;background:#f3f3f3;color:#1b1b1b;"
    "font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif}\n"
    "main{max-width:46rem;margin:2rem auto;padding:0 1rem}\n"
    "section{background:#fff;border-top:4px solid #9b1c1c;padding:1rem 1.5rem;"
    "margin-bottom:1.5rem}\n"
    "h1{font-size:1.4rem;margin:.3rem 0 .8rem}\n"
    "h2{font-size:1.05rem;margin:1.2rem 0 .3rem}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}\n"
    "dt{font-weight:600}\n"
    "dd{margin:0;overflow-wrap:anywhere}\n"
    "@media (max-width:32rem){dl{grid-template-columns:1fr}dd{margin-bottom:.4rem}}\n";

int kz_active_page_write(kz_buf *out, const kz_active_decision *d, const kz_active_page_opts *o)
{
    static const kz_active_page_opts none = { 0 };
    if (!o)
        o = &none;
    int kind = kind_of(d->measure);
    if (kind < 0)
        return KZ_EINVAL;
    unsigned mask = o->langs & KZ_PAGE_ALL ? o->langs & KZ_PAGE_ALL : KZ_PAGE_ALL;
    const page_lang *first = NULL;
    for (size_t i = 0; i < KZ_ARRAY_LEN(langs) && !first; i++)
        if (mask & (1u << i))
            first = &langs[i];
    int rc = 0;
    bool whole = !o->text && !o->fragment;
    if (whole) {
        rc = kz_buf_addf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                              "<meta name=\"robots\" content=\"noindex\">\n<title>", first->code);
        for (size_t i = 0, k = 0; i < KZ_ARRAY_LEN(langs) && !rc; i++)
            if (mask & (1u << i)) {
                if (k++) rc = kz_buf_adds(out, " / ");
                if (!rc) rc = add_field(out, langs[i].title, true);
            }
        if (!rc) rc = kz_buf_addf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
                                  page_css);
    }
    for (size_t i = 0, k = 0; i < KZ_ARRAY_LEN(langs) && !rc; i++) {
        if (!(mask & (1u << i)))
            continue;
        if (o->text && k)
            rc = kz_buf_adds(out, "\n----------------------------------------\n\n");
        k++;
        if (!rc) rc = add_lang(out, d, o, &langs[i], kind);
    }
    if (!rc && whole)
        rc = kz_buf_adds(out, "</main>\n</body>\n</html>\n");
    return rc;
}
