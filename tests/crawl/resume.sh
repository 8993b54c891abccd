#!/bin/sh
# tests/crawl/resume.sh KUZET - the persistent frontier end to end, on loopback.
#
# Generates a site of PAGES pages (each links to five others; every tenth
# breaks a rule; copy.html has the same text as p3.html), serves it with
# nginx on a free port with an access log, and:
#   1. starts `kuzet crawl --db ...`, SIGKILLs it once some pages are stored,
#      runs the same command again and interrupts it (SIGINT: it commits,
#      says so, exits 1), runs it a third time to the end, and checks that
#      every page was fetched, every flagged page is stored exactly once,
#      and that pages fetched again are at most those in flight or in the
#      last unflushed batch (per-host x origins + batch, after the kill;
#      per-host x origins after the interruption);
#   2. changes two pages, and re-crawls with --recrawl 1s: every page is
#      fetched again, only the changed ones are scanned, a newly flagged one
#      is stored;
#   3. runs again without --recrawl: nothing is due, so only the seed is
#      fetched (a new pass), and nothing else.
# Prints "ok: ..." or "FAIL: ..." lines and "== end"; exit status 1 on a
# failure.  tests/t_crawl_frontier.c runs it.
set -u
KUZET=$1
. "$(cd "$(dirname "$0")/../.." && pwd)/scripts/nginx.sh"
PAGES=${RESUME_PAGES:-3000}
PER_HOST=4
BATCH=256
d=$(mktemp -d /tmp/kz-resume.XXXXXX)
chmod 755 "$d"
npid=""; kpid=""
FAILS=0
cleanup() {
    [ -n "$kpid" ] && kill -9 "$kpid" 2>/dev/null
    [ -n "$npid" ] && kill "$npid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$d"
}
trap cleanup EXIT INT TERM
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
check() {  # WHAT GOT EXPECTED
    if [ "$2" = "$3" ]; then ok "$1: $2"; else fail "$1: got '$2', expected '$3'"; fi
}

# a free loopback port: bind port 0, print what the kernel chose
cat > "$d/port.c" <<'C'
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t n = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, n) || getsockname(s, (struct sockaddr *)&a, &n))
        return 1;
    printf("%d\n", ntohs(a.sin_port));
    return 0;
}
C
cc -o "$d/port" "$d/port.c" && PORT=$("$d/port") || { echo "FAIL: no free port"; exit 1; }
w="$d/www"
mkdir -p "$w"
awk -v n="$PAGES" -v dir="$w" 'BEGIN {
    for (i = 0; i < n; i++) {
        f = dir "/p" i ".html"
        printf "<!doctype html><html lang=\"ru\"><title>Page %d</title><body><p>Страница %d: погода, хлеб и новости района номер %d.\n", i, i, i > f
        if (i % 10 == 3) printf "<p>Кто хочет взорвать школу, пиши.\n" > f
        split((i + 1) % n " " (2 * i + 1) % n " " (2 * i + 2) % n " " (7 * i + 3) % n " " (13 * i + 5) % n, l, " ")
        for (k = 1; k <= 5; k++) printf "<a href=\"p%d.html\">p%d</a>\n", l[k], l[k] > f
        if (i == 0) printf "<a href=\"copy.html\">copy</a>\n" > f
        close(f)
    }
}'
cp "$w/p3.html" "$w/copy.html"
printf 'User-agent: *\nAllow: /\n' > "$w/robots.txt"
cat > "$d/rules.yaml" <<'R'
categories:
  terrorism: { threshold: 50 }
rules:
  - id: terror-ru
    category: terrorism
    weight: 50
    phrases: ["взорвать школу"]
R
nginx_start "$d" "$PORT" "$w" \
    "log_format uri '\$request_uri \$connection'; access_log $d/access.log uri; keepalive_requests 1000000;" ||
    { echo "FAIL: nginx did not start"; exit 1; }
npid=$NGINX_PID
: > "$d/access.log"

db="$d/k.db"
"$KUZET" db init --db "sqlite:$db" > /dev/null || { echo "FAIL: db init"; exit 1; }
echo "http://127.0.0.1:$PORT/p0.html" > "$d/seeds"
# --delay 1 with --per-host 4: about 1000 pages/s at most, so that the kill
# below lands in the middle of the crawl
# CRAWL_OPTS: more options for every crawl (the test runs this script once
# as it is and once with --one-thread)
crawl() {
    # shellcheck disable=SC2086
    "$KUZET" crawl --db "sqlite:$db" --seeds "$d/seeds" --rules "$d/rules.yaml" --depth 1000 \
        --max-pages 1000000 --delay 1 --per-host $PER_HOST --allow-private ${CRAWL_OPTS:-} "$@"
}
crawl_bg() {  # N: in the background, $! being kuzet itself (not a subshell)
    # shellcheck disable=SC2086
    "$KUZET" crawl --db "sqlite:$db" --seeds "$d/seeds" --rules "$d/rules.yaml" --depth 1000 \
        --max-pages 1000000 --delay 1 --per-host $PER_HOST --allow-private ${CRAWL_OPTS:-} \
        > "$d/out$1" 2> "$d/err$1" &
}
q() { sqlite3 "$db" "$1" 2>/dev/null; }
uris() { awk '{ print $1 }' "$d/access.log"; }     # the log: "URI CONNECTION" lines
total_pages=$((PAGES + 1))                  # with copy.html
flagged_pages=$((PAGES / 10 + (PAGES % 10 > 3 ? 1 : 0)))

