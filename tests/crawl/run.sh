#!/bin/sh
# tests/crawl/run.sh KUZET - the crawl end to end, on loopback only.
#
# Generates a fixture site (index, 30 pages, a folder robots.txt forbids,
# a page that breaks a rule, a redirect, a missing link, a text file, pages
# in windows-1251, KOI8-R and UTF-16 that break the rule - charset in the
# header for some, only in <meta> for others -, HTML served as text/plain,
# images, an RSS and an Atom feed whose items link to pages),
# serves it with nginx on a free port, builds and starts tests/crawl/hostile.c
# on another, and runs five crawls, printing a section for each:
#   == site      the fixture site (--allow-private), then `cases list --json`
#   == served    the User-Agent and Accept-Encoding nginx logged for it
#   == feeds     the two feeds as seeds: their items' pages are crawled
#   == hostile   the hostile server, its address allowed with --allow-addr
#                only, so the redirects to other private addresses are refused
#   == guard     the site again without --allow-private: the seed is refused
#   == unsigned  a flagged page crawled into a store whose audit key cannot be
#                loaded: stored, said, exit 1
# tests/t_crawl.c checks the output.  Servers are killed on exit.
set -u
KUZET=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/nginx.sh"
d=$(mktemp -d /tmp/kz-crawl.XXXXXX)
chmod 755 "$d"
npid=""; hpid=""
cleanup() {
    [ -n "$npid" ] && kill "$npid" 2>/dev/null
    [ -n "$hpid" ] && kill "$hpid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$d"
}
trap cleanup EXIT INT TERM

cc -O1 -o "$d/hostile" "$here/hostile.c" -lz || { echo "cannot build hostile.c"; exit 1; }
NPORT=$("$d/hostile" --free-port)
HPORT=$("$d/hostile" --free-port)
while [ "$HPORT" = "$NPORT" ]; do HPORT=$("$d/hostile" --free-port); done

# ---- the fixture site
w="$d/www"
mkdir -p "$w/private" "$w/deep"
{
    echo '<!doctype html><html lang="ru"><title>Fixture</title>'
    echo '<link rel="alternate" type="application/rss+xml" href="/feed.rss"><body><h1>Index</h1><ul>'
    i=1; while [ $i -le 30 ]; do echo "<li><a href=\"p$i.html\">page $i</a>"; i=$((i+1)); done
    echo '<li><a href="/private/secret.html">secret</a>'
    echo '<li><a href="old.html">moved</a> <a href="missing.html">gone</a>'
    echo '<li><a href="notes.txt">notes</a> <a href="mailto:x@example.org">mail</a>'
    echo '<li><a href="http://example.org/offsite.html">elsewhere</a>'
    echo '<li><a href="p1.html#top">again</a> <a rel="nofollow" href="deep/nofollow.html">nf</a>'
    echo '<li><a href="cs/h1251/page.html">1251 (header)</a> <a href="cs/hkoi8/page.html">koi8 (header)</a>'
    echo '<li><a href="meta-1251.html">1251 (meta)</a> <a href="meta-koi8.html">koi8 (meta)</a>'
    echo '<li><a href="nd/1251.html">1251 (undeclared)</a> <a href="nd/koi8.html">koi8</a> <a href="nd/866.html">866</a> <a href="nd/iso5.html">iso-8859-5</a>'
    echo '<li><a href="utf16.html">utf-16</a> <a href="page.txt">html as text</a> <a href="atom.xml">atom</a>'
    echo '<li><img src="photo.jpg"> <img src="photo.png"> <img srcset="photo.webp 1x"> <img src="photo.gif">'
    echo '<li><img src="photo.png" alt="again"> <img src="fake.png">'
    echo '<li><picture><source type="image/avif" srcset="no.avif"><source srcset="small.webp 1x, pic.webp 2x"><img src="photo.jpg"></picture>'
    echo '<li><div style="color: red; background-image: url(&quot;bg.jpg&quot;)">background</div>'
    echo '</ul></body></html>'
} > "$w/index.html"
i=1
while [ $i -le 30 ]; do
    printf '<!doctype html><title>Page %d</title><p>An ordinary page number %d about weather and bread.\n<a href="index.html">home</a> <a href="deep/d%d.html">deeper</a>\n' $i $i $i > "$w/p$i.html"
    printf '<!doctype html><title>Deep %d</title><p>Too deep to be reached with --depth 1.\n' $i > "$w/deep/d$i.html"
    i=$((i+1))
