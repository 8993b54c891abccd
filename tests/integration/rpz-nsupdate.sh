#!/bin/bash
# tests/integration/rpz-nsupdate.sh - the RPZ built from the decisions in
# effect, loaded by BIND as a dynamic primary zone; after decisions change,
# the changes since the loaded serial (`kuzet export rpz-changes --since N`)
# are applied with nsupdate, and names change state as they should.
#
#   tests/integration/rpz-nsupdate.sh KUZET_BINARY
#
# Decisions are made through the real workflow (users, ingest, assign,
# decide, approve, appeal).  BIND listens on a loopback port; its files and
# the database live in one temporary directory, removed on exit.
set -u

KUZET=$(realpath "${1:?usage: rpz-nsupdate.sh KUZET_BINARY}")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/kuzet-rpz-it.XXXXXX)
chmod 755 "$T"
. "$HERE/lib.sh"

for prog in named named-checkconf dig nsupdate; do
    command -v "$prog" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v "$prog" >/dev/null 2>&1 || { echo "skipped: $prog is not installed (scripts/setup installs TEST_PKGS)"; rm -rf "$T"; exit 77; }
done
pick_port; P_NAMED=$PORT
cd "$T" || exit 1

# ---- decisions through the workflow -------------------------------------------
export KUZET_DB="$T/k.db"
cat > rules.yaml <<'EOF'
rules:
  - {id: drugs, category: drugs, weight: 50, phrases: [закладка]}
EOF
cat > posts.jsonl <<'EOF'
{"id":"p1","url":"https://forum.test/t/1","text":"Продам закладка"}
{"id":"p2","url":"https://chat.test/m/2","text":"закладка, пиши"}
{"id":"p3","url":"https://shop.test/p/3","text":"закладка оптом"}
EOF
run() {  # WHO ARGS...: a kuzet command as WHO; its output goes to the log
    local who=$1; shift
    KUZET_PASSWORD="$who-password-123" "$KUZET" "$@" >> kuzet.log 2>&1 ||
        die "kuzet $* (as $who) failed" kuzet.log
}
"$KUZET" db init > kuzet.log 2>&1 || die "kuzet db init failed" kuzet.log
"$KUZET" ingest --rules rules.yaml --quiet posts.jsonl >> kuzet.log 2>&1 || die "ingest failed" kuzet.log
run root users add root --role admin
for u in ann:reviewer bob:reviewer sue:supervisor al:analyst; do
    KUZET_PASSWORD=root-password-123 "$KUZET" users add "${u%%:*}" --role "${u#*:}" --as root |
        KUZET_NEW_PASSWORD="${u%%:*}-password-123" "$KUZET" users enrol - >> kuzet.log 2>&1 ||
        die "kuzet users add/enrol ${u%%:*} failed" kuzet.log
done
for c in 1 2 3; do
    run al cases assign $c --to ann --as al
    run ann cases decide $c --measure domain_block --legal-basis "Law on Communications, art. 41-1" \
        --reasons "case $c" --scope KZ --until 2099-12-31 --as ann
done
run sue cases approve 1 --as sue
run sue cases approve 2 --as sue                  # case 3 awaits approval: not in the list

# ---- BIND with the RPZ as a dynamic zone -------------------------------------
mkdir -p named
"$KUZET" export rpz --db "$KUZET_DB" --origin rpz.local --out named/rpz.zone 2>> kuzet.log || die "export rpz failed" kuzet.log
SERIAL=$(awk '$3 == "SOA" || $4 == "SOA" { for (i = 1; i <= NF; i++) if ($i == "SOA") { print $(i + 3); exit } }' named/rpz.zone)
[ -n "$SERIAL" ] || die "no SOA serial in the export" named/rpz.zone
cat > named/test.zone <<'EOF'
$TTL 300
@      IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300
@      IN NS  localhost.
ok     IN A   192.0.2.1
forum  IN A   192.0.2.10
chat   IN A   192.0.2.20
shop   IN A   192.0.2.30
EOF
RPZ_ZONE_OPTS="allow-query { 127.0.0.1; }; allow-update { 127.0.0.1; };" start_named
N=$P_NAMED
expect "rpz serial $SERIAL" $N forum.test NXDOMAIN
expect "rpz serial $SERIAL" $N www.forum.test NXDOMAIN
expect "rpz serial $SERIAL" $N chat.test NXDOMAIN
expect "rpz serial $SERIAL" $N shop.test "A 192.0.2.30"
expect "rpz serial $SERIAL" $N ok.test "A 192.0.2.1"

# ---- the decisions change; the changes go to BIND as an update -------------------
run sue cases approve 3 --as sue                  # shop.test: now blocked
run al cases appeal 2 --by platform --grounds "a support forum" --as al
run bob cases resolve-appeal 2 --outcome reversed --reasons "not an offer" --as bob   # chat.test lifted
"$KUZET" export rpz --db "$KUZET_DB" --origin rpz.local > /dev/null 2>> kuzet.log || die "export rpz failed" kuzet.log
"$KUZET" export rpz-changes --db "$KUZET_DB" --since "$SERIAL" --origin rpz.local > changes.txt 2>> kuzet.log ||
    die "export rpz-changes failed" kuzet.log
grep -q "^update add shop.test.rpz.local" changes.txt || die "shop.test is not added" changes.txt
grep -q "^update delete chat.test.rpz.local" changes.txt || die "chat.test is not deleted" changes.txt
{ echo "server 127.0.0.1 $P_NAMED"; cat changes.txt; } > nsupdate.txt
nsupdate -v nsupdate.txt > nsupdate.log 2>&1 || die "nsupdate refused kuzet's changes" nsupdate.log nsupdate.txt named/log
expect "after nsupdate" $N shop.test NXDOMAIN
expect "after nsupdate" $N a.shop.test NXDOMAIN
expect "after nsupdate" $N chat.test "A 192.0.2.20"
expect "after nsupdate" $N forum.test NXDOMAIN
expect "after nsupdate" $N ok.test "A 192.0.2.1"

echo "--- $FAILS failed"
[ "$FAILS" -eq 0 ]
