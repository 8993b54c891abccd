# tests/integration/lib.sh - what the integration scripts share: a temp
# directory, daemons stopped on exit, free loopback ports, and DNS checks.
# Sourced after T, HERE and KUZET are set.

PIDS=""
FAILS=0

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
die() { echo "FAIL: $*"; shift; for f in "$@"; do echo "--- $f"; tail -n 40 "$f" 2>/dev/null; done; exit 1; }

ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1

# a TCP port nothing listens on (the same number is used for UDP)
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_port=$((20000 + $$ % 12000))     # below the ephemeral range (32768 and up)
pick_port() {  # sets PORT (no subshell: next_port must advance)
    while ! port_free "$next_port"; do next_port=$((next_port + 1)); done
    PORT=$next_port
    next_port=$((next_port + 1))
}

# dig NAME at PORT: "NXDOMAIN", or the answer section's data, space-separated
ask() {
    local r
    r=$(dig @127.0.0.1 -p "$2" +time=2 +tries=2 +noall +comments +answer "$1" A 2>&1)
    if echo "$r" | grep -q "status: NXDOMAIN"; then echo NXDOMAIN; return; fi
    if ! echo "$r" | grep -q "status: NOERROR"; then echo "ERROR($(echo "$r" | grep -o 'status: [A-Z]*'))"; return; fi
    echo "$r" | awk '!/^;/ && NF >= 5 { printf "%s%s", sep, $4 " " $5; sep = " " }'
}
expect() {  # WHAT PORT NAME EXPECTED (asked again for 3 s: a reload may still be under way)
    local got
    for _ in $(seq 1 15); do
        got=$(ask "$3" "$2")
        [ "$got" = "$4" ] && break
        sleep 0.2
    done
    if [ "$got" = "$4" ]; then echo "ok: $1: $3 -> $got"; else fail "$1: $3 -> '$got', expected '$4'"; fi
}
wait_dns() {  # PORT LOG
    for _ in $(seq 1 50); do
        dig @127.0.0.1 -p "$1" +time=1 +tries=1 ok.test A 2>/dev/null | grep -q "status: NOERROR" && return 0
        sleep 0.2
    done
    die "no DNS answer on port $1" "$2"
}


# BIND on P_NAMED with zone "test" from named/test.zone and the RPZ
# named/rpz.zone as zone rpz.local; RPZ_ZONE_OPTS are added to that zone's
# statement (who may query or update it).  The files must exist; named is
# checked, started (as bind when root) and waited for; sets NAMED_PID.
start_named() {
    mkdir -p named && chmod 755 named
    local user=""
    if [ $ROOT -eq 1 ]; then chown bind named named/rpz.zone && user="-u bind"; fi
    chmod 644 named/test.zone named/rpz.zone
    cat > named/named.conf <<NAMED
options {
    directory "$T/named";
    pid-file "$T/named/named.pid";
    listen-on port $P_NAMED { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion yes;
    allow-recursion { 127.0.0.1; };
    dnssec-validation no;
    response-policy { zone "rpz.local"; } min-update-interval 0;
};
controls { };
zone "test" { type primary; file "$T/named/test.zone"; };
zone "rpz.local" { type primary; file "$T/named/rpz.zone"; $RPZ_ZONE_OPTS };
NAMED
    named-checkconf named/named.conf > named/check.log 2>&1 || die "named-checkconf refused the config" named/check.log
    named-checkzone rpz.local named/rpz.zone > named/check.log 2>&1 ||
        die "named-checkzone refused the RPZ export" named/check.log named/rpz.zone
    # shellcheck disable=SC2086
    named -g $user -c "$T/named/named.conf" > named/log 2>&1 &
    NAMED_PID=$!
    PIDS="$PIDS $NAMED_PID"
    wait_dns "$P_NAMED" named/log
}
