//! Semantic versions (semver 2.0) of releases, their precedence as a sortable text key, the
//! release channels and their visibility rule, and Keygen's upgrade constraints.
//!
//! Keygen parses versions with Semverse, which also accepts `v1` and `1.2`; both are stored
//! normalized (`v1.2` → `1.2.0`). [`Version::sort_key`] is stored beside the version so that
//! SQL orders releases by precedence (`ORDER BY semver_key`); the unit tests hold the key and
//! [`Version::cmp`] together.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::strategy::{str_enum, UnknownValue};

/// The longest version text accepted (Keygen has no limit; a bound keeps keys small).
pub const MAX_VERSION_LEN: usize = 255;

/// A parsed semver 2.0 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
    /// Pre-release identifiers (`beta.1` → `["beta", "1"]`); empty for a final release.
    pub pre: Vec<String>,
    /// Build identifiers; they do not count for precedence.
    pub build: Vec<String>,
}

/// Why a version did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version: {0}")]
pub struct VersionError(pub &'static str);

fn numeric(s: &str) -> Result<u64, VersionError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VersionError("must be numeric"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(VersionError("must not have leading zeros"));
    }
    s.parse().map_err(|_| VersionError("number is too large"))
}

fn identifiers(s: &str, pre: bool) -> Result<Vec<String>, VersionError> {
    s.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(VersionError("identifiers are [0-9A-Za-z-]+"));
            }
            if pre && id.bytes().all(|b| b.is_ascii_digit()) {
                numeric(id)?;
            }
            Ok(id.to_owned())
        })
        .collect()
}

impl FromStr for Version {
    type Err = VersionError;
    /// Parses `[v]MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]` (Semverse's leniency for `v` and missing
    /// parts; everything else as semver 2.0).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > MAX_VERSION_LEN {
            return Err(VersionError("must be between 1 and 255 characters"));
        }
        let s = s.strip_prefix('v').unwrap_or(s);
        let (rest, build) = match s.split_once('+') {
            Some((r, b)) => (r, identifiers(b, false)?),
            None => (s, Vec::new()),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, identifiers(p, true)?),
            None => (rest, Vec::new()),
        };
        let mut parts = core.split('.');
        let major = numeric(parts.next().unwrap_or_default())?;
        let minor = parts.next().map_or(Ok(0), numeric)?;
        let patch = parts.next().map_or(Ok(0), numeric)?;
        if parts.next().is_some() {
            return Err(VersionError("at most three numeric parts"));
        }
        Ok(Version { major, minor, patch, pre, build })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build.join("."))?;
        }
        Ok(())
    }
}

fn cmp_identifier(a: &str, b: &str) -> Ordering {
    let num = |s: &str| if s.bytes().all(|c| c.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

impl Version {
    /// Semver 2.0 precedence (§11): build metadata ignored, a pre-release below its final
    /// release, identifiers compared numerically or in ASCII order, numeric below alphanumeric,
    /// fewer identifiers below more.
    pub fn precedence(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch)).then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(&other.pre) {
                    let o = cmp_identifier(a, b);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                self.pre.len().cmp(&other.pre.len())
            }
        })
    }

    /// A text whose byte order is [`Version::precedence`]: each number zero-padded to 20
    /// digits; then `~` for a final release (above every pre-release) or `-` and the
    /// identifiers separated by a space (below every identifier byte, so fewer identifiers sort
    /// first), numeric ones as `0` + 20 digits, alphanumeric ones as `1` + the text.
    pub fn sort_key(&self) -> String {
        let mut k = format!("{:020}.{:020}.{:020}", self.major, self.minor, self.patch);
        if self.pre.is_empty() {
            k.push('~');
            return k;
        }
        k.push('-');
        for (i, id) in self.pre.iter().enumerate() {
            if i > 0 {
                k.push(' ');
            }
            match id.parse::<u64>() {
                Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) => k.push_str(&format!("0{n:020}")),
                _ => {
                    k.push('1');
                    k.push_str(id);
                }
            }
        }
        k
    }

    /// The channel a version belongs in: stable without a pre-release, else the channel its
    /// first pre-release identifier starts with (Keygen's `semver_validator.rb`: pre-releases
    /// must start with `rc`, `beta`, `alpha` or `dev`). `None`: no channel fits.
    pub fn channel(&self) -> Option<Channel> {
        let Some(first) = self.pre.first() else { return Some(Channel::Stable) };
        let first = first.to_ascii_lowercase();
        [Channel::Rc, Channel::Beta, Channel::Alpha, Channel::Dev].into_iter().find(|c| first.starts_with(c.as_str()))
    }
}

str_enum! {
    /// `releases.channel`, from the most stable to the least.
    Channel {
        /// Final releases.
        Stable = "stable",
        /// Release candidates.
        Rc = "rc",
        /// Betas.
        Beta = "beta",
        /// Alphas.
        Alpha = "alpha",
        /// Development builds: seen only on the dev channel.
        Dev = "dev",
    }
}

impl Channel {
    /// Whether a client on channel `self` sees releases of `release`: its own channel and the
    /// more stable ones; `dev` sees only `dev` (Keygen's `Release.for_channel`).
    pub fn sees(self, release: Channel) -> bool {
        let rank = |c: Channel| match c {
            Channel::Stable => 0,
            Channel::Rc => 1,
            Channel::Beta => 2,
            Channel::Alpha => 3,
            Channel::Dev => 4,
        };
        match self {
            Channel::Dev => release == Channel::Dev,
            _ => release != Channel::Dev && rank(release) <= rank(self),
        }
    }

    /// The channels `self` sees, for SQL `IN (…)` filters (a JSON array).
    pub fn visible(self) -> Vec<Channel> {
        Channel::ALL.iter().copied().filter(|c| self.sees(*c)).collect()
    }
}

/// An upgrade constraint (Keygen: the operator is ignored; the parts given pin the version):
/// `MAJOR` → same major; `MAJOR.MINOR` → same major, minor ≥ MINOR; `MAJOR.MINOR.PATCH` → same
/// major and minor, patch ≥ PATCH; `-PRE` → same first pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    major: u64,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Option<String>,
}

impl FromStr for Constraint {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = ["~>", ">=", "<=", "~", "=", ">", "<"].iter().find_map(|op| t.strip_prefix(op)).unwrap_or(t).trim_start();
        if t.is_empty() || t.len() > MAX_VERSION_LEN {
            return Err(VersionError("invalid constraint format"));
        }
        let t = t.split_once('+').map_or(t, |(a, _)| a);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) => (c, Some(identifiers(p, true)?.into_iter().next().unwrap_or_default())),
            None => (t, None),
        };
        let mut parts = core.split('.');
        let major = numeric(parts.next().unwrap_or_default())?;
        let minor = parts.next().map(numeric).transpose()?;
        let patch = parts.next().map(numeric).transpose()?;
        if parts.next().is_some() || (patch.is_some() && minor.is_none()) {
            return Err(VersionError("invalid constraint format"));
        }
        Ok(Constraint { major, minor, patch, pre })
    }
}

impl Constraint {
    /// Whether `v` satisfies the constraint.
    pub fn allows(&self, v: &Version) -> bool {
        let core = v.major == self.major
            && match (self.minor, self.patch) {
                (None, _) => true,
                (Some(m), None) => v.minor >= m,
                (Some(m), Some(p)) => v.minor == m && v.patch >= p,
            };
        core && self.pre.as_ref().is_none_or(|p| v.pre.first().is_some_and(|f| f == p))
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
#[path = "semver_tests.rs"]
mod tests;
