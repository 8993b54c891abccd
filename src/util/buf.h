/*
 * util/buf.h - growable byte buffer with a size limit.
 *
 * Every buffer has a limit ("toobig"): growth past it fails with KZ_ETOOBIG
 * and leaves the buffer as it was, so input can never make one grow without
 * bound.  The contents are always NUL-terminated after a successful append
 * (the NUL is not counted in len).  Pointers into p are invalidated by any
 * call that may grow the buffer.
 */
#ifndef KZ_BUF_H
#define KZ_BUF_H

#include "kz.h"
#include <stdarg.h>

typedef struct kz_buf {
    char  *p;      /* contents; NULL until the first append */
    size_t len;    /* bytes used */
    size_t cap;    /* bytes allocated */
    size_t max;    /* the limit on len */
} kz_buf;

#define KZ_BUF_NOLIMIT ((size_t)-1 / 2)

void kz_buf_init(kz_buf *b, size_t max);
void kz_buf_release(kz_buf *b);           /* frees p; b can be reused after kz_buf_init */
static inline void kz_buf_reset(kz_buf *b) { b->len = 0; if (b->p) b->p[0] = '\0'; }

/* Make room for n more bytes.  0, KZ_ENOMEM or KZ_ETOOBIG. */
int kz_buf_grow(kz_buf *b, size_t n);
int kz_buf_add(kz_buf *b, const void *data, size_t n);
int kz_buf_addc(kz_buf *b, char c);
int kz_buf_adds(kz_buf *b, const char *s);
int kz_buf_addf(kz_buf *b, const char *fmt, ...) KZ_PRINTF(2, 3);
/* Append v in decimal (faster than kz_buf_addf on hot paths). */
int kz_buf_add_uint(kz_buf *b, uint64_t v);
/* v in decimal into out (at most 20 digits and a sign), NUL-terminated;
 * returns the length. */
size_t kz_fmt_uint(char out[24], uint64_t v);
size_t kz_fmt_int(char out[24], int64_t v);

/* Append s[0..n) with every byte that is not valid UTF-8, and every NUL,
 * replaced by U+FFFD: text any database or JSON consumer accepts. */
int kz_buf_add_utf8_clean(kz_buf *b, const char *s, size_t n);

/* Append s as a JSON string literal, quotes included.  Bytes that are not
 * valid UTF-8 are written as U+FFFD, so the output is always valid JSON. */
int kz_buf_add_json_str(kz_buf *b, const char *s, size_t n);

/* ---- a JSON object, written as it goes ------------------------------------
 * The one writer of the audit log's JSON (before and after of every entry)
 * and of the library's small JSON answers.  Appends with a sticky error:
 * check j.rc once at the end; j.b.p is the text.  A key after a value gets
 * its comma by itself:
 *
 *     kz_jw j;
 *     kz_jw_init(&j);
 *     kz_jw_raw(&j, "{");
 *     kz_jw_int(&j, "id", 7);
 *     kz_jw_str(&j, "name", name);              // NULL: null
 *     kz_jw_raw(&j, "}");
 *     rc = j.rc ? j.rc : kz_store_audit(..., j.b.p);
 *     kz_jw_release(&j);
 */
typedef struct kz_jw {
    kz_buf b;
    int    rc;
} kz_jw;

void kz_jw_init(kz_jw *j);                      /* up to 1 MiB */
void kz_jw_release(kz_jw *j);
void kz_jw_raw(kz_jw *j, const char *s);        /* as it is: "{", "}", "[", a number */
void kz_jw_key(kz_jw *j, const char *k);        /* ,"k": (the comma when one is due) */
void kz_jw_str(kz_jw *j, const char *k, const char *v);
void kz_jw_int(kz_jw *j, const char *k, int64_t v);
void kz_jw_bool(kz_jw *j, const char *k, int v);

#endif
