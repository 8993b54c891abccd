#!/bin/bash
# tests/integration/export.sh - kuzet's blocklist exports loaded by the real
# programs: Unbound (RPZ and local-zone), BIND (RPZ), Squid (dstdomain and
# url_regex ACLs) and dnsmasq (the hosts file), all from Debian packages
# (scripts/setup, TEST_PKGS).
#
#   tests/integration/export.sh KUZET_BINARY
#
# Every daemon listens on 127.0.0.1 on a port of its own, with its files in
# one temporary directory; all are stopped on exit.  Names are answered from
# a local zone (test.), so no outside network is needed.  A program that is
# missing or fails to start is a failure (with its log), never a skip.
# Run by tests/t_export_integration.c; prints "ok: ..." per check and
# exits 1 at the end if any check failed.
set -u

KUZET=$(realpath "${1:?usage: export.sh KUZET_BINARY}")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/kuzet-export-it.XXXXXX)
chmod 755 "$T"
. "$HERE/lib.sh"

for prog in unbound unbound-control unbound-checkconf named named-checkconf named-checkzone dig \
            squid busybox curl dnsmasq; do
    command -v "$prog" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v "$prog" >/dev/null 2>&1 || { echo "skipped: $prog is not installed (scripts/setup installs TEST_PKGS)"; rm -rf "$T"; exit 77; }
done

pick_port; P_UNBOUND=$PORT; pick_port; P_NAMED=$PORT; pick_port; P_SQUID=$PORT; pick_port; P_HTTP=$PORT

cd "$T" || exit 1

# ---- the lists and the local zone ------------------------------------------
cat > list1.txt <<'EOF'
domain blocked.test 1
domain a.blocked.test 2
url http://shop.test/bad/ 3
url http://shop.test/page.html 4
domain 192.0.2.77 5
domain bad_name.test 6
EOF
cat > list2.txt <<'EOF'
domain new.test 7
url http://shop.test/bad/ 3
EOF
cat > test.zone <<'EOF'
$TTL 300
@          IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300
@          IN NS  localhost.
ok         IN A   192.0.2.1
blocked    IN A   192.0.2.10
*.blocked  IN A   192.0.2.11
new        IN A   192.0.2.20
*.new      IN A   192.0.2.21
shop       IN A   192.0.2.30
landing    IN A   192.0.2.99
EOF

export_to() {  # FORMAT OUT LIST [options]: the export must succeed, or fail only for bad_name
    local fmt=$1 out=$2 list=$3
    shift 3
    "$KUZET" export "$fmt" --list "$list" --out "$out" "$@" 2> "$out.err"
    local rc=$?
    if [ $rc -ne 0 ] && ! { [ $rc -eq 1 ] && grep -q "bad_name.test" "$out.err"; }; then
        die "kuzet export $fmt --list $list $* exited $rc" "$out.err"
    fi
    chmod 644 "$out"
}

LAND="CNAME landing.test. A 192.0.2.99"

# ---- Unbound: RPZ -----------------------------------------------------------
mkdir -p unbound && chmod 755 unbound
[ $ROOT -eq 1 ] && chown unbound unbound
UB_USER='""'
[ $ROOT -eq 1 ] && UB_USER='"unbound"'
unbound_conf() {  # the blocking part of the config (rpz: clause or include:)
    cat > unbound/unbound.conf <<EOF
server:
    interface: 127.0.0.1
    port: $P_UNBOUND
    do-ip6: no
    chroot: ""
    username: $UB_USER
    directory: "$T/unbound"
    pidfile: "$T/unbound/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    module-config: "respip iterator"
    access-control: 127.0.0.0/8 allow
    local-zone: "test." nodefault
$1
auth-zone:
    name: "test."
    zonefile: "$T/test.zone"
    for-downstream: no
    for-upstream: yes
    fallback-enabled: no
remote-control:
    control-enable: yes
    control-interface: "$T/unbound/control.sock"
    control-use-cert: no
EOF
}
start_unbound() {
    unbound-checkconf "$T/unbound/unbound.conf" > unbound/checkconf.log 2>&1 ||
        die "unbound-checkconf refused the config" unbound/checkconf.log unbound/unbound.conf
    unbound -d -c "$T/unbound/unbound.conf" > unbound/log 2>&1 &
    UB_PID=$!
    PIDS="$PIDS $UB_PID"
    wait_dns "$P_UNBOUND" unbound/log
}
stop_unbound() {
    kill "$UB_PID" 2>/dev/null
    for _ in $(seq 1 25); do kill -0 "$UB_PID" 2>/dev/null || break; sleep 0.2; done
}
unbound_reload() {
    unbound-control -c "$T/unbound/unbound.conf" reload > unbound/control.log 2>&1 ||
        die "unbound-control reload failed" unbound/control.log unbound/log
    wait_dns "$P_UNBOUND" unbound/log
}

