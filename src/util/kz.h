/*
 * util/kz.h - what every kuzet source file includes first.
 *
 * The project-wide error convention (negative KZ_E* codes from one table,
 * text from kz_strerror()), a few small macros, and banned.h, which turns
 * the unsafe libc calls into compile errors.
 */
#ifndef KZ_KZ_H
#define KZ_KZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

/* Every error code: name and message.  0 is success, errors are negative. */
#define KZ_ERRORS(X)                                    \
    X(NOMEM,    "out of memory")                        \
    X(INVAL,    "invalid argument")                     \
    X(IO,       "input/output error")                   \
    X(TOOBIG,   "input over the size limit")            \
    X(BADRULE,  "invalid rule")                         \
    X(BADJSON,  "invalid JSON")                         \
    X(NOTEXT,   "record has no text")                   \
    X(BADUTF8,  "invalid UTF-8")                        \
    X(MATCHER,  "pattern matcher error")                \
    X(DB,       "storage error")                        \
    X(BUSY,     "database busy; try again")             \
    X(NOTFOUND, "not found")                            \
    X(STATE,    "not allowed in this state")            \
    X(PERM,     "not permitted")                        \
    X(VERSION,  "database schema is newer than this kuzet") \
    X(INTERNAL, "internal error")

/* kuzet's version: `kuzet --version`, the User-Agent of its fetches. */
#ifndef KZ_VERSION
#define KZ_VERSION "0.1.0"
#endif

enum kz_err {
    KZ_OK = 0,
    KZ__BASE = -1000,
#define X(n, s) KZ_E##n,
    KZ_ERRORS(X)
#undef X
    KZ__END
};

/* Text for a KZ_E* code (or "ok"); never NULL, static storage. */
const char *kz_strerror(int rc);

#define KZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KZ_MAX(a, b) ((a) > (b) ? (a) : (b))
#if defined(__GNUC__)
#define KZ_LIKELY(x) __builtin_expect(!!(x), 1)
#define KZ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define KZ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KZ_LIKELY(x) (x)
#define KZ_UNLIKELY(x) (x)
#define KZ_PRINTF(f, a)
#endif

/* Allocation helpers that return NULL on failure and never on n == 0. */
void *kz_malloc(size_t n);
void *kz_calloc(size_t n, size_t size);
void *kz_realloc(void *p, size_t n);
char *kz_strndup(const char *s, size_t n);
char *kz_strdup(const char *s);

/* Grow the array *p of elem-sized items so that it holds at least need
 * (capacity doubles, from 64); 0 or KZ_ENOMEM, leaving *p as it was. */
int kz_grow(void **p, size_t *cap, size_t need, size_t elem);
#define KZ_GROW(arr, cap, need) \
    ((need) <= (cap) ? 0 : kz_grow((void **)&(arr), &(cap), (need), sizeof(*(arr))))

#include "banned.h"

#endif
