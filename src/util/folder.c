/*
 * util/folder.c - read files named by untrusted input, confined to one folder
 * (util/folder.h).
 *
 * A name is checked as text first (relative, no ".." above the folder),
 * then resolved beneath the folder's descriptor: openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS when the kernel has it, else
 * walk(), which opens one component at a time with O_NOFOLLOW, holds each
 * directory it entered (".." goes back to the one held, never to the
 * parent the file system names) and splices a relative symbolic link's
 * target into the rest of the name.  When openat2 refuses a link, walk()
 * runs as well, only to say which link and why.  The file found is then
 * checked by fstat and read up to the limit.
 */
#include "folder.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#include <sys/syscall.h>
#if defined(SYS_openat2) && defined(RESOLVE_BENEATH)
#define HAVE_OPENAT2 1
#endif
#endif
#endif

#define MAX_LINKS 40      /* the kernel's own limit on links followed */

/* The file itself: a FIFO must not block the open, a terminal must not
 * become the controlling one. */
#define FILE_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
/* A folder is only searched, never listed: O_PATH needs no read permission
 * (a folder with mode --x is walked as the kernel would). */
#ifdef O_PATH
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC)
#endif

struct kz_folder {
    int      fd;            /* the folder; -1 when it could not be opened */
    int      open_rc;       /* then: why, for every read */
    unsigned flags;
    int      no_openat2;    /* the kernel has no openat2: walk from now on */
    char     open_err[384];
    char     msg[384];
};

static int set(kz_folder *f, int rc, const char *fmt, ...) KZ_PRINTF(3, 4);
static int set(kz_folder *f, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    return rc;
}

int kz_folder_open(kz_folder **out, const char *path, unsigned flags)
{
    kz_folder *f = kz_calloc(1, sizeof *f);
    *out = NULL;
    if (!f)
        return KZ_ENOMEM;
    f->flags = flags;
    f->fd = open(path, DIR_FLAGS);
    if (f->fd < 0) {
        int e = errno;
        f->open_rc = e == ENOENT || e == ENOTDIR ? KZ_ENOTFOUND : KZ_EIO;
        snprintf(f->open_err, sizeof f->open_err, "cannot open the folder %.300s: %s", path,
                 strerror(e));
        memcpy(f->msg, f->open_err, sizeof f->msg);
    }
    *out = f;
    return f->open_rc;
}

void kz_folder_free(kz_folder **fp)
{
    if (!fp || !*fp)
        return;
    if ((*fp)->fd >= 0)
        close((*fp)->fd);
    free(*fp);
    *fp = NULL;
}

const char *kz_folder_errmsg(const kz_folder *f)
{
    return f ? f->msg : "";
}

/* The name as text: relative, no NUL, not too long, ".." never above the
 * folder, not too deep.  Copies it NUL-terminated into out. */
static int check_name(kz_folder *f, const char *name, size_t n, char *out)
{
    long depth = 0;
    if (n == 0)
        return set(f, KZ_EINVAL, "empty name");
    if (memchr(name, '\0', n))
        return set(f, KZ_EINVAL, "a NUL byte in the name");
    if (n > KZ_FOLDER_MAX_NAME)
        return set(f, KZ_EINVAL, "name longer than %d bytes", KZ_FOLDER_MAX_NAME);
    if (name[0] == '/')
        return set(f, KZ_EPERM, "absolute path: outside the folder");
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && name[j] != '/')
            j++;
        if (j - i == 2 && name[i] == '.' && name[i + 1] == '.') {
            if (--depth < 0)
                return set(f, KZ_EPERM, "\"..\" leads outside the folder");
        } else if (j - i > 0 && !(j - i == 1 && name[i] == '.') &&
                   ++depth > KZ_FOLDER_MAX_DEPTH) {
            return set(f, KZ_EINVAL, "nested deeper than %d folders", KZ_FOLDER_MAX_DEPTH);
        }
        i = j + 1;
    }
    memcpy(out, name, n);
    out[n] = '\0';
    return 0;
}

