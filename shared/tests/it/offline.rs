//! Usage, check-in, license tokens and offline check-out on SQLite.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::crypto::license_file::{self, FileKind};
use shared::service::{licensing::checkout, licensing::license_tokens, licensing::usage, Bearer, Caller};
use shared::store::Db;

use crate::support::{block, Env, T0};

fn as_license(admin: &Caller, license_id: &str, token_id: Option<String>) -> Caller {
    Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: license_id.into() }, token_id, permissions: None }
}

fn count(env: &Env, name: &str) -> usize {
    env.events().into_iter().filter(|(e, _)| e == name).count()
}

#[test]
fn increment_stops_exactly_at_max_uses_and_writes_nothing_past_it() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"maxUses": 5}));
    let l = env.license(&admin, &policy, json!({}));
    let app = env.app();
    assert_eq!(block(usage::increment(&app, &admin, &l.id, 3)).unwrap().uses, 3);
    assert_eq!(block(usage::increment(&app, &admin, &l.id, 2)).unwrap().uses, 5);
    let e = block(usage::increment(&app, &admin, &l.id, 1)).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("USES_LIMIT_EXCEEDED", 422));
    let e = block(usage::increment(&app, &admin, &l.id, 100)).unwrap_err();
    assert_eq!(e.code, "USES_LIMIT_EXCEEDED");
    assert_eq!(count(&env, "license.usage.incremented"), 2, "refused increments record no event");
    let after = block(shared::service::licensing::licenses::find(&app, admin.account_id(), &l.id)).unwrap().unwrap();
    assert_eq!(after.uses, 5);
}

#[test]
fn a_license_override_of_max_uses_beats_the_policy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"maxUses": 1}));
    let l = env.license(&admin, &policy, json!({"maxUses": 3}));
    let me = as_license(&admin, &l.id, None);
    assert_eq!(block(usage::increment(&env.app(), &me, &l.id, 3)).unwrap().uses, 3);
    assert_eq!(block(usage::increment(&env.app(), &me, &l.id, 1)).unwrap_err().code, "USES_LIMIT_EXCEEDED");
}

#[test]
fn decrement_never_goes_below_zero_and_reset_is_for_managers() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let app = env.app();
    block(usage::increment(&app, &admin, &l.id, 2)).unwrap();
    let e = block(usage::decrement(&app, &admin, &l.id, 3)).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("USES_INVALID", 422));
    assert_eq!(block(usage::decrement(&app, &admin, &l.id, 2)).unwrap().uses, 0);
    let me = as_license(&admin, &l.id, None);
    assert_eq!(block(usage::decrement(&app, &me, &l.id, 1)).unwrap_err().code, "FORBIDDEN");
    assert_eq!(block(usage::reset(&app, &me, &l.id)).unwrap_err().code, "FORBIDDEN");
    block(usage::increment(&app, &me, &l.id, 4)).unwrap();
    assert_eq!(block(usage::reset(&app, &admin, &l.id)).unwrap().uses, 0);
    assert_eq!(count(&env, "license.usage.decremented"), 1);
    assert_eq!(count(&env, "license.usage.reset"), 1);
}

#[test]
fn first_use_starts_the_expiry_clock_once_and_only_on_a_real_use() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"expirationBasis": "FROM_FIRST_USE", "duration": 86_400, "maxUses": 1}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(l.expiry, None);
    let zero = env.license(&admin, &policy, json!({"maxUses": 0}));
    assert_eq!(block(usage::increment(&env.app(), &admin, &zero.id, 1)).unwrap_err().code, "USES_LIMIT_EXCEEDED");
    let z = block(shared::service::licensing::licenses::find(&env.app(), admin.account_id(), &zero.id)).unwrap().unwrap();
    assert_eq!(z.expiry, None, "a refused increment does not start the clock");
    env.clock.set(T0 + 1000);
    let used = block(usage::increment(&env.app(), &admin, &l.id, 1)).unwrap();
    assert_eq!(used.expiry, Some(T0 + 1000 + 86_400_000));
    assert_eq!(count(&env, "license.expiry.updated"), 1);
}

