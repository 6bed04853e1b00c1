//! What validation reads about a license and its machines: the [`ValidationInput`] the caller
//! loads in one batch ([`LicenseFacts`], [`MachineFacts`], [`Limits`], [`UserRef`]).

use crate::clock::Millis;
use crate::domain::policy::PolicyConfig;

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

/// Everything [`validate`](super::validate) reads, loaded by the caller in one batch.
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

/// Whether `alias` names the user with this id or email.
pub(super) fn is_alias(alias: &str, id: Option<&str>, email: Option<&str>) -> bool {
    id == Some(alias) || email.is_some_and(|e| e.eq_ignore_ascii_case(alias))
}

impl MachineFacts {
    pub(super) fn owned_by_alias(&self, alias: &str) -> bool {
        is_alias(alias, self.owner_id.as_deref(), self.owner_email.as_deref())
    }
}
