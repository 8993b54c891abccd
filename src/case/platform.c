/*
 * case/platform.c - platforms and their notice contacts (case/platform.h):
 * the checks of each field, add, set, list, get, audited.
 */
#include "case/platform.h"
#include "case/case_int.h"
#include "url/url.h"
#include <strings.h>

int kz_platform_language_ok(const char *s)
{
    return s && (!strcmp(s, "kk") || !strcmp(s, "ru") || !strcmp(s, "en"));
}

int kz_platform_email_ok(const char *s, const char **why)
{
    const char *w = NULL;
    const char *at = s ? strrchr(s, '@') : NULL;
    if (!s || !*s)
        w = "empty";
    else if (strlen(s) > 254)
        w = "longer than 254 bytes";
    else if (!at || at == s)
        w = "not local@domain";
    else if ((size_t)(at - s) > 64)
        w = "the part before '@' is longer than 64 bytes";
    if (w)
        goto out;
    for (const char *p = s; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>@[\\]", c)) {
            w = "a space, a line break, a non-ASCII byte or one of \"(),:;<>@[\\] before '@'";
            goto out;
        }
    }
    if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
        w = "a misplaced dot before '@'";
    else if (!strchr(at + 1, '.'))
        w = "the domain has no dot";
    if (w)
        goto out;
    /* the domain: LDH labels of 1..63 bytes */
    for (const char *p = at + 1, *label = p;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.' || !c) {
            size_t n = (size_t)(p - label);
            if (!n || n > 63 || label[0] == '-' || p[-1] == '-') {
                w = "a bad domain label (1 to 63 letters, digits or hyphens)";
                goto out;
            }
            if (!c)
                break;
            label = p + 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-')) {
            w = "the domain has a byte other than a letter, digit, hyphen or dot "
                "(write an internationalized domain in punycode)";
            goto out;
        }
    }
out:
    if (why)
        *why = w;
    return w == NULL;
}

/* ---- reading ------------------------------------------------------------- */

#define PLATFORM_COLS "id, name, notice_contact, api_endpoint, legal_representative, " \
                      "legal_rep_email, notice_language, monthly_users"

static void row_to(kz_dbres *r, kz_platform *p)
{
    memset(p, 0, sizeof *p);
    p->id = kz_dbres_int(r, 0);
    kz__col_copy(r, 1, p->name, sizeof p->name);
    kz__col_copy(r, 2, p->email, sizeof p->email);
    kz__col_copy(r, 3, p->endpoint, sizeof p->endpoint);
    kz__col_copy(r, 4, p->rep_name, sizeof p->rep_name);
    kz__col_copy(r, 5, p->rep_email, sizeof p->rep_email);
    kz__col_copy(r, 6, p->language, sizeof p->language);
    p->monthly_users = kz_dbres_null(r, 7) ? -1 : kz_dbres_int(r, 7);
}

static int load(kz_actor *a, const char *by, kz_dbval key, kz_platform *p)
{
    kz_dbres *r = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT " PLATFORM_COLS " FROM platforms WHERE %s = $1", by);
    int rc = kz_db_query(kz_store_db(a->s), sql, &key, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the platform");
    rc = kz_dbres_next(r);
    if (rc == 1)
        row_to(r, p);
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "reading the platform");
    return rc == 1 ? 0 : KZ_ENOTFOUND;
}

int kz_platform_get(kz_actor *a, int64_t id, kz_platform *p)
{
    int rc = load(a, "id", kz_dbint(id), p);
    return rc == KZ_ENOTFOUND ? kz__fail(a, rc, "no platform %lld", (long long)id) : rc;
}

static void platform_json(kz_jw *j, const kz_platform *p)
{
    kz_jw_raw(j, "{");
    kz_jw_int(j, "id", p->id);
    kz_jw_str(j, "name", p->name);
    kz_jw_str(j, "email", p->email[0] ? p->email : NULL);
    kz_jw_str(j, "endpoint", p->endpoint[0] ? p->endpoint : NULL);
    kz_jw_str(j, "legal_representative", p->rep_name[0] ? p->rep_name : NULL);
    kz_jw_str(j, "legal_representative_email", p->rep_email[0] ? p->rep_email : NULL);
    kz_jw_str(j, "language", p->language[0] ? p->language : NULL);
    if (p->monthly_users >= 0)
        kz_jw_int(j, "monthly_users", p->monthly_users);
    else
        kz_jw_str(j, "monthly_users", NULL);
    kz_jw_raw(j, "}");
}

