/*
 * ingest/lines.c - JSON Lines input in batches of whole lines.
 */
#include "lines.h"
#include <errno.h>
#include <unistd.h>

#define READ_CHUNK (256 * 1024)

static ssize_t read_fd(void *ctx, void *buf, size_t n)
{
    return read(*(const int *)ctx, buf, n);
}

void kz_lines_init(kz_lines *l, int fd, size_t max_record)
{
    memset(l, 0, sizeof *l);
    l->fd = fd;
    l->read = read_fd;
    l->read_ctx = &l->fd;
    l->batch = KZ_LINES_BATCH;
    l->line = 1;
    l->max_record = max_record;
    kz_buf_init(&l->carry, KZ_BUF_NOLIMIT);
}

void kz_lines_release(kz_lines *l) { kz_buf_release(&l->carry); }

void kz_lines_set_reader(kz_lines *l, kz_lines_read_fn fn, void *ctx, size_t batch)
{
    l->read = fn;
    l->read_ctx = ctx;
    if (batch)
        l->batch = batch;
}

void kz_lines_batch_init(kz_lines_batch *b)
{
    memset(b, 0, sizeof *b);
    kz_buf_init(&b->in, KZ_BUF_NOLIMIT);
}

void kz_lines_batch_release(kz_lines_batch *b)
{
    kz_buf_release(&b->in);
    free(b->overlong);
    b->overlong = NULL;
}

static int note_overlong(kz_lines_batch *b, size_t line)
{
    if (b->noverlong == b->capoverlong) {
        size_t cap = b->capoverlong ? b->capoverlong * 2 : 8;
        size_t *o = realloc(b->overlong, cap * sizeof *o);
        if (!o)
            return KZ_ENOMEM;
        b->overlong = o;
        b->capoverlong = cap;
    }
    b->overlong[b->noverlong++] = line;
    return 0;
}

static size_t count_nl(const char *p, size_t n)
{
    size_t c = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        c++;
    return c;
}

int kz_lines_fill(kz_lines *l, kz_lines_batch *b)
{
    kz_buf_reset(&b->in);
    b->noverlong = 0;
    b->first_line = l->line;
    b->bytes = 0;
    if (l->carry.len) {
        if (kz_buf_add(&b->in, l->carry.p, l->carry.len))
            return KZ_ENOMEM;
        kz_buf_reset(&l->carry);
    }
    size_t line_start = 0;      /* start of the unfinished line; 0: no whole line yet */
    /* go on past the batch size while the batch holds no whole line: a carried
     * line as long as the batch must not look like the end of input */
    while (!l->eof && (b->in.len < l->batch || line_start == 0)) {
        if (kz_buf_grow(&b->in, READ_CHUNK + 1))
            return KZ_ENOMEM;
        ssize_t n = l->read(l->read_ctx, b->in.p + b->in.len, READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            l->error = errno;
            l->eof = 1;
            break;
        }
        if (n == 0) {
            l->eof = 1;
            break;
        }
        b->bytes += (size_t)n;
        size_t i = b->in.len;
        b->in.len += (size_t)n;
        if (l->skipping) {
            char *nl = memchr(b->in.p + i, '\n', b->in.len - i);
            if (!nl) {
                b->in.len = i;                      /* still inside: drop it */
                continue;
            }
            size_t drop = (size_t)(nl - (b->in.p + i)) + 1;
            memmove(b->in.p + i, b->in.p + i + drop, b->in.len - i - drop);
            b->in.len -= drop;
            l->skipping = 0;
        }
        char *last = b->in.len > i ? memrchr(b->in.p + i, '\n', b->in.len - i) : NULL;
        if (last)
            line_start = (size_t)(last - b->in.p) + 1;
        if (b->in.len - line_start > l->max_record) {
            if (note_overlong(b, b->first_line + count_nl(b->in.p, line_start)))
                return KZ_ENOMEM;
            b->in.len = line_start;
            b->in.p[b->in.len++] = '\n';            /* the placeholder */
            line_start = b->in.len;
            l->skipping = 1;
        }
    }
    l->skipping &= !l->eof;
    if (!l->eof) {                                  /* keep the partial line */
        if (kz_buf_add(&l->carry, b->in.p + line_start, b->in.len - line_start))
            return KZ_ENOMEM;
        b->in.len = line_start;
    }
    if (b->in.p)
        b->in.p[b->in.len] = '\0';
    l->line += count_nl(b->in.p ? b->in.p : "", b->in.len);
    return b->in.len > 0;
}
