/*
 * store/audit.c - verifying the audit log, and signed checkpoints.
 */
#include "audit.h"
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static const char *col(kz_dbres *r, int c)
{
    const char *s = kz_dbres_text(r, c, NULL);
    return s ? s : "";
}

static int verify_chain(kz_store *s, kz_audit_report *rep, int64_t *last_seq)
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
            rep->bad_seq = expect;
            snprintf(rep->why, sizeof rep->why, "entry %lld is missing (the next is %lld)",
                     (long long)expect, (long long)seq);
            break;
        }
        if (strcmp(col(r, 8), prev) != 0) {
            rep->bad_seq = seq;
            snprintf(rep->why, sizeof rep->why, "entry %lld does not follow entry %lld "
                     "(its previous hash differs)", (long long)seq, (long long)seq - 1);
            break;
        }
        kz_store_entry_hash(prev, seq, col(r, 1), col(r, 2), col(r, 3), col(r, 4),
                            kz_dbres_int(r, 5), kz_dbres_text(r, 6, NULL),
                            kz_dbres_text(r, 7, NULL), hex);
        if (strcmp(col(r, 9), hex) != 0) {
            rep->bad_seq = seq;
            snprintf(rep->why, sizeof rep->why, "entry %lld was changed (its hash does not "
                     "match its contents)", (long long)seq);
            break;
        }
        memcpy(prev, hex, sizeof prev);
        expect = seq + 1;
    }
    kz_dbres_done(r);
    *last_seq = expect - 1;
    return rc < 0 ? rc : 0;
}

static int verify_checkpoints(kz_store *s, kz_audit_report *rep, int64_t last_seq)
{
    kz_dbres *r = NULL;
    int rc = kz_db_query(kz_store_db(s), "SELECT c.seq, c.hash, c.public_key, c.signature, "
                         "a.hash FROM audit_checkpoints c LEFT JOIN audit_log a ON a.seq = c.seq "
                         "ORDER BY c.seq", NULL, 0, &r);
    if (rc)
        return rc;
    while ((rc = kz_dbres_next(r)) == 1) {
        int64_t seq = kz_dbres_int(r, 0);
        const char *hash = col(r, 1);
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
        char msg[96];
        int n = snprintf(msg, sizeof msg, "kuzet-audit %lld %s", (long long)seq, hash);
        rep->checkpoints++;
        if (sodium_hex2bin(pk, sizeof pk, col(r, 2), strlen(col(r, 2)), NULL, NULL, NULL) ||
            sodium_hex2bin(sig, sizeof sig, col(r, 3), strlen(col(r, 3)), NULL, NULL, NULL) ||
            crypto_sign_verify_detached(sig, (const unsigned char *)msg, (unsigned long long)n, pk)) {
            rep->bad_seq = seq;
            snprintf(rep->why, sizeof rep->why, "the checkpoint at entry %lld has a bad "
                     "signature", (long long)seq);
            break;
        }
        if (seq > last_seq || kz_dbres_null(r, 4)) {
            if (!rep->bad_seq || rep->bad_seq > last_seq + 1) {
                rep->bad_seq = last_seq + 1;
                snprintf(rep->why, sizeof rep->why, "entry %lld is missing: a checkpoint signed "
                         "the log up to entry %lld (the log was truncated)",
                         (long long)last_seq + 1, (long long)seq);
            }
            break;
        }
        if (strcmp(col(r, 4), hash) != 0 && !rep->bad_seq) {
            rep->bad_seq = seq;
            snprintf(rep->why, sizeof rep->why, "entry %lld differs from what the checkpoint "
                     "signed", (long long)seq);
            break;
        }
    }
    kz_dbres_done(r);
    return rc < 0 ? rc : 0;
}

int kz_audit_verify(kz_store *s, kz_audit_report *rep)
{
    int64_t last = 0;
    memset(rep, 0, sizeof *rep);
    int rc = verify_chain(s, rep, &last);
    if (rc)
        return rc;
    if (rep->bad_seq)
        last = rep->bad_seq - 1;
    int64_t bad = rep->bad_seq;
    char why[256];
    memcpy(why, rep->why, sizeof why);
    rep->bad_seq = 0;
    rc = verify_checkpoints(s, rep, last);
    if (bad && (!rep->bad_seq || bad <= rep->bad_seq)) {   /* the first problem wins */
        rep->bad_seq = bad;
        memcpy(rep->why, why, sizeof why);
    }
    return rc;
}

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
static int load_key(kz_store *s, const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES])
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
                kz_store_set_errmsg(s, "audit key %s: not a regular file", path);
                return KZ_EINVAL;
            }
            if (n < (ssize_t)(crypto_sign_SECRETKEYBYTES * 2) ||
                sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, hex,
                               crypto_sign_SECRETKEYBYTES * 2, NULL, NULL, NULL)) {
                kz_store_set_errmsg(s, "audit key %s: not a kuzet audit key", path);
                return KZ_EINVAL;
            }
            return 0;
        }
        if (errno != ENOENT) {
            kz_store_set_errmsg(s, "audit key %s: %s", path, strerror(errno));
            return KZ_EIO;
        }
        if (lstat(path, &st) == 0) {
            kz_store_set_errmsg(s, "audit key %s: a symbolic link to nothing; remove it, or "
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
            kz_store_set_errmsg(s, "audit key %s: cannot create: %s", path, strerror(errno));
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
            kz_store_set_errmsg(s, "audit key %s: cannot create: %s", path, strerror(err));
            return KZ_EIO;
        }
        /* another process made one first: read that one */
    }
    kz_store_set_errmsg(s, "audit key %s: cannot be read or created", path);
    return KZ_EIO;
}

int kz_audit_key_exposed(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0;
}

int kz_audit_checkpoint(kz_store *s, const char *key_path, char *line, size_t linesz)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sig[crypto_sign_BYTES];
    char pkhex[crypto_sign_PUBLICKEYBYTES * 2 + 1], sighex[crypto_sign_BYTES * 2 + 1];
    char hash[65] = "", now[21], msg[96];
    int64_t seq = 0;
    kz_dbres *r = NULL;
    int rc = load_key(s, key_path, sk);
    if (rc)
        return rc;
    crypto_sign_ed25519_sk_to_pk(pk, sk);
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
    int n = snprintf(msg, sizeof msg, "kuzet-audit %lld %s", (long long)seq, hash);
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, (unsigned long long)n, sk);
    sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
    sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
    kz_store_now(now);
    kz_dbval p[] = { kz_dbint(seq), kz_dbstr(hash), kz_dbstr(now), kz_dbstr(pkhex),
                     kz_dbstr(sighex) };
    rc = kz_db_query(kz_store_db(s), "INSERT INTO audit_checkpoints (seq, hash, at, public_key, "
                     "signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING",
                     p, 5, NULL);
    if (!rc)
        snprintf(line, linesz, "%lld %s %s %s %s", (long long)seq, hash, now, pkhex, sighex);
out:
    sodium_memzero(sk, sizeof sk);
    return rc;
}
