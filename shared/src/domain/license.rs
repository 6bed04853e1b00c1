//! License rules, each written once: the computed `status`, the effective limits (the
//! license's override, else the policy's), the overage ceiling a guarded insert enforces, and
//! how a maintenance window moves. `store/sql/licenses.rs` repeats `status` as SQL for the `status`
//! filter; `shared/tests/it/parity.rs` holds the two together.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::{Millis, DAY_MS};
use crate::domain::duration::IsoDuration;
use crate::domain::policy::PolicyConfig;

/// A license is `EXPIRING` when its expiry falls within this window from now.
pub const EXPIRING_WITHIN_MS: Millis = 3 * DAY_MS;
/// A license is `INACTIVE` when nothing (creation, validation, check-in, check-out) happened
/// within this window before now.
pub const INACTIVE_AFTER_MS: Millis = 90 * DAY_MS;

/// Keygen's computed license `status`, in precedence order (the first that holds wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseStatus {
    /// The owner is banned.
    Banned,
    /// The license is suspended.
    Suspended,
    /// The expiry has passed.
    Expired,
    /// The expiry falls within [`EXPIRING_WITHIN_MS`].
    Expiring,
    /// No activity within [`INACTIVE_AFTER_MS`].
    Inactive,
    /// None of the above.
    Active,
}

impl LicenseStatus {
    /// Every status, in precedence order.
    pub const ALL: [Self; 6] = [Self::Banned, Self::Suspended, Self::Expired, Self::Expiring, Self::Inactive, Self::Active];

    /// The wire (and SQL) spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Banned => "BANNED",
            Self::Suspended => "SUSPENDED",
            Self::Expired => "EXPIRED",
            Self::Expiring => "EXPIRING",
            Self::Inactive => "INACTIVE",
            Self::Active => "ACTIVE",
        }
    }
}

