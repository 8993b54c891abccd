/*
 * util/sha256.h - the SHA-256 of a buffer, in lowercase hex.
 *
 * Through OpenSSL's EVP interface, which uses the CPU's SHA instructions
 * where there are some (about 5x libsodium's portable code on this
 * project's machines); libsodium when libcrypto refuses.  The same digest
 * either way.  Thread-safe.
 */
#ifndef KZ_SHA256_H
#define KZ_SHA256_H

#include "kz.h"

/* hex[0..64) = SHA-256(data[0..n)) in lowercase hex, NUL-terminated. */
void kz_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
