//! Keygen's model validations on a whole [`PolicyConfig`]: ranges, limits against
//! `floating`, check-ins, pools, overage divisibility and heartbeat strategies
//! ([`PolicyConfig::check`]).

use super::{PolicyConfig, INT4_MAX, MAX_SAFE_INT, MIN_DURATION_SECS, MIN_HEARTBEAT_DURATION_SECS};
use crate::domain::strategy::{HeartbeatCullStrategy, HeartbeatResurrectionStrategy, OverageStrategy};
use crate::error::{AttrFault, Error};

pub(super) fn invalid(key: &str, detail: impl Into<String>) -> Error {
    Error::attribute(key, AttrFault::Invalid, detail)
}

/// `Some(v)` must lie in `min..=max`; details are Rails' numericality messages.
fn in_range(key: &str, v: Option<i64>, min: i64, max: i64, min_detail: &str) -> Result<(), Error> {
    match v {
        Some(n) if n < min => Err(invalid(key, min_detail)),
        Some(n) if n > max => Err(invalid(key, format!("must be less than or equal to {max}"))),
        _ => Ok(()),
    }
}

impl PolicyConfig {
    /// Keygen's model validations on the whole policy, first failure wins.
    ///
    /// # Errors
    /// 422 `<ATTR>_INVALID` naming the offending attribute.
    pub fn check(&self) -> Result<(), Error> {
        in_range("duration", self.duration, MIN_DURATION_SECS, INT4_MAX, "must be greater than or equal to 86400 (1 day)")?;
        in_range("heartbeatDuration", self.heartbeat_duration, MIN_HEARTBEAT_DURATION_SECS, INT4_MAX, "must be greater than or equal to 60 (1 minute)")?;
        in_range("maxMachines", self.max_machines, 0, INT4_MAX, "must be greater than or equal to 0")?;
        match self.max_machines {
            Some(n) if self.floating && n < 1 => return Err(invalid("maxMachines", "must be greater than or equal to 1 for floating policy")),
            Some(n) if !self.floating && n != 1 => return Err(invalid("maxMachines", "must be equal to 1 for non-floating policy")),
            _ => {}
        }
        in_range("maxProcesses", self.max_processes, 1, INT4_MAX, "must be greater than 0")?;
        in_range("maxUsers", self.max_users, 1, INT4_MAX, "must be greater than 0")?;
        in_range("maxCores", self.max_cores, 1, INT4_MAX, "must be greater than or equal to 1")?;
        in_range("maxMemory", self.max_memory, 1, MAX_SAFE_INT, "must be greater than or equal to 1")?;
        in_range("maxDisk", self.max_disk, 1, MAX_SAFE_INT, "must be greater than or equal to 1")?;
        in_range("maxUses", self.max_uses, 0, INT4_MAX, "must be greater than or equal to 0")?;
        in_range("expiringSoonEventOffset", Some(self.expiring_soon_event_offset), 0, INT4_MAX, "must be greater than or equal to 0")?;
        if self.duration.is_some() && self.subscription_interval.is_some() {
            return Err(invalid("subscriptionInterval", "cannot be combined with duration (set duration to null to use a subscription interval)"));
        }
        if let Some(n) = self.check_in_interval_count {
            if !(1..=365).contains(&n) {
                return Err(invalid("checkInIntervalCount", "must be a number between 1 and 365 inclusive"));
            }
        }
        if self.require_check_in {
            if self.check_in_interval.is_none() {
                return Err(invalid("checkInInterval", "must be one of: day, week, month, year"));
            }
            if self.check_in_interval_count.is_none() {
                return Err(invalid("checkInIntervalCount", "must be a number between 1 and 365 inclusive"));
            }
        }
        if self.use_pool && self.encrypted {
            return Err(invalid("encrypted", "cannot be encrypted and use a pool"));
        }
        if self.use_pool && self.scheme.is_some() {
            return Err(invalid("scheme", "cannot use a scheme and use a pool"));
        }
        self.check_overage()?;
        if self.heartbeat_resurrection_strategy == HeartbeatResurrectionStrategy::AlwaysRevive
            && self.heartbeat_cull_strategy != HeartbeatCullStrategy::KeepDead
        {
            return Err(invalid(
                "heartbeatCullStrategy",
                "incompatible heartbeat cull strategy (must be KEEP_DEAD when resurrection strategy is ALWAYS_REVIVE)",
            ));
        }
        Ok(())
    }

    /// 1.25× needs limits divisible by 4 and 1.5× by 2, and neither suits a node-locked policy.
    fn check_overage(&self) -> Result<(), Error> {
        let (name, divisor) = match self.overage_strategy {
            OverageStrategy::Allow125xOverage => ("ALLOW_1_25X_OVERAGE", 4),
            OverageStrategy::Allow15xOverage => ("ALLOW_1_5X_OVERAGE", 2),
            _ => return Ok(()),
        };
        if !self.floating {
            return Err(invalid("overageStrategy", format!("incompatible overage strategy (cannot use {name} for node-locked policy)")));
        }
        let limits = [
            ("max machines", self.max_machines),
            ("max cores", self.max_cores),
            ("max memory", self.max_memory),
            ("max disk", self.max_disk),
            ("max processes", self.max_processes),
            ("max users", self.max_users),
        ];
        for (what, limit) in limits {
            if limit.is_some_and(|n| n % divisor != 0) {
                return Err(invalid(
                    "overageStrategy",
                    format!("incompatible overage strategy (cannot use {name} with a {what} value not divisible by {divisor})"),
                ));
            }
        }
        Ok(())
    }
}
