//! The one access table: may this bearer do this action on this resource?
//!
//! Every route names its [`Action`]. A service first calls [`gate`] (before any lookup, so an
//! anonymous caller gets 401 and a bearer kind that may never do the action gets 403 without
//! learning whether the id exists), then loads the target, computes its [`Ownership`] relative
//! to the bearer and calls [`check`]. Both read [`scope`], the table: for each action and
//! [`Kind`] of bearer, whether it may act on any resource of the account, only on its own, only
//! on its own while the license is open (not protected, and for check-out also not suspended or
//! expired under `REVOKE_ACCESS`), or not at all. [`decide`] turns a row and an ownership into
//! Allow / 401 / 403 / 404: resources of someone else answer 404, so ids never leak.
//!
//! Keygen's policies (`app/policies/**` of keygen-sh/keygen-api) are the reference; where this
//! table is stricter, the row says so (and `docs/API.md` "Permission model" lists them).
//!
//! Roles and permissions (Keygen's permission system): staff roles (developer, sales and
//! support agents, read-only) take the admin's row when their role's permission set holds the
//! action's permission ([`permissions`]); every bearer is further limited by its user's and
//! token's `permissions` (checked by [`gate`] and [`check`]).

mod actions;
mod names;
pub mod organization_admins;
mod ownership;
pub mod permissions;
pub mod roles;

pub use actions::Action;
pub use ownership::Ownership;

use crate::error::{Code, Error};
use crate::service::{Bearer, Caller};

/// The kind of a bearer, as the table sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A user with the admin role.
    Admin,
    /// A user with Keygen's developer role.
    Developer,
    /// A user with Keygen's sales-agent role.
    SalesAgent,
    /// A user with Keygen's support-agent role.
    SupportAgent,
    /// A user with Keygen's read-only role.
    ReadOnly,
    /// An environment token (Keygen EE, issue 8): Keygen's environment permission set, on the
    /// admin's rows, inside its own environment only.
    Environment,
    /// A product token.
    Product,
    /// A user with the user role.
    User,
    // organization admins (issue 10 §7)
    /// A user with Cryptlex's `organization-admin` role in an organization: a user, plus its
    /// organization's users, licenses and machines ([`organization_admins`]).
    OrganizationAdmin,
    /// A license (key or license token).
    License,
    /// No credentials.
    Anonymous,
    // Resellers (issue 10 §7).
    /// A user with Cryptlex's reseller-admin role and a reseller: "own" is its reseller's.
    ResellerAdmin,
}

impl Kind {
    /// Every kind, in table order.
    pub const ALL: [Kind; 12] = [
        Kind::Admin,
        Kind::Developer,
        Kind::SalesAgent,
        Kind::SupportAgent,
        Kind::ReadOnly,
        Kind::Environment,
        Kind::Product,
        Kind::User,
        // organization admins (issue 10 §7)
        Kind::OrganizationAdmin,
        Kind::License,
        Kind::Anonymous,
        // Resellers (issue 10 §7).
        Kind::ResellerAdmin,
    ];
}

impl Bearer {
    /// The bearer's [`Kind`].
    pub fn kind(&self) -> Kind {
        match self {
            Bearer::Admin { role, .. } => permissions::kind_of(*role),
            Bearer::Environment { .. } => Kind::Environment,
            Bearer::Product { .. } => Kind::Product,
            Bearer::User { .. } => Kind::User,
            Bearer::License { .. } => Kind::License,
            Bearer::Anonymous => Kind::Anonymous,
            // organization admins (issue 10 §7)
            Bearer::OrganizationAdmin { .. } => Kind::OrganizationAdmin,
            // Resellers (issue 10 §7).
            Bearer::ResellerAdmin { .. } => Kind::ResellerAdmin,
        }
    }
}

/// What one row of the table grants one bearer kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any resource of the account.
    Any,
    /// Only its own (lists are filtered to its own).
    Own,
    /// Only its own, and only while the license is not locked.
    Open,
    /// Never.
    Nobody,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// 401 `TOKEN_MISSING`.
    Unauthorized,
    /// 403 `FORBIDDEN`.
    Forbidden,
    /// 404 `NOT_FOUND` (the resource is someone else's).
    NotFound,
}

