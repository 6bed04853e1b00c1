//! The license validation engine: Keygen's `LicenseValidationService#validate!` as one pure
//! function (`reference/keygen-wire.md` §2.2). The caller loads a [`ValidationInput`] in one
//! query batch, parses `meta.scope` into a [`Scope`], and renders the [`Outcome`] as
//! `meta.valid`, `meta.detail` and `meta.code`.
//!
//! Rules are checked in the table's order and the first that matches wins. Latchkey has no
//! environments and no releases yet, so an environment scope other than `null` never matches,
//! and a checksum or version scope never matches an accessible artifact or release.

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize};

use super::heartbeat::HeartbeatStatus;
use super::policy::PolicyConfig;
use super::strategy::{MachineLeasingStrategy, MatchingStrategy, ProcessLeasingStrategy};
use crate::clock::Millis;

macro_rules! validation_codes {
    ($($(#[$doc:meta])* $variant:ident = $s:literal,)*) => {
        /// Every `meta.code` a validation answers with: Keygen's 38, then Latchkey's 5
        /// activation-rule codes (issue 10 §4, Cryptlex's names), which only ever replace a
        /// valid outcome (`domain::activation_rules::after_rules`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ValidationCode { $($(#[$doc])* $variant,)* }

        impl ValidationCode {
            /// Every code, in Keygen's list order.
            pub const ALL: &'static [ValidationCode] = &[$(ValidationCode::$variant,)*];

            /// The wire string.
            pub fn as_str(self) -> &'static str {
                match self { $(ValidationCode::$variant => $s,)* }
            }
        }
    };
}

validation_codes! {
    /// Everything passed.
    Valid = "VALID",
    /// No such license.
    NotFound = "NOT_FOUND",
    /// The owner is banned.
    Banned = "BANNED",
    /// The license is suspended.
    Suspended = "SUSPENDED",
    /// The license is expired.
    Expired = "EXPIRED",
    /// A required check-in is overdue.
    Overdue = "OVERDUE",
    /// The environment scope does not match.
    EnvironmentScopeMismatch = "ENVIRONMENT_SCOPE_MISMATCH",
    /// The policy requires an environment scope (never produced: see [`validate`]).
    EnvironmentScopeRequired = "ENVIRONMENT_SCOPE_REQUIRED",
    /// The product scope does not match.
    ProductScopeMismatch = "PRODUCT_SCOPE_MISMATCH",
    /// The policy requires a product scope.
    ProductScopeRequired = "PRODUCT_SCOPE_REQUIRED",
    /// The policy scope does not match.
    PolicyScopeMismatch = "POLICY_SCOPE_MISMATCH",
    /// The policy requires a policy scope.
    PolicyScopeRequired = "POLICY_SCOPE_REQUIRED",
    /// The user scope matches neither the owner, a licensee, nor the machine owners.
    UserScopeMismatch = "USER_SCOPE_MISMATCH",
    /// The policy requires a user scope.
    UserScopeRequired = "USER_SCOPE_REQUIRED",
    /// The entitlements scope is an empty list.
    EntitlementsScopeEmpty = "ENTITLEMENTS_SCOPE_EMPTY",
    /// The license lacks a scoped entitlement.
    EntitlementsMissing = "ENTITLEMENTS_MISSING",
    /// Node-locked license without its machine.
    NoMachine = "NO_MACHINE",
    /// Floating license without machines.
    NoMachines = "NO_MACHINES",
    /// The scoped machine is not the license's.
    MachineScopeMismatch = "MACHINE_SCOPE_MISMATCH",
    /// The policy requires a machine scope.
    MachineScopeRequired = "MACHINE_SCOPE_REQUIRED",
    /// A required heartbeat has not started.
    HeartbeatNotStarted = "HEARTBEAT_NOT_STARTED",
    /// The machine's heartbeat is dead.
    HeartbeatDead = "HEARTBEAT_DEAD",
    /// The fingerprint scope is empty.
    FingerprintScopeEmpty = "FINGERPRINT_SCOPE_EMPTY",
    /// Too few scoped fingerprints match alive machines.
    FingerprintScopeMismatch = "FINGERPRINT_SCOPE_MISMATCH",
    /// A fingerprint scope is required (by policy, or by a components scope).
    FingerprintScopeRequired = "FINGERPRINT_SCOPE_REQUIRED",
    /// The components scope is empty.
    ComponentsScopeEmpty = "COMPONENTS_SCOPE_EMPTY",
    /// Too few scoped components match the machine's.
    ComponentsScopeMismatch = "COMPONENTS_SCOPE_MISMATCH",
    /// The policy requires a components scope.
    ComponentsScopeRequired = "COMPONENTS_SCOPE_REQUIRED",
    /// The checksum matches no accessible artifact.
    ChecksumScopeMismatch = "CHECKSUM_SCOPE_MISMATCH",
    /// The policy requires a checksum scope.
    ChecksumScopeRequired = "CHECKSUM_SCOPE_REQUIRED",
    /// The version matches no accessible release.
    VersionScopeMismatch = "VERSION_SCOPE_MISMATCH",
    /// The policy requires a version scope.
    VersionScopeRequired = "VERSION_SCOPE_REQUIRED",
    /// More users than `maxUsers`.
    TooManyUsers = "TOO_MANY_USERS",
    /// More machines than `maxMachines`.
    TooManyMachines = "TOO_MANY_MACHINES",
    /// More cores than `maxCores`.
    TooManyCores = "TOO_MANY_CORES",
    /// More memory than `maxMemory`.
    TooMuchMemory = "TOO_MUCH_MEMORY",
    /// More disk than `maxDisk`.
    TooMuchDisk = "TOO_MUCH_DISK",
    /// More processes than `maxProcesses`.
    TooManyProcesses = "TOO_MANY_PROCESSES",
    // Activation rules on validation (issue 10 §4): Latchkey extensions.
    /// The client's IP address is outside `allowedIpRanges`.
    IpAddressNotAllowed = "IP_ADDRESS_NOT_ALLOWED",
    /// The client's country is not allowed.
    CountryNotAllowed = "COUNTRY_NOT_ALLOWED",
    /// A scoped machine is a VM and the rules refuse VMs.
    VmActivationNotAllowed = "VM_ACTIVATION_NOT_ALLOWED",
    /// A scoped machine is a container and the rules refuse containers.
    ContainerActivationNotAllowed = "CONTAINER_ACTIVATION_NOT_ALLOWED",
    /// The client's clock, sent, differs from the server's by more than allowed.
    ClockOffsetExceeded = "CLOCK_OFFSET_EXCEEDED",
}

impl Serialize for ValidationCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl ValidationCode {
    /// Whether replication lag could explain this negative outcome: a write the client or vendor
    /// just made at the primary (create the license, activate a machine, start or send a
    /// heartbeat, attach an entitlement or a user, add components, renew, check in, reinstate)
    /// that a replica has not applied yet would turn it into `VALID`. Such an outcome read from
    /// a replica is re-read from the primary before answering ([`LAG_EXPLAINABLE`]).
    pub fn lag_explainable(self) -> bool {
        LAG_EXPLAINABLE.contains(&self)
    }
}

/// The one list of outcomes re-read from the primary when a replica gave them. Left out, as
/// replication cannot explain them: `VALID`; the request-shape codes (`*_SCOPE_REQUIRED`,
/// `*_SCOPE_EMPTY`, product/policy/environment/checksum/version mismatches, fixed at creation
/// or by the request); `BANNED` and the `TOO_MANY_*` limits, whose recent changes are rare.
pub const LAG_EXPLAINABLE: &[ValidationCode] = &[
    ValidationCode::NotFound,
    ValidationCode::Suspended,
    ValidationCode::Expired,
    ValidationCode::Overdue,
    ValidationCode::UserScopeMismatch,
    ValidationCode::EntitlementsMissing,
    ValidationCode::NoMachine,
    ValidationCode::NoMachines,
    ValidationCode::MachineScopeMismatch,
    ValidationCode::HeartbeatNotStarted,
    ValidationCode::HeartbeatDead,
    ValidationCode::FingerprintScopeMismatch,
    ValidationCode::ComponentsScopeMismatch,
];

/// The answer: `meta.valid`, `meta.detail`, `meta.code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Whether the license is valid.
    pub valid: bool,
    /// Keygen's detail text.
    pub detail: String,
    /// The code.
    pub code: ValidationCode,
}

