-- Migration number: 0005 	 Lifecycle: license maintenance windows, the bookkeeping that makes
-- scheduled jobs idempotent, webhook endpoints and webhook events (deliveries).

-- Cryptlex's maintenance window: set from the policy's maintenanceDuration on creation and
-- extended by `actions/renew-maintenance`. NULL = no maintenance period.
ALTER TABLE licenses ADD COLUMN maintenance_expiry INTEGER;
-- When each scheduled event was last emitted for the license. A job emits again only when the
-- column is older than the start of the current window (e.g. the expiry moved after a renewal),
-- so a tick run twice emits nothing twice.
ALTER TABLE licenses ADD COLUMN last_expiring_soon_event_at INTEGER;
ALTER TABLE licenses ADD COLUMN last_expired_event_at INTEGER;
ALTER TABLE licenses ADD COLUMN last_maintenance_expiring_soon_event_at INTEGER;
ALTER TABLE licenses ADD COLUMN last_maintenance_expired_event_at INTEGER;
ALTER TABLE licenses ADD COLUMN last_check_in_required_soon_event_at INTEGER;
ALTER TABLE licenses ADD COLUMN last_check_in_overdue_event_at INTEGER;
-- The expiry scans run across accounts, by time.
CREATE INDEX licenses_expiry_scan ON licenses (expiry) WHERE expiry IS NOT NULL;
CREATE INDEX licenses_maintenance_scan ON licenses (maintenance_expiry) WHERE maintenance_expiry IS NOT NULL;

-- When the event was fanned out into webhook events (NULL = not yet). Events recorded before
-- this migration are marked done: no endpoint existed to receive them.
ALTER TABLE event_logs ADD COLUMN webhooks_at INTEGER;
UPDATE event_logs SET webhooks_at = created_at;
CREATE INDEX event_logs_pending_webhooks ON event_logs (created_at, id) WHERE webhooks_at IS NULL;

-- Where a vendor receives events. `subscriptions` is a JSON array of event names or "*".
-- A suspended endpoint (after repeated failures or a 410) keeps receiving webhook-event rows
-- (Cryptlex 3.81: suspended, not disabled) so they can be delivered once it is fixed; only
-- delivery pauses. consecutive_failures counts failed attempts since the last success.
CREATE TABLE webhook_endpoints (
  id                   TEXT PRIMARY KEY,
  account_id           TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id           TEXT REFERENCES products(id) ON DELETE CASCADE,
  url                  TEXT NOT NULL,
  subscriptions        TEXT NOT NULL DEFAULT '["*"]',
  signature_algorithm  TEXT NOT NULL DEFAULT 'ed25519' CHECK (signature_algorithm IN ('ed25519')),
  api_version          TEXT NOT NULL,
  suspended_at         INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at);

-- One delivery of one event to one endpoint. The payload is rendered once, at fan-out, and the
-- idempotency token is fixed for the event's lifetime: cron retries reuse the row, manual
-- retries copy it (retry_of) with the same token. claimed_at is a short lease taken with a
-- guarded UPDATE before posting, so the cron and the post-request hook never post the same row
-- at once. The partial unique index makes fan-out idempotent.
CREATE TABLE webhook_events (
  id                 TEXT PRIMARY KEY,
  account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  endpoint_id        TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_log_id       TEXT NOT NULL,
  retry_of           TEXT,
  event              TEXT NOT NULL,
  endpoint_url       TEXT NOT NULL,
  api_version        TEXT NOT NULL,
  payload            TEXT NOT NULL,
  idempotency_token  TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'DELIVERING' CHECK (status IN ('DELIVERING', 'DELIVERED', 'FAILING', 'FAILED')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    INTEGER NOT NULL,
  claimed_at         INTEGER,
  last_response_code INTEGER,
  last_response_body TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX webhook_events_fan_out ON webhook_events (endpoint_id, event_log_id) WHERE retry_of IS NULL;
CREATE INDEX webhook_events_account_created ON webhook_events (account_id, created_at);
CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at) WHERE status IN ('DELIVERING', 'FAILING');
CREATE INDEX webhook_events_created ON webhook_events (created_at);
