/*
 * case/account.h - accounts, roles and the acting session.
 *
 * An account is a person who works in kuzet: a name (1-64 characters of
 * [a-z0-9._-]), a role (analyst, reviewer, supervisor, auditor, admin) and
 * an Argon2id password hash (libsodium crypto_pwhash_str with
 * OPSLIMIT_INTERACTIVE = 2 passes and MEMLIMIT_INTERACTIVE = 64 MiB, above
 * the OWASP ASVS minimum of 19 MiB and 2 passes; docs/workflow.md says why).
 * Accounts are disabled, never deleted: decisions refer to them.
 *
 * Everything a person does goes through a kz_actor: kz_account_login()
 * checks the password and gives one; kz_account_system() gives the actor
 * that is no person (the first admin's bootstrap, deadline checks, reads,
 * re-checks by the crawler).  The library checks the acting account's role
 * and that it is not disabled inside the transaction of every change, so
 * a caller cannot skip a rule.  Every change is audited (kz_store_audit);
 * passwords and hashes never enter the audit log.
 *
 * Errors: KZ_EPERM (wrong password, disabled, wrong role), KZ_EINVAL (bad
 * name, role or password), KZ_ENOTFOUND, KZ_ESTATE, storage errors; the
 * message is kz_account_errmsg(actor).  A kz_actor borrows its store: close
 * the actor first.  Not thread-safe.
 */
#ifndef KZ_ACCOUNT_H
#define KZ_ACCOUNT_H

#include "store/store.h"
#include "util/buf.h"

typedef struct kz_actor kz_actor;

#define KZ_PASSWORD_MIN 12          /* characters */
#define KZ_PASSWORD_MAX 1024        /* bytes */

/* Log in: check name's password.  A wrong password, an unknown or a
 * disabled account is refused with KZ_EPERM (the reason in kz_store_errmsg(s)), and
 * audited as auth.failure, in a transaction of its own; nothing else
 * changes.  Every attempt does exactly one Argon2id verification: an
 * unknown or not enrolled account is checked against a dummy hash, so the
 * time of the answer does not tell whether the name exists. */
int  kz_account_login(kz_actor **out, kz_store *s, const char *name, const char *password);
/* Audit that name's log-ins failed failures times lately (from any
 * address; addr the last one) as auth.repeated_failures, in a transaction
 * of its own - the server's throttle calls it at 5, 10, 20, 40... so that
 * guessing spread over many addresses shows in the log without one entry
 * a try.  0 or a storage error. */
int kz_account_audit_failures(kz_store *s, const char *name, const char *addr,
                              unsigned failures);
/* Password verifications done by this process so far (metrics, tests). */
unsigned long kz_account_verifications(void);
/* The system: no account, no role. */
int  kz_account_system(kz_actor **out, kz_store *s);
void kz_account_logout(kz_actor **ap);                 /* NULL-safe; sets *ap = NULL */

const char *kz_account_errmsg(const kz_actor *a);     /* the last failure's reason */
const char *kz_account_name(const kz_actor *a);       /* "system" for the system */
const char *kz_account_role(const kz_actor *a);       /* "" for the system */
kz_store *kz_account_store(const kz_actor *a);         /* the store it acts on (lent) */

/* Test hook: make a's clock read now ("YYYY-MM-DDTHH:MM:SSZ"); NULL goes
 * back to the real clock.  Only deadlines, decisions and purges read it;
 * audit entries keep the real time. */
int  kz_account_set_clock(kz_actor *a, const char *now);

/* 1 when name is a valid account name, role a known role. */
int kz_account_name_ok(const char *name);
int kz_account_role_ok(const char *role);

/* The roles, in one order everywhere (the API's role bits, the forms'
 * lists): the i-th role's name, NULL past the last; and a role's bit,
 * 1 << its place (0 for an unknown role or NULL). */
const char *kz_account_role_name(size_t i);
unsigned kz_account_role_bit(const char *role);

/* Add the first admin of a database that has no admin account at all:
 * only the system may (bootstrap), the role must be admin, and the
 * password (at least KZ_PASSWORD_MIN characters) is that person's own.
 * Every other account is added with kz_account_invite: an admin calling
 * this is refused (KZ_EPERM), since nobody but its owner may know an
 * account's password. */
int kz_account_add(kz_actor *a, const char *name, const char *role, const char *password,
                   int64_t *id);

/* Enrolment tokens: "kze_" and 43 base64url characters (256 random bits);
 * only their SHA-256 is stored.  Valid KZ_ENROL_TTL seconds by default. */
#define KZ_ENROL_TOKEN_SIZE 48      /* with the NUL */
#define KZ_ENROL_TTL (72 * 3600)

/* An admin adds an account without a password: it cannot log in until
 * its owner enrols with the one-time token written to token (shown once;
 * give it to that person only), before expires.  ttl_seconds: 0 for
 * KZ_ENROL_TTL, else 60 s to 30 days.  The account records who created it
 * and when (accounts.created_by, created_at). */
int kz_account_invite(kz_actor *a, const char *name, const char *role, int64_t ttl_seconds,
                      char token[KZ_ENROL_TOKEN_SIZE], char expires[21], int64_t *id);

/* The owner of an account sets its password with the token (any actor,
 * normally the system; the audit entry account.enrol is in the account's
 * own name).  The token works once.  An unknown, used or expired token,
 * or a disabled account, is KZ_EPERM, audited as auth.failure.  name: the
 * account enrolled. */
int kz_account_enrol(kz_actor *a, const char *token, const char *password, char name[72]);

/* A new token for an account that has not enrolled (the old one is void):
 * admin only; KZ_ESTATE when the account has enrolled or is disabled. */
int kz_account_reissue(kz_actor *a, const char *name, int64_t ttl_seconds,
                       char token[KZ_ENROL_TOKEN_SIZE], char expires[21]);
/* Disable an account (admin only).  The last active admin cannot be
 * disabled; an account already disabled is KZ_ESTATE. */
int kz_account_disable(kz_actor *a, const char *name);
/* kz_account_set_password (a new password, which ends the account's
 * sessions) and the sessions and tokens of kuzet serve: case/session.h. */

/* The accounts as JSON lines (id, name, role, state: active, invited or
 * disabled, disabled, created_at,
 * created_by, enrolled_at, disabled_at, disabled_by), by name.  Never the
 * hash or the token. */
int kz_account_list_json(kz_actor *a, kz_buf *out);

#endif
