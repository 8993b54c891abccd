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

/* Buffers for kz_cli_store_scan (zero-initialise; release when done, before
 * the store is closed).  The hash banks are opened on the first record and
 * kept for the run (kz_banks loads a simhash bank once). */
struct kz_store; struct kz_scanner; struct kz_item_in; struct kz_result; struct kz_ingest_out;
struct kz_detection_in; struct kz_flag_in; struct kz_banks; struct kz_simhash;
struct kz_cli_bankhit;
typedef struct kz_cli_sink {
    struct kz_detection_in *det; size_t capdet;
    struct kz_flag_in      *flags; size_t capflags;
    struct kz_banks        *banks;
    struct kz_simhash      *sh;
    struct kz_cli_bankhit  *bh; size_t capbh;     /* this record's bank matches */
} kz_cli_sink;
/* Store a scanned text (it) with its scan result r: detections from the
 * hits, a "hash" detection per block-bank match of the text's SHA-256 or
 * SimHash (docs/banks.md "Re-uploads"), a case per flagged category
 * (cli/stored.c).  kz_store_ingest's codes. */
int kz_cli_store_scan(struct kz_store *st, const struct kz_scanner *sc, kz_cli_sink *k,
                      const struct kz_item_in *it, const struct kz_result *r,
                      struct kz_ingest_out *out);
void kz_cli_sink_release(kz_cli_sink *k);

/* Parse a byte count for option opt ("--max-record") within [lo, hi] into
 * *out; on a bad value prints why and returns -1. */
int kz_cli_size(const char *opt, const char *arg, size_t lo, size_t hi, size_t *out);

/* The whole file at path (at most max bytes) in a malloc'd buffer, its
 * length in *len; NULL (reported with the path) on failure. */
#define MAX_LIST_BYTES ((size_t)4 << 30)   /* a list file kuzet check/export read */
char *kz_cli_slurp(const char *path, size_t max, size_t *len);

/* "kuzet: " + message on stderr. */
void kz_cli_err(const char *fmt, ...) KZ_PRINTF(1, 2);

#endif
