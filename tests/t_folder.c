/*
 * tests/t_folder.c - util/folder.c: names that stay inside the folder are
 * read, everything else is refused with its reason (absolute names, "..",
 * links out, /proc magic links, FIFOs, sockets, devices, directories,
 * missing files, size limits), each case through openat2 and through the
 * portable walk, which must agree.
 */
#include "kt.h"
#include "util/folder.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char top[64];                /* top/secret.txt, top/root = the folder */

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", top, rel);
    FILE *fp = fopen(p, "w");
    if (!fp || fputs(text, fp) < 0 || fclose(fp) != 0)
        abort();
}

static void lnk(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", top, rel);
    if (symlink(target, p) != 0)
        abort();
}

static void dir(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", top, rel);
    if (mkdir(p, 0755) != 0)
        abort();
}

static void make_tree(void)
{
    char p[512];
    snprintf(top, sizeof top, "/tmp/kt-folder-XXXXXX");
    if (!mkdtemp(top))
        abort();
    put("secret.txt", "secret");
    dir("root");
    put("root/a.txt", "hello");
    put("root/empty.txt", "");
    put("root/hundred.txt", "0123456789012345678901234567890123456789012345678901234567890123456789"
                            "012345678901234567890123456789");
    dir("root/sub");
    put("root/sub/b.txt", "bee");
    dir("root/sub/deeper");
    put("root/sub/deeper/c.txt", "sea");
    lnk("a.txt", "root/in-link");               /* inside: followed */
    lnk("../a.txt", "root/sub/up-link");        /* inside, by "..": followed */
    lnk("sub", "root/dir-link");
    lnk("deeper/../b.txt", "root/sub/twisty");
    lnk("../secret.txt", "root/out-link");      /* out */
    lnk("..", "root/dir-out");
    lnk("sub/../../secret.txt", "root/sneaky");
    snprintf(p, sizeof p, "%s/root/a.txt", top);
    lnk(p, "root/abs-link");                    /* absolute, even to inside: refused */
    lnk("/etc/passwd", "root/passwd");
    lnk("loop", "root/loop");
    snprintf(p, sizeof p, "%s/root/fifo", top);
    if (mkfifo(p, 0644) != 0)
        abort();
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/root/sock", top);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0)
        abort();
    close(s);
}

static void rm_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0)
        kt_fail(__FILE__, __LINE__, "cannot remove %s", top);
}

/* Read name (n bytes) from f; expect rc and, on success, the contents
 * want, else the message want. */
static void expect_n(kz_folder *f, const char *name, size_t n, size_t max, int rc,
                     const char *want, int line)
{
    uint8_t *d = (uint8_t *)"x";
    size_t len = 99;
    int got = kz_folder_read(f, name, n, max, &d, &len);
    if (got != rc)
        kt_fail(__FILE__, line, "\"%.*s\": %d (%s), expected %d", (int)n, name, got,
                kz_folder_errmsg(f), rc);
    else if (rc == 0 && (len != strlen(want) || memcmp(d, want, len) != 0 || d[len] != '\0'))
        kt_fail(__FILE__, line, "\"%.*s\": read \"%.*s\", expected \"%s\"", (int)n, name,
                (int)len, d ? (const char *)d : "", want);
    else if (rc != 0 && (d != NULL || len != 0 || strcmp(kz_folder_errmsg(f), want) != 0))
        kt_fail(__FILE__, line, "\"%.*s\": message \"%s\", expected \"%s\"", (int)n, name,
                kz_folder_errmsg(f), want);
    if (rc == 0)
        KT_EQ_STR(kz_folder_errmsg(f), "");
    free(rc == 0 ? d : NULL);
}
#define EXPECT(f, name, rc, want) expect_n(f, name, strlen(name), 1000, rc, want, __LINE__)

