/*
 * url/url_int.h - private to src/url/: the helpers url.c (Safe Browsing
 * canonicalization) and whatwg.c (the host a browser contacts) share.
 * Not a public header.
 */
#ifndef KZ_URL_INT_H
#define KZ_URL_INT_H

#include "util/kz.h"

/* The value of a hex digit, or -1. */
static inline int kz__url_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Write the 16-byte IPv6 address a to o as "[...]": lowercase hex, no
 * leading zeros, the first longest run of two or more zero groups as "::"
 * (RFC 5952, which is also the WHATWG serialization).  o needs 42 bytes;
 * returns the length (no NUL written). */
size_t kz__url_fmt_ipv6(char *o, const unsigned char a[16]);

/* RFC 3492 punycode of the code points cp[0..n), after "xn--", appended to
 * o[*w..cap); advances *w.  false (o[*w..] undefined, *w unchanged) when it
 * does not fit or the arithmetic overflows. */
bool kz__url_punycode(const uint32_t *cp, size_t n, char *o, size_t *w, size_t cap);

#endif
