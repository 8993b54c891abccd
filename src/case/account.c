/*
 * case/account.c - accounts, roles, password hashing (Argon2id, libsodium)
 * and the acting session, plus the helpers the workflow shares
 * (case/actor_int.h).
 */
#include "case/actor_int.h"
#include "case/rows.h"
#include "case/session.h"
#include "util/sha256.h"
#include <sodium.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

/* Argon2id cost: libsodium's "interactive" limits, 2 passes over 64 MiB.
 * OWASP ASVS 4.0 (2.4.1) / the OWASP password storage cheat sheet ask for
 * at least 19 MiB and 2 passes; 64 MiB costs an attacker 3x more memory
 * per guess, and takes about 0.1 s here.  The parameters are stored in
 * each hash, so raising them later keeps old hashes verifiable. */
#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

/* Every password check, counted (kz_account_verifications), and the hash
 * a log-in without a usable hash (no such account, not enrolled) is
 * checked against, so that it costs the same work as a wrong password and
 * its answer time does not tell whether the name exists. */
static atomic_ulong verifications;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void dummy_make(void)
{
    unsigned char pw[16];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw, PW_OPS, PW_MEM) != 0)
        dummy_hash[0] = '\0';
}

/* 0 when password matches hash (NULL: the dummy hash, never a match). */
static int pw_verify(const char *hash, const char *password)
{
    if (!hash) {
        pthread_once(&dummy_once, dummy_make);
        hash = dummy_hash;
    }
    atomic_fetch_add(&verifications, 1);
    int r = crypto_pwhash_str_verify(hash, password, strlen(password));
    return hash == dummy_hash ? -1 : r;
}

unsigned long kz_account_verifications(void)
{
    return atomic_load(&verifications);
}

static const char *const roles[] = { "analyst", "reviewer", "supervisor", "auditor", "admin" };

unsigned kz__role_bit(const char *role)
{
    for (size_t i = 0; i < KZ_ARRAY_LEN(roles); i++)
        if (role && !strcmp(role, roles[i]))
            return 1u << i;
    return 0;
}

int kz_account_role_ok(const char *role) { return kz__role_bit(role) != 0; }

const char *kz_account_role_name(size_t i)
{
    return i < KZ_ARRAY_LEN(roles) ? roles[i] : NULL;
}

unsigned kz_account_role_bit(const char *role) { return kz__role_bit(role); }

int kz_account_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    /* the audit log's names for kuzet itself */
    return strcmp(name, "system") && strcmp(name, "ingest");
}

int kz__fail(kz_actor *a, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err, sizeof a->err, fmt, ap);
    va_end(ap);
    return rc;
}

int kz__dbfail(kz_actor *a, int rc, const char *what)
{
    return kz__fail(a, rc, "%s: %s", what,
                    rc == KZ_EDB || rc == KZ_EBUSY ? kz_db_errmsg(kz_store_db(a->s)) : kz_strerror(rc));
}

void kz__now(const kz_actor *a, char out[21])
{
    if (a->now[0])
        memcpy(out, a->now, 21);
    else
        kz_store_now(out);
}

int kz__time_parse(const char *s, time_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = s ? strptime(s, "%Y-%m-%d", &tm) : NULL;
    if (!e)
        return KZ_EINVAL;
    if (*e) {
        e = strptime(e, "T%H:%M:%SZ", &tm);
        if (!e || *e)
            return KZ_EINVAL;
    }
    int mon = tm.tm_mon, day = tm.tm_mday;
    *t = timegm(&tm);
    if (*t == (time_t)-1)
        return KZ_EINVAL;
    struct tm back;
    gmtime_r(t, &back);                          /* 2026-02-30 is not a date */
    return back.tm_mon == mon && back.tm_mday == day ? 0 : KZ_EINVAL;
}

