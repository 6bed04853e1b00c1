//! Group owners (issue 8) and the per-child reads of Keygen's licensing core, on SQLite: owners
//! attach all or none, a group owner reads all of the group's licenses, machines and users (and
//! nothing outside it), members read the group and its owners only; and a group named on
//! license create, within its `maxLicenses`.

use serde_json::json;
use shared::api::query::Query;
use shared::service::catalogue::{entitlements, group_owners, groups};
use shared::service::identity::users;
use shared::service::licensing::{license_actions, licensees, related, relations};
use shared::service::{Bearer, Caller};
use shared::store::rows::{GroupRow, LicenseRow, UserRow};

use crate::machines::activate;
use crate::support::{block, Env};

fn as_bearer(admin: &Caller, bearer: Bearer) -> Caller {
    Caller { account: admin.account.clone(), bearer, token_id: None, permissions: None }
}

fn as_user(admin: &Caller, u: &UserRow) -> Caller {
    as_bearer(admin, Bearer::User { user_id: u.id.clone() })
}

fn user(env: &Env, admin: &Caller, email: &str) -> UserRow {
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"long enough"}}});
    block(users::create(&env.app(), admin, users::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
}

fn users_body(ids: &[&str]) -> Vec<u8> {
    let data: Vec<_> = ids.iter().map(|id| json!({"type": "users", "id": id})).collect();
    json!({ "data": data }).to_string().into_bytes()
}

fn to_one(ty: &str, id: &str) -> Vec<u8> {
    json!({"data":{"type":ty,"id":id}}).to_string().into_bytes()
}

fn group(env: &Env, admin: &Caller) -> GroupRow {
    block(groups::create(&env.app(), admin, groups::parse(br#"{"data":{"type":"groups","attributes":{"name":"Team"}}}"#, true).unwrap())).unwrap()
}

fn owned_by(env: &Env, admin: &Caller, l: &LicenseRow, u: &UserRow) {
    block(license_actions::change_owner(&env.app(), admin, &l.id, &to_one("users", &u.id))).unwrap();
}

fn pointer(e: &shared::Error) -> String {
    match &e.source {
        Some(shared::error::Source::Pointer(p)) => p.clone(),
        _ => String::new(),
    }
}

#[test]
fn owners_attach_all_or_none_and_detach_only_what_is_attached() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let g = group(&env, &admin);
    let (u, v) = (user(&env, &admin, "u@acme.test"), user(&env, &admin, "v@acme.test"));
    let got = block(group_owners::attach(&app, &admin, &g.id, &users_body(&[&u.id]))).unwrap();
    assert_eq!(got.iter().map(|o| (o.group_id.as_str(), o.user_id.as_str())).collect::<Vec<_>>(), vec![(g.id.as_str(), u.id.as_str())]);
    assert!(env.events().contains(&("group.owners.attached".into(), g.id.clone())));
    // Already an owner, named twice, or no such user: 422 at the item, and nothing attached.
    let e = block(group_owners::attach(&app, &admin, &g.id, &users_body(&[&v.id, &u.id]))).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("USER_TAKEN", "/data/1"));
    let e = block(group_owners::attach(&app, &admin, &g.id, &users_body(&[&v.id, &v.id]))).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("USER_TAKEN", "/data/1"));
    let e = block(group_owners::attach(&app, &admin, &g.id, &users_body(&[&v.id, "nobody"]))).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("USER_NOT_FOUND", "/data/1"));
    let (rows, n, _) = block(group_owners::list(&app, &admin, &g.id, &Query::default())).unwrap();
    assert_eq!((n, rows.len(), rows[0].user_id.as_str()), (1, 1, u.id.as_str()), "V was never attached");
    // Shown by its own id or by the user's; someone else's is 404.
    assert_eq!(block(group_owners::show(&app, &admin, &g.id, &rows[0].id)).unwrap().user_id, u.id);
    assert_eq!(block(group_owners::show(&app, &admin, &g.id, &u.id)).unwrap().id, rows[0].id);
    assert_eq!(block(group_owners::show(&app, &admin, &g.id, &v.id)).unwrap_err().status, 404);
    // Detaching one that is not attached is refused whole.
    let e = block(group_owners::detach(&app, &admin, &g.id, &users_body(&[&u.id, &v.id]))).unwrap_err();
    assert_eq!((e.status, pointer(&e).as_str()), (422, "/data/1"));
    assert_eq!(block(group_owners::list(&app, &admin, &g.id, &Query::default())).unwrap().1, 1);
    block(group_owners::detach(&app, &admin, &g.id, &users_body(&[&u.id]))).unwrap();
    assert_eq!(block(group_owners::list(&app, &admin, &g.id, &Query::default())).unwrap().1, 0);
    assert!(env.events().contains(&("group.owners.detached".into(), g.id.clone())));
    // Only admins attach and detach (Keygen lets products too: stricter here).
    let pa = env.product(&admin, "A");
    let prod = as_bearer(&admin, Bearer::Product { product_id: pa.id.clone() });
    assert_eq!(block(group_owners::attach(&app, &prod, &g.id, &users_body(&[&v.id]))).unwrap_err().status, 403);
    assert_eq!(block(group_owners::attach(&app, &as_user(&admin, &u), &g.id, &users_body(&[&u.id]))).unwrap_err().status, 403);
    // Deleting the group removes its owners.
    block(group_owners::attach(&app, &admin, &g.id, &users_body(&[&v.id]))).unwrap();
    block(groups::delete(&app, &admin, &g.id)).unwrap();
    let left = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n FROM group_owners", &[])).unwrap();
    assert_eq!(left[0]["n"].as_i64(), Some(0));
}

