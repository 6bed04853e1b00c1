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

use crate::error::{Code, Error};
use crate::service::{Bearer, Caller};

/// The kind of a bearer, as the table sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A user with the admin role.
    Admin,
    /// A product token.
    Product,
    /// A user with the user role.
    User,
    /// A license (key or license token).
    License,
    /// No credentials.
    Anonymous,
}

impl Kind {
    /// Every kind, in table order.
    pub const ALL: [Kind; 5] = [Kind::Admin, Kind::Product, Kind::User, Kind::License, Kind::Anonymous];
}

impl Bearer {
    /// The bearer's [`Kind`].
    pub fn kind(&self) -> Kind {
        match self {
            Bearer::Admin { .. } => Kind::Admin,
            Bearer::Product { .. } => Kind::Product,
            Bearer::User { .. } => Kind::User,
            Bearer::License { .. } => Kind::License,
            Bearer::Anonymous => Kind::Anonymous,
        }
    }
}

/// The target resource relative to the bearer, computed by the service that loaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The bearer's own (its product's, its license, a license it owns or is licensed to, itself).
    Own,
    /// The bearer's own, but locked for users: a protected license (or policy), or for
    /// check-out a suspended license or one expired under `REVOKE_ACCESS`.
    OwnLocked,
    /// Someone else's.
    Foreign,
    /// No single target (a list, scoped to what the bearer may see, or a create).
    None,
}

