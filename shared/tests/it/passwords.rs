//! Password reset and update-password on SQLite with the real migrations: no enumeration, only
//! a digest stored, single use, 24 h expiry, the newest token only, the old password proved,
//! strict parameters, and the guarded UPDATE a concurrent loser hits.

use serde_json::{json, Value};
use shared::crypto::token;
use shared::error::Source;
use shared::service::identity::auth::{self, Credentials};
use shared::service::identity::passwords::{self, RESET_TOKEN_TTL_MS};
use shared::service::{identity::tokens, identity::users, App, Bearer, Caller};
use shared::store::rows::UserRow;
use shared::store::sqlite::SqliteDb;
use shared::store::{sql, Db, MemoryKv};
use shared::Clock;

use crate::support::{block, Env, SECRET};

fn anonymous(admin: &Caller) -> Caller {
    Caller { bearer: Bearer::Anonymous, token_id: None, ..admin.clone() }
}

fn as_user(admin: &Caller, u: &UserRow) -> Caller {
    Caller { bearer: Bearer::User { user_id: u.id.clone() }, token_id: None, ..admin.clone() }
}

fn create_user(app: &App<'_, SqliteDb, MemoryKv>, admin: &Caller, email: &str) -> UserRow {
    let body = json!({"data": {"type": "users", "attributes": {"email": email, "password": "original pw"}}}).to_string();
    block(users::create(app, admin, users::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn login(env: &Env, admin: &Caller, email: &str, pw: &str) -> bool {
    block(tokens::login(&env.app(), &anonymous(admin), Some((email.into(), pw.into())), tokens::TokenInput::default())).is_ok()
}

fn pointer(e: &shared::Error) -> &str {
    match &e.source {
        Some(Source::Pointer(p)) | Some(Source::Parameter(p)) | Some(Source::Header(p)) => p,
        _ => "",
    }
}

/// The `meta` of every `user.password-reset` event, oldest first.
fn reset_events(env: &Env) -> Vec<(String, Value)> {
    let rows = block(env.db.query("SELECT resource_id, meta FROM event_logs WHERE event = 'user.password-reset' ORDER BY created_at, rowid", &[])).unwrap();
    rows.into_iter().map(|r| (r["resource_id"].as_str().unwrap().to_owned(), serde_json::from_str(r["meta"].as_str().unwrap_or("null")).unwrap())).collect()
}

/// Requests a reset for `email` anonymously and returns the token the event carries.
fn request(env: &Env, admin: &Caller, email: &str) -> String {
    block(passwords::request_reset(&env.app(), &anonymous(admin), email)).unwrap();
    let evs = reset_events(env);
    evs.last().and_then(|(_, m)| m["passwordResetToken"].as_str()).unwrap().to_owned()
}

fn reset(env: &Env, admin: &Caller, id: &str, raw: &str, pw: &str) -> shared::Result<UserRow> {
    block(passwords::reset(&env.app(), &anonymous(admin), id, raw, pw))
}

#[test]
fn a_request_answers_the_same_for_unknown_emails_and_stores_only_a_digest() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    for email in ["nobody@acme.test", &u.id, "not-an-email"] {
        assert!(block(passwords::request_reset(&env.app(), &anonymous(&admin), email)).is_ok(), "{email}");
    }
    assert!(reset_events(&env).is_empty(), "no event, no token for an unknown email (or an id sent as the email)");
    let raw = request(&env, &admin, "ulla@acme.test");
    let evs = reset_events(&env);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].0, u.id);
    assert!(raw.starts_with("reset-") && raw.len() > 64, "{raw}");
    let row = block(users::find(&env.app(), admin.account_id(), &u.id)).unwrap().unwrap();
    let stored = row.password_reset_digest.unwrap();
    assert_ne!(stored, raw, "never the raw token");
    assert_eq!(stored, token::digest(SECRET, admin.account_id(), &raw));
    assert_eq!(row.password_reset_sent_at, Some(env.clock.now_ms()));
}

