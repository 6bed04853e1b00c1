//! Keygen's permission system as rows of the access table: each [`Action`] names its Keygen
//! permission ([`Action::permission`], an exhaustive match, so a new action cannot be added
//! without one), each staff role has its default set ([`names`]), and a bearer's effective set
//! is its role's ∩ its user's `permissions` ∩ its token's `permissions` ([`Caller::permissions`]
//! holds the last two, resolved at authentication).
//!
//! Keygen gives developers, sales and support agents `ADMIN_PERMISSIONS` and then narrows them
//! by role in every policy; here the narrowing is the role's set itself (what Keygen's
//! `app/policies/**` allow that role), so one lookup answers both.

use super::{names, Action, Kind};
use crate::domain::states::UserRole;
use crate::error::{AttrFault, Error};
use crate::service::Caller;
use serde_json::Value;

/// Keygen's wildcard permission: everything the bearer has.
pub const WILDCARD: &str = "*";

impl Action {
    /// The Keygen permission this action needs (Latchkey's own name, in Keygen's grammar, for
    /// what Keygen does not have: [`names::LATCHKEY`]).
    pub const fn permission(self) -> &'static str {
        use Action as A;
        match self {
            A::AccountRead => "account.read",
            A::AccountUpdate => "account.update",
            A::ProfileRead => "user.read",
            A::EventRead => "event-log.read",
            A::TokenGenerate => "token.generate",
            A::TokenRead => "token.read",
            A::TokenRegenerate | A::ExpiredTokenRegenerate => "token.regenerate",
            A::TokenRevoke => "token.revoke",
            A::ProductRead => "product.read",
            A::ProductCreate => "product.create",
            A::ProductUpdate => "product.update",
            A::ProductDelete => "product.delete",
            A::ProductTokenCreate => "product.tokens.generate",
            A::PolicyRead => "policy.read",
            A::PolicyCreate => "policy.create",
            A::PolicyUpdate => "policy.update",
            A::PolicyDelete => "policy.delete",
            A::EntitlementRead => "entitlement.read",
            A::EntitlementCreate => "entitlement.create",
            A::EntitlementUpdate => "entitlement.update",
            A::EntitlementDelete => "entitlement.delete",
            A::GroupRead => "group.read",
            A::GroupCreate => "group.create",
            A::GroupUpdate => "group.update",
            A::GroupDelete => "group.delete",
            // Group owners (issue 8).
            A::GroupOwnerRead => "group.owners.read",
            A::GroupOwnerAttach => "group.owners.attach",
            A::GroupOwnerDetach => "group.owners.detach",
            A::GroupLicenseRead => "group.licenses.read",
            A::GroupMachineRead => "group.machines.read",
            A::GroupUserRead => "group.users.read",
            A::UserRead => "user.read",
            A::UserCreate | A::AdminCreate => "user.create",
            A::UserUpdate | A::PasswordChangeWithoutOld | A::UserRoleChange => "user.update",
            A::UserPermissionsChange => "admin.update",
            A::UserDelete => "user.delete",
            A::UserBan => "user.ban",
            A::UserTokenCreate | A::AdminTokenCreate => "user.tokens.generate",
            A::UserGroupChange => "user.group.update",
            A::PasswordResetRequest | A::PasswordReset => "user.password.reset",
            A::PasswordUpdate => "user.password.update",
            A::SecondFactorRead => "user.second-factors.read",
            A::SecondFactorManage => "user.second-factors.update",
            A::LicenseRead => "license.read",
            A::LicenseCreate => "license.create",
            A::LicenseUpdate => "license.update",
            A::LicenseDelete => "license.delete",
            A::LicenseSuspend => "license.suspend",
            A::LicenseRenew | A::LicenseExpiryChange => "license.renew",
            A::LicensePolicyChange => "license.policy.update",
            A::LicenseOwnerChange => "license.owner.update",
            A::LicenseTokenManage => "license.tokens.generate",
            A::LicenseUsageIncrement => "license.usage.increment",
            A::LicenseUsageReset => "license.usage.reset",
            A::LicenseCheckIn => "license.check-in",
            A::LicenseCheckOut | A::PerpetualCheckOut => "license.check-out",
            A::LicenseValidate | A::LicenseValidateKey => "license.validate",
            A::MachineRead => "machine.read",
            A::MachineCreate => "machine.create",
            A::MachineLimitsSet | A::MachineUpdate => "machine.update",
            A::MachineDelete | A::MachineBulkDeactivate => "machine.delete",
            A::MachineOwnerChange => "machine.owner.update",
            A::MachineHeartbeat => "machine.heartbeat.ping",
            A::WebhookManage => "webhook-endpoint.update",
            A::ReleaseRead => "release.read",
            A::ReleaseCreate => "release.create",
            A::ReleaseUpdate => "release.update",
            A::ReleaseDelete => "release.delete",
            A::ReleasePublish => "release.publish",
            A::ConstraintRead => "constraint.read",
            A::ConstraintManage => "release.constraints.attach",
            A::ArtifactRead => "artifact.read",
            A::ArtifactCreate => "artifact.create",
            A::ArtifactUpdate => "artifact.update",
            A::ArtifactDelete => "artifact.delete",
            A::PackageRead => "package.read",
            A::ProductDistributionRead => "release.read",
            A::PackageCreate => "package.create",
            A::PackageUpdate => "package.update",
            A::PackageDelete => "package.delete",
            A::LicenseMeterManage => "license.meters.update",
            A::MachineMeterIncrement => "machine.meters.increment",
            A::MachineMeterDecrement => "machine.meters.decrement",
            A::SubscriptionLogRead => "subscription-log.read",
            A::MaintenancePolicyRead => "maintenance-policy.read",
            A::MaintenancePolicyCreate => "maintenance-policy.create",
            A::MaintenancePolicyUpdate => "maintenance-policy.update",
            A::MaintenancePolicyDelete => "maintenance-policy.delete",
            A::TrialPolicyRead => "trial-policy.read",
            A::TrialPolicyCreate => "trial-policy.create",
            A::TrialPolicyUpdate => "trial-policy.update",
            A::TrialPolicyDelete => "trial-policy.delete",
            A::TrialActivationCreate | A::TrialOfflineActivate => "trial-activation.create",
            A::TrialActivationRead => "trial-activation.read",
            A::TrialActivationUpdate => "trial-activation.update",
            A::TrialActivationDelete => "trial-activation.delete",
            A::ActivationLogRead => "activation-log.read",
            A::ExportRead => "export.read",
            A::OpenApiRead => "openapi.read",
            // Health below an account (issue 11): no Keygen permission (anyone may ask).
            A::HealthRead => "health.read",
            // Request logs, key pools, machine proofs (issue 8): Keygen's names; search has no
            // Keygen permission (`SearchPolicy` allows every staff role), so a Latchkey one.
            A::RequestLogRead => "request-log.read",
            A::KeyRead => "key.read",
            A::KeyCreate => "key.create",
            A::KeyUpdate => "key.update",
            A::KeyDelete => "key.delete",
            A::MachineProofGenerate => "machine.proofs.generate",
            A::Search => "search.read",
            // Entitlement sets (issue 10 §3), Latchkey names; roles as Keygen's EntitlementPolicy.
            A::EntitlementSetRead => "entitlement-set.read",
            A::EntitlementSetCreate => "entitlement-set.create",
            A::EntitlementSetUpdate => "entitlement-set.update",
            A::EntitlementSetDelete => "entitlement-set.delete",
            // Environments (issue 8): Keygen's names.
            A::EnvironmentList | A::EnvironmentRead => "environment.read",
            A::EnvironmentCreate => "environment.create",
            A::EnvironmentUpdate => "environment.update",
            A::EnvironmentDelete => "environment.delete",
            A::EnvironmentTokenCreate => "environment.tokens.generate",
            A::EnvironmentTokenRead => "token.read",
            // Organizations (issue 10 §7), Latchkey names.
            A::OrganizationRead => "organization.read",
            A::OrganizationCreate => "organization.create",
            A::OrganizationUpdate => "organization.update",
            A::OrganizationDelete => "organization.delete",
            A::UserOrganizationChange => "user.organization.update",
            A::LicenseOrganizationChange => "license.organization.update",
            // Organization admins (issue 10 §7): the permission of the row it shares with
            // `LicenseUpdate` for every other bearer, so no token loses what it could do.
            A::LicenseUsersChange => "license.update",
            // Resellers (issue 10 §7), Latchkey names.
            A::ResellerRead => "reseller.read",
            A::ResellerCreate => "reseller.create",
            A::ResellerUpdate => "reseller.update",
            A::ResellerDelete => "reseller.delete",
            A::ResellerPoliciesChange => "reseller.policies.update",
            A::UserResellerChange => "user.reseller.update",
            A::LicenseResellerChange => "license.reseller.update",
            A::OrganizationResellerChange => "organization.reseller.update",
        }
    }
}

