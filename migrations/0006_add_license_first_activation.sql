-- Migration number: 0006 	 When a license got its first machine ever.

-- Activation sets it, guarded by `first_activated_at IS NULL`, in the same batch as the machine
-- insert, and records `license.first-activated` only when it did: machines come and go, so
-- "the license has no other machine" cannot tell the first activation from a later one.
ALTER TABLE licenses ADD COLUMN first_activated_at INTEGER;

-- Licenses with machines today were activated already (the earliest machine is the best date
-- left; machines deleted before this migration leave no trace).
UPDATE licenses SET first_activated_at = (SELECT min(m.created_at) FROM machines m WHERE m.license_id = licenses.id)
WHERE EXISTS (SELECT 1 FROM machines m WHERE m.license_id = licenses.id);
