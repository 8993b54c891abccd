/*
 * cli/cmd_bank.c - kuzet bank: hash banks (store/bank.h).
 *
 *   kuzet bank create NAME --type T [--threshold N] [--allow] --as WHO
 *   kuzet bank import NAME FILE --as WHO
 *   kuzet bank export NAME
 *   kuzet bank list [--json]
 *   kuzet bank match [--type T] HASH...
 *   kuzet bank match-file FILE...
 *
 * Changes need a logged-in analyst, supervisor or admin (kz_cli_act;
 * the library checks the role); reads need no login.  match and
 * match-file exit 1 when a query matched a block bank (and no allow
 * bank), like `kuzet check`.
 */
#include "cli.h"
#include "util/sha256.h"
#include "case/account.h"
#include "detect/pdq.h"
#include "detect/simhash.h"
#include "detect/minhash.h"
#include "ingest/image.h"
#include "ingest/imghash.h"
#include "pipeline/bankquery.h"
#include "pipeline/lookups.h"
#include "store/bank.h"
#include "store/store.h"
#include "text/norm.h"
#include "util/buf.h"
#include "util/utf8.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define BANK_FILE_MAX ((size_t)256 << 20)

static const char usage_text[] =
    "usage: kuzet bank create NAME --type pdq|sha256|md5|simhash [--threshold N] [--allow] --as WHO\n"
    "       kuzet bank import NAME FILE --as WHO\n"
    "       kuzet bank export NAME\n"
    "       kuzet bank list [--json]\n"
    "       kuzet bank match [--type T] HASH...\n"
    "       kuzet bank match-file FILE...\n"
    "\n"
    "Hash banks: hashes of material already decided on (block banks) and of\n"
    "known false positives (allow banks, --allow).  A query that matches an\n"
    "allow bank of its type has its block matches suppressed.\n"
    "\n"
    "  create      a new bank; threshold: pdq 31, simhash 14, exact types 0\n"
    "  import      rows signal_type,signal,tags (CSV or TSV, header optional);\n"
    "              bad rows are reported as FILE:LINE: reason and skipped\n"
    "  export      the bank in the same layout\n"
    "  list        the banks, their entry counts and versions (bumped by every\n"
    "              change to a bank's entries)\n"
    "  match       each HASH against every bank of its type (without --type,\n"
    "              from its length: 16 simhash, 32 md5, 64 pdq and sha256)\n"
    "  match-file  hash each file (images: PDQ with its 8 rotations and flips;\n"
    "              every file: SHA-256 and MD5; UTF-8 text: simhash) and match\n"
    "\n"
    "  --as WHO    the analyst, supervisor or admin acting (password from\n"
    "              $KUZET_PASSWORD, else asked)\n"
    "  --db URI    sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "\n"
    "Output of match: 'QUERY: match BANK SIGNAL DISTANCE TAGS' per entry, or\n"
    "'QUERY: no match'.  Exit status: 0 no match, 1 a match (or an error),\n"
    "2 usage; import exits 1 when a row was bad (the good ones are kept).\n";


static void bad_row(void *ctx, unsigned line, const char *why)
{
    kz_cli_err("%s:%u: %s", (const char *)ctx, line, why);
}

static int do_list(kz_banks *bk, int json)
{
    kz_bank_info *v = NULL;
    size_t n = 0;
    if (kz_bank_list(bk, &v, &n)) {
        kz_cli_err("%s", kz_bank_errmsg(bk));
        return KZ_EXIT_FAIL;
    }
    if (!json)
        printf("%-24s %-8s %-9s %-5s %8s %7s %s\n", "NAME", "TYPE", "THRESHOLD", "KIND", "ENTRIES",
               "VERSION", "CREATED");
    for (size_t i = 0; i < n; i++) {
        const char *t = kz_bank_type_name(v[i].type), *k = v[i].allow ? "allow" : "block";
        if (json) {
            kz_buf b;
            kz_buf_init(&b, KZ_BUF_NOLIMIT);
            if (kz_lookups_bank(&b, &v[i]) == 0 && kz_buf_addc(&b, '\n') == 0)
                fwrite(b.p, 1, b.len, stdout);
            kz_buf_release(&b);
        } else {
            printf("%-24s %-8s %-9d %-5s %8lld %7lld %s\n", v[i].name, t ? t : "?",
                   v[i].threshold, k, (long long)v[i].entries, (long long)v[i].version,
                   v[i].created_at);
        }
    }
    free(v);
    return KZ_EXIT_OK;
}

