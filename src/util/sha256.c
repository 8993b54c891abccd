/*
 * util/sha256.c - kuzet's one SHA-256 (util/sha256.h), on libcrypto.
 *
 * The SHA256_* calls are marked deprecated in OpenSSL 3 in favour of EVP,
 * whose per-call context and method lookup cost more than the hash of a
 * URL; they are the same accelerated code and stay in OpenSSL 3.x.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sha256.h"
#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(kz_sha256_ctx), "kz_sha256_ctx too small");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(kz_sha256_ctx), "kz_sha256_ctx misaligned");

/* Not SHA256(): in OpenSSL 3 it goes through EVP_Digest, which allocates
 * and frees a context and looks the method up for every call. */
void kz_sha256(const void *data, size_t n, uint8_t out[KZ_SHA256_LEN])
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data, n);
    SHA256_Final(out, &c);
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

void kz_sha256_init(kz_sha256_ctx *c) { SHA256_Init((SHA256_CTX *)c); }

void kz_sha256_update(kz_sha256_ctx *c, const void *data, size_t n)
{
    SHA256_Update((SHA256_CTX *)c, data, n);
}

void kz_sha256_final(kz_sha256_ctx *c, uint8_t out[KZ_SHA256_LEN])
{
    SHA256_Final(out, (SHA256_CTX *)c);
}
