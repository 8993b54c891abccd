/*
 * util/quote.c - a value quoted back in a message, cut and made printable.
 */
#include "util/quote.h"
#include "util/utf8.h"

const char *kz_quote(char out[KZ_QUOTE_BUF], const char *s, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n && o < 60) {
        uint32_t cp;
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)
            || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e)
            || (cp >= 0x2066 && cp <= 0x2069)) {
            out[o++] = '?';
            i += k ? k : 1;
            continue;
        }
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