impl Ownership {
    /// `Own` or `Foreign`.
    pub fn of(own: bool) -> Self {
        if own {
            Ownership::Own
        } else {
            Ownership::Foreign
        }
    }
    /// `Own`, `OwnLocked` or `Foreign`.
    pub fn locked_if(own: bool, locked: bool) -> Self {
        match (own, locked) {
            (false, _) => Ownership::Foreign,
            (true, false) => Ownership::Own,
            (true, true) => Ownership::OwnLocked,
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

macro_rules! actions {
    ($($name:ident => $doc:literal),* $(,)?) => {
        /// One thing a route does.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action { $(#[doc = $doc] $name),* }
        impl Action {
            /// Every action, in table order.
            pub const ALL: &'static [Action] = &[$(Action::$name),*];
            /// A short description, for the documentation.
            pub fn describe(self) -> &'static str {
                match self { $(Action::$name => $doc),* }
            }
        }
    };
}

actions! {
    AccountRead => "GET /accounts/{id}",
    AccountUpdate => "PATCH|PUT /accounts/{id}",
    ProfileRead => "GET /me, GET /profile",
    EventRead => "GET /event-logs[/{id}]",
    TokenGenerate => "POST /tokens with a token (a new token for the same bearer)",
    TokenRead => "GET /tokens[/{id}], GET /products|users/{id}/tokens (own)",
    TokenRegenerate => "PUT /tokens/{id}",
    ExpiredTokenRegenerate => "PUT /tokens/{id} of an expired token",
    TokenRevoke => "DELETE /tokens/{id}",
    ProductRead => "GET /products[/{id}]; with the parent's read: /products/{id}/policies|licenses|machines|users",
    ProductCreate => "POST /products",
    ProductUpdate => "PATCH /products/{id}",
    ProductDelete => "DELETE /products/{id}",
    ProductTokenCreate => "POST /products/{id}/tokens",
    PolicyRead => "GET /policies[/{id}], GET /policies/{id}/entitlements|product|licenses",
    PolicyCreate => "POST /policies (for a product)",
    PolicyUpdate => "PATCH /policies/{id}, POST|DELETE /policies/{id}/entitlements, PUT /policies/{id}/maintenance-policy",
    PolicyDelete => "DELETE /policies/{id}",
    EntitlementRead => "GET /entitlements[/{id}]",
    EntitlementCreate => "POST /entitlements",
    EntitlementUpdate => "PATCH /entitlements/{id}",
    EntitlementDelete => "DELETE /entitlements/{id}",
    GroupRead => "GET /groups[/{id}], GET /groups/{id}/licenses|machines|users",
    GroupCreate => "POST /groups",
    GroupUpdate => "PATCH /groups/{id}",
    GroupDelete => "DELETE /groups/{id}",
    UserRead => "GET /users[/{id}], GET /users/{id}/group|licenses|machines|products",
    UserCreate => "POST /users (role user)",
    AdminCreate => "POST /users with role admin",
    UserUpdate => "PATCH /users/{id} (names, email, password, metadata)",
    PasswordChangeWithoutOld => "PATCH /users/{id} with a password but without meta.oldPassword",
    UserRoleChange => "PATCH /users/{id} with a role",
    UserDelete => "DELETE /users/{id}",
    UserBan => "POST /users/{id}/actions/ban|unban",
    UserTokenCreate => "POST /users/{id}/tokens for a user whose role is user",
    AdminTokenCreate => "POST /users/{id}/tokens for an admin",
    UserGroupChange => "PUT /users/{id}/group",
    PasswordResetRequest => "POST /passwords (anonymous by design: the answer never says whether the email exists)",
    PasswordReset => "POST /users/{id}/actions/reset-password (anonymous by design: the reset token is the credential; or the user itself)",
    PasswordUpdate => "POST /users/{id}/actions/update-password (the user itself, with meta.oldPassword)",
    SecondFactorRead => "GET /users/{id}/second-factors[/{id}]",
    SecondFactorManage => "POST /users/{id}/second-factors, PATCH|DELETE /users/{id}/second-factors/{id} (with the password or a code)",
    LicenseRead => "GET /licenses[/{id}], its policy, product, group, owner, machines, entitlements and users",
    LicenseCreate => "POST /licenses (for a policy)",
    LicenseUpdate => "PATCH /licenses/{id}, entitlements, group, licensees, maintenance policy",
    LicenseDelete => "DELETE /licenses/{id}, DELETE /licenses/{id}/actions/revoke",
    LicenseSuspend => "POST /licenses/{id}/actions/suspend|reinstate",
    LicenseRenew => "POST /licenses/{id}/actions/renew|renew-maintenance|extend-maintenance",
    LicensePolicyChange => "PUT /licenses/{id}/policy",
    LicenseOwnerChange => "PUT /licenses/{id}/owner",
    LicenseTokenManage => "GET|POST /licenses/{id}/tokens[/{id}]",
    LicenseUsageIncrement => "POST /licenses/{id}/actions/increment-usage",
    LicenseUsageReset => "POST /licenses/{id}/actions/decrement-usage|reset-usage",
    LicenseCheckIn => "POST /licenses/{id}/actions/check-in",
    LicenseCheckOut => "GET|POST /licenses/{id}/actions/check-out, /machines/{id}/actions/check-out",
    PerpetualCheckOut => "check-out with ttl=null (a file that never expires)",
    LicenseValidate => "GET|POST /licenses/{id}/actions/validate",
    LicenseValidateKey => "POST /licenses/actions/validate-key",
    MachineRead => "GET /machines[/{id}], its license, product, group, owner, processes and components; /processes|components/{id}/machine|license|product",
    MachineCreate => "POST /machines (activation)",
    MachineLimitsSet => "POST|PATCH /machines with maxProcesses or a group, PUT /machines/{id}/group",
    MachineUpdate => "PATCH /machines/{id}; spawn/kill processes, add/update/remove components",
    MachineDelete => "DELETE /machines/{id} (deactivation)",
    MachineOwnerChange => "PUT /machines/{id}/owner",
    MachineHeartbeat => "POST /machines/{id}/actions/ping|reset, /processes/{id}/actions/ping",
    WebhookManage => "/webhook-endpoints and /webhook-events",
    // distribution (issue 9): reads are open to every bearer; which releases each sees is the
    // release access rule (`domain::release::release_access`: 404 outside it, 403 refusals).
    ReleaseRead => "GET /releases[/{id}], its product, package, artifacts, entitlements, upgrade; /platforms, /arches, /channels, /engines",
    ReleaseCreate => "POST /releases (for a product)",
    ReleaseUpdate => "PATCH|PUT /releases/{id}, PUT /releases/{id}/package",
    ReleaseDelete => "DELETE /releases/{id}",
    ReleasePublish => "POST /releases/{id}/actions/publish|yank",
    ConstraintRead => "GET /releases/{id}/constraints[/{id}] (Keygen: authentication always required)",
    ConstraintManage => "POST|DELETE /releases/{id}/constraints",
    ArtifactRead => "GET /artifacts[/{id}], /artifacts/{id}/{filename}, /releases/{id}/artifacts[/{id}] (download)",
    ArtifactCreate => "POST /artifacts (for a release)",
    ArtifactUpdate => "PATCH|PUT /artifacts/{id}",
    ArtifactDelete => "DELETE /artifacts/{id}, POST /artifacts/{id}/actions/yank",
    PackageRead => "GET /packages[/{id}]",
    PackageCreate => "POST /packages (for a product)",
    PackageUpdate => "PATCH|PUT /packages/{id}",
    PackageDelete => "DELETE /packages/{id}",
    // end distribution
    // Meter attributes (issue 10 §2).
    LicenseMeterManage => "POST /licenses/{id}/meters, PATCH|DELETE /licenses/{id}/meters/{name}, POST /licenses/{id}/meters/{name}/actions/reset",
    MachineMeterIncrement => "POST /machines/{id}/actions/increment-meter",
    MachineMeterDecrement => "POST /machines/{id}/actions/decrement-meter",
    // Subscriptions (issue 10 §5).
    LicenseExpiryChange => "PATCH|PUT /licenses/{id}/expires-at",
    SubscriptionLogRead => "GET /subscription-logs[/{id}], GET /licenses/{id}/subscription-logs",
    MaintenancePolicyRead => "GET /maintenance-policies[/{id}]",
    MaintenancePolicyCreate => "POST /maintenance-policies (for a product)",
    MaintenancePolicyUpdate => "PATCH /maintenance-policies/{id}",
    MaintenancePolicyDelete => "DELETE /maintenance-policies/{id}",
    // Trials (Cryptlex's verified trials).
    TrialPolicyRead => "GET /trial-policies[/{id}]",
    TrialPolicyCreate => "POST /trial-policies (for a product)",
    TrialPolicyUpdate => "PATCH /trial-policies/{id}",
    TrialPolicyDelete => "DELETE /trial-policies/{id}",
    TrialActivationCreate => "POST /trial-activations (anonymous by design, strictly rate limited: the client app starts its trial)",
    TrialOfflineActivate => "POST /trial-activations/offline-activate (the vendor uploads an offline request)",
    TrialActivationRead => "GET /trial-activations[/{id}]",
    TrialActivationUpdate => "PATCH /trial-activations/{id}/expires-at",
    TrialActivationDelete => "DELETE /trial-activations/{id}",
    // Activation logs and bulk deactivation.
    ActivationLogRead => "GET /activation-logs[/{id}], GET /activation-logs/export",
    MachineBulkDeactivate => "POST /licenses/{id}/actions/deactivate-machines",
    // Exports.
    ExportRead => "GET /{licenses,machines,users,trial-activations,activation-logs,event-logs}/export (with the list's own read)",
    // OpenAPI document.
    OpenApiRead => "GET /openapi.json (the API's description, no account data: anyone)",
    // Key pools and machine proofs (issue 8).
    KeyRead => "GET /keys[/{id}], GET /keys/{id}/product|policy",
    KeyCreate => "POST /keys (for a policy that uses a pool)",
    KeyUpdate => "PATCH|PUT /keys/{id}",
    KeyDelete => "DELETE /keys/{id}; DELETE /policies/{id}/pool (pop the oldest key)",
    MachineProofGenerate => "POST /machines/{id}/actions/generate-offline-proof",
    Search => "POST /search (Keygen's `SearchPolicy`: admins only)",
    // end key pools
}

/// THE table: what `action` grants a bearer of `kind`. Admins may do everything; anonymous
/// callers only validate a key. Comments mark where we are stricter than Keygen.
pub const fn scope(action: Action, kind: Kind) -> Scope {
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
        // Keygen's passwords controller and `Users::PasswordPolicy` (the user itself, or anonymous).
        (A::PasswordResetRequest, _) | (A::PasswordReset, K::Anonymous) => Any,
        (A::PasswordReset | A::PasswordUpdate, K::Admin | K::User) => Own,
        (A::AdminTokenCreate, _) => Nobody, // Keygen: this route never mints an admin's token.
        (_, K::Admin) => Any,
        (_, K::Anonymous) => Nobody,
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
        _ => Nobody,
    }
}

/// A row and an ownership → the answer. Anonymous callers get 401 for anything they may not
/// do; someone else's resource is 404; the rest of what is refused is 403.
pub const fn decide(action: Action, kind: Kind, ownership: Ownership) -> Decision {
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

/// Whether `caller` may do `action` on no resource in particular (a capability of its kind,
/// e.g. a perpetual check-out): for rules whose refusal has its own error.
pub fn permits(caller: &Caller, action: Action) -> bool {
    matches!(decide(action, caller.bearer.kind(), Ownership::None), Decision::Allow)
}

/// Before any lookup: 401 for anonymous callers and 403 for bearer kinds that may never do
/// `action`, whatever the id (so neither answer tells whether it exists).
///
/// # Errors
/// 401 `TOKEN_MISSING`, 403 `FORBIDDEN`.
pub fn gate(caller: &Caller, action: Action) -> crate::Result<()> {
    let kind = caller.bearer.kind();
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
    let mut out = String::from("| action | route | admin | product | user | license | anonymous |\n|---|---|---|---|---|---|---|\n");
    for &a in Action::ALL {
        let cells: Vec<&str> = Kind::ALL.iter().map(|&k| cell(scope(a, k))).collect();
        out.push_str(&format!("| `{a:?}` | {} | {} |\n", a.describe().replace('|', "\\|"), cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    #[test]
    fn anonymous_gets_401_for_everything_but_validate_key() {
        for &a in Action::ALL {
            for o in [Ownership::Own, Ownership::OwnLocked, Ownership::Foreign, Ownership::None] {
                let d = decide(a, Kind::Anonymous, o);
                if matches!(
                    a,
                    Action::LicenseValidateKey
                        | Action::PasswordResetRequest
                        | Action::PasswordReset
                        | Action::TrialActivationCreate
                        | Action::ReleaseRead
                        | Action::ArtifactRead
                        | Action::PackageRead
                        | Action::OpenApiRead
                ) {
                    // Anonymous by design: validate-key, the password-reset routes, trial
                    // activation, distribution reads (OPEN products are public; the release
                    // rule scopes), and the OpenAPI document.
                    assert_eq!(d, Allow);
                } else {
                    assert_eq!(d, Unauthorized, "{a:?} {o:?}");
                }
            }
        }
    }

    #[test]
    fn admins_may_do_everything_except_mint_an_admins_token() {
        for &a in Action::ALL {
            let expected = if a == Action::AdminTokenCreate { Forbidden } else { Allow };
            // Keygen's `Users::PasswordPolicy`: an admin resets or changes only its own password.
            let self_only = matches!(a, Action::PasswordReset | Action::PasswordUpdate);
            let foreign = if expected == Forbidden || self_only { NotFound } else { Allow };
            assert_eq!(decide(a, Kind::Admin, Ownership::Foreign), foreign, "{a:?}");
            assert_eq!(decide(a, Kind::Admin, Ownership::None), expected, "{a:?}");
        }
    }

    #[test]
    fn foreign_resources_answer_404_and_own_refusals_403() {
        for &a in Action::ALL {
            for k in [Kind::Product, Kind::User, Kind::License] {
                match scope(a, k) {
                    Scope::Any => assert_eq!(decide(a, k, Ownership::Foreign), Allow),
                    Scope::Own => {
                        assert_eq!(decide(a, k, Ownership::Foreign), NotFound, "{a:?} {k:?}");
                        assert_eq!(decide(a, k, Ownership::OwnLocked), Allow);
                    }
                    Scope::Open => {
                        assert_eq!(decide(a, k, Ownership::Foreign), NotFound);
                        assert_eq!(decide(a, k, Ownership::OwnLocked), Forbidden, "{a:?} {k:?}");
                        assert_eq!(decide(a, k, Ownership::Own), Allow);
                    }
                    Scope::Nobody => {
                        assert_eq!(decide(a, k, Ownership::Own), Forbidden, "{a:?} {k:?}");
                        assert_eq!(decide(a, k, Ownership::None), Forbidden);
                    }
                }
            }
        }
    }

    /// The security findings of "Safe to expose", as rows.
    #[test]
    fn rows_of_the_security_findings() {
        // Products never mint an admin's token, nor create or promote admins.
        assert_eq!(decide(Action::AdminTokenCreate, Kind::Product, Ownership::Own), Forbidden);
        assert_eq!(decide(Action::AdminCreate, Kind::Product, Ownership::None), Forbidden);
        assert_eq!(decide(Action::UserRoleChange, Kind::Product, Ownership::Own), Forbidden);
        assert_eq!(decide(Action::UserTokenCreate, Kind::Product, Ownership::Foreign), NotFound);
        assert_eq!(decide(Action::UserTokenCreate, Kind::Product, Ownership::Own), Allow);
        assert_eq!(decide(Action::UserTokenCreate, Kind::User, Ownership::Own), Forbidden);
        // Products read the catalogue but do not change account-wide entitlements and groups.
        for a in
            [Action::EntitlementCreate, Action::EntitlementUpdate, Action::EntitlementDelete, Action::GroupCreate, Action::GroupUpdate, Action::GroupDelete]
        {
            assert_eq!(decide(a, Kind::Product, Ownership::None), Forbidden, "{a:?}");
        }
        assert_eq!(decide(Action::UserGroupChange, Kind::Product, Ownership::Foreign), NotFound);
        // Users check out only open licenses.
        assert_eq!(decide(Action::LicenseCheckOut, Kind::User, Ownership::OwnLocked), Forbidden);
        assert_eq!(decide(Action::LicenseCheckOut, Kind::License, Ownership::OwnLocked), Allow);
    }

    #[test]
    fn docs_render_the_table() {
        let docs = include_str!("../../docs/API.md");
        assert!(docs.contains(&render_markdown()), "docs/API.md \"Permission model\" must contain:\n{}", render_markdown());
    }

    #[test]
    fn gate_refuses_before_lookup() {
        use crate::store::rows::AccountRow;
        let account: AccountRow = serde_json::from_value(serde_json::json!({
            "id": "a", "name": "A", "slug": "a", "public_key": "", "private_key_sealed": "", "metadata": "{}", "created_at": 0, "updated_at": 0
        }))
        .unwrap_or_else(|e| panic!("account row: {e}"));
        let caller = |bearer| Caller { account: account.clone(), bearer, token_id: None };
        let anon = caller(Bearer::Anonymous);
        assert_eq!(gate(&anon, Action::UserRead).unwrap_err().code, "TOKEN_MISSING");
        assert!(gate(&anon, Action::LicenseValidateKey).is_ok());
        let lic = caller(Bearer::License { license_id: "l".into() });
        assert_eq!(gate(&lic, Action::UserRead).unwrap_err().status, 403);
        assert!(gate(&lic, Action::LicenseRead).is_ok());
        assert_eq!(require(&caller(Bearer::Product { product_id: "p".into() }), Action::EntitlementDelete).unwrap_err().status, 403);
    }
}
