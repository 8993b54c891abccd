/*
 * cli/cmd_audit.c - kuzet audit verify|checkpoint: the tamper-evident log.
 */
#include "cli.h"
#include "store/audit.h"
#include <getopt.h>

static const char usage_text[] =
    "usage: kuzet audit verify [--db URI]\n"
    "       kuzet audit checkpoint [--db URI] [--key FILE]\n"
    "\n"
    "  verify      recompute the hash chain of the audit log and check every signed\n"
    "              checkpoint; names the first entry that does not verify (exit 1)\n"
    "  checkpoint  sign the latest entry with the Ed25519 key in FILE (created when\n"
    "              missing; default $KUZET_AUDIT_KEY, else DATABASE.audit-key) and\n"
    "              print the checkpoint for publication:\n"
    "              SEQ HASH TIME PUBLIC-KEY SIGNATURE\n";

int kz_cli_checkpoint(kz_store *s, const char *key, char *line, size_t linesz)
{
    char path[1024];
    if (key)
        snprintf(path, sizeof path, "%s", key);
    else
        kz_audit_key_path(s, path, sizeof path);
    int rc = kz_audit_checkpoint(s, path, line, linesz);
    if (rc == KZ_ENOTFOUND)
        kz_cli_err("checkpoint: the audit log is empty");
    else if (rc)
        kz_cli_err("no audit checkpoint signed: %s", kz_store_errmsg(s));
    else if (kz_audit_key_exposed(path))
        kz_cli_err("warning: the audit key %s can be read by others; chmod 600 it", path);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "key", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *key = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'k': key = optarg; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || (strcmp(argv[optind], "verify") && strcmp(argv[optind], "checkpoint"))) {
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    char err[512];
    kz_store *s = NULL;
    if (kz_store_open(&s, uri, 1, err, sizeof err) != 0) {
        kz_cli_err("%s", err);
        return KZ_EXIT_FAIL;
    }
    int status = KZ_EXIT_OK, rc;
    if (!strcmp(argv[optind], "verify")) {
        kz_audit_report rep;
        if ((rc = kz_audit_verify(s, &rep)) != 0) {
            kz_cli_err("%s: cannot read the audit log: %s", kz_store_uri(s), kz_db_errmsg(kz_store_db(s)));
            status = KZ_EXIT_FAIL;
        } else if (rep.bad_seq) {
            printf("FAILED at entry %lld: %s\n", (long long)rep.bad_seq, rep.why);
            status = KZ_EXIT_FAIL;
        } else {
            printf("ok: %lld entries, %lld checkpoints verified\n", (long long)rep.entries,
                   (long long)rep.checkpoints);
        }
    } else {
        char line[512];
        if (kz_cli_checkpoint(s, key, line, sizeof line) != 0) {
            status = KZ_EXIT_FAIL;
        } else {
            printf("%s\n", line);
        }
    }
    kz_store_close(&s);
    return status;
}