impl Outcome {
    fn new(valid: bool, detail: &str, code: ValidationCode) -> Self {
        Self { valid, detail: detail.to_owned(), code }
    }

    /// Rule 1: the license does not exist. The caller answers this (with `data: null`) when the
    /// lookup finds nothing, since there is no [`ValidationInput`] to build.
    pub fn not_found() -> Self {
        Self::new(false, "does not exist", ValidationCode::NotFound)
    }
}

/// A user, as an alias the user scope can name (id or email).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserRef {
    /// User id.
    pub id: String,
    /// Email (compared case-insensitively).
    pub email: String,
}

/// The license's effective limits: the license's override, else the policy's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// `maxMachines` as [`crate::domain::license::effective_max_machines`] computes it (`None`:
    /// unlimited).
    pub max_machines: Option<i64>,
    /// `maxCores`.
    pub max_cores: Option<i64>,
    /// `maxMemory` in bytes.
    pub max_memory: Option<i64>,
    /// `maxDisk` in bytes.
    pub max_disk: Option<i64>,
    /// `maxProcesses`.
    pub max_processes: Option<i64>,
    /// `maxUsers`.
    pub max_users: Option<i64>,
}

/// What validation needs to know about the license.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseFacts {
    /// License id.
    pub id: String,
    /// Its product's id.
    pub product_id: String,
    /// Its policy's id.
    pub policy_id: String,
    /// Its owner, if any.
    pub owner: Option<UserRef>,
    /// Whether the owner is banned.
    pub owner_banned: bool,
    /// `suspended`.
    pub suspended: bool,
    /// `expiry`, if any.
    pub expiry: Option<Millis>,
    /// `created`, the check-in baseline before the first check-in.
    pub created_at: Millis,
    /// `lastCheckIn`.
    pub last_check_in_at: Option<Millis>,
    /// Licensees (users attached besides the owner).
    pub licensees: Vec<UserRef>,
    /// Entitlement codes of the license and its policy.
    pub entitlements: Vec<String>,
    /// Effective limits.
    pub limits: Limits,
    /// Licensees plus owner, as Keygen counts `users_count`.
    pub users_count: i64,
    /// Its environment (Keygen EE, issue 8) as `(id, code)`, `None` for a global license; the
    /// code is only loaded when a scope needs it.
    pub environment: Option<(String, Option<String>)>,
}

