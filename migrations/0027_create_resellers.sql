-- Migration number: 0027 	 Resellers (issue 10 §7, Cryptlex 3.67): a partner company that
-- sells the vendor's licenses. It owns customers (users), organizations and licenses; its
-- reseller admins (users of role `reseller-admin` with a reseller) manage them, creating
-- licenses only of the policies allotted to it.

-- A reseller. `allowed_users` caps its customers (users of role `user`), `allowed_organizations`
-- its organizations (-1 = unlimited, Cryptlex's convention); both are enforced by guarded
-- statements (`sql::resellers`), never by a read then a write. `address` is a JSON object of
-- Cryptlex's address fields (as organizations').
CREATE TABLE resellers (
  id                    TEXT PRIMARY KEY,
  account_id            TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name                  TEXT NOT NULL,
  email                 TEXT,
  phone                 TEXT,
  description           TEXT,
  address               TEXT NOT NULL DEFAULT '{}',
  allowed_users         INTEGER NOT NULL DEFAULT -1 CHECK (allowed_users >= -1),
  allowed_organizations INTEGER NOT NULL DEFAULT -1 CHECK (allowed_organizations >= -1),
  metadata              TEXT NOT NULL DEFAULT '{}',
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);
CREATE INDEX resellers_account_created ON resellers (account_id, created_at);

-- The policies allotted to a reseller: the only ones its admins create licenses of.
CREATE TABLE reseller_policies (
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  reseller_id TEXT NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
  policy_id   TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (reseller_id, policy_id)
);
CREATE INDEX reseller_policies_policy ON reseller_policies (policy_id);

-- A user's, a license's and an organization's reseller. Deleting a reseller detaches them
-- (the service does it in the DELETE's batch; SET NULL covers account deletion).
ALTER TABLE users ADD COLUMN reseller_id TEXT REFERENCES resellers(id) ON DELETE SET NULL;
ALTER TABLE licenses ADD COLUMN reseller_id TEXT REFERENCES resellers(id) ON DELETE SET NULL;
ALTER TABLE organizations ADD COLUMN reseller_id TEXT REFERENCES resellers(id) ON DELETE SET NULL;
-- The counts of the guards and `GET /resellers/{id}/users|licenses|organizations`.
CREATE INDEX users_reseller ON users (reseller_id, created_at) WHERE reseller_id IS NOT NULL;
CREATE INDEX licenses_reseller ON licenses (reseller_id, created_at) WHERE reseller_id IS NOT NULL;
CREATE INDEX organizations_reseller ON organizations (reseller_id, created_at) WHERE reseller_id IS NOT NULL;