done
# p7 breaks a rule
printf '<!doctype html><title>Bad</title><p>Кто хочет взорвать школу, пиши.\n<a href="index.html">home</a>\n' > "$w/p7.html"
printf '<!doctype html><p>secret page, never fetched</p>\n' > "$w/private/secret.html"
printf 'plain notes, not html\n' > "$w/notes.txt"
# the rule's phrase in other charsets
mkdir -p "$w/cs/h1251" "$w/cs/hkoi8" "$w/news"
phrase='Кто хочет взорвать школу, пиши.'
printf '<!doctype html><title>1251</title><p>%s\n' "$phrase" | iconv -f UTF-8 -t WINDOWS-1251 > "$w/cs/h1251/page.html"
printf '<!doctype html><title>koi8</title><p>%s\n' "$phrase" | iconv -f UTF-8 -t KOI8-R > "$w/cs/hkoi8/page.html"
printf '<!doctype html><html><head><meta charset="windows-1251"><title>m</title></head><p>%s\n' "$phrase" \
    | iconv -f UTF-8 -t WINDOWS-1251 > "$w/meta-1251.html"
printf '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><p>%s\n' "$phrase" \
    | iconv -f UTF-8 -t KOI8-R > "$w/meta-koi8.html"
# the same page in four charsets, declared nowhere (no header, no <meta>,
# no BOM): the bytes decide
mkdir -p "$w/nd"
for cs in 1251:WINDOWS-1251 koi8:KOI8-R 866:IBM866 iso5:ISO-8859-5; do
    printf '<!doctype html><title>%s</title><p>Объявление в нашем городском чате. %s
' "${cs%%:*}" "$phrase" |
        iconv -f UTF-8 -t "${cs#*:}" > "$w/nd/${cs%%:*}.html"
done
printf '<!doctype html><title>u16</title><p>%s\n' "$phrase" | iconv -f UTF-8 -t UTF-16 > "$w/utf16.html"
printf '<!doctype html><title>as text</title><p>HTML that nginx serves as text/plain.\n' > "$w/page.txt"
printf 'not really an image\n' > "$w/fake.png"
for f in photo.jpg photo.png photo.webp photo.gif; do cp "$here/../data/images/$f" "$w/$f"; done
cp "$here/../data/images/photo.webp" "$w/pic.webp"    # the 2x of a <picture>'s <source>
cp "$here/../data/images/photo.jpg" "$w/bg.jpg"       # a style="background-image"
printf '<!doctype html><title>News 1</title><p>Bread prices are stable.\n' > "$w/news/1.html"
printf '<!doctype html><title>News 2</title><p>%s\n' "$phrase" > "$w/news/2.html"
printf '<!doctype html><title>News 3</title><p>Weather: rain.\n' > "$w/news/3.html"
cat > "$w/feed.rss" <<F
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Fixture news</title><link>http://127.0.0.1:$NPORT/</link>
<item><title>One</title><link>/news/1.html</link><description>&lt;p&gt;About &lt;b&gt;bread&lt;/b&gt;</description></item>
<item><title>Two</title><link>http://127.0.0.1:$NPORT/news/2.html</link><description>A story</description></item>
</channel></rss>
F
cat > "$w/atom.xml" <<F
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://127.0.0.1:$NPORT/news/"><title>Fixture atom</title>
<entry><title>Three</title><link href="3.html"/><summary type="html">&lt;p&gt;rain&lt;/p&gt;</summary></entry>
<entry><title>Two again</title><link rel="alternate" href="2.html"/></entry>
<entry><title>Elsewhere</title><link href="http://example.org/x.html"/></entry>
</feed>
F
printf 'User-agent: *\nDisallow: /private/\nSitemap: http://127.0.0.1:%s/sitemap-index.xml\nSitemap: http://example.org/sitemap.xml\n' \
    "$NPORT" > "$w/robots.txt"