#[test]
fn a_group_owner_reads_all_of_the_groups_licenses_machines_and_users_and_nothing_else() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let q = Query::default();
    let g = group(&env, &admin);
    let pa = env.product(&admin, "A");
    let pol = env.policy(&admin, &pa, json!({}));
    let (owner, member, other, w) =
        (user(&env, &admin, "o@acme.test"), user(&env, &admin, "m@acme.test"), user(&env, &admin, "x@acme.test"), user(&env, &admin, "w@acme.test"));
    block(group_owners::attach(&app, &admin, &g.id, &users_body(&[&owner.id]))).unwrap();
    block(groups::set_user_group(&app, &admin, &member.id, &to_one("groups", &g.id))).unwrap();
    // LA (W's) and its machine are in the group; LB (W's too) is not.
    let (la, lb) = (env.license(&admin, &pol, json!({})), env.license(&admin, &pol, json!({})));
    owned_by(&env, &admin, &la, &w);
    owned_by(&env, &admin, &lb, &w);
    block(relations::set_license_group(&app, &admin, &la.id, &to_one("groups", &g.id))).unwrap();
    let ma = activate(&env, &admin, &la, json!({"fingerprint":"fp-a"})).unwrap();
    let mb = activate(&env, &admin, &lb, json!({"fingerprint":"fp-b"})).unwrap();
    block(shared::service::licensing::machine_relations::change_group(&app, &admin, &ma.id, &to_one("groups", &g.id))).unwrap();

    let (o, m, x) = (as_user(&admin, &owner), as_user(&admin, &member), as_user(&admin, &other));
    // The owner: all of the group's licenses, machines and users, though none is its own.
    let (rows, n, _) = block(relations::licenses_of_group(&app, &o, &g.id, &q)).unwrap();
    assert_eq!((n, rows[0].id.as_str()), (1, la.id.as_str()));
    let (rows, n, _) = block(relations::machines_of_group(&app, &o, &g.id, &q)).unwrap();
    assert_eq!((n, rows[0].id.as_str()), (1, ma.id.as_str()));
    let (rows, n, _) = block(groups::users(&app, &o, &g.id, &q)).unwrap();
    assert_eq!((n, rows[0].id.as_str()), (1, member.id.as_str()));
    assert_eq!(block(related::group_license(&app, &o, &g.id, &la.id)).unwrap().id, la.id);
    assert_eq!(block(related::group_machine(&app, &o, &g.id, &ma.id)).unwrap().id, ma.id);
    assert_eq!(block(related::group_user(&app, &o, &g.id, &member.id)).unwrap().id, member.id);
    // … and nothing outside it: LB, MB, W are 404 below the group and at the top level.
    assert_eq!(block(related::group_license(&app, &o, &g.id, &lb.id)).unwrap_err().status, 404);
    assert_eq!(block(related::group_machine(&app, &o, &g.id, &mb.id)).unwrap_err().status, 404);
    assert_eq!(block(related::group_user(&app, &o, &g.id, &w.id)).unwrap_err().status, 404);
    assert_eq!(block(shared::service::licensing::licenses::show(&app, &o, &la.id)).unwrap_err().status, 404, "ownership reads only via the group");
    // A member reads the group and its owners, not its licenses (403, as Keygen: it knows the
    // group); a stranger nothing.
    assert_eq!(block(groups::show(&app, &m, &g.id)).unwrap().id, g.id);
    assert_eq!(block(group_owners::list(&app, &m, &g.id, &q)).unwrap().1, 1);
    assert_eq!(block(relations::licenses_of_group(&app, &m, &g.id, &q)).unwrap_err().status, 403);
    assert_eq!(block(related::group_user(&app, &m, &g.id, &member.id)).unwrap_err().status, 403);
    assert_eq!(block(groups::show(&app, &x, &g.id)).unwrap_err().status, 404);
    assert_eq!(block(group_owners::list(&app, &x, &g.id, &q)).unwrap_err().status, 404);
    assert_eq!(block(relations::machines_of_group(&app, &x, &g.id, &q)).unwrap_err().status, 404);
    // Users list the groups they are in or own; a license its group.
    assert_eq!(block(groups::list(&app, &o, &q)).unwrap().0.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), vec![g.id.clone()]);
    assert_eq!(block(groups::list(&app, &m, &q)).unwrap().1, 1);
    assert_eq!(block(groups::list(&app, &x, &q)).unwrap().1, 0);
    let lic = as_bearer(&admin, Bearer::License { license_id: la.id.clone() });
    assert_eq!(block(groups::show(&app, &lic, &g.id)).unwrap().id, g.id);
    assert_eq!(block(groups::list(&app, &lic, &q)).unwrap().1, 1);
    let lic_b = as_bearer(&admin, Bearer::License { license_id: lb.id.clone() });
    assert_eq!(block(groups::show(&app, &lic_b, &g.id)).unwrap_err().status, 404);
    assert_eq!(block(relations::licenses_of_group(&app, &lic, &g.id, &q)).unwrap_err().status, 403);
    // A token without `group.licenses.read` reads no group licenses, owner or not.
    let narrowed = Caller { permissions: Some(vec!["group.read".into(), "license.read".into()]), ..o.clone() };
    assert_eq!(block(relations::licenses_of_group(&app, &narrowed, &g.id, &q)).unwrap_err().status, 403);
    // Detached, the owner is a stranger again.
    block(group_owners::detach(&app, &admin, &g.id, &users_body(&[&owner.id]))).unwrap();
    assert_eq!(block(relations::licenses_of_group(&app, &o, &g.id, &q)).unwrap_err().status, 404);
}

