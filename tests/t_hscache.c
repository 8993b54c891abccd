/*
 * tests/t_hscache.c - the cache of compiled rules (detect/hscache.h): a
 * second compile of the same rules reads the databases back and finds the
 * same matches; another rule is another key; a damaged file, a file that
 * is a link, a file or a directory others may write are never read (the
 * rules are compiled instead); "off" writes nothing.
 */
#include "kt.h"
#include "detect/hscache.h"
#include "detect/rules.h"
#include "detect/scan.h"
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char rules_a[] =
    "categories:\n"
    "  drugs: { threshold: 50 }\n"
    "rules:\n"
    "  - id: phone\n"
    "    category: drugs\n"
    "    weight: 60\n"
    "    regex: ['закладк[аиу]\\s+\\d+']\n";

static const char rules_b[] =
    "categories:\n"
    "  drugs: { threshold: 50 }\n"
    "rules:\n"
    "  - id: phone\n"
    "    category: drugs\n"
    "    weight: 60\n"
    "    regex: ['закладк[аиу]\\s+\\d\\d+']\n";

/* Compile yaml; the number of databases read from the cache (-1 on error)
 * and, in hits, "rule@start-end" of the text's hits. */
static int compile(const char *yaml, const char *text, char *hits, size_t hitsz)
{
    kz_ruleset *rs = NULL;
    kz_scanner *sc = NULL;
    kz_buf errs;
    int cached = -1;
    kz_buf_init(&errs, 1 << 16);
    hits[0] = '\0';
    if (kz_rules_parse(yaml, strlen(yaml), "t.yaml", &rs, &errs) == 0 &&
        kz_scanner_new(rs, &sc, &errs) == 0) {
        kz_scan_ctx *cx = kz_scan_ctx_new(sc);
        kz_result r;
        if (cx && kz_scan(cx, text, strlen(text), &r) == 0) {
            size_t o = 0;
            for (size_t i = 0; i < r.nhits && o < hitsz; i++)
                o += (size_t)snprintf(hits + o, hitsz - o, "%s%s@%u-%u", i ? " " : "",
                                      kz_scanner_rule_id(sc, r.hits[i].rule), r.hits[i].start,
                                      r.hits[i].end);
        }
        kz_scan_ctx_free(cx);
        cached = (int)kz_scanner_cached(sc);
    } else {
        kt_fail(__FILE__, __LINE__, "rules do not compile: %s", errs.p ? errs.p : "");
    }
    kz_scanner_free(&sc);
    kz_ruleset_free(&rs);
    kz_buf_release(&errs);
    return cached;
}

/* The .hsdb files of dir, counted; the first one's path in first. */
static int files(const char *dir, char *first, size_t firstsz)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".hsdb")) {
            if (!n && first)
                snprintf(first, firstsz, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

static const char text[] = "есть закладка 42 тут";

KT_TEST(hscache_second_compile_reads_the_same_databases)
{
    char top[] = "/tmp/kt-hscache-XXXXXX", dir[256], h1[256], h2[256];
    KT_CHECK(mkdtemp(top) != NULL);
    snprintf(dir, sizeof dir, "%s/a/b", top);             /* made, with its parents */
    setenv("KUZET_RULE_CACHE", dir, 1);
    KT_EQ_INT(compile(rules_a, text, h1, sizeof h1), 0);
    KT_EQ_STR(h1, "phone@9-28");
    KT_EQ_INT(files(dir, NULL, 0), 2);                      /* the database and its prefilter */
    struct stat st;
    KT_EQ_INT(stat(dir, &st), 0);
    KT_EQ_INT(st.st_mode & 0777, 0700);
    KT_EQ_INT(compile(rules_a, text, h2, sizeof h2), 2);
    KT_EQ_STR(h2, h1);
    /* another rule: another key, compiled */
    KT_EQ_INT(compile(rules_b, text, h2, sizeof h2), 0);
    KT_EQ_STR(h2, "phone@9-28");
    KT_EQ_INT(compile(rules_b, "закладка 4", h2, sizeof h2), 2);
    KT_EQ_STR(h2, "");                                      /* not rules_a's database */
    KT_EQ_INT(files(dir, NULL, 0), 4);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    KT_EQ_INT(system(cmd), 0);
}

KT_TEST(hscache_refuses_what_it_cannot_trust)
{
    char top[] = "/tmp/kt-hscache-XXXXXX", path[512], h[256], cmd[2200];
    KT_CHECK(mkdtemp(top) != NULL);
    setenv("KUZET_RULE_CACHE", top, 1);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 0);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 2);
    /* every file damaged in its last byte: compiled again, and replaced */
    DIR *d = opendir(top);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".hsdb"))
            continue;
        snprintf(path, sizeof path, "%s/%s", top, e->d_name);
        FILE *f = fopen(path, "r+b");
        KT_CHECK(f != NULL);
        if (f) {
            fseek(f, -1, SEEK_END);
            int c = fgetc(f);
            fseek(f, -1, SEEK_END);
            fputc(c ^ 0x55, f);
            fclose(f);
        }
    }
    if (d)
        closedir(d);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 0);
    KT_EQ_STR(h, "phone@9-28");
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 2);
    /* a file others may write */
    KT_EQ_INT(files(top, path, sizeof path), 2);
    KT_EQ_INT(chmod(path, 0666), 0);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 1);
    KT_EQ_INT(chmod(path, 0600), 0);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 2);
    /* a link in place of a file */
    snprintf(cmd, sizeof cmd, "mv '%s' '%s.real' && ln -s '%s.real' '%s'", path, path, path, path);
    KT_EQ_INT(system(cmd), 0);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 1);
    /* a directory others may write: not used at all */
    KT_EQ_INT(chmod(top, 0777), 0);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 0);
    KT_EQ_STR(h, "phone@9-28");
    KT_EQ_INT(chmod(top, 0700), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    KT_EQ_INT(system(cmd), 0);
}

KT_TEST(hscache_off_writes_nothing)
{
    char top[] = "/tmp/kt-hscache-XXXXXX", h[256], dir[128];
    KT_CHECK(mkdtemp(top) != NULL);
    setenv("KUZET_RULE_CACHE", "off", 1);
    setenv("XDG_CACHE_HOME", top, 1);
    setenv("HOME", top, 1);
    kz_hscache_dir(dir, sizeof dir);
    KT_EQ_STR(dir, "");
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 0);
    KT_EQ_INT(compile(rules_a, text, h, sizeof h), 0);
    /* unset: under XDG_CACHE_HOME, else HOME */
    unsetenv("KUZET_RULE_CACHE");
    char want[256];
    kz_hscache_dir(dir, sizeof dir);
    snprintf(want, sizeof want, "%s/kuzet/rules", top);
    KT_EQ_STR(dir, want);
    unsetenv("XDG_CACHE_HOME");
    kz_hscache_dir(dir, sizeof dir);
    snprintf(want, sizeof want, "%s/.cache/kuzet/rules", top);
    KT_EQ_STR(dir, want);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.hsdb' | grep -q . && exit 1; rm -rf '%s'", top, top);
    KT_EQ_INT(system(cmd), 0);
}
