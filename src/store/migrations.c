/*
 * store/migrations.c - the schema, as versioned forward-only migrations.
 *
 * Each migration is SQL both backends run, with {ID} standing for the
 * identity primary key of the dialect.  Migrations only ever get added at
 * the end; a database records every version applied in kz_migrations.
 * Timestamps are text in UTC, "YYYY-MM-DDTHH:MM:SSZ", which sorts and
 * compares the same in SQLite and PostgreSQL.
 *
 * What the schema never holds (design non-goals): anything about the people
 * who post, like, follow or read content.  An item is its URL, platform,
 * content excerpt, hashes and dates.
 */
#include "store.h"

/* kz_store_content_key in SQL: digit i of content_sha256 (1-based) times
 * 16^(15-i), for i = 1..15; big and pos name the dialect's GREATEST and
 * strpos/instr */
#define CK_DIGIT(big, pos, i, mul) \
    big "(" pos "('0123456789abcdef', lower(substr(content_sha256, " #i ", 1))) - 1, 0) " \
        "* CAST(" mul " AS BIGINT)"
#define CONTENT_KEY_SQL(big, pos)                                                          \
    "(" CK_DIGIT(big, pos, 1, "72057594037927936") " + "                                   \
        CK_DIGIT(big, pos, 2, "4503599627370496") " + "                                    \
        CK_DIGIT(big, pos, 3, "281474976710656") " + "                                     \
        CK_DIGIT(big, pos, 4, "17592186044416") " + "                                      \
        CK_DIGIT(big, pos, 5, "1099511627776") " + "                                       \
        CK_DIGIT(big, pos, 6, "68719476736") " + "                                         \
        CK_DIGIT(big, pos, 7, "4294967296") " + "                                          \
        CK_DIGIT(big, pos, 8, "268435456") " + "                                           \
        CK_DIGIT(big, pos, 9, "16777216") " + "                                            \
        CK_DIGIT(big, pos, 10, "1048576") " + "                                            \
        CK_DIGIT(big, pos, 11, "65536") " + "                                              \
        CK_DIGIT(big, pos, 12, "4096") " + "                                               \
        CK_DIGIT(big, pos, 13, "256") " + "                                                \
        CK_DIGIT(big, pos, 14, "16") " + "                                                 \
        CK_DIGIT(big, pos, 15, "1") ")"