#[test]
fn per_child_reads_are_the_parents_read_the_childs_and_membership() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let (pa, pb) = (env.product(&admin, "A"), env.product(&admin, "B"));
    let (pol_a, pol_b) = (env.policy(&admin, &pa, json!({})), env.policy(&admin, &pb, json!({})));
    let (u, v) = (user(&env, &admin, "u@acme.test"), user(&env, &admin, "v@acme.test"));
    let (la, lb) = (env.license(&admin, &pol_a, json!({})), env.license(&admin, &pol_b, json!({})));
    owned_by(&env, &admin, &la, &u);
    block(licensees::attach(&app, &admin, &lb.id, &users_body(&[&v.id]))).unwrap();
    let ma = activate(&env, &admin, &la, json!({"fingerprint":"fp-a"})).unwrap();
    let mb = activate(&env, &admin, &lb, json!({"fingerprint":"fp-b"})).unwrap();
    // Users: their licenses' machines and products.
    assert_eq!(block(related::user_machine(&app, &admin, &u.id, &ma.id)).unwrap().id, ma.id);
    assert_eq!(block(related::user_machine(&app, &admin, &u.id, &mb.id)).unwrap_err().status, 404);
    assert_eq!(block(related::user_machine(&app, &admin, &v.id, &mb.id)).unwrap().id, mb.id, "a licensee's machines");
    assert_eq!(block(related::user_product(&app, &admin, &u.id, &pa.id)).unwrap().id, pa.id);
    assert_eq!(block(related::user_product(&app, &admin, &u.id, &pb.id)).unwrap_err().status, 404);
    assert_eq!(block(related::product_user(&app, &admin, &pb.id, &v.id)).unwrap().id, v.id);
    assert_eq!(block(related::product_user(&app, &admin, &pb.id, &u.id)).unwrap_err().status, 404);
    let as_u = as_user(&admin, &u);
    assert_eq!(block(related::user_machine(&app, &as_u, &u.id, &ma.id)).unwrap().id, ma.id);
    assert_eq!(block(related::user_machine(&app, &as_u, &v.id, &mb.id)).unwrap_err().status, 404, "V is not U's to read");
    let prod_b = as_bearer(&admin, Bearer::Product { product_id: pb.id.clone() });
    assert_eq!(block(related::product_user(&app, &prod_b, &pa.id, &u.id)).unwrap_err().status, 404);
    // Licenses: licensees (not the owner) and effective entitlements, by id or code.
    assert_eq!(block(related::license_user(&app, &admin, &lb.id, &v.id)).unwrap().id, v.id);
    assert_eq!(block(related::license_user(&app, &admin, &la.id, &u.id)).unwrap_err().status, 404, "the owner is not a licensee");
    assert_eq!(block(related::license_user(&app, &admin, &la.id, "nobody")).unwrap_err().status, 404);
    let body = json!({"data":{"type":"entitlements","attributes":{"name":"Pro","code":"PRO"}}}).to_string();
    let e = block(entitlements::create(&app, &admin, entitlements::parse(body.as_bytes(), true).unwrap())).unwrap();
    let ent = json!({"data":[{"type":"entitlements","id":e.id}]}).to_string();
    block(entitlements::attach_to_policy(&app, &admin, &pol_a.id, ent.as_bytes())).unwrap();
    assert_eq!(block(related::policy_entitlement(&app, &admin, &pol_a.id, &e.id)).unwrap().id, e.id);
    assert_eq!(block(related::policy_entitlement(&app, &admin, &pol_a.id, "PRO")).unwrap().id, e.id);
    assert_eq!(block(related::policy_entitlement(&app, &admin, &pol_b.id, &e.id)).unwrap_err().status, 404);
    assert_eq!(block(related::license_entitlement(&app, &admin, &la.id, "PRO")).unwrap().id, e.id, "inherited from the policy");
    assert_eq!(block(related::license_entitlement(&app, &admin, &lb.id, &e.id)).unwrap_err().status, 404);
    let lic_b = as_bearer(&admin, Bearer::License { license_id: lb.id.clone() });
    assert_eq!(block(related::license_entitlement(&app, &lic_b, &la.id, &e.id)).unwrap_err().status, 404);
}

