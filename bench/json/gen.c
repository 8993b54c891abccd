/*
 * bench/json/gen.c - writes realistic JSON Lines posts for the benchmarks.
 *
 *   gen MEGABYTES [SEED] > posts.jsonl
 *
 * Each record is an object with "id" (a number or a string, alternately at
 * random), "url", "platform", "published", "lang" and a "text" of 100-2000
 * bytes of mostly Cyrillic (Russian and Kazakh) UTF-8 with some \n, \" and
 * \uXXXX escapes (including an emoji as a surrogate pair).  The output is
 * deterministic for a given seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)((rng_state >> 11) % n);
}

static const char *const words[] = {
    "привет", "сегодня", "новости", "город", "продажа", "срочно", "бесплатно",
    "человек", "работа", "деньги", "телефон", "звоните", "Алматы", "Астана",
    "сәлем", "бүгін", "жаңалықтар", "қала", "ақша", "жұмыс", "адам", "үй",
    "көмек", "рахмет", "және", "бұл", "мен", "сен", "біз", "олар",
    "в", "на", "и", "не", "что", "это", "как", "так", "все", "он",
    "Казахстан", "Россия", "правительство", "закон", "суд", "полиция",
    "ok", "https://t.me/channel", "#новости", "@user", "2024", "100%",
};
static const char *const platforms[] = { "telegram", "vk", "instagram", "x", "tiktok" };
static const char *const langs[] = { "ru", "kk", "ru", "ru", "kk", "en" };

static void text(void)
{
    size_t target = 100 + rnd(1901), len = 0;
    while (len < target) {
        uint32_t r = rnd(100);
        const char *w;
        if (r < 3) w = "\\n";
        else if (r < 5) w = "\\\"";
        else if (r < 6) w = "\\u0436";            /* ж */
        else if (r < 7) w = "\\ud83d\\ude00";     /* 😀 as a surrogate pair */
        else if (r < 8) w = "\\u00ab";            /* « */
        else w = words[rnd(sizeof words / sizeof words[0])];
        fputs(w, stdout);
        len += strlen(w);
        if (len < target) { putchar(r < 12 ? ',' : ' '); len++; }
        if (r > 97) { fputs(". ", stdout); len += 2; }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen MEGABYTES [SEED]\n");
        return 2;
    }
    long mb = atol(argv[1]);
    if (argc > 2) rng_state ^= (uint64_t)atoll(argv[2]) * 0x9E3779B97F4A7C15ull;
    long long total = mb * 1024LL * 1024LL;
    long long id = 1000000;
    while (total > 0) {
        long before = ftell(stdout);
        id += 1 + rnd(1000);
        if (rnd(2)) printf("{\"id\":%lld,", id);
        else printf("{\"id\":\"%s_%lld\",", platforms[rnd(5)], id);
        const char *pf = platforms[rnd(5)];
        printf("\"url\":\"https://%s.example/post/%lld\",\"platform\":\"%s\",", pf, id, pf);
        printf("\"published\":\"2024-%02u-%02uT%02u:%02u:%02uZ\",", 1 + rnd(12), 1 + rnd(28),
               rnd(24), rnd(60), rnd(60));
        printf("\"lang\":\"%s\",\"text\":\"", langs[rnd(6)]);
        text();
        fputs("\"}\n", stdout);
        long after = ftell(stdout);
        total -= (before >= 0 && after >= 0) ? after - before : 1000;
    }
    return 0;
}
