-- Migration number: 0024 	 Organizations (issue 10 §7, Cryptlex 3.59/3.66): a customer
-- company that users belong to (at most one each) and licenses may be assigned to.

-- An organization. `allowed_users` caps its members (-1 = unlimited, Cryptlex's convention);
-- the cap is enforced by the guarded UPDATE that moves a user in (`sql::organizations`), never
-- by a read then a write. `address` is a JSON object of Cryptlex's address fields.
CREATE TABLE organizations (
  id            TEXT PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  email         TEXT,
  description   TEXT,
  address       TEXT NOT NULL DEFAULT '{}',
  allowed_users INTEGER NOT NULL DEFAULT -1 CHECK (allowed_users >= -1),
  metadata      TEXT NOT NULL DEFAULT '{}',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX organizations_account_created ON organizations (account_id, created_at);

-- A user's organization and a license's. Deleting an organization detaches both (the service
-- does it in the DELETE's batch; SET NULL covers account deletion).
ALTER TABLE users ADD COLUMN organization_id TEXT REFERENCES organizations(id) ON DELETE SET NULL;
ALTER TABLE licenses ADD COLUMN organization_id TEXT REFERENCES organizations(id) ON DELETE SET NULL;
-- The member count of the guard and `GET /organizations/{id}/users|licenses`.
CREATE INDEX users_organization ON users (organization_id, created_at) WHERE organization_id IS NOT NULL;
CREATE INDEX licenses_organization ON licenses (organization_id, created_at) WHERE organization_id IS NOT NULL;
