//! Components (hardware parts of a machine). A standalone create is one guarded insert that
//! checks the policy's `componentUniquenessStrategy` in the same statement.

/// Columns of every component read: the row and its machine's license and product.
macro_rules! component_select {
    () => {
        "SELECT c.*, m.license_id AS license_id, m.product_id AS product_id FROM components c JOIN machines m ON m.id = c.machine_id "
    };
}

/// Guarded create: ?1 account, ?2 machine, ?3 fingerprint, ?4 uniqueness strategy, ?5 id,
/// ?6 name, ?7 metadata, ?8 now. 0 rows = the machine is gone or the fingerprint is taken.
pub const INSERT: &str = "INSERT INTO components (id, account_id, machine_id, fingerprint, name, metadata, created_at, updated_at) \
SELECT ?5, ?1, m.id, ?3, ?6, ?7, ?8, ?8 FROM machines m WHERE m.account_id = ?1 AND m.id = ?2 AND NOT EXISTS (SELECT 1 FROM components c \
JOIN machines x ON x.id = c.machine_id WHERE c.account_id = ?1 AND c.fingerprint = ?3 AND (CASE ?4 WHEN 'UNIQUE_PER_ACCOUNT' THEN 1 \
WHEN 'UNIQUE_PER_PRODUCT' THEN x.product_id = m.product_id WHEN 'UNIQUE_PER_POLICY' THEN x.policy_id = m.policy_id \
WHEN 'UNIQUE_PER_LICENSE' THEN x.license_id = m.license_id ELSE x.id = m.id END))";

/// One component.
pub const FIND: &str = concat!(component_select!(), "WHERE ", visible!("c.account_id", "?1"), " AND c.id = ?2");

/// Components of machine ?2, oldest first (a machine file's `include=components`).
pub const LIST_FOR_MACHINE: &str = concat!(component_select!(), "WHERE ", visible!("c.account_id", "?1"), " AND c.machine_id = ?2 ORDER BY c.created_at, c.id");

/// Filters: ?1 account, ?2 machine, ?3 license, ?4 product, ?5 user (machine owner, license
/// owner or licensee), ?6 only this license (license bearer), ?7 organization (an organization
/// admin's: its licenses' machines', in union with ?5), ?8 reseller (a reseller admin's: only its
/// licenses' machines'; issue 10 §7); Keygen's further scopes (issue 8,
/// `machine_components_controller.rb`): ?9 owner (the machine's), ?10 a user by email (as ?5).
macro_rules! component_filters {
    () => {
        concat!(
            "WHERE ",
            visible!("c.account_id", "?1"),
            " AND (?2 IS NULL OR c.machine_id = ?2) AND (?3 IS NULL OR m.license_id = ?3) AND (?4 IS NULL OR m.product_id = ?4) \
AND ((?5 IS NULL AND ?7 IS NULL) OR m.owner_id = ?5 OR EXISTS (SELECT 1 FROM licenses k WHERE k.id = m.license_id AND k.owner_id = ?5) \
OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = m.license_id AND lu.user_id = ?5) \
OR m.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.organization_id = ?7)) AND (?6 IS NULL OR m.license_id = ?6) \
AND (?8 IS NULL OR m.license_id IN (SELECT k.id FROM licenses k WHERE k.account_id = ?1 AND k.reseller_id = ?8)) ",
            fleet_user_scopes!("m.license_id", "?9", "?10")
        )
    };
}

/// Components, newest first; ?11 limit, ?12 offset.
pub const LIST: &str = concat!(component_select!(), component_filters!(), "ORDER BY c.created_at DESC, c.id DESC LIMIT ?11 OFFSET ?12");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM components c JOIN machines m ON m.id = c.machine_id ", component_filters!());

/// Sets name ?3 and metadata ?4 (NULL: unchanged) of component ?2 at ?5.
pub const UPDATE: &str =
    "UPDATE components SET name = coalesce(?3, name), metadata = coalesce(?4, metadata), updated_at = ?5 WHERE account_id = ?1 AND id = ?2";

/// Deletes a component.
pub const DELETE: &str = "DELETE FROM components WHERE account_id = ?1 AND id = ?2";