fn listed(set: &str, p: &str) -> bool {
    set.split_ascii_whitespace().any(|q| q == p)
}

/// Whether `p` is a permission name (Keygen's or Latchkey's).
pub fn is_known(p: &str) -> bool {
    listed(names::KEYGEN, p) || listed(names::LATCHKEY, p)
}

/// The default permission set of a staff role (`None` for admins: every permission).
pub fn staff_set(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Developer => Some(names::DEVELOPER),
        Kind::SalesAgent => Some(names::SALES_AGENT),
        Kind::SupportAgent => Some(names::SUPPORT_AGENT),
        Kind::ReadOnly => Some(names::READ_ONLY),
        Kind::Environment => Some(names::ENVIRONMENT),
        Kind::Admin | Kind::Product | Kind::User | Kind::License | Kind::Anonymous => None,
        // organization admins (issue 10 §7): not staff; their rows are the table's.
        Kind::OrganizationAdmin => None,
        // Resellers (issue 10 §7): its rows of the table, not a staff set.
        Kind::ResellerAdmin => None,
    }
}

/// Whether a staff `kind`'s role set holds `p` (admins hold every permission).
pub fn role_holds(kind: Kind, p: &str) -> bool {
    staff_set(kind).is_none_or(|s| listed(s, p))
}

