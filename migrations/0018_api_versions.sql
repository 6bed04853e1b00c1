-- Migration number: 0018 	 API versions (issue 8): the account's pinned Keygen API version,
-- what requests without a `Keygen-Version` header are answered in (Keygen's `api_version`).
ALTER TABLE accounts ADD COLUMN api_version TEXT NOT NULL DEFAULT '1.8';
