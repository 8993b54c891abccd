/*
 * act/export.c - blocklist exports (RPZ, Unbound, hosts, Squid, CSV, JSON,
 * hash prefixes) and the list-file loader.
 *
 * Each writer makes one pass over the entries to classify them (written,
 * not expressible in the format, invalid for it, duplicate), then writes a
 * header that says what was left out and why, then the lines.  Duplicates
 * and (for Squid) names covered by a listed parent are found with a small
 * open-addressing set of strings.
 */
#include "export.h"
#include "url/url.h"
#include "util/hset.h"

#define DEFAULT_ORIGIN "rpz.local"
#define DEFAULT_TTL 300

static const char *const format_names[KZ_EXPORT__COUNT] = {
    "rpz", "unbound", "hosts", "squid-domains", "squid-urls", "csv", "json", "hash-prefixes",
};

int kz_export_format_parse(const char *name)
{
    for (int i = 0; i < KZ_EXPORT__COUNT; i++)
        if (name && !strcmp(name, format_names[i]))
            return i;
    return KZ_EINVAL;
}

const char *kz_export_format_name(int format)
{
    return format >= 0 && format < KZ_EXPORT__COUNT ? format_names[format] : NULL;
}

/* ---- a set of strings (not owned) ------------------------------------- */

/* The set holds NUL-terminated targets; a lookup may be a slice that ends
 * where its string ends (a parent name of a target). */
typedef struct sslice { const char *s; size_t n; } sslice;

static int slice_eq(uint64_t v, const void *key, void *ctx)
{
    const char *s = (const char *)(uintptr_t)v;
    const sslice *k = key;
    (void)ctx;
    return !strncmp(s, k->s, k->n) && s[k->n] == '\0';
}

static bool sset_has(const kz_hset *t, const char *s, size_t n)
{
    sslice k = { s, n };
    return kz_hset_find(t, kz_hset_hash(s, n), slice_eq, &k, NULL) != NULL;
}

/* Adds the string s of length n (the set was sized for every string up
 * front, so it does not grow).  1 when added, 0 when it was there. */
static int sset_add(kz_hset *t, const char *s, size_t n)
{
    sslice k = { s, n };
    return kz_hset_add(t, kz_hset_hash(s, n), (uint64_t)(uintptr_t)s, slice_eq, &k, NULL, NULL);
}

/* ---- names ------------------------------------------------------------- */

static bool is_ipv4(const char *s, size_t n)
{
    int dots = 0;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (!digits) return false;
            dots++;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9') {
            digits++;
        } else {
            return false;
        }
    }
    return dots == 3 && digits;
}

static bool is_ip(const char *s, size_t n) { return (n && s[0] == '[') || is_ipv4(s, n); }

/* Why s[0..n) (no trailing dot) is not a DNS host name whose wire form
 * stays <= 255 bytes with extra more bytes in front or behind, or NULL. */
static const char *name_why(const char *s, size_t n, size_t extra)
{
    if (n == 0)
        return "empty name";
    size_t lab = 0;
    bool digits_only = true;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (lab == 0)
                return "empty label";
            if (s[i - 1] == '-' || s[i - lab] == '-')
                return "a label starts or ends with '-'";
            if (i < n) {
                lab = 0;
                digits_only = true;
            }
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return "not a DNS name: only letters, digits and '-' are allowed in a label";
        if (!(c >= '0' && c <= '9'))
            digits_only = false;
        if (++lab > KZ_URL_MAX_LABEL)
            return "a label is longer than 63 bytes";
    }
    if (digits_only)
        return "not a DNS name: the top-level label is all digits";
    if (n > KZ_URL_MAX_HOST)
        return "name longer than 253 bytes";
    if (n + extra > KZ_URL_MAX_HOST)
        return "name too long with the zone origin appended (255 bytes on the wire, '*.' included)";
    return NULL;
}

const char *kz_export_name_why(const char *name)
{
    if (!name)
        return "no name";
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '.')
        n--;
    return name_why(name, n, 0);
}

/* ---- the parts of an entry ---------------------------------------------- */

/* host of a canonical URL "scheme://host/..." */
static bool url_host(const char *u, const char **h, size_t *hn)
{
    const char *p = strstr(u, "://");
    if (!p || p == u)
        return false;
    p += 3;
    size_t n = strcspn(p, "/");
    if (!n || !p[n])
        return false;
    *h = p;
    *hn = n;
    return true;
}

