/*
 * cli/cmd_audit.c - kuzet audit verify|checkpoint|key: the tamper-evident
 * log; and the store every writing command opens, which signs what each of
 * its transactions appends to the log (kz_cli_store_open).
 */
#include "cli.h"
#include "case/rows.h"
#include "store/audit.h"
#include <getopt.h>
#include <sys/stat.h>

static const char usage_text[] =
    "usage: kuzet audit verify [--db URI] (--pubkey HEX | --pubkey-file FILE)...\n"
    "                          [--against CHECKPOINT|FILE]...\n"
    "       kuzet audit verify [--db URI] --unpinned\n"
    "       kuzet audit checkpoint [--db URI] [--key FILE]\n"
    "       kuzet audit key [--db URI] [--key FILE]\n"
    "\n"
    "  verify      recompute the hash chain of the audit log, check every signed\n"
    "              checkpoint against the published public key (--pubkey, or\n"
    "              --pubkey-file: a file of keys, one a line; a checkpoint signed\n"
    "              by any other key fails), check that the log still extends each\n"
    "              checkpoint kept elsewhere (--against: a line as 'checkpoint'\n"
    "              prints it, or a file of them; its key is pinned when no\n"
    "              --pubkey is given), that every entry is covered by a checkpoint,\n"
    "              and that the rows of cases, decisions, notices, appeals,\n"
    "              accounts, banks and bank entries are what the log says;\n"
    "              names the first entry and every row that do not verify (exit 1).\n"
    "              --unpinned checks the signatures only against the keys stored\n"
    "              in the database, which whoever writes the database can replace\n"
    "  checkpoint  sign the latest entry with the Ed25519 key in FILE (created when\n"
    "              missing; default $KUZET_AUDIT_KEY, else DATABASE.audit-key) and\n"
    "              print the checkpoint for publication:\n"
    "              SEQ HASH TIME PUBLIC-KEY SIGNATURE\n"
    "  key         print the public key of that key file (created when missing),\n"
    "              for publication: what verifiers give to --pubkey\n";

/* ---- the signing store every writing command opens ------------------------- */

int kz_cli_store_open(kz_store **s, const char *uri, int need_current)
{
    char path[1024];
    int rc = kz_store_open(s, uri, need_current);
    if (rc == 0) {
        kz_audit_key_path(*s, path, sizeof path);
        rc = kz_store_set_signer(*s, path);
    }
    if (rc) {
        kz_cli_err("%s", kz_store_errmsg(*s));
        kz_store_close(s);
    }
    return rc;
}

int kz_cli_store_close(kz_store **s, int status)
{
    const char *why = NULL;
    char path[1024];
    if (!s || !*s)
        return status;
    int64_t n = kz_store_signed(*s, &why);
    kz_audit_key_path(*s, path, sizeof path);
    if (why) {
        kz_cli_err("no audit checkpoint signed: %s; what was stored is in the log, not yet "
                   "covered by a signed checkpoint ('kuzet audit checkpoint' signs it)", why);
        if (status == KZ_EXIT_OK)
            status = KZ_EXIT_FAIL;
    } else if (n && kz_audit_key_exposed(path)) {
        kz_cli_err("warning: the audit key %s can be read by others; chmod 600 it", path);
    }
    kz_store_close(s);
    return status;
}

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

/* ---- verify: what the verifier brings ---------------------------------------- */

typedef struct pins {
    unsigned char (*key)[KZ_AUDIT_PKLEN];
    size_t nkey, capkey;
    kz_audit_cp *cp;
    size_t ncp, capcp;
} pins;

static int add_key(pins *p, const char *hex, size_t n, const char *where)
{
    if (KZ_GROW(p->key, p->capkey, p->nkey + 1)) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return -1;
    }
    if (kz_audit_pk_parse(hex, n, p->key[p->nkey])) {
        kz_cli_err("%s: '%.*s' is not a public key (64 hex digits, as 'kuzet audit key' prints "
                   "it)", where, (int)KZ_MIN(n, (size_t)80), hex);
        return -1;
    }
    p->nkey++;
    return 0;
}

static int add_cp(pins *p, const char *line, size_t n, const char *where)
{
    char why[256];
    if (KZ_GROW(p->cp, p->capcp, p->ncp + 1)) {
        kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
        return -1;
    }
    if (kz_audit_cp_parse(line, n, &p->cp[p->ncp], why, sizeof why)) {
        kz_cli_err("%s: %s", where, why);
        return -1;
    }
    p->ncp++;
    return 0;
}

/* Each line of the file at path that is neither blank nor a # comment, to
 * add (a key or a checkpoint); -1 when one is bad or the file unreadable. */
