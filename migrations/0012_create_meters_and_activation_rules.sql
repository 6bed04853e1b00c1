-- Issue 10 §2 and §4 (Cryptlex's meter attributes and activation rules).
--
-- license_meters: a license's named usage meters (Cryptlex "meter attributes"). allowed_uses
-- -1 = unlimited; total_uses is what counts against allowed_uses (guarded in one UPDATE);
-- gross_uses only ever grows (lifetime uses: resets and floating releases never lower it).
-- floating = 1: a machine's uses go back to the meter when the machine is deactivated or culled.
CREATE TABLE license_meters (
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  license_id   TEXT NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  allowed_uses INTEGER NOT NULL CHECK (allowed_uses >= -1),
  total_uses   INTEGER NOT NULL DEFAULT 0 CHECK (total_uses >= 0),
  gross_uses   INTEGER NOT NULL DEFAULT 0 CHECK (gross_uses >= 0),
  floating     INTEGER NOT NULL DEFAULT 0 CHECK (floating IN (0, 1)),
  visible      INTEGER NOT NULL DEFAULT 1 CHECK (visible IN (0, 1)),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (license_id, name)
);

-- machine_meters: one machine's uses of one license meter. No foreign key to machines: the
-- rows must outlive the machine's delete inside the same batch so the floating release can
-- read them; the batch then deletes them (`sql::meters::PURGE_GONE_MACHINES`).
CREATE TABLE machine_meters (
  account_id  TEXT NOT NULL,
  machine_id  TEXT NOT NULL,
  license_id  TEXT NOT NULL,
  name        TEXT NOT NULL,
  uses        INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (machine_id, name),
  FOREIGN KEY (license_id, name) REFERENCES license_meters (license_id, name) ON DELETE CASCADE
);
CREATE INDEX machine_meters_meter ON machine_meters (license_id, name);

-- Client-reported virtualisation (Cryptlex's activation `vmName` / `container`), checked
-- against allowVmActivation / allowContainerActivation.
ALTER TABLE machines ADD COLUMN vm_name TEXT;
ALTER TABLE machines ADD COLUMN container INTEGER;

-- Activation-rule overrides of a license (JSON object; NULL = the policy's rules), and its
-- deactivation count (allowedDeactivations, guarded in the deactivation batch).
ALTER TABLE licenses ADD COLUMN activation_rules TEXT;
ALTER TABLE licenses ADD COLUMN deactivations INTEGER NOT NULL DEFAULT 0;
