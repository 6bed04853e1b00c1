//! Offline files, usage and check-in on the real runtime: check-out over HTTP, then verify and
//! decrypt the certificate with keygen-rs (written by others for Keygen's API); usage limits and
//! their events on D1; the check-out error codes.
//!
//! Machine files: `POST /machines` belongs to the licensing-engine branch; a machine-file test
//! over HTTP lands with it (the native suite covers machine files).

use std::sync::Mutex;

use e2e::{server, TestAccount};
use keygen_rs::config::{set_config, KeygenConfig};
use keygen_rs::license::{License, LicenseCheckoutOpts};
use keygen_rs::license_file::LicenseFile;
use serde_json::{json, Value};

static GLOBAL_CONFIG: Mutex<()> = Mutex::new(());

/// An account with a product, a policy with `policy_attrs`, and one license of it: `(account, license id, key)`.
fn setup(policy_attrs: Value) -> (TestAccount, String, String) {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let admin = acct.admin();
    let p = c.post(&acct.path("/products"), admin, Some(json!({"data":{"type":"products","attributes":{"name":"Offline"}}})));
    assert_eq!(p.status, 201, "{}", p.json);
    let mut attrs = policy_attrs.as_object().cloned().unwrap_or_default();
    attrs.insert("name".into(), "Offline policy".into());
    // Client apps authenticate with their license key (Keygen's default is TOKEN only).
    attrs.entry("authenticationStrategy").or_insert("MIXED".into());
    let pol = c.post(
        &acct.path("/policies"),
        admin,
        Some(json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":p.json["data"]["id"]}}}}})),
    );
    assert_eq!(pol.status, 201, "{}", pol.json);
    let l = c.post(
        &acct.path("/licenses"),
        admin,
        Some(json!({"data":{"type":"licenses","attributes":{"name":"Offline license"},"relationships":{"policy":{"data":{"type":"policies","id":pol.json["data"]["id"]}}}}})),
    );
    assert_eq!(l.status, 201, "{}", l.json);
    let (id, key) = (l.json["data"]["id"].as_str().unwrap().to_owned(), l.json["data"]["attributes"]["key"].as_str().unwrap().to_owned());
    (acct, id, key)
}

fn events(acct: &TestAccount, name: &str) -> usize {
    let r = acct.client().get(&acct.path(&format!("/event-logs?event={name}&limit=100")), acct.admin(), None);
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["data"].as_array().map_or(0, Vec::len)
}

#[test]
fn license_files_checked_out_over_http_verify_and_decrypt_with_keygen_rs() {
    let (acct, id, key) = setup(json!({}));
    let c = acct.client();
    let ent =
        c.post(&acct.path("/entitlements"), acct.admin(), Some(json!({"data":{"type":"entitlements","attributes":{"name":"Feature A","code":"FEATURE_A"}}})));
    assert_eq!(ent.status, 201, "{}", ent.json);
    let att =
        c.post(&acct.path(&format!("/licenses/{id}/entitlements")), acct.admin(), Some(json!({"data":[{"type":"entitlements","id":ent.json["data"]["id"]}]})));
    assert_eq!(att.status, 200, "{}", att.json);

    let r = c.post(&acct.path(&format!("/licenses/{id}/actions/check-out?encrypt=true&include=entitlements")), Some(&format!("License {key}")), None);
    assert_eq!(r.status, 200, "{}", r.json);
    let a = &r.json["data"]["attributes"];
    assert_eq!(r.json["data"]["type"], "license-files");
    assert_eq!((a["algorithm"].as_str(), a["ttl"].as_i64(), a["includes"].clone()), (Some("aes-256-gcm+ed25519"), Some(2_629_746), json!(["entitlements"])));
    let cert = a["certificate"].as_str().unwrap();

    let lf = LicenseFile::from_cert(&key, cert).expect("keygen-rs opens the certificate");
    lf.verify_with_key(&acct.public_key_hex).expect("keygen-rs verifies the signature");
    let dataset = lf.decrypt(&key).expect("keygen-rs decrypts");
    assert_eq!(dataset.license.id, id);
    assert_eq!(dataset.ttl, 2_629_746);
    let codes: Vec<String> = lf.entitlements(&key).unwrap().into_iter().map(|e| e.code).collect();
    assert_eq!(codes, ["FEATURE_A"]);
    assert_eq!(events(&acct, "license.checked-out"), 1);

    // GET answers the raw certificate as a download.
    let raw = c.get(&acct.path(&format!("/licenses/{id}/actions/check-out?algorithm=base64%2Bed25519")), acct.admin(), None);
    assert_eq!(raw.status, 200);
    assert_eq!(raw.headers.get("content-type").map(String::as_str), Some("application/octet-stream"));
    let disposition = raw.headers.get("content-disposition").cloned().unwrap_or_default();
    assert!(disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".lic\""), "{disposition}");
    let text = String::from_utf8(raw.body.clone()).unwrap();
    assert!(text.starts_with("-----BEGIN LICENSE FILE-----\n"));
    let plain = LicenseFile { certificate: text, ..lf.clone() };
    plain.verify_with_key(&acct.public_key_hex).expect("plain file verifies");
    assert_eq!(plain.decode().expect("decodes").license.id, id);
}

