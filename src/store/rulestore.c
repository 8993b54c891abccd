/*
 * store/rulestore.c - rule sets versioned in the store (store/rulestore.h):
 * publish (validate, store, audit), list, the latest version's number,
 * and a version read back as a rule set.
 */
#include "store/rulestore.h"
#include "detect/scan.h"
#include "util/sha256.h"
#include "util/utf8.h"

#define COLS "version, sha256, name, rules, published_by, published_at"

static void text_col(kz_dbres *r, int col, char *out, size_t outsz)
{
    size_t n = 0;
    const char *s = kz_dbres_text(r, col, &n);
    if (!s || n >= outsz)
        n = s ? outsz - 1 : 0;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

static void row(kz_dbres *r, kz_rule_version *v)
{
    memset(v, 0, sizeof *v);
    v->version = kz_dbres_int(r, 0);
    text_col(r, 1, v->sha256, sizeof v->sha256);
    text_col(r, 2, v->name, sizeof v->name);
    v->rules = kz_dbres_int(r, 3);
    text_col(r, 4, v->by, sizeof v->by);
    text_col(r, 5, v->at, sizeof v->at);
}

/* Inside the transaction: may actor publish rules? */
static int check_actor(kz_store *s, const char *actor)
{
    kz_dbres *r = NULL;
    char role[16] = "";
    kz_dbval p[] = { kz_dbstr(actor ? actor : "") };
    int rc = kz_db_query(kz_store_db(s), "SELECT role, disabled FROM accounts WHERE name = $1", p,
                         1, &r), disabled = 0;
    if (rc)
        return rc;
    if ((rc = kz_dbres_next(r)) == 1) {
        text_col(r, 0, role, sizeof role);
        disabled = (int)kz_dbres_int(r, 1);
    }
    kz_dbres_done(r);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        kz_store_set_errmsg(s, "no account '%s'", actor ? actor : "");
        return KZ_EPERM;
    }
    if (disabled) {
        kz_store_set_errmsg(s, "the account '%s' is disabled", actor);
        return KZ_EPERM;
    }
    if (strcmp(role, "analyst") && strcmp(role, "supervisor") && strcmp(role, "admin")) {
        kz_store_set_errmsg(s, "publishing rules needs an analyst, supervisor or admin; '%s' is %s",
                            actor, role);
        return KZ_EPERM;
    }
    return 0;
}

/* The latest version's row into *v (version 0 when none). */
static int latest_row(kz_store *s, kz_rule_version *v)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(s), "SELECT " COLS " FROM rule_sets ORDER BY version DESC "
                                         "LIMIT 1", NULL, 0, &r);
    memset(v, 0, sizeof *v);
    if (rc)
        return rc;
    if ((rc = kz_dbres_next(r)) == 1)
        row(r, v);
    kz_dbres_done(r);
    return rc < 0 ? rc : 0;
}

/* The audit entry's JSON: version, sha256, name, rules, who, when (what
 * the rows check, case/rows.h, compares the table with). */
static int after_json(kz_jw *j, const kz_rule_version *v)
{
    kz_jw_raw(j, "{");
    kz_jw_int(j, "version", v->version);
    kz_jw_str(j, "sha256", v->sha256);
    kz_jw_str(j, "name", v->name);
    kz_jw_int(j, "rules", v->rules);
    kz_jw_str(j, "published_by", v->by);
    kz_jw_str(j, "published_at", v->at);
    kz_jw_raw(j, "}");
    return j->rc;
}

