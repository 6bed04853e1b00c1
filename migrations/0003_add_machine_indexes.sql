-- Migration number: 0003 	 Indexes the licensing engine's hot statements need.

-- PER_USER machine leasing counts a license's machines per owner inside the guarded activation
-- insert, and the machines list filters by owner; ON DELETE SET NULL from users also scans it.
CREATE INDEX machines_license_owner ON machines (license_id, owner_id);

-- Component uniqueness (per account/product/policy/license) looks components up by
-- fingerprint inside the guarded activation insert; components_fingerprint covers
-- (account_id, fingerprint) already, this one serves per-machine lookups by fingerprint.
CREATE INDEX components_machine_fingerprint ON components (machine_id, fingerprint);
