//! Maintenance policies (issue 10 §5, Cryptlex 3.54/3.81) and the maintenance columns of
//! policies and licenses that point at them.

/// Inserts a maintenance policy for product ?3 of account ?2 (0 rows when the id is taken or
/// the product is not the account's): ?1 id, ?4 name, ?5 interval, ?6 trigger, ?7/?8 major /
/// minor updates allowed, ?9 metadata, ?10 now.
pub const INSERT: &str = "INSERT INTO maintenance_policies (id, account_id, product_id, name, subscription_interval, subscription_start_trigger, \
allow_major_version_updates, allow_minor_version_updates, metadata, created_at, updated_at) \
SELECT ?1, ?2, p.id, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10 FROM products p WHERE p.account_id = ?2 AND p.id = ?3 ON CONFLICT DO NOTHING";

/// One maintenance policy.
pub const FIND: &str = "SELECT * FROM maintenance_policies WHERE account_id = ?1 AND id = ?2";

/// Maintenance policies, newest first; ?2 product (NULL = all); ?3 limit, ?4 offset.
pub const LIST: &str =
    "SELECT * FROM maintenance_policies WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2) ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM maintenance_policies WHERE account_id = ?1 AND (?2 IS NULL OR product_id = ?2)";

/// Writes the mutable attributes: ?3 name, ?4 interval, ?5 trigger, ?6/?7 flags, ?8 metadata, ?9 now.
pub const UPDATE: &str = "UPDATE maintenance_policies SET name = ?3, subscription_interval = ?4, subscription_start_trigger = ?5, \
allow_major_version_updates = ?6, allow_minor_version_updates = ?7, metadata = ?8, updated_at = ?9 WHERE account_id = ?1 AND id = ?2";

/// Deletes one (policies and licenses pointing at it are detached by the foreign key).
pub const DELETE: &str = "DELETE FROM maintenance_policies WHERE account_id = ?1 AND id = ?2";

/// Sets policy ?2's default maintenance policy (?3, NULL to clear; one of the policy's product) at ?4.
pub const SET_POLICY_MAINTENANCE_POLICY: &str = "UPDATE policies SET maintenance_policy_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM maintenance_policies mp WHERE mp.id = ?3 AND mp.account_id = ?1 AND mp.product_id = policies.product_id))";

/// Sets license ?2's maintenance policy (?3, NULL to clear; one of the license's product) at
/// ?4, only if it still is ?5 (0 rows otherwise).
pub const SET_LICENSE_MAINTENANCE_POLICY: &str = "UPDATE licenses SET maintenance_policy_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND maintenance_policy_id IS ?5 \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM maintenance_policies mp WHERE mp.id = ?3 AND mp.account_id = ?1 AND mp.product_id = licenses.product_id))";

/// Gives a just-inserted license ?2 its maintenance policy ?3 (creation batch; the INSERT
/// checked nothing about it, so the product check is here).
pub const SET_INITIAL_MAINTENANCE_POLICY: &str = "UPDATE licenses SET maintenance_policy_id = ?3 WHERE account_id = ?1 AND id = ?2 \
AND EXISTS (SELECT 1 FROM maintenance_policies mp WHERE mp.id = ?3 AND mp.account_id = ?1 AND mp.product_id = licenses.product_id)";

/// Starts license ?2's maintenance window at its first activation: expiry ?3 at ?4, only while
/// it has none and machine ?5 (inserted earlier in the same batch) exists.
pub const SET_MAINTENANCE_EXPIRY_ON_ACTIVATION: &str = "UPDATE licenses SET maintenance_expiry = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND maintenance_expiry IS NULL AND EXISTS (SELECT 1 FROM machines m WHERE m.id = ?5)";

/// Sets license ?2's release versions (?3 current, ?4 max allowed) at ?5, with the current
/// version's `semver_key` bounds (?6 next major, ?7 next minor; `domain::max_release::bounds`,
/// migration 0023).
pub const SET_RELEASE_VERSIONS: &str = "UPDATE licenses SET current_release_version = ?3, max_allowed_release_version = ?4, updated_at = ?5, \
release_next_major_key = ?6, release_next_minor_key = ?7 WHERE account_id = ?1 AND id = ?2";

/// Starts license ?2's maintenance window (end ?3, at ?4) if it has none, only when the
/// statement right before it in the batch changed a row (the guarded policy change's chain).
pub const START_MAINTENANCE_IF_CHANGED: &str =
    "UPDATE licenses SET maintenance_expiry = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND maintenance_expiry IS NULL AND changes() > 0";
