//! Keygen's `UserPolicy#verify_privileges!`: no bearer creates, raises or manages a user above
//! its own rank (only an admin grants admin; a developer cannot make itself admin), sales and
//! support agents touch only users with the user role, and a user's `permissions` never exceed
//! what its role allows. Called by the users service beside the table's rows.

use serde_json::Value;

use super::permissions::{self, rank};
use super::{require, Action};
use crate::domain::states::UserRole;
use crate::error::{Code, Error};
use crate::service::{Bearer, Caller};

fn lacks_privileges() -> Error {
    Error::new(Code::Forbidden, "You do not have permission to complete the request (the bearer lacks privileges to give or manage this role)")
        .pointer("/data/attributes/role")
}

/// Whether the caller may act on a user whose role is `current` (`None`: a new user) and give
/// it `new`: a staff bearer never above its own rank, and below developer only on users.
///
/// # Errors
/// 403 `FORBIDDEN` at `/data/attributes/role`.
pub fn check_assign(caller: &Caller, current: Option<UserRole>, new: UserRole) -> crate::Result<()> {
    // Resellers (issue 10 §7): only admins and developers give or take the reseller-admin role;
    // a reseller admin creates customers (role `user`) and never changes a role.
    let is_ra = |r: UserRole| r == UserRole::ResellerAdmin;
    let gives_or_takes = current.map_or(is_ra(new), |c| is_ra(c) != is_ra(new));
    if gives_or_takes && !matches!(&caller.bearer, Bearer::Admin { role: UserRole::Admin | UserRole::Developer, .. }) {
        return Err(lacks_privileges());
    }
    if matches!(caller.bearer, Bearer::ResellerAdmin { .. }) && (new != current.unwrap_or(UserRole::User) || (current.is_none() && new != UserRole::User)) {
        return Err(lacks_privileges());
    }
    let Bearer::Admin { role, .. } = &caller.bearer else { return Ok(()) };
    let mine = rank(*role);
    let above = |r: UserRole| rank(r) > mine;
    let manages_staff = matches!(role, UserRole::Admin | UserRole::Developer);
    let staff_target = new.is_staff() || current.is_some_and(UserRole::is_staff);
    if above(new) || current.is_some_and(above) || (staff_target && !manages_staff) {
        return Err(lacks_privileges());
    }
    Ok(())
}

/// The `users.permissions` to store: `requested` (only admins set it, each name one the role
/// allows and the caller holds), else on a role change the current set cut to what the new
/// role allows (Keygen's `Role#name=`), else unchanged. `Ok(None)`: leave it as it is.
///
/// # Errors
/// 403 for a caller that may not set permissions; 422 `PERMISSIONS_INVALID`/`_NOT_ALLOWED` at
/// `/data/attributes/permissions/{i}`.
pub fn user_permissions(
    caller: &Caller,
    role: UserRole,
    requested: Option<Value>,
    current: Option<&str>,
    role_changed: bool,
) -> crate::Result<Option<Option<String>>> {
    match requested {
        Some(Value::Null) => {
            require(caller, Action::UserPermissionsChange).map_err(|e| e.pointer("/data/attributes/permissions"))?;
            Ok(Some(None))
        }
        Some(v) => {
            require(caller, Action::UserPermissionsChange).map_err(|e| e.pointer("/data/attributes/permissions"))?;
            let list = permissions::parse(&v, "/data/attributes/permissions", |p| permissions::role_allows(role, p) && permissions::caller_holds(caller, p))?;
            Ok(Some(Some(Value::from(list).to_string())))
        }
        None if role_changed => Ok(Some(permissions::decode(current).map(|list| {
            let kept: Vec<String> = list.into_iter().filter(|p| permissions::role_allows(role, p)).collect();
            Value::from(kept).to_string()
        }))),
        None => Ok(None),
    }
}
