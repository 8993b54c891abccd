/*
 * act/hashlist.c - the private URL check: SHA-256 hash prefixes of the
 * blocklist's expressions, their versions and changes, the full hashes
 * of a prefix; and the client's side of it (act/hashlist.h).
 */
#include "hashlist.h"
#include "store/db.h"
#include "util/sha256.h"
#include <json-c/json.h>

struct kz_hashlist {
    int64_t version;
    kz_hashlist_full *full;     /* sorted by hash, unique */
    size_t nfull, capfull;
    uint8_t *prefix;            /* sorted, unique, nprefix x 4 bytes */
    size_t nprefix;
    char checksum[65];
};

static int cmp_full(const void *a, const void *b)
{
    const kz_hashlist_full *x = a, *y = b;
    int c = memcmp(x->hash, y->hash, KZ_URL_HASH_LEN);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int cmp_prefix(const void *a, const void *b)
{
    return memcmp(a, b, KZ_HASHLIST_PREFIX);
}

static void set_checksum(kz_hashlist *h)
{
    static const uint8_t none = 0;
    kz_sha256_hex(h->nprefix ? h->prefix : &none, h->nprefix * KZ_HASHLIST_PREFIX, h->checksum);
}

/* Sort and dedupe h->full, then derive the prefixes and the checksum. */
static int finish(kz_hashlist *h)
{
    size_t k = 0;
    if (h->nfull)
        qsort(h->full, h->nfull, sizeof *h->full, cmp_full);
    for (size_t i = 0; i < h->nfull; i++)
        if (!k || memcmp(h->full[i].hash, h->full[k - 1].hash, KZ_URL_HASH_LEN))
            h->full[k++] = h->full[i];
    h->nfull = k;
    h->prefix = kz_malloc((k ? k : 1) * KZ_HASHLIST_PREFIX);
    if (!h->prefix)
        return KZ_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        uint8_t *p = h->prefix + h->nprefix * KZ_HASHLIST_PREFIX;
        if (h->nprefix && !memcmp(p - KZ_HASHLIST_PREFIX, h->full[i].hash, KZ_HASHLIST_PREFIX))
            continue;
        memcpy(p, h->full[i].hash, KZ_HASHLIST_PREFIX);
        h->nprefix++;
    }
    set_checksum(h);
    return 0;
}

static int add_hash(void *arg, const char *expr, size_t n, int64_t id)
{
    kz_hashlist *h = arg;
    if (KZ_GROW(h->full, h->capfull, h->nfull + 1))
        return KZ_ENOMEM;
    kz_hashlist_full *f = &h->full[h->nfull];
    int rc = kz_url_hash(expr, n, f->hash);
    if (rc)
        return rc;
    f->id = id;
    h->nfull++;
    return 0;
}

int kz_hashlist_new(kz_hashlist **out, const kz_blocklist *b, int64_t version)
{
    kz_hashlist *h = kz_calloc(1, sizeof *h);
    int rc = KZ_ENOMEM;
    *out = NULL;
    if (!h)
        return rc;
    h->version = version;
    if ((rc = kz_blocklist_each(b, add_hash, h)) != 0 || (rc = finish(h)) != 0) {
        kz_hashlist_free(&h);
        return rc;
    }
    *out = h;
    return 0;
}

/* An entry into b, as `kuzet check` adds it.  0 or KZ_ENOMEM. */
static int add_entry(kz_blocklist *b, int kind, const char *t, int64_t id)
{
    if (kind == KZ_EXPORT_GEO || !t)
        return 0;
    int rc = kind == KZ_EXPORT_DOMAIN ? kz_blocklist_add_domain(b, t, strlen(t), id, NULL)
                                      : kz_blocklist_add_url(b, t, strlen(t), id, NULL);
    return rc == KZ_EINVAL ? 0 : rc;
}

int kz_hashlist_from_entries(kz_hashlist **out, const kz_export_entry *e, size_t n,
                             int64_t version)
{
    kz_blocklist *b = kz_blocklist_new();
    int rc = b ? 0 : KZ_ENOMEM;
    *out = NULL;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_entry(b, e[i].kind, e[i].target, e[i].id);
    if (!rc)
        rc = kz_hashlist_new(out, b, version);
    kz_blocklist_free(b);
    return rc;
}

/* ---- a past version from the store --------------------------------------------- */

typedef struct lrow {
    char *key;             /* "kind\ttarget\tid" (owned; targets hold no tab) */
    int kind;
    int64_t id;
    int gone;              /* added after the version asked for */
} lrow;

