-- Distribution (Keygen's "Dist v2"): packages, releases, their entitlement constraints and
-- artifacts. Artifact bytes live in R2 (binding ARTIFACTS, a private bucket) under `r2_key`;
-- D1 holds only metadata. Products already carry `distribution_strategy` (0001).

-- A package groups a product's releases for one engine (pypi, npm, …) or none. `key` is unique
-- per account, as in Keygen (`release_packages.key`), because engine URLs name packages by key
-- alone.
CREATE TABLE packages (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  key        TEXT NOT NULL,
  engine     TEXT CHECK (engine IN ('pypi', 'npm', 'rubygems', 'oci', 'tauri', 'raw')),
  metadata   TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (account_id, key)
);
CREATE INDEX packages_account_created ON packages (account_id, created_at);
CREATE INDEX packages_product ON packages (product_id);

-- A release: one version of a product (and package). `version` is the normalized semver 2.0
-- text; `semver_key` encodes its precedence so that `ORDER BY semver_key` is semver order
-- (`domain::semver::Version::sort_key`; build metadata does not count). A package-less release
-- has `package_id` NULL: the unique indexes use IFNULL so that NULL packages collide too.
-- `backdated_at` stands in for `created_at` in the expiry access window (Keygen's `backdated`).
-- Deleting a package detaches its releases rather than deleting them (Keygen nullifies).
CREATE TABLE releases (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id   TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  package_id   TEXT REFERENCES packages(id) ON DELETE SET NULL,
  name         TEXT,
  description  TEXT,
  version      TEXT NOT NULL,
  semver_key   TEXT NOT NULL,
  channel      TEXT NOT NULL CHECK (channel IN ('stable', 'rc', 'beta', 'alpha', 'dev')),
  status       TEXT NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'YANKED')),
  tag          TEXT,
  metadata     TEXT NOT NULL DEFAULT '{}',
  backdated_at INTEGER,
  published_at INTEGER,
  yanked_at    INTEGER,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
-- VERSION_TAKEN / TAG_TAKEN: one version and one tag per product and package.
CREATE UNIQUE INDEX releases_version ON releases (account_id, product_id, IFNULL(package_id, ''), version);
CREATE UNIQUE INDEX releases_tag ON releases (account_id, product_id, IFNULL(package_id, ''), tag) WHERE tag IS NOT NULL;
-- Upgrades and engine indexes walk a product's releases by precedence.
CREATE INDEX releases_product_semver ON releases (account_id, product_id, semver_key);
CREATE INDEX releases_account_created ON releases (account_id, created_at);

-- An entitlement a license must hold to access the release (all of them, Keygen's
-- `release_entitlement_constraints`). One row per (release, entitlement).
CREATE TABLE release_entitlement_constraints (
  id             TEXT PRIMARY KEY,
  account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  release_id     TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
  entitlement_id TEXT NOT NULL REFERENCES entitlements(id) ON DELETE CASCADE,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (release_id, entitlement_id)
);
CREATE INDEX release_constraints_entitlement ON release_entitlement_constraints (entitlement_id);

-- An artifact: one file of a release. `filename` is unique per release (FILENAME_TAKEN).
-- `status` moves WAITING → UPLOADED (the Worker's own upload URL stored the bytes and they
-- matched `filesize`/`checksum` when given) or FAILED (mismatch), and → YANKED. `r2_key` names
-- the object in the ARTIFACTS bucket (by artifact id, so filenames never form paths).
-- `platform`/`arch`/`filetype` are lowercase keys; the platforms/arches resources derive from
-- them.
CREATE TABLE artifacts (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  release_id TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
  filename   TEXT NOT NULL,
  filetype   TEXT,
  filesize   INTEGER,
  platform   TEXT,
  arch       TEXT,
  signature  TEXT,
  checksum   TEXT,
  status     TEXT NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'UPLOADED', 'FAILED', 'YANKED')),
  r2_key     TEXT NOT NULL,
  metadata   TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (release_id, filename)
);
CREATE INDEX artifacts_account_created ON artifacts (account_id, created_at);
-- The daily cron finds stale WAITING artifacts by (status, created_at).
CREATE INDEX artifacts_status_created ON artifacts (status, created_at);
