/*
 * tests/t_export_integration.c - the exports loaded by the real programs.
 *
 * Runs tests/integration/export.sh, which starts Unbound (RPZ, then the
 * local-zone export), BIND (RPZ) and Squid (dstdomain + url_regex) on
 * loopback ports, asks them with dig and curl, and stops them.  A missing
 * program skips the test (exit 77; `make test` counts a skip as a broken
 * set-up, since scripts/setup installs them: TEST_PKGS); one that does not
 * start fails it.  About 6 seconds.
 *
 * Only in the release build: under ASan the script would only repeat the
 * external programs (the kuzet binary it drives is covered under ASan by
 * the golden cases tests/golden/export/).
 */
#include "kt.h"
#include <stdlib.h>

#if !defined(__SANITIZE_ADDRESS__)
KT_TEST(export_integration_unbound_bind_squid)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && bash tests/integration/export.sh '%s'", kt_root(), kt_bin());
    char *out = NULL, *err = NULL;
    int rc = kt_run(cmd, &out, &err);
    if (rc == KT_SKIP_STATUS)
        kt_skip("%s", out ? out : "");
    if (rc != 0) {
        kt_fail(__FILE__, __LINE__, "tests/integration/export.sh exited %d", rc);
        fprintf(stderr, "%s%s\n", out ? out : "", err ? err : "");
    }
    free(out);
    free(err);
}
#endif

#if !defined(__SANITIZE_ADDRESS__)
/* tests/integration/rpz-nsupdate.sh: the RPZ from the decisions in effect in
 * BIND as a dynamic zone, then `kuzet export rpz-changes` applied with
 * nsupdate after a block is approved and another reversed on appeal. */
KT_TEST(export_integration_rpz_changes_nsupdate_bind)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && bash tests/integration/rpz-nsupdate.sh '%s'", kt_root(),
             kt_bin());
    char *out = NULL, *err = NULL;
    int rc = kt_run(cmd, &out, &err);
    if (rc == KT_SKIP_STATUS)
        kt_skip("%s", out ? out : "");
    if (rc != 0) {
        kt_fail(__FILE__, __LINE__, "tests/integration/rpz-nsupdate.sh exited %d", rc);
        fprintf(stderr, "%s%s\n", out ? out : "", err ? err : "");
    }
    free(out);
    free(err);
}
#endif
