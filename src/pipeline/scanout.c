/*
 * pipeline/scanout.c - a scan's findings as JSON, for `kuzet scan` and
 * the server (pipeline/scanout.h).
 */
#include "scanout.h"

/* each append only when all before it worked */
#define ADD(call) do { if (!rc) rc = (call); } while (0)

/* "flagged":[...],"score":{...},"hits":[...] and the counts after them */
static int add_findings(kz_buf *o, const kz_scanner *s, const kz_result *r, const char *text)
{
    int rc = 0, first = 1;
    ADD(kz_buf_adds(o, "\"flagged\":["));
    for (size_t c = 0; c < kz_scanner_ncats(s); c++)
        if (r->flagged[c]) {
            const char *cat = kz_scanner_cat_name(s, c);
            if (!first) ADD(kz_buf_addc(o, ','));
            ADD(kz_buf_add_json_str(o, cat, strlen(cat)));
            first = 0;
        }
    ADD(kz_buf_adds(o, "],\"score\":{"));
    first = 1;
    for (size_t c = 0; c < kz_scanner_ncats(s); c++)
        if (r->score[c]) {
            const char *cat = kz_scanner_cat_name(s, c);
            if (!first) ADD(kz_buf_addc(o, ','));
            ADD(kz_buf_add_json_str(o, cat, strlen(cat)));
            ADD(kz_buf_addc(o, ':'));
            ADD(kz_buf_add_uint(o, r->score[c]));
            first = 0;
        }
    ADD(kz_buf_adds(o, "},\"hits\":["));
    for (size_t i = 0; i < r->nhits && !rc; i++) {
        const kz_hit *h = &r->hits[i];
        const char *id = kz_scanner_rule_id(s, h->rule);
        const char *cat = kz_scanner_cat_name(s, kz_scanner_rule_cat(s, h->rule));
        if (i) ADD(kz_buf_addc(o, ','));
        ADD(kz_buf_adds(o, "{\"rule\":"));
        ADD(kz_buf_add_json_str(o, id, strlen(id)));
        ADD(kz_buf_adds(o, ",\"category\":"));
        ADD(kz_buf_add_json_str(o, cat, strlen(cat)));
        ADD(kz_buf_adds(o, ",\"start\":"));
        ADD(kz_buf_add_uint(o, h->start));
        ADD(kz_buf_adds(o, ",\"end\":"));
        ADD(kz_buf_add_uint(o, h->end));
        ADD(kz_buf_adds(o, ",\"match\":"));
        ADD(kz_buf_add_json_str(o, text + h->start, h->end - h->start));
        ADD(kz_buf_addc(o, '}'));
    }
    ADD(kz_buf_addc(o, ']'));
    if (r->hits_dropped)
        ADD(kz_buf_addf(o, ",\"hits_dropped\":%zu", r->hits_dropped));
    if (r->invalid_utf8)
        ADD(kz_buf_addf(o, ",\"invalid_utf8\":%zu", r->invalid_utf8));
    return rc;
}

int kz_scanout_record(kz_buf *o, const kz_scanner *s, const kz_record *rec, size_t line,
                      const kz_result *r)
{
    size_t mark = o->len;
    int rc = 0;
    ADD(kz_buf_adds(o, "{\"id\":"));
    if (!rec->id)
        ADD(kz_buf_adds(o, "null"));
    else if (rec->id_is_number)
        ADD(kz_buf_add(o, rec->id, rec->id_len));
    else
        ADD(kz_buf_add_json_str(o, rec->id, rec->id_len));
    if (line) {
        ADD(kz_buf_adds(o, ",\"line\":"));
        ADD(kz_buf_add_uint(o, line));
    }
    ADD(kz_buf_addc(o, ','));
    ADD(add_findings(o, s, r, rec->text));
    if (rec->from_html)
        ADD(kz_buf_adds(o, ",\"text_from\":\"html\""));
    ADD(kz_buf_adds(o, "}\n"));
    if (rc) {
        o->len = mark;
        if (o->p)
            o->p[mark] = '\0';
    }
    return rc;
}

