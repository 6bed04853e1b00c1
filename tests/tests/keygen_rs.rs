//! A real client: the keygen-rs SDK (written by others for Keygen's API) drives the local Worker
//! with its `public_key` set, so it verifies the signature of every response it reads.
//! keygen-rs keeps its configuration in a global, so the tests of this binary run one at a time.

use std::sync::Mutex;

use e2e::{server, TestAccount};
use keygen_rs::config::{set_config, KeygenConfig};
use keygen_rs::license::{License, LicenseCreateRequest, SchemeCode};
use keygen_rs::policy::{CreatePolicyRequest, Policy, Scheme};
use keygen_rs::product::{CreateProductRequest, Product};

static GLOBAL_CONFIG: Mutex<()> = Mutex::new(());

/// Points keygen-rs at `acct` through the account-scoped URL form: keygen-rs appends
/// `/{api_prefix}/{path}` to any `api_url` other than api.keygen.sh, so the prefix carries the
/// account segment.
fn configure(acct: &TestAccount, token: Option<String>, license_key: Option<String>) {
    set_config(KeygenConfig {
        api_url: format!("{}/v1/accounts", server().url()),
        api_prefix: acct.id.clone(),
        account: acct.id.clone(),
        public_key: Some(acct.public_key_hex.clone()),
        verify_keygen_signature: Some(true),
        token,
        license_key,
        ..Default::default()
    })
    .expect("config");
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn keygen_rs_creates_and_reads_back_a_product_policy_and_signed_license() {
    let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    let acct = server().bootstrap_account();
    configure(&acct, Some(acct.admin_token.clone()), None);
    rt().block_on(async {
        let product = Product::create(CreateProductRequest {
            name: "keygen-rs product".into(),
            code: None,
            distribution_strategy: None,
            url: None,
            platforms: None,
            permissions: None,
            metadata: None,
        })
        .await
        .expect("create product");
        let policy = Policy::create(CreatePolicyRequest {
            name: "keygen-rs policy".into(),
            scheme: Some(Scheme::Ed25519Sign),
            product_id: product.id.clone(),
            duration: Some(86_400 * 30),
            ..Default::default()
        })
        .await
        .expect("create policy");
        let license = License::create(LicenseCreateRequest { name: Some("keygen-rs license".into()), ..LicenseCreateRequest::new(policy.id.clone()) })
            .await
            .expect("create license");

        assert_eq!(Product::get(&product.id).await.expect("get product").name, "keygen-rs product");
        let read = Policy::get(&policy.id).await.expect("get policy");
        assert_eq!((read.name.as_str(), read.duration), ("keygen-rs policy", Some(86_400 * 30)));
        let back = License::get(&license.id).await.expect("get license");
        assert_eq!(back.key, license.key);
        assert_eq!(back.policy.as_deref(), Some(policy.id.as_str()));

        // The ED25519_SIGN key verifies offline with the account's public key.
        let dataset = keygen_rs::verify(SchemeCode::Ed25519Sign, &license.key).expect("key verifies");
        let v: serde_json::Value = serde_json::from_slice(&dataset).unwrap();
        assert_eq!(v["license"]["id"], license.id.as_str());
        assert_eq!(v["product"]["id"], product.id.as_str());
    });
}

#[test]
fn keygen_rs_rejects_a_response_signed_by_another_key() {
    let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    let acct = server().bootstrap_account();
    let other = server().bootstrap_account();
    // Right account, wrong public key: every response fails verification in the SDK.
    set_config(KeygenConfig {
        api_url: format!("{}/v1/accounts", server().url()),
        api_prefix: acct.id.clone(),
        account: acct.id.clone(),
        public_key: Some(other.public_key_hex.clone()),
        verify_keygen_signature: Some(true),
        token: Some(acct.admin_token.clone()),
        ..Default::default()
    })
    .unwrap();
    rt().block_on(async {
        let err = Product::list(None).await.expect_err("signature by another key must be rejected");
        let text = format!("{err:?}");
        assert!(text.to_lowercase().contains("signature"), "{text}");
    });
}
