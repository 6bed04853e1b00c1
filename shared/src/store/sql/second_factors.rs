//! Second factors (TOTP), at most one per user. The secret column holds only the sealed secret
//! ([`crate::crypto::totp::TotpSecret::seal`]).

/// Inserts user ?3's factor only if the user exists in account ?2 and has none yet (0 rows
/// otherwise); ?4 is the sealed secret, ?5 the time.
pub const INSERT: &str = "INSERT INTO second_factors (id, account_id, user_id, sealed_secret, enabled, last_step, created_at, updated_at) \
SELECT ?1, ?2, ?3, ?4, 0, NULL, ?5, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE account_id = ?2 AND id = ?3) \
ON CONFLICT DO NOTHING";

/// User ?2's factors (zero or one).
pub const LIST_FOR_USER: &str = "SELECT * FROM second_factors WHERE account_id = ?1 AND user_id = ?2 ORDER BY created_at DESC, id DESC";

/// Factor ?3 of user ?2.
pub const FIND: &str = "SELECT * FROM second_factors WHERE account_id = ?1 AND user_id = ?2 AND id = ?3";

/// User ?2's enabled factor, if any (what password login and password changes check).
pub const FIND_ENABLED_FOR_USER: &str = "SELECT * FROM second_factors WHERE account_id = ?1 AND user_id = ?2 AND enabled = 1";

/// Spends step ?4 of factor ?3 (user ?2) and sets `enabled` to ?5 (NULL keeps it), only if no
/// step at or after ?4 was spent: one guarded UPDATE, so of two requests with the same code
/// exactly one changes a row.
pub const SPEND_STEP: &str = "UPDATE second_factors SET last_step = ?4, enabled = coalesce(?5, enabled), updated_at = ?6 \
WHERE account_id = ?1 AND user_id = ?2 AND id = ?3 AND (last_step IS NULL OR last_step < ?4)";

/// Deletes factor ?3 of user ?2 only if step ?4 (the code that authorised it) is still unspent.
pub const DELETE_SPENDING_STEP: &str =
    "DELETE FROM second_factors WHERE account_id = ?1 AND user_id = ?2 AND id = ?3 AND (last_step IS NULL OR last_step < ?4)";