/// What validation needs to know about one of the license's machines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineFacts {
    /// Machine id.
    pub id: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Owner's id, if any.
    pub owner_id: Option<String>,
    /// Owner's email, if any.
    pub owner_email: Option<String>,
    /// Reported cores.
    pub cores: Option<i64>,
    /// Reported memory in bytes.
    pub memory: Option<i64>,
    /// Reported disk in bytes.
    pub disk: Option<i64>,
    /// `created`.
    pub created_at: Millis,
    /// `lastHeartbeat`.
    pub last_heartbeat_at: Option<Millis>,
    /// The machine's own `maxProcesses` override.
    pub max_processes: Option<i64>,
    /// Alive processes on the machine.
    pub alive_processes: i64,
    /// Fingerprints of the machine's components.
    pub components: Vec<String>,
    /// The machine reported a virtual machine (`vmName`) at activation.
    pub vm: bool,
    /// The machine reported a container at activation.
    pub container: bool,
    /// Its own lease (seconds; `domain::lease`), standing for the heartbeat duration.
    pub lease_secs: Option<i64>,
}

/// Everything [`validate`] reads, loaded by the caller in one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationInput {
    /// The license.
    pub license: LicenseFacts,
    /// Its policy.
    pub policy: PolicyConfig,
    /// All its machines, dead ones included (they count toward limits).
    pub machines: Vec<MachineFacts>,
    /// `GET …/actions/validate`: skips the whole scope block.
    pub quick: bool,
}

