//! Client attributes into a [`PolicyConfig`]: [`PolicyConfig::apply`], the JSON type checks in
//! Keygen's (typed_params') wording, and the parsers for integer, enumerated and subscription
//! values.

use std::str::FromStr;

use serde_json::{Map, Value};

use super::rules::invalid;
use super::{PolicyConfig, StartTrigger, ATTRIBUTES, CREATE_ONLY, DEFAULT_EXPIRING_SOON_OFFSET_SECS};
use crate::domain::duration::IsoDuration;
use crate::domain::strategy::{ExpirationBasis, Scheme};
use crate::error::{AttrFault, Code, Error};

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
        let (rules, nulls) = crate::domain::activation_rules::take(attrs)?;
        next.activation_rules = crate::domain::activation_rules::apply_to_policy(&next.activation_rules, &rules, &nulls);
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