#[test]
fn a_license_created_into_a_group_counts_against_max_licenses() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let body = br#"{"data":{"type":"groups","attributes":{"name":"Two","maxLicenses":2}}}"#;
    let g = block(groups::create(&app, &admin, groups::parse(body, true).unwrap())).unwrap();
    let pa = env.product(&admin, "A");
    let pol = env.policy(&admin, &pa, json!({}));
    let create = |caller: &Caller, group: &str| {
        let b = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol.id}},"group":{"data":{"type":"groups","id":group}}}}});
        block(shared::service::licensing::licenses::create(&app, caller, shared::service::licensing::licenses::parse(b.to_string().as_bytes(), true).unwrap()))
    };
    let l1 = create(&admin, &g.id).unwrap();
    assert_eq!(l1.group_id.as_deref(), Some(g.id.as_str()));
    let prod = as_bearer(&admin, Bearer::Product { product_id: pa.id.clone() });
    assert_eq!(create(&prod, &g.id).unwrap().group_id.as_deref(), Some(g.id.as_str()), "the policy's product may name a group");
    let e = create(&admin, &g.id).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("GROUP_LICENSE_LIMIT_EXCEEDED", "/data/relationships/group"));
    let e = create(&admin, "no-such-group").unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("GROUP_NOT_FOUND", "/data/relationships/group"));
    // A user creating its own license may not name a group (a restricted attribute, as limits).
    let u = user(&env, &admin, "u@acme.test");
    let b = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol.id}},
        "owner":{"data":{"type":"users","id":u.id}},"group":{"data":{"type":"groups","id":g.id}}}}});
    let parsed = shared::service::licensing::licenses::parse(b.to_string().as_bytes(), true).unwrap();
    assert_eq!(block(shared::service::licensing::licenses::create(&app, &as_user(&admin, &u), parsed)).unwrap_err().status, 403);
    let (_, n, _) = block(relations::licenses_of_group(&app, &admin, &g.id, &Query::default())).unwrap();
    assert_eq!(n, 2, "nothing past the limit was written");
}