/// `meta.scope` of a validation request. Absent members are `None`; for `user` and
/// `environment`, which may be `null`, `Some(None)` is an explicit `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// User id or email, or `null`.
    #[serde(default, deserialize_with = "explicit_null", skip_serializing_if = "Option::is_none")]
    pub user: Option<Option<String>>,
    /// Machine id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// One fingerprint (wins over `fingerprints` when both are given, as in Keygen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Several fingerprints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprints: Option<Vec<String>>,
    /// Component fingerprints of the `fingerprint` machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    /// Entitlement codes the license must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Vec<String>>,
    /// Artifact checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Release version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Environment code or id, or `null`.
    #[serde(default, deserialize_with = "explicit_null", skip_serializing_if = "Option::is_none")]
    pub environment: Option<Option<String>>,
}

/// Present-but-null → `Some(None)`; absent stays `None` through `#[serde(default)]`.
fn explicit_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Whether `alias` names the user with this id or email.
fn is_alias(alias: &str, id: Option<&str>, email: Option<&str>) -> bool {
    id == Some(alias) || email.is_some_and(|e| e.eq_ignore_ascii_case(alias))
}

impl Scope {
    /// Whether the scope names machine `m` (by `machine`, `fingerprint` or `fingerprints`).
    pub fn names(&self, m: &MachineFacts) -> bool {
        self.machine.as_deref() == Some(m.id.as_str())
            || self.fingerprint.as_deref() == Some(m.fingerprint.as_str())
            || self.fingerprints.as_ref().is_some_and(|f| f.contains(&m.fingerprint))
    }
}

impl MachineFacts {
    fn owned_by_alias(&self, alias: &str) -> bool {
        is_alias(alias, self.owner_id.as_deref(), self.owner_email.as_deref())
    }
}

/// Whose machines count under `PER_USER` leasing: the scoped user (by alias) when the scope
/// names one, else the license owner (machines without an owner when there is none).
enum Lessee<'a> {
    Alias(&'a str),
    Owner(Option<&'a str>),
}

impl Lessee<'_> {
    fn holds(&self, m: &MachineFacts) -> bool {
        match self {
            Lessee::Alias(a) => m.owned_by_alias(a),
            Lessee::Owner(id) => m.owner_id.as_deref() == *id,
        }
    }
}

/// Validates a license, implementing Keygen's precedence table (§2.2, rules 2–27; rule 1 is
/// [`Outcome::not_found`]). `scope` is `meta.scope`; `None` means an empty scope, so the
/// policy's `require*Scope` rules still apply unless `input.quick`.
///
/// `ENVIRONMENT_SCOPE_REQUIRED` follows the policy's `requireEnvironmentScope` (Keygen keeps
/// the column DB-only; a Latchkey attribute here, issue 8).
pub fn validate(input: &ValidationInput, scope: Option<&Scope>, now: Millis) -> Outcome {
    use ValidationCode as C;
    let (license, policy) = (&input.license, &input.policy);
    let expired = license.expiry.is_some_and(|e| e < now);

    // 2–5: standing of the license itself.
    if license.owner_banned {
        return Outcome::new(false, "is banned", C::Banned);
    }
    if license.suspended {
        return Outcome::new(false, "is suspended", C::Suspended);
    }
    if expired && policy.expiration_strategy == super::strategy::ExpirationStrategy::RevokeAccess {
        return Outcome::new(false, "is expired", C::Expired);
    }
    if policy.next_check_in_at(license.created_at, license.last_check_in_at).is_some_and(|due| due < now) {
        return Outcome::new(false, "is overdue for check in", C::Overdue);
    }

    // 6–15: the scope block, skipped for quick validation.
    let empty = Scope::default();
    let scope = if input.quick { None } else { Some(scope.unwrap_or(&empty)) };
    if let Some(scope) = scope {
        if let Some(outcome) = check_scope(input, scope, now) {
            return outcome;
        }
    }

    // 16–27: limits.
    check_limits(input, scope, expired).unwrap_or_else(|| {
        if expired {
            Outcome::new(policy.expiration_strategy.expired_is_valid(), "is expired", C::Expired)
        } else {
            Outcome::new(true, "is valid", C::Valid)
        }
    })
}

