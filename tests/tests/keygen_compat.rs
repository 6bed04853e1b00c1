//! Real-client compatibility suite: the keygen-rs SDK (0.14.0, written by others for Keygen's
//! API) drives the local Worker the way a client app does. Every SDK client here has the
//! account's `public_key` and `verify_keygen_signature: Some(true)`, so the SDK itself verifies
//! the signature of every response it reads; a bad signature fails the call.
//!
//! Admin setup (products, policies, licenses, entitlements, suspension) goes through the plain
//! HTTP harness with the admin token; the client-side calls go through keygen-rs with
//! `Authorization: License <key>` (policy `authenticationStrategy: LICENSE`), as a shipped app
//! would, except where a test says otherwise.
//!
//! Where keygen-rs and Keygen's server disagree the server's behaviour (keygen-wire.md) wins and
//! the test says so in a comment.

use std::sync::Mutex;

use e2e::{server, TestAccount};
use keygen_rs::config::{set_config, KeygenConfig};
use keygen_rs::errors::{ApiErrorKind, Error as SdkError};
use keygen_rs::license::{
    License, LicenseCheckoutOpts, LicenseValidationCode as Code, LicenseValidationRequest, LicenseValidationResult, LicenseValidationScope, SchemeCode,
};
use keygen_rs::license_file::LicenseFile;
use keygen_rs::machine::MachineCheckoutOpts;
use keygen_rs::machine_file::MachineFile;
use keygen_rs::KeygenClient;
use serde_json::{json, Value};

/// keygen-rs's `MachineFile::verify` reads the public key from its global configuration only;
/// the one test that sets it holds this lock.
static GLOBAL_CONFIG: Mutex<()> = Mutex::new(());

/// An account with one product, one policy and one license of it.
struct Fixture {
    acct: TestAccount,
    product: String,
    license: String,
    key: String,
}

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

