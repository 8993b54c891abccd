/*
 * tests/fuzz_replay.c - replays the committed fuzz corpora.
 *
 * Each fuzz target (fuzz/fuzz_*.c, see fuzz/fuzz.h) registers itself here;
 * for each one a test "fuzz_corpus:<name>" feeds it every file of
 * fuzz/corpus/<name>/.  A crash or sanitizer report fails the test.  A
 * target with no corpus files fails too: every parser must have seeds.
 */

#include "kt.h"
#include "fuzz.h"
#include <dirent.h>
#include <stdlib.h>
#include <limits.h>

#define MAX_TARGETS 64

static struct { const char *name; kz_fuzz_fn fn; char label[96]; } targets[MAX_TARGETS];
static size_t ntargets;

static void replay(size_t i)
{
    char dir[PATH_MAX - 300];
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", targets[i].name);
    DIR *d = opendir(dir);
    if (!d) {
        kt_fail(__FILE__, __LINE__, "no corpus directory %s", dir);
        return;
    }
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = 0;
        char *data = kt_slurp(path, &n);
        if (!data) continue;
        targets[i].fn((const uint8_t *)data, n);
        free(data);
        files++;
    }
    closedir(d);
    if (files == 0)
        kt_fail(__FILE__, __LINE__, "corpus %s is empty", dir);
}

void kt_fuzz_register(const char *name, kz_fuzz_fn fn)
{
    if (ntargets == MAX_TARGETS) return;
    targets[ntargets].name = name;
    targets[ntargets].fn = fn;
    snprintf(targets[ntargets].label, sizeof targets[ntargets].label, "fuzz_corpus:%s", name);
    kt_register_arg(targets[ntargets].label, replay, ntargets);
    ntargets++;
}
