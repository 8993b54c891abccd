/*
 * detect/hscache.h - compiled Hyperscan databases kept on disk, so a rule
 * file compiles once, not at every run (docs/performance.md "Ingest").
 *
 * A database is found by the SHA-256 of everything its compile takes: the
 * expressions, their flags and ids, the mode, the Hyperscan version and the
 * CPU Hyperscan compiles for.  Any change to a rule gives another key, so a
 * stale database is never used; the file also holds the SHA-256 of its
 * bytes, so a file cut short or damaged is compiled again and replaced.
 *
 * Where: $KUZET_RULE_CACHE when set ("off" or empty: no cache), else
 * $XDG_CACHE_HOME/kuzet/rules, else $HOME/.cache/kuzet/rules (no HOME: no
 * cache).  A compiled database decides what is detected, so it is read
 * only from a directory that is the user's own (owned by the effective
 * user, not writable by group or others) and from a regular file, not a
 * link, that is the user's own and writable by nobody else: whoever can
 * write there can already change what this user runs.  The directory is
 * made (0700) when missing; files are written whole under a temporary name
 * and renamed.  Any failure of the cache (unreadable, full disk, refused
 * modes) only means a compile: it never changes what is detected and is
 * never reported.
 */
#ifndef KZ_HSCACHE_H
#define KZ_HSCACHE_H

#include "util/kz.h"
#include <hs/hs.h>

/* hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, cerr)
 * through the cache.  *from_cache is 1 when the database was read from
 * it.  On a compile error, *cerr as hs_compile_multi gives it. */
hs_error_t kz_hscache_compile(const char *const *exprs, const unsigned *flags,
                              const unsigned *ids, unsigned n, hs_database_t **db,
                              hs_compile_error_t **cerr, int *from_cache);

/* The directory in use ("" when the cache is off), into out[0..outsz). */
void kz_hscache_dir(char *out, size_t outsz);

#endif