/* Print the lines of one match result r (or, when r is NULL, the banks'
 * error) for label.  1 matched, 0 not, -1 error. */
static int print_result(kz_banks *bk, const char *label, const kz_bank_result *r,
                        size_t *suppressed)
{
    if (!r) {
        kz_cli_err("%s: %s", label, kz_bank_errmsg(bk));
        return -1;
    }
    for (size_t i = 0; i < r->n; i++) {
        const kz_bank_hit *h = &r->v[i];
        if (h->allow)
            printf("%s: allow %s %s %d %s\n", label, h->bank, h->signal, h->distance, h->tags);
        else if (!r->suppressed)
            printf("%s: match %s %s %d %s\n", label, h->bank, h->signal, h->distance, h->tags);
    }
    if (r->suppressed)
        *suppressed += r->nblock;
    return r->nblock && !r->suppressed;
}

static void print_none(const char *label, size_t suppressed)
{
    if (suppressed)
        printf("%s: no match (%zu suppressed by allow banks)\n", label, suppressed);
    else
        printf("%s: no match\n", label);
}

/* The types a hash is matched as: --type, else by its length.  0 when
 * it is not a hash of any (of that type). */
static int query_types(int type, const char *hash, int types[2])
{
    size_t len = strlen(hash);
    int nt = 0;
    char norm[KZ_BANK_SIGMAX + 1];
    if (type >= 0)
        types[nt++] = type;
    else if (len == 16)
        types[nt++] = KZ_BANK_SIMHASH;
    else if (len == 32)
        types[nt++] = KZ_BANK_MD5;
    else if (len == 64) {
        types[nt++] = KZ_BANK_PDQ;
        types[nt++] = KZ_BANK_SHA256;
    }
    if (!nt || kz_bank_signal_norm(types[0], hash, len, norm)) {
        kz_cli_err("'%s' is not a valid %s hash", hash,
                   type >= 0 ? kz_bank_type_name(type) : "pdq, sha256, md5 or simhash");
        return 0;
    }
    return nt;
}

static int do_match(kz_banks *bk, int type, char **hashes, int nh)
{
    int status = KZ_EXIT_OK;
    for (int i = 0; i < nh; i++) {
        const char *q[1] = { hashes[i] };
        size_t supp = 0;
        int types[2], nt = query_types(type, hashes[i], types), matched = 0;
        if (!nt)
            return KZ_EXIT_USAGE;
        for (int t = 0; t < nt; t++) {
            const kz_bank_result *r = NULL;
            int rc = print_result(bk, hashes[i],
                                  kz_bank_match(bk, types[t], q, 1, &r) ? NULL : r, &supp);
            if (rc < 0)
                return KZ_EXIT_FAIL;
            matched |= rc;
        }
        if (!matched)
            print_none(hashes[i], supp);
        else
            status = KZ_EXIT_FAIL;
        fflush(stdout);
    }
    return status;
}