/// THE table: what `action` grants a bearer of `kind`. Admins may do everything; anonymous
/// callers only validate a key; staff roles do what an admin does where their role's set
/// holds the action's permission. Comments mark where we are stricter than Keygen.
pub fn scope(action: Action, kind: Kind) -> Scope {
    use Action as A;
    use Kind as K;
    match (action, kind) {
        // organization admins (issue 10 §7): licensees are changed as licenses are updated by
        // every other bearer (the same row, the same permission); see the rows below.
        (A::LicenseUsersChange, _) if !matches!(kind, K::OrganizationAdmin) => scope(A::LicenseUpdate, kind),
        // Roles and permissions: Keygen's `UserPolicy` lets only admins and developers create
        // staff or change roles; only admins set a user's permissions (`admin.update`).
        (A::AdminCreate | A::UserRoleChange, K::SalesAgent | K::SupportAgent | K::ReadOnly) => Scope::Nobody,
        // Environments (issue 8): Keygen's environment set has no `admin.*`, and only admins
        // set a role: an environment token creates and changes users of role `user` only.
        (A::AdminCreate | A::UserRoleChange, K::Environment) => Scope::Nobody,
        // Keygen's `Users::SecondFactorPolicy`: staff other than admins only their own factors.
        (A::SecondFactorRead | A::SecondFactorManage, K::Developer | K::SalesAgent | K::SupportAgent | K::ReadOnly) => {
            if permissions::role_holds(kind, action.permission()) {
                Scope::Own
            } else {
                Scope::Nobody
            }
        }
        // Environments (issue 8): Keygen's `EnvironmentPolicy` mints environment tokens for
        // admins and developers only (its `environment.tokens.generate` is theirs alone).
        (A::EnvironmentTokenCreate, K::SalesAgent | K::SupportAgent | K::ReadOnly | K::Environment) => Scope::Nobody,
        // Keygen's `EnvironmentPolicy` and `Environments::TokenPolicy`: an environment token
        // reads only its own environment and that environment's tokens, never the list.
        (A::EnvironmentRead | A::EnvironmentTokenRead, K::Environment) => Scope::Own,
        (A::EnvironmentList, K::Environment) => Scope::Nobody,
        (_, K::Developer | K::SalesAgent | K::SupportAgent | K::ReadOnly | K::Environment) => {
            let open = matches!(row(action, K::Anonymous), Scope::Any);
            if open || permissions::role_holds(kind, action.permission()) {
                row(action, K::Admin)
            } else {
                Scope::Nobody
            }
        }
        // organization admins (issue 10 §7): Cryptlex's customer-portal role. "Own" is what
        // [`organization_admins`] computes: itself, and its organization's users (update and
        // delete: only those of role `user`), licenses (a license of the organization it does
        // not hold is `OwnLocked`: readable, assignable, its machines deactivatable, nothing
        // else) and machines. Users it creates join its organization with role `user`. Every
        // other action is a plain user's row.
        (A::OrganizationRead | A::UserRead | A::UserCreate | A::LicenseRead | A::LicenseOwnerChange | A::LicenseUsersChange, K::OrganizationAdmin) => {
            Scope::Own
        }
        (A::MachineRead | A::MachineDelete, K::OrganizationAdmin) => Scope::Own,
        (A::UserUpdate | A::UserDelete, K::OrganizationAdmin) => Scope::Open,
        // Organization groups (issue 10 §7): its organization's groups ("own"; any other group
        // it sees as a user is `OwnLocked`: read, never changed) and its members' moves between
        // them (`own, open`: members of role `user` and itself, never another organization admin).
        (A::GroupRead | A::GroupCreate, K::OrganizationAdmin) => Scope::Own,
        (A::GroupUpdate | A::GroupDelete | A::UserGroupChange, K::OrganizationAdmin) => Scope::Open,
        (_, K::OrganizationAdmin) => scope(action, K::User),
        _ => row(action, kind),
    }
}