static int cmp_lrow(const void *a, const void *b)
{
    return strcmp(((const lrow *)a)->key, ((const lrow *)b)->key);
}

static int kind_num(const char *k, size_t n)
{
    return n == 6 && !memcmp(k, "domain", 6) ? KZ_EXPORT_DOMAIN
           : n == 3 && !memcmp(k, "url", 3)  ? KZ_EXPORT_URL
                                             : KZ_EXPORT_GEO;
}

/* A row (kind, target, decision_id) of r into v[*n]; 0 or KZ_ENOMEM. */
static int take_row(kz_dbres *r, lrow **v, size_t *n, size_t *cap)
{
    size_t kl = 0, tl = 0;
    const char *k = kz_dbres_text(r, 0, &kl), *t = kz_dbres_text(r, 1, &tl);
    if (!k || !t)
        return 0;
    if (KZ_GROW(*v, *cap, *n + 1))
        return KZ_ENOMEM;
    size_t sz = kl + tl + 32;
    char *key = kz_malloc(sz);
    if (!key)
        return KZ_ENOMEM;
    lrow *x = &(*v)[(*n)++];
    x->id = kz_dbres_int(r, 2);
    snprintf(key, sz, "%.*s\t%.*s\t%lld", (int)kl, k, (int)tl, t, (long long)x->id);
    x->key = key;
    x->kind = kind_num(k, kl);
    x->gone = 0;
    return 0;
}

int kz_hashlist_load(kz_hashlist **out, kz_store *s, int64_t serial)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    kz_blocklist *b = NULL;
    lrow *v = NULL;
    size_t n = 0, cap = 0, ncur;
    int64_t have = 0;
    int rc, intx = 0;
    *out = NULL;
    if ((rc = kz_store_begin(s)) != 0)
        return rc;
    intx = 1;
    kz_dbval p[] = { kz_dbint(serial) };
    rc = kz_db_int(db, "SELECT COUNT(*) FROM blocklist_versions WHERE serial = $1", p, 1, &have);
    if (rc == 0 && !have)
        rc = KZ_ENOTFOUND;
    if (rc)
        goto out;
    if ((rc = kz_db_query(db, "SELECT kind, target, decision_id FROM blocklist_entries"
                              " WHERE kind <> 'geo'", NULL, 0, &r)) != 0)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1)
        if ((rc = take_row(r, &v, &n, &cap)) != 0)
            goto out;
    kz_dbres_done(r);
    r = NULL;
    if (rc < 0)
        goto out;
    ncur = n;
    if (n)
        qsort(v, n, sizeof *v, cmp_lrow);
    /* net changes after serial: +1 added since (so not there then), -1
     * deleted since (so there then) */
    rc = kz_db_query(db,
        "SELECT kind, target, decision_id,"
        " SUM(CASE WHEN op = 'add' THEN 1 ELSE -1 END) FROM blocklist_changes"
        " WHERE serial > $1 AND kind <> 'geo' GROUP BY kind, target, decision_id", p, 1, &r);
    if (rc)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1) {
        int64_t net = kz_dbres_int(r, 3);
        if (!net)
            continue;
        size_t before = n;
        if ((rc = take_row(r, &v, &n, &cap)) != 0)
            goto out;
        if (n == before || net < 0)
            continue;                       /* kept as a row of the old list */
        lrow *x = bsearch(&v[n - 1], v, ncur, sizeof *v, cmp_lrow);
        if (x)
            x->gone = 1;
        free(v[--n].key);
    }
    kz_dbres_done(r);
    r = NULL;
    if (rc < 0)
        goto out;
    if (!(b = kz_blocklist_new())) {
        rc = KZ_ENOMEM;
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (v[i].gone)
            continue;
        /* target: between the first and the last tab of the key */
        char *t = strchr(v[i].key, '\t') + 1, *e = strrchr(v[i].key, '\t');
        *e = '\0';
        rc = add_entry(b, v[i].kind, t, v[i].id);
        *e = '\t';
    }
    if (!rc)
        rc = kz_hashlist_new(out, b, serial);
out:
    kz_dbres_done(r);
    if (intx) {
        if (rc)
            kz_store_rollback(s);
        else
            rc = kz_store_commit(s);
        if (rc)
            kz_hashlist_free(out);
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    kz_blocklist_free(b);
    return rc;
}

void kz_hashlist_free(kz_hashlist **hp)
{
    if (!hp || !*hp)
        return;
    free((*hp)->full);
    free((*hp)->prefix);
    free(*hp);
    *hp = NULL;
}