int kz_rulestore_publish(kz_store *s, const char *actor, const char *name, const char *text,
                         size_t n, kz_buf *errs, kz_rule_version *out, int *created)
{
    kz_ruleset *rs = NULL;
    kz_scanner *sc = NULL;
    kz_rule_version v, last;
    kz_jw j;
    int rc, in_tx = 0;
    memset(out, 0, sizeof *out);
    *created = 0;
    kz_jw_init(&j);
    if (!name || !*name)
        name = "rules";
    /* the text as the database keeps it: UTF-8 without NUL (YAML is
     * UTF-8 here; libyaml refuses control characters anyway) */
    if ((text && memchr(text, '\0', n)) || kz_utf8_invalid_count(text ? text : "", n)) {
        if (errs)
            (void)kz_buf_addf(errs, "%s:1: not UTF-8 text (a rule file is UTF-8 YAML)\n", name);
        rc = KZ_EBADRULE;
        goto out;
    }
    /* validated as a scanner loads it: parsed and compiled */
    if ((rc = kz_rules_parse(text, n, name, &rs, errs)) != 0 ||
        (rc = kz_scanner_new(rs, &sc, errs)) != 0)
        goto out;
    memset(&v, 0, sizeof v);
    snprintf(v.sha256, sizeof v.sha256, "%s", rs->sha256);
    snprintf(v.name, sizeof v.name, "%s", name);
    v.rules = (int64_t)rs->nrules;
    snprintf(v.by, sizeof v.by, "%s", actor ? actor : "");
    kz_store_now(v.at);
    /* the store's write transaction (SQLite's BEGIN IMMEDIATE; on
     * PostgreSQL the audit log's lock, taken when it begins): no other
     * publish can come between reading the latest version and inserting
     * the next, so versions are unique and consecutive however many
     * publish at once (rulestore_publish_at_once_*) */
    if ((rc = kz_store_begin(s)) != 0)
        goto out;
    in_tx = 1;
    if ((rc = check_actor(s, actor)) != 0 || (rc = latest_row(s, &last)) != 0)
        goto out;
    if (last.version && !strcmp(last.sha256, v.sha256)) {
        *out = last;                                /* the same text: nothing new */
        goto out;
    }
    v.version = last.version + 1;
    kz_dbval p[] = { kz_dbint(v.version), kz_dbstr(v.sha256), kz_dbtext(text ? text : "", n),
                     kz_dbstr(v.name), kz_dbint(v.rules), kz_dbstr(v.by), kz_dbstr(v.at) };
    if ((rc = kz_db_query(kz_store_db(s), "INSERT INTO rule_sets (version, sha256, body, name, "
                                          "rules, published_by, published_at) VALUES ($1, $2, "
                                          "$3, $4, $5, $6, $7)", p, 7, NULL)) != 0)
        goto out;
    if ((rc = after_json(&j, &v)) != 0 ||
        (rc = kz_store_audit(s, actor, "rules.publish", "rule_set", v.version, NULL, j.b.p)) != 0)
        goto out;
    if ((rc = kz_store_commit(s)) != 0) {
        in_tx = 0;
        goto out;
    }
    in_tx = 0;
    *out = v;
    *created = 1;
out:
    if (in_tx) {
        if (rc == 0)
            rc = kz_store_commit(s);               /* nothing written: ends the read */
        else
            kz_store_rollback(s);
    }
    if (rc == KZ_ENOMEM)
        kz_store_set_errmsg(s, "%s", kz_strerror(rc));
    else if (rc == KZ_EDB || rc == KZ_EBUSY)
        kz_store_set_errmsg(s, "storing the rule set: %s", kz_db_errmsg(kz_store_db(s)));
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    kz_jw_release(&j);
    return rc;
}

int kz_rulestore_list(kz_store *s, kz_rule_version **out, size_t *n)
{
    kz_dbres *r = NULL;
    kz_rule_version *v = NULL;
    size_t cap = 0, cnt = 0;
    *out = NULL;
    *n = 0;
    int rc = kz_db_query(kz_store_db(s), "SELECT " COLS " FROM rule_sets ORDER BY version", NULL, 0,
                         &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        if ((rc = KZ_GROW(v, cap, cnt + 1)) != 0)
            break;
        row(r, &v[cnt++]);
    }
    kz_dbres_done(r);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = cnt;
    return 0;
}

int kz_rulestore_latest(kz_store *s, int64_t *version)
{
    *version = 0;
    return kz_db_int(kz_store_db(s), "SELECT COALESCE(MAX(version), 0) FROM rule_sets", NULL, 0,
                     version);
}

int kz_rulestore_text(kz_store *s, int64_t version, char **text, size_t *n,
                      kz_rule_version *info)
{
    kz_dbres *r = NULL;
    kz_rule_version v;
    char *body = NULL;
    int rc;
    *text = NULL;
    *n = 0;
    kz_dbval p[] = { kz_dbint(version) };
    rc = version > 0
             ? kz_db_query(kz_store_db(s), "SELECT " COLS ", body FROM rule_sets WHERE version = $1",
                           p, 1, &r)
             : kz_db_query(kz_store_db(s), "SELECT " COLS ", body FROM rule_sets ORDER BY version "
                                           "DESC LIMIT 1", NULL, 0, &r);
    if (rc)
        return rc;
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *b = kz_dbres_text(r, 6, n);
        row(r, &v);
        rc = (body = kz_strndup(b ? b : "", *n)) ? 0 : KZ_ENOMEM;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    if (rc)
        return rc;
    *text = body;
    if (info)
        *info = v;
    return 0;
}

int kz_rulestore_load(kz_store *s, int64_t version, kz_ruleset **rs, kz_rule_version *info,
                      kz_buf *errs)
{
    kz_rule_version v;
    char *body = NULL;
    size_t n = 0;
    int rc;
    *rs = NULL;
    if ((rc = kz_rulestore_text(s, version, &body, &n, &v)) != 0)
        return rc;
    char label[96];
    snprintf(label, sizeof label, "rule set %lld", (long long)v.version);
    if ((rc = kz_rules_parse(body, n, label, rs, errs)) != 0)
        goto out;
    snprintf((*rs)->version, sizeof (*rs)->version, "%lld", (long long)v.version);
    if (info)
        *info = v;
out:
    free(body);
    return rc;
}
