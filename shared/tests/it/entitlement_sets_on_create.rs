//! `entitlementSet` on `POST /policies` and `POST /licenses` (issue 10 §3) on SQLite with the
//! real migrations: the set is written in the creation batch, a bad one is refused with its
//! pointer before anything is written, only admins and the owning product may name one, and a
//! set gone between the check and the batch aborts the whole creation (foreign key).

use serde_json::{json, Value};
use shared::error::Source;
use shared::service::catalogue::{entitlement_sets as sets, policies};
use shared::service::licensing::licenses;
use shared::service::{Bearer, Caller};
use shared::store::{Db, Stmt};

use crate::support::{block, Env};

fn new_set(env: &Env, admin: &Caller, name: &str) -> String {
    let body = json!({"data":{"type":"entitlement-sets","attributes":{"name":name}}}).to_string();
    block(sets::create(&env.app(), admin, sets::parse(body.as_bytes(), true).unwrap())).unwrap().id
}

fn policy_body(product: &str, set: Value) -> Vec<u8> {
    json!({"data":{"type":"policies","attributes":{"name":"Pro"},"relationships":{"product":{"data":{"type":"products","id":product}},"entitlementSet":set}}})
        .to_string()
        .into_bytes()
}

fn license_body(policy: &str, set: Value) -> Vec<u8> {
    json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},"entitlementSet":set}}}).to_string().into_bytes()
}

fn count(env: &Env, table: &str) -> i64 {
    block(env.db.query(&format!("SELECT count(*) AS n FROM {table}"), &[])).unwrap()[0]["n"].as_i64().unwrap()
}

fn pointer(e: &shared::Error) -> Option<String> {
    match &e.source {
        Some(Source::Pointer(p)) => Some(p.clone()),
        _ => None,
    }
}

#[test]
fn policies_and_licenses_take_an_entitlement_set_on_create() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let product = env.product(&admin, "App");
    let pro = new_set(&env, &admin, "Pro");
    let ent = new_set(&env, &admin, "Enterprise");

    let rel = |id: &str| json!({"data":{"type":"entitlement-sets","id":id}});
    let p = block(policies::create(&app, &admin, policies::parse(&policy_body(&product.id, rel(&pro)), true).unwrap())).unwrap();
    assert_eq!(p.entitlement_set_id.as_deref(), Some(pro.as_str()));
    let l = block(licenses::create(&app, &admin, licenses::parse(&license_body(&p.id, rel(&ent)), true).unwrap())).unwrap();
    assert_eq!(l.entitlement_set_id.as_deref(), Some(ent.as_str()));
    // `null` (or absent) is no set of its own.
    let l2 = block(licenses::create(&app, &admin, licenses::parse(&license_body(&p.id, json!({"data": null})), true).unwrap())).unwrap();
    assert_eq!(l2.entitlement_set_id, None);
    // The product that owns the policy may name one too.
    let prod = Caller { bearer: Bearer::Product { product_id: product.id.clone() }, ..admin.clone() };
    let l3 = block(licenses::create(&app, &prod, licenses::parse(&license_body(&p.id, rel(&pro)), true).unwrap())).unwrap();
    assert_eq!(l3.entitlement_set_id.as_deref(), Some(pro.as_str()));
    // The sets are in use now: deleting one is refused.
    assert_eq!(block(sets::delete(&app, &admin, &ent)).unwrap_err().code, "ENTITLEMENT_SET_IN_USE");
}

