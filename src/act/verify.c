/*
 * act/verify.c - re-fetching decided items to see whether they are gone
 * (act/verify.h, docs/verify.md).
 *
 * Three parts: the removed-content markers (a built-in table per platform
 * host, and a file of more), the verdict on one fetch (status, marker,
 * flagged text, content hash), and a run: select the items due, fetch
 * them through ingest/fetch.h with at most KZ_VERIFY_PER_HOST in flight
 * per host, and hand each verdict to the caller, who records it
 * (kz_verify_record, inside the workflow's transaction).
 *
 * Texts are compared in a "compact" form: kuzet's normalized text
 * (text/norm.h: case, look-alikes, transliteration, spaced letters) with
 * every ASCII byte that is not a letter or digit dropped, so line breaks,
 * spacing and punctuation that a page adds around a post do not matter.
 */
#include "act/verify.h"
#include "util/sha256.h"
#include "ingest/html.h"
#include "url/url.h"
#include "util/buf.h"
#include <ctype.h>
#include <strings.h>
#include <time.h>

#define MARKER_MAX   1000          /* bytes of one marker text */
#define MARKERS_MAX  10000
#define EVIDENCE_MIN 4             /* compact characters: shorter evidence proves nothing */
#define EXCERPT_PROBE 64           /* compact bytes of the excerpt looked for */

static const char *const outcome_names[] = { "present", "gone", "error" };

const char *kz_verify_outcome_name(int o)
{
    return o >= 0 && o < (int)KZ_ARRAY_LEN(outcome_names) ? outcome_names[o] : "error";
}

/* ---- the compact form ---------------------------------------------------- */

/* Append the compact form of s[0..n) to out: normalized, then without ASCII
 * bytes other than letters and digits. */
static int compact(kz_norm *nm, const char *s, size_t n, kz_buf *out)
{
    kz_normtext t;
    int rc = kz_norm_run(nm, s, n, &t);
    if (rc)
        return rc;
    if ((rc = kz_buf_grow(out, t.len + 1)) != 0)
        return rc;
    for (size_t i = 0; i < t.len; i++) {
        unsigned char ch = (unsigned char)t.text[i];
        if (ch >= 0x80 || isalnum(ch))
            out->p[out->len++] = (char)ch;
    }
    out->p[out->len] = '\0';
    return 0;
}

/* Characters (not bytes) in UTF-8 s[0..n). */
static size_t nchars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ---- markers --------------------------------------------------------------- */

struct marker {
    char *host;         /* lowercase; "*" for every host */
    char *text;         /* as given */
    char *key;          /* compact form */
};

struct kz_verify_markers {
    struct marker *m;
    size_t         n, cap;
};

/* Built in: what the platforms show in place of removed content.  Texts
 * without apostrophes (they come straight or curly). */
static const struct { const char *host, *text; } builtin[] = {
    { "youtube.com",   "This video has been removed" },
    { "youtube.com",   "This video is no longer available" },
    { "youtube.com",   "Video unavailable" },
    { "youtu.be",      "Video unavailable" },
    { "facebook.com",  "The link you followed may be broken, or the page may have been removed" },
    { "facebook.com",  "This content isn't available right now" },
    { "instagram.com", "The link you followed may be broken, or the page may have been removed" },
    { "twitter.com",   "This Tweet was deleted" },
    { "twitter.com",   "This Post was deleted" },
    { "twitter.com",   "This Tweet is from a suspended account" },
    { "x.com",         "This Post was deleted" },
    { "x.com",         "This Post is from a suspended account" },
    { "tiktok.com",    "Video currently unavailable" },
    { "tiktok.com",    "This video is unavailable" },
    { "vk.com",        "Запись удалена" },
    { "vk.com",        "Видеозапись была изъята" },
    { "vk.com",        "Материал заблокирован" },
    { "vk.com",        "Страница удалена" },
    { "ok.ru",         "Видео заблокировано" },
    { "ok.ru",         "Тема удалена" },
    { "t.me",          "Post not found" },
};

size_t kz_verify_markers_count(const kz_verify_markers *m) { return m ? m->n : 0; }

