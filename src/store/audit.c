/*
 * store/audit.c - verifying the audit log, and signed checkpoints
 * (store/audit.h).
 */
#include "audit.h"
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

_Static_assert(KZ_AUDIT_PKLEN == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");
_Static_assert(KZ_AUDIT_SIGLEN == crypto_sign_BYTES, "Ed25519 signature size");
_Static_assert(KZ_AUDIT_SKLEN == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");

static const char *col(kz_dbres *r, int c)
{
    const char *s = kz_dbres_text(r, c, NULL);
    return s ? s : "";
}

/* The message a checkpoint signs. */
static int cp_message(char msg[96], int64_t seq, const char *hash)
{
    return snprintf(msg, 96, "kuzet-audit %lld %s", (long long)seq, hash);
}

static int sig_ok(const unsigned char *pk, const unsigned char *sig, int64_t seq, const char *hash)
{
    char msg[96];
    int n = cp_message(msg, seq, hash);
    return crypto_sign_verify_detached(sig, (const unsigned char *)msg, (unsigned long long)n,
                                       pk) == 0;
}

/* ---- checkpoint lines and keys -------------------------------------------- */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* exactly 2 * outlen hex digits in p[0..n) */
static int hex_exact(const char *p, size_t n, unsigned char *out, size_t outlen)
{
    size_t got = 0;
    if (n != 2 * outlen)
        return KZ_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
              (p[i] >= 'A' && p[i] <= 'F')))
            return KZ_EINVAL;
    if (sodium_hex2bin(out, outlen, p, n, NULL, &got, NULL) != 0 || got != outlen)
        return KZ_EINVAL;
    return 0;
}

int kz_audit_pk_parse(const char *hex, size_t n, unsigned char pk[KZ_AUDIT_PKLEN])
{
    while (n && is_blank(*hex)) {
        hex++;
        n--;
    }
    while (n && is_blank(hex[n - 1]))
        n--;
    return hex_exact(hex, n, pk, KZ_AUDIT_PKLEN);
}

void kz_audit_pk_hex(const unsigned char pk[KZ_AUDIT_PKLEN], char out[2 * KZ_AUDIT_PKLEN + 1])
{
    sodium_bin2hex(out, 2 * KZ_AUDIT_PKLEN + 1, pk, KZ_AUDIT_PKLEN);
}

int kz_audit_cp_parse(const char *line, size_t n, kz_audit_cp *cp, char *why, size_t whysz)
{
    static const char *const names[5] = { "sequence number", "hash", "time", "public key",
                                          "signature" };
    const char *f[6];
    size_t len[6], nf = 0, i = 0;
    memset(cp, 0, sizeof *cp);
    while (i < n) {
        while (i < n && is_blank(line[i]))
            i++;
        if (i >= n)
            break;
        size_t start = i;
        while (i < n && !is_blank(line[i]))
            i++;
        if (nf == 6)
            break;
        f[nf] = line + start;
        len[nf++] = i - start;
    }
    if (nf != 5) {
        snprintf(why, whysz, "a checkpoint is 5 fields (SEQ HASH TIME PUBLIC-KEY SIGNATURE), "
                 "not %s%zu", nf > 5 ? "more than " : "", nf > 5 ? (size_t)5 : nf);
        return KZ_EINVAL;
    }
    int64_t seq = 0;
    int bad = len[0] == 0 || len[0] > 18 ? 0 : -1;
    for (size_t k = 0; bad < 0 && k < len[0]; k++) {
        if (f[0][k] < '0' || f[0][k] > '9')
            bad = 0;
        else
            seq = seq * 10 + (f[0][k] - '0');
    }
    if (bad < 0 && seq < 1)
        bad = 0;
    unsigned char h[32];
    if (bad < 0 && hex_exact(f[1], len[1], h, sizeof h))
        bad = 1;
    if (bad < 0 && (len[2] < 1 || len[2] >= sizeof cp->at))
        bad = 2;
    if (bad < 0 && hex_exact(f[3], len[3], cp->pk, sizeof cp->pk))
        bad = 3;
    if (bad < 0 && hex_exact(f[4], len[4], cp->sig, sizeof cp->sig))
        bad = 4;
    if (bad >= 0) {
        snprintf(why, whysz, "the checkpoint's %s '%.*s' is not %s", names[bad],
                 (int)KZ_MIN(len[bad], (size_t)140), f[bad],
                 bad == 0 ? "a number from 1" : bad == 2 ? "a time" : bad == 4
                 ? "128 hex digits" : "64 hex digits");
        return KZ_EINVAL;
    }
    cp->seq = seq;
    sodium_bin2hex(cp->hash, sizeof cp->hash, h, sizeof h);      /* lower case, as stored */
    memcpy(cp->at, f[2], len[2]);
    cp->at[len[2]] = '\0';
    return 0;
}

