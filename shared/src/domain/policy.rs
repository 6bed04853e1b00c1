//! A policy's configuration: every Keygen policy attribute except `name`, `metadata` and the
//! `product` relationship (`reference/keygen-wire.md` §3), plus Cryptlex-derived extensions
//! (`expiringSoonEventOffset`, `subscriptionInterval` / `subscriptionStartTrigger`; the former
//! `maintenanceDuration` became maintenance policies, issue 10 §5).
//!
//! [`PolicyConfig`] is stored as one JSON column. Every field has a serde default, so a key that a
//! stored document lacks reads as Keygen's default and new attributes need no migration.
//! [`PolicyConfig::apply`] is the only way client attributes get in: it type-checks, range-checks
//! and cross-checks them the way Keygen's params and model validations do.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::duration::IsoDuration;
use super::strategy::{
    AuthenticationStrategy, CheckInInterval, ComponentUniquenessStrategy, ExpirationBasis, ExpirationStrategy, HeartbeatBasis, HeartbeatCullStrategy,
    HeartbeatResurrectionStrategy, MachineLeasingStrategy, MachineUniquenessStrategy, MatchingStrategy, OverageStrategy, ProcessLeasingStrategy, RenewalBasis,
    Scheme, TransferStrategy,
};
use crate::clock::Millis;
use crate::error::{AttrFault, Code, Error};

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
    pub activation_rules: super::activation_rules::ActivationRules,
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
            activation_rules: super::activation_rules::ActivationRules::default(),
            subscription_interval: None,
        }
    }
}

/// The JSON type an attribute takes.
#[derive(Clone, Copy)]
enum Kind {
    Integer { nullable: bool },
    Boolean,
    String { nullable: bool },
}

fn kind_of(key: &str) -> Option<Kind> {
    Some(match key {
        "duration"
        | "maxMachines"
        | "maxProcesses"
        | "maxUsers"
        | "maxCores"
        | "maxMemory"
        | "maxDisk"
        | "maxUses"
        | "heartbeatDuration"
        | "checkInIntervalCount" => Kind::Integer { nullable: true },
        "expiringSoonEventOffset" => Kind::Integer { nullable: false },
        "strict"
        | "floating"
        | "usePool"
        | "protected"
        | "encrypted"
        | "requireHeartbeat"
        | "requireProductScope"
        | "requirePolicyScope"
        | "requireMachineScope"
        | "requireFingerprintScope"
        | "requireComponentsScope"
        | "requireUserScope"
        | "requireChecksumScope"
        | "requireVersionScope"
        | "requireCheckIn"
        | "requirePrimaryReads"
        | "requireEnvironmentScope" => Kind::Boolean,
        "scheme" | "checkInInterval" => Kind::String { nullable: true },
        "subscriptionInterval" => Kind::String { nullable: true },
        k if ATTRIBUTES.contains(&k) => Kind::String { nullable: false },
        _ => return None,
    })
}

/// Keygen's (typed_params') name for a JSON value's type.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn pointer(key: &str) -> String {
    format!("/data/attributes/{key}")
}

/// 400 `PARAMETER_INVALID` for a value of the wrong JSON type.
fn type_mismatch(key: &str, v: &Value, expected: &str) -> Error {
    Error::new(Code::ParameterInvalid, format!("type mismatch (received {} expected {expected})", json_type(v))).pointer(pointer(key))
}

fn check_type(key: &str, kind: Kind, v: &Value) -> Result<(), Error> {
    let ok = match (kind, v) {
        (Kind::Integer { nullable: true } | Kind::String { nullable: true }, Value::Null) => true,
        (Kind::Integer { .. }, Value::Number(n)) => !n.is_f64(),
        (Kind::Boolean, Value::Bool(_)) => true,
        (Kind::String { .. }, Value::String(_)) => true,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let expected = match kind {
        Kind::Integer { .. } => "integer",
        Kind::Boolean => "boolean",
        Kind::String { .. } => "string",
    };
    Err(type_mismatch(key, v, expected))
}

/// An integer attribute (type already checked). Values beyond i64 are out of every range.
fn int(key: &str, v: &Value) -> Result<Option<i64>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            n.as_i64().map(Some).ok_or_else(|| Error::attribute(key, AttrFault::Invalid, format!("must be less than or equal to {}", i64::MAX)))
        }
        _ => Err(type_mismatch(key, v, "integer")),
    }
}

