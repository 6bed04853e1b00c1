//! The policy document itself: [`PolicyConfig`], its Keygen defaults, and what it derives for
//! licenses and machines (heartbeats, check-ins, overage, expiry, renewal, subscriptions).
//! Client attributes get in through [`PolicyConfig::apply`] (`attributes.rs`) and are checked by
//! [`PolicyConfig::check`] (`rules.rs`).

use serde::{Deserialize, Serialize};

use super::{StartTrigger, DEFAULT_EXPIRING_SOON_OFFSET_SECS, DEFAULT_HEARTBEAT_DURATION_SECS};
use crate::clock::Millis;
use crate::domain::duration::IsoDuration;
use crate::domain::strategy::{
    AuthenticationStrategy, CheckInInterval, ComponentUniquenessStrategy, ExpirationBasis, ExpirationStrategy, HeartbeatBasis, HeartbeatCullStrategy,
    HeartbeatResurrectionStrategy, MachineLeasingStrategy, MachineUniquenessStrategy, MatchingStrategy, OverageStrategy, ProcessLeasingStrategy, RenewalBasis,
    Scheme, TransferStrategy,
};
use crate::error::{Code, Error};

/// Everything a policy decides about its licenses. Field docs give the camelCase attribute and
/// Keygen's default; limits and durations are `None` when unlimited / unset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PolicyConfig {
    /// `duration` in seconds (86400..=2^31−1); `None` means licenses never expire.
    pub duration: Option<i64>,
    /// `strict`: run the machine/core/memory/disk/process checks in validation. Default false.
    pub strict: bool,
    /// `floating`: more than one machine per license. Default false (node-locked).
    pub floating: bool,
    /// `usePool`: keys are popped from the policy's pool. Create-only. Default false.
    pub use_pool: bool,
    /// `protected`: users may not self-manage. Keygen defaults it to `account.protected`; the
    /// caller sets that on the default config before `apply` when creating.
    pub protected: bool,
    /// `encrypted`: legacy; implies `scheme = LEGACY_ENCRYPT`. Create-only. Default false.
    pub encrypted: bool,
    /// `scheme`: key signing/encryption scheme; `None` for unsigned keys. Create-only.
    pub scheme: Option<Scheme>,
    /// `maxMachines`: ≥1 when floating, exactly 1 when node-locked (set to 1 on create).
    pub max_machines: Option<i64>,
    /// `maxProcesses` (>0).
    pub max_processes: Option<i64>,
    /// `maxUsers` (>0).
    pub max_users: Option<i64>,
    /// `maxCores` (≥1).
    pub max_cores: Option<i64>,
    /// `maxMemory` in bytes (≥1).
    pub max_memory: Option<i64>,
    /// `maxDisk` in bytes (≥1).
    pub max_disk: Option<i64>,
    /// `maxUses` (≥0).
    pub max_uses: Option<i64>,
    /// `machineUniquenessStrategy`, default `UNIQUE_PER_LICENSE`.
    pub machine_uniqueness_strategy: MachineUniquenessStrategy,
    /// `machineMatchingStrategy`, default `MATCH_ANY`.
    pub machine_matching_strategy: MatchingStrategy,
    /// `componentUniquenessStrategy`, default `UNIQUE_PER_MACHINE`.
    pub component_uniqueness_strategy: ComponentUniquenessStrategy,
    /// `componentMatchingStrategy`, default `MATCH_ANY`.
    pub component_matching_strategy: MatchingStrategy,
    /// `expirationStrategy`, default `RESTRICT_ACCESS`.
    pub expiration_strategy: ExpirationStrategy,
    /// `expirationBasis`, default `FROM_CREATION`.
    pub expiration_basis: ExpirationBasis,
    /// `renewalBasis`, default `FROM_EXPIRY`.
    pub renewal_basis: RenewalBasis,
    /// `transferStrategy`, default `KEEP_EXPIRY`.
    pub transfer_strategy: TransferStrategy,
    /// `authenticationStrategy`, default `TOKEN`.
    pub authentication_strategy: AuthenticationStrategy,
    /// `machineLeasingStrategy`, default `PER_LICENSE`.
    pub machine_leasing_strategy: MachineLeasingStrategy,
    /// `processLeasingStrategy`, default `PER_MACHINE`.
    pub process_leasing_strategy: ProcessLeasingStrategy,
    /// `overageStrategy`, default `NO_OVERAGE` (Keygen's default for API ≥ 1.2).
    pub overage_strategy: OverageStrategy,
    /// `heartbeatCullStrategy`, default `DEACTIVATE_DEAD`.
    pub heartbeat_cull_strategy: HeartbeatCullStrategy,
    /// `heartbeatResurrectionStrategy`, default `NO_REVIVE`.
    pub heartbeat_resurrection_strategy: HeartbeatResurrectionStrategy,
    /// `heartbeatBasis`. `apply` fills it on create; `None` (a stored document without it) reads
    /// as the create-time default, see [`PolicyConfig::heartbeat_basis`].
    pub heartbeat_basis: Option<HeartbeatBasis>,
    /// `heartbeatDuration` in seconds (≥60); `None` means 600.
    pub heartbeat_duration: Option<i64>,
    /// `requireHeartbeat`, default false.
    pub require_heartbeat: bool,
    /// `requireProductScope`.
    pub require_product_scope: bool,
    /// `requirePolicyScope`.
    pub require_policy_scope: bool,
    /// `requireMachineScope`.
    pub require_machine_scope: bool,
    /// `requireFingerprintScope`.
    pub require_fingerprint_scope: bool,
    /// `requireComponentsScope`.
    pub require_components_scope: bool,
    /// `requireUserScope`.
    pub require_user_scope: bool,
    /// `requireChecksumScope`.
    pub require_checksum_scope: bool,
    /// `requireVersionScope`.
    pub require_version_scope: bool,
    /// `requireCheckIn`, default false; requires `checkInInterval` and `checkInIntervalCount`.
    pub require_check_in: bool,
    /// `requirePrimaryReads` (a Latchkey extension, not in Keygen), default false: this
    /// policy's validations read the D1 primary, never a read replica (no replication lag, at
    /// the cost of a round trip to the primary's region).
    pub require_primary_reads: bool,
    /// `requireEnvironmentScope` (issue 8): Keygen's `require_environment_scope` column, which
    /// Keygen keeps DB-only; a Latchkey policy attribute here. Default false.
    pub require_environment_scope: bool,
    /// `checkInInterval`: `day`, `week`, `month` or `year`.
    pub check_in_interval: Option<CheckInInterval>,
    /// `checkInIntervalCount`: 1..=365.
    pub check_in_interval_count: Option<i64>,
    /// Extension (Cryptlex): how long before expiry `license.expiring-soon` fires, in seconds.
    pub expiring_soon_event_offset: i64,
    /// Extension (Cryptlex, issue 10 §4): activation rules, flattened into the attributes.
    #[serde(flatten)]
    pub activation_rules: crate::domain::activation_rules::ActivationRules,
    /// Extension (Cryptlex `subscriptionInterval`): the license period as an ISO-8601 duration
    /// in calendar units, instead of `duration`'s fixed seconds (a policy has at most one of
    /// the two). `subscriptionStartTrigger` is not stored: it is a view of `expirationBasis`.
    pub subscription_interval: Option<IsoDuration>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            duration: None,
            strict: false,
            floating: false,
            use_pool: false,
            protected: false,
            encrypted: false,
            scheme: None,
            max_machines: None,
            max_processes: None,
            max_users: None,
            max_cores: None,
            max_memory: None,
            max_disk: None,
            max_uses: None,
            machine_uniqueness_strategy: MachineUniquenessStrategy::default(),
            machine_matching_strategy: MatchingStrategy::default(),
            component_uniqueness_strategy: ComponentUniquenessStrategy::default(),
            component_matching_strategy: MatchingStrategy::default(),
            expiration_strategy: ExpirationStrategy::default(),
            expiration_basis: ExpirationBasis::default(),
            renewal_basis: RenewalBasis::default(),
            transfer_strategy: TransferStrategy::default(),
            authentication_strategy: AuthenticationStrategy::default(),
            machine_leasing_strategy: MachineLeasingStrategy::default(),
            process_leasing_strategy: ProcessLeasingStrategy::default(),
            overage_strategy: OverageStrategy::default(),
            heartbeat_cull_strategy: HeartbeatCullStrategy::default(),
            heartbeat_resurrection_strategy: HeartbeatResurrectionStrategy::default(),
            heartbeat_basis: None,
            heartbeat_duration: None,
            require_heartbeat: false,
            require_product_scope: false,
            require_policy_scope: false,
            require_machine_scope: false,
            require_fingerprint_scope: false,
            require_components_scope: false,
            require_user_scope: false,
            require_checksum_scope: false,
            require_version_scope: false,
            require_check_in: false,
            require_primary_reads: false,
            require_environment_scope: false,
            check_in_interval: None,
            check_in_interval_count: None,
            expiring_soon_event_offset: DEFAULT_EXPIRING_SOON_OFFSET_SECS,
            activation_rules: crate::domain::activation_rules::ActivationRules::default(),
            subscription_interval: None,
        }
    }
}

