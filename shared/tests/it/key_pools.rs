//! Key pools and machine proofs (issue 8) on SQLite: take and refill, conflicts, proofs.

use serde_json::json;
use shared::api::query::Query;
use shared::service::{catalogue::keys, catalogue::policies, licensing::licenses, licensing::machine_proofs, Bearer, Caller};
use shared::store::rows::{KeyRow, PolicyRow};

use crate::machines::activate;
use crate::support::{block, Env};

fn add_key(env: &Env, caller: &Caller, policy: &str, key: &str) -> Result<KeyRow, shared::Error> {
    let body = json!({"data":{"type":"keys","attributes":{"key":key},"relationships":{"policy":{"data":{"type":"policies","id":policy}}}}}).to_string();
    block(keys::create(&env.app(), caller, keys::parse(body.as_bytes(), true)?))
}

fn pooled_license(env: &Env, caller: &Caller, policy: &PolicyRow) -> Result<shared::store::rows::LicenseRow, shared::Error> {
    let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy.id}}}}}).to_string();
    block(licenses::create(&env.app(), caller, licenses::parse(body.as_bytes(), true)?))
}

fn pool_size(env: &Env, admin: &Caller, policy: &str) -> u64 {
    let q = Query::parse(&format!("policy={policy}"));
    block(keys::list(&env.app(), admin, &q)).unwrap().1
}

#[test]
fn licenses_take_the_oldest_key_once_and_an_empty_pool_refuses() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let pool = env.policy(&admin, &product, json!({"usePool": true}));
    add_key(&env, &admin, &pool.id, "POOLED-KEY-0001").unwrap();
    add_key(&env, &admin, &pool.id, "POOLED-KEY-0002").unwrap();
    assert_eq!(pool_size(&env, &admin, &pool.id), 2);
    let a = pooled_license(&env, &admin, &pool).unwrap();
    let b = pooled_license(&env, &admin, &pool).unwrap();
    assert_eq!((a.key.as_str(), b.key.as_str()), ("POOLED-KEY-0001", "POOLED-KEY-0002"));
    assert_eq!(pool_size(&env, &admin, &pool.id), 0, "each taken key left the pool");
    let before = block(licenses::list(&env.app(), &admin, &Query::default())).unwrap().1;
    let e = pooled_license(&env, &admin, &pool).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "POLICY_POOL_EMPTY"));
    assert!(matches!(&e.source, Some(shared::error::Source::Pointer(p)) if p == "/data/relationships/policy"));
    assert_eq!(block(licenses::list(&env.app(), &admin, &Query::default())).unwrap().1, before, "nothing was written");
    // Refill: the next license takes the new key.
    add_key(&env, &admin, &pool.id, "POOLED-KEY-0003").unwrap();
    assert_eq!(pooled_license(&env, &admin, &pool).unwrap().key, "POOLED-KEY-0003");
    // A supplied key is used as is, and the pool is left alone.
    add_key(&env, &admin, &pool.id, "POOLED-KEY-0004").unwrap();
    let own = env.license(&admin, &pool, json!({"key": "VENDOR-KEY-1"}));
    assert_eq!(own.key, "VENDOR-KEY-1");
    assert_eq!(pool_size(&env, &admin, &pool.id), 1);
}

#[test]
fn a_pooled_key_is_never_a_license_key_and_only_pooled_policies_pool() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let pool = env.policy(&admin, &product, json!({"usePool": true}));
    let plain = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &plain, json!({"key": "EXISTING-LICENSE-KEY"}));
    for k in ["EXISTING-LICENSE-KEY", l.id.as_str()] {
        let e = add_key(&env, &admin, &pool.id, k).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (422, "KEY_CONFLICT"), "{k}");
    }
    let e = add_key(&env, &admin, &plain.id, "SOME-POOLED-KEY").unwrap_err();
    assert_eq!(e.code, "POLICY_NOT_SUPPORTED");
    let k = add_key(&env, &admin, &pool.id, "SOME-POOLED-KEY").unwrap();
    assert_eq!(add_key(&env, &admin, &pool.id, "SOME-POOLED-KEY").unwrap_err().code, "KEY_TAKEN");
    assert_eq!(add_key(&env, &admin, &pool.id, "short").unwrap_err().code, "KEY_INVALID");
    // Updates are guarded the same way.
    let upd = |v: &str| keys::parse(json!({"data":{"type":"keys","attributes":{"key":v}}}).to_string().as_bytes(), false).unwrap();
    let e = block(keys::update(&env.app(), &admin, &k.id, upd("EXISTING-LICENSE-KEY"))).unwrap_err();
    assert_eq!(e.code, "KEY_CONFLICT");
    assert_eq!(block(keys::update(&env.app(), &admin, &k.id, upd("RENAMED-POOLED-KEY"))).unwrap().key, "RENAMED-POOLED-KEY");
    // A license that took a key's value by hand makes the pool skip it (never a duplicate).
    env.license(&admin, &plain, json!({"key": "RENAMED-POOLED-KEY"}));
    let e = pooled_license(&env, &admin, &pool).unwrap_err();
    assert_eq!(e.code, "POLICY_POOL_EMPTY");
    // Keygen's policy rules: a pool with a scheme or encryption is refused.
    let bad = json!({"data":{"type":"policies","attributes":{"name":"x","usePool":true,"scheme":"ED25519_SIGN"},
        "relationships":{"product":{"data":{"type":"products","id":product.id}}}}});
    let e = block(policies::create(&env.app(), &admin, policies::parse(bad.to_string().as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.code, "SCHEME_INVALID");
    let names: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.starts_with("key.")).collect();
    assert_eq!(names, ["key.created", "key.updated"]);
}

