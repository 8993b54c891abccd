-- bench/report/gen.sql - fill a kuzet SQLite database (schema from
-- `kuzet db init`) with 1,000,000 items, 200,000 cases (+ detections),
-- 100,000 decisions, their notices and appeals, in one transaction, with
-- recursive CTEs.  Times spread over 2025.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO platforms (name) VALUES ('forum'), ('video'), ('chat'), ('social'), ('blog');
INSERT INTO accounts (name, role, password_hash, created_at) VALUES
  ('ann', 'reviewer', 'x', '2025-01-01T00:00:00Z'), ('sue', 'supervisor', 'x', '2025-01-01T00:00:00Z');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO items (id, url, canonical_url, platform_id, content_sha256, excerpt, first_seen, last_seen)
SELECT i, 'https://example.kz/p/' || i, 'https://example.kz/p/' || i, 1 + i % 5, printf('%064x', i),
       'text ' || i, strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + i * 31, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + i * 31, 'unixepoch') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO cases (id, item_id, category, state, score, automated, opened_at, updated_at)
SELECT i, i * 5, CASE i % 6 WHEN 0 THEN 'terrorism' WHEN 1 THEN 'drugs' WHEN 2 THEN 'bullying'
       WHEN 3 THEN 'suicide' WHEN 4 THEN 'csam' ELSE 'violence' END,
       CASE WHEN i <= 100000 THEN 'decided' ELSE 'detected' END, 60, (i % 10 <> 0),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + i * 155, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + i * 155, 'unixepoch') FROM n;
INSERT INTO detections (item_id, detected_at, method, rule_id, category, weight)
SELECT item_id, opened_at, CASE id % 3 WHEN 0 THEN 'rule' WHEN 1 THEN 'regex' ELSE 'hash' END,
       'r' || (id % 50), category, 60 FROM cases;
INSERT INTO decisions (id, case_id, measure, territorial_scope, starts_at, ends_at, legal_basis,
                       facts_and_reasons, automated_detection, decided_by, approved_by, approved_at,
                       reversed_at, decided_at)
SELECT id, id, CASE id % 5 WHEN 0 THEN 'no_action' WHEN 1 THEN 'removal_request'
       WHEN 2 THEN 'geo_restriction' WHEN 3 THEN 'url_block' ELSE 'domain_block' END,
       'KZ', opened_at, '2099-01-01T00:00:00Z', 'law', 'reasons', automated, 1,
       CASE WHEN id % 5 IN (3, 4) THEN 2 END,
       CASE WHEN id % 5 IN (3, 4) THEN strftime('%Y-%m-%dT%H:%M:%SZ', opened_at, '+2 hours') END,
       CASE WHEN id % 5 IN (3, 4) AND id % 50 = 3 THEN strftime('%Y-%m-%dT%H:%M:%SZ', opened_at, '+5 days') END,
       strftime('%Y-%m-%dT%H:%M:%SZ', opened_at, '+1 hours')
FROM cases WHERE id <= 100000;
INSERT INTO notices (decision_id, platform_id, sent_at, deadline, answer, answered_at, complied_at)
SELECT d.id, 1 + d.id % 5, strftime('%Y-%m-%dT%H:%M:%SZ', d.decided_at, '+1 hours'),
       strftime('%Y-%m-%dT%H:%M:%SZ', d.decided_at, '+25 hours'),
       CASE WHEN d.id % 7 <> 0 THEN 'removed' END,
       CASE WHEN d.id % 7 <> 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', d.decided_at, '+' || (2 + d.id % 47) || ' hours') END,
       CASE WHEN d.id % 7 <> 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', d.decided_at, '+' || (2 + d.id % 47) || ' hours') END
FROM decisions d WHERE d.measure IN ('removal_request', 'geo_restriction');
INSERT INTO appeals (decision_id, filed_by, grounds, filed_at, reviewer, outcome, reasons, resolved_at)
SELECT id, 'content_owner', 'grounds', strftime('%Y-%m-%dT%H:%M:%SZ', decided_at, '+2 days'),
       CASE WHEN id % 3 <> 0 THEN 1 END,
       CASE id % 3 WHEN 1 THEN 'upheld' WHEN 2 THEN 'reversed' END,
       CASE WHEN id % 3 <> 0 THEN 'r' END,
       CASE WHEN id % 3 <> 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', decided_at, '+5 days') END
FROM decisions WHERE measure <> 'no_action' AND id % 10 = 3;
COMMIT;
