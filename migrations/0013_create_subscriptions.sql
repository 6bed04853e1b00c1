-- Migration number: 0013 	 Subscriptions (issue 10 §5): per-license subscription overrides
-- and the subscription log.

-- Cryptlex's subscriptionInterval / subscriptionStartTrigger on a license, overriding its
-- policy's (NULL = the policy's). The interval is an ISO-8601 duration as `domain::duration`
-- spells it canonically; the trigger by its Cryptlex name.
ALTER TABLE licenses ADD COLUMN subscription_interval TEXT;
ALTER TABLE licenses ADD COLUMN subscription_start_trigger TEXT CHECK (subscription_start_trigger IN ('creation', 'activation'));

-- One row per change of a license's expiry, subscription interval or maintenance expiry,
-- written in the same batch as the change and only when the guarded write changed the row
-- (Cryptlex 3.80 subscription logs). No foreign key to licenses: the history outlives the
-- license; product_id is copied so a product's token lists only its own licenses' logs.
CREATE TABLE subscription_logs (
  id                      TEXT PRIMARY KEY,
  account_id              TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  license_id              TEXT NOT NULL,
  product_id              TEXT NOT NULL,
  action                  TEXT NOT NULL CHECK (action IN ('renewed', 'expiry-updated', 'first-activated', 'first-validated', 'first-used', 'policy-changed', 'subscription-updated', 'maintenance-renewed')),
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
-- Lists: per account and per license, newest first.
CREATE INDEX subscription_logs_account ON subscription_logs (account_id, created_at);
CREATE INDEX subscription_logs_license ON subscription_logs (account_id, license_id, created_at);
