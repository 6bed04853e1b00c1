//! The OpenAPI document's native tests: every route-table row is an operation, the shapes
//! derived from patterns, and the attribute descriptors against `shared::api`'s renderers.

use serde_json::Value;

use super::document;
use crate::routes::ROUTES;

#[test]
fn every_route_row_is_an_operation() {
    let doc = document(ROUTES);
    for r in ROUTES {
        for m in r.methods {
            let op = &doc["paths"][r.pattern][m.to_ascii_lowercase()];
            assert!(op.is_object(), "{m} {} is missing from the document", r.pattern);
            let params: Vec<&str> =
                op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect();
            let want: Vec<&str> = r.pattern.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            assert_eq!(params, want, "{m} {}", r.pattern);
            assert!(op["responses"]["404"].is_object() && op["responses"]["401"].is_object(), "{m} {}", r.pattern);
        }
    }
    let ops: usize = doc["paths"].as_object().map_or(0, |p| p.values().map(|i| i.as_object().map_or(0, |o| o.len())).sum());
    assert_eq!(ops, ROUTES.iter().map(|r| r.methods.len()).sum::<usize>(), "one operation per (row, method)");
}

#[test]
fn operation_ids_are_unique() {
    let doc = document(ROUTES);
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|i| i.as_object().into_iter().flat_map(|o| o.values()))
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

/// `LATCHKEY_OPENAPI_OUT=<file> cargo test -p functions openapi` writes the document (what
/// `scripts/schemathesis` validates before fuzzing the served one).
#[test]
fn writes_the_document_when_asked() {
    if let Ok(path) = std::env::var("LATCHKEY_OPENAPI_OUT") {
        let doc = document(ROUTES);
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap_or_default()).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

/// One row of every table, every column filled (so every attribute renders a non-null value
/// whose JSON type can be checked); serde ignores the columns a row type does not have.
fn row<T: serde::de::DeserializeOwned>(extra: Value) -> T {
    const FIXTURE: &str = r#"{
        "id": "id1", "account_id": "acc1", "user_id": "u1", "product_id": "p1", "policy_id": "pol1", "license_id": "l1",
        "machine_id": "m1", "endpoint_id": "w1", "event_log_id": "ev1", "owner_id": "u1", "group_id": "g1", "bearer_id": "u1",
        "retry_of": "we0", "name": "n", "slug": "s", "email": "e@example.com", "first_name": "F", "last_name": "L",
        "role": "user", "password_hash": "h", "banned_at": 1, "public_key": "00", "private_key_sealed": "x", "sealed_secret": "x",
        "enabled": 1, "last_step": 1, "bearer_type": "user", "kind": "activation-token", "digest": "d", "expiry": 1,
        "max_activations": 1, "activations": 1, "max_deactivations": 1, "deactivations": 1, "code": "c", "url": "https://example.com",
        "distribution_strategy": "LICENSED", "platforms": "[\"linux\"]", "metadata": "{\"k\":1}", "event": "license.created",
        "resource_type": "licenses", "resource_id": "l1", "whodunnit_type": "users", "whodunnit_id": "u1", "changes": "{}",
        "meta": "{}", "config": "{}", "policy_config": "{}", "key": "K", "suspended": 1, "protected": 1, "uses": 1,
        "max_machines": 1, "max_processes": 1, "max_users": 1, "max_cores": 1, "max_memory": 1, "max_disk": 1, "max_uses": 1,
        "max_licenses": 1,"last_validated_at": 1, "last_check_in_at": 1, "last_check_out_at": 1, "last_validation_code": "VALID",
        "maintenance_expiry": 1, "owner_banned_at": 1, "owner_email": "e@example.com", "licensee_count": 1, "machines_count": 1,
        "machines_cores": 1, "machines_memory": 1, "machines_disk": 1, "first_activated_at": 1,"fingerprint": "f", "ip": "1.2.3.4",
        "hostname": "h", "platform": "linux", "cores": 1, "memory": 1, "disk": 1, "last_heartbeat_at": 1, "last_death_event_at": 1,
        "license_max_processes": 1, "pid": "1", "subscriptions": "[\"*\"]", "signature_algorithm": "ed25519", "api_version": "1.8",
        "suspended_at": 1, "consecutive_failures": 0, "endpoint_url": "https://example.com", "payload": "{}",
        "idempotency_token": "t", "status": "DELIVERED", "attempts": 1, "next_attempt_at": 1, "claimed_at": 1,
        "last_response_code": 200, "last_response_body": "ok", "created_at": 1, "updated_at": 2
    }"#;
    let mut v: Value = serde_json::from_str(FIXTURE).unwrap_or_else(|e| panic!("fixture: {e}"));
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    serde_json::from_value(v).unwrap_or_else(|e| panic!("{}: {e}", std::any::type_name::<T>()))
}