int kz_scanout_one(const kz_scanout_job *j, const kz_record *rec, size_t line, kz_buf *out,
                   kz_buf *err, kz_scanout_counts *c)
{
    kz_result r;
    int rc = kz_scan(j->sc, rec->text, rec->text_len, &r);
    if (rc) {
        c->rejected++;
        return kz_buf_addf(err, "%s:%zu: cannot scan: %s\n", j->path, line, kz_strerror(rc));
    }
    c->records++;
    if (r.nflagged)
        c->flagged++;
    if (r.nflagged || !j->flagged_only)
        return kz_scanout_record(out, j->scanner, rec, line, &r);
    return 0;
}

int kz_scanout_lines(const kz_scanout_job *j, const char *p, size_t n, size_t first_line,
                     const size_t *overlong, size_t noverlong, kz_buf *out, kz_buf *err,
                     kz_scanout_counts *c)
{
    const char *end = p + n;
    size_t line = first_line, oi = 0;
    int rc = 0;
    memset(c, 0, sizeof *c);
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        if (oi < noverlong && overlong[oi] == line) {
            rc = kz_buf_addf(err, "%s:%zu: line is longer than the limit of %zu bytes; skipped\n",
                             j->path, line, j->max_record);
            c->rejected++;
            oi++;
        } else {
            size_t k = len;
            while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t'))
                k--;
            if (k > 0) {
                kz_record rec;
                if (kz_jsonl_parse(j->jl, p, len, &rec) != 0) {
                    rc = kz_buf_addf(err, "%s:%zu: %s\n", j->path, line, kz_jsonl_errmsg(j->jl));
                    c->rejected++;
                } else {
                    rc = kz_scanout_one(j, &rec, line, out, err, c);
                }
            }
        }
        line++;
        p = nl ? nl + 1 : end;
    }
    return rc;
}

void kz_ruletest_release(kz_ruletest *t)
{
    if (!t)
        return;
    free(t->flagged);
    free(t->hits);
    memset(t, 0, sizeof *t);
}

int kz_ruletest_run(const kz_scanner *s, kz_scan_ctx *sc, kz_norm *nm, const char *text,
                    size_t n, kz_ruletest *t)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    t->text = text;
    t->len = n;
    int rc = kz_norm_run(nm, text, n, &t->norm);
    /* the scan normalizes again (with its own normalizer): t->norm stays */
    ADD(kz_scan(sc, text, n, &t->res));
    if (rc)
        goto out;
    t->normalized = t->norm.text;
    t->normalized_len = t->norm.len;
    t->hits_dropped = t->res.hits_dropped;
    t->invalid_utf8 = t->res.invalid_utf8;
    if ((t->res.nflagged && !(t->flagged = kz_calloc(t->res.nflagged, sizeof *t->flagged))) ||
        (t->res.nhits && !(t->hits = kz_calloc(t->res.nhits, sizeof *t->hits)))) {
        rc = KZ_ENOMEM;
        goto out;
    }
    for (size_t c = 0; c < kz_scanner_ncats(s) && t->nflagged < t->res.nflagged; c++)
        if (t->res.flagged[c])
            t->flagged[t->nflagged++] = kz_scanner_cat_name(s, c);
    for (size_t i = 0; i < t->res.nhits; i++) {
        const kz_hit *h = &t->res.hits[i];
        kz_ruletest_hit *x = &t->hits[t->nhits++];
        x->rule = kz_scanner_rule_id(s, h->rule);
        x->category = kz_scanner_cat_name(s, kz_scanner_rule_cat(s, h->rule));
        x->start = h->start;
        x->end = h->end;
    }
out:
    if (rc)
        kz_ruletest_release(t);
    return rc;
}

int kz_ruletest_json(const kz_ruletest *t, kz_buf *o)
{
    size_t mark = o->len;
    int rc = 0;
    ADD(kz_buf_adds(o, "{\"normalized\":"));
    ADD(kz_buf_add_json_str(o, t->norm.text, t->norm.len));
    ADD(kz_buf_adds(o, ",\"words\":["));
    for (size_t i = 0; i < t->norm.nwords && !rc; i++) {
        const kz_token *tk = &t->norm.words[i];
        kz_buf w;
        kz_buf_init(&w, KZ_BUF_NOLIMIT);
        for (uint32_t k = 0; k < tk->nsp && !rc; k++) {
            if (k) rc = kz_buf_addc(&w, '|');
            ADD(kz_buf_add(&w, tk->sp[k].s, tk->sp[k].len));
        }
        if (i) ADD(kz_buf_addc(o, ','));
        ADD(kz_buf_add_json_str(o, w.p ? w.p : "", w.len));
        kz_buf_release(&w);
    }
    ADD(kz_buf_adds(o, "],"));
    ADD(add_findings(o, t->s, &t->res, t->text));
    ADD(kz_buf_adds(o, "}\n"));
    if (rc) {
        o->len = mark;
        if (o->p)
            o->p[mark] = '\0';
    }
    return rc;
}

