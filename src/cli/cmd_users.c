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
    "usage: kuzet users add NAME --role ROLE [--as ADMIN] [--valid DURATION] [--db URI]\n"
    "       kuzet users enrol TOKEN|- [--db URI]\n"
    "       kuzet users token NAME --as ADMIN [--valid DURATION] [--db URI]\n"
    "       kuzet users list [--json] [--db URI]\n"
    "       kuzet users disable NAME --as ADMIN [--db URI]\n"
    "       kuzet users passwd NAME --as NAME [--db URI]   (the account itself)\n"
    "\n"
    "Accounts of the people who work in kuzet.  Roles: analyst, reviewer,\n"
    "supervisor, auditor, admin.  Accounts are disabled, never deleted.\n"
    "The first account of a database must be an admin, added without --as,\n"
    "with its own password.  After that an admin adds accounts without a\n"
    "password: `add` prints a one-time enrolment token, which the account's\n"
    "owner alone uses to set the password (`enrol`; `-` reads the token from\n"
    "standard input).  `token` issues a new one to an account that has not\n"
    "enrolled.  Admins manage accounts and take no part in cases.\n"
    "A new password (`passwd`, by the account itself) ends every session of the\n"
    "account in kuzet serve.\n"
    "\n"
    "  --role ROLE      the new account's role\n"
    "  --as NAME        the admin acting; password from $KUZET_PASSWORD, else asked\n"
    "  --valid DURATION how long the token works (default 72h; 1m to 30d)\n"
    "  --json           list as JSON lines\n"
    "  --db URI         sqlite:PATH or a path (default $KUZET_DB, else sqlite:kuzet.db)\n"
    "\n"
    "The first admin's password, and the password set by `enrol`:\n"
    "$KUZET_NEW_PASSWORD, else (first admin) $KUZET_PASSWORD, else asked twice\n"
    "on the terminal; at least 12 characters.\n";

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
    char pw[KZ_PASSWORD_MAX + 2];
    *out = NULL;
    if (!as)
        return kz_account_system(out, s) ? KZ_EXIT_FAIL : KZ_EXIT_OK;
    if (acting_password(as, pw, sizeof pw) != 0)
        return KZ_EXIT_FAIL;
    int rc = kz_account_login(out, s, as, pw);
    explicit_bzero(pw, sizeof pw);
    if (rc) {
        kz_cli_err("refused: %s", kz_store_errmsg(s));
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
    printf("%-24s %-11s %-9s %-20s  %s\n", "NAME", "ROLE", "STATUS", "CREATED", "BY");
    for (const char *p = lines; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = kz_strndup(p, len);
        json_object *o = line ? json_tokener_parse(line) : NULL, *v;
        if (o) {
            const char *f[4] = { "", "", "", "" };
            if (json_object_object_get_ex(o, "name", &v)) f[0] = json_object_get_string(v);
            if (json_object_object_get_ex(o, "role", &v)) f[1] = json_object_get_string(v);
            if (json_object_object_get_ex(o, "state", &v)) f[2] = json_object_get_string(v);
            if (json_object_object_get_ex(o, "created_at", &v)) f[3] = json_object_get_string(v);
            const char *by = "-";
            if (json_object_object_get_ex(o, "created_by", &v) && json_object_get_string(v))
                by = json_object_get_string(v);
            printf("%-24s %-11s %-9s %-20s  %s\n", f[0], f[1], f[2], f[3], by);
        }
        json_object_put(o);
        free(line);
        p += len + (nl ? 1 : 0);
    }
}

/* The token from standard input: the first word starting "kze_". */
static int token_from_stdin(char *out, size_t n)
{
    char line[4096];
    out[0] = '\0';
    while (fgets(line, sizeof line, stdin)) {
        char *p = strstr(line, "kze_");
        if (!p)
            continue;
        size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
        if (k < n) {
            memcpy(out, p, k);
            out[k] = '\0';
        }
        explicit_bzero(line, sizeof line);
        return out[0] ? 0 : -1;
    }
    return -1;
}

static void print_token(const char *name, const char *token, const char *expires)
{
    printf("enrolment token for '%s' (shown once; valid until %s):\n  %s\n"
           "give it to its owner only, who sets the password with: kuzet users enrol TOKEN\n",
           name, expires, token);
}