/* the Safe Browsing expression of an entry, into b (reset first) */
static int entry_expr(const kz_export_entry *e, kz_buf *b)
{
    kz_buf_reset(b);
    if (e->kind == KZ_EXPORT_DOMAIN) {
        int rc = kz_buf_adds(b, e->target);
        return rc ? rc : kz_buf_addc(b, '/');
    }
    const char *h;
    size_t hn;
    if (!url_host(e->target, &h, &hn))
        return KZ_EINVAL;
    return kz_buf_adds(b, h);
}

/* comment text: control bytes become spaces, so a comment stays one line */
static int add_comment_text(kz_buf *o, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc = kz_buf_addc(o, c < 0x20 || c == 0x7f ? ' ' : (char)c);
        if (rc)
            return rc;
    }
    return 0;
}

static int add_entry_comment(kz_buf *o, const char *lead, const kz_export_entry *e)
{
    int rc = kz_buf_addf(o, "%sdecision %lld", lead, (long long)e->id);
    if (!rc && e->legal_basis) {
        rc = kz_buf_adds(o, "; legal basis: ");
        if (!rc) rc = add_comment_text(o, e->legal_basis);
    }
    if (!rc && (e->starts || e->ends)) {
        rc = kz_buf_adds(o, "; in force ");
        if (!rc) rc = add_comment_text(o, e->starts ? e->starts : "-");
        if (!rc) rc = kz_buf_adds(o, " to ");
        if (!rc) rc = add_comment_text(o, e->ends ? e->ends : "-");
    }
    return rc ? rc : kz_buf_addc(o, '\n');
}

/* ---- classification ------------------------------------------------------- */

enum { W_WRITE, W_SKIP_URL, W_SKIP_DOMAIN, W_SKIP_IP, W_SKIP_GEO, W_DUP, W_COVERED, W_BAD };

typedef struct plan {
    unsigned char *what;     /* W_* per entry */
    size_t nurl, ndomain, nip, ngeo, nbad, nwrite;
} plan;

static void reject(const kz_export_opts *o, const kz_export_entry *e, size_t i, const char *why,
                   plan *p)
{
    p->what[i] = W_BAD;
    p->nbad++;
    if (o->reject)
        o->reject(o->arg, e, i, why);
}

/* squid: is a parent of name (a suffix after a dot) in the set? */
static bool parent_listed(const kz_hset *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.' && sset_has(t, s + i + 1, n - i - 1))
            return true;
    return false;
}

