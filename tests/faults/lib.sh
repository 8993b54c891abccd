# tests/faults/lib.sh - sourced by the fault scripts: queries and checks on
# either backend.  Needs KUZET (the binary), DB (sqlite:PATH or
# postgresql://...) and WORK (a scratch directory).

fail() { echo "FAIL: $*"; exit 1; }

# q SQL: the rows, columns separated by '|'
q() {
    case "$DB" in
    postgres://*|postgresql://*) psql -X -A -t -q -v ON_ERROR_STOP=1 "$DB" -c "$1" ;;
    *) sqlite3 -batch "${DB#sqlite:}" "$1" ;;
    esac
}

# check_store INPUT...: the items are exactly the distinct URLs of the
# inputs, plus one item per distinct URL-less text; no item was created
# twice (one item.create entry each); one case per flagged item; the audit
# log verifies; on SQLite the file passes integrity_check.
check_store() {
    cat "$@" | grep -o '"url":"[^"]*"' | sed 's/"url":"\(.*\)"/\1/' | LC_ALL=C sort -u >"$WORK/want.urls"
    nourl=$(cat "$@" | grep -v '"url":' | sed 's/.*"text":"\([^"]*\)".*/\1/' | sort -u | wc -l)
    flagged=$(cat "$@" | grep 'закладка' | sed 's/.*"id":[0-9]*,//' | sort -u | wc -l)
    q "SELECT canonical_url FROM items WHERE canonical_url IS NOT NULL" | LC_ALL=C sort >"$WORK/got.urls" ||
        fail "cannot read the items"
    if ! cmp -s "$WORK/want.urls" "$WORK/got.urls"; then
        echo "items by URL differ from the input's distinct URLs (< input, > database):"
        diff "$WORK/want.urls" "$WORK/got.urls" | head -10
        fail "$(wc -l <"$WORK/want.urls") URLs in the input, $(wc -l <"$WORK/got.urls") items with a URL"
    fi
    got=$(q "SELECT COUNT(*) || '|' || COUNT(DISTINCT content_sha256) FROM items WHERE canonical_url IS NULL")
    [ "$got" = "$nourl|$nourl" ] || fail "items without URL (count|distinct contents): $got, expected $nourl|$nourl"
    got=$(q "SELECT (SELECT COUNT(*) FROM items) || '|' || (SELECT COUNT(*) FROM audit_log WHERE action = 'item.create')")
    want=$(( $(wc -l <"$WORK/want.urls") + nourl ))
    [ "$got" = "$want|$want" ] || fail "items|item.create entries: $got, expected $want|$want"
    got=$(q "SELECT COUNT(*) || '|' || COUNT(DISTINCT item_id) FROM cases")
    [ "$got" = "$flagged|$flagged" ] || fail "cases|items with a case: $got, expected $flagged|$flagged"
    key=$("$KUZET" audit key --db "$DB") || fail "audit key: $key"
    out=$("$KUZET" audit verify --db "$DB" --pubkey "$key" 2>&1) || fail "audit verify: $out"
    case "$out" in ok:*) ;; *) fail "audit verify: $out" ;; esac
    case "$DB" in
    postgres://*|postgresql://*) ;;
    *) got=$(q "PRAGMA integrity_check") && [ "$got" = ok ] || fail "integrity_check: $got" ;;
    esac
    echo "checked: $want items ($nourl without URL), $flagged cases; $out"
}
