/*
 * util/err.c - error texts and the checked allocation helpers.
 */
#include "kz.h"

const char *kz_strerror(int rc)
{
    switch (rc) {
    case KZ_OK: return "ok";
#define X(n, s) case KZ_E##n: return s;
    KZ_ERRORS(X)
#undef X
    default: return "unknown error";
    }
}

void *kz_malloc(size_t n) { return malloc(n ? n : 1); }
void *kz_calloc(size_t n, size_t size) { return calloc(n ? n : 1, size ? size : 1); }
void *kz_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }

char *kz_strndup(const char *s, size_t n)
{
    char *d = kz_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *kz_strdup(const char *s) { return kz_strndup(s, strlen(s)); }

int kz_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    if (c > SIZE_MAX / elem)
        return KZ_ENOMEM;
    void *q = realloc(*p, c * elem);
    if (!q)
        return KZ_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

#include "utf8.h"

size_t kz_utf8_invalid_count(const char *s, size_t n)
{
    size_t bad = 0, i = 0;
    uint32_t cp;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {           /* ASCII: then 8 bytes at a time */
            i++;
            for (uint64_t w; i + 8 <= n; i += 8) {
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
            }
            continue;
        }
        size_t k = kz_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0) { bad++; k = 1; }
        i += k;
    }
    return bad;
}
