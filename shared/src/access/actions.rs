//! Every [`Action`] a route can name, in table order, each with the routes it stands for: the
//! `action` and `route` columns of the access table ([`super::render_markdown`]).

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
    TokenRegenerate => "PUT /tokens/{id}, PUT /tokens (the current token)",
    ExpiredTokenRegenerate => "PUT /tokens/{id} of an expired token",
    TokenRevoke => "DELETE /tokens/{id}",
    ProductRead => "GET /products[/{id}]; with the parent's read: /products/{id}/policies|licenses|machines|users",
    ProductCreate => "POST /products",
    ProductUpdate => "PATCH /products/{id}",
    ProductDelete => "DELETE /products/{id}",
    ProductTokenCreate => "POST /products/{id}/tokens",
    PolicyRead => "GET /policies[/{id}], GET /policies/{id}/entitlements|product|licenses",
    PolicyCreate => "POST /policies (for a product)",
    PolicyUpdate => "PATCH /policies/{id}, POST|DELETE /policies/{id}/entitlements, PUT /policies/{id}/maintenance-policy|entitlement-set",
    PolicyDelete => "DELETE /policies/{id}",
    EntitlementRead => "GET /entitlements[/{id}]",
    EntitlementCreate => "POST /entitlements",
    EntitlementUpdate => "PATCH /entitlements/{id}",
    EntitlementDelete => "DELETE /entitlements/{id}",
    GroupRead => "GET /groups[/{id}] (users: the group they are in or own; licenses: their group)",
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
    LicenseUpdate => "PATCH /licenses/{id}, entitlements, group, licensees, maintenance policy, entitlement set",
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
    MachineUpdate => "PATCH /machines/{id}; spawn/update/kill processes, add/update/remove components",
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
    // A product's distribution relations (Keygen's `Products::Release*Policy`).
    ProductDistributionRead => "GET /products/{id}/releases|packages|artifacts|platforms|arches|channels|engines[/{id}] (own: the product itself, or one whose releases a user or license may see)",
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
    // Request logs (issue 8): Keygen's RequestLogPolicy (admin, developer, read-only,
    // environment roles; here admins).
    RequestLogRead => "GET /request-logs[/{id}]",
    // Features and entitlement sets (issue 10 §3).
    EntitlementSetRead => "GET /entitlement-sets[/{id}], GET /entitlement-sets/{id}/entitlements",
    EntitlementSetCreate => "POST /entitlement-sets",
    EntitlementSetUpdate => "PATCH /entitlement-sets/{id}, POST|DELETE /entitlement-sets/{id}/entitlements",
    EntitlementSetDelete => "DELETE /entitlement-sets/{id}",
    // OpenAPI document.
    OpenApiRead => "GET /openapi.json (the API's description, no account data: anyone)",
    // Health below an account (issue 11).
    HealthRead => "GET /health below an account (one D1 read, signed, no account data: anyone); HEAD /engines/rubygems (RubyGems' compact-index ping: no read)",
    // Key pools and machine proofs (issue 8).
    KeyRead => "GET /keys[/{id}], GET /keys/{id}/product|policy, GET /policies/{id}/pool[/{key}]",
    KeyCreate => "POST /keys (for a policy that uses a pool)",
    KeyUpdate => "PATCH|PUT /keys/{id}",
    KeyDelete => "DELETE /keys/{id}; DELETE /policies/{id}/pool (pop the oldest key)",
    MachineProofGenerate => "POST /machines/{id}/actions/generate-offline-proof",
    Search => "POST /search (Keygen's `SearchPolicy`: every staff role, no permission of its own)",
    // end key pools
    // Roles and permissions.
    UserPermissionsChange => "POST|PATCH /users with permissions",
    // Environments (issue 8, Keygen EE): Keygen's `EnvironmentPolicy`; managed from the global
    // environment only (its writes are strict), read from inside one too.
    EnvironmentList => "GET /environments (Keygen: staff roles; an environment token never)",
    EnvironmentRead => "GET /environments/{id|code} (an environment token: its own)",
    EnvironmentCreate => "POST /environments",
    EnvironmentUpdate => "PATCH /environments/{id|code}",
    EnvironmentDelete => "DELETE /environments/{id|code} (and everything in it)",
    EnvironmentTokenCreate => "POST /environments/{id|code}/tokens (Keygen: admins and developers)",
    EnvironmentTokenRead => "GET /environments/{id|code}/tokens[/{id}] (Keygen's `Environments::TokenPolicy`: an environment token its own)",
    // end environments
    // Group owners (issue 8): Keygen's `Groups::GroupOwnerPolicy`, `Groups::{License,Machine,User}Policy`.
    GroupOwnerRead => "GET /groups/{id}/owners[/{id}]",
    GroupOwnerAttach => "POST /groups/{id}/owners",
    GroupOwnerDetach => "DELETE /groups/{id}/owners",
    GroupLicenseRead => "GET /groups/{id}/licenses[/{id}] (a group owner sees all of them)",
    GroupMachineRead => "GET /groups/{id}/machines[/{id}] (a group owner sees all of them)",
    GroupUserRead => "GET /groups/{id}/users[/{id}] (a group owner sees all of them)",
    // end group owners
    // Organizations (issue 10 §7, Cryptlex 3.59/3.66): account-wide customer companies; only
    // admins (and staff whose role holds the permission) see or change them.
    OrganizationRead => "GET /organizations[/{id}], GET /organizations/{id}/users|licenses",
    OrganizationCreate => "POST /organizations",
    OrganizationUpdate => "PATCH /organizations/{id}",
    OrganizationDelete => "DELETE /organizations/{id}",
    UserOrganizationChange => "PUT /users/{id}/organization",
    LicenseOrganizationChange => "PUT /licenses/{id}/organization",
    // end organizations
    // Organization admins (issue 10 §7): attaching and detaching licensees, on its own row so
    // an organization admin may assign its organization's licenses without PATCHing them.
    LicenseUsersChange => "POST|DELETE /licenses/{id}/users",
    // Resellers (issue 10 §7, Cryptlex 3.67): account-wide partners; admins (and staff by
    // permission) manage them; a reseller admin reads its own.
    ResellerRead => "GET /resellers[/{id}], GET /resellers/{id}/policies|products; with the list's read: /resellers/{id}/licenses|users|organizations",
    ResellerCreate => "POST /resellers",
    ResellerUpdate => "PATCH /resellers/{id} (caps included)",
    ResellerDelete => "DELETE /resellers/{id}",
    ResellerPoliciesChange => "POST|DELETE /resellers/{id}/policies (allotted policies)",
    UserResellerChange => "PUT /users/{id}/reseller",
    LicenseResellerChange => "PUT /licenses/{id}/reseller",
    OrganizationResellerChange => "PUT /organizations/{id}/reseller",
    // end resellers
}
