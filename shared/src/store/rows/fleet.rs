//! Rows of the fleet capability (`service::fleet`): machines, processes and components.

use serde::Deserialize;

use super::{checked_config, decode_config};
use crate::clock::Millis;

/// `machines` joined with its policy's config and its license's `max_processes` (`sql::machines::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct MachineRow {
    pub id: String,
    pub account_id: String,
    pub license_id: String,
    pub product_id: String,
    pub policy_id: String,
    pub owner_id: Option<String>,
    pub group_id: Option<String>,
    pub fingerprint: String,
    pub name: Option<String>,
    pub ip: Option<String>,
    pub hostname: Option<String>,
    pub platform: Option<String>,
    pub cores: Option<i64>,
    pub memory: Option<i64>,
    pub disk: Option<i64>,
    pub max_processes: Option<i64>,
    pub metadata: String,
    pub last_heartbeat_at: Option<Millis>,
    pub last_death_event_at: Option<Millis>,
    pub last_check_out_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(deserialize_with = "checked_config")]
    pub policy_config: String,
    /// The license's `maxProcesses` override.
    #[serde(default)]
    pub license_max_processes: Option<i64>,
    /// Its meter uses as a JSON array text (issue 10 §2; absent from `RETURNING *` rows).
    #[serde(default)]
    pub meters: Option<String>,
    /// Client-reported virtual machine name (issue 10 §4, migration 0012).
    #[serde(default)]
    pub vm_name: Option<String>,
    /// Client-reported container flag (issue 10 §4, migration 0012).
    #[serde(default)]
    pub container: Option<i64>,
    /// Its own lease, seconds (Cryptlex's `leaseDuration`, migration 0023; NULL: the policy's
    /// heartbeat duration).
    #[serde(default)]
    pub lease_duration: Option<i64>,
}

impl MachineRow {
    /// The policy's rules (heartbeat duration, resurrection, leasing), with the machine's own
    /// lease as its heartbeat duration (`domain::lease`).
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        crate::domain::lease::machine_config(decode_config(&self.policy_config), self.lease_duration)
    }
}

/// `processes` with its machine's product and policy config (`sql::processes::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct ProcessRow {
    pub id: String,
    pub account_id: String,
    pub machine_id: String,
    pub license_id: String,
    pub product_id: String,
    pub pid: String,
    pub metadata: String,
    pub last_heartbeat_at: Millis,
    pub last_death_event_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(deserialize_with = "checked_config")]
    pub policy_config: String,
}

impl ProcessRow {
    /// The policy's rules.
    pub fn config(&self) -> crate::domain::policy::PolicyConfig {
        decode_config(&self.policy_config)
    }
}

/// Why a spawn was refused (`sql::processes::SPAWN_STATE`).
#[derive(Debug, Clone, Deserialize)]
pub struct SpawnStateRow {
    pub pid_taken: i64,
    pub n: i64,
}

/// `components` with its machine's license and product (`sql::components::FIND`).
#[derive(Debug, Clone, Deserialize)]
pub struct ComponentRow {
    pub id: String,
    pub account_id: String,
    pub machine_id: String,
    pub license_id: String,
    pub product_id: String,
    pub fingerprint: String,
    pub name: String,
    pub metadata: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}
