//! Entitlement sets and license-level features (issue 10 §3) on SQLite with the real
//! migrations: the resolution license → set → policy through every reader (the license's
//! entitlement list, check-out includes, validation's `entitlements` scope), value overrides,
//! expiry at the boundary, set membership, and the guarded delete.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::service::catalogue::{entitlement_sets as sets, entitlements};
use shared::service::licensing::{entitlement_set, relations, validation};
use shared::service::Caller;
use shared::store::rows::{EntitlementRow, LicenseRow};

use crate::support::{block, Env, T0};

fn ent(env: &Env, admin: &Caller, code: &str, value: Value) -> EntitlementRow {
    let body = json!({"data":{"type":"entitlements","attributes":{"name":code,"code":code,"value":value}}}).to_string();
    block(entitlements::create(&env.app(), admin, entitlements::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn items(list: &[(&str, Value)]) -> Vec<u8> {
    let data: Vec<Value> = list
        .iter()
        .map(|(id, meta)| if meta.is_null() { json!({"type":"entitlements","id":id}) } else { json!({"type":"entitlements","id":id,"meta":meta}) })
        .collect();
    json!({ "data": data }).to_string().into_bytes()
}

fn new_set(env: &Env, admin: &Caller, name: &str) -> shared::store::rows::EntitlementSetRow {
    let body = json!({"data":{"type":"entitlement-sets","attributes":{"name":name}}}).to_string();
    block(sets::create(&env.app(), admin, sets::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn to(ty: &str, id: Option<&str>) -> Vec<u8> {
    json!({"data": id.map(|id| json!({"type": ty, "id": id}))}).to_string().into_bytes()
}

/// (code, value) of the license's effective features, sorted by code.
fn features(env: &Env, admin: &Caller, l: &LicenseRow) -> Vec<(String, Value)> {
    let (rows, n, _) = block(relations::entitlements_of_license(&env.app(), admin, &l.id, &Query::default())).unwrap();
    assert_eq!(n as usize, rows.len());
    let mut out: Vec<(String, Value)> =
        rows.iter().map(|e| (e.code.clone(), e.value.as_deref().map_or(Value::Null, |v| serde_json::from_str(v).unwrap()))).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn codes(v: &[(String, Value)]) -> Vec<&str> {
    v.iter().map(|(c, _)| c.as_str()).collect()
}

fn scoped(env: &Env, admin: &Caller, l: &LicenseRow, codes: &[&str]) -> String {
    let body = json!({"meta":{"key": l.key, "scope": {"entitlements": codes}}}).to_string();
    let v = block(validation::validate_license(&env.app(), admin, validation::parse_validate_key(body.as_bytes()).unwrap())).unwrap();
    v.outcome.code.as_str().to_owned()
}

#[test]
fn features_resolve_license_then_set_then_policy_with_expiry() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let seats = ent(&env, &admin, "SEATS", json!(5));
    let tier = ent(&env, &admin, "TIER", json!("basic"));
    let beta = ent(&env, &admin, "BETA", Value::Null);
    let sso = ent(&env, &admin, "SSO", Value::Null);

    // Policy grants BETA; the policy's set (Pro) grants SEATS=10 and TIER (own value).
    block(entitlements::attach_to_policy(&app, &admin, &policy.id, &items(&[(&beta.id, Value::Null)]))).unwrap();
    let pro = new_set(&env, &admin, "Pro");
    block(sets::add(&app, &admin, &pro.id, &items(&[(&seats.id, json!({"value": 10})), (&tier.id, Value::Null)]))).unwrap();
    let (members, n, _) = block(sets::members(&app, &admin, &pro.id, &Query::default())).unwrap();
    assert_eq!((n, members.iter().find(|e| e.code == "SEATS").and_then(|e| e.value.clone())), (2, Some("10".into())));
    assert_eq!(features(&env, &admin, &l), [("BETA".into(), Value::Null)], "no set yet");
    block(sets::set_for_policy(&app, &admin, &policy.id, &to("entitlement-sets", Some(&pro.id)))).unwrap();
    assert_eq!(features(&env, &admin, &l), [("BETA".into(), Value::Null), ("SEATS".into(), json!(10)), ("TIER".into(), json!("basic"))]);

    // The license's own set replaces its policy's.
    let ent_set = new_set(&env, &admin, "Enterprise");
    block(sets::add(&app, &admin, &ent_set.id, &items(&[(&seats.id, json!({"value": 100})), (&sso.id, Value::Null)]))).unwrap();
    block(entitlement_set::set(&app, &admin, &l.id, &to("entitlement-sets", Some(&ent_set.id)))).unwrap();
    assert_eq!(features(&env, &admin, &l), [("BETA".into(), Value::Null), ("SEATS".into(), json!(100)), ("SSO".into(), Value::Null)]);
    assert_eq!(block(entitlement_set::of_license(&app, &admin, &l.id)).unwrap().map(|s| s.id), Some(ent_set.id.clone()));

    // License-level features: SEATS=500 overrides the set's until it expires at T0 + 1 h;
    // TIER (not in the license's set) is granted with a value until T0 + 2 h.
    let hour = 3_600_000;
    let body = items(&[
        (&seats.id, json!({"value": 500, "expiresAt": shared::clock::iso8601(T0 + hour)})),
        (&tier.id, json!({"value": "gold", "expiresAt": shared::clock::iso8601(T0 + 2 * hour)})),
    ]);
    block(relations::attach_entitlements(&app, &admin, &l.id, &body)).unwrap();
    let now = features(&env, &admin, &l);
    assert_eq!(now, [("BETA".into(), Value::Null), ("SEATS".into(), json!(500)), ("SSO".into(), Value::Null), ("TIER".into(), json!("gold"))]);
    assert_eq!(scoped(&env, &admin, &l, &["TIER", "SEATS"]), "VALID");

    // At the boundary the grant still counts; one millisecond later SEATS falls back to the
    // set's value and TIER (the license's only grant of it) still counts until its own expiry.
    env.clock.set(T0 + hour);
    assert_eq!(features(&env, &admin, &l)[1], ("SEATS".into(), json!(500)));
    env.clock.set(T0 + hour + 1);
    assert_eq!(features(&env, &admin, &l)[1], ("SEATS".into(), json!(100)));
    env.clock.set(T0 + 2 * hour + 1);
    let later = features(&env, &admin, &l);
    assert_eq!(codes(&later), ["BETA", "SEATS", "SSO"], "the expired TIER grant no longer counts");
    assert_eq!(scoped(&env, &admin, &l, &["TIER"]), "ENTITLEMENTS_MISSING");
    assert_eq!(scoped(&env, &admin, &l, &["SEATS", "SSO", "BETA"]), "VALID");
    // Check-out includes read the same list.
    let all = block(entitlements::all_for_license(&app, &admin.account.id, &l.id)).unwrap();
    assert!(all.iter().all(|e| e.code != "TIER") && all.len() == 3);

    // Clearing the license's set: its policy's applies again (TIER from Pro, with its own value).
    block(entitlement_set::set(&app, &admin, &l.id, &to("entitlement-sets", None))).unwrap();
    assert_eq!(codes(&features(&env, &admin, &l)), ["BETA", "SEATS", "TIER"]);
    let f = features(&env, &admin, &l);
    assert_eq!((f[1].1.clone(), f[2].1.clone()), (json!(10), json!("basic")));
}

#[test]
fn membership_is_checked_and_a_set_in_use_is_not_deleted() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let a = ent(&env, &admin, "A", Value::Null);
    let s = new_set(&env, &admin, "Pro");
    block(sets::add(&app, &admin, &s.id, &items(&[(&a.id, Value::Null)]))).unwrap();
    let e = block(sets::add(&app, &admin, &s.id, &items(&[(&a.id, Value::Null)]))).unwrap_err();
    assert_eq!(e.code, "ENTITLEMENT_TAKEN");
    let e = block(sets::add(&app, &admin, &s.id, &items(&[("nope", Value::Null)]))).unwrap_err();
    assert_eq!(e.code, "ENTITLEMENT_NOT_FOUND");
    let e = block(sets::add(&app, &admin, &s.id, &items(&[(&a.id, json!({"value": [1]}))]))).unwrap_err();
    assert_eq!((e.status, e.source.clone()), (400, Some(shared::error::Source::Pointer("/data/0/meta/value".into()))));
    let e = block(sets::add(&app, &admin, &s.id, &items(&[(&a.id, json!({"expiresAt": "2030-01-01T00:00:00Z"}))]))).unwrap_err();
    assert_eq!((e.code.as_ref(), e.source.clone()), ("PARAMETER_UNPERMITTED", Some(shared::error::Source::Pointer("/data/0/meta/expiresAt".into()))));
    let e = block(relations::attach_entitlements(&app, &admin, "x", &items(&[(&a.id, json!({"expiresAt": "soon"}))]))).unwrap_err();
    assert_eq!((e.status, e.source.clone()), (400, Some(shared::error::Source::Pointer("/data/0/meta/expiresAt".into()))));
    let e = block(sets::set_for_policy(&app, &admin, &policy.id, &to("entitlement-sets", Some("missing")))).unwrap_err();
    assert_eq!(e.code, "ENTITLEMENT_SET_NOT_FOUND");

    block(sets::set_for_policy(&app, &admin, &policy.id, &to("entitlement-sets", Some(&s.id)))).unwrap();
    let e = block(sets::delete(&app, &admin, &s.id)).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "ENTITLEMENT_SET_IN_USE"));
    assert!(block(sets::find(&app, &admin.account.id, &s.id)).unwrap().is_some());
    assert!(!env.events().iter().any(|(e, _)| e == "entitlement-set.deleted"), "a refused delete records nothing");
    block(sets::set_for_policy(&app, &admin, &policy.id, &to("entitlement-sets", None))).unwrap();
    block(sets::remove(&app, &admin, &s.id, &items(&[(&a.id, Value::Null)]))).unwrap();
    block(sets::delete(&app, &admin, &s.id)).unwrap();
    let evs: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.starts_with("entitlement-set.")).collect();
    assert_eq!(evs, ["entitlement-set.created", "entitlement-set.updated", "entitlement-set.updated", "entitlement-set.deleted"]);
}