impl PolicyConfig {
    /// Node-locked: one machine per license.
    pub fn node_locked(&self) -> bool {
        !self.floating
    }

    /// `heartbeatBasis`, or its create-time default: `FROM_CREATION` when heartbeats are
    /// required, else `FROM_FIRST_PING`.
    pub fn heartbeat_basis(&self) -> HeartbeatBasis {
        self.heartbeat_basis.unwrap_or(if self.require_heartbeat { HeartbeatBasis::FromCreation } else { HeartbeatBasis::FromFirstPing })
    }

    /// Heartbeat duration in seconds: the policy's, else 600.
    pub fn heartbeat_duration_secs(&self) -> i64 {
        self.heartbeat_duration.unwrap_or(DEFAULT_HEARTBEAT_DURATION_SECS)
    }

    /// The resurrection window in seconds, `None` for `NO_REVIVE` and `ALWAYS_REVIVE`.
    pub fn lazarus_ttl_secs(&self) -> Option<i64> {
        self.heartbeat_resurrection_strategy.lazarus_ttl_secs()
    }

    /// The check-in interval in milliseconds when check-ins are required (`None` otherwise).
    /// Months and years use ActiveSupport's fixed lengths (see [`CheckInInterval::secs`]).
    pub fn check_in_interval_ms(&self) -> Option<Millis> {
        if !self.require_check_in {
            return None;
        }
        Some(self.check_in_interval?.secs() * self.check_in_interval_count? * 1000)
    }

