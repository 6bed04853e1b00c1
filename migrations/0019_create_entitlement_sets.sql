-- Migration number: 0019 	 Entitlement sets and license-level features (issue 10 §3,
-- Cryptlex 3.78–3.81): a named bundle of entitlements with optional value overrides that
-- policies and licenses point at, and license-level feature grants with their own value and
-- expiry. The effective feature list of a license is `shared::domain::features::effective`.

-- A named bundle of entitlements (a tier: Pro, Enterprise). Account-wide, like entitlements.
CREATE TABLE entitlement_sets (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  metadata   TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX entitlement_sets_account_created ON entitlement_sets (account_id, created_at);

-- A set's members. `value` overrides the entitlement's own value for holders of the set (a
-- JSON scalar as `api` writes it; NULL = the entitlement's).
CREATE TABLE entitlement_set_entitlements (
  account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  entitlement_set_id TEXT NOT NULL REFERENCES entitlement_sets(id) ON DELETE CASCADE,
  entitlement_id     TEXT NOT NULL REFERENCES entitlements(id) ON DELETE CASCADE,
  value              TEXT,
  created_at         INTEGER NOT NULL,
  PRIMARY KEY (entitlement_set_id, entitlement_id)
);
CREATE INDEX entitlement_set_entitlements_entitlement ON entitlement_set_entitlements (entitlement_id);

-- The set a policy's licenses get, and a license's own (which replaces its policy's). Deleting
-- a set detaches it (SET NULL); the delete is refused while anything points at it (the service
-- guards it in the DELETE statement), so this only matters for account deletion.
ALTER TABLE policies ADD COLUMN entitlement_set_id TEXT REFERENCES entitlement_sets(id) ON DELETE SET NULL;
ALTER TABLE licenses ADD COLUMN entitlement_set_id TEXT REFERENCES entitlement_sets(id) ON DELETE SET NULL;
CREATE INDEX policies_entitlement_set ON policies (entitlement_set_id) WHERE entitlement_set_id IS NOT NULL;
CREATE INDEX licenses_entitlement_set ON licenses (entitlement_set_id) WHERE entitlement_set_id IS NOT NULL;

-- License-level features (Cryptlex 3.78, `expiresAt` 3.81): a value overriding the set's and
-- the entitlement's (NULL = none), and an expiry after which the grant no longer counts
-- (NULL = never; milliseconds).
ALTER TABLE license_entitlements ADD COLUMN value TEXT;
ALTER TABLE license_entitlements ADD COLUMN expires_at INTEGER;
