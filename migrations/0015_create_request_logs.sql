-- Migration number: 0015 	 Request logs (Keygen EE's `/request-logs`, issue 8).

-- One row per account-scoped request, written after the response (Worker `ctx.waitUntil`),
-- so a log never costs the client a D1 round trip. No bodies and no headers are stored: a
-- body can hold passwords, tokens and license keys, and `Authorization` is the credential
-- itself (docs/API.md, "Request logs"). Text columns are truncated before insert
-- (`domain::request_log`); the URL has secret query parameters and license keys redacted.
-- Requestor and resource are JSON:API (type, id) pairs without foreign keys: a log outlives
-- the bearer and the resource it names. Pruned daily past the retention
-- (`LATCHKEY_REQUEST_LOG_RETENTION_DAYS`); the insert itself is guarded by a per-account daily
-- cap (`LATCHKEY_REQUEST_LOG_DAILY_LIMIT`), so one account's flood cannot grow the table
-- without bound.
CREATE TABLE request_logs (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  method          TEXT NOT NULL,
  url             TEXT NOT NULL,
  status          INTEGER NOT NULL CHECK (status BETWEEN 100 AND 599),
  ip              TEXT,
  user_agent      TEXT,
  requestor_type  TEXT,
  requestor_id    TEXT,
  resource_type   TEXT,
  resource_id     TEXT,
  request_size    INTEGER NOT NULL CHECK (request_size >= 0),
  -- NULL for a streamed response (a CSV export), whose length is never known in full.
  response_size   INTEGER CHECK (response_size >= 0),
  -- Milliseconds from the account's resolution to the signed response (the Worker's clock
  -- advances only across I/O, so this is the request's wall time in D1/KV waits).
  run_time        INTEGER NOT NULL CHECK (run_time >= 0),
  created_at      INTEGER NOT NULL
);

-- Lists (newest first, per account, by date range) and the daily cap's count.
CREATE INDEX request_logs_account_created ON request_logs (account_id, created_at, id);
-- The daily prune, across accounts, oldest first.
CREATE INDEX request_logs_created ON request_logs (created_at);
