-- Migration number: 0025 	 Cryptlex's customer-admin roles (issue 10 §7).
-- `organization-admin` (a customer company's administrator: manages its organization's users
-- and assigns its licenses) and `reseller-admin` (a reseller's administrator: sells the
-- policies allotted to its reseller to its own customers). Neither is a staff role. The column
-- is swapped as in 0014 (SQLite cannot alter a CHECK; rebuilding `users` would cascade).
ALTER TABLE users RENAME COLUMN role TO role_0014;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'developer', 'sales-agent', 'support-agent', 'read-only', 'user', 'organization-admin', 'reseller-admin'));
UPDATE users SET role = role_0014;
ALTER TABLE users DROP COLUMN role_0014;
