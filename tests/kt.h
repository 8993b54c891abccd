/*
 * tests/kt.h - the unit test harness.
 *
 * A test is a function declared with KT_TEST(name) in any tests/t_*.c file;
 * it registers itself at start-up, so adding a test needs no list to edit.
 * The runner (tests/main.c) runs each test in a forked child, so a crash
 * counts as one failure, and ends with "N passed, N failed, N skipped".
 *
 *   KT_TEST(buf_grows) {
 *       kz_buf b; kz_buf_init(&b, 10);
 *       KT_EQ_INT(kz_buf_add(&b, "0123456789x", 11), KZ_ETOOBIG);
 *       kz_buf_release(&b);
 *   }
 */
#ifndef KZ_KT_H
#define KZ_KT_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>

typedef void (*kt_fn)(void);
void kt_register(const char *name, kt_fn fn);
/* Register a test that is called with arg (used for the golden cases). */
void kt_register_arg(const char *name, void (*fn)(size_t), size_t arg);
/* Records a failure of the running test (it goes on; the test fails). */
void kt_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the running test as skipped, saying why: for a test that cannot run
 * here (no server set).  Never returns.  A skipped test is counted as
 * skipped, never as passed; `make test` treats any skip as a broken set-up. */
void kt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The exit status of a golden case's cmd that means "skipped" (stderr says
 * why), as automake's test drivers use it. */
#define KT_SKIP_STATUS 77
/* Path of the kuzet binary under test, and of the repository root. */
const char *kt_bin(void);
const char *kt_root(void);
/* Registers the golden cases (tests/golden.c). */
void kt_golden_register(void);
/* Run cmd with sh -c, capture stdout and stderr (each up to 16 MiB) into
 * malloc'd strings (caller frees); returns the exit status, or -1. */
int kt_run(const char *cmd, char **out, char **err);
/* Run the loopback script ROOT/script (with shell: "sh" or "bash") as
 * "SCRIPT BIN ARGS" with /usr/sbin on PATH, kt_run's way.  Skips the test
 * when a program the scripts need (nginx, and each of the space-separated
 * names in needs) is missing; records a failure and returns -1 when the
 * binary under test is not there. */
int kt_run_script(const char *shell, const char *script, const char *args, const char *needs,
                  char **out, char **err);
/* Read a whole file into a malloc'd NUL-terminated string; NULL if absent. */
char *kt_slurp(const char *path, size_t *len);

#define KT_TEST(name)                                                   \
    static void kt_##name(void);                                        \
    __attribute__((constructor)) static void kt_reg_##name(void)        \
    { kt_register(#name, kt_##name); }                                  \
    static void kt_##name(void)

#define KT_CHECK(c) do { if (!(c)) kt_fail(__FILE__, __LINE__, "check failed: %s", #c); } while (0)
#define KT_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) kt_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_); } while (0)
#define KT_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b);                  \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                      \
        kt_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,       \
                a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define KT_EQ_MEM(a, an, b) do { const char *a_ = (a), *b_ = (b); size_t an_ = (an); \
    if (an_ != strlen(b_) || memcmp(a_, b_, an_) != 0)                          \
        kt_fail(__FILE__, __LINE__, "%s == \"%.*s\", expected \"%s\"", #a,     \
                (int)an_, a_, b_); } while (0)

#endif
