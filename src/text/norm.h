/*
 * text/norm.h - text normalization against evasion, with an offset map.
 *
 * kz_norm_run() turns UTF-8 text into the normalized form that rules are
 * matched against, and keeps, for every normalized byte, the span of the
 * original bytes it came from, so evidence is always shown as written.
 *
 * What folds (docs/normalization.md has the full tables and reasons):
 *   - NFKC compatibility forms (fullwidth, mathematical, ligatures, circled
 *     letters), case folding, combining marks and diacritics (zalgo too),
 *     and default-ignorable characters (zero-width space/joiners, word
 *     joiner, BOM, soft hyphen, variation selectors) - with utf8proc;
 *   - Kazakh letters to their Russian-keyboard stand-ins (ә→а, ғ→г, қ→к,
 *     ң→н, ө→о, ұ/ү→у, һ→х, і→и), й→и, ё→е; soft and hard signs dropped;
 *   - Latin, Greek and digit look-alikes inside Cyrillic words to the
 *     Cyrillic letters they imitate (a→а, p→р, 0→о, 3→з, @→а...);
 *   - Latin words (Kazakh 2021/2018/2017 Latin, informal Latin, Russian
 *     transliteration, English) transliterated to the same Cyrillic
 *     skeleton (sh→ш, zh→ж, ch→ч, q→к, ğ→г, ñ→н, ş→ш, y→ы...);
 *   - letters spaced out or punctuated ("з а к л а д к а", "з.а.к"),
 *     joined; parts joined by one hyphen, dot or underscore ("за-кла-дка")
 *     are matched both as parts and as one joined word;
 *   - letter runs ("закладкааааа", and any doubled letter) to one letter.
 * Where one character can mean two letters (4 = а or ч, 3 = з or е, an
 * all-look-alike Latin word like "PAPA"), the word also gets alternate
 * spellings, which the matcher tries as well.
 *
 * Invalid UTF-8 bytes are replaced by U+FFFD (a separator) and counted;
 * nothing is dropped silently.
 *
 * A kz_norm holds reusable buffers; use one per thread.  Everything
 * returned in a kz_normtext stays valid until the next call on the same
 * kz_norm.  Input longer than KZ_NORM_MAX bytes is refused (KZ_ETOOBIG).
 */
#ifndef KZ_NORM_H
#define KZ_NORM_H

#include "util/kz.h"

#define KZ_NORM_MAX (256u << 20)
#define KZ_TOKEN_MAXSP 8        /* spellings per token: the primary + 7 alternates */

typedef struct kz_spelling {
    const char *s;
    uint32_t    len;
} kz_spelling;

/* kz_token.flags: the word is a part of a group joined by -, . or _ */
#define KZ_TOK_CONT_PREV 1u          /* another part comes before it */
#define KZ_TOK_CONT_NEXT 2u          /* another part comes after it */

typedef struct kz_token {
    uint32_t    start, end;          /* byte span in the normalized text */
    uint16_t    nsp;                 /* 1..KZ_TOKEN_MAXSP */
    uint16_t    flags;               /* KZ_TOK_* */
    kz_spelling sp[KZ_TOKEN_MAXSP];  /* sp[0] is text[start..end) for words */
} kz_token;

typedef struct kz_normtext {
    const char     *text;            /* normalized UTF-8, NUL-terminated */
    size_t          len;
    const uint32_t *src_start;       /* per normalized byte: first original byte */
    const uint32_t *src_end;         /* per normalized byte: one past its last original byte */
    const kz_token *words;           /* the words, in order */
    size_t          nwords;
    const kz_token *joined;          /* parts joined by -, ., _ as one word (extra) */
    size_t          njoined;
    size_t          invalid;         /* invalid UTF-8 bytes replaced */
} kz_normtext;

typedef struct kz_norm kz_norm;

kz_norm *kz_norm_new(void);                 /* NULL on ENOMEM; thread-safe */
void kz_norm_free(kz_norm *n);              /* NULL-safe */

/* Normalize s[0..len).  0, KZ_ENOMEM or KZ_ETOOBIG. */
int kz_norm_run(kz_norm *n, const char *s, size_t len, kz_normtext *out);

/* Informal Latin writes some Cyrillic letters in ways that read back as
 * other letters: "vipilitsya" (i for ы), "vozdaianie" (ia for я; and iu
 * for ю, a kind of its own: as the Kazakh 2021 alphabet writes them),
 * "vstupay" (y for й; "mayor": йо as ё), "jihad" (j for дж), "ashilik"
 * (sh for щ).  The matcher adds every rule phrase also as if written so
 * (detect/scan.c), one variant per combination of these kinds.
 * kz_norm_variant() writes text[0..len) with the replacements of the kinds
 * in mask (bit k = kind k) into out, which has room for 2 * len bytes;
 * returns the length written, or 0 when nothing was replaced.
 * kz_norm_variant_kinds() is the mask of the kinds that would replace
 * something in text[0..len) (kind k in it when kz_norm_variant with mask
 * 1 << k returns non-zero), in one pass. */
#define KZ_NORM_VARIANT_KINDS 6
#define KZ_NORM_VARIANT_MAX   256      /* bytes of a phrase that gets variants */
size_t   kz_norm_variant(const char *text, size_t len, unsigned mask, char *out);
unsigned kz_norm_variant_kinds(const char *text, size_t len);

/* Map a normalized byte span [ns, ne) (ne > ns) to the original bytes. */
static inline void kz_norm_span(const kz_normtext *t, size_t ns, size_t ne,
                                uint32_t *os, uint32_t *oe)
{
    *os = t->src_start[ns];
    *oe = t->src_end[ne - 1];
}

#endif