/// The rows for admins, products, users, licenses and anonymous callers.
const fn row(action: Action, kind: Kind) -> Scope {
    use Action as A;
    use Kind as K;
    use Scope::{Any, Nobody, Open, Own};
    match (action, kind) {
        (A::LicenseValidateKey, _) => Any,
        // Trials: a client app starts its product's trial without credentials (Cryptlex's
        // `POST /trial-activations`); license bearers have no business here.
        (A::TrialActivationCreate, K::Anonymous | K::User) => Any,
        // distribution (issue 9): Keygen's `ReleasePolicy` & co. Reads are scoped by the release
        // access rule, so every bearer may ask; writes are the owning product's.
        (A::ReleaseRead | A::ArtifactRead | A::PackageRead, _) => Any,
        (A::ConstraintRead, K::User | K::License) => Any,
        // Keygen's `Products::Release*Policy` behind `authenticate_with_token!`: credentials
        // required; staff all; a product itself; a user or license a product whose releases it
        // may see (OPEN, or one it is licensed for). Then the release rule scopes as above.
        (A::ProductDistributionRead, K::Admin) => Any,
        (A::ProductDistributionRead, K::Product | K::User | K::License | K::ResellerAdmin) => Own,
        (
            A::ReleaseCreate
            | A::ReleaseUpdate
            | A::ReleaseDelete
            | A::ReleasePublish
            | A::ConstraintRead
            | A::ConstraintManage
            | A::ArtifactCreate
            | A::ArtifactUpdate
            | A::ArtifactDelete
            | A::PackageCreate
            | A::PackageUpdate
            | A::PackageDelete,
            K::Product,
        ) => Own,
        // end distribution
        // OpenAPI document: it describes the API, not the account, like Keygen's public docs.
        (A::OpenApiRead, _) => Any,
        // Health below an account (issue 11): whether the database answers, like `/v1/health`.
        (A::HealthRead, _) => Any,
        // Keygen's passwords controller and `Users::PasswordPolicy` (the user itself, or anonymous).
        (A::PasswordResetRequest, _) | (A::PasswordReset, K::Anonymous) => Any,
        (A::PasswordReset | A::PasswordUpdate, K::Admin | K::User) => Own,
        (A::AdminTokenCreate, _) => Nobody, // Keygen: this route never mints an admin's token.
        (_, K::Admin) => Any,
        (_, K::Anonymous) => Nobody,
        // Resellers (issue 10 §7): a reseller admin (Cryptlex's reseller portal) on its
        // reseller's resources only ("own": the reseller's; anything else 404): reads its
        // reseller and allotments; creates licenses of allotted policies and customers (role
        // `user`) and organizations within its caps; reads and updates them; manages its
        // licenses' lifecycle and owners; reads their machines. Never the caps, allotments,
        // staff, roles or deletion of users (403). Cryptlex's reseller portal also shows the
        // products and policies allotted to it (read-only: "own" is an allotted policy and its
        // product), and exports and searches its licenses, machines and users.
        (A::ProductRead | A::PolicyRead | A::ExportRead | A::Search, K::ResellerAdmin) => Own,
        (
            A::ResellerRead
            | A::LicenseRead
            | A::LicenseCreate
            | A::LicenseUpdate
            | A::LicenseDelete
            | A::LicenseSuspend
            | A::LicenseRenew
            | A::LicenseOwnerChange
            | A::MachineRead
            | A::UserRead
            | A::UserCreate
            | A::UserUpdate
            | A::OrganizationRead
            | A::OrganizationCreate
            | A::OrganizationUpdate
            | A::TokenGenerate
            | A::PasswordReset
            | A::PasswordUpdate
            | A::SecondFactorRead
            | A::SecondFactorManage,
            K::ResellerAdmin,
        ) => Own,
        (A::ProfileRead, _) => Own,
        (A::TokenGenerate, K::Product | K::User) => Own,
        (A::TokenRead | A::TokenRegenerate | A::TokenRevoke, _) => Own,
        (A::ProductRead, K::Product) => Own,
        (A::PolicyRead | A::PolicyCreate | A::PolicyUpdate | A::PolicyDelete, K::Product) => Own,
        (A::EntitlementRead, K::Product) => Any,
        // Keygen lets products create, update and delete any group; groups are account-wide
        // (their limits bind every product's licenses), so only admins change them here.
        (A::GroupRead, K::Product) => Any,
        (A::UserRead, K::Product | K::User) => Own,
        (A::UserCreate, K::Product) => Any,
        (A::UserUpdate, K::User) => Own,
        // Keygen's `Users::SecondFactorPolicy`: a user its own factors; products never.
        (A::SecondFactorRead | A::SecondFactorManage, K::User) => Own,
        (A::UserTokenCreate | A::UserGroupChange, K::Product) => Own,
        (A::LicenseRead, K::Product | K::User | K::License) => Own,
        (A::LicenseCreate, K::Product) => Own,
        (A::LicenseCreate, K::User) => Open,
        (
            A::LicenseUpdate
            | A::LicenseDelete
            | A::LicenseSuspend
            | A::LicenseRenew
            | A::LicensePolicyChange
            | A::LicenseOwnerChange
            | A::LicenseTokenManage
            | A::LicenseUsageReset
            | A::MachineLimitsSet,
            K::Product,
        ) => Own,
        // Relationship writes.
        (A::MachineOwnerChange, K::Product) => Own,
        (A::LicenseUsageIncrement | A::LicenseCheckIn, K::Product | K::License) => Own,
        (A::LicenseCheckOut, K::Product | K::License) => Own,
        (A::LicenseCheckOut, K::User) => Open,
        (A::PerpetualCheckOut, K::Product) => Any,
        (A::LicenseValidate, K::Product | K::User | K::License) => Own,
        (A::MachineRead, K::Product | K::User | K::License) => Own,
        (A::MachineCreate | A::MachineUpdate | A::MachineDelete | A::MachineHeartbeat, K::Product | K::License) => Own,
        (A::MachineCreate | A::MachineUpdate | A::MachineDelete | A::MachineHeartbeat, K::User) => Open,
        // Meter attributes (issue 10 §2), as Keygen's usage actions: products manage their
        // licenses' meters; the license itself (the client app) increments; only products
        // (and admins) decrement, as `decrement-usage`.
        (A::LicenseMeterManage | A::MachineMeterDecrement, K::Product) => Own,
        (A::MachineMeterIncrement, K::Product | K::License) => Own,
        // Subscriptions (issue 10 §5): Cryptlex's admin API; a product for its own licenses.
        // Users and licenses never (Keygen lets neither change an expiry; logs are audit data).
        (A::LicenseExpiryChange | A::SubscriptionLogRead, K::Product) => Own,
        // Maintenance policies are a product's, like its policies.
        (A::MaintenancePolicyRead | A::MaintenancePolicyCreate | A::MaintenancePolicyUpdate | A::MaintenancePolicyDelete, K::Product) => Own,
        // Trials: a product manages its own trial policies and trial activations.
        (
            A::TrialPolicyRead
            | A::TrialPolicyCreate
            | A::TrialPolicyUpdate
            | A::TrialPolicyDelete
            | A::TrialActivationCreate
            | A::TrialOfflineActivate
            | A::TrialActivationRead
            | A::TrialActivationUpdate
            | A::TrialActivationDelete,
            K::Product,
        ) => Own,
        // Activation logs: a product reads its product's; bulk deactivation of its licenses' machines.
        (A::ActivationLogRead | A::MachineBulkDeactivate, K::Product) => Own,
        // Exports: admins, and a product its own product's rows (users and licenses: never).
        (A::ExportRead, K::Product) => Own,
        // Key pools (issue 8), Keygen's `KeyPolicy`: admins, and a product its policies' keys.
        (A::KeyRead | A::KeyCreate | A::KeyUpdate | A::KeyDelete, K::Product) => Own,
        // Machine proofs, Keygen's `Machines::V1x0::ProofPolicy`: the machine's product, its
        // license, and its user while the license is not protected.
        (A::MachineProofGenerate, K::Product | K::License) => Own,
        (A::MachineProofGenerate, K::User) => Open,
        // end key pools
        // Entitlement sets (issue 10 §3): account-wide, like entitlements: products read them;
        // only admins change them (a set binds every product's licenses that hold it).
        (A::EntitlementSetRead, K::Product) => Any,
        // Group owners (issue 8), Keygen's `GroupPolicy` and `Groups::*Policy`: a user reads the
        // group it is in or owns and that group's owners, a license its group; only the group's
        // owners read its licenses, machines and users (all of them, not only their own). Products
        // read every group's (their lists stay scoped to their product). Attaching and detaching
        // owners is admins' here: Keygen lets products too, but an owner then sees every
        // product's licenses in the group, which one product must not grant.
        (A::GroupRead | A::GroupOwnerRead, K::User | K::License) => Own,
        (A::GroupOwnerRead | A::GroupLicenseRead | A::GroupMachineRead | A::GroupUserRead, K::Product) => Any,
        // Route diff (issue 8): Keygen's `Groups::{License,Machine,User}Policy` deny a member that
        // is not an owner (403: it sees the group itself, so nothing leaks); a user outside the
        // group stays 404. "Open" here: own = an owner, locked = a member only.
        (A::GroupLicenseRead | A::GroupMachineRead | A::GroupUserRead, K::User) => Open,
        // end group owners
        _ => Nobody,
    }
}

