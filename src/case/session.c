/*
 * case/session.c - browser sessions and API tokens (case/session.h), kept
 * in the store as SHA-256 hashes of their secrets.
 */
#include "case/actor_int.h"
#include "case/session.h"
#include "case/rows.h"
#include "util/sha256.h"
#include <sodium.h>

static void random_hex(char *out, size_t bytes)
{
    unsigned char b[64];
    randombytes_buf(b, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, b, bytes);
    sodium_memzero(b, sizeof b);
}

static int is_hex(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* The wall clock in milliseconds: sessions time out to the millisecond. */
static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* ---- sessions ------------------------------------------------------------ */

int kz_session_open(kz_actor *a, const char *client, char sid[KZ_SID_HEX + 1],
                    char csrf[KZ_CSRF_HEX + 1])
{
    char h[65], now[21], fp[65];
    kz_dbres *r = NULL;
    if (a->id == 0)
        return kz__fail(a, KZ_EPERM, "the system has no session");
    kz_db *db = kz_store_db(a->s);
    kz_dbval q[] = { kz_dbint(a->id) };
    int rc = kz_db_query(db, "SELECT password_hash FROM accounts WHERE id = $1", q, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the account");
    fp[0] = '\0';
    if (kz_dbres_next(r) == 1)
        kz_rows_password_fingerprint(kz_dbres_text(r, 0, NULL), fp);
    kz_dbres_done(r);
    if (!fp[0])
        return kz__fail(a, KZ_EPERM, "account '%s' no longer exists", a->name);
    random_hex(sid, KZ_SID_HEX / 2);
    random_hex(csrf, KZ_CSRF_HEX / 2);
    kz_sha256_hex(sid, KZ_SID_HEX, h);
    kz_store_now(now);
    int64_t ms = now_ms();
    kz_dbval p[] = { kz_dbstr(h), kz_dbint(a->id), kz_dbstr(fp), kz_dbstr(csrf), kz_dbstr(now),
                     kz_dbint(ms), kz_dbint(ms), kz_dbstr(client) };
    rc = kz_db_query(db, "INSERT INTO sessions (sid_sha256, account_id, password_sha256, csrf, "
                         "created_at, created_ms, seen_ms, client) VALUES ($1, $2, $3, $4, $5, "
                         "$6, $7, $8)", p, 8, NULL);
    if (rc)
        return kz__dbfail(a, rc, "opening the session");
    return 0;
}

static int64_t age(const char *then, time_t now)
{
    time_t t;
    if (!then || kz__time_parse(then, &t))
        return INT64_MAX;
    return (int64_t)(now - t);
}

static int session_check(kz_store *s, const char *sid, int64_t idle, int64_t max,
                         kz_principal *p, char *why, size_t whysz)
{
    char h[65], fp[65];
    kz_dbres *r = NULL;
    memset(p, 0, sizeof *p);
    if (!is_hex(sid, KZ_SID_HEX)) {
        snprintf(why, whysz, "not a session");
        return KZ_EPERM;
    }
    kz_sha256_hex(sid, KZ_SID_HEX, h);
    kz_db *db = kz_store_db(s);
    kz_dbval q[] = { kz_dbstr(h) };
    int rc = kz_db_query(db, "SELECT s.id, s.account_id, a.name, a.role, a.disabled, "
                             "a.password_hash, s.password_sha256, s.csrf, s.created_at, "
                             "s.created_ms, s.seen_ms FROM sessions s JOIN accounts a ON a.id = s.account_id "
                             "WHERE s.sid_sha256 = $1", q, 1, &r);
    if (rc) {
        snprintf(why, whysz, "reading the session: %s", kz_db_errmsg(db));
        return rc;
    }
    int64_t id = 0, disabled = 0;
    char stored_fp[65] = "", created[21] = "";
    int64_t created_ms = 0, seen_ms = 0;
    if ((rc = kz_dbres_next(r)) == 1) {
        id = kz_dbres_int(r, 0);
        p->account_id = kz_dbres_int(r, 1);
        copy(p->name, sizeof p->name, kz_dbres_text(r, 2, NULL));
        copy(p->role, sizeof p->role, kz_dbres_text(r, 3, NULL));
        disabled = kz_dbres_int(r, 4);
        kz_rows_password_fingerprint(kz_dbres_text(r, 5, NULL), fp);
        copy(stored_fp, sizeof stored_fp, kz_dbres_text(r, 6, NULL));
        copy(p->csrf, sizeof p->csrf, kz_dbres_text(r, 7, NULL));
        copy(created, sizeof created, kz_dbres_text(r, 8, NULL));
        created_ms = kz_dbres_int(r, 9);
        seen_ms = kz_dbres_int(r, 10);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0) {
        snprintf(why, whysz, "reading the session: %s", kz_db_errmsg(db));
        return rc;
    }
    if (!id) {
        snprintf(why, whysz, "no such session (logged out, or ended)");
        memset(p, 0, sizeof *p);
        return KZ_EPERM;
    }
    int64_t t = now_ms();
    const char *end = NULL;
    if (disabled)
        end = "the account is disabled";
    else if (strcmp(fp, stored_fp))
        end = "the password changed since the log-in";
    else if (t - created_ms >= max * 1000)
        end = "the session is too old: log in again";
    else if (t - seen_ms >= idle * 1000)
        end = "the session was idle too long: log in again";
    if (end) {
        snprintf(why, whysz, "%s", end);
        kz_dbval d[] = { kz_dbint(id) };
        kz_db_query(db, "DELETE FROM sessions WHERE id = $1", d, 1, NULL);
        memset(p, 0, sizeof *p);
        return KZ_EPERM;
    }
    copy(p->created_at, sizeof p->created_at, created);
    /* note the use, but not on every request: at most every 1/16 of the
     * idle time (30 s at most), so that most requests only read */
    int64_t every = idle * 1000 / 16 < 30000 ? idle * 1000 / 16 : 30000;
    if (t - seen_ms >= every) {
        kz_dbval u[] = { kz_dbint(t), kz_dbint(id) };
        kz_db_query(db, "UPDATE sessions SET seen_ms = $1 WHERE id = $2", u, 2, NULL);
    }
    return 0;
}

int kz_session_check(kz_store *s, const char *sid, int64_t idle, int64_t max, kz_principal *p)
{
    char why[600] = "";
    int rc = session_check(s, sid, idle, max, p, why, sizeof why);
    if (rc)
        kz_store_set_errmsg(s, "%s", why);          /* the detail, on the store */
    return rc;
}

int kz_session_close(kz_store *s, const char *sid)
{
    char h[65];
    if (!is_hex(sid, KZ_SID_HEX))
        return 0;
    kz_sha256_hex(sid, KZ_SID_HEX, h);
    kz_dbval q[] = { kz_dbstr(h) };
    return kz_db_query(kz_store_db(s), "DELETE FROM sessions WHERE sid_sha256 = $1", q, 1, NULL);
}

/* ---- acting -------------------------------------------------------------- */

int kz_account_act(kz_actor **out, kz_store *s, const kz_principal *p)
{
    kz_dbres *r = NULL;
    *out = NULL;
    kz_dbval q[] = { kz_dbint(p->account_id) };
    int rc = kz_db_query(kz_store_db(s), "SELECT name, role, disabled FROM accounts WHERE id = $1",
                         q, 1, &r);
    if (rc)
        return rc;
    int ok = 0;
    if (kz_dbres_next(r) == 1) {
        const char *n = kz_dbres_text(r, 0, NULL), *ro = kz_dbres_text(r, 1, NULL);
        ok = n && ro && !strcmp(n, p->name) && !strcmp(ro, p->role) && !kz_dbres_int(r, 2);
    }
    kz_dbres_done(r);
    if (!ok)
        return KZ_EPERM;
    kz_actor *a = NULL;
    if ((rc = kz_account_system(&a, s)) != 0)
        return rc;
    a->id = p->account_id;
    copy(a->name, sizeof a->name, p->name);
    copy(a->role, sizeof a->role, p->role);
    *out = a;
    return 0;
}

/* ---- tokens -------------------------------------------------------------- */

static int name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len < 1 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)n[i] < 0x20 || n[i] == 0x7F)
            return 0;
    return 1;
}

