//! Authentication and tokens on SQLite: login, bearer resolution, expiry, revocation,
//! regeneration, license-key auth per policy, and cross-account isolation.

use serde_json::json;
use shared::service::identity::auth::{self, Credentials};
use shared::service::{identity::tokens, identity::users, Bearer};

use crate::support::{block, Env};

fn login(env: &Env, admin: &shared::service::Caller, email: &str, pw: &str) -> shared::Result<tokens::Issued> {
    let anon = shared::service::Caller { bearer: Bearer::Anonymous, ..admin.clone() };
    block(tokens::login(&env.app(), &anon, Some((email.into(), pw.into())), tokens::TokenInput::default()))
}

#[test]
fn login_issues_an_admin_token_that_authenticates() {
    let env = Env::new();
    let admin = env.admin();
    let t = login(&env, &admin, "admin@acme.test", "correct horse").unwrap();
    let raw = t.raw.unwrap();
    assert!(raw.starts_with("admin-") && raw.ends_with("v3"), "{raw}");
    let caller = block(auth::authenticate(&env.app(), admin.account.clone(), Credentials::Token(raw))).unwrap();
    assert_eq!(caller.bearer.kind(), shared::access::Kind::Admin);
    assert_eq!(caller.token_id.as_deref(), Some(t.row.id.as_str()));
}

#[test]
fn wrong_password_and_unknown_email_answer_the_same() {
    let env = Env::new();
    let admin = env.admin();
    assert_eq!(login(&env, &admin, "admin@acme.test", "nope").unwrap_err().code, "CREDENTIALS_INVALID");
    assert_eq!(login(&env, &admin, "who@acme.test", "nope").unwrap_err().code, "CREDENTIALS_INVALID");
}

#[test]
fn token_errors_are_precise() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let auth = |raw: &str| block(auth::authenticate(&app, admin.account.clone(), Credentials::Token(raw.into()))).unwrap_err().code.to_string();
    assert_eq!(auth("123e4567-e89b-42d3-a456-426614174000"), "TOKEN_FORMAT_INVALID");
    assert_eq!(auth(&format!("admin-{}v3", "0".repeat(64))), "TOKEN_INVALID");
    let t = login(&env, &admin, "admin@acme.test", "correct horse").unwrap();
    env.clock.advance(tokens::USER_TOKEN_TTL_MS + 1);
    assert_eq!(auth(t.raw.as_deref().unwrap()), "TOKEN_EXPIRED");
}

#[test]
fn revoked_and_regenerated_tokens_stop_working() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let t = login(&env, &admin, "admin@acme.test", "correct horse").unwrap();
    let old = t.raw.unwrap();
    let new = block(tokens::regenerate(&app, &admin, &t.row.id)).unwrap().raw.unwrap();
    assert_ne!(old, new);
    assert_eq!(block(auth::authenticate(&app, admin.account.clone(), Credentials::Token(old))).unwrap_err().code, "TOKEN_INVALID");
    block(tokens::revoke(&app, &admin, &t.row.id)).unwrap();
    assert_eq!(block(auth::authenticate(&app, admin.account.clone(), Credentials::Token(new))).unwrap_err().code, "TOKEN_INVALID");
}

#[test]
fn tokens_of_one_account_do_not_open_another() {
    let env = Env::new();
    let a = env.admin();
    env.clock.advance(1);
    let b = env.admin();
    let t = login(&env, &a, "admin@acme.test", "correct horse").unwrap();
    let e = block(auth::authenticate(&env.app(), b.account.clone(), Credentials::Token(t.raw.unwrap()))).unwrap_err();
    assert_eq!(e.code, "TOKEN_INVALID");
}

#[test]
fn banned_users_cannot_authenticate() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let body = br#"{"data":{"type":"users","attributes":{"email":"u@acme.test","password":"password123"}}}"#;
    let u = block(users::create(&app, &admin, users::parse(body, true).unwrap())).unwrap();
    let t = login(&env, &admin, "u@acme.test", "password123").unwrap();
    block(users::set_banned(&app, &admin, &u.id, true)).unwrap();
    let e = block(auth::authenticate(&app, admin.account.clone(), Credentials::Token(t.raw.unwrap()))).unwrap_err();
    assert_eq!(e.code, "USER_BANNED");
}

#[test]
fn license_key_auth_follows_the_policy_strategy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let token_only = env.policy(&admin, &product, json!({}));
    let by_key = env.policy(&admin, &product, json!({"authenticationStrategy": "LICENSE"}));
    let l1 = env.license(&admin, &token_only, json!({}));
    let l2 = env.license(&admin, &by_key, json!({}));
    let app = env.app();
    let auth = |k: &str| block(auth::authenticate(&app, admin.account.clone(), Credentials::LicenseKey(k.into())));
    assert_eq!(auth(&l1.key).unwrap_err().code, "LICENSE_NOT_ALLOWED");
    assert_eq!(auth(&l2.key).unwrap().bearer, Bearer::License { license_id: l2.id.clone() });
    assert_eq!(auth("NOT-A-KEY").unwrap_err().code, "LICENSE_INVALID");
    block(shared::service::licensing::licenses::set_suspended(&app, &admin, &l2.id, true)).unwrap();
    assert_eq!(auth(&l2.key).unwrap_err().code, "LICENSE_SUSPENDED");
}

#[test]
fn users_see_only_themselves() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let mk = |email: &str| {
        let body = format!(r#"{{"data":{{"type":"users","attributes":{{"email":"{email}","password":"password123"}}}}}}"#);
        block(users::create(&app, &admin, users::parse(body.as_bytes(), true).unwrap())).unwrap()
    };
    let u1 = mk("one@acme.test");
    let u2 = mk("two@acme.test");
    let as_u1 = shared::service::Caller { bearer: Bearer::User { user_id: u1.id.clone() }, ..admin.clone() };
    assert_eq!(block(users::show(&app, &as_u1, "one@acme.test")).unwrap().id, u1.id);
    assert_eq!(block(users::show(&app, &as_u1, &u2.id)).unwrap_err().code, "NOT_FOUND");
    let dup = users::parse(br#"{"data":{"type":"users","attributes":{"email":"ONE@acme.test"}}}"#, true).unwrap();
    assert_eq!(block(users::create(&app, &admin, dup)).unwrap_err().code, "EMAIL_TAKEN");
}
