//! Second factors (TOTP) on the real runtime: create → enable with a code computed from the
//! returned `uri` → password login without a code refused (`OTP_REQUIRED`) → with a fresh code
//! accepted → the same code replayed refused (`OTP_INVALID`); the secret is shown only once.
//! Codes are computed with `shared::crypto::totp`, which `shared`'s tests check against the
//! RFC 6238 / RFC 4226 published vectors.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};
use shared::crypto::totp::{base32_decode, TotpSecret};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Waits until at least 5 s remain in the current 30-second step, so client and server agree on it.
fn settle() {
    while now() % 30 > 24 {
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn basic(email: &str, pw: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{pw}")))
}

fn error(r: &Resp) -> (u16, Value, Value) {
    (r.status, r.json["errors"][0]["code"].clone(), r.json["errors"][0]["source"].clone())
}

/// A user with a password and a token of its own.
fn user(acct: &TestAccount) -> (String, String, String) {
    let email = format!("sf-{}@example.com", e2e::unique_tag());
    let r =
        acct.client().post(&acct.path("/users"), acct.admin(), Some(json!({"data":{"type":"users","attributes":{"email":email,"password":"long enough pw"}}})));
    r.assert_status(201);
    let id = r.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let t = acct.client().post(&acct.path("/tokens"), Some(&basic(&email, "long enough pw")), None);
    t.assert_status(201);
    (id, email, t.json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
}

fn secret_of(uri: &str) -> TotpSecret {
    let b32 = uri.split("secret=").nth(1).and_then(|s| s.split('&').next()).unwrap_or_else(|| panic!("no secret in {uri}"));
    let bytes: [u8; 20] = base32_decode(b32).and_then(|b| b.try_into().ok()).unwrap_or_else(|| panic!("bad secret in {uri}"));
    TotpSecret::from_bytes(bytes)
}

#[test]
fn enable_then_login_needs_a_fresh_code_and_a_code_works_once() {
    let acct = server().bootstrap_account();
    let (uid, email, token) = user(&acct);
    let c = acct.client();
    let base = acct.path(&format!("/users/{uid}/second-factors"));

    // Create: the user's password is required (even of an admin; the admin's token here keeps
    // the user's two changes within the harness's strict limit of 2 a minute per credential).
    let r = c.post(&base, acct.admin(), Some(json!({"meta":{"password":"wrong password"}})));
    assert_eq!(error(&r), (401, json!("PASSWORD_INVALID"), json!({"pointer":"/meta/password"})));
    let r = c.post(&base, Some(&token), Some(json!({"meta":{"password":"long enough pw"}})));
    r.assert_status(201);
    let attrs = &r.json["data"]["attributes"];
    assert_eq!(attrs["enabled"], false);
    assert!(attrs.get("secret").is_none(), "never the raw secret: {}", r.json);
    let uri = attrs["uri"].as_str().unwrap_or_else(|| panic!("no uri: {}", r.json)).to_owned();
    assert!(uri.starts_with(&format!("otpauth://totp/Latchkey:{email}?secret=")), "{uri}");
    let id = r.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let secret = secret_of(&uri);

    // Reads never show the secret again.
    for r in [c.get(&format!("{base}/{id}"), Some(&token), None), c.get(&base, Some(&token), None)] {
        r.assert_status(200);
        assert!(!r.text().contains("otpauth") && !r.text().contains(&secret.base32()), "{}", r.text());
    }

    // Enable with the previous step's code (drift), so the current step stays for the login.
    settle();
    let enable = |otp: &str| {
        c.patch(&format!("{base}/{id}"), Some(&token), Some(json!({"data":{"type":"second-factors","attributes":{"enabled":true}},"meta":{"otp":otp}})))
    };
    let r = enable(&secret.code_at(now() - 30));
    r.assert_status(200);
    assert_eq!(r.json["data"]["attributes"]["enabled"], true);
    assert!(r.json["data"]["attributes"].get("uri").is_none());

    // Login without a code: refused, pointing at /meta/otp.
    let login = |body: Option<Value>| c.post(&acct.path("/tokens"), Some(&basic(&email, "long enough pw")), body);
    assert_eq!(error(&login(None)), (401, json!("OTP_REQUIRED"), json!({"pointer":"/meta/otp"})));
    // (A wrong code is covered natively: the harness allows 5 password logins a minute per email.)
    // A wrong password with a code is still a credentials failure.
    let r = c.post(&acct.path("/tokens"), Some(&basic(&email, "not the password")), Some(json!({"meta":{"otp":secret.code_at(now())}})));
    assert_eq!(error(&r).1, json!("CREDENTIALS_INVALID"));
    // A fresh code logs in, once.
    let code = secret.code_at(now());
    login(Some(json!({"meta":{"otp":code}}))).assert_status(201);
    assert_eq!(error(&login(Some(json!({"meta":{"otp":code}})))), (401, json!("OTP_INVALID"), json!({"pointer":"/meta/otp"})));

    // Changing one's password now needs a code too.
    let r = c.post(
        &acct.path(&format!("/users/{uid}/actions/update-password")),
        Some(&token),
        Some(json!({"meta":{"oldPassword":"long enough pw","newPassword":"brand new pw"}})),
    );
    assert_eq!(error(&r), (401, json!("OTP_REQUIRED"), json!({"pointer":"/meta/otp"})));
}

#[test]
fn other_users_and_products_cannot_reach_a_users_factors() {
    let acct = server().bootstrap_account();
    let (uid, _, _) = user(&acct);
    let (_, _, other) = user(&acct);
    let c = acct.client();
    let base = acct.path(&format!("/users/{uid}/second-factors"));
    assert_eq!(c.get(&base, Some(&other), None).status, 404);
    assert_eq!(c.post(&base, Some(&other), Some(json!({"meta":{"password":"long enough pw"}}))).status, 404);
    assert_eq!(c.get(&base, None, None).status, 401);
    let p = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"P"}}})));
    let pid = p.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let pt = c.post(&acct.path(&format!("/products/{pid}/tokens")), acct.admin(), None);
    let ptoken = pt.json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(c.get(&base, Some(&ptoken), None).status, 403);
    // Admins may create one for any user, with that user's password.
    let r = c.post(&base, acct.admin(), Some(json!({"meta":{"password":"long enough pw"}})));
    r.assert_status(201);
    let id = r.json["data"]["id"].as_str().unwrap_or_default();
    // A disabled factor is deleted without a code.
    c.delete(&format!("{base}/{id}"), acct.admin(), None).assert_status(204);
}