static int token_json(kz_jw *j, int64_t id, const char *name, const char *account,
                      const char *role, const char *platform, const char *expires)
{
    kz_jw_raw(j, "{");
    kz_jw_int(j, "id", id);
    kz_jw_str(j, "name", name);
    kz_jw_str(j, "account", account);
    kz_jw_str(j, "role", role);
    kz_jw_str(j, "platform", platform);
    kz_jw_str(j, "expires_at", expires);
    kz_jw_raw(j, "}");
    return j->rc;
}

static int do_token_add(kz_actor *a, const char *account, const char *name, int days,
                        const char *platform, char token[KZ_TOKEN_LEN + 1], int64_t *id)
{
    kz_db *db = kz_store_db(a->s);
    kz_dbres *r = NULL;
    char h[65], now[21], exp[21], role[16] = "";
    int64_t acc = 0, disabled = 0;
    int rc = kz__need(a, R_ADMIN, "making an API token");
    if (rc)
        return rc;
    kz_dbval q[] = { kz_dbstr(account) };
    if ((rc = kz_db_query(db, "SELECT id, role, disabled FROM accounts WHERE name = $1", q, 1,
                          &r)))
        return kz__dbfail(a, rc, "finding the account");
    if (kz_dbres_next(r) == 1) {
        acc = kz_dbres_int(r, 0);
        copy(role, sizeof role, kz_dbres_text(r, 1, NULL));
        disabled = kz_dbres_int(r, 2);
    }
    kz_dbres_done(r);
    if (!acc)
        return kz__fail(a, KZ_ENOTFOUND, "no account '%s'", account);
    if (disabled)
        return kz__fail(a, KZ_ESTATE, "account '%s' is disabled", account);
    memcpy(token, "kzt_", 4);
    random_hex(token + 4, 32);
    kz_sha256_hex(token, KZ_TOKEN_LEN, h);
    time_t t;
    kz__now(a, now);
    if (kz__time_parse(now, &t))
        return kz__fail(a, KZ_EINTERNAL, "reading the clock");
    kz__time_fmt(t + (time_t)days * 86400, exp);
    kz_dbval p[] = { kz_dbstr(name), kz_dbstr(h), kz_dbint(acc), kz_dbstr(role),
                     kz_dbstr(platform), kz_dbint(a->id), kz_dbstr(now), kz_dbstr(exp) };
    if ((rc = kz_db_int(db, "INSERT INTO api_tokens (name, token_sha256, account_id, role, "
                            "platform, created_by, created_at, expires_at) VALUES ($1, $2, $3, "
                            "$4, $5, $6, $7, $8) RETURNING id", p, 8, id)))
        return kz__dbfail(a, rc, "storing the token");
    kz_jw after;
    kz_jw_init(&after);
    rc = token_json(&after, *id, name, account, role, platform, exp);
    if (!rc)
        rc = kz_store_audit(a->s, a->name, "token.create", "token", *id, NULL, after.b.p);
    if (rc)
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&after);
    return rc;
}

