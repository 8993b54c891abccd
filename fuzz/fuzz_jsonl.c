/*
 * fuzz/fuzz_jsonl.c - fuzz target for ingest/jsonl.c (and through "html"
 * records, ingest/html.c).
 *
 * The input is parsed as one line, then split on '\n' and each line parsed
 * with the same handle (as kuzet scan does).  Every line is copied into a
 * buffer of exactly its size, so a read past the end is caught by ASan.
 */
#include "fuzz.h"
#include "ingest/jsonl.h"

static void check(const kz_record *r)
{
    /* touch every byte the record points to */
    volatile unsigned char sum = 0;
    const char *p[] = { r->id, r->url, r->platform, r->published, r->lang, r->text };
    size_t n[] = { r->id_len, r->url_len, r->platform_len, r->published_len, r->lang_len,
                   r->text_len };
    for (size_t k = 0; k < KZ_ARRAY_LEN(p); k++)
        for (size_t i = 0; p[k] && i < n[k]; i++)
            sum += (unsigned char)p[k][i];
    (void)sum;
}

static void parse(kz_jsonl *j, const uint8_t *data, size_t size)
{
    char *copy = kz_malloc(size ? size : 1);
    kz_record rec;
    if (!copy)
        return;
    if (size)
        memcpy(copy, data, size);
    if (kz_jsonl_parse(j, copy, size, &rec) == 0)
        check(&rec);
    else
        (void)strlen(kz_jsonl_errmsg(j));
    free(copy);
}

KZ_FUZZ(jsonl)
{
    kz_jsonl *j = kz_jsonl_new(1 << 20);
    if (!j)
        return 0;
    parse(j, data, size);
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            if (i > start || i < size)
                parse(j, data + start, i - start);
            start = i + 1;
        }
    }
    kz_jsonl_free(j);
    return 0;
}