/// A row and an ownership → the answer. Anonymous callers get 401 for anything they may not
/// do; someone else's resource is 404; the rest of what is refused is 403.
pub fn decide(action: Action, kind: Kind, ownership: Ownership) -> Decision {
    let s = scope(action, kind);
    match (s, ownership) {
        (Scope::Any, _) | (Scope::Own, Ownership::Own | Ownership::OwnLocked | Ownership::None) | (Scope::Open, Ownership::Own | Ownership::None) => {
            Decision::Allow
        }
        _ if matches!(kind, Kind::Anonymous) => Decision::Unauthorized,
        (_, Ownership::Foreign) => Decision::NotFound,
        _ => Decision::Forbidden,
    }
}

fn refuse(d: Decision, kind: &str, id: &str) -> crate::Result<()> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Unauthorized => Err(Error::new(Code::TokenMissing, "An authentication token is required").header("Authorization")),
        Decision::Forbidden => Err(Error::forbidden()),
        Decision::NotFound => Err(Error::not_found(kind, id)),
    }
}

/// Whether the caller's user and token permissions (Keygen's `verify_permissions!`) hold
/// `action`'s permission. What anonymous callers may do needs none.
fn holds(caller: &Caller, action: Action) -> bool {
    matches!(row(action, Kind::Anonymous), Scope::Any) || permissions::caller_holds(caller, action.permission())
}

