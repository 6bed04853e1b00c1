//! Passwords, login, token lifetimes and check-out TTLs on SQLite ("Safe to expose"): one answer
//! and one cost for every failed login, rehash on login, the current password for a self-service
//! change, no token outliving the token that minted it, and bounded check-out files for end users.

use std::cell::Cell;

use serde_json::json;
use shared::api::query::Query;
use shared::crypto::license_file::FileKind;
use shared::error::Source;
use shared::kdf::{Derived, NativePbkdf2, Pbkdf2};
use shared::service::identity::auth::{self, Credentials};
use shared::service::{identity::tokens, identity::users, licensing::checkout, App, Bearer, Caller};
use shared::store::rows::UserRow;
use shared::store::sqlite::SqliteDb;
use shared::store::{sql, Db, MemoryKv};

use crate::support::{block, Env, SECRET, T0, TEST_ITERATIONS};

/// Counts the PBKDF2 iterations actually run, to prove what a request costs.
struct Counting {
    inner: NativePbkdf2,
    iterations: Cell<u64>,
}

impl Counting {
    fn new(iterations: u32) -> Self {
        Self { inner: NativePbkdf2 { iterations }, iterations: Cell::new(0) }
    }
    fn take(&self) -> u64 {
        self.iterations.replace(0)
    }
}

impl Pbkdf2 for Counting {
    fn iterations(&self) -> u32 {
        self.inner.iterations
    }
    fn derive<'a>(&'a self, password: &'a [u8], salt: &'a [u8], iterations: u32, len: usize) -> Derived<'a> {
        self.iterations.set(self.iterations.get() + u64::from(iterations));
        self.inner.derive(password, salt, iterations, len)
    }
}

fn app_with<'a>(env: &'a Env, kdf: &'a dyn Pbkdf2) -> App<'a, SqliteDb, MemoryKv> {
    App { db: &env.db, kv: &env.kv, clock: &env.clock, rng: &env.rng, secret: SECRET, kdf, request_id: None }
}

fn anonymous(admin: &Caller) -> Caller {
    Caller { bearer: Bearer::Anonymous, token_id: None, ..admin.clone() }
}

fn login(app: &App<'_, SqliteDb, MemoryKv>, admin: &Caller, email: &str, pw: &str) -> shared::Result<tokens::Issued> {
    block(tokens::login(app, &anonymous(admin), Some((email.into(), pw.into())), tokens::TokenInput::default()))
}

