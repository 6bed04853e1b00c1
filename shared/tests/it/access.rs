//! The security findings of "Safe to expose", each through the access table on SQLite.

use serde_json::json;
use shared::api::query::Query;
use shared::crypto::license_file::FileKind;
use shared::service::catalogue::{entitlements, groups, policies, products};
use shared::service::identity::{tokens, users};
use shared::service::licensing::{checkout, license_actions, licenses};
use shared::service::{licensing::activation, Bearer, Caller};
use shared::store::rows::{LicenseRow, PolicyRow, UserRow};

use crate::support::{block, Env};

fn as_bearer(admin: &Caller, bearer: Bearer) -> Caller {
    Caller { account: admin.account.clone(), bearer, token_id: None, permissions: None }
}

fn user(env: &Env, admin: &Caller, email: &str, role: &str) -> UserRow {
    let body = json!({"data":{"type":"users","attributes":{"email":email,"role":role,"password":"long enough"}}});
    block(users::create(&env.app(), admin, users::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
}

fn owned_license(env: &Env, admin: &Caller, policy: &PolicyRow, owner: &UserRow, attrs: serde_json::Value) -> LicenseRow {
    let body = json!({"data":{"type":"licenses","attributes":attrs,"relationships":{
        "policy":{"data":{"type":"policies","id":policy.id}},"owner":{"data":{"type":"users","id":owner.id}}}}});
    block(licenses::create(&env.app(), admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
}

fn code(r: Result<impl std::fmt::Debug, shared::Error>) -> (u16, String) {
    let e = r.unwrap_err();
    (e.status, e.code.to_string())
}

#[test]
fn a_product_never_gets_an_admins_token_nor_makes_admins() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let other_admin = user(&env, &admin, "boss@acme.test", "admin");
    let customer = user(&env, &admin, "c@acme.test", "user");
    let stranger = user(&env, &admin, "s@acme.test", "user");
    // The attack: make the admin a license owner of the product, then ask for its token.
    owned_license(&env, &admin, &policy, &other_admin, json!({}));
    owned_license(&env, &admin, &policy, &customer, json!({}));
    let prod = as_bearer(&admin, Bearer::Product { product_id: product.id.clone() });
    let app = env.app();
    // (An admin is never a product's user: 404, as for any user it may not see.)
    assert_eq!(code(block(users::create_token(&app, &prod, &other_admin.id, Default::default()))), (404, "NOT_FOUND".into()));
    // Nor does any admin mint another admin's token on this route.
    assert_eq!(code(block(users::create_token(&app, &admin, &other_admin.id, Default::default()))).0, 403);
    // Its own licenses' users: yes; anyone else: 404; a user for itself: 403.
    let t = block(users::create_token(&app, &prod, &customer.id, Default::default())).unwrap();
    assert_eq!((t.row.bearer_id.as_str(), t.row.kind.as_str()), (customer.id.as_str(), "user-token"));
    assert_eq!(code(block(users::create_token(&app, &prod, &stranger.id, Default::default()))), (404, "NOT_FOUND".into()));
    let me = as_bearer(&admin, Bearer::User { user_id: customer.id.clone() });
    assert_eq!(code(block(users::create_token(&app, &me, &customer.id, Default::default()))).0, 403);
    // The admin is not a product's user to read either.
    assert_eq!(code(block(users::show(&app, &prod, &other_admin.id))).0, 404);
    let (listed, _, _) = block(users::list(&app, &prod, &Query::default())).unwrap();
    assert_eq!(listed.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), vec![customer.id.as_str()]);
    // No admin is created or promoted by a product.
    let body = json!({"data":{"type":"users","attributes":{"email":"evil@acme.test","role":"admin"}}}).to_string();
    assert_eq!(code(block(users::create(&app, &prod, users::parse(body.as_bytes(), true).unwrap()))).0, 403);
    let body = json!({"data":{"type":"users","attributes":{"role":"admin"}}}).to_string();
    assert_eq!(code(block(users::update(&app, &prod, &customer.id, users::parse(body.as_bytes(), false).unwrap()))).0, 403);
    assert_eq!(block(users::find(&app, admin.account_id(), &customer.id)).unwrap().unwrap().role.as_str(), "user");
    assert!(block(users::find(&app, admin.account_id(), "evil@acme.test")).unwrap().is_none());
    // The admin's own tokens are untouched: only the customer's token was minted.
    let (all, _, _) = block(tokens::list(&app, &admin, &Query::default())).unwrap();
    assert!(all.iter().all(|t| t.bearer_id != other_admin.id), "{all:?}");
}

#[test]
fn products_read_but_do_not_change_account_wide_entitlements_and_groups() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let customer = user(&env, &admin, "c@acme.test", "user");
    let stranger = user(&env, &admin, "s@acme.test", "user");
    let other_admin = user(&env, &admin, "boss@acme.test", "admin");
    owned_license(&env, &admin, &policy, &customer, json!({}));
    owned_license(&env, &admin, &policy, &other_admin, json!({}));
    let app = env.app();
    let ent = json!({"data":{"type":"entitlements","attributes":{"name":"Pro","code":"PRO"}}}).to_string();
    let e = block(entitlements::create(&app, &admin, entitlements::parse(ent.as_bytes(), true).unwrap())).unwrap();
    let g = json!({"data":{"type":"groups","attributes":{"name":"Team"}}}).to_string();
    let g = block(groups::create(&app, &admin, groups::parse(g.as_bytes(), true).unwrap())).unwrap();
    let into_group = json!({"data":{"type":"groups","id":g.id}}).to_string();
    for u in [&customer, &stranger, &other_admin] {
        block(groups::set_user_group(&app, &admin, &u.id, into_group.as_bytes())).unwrap();
    }
    let prod = as_bearer(&admin, Bearer::Product { product_id: product.id.clone() });
    // Reads, as Keygen.
    assert_eq!(block(entitlements::show(&app, &prod, &e.id)).unwrap().id, e.id);
    assert_eq!(block(groups::show(&app, &prod, &g.id)).unwrap().id, g.id);
    // Writes: admins only.
    let upd = json!({"data":{"type":"entitlements","attributes":{"name":"Hacked"}}}).to_string();
    assert_eq!(code(block(entitlements::update(&app, &prod, &e.id, entitlements::parse(upd.as_bytes(), false).unwrap()))).0, 403);
    assert_eq!(code(block(entitlements::delete(&app, &prod, &e.id))).0, 403);
    assert_eq!(code(block(entitlements::create(&app, &prod, entitlements::parse(ent.as_bytes(), true).unwrap()))).0, 403);
    let upd = json!({"data":{"type":"groups","attributes":{"maxUsers":1000}}}).to_string();
    assert_eq!(code(block(groups::update(&app, &prod, &g.id, groups::parse(upd.as_bytes(), false).unwrap()))).0, 403);
    assert_eq!(code(block(groups::delete(&app, &prod, &g.id))).0, 403);
    assert_eq!(block(entitlements::show(&app, &admin, &e.id)).unwrap().name, "Pro");
    assert!(block(groups::find(&app, admin.account_id(), &g.id)).unwrap().is_some());
    // A group's users, for a product: only the users of its licenses (never admins).
    let (rows, n, _) = block(groups::users(&app, &prod, &g.id, &Query::default())).unwrap();
    assert_eq!((rows.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), n), (vec![customer.id.as_str()], 1));
    let (_, n, _) = block(groups::users(&app, &admin, &g.id, &Query::default())).unwrap();
    assert_eq!(n, 3);
    // Regrouping: its own users only.
    let out = br#"{"data":null}"#;
    assert_eq!(code(block(groups::set_user_group(&app, &prod, &other_admin.id, out))).0, 404);
    assert_eq!(code(block(groups::set_user_group(&app, &prod, &stranger.id, out))).0, 404);
    assert!(block(groups::set_user_group(&app, &prod, &customer.id, out)).unwrap().group_id.is_none());
    assert_eq!(block(users::find(&app, admin.account_id(), &other_admin.id)).unwrap().unwrap().group_id.as_deref(), Some(g.id.as_str()));
}

