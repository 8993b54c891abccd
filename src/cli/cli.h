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
int cmd_verify(int argc, char **argv);
/* cmd_users.c: log in as name ($KUZET_PASSWORD or asked), or the system when NULL; an exit code. */
struct kz_store; struct kz_actor; int kz_cli_act(struct kz_store *s, const char *as, struct kz_actor **out);

/* Buffers for kz_cli_store_scan (zero-initialise; release when done, before
 * the store is closed).  The hash banks are opened on the first record and
 * kept for the run (kz_banks loads a simhash bank once). */
struct kz_store; struct kz_scanner; struct kz_item_in; struct kz_result; struct kz_ingest_out;
struct kz_detection_in; struct kz_flag_in; struct kz_banks; struct kz_simhash;
struct kz_cli_bankhit; struct kz_cli_image; struct kz_crawl_event;
typedef struct kz_cli_sink {
    struct kz_detection_in *det; size_t capdet;
    struct kz_flag_in      *flags; size_t capflags;
    struct kz_banks        *banks;
    struct kz_simhash      *sh;
    struct kz_cli_bankhit  *bh; size_t capbh;     /* this record's bank matches */
    size_t                  nbh;
    int                     matched;             /* bh holds this record's matches */
    struct kz_cli_image    *img; size_t nimg, capimg;  /* this record's images, hashed */
    char                    text_sha[65];        /* its text's SHA-256, once computed */
} kz_cli_sink;
/* Store a scanned text (it) with its scan result r: detections from the
 * hits, a "hash" detection per block-bank match of the text's SHA-256 or
 * SimHash (docs/banks.md "Re-uploads"), a case per flagged category
 * (cli/stored.c).  kz_store_ingest's codes. */
int kz_cli_store_scan(struct kz_store *st, const struct kz_scanner *sc, kz_cli_sink *k,
                      const struct kz_item_in *it, const struct kz_result *r,
                      struct kz_ingest_out *out);
void kz_cli_sink_release(kz_cli_sink *k);

/* Re-uploads among records no rule matched, and images (cli/stored.c,
 * docs/banks.md): kz_cli_sink_reset before each record; kz_cli_sink_image
 * hashes one of its images (SHA-256, MD5, PDQ; 0, or KZ_EINVAL etc. with
 * why[KZ_IMAGE_ERRLEN] saying why; ref is kept as the image's name);
 * kz_cli_bank_check matches the text (only the types some block bank
 * holds) and the images against the block banks: the number of block
 * matches, or < 0.  kz_cli_store_scan then stores the record with those
 * matches and its images' hashes. */
void kz_cli_sink_reset(kz_cli_sink *k);
int kz_cli_sink_image(kz_cli_sink *k, const char *ref, size_t ref_len, const void *data, size_t n,
                      char *why);
int kz_cli_bank_check(struct kz_store *st, kz_cli_sink *k, const struct kz_item_in *it);

/* A crawled image (KZ_CRAWL_IMAGE): hashed and matched against the block
 * banks; a match stores an item (the image URL, platform = host) with a
 * "hash" detection per match and a case per category, beginning a
 * transaction when *in_tx is 0 (sets it; the caller commits).  out->item_id
 * is 0 when nothing matched.  KZ_EINVAL etc. with why (KZ_IMAGE_ERRLEN
 * bytes) when the image does not decode; storage errors. */
int kz_cli_store_image(struct kz_store *st, kz_cli_sink *k, const struct kz_crawl_event *ev,
                       int *in_tx, struct kz_ingest_out *out, char *why);

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
 * its default path (kz_audit_key_path), in the same transaction. */
int kz_cli_store_open(struct kz_store **s, const char *uri, int need_current, char *err,
                      size_t errsz);
/* Close it (NULL-safe): a transaction that could not be signed (the key
 * could not be loaded) is reported, and makes an exit status of 0 a 1; a
 * key file others can read is warned about.  Returns the exit status. */
int kz_cli_store_close(struct kz_store **s, int status);

/* "kuzet: " + message on stderr. */
void kz_cli_err(const char *fmt, ...) KZ_PRINTF(1, 2);

#endif