/// Rules 6–15. `None` when every scope check passes.
fn check_scope(input: &ValidationInput, scope: &Scope, now: Millis) -> Option<Outcome> {
    use ValidationCode as C;
    let (license, policy, machines) = (&input.license, &input.policy, &input.machines);
    let fail = |detail: &str, code| Some(Outcome::new(false, detail, code));
    let status = |m: &MachineFacts| super::lease::status(policy, m.lease_secs, m.created_at, m.last_heartbeat_at, now);
    let no_machines = |what: &str| {
        if policy.floating {
            fail(&format!("{what} is not activated (has no associated machines)"), C::NoMachines)
        } else {
            fail(&format!("{what} is not activated (has no associated machine)"), C::NoMachine)
        }
    };

    // 6, 6b (Keygen EE): the license's environment by id or code; `null` names the global one.
    let env = license.environment.as_ref().map(|(id, code)| (id.as_str(), code.as_deref()));
    match &scope.environment {
        Some(s) if !crate::domain::environments::scope_matches(s.as_deref(), env) => {
            return fail("environment scope does not match", C::EnvironmentScopeMismatch)
        }
        None if policy.require_environment_scope => return fail("environment scope is required", C::EnvironmentScopeRequired),
        _ => {}
    }

    // 7, 8
    match &scope.product {
        Some(p) if *p != license.product_id => return fail("product scope does not match", C::ProductScopeMismatch),
        None if policy.require_product_scope => return fail("product scope is required", C::ProductScopeRequired),
        _ => {}
    }
    match &scope.policy {
        Some(p) if *p != license.policy_id => return fail("policy scope does not match", C::PolicyScopeMismatch),
        None if policy.require_policy_scope => return fail("policy scope is required", C::PolicyScopeRequired),
        _ => {}
    }

    // 9: the owner or a licensee; an explicit null matches an ownerless license.
    match &scope.user {
        Some(alias) => {
            let owner = license.owner.as_ref();
            let matches = match alias {
                None => owner.is_none(),
                Some(a) => {
                    owner.is_some_and(|o| is_alias(a, Some(&o.id), Some(&o.email)))
                        || license.licensees.iter().any(|u| is_alias(a, Some(&u.id), Some(&u.email)))
                }
            };
            if !matches {
                return fail("user scope does not match", C::UserScopeMismatch);
            }
        }
        None if policy.require_user_scope => return fail("user scope is required", C::UserScopeRequired),
        None => {}
    }
    // A machine owner matches the user scope when it is that user; null matches no owner.
    let owner_matches = |m: &MachineFacts| match &scope.user {
        Some(Some(a)) => m.owner_id.is_none() || m.owned_by_alias(a),
        Some(None) => m.owner_id.is_none(),
        None => true,
    };

    // 10
    if let Some(codes) = &scope.entitlements {
        let codes: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
        if codes.is_empty() {
            return fail("entitlements scope is empty", C::EntitlementsScopeEmpty);
        }
        if !codes.iter().all(|c| license.entitlements.iter().any(|e| e == c)) {
            return fail("is missing one or more required entitlements", C::EntitlementsMissing);
        }
    }

    // 11
    match &scope.machine {
        Some(_) if machines.is_empty() => return no_machines("machine"),
        Some(id) => {
            let Some(machine) = machines.iter().find(|m| m.id == *id) else {
                return fail("machine is not activated (does not match any associated machines)", C::MachineScopeMismatch);
            };
            if !owner_matches(machine) {
                return fail("user scope does not match (does not match associated machine owner)", C::UserScopeMismatch);
            }
            match status(machine) {
                HeartbeatStatus::NotStarted if policy.require_heartbeat => return fail("machine heartbeat is required", C::HeartbeatNotStarted),
                HeartbeatStatus::Dead => return fail("machine heartbeat is dead", C::HeartbeatDead),
                _ => {}
            }
        }
        None if policy.require_machine_scope => return fail("machine scope is required", C::MachineScopeRequired),
        None => {}
    }

    // 12
    let given = scope.fingerprint.as_ref().map(std::slice::from_ref).or(scope.fingerprints.as_deref());
    match given {
        Some(given) => {
            let fingerprints: BTreeSet<&str> = given.iter().map(String::as_str).collect();
            if fingerprints.is_empty() {
                return fail("fingerprint scope is empty", C::FingerprintScopeEmpty);
            }
            if machines.is_empty() {
                return no_machines("fingerprint");
            }
            let matched: Vec<(&MachineFacts, HeartbeatStatus)> =
                machines.iter().filter(|m| fingerprints.contains(m.fingerprint.as_str())).map(|m| (m, status(m))).collect();
            let dead = matched.iter().filter(|(_, s)| *s == HeartbeatStatus::Dead).count();
            if dead == fingerprints.len() {
                return fail("machine heartbeat is dead", C::HeartbeatDead);
            }
            let alive: Vec<&(&MachineFacts, HeartbeatStatus)> = matched.iter().filter(|(_, s)| *s != HeartbeatStatus::Dead).collect();
            let n = fingerprints.len();
            let strategy = if n > 1 { policy.machine_matching_strategy } else { MatchingStrategy::MatchAny };
            if !strategy.satisfied(alive.len(), n) {
                let detail = match strategy {
                    MatchingStrategy::MatchMost => "one or more fingerprint is not activated (does not match enough associated machines)",
                    MatchingStrategy::MatchTwo => "one or more fingerprint is not activated (does not match at least 2 associated machines)",
                    MatchingStrategy::MatchAll => "one or more fingerprint is not activated (does not match all associated machines)",
                    MatchingStrategy::MatchAny => "fingerprint is not activated (does not match any associated machines)",
                };
                return fail(detail, C::FingerprintScopeMismatch);
            }
            if alive.iter().any(|(m, _)| !owner_matches(m)) {
                return fail("user scope does not match (does not match associated machine owners)", C::UserScopeMismatch);
            }
            if policy.require_heartbeat && alive.iter().any(|(_, s)| *s == HeartbeatStatus::NotStarted) {
                return fail("machine heartbeat is required", C::HeartbeatNotStarted);
            }
        }
        None if policy.require_fingerprint_scope => return fail("fingerprint scope is required", C::FingerprintScopeRequired),
        None => {}
    }

    // 13
    match &scope.components {
        Some(components) => {
            let Some(fingerprint) = &scope.fingerprint else {
                return fail("fingerprint scope is required when using the components scope", C::FingerprintScopeRequired);
            };
            let components: BTreeSet<&str> = components.iter().map(String::as_str).collect();
            if components.is_empty() {
                return fail("components scope is empty", C::ComponentsScopeEmpty);
            }
            let machine = machines.iter().find(|m| m.fingerprint == *fingerprint && status(m) != HeartbeatStatus::Dead);
            let matched = machine.map_or(0, |m| components.iter().filter(|c| m.components.iter().any(|mc| mc == *c)).count());
            let strategy = policy.component_matching_strategy;
            if !strategy.satisfied(matched, components.len()) {
                let detail = match strategy {
                    MatchingStrategy::MatchMost => "one or more component is not activated (does not match enough associated components)",
                    MatchingStrategy::MatchTwo => "one or more component is not activated (does not match at least 2 associated components)",
                    MatchingStrategy::MatchAll => "one or more component is not activated (does not match all associated components)",
                    MatchingStrategy::MatchAny => "one or more component is not activated (does not match any associated components)",
                };
                return fail(detail, C::ComponentsScopeMismatch);
            }
        }
        None if policy.require_components_scope => return fail("components scope is required", C::ComponentsScopeRequired),
        None => {}
    }

    // 14, 15: no artifacts or releases exist yet, so any checksum or version is a mismatch.
    match &scope.checksum {
        Some(_) => return fail("checksum scope is not valid (does not match any accessible artifacts)", C::ChecksumScopeMismatch),
        None if policy.require_checksum_scope => return fail("checksum scope is required", C::ChecksumScopeRequired),
        None => {}
    }
    match &scope.version {
        Some(_) => return fail("version scope is not valid (does not match any accessible releases)", C::VersionScopeMismatch),
        None if policy.require_version_scope => return fail("version scope is required", C::VersionScopeRequired),
        None => {}
    }
    None
}

