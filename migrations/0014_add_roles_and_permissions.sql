-- Migration number: 0014 	 Keygen's roles and permissions.
-- Users gain Keygen's staff roles beside admin and user. SQLite cannot alter a CHECK, and
-- rebuilding `users` would cascade through every table that references it (D1 cannot turn
-- foreign keys off), so the column is swapped instead: the old one (whose CHECK is its own
-- column constraint, so DROP COLUMN accepts it) is renamed away, the new one added with the
-- wider CHECK, copied, and the old one dropped.
ALTER TABLE users RENAME COLUMN role TO role_0001;
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'developer', 'sales-agent', 'support-agent', 'read-only', 'user'));
UPDATE users SET role = role_0001;
ALTER TABLE users DROP COLUMN role_0001;

-- A user's own permission set (a JSON array of Keygen permission names, or ["*"]); NULL means
-- the role's defaults. Admins set it; it never exceeds what the role allows.
ALTER TABLE users ADD COLUMN permissions TEXT;

-- A token's permission subset (JSON array, or ["*"]); NULL means Keygen's default, the
-- wildcard: everything its bearer may do. It never exceeds its bearer's set.
ALTER TABLE tokens ADD COLUMN permissions TEXT;