static int make_plan(int format, const kz_export_entry *e, size_t n, const kz_export_opts *o,
                     size_t origin_len, plan *p)
{
    memset(p, 0, sizeof *p);
    p->what = kz_calloc(n ? n : 1, 1);
    kz_hset seen = { 0 };
    if (!p->what || kz_hset_init(&seen, n))
        goto nomem;
    bool dns = format == KZ_EXPORT_RPZ || format == KZ_EXPORT_UNBOUND || format == KZ_EXPORT_HOSTS;
    for (size_t i = 0; i < n; i++) {
        const char *t = e[i].target ? e[i].target : "";
        size_t tn = strlen(t);
        const char *h;
        size_t hn;
        if (e[i].kind != KZ_EXPORT_DOMAIN && e[i].kind != KZ_EXPORT_URL &&
            e[i].kind != KZ_EXPORT_GEO) {
            reject(o, &e[i], i, "unknown kind of entry", p);
            continue;
        }
        if (e[i].kind != KZ_EXPORT_DOMAIN && !url_host(t, &h, &hn)) {
            reject(o, &e[i], i, "not a canonical URL", p);
            continue;
        }
        if (e[i].kind == KZ_EXPORT_DOMAIN && tn == 0) {
            reject(o, &e[i], i, "empty host", p);
            continue;
        }
        if (format == KZ_EXPORT_CSV || format == KZ_EXPORT_JSON)
            continue;                                   /* every entry */
        if (e[i].kind == KZ_EXPORT_GEO) {               /* for platforms, not resolvers */
            p->what[i] = W_SKIP_GEO;
            p->ngeo++;
            continue;
        }
        if (format == KZ_EXPORT_HASH_PREFIXES)
            continue;
        if (format == KZ_EXPORT_SQUID_URLS) {
            if (e[i].kind == KZ_EXPORT_DOMAIN) { p->what[i] = W_SKIP_DOMAIN; p->ndomain++; }
            else if (!sset_add(&seen, t, tn)) p->what[i] = W_DUP;
            continue;
        }
        /* the domain formats */
        if (e[i].kind == KZ_EXPORT_URL) {
            p->what[i] = W_SKIP_URL;
            p->nurl++;
            continue;
        }
        if ((dns || t[0] == '[') && is_ip(t, tn)) {
            p->what[i] = W_SKIP_IP;
            p->nip++;
            continue;
        }
        if (!is_ip(t, tn)) {
            const char *why = name_why(t, tn, format == KZ_EXPORT_RPZ ? origin_len + 1 + 2 : 0);
            if (why) {
                reject(o, &e[i], i, why, p);
                continue;
            }
        }
        if (!sset_add(&seen, t, tn))
            p->what[i] = W_DUP;
    }
    if (format == KZ_EXPORT_SQUID_DOMAINS) {
        /* Squid warns about (and drops one of) ".a.example.com" beside
         * ".example.com": leave out every name under a listed one */
        for (size_t i = 0; i < n; i++)
            if (p->what[i] == W_WRITE && !is_ip(e[i].target, strlen(e[i].target)) &&
                parent_listed(&seen, e[i].target, strlen(e[i].target)))
                p->what[i] = W_COVERED;
    }
    for (size_t i = 0; i < n; i++)
        p->nwrite += p->what[i] == W_WRITE;
    kz_hset_release(&seen);
    return 0;
nomem:
    kz_hset_release(&seen);
    free(p->what);
    p->what = NULL;
    return KZ_ENOMEM;
}

/* "N URL entries ... are left out" header lines */
static int add_left_out(kz_buf *o, const char *c, const plan *p, bool squid)
{
    int rc = 0;
    if (p->nurl)
        rc = kz_buf_addf(o, "%s%zu URL entr%s left out: this format blocks whole names only "
                            "(use squid-urls or hash-prefixes for URLs)\n",
                         c, p->nurl, p->nurl == 1 ? "y" : "ies");
    if (!rc && p->nip)
        rc = kz_buf_addf(o, "%s%zu IP%s-address entr%s left out: %s\n", c, p->nip,
                         squid ? "v6" : "", p->nip == 1 ? "y" : "ies",
                         squid ? "dstdomain cannot match them" : "DNS lists block names only");
    if (!rc && p->ndomain)
        rc = kz_buf_addf(o, "%s%zu domain entr%s left out: they are in the squid-domains file\n",
                         c, p->ndomain, p->ndomain == 1 ? "y" : "ies");
    if (!rc && p->ngeo)
        rc = kz_buf_addf(o, "%s%zu geo-restriction%s left out: they are for platforms, "
                            "in the csv and json exports\n",
                         c, p->ngeo, p->ngeo == 1 ? "" : "s");
    if (!rc && p->nbad)
        rc = kz_buf_addf(o, "%s%zu entr%s left out as invalid for this format (reported by the exporter)\n",
                         c, p->nbad, p->nbad == 1 ? "y" : "ies");
    return rc;
}

/* ---- writers ------------------------------------------------------------- */

static int w_rpz(kz_buf *out, const kz_export_entry *e, size_t n, const kz_export_opts *o,
                 const plan *p, const char *origin, const char *landing)
{
    uint32_t ttl = o->ttl ? o->ttl : DEFAULT_TTL;
    int rc = kz_buf_addf(out,
        "; kuzet blocklist export: DNS Response Policy Zone (RPZ)\n"
        "; load it as the zone '%s'; names below are relative to it\n"
        "; action: %s%s; each name also covers its subdomains (*.name)\n"
        "; %zu name%s\n",
        origin, landing ? "CNAME to the landing host " : "NXDOMAIN (CNAME .)",
        landing ? landing : "", p->nwrite, p->nwrite == 1 ? "" : "s");
    if (!rc) rc = add_left_out(out, "; ", p, false);
    if (!rc)
        rc = kz_buf_addf(out,
            "$TTL %u\n"
            "@ IN SOA localhost. hostmaster.localhost. %u 3600 600 86400 %u\n"
            "@ IN NS localhost.\n",
            (unsigned)ttl, (unsigned)o->serial, (unsigned)ttl);
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        rc = add_entry_comment(out, "; ", &e[i]);
        if (!rc)
            rc = kz_buf_addf(out, "%s CNAME %s.\n*.%s CNAME %s.\n", e[i].target,
                             landing ? landing : "", e[i].target, landing ? landing : "");
    }
    return rc;
}

