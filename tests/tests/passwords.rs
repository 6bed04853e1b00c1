//! Password reset and update-password on the real runtime: `POST /passwords` answers 204
//! whether or not the email exists and the `user.password-reset` webhook carries the token; the
//! token resets once (two concurrent resets with one token: exactly one succeeds) and revokes
//! the user's tokens; a wrong token answers 404 like an unknown user; brute force on a reset
//! token draws signed 429s per target user and per IP; update-password is the user's own,
//! proves the old password and revokes the user's other tokens. Requests to the reset routes carry their own `CF-Connecting-IP`, so each test
//! controls which rate-limit keys it spends (the harness allows 2 per minute per key).

#[path = "support/receiver.rs"]
#[expect(dead_code, reason = "the shared receiver offers replies and fields this file does not use")]
mod receiver;

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use base64::Engine as _;
use e2e::{assert_signed, server, unique_tag, Resp, Server, TestAccount};
use receiver::{receiver, Received};
use serde_json::{json, Value};

/// Loopback webhook targets are allowed only in development (as in lifecycle.rs).
fn srv() -> &'static Server {
    static DEV: Once = Once::new();
    DEV.call_once(|| std::env::set_var("ENVIRONMENT", "development"));
    server()
}

/// A fresh client address, so that each request spends only the keys a test means it to.
fn ip() -> String {
    let t = unique_tag();
    let n = t.bytes().fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// `POST path` with `body` from `ip`, optionally with a bearer; signature verified.
fn post_from(acct: &TestAccount, ip: &str, path: &str, bearer: Option<&str>, body: &Value) -> Resp {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Accept", "application/vnd.api+json"), ("Content-Type", "application/vnd.api+json"), ("CF-Connecting-IP", ip)];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let bytes = body.to_string().into_bytes();
    let r = acct.client().raw("POST", &acct.path(path), &headers, Some(&bytes));
    assert_signed(&r, &acct.public_key_hex);
    r
}

/// A user with a password: `(id, email)`.
fn user(acct: &TestAccount) -> (String, String) {
    let email = format!("pw+{}@example.com", unique_tag());
    let r =
        acct.client().post(&acct.path("/users"), acct.admin(), Some(json!({"data":{"type":"users","attributes":{"email":email,"password":"original pw"}}})));
    r.assert_status(201);
    (r.json["data"]["id"].as_str().unwrap_or_default().to_owned(), email)
}

fn request_reset(acct: &TestAccount, email: &str) -> Resp {
    post_from(acct, &ip(), "/passwords", None, &json!({"meta":{"email":email}}))
}

/// The newest reset token issued for `user_id`, read from the event log as an admin.
fn newest_token(acct: &TestAccount, user_id: &str) -> String {
    let r = acct.client().get(&acct.path(&format!("/event-logs?event=user.password-reset&resource[id]={user_id}")), acct.admin(), None);
    r.assert_status(200);
    r.json["data"][0]["attributes"]["metadata"]["meta"]["passwordResetToken"].as_str().unwrap_or_else(|| panic!("no reset event: {}", r.json)).to_owned()
}

fn reset_body(token: &str, pw: &str) -> Value {
    json!({"meta":{"passwordResetToken":token,"newPassword":pw}})
}

fn login(acct: &TestAccount, email: &str, pw: &str) -> u16 {
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{pw}")));
    acct.client().post(&acct.path("/tokens"), Some(&basic), None).status
}

fn error(r: &Resp) -> (u16, Value, Value) {
    (r.status, r.json["errors"][0]["code"].clone(), r.json["errors"][0]["source"].clone())
}

fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(g) = got.lock() {
            if g.len() >= n {
                return g.clone();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("expected {n} webhook requests\n{}", srv().logs());
}

#[test]
fn a_reset_request_answers_204_for_any_email_and_the_webhook_carries_a_working_token() {
    let acct = srv().bootstrap_account();
    let (port, got) = receiver(vec![]);
    let url = format!("http://127.0.0.1:{port}/pw");
    let hook = json!({"data":{"type":"webhook-endpoints","attributes":{"url":url,"subscriptions":["user.password-reset"]}}});
    acct.client().post(&acct.path("/webhook-endpoints"), acct.admin(), Some(hook)).assert_status(201);
    let (id, email) = user(&acct);
    let tok = acct.client().post(&acct.path(&format!("/users/{id}/tokens")), acct.admin(), None);
    let user_token = tok.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let unknown = request_reset(&acct, &format!("nobody+{}@example.com", unique_tag()));
    let known = request_reset(&acct, &email.to_uppercase());
    for r in [&unknown, &known] {
        assert_eq!(r.status, 204, "{}", r.text());
        assert!(r.body.is_empty(), "{}", r.text());
    }
    let delivered = wait_for(&got, 1);
    assert_eq!(delivered.len(), 1, "one event, for the existing user only");
    // Keygen's delivery: a webhook-event document whose `payload` is the event's JSON text.
    let event: Value = serde_json::from_slice(&delivered[0].body).unwrap_or_default();
    assert_eq!(event["data"]["attributes"]["event"], "user.password-reset");
    let payload: Value = serde_json::from_str(event["data"]["attributes"]["payload"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(payload["data"]["id"], json!(id), "{payload}");
    let token = payload["meta"]["passwordResetToken"].as_str().unwrap_or_else(|| panic!("no token in {payload}")).to_owned();
    assert_eq!(token, newest_token(&acct, &id));
    let done = post_from(&acct, &ip(), &format!("/users/{email}/actions/reset-password"), None, &reset_body(&token, "brand new pw"));
    done.assert_status(200);
    assert_eq!(done.json["data"]["id"], json!(id));
    assert!(done.json["data"]["attributes"].get("passwordResetToken").is_none());
    assert_eq!(login(&acct, &email, "brand new pw"), 201);
    assert_eq!(login(&acct, &email, "original pw"), 401);
    // As Keygen: a reset revokes the user's tokens.
    assert_eq!(acct.client().get(&acct.path("/me"), Some(&user_token), None).status, 401);
}

#[test]
fn two_concurrent_resets_with_one_token_exactly_one_succeeds() {
    let acct = srv().bootstrap_account();
    for round in 0..4 {
        let (id, email) = user(&acct);
        request_reset(&acct, &email).assert_status(204);
        let token = newest_token(&acct, &id);
        let path = format!("/users/{id}/actions/reset-password");
        let handles: Vec<_> = ["first pw here", "second pw here"]
            .into_iter()
            .map(|pw| {
                let (acct, path, body) = (acct.clone(), path.clone(), reset_body(&token, pw));
                std::thread::spawn(move || post_from(&acct, &ip(), &path, None, &body))
            })
            .collect();
        let rs: Vec<Resp> = handles.into_iter().map(|h| h.join().unwrap_or_else(|_| panic!("round {round}: a request thread panicked"))).collect();
        let mut statuses: Vec<u16> = rs.iter().map(|r| r.status).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 404], "round {round}: {:?}", rs.iter().map(|r| r.text()).collect::<Vec<_>>());
        let loser = rs.iter().find(|r| r.status == 404).map(error);
        assert_eq!(loser, Some((404, json!("NOT_FOUND"), Value::Null)), "a used token answers like a wrong one");
        let winner = if rs[0].status == 200 { "first pw here" } else { "second pw here" };
        assert_eq!(login(&acct, &email, winner), 201, "round {round}: the winner's password is set");
    }
}

#[test]
fn brute_forcing_a_reset_token_draws_429_per_user_and_per_ip() {
    let acct = srv().bootstrap_account();
    let (id, email) = user(&acct);
    request_reset(&acct, &email).assert_status(204);
    let path = format!("/users/{id}/actions/reset-password");
    // One user, a fresh address per guess: the per-user key refuses after 2 guesses.
    let guesses: Vec<Resp> = (0..4).map(|i| post_from(&acct, &ip(), &path, None, &reset_body(&format!("reset-{i:064}v3"), "brand new pw"))).collect();
    assert_eq!(guesses.iter().map(|r| r.status).collect::<Vec<_>>(), [404, 404, 429, 429]);
    let refused = &guesses[3];
    assert_eq!(refused.error_code(), Some("TOO_MANY_REQUESTS"));
    assert!(refused.header("Retry-After").and_then(|v| v.parse::<u64>().ok()).is_some_and(|s| (1..=60).contains(&s)), "{:?}", refused.headers);
    // Even the right token is held off inside the window (guessing cannot race the limit).
    let token = newest_token(&acct, &id);
    post_from(&acct, &ip(), &path, None, &reset_body(&token, "brand new pw")).assert_status(429);
    // One address, many users: the per-IP key refuses after 2.
    let from = ip();
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            let (other, _) = user(&acct);
            post_from(&acct, &from, &format!("/users/{other}/actions/reset-password"), None, &reset_body("reset-00v3", "brand new pw")).status
        })
        .collect();
    assert_eq!(statuses, [404, 404, 429]);
    // Requests by email are limited per email the same way, whatever the address.
    let (_, target) = user(&acct);
    let statuses: Vec<u16> = (0..3).map(|_| request_reset(&acct, &target).status).collect();
    assert_eq!(statuses, [204, 204, 429]);
}

