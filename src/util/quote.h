/*
 * util/quote.h - a value quoted back in a message (a rule's phrase, a bad
 * regex): at most 60 bytes of it, cut at a character boundary and marked
 * "...", with control characters, bidirectional controls and invalid bytes
 * shown as '?', so that a message stays one readable line whatever the input.
 */
#ifndef KZ_QUOTE_H
#define KZ_QUOTE_H

#include "kz.h"

#define KZ_QUOTE_BUF 96

/* Writes the quoted form of s[0..n) to out (NUL-terminated) and returns out. */
const char *kz_quote(char out[KZ_QUOTE_BUF], const char *s, size_t n);

#endif