static int add_lines(pins *p, const char *opt, const char *path,
                     int (*add)(pins *, const char *, size_t, const char *))
{
    size_t len = 0;
    char *data = kz_cli_slurp(path, (size_t)1 << 24, &len);
    int rc = 0, any = 0;
    unsigned lineno = 0;
    if (!data)
        return -1;
    for (char *q = data; q < data + len && !rc;) {
        char *e = memchr(q, '\n', (size_t)(data + len - q));
        size_t n = e ? (size_t)(e - q) : (size_t)(data + len - q);
        size_t i = 0;
        lineno++;
        while (i < n && (q[i] == ' ' || q[i] == '\t' || q[i] == '\r'))
            i++;
        if (i < n && q[i] != '#') {
            char where[1200];
            snprintf(where, sizeof where, "%s: %s:%u", opt, path, lineno);
            rc = add(p, q + i, n - i, where);
            any = 1;
        }
        q += n + 1;
    }
    if (!rc && !any) {
        kz_cli_err("%s: %s holds no %s", opt, path, add == add_key ? "public key" : "checkpoint");
        rc = -1;
    }
    free(data);
    return rc;
}

/* --against: a checkpoint line (it has blanks in it), else a file of them */
static int add_against(pins *p, const char *arg)
{
    if (strpbrk(arg, " \t"))
        return add_cp(p, arg, strlen(arg), "--against");
    return add_lines(p, "--against", arg, add_cp);
}

typedef struct rowsink {
    int64_t n;
} rowsink;

static void print_row(void *ctx, const char *table, int64_t id, const char *what)
{
    rowsink *k = ctx;
    k->n++;
    printf("row %s %lld: %s\n", table, (long long)id, what);
}

/* "1 entry", "2 entries" */
static const char *plural(int64_t n, const char *one, const char *more) { return n == 1 ? one : more; }

static void print_log(const kz_audit_report *rep, const kz_audit_opts *o)
{
    printf("%lld %s, %lld %s %s (the last at entry %lld, %lld %s after it)",
           (long long)rep->entries, plural(rep->entries, "entry", "entries"), (long long)rep->good,
           plural(rep->good, "checkpoint", "checkpoints"),
           rep->pinned ? (o->npins ? "signed by the pinned key" : "signed by the saved "
                          "checkpoint's key")
                       : "verified only against the keys stored with them",
           (long long)rep->covered, (long long)rep->uncovered,
           plural(rep->uncovered, "entry", "entries"));
    if (rep->saved_max)
        printf(", extending the saved checkpoint at entry %lld", (long long)rep->saved_max);
}

static int do_verify(kz_store *s, const pins *p)
{
    kz_audit_opts o = { (const unsigned char (*)[KZ_AUDIT_PKLEN])p->key, p->nkey, p->cp, p->ncp };
    kz_audit_report rep;
    kz_rows_report rr;
    rowsink sink = { 0 };
    int rc;
    if ((rc = kz_audit_snapshot_begin(s)) != 0) {
        kz_cli_err("%s: cannot read the audit log: %s", kz_store_uri(s),
                   kz_db_errmsg(kz_store_db(s)));
        return KZ_EXIT_FAIL;
    }
    if ((rc = kz_audit_verify(s, &o, &rep)) != 0) {
        kz_audit_snapshot_end(s);
        kz_cli_err("%s: cannot read the audit log: %s", kz_store_uri(s),
                   rc == KZ_ENOMEM ? kz_strerror(rc) : kz_db_errmsg(kz_store_db(s)));
        return KZ_EXIT_FAIL;
    }
    rc = kz_rows_check(s, print_row, &sink, &rr);
    kz_audit_snapshot_end(s);
    if (rc) {
        kz_cli_err("%s: %s", kz_store_uri(s), kz_store_errmsg(s));
        return KZ_EXIT_FAIL;
    }
    if (!rep.pinned)
        kz_cli_err("warning: no pinned key: the checkpoints' signatures were checked only against "
                   "the public keys stored with them in the database; whoever can write the "
                   "database can rewrite the log and sign it with a key of their own, and this "
                   "check would still pass. Give the published key (--pubkey, --pubkey-file) or a "
                   "saved checkpoint (--against)");
    if (rr.unchecked)
        kz_cli_err("note: %lld imported bank entries were not compared: their import was logged "
                   "without their digest", (long long)rr.unchecked);
    if (rep.failed) {
        if (rep.bad_seq)
            printf("FAILED at entry %lld: %s\n", (long long)rep.bad_seq, rep.why);
        else
            printf("FAILED: %s\n", rep.why);
        if (rr.differ)
            printf("FAILED: %lld row%s not what the audit log says\n", (long long)rr.differ,
                   rr.differ == 1 ? " is" : "s are");
        return KZ_EXIT_FAIL;
    }
    if (rr.differ) {
        printf("FAILED: %lld row%s not what the audit log says; the log itself verifies: ",
               (long long)rr.differ, rr.differ == 1 ? " is" : "s are");
        print_log(&rep, &o);
        printf("\n");
        return KZ_EXIT_FAIL;
    }
    printf(rep.pinned ? "ok: " : "ok (unpinned): ");
    print_log(&rep, &o);
    int64_t nrows = rr.rows - rr.unchecked;
    printf("; %lld %s the log\n", (long long)nrows, plural(nrows, "row matches", "rows match"));
    return KZ_EXIT_OK;
}

