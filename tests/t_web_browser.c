/*
 * tests/t_web_browser.c - the web app walked in a real browser.
 *
 * Starts `kuzet serve` on loopback with a prepared SQLite store (an admin,
 * two supervisors, two reviewers, all enrolled; a few ingested posts with
 * hits, one with an image), then runs `node tests/web/walk.mjs`, which
 * drives Debian's chromium through playwright-core (tests/web/package.json;
 * scripts/setup installs both) and writes screenshots under
 * build/screenshots/.  The test passes only when the walk exits 0; a walk
 * that could not run every step (a page not there yet) exits 77 and the
 * test is skipped, saying which; no chromium, node or node_modules: skipped.
 *
 * Release build only: a browser under ASan adds nothing (the server's code
 * is covered under ASan by the HTTP tests).  It visits about 30 pages and
 * runs axe on 20 of them; measured: 290 s on two cores shared with a load
 * average of 13 (axe's colour-contrast rule and full-page screenshots are
 * most of it).  The walk is killed after 600 s.
 */
#include "kt.h"
#include "kt_serve.h"
#include "imggen.h"
#include <stdlib.h>
#include <unistd.h>

#if !defined(__SANITIZE_ADDRESS__)

static int writefile(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Posts that the sample rules flag (examples/rules.yaml), one with an image. */
static int ingest(const kt_server *sv)
{
    char path[256], cmd[2048];
    size_t n = 0;
    unsigned char *png = kt_png_grey(64, 48, 0, 0, &n);
    snprintf(path, sizeof path, "%s/photo.png", sv->dir);
    if (!png || writefile(path, png, n)) {
        free(png);
        kt_fail(__FILE__, __LINE__, "cannot write %s", path);
        return -1;
    }
    free(png);
    static const char posts[] =
        "{\"id\":1,\"url\":\"https://forum.example.kz/t/1\",\"platform\":\"forum\",\"lang\":\"ru\","
        "\"text\":\"Продам З а к л а д к а 5000 тг: @shop_kz\",\"images\":[\"photo.png\"]}\n"
        "{\"id\":2,\"url\":\"https://shop-drugs.example.kz/p/2\",\"platform\":\"forum\",\"lang\":\"ru\","
        "\"text\":\"мeфeдpoн в наличии, закладки по городу\"}\n"
        "{\"id\":3,\"url\":\"https://forum.example.kz/t/3\",\"platform\":\"forum\",\"lang\":\"en\","
        "\"text\":\"k1ll y0urself, nobody likes you\"}\n"
        "{\"id\":4,\"url\":\"https://forum.example.kz/t/4\",\"platform\":\"forum\",\"lang\":\"ru\","
        "\"text\":\"ты никто. убей себя\"}\n"
        "{\"id\":5,\"url\":\"https://forum.example.kz/t/5\",\"platform\":\"forum\",\"lang\":\"en\","
        "\"text\":\"buy c0ca1ne here\"}\n"
        "{\"id\":6,\"url\":\"https://forum.example.kz/t/6\",\"platform\":\"forum\",\"lang\":\"en\","
        "\"text\":\"Great match yesterday, what a goal!\"}\n";
    snprintf(path, sizeof path, "%s/posts.jsonl", sv->dir);
    if (writefile(path, posts, sizeof posts - 1)) {
        kt_fail(__FILE__, __LINE__, "cannot write %s", path);
        return -1;
    }
    snprintf(cmd, sizeof cmd, "KUZET_AUDIT_KEY='%s' '%s' ingest --quiet --rules examples/rules.yaml "
             "--db '%s' '%s'", sv->key, kt_bin(), sv->uri, path);
    char *out = NULL, *err = NULL;
    int rc = kt_run(cmd, &out, &err);
    if (rc != 0)
        kt_fail(__FILE__, __LINE__, "%s: exit %d: %s", cmd, rc, err ? err : "");
    free(out);
    free(err);
    return rc ? -1 : 0;
}

KT_TEST(web_browser_walk)
{
    if (access("/usr/bin/chromium", X_OK) != 0)
        kt_skip("no /usr/bin/chromium (scripts/setup installs it)");
    if (system("command -v node >/dev/null 2>&1") != 0)
        kt_skip("no node (scripts/setup installs nodejs)");
    if (access("tests/web/node_modules/playwright-core/package.json", R_OK) != 0 ||
        access("tests/web/node_modules/axe-core/axe.min.js", R_OK) != 0)
        kt_skip("tests/web/node_modules has no playwright-core or axe-core (scripts/setup runs "
                "npm ci there)");
    kt_server sv;
    static const char *const extra[] = { "--list-age", "1s", NULL };
    if (kt_serve_start(&sv, "browser", 0, kt_serve_staff, extra))
        return;
    if (ingest(&sv) != 0) {
        kt_serve_stop(&sv);
        return;
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "WALK_URL='%s' WALK_SHOTS=build/screenshots WALK_TIMES=1 "
             "WALK_ADMIN=root:root-password-123 WALK_SUPERVISOR=sue:sue-password-123 "
             "WALK_SUPERVISOR2=sam:sam-password-123 WALK_REVIEWER1=ann:ann-password-123 "
             "WALK_REVIEWER2=bob:bob-password-123 timeout -k 5 600 node tests/web/walk.mjs",
             sv.base);
    char *out = NULL, *err = NULL;
    int rc = kt_run(cmd, &out, &err);
    /* the walk's report, step by step, whatever the outcome */
    fprintf(stderr, "%s%s", out ? out : "", err ? err : "");
    if (rc == KT_SKIP_STATUS) {
        KT_EQ_INT(kt_serve_stop(&sv), 0);
        free(out);
        free(err);
        kt_skip("the walk did not run every step (NOT RUN above): its pages are not there yet");
    }
    if (rc != 0)
        kt_fail(__FILE__, __LINE__, "the walk exited %d", rc);
    if (rc != 0) {
        char *log = kt_serve_log(&sv);
        fprintf(stderr, "    server log:\n%s\n", log ? log : "");
        free(log);
    }
    free(out);
    free(err);
    KT_EQ_INT(kt_serve_stop(&sv), 0);
}

#endif
