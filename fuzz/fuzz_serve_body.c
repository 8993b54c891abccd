/*
 * fuzz/fuzz_serve_body.c - fuzz target for the JSON request bodies of
 * kuzet serve (serve/parse.c: kz_body_parse), checked against the field
 * list of a case decision.
 *
 * Besides not crashing or leaking, checks the contract: on success every
 * required field is given, strings are NUL-free and within their limit,
 * integers within their range; on failure no object is returned and the
 * reason is not empty.
 */
#include "serve/parse.h"
#include "fuzz.h"

static const kz_field spec[] = {
    { "measure", KZ_F_STR, 1, 0, 32 },
    { "reasons", KZ_F_STR, 1, 0, 0 },
    { "legal_basis", KZ_F_STR, 0, 0, 0 },
    { "days", KZ_F_INT, 0, 1, 3650 },
    { "gone", KZ_F_BOOL, 0, 0, 0 },
};

KZ_FUZZ(serve_body)
{
    kz_fval v[KZ_ARRAY_LEN(spec)];
    json_object *o = NULL;
    char why[256];
    int rc = kz_body_parse((const char *)data, size, spec, KZ_ARRAY_LEN(spec), v, &o, why,
                           sizeof why);
    if (rc == 0) {
        if (!o || !v[0].given || !v[1].given || strlen(v[0].s) > 32)
            __builtin_trap();
        if (v[3].given && (v[3].i < 1 || v[3].i > 3650))
            __builtin_trap();
        if (v[4].given && v[4].i != 0 && v[4].i != 1)
            __builtin_trap();
    } else if (o || !why[0] || (rc != KZ_EBADJSON && rc != KZ_EINVAL && rc != KZ_ENOMEM)) {
        __builtin_trap();
    }
    json_object_put(o);
    return 0;
}