#[test]
fn reset_errors_are_precise_and_a_wrong_token_answers_like_an_unknown_user() {
    let acct = srv().bootstrap_account();
    let (_, email) = user(&acct);
    request_reset(&acct, &email).assert_status(204);
    let wrong = post_from(&acct, &ip(), &format!("/users/{email}/actions/reset-password"), None, &reset_body("reset-00v3", "brand new pw"));
    let nobody = "nobody@example.com";
    let unknown = post_from(&acct, &ip(), &format!("/users/{nobody}/actions/reset-password"), None, &reset_body("reset-00v3", "brand new pw"));
    assert_eq!(error(&wrong), (404, json!("NOT_FOUND"), Value::Null));
    let same = wrong.json["errors"].to_string().replace(&email, nobody);
    assert_eq!(same, unknown.json["errors"].to_string(), "no enumeration of users");
    let cases = [
        (json!({"meta":{"passwordResetToken":"t"}}), 400, "PARAMETER_MISSING", "/meta/newPassword"),
        (json!({"meta":{"passwordResetToken":"t","newPassword":"long enough","x":1}}), 400, "PARAMETER_UNPERMITTED", "/meta/x"),
        (json!({"meta":{"passwordResetToken":1,"newPassword":"long enough"}}), 400, "PARAMETER_INVALID", "/meta/passwordResetToken"),
    ];
    for (body, status, code, ptr) in cases {
        let r = post_from(&acct, &ip(), &format!("/users/{}/actions/reset-password", user(&acct).0), None, &body);
        assert_eq!((r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str()), (status, Some(code), Some(ptr)), "{body}: {}", r.text());
    }
    // A short password with a good token: 422, and the token still works afterwards.
    let (id, email) = user(&acct);
    request_reset(&acct, &email).assert_status(204);
    let token = newest_token(&acct, &id);
    let path = format!("/users/{id}/actions/reset-password");
    let short = post_from(&acct, &ip(), &path, None, &reset_body(&token, "short"));
    assert_eq!(error(&short), (422, json!("PASSWORD_INVALID"), json!({"pointer": "/data/attributes/password"})));
    post_from(&acct, &ip(), &path, None, &reset_body(&token, "long enough")).assert_status(200);
    let bad = post_from(&acct, &ip(), "/passwords", None, &json!({"meta":{"email":"a@b.c","deliver":"no"}}));
    assert_eq!(error(&bad), (400, json!("PARAMETER_INVALID"), json!({"pointer": "/meta/deliver"})));
}

