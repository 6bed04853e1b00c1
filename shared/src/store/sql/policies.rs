//! Policies.

/// Inserts a policy under a product of the same account (0 rows if the product is not there).
pub const INSERT: &str = concat!(
    "INSERT INTO policies (id, account_id, product_id, name, config, metadata, created_at, updated_at) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7 WHERE EXISTS (SELECT 1 FROM products WHERE id = ?3 AND ",
    visible!("account_id", "?2"),
    ") ON CONFLICT DO NOTHING"
);

/// One policy.
pub const FIND: &str = concat!("SELECT * FROM policies WHERE ", visible!("account_id", "?1"), " AND id = ?2");

/// Policies, newest first; ?2 product filter (or product bearer scope).
pub const LIST: &str =
    visible_union!("SELECT * FROM policies", "account_id", "?1", "AND (?2 IS NULL OR product_id = ?2)", "ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM policies WHERE ", visible!("account_id", "?1"), " AND (?2 IS NULL OR product_id = ?2)");

/// Writes name, config and metadata.
pub const UPDATE: &str = "UPDATE policies SET name = ?3, config = ?4, metadata = ?5, updated_at = ?6 WHERE account_id = ?1 AND id = ?2";

/// Deletes a policy. Licenses reference it without cascade, so while any exist the foreign key
/// aborts the whole batch (and its event) atomically.
pub const DELETE: &str = "DELETE FROM policies WHERE account_id = ?1 AND id = ?2";

/// Whether any license uses the policy (for a precise error before trying).
pub const HAS_LICENSES: &str = "SELECT count(*) AS n FROM licenses WHERE account_id = ?1 AND policy_id = ?2";
