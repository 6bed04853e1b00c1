//! Organization admins (issue 10 §7, Cryptlex's customer-portal role): what "own" means for a
//! [`Bearer::OrganizationAdmin`] in the access table, and the rules its rows cannot say alone.
//! Each rule is written once here; the users, licenses and machines services call them.
//!
//! - A user is its own when it is itself, or a member of its organization of role `user`; a
//!   member of another role (another organization admin) is `OwnLocked` (readable, never
//!   changed); everyone else is someone else's (404).
//! - A license is its own as a plain user's (owner or licensee); a license of its organization
//!   that it does not hold is `OwnLocked`: the `own` rows (read, assign, deactivate machines)
//!   allow it, the `own, open` rows of a user (activate, check out, …) refuse it (403).
//! - Assigning (owner change, licensees) needs both sides in its organization ([`assignable`]).
//! - Staff never belong to an organization ([`staff_refused`]), whoever asks.

use super::Ownership;
use crate::domain::states::UserRole;
use crate::error::{Code, Error};
use crate::service::{Bearer, Caller};
use crate::store::rows::UserRow;

/// User `u` relative to organization admin `admin_id` of `organization_id`.
pub fn user_ownership(admin_id: &str, organization_id: &str, u: &UserRow) -> Ownership {
    if u.id == admin_id {
        return Ownership::Own;
    }
    match u.organization_id.as_deref() {
        Some(o) if o == organization_id => Ownership::locked_if(true, u.role != UserRole::User),
        _ => Ownership::Foreign,
    }
}

/// A license relative to an organization admin: `personal` is its ownership as a plain user;
/// `in_organization` whether the license belongs to the admin's organization.
pub fn license_ownership(personal: Ownership, in_organization: bool) -> Ownership {
    match personal {
        Ownership::Foreign if in_organization => Ownership::OwnLocked,
        o => o,
    }
}

/// The organization the caller administers (`None` for every other bearer).
pub fn organization_of(caller: &Caller) -> Option<&str> {
    match &caller.bearer {
        Bearer::OrganizationAdmin { organization_id, .. } => Some(organization_id),
        _ => None,
    }
}

/// For an organization admin assigning license (of organization `license_org`) to `user`:
/// the license must be its organization's (403 otherwise: it may read it as a licensee, not
/// hand it out) and the user a member (else `not_found`, the answer for an unknown user, so
/// ids outside its organization never leak). Every other bearer: the table already decided.
///
/// # Errors
/// 403 `FORBIDDEN`; `not_found()`.
pub fn assignable(caller: &Caller, license_org: Option<&str>, user: Option<&UserRow>, not_found: impl FnOnce() -> Error) -> crate::Result<()> {
    let Some(org) = organization_of(caller) else { return Ok(()) };
    if license_org != Some(org) {
        return Err(Error::forbidden());
    }
    match user {
        Some(u) if u.organization_id.as_deref() != Some(org) => Err(not_found()),
        _ => Ok(()),
    }
}

/// Whether the caller is an organization admin and user `u` is not a member of its
/// organization (a user it must not name, answered as an unknown one).
pub fn outsider(caller: &Caller, u: &UserRow) -> bool {
    organization_of(caller).is_some_and(|org| u.organization_id.as_deref() != Some(org))
}

/// Keygen's protected licenses (only admins and products act on them; `LicensePolicy` and
/// `MachinePolicy` refuse users): outside its organization an organization admin is a plain
/// user, so it never deactivates a machine of a protected license there, even one it holds
/// (the `own` row of `MachineDelete` exists for its organization's licenses). Inside its
/// organization the row stands. `admin_org` is [`organization_of`] the caller (`None`: not an
/// organization admin, and the table already decided).
///
/// # Errors
/// 403 `FORBIDDEN`.
pub fn protected_outside(admin_org: Option<&str>, license_org: Option<&str>, protected: bool) -> crate::Result<()> {
    match admin_org {
        Some(org) if protected && license_org != Some(org) => Err(Error::forbidden()),
        _ => Ok(()),
    }
}

/// Organization groups (issue 10 §7): an organization admin names (joins a member to, or
/// leaves) only its organization's groups, `group_org` being a group's organization; a vendor
/// group is one it may not name. Every other bearer: the table already decided.
pub fn may_name_group(caller: &Caller, group_org: Option<&str>) -> bool {
    organization_of(caller).is_none_or(|org| group_org == Some(org))
}

