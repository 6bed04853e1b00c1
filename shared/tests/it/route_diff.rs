//! Route diff (issue 8) on SQLite with the real migrations: a policy's pool reads and
//! `POST /users` with `relationships.group` (the group's `maxUsers` held by the guarded insert,
//! nothing written when refused).

use serde_json::json;
use shared::api::query::Query;
use shared::service::{catalogue::groups, catalogue::keys, identity::users, Caller};

use crate::support::{block, Env};

fn create_user(env: &Env, caller: &Caller, email: &str, group: serde_json::Value) -> Result<shared::store::rows::UserRow, shared::Error> {
    let body = json!({"data":{"type":"users","attributes":{"email":email},"relationships":{"group":{"data":group}}}}).to_string();
    block(users::create(&env.app(), caller, users::parse(body.as_bytes(), true)?))
}

#[test]
fn a_user_created_into_a_group_counts_against_its_max_users() {
    let env = Env::new();
    let admin = env.admin();
    let body = json!({"data":{"type":"groups","attributes":{"name":"One","maxUsers":1}}}).to_string();
    let g = block(groups::create(&env.app(), &admin, groups::parse(body.as_bytes(), true).unwrap())).unwrap();
    let u = create_user(&env, &admin, "first@acme.test", json!({"type":"groups","id":g.id})).unwrap();
    assert_eq!(u.group_id.as_deref(), Some(g.id.as_str()));
    let e = create_user(&env, &admin, "second@acme.test", json!({"type":"groups","id":g.id})).unwrap_err();
    assert_eq!((e.status, e.code.to_string()), (422, "GROUP_USER_LIMIT_EXCEEDED".to_owned()));
    assert!(block(users::find(&env.app(), admin.account_id(), "second@acme.test")).unwrap().is_none(), "nothing written");
    let e = create_user(&env, &admin, "third@acme.test", json!({"type":"groups","id":"00000000-0000-4000-8000-000000000000"})).unwrap_err();
    assert_eq!(e.code.to_string(), "GROUP_NOT_FOUND");
    // Taken email wins over a full group; update does not take a group (400).
    let e = create_user(&env, &admin, "first@acme.test", json!({"type":"groups","id":g.id})).unwrap_err();
    assert_eq!(e.code.to_string(), "EMAIL_TAKEN");
    let upd = json!({"data":{"type":"users","relationships":{"group":{"data":{"type":"groups","id":g.id}}}}}).to_string();
    assert_eq!(users::parse(upd.as_bytes(), false).unwrap_err().status, 400);
    assert!(create_user(&env, &admin, "fourth@acme.test", serde_json::Value::Null).unwrap().group_id.is_none());
}

#[test]
fn a_policys_pool_is_its_keys_only() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let (pooled, other) = (env.policy(&admin, &product, json!({"usePool": true})), env.policy(&admin, &product, json!({"usePool": true})));
    let add = |p: &str, k: &str| {
        let body = json!({"data":{"type":"keys","attributes":{"key":k},"relationships":{"policy":{"data":{"type":"policies","id":p}}}}}).to_string();
        block(keys::create(&env.app(), &admin, keys::parse(body.as_bytes(), true).unwrap())).unwrap()
    };
    let (a, b) = (add(&pooled.id, "POOLED-KEY-A"), add(&other.id, "POOLED-KEY-B"));
    let (rows, n, _) = block(keys::pool(&env.app(), &admin, &pooled.id, &Query::default())).unwrap();
    assert_eq!((n, rows.iter().map(|k| k.id.as_str()).collect::<Vec<_>>()), (1, vec![a.id.as_str()]));
    assert_eq!(block(keys::pool_key(&env.app(), &admin, &pooled.id, &a.id)).unwrap().key, "POOLED-KEY-A");
    assert_eq!(block(keys::pool_key(&env.app(), &admin, &pooled.id, &b.id)).unwrap_err().status, 404);
    assert_eq!(block(keys::pool(&env.app(), &admin, "nope", &Query::default())).unwrap_err().status, 404);
}
