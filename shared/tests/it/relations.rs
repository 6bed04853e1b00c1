//! Relationship routes on SQLite: the relation is the parent's read plus the child's own
//! (scoped) list, and the machine owner/group writes keep activation's rules.

use serde_json::json;
use shared::api::query::Query;
use shared::domain::states::BearerType;
use shared::error::Source;
use shared::service::identity::{tokens, users};
use shared::service::licensing::{license_actions, licenses, machine_relations, related};
use shared::service::{catalogue::groups, Bearer, Caller};
use shared::store::rows::{LicenseRow, UserRow};

use crate::machines::activate;
use crate::support::{block, Env};

fn as_bearer(admin: &Caller, bearer: Bearer) -> Caller {
    Caller { account: admin.account.clone(), bearer, token_id: None, permissions: None }
}

fn user(env: &Env, admin: &Caller, email: &str) -> UserRow {
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"long enough"}}});
    block(users::create(&env.app(), admin, users::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
}

fn set_owner(env: &Env, admin: &Caller, l: &LicenseRow, u: &UserRow) {
    let body = json!({"data":{"type":"users","id":u.id}}).to_string();
    block(license_actions::change_owner(&env.app(), admin, &l.id, body.as_bytes())).unwrap();
}

fn ids<T>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| id(r).to_owned()).collect()
}

#[test]
fn relation_lists_are_the_parents_read_and_the_childs_scoped_list() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let (pa, pb) = (env.product(&admin, "A"), env.product(&admin, "B"));
    let (pol_a, pol_b) = (env.policy(&admin, &pa, json!({})), env.policy(&admin, &pb, json!({})));
    let (u, v) = (user(&env, &admin, "u@acme.test"), user(&env, &admin, "v@acme.test"));
    let (la, lb) = (env.license(&admin, &pol_a, json!({})), env.license(&admin, &pol_b, json!({})));
    set_owner(&env, &admin, &la, &u);
    set_owner(&env, &admin, &lb, &u);
    let q = Query::default();
    // The products of a user: both, for an admin; only its own for product A.
    let (rows, n, _) = block(related::user_products(&app, &admin, &u.id, &q)).unwrap();
    assert_eq!((n, rows.len()), (2, 2));
    let prod_a = as_bearer(&admin, Bearer::Product { product_id: pa.id.clone() });
    let (rows, n, _) = block(related::user_products(&app, &prod_a, &u.id, &q)).unwrap();
    assert_eq!((ids(&rows, |p| &p.id), n), (vec![pa.id.clone()], 1));
    // V owns nothing: no products; and V's products are not U's to read.
    assert_eq!(block(related::user_products(&app, &admin, &v.id, &q)).unwrap().1, 0);
    let as_v = as_bearer(&admin, Bearer::User { user_id: v.id.clone() });
    assert_eq!(block(related::user_products(&app, &as_v, &u.id, &q)).err().map(|e| e.status), Some(404));
    // A user reads its own products though `ProductRead` is not a user's: the parent's read.
    let as_u = as_bearer(&admin, Bearer::User { user_id: u.id.clone() });
    assert_eq!(block(related::user_products(&app, &as_u, &u.id, &q)).unwrap().1, 2);
    // The users of a product: U (not V); product B may not read product A's.
    let (rows, _, _) = block(related::product_users(&app, &admin, &pa.id, &q)).unwrap();
    assert_eq!(ids(&rows, |u| &u.id), vec![u.id.clone()]);
    let prod_b = as_bearer(&admin, Bearer::Product { product_id: pb.id.clone() });
    assert_eq!(block(related::product_users(&app, &prod_b, &pa.id, &q)).err().map(|e| e.status), Some(404));
    // A per-child read is the parent's, the child's and membership: LB is U's but not policy A's.
    assert_eq!(block(related::user_license(&app, &admin, &u.id, &lb.id)).unwrap().id, lb.id);
    assert_eq!(block(related::user_license(&app, &admin, &v.id, &lb.id)).err().map(|e| e.status), Some(404));
    assert_eq!(block(related::policy_license(&app, &admin, &pol_a.id, &lb.id)).err().map(|e| e.status), Some(404));
    assert_eq!(block(related::product_license(&app, &prod_a, &pa.id, &lb.id)).err().map(|e| e.status), Some(404));
    assert_eq!(block(related::product_license(&app, &prod_a, &pa.id, &la.id)).unwrap().id, la.id);
    // A caller's own filter never widens the relation: `?policy=` of another policy is replaced.
    let hostile = Query(vec![("policy".into(), pol_b.id.clone())]);
    let (rows, _, _) = block(related::policy_licenses(&app, &admin, &pol_a.id, &hostile)).unwrap();
    assert_eq!(ids(&rows, |l| &l.id), vec![la.id.clone()]);
    let (rows, _, _) = block(related::user_licenses(&app, &prod_a, &u.id, &q)).unwrap();
    assert_eq!(ids(&rows, |l| &l.id), vec![la.id.clone()]);
}

