//! Entitlement sets (issue 10 §3, Cryptlex 3.78): named bundles of entitlements with value
//! overrides, and the set columns of policies and licenses.

/// Inserts a set: ?1 id, ?2 account, ?3 name, ?4 metadata, ?5 now (0 rows when the id is taken).
pub const INSERT: &str =
    "INSERT INTO entitlement_sets (id, account_id, name, metadata, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT DO NOTHING";

/// One set.
pub const FIND: &str = "SELECT * FROM entitlement_sets WHERE account_id = ?1 AND id = ?2";

/// Sets, newest first; ?2 limit, ?3 offset.
pub const LIST: &str = "SELECT * FROM entitlement_sets WHERE account_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3";

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM entitlement_sets WHERE account_id = ?1";

/// Writes ?3 name, ?4 metadata at ?5.
pub const UPDATE: &str = "UPDATE entitlement_sets SET name = ?3, metadata = ?4, updated_at = ?5 WHERE account_id = ?1 AND id = ?2";

/// Deletes a set that no policy or license points at (0 rows otherwise: `ENTITLEMENT_SET_IN_USE`).
pub const DELETE_UNUSED: &str = "DELETE FROM entitlement_sets WHERE account_id = ?1 AND id = ?2 \
AND NOT EXISTS (SELECT 1 FROM policies p WHERE p.entitlement_set_id = ?2) AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.entitlement_set_id = ?2)";

/// Members of set ?2 with the entitlement's columns and the set's `grant_value`, newest first;
/// ?3 limit, ?4 offset.
pub const LIST_MEMBERS: &str = "SELECT e.*, se.value AS grant_value FROM entitlement_set_entitlements se JOIN entitlements e ON e.id = se.entitlement_id \
WHERE se.account_id = ?1 AND se.entitlement_set_id = ?2 ORDER BY se.created_at DESC, e.id DESC LIMIT ?3 OFFSET ?4";

/// Count for [`LIST_MEMBERS`].
pub const COUNT_MEMBERS: &str = "SELECT count(*) AS n FROM entitlement_set_entitlements WHERE account_id = ?1 AND entitlement_set_id = ?2";

/// The ids among JSON array ?3 that are members of set ?2.
pub const MEMBERS_AMONG: &str = attached_members!("entitlement_set_entitlements", "entitlement_set_id", "entitlement_id");

/// Adds the entitlements of JSON array ?3 to set ?2 at ?4, each with its value override (JSON
/// text) from JSON array ?5 of `{"id", "value"}` (existing members are kept).
pub const ADD_MEMBERS: &str = "INSERT INTO entitlement_set_entitlements (account_id, entitlement_set_id, entitlement_id, value, created_at) \
SELECT ?1, ?2, e.id, json_extract(j.value, '$.value'), ?4 FROM json_each(?5) j \
JOIN entitlements e ON e.account_id = ?1 AND e.id = json_extract(j.value, '$.id') WHERE e.id IN (SELECT value FROM json_each(?3)) ON CONFLICT DO NOTHING";

/// Removes the entitlements of JSON array ?3 from set ?2.
pub const REMOVE_MEMBERS: &str = detach_members!("entitlement_set_entitlements", "entitlement_set_id", "entitlement_id");

/// Sets policy ?2's entitlement set (?3, NULL to clear; one of account ?1) at ?4.
pub const SET_FOR_POLICY: &str = "UPDATE policies SET entitlement_set_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM entitlement_sets s WHERE s.account_id = ?1 AND s.id = ?3))";

/// Sets license ?2's entitlement set (?3, NULL to clear: its policy's applies; one of account
/// ?1) at ?4.
pub const SET_FOR_LICENSE: &str = "UPDATE licenses SET entitlement_set_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM entitlement_sets s WHERE s.account_id = ?1 AND s.id = ?3))";

/// `POST /policies` with an `entitlementSet` (issue 10 §3): gives new policy ?2 of account ?1
/// set ?3 (checked to be of the account just before), right after its insert in the creation
/// batch and only if that insert wrote (`changes()`: a conflicting id changes no other policy).
/// No existence guard on purpose: a set deleted in between fails the foreign key, which aborts
/// the whole creation batch (nothing written) instead of creating the policy without its set.
pub const ATTACH_TO_NEW_POLICY: &str = "UPDATE policies SET entitlement_set_id = ?3 WHERE account_id = ?1 AND id = ?2 AND changes() > 0";

/// [`ATTACH_TO_NEW_POLICY`] for `POST /licenses`: new license ?2 of account ?1 gets set ?3.
pub const ATTACH_TO_NEW_LICENSE: &str = "UPDATE licenses SET entitlement_set_id = ?3 WHERE account_id = ?1 AND id = ?2 AND changes() > 0";
