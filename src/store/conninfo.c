/*
 * store/conninfo.c - database strings: which backend a --db / $KUZET_DB
 * string names, and what of it may be shown.
 *
 * kz_db_backend() classifies a string the way kz_db_open() opens it.
 * kz_db_redact() and kz_db_redact_msg() replace every password a
 * PostgreSQL connection string holds with KZ_DB_REDACTED, in the string
 * itself and in any message that may quote it (libpq's parse errors do), so
 * that no message of kuzet shows one.
 *
 * The parsing follows libpq's (conninfo_uri_parse_options and
 * conninfo_parse in its fe-connect.c) and reaches further where what the
 * user meant and what libpq reads may differ, because libpq then quotes
 * the misread part in its error: an unencoded '@' or '/' in a URI password
 * ("postgresql://u:p@ss@host" is user u, password "p", host "ss@host"), or
 * an unquoted space in a key=value one ("password=a b" is password "a" and
 * a key "b").  The whole of what the user meant is then the password, and
 * each of its fragments is also hidden in messages.
 */
#include "db.h"
#include <ctype.h>
#include <strings.h>

#define NONE ((size_t)-1)

/* ---- what a string names ------------------------------------------------- */

/* The length of "scheme://" at the start of s (a letter, then letters,
 * digits, '+', '-' or '.'), else 0. */
static size_t scheme_len(const char *s)
{
    size_t i = 0;
    if (!isalpha((unsigned char)s[0]))
        return 0;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return !strncmp(s + i, "://", 3) ? i + 3 : 0;
}

typedef enum { K_SQLITE, K_PG_URI, K_PG_KV, K_UNKNOWN } kind;

static kind kind_of(const char *s)
{
    if (!strncmp(s, "sqlite:", 7))
        return K_SQLITE;
    if (!strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11))
        return K_PG_URI;
    /* any other scheme://, and a misspelt PostgreSQL URI ("postgresql:/",
     * "POSTGRES://"): never a file name, which errors would show */
    if (scheme_len(s) || !strncasecmp(s, "postgres:", 9) || !strncasecmp(s, "postgresql:", 11))
        return K_UNKNOWN;
    if (strchr(s, '='))                 /* libpq's own test for a connection string */
        return K_PG_KV;
    return K_SQLITE;
}

const char *kz_db_backend(const char *s)
{
    switch (kind_of(s ? s : "")) {
    case K_SQLITE: return "sqlite";
    case K_PG_URI:
    case K_PG_KV: return "postgresql";
    default: return NULL;
    }
}

/* ---- where the passwords are --------------------------------------------- */

/* A password in a connection string: bytes [at, at + len), written with
 * percent-encoding ('u') or backslash escapes ('k').  Shown, the bytes
 * [show_at, show_at + show_len) are replaced.  A piece is a fragment of a
 * password that libpq may have read as something else: hidden in
 * messages, not cut out of the string again. */
typedef struct secret {
    size_t at, len, show_at, show_len;
    char   enc, piece;
} secret;

typedef struct secrets {
    secret *v;
    size_t  n, cap;         /* n counts every one found; v holds the first cap */
} secrets;

static void add(secrets *s, size_t at, size_t len, size_t show_at, size_t show_len, char enc,
                int piece)
{
    if (!len)
        return;
    if (s->n < s->cap) {
        secret *x = &s->v[s->n];
        x->at = at;
        x->len = len;
        x->show_at = show_at;
        x->show_len = show_len;
        x->enc = enc;
        x->piece = (char)piece;
    }
    s->n++;
}

/* The fragments of s[a, b) between any of the bytes of seps, as pieces. */
static void add_pieces(secrets *s, const char *str, size_t a, size_t b, const char *seps, char enc)
{
    for (size_t i = a; i < b;) {
        size_t j = i;
        while (j < b && !strchr(seps, str[j]))
            j++;
        add(s, i, j - i, i, j - i, enc, 1);
        i = j + 1;
    }
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The next byte of a value written p[*i, n) in encoding enc, advancing *i. */
static int next_byte(const char *p, size_t n, size_t *i, char enc)
{
    size_t k = *i;
    if (enc == 'u' && p[k] == '%' && k + 2 < n && hexval(p[k + 1]) >= 0 &&
        hexval(p[k + 2]) >= 0) {
        *i = k + 3;
        return hexval(p[k + 1]) * 16 + hexval(p[k + 2]);
    }
    if (enc == 'k' && p[k] == '\\' && k + 1 < n) {
        *i = k + 2;
        return (unsigned char)p[k + 1];
    }
    *i = k + 1;
    return (unsigned char)p[k];
}

/* Is the key p[0, n) (written in encoding enc) one whose value is a secret? */
static int secret_key(const char *p, size_t n, char enc)
{
    char k[16];
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (o + 1 >= sizeof k)
            return 0;
        k[o++] = (char)next_byte(p, n, &i, enc);
    }
    k[o] = '\0';
    return !strcasecmp(k, "password") || !strcasecmp(k, "sslpassword");
}