void kz_verify_markers_free(kz_verify_markers **mp)
{
    if (!mp || !*mp)
        return;
    for (size_t i = 0; i < (*mp)->n; i++) {
        free((*mp)->m[i].host);
        free((*mp)->m[i].text);
        free((*mp)->m[i].key);
    }
    free((*mp)->m);
    free(*mp);
    *mp = NULL;
}

/* The marker's host, lowercase; 0 or KZ_EINVAL. */
static int host_ok(const char *h, char *out, size_t outsz)
{
    size_t n = strlen(h);
    if (!n || n >= outsz)
        return KZ_EINVAL;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (i < n && !(isalnum(c) || c == '.' || c == '-' || c == '*' || c == ':' || c == '[' ||
                       c == ']' || c == '_'))
            return KZ_EINVAL;
        out[i] = (char)tolower(c);
    }
    if (strchr(out, '*') && strcmp(out, "*"))
        return KZ_EINVAL;
    return 0;
}

static int markers_add(kz_verify_markers *m, kz_norm *nm, const char *host, const char *text,
                       size_t tn, const char **why)
{
    char h[256];
    kz_buf key;
    int rc;
    *why = NULL;
    if (host_ok(host, h, sizeof h)) {
        *why = "bad host (a name like example.com, or * for every host)";
        return KZ_EINVAL;
    }
    if (!tn || tn > MARKER_MAX) {
        *why = tn ? "marker text over 1000 bytes" : "no marker text after the host";
        return KZ_EINVAL;
    }
    if (m->n >= MARKERS_MAX) {
        *why = "more than 10000 markers";
        return KZ_EINVAL;
    }
    kz_buf_init(&key, KZ_BUF_NOLIMIT);
    if ((rc = compact(nm, text, tn, &key)) != 0)
        goto out;
    if (nchars(key.p ? key.p : "", key.len) < EVIDENCE_MIN) {
        *why = "marker text has fewer than 4 letters or digits";
        rc = KZ_EINVAL;
        goto out;
    }
    rc = KZ_ENOMEM;
    if (KZ_GROW(m->m, m->cap, m->n + 1))
        goto out;
    struct marker *e = &m->m[m->n];
    e->host = kz_strdup(h);
    e->text = kz_strndup(text, tn);
    e->key = key.p;
    if (!e->host || !e->text) {
        free(e->host);
        free(e->text);
        goto out;
    }
    key.p = NULL;
    m->n++;
    rc = 0;
out:
    kz_buf_release(&key);
    return rc;
}

int kz_verify_markers_add(kz_verify_markers *m, const char *host, const char *text)
{
    const char *why;
    kz_norm *nm = kz_norm_new();
    if (!nm)
        return KZ_ENOMEM;
    int rc = markers_add(m, nm, host ? host : "", text ? text : "", text ? strlen(text) : 0, &why);
    kz_norm_free(nm);
    return rc;
}

int kz_verify_markers_new(kz_verify_markers **out, int with_builtin)
{
    kz_verify_markers *m = kz_calloc(1, sizeof *m);
    kz_norm *nm = NULL;
    int rc = KZ_ENOMEM;
    *out = NULL;
    if (!m || (with_builtin && !(nm = kz_norm_new())))
        goto out;
    for (size_t i = 0; with_builtin && i < KZ_ARRAY_LEN(builtin); i++) {
        const char *why;
        if ((rc = markers_add(m, nm, builtin[i].host, builtin[i].text, strlen(builtin[i].text),
                              &why)) != 0)
            goto out;
    }
    *out = m;
    m = NULL;
    rc = 0;
out:
    kz_norm_free(nm);
    kz_verify_markers_free(&m);
    return rc;
}

