/*
 * fuzz/fuzz_jsonl.c - fuzz target for ingest/jsonl.c (and through "html"
 * records, ingest/html.c), and for the names in "images" as kuzet ingest
 * reads them (util/folder.h).
 *
 * The input is parsed as one line, then split on '\n' and each line parsed
 * with the same handle (as kuzet scan does).  Every line is copied into a
 * buffer of exactly its size, so a read past the end is caught by ASan.
 * Each image name of a parsed record is read from fuzz/tree/ (run from the
 * repository root) twice, through openat2 and through the portable walk:
 * the answers must be the same, and nothing but the tree's two files may be
 * read.  fuzz/tree holds a.png (220 bytes) and sub/b.txt (2 bytes), links
 * that stay inside (in, dir-link, sub/up, twisty) and links that lead out
 * (out: ../fuzz.h, dots: .., abs: /etc/hostname).
 */
#include "fuzz.h"
#include "ingest/jsonl.h"
#include "util/folder.h"
#include <stdlib.h>

static kz_folder *tree[2];          /* fuzz/tree: openat2, walk */

static void read_images(const kz_record *r)
{
    if (!tree[0]) {
        kz_folder_open(&tree[0], "fuzz/tree", 0);
        kz_folder_open(&tree[1], "fuzz/tree", KZ_FOLDER_WALK);
        if (!tree[0] || !tree[1])
            return;
    }
    for (size_t i = 0; i < r->nimages; i++) {
        uint8_t *d[2] = { NULL, NULL };
        size_t len[2] = { 0, 0 };
        int rc[2];
        for (int k = 0; k < 2; k++)
            rc[k] = kz_folder_read(tree[k], r->images[i], r->image_lens[i], 1 << 16, &d[k],
                                   &len[k]);
        if (rc[0] != rc[1] || len[0] != len[1] || (rc[0] == 0 && memcmp(d[0], d[1], len[0])) ||
            strcmp(kz_folder_errmsg(tree[0]), kz_folder_errmsg(tree[1])) != 0) {
            fprintf(stderr, "fuzz_jsonl: \"%.*s\": openat2 %d (%s), walk %d (%s)\n",
                    (int)r->image_lens[i], r->images[i], rc[0], kz_folder_errmsg(tree[0]), rc[1],
                    kz_folder_errmsg(tree[1]));
            abort();
        }
        /* only a.png and sub/b.txt can be read */
        if (rc[0] == 0 && len[0] != 220 && len[0] != 2) {
            fprintf(stderr, "fuzz_jsonl: \"%.*s\" read %zu bytes from outside fuzz/tree\n",
                    (int)r->image_lens[i], r->images[i], len[0]);
            abort();
        }
        free(d[0]);
        free(d[1]);
    }
}

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
    for (size_t k = 0; k < r->nimages; k++)
        for (size_t i = 0; i < r->image_lens[k]; i++)
            sum += (unsigned char)r->images[k][i];
    (void)sum;
    read_images(r);
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
