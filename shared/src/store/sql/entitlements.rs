//! Entitlements and their attachment to policies and licenses.

/// Inserts an entitlement; 0 rows when the id or the account's code is taken.
pub const INSERT: &str =
    "INSERT INTO entitlements (id, account_id, name, code, metadata, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING";

/// One entitlement by id or code; an exact id wins.
pub const FIND: &str = concat!(
    "SELECT * FROM entitlements WHERE ",
    visible_filter!("account_id", "?1"),
    " AND ",
    id_or!("id", "entitlements", "code", "?2", "1"),
    " ORDER BY id = ?2 DESC LIMIT 1"
);

/// Entitlements, newest first, ?2 limit, ?3 offset.
pub const LIST: &str = visible_union!("SELECT * FROM entitlements", "account_id", "?1", "", "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM entitlements WHERE ", visible!("account_id", "?1"));

/// Writes name ?3, code ?4, metadata ?5 at ?6, unless another entitlement has that code (0 rows:
/// `CODE_TAKEN`).
pub const UPDATE: &str = "UPDATE entitlements SET name = ?3, code = ?4, metadata = ?5, updated_at = ?6 WHERE account_id = ?1 AND id = ?2 \
AND name = ?7 AND code = ?8 AND NOT EXISTS (SELECT 1 FROM entitlements o WHERE o.account_id = ?1 AND o.code = ?4 AND o.id <> ?2)";

/// Deletes an entitlement (its attachments cascade).
pub const DELETE: &str = "DELETE FROM entitlements WHERE account_id = ?1 AND id = ?2";

/// The ids among JSON array ?2 that are entitlements of account ?1.
pub const EXISTING_IDS: &str = "SELECT id FROM entitlements WHERE account_id = ?1 AND id IN (SELECT value FROM json_each(?2))";

/// Entitlements attached to policy ?2, newest first, ?3 limit, ?4 offset.
pub const LIST_FOR_POLICY: &str = "SELECT e.* FROM entitlements e JOIN policy_entitlements pe ON pe.entitlement_id = e.id \
WHERE pe.account_id = ?1 AND pe.policy_id = ?2 ORDER BY pe.created_at DESC, e.id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST_FOR_POLICY`].
pub const COUNT_FOR_POLICY: &str = "SELECT count(*) AS n FROM policy_entitlements WHERE account_id = ?1 AND policy_id = ?2";

/// Attaches the entitlements of JSON array ?3 to `$owner` ?2 at ?4 in `$table` (existing pairs
/// are kept).
macro_rules! attach_entitlements {
    ($table:literal, $owner:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " (account_id, ",
            $owner,
            ", entitlement_id, created_at) SELECT ?1, ?2, e.id, ?4 FROM entitlements e WHERE e.account_id = ?1 \
AND e.id IN (SELECT value FROM json_each(?3)) ON CONFLICT DO NOTHING"
        )
    };
}

/// The ids among JSON array ?3 attached to policy ?2.
pub const ATTACHED_TO_POLICY: &str = attached_members!("policy_entitlements", "policy_id", "entitlement_id");

/// Attaches the entitlements of JSON array ?3 to policy ?2 at ?4 (existing pairs are kept).
pub const ATTACH_TO_POLICY: &str = attach_entitlements!("policy_entitlements", "policy_id");

/// Detaches the entitlements of JSON array ?3 from policy ?2.
pub const DETACH_FROM_POLICY: &str = detach_members!("policy_entitlements", "policy_id", "entitlement_id");

/// Every grant of an entitlement to license ?2 (its own, its set's, its policy's) with the
/// entitlement's columns, newest entitlement first, at most 3,000 (1,000 per source); the
/// caller resolves them with `domain::features::effective`.
pub const GRANTS_FOR_LICENSE: &str = concat!(
    "SELECT e.*, g.source, g.grant_value, g.expires_at FROM (",
    license_grants!("?2"),
    ") g JOIN entitlements e ON e.id = g.entitlement_id AND e.account_id = ?1 ORDER BY e.created_at DESC, e.id DESC, g.source LIMIT 3000"
);

/// The ids among JSON array ?3 attached directly to license ?2.
pub const ATTACHED_TO_LICENSE: &str = attached_members!("license_entitlements", "license_id", "entitlement_id");

/// The ids among JSON array ?3 that license ?2 has through its policy.
pub const INHERITED_BY_LICENSE: &str = "SELECT pe.entitlement_id AS id FROM policy_entitlements pe JOIN licenses l ON l.policy_id = pe.policy_id \
WHERE l.account_id = ?1 AND l.id = ?2 AND pe.entitlement_id IN (SELECT value FROM json_each(?3))";

/// Attaches the entitlements of JSON array ?3 to license ?2 at ?4 (existing pairs are kept),
/// each with its feature value (JSON text) and expiry (ms) from JSON array ?5 of
/// `{"id", "value", "expiresAt"}` (issue 10 §3).
pub const ATTACH_TO_LICENSE: &str = "INSERT INTO license_entitlements (account_id, license_id, entitlement_id, created_at, value, expires_at) \
SELECT ?1, ?2, e.id, ?4, json_extract(j.value, '$.value'), json_extract(j.value, '$.expiresAt') FROM json_each(?5) j \
JOIN entitlements e ON e.account_id = ?1 AND e.id = json_extract(j.value, '$.id') WHERE e.id IN (SELECT value FROM json_each(?3)) ON CONFLICT DO NOTHING";

/// Detaches the entitlements of JSON array ?3 from license ?2.
pub const DETACH_FROM_LICENSE: &str = detach_members!("license_entitlements", "license_id", "entitlement_id");

/// Sets entitlement ?2's feature value (?3, JSON text or NULL; issue 10 §3), only when the
/// statement right before it in the batch changed a row (the insert or update's chain).
pub const SET_VALUE_IF_CHANGED: &str = "UPDATE entitlements SET value = ?3 WHERE account_id = ?1 AND id = ?2 AND changes() > 0";
