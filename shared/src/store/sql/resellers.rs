//! Resellers (issue 10 §7, Cryptlex 3.67): CRUD, allotted policies, and their customers and
//! organizations, each cap (`allowed_users`, `allowed_organizations`; -1 = unlimited) held by one
//! guarded statement. Their licenses' statements are in `sql::licenses` (beside its select).

/// The columns of every read: the row and its counts.
macro_rules! reseller_select {
    () => {
        "SELECT r.*, (SELECT count(*) FROM users u WHERE u.reseller_id = r.id AND u.role = 'user') AS users_count, \
(SELECT count(*) FROM organizations o WHERE o.reseller_id = r.id) AS organizations_count FROM resellers r "
    };
}

/// Inserts a reseller: ?1 id, ?2 account, ?3 name, ?4 email, ?5 phone, ?6 description, ?7
/// address, ?8 allowed users, ?9 allowed organizations, ?10 metadata, ?11 now (0 rows when the
/// id is taken).
pub const INSERT: &str =
    "INSERT INTO resellers (id, account_id, name, email, phone, description, address, allowed_users, allowed_organizations, metadata, created_at, updated_at) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) ON CONFLICT DO NOTHING";

/// One reseller.
pub const FIND: &str = concat!(reseller_select!(), "WHERE r.account_id = ?1 AND r.id = ?2");

/// Filters of [`LIST`] and [`COUNT`]: ?2 only this reseller (a reseller admin's), ?3 time
/// operators (`created`/`updated`, see `time_operators!`).
macro_rules! reseller_filters {
    () => {
        concat!("WHERE r.account_id = ?1 AND (?2 IS NULL OR r.id = ?2) AND ", time_operators!("?3", "created" => "r.created_at", "updated" => "r.updated_at"), " ")
    };
}

/// Resellers, newest first; ?4 limit, ?5 offset.
pub const LIST: &str = concat!(reseller_select!(), reseller_filters!(), "ORDER BY r.created_at DESC, r.id DESC LIMIT ?4 OFFSET ?5");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM resellers r ", reseller_filters!());

/// Writes ?3 name, ?4 email, ?5 phone, ?6 description, ?7 address, ?8 allowed users, ?9
/// allowed organizations, ?10 metadata at ?11, only if both caps still admit the current
/// customers and organizations (-1, or at least as many): 0 rows otherwise.
pub const UPDATE: &str = "UPDATE resellers SET name = ?3, email = ?4, phone = ?5, description = ?6, address = ?7, allowed_users = ?8, \
allowed_organizations = ?9, metadata = ?10, updated_at = ?11 WHERE account_id = ?1 AND id = ?2 \
AND (?8 = -1 OR (SELECT count(*) FROM users u WHERE u.reseller_id = ?2 AND u.role = 'user') <= ?8) \
AND (?9 = -1 OR (SELECT count(*) FROM organizations o WHERE o.reseller_id = ?2) <= ?9)";

/// Deletes a reseller (its allotments cascade).
pub const DELETE: &str = "DELETE FROM resellers WHERE account_id = ?1 AND id = ?2";

/// Companion of [`DELETE`]: its users leave it.
pub const DETACH_USERS: &str = "UPDATE users SET reseller_id = NULL WHERE account_id = ?1 AND reseller_id = ?2";

/// Companion of [`DELETE`]: its licenses leave it.
pub const DETACH_LICENSES: &str = "UPDATE licenses SET reseller_id = NULL WHERE account_id = ?1 AND reseller_id = ?2";

/// Companion of [`DELETE`]: its organizations leave it.
pub const DETACH_ORGANIZATIONS: &str = "UPDATE organizations SET reseller_id = NULL WHERE account_id = ?1 AND reseller_id = ?2";

/// Companion of [`DELETE`]: its allotments go (explicitly: D1 may run without foreign keys).
pub const DETACH_POLICIES: &str = "DELETE FROM reseller_policies WHERE account_id = ?1 AND reseller_id = ?2";

/// The room a cap leaves: true when `allowed` (a column) is -1 or `count` (a subquery) below it.
macro_rules! has_room {
    ($allowed:literal, $count:literal) => {
        concat!("(", $allowed, " = -1 OR (", $count, ") < ", $allowed, ")")
    };
}

/// Moves user ?2 from reseller ?5 (what the caller read; NULL = none) into reseller ?3 (NULL =
/// none) at ?4, only if it is still in ?5 and the reseller is in the account and, for a
/// customer (role `user`), has room under `allowed_users`: 0 rows otherwise. One statement, so
/// concurrent moves never exceed the cap.
pub const SET_USER_RESELLER: &str = concat!(
    "UPDATE users SET reseller_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND reseller_id IS ?5 AND (?3 IS NULL OR EXISTS (\
SELECT 1 FROM resellers r WHERE r.account_id = ?1 AND r.id = ?3 AND (users.role <> 'user' OR ",
    has_room!("r.allowed_users", "SELECT count(*) FROM users x WHERE x.reseller_id = r.id AND x.role = 'user' AND x.id <> ?2"),
    ")))"
);

