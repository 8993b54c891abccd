/*
 * fuzz/fuzz_platform_email.c - fuzz target for the e-mail addresses kuzet
 * sends notices to (case/platform.h: kz_platform_email_ok), the input up to
 * its first NUL.  Besides not crashing: an address accepted has one '@'
 * with something on both sides, no byte that could end or fold a header
 * line (nothing at or below a space, nothing non-ASCII) and at most 254
 * bytes; a refused one says why.
 */
#include "case/platform.h"
#include "fuzz.h"
#include <stdlib.h>

KZ_FUZZ(platform_email)
{
    if (size > 1024)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    const char *why = NULL;
    if (kz_platform_email_ok(s, &why)) {
        const char *at = strchr(s, '@');
        size_t n = strlen(s);
        if (!at || at == s || !at[1] || strchr(at + 1, '@') || n > 254 || why)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
                abort();
    } else if (!why) {
        abort();
    }
    free(s);
    return 0;
}
