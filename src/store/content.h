/*
 * store/content.h - an item's whole text as fetched, kept compressed
 * (items.content_z: zlib, then base64, so that it is text on both
 * backends), up to KZ_CONTENT_MAX bytes; items.content_len says how many
 * bytes were kept and items.content_full_len how many there were.  A text
 * the excerpt already holds byte for byte (most posts) is not packed again:
 * content_z is NULL and the excerpt, content_len bytes long, is the whole.  What a
 * hit is shown with (kuzet cases show: the words around it) comes from
 * here; the retention purge drops it with the excerpt.
 */
#ifndef KZ_STORE_CONTENT_H
#define KZ_STORE_CONTENT_H

#include "store/store.h"
#include "util/buf.h"

#define KZ_CONTENT_MAX (1u << 20)           /* bytes of text kept whole */

/* Append text[0..n) compressed and base64-encoded to out (n already cut to
 * KZ_CONTENT_MAX on a character boundary by the caller: kz_content_len).
 * 0, KZ_ENOMEM, KZ_ETOOBIG. */
int kz_content_pack(const char *text, size_t n, kz_buf *out);

/* The same, reusing zlib's state from one text to the next (a writer or a
 * scan thread packs thousands): kz_content_zip_pack writes the bytes
 * kz_content_pack writes.  One thread at a time per kz_content_zip. */
typedef struct kz_content_zip kz_content_zip;
kz_content_zip *kz_content_zip_new(void);             /* NULL: out of memory */
void kz_content_zip_free(kz_content_zip **zp);        /* NULL-safe; sets *zp = NULL */
int kz_content_zip_pack(kz_content_zip *z, const char *text, size_t n, kz_buf *out);
/* How much of a text of n bytes is kept: at most KZ_CONTENT_MAX, cut on a
 * character boundary. */
size_t kz_content_len(const char *text, size_t n);
/* 1 when the item's excerpt (kz_store_excerpt_len, cleaned) holds
 * text[0..n) byte for byte: n within the excerpt's length, valid UTF-8
 * without a NUL.  Such a text is stored without content_z. */
int kz_content_in_excerpt(const char *text, size_t n);
/* The whole text from an item's columns: content_z (z, may be NULL)
 * unpacked, else the excerpt ex[0..en) when it holds the whole (content_z
 * NULL and en == content_len, not purged): 1; the excerpt alone (older
 * items, texts longer than it with content_z lost): 2; nothing (purged): 0.
 * < 0: KZ_ENOMEM, KZ_ETOOBIG. */
int kz_content_text(const char *z, size_t zn, const char *ex, size_t en, int64_t content_len,
                    int purged, kz_buf *out);
/* Append the text packed in z[0..zn) to out; KZ_EINVAL when it is not
 * what kz_content_pack wrote, KZ_ENOMEM. */
int kz_content_unpack(const char *z, size_t zn, kz_buf *out);

/* Append to out the words around text[a..b): up to about `around` bytes
 * each side, widened to whole words, on character boundaries, with "…"
 * where the text goes on, and the hit between "[" and "]". */
int kz_content_context(const char *text, size_t n, size_t a, size_t b, size_t around,
                       kz_buf *out);

/* ---- a text with its hits marked (the review page, kuzet cases show) ---- */

/* n cut back to a character boundary of text[0..n]: the start of a UTF-8
 * sequence, so that text[0..result) ends with a whole character. */
size_t kz_content_cut(const char *text, size_t n);

/* How much of text[0..n) fits in budget bytes once HTML-escaped (& < >
 * cost 5 bytes, " ' 6, any other byte 1), cut on a character boundary. */
size_t kz_content_fit_escaped(const char *text, size_t n, size_t budget);

/* A hit to mark: the byte span [start, end) of the text and its rule. */
typedef struct kz_content_span {
    int64_t     start, end;
    const char *rule;                   /* NULL: shown as "?" */
} kz_content_span;

/* A stretch of the text to mark, and the rules that matched there. */
typedef struct kz_content_mark {
    size_t off, len;                    /* bytes of the text, whole characters */
    char   rules[128];                  /* each rule once, ", " between; cut to fit */
} kz_content_mark;

/* The marks for spans in[0..nin) on text[0..shown): each span widened to
 * whole characters (its start back, its end forward, never past shown);
 * spans that are empty, negative, or start at or past shown left out; the
 * rest in order of offset, and spans that overlap made one mark naming
 * each of their rules once (spans that only touch stay two).  out holds
 * nin marks at most; *nout: how many.  0, or KZ_ENOMEM. */
int kz_content_marks(const char *text, size_t shown, const kz_content_span *in, size_t nin,
                     kz_content_mark *out, size_t *nout);

#endif
