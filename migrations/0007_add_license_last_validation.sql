-- Migration number: 0007 	 The outcome code of a license's last recorded validation.
-- Validation writes (lastValidated and the license.validation.* event) are coalesced: while the
-- outcome stays the same they are written at most once a minute per license, so the hot path
-- is usually read-only; a changed outcome is always recorded. This column is what "the same
-- outcome" is compared with.
ALTER TABLE licenses ADD COLUMN last_validation_code TEXT;