#[test]
fn a_token_resets_the_password_once() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    let raw = request(&env, &admin, "ulla@acme.test");
    // By email too, as Keygen looks the user up.
    let done = reset(&env, &admin, "ULLA@acme.test", &raw, "brand new pw").unwrap();
    assert_eq!(done.id, u.id);
    assert!(done.password_reset_digest.is_none() && done.password_reset_sent_at.is_none());
    assert!(login(&env, &admin, "ulla@acme.test", "brand new pw"));
    assert!(!login(&env, &admin, "ulla@acme.test", "original pw"));
    let again = reset(&env, &admin, &u.id, &raw, "third pw here").unwrap_err();
    assert_eq!((again.status, again.code.to_string(), pointer(&again)), (404, "NOT_FOUND".into(), ""));
    assert!(login(&env, &admin, "ulla@acme.test", "brand new pw"), "a used token changes nothing");
}

#[test]
fn the_guard_refuses_a_second_consumption_of_the_same_token() {
    // Two concurrent resets both read the row with the token in place; the loser's UPDATE must
    // change nothing. Replay the loser's statement after the winner's.
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    let raw = request(&env, &admin, "ulla@acme.test");
    let digest = token::digest(SECRET, admin.account_id(), &raw);
    let cutoff = env.clock.now_ms() - RESET_TOKEN_TTL_MS;
    let params = |hash: &str| vec![admin.account_id().into(), u.id.clone().into(), digest.clone().into(), hash.into(), cutoff.into(), 0.into()];
    assert_eq!(block(env.db.execute(sql::users::RESET_PASSWORD, &params("winner"))).unwrap(), 1);
    assert_eq!(block(env.db.execute(sql::users::RESET_PASSWORD, &params("loser"))).unwrap(), 0);
    let row = block(users::find(&env.app(), admin.account_id(), &u.id)).unwrap().unwrap();
    assert_eq!(row.password_hash.as_deref(), Some("winner"));
}

#[test]
fn wrong_unknown_superseded_and_expired_tokens_are_refused() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    let invalid = |e: shared::Error| (e.status, e.code.to_string(), pointer(&e).to_owned());
    let not_valid = (404, "NOT_FOUND".to_owned(), String::new());
    // No token issued yet.
    assert_eq!(invalid(reset(&env, &admin, &u.id, "reset-00v3", "brand new pw").unwrap_err()), not_valid);
    let first = request(&env, &admin, "ulla@acme.test");
    let second = request(&env, &admin, "ulla@acme.test");
    assert_ne!(first, second);
    assert_eq!(invalid(reset(&env, &admin, &u.id, &first, "brand new pw").unwrap_err()), not_valid, "only the newest token works");
    assert_eq!(invalid(reset(&env, &admin, &u.id, "reset-00v3", "brand new pw").unwrap_err()), not_valid);
    // An unknown user answers like a wrong token (no enumeration on an anonymous route).
    assert_eq!(invalid(reset(&env, &admin, "nobody@acme.test", &second, "brand new pw").unwrap_err()), not_valid);
    // Word for word what an unknown user gets: "The requested user '<path id>' was not found".
    let wrong = reset(&env, &admin, "ulla@acme.test", "reset-00v3", "brand new pw").unwrap_err();
    let unknown = reset(&env, &admin, "nobody@acme.test", "reset-00v3", "brand new pw").unwrap_err();
    assert_eq!(wrong.detail.replace("ulla@", "nobody@"), unknown.detail);
    // Another user's valid token does not reset this one.
    let v = create_user(&env.app(), &admin, "vera@acme.test");
    assert_eq!(invalid(reset(&env, &admin, &v.id, &second, "brand new pw").unwrap_err()), not_valid);
    env.clock.advance(RESET_TOKEN_TTL_MS);
    let e = reset(&env, &admin, &u.id, &second, "brand new pw").unwrap_err();
    assert_eq!(e.detail, "is expired");
    assert_eq!(invalid(e), (401, "TOKEN_EXPIRED".to_owned(), "/meta/passwordResetToken".to_owned()));
    assert!(login(&env, &admin, "ulla@acme.test", "original pw"));
}

#[test]
fn a_token_works_until_just_before_24_hours() {
    let env = Env::new();
    let admin = env.admin();
    create_user(&env.app(), &admin, "ulla@acme.test");
    let raw = request(&env, &admin, "ulla@acme.test");
    env.clock.advance(RESET_TOKEN_TTL_MS - 1);
    reset(&env, &admin, "ulla@acme.test", &raw, "brand new pw").unwrap();
}

