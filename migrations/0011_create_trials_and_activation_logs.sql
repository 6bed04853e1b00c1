-- Migration number: 0011 	 Trials (Cryptlex's verified trials): trial policies per product and
-- trial activations, one per fingerprint per product.

-- A trial policy: how long a product's trial lasts (exactly one of trial_length in days or
-- subscription_interval, an ISO-8601 duration), how often one fingerprint may re-activate it
-- (allowed_activations), which hardware may take it, and whether it needs a user. At most one
-- default per product (the partial unique index): the one trial activations use. The bounds
-- (trial_length 1–3650, allowed_activations 1–1000, exactly one length) are checked by
-- `service::licensing::trial_policies::parse`, the one writer.
CREATE TABLE trial_policies (
  id                            TEXT PRIMARY KEY,
  account_id                    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id                    TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  name                          TEXT NOT NULL,
  trial_length                  INTEGER,
  subscription_interval         TEXT,
  allowed_activations           INTEGER NOT NULL DEFAULT 1,
  fingerprint_matching_strategy TEXT NOT NULL DEFAULT 'MATCH_ANY' CHECK (fingerprint_matching_strategy IN ('MATCH_ANY', 'MATCH_TWO', 'MATCH_MOST', 'MATCH_ALL')),
  allow_vm_activation           INTEGER NOT NULL DEFAULT 1 CHECK (allow_vm_activation IN (0, 1)),
  allow_container_activation    INTEGER NOT NULL DEFAULT 1 CHECK (allow_container_activation IN (0, 1)),
  user_locked                   INTEGER NOT NULL DEFAULT 0 CHECK (user_locked IN (0, 1)),
  is_default                    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  metadata                      TEXT NOT NULL DEFAULT '{}',
  created_at                    INTEGER NOT NULL,
  updated_at                    INTEGER NOT NULL
);
CREATE UNIQUE INDEX trial_policies_one_default ON trial_policies (product_id) WHERE is_default = 1;
CREATE INDEX trial_policies_account ON trial_policies (account_id, created_at);

-- A trial activation: the one trial of a fingerprint for a product. UNIQUE (product_id,
-- fingerprint) with a guarded insert (no other trial of the product matches the fingerprint or,
-- by the policy's strategy, its components) makes reinstalling return the same trial instead of
-- a new one, even for concurrent requests. activation_count counts the (re)activations, at most
-- the policy's allowed_activations (guarded UPDATE). expired_event_at makes
-- `trial-activation.expired` fire once per expiry (an extension re-arms it).
CREATE TABLE trial_activations (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id       TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  trial_policy_id  TEXT REFERENCES trial_policies(id) ON DELETE SET NULL,
  user_id          TEXT REFERENCES users(id) ON DELETE SET NULL,
  fingerprint      TEXT NOT NULL,
  components       TEXT NOT NULL DEFAULT '[]',
  os               TEXT,
  os_version       TEXT,
  hostname         TEXT,
  vm_name          TEXT,
  container        TEXT,
  app_version      TEXT,
  ip               TEXT,
  country          TEXT,
  user_agent       TEXT,
  offline          INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
  allowed_activations INTEGER NOT NULL DEFAULT 1,
  activation_count INTEGER NOT NULL DEFAULT 1,
  metadata         TEXT NOT NULL DEFAULT '{}',
  expires_at       INTEGER NOT NULL,
  expired_event_at INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (product_id, fingerprint)
);
CREATE INDEX trial_activations_account ON trial_activations (account_id, created_at);
-- The expiry cron scans by expiry time.
CREATE INDEX trial_activations_expiry ON trial_activations (expires_at);

-- Activation logs (Cryptlex's `/activation-logs`): one row per activation, deactivation (by a
-- request, culled by the heartbeat cron, or in bulk), and trial activation, written in the same
-- atomic batch as the change. No foreign keys to machines or licenses: a log outlives them.
-- The action list is mirrored by `domain::states::ActivationAction`.
CREATE TABLE activation_logs (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  action      TEXT NOT NULL CHECK (action IN ('activated', 'deactivated', 'culled', 'bulk-deactivated', 'trial-activated')),
  product_id  TEXT,
  license_id  TEXT,
  machine_id  TEXT,
  trial_activation_id TEXT,
  fingerprint TEXT NOT NULL,
  offline     INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
  app_version TEXT,
  os          TEXT,
  hostname    TEXT,
  ip          TEXT,
  country     TEXT,
  user_agent  TEXT,
  created_at  INTEGER NOT NULL
);
-- Lists and exports walk (account, created_at, id) in keyset order.
CREATE INDEX activation_logs_account_created ON activation_logs (account_id, created_at, id);
CREATE INDEX activation_logs_license ON activation_logs (license_id, created_at);
CREATE INDEX activation_logs_machine ON activation_logs (machine_id, created_at);
