/*
 * tests/t_sha256.c - util/sha256: the FIPS 180-2 example vectors, one shot
 * and streamed in pieces of every size, so a change of the library under
 * util/sha256.c cannot change a stored hash.
 */
#include "kt.h"
#include "util/sha256.h"
#include <string.h>

/* FIPS 180-2, Appendix B.1-B.3 (and the empty message) */
static const struct { const char *msg; const char *hex; } vec[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

KT_TEST(sha256_vectors)
{
    for (size_t i = 0; i < KZ_ARRAY_LEN(vec); i++) {
        char hex[65];
        kz_sha256_hex(vec[i].msg, strlen(vec[i].msg), hex);
        KT_EQ_STR(hex, vec[i].hex);
        size_t n = strlen(vec[i].msg);
        for (size_t step = 1; step <= n; step++) {
            kz_sha256_ctx c;
            uint8_t md[KZ_SHA256_LEN];
            kz_sha256_init(&c);
            for (size_t at = 0; at < n; at += step)
                kz_sha256_update(&c, vec[i].msg + at, at + step <= n ? step : n - at);
            kz_sha256_final(&c, md);
            kz_hex(md, sizeof md, hex);
            KT_EQ_STR(hex, vec[i].hex);
        }
    }
}

/* B.3: one million 'a', fed in uneven pieces */
KT_TEST(sha256_million_a)
{
    static char a[1000];
    memset(a, 'a', sizeof a);
    kz_sha256_ctx c;
    uint8_t md[KZ_SHA256_LEN];
    char hex[65];
    kz_sha256_init(&c);
    size_t left = 1000000, k = 1;
    while (left) {
        size_t n = k % sizeof a + 1;
        if (n > left)
            n = left;
        kz_sha256_update(&c, a, n);
        left -= n;
        k = k * 7 + 3;
    }
    kz_sha256_final(&c, md);
    kz_hex(md, sizeof md, hex);
    KT_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
