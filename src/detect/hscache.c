/*
 * detect/hscache.c - compiled Hyperscan databases kept on disk
 * (detect/hscache.h): the key, the trust checks, the file format.
 *
 * A file is "<key>.hsdb" in the cache directory: the 8-byte magic, the key
 * (64 hex), the SHA-256 of the serialized database (64 hex), its length
 * (16 hex), then the bytes of hs_serialize_database.
 */
#include "hscache.h"
#include "util/buf.h"
#include "util/sha256.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC      "KZHSDB1\n"
#define MAGIC_LEN  8
#define HDR_LEN    (MAGIC_LEN + 64 + 64 + 16)
#define MAX_DB     ((size_t)512 << 20)
#define MAX_AGE    (30L * 86400)       /* a file unused this long is removed */

void kz_hscache_dir(char *out, size_t outsz)
{
    const char *e = getenv("KUZET_RULE_CACHE"), *x = getenv("XDG_CACHE_HOME"),
               *h = getenv("HOME");
    int n = 0;
    out[0] = '\0';
    if (e) {
        if (*e && strcmp(e, "off"))
            n = snprintf(out, outsz, "%s", e);
    } else if (x && x[0] == '/') {
        n = snprintf(out, outsz, "%s/kuzet/rules", x);
    } else if (h && h[0] == '/') {
        n = snprintf(out, outsz, "%s/.cache/kuzet/rules", h);
    }
    if (n < 0 || (size_t)n >= outsz)
        out[0] = '\0';
}

/* The user's own and writable by nobody else. */
static int trusted(const struct stat *st)
{
    return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* dir, made (0700, with its parents) when missing; 0 when it may be used. */
static int own_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT)
            return -1;
        char path[4096];
        size_t n = strlen(dir);
        if (n >= sizeof path)
            return -1;
        memcpy(path, dir, n + 1);
        for (char *p = path + 1; *p; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        if (stat(dir, &st) != 0)
            return -1;
    }
    return S_ISDIR(st.st_mode) && trusted(&st) ? 0 : -1;
}

/* The key: the SHA-256 of what the compile takes. */
static int make_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                    unsigned n, char key[65])
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return -1;
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    int rc = kz_buf_addf(&b, "kuzet hscache 1\n%s\nblock\ntune %u features %llu\n%u\n",
                         hs_version(), plat.tune, (unsigned long long)plat.cpu_features, n);
    for (unsigned i = 0; i < n && !rc; i++) {
        rc = kz_buf_addf(&b, "%u %u %zu:", flags[i], ids[i], strlen(exprs[i]));
        if (!rc)
            rc = kz_buf_add(&b, exprs[i], strlen(exprs[i]));
    }
    if (!rc)
        kz_sha256_hex(b.p, b.len, key);
    kz_buf_release(&b);
    return rc ? -1 : 0;
}

static int read_all(int fd, char *p, size_t n)
{
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The database in path when the file is trusted and whole; NULL else. */
static hs_database_t *load(const char *path, const char *key)
{
    hs_database_t *db = NULL;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !trusted(&st) ||
        st.st_size < HDR_LEN || (size_t)st.st_size > HDR_LEN + MAX_DB)
        goto out;
    size_t size = (size_t)st.st_size;
    if (!(buf = malloc(size)) || read_all(fd, buf, size) != 0)
        goto out;
    char sum[65], len[17], *end = NULL;
    memcpy(len, buf + MAGIC_LEN + 128, 16);
    len[16] = '\0';
    unsigned long long blen = strtoull(len, &end, 16);
    if (memcmp(buf, MAGIC, MAGIC_LEN) || memcmp(buf + MAGIC_LEN, key, 64) || end != len + 16 ||
        blen != size - HDR_LEN)
        goto out;
    kz_sha256_hex(buf + HDR_LEN, size - HDR_LEN, sum);
    if (memcmp(buf + MAGIC_LEN + 64, sum, 64))
        goto out;
    if (hs_deserialize_database(buf + HDR_LEN, size - HDR_LEN, &db) != HS_SUCCESS)
        db = NULL;
    else if (time(NULL) - st.st_mtime > 86400)
        futimens(fd, NULL);                     /* in use: not pruned */
out:
    free(buf);
    close(fd);
    return db;
}

/* Remove the files of dir unused for MAX_AGE (rules long changed). */
static void prune(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    time_t now = time(NULL);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        struct stat st;
        if (n != 64 + 5 || strcmp(e->d_name + 64, ".hsdb"))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && now - st.st_mtime > MAX_AGE)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* Write db to path: whole, under a temporary name, then renamed. */
static void save(const char *dir, const char *path, const char *key, const hs_database_t *db)
{
    char *bytes = NULL, tmp[4200], hdr[HDR_LEN + 1], sum[65];
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    int n = snprintf(tmp, sizeof tmp, "%s/.%.16s.XXXXXX", dir, key);
    int fd = n > 0 && (size_t)n < sizeof tmp ? mkstemp(tmp) : -1;
    if (fd >= 0) {
        kz_sha256_hex(bytes, len, sum);
        snprintf(hdr, sizeof hdr, "%s%s%s%016llx", MAGIC, key, sum, (unsigned long long)len);
        int ok = write_all(fd, hdr, HDR_LEN) == 0 && write_all(fd, bytes, len) == 0;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
        else
            prune(dir);
    }
    free(bytes);
}

hs_error_t kz_hscache_compile(const char *const *exprs, const unsigned *flags,
                              const unsigned *ids, unsigned n, hs_database_t **db,
                              hs_compile_error_t **cerr, int *from_cache)
{
    char dir[4096], key[65], path[4200];
    *from_cache = 0;
    kz_hscache_dir(dir, sizeof dir);
    int use = dir[0] && make_key(exprs, flags, ids, n, key) == 0 && own_dir(dir) == 0;
    if (use) {
        int k = snprintf(path, sizeof path, "%s/%s.hsdb", dir, key);
        use = k > 0 && (size_t)k < sizeof path;
    }
    if (use && (*db = load(path, key)) != NULL) {
        *cerr = NULL;
        *from_cache = 1;
        return HS_SUCCESS;
    }
    hs_error_t he = hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, cerr);
    if (he == HS_SUCCESS && use)
        save(dir, path, key, *db);
    return he;
}