static int w_unbound(kz_buf *out, const kz_export_entry *e, size_t n, const kz_export_opts *o,
                     const plan *p, const char *landing)
{
    uint32_t ttl = o->ttl ? o->ttl : DEFAULT_TTL;
    int rc = kz_buf_addf(out,
        "# kuzet blocklist export: Unbound local-zone configuration\n"
        "# include it from unbound.conf: include: \"/path/to/this/file\"\n"
        "# each name also covers its subdomains; action: %s%s\n"
        "# %zu name%s\n",
        landing ? "redirect to the landing host " : "NXDOMAIN (always_nxdomain)",
        landing ? landing : "", p->nwrite, p->nwrite == 1 ? "" : "s");
    if (!rc) rc = add_left_out(out, "# ", p, false);
    if (!rc) rc = kz_buf_adds(out, "server:\n");
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        rc = add_entry_comment(out, "    # ", &e[i]);
        if (!rc && landing)
            rc = kz_buf_addf(out, "    local-zone: \"%s.\" redirect\n"
                                  "    local-data: \"%s. %u IN CNAME %s.\"\n",
                             e[i].target, e[i].target, (unsigned)ttl, landing);
        else if (!rc)
            rc = kz_buf_addf(out, "    local-zone: \"%s.\" always_nxdomain\n", e[i].target);
    }
    return rc;
}

static int w_hosts(kz_buf *out, const kz_export_entry *e, size_t n, const plan *p)
{
    int rc = kz_buf_addf(out,
        "# kuzet blocklist export: hosts file\n"
        "# a hosts file blocks each name exactly: subdomains are not covered\n"
        "# %zu name%s\n", p->nwrite, p->nwrite == 1 ? "" : "s");
    if (!rc) rc = add_left_out(out, "# ", p, false);
    for (size_t i = 0; i < n && !rc; i++)
        if (p->what[i] == W_WRITE)
            rc = kz_buf_addf(out, "0.0.0.0 %s\n", e[i].target);
    return rc;
}

static int w_squid_domains(kz_buf *out, const kz_export_entry *e, size_t n, const plan *p)
{
    size_t covered = 0;
    for (size_t i = 0; i < n; i++)
        covered += p->what[i] == W_COVERED;
    int rc = kz_buf_addf(out,
        "# kuzet blocklist export: Squid dstdomain ACL file\n"
        "# acl kuzet_domains dstdomain \"/path/to/this/file\"\n"
        "# .name covers the name and its subdomains; %zu name%s under a listed one left out\n"
        "# %zu entr%s\n",
        covered, covered == 1 ? "" : "s", p->nwrite, p->nwrite == 1 ? "y" : "ies");
    if (!rc) rc = add_left_out(out, "# ", p, true);
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        rc = add_entry_comment(out, "# ", &e[i]);
        const char *t = e[i].target;
        if (!rc) rc = kz_buf_addf(out, "%s%s\n", is_ip(t, strlen(t)) ? "" : ".", t);
    }
    return rc;
}

/* POSIX extended regex, escaped */
static int add_ere(kz_buf *o, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (strchr("\\.[]()*+?{}|^$", s[i]))
            rc = kz_buf_addc(o, '\\');
        if (!rc) rc = kz_buf_addc(o, s[i]);
    }
    return rc;
}