#[test]
fn update_password_is_the_users_own_and_keeps_only_the_requests_token() {
    let acct = srv().bootstrap_account();
    let c = acct.client();
    let (id, email) = user(&acct);
    let (other, _) = user(&acct);
    let mint = || {
        let r = c.post(&acct.path(&format!("/users/{id}/tokens")), acct.admin(), None);
        r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned()
    };
    let (token, second) = (mint(), mint());
    let path = format!("/users/{id}/actions/update-password");
    let body = |old: &str, new: &str| json!({"meta":{"oldPassword":old,"newPassword":new}});
    let wrong = post_from(&acct, &ip(), &path, Some(&token), &body("wrong pw", "brand new pw"));
    assert_eq!(error(&wrong), (401, json!("PASSWORD_INVALID"), json!({"pointer": "/meta/oldPassword"})));
    let anon = post_from(&acct, &ip(), &path, None, &body("original pw", "brand new pw"));
    assert_eq!((anon.status, anon.error_code()), (401, Some("TOKEN_MISSING")));
    let foreign = post_from(&acct, &ip(), &format!("/users/{other}/actions/update-password"), Some(&token), &body("original pw", "brand new pw"));
    assert_eq!(foreign.status, 404, "another user's password: {}", foreign.text());
    let admin = post_from(&acct, &ip(), &path, Some(&acct.admin_token), &body("original pw", "brand new pw"));
    assert_eq!(admin.status, 404, "only the user itself (Keygen's Users::PasswordPolicy): {}", admin.text());
    let short = post_from(&acct, &ip(), &path, Some(&token), &body("original pw", "short"));
    assert_eq!(error(&short), (422, json!("PASSWORD_INVALID"), json!({"pointer": "/data/attributes/password"})));
    let missing = post_from(&acct, &ip(), &path, Some(&token), &json!({"meta":{"newPassword":"brand new pw"}}));
    assert_eq!(error(&missing), (400, json!("PARAMETER_MISSING"), json!({"pointer": "/meta/oldPassword"})));
    let ok = post_from(&acct, &ip(), &path, Some(&token), &body("original pw", "brand new pw"));
    ok.assert_status(200);
    assert_eq!(ok.json["data"]["id"], json!(id));
    assert_eq!(login(&acct, &email, "brand new pw"), 201);
    assert_eq!(login(&acct, &email, "original pw"), 401);
    // As Keygen: the request's token stays valid, the user's other tokens are revoked.
    c.get(&acct.path("/me"), Some(&token), None).assert_status(200);
    assert_eq!(c.get(&acct.path("/me"), Some(&second), None).status, 401);
}
