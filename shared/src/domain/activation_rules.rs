//! Activation rules (Cryptlex's license-template rules, issue 10 §4): `allowedIpRanges` (CIDR,
//! IPv4 and IPv6), `allowedCountries` / `disallowedCountries` (ISO 3166-1 alpha-2),
//! `allowVmActivation`, `allowContainerActivation`, `allowedClockOffset` (seconds, `-1` =
//! unchecked) and `allowedDeactivations` (`-1` = unlimited). Policy attributes
//! ([`ActivationRules`], flattened into the policy's config) with license-level overrides
//! ([`Overrides`]); [`effective`] merges them and [`check`] decides one request. Each rule is
//! one function, table-tested below.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Millis;
use crate::domain::validation::{Outcome, ValidationCode};
use crate::error::{Code, Error};

/// At most this many CIDR ranges / countries per list.
pub const MAX_LIST: usize = 100;
/// Largest `allowedClockOffset` (seconds) and `allowedDeactivations`.
pub const MAX_RULE_INT: i64 = crate::domain::policy::INT4_MAX;

/// Every attribute these rules consume, in camelCase.
pub const ATTRIBUTES: &[&str] = &[
    "allowedIpRanges",
    "allowedCountries",
    "disallowedCountries",
    "allowVmActivation",
    "allowContainerActivation",
    "allowedClockOffset",
    "allowedDeactivations",
    // Floating-seat leases (issue 10 §4 follow-up, c10): `domain::lease`.
    "leaseDuration",
    "allowClientLeaseDuration",
];

/// A parsed CIDR range (the network address, its prefix length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Parses `a.b.c.d/n` (n ≤ 32), an IPv6 `addr/n` (n ≤ 128) or a bare address (one host).
/// Host bits below the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
///
/// # Errors
/// A short reason.
pub fn parse_cidr(s: &str) -> Result<Cidr, &'static str> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| "must be an IPv4 or IPv6 address in CIDR notation (e.g. 203.0.113.0/24, 2001:db8::/32)")?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<u8>().map_err(|_| "has an invalid prefix length")?,
        Some(_) => return Err("has an invalid prefix length"),
    };
    if prefix > max {
        return Err("has a prefix length beyond the address size");
    }
    Ok(Cidr { addr: mask(addr, prefix), prefix })
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

impl Cidr {
    /// Whether `ip` is in the range. An IPv4-mapped IPv6 client (`::ffff:a.b.c.d`) matches
    /// IPv4 ranges; otherwise families never match each other.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// ISO 3166-1 alpha-2 codes officially assigned.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL \
GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR \
LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK \
PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Parses a country code: two letters (any case) that ISO 3166-1 assigns; returned upper case.
///
/// # Errors
/// When it is not an assigned alpha-2 code.
pub fn parse_country(s: &str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    if up.len() == 2 && up.bytes().all(|b| b.is_ascii_uppercase()) && COUNTRIES.split(' ').any(|c| c == up) {
        Ok(up)
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code (e.g. US, DE)")
    }
}

fn yes() -> bool {
    true
}
fn unlimited() -> i64 {
    -1
}

/// A policy's activation rules as stored (flattened into its config JSON). Defaults: no IP or
/// country restriction, VMs and containers allowed, clock unchecked, deactivations unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ActivationRules {
    /// CIDR ranges the client's IP must be in (empty: any). Stored canonical.
    pub allowed_ip_ranges: Vec<String>,
    /// Countries the client must be in (empty: any).
    pub allowed_countries: Vec<String>,
    /// Countries the client must not be in.
    pub disallowed_countries: Vec<String>,
    /// Whether a machine reporting `vmName` may activate.
    #[serde(default = "yes")]
    pub allow_vm_activation: bool,
    /// Whether a machine reporting `container` may activate.
    #[serde(default = "yes")]
    pub allow_container_activation: bool,
    /// Seconds the client's clock may differ from the server's; `-1`: unchecked.
    #[serde(default = "unlimited")]
    pub allowed_clock_offset: i64,
    /// Deactivations a license may make; `-1`: unlimited.
    #[serde(default = "unlimited")]
    pub allowed_deactivations: i64,
    /// Cryptlex's `leaseDuration`: seconds a machine's seat is held after activation or its
    /// last ping; `-1`: the policy's `heartbeatDuration` (`domain::lease`).
    #[serde(default = "unlimited")]
    pub lease_duration: i64,
    /// Cryptlex's `allowClientLeaseDuration`: the client may ask for a shorter lease.
    pub allow_client_lease_duration: bool,
}

