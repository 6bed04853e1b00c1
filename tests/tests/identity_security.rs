//! Passwords, login, token lifetimes and check-out TTLs on the real runtime ("Safe to expose"):
//! WebCrypto PBKDF2 behind login, one answer and one cost for every failed login, the current
//! password for a self-service change, no token outliving the token that minted it, and bounded
//! check-out files for end users.

use std::time::{Duration, Instant};

use base64::Engine as _;
use e2e::{server, Client, Resp, TestAccount};
use serde_json::{json, Value};

fn basic(email: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}")))
}

/// ISO-8601 `s` seconds from now.
fn in_secs(s: u64) -> String {
    let t = std::time::SystemTime::now() + Duration::from_secs(s);
    shared::clock::iso8601(t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64))
}

fn token_of(r: &Resp) -> (String, String, Value) {
    let d = &r.json["data"];
    (d["id"].as_str().unwrap_or_default().to_owned(), d["attributes"]["token"].as_str().unwrap_or_default().to_owned(), d["attributes"]["expiry"].clone())
}

fn error(r: &Resp) -> (u16, Value, Value) {
    (r.status, r.json["errors"][0]["code"].clone(), r.json["errors"][0]["source"].clone())
}

/// A user with a password, created by the admin: `(id, email, password)`.
fn user(acct: &TestAccount, c: &Client) -> (String, String, String) {
    let email = format!("user+{}@example.com", e2e::unique_tag());
    let pw = "password123".to_owned();
    let r = c.post(&acct.path("/users"), acct.admin(), Some(json!({"data":{"type":"users","attributes":{"email":email,"password":pw}}})));
    r.assert_status(201);
    (r.json["data"]["id"].as_str().unwrap_or_default().to_owned(), email, pw)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or_default()
}

