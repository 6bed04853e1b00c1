//! Rate limits on the real runtime (Miniflare's Rate Limiting binding, configured in
//! tests/harness/server.mjs like wrangler.toml): `X-RateLimit-*` on every account-scoped
//! response, and a password brute force drawing signed 429s with `Retry-After` while other
//! callers carry on.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use e2e::{assert_signed, server, Resp, TestAccount};
use serde_json::json;

const HEADERS: [&str; 5] = ["X-RateLimit-Window", "X-RateLimit-Count", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];

fn now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

fn num(r: &Resp, h: &str) -> u64 {
    r.header(h).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{h} missing or not a number on {} {}: {:?}", r.method, r.target, r.headers))
}

fn assert_rate_headers(r: &Resp) {
    for h in HEADERS {
        assert!(r.header(h).is_some(), "{h} missing on {} {} ({})", r.method, r.target, r.status);
    }
    assert!(matches!(r.header("X-RateLimit-Window"), Some("10s" | "1m")), "{:?}", r.header("X-RateLimit-Window"));
    let (count, limit, remaining) = (num(r, "X-RateLimit-Count"), num(r, "X-RateLimit-Limit"), num(r, "X-RateLimit-Remaining"));
    // Remaining is limit - count while allowed, 0 once refused.
    assert!(count >= 1 && (remaining == limit.saturating_sub(count) || remaining == 0), "{:?}", r.headers);
    assert!(num(r, "X-RateLimit-Reset") + 1 >= now_s(), "reset in the past: {:?}", r.headers);
}

fn basic(email: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}")))
}

/// `POST /tokens` with Basic credentials from `ip`, signature verified.
fn login(acct: &TestAccount, ip: &str, email: &str, password: &str) -> Resp {
    let auth = basic(email, password);
    let headers = [("Accept", "application/vnd.api+json"), ("Authorization", auth.as_str()), ("CF-Connecting-IP", ip)];
    let r = acct.client().raw("POST", &acct.path("/tokens"), &headers, None);
    assert_signed(&r, &acct.public_key_hex);
    r
}

fn user(acct: &TestAccount, email: &str) {
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"correct-horse-battery"}}});
    acct.client().post(&acct.path("/users"), acct.admin(), Some(body)).assert_status(201);
}

#[test]
fn every_account_scoped_response_carries_the_headers() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let ok = c.get(&acct.path("/licenses"), acct.admin(), None);
    assert_rate_headers(ok.assert_status(200));
    let missing = c.get(&acct.path("/licenses/nope"), acct.admin(), None);
    assert_rate_headers(missing.assert_status(404));
    let t = c.post(&acct.path("/tokens"), acct.admin(), None);
    let tid = t.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    assert_rate_headers(&t);
    let gone = c.delete(&acct.path(&format!("/tokens/{tid}")), acct.admin(), None);
    assert_rate_headers(gone.assert_status(204));
    let unauthenticated = c.get(&acct.path("/licenses"), Some("bogus-token"), None);
    assert_rate_headers(unauthenticated.assert_status(401));
    let bad_route = c.request("PATCH", &acct.path("/event-logs"), acct.admin(), None);
    assert_rate_headers(bad_route.assert_status(405));
    // Unsigned, not account-scoped: no headers.
    let ping = server().client().get("/v1/ping", None, None);
    assert!(ping.header("X-RateLimit-Limit").is_none());
}

#[test]
fn a_password_brute_force_is_throttled_per_email_and_others_carry_on() {
    let acct = server().bootstrap_account();
    let (victim, other) = (format!("victim-{}@example.com", e2e::unique_tag()), format!("other-{}@example.com", e2e::unique_tag()));
    user(&acct, &victim);
    user(&acct, &other);
    // The login limit is 5 per fixed 60 s window (epoch-aligned): start well inside one.
    let into = now_s() % 60;
    if into > 45 {
        std::thread::sleep(Duration::from_secs(61 - into));
    }
    let attacker = "203.0.113.66";
    for i in 1..=5 {
        let r = login(&acct, attacker, &victim, &format!("guess-{i}"));
        assert_eq!((r.status, r.error_code()), (401, Some("CREDENTIALS_INVALID")), "attempt {i}: {}", r.text());
        assert_eq!((r.header("X-RateLimit-Window"), r.header("X-RateLimit-Limit")), (Some("1m"), Some("5")), "attempt {i}: {:?}", r.headers);
        assert_eq!(num(&r, "X-RateLimit-Remaining"), 5 - i, "attempt {i}");
    }
    for i in 6..=8 {
        let r = login(&acct, attacker, &victim, &format!("guess-{i}"));
        assert_eq!((r.status, r.error_code()), (429, Some("TOO_MANY_REQUESTS")), "attempt {i}: {}", r.text());
        let retry: u64 = r.header("Retry-After").and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no Retry-After: {:?}", r.headers));
        assert!((1..=60).contains(&retry), "Retry-After {retry}");
        assert_eq!(num(&r, "X-RateLimit-Remaining"), 0);
        assert_rate_headers(&r);
    }
    // Throttled before authentication: the right password from another IP learns nothing either.
    let r = login(&acct, "198.51.100.20", &victim, "correct-horse-battery");
    assert_eq!((r.status, r.error_code()), (429, Some("TOO_MANY_REQUESTS")), "{}", r.text());
    // Another email, from the attacker's own IP: unaffected.
    let r = login(&acct, attacker, &other, "correct-horse-battery");
    r.assert_status(201);
    assert_rate_headers(&r);
    // Other credentials and other IPs: unaffected.
    acct.client().get(&acct.path("/licenses"), acct.admin(), None).assert_status(200);
    let headers = [("Accept", "application/vnd.api+json"), ("CF-Connecting-IP", "198.51.100.21")];
    let r = acct.client().raw("GET", &acct.path("/licenses/actions/validate-key"), &headers, None);
    assert_signed(&r, &acct.public_key_hex);
    assert_eq!(r.status, 405);
    // Another account's user of the same email is its own key.
    let acct2 = server().bootstrap_account();
    user(&acct2, &victim);
    login(&acct2, attacker, &victim, "correct-horse-battery").assert_status(201);
}