/* 1 matched, 0 not, -1 error (reported). */
static int match_file(kz_banks *bk, kz_simhash *sh, kz_minhash *mh, const char *path)
{
    char *data = NULL;
    size_t n = 0, supp = 0;
    kz_bankqs qs;
    int rc, matched = 0;
    if (!(data = kz_cli_slurp(path, KZ_NORM_MAX, &n)))
        return -1;
    if ((rc = kz_bankq_content(data, n, sh, mh, &qs)) != 0) {
        kz_cli_err("%s: %s", path, rc == KZ_EINTERNAL ? "MD5: libcrypto failed" : kz_strerror(rc));
        matched = -1;
        goto out;
    }
    if (qs.image_why[0])
        kz_cli_err("%s: %s (matched by SHA-256 and MD5 only)", path, qs.image_why);
    for (size_t i = 0; i < qs.n; i++) {
        if (qs.v[i].type == KZ_BANK_PDQ && qs.pdq_quality < KZ_PDQ_MIN_QUALITY)
            kz_cli_err("%s: PDQ quality %d, under %d: its PDQ matches are unreliable (ingest "
                       "and crawl do not match it)", path, qs.pdq_quality, KZ_PDQ_MIN_QUALITY);
        const kz_bank_result *r = NULL;
        if ((rc = print_result(bk, path, kz_bankq_match(bk, &qs, i, &r) ? NULL : r,
                               &supp)) < 0) {
            matched = -1;
            goto out;
        }
        matched |= rc;
    }
    if (!matched)
        print_none(path, supp);
out:
    free(data);
    return matched;
}

