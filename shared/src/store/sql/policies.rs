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

/// Filters of [`LIST`] and [`COUNT`] after the tenant ([`visible!`]): ?2 product (filter or
/// product bearer scope), ?3 the policies allotted to a reseller (a reseller admin's, or
/// `GET /resellers/{id}/policies`; issue 10 §7).
macro_rules! policy_filters {
    () => {
        "AND (?2 IS NULL OR product_id = ?2) \
AND (?3 IS NULL OR EXISTS (SELECT 1 FROM reseller_policies rp WHERE rp.account_id = ?1 AND rp.reseller_id = ?3 AND rp.policy_id = policies.id)) "
    };
}

/// The index of [`LIST`]'s reseller parameter ?3 among its filters (`service::pin_reseller`).
pub const RESELLER_SLOT: usize = 2;

/// Policies, newest first ([`policy_filters!`], tenant by [`visible_union!`]); ?4 limit, ?5 offset.
pub const LIST: &str = visible_union!("SELECT * FROM policies", "account_id", "?1", policy_filters!(), "ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM policies WHERE ", visible!("account_id", "?1"), " ", policy_filters!());

/// Writes name, config and metadata.
pub const UPDATE: &str = "UPDATE policies SET name = ?3, config = ?4, metadata = ?5, updated_at = ?6 WHERE account_id = ?1 AND id = ?2";

/// Deletes a policy. Licenses reference it without cascade, so while any exist the foreign key
/// aborts the whole batch (and its event) atomically.
pub const DELETE: &str = "DELETE FROM policies WHERE account_id = ?1 AND id = ?2";

/// Whether any license uses the policy (for a precise error before trying).
pub const HAS_LICENSES: &str = "SELECT count(*) AS n FROM licenses WHERE account_id = ?1 AND policy_id = ?2";