int cmd_users(int argc, char **argv)
{
    static const struct option opts[] = {
        { "role", required_argument, NULL, 'r' },
        { "as", required_argument, NULL, 'a' },
        { "db", required_argument, NULL, 'd' },
        { "valid", required_argument, NULL, 'v' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *uri = NULL, *role = NULL, *as = NULL;
    int json = 0, c;
    int64_t valid = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:a:d:v:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': role = optarg; break;
        case 'a': as = optarg; break;
        case 'd': uri = optarg; break;
        case 'j': json = 1; break;
        case 'v':
            valid = kz_cli_duration(optarg, 1);
            if (valid < 60 || valid > 30 * 86400) {
                kz_cli_err("--valid '%s': a duration of 1m to 30d, like 72h", optarg);
                return KZ_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    static const char *const subs[] = { "add", "list", "disable", "enrol", "token", "passwd" };
    int npos = argc - optind, known = 0;
    const char *sub = npos > 0 ? argv[optind] : "";
    const char *name = npos > 1 ? argv[optind + 1] : NULL;
    for (size_t i = 0; i < KZ_ARRAY_LEN(subs); i++)
        known |= !strcmp(sub, subs[i]);
    int want = !strcmp(sub, "list") ? 1 : 2;
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
    if ((!strcmp(sub, "disable") || !strcmp(sub, "token") || !strcmp(sub, "passwd")) && !as) {
        kz_cli_err("users %s needs --as NAME (the %s acting)", sub,
                   !strcmp(sub, "passwd") ? "account itself" : "admin");
        return KZ_EXIT_USAGE;
    }
    char pw[KZ_PASSWORD_MAX + 2] = "", token[KZ_ENROL_TOKEN_SIZE] = "", expires[21] = "";
    char tokbuf[128] = "";
    kz_store *s = NULL;
    kz_actor *a = NULL;
    kz_buf out;
    kz_buf_init(&out, KZ_BUF_NOLIMIT);
    int status = KZ_EXIT_FAIL, rc;
    if (kz_cli_store_open(&s, uri, 1) != 0) {
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
        if (!as && valid) {
            kz_cli_err("--valid is for an account an admin adds (--as); the first admin sets its "
                       "own password");
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
        int64_t id = 0;
        if (as) {
            if ((rc = kz_account_invite(a, name, role, valid, token, expires, &id)) != 0) {
                kz_cli_err("refused: %s", kz_account_errmsg(a));
                goto out;
            }
            printf("added %s %s '%s' (account %lld); it cannot log in until its owner enrols\n",
                   role[0] == 'a' ? "an" : "a", role, name, (long long)id);
            print_token(name, token, expires);
        } else {
            if (new_password(name, 0, pw, sizeof pw) != 0)
                goto out;
            if ((rc = kz_account_add(a, name, role, pw, &id)) != 0) {
                kz_cli_err("refused: %s", kz_account_errmsg(a));
                goto out;
            }
            printf("added %s %s '%s' (account %lld) - the first admin of this database\n",
                   role[0] == 'a' ? "an" : "a", role, name, (long long)id);
        }
    } else if (!strcmp(sub, "enrol")) {
        if (!strcmp(name, "-")) {
            if (token_from_stdin(tokbuf, sizeof tokbuf) != 0) {
                kz_cli_err("no enrolment token (kze_...) on standard input");
                goto out;
            }
            name = tokbuf;
        }
        char who[72];
        if (kz_account_system(&a, s)) {
            kz_cli_err("%s", kz_strerror(KZ_ENOMEM));
            goto out;
        }
        if (strncmp(name, "kze_", 4)) {
            kz_cli_err("'%.12s' is not an enrolment token (kze_...)", name);
            status = KZ_EXIT_USAGE;
            goto out;
        }
        if (new_password("your account", 1, pw, sizeof pw) != 0)
            goto out;
        if ((rc = kz_account_enrol(a, name, pw, who)) != 0) {
            kz_cli_err("refused: %s", kz_account_errmsg(a));
            goto out;
        }
        printf("enrolled '%s': its password is set; act with --as %s\n", who, who);
    } else if (!strcmp(sub, "token")) {
        if ((status = kz_cli_act(s, as, &a)) != KZ_EXIT_OK)
            goto out;
        status = KZ_EXIT_FAIL;
        if ((rc = kz_account_reissue(a, name, valid, token, expires)) != 0) {
            kz_cli_err("refused: %s", kz_account_errmsg(a));
            goto out;
        }
        print_token(name, token, expires);
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
    explicit_bzero(token, sizeof token);
    explicit_bzero(tokbuf, sizeof tokbuf);
    kz_buf_release(&out);
    kz_account_logout(&a);
    return kz_cli_store_close(&s, status);
}