static int w_squid_urls(kz_buf *out, const kz_export_entry *e, size_t n, const plan *p)
{
    int rc = kz_buf_addf(out,
        "# kuzet blocklist export: Squid url_regex ACL file (POSIX extended regexes)\n"
        "# acl kuzet_urls url_regex \"/path/to/this/file\"\n"
        "# matches plain-HTTP requests; an HTTPS request shows Squid only host:port (CONNECT),\n"
        "# so HTTPS pages are blocked only by whole names (squid-domains)\n"
        "# %zu URL%s\n", p->nwrite, p->nwrite == 1 ? "" : "s");
    if (!rc) rc = add_left_out(out, "# ", p, false);
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        const char *h, *t = e[i].target;
        size_t hn;
        url_host(t, &h, &hn);
        const char *path = h + hn, *q = strchr(path, '?');
        size_t pn = q ? (size_t)(q - path) : strlen(path);
        rc = add_entry_comment(out, "# ", &e[i]);
        /* as in Safe Browsing, a URL entry also covers the host's subdomains */
        if (!rc) rc = kz_buf_adds(out, is_ip(h, hn) ? "^https?://" : "^https?://([^/:?]+\\.)?");
        if (!rc) rc = add_ere(out, h, hn);
        if (!rc) rc = kz_buf_adds(out, "(:[0-9]+)?");
        if (!rc) rc = add_ere(out, path, q ? strlen(path) : pn);
        if (!rc) {
            if (q)                                      /* exact, query included */
                rc = kz_buf_addc(out, '$');
            else if (path[pn - 1] != '/')               /* the page, any query */
                rc = kz_buf_adds(out, "([?].*)?$");
            /* else: everything below the directory */
        }
        if (!rc) rc = kz_buf_addc(out, '\n');
    }
    return rc;
}

static int add_csv(kz_buf *o, const char *s)
{
    if (!s)
        return 0;
    if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!s[0] || s[strlen(s) - 1] != ' '))
        return kz_buf_adds(o, s);
    int rc = kz_buf_addc(o, '"');
    for (; *s && !rc; s++)
        rc = *s == '"' ? kz_buf_adds(o, "\"\"") : kz_buf_addc(o, *s);
    return rc ? rc : kz_buf_addc(o, '"');
}

static const char *kind_name(int k)
{
    return k == KZ_EXPORT_DOMAIN ? "domain" : k == KZ_EXPORT_GEO ? "geo" : "url";
}

static int w_csv(kz_buf *out, const kz_export_entry *e, size_t n, const kz_export_opts *o,
                 const plan *p)
{
    int rc = kz_buf_adds(out, o->scope ? "kind,target,decision_id,legal_basis,starts,ends,scope\r\n"
                                       : "kind,target,decision_id,legal_basis,starts,ends\r\n");
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        rc = kz_buf_addf(out, "%s,", kind_name(e[i].kind));
        if (!rc) rc = add_csv(out, e[i].target);
        if (!rc) rc = kz_buf_addf(out, ",%lld,", (long long)e[i].id);
        if (!rc) rc = add_csv(out, e[i].legal_basis);
        if (!rc) rc = kz_buf_addc(out, ',');
        if (!rc) rc = add_csv(out, e[i].starts);
        if (!rc) rc = kz_buf_addc(out, ',');
        if (!rc) rc = add_csv(out, e[i].ends);
        if (!rc && o->scope) rc = kz_buf_addc(out, ',');
        if (!rc && o->scope) rc = add_csv(out, o->scope[i]);
        if (!rc) rc = kz_buf_adds(out, "\r\n");
    }
    return rc;
}

static int add_json_or_null(kz_buf *o, const char *s)
{
    return s ? kz_buf_add_json_str(o, s, strlen(s)) : kz_buf_adds(o, "null");
}

static int w_json(kz_buf *out, const kz_export_entry *e, size_t n, const kz_export_opts *o,
                  const plan *p)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        rc = kz_buf_addf(out, "{\"kind\":\"%s\",\"target\":", kind_name(e[i].kind));
        if (!rc) rc = kz_buf_add_json_str(out, e[i].target, strlen(e[i].target));
        if (!rc) rc = kz_buf_addf(out, ",\"decision_id\":%lld,\"legal_basis\":", (long long)e[i].id);
        if (!rc) rc = add_json_or_null(out, e[i].legal_basis);
        if (!rc) rc = kz_buf_adds(out, ",\"starts\":");
        if (!rc) rc = add_json_or_null(out, e[i].starts);
        if (!rc) rc = kz_buf_adds(out, ",\"ends\":");
        if (!rc) rc = add_json_or_null(out, e[i].ends);
        if (!rc && o->scope) rc = kz_buf_adds(out, ",\"scope\":");
        if (!rc && o->scope) rc = add_json_or_null(out, o->scope[i]);
        if (!rc) rc = kz_buf_adds(out, "}\n");
    }
    return rc;
}

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, KZ_URL_HASH_LEN); }