/// The [`Kind`] of a user with `role`.
pub const fn kind_of(role: UserRole) -> Kind {
    match role {
        UserRole::Admin => Kind::Admin,
        UserRole::Developer => Kind::Developer,
        UserRole::SalesAgent => Kind::SalesAgent,
        UserRole::SupportAgent => Kind::SupportAgent,
        UserRole::ReadOnly => Kind::ReadOnly,
        UserRole::User => Kind::User,
        // organization admins (issue 10 §7)
        UserRole::OrganizationAdmin => Kind::OrganizationAdmin,
        // Resellers (issue 10 §7): with a reseller (`Bearer::of_user`; without, a plain user).
        UserRole::ResellerAdmin => Kind::ResellerAdmin,
    }
}

/// Keygen's `Role::ROLE_RANK`: a bearer never creates or raises a user above its own rank.
pub const fn rank(role: UserRole) -> u8 {
    match role {
        UserRole::Admin => 7,
        UserRole::Developer => 5,
        UserRole::SalesAgent => 3,
        UserRole::SupportAgent => 2,
        UserRole::ReadOnly => 1,
        UserRole::User | UserRole::OrganizationAdmin | UserRole::ResellerAdmin => 0,
    }
}

/// Whether a user of `role` may ever hold `p`: for staff its role set, for users Keygen's
/// `USER_PERMISSIONS`. What an admin may put in `user.permissions`.
pub fn role_allows(role: UserRole, p: &str) -> bool {
    match role {
        UserRole::User => listed(names::USER, p),
        // organization admins (issue 10 §7)
        UserRole::OrganizationAdmin => listed(names::ORGANIZATION_ADMIN, p),
        // Resellers (issue 10 §7).
        UserRole::ResellerAdmin => listed(names::RESELLER_ADMIN, p),
        staff => role_holds(kind_of(staff), p),
    }
}