/* postgresql://[user[:password]@][host][:port][,...][/dbname][?k=v&...] */
static void uri_secrets(const char *s, size_t start, secrets *out)
{
    size_t n = strlen(s), strict = NONE, wide = NONE, colon = NONE;
    /* libpq: the userinfo ends at the first '@' before any '/' */
    for (size_t i = start; i < n && s[i] != '/'; i++)
        if (s[i] == '@') {
            strict = i;
            break;
        }
    /* meant: it ends at the last '@' before the query */
    size_t from = strict == NONE ? start : strict;
    size_t q = from + strcspn(s + from, "?");
    for (size_t i = start; i < q; i++)
        if (s[i] == '@')
            wide = i;
    size_t lim = strict != NONE ? strict : wide;
    for (size_t i = start; lim != NONE && i < lim; i++)
        if (s[i] == ':') {
            colon = i;
            break;
        }
    if (colon != NONE) {
        add(out, colon + 1, wide - colon - 1, colon + 1, wide - colon - 1, 'u', 0);
        if (strict != wide)
            add_pieces(out, s, colon + 1, wide, "@/", 'u');
    }
    /* ?password=...&sslpassword=... (keys percent-decoded, as libpq does) */
    for (size_t p = q + 1; q < n && p < n;) {
        size_t e = p + strcspn(s + p, "&"), eq = p + strcspn(s + p, "=&");
        if (eq < e && secret_key(s + p, eq - p, 'u'))
            add(out, eq + 1, e - eq - 1, eq + 1, e - eq - 1, 'u', 0);
        p = e + 1;
    }
}

/* key = value ... with values unquoted or in '...', backslash escapes */
static void kv_secrets(const char *s, secrets *out)
{
    size_t n = strlen(s), i = 0;
#define SP(c) isspace((unsigned char)(c))
#define STEP(j) ((j) += s[j] == '\\' && (j) + 1 < n ? 2 : 1)
    while (i < n) {
        if (SP(s[i])) {
            i++;
            continue;
        }
        size_t k = i;
        while (i < n && s[i] != '=' && !SP(s[i]))
            i++;
        size_t klen = i - k;
        while (i < n && SP(s[i]))
            i++;
        if (i >= n || s[i] != '=')
            continue;                       /* a word without '=': libpq refuses it */
        i++;
        while (i < n && SP(s[i]))
            i++;
        int pw = secret_key(s + k, klen, 0);
        size_t v = i;
        if (i < n && s[i] == '\'') {
            size_t in = ++i;
            while (i < n && s[i] != '\'')
                STEP(i);
            if (pw)                         /* the quotes stay; unterminated: the rest */
                add(out, in, i - in, in, i - in, 'k', 0);
            i += i < n;
            continue;
        }
        while (i < n && !SP(s[i]))
            STEP(i);
        if (!pw)
            continue;
        /* the words after it without '=' (libpq: keys without a value)
         * were meant as the rest of the password */
        size_t end = i, j = i;
        for (;;) {
            while (j < n && SP(s[j]))
                j++;
            if (j >= n)
                break;
            int eq = 0;
            while (j < n && !SP(s[j])) {
                eq |= s[j] == '=';
                STEP(j);
            }
            if (eq)
                break;
            end = j;
        }
        add(out, v, end - v, v, end - v, 'k', 0);
        if (end != i)
            add_pieces(out, s, v, end, " \t\n\r\f\v", 'k');
        i = end;
    }
#undef SP
#undef STEP
}

static void find_secrets(const char *s, secrets *out)
{
    out->n = 0;
    switch (kind_of(s)) {
    case K_PG_URI:
        uri_secrets(s, scheme_len(s), out);
        break;
    case K_UNKNOWN:                     /* refused, but shown with care all the same */
        if (scheme_len(s)) {
            uri_secrets(s, scheme_len(s), out);
        } else {                        /* "postgresql:/u:pw@host" */
            size_t at = strcspn(s, ":");
            at += s[at] == ':';
            while (s[at] == '/')
                at++;
            uri_secrets(s, at, out);
        }
        break;
    case K_PG_KV:
        kv_secrets(s, out);
        break;
    default:
        break;
    }
}

