//! Rate limits' pure part: keys, counters, headers, and `wrangler.toml` / the e2e harness in
//! step with the specs.

use shared::service::identity::auth::Credentials;

use super::{checks, reported, reset_subject, subject_check, too_many, Class, Counters, Outcome, GENERAL, STRICT};

const SECRET: &str = "test-secret";

fn password(email: &str) -> Credentials {
    Credentials::Password { email: email.into(), password: "hunter2".into() }
}

#[test]
fn general_limits_key_per_ip_and_per_credential_digest() {
    let token = Credentials::Token("admin-tok-secret-value".into());
    let cs = checks(SECRET, "acc1", Some("203.0.113.9"), Some(&token), Class::General);
    assert_eq!(cs.len(), 4, "{cs:?}");
    assert_eq!(cs.iter().filter(|c| c.spec == GENERAL[0]).count(), 2);
    assert_eq!(cs.iter().filter(|c| c.spec == GENERAL[1]).count(), 2);
    assert!(cs.iter().any(|c| c.key == "acc1:ip:203.0.113.9"));
    for c in &cs {
        assert!(c.key.starts_with("acc1:"), "{}", c.key);
        assert!(!c.key.contains("admin-tok-secret-value"), "the raw token leaks into {}", c.key);
    }
    // Anonymous: per IP only.
    assert_eq!(checks(SECRET, "acc1", Some("203.0.113.9"), None, Class::General).len(), 2);
    assert_eq!(checks(SECRET, "acc1", Some("203.0.113.9"), Some(&Credentials::None), Class::General).len(), 2);
    // Another account, another key.
    let other = checks(SECRET, "acc2", Some("203.0.113.9"), Some(&token), Class::General);
    assert!(other.iter().all(|o| cs.iter().all(|c| c.key != o.key)));
}

#[test]
fn password_login_adds_the_strict_limit_per_email() {
    let login = |email: &str, ip: &str| checks(SECRET, "acc1", Some(ip), Some(&password(email)), Class::Login);
    let a = login("grace@example.com", "203.0.113.9");
    let strict: Vec<_> = a.iter().filter(|c| c.spec.binding == "RL_LOGIN").collect();
    assert_eq!(strict.len(), 1, "{a:?}");
    let key = &strict.first().expect("strict").key;
    assert!(!key.contains("grace") && !key.contains("hunter2"), "{key}");
    // The same email from another IP shares the key; another email does not.
    let b = login("grace@example.com", "198.51.100.7");
    assert!(b.iter().any(|c| c.spec.binding == "RL_LOGIN" && &c.key == key));
    let c = login("ada@example.com", "203.0.113.9");
    assert!(c.iter().all(|c| c.spec.binding != "RL_LOGIN" || &c.key != key));
    // Tokens minted by a token bearer are not password guesses: general limits only.
    let tok = checks(SECRET, "acc1", Some("203.0.113.9"), Some(&Credentials::Token("t".into())), Class::Login);
    assert!(tok.iter().all(|c| c.spec.binding != "RL_LOGIN"));
}

#[test]
fn other_strict_classes_plug_in_by_binding() {
    assert_eq!(Class::General.binding(), None);
    assert_eq!(Class::Login.binding(), Some("RL_LOGIN"));
    for (class, binding) in [(Class::PasswordReset, "RL_PASSWORD_RESET"), (Class::SecondFactor, "RL_SECOND_FACTOR")] {
        let cs = checks(SECRET, "acc1", Some("203.0.113.9"), None, class);
        assert!(cs.iter().any(|c| c.spec.binding == binding && c.key == "acc1:ip:203.0.113.9"), "{cs:?}");
    }
}

#[test]
fn counters_count_per_fixed_window_and_reset() {
    let mut k = Counters::default();
    assert_eq!(k.hit("a", 10, 1_000), (1, 1_010));
    assert_eq!(k.hit("a", 10, 1_009), (2, 1_010));
    assert_eq!(k.hit("b", 10, 1_009), (1, 1_010));
    assert_eq!(k.hit("a", 10, 1_010), (1, 1_020));
    assert_eq!(k.hit("m", 60, 1_019), (1, 1_020));
    assert_eq!(k.hit("m", 60, 1_021), (1, 1_080));
}

#[test]
fn counters_stay_bounded() {
    let mut k = Counters::default();
    for i in 0..10_000 {
        k.hit(&format!("k{i}"), 10, i64::from(i) * 10);
    }
    assert!(k.0.len() <= super::MAX_KEYS + 1, "{}", k.0.len());
}

fn o(limit: u32, count: u32, allowed: bool, period_s: i64) -> Outcome {
    Outcome { period_s, limit, count, allowed, reset_s: 1_060 }
}