int64_t kz_hashlist_version(const kz_hashlist *h) { return h->version; }
size_t kz_hashlist_nprefixes(const kz_hashlist *h) { return h->nprefix; }
const uint8_t *kz_hashlist_prefixes(const kz_hashlist *h) { return h->prefix; }
const char *kz_hashlist_checksum(const kz_hashlist *h) { return h->checksum; }

int kz_hashlist_has_prefix(const kz_hashlist *h, const uint8_t *hash)
{
    return h->nprefix &&
           bsearch(hash, h->prefix, h->nprefix, KZ_HASHLIST_PREFIX, cmp_prefix) != NULL;
}

size_t kz_hashlist_lookup(const kz_hashlist *h, const uint8_t prefix[KZ_HASHLIST_PREFIX],
                          const kz_hashlist_full **v)
{
    size_t lo = 0, hi = h->nfull;
    while (lo < hi) {                   /* the first hash >= prefix */
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(h->full[mid].hash, prefix, KZ_HASHLIST_PREFIX) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo;
    while (k < h->nfull && !memcmp(h->full[k].hash, prefix, KZ_HASHLIST_PREFIX))
        k++;
    *v = h->full + lo;
    return k - lo;
}

/* ---- JSON ------------------------------------------------------------------ */

static int add_hex(kz_buf *o, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[2 * KZ_URL_HASH_LEN];
    for (size_t i = 0; i < n; i++) {
        tmp[2 * i] = hx[p[i] >> 4];
        tmp[2 * i + 1] = hx[p[i] & 15];
    }
    return kz_buf_add(o, tmp, 2 * n);
}

static int add_prefix_item(kz_buf *o, const uint8_t *p, int *first)
{
    int rc = kz_buf_adds(o, *first ? "\"" : ",\"");
    *first = 0;
    if (!rc) rc = add_hex(o, p, KZ_HASHLIST_PREFIX);
    if (!rc) rc = kz_buf_addc(o, '"');
    return rc;
}

int kz_hashlist_update_json(kz_buf *out, const kz_hashlist *old, const kz_hashlist *cur)
{
    int rc = kz_buf_addf(out, "{\"version\":%lld,\"type\":\"%s\"", (long long)cur->version,
                         old ? "diff" : "full");
    if (!rc && old)
        rc = kz_buf_addf(out, ",\"since\":%lld", (long long)old->version);
    if (!rc)
        rc = kz_buf_addf(out, ",\"prefix_size\":%d,\"count\":%zu,\"checksum\":\"%s\","
                              "\"additions\":[", KZ_HASHLIST_PREFIX, cur->nprefix, cur->checksum);
    /* a merge of the two sorted lists: in cur only -> added, in old only -> removed */
    const uint8_t *a = old ? old->prefix : NULL, *c = cur->prefix;
    size_t na = old ? old->nprefix : 0, nc = cur->nprefix, i, j;
    int first = 1;
    for (i = 0, j = 0; j < nc && !rc;) {
        int d = i < na ? memcmp(a + i * 4, c + j * 4, 4) : 1;
        if (d < 0)
            i++;
        else if (d == 0)
            i++, j++;
        else
            rc = add_prefix_item(out, c + 4 * j++, &first);
    }
    if (!rc) rc = kz_buf_adds(out, "],\"removals\":[");
    first = 1;
    for (i = 0, j = 0; i < na && !rc;) {
        int d = j < nc ? memcmp(a + i * 4, c + j * 4, 4) : -1;
        if (d > 0)
            j++;
        else if (d == 0)
            i++, j++;
        else
            rc = add_prefix_item(out, a + 4 * i++, &first);
    }
    if (!rc) rc = kz_buf_adds(out, "]}\n");
    return rc;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* s[0..n) (exactly 2*len hex digits) into p.  1 or 0. */
static int unhex(const char *s, size_t n, uint8_t *p, size_t len)
{
    if (n != 2 * len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int kz_hashlist_parse_prefixes(const char *q, size_t n, uint8_t (*p)[KZ_HASHLIST_PREFIX],
                               size_t cap, const char **why)
{
    size_t k = 0, i = 0;
    if (!n) {
        *why = "no prefix given";
        return KZ_EINVAL;
    }
    while (i <= n) {
        size_t j = i;
        while (j < n && q[j] != ',')
            j++;
        if (k == cap) {
            *why = "too many prefixes in one request";
            return KZ_EINVAL;
        }
        if (!unhex(q + i, j - i, p[k], KZ_HASHLIST_PREFIX)) {
            *why = "a prefix is 8 hex digits (4 bytes)";
            return KZ_EINVAL;
        }
        k++;
        i = j + 1;
    }
    return (int)k;
}

int kz_hashlist_full_json(kz_buf *out, const kz_hashlist *h,
                          const uint8_t (*p)[KZ_HASHLIST_PREFIX], size_t n)
{
    int rc = kz_buf_addf(out, "{\"version\":%lld,\"matches\":[", (long long)h->version);
    int first = 1;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i && !memcmp(p[i], p[i - 1], KZ_HASHLIST_PREFIX))
            continue;                            /* the same prefix twice in a row */
        const kz_hashlist_full *v;
        size_t m = kz_hashlist_lookup(h, p[i], &v);
        for (size_t k = 0; k < m && !rc; k++) {
            rc = kz_buf_adds(out, first ? "{\"prefix\":\"" : ",{\"prefix\":\"");
            first = 0;
            if (!rc) rc = add_hex(out, p[i], KZ_HASHLIST_PREFIX);
            if (!rc) rc = kz_buf_adds(out, "\",\"hash\":\"");
            if (!rc) rc = add_hex(out, v[k].hash, KZ_URL_HASH_LEN);
            if (!rc) rc = kz_buf_addf(out, "\",\"decision_id\":%lld}", (long long)v[k].id);
        }
    }
    if (!rc) rc = kz_buf_adds(out, "]}\n");
    return rc;
}

/* ---- client side ---------------------------------------------------------- */

static json_object *parse_obj(const char *json, size_t n)
{
    if (n > INT32_MAX)
        return NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    if (o && (json_tokener_get_error(tok) != json_tokener_success ||
              !json_object_is_type(o, json_type_object))) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

static int get_int(json_object *o, const char *k, int64_t *v)
{
    json_object *x;
    if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int))
        return 0;
    *v = json_object_get_int64(x);
    return 1;
}

static const char *get_str(json_object *o, const char *k, size_t *len)
{
    json_object *x;
    if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_string))
        return NULL;
    *len = (size_t)json_object_get_string_len(x);
    return json_object_get_string(x);
}