/// Every renderer of `shared::api` against its descriptor: the same attribute names (a
/// renamed, added or dropped attribute fails here), and each value of the descriptor's type.
#[test]
fn descriptors_match_the_renderers() {
    use shared::api::{accounts, entitlements, files, groups, licenses, machines, webhooks};
    use shared::service::licensing::checkout::Checkout;
    let none = Value::Null;
    let checkout = |machine: Option<&str>| Checkout {
        id: "f1".into(),
        account_id: "acc1".into(),
        license_id: "l1".into(),
        machine_id: machine.map(str::to_owned),
        certificate: "-----BEGIN LICENSE FILE-----".into(),
        algorithm: "base64+ed25519".into(),
        includes: vec!["license".into()],
        ttl: Some(3600),
        issued: 1,
        expiry: Some(3_600_001),
    };
    let rendered = vec![
        (accounts::account(&row(none.clone())), vec![]),
        (accounts::user(&row(none.clone())), vec![]),
        (accounts::second_factor(&row(none.clone()), Some("otpauth://totp/x")), vec![]),
        (accounts::token(&row(none.clone()), Some("activ-x")), vec![]),
        (
            accounts::token(&row(serde_json::json!({"kind": "user-token"})), None),
            vec!["token", "maxActivations", "activations", "maxDeactivations", "deactivations"],
        ),
        (accounts::product(&row(none.clone())), vec![]),
        (accounts::event(&row(none.clone())), vec![]),
        (licenses::policy(&row(none.clone())), vec![]),
        (licenses::license(&row(none.clone()), 5), vec![]),
        (machines::machine(&row(none.clone()), 5, None), vec![]),
        (machines::process(&row(none.clone()), 5, None), vec![]),
        (machines::component(&row(none.clone())), vec![]),
        (entitlements::entitlement(&row(none.clone())), vec![]),
        (groups::group(&row(none.clone())), vec![]),
        (webhooks::webhook_endpoint(&row(none.clone())), vec![]),
        (webhooks::webhook_event(&row(none.clone())), vec![]),
        (files::file(&checkout(None)), vec![]),
        (files::file(&checkout(Some("m1"))), vec![]),
        // Key pools (issue 8).
        (shared::api::keys::key(&row(none.clone())), vec![]),
        // Organizations (issue 10 §7).
        (shared::api::organizations::organization(&row(serde_json::json!({"description": "d", "address": "{}", "allowed_users": -1}))), vec![]),
        // Resellers (issue 10 §7).
        (
            shared::api::resellers::reseller(&row(
                serde_json::json!({"description": "d", "phone": "1", "address": "{}", "allowed_users": -1, "allowed_organizations": -1}),
            )),
            vec![],
        ),
    ];
    let mut seen = Vec::new();
    for (r, absent) in rendered {
        let d = super::resources::find(r.ty).unwrap_or_else(|| panic!("no descriptor for {}", r.ty));
        seen.push(r.ty);
        let mut want: Vec<&str> = d.attributes.iter().chain(d.optional).map(|(k, _)| *k).filter(|k| !absent.contains(k)).collect();
        let mut got: Vec<&str> = r.attributes.keys().map(String::as_str).collect();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "attributes of {}", r.ty);
        for (k, j) in d.attributes.iter().chain(d.optional) {
            if let Some(v) = r.attributes.get(*k) {
                assert!(fits(v, &super::schema::of(*j)), "{}.{k} = {v} is not {j:?}", r.ty);
            }
        }
    }
    for d in super::resources::RESOURCES {
        assert!(seen.contains(&d.ty), "{} has a descriptor but no renderer in this test", d.ty);
    }
}

/// Whether `v` fits the (simple) schema `s` the descriptors produce.
fn fits(v: &Value, s: &Value) -> bool {
    let ty_ok = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.as_array().is_some_and(|a| a.iter().all(|x| fits(x, &s["items"]))),
        "null" => v.is_null(),
        _ => false,
    };
    match &s["type"] {
        Value::String(t) => ty_ok(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(ty_ok),
        _ => true,
    }
}