#[test]
fn headers_report_count_limit_remaining_reset() {
    let h = o(5, 2, true, 60).headers(1_030);
    let get = |h: &[(&str, String)], k: &str| h.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(get(&h, "X-RateLimit-Window").as_deref(), Some("1m"));
    assert_eq!(get(&h, "X-RateLimit-Count").as_deref(), Some("2"));
    assert_eq!(get(&h, "X-RateLimit-Limit").as_deref(), Some("5"));
    assert_eq!(get(&h, "X-RateLimit-Remaining").as_deref(), Some("3"));
    assert_eq!(get(&h, "X-RateLimit-Reset").as_deref(), Some("1060"));
    assert_eq!(get(&h, "Retry-After"), None);
    let refused = o(5, 3, false, 10).headers(1_030);
    assert_eq!(get(&refused, "X-RateLimit-Window").as_deref(), Some("10s"));
    assert_eq!(get(&refused, "X-RateLimit-Remaining").as_deref(), Some("0"));
    assert_eq!(get(&refused, "Retry-After").as_deref(), Some("30"));
    // Never 0 or negative, even at the window's edge.
    assert_eq!(get(&o(5, 9, false, 10).headers(2_000), "Retry-After").as_deref(), Some("1"));
    // Counted past the limit in this isolate: remaining saturates at 0.
    assert_eq!(o(5, 9, true, 60).remaining(), 0);
}

#[test]
fn the_report_is_the_refusal_else_the_tightest() {
    let list = [o(500, 3, true, 10), o(5, 4, true, 60), o(1800, 3, true, 60)];
    assert_eq!(reported(&list), Some(&list[1]));
    let refused = [o(500, 3, true, 10), o(5, 6, false, 60), o(1, 1, true, 60)];
    assert_eq!(reported(&refused), Some(&refused[1]));
    assert_eq!(reported(&[]), None);
    let e = too_many(&refused[1], 1_030);
    assert_eq!((e.status, e.code.as_ref()), (429, "TOO_MANY_REQUESTS"));
}

fn read(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `simple = { limit = N, period = P }` of the `[[ratelimits]]` block named `binding`.
fn toml_binding(toml: &str, binding: &str) -> Option<(u32, i64)> {
    let block = toml.split("[[ratelimits]]").find(|b| b.contains(&format!("name = \"{binding}\"")))?;
    let simple = block.lines().find(|l| l.trim_start().starts_with("simple"))?;
    let num = |k: &str| simple.split(k).nth(1)?.trim_start_matches([' ', '=']).split(|c: char| !c.is_ascii_digit()).next()?.parse::<i64>().ok();
    Some((u32::try_from(num("limit")?).ok()?, num("period")?))
}

fn toml_var(toml: &str, var: &str) -> Option<u32> {
    let line = toml.lines().find(|l| l.trim_start().starts_with(&format!("{var} =")))?;
    line.split('"').nth(1)?.parse().ok()
}

#[test]
fn wrangler_toml_binds_every_limit_with_its_var() {
    let toml = read("../wrangler.toml");
    for spec in GENERAL.into_iter().chain(STRICT.into_iter().map(|(_, s)| s)) {
        let (limit, period) = toml_binding(&toml, spec.binding).unwrap_or_else(|| panic!("wrangler.toml: no [[ratelimits]] {}", spec.binding));
        assert_eq!(period, spec.period_s, "{}", spec.binding);
        assert!(period == 10 || period == 60, "{}: the binding allows 10 or 60 s", spec.binding);
        assert_eq!(toml_var(&toml, spec.var), Some(limit), "wrangler.toml: {} must equal {}'s simple.limit", spec.var, spec.binding);
    }
}

#[test]
fn the_e2e_harness_binds_every_limit() {
    let js = read("../tests/harness/server.mjs");
    for spec in GENERAL.into_iter().chain(STRICT.into_iter().map(|(_, s)| s)) {
        let line = js.lines().find(|l| l.trim_start().starts_with(&format!("{}:", spec.binding))).unwrap_or_else(|| panic!("server.mjs: no {}", spec.binding));
        assert!(line.contains(&format!("period: {}", spec.period_s)) && line.contains(spec.var), "server.mjs: {line}");
    }
    // Strict limits are the production ones, so the e2e test exercises what deploys enforce.
    let toml = read("../wrangler.toml");
    for (_, spec) in STRICT {
        let (limit, _) = toml_binding(&toml, spec.binding).unwrap_or_default();
        assert!(
            js.contains(&format!("{}: {{ simple: {{ limit: {limit}, period", spec.binding)),
            "server.mjs: {} limit differs from wrangler.toml",
            spec.binding
        );
    }
}

#[test]
fn password_reset_is_keyed_per_target_user_whatever_the_ip() {
    let body = br#"{"meta":{"email":" Ulla@Example.com "}}"#;
    assert_eq!(reset_subject("/passwords", "", body).as_deref(), Some("ulla@example.com"));
    assert_eq!(reset_subject("/passwords", "", b"{"), None);
    assert_eq!(reset_subject("/users/{id}/actions/reset-password", "Ulla@Example.com", b"").as_deref(), Some("ulla@example.com"));
    assert_eq!(reset_subject("/users/{id}/actions/reset-password", "", b""), None);
    let a = subject_check(SECRET, "acc1", Class::PasswordReset, "ulla@example.com");
    let b = subject_check(SECRET, "acc1", Class::PasswordReset, "vera@example.com");
    let (Some(a), Some(b)) = (a, b) else { panic!("the password-reset class has a strict limit") };
    assert_eq!(a.spec.binding, "RL_PASSWORD_RESET");
    assert_ne!(a.key, b.key);
    assert!(a.key.starts_with("acc1:subject:") && !a.key.contains("ulla"), "digest only: {}", a.key);
    assert_eq!(subject_check(SECRET, "acc1", Class::General, "ulla@example.com"), None);
}