void kz__time_fmt(time_t t, char out[21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int kz__begin(kz_actor *a)
{
    int rc = kz_store_begin(a->s);
    return rc ? kz__fail(a, rc, "%s", kz_store_errmsg(a->s)) : 0;
}

int kz__end(kz_actor *a, int rc)
{
    if (rc == 0) {
        if ((rc = kz_store_commit(a->s)) == 0)
            return 0;
        kz__fail(a, rc, "%s", kz_store_errmsg(a->s));
    }
    kz_store_rollback(a->s);
    return rc;
}

static void role_list(unsigned mask, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < KZ_ARRAY_LEN(roles); i++) {
        if (!(mask & (1u << i)))
            continue;
        int k = snprintf(out + len, n - len, "%s%s %s", len ? " or " : "",
                         roles[i][0] == 'a' ? "an" : "a", roles[i]);
        if (k < 0 || (size_t)k >= n - len)
            return;
        len += (size_t)k;
    }
}

int kz__need(kz_actor *a, unsigned mask, const char *what)
{
    char want[128];
    role_list(mask, want, sizeof want);
    if (a->id == 0)
        return kz__fail(a, KZ_EPERM, "%s needs %s; the system acts for no one (log in)", what, want);
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(a->id) };
    int rc = kz_db_query(kz_store_db(a->s), "SELECT role, disabled FROM accounts WHERE id = $1",
                         p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the account");
    rc = kz_dbres_next(r);
    if (rc == 1) {
        const char *role = kz_dbres_text(r, 0, NULL);
        snprintf(a->role, sizeof a->role, "%s", role ? role : "");
        rc = kz_dbres_int(r, 1) ? KZ_EPERM : 0;
        if (rc)
            kz__fail(a, rc, "account '%s' is disabled", a->name);
    } else {
        rc = rc < 0 ? kz__dbfail(a, rc, "reading the account")
                    : kz__fail(a, KZ_EPERM, "account '%s' no longer exists", a->name);
    }
    kz_dbres_done(r);
    if (rc)
        return rc;
    if (!(kz__role_bit(a->role) & mask))
        return kz__fail(a, KZ_EPERM, "%s needs %s; '%s' is %s %s", what, want, a->name,
                        a->role[0] == 'a' ? "an" : "a", a->role);
    return 0;
}

void kz__account_name(kz_actor *a, int64_t id, char out[72])
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(id) };
    snprintf(out, 72, "?");
    if (kz_db_query(kz_store_db(a->s), "SELECT name FROM accounts WHERE id = $1", p, 1, &r) == 0 &&
        kz_dbres_next(r) == 1) {
        const char *n = kz_dbres_text(r, 0, NULL);
        snprintf(out, 72, "%s", n ? n : "?");
    }
    kz_dbres_done(r);
}

/* ---- sessions ------------------------------------------------------------ */

static kz_actor *actor_new(kz_store *s)
{
    kz_actor *a = calloc(1, sizeof *a);
    if (a) {
        a->s = s;
        snprintf(a->name, sizeof a->name, "system");
    }
    return a;
}

int kz_account_system(kz_actor **out, kz_store *s)
{
    *out = actor_new(s);
    return *out ? 0 : KZ_ENOMEM;
}

void kz_account_logout(kz_actor **ap)
{
    if (!ap || !*ap)
        return;
    sodium_memzero(*ap, sizeof **ap);
    free(*ap);
    *ap = NULL;
}

const char *kz_account_errmsg(const kz_actor *a) { return a->err; }
const char *kz_account_name(const kz_actor *a) { return a->name; }
kz_store *kz_account_store(const kz_actor *a) { return a ? a->s : NULL; }

const char *kz_account_role(const kz_actor *a) { return a->role; }

int kz_account_set_clock(kz_actor *a, const char *now)
{
    time_t t;
    if (!now) {
        a->now[0] = '\0';
        return 0;
    }
    if (strlen(now) != 20 || kz__time_parse(now, &t))
        return kz__fail(a, KZ_EINVAL, "'%s' is not a time like 2026-01-31T12:00:00Z", now);
    memcpy(a->now, now, 21);
    return 0;
}

/* The refusal, audited in a transaction of its own. */
static int auth_failure(kz_store *s, const char *name, int64_t id, const char *reason,
                        char *why, size_t whysz)
{
    kz_jw after;
    kz_jw_init(&after);
    snprintf(why, whysz, "%s", reason);
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "name", name);
    kz_jw_str(&after, "reason", reason);
    kz_jw_raw(&after, "}");
    int rc = after.rc;
    if (!rc && (rc = kz_store_begin(s)) == 0) {
        rc = kz_store_audit(s, kz_account_name_ok(name) ? name : "?", "auth.failure", "account", id,
                            NULL, after.b.p);
        rc = rc ? (kz_store_rollback(s), rc) : kz_store_commit(s);
    }
    kz_jw_release(&after);
    if (rc)
        snprintf(why, whysz, "%s (and the failure could not be audited: %s)", reason,
                 kz_store_errmsg(s));
    return KZ_EPERM;
}