/// A user's effective default permission names (what its resource renders when it has none of
/// its own): its role's set.
pub fn role_defaults(role: UserRole) -> Vec<&'static str> {
    let all = || names::KEYGEN.split_ascii_whitespace().chain(names::LATCHKEY.split_ascii_whitespace());
    match role {
        UserRole::Admin => all().collect(),
        UserRole::User => names::USER.split_ascii_whitespace().collect(),
        // organization admins (issue 10 §7)
        UserRole::OrganizationAdmin => names::ORGANIZATION_ADMIN.split_ascii_whitespace().collect(),
        // Resellers (issue 10 §7).
        UserRole::ResellerAdmin => names::RESELLER_ADMIN.split_ascii_whitespace().collect(),
        staff => all().filter(|p| role_holds(kind_of(staff), p)).collect(),
    }
}

/// A stored permission list (`users.permissions`, `tokens.permissions`): `None` when absent or
/// the wildcard, else the names. Undecodable text is an empty set (it grants nothing).
pub fn decode(stored: Option<&str>) -> Option<Vec<String>> {
    let list: Vec<String> = serde_json::from_str(stored?).unwrap_or_default();
    if list.iter().any(|p| p == WILDCARD) {
        None
    } else {
        Some(list)
    }
}

/// The intersection of two restrictions (`None` = unrestricted).
pub fn intersect(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => Some(a.into_iter().filter(|p| b.contains(p)).collect()),
    }
}

/// Parses a `permissions` attribute at `pointer`: an array of known names (or `"*"`),
/// deduplicated; `allowed` says which names the resource may hold at all.
///
/// # Errors
/// 422 `PERMISSIONS_INVALID` (not an array of strings), `PERMISSIONS_NOT_ALLOWED` (an unknown
/// name, or one outside `allowed`), each pointing at the offending element.
pub fn parse(v: &Value, pointer: &str, allowed: impl Fn(&str) -> bool) -> crate::Result<Vec<String>> {
    let Value::Array(items) = v else {
        return Err(Error::attribute("permissions", AttrFault::Invalid, "must be an array of permission names").pointer(pointer));
    };
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{pointer}/{i}");
        let Value::String(p) = item else {
            return Err(Error::attribute("permissions", AttrFault::Invalid, "must be an array of permission names").pointer(at));
        };
        if p != WILDCARD && !is_known(p) {
            return Err(Error::attribute("permissions", AttrFault::NotAllowed, format!("unsupported permission: {p}")).pointer(at));
        }
        if p != WILDCARD && !allowed(p) {
            return Err(Error::attribute("permissions", AttrFault::NotAllowed, format!("unsupported permissions: the bearer does not have {p}")).pointer(at));
        }
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Whether a bearer of `kind` may use `p` at all: a staff role's set, or some row of the table
/// that grants `kind` an action needing `p`. Bounds what a token of that bearer may carry.
pub fn bearer_allows(kind: Kind, p: &str) -> bool {
    match staff_set(kind) {
        Some(set) => listed(set, p),
        None if kind == Kind::Admin => is_known(p),
        None => Action::ALL.iter().any(|&a| a.permission() == p && !matches!(super::scope(a, kind), super::Scope::Nobody)),
    }
}

/// A `permissions` attribute as rendered on users and tokens: the stored list, or `default`.
pub fn rendered(stored: Option<&str>, default: impl FnOnce() -> Vec<&'static str>) -> Value {
    match stored.and_then(|s| serde_json::from_str::<Vec<String>>(s).ok()) {
        Some(list) => Value::from(list),
        None => Value::from(default()),
    }
}

/// Whether the caller's own restriction (its user's and token's permissions) lets it grant
/// `p` to another token or user: a restricted caller grants only what it holds, and never
/// the wildcard.
pub fn caller_holds(caller: &Caller, p: &str) -> bool {
    match &caller.permissions {
        None => true,
        Some(set) => p != WILDCARD && set.iter().any(|q| q == p),
    }
}