int kz_verify_markers_parse(kz_verify_markers *m, const char *text, size_t n, size_t *line,
                            const char **why)
{
    kz_norm *nm = kz_norm_new();
    const char *w = NULL;
    int rc = 0;
    size_t ln = 0;
    if (!nm)
        return KZ_ENOMEM;
    for (size_t i = 0; i < n && !rc;) {
        const char *p = text + i, *nl = memchr(p, '\n', n - i);
        size_t len = nl ? (size_t)(nl - p) : n - i;
        i += len + (nl ? 1 : 0);
        ln++;
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        if (!len || *p == '#')
            continue;
        if (memchr(p, '\0', len)) {
            w = "a NUL byte in the line";
            rc = KZ_EINVAL;
            break;
        }
        size_t hl = 0;
        while (hl < len && p[hl] != ' ' && p[hl] != '\t')
            hl++;
        char host[256];
        if (hl >= sizeof host) {
            w = "bad host (a name like example.com, or * for every host)";
            rc = KZ_EINVAL;
            break;
        }
        memcpy(host, p, hl);
        host[hl] = '\0';
        size_t t = hl;
        while (t < len && (p[t] == ' ' || p[t] == '\t'))
            t++;
        rc = markers_add(m, nm, host, p + t, len - t, &w);
    }
    kz_norm_free(nm);
    if (line)
        *line = rc ? ln : 0;
    if (why)
        *why = rc ? (w ? w : kz_strerror(rc)) : NULL;
    return rc;
}

/* Is host h the marker's host or under it? */
static int host_matches(const char *mh, const char *h)
{
    if (!h || !*h)
        return 0;
    if (!strcmp(mh, "*"))
        return 1;
    size_t a = strlen(mh), b = strlen(h);
    if (b < a || strcmp(h + b - a, mh))
        return 0;
    return b == a || h[b - a - 1] == '.';
}

/* ---- the verdict ----------------------------------------------------------- */

static void verdict(kz_verify_verdict *v, int outcome, const char *why, const char *detail,
                    size_t dn)
{
    v->outcome = outcome;
    snprintf(v->why, sizeof v->why, "%s", why);
    if (dn >= sizeof v->detail) {
        dn = sizeof v->detail - 1;
        while (dn && ((unsigned char)detail[dn] & 0xC0) == 0x80)
            dn--;                                   /* on a character boundary */
    }
    memcpy(v->detail, detail ? detail : "", detail ? dn : 0);
    v->detail[detail ? dn : 0] = '\0';
}

/* A verdict whose detail is a string literal. */
#define VERDICT_LIT(v, o, w, lit) verdict((v), (o), (w), (lit), sizeof(lit) - 1)

static int sha_is(const char *p, size_t n, const char *hex)
{
    char x[65];
    kz_sha256_hex(p, n, x);
    return !strcasecmp(x, hex);
}

static int is_html(const char *ct, const char *b, size_t n)
{
    if (ct && *ct)
        return strcasestr(ct, "html") != NULL;
    while (n && isspace((unsigned char)*b))
        b++, n--;
    return n && *b == '<';
}

static int is_binary(const char *ct, const char *b, size_t n)
{
    if (ct && (!strncasecmp(ct, "image/", 6) || !strncasecmp(ct, "video/", 6) ||
               !strncasecmp(ct, "audio/", 6)))
        return 1;
    return memchr(b, '\0', n) != NULL;
}

/* The compact form of at most the first max bytes of c (cut on a
 * character boundary). */
static size_t probe_len(const char *c, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max && ((unsigned char)c[max] & 0xC0) == 0x80)
        max--;
    return max;
}