impl fmt::Display for LicenseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`LicenseStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus;

impl FromStr for LicenseStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(UnknownStatus)
    }
}

/// What `status` depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusFacts {
    /// The owner's `banned_at` is set.
    pub owner_banned: bool,
    /// The license is suspended.
    pub suspended: bool,
    /// The license's expiry, if any.
    pub expiry: Option<Millis>,
    /// Creation time.
    pub created_at: Millis,
    /// Last validation, check-in and check-out.
    pub last_validated_at: Option<Millis>,
    /// Last check-in.
    pub last_check_in_at: Option<Millis>,
    /// Last check-out.
    pub last_check_out_at: Option<Millis>,
}

impl StatusFacts {
    /// The latest activity: creation, validation, check-in or check-out.
    pub fn last_activity(&self) -> Millis {
        [self.last_validated_at, self.last_check_in_at, self.last_check_out_at].into_iter().flatten().fold(self.created_at, Millis::max)
    }
}

/// Keygen's license `status` at `now`: BANNED > SUSPENDED > EXPIRED > EXPIRING > INACTIVE > ACTIVE.
pub fn status(f: &StatusFacts, now: Millis) -> LicenseStatus {
    if f.owner_banned {
        LicenseStatus::Banned
    } else if f.suspended {
        LicenseStatus::Suspended
    } else if f.expiry.is_some_and(|e| e < now) {
        LicenseStatus::Expired
    } else if f.expiry.is_some_and(|e| e < now.saturating_add(EXPIRING_WITHIN_MS)) {
        LicenseStatus::Expiring
    } else if f.last_activity() < now.saturating_sub(INACTIVE_AFTER_MS) {
        LicenseStatus::Inactive
    } else {
        LicenseStatus::Active
    }
}

/// An effective limit: the license's override, else the policy's.
pub fn effective(license: Option<i64>, policy: Option<i64>) -> Option<i64> {
    license.or(policy)
}

/// The effective `maxMachines`: the license's override, else the policy's, else 1 for a
/// node-locked (non-floating) policy and none for a floating one.
pub fn effective_max_machines(license: Option<i64>, cfg: &PolicyConfig) -> Option<i64> {
    effective(license, cfg.max_machines).or(if cfg.node_locked() { Some(1) } else { None })
}

/// The most that may be counted against `limit` under the policy's overage strategy (`None`:
/// unlimited, either no limit or `ALWAYS_ALLOW_OVERAGE`). Guarded inserts compare against this.
pub fn overage_ceiling(cfg: &PolicyConfig, limit: Option<i64>, node_locked: bool) -> Option<i64> {
    let limit = limit?;
    if cfg.overage_allows(i64::MAX, limit, node_locked) {
        return None;
    }
    let candidates = [limit.saturating_mul(2), limit.saturating_mul(3) / 2, limit.saturating_mul(5) / 4];
    Some(candidates.into_iter().filter(|&n| n > limit && cfg.overage_allows(n, limit, node_locked)).max().unwrap_or(limit))
}

/// Whether counting `total` against `limit` exceeds the overage ceiling.
pub fn over_ceiling(cfg: &PolicyConfig, limit: Option<i64>, node_locked: bool, total: i64) -> bool {
    overage_ceiling(cfg, limit, node_locked).is_some_and(|c| total > c)
}

/// The end of a maintenance window moved by `by` (a renewal's interval or an extension) at
/// `now`: added to the later of now and the current end, in the calendar (`None` out of range).
pub fn maintenance_expiry_after(by: &IsoDuration, current: Option<Millis>, now: Millis) -> Option<Millis> {
    by.add_to(current.unwrap_or(now).max(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::strategy::OverageStrategy;

    const NOW: Millis = 1_000 * DAY_MS;

    fn facts() -> StatusFacts {
        StatusFacts { created_at: NOW, ..StatusFacts::default() }
    }

    #[test]
    fn status_precedence_and_boundaries() {
        let f = StatusFacts { owner_banned: true, suspended: true, expiry: Some(NOW - 1), ..facts() };
        assert_eq!(status(&f, NOW), LicenseStatus::Banned);
        assert_eq!(status(&StatusFacts { owner_banned: false, ..f }, NOW), LicenseStatus::Suspended);
        let e = |expiry| status(&StatusFacts { expiry: Some(expiry), ..facts() }, NOW);
        assert_eq!(e(NOW - 1), LicenseStatus::Expired);
        assert_eq!(e(NOW), LicenseStatus::Expiring);
        assert_eq!(e(NOW + EXPIRING_WITHIN_MS - 1), LicenseStatus::Expiring);
        assert_eq!(e(NOW + EXPIRING_WITHIN_MS), LicenseStatus::Active);
        let idle = |created| status(&StatusFacts { created_at: created, ..facts() }, NOW);
        assert_eq!(idle(NOW - INACTIVE_AFTER_MS - 1), LicenseStatus::Inactive);
        assert_eq!(idle(NOW - INACTIVE_AFTER_MS), LicenseStatus::Active);
        let revived = StatusFacts { created_at: 0, last_check_out_at: Some(NOW), ..facts() };
        assert_eq!(status(&revived, NOW), LicenseStatus::Active);
    }

    #[test]
    fn status_round_trips_and_rejects_unknown() {
        for s in LicenseStatus::ALL {
            assert_eq!(s.as_str().parse::<LicenseStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::from(s.as_str())));
        }
        assert_eq!("active".parse::<LicenseStatus>(), Err(UnknownStatus));
        assert!(serde_json::from_str::<LicenseStatus>("\"NOPE\"").is_err());
    }

    #[test]
    fn max_machines_defaults_to_one_only_when_node_locked() {
        let locked = PolicyConfig::default();
        let floating = PolicyConfig { floating: true, ..PolicyConfig::default() };
        assert_eq!(effective_max_machines(None, &locked), Some(1));
        assert_eq!(effective_max_machines(None, &floating), None);
        assert_eq!(effective_max_machines(Some(4), &floating), Some(4));
        let with_policy = PolicyConfig { max_machines: Some(3), ..floating };
        assert_eq!(effective_max_machines(None, &with_policy), Some(3));
    }

    #[test]
    fn overage_ceiling_follows_strategy() {
        let cfg = |o| PolicyConfig { floating: true, overage_strategy: o, ..PolicyConfig::default() };
        assert_eq!(overage_ceiling(&cfg(OverageStrategy::NoOverage), Some(4), false), Some(4));
        assert_eq!(overage_ceiling(&cfg(OverageStrategy::Allow2xOverage), Some(4), false), Some(8));
        assert_eq!(overage_ceiling(&cfg(OverageStrategy::AlwaysAllowOverage), Some(4), false), None);
        assert_eq!(overage_ceiling(&cfg(OverageStrategy::NoOverage), None, false), None);
        assert!(over_ceiling(&cfg(OverageStrategy::NoOverage), Some(4), false, 5));
        assert!(!over_ceiling(&cfg(OverageStrategy::NoOverage), Some(4), false, 4));
    }

    #[test]
    fn maintenance_moves_from_the_later_of_now_and_current() {
        let m: IsoDuration = "P1M".parse().unwrap_or_default();
        let jan31 = 1_738_281_600_000; // 2025-01-31T00:00:00Z
        let feb28 = 1_740_700_800_000;
        assert_eq!(maintenance_expiry_after(&m, None, jan31), Some(feb28));
        assert_eq!(maintenance_expiry_after(&m, Some(jan31 - DAY_MS), jan31), Some(feb28), "expired: from now");
        assert_eq!(maintenance_expiry_after(&m, Some(feb28), jan31), Some(1_743_120_000_000), "Feb 28 + P1M = Mar 28");
    }
}
