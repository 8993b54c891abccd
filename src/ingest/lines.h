/*
 * ingest/lines.h - JSON Lines input in batches of whole lines, with a cap
 * on the length of a line.
 *
 * kz_lines_fill() reads about 1 MiB of whole lines into a kz_lines_batch.
 * A line longer than max_record is never held in memory: the reader skips
 * it while reading, leaves an empty placeholder line in its place (so line
 * numbers stay right) and notes its number in the batch, for the caller to
 * report.  A partial last line waits for the next batch.
 */
#ifndef KZ_LINES_H
#define KZ_LINES_H

#include "util/kz.h"
#include "util/buf.h"

#define KZ_LINES_BATCH (1u << 20)

typedef struct kz_lines_batch {
    kz_buf  in;                 /* whole lines, '\n'-terminated (the last may not be) */
    size_t  first_line;         /* number of the first line in `in` */
    size_t *overlong;           /* numbers of placeholder lines, ascending */
    size_t  noverlong, capoverlong;
    size_t  bytes;              /* bytes read from the input for this batch */
} kz_lines_batch;

typedef struct kz_lines {
    int    fd;
    int    eof;
    size_t line;                /* number of the next line to hand out */
    size_t max_record;
    kz_buf carry;               /* a partial line from the previous batch */
    int    skipping;            /* inside an over-long line */
    int    error;               /* errno of a read error (reading stopped) */
} kz_lines;

void kz_lines_init(kz_lines *l, int fd, size_t max_record);
void kz_lines_release(kz_lines *l);
void kz_lines_batch_init(kz_lines_batch *b);
void kz_lines_batch_release(kz_lines_batch *b);

/* Fill b from l.  Returns 1 when b holds lines, 0 at the end of input
 * (check l->error), KZ_ENOMEM. */
int kz_lines_fill(kz_lines *l, kz_lines_batch *b);

#endif