#[test]
fn unknown_email_and_wrong_password_get_one_answer_in_the_same_time() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let (_, email, _) = user(&acct, &c);
    let unknown = c.post(&acct.path("/tokens"), Some(&basic("nobody@example.com", "password123")), None);
    let wrong = c.post(&acct.path("/tokens"), Some(&basic(&email, "password124")), None);
    for r in [&unknown, &wrong] {
        assert_eq!(error(r), (401, json!("CREDENTIALS_INVALID"), json!({"header": "Authorization"})), "{}", r.json);
    }
    assert_eq!(unknown.json["errors"], wrong.json["errors"], "byte-identical errors");

    // Timing: an unknown email still runs one PBKDF2 derivation at the configured count. The two
    // kinds alternate, so load from elsewhere on the machine hits both alike.
    let time = |auth: &str, status: u16| {
        let t = Instant::now();
        assert_eq!(c.post(&acct.path("/tokens"), Some(auth), None).status, status);
        t.elapsed().as_secs_f64() * 1000.0
    };
    // Logins are rate limited per email (5 a minute): every round takes a fresh user and a
    // fresh unknown email, two attempts each.
    let (mut right, mut wrong, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..9 {
        let (_, email, pw) = user(&acct, &c);
        right.push(time(&basic(&email, &pw), 201));
        wrong.push(time(&basic(&email, "password124"), 401));
        unknown.push(time(&basic(&format!("nobody+{i}@example.com"), "password124"), 401));
    }
    let plain = server().client();
    let ping = median(
        (0..9)
            .map(|_| {
                let t = Instant::now();
                assert_eq!(plain.get("/v1/ping", None, None).status, 200);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    );
    let (right, wrong_ms, unknown_ms) = (median(right), median(wrong), median(unknown));
    eprintln!("login medians (9 runs): success {right:.1} ms, wrong password {wrong_ms:.1} ms, unknown email {unknown_ms:.1} ms, ping {ping:.1} ms");
    assert!(unknown_ms > 0.6 * wrong_ms && wrong_ms > 0.6 * unknown_ms, "unknown {unknown_ms:.1} ms vs wrong {wrong_ms:.1} ms");
}

#[test]
fn login_with_webcrypto_hashes_and_a_self_service_change_needs_the_current_password() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    // The bootstrap admin's password was hashed by WebCrypto at the default count; it logs in.
    c.post(&acct.path("/tokens"), Some(&basic(&acct.admin_email, &acct.admin_password)), None).assert_status(201);
    let (id, email, pw) = user(&acct, &c);
    let (_, tok, _) = token_of(c.post(&acct.path("/tokens"), Some(&basic(&email, &pw)), None).assert_status(201));
    let path = acct.path(&format!("/users/{id}"));
    let attrs = json!({"type": "users", "attributes": {"password": "newpassword1"}});

    let r = c.patch(&path, Some(&tok), Some(json!({"data": attrs})));
    assert_eq!(error(&r), (400, json!("PARAMETER_MISSING"), json!({"pointer": "/meta/oldPassword"})), "{}", r.json);
    let r = c.patch(&path, Some(&tok), Some(json!({"data": attrs, "meta": {"oldPassword": "password124"}})));
    assert_eq!(error(&r), (401, json!("PASSWORD_INVALID"), json!({"pointer": "/meta/oldPassword"})), "{}", r.json);
    c.post(&acct.path("/tokens"), Some(&basic(&email, &pw)), None).assert_status(201);

    c.patch(&path, Some(&tok), Some(json!({"data": attrs, "meta": {"oldPassword": pw}}))).assert_status(200);
    c.post(&acct.path("/tokens"), Some(&basic(&email, "newpassword1")), None).assert_status(201);
    assert_eq!(c.post(&acct.path("/tokens"), Some(&basic(&email, &pw)), None).status, 401);
    // Admins reset passwords without the old one.
    c.patch(&path, acct.admin(), Some(json!({"data": {"type": "users", "attributes": {"password": "adminset123"}}}))).assert_status(200);
    c.post(&acct.path("/tokens"), Some(&basic(&email, "adminset123")), None).assert_status(201);
}

#[test]
fn no_token_outlives_the_token_that_mints_it() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let an_hour = in_secs(3600);
    // A short-lived admin token, minted by the bootstrap token (which never expires).
    let r = c.post(&acct.path("/tokens"), acct.admin(), Some(json!({"data":{"type":"tokens","attributes":{"expiry": an_hour}}})));
    let (short_id, short, short_expiry) = token_of(r.assert_status(201));
    assert!(short_expiry.is_string());
    let later = in_secs(7200);
    let p = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let pid = p.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let (uid, email, pw) = user(&acct, &c);

    for (path, expiry) in [
        ("/tokens".to_owned(), json!(later)),
        ("/tokens".to_owned(), Value::Null),
        (format!("/products/{pid}/tokens"), Value::Null),
        (format!("/products/{pid}/tokens"), json!(later)),
        (format!("/users/{uid}/tokens"), json!(later)),
    ] {
        let r = c.post(&acct.path(&path), Some(&short), Some(json!({"data":{"type":"tokens","attributes":{"expiry": expiry}}})));
        assert_eq!(error(&r), (422, json!("EXPIRY_INVALID"), json!({"pointer": "/data/attributes/expiry"})), "{path} {expiry}: {}", r.json);
    }
    // Without an expiry, the default is cut down to the bearer's.
    let r = c.post(&acct.path(&format!("/products/{pid}/tokens")), Some(&short), None);
    assert!(r.status == 200 || r.status == 201, "{}", r.json);
    assert_eq!(token_of(&r).2, short_expiry);
    // Regenerating itself keeps its expiry instead of renewing it.
    let r = c.put(&acct.path(&format!("/tokens/{short_id}")), Some(&short), None);
    let (_, _, renewed) = token_of(r.assert_status(200));
    assert_eq!(renewed, short_expiry);
    // A user token (two weeks) cannot mint a never-expiring one.
    let (_, utok, _) = token_of(c.post(&acct.path("/tokens"), Some(&basic(&email, &pw)), None).assert_status(201));
    let r = c.post(&acct.path("/tokens"), Some(&utok), Some(json!({"data":{"type":"tokens","attributes":{"expiry": null}}})));
    assert_eq!(error(&r).1, json!("EXPIRY_INVALID"), "{}", r.json);
    // The bootstrap admin token has no expiry: nothing bounds it.
    let r = c.post(&acct.path(&format!("/products/{pid}/tokens")), acct.admin(), Some(json!({"data":{"type":"tokens","attributes":{"expiry": null}}})));
    assert!(r.status == 200 || r.status == 201, "{}", r.json);
    assert_eq!(token_of(&r).2, Value::Null);
}