/// "machineUniquenessStrategy" → "machine uniqueness strategy".
fn words(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// An enumerated attribute (type already checked); an unknown value is 422 `<ATTR>_NOT_ALLOWED`.
fn enumerated<T: FromStr>(key: &str, v: &Value) -> Result<Option<T>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => s.parse().map(Some).map_err(|_| {
            let detail = match key {
                "scheme" => "unsupported encryption scheme".to_owned(),
                "checkInInterval" => "must be one of: day, week, month, year".to_owned(),
                _ => format!("unsupported {}", words(key)),
            };
            Error::attribute(key, AttrFault::NotAllowed, detail)
        }),
        _ => Err(type_mismatch(key, v, "string")),
    }
}

/// A non-nullable enumerated attribute.
fn strategy<T: FromStr + Default>(key: &str, v: &Value) -> Result<T, Error> {
    Ok(enumerated(key, v)?.unwrap_or_default())
}

fn invalid(key: &str, detail: impl Into<String>) -> Error {
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
    /// Applies client attributes (camelCase keys of `data.attributes`), all or nothing.
    ///
    /// Consumes every key of [`ATTRIBUTES`] from `attrs` and leaves the rest (`name`, `metadata`,
    /// anything unknown) for the caller, which must reject what it does not handle with
    /// `PARAMETER_UNPERMITTED`. On create (`creating`) it then fills Keygen's `before_create`
    /// defaults: `maxMachines = 1` for node-locked policies left without one, `heartbeatBasis`
    /// from `requireHeartbeat`, and `scheme = LEGACY_ENCRYPT` for `encrypted` policies.
    ///
    /// # Errors
    /// Checked in Keygen's order, params before model:
    /// - 400 `PARAMETER_UNPERMITTED` for `scheme`, `encrypted` or `usePool` on update;
    /// - 400 `PARAMETER_INVALID` for a wrong JSON type (`type mismatch (received string expected
    ///   integer)`), including `null` for a non-nullable attribute and floats for integers;
    /// - 422 `<ATTR>_NOT_ALLOWED` for a value outside an enumeration;
    /// - 422 `<ATTR>_INVALID` for a range or cross-attribute violation of the resulting policy.
    ///
    /// Every error points at `/data/attributes/<attr>`. On error `self` is unchanged.
    pub fn apply(&mut self, attrs: &mut Map<String, Value>, creating: bool) -> Result<(), Error> {
        let taken: Vec<(String, Value)> = ATTRIBUTES.iter().filter_map(|k| attrs.remove_entry(*k)).collect();
        for (key, value) in &taken {
            if !creating && CREATE_ONLY.contains(&key.as_str()) {
                return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer(pointer(key)));
            }
            if let Some(kind) = kind_of(key) {
                check_type(key, kind, value)?;
            }
        }
        let mut next = self.clone();
        for (key, value) in &taken {
            next.set(key, value)?;
        }
        // Activation rules (issue 10 §4): `null` puts a rule back to its default.
        let (rules, nulls) = super::activation_rules::take(attrs)?;
        next.activation_rules = super::activation_rules::apply_to_policy(&next.activation_rules, &rules, &nulls);
        check_start_trigger(&taken, next.expiration_basis)?;
        if creating {
            if !next.floating && next.max_machines.is_none() {
                next.max_machines = Some(1);
            }
            if next.heartbeat_basis.is_none() {
                next.heartbeat_basis = Some(next.heartbeat_basis());
            }
            if next.encrypted && next.scheme.is_none() {
                next.scheme = Some(Scheme::LegacyEncrypt);
            }
        }
        next.check()?;
        *self = next;
        Ok(())
    }

    /// Sets one attribute whose JSON type has been checked.
    fn set(&mut self, key: &str, v: &Value) -> Result<(), Error> {
        let flag = v.as_bool().unwrap_or(false);
        match key {
            "duration" => self.duration = int(key, v)?,
            "strict" => self.strict = flag,
            "floating" => self.floating = flag,
            "usePool" => self.use_pool = flag,
            "protected" => self.protected = flag,
            "encrypted" => self.encrypted = flag,
            "scheme" => self.scheme = enumerated(key, v)?,
            "maxMachines" => self.max_machines = int(key, v)?,
            "maxProcesses" => self.max_processes = int(key, v)?,
            "maxUsers" => self.max_users = int(key, v)?,
            "maxCores" => self.max_cores = int(key, v)?,
            "maxMemory" => self.max_memory = int(key, v)?,
            "maxDisk" => self.max_disk = int(key, v)?,
            "maxUses" => self.max_uses = int(key, v)?,
            "machineUniquenessStrategy" => self.machine_uniqueness_strategy = strategy(key, v)?,
            "machineMatchingStrategy" => self.machine_matching_strategy = strategy(key, v)?,
            "componentUniquenessStrategy" => self.component_uniqueness_strategy = strategy(key, v)?,
            "componentMatchingStrategy" => self.component_matching_strategy = strategy(key, v)?,
            "expirationStrategy" => self.expiration_strategy = strategy(key, v)?,
            "expirationBasis" => self.expiration_basis = strategy(key, v)?,
            "renewalBasis" => self.renewal_basis = strategy(key, v)?,
            "transferStrategy" => self.transfer_strategy = strategy(key, v)?,
            "authenticationStrategy" => self.authentication_strategy = strategy(key, v)?,
            "machineLeasingStrategy" => self.machine_leasing_strategy = strategy(key, v)?,
            "processLeasingStrategy" => self.process_leasing_strategy = strategy(key, v)?,
            "overageStrategy" => self.overage_strategy = strategy(key, v)?,
            "heartbeatCullStrategy" => self.heartbeat_cull_strategy = strategy(key, v)?,
            "heartbeatResurrectionStrategy" => self.heartbeat_resurrection_strategy = strategy(key, v)?,
            "heartbeatBasis" => self.heartbeat_basis = enumerated(key, v)?,
            "heartbeatDuration" => self.heartbeat_duration = int(key, v)?,
            "requireHeartbeat" => self.require_heartbeat = flag,
            "requireProductScope" => self.require_product_scope = flag,
            "requirePolicyScope" => self.require_policy_scope = flag,
            "requireMachineScope" => self.require_machine_scope = flag,
            "requireFingerprintScope" => self.require_fingerprint_scope = flag,
            "requireComponentsScope" => self.require_components_scope = flag,
            "requireUserScope" => self.require_user_scope = flag,
            "requireChecksumScope" => self.require_checksum_scope = flag,
            "requireVersionScope" => self.require_version_scope = flag,
            "requireCheckIn" => self.require_check_in = flag,
            "requirePrimaryReads" => self.require_primary_reads = flag,
            "requireEnvironmentScope" => self.require_environment_scope = flag,
            "checkInInterval" => self.check_in_interval = enumerated(key, v)?,
            "checkInIntervalCount" => self.check_in_interval_count = int(key, v)?,
            "expiringSoonEventOffset" => self.expiring_soon_event_offset = int(key, v)?.unwrap_or(DEFAULT_EXPIRING_SOON_OFFSET_SECS),
            "subscriptionInterval" => self.subscription_interval = subscription_interval(key, v)?,
            "subscriptionStartTrigger" => self.expiration_basis = start_trigger(key, v)?.basis(),
            _ => {}
        }
        Ok(())
    }

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