/// Rules 16–25 (and the non-strict stop of rule 17). `None` when no limit is exceeded.
fn check_limits(input: &ValidationInput, scope: Option<&Scope>, expired: bool) -> Option<Outcome> {
    use ValidationCode as C;
    let (license, policy, machines) = (&input.license, &input.policy, &input.machines);
    let limits = license.limits;
    let over =
        |count: i64, limit: i64, node_locked: bool, detail: &str, code| Some(Outcome::new(policy.overage_allows(count, limit, node_locked), detail, code));

    // 16
    if let Some(max) = limits.max_users {
        if license.users_count > max {
            return over(license.users_count, max, false, "has too many associated users", C::TooManyUsers);
        }
    }

    // 17: non-strict policies stop here.
    if !policy.strict {
        return Some(if expired {
            Outcome::new(policy.expiration_strategy.expired_is_valid(), "is expired", C::Expired)
        } else {
            Outcome::new(true, "is valid", C::Valid)
        });
    }

    let lessee = match scope.and_then(|s| s.user.as_ref()) {
        Some(Some(alias)) => Lessee::Alias(alias),
        _ => Lessee::Owner(license.owner.as_ref().map(|o| o.id.as_str())),
    };
    let per_user = policy.machine_leasing_strategy == MachineLeasingStrategy::PerUser;
    let leased: Vec<&MachineFacts> = machines.iter().filter(|m| !per_user || lessee.holds(m)).collect();
    let count = i64::try_from(leased.len()).unwrap_or(i64::MAX);

    // 18–21
    if policy.node_locked() {
        if machines.is_empty() {
            return Some(Outcome::new(false, "must have exactly 1 associated machine", C::NoMachine));
        }
        if let Some(max) = limits.max_machines {
            if count > max {
                return over(count, max, true, "has too many associated machines", C::TooManyMachines);
            }
        }
    } else {
        if machines.is_empty() {
            return Some(Outcome::new(false, "must have at least 1 associated machine", C::NoMachines));
        }
        if let Some(max) = limits.max_machines {
            if count > max {
                return over(count, max, false, "has too many associated machines", C::TooManyMachines);
            }
        }
    }

    // 22–24
    let sum = |f: fn(&MachineFacts) -> Option<i64>| leased.iter().filter_map(|m| f(m)).fold(0i64, i64::saturating_add);
    let resources: [(Option<i64>, i64, &str, ValidationCode); 3] = [
        (limits.max_cores, sum(|m| m.cores), "has too many associated machine cores", C::TooManyCores),
        (limits.max_memory, sum(|m| m.memory), "has too much associated machine memory", C::TooMuchMemory),
        (limits.max_disk, sum(|m| m.disk), "has too much associated machine disk", C::TooMuchDisk),
    ];
    for (limit, total, detail, code) in resources {
        if let Some(max) = limit {
            if total > max {
                return over(total, max, false, detail, code);
            }
        }
    }

    // 25
    let processes = match policy.process_leasing_strategy {
        ProcessLeasingStrategy::PerMachine => {
            scope.and_then(|s| scoped_machine(machines, s)).and_then(|m| m.max_processes.or(limits.max_processes).map(|max| (m.alive_processes, max)))
        }
        ProcessLeasingStrategy::PerLicense => limits.max_processes.map(|max| (machines.iter().map(|m| m.alive_processes).sum(), max)),
        ProcessLeasingStrategy::PerUser => limits.max_processes.map(|max| (machines.iter().filter(|m| lessee.holds(m)).map(|m| m.alive_processes).sum(), max)),
    };
    if let Some((count, max)) = processes {
        if count > max {
            return over(count, max, false, "has too many associated processes", C::TooManyProcesses);
        }
    }
    None
}

/// The machine a `PER_MACHINE` process limit applies to: the scoped machine, else the first
/// machine matching the scoped fingerprint(s).
fn scoped_machine<'a>(machines: &'a [MachineFacts], scope: &Scope) -> Option<&'a MachineFacts> {
    if let Some(id) = &scope.machine {
        return machines.iter().find(|m| m.id == *id);
    }
    let given = scope.fingerprint.as_ref().map(std::slice::from_ref).or(scope.fingerprints.as_deref())?;
    machines.iter().find(|m| given.contains(&m.fingerprint))
}

#[cfg(test)]
mod tests;
