//! Users (admins and licensees).

use crate::clock::Millis;
use crate::domain::states::UserRole;
use crate::store::{opt, Stmt};

/// Room for a new user of account `$a` in organization `$org` and group `$group` (each NULL:
/// none): the organization's `allowed_users` (-1 = unlimited) and the group's `max_users`.
macro_rules! user_room {
    ($a:literal, $org:literal, $group:literal) => {
        concat!(
            "(", $org, " IS NULL OR EXISTS (SELECT 1 FROM organizations o WHERE o.account_id = ", $a, " AND o.id = ", $org, " AND (o.allowed_users = -1 OR \
(SELECT count(*) FROM users x WHERE x.organization_id = o.id) < o.allowed_users))) AND (", $group, " IS NULL OR EXISTS (SELECT 1 FROM groups g \
WHERE g.account_id = ", $a, " AND g.id = ", $group, " AND (g.max_users IS NULL OR (SELECT count(*) FROM users x WHERE x.group_id = g.id) < g.max_users)))"
        )
    };
}
pub(crate) use user_room;

/// Inserts a user only if the account exists and the email is free in it (0 rows otherwise).
/// With an organization ?11 (issue 10 §7), only while it is the account's and has room under
/// its `allowed_users` (-1 = unlimited); with a group ?12 (route diff, issue 8: Keygen's
/// `POST /users` with `relationships.group`), only while it is the account's and has room under
/// its `max_users`. Both are counted in the insert itself, so concurrent creates never pass them.
pub const INSERT: &str = concat!(
    "INSERT INTO users (id, account_id, email, first_name, last_name, role, password_hash, metadata, created_at, updated_at, permissions, organization_id, group_id) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?2) AND ",
    user_room!("?2", "?11", "?12"),
    " ON CONFLICT DO NOTHING"
);

/// A user to insert with [`INSERT`].
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub email: &'a str,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: UserRole,
    pub password_hash: Option<String>,
    /// Metadata as JSON text.
    pub metadata: String,
    pub now: Millis,
    /// `permissions` as a JSON array (`None`: the role's).
    pub permissions: Option<String>,
    /// Its organization (issue 10 §7), capped by the insert.
    pub organization_id: Option<String>,
    /// Its group (route diff, issue 8), capped by the insert.
    pub group_id: Option<String>,
}

/// The [`INSERT`] statement for `u`.
pub fn insert(u: NewUser<'_>) -> Stmt {
    Stmt::new(
        INSERT,
        vec![
            u.id.into(),
            u.account_id.into(),
            u.email.into(),
            opt(u.first_name),
            opt(u.last_name),
            u.role.as_str().into(),
            opt(u.password_hash),
            u.metadata.into(),
            u.now.into(),
            opt(u.permissions),
            opt(u.organization_id),
            opt(u.group_id),
        ],
    )
}

/// Whether group ?2 of account ?1 exists, its `max_users` and its users (why a grouped create
/// wrote nothing).
pub const GROUP_MAX_USERS: &str =
    "SELECT max_users AS n, (SELECT count(*) FROM users x WHERE x.group_id = g.id) AS used FROM groups g WHERE account_id = ?1 AND id = ?2";

/// Whether email ?2 is in use in account ?1 (the conflict check of a create).
pub const EMAIL_EXISTS: &str = "SELECT 1 AS ok FROM users WHERE account_id = ?1 AND email = ?2";

/// One user by id or email; an exact id wins.
pub const FIND: &str = concat!(
    "SELECT * FROM users WHERE ",
    visible_filter!("account_id", "?1"),
    " AND ",
    id_or!("id", "users", "email", "lower(?2)", "1"),
    " ORDER BY id = ?2 DESC, account_id = ?1 DESC LIMIT 1"
);

/// The filters of [`LIST`], [`COUNT`] and [`PAGE_AFTER`]: ?2 restricts to one user (a user
/// bearer), ?3 to users (role `user`, never staff) related to a product's licenses, ?4 roles (a JSON array),
/// ?5 banned filter (1/0), ?6 query operators (created/updated [gt|gte|lt|lte]), ?7 organization
/// (an organization admin's: its members, in union with ?2; issue 10 §7), ?8–?11 Keygen's
/// metadata, license, group and assigned scopes, ?12 reseller (a reseller admin's: only its
/// reseller's customers and admins; issue 10 §7).
/// `$tenant`: which users of ?1 (environments, issue 8: `visible!` or one arm of it).
macro_rules! user_filters {
    ($tenant:expr) => {
        concat!(
            "WHERE ",
            $tenant,
            " AND ((?2 IS NULL AND ?7 IS NULL) OR id = ?2 OR u.organization_id = ?7) \
AND (?3 IS NULL OR (u.role = 'user' AND EXISTS (SELECT 1 FROM licenses l WHERE l.product_id = ?3 AND (l.owner_id = u.id OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = u.id))))) \
AND (?4 IS NULL OR role IN (SELECT value FROM json_each(?4))) AND (?5 IS NULL OR (banned_at IS NOT NULL) = ?5) AND ",
            time_operators!("?6", "created" => "u.created_at", "updated" => "u.updated_at"),
            // Keygen's users scopes (issue 8): ?8 metadata, ?9 a license it owns or holds (id or
            // key), ?10 group, ?11 assigned (1: owns or holds any license; 0: none).
            " AND ",
            metadata_equals!("u.metadata", "?8"),
            " AND (?9 IS NULL OR EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND (l.id = ?9 OR l.key = ?9) \
AND (l.owner_id = u.id OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = u.id)))) \
AND (?10 IS NULL OR u.group_id = ?10) AND (?11 IS NULL OR (EXISTS (SELECT 1 FROM licenses l WHERE l.account_id = ?1 AND l.owner_id = u.id) \
OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.user_id = u.id)) = ?11) ",
            // Resellers (issue 10 §7).
            "AND (?12 IS NULL OR u.reseller_id = ?12) "
        )
    };
}

