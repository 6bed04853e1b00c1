-- Migration number: 0021 	 Environments (Keygen EE, issue 8): sandboxes inside an account.
--
-- An environment is a sub-tenant: its records live under a tenant account row whose id is
-- `<account id>.<environment id>` and whose parent_id is the account. Every statement of the
-- store already filters by account_id, so an environment's licenses, products, users, machines,
-- tokens, events and webhook endpoints are out of reach of the account (and of every other
-- environment) without one more clause anywhere; deleting the tenant row removes all of it in
-- one statement (every tenant-owned table cascades from accounts).

-- Which account a tenant row belongs to (NULL: a real account). Tenant rows are never
-- addressable as accounts (`/v1/accounts/<tenant>` answers 404).
ALTER TABLE accounts ADD COLUMN parent_id TEXT REFERENCES accounts(id) ON DELETE CASCADE;

-- The environments of an account. `code` is unique per account case-insensitively (Keygen's
-- `validates :code, uniqueness: { case_sensitive: false }`); isolation_strategy is create-only.
CREATE TABLE environments (
  id                 TEXT PRIMARY KEY,
  account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name               TEXT NOT NULL,
  code               TEXT NOT NULL,
  isolation_strategy TEXT NOT NULL DEFAULT 'ISOLATED' CHECK (isolation_strategy IN ('ISOLATED', 'SHARED')),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX environments_account_code ON environments (account_id, lower(code));
CREATE INDEX environments_account_created ON environments (account_id, created_at);

-- Environment tokens (bearer = the environment, prefix `env`): tokens' CHECK lists gain
-- 'environment' and 'environment-token'. SQLite cannot alter a CHECK, so the table is rebuilt
-- (nothing references tokens): the old table is renamed aside, copied and dropped.
ALTER TABLE tokens RENAME TO tokens_0020;
DROP INDEX tokens_bearer;
DROP INDEX tokens_expiry;
CREATE TABLE tokens (
  id                TEXT PRIMARY KEY,
  account_id        TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  bearer_type       TEXT NOT NULL CHECK (bearer_type IN ('user', 'product', 'license', 'environment')),
  bearer_id         TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('admin-token', 'user-token', 'product-token', 'activation-token', 'environment-token')),
  digest            TEXT NOT NULL UNIQUE,
  name              TEXT,
  expiry            INTEGER,
  max_activations   INTEGER,
  activations       INTEGER NOT NULL DEFAULT 0,
  max_deactivations INTEGER,
  deactivations     INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  permissions       TEXT
);
INSERT INTO tokens (id, account_id, bearer_type, bearer_id, kind, digest, name, expiry, max_activations, activations,
  max_deactivations, deactivations, created_at, updated_at, permissions)
SELECT id, account_id, bearer_type, bearer_id, kind, digest, name, expiry, max_activations, activations,
  max_deactivations, deactivations, created_at, updated_at, permissions FROM tokens_0020;
DROP TABLE tokens_0020;
CREATE INDEX tokens_bearer ON tokens (account_id, bearer_type, bearer_id);
CREATE INDEX tokens_expiry ON tokens (expiry) WHERE expiry IS NOT NULL;