#[test]
fn a_bad_entitlement_set_on_create_is_refused_with_its_pointer_and_writes_nothing() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let created = |env: &Env| env.events().iter().filter(|(e, _)| e == "license.created" || e == "policy.created").count();
    let (policies_before, licenses_before, events_before) = (count(&env, "policies"), count(&env, "licenses"), created(&env));

    let unknown = json!({"data":{"type":"entitlement-sets","id":"3f1b1f1e-0000-4000-8000-000000000000"}});
    let e = block(policies::create(&app, &admin, policies::parse(&policy_body(&product.id, unknown.clone()), true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), pointer(&e).as_deref()), (422, "ENTITLEMENT_SET_NOT_FOUND", Some("/data/relationships/entitlementSet")));
    let e = block(licenses::create(&app, &admin, licenses::parse(&license_body(&policy.id, unknown), true).unwrap())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), pointer(&e).as_deref()), (422, "ENTITLEMENT_SET_NOT_FOUND", Some("/data/relationships/entitlementSet")));

    // Another account's set is unknown here.
    env.clock.advance(1);
    let other = env.admin();
    let theirs = new_set(&env, &other, "Theirs");
    let e = block(licenses::create(
        &app,
        &admin,
        licenses::parse(&license_body(&policy.id, json!({"data":{"type":"entitlement-sets","id":theirs}})), true).unwrap(),
    ))
    .unwrap_err();
    assert_eq!(e.code, "ENTITLEMENT_SET_NOT_FOUND");

    // Malformed relationships are 400 with the member's pointer.
    let cases = [
        (json!({"data":{"type":"policies","id":"x"}}), "/data/relationships/entitlementSet/data/type"),
        (json!({"data":[]}), "/data/relationships/entitlementSet/data"),
        (json!("pro"), "/data/relationships/entitlementSet"),
        (json!({}), "/data/relationships/entitlementSet/data"),
    ];
    for (rel, ptr) in cases {
        let e = licenses::parse(&license_body(&policy.id, rel.clone()), true).unwrap_err();
        assert_eq!((e.status, pointer(&e).as_deref()), (400, Some(ptr)), "license {rel}");
        let e = policies::parse(&policy_body(&product.id, rel.clone()), true).unwrap_err();
        assert_eq!((e.status, pointer(&e).as_deref()), (400, Some(ptr)), "policy {rel}");
    }
    // PATCH changes a set through its relationship endpoint only.
    let set = new_set(&env, &admin, "Pro");
    let patch = json!({"data":{"type":"licenses","relationships":{"entitlementSet":{"data":{"type":"entitlement-sets","id":set}}}}}).to_string();
    let e = licenses::parse(patch.as_bytes(), false).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_deref()), ("PARAMETER_UNPERMITTED", Some("/data/relationships/entitlementSet")));
    let patch = json!({"data":{"type":"policies","relationships":{"entitlementSet":{"data":{"type":"entitlement-sets","id":set}}}}}).to_string();
    let e = policies::parse(patch.as_bytes(), false).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_deref()), ("PARAMETER_UNPERMITTED", Some("/data/relationships/entitlementSet")));

    assert_eq!((count(&env, "policies"), count(&env, "licenses")), (policies_before, licenses_before), "nothing written");
    assert_eq!(created(&env), events_before, "no creation event");
}

#[test]
fn a_user_may_not_name_an_entitlement_set() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let set = new_set(&env, &admin, "Pro");
    let body = json!({"data":{"type":"users","attributes":{"email":"u@acme.test","password":"correct horse"}}}).to_string();
    let u = block(shared::service::identity::users::create(&app, &admin, shared::service::identity::users::parse(body.as_bytes(), true).unwrap())).unwrap();
    let user = Caller { bearer: Bearer::User { user_id: u.id.clone() }, ..admin.clone() };
    let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy.id}},
        "owner":{"data":{"type":"users","id":u.id}},"entitlementSet":{"data":{"type":"entitlement-sets","id":set}}}}})
    .to_string();
    let e = block(licenses::create(&app, &user, licenses::parse(body.as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(count(&env, "licenses"), 0);
}

/// The creation batch itself refuses a set that is gone (the race between the check and the
/// batch): the foreign key aborts every statement of it.
#[test]
fn a_set_deleted_before_the_batch_aborts_the_whole_creation() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let acc = admin.account.id.clone();
    let insert = Stmt::new(
        shared::store::sql::policies::INSERT,
        vec!["p-1".into(), acc.clone().into(), product.id.clone().into(), "P".into(), "{}".into(), "{}".into(), 1.into()],
    );
    let attach = sets::attach_on_create(sets::NewHolder::Policy, &acc, "p-1", "no-such-set");
    assert!(block(env.db.batch(vec![insert.clone(), attach])).is_err());
    assert_eq!(count(&env, "policies"), 0, "the insert rolled back with the attach");
    // With a conflicting id the attach follows the insert's `changes()` and touches no policy.
    let set = new_set(&env, &admin, "Pro");
    block(env.db.batch(vec![insert.clone()])).unwrap();
    let res = block(env.db.batch(vec![insert, sets::attach_on_create(sets::NewHolder::Policy, &acc, "p-1", &set)])).unwrap();
    assert_eq!(res.iter().map(|r| r.changes).collect::<Vec<_>>(), [0, 0]);
    let rows = block(env.db.query("SELECT entitlement_set_id FROM policies WHERE id = 'p-1'", &[])).unwrap();
    assert_eq!(rows[0]["entitlement_set_id"], Value::Null);
}