int kz_audit_cp_signed(const kz_audit_cp *cp)
{
    return sig_ok(cp->pk, cp->sig, cp->seq, cp->hash);
}

/* ---- verifying ------------------------------------------------------------- */

/* A failure at entry seq (0: at none).  The first entry that does not
 * verify is the one named: a failure at an earlier entry replaces a later
 * one, a failure at no entry replaces nothing. */
static void problem(kz_audit_report *rep, int64_t seq, const char *fmt, ...) KZ_PRINTF(3, 4);
static void problem(kz_audit_report *rep, int64_t seq, const char *fmt, ...)
{
    if (rep->failed && !(seq && (!rep->bad_seq || seq < rep->bad_seq)))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->why, sizeof rep->why, fmt, ap);
    va_end(ap);
    rep->failed = 1;
    rep->bad_seq = seq;
}

static int verify_chain(kz_store *s, kz_audit_report *rep)
{
    kz_dbres *r = NULL;
    char prev[65] = ZERO_HASH, hex[65];
    int64_t expect = 1;
    int rc = kz_db_query(kz_store_db(s), "SELECT seq, at, actor, action, entity, entity_id, "
                         "before_state, after_state, prev_hash, hash FROM audit_log ORDER BY seq",
                         NULL, 0, &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        int64_t seq = kz_dbres_int(r, 0);
        rep->entries++;
        if (seq != expect) {
            problem(rep, expect, "entry %lld is missing (the next is %lld)", (long long)expect,
                    (long long)seq);
            break;
        }
        if (strcmp(col(r, 8), prev) != 0) {
            problem(rep, seq, "entry %lld does not follow entry %lld (its previous hash differs)",
                    (long long)seq, (long long)seq - 1);
            break;
        }
        kz_store_entry_hash(prev, seq, col(r, 1), col(r, 2), col(r, 3), col(r, 4),
                            kz_dbres_int(r, 5), kz_dbres_text(r, 6, NULL),
                            kz_dbres_text(r, 7, NULL), hex);
        if (strcmp(col(r, 9), hex) != 0) {
            problem(rep, seq, "entry %lld was changed (its hash does not match its contents)",
                    (long long)seq);
            break;
        }
        memcpy(prev, hex, sizeof prev);
        expect = seq + 1;
    }
    kz_dbres_done(r);
    rep->last = expect - 1;
    return rc < 0 ? rc : 0;
}

typedef struct pinset {
    const unsigned char (*k)[KZ_AUDIT_PKLEN];
    size_t n;
} pinset;

static int pinned(const pinset *p, const unsigned char *pk)
{
    for (size_t i = 0; i < p->n; i++)
        if (!memcmp(p->k[i], pk, KZ_AUDIT_PKLEN))
            return 1;
    return 0;
}

/* "the pinned key HEX" or "any of the 3 pinned keys" */
static void pins_text(const pinset *p, char *out, size_t n)
{
    char hex[2 * KZ_AUDIT_PKLEN + 1];
    if (p->n == 1) {
        kz_audit_pk_hex(p->k[0], hex);
        snprintf(out, n, "the pinned key %s", hex);
    } else {
        snprintf(out, n, "any of the %zu pinned keys", p->n);
    }
}

