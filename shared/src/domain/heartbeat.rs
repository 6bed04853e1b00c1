//! Machine and process heartbeat status (`reference/keygen-wire.md` §5.1, §5.3), and whether a
//! ping may resurrect a dead one. Pure functions of timestamps, the policy's heartbeat settings
//! and "now".

use serde::Serialize;

use super::policy::PolicyConfig;
use super::strategy::{HeartbeatCullStrategy, HeartbeatResurrectionStrategy};
use crate::clock::Millis;

/// A machine's `heartbeatStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeartbeatStatus {
    /// Never pinged, and either no heartbeat is required or the first is not yet overdue.
    NotStarted,
    /// The next heartbeat is not yet due.
    Alive,
    /// Overdue.
    Dead,
    /// Revived by the ping being answered; only ever in that ping's response.
    Resurrected,
}

impl HeartbeatStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            HeartbeatStatus::NotStarted => "NOT_STARTED",
            HeartbeatStatus::Alive => "ALIVE",
            HeartbeatStatus::Dead => "DEAD",
            HeartbeatStatus::Resurrected => "RESURRECTED",
        }
    }
}

/// A process's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProcessStatus {
    /// `last_heartbeat_at + interval ≥ now`.
    Alive,
    /// Overdue.
    Dead,
    /// Revived by the ping being answered; only ever in that ping's response.
    Resurrected,
}

impl ProcessStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessStatus::Alive => "ALIVE",
            ProcessStatus::Dead => "DEAD",
            ProcessStatus::Resurrected => "RESURRECTED",
        }
    }
}

/// `last_heartbeat_at + duration`, the machine's `nextHeartbeat`.
pub fn next_heartbeat_at(last_heartbeat_at: Option<Millis>, duration_secs: i64) -> Option<Millis> {
    last_heartbeat_at.map(|t| t + duration_secs * 1000)
}

/// Keygen's `Machine#heartbeat_status`:
/// - never pinged and (heartbeat not required, or created within the last `duration`) → `NOT_STARTED`;
/// - `next_heartbeat_at ≥ now` → `ALIVE`;
/// - otherwise → `DEAD` (including a required first heartbeat that is overdue).
pub fn machine_status(created_at: Millis, last_heartbeat_at: Option<Millis>, require_heartbeat: bool, duration_secs: i64, now: Millis) -> HeartbeatStatus {
    match next_heartbeat_at(last_heartbeat_at, duration_secs) {
        None if !require_heartbeat || created_at >= now - duration_secs * 1000 => HeartbeatStatus::NotStarted,
        Some(next) if next >= now => HeartbeatStatus::Alive,
        _ => HeartbeatStatus::Dead,
    }
}

/// [`machine_status`] with the policy's `requireHeartbeat` and heartbeat duration.
pub fn machine_status_for(policy: &PolicyConfig, created_at: Millis, last_heartbeat_at: Option<Millis>, now: Millis) -> HeartbeatStatus {
    machine_status(created_at, last_heartbeat_at, policy.require_heartbeat, policy.heartbeat_duration_secs(), now)
}

/// When a dead machine died: its missed `next_heartbeat_at`, or for one that never pinged,
/// `created_at + duration` (when its required first heartbeat became overdue).
fn died_at(created_at: Millis, last_heartbeat_at: Option<Millis>, duration_secs: i64) -> Millis {
    next_heartbeat_at(last_heartbeat_at, duration_secs).unwrap_or(created_at + duration_secs * 1000)
}

/// Whether a ping at `now` revives a machine: it must be `DEAD`, and the strategy must be
/// `ALWAYS_REVIVE` or a window with `now ≤ died_at + lazarus TTL`. A machine that is not dead
/// is pinged, not resurrected, so this is false for it.
pub fn can_resurrect(policy: &PolicyConfig, created_at: Millis, last_heartbeat_at: Option<Millis>, now: Millis) -> bool {
    if machine_status_for(policy, created_at, last_heartbeat_at, now) != HeartbeatStatus::Dead {
        return false;
    }
    let duration = policy.heartbeat_duration_secs();
    within_window(policy.heartbeat_resurrection_strategy, died_at(created_at, last_heartbeat_at, duration), now)
}