static void cases(unsigned flags)
{
    char p[512];
    kz_folder *f = NULL;
    snprintf(p, sizeof p, "%s/root", top);
    KT_EQ_INT(kz_folder_open(&f, p, flags), 0);
    if (!f)
        return;
    /* inside */
    EXPECT(f, "a.txt", 0, "hello");
    EXPECT(f, "./a.txt", 0, "hello");
    EXPECT(f, "sub//b.txt", 0, "bee");
    EXPECT(f, "sub/../a.txt", 0, "hello");
    EXPECT(f, "sub/deeper/../../sub/deeper/c.txt", 0, "sea");
    EXPECT(f, "empty.txt", 0, "");
    /* links that stay inside */
    EXPECT(f, "in-link", 0, "hello");
    EXPECT(f, "sub/up-link", 0, "hello");
    EXPECT(f, "dir-link/b.txt", 0, "bee");
    EXPECT(f, "dir-link/../a.txt", 0, "hello");        /* ".." of where the link led */
    EXPECT(f, "sub/twisty", 0, "bee");
    /* outside, by the name */
    EXPECT(f, "/etc/passwd", KZ_EPERM, "absolute path: outside the folder");
    EXPECT(f, "../secret.txt", KZ_EPERM, "\"..\" leads outside the folder");
    EXPECT(f, "sub/../../secret.txt", KZ_EPERM, "\"..\" leads outside the folder");
    EXPECT(f, "..", KZ_EPERM, "\"..\" leads outside the folder");
    /* outside, by a link */
    EXPECT(f, "out-link", KZ_EPERM, "a symbolic link leads outside the folder");
    EXPECT(f, "dir-out/secret.txt", KZ_EPERM, "a symbolic link leads outside the folder");
    EXPECT(f, "dir-out/root/a.txt", KZ_EPERM, "a symbolic link leads outside the folder");
    EXPECT(f, "sneaky", KZ_EPERM, "a symbolic link leads outside the folder");
    EXPECT(f, "abs-link", KZ_EPERM, "a symbolic link leads outside the folder");
    EXPECT(f, "passwd", KZ_EPERM, "a symbolic link leads outside the folder");
    EXPECT(f, "loop", KZ_EINVAL, "cannot open: Too many levels of symbolic links");
    /* not regular files */
    EXPECT(f, "fifo", KZ_EINVAL, "not a regular file: a FIFO");
    EXPECT(f, "sock", KZ_EINVAL, "not a regular file (No such device or address)");
    EXPECT(f, "sub", KZ_EINVAL, "not a regular file: a directory");
    EXPECT(f, "dir-link", KZ_EINVAL, "not a regular file: a directory");
    EXPECT(f, ".", KZ_EINVAL, "not a regular file: a directory");
    EXPECT(f, "sub/..", KZ_EINVAL, "not a regular file: a directory");
    EXPECT(f, "sub/.", KZ_EINVAL, "not a regular file: a directory");
    /* missing, and files used as folders */
    EXPECT(f, "no-such.txt", KZ_ENOTFOUND, "cannot open: No such file or directory");
    EXPECT(f, "sub/no/c.txt", KZ_ENOTFOUND, "cannot open: No such file or directory");
    EXPECT(f, "a.txt/x", KZ_ENOTFOUND, "cannot open: Not a directory");
    EXPECT(f, "a.txt/", KZ_ENOTFOUND, "cannot open: Not a directory");
    EXPECT(f, "in-link/", KZ_ENOTFOUND, "cannot open: Not a directory");
    /* bad names */
    EXPECT(f, "", KZ_EINVAL, "empty name");
    expect_n(f, "a.txt\0.png", 10, 1000, KZ_EINVAL, "a NUL byte in the name", __LINE__);
    char big[KZ_FOLDER_MAX_NAME + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    EXPECT(f, big, KZ_EINVAL, "name longer than 4095 bytes");
    big[KZ_FOLDER_MAX_NAME - 1] = '\0';            /* 4094 bytes: one component too long */
    EXPECT(f, big, KZ_EINVAL, "cannot open: File name too long");
    size_t k = 0;
    for (int i = 0; i < KZ_FOLDER_MAX_DEPTH; i++, k += 2)
        memcpy(big + k, "d/", 2);
    memcpy(big + k, "x", 2);
    EXPECT(f, big, KZ_EINVAL, "nested deeper than 64 folders");
    /* the limit: by the size */
    expect_n(f, "hundred.txt", 11, 100, 0,
             "0123456789012345678901234567890123456789012345678901234567890123456789"
             "012345678901234567890123456789", __LINE__);
    expect_n(f, "hundred.txt", 11, 99, KZ_ETOOBIG, "file over 99 bytes", __LINE__);
    /* a file it cannot open */
    snprintf(p, sizeof p, "%s/root/a.txt", top);
    if (geteuid() != 0 && chmod(p, 0) == 0) {
        EXPECT(f, "a.txt", KZ_EIO, "cannot open: Permission denied");
        if (chmod(p, 0644) != 0)
            abort();
    }
    kz_folder_free(&f);
    KT_CHECK(f == NULL);
    kz_folder_free(&f);
}

KT_TEST(folder_confines_names_openat2)
{
    make_tree();
    cases(0);
    rm_tree();
}

KT_TEST(folder_confines_names_walk)
{
    make_tree();
    cases(KZ_FOLDER_WALK);
    rm_tree();
}

/* /proc: its links are "magic" (they lead anywhere, whatever their text),
 * its files have size 0 but contents (read until the end, to the limit),
 * and /dev/zero is a device. */
KT_TEST(folder_proc_and_devices)
{
    static const unsigned modes[] = { 0, KZ_FOLDER_WALK };
    char name[64];
    int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    KT_CHECK(fd >= 0);
    for (size_t m = 0; m < KZ_ARRAY_LEN(modes); m++) {
        kz_folder *f = NULL;
        uint8_t *d = NULL;
        size_t len = 0;
        KT_EQ_INT(kz_folder_open(&f, "/proc/self", modes[m]), 0);
        snprintf(name, sizeof name, "fd/%d", fd);
        EXPECT(f, name, KZ_EPERM, "a symbolic link leads outside the folder");
        EXPECT(f, "root/etc/passwd", KZ_EPERM, "a symbolic link leads outside the folder");
        EXPECT(f, "cwd", KZ_EPERM, "a symbolic link leads outside the folder");
        KT_EQ_INT(kz_folder_read(f, "status", 6, 1 << 20, &d, &len), 0);
        KT_CHECK(len > 100 && d && !memcmp(d, "Name:", 5) && d[len] == '\0');
        free(d);
        KT_EQ_INT(kz_folder_read(f, "status", 6, 10, &d, &len), KZ_ETOOBIG);
        KT_EQ_STR(kz_folder_errmsg(f), "file over 10 bytes");
        KT_CHECK(d == NULL);
        kz_folder_free(&f);
        KT_EQ_INT(kz_folder_open(&f, "/dev", modes[m]), 0);
        EXPECT(f, "zero", KZ_EINVAL, "not a regular file: a character device");
        EXPECT(f, "null", KZ_EINVAL, "not a regular file: a character device");
        kz_folder_free(&f);
    }
    close(fd);
}

/* A folder that cannot be opened: every read says why. */
KT_TEST(folder_missing)
{
    kz_folder *f = NULL;
    KT_EQ_INT(kz_folder_open(&f, "/nonexistent/kt-folder", 0), KZ_ENOTFOUND);
    KT_CHECK(f != NULL);
    if (!f)
        return;
    const char *why = "cannot open the folder /nonexistent/kt-folder: No such file or directory";
    KT_EQ_STR(kz_folder_errmsg(f), why);
    EXPECT(f, "a.txt", KZ_ENOTFOUND, why);
    kz_folder_free(&f);
    KT_EQ_INT(kz_folder_open(&f, "/etc/hostname", 0), KZ_ENOTFOUND);
    EXPECT(f, "a.txt", KZ_ENOTFOUND, "cannot open the folder /etc/hostname: Not a directory");
    kz_folder_free(&f);
    KT_EQ_STR(kz_folder_errmsg(NULL), "");
}