#[test]
fn a_bearers_tokens_are_the_admins_or_its_own() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let pa = env.product(&admin, "A");
    let pol = env.policy(&admin, &pa, json!({}));
    let u = user(&env, &admin, "u@acme.test");
    let l = env.license(&admin, &pol, json!({}));
    set_owner(&env, &admin, &l, &u);
    block(users::create_token(&app, &admin, &u.id, Default::default())).unwrap();
    let prod_a = as_bearer(&admin, Bearer::Product { product_id: pa.id.clone() });
    block(tokens::issue(&app, &admin, BearerType::Product, &pa.id, shared::access::Kind::Product, Default::default())).unwrap();
    let q = Query::default();
    let (rows, _, _) = block(related::bearer_tokens(&app, &admin, ("users", &u.id), &q)).unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|t| t.bearer_id == u.id), "{rows:?}");
    // Product A may read U, but U's tokens are not its own: 404, never product A's tokens.
    assert_eq!(block(related::bearer_tokens(&app, &prod_a, ("users", &u.id), &q)).err().map(|e| e.status), Some(404));
    let (rows, _, _) = block(related::bearer_tokens(&app, &prod_a, ("products", &pa.id), &q)).unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|t| t.bearer_id == pa.id));
    let as_u = as_bearer(&admin, Bearer::User { user_id: u.id.clone() });
    let (rows, _, _) = block(related::bearer_tokens(&app, &as_u, ("users", &u.id), &q)).unwrap();
    let (mine, _, _) = block(tokens::list(&app, &as_u, &q)).unwrap();
    assert_eq!(rows.len(), mine.len());
}

#[test]
fn machine_owner_and_group_keep_activations_rules() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let pa = env.product(&admin, "A");
    let pol = env.policy(&admin, &pa, json!({"floating": true, "maxMachines": 5}));
    let (u, v) = (user(&env, &admin, "u@acme.test"), user(&env, &admin, "v@acme.test"));
    let l = env.license(&admin, &pol, json!({}));
    set_owner(&env, &admin, &l, &u);
    let m = activate(&env, &admin, &l, json!({"fingerprint": "fp-1"})).unwrap();
    let m2 = activate(&env, &admin, &l, json!({"fingerprint": "fp-2"})).unwrap();
    let body = |ty: &str, id: &str| json!({"data":{"type":ty,"id":id}}).to_string();
    // A stranger to the license never owns its machine; nor does an unknown user.
    let e = block(machine_relations::change_owner(&app, &admin, &m.id, body("users", &v.id).as_bytes())).unwrap_err();
    assert_eq!((e.status, e.code.as_ref(), e.source.clone()), (422, "OWNER_INVALID", Some(Source::Pointer("/data".into()))));
    let e = block(machine_relations::change_owner(&app, &admin, &m.id, body("users", "nobody@acme.test").as_bytes())).unwrap_err();
    assert_eq!(e.code, "OWNER_NOT_FOUND");
    assert_eq!(block(licenses::find(&app, admin.account_id(), &l.id)).unwrap().map(|l| l.owner_id), Some(Some(u.id.clone())));
    // The license's owner: yes (by email too), with `machine.owner.updated`; `null` clears.
    let got = block(machine_relations::change_owner(&app, &admin, &m.id, body("users", "u@acme.test").as_bytes())).unwrap();
    assert_eq!(got.owner_id.as_deref(), Some(u.id.as_str()));
    assert!(env.events().contains(&("machine.owner.updated".into(), m.id.clone())));
    let got = block(machine_relations::change_owner(&app, &admin, &m.id, br#"{"data":null}"#)).unwrap();
    assert_eq!(got.owner_id, None);
    // A user (even the owner) may not move machines between groups or change their owner.
    let as_u = as_bearer(&admin, Bearer::User { user_id: u.id.clone() });
    let gb = json!({"data":{"type":"groups","attributes":{"name":"G","maxMachines":1}}}).to_string();
    let g = block(groups::create(&app, &admin, groups::parse(gb.as_bytes(), true).unwrap())).unwrap();
    assert_eq!(block(machine_relations::change_group(&app, &as_u, &m.id, body("groups", &g.id).as_bytes())).unwrap_err().status, 403);
    assert_eq!(block(machine_relations::change_owner(&app, &as_u, &m.id, body("users", &u.id).as_bytes())).unwrap_err().status, 403);
    // The group's limit holds: one machine fits, the second does not (and is not moved).
    let got = block(machine_relations::change_group(&app, &admin, &m.id, body("groups", &g.id).as_bytes())).unwrap();
    assert_eq!(got.group_id.as_deref(), Some(g.id.as_str()));
    assert!(env.events().contains(&("machine.group.updated".into(), m.id.clone())));
    let e = block(machine_relations::change_group(&app, &admin, &m2.id, body("groups", &g.id).as_bytes())).unwrap_err();
    assert_eq!((e.code.as_ref(), e.source.clone()), ("GROUP_MACHINE_LIMIT_EXCEEDED", Some(Source::Pointer("/data".into()))));
    assert_eq!(block(related::machine_group(&app, &admin, &m2.id)).unwrap().map(|g| g.id), None);
    assert_eq!(block(related::machine_group(&app, &admin, &m.id)).unwrap().map(|g| g.id), Some(g.id.clone()));
    let e = block(machine_relations::change_group(&app, &admin, &m.id, body("groups", "nope").as_bytes())).unwrap_err();
    assert_eq!(e.code, "GROUP_NOT_FOUND");
}
