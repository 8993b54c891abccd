/*
 * bench/crawl/gensite.c - a synthetic web site for bench/crawl/run.
 *
 *   gensite DIR N
 *
 * Writes DIR/index.html (links to the first pages) and N pages
 * DIR/dI/pJ.html (I = J / 1000), each 5-20 KB of text in Russian (40%),
 * Kazakh (35%) or English (25%), linking to the next page (so that every
 * page is reachable) and to 9 others drawn at random.  One page in 200
 * carries a phrase of examples/rules.yaml.  Prints "pages=N bytes=B
 * flagged=F".  A fixed-seed generator: the same N gives the same site.
 * A benchmark tool, not part of kuzet: it exits on the first error.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rs = 0x6b757a6574435257ull;    /* "kuzetCRW" */
static uint64_t rnd(void)
{
    uint64_t z = (rs += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *const ru[] = {
    "погода", "город", "новости", "сегодня", "завтра", "рынок", "хлеб", "молоко", "школа",
    "учитель", "дорога", "автобус", "река", "лес", "праздник", "концерт", "футбол", "команда",
    "работа", "зарплата", "цены", "магазин", "больница", "врач", "семья", "дети", "книга",
    "библиотека", "музей", "парк", "весна", "лето", "осень", "зима", "дождь", "снег", "солнце",
    "ветер", "утро", "вечер", "сосед", "район", "улица", "дом", "квартира", "ремонт", "машина",
};
static const char *const kk[] = {
    "ауа райы", "қала", "жаңалықтар", "бүгін", "ертең", "базар", "нан", "сүт", "мектеп",
    "мұғалім", "жол", "автобус", "өзен", "орман", "мереке", "концерт", "футбол", "команда",
    "жұмыс", "жалақы", "баға", "дүкен", "аурухана", "дәрігер", "отбасы", "балалар", "кітап",
    "кітапхана", "мұражай", "саябақ", "көктем", "жаз", "күз", "қыс", "жаңбыр", "қар", "күн",
    "жел", "таң", "кеш", "көрші", "аудан", "көше", "үй", "пәтер", "жөндеу", "көлік",
};
static const char *const en[] = {
    "weather", "city", "news", "today", "tomorrow", "market", "bread", "milk", "school",
    "teacher", "road", "bus", "river", "forest", "holiday", "concert", "football", "team",
    "work", "salary", "prices", "shop", "hospital", "doctor", "family", "children", "book",
    "library", "museum", "park", "spring", "summer", "autumn", "winter", "rain", "snow", "sun",
    "wind", "morning", "evening", "neighbour", "district", "street", "house", "flat", "repair",
};
static const char *const bad[] = {
    "закладка мефедрон 5000", "взорвать школу", "есірткі сату", "buy cocaine",
    "сен ақымақсың", "kill yourself", "убей себя", "жиһадқа қосыл",
};

#define NW(a) (sizeof a / sizeof a[0])

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gensite DIR N\n");
        return 2;
    }
    const char *dir = argv[1];
    long n = atol(argv[2]);
    char path[4096];
    unsigned long long bytes = 0;
    long flagged = 0;
    if (n < 1)
        return 2;
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return 1; }
    fputs("<!doctype html><html><head><title>Bench site</title></head><body><ul>\n", f);
    for (long i = 0; i < n && i < 20; i++)
        fprintf(f, "<li><a href=\"/d%ld/p%ld.html\">page %ld</a>\n", i / 1000, i, i);
    fputs("</ul></body></html>\n", f);
    fclose(f);
    for (long i = 0; i < n; i++) {
        if (i % 1000 == 0) {
            snprintf(path, sizeof path, "%s/d%ld", dir, i / 1000);
            mkdir(path, 0755);
        }
        snprintf(path, sizeof path, "%s/d%ld/p%ld.html", dir, i / 1000, i);
        if (!(f = fopen(path, "w"))) { perror(path); return 1; }
        uint64_t r = rnd() % 100;
        const char *const *w = r < 40 ? ru : r < 75 ? kk : en;
        size_t nw = r < 40 ? NW(ru) : r < 75 ? NW(kk) : NW(en);
        const char *lang = r < 40 ? "ru" : r < 75 ? "kk" : "en";
        long size = 5000 + (long)(rnd() % 15000), len = 0;
        len += fprintf(f, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                          "<title>Page %ld</title></head><body><h1>%s %ld</h1>\n", lang, i,
                       w[rnd() % nw], i);
        int bad_here = rnd() % 200 == 0;
        long bad_at = bad_here ? (long)(rnd() % (unsigned long)size) : -1;
        while (len < size) {
            len += fprintf(f, "<p>");
            for (int s = 0; s < 40 && len < size; s++) {
                len += fprintf(f, "%s ", w[rnd() % nw]);
                if (bad_at >= 0 && len >= bad_at) {
                    len += fprintf(f, "%s ", bad[rnd() % NW(bad)]);
                    bad_at = -1;
                    flagged++;
                }
            }
            len += fprintf(f, "</p>\n");
        }
        len += fprintf(f, "<nav><a href=\"/d%ld/p%ld.html\">next</a>", ((i + 1) % n) / 1000,
                       (i + 1) % n);
        for (int k = 0; k < 9; k++) {
            long t = (long)(rnd() % (uint64_t)n);
            len += fprintf(f, " <a href=\"/d%ld/p%ld.html\">%ld</a>", t / 1000, t, t);
        }
        len += fprintf(f, "</nav></body></html>\n");
        bytes += (unsigned long long)len;
        if (fclose(f) != 0) { perror(path); return 1; }
    }
    printf("pages=%ld bytes=%llu flagged=%ld\n", n, bytes, flagged);
    return 0;
}
