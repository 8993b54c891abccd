/*
 * fuzz/fuzz_serve_cookie.c - fuzz target for the Cookie header parser of
 * kuzet serve (serve/parse.c: kz_cookie_get).
 *
 * The input is "NAME\nHEADER".  Besides not crashing, checks that a value
 * found fits the buffer, holds only RFC 6265 cookie octets, and is a
 * substring of the header.
 */
#include "serve/parse.h"
#include "fuzz.h"

KZ_FUZZ(serve_cookie)
{
    char *in = kz_strndup((const char *)data, size);
    if (!in)
        return 0;
    char *nl = strchr(in, '\n');
    const char *name = "kuzet_session", *h = in;
    if (nl) {
        *nl = '\0';
        name = in;
        h = nl + 1;
    }
    char out[40];
    int rc = kz_cookie_get(h, name, out, sizeof out);
    if (rc == 1) {
        size_t n = strlen(out);
        if (n >= sizeof out || !strstr(h, out))
            __builtin_trap();
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)out[i];
            if (c <= 0x20 || c == '"' || c == ',' || c == ';' || c == '\\' || c >= 0x7F)
                __builtin_trap();
        }
    } else if (rc != 0 && rc != KZ_EINVAL) {
        __builtin_trap();
    }
    free(in);
    return 0;
}
