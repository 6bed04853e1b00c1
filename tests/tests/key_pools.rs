//! Key pools and machine proofs (issue 8) on the real runtime: `/keys` CRUD and relationships,
//! pooled license creation under concurrent requests (never one key twice, an empty pool
//! answers `POLICY_POOL_EMPTY`), and offline proofs verified by `openssl` (an implementation
//! independent of the Worker's ed25519-dalek).

use std::collections::HashSet;

use base64::Engine as _;
use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn admin_post(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn product(acct: &TestAccount) -> String {
    admin_post(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Pools"}}}))["id"].as_str().unwrap_or_default().to_owned()
}

fn policy(acct: &TestAccount, product: &str, attrs: Value) -> String {
    let mut a = attrs;
    a["name"] = "Pooled".into();
    let body = json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product}}}}});
    admin_post(acct, "/policies", body)["id"].as_str().unwrap_or_default().to_owned()
}

fn key_body(key: &str, policy: &str) -> Value {
    json!({"data":{"type":"keys","attributes":{"key":key},"relationships":{"policy":{"data":{"type":"policies","id":policy}}}}})
}

fn license_body(policy: &str) -> Value {
    json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}}}}})
}

#[test]
fn concurrent_pooled_creates_never_share_a_key_and_an_empty_pool_refuses() {
    let acct = server().bootstrap_account();
    let pool = policy(&acct, &product(&acct), json!({"usePool": true}));
    let keys: Vec<String> = (0..6).map(|i| format!("POOL-KEY-{i:04}-{}", acct.slug)).collect();
    for k in &keys {
        admin_post(&acct, "/keys", key_body(k, &pool));
    }
    let path = acct.path("/licenses");
    let responses: Vec<e2e::Resp> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..10).map(|_| s.spawn(|| acct.client().post(&path, acct.admin(), Some(license_body(&pool))))).collect();
        hs.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    assert_eq!(responses.len(), 10);
    let created: Vec<&e2e::Resp> = responses.iter().filter(|r| r.status == 201).collect();
    let taken: HashSet<&str> = created.iter().filter_map(|r| r.json["data"]["attributes"]["key"].as_str()).collect();
    assert_eq!((created.len(), taken.len()), (6, 6), "six licenses, six distinct keys: {:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(taken.iter().all(|k| keys.iter().any(|p| p == k)), "every key came from the pool");
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_eq!((r.status, r.error_code()), (422, Some("POLICY_POOL_EMPTY")), "{}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/relationships/policy");
    }
    let c = acct.client();
    let left = c.get(&acct.path(&format!("/keys?policy={pool}")), acct.admin(), None);
    assert_eq!(left.assert_status(200).json["data"].as_array().map(Vec::len), Some(0), "the pool is empty");
    let lic = c.get(&acct.path(&format!("/licenses?policy={pool}")), acct.admin(), None);
    assert_eq!(lic.assert_status(200).json["data"].as_array().map(Vec::len), Some(6), "no partial license was written");
    // Refill and take again.
    admin_post(&acct, "/keys", key_body(&format!("REFILL-KEY-{}", acct.slug), &pool));
    let r = c.post(&path, acct.admin(), Some(license_body(&pool)));
    assert_eq!(r.assert_status(201).json["data"]["attributes"]["key"], format!("REFILL-KEY-{}", acct.slug));
}