static int w_hashes(kz_buf *out, const kz_export_entry *e, size_t n, const kz_export_opts *o,
                    const plan *p)
{
    uint8_t (*h)[KZ_URL_HASH_LEN] = kz_malloc((p->nwrite ? p->nwrite : 1) * sizeof *h);
    kz_buf x;
    kz_buf_init(&x, KZ_BUF_NOLIMIT);
    size_t k = 0;
    int rc = h ? 0 : KZ_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        if (p->what[i] != W_WRITE)
            continue;
        rc = entry_expr(&e[i], &x);
        if (!rc) rc = kz_url_hash(x.p, x.len, h[k++]);
    }
    if (!rc)
        qsort(h, k, sizeof *h, cmp_hash);
    size_t plen = o->full ? KZ_URL_HASH_LEN : 4;
    for (size_t i = 0; i < k && !rc; i++) {
        if (i && !memcmp(h[i], h[i - 1], plen))
            continue;
        for (size_t j = 0; j < plen && !rc; j++)
            rc = kz_buf_addf(out, "%02x", h[i][j]);
        if (!rc) rc = kz_buf_addc(out, '\n');
    }
    kz_buf_release(&x);
    free(h);
    return rc;
}

int kz_export_write(kz_buf *out, int format, const kz_export_entry *e, size_t n,
                    const kz_export_opts *o, size_t *rejected)
{
    static const kz_export_opts none = { 0 };
    char origin[KZ_URL_MAX_HOST + 2], landing[KZ_URL_MAX_HOST + 2];
    plan p = { 0 };
    int rc = KZ_EINVAL;
    if (!o)
        o = &none;
    if (rejected)
        *rejected = 0;
    if (format < 0 || format >= KZ_EXPORT__COUNT)
        goto out;
    /* origin and landing without their trailing dot */
    const char *src = o->origin ? o->origin : DEFAULT_ORIGIN;
    if (kz_export_name_why(src) || strlen(src) >= sizeof origin)
        goto out;
    snprintf(origin, sizeof origin, "%s", src);
    if (origin[strlen(origin) - 1] == '.')
        origin[strlen(origin) - 1] = '\0';
    if (o->landing) {
        if (kz_export_name_why(o->landing) || strlen(o->landing) >= sizeof landing)
            goto out;
        snprintf(landing, sizeof landing, "%s", o->landing);
        if (landing[strlen(landing) - 1] == '.')
            landing[strlen(landing) - 1] = '\0';
    }
    if ((rc = make_plan(format, e, n, o, strlen(origin), &p)) != 0)
        goto out;
    if (rejected)
        *rejected = p.nbad;
    const char *land = o->landing ? landing : NULL;
    switch (format) {
    case KZ_EXPORT_RPZ:           rc = w_rpz(out, e, n, o, &p, origin, land); break;
    case KZ_EXPORT_UNBOUND:       rc = w_unbound(out, e, n, o, &p, land); break;
    case KZ_EXPORT_HOSTS:         rc = w_hosts(out, e, n, &p); break;
    case KZ_EXPORT_SQUID_DOMAINS: rc = w_squid_domains(out, e, n, &p); break;
    case KZ_EXPORT_SQUID_URLS:    rc = w_squid_urls(out, e, n, &p); break;
    case KZ_EXPORT_CSV:           rc = w_csv(out, e, n, o, &p); break;
    case KZ_EXPORT_JSON:          rc = w_json(out, e, n, o, &p); break;
    default:                      rc = w_hashes(out, e, n, o, &p); break;
    }
out:
    free(p.what);
    return rc;
}

int kz_export_fwrite(FILE *f, int format, const kz_export_entry *e, size_t n,
                     const kz_export_opts *o, size_t *rejected)
{
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_export_write(&b, format, e, n, o, rejected);
    if (!rc && b.len && fwrite(b.p, 1, b.len, f) != b.len)
        rc = KZ_EIO;
    if (!rc && fflush(f) != 0)
        rc = KZ_EIO;
    kz_buf_release(&b);
    return rc;
}

/* ---- the list file ---------------------------------------------------------- */