/* ---- key: the public key, for publication ------------------------------------ */

static int do_key(const char *uri, const char *key)
{
    char path[1024], why[512], hex[2 * KZ_AUDIT_PKLEN + 1];
    unsigned char pk[KZ_AUDIT_PKLEN];
    struct stat st;
    if (key) {
        snprintf(path, sizeof path, "%s", key);
    } else {
        kz_store *s = NULL;
        if (kz_store_open(&s, uri, 1) != 0) {
            kz_cli_err("%s", kz_store_errmsg(s));
            kz_store_close(&s);
            return KZ_EXIT_FAIL;
        }
        kz_audit_key_path(s, path, sizeof path);
        kz_store_close(&s);
    }
    int existed = lstat(path, &st) == 0;
    if (kz_audit_key_public(path, pk, why, sizeof why) != 0) {
        kz_cli_err("%s", why);
        return KZ_EXIT_FAIL;
    }
    if (!existed)
        kz_cli_err("made a new audit key: %s (keep it away from the database)", path);
    else if (kz_audit_key_exposed(path))
        kz_cli_err("warning: the audit key %s can be read by others; chmod 600 it", path);
    kz_audit_pk_hex(pk, hex);
    printf("%s\n", hex);
    return KZ_EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "key", required_argument, NULL, 'k' },
        { "pubkey", required_argument, NULL, 'p' },
        { "pubkey-file", required_argument, NULL, 'P' },
        { "against", required_argument, NULL, 'a' },
        { "unpinned", no_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *key = NULL;
    pins p = { 0 };
    int c, unpinned = 0, verifying = 0, status = KZ_EXIT_USAGE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': uri = optarg; break;
        case 'k': key = optarg; break;
        case 'p':
            verifying = 1;
            if (add_key(&p, optarg, strlen(optarg), "--pubkey"))
                goto out;
            break;
        case 'P':
            verifying = 1;
            if (add_lines(&p, "--pubkey-file", optarg, add_key))
                goto out;
            break;
        case 'a':
            verifying = 1;
            if (add_against(&p, optarg))
                goto out;
            break;
        case 'u': unpinned = verifying = 1; break;
        case 'h': fputs(usage_text, stdout); status = KZ_EXIT_OK; goto out;
        default: fputs(usage_text, stderr); goto out;
        }
    }
    const char *sub = optind + 1 == argc ? argv[optind] : "";
    if (strcmp(sub, "verify") && strcmp(sub, "checkpoint") && strcmp(sub, "key")) {
        fputs(usage_text, stderr);
        goto out;
    }
    if (strcmp(sub, "verify") ? verifying : key != NULL) {
        kz_cli_err("audit %s: %s is not an option of it", sub,
                   strcmp(sub, "verify") ? "--pubkey, --pubkey-file, --against or --unpinned"
                                         : "--key");
        goto out;
    }
    if (!strcmp(sub, "verify") && unpinned && (p.nkey || p.ncp)) {
        kz_cli_err("audit verify: --unpinned goes with no pinned key or saved checkpoint");
        goto out;
    }
    if (!strcmp(sub, "verify") && !unpinned && !p.nkey && !p.ncp) {
        kz_cli_err("audit verify: which key signed the log? Give the published public key "
                   "(--pubkey HEX or --pubkey-file FILE; 'kuzet audit key' prints it where the "
                   "key is kept) or a saved checkpoint (--against). --unpinned checks the "
                   "signatures only against the keys stored in the database, which proves "
                   "nothing against whoever can write it");
        goto out;
    }
    if (!strcmp(sub, "key")) {
        status = do_key(uri, key);
        goto out;
    }
    kz_store *s = NULL;
    if (kz_store_open(&s, uri, 1) != 0) {
        kz_cli_err("%s", kz_store_errmsg(s));
        kz_store_close(&s);
        status = KZ_EXIT_FAIL;
        goto out;
    }
    if (!strcmp(sub, "verify")) {
        status = do_verify(s, &p);
    } else {
        char line[512];
        status = kz_cli_checkpoint(s, key, line, sizeof line) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
        if (status == KZ_EXIT_OK)
            printf("%s\n", line);
    }
    kz_store_close(&s);
out:
    free(p.key);
    free(p.cp);
    return status;
}

int kz_cli_rows_guard(kz_store *s, int unverified)
{
    int rc = kz_rows_guard(s);
    const char *why = kz_store_errmsg(s);
    if (rc == 0)
        return 0;
    if (rc != KZ_ESTATE) {
        kz_cli_err("%s: %s", kz_store_uri(s), why);
        return -1;
    }
    if (unverified) {
        kz_cli_err("WARNING: %s does not match its audit log: %s. Going on because of "
                   "--unverified: what follows may not be what kuzet decided",
                   kz_store_uri(s), why);
        return 0;
    }
    kz_cli_err("refused: %s does not match its audit log: %s. Run 'kuzet audit verify' to see "
               "every difference; --unverified goes on regardless", kz_store_uri(s), why);
    return -1;
}
