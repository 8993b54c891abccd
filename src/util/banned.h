/*
 * util/banned.h - libc calls kuzet does not use.
 *
 * Each is unsafe with untrusted lengths or not thread-safe; using one is a
 * compile error.  Use snprintf, kz_buf, memcpy with a checked length,
 * gmtime_r and strtok_r instead.
 */
#ifndef KZ_BANNED_H
#define KZ_BANNED_H

#define KZ_BANNED(f) sorry_##f##_is_banned_in_kuzet

#undef strcpy
#define strcpy(x, y) KZ_BANNED(strcpy)
#undef strcat
#define strcat(x, y) KZ_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) KZ_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) KZ_BANNED(strncat)
#undef sprintf
#define sprintf(...) KZ_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) KZ_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) KZ_BANNED(strtok)
#undef gmtime
#define gmtime(t) KZ_BANNED(gmtime)
#undef localtime
#define localtime(t) KZ_BANNED(localtime)
#undef gets
#define gets(b) KZ_BANNED(gets)

#endif