static int verify_checkpoints(kz_store *s, kz_audit_report *rep, const pinset *pins,
                              int chain_whole)
{
    kz_dbres *r = NULL;
    char want[160], hex[2 * KZ_AUDIT_PKLEN + 1];
    int rc = kz_db_query(kz_store_db(s), "SELECT c.seq, c.hash, c.public_key, c.signature, "
                         "a.hash FROM audit_checkpoints c LEFT JOIN audit_log a ON a.seq = c.seq "
                         "ORDER BY c.seq", NULL, 0, &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        int64_t seq = kz_dbres_int(r, 0);
        const char *hash = col(r, 1), *pkh = col(r, 2), *sigh = col(r, 3);
        unsigned char pk[KZ_AUDIT_PKLEN], sig[KZ_AUDIT_SIGLEN];
        rep->checkpoints++;
        if (hex_exact(pkh, strlen(pkh), pk, sizeof pk) ||
            hex_exact(sigh, strlen(sigh), sig, sizeof sig)) {
            problem(rep, seq, "the checkpoint at entry %lld has a bad signature (its key or "
                    "signature is not hex)", (long long)seq);
            continue;
        }
        if (pins->n && !pinned(pins, pk)) {
            kz_audit_pk_hex(pk, hex);
            pins_text(pins, want, sizeof want);
            problem(rep, seq, "the checkpoint at entry %lld was signed by key %s, not by %s",
                    (long long)seq, hex, want);
            continue;
        }
        if (strlen(hash) != 64 || !sig_ok(pk, sig, seq, hash)) {
            problem(rep, seq, "the checkpoint at entry %lld has a bad signature", (long long)seq);
            continue;
        }
        if (seq > rep->last || kz_dbres_null(r, 4)) {
            if (chain_whole)
                problem(rep, rep->last + 1, "entry %lld is missing: a checkpoint signed the log "
                        "up to entry %lld (the log was truncated)", (long long)rep->last + 1,
                        (long long)seq);
            continue;
        }
        if (strcmp(col(r, 4), hash) != 0) {
            problem(rep, seq, "entry %lld differs from what the checkpoint signed", (long long)seq);
            continue;
        }
        rep->good++;
        if (seq > rep->covered)
            rep->covered = seq;
    }
    kz_dbres_done(r);
    return rc < 0 ? rc : 0;
}

static int verify_saved(kz_store *s, kz_audit_report *rep, const pinset *pins,
                        const kz_audit_cp *cp, int chain_whole)
{
    char want[160], hex[2 * KZ_AUDIT_PKLEN + 1];
    if (!pinned(pins, cp->pk)) {
        kz_audit_pk_hex(cp->pk, hex);
        pins_text(pins, want, sizeof want);
        problem(rep, cp->seq, "the saved checkpoint at entry %lld was signed by key %s, not by %s",
                (long long)cp->seq, hex, want);
        return 0;
    }
    if (!kz_audit_cp_signed(cp)) {
        problem(rep, cp->seq, "the saved checkpoint at entry %lld has a bad signature (it is not "
                "what kuzet signed)", (long long)cp->seq);
        return 0;
    }
    if (cp->seq > rep->last) {
        if (chain_whole)
            problem(rep, rep->last + 1, "the log does not extend the saved checkpoint: it ends at "
                    "entry %lld, and the checkpoint signed entry %lld (the log was cut back)",
                    (long long)rep->last, (long long)cp->seq);
        return 0;
    }
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(cp->seq) };
    int rc = kz_db_query(kz_store_db(s), "SELECT hash FROM audit_log WHERE seq = $1", p, 1, &r);
    if (rc)
        return rc;
    int same = 0;
    if ((rc = kz_dbres_next(r)) == 1) {
        same = !strcmp(col(r, 0), cp->hash);
        rc = 0;
    }
    kz_dbres_done(r);
    if (rc < 0)
        return rc;
    if (!same) {
        problem(rep, cp->seq, "entry %lld differs from the saved checkpoint (the log was "
                "rewritten at or before it)", (long long)cp->seq);
        return 0;
    }
    if (cp->seq > rep->saved_max)
        rep->saved_max = cp->seq;
    if (cp->seq > rep->covered)
        rep->covered = cp->seq;
    return 0;
}

