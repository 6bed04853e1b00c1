//! Policy strategies: every enumerated policy attribute of Keygen (`reference/keygen-wire.md` §3),
//! one Rust enum each, spelled on the wire and in storage exactly as Keygen spells them.
//!
//! Each enum has `as_str`, `FromStr`, `ALL` and string serde, and each enum with a default has a
//! `Default` that is Keygen's default for the attribute (API ≥ 1.2).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// The value is not one of the enum's wire strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue(pub String);

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown value {:?}", self.0)
    }
}

impl std::error::Error for UnknownValue {}

macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident default $default:ident { $($body:tt)* }) => {
        str_enum! { $(#[$meta])* $name { $($body)* } }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }
    };
    ($(#[$meta:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in Keygen's documented order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The wire string.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($name::$variant),)*
                    _ => Err(UnknownValue(s.to_owned())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(de::Error::custom)
            }
        }
    };
}

/// The enum macro, for the stored-state enums of [`super::states`].
pub(crate) use str_enum;

str_enum! {
    /// `scheme`: how license keys are signed or encrypted. Absent (`None`) means an unsigned key.
    Scheme {
        /// `LEGACY_ENCRYPT` (what `encrypted: true` implies).
        LegacyEncrypt = "LEGACY_ENCRYPT",
        /// `RSA_2048_PKCS1_ENCRYPT`
        Rsa2048Pkcs1Encrypt = "RSA_2048_PKCS1_ENCRYPT",
        /// `RSA_2048_PKCS1_SIGN`
        Rsa2048Pkcs1Sign = "RSA_2048_PKCS1_SIGN",
        /// `RSA_2048_PKCS1_PSS_SIGN`
        Rsa2048Pkcs1PssSign = "RSA_2048_PKCS1_PSS_SIGN",
        /// `RSA_2048_JWT_RS256`
        Rsa2048JwtRs256 = "RSA_2048_JWT_RS256",
        /// `RSA_2048_PKCS1_SIGN_V2`
        Rsa2048Pkcs1SignV2 = "RSA_2048_PKCS1_SIGN_V2",
        /// `RSA_2048_PKCS1_PSS_SIGN_V2`
        Rsa2048Pkcs1PssSignV2 = "RSA_2048_PKCS1_PSS_SIGN_V2",
        /// `ED25519_SIGN`
        Ed25519Sign = "ED25519_SIGN",
        /// `ECDSA_P256_SIGN`
        EcdsaP256Sign = "ECDSA_P256_SIGN",
    }
}

str_enum! {
    /// `machineUniquenessStrategy`: the scope in which a machine fingerprint must be unique.
    MachineUniquenessStrategy default UniquePerLicense {
        /// `UNIQUE_PER_ACCOUNT`
        UniquePerAccount = "UNIQUE_PER_ACCOUNT",
        /// `UNIQUE_PER_PRODUCT`
        UniquePerProduct = "UNIQUE_PER_PRODUCT",
        /// `UNIQUE_PER_POLICY`
        UniquePerPolicy = "UNIQUE_PER_POLICY",
        /// `UNIQUE_PER_LICENSE`
        UniquePerLicense = "UNIQUE_PER_LICENSE",
    }
}

str_enum! {
    /// `componentUniquenessStrategy`: the scope in which a component fingerprint must be unique.
    ComponentUniquenessStrategy default UniquePerMachine {
        /// `UNIQUE_PER_ACCOUNT`
        UniquePerAccount = "UNIQUE_PER_ACCOUNT",
        /// `UNIQUE_PER_PRODUCT`
        UniquePerProduct = "UNIQUE_PER_PRODUCT",
        /// `UNIQUE_PER_POLICY`
        UniquePerPolicy = "UNIQUE_PER_POLICY",
        /// `UNIQUE_PER_LICENSE`
        UniquePerLicense = "UNIQUE_PER_LICENSE",
        /// `UNIQUE_PER_MACHINE`
        UniquePerMachine = "UNIQUE_PER_MACHINE",
    }
}

str_enum! {
    /// `machineMatchingStrategy` / `componentMatchingStrategy`: how many of the scoped
    /// fingerprints must match for validation to pass.
    MatchingStrategy default MatchAny {
        /// `MATCH_ANY`: at least one.
        MatchAny = "MATCH_ANY",
        /// `MATCH_TWO`: at least two.
        MatchTwo = "MATCH_TWO",
        /// `MATCH_MOST`: at least half, rounded up.
        MatchMost = "MATCH_MOST",
        /// `MATCH_ALL`: every one.
        MatchAll = "MATCH_ALL",
    }
}

impl MatchingStrategy {
    /// True when `matched` of `given` distinct fingerprints satisfy the strategy.
    pub fn satisfied(self, matched: usize, given: usize) -> bool {
        match self {
            MatchingStrategy::MatchAny => matched >= 1,
            MatchingStrategy::MatchTwo => matched >= 2,
            MatchingStrategy::MatchMost => matched >= given.div_ceil(2),
            MatchingStrategy::MatchAll => matched >= given,
        }
    }
}

str_enum! {
    /// `expirationStrategy`: what an expired license may still do.
    ExpirationStrategy default RestrictAccess {
        /// `RESTRICT_ACCESS`: `EXPIRED` with `valid: false`, after the limit checks.
        RestrictAccess = "RESTRICT_ACCESS",
        /// `REVOKE_ACCESS`: `EXPIRED` early, and license-key authentication is refused.
        RevokeAccess = "REVOKE_ACCESS",
        /// `MAINTAIN_ACCESS`: `EXPIRED` with `valid: true`.
        MaintainAccess = "MAINTAIN_ACCESS",
        /// `ALLOW_ACCESS`: `EXPIRED` with `valid: true`.
        AllowAccess = "ALLOW_ACCESS",
    }
}

impl ExpirationStrategy {
    /// Whether an expired license still validates (`MAINTAIN_ACCESS` and `ALLOW_ACCESS`).
    pub fn expired_is_valid(self) -> bool {
        matches!(self, ExpirationStrategy::MaintainAccess | ExpirationStrategy::AllowAccess)
    }
}

str_enum! {
    /// `expirationBasis`: when the expiry clock starts.
    ExpirationBasis default FromCreation {
        /// `FROM_CREATION`
        FromCreation = "FROM_CREATION",
        /// `FROM_FIRST_VALIDATION`
        FromFirstValidation = "FROM_FIRST_VALIDATION",
        /// `FROM_FIRST_ACTIVATION`
        FromFirstActivation = "FROM_FIRST_ACTIVATION",
        /// `FROM_FIRST_DOWNLOAD`
        FromFirstDownload = "FROM_FIRST_DOWNLOAD",
        /// `FROM_FIRST_USE`
        FromFirstUse = "FROM_FIRST_USE",
    }
}

str_enum! {
    /// `renewalBasis`: what a renewal adds the duration to.
    RenewalBasis default FromExpiry {
        /// `FROM_EXPIRY`: expiry + duration.
        FromExpiry = "FROM_EXPIRY",
        /// `FROM_NOW`: now + duration.
        FromNow = "FROM_NOW",
        /// `FROM_NOW_IF_EXPIRED`: now + duration if expired, else expiry + duration.
        FromNowIfExpired = "FROM_NOW_IF_EXPIRED",
    }
}

str_enum! {
    /// `transferStrategy`: what happens to the expiry when a license moves to this policy.
    TransferStrategy default KeepExpiry {
        /// `RESET_EXPIRY`: expiry = now + new duration (or none).
        ResetExpiry = "RESET_EXPIRY",
        /// `KEEP_EXPIRY`
        KeepExpiry = "KEEP_EXPIRY",
    }
}

str_enum! {
    /// `authenticationStrategy`: which credentials a license itself may authenticate with.
    AuthenticationStrategy default Token {
        /// `TOKEN`: license tokens only.
        Token = "TOKEN",
        /// `LICENSE`: `License <key>` only.
        License = "LICENSE",
        /// `SESSION`: sessions only.
        Session = "SESSION",
        /// `MIXED`: tokens and keys.
        Mixed = "MIXED",
        /// `NONE`: the license cannot authenticate.
        None = "NONE",
    }
}

impl AuthenticationStrategy {
    /// Whether a license token may authenticate.
    pub fn supports_token_auth(self) -> bool {
        matches!(self, AuthenticationStrategy::Token | AuthenticationStrategy::Mixed)
    }
    /// Whether `Authorization: License <key>` may authenticate.
    pub fn supports_license_auth(self) -> bool {
        matches!(self, AuthenticationStrategy::License | AuthenticationStrategy::Mixed)
    }
}

str_enum! {
    /// `machineLeasingStrategy`: whether machine, core, memory and disk limits count per license
    /// or per owner.
    MachineLeasingStrategy default PerLicense {
        /// `PER_LICENSE`
        PerLicense = "PER_LICENSE",
        /// `PER_USER`
        PerUser = "PER_USER",
    }
}

str_enum! {
    /// `processLeasingStrategy`: what `maxProcesses` counts against.
    ProcessLeasingStrategy default PerMachine {
        /// `PER_LICENSE`
        PerLicense = "PER_LICENSE",
        /// `PER_MACHINE`
        PerMachine = "PER_MACHINE",
        /// `PER_USER`
        PerUser = "PER_USER",
    }
}

str_enum! {
    /// `overageStrategy`: how far a license may exceed its limits and still validate.
    OverageStrategy default NoOverage {
        /// `ALWAYS_ALLOW_OVERAGE`
        AlwaysAllowOverage = "ALWAYS_ALLOW_OVERAGE",
        /// `ALLOW_1_25X_OVERAGE`: up to 1.25× (limits divisible by 4; not node-locked).
        Allow125xOverage = "ALLOW_1_25X_OVERAGE",
        /// `ALLOW_1_5X_OVERAGE`: up to 1.5× (limits divisible by 2; not node-locked).
        Allow15xOverage = "ALLOW_1_5X_OVERAGE",
        /// `ALLOW_2X_OVERAGE`: up to 2×.
        Allow2xOverage = "ALLOW_2X_OVERAGE",
        /// `NO_OVERAGE`
        NoOverage = "NO_OVERAGE",
    }
}

impl OverageStrategy {
    /// Whether `count` (already known to exceed `limit`) is within the allowance. Integer
    /// arithmetic: `count ≤ limit × 5/4`, `× 3/2`, `× 2`.
    pub fn allows(self, count: i64, limit: i64) -> bool {
        let (count, limit) = (i128::from(count), i128::from(limit));
        match self {
            OverageStrategy::AlwaysAllowOverage => true,
            OverageStrategy::Allow125xOverage => count * 4 <= limit * 5,
            OverageStrategy::Allow15xOverage => count * 2 <= limit * 3,
            OverageStrategy::Allow2xOverage => count <= limit * 2,
            OverageStrategy::NoOverage => false,
        }
    }
}

str_enum! {
    /// `heartbeatCullStrategy`: what the cull job does with a dead machine.
    HeartbeatCullStrategy default DeactivateDead {
        /// `DEACTIVATE_DEAD`: delete it.
        DeactivateDead = "DEACTIVATE_DEAD",
        /// `KEEP_DEAD`: keep it (it still counts toward limits and yields `HEARTBEAT_DEAD`).
        KeepDead = "KEEP_DEAD",
    }
}

str_enum! {
    /// `heartbeatResurrectionStrategy`: the window after death in which a ping revives.
    HeartbeatResurrectionStrategy default NoRevive {
        /// `ALWAYS_REVIVE` (requires `KEEP_DEAD`).
        AlwaysRevive = "ALWAYS_REVIVE",
        /// `15_MINUTE_REVIVE`
        Revive15Minutes = "15_MINUTE_REVIVE",
        /// `10_MINUTE_REVIVE`
        Revive10Minutes = "10_MINUTE_REVIVE",
        /// `5_MINUTE_REVIVE`
        Revive5Minutes = "5_MINUTE_REVIVE",
        /// `2_MINUTE_REVIVE`
        Revive2Minutes = "2_MINUTE_REVIVE",
        /// `1_MINUTE_REVIVE`
        Revive1Minute = "1_MINUTE_REVIVE",
        /// `NO_REVIVE`
        NoRevive = "NO_REVIVE",
    }
}

impl HeartbeatResurrectionStrategy {
    /// The "lazarus TTL" in seconds: how long after death a ping may still revive. `None` for
    /// `NO_REVIVE` (never) and `ALWAYS_REVIVE` (no limit); see [`Self::revives`].
    pub fn lazarus_ttl_secs(self) -> Option<i64> {
        match self {
            HeartbeatResurrectionStrategy::Revive15Minutes => Some(15 * 60),
            HeartbeatResurrectionStrategy::Revive10Minutes => Some(10 * 60),
            HeartbeatResurrectionStrategy::Revive5Minutes => Some(5 * 60),
            HeartbeatResurrectionStrategy::Revive2Minutes => Some(2 * 60),
            HeartbeatResurrectionStrategy::Revive1Minute => Some(60),
            HeartbeatResurrectionStrategy::AlwaysRevive | HeartbeatResurrectionStrategy::NoRevive => None,
        }
    }

    /// Whether resurrection is possible at all.
    pub fn revives(self) -> bool {
        self != HeartbeatResurrectionStrategy::NoRevive
    }
}

str_enum! {
    /// `heartbeatBasis`: whether the heartbeat clock starts at machine creation or first ping.
    /// When not given on create, Keygen (API ≥ 1.3) derives it from `requireHeartbeat`.
    HeartbeatBasis default FromFirstPing {
        /// `FROM_CREATION`: `last_heartbeat_at` is set when the machine is created.
        FromCreation = "FROM_CREATION",
        /// `FROM_FIRST_PING`
        FromFirstPing = "FROM_FIRST_PING",
    }
}

str_enum! {
    /// `checkInInterval`: the unit of `checkInIntervalCount`.
    CheckInInterval default Day {
        /// `day`
        Day = "day",
        /// `week`
        Week = "week",
        /// `month`
        Month = "month",
        /// `year`
        Year = "year",
    }
}

impl CheckInInterval {
    /// Length of one unit in seconds, as ActiveSupport's fixed durations define them
    /// (month = 1/12 of a Gregorian year, year = 365.2425 days).
    pub fn secs(self) -> i64 {
        match self {
            CheckInInterval::Day => 86_400,
            CheckInInterval::Week => 604_800,
            CheckInInterval::Month => 2_629_746,
            CheckInInterval::Year => 31_556_952,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_round_trip_through_their_wire_strings() {
        for s in HeartbeatResurrectionStrategy::ALL {
            assert_eq!(s.as_str().parse::<HeartbeatResurrectionStrategy>(), Ok(*s));
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(serde_json::from_str::<HeartbeatResurrectionStrategy>(&json).unwrap(), *s);
        }
        assert_eq!(serde_json::to_string(&OverageStrategy::Allow125xOverage).unwrap(), "\"ALLOW_1_25X_OVERAGE\"");
        assert!("no_revive".parse::<HeartbeatResurrectionStrategy>().is_err());
        assert!(serde_json::from_str::<Scheme>("\"RSA\"").is_err());
    }

    #[test]
    fn overage_allowances_use_exact_factors() {
        assert!(OverageStrategy::Allow125xOverage.allows(5, 4));
        assert!(!OverageStrategy::Allow125xOverage.allows(6, 4));
        assert!(OverageStrategy::Allow15xOverage.allows(3, 2));
        assert!(!OverageStrategy::Allow15xOverage.allows(4, 2));
        assert!(OverageStrategy::Allow2xOverage.allows(4, 2));
        assert!(!OverageStrategy::Allow2xOverage.allows(5, 2));
        assert!(OverageStrategy::AlwaysAllowOverage.allows(i64::MAX, 1));
        assert!(!OverageStrategy::NoOverage.allows(2, 1));
    }

    #[test]
    fn matching_strategies_count_like_keygen() {
        assert!(MatchingStrategy::MatchMost.satisfied(2, 3));
        assert!(!MatchingStrategy::MatchMost.satisfied(1, 3));
        assert!(MatchingStrategy::MatchMost.satisfied(2, 4));
        assert!(!MatchingStrategy::MatchTwo.satisfied(1, 1));
        assert!(MatchingStrategy::MatchAll.satisfied(3, 3));
        assert!(!MatchingStrategy::MatchAll.satisfied(2, 3));
        assert!(!MatchingStrategy::MatchAny.satisfied(0, 3));
    }
}