#[test]
fn products_manage_only_their_own_keys() {
    let env = Env::new();
    let admin = env.admin();
    let (pa, pb) = (env.product(&admin, "A"), env.product(&admin, "B"));
    let pool = env.policy(&admin, &pa, json!({"usePool": true}));
    let k = add_key(&env, &admin, &pool.id, "PRODUCT-A-KEY-1").unwrap();
    let a = Caller { account: admin.account.clone(), bearer: Bearer::Product { product_id: pa.id.clone() }, token_id: None, permissions: None };
    let b = Caller { account: admin.account.clone(), bearer: Bearer::Product { product_id: pb.id.clone() }, token_id: None, permissions: None };
    assert!(block(keys::authorize(&env.app(), &a, &k.id, shared::access::Action::KeyRead)).is_ok());
    assert_eq!(block(keys::authorize(&env.app(), &b, &k.id, shared::access::Action::KeyRead)).unwrap_err().status, 404);
    assert_eq!(add_key(&env, &b, &pool.id, "PRODUCT-B-KEY-1").unwrap_err().code, "POLICY_NOT_FOUND");
    assert_eq!(block(keys::list(&env.app(), &b, &Query::default())).unwrap().1, 0);
    assert_eq!(block(keys::list(&env.app(), &a, &Query::default())).unwrap().1, 1);
    block(keys::delete(&env.app(), &a, &k.id)).unwrap();
    assert_eq!(pool_size(&env, &admin, &pool.id), 0);
}

