//! Second-factor storage on SQLite with the real migrations: the secret is stored only sealed,
//! one factor per user, and a TOTP step is spent by one guarded UPDATE so a code works once.

use serde_json::Value;
use shared::crypto::totp::{self, TotpSecret};
use shared::service::Bearer;
use shared::store::{sql::second_factors as sf, Db, Stmt};

use crate::support::{block, Env, SECRET, T0};

/// Unix seconds of the test clock.
const NOW: u64 = (T0 / 1000) as u64;

fn setup() -> (Env, String, String) {
    let env = Env::new();
    let admin = env.admin();
    let Bearer::Admin { user_id, .. } = admin.bearer.clone() else { unreachable!() };
    (env, admin.account_id().to_owned(), user_id)
}

fn insert(env: &Env, account: &str, user: &str, id: &str, sealed: &str) -> u64 {
    block(env.db.execute(sf::INSERT, &[id.into(), account.into(), user.into(), sealed.into(), T0.into()])).unwrap()
}

fn spend(env: &Env, account: &str, user: &str, id: &str, step: u64, enable: Option<bool>) -> u64 {
    let enable = enable.map_or(Value::Null, |e| i64::from(e).into());
    block(env.db.execute(sf::SPEND_STEP, &[account.into(), user.into(), id.into(), (step as i64).into(), enable, T0.into()])).unwrap()
}

fn stored(env: &Env, account: &str, user: &str) -> Vec<shared::store::Row> {
    block(env.db.query(sf::LIST_FOR_USER, &[account.into(), user.into()])).unwrap()
}

#[test]
fn secret_is_stored_sealed_and_one_factor_per_user() {
    let (env, account, user) = setup();
    let secret = TotpSecret::generate(&env.rng);
    let sealed = secret.seal(SECRET, &env.rng);
    assert_eq!(insert(&env, &account, &user, "sf-1", &sealed), 1);
    assert_eq!(insert(&env, &account, &user, "sf-2", &secret.seal(SECRET, &env.rng)), 0, "a second factor for the same user is refused");
    assert_eq!(insert(&env, "other-account", &user, "sf-3", &sealed), 0, "the user must exist in the account");
    let rows = stored(&env, &account, &user);
    assert_eq!(rows.len(), 1);
    let column = rows[0]["sealed_secret"].as_str().unwrap();
    assert!(!column.contains(&secret.base32()), "never the secret in the clear");
    assert_eq!(TotpSecret::unseal(SECRET, column).unwrap(), secret);
    assert_eq!(rows[0]["enabled"], 0);
    let enabled = block(env.db.query(sf::FIND_ENABLED_FOR_USER, &[account.as_str().into(), user.as_str().into()])).unwrap();
    assert!(enabled.is_empty(), "a new factor is not enabled");
}

#[test]
fn a_code_is_spent_once_even_concurrently() {
    let (env, account, user) = setup();
    let secret = TotpSecret::generate(&env.rng);
    insert(&env, &account, &user, "sf-1", &secret.seal(SECRET, &env.rng));
    let step = totp::verify(&secret, &secret.code_at(NOW), NOW, None).unwrap();
    // Enabling spends the step.
    assert_eq!(spend(&env, &account, &user, "sf-1", step, Some(true)), 1);
    let rows = stored(&env, &account, &user);
    assert_eq!(rows[0]["enabled"], 1);
    let last = rows[0]["last_step"].as_i64().map(|s| s as u64);
    assert_eq!(last, Some(step));
    // The same code again: refused by the pure check and by the guard.
    assert_eq!(totp::verify(&secret, &secret.code_at(NOW), NOW, last), None);
    assert_eq!(spend(&env, &account, &user, "sf-1", step, None), 0, "a replayed step changes nothing");
    assert_eq!(spend(&env, &account, &user, "sf-1", step - 1, None), 0, "an older step changes nothing");
    // Two requests that both verified the next step before either wrote: exactly one wins.
    let next = step + 1;
    let res = block(env.db.batch(vec![
        Stmt::new(sf::SPEND_STEP, vec![account.as_str().into(), user.as_str().into(), "sf-1".into(), (next as i64).into(), Value::Null, T0.into()]),
        Stmt::new(sf::SPEND_STEP, vec![account.as_str().into(), user.as_str().into(), "sf-1".into(), (next as i64).into(), Value::Null, T0.into()]),
    ]))
    .unwrap();
    assert_eq!(res.iter().map(|r| r.changes).collect::<Vec<_>>(), vec![1, 0]);
    assert_eq!(stored(&env, &account, &user)[0]["enabled"], 1, "a NULL enable keeps the state");
}

