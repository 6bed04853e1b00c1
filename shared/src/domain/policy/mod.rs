//! A policy's configuration: every Keygen policy attribute except `name`, `metadata` and the
//! `product` relationship (`reference/keygen-wire.md` §3), plus Cryptlex-derived extensions
//! (`expiringSoonEventOffset`, `subscriptionInterval` / `subscriptionStartTrigger`; the former
//! `maintenanceDuration` became maintenance policies, issue 10 §5).
//!
//! [`PolicyConfig`] is stored as one JSON column. Every field has a serde default, so a key that a
//! stored document lacks reads as Keygen's default and new attributes need no migration.
//! [`PolicyConfig::apply`] is the only way client attributes get in: it type-checks, range-checks
//! and cross-checks them the way Keygen's params and model validations do.
//!
//! The model is split by what each part holds: `config.rs` (the struct, its defaults and what it
//! derives), `attributes.rs` (`apply` and the attribute parsers), `rules.rs` (`check`, the
//! model validations); this module keeps the bounds and attribute lists they share.

mod attributes;
mod config;
mod rules;

pub use attributes::{start_trigger, subscription_interval};
pub use config::PolicyConfig;

pub use super::states::StartTrigger;

/// Largest value of a Postgres `integer` column, Keygen's bound for counts and durations.
pub const INT4_MAX: i64 = 2_147_483_647;
/// Largest byte count (`memory`, `disk`, `maxMemory`, `maxDisk`; Keygen's int64 columns) we
/// accept: 2^53 − 1, the last integer D1 carries exactly (its numbers cross JS as f64).
pub const MAX_SAFE_INT: i64 = 9_007_199_254_740_991;
/// `Machine::HEARTBEAT_TTL`: the heartbeat duration when the policy has none.
pub const DEFAULT_HEARTBEAT_DURATION_SECS: i64 = 600;
/// Default `expiringSoonEventOffset`: three days, Keygen's fixed `license.expiring-soon` window.
pub const DEFAULT_EXPIRING_SOON_OFFSET_SECS: i64 = 259_200;
/// Smallest `duration`: one day.
pub const MIN_DURATION_SECS: i64 = 86_400;
/// Smallest `heartbeatDuration`: one minute.
pub const MIN_HEARTBEAT_DURATION_SECS: i64 = 60;

/// Attributes that may only be given when the policy is created. On update Keygen's params
/// whitelist does not list them, so sending one is a 400 `PARAMETER_UNPERMITTED` (not a 422).
pub const CREATE_ONLY: &[&str] = &["scheme", "encrypted", "usePool"];

/// Every attribute key [`PolicyConfig::apply`] consumes, in camelCase.
pub const ATTRIBUTES: &[&str] = &[
    "duration",
    "strict",
    "floating",
    "usePool",
    "protected",
    "encrypted",
    "scheme",
    "maxMachines",
    "maxProcesses",
    "maxUsers",
    "maxCores",
    "maxMemory",
    "maxDisk",
    "maxUses",
    "machineUniquenessStrategy",
    "machineMatchingStrategy",
    "componentUniquenessStrategy",
    "componentMatchingStrategy",
    "expirationStrategy",
    "expirationBasis",
    "renewalBasis",
    "transferStrategy",
    "authenticationStrategy",
    "machineLeasingStrategy",
    "processLeasingStrategy",
    "overageStrategy",
    "heartbeatCullStrategy",
    "heartbeatResurrectionStrategy",
    "heartbeatBasis",
    "heartbeatDuration",
    "requireHeartbeat",
    "requireProductScope",
    "requirePolicyScope",
    "requireMachineScope",
    "requireFingerprintScope",
    "requireComponentsScope",
    "requireUserScope",
    "requireChecksumScope",
    "requireVersionScope",
    "requireCheckIn",
    "requirePrimaryReads",
    // Environments (issue 8): Keygen's DB-only `require_environment_scope`, exposed.
    "requireEnvironmentScope",
    "checkInInterval",
    "checkInIntervalCount",
    "expiringSoonEventOffset",
    // Subscriptions (issue 10 §5, Cryptlex 3.78): after `expirationBasis`, which the trigger sets.
    "subscriptionInterval",
    "subscriptionStartTrigger",
];

#[cfg(test)]
mod tests;