int kz_scanout_test(kz_buf *o, const kz_scanner *s, kz_scan_ctx *sc, kz_norm *nm,
                    const char *text, size_t n)
{
    kz_ruletest t;
    int rc = kz_ruletest_run(s, sc, nm, text, n, &t);
    if (!rc)
        rc = kz_ruletest_json(&t, o);
    kz_ruletest_release(&t);
    return rc;
}

int kz_scanout_rules(kz_buf *b, const kz_scanner *s)
{
    int rc = kz_buf_adds(b, "{\"categories\":[");
    for (size_t c = 0; c < kz_scanner_ncats(s) && !rc; c++) {
        const char *n = kz_scanner_cat_name(s, c);
        rc = kz_buf_adds(b, c ? ",{\"name\":" : "{\"name\":");
        if (!rc) rc = kz_buf_add_json_str(b, n, strlen(n));
        if (!rc) rc = kz_buf_addf(b, ",\"threshold\":%d}", kz_scanner_cat_threshold(s, c));
    }
    if (!rc) rc = kz_buf_adds(b, "],\"rules\":[");
    for (size_t i = 0; i < kz_scanner_nrules(s) && !rc; i++) {
        const char *id = kz_scanner_rule_id(s, i);
        const char *cat = kz_scanner_cat_name(s, kz_scanner_rule_cat(s, i));
        rc = kz_buf_adds(b, i ? ",{\"id\":" : "{\"id\":");
        if (!rc) rc = kz_buf_add_json_str(b, id, strlen(id));
        if (!rc) rc = kz_buf_adds(b, ",\"category\":");
        if (!rc) rc = kz_buf_add_json_str(b, cat, strlen(cat));
        if (!rc) rc = kz_buf_addf(b, ",\"weight\":%d}", kz_scanner_rule_weight(s, i));
    }
    return rc ? rc : kz_buf_adds(b, "]}\n");
}

/* The lines of in (each ending in '\n') into b joined with commas: as they
 * are (JSON objects), or each as a JSON string. */
static int join_lines(kz_buf *b, const kz_buf *in, int as_strings)
{
    int rc = 0;
    for (size_t i = 0, k = 0; !rc && i < in->len; k++) {
        const char *nl = memchr(in->p + i, '\n', in->len - i);
        size_t e = nl ? (size_t)(nl - in->p) : in->len;
        if (k) rc = kz_buf_addc(b, ',');
        if (!rc) rc = as_strings ? kz_buf_add_json_str(b, in->p + i, e - i)
                                 : kz_buf_add(b, in->p + i, e - i);
        i = e + 1;
    }
    return rc;
}

int kz_scanout_document(const kz_scanout_job *j, const char *p, size_t n, kz_buf *b)
{
    kz_scanout_counts c;
    kz_buf out, err;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    kz_buf_init(&err, KZ_BUF_NOLIMIT);
    /* a line over the limit is kz_jsonl's error ("over the limit"): the
     * whole body is in memory, so no line is skipped unread */
    int rc = kz_scanout_lines(j, p ? p : "", n, 1, NULL, 0, &out, &err, &c);
    if (!rc)
        rc = kz_buf_addf(b, "{\"records\":%zu,\"flagged\":%zu,\"rejected\":%zu,\"results\":[",
                         c.records, c.flagged, c.rejected);
    if (!rc) rc = join_lines(b, &out, 0);
    if (!rc) rc = kz_buf_adds(b, "],\"errors\":[");
    if (!rc) rc = join_lines(b, &err, 1);
    if (!rc) rc = kz_buf_adds(b, "]}\n");
    kz_buf_release(&out);
    kz_buf_release(&err);
    return rc;
}