#[test]
fn check_in_requires_the_policy_to_ask_for_it() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let plain = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &plain, json!({}));
    let e = block(usage::check_in(&env.app(), &admin, &l.id)).unwrap_err();
    assert_eq!((e.code.as_ref(), e.status), ("UNPROCESSABLE_ENTITY", 422));
    let strict = env.policy(&admin, &product, json!({"requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 1}));
    let l = env.license(&admin, &strict, json!({}));
    env.clock.set(T0 + 5000);
    let checked = block(usage::check_in(&env.app(), &as_license(&admin, &l.id, None), &l.id)).unwrap();
    assert_eq!(checked.last_check_in_at, Some(T0 + 5000));
    assert_eq!(count(&env, "license.checked-in"), 1);
}

#[test]
fn license_tokens_are_activation_tokens_with_limits_and_charge_only_with_a_machine() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let app = env.app();
    let body = br#"{"data":{"type":"tokens","attributes":{"name":"ci","maxActivations":1,"maxDeactivations":0}}}"#;
    let t = block(license_tokens::generate(&app, &admin, &l.id, body)).unwrap();
    let raw = t.raw.clone().unwrap();
    assert!(raw.starts_with("activ-") && raw.ends_with("v3"), "{raw}");
    assert_eq!((t.row.kind.as_str(), t.row.max_activations, t.row.max_deactivations), ("activation-token", Some(1), Some(0)));
    let (rows, n, _) = block(license_tokens::list(&app, &admin, &l.id, &Query::default())).unwrap();
    assert_eq!((rows.len(), n), (1, 1));
    let me = as_license(&admin, &l.id, Some(t.row.id.clone()));
    assert_eq!(block(license_tokens::generate(&app, &me, &l.id, b"")).unwrap_err().code, "FORBIDDEN");
    block(license_tokens::check_activation(&app, &me)).unwrap();
    assert_eq!(block(license_tokens::check_deactivation(&app, &me)).unwrap_err().code, "DEACTIVATIONS_LIMIT_EXCEEDED");

    // Without the machine in the batch the counter does not move.
    let stmt = license_tokens::activation_stmt(&me, "no-such-machine").unwrap();
    block(env.db.batch(vec![stmt])).unwrap();
    assert_eq!(block(license_tokens::show(&app, &admin, &l.id, &t.row.id)).unwrap().activations, 0);
    // With it, once; then the limit holds.
    block(env.db.execute(
        "INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, created_at, updated_at) VALUES ('m1', ?1, ?2, ?3, ?4, 'fp', 0, 0)",
        &[admin.account_id().into(), l.id.clone().into(), product.id.clone().into(), policy.id.clone().into()],
    ))
    .unwrap();
    let r = block(env.db.batch(vec![license_tokens::activation_stmt(&me, "m1").unwrap()])).unwrap();
    assert_eq!(r[0].changes, 1);
    let r = block(env.db.batch(vec![license_tokens::activation_stmt(&me, "m1").unwrap()])).unwrap();
    assert_eq!(r[0].changes, 0);
    assert_eq!(block(license_tokens::check_activation(&app, &me)).unwrap_err().code, "ACTIVATIONS_LIMIT_EXCEEDED");
    assert!(license_tokens::activation_stmt(&admin, "m1").is_none(), "only license tokens are charged");
}

fn decode(env: &Env, admin: &Caller, cert: &str, secret: &str) -> Value {
    let d = license_file::decode(cert, &admin.account.public_key, secret).expect("verifies and opens");
    let _ = env;
    serde_json::from_str(&d.data).unwrap()
}

#[test]
fn license_files_round_trip_encrypted_and_plain() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({"name": "Pro"}));
    let app = env.app();
    let opts = checkout::parse_options(FileKind::License, &Query::parse("encrypt=1&include=product,policy,entitlements"), None).unwrap();
    let c = block(checkout::license(&app, &admin, &l.id, opts)).unwrap();
    assert_eq!(c.algorithm, "aes-256-gcm+ed25519");
    assert!(c.certificate.starts_with("-----BEGIN LICENSE FILE-----\n") && c.certificate.ends_with("-----END LICENSE FILE-----\n"));
    assert_eq!((c.ttl, c.expiry), (Some(checkout::DEFAULT_TTL_SECS), Some(T0 + checkout::DEFAULT_TTL_SECS * 1000)));
    let v = decode(&env, &admin, &c.certificate, &l.key);
    assert_eq!(v["data"]["id"], l.id.as_str());
    assert_eq!(v["data"]["attributes"]["name"], "Pro");
    assert_eq!(v["meta"], json!({"issued": "2024-01-01T00:00:00.000Z", "expiry": shared::clock::iso8601(T0 + 2_629_746_000), "ttl": 2_629_746}));
    let types: Vec<&str> = v["included"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["products", "policies"]);
    assert!(license_file::decode(&c.certificate, &admin.account.public_key, "wrong key").is_err());
    assert_eq!(count(&env, "license.checked-out"), 1);
    let touched = block(shared::service::licensing::licenses::find(&app, admin.account_id(), &l.id)).unwrap().unwrap();
    assert_eq!(touched.last_check_out_at, Some(T0));

    let plain = checkout::parse_options(FileKind::License, &Query::parse("ttl=null"), None).unwrap();
    let c = block(checkout::license(&app, &admin, &l.id, plain)).unwrap();
    assert_eq!((c.algorithm.as_str(), c.ttl, c.expiry), ("base64+ed25519", None, None));
    let v = decode(&env, &admin, &c.certificate, "");
    assert_eq!(v["meta"]["ttl"], Value::Null);
    assert!(v.get("included").is_none());
}