/// The index of [`LIST`]'s reseller parameter ?12 among its filters (`service::pin_reseller`).
pub const RESELLER_SLOT: usize = 11;

/// Users visible to a bearer, newest first ([`user_filters!`]); ?13 limit, ?14 offset.
/// Environments (issue 8): the tenant's own `UNION ALL` a SHARED environment's global ones,
/// merged in index order (`visible_union!`).
pub const LIST: &str = concat!(
    "SELECT * FROM users u ",
    user_filters!("u.account_id = ?1"),
    "UNION ALL SELECT * FROM users u ",
    user_filters!(global_of!("u.account_id", "?1")),
    "ORDER BY created_at DESC, id DESC LIMIT ?13 OFFSET ?14"
);

/// Count for [`LIST`] with the same filters.
pub const COUNT: &str = concat!("SELECT count(*) AS n FROM users u ", user_filters!(visible!("u.account_id", "?1")));

/// Exports: one keyset page of [`LIST`]'s rows (same filters), oldest first, after (?13 created
/// at, ?14 id) — NULL: from the start; ?15 rows.
pub const PAGE_AFTER: &str = concat!(
    "SELECT * FROM users u ",
    user_filters!("u.account_id = ?1"),
    "AND (?13 IS NULL OR created_at > ?13 OR (created_at = ?13 AND id > ?14)) ORDER BY created_at, id LIMIT ?15"
);

/// Writes a user's mutable attributes. Never demotes the account's last admin (Keygen's
/// `enforce_admin_minimums_on_account!`): guarded in the statement, so two admins demoting each
/// other at once leave one (0 rows changed). Never gives a staff role to a member of an
/// organization (issue 10 §7; a concurrent move in cannot slip between the check and the write).
pub const UPDATE: &str =
    "UPDATE users SET email = ?3, first_name = ?4, last_name = ?5, role = ?6, password_hash = ?7, metadata = ?8, updated_at = ?9, permissions = ?10 \
WHERE account_id = ?1 AND id = ?2 \
AND (?6 = 'admin' OR role != 'admin' OR EXISTS (SELECT 1 FROM users o WHERE o.account_id = ?1 AND o.id != ?2 AND o.role = 'admin')) \
AND (?6 = role OR organization_id IS NULL OR ?6 NOT IN ('admin', 'developer', 'sales-agent', 'support-agent', 'read-only'))";

/// Replaces a password hash with one at a higher iteration count after a successful login, only
/// if it is still the hash that was verified (?3), so a concurrent password change wins.
pub const REHASH_PASSWORD: &str = "UPDATE users SET password_hash = ?4 WHERE account_id = ?1 AND id = ?2 AND password_hash = ?3";

/// Bans (?3 = time) or unbans (?3 = NULL).
pub const SET_BANNED: &str = "UPDATE users SET banned_at = ?3, updated_at = ?4 WHERE account_id = ?1 AND id = ?2";

/// Deletes a user.
pub const DELETE: &str = "DELETE FROM users WHERE account_id = ?1 AND id = ?2";

/// Is `?2` the owner or a licensee of a license of product `?3`? (product bearers' reach)
pub const RELATED_TO_PRODUCT: &str = "SELECT 1 AS ok FROM licenses l WHERE l.account_id = ?1 AND l.product_id = ?3 \
AND (l.owner_id = ?2 OR EXISTS (SELECT 1 FROM license_users lu WHERE lu.license_id = l.id AND lu.user_id = ?2)) LIMIT 1";

/// Password reset: stores the digest of a new reset token (?3) and when it was issued (?4),
/// replacing any earlier one (only the newest token works).
pub const SET_PASSWORD_RESET: &str = "UPDATE users SET password_reset_digest = ?3, password_reset_sent_at = ?4 WHERE account_id = ?1 AND id = ?2";

/// Consumes a reset token: sets the password (?4) and clears the token only if the stored
/// digest is ?3 and it was issued after ?5 (not expired). One guarded UPDATE, so of two
/// concurrent resets with the same token exactly one changes a row.
pub const RESET_PASSWORD: &str = "UPDATE users SET password_hash = ?4, password_reset_digest = NULL, password_reset_sent_at = NULL, updated_at = ?6 \
WHERE account_id = ?1 AND id = ?2 AND password_reset_digest = ?3 AND password_reset_sent_at > ?5";

/// Sets a password after the old one was verified (and drops any pending reset token), only if
/// the hash is still the verified one (?3), so two concurrent changes cannot both pass one check.
pub const UPDATE_PASSWORD: &str = "UPDATE users SET password_hash = ?4, password_reset_digest = NULL, password_reset_sent_at = NULL, updated_at = ?5 \
WHERE account_id = ?1 AND id = ?2 AND password_hash = ?3";
