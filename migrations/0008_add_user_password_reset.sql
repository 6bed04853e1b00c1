-- Password reset (POST /passwords, POST /users/{id}/actions/reset-password): only the HMAC
-- digest of the reset token is stored (as for API tokens), with the time it was issued; a reset
-- consumes both in one guarded UPDATE (single use), and a token older than 24 h is expired.
ALTER TABLE users ADD COLUMN password_reset_digest TEXT;
ALTER TABLE users ADD COLUMN password_reset_sent_at INTEGER;
