-- Organization groups (issue 10 §7, Cryptlex's organization admins with Keygen's groups).
-- A group an organization admin creates belongs to its organization: organization admins read,
-- update and delete only their organization's groups and move only their organization's users
-- (role `user`, or themselves) into and out of them. NULL: a vendor (account-wide) group, managed
-- by admins and products as before. Deleting an organization hands its groups, with their
-- members, to the vendor (ON DELETE SET NULL, also written explicitly by the delete's batch: D1
-- may run without foreign keys).
ALTER TABLE groups ADD COLUMN organization_id TEXT REFERENCES organizations(id) ON DELETE SET NULL;

-- An organization admin's `GET /groups` (its organization's, newest first).
CREATE INDEX groups_organization ON groups (organization_id, created_at) WHERE organization_id IS NOT NULL;
