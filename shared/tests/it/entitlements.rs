//! Entitlements, groups and licensees on SQLite.

use serde_json::json;
use shared::api::query::Query;
use shared::service::{catalogue::entitlements, catalogue::groups, licensing::licensees, licensing::relations, Bearer, Caller};

use crate::support::{block, Env};

fn ids(ids: &[&str]) -> Vec<u8> {
    let data: Vec<_> = ids.iter().map(|id| json!({"type": "entitlements", "id": id})).collect();
    json!({ "data": data }).to_string().into_bytes()
}

fn pointer(e: &shared::Error) -> String {
    match &e.source {
        Some(shared::error::Source::Pointer(p)) => p.clone(),
        _ => String::new(),
    }
}

fn new_entitlement(env: &Env, admin: &Caller, code: &str) -> shared::store::rows::EntitlementRow {
    let body = json!({"data":{"type":"entitlements","attributes":{"name":code,"code":code}}}).to_string();
    block(entitlements::create(&env.app(), admin, entitlements::parse(body.as_bytes(), true).unwrap())).unwrap()
}

#[test]
fn codes_are_unique_per_account_on_create_and_update() {
    let env = Env::new();
    let admin = env.admin();
    let a = new_entitlement(&env, &admin, "A");
    new_entitlement(&env, &admin, "B");
    let dup = json!({"data":{"type":"entitlements","attributes":{"name":"x","code":"A"}}}).to_string();
    let e = block(entitlements::create(&env.app(), &admin, entitlements::parse(dup.as_bytes(), true).unwrap())).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("CODE_TAKEN", "/data/attributes/code"));
    let upd = json!({"data":{"type":"entitlements","attributes":{"code":"B"}}}).to_string();
    let e = block(entitlements::update(&env.app(), &admin, &a.id, entitlements::parse(upd.as_bytes(), false).unwrap())).unwrap_err();
    assert_eq!(e.code, "CODE_TAKEN");
    assert_eq!(block(entitlements::show(&env.app(), &admin, "A")).unwrap().id, a.id, "found by code");
    let created = env.events().into_iter().filter(|(e, _)| e == "entitlement.created").count();
    assert_eq!(created, 2);
    assert!(env.events().iter().all(|(e, _)| e != "entitlement.updated"), "a refused update records nothing");
}

#[test]
fn attach_and_detach_on_policies_and_licenses() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let (a, b) = (new_entitlement(&env, &admin, "A"), new_entitlement(&env, &admin, "B"));
    let app = env.app();
    block(entitlements::attach_to_policy(&app, &admin, &policy.id, &ids(&[&a.id]))).unwrap();
    let e = block(entitlements::attach_to_policy(&app, &admin, &policy.id, &ids(&[&b.id, &a.id]))).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("ENTITLEMENT_TAKEN", "/data/1"));
    let e = block(relations::attach_entitlements(&app, &admin, &l.id, &ids(&[&b.id, "00000000-0000-4000-8000-000000000000"]))).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("ENTITLEMENT_NOT_FOUND", "/data/1"));
    let e = block(relations::attach_entitlements(&app, &admin, &l.id, &ids(&[&b.id, &b.id]))).unwrap_err();
    assert_eq!(e.code, "ENTITLEMENT_TAKEN");
    let (rows, n, _) = block(relations::entitlements_of_license(&app, &admin, &l.id, &Query::default())).unwrap();
    assert_eq!((rows.len(), n), (1, 1), "nothing was attached by the refused requests");
    block(relations::attach_entitlements(&app, &admin, &l.id, &ids(&[&b.id]))).unwrap();
    let (rows, _, _) = block(relations::entitlements_of_license(&app, &admin, &l.id, &Query::default())).unwrap();
    let mut codes: Vec<String> = rows.into_iter().map(|e| e.code).collect();
    codes.sort();
    assert_eq!(codes, ["A", "B"], "license entitlements are its own and its policy's");

    let e = block(relations::detach_entitlements(&app, &admin, &l.id, &ids(&[&a.id]))).unwrap_err();
    assert_eq!((e.status, pointer(&e).as_str()), (403, "/data/0"));
    block(relations::detach_entitlements(&app, &admin, &l.id, &ids(&[&b.id]))).unwrap();
    let e = block(relations::detach_entitlements(&app, &admin, &l.id, &ids(&[&b.id]))).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "UNPROCESSABLE_ENTITY"));
    block(entitlements::detach_from_policy(&app, &admin, &policy.id, &ids(&[&a.id]))).unwrap();
    assert_eq!(block(relations::entitlements_of_license(&app, &admin, &l.id, &Query::default())).unwrap().1, 0);
    let names: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.contains(".entitlements.")).collect();
    assert_eq!(names, ["policy.entitlements.attached", "license.entitlements.attached", "license.entitlements.detached", "policy.entitlements.detached"]);
    let e = block(entitlements::attach_to_policy(&app, &admin, &policy.id, b"{\"data\":[]}")).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_INVALID"));
}