#[test]
fn only_admins_regenerate_expired_tokens() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let (_, email, pw) = user(&acct, &c);
    let (_, utok, _) = token_of(c.post(&acct.path("/tokens"), Some(&basic(&email, &pw)), None).assert_status(201));
    let r = c.post(&acct.path("/tokens"), Some(&utok), Some(json!({"data":{"type":"tokens","attributes":{"expiry": in_secs(1)}}})));
    let (brief_id, brief, _) = token_of(r.assert_status(201));
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(c.get(&acct.path("/profile"), Some(&brief), None).error_code(), Some("TOKEN_EXPIRED"));
    let r = c.put(&acct.path(&format!("/tokens/{brief_id}")), Some(&utok), None);
    assert_eq!(error(&r), (403, json!("FORBIDDEN"), json!({"pointer": "/data/attributes/expiry"})), "{}", r.json);
    let (_, revived, _) = token_of(c.put(&acct.path(&format!("/tokens/{brief_id}")), acct.admin(), None).assert_status(200));
    c.get(&acct.path("/profile"), Some(&revived), None).assert_status(200);
}

#[test]
fn end_users_check_out_only_bounded_files() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let admin = acct.admin();
    let p = c.post(&acct.path("/products"), admin, Some(json!({"data":{"type":"products","attributes":{"name":"Offline"}}})));
    let pol = c.post(
        &acct.path("/policies"),
        admin,
        Some(json!({"data":{"type":"policies","attributes":{"name":"P","authenticationStrategy":"MIXED"},"relationships":{"product":{"data":{"type":"products","id":p.json["data"]["id"]}}}}})),
    );
    let l = c.post(
        &acct.path("/licenses"),
        admin,
        Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol.json["data"]["id"]}}}}})),
    );
    let (lid, key) =
        (l.json["data"]["id"].as_str().unwrap_or_default().to_owned(), l.json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned());
    let lic = format!("License {key}");
    let m = c.post(
        &acct.path("/machines"),
        Some(&lic),
        Some(json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1"},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}})),
    );
    let mid = m.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let ttl = json!({"parameter": "ttl"});

    for path in [format!("/licenses/{lid}/actions/check-out"), format!("/machines/{mid}/actions/check-out")] {
        let r = c.post(&acct.path(&format!("{path}?ttl=null")), Some(&lic), None);
        assert_eq!(error(&r), (400, json!("CHECKOUT_TTL_INVALID"), ttl.clone()), "{path}: {}", r.json);
        let r = c.post(&acct.path(&path), Some(&lic), Some(json!({"meta": {"ttl": null}})));
        assert_eq!(error(&r), (400, json!("CHECKOUT_TTL_INVALID"), ttl.clone()), "{path}: {}", r.json);
        for bearer in [Some(lic.as_str()), admin] {
            let r = c.post(&acct.path(&format!("{path}?ttl=31556953")), bearer, None);
            assert_eq!(error(&r), (400, json!("CHECKOUT_TTL_INVALID"), ttl.clone()), "{path}: {}", r.json);
        }
        let r = c.post(&acct.path(&format!("{path}?ttl=31556952")), Some(&lic), None);
        assert_eq!(r.assert_status(200).json["data"]["attributes"]["ttl"], 31_556_952);
        let r = c.post(&acct.path(&format!("{path}?ttl=null")), admin, None);
        assert_eq!(r.assert_status(200).json["data"]["attributes"]["ttl"], Value::Null);
    }
}
