//! What the importers (`latchkey import …`) rely on, on SQLite with the real migrations: an
//! account bootstrapped with an existing Ed25519 key publishes that key's public half and signs
//! with it; a key already signed by it is kept verbatim; machines keep a client-supplied id.

use serde_json::json;
use shared::crypto::{keys, license_key};
use shared::service::identity::accounts;
use shared::service::licensing::activation;
use shared::service::{Bearer, Caller};

use crate::support::{block, Env};

/// RFC 8032 §7.1 test 1.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

fn account_with_key(env: &Env, slug: &str) -> Caller {
    let body = json!({"data": {"type": "accounts", "attributes": {"name": "Moved", "slug": slug, "ed25519PrivateKey": SEED},
        "relationships": {"admins": {"data": [{"type": "users", "attributes": {"email": "a@moved.test", "password": "correct horse"}}]}}}});
    let b = block(accounts::bootstrap(&env.app(), accounts::parse_create(body.to_string().as_bytes()).unwrap())).unwrap();
    Caller {
        account: b.account,
        bearer: Bearer::Admin { user_id: b.admin_id, role: shared::domain::states::UserRole::Admin },
        token_id: None,
        permissions: None,
    }
}

#[test]
fn a_brought_signing_key_is_published_and_signs_new_keys() {
    let env = Env::new();
    let admin = account_with_key(&env, "moved");
    assert_eq!(admin.account.public_key, PUBLIC);
    assert_eq!(keys::public_hex(&keys::from_private_hex(SEED).unwrap()), PUBLIC);
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"scheme": "ED25519_SIGN"}));
    let l = env.license(&admin, &policy, json!({}));
    let dataset = license_key::verify_key(PUBLIC, &l.key).expect("signed under the supplied key");
    assert!(String::from_utf8(dataset).unwrap().contains(&l.id));
}

#[test]
fn a_key_signed_by_the_account_key_is_kept_verbatim_and_others_are_signed() {
    let env = Env::new();
    let admin = account_with_key(&env, "moved");
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"scheme": "ED25519_SIGN"}));
    let old = license_key::sign_key(&keys::from_private_hex(SEED).unwrap(), r#"{"from":"keygen-ce"}"#);
    let kept = env.license(&admin, &policy, json!({"key": old}));
    assert_eq!(kept.key, old);
    // A key signed by another key is a dataset to sign, as Keygen treats a supplied key.
    let foreign = license_key::sign_key(&keys::from_private_hex(&"11".repeat(32)).unwrap(), "x");
    let signed = env.license(&admin, &policy, json!({"key": foreign}));
    assert_ne!(signed.key, foreign);
    assert_eq!(license_key::verify_key(PUBLIC, &signed.key).unwrap(), foreign.as_bytes());
}

#[test]
fn a_machine_keeps_a_client_supplied_id_and_a_taken_one_is_a_conflict() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 5}));
    let l = env.license(&admin, &policy, json!({}));
    let id = "5f0c6f6e-2f4b-4c3e-9d1a-7b8c9d0e1f2a";
    let body = |fp: &str, id: &str| {
        json!({"data": {"type": "machines", "id": id, "attributes": {"fingerprint": fp}, "relationships": {"license": {"data": {"type": "licenses", "id": l.id}}}}})
            .to_string()
    };
    let m = block(activation::activate(&env.app(), &admin, activation::parse(body("fp-1", id).as_bytes()).unwrap())).unwrap();
    assert_eq!(m.id, id);
    let e = block(activation::activate(&env.app(), &admin, activation::parse(body("fp-2", id).as_bytes()).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (409, "ID_CONFLICT"));
    assert!(matches!(&e.source, Some(shared::error::Source::Pointer(p)) if p == "/data/id"));
    // Nothing was written by the refused activation.
    let n = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM machines WHERE fingerprint = 'fp-2'", &[])).unwrap();
    assert_eq!(n[0]["n"], 0);
    let e = activation::parse(body("fp-3", "not-a-uuid").as_bytes()).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"));
}
