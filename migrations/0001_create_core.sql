-- Migration number: 0001 	 Core tenancy and catalogue: accounts, users, tokens, products, policies,
-- licenses, licensees, and the event log every state change writes to (the outbox).
-- Ids are TEXT UUIDs; timestamps INTEGER milliseconds since the epoch (D1 has no BigInt, exact
-- below 2^53). Every tenant-owned table carries account_id and every query filters by it.

-- One vendor. The Ed25519 private key is sealed (AES-256-GCM) under the deployment secret;
-- the public key (hex) is what SDKs take as `public_key`.
CREATE TABLE accounts (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  slug               TEXT NOT NULL UNIQUE,
  public_key         TEXT NOT NULL,
  private_key_sealed TEXT NOT NULL,
  metadata           TEXT NOT NULL DEFAULT '{}',
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);

-- People: admins of the account and end users (licensees). Email is unique per account,
-- stored lower-cased so lookups by email are exact.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  email         TEXT NOT NULL,
  first_name    TEXT,
  last_name     TEXT,
  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
  password_hash TEXT,
  banned_at     INTEGER,
  group_id      TEXT,
  metadata      TEXT NOT NULL DEFAULT '{}',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (account_id, email)
);
CREATE INDEX users_account_created ON users (account_id, created_at);

-- API tokens. Only the HMAC-SHA256 digest of the token is stored (the token is shown once).
-- bearer_type says whose token it is; activation/deactivation counters back license tokens'
-- maxActivations/maxDeactivations, enforced by guarded updates.
CREATE TABLE tokens (
  id                TEXT PRIMARY KEY,
  account_id        TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  bearer_type       TEXT NOT NULL CHECK (bearer_type IN ('user', 'product', 'license')),
  bearer_id         TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('admin-token', 'user-token', 'product-token', 'activation-token')),
  digest            TEXT NOT NULL UNIQUE,
  name              TEXT,
  expiry            INTEGER,
  max_activations   INTEGER,
  activations       INTEGER NOT NULL DEFAULT 0,
  max_deactivations INTEGER,
  deactivations     INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX tokens_bearer ON tokens (account_id, bearer_type, bearer_id);
CREATE INDEX tokens_expiry ON tokens (expiry) WHERE expiry IS NOT NULL;

CREATE TABLE products (
  id                    TEXT PRIMARY KEY,
  account_id            TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name                  TEXT NOT NULL,
  code                  TEXT,
  url                   TEXT,
  distribution_strategy TEXT NOT NULL DEFAULT 'LICENSED' CHECK (distribution_strategy IN ('LICENSED', 'OPEN', 'CLOSED')),
  platforms             TEXT NOT NULL DEFAULT '[]',
  metadata              TEXT NOT NULL DEFAULT '{}',
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  UNIQUE (account_id, code)
);
CREATE INDEX products_account_created ON products (account_id, created_at);

-- A policy's rules live in `config`, a JSON object of its camelCase attributes (strategies,
-- limits, heartbeat and check-in settings) so new attributes need no migration. Guarded SQL reads
-- the few it counts with json_extract.
CREATE TABLE policies (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  config     TEXT NOT NULL DEFAULT '{}',
  metadata   TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX policies_account_created ON policies (account_id, created_at);
CREATE INDEX policies_product ON policies (product_id);

-- Licenses. `key` is unique per account: lookup by key is the hot path of validate-key.
-- max_* columns are per-license overrides of the policy's limits (NULL = use the policy's).
CREATE TABLE licenses (
  id                TEXT PRIMARY KEY,
  account_id        TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id        TEXT NOT NULL REFERENCES products(id),
  policy_id         TEXT NOT NULL REFERENCES policies(id),
  owner_id          TEXT REFERENCES users(id) ON DELETE SET NULL,
  group_id          TEXT,
  key               TEXT NOT NULL,
  name              TEXT,
  expiry            INTEGER,
  suspended         INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
  protected         INTEGER CHECK (protected IN (0, 1)),
  uses              INTEGER NOT NULL DEFAULT 0,
  max_machines      INTEGER,
  max_processes     INTEGER,
  max_users         INTEGER,
  max_cores         INTEGER,
  max_memory        INTEGER,
  max_disk          INTEGER,
  max_uses          INTEGER,
  last_validated_at INTEGER,
  last_check_in_at  INTEGER,
  last_check_out_at INTEGER,
  metadata          TEXT NOT NULL DEFAULT '{}',
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  UNIQUE (account_id, key)
);
CREATE INDEX licenses_account_created ON licenses (account_id, created_at);
CREATE INDEX licenses_policy ON licenses (policy_id);
CREATE INDEX licenses_owner ON licenses (owner_id);
CREATE INDEX licenses_expiry ON licenses (account_id, expiry) WHERE expiry IS NOT NULL;

-- Licensees besides the owner (Keygen's license users).
CREATE TABLE license_users (
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  license_id TEXT NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (license_id, user_id)
);
CREATE INDEX license_users_user ON license_users (user_id);

-- The outbox: every state change inserts its event in the same batch as the change, so an event
-- exists if and only if the change happened. Webhook delivery reads from here.
CREATE TABLE event_logs (
  id             TEXT PRIMARY KEY,
  account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  event          TEXT NOT NULL,
  resource_type  TEXT NOT NULL,
  resource_id    TEXT NOT NULL,
  whodunnit_type TEXT,
  whodunnit_id   TEXT,
  changes        TEXT,
  meta           TEXT,
  created_at     INTEGER NOT NULL
);
CREATE INDEX event_logs_account_created ON event_logs (account_id, created_at);
CREATE INDEX event_logs_resource ON event_logs (account_id, resource_type, resource_id);
