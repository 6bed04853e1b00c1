//! Table tests of the activation rules, one table per rule.

use super::*;
use serde_json::json;

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[test]
fn cidr_parsing_table() {
    let table: &[(&str, Option<&str>)] = &[
        ("203.0.113.0/24", Some("203.0.113.0/24")),
        ("203.0.113.77/24", Some("203.0.113.0/24")),
        ("10.0.0.1", Some("10.0.0.1/32")),
        ("0.0.0.0/0", Some("0.0.0.0/0")),
        ("2001:db8::/32", Some("2001:db8::/32")),
        ("2001:db8:ffff::1/32", Some("2001:db8::/32")),
        ("::1", Some("::1/128")),
        ("::/0", Some("::/0")),
        ("203.0.113.0/33", None),
        ("2001:db8::/129", None),
        ("203.0.113.0/", None),
        ("203.0.113.0/-1", None),
        ("203.0.113.0/+8", None),
        ("203.0.113.0/0008", None),
        ("256.0.0.0/8", None),
        ("example.com/8", None),
        ("", None),
        ("10.0.0.0/8/8", None),
    ];
    for (s, want) in table {
        assert_eq!(parse_cidr(s).ok().map(|c| c.to_string()).as_deref(), *want, "{s:?}");
    }
}

#[test]
fn cidr_matching_table() {
    let table: &[(&str, &str, bool)] = &[
        ("203.0.113.0/24", "203.0.113.1", true),
        ("203.0.113.0/24", "203.0.113.255", true),
        ("203.0.113.0/24", "203.0.114.0", false),
        ("10.0.0.1", "10.0.0.1", true),
        ("10.0.0.1", "10.0.0.2", false),
        ("0.0.0.0/0", "8.8.8.8", true),
        ("0.0.0.0/0", "2001:db8::1", false),
        ("203.0.113.0/24", "::ffff:203.0.113.9", true),
        ("2001:db8::/32", "2001:db8:1234::1", true),
        ("2001:db8::/32", "2001:db9::1", false),
        ("::/0", "::1", true),
        ("::/0", "127.0.0.1", false),
        ("fe80::/10", "febf::1", true),
        ("fe80::/10", "fec0::1", false),
    ];
    for (range, addr, want) in table {
        let c = parse_cidr(range).unwrap_or_else(|e| panic!("{range}: {e}"));
        assert_eq!(c.contains(addr.parse().unwrap_or_else(|_| panic!("{addr}"))), *want, "{range} ∋ {addr}");
    }
}

#[test]
fn ip_rule_table() {
    let ranges = vec!["203.0.113.0/24".to_owned(), "2001:db8::/32".to_owned()];
    let table: &[(&[String], Option<IpAddr>, bool)] = &[
        (&[], None, true),
        (&[], ip("1.2.3.4"), true),
        (&ranges, ip("203.0.113.5"), true),
        (&ranges, ip("2001:db8::5"), true),
        (&ranges, ip("198.51.100.1"), false),
        (&ranges, None, false),
    ];
    for (r, addr, want) in table {
        assert_eq!(ip_allowed(r, *addr), *want, "{r:?} {addr:?}");
    }
}

#[test]
fn country_parsing_and_rule_table() {
    assert_eq!(parse_country("us"), Ok("US".into()));
    for bad in ["", "U", "USA", "XX", "T1", "ZZ", "U1", "ÜS", "u s"] {
        assert!(parse_country(bad).is_err(), "{bad:?}");
    }
    let (us, de) = (vec!["US".to_owned()], vec!["DE".to_owned()]);
    type Row<'a> = (&'a [String], &'a [String], Option<&'a str>, bool);
    let table: &[Row<'_>] = &[
        (&[], &[], None, true),
        (&[], &[], Some("FR"), true),
        (&us, &[], Some("US"), true),
        (&us, &[], Some("us"), true),
        (&us, &[], Some("DE"), false),
        (&us, &[], None, false),
        (&[], &de, Some("DE"), false),
        (&[], &de, Some("US"), true),
        (&[], &de, None, true),
        (&us, &us, Some("US"), false),
    ];
    for (a, d, c, want) in table {
        assert_eq!(country_allowed(a, d, *c), *want, "{a:?} {d:?} {c:?}");
    }
}

#[test]
fn clock_rule_table() {
    let now = 1_000_000_000;
    let table = [
        (-1, None, true),
        (-1, Some(0), true),
        (0, Some(now), true),
        (0, Some(now + 1), false),
        (60, Some(now + 60_000), true),
        (60, Some(now - 60_000), true),
        (60, Some(now + 60_001), false),
        (60, Some(now - 60_001), false),
        (60, None, false),
        (MAX_RULE_INT, Some(i64::MIN), false),
        (MAX_RULE_INT, Some(i64::MAX), false),
    ];
    for (offset, clock, want) in table {
        assert_eq!(clock_allowed(offset, clock, now), want, "{offset} {clock:?}");
    }
}