# ---- 1. killed, and resumed
crawl_bg 1
kpid=$!
n=0
while :; do
    items=$(q "SELECT COUNT(*) FROM items")
    [ "${items:-0}" -ge 20 ] && break
    if ! kill -0 "$kpid" 2>/dev/null; then
        echo "FAIL: the crawl ended before it could be killed ($items items)"; cat "$d/err1"; exit 1
    fi
    n=$((n+1)); [ $n -gt 600 ] && { echo "FAIL: nothing stored after 30 s"; cat "$d/err1"; exit 1; }
    sleep 0.05
done
kill -9 "$kpid"
wait "$kpid" 2>/dev/null
kpid=""
first=$(uris | grep -c '\.html$')
echo "killed after $first page fetches, $items items committed"
[ "$first" -lt "$total_pages" ] || fail "the first run fetched everything before the kill"
done1=$(q "SELECT COUNT(*) FROM crawl_urls WHERE state = 'done'")
crawl_bg 2
kpid=$!
n=0
while :; do
    done2=$(q "SELECT COUNT(*) FROM crawl_urls WHERE state = 'done'")
    [ "${done2:-0}" -ge $((done1 + 300)) ] && break
    kill -0 "$kpid" 2>/dev/null || break
    n=$((n+1)); [ $n -gt 600 ] && break
    sleep 0.05
done
kill -INT "$kpid"
wait "$kpid"
rc=$?
kpid=""
check "interrupted run exit status" "$rc" 1
grep -q "resuming" "$d/err2" && ok "the second run resumed" || fail "no 'resuming' in: $(cat "$d/err2")"
grep -q "interrupted; what was fetched is kept" "$d/err2" && ok "the interruption was reported" \
    || fail "no 'interrupted' in: $(cat "$d/err2")"
crawl > "$d/out3" 2> "$d/err3"
rc=$?
check "third run exit status" "$rc" 0
grep -q "resuming" "$d/err3" && ok "the third run resumed" || fail "no 'resuming' in: $(cat "$d/err3")"
check "distinct pages fetched" "$(uris | grep '\.html$' | sort -u | wc -l)" "$total_pages"
fetches=$(uris | grep -c '\.html$')
again=$((fetches - total_pages))
bound=$((PER_HOST * 1 + BATCH + PER_HOST * 1))
echo "page fetches: $fetches for $total_pages pages ($again fetched twice; at most $bound allowed)"
[ "$again" -le "$bound" ] && ok "re-fetched $again <= $bound" || fail "re-fetched $again pages, more than $bound"
check "items (flagged pages, copy.html not stored)" "$(q "SELECT COUNT(*) || '/' || COUNT(DISTINCT canonical_url) FROM items")" "$flagged_pages/$flagged_pages"
check "cases" "$(q "SELECT COUNT(*) FROM cases")" "$flagged_pages"
check "detections (one each)" "$(q "SELECT COUNT(*) FROM detections")" "$flagged_pages"
check "p3 or its copy stored once" "$(q "SELECT COUNT(*) FROM items WHERE canonical_url LIKE '%/p3.html' OR canonical_url LIKE '%/copy.html'")" 1
check "frontier: all done" "$(q "SELECT state || ':' || COUNT(*) FROM crawl_urls GROUP BY state")" "done:$total_pages"
check "robots.txt fetched once per run" "$(uris | grep -c '^/robots.txt$')" 3

# ---- 2. --recrawl: everything due again; only changed pages scanned
sed -i 's/погода/ПОГОДА/' "$w/p15.html"
sed -i 's/<body>/<body><p>Кто хочет взорвать школу, пиши./' "$w/p5.html"
sleep 2
: > "$d/access.log"
crawl --recrawl 1s > "$d/out4" 2> "$d/err4"
check "recrawl exit status" "$?" 0
grep -q "($total_pages due again)" "$d/err4" && ok "all $total_pages due again" || fail "not all due: $(head -1 "$d/err4")"
check "recrawl fetched every page once" "$(uris | grep -c '\.html$')" "$total_pages"
conns=$(awk '{ print $2 }' "$d/access.log" | sort -u | wc -l)
[ "$conns" -ge 1 ] && [ "$conns" -le $PER_HOST ] && ok "connections used: $conns (--per-host $PER_HOST)" \
    || fail "$conns connections used with --per-host $PER_HOST"
grep -q "$((total_pages - 2)) unchanged" "$d/err4" && ok "$((total_pages - 2)) unchanged" || fail "unchanged count: $(tail -1 "$d/err4")"
check "items after recrawl (p5 now flagged)" "$(q "SELECT COUNT(*) FROM items")" "$((flagged_pages + 1))"
check "p5 stored" "$(q "SELECT COUNT(*) FROM items WHERE canonical_url LIKE '%/p5.html'")" 1

# ---- 3. again at once, without --recrawl: a new pass from the seed only
: > "$d/access.log"
crawl > "$d/out5" 2> "$d/err5"
check "new pass exit status" "$?" 0
check "new pass fetched only the seed" "$(uris | grep '\.html$' | tr '\n' ' ')" "/p0.html "
grep -q "1 unchanged" "$d/err5" && ok "the seed was unchanged" || fail "seed: $(tail -1 "$d/err5")"
check "fetch count of p0 in the frontier" "$(q "SELECT fetches FROM crawl_urls WHERE url LIKE '%/p0.html'")" 3

if [ "$FAILS" -gt 0 ]; then
    for f in err1 err2 err3 err4 err5; do echo "--- $f"; tail -n 5 "$d/$f"; done
fi
echo "== end"
[ "$FAILS" -eq 0 ]