#[test]
fn keygen_rs_checks_out_and_checks_in() {
    let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    let (acct, id, key) = setup(json!({"requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 1}));
    set_config(KeygenConfig {
        api_url: format!("{}/v1/accounts", server().url()),
        api_prefix: acct.id.clone(),
        account: acct.id.clone(),
        public_key: Some(acct.public_key_hex.clone()),
        verify_keygen_signature: Some(true),
        token: Some(acct.admin_token.clone()),
        ..Default::default()
    })
    .expect("config");
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let license = License::get(&id).await.expect("get license");
        let file = license.checkout(&LicenseCheckoutOpts { encrypt: Some(true), ..LicenseCheckoutOpts::with_ttl(7200) }).await.expect("checkout");
        assert_eq!(file.ttl, 7200);
        file.verify_with_key(&acct.public_key_hex).expect("verifies");
        assert_eq!(file.decrypt(&key).expect("decrypts").license.id, id);
        let cert = license.checkout_certificate(&LicenseCheckoutOpts::new()).await.expect("certificate text");
        assert!(cert.starts_with("-----BEGIN LICENSE FILE-----"));
        let checked = license.check_in().await.expect("check in");
        assert!(checked.last_check_in.is_some());
    });
    assert_eq!(events(&acct, "license.checked-in"), 1);
}

#[test]
fn usage_stops_at_max_uses_on_d1_and_refusals_record_no_event() {
    let (acct, id, key) = setup(json!({"maxUses": 2}));
    let c = acct.client();
    let me = format!("License {key}");
    let inc = |n: i64| c.post(&acct.path(&format!("/licenses/{id}/actions/increment-usage")), Some(&me), Some(json!({"meta":{"increment":n}})));
    assert_eq!(inc(1).json["data"]["attributes"]["uses"], 1);
    assert_eq!(inc(1).json["data"]["attributes"]["uses"], 2);
    let r = inc(1);
    assert_eq!((r.status, r.json["errors"][0]["code"].as_str()), (422, Some("USES_LIMIT_EXCEEDED")), "{}", r.json);
    assert_eq!(events(&acct, "license.usage.incremented"), 2, "the guarded event is written only with the change");
    let r = c.post(&acct.path(&format!("/licenses/{id}/actions/reset-usage")), Some(&me), None);
    assert_eq!(r.status, 403, "a license may not reset its own usage");
    let r = c.post(&acct.path(&format!("/licenses/{id}/actions/reset-usage")), acct.admin(), None);
    assert_eq!((r.status, r.json["data"]["attributes"]["uses"].as_i64()), (200, Some(0)));
}

#[test]
fn check_out_errors_name_their_parameter() {
    let (acct, id, _) = setup(json!({}));
    let c = acct.client();
    for (query, code, param) in [
        ("algorithm=rsa-sha256%2Brsa", "CHECKOUT_ALGORITHM_INVALID", "algorithm"),
        ("include=components", "CHECKOUT_INCLUDE_INVALID", "include"),
        ("ttl=60", "CHECKOUT_TTL_INVALID", "ttl"),
    ] {
        let r = c.post(&acct.path(&format!("/licenses/{id}/actions/check-out?{query}")), acct.admin(), None);
        assert_eq!(r.status, 400, "{query}: {}", r.json);
        assert_eq!(r.json["errors"][0]["code"], code);
        assert_eq!(r.json["errors"][0]["source"], json!({"parameter": param}));
    }
    let r = c.post(&acct.path(&format!("/licenses/{id}/actions/check-out")), acct.admin(), Some(json!({"meta":{"ttl":3599}})));
    assert_eq!(r.json["errors"][0]["code"], "CHECKOUT_TTL_INVALID");
    assert_eq!(events(&acct, "license.checked-out"), 0);
}