int kz_verify_classify(const kz_verify_markers *m, kz_norm *nm, const kz_verify_page *p,
                       kz_verify_verdict *v)
{
    kz_buf text, page, probe;
    int rc = 0;
    char why[24];
    memset(v, 0, sizeof *v);
    if (p->fetch_kind != KZ_FETCH_OK) {
        const char *e = p->errmsg ? p->errmsg : "";
        verdict(v, KZ_VERIFY_ERROR, kz_fetch_kind_name(p->fetch_kind), e, strlen(e));
        return 0;
    }
    if (p->status == 404 || p->status == 410 || p->status == 451) {
        snprintf(why, sizeof why, "%ld", p->status);
        verdict(v, KZ_VERIFY_GONE, why, NULL, 0);
        return 0;
    }
    if (p->status < 200 || p->status > 299) {
        snprintf(why, sizeof why, "http-%ld", p->status);
        verdict(v, KZ_VERIFY_ERROR, why, NULL, 0);
        return 0;
    }
    const char *body = p->body ? p->body : "";
    size_t blen = p->body ? p->body_len : 0;
    int sha = p->content_sha256 && strlen(p->content_sha256) == 64;
    if (sha && sha_is(body, blen, p->content_sha256)) {
        VERDICT_LIT(v, KZ_VERIFY_PRESENT, "hash-present", "the body's SHA-256 is the item's");
        return 0;
    }
    if (is_binary(p->content_type, body, blen)) {
        /* media: only the hash can say it is there; a different file is not it */
        VERDICT_LIT(v, KZ_VERIFY_GONE, "hash-absent", "another file");
        return 0;
    }
    kz_buf_init(&text, (size_t)64 << 20);
    kz_buf_init(&page, KZ_BUF_NOLIMIT);
    kz_buf_init(&probe, KZ_BUF_NOLIMIT);
    if (is_html(p->content_type, body, blen)) {
        if ((rc = kz_html_text(body, blen, &text, NULL)) != 0)
            goto out;
    } else if ((rc = kz_buf_add(&text, body, blen)) != 0) {
        goto out;
    }
    if (sha && text.len && sha_is(text.p, text.len, p->content_sha256)) {
        VERDICT_LIT(v, KZ_VERIFY_PRESENT, "hash-present",
                    "the visible text's SHA-256 is the item's");
        goto out;
    }
    if ((rc = compact(nm, text.p ? text.p : "", text.len, &page)) != 0)
        goto out;
    const char *pg = page.p ? page.p : "";
    for (size_t i = 0; m && i < m->n; i++) {
        if (!host_matches(m->m[i].host, p->host) && !host_matches(m->m[i].host, p->final_host))
            continue;
        if (strstr(pg, m->m[i].key)) {
            verdict(v, KZ_VERIFY_GONE, "removed-page", m->m[i].text, strlen(m->m[i].text));
            goto out;
        }
    }
    int usable = 0;
    for (size_t i = 0; i < p->nevidence; i++) {
        const char *e = p->evidence[i];
        if (!e)
            continue;
        kz_buf_reset(&probe);
        if ((rc = compact(nm, e, strlen(e), &probe)) != 0)
            goto out;
        if (nchars(probe.p, probe.len) < EVIDENCE_MIN)
            continue;
        usable = 1;
        if (strstr(pg, probe.p)) {
            verdict(v, KZ_VERIFY_PRESENT, "text-present", e, strlen(e));
            goto out;
        }
    }
    if (!usable && p->excerpt && *p->excerpt) {
        kz_buf_reset(&probe);
        if ((rc = compact(nm, p->excerpt, strlen(p->excerpt), &probe)) != 0)
            goto out;
        if (nchars(probe.p ? probe.p : "", probe.len) >= EVIDENCE_MIN) {
            usable = 1;
            size_t k = probe_len(probe.p, probe.len, EXCERPT_PROBE);
            probe.p[k] = '\0';
            if (strstr(pg, probe.p)) {
                verdict(v, KZ_VERIFY_PRESENT, "text-present", p->excerpt,
                        probe_len(p->excerpt, strlen(p->excerpt), 120));
                goto out;
            }
        }
    }
    if (usable && p->redirected)
        VERDICT_LIT(v, KZ_VERIFY_ERROR, "redirected", "sent to another page without the flagged "
                    "text (a log-in wall? add a removal marker for it)");
    else if (usable)
        VERDICT_LIT(v, KZ_VERIFY_GONE, "hash-absent", "neither the flagged text nor the content "
                    "hash is on the page");
    else
        VERDICT_LIT(v, KZ_VERIFY_ERROR, "no-evidence", "no flagged text left to look for "
                    "(purged?) and the content hash differs");
out:
    kz_buf_release(&text);
    kz_buf_release(&page);
    kz_buf_release(&probe);
    if (rc == KZ_ETOOBIG) {                       /* a page too big to read is not a verdict */
        VERDICT_LIT(v, KZ_VERIFY_ERROR, "too-big", "visible text over the limit");
        rc = 0;
    }
    return rc;
}

