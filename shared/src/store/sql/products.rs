//! Products.

/// Inserts a product; `ON CONFLICT` on the id reports a client-supplied id already in use.
pub const INSERT: &str = "INSERT INTO products (id, account_id, name, code, url, distribution_strategy, platforms, metadata, created_at, updated_at) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT DO NOTHING";

/// One product by id or code; an exact id wins, so a code set to another product's id never shadows it.
pub const FIND: &str = concat!(
    "SELECT * FROM products WHERE ",
    visible_filter!("account_id", "?1"),
    " AND ",
    id_or!("id", "products", "code", "?2", "1"),
    " ORDER BY id = ?2 DESC LIMIT 1"
);

/// Filters of [`LIST`] and [`COUNT`] after the tenant ([`visible!`]): ?2 one product (product
/// bearer), ?3 the products of a user's licenses, ?4 the products of the policies allotted to a
/// reseller (a reseller admin's, or `GET /resellers/{id}/products`; issue 10 §7).
macro_rules! product_filters {
    () => {
        "AND (?2 IS NULL OR id = ?2) \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND l.product_id = products.id \
AND (l.owner_id = ?3 OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = ?3)))) \
AND (?4 IS NULL OR id IN (SELECT p.product_id FROM reseller_policies rp JOIN policies p ON p.id = rp.policy_id WHERE rp.account_id = ?1 AND rp.reseller_id = ?4)) "
    };
}

/// The index of [`LIST`]'s reseller parameter ?4 among its filters (`service::pin_reseller`).
pub const RESELLER_SLOT: usize = 3;

/// Products, newest first ([`product_filters!`], tenant by [`visible_union!`]); ?5 limit, ?6 offset.
pub const LIST: &str = visible_union!("SELECT * FROM products", "account_id", "?1", product_filters!(), "ORDER BY created_at DESC, id DESC LIMIT ?5 OFFSET ?6");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM products WHERE ", visible!("account_id", "?1"), " ", product_filters!());

/// Writes mutable attributes.
pub const UPDATE: &str = "UPDATE products SET name = ?3, code = ?4, url = ?5, distribution_strategy = ?6, platforms = ?7, metadata = ?8, updated_at = ?9 \
WHERE account_id = ?1 AND id = ?2";

/// Deletes a product (its policies cascade; licenses must be gone first, enforced by the FK).
pub const DELETE: &str = "DELETE FROM products WHERE account_id = ?1 AND id = ?2";