#[test]
fn a_bad_new_password_leaves_the_token_usable() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    let raw = request(&env, &admin, "ulla@acme.test");
    let e = reset(&env, &admin, &u.id, &raw, "short").unwrap_err();
    assert_eq!((e.status, pointer(&e)), (422, "/data/attributes/password"));
    reset(&env, &admin, &u.id, &raw, "long enough").unwrap();
}

/// A token of `email`'s user, by login.
fn token_of(env: &Env, admin: &Caller, email: &str, pw: &str) -> (String, String) {
    let issued = block(tokens::login(&env.app(), &anonymous(admin), Some((email.into(), pw.into())), tokens::TokenInput::default())).unwrap();
    (issued.row.id.clone(), issued.raw.unwrap())
}

fn authenticates(env: &Env, admin: &Caller, raw: &str) -> bool {
    block(auth::authenticate(&env.app(), admin.account.clone(), Credentials::Token(raw.into()))).is_ok()
}

#[test]
fn a_reset_revokes_every_token_of_the_user_and_only_on_success_as_keygen_does() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    create_user(&env.app(), &admin, "vera@acme.test");
    let (_, a) = token_of(&env, &admin, "ulla@acme.test", "original pw");
    let (_, b) = token_of(&env, &admin, "ulla@acme.test", "original pw");
    let (_, other) = token_of(&env, &admin, "vera@acme.test", "original pw");
    let raw = request(&env, &admin, "ulla@acme.test");
    reset(&env, &admin, &u.id, "reset-00v3", "brand new pw").unwrap_err();
    reset(&env, &admin, &u.id, &raw, "short").unwrap_err();
    assert!(authenticates(&env, &admin, &a) && authenticates(&env, &admin, &b), "failed resets revoke nothing");
    reset(&env, &admin, &u.id, &raw, "brand new pw").unwrap();
    assert!(!authenticates(&env, &admin, &a) && !authenticates(&env, &admin, &b), "every token of the user is revoked");
    assert!(authenticates(&env, &admin, &other), "another user's tokens stay");
    // The losing statement of a race revokes nothing either (its UPDATE changed no row).
    let (_, c) = token_of(&env, &admin, "ulla@acme.test", "brand new pw");
    assert_eq!(reset(&env, &admin, &u.id, &raw, "third pw here").unwrap_err().status, 404);
    assert!(authenticates(&env, &admin, &c));
}

#[test]
fn a_reset_is_for_anonymous_callers_and_the_user_itself() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    let v = create_user(&env.app(), &admin, "vera@acme.test");
    let raw = request(&env, &admin, "ulla@acme.test");
    let product = env.product(&admin, "App");
    let as_product = Caller { bearer: Bearer::Product { product_id: product.id.clone() }, token_id: None, ..admin.clone() };
    let by = |c: &Caller| block(passwords::reset(&env.app(), c, &u.id, &raw, "brand new pw")).map(|_| ()).map_err(|e| (e.status, e.code.to_string()));
    assert_eq!(by(&admin), Err((404, "NOT_FOUND".into())), "an admin resets only its own (Keygen)");
    assert_eq!(by(&as_user(&admin, &v)), Err((404, "NOT_FOUND".into())));
    assert_eq!(by(&as_product), Err((403, "FORBIDDEN".into())));
    assert_eq!(by(&as_user(&admin, &u)), Ok(()));
}

