-- Migration number: 0022 	 Group owners (issue 8, Keygen's `group_owners`): users who own a
-- group and may therefore read its licenses, machines and users (Keygen's `Groups::*Policy`).

-- One row per (group, user). `id` is the `group-owners` resource id Keygen renders; the pair is
-- unique (Keygen: "already exists"). Deleting the group or the user removes the ownership.
CREATE TABLE group_owners (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  group_id   TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (group_id, user_id)
);
-- "Which groups does this user own?" (the access table's ownership of a group).
CREATE INDEX group_owners_user ON group_owners (user_id);