impl Default for ActivationRules {
    fn default() -> Self {
        Self {
            allowed_ip_ranges: Vec::new(),
            allowed_countries: Vec::new(),
            disallowed_countries: Vec::new(),
            allow_vm_activation: true,
            allow_container_activation: true,
            allowed_clock_offset: -1,
            allowed_deactivations: -1,
            lease_duration: -1,
            allow_client_lease_duration: false,
        }
    }
}

/// A license's overrides of its policy's rules (absent = the policy's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ip_ranges: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_countries: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disallowed_countries: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_vm_activation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_container_activation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_clock_offset: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_deactivations: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_client_lease_duration: Option<bool>,
}

impl Overrides {
    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Decodes a license's stored overrides (`NULL`: none).
    ///
    /// # Errors
    /// The decoding error (the caller fails closed).
    pub fn decode(text: Option<&str>) -> Result<Self, serde_json::Error> {
        text.map_or_else(|| Ok(Self::default()), serde_json::from_str)
    }
}

impl ActivationRules {
    /// The rules as license attributes (the effective values).
    pub fn render(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// The rules that hold for a license: each override over its policy's value.
pub fn effective(policy: &ActivationRules, o: &Overrides) -> ActivationRules {
    ActivationRules {
        allowed_ip_ranges: o.allowed_ip_ranges.clone().unwrap_or_else(|| policy.allowed_ip_ranges.clone()),
        allowed_countries: o.allowed_countries.clone().unwrap_or_else(|| policy.allowed_countries.clone()),
        disallowed_countries: o.disallowed_countries.clone().unwrap_or_else(|| policy.disallowed_countries.clone()),
        allow_vm_activation: o.allow_vm_activation.unwrap_or(policy.allow_vm_activation),
        allow_container_activation: o.allow_container_activation.unwrap_or(policy.allow_container_activation),
        allowed_clock_offset: o.allowed_clock_offset.unwrap_or(policy.allowed_clock_offset),
        allowed_deactivations: o.allowed_deactivations.unwrap_or(policy.allowed_deactivations),
        lease_duration: o.lease_duration.unwrap_or(policy.lease_duration),
        allow_client_lease_duration: o.allow_client_lease_duration.unwrap_or(policy.allow_client_lease_duration),
    }
}

pub use super::activation_rules_input::{apply_to_license, apply_to_policy, parse_clock, take, take_with, CLOCK_HEADER};

/// What one activation (or validation) request brings.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The client's address (`CF-Connecting-IP`), if known.
    pub ip: Option<IpAddr>,
    /// The client's country (`request.cf.country`), if known.
    pub country: Option<String>,
    /// The machine reports a virtual machine (`vmName`).
    pub vm: bool,
    /// The machine reports a container (`container`).
    pub container: bool,
    /// The client's clock (`Latchkey-Client-Clock`), if sent.
    pub clock: Option<Millis>,
}

/// Which rule refused, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `IP_ADDRESS_NOT_ALLOWED`.
    Ip,
    /// `COUNTRY_NOT_ALLOWED`.
    Country,
    /// `VM_ACTIVATION_NOT_ALLOWED`.
    Vm,
    /// `CONTAINER_ACTIVATION_NOT_ALLOWED`.
    Container,
    /// `CLOCK_OFFSET_EXCEEDED`.
    Clock,
}

/// `allowedIpRanges`: empty allows all; an unknown or unparsable address is refused.
pub fn ip_allowed(ranges: &[String], ip: Option<IpAddr>) -> bool {
    ranges.is_empty() || ip.is_some_and(|ip| ranges.iter().filter_map(|r| parse_cidr(r).ok()).any(|c| c.contains(ip)))
}

/// `allowedCountries` / `disallowedCountries`: an unknown country passes only when no
/// allow-list is set (fail closed under an allow-list).
pub fn country_allowed(allowed: &[String], disallowed: &[String], country: Option<&str>) -> bool {
    match country {
        Some(c) => (allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(c))) && !disallowed.iter().any(|d| d.eq_ignore_ascii_case(c)),
        None => allowed.is_empty(),
    }
}

/// `allowedClockOffset`: `-1` unchecked; otherwise the client must send its clock and it must
/// be within the offset of `now` (either side, inclusive).
pub fn clock_allowed(offset_secs: i64, clock: Option<Millis>, now: Millis) -> bool {
    offset_secs < 0 || clock.is_some_and(|c| c.abs_diff(now) <= offset_secs.unsigned_abs().saturating_mul(1000))
}

/// `allowedDeactivations`: whether a license that made `used` may make one more.
pub fn deactivation_allowed(allowed: i64, used: i64) -> bool {
    allowed < 0 || used < allowed
}