#[test]
fn keys_crud_relationships_and_keygens_rules() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let prod = product(&acct);
    let (pool, plain) = (policy(&acct, &prod, json!({"usePool": true})), policy(&acct, &prod, json!({})));
    let k = admin_post(&acct, "/keys", key_body("FIRST-POOLED-KEY", &pool));
    let id = k["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!((k["type"].as_str(), k["attributes"]["key"].as_str()), (Some("keys"), Some("FIRST-POOLED-KEY")));
    assert_eq!(k["relationships"]["policy"]["data"]["id"], pool.as_str());
    assert_eq!(k["relationships"]["product"]["data"]["id"], prod.as_str());
    let r = c.get(&acct.path(&format!("/keys/{id}/product")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], prod.as_str());
    let r = c.get(&acct.path(&format!("/keys/{id}/policy")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["usePool"], true);
    let r = c.patch(&acct.path(&format!("/keys/{id}")), acct.admin(), Some(json!({"data":{"type":"keys","attributes":{"key":"RENAMED-POOLED-KEY"}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["key"], "RENAMED-POOLED-KEY");
    let r = c.get(&acct.path(&format!("/keys?product={prod}")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"][0]["attributes"]["key"], "RENAMED-POOLED-KEY");
    // Keygen's rules: only pooled policies, never a license's key, unique, 8+ bytes.
    let r = c.post(&acct.path("/keys"), acct.admin(), Some(key_body("ANOTHER-POOLED-KEY", &plain)));
    assert_eq!((r.status, r.error_code()), (422, Some("POLICY_NOT_SUPPORTED")));
    let l = admin_post(
        &acct,
        "/licenses",
        json!({"data":{"type":"licenses","attributes":{"key":"A-LICENSE-KEY-1"},
        "relationships":{"policy":{"data":{"type":"policies","id":plain}}}}}),
    );
    let r = c.post(&acct.path("/keys"), acct.admin(), Some(key_body("A-LICENSE-KEY-1", &pool)));
    assert_eq!((r.status, r.error_code()), (422, Some("KEY_CONFLICT")));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/key");
    let r = c.post(&acct.path("/keys"), acct.admin(), Some(key_body(l["id"].as_str().unwrap_or_default(), &pool)));
    assert_eq!(r.error_code(), Some("KEY_CONFLICT"));
    let r = c.post(&acct.path("/keys"), acct.admin(), Some(key_body("RENAMED-POOLED-KEY", &pool)));
    assert_eq!(r.error_code(), Some("KEY_TAKEN"));
    let r = c.post(&acct.path("/keys"), acct.admin(), Some(key_body("short", &pool)));
    assert_eq!(r.error_code(), Some("KEY_INVALID"));
    let bad = json!({"data":{"type":"policies","attributes":{"name":"x","usePool":true,"encrypted":true},
        "relationships":{"product":{"data":{"type":"products","id":prod}}}}});
    assert_eq!(c.post(&acct.path("/policies"), acct.admin(), Some(bad)).error_code(), Some("ENCRYPTED_INVALID"));
    c.delete(&acct.path(&format!("/keys/{id}")), acct.admin(), None).assert_status(204);
    assert_eq!(c.get(&acct.path(&format!("/keys/{id}")), acct.admin(), None).status, 404);
    let r = c.post(&acct.path("/licenses"), acct.admin(), Some(license_body(&pool)));
    assert_eq!((r.status, r.error_code()), (422, Some("POLICY_POOL_EMPTY")));
}

/// Verifies an Ed25519 signature with the `openssl` command line tool.
fn openssl_verifies(public_hex: &str, msg: &[u8], sig: &[u8]) -> bool {
    let dir = std::env::temp_dir().join(format!("latchkey-proof-{}-{}", std::process::id(), e2e::unique_tag()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let der = [hex::decode("302a300506032b6570032100").unwrap_or_default(), hex::decode(public_hex).unwrap_or_default()].concat();
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", base64::engine::general_purpose::STANDARD.encode(der));
    let (p, m, s) = (dir.join("pub.pem"), dir.join("msg"), dir.join("sig"));
    let written = std::fs::write(&p, pem).and(std::fs::write(&m, msg)).and(std::fs::write(&s, sig));
    assert!(written.is_ok(), "temp files");
    let out = std::process::Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(&p)
        .arg("-rawin")
        .arg("-in")
        .arg(&m)
        .arg("-sigfile")
        .arg(&s)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    out.is_ok_and(|o| o.status.success())
}

#[test]
fn a_machine_proof_is_keygens_dataset_signed_with_the_account_key() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let pol = policy(&acct, &product(&acct), json!({"duration": 86400}));
    let l = admin_post(&acct, "/licenses", license_body(&pol));
    let lid = l["id"].as_str().unwrap_or_default();
    let m = admin_post(
        &acct,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"proof-fp"},
        "relationships":{"license":{"data":{"type":"licenses","id":lid}}}}}),
    );
    let mid = m["id"].as_str().unwrap_or_default();
    let path = acct.path(&format!("/machines/{mid}/actions/generate-offline-proof"));
    let r = c.post(&path, acct.admin(), None);
    r.assert_status(200);
    assert_eq!(r.json["data"]["id"], mid);
    let proof = r.json["meta"]["proof"].as_str().unwrap_or_default();
    let (signing_data, enc_sig) = proof.rsplit_once('.').unwrap_or_default();
    let b64 = base64::engine::general_purpose::URL_SAFE;
    let sig = b64.decode(enc_sig).unwrap_or_default();
    assert!(openssl_verifies(&acct.public_key_hex, signing_data.as_bytes(), &sig), "openssl verifies {proof}");
    assert!(!openssl_verifies(&acct.public_key_hex, format!("{signing_data}x").as_bytes(), &sig), "and refuses a changed message");
    let data: Value = serde_json::from_slice(&b64.decode(signing_data.strip_prefix("proof/").unwrap_or_default()).unwrap_or_default()).unwrap_or_default();
    assert_eq!(data["machine"]["fingerprint"], "proof-fp");
    assert_eq!(data["license"]["key"], l["attributes"]["key"]);
    assert_eq!(data["policy"]["duration"], 86400);
    assert_eq!(data["account"]["id"], acct.id.as_str());
    // By fingerprint, as the license itself; the license may not choose the dataset.
    let tok = admin_post(&acct, &format!("/licenses/{lid}/tokens"), json!({"data":{"type":"tokens","attributes":{}}}));
    let t = tok["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let by_fp = acct.path("/machines/proof-fp/actions/generate-offline-proof");
    assert_eq!(c.post(&by_fp, Some(&t), None).assert_status(200).json["data"]["id"], mid);
    let r = c.post(&by_fp, Some(&t), Some(json!({"meta":{"dataset":{"forged":true}}})));
    assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_UNPERMITTED")));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/meta/dataset");
    // An admin's own dataset is signed verbatim.
    let r = c.post(&path, acct.admin(), Some(json!({"meta":{"dataset":{"seat":7}}})));
    let p = r.assert_status(200).json["meta"]["proof"].as_str().unwrap_or_default().to_owned();
    let (sd, _) = p.rsplit_once('.').unwrap_or_default();
    assert_eq!(b64.decode(sd.strip_prefix("proof/").unwrap_or_default()).unwrap_or_default(), br#"{"seat":7}"#);
    let ev = c.get(&acct.path("/event-logs?page[size]=100"), acct.admin(), None);
    let n = ev.assert_status(200).json["data"].as_array().map_or(0, |a| a.iter().filter(|e| e["attributes"]["event"] == "machine.proofs.generated").count());
    assert_eq!(n, 3, "one event per proof");
}

#[test]
fn search_finds_by_keygens_terms_for_admins_only() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let tag = acct.slug.clone();
    let prod = product(&acct);
    let pol = policy(&acct, &prod, json!({}));
    for (name, tier) in [("Alpha", "gold"), ("Beta", "silver")] {
        admin_post(
            &acct,
            "/licenses",
            json!({"data":{"type":"licenses","attributes":{"name":format!("{name} {tag}"),"metadata":{"tier":tier}},
            "relationships":{"policy":{"data":{"type":"policies","id":pol}}}}}),
        );
    }
    let find = |meta: Value| c.post(&acct.path("/search"), acct.admin(), Some(json!({ "meta": meta })));
    let names = |r: &e2e::Resp| {
        let mut v: Vec<String> =
            r.json["data"].as_array().map_or_else(Vec::new, |a| a.iter().filter_map(|l| l["attributes"]["name"].as_str().map(str::to_owned)).collect());
        v.sort();
        v
    };
    let r = find(json!({"type":"licenses","query":{"name":tag.to_uppercase()}}));
    assert_eq!(names(r.assert_status(200)), [format!("Alpha {tag}"), format!("Beta {tag}")]);
    let r = find(json!({"type":"license","query":{"name":tag,"metadata":{"tier":"gold"}}}));
    assert_eq!(names(r.assert_status(200)), [format!("Alpha {tag}")], "AND");
    let r = find(json!({"type":"licenses","op":"OR","query":{"name":format!("Beta {tag}"),"metadata":{"tier":"gold"}}}));
    assert_eq!(names(r.assert_status(200)), [format!("Alpha {tag}"), format!("Beta {tag}")], "OR");
    let r = find(json!({"type":"policies","query":{"product":prod}}));
    assert_eq!(r.assert_status(200).json["data"][0]["id"], pol.as_str());
    let r = find(json!({"type":"licenses","query":{"name":"ab"}}));
    assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/meta/query/name");
    let r = find(json!({"type":"widgets","query":{"name":"abc"}}));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/meta/type");
    let tok = admin_post(&acct, &format!("/products/{prod}/tokens"), json!({"data":{"type":"tokens","attributes":{}}}));
    let t = tok["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let r = c.post(&acct.path("/search"), Some(&t), Some(json!({"meta":{"type":"licenses","query":{"name":tag}}})));
    assert_eq!(r.status, 403, "admins only, as Keygen's SearchPolicy");
}
