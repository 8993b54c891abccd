/*
 * util/sha256.h - kuzet's one SHA-256: of a buffer, or of a stream of
 * pieces, as bytes or lowercase hex.
 *
 * libcrypto's SHA-256 underneath (OpenSSL picks SHA-NI/AVX2 code at run
 * time: ~4x libsodium's portable C on a 4 KB text, ~2x on 300 bytes); every
 * SHA-256 kuzet computes - content hashes, URL hashes for the blocklist
 * exports, bank entries, audit rows, token digests - comes through here, so
 * there is one implementation to trust and to swap.  Thread-safe; no
 * initialisation needed.
 */
#ifndef KZ_SHA256_H
#define KZ_SHA256_H

#include "kz.h"

#define KZ_SHA256_LEN 32

/* A stream being hashed: kz_sha256_init, _update any number of times,
 * _final. */
typedef struct kz_sha256_ctx {
    uint64_t opaque[16];    /* libcrypto's SHA256_CTX (112 bytes), checked in sha256.c */
} kz_sha256_ctx;

/* out = SHA-256(data[0..n)). */
void kz_sha256(const void *data, size_t n, uint8_t out[KZ_SHA256_LEN]);
/* hex[0..64) = SHA-256(data[0..n)) in lowercase hex, NUL-terminated. */
void kz_sha256_hex(const void *data, size_t n, char hex[65]);

void kz_sha256_init(kz_sha256_ctx *c);
void kz_sha256_update(kz_sha256_ctx *c, const void *data, size_t n);
void kz_sha256_final(kz_sha256_ctx *c, uint8_t out[KZ_SHA256_LEN]);

/* b[0..n) in lowercase hex into out (2n + 1 bytes, NUL-terminated). */
void kz_hex(const uint8_t *b, size_t n, char *out);

#endif
