use super::*;
use DistributionStrategy::{Closed, Licensed, Open};
use ExpirationStrategy::{AllowAccess, MaintainAccess, RestrictAccess, RevokeAccess};

const NOW: i64 = 1_000_000;
const DAY: i64 = 86_400_000;

fn license() -> LicenseFacts {
    LicenseFacts {
        of_product: true,
        suspended: false,
        banned: false,
        expiry: None,
        expiration_strategy: RestrictAccess,
        maintenance_expiry: None,
        entitlements: vec![],
        versions: VersionGate::default(),
    }
}

fn release<'a>(strategy: DistributionStrategy, constraints: &'a [String]) -> ReleaseFacts<'a> {
    ReleaseFacts { strategy, status: ReleaseStatus::Published, constraints, dated_at: NOW - DAY, released_at: NOW - DAY, version: None }
}

fn licensed(l: LicenseFacts, r: &ReleaseFacts<'_>) -> Access {
    release_access(&Requester::Licenses(&[l]), r, NOW)
}

#[test]
fn strategies_by_requester() {
    let none: Vec<String> = vec![];
    let gated = vec!["e1".to_owned()];
    let other = LicenseFacts { of_product: false, ..license() };
    // (strategy, constraints, requester, expected)
    let table: Vec<(DistributionStrategy, &[String], Requester<'_>, Access)> = vec![
        (Licensed, &none, Requester::Privileged, Access::Allow),
        (Licensed, &none, Requester::Nobody, Access::Hidden),
        (Licensed, &none, Requester::Licenses(std::slice::from_ref(&other)), Access::Hidden),
        (Open, &none, Requester::Nobody, Access::Allow),
        (Open, &none, Requester::Licenses(std::slice::from_ref(&other)), Access::Allow),
        (Open, &gated, Requester::Nobody, Access::Hidden),
        (Open, &gated, Requester::Licenses(std::slice::from_ref(&other)), Access::Hidden),
        (Closed, &none, Requester::Privileged, Access::Allow),
        (Closed, &none, Requester::Nobody, Access::Hidden),
        (Closed, &none, Requester::Licenses(&[]), Access::Hidden),
    ];
    for (i, (s, c, who, want)) in table.into_iter().enumerate() {
        assert_eq!(release_access(&who, &release(s, c), NOW), want, "row {i}");
    }
    let l = [license()];
    assert_eq!(release_access(&Requester::Licenses(&l), &release(Closed, &none), NOW), Access::Hidden);
    assert_eq!(release_access(&Requester::Licenses(&l), &release(Licensed, &none), NOW), Access::Allow);
}

#[test]
fn only_privileged_see_drafts_and_yanked() {
    let none: Vec<String> = vec![];
    for status in [ReleaseStatus::Draft, ReleaseStatus::Yanked] {
        let r = ReleaseFacts { status, ..release(Open, &none) };
        assert_eq!(release_access(&Requester::Privileged, &r, NOW), Access::Allow);
        assert_eq!(release_access(&Requester::Nobody, &r, NOW), Access::Hidden);
        assert_eq!(licensed(license(), &r), Access::Hidden);
    }
}

#[test]
fn license_checks_in_keygens_order() {
    let none: Vec<String> = vec![];
    let r = release(Licensed, &none);
    assert_eq!(licensed(LicenseFacts { suspended: true, banned: true, ..license() }, &r), Access::Denied(Denial::Suspended));
    assert_eq!(licensed(LicenseFacts { banned: true, ..license() }, &r), Access::Denied(Denial::Banned));
    // Suspended licenses are refused on OPEN products too when the release is constrained.
    let gated = vec!["e1".to_owned()];
    let open_gated = release(Open, &gated);
    assert_eq!(licensed(LicenseFacts { suspended: true, entitlements: gated.clone(), ..license() }, &open_gated), Access::Denied(Denial::Suspended));
}

/// Release dated before / after the license's expiry, with the expiry past / future.
#[test]
fn expiration_strategies_as_keygen_defines_them() {
    let none: Vec<String> = vec![];
    let early = ReleaseFacts { dated_at: NOW - 3 * DAY, released_at: NOW - 3 * DAY, ..release(Licensed, &none) };
    let late = ReleaseFacts { dated_at: NOW - DAY, released_at: NOW - DAY, ..release(Licensed, &none) };
    let expired = NOW - 2 * DAY; // between early and late
    let future = NOW + DAY;
    use Access::{Allow, Denied};
    use Denial::{Expired, OutsideExpiryWindow};
    // (strategy, expiry, release, expected)
    let table = [
        (RevokeAccess, expired, &early, Denied(Expired)),
        (RevokeAccess, expired, &late, Denied(Expired)),
        (RevokeAccess, future, &late, Allow),
        (RestrictAccess, expired, &early, Allow),
        (RestrictAccess, expired, &late, Denied(OutsideExpiryWindow)),
        (RestrictAccess, future, &late, Allow),
        (MaintainAccess, expired, &early, Allow),
        (MaintainAccess, expired, &late, Denied(OutsideExpiryWindow)),
        (AllowAccess, expired, &early, Allow),
        (AllowAccess, expired, &late, Allow),
    ];
    for (i, (s, expiry, r, want)) in table.into_iter().enumerate() {
        let l = LicenseFacts { expiry: Some(expiry), expiration_strategy: s, ..license() };
        assert_eq!(licensed(l, r), want, "row {i} ({s})");
    }
}

