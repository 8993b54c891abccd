/*
 * ingest/charset.h - which charset a fetched document is in, and its UTF-8.
 *
 * The parsers downstream (libxml2 for HTML and feeds, the scan
 * engine) want UTF-8.  Pages on the web are also in windows-1251, KOI8-R,
 * ISO-8859-x, UTF-16..., so the crawler decides the charset the way a
 * browser does (the WHATWG encoding sniffing algorithm, simplified):
 *
 *   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE) wins;
 *   2. then the charset= parameter of the HTTP Content-Type header;
 *   3. then, for HTML, <meta charset=X> or <meta http-equiv=Content-Type
 *      content="...; charset=X"> in the first KZ_CHARSET_PRESCAN bytes
 *      (comments skipped); for XML, the encoding= of the <?xml ...?>
 *      declaration;
 *   4. else UTF-8, when the bytes are UTF-8 (or nearly: a stray invalid
 *      byte among many valid sequences);
 *   5. else the bytes decide: libuchardet on the first KZ_CHARSET_SNIFF
 *      bytes (windows-1251, KOI8-R, CP866, ISO-8859-5...), KZ-1048 told
 *      from windows-1251 by the bytes of Kazakh letters, and windows-1251
 *      or windows-1252 when libuchardet has no usable answer.
 *
 * Labels are matched as the WHATWG Encoding Standard says (case and
 * surrounding spaces ignored; "latin1", "iso-8859-1" and "ascii" mean
 * windows-1252; "cp1251", "x-cp1251" mean windows-1251; a <meta> that
 * names UTF-16 means UTF-8, because bytes that could be read to find it
 * are not UTF-16).  A label that is unknown, or that iconv cannot open, is
 * not an error: the next source is tried and the bad label is kept in
 * info->bad so the caller can count and report it.  A document is never
 * refused for its charset.
 *
 * Conversion is glibc iconv; every invalid or incomplete sequence becomes
 * U+FFFD, so the output is always valid UTF-8 (NULs too become U+FFFD).
 * Thread-safety: a kz_charset (it caches the last iconv descriptor) is used
 * by one thread.
 */
#ifndef KZ_CHARSET_H
#define KZ_CHARSET_H

#include "util/kz.h"
#include "util/buf.h"

#define KZ_CHARSET_PRESCAN 1024     /* bytes searched for <meta> / <?xml?> */
#define KZ_CHARSET_NAMELEN 40
#define KZ_CHARSET_SNIFF   65536    /* bytes a detector reads (step 5) */

/* Where the charset used came from. */
enum kz_charset_src {
    KZ_CHARSET_DEFAULT,             /* nothing said: UTF-8 */
    KZ_CHARSET_BOM,
    KZ_CHARSET_HEADER,              /* Content-Type: ...; charset= */
    KZ_CHARSET_META,                /* <meta> (HTML) or <?xml encoding?> (XML) */
    KZ_CHARSET_DETECTED,            /* nothing said, not UTF-8: guessed from the bytes */
};

/* What the document is, for step 3. */
enum kz_charset_doc { KZ_CHARSET_HTML, KZ_CHARSET_XML, KZ_CHARSET_TEXT };

typedef struct kz_charset_info {
    char name[KZ_CHARSET_NAMELEN];  /* charset used, canonical ("windows-1251", "utf-8") */
    int  source;                    /* enum kz_charset_src */
    char bad[KZ_CHARSET_NAMELEN];   /* a declared label that could not be used, "" if none */
    size_t replaced;                /* invalid sequences replaced by U+FFFD */
} kz_charset_info;

typedef struct kz_charset kz_charset;

/* 0 with *out, or KZ_ENOMEM. */
int  kz_charset_new(kz_charset **out);
void kz_charset_free(kz_charset **cp);          /* NULL-safe; sets *cp = NULL */

/*
 * Decide the charset of body[0..n) (content_type: the HTTP header, or NULL)
 * without converting.  info is filled (replaced = 0).  Returns the number
 * of bytes of byte order mark to skip.  No state kept: thread-safe.
 */
size_t kz_charset_detect(const char *body, size_t n, const char *content_type, int doc,
                         kz_charset_info *info);

/*
 * Detect as above, then append body[0..n) converted to UTF-8 (BOM removed)
 * to out, whose limit applies.  cs may be NULL (a descriptor is opened for
 * this call only).  0, KZ_ENOMEM or KZ_ETOOBIG (out as it was).  info may
 * be NULL.
 */
int kz_charset_decode(kz_charset *cs, const char *body, size_t n, const char *content_type,
                      int doc, kz_buf *out, kz_charset_info *info);

/* "bom", "header", "meta", "detected" or "default" for an enum kz_charset_src. */
const char *kz_charset_source_name(int source);

/* The canonical name for a charset label ("CP1251" -> "windows-1251"), or
 * NULL when the label is not one kuzet knows.  Static storage. */
const char *kz_charset_canonical(const char *label, size_t n);

#endif