int kz_token_add(kz_actor *a, const char *account, const char *name, int days,
                 const char *platform, char token[KZ_TOKEN_LEN + 1], int64_t *id)
{
    int64_t tmp;
    if (!id)
        id = &tmp;
    *id = 0;
    token[0] = '\0';
    if (!kz_account_name_ok(account))
        return kz__fail(a, KZ_EINVAL, "'%s' is not an account name", account ? account : "");
    if (!name_ok(name))
        return kz__fail(a, KZ_EINVAL, "a token's name is 1 to 64 printable characters");
    if (days < 1 || days > KZ_TOKEN_DAYS_MAX)
        return kz__fail(a, KZ_EINVAL, "a token lasts 1 to %d days, not %d", KZ_TOKEN_DAYS_MAX,
                        days);
    if (platform && !name_ok(platform))
        return kz__fail(a, KZ_EINVAL, "a platform name is 1 to 64 printable characters");
    int rc = kz__begin(a);
    if (rc)
        return rc;
    rc = kz__end(a, do_token_add(a, account, name, days, platform, token, id));
    if (rc) {
        sodium_memzero(token, KZ_TOKEN_LEN + 1);
        *id = 0;
    }
    return rc;
}

static int do_token_revoke(kz_actor *a, int64_t id)
{
    kz_db *db = kz_store_db(a->s);
    kz_dbres *r = NULL;
    char now[21];
    int rc = kz__need(a, R_ADMIN, "revoking an API token");
    if (rc)
        return rc;
    kz_dbval q[] = { kz_dbint(id) };
    if ((rc = kz_db_query(db, "SELECT revoked_at FROM api_tokens WHERE id = $1", q, 1, &r)))
        return kz__dbfail(a, rc, "finding the token");
    int found = 0, revoked = 0;
    if (kz_dbres_next(r) == 1) {
        found = 1;
        revoked = !kz_dbres_null(r, 0);
    }
    kz_dbres_done(r);
    if (!found)
        return kz__fail(a, KZ_ENOTFOUND, "no token %lld", (long long)id);
    if (revoked)
        return kz__fail(a, KZ_ESTATE, "token %lld is revoked already", (long long)id);
    kz_store_now(now);
    kz_dbval u[] = { kz_dbstr(now), kz_dbint(id) };
    if ((rc = kz_db_query(db, "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2", u, 2, NULL)))
        return kz__dbfail(a, rc, "revoking the token");
    kz_jw after;
    kz_jw_init(&after);
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "revoked_at", now);
    kz_jw_raw(&after, "}");
    if ((rc = after.rc) || (rc = kz_store_audit(a->s, a->name, "token.revoke", "token", id, NULL,
                                                after.b.p)))
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&after);
    return rc;
}

