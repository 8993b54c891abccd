/*
 * fuzz/fuzz_bankcsv.c - fuzz target for the hash bank CSV/TSV parser
 * (store/bank.c kz_bank_parse), run on a buffer without a database.
 *
 * Checks what the parser promises: line numbers only grow and stay within
 * the input's lines; a bad row has a reason; a good row has a known type,
 * a lowercase signal of that type's length, and tags of the stated length
 * within the limit; and a good row written back in the canonical layout
 * (kz_bank_format_row) parses to the same row.
 */
#include "store/bank.h"
#include "fuzz.h"

typedef struct fz {
    unsigned    last, lines;
    kz_bank_row again;
    const char *want_tags;
    size_t      want_len;
    int         got;
} fz;

static int inner_row(void *ctx, const kz_bank_row *r)
{
    fz *f = ctx;
    if (f->got++ || r->why)
        abort();
    f->again = *r;
    f->again.tags = NULL;
    if (r->tags_len != f->want_len || memcmp(r->tags, f->want_tags, r->tags_len))
        abort();
    return 0;
}

static int row(void *ctx, const kz_bank_row *r)
{
    fz *f = ctx;
    if (r->line <= f->last || r->line > f->lines)
        abort();
    f->last = r->line;
    if (r->why) {
        if (!*r->why)
            abort();
        return 0;
    }
    const char *name = kz_bank_type_name(r->type);
    if (!name || !r->tags || strlen(r->tags) != r->tags_len || r->tags_len > KZ_BANK_TAGS_MAX)
        abort();
    char norm[KZ_BANK_SIGMAX + 1];
    if (kz_bank_signal_norm(r->type, r->signal, strlen(r->signal), norm) || strcmp(norm, r->signal))
        abort();
    /* the canonical form parses back to the same row */
    kz_buf b;
    kz_buf_init(&b, KZ_BUF_NOLIMIT);
    if (kz_bank_format_row(&b, r->type, r->signal, r->tags) != 0)
        abort();
    fz g;
    memset(&g, 0, sizeof g);
    g.want_tags = r->tags;
    g.want_len = r->tags_len;
    if (kz_bank_parse(b.p, b.len, inner_row, &g) != 0 || g.got != 1 || g.again.type != r->type ||
        strcmp(g.again.signal, r->signal))
        abort();
    kz_buf_release(&b);
    return 0;
}

KZ_FUZZ(bankcsv)
{
    fz f;
    memset(&f, 0, sizeof f);
    f.lines = 1;
    for (size_t i = 0; i < size; i++)
        f.lines += data[i] == '\n';
    if (kz_bank_parse((const char *)data, size, row, &f) != 0)
        abort();
    return 0;
}