#[test]
fn a_machine_owner_is_a_user_of_its_license_given_by_id_or_email() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 5}));
    let customer = user(&env, &admin, "c@acme.test", "user");
    let stranger = user(&env, &admin, "s@acme.test", "user");
    let l = owned_license(&env, &admin, &policy, &customer, json!({}));
    let activate = |fp: &str, owner: &str| {
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{
            "license":{"data":{"type":"licenses","id":l.id}},"owner":{"data":{"type":"users","id":owner}}}}});
        block(activation::activate(&env.app(), &admin, activation::parse(body.to_string().as_bytes()).unwrap()))
    };
    let e = activate("a", &stranger.id).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "OWNER_INVALID"));
    assert_eq!(e.source, Some(shared::error::Source::Pointer("/data/relationships/owner".into())));
    let e = activate("b", "nobody@acme.test").unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "OWNER_NOT_FOUND"));
    // By email: stored as the user's id (it used to hit the foreign key: a 500).
    let m = activate("c", "C@acme.test").unwrap();
    assert_eq!(m.owner_id.as_deref(), Some(customer.id.as_str()));
    assert_eq!(activate("d", &customer.id).unwrap().owner_id.as_deref(), Some(customer.id.as_str()));
    // An update cannot set an owner at all (so it cannot set a stranger either).
    let body = json!({"data":{"type":"machines","relationships":{"owner":{"data":{"type":"users","id":stranger.id}}}}});
    let e = shared::service::fleet::machines::parse_update(body.to_string().as_bytes()).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (400, "PARAMETER_UNPERMITTED"));
}

