//! License use cases on SQLite: creation with each key format, actions, transfer, filters,
//! isolation between accounts, and the outbox.

use serde_json::json;
use shared::api::query::Query;
use shared::crypto::license_key;
use shared::service::licensing::licenses;

use crate::support::{block, Env, T0};

#[test]
fn unsigned_keys_have_keygens_v3_format() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let parts: Vec<&str> = l.key.split('-').collect();
    assert_eq!(parts.len(), 6, "{}", l.key);
    assert_eq!(parts[5], "V3");
    assert!(parts[..5].iter().all(|p| p.len() == 6 && p.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())));
}

#[test]
fn ed25519_keys_verify_with_the_account_public_key_and_carry_the_default_dataset() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"scheme": "ED25519_SIGN"}));
    let l = env.license(&admin, &policy, json!({}));
    let data = license_key::verify_key(&admin.account.public_key, &l.key).expect("key verifies");
    let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(v["license"]["id"], l.id.as_str());
    assert_eq!(v["policy"]["id"], policy.id.as_str());
    assert_eq!(v["account"]["id"], admin.account.id.as_str());
}

#[test]
fn vendor_templates_are_substituted_before_signing() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"scheme": "ED25519_SIGN"}));
    let l = env.license(&admin, &policy, json!({"key": "{\"id\":\"{{id}}\",\"tier\":\"pro\"}"}));
    let data = license_key::verify_key(&admin.account.public_key, &l.key).unwrap();
    assert_eq!(String::from_utf8(data).unwrap(), format!("{{\"id\":\"{}\",\"tier\":\"pro\"}}", l.id));
}

#[test]
fn duplicate_vendor_keys_are_key_taken_and_write_nothing() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    env.license(&admin, &policy, json!({"key": "VENDOR-KEY-1"}));
    let before = env.events().len();
    let body = json!({"data":{"type":"licenses","attributes":{"key":"VENDOR-KEY-1"},"relationships":{"policy":{"data":{"type":"policies","id":policy.id}}}}});
    let e = block(licenses::create(&env.app(), &admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.code, "KEY_TAKEN");
    assert_eq!(env.events().len(), before);
}

#[test]
fn expiry_starts_from_creation_and_renew_adds_the_duration() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"duration": 86_400 * 30}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(l.expiry, Some(T0 + 30 * 86_400_000));
    let r = block(licenses::renew(&env.app(), &admin, &l.id)).unwrap();
    assert_eq!(r.expiry, Some(T0 + 60 * 86_400_000));
    let names: Vec<String> = env.events().into_iter().map(|(e, _)| e).collect();
    assert!(names.contains(&"license.renewed".to_owned()) && names.contains(&"license.expiry.updated".to_owned()), "{names:?}");
}

#[test]
fn renewing_without_a_duration_is_refused() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(block(licenses::renew(&env.app(), &admin, &l.id)).unwrap_err().code, "POLICY_DURATION_MISSING");
}

#[test]
fn suspend_and_reinstate_toggle_once() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    assert!(block(licenses::set_suspended(&env.app(), &admin, &l.id, true)).unwrap().is_suspended());
    assert_eq!(block(licenses::set_suspended(&env.app(), &admin, &l.id, true)).unwrap_err().code, "STATE_INVALID");
    assert!(!block(licenses::set_suspended(&env.app(), &admin, &l.id, false)).unwrap().is_suspended());
}

#[test]
fn transfer_requires_a_compatible_policy_and_can_reset_expiry() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let from = env.policy(&admin, &product, json!({"transferStrategy": "RESET_EXPIRY"}));
    let to = env.policy(&admin, &product, json!({"duration": 86_400}));
    let signed = env.policy(&admin, &product, json!({"scheme": "ED25519_SIGN"}));
    let l = env.license(&admin, &from, json!({}));
    let body = |p: &str| json!({"data": {"type": "policies", "id": p}}).to_string();
    let e = block(licenses::transfer(&env.app(), &admin, &l.id, body(&signed.id).as_bytes())).unwrap_err();
    assert_eq!(e.code, "POLICY_NOT_COMPATIBLE");
    let moved = block(licenses::transfer(&env.app(), &admin, &l.id, body(&to.id).as_bytes())).unwrap();
    assert_eq!((moved.policy_id.as_str(), moved.expiry), (to.id.as_str(), Some(T0 + 86_400_000)));
}

#[test]
fn another_accounts_license_is_not_found() {
    let env = Env::new();
    let a = env.admin();
    env.clock.advance(1);
    let b = env.admin();
    let product = env.product(&a, "App");
    let policy = env.policy(&a, &product, json!({}));
    let l = env.license(&a, &policy, json!({}));
    assert_eq!(block(licenses::show(&env.app(), &b, &l.id)).unwrap_err().code, "NOT_FOUND");
    assert_eq!(block(licenses::show(&env.app(), &b, &l.key)).unwrap_err().code, "NOT_FOUND");
    let (rows, n, _) = block(licenses::list(&env.app(), &b, &Query::default())).unwrap();
    assert_eq!((rows.len(), n), (0, 0));
}

#[test]
fn list_filters_by_policy_status_and_metadata() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let p1 = env.policy(&admin, &product, json!({}));
    let p2 = env.policy(&admin, &product, json!({}));
    let a = env.license(&admin, &p1, json!({"metadata": {"tier": "gold"}}));
    env.license(&admin, &p2, json!({"metadata": {"tier": "silver"}}));
    let c = env.license(&admin, &p2, json!({"expiry": "2023-01-01T00:00:00Z"}));
    let ids = |q: &str| block(licenses::list(&env.app(), &admin, &Query::parse(q))).unwrap().0.into_iter().map(|l| l.id).collect::<Vec<_>>();
    assert_eq!(ids(&format!("policy={}", p1.id)), vec![a.id.clone()]);
    assert_eq!(ids("metadata[tier]=gold"), vec![a.id.clone()]);
    assert_eq!(ids("status=EXPIRED"), vec![c.id.clone()]);
    assert_eq!(ids("expired=true"), vec![c.id]);
    assert_eq!(block(licenses::list(&env.app(), &admin, &Query::parse("status=NOPE"))).unwrap_err().code, "PARAMETER_INVALID");
}

#[test]
fn maintenance_expiry_starts_at_creation_from_the_policys_maintenance_policy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let (m, policy) = env.maintained_policy(&admin, &product, "P365D", json!({}));
    let l = env.license(&admin, &policy, json!({}));
    assert_eq!(l.maintenance_expiry, Some(T0 + 365 * 86_400_000));
    assert_eq!(l.maintenance_policy_id.as_deref(), Some(m.id.as_str()));
    let none = env.policy(&admin, &product, json!({}));
    assert_eq!(env.license(&admin, &none, json!({})).maintenance_expiry, None);
}