#[test]
fn update_password_is_the_users_own_proves_the_old_one_and_keeps_only_this_token() {
    let env = Env::new();
    let admin = env.admin();
    let u = create_user(&env.app(), &admin, "ulla@acme.test");
    let v = create_user(&env.app(), &admin, "vera@acme.test");
    let (this_id, this) = token_of(&env, &admin, "ulla@acme.test", "original pw");
    let (_, older) = token_of(&env, &admin, "ulla@acme.test", "original pw");
    let me = Caller { token_id: Some(this_id), ..as_user(&admin, &u) };
    let update = |c: &Caller, id: &str, old: &str, new: &str| {
        let body = json!({"meta": {"oldPassword": old, "newPassword": new}}).to_string();
        block(passwords::update(&env.app(), c, id, body.as_bytes()))
    };
    let e = update(&me, &u.id, "wrong pw", "brand new pw").unwrap_err();
    assert_eq!((e.status, e.code.to_string(), pointer(&e)), (401, "PASSWORD_INVALID".into(), "/meta/oldPassword"));
    let e = update(&admin, &u.id, "original pw", "brand new pw").unwrap_err();
    assert_eq!(e.status, 404, "only the user itself (Keygen's Users::PasswordPolicy), admins included");
    let e = update(&as_user(&admin, &v), &u.id, "original pw", "brand new pw").unwrap_err();
    assert_eq!(e.status, 404, "another user's is not found");
    let e = update(&anonymous(&admin), &u.id, "original pw", "brand new pw").unwrap_err();
    assert_eq!((e.status, e.code.to_string()), (401, "TOKEN_MISSING".into()));
    let e = update(&me, &u.id, "original pw", "short").unwrap_err();
    assert_eq!((e.status, pointer(&e)), (422, "/data/attributes/password"));
    assert!(login(&env, &admin, "ulla@acme.test", "original pw"), "no failure changed it");
    assert!(authenticates(&env, &admin, &older), "no failure revoked a token");
    let pending = request(&env, &admin, "ulla@acme.test");
    update(&me, &u.id, "original pw", "brand new pw").unwrap();
    assert!(login(&env, &admin, "ulla@acme.test", "brand new pw"));
    assert!(!login(&env, &admin, "ulla@acme.test", "original pw"));
    assert!(authenticates(&env, &admin, &this), "the request's own token stays");
    assert!(!authenticates(&env, &admin, &older), "the user's other tokens are revoked");
    assert_eq!(reset(&env, &admin, &u.id, &pending, "third pw here").unwrap_err().status, 404, "a change drops a pending reset token");
    // An admin changes its own password the same way.
    let admin_id = match &admin.bearer {
        Bearer::Admin { user_id, .. } => user_id.clone(),
        _ => unreachable!(),
    };
    update(&admin, &admin_id, "correct horse", "battery staple").unwrap();
    assert!(login(&env, &admin, "admin@acme.test", "battery staple"));
}

#[test]
fn parameters_are_strict_and_precise() {
    type Parse = fn(&[u8]) -> shared::Result<()>;
    let cases: [(&[u8], Parse, &str, &str); 7] = [
        (br#"{"meta":{}}"#, |b| passwords::parse_request(b).map(drop), "PARAMETER_MISSING", "/meta/email"),
        (br#"{"meta":{"email":1}}"#, |b| passwords::parse_request(b).map(drop), "PARAMETER_INVALID", "/meta/email"),
        (br#"{"meta":{"email":"a@b.c","deliver":"no"}}"#, |b| passwords::parse_request(b).map(drop), "PARAMETER_INVALID", "/meta/deliver"),
        (br#"{"meta":{"email":"a@b.c","x":1}}"#, |b| passwords::parse_request(b).map(drop), "PARAMETER_UNPERMITTED", "/meta/x"),
        (br#"{"meta":{"passwordResetToken":"t"}}"#, |b| passwords::parse_reset(b).map(drop), "PARAMETER_MISSING", "/meta/newPassword"),
        (br#"{"meta":{"newPassword":"long enough"}}"#, |b| passwords::parse_update(b).map(drop), "PARAMETER_MISSING", "/meta/oldPassword"),
        (br#"{"meta":{"oldPassword":"a","newPassword":"b","role":"admin"}}"#, |b| passwords::parse_update(b).map(drop), "PARAMETER_UNPERMITTED", "/meta/role"),
    ];
    for (body, parse, code, ptr) in cases {
        let e = parse(body).unwrap_err();
        assert_eq!((e.code.to_string().as_str(), pointer(&e)), (code, ptr), "{}", String::from_utf8_lossy(body));
    }
    let long = json!({"meta":{"passwordResetToken":"t","newPassword":"x".repeat(5000)}}).to_string();
    assert_eq!(pointer(&passwords::parse_reset(long.as_bytes()).unwrap_err()), "/meta/newPassword");
    assert_eq!(passwords::parse_request(br#"{"meta":{"email":" Ulla@Acme.test ","deliver":false}}"#).unwrap(), "ulla@acme.test");
}