#[test]
fn a_machine_proof_signs_keygens_dataset_with_the_account_key() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"duration": 86400}));
    let l = env.license(&admin, &policy, json!({}));
    let m = activate(&env, &admin, &l, json!({"fingerprint": "fp-1"})).unwrap();
    let (_, proof) = block(machine_proofs::generate(&env.app(), &admin, &m.id, b"")).unwrap();
    let data = shared::crypto::proof::verify(&admin.account.public_key, &proof).expect("a genuine proof");
    let v: serde_json::Value = serde_json::from_slice(&data).unwrap();
    assert_eq!(v["machine"]["fingerprint"], "fp-1");
    assert_eq!((v["license"]["key"].as_str(), v["policy"]["duration"].as_i64()), (Some(l.key.as_str()), Some(86400)));
    assert_eq!(v["account"]["id"], admin.account.id);
    // An admin's own dataset is signed verbatim; a license may not send one.
    let (_, p) = block(machine_proofs::generate(&env.app(), &admin, &m.id, br#"{"meta":{"dataset":{"x":1}}}"#)).unwrap();
    assert_eq!(shared::crypto::proof::verify(&admin.account.public_key, &p).as_deref(), Some(br#"{"x":1}"#.as_slice()));
    let lic = Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l.id.clone() }, token_id: None, permissions: None };
    let e = block(machine_proofs::generate(&env.app(), &lic, &m.id, br#"{"meta":{"dataset":{"x":1}}}"#)).unwrap_err();
    assert_eq!(e.code, "PARAMETER_UNPERMITTED");
    assert!(block(machine_proofs::generate(&env.app(), &lic, &m.id, b"")).is_ok());
    assert_eq!(env.events().iter().filter(|(e, _)| e == "machine.proofs.generated").count(), 3);
}

// Search (issue 8).
fn search(env: &Env, admin: &Caller, body: serde_json::Value) -> Result<(shared::service::lifecycle::search::Found, u64), shared::Error> {
    use shared::service::lifecycle::search as s;
    let input = s::parse(body.to_string().as_bytes())?;
    block(s::search(&env.app(), admin, &Query::default(), input)).map(|(f, n, _)| (f, n))
}

#[test]
fn search_matches_terms_with_and_or_and_metadata() {
    use shared::service::lifecycle::search::Found;
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "Searchable App");
    let policy = env.policy(&admin, &product, json!({}));
    let a = env.license(&admin, &policy, json!({"name": "Alpha Seat", "metadata": {"tier": "gold", "seats": 12, "beta": true}}));
    let b = env.license(&admin, &policy, json!({"name": "Beta Seat", "metadata": {"tier": "silver"}}));
    let names = |f: Found| match f {
        Found::Licenses(r) => {
            let mut v: Vec<String> = r.into_iter().filter_map(|l| l.name).collect();
            v.sort();
            v
        }
        other => panic!("{other:?}"),
    };
    let (f, n) = search(&env, &admin, json!({"meta":{"type":"licenses","query":{"name":"seat"}}})).unwrap();
    assert_eq!((names(f), n), (vec!["Alpha Seat".to_owned(), "Beta Seat".to_owned()], 2), "case-insensitive substring");
    let (f, _) = search(&env, &admin, json!({"meta":{"type":"license","query":{"name":"seat","metadata":{"tier":"gold"}}}})).unwrap();
    assert_eq!(names(f), ["Alpha Seat"], "AND: both terms");
    let (f, _) = search(&env, &admin, json!({"meta":{"type":"licenses","op":"OR","query":{"key":b.key,"metadata":{"tier":"gold"}}}})).unwrap();
    assert_eq!(names(f), ["Alpha Seat", "Beta Seat"], "OR: either term");
    let (f, _) = search(&env, &admin, json!({"meta":{"type":"licenses","query":{"metadata":{"seats":12,"beta":"true"}}}})).unwrap();
    assert_eq!(names(f), ["Alpha Seat"], "type-cast metadata terms");
    let (f, _) = search(&env, &admin, json!({"meta":{"type":"licenses","query":{"id":&a.id[..8]}}})).unwrap();
    assert_eq!(names(f), ["Alpha Seat"]);
    let (_, n) = search(&env, &admin, json!({"meta":{"type":"licenses","query":{"key":&b.key[..10]}}})).unwrap();
    assert_eq!(n, 0, "keys match exactly");
    let (f, n) = search(&env, &admin, json!({"meta":{"type":"products","query":{"name":"SEARCHABLE"}}})).unwrap();
    assert!(matches!(f, Found::Products(ref r) if r.first().is_some_and(|p| p.id == product.id)) && n == 1);
    let (_, n) = search(&env, &admin, json!({"meta":{"type":"policies","query":{"product":product.id}}})).unwrap();
    assert_eq!(n, 1);
    let prod = Caller { account: admin.account.clone(), bearer: Bearer::Product { product_id: product.id.clone() }, token_id: None, permissions: None };
    let input = shared::service::lifecycle::search::parse(br#"{"meta":{"type":"licenses","query":{"name":"seat"}}}"#).unwrap();
    assert_eq!(block(shared::service::lifecycle::search::search(&env.app(), &prod, &Query::default(), input)).unwrap_err().status, 403, "admins only");
}

// keygen-rs SDK measure (issue 8): `DELETE /policies/{id}/pool`.
#[test]
fn a_pop_takes_the_oldest_free_key_once_and_refuses_an_empty_or_unpooled_policy() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let pool = env.policy(&admin, &product, json!({"usePool": true}));
    // One millisecond apart, so that "oldest" is the order they were added in.
    for k in ["POOLED-KEY-0001", "POOLED-KEY-0002", "POOLED-KEY-0003"] {
        env.clock.advance(1);
        add_key(&env, &admin, &pool.id, k).unwrap();
    }
    // A license takes the oldest; a pop then takes the next one, and a second pop the last.
    assert_eq!(pooled_license(&env, &admin, &pool).unwrap().key, "POOLED-KEY-0001");
    assert_eq!(block(keys::pop(&env.app(), &admin, &pool.id)).unwrap().key, "POOLED-KEY-0002");
    assert_eq!(block(keys::pop(&env.app(), &admin, &pool.id)).unwrap().key, "POOLED-KEY-0003");
    assert_eq!(pool_size(&env, &admin, &pool.id), 0);
    let empty = block(keys::pop(&env.app(), &admin, &pool.id)).unwrap_err();
    assert_eq!(empty.code, "POLICY_POOL_EMPTY");
    assert_eq!(empty.status, 422);
    let plain = env.policy(&admin, &product, json!({}));
    assert_eq!(block(keys::pop(&env.app(), &admin, &plain.id)).unwrap_err().code, "POLICY_NOT_SUPPORTED");
    assert_eq!(block(keys::pop(&env.app(), &admin, "nope")).unwrap_err().status, 404);
}
