/*
 * cli/cmd_users.c - kuzet users add|list|disable: the accounts of the
 * people who review, decide and approve (case/account.h), and the acting
 * person's log-in that `kuzet cases` shares (kz_cli_act).
 *
 * Passwords come from the environment ($KUZET_PASSWORD for the person
 * acting, $KUZET_NEW_PASSWORD for a new account) or are read from the
 * terminal without echo; never from the command line, where other users
 * of the machine could see them in the process list.
 */
#include "cli.h"
#include "case/account.h"
#include "case/session.h"
#include "store/store.h"
#include "util/buf.h"
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <termios.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: kuzet users add NAME --role ROLE [--as ADMIN] [--db URI]\n"
    "       kuzet users list [--json] [--db URI]\n"
    "       kuzet users disable NAME --as ADMIN [--db URI]\n"
    "       kuzet users passwd NAME --as NAME [--db URI]   (the account itself, or an admin)\n"
    "\n"
    "Accounts of the people who work in kuzet.  Roles: analyst, reviewer,\n"
    "supervisor, auditor, admin.  Accounts are disabled, never deleted.\n"
    "The first account of a database must be an admin, added without --as;\n"
    "after that only an admin adds or disables accounts.  A new password ends\n"
    "every session of the account in kuzet serve.\n"
    "\n"
    "  --role ROLE  the new account's role\n"
    "  --as NAME    the admin acting; password from $KUZET_PASSWORD, else asked\n"
    "  --json       list as JSON lines\n"
    "  --db URI     sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "\n"
    "The new account's password: $KUZET_NEW_PASSWORD, else (when there is no\n"
    "--as) $KUZET_PASSWORD, else asked twice on the terminal; at least 12\n"
    "characters.\n";

/* Read a line from the terminal without echo. */
static int read_tty(const char *prompt, char *out, size_t n)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct termios old, quiet;
    int rc = -1, restored = tcgetattr(fd, &old) != 0;
    if (!restored) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
            restored = 1;
    }
    if (write(fd, prompt, strlen(prompt)) >= 0) {
        size_t len = 0;
        char c;
        ssize_t k;
        while ((k = read(fd, &c, 1)) == 1 && c != '\n')
            if (len + 1 < n)
                out[len++] = c;
        out[len] = '\0';
        rc = k < 0 ? -1 : 0;
    }
    if (!restored)
        tcsetattr(fd, TCSAFLUSH, &old);
    close(fd);
    return rc;
}

