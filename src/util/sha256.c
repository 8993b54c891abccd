/*
 * util/sha256.c - the SHA-256 of a buffer in hex (util/sha256.h).
 */
#include "sha256.h"
#include <openssl/evp.h>
#include <sodium.h>

void kz_sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) || len != 32)
        crypto_hash_sha256(md, data, n);
    sodium_bin2hex(hex, 65, md, 32);
}
