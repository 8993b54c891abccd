/*
 * case/session.h - who calls kuzet serve: browser sessions and API tokens.
 *
 * A session is opened for a person who logged in (kz_account_login): a
 * 128-bit random id, given to the browser once (a cookie) and stored only
 * as its SHA-256, with a CSRF token, the time it was opened and last used,
 * and the fingerprint of the account's password hash.  It ends when it is
 * closed (log-out), idle too long, too old, when the account is disabled,
 * or when the password changes (the fingerprint no longer matches).
 *
 * An API token is for a machine client: "kzt_" and 256 random bits in
 * hex, shown once when made and stored only as its SHA-256.  It acts as
 * an account, bound to the role that account had when the token was made
 * (a token whose account's role changed, or whose account was disabled,
 * is refused), optionally to one platform (a liaison's token sees that
 * platform's notices only), until it expires or is revoked.  Only an admin
 * makes, lists or revokes tokens; both are audited (token.create,
 * token.revoke), never with the secret.
 *
 * Errors: KZ_EPERM (unknown, expired, revoked; the reason in why),
 * KZ_EINVAL, KZ_ENOTFOUND, storage errors.  Thread-safe as far as the
 * store is: one store per thread.
 */
#ifndef KZ_SESSION_H
#define KZ_SESSION_H

#include "case/account.h"

#define KZ_SID_HEX   32                 /* 128 bits */
#define KZ_CSRF_HEX  64                 /* 256 bits */
#define KZ_TOKEN_LEN (4 + 64)           /* "kzt_" + 256 bits in hex */

/* Who a session or token stands for. */
typedef struct kz_principal {
    int64_t account_id;
    char    name[72];
    char    role[16];
    char    csrf[KZ_CSRF_HEX + 1];      /* sessions only */
    char    platform[128];              /* tokens: "" for any platform */
    int64_t token_id;                   /* tokens only */
    char    created_at[21];             /* the session's log-in, the token's making */
} kz_principal;

/* Open a session for a's account (a logged in with kz_account_login):
 * sid and csrf are filled (hex, NUL-terminated).  client (may be NULL) is
 * kept for the account's own listing.  The system has no session. */
int kz_session_open(kz_actor *a, const char *client, char sid[KZ_SID_HEX + 1],
                    char csrf[KZ_CSRF_HEX + 1]);

/* Check session sid: unknown, idle more than idle seconds, older than max
 * seconds, of a disabled account or of a password changed since: KZ_EPERM
 * (kz_store_errmsg(s) says which; an ended session is deleted).  Otherwise fills p and
 * notes the use (at most every few seconds, so reads stay reads). */
int kz_session_check(kz_store *s, const char *sid, int64_t idle, int64_t max, kz_principal *p);

/* End session sid (log-out); ending one that is not there is fine. */
int kz_session_close(kz_store *s, const char *sid);

/* An actor for the account p stands for, which the caller authenticated
 * (session or token): refused (KZ_EPERM) when the account is gone,
 * disabled, or no longer has p's role. */
int kz_account_act(kz_actor **out, kz_store *s, const kz_principal *p);

/* Make a token for account (admin only), named name (1-64 printable
 * characters), valid days days (1-KZ_TOKEN_DAYS_MAX), for platform (NULL:
 * any).  token gets the secret, shown this once; *id its id (may be NULL). */
#define KZ_TOKEN_DAYS_MAX 3650
int kz_token_add(kz_actor *a, const char *account, const char *name, int days,
                 const char *platform, char token[KZ_TOKEN_LEN + 1], int64_t *id);
/* Revoke token id (admin only); revoking one revoked already is KZ_ESTATE. */
int kz_token_revoke(kz_actor *a, int64_t id);
/* The tokens as JSON lines, without their secrets (admin or auditor). */
int kz_token_list_json(kz_actor *a, kz_buf *out);
/* Check a bearer token: KZ_EPERM (kz_store_errmsg(s) says why) when unknown, expired, revoked, or
 * its account is disabled or changed role; otherwise fills p. */
int kz_token_check(kz_store *s, const char *token, kz_principal *p);

/* Change name's password: the account itself only.  Ends every
 * session of the account.  Audited (account.password, with the new hash's
 * fingerprint, never the hash). */
int kz_account_set_password(kz_actor *a, const char *name, const char *password);

#endif