#[test]
fn deactivation_rule_table() {
    for (allowed, used, want) in [(-1, 0, true), (-1, i64::MAX, true), (0, 0, false), (2, 1, true), (2, 2, false), (2, 3, false)] {
        assert_eq!(deactivation_allowed(allowed, used), want, "{allowed} {used}");
    }
}

#[test]
fn check_order_and_vm_container_table() {
    let strict = ActivationRules {
        allowed_ip_ranges: vec!["10.0.0.0/8".into()],
        allowed_countries: vec!["US".into()],
        allow_vm_activation: false,
        allow_container_activation: false,
        allowed_clock_offset: 10,
        ..ActivationRules::default()
    };
    let ok = Facts { ip: ip("10.1.1.1"), country: Some("US".into()), vm: false, container: false, clock: Some(5_000) };
    let table: Vec<(&ActivationRules, Facts, Option<Refusal>)> = vec![
        (&strict, ok.clone(), None),
        (&strict, Facts { ip: ip("11.0.0.1"), country: Some("DE".into()), vm: true, ..ok.clone() }, Some(Refusal::Ip)),
        (&strict, Facts { country: Some("DE".into()), vm: true, ..ok.clone() }, Some(Refusal::Country)),
        (&strict, Facts { vm: true, container: true, ..ok.clone() }, Some(Refusal::Vm)),
        (&strict, Facts { container: true, ..ok.clone() }, Some(Refusal::Container)),
        (&strict, Facts { clock: Some(16_000), ..ok.clone() }, Some(Refusal::Clock)),
        (&strict, Facts { clock: None, ..ok.clone() }, Some(Refusal::Clock)),
    ];
    let default = ActivationRules::default();
    for (r, f, want) in table {
        assert_eq!(check(r, &f, 5_000), want, "{f:?}");
    }
    assert_eq!(check(&default, &Facts { vm: true, container: true, ..Facts::default() }, 0), None, "defaults allow everything");
}

