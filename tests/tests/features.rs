//! Features (issue 10 §3, Cryptlex) on the real runtime: entitlements with a typed `value`
//! (number, string, boolean), rendered wherever entitlements are (the resource, a license's
//! entitlements relationship, a license file's includes), cleared with `null`, refused with a
//! pointer when not a scalar.

use e2e::server;
use serde_json::{json, Value};

#[test]
fn entitlements_carry_typed_values_everywhere_they_render() {
    let a = server().bootstrap_account();
    let c = a.client();
    let mk = |code: &str, value: Value| {
        let body = json!({"data":{"type":"entitlements","attributes":{"name":code,"code":code,"value":value}}});
        c.post(&a.path("/entitlements"), a.admin(), Some(body)).assert_status(201).json["data"].clone()
    };
    let seats = mk("SEATS", json!(25));
    let tier = mk("TIER", json!("enterprise"));
    let beta = mk("BETA", json!(true));
    assert_eq!(
        (seats["attributes"]["value"].clone(), tier["attributes"]["value"].clone(), beta["attributes"]["value"].clone()),
        (json!(25), json!("enterprise"), json!(true))
    );

    // On a license: the relationship read and a license file's included entitlements.
    let p = c.post(&a.path("/products"), a.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}}))).json["data"]["id"].clone();
    let pol = c.post(
        &a.path("/policies"),
        a.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":p}}}}})),
    );
    let pol = pol.assert_status(201).json["data"]["id"].clone();
    let l = c.post(&a.path("/licenses"), a.admin(), Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol}}}}})));
    let lid = l.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let attach = json!({"data":[{"type":"entitlements","id":seats["id"]},{"type":"entitlements","id":tier["id"]}]});
    c.post(&a.path(&format!("/licenses/{lid}/entitlements")), a.admin(), Some(attach)).assert_status(200);
    let r = c.get(&a.path(&format!("/licenses/{lid}/entitlements")), a.admin(), None);
    let mut got: Vec<(String, Value)> = r.assert_status(200).json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["attributes"]["code"].as_str().unwrap().to_owned(), e["attributes"]["value"].clone()))
        .collect();
    got.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(got, [("SEATS".to_owned(), json!(25)), ("TIER".to_owned(), json!("enterprise"))]);
    let file = c.post(&a.path(&format!("/licenses/{lid}/actions/check-out?include=entitlements")), a.admin(), None);
    let cert = file.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap().to_owned();
    let b64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine as _;
    let outer: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    let inner: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(outer["enc"].as_str().unwrap()).unwrap()).unwrap();
    let included = inner["included"].as_array().unwrap();
    assert!(included.iter().any(|e| e["type"] == "entitlements" && e["attributes"]["value"] == json!(25)), "{inner}");

    // Update and clear; bad values are refused with a pointer and change nothing.
    let path = a.path(&format!("/entitlements/{}", seats["id"].as_str().unwrap()));
    let r = c.patch(&path, a.admin(), Some(json!({"data":{"type":"entitlements","attributes":{"value":50}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["value"], 50);
    let r = c.patch(&path, a.admin(), Some(json!({"data":{"type":"entitlements","attributes":{"value":{"n":1}}}})));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/data/attributes/value")));
    let r = c.patch(&path, a.admin(), Some(json!({"data":{"type":"entitlements","attributes":{"value":null}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["value"], Value::Null);
    let r = c.get(&path, a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["value"], Value::Null);
}
