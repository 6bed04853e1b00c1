//! Features (issue 10 §3, Cryptlex): Keygen entitlements with an optional typed value, stored
//! as a JSON scalar, written in the same batch as the entitlement, cleared with `null`.

use serde_json::{json, Value};
use shared::service::catalogue::entitlements;

use crate::support::{block, Env};

fn doc(attrs: Value) -> String {
    json!({"data":{"type":"entitlements","attributes":attrs}}).to_string()
}

#[test]
fn feature_values_are_typed_scalars() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let mut ids = Vec::new();
    for (i, v) in [json!(5), json!(2.5), json!("pro"), json!(true)].into_iter().enumerate() {
        let e =
            block(entitlements::create(&app, &admin, entitlements::parse(doc(json!({"name":"F","code":format!("f{i}"),"value":v})).as_bytes(), true).unwrap()))
                .unwrap();
        let r = shared::api::entitlements::entitlement(&e).into_value();
        assert_eq!(r["attributes"]["value"], v);
        ids.push(e.id);
    }
    let plain = block(entitlements::create(&app, &admin, entitlements::parse(doc(json!({"name":"P","code":"plain"})).as_bytes(), true).unwrap())).unwrap();
    assert_eq!(shared::api::entitlements::entitlement(&plain).into_value()["attributes"]["value"], Value::Null);

    // Update: a new type, then null clears; absent keeps.
    let u = block(entitlements::update(&app, &admin, &ids[0], entitlements::parse(doc(json!({"value":"unlimited"})).as_bytes(), false).unwrap())).unwrap();
    assert_eq!(u.value.as_deref(), Some("\"unlimited\""));
    let u = block(entitlements::update(&app, &admin, &ids[0], entitlements::parse(doc(json!({"name":"G"})).as_bytes(), false).unwrap())).unwrap();
    assert_eq!(u.value.as_deref(), Some("\"unlimited\""));
    block(entitlements::update(&app, &admin, &ids[0], entitlements::parse(doc(json!({"value":null})).as_bytes(), false).unwrap())).unwrap();
    assert_eq!(block(entitlements::find(&app, admin.account_id(), &ids[0])).unwrap().unwrap().value, None);

    // A refused update (code taken) writes no value either.
    let e =
        block(entitlements::update(&app, &admin, &ids[1], entitlements::parse(doc(json!({"code":"plain","value":9})).as_bytes(), false).unwrap())).unwrap_err();
    assert_eq!(e.code, "CODE_TAKEN");
    assert_eq!(block(entitlements::find(&app, admin.account_id(), &ids[1])).unwrap().unwrap().value.as_deref(), Some("2.5"));

    // Bad values: arrays and objects are type errors, long strings 422; both with a pointer.
    let e = entitlements::parse(doc(json!({"name":"F","code":"x","value":[1]})).as_bytes(), true).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"));
    let e = entitlements::parse(doc(json!({"name":"F","code":"x","value":"x".repeat(1025)})).as_bytes(), true).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "VALUE_INVALID"));
    assert_eq!(e.source, Some(shared::error::Source::Pointer("/data/attributes/value".into())));
}
