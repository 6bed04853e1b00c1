//! Packages (`packages`): a product's releases grouped for one engine.

/// Inserts a package; 0 rows when the account's key is taken.
pub const INSERT: &str =
    "INSERT INTO packages (id, account_id, product_id, name, key, engine, metadata, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT DO NOTHING";

/// One package by id or key; an exact id wins.
pub const FIND: &str = concat!(
    "SELECT * FROM packages WHERE ",
    visible_filter!("account_id", "?1"),
    " AND ",
    id_or!("id", "packages", "key", "?2", "1"),
    " ORDER BY id = ?2 DESC, account_id = ?1 DESC LIMIT 1"
);

/// Packages, newest first, filtered by product ?2, engine ?3 and visible products (JSON array
/// ?4, NULL = all); ?5 limit, ?6 offset.
pub const LIST: &str = concat!(
    "SELECT * FROM packages WHERE ",
    visible!("account_id", "?1"),
    " AND (?2 IS NULL OR product_id = ?2) AND (?3 IS NULL OR engine = ?3) \
AND (?4 IS NULL OR product_id IN (SELECT value FROM json_each(?4))) ORDER BY created_at DESC, id DESC LIMIT ?5 OFFSET ?6"
);

/// Count for [`LIST`] (its filters, without the page).
pub const COUNT: &str = concat!(
    "SELECT count(*) AS n FROM packages WHERE ",
    visible!("account_id", "?1"),
    " AND (?2 IS NULL OR product_id = ?2) AND (?3 IS NULL OR engine = ?3) AND (?4 IS NULL OR product_id IN (SELECT value FROM json_each(?4)))"
);

/// Writes name ?3, key ?4, engine ?5, metadata ?6 at ?7, unless another package has the key.
pub const UPDATE: &str = "UPDATE packages SET name = ?3, key = ?4, engine = ?5, metadata = ?6, updated_at = ?7 WHERE account_id = ?1 AND id = ?2 \
AND NOT EXISTS (SELECT 1 FROM packages o WHERE o.account_id = ?1 AND o.key = ?4 AND o.id <> ?2)";

/// Deletes a package (its releases become package-less).
pub const DELETE: &str = "DELETE FROM packages WHERE account_id = ?1 AND id = ?2";

/// The engines the packages of the products of JSON array ?2 (NULL: all) use.
pub const ENGINES: &str = concat!(
    "SELECT engine AS key, min(created_at) AS created_at, max(updated_at) AS updated_at FROM packages WHERE ",
    visible!("account_id", "?1"),
    " AND engine IS NOT NULL AND (?2 IS NULL OR product_id IN (SELECT value FROM json_each(?2))) GROUP BY engine ORDER BY min(created_at), engine"
);
