#!/bin/sh
# tests/crawl/run.sh KUZET - the crawl end to end, on loopback only.
#
# Generates a fixture site (index, 30 pages, a folder robots.txt forbids,
# a page that breaks a rule, a redirect, a missing link, a text file),
# serves it with nginx on a free port, builds and starts tests/crawl/hostile.c
# on another, and runs three crawls, printing a section for each:
#   == site      the fixture site (--allow-private), then `cases list --json`
#   == hostile   the hostile server, its address allowed with --allow-addr
#                only, so the redirects to other private addresses are refused
#   == guard     the site again without --allow-private: the seed is refused
# tests/t_crawl.c checks the output.  Servers are killed on exit.
set -u
KUZET=$1
here=$(cd "$(dirname "$0")" && pwd)
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

cc -O1 -o "$d/hostile" "$here/hostile.c" || { echo "cannot build hostile.c"; exit 1; }
NPORT=$("$d/hostile" --free-port)
HPORT=$("$d/hostile" --free-port)
while [ "$HPORT" = "$NPORT" ]; do HPORT=$("$d/hostile" --free-port); done

# ---- the fixture site
w="$d/www"
mkdir -p "$w/private" "$w/deep"
{
    echo '<!doctype html><html lang="ru"><title>Fixture</title><body><h1>Index</h1><ul>'
    i=1; while [ $i -le 30 ]; do echo "<li><a href=\"p$i.html\">page $i</a>"; i=$((i+1)); done
    echo '<li><a href="/private/secret.html">secret</a>'
    echo '<li><a href="old.html">moved</a> <a href="missing.html">gone</a>'
    echo '<li><a href="notes.txt">notes</a> <a href="mailto:x@example.org">mail</a>'
    echo '<li><a href="http://example.org/offsite.html">elsewhere</a>'
    echo '<li><a href="p1.html#top">again</a> <a rel="nofollow" href="deep/nofollow.html">nf</a>'
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
printf 'User-agent: *\nDisallow: /private/\n' > "$w/robots.txt"
cat > "$d/rules.yaml" <<'R'
categories:
  terrorism: { threshold: 50 }
rules:
  - id: terror-ru
    category: terrorism
    weight: 50
    phrases: ["взорвать школу"]
R
mkdir -p "$d/nginx/logs" "$d/nginx/tmp"
cat > "$d/nginx/nginx.conf" <<N
daemon off;
master_process off;
pid $d/nginx/nginx.pid;
error_log $d/nginx/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $d/nginx/tmp/body;
    proxy_temp_path $d/nginx/tmp/proxy;
    fastcgi_temp_path $d/nginx/tmp/fastcgi;
    uwsgi_temp_path $d/nginx/tmp/uwsgi;
    scgi_temp_path $d/nginx/tmp/scgi;
    types { text/html html; text/plain txt; }
    gzip on;
    gzip_types text/plain;
    server {
        listen 127.0.0.1:$NPORT;
        root $w;
        location = /old.html { return 301 /p2.html; }
    }
}
N
nginx -p "$d/nginx" -e "$d/nginx/logs/error.log" -c "$d/nginx/nginx.conf" &
npid=$!
"$d/hostile" "$HPORT" &
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
# what nginx saw is not logged (access_log off); the crawl's own count is checked

echo "http://127.0.0.1:$HPORT/" > "$d/seeds2"
"$KUZET" crawl --seeds "$d/seeds2" --rules "$d/rules.yaml" --depth 1 --delay 0 \
    --allow-addr 127.0.0.1 --timeout 2000 --max-body 100000 > "$d/out" 2> "$d/err"
echo "== hostile rc=$?"
cat "$d/err"

"$KUZET" crawl --seeds "$d/seeds" --rules "$d/rules.yaml" --delay 0 > "$d/out" 2> "$d/err"
echo "== guard rc=$?"
cat "$d/err"
echo "== end"
