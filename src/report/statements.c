/*
 * report/statements.c - statements of reasons for the DSA Transparency
 * Database (report/statements.h, docs/statements.md): one per restriction
 * that took effect in a period, built from structured rows only.
 *
 * What goes in is chosen so that no personal data can: enumerations,
 * dates, the decision's legal basis (a citation of a law), its territorial
 * scope, and sentences assembled here from fixed phrases.  Never the
 * item's URL, excerpt or text, its detections' evidence, the decision's
 * free-text reasons, notices' answers, or any account's name.
 */
#include "report/statements.h"
#include "report/report.h"

#define MAX_LEGAL_GROUND 500        /* characters, the API's limits */
#define MAX_EXPLANATION  2000
#define MAX_FACTS        5000
#define DATE_MIN_CONTENT "2000-01-01"
#define DATE_MIN_APPLIED "2020-01-01"
#define DATE_MAX         "2038-01-01"

/* kuzet's categories and the database's (category, category_specification
 * keyword), and what the content was found to be. */
static const struct cat_map {
    const char *kuzet, *category, *keyword, *what;
} cats[] = {
    { "terrorism", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT",
      "terrorist content" },
    { "extremism", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
      "KEYWORD_INCITEMENT_VIOLENCE_HATRED", "a call or incitement to violence or hatred" },
    { "hate", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH",
      "illegal incitement to violence and hatred based on protected characteristics" },
    { "csam", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
      "child sexual abuse material" },
    { "suicide", "STATEMENT_CATEGORY_SELF_HARM", "KEYWORD_SUICIDE",
      "content promoting or instructing suicide" },
    { "drugs", "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "KEYWORD_PROHIBITED_PRODUCTS",
      "an offer of narcotic drugs" },
    { "weapons", "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
      "KEYWORD_PROHIBITED_PRODUCTS", "an offer of prohibited weapons" },
    { "gambling", "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
      "KEYWORD_GOODS_SERVICES_NOT_PERMITTED", "an offer of illegal gambling services" },
    { "fraud", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", NULL, "a scam or fraud" },
    { "bullying", "STATEMENT_CATEGORY_CYBER_VIOLENCE", "KEYWORD_CYBER_BULLYING_INTIMIDATION",
      "cyber bullying and intimidation" },
};

/* kuzet's measures: the visibility restriction, the one for "other", and
 * what was decided, as a phrase. */
static const struct measure_map {
    const char *measure, *visibility, *other, *decided;
} measures[] = {
    { "removal_request", "DECISION_VISIBILITY_CONTENT_REMOVED", NULL,
      "to request the hosting platform to remove the content" },
    { "geo_restriction", "DECISION_VISIBILITY_CONTENT_DISABLED", NULL,
      "to request the hosting platform to disable access to the content within the "
      "territorial scope of the decision" },
    { "url_block", "DECISION_VISIBILITY_CONTENT_DISABLED", NULL,
      "to have internet access providers block access to the URL of the content" },
    { "domain_block", "DECISION_VISIBILITY_OTHER",
      "Access to the whole domain hosting the content blocked by internet access providers",
      "to have internet access providers block access to the whole domain hosting the "
      "content" },
};

/* The countries territorial_scope may name (EU and EEA, the database's
 * EuropeanCountriesService::EUROPEAN_COUNTRY_CODES). */
static const char eu_eea[] = "ATBEBGCYCZDEDKEEESFIFRGRHRHUIEISITLILTLULVMTNLNOPLPTROSESISK";

/* ISO 639-1, the codes content_language may take (uppercase). */
static const char iso639[] =
    "ABAAAFAKSQAMARANHYASAVAEAYAZBMBAEUBEBNBHBIBSBRBGMYCAKMCHCENYZHCUCVKWCOCRHRCSDADVNLDZEN"
    "EOETEEFOFJFIFRFFGDGLLGKADEKIELKLGNGUHTHAHEHZHIHOHUISIOIGIDIAIEIUIKGAITJAJVKNKRKSKKRWKV"
    "KGKOKJKUKYLOLALVLBLILNLTLUMKMGMSMLMTGVMIMRMHROMNNANVNDNGNESENONBNNIIOCOJOROMOSPIPAPSFA"
    "PLPTQURMRNRUSMSGSASCSRSNSDSISKSLSOSTNRESSUSWSSSVTLTYTGTATTTETHBOTITOTSTNTRTKTWUGUKURUZ"
    "VEVIVOWACYFYWOXHYIYOZAZU";

struct stmt {
    int64_t     id;
    const struct measure_map *m;
    const struct cat_map     *c;
    char        end_date[11];       /* "" when none */
    char       *legal_ground, *explanation, *facts;
    int         image, text;
    char       *scope;              /* the EU/EEA codes, JSON array text; NULL when none */
    char        lang[3];            /* "" when none */
    char        content_date[11], application_date[11];
    int         auto_detect;
    char        puid[48];
};

struct skip { int64_t id; char why[160]; };

struct kz_statements {
    struct stmt *s;
    size_t       n, cap;
    struct skip *k;
    size_t       nk, kcap;
};

static void stmt_release(struct stmt *t)
{
    free(t->legal_ground);
    free(t->explanation);
    free(t->facts);
    free(t->scope);
}

void kz_statements_free(kz_statements **sp)
{
    if (!sp || !*sp)
        return;
    for (size_t i = 0; i < (*sp)->n; i++)
        stmt_release(&(*sp)->s[i]);
    free((*sp)->s);
    free((*sp)->k);
    free(*sp);
    *sp = NULL;
}

size_t kz_statements_count(const kz_statements *st) { return st ? st->n : 0; }
size_t kz_statements_nskipped(const kz_statements *st) { return st ? st->nk : 0; }

int kz_statements_skipped(const kz_statements *st, size_t i, int64_t *decision_id,
                          const char **why)
{
    if (!st || i >= st->nk)
        return KZ_ENOTFOUND;
    *decision_id = st->k[i].id;
    *why = st->k[i].why;
    return 0;
}

/* ---- building ------------------------------------------------------------------ */

/* The date part of a timestamp "YYYY-MM-DD...", when it is a valid date. */
static int date_of(const char *t, char out[11])
{
    out[0] = '\0';
    if (!t || strlen(t) < 10)
        return 0;
    memcpy(out, t, 10);
    out[10] = '\0';
    if (!kz_report_date_ok(out)) {
        out[0] = '\0';
        return 0;
    }
    return 1;
}

/* s, valid UTF-8, trimmed of spaces and cut to at most max characters. */
static char *clip(const char *s, size_t max)
{
    kz_buf b;
    size_t chars = 0, i = 0;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if (!s)
        s = "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (kz_buf_add_utf8_clean(&b, s, strlen(s)) || kz_buf_addc(&b, '\0')) {
        kz_buf_release(&b);
        return NULL;
    }
    for (i = 0; i < b.len && b.p[i]; i++)
        if (((unsigned char)b.p[i] & 0xC0) != 0x80 && ++chars > max)
            break;
    while (i > 0 && (b.p[i - 1] == ' ' || b.p[i - 1] == '\n' || b.p[i - 1] == '\r' ||
                     b.p[i - 1] == '\t'))
        i--;
    b.p[i] = '\0';
    return b.p;
}