#[test]
fn users_cannot_check_out_suspended_or_revoked_licenses() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let revoke = env.policy(&admin, &product, json!({"expirationStrategy": "REVOKE_ACCESS"}));
    let allow = env.policy(&admin, &product, json!({"expirationStrategy": "ALLOW_ACCESS"}));
    let customer = user(&env, &admin, "c@acme.test", "user");
    let me = as_bearer(&admin, Bearer::User { user_id: customer.id.clone() });
    let app = env.app();
    let out = |c: &Caller, l: &LicenseRow| {
        let opts = checkout::parse_options(FileKind::License, &Query::default(), None).unwrap();
        block(checkout::license(&app, c, &l.id, opts))
    };
    let fine = owned_license(&env, &admin, &revoke, &customer, json!({}));
    assert!(out(&me, &fine).is_ok());
    block(license_actions::set_suspended(&app, &admin, &fine.id, true)).unwrap();
    assert_eq!(code(out(&me, &fine)), (403, "FORBIDDEN".into()));
    assert!(out(&admin, &fine).is_ok(), "admins still may");
    let expired = owned_license(&env, &admin, &revoke, &customer, json!({"expiry": "2023-06-01T00:00:00.000Z"}));
    assert_eq!(code(out(&me, &expired)).0, 403);
    let lenient = owned_license(&env, &admin, &allow, &customer, json!({"expiry": "2023-06-01T00:00:00.000Z"}));
    assert!(out(&me, &lenient).is_ok(), "expired under ALLOW_ACCESS stays checkable");
    // Machine check-out follows the license.
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp"},"relationships":{"license":{"data":{"type":"licenses","id":fine.id}}}}});
    let m = block(activation::activate(&app, &admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap();
    let opts = checkout::parse_options(FileKind::Machine, &Query::default(), None).unwrap();
    assert_eq!(code(block(checkout::machine(&app, &me, &m.id, opts))).0, 403);
}

#[test]
fn anonymous_callers_get_401_before_any_lookup() {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let anon = as_bearer(&admin, Bearer::Anonymous);
    let app = env.app();
    for id in ["admin@acme.test", "nobody@acme.test"] {
        assert_eq!(code(block(users::show(&app, &anon, id))), (401, "TOKEN_MISSING".into()), "{id}");
    }
    for id in [product.id.as_str(), "00000000-0000-4000-8000-000000000000"] {
        assert_eq!(code(block(products::show(&app, &anon, id))).0, 401);
    }
    for id in [policy.id.as_str(), "00000000-0000-4000-8000-000000000000"] {
        assert_eq!(code(block(policies::show(&app, &anon, id))).0, 401);
    }
    let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"00000000-0000-4000-8000-000000000000"}}}}});
    assert_eq!(code(block(licenses::create(&app, &anon, licenses::parse(body.to_string().as_bytes(), true).unwrap()))).0, 401);
    let body = json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":"00000000-0000-4000-8000-000000000000"}}}}});
    assert_eq!(code(block(policies::create(&app, &anon, policies::parse(body.to_string().as_bytes(), true).unwrap()))).0, 401);
}