# sitemaps: an index (in robots.txt) of a urlset, a gzip'd urlset, an index
# (not followed: one level of indexes) and a file that is no sitemap; the
# pages under sm/ are linked from nowhere else
mkdir -p "$w/sm"
cat > "$w/sitemap-index.xml" <<F
<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://127.0.0.1:$NPORT/sm/one.xml</loc><lastmod>2026-01-01</lastmod></sitemap>
<sitemap><loc> http://127.0.0.1:$NPORT/sm/two.xml.gz </loc></sitemap>
<sitemap><loc>http://127.0.0.1:$NPORT/sm/nested.xml</loc></sitemap>
<sitemap><loc>http://127.0.0.1:$NPORT/sm/bad.xml</loc></sitemap>
</sitemapindex>
F
cat > "$w/sm/one.xml" <<F
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://127.0.0.1:$NPORT/sm/a.html</loc><priority>0.5</priority></url>
<url><loc>http://127.0.0.1:$NPORT/sm/b.html?x=1&amp;y=2</loc></url>
<url><loc>http://example.org/x.html</loc></url>
<url><loc>http://127.0.0.1:$NPORT/p1.html</loc></url>
</urlset>
F
printf '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1:%s/sm/c.html</loc></url></urlset>\n' \
    "$NPORT" | gzip -c > "$w/sm/two.xml.gz"
printf '<sitemapindex><sitemap><loc>http://127.0.0.1:%s/sm/d.html</loc></sitemap></sitemapindex>\n' "$NPORT" \
    > "$w/sm/nested.xml"
printf '<html><body>not a sitemap</body></html>\n' > "$w/sm/bad.xml"
printf '<!doctype html><title>SM A</title><p>Only in the sitemap.\n' > "$w/sm/a.html"
printf '<!doctype html><title>SM B</title><p>%s\n' "$phrase" > "$w/sm/b.html"
printf '<!doctype html><title>SM C</title><p>Gzip: %s\n' "$phrase" > "$w/sm/c.html"
printf '<!doctype html><title>SM D</title><p>%s\n' "$phrase" > "$w/sm/d.html"
cat > "$d/rules.yaml" <<'R'
categories:
  terrorism: { threshold: 50 }
rules:
  - id: terror-ru
    category: terrorism
    weight: 50
    phrases: ["взорвать школу"]
R
nginx_start "$d" "$NPORT" "$w" \
    "log_format ua '\$http_user_agent|\$http_accept_encoding'; access_log $d/nginx/logs/ua.log ua; gzip on; gzip_types text/plain;" \
    "location = /old.html { return 301 /p2.html; } location /cs/h1251/ { charset windows-1251; } location /cs/hkoi8/ { charset koi8-r; }" || exit 1
npid=$NGINX_PID
"$d/hostile" "$HPORT" "$here/../data/images/photo.jpg" &
hpid=$!
# wait until both answer (up to 5 s)
n=0
until curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && curl -s -o /dev/null "http://127.0.0.1:$HPORT/"; do
    n=$((n+1)); [ $n -gt 50 ] && { echo "servers did not start"; cat "$d/nginx/logs/error.log"; exit 1; }
    sleep 0.1
done

export KUZET_DB="sqlite:$d/k.db"
"$KUZET" db init > /dev/null || exit 1

echo "http://127.0.0.1:$NPORT/" > "$d/seeds"
"$KUZET" crawl --seeds "$d/seeds" --rules "$d/rules.yaml" --depth 1 --delay 0 --allow-private \
    --contact https://kuzet.example/contact > "$d/out" 2> "$d/err"
echo "== site rc=$?"
cat "$d/err"
echo "== cases"
"$KUZET" cases list --json
echo "== served"
# the User-Agent and Accept-Encoding nginx saw (one line per distinct pair)
grep -v '^curl/' "$d/nginx/logs/ua.log" | sort -u      # (not the readiness probe above)

