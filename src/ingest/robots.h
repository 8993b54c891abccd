/*
 * ingest/robots.h - robots.txt (RFC 9309): parse once, then decide URLs.
 *
 * The crawler asks this module before it fetches anything.  Parsing and
 * matching follow RFC 9309 and, where the RFC leaves room, Google's
 * open-source parser (github.com/google/robotstxt), so a site owner gets
 * from kuzet the answer they got from Googlebot:
 *
 *   - only the first KZ_ROBOTS_MAX_BODY bytes are read (a line cut by the
 *     limit is dropped); of each line only KZ_ROBOTS_MAX_LINE bytes;
 *   - a UTF-8 byte order mark (or a prefix of one) at the start is skipped;
 *     lines end at CR, LF or CRLF; '#' starts a comment; a NUL ends a line;
 *   - "key: value", keys case-insensitive and matched by prefix with
 *     Google's typo list ("useragent", "user agent", "disalow",
 *     "dissallow", "dissalow", "diasllow", "disallaw", "site-map"); a
 *     missing colon is accepted when the line is exactly two words
 *     ("disallow /x");
 *   - a group is one or more user-agent lines and the rules after them; it
 *     ends at the next user-agent line that follows a rule.  Other lines
 *     (sitemap, crawl-delay, unknown keys) never end a group.  Rules before
 *     the first user-agent line are ignored;
 *   - patterns are compared in one percent-encoded form: bytes >= 0x80,
 *     controls, space and a '%' starting no escape ("100%") are encoded
 *     as %XX, escapes are written with
 *     uppercase hex, and escapes of unreserved characters (A-Z a-z 0-9
 *     - . _ ~) are decoded (RFC 9309 2.2.2).  The URL path gets the same
 *     treatment, so "/caf%C3%A9", "/café" and "/caf%c3%a9" are one path.
 *
 * Deciding a URL for an agent: the agent's product token is its leading
 * run of [A-Za-z_-] ("Googlebot/2.1" -> "Googlebot"), compared without case
 * with the same cut of each user-agent value ("*" alone, or followed by
 * whitespace, is the global agent).  Every group naming the token applies
 * (merged); if there is none, every "*" group; if there is none either,
 * everything is allowed.  Of the rules that match the path (path + query,
 * no fragment), the longest pattern (in octets, after encoding) wins, allow
 * wins a tie, and no match means allowed.  '*' matches any run of bytes, a
 * final '$' anchors the end; an empty pattern matches with length 0 and so
 * never disallows.  "/robots.txt" itself is always allowed.  Google's
 * extra: "allow: /dir/index.htm..." also allows "/dir/".
 *
 * Thread-safety: a parsed kz_robots is read-only; any number of threads
 * may decide URLs against it at once.
 */
#ifndef KZ_ROBOTS_H
#define KZ_ROBOTS_H

#include "util/kz.h"
#include "util/buf.h"

#define KZ_ROBOTS_MAX_BODY  (500 * 1024)   /* bytes of robots.txt parsed */
#define KZ_ROBOTS_MAX_LINE  16663          /* bytes kept of one line (8 x 2083 - 1) */
#define KZ_ROBOTS_MAX_URL   65536          /* bytes of a URL or path to decide */

typedef struct kz_robots kz_robots;

/*
 * Parse body[0..n) (any bytes).  Content never fails: what cannot be read
 * is ignored, as the RFC asks.  0 with *out set (free with
 * kz_robots_free), or KZ_ENOMEM / KZ_EINVAL (out NULL, or body NULL with
 * n > 0).
 */
int kz_robots_parse(kz_robots **out, const char *body, size_t n);

/* NULL-safe; sets *rp to NULL. */
void kz_robots_free(kz_robots **rp);

/*
 * May the agent fetch the URL?  url[0..n) is "scheme://host[:port]/path
 * ?query#fragment", a scheme-relative "//host/path", a host without a scheme
 * ("example.com/a"), or a path starting with '/'.  Returns 1 (allowed),
 * 0 (disallowed), KZ_EINVAL (bad URL or agent; *why, when why is not
 * NULL, points to a static one-line reason) or KZ_ENOMEM.  line, when not
 * NULL, receives the line number of the rule that decided (0 when none
 * did).
 */
int kz_robots_allowed(const kz_robots *r, const char *agent,
                      const char *url, size_t n, unsigned *line, const char **why);

/* The same for a path (+ query) already cut from its URL; it should
 * start with '/' (an empty path is "/"). */
int kz_robots_allowed_path(const kz_robots *r, const char *agent,
                           const char *path, size_t n, unsigned *line);

/*
 * The crawl-delay that applies to the agent, chosen like the rules: the
 * groups naming its product token, else the "*" groups; the largest value
 * when several lines apply.  1 with *seconds set, 0 when none applies,
 * KZ_EINVAL for an agent without a product token.  Values must be a
 * non-negative decimal ("10", "0.5"); others are ignored.
 */
int kz_robots_crawl_delay(const kz_robots *r, const char *agent, double *seconds);

/* The sitemap URLs in file order, exact duplicates left out.  The strings
 * are lent: valid until kz_robots_free. */
size_t kz_robots_sitemap_count(const kz_robots *r);
const char *kz_robots_sitemap(const kz_robots *r, size_t i);

/*
 * Append the path + query of url[0..n) to out, in the comparison form
 * described above ("/" when the URL has no path).  0; KZ_EINVAL with *why
 * set (static) when url is unusable; KZ_ENOMEM/KZ_ETOOBIG from out.
 */
int kz_robots_url_path(const char *url, size_t n, kz_buf *out, const char **why);

/* Length of agent's product token (leading [A-Za-z_-]); 0 = unusable. */
size_t kz_robots_product_token(const char *agent);

#endif