fn within_window(strategy: HeartbeatResurrectionStrategy, died_at: Millis, now: Millis) -> bool {
    match strategy {
        HeartbeatResurrectionStrategy::AlwaysRevive => true,
        HeartbeatResurrectionStrategy::NoRevive => false,
        s => s.lazarus_ttl_secs().is_some_and(|ttl| now <= died_at + ttl * 1000),
    }
}

/// A process's status: `ALIVE` while `last_heartbeat_at + interval ≥ now` (processes are
/// alive at birth, `last_heartbeat_at` is set on creation), else `DEAD`.
pub fn process_status(last_heartbeat_at: Millis, interval_secs: i64, now: Millis) -> ProcessStatus {
    if last_heartbeat_at + interval_secs * 1000 >= now {
        ProcessStatus::Alive
    } else {
        ProcessStatus::Dead
    }
}

/// Whether a ping at `now` revives a dead process (same windows as machines; the interval is
/// the machine's heartbeat duration).
pub fn can_resurrect_process(policy: &PolicyConfig, last_heartbeat_at: Millis, now: Millis) -> bool {
    let interval = policy.heartbeat_duration_secs();
    process_status(last_heartbeat_at, interval, now) == ProcessStatus::Dead
        && within_window(policy.heartbeat_resurrection_strategy, last_heartbeat_at + interval * 1000, now)
}

/// What the cull job does with one dead machine or process now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CullDecision {
    /// Record the death event (once per death: none sent since the last heartbeat).
    pub event: bool,
    /// Delete it (`DEACTIVATE_DEAD`, not `ALWAYS_REVIVE`, and past the resurrection window).
    pub delete: bool,
}

impl CullDecision {
    /// Whether the cull has anything to do (what its SQL scan pre-selects).
    pub fn has_work(self) -> bool {
        self.event || self.delete
    }
}

/// Whether dead rows of this policy are deleted once past the resurrection window.
pub fn deactivates_dead(policy: &PolicyConfig) -> bool {
    policy.heartbeat_cull_strategy == HeartbeatCullStrategy::DeactivateDead
        && policy.heartbeat_resurrection_strategy != HeartbeatResurrectionStrategy::AlwaysRevive
}

/// The death event is due unless one was sent after the last heartbeat.
fn death_event_due(last_heartbeat_at: Option<Millis>, last_death_event_at: Option<Millis>) -> bool {
    last_death_event_at.is_none_or(|d| d <= last_heartbeat_at.unwrap_or(0))
}

/// The cull's decision for a machine at `now` (`None`: not dead).
pub fn cull_machine(
    policy: &PolicyConfig,
    created_at: Millis,
    last_heartbeat_at: Option<Millis>,
    last_death_event_at: Option<Millis>,
    now: Millis,
) -> Option<CullDecision> {
    if machine_status_for(policy, created_at, last_heartbeat_at, now) != HeartbeatStatus::Dead {
        return None;
    }
    let delete = deactivates_dead(policy) && !can_resurrect(policy, created_at, last_heartbeat_at, now);
    Some(CullDecision { event: death_event_due(last_heartbeat_at, last_death_event_at), delete })
}

