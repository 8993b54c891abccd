/*
 * serve/parse.h - the parsers of kuzet serve, apart from the server so that
 * the fuzz targets (fuzz/fuzz_serve_*.c) and the unit tests reach them
 * without a socket: route path patterns, ids in paths and queries, the
 * Cookie header, and JSON request bodies checked against a field list.
 *
 * Every function here is pure (no globals, thread-safe) and bounded: input
 * over a limit is refused, never grown into.
 */
#ifndef KZ_SERVE_PARSE_H
#define KZ_SERVE_PARSE_H

#include "util/kz.h"
#include <json-c/json.h>

/* ---- paths --------------------------------------------------------------- */

#define KZ_PATH_MAX_PARAMS 4
#define KZ_PATH_MAX 2048                    /* longer request paths are 404 */

typedef struct kz_pathparam {
    char        name[24];
    const char *val;                        /* points into the path matched */
    size_t      len;
} kz_pathparam;

/* Does path (no query string) match pattern?  A pattern is a path whose
 * segments are literal, or "{name}": one non-empty segment, captured into
 * p[] (at most KZ_PATH_MAX_PARAMS; *np how many).  Exact: no prefix match,
 * no trailing slash tolerance.  1 match, 0 not. */
int kz_path_match(const char *pattern, const char *path, kz_pathparam *p, size_t *np);

/* A positive decimal id (1 .. 2^53-1, no sign, no leading zero, no
 * spaces) from s[0..n): 0 and *out, or KZ_EINVAL. */
int kz_parse_id(const char *s, size_t n, int64_t *out);

/* A decimal integer in [lo, hi] from the NUL-terminated s: 0 or KZ_EINVAL. */
int kz_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

/* ---- cookies ------------------------------------------------------------- */

/* Find cookie name in a Cookie request header ("a=1; b=2").  Writes its
 * value (without quotes when DQUOTEd) into out: 1 found, 0 not there,
 * KZ_EINVAL when the header is malformed where the name would be, or the
 * value holds characters RFC 6265 does not allow, or does not fit in
 * outsz. */
int kz_cookie_get(const char *header, const char *name, char *out, size_t outsz);

/* ---- JSON bodies --------------------------------------------------------- */

enum kz_ftype { KZ_F_STR, KZ_F_INT, KZ_F_BOOL };

typedef struct kz_field {
    const char *name;
    int         type;                       /* enum kz_ftype */
    int         required;
    int64_t     lo, hi;                     /* KZ_F_INT: the range (0, 0: any);
                                               KZ_F_STR: hi is the max bytes (0: 64 KiB) */
} kz_field;

typedef struct kz_fval {
    int         given;
    const char *s;                          /* KZ_F_STR: NUL-terminated, owned by the body */
    int64_t     i;                          /* KZ_F_INT, KZ_F_BOOL (0/1) */
} kz_fval;

#define KZ_JSON_DEPTH 16

/* Parse body[0..n) as one JSON object (strict JSON, nesting at most
 * KZ_JSON_DEPTH) and check it against spec[0..nspec): every member must
 * be a field of spec with the right type and range, every required field
 * present.  String fields must be valid UTF-8 without NUL.  An empty body
 * is an empty object.  vals[i] is the value of spec[i]; its string points
 * into *root, the parsed object, which the caller json_object_put()s (it
 * is NULL on failure).
 *   0           ok
 *   KZ_EBADJSON not JSON, or not an object (why says where)
 *   KZ_EINVAL   an unknown field, a wrong type or range, a missing field
 *               (why names it)
 */
int kz_body_parse(const char *body, size_t n, const kz_field *spec, size_t nspec,
                  kz_fval *vals, json_object **root, char *why, size_t whysz);

#endif