static int in_pairs(const char *list, const char *code)
{
    for (size_t i = 0; list[i]; i += 2)
        if (list[i] == code[0] && list[i + 1] == code[1])
            return 1;
    return 0;
}

/* The EU/EEA codes among a decision's scope ("KZ", "DE, AT", ...), as a
 * JSON array's text; *out NULL when there are none. */
static int eu_scope(const char *scope, char **out)
{
    kz_buf b;
    int n = 0, rc = 0;
    *out = NULL;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    for (const char *p = scope ? scope : ""; *p && !rc;) {
        size_t k = strcspn(p, " ,");
        if (k == 2 && in_pairs(eu_eea, p)) {
            char code[3] = { p[0], p[1], '\0' };
            int dup = b.p && strstr(b.p, code) != NULL;
            if (!dup)
                rc = kz_buf_addf(&b, "%s\"%s\"", n++ ? "," : "[", code);
        }
        p += k;
        while (*p == ' ' || *p == ',')
            p++;
    }
    if (!rc && n && !(rc = kz_buf_addc(&b, ']')))
        *out = b.p;
    else
        kz_buf_release(&b);
    return rc;
}

static int skip(kz_statements *st, int64_t id, const char *fmt, const char *arg)
{
    if (KZ_GROW(st->k, st->kcap, st->nk + 1))
        return KZ_ENOMEM;
    st->k[st->nk].id = id;
    snprintf(st->k[st->nk].why, sizeof st->k[st->nk].why, fmt, arg);
    st->nk++;
    return 0;
}

