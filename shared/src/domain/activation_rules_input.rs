//! Activation rules' input (issue 10 §4): the rule attributes taken from a policy or license
//! document (validated, canonicalised), how an update merges them, and the client-clock header.

use serde_json::{Map, Value};

use super::activation_rules::{effective, parse_cidr, parse_country, ActivationRules, Overrides, ATTRIBUTES, MAX_LIST, MAX_RULE_INT};
use crate::clock::Millis;
use crate::error::{Code, Error};

fn ptr(key: &str) -> String {
    format!("/data/attributes/{key}")
}

fn list(key: &str, v: Value, each: fn(&str) -> Result<String, &'static str>) -> Result<Vec<String>, Error> {
    let Value::Array(items) = v else { return Err(Error::new(Code::ParameterInvalid, "must be an array of strings").pointer(ptr(key))) };
    if items.len() > MAX_LIST {
        return Err(Error::new(Code::ParameterInvalid, format!("must have at most {MAX_LIST} items")).pointer(ptr(key)));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{}/{i}", ptr(key));
        let Value::String(s) = item else { return Err(Error::new(Code::ParameterInvalid, "must be a string").pointer(at)) };
        let canonical = each(s.trim()).map_err(|why| Error::new(Code::ParameterInvalid, why).pointer(at))?;
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    Ok(out)
}

fn cidr_text(s: &str) -> Result<String, &'static str> {
    parse_cidr(s).map(|c| c.to_string())
}

fn rule_int(key: &str, v: &Value) -> Result<i64, Error> {
    match v.as_i64() {
        Some(n) if (-1..=MAX_RULE_INT).contains(&n) && !v.is_f64() => Ok(n),
        _ => Err(Error::new(Code::ParameterInvalid, format!("must be an integer between -1 (unlimited) and {MAX_RULE_INT}")).pointer(ptr(key))),
    }
}

fn rule_bool(key: &str, v: &Value) -> Result<bool, Error> {
    v.as_bool().ok_or_else(|| Error::new(Code::ParameterInvalid, "must be a boolean").pointer(ptr(key)))
}

/// Takes the rule attributes out of `attrs`: the values sent, and the keys sent as `null`
/// (back to the default: the policy's for a license, Latchkey's for a policy). Values are
/// validated and lists canonicalised (CIDR network form, upper-case countries, duplicates
/// dropped).
///
/// # Errors
/// 400 `PARAMETER_INVALID` pointing at the attribute or the list item.
pub fn take(attrs: &mut Map<String, Value>) -> Result<(Overrides, Vec<&'static str>), Error> {
    take_with(|k| attrs.remove(k))
}

/// [`take`] over any source of members (`remove` yields and consumes one).
///
/// # Errors
/// As [`take`].
pub fn take_with(mut remove: impl FnMut(&str) -> Option<Value>) -> Result<(Overrides, Vec<&'static str>), Error> {
    let mut o = Overrides::default();
    let mut nulls = Vec::new();
    for key in ATTRIBUTES {
        let Some(v) = remove(key) else { continue };
        if v.is_null() {
            nulls.push(*key);
            continue;
        }
        match *key {
            "allowedIpRanges" => o.allowed_ip_ranges = Some(list(key, v, cidr_text)?),
            "allowedCountries" => o.allowed_countries = Some(list(key, v, parse_country)?),
            "disallowedCountries" => o.disallowed_countries = Some(list(key, v, parse_country)?),
            "allowVmActivation" => o.allow_vm_activation = Some(rule_bool(key, &v)?),
            "allowContainerActivation" => o.allow_container_activation = Some(rule_bool(key, &v)?),
            "allowedClockOffset" => o.allowed_clock_offset = Some(rule_int(key, &v)?),
            "leaseDuration" => o.lease_duration = Some(super::lease::parse_policy_lease(key, &v)?),
            "allowClientLeaseDuration" => o.allow_client_lease_duration = Some(rule_bool(key, &v)?),
            _ => o.allowed_deactivations = Some(rule_int(key, &v)?),
        }
    }
    Ok((o, nulls))
}

/// A policy's rules after an update: the values sent over the current ones, `nulls` back to
/// the defaults.
pub fn apply_to_policy(current: &ActivationRules, sent: &Overrides, nulls: &[&str]) -> ActivationRules {
    let mut base = current.clone();
    let d = ActivationRules::default();
    for key in nulls {
        match *key {
            "allowedIpRanges" => base.allowed_ip_ranges = d.allowed_ip_ranges.clone(),
            "allowedCountries" => base.allowed_countries = d.allowed_countries.clone(),
            "disallowedCountries" => base.disallowed_countries = d.disallowed_countries.clone(),
            "allowVmActivation" => base.allow_vm_activation = d.allow_vm_activation,
            "allowContainerActivation" => base.allow_container_activation = d.allow_container_activation,
            "allowedClockOffset" => base.allowed_clock_offset = d.allowed_clock_offset,
            "leaseDuration" => base.lease_duration = d.lease_duration,
            "allowClientLeaseDuration" => base.allow_client_lease_duration = d.allow_client_lease_duration,
            _ => base.allowed_deactivations = d.allowed_deactivations,
        }
    }
    effective(&base, sent)
}

/// A license's overrides after an update: the stored ones, the values sent over them, `nulls`
/// removed (back to the policy's).
pub fn apply_to_license(current: &Overrides, sent: &Overrides, nulls: &[&str]) -> Overrides {
    fn pick<T>(nulls: &[&str], key: &str, sent: Option<T>, current: Option<T>) -> Option<T> {
        if nulls.contains(&key) {
            None
        } else {
            sent.or(current)
        }
    }
    let flag = |key: &str, s: Option<bool>, c: Option<bool>| pick(nulls, key, s, c);
    let pick_list = |key: &str, s: &Option<Vec<String>>, c: &Option<Vec<String>>| pick(nulls, key, s.clone(), c.clone());
    Overrides {
        allowed_ip_ranges: pick_list("allowedIpRanges", &sent.allowed_ip_ranges, &current.allowed_ip_ranges),
        allowed_countries: pick_list("allowedCountries", &sent.allowed_countries, &current.allowed_countries),
        disallowed_countries: pick_list("disallowedCountries", &sent.disallowed_countries, &current.disallowed_countries),
        allow_vm_activation: flag("allowVmActivation", sent.allow_vm_activation, current.allow_vm_activation),
        allow_container_activation: flag("allowContainerActivation", sent.allow_container_activation, current.allow_container_activation),
        allowed_clock_offset: pick(nulls, "allowedClockOffset", sent.allowed_clock_offset, current.allowed_clock_offset),
        allowed_deactivations: pick(nulls, "allowedDeactivations", sent.allowed_deactivations, current.allowed_deactivations),
        lease_duration: pick(nulls, "leaseDuration", sent.lease_duration, current.lease_duration),
        allow_client_lease_duration: flag("allowClientLeaseDuration", sent.allow_client_lease_duration, current.allow_client_lease_duration),
    }
}

/// Parses the `Latchkey-Client-Clock` header (the client's clock, ISO-8601).
///
/// # Errors
/// 400 `PARAMETER_INVALID` with the header as its source.
pub fn parse_clock(header: Option<&str>) -> Result<Option<Millis>, Error> {
    match header.map(str::trim) {
        None | Some("") => Ok(None),
        Some(h) => {
            crate::clock::parse_iso8601(h).map(Some).ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 timestamp").header(CLOCK_HEADER))
        }
    }
}

/// The header a client sends its clock in.
pub const CLOCK_HEADER: &str = "Latchkey-Client-Clock";
