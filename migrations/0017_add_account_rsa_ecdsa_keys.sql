-- Key schemes (issue 8): an account's RSA-2048 and ECDSA P-256 key pairs beside its Ed25519 pair.
-- Made lazily on first use (RSA-2048 generation is slow) by a guarded UPDATE that only fills
-- NULL columns, so concurrent first uses keep exactly one pair. Public keys are SPKI PEM;
-- private keys are sealed (AES-256-GCM under the deployment secret) like private_key_sealed:
-- the RSA key as PKCS#8 DER, the P-256 key as its 32-byte scalar.
ALTER TABLE accounts ADD COLUMN rsa_public_key TEXT;
ALTER TABLE accounts ADD COLUMN rsa_private_key_sealed TEXT;
ALTER TABLE accounts ADD COLUMN ecdsa_public_key TEXT;
ALTER TABLE accounts ADD COLUMN ecdsa_private_key_sealed TEXT;

-- Webhook endpoints sign in any algorithm Keygen offers. SQLite cannot widen the CHECK of
-- signature_algorithm (0005) without rebuilding the table, and a rebuild would cascade-delete
-- webhook_events on D1 (foreign keys are always on): the algorithm moves to this column, which
-- wins when set; signature_algorithm keeps its 'ed25519' default.
ALTER TABLE webhook_endpoints ADD COLUMN signing_algorithm TEXT CHECK (signing_algorithm IN ('ed25519', 'rsa-pss-sha256', 'rsa-sha256', 'ecdsa-p256'));
