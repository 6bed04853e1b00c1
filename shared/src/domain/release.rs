//! Releases and artifacts: their stored states, package engines, and the one rule deciding
//! who may see and download a release (Keygen's `app/policies/release_policy.rb` and
//! `application_policy.rb#verify_license_for_release!`, plus Cryptlex's maintenance window).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::semver::Version;
use super::states::DistributionStrategy;
use super::strategy::{str_enum, ExpirationStrategy, UnknownValue};

str_enum! {
    /// `releases.status`.
    ReleaseStatus default Draft {
        /// Not yet published: only admins and the product see it.
        Draft = "DRAFT",
        /// Published.
        Published = "PUBLISHED",
        /// Withdrawn: hidden from licensees and upgrades.
        Yanked = "YANKED",
    }
}

str_enum! {
    /// `artifacts.status`.
    ArtifactStatus default Waiting {
        /// Created; the bytes are not uploaded yet.
        Waiting = "WAITING",
        /// Stored (and matched `filesize`/`checksum` when given).
        Uploaded = "UPLOADED",
        /// The upload did not match, or never came.
        Failed = "FAILED",
        /// Withdrawn.
        Yanked = "YANKED",
    }
}

str_enum! {
    /// `packages.engine`.
    Engine {
        /// PyPI simple index.
        Pypi = "pypi",
        /// npm registry.
        Npm = "npm",
        /// RubyGems compact index.
        Rubygems = "rubygems",
        /// OCI distribution (read side).
        Oci = "oci",
        /// Tauri updater.
        Tauri = "tauri",
        /// Raw files by path.
        Raw = "raw",
    }
}

/// What the access rule needs to know about a release.
#[derive(Debug, Clone)]
pub struct ReleaseFacts<'a> {
    /// The product's distribution strategy.
    pub strategy: DistributionStrategy,
    /// The release's status.
    pub status: ReleaseStatus,
    /// Entitlement ids that constrain it (a license needs all of them).
    pub constraints: &'a [String],
    /// `backdated` if set, else `created`: what Keygen's expiry window compares.
    pub dated_at: i64,
    /// `backdated` if set, else when it was published (else created): what the maintenance
    /// window compares.
    pub released_at: i64,
    /// Its version, parsed (`None` if the stored text is not semver: refused by any gate).
    pub version: Option<&'a Version>,
}

/// Which release versions a license may get (Cryptlex's maintenance policy version flags and
/// `maxAllowedReleaseVersion`), relative to its `currentReleaseVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionGate {
    /// `maxAllowedReleaseVersion`: nothing newer (semver precedence).
    pub max_allowed: Option<Version>,
    /// `currentReleaseVersion`: what the flags compare against (no flag applies without it).
    pub current: Option<Version>,
    /// The maintenance policy's `allowMajorVersionUpdates` (`true` without a policy).
    pub allow_major: bool,
    /// The maintenance policy's `allowMinorVersionUpdates` (`true` without a policy).
    pub allow_minor: bool,
    /// The computed `maxAllowedReleaseVersion` (`domain::max_release`): a release published
    /// after the maintenance window at or below it (a backport) is inside the window.
    pub backport_max: Option<Version>,
}

impl Default for VersionGate {
    fn default() -> Self {
        Self { max_allowed: None, current: None, allow_major: true, allow_minor: true, backport_max: None }
    }
}

impl VersionGate {
    /// Whether the gate lets version `v` through: never past `max_allowed`; past the current
    /// major only with `allow_major`; past the current minor (same major) only with
    /// `allow_minor`; patches and older versions always. An unparsable version passes only
    /// an open gate.
    pub fn allows(&self, v: Option<&Version>) -> bool {
        let open = self.max_allowed.is_none() && (self.current.is_none() || (self.allow_major && self.allow_minor));
        let Some(v) = v else { return open };
        if self.max_allowed.as_ref().is_some_and(|m| v.precedence(m) == std::cmp::Ordering::Greater) {
            return false;
        }
        match &self.current {
            Some(c) if v.major > c.major => self.allow_major,
            Some(c) if v.major == c.major && v.minor > c.minor => self.allow_minor,
            _ => true,
        }
    }
}

/// What the access rule needs to know about one license of the caller.
#[derive(Debug, Clone)]
pub struct LicenseFacts {
    /// The license belongs to the release's product.
    pub of_product: bool,
    /// Suspended.
    pub suspended: bool,
    /// Its owner is banned.
    pub banned: bool,
    /// Expiry, if any.
    pub expiry: Option<i64>,
    /// The policy's `expirationStrategy`.
    pub expiration_strategy: ExpirationStrategy,
    /// Cryptlex's maintenance window end, if any.
    pub maintenance_expiry: Option<i64>,
    /// Entitlement ids it holds (its own and its policy's).
    pub entitlements: Vec<String>,
    /// The release versions it may get.
    pub versions: VersionGate,
}

