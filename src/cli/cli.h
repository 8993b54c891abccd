/*
 * cli/cli.h - what the subcommands share.
 *
 * Each subcommand is one file, cmd_<name>.c, with one entry point listed in
 * main.c's table.  Subcommands print and choose exit codes; the library
 * never does.  Exit codes: 0 ok, 1 findings or failure, 2 usage.
 */
#ifndef KZ_CLI_H
#define KZ_CLI_H

#include "util/kz.h"

enum { KZ_EXIT_OK = 0, KZ_EXIT_FAIL = 1, KZ_EXIT_USAGE = 2 };

int cmd_scan(int argc, char **argv);
int cmd_normalize(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_url(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_robots(int argc, char **argv);
int cmd_cases(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_crawl(int argc, char **argv);
int cmd_bank(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_serve(int argc, char **argv);      /* serve/cmd_serve.c */
int cmd_worker(int argc, char **argv);     /* src/worker/ */
int cmd_jobs(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_platforms(int argc, char **argv);
int cmd_notices(int argc, char **argv);
/* cmd_users.c: log in as name ($KUZET_PASSWORD or asked), or the system when NULL; an exit code. */
struct kz_store; struct kz_actor; int kz_cli_act(struct kz_store *s, const char *as, struct kz_actor **out);

/* Read the file path (stdin for "-") into *out (malloc'd, NUL-terminated
 * after *len bytes; the caller frees), refusing more than max bytes.  0, or
 * KZ_EIO / KZ_ETOOBIG / KZ_ENOMEM with why[0..whylen) saying why. */
int kz_cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *why,
                     size_t whylen);

/* "45s", "30m", "6h", "2d" (or, unless unit_required, a bare number of
 * seconds) -> seconds, at most 100 years; -1 when not a duration. */
int64_t kz_cli_duration(const char *s, int unit_required);

/* Parse a byte count for option opt ("--max-record") within [lo, hi] into
 * *out; on a bad value prints why and returns -1. */
int kz_cli_size(const char *opt, const char *arg, size_t lo, size_t hi, size_t *out);

/* --threads ARG: 1 to 256 into *out; on a bad value prints why and
 * returns -1. */
int kz_cli_threads(const char *arg, long *out);

/* kz_cli_read_file, a failure reported as "kuzet: PATH: why": NULL. */
#define MAX_LIST_BYTES ((size_t)4 << 30)   /* a list file kuzet check/export read */
char *kz_cli_slurp(const char *path, size_t max, size_t *len);

/* Sign a checkpoint of s's audit log with the key at key (NULL: the
 * default, kz_audit_key_path), the line into line; a failure, or a key file
 * others can read, is reported.  Returns kz_audit_checkpoint's code. */
int kz_cli_checkpoint(struct kz_store *s, const char *key, char *line, size_t linesz);

/* cmd_audit.c: open the store at uri (kz_store_open's arguments and codes)
 * for a command that writes: every transaction that appends audit entries
 * stores the checkpoint of its last entry, signed with the audit key at
 * its default path (kz_audit_key_path), in the same transaction.  On
 * failure the reason is printed and *s is NULL. */
int kz_cli_store_open(struct kz_store **s, const char *uri, int need_current);
/* Close it (NULL-safe): a transaction that could not be signed (the key
 * could not be loaded) is reported, and makes an exit status of 0 a 1; a
 * key file others can read is warned about.  Returns the exit status. */
int kz_cli_store_close(struct kz_store **s, int status);

/* cmd_rules.c: the rules of a command that scans (pipeline/liverules.h
 * kz_liverules_open: --rules FILE when given, else the rule set published
 * in st), compiled, in *lr and *sc (kz_liverules_put and _free them).
 * cmd names the command in messages; the version taken from the store is
 * said on stderr unless quiet.  KZ_EXIT_OK, KZ_EXIT_USAGE (the file's
 * rules have problems, each printed), KZ_EXIT_FAIL (none published...). */
struct kz_liverules;
struct kz_scanner;
int kz_cli_rules(const char *cmd, const char *path, struct kz_store *st, int quiet,
                 struct kz_liverules **lr, const struct kz_scanner **sc);

/* "kuzet: " + message on stderr. */
void kz_cli_err(const char *fmt, ...) KZ_PRINTF(1, 2);

/* cli/acting.c, for the commands that act as a person (notices, platforms):
 * kz_cli_usage says "kuzet: " + the message and "(kuzet CMD --help for the
 * options)", and returns KZ_EXIT_USAGE.  kz_cli_open_as opens the store at
 * uri to write (kz_cli_store_open) and logs in as `as` (kz_cli_act; NULL:
 * the system): KZ_EXIT_OK, or the exit status, said why.  kz_cli_outcome
 * says a library failure rc of actor a ("refused: " + its message for
 * EPERM, EINVAL, ENOTFOUND, ESTATE): KZ_EXIT_FAIL; KZ_EXIT_OK for 0.
 * kz_cli_jstr: member k of a JSON object as a string, NULL when missing or
 * null.  kz_cli_jsonl_each: fn on each line of JSON Lines that parses. */
struct json_object;
/* Their shared options: put KZ_CLI_ACTING_OPTIONS in the getopt_long table
 * and call kz_cli_acting_opt from the switch's default: -1 when the option
 * was taken (--as, --db: into o) and parsing goes on, else the exit status
 * to return (--help: the usage on stdout, 0; anything else: 2). */
#define KZ_CLI_ACTING_OPTIONS \
    { "as", required_argument, NULL, 'a' }, { "db", required_argument, NULL, 'd' }, \
    { "help", no_argument, NULL, 'h' }
typedef struct kz_cli_acting {
    const char *cmd, *usage;        /* the command's name and usage text */
    const char *as, *uri;           /* --as NAME, --db URI (NULL: not given) */
} kz_cli_acting;
int kz_cli_acting_opt(kz_cli_acting *o, int c, const char *arg);
int kz_cli_usage(const char *cmd, const char *fmt, ...) KZ_PRINTF(2, 3);
int kz_cli_open_as(struct kz_store **s, const char *uri, const char *as, struct kz_actor **a);
int kz_cli_outcome(struct kz_actor *a, int rc);
const char *kz_cli_jstr(struct json_object *o, const char *k);
void kz_cli_jsonl_each(const char *lines, void (*fn)(void *ctx, struct json_object *o), void *ctx);

/* Before check and export act on a store's rows: kz_rows_guard.  When the
 * log or the rows do not verify, an error naming what is wrong and -1, or
 * with unverified a loud warning and 0. */
struct kz_store; int kz_cli_rows_guard(struct kz_store *s, int unverified);

#endif