fn user(env: &Env, admin: &Caller, email: &str) -> String {
    let body = json!({"data":{"type":"users","attributes":{"email":email}}}).to_string();
    block(shared::service::identity::users::create(&env.app(), admin, shared::service::identity::users::parse(body.as_bytes(), true).unwrap())).unwrap().id
}

fn users_body(ids: &[&str]) -> Vec<u8> {
    let data: Vec<_> = ids.iter().map(|id| json!({"type": "users", "id": id})).collect();
    json!({ "data": data }).to_string().into_bytes()
}

#[test]
fn licensees_respect_max_users_all_or_nothing() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"maxUsers": 2}));
    let l = env.license(&admin, &policy, json!({}));
    let (u1, u2, u3) = (user(&env, &admin, "a@x.test"), user(&env, &admin, "b@x.test"), user(&env, &admin, "c@x.test"));
    let app = env.app();
    let e = block(licensees::attach(&app, &admin, &l.id, &users_body(&[&u1, &u2, &u3]))).unwrap_err();
    assert_eq!(e.code, "USER_LIMIT_EXCEEDED");
    assert_eq!(block(licensees::list(&app, &admin, &l.id, &Query::default())).unwrap().1, 0, "nothing attached");
    block(licensees::attach(&app, &admin, &l.id, &users_body(&[&u1, &u2]))).unwrap();
    let e = block(licensees::attach(&app, &admin, &l.id, &users_body(&[&u3]))).unwrap_err();
    assert_eq!(e.code, "USER_LIMIT_EXCEEDED");
    let e = block(licensees::attach(&app, &admin, &l.id, &users_body(&[&u1]))).unwrap_err();
    assert_eq!((e.code.as_ref(), pointer(&e).as_str()), ("USER_TAKEN", "/data/0"));
    block(licensees::detach(&app, &admin, &l.id, &users_body(&[&u2]))).unwrap();
    block(licensees::attach(&app, &admin, &l.id, &users_body(&[&u3]))).unwrap();
    assert_eq!(env.events().iter().filter(|(e, _)| e == "license.users.attached").count(), 2);
}

#[test]
fn groups_hold_at_most_their_limits() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let (l1, l2) = (env.license(&admin, &policy, json!({})), env.license(&admin, &policy, json!({})));
    let app = env.app();
    let body = br#"{"data":{"type":"groups","attributes":{"name":"Team","maxLicenses":1,"maxUsers":1}}}"#;
    let g = block(groups::create(&app, &admin, groups::parse(body, true).unwrap())).unwrap();
    let to = |id: &str| json!({"data":{"type":"groups","id":id}}).to_string().into_bytes();
    assert_eq!(block(relations::set_license_group(&app, &admin, &l1.id, &to(&g.id))).unwrap().group_id.as_deref(), Some(g.id.as_str()));
    assert_eq!(block(relations::set_license_group(&app, &admin, &l1.id, &to(&g.id))).unwrap().group_id.as_deref(), Some(g.id.as_str()), "re-setting is fine");
    let e = block(relations::set_license_group(&app, &admin, &l2.id, &to(&g.id))).unwrap_err();
    assert_eq!(e.code, "GROUP_LICENSE_LIMIT_EXCEEDED");
    let e = block(relations::set_license_group(&app, &admin, &l2.id, &to("00000000-0000-4000-8000-000000000000"))).unwrap_err();
    assert_eq!(e.code, "GROUP_NOT_FOUND");
    let (u1, u2) = (user(&env, &admin, "a@x.test"), user(&env, &admin, "b@x.test"));
    block(groups::set_user_group(&app, &admin, &u1, &to(&g.id))).unwrap();
    assert_eq!(block(groups::set_user_group(&app, &admin, &u2, &to(&g.id))).unwrap_err().code, "GROUP_USER_LIMIT_EXCEEDED");
    let (ls, n, _) = block(relations::licenses_of_group(&app, &admin, &g.id, &Query::default())).unwrap();
    assert_eq!((ls.len(), n, ls[0].id.as_str()), (1, 1, l1.id.as_str()));
    assert_eq!(block(groups::users(&app, &admin, &g.id, &Query::default())).unwrap().1, 1);
    let licensee = Caller { account: admin.account.clone(), bearer: Bearer::License { license_id: l1.id.clone() }, token_id: None, permissions: None };
    // Keygen's `GroupPolicy` (issue 8): a license reads its own group, not another's.
    assert_eq!(block(groups::show(&app, &licensee, &g.id)).unwrap().id, g.id);
    let other = Caller { bearer: Bearer::License { license_id: l2.id.clone() }, ..licensee.clone() };
    assert_eq!(block(groups::show(&app, &other, &g.id)).unwrap_err().code, "NOT_FOUND");
    block(groups::delete(&app, &admin, &g.id)).unwrap();
    let l = block(shared::service::licensing::licenses::find(&app, admin.account_id(), &l1.id)).unwrap().unwrap();
    assert_eq!(l.group_id, None, "members leave a deleted group");
    assert_eq!(env.events().iter().filter(|(e, _)| e == "license.group.updated").count(), 2);
}
