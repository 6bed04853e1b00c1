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

/// keygen-rs `Machine::change_owner` / `change_group` (`PUT /machines/{id}/owner|group`).
#[test]
fn keygen_rs_changes_a_machines_owner_and_group() {
    let _g = GLOBAL_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    let acct = server().bootstrap_account();
    let c = acct.client();
    let post = |path: &str, body: serde_json::Value| -> String {
        let r = c.post(&acct.path(path), acct.admin(), Some(body));
        r.assert_status(201);
        r.json["data"]["id"].as_str().unwrap_or_else(|| panic!("{path}: {}", r.json)).to_owned()
    };
    let product = post("/products", serde_json::json!({"data":{"type":"products","attributes":{"name":"P"}}}));
    let policy = post(
        "/policies",
        serde_json::json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let user = post("/users", serde_json::json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", e2e::unique_tag())}}}));
    let license = post(
        "/licenses",
        serde_json::json!({"data":{"type":"licenses","relationships":{
        "policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":user}}}}}),
    );
    let machine = post(
        "/machines",
        serde_json::json!({"data":{"type":"machines","attributes":{"fingerprint":"fp"},"relationships":{"license":{"data":{"type":"licenses","id":license}}}}}),
    );
    let group = post("/groups", serde_json::json!({"data":{"type":"groups","attributes":{"name":"G"}}}));
    configure(&acct, Some(acct.admin_token.clone()), None);
    rt().block_on(async {
        let m = keygen_rs::machine::Machine::get(&machine).await.expect("get machine");
        assert_eq!(m.owner_id, None);
        let m = m.change_owner(&user).await.expect("change owner");
        assert_eq!(m.owner_id.as_deref(), Some(user.as_str()));
        let m = m.change_group(&group).await.expect("change group");
        assert_eq!((m.group_id.as_deref(), m.owner_id.as_deref()), (Some(group.as_str()), Some(user.as_str())));
        // A user of no license of the machine is refused, and the owner stays.
        let stranger = post("/users", serde_json::json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", e2e::unique_tag())}}}));
        assert!(m.change_owner(&stranger).await.is_err());
        assert_eq!(keygen_rs::machine::Machine::get(&machine).await.expect("get").owner_id.as_deref(), Some(user.as_str()));
    });
}
