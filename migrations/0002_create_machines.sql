-- Migration number: 0002 	 Machines (activations), their components and processes, and groups and
-- entitlements that licenses, machines and users hang off.

-- A machine is a seat: one activation of a license. product_id and policy_id are copied from the
-- license so fingerprint uniqueness (per account/product/policy/license) is one indexed lookup;
-- a policy transfer rewrites them in the same batch. last_heartbeat_at is the truth for culling;
-- the KV lease is only a fast read path. last_death_event_at makes `machine.heartbeat.dead`
-- fire once per death.
CREATE TABLE machines (
  id                  TEXT PRIMARY KEY,
  account_id          TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  license_id          TEXT NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
  product_id          TEXT NOT NULL,
  policy_id           TEXT NOT NULL,
  owner_id            TEXT REFERENCES users(id) ON DELETE SET NULL,
  group_id            TEXT,
  fingerprint         TEXT NOT NULL,
  name                TEXT,
  ip                  TEXT,
  hostname            TEXT,
  platform            TEXT,
  cores               INTEGER,
  memory              INTEGER,
  disk                INTEGER,
  max_processes       INTEGER,
  metadata            TEXT NOT NULL DEFAULT '{}',
  last_heartbeat_at   INTEGER,
  last_death_event_at INTEGER,
  last_check_out_at   INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX machines_license ON machines (license_id, created_at);
CREATE INDEX machines_fingerprint ON machines (account_id, fingerprint);
CREATE INDEX machines_account_created ON machines (account_id, created_at);
-- The cull scans by heartbeat time.
CREATE INDEX machines_heartbeat ON machines (last_heartbeat_at) WHERE last_heartbeat_at IS NOT NULL;

-- Hardware components of a machine (≤ 20 per activation).
CREATE TABLE components (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  machine_id  TEXT NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  name        TEXT NOT NULL,
  metadata    TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX components_machine ON components (machine_id);
CREATE INDEX components_fingerprint ON components (account_id, fingerprint);

-- Processes running on a machine; pid is unique per machine (PID_TAKEN).
CREATE TABLE processes (
  id                  TEXT PRIMARY KEY,
  account_id          TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  machine_id          TEXT NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
  license_id          TEXT NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
  pid                 TEXT NOT NULL,
  metadata            TEXT NOT NULL DEFAULT '{}',
  last_heartbeat_at   INTEGER NOT NULL,
  last_death_event_at INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (machine_id, pid)
);
CREATE INDEX processes_license ON processes (license_id);
CREATE INDEX processes_heartbeat ON processes (last_heartbeat_at);

-- Groups of users, licenses and machines.
CREATE TABLE groups (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  max_users    INTEGER,
  max_licenses INTEGER,
  max_machines INTEGER,
  metadata     TEXT NOT NULL DEFAULT '{}',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX groups_account_created ON groups (account_id, created_at);

-- Feature entitlements, by code, attached to policies and licenses.
CREATE TABLE entitlements (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  code       TEXT NOT NULL,
  metadata   TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (account_id, code)
);

CREATE TABLE policy_entitlements (
  account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  policy_id      TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
  entitlement_id TEXT NOT NULL REFERENCES entitlements(id) ON DELETE CASCADE,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (policy_id, entitlement_id)
);

CREATE TABLE license_entitlements (
  account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  license_id     TEXT NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
  entitlement_id TEXT NOT NULL REFERENCES entitlements(id) ON DELETE CASCADE,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (license_id, entitlement_id)
);
