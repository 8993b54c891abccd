/*
 * serve/form.h - the application/x-www-form-urlencoded body of an HTML
 * form post (WHATWG URL "application/x-www-form-urlencoded parsing"):
 * name=value pairs split on '&', '+' is a space, %XX is a byte.
 *
 * Stricter than browsers need to be: a bad %-escape, a decoded NUL, text
 * that is not UTF-8, more than KZ_FORM_MAX_FIELDS fields or a name over
 * KZ_FORM_MAX_NAME bytes is refused (KZ_EINVAL, KZ_EBADUTF8, KZ_ETOOBIG)
 * with the reason in why.  Empty pairs ("a=1&&b=2") are skipped; a pair
 * without '=' is a name with the value "".
 */
#ifndef KZ_SERVE_FORM_H
#define KZ_SERVE_FORM_H

#include "util/kz.h"

#define KZ_FORM_MAX_FIELDS 64
#define KZ_FORM_MAX_NAME   64

typedef struct kz_form kz_form;

/* Parse body[0..n): a new form in *out (free with kz_form_free). */
int kz_form_parse(const char *body, size_t n, kz_form **out, char *why, size_t whysz);
void kz_form_free(kz_form **f);                       /* NULL-safe */

/* The first value of name (NUL-terminated, valid until the form is
 * freed), or NULL when the form has no such field. */
const char *kz_form_get(const kz_form *f, const char *name);
/* The same, "" for a field that is missing or blank (only spaces). */
const char *kz_form_str(const kz_form *f, const char *name);
/* How many fields; field i's name and value. */
size_t kz_form_count(const kz_form *f);
const char *kz_form_name(const kz_form *f, size_t i);
const char *kz_form_value(const kz_form *f, size_t i);

#endif
