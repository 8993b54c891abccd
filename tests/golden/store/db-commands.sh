# tests/golden/store/db-commands.sh - sourced by the cases that check that
# no database password is ever shown (store/0003, store-pg/0003).
#
# db_commands TITLE DB runs every kuzet command that opens a database (the
# table in src/cli/main.c: db, ingest, audit, check, export, cases, users,
# report, crawl, bank, verify) with --db DB, one with $KUZET_DB instead, and
# `kuzet db init` and `db migrate` last (on a reachable server they make the
# schema, which the others need, so they find none), each in
# the same new empty directory, with stdin empty.  It prints TITLE, how the
# commands exited, each distinct line they printed (stdout and stderr, with
# $DB_SHOWN_AS applied as a sed script), how many lines showed $PW, and how
# many files appeared in that directory (a SQLite file named like the
# connection string would).  Needs KUZET, PW, and RULES (a rules file).
db_commands() {
    dc_dir=$(mktemp -d)
    dc_out=$(mktemp)
    dc_key=$(mktemp -u)
    dc_seeds=$(mktemp)
    echo "https://example.org/" > "$dc_seeds"
    (
        cd "$dc_dir" || exit 99
        for c in "db status" "ingest --rules $RULES" "audit verify --unpinned" \
                 "audit checkpoint --key $dc_key" "check https://example.org/" "export rpz" \
                 "export rpz-changes --since 0" "export blockpage --decision 1" "cases list" \
                 "cases assign 1 --to a --as b" "users list" "users add ann --role admin" \
                 "report --from 2026-01-01 --to 2026-02-01" \
                 "crawl --seeds $dc_seeds --rules $RULES" "bank list" "verify"; do
            # shellcheck disable=SC2086  # the words of c are the arguments
            KUZET_PASSWORD=correct-horse-1 KUZET_NEW_PASSWORD=correct-horse-1 \
                $KUZET $c --db "$2" < /dev/null
            echo "exit $?"
        done
        KUZET_DB=$2 $KUZET cases list < /dev/null
        echo "exit $?"
        $KUZET db init --db "$2" < /dev/null
        echo "exit $?"
        $KUZET db migrate --db "$2" < /dev/null
        echo "exit $?"
    ) > "$dc_out" 2>&1
    echo "== $1"
    grep "^exit " "$dc_out" | LC_ALL=C sort | uniq -c | awk '{ print $2 " " $3 ": " $1 " commands" }'
    grep -v '^exit ' "$dc_out" | sed -e "${DB_SHOWN_AS-}" | LC_ALL=C sort -u
    echo "lines showing the password: $(grep -c -F -e "$PW" "$dc_out")"
    echo "files made: $(ls -A "$dc_dir" | wc -l)"
    rm -rf "$dc_dir" "$dc_out" "$dc_seeds" "$dc_key"
}
