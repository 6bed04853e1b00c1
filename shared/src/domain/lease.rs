//! Floating-seat leases (Cryptlex's `leaseDuration` / `allowClientLeaseDuration`, issue 10 §4
//! follow-up): a machine holds its seat for a lease that starts at activation and is renewed by
//! every ping; once it runs out the machine is dead and the heartbeat cull frees the seat
//! (`machine.lease.expired`). The policy (or a license override) sets the lease length
//! (`-1`: its `heartbeatDuration`); with `allowClientLeaseDuration` the client may ask for a
//! shorter one at activation (`POST /machines` attribute `leaseDuration`), never a longer one.
//! The machine keeps its lease length (`machines.lease_duration`, migration 0023), which then
//! stands for its heartbeat duration everywhere (status, pings, KV lease, validation, cull).

use serde_json::Value;

use super::activation_rules::ActivationRules;
use super::heartbeat::{machine_status, HeartbeatStatus};
use super::policy::{PolicyConfig, INT4_MAX};
use crate::clock::Millis;
use crate::error::{Code, Error};

/// The shortest lease (seconds).
pub const MIN_LEASE_SECS: i64 = 1;

/// The KV key of a machine's lease (`service::fleet::leases`; an environment's deletion
/// removes its machines' leases by it).
pub fn kv_key(account_id: &str, machine_id: &str) -> String {
    format!("lease:{account_id}:{machine_id}")
}

/// Parses a policy's or license's `leaseDuration`: `-1` (the heartbeat duration) or
/// [`MIN_LEASE_SECS`]..=2147483647 seconds.
///
/// # Errors
/// 400 `PARAMETER_INVALID` at `/data/attributes/<key>`.
pub fn parse_policy_lease(key: &str, v: &Value) -> Result<i64, Error> {
    match v.as_i64() {
        Some(n) if (n == -1 || (MIN_LEASE_SECS..=INT4_MAX).contains(&n)) && !v.is_f64() => Ok(n),
        _ => Err(Error::new(Code::ParameterInvalid, format!("must be -1 (the heartbeat duration) or an integer between {MIN_LEASE_SECS} and {INT4_MAX}"))
            .pointer(format!("/data/attributes/{key}"))),
    }
}

/// Why a client's requested lease is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseRefusal {
    /// `allowClientLeaseDuration` is off.
    NotAllowed,
    /// Longer than the policy's lease (the cap, seconds).
    TooLong(i64),
}

impl LeaseRefusal {
    /// The activation's error, at `/data/attributes/leaseDuration`.
    pub fn error(self) -> Error {
        match self {
            LeaseRefusal::NotAllowed => Error::new(Code::LeaseDurationNotAllowed, "the policy does not allow the client to set the lease duration"),
            LeaseRefusal::TooLong(cap) => Error::new(Code::LeaseDurationInvalid, format!("must be less than or equal to the license's lease duration ({cap})")),
        }
        .pointer("/data/attributes/leaseDuration")
    }
}

/// The lease a new machine gets (seconds; `None`: none of its own, the heartbeat duration
/// applies as before): the client's `requested` one when allowed and within the cap, else the
/// rules' `leaseDuration` when set. `heartbeat_secs` is the policy's heartbeat duration, the cap
/// when the rules set no lease.
///
/// # Errors
/// [`LeaseRefusal`].
pub fn lease_for(rules: &ActivationRules, heartbeat_secs: i64, requested: Option<i64>) -> Result<Option<i64>, LeaseRefusal> {
    let own = (rules.lease_duration > 0).then_some(rules.lease_duration);
    let Some(want) = requested else { return Ok(own) };
    if !rules.allow_client_lease_duration {
        return Err(LeaseRefusal::NotAllowed);
    }
    let cap = own.unwrap_or(heartbeat_secs);
    if want > cap {
        return Err(LeaseRefusal::TooLong(cap));
    }
    Ok(Some(want))
}

/// The rules a machine lives by: its policy's, with its own lease (if any) as the heartbeat
/// duration.
pub fn machine_config(mut cfg: PolicyConfig, lease: Option<i64>) -> PolicyConfig {
    if lease.is_some() {
        cfg.heartbeat_duration = lease;
    }
    cfg
}

/// A machine's heartbeat status under `policy` with its own `lease` (seconds, if any) as the
/// heartbeat duration (no clone of the policy: validation's hot path calls it per machine).
pub fn status(policy: &PolicyConfig, lease: Option<i64>, created_at: Millis, last_heartbeat_at: Option<Millis>, now: Millis) -> HeartbeatStatus {
    machine_status(created_at, last_heartbeat_at, policy.require_heartbeat, lease.unwrap_or_else(|| policy.heartbeat_duration_secs()), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lease: i64, allow: bool) -> ActivationRules {
        ActivationRules { lease_duration: lease, allow_client_lease_duration: allow, ..ActivationRules::default() }
    }

    #[test]
    fn lease_table() {
        use LeaseRefusal::*;
        /// (policy lease, allow client, requested) → the machine's lease.
        type Row = (i64, bool, Option<i64>, Result<Option<i64>, LeaseRefusal>);
        let table: &[Row] = &[
            (-1, false, None, Ok(None)),
            (3600, false, None, Ok(Some(3600))),
            (3600, false, Some(60), Err(NotAllowed)),
            (3600, true, Some(60), Ok(Some(60))),
            (3600, true, Some(3600), Ok(Some(3600))),
            (3600, true, Some(3601), Err(TooLong(3600))),
            (-1, true, Some(600), Ok(Some(600))),
            (-1, true, Some(601), Err(TooLong(600))),
            (-1, true, None, Ok(None)),
        ];
        for (lease, allow, requested, want) in table {
            assert_eq!(lease_for(&rules(*lease, *allow), 600, *requested), *want, "lease {lease} allow {allow} requested {requested:?}");
        }
    }

    #[test]
    fn a_lease_stands_for_the_heartbeat_duration() {
        let cfg = PolicyConfig::default();
        assert_eq!(machine_config(cfg.clone(), Some(5)).heartbeat_duration_secs(), 5);
        assert_eq!(machine_config(cfg.clone(), None).heartbeat_duration_secs(), 600);
        let t = 1_000_000;
        assert_eq!(status(&cfg, Some(5), t, Some(t), t + 5_000), HeartbeatStatus::Alive);
        assert_eq!(status(&cfg, Some(5), t, Some(t), t + 5_001), HeartbeatStatus::Dead);
        assert_eq!(status(&cfg, None, t, Some(t), t + 5_001), HeartbeatStatus::Alive);
    }

    #[test]
    fn policy_leases_are_checked() {
        for ok in [-1, 1, 60, INT4_MAX] {
            assert_eq!(parse_policy_lease("leaseDuration", &Value::from(ok)).unwrap(), ok);
        }
        for bad in [Value::from(0), Value::from(-2), Value::from(INT4_MAX + 1), Value::from(1.5), Value::from("60"), Value::Null] {
            let e = parse_policy_lease("leaseDuration", &bad).unwrap_err();
            assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"), "{bad}");
        }
        assert_eq!(LeaseRefusal::NotAllowed.error().code, "LEASE_DURATION_NOT_ALLOWED");
        assert_eq!(LeaseRefusal::TooLong(5).error().code, "LEASE_DURATION_INVALID");
    }
}
