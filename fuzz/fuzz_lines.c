/*
 * fuzz/fuzz_lines.c - fuzz target for ingest/lines.c, the JSON Lines reader
 * that cuts the input into batches of whole lines.
 *
 * Input: 4 bytes seed the sizes of the reads (1 byte to a few hundred, with
 * an EINTR now and then), 1 byte picks max_record (1..256), 1 byte the batch
 * size (1..512); the rest is the stream.  Small sizes put line ends, batch
 * boundaries and over-long lines everywhere a fuzz input can reach.
 *
 * Besides the sanitizers, the target checks the reader against a model and
 * aborts on any difference: every line comes out once, in order, numbered
 * right; a line is either as written or, when longer than max_record, an
 * empty placeholder listed in `overlong`; a fill returns 0 only at the end of
 * the input, and never loops without reading.
 */
#include "fuzz.h"
#include "ingest/lines.h"
#include <errno.h>
#include <stdlib.h>

struct src {
    const uint8_t *p;
    size_t n, at;
    uint32_t rnd;
    size_t calls;
};

static uint32_t next(struct src *s)
{
    s->rnd ^= s->rnd << 13;
    s->rnd ^= s->rnd >> 17;
    s->rnd ^= s->rnd << 5;
    return s->rnd;
}

static ssize_t src_read(void *ctx, void *buf, size_t n)
{
    struct src *s = ctx;
    s->calls++;
    uint32_t r = next(s);
    if (r % 13 == 0) {
        errno = EINTR;
        return -1;
    }
    size_t want = r % 4 == 0 ? 1 : 1 + (r >> 8) % 300;
    if (want > n)
        want = n;
    if (want > s->n - s->at)
        want = s->n - s->at;
    memcpy(buf, s->p + s->at, want);
    s->at += want;
    return (ssize_t)want;
}

/* Length of the line of data[0..size) that starts at *at; moves *at past it. */
static size_t orig_line(const uint8_t *data, size_t size, size_t *at, const uint8_t **line)
{
    const uint8_t *e = memchr(data + *at, '\n', size - *at);
    size_t len = e ? (size_t)(e - (data + *at)) : size - *at;
    *line = data + *at;
    *at += len + (e != NULL);
    return len;
}

KZ_FUZZ(lines)
{
    if (size < 6)
        return 0;
    struct src s = { data + 6, size - 6, 0, 0, 0 };
    memcpy(&s.rnd, data, 4);
    s.rnd |= 1;
    size_t max_record = 1 + data[4], batch = 1 + (size_t)data[5] * 2;
    const uint8_t *text = data + 6;
    size_t tsize = size - 6, at = 0, line = 1;

    kz_lines l;
    kz_lines_batch b;
    kz_lines_init(&l, -1, max_record);
    kz_lines_set_reader(&l, src_read, &s, batch);
    kz_lines_batch_init(&b);
    for (size_t fills = 0;; fills++) {
        if (fills > tsize + 8)
            abort();                        /* more fills than bytes: a loop */
        int rc = kz_lines_fill(&l, &b);
        if (rc < 0)
            break;                          /* out of memory */
        if (rc == 0) {
            if (!l.eof || b.in.len)
                abort();                    /* "no lines" before the end */
            break;
        }
        if (b.in.len == 0)
            abort();
        if (b.first_line != line)
            abort();
        /* walk the batch's lines against the input's */
        size_t off = 0, k = 0;
        while (off < b.in.len) {
            const char *nl = memchr(b.in.p + off, '\n', b.in.len - off);
            size_t len = nl ? (size_t)(nl - (b.in.p + off)) : b.in.len - off;
            const uint8_t *o;
            if (at >= tsize)
                abort();                    /* a line the input does not have */
            size_t olen = orig_line(text, tsize, &at, &o);
            int placeholder = k < b.noverlong && b.overlong[k] == line;
            if (placeholder) {
                if (len != 0 || olen <= max_record)
                    abort();
                k++;
            } else if (len != olen || memcmp(b.in.p + off, o, len) != 0) {
                abort();
            }
            line++;
            off += len + (nl != NULL);
            if (!nl && !l.eof)
                abort();                    /* a partial line handed out early */
        }
        if (k != b.noverlong)
            abort();
    }
    if (!l.error && at < tsize)
        abort();                            /* input left unread */
    kz_lines_batch_release(&b);
    kz_lines_release(&l);
    return 0;
}