/* The prefixes of the array o[k] into a sorted malloc'd array.  1 or 0
 * (*nomem set when out of memory). */
static int get_prefixes(json_object *o, const char *k, uint8_t **v, size_t *nv, int *nomem)
{
    json_object *a;
    *v = NULL;
    *nv = 0;
    if (!json_object_object_get_ex(o, k, &a) || !json_object_is_type(a, json_type_array))
        return 0;
    size_t n = json_object_array_length(a);
    if (!(*v = kz_malloc((n ? n : 1) * KZ_HASHLIST_PREFIX))) {
        *nomem = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(a, i);
        if (!json_object_is_type(x, json_type_string) ||
            !unhex(json_object_get_string(x), (size_t)json_object_get_string_len(x),
                   *v + i * KZ_HASHLIST_PREFIX, KZ_HASHLIST_PREFIX))
            return 0;
    }
    if (n)
        qsort(*v, n, KZ_HASHLIST_PREFIX, cmp_prefix);
    *nv = n;
    return 1;
}

int kz_hashlist_apply_json(kz_hashlist **out, const kz_hashlist *base, const char *json,
                           size_t n, const char **why)
{
    json_object *o = parse_obj(json, n);
    kz_hashlist *h = NULL;
    uint8_t *add = NULL, *del = NULL;
    size_t nadd = 0, ndel = 0, tl = 0, cl = 0;
    int64_t version = 0, since = -1, count = -1, psize = 0;
    int rc = KZ_EBADJSON, nomem = 0;
    *out = NULL;
    *why = "not a JSON object";
    if (!o)
        goto out;
    const char *type = get_str(o, "type", &tl), *sum = get_str(o, "checksum", &cl);
    *why = "missing or bad field (version, type, prefix_size, count, checksum, additions, removals)";
    if (!get_int(o, "version", &version) || !type || !sum || !get_int(o, "count", &count) ||
        !get_int(o, "prefix_size", &psize) ||
        !get_prefixes(o, "additions", &add, &nadd, &nomem) ||
        !get_prefixes(o, "removals", &del, &ndel, &nomem))
        goto out;
    *why = "prefix_size is not 4";
    if (psize != KZ_HASHLIST_PREFIX)
        goto out;
    int full = !strcmp(type, "full");
    *why = "type is neither full nor diff";
    if (!full && strcmp(type, "diff"))
        goto out;
    *why = "a diff from a version this client does not hold";
    if (!full && (!base || !get_int(o, "since", &since) || since != base->version))
        goto out;
    *why = "a full list with removals";
    if (full && ndel)
        goto out;
    if (!(h = kz_calloc(1, sizeof *h)))
        goto nomem;
    h->version = version;
    size_t nb = full ? 0 : base->nprefix;
    if (!(h->prefix = kz_malloc((nb + nadd ? nb + nadd : 1) * KZ_HASHLIST_PREFIX)))
        goto nomem;
    /* base minus removals, merged with the additions; all sorted */
    const uint8_t *bp = full ? NULL : base->prefix;
    *why = "a removal of a prefix the client does not hold";
    for (size_t d = 0; d < ndel; d++)
        if (!bsearch(del + 4 * d, bp, nb, 4, cmp_prefix))
            goto out;
    size_t i = 0, j = 0;
    while (i < nb || j < nadd) {
        if (i < nb && ndel && bsearch(bp + 4 * i, del, ndel, 4, cmp_prefix)) {
            i++;
            continue;
        }
        int c = i == nb ? 1 : j == nadd ? -1 : memcmp(bp + 4 * i, add + 4 * j, 4);
        const uint8_t *src = c <= 0 ? bp + 4 * i++ : add + 4 * j++;
        uint8_t *dst = h->prefix + 4 * h->nprefix;
        *why = "an addition of a prefix the client already holds, or one given twice";
        if (h->nprefix && memcmp(dst - 4, src, 4) >= 0)
            goto out;
        memcpy(dst, src, 4);
        h->nprefix++;
    }
    set_checksum(h);
    *why = "the checksum or count does not match: fetch the full list";
    if ((int64_t)h->nprefix != count || cl != 64 || strcmp(h->checksum, sum))
        goto out;
    *why = NULL;
    *out = h;
    h = NULL;
    rc = 0;
    goto out;
nomem:
    rc = KZ_ENOMEM;
out:
    if (nomem)
        rc = KZ_ENOMEM;
    kz_hashlist_free(&h);
    free(add);
    free(del);
    json_object_put(o);
    return rc;
}