/// Inserts a customer (role `user`) of reseller ?13 — the columns of `sql::users::INSERT` (?11 organization, ?12 group) —
/// only if the reseller has room under `allowed_users`: the cap held in the insert itself.
pub const INSERT_CUSTOMER: &str = concat!(
    "INSERT INTO users (id, account_id, email, first_name, last_name, role, password_hash, metadata, created_at, updated_at, permissions, organization_id, group_id, reseller_id) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, r.id FROM resellers r WHERE r.account_id = ?2 AND r.id = ?13 AND ",
    has_room!("r.allowed_users", "SELECT count(*) FROM users x WHERE x.reseller_id = r.id AND x.role = 'user'"),
    // An organization ?11 (issue 10 §7) must be the reseller's; it and a group ?12 need room.
    " AND (?11 IS NULL OR EXISTS (SELECT 1 FROM organizations o WHERE o.account_id = ?2 AND o.id = ?11 AND o.reseller_id = r.id)) AND ",
    crate::store::sql::users::user_room!("?2", "?11", "?12"),
    " ON CONFLICT DO NOTHING"
);

/// Sets organization ?2's reseller (?3, NULL to clear) at ?4, only if the reseller is in the
/// account and has room under `allowed_organizations` (one statement).
pub const SET_ORGANIZATION_RESELLER: &str = concat!(
    "UPDATE organizations SET reseller_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND (?3 IS NULL OR reseller_id IS ?3 OR EXISTS (\
SELECT 1 FROM resellers r WHERE r.account_id = ?1 AND r.id = ?3 AND ",
    has_room!("r.allowed_organizations", "SELECT count(*) FROM organizations x WHERE x.reseller_id = r.id AND x.id <> ?2"),
    "))"
);

/// Inserts an organization of reseller ?10 — the columns of `sql::organizations::INSERT` — only
/// if the reseller has room under `allowed_organizations`: the cap held in the insert itself.
pub const INSERT_ORGANIZATION: &str = concat!(
    "INSERT INTO organizations (id, account_id, name, email, description, address, allowed_users, metadata, created_at, updated_at, reseller_id) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, r.id FROM resellers r WHERE r.account_id = ?2 AND r.id = ?10 AND ",
    has_room!("r.allowed_organizations", "SELECT count(*) FROM organizations x WHERE x.reseller_id = r.id"),
    " ON CONFLICT DO NOTHING"
);

/// Whether product ?3 has a policy allotted to reseller ?2 (a reseller admin reads it).
pub const PRODUCT_ALLOTTED: &str = "SELECT 1 AS ok FROM reseller_policies rp JOIN policies p ON p.id = rp.policy_id \
WHERE rp.account_id = ?1 AND rp.reseller_id = ?2 AND p.product_id = ?3 LIMIT 1";

/// Which of the policy ids in JSON array ?2 exist in account ?1.
pub const EXISTING_POLICIES: &str = "SELECT id FROM policies WHERE account_id = ?1 AND id IN (SELECT value FROM json_each(?2))";

/// Which of the policy ids in JSON array ?3 are allotted to reseller ?2.
pub const ALLOTTED_IN: &str =
    "SELECT policy_id AS id FROM reseller_policies WHERE account_id = ?1 AND reseller_id = ?2 AND policy_id IN (SELECT value FROM json_each(?3))";

/// Allots the policies of JSON array ?3 (each one of account ?1) to reseller ?2 at ?4.
pub const ALLOT: &str = "INSERT INTO reseller_policies (account_id, reseller_id, policy_id, created_at) \
SELECT ?1, ?2, p.id, ?4 FROM policies p WHERE p.account_id = ?1 AND p.id IN (SELECT value FROM json_each(?3)) ON CONFLICT DO NOTHING";

/// Withdraws the policies of JSON array ?3 from reseller ?2.
pub const WITHDRAW: &str = "DELETE FROM reseller_policies WHERE account_id = ?1 AND reseller_id = ?2 AND policy_id IN (SELECT value FROM json_each(?3))";

/// Whether policy ?3 is allotted to reseller ?2.
pub const IS_ALLOTTED: &str = "SELECT 1 AS ok FROM reseller_policies WHERE account_id = ?1 AND reseller_id = ?2 AND policy_id = ?3";