int kz_audit_verify(kz_store *s, const kz_audit_opts *opts, kz_audit_report *rep)
{
    static const kz_audit_opts none;
    unsigned char (*saved_keys)[KZ_AUDIT_PKLEN] = NULL;
    int rc;
    if (!opts)
        opts = &none;
    memset(rep, 0, sizeof *rep);
    pinset pins = { opts->pins, opts->npins };
    if (!pins.n && opts->nsaved) {
        /* a saved checkpoint came from outside the database: its key is
         * the one to check the database's checkpoints against */
        if (!(saved_keys = kz_calloc(opts->nsaved, sizeof *saved_keys)))
            return KZ_ENOMEM;
        for (size_t i = 0; i < opts->nsaved; i++)
            memcpy(saved_keys[i], opts->saved[i].pk, KZ_AUDIT_PKLEN);
        pins.k = (const unsigned char (*)[KZ_AUDIT_PKLEN])saved_keys;
        pins.n = opts->nsaved;
    }
    rep->pinned = pins.n > 0;
    if ((rc = verify_chain(s, rep)) != 0)
        goto out;
    int chain_whole = !rep->failed;
    if ((rc = verify_checkpoints(s, rep, &pins, chain_whole)) != 0)
        goto out;
    for (size_t i = 0; i < opts->nsaved; i++)
        if ((rc = verify_saved(s, rep, &pins, &opts->saved[i], chain_whole)) != 0)
            goto out;
    rep->uncovered = rep->last > rep->covered ? rep->last - rep->covered : 0;
    if (rep->failed)
        goto out;
    char want[160];
    pins_text(&pins, want, sizeof want);
    if (rep->pinned && !rep->covered && !rep->last) {
        problem(rep, 0, "the log is empty, and no checkpoint signed by %s is left: nothing shows "
                "what it held (a new database has nothing to verify yet)", want);
    } else if (rep->uncovered) {
        char range[64];
        if (rep->uncovered == 1)
            snprintf(range, sizeof range, "entry %lld is", (long long)rep->last);
        else
            snprintf(range, sizeof range, "entries %lld to %lld (%lld) are",
                     (long long)rep->covered + 1, (long long)rep->last, (long long)rep->uncovered);
        char last[64] = "there is none";
        if (rep->covered)
            snprintf(last, sizeof last, "the last one signs entry %lld", (long long)rep->covered);
        problem(rep, rep->covered + 1, "%s not covered by a checkpoint%s%s (%s): appended "
                "behind kuzet's back, or stored by a kuzet that could not sign", range,
                rep->pinned ? " signed by " : "", rep->pinned ? want : "", last);
    }
out:
    free(saved_keys);
    return rc;
}

