//! License actions of the licensing engine: check-in, usage (increment, decrement, reset),
//! check-out bookkeeping, licensees, and the license-token activation counters.
//!
//! Guarded writes here are followed in their batch by `events::record_if_changed`: the outbox
//! row is written only when the statement right before it changed a row, so a refused write
//! (limit reached) leaves neither the change nor its event.

/// The effective `maxUses` of license `l`: its override, else its policy's `maxUses`.
macro_rules! effective_max_uses {
    () => {
        "coalesce(licenses.max_uses, (SELECT json_extract(p.config, '$.maxUses') FROM policies p WHERE p.id = licenses.policy_id))"
    };
}

/// Records a check-in at ?3; returns what it wrote (the response is built from it).
pub const CHECK_IN: &str =
    "UPDATE licenses SET last_check_in_at = ?3, updated_at = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING last_check_in_at, updated_at";

/// Adds ?3 uses at ?4, only while the total stays within the effective `maxUses` (0 rows
/// otherwise: `USES_LIMIT_EXCEEDED`). Returns the new count as this write left it.
pub const INCREMENT_USES: &str = concat!(
    "UPDATE licenses SET uses = uses + ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND (",
    effective_max_uses!(),
    " IS NULL OR uses + ?3 <= ",
    effective_max_uses!(),
    ") RETURNING uses, updated_at"
);

/// Removes ?3 uses at ?4, never below zero (0 rows otherwise). Returns the new count.
pub const DECREMENT_USES: &str =
    "UPDATE licenses SET uses = uses - ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND uses - ?3 >= 0 RETURNING uses, updated_at";

/// Resets uses to zero at ?3. Returns what it wrote.
pub const RESET_USES: &str = "UPDATE licenses SET uses = 0, updated_at = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING uses, updated_at";

/// Sets the expiry ?3 (at ?4) of a `FROM_FIRST_USE` license if it is still unset, and only if
/// the statement before it in the batch changed a row (the usage event was written, i.e. the
/// increment happened): a refused increment never starts the clock.
pub const SET_EXPIRY_IF_UNSET_AFTER_CHANGE: &str =
    "UPDATE licenses SET expiry = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND expiry IS NULL AND changes() > 0 RETURNING expiry, updated_at";

/// Records a license check-out at ?3; returns what it wrote (the file is built from it).
pub const TOUCH_LICENSE_CHECK_OUT: &str = "UPDATE licenses SET last_check_out_at = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING last_check_out_at";

/// Records a machine check-out at ?3; returns what it wrote (the file is built from it).
pub const TOUCH_MACHINE_CHECK_OUT: &str = "UPDATE machines SET last_check_out_at = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING last_check_out_at";

/// Licensees of license ?2 (users), newest first, ?3 limit, ?4 offset.
pub const LIST_LICENSEES: &str = "SELECT u.* FROM users u JOIN license_users lu ON lu.user_id = u.id \
WHERE lu.account_id = ?1 AND lu.license_id = ?2 ORDER BY lu.created_at DESC, u.id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST_LICENSEES`].
pub const COUNT_LICENSEES: &str = "SELECT count(*) AS n FROM license_users WHERE account_id = ?1 AND license_id = ?2";

/// Which of the user ids in JSON array ?3 are already licensees of ?2.
pub const ATTACHED_LICENSEES: &str = attached_members!("license_users", "license_id", "user_id");

/// Attaches every user of JSON array ?3 (users of account ?1) to license ?2 at ?4, all or none,
/// only while licensees + owner + the new ones stay within the effective `maxUsers` (0 rows
/// otherwise: `USER_LIMIT_EXCEEDED`). SQLite materialises the SELECT before inserting into the
/// table it reads, so the count is the pre-insert count.
pub const ATTACH_LICENSEES: &str = "INSERT INTO license_users (account_id, license_id, user_id, created_at) \
SELECT ?1, l.id, u.id, ?4 FROM licenses l JOIN users u ON u.account_id = ?1 AND u.id IN (SELECT value FROM json_each(?3)) \
WHERE l.account_id = ?1 AND l.id = ?2 AND (coalesce(l.max_users, (SELECT json_extract(p.config, '$.maxUsers') FROM policies p WHERE p.id = l.policy_id)) IS NULL \
OR (SELECT count(*) FROM license_users x WHERE x.license_id = l.id) + (l.owner_id IS NOT NULL) + json_array_length(?3) \
<= coalesce(l.max_users, (SELECT json_extract(p.config, '$.maxUsers') FROM policies p WHERE p.id = l.policy_id))) \
ON CONFLICT DO NOTHING";

/// Detaches the users of JSON array ?3 from license ?2.
pub const DETACH_LICENSEES: &str = detach_members!("license_users", "license_id", "user_id");

/// A license's own tokens (`GET /licenses/{id}/tokens`), newest first, ?3 limit, ?4 offset.
pub const LIST_LICENSE_TOKENS: &str = "SELECT * FROM tokens WHERE account_id = ?1 AND bearer_type = 'license' AND bearer_id = ?2 \
ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST_LICENSE_TOKENS`].
pub const COUNT_LICENSE_TOKENS: &str = "SELECT count(*) AS n FROM tokens WHERE account_id = ?1 AND bearer_type = 'license' AND bearer_id = ?2";

/// Counts one activation against license token ?1, only if machine ?2 now exists (the guarded
/// activation insert earlier in the batch happened; its id is fresh) and the token has room.
pub const COUNT_TOKEN_ACTIVATION: &str = concat!(
    "UPDATE tokens SET activations = activations + 1 WHERE id = ?1 AND EXISTS (SELECT 1 FROM machines WHERE id = ?2) AND ",
    token_has_room!("?1", "activations")
);

/// Counts one deactivation against license token ?1, only if the statement right before it
/// (the guarded delete of machine ?2) changed a row, machine ?2 is gone, and the token has room:
/// a concurrent deactivation of the same machine is charged once.
pub const COUNT_TOKEN_DEACTIVATION: &str = concat!(
    "UPDATE tokens SET deactivations = deactivations + 1 WHERE id = ?1 AND changes() > 0 AND NOT EXISTS (SELECT 1 FROM machines WHERE id = ?2) AND ",
    token_has_room!("?1", "deactivations")
);
