/*
 * bench/sha256/bench.c - kuzet's SHA-256 (util/sha256.h, OpenSSL's libcrypto
 * underneath) beside libsodium's crypto_hash_sha256, on the sizes kuzet
 * hashes: a short post (300 bytes), a page's text (4 KB), an image (256 KB).
 * Prints MB/s for each and the ratio.  Not a test; CI does not run it.
 */
#include "util/sha256.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* MB/s of fn over buffers of n bytes, for about secs seconds (best of 3) */
static double rate(int which, const unsigned char *buf, size_t n, double secs)
{
    double best = 0;
    unsigned char out[32];
    unsigned sink = 0;
    for (int run = 0; run < 3; run++) {
        size_t iters = 0;
        double t0 = now(), t;
        do {
            for (int k = 0; k < 64; k++) {
                if (which == 0)
                    kz_sha256(buf + (iters & 7), n, out);
                else
                    crypto_hash_sha256(out, buf + (iters & 7), n);
                sink += out[0];
                iters++;
            }
            t = now() - t0;
        } while (t < secs / 3);
        double r = (double)iters * (double)n / t / 1e6;
        if (r > best)
            best = r;
    }
    if (sink == 0xffffffffu)
        puts("");
    return best;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.5;
    if (sodium_init() < 0)
        return 1;
    static const size_t sizes[] = { 300, 4096, 262144 };
    unsigned char *buf = malloc(262144 + 8);
    if (!buf)
        return 1;
    for (size_t i = 0; i < 262144 + 8; i++)
        buf[i] = (unsigned char)(i * 2654435761u >> 13);
    printf("%-10s %14s %16s %7s\n", "bytes", "kuzet MB/s", "libsodium MB/s", "ratio");
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        double k = rate(0, buf, sizes[i], secs), s = rate(1, buf, sizes[i], secs);
        printf("%-10zu %14.0f %16.0f %6.2fx\n", sizes[i], k, s, k / s);
    }
    free(buf);
    return 0;
}