int kz_audit_snapshot_begin(kz_store *s)
{
    kz_db *db = kz_store_db(s);
    int pg = !strcmp(kz_db_scheme(db), "postgresql");
    int rc = kz_db_exec(db, pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    if (!rc && !pg) {
        /* SQLite's read transaction (its snapshot) starts at the first read */
        int64_t n = 0;
        rc = kz_db_int(db, "SELECT COUNT(*) FROM audit_checkpoints", NULL, 0, &n);
        if (rc)
            kz_db_exec(db, "ROLLBACK");
    }
    return rc;
}

void kz_audit_snapshot_end(kz_store *s)
{
    kz_db_exec(kz_store_db(s), "ROLLBACK");
}

/* ---- keys and signing ------------------------------------------------------ */

void kz_audit_key_path(const kz_store *s, char *out, size_t outsz)
{
    const char *env = getenv("KUZET_AUDIT_KEY");
    const char *uri = kz_store_uri(s);
    if (env && *env)
        snprintf(out, outsz, "%s", env);
    else if (strcmp(kz_db_scheme(kz_store_db((kz_store *)s)), "sqlite") != 0)
        snprintf(out, outsz, "kuzet-audit.key");       /* a URI is no path */
    else
        snprintf(out, outsz, "%s.audit-key", !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri);
}

/* The secret key from path, made when missing.  A path that names nothing
 * readable but exists (a symbolic link to nothing, say) is refused, never
 * replaced: the key is made only where there is no file at all. */
int kz_audit_key_load(const char *path, unsigned char sk[KZ_AUDIT_SKLEN], char *why, size_t whysz)
{
    char hex[crypto_sign_SECRETKEYBYTES * 2 + 2];
    struct stat st;
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = -1;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                n = read(fd, hex, sizeof hex - 1);
            else
                errno = EINVAL;
            int err = errno;
            close(fd);
            if (n < 0 && err == EINVAL) {
                snprintf(why, whysz, "audit key %s: not a regular file", path);
                return KZ_EINVAL;
            }
            if (n < (ssize_t)(crypto_sign_SECRETKEYBYTES * 2) ||
                sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, hex,
                               crypto_sign_SECRETKEYBYTES * 2, NULL, NULL, NULL)) {
                sodium_memzero(hex, sizeof hex);
                snprintf(why, whysz, "audit key %s: not a kuzet audit key", path);
                return KZ_EINVAL;
            }
            sodium_memzero(hex, sizeof hex);
            return 0;
        }
        if (errno != ENOENT) {
            snprintf(why, whysz, "audit key %s: %s", path, strerror(errno));
            return KZ_EIO;
        }
        if (lstat(path, &st) == 0) {
            snprintf(why, whysz, "audit key %s: a symbolic link to nothing; remove it, or "
                     "point it at the key", path);
            return KZ_EINVAL;
        }
        if (attempt)
            break;
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        crypto_sign_keypair(pk, sk);
        sodium_bin2hex(hex, sizeof hex, sk, crypto_sign_SECRETKEYBYTES);
        /* written to a temporary file, then linked into place: a crash never
         * leaves a half-written key, and two processes never make two keys */
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            sodium_memzero(hex, sizeof hex);
            snprintf(why, whysz, "audit key %s: cannot create: %s", path, strerror(errno));
            return KZ_EIO;
        }
        size_t len = strlen(hex);
        hex[len++] = '\n';
        int ok = write(fd, hex, len) == (ssize_t)len && fsync(fd) == 0;
        if (close(fd) != 0)
            ok = 0;
        int err = errno;
        int linked = ok && link(tmp, path) == 0;
        if (ok && !linked)
            err = errno;
        unlink(tmp);
        sodium_memzero(hex, sizeof hex);
        if (linked)
            return 0;
        if (!ok || err != EEXIST) {
            snprintf(why, whysz, "audit key %s: cannot create: %s", path, strerror(err));
            return KZ_EIO;
        }
        /* another process made one first: read that one */
    }
    snprintf(why, whysz, "audit key %s: cannot be read or created", path);
    return KZ_EIO;
}

int kz_audit_key_public(const char *path, unsigned char pk[KZ_AUDIT_PKLEN], char *why,
                        size_t whysz)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = kz_audit_key_load(path, sk, why, whysz);
    if (!rc)
        crypto_sign_ed25519_sk_to_pk(pk, sk);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int kz_audit_key_exposed(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0;
}

