-- Issue 10 §5 follow-up (branch rules): the subscription log starts at license creation.
--
-- License creation appends a subscription log row (action 'created': the initial expiry,
-- interval and maintenance window). SQLite cannot alter a CHECK, so subscription_logs is rebuilt
-- with the new action (rows and indexes kept).
ALTER TABLE subscription_logs RENAME TO subscription_logs_old;
CREATE TABLE subscription_logs (
  id                      TEXT PRIMARY KEY,
  account_id              TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  license_id              TEXT NOT NULL,
  product_id              TEXT NOT NULL,
  action                  TEXT NOT NULL CHECK (action IN ('created', 'renewed', 'expiry-updated', 'first-activated', 'first-validated', 'first-used', 'policy-changed', 'subscription-updated', 'maintenance-renewed', 'maintenance-extended', 'maintenance-policy-changed')),
  expiry_from             INTEGER,
  expiry_to               INTEGER,
  interval_from           TEXT,
  interval_to             TEXT,
  maintenance_expiry_from INTEGER,
  maintenance_expiry_to   INTEGER,
  whodunnit_type          TEXT,
  whodunnit_id            TEXT,
  created_at              INTEGER NOT NULL
);
INSERT INTO subscription_logs SELECT id, account_id, license_id, product_id, action, expiry_from, expiry_to, interval_from, interval_to,
  maintenance_expiry_from, maintenance_expiry_to, whodunnit_type, whodunnit_id, created_at FROM subscription_logs_old;
DROP TABLE subscription_logs_old;
CREATE INDEX subscription_logs_account ON subscription_logs (account_id, created_at);
CREATE INDEX subscription_logs_license ON subscription_logs (account_id, license_id, created_at);
