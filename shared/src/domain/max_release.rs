//! Cryptlex's computed `maxAllowedReleaseVersion` (issue 10 follow-up): the newest release
//! (semver precedence) published at or before a license's `maintenanceExpiry` that its
//! maintenance policy's `allowMajorVersionUpdates` / `allowMinorVersionUpdates` let through
//! relative to its `currentReleaseVersion`. A vendor-set value (the stored attribute) wins over
//! the computed one ([`effective`]).
//!
//! The license read computes it in SQL (`sql::licenses`, by `semver_key`, with the key bounds
//! [`bounds`] stores beside the current version); [`computed`] is the rule, and the parity test
//! `shared/tests/it/max_release.rs` holds the two together.

use std::cmp::Ordering;

use super::release::VersionGate;
use super::semver::Version;
use crate::clock::Millis;

/// The `semver_key` bounds of current version `current`: `(next major, next minor)`. A release
/// of a higher major has a key at or above the first; one of a higher minor of the same major,
/// at or above the second and below the first. `~` sorts above every digit, so the largest
/// major (or minor) has no higher one.
pub fn bounds(current: Option<&Version>) -> (Option<String>, Option<String>) {
    let Some(c) = current else { return (None, None) };
    let major = c.major.checked_add(1).map_or_else(|| "~".to_owned(), |m| format!("{m:020}"));
    let minor = c.minor.checked_add(1).map_or_else(|| format!("{:020}.~", c.major), |m| format!("{:020}.{m:020}", c.major));
    (Some(major), Some(minor))
}

/// The computed `maxAllowedReleaseVersion` from the product's published `releases` (version,
/// released at: `backdated`, else published, else created): `None` without a maintenance
/// window (no cap) or when no release is inside it.
pub fn computed<'a>(
    releases: impl IntoIterator<Item = (&'a Version, Millis)>,
    maintenance_expiry: Option<Millis>,
    current: Option<&Version>,
    allow_major: bool,
    allow_minor: bool,
) -> Option<Version> {
    let end = maintenance_expiry?;
    let flags = VersionGate { max_allowed: None, current: current.cloned(), allow_major, allow_minor, backport_max: None };
    releases.into_iter().filter(|(v, at)| *at <= end && flags.allows(Some(v))).map(|(v, _)| v).max_by(|a, b| a.precedence(b)).cloned()
}

/// The license's `maxAllowedReleaseVersion`: the vendor's (stored) value if set, else the
/// computed one.
pub fn effective(stored: Option<Version>, computed: Option<Version>) -> Option<Version> {
    stored.or(computed)
}

/// Whether `v` is at or below `max` (a backport inside the computed cap).
pub fn at_or_below(v: &Version, max: &Version) -> bool {
    v.precedence(max) != Ordering::Greater
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    const DAY: Millis = 86_400_000;

    /// (releases as (version, day published), window end day, current, allow major, allow minor) → computed.
    #[test]
    fn computed_table() {
        let rel = [("1.0.0", 1), ("1.4.0", 2), ("1.4.3", 9), ("1.5.0", 3), ("2.0.0-beta.1", 4), ("2.0.0", 5), ("2.1.0", 6), ("3.0.0", 20)];
        type Row = (Option<i64>, Option<&'static str>, bool, bool, Option<&'static str>);
        let table: &[Row] = &[
            (None, Some("1.4.0"), true, true, None),
            (Some(0), None, true, true, None),
            (Some(1), None, true, true, Some("1.0.0")),
            (Some(4), None, true, true, Some("2.0.0-beta.1")),
            (Some(10), None, true, true, Some("2.1.0")),
            (Some(30), None, true, true, Some("3.0.0")),
            (Some(10), Some("1.4.0"), false, true, Some("1.5.0")),
            (Some(10), Some("1.4.0"), false, false, Some("1.4.3")),
            (Some(10), Some("1.4.0"), true, false, Some("2.1.0")),
            (Some(8), Some("1.4.0"), false, false, Some("1.4.0")),
            (Some(10), Some("0.9.0"), false, false, None),
            (Some(30), Some("2.0.0"), false, true, Some("2.1.0")),
            (Some(30), Some("9.0.0"), false, false, Some("3.0.0")),
        ];
        let versions: Vec<(Version, Millis)> = rel.iter().map(|(s, d)| (v(s), d * DAY)).collect();
        for (end, current, major, minor, want) in table {
            let cur = current.map(v);
            let got = computed(versions.iter().map(|(v, at)| (v, *at)), end.map(|d| d * DAY), cur.as_ref(), *major, *minor);
            assert_eq!(got.map(|g| g.to_string()), want.map(str::to_owned), "end {end:?} current {current:?} major {major} minor {minor}");
        }
    }

    #[test]
    fn bounds_order_the_keys_as_the_flags_do() {
        let (major, minor) = bounds(Some(&v("1.4.2")));
        let (major, minor) = (major.unwrap(), minor.unwrap());
        for (s, below_major, below_minor) in [
            ("1.4.9", true, true),
            ("1.4.9-rc.1", true, true),
            ("1.5.0-alpha", true, false),
            ("1.10.0", true, false),
            ("2.0.0-dev", false, false),
            ("0.9.9", true, true),
        ] {
            let k = v(s).sort_key();
            assert_eq!((k < major, k < minor), (below_major, below_minor), "{s}");
        }
        let (major, minor) = bounds(Some(&v(&format!("{}.{}.0", u64::MAX, u64::MAX))));
        let top = v(&format!("{}.{}.7", u64::MAX, u64::MAX)).sort_key();
        assert!(top < major.unwrap() && top < minor.unwrap(), "nothing is above the largest");
        assert_eq!(bounds(None), (None, None));
    }

    #[test]
    fn a_stored_value_wins() {
        assert_eq!(effective(Some(v("1.0.0")), Some(v("2.0.0"))), Some(v("1.0.0")));
        assert_eq!(effective(None, Some(v("2.0.0"))), Some(v("2.0.0")));
        assert!(at_or_below(&v("1.4.3"), &v("1.9.0")) && !at_or_below(&v("2.0.0-rc.1"), &v("1.9.0")));
    }
}