int kz_account_audit_failures(kz_store *s, const char *name, const char *addr,
                              unsigned failures)
{
    kz_jw after;
    int64_t id = 0;
    kz_dbval p[] = { kz_dbstr(name ? name : "") };
    int rc = kz_db_int(kz_store_db(s), "SELECT id FROM accounts WHERE name = $1", p, 1, &id);
    if (rc == KZ_ENOTFOUND)
        rc = 0, id = 0;
    if (rc)
        return rc;
    kz_jw_init(&after);
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, "name", name);
    kz_jw_int(&after, "failures", failures);
    kz_jw_str(&after, "last_address", addr ? addr : "");
    kz_jw_raw(&after, "}");
    rc = after.rc;
    if (!rc && (rc = kz_store_begin(s)) == 0) {
        rc = kz_store_audit(s, kz_account_name_ok(name) ? name : "?", "auth.repeated_failures",
                            "account", id, NULL, after.b.p);
        rc = rc ? (kz_store_rollback(s), rc) : kz_store_commit(s);
    }
    kz_jw_release(&after);
    return rc;
}

static int login(kz_actor **out, kz_store *s, const char *name, const char *password,
                 char *why, size_t whysz)
{
    *out = NULL;
    char reason[160], hash[crypto_pwhash_STRBYTES];
    int64_t id = 0, disabled = 0;
    kz_dbres *r = NULL;
    int found = 0;
    if (!name || !password) {
        snprintf(why, whysz, "a name and a password are needed");
        return KZ_EINVAL;
    }
    kz_dbval p[] = { kz_dbstr(name) };
    int rc = kz_db_query(kz_store_db(s), "SELECT id, role, password_hash, disabled FROM accounts "
                                         "WHERE name = $1", p, 1, &r);
    if (rc) {
        snprintf(why, whysz, "reading the account: %s", kz_db_errmsg(kz_store_db(s)));
        return rc;
    }
    char role[16] = "";
    if ((rc = kz_dbres_next(r)) == 1) {
        size_t n = 0;
        const char *h = kz_dbres_text(r, 2, &n), *ro = kz_dbres_text(r, 1, NULL);
        id = kz_dbres_int(r, 0);
        disabled = kz_dbres_int(r, 3);
        snprintf(role, sizeof role, "%s", ro ? ro : "");
        if (h && n < sizeof hash) {
            memcpy(hash, h, n);
            hash[n] = '\0';
            found = 1;
        }
    }
    kz_dbres_done(r);
    if (rc < 0) {
        snprintf(why, whysz, "reading the account: %s", kz_db_errmsg(kz_store_db(s)));
        return rc;
    }
    if (!found) {
        pw_verify(NULL, password);          /* the same work as a wrong password */
        snprintf(reason, sizeof reason, "no account '%.64s'", name);
        return auth_failure(s, name, 0, reason, why, whysz);
    }
    if (!hash[0]) {
        pw_verify(NULL, password);
        snprintf(reason, sizeof reason, "account '%s' has not enrolled yet (its owner sets the "
                 "password with the enrolment token)", name);
        return auth_failure(s, name, id, reason, why, whysz);
    }
    if (pw_verify(hash, password) != 0) {
        snprintf(reason, sizeof reason, "wrong password for '%s'", name);
        return auth_failure(s, name, id, reason, why, whysz);
    }
    if (disabled) {
        snprintf(reason, sizeof reason, "account '%s' is disabled", name);
        return auth_failure(s, name, id, reason, why, whysz);
    }
    kz_actor *a = actor_new(s);
    if (!a) {
        snprintf(why, whysz, "%s", kz_strerror(KZ_ENOMEM));
        return KZ_ENOMEM;
    }
    a->id = id;
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->role, sizeof a->role, "%s", role);
    *out = a;
    return 0;
}

int kz_account_login(kz_actor **out, kz_store *s, const char *name, const char *password)
{
    char why[700] = "";
    int rc = login(out, s, name, password, why, sizeof why);
    if (rc)
        kz_store_set_errmsg(s, "%s", why);          /* the detail, on the store */
    return rc;
}

/* ---- accounts ------------------------------------------------------------ */

/* An audit entry of account id whose after is {"k1":v1[,"k2":v2]} (k2
 * NULL: one field); a failure is the actor's message. */
static int audit_account(kz_actor *a, const char *actor, const char *action, int64_t id,
                         const char *before, const char *k1, const char *v1, const char *k2,
                         const char *v2)
{
    kz_jw after;
    kz_jw_init(&after);
    kz_jw_raw(&after, "{");
    kz_jw_str(&after, k1, v1);
    if (k2)
        kz_jw_str(&after, k2, v2);
    kz_jw_raw(&after, "}");
    int rc = after.rc ? after.rc : kz_store_audit(a->s, actor, action, "account", id, before,
                                                  after.b.p);
    kz_jw_release(&after);
    return rc ? kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s)) : 0;
}