/* ---- writing ------------------------------------------------------------- */

typedef struct wr {
    char  *o;
    size_t sz, len;         /* len: the whole result, whatever fits */
} wr;

static void put(wr *w, const char *p, size_t n)
{
    if (w->len < w->sz) {
        size_t room = w->sz - w->len;
        memcpy(w->o + w->len, p, n < room ? n : room);
    }
    w->len += n;
}

static size_t finish(wr *w)
{
    if (w->sz)
        w->o[w->len < w->sz ? w->len : w->sz - 1] = '\0';
    return w->len;
}

static void put_redacted(wr *w, const char *s, const secrets *sec)
{
    size_t at = 0;
    for (size_t i = 0; i < sec->n; i++) {
        const secret *x = &sec->v[i];
        if (x->piece || x->show_at < at)
            continue;
        put(w, s + at, x->show_at - at);
        put(w, KZ_DB_REDACTED, strlen(KZ_DB_REDACTED));
        at = x->show_at + x->show_len;
    }
    put(w, s + at, strlen(s + at));
}

/* The secrets of s in sec (its own array when they fit, else malloc'd: the
 * caller frees sec->v when it is not local).  0 or KZ_ENOMEM. */
static int collect(const char *s, secrets *sec, secret *local, size_t nlocal)
{
    sec->v = local;
    sec->cap = nlocal;
    find_secrets(s, sec);
    if (sec->n <= nlocal)
        return 0;
    size_t n = sec->n;
    if (!(sec->v = kz_calloc(n, sizeof *sec->v)))
        return KZ_ENOMEM;
    sec->cap = n;
    find_secrets(s, sec);
    return 0;
}

#define WITHHELD "(connection string not shown: out of memory)"

size_t kz_db_redact(const char *s, char *out, size_t outsz)
{
    secret local[8];
    secrets sec;
    wr w = { out, outsz, 0 };
    if (!s)
        s = "";
    if (collect(s, &sec, local, KZ_ARRAY_LEN(local)) != 0) {
        put(&w, WITHHELD, strlen(WITHHELD));
        return finish(&w);
    }
    put_redacted(&w, s, &sec);
    if (sec.v != local)
        free(sec.v);
    return finish(&w);
}

/* How many bytes of m match the value p[0, n) as written, or decoded from
 * encoding enc; 0 when neither does. */
static size_t match(const char *m, const char *p, size_t n, char enc)
{
    if (!strncmp(m, p, n))
        return n;
    size_t i = 0, o = 0;
    while (i < n) {
        int c = next_byte(p, n, &i, enc);
        if (!c || (unsigned char)m[o] != c)
            return 0;
        o++;
    }
    return o;
}

size_t kz_db_redact_msg(const char *msg, const char *s, const char *const *also, char *out,
                        size_t outsz)
{
    secret local[8];
    secrets sec;
    wr w = { out, outsz, 0 };
    if (!msg)
        msg = "";
    if (!s)
        s = "";
    if (collect(s, &sec, local, KZ_ARRAY_LEN(local)) != 0) {
        put(&w, WITHHELD, strlen(WITHHELD));
        return finish(&w);
    }
    size_t slen = strlen(s);
    for (size_t i = 0; msg[i];) {
        if (slen && !strncmp(msg + i, s, slen)) {
            put_redacted(&w, s, &sec);
            i += slen;
            continue;
        }
        size_t best = 0;
        for (size_t k = 0; k < sec.n; k++) {
            size_t m = match(msg + i, s + sec.v[k].at, sec.v[k].len, sec.v[k].enc);
            /* a fragment only as a word of its own: libpq quotes it next to
             * a delimiter, and "ss" must not hide the middle of "address" */
            if (m && sec.v[k].piece && ((i && isalnum((unsigned char)msg[i - 1])) ||
                                        isalnum((unsigned char)msg[i + m])))
                m = 0;
            best = m > best ? m : best;
        }
        for (size_t k = 0; also && also[k]; k++) {
            size_t m = match(msg + i, also[k], strlen(also[k]), 0);
            best = m > best ? m : best;
        }
        if (best) {
            put(&w, KZ_DB_REDACTED, strlen(KZ_DB_REDACTED));
            i += best;
        } else {
            put(&w, msg + i, 1);
            i++;
        }
    }
    if (sec.v != local)
        free(sec.v);
    return finish(&w);
}
