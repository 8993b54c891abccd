/*
 * util/sha256.c - kuzet's one SHA-256 (util/sha256.h), on libsodium.
 */
#include "sha256.h"

void kz_sha256(const void *data, size_t n, uint8_t out[KZ_SHA256_LEN])
{
    crypto_hash_sha256(out, data, (unsigned long long)n);
}

void kz_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void kz_sha256_hex(const void *data, size_t n, char hex[65])
{
    uint8_t md[KZ_SHA256_LEN];
    kz_sha256(data, n, md);
    kz_hex(md, sizeof md, hex);
}

void kz_sha256_init(kz_sha256_ctx *c) { crypto_hash_sha256_init(c); }

void kz_sha256_update(kz_sha256_ctx *c, const void *data, size_t n)
{
    crypto_hash_sha256_update(c, data, (unsigned long long)n);
}

void kz_sha256_final(kz_sha256_ctx *c, uint8_t out[KZ_SHA256_LEN])
{
    crypto_hash_sha256_final(c, out);
}