int kz_audit_sign_entry(kz_store *s, const unsigned char sk[KZ_AUDIT_SKLEN], int64_t seq,
                        const char *hash, char *line, size_t linesz)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    char pkhex[crypto_sign_PUBLICKEYBYTES * 2 + 1], sighex[crypto_sign_BYTES * 2 + 1];
    char now[21], msg[96];
    int n = cp_message(msg, seq, hash);
    crypto_sign_ed25519_sk_to_pk(pk, sk);
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, (unsigned long long)n, sk);
    sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
    sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
    kz_store_now(now);
    kz_dbval p[] = { kz_dbint(seq), kz_dbstr(hash), kz_dbstr(now), kz_dbstr(pkhex),
                     kz_dbstr(sighex) };
    int rc = kz_db_query(kz_store_db(s), "INSERT INTO audit_checkpoints (seq, hash, at, "
                         "public_key, signature) VALUES ($1, $2, $3, $4, $5) "
                         "ON CONFLICT (seq) DO NOTHING", p, 5, NULL);
    if (!rc && line)
        snprintf(line, linesz, "%lld %s %s %s %s", (long long)seq, hash, now, pkhex, sighex);
    return rc;
}

int kz_audit_checkpoint(kz_store *s, const char *key_path, char *line, size_t linesz)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    char hash[65] = "", why[512];
    int64_t seq = 0;
    kz_dbres *r = NULL;
    int rc = kz_audit_key_load(key_path, sk, why, sizeof why);
    if (rc) {
        kz_store_set_errmsg(s, "%s", why);
        return rc;
    }
    if ((rc = kz_db_query(kz_store_db(s), "SELECT seq, hash FROM audit_log ORDER BY seq DESC "
                          "LIMIT 1", NULL, 0, &r)) != 0)
        goto out;
    if ((rc = kz_dbres_next(r)) == 1) {
        seq = kz_dbres_int(r, 0);
        snprintf(hash, sizeof hash, "%s", col(r, 1));
        rc = 0;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    if (rc)
        goto out;
    rc = kz_audit_sign_entry(s, sk, seq, hash, line, linesz);
out:
    if (rc && rc != KZ_ENOTFOUND)
        kz_store_set_errmsg(s, "%s", kz_db_errmsg(kz_store_db(s)));
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int kz_audit_latest(kz_store *s, kz_audit_stored *cp)
{
    kz_dbres *r = NULL;
    memset(cp, 0, sizeof *cp);
    int rc = kz_db_query(kz_store_db(s), "SELECT seq, hash, at, public_key, signature FROM "
                         "audit_checkpoints ORDER BY seq DESC LIMIT 1", NULL, 0, &r);
    if (rc) {
        kz_store_set_errmsg(s, "reading the checkpoints: %s", kz_db_errmsg(kz_store_db(s)));
        return rc;
    }
    rc = kz_dbres_next(r);
    if (rc == 1) {
        const char *f[4];
        for (int i = 0; i < 4; i++) {
            f[i] = kz_dbres_text(r, i + 1, NULL);
            f[i] = f[i] ? f[i] : "";
        }
        cp->seq = kz_dbres_int(r, 0);
        snprintf(cp->hash, sizeof cp->hash, "%s", f[0]);
        snprintf(cp->at, sizeof cp->at, "%s", f[1]);
        snprintf(cp->public_key, sizeof cp->public_key, "%s", f[2]);
        snprintf(cp->signature, sizeof cp->signature, "%s", f[3]);
        snprintf(cp->line, sizeof cp->line, "%lld %s %s %s %s", (long long)cp->seq, cp->hash,
                 cp->at, cp->public_key, cp->signature);
        rc = 0;
    } else if (rc == 0) {
        kz_store_set_errmsg(s, "no checkpoint has been signed yet");
        rc = KZ_ENOTFOUND;
    } else {
        kz_store_set_errmsg(s, "reading the checkpoints: %s", kz_db_errmsg(kz_store_db(s)));
    }
    kz_dbres_done(r);
    return rc;
}

int kz_audit_latest_json(kz_store *s, kz_buf *out)
{
    kz_audit_stored cp;
    int rc = kz_audit_latest(s, &cp);
    if (rc)
        return rc;
    return kz_buf_addf(out, "{\"seq\":%lld,\"hash\":\"%s\",\"at\":\"%s\",\"public_key\":\"%s\","
                       "\"signature\":\"%s\",\"line\":\"%s\"}\n", (long long)cp.seq, cp.hash, cp.at,
                       cp.public_key, cp.signature, cp.line);
}
