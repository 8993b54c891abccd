/*
 * bench/check/gen.c - a blocklist of N entries and N URLs to check, for
 * bench/check/run.  Reproducible (fixed seed).
 *   gen N DIR  ->  DIR/list.txt   "domain HOST ID" or "url URL ID"
 *                  DIR/plain.txt  the same entries as plain URLs (for grep)
 *                  DIR/urls.txt   N URLs: 10% under a listed entry, the rest not
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static uint64_t st = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t z = (st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const char *tlds[] = { "kz", "ru", "com", "net", "org", "info", "xyz", "top" };

static void name(char *o, size_t n, uint64_t seed)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t len = 6 + seed % 10;
    for (size_t i = 0; i < len && i + 1 < n; i++) {
        o[i] = al[seed % 36];
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        seed ^= seed >> 29;
    }
    o[len < n ? len : n - 1] = '\0';
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: gen N DIR\n"); return 2; }
    long n = atol(argv[1]);
    char path[512];
    snprintf(path, sizeof path, "%s/list.txt", argv[2]);
    FILE *l = fopen(path, "w");
    snprintf(path, sizeof path, "%s/plain.txt", argv[2]);
    FILE *p = fopen(path, "w");
    snprintf(path, sizeof path, "%s/urls.txt", argv[2]);
    FILE *u = fopen(path, "w");
    if (!l || !p || !u) { perror("gen"); return 1; }
    char host[64];
    for (long i = 0; i < n; i++) {
        name(host, sizeof host, (uint64_t)i * 2654435761u + 17);
        const char *tld = tlds[i % 8];
        if (i % 10 < 7) {
            fprintf(l, "domain %s.%s %ld\n", host, tld, i + 1);
            fprintf(p, "http://%s.%s/\n", host, tld);
        } else {
            fprintf(l, "url http://%s.%s/p/%ld/ %ld\n", host, tld, i, i + 1);
            fprintf(p, "http://%s.%s/p/%ld/\n", host, tld, i);
        }
    }
    for (long i = 0; i < n; i++) {
        uint64_t r = rnd();
        if (r % 10 == 0) {                       /* under a listed entry */
            long k = (long)(rnd() % (uint64_t)n);
            name(host, sizeof host, (uint64_t)k * 2654435761u + 17);
            if (k % 10 < 7)
                fprintf(u, "https://www.%s.%s/news/%lu.html?ref=%lu\n", host, tlds[k % 8],
                        (unsigned long)(r % 100000), (unsigned long)(r % 97));
            else
                fprintf(u, "http://%s.%s/p/%ld/item-%lu\n", host, tlds[k % 8], k,
                        (unsigned long)(r % 1000));
        } else {
            name(host, sizeof host, r);
            fprintf(u, "https://%s.%s/a/b/%lu/page.html?q=%lu\n", host, tlds[r % 8],
                    (unsigned long)(r % 100000), (unsigned long)(r % 1000));
        }
    }
    fclose(l); fclose(p); fclose(u);
    return 0;
}
