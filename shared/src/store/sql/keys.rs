//! Key pools (issue 8): the keys of `usePool` policies (Keygen's `/keys`).

/// The columns of a key with its policy's product.
macro_rules! key_select {
    () => {
        "SELECT k.id, k.account_id, k.policy_id, p.product_id, k.key, k.created_at, k.updated_at FROM keys k JOIN policies p ON p.id = k.policy_id "
    };
}

/// Inserts key ?4 (id ?1, account ?2, policy ?3, at ?5) unless it is an existing license's key
/// or id; 0 rows when it is, or when the id or the account's key is taken.
pub const INSERT: &str = "INSERT INTO keys (id, account_id, policy_id, key, created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?5 \
WHERE NOT EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?2 AND (l.key = ?4 OR l.id = ?4)) ON CONFLICT DO NOTHING";

/// One key by id.
pub const FIND: &str = concat!(key_select!(), "WHERE k.account_id = ?1 AND k.id = ?2");

/// Keys, newest first, filtered by product ?2 and policy ?3 (NULL: any); ?4 limit, ?5 offset.
pub const LIST: &str = concat!(
    key_select!(),
    "WHERE k.account_id = ?1 AND (?2 IS NULL OR p.product_id = ?2) AND (?3 IS NULL OR k.policy_id = ?3) ",
    "ORDER BY k.created_at DESC, k.id DESC LIMIT ?4 OFFSET ?5"
);

/// Count for [`LIST`].
pub const COUNT: &str = "SELECT count(*) AS n FROM keys k JOIN policies p ON p.id = k.policy_id \
WHERE k.account_id = ?1 AND (?2 IS NULL OR p.product_id = ?2) AND (?3 IS NULL OR k.policy_id = ?3)";

/// Writes key ?3 at ?4 unless another key or a license has it (or a license has it as id).
pub const UPDATE: &str = "UPDATE keys SET key = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 \
AND NOT EXISTS (SELECT 1 FROM keys o WHERE o.account_id = ?1 AND o.key = ?3 AND o.id <> ?2) \
AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND (l.key = ?3 OR l.id = ?3))";

/// Deletes a key.
pub const DELETE: &str = "DELETE FROM keys WHERE account_id = ?1 AND id = ?2";

/// After a pooled license insert in the same batch: removes from policy ?3's pool the key that
/// license ?2 took (nothing when the insert wrote nothing).
pub const DELETE_TAKEN: &str =
    "DELETE FROM keys WHERE account_id = ?1 AND policy_id = ?3 AND key = (SELECT key FROM licenses WHERE account_id = ?1 AND id = ?2)";

/// Whether policy ?2 has a key in its pool that no license holds yet.
pub const POOL_HAS_KEY: &str = "SELECT 1 AS ok FROM keys k WHERE k.account_id = ?1 AND k.policy_id = ?2 \
AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND l.key = k.key) LIMIT 1";

/// keygen-rs SDK measure (issue 8): policy ?2's oldest pooled key that no license holds yet
/// (`DELETE /policies/{id}/pool`, Keygen's `pool#pop`, then [`DELETE`]s it).
pub const POOL_OLDEST: &str = concat!(
    key_select!(),
    "WHERE k.account_id = ?1 AND k.policy_id = ?2 AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND l.key = k.key) ",
    "ORDER BY k.created_at, k.id LIMIT 1"
);

/// Whether ?2 is a license's key or id in account ?1 (a key may be neither).
pub const LICENSE_CONFLICT: &str = "SELECT 1 AS ok FROM licenses WHERE account_id = ?1 AND (key = ?2 OR id = ?2) LIMIT 1";

/// Whether another key than ?3 is ?2 in account ?1.
pub const KEY_TAKEN: &str = "SELECT 1 AS ok FROM keys WHERE account_id = ?1 AND key = ?2 AND id <> ?3 LIMIT 1";
