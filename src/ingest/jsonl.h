/*
 * ingest/jsonl.h - one post from a line of a JSON Lines export.
 *
 * A record is a JSON object with "text" (or "html", whose visible text is
 * used instead) and optional "id" (string or number), "url", "platform",
 * "published", "lang", and "images": an array of strings, each the path
 * or URL of an image of the post (at most KZ_JSONL_MAX_IMAGES; what they
 * mean is up to the caller: kuzet ingest reads the local ones from inside
 * one folder only, util/folder.h, docs/banks.md "Images").  Unknown
 * fields are ignored.  Bytes that are not
 * valid UTF-8 inside strings are kept as they are (the normalizer replaces
 * and counts them), so one bad byte never loses a post.
 *
 * A kz_jsonl holds reusable buffers: make one per thread.  Not thread-safe.
 */
#ifndef KZ_JSONL_H
#define KZ_JSONL_H

#include "util/kz.h"

#define KZ_JSONL_MAX_IMAGES 32

typedef struct kz_record {
    const char *id;        size_t id_len;    /* NULL when absent */
    bool        id_is_number;                /* id was a JSON number: print it bare */
    const char *url;       size_t url_len;   /* NULL when absent */
    const char *platform;  size_t platform_len;
    const char *published; size_t published_len;
    const char *lang;      size_t lang_len;
    const char *text;      size_t text_len;  /* never NULL after success; may hold NULs */
    bool        from_html;                   /* text is the visible text of "html" */
    const char *const *images;               /* nimages strings (not NUL-safe: use */
    const size_t *image_lens;                /* image_lens), or NULL */
    size_t      nimages;
} kz_record;

typedef struct kz_jsonl kz_jsonl;

/* max_record: the longest line accepted, in bytes.  NULL on ENOMEM. */
kz_jsonl *kz_jsonl_new(size_t max_record);
void kz_jsonl_free(kz_jsonl *j);                          /* NULL-safe */

/* Parse line[0..n) (no newline; a trailing '\r' is allowed).  On success
 * returns 0 and fills *rec with pointers that stay valid until the next call
 * on j.  Otherwise returns KZ_EBADJSON (not JSON, not an object, or
 * "images" not an array of strings), KZ_ENOTEXT (no string "text" or
 * "html"), or KZ_ETOOBIG (over max_record),
 * and kz_jsonl_errmsg() says why, e.g. "invalid JSON at byte 17". */
int kz_jsonl_parse(kz_jsonl *j, const char *line, size_t n, kz_record *rec);
const char *kz_jsonl_errmsg(const kz_jsonl *j);

#endif