/* An open that failed with errno e: the code and message. */
static int open_error(kz_folder *f, int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return set(f, KZ_ENOTFOUND, "cannot open: %s", strerror(e));
    case EXDEV:
        return set(f, KZ_EPERM, "a symbolic link leads outside the folder");
    case ENXIO:     /* a socket, or a device with nothing behind it */
    case ENODEV:
        return set(f, KZ_EINVAL, "not a regular file (%s)", strerror(e));
    case ELOOP:
    case ENAMETOOLONG:
        return set(f, KZ_EINVAL, "cannot open: %s", strerror(e));
    default:
        return set(f, KZ_EIO, "cannot open: %s", strerror(e));
    }
}

/* Resolve name (checked by check_name) beneath f->fd one component at a
 * time and open the file it names with FILE_FLAGS into *out. */
static int walk(kz_folder *f, const char *name, int *out)
{
    int stack[KZ_FOLDER_MAX_DEPTH + 1];     /* the folders entered; [0] is f's */
    size_t depth = 0, pos = 0, links = 0;
    /* what is left of the name, links spliced in */
    char path[2 * (KZ_FOLDER_MAX_NAME + 1)], tmp[sizeof path];
    char comp[KZ_FOLDER_MAX_NAME + 1], link[KZ_FOLDER_MAX_NAME + 1];
    int rc;
    size_t plen = strlen(name);
    memcpy(path, name, plen + 1);
    stack[0] = f->fd;
    *out = -1;
    for (;;) {
        while (path[pos] == '/')
            pos++;
        if (!path[pos]) {       /* the name ends at a folder ("a/..", ".") */
            rc = set(f, KZ_EINVAL, "not a regular file: a directory");
            goto out;
        }
        size_t end = pos;
        while (path[end] && path[end] != '/')
            end++;
        size_t clen = end - pos;
        /* the last component names the file; with a '/' after it, a folder */
        int last = !path[end];
        memcpy(comp, path + pos, clen);
        comp[clen] = '\0';
        pos = end;
        if (clen == 1 && comp[0] == '.')
            continue;
        if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
            if (depth == 0) {   /* only a link can get here (check_name) */
                rc = set(f, KZ_EPERM, "a symbolic link leads outside the folder");
                goto out;
            }
            close(stack[depth--]);
            if (last) {
                rc = set(f, KZ_EINVAL, "not a regular file: a directory");
                goto out;
            }
            continue;
        }
        int cur = stack[depth];
        int fd = openat(cur, comp, last ? FILE_FLAGS | O_NOFOLLOW : DIR_FLAGS | O_NOFOLLOW);
        if (fd >= 0) {
            if (last) {
                *out = fd;
                rc = 0;
                goto out;
            }
            if (depth == KZ_FOLDER_MAX_DEPTH) {
                close(fd);
                rc = set(f, KZ_EINVAL, "nested deeper than %d folders", KZ_FOLDER_MAX_DEPTH);
                goto out;
            }
            stack[++depth] = fd;
            continue;
        }
        /* O_NOFOLLOW on a link fails (ELOOP; ENOTDIR with O_PATH and
         * O_DIRECTORY; EMLINK or EFTYPE elsewhere): is it one? */
        int e = errno;
        ssize_t ln = readlinkat(cur, comp, link, sizeof link);
        if (ln < 0) {
            rc = open_error(f, e);
            goto out;
        }
        if (++links > MAX_LINKS) {
            rc = open_error(f, ELOOP);
            goto out;
        }
        if (ln == 0 || (size_t)ln >= sizeof link) {
            rc = open_error(f, ln ? ENAMETOOLONG : ENOENT);
            goto out;
        }
        if (link[0] == '/') {
            rc = set(f, KZ_EPERM, "a symbolic link leads outside the folder");
            goto out;
        }
        /* the target, then (unless the link was the last component) '/'
         * and the rest, so "link/" still has to be a folder */
        size_t rest = strlen(path + pos);
        if ((size_t)ln + rest + 1 > sizeof tmp) {
            rc = open_error(f, ENAMETOOLONG);
            goto out;
        }
        memcpy(tmp, link, (size_t)ln);
        memcpy(tmp + ln, path + pos, rest + 1);
        memcpy(path, tmp, (size_t)ln + rest + 1);
        pos = 0;
    }