export_to rpz unbound/rpz.zone list1.txt --serial 1
unbound_conf "rpz:
    name: \"rpz.local.\"
    zonefile: \"$T/unbound/rpz.zone\""
start_unbound
U=$P_UNBOUND
expect "unbound rpz" $U blocked.test NXDOMAIN
expect "unbound rpz" $U a.blocked.test NXDOMAIN
expect "unbound rpz" $U x.y.blocked.test NXDOMAIN
expect "unbound rpz" $U ok.test "A 192.0.2.1"
expect "unbound rpz" $U shop.test "A 192.0.2.30"
expect "unbound rpz" $U new.test "A 192.0.2.20"

# the list changes: new serial, the zone reloaded alone
export_to rpz unbound/rpz.zone list2.txt --serial 2
unbound-control -c "$T/unbound/unbound.conf" auth_zone_reload rpz.local > unbound/control.log 2>&1 ||
    die "unbound-control auth_zone_reload failed" unbound/control.log unbound/log
expect "unbound rpz reloaded" $U new.test NXDOMAIN
expect "unbound rpz reloaded" $U www.new.test NXDOMAIN
expect "unbound rpz reloaded" $U blocked.test "A 192.0.2.10"
expect "unbound rpz reloaded" $U a.blocked.test "A 192.0.2.11"
expect "unbound rpz reloaded" $U ok.test "A 192.0.2.1"

# the landing host instead of NXDOMAIN; all of unbound reloaded
export_to rpz unbound/rpz.zone list1.txt --serial 3 --landing landing.test
unbound_reload
expect "unbound rpz landing" $U blocked.test "$LAND"
expect "unbound rpz landing" $U x.blocked.test "$LAND"
expect "unbound rpz landing" $U new.test "A 192.0.2.20"
expect "unbound rpz landing" $U ok.test "A 192.0.2.1"
grep -qiE "error|fail" unbound/log && fail "unbound logged errors: $(grep -iE 'error|fail' unbound/log | head -3)"
stop_unbound

# ---- Unbound: local-zone ----------------------------------------------------
export_to unbound unbound/blocklist.conf list1.txt
unbound_conf "include: \"$T/unbound/blocklist.conf\""
start_unbound
expect "unbound local-zone" $U blocked.test NXDOMAIN
expect "unbound local-zone" $U x.y.blocked.test NXDOMAIN
expect "unbound local-zone" $U ok.test "A 192.0.2.1"
expect "unbound local-zone" $U new.test "A 192.0.2.20"
export_to unbound unbound/blocklist.conf list2.txt --landing landing.test
unbound_reload
expect "unbound local-zone landing" $U new.test "$LAND"
expect "unbound local-zone landing" $U a.new.test "$LAND"
expect "unbound local-zone landing" $U blocked.test "A 192.0.2.10"
expect "unbound local-zone landing" $U ok.test "A 192.0.2.1"
stop_unbound

# ---- BIND: RPZ as a primary zone -------------------------------------------
mkdir -p named
cp test.zone named/test.zone
export_to rpz named/rpz.zone list1.txt --serial 1 --origin rpz.local
RPZ_ZONE_OPTS="allow-query { none; };" start_named
N=$P_NAMED
expect "bind rpz" $N blocked.test NXDOMAIN
expect "bind rpz" $N a.blocked.test NXDOMAIN
expect "bind rpz" $N x.y.blocked.test NXDOMAIN
expect "bind rpz" $N ok.test "A 192.0.2.1"
expect "bind rpz" $N new.test "A 192.0.2.20"
named_reload() {  # SERIAL: SIGHUP, then wait until that serial is loaded
    kill -HUP "$NAMED_PID"
    for _ in $(seq 1 50); do
        grep -q "zone rpz.local/IN: loaded serial $1" named/log && return 0
        sleep 0.2
    done
    die "named did not load serial $1 of rpz.local" named/log
}
export_to rpz named/rpz.zone list2.txt --serial 2
named_reload 2
expect "bind rpz reloaded" $N new.test NXDOMAIN
expect "bind rpz reloaded" $N www.new.test NXDOMAIN
expect "bind rpz reloaded" $N blocked.test "A 192.0.2.10"
expect "bind rpz reloaded" $N ok.test "A 192.0.2.1"
export_to rpz named/rpz.zone list1.txt --serial 3 --landing landing.test
named_reload 3
expect "bind rpz landing" $N blocked.test "$LAND"
expect "bind rpz landing" $N x.blocked.test "$LAND"
expect "bind rpz landing" $N ok.test "A 192.0.2.1"
grep -E "rpz.local.*(error|not loaded|ignoring)" named/log && fail "named complained about the RPZ zone"