/* ---- recording --------------------------------------------------------------- */

int kz_verify_record(kz_store *s, const char *actor, const kz_verify_check *c,
                     int64_t *check_id, int *was_gone)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    kz_jw before, after;
    char old[16] = "";
    int64_t id = 0;
    int rc;
    kz_jw_init(&before);
    kz_jw_init(&after);
    kz_dbval pi[] = { kz_dbint(c->item_id) };
    if ((rc = kz_db_query(db, "SELECT online_status FROM items WHERE id = $1", pi, 1, &r)))
        goto out;
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *t = kz_dbres_text(r, 0, NULL);
        snprintf(old, sizeof old, "%s", t ? t : "");
        rc = 0;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    if (rc)
        goto out;
    int gone_before = !strcmp(old, "removed");
    const char *detail = c->detail && *c->detail ? c->detail : NULL;
    kz_dbval p[] = { kz_dbint(c->item_id), kz_dbstr(c->checked_at), kz_dbstr(c->url),
                     c->http_status ? kz_dbint(c->http_status) : kz_dbnull(),
                     kz_dbstr(kz_verify_outcome_name(c->outcome)), kz_dbstr(c->why),
                     kz_dbstr(detail) };
    if ((rc = kz_db_int(db, "INSERT INTO item_checks (item_id, checked_at, url, http_status, "
                            "outcome, why, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                            "RETURNING id", p, 7, &id)))
        goto out;
    kz_dbval u[] = { kz_dbstr(c->checked_at), kz_dbint(c->item_id) };
    const char *now_status = old;
    if (c->outcome == KZ_VERIFY_GONE) {
        now_status = "removed";
        rc = kz_db_query(db, "UPDATE items SET online_status = 'removed', checked_at = $1, "
                             "gone_at = COALESCE(gone_at, $1), removed_at = COALESCE(removed_at, "
                             "$1) WHERE id = $2", u, 2, NULL);
    } else if (c->outcome == KZ_VERIFY_PRESENT) {
        now_status = "online";
        rc = kz_db_query(db, "UPDATE items SET returned_at = CASE WHEN online_status = 'removed' "
                             "THEN $1 ELSE returned_at END, online_status = 'online', "
                             "checked_at = $1, gone_at = NULL, removed_at = NULL WHERE id = $2",
                         u, 2, NULL);
    }
    if (rc)
        goto out;
    kz_jw_raw(&before, "{");
    kz_jw_str(&before, "online_status", old);
    kz_jw_raw(&before, "}");
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "online_status", now_status);
    kz_jw_int(&after, "check_id", id);
    kz_jw_str(&after, "checked_at", c->checked_at);
    kz_jw_str(&after, "outcome", kz_verify_outcome_name(c->outcome));
    kz_jw_str(&after, "why", c->why);
    if (c->http_status)
        kz_jw_int(&after, "http_status", c->http_status);
    else
        kz_jw_str(&after, "http_status", NULL);
    kz_jw_raw(&after, "}");
    if ((rc = before.rc ? before.rc : after.rc) != 0)
        goto out;
    if ((rc = kz_store_audit(s, actor, "item.check", "item", c->item_id, before.b.p, after.b.p)))
        goto out;
    if (check_id)
        *check_id = id;
    if (was_gone)
        *was_gone = gone_before;
out:
    kz_jw_release(&before);
    kz_jw_release(&after);
    return rc;
}

/* ---- a run ------------------------------------------------------------------ */

/* An item due.  What to compare with (hash, excerpt, evidence) is read
 * when its fetch is done (struct vevid), so a run over many items holds
 * only their URLs. */
struct vitem {
    int64_t id;
    char   *url, *host;     /* host: NULL when the URL does not parse */
    int     hidx;           /* its host in vrun.hosts; -1: no usable URL */
};

struct vevid {
    char   *sha, *excerpt;
    char  **ev;
    size_t  nev, cap;
};

/* A host's items are ord[start .. start + count); pos of them started. */
struct vhost { size_t start, count, pos; int inflight; };

struct vrun {
    kz_store                *s;
    const kz_verify_opts    *o;
    const kz_verify_markers *markers;
    kz_norm                 *nm;
    kz_verify_fn             fn;
    void                    *arg;
    struct vhost            *hosts;
    size_t                   nhosts;
    int                      rc;
};

static void vitem_release(struct vitem *it)
{
    free(it->url);
    free(it->host);
}

static void vevid_release(struct vevid *e)
{
    free(e->sha);
    free(e->excerpt);
    for (size_t i = 0; i < e->nev; i++)
        free(e->ev[i]);
    free(e->ev);
    memset(e, 0, sizeof *e);
}

static char *dup_col(kz_dbres *r, int col)
{
    size_t n = 0;
    const char *t = kz_dbres_text(r, col, &n);
    return t ? kz_strndup(t, n) : NULL;
}

static void time_fmt(time_t t, char out[21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The items due, each with its evidence. */
static int select_items(kz_store *s, const kz_verify_opts *o, struct vitem **out, size_t *nout)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    struct vitem *v = NULL;
    size_t n = 0, cap = 0;
    char now[21], due[21];
    int rc;
    kz_store_now(now);
    time_fmt(time(NULL) - (time_t)(o->every > 0 ? o->every : 0), due);
    kz_dbval p[] = { kz_dbstr(now), kz_dbstr(due), kz_dbint(o->case_id) };
    rc = kz_db_query(db,
        "SELECT i.id, i.url FROM items i WHERE i.url IS NOT NULL AND ($3 = 0 OR i.id = (SELECT "
        "item_id FROM cases WHERE id = $3)) "
        "AND ($3 <> 0 OR i.checked_at IS NULL OR i.checked_at <= $2) AND EXISTS (SELECT 1 FROM cases c "
        "JOIN decisions d ON d.case_id = c.id WHERE c.item_id = i.id AND d.id = (SELECT "
        "MAX(d2.id) FROM decisions d2 WHERE d2.case_id = c.id) AND d.measure IN "
        "('removal_request', 'geo_restriction', 'url_block', 'domain_block') AND "
        "d.reversed_at IS NULL AND (d.approved_by IS NOT NULL OR d.measure IN "
        "('removal_request', 'geo_restriction')) AND (d.ends_at IS NULL OR d.ends_at > $1) "
        "AND c.state NOT IN ('reversed', 'awaiting_approval')) ORDER BY i.id", p, 3, &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        if (o->limit && n >= o->limit)
            continue;
        if (KZ_GROW(v, cap, n + 1)) {
            rc = KZ_ENOMEM;
            break;
        }
        memset(&v[n], 0, sizeof v[n]);
        v[n].id = kz_dbres_int(r, 0);
        v[n].url = dup_col(r, 1);
        n++;
        if (!v[n - 1].url) {
            rc = KZ_ENOMEM;
            break;
        }
    }
    kz_dbres_done(r);
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            vitem_release(&v[i]);
        free(v);
        return rc;
    }
    *out = v;
    *nout = n;
    return 0;
}

/* What item id is compared with: its content hash, excerpt, and the
 * flagged texts of its rule and regex detections. */
static int load_evidence(kz_store *s, int64_t id, struct vevid *e)
{
    kz_db *db = kz_store_db(s);
    kz_dbres *r = NULL;
    kz_dbval q[] = { kz_dbint(id) };
    int rc = kz_db_query(db, "SELECT content_sha256, excerpt FROM items WHERE id = $1", q, 1, &r);
    if (rc)
        return rc;
    if ((rc = kz_dbres_next(r)) == 1) {
        e->sha = dup_col(r, 0);
        e->excerpt = dup_col(r, 1);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return rc;
    if ((rc = kz_db_query(db, "SELECT evidence FROM detections WHERE item_id = $1 AND method "
                              "<> 'hash' AND evidence IS NOT NULL ORDER BY id", q, 1, &r)))
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        if (KZ_GROW(e->ev, e->cap, e->nev + 1) || !(e->ev[e->nev] = dup_col(r, 0))) {
            rc = KZ_ENOMEM;
            break;
        }
        e->nev++;
    }
    kz_dbres_done(r);
    return rc < 0 ? rc : 0;
}

static int host_of(const char *url, char *out, size_t n)
{
    kz_url u;
    kz_url_init(&u);
    int rc = kz_url_parse(&u, url, strlen(url));
    out[0] = '\0';
    if (!rc) {
        size_t hl = u.host_len < n ? u.host_len : n - 1;
        memcpy(out, u.text.p + u.host_off, hl);
        out[hl] = '\0';
    }
    kz_url_release(&u);
    return rc;
}

static int by_host(const void *a, const void *b)
{
    const struct vitem *x = *(struct vitem *const *)a, *y = *(struct vitem *const *)b;
    int k = strcmp(x->host, y->host);
    return k ? k : (x->id > y->id) - (x->id < y->id);
}

/* Group the items with a usable URL by host (sorted, so n log n however
 * many hosts): g->hosts, and ord, their items host by host. */
static int group_hosts(struct vrun *g, struct vitem *items, size_t n, struct vitem ***ord,
                       size_t *nord)
{
    struct vitem **o = kz_calloc(n ? n : 1, sizeof *o);
    size_t k = 0;
    if (!o)
        return KZ_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (items[i].hidx == 0)
            o[k++] = &items[i];
    qsort(o, k, sizeof *o, by_host);
    if (!(g->hosts = kz_calloc(k ? k : 1, sizeof *g->hosts))) {
        free(o);
        return KZ_ENOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        if (!i || strcmp(o[i]->host, o[i - 1]->host))
            g->hosts[g->nhosts++].start = i;
        g->hosts[g->nhosts - 1].count++;
        o[i]->hidx = (int)(g->nhosts - 1);
    }
    *ord = o;
    *nord = k;
    return 0;
}

static void report(struct vrun *g, struct vitem *it, const kz_fetch_result *r,
                   const kz_verify_verdict *vd)
{
    char now[21];
    kz_store_now(now);
    kz_verify_check c = { it->id, it->url, now, r ? r->status : 0, vd->outcome, vd->why,
                          vd->detail };
    int rc = g->fn(g->arg, &c);
    if (rc && !g->rc)
        g->rc = rc;
}

/* Do a and b name the same page (host, path and query; http or https)? */
static int same_page(const char *a, const char *b)
{
    kz_buf x, y;
    int same = 0;
    kz_buf_init(&x, KZ_BUF_NOLIMIT);
    kz_buf_init(&y, KZ_BUF_NOLIMIT);
    if (kz_url_canon(a, strlen(a), &x, NULL) == 0 && kz_url_canon(b, strlen(b), &y, NULL) == 0) {
        const char *p = strstr(x.p, "://"), *q = strstr(y.p, "://");
        same = p && q && !strcmp(p, q);
    }
    kz_buf_release(&x);
    kz_buf_release(&y);
    return same;
}

static void on_done(void *arg, const kz_fetch_result *r)
{
    struct vrun *g = arg;
    struct vitem *it = r->user;
    kz_verify_verdict vd;
    char fh[256] = "";
    if (it->hidx >= 0)
        g->hosts[it->hidx].inflight--;
    if (r->final_url && *r->final_url)
        host_of(r->final_url, fh, sizeof fh);
    int moved = r->redirects > 0 && r->final_url && !same_page(it->url, r->final_url);
    struct vevid e;
    memset(&e, 0, sizeof e);
    int rc = load_evidence(g->s, it->id, &e);
    kz_verify_page p = { it->host, fh, moved, r->kind, r->errmsg, r->status, r->content_type,
                         r->body, r->body_len, e.sha, (const char *const *)e.ev, e.nev,
                         e.excerpt };
    if (!rc)
        rc = kz_verify_classify(g->markers, g->nm, &p, &vd);
    if (!rc && !strcmp(vd.why, "redirected") && r->final_url)
        snprintf(vd.detail, sizeof vd.detail, "to %s (a log-in wall? add a removal marker)",
                 r->final_url);
    vevid_release(&e);
    if (rc) {
        if (!g->rc)
            g->rc = rc;
        return;
    }
    report(g, it, r, &vd);
}

int kz_verify_run(kz_store *s, const kz_verify_opts *o, kz_verify_fn fn, void *arg,
                  size_t *selected)
{
    struct vitem *items = NULL, **ord = NULL;
    size_t n = 0, nord = 0, nactive = 0, *active = NULL;
    kz_fetch *f = NULL;
    kz_verify_markers *own = NULL;
    struct vrun g;
    kz_fetch_opts fo;
    int rc;
    memset(&g, 0, sizeof g);
    if (selected)
        *selected = 0;
    if (!o || !fn)
        return KZ_EINVAL;
    fo = o->fetch;              /* the defaults of a removal check */
    if (!fo.user_agent)
        fo.user_agent = KZ_VERIFY_USER_AGENT;
    if (!fo.connect_timeout_ms && !fo.low_speed_secs)
        kz_fetch_opts_timeout(&fo, fo.timeout_ms);
    if (!fo.max_parallel)
        fo.max_parallel = 16;
    if (kz_fetch_global_init() != 0)
        return KZ_EINTERNAL;
    g.s = s;
    g.o = o;
    g.fn = fn;
    g.arg = arg;
    g.markers = o->markers;
    if (!g.markers) {
        if ((rc = kz_verify_markers_new(&own, 1)) != 0)
            return rc;
        g.markers = own;
    }
    if ((rc = select_items(s, o, &items, &n)) != 0)
        goto out;
    if (selected)
        *selected = n;
    rc = KZ_ENOMEM;
    if (!(g.nm = kz_norm_new()))
        goto out;
    if ((rc = kz_fetch_new(&f, &fo)) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char h[256];
        items[i].hidx = -1;
        if (host_of(items[i].url, h, sizeof h) == 0) {
            if (!(items[i].host = kz_strdup(h))) {
                rc = KZ_ENOMEM;
                goto out;
            }
            items[i].hidx = 0;
        }
    }
    if ((rc = group_hosts(&g, items, n, &ord, &nord)) != 0)
        goto out;
    for (size_t i = 0; i < n && !g.rc; i++) {
        if (items[i].hidx < 0) {                    /* no usable URL: an error, no fetch */
            kz_verify_verdict vd;
            VERDICT_LIT(&vd, KZ_VERIFY_ERROR, "url", "the item's URL does not parse");
            report(&g, &items[i], NULL, &vd);
        }
    }
    rc = KZ_ENOMEM;
    if (!(active = kz_calloc(g.nhosts ? g.nhosts : 1, sizeof *active)))
        goto out;
    for (size_t h = 0; h < g.nhosts; h++)
        active[nactive++] = h;
    for (;;) {
        if (g.rc) {
            rc = g.rc;
            goto out;
        }
        /* start what the global and per-host limits allow; a host with
         * nothing left leaves the active list, so a pass costs what it
         * starts plus the hosts at their limit (at most the fetches in
         * flight) */
        for (size_t k = 0; k < nactive && kz_fetch_has_room(f);) {
            struct vhost *h = &g.hosts[active[k]];
            if (h->inflight >= KZ_VERIFY_PER_HOST) {
                k++;
                continue;
            }
            struct vitem *it = ord[h->start + h->pos++];
            if ((rc = kz_fetch_add(f, it->url, it)) != 0)
                goto out;
            h->inflight++;
            if (h->pos == h->count)
                active[k] = active[--nactive];
        }
        if (nactive == 0 && kz_fetch_running(f) == 0)
            break;
        if ((rc = kz_fetch_poll(f, 1000, on_done, &g)) < 0)
            goto out;
        if (g.rc) {
            rc = g.rc;
            goto out;
        }
    }
    rc = g.rc;
out:
    kz_fetch_free(&f);
    kz_norm_free(g.nm);
    free(g.hosts);
    free(ord);
    free(active);
    for (size_t i = 0; i < n; i++)
        vitem_release(&items[i]);
    free(items);
    kz_verify_markers_free(&own);
    return rc;
}
