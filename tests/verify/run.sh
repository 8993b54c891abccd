#!/bin/bash
# tests/verify/run.sh KUZET [pg] - kuzet verify end to end, on loopback only.
#
# nginx on a free port serves seven pages that each hold a flagged post.
# The posts are ingested with those URLs; each case gets a removal request
# and a notice (the seventh a URL block, approved by a second person), and
# an eighth item points at a port where nothing listens.  Then the site
# changes the way platforms remove content:
#   a.html  deleted                          -> gone (404)
#   b.html  deleted, nginx answers 410       -> gone (410)
#   c.html  deleted, nginx answers 451       -> gone (451)
#   d.html  edited, the flagged text removed -> gone (hash-absent)
#   e.html  left as it was                   -> present
#   f.html  a "removed by a moderator" page that quotes the flagged text,
#           with the marker given in --removed-markers -> gone (removed-page)
#   g.html  (the URL block) deleted          -> gone (404)
# and the sections print what verify and the report say.  Then a.html comes
# back: its case is reopened; and d.html redirects to the home page (no
# verdict without a marker).  tests/t_verify.c checks the output.
# With "pg", the database is a new one on the server of $KUZET_TEST_PG.
set -u
KUZET=$1
. "$(cd "$(dirname "$0")/../.." && pwd)/scripts/nginx.sh"
MODE=${2:-sqlite}
T=$(mktemp -d /tmp/kz-verify.XXXXXX)
chmod 755 "$T"
npid=""
pg_db=""
cleanup() {
    [ -n "$npid" ] && kill "$npid" 2>/dev/null
    wait 2>/dev/null
    [ -n "$pg_db" ] && psql -X -q "$KUZET_TEST_PG" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# below the kernel's ephemeral range (32768 and up): a port there may be the
# local end of some connection, which a connect test calls free and bind() refuses
p=$((20000 + $$ % 12000))
while ! port_free $p; do p=$((p + 1)); done
PORT=$p
p=$((p + 1))
while ! port_free $p; do p=$((p + 1)); done
DEAD=$p                 # nothing listens here

if [ "$MODE" = pg ]; then
    [ -n "${KUZET_TEST_PG:-}" ] || { echo "KUZET_TEST_PG is not set"; exit 1; }
    pg_db=kt_verify_$$
    base=${KUZET_TEST_PG%%\?*}
    export KUZET_DB="${base%/*}/$pg_db${KUZET_TEST_PG#"$base"}"
    export KUZET_AUDIT_KEY="$T/audit.key"
    psql -X -q -v ON_ERROR_STOP=1 "$KUZET_TEST_PG" -c "CREATE DATABASE $pg_db" >/dev/null || exit 1
else
    export KUZET_DB="sqlite:$T/k.db"
fi

w="$T/www"
mkdir -p "$w" "$T/nginx/logs" "$T/nginx/tmp"
page() {  # FILE TEXT
    printf '<!doctype html><html lang="ru"><title>Форум</title><body><h1>Тема</h1>\n<div class="post"><p>%s</p></div>\n<footer>Правила форума</footer></body></html>\n' "$2" > "$w/$1"
}
for x in a b c d e f g; do page $x.html "Кто хочет взорвать школу, пиши. Пост $x."; done
nginx_start "$T" "$PORT" "$w" "" \
    "location = /b.html { try_files /b.html =410; } location = /c.html { try_files /c.html =451; } location = /d.html { if (-f $w/d-moved) { return 302 /index.html; } }" || exit 1
npid=$NGINX_PID

cat > "$T/rules.yaml" <<'R'
categories:
  terrorism: { threshold: 50 }
rules:
  - id: terror-ru
    category: terrorism
    weight: 50
    phrases: ["взорвать школу"]
R
: > "$T/posts.jsonl"
for x in a b c d e f g; do
    printf '{"id":"%s","url":"http://127.0.0.1:%s/%s.html","platform":"forum","text":"Кто хочет взорвать школу, пиши. Пост %s."}\n' $x $PORT $x $x >> "$T/posts.jsonl"
done
printf '{"id":"h","url":"http://127.0.0.1:%s/h.html","platform":"forum","text":"Кто хочет взорвать школу, пиши. Пост h."}\n' $DEAD >> "$T/posts.jsonl"

TS='s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g'
k() {  # WHO ARGS...: a command as that person; prints its output and a failure
    who=$1; shift
    KUZET_PASSWORD="$who-password-123" "$KUZET" "$@" > "$T/o" 2>&1 || { sed -E "$TS" "$T/o"; echo "exit $? ($*)"; }
}
"$KUZET" db init > /dev/null || exit 1
"$KUZET" ingest --rules "$T/rules.yaml" --quiet "$T/posts.jsonl" || exit 1
KUZET_PASSWORD=root-password-123 "$KUZET" users add root --role admin > /dev/null || exit 1
for u in ann:reviewer sue:supervisor al:analyst; do
    KUZET_PASSWORD=root-password-123 "$KUZET" users add "${u%%:*}" --role "${u#*:}" --as root |
        KUZET_NEW_PASSWORD="${u%%:*}-password-123" "$KUZET" users enrol - > /dev/null || exit 1
done
# cases 1-6 (a-f) and 8 (h): removal requests with notices; case 7 (g): a URL block
for c in 1 2 3 4 5 6 7 8; do
    k al cases assign $c --to ann --as al
    if [ $c = 7 ]; then
        k ann cases decide $c --measure url_block --legal-basis "Law, art. 41-1" --reasons "reasons $c" \
            --scope KZ --days 30 --as ann
        k sue cases approve $c --as sue
    else
        k ann cases decide $c --measure removal_request --legal-basis "Law, art. 5" --reasons "reasons $c" \
            --scope KZ --days 30 --as ann
        k al cases notify $c --as al
    fi
done
printf '# removal pages of the test forum\n127.0.0.1  Этот пост удалён модератором\n' > "$T/markers"
sorted() { sed -E "s/127.0.0.1:$PORT/SITE/; s/127.0.0.1:$DEAD/DEAD/; $TS" | sort; }
rep() { "$KUZET" report --from 2000-01-01 --to 2999-12-31 --format csv | grep -E '^(notices|time_to_removal),(sent|complied|complied_in_time|came_back|overdue|pending|removals_verified|items_verified_removed|overall\.n),'; }

echo "== guard"
# without --allow-private every fetch is refused: errors, nothing changes
"$KUZET" verify --removed-markers "$T/markers" > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out"
cat "$T/err"

echo "== before"
"$KUZET" verify --allow-private --timeout 3000 --removed-markers "$T/markers" > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out"
cat "$T/err"
rep

# the platform removes content, in every way (a second after the notices:
# the report counts checks after a notice, and times are to the second)
sleep 1
rm "$w/a.html" "$w/b.html" "$w/c.html" "$w/g.html"
page d.html "Пост d отредактирован автором."
page f.html "Этот пост удалён модератором. Причина: призыв «взорвать школу»."

echo "== removed"
"$KUZET" verify --allow-private --timeout 3000 --removed-markers "$T/markers" --json > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out"
cat "$T/err"
"$KUZET" cases list | sed -E "s/127.0.0.1:$PORT/SITE/; s/127.0.0.1:$DEAD/DEAD/"
rep

echo "== every"
# checked (present or gone) less than an hour ago: only the failed one again
"$KUZET" verify --allow-private --timeout 3000 --every 1h --removed-markers "$T/markers" > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out"
cat "$T/err"

echo "== one case"
# a liaison checks one case now, --every or not
"$KUZET" verify --allow-private --timeout 3000 --every 1h --case 5 > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out"
cat "$T/err"

echo "== returned"
# a second after the removal was seen: the report counts a check after it
# as the content coming back, and times are to the second
sleep 1
page a.html "Кто хочет взорвать школу, пиши. Пост a."
"$KUZET" verify --allow-private --timeout 3000 --removed-markers "$T/markers" > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out"
cat "$T/err"
"$KUZET" cases list --state reopened | sed -E "s/127.0.0.1:$PORT/SITE/"
"$KUZET" cases show 1 --json | sed -E "$TS" | tr ',' '\n' | grep -E '"(state|online_status|removed_at|reason|why|outcome)"'
k al cases notify 1 --as al
"$KUZET" cases show 1 | grep -E '^(state|  - [0-9])' | head -3
rep
"$KUZET" audit verify --pubkey "$("$KUZET" audit key)" > /dev/null && echo "audit ok"

echo "== redirected"
# d.html now sends visitors to the home page: without a marker, no verdict
touch "$w/d-moved"
page index.html "Добро пожаловать на форум"
"$KUZET" verify --allow-private --timeout 3000 --removed-markers "$T/markers" > "$T/out" 2> "$T/err"
echo "rc=$?"
sorted < "$T/out" | grep -E '/(d|e)\.html'
cat "$T/err"
"$KUZET" cases list --state verified | grep -c 'SITE/d.html\|/d.html'
echo "== end"