int cmd_bank(int argc, char **argv)
{
    static const struct option opts[] = {
        { "type", required_argument, NULL, 't' },
        { "threshold", required_argument, NULL, 'T' },
        { "allow", no_argument, NULL, 'A' },
        { "as", required_argument, NULL, 'a' },
        { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *as = NULL, *type_s = NULL, *thr_s = NULL;
    int allow = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 't': type_s = optarg; break;
        case 'T': thr_s = optarg; break;
        case 'A': allow = 1; break;
        case 'a': as = optarg; break;
        case 'd': uri = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    int npos = argc - optind;
    const char *sub = npos > 0 ? argv[optind] : "";
    char **pos = argv + optind + 1;
    int np = npos - 1;
    static const struct { const char *name; int min, max, change; } subs[] = {
        { "create", 1, 1, 1 }, { "import", 2, 2, 1 }, { "export", 1, 1, 0 },
        { "list", 0, 0, 0 },   { "match", 1, 1 << 20, 0 }, { "match-file", 1, 1 << 20, 0 },
    };
    size_t si = 0;
    while (si < KZ_ARRAY_LEN(subs) && strcmp(sub, subs[si].name))
        si++;
    if (si == KZ_ARRAY_LEN(subs)) {
        if (*sub)
            kz_cli_err("bank: unknown subcommand '%s'", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (np < subs[si].min || np > subs[si].max) {
        kz_cli_err("bank %s: wrong number of arguments", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    int type = -1, threshold = -1;
    if (type_s && (type = kz_bank_type_parse(type_s, strlen(type_s))) < 0) {
        kz_cli_err("bank: unknown type '%s' (pdq, sha256, md5, simhash)", type_s);
        return KZ_EXIT_USAGE;
    }
    if (!strcmp(sub, "create")) {
        if (type < 0) {
            kz_cli_err("bank create needs --type (pdq, sha256, md5 or simhash)");
            return KZ_EXIT_USAGE;
        }
        if (thr_s) {
            char *end = NULL;
            long v = strtol(thr_s, &end, 10);
            if (end == thr_s || *end || v < 0 || v > kz_bank_max_threshold(type)) {
                if (kz_bank_max_threshold(type) == 0)
                    kz_cli_err("bank create: %s banks match exactly; --threshold can only be 0",
                               kz_bank_type_name(type));
                else
                    kz_cli_err("bank create: --threshold for %s is 0 to %d, not '%s'",
                               kz_bank_type_name(type), kz_bank_max_threshold(type), thr_s);
                return KZ_EXIT_USAGE;
            }
            threshold = (int)v;
        }
        if (!kz_bank_name_ok(pos[0])) {
            kz_cli_err("'%s' is not a bank name: 1 to 64 characters of a-z, 0-9, '.', '_', '-'",
                       pos[0]);
            return KZ_EXIT_USAGE;
        }
    } else if (type_s && strcmp(sub, "match")) {
        kz_cli_err("bank %s: --type is for create and match", sub);
        return KZ_EXIT_USAGE;
    }
    if ((thr_s || allow) && strcmp(sub, "create")) {
        kz_cli_err("bank %s: --threshold and --allow are for create", sub);
        return KZ_EXIT_USAGE;
    }
    if (json && strcmp(sub, "list")) {
        kz_cli_err("bank %s: --json is for list", sub);
        return KZ_EXIT_USAGE;
    }
    if (subs[si].change && !as) {
        kz_cli_err("bank %s needs --as NAME (an analyst, supervisor or admin)", sub);
        return KZ_EXIT_USAGE;
    }

    if (!strcmp(sub, "match"))
        for (int i = 0; i < np; i++) {
            int types[2];
            if (!query_types(type, pos[i], types))
                return KZ_EXIT_USAGE;
        }

    char *data = NULL;
    size_t n = 0;
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_banks *bk = NULL;
    kz_simhash *sh = NULL;
    kz_minhash *mh = NULL;
    kz_buf out;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    int status = KZ_EXIT_FAIL;
    if (sodium_init() < 0) {
        kz_cli_err("libsodium failed to initialise");
        goto out;
    }
    if (!strcmp(sub, "import") && !(data = kz_cli_slurp(pos[1], BANK_FILE_MAX, &n)))
        goto out;
    if (kz_cli_store_open(&s, uri, 1) != 0) {
        goto out;
    }
    if (kz_bank_open(&bk, s)) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        goto out;
    }
    if (subs[si].change) {
        if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
            goto out;
        status = KZ_EXIT_FAIL;
    }
    if (!strcmp(sub, "create")) {
        int64_t id = 0;
        if (kz_bank_create(bk, kz_account_name(a), pos[0], type, threshold, allow, &id)) {
            kz_cli_err("refused: %s", kz_bank_errmsg(bk));
            goto out;
        }
        printf("created %s bank '%s' (%s, threshold %d)\n", allow ? "allow" : "block", pos[0],
               kz_bank_type_name(type), threshold < 0 ? kz_bank_default_threshold(type) : threshold);
    } else if (!strcmp(sub, "import")) {
        kz_bank_import_report rep;
        if (kz_bank_import(bk, kz_account_name(a), pos[0], data, n, bad_row,
                           strcmp(pos[1], "-") ? pos[1] : "<stdin>", &rep)) {
            kz_cli_err("refused: %s", kz_bank_errmsg(bk));
            goto out;
        }
        printf("%s: %zu added, %zu already in the bank, %zu bad rows skipped\n", pos[0],
               rep.added, rep.duplicates, rep.bad);
        if (rep.bad)
            goto out;
    } else if (!strcmp(sub, "export")) {
        if (kz_bank_export(bk, pos[0], &out)) {
            kz_cli_err("%s", kz_bank_errmsg(bk));
            goto out;
        }
        fwrite(out.p, 1, out.len, stdout);
    } else if (!strcmp(sub, "list")) {
        status = do_list(bk, json);
        goto out;
    } else if (!strcmp(sub, "match")) {
        status = do_match(bk, type, pos, np);
        goto out;
    } else {
        if (!(sh = kz_simhash_new()) || !(mh = kz_minhash_new())) {
            kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
            goto out;
        }
        int any = 0, errs = 0;
        for (int i = 0; i < np; i++) {
            int rc = match_file(bk, sh, mh, pos[i]);
            any |= rc > 0;
            errs |= rc < 0;
            fflush(stdout);
        }
        status = any || errs ? KZ_EXIT_FAIL : KZ_EXIT_OK;
        goto out;
    }
    status = KZ_EXIT_OK;
out:
    kz_simhash_free(sh);
    kz_minhash_free(mh);
    kz_buf_release(&out);
    free(data);
    kz_bank_close(&bk);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