fn create_user(app: &App<'_, SqliteDb, MemoryKv>, admin: &Caller, attrs: serde_json::Value) -> UserRow {
    let body = json!({"data": {"type": "users", "attributes": attrs}}).to_string();
    block(users::create(app, admin, users::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn stored_hash(env: &Env, admin: &Caller, id: &str) -> String {
    block(users::find(&env.app(), admin.account_id(), id)).unwrap().unwrap().password_hash.unwrap()
}

fn pointer(e: &shared::Error) -> &str {
    match &e.source {
        Some(Source::Pointer(p)) | Some(Source::Parameter(p)) | Some(Source::Header(p)) => p,
        _ => "",
    }
}

/// A caller authenticated with the raw token `raw`, as the router resolves it.
fn bearer_of(env: &Env, admin: &Caller, raw: &str) -> Caller {
    block(auth::authenticate(&env.app(), admin.account.clone(), Credentials::Token(raw.into()))).unwrap()
}

#[test]
fn failed_logins_answer_one_code_at_one_cost() {
    let env = Env::new();
    let admin = env.admin();
    let kdf = Counting::new(TEST_ITERATIONS);
    let app = app_with(&env, &kdf);
    create_user(&app, &admin, json!({"email": "nopass@acme.test"}));
    kdf.take();
    let mut seen = Vec::new();
    for (email, pw) in [("admin@acme.test", "wrong horse"), ("who@acme.test", "wrong horse"), ("nopass@acme.test", "anything")] {
        let e = login(&app, &admin, email, pw).unwrap_err();
        seen.push((e.status, e.code.to_string(), e.detail.clone(), pointer(&e).to_owned(), kdf.take()));
    }
    let expected =
        (401, "CREDENTIALS_INVALID".to_owned(), "email and password must be valid".to_owned(), "Authorization".to_owned(), u64::from(TEST_ITERATIONS));
    assert!(seen.iter().all(|s| *s == expected), "{seen:?}");
}

#[test]
fn a_wrong_password_under_a_cheaper_hash_costs_the_configured_count() {
    let env = Env::new();
    let admin = env.admin();
    let legacy = Counting::new(5_000);
    let u = create_user(&app_with(&env, &legacy), &admin, json!({"email": "old@acme.test", "password": "password123"}));
    assert!(stored_hash(&env, &admin, &u.id).starts_with("pbkdf2-sha256$5000$"));
    let kdf = Counting::new(20_000);
    let app = app_with(&env, &kdf);
    assert_eq!(login(&app, &admin, "old@acme.test", "password124").unwrap_err().code, "CREDENTIALS_INVALID");
    assert_eq!(kdf.take(), 20_000, "5,000 for the hash, padded to the configured 20,000");
    assert!(stored_hash(&env, &admin, &u.id).starts_with("pbkdf2-sha256$5000$"), "no rehash without the right password");
}

#[test]
fn login_rehashes_an_older_count_once_and_the_new_hash_verifies() {
    let env = Env::new();
    let admin = env.admin();
    let legacy = Counting::new(5_000);
    let u = create_user(&app_with(&env, &legacy), &admin, json!({"email": "old@acme.test", "password": "password123"}));
    let old = stored_hash(&env, &admin, &u.id);
    let kdf = Counting::new(20_000);
    let app = app_with(&env, &kdf);
    login(&app, &admin, "old@acme.test", "password123").unwrap();
    assert_eq!(kdf.take(), 25_000, "verify at 5,000, rehash at 20,000");
    let new = stored_hash(&env, &admin, &u.id);
    assert!(new.starts_with("pbkdf2-sha256$20000$") && new != old, "{new}");
    login(&app, &admin, "old@acme.test", "password123").unwrap();
    assert_eq!(kdf.take(), 20_000, "no second rehash");
    assert_eq!(stored_hash(&env, &admin, &u.id), new);
    // The rehash is guarded by the hash it replaces: a stale one changes nothing.
    let changed = block(env.db.execute(sql::users::REHASH_PASSWORD, &[admin.account_id().into(), u.id.clone().into(), old.into(), "x".into()])).unwrap();
    assert_eq!(changed, 0);
    assert_eq!(stored_hash(&env, &admin, &u.id), new);
}

#[test]
fn a_user_changing_its_password_must_send_the_current_one() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let u = create_user(&app, &admin, json!({"email": "u@acme.test", "password": "password123"}));
    let t = login(&app, &admin, "u@acme.test", "password123").unwrap();
    let me = bearer_of(&env, &admin, t.raw.as_deref().unwrap());
    let patch = |caller: &Caller, body: serde_json::Value| block(users::update(&app, caller, &u.id, users::parse(body.to_string().as_bytes(), false)?));
    let attrs = json!({"type": "users", "attributes": {"password": "newpassword1"}});

    let e = patch(&me, json!({"data": attrs})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), pointer(&e)), (400, "PARAMETER_MISSING", "/meta/oldPassword"));
    let e = patch(&me, json!({"data": attrs, "meta": {"oldPassword": "password124"}})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), pointer(&e)), (401, "PASSWORD_INVALID", "/meta/oldPassword"));
    let e = patch(&me, json!({"data": {"type": "users", "attributes": {"password": null}}})).unwrap_err();
    assert_eq!(e.code, "PARAMETER_MISSING", "removing the password needs it too");
    let e = patch(&me, json!({"data": attrs, "meta": {"oldPassword": 5}})).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e)), ("PARAMETER_INVALID", "/meta/oldPassword"));
    assert!(login(&app, &admin, "u@acme.test", "password123").is_ok(), "nothing changed");

    patch(&me, json!({"data": attrs, "meta": {"oldPassword": "password123"}})).unwrap();
    assert!(login(&app, &admin, "u@acme.test", "newpassword1").is_ok());
    patch(&me, json!({"data": {"type": "users", "attributes": {"firstName": "U"}}})).unwrap();

    let reset = json!({"data": {"type": "users", "attributes": {"password": "adminset123"}}});
    patch(&admin, reset).unwrap();
    assert!(login(&app, &admin, "u@acme.test", "adminset123").is_ok(), "admins need no old password");
}