/// Admin setup over HTTP: a product, a policy with `policy_attrs` (client apps authenticate with
/// their key: `authenticationStrategy: LICENSE` unless given), a license with `license_attrs`.
fn setup(policy_attrs: Value, license_attrs: Value) -> Fixture {
    let acct = server().bootstrap_account();
    let product = create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Compat app"}}}));
    let mut attrs = policy_attrs;
    attrs["name"] = "Compat policy".into();
    if attrs.get("authenticationStrategy").is_none() {
        attrs["authenticationStrategy"] = "LICENSE".into();
    }
    let policy = create(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let license = create(
        &acct,
        "/licenses",
        json!({"data":{"type":"licenses","attributes":license_attrs,"relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}}),
    );
    let s = |v: &Value| v.as_str().expect("string").to_owned();
    Fixture { product: s(&product["id"]), license: s(&license["id"]), key: s(&license["attributes"]["key"]), acct }
}

/// SDK configuration for the account, through the account-scoped URL form (keygen-rs appends
/// `/{api_prefix}/{path}` to any `api_url` other than api.keygen.sh). `license_key` selects
/// `Authorization: License <key>`; otherwise `token` (if any) is sent as a bearer token.
fn config(f: &Fixture, license_key: Option<&str>, token: Option<&str>) -> KeygenConfig {
    KeygenConfig {
        api_url: format!("{}/v1/accounts", server().url()),
        api_prefix: f.acct.id.clone(),
        account: f.acct.id.clone(),
        product: f.product.clone(),
        public_key: Some(f.acct.public_key_hex.clone()),
        verify_keygen_signature: Some(true),
        license_key: license_key.map(str::to_owned),
        token: token.map(str::to_owned),
        ..Default::default()
    }
}

/// A client app: license-key auth, product and public key configured.
fn client_app(f: &Fixture) -> KeygenClient {
    KeygenClient::new(config(f, Some(&f.key), None)).expect("keygen-rs client")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Asserts the SDK-visible outcome of a validation: keygen-rs's `LicenseValidationCode`, the raw
/// code, validity, and — for failures — the `Error::LicenseKeyInvalid { code }` that
/// `into_license()` (the SDK's "give me a usable license" step) turns it into.
fn assert_outcome(r: &LicenseValidationResult, code: Code, raw: &str) {
    assert_eq!((r.meta.code_kind(), r.meta.code.as_str()), (code, raw), "{:?}", r.meta);
    assert_eq!(r.meta.valid, code == Code::Valid, "{:?}", r.meta);
    match r.clone().into_license() {
        Ok(l) => assert_eq!(code, Code::Valid, "into_license accepted {raw}: {}", l.id),
        Err(SdkError::LicenseKeyInvalid { code: c, .. }) => assert_eq!(c, raw),
        Err(e) => panic!("into_license: unexpected error {e:?}"),
    }
}

fn fingerprint(fp: &str) -> LicenseValidationRequest {
    LicenseValidationRequest::for_fingerprint(fp.to_owned())
}

#[test]
fn a_client_app_validates_activates_pings_checks_out_checks_in_and_deactivates() {
    // FROM_FIRST_PING: a new machine's heartbeat is NOT_STARTED until its first ping (with
    // requireHeartbeat the default basis is FROM_CREATION, alive at birth).
    let f = setup(
        json!({"scheme": "ED25519_SIGN", "requireHeartbeat": true, "heartbeatDuration": 600, "heartbeatBasis": "FROM_FIRST_PING", "requireCheckIn": true, "checkInInterval": "day", "checkInIntervalCount": 1}),
        json!({"name": "Compat license"}),
    );
    let ent = create(&f.acct, "/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"Feature A","code":"FEATURE_A"}}}));
    let r = f.acct.client().post(
        &f.acct.path(&format!("/licenses/{}/entitlements", f.license)),
        f.acct.admin(),
        Some(json!({"data":[{"type":"entitlements","id":ent["id"]}]})),
    );
    r.assert_status(200);
    let app = client_app(&f);
    let (fp, other_fp) = ("compat-host-1", "compat-host-2");

    rt().block_on(async {
        // The signed key verifies offline with the configured public key.
        let dataset = app.verify(SchemeCode::Ed25519Sign, &f.key).expect("ED25519_SIGN key verifies");
        assert_eq!(serde_json::from_slice::<Value>(&dataset).unwrap()["license"]["id"], f.license.as_str());

        // validate-key with a fingerprint scope (and the product scope keygen-rs always adds).
        let req = LicenseValidationRequest { nonce: Some(42), ..fingerprint(fp) };
        let r = app.validate(&req).await.expect("validate-key");
        assert_outcome(&r, Code::NoMachine, "NO_MACHINE");
        assert_eq!(r.meta.nonce, Some(42));
        assert_eq!((r.meta.scope.fingerprint.as_deref(), r.meta.scope.product.as_deref()), (Some(fp), Some(f.product.as_str())));
        let license = r.license.expect("the license comes back with a failed validation");
        assert_eq!((license.id.as_str(), license.key.as_str()), (f.license.as_str(), f.key.as_str()));

        // activate
        let machine = license.activate(fp, &[]).await.expect("activate");
        assert_eq!((machine.fingerprint.as_str(), machine.license_id.as_deref()), (fp, Some(f.license.as_str())));
        assert!(machine.require_heartbeat);
        assert_eq!(machine.heartbeat_status, "NOT_STARTED");
        // Node-locked: a second machine is refused with the code keygen-rs classifies.
        let err = license.activate(other_fp, &[]).await.expect_err("node-locked license takes one machine");
        assert_eq!(err.api_error_kind(), ApiErrorKind::MachineLimitExceeded, "{err:?}");

        assert_outcome(&app.validate(&fingerprint(fp)).await.expect("validate"), Code::HeartbeatNotStarted, "HEARTBEAT_NOT_STARTED");
        assert_outcome(&app.validate(&fingerprint(other_fp)).await.expect("validate"), Code::FingerprintScopeMismatch, "FINGERPRINT_SCOPE_MISMATCH");

        // ping
        let pinged = machine.ping().await.expect("ping");
        assert_eq!((pinged.id.as_str(), pinged.heartbeat_status.as_str()), (machine.id.as_str(), "ALIVE"));
        let r = app.validate(&fingerprint(fp)).await.expect("validate");
        assert_outcome(&r, Code::Valid, "VALID");
        // Also by id (POST licenses/{id}/actions/validate) under license-key auth.
        assert_outcome(&license.validate(&fingerprint(fp)).await.expect("validate by id"), Code::Valid, "VALID");

        // License file: encrypted, with entitlements; verify + decrypt with keygen-rs.
        let opts = LicenseCheckoutOpts { encrypt: Some(true), include: Some(vec!["entitlements".into()]), ..LicenseCheckoutOpts::with_ttl(3600) };
        let lf = license.checkout(&opts).await.expect("license checkout");
        assert_eq!(lf.ttl, 3600);
        assert_eq!(lf.certificate().expect("certificate").alg, "aes-256-gcm+ed25519");
        lf.verify_with_key(&f.acct.public_key_hex).expect("license file signature");
        let data = lf.decrypt(&f.key).expect("license file decrypts with the key");
        assert_eq!((data.license.id.as_str(), data.ttl), (f.license.as_str(), 3600));
        let codes: Vec<String> = lf.entitlements(&f.key).expect("entitlements").into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["FEATURE_A"]);
        assert!(lf.decrypt("not-the-key").is_err(), "another key must not decrypt the file");
        assert_eq!(LicenseFile::from_cert(&f.key, &lf.certificate).expect("from_cert").id, f.license);

        // Machine file: keygen-rs's defaults (encrypt=1, include=license.entitlements).
        let mf = machine.checkout(&MachineCheckoutOpts::new()).await.expect("machine checkout");
        assert_eq!(mf.certificate().expect("certificate").alg, "aes-256-gcm+ed25519");
        {
            let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
            set_config(config(&f, Some(&f.key), None)).expect("global config");
            mf.verify().expect("machine file signature");
        }
        let secret = format!("{}{fp}", f.key);
        let data = mf.decrypt(&secret).expect("machine file decrypts with key + fingerprint");
        assert_eq!((data.machine.id.as_str(), data.machine.fingerprint.as_str()), (machine.id.as_str(), fp));
        assert_eq!(data.license.id, f.license);
        assert_eq!(data.ttl, 2_629_746, "default TTL");
        let codes: Vec<String> = mf.entitlements(&secret).expect("entitlements").into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["FEATURE_A"]);
        assert!(mf.decrypt(&f.key).is_err(), "the license key alone must not decrypt a machine file");
        assert_eq!(MachineFile::from_cert(&secret, &mf.certificate).expect("from_cert").id, machine.id);

        // check-in (the policy requires it)
        let checked = license.check_in().await.expect("check-in");
        let (last, next) = (checked.last_check_in.expect("lastCheckIn"), checked.next_check_in.expect("nextCheckIn"));
        assert_eq!((next - last).num_seconds(), 86_400, "next check-in one day after this one");

        // deactivate: the machine is gone, the fingerprint no longer validates.
        machine.deactivate().await.expect("deactivate");
        assert_outcome(&app.validate(&fingerprint(fp)).await.expect("validate"), Code::NoMachine, "NO_MACHINE");
        let err = machine.ping().await.expect_err("a deactivated machine cannot ping");
        assert_eq!(err.api_error_kind(), ApiErrorKind::NotFound, "{err:?}");

        // The seat is free again; License::deactivate(id) (DELETE machines/{id}) frees it too.
        let second = license.activate(other_fp, &[]).await.expect("activate the freed seat");
        license.deactivate(&second.id).await.expect("deactivate by id");
        assert_outcome(&app.validate(&fingerprint(other_fp)).await.expect("validate"), Code::NoMachine, "NO_MACHINE");
    });
}

#[test]
fn expired_licenses_answer_expired_through_keygen_rs() {
    let past = "2020-01-01T00:00:00.000Z";
    // Default RESTRICT_ACCESS: the key still authenticates, the validation says EXPIRED.
    let f = setup(json!({}), json!({"expiry": past}));
    let app = client_app(&f);
    rt().block_on(async {
        assert_outcome(&app.validate(&LicenseValidationRequest::default()).await.expect("validate-key"), Code::Expired, "EXPIRED");
        // The SDK really checks signatures in this configuration: another account's key fails.
        let other = server().bootstrap_account();
        let wrong = KeygenClient::new(KeygenConfig { public_key: Some(other.public_key_hex.clone()), ..config(&f, Some(&f.key), None) }).unwrap();
        let err = wrong.validate(&LicenseValidationRequest::default()).await.expect_err("signature by another key");
        assert!(matches!(err, SdkError::KeygenSignatureInvalid { .. }), "{err:?}");
    });

    // REVOKE_ACCESS: Keygen's authentication refuses an expired key before validating
    // (403 LICENSE_EXPIRED, keygen-wire §7.4), so a client app that authenticates with its key
    // sees an API error, not a validation result; validating without credentials (validate-key
    // needs none) answers EXPIRED.
    let f = setup(json!({"expirationStrategy": "REVOKE_ACCESS"}), json!({"expiry": past}));
    rt().block_on(async {
        let err = client_app(&f).validate(&LicenseValidationRequest::default()).await.expect_err("403");
        assert_eq!((err.api_error_kind(), err.api_error().map(|d| d.status().as_u16())), (ApiErrorKind::LicenseExpired, Some(403)), "{err:?}");
        let anonymous = License::from_key(&f.key).with_config(config(&f, None, None));
        let r = anonymous.validate_key(&LicenseValidationRequest::default()).await.expect("anonymous validate-key");
        assert_outcome(&r, Code::Expired, "EXPIRED");
        // keygen-rs sends `"scope": {}` for a default request; the server echoes it (keygen-rs
        // requires meta.scope).
        assert!(r.meta.scope.product.is_none() && r.meta.scope.fingerprint.is_none());
    });
}

#[test]
fn suspended_licenses_answer_suspended_through_keygen_rs() {
    let f = setup(json!({}), json!({}));
    let r = f.acct.client().post(&f.acct.path(&format!("/licenses/{}/actions/suspend", f.license)), f.acct.admin(), None);
    r.assert_status(200);
    let scope = LicenseValidationRequest::new(LicenseValidationScope { product: Some(f.product.clone()), ..Default::default() });
    rt().block_on(async {
        // Keygen authenticates `License <key>` before validating and refuses a suspended license
        // with 403 LICENSE_SUSPENDED (keygen-wire §7.4): keygen-rs's client-app path surfaces
        // that as an API error of kind LicenseSuspended.
        let err = client_app(&f).validate(&scope).await.expect_err("403");
        assert_eq!((err.api_error_kind(), err.api_error().map(|d| d.status().as_u16())), (ApiErrorKind::LicenseSuspended, Some(403)), "{err:?}");

        // validate-key without credentials: SUSPENDED.
        let anonymous = License::from_key(&f.key).with_config(config(&f, None, None));
        assert_outcome(&anonymous.validate_key(&scope).await.expect("anonymous validate-key"), Code::Suspended, "SUSPENDED");

        // Token auth (admin), by id: SUSPENDED.
        let admin = License::from_id(&f.license).with_config(config(&f, None, Some(&f.acct.admin_token)));
        let r = admin.validate(&scope).await.expect("validate by id");
        assert_outcome(&r, Code::Suspended, "SUSPENDED");
        assert_eq!(r.license.expect("license").suspended, Some(true));
    });
}