/* The password of the person acting as name. */
static int acting_password(const char *name, char *out, size_t n)
{
    const char *env = getenv("KUZET_PASSWORD");
    if (env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    char prompt[128];
    snprintf(prompt, sizeof prompt, "password for %s: ", name);
    if (read_tty(prompt, out, n) != 0) {
        kz_cli_err("no password for '%s': set KUZET_PASSWORD or run on a terminal", name);
        return -1;
    }
    return 0;
}

int kz_cli_act(struct kz_store *s, const char *as, struct kz_actor **out)
{
    char pw[KZ_PASSWORD_MAX + 2], why[512];
    *out = NULL;
    if (!as)
        return kz_account_system(out, s) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
    if (acting_password(as, pw, sizeof pw) != 0)
        return KZ_EXIT_FAIL;
    int rc = kz_account_login(out, s, as, pw, why, sizeof why);
    explicit_bzero(pw, sizeof pw);
    if (rc) {
        kz_cli_err("refused: %s", why);
        return KZ_EXIT_FAIL;
    }
    return KZ_EXIT_OK;
}

static int new_password(const char *name, int acting, char *out, size_t n)
{
    const char *env = getenv("KUZET_NEW_PASSWORD");
    if (!env && !acting)
        env = getenv("KUZET_PASSWORD");
    if (env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    char again[KZ_PASSWORD_MAX + 2], prompt[128];
    snprintf(prompt, sizeof prompt, "new password for %s: ", name);
    int rc = read_tty(prompt, out, n);
    if (rc == 0)
        rc = read_tty("again: ", again, sizeof again);
    if (rc != 0) {
        kz_cli_err("no password for the new account: set KUZET_NEW_PASSWORD or run on a terminal");
        return -1;
    }
    rc = strcmp(out, again) ? -1 : 0;
    explicit_bzero(again, sizeof again);
    if (rc)
        kz_cli_err("the two passwords differ; nothing added");
    return rc;
}

static void print_users(const char *lines, int json)
{
    if (json) {
        fputs(lines, stdout);
        return;
    }
    printf("%-24s %-11s %-9s %s\n", "NAME", "ROLE", "STATUS", "CREATED");
    for (const char *p = lines; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = kz_strndup(p, len);
        json_object *o = line ? json_tokener_parse(line) : NULL, *v;
        if (o) {
            const char *f[4] = { "", "", "", "" };
            if (json_object_object_get_ex(o, "name", &v)) f[0] = json_object_get_string(v);
            if (json_object_object_get_ex(o, "role", &v)) f[1] = json_object_get_string(v);
            if (json_object_object_get_ex(o, "disabled", &v))
                f[2] = json_object_get_boolean(v) ? "disabled" : "active";
            if (json_object_object_get_ex(o, "created_at", &v)) f[3] = json_object_get_string(v);
            printf("%-24s %-11s %-9s %s\n", f[0], f[1], f[2], f[3]);
        }
        json_object_put(o);
        free(line);
        p += len + (nl ? 1 : 0);
    }
}

int cmd_users(int argc, char **argv)
{
    static const struct option opts[] = {
        { "role", required_argument, NULL, 'r' },
        { "as", required_argument, NULL, 'a' },
        { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *role = NULL, *as = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:a:d:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': role = optarg; break;
        case 'a': as = optarg; break;
        case 'd': uri = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    int npos = argc - optind;
    const char *sub = npos > 0 ? argv[optind] : "";
    const char *name = npos > 1 ? argv[optind + 1] : NULL;
    int want = !strcmp(sub, "list") ? 1 : 2;
    int known = !strcmp(sub, "add") || !strcmp(sub, "list") || !strcmp(sub, "disable") ||
                !strcmp(sub, "passwd");
    if (!known || npos != want) {
        if (*sub && !known)
            kz_cli_err("users: unknown subcommand '%s'", sub);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (!strcmp(sub, "add") && !role) {
        kz_cli_err("users add needs --role (analyst, reviewer, supervisor, auditor or admin)");
        return KZ_EXIT_USAGE;
    }
    if ((!strcmp(sub, "disable") || !strcmp(sub, "passwd")) && !as) {
        kz_cli_err("users %s needs --as NAME (the %s acting)", sub,
                   !strcmp(sub, "passwd") ? "account itself or an admin" : "admin");
        return KZ_EXIT_USAGE;
    }
    char err[512], pw[KZ_PASSWORD_MAX + 2] = "";
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_buf out;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    int status = KZ_EXIT_FAIL, rc;
    if (kz_cli_store_open(&s, uri, 1, err, sizeof err) != 0) {
        kz_cli_err("%s", err);
        goto out;
    }
    if (!strcmp(sub, "add")) {
        /* check what needs no password first, so a typo asks for none */
        if (!kz_account_name_ok(name)) {
            kz_cli_err("'%s' is not an account name: 1 to 64 characters of a-z, 0-9, '.', '_', "
                       "'-' (and not 'system' or 'ingest')", name);
            goto out;
        }
        if (!kz_account_role_ok(role)) {
            kz_cli_err("unknown role '%s' (analyst, reviewer, supervisor, auditor, admin)", role);
            status = KZ_EXIT_USAGE;
            goto out;
        }
        if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
            goto out;
        status = KZ_EXIT_FAIL;
        if (as && strcmp(kz_account_role(a), "admin")) {
            /* the library refuses it too; this only spares asking for a password */
            kz_cli_err("refused: adding an account needs an admin; '%s' is %s %s", as,
                       kz_account_role(a)[0] == 'a' ? "an" : "a", kz_account_role(a));
            goto out;
        }
        if (new_password(name, as != NULL, pw, sizeof pw) != 0)
            goto out;
        int64_t id = 0;
        if ((rc = kz_account_add(a, name, role, pw, &id)) != 0) {
            kz_cli_err("refused: %s", kz_account_errmsg(a));
            goto out;
        }
        printf("added %s %s '%s' (account %lld)%s\n", role[0] == 'a' ? "an" : "a", role, name,
               (long long)id, as ? "" : " - the first admin of this database");
    } else if (!strcmp(sub, "disable")) {
        if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
            goto out;
        status = KZ_EXIT_FAIL;
        if ((rc = kz_account_disable(a, name)) != 0) {
            kz_cli_err("refused: %s", kz_account_errmsg(a));
            goto out;
        }
        printf("disabled '%s'\n", name);
    } else if (!strcmp(sub, "passwd")) {
        if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
            goto out;
        status = KZ_EXIT_FAIL;
        if (new_password(name, 1, pw, sizeof pw) != 0)
            goto out;
        if ((rc = kz_account_set_password(a, name, pw)) != 0) {
            kz_cli_err("refused: %s", kz_account_errmsg(a));
            goto out;
        }
        printf("changed the password of '%s' (its sessions ended)\n", name);
    } else {
        if (kz_account_system(&a, s) || kz_account_list_json(a, &out)) {
            kz_cli_err("%s", a ? kz_account_errmsg(a) : kz_strerror(KZ_ENOMEM));
            goto out;
        }
        print_users(out.p ? out.p : "", json);
    }
    status = KZ_EXIT_OK;
out:
    explicit_bzero(pw, sizeof pw);
    kz_buf_release(&out);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