#[test]
fn delete_needs_an_unspent_step_and_users_cascade() {
    let (env, account, user) = setup();
    let secret = TotpSecret::generate(&env.rng);
    insert(&env, &account, &user, "sf-1", &secret.seal(SECRET, &env.rng));
    let step = NOW / totp::STEP_SECONDS;
    spend(&env, &account, &user, "sf-1", step, Some(true));
    let del =
        |s: u64| block(env.db.execute(sf::DELETE_SPENDING_STEP, &[account.as_str().into(), user.as_str().into(), "sf-1".into(), (s as i64).into()])).unwrap();
    assert_eq!(del(step), 0, "a spent code does not delete");
    assert_eq!(del(step + 1), 1);
    insert(&env, &account, &user, "sf-2", &secret.seal(SECRET, &env.rng));
    block(env.db.execute(shared::store::sql::users::DELETE, &[account.as_str().into(), user.as_str().into()])).unwrap();
    assert!(stored(&env, &account, &user).is_empty(), "deleting the user deletes its factor");
}

mod service {
    use serde_json::json;
    use shared::crypto::totp::{base32_decode, TotpSecret};
    use shared::service::identity::{passwords, second_factors as sfs, tokens, users};
    use shared::service::{Bearer, Caller};
    use shared::store::rows::UserRow;
    use shared::Clock;

    use crate::support::{block, Env};

    fn create_user(env: &Env, admin: &Caller, email: &str) -> UserRow {
        let body = json!({"data": {"type": "users", "attributes": {"email": email, "password": "original pw"}}}).to_string();
        block(users::create(&env.app(), admin, users::parse(body.as_bytes(), true).unwrap())).unwrap()
    }

    fn as_user(admin: &Caller, u: &UserRow) -> Caller {
        Caller { bearer: Bearer::User { user_id: u.id.clone() }, token_id: None, ..admin.clone() }
    }

    /// The secret in a provisioning URI, as an authenticator app reads it.
    fn secret_of(uri: &str) -> TotpSecret {
        let b32 = uri.split("secret=").nth(1).unwrap().split('&').next().unwrap();
        TotpSecret::from_bytes(base32_decode(b32).unwrap().try_into().unwrap())
    }

    fn code(env: &Env, s: &TotpSecret) -> String {
        s.code_at((env.clock.now_ms() / 1000) as u64)
    }

    fn login(env: &Env, admin: &Caller, email: &str, otp: Option<String>) -> shared::Result<tokens::Issued> {
        let anon = Caller { bearer: Bearer::Anonymous, token_id: None, ..admin.clone() };
        block(tokens::login(&env.app(), &anon, Some((email.into(), "original pw".into())), tokens::TokenInput { otp, ..Default::default() }))
    }

    /// Creates and enables a factor for `u` (as `u`); returns its secret.
    fn enroll(env: &Env, caller: &Caller, u: &UserRow) -> TotpSecret {
        let (f, uri) = block(sfs::create(&env.app(), caller, &u.id, Some("original pw"), None)).unwrap();
        assert_eq!(f.enabled, 0);
        assert!(uri.starts_with(&format!("otpauth://totp/Latchkey:{}?secret=", u.email)), "{uri}");
        let s = secret_of(&uri);
        block(sfs::update(&env.app(), caller, &u.id, &f.id, true, &code(env, &s))).unwrap();
        s
    }