echo "== charsets"
# the charset each page was read in, and where it came from
sqlite3 "$d/k.db" "SELECT substr(url, instr(url, ':$NPORT/') + length(':$NPORT/')) || ' ' || charset || ' ' ||
    charset_source FROM crawl_urls WHERE charset IS NOT NULL AND url NOT GLOB '*/p[0-9]*.html' ORDER BY url"

echo "== verify"
# a crawled item keeps its URL as fetched, port and all, so kuzet verify can
# fetch it again: decide the p7 case, then verify finds the page present
sqlite3 "$d/k.db" "SELECT url FROM items WHERE url LIKE '%/p7.html'" | sed "s/:$NPORT\//:PORT\//"
c7=$(sqlite3 "$d/k.db" "SELECT c.id FROM cases c JOIN items i ON i.id = c.item_id WHERE i.url LIKE '%/p7.html'")
KUZET_PASSWORD=root-password-123 "$KUZET" users add root --role admin > /dev/null
for u in ann:reviewer al:analyst; do
    KUZET_PASSWORD=root-password-123 "$KUZET" users add "${u%%:*}" --role "${u#*:}" --as root |
        KUZET_NEW_PASSWORD="${u%%:*}-password-123" "$KUZET" users enrol - > /dev/null
done
KUZET_PASSWORD=al-password-123 "$KUZET" cases assign "$c7" --to ann --as al > /dev/null
KUZET_PASSWORD=ann-password-123 "$KUZET" cases decide "$c7" --measure removal_request \
    --legal-basis "Law, art. 5" --reasons "incitement on a public page" --scope KZ --days 30 \
    --as ann > /dev/null
"$KUZET" verify --allow-private --timeout 5000 --json > "$d/out" 2>&1
echo "verify rc=$?"
sed "s/:$NPORT\//:PORT\//g" "$d/out"

printf 'http://127.0.0.1:%s/feed.rss\nhttp://127.0.0.1:%s/atom.xml\n' "$NPORT" "$NPORT" > "$d/seeds3"
# a database of its own: the site crawl already saw the feeds' content
KUZET_DB="sqlite:$d/feeds.db" "$KUZET" db init > /dev/null || exit 1
KUZET_DB="sqlite:$d/feeds.db" "$KUZET" crawl --seeds "$d/seeds3" --rules "$d/rules.yaml" --depth 1 \
    --delay 0 --allow-private --json > "$d/out" 2> "$d/err"
echo "== feeds rc=$?"
cat "$d/err"
echo "-- json"
sed 's/"elapsed_ms":[0-9]*/"elapsed_ms":MS/' "$d/out"

echo "http://127.0.0.1:$HPORT/" > "$d/seeds2"
"$KUZET" crawl --seeds "$d/seeds2" --rules "$d/rules.yaml" --depth 1 --delay 0 \
    --allow-addr 127.0.0.1 --timeout 2000 --max-body 100000 > "$d/out" 2> "$d/err"
echo "== hostile rc=$?"
cat "$d/err"

"$KUZET" crawl --seeds "$d/seeds" --rules "$d/rules.yaml" --delay 0 > "$d/out" 2> "$d/err"
echo "== guard rc=$?"
cat "$d/err"

# a crawl that cannot sign what it stored (its audit key is a symbolic link
# to nothing) keeps it, says so, and exits 1
echo "http://127.0.0.1:$NPORT/p7.html" > "$d/seeds4"
KUZET_DB="sqlite:$d/unsigned.db" "$KUZET" db init > /dev/null || exit 1
ln -s "$d/nowhere" "$d/unsigned.db.audit-key"
KUZET_DB="sqlite:$d/unsigned.db" "$KUZET" crawl --seeds "$d/seeds4" --rules "$d/rules.yaml" \
    --depth 0 --delay 0 --allow-private > "$d/out" 2> "$d/err"
echo "== unsigned rc=$?"
sed "s|$d|DIR|g" "$d/err"
sqlite3 "$d/unsigned.db" "SELECT COUNT(*) || ' cases stored' FROM cases"
echo "== end"