#[test]
fn other_accounts_and_strangers_cannot_check_out() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let other = env.license(&admin, &policy, json!({}));
    let opts = || checkout::parse_options(FileKind::License, &Query::default(), None).unwrap();
    let e = block(checkout::license(&env.app(), &as_license(&admin, &other.id, None), &l.id, opts())).unwrap_err();
    assert_eq!(e.code, "NOT_FOUND");
    env.clock.set(T0 + 1);
    let stranger = env.admin();
    let e = block(checkout::license(&env.app(), &stranger, &l.id, opts())).unwrap_err();
    assert_eq!(e.code, "NOT_FOUND");
    let e = block(checkout::machine(&env.app(), &admin, "nope", checkout::parse_options(FileKind::Machine, &Query::default(), None).unwrap())).unwrap_err();
    assert_eq!(e.code, "NOT_FOUND");
    assert_eq!(count(&env, "license.checked-out"), 0);
}

#[test]
fn machine_files_are_encrypted_with_key_and_fingerprint() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    block(env.db.execute(
        "INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, created_at, updated_at) VALUES ('m1', ?1, ?2, ?3, ?4, 'fp-1', ?5, ?5)",
        &[admin.account_id().into(), l.id.clone().into(), product.id.clone().into(), policy.id.clone().into(), T0.into()],
    ))
    .unwrap();
    let opts = checkout::parse_options(FileKind::Machine, &Query::parse("encrypt=true&include=license,license.product"), None).unwrap();
    let c = block(checkout::machine(&env.app(), &as_license(&admin, &l.id, None), "fp-1", opts)).unwrap();
    assert!(c.certificate.starts_with("-----BEGIN MACHINE FILE-----\n"));
    let secret = license_file::machine_secret(&l.key, "fp-1");
    let v = decode(&env, &admin, &c.certificate, &secret);
    assert_eq!((v["data"]["type"].as_str(), v["data"]["attributes"]["fingerprint"].as_str()), (Some("machines"), Some("fp-1")));
    assert_eq!(v["data"]["attributes"]["heartbeatStatus"], "NOT_STARTED");
    let types: Vec<&str> = v["included"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["licenses", "products"]);
    assert!(license_file::decode(&c.certificate, &admin.account.public_key, &l.key).is_err(), "the license key alone does not open a machine file");
    assert_eq!(count(&env, "machine.checked-out"), 1);
}

#[test]
fn a_nested_license_include_brings_the_license_into_the_machine_file() {
    // Keygen (JSON:API full linkage) includes the license for `include=license.entitlements`,
    // keygen-rs's default machine check-out; keygen-rs cannot open a machine file without it.
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    block(env.db.execute(
        "INSERT INTO machines (id, account_id, license_id, product_id, policy_id, fingerprint, created_at, updated_at) VALUES ('m1', ?1, ?2, ?3, ?4, 'fp-1', ?5, ?5)",
        &[admin.account_id().into(), l.id.clone().into(), product.id.clone().into(), policy.id.clone().into(), T0.into()],
    ))
    .unwrap();
    for (include, expected) in
        [("license.entitlements", vec!["licenses"]), ("license.product,license.policy,license", vec!["licenses", "products", "policies"])]
    {
        let opts = checkout::parse_options(FileKind::Machine, &Query::parse(&format!("include={include}")), None).unwrap();
        let c = block(checkout::machine(&env.app(), &admin, "m1", opts)).unwrap();
        let v = decode(&env, &admin, &c.certificate, &l.key);
        let types: Vec<&str> = v["included"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
        assert_eq!(types, expected, "{include}");
        assert_eq!(v["included"][0]["id"], l.id.as_str());
    }
}