    #[test]
    fn create_needs_the_password_and_enable_a_code_of_the_factor() {
        let env = Env::new();
        let admin = env.admin();
        let u = create_user(&env, &admin, "sf@acme.test");
        let me = as_user(&admin, &u);
        let e = block(sfs::create(&env.app(), &me, &u.id, Some("wrong password"), None)).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (401, "PASSWORD_INVALID"));
        let e = block(sfs::create(&env.app(), &me, &u.id, None, None)).unwrap_err();
        assert_eq!(e.code, "PASSWORD_INVALID");
        let (f, uri) = block(sfs::create(&env.app(), &me, &u.id, Some("original pw"), None)).unwrap();
        let s = secret_of(&uri);
        let e = block(sfs::update(&env.app(), &me, &u.id, &f.id, true, "000000")).unwrap_err();
        assert_eq!(e.code, "OTP_INVALID");
        let stale = s.code_at((env.clock.now_ms() / 1000) as u64 - 90);
        assert_eq!(block(sfs::update(&env.app(), &me, &u.id, &f.id, true, &stale)).unwrap_err().code, "OTP_INVALID");
        // Not enabled yet: login needs no code.
        assert!(login(&env, &admin, &u.email, None).is_ok());
        let ok = code(&env, &s);
        assert_eq!(block(sfs::update(&env.app(), &me, &u.id, &f.id, true, &ok)).unwrap().enabled, 1);
        assert_eq!(block(sfs::update(&env.app(), &me, &u.id, &f.id, false, &ok)).unwrap_err().code, "OTP_INVALID", "the enabling code is spent");
        // One factor per user.
        env.clock.advance(30_000);
        assert_eq!(block(sfs::create(&env.app(), &me, &u.id, None, Some(&code(&env, &s)))).unwrap_err().status, 409);
    }

    #[test]
    fn login_requires_a_fresh_code_once_enabled() {
        let env = Env::new();
        let admin = env.admin();
        let u = create_user(&env, &admin, "sf@acme.test");
        let s = enroll(&env, &as_user(&admin, &u), &u);
        let e = login(&env, &admin, &u.email, None).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (401, "OTP_REQUIRED"));
        assert_eq!(format!("{:?}", e.source), format!("{:?}", Some(shared::error::Source::Pointer("/meta/otp".into()))));
        // The enabling code was spent: it does not log in.
        assert_eq!(login(&env, &admin, &u.email, Some(code(&env, &s))).unwrap_err().code, "OTP_INVALID");
        env.clock.advance(30_000);
        let fresh = code(&env, &s);
        assert!(login(&env, &admin, &u.email, Some(fresh.clone())).is_ok());
        assert_eq!(login(&env, &admin, &u.email, Some(fresh)).unwrap_err().code, "OTP_INVALID", "a replayed code is refused");
        assert_eq!(login(&env, &admin, &u.email, Some("12345".into())).unwrap_err().code, "OTP_INVALID");
    }

    #[test]
    fn password_changes_and_factor_removal_require_a_code() {
        let env = Env::new();
        let admin = env.admin();
        let u = create_user(&env, &admin, "sf@acme.test");
        let me = as_user(&admin, &u);
        let s = enroll(&env, &me, &u);
        env.clock.advance(30_000);
        let body = json!({"meta": {"oldPassword": "original pw", "newPassword": "brand new pw"}}).to_string();
        assert_eq!(block(passwords::update(&env.app(), &me, &u.id, body.as_bytes())).unwrap_err().code, "OTP_REQUIRED");
        let patch = json!({"data": {"type": "users", "attributes": {"password": "brand new pw"}}, "meta": {"oldPassword": "original pw"}}).to_string();
        let e = block(users::update(&env.app(), &me, &u.id, users::parse(patch.as_bytes(), false).unwrap())).unwrap_err();
        assert_eq!(e.code, "OTP_REQUIRED");
        let patch =
            json!({"data": {"type": "users", "attributes": {"password": "brand new pw"}}, "meta": {"oldPassword": "original pw", "otp": "000000"}}).to_string();
        let e = block(users::update(&env.app(), &me, &u.id, users::parse(patch.as_bytes(), false).unwrap())).unwrap_err();
        assert_eq!(e.code, "OTP_INVALID");
        let f = block(sfs::list(&env.app(), &me, &u.id)).unwrap().remove(0);
        assert_eq!(block(sfs::delete(&env.app(), &me, &u.id, &f.id, None)).unwrap_err().code, "OTP_INVALID");
        let body = json!({"meta": {"oldPassword": "original pw", "newPassword": "brand new pw", "otp": code(&env, &s)}}).to_string();
        block(passwords::update(&env.app(), &me, &u.id, body.as_bytes())).unwrap();
        assert_eq!(block(sfs::delete(&env.app(), &me, &u.id, &f.id, Some(&code(&env, &s)))).unwrap_err().code, "OTP_INVALID", "spent by the password change");
        env.clock.advance(30_000);
        block(sfs::delete(&env.app(), &me, &u.id, &f.id, Some(&code(&env, &s)))).unwrap();
        assert!(block(sfs::list(&env.app(), &me, &u.id)).unwrap().is_empty());
    }

    #[test]
    fn only_the_user_itself_or_an_admin_reaches_its_factors() {
        let env = Env::new();
        let admin = env.admin();
        let u = create_user(&env, &admin, "sf@acme.test");
        let other = create_user(&env, &admin, "other@acme.test");
        let (f, _) = block(sfs::create(&env.app(), &admin, &u.id, Some("original pw"), None)).unwrap();
        let them = as_user(&admin, &other);
        assert_eq!(block(sfs::list(&env.app(), &them, &u.id)).unwrap_err().status, 404);
        assert_eq!(block(sfs::show(&env.app(), &them, &u.id, &f.id)).unwrap_err().status, 404);
        assert_eq!(block(sfs::create(&env.app(), &them, &u.id, Some("original pw"), None)).unwrap_err().status, 404);
        let product = Caller { bearer: Bearer::Product { product_id: "p".into() }, token_id: None, ..admin.clone() };
        assert_eq!(block(sfs::list(&env.app(), &product, &u.id)).unwrap_err().status, 403);
        let anon = Caller { bearer: Bearer::Anonymous, token_id: None, ..admin.clone() };
        assert_eq!(block(sfs::list(&env.app(), &anon, &u.id)).unwrap_err().status, 401);
        // The factor of another user is not found under this one.
        assert_eq!(block(sfs::show(&env.app(), &admin, &other.id, &f.id)).unwrap_err().status, 404);
        assert_eq!(block(sfs::show(&env.app(), &admin, &u.id, &f.id)).unwrap().id, f.id);
    }

    #[test]
    fn parsers_point_at_the_member() {
        let e = sfs::parse_update(br#"{"data":{"type":"second-factors","attributes":{"enabled":true}}}"#).unwrap_err();
        assert_eq!(format!("{:?}", e.source), format!("{:?}", Some(shared::error::Source::Pointer("/meta/otp".into()))));
        let e = sfs::parse_update(br#"{"data":{"type":"second-factors","attributes":{}},"meta":{"otp":"1"}}"#).unwrap_err();
        assert_eq!(e.code, "PARAMETER_MISSING");
        assert_eq!(sfs::parse_create(br#"{"meta":{"password":"x","secret":"y"}}"#).unwrap_err().code, "PARAMETER_UNPERMITTED");
        assert_eq!(sfs::otp_of(br#"{"meta":{"otp":123456}}"#).unwrap_err().status, 400);
        assert_eq!(sfs::otp_of(br#"{"meta":{"otp":"123456"}}"#).unwrap().as_deref(), Some("123456"));
        let t = tokens::parse_input(br#"{"meta":{"otp":"123456"}}"#, false).unwrap();
        assert_eq!(t.otp.as_deref(), Some("123456"));
        assert!(tokens::parse_input(br#"{"meta":{},"extra":1}"#, false).is_err());
        let e = tokens::parse_input(br#"{"meta":{"otp":"123456","key":"x"}}"#, false).unwrap_err();
        assert_eq!(
            (e.code.as_ref(), format!("{:?}", e.source)),
            ("PARAMETER_UNPERMITTED", format!("{:?}", Some(shared::error::Source::Pointer("/meta/key".into()))))
        );
    }
}
