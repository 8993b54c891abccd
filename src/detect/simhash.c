/*
 * detect/simhash.c - 64-bit SimHash over normalized word shingles
 * (simhash.h).
 */
#include "detect/simhash.h"
#include "text/norm.h"
#include <xxhash.h>

struct kz_simhash {
    kz_norm *norm;
    char    *buf;           /* one shingle's words joined by spaces */
    size_t   cap;
};

kz_simhash *kz_simhash_new(void)
{
    kz_simhash *s = kz_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->norm = kz_norm_new();
    if (!s->norm) {
        free(s);
        return NULL;
    }
    return s;
}

void kz_simhash_free(kz_simhash *s)
{
    if (!s)
        return;
    kz_norm_free(s->norm);
    free(s->buf);
    free(s);
}

int kz_simhash_text(kz_simhash *s, const char *text, size_t len, uint64_t *out)
{
    kz_normtext t;
    int32_t sum[64];
    int rc;
    *out = 0;
    if ((rc = kz_norm_run(s->norm, text, len, &t)) < 0)
        return rc;
    if (t.nwords == 0)
        return 0;
    memset(sum, 0, sizeof sum);
    size_t k = t.nwords <= 2 * KZ_SIMHASH_SHINGLE ? 1 : KZ_SIMHASH_SHINGLE;
    for (size_t i = 0; i + k <= t.nwords; i++) {
        uint64_t h;
        if (k == 1) {
            h = XXH3_64bits(t.words[i].sp[0].s, t.words[i].sp[0].len);
        } else {
            size_t n = 0;
            for (size_t j = 0; j < k; j++)
                n += t.words[i + j].sp[0].len + 1;
            if (KZ_GROW(s->buf, s->cap, n))
                return KZ_ENOMEM;
            n = 0;
            for (size_t j = 0; j < k; j++) {
                if (j)
                    s->buf[n++] = ' ';
                memcpy(s->buf + n, t.words[i + j].sp[0].s, t.words[i + j].sp[0].len);
                n += t.words[i + j].sp[0].len;
            }
            h = XXH3_64bits(s->buf, n);
        }
        for (int b = 0; b < 64; b++)
            sum[b] += (h >> b & 1) ? 1 : -1;
    }
    uint64_t v = 0;
    for (int b = 0; b < 64; b++)
        if (sum[b] > 0)
            v |= 1ull << b;
    *out = v;
    return 0;
}

void kz_simhash_to_hex(uint64_t h, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        out[i] = hx[(h >> (60 - 4 * i)) & 15];
    out[16] = '\0';
}