int kz_hashlist_url(kz_blocklist_ctx *c, const char *url, size_t n,
                    uint8_t hash[KZ_URL_EXPR_MAX][KZ_URL_HASH_LEN], size_t *count)
{
    int rc = kz_url_parse_browser(&c->url, url, n);
    *count = 0;
    if (!rc)
        rc = kz_url_expressions(&c->url, &c->exprs);
    for (size_t i = 0; !rc && i < c->exprs.n; i++)
        rc = kz_url_hash(c->exprs.expr[i], c->exprs.len[i], hash[i]);
    if (!rc)
        *count = c->exprs.n;
    return rc;
}

int kz_hashlist_parse_full(const char *json, size_t n, kz_hashlist_full **v, size_t *nv,
                           const char **why)
{
    json_object *o = parse_obj(json, n), *a;
    int rc = KZ_EBADJSON;
    *v = NULL;
    *nv = 0;
    *why = "not a JSON object with a \"matches\" array";
    if (!o || !json_object_object_get_ex(o, "matches", &a) ||
        !json_object_is_type(a, json_type_array))
        goto out;
    size_t m = json_object_array_length(a);
    if (!(*v = kz_malloc((m ? m : 1) * sizeof **v))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    *why = "a match without a 64-hex-digit \"hash\" and a \"decision_id\"";
    for (size_t i = 0; i < m; i++) {
        json_object *x = json_object_array_get_idx(a, i);
        size_t hl = 0;
        const char *hs = x && json_object_is_type(x, json_type_object) ? get_str(x, "hash", &hl)
                                                                       : NULL;
        if (!hs || !unhex(hs, hl, (*v)[i].hash, KZ_URL_HASH_LEN) ||
            !get_int(x, "decision_id", &(*v)[i].id)) {
            free(*v);
            *v = NULL;
            goto out;
        }
    }
    *nv = m;
    *why = NULL;
    rc = 0;
out:
    json_object_put(o);
    return rc;
}

int kz_hashlist_match(const kz_blocklist_ctx *c, const uint8_t hash[][KZ_URL_HASH_LEN], size_t n,
                      const kz_hashlist_full *full, size_t nfull, int64_t *id)
{
    int best = -1;
    for (size_t i = 0; i < n && i < c->exprs.n; i++)
        for (size_t k = 0; k < nfull; k++)
            if (!memcmp(hash[i], full[k].hash, KZ_URL_HASH_LEN) &&
                (best < 0 || c->exprs.len[i] > c->exprs.len[best])) {
                best = (int)i;
                *id = full[k].id;
            }
    return best;
}