#[test]
fn a_token_cannot_mint_a_token_that_outlives_it() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    create_user(&app, &admin, json!({"email": "u@acme.test", "password": "password123"}));
    let t = login(&app, &admin, "u@acme.test", "password123").unwrap();
    let own_expiry = t.row.expiry.unwrap();
    assert_eq!(own_expiry, T0 + tokens::USER_TOKEN_TTL_MS);
    env.clock.advance(shared::clock::DAY_MS);
    let me = bearer_of(&env, &admin, t.raw.as_deref().unwrap());
    let mint = |caller: &Caller, body: serde_json::Value| block(tokens::login(&app, caller, None, tokens::parse_input(body.to_string().as_bytes(), false)?));

    let later = shared::clock::iso8601(own_expiry + 1);
    for expiry in [json!(later), json!(null)] {
        let e = mint(&me, json!({"data": {"type": "tokens", "attributes": {"expiry": expiry}}})).unwrap_err();
        assert_eq!((e.status, e.code.as_ref(), pointer(&e)), (422, "EXPIRY_INVALID", "/data/attributes/expiry"), "{expiry}");
    }
    // The default two weeks from now would outlive the bearer: it is cut down to the bearer's expiry.
    let copy = block(tokens::login(&app, &me, None, tokens::TokenInput::default())).unwrap();
    assert_eq!(copy.row.expiry, Some(own_expiry));
    let sooner = mint(&me, json!({"data": {"type": "tokens", "attributes": {"expiry": shared::clock::iso8601(own_expiry - 1000)}}})).unwrap();
    assert_eq!(sooner.row.expiry, Some(own_expiry - 1000));

    // An admin whose token expires cannot mint a never-expiring product token either.
    let at = login(&app, &admin, "admin@acme.test", "correct horse").unwrap();
    let admin_bearer = bearer_of(&env, &admin, at.raw.as_deref().unwrap());
    let product = env.product(&admin, "App");
    let e = block(tokens::issue(
        &app,
        &admin_bearer,
        shared::domain::states::BearerType::Product,
        &product.id,
        shared::access::Kind::Product,
        tokens::parse_input(br#"{"data":{"type":"tokens","attributes":{"expiry":null}}}"#, false).unwrap(),
    ))
    .unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e)), ("EXPIRY_INVALID", "/data/attributes/expiry"));
    let p = block(tokens::issue(
        &app,
        &admin_bearer,
        shared::domain::states::BearerType::Product,
        &product.id,
        shared::access::Kind::Product,
        tokens::TokenInput::default(),
    ))
    .unwrap();
    assert_eq!(p.row.expiry, at.row.expiry, "the default (never) is cut down to the admin token's expiry");
    // Without a token (password login, bootstrap), nothing bounds it.
    let free = block(tokens::issue(
        &app,
        &admin,
        shared::domain::states::BearerType::Product,
        &product.id,
        shared::access::Kind::Product,
        tokens::TokenInput::default(),
    ))
    .unwrap();
    assert_eq!(free.row.expiry, None);
}

#[test]
fn regenerating_never_extends_past_the_bearer_and_expired_tokens_need_an_admin() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    create_user(&app, &admin, json!({"email": "u@acme.test", "password": "password123"}));
    let short = login(&app, &admin, "u@acme.test", "password123").unwrap();
    let me = bearer_of(&env, &admin, short.raw.as_deref().unwrap());
    let soon = shared::clock::iso8601(T0 + 3_600_000);
    let brief = block(tokens::login(
        &app,
        &me,
        None,
        tokens::parse_input(format!(r#"{{"data":{{"type":"tokens","attributes":{{"expiry":"{soon}"}}}}}}"#).as_bytes(), false).unwrap(),
    ))
    .unwrap();

    // Regenerating itself a day later keeps its expiry (Keygen would renew it to now + 2 weeks).
    env.clock.advance(shared::clock::DAY_MS);
    let me = bearer_of(&env, &admin, short.raw.as_deref().unwrap());
    let again = block(tokens::regenerate(&app, &me, &short.row.id)).unwrap();
    assert_eq!(again.row.expiry, short.row.expiry);

    // `brief` expired an hour after T0: its owner may not bring it back, an admin may.
    let me = bearer_of(&env, &admin, again.raw.as_deref().unwrap());
    let e = block(tokens::regenerate(&app, &me, &brief.row.id)).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), pointer(&e)), (403, "FORBIDDEN", "/data/attributes/expiry"));
    let revived = block(tokens::regenerate(&app, &admin, &brief.row.id)).unwrap();
    assert!(revived.row.expiry.is_some_and(|x| x > shared::Clock::now_ms(&env.clock)));
}

#[test]
fn end_users_check_out_bounded_files_only() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let app = env.app();
    let forever = || checkout::parse_options(FileKind::License, &Query::parse("ttl=null"), None).unwrap();
    let license = Caller { bearer: Bearer::License { license_id: l.id.clone() }, ..admin.clone() };
    let e = block(checkout::license(&app, &license, &l.id, forever())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), pointer(&e)), (400, "CHECKOUT_TTL_INVALID", "ttl"));
    assert!(!env.events().iter().any(|(e, _)| e == "license.checked-out"), "refused before any write");
    let bounded = checkout::parse_options(FileKind::License, &Query::parse(&format!("ttl={}", checkout::MAX_TTL_SECS)), None).unwrap();
    assert_eq!(block(checkout::license(&app, &license, &l.id, bounded)).unwrap().ttl, Some(checkout::MAX_TTL_SECS));
    assert_eq!(block(checkout::license(&app, &admin, &l.id, forever())).unwrap().expiry, None);
    let as_product = Caller { bearer: Bearer::Product { product_id: product.id.clone() }, ..admin.clone() };
    assert_eq!(block(checkout::license(&app, &as_product, &l.id, forever())).unwrap().ttl, None);
    let e = checkout::parse_options(FileKind::Machine, &Query::parse("ttl=31556953"), None).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e)), ("CHECKOUT_TTL_INVALID", "ttl"));
}
