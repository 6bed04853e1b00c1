//! The foundation's endpoints on the real runtime: one happy path per endpoint group, one test
//! per class of bad input, and cross-account isolation. Every response to a `/v1/` path is
//! signature-checked by the harness client with the account's public key.

use e2e::{assert_signed, server, Resp, TestAccount};
use serde_json::{json, Value};

fn product(acct: &TestAccount, name: &str) -> String {
    let r = acct.client().post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":name}}})));
    r.assert_status(201);
    r.json["data"]["id"].as_str().unwrap().to_owned()
}

fn policy(acct: &TestAccount, product: &str, attrs: Value) -> String {
    let r = acct.client().post(
        &acct.path("/policies"),
        acct.admin(),
        Some(json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":product}}}}})),
    );
    r.assert_status(201);
    r.json["data"]["id"].as_str().unwrap().to_owned()
}

fn license(acct: &TestAccount, policy: &str, attrs: Value) -> Resp {
    acct.client().post(
        &acct.path("/licenses"),
        acct.admin(),
        Some(json!({"data":{"type":"licenses","attributes":attrs,"relationships":{"policy":{"data":{"type":"policies","id":policy}}}}})),
    )
}

#[test]
fn catalogue_crud_round_trips() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let p = product(&acct, "Desktop");
    let r = c.patch(
        &acct.path(&format!("/products/{p}")),
        acct.admin(),
        Some(json!({"data":{"type":"products","attributes":{"url":"https://example.com","metadata":{"team":"core"}}}})),
    );
    r.assert_status(200);
    assert_eq!(r.json["data"]["attributes"]["url"], "https://example.com");
    assert_eq!(r.json["data"]["attributes"]["metadata"]["team"], "core");
    let pol = policy(&acct, &p, json!({"name":"Pro","duration":86400 * 365,"floating":true,"maxMachines":3}));
    let r = c.get(&acct.path(&format!("/policies/{pol}")), acct.admin(), None);
    r.assert_status(200);
    let a = &r.json["data"]["attributes"];
    assert_eq!((a["floating"].as_bool(), a["maxMachines"].as_i64(), a["expirationStrategy"].as_str()), (Some(true), Some(3), Some("RESTRICT_ACCESS")));
    assert_eq!(r.json["data"]["relationships"]["product"]["data"]["id"], p.as_str());
    let r = c.patch(&acct.path(&format!("/policies/{pol}")), acct.admin(), Some(json!({"data":{"type":"policies","attributes":{"maxMachines":5}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["maxMachines"], 5);

    let r = license(&acct, &pol, json!({"name":"Ada","metadata":{"tier":"gold"}}));
    r.assert_status(201);
    let lic = r.json["data"]["id"].as_str().unwrap().to_owned();
    let key = r.json["data"]["attributes"]["key"].as_str().unwrap().to_owned();
    assert!(key.ends_with("-V3"), "{key}");
    assert!(r.json["data"]["attributes"]["expiry"].is_string());
    // By key in place of the id.
    let r = c.get(&acct.path(&format!("/licenses/{key}")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], lic.as_str());
    let r = c.get(&acct.path("/licenses?metadata[tier]=gold&page[number]=1&page[size]=5"), acct.admin(), None);
    r.assert_status(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["links"]["meta"]["count"], 1);
    for (action, status) in [("suspend", "SUSPENDED"), ("reinstate", "ACTIVE")] {
        let r = c.post(&acct.path(&format!("/licenses/{lic}/actions/{action}")), acct.admin(), None);
        assert_eq!(r.assert_status(200).json["data"]["attributes"]["status"], status);
    }
    let before = c.get(&acct.path(&format!("/licenses/{lic}")), acct.admin(), None).json["data"]["attributes"]["expiry"].clone();
    let r = c.post(&acct.path(&format!("/licenses/{lic}/actions/renew")), acct.admin(), None);
    assert_ne!(r.assert_status(200).json["data"]["attributes"]["expiry"], before);
    c.delete(&acct.path(&format!("/licenses/{lic}/actions/revoke")), acct.admin(), None).assert_status(204);
    c.get(&acct.path(&format!("/licenses/{lic}")), acct.admin(), None).assert_status(404);
    c.delete(&acct.path(&format!("/policies/{pol}")), acct.admin(), None).assert_status(204);
    c.delete(&acct.path(&format!("/products/{p}")), acct.admin(), None).assert_status(204);
    // The event log recorded all of it.
    let r = c.get(&acct.path("/event-logs?limit=100"), acct.admin(), None);
    let names: Vec<&str> = r.assert_status(200).json["data"].as_array().unwrap().iter().filter_map(|e| e["attributes"]["event"].as_str()).collect();
    for e in [
        "product.created",
        "policy.updated",
        "license.created",
        "license.suspended",
        "license.reinstated",
        "license.renewed",
        "license.revoked",
        "product.deleted",
    ] {
        assert!(names.contains(&e), "missing {e} in {names:?}");
    }
}

#[test]
fn users_tokens_and_profiles() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let r = c.post(
        &acct.path("/users"),
        acct.admin(),
        Some(json!({"data":{"type":"users","attributes":{"email":"Grace@Example.com","password":"password123","firstName":"Grace"}}})),
    );
    r.assert_status(201);
    let uid = r.json["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["data"]["attributes"]["email"], "grace@example.com");
    // Log in with Basic email:password.
    let basic = format!("Basic {}", b64("grace@example.com:password123"));
    let r = c.post(&acct.path("/tokens"), Some(&basic), None);
    r.assert_status(201);
    let tok = r.json["data"]["attributes"]["token"].as_str().unwrap().to_owned();
    assert!(tok.starts_with("user-"));
    let r = c.get(&acct.path("/me"), Some(&tok), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], uid.as_str());
    assert_eq!(r.json["included"][0]["type"], "tokens");
    let r = c.get(&acct.path("/users/grace@example.com"), Some(&tok), None);
    r.assert_status(200);
    // Users cannot list other users' data or create products.
    let r = c.post(&acct.path("/products"), Some(&tok), Some(json!({"data":{"type":"products","attributes":{"name":"x"}}})));
    assert_eq!((r.status, r.error_code()), (403, Some("FORBIDDEN")));
    // Ban: the token stops working.
    c.post(&acct.path(&format!("/users/{uid}/actions/ban")), acct.admin(), None).assert_status(200);
    let r = c.get(&acct.path("/me"), Some(&tok), None);
    assert_eq!((r.status, r.error_code()), (403, Some("USER_BANNED")));
    let basic_bad = format!("Basic {}", b64("grace@example.com:wrong-password"));
    let r = c.post(&acct.path("/tokens"), Some(&basic_bad), None);
    assert_eq!((r.status, r.error_code()), (401, Some("CREDENTIALS_INVALID")));
    // Admin tokens: list, regenerate, revoke.
    let r = c.post(&acct.path("/tokens"), acct.admin(), None);
    let (tid, t1) = (r.json["data"]["id"].as_str().unwrap().to_owned(), r.json["data"]["attributes"]["token"].as_str().unwrap().to_owned());
    let r = c.put(&acct.path(&format!("/tokens/{tid}")), acct.admin(), None);
    let t2 = r.assert_status(200).json["data"]["attributes"]["token"].as_str().unwrap().to_owned();
    assert_eq!(c.get(&acct.path("/profile"), Some(&t1), None).error_code(), Some("TOKEN_INVALID"));
    assert_eq!(c.get(&acct.path("/profile"), Some(&t2), None).assert_status(200).json["meta"]["tokenId"], tid.as_str());
    c.delete(&acct.path(&format!("/tokens/{tid}")), acct.admin(), None).assert_status(204);
    assert_eq!(c.get(&acct.path("/profile"), Some(&t2), None).error_code(), Some("TOKEN_INVALID"));
    let r = c.get(&acct.path("/tokens"), acct.admin(), None);
    assert!(
        r.assert_status(200).json["data"].as_array().unwrap().iter().all(|t| t["attributes"].get("token").is_none()),
        "listed tokens never show their value"
    );
}

#[test]
fn ed25519_keys_verify_offline_with_the_account_key() {
    use base64::Engine as _;
    let acct = server().bootstrap_account();
    let p = product(&acct, "Signed");
    let pol = policy(&acct, &p, json!({"name":"Signed","scheme":"ED25519_SIGN"}));
    let r = license(&acct, &pol, json!({}));
    let key = r.assert_status(201).json["data"]["attributes"]["key"].as_str().unwrap().to_owned();
    let (signing_data, sig) = key.rsplit_once('.').unwrap();
    let data = base64::engine::general_purpose::URL_SAFE.decode(signing_data.strip_prefix("key/").unwrap()).unwrap();
    let sig = base64::engine::general_purpose::URL_SAFE.decode(sig).unwrap();
    let pk: [u8; 32] = hex_decode(&acct.public_key_hex).try_into().unwrap();
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk).unwrap();
    vk.verify_strict(signing_data.as_bytes(), &ed25519_dalek::Signature::from_slice(&sig).unwrap()).expect("key signature verifies");
    let v: Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(v["license"]["id"], r.json["data"]["id"]);
}

#[test]
fn bad_input_gets_precise_errors_and_writes_nothing() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let p = product(&acct, "App");
    let path = acct.path("/policies");
    let auth = format!("Bearer {}", acct.admin_token);
    let send = |body: &[u8]| {
        let r = c.raw("POST", &path, &[("Authorization", &auth), ("Content-Type", "application/vnd.api+json")], Some(body));
        assert_signed(&r, &acct.public_key_hex);
        r
    };
    let pointer = |r: &Resp| r.json["errors"][0]["source"]["pointer"].as_str().map(str::to_owned);
    let r = send(b"{\"data\": {");
    assert_eq!((r.status, r.error_code()), (400, Some("JSON_INVALID")));
    assert!(r.json["meta"]["id"].is_string(), "request id in error meta");
    let rel = json!({"product":{"data":{"type":"products","id":p}}});
    let r = send(json!({"data":{"type":"policies","attributes":{"name":"x","duration":"long"},"relationships":rel}}).to_string().as_bytes());
    assert_eq!((r.status, r.error_code(), pointer(&r).as_deref()), (400, Some("PARAMETER_INVALID"), Some("/data/attributes/duration")));
    let r = send(json!({"data":{"type":"policies","attributes":{"name":"x","bogus":1},"relationships":rel}}).to_string().as_bytes());
    assert_eq!((r.status, r.error_code(), pointer(&r).as_deref()), (400, Some("PARAMETER_UNPERMITTED"), Some("/data/attributes/bogus")));
    let r = send(json!({"data":{"type":"policies","attributes":{"name":"x"}}}).to_string().as_bytes());
    assert_eq!((r.status, pointer(&r).as_deref()), (400, Some("/data/relationships/product")));
    let r = send(json!({"data":{"type":"policies","attributes":{"name":"x","duration":60},"relationships":rel}}).to_string().as_bytes());
    assert_eq!((r.status, r.error_code()), (422, Some("DURATION_INVALID")));
    let r = send(json!({"data":{"type":"policies","attributes":{"name":"x","expirationStrategy":"NEVER"},"relationships":rel}}).to_string().as_bytes());
    assert_eq!((r.status, r.error_code()), (422, Some("EXPIRATION_STRATEGY_NOT_ALLOWED")));
    let missing = json!({"data":{"type":"policies","attributes":{"name":"x"},"relationships":{"product":{"data":{"type":"products","id":"7a1b6c5e-0000-4000-8000-000000000000"}}}}});
    assert_eq!(send(missing.to_string().as_bytes()).error_code(), Some("PRODUCT_NOT_FOUND"));
    let big = format!("{{\"data\":{{\"type\":\"policies\",\"attributes\":{{\"name\":\"{}\"}}}}}}", "x".repeat(70 * 1024));
    assert_eq!(send(big.as_bytes()).status, 413);
    let r = c.raw("POST", &path, &[("Authorization", &auth), ("Content-Type", "text/plain")], Some(b"name=x"));
    assert_eq!(r.status, 415);
    // Nothing above was written.
    let r = c.get(&acct.path("/policies"), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 0);
    // Versions and tokens.
    let r = c.raw("GET", &acct.path("/products"), &[("Authorization", &auth), ("Keygen-Version", "9.9")], None);
    assert_eq!((r.status, r.error_code()), (400, Some("INVALID_API_VERSION")));
    assert_signed(&r, &acct.public_key_hex);
    assert_eq!(c.get(&acct.path("/products"), Some("admin-00v3"), None).error_code(), Some("TOKEN_FORMAT_INVALID"));
    assert_eq!(c.get(&acct.path("/products"), Some(&format!("admin-{}v3", "a".repeat(64))), None).error_code(), Some("TOKEN_INVALID"));
    assert_eq!(c.get(&acct.path("/products"), Some(&acct.id), None).error_code(), Some("TOKEN_FORMAT_INVALID"));
    let r = c.get(&acct.path("/products"), None, None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_MISSING")));
    assert_eq!(c.get(&acct.path("/nope"), acct.admin(), None).status, 404);
}

#[test]
fn accounts_are_isolated() {
    let a = server().bootstrap_account();
    let b = server().bootstrap_account();
    let p = product(&a, "A's");
    let pol = policy(&a, &p, json!({"name":"A"}));
    let lic = license(&a, &pol, json!({})).json["data"]["id"].as_str().unwrap().to_owned();
    // B's admin asks B's account for A's ids: not found, never data.
    let cb = b.client();
    for path in [format!("/products/{p}"), format!("/policies/{pol}"), format!("/licenses/{lic}")] {
        let r = cb.get(&b.path(&path), b.admin(), None);
        assert_eq!((r.status, r.error_code()), (404, Some("NOT_FOUND")), "{path}");
    }
    let r = cb.get(&b.path("/licenses"), b.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 0);
    // A's token is not valid in B's account, nor B's in A's.
    let r = a.client().get(&a.path("/products"), b.admin(), None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_INVALID")));
    // Creating in B with A's policy fails on the relationship and writes nothing.
    let r =
        cb.post(&b.path("/licenses"), b.admin(), Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol}}}}})));
    assert_eq!((r.status, r.error_code()), (422, Some("POLICY_NOT_FOUND")));
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn transfer_owner_change_and_product_token_scope() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let p1 = product(&acct, "One");
    let p2 = product(&acct, "Two");
    let from = policy(&acct, &p1, json!({"name":"From"}));
    let to = policy(&acct, &p1, json!({"name":"To","duration":86400}));
    let other = policy(&acct, &p2, json!({"name":"Other"}));
    let lic = license(&acct, &from, json!({})).json["data"]["id"].as_str().unwrap().to_owned();
    let r = c.put(&acct.path(&format!("/licenses/{lic}/policy")), acct.admin(), Some(json!({"data":{"type":"policies","id":other}})));
    assert_eq!((r.status, r.error_code()), (422, Some("POLICY_NOT_COMPATIBLE")));
    let r = c.put(&acct.path(&format!("/licenses/{lic}/policy")), acct.admin(), Some(json!({"data":{"type":"policies","id":to}})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["policy"]["data"]["id"], to.as_str());
    let u = c.post(&acct.path("/users"), acct.admin(), Some(json!({"data":{"type":"users","attributes":{"email":"owner@example.com"}}})));
    let uid = u.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let r = c.put(&acct.path(&format!("/licenses/{lic}/owner")), acct.admin(), Some(json!({"data":{"type":"users","id":uid}})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["owner"]["data"]["id"], uid.as_str());
    let r = c.put(&acct.path(&format!("/licenses/{lic}/owner")), acct.admin(), Some(json!({"data":null})));
    assert!(r.assert_status(200).json["data"]["relationships"]["owner"]["data"].is_null());
    // A product token sees its own product's licenses only.
    let r = c.post(&acct.path(&format!("/products/{p2}/tokens")), acct.admin(), None);
    let ptok = r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap().to_owned();
    assert!(ptok.starts_with("prod-"));
    assert_eq!(c.get(&acct.path(&format!("/licenses/{lic}")), Some(&ptok), None).status, 404);
    assert_eq!(c.get(&acct.path("/licenses"), Some(&ptok), None).assert_status(200).json["data"].as_array().unwrap().len(), 0);
    let own = license(&acct, &other, json!({})).json["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(c.get(&acct.path(&format!("/licenses/{own}")), Some(&ptok), None).assert_status(200).json["data"]["id"], own.as_str());
    let r = c.post(
        &acct.path("/licenses"),
        Some(&ptok),
        Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":from}}}}})),
    );
    // Another product's policy answers as a missing one (ids never leak): the access table.
    assert_eq!((r.status, r.error_code()), (422, Some("POLICY_NOT_FOUND")), "a product cannot create licenses under another product's policy");
}

#[test]
fn a_wrong_method_on_a_served_deeper_path_is_405_and_unknown_paths_stay_404() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let id = "00000000-0000-4000-8000-000000000000";
    for path in [
        format!("/licenses/{id}/actions/suspend"),
        format!("/licenses/{id}/tokens/{id}"),
        format!("/machines/{id}/license"),
        format!("/webhook-events/{id}/actions/retry"),
        "/licenses/actions/validate-key".to_owned(),
    ] {
        let r = c.put(&acct.path(&path), acct.admin(), None);
        assert_eq!((r.status, r.json["errors"][0]["code"].as_str()), (405, Some("NOT_SUPPORTED")), "PUT {path}: {}", r.json);
    }
    for path in [format!("/licenses/{id}/actions/bogus"), format!("/licenses/{id}/bogus"), format!("/machines/{id}/actions/suspend"), "/bogus".to_owned()] {
        let r = c.put(&acct.path(&path), acct.admin(), None);
        assert_eq!((r.status, r.json["errors"][0]["code"].as_str()), (404, Some("NOT_FOUND")), "PUT {path}: {}", r.json);
    }
}