int kz_platform_list_json(kz_actor *a, kz_buf *out)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), "SELECT " PLATFORM_COLS " FROM platforms ORDER BY name",
                         NULL, 0, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the platforms");
    while ((rc = kz_dbres_next(r)) == 1) {
        kz_platform p;
        kz_jw j;
        row_to(r, &p);
        kz_jw_init(&j);
        platform_json(&j, &p);
        kz_jw_raw(&j, "\n");
        rc = j.rc ? j.rc : kz_buf_add(out, j.b.p, j.b.len);
        kz_jw_release(&j);
        if (rc)
            break;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "reading the platforms") : 0;
}

/* ---- writing ------------------------------------------------------------- */

static int copy_field(kz_actor *a, const char *v, char *dst, size_t n, const char *field)
{
    if (!v)
        return 0;
    if (strlen(v) >= n)
        return kz__fail(a, KZ_EINVAL, "%s longer than %zu bytes", field, n - 1);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* Apply in to p, checking each field given. */
static int apply(kz_actor *a, kz_platform *p, const kz_platform_in *in)
{
    const char *why = NULL;
    int rc;
    if (in->email && *in->email && !kz_platform_email_ok(in->email, &why))
        return kz__fail(a, KZ_EINVAL, "notice e-mail '%s': %s", in->email, why);
    if (in->rep_email && *in->rep_email && !kz_platform_email_ok(in->rep_email, &why))
        return kz__fail(a, KZ_EINVAL, "legal representative's e-mail '%s': %s", in->rep_email, why);
    if (in->language && !kz_platform_language_ok(in->language))
        return kz__fail(a, KZ_EINVAL, "language '%s': notices are written in kk, ru or en",
                        in->language);
    if (in->monthly_users > 4000000000000LL)
        return kz__fail(a, KZ_EINVAL, "monthly users: %lld is not a count of people",
                        (long long)in->monthly_users);
    if (in->rep_name && *in->rep_name) {
        if ((rc = kz__text_ok(a, in->rep_name, "legal representative",
                              ": the person's or firm's name")))
            return rc;
        for (const char *c = in->rep_name; *c; c++)
            if ((unsigned char)*c < 0x20)
                return kz__fail(a, KZ_EINVAL, "legal representative: a control character or "
                                "line break in the name");
    }
    if ((rc = copy_field(a, in->email, p->email, sizeof p->email, "notice e-mail")) ||
        (rc = copy_field(a, in->rep_name, p->rep_name, sizeof p->rep_name, "legal representative")) ||
        (rc = copy_field(a, in->rep_email, p->rep_email, sizeof p->rep_email,
                         "legal representative's e-mail")) ||
        (rc = copy_field(a, in->language, p->language, sizeof p->language, "language")))
        return rc;
    if (in->endpoint) {
        if (!*in->endpoint) {
            p->endpoint[0] = '\0';
        } else {
            kz_url u;
            kz_url_init(&u);
            rc = kz_url_parse(&u, in->endpoint, strlen(in->endpoint));
            if (rc == KZ_EINVAL)
                rc = kz__fail(a, rc, "API endpoint '%s': %s", in->endpoint, u.why);
            else if (rc)
                rc = kz__fail(a, rc, "API endpoint: %s", kz_strerror(rc));
            else if (strncasecmp(in->endpoint, "http://", 7) &&
                     strncasecmp(in->endpoint, "https://", 8))
                rc = kz__fail(a, KZ_EINVAL, "API endpoint '%s': an http:// or https:// URL",
                              in->endpoint);
            else
                rc = copy_field(a, in->endpoint, p->endpoint, sizeof p->endpoint, "API endpoint");
            /* stored as given (the canonical form drops the port); the
             * parse above checked it, and it has no space or control byte */
            for (const char *c = in->endpoint; !rc && *c; c++)
                if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
                    rc = kz__fail(a, KZ_EINVAL, "API endpoint: a space, a control or non-ASCII "
                                  "byte (percent-encode it)");
            kz_url_release(&u);
            if (rc)
                return rc;
        }
    }
    if (in->monthly_users >= 0)
        p->monthly_users = in->monthly_users;
    if (p->monthly_users >= KZ_PLATFORM_REP_USERS && (!p->rep_name[0] || !p->rep_email[0]))
        return kz__fail(a, KZ_EINVAL, "legal representative: a platform with %lld monthly users "
                        "(%d or more) must name one, with an e-mail (--rep-name, --rep-email)",
                        (long long)p->monthly_users, KZ_PLATFORM_REP_USERS);
    return 0;
}

static kz_dbval opt(const char *s) { return s[0] ? kz_dbstr(s) : kz_dbnull(); }

static int store_and_audit(kz_actor *a, kz_platform *p, const kz_platform *before,
                           const char *action)
{
    kz_dbval v[] = { opt(p->email), opt(p->endpoint), opt(p->rep_name), opt(p->rep_email),
                     opt(p->language),
                     p->monthly_users >= 0 ? kz_dbint(p->monthly_users) : kz_dbnull(),
                     kz_dbint(p->id) };
    int rc = kz_db_query(kz_store_db(a->s), "UPDATE platforms SET notice_contact = $1, "
                         "api_endpoint = $2, legal_representative = $3, legal_rep_email = $4, "
                         "notice_language = $5, monthly_users = $6 WHERE id = $7", v, 7, NULL);
    if (rc)
        return kz__dbfail(a, rc, "storing the platform");
    kz_jw bj, aj;
    kz_jw_init(&bj);
    kz_jw_init(&aj);
    if (before)
        platform_json(&bj, before);
    platform_json(&aj, p);
    rc = bj.rc || aj.rc ? KZ_ENOMEM
                        : kz_store_audit(a->s, a->name, action, "platform", p->id,
                                         before ? bj.b.p : NULL, aj.b.p);
    if (rc)
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&bj);
    kz_jw_release(&aj);
    return rc;
}

