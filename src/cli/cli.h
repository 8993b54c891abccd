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
/* cmd_users.c: log in as name ($KUZET_PASSWORD or asked), or the system when NULL; an exit code. */
struct kz_store; struct kz_actor; int kz_cli_act(struct kz_store *s, const char *as, struct kz_actor **out);

/* Parse a byte count for option opt ("--max-record") within [lo, hi] into
 * *out; on a bad value prints why and returns -1. */
int kz_cli_size(const char *opt, const char *arg, size_t lo, size_t hi, size_t *out);

/* "kuzet: " + message on stderr. */
void kz_cli_err(const char *fmt, ...) KZ_PRINTF(1, 2);

#endif
