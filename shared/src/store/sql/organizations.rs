//! Organizations (issue 10 §7, Cryptlex 3.59/3.66): CRUD, their members, and moving a user in
//! or out within `allowed_users` (one guarded statement).

/// The columns of every read: the row and its member count.
macro_rules! organization_select {
    () => {
        "SELECT o.*, (SELECT count(*) FROM users u WHERE u.organization_id = o.id) AS users_count FROM organizations o "
    };
}

/// Inserts an organization: ?1 id, ?2 account, ?3 name, ?4 email, ?5 description, ?6 address,
/// ?7 allowed users, ?8 metadata, ?9 now (0 rows when the id is taken).
pub const INSERT: &str = "INSERT INTO organizations (id, account_id, name, email, description, address, allowed_users, metadata, created_at, updated_at) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) ON CONFLICT DO NOTHING";

/// One organization.
pub const FIND: &str = concat!(organization_select!(), "WHERE o.account_id = ?1 AND o.id = ?2");

/// Filters of [`LIST`] and [`COUNT`]: ?2 time operators (`created`/`updated`, see
/// `time_operators!`), ?3 only this organization (an organization admin's, issue 10 §7), ?4
/// only this reseller's (a reseller admin's, or `GET /resellers/{id}/organizations`).
macro_rules! organization_filters {
    () => {
        concat!(
            "WHERE o.account_id = ?1 AND (?3 IS NULL OR o.id = ?3) AND (?4 IS NULL OR o.reseller_id = ?4) AND ",
            time_operators!("?2", "created" => "o.created_at", "updated" => "o.updated_at"),
            " "
        )
    };
}

/// The index of [`LIST`]'s reseller parameter ?4 among its filters (`service::pin_reseller`).
pub const RESELLER_SLOT: usize = 3;

/// Organizations, newest first; ?5 limit, ?6 offset.
pub const LIST: &str = concat!(organization_select!(), organization_filters!(), "ORDER BY o.created_at DESC, o.id DESC LIMIT ?5 OFFSET ?6");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM organizations o ", organization_filters!());

/// Writes ?3 name, ?4 email, ?5 description, ?6 address, ?7 allowed users, ?8 metadata at ?9,
/// only if ?7 still admits the current members (-1, or at least as many): 0 rows otherwise.
pub const UPDATE: &str = "UPDATE organizations SET name = ?3, email = ?4, description = ?5, address = ?6, allowed_users = ?7, metadata = ?8, updated_at = ?9 \
WHERE account_id = ?1 AND id = ?2 AND (?7 = -1 OR (SELECT count(*) FROM users u WHERE u.organization_id = ?2) <= ?7)";

/// Deletes an organization.
pub const DELETE: &str = "DELETE FROM organizations WHERE account_id = ?1 AND id = ?2";

/// Companion of [`DELETE`]: its users leave it.
pub const DETACH_USERS: &str = "UPDATE users SET organization_id = NULL WHERE account_id = ?1 AND organization_id = ?2";

/// Companion of [`DELETE`]: its licenses leave it.
pub const DETACH_LICENSES: &str = "UPDATE licenses SET organization_id = NULL WHERE account_id = ?1 AND organization_id = ?2";

/// Companion of [`DELETE`]: its groups become the vendor's (issue 10 §7; members stay in them).
pub const DETACH_GROUPS: &str = "UPDATE groups SET organization_id = NULL WHERE account_id = ?1 AND organization_id = ?2";

/// Moves user ?2 from organization ?5 (what the caller read; NULL = none) into organization ?3
/// (NULL = none) at ?4, only if it is still in ?5 and the organization is in the account and
/// has room under `allowed_users` (-1 = unlimited), and never for a staff user (issue 10 §7):
/// 0 rows otherwise. One statement, so concurrent moves never exceed the cap.
pub const SET_USER_ORGANIZATION: &str = "UPDATE users SET organization_id = ?3, updated_at = ?4 \
WHERE account_id = ?1 AND id = ?2 AND organization_id IS ?5 AND (?3 IS NULL OR (role NOT IN ('admin', 'developer', 'sales-agent', 'support-agent', 'read-only') AND EXISTS (\
SELECT 1 FROM organizations o WHERE o.account_id = ?1 AND o.id = ?3 AND (o.allowed_users = -1 OR \
(SELECT count(*) FROM users x WHERE x.organization_id = o.id AND x.id <> ?2) < o.allowed_users))))";

/// Users of organization ?2 (and of reseller ?3 unless NULL: a reseller admin's), newest first;
/// ?4 limit, ?5 offset.
pub const LIST_USERS: &str =
    "SELECT * FROM users WHERE account_id = ?1 AND organization_id = ?2 AND (?3 IS NULL OR reseller_id = ?3) ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5";

/// Count for [`LIST_USERS`].
pub const COUNT_USERS: &str = "SELECT count(*) AS n FROM users WHERE account_id = ?1 AND organization_id = ?2 AND (?3 IS NULL OR reseller_id = ?3)";