/// The cull's decision for a process at `now` (`None`: not dead).
pub fn cull_process(policy: &PolicyConfig, last_heartbeat_at: Millis, last_death_event_at: Option<Millis>, now: Millis) -> Option<CullDecision> {
    if process_status(last_heartbeat_at, policy.heartbeat_duration_secs(), now) != ProcessStatus::Dead {
        return None;
    }
    let delete = deactivates_dead(policy) && !can_resurrect_process(policy, last_heartbeat_at, now);
    Some(CullDecision { event: death_event_due(Some(last_heartbeat_at), last_death_event_at), delete })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const T0: Millis = 1_700_000_000_000;

    #[test]
    fn never_pinged_without_requirement_is_not_started_forever() {
        assert_eq!(machine_status(T0, None, false, 600, T0 + 1000 * MIN), HeartbeatStatus::NotStarted);
    }

    #[test]
    fn required_first_heartbeat_is_not_started_until_duration_passes() {
        assert_eq!(machine_status(T0, None, true, 600, T0 + 10 * MIN), HeartbeatStatus::NotStarted);
        assert_eq!(machine_status(T0, None, true, 600, T0 + 10 * MIN + 1), HeartbeatStatus::Dead);
    }

    #[test]
    fn alive_through_next_heartbeat_inclusive_then_dead() {
        let last = Some(T0);
        assert_eq!(machine_status(T0, last, false, 600, T0 + 10 * MIN), HeartbeatStatus::Alive);
        assert_eq!(machine_status(T0, last, false, 600, T0 + 10 * MIN + 1), HeartbeatStatus::Dead);
        assert_eq!(machine_status(T0, last, true, 60, T0 + MIN + 1), HeartbeatStatus::Dead);
    }

    #[test]
    fn status_strings_match_keygen() {
        assert_eq!(HeartbeatStatus::NotStarted.as_str(), "NOT_STARTED");
        assert_eq!(serde_json::to_string(&HeartbeatStatus::Resurrected).unwrap(), "\"RESURRECTED\"");
        assert_eq!(ProcessStatus::Dead.as_str(), "DEAD");
    }

    #[test]
    fn no_revive_never_resurrects() {
        let p = PolicyConfig::default();
        assert!(!can_resurrect(&p, T0, Some(T0), T0 + 10 * MIN + 1));
    }

    #[test]
    fn window_revive_ends_at_lazarus_ttl_inclusive() {
        let p = PolicyConfig { heartbeat_resurrection_strategy: HeartbeatResurrectionStrategy::Revive5Minutes, ..PolicyConfig::default() };
        assert!(!can_resurrect(&p, T0, Some(T0), T0 + 10 * MIN), "alive machines are pinged, not resurrected");
        assert!(can_resurrect(&p, T0, Some(T0), T0 + 15 * MIN));
        assert!(!can_resurrect(&p, T0, Some(T0), T0 + 15 * MIN + 1));
    }

    #[test]
    fn never_pinged_machine_window_starts_when_first_heartbeat_was_due() {
        let p =
            PolicyConfig { require_heartbeat: true, heartbeat_resurrection_strategy: HeartbeatResurrectionStrategy::Revive1Minute, ..PolicyConfig::default() };
        assert!(can_resurrect(&p, T0, None, T0 + 11 * MIN));
        assert!(!can_resurrect(&p, T0, None, T0 + 11 * MIN + 1));
    }

    #[test]
    fn always_revive_resurrects_any_time() {
        let p = PolicyConfig {
            heartbeat_resurrection_strategy: HeartbeatResurrectionStrategy::AlwaysRevive,
            heartbeat_cull_strategy: HeartbeatCullStrategy::KeepDead,
            ..PolicyConfig::default()
        };
        assert!(can_resurrect(&p, T0, Some(T0), T0 + 100_000 * MIN));
    }

    #[test]
    fn process_alive_until_interval_inclusive() {
        assert_eq!(process_status(T0, 600, T0 + 10 * MIN), ProcessStatus::Alive);
        assert_eq!(process_status(T0, 600, T0 + 10 * MIN + 1), ProcessStatus::Dead);
        let p = PolicyConfig { heartbeat_resurrection_strategy: HeartbeatResurrectionStrategy::Revive2Minutes, ..PolicyConfig::default() };
        assert!(can_resurrect_process(&p, T0, T0 + 12 * MIN));
        assert!(!can_resurrect_process(&p, T0, T0 + 12 * MIN + 1));
        assert!(!can_resurrect_process(&p, T0, T0 + 5 * MIN));
    }
}