/// Who asks.
#[derive(Debug, Clone)]
pub enum Requester<'a> {
    /// An admin, or the product that owns the release.
    Privileged,
    /// Any other bearer with no license (anonymous, another product, a user without licenses).
    Nobody,
    /// A license bearer (one license) or a user (each of their licenses).
    Licenses(&'a [LicenseFacts]),
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// May see and download.
    Allow,
    /// Outside the caller's scope: answered as if it did not exist (404).
    Hidden,
    /// In scope but refused (403), with Keygen's reason.
    Denied(Denial),
}

/// Why a license in scope is refused (Keygen's `verify_license_for_release!` order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// `license is suspended`.
    Suspended,
    /// `license is banned` (its owner is).
    Banned,
    /// `license is expired` (REVOKE_ACCESS).
    Expired,
    /// `license expiry falls outside of access window` (RESTRICT/MAINTAIN_ACCESS).
    OutsideExpiryWindow,
    /// Cryptlex: released after the license's maintenance expiry.
    OutsideMaintenanceWindow,
    /// Cryptlex: a version past `maxAllowedReleaseVersion`, or a major/minor update the
    /// maintenance policy does not allow.
    VersionNotAllowed,
    /// `license is missing entitlements`.
    MissingEntitlements,
}

impl Denial {
    /// Keygen's detail text (after "You do not have permission to complete the request").
    pub fn reason(self) -> &'static str {
        match self {
            Denial::Suspended => "license is suspended",
            Denial::Banned => "license is banned",
            Denial::Expired => "license is expired",
            Denial::OutsideExpiryWindow => "license expiry falls outside of access window",
            Denial::OutsideMaintenanceWindow => "license maintenance expiry falls outside of access window",
            Denial::VersionNotAllowed => "release version is not allowed for the license",
            Denial::MissingEntitlements => "license is missing entitlements",
        }
    }
}

fn check_license(l: &LicenseFacts, r: &ReleaseFacts<'_>, now: i64) -> Result<(), Denial> {
    if l.suspended {
        return Err(Denial::Suspended);
    }
    if l.banned {
        return Err(Denial::Banned);
    }
    if let Some(expiry) = l.expiry {
        match l.expiration_strategy {
            ExpirationStrategy::RevokeAccess if expiry <= now => return Err(Denial::Expired),
            ExpirationStrategy::RestrictAccess | ExpirationStrategy::MaintainAccess if r.dated_at > expiry => return Err(Denial::OutsideExpiryWindow),
            _ => {}
        }
    }
    // A backport (published after the window, at or below the computed maximum) is covered.
    let backport = r.version.zip(l.versions.backport_max.as_ref()).is_some_and(|(v, m)| super::max_release::at_or_below(v, m));
    if l.maintenance_expiry.is_some_and(|m| r.released_at > m) && !backport {
        return Err(Denial::OutsideMaintenanceWindow);
    }
    if !l.versions.allows(r.version) {
        return Err(Denial::VersionNotAllowed);
    }
    if !r.constraints.iter().all(|c| l.entitlements.contains(c)) {
        return Err(Denial::MissingEntitlements);
    }
    Ok(())
}

/// May `who` see (and download from) release `r` at `now`?
///
/// Privileged callers see everything. Others see only published releases; `CLOSED` products
/// hide every release; `OPEN` unconstrained releases are public; otherwise a license of the
/// product must pass every check (a user passes if any of their licenses does; the first
/// license's refusal is reported). A caller with no license of the product does not see it.
pub fn release_access(who: &Requester<'_>, r: &ReleaseFacts<'_>, now: i64) -> Access {
    let licenses = match who {
        Requester::Privileged => return Access::Allow,
        _ if r.status != ReleaseStatus::Published || r.strategy == DistributionStrategy::Closed => return Access::Hidden,
        _ if r.strategy == DistributionStrategy::Open && r.constraints.is_empty() => return Access::Allow,
        Requester::Nobody => return Access::Hidden,
        Requester::Licenses(ls) => ls,
    };
    let mut first = None;
    for l in licenses.iter().filter(|l| l.of_product) {
        match check_license(l, r, now) {
            Ok(()) => return Access::Allow,
            Err(d) => {
                first.get_or_insert(d);
            }
        }
    }
    first.map_or(Access::Hidden, Access::Denied)
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
