//! Keygen's list scopes on users and machines (issue 8, `has_scope` in keygen-api's
//! `users_controller.rb` / `machines_controller.rb`) on SQLite with the real migrations: users
//! list the account's users and not its staff unless `roles[]` names them; `metadata[key]`,
//! `license`, `group` and `assigned` on users; `metadata[key]`, `ip` and `hostname` on machines.

use serde_json::json;
use shared::api::query::Query;
use shared::service::fleet::machines;
use shared::service::identity::users;
use shared::service::Caller;
use shared::store::rows::UserRow;

use crate::machines::activate;
use crate::support::{block, Env};

fn user(env: &Env, admin: &Caller, email: &str, role: &str, metadata: serde_json::Value) -> UserRow {
    let body = json!({"data":{"type":"users","attributes":{"email":email,"role":role,"metadata":metadata}}});
    block(users::create(&env.app(), admin, users::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
}

fn emails(env: &Env, admin: &Caller, q: &str) -> Vec<String> {
    let (rows, n, _) = block(users::list(&env.app(), admin, &Query::parse(q))).unwrap();
    assert_eq!(n as usize, rows.len(), "{q}: count and page agree");
    let mut e: Vec<String> = rows.into_iter().map(|u| u.email).collect();
    e.sort();
    e
}

#[test]
fn users_list_users_not_staff_unless_roles_name_them_and_take_keygens_scopes() {
    let env = Env::new();
    let admin = env.admin();
    user(&env, &admin, "dev@x.test", "developer", json!({}));
    let a = user(&env, &admin, "a@x.test", "user", json!({"tier": "pro", "seats": 3}));
    let b = user(&env, &admin, "b@x.test", "user", json!({"tier": "free"}));
    user(&env, &admin, "org@x.test", "organization-admin", json!({}));
    // Keygen's default: users (Cryptlex's customer admins are users too), no staff.
    assert_eq!(emails(&env, &admin, ""), ["a@x.test", "b@x.test", "org@x.test"]);
    let staff = emails(&env, &admin, "roles[]=developer&roles[]=admin");
    assert!(staff.contains(&"dev@x.test".to_owned()) && !staff.contains(&"a@x.test".to_owned()), "{staff:?}");
    // metadata[key]: every pair must match, as text (a number too).
    assert_eq!(emails(&env, &admin, "metadata[tier]=pro"), ["a@x.test"]);
    assert_eq!(emails(&env, &admin, "metadata[tier]=pro&metadata[seats]=3"), ["a@x.test"]);
    assert!(emails(&env, &admin, "metadata[tier]=pro&metadata[seats]=4").is_empty());
    // license (id or key): its owner and its licensees; assigned: owns or holds any license.
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({}));
    let l = env.license(&admin, &pol, json!({}));
    let attach = json!({"data":[{"type":"users","id":a.id}]});
    block(shared::service::licensing::licensees::attach(&env.app(), &admin, &l.id, attach.to_string().as_bytes())).unwrap();
    assert_eq!(emails(&env, &admin, &format!("license={}", l.id)), ["a@x.test"]);
    assert_eq!(emails(&env, &admin, &format!("license={}", l.key)), ["a@x.test"]);
    assert_eq!(emails(&env, &admin, "assigned=true"), ["a@x.test"]);
    assert_eq!(emails(&env, &admin, "active=false"), ["b@x.test", "org@x.test"]);
    // group.
    use shared::service::catalogue::groups;
    let g = block(groups::create(&env.app(), &admin, groups::parse(br#"{"data":{"type":"groups","attributes":{"name":"G"}}}"#, true).unwrap())).unwrap();
    let to_group = json!({"data":{"type":"groups","id":g.id}});
    block(groups::set_user_group(&env.app(), &admin, &b.id, to_group.to_string().as_bytes())).unwrap();
    assert_eq!(emails(&env, &admin, &format!("group={}", g.id)), ["b@x.test"]);
    // Bad values are precise 400s.
    for (q, param) in [("assigned=maybe", "assigned"), ("metadata[bad key]=1", "metadata[bad key]"), ("roles[]=boss", "roles[]")] {
        let e = block(users::list(&env.app(), &admin, &Query::parse(q))).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"), "{q}");
        assert!(format!("{:?}", e.source).contains(param), "{q}: {:?}", e.source);
    }
}

#[test]
fn machines_take_keygens_metadata_ip_and_hostname_scopes() {
    let env = Env::new();
    let admin = env.admin();
    let p = env.product(&admin, "App");
    let pol = env.policy(&admin, &p, json!({"floating": true, "maxMachines": 5}));
    let l = env.license(&admin, &pol, json!({}));
    activate(&env, &admin, &l, json!({"fingerprint": "a", "ip": "10.0.0.1", "hostname": "alpha", "metadata": {"site": "north"}})).unwrap();
    activate(&env, &admin, &l, json!({"fingerprint": "b", "ip": "10.0.0.2", "hostname": "beta", "metadata": {"site": "south"}})).unwrap();
    let fps = |q: &str| {
        let (rows, _, _) = block(machines::list(&env.app(), &admin, &Query::parse(q))).unwrap();
        let mut f: Vec<String> = rows.into_iter().map(|m| m.fingerprint).collect();
        f.sort();
        f
    };
    assert_eq!(fps(""), ["a", "b"]);
    assert_eq!(fps("metadata[site]=south"), ["b"]);
    assert_eq!(fps("ip=10.0.0.1"), ["a"]);
    assert_eq!(fps("hostname=beta"), ["b"]);
    assert!(fps("hostname=beta&ip=10.0.0.1").is_empty());
}