static int name_ok(kz_actor *a, const char *name)
{
    if (!name || !*name || strlen(name) > 200)
        return kz__fail(a, KZ_EINVAL, "missing platform name (1 to 200 bytes)");
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c < 0x20)
            return kz__fail(a, KZ_EINVAL, "platform name: a control character or line break");
    return 0;
}

static int do_add(kz_actor *a, const char *name, const kz_platform_in *in, int64_t *id)
{
    kz_platform p, old;
    int rc;
    if ((rc = kz__need(a, R_ADMIN | R_SUPERVISOR, "adding a platform")) || (rc = name_ok(a, name)))
        return rc;
    memset(&old, 0, sizeof old);
    rc = load(a, "name", kz_dbstr(name), &old);
    if (rc == 0) {
        /* a platform ingest recorded by name only takes its contacts here */
        if (old.email[0] || old.endpoint[0] || old.rep_name[0] || old.language[0])
            return kz__fail(a, KZ_ESTATE, "platform '%s' exists (id %lld); change it with "
                            "'kuzet platforms set'", name, (long long)old.id);
    } else if (rc != KZ_ENOTFOUND) {
        return rc;
    }
    memset(&p, 0, sizeof p);
    p.monthly_users = -1;
    snprintf(p.name, sizeof p.name, "%s", name);
    if ((rc = apply(a, &p, in)))
        return rc;
    if (!p.language[0])
        memcpy(p.language, "ru", 3);
    if (old.id) {
        p.id = old.id;
    } else {
        kz_dbval v[] = { kz_dbstr(name) };
        if ((rc = kz_db_int(kz_store_db(a->s), "INSERT INTO platforms (name) VALUES ($1) "
                            "RETURNING id", v, 1, &p.id)))
            return kz__dbfail(a, rc, "adding the platform");
    }
    if (id)
        *id = p.id;
    return store_and_audit(a, &p, NULL, "platform.add");
}

int kz_platform_add(kz_actor *a, const char *name, const kz_platform_in *in, int64_t *id)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_add(a, name, in, id));
}

static int do_set(kz_actor *a, const char *name, const kz_platform_in *in)
{
    kz_platform p, before;
    int rc;
    if ((rc = kz__need(a, R_ADMIN | R_SUPERVISOR, "changing a platform")) ||
        (rc = name_ok(a, name)))
        return rc;
    if ((rc = load(a, "name", kz_dbstr(name), &p)) == KZ_ENOTFOUND)
        return kz__fail(a, rc, "no platform '%s' (add it with 'kuzet platforms add')", name);
    if (rc)
        return rc;
    before = p;
    if (in->language && !*in->language)
        return kz__fail(a, KZ_EINVAL, "language: kk, ru or en (it cannot be cleared)");
    if ((rc = apply(a, &p, in)))
        return rc;
    return store_and_audit(a, &p, &before, "platform.set");
}

int kz_platform_set(kz_actor *a, const char *name, const kz_platform_in *in)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_set(a, name, in));
}