    /// When the next check-in is due: `(last check-in, else creation) + interval`.
    pub fn next_check_in_at(&self, created_at: Millis, last_check_in_at: Option<Millis>) -> Option<Millis> {
        Some(last_check_in_at.unwrap_or(created_at) + self.check_in_interval_ms()?)
    }

    /// Whether `count`, above `limit`, is still within the overage allowance. Node-locked
    /// machine counts honour only `ALWAYS_ALLOW_OVERAGE` and `ALLOW_2X_OVERAGE`.
    pub fn overage_allows(&self, count: i64, limit: i64, node_locked: bool) -> bool {
        if node_locked && !matches!(self.overage_strategy, OverageStrategy::AlwaysAllowOverage | OverageStrategy::Allow2xOverage) {
            return false;
        }
        self.overage_strategy.allows(count, limit)
    }

    /// `duration` in milliseconds.
    pub fn duration_ms(&self) -> Option<Millis> {
        self.duration.map(|d| d * 1000)
    }

    /// THE expiry rule: the end of one license period starting at `basis` (creation, first
    /// activation, a renewal's base…): `subscriptionInterval` in the calendar when set, else
    /// `duration` seconds; `None` when the policy has neither (licenses never expire).
    pub fn expiry_from(&self, basis: Millis) -> Option<Millis> {
        match self.subscription_interval {
            Some(interval) => interval.add_to(basis),
            None => self.duration_ms().map(|d| basis.saturating_add(d)),
        }
    }

    /// This config under a license's subscription overrides (each `None` = the policy's): an
    /// interval replaces the policy's period (`duration` or interval), a trigger its
    /// `expirationBasis`. Values that do not parse are ignored (rows are checked on read).
    pub fn with_subscription(mut self, interval: Option<&str>, trigger: Option<&str>) -> Self {
        if let Some(i) = interval.and_then(|s| s.parse::<IsoDuration>().ok()) {
            (self.subscription_interval, self.duration) = (Some(i), None);
        }
        if let Some(t) = trigger.and_then(|s| s.parse::<StartTrigger>().ok()) {
            self.expiration_basis = t.basis();
        }
        self
    }

    /// `subscriptionStartTrigger`: `expirationBasis` seen as Cryptlex's trigger (`None` for the
    /// bases Cryptlex has no name for).
    pub fn subscription_start_trigger(&self) -> Option<StartTrigger> {
        StartTrigger::of(self.expiration_basis)
    }

    /// The new expiry after a renewal at `now`, per `renewalBasis`: `FROM_EXPIRY` adds the
    /// duration to the current expiry (to `now` if there is none), `FROM_NOW` to `now`, and
    /// `FROM_NOW_IF_EXPIRED` to `now` only when the license has expired.
    ///
    /// # Errors
    /// 422 `POLICY_DURATION_MISSING` when the policy has no duration.
    pub fn expiry_for_renewal(&self, now: Millis, expiry: Option<Millis>) -> Result<Millis, Error> {
        let missing = || Error::new(Code::PolicyDurationMissing, "cannot be renewed because the policy does not have a duration or subscriptionInterval");
        let base = match (self.renewal_basis, expiry) {
            (RenewalBasis::FromNow, _) | (_, None) => now,
            (RenewalBasis::FromExpiry, Some(e)) => e,
            (RenewalBasis::FromNowIfExpired, Some(e)) => {
                if e < now {
                    now
                } else {
                    e
                }
            }
        };
        self.expiry_from(base).ok_or_else(missing)
    }
}

impl StartTrigger {
    /// The `expirationBasis` it stands for.
    pub const fn basis(self) -> ExpirationBasis {
        match self {
            Self::Creation => ExpirationBasis::FromCreation,
            Self::Activation => ExpirationBasis::FromFirstActivation,
        }
    }
    /// The trigger an `expirationBasis` is, if any.
    pub const fn of(basis: ExpirationBasis) -> Option<Self> {
        match basis {
            ExpirationBasis::FromCreation => Some(Self::Creation),
            ExpirationBasis::FromFirstActivation => Some(Self::Activation),
            _ => None,
        }
    }
}