/// Whether a deactivation by a bearer of `kind` counts against (and is limited by)
/// `allowedDeactivations`: the client app's deactivations (its license, its user), as
/// Cryptlex limits LexActivator's; a vendor's admin or product deletes machines freely.
pub fn limits_deactivation(kind: crate::access::Kind) -> bool {
    // organization admins (issue 10 §7): a user here.
    matches!(kind, crate::access::Kind::License | crate::access::Kind::User | crate::access::Kind::OrganizationAdmin)
}

impl Refusal {
    /// The error a refused activation answers, with its source.
    pub fn error(self) -> Error {
        match self {
            Refusal::Ip => Error::new(Code::IpAddressNotAllowed, "the client's IP address is not in the allowed IP ranges").header("CF-Connecting-IP"),
            Refusal::Country => Error::new(Code::CountryNotAllowed, "activations from the client's country are not allowed").header("CF-IPCountry"),
            Refusal::Vm => Error::new(Code::VmActivationNotAllowed, "activation on a virtual machine is not allowed").pointer("/data/attributes/vmName"),
            Refusal::Container => {
                Error::new(Code::ContainerActivationNotAllowed, "activation in a container is not allowed").pointer("/data/attributes/container")
            }
            Refusal::Clock => Error::new(Code::ClockOffsetExceeded, "the client's clock differs from the server's by more than allowed").header(CLOCK_HEADER),
        }
    }
}

/// The first rule `f` breaks, in the order IP, country, VM, container, clock.
pub fn check(r: &ActivationRules, f: &Facts, now: Millis) -> Option<Refusal> {
    if !ip_allowed(&r.allowed_ip_ranges, f.ip) {
        Some(Refusal::Ip)
    } else if !country_allowed(&r.allowed_countries, &r.disallowed_countries, f.country.as_deref()) {
        Some(Refusal::Country)
    } else if f.vm && !r.allow_vm_activation {
        Some(Refusal::Vm)
    } else if f.container && !r.allow_container_activation {
        Some(Refusal::Container)
    } else if !clock_allowed(r.allowed_clock_offset, f.clock, now) {
        Some(Refusal::Clock)
    } else {
        None
    }
}

/// Whether a validation by a bearer of `kind` re-checks the rules: the client app's (its
/// license, its user, an anonymous validate-key), whose request facts are the client's. A
/// vendor's admin or product validating from its own server brings its own IP and country,
/// not the client's, so it is not checked (Cryptlex re-checks on the client's server sync).
pub fn checked_on_validation(kind: crate::access::Kind) -> bool {
    use crate::access::Kind;
    // organization admins (issue 10 §7): a user here.
    matches!(kind, Kind::License | Kind::User | Kind::OrganizationAdmin | Kind::Anonymous)
}

/// The rules a validation re-checks (Cryptlex re-checks them on an activation's server sync):
/// IP ranges and countries against the request; VM and container against the machines the
/// scope names (`f.vm` / `f.container`: the rules may have been tightened since activation);
/// the clock only when the client sent it (Keygen clients never do, and a validation must not
/// start failing for them when a policy sets `allowedClockOffset`).
pub fn check_on_validation(r: &ActivationRules, f: &Facts, now: Millis) -> Option<Refusal> {
    match check(r, f, now) {
        // The clock is checked last, so nothing else is hidden by dropping its refusal.
        Some(Refusal::Clock) if f.clock.is_none() => None,
        other => other,
    }
}

impl Refusal {
    /// The validation `meta.code` and `meta.detail` of the refusal.
    pub fn validation(self) -> (ValidationCode, &'static str) {
        match self {
            Refusal::Ip => (ValidationCode::IpAddressNotAllowed, "ip address is not allowed"),
            Refusal::Country => (ValidationCode::CountryNotAllowed, "country is not allowed"),
            Refusal::Vm => (ValidationCode::VmActivationNotAllowed, "virtual machine is not allowed"),
            Refusal::Container => (ValidationCode::ContainerActivationNotAllowed, "container is not allowed"),
            Refusal::Clock => (ValidationCode::ClockOffsetExceeded, "clock offset is exceeded"),
        }
    }
}

/// A validation's outcome after the rules: they come after every Keygen rule (Keygen's
/// precedence table is untouched), so an invalid outcome keeps its code and only a valid one
/// (`VALID`, or an `EXPIRED` that the expiration strategy still allows) becomes invalid with the
/// refusal's code.
pub fn after_rules(o: Outcome, refusal: Option<Refusal>) -> Outcome {
    match refusal {
        Some(r) if o.valid => {
            let (code, detail) = r.validation();
            Outcome { valid: false, detail: detail.to_owned(), code }
        }
        _ => o,
    }
}

#[cfg(test)]
#[path = "activation_rules_tests.rs"]
mod tests;