pub use super::states::StartTrigger;

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

/// `subscriptionInterval` (type already checked): an ISO-8601 duration or null.
pub fn subscription_interval(key: &str, v: &Value) -> Result<Option<IsoDuration>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => s.parse().map(Some).map_err(|e: crate::domain::duration::InvalidDuration| invalid(key, e.0)),
        _ => Err(type_mismatch(key, v, "string")),
    }
}

/// `subscriptionStartTrigger` (type already checked).
pub fn start_trigger(key: &str, v: &Value) -> Result<StartTrigger, Error> {
    v.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| Error::attribute(key, AttrFault::NotAllowed, "must be one of: creation, activation"))
}

/// `expirationBasis` and `subscriptionStartTrigger` in one request must agree.
fn check_start_trigger(taken: &[(String, Value)], basis: ExpirationBasis) -> Result<(), Error> {
    let given = |k: &str| taken.iter().any(|(key, _)| key == k);
    if given("expirationBasis") && given("subscriptionStartTrigger") {
        let from_basis = taken.iter().find(|(k, _)| k == "expirationBasis").and_then(|(_, v)| v.as_str()).and_then(|s| s.parse::<ExpirationBasis>().ok());
        if from_basis != Some(basis) {
            return Err(invalid("subscriptionStartTrigger", "contradicts expirationBasis (send one of them)"));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
