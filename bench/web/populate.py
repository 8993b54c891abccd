# bench/web/populate.py DB ITEMS CASES - a kuzet SQLite store (after `kuzet
# db init` and the accounts) with ITEMS items, CASES of them with a case,
# a detection each, spread over categories, states and 30 days, for the web
# app's benchmark (bench/web/run).
import sqlite3, sys
db, n_items, n_cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
c.execute("PRAGMA synchronous = OFF")
cats = ['drugs', 'terrorism', 'suicide', 'bullying', 'csam']
states = ['detected', 'detected', 'in_review', 'decided', 'no_action']
words = ('Продам закладка мефедрон 5000 тг, пишите в телеграм @shop_kz, доставка по '
         'городу, быстро и надежно. Бүгін ауа райы жақсы, балалар саябақта ойнады. ')
c.execute("INSERT INTO platforms (name) VALUES ('forum')")
pid = c.execute("SELECT id FROM platforms WHERE name = 'forum'").fetchone()[0]
step = max(1, n_items // n_cases)
for i in range(1, n_items + 1):
    day = 1 + i % 28
    t = '2026-11-%02dT%02d:%02d:00Z' % (day, i % 24, i % 60)
    url = 'https://forum.example.kz/t/%d' % i
    text = words * (1 + i % 3)
    cur = c.execute("INSERT INTO items (url, canonical_url, platform_id, content_sha256, "
                    "excerpt, first_seen, last_seen) VALUES (?,?,?,?,?,?,?)",
                    (url, url, pid, 'h%d' % i, text[:2000], t, t))
    if i % step == 0 and i // step <= n_cases:
        item = cur.lastrowid
        cat = cats[i % 5]
        c.execute("INSERT INTO detections (item_id, detected_at, method, rule_id, category, "
                  "weight, start_offset, end_offset, evidence) VALUES (?,?,?,?,?,?,?,?,?)",
                  (item, t, 'rule', 'r-' + cat, cat, 50, 7, 23, 'закладка'))
        c.execute("INSERT INTO cases (item_id, category, state, score, automated, opened_at, "
                  "updated_at) VALUES (?,?,?,?,1,?,?)", (item, cat, states[i % 5], 50 + i % 50, t, t))
c.commit()
print("populated: %d items, %d cases" % (c.execute("SELECT COUNT(*) FROM items").fetchone()[0],
                                          c.execute("SELECT COUNT(*) FROM cases").fetchone()[0]))