/// A new row is described from its pattern alone: what a distribution, trials or meters row
/// would get before anyone writes a descriptor for it.
#[test]
fn new_rows_get_conservative_shapes_from_their_patterns() {
    use super::shape::{derive, Body};
    let s = |m: &str, p: &str| {
        let s = derive(m, p);
        (s.status, s.body, s.request, s.paginated)
    };
    // Unknown types: generic resources, the Keygen statuses of their shape.
    assert_eq!(s("GET", "/releases"), (200, Body::List(None), None, true));
    assert_eq!(s("POST", "/releases"), (201, Body::One(None, false), None, false));
    assert!(derive("POST", "/releases").optional_body);
    assert_eq!(s("GET", "/releases/{id}"), (200, Body::One(None, false), None, false));
    assert_eq!(s("PATCH", "/releases/{id}"), (200, Body::One(None, false), None, false));
    assert_eq!(s("DELETE", "/releases/{id}"), (204, Body::Empty, None, false));
    assert_eq!(s("POST", "/releases/{id}/actions/yank"), (200, Body::Any, None, false));
    assert_eq!(s("GET", "/releases/{id}/artifacts"), (200, Body::Any, None, true));
    assert_eq!(s("PUT", "/releases/{id}/constraints"), (200, Body::Any, None, false));
    // Known types: typed by their descriptor.
    assert_eq!(s("GET", "/licenses"), (200, Body::List(Some("licenses")), None, true));
    // Every `GET …/export` answers CSV (issue 10 §6), whoever adds one.
    assert_eq!(s("GET", "/licenses/export"), (200, Body::Media(&["text/csv"]), None, false));
    assert_eq!(s("GET", "/anything-new/export"), (200, Body::Media(&["text/csv"]), None, false));
    assert_eq!(s("POST", "/licenses"), (201, Body::One(Some("licenses"), false), Some("licenses"), false));
    assert_eq!(s("PUT", "/licenses/{id}"), (200, Body::One(Some("licenses"), false), Some("licenses"), false));
    assert_eq!(s("GET", "/licenses/{id}/machines"), (200, Body::List(Some("machines")), None, true));
    assert_eq!(s("GET", "/licenses/{id}/owner"), (200, Body::One(Some("users"), true), None, false));
    assert_eq!(s("GET", "/machines/{id}/processes/{process}"), (200, Body::One(Some("processes"), false), None, false));
    assert_eq!(s("POST", "/products/{id}/tokens"), (201, Body::One(Some("tokens"), false), None, false));
    assert_eq!(s("DELETE", "/licenses/{id}/entitlements"), (204, Body::Empty, None, false));
    // And the rows whose answer is not their shape's.
    assert_eq!(s("POST", "/passwords"), (204, Body::Empty, None, false));
    assert_eq!(s("GET", "/licenses/{id}/actions/check-out").1, Body::Octets);
    assert_eq!(s("POST", "/webhook-events/{id}/actions/retry").0, 201);
}

/// Every exception names a row of the table (a removed or renamed row fails here).
#[test]
fn every_exception_is_a_row() {
    for (m, p, _, _) in super::shape::EXCEPTIONS.iter().chain(super::shape::ALSO) {
        assert!(ROUTES.iter().any(|r| r.pattern == *p && r.methods.contains(m)), "{m} {p} is not in the route table");
    }
    for (m, p) in super::ANONYMOUS.iter().chain([&super::LOGIN]) {
        assert!(ROUTES.iter().any(|r| r.pattern == *p && r.methods.contains(m)), "{m} {p} is not in the route table");
    }
}

/// The served text is the document with the caller's account as the server default, whatever
/// characters the id holds.
#[test]
fn the_served_text_names_the_account() {
    for account in ["9d1e8f0c-0000-4000-8000-000000000001", "a \"quoted\" \\ slug"] {
        let served: Value = serde_json::from_str(&super::body(account)).unwrap_or_else(|e| panic!("{account}: {e}"));
        assert_eq!(served["servers"][0]["variables"]["account"]["default"], account);
        let mut want = document(ROUTES);
        want["servers"] = super::servers(account);
        assert_eq!(served, want);
    }
}
