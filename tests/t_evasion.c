/*
 * tests/t_evasion.c - the evasion suite (tests/evasion/README.md) through
 * the real binary: the positives missed and the negatives flagged, in all
 * three sets, are exactly those of known-misses.txt.
 */
#include "kt.h"
#include <stdlib.h>

KT_TEST(evasion_suite)
{
    char cmd[1024], *out = NULL, *want = NULL;
    snprintf(cmd, sizeof cmd, "tests/evasion/measure '%s' --misses", kt_bin());
    int rc = kt_run(cmd, &out, NULL);
    KT_EQ_INT(rc, 0);
    want = kt_slurp("tests/evasion/known-misses.txt", NULL);
    KT_CHECK(want != NULL);
    if (out && want && strcmp(out, want) != 0)
        kt_fail(__FILE__, __LINE__, "misses differ:\n--- got\n%s--- known\n%s", out, want);
    free(out);
    free(want);
}