void kz_export_list_init(kz_export_list *l) { memset(l, 0, sizeof *l); }

void kz_export_list_release(kz_export_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->v[i].target);
    free(l->v);
    free(l->line);
    memset(l, 0, sizeof *l);
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* next blank-separated token of [*p, end) */
static bool token(const char **p, const char *end, const char **t, size_t *tn)
{
    const char *s = *p;
    while (s < end && blank(*s))
        s++;
    if (s == end)
        return false;
    const char *q = s;
    while (q < end && !blank(*q))
        q++;
    *t = s;
    *tn = (size_t)(q - s);
    *p = q;
    return true;
}

static bool tok_is(const char *t, size_t n, const char *w) { return n == strlen(w) && !memcmp(t, w, n); }

/* a decimal id: optional '-', 1-18 digits */
static bool parse_id(const char *t, size_t n, int64_t *id)
{
    bool neg = n && t[0] == '-';
    size_t i = neg;
    if (n == i || n - i > 18)
        return false;
    int64_t v = 0;
    for (; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return false;
        v = v * 10 + (t[i] - '0');
    }
    *id = neg ? -v : v;
    return true;
}

static int parse_line(kz_export_list *l, const char *s, const char *end, size_t lineno,
                      kz_url *u, const char **why)
{
    static _Thread_local char msg[KZ_URL_WHY_MAX + 64];
    const char *kind, *target, *ids, *extra;
    size_t kn, tn, idn, xn;
    const char *hash = memchr(s, '#', (size_t)(end - s));
    if (hash)
        end = hash;
    *why = NULL;
    if (!token(&s, end, &kind, &kn))
        return 0;                                       /* blank or comment */
    bool dom = tok_is(kind, kn, "domain");
    if ((!dom && !tok_is(kind, kn, "url")) || !token(&s, end, &target, &tn)) {
        *why = "expected 'domain HOST [ID]' or 'url URL [ID]'";
        return 0;
    }
    int64_t id = (int64_t)lineno;
    if (token(&s, end, &ids, &idn) && !parse_id(ids, idn, &id)) {
        snprintf(msg, sizeof msg, "the id must be a number, not '%.*s'", (int)KZ_MIN(idn, 40), ids);
        *why = msg;
        return 0;
    }
    if (token(&s, end, &extra, &xn)) {
        snprintf(msg, sizeof msg, "unexpected '%.*s' after the id", (int)KZ_MIN(xn, 40), extra);
        *why = msg;
        return 0;
    }
    int rc = kz_url_parse_browser(u, target, tn);
    if (rc == KZ_EINVAL)
        rc = kz_url_parse(u, target, tn);
    if (rc == KZ_EINVAL) {
        snprintf(msg, sizeof msg, "%s", u->why);
        *why = msg;
        return 0;
    }
    if (rc)
        return rc;
    if (l->n >= KZ_EXPORT_LIST_MAX)
        return KZ_ETOOBIG;
    if (KZ_GROW(l->v, l->cap, l->n + 1))
        return KZ_ENOMEM;
    if (KZ_GROW(l->line, l->cap_line, l->n + 1))
        return KZ_ENOMEM;
    char *t = dom ? kz_strndup(u->text.p + u->host_off, u->host_len)
                  : kz_strndup(u->text.p, u->text.len);
    if (!t)
        return KZ_ENOMEM;
    l->v[l->n] = (kz_export_entry){ dom ? KZ_EXPORT_DOMAIN : KZ_EXPORT_URL, t, id, NULL, NULL, NULL };
    l->line[l->n] = lineno;
    l->n++;
    return 0;
}

int kz_export_list_parse(kz_export_list *l, const char *text, size_t n,
                         kz_export_badline_fn bad, void *arg, size_t *nbad)
{
    kz_url u;
    kz_url_init(&u);
    int rc = 0;
    size_t lineno = 0, nb = 0;
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *why = NULL;
        lineno++;
        if ((rc = parse_line(l, p, le, lineno, &u, &why)) != 0)
            goto out;
        if (why) {
            nb++;
            if (bad)
                bad(arg, lineno, why);
        }
        p = nl ? nl + 1 : end;
    }
out:
    if (nbad)
        *nbad = nb;
    kz_url_release(&u);
    return rc;
}