int kz_token_revoke(kz_actor *a, int64_t id)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_token_revoke(a, id));
}

int kz_token_list_json(kz_actor *a, kz_buf *out)
{
    kz_dbres *r = NULL;
    int rc = kz__need(a, R_ADMIN | R_AUDITOR, "listing API tokens");
    if (rc)
        return rc;
    rc = kz_db_query(kz_store_db(a->s),
                     "SELECT t.id, t.name, a.name, t.role, t.platform, t.created_at, "
                     "t.expires_at, t.revoked_at, t.last_used_at FROM api_tokens t "
                     "JOIN accounts a ON a.id = t.account_id ORDER BY t.id", NULL, 0, &r);
    if (rc)
        return kz__dbfail(a, rc, "listing tokens");
    while ((rc = kz_dbres_next(r)) == 1) {
        const char *name = kz_dbres_text(r, 1, NULL), *acc = kz_dbres_text(r, 2, NULL),
                   *plat = kz_dbres_text(r, 4, NULL);
        if ((rc = kz_buf_addf(out, "{\"id\":%lld,\"name\":", (long long)kz_dbres_int(r, 0))) ||
            (rc = kz_buf_add_json_str(out, name ? name : "", name ? strlen(name) : 0)) ||
            (rc = kz_buf_adds(out, ",\"account\":")) ||
            (rc = kz_buf_add_json_str(out, acc ? acc : "", acc ? strlen(acc) : 0)) ||
            (rc = kz_buf_addf(out, ",\"role\":\"%s\",\"platform\":", kz_dbres_text(r, 3, NULL)
                              ? kz_dbres_text(r, 3, NULL) : "")) ||
            (rc = plat ? kz_buf_add_json_str(out, plat, strlen(plat)) : kz_buf_adds(out, "null")))
            break;
        const char *cols[] = { "created_at", "expires_at", "revoked_at", "last_used_at" };
        for (int i = 0; i < 4 && !rc; i++) {
            const char *v = kz_dbres_text(r, 5 + i, NULL);
            rc = v ? kz_buf_addf(out, ",\"%s\":\"%s\"", cols[i], v)
                   : kz_buf_addf(out, ",\"%s\":null", cols[i]);
        }
        if (rc || (rc = kz_buf_adds(out, "}\n")))
            break;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "listing tokens") : 0;
}

