-- Migration number: 0016 	 Key pools (issue 8): Keygen's `/keys`, the keys a `usePool` policy
-- hands out. Creating a license of a pooled policy moves the oldest key of its pool into the
-- license in one batch (the license insert reads the key, the next statement deletes it), so a
-- key is never handed out twice. A key is unique per account, and never an existing license's
-- key or id (checked by the guarded insert and update).
CREATE TABLE keys (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  policy_id  TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX keys_account_key ON keys (account_id, key);
CREATE INDEX keys_policy_created ON keys (policy_id, created_at, id);
CREATE INDEX keys_account_created ON keys (account_id, created_at);
