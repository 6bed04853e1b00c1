//! What a validation answers: every `meta.code` ([`ValidationCode`]), the codes a replica's lag
//! could explain ([`LAG_EXPLAINABLE`]), and the [`Outcome`] rendered as `meta.valid`,
//! `meta.detail` and `meta.code`.

use serde::Serialize;

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
    /// The policy requires an environment scope (never produced: see [`validate`](super::validate)).
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
    pub(super) fn new(valid: bool, detail: &str, code: ValidationCode) -> Self {
        Self { valid, detail: detail.to_owned(), code }
    }

    /// Rule 1: the license does not exist. The caller answers this (with `data: null`) when the
    /// lookup finds nothing, since there is no [`ValidationInput`](super::ValidationInput) to build.
    pub fn not_found() -> Self {
        Self::new(false, "does not exist", ValidationCode::NotFound)
    }
}