const kz_migration kz_migrations[] = {
    { 1, "items, detections, cases, decisions, notices, appeals, accounts, audit log",
      "CREATE TABLE platforms ("
      "  id {ID},"
      "  name TEXT NOT NULL UNIQUE,"
      "  kind TEXT NOT NULL DEFAULT 'platform',"
      "  notice_contact TEXT,"
      "  legal_representative TEXT,"
      "  notice_language TEXT);"
      "CREATE TABLE items ("
      "  id {ID},"
      "  url TEXT,"
      "  canonical_url TEXT,"
      "  platform_id BIGINT REFERENCES platforms(id),"
      "  source_ref TEXT,"
      "  content_sha256 TEXT NOT NULL,"
      "  excerpt TEXT,"
      "  lang TEXT,"
      "  published TEXT,"
      "  first_seen TEXT NOT NULL,"
      "  last_seen TEXT NOT NULL,"
      "  online_status TEXT NOT NULL DEFAULT 'online');"
      "CREATE UNIQUE INDEX items_by_url ON items(canonical_url);"
      "CREATE INDEX items_by_content ON items(content_sha256);"
      "CREATE TABLE accounts ("
      "  id {ID},"
      "  name TEXT NOT NULL UNIQUE,"
      "  role TEXT NOT NULL CHECK (role IN ('analyst','reviewer','supervisor','auditor','admin')),"
      "  password_hash TEXT NOT NULL,"
      "  disabled INTEGER NOT NULL DEFAULT 0,"
      "  created_at TEXT NOT NULL);"
      "CREATE TABLE detections ("
      "  id {ID},"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  detected_at TEXT NOT NULL,"
      "  method TEXT NOT NULL CHECK (method IN ('rule','regex','hash')),"
      "  rule_id TEXT,"
      "  category TEXT NOT NULL,"
      "  weight INTEGER NOT NULL,"
      "  start_offset INTEGER,"
      "  end_offset INTEGER,"
      "  evidence TEXT);"
      "CREATE INDEX detections_by_item ON detections(item_id);"
      "CREATE TABLE cases ("
      "  id {ID},"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  category TEXT NOT NULL,"
      "  state TEXT NOT NULL,"
      "  score INTEGER NOT NULL,"
      "  automated INTEGER NOT NULL DEFAULT 1,"
      "  assigned_to BIGINT REFERENCES accounts(id),"
      "  opened_at TEXT NOT NULL,"
      "  updated_at TEXT NOT NULL);"
      "CREATE UNIQUE INDEX cases_one_per_item_category ON cases(item_id, category);"
      "CREATE INDEX cases_by_state ON cases(state);"
      "CREATE TABLE decisions ("
      "  id {ID},"
      "  case_id BIGINT NOT NULL REFERENCES cases(id),"
      "  measure TEXT NOT NULL CHECK (measure IN ('no_action','removal_request','geo_restriction',"
      "    'url_block','domain_block')),"
      "  territorial_scope TEXT,"
      "  starts_at TEXT NOT NULL,"
      "  ends_at TEXT,"
      "  legal_basis TEXT,"
      "  facts_and_reasons TEXT,"
      "  automated_detection INTEGER NOT NULL,"
      "  decided_by BIGINT NOT NULL REFERENCES accounts(id),"
      "  approved_by BIGINT REFERENCES accounts(id),"
      "  approved_at TEXT,"
      "  reversed_at TEXT,"
      "  decided_at TEXT NOT NULL);"
      "CREATE INDEX decisions_by_case ON decisions(case_id);"
      "CREATE TABLE notices ("
      "  id {ID},"
      "  decision_id BIGINT NOT NULL REFERENCES decisions(id),"
      "  platform_id BIGINT REFERENCES platforms(id),"
      "  sent_at TEXT NOT NULL,"
      "  deadline TEXT NOT NULL,"
      "  answer TEXT,"
      "  answered_at TEXT,"
      "  complied_at TEXT,"
      "  escalated_at TEXT);"
      "CREATE TABLE appeals ("
      "  id {ID},"
      "  decision_id BIGINT NOT NULL REFERENCES decisions(id),"
      "  filed_by TEXT NOT NULL CHECK (filed_by IN ('content_owner','platform')),"
      "  grounds TEXT NOT NULL,"
      "  filed_at TEXT NOT NULL,"
      "  reviewer BIGINT REFERENCES accounts(id),"
      "  outcome TEXT CHECK (outcome IN ('upheld','reversed')),"
      "  reasons TEXT,"
      "  resolved_at TEXT);"
      "CREATE TABLE audit_log ("
      "  seq BIGINT PRIMARY KEY,"
      "  at TEXT NOT NULL,"
      "  actor TEXT NOT NULL,"
      "  action TEXT NOT NULL,"
      "  entity TEXT NOT NULL,"
      "  entity_id BIGINT,"
      "  before_state TEXT,"
      "  after_state TEXT,"
      "  prev_hash TEXT NOT NULL,"
      "  hash TEXT NOT NULL);"
      "CREATE TABLE audit_checkpoints ("
      "  seq BIGINT PRIMARY KEY,"
      "  hash TEXT NOT NULL,"
      "  at TEXT NOT NULL,"
      "  public_key TEXT NOT NULL,"
      "  signature TEXT NOT NULL);" },
    /* migration 2 - the review workflow (src/case/, docs/workflow.md) */
    { 2, "workflow: notice deadlines per category, appeal bookkeeping, evidence retention",
      "CREATE TABLE category_deadlines ("
      "  category TEXT PRIMARY KEY,"
      "  seconds BIGINT NOT NULL CHECK (seconds >= 0));"
      "INSERT INTO category_deadlines (category, seconds) VALUES"
      "  ('terrorism', 3600), ('csam', 3600), ('bullying', 86400), ('*', 86400);"
      "ALTER TABLE appeals ADD COLUMN case_state_before TEXT;"
      "ALTER TABLE items ADD COLUMN removed_at TEXT;"
      "ALTER TABLE items ADD COLUMN evidence_purged_at TEXT;"
      "CREATE INDEX notices_by_decision ON notices(decision_id);"
      "CREATE INDEX appeals_by_decision ON appeals(decision_id);" },
    /* migration 3 - versions of the published blocklist (src/act/active.c,
     * docs/blocklist.md): the RPZ serial and the changes between versions */
    { 3, "blocklist versions: serials, the current entries, add/del changes",
      "CREATE TABLE blocklist_versions ("
      "  serial BIGINT PRIMARY KEY,"
      "  computed_at TEXT NOT NULL,"
      "  list_at TEXT NOT NULL,"
      "  digest TEXT NOT NULL,"
      "  entries BIGINT NOT NULL);"
      "CREATE TABLE blocklist_entries ("
      "  kind TEXT NOT NULL CHECK (kind IN ('domain','url','geo')),"
      "  target TEXT NOT NULL,"
      "  decision_id BIGINT NOT NULL REFERENCES decisions(id),"
      "  PRIMARY KEY (kind, target, decision_id));"
      "CREATE TABLE blocklist_changes ("
      "  id {ID},"
      "  serial BIGINT NOT NULL REFERENCES blocklist_versions(serial),"
      "  op TEXT NOT NULL CHECK (op IN ('add','del')),"
      "  kind TEXT NOT NULL CHECK (kind IN ('domain','url','geo')),"
      "  target TEXT NOT NULL,"
      "  decision_id BIGINT NOT NULL REFERENCES decisions(id));"
      "CREATE INDEX blocklist_changes_by_serial ON blocklist_changes(serial);" },
    /* migration 4 - hash banks (src/store/bank.c, docs/banks.md): lists of
     * hashes of material decided on, and allow-lists of false positives */
    { 4, "hash banks: banks (signal type, threshold, block/allow) and their entries",
      "CREATE TABLE banks ("
      "  id {ID},"
      "  name TEXT NOT NULL UNIQUE,"
      "  signal_type TEXT NOT NULL CHECK (signal_type IN ('pdq','sha256','md5','simhash')),"
      "  threshold INTEGER NOT NULL CHECK (threshold >= 0),"
      "  kind TEXT NOT NULL CHECK (kind IN ('block','allow')),"
      "  created_at TEXT NOT NULL);"
      "CREATE TABLE bank_entries ("
      "  id {ID},"
      "  bank_id BIGINT NOT NULL REFERENCES banks(id),"
      "  signal TEXT NOT NULL,"
      "  tags TEXT NOT NULL DEFAULT '',"
      "  origin TEXT NOT NULL CHECK (origin = 'import' OR origin LIKE 'decision:%'),"
      "  added_at TEXT NOT NULL,"
      "  UNIQUE (bank_id, signal));"
      "CREATE INDEX bank_entries_by_signal ON bank_entries(signal);" },
    /* migration 5 - the crawl frontier (src/store/frontier.c, docs/crawl.md):
     * named sources, their origins, and every URL each has queued or fetched */
    { 5, "crawl frontier: sources, origins, URLs queued and done",
      "CREATE TABLE crawl_sources ("
      "  id {ID},"
      "  name TEXT NOT NULL UNIQUE,"
      "  created_at TEXT NOT NULL,"
      "  last_run_at TEXT,"
      "  recrawl_secs BIGINT,"
      "  depth INTEGER,"
      "  same_host INTEGER,"
      "  include_re TEXT,"
      "  exclude_re TEXT);"
      "CREATE TABLE crawl_origins ("
      "  id {ID},"
      "  source_id BIGINT NOT NULL REFERENCES crawl_sources(id),"
      "  origin TEXT NOT NULL,"
      "  UNIQUE (source_id, origin));"
      "CREATE TABLE crawl_urls ("
      "  id {ID},"
      "  source_id BIGINT NOT NULL REFERENCES crawl_sources(id),"
      "  origin_id BIGINT REFERENCES crawl_origins(id),"
      "  ukey TEXT NOT NULL,"
      "  url TEXT NOT NULL,"
      "  kind INTEGER NOT NULL DEFAULT 0,"
      "  depth INTEGER NOT NULL,"
      "  seed INTEGER NOT NULL,"
      "  is_seed INTEGER NOT NULL,"
      "  state TEXT NOT NULL CHECK (state IN ('queued','done')),"
      "  queued_at TEXT NOT NULL,"
      "  fetched_at TEXT,"
      "  outcome TEXT,"
      "  status INTEGER,"
      "  content_sha256 TEXT,"
      "  fetches INTEGER NOT NULL DEFAULT 0,"
      "  UNIQUE (source_id, ukey));"
      "CREATE INDEX crawl_urls_queue ON crawl_urls(origin_id, state, id);"
      "CREATE INDEX crawl_urls_content ON crawl_urls(source_id, content_sha256);" },
    /* migration 6 - removal verification (src/act/verify.c, docs/verify.md):
     * every re-fetch of a decided item, and the item's gone/returned times */
    { 6, "removal verification: item checks (status, outcome, why), items gone_at/returned_at",
      "CREATE TABLE item_checks ("
      "  id {ID},"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  checked_at TEXT NOT NULL,"
      "  url TEXT NOT NULL,"
      "  http_status INTEGER,"
      "  outcome TEXT NOT NULL CHECK (outcome IN ('present','gone','error')),"
      "  why TEXT NOT NULL,"
      "  detail TEXT);"
      "CREATE INDEX item_checks_by_item ON item_checks(item_id, checked_at);"
      "ALTER TABLE items ADD COLUMN checked_at TEXT;"
      "ALTER TABLE items ADD COLUMN gone_at TEXT;"
      "ALTER TABLE items ADD COLUMN returned_at TEXT;" },
    /* migration 7 - the images of an item (src/store/media.c, docs/banks.md):
     * their hashes, which a decision banks; and bank entries by origin, for
     * taking a reversed decision's entries out */
    { 7, "item images (SHA-256, MD5, PDQ) and bank entries by origin",
      "CREATE TABLE item_media ("
      "  id {ID},"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  ref TEXT NOT NULL,"
      "  sha256 TEXT NOT NULL,"
      "  md5 TEXT NOT NULL,"
      "  pdq TEXT,"
      "  pdq_quality INTEGER,"
      "  added_at TEXT NOT NULL,"
      "  UNIQUE (item_id, sha256));"
      "CREATE INDEX bank_entries_by_origin ON bank_entries(origin);" },
    /* migration 8 - the work queue of kuzet worker (src/jobs/, docs/workers.md):
     * jobs leased with FOR UPDATE SKIP LOCKED, the workers that lease them,
     * and the crawl settings a source is crawled with by workers.  Times
     * that leases compare are the server's clock in epoch milliseconds.
     * Partial indexes cover only the rows the lease looks at (pending work,
     * live leases), so they stay small however many jobs are done; the
     * tables are updated in place all the time, hence room left on each
     * page (fillfactor) for HOT updates and autovacuum that runs early. */
    { 8, "work queue: jobs (leases, owner, expiry), workers, crawl settings for workers",
      "CREATE TABLE jobs ("
      "  id {ID},"
      "  kind TEXT NOT NULL CHECK (kind IN ('crawl','ingest','tick')),"
      "  jkey TEXT NOT NULL,"
      "  state TEXT NOT NULL CHECK (state IN ('pending','leased','done','failed')),"
      "  run_at BIGINT NOT NULL,"
      "  source_id BIGINT REFERENCES crawl_sources(id),"
      "  origin_id BIGINT REFERENCES crawl_origins(id),"
      "  path TEXT,"
      "  off_start BIGINT,"
      "  off_end BIGINT,"
      "  every_secs BIGINT,"
      "  lease_owner TEXT,"
      "  lease_token BIGINT NOT NULL DEFAULT 0,"
      "  lease_until BIGINT,"
      "  attempts INTEGER NOT NULL DEFAULT 0,"
      "  last_error TEXT,"
      "  created_at TEXT NOT NULL,"
      "  done_at BIGINT,"
      "  UNIQUE (kind, jkey));"
      "CREATE INDEX jobs_pending ON jobs(run_at) WHERE state = 'pending';"
      "CREATE INDEX jobs_leased ON jobs(lease_until) WHERE state = 'leased';"
      "{PG}ALTER TABLE jobs SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02,"
      "  autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);"
      "CREATE TABLE workers ("
      "  id TEXT PRIMARY KEY,"
      "  host TEXT NOT NULL,"
      "  pid INTEGER NOT NULL,"
      "  roles TEXT NOT NULL,"
      "  started_at BIGINT NOT NULL,"
      "  seen_at BIGINT NOT NULL,"
      "  stopped_at BIGINT,"
      "  jobs_done BIGINT NOT NULL DEFAULT 0,"
      "  jobs_failed BIGINT NOT NULL DEFAULT 0,"
      "  leases_lost BIGINT NOT NULL DEFAULT 0,"
      "  pages BIGINT NOT NULL DEFAULT 0,"
      "  records BIGINT NOT NULL DEFAULT 0,"
      "  last_error TEXT);"
      "{PG}ALTER TABLE workers SET (fillfactor = 50);"
      "ALTER TABLE crawl_sources ADD COLUMN delay_ms BIGINT;"
      "ALTER TABLE crawl_sources ADD COLUMN allow_private INTEGER NOT NULL DEFAULT 0;"
      "ALTER TABLE crawl_sources ADD COLUMN max_pages BIGINT;"
      "ALTER TABLE crawl_sources ADD COLUMN seeds TEXT;" },
    /* migration 9 - who calls kuzet serve (src/case/session.c, docs/api.md):
     * browser sessions and API tokens, each kept as the SHA-256 of its
     * secret, never the secret */
    { 9, "API sessions and tokens (hashed), bound to an account and a role",
      "CREATE TABLE sessions ("
      "  id {ID},"
      "  sid_sha256 TEXT NOT NULL UNIQUE,"
      "  account_id BIGINT NOT NULL REFERENCES accounts(id),"
      "  password_sha256 TEXT NOT NULL,"
      "  csrf TEXT NOT NULL,"
      "  created_at TEXT NOT NULL,"
      "  created_ms BIGINT NOT NULL,"
      "  seen_ms BIGINT NOT NULL,"
      "  client TEXT);"
      "CREATE INDEX sessions_by_account ON sessions(account_id);"
      "CREATE TABLE api_tokens ("
      "  id {ID},"
      "  name TEXT NOT NULL,"
      "  token_sha256 TEXT NOT NULL UNIQUE,"
      "  account_id BIGINT NOT NULL REFERENCES accounts(id),"
      "  role TEXT NOT NULL,"
      "  platform TEXT,"
      "  created_by BIGINT REFERENCES accounts(id),"
      "  created_at TEXT NOT NULL,"
      "  expires_at TEXT NOT NULL,"
      "  revoked_at TEXT,"
      "  last_used_at TEXT);"
      "CREATE INDEX api_tokens_by_account ON api_tokens(account_id);" },
    /* migration 10 - where an account comes from (src/case/account.c,
     * docs/workflow.md "Accounts and roles"): who created it, the one-time
     * enrolment token (its SHA-256) with which its owner sets the password,
     * when that happened, and who disabled it when.  An account that has
     * not enrolled has password_hash '' and cannot log in. */
    { 10, "accounts: created_by, enrolment token, enrolled_at, disabled_at/by",
      "ALTER TABLE accounts ADD COLUMN created_by BIGINT REFERENCES accounts(id);"
      "ALTER TABLE accounts ADD COLUMN enrol_token_sha256 TEXT;"
      "ALTER TABLE accounts ADD COLUMN enrol_expires_at TEXT;"
      "ALTER TABLE accounts ADD COLUMN enrolled_at TEXT;"
      "ALTER TABLE accounts ADD COLUMN disabled_at TEXT;"
      "ALTER TABLE accounts ADD COLUMN disabled_by BIGINT REFERENCES accounts(id);"
      "CREATE UNIQUE INDEX accounts_by_enrol_token ON accounts(enrol_token_sha256);" },
    /* migration 11 - an item's whole text as fetched, compressed
     * (src/store/content.c): the evidence every hit is shown in */
    { 11, "items: the whole text, compressed (content_z, content_len, content_full_len)",
      "ALTER TABLE items ADD COLUMN content_z TEXT;"
      "ALTER TABLE items ADD COLUMN content_len BIGINT;"
      "ALTER TABLE items ADD COLUMN content_full_len BIGINT;" },
    /* migration 12 - a banked text's MinHash beside its SimHash
     * (detect/minhash.h, docs/banks.md): near copies edited past the rules */
    { 12, "bank entries: the MinHash of a banked text",
      "ALTER TABLE bank_entries ADD COLUMN minhash TEXT;" },
    /* migration 13 - platforms' contacts, each delivery attempt of a notice
     * and the answers recorded against it (case/platform.h, case/deliver.h,
     * docs/notices.md).  platforms.notice_contact is the notice e-mail,
     * legal_representative the representative's name, notice_language the
     * language notices are written in (kk, ru, en). */
    { 13, "platforms: endpoint, representative's e-mail, monthly users; notice deliveries and answers",
      "ALTER TABLE platforms ADD COLUMN api_endpoint TEXT;"
      "ALTER TABLE platforms ADD COLUMN legal_rep_email TEXT;"
      "ALTER TABLE platforms ADD COLUMN monthly_users BIGINT;"
      "CREATE TABLE notice_deliveries ("
      "  id {ID},"
      "  notice_id BIGINT NOT NULL REFERENCES notices(id),"
      "  kind TEXT NOT NULL,"
      "  channel TEXT NOT NULL,"
      "  recipient TEXT NOT NULL,"
      "  attempt INTEGER NOT NULL,"
      "  at TEXT NOT NULL,"
      "  status TEXT NOT NULL,"
      "  error TEXT,"
      "  next_at TEXT,"
      "  message_id TEXT);"
      "CREATE INDEX notice_deliveries_by_notice ON notice_deliveries(notice_id);"
      "CREATE TABLE notice_answers ("
      "  id {ID},"
      "  notice_id BIGINT NOT NULL REFERENCES notices(id),"
      "  at TEXT NOT NULL,"
      "  via TEXT NOT NULL,"
      "  recorded_by BIGINT REFERENCES accounts(id),"
      "  text TEXT NOT NULL);"
      "CREATE INDEX notice_answers_by_notice ON notice_answers(notice_id);" },
    /* migration 14 - the review queue's holds (src/case/queue.c,
     * docs/web.md): the case a reviewer opened from the queue is held for
     * them until expires_at, so that nobody else is given it */
    { 14, "review queue: case holds (who, since, until)",
      "CREATE TABLE case_holds ("
      "  case_id BIGINT PRIMARY KEY REFERENCES cases(id),"
      "  account_id BIGINT NOT NULL REFERENCES accounts(id),"
      "  held_at TEXT NOT NULL,"
      "  expires_at TEXT NOT NULL);"
      "CREATE INDEX case_holds_by_account ON case_holds(account_id);" },
    /* migration 15 - what the reviewers' web app keeps (src/store/media.c,
     * src/case/views.c, docs/web.md): the bytes of an item's images, for
     * review (base64, at most KZ_MEDIA_KEEP_MAX each; purged with the
     * item's evidence), and each account's own display settings */
    { 15, "item images kept for review; reviewer settings (blur, greyscale, language)",
      "CREATE TABLE item_images ("
      "  media_id BIGINT PRIMARY KEY REFERENCES item_media(id),"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  content_type TEXT NOT NULL,"
      "  byte_len BIGINT NOT NULL,"
      "  data TEXT NOT NULL,"
      "  added_at TEXT NOT NULL);"
      "CREATE INDEX item_images_by_item ON item_images(item_id);"
      "CREATE TABLE reviewer_settings ("
      "  account_id BIGINT PRIMARY KEY REFERENCES accounts(id),"
      "  blur INTEGER NOT NULL DEFAULT 1,"
      "  greyscale INTEGER NOT NULL DEFAULT 1,"
      "  lang TEXT NOT NULL DEFAULT '',"
      "  updated_at TEXT NOT NULL);" },
    /* migration 16 - the charset a crawled page was read in, and where that
     * came from (ingest/charset.h: bom, header, meta, detected, default) */
    { 16, "crawl URLs: the charset a page was read in, and its source",
      "ALTER TABLE crawl_urls ADD COLUMN charset TEXT;"
      "ALTER TABLE crawl_urls ADD COLUMN charset_source TEXT;" },
    /* migration 17 - rule sets versioned in the store (store/rulesets.h,
     * docs/rules.md "Versions in the store"): each published rule file's
     * text, its SHA-256, who published it when; a bank's version, bumped
     * by every change to its entries (store/bank.h); and the versions each
     * detection came from: rules_version the rule set's ("3", or
     * "file:<sha256>" for rules read from a file), bank_version the
     * matched bank's */
    { 17, "rule sets in the store (versions); bank versions; the versions each detection came from",
      "CREATE TABLE rule_sets ("
      "  version BIGINT PRIMARY KEY,"
      "  sha256 TEXT NOT NULL,"
      "  body TEXT NOT NULL,"
      "  name TEXT NOT NULL,"
      "  rules INTEGER NOT NULL,"
      "  published_by TEXT NOT NULL,"
      "  published_at TEXT NOT NULL);"
      "ALTER TABLE banks ADD COLUMN version BIGINT NOT NULL DEFAULT 0;"
      "ALTER TABLE detections ADD COLUMN rules_version TEXT;"
      "ALTER TABLE detections ADD COLUMN bank_version BIGINT;" },
    /* migration 18 - indexes for the reviewers' pages (src/case/review.c,
     * docs/web.md "Speed"): a case's history, the items matching the same
     * bank entry, and the dashboard's figures without a scan of the store */
    { 18, "indexes for the review page and the dashboard",
      "CREATE INDEX audit_log_by_entity ON audit_log(entity, entity_id);"
      "CREATE INDEX detections_by_hash ON detections(rule_id, evidence) WHERE method = 'hash';"
      "DROP INDEX cases_by_state;"
      "CREATE INDEX cases_by_state ON cases(state, category, opened_at);"
      "CREATE INDEX cases_by_opened ON cases(opened_at, item_id);"
      "CREATE INDEX cases_by_assignee ON cases(assigned_to, state);"
      "CREATE INDEX decisions_by_decider ON decisions(decided_by, decided_at);"
      "CREATE INDEX notices_open ON notices(deadline) WHERE complied_at IS NULL;"
      "CREATE INDEX appeals_waiting ON appeals(filed_at) WHERE resolved_at IS NULL;" },
    /* SQLite keeps the old CHECK on kind: its queue is never used
     * (jobs/queue.h), and a CHECK cannot be changed there in place */
    { 19, "jobs: hash jobs (an image URL of an ingested post, fetched and hashed by a worker)",
      "ALTER TABLE jobs ADD COLUMN item_id BIGINT;"
      "ALTER TABLE jobs ADD COLUMN ref TEXT;"
      "{PG}ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;"
      "{PG}ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check "
      "  CHECK (kind IN ('crawl','ingest','tick','hash'));" },
    /* migration 20 - SQLite only, for ingest's speed (docs/performance.md
     * "Ingest"): SQLite checks "x IN (three or more constants)" through a
     * temporary b-tree it builds for every row written, which cost as much as
     * the row itself; the same CHECKs as ORs of equalities.  And the audit
     * log's seq becomes the table's rowid (INTEGER PRIMARY KEY) instead of a
     * second b-tree beside it.  A CHECK cannot be changed in place there, so
     * each table is copied into its new shape.  Nothing references these
     * tables; their indexes are made again. */
    { 20, "SQLite: detections, item checks and the audit log in a shape faster to write",
      "{LITE}CREATE TABLE detections_v20 ("
      "  id INTEGER PRIMARY KEY,"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  detected_at TEXT NOT NULL,"
      "  method TEXT NOT NULL CHECK (method = 'rule' OR method = 'regex' OR method = 'hash'),"
      "  rule_id TEXT,"
      "  category TEXT NOT NULL,"
      "  weight INTEGER NOT NULL,"
      "  start_offset INTEGER,"
      "  end_offset INTEGER,"
      "  evidence TEXT,"
      "  rules_version TEXT,"
      "  bank_version BIGINT);"
      "{LITE}INSERT INTO detections_v20 (id, item_id, detected_at, method, rule_id, category, "
      "  weight, start_offset, end_offset, evidence, rules_version, bank_version) "
      "  SELECT id, item_id, detected_at, method, rule_id, category, weight, start_offset, "
      "  end_offset, evidence, rules_version, bank_version FROM detections;"
      "{LITE}DROP TABLE detections;"
      "{LITE}ALTER TABLE detections_v20 RENAME TO detections;"
      "{LITE}CREATE INDEX detections_by_item ON detections(item_id);"
      "{LITE}CREATE INDEX detections_by_hash ON detections(rule_id, evidence) WHERE method = 'hash';"
      "{LITE}CREATE TABLE item_checks_v20 ("
      "  id INTEGER PRIMARY KEY,"
      "  item_id BIGINT NOT NULL REFERENCES items(id),"
      "  checked_at TEXT NOT NULL,"
      "  url TEXT NOT NULL,"
      "  http_status INTEGER,"
      "  outcome TEXT NOT NULL CHECK (outcome = 'present' OR outcome = 'gone' OR "
      "    outcome = 'error'),"
      "  why TEXT NOT NULL,"
      "  detail TEXT);"
      "{LITE}INSERT INTO item_checks_v20 (id, item_id, checked_at, url, http_status, outcome, why, "
      "  detail) SELECT id, item_id, checked_at, url, http_status, outcome, why, detail "
      "  FROM item_checks;"
      "{LITE}DROP TABLE item_checks;"
      "{LITE}ALTER TABLE item_checks_v20 RENAME TO item_checks;"
      "{LITE}CREATE INDEX item_checks_by_item ON item_checks(item_id, checked_at);"
      "{LITE}CREATE TABLE audit_log_v20 ("
      "  seq INTEGER PRIMARY KEY,"
      "  at TEXT NOT NULL,"
      "  actor TEXT NOT NULL,"
      "  action TEXT NOT NULL,"
      "  entity TEXT NOT NULL,"
      "  entity_id BIGINT,"
      "  before_state TEXT,"
      "  after_state TEXT,"
      "  prev_hash TEXT NOT NULL,"
      "  hash TEXT NOT NULL);"
      "{LITE}INSERT INTO audit_log_v20 (seq, at, actor, action, entity, entity_id, before_state, "
      "  after_state, prev_hash, hash) SELECT seq, at, actor, action, entity, entity_id, "
      "  before_state, after_state, prev_hash, hash FROM audit_log ORDER BY seq;"
      "{LITE}DROP TABLE audit_log;"
      "{LITE}ALTER TABLE audit_log_v20 RENAME TO audit_log;"
      "{LITE}CREATE INDEX audit_log_by_entity ON audit_log(entity, entity_id);" },
    /* migration 21 - for ingest's speed (docs/performance.md "Ingest"): the
     * items found by their content through an integer, the value of the
     * first 15 hex digits of content_sha256 (KZ_CONTENT_KEY_DIGITS,
     * kz_store_content_key; a character that is not a hex digit counts 0),
     * instead of the 64 characters themselves.  The index is a quarter of
     * the size, and its keys are compared as integers: every stored item
     * lands at a random place in it, which dirtied a page of it for nearly
     * every item of a batch. */
    { 21, "items: an integer key of the content hash, indexed in place of the hash itself "
          "(rewrites items: stop the workers first)",
      "ALTER TABLE items ADD COLUMN content_key BIGINT;"
      "{LITE}UPDATE items SET content_key = " CONTENT_KEY_SQL("max", "instr") ";"
      "{PG}UPDATE items SET content_key = " CONTENT_KEY_SQL("GREATEST", "strpos") ";"
      "DROP INDEX items_by_content;"
      "CREATE INDEX items_by_content ON items(content_key);" },
};

const size_t kz_nmigrations = sizeof kz_migrations / sizeof kz_migrations[0];
