/*
 * tests/main.c - the one test runner.
 *
 * Runs every registered unit test (KT_TEST), then every golden case under
 * tests/golden/ (see tests/golden.c), each in a forked child.  Arguments:
 *   --bin PATH     the kuzet binary the golden and CLI tests drive
 *   --root DIR     the repository root (default ".")
 *   NAME...        run only the tests whose name contains NAME
 * The last line printed is "N passed, N failed, N skipped"; exit 1 when any
 * failed.  A test skips by calling kt_skip(), which ends its child with
 * KT_SKIP_STATUS.
 */

#include "kt.h"
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>

struct kt_entry { const char *name; kt_fn fn; void (*fn_arg)(size_t); size_t arg; };
static struct kt_entry *tests;
static size_t ntests, captests;
static int failed_here;
static const char *bin_path = "build/release/kuzet";
static const char *root_path = ".";

void kt_register(const char *name, kt_fn fn)
{
    if (ntests == captests) {
        captests = captests ? captests * 2 : 64;
        tests = realloc(tests, captests * sizeof *tests);
        if (!tests) abort();
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    tests[ntests].fn_arg = NULL;
    tests[ntests].arg = 0;
    ntests++;
}

void kt_register_arg(const char *name, void (*fn)(size_t), size_t arg)
{
    kt_register(name, NULL);
    tests[ntests - 1].fn_arg = fn;
    tests[ntests - 1].arg = arg;
}

void kt_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failed_here = 1;
}

void kt_skip(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "    skipped: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stdout);
    fflush(stderr);
    _exit(failed_here ? 1 : KT_SKIP_STATUS);
}

const char *kt_bin(void) { return bin_path; }
const char *kt_root(void) { return root_path; }

char *kt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t k;
    while (p && (k = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            char *q = realloc(p, cap * 2);
            if (!q) { free(p); p = NULL; break; }
            p = q;
            cap *= 2;
        }
    }
    fclose(f);
    if (!p) return NULL;
    p[n] = '\0';
    if (len) *len = n;
    return p;
}

int kt_run(const char *cmd, char **out, char **err)
{
    char ofile[] = "/tmp/kt-out-XXXXXX", efile[] = "/tmp/kt-err-XXXXXX";
    int ofd = mkstemp(ofile), efd = mkstemp(efile);
    if (ofd < 0 || efd < 0) return -1;
    close(ofd);
    close(efd);
    size_t n = strlen(cmd) + strlen(ofile) + strlen(efile) + 32;
    char *full = malloc(n);
    if (!full) return -1;
    snprintf(full, n, "(%s) >%s 2>%s", cmd, ofile, efile);
    int st = system(full);
    free(full);
    if (out) *out = kt_slurp(ofile, NULL);
    if (err) *err = kt_slurp(efile, NULL);
    unlink(ofile);
    unlink(efile);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

int kt_run_script(const char *shell, const char *script, const char *args, const char *needs,
                  char **out, char **err)
{
    char check[512], bin[4096], cmd[8192];
    *out = *err = NULL;
    snprintf(check, sizeof check, "for p in nginx %s; do command -v $p >/dev/null 2>&1 || "
             "test -x /usr/sbin/$p || exit 1; done", needs ? needs : "");
    if (system(check) != 0)
        kt_skip("nginx or one of '%s' is not installed (scripts/setup installs them)",
                needs ? needs : "");
    if (!realpath(kt_bin(), bin)) {
        kt_fail(__FILE__, __LINE__, "no binary at %s", kt_bin());
        return -1;
    }
    snprintf(cmd, sizeof cmd, "PATH=\"$PATH:/usr/sbin\" %s '%s/%s' '%s' %s", shell, kt_root(),
             script, bin, args ? args : "");
    return kt_run(cmd, out, err);
}

static int selected(const char *name, int argc, char **argv, int first)
{
    if (first >= argc) return 1;
    for (int i = first; i < argc; i++)
        if (strstr(name, argv[i])) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--bin") && i + 1 < argc) bin_path = argv[++i];
        else if (!strcmp(argv[i], "--root") && i + 1 < argc) root_path = argv[++i];
        else break;
    }
    if (chdir(root_path) != 0) { perror(root_path); return 2; }
    root_path = ".";
    /* no compiled rules cached in the home directory by the tests (those
     * of the cache set their own directory) */
    setenv("KUZET_RULE_CACHE", "off", 1);
    kt_golden_register();
    int pass = 0, fail = 0, skip = 0;
    for (size_t t = 0; t < ntests; t++) {
        if (!selected(tests[t].name, argc, argv, i)) continue;
        fflush(stdout);
        fflush(stderr);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid == 0) {
            failed_here = 0;
            if (tests[t].fn) tests[t].fn();
            else tests[t].fn_arg(tests[t].arg);
            fflush(stdout);
            fflush(stderr);
            _exit(failed_here ? 1 : 0);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0) st = -1;
        int ok = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
        int skipped = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == KT_SKIP_STATUS;
        if (ok) pass++; else if (skipped) skip++; else fail++;
        if (!ok && pid > 0 && WIFSIGNALED(st))
            fprintf(stderr, "    killed by signal %d\n", WTERMSIG(st));
        /* a slow test says how slow: make test must stay under 30 minutes */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (secs >= 2.0)
            printf("%s %s (%.1f s)\n", ok ? "ok  " : skipped ? "skip" : "FAIL", tests[t].name, secs);
        else
            printf("%s %s\n", ok ? "ok  " : skipped ? "skip" : "FAIL", tests[t].name);
    }
    printf("%d passed, %d failed, %d skipped\n", pass, fail, skip);
    return fail ? 1 : 0;
}
