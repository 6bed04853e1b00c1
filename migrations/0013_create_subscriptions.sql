-- Migration number: 0013 	 Subscriptions (issue 10 §5): per-license subscription overrides,
-- the subscription log, maintenance policies; and typed feature values (issue 10 §3).

-- Cryptlex features are Keygen entitlements with an optional typed value: a JSON scalar
-- (number, string or boolean) as `api` writes it; NULL = a plain entitlement.
ALTER TABLE entitlements ADD COLUMN value TEXT;

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
  action                  TEXT NOT NULL CHECK (action IN ('renewed', 'expiry-updated', 'first-activated', 'first-validated', 'first-used', 'policy-changed', 'subscription-updated', 'maintenance-renewed', 'maintenance-extended', 'maintenance-policy-changed')),
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

-- Maintenance policies (Cryptlex 3.54, 3.81): a product's named maintenance window. A license's
-- `maintenance_expiry` is computed from its maintenance policy's interval (calendar arithmetic,
-- `domain::duration`) at creation or first activation (the trigger) and moved by the renew and
-- extend actions; the version flags are for distribution to gate upgrades on.
CREATE TABLE maintenance_policies (
  id                          TEXT PRIMARY KEY,
  account_id                  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  product_id                  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  name                        TEXT NOT NULL,
  subscription_interval       TEXT NOT NULL,
  subscription_start_trigger  TEXT NOT NULL DEFAULT 'creation' CHECK (subscription_start_trigger IN ('creation', 'activation')),
  allow_major_version_updates INTEGER NOT NULL DEFAULT 1 CHECK (allow_major_version_updates IN (0, 1)),
  allow_minor_version_updates INTEGER NOT NULL DEFAULT 1 CHECK (allow_minor_version_updates IN (0, 1)),
  metadata                    TEXT NOT NULL DEFAULT '{}',
  created_at                  INTEGER NOT NULL,
  updated_at                  INTEGER NOT NULL
);
CREATE INDEX maintenance_policies_account ON maintenance_policies (account_id, created_at);

-- A policy's default maintenance policy (new licenses get it) and a license's own. Deleting a
-- maintenance policy detaches it; licenses keep the maintenance expiry they have.
ALTER TABLE policies ADD COLUMN maintenance_policy_id TEXT REFERENCES maintenance_policies(id) ON DELETE SET NULL;
ALTER TABLE licenses ADD COLUMN maintenance_policy_id TEXT REFERENCES maintenance_policies(id) ON DELETE SET NULL;
-- Release versions (Cryptlex): what the licensee runs, and the newest it may update to.
ALTER TABLE licenses ADD COLUMN current_release_version TEXT;
ALTER TABLE licenses ADD COLUMN max_allowed_release_version TEXT;

-- Data: the ad-hoc `maintenanceDuration` (seconds, in the policy config) is replaced. Each
-- distinct duration of a product becomes one maintenance policy (P<n>D when whole days, else
-- PT<n>S), its policies point at it, their licenses too; every license keeps its expiry.
INSERT INTO maintenance_policies (id, account_id, product_id, name, subscription_interval, created_at, updated_at)
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-'
    || substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
  account_id, product_id, 'Maintenance ' || interval, interval, min(created_at), min(created_at)
FROM (SELECT account_id, product_id, created_at,
        CASE WHEN d % 86400 = 0 THEN 'P' || (d / 86400) || 'D' ELSE 'PT' || d || 'S' END AS interval
      FROM (SELECT account_id, product_id, created_at, CAST(json_extract(config, '$.maintenanceDuration') AS INTEGER) AS d
            FROM policies WHERE json_extract(config, '$.maintenanceDuration') IS NOT NULL))
GROUP BY account_id, product_id, interval;
UPDATE policies SET maintenance_policy_id = (
  SELECT mp.id FROM maintenance_policies mp WHERE mp.account_id = policies.account_id AND mp.product_id = policies.product_id
    AND mp.subscription_interval = CASE WHEN CAST(json_extract(policies.config, '$.maintenanceDuration') AS INTEGER) % 86400 = 0
      THEN 'P' || (CAST(json_extract(policies.config, '$.maintenanceDuration') AS INTEGER) / 86400) || 'D'
      ELSE 'PT' || CAST(json_extract(policies.config, '$.maintenanceDuration') AS INTEGER) || 'S' END)
WHERE json_extract(config, '$.maintenanceDuration') IS NOT NULL;
UPDATE licenses SET maintenance_policy_id = (SELECT p.maintenance_policy_id FROM policies p WHERE p.id = licenses.policy_id)
WHERE EXISTS (SELECT 1 FROM policies p WHERE p.id = licenses.policy_id AND p.maintenance_policy_id IS NOT NULL);
UPDATE policies SET config = json_remove(config, '$.maintenanceDuration') WHERE json_extract(config, '$.maintenanceDuration') IS NOT NULL;