/* Row columns (see the query). */
enum { C_ID, C_MEASURE, C_SCOPE, C_ENDS, C_BASIS, C_AUTO, C_APPLIED, C_CATEGORY, C_PUBLISHED,
       C_FIRST_SEEN, C_LANG, C_MEDIA, C_TEXT, C_RULE, C_HASH };

static int build_one(kz_statements *st, kz_dbres *r)
{
    struct stmt t;
    kz_buf f;
    int rc = 0;
    const char *measure = kz_dbres_text(r, C_MEASURE, NULL),
               *cat = kz_dbres_text(r, C_CATEGORY, NULL);
    memset(&t, 0, sizeof t);
    t.id = kz_dbres_int(r, C_ID);
    for (size_t i = 0; i < KZ_ARRAY_LEN(measures) && !t.m; i++)
        if (measure && !strcmp(measure, measures[i].measure))
            t.m = &measures[i];
    for (size_t i = 0; i < KZ_ARRAY_LEN(cats) && !t.c; i++)
        if (cat && !strcmp(cat, cats[i].kuzet))
            t.c = &cats[i];
    if (!t.m)
        return skip(st, t.id, "measure '%.40s' restricts nothing", measure ? measure : "");
    if (!t.c)
        return skip(st, t.id, "category '%.40s' has no DSA statement category "
                    "(docs/statements.md)", cat ? cat : "");
    /* application_date: when it took effect */
    if (!date_of(kz_dbres_text(r, C_APPLIED, NULL), t.application_date) ||
        strcmp(t.application_date, DATE_MIN_APPLIED) < 0 ||
        strcmp(t.application_date, DATE_MAX) > 0)
        return skip(st, t.id, "application date '%.20s' is outside 2020-01-01..2038-01-01",
                    t.application_date);
    /* content_date: when it was published, else when kuzet first saw it,
     * and never after the decision (it was online by then) */
    if (!date_of(kz_dbres_text(r, C_PUBLISHED, NULL), t.content_date) ||
        strcmp(t.content_date, DATE_MIN_CONTENT) < 0 ||
        strcmp(t.content_date, t.application_date) > 0) {
        date_of(kz_dbres_text(r, C_FIRST_SEEN, NULL), t.content_date);
        if (t.content_date[0] && strcmp(t.content_date, t.application_date) > 0)
            memcpy(t.content_date, t.application_date, sizeof t.content_date);
    }
    if (!t.content_date[0] || strcmp(t.content_date, DATE_MIN_CONTENT) < 0 ||
        strcmp(t.content_date, DATE_MAX) > 0)
        return skip(st, t.id, "no content date from 2000-01-01 on ('%.20s')", t.content_date);
    /* end of the restriction: only one the database takes */
    if (date_of(kz_dbres_text(r, C_ENDS, NULL), t.end_date) &&
        (strcmp(t.end_date, t.application_date) < 0 || strcmp(t.end_date, DATE_MAX) > 0))
        t.end_date[0] = '\0';
    const char *lang = kz_dbres_text(r, C_LANG, NULL);
    if (lang && strlen(lang) >= 2 && (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_')) {
        char up[3] = { (char)(lang[0] & ~0x20), (char)(lang[1] & ~0x20), '\0' };
        if (up[0] >= 'A' && up[0] <= 'Z' && up[1] >= 'A' && up[1] <= 'Z' && in_pairs(iso639, up))
            memcpy(t.lang, up, 3);
    }
    t.image = kz_dbres_int(r, C_MEDIA) > 0;
    t.text = kz_dbres_int(r, C_TEXT) > 0 || !t.image;
    t.auto_detect = kz_dbres_int(r, C_AUTO) != 0;
    snprintf(t.puid, sizeof t.puid, "kuzet-decision-%lld", (long long)t.id);

    kz_buf_init(&f, KZ_BUF_NOLIMIT);
    const char *scope = kz_dbres_text(r, C_SCOPE, NULL);
    int rule = kz_dbres_int(r, C_RULE) > 0, hash = kz_dbres_int(r, C_HASH) > 0;
    if (t.auto_detect)
        rc = kz_buf_addf(&f, "Detected by automated means (%s) in the monitoring of publicly "
                         "available content, then reviewed by a person.",
                         rule && hash ? "keyword or pattern rules and a hash list"
                         : hash      ? "a hash list of known content"
                                     : "keyword or pattern rules");
    else
        rc = kz_buf_adds(&f, "Found without automated detection and reviewed by a person.");
    if (!rc)
        rc = kz_buf_addf(&f, " The person decided %s, on the legal ground stated.", t.m->decided);
    if (!rc && (!strcmp(measure, "url_block") || !strcmp(measure, "domain_block")))
        rc = kz_buf_adds(&f, " A second person approved the block before it took effect.");
    if (!rc && scope && *scope)
        rc = kz_buf_adds(&f, " Territorial scope of the decision (ISO 3166): ");
    for (const char *p = scope ? scope : ""; *p && !rc;) {
        size_t k = strcspn(p, " ,");
        rc = kz_buf_add(&f, p, k);
        p += k;
        while (*p == ' ' || *p == ',')
            p++;
        if (!rc)
            rc = kz_buf_adds(&f, *p ? ", " : ".");
    }
    if (rc)
        goto fail;
    rc = KZ_ENOMEM;
    if (!(t.facts = clip(f.p, MAX_FACTS)))
        goto fail;
    kz_buf_reset(&f);
    if (kz_buf_addf(&f, "On review by a person, the content was found to be %s (kuzet category "
                        "'%s'), which the legal ground cited prohibits.", t.c->what, t.c->kuzet) ||
        !(t.explanation = clip(f.p, MAX_EXPLANATION)) ||
        !(t.legal_ground = clip(kz_dbres_text(r, C_BASIS, NULL), MAX_LEGAL_GROUND)))
        goto fail;
    if (!*t.legal_ground) {
        kz_buf_release(&f);
        stmt_release(&t);
        return skip(st, t.id, "no legal basis%s", "");
    }
    if ((rc = eu_scope(scope, &t.scope)))
        goto fail;
    rc = KZ_ENOMEM;
    if (KZ_GROW(st->s, st->cap, st->n + 1))
        goto fail;
    st->s[st->n++] = t;
    kz_buf_release(&f);
    return 0;
fail:
    kz_buf_release(&f);
    stmt_release(&t);
    return rc;
}

int kz_statements_compute(kz_store *s, const char *from, const char *to, kz_statements **out)
{
    char lo[21], hi[21];
    kz_dbres *r = NULL;
    kz_statements *st = NULL;
    int rc;
    *out = NULL;
    if ((rc = kz_report_bounds(from, to, lo, hi)))
        return rc;
    if (!(st = kz_calloc(1, sizeof *st)))
        return KZ_ENOMEM;
    kz_dbval p[] = { kz_dbstr(lo), kz_dbstr(hi) };
    rc = kz_db_query(kz_store_db(s),
        "SELECT d.id, d.measure, d.territorial_scope, d.ends_at, d.legal_basis, "
        "d.automated_detection, CASE WHEN d.measure IN ('url_block', 'domain_block') THEN "
        "d.approved_at ELSE d.decided_at END, c.category, i.published, i.first_seen, i.lang, "
        "(SELECT COUNT(*) FROM item_media m WHERE m.item_id = i.id), "
        "CASE WHEN COALESCE(i.content_full_len, 0) > 0 OR COALESCE(i.excerpt, '') <> '' THEN 1 "
        "ELSE 0 END, "
        "(SELECT COUNT(*) FROM detections x WHERE x.item_id = i.id AND x.category = c.category "
        "AND x.method IN ('rule', 'regex')), "
        "(SELECT COUNT(*) FROM detections x WHERE x.item_id = i.id AND x.category = c.category "
        "AND x.method = 'hash') "
        "FROM decisions d JOIN cases c ON c.id = d.case_id JOIN items i ON i.id = c.item_id "
        "WHERE d.measure <> 'no_action' AND ((d.measure IN ('url_block', 'domain_block') AND "
        "d.approved_at >= $1 AND d.approved_at < $2) OR (d.measure NOT IN ('url_block', "
        "'domain_block') AND d.decided_at >= $1 AND d.decided_at < $2)) ORDER BY d.id",
        p, 2, &r);
    if (rc)
        goto out;
    while ((rc = kz_dbres_next(r)) == 1)
        if ((rc = build_one(st, r)) != 0)
            goto out;
    if (rc < 0)
        goto out;
    rc = 0;
    *out = st;
    st = NULL;
out:
    kz_dbres_done(r);
    kz_statements_free(&st);
    return rc;
}

/* ---- output --------------------------------------------------------------------- */

/* The fields, in the order of the API documentation; both formats. */
static const char *const fields[] = {
    "decision_visibility", "decision_visibility_other", "end_date_visibility_restriction",
    "decision_ground", "illegal_content_legal_ground", "illegal_content_explanation",
    "content_type", "category", "category_specification", "territorial_scope",
    "content_language", "content_date", "application_date", "decision_facts", "source_type",
    "automated_detection", "automated_decision", "puid",
};

/* Field i of t into v: 0 absent, 1 a string, 2 JSON array text. */
static int field(const struct stmt *t, size_t i, kz_buf *v)
{
    kz_buf_reset(v);
    const char *s = NULL;
    switch (i) {
    case 0:
        return kz_buf_addf(v, "[\"%s\"]", t->m->visibility) ? -1 : 2;
    case 1: s = t->m->other; break;
    case 2: s = t->end_date[0] ? t->end_date : NULL; break;
    case 3: s = "DECISION_GROUND_ILLEGAL_CONTENT"; break;
    case 4: s = t->legal_ground; break;
    case 5: s = t->explanation; break;
    case 6:
        return kz_buf_addf(v, "[%s%s%s]", t->image ? "\"CONTENT_TYPE_IMAGE\"" : "",
                           t->image && t->text ? "," : "",
                           t->text ? "\"CONTENT_TYPE_TEXT\"" : "") ? -1 : 2;
    case 7: s = t->c->category; break;
    case 8:
        if (!t->c->keyword)
            return 0;
        return kz_buf_addf(v, "[\"%s\"]", t->c->keyword) ? -1 : 2;
    case 9:
        if (!t->scope)
            return 0;
        return kz_buf_adds(v, t->scope) ? -1 : 2;
    case 10: s = t->lang[0] ? t->lang : NULL; break;
    case 11: s = t->content_date; break;
    case 12: s = t->application_date; break;
    case 13: s = t->facts; break;
    case 14: s = "SOURCE_VOLUNTARY"; break;
    case 15: s = t->auto_detect ? "Yes" : "No"; break;
    case 16: s = "AUTOMATED_DECISION_NOT_AUTOMATED"; break;
    case 17: s = t->puid; break;
    }
    if (!s)
        return 0;
    return kz_buf_adds(v, s) ? -1 : 1;
}

static int stmt_json(const struct stmt *t, kz_buf *out, kz_buf *v)
{
    int rc = kz_buf_addc(out, '{'), first = 1;
    for (size_t i = 0; i < KZ_ARRAY_LEN(fields) && !rc; i++) {
        int k = field(t, i, v);
        if (k < 0)
            return KZ_ENOMEM;
        if (!k)
            continue;
        if ((!first && (rc = kz_buf_addc(out, ','))) ||
            (rc = kz_buf_add_json_str(out, fields[i], strlen(fields[i]))) ||
            (rc = kz_buf_addc(out, ':')))
            break;
        rc = k == 2 ? kz_buf_add(out, v->p, v->len) : kz_buf_add_json_str(out, v->p, v->len);
        first = 0;
    }
    return rc ? rc : kz_buf_addc(out, '}');
}

int kz_statements_json(const kz_statements *st, kz_buf *out)
{
    kz_buf v;
    int rc = 0;
    kz_buf_init(&v, KZ_BUF_NOLIMIT);
    for (size_t i = 0; i < st->n && !rc; i++) {
        if (i % KZ_STATEMENTS_BATCH == 0)
            rc = kz_buf_adds(out, "{\"statements\":[");
        else
            rc = kz_buf_addc(out, ',');
        if (!rc)
            rc = stmt_json(&st->s[i], out, &v);
        if (!rc && (i % KZ_STATEMENTS_BATCH == KZ_STATEMENTS_BATCH - 1 || i + 1 == st->n))
            rc = kz_buf_adds(out, "]}\n");
    }
    kz_buf_release(&v);
    return rc;
}

int kz_statements_json_doc(const kz_statements *st, kz_buf *out)
{
    kz_buf b;
    int rc;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if ((rc = kz_statements_json(st, &b)) || (rc = kz_buf_adds(out, "{\"batches\":[")))
        goto out;
    for (size_t i = 0; i < b.len && !rc; i++)         /* one batch a line: lines joined by ',' */
        rc = kz_buf_addc(out, b.p[i] != '\n' ? b.p[i] : i + 1 < b.len ? ',' : ']');
    if (!rc && !b.len)
        rc = kz_buf_addc(out, ']');
    if (!rc)
        rc = kz_buf_adds(out, ",\"left_out\":[");
    for (size_t i = 0; i < st->nk && !rc; i++) {
        if (!(rc = kz_buf_addf(out, "%s{\"decision_id\":%lld,\"why\":", i ? "," : "",
                               (long long)st->k[i].id)))
            rc = kz_buf_add_json_str(out, st->k[i].why, strlen(st->k[i].why));
        if (!rc)
            rc = kz_buf_addc(out, '}');
    }
    if (!rc)
        rc = kz_buf_adds(out, "]}\n");
out:
    kz_buf_release(&b);
    return rc;
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
static int csv_field(kz_buf *b, const char *s, size_t n)
{
    int rc;
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n))
        return kz_buf_add(b, s, n);
    if ((rc = kz_buf_addc(b, '"')))
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((s[i] == '"' && (rc = kz_buf_addc(b, '"'))) || (rc = kz_buf_addc(b, s[i])))
            return rc;
    return kz_buf_addc(b, '"');
}

int kz_statements_csv(const kz_statements *st, kz_buf *out)
{
    kz_buf v;
    int rc = 0;
    kz_buf_init(&v, KZ_BUF_NOLIMIT);
    for (size_t i = 0; i < KZ_ARRAY_LEN(fields) && !rc; i++)
        rc = kz_buf_addf(out, "%s%s", i ? "," : "", fields[i]);
    if (!rc)
        rc = kz_buf_addc(out, '\n');
    for (size_t j = 0; j < st->n && !rc; j++) {
        for (size_t i = 0; i < KZ_ARRAY_LEN(fields) && !rc; i++) {
            int k = field(&st->s[j], i, &v);
            if (k < 0)
                rc = KZ_ENOMEM;
            else if ((!i || !(rc = kz_buf_addc(out, ','))) && k)
                rc = csv_field(out, v.p, v.len);
        }
        if (!rc)
            rc = kz_buf_addc(out, '\n');
    }
    kz_buf_release(&v);
    return rc;
}