#[test]
fn every_constraining_entitlement_is_needed() {
    let gated = vec!["e1".to_owned(), "e2".to_owned()];
    let r = release(Licensed, &gated);
    assert_eq!(licensed(LicenseFacts { entitlements: vec!["e1".into()], ..license() }, &r), Access::Denied(Denial::MissingEntitlements));
    assert_eq!(licensed(LicenseFacts { entitlements: vec!["e2".into(), "e1".into(), "e3".into()], ..license() }, &r), Access::Allow);
    let open = release(Open, &gated);
    assert_eq!(licensed(LicenseFacts { entitlements: vec!["e1".into(), "e2".into()], ..license() }, &open), Access::Allow);
}

#[test]
fn maintenance_window_refuses_later_releases() {
    let none: Vec<String> = vec![];
    let r = release(Licensed, &none);
    assert_eq!(licensed(LicenseFacts { maintenance_expiry: Some(NOW - 2 * DAY), ..license() }, &r), Access::Denied(Denial::OutsideMaintenanceWindow));
    assert_eq!(licensed(LicenseFacts { maintenance_expiry: Some(NOW - DAY), ..license() }, &r), Access::Allow);
}

#[test]
fn a_user_passes_if_any_license_passes() {
    let none: Vec<String> = vec![];
    let r = release(Licensed, &none);
    let ls = [LicenseFacts { suspended: true, ..license() }, license()];
    assert_eq!(release_access(&Requester::Licenses(&ls), &r, NOW), Access::Allow);
    let ls = [LicenseFacts { suspended: true, ..license() }, LicenseFacts { banned: true, ..license() }];
    assert_eq!(release_access(&Requester::Licenses(&ls), &r, NOW), Access::Denied(Denial::Suspended));
}

#[test]
fn version_gate_table() {
    let v = |s: &str| s.parse::<Version>().ok();
    let gate = |max: Option<&str>, current: Option<&str>, major: bool, minor: bool| VersionGate {
        max_allowed: max.and_then(v),
        current: current.and_then(v),
        allow_major: major,
        allow_minor: minor,
        backport_max: None,
    };
    let table: &[(VersionGate, &str, bool)] = &[
        (VersionGate::default(), "9.9.9", true),
        (gate(Some("1.9.9"), None, true, true), "1.9.9", true),
        (gate(Some("1.9.9"), None, true, true), "2.0.0-beta.1", false),
        (gate(Some("2.0.0"), None, true, true), "2.0.0-beta.1", true),
        (gate(None, Some("1.4.0"), false, true), "1.9.0", true),
        (gate(None, Some("1.4.0"), false, true), "2.0.0", false),
        (gate(None, Some("1.4.0"), true, false), "1.5.0", false),
        (gate(None, Some("1.4.0"), true, false), "1.4.7", true),
        (gate(None, Some("1.4.0"), true, false), "2.0.0", true),
        (gate(None, Some("1.4.0"), false, false), "1.3.0", true),
        (gate(None, None, false, false), "7.0.0", true),
    ];
    for (g, version, want) in table {
        assert_eq!(g.allows(v(version).as_ref()), *want, "{g:?} {version}");
    }
    assert!(VersionGate::default().allows(None), "an unparsable version passes an open gate");
    assert!(!gate(Some("1.0.0"), None, true, true).allows(None), "and no other");
    // In the rule: after the maintenance window, with its own reason.
    let two = v("2.0.0");
    let r = ReleaseFacts { version: two.as_ref(), ..release(Licensed, &[]) };
    let l = LicenseFacts { versions: gate(None, Some("1.0.0"), false, true), ..license() };
    assert_eq!(licensed(l, &r), Access::Denied(Denial::VersionNotAllowed));
    assert_eq!(Denial::VersionNotAllowed.reason(), "release version is not allowed for the license");
}

/// Computed `maxAllowedReleaseVersion` (c10): a backport published after the maintenance window
/// at or below the computed maximum is covered; anything newer after the window is not.
#[test]
fn backports_under_the_computed_maximum_pass_the_maintenance_window() {
    let v = |s: &str| s.parse::<Version>().ok();
    let window = LicenseFacts {
        maintenance_expiry: Some(NOW - 10),
        versions: VersionGate { max_allowed: v("1.9.0"), backport_max: v("1.9.0"), ..VersionGate::default() },
        ..license()
    };
    let table = [("1.4.3", true), ("1.9.0", true), ("1.9.1", false), ("2.0.0", false)];
    for (version, allowed) in table {
        let ver = v(version);
        let r = ReleaseFacts { version: ver.as_ref(), released_at: NOW - 5, ..release(Licensed, &[]) };
        let got = licensed(window.clone(), &r);
        assert_eq!(got == Access::Allow, allowed, "{version}: {got:?}");
    }
    // Without a computed maximum (no backport_max) the window's date rule stands alone.
    let ver = v("1.4.3");
    let r = ReleaseFacts { version: ver.as_ref(), released_at: NOW - 5, ..release(Licensed, &[]) };
    let plain = LicenseFacts { maintenance_expiry: Some(NOW - 10), ..license() };
    assert_eq!(licensed(plain, &r), Access::Denied(Denial::OutsideMaintenanceWindow));
}
