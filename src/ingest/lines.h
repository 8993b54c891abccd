/*
 * ingest/lines.h - JSON Lines input in batches of whole lines, with a cap
 * on the length of a line.
 *
 * kz_lines_fill() reads about 1 MiB of whole lines into a kz_lines_batch.
 * A line longer than max_record is never held in memory: the reader skips
 * it while reading, leaves an empty placeholder line in its place (so line
 * numbers stay right) and notes its number in the batch, for the caller to
 * report.  A partial last line waits for the next batch.
 *
 * A batch always holds at least one whole line (or a placeholder) unless the
 * input has ended: a line longer than the batch size makes that batch as
 * long as the line (up to max_record), so a fill never comes back empty
 * before the end of input.
 */
#ifndef KZ_LINES_H
#define KZ_LINES_H

#include "util/kz.h"
#include "util/buf.h"
#include <sys/types.h>

#define KZ_LINES_BATCH (1u << 20)

typedef struct kz_lines_batch {
    kz_buf  in;                 /* whole lines, '\n'-terminated (the last may not be) */
    size_t  first_line;         /* number of the first line in `in` */
    size_t *overlong;           /* numbers of placeholder lines, ascending */
    size_t  noverlong, capoverlong;
    size_t  bytes;              /* bytes read from the input for this batch */
} kz_lines_batch;

/* How the reader gets bytes: like read(2), -1 with errno set on error.  The
 * default reads the file descriptor given to kz_lines_init(). */
typedef ssize_t (*kz_lines_read_fn)(void *ctx, void *buf, size_t n);

typedef struct kz_lines {
    int    fd;
    kz_lines_read_fn read;
    void  *read_ctx;
    size_t batch;               /* bytes a batch aims for (KZ_LINES_BATCH) */
    int    eof;
    size_t line;                /* number of the next line to hand out */
    size_t max_record;
    kz_buf carry;               /* a partial line from the previous batch */
    int    skipping;            /* inside an over-long line */
    int    error;               /* errno of a read error (reading stopped) */
} kz_lines;

void kz_lines_init(kz_lines *l, int fd, size_t max_record);
void kz_lines_release(kz_lines *l);
/* Read through fn(ctx, ...) instead of the descriptor, and aim for batches of
 * batch bytes (0 keeps KZ_LINES_BATCH); both for tests and fuzzing. */
void kz_lines_set_reader(kz_lines *l, kz_lines_read_fn fn, void *ctx, size_t batch);
void kz_lines_batch_init(kz_lines_batch *b);
void kz_lines_batch_release(kz_lines_batch *b);

/* Fill b from l.  Returns 1 when b holds lines, 0 at the end of input
 * (check l->error), KZ_ENOMEM. */
int kz_lines_fill(kz_lines *l, kz_lines_batch *b);

#endif
