/*
 * fuzz/fuzz_form.c - fuzz target for the form body parser of the web app
 * (serve/form.c: kz_form_parse).
 *
 * Besides not crashing, checks that a parsed form has at most
 * KZ_FORM_MAX_FIELDS fields, each name at most KZ_FORM_MAX_NAME bytes,
 * no value longer than the input, and kz_form_get finds each name.
 */
#include "serve/form.h"
#include "fuzz.h"

KZ_FUZZ(form)
{
    kz_form *f = NULL;
    char why[256];
    int rc = kz_form_parse((const char *)data, size, &f, why, sizeof why);
    if (rc == 0) {
        size_t n = kz_form_count(f);
        if (n > KZ_FORM_MAX_FIELDS)
            __builtin_trap();
        for (size_t i = 0; i < n; i++) {
            const char *k = kz_form_name(f, i), *v = kz_form_value(f, i);
            if (!k || !v || strlen(k) > KZ_FORM_MAX_NAME || strlen(v) > size ||
                !kz_form_get(f, k))
                __builtin_trap();
        }
        kz_form_free(&f);
    } else if (f || (rc != KZ_EINVAL && rc != KZ_EBADUTF8 && rc != KZ_ETOOBIG &&
                     rc != KZ_ENOMEM) || !why[0]) {
        __builtin_trap();
    }
    return 0;
}
