# tests/golden/store-pg/pg.sh - sourced by each case's cmd: a database of
# the case's own on the server of $KUZET_TEST_PG (scripts/test starts one
# with scripts/pg-test-env), dropped when the case ends.  Sets DB to its URI
# and KUZET_AUDIT_KEY to a key file of the case's own (the default key path
# is for SQLite files).
#
# KUZET_TEST_PG unset: the case is skipped (exit 77, the reason on stderr),
# as the PostgreSQL unit tests are.  Set but empty: the server did not start,
# and the case fails.
if [ -z "${KUZET_TEST_PG+set}" ]; then
    echo "skipped: KUZET_TEST_PG is not set (scripts/pg-test-env run build/release/kt golden:store-pg)" >&2
    exit 77
fi
if [ -z "$KUZET_TEST_PG" ]; then
    echo "KUZET_TEST_PG is set but empty: the test cluster did not start" >&2
    exit 99
fi
pg_db=kt_golden_$(basename "$PWD" | tr -c 'a-z0-9\n' _)_$$
pg_base=${KUZET_TEST_PG%%\?*}
DB="${pg_base%/*}/$pg_db${KUZET_TEST_PG#"$pg_base"}"
KUZET_AUDIT_KEY=$(mktemp -u /tmp/kt-golden-key.XXXXXX)
export KUZET_AUDIT_KEY
pg_sql() { psql -X -q -v ON_ERROR_STOP=1 "$@" >/dev/null; }
pg_sql "$KUZET_TEST_PG" -c "CREATE DATABASE $pg_db" || exit 99
trap 'pg_sql "$KUZET_TEST_PG" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)"; rm -f "$KUZET_AUDIT_KEY"' EXIT
