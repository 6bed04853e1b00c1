//! Groups of users, licenses and machines, with their member limits.

/// Inserts a group; 0 rows when the id is taken. ?9 its organization (an organization admin's
/// group; NULL: a vendor group; issue 10 §7).
pub const INSERT: &str = "INSERT INTO groups (id, account_id, name, max_users, max_licenses, max_machines, metadata, created_at, updated_at, organization_id) \
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) ON CONFLICT DO NOTHING";

/// One group by id.
pub const FIND: &str = concat!("SELECT * FROM groups WHERE ", visible!("account_id", "?1"), " AND id = ?2");

/// Filters of [`LIST`] and [`COUNT`] after the tenant ([`visible!`]): ?2 only the group user ?2
/// is in and those it owns (user bearers), ?3 only license ?3's group (license bearers), ?4 also
/// organization ?4's groups (an organization admin's, in union with ?2; issue 10 §7).
macro_rules! group_filters {
    () => {
        "AND ((?2 IS NULL AND ?4 IS NULL) OR id IN (SELECT group_id FROM users WHERE id = ?2 \
UNION SELECT group_id FROM group_owners WHERE user_id = ?2) OR organization_id = ?4) AND (?3 IS NULL OR id IN (SELECT group_id FROM licenses WHERE id = ?3)) "
    };
}

/// Groups, newest first ([`group_filters!`], tenant by [`visible_union!`]); ?5 limit, ?6 offset.
pub const LIST: &str = visible_union!("SELECT * FROM groups", "account_id", "?1", group_filters!(), "ORDER BY created_at DESC, id DESC LIMIT ?5 OFFSET ?6");

/// Count for [`LIST`].
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM groups WHERE ", visible!("account_id", "?1"), " ", group_filters!());

/// Writes the mutable attributes.
pub const UPDATE: &str = "UPDATE groups SET name = ?3, max_users = ?4, max_licenses = ?5, max_machines = ?6, metadata = ?7, updated_at = ?8 \
WHERE account_id = ?1 AND id = ?2";

/// Deletes a group.
pub const DELETE: &str = "DELETE FROM groups WHERE account_id = ?1 AND id = ?2";

/// Companions of [`DELETE`]: members leave the group (group_id has no foreign key).
pub const UNGROUP_LICENSES: &str = "UPDATE licenses SET group_id = NULL WHERE account_id = ?1 AND group_id = ?2";
/// See [`UNGROUP_LICENSES`].
pub const UNGROUP_USERS: &str = "UPDATE users SET group_id = NULL WHERE account_id = ?1 AND group_id = ?2";
/// See [`UNGROUP_LICENSES`].
pub const UNGROUP_MACHINES: &str = "UPDATE machines SET group_id = NULL WHERE account_id = ?1 AND group_id = ?2";

/// Moves license ?2 from group ?5 (what the caller read; NULL = none) into group ?3 at ?4, only
/// if it is still in ?5 and the group is in the account and has room under `max_licenses` (0 rows
/// otherwise): the event's `[?5, ?3]` pair is then what this write overwrote.
pub const SET_LICENSE_GROUP: &str =
    "UPDATE licenses SET group_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND group_id IS ?5 AND (?3 IS NULL OR EXISTS (\
SELECT 1 FROM groups g WHERE g.account_id = ?1 AND g.id = ?3 AND (g.max_licenses IS NULL OR \
(SELECT count(*) FROM licenses x WHERE x.group_id = g.id AND x.id <> ?2) < g.max_licenses)))";

/// Moves user ?2 from group ?5 (what the caller read) into group ?3 (NULL = none) at ?4, only if
/// it is still in ?5 and the group has room under `max_users`.
pub const SET_USER_GROUP: &str =
    "UPDATE users SET group_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND group_id IS ?5 AND (?3 IS NULL OR EXISTS (\
SELECT 1 FROM groups g WHERE g.account_id = ?1 AND g.id = ?3 AND (g.max_users IS NULL OR \
(SELECT count(*) FROM users x WHERE x.group_id = g.id AND x.id <> ?2) < g.max_users)))";

/// Licenses in group ?2 (what its `max_licenses` counts; group on license create, issue 8).
pub const COUNT_LICENSES: &str = "SELECT count(*) AS n FROM licenses WHERE account_id = ?1 AND group_id = ?2";

/// Machines in group ?2 (what its `max_machines` counts).
pub const COUNT_MACHINES: &str = "SELECT count(*) AS n FROM machines WHERE account_id = ?1 AND group_id = ?2";

/// Users of group ?2, newest first; ?3 only those (role `user`) related to that product's
/// licenses (product bearers); ?4 limit, ?5 offset.
pub const LIST_USERS: &str = "SELECT * FROM users u WHERE account_id = ?1 AND group_id = ?2 AND (?3 IS NULL OR (u.role = 'user' AND EXISTS (\
SELECT 1 FROM licenses l WHERE l.product_id = ?3 AND (l.owner_id = u.id OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = u.id))))) \
ORDER BY created_at DESC, id DESC LIMIT ?4 OFFSET ?5";

/// Count for [`LIST_USERS`].
pub const COUNT_USERS: &str = "SELECT count(*) AS n FROM users u WHERE account_id = ?1 AND group_id = ?2 AND (?3 IS NULL OR (u.role = 'user' AND EXISTS (\
SELECT 1 FROM licenses l WHERE l.product_id = ?3 AND (l.owner_id = u.id OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = u.id)))))";

/// Moves machine ?2 into group ?3 (NULL = none) at ?4, only if the group has room under
/// `max_machines`.
pub const SET_MACHINE_GROUP: &str = "UPDATE machines SET group_id = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2 AND (?3 IS NULL OR EXISTS (\
SELECT 1 FROM groups g WHERE g.account_id = ?1 AND g.id = ?3 AND (g.max_machines IS NULL OR \
(SELECT count(*) FROM machines x WHERE x.group_id = g.id AND x.id <> ?2) < g.max_machines)))";
