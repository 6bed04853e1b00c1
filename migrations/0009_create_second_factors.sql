-- Second factors (TOTP, RFC 6238), Keygen's `second_factors`: at most one per user. The 20-byte
-- secret is stored only sealed (AES-256-GCM under LATCHKEY_SECRET, base64 of nonce ‖ ciphertext),
-- never in the clear. last_step is the last 30-second step whose code was accepted: every check
-- spends its step with a guarded UPDATE (`last_step IS NULL OR last_step < ?`), so a code works
-- once, even for two concurrent requests. A factor counts for login only once enabled.
CREATE TABLE second_factors (
  id            TEXT PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sealed_secret TEXT NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  last_step     INTEGER,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (user_id)
);
CREATE INDEX second_factors_account_user ON second_factors (account_id, user_id);