# ---- Squid: dstdomain and url_regex ACLs ------------------------------------
mkdir -p squid/www/bad squid/www/good && chmod -R 755 squid
echo "origin index" > squid/www/index.html
echo "origin bad page" > squid/www/bad/page.html
echo "origin good page" > squid/www/good/x.html
echo "origin page" > squid/www/page.html
echo "origin page2" > squid/www/page.htmlx
chmod 644 squid/www/*.html squid/www/page.htmlx squid/www/*/*.html
HTTPD_USER=""
[ $ROOT -eq 1 ] && chown proxy squid && HTTPD_USER="-u nobody"
export_to squid-domains squid/domains.txt list1.txt
export_to squid-urls squid/urls.txt list1.txt
# shellcheck disable=SC2086
busybox httpd -f -p "127.0.0.1:$P_HTTP" -h "$T/squid/www" $HTTPD_USER > squid/httpd.log 2>&1 &
PIDS="$PIDS $!"
cat > squid/squid.conf <<EOF
http_port 127.0.0.1:$P_SQUID
pid_filename $T/squid/squid.pid
cache_log $T/squid/cache.log
access_log stdio:$T/squid/access.log
cache deny all
cache_mem 8 MB
coredump_dir $T/squid
netdb_filename none
pinger_enable off
shutdown_lifetime 0 seconds
$([ $ROOT -eq 1 ] && echo "cache_effective_user proxy")
acl kuzet_domains dstdomain "$T/squid/domains.txt"
acl kuzet_urls url_regex "$T/squid/urls.txt"
http_access deny kuzet_domains
http_access deny kuzet_urls
http_access allow localhost
http_access deny all
# every request goes to the local origin server, whatever its host
cache_peer 127.0.0.1 parent $P_HTTP 0 no-query no-digest originserver name=origin
never_direct allow all
EOF
squid -k parse -f squid/squid.conf > squid/parse.log 2>&1 || die "squid -k parse refused the config" squid/parse.log
grep -E "WARNING|ERROR" squid/parse.log && fail "squid warns about the ACL files"
squid -N -f squid/squid.conf > squid/out.log 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -x "http://127.0.0.1:$P_SQUID" http://ok.test/)
    [ "$code" = 200 ] && break
    sleep 0.2
done
[ "$code" = 200 ] || die "squid did not pass http://ok.test/ to the origin (got $code)" squid/out.log squid/cache.log squid/httpd.log
web() {  # URL EXPECTED: 403-squid (denied by squid), or the origin's status
    local h code what
    h=$(curl -s -D - -o /dev/null --max-time 5 -x "http://127.0.0.1:$P_SQUID" "$1")
    code=$(echo "$h" | awk 'NR == 1 { print $2 }')
    what=$code
    if [ "$code" = 403 ] && echo "$h" | grep -qi "^X-Squid-Error: ERR_ACCESS_DENIED"; then what=403-squid; fi
    if [ "$what" = "$2" ]; then echo "ok: squid: $1 -> $what"; else fail "squid: $1 -> '$what', expected '$2'"; fi
}
web http://ok.test/ 200
web http://blocked.test/ 403-squid
web http://BLOCKED.test/x 403-squid
web http://x.a.blocked.test/ 403-squid
web http://notblocked.test/ 200
web http://192.0.2.77/ 403-squid
web http://shop.test/bad/page.html 403-squid
web http://www.shop.test/bad/page.html 403-squid
web http://shop.test/bad 302                      # the origin's redirect to /bad/
web http://shop.test/good/x.html 200
web http://shop.test/page.html 403-squid
web "http://shop.test/page.html?a=1" 403-squid
web http://shop.test/page.htmlx 200
web http://notshop.test/bad/page.html 200

# ---- hosts: loaded by dnsmasq (as Pi-hole does), asked with dig -----------------
pick_port; P_DNSMASQ=$PORT
export_to hosts hosts.txt list1.txt
dnsmasq --no-daemon --port="$P_DNSMASQ" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --addn-hosts="$T/hosts.txt" --local=/test/ --user="$(id -un)" \
    --pid-file="$T/dnsmasq.pid" > dnsmasq.log 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 50); do
    dig @127.0.0.1 -p "$P_DNSMASQ" +time=1 +tries=1 blocked.test A 2>/dev/null | grep -q "status:" && break
    sleep 0.2
done
D=$P_DNSMASQ
expect "hosts (dnsmasq)" $D blocked.test "A 0.0.0.0"
expect "hosts (dnsmasq)" $D a.blocked.test "A 0.0.0.0"
expect "hosts (dnsmasq)" $D x.blocked.test NXDOMAIN     # a hosts file has no subdomains
expect "hosts (dnsmasq)" $D ok.test NXDOMAIN            # not in the file: the local domain's answer
grep -q "bad_name" hosts.txt && fail "hosts: the invalid name was written"

echo "--- $FAILS failed"
[ "$FAILS" -eq 0 ]
