# bench/serve/populate.py DB N - N approved domain blocks in a fresh kuzet
# SQLite store (after `kuzet db init`), for the server benchmark.
import sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
t = '2026-01-01T00:00:00Z'
c.execute("INSERT INTO accounts (name, role, password_hash, created_at) VALUES"
          " ('ann','reviewer','x',?),('sue','supervisor','x',?)", (t, t))
for i in range(n):
    url = 'https://blocked-%d.example.kz/x' % i
    cur = c.execute("INSERT INTO items (url, canonical_url, content_sha256, first_seen, last_seen)"
                    " VALUES (?,?,?,?,?)", (url, url, 'b%d' % i, t, t))
    item = cur.lastrowid
    cur = c.execute("INSERT INTO cases (item_id, category, state, score, opened_at, updated_at)"
                    " VALUES (?, 'drugs', 'decided', 50, ?, ?)", (item, t, t))
    c.execute("INSERT INTO decisions (case_id, measure, territorial_scope, starts_at, legal_basis,"
              " automated_detection, decided_by, approved_by, decided_at)"
              " VALUES (?, 'domain_block', 'KZ', ?, 'Law, art. 1', 1, 1, 2, ?)", (cur.lastrowid, t, t))
c.commit()
