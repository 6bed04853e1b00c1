//! Lazy expiration bases (`FROM_FIRST_ACTIVATION`, `FROM_FIRST_USE`, `FROM_FIRST_VALIDATION`)
//! set the expiry once and record `license.expiry.updated` with `changes.expiry: [null, new]`
//! in the same batch — once, not on later activations, uses or validations, and not when the
//! activation or use is refused or a concurrent validation got there first.

use serde_json::{json, Value};
use shared::clock::iso8601;
use shared::service::{licensing::activation, licensing::usage, licensing::validation, Bearer, Caller};
use shared::store::rows::{LicenseRow, PolicyRow};

use crate::support::{block, Env, T0};

const DAY_MS: i64 = 86_400_000;

fn setup(attrs: Value) -> (Env, Caller, PolicyRow) {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let mut a = json!({"duration": 86_400});
    a.as_object_mut().unwrap().extend(attrs.as_object().cloned().unwrap_or_default());
    let policy = env.policy(&admin, &product, a);
    (env, admin, policy)
}

/// `changes` of the license's `license.expiry.updated` events, oldest first.
fn expiry_events(env: &Env, l: &LicenseRow) -> Vec<Value> {
    let q = "SELECT changes FROM event_logs WHERE event = 'license.expiry.updated' AND resource_id = ?1 ORDER BY created_at";
    let rows = block(shared::store::Db::query(&env.db, q, &[l.id.clone().into()])).unwrap();
    rows.into_iter().map(|r| serde_json::from_str(r["changes"].as_str().unwrap()).unwrap()).collect()
}

fn stored(env: &Env, admin: &Caller, l: &LicenseRow) -> LicenseRow {
    block(shared::service::licensing::licenses::find(&env.app(), admin.account_id(), &l.id)).unwrap().unwrap()
}

fn activate(env: &Env, admin: &Caller, l: &LicenseRow, fingerprint: &str) -> Result<(), shared::Error> {
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fingerprint},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    block(activation::activate(&env.app(), admin, activation::parse(body.to_string().as_bytes())?)).map(|_| ())
}

#[test]
fn first_activation_records_the_expiry_once() {
    let (env, admin, policy) =
        setup(json!({"expirationBasis": "FROM_FIRST_ACTIVATION", "floating": true, "maxMachines": 5, "machineUniquenessStrategy": "UNIQUE_PER_POLICY"}));
    let l = env.license(&admin, &policy, json!({}));
    let other = env.license(&admin, &policy, json!({}));
    env.clock.set(T0 + 1000);
    activate(&env, &admin, &l, "fp-1").unwrap();
    let expiry = T0 + 1000 + DAY_MS;
    assert_eq!(stored(&env, &admin, &l).expiry, Some(expiry));
    assert_eq!(expiry_events(&env, &l), [json!({"expiry": [null, iso8601(expiry)]})]);
    env.clock.set(T0 + 2000);
    activate(&env, &admin, &l, "fp-2").unwrap();
    assert_eq!(expiry_events(&env, &l).len(), 1, "not on the second activation");

    // A refused activation (fingerprint taken in the policy) starts no clock and records nothing.
    assert_eq!(activate(&env, &admin, &other, "fp-1").unwrap_err().code, "FINGERPRINT_TAKEN");
    assert_eq!(stored(&env, &admin, &other).expiry, None);
    assert!(expiry_events(&env, &other).is_empty());
}

#[test]
fn first_use_records_the_expiry_once() {
    let (env, admin, policy) = setup(json!({"expirationBasis": "FROM_FIRST_USE"}));
    let l = env.license(&admin, &policy, json!({}));
    env.clock.set(T0 + 1000);
    block(usage::increment(&env.app(), &admin, &l.id, 1)).unwrap();
    env.clock.set(T0 + 2000);
    let used = block(usage::increment(&env.app(), &admin, &l.id, 1)).unwrap();
    assert_eq!((used.uses, used.expiry), (2, Some(T0 + 1000 + DAY_MS)));
    assert_eq!(expiry_events(&env, &l), [json!({"expiry": [null, iso8601(T0 + 1000 + DAY_MS)]})]);
}

#[test]
fn first_validation_records_the_expiry_once_even_when_two_race() {
    let (env, admin, policy) = setup(json!({"expirationBasis": "FROM_FIRST_VALIDATION"}));
    let l = env.license(&admin, &policy, json!({}));
    let anonymous = Caller { bearer: Bearer::Anonymous, ..admin.clone() };
    let validate = || {
        let req = validation::parse_validate_key(json!({"meta": {"key": l.key}}).to_string().as_bytes()).unwrap();
        block(validation::validate_license(&env.app(), &anonymous, req)).unwrap()
    };
    // Two validations read the license before either writes: both carry the lazy expiry.
    env.clock.set(T0 + 1000);
    let first = validate();
    env.clock.set(T0 + 2000);
    let second = validate();
    block(first.pending.commit(&env.db)).unwrap();
    block(second.pending.commit(&env.db)).unwrap();
    assert_eq!(stored(&env, &admin, &l).expiry, Some(T0 + 1000 + DAY_MS), "first writer wins");
    assert_eq!(expiry_events(&env, &l), [json!({"expiry": [null, iso8601(T0 + 1000 + DAY_MS)]})]);

    // A later validation finds the expiry set and records nothing more.
    env.clock.set(T0 + 120_000);
    block(validate().pending.commit(&env.db)).unwrap();
    assert_eq!(expiry_events(&env, &l).len(), 1);
}
