/*
 * act/export.h - blocklist exports in the formats resolvers and proxies load.
 *
 * From an array of entries (a domain block: a canonical host; a URL block:
 * a canonical URL, url/url.h) the writers produce
 *
 *   RPZ           a DNS Response Policy Zone (Unbound, BIND, Knot, PowerDNS)
 *   UNBOUND       Unbound "local-zone:" configuration, for include:
 *   HOSTS         "0.0.0.0 name" lines (no subdomains: hosts files cannot)
 *   SQUID_DOMAINS a dstdomain ACL file (".name", overlaps removed)
 *   SQUID_URLS    a url_regex ACL file of anchored, escaped regexes
 *   CSV, JSON     every entry with its decision, legal basis and dates
 *                 (JSON: JSON Lines, one object per entry)
 *   HASH_PREFIXES SHA-256 of each entry's Safe Browsing expression ("host/"
 *                 or "host/path[?query]"): sorted, unique 4-byte prefixes in
 *                 hex, or with opts.full the full 32-byte hashes
 *
 * Blocking only ever happens through such lists, applied by the resolver or
 * proxy that loads them; nothing here touches traffic.
 *
 * What a format cannot express is left out, and said so in a comment line
 * of the file: URL entries in the DNS formats (RPZ, UNBOUND, HOSTS), IP
 * address hosts in the DNS formats, domain entries in SQUID_URLS, URL
 * entries in SQUID_DOMAINS.  What a format could express but the entry is
 * not valid for (a host that is not a DNS name: labels of 1-63 letters,
 * digits and inner hyphens, at most 253 bytes, and for RPZ at most 255 on
 * the wire with the zone origin appended, "*." included) is reported
 * through opts->reject and left out, so an export never has a line its
 * consumer refuses.  Exact duplicates are written once (CSV and JSON keep
 * every entry).
 *
 * Output depends only on the entries and the options (no clock), in the
 * order of the entries.  Everything is thread-safe (no shared state).
 */
#ifndef KZ_EXPORT_H
#define KZ_EXPORT_H

#include "util/kz.h"
#include "util/buf.h"

/* KZ_EXPORT_GEO: a geo-restriction of a canonical URL (a decision for
 * platforms, within a territorial scope): only CSV and JSON carry it; every
 * other format leaves it out, with a comment line where the format has a
 * header. */
enum kz_export_kind { KZ_EXPORT_DOMAIN, KZ_EXPORT_URL, KZ_EXPORT_GEO };

/* One blocking decision as the exports see it.  The writers only read it. */
typedef struct kz_export_entry {
    int kind;                  /* enum kz_export_kind */
    const char *target;        /* canonical host ("example.com", "1.2.3.4",
                                  "[::1]") or canonical URL ("http://h/p") */
    int64_t id;                /* decision id */
    const char *legal_basis;   /* or NULL */
    const char *starts, *ends; /* UTC text ("2026-11-22T00:00:00Z") or NULL */
} kz_export_entry;

enum kz_export_format {
    KZ_EXPORT_RPZ, KZ_EXPORT_UNBOUND, KZ_EXPORT_HOSTS, KZ_EXPORT_SQUID_DOMAINS,
    KZ_EXPORT_SQUID_URLS, KZ_EXPORT_CSV, KZ_EXPORT_JSON, KZ_EXPORT_HASH_PREFIXES,
    KZ_EXPORT__COUNT
};

/* "rpz", "unbound", "hosts", "squid-domains", "squid-urls", "csv", "json",
 * "hash-prefixes" <-> enum.  _parse returns KZ_EINVAL for an unknown name;
 * _name returns NULL for a bad value. */
int kz_export_format_parse(const char *name);
const char *kz_export_format_name(int format);

/* Called for each entry a format left out because it is not valid for it;
 * index is the entry's position in the array; why is valid during the call. */
typedef void (*kz_export_reject_fn)(void *arg, const kz_export_entry *e, size_t index,
                                    const char *why);

typedef struct kz_export_opts {
    /* RPZ: the SOA serial.  It must grow (RFC 1982 arithmetic) with every
     * change of the list, or secondaries and resolvers that transfer or
     * reload the zone keep the old one: that is the caller's job (the CLI
     * uses the current time unless given --serial). */
    uint32_t serial;
    const char *origin;   /* RPZ: the zone's name, for the length check (the
                             file uses names relative to it); NULL: "rpz.local" */
    const char *landing;  /* RPZ, UNBOUND: CNAME blocked names to this host
                             (serving the block page); NULL: NXDOMAIN */
    uint32_t ttl;         /* RPZ $TTL and UNBOUND local-data TTL; 0: 300 */
    bool full;            /* HASH_PREFIXES: full hashes instead of prefixes */
    const char *const *scope; /* CSV, JSON: when not NULL, the territorial scope
                             of each entry (scope[i], NULL for none), as a
                             last column / a "scope" field */
    kz_export_reject_fn reject;   /* may be NULL */
    void *arg;
} kz_export_opts;

/*
 * Append the export of e[0..n) in format to out.  *rejected (when not NULL)
 * is the number of entries reported through o->reject.  Returns 0;
 * KZ_EINVAL for a bad format or a bad o->origin / o->landing (not a DNS
 * name, see kz_export_name_why); KZ_ENOMEM / KZ_ETOOBIG from out; or
 * KZ_EINTERNAL when SHA-256 is not available.  On error out may hold part
 * of the export.
 */
int kz_export_write(kz_buf *out, int format, const kz_export_entry *e, size_t n,
                    const kz_export_opts *o, size_t *rejected);

/* The same, written to f (an export is built in memory first, then written
 * at once).  KZ_EIO when writing fails. */
int kz_export_fwrite(FILE *f, int format, const kz_export_entry *e, size_t n,
                     const kz_export_opts *o, size_t *rejected);

/* NULL when name (a trailing dot allowed) is a valid DNS host name as the
 * exports require, else why not (static text). */
const char *kz_export_name_why(const char *name);

/*
 * The list file that `kuzet check` and `kuzet export` read: one entry per
 * line, "domain HOST [ID]" or "url URL [ID]", '#' starts a comment, fields
 * separated by blanks.  ID defaults to the line number.  A domain may be
 * written as a host or a URL (its host is taken); both are canonicalized
 * as a browser reads them (kz_url_parse_browser: the host a browser
 * contacts), or, when a browser would refuse them, in kz_url_parse's form.
 * legal_basis, starts and ends are NULL (the list file has none).
 */
typedef struct kz_export_list {
    kz_export_entry *v;   /* targets owned by the list */
    size_t *line;         /* line number of v[i] */
    size_t n, cap, cap_line;
} kz_export_list;

#define KZ_EXPORT_LIST_MAX 50000000   /* entries; more is KZ_ETOOBIG */

void kz_export_list_init(kz_export_list *l);
void kz_export_list_release(kz_export_list *l);   /* NULL-safe; re-init to reuse */

/* Called for each bad line; why is valid during the call. */
typedef void (*kz_export_badline_fn)(void *arg, size_t line, const char *why);

/*
 * Append the entries of text[0..n) (any bytes) to l.  A bad line is
 * reported through bad (may be NULL) and left out; *nbad (when not NULL)
 * counts them.  0, KZ_ENOMEM or KZ_ETOOBIG (more than KZ_EXPORT_LIST_MAX
 * entries); entries parsed before an error stay in l.
 */
int kz_export_list_parse(kz_export_list *l, const char *text, size_t n,
                         kz_export_badline_fn bad, void *arg, size_t *nbad);

#endif