/// Whether `caller` may do `action` on no resource in particular (a capability of its kind,
/// e.g. a perpetual check-out): for rules whose refusal has its own error.
pub fn permits(caller: &Caller, action: Action) -> bool {
    holds(caller, action) && matches!(decide(action, caller.bearer.kind(), Ownership::None), Decision::Allow)
}

/// Before any lookup: 401 for anonymous callers and 403 for bearer kinds that may never do
/// `action`, whatever the id (so neither answer tells whether it exists).
///
/// # Errors
/// 401 `TOKEN_MISSING`, 403 `FORBIDDEN`.
pub fn gate(caller: &Caller, action: Action) -> crate::Result<()> {
    let kind = caller.bearer.kind();
    if !holds(caller, action) {
        return Err(Error::new(
            Code::Forbidden,
            format!("You do not have permission to complete the request (the bearer or token lacks the {} permission)", action.permission()),
        ));
    }
    match scope(action, kind) {
        Scope::Nobody => refuse(decide(action, kind, Ownership::None), "", ""),
        _ => Ok(()),
    }
}

/// After the lookup of a `kind` resource `id`: the table's answer for this ownership.
///
/// # Errors
/// 401 `TOKEN_MISSING`, 403 `FORBIDDEN`, 404 `NOT_FOUND` (someone else's resource).
pub fn check(caller: &Caller, action: Action, ownership: Ownership, kind: &str, id: &str) -> crate::Result<()> {
    if !holds(caller, action) {
        return Err(Error::new(
            Code::Forbidden,
            format!("You do not have permission to complete the request (the bearer or token lacks the {} permission)", action.permission()),
        ));
    }
    refuse(decide(action, caller.bearer.kind(), ownership), kind, id)
}

/// For actions without a single target (lists, creates, account-wide reads): [`gate`] and
/// the table's answer with [`Ownership::None`].
///
/// # Errors
/// As [`check`].
pub fn require(caller: &Caller, action: Action) -> crate::Result<()> {
    gate(caller, action)?;
    check(caller, action, Ownership::None, "", "")
}

/// The table as Markdown, one row per action: what `docs/API.md` "Permission model" shows (a
/// test keeps the two equal).
pub fn render_markdown() -> String {
    let cell = |s: Scope| match s {
        Scope::Any => "any",
        Scope::Own => "own",
        Scope::Open => "own, open",
        Scope::Nobody => "—",
    };
    let mut out = String::from(
        "| action | route | permission | admin | developer | sales-agent | support-agent | read-only | environment | product | user | organization-admin | license | anonymous | reseller-admin |\n\
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for &a in Action::ALL {
        let cells: Vec<&str> = Kind::ALL.iter().map(|&k| cell(scope(a, k))).collect();
        out.push_str(&format!("| `{a:?}` | {} | `{}` | {} |\n", a.describe().replace('|', "\\|"), a.permission(), cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests;
