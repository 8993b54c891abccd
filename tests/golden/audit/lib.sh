# tests/golden/audit/lib.sh - sourced by each case's cmd: a store made by
# the workflow, and a forger's tools to tamper with copies of it, on SQLite,
# or on PostgreSQL when the case runs from tests/golden/audit-pg/ (which
# sources store-pg/pg.sh and sets KT_AUDIT_DB).
#
#   DB               the store (a path, or a PostgreSQL URI)
#   flow             the workflow of cases/0001 on $DB (output dropped): ingest,
#                    accounts, a removal request, a URL block approved, a
#                    bank of two imported hashes, the block appealed and
#                    reversed (its bank entries taken out); sets PK (the audit key's public
#                    key, as `kuzet audit key` prints it) and CP (a checkpoint
#                    of the whole log, as `kuzet audit checkpoint` prints it)
#   copy NAME        a copy of $DB in C
#   sql DB SQL       run SQL there; rows as a|b
#   rechain DB FROM  recompute prev_hash and hash of the entries from FROM on,
#                    as kuzet computes them (what a forger who can write the
#                    database does after changing one)
#   k ARGS...        kuzet ARGS, its output (stdout and stderr) with times as
#                    TIME, the key file as KEY, the pinned key as PINNED and other keys and hashes
#                    as HEX, then "exit N" when it is not 0
w=$(mktemp -d)
T='s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g'
PK=NO-KEY-YET
if [ -n "${KT_AUDIT_DB:-}" ]; then
    DB=$KT_AUDIT_DB
    LEN='octet_length(CAST(@ AS TEXT))'
    copies=""
    trap 'for c in $copies; do pg_sql "$KUZET_TEST_PG" -c "DROP DATABASE IF EXISTS $c WITH (FORCE)"; done
          pg_sql "$KUZET_TEST_PG" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)"
          rm -rf "$w" "$KUZET_AUDIT_KEY"' EXIT
    sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "$2"; }
    copy() {
        pg_sql "$KUZET_TEST_PG" -c "CREATE DATABASE ${pg_db}_$1 TEMPLATE $pg_db" || exit 99
        copies="$copies ${pg_db}_$1"
        C="${pg_base%/*}/${pg_db}_$1${KUZET_TEST_PG#"$pg_base"}"
    }
else
    DB=$w/k.db
    LEN='length(CAST(@ AS BLOB))'
    export KUZET_AUDIT_KEY="$w/audit-key"
    trap 'rm -rf "$w"' EXIT
    sql() { sqlite3 -batch "$1" "$2"; }
    copy() { cp "$DB" "$w/$1.db" && C="$w/$1.db"; }
fi
export KUZET_DB="$DB"

k() {
    "$KUZET" "$@" > "$w/o" 2>&1
    rc=$?
    sed -E -e "$T" -e "s|$KUZET_AUDIT_KEY|KEY|g" -e "s|$w|W|g" -e "s/$PK/PINNED/g" -e 's/[0-9a-f]{128}/HEX128/g' -e 's/[0-9a-f]{64}/HEX/g' "$w/o"
    [ $rc = 0 ] || echo "exit $rc"
}

flow() {
    as() { who=$1; shift; KUZET_PASSWORD="$who-password-123" "$KUZET" "$@" > /dev/null || echo "$who $1 $2: failed"; }
    "$KUZET" db init > /dev/null
    "$KUZET" ingest --rules ../rules.yaml --quiet ../input.jsonl
    KUZET_PASSWORD=root-password-123 "$KUZET" users add root --role admin > /dev/null
    for u in ann:reviewer bob:reviewer sue:supervisor al:analyst; do
        KUZET_PASSWORD=root-password-123 "$KUZET" users add "${u%%:*}" --role "${u#*:}" --as root |
            KUZET_NEW_PASSWORD="${u%%:*}-password-123" "$KUZET" users enrol - > /dev/null
    done
    as al cases assign 1 --to ann --as al
    as ann cases decide 1 --measure removal_request --legal-basis "Law on Narcotic Drugs, art. 5" \
        --reasons "offers drugs for sale by dead drop" --scope KZ --days 90 --as ann
    as al cases notify 1 --as al
    as al cases comply 1 --answer "removed by the forum's moderators" --as al
    as al cases assign 2 --to ann --as al
    as ann cases decide 2 --measure url_block --legal-basis "Law on Communications, art. 41-1" \
        --reasons "calls to join a terrorist organisation" --scope KZ --until 2099-12-31 --as ann
    as sue cases approve 2 --as sue
    printf 'sha256,%s,known\nsha256,%s,known\n' \
        1111111111111111111111111111111111111111111111111111111111111111 \
        2222222222222222222222222222222222222222222222222222222222222222 > "$w/list.csv"
    as sue bank create known --type sha256 --as sue
    as sue bank import known "$w/list.csv" --as sue
    as al cases appeal 2 --by content_owner --grounds "it is a quote in a documentary" --as al
    as bob cases resolve-appeal 2 --outcome reversed --reasons "a documentary archive" --as bob
    PK=$("$KUZET" audit key)
    CP=$("$KUZET" audit checkpoint)
}

# the bytes kuzet hashes for an entry, after the previous hash: each field
# as LENGTH:BYTES, a NULL before/after as "-:" (store.c, kz_store_entry_hash)
field() { echo "$LEN" | sed "s/@/$1/g"; }
rechain() {
    db=$1 i=$2
    prev=$(sql "$db" "SELECT hash FROM audit_log WHERE seq = $i - 1")
    [ -n "$prev" ] || prev=0000000000000000000000000000000000000000000000000000000000000000
    last=$(sql "$db" "SELECT MAX(seq) FROM audit_log")
    rest="$(field seq) || ':' || seq || $(field at) || ':' || at || $(field actor) || ':' || actor ||
          $(field action) || ':' || action || $(field entity) || ':' || entity ||
          $(field entity_id) || ':' || entity_id ||
          CASE WHEN before_state IS NULL THEN '-:' ELSE $(field before_state) || ':' || before_state END ||
          CASE WHEN after_state IS NULL THEN '-:' ELSE $(field after_state) || ':' || after_state END"
    while [ "$i" -le "$last" ]; do
        r=$(sql "$db" "SELECT $rest FROM audit_log WHERE seq = $i")
        h=$(printf '64:%s%s' "$prev" "$r" | sha256sum | cut -c1-64)
        sql "$db" "UPDATE audit_log SET prev_hash = '$prev', hash = '$h' WHERE seq = $i"
        prev=$h
        i=$((i + 1))
    done
}
