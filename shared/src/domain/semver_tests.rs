use proptest::prelude::*;

use super::*;

fn v(s: &str) -> Version {
    s.parse().unwrap()
}

#[test]
fn parses_and_normalizes_like_semverse() {
    assert_eq!(v("v1.2").to_string(), "1.2.0");
    assert_eq!(v("1").to_string(), "1.0.0");
    assert_eq!(v("1.2.3-beta.1+build.5").to_string(), "1.2.3-beta.1+build.5");
    for bad in ["", "x", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-beta..1", "1.2.3-01", "1.2.3+", "1..2", "1.2.3-be ta", "99999999999999999999999"] {
        assert!(bad.parse::<Version>().is_err(), "{bad:?} parsed");
    }
}

/// Semver 2.0 §11's example chain, plus the numeric/alphanumeric and length rules.
#[test]
fn precedence_follows_semver_2() {
    let chain = [
        "0.9.9",
        "1.0.0-0",
        "1.0.0-9",
        "1.0.0-10",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-alpha-x",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.2.0",
        "1.10.0",
        "2.0.0-dev.1",
        "2.0.0",
        "10.0.0",
    ];
    for w in chain.windows(2) {
        let (a, b) = (v(w[0]), v(w[1]));
        assert_eq!(a.precedence(&b), Ordering::Less, "{} < {}", w[0], w[1]);
        assert!(a.sort_key() < b.sort_key(), "key {} < {}", w[0], w[1]);
    }
    assert_eq!(v("1.0.0+a").precedence(&v("1.0.0+b")), Ordering::Equal);
    assert_eq!(v("1.0.0+a").sort_key(), v("1.0.0+b").sort_key());
}

#[test]
fn channels_see_themselves_and_the_more_stable() {
    use Channel::*;
    let table = [(Stable, vec![Stable]), (Rc, vec![Stable, Rc]), (Beta, vec![Stable, Rc, Beta]), (Alpha, vec![Stable, Rc, Beta, Alpha]), (Dev, vec![Dev])];
    for (client, seen) in table {
        assert_eq!(client.visible(), seen, "{client}");
    }
}

#[test]
fn a_version_names_its_channel() {
    assert_eq!(v("1.0.0").channel(), Some(Channel::Stable));
    assert_eq!(v("1.0.0-beta.2").channel(), Some(Channel::Beta));
    assert_eq!(v("1.0.0-rc1").channel(), Some(Channel::Rc));
    assert_eq!(v("1.0.0-dev").channel(), Some(Channel::Dev));
    assert_eq!(v("1.0.0-nightly").channel(), None);
}

#[test]
fn constraints_pin_the_parts_given() {
    let c = |s: &str| s.parse::<Constraint>().unwrap();
    assert!(c("1").allows(&v("1.9.0")) && !c("1").allows(&v("2.0.0")));
    assert!(c("<2").allows(&v("2.5.0")) && !c("<2").allows(&v("1.0.0")));
    assert!(c("1.2").allows(&v("1.3.0")) && !c("1.2").allows(&v("1.1.9")));
    assert!(c("~> 1.2.3").allows(&v("1.2.4")) && !c("1.2.3").allows(&v("1.3.0")));
    assert!(c("1-beta").allows(&v("1.4.0-beta.2")) && !c("1-beta").allows(&v("1.4.0")));
    for bad in ["", ">=", "x", "1.x", "1.2.3.4", "-beta"] {
        assert!(bad.parse::<Constraint>().is_err(), "{bad:?} parsed");
    }
}

proptest! {
    #[test]
    fn parsing_never_panics(s in ".{0,64}") {
        let _ = s.parse::<Version>();
        let _ = s.parse::<Constraint>();
    }

    #[test]
    fn sort_key_order_is_precedence(
        a in (0u64..4, 0u64..4, 0u64..4, prop::collection::vec("(0|[1-9][0-9]{0,2}|[a-z][a-z-]{0,3})", 0..3)),
        b in (0u64..4, 0u64..4, 0u64..4, prop::collection::vec("(0|[1-9][0-9]{0,2}|[a-z][a-z-]{0,3})", 0..3)),
    ) {
        let mk = |(ma, mi, pa, pre): (u64, u64, u64, Vec<String>)| Version { major: ma, minor: mi, patch: pa, pre, build: vec![] };
        let (x, y) = (mk(a), mk(b));
        prop_assert_eq!(x.precedence(&y), x.sort_key().cmp(&y.sort_key()));
        prop_assert_eq!(x.to_string().parse::<Version>().unwrap(), x);
    }
}
