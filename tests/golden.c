/*
 * tests/golden.c - data-driven cases: one directory per case.
 *
 *   tests/golden/<suite>/<case>/
 *       cmd            a shell command run in the case directory, with
 *                      $KUZET set to the binary under test
 *       expected.out   what it must print on stdout
 *       expected.err   (optional) what it must print on stderr
 *       expected.rc    (optional) its exit status; 0 when absent
 *
 * Before comparing, decimal fractions in stderr ("3.14") become "N.N", so
 * timings and rates can stand in expected.err.  A new case is a new
 * directory; no C changes.
 *
 * A suite with a file named release-only (saying why) is run by the
 * release build only: under ASan+UBSan its cases would only repeat, at
 * twice the time, what another suite already runs there (the -pg suites
 * replay the SQLite suites' commands on PostgreSQL, whose code the ASan
 * build covers with the *_pg unit tests).
 */

#include "kt.h"
#include <dirent.h>
#include <stdlib.h>
#include <ctype.h>
#include <limits.h>
#include <sys/stat.h>

#define GOLDEN_DIR "tests/golden"
#define MAX_CASES 4096

static char *case_dirs[MAX_CASES];
static char case_names[MAX_CASES][300];
static size_t ncases;

static void normalise_fractions(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        if (isdigit((unsigned char)*p)) {
            char *q = p;
            while (isdigit((unsigned char)*q)) q++;
            if (*q == '.' && isdigit((unsigned char)q[1])) {
                q++;
                while (isdigit((unsigned char)*q)) q++;
                memcpy(o, "N.N", 3);
                o += 3;
                p = q;
                continue;
            }
            while (p < q) *o++ = *p++;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
}

static void show_diff(const char *what, const char *got, const char *want)
{
    fprintf(stderr, "    --- %s expected ---\n%s    --- %s got ---\n%s\n", what, want, what, got);
}

static size_t current;

static void run_case(void)
{
    const char *dir = case_dirs[current];
    char path[PATH_MAX + 64], cmd[PATH_MAX * 2 + 64], binabs[PATH_MAX];
    if (!realpath(kt_bin(), binabs)) {
        kt_fail(__FILE__, __LINE__, "no binary at %s", kt_bin());
        return;
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && KUZET='%s' sh ./cmd", dir, binabs);
    char *out = NULL, *err = NULL;
    int rc = kt_run(cmd, &out, &err);
    if (!out) out = strdup("");
    if (!err) err = strdup("");
    if (rc == KT_SKIP_STATUS && !strncmp(err, "skipped: ", 9)) {
        err[strcspn(err, "\n")] = '\0';
        kt_skip("%s", err + 9);
    }

    snprintf(path, sizeof path, "%s/expected.rc", dir);
    char *want_rc = kt_slurp(path, NULL);
    int wrc = want_rc ? atoi(want_rc) : 0;
    free(want_rc);
    if (rc != wrc) {
        kt_fail(dir, 0, "exit status %d, expected %d", rc, wrc);
        fprintf(stderr, "    stderr:\n%s\n", err);
    }

    snprintf(path, sizeof path, "%s/expected.out", dir);
    char *want = kt_slurp(path, NULL);
    if (!want) kt_fail(dir, 0, "no expected.out");
    else if (strcmp(out, want) != 0) {
        kt_fail(dir, 0, "stdout differs");
        show_diff("stdout", out, want);
    }
    free(want);

    snprintf(path, sizeof path, "%s/expected.err", dir);
    want = kt_slurp(path, NULL);
    if (want) {
        normalise_fractions(err);
        normalise_fractions(want);
        if (strcmp(err, want) != 0) {
            kt_fail(dir, 0, "stderr differs");
            show_diff("stderr", err, want);
        }
    }
    free(want);
    free(out);
    free(err);
}


static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void golden_run(size_t i) { current = i; run_case(); }

void kt_golden_register(void)
{
    DIR *suites = opendir(GOLDEN_DIR);
    if (!suites) return;
    struct dirent *s, *c;
    while ((s = readdir(suites)) != NULL) {
        if (s->d_name[0] == '.') continue;
        char sdir[PATH_MAX - 300];
        snprintf(sdir, sizeof sdir, "%s/%s", GOLDEN_DIR, s->d_name);
#if defined(__SANITIZE_ADDRESS__)
        {
            char ro[PATH_MAX];
            struct stat rst;
            snprintf(ro, sizeof ro, "%s/release-only", sdir);
            if (stat(ro, &rst) == 0) continue;
        }
#endif
        DIR *cases = opendir(sdir);
        if (!cases) continue;
        while ((c = readdir(cases)) != NULL && ncases < MAX_CASES) {
            if (c->d_name[0] == '.') continue;
            char cdir[PATH_MAX + 300], cmdf[PATH_MAX + 310];
            snprintf(cdir, sizeof cdir, "%s/%s", sdir, c->d_name);
            snprintf(cmdf, sizeof cmdf, "%s/cmd", cdir);
            struct stat st;
            if (stat(cmdf, &st) != 0) continue;
            case_dirs[ncases++] = strdup(cdir);
        }
        closedir(cases);
    }
    closedir(suites);
    qsort(case_dirs, ncases, sizeof case_dirs[0], cmp_str);
    for (size_t i = 0; i < ncases; i++) {
        snprintf(case_names[i], sizeof case_names[i], "golden:%s", case_dirs[i] + strlen(GOLDEN_DIR) + 1);
        kt_register_arg(case_names[i], golden_run, i);
    }
}