static int token_check(kz_store *s, const char *token, kz_principal *p, char *why, size_t whysz)
{
    char h[65], now[21];
    kz_dbres *r = NULL;
    memset(p, 0, sizeof *p);
    if (!token || strlen(token) != KZ_TOKEN_LEN || strncmp(token, "kzt_", 4) ||
        !is_hex(token + 4, KZ_TOKEN_LEN - 4)) {
        snprintf(why, whysz, "not a kuzet API token");
        return KZ_EPERM;
    }
    kz_sha256_hex(token, KZ_TOKEN_LEN, h);
    kz_db *db = kz_store_db(s);
    kz_dbval q[] = { kz_dbstr(h) };
    int rc = kz_db_query(db, "SELECT t.id, t.account_id, a.name, t.role, a.role, a.disabled, "
                             "t.platform, t.created_at, t.expires_at, t.revoked_at, "
                             "t.last_used_at FROM api_tokens t JOIN accounts a ON "
                             "a.id = t.account_id WHERE t.token_sha256 = $1", q, 1, &r);
    if (rc) {
        snprintf(why, whysz, "reading the token: %s", kz_db_errmsg(db));
        return rc;
    }
    const char *end = "no such token";
    char used[21] = "";
    kz_store_now(now);
    if (kz_dbres_next(r) == 1) {
        const char *trole = kz_dbres_text(r, 3, NULL), *arole = kz_dbres_text(r, 4, NULL),
                   *exp = kz_dbres_text(r, 8, NULL);
        p->token_id = kz_dbres_int(r, 0);
        p->account_id = kz_dbres_int(r, 1);
        copy(p->name, sizeof p->name, kz_dbres_text(r, 2, NULL));
        copy(p->role, sizeof p->role, trole);
        copy(p->platform, sizeof p->platform, kz_dbres_text(r, 6, NULL));
        copy(p->created_at, sizeof p->created_at, kz_dbres_text(r, 7, NULL));
        copy(used, sizeof used, kz_dbres_text(r, 10, NULL));
        if (!kz_dbres_null(r, 9))
            end = "the token was revoked";
        else if (!exp || strcmp(exp, now) <= 0)
            end = "the token has expired";
        else if (kz_dbres_int(r, 5))
            end = "the token's account is disabled";
        else if (!trole || !arole || strcmp(trole, arole))
            end = "the token's account no longer has the token's role";
        else
            end = NULL;
    }
    kz_dbres_done(r);
    if (end) {
        snprintf(why, whysz, "%s", end);
        memset(p, 0, sizeof *p);
        return KZ_EPERM;
    }
    if (age(used, time(NULL)) >= 60) {
        kz_dbval u[] = { kz_dbstr(now), kz_dbint(p->token_id) };
        kz_db_query(db, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", u, 2, NULL);
    }
    return 0;
}

int kz_token_check(kz_store *s, const char *token, kz_principal *p)
{
    char why[600] = "";
    int rc = token_check(s, token, p, why, sizeof why);
    if (rc)
        kz_store_set_errmsg(s, "%s", why);          /* the detail, on the store */
    return rc;
}