#[test]
fn overrides_take_validate_and_merge() {
    let mut attrs = json!({
        "allowedIpRanges": ["203.0.113.7/24", "203.0.113.0/24", "2001:db8::/32"],
        "allowedCountries": ["us", "DE"],
        "allowVmActivation": false,
        "allowedDeactivations": 3,
        "allowedClockOffset": null,
        "name": "kept",
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let (o, nulls) = take(&mut attrs).unwrap();
    assert_eq!(nulls, ["allowedClockOffset"]);
    assert_eq!(attrs.keys().collect::<Vec<_>>(), ["name"], "only rule keys are taken");
    assert_eq!(o.allowed_ip_ranges.as_deref(), Some(&["203.0.113.0/24".to_owned(), "2001:db8::/32".to_owned()][..]));
    assert_eq!(o.allowed_countries.as_deref(), Some(&["US".to_owned(), "DE".to_owned()][..]));
    let policy = ActivationRules { allowed_clock_offset: 30, allowed_deactivations: 10, ..ActivationRules::default() };
    let e = effective(&policy, &o);
    assert_eq!((e.allow_vm_activation, e.allowed_deactivations, e.allowed_clock_offset), (false, 3, 30));
    assert!(e.disallowed_countries.is_empty());

    let bad: &[(Value, &str)] = &[
        (json!({"allowedIpRanges": "10.0.0.0/8"}), "/data/attributes/allowedIpRanges"),
        (json!({"allowedIpRanges": ["10.0.0.0/8", "10.0.0.0/40"]}), "/data/attributes/allowedIpRanges/1"),
        (json!({"allowedIpRanges": [7]}), "/data/attributes/allowedIpRanges/0"),
        (json!({"allowedCountries": ["US", "XX"]}), "/data/attributes/allowedCountries/1"),
        (json!({"disallowedCountries": ["united states"]}), "/data/attributes/disallowedCountries/0"),
        (json!({"allowVmActivation": "no"}), "/data/attributes/allowVmActivation"),
        (json!({"allowedClockOffset": -2}), "/data/attributes/allowedClockOffset"),
        (json!({"allowedDeactivations": 1.5}), "/data/attributes/allowedDeactivations"),
        (json!({"allowedDeactivations": 2_147_483_648_i64}), "/data/attributes/allowedDeactivations"),
        (json!({"allowedCountries": vec!["US"; MAX_LIST + 1]}), "/data/attributes/allowedCountries"),
    ];
    for (v, want) in bad {
        let mut m = v.as_object().cloned().unwrap_or_default();
        let err = take(&mut m).unwrap_err();
        let got = match &err.source {
            Some(crate::error::Source::Pointer(p)) => p.clone(),
            _ => String::new(),
        };
        assert_eq!((err.code.as_ref(), got.as_str()), ("PARAMETER_INVALID", *want), "{v}");
    }
}

#[test]
fn stored_rules_default_when_absent() {
    let r: ActivationRules = serde_json::from_value(json!({})).unwrap();
    assert_eq!(r, ActivationRules::default());
    let o: Overrides = serde_json::from_value(json!({"allowedDeactivations": 2})).unwrap();
    assert_eq!(serde_json::to_value(&o).unwrap(), json!({"allowedDeactivations": 2}));
}

#[test]
fn policy_and_license_updates_merge_and_nulls_reset() {
    let cur = ActivationRules { allowed_deactivations: 5, allow_vm_activation: false, ..ActivationRules::default() };
    let sent = Overrides { allowed_clock_offset: Some(9), ..Overrides::default() };
    let got = apply_to_policy(&cur, &sent, &["allowVmActivation"]);
    assert_eq!((got.allowed_deactivations, got.allow_vm_activation, got.allowed_clock_offset), (5, true, 9));
    let stored = Overrides { allowed_deactivations: Some(1), allowed_countries: Some(vec!["US".into()]), ..Overrides::default() };
    let got = apply_to_license(&stored, &sent, &["allowedCountries"]);
    assert_eq!(got, Overrides { allowed_deactivations: Some(1), allowed_clock_offset: Some(9), ..Overrides::default() });
}

#[test]
fn clock_header_table() {
    assert_eq!(parse_clock(None).unwrap(), None);
    assert_eq!(parse_clock(Some(" ")).unwrap(), None);
    assert_eq!(parse_clock(Some("2024-01-01T00:00:00Z")).unwrap(), Some(1_704_067_200_000));
    let e = parse_clock(Some("yesterday")).unwrap_err();
    assert_eq!((e.code.as_ref(), e.source.clone()), ("PARAMETER_INVALID", Some(crate::error::Source::Header(CLOCK_HEADER.into()))));
}

#[test]
fn validation_rechecks_table() {
    use crate::access::Kind;
    let now = 1_000_000_000;
    let strict = ActivationRules {
        allowed_ip_ranges: vec!["10.0.0.0/8".into()],
        allowed_countries: vec!["US".into()],
        allow_vm_activation: false,
        allow_container_activation: false,
        allowed_clock_offset: 60,
        ..ActivationRules::default()
    };
    let ok = Facts { ip: ip("10.1.2.3"), country: Some("US".into()), clock: Some(now), ..Facts::default() };
    let table: &[(Facts, Option<Refusal>)] = &[
        (ok.clone(), None),
        // Without a clock, validation does not check it (activation refuses).
        (Facts { clock: None, ..ok.clone() }, None),
        (Facts { clock: Some(now - 61_000), ..ok.clone() }, Some(Refusal::Clock)),
        (Facts { ip: ip("11.0.0.1"), ..ok.clone() }, Some(Refusal::Ip)),
        (Facts { ip: None, clock: None, ..ok.clone() }, Some(Refusal::Ip)),
        (Facts { country: Some("DE".into()), ..ok.clone() }, Some(Refusal::Country)),
        (Facts { vm: true, ..ok.clone() }, Some(Refusal::Vm)),
        (Facts { container: true, clock: None, ..ok.clone() }, Some(Refusal::Container)),
    ];
    for (f, want) in table {
        assert_eq!(check_on_validation(&strict, f, now), *want, "{f:?}");
    }
    assert_eq!(check(&strict, &Facts { clock: None, ..ok }, now), Some(Refusal::Clock));
    let who: Vec<bool> = Kind::ALL.iter().map(|k| checked_on_validation(*k)).collect();
    assert_eq!(
        who,
        // (organization admins, then reseller admins last, issue 10 §7, a vendor-side bearer)
        [false, false, false, false, false, false, false, true, true, true, true, false],
        "admin, staff, environment, product: no; user, organization admin, license, anonymous: yes; reseller admin: no"
    );
}

#[test]
fn rules_only_turn_a_valid_outcome_invalid() {
    use crate::domain::validation::{Outcome, ValidationCode as C};
    let valid = Outcome { valid: true, detail: "is valid".into(), code: C::Valid };
    let expired_allowed = Outcome { valid: true, detail: "is expired".into(), code: C::Expired };
    let suspended = Outcome { valid: false, detail: "is suspended".into(), code: C::Suspended };
    let table: &[(&Outcome, Option<Refusal>, bool, C)] = &[
        (&valid, None, true, C::Valid),
        (&valid, Some(Refusal::Ip), false, C::IpAddressNotAllowed),
        (&valid, Some(Refusal::Country), false, C::CountryNotAllowed),
        (&valid, Some(Refusal::Vm), false, C::VmActivationNotAllowed),
        (&valid, Some(Refusal::Container), false, C::ContainerActivationNotAllowed),
        (&valid, Some(Refusal::Clock), false, C::ClockOffsetExceeded),
        (&expired_allowed, Some(Refusal::Country), false, C::CountryNotAllowed),
        (&suspended, Some(Refusal::Ip), false, C::Suspended),
    ];
    for (o, r, valid, code) in table {
        let got = after_rules((*o).clone(), *r);
        assert_eq!((got.valid, got.code), (*valid, *code), "{o:?} {r:?}");
    }
}