/* An account's first fields in the audit log (the caller opens and closes
 * the object). */
static void account_fields(kz_jw *j, const char *name, const char *role, int disabled)
{
    kz_jw_str(j, "name", name);
    kz_jw_str(j, "role", role);
    kz_jw_bool(j, "disabled", disabled);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Add the account: with a password hash (the first admin, who sets its
 * own), or with hash "" and the SHA-256 of an enrolment token that expires
 * at expires (every other account: its owner sets the password). */
static int do_add(kz_actor *a, const char *name, const char *role, const char *hash,
                  const char *token_sha, const char *expires, int64_t *id)
{
    int64_t n = 0;
    kz_db *db = kz_store_db(a->s);
    int rc;
    if (a->id == 0) {
        /* bootstrap: only on a database with no admin, active or disabled */
        if ((rc = kz_db_int(db, "SELECT COUNT(*) FROM accounts WHERE role = 'admin'", NULL, 0, &n)))
            return kz__dbfail(a, rc, "counting admins");
        if (n > 0)
            return kz__fail(a, KZ_EPERM, "adding an account needs an admin (--as); the first admin "
                                         "exists already");
        if (strcmp(role, "admin"))
            return kz__fail(a, KZ_EPERM, "the first account must be an admin, not %s %s",
                            role[0] == 'a' ? "an" : "a", role);
    } else if ((rc = kz__need(a, R_ADMIN, "adding an account")) != 0) {
        return rc;
    } else if (hash[0]) {
        return kz__fail(a, KZ_EPERM, "an admin does not choose another person's password: add "
                        "the account without one and give its owner the enrolment token");
    }
    kz_dbval q[] = { kz_dbstr(name) };
    rc = kz_db_int(db, "SELECT id FROM accounts WHERE name = $1", q, 1, &n);
    if (rc == 0)
        return kz__fail(a, KZ_EINVAL, "account '%s' exists already", name);
    if (rc != KZ_ENOTFOUND)
        return kz__dbfail(a, rc, "finding the account");
    char now[21];
    kz_store_now(now);
    kz_dbval p[] = { kz_dbstr(name), kz_dbstr(role), kz_dbstr(hash), kz_dbstr(now),
                     a->id ? kz_dbint(a->id) : kz_dbnull(), kz_dbstr(token_sha),
                     kz_dbstr(expires), kz_dbstr(hash[0] ? now : NULL) };
    if ((rc = kz_db_int(db, "INSERT INTO accounts (name, role, password_hash, disabled, created_at, "
                            "created_by, enrol_token_sha256, enrol_expires_at, enrolled_at) "
                            "VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8) RETURNING id", p, 8, id)) != 0)
        return kz__dbfail(a, rc, "adding the account");
    /* the row as stored, the password hash as a fingerprint: SHA-256 of the
     * Argon2id string, salt included, so that a hash swapped behind kuzet's
     * back shows (case/rows.h) while the log gives nobody anything to guess
     * the password from (the salt is not in it) */
    char fp[65];
    kz_rows_password_fingerprint(hash, fp);
    kz_jw after;
    kz_jw_init(&after);
    kz_jw_raw(&after, "{");
    account_fields(&after, name, role, 0);
    kz_jw_str(&after, "password_sha256", fp);
    kz_jw_str(&after, "created_by", a->name);
    kz_jw_str(&after, "created_at", now);
    kz_jw_str(&after, expires ? "enrol_expires_at" : "enrolled_at", expires ? expires : now);
    kz_jw_raw(&after, "}");
    if (!(rc = after.rc))
        rc = kz_store_audit(a->s, a->name, "account.create", "account", *id, NULL, after.b.p);
    if (rc)
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&after);
    return rc;
}

static int name_role_ok(kz_actor *a, const char *name, const char *role)
{
    if (!kz_account_name_ok(name))
        return kz__fail(a, KZ_EINVAL, "'%s' is not an account name: 1 to 64 characters of a-z, "
                        "0-9, '.', '_', '-' (and not 'system' or 'ingest')", name ? name : "");
    if (!kz_account_role_ok(role))
        return kz__fail(a, KZ_EINVAL, "unknown role '%s' (analyst, reviewer, supervisor, auditor, "
                        "admin)", role ? role : "");
    return 0;
}

/* Argon2id of a password that passes the length rules (outside any
 * transaction: it takes a while and holds no lock). */