out:
    while (depth > 0)
        close(stack[depth--]);
    return rc;
}

/* Open name beneath f into *fd: openat2 when the kernel has it. */
static int open_beneath(kz_folder *f, const char *name, int *fd)
{
#ifdef HAVE_OPENAT2
    if (!(f->flags & KZ_FOLDER_WALK) && !f->no_openat2) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = FILE_FLAGS;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        /* EAGAIN: a rename somewhere on the system while a ".." was
         * resolved, and the kernel could not prove it stayed beneath
         * (openat2(2)); asking again is what the manual says to do, and
         * after a few tries the walk decides */
        long r = -1;
        for (int tries = 0; tries < 8; tries++) {
            r = syscall(SYS_openat2, f->fd, name, &how, sizeof how);
            if (r >= 0 || errno != EAGAIN)
                break;
        }
        if (r >= 0) {
            *fd = (int)r;
            return 0;
        }
        int e = errno;
        if (e == EAGAIN)
            return walk(f, name, fd);
        if (e == ENOSYS)
            f->no_openat2 = 1;          /* before Linux 5.6 */
        if (e != ENOSYS && e != EPERM && e != EINVAL && e != E2BIG) {
            if (e != EXDEV && e != ELOOP)
                return open_error(f, e);
            /* a link refused: the walk says which and why (it refuses it
             * too; should it not, the kernel's answer stands) */
            int rc = walk(f, name, fd);
            if (rc == 0) {
                close(*fd);
                *fd = -1;
                rc = open_error(f, e);
            }
            return rc;
        }
        /* ENOSYS, or a seccomp filter's EPERM / EINVAL: the walk decides */
    }
#endif
    return walk(f, name, fd);
}

static const char *kind(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a file";
}

/* Read the open file fd (a regular file, at most max bytes). */
static int read_fd(kz_folder *f, int fd, size_t max, uint8_t **data, size_t *len)
{
    struct stat st;
    uint8_t *buf = NULL;
    size_t n = 0, cap;
    int rc;
    if (max > SIZE_MAX / 4)
        max = SIZE_MAX / 4;
    if (fstat(fd, &st) != 0)
        return set(f, KZ_EIO, "cannot read: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return set(f, KZ_EINVAL, "not a regular file: %s", kind(st.st_mode));
    if (st.st_size < 0 || (uint64_t)st.st_size > max)
        return set(f, KZ_ETOOBIG, "file over %zu bytes", max);
    /* one byte more than its size, to see the end (or that it grew) */
    cap = (size_t)st.st_size + 1;
    if (!(buf = kz_malloc(cap)))
        return set(f, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
    for (;;) {
        if (n == cap) {
            if (n > max) {
                rc = set(f, KZ_ETOOBIG, "file over %zu bytes", max);
                goto out;
            }
            size_t ncap = KZ_MIN(cap * 2, max + 1);
            uint8_t *nb = kz_realloc(buf, ncap);
            if (!nb) {
                rc = set(f, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = set(f, KZ_EIO, "read error: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        rc = set(f, KZ_ETOOBIG, "file over %zu bytes", max);
        goto out;
    }
    if (n == cap) {                     /* room for the terminating NUL */
        uint8_t *nb = kz_realloc(buf, cap + 1);
        if (!nb) {
            rc = set(f, KZ_ENOMEM, "%s", kz_strerror(KZ_ENOMEM));
            goto out;
        }
        buf = nb;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    return rc;
}

int kz_folder_read(kz_folder *f, const char *name, size_t n, size_t max, uint8_t **data,
                   size_t *len)
{
    char path[KZ_FOLDER_MAX_NAME + 1];
    int fd = -1, rc;
    *data = NULL;
    *len = 0;
    f->msg[0] = '\0';
    if (f->fd < 0) {
        memcpy(f->msg, f->open_err, sizeof f->msg);
        return f->open_rc;
    }
    if ((rc = check_name(f, name, n, path)) != 0)
        return rc;
    if ((rc = open_beneath(f, path, &fd)) != 0)
        return rc;
    rc = read_fd(f, fd, max, data, len);
    close(fd);
    if (rc == 0)
        f->msg[0] = '\0';
    return rc;
}