/// Staff are kept out of organizations: a user of `role` in an organization (`in_organization`)
/// is refused, pointing at `pointer` (the organization on a move or create, the role on a role
/// change).
///
/// # Errors
/// 422 `ORGANIZATION_STAFF_NOT_ALLOWED`.
pub fn staff_refused(role: UserRole, in_organization: bool, pointer: &str) -> crate::Result<()> {
    if role.is_staff() && in_organization {
        return Err(Error::new(
            Code::OrganizationStaffNotAllowed,
            "staff users (admin, developer, sales-agent, support-agent, read-only) cannot belong to an organization",
        )
        .pointer(pointer));
    }
    Ok(())
}

/// Keygen's privilege rule extended to Cryptlex's role: only admins and developers give or
/// take `organization-admin`; an organization admin creates and keeps users of role `user`.
///
/// # Errors
/// 403 `FORBIDDEN` at `/data/attributes/role`.
pub fn check_role(caller: &Caller, current: Option<UserRole>, new: UserRole) -> crate::Result<()> {
    let refused = || {
        Error::new(Code::Forbidden, "You do not have permission to complete the request (the bearer lacks privileges to give or manage this role)")
            .pointer("/data/attributes/role")
    };
    if matches!(caller.bearer, Bearer::OrganizationAdmin { .. }) && (new != UserRole::User || current.is_some_and(|r| r != UserRole::User)) {
        return Err(refused());
    }
    let touches = new == UserRole::OrganizationAdmin || current == Some(UserRole::OrganizationAdmin);
    let changes = current != Some(new);
    let manages = matches!(caller.bearer, Bearer::Admin { role: UserRole::Admin | UserRole::Developer, .. });
    if touches && changes && !manages {
        return Err(refused());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, org: Option<&str>, role: UserRole) -> UserRow {
        let mut u: UserRow = serde_json::from_value(serde_json::json!({
            "id": id, "account_id": "a", "email": format!("{id}@x.io"), "role": role.as_str(),
            "metadata": "{}", "created_at": 0, "updated_at": 0,
        }))
        .unwrap_or_else(|e| panic!("user row: {e}"));
        u.organization_id = org.map(str::to_owned);
        u
    }

    #[test]
    fn members_of_role_user_are_own_others_locked_outsiders_foreign() {
        assert_eq!(user_ownership("me", "o1", &user("me", Some("o1"), UserRole::OrganizationAdmin)), Ownership::Own);
        assert_eq!(user_ownership("me", "o1", &user("u", Some("o1"), UserRole::User)), Ownership::Own);
        assert_eq!(user_ownership("me", "o1", &user("v", Some("o1"), UserRole::OrganizationAdmin)), Ownership::OwnLocked);
        assert_eq!(user_ownership("me", "o1", &user("w", Some("o2"), UserRole::User)), Ownership::Foreign);
        assert_eq!(user_ownership("me", "o1", &user("x", None, UserRole::User)), Ownership::Foreign);
    }

    #[test]
    fn organization_licenses_it_does_not_hold_are_locked() {
        assert_eq!(license_ownership(Ownership::Foreign, true), Ownership::OwnLocked);
        assert_eq!(license_ownership(Ownership::Foreign, false), Ownership::Foreign);
        assert_eq!(license_ownership(Ownership::Own, false), Ownership::Own);
        assert_eq!(license_ownership(Ownership::OwnLocked, true), Ownership::OwnLocked);
    }

    #[test]
    fn protected_licenses_outside_the_organization_are_refused() {
        assert!(protected_outside(Some("o1"), Some("o2"), true).is_err());
        assert!(protected_outside(Some("o1"), None, true).is_err());
        assert!(protected_outside(Some("o1"), Some("o1"), true).is_ok());
        assert!(protected_outside(Some("o1"), None, false).is_ok());
        assert!(protected_outside(None, None, true).is_ok());
    }

    #[test]
    fn staff_are_refused_only_inside_an_organization() {
        assert!(staff_refused(UserRole::Developer, true, "/data").is_err());
        assert!(staff_refused(UserRole::Developer, false, "/data").is_ok());
        assert!(staff_refused(UserRole::OrganizationAdmin, true, "/data").is_ok());
        assert!(staff_refused(UserRole::User, true, "/data").is_ok());
    }
}