static int hash_password(kz_actor *a, const char *password, char hash[crypto_pwhash_STRBYTES])
{
    if (!password || utf8_chars(password) < KZ_PASSWORD_MIN)
        return kz__fail(a, KZ_EINVAL, "the password must have at least %d characters",
                        KZ_PASSWORD_MIN);
    if (strlen(password) > KZ_PASSWORD_MAX)
        return kz__fail(a, KZ_EINVAL, "the password is longer than %d bytes", KZ_PASSWORD_MAX);
    if (crypto_pwhash_str(hash, password, strlen(password), PW_OPS, PW_MEM) != 0)
        return kz__fail(a, KZ_ENOMEM, "hashing the password: out of memory");
    return 0;
}

int kz_account_add(kz_actor *a, const char *name, const char *role, const char *password,
                   int64_t *id)
{
    char hash[crypto_pwhash_STRBYTES];
    int64_t tmp;
    if (!id)
        id = &tmp;
    *id = 0;
    int rc = name_role_ok(a, name, role);
    if (rc)
        return rc;
    if (a->id) {
        /* an admin (or anyone logged in) never sets another person's
         * password: kz_account_invite gives the owner a token */
        if ((rc = kz__begin(a)))
            return rc;
        if (!(rc = kz__need(a, R_ADMIN, "adding an account")))
            rc = kz__fail(a, KZ_EPERM, "an admin does not choose another person's password: add "
                          "the account without one and give its owner the enrolment token");
        return kz__end(a, rc);
    }
    if ((rc = hash_password(a, password, hash)))
        return rc;
    if ((rc = kz__begin(a)) == 0)
        rc = kz__end(a, do_add(a, name, role, hash, NULL, NULL, id));
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* SHA-256 of a token, hex. */
static void token_sha(const char *token, char out[65])
{
    kz_sha256_hex(token, strlen(token), out);
}

int kz_account_invite(kz_actor *a, const char *name, const char *role, int64_t ttl_seconds,
                      char token[KZ_ENROL_TOKEN_SIZE], char expires[21], int64_t *id)
{
    unsigned char raw[32];
    char sha[65], now[21];
    int64_t tmp;
    if (!id)
        id = &tmp;
    *id = 0;
    token[0] = expires[0] = '\0';
    int rc = name_role_ok(a, name, role);
    if (rc)
        return rc;
    if (a->id == 0)
        return kz__fail(a, KZ_EPERM, "adding an account needs an admin (--as)");
    if (ttl_seconds == 0)
        ttl_seconds = KZ_ENROL_TTL;
    if (ttl_seconds < 60 || ttl_seconds > 30 * 86400)
        return kz__fail(a, KZ_EINVAL, "an enrolment token is valid 1 minute to 30 days");
    randombytes_buf(raw, sizeof raw);
    memcpy(token, "kze_", 4);
    sodium_bin2base64(token + 4, KZ_ENROL_TOKEN_SIZE - 4, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    token_sha(token, sha);
    time_t t;
    kz_store_now(now);
    kz__time_parse(now, &t);
    kz__time_fmt(t + (time_t)ttl_seconds, expires);
    if ((rc = kz__begin(a)) == 0)
        rc = kz__end(a, do_add(a, name, role, "", sha, expires, id));
    if (rc) {
        sodium_memzero(token, KZ_ENROL_TOKEN_SIZE);
        expires[0] = '\0';
    }
    return rc;
}

/* The enrolment itself, in the caller's transaction; *aid, name: the
 * account, for auditing a refusal. */
static int do_enrol(kz_actor *a, const char *sha, const char *hash, int64_t *aid, char name[72])
{
    kz_db *db = kz_store_db(a->s);
    kz_dbres *r = NULL;
    char exp[32] = "", now[21];
    int64_t disabled = 0;
    kz_dbval p[] = { kz_dbstr(sha) };
    int rc = kz_db_query(db, "SELECT id, name, enrol_expires_at, disabled FROM accounts "
                         "WHERE enrol_token_sha256 = $1", p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "finding the token");
    if ((rc = kz_dbres_next(r)) == 1) {
        *aid = kz_dbres_int(r, 0);
        const char *n = kz_dbres_text(r, 1, NULL), *e = kz_dbres_text(r, 2, NULL);
        snprintf(name, 72, "%s", n ? n : "?");
        snprintf(exp, sizeof exp, "%s", e ? e : "");
        disabled = kz_dbres_int(r, 3);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "finding the token");
    if (!*aid)
        return kz__fail(a, KZ_EPERM, "no such enrolment token (never issued, or used already)");
    kz_store_now(now);
    if (disabled)
        return kz__fail(a, KZ_EPERM, "account '%s' is disabled", name);
    if (!exp[0] || strcmp(now, exp) >= 0)
        return kz__fail(a, KZ_EPERM, "the enrolment token of '%s' expired at %s; an admin issues "
                        "a new one (kuzet users token)", name, exp);
    kz_dbval q[] = { kz_dbstr(hash), kz_dbstr(now), kz_dbint(*aid) };
    if ((rc = kz_db_query(db, "UPDATE accounts SET password_hash = $1, enrolled_at = $2, "
                          "enrol_token_sha256 = NULL, enrol_expires_at = NULL WHERE id = $3",
                          q, 3, NULL)))
        return kz__dbfail(a, rc, "enrolling");
    char fp[65];
    kz_rows_password_fingerprint(hash, fp);
    return audit_account(a, name, "account.enrol", *aid, "{\"enrolled_at\":null}", "enrolled_at",
                         now, "password_sha256", fp);
}

int kz_account_enrol(kz_actor *a, const char *token, const char *password, char name[72])
{
    char hash[crypto_pwhash_STRBYTES], sha[65], why[600];
    int64_t aid = 0;
    name[0] = '\0';
    if (!token || strncmp(token, "kze_", 4) || strlen(token) != KZ_ENROL_TOKEN_SIZE - 1)
        return kz__fail(a, KZ_EINVAL, "'%.12s...' is not an enrolment token (kze_ and 43 "
                        "characters)", token ? token : "");
    int rc = hash_password(a, password, hash);
    if (rc)
        return rc;
    token_sha(token, sha);
    if ((rc = kz__begin(a)) == 0)
        rc = kz__end(a, do_enrol(a, sha, hash, &aid, name));
    sodium_memzero(hash, sizeof hash);
    if (rc == KZ_EPERM) {           /* a refused token is audited, like a refused log-in */
        snprintf(why, sizeof why, "%s", a->err);
        auth_failure(a->s, aid ? name : "?", aid, why, a->err, sizeof a->err);
        name[0] = '\0';
    }
    return rc;
}

int kz_account_reissue(kz_actor *a, const char *name, int64_t ttl_seconds,
                       char token[KZ_ENROL_TOKEN_SIZE], char expires[21])
{
    unsigned char raw[32];
    char sha[65], now[21];
    token[0] = expires[0] = '\0';
    if (ttl_seconds == 0)
        ttl_seconds = KZ_ENROL_TTL;
    if (ttl_seconds < 60 || ttl_seconds > 30 * 86400)
        return kz__fail(a, KZ_EINVAL, "an enrolment token is valid 1 minute to 30 days");
    int rc = kz__begin(a);
    if (rc)
        return rc;
    kz_db *db = kz_store_db(a->s);
    kz_dbres *r = NULL;
    int64_t id = 0, disabled = 0;
    char enrolled[32] = "";
    if ((rc = kz__need(a, R_ADMIN, "issuing an enrolment token")))
        return kz__end(a, rc);
    kz_dbval p[] = { kz_dbstr(name) };
    if ((rc = kz_db_query(db, "SELECT id, disabled, enrolled_at FROM accounts WHERE name = $1",
                          p, 1, &r)))
        return kz__end(a, kz__dbfail(a, rc, "finding the account"));
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *e = kz_dbres_null(r, 2) ? NULL : kz_dbres_text(r, 2, NULL);
        id = kz_dbres_int(r, 0);
        disabled = kz_dbres_int(r, 1);
        snprintf(enrolled, sizeof enrolled, "%s", e ? e : "");
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__end(a, kz__dbfail(a, rc, "finding the account"));
    if (!id)
        return kz__end(a, kz__fail(a, KZ_ENOTFOUND, "no account '%s'", name ? name : ""));
    if (disabled)
        return kz__end(a, kz__fail(a, KZ_ESTATE, "account '%s' is disabled", name));
    if (enrolled[0])
        return kz__end(a, kz__fail(a, KZ_ESTATE, "'%s' enrolled at %s; a token is only for an "
                                   "account that has not", name, enrolled));
    randombytes_buf(raw, sizeof raw);
    memcpy(token, "kze_", 4);
    sodium_bin2base64(token + 4, KZ_ENROL_TOKEN_SIZE - 4, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    token_sha(token, sha);
    time_t t;
    kz_store_now(now);
    kz__time_parse(now, &t);
    kz__time_fmt(t + (time_t)ttl_seconds, expires);
    kz_dbval q[] = { kz_dbstr(sha), kz_dbstr(expires), kz_dbint(id) };
    if ((rc = kz_db_query(db, "UPDATE accounts SET enrol_token_sha256 = $1, enrol_expires_at = $2 "
                          "WHERE id = $3", q, 3, NULL)))
        kz__dbfail(a, rc, "issuing the token");
    else
        rc = audit_account(a, a->name, "account.token", id, NULL, "enrol_expires_at", expires,
                           NULL, NULL);
    rc = kz__end(a, rc);
    if (rc) {
        sodium_memzero(token, KZ_ENROL_TOKEN_SIZE);
        expires[0] = '\0';
    }
    return rc;
}

static int do_disable(kz_actor *a, const char *name)
{
    kz_db *db = kz_store_db(a->s);
    kz_dbres *r = NULL;
    int rc = kz__need(a, R_ADMIN, "disabling an account");
    if (rc)
        return rc;
    kz_dbval p[] = { kz_dbstr(name) };
    if ((rc = kz_db_query(db, "SELECT id, role, disabled FROM accounts WHERE name = $1", p, 1, &r)))
        return kz__dbfail(a, rc, "finding the account");
    int64_t id = 0, disabled = 0;
    char role[16] = "";
    if ((rc = kz_dbres_next(r)) == 1) {
        const char *ro = kz_dbres_text(r, 1, NULL);
        id = kz_dbres_int(r, 0);
        disabled = kz_dbres_int(r, 2);
        snprintf(role, sizeof role, "%s", ro ? ro : "");
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return kz__dbfail(a, rc, "finding the account");
    if (!id)
        return kz__fail(a, KZ_ENOTFOUND, "no account '%s'", name);
    if (disabled)
        return kz__fail(a, KZ_ESTATE, "account '%s' is disabled already", name);
    if (!strcmp(role, "admin")) {
        int64_t n = 0;
        if ((rc = kz_db_int(db, "SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND "
                                "disabled = 0", NULL, 0, &n)))
            return kz__dbfail(a, rc, "counting admins");
        if (n <= 1)
            return kz__fail(a, KZ_EPERM, "'%s' is the last active admin; add another admin first",
                            name);
    }
    char now[21];
    kz_store_now(now);
    kz_dbval q2[] = { kz_dbint(id), kz_dbstr(now), a->id ? kz_dbint(a->id) : kz_dbnull() };
    if ((rc = kz_db_query(db, "UPDATE accounts SET disabled = 1, disabled_at = $2, disabled_by = $3 "
                          "WHERE id = $1", q2, 3, NULL)))
        return kz__dbfail(a, rc, "disabling the account");
    /* its sessions end with it (case/session.h) */
    if ((rc = kz_db_query(db, "DELETE FROM sessions WHERE account_id = $1", q2, 1, NULL)))
        return kz__dbfail(a, rc, "ending the account's sessions");
    kz_jw before, after;
    kz_jw_init(&before);
    kz_jw_init(&after);
    kz_jw_raw(&before, "{");
    account_fields(&before, name, role, 0);
    kz_jw_raw(&before, "}");
    kz_jw_raw(&after, "{");
    account_fields(&after, name, role, 1);
    kz_jw_str(&after, "disabled_at", now);
    kz_jw_str(&after, "disabled_by", a->name);
    kz_jw_raw(&after, "}");
    if (!(rc = before.rc ? before.rc : after.rc))
        rc = kz_store_audit(a->s, a->name, "account.disable", "account", id, before.b.p,
                            after.b.p);
    if (rc)
        kz__fail(a, rc, "auditing: %s", kz_store_errmsg(a->s));
    kz_jw_release(&before);
    kz_jw_release(&after);
    return rc;
}

int kz_account_disable(kz_actor *a, const char *name)
{
    int rc = kz__begin(a);
    return rc ? rc : kz__end(a, do_disable(a, name ? name : ""));
}

static int do_set_password(kz_actor *a, const char *name, const char *hash)
{
    kz_db *db = kz_store_db(a->s);
    int64_t id = 0;
    int rc;
    if (a->id == 0)
        return kz__fail(a, KZ_EPERM, "changing a password needs the account itself; "
                        "the system acts for no one (log in)");
    /* nobody else ever knows a password: not even an admin sets another's
     * (an account that has not enrolled gets a new enrolment token) */
    if (strcmp(a->name, name))
        return kz__fail(a, KZ_EPERM, "only the account '%s' itself may change its password",
                        name);
    if ((rc = kz__need(a, R_ANALYST | R_REVIEWER | R_SUPERVISOR | R_AUDITOR | R_ADMIN,
                       "changing a password")))
        return rc;
    kz_dbval q[] = { kz_dbstr(name) };
    rc = kz_db_int(db, "SELECT id FROM accounts WHERE name = $1", q, 1, &id);
    if (rc == KZ_ENOTFOUND)
        return kz__fail(a, KZ_ENOTFOUND, "no account '%s'", name);
    if (rc)
        return kz__dbfail(a, rc, "finding the account");
    kz_dbval u[] = { kz_dbstr(hash), kz_dbint(id) };
    if ((rc = kz_db_query(db, "UPDATE accounts SET password_hash = $1 WHERE id = $2", u, 2, NULL)))
        return kz__dbfail(a, rc, "changing the password");
    kz_dbval d[] = { kz_dbint(id) };
    if ((rc = kz_db_query(db, "DELETE FROM sessions WHERE account_id = $1", d, 1, NULL)))
        return kz__dbfail(a, rc, "ending the account's sessions");
    char fp[65];
    kz_rows_password_fingerprint(hash, fp);
    return audit_account(a, a->name, "account.password", id, NULL, "password_sha256", fp, NULL,
                         NULL);
}

int kz_account_set_password(kz_actor *a, const char *name, const char *password)
{
    char hash[crypto_pwhash_STRBYTES];
    if (!kz_account_name_ok(name))
        return kz__fail(a, KZ_EINVAL, "'%s' is not an account name", name ? name : "");
    if (!password || utf8_chars(password) < KZ_PASSWORD_MIN)
        return kz__fail(a, KZ_EINVAL, "the password must have at least %d characters",
                        KZ_PASSWORD_MIN);
    if (strlen(password) > KZ_PASSWORD_MAX)
        return kz__fail(a, KZ_EINVAL, "the password is longer than %d bytes", KZ_PASSWORD_MAX);
    if (crypto_pwhash_str(hash, password, strlen(password), PW_OPS, PW_MEM) != 0)
        return kz__fail(a, KZ_ENOMEM, "hashing the password: out of memory");
    int rc = kz__begin(a);
    if (!rc)
        rc = kz__end(a, do_set_password(a, name, hash));
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int kz_account_list_json(kz_actor *a, kz_buf *out)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(a->s), "SELECT x.id, x.name, x.role, x.disabled, x.created_at, "
                         "c.name, x.enrolled_at, x.enrol_expires_at, x.disabled_at, d.name, "
                         KZ__ACCOUNT_STATE("x") " FROM accounts x LEFT JOIN accounts c ON c.id = x.created_by "
                         "LEFT JOIN accounts d ON d.id = x.disabled_by ORDER BY x.name",
                         NULL, 0, &r);
    if (rc)
        return kz__dbfail(a, rc, "listing accounts");
    static const char *const keys[] = { "created_by", "enrolled_at", "enrol_expires_at",
                                         "disabled_at", "disabled_by" };
    while ((rc = kz_dbres_next(r)) == 1) {
        size_t n = 0;
        const char *name = kz_dbres_text(r, 1, &n), *role = kz_dbres_text(r, 2, NULL),
                   *at = kz_dbres_text(r, 4, NULL);
        const char *state = kz_dbres_text(r, 10, NULL);
        if ((rc = kz_buf_addf(out, "{\"id\":%lld,\"name\":", (long long)kz_dbres_int(r, 0))) ||
            (rc = kz_buf_add_json_str(out, name ? name : "", n)) ||
            (rc = kz_buf_addf(out, ",\"role\":\"%s\",\"state\":\"%s\",\"disabled\":%s,"
                              "\"created_at\":\"%s\"", role ? role : "", state ? state : "",
                              kz_dbres_int(r, 3) ? "true" : "false", at ? at : "")))
            break;
        for (int k = 0; k < 5 && !rc; k++) {
            const char *v = kz_dbres_null(r, 5 + k) ? NULL : kz_dbres_text(r, 5 + k, NULL);
            rc = kz_buf_addf(out, ",\"%s\":", keys[k]);
            if (!rc) rc = v ? kz_buf_add_json_str(out, v, strlen(v)) : kz_buf_adds(out, "null");
        }
        if (rc || (rc = kz_buf_adds(out, "}\n")))
            break;
    }
    kz_dbres_done(r);
    return rc < 0 ? kz__dbfail(a, rc, "listing accounts") : 0;
}
