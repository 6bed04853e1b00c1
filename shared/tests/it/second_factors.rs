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
    let Bearer::Admin { user_id } = admin.bearer.clone() else { unreachable!() };
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
