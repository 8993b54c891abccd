/*
 * bench/json/json_libs.c - which JSON library should ingest/jsonl.c use?
 *
 *   json_libs FILE.jsonl [REPEATS]
 *
 * First prints how each candidate (cJSON, jansson, json-c) treats the inputs
 * that matter to kuzet: invalid UTF-8 inside a string, lone surrogate \u
 * escapes, "\u0000", big integer ids, deep nesting, trailing garbage.
 * Then, for each library, parses every line of FILE as one record, takes
 * the "text" (pointer and length) and "id" (string or number), and prints
 * MB/s and records/s (best of REPEATS runs).  A "memchr" baseline (just
 * finding the newlines and touching each byte) gives the ceiling.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "bench.h"

struct line { const char *p; size_t n; };

uint64_t sink;           /* keeps the work from being optimised away */

void use(const char *s, size_t n)
{
    if (s && n) sink += (unsigned char)s[0] + (unsigned char)s[n - 1] + n;
}

/* ---- cJSON ---- */
static int one_cjson(const char *p, size_t n)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (!root) return -1;
    int rc = -1;
    if (!cJSON_IsObject(root)) goto out;
    cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "text");
    if (!cJSON_IsString(t)) goto out;
    use(t->valuestring, strlen(t->valuestring));
    cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
    if (cJSON_IsString(id)) use(id->valuestring, strlen(id->valuestring));
    else if (cJSON_IsNumber(id)) sink += (uint64_t)id->valuedouble;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- baseline ---- */
static int one_memchr(const char *p, size_t n)
{
    const char *q = memchr(p, '"', n);
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s += (unsigned char)p[i];
    sink += s + (q ? 1 : 0);
    return 0;
}

static const struct lib { const char *name; int (*fn)(const char *, size_t); } libs[] = {
    { "memchr+sum (ceiling)", one_memchr },
    { "cJSON 1.7.15", one_cjson },
    { "jansson 2.14", one_jansson },
    { "json-c 0.16", one_jsonc },
};

/* ---- behaviour probe ---- */
void show(const char *s, size_t n)
{
    for (size_t i = 0; i < n && i < 24; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f) putchar(c); else printf("\\x%02x", c);
    }
    printf(" (len %zu)", n);
}

static void probe(const char *label, const char *json, size_t n)
{
    printf("  %s", label);
    const char *end = NULL;
    cJSON *c = cJSON_ParseWithLengthOpts(json, n, &end, 0);
    cJSON *ct = c ? cJSON_GetObjectItemCaseSensitive(c, "t") : NULL;
    printf("\n    cJSON:   ");
    if (!c) printf("FAIL at byte %td", end ? end - json : (ptrdiff_t)-1);
    else if (cJSON_IsString(ct)) show(ct->valuestring, strlen(ct->valuestring));
    else if (cJSON_IsNumber(ct)) printf("number %.17g", ct->valuedouble);
    else printf("ok");
    cJSON_Delete(c);

    putchar('\n');
    probe_jansson(json, n);
    probe_jsonc(json, n);
}

#define PROBE(label, lit) probe(label, lit, sizeof lit - 1)

static void probes(void)
{
    printf("behaviour (the value of key \"t\"):\n");
    PROBE("invalid UTF-8 \\xff \\xc0\\x80", "{\"t\":\"a\xff" "b\xc0\x80" "c\"}");
    PROBE("raw CESU surrogate \\xed\\xa0\\x80", "{\"t\":\"a\xed\xa0\x80" "b\"}");
    PROBE("lone high \\ud800", "{\"t\":\"a\\ud800b\"}");
    PROBE("lone low \\udc00", "{\"t\":\"a\\udc00b\"}");
    PROBE("high + non-low \\ud800\\u0041", "{\"t\":\"a\\ud800\\u0041b\"}");
    PROBE("pair \\ud83d\\ude00", "{\"t\":\"a\\ud83d\\ude00b\"}");
    PROBE("\\u0000 inside", "{\"t\":\"a\\u0000b\"}");
    PROBE("raw control char \\x01", "{\"t\":\"a\x01" "b\"}");
    PROBE("big integer 2^64+1", "{\"t\":18446744073709551617}");
    PROBE("snowflake 1790012345678901234", "{\"t\":1790012345678901234}");
    PROBE("number 1.50e3", "{\"t\":1.50e3}");
    PROBE("trailing garbage", "{\"t\":\"x\"} z");
    PROBE("two objects", "{\"t\":\"x\"}{\"t\":\"y\"}");
    PROBE("duplicate keys", "{\"t\":\"first\",\"t\":\"second\"}");
    PROBE("truncated", "{\"t\":\"abc");
    PROBE("trailing \\r", "{\"t\":\"x\"}\r");
    char deep[4200];
    size_t k = 0;
    k += (size_t)snprintf(deep, sizeof deep, "{\"t\":");
    for (int i = 0; i < 2000; i++) deep[k++] = '[';
    for (int i = 0; i < 2000; i++) deep[k++] = ']';
    deep[k++] = '}';
    probe("nesting 2000 deep", deep, k);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    jsonc_init();
    probes();
    if (argc < 2) { jsonc_done(); return 0; }
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) { perror("read"); return 1; }
    fclose(f);
    data[size] = '\0';
    size_t nlines = 0, cap = 1024;
    struct line *lines = malloc(cap * sizeof *lines);
    for (char *p = data, *e = data + size; p < e;) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        if (nlines == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[nlines].p = p;
        lines[nlines].n = n;
        nlines++;
        p += n + 1;
    }
    printf("\n%s: %.1f MB, %zu records, best of %d runs\n", argv[1], size / 1e6, nlines, repeats);
    for (size_t l = 0; l < sizeof libs / sizeof libs[0]; l++) {
        double best = 1e9;
        size_t bad = 0;
        for (int r = 0; r < repeats; r++) {
            bad = 0;
            double t0 = now();
            for (size_t i = 0; i < nlines; i++)
                if (libs[l].fn(lines[i].p, lines[i].n) != 0) bad++;
            double t = now() - t0;
            if (t < best) best = t;
        }
        printf("  %-22s %8.1f MB/s %10.0f records/s  (%zu failed)\n", libs[l].name,
               size / 1e6 / best, nlines / best, bad);
    }
    printf("(checksum %llu)\n", (unsigned long long)sink);
    free(lines);
    free(data);
    jsonc_done();
    return 0;
}
