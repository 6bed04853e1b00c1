//! Roles and permissions on SQLite with the real migrations (0014 swaps `users.role`): staff
//! users log in as staff, a token's and a user's `permissions` narrow every request, and no
//! bearer gives a role above its own.

use serde_json::json;
use shared::access::Kind;
use shared::service::identity::auth::{self, Credentials};
use shared::service::identity::{tokens, users};
use shared::service::{Bearer, Caller};

use crate::support::{block, Env};

fn create(env: &Env, caller: &Caller, email: &str, role: &str, extra: serde_json::Value) -> shared::Result<shared::store::rows::UserRow> {
    let mut attrs = json!({"email": email, "password": "correct horse", "role": role});
    if let (Some(a), Some(e)) = (attrs.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    let body = json!({"data":{"type":"users","attributes":attrs}}).to_string();
    block(users::create(&env.app(), caller, users::parse(body.as_bytes(), true)?))
}

fn login(env: &Env, admin: &Caller, email: &str, body: &str) -> shared::Result<Caller> {
    let anon = Caller { bearer: Bearer::Anonymous, ..admin.clone() };
    let t = block(tokens::login(&env.app(), &anon, Some((email.into(), "correct horse".into())), tokens::parse_input(body.as_bytes(), false)?))?;
    block(auth::authenticate(&env.app(), admin.account.clone(), Credentials::Token(t.raw.unwrap_or_default())))
}

fn patch(env: &Env, caller: &Caller, id: &str, attrs: serde_json::Value) -> shared::Result<shared::store::rows::UserRow> {
    let body = json!({"data":{"type":"users","attributes":attrs}}).to_string();
    block(users::update(&env.app(), caller, id, users::parse(body.as_bytes(), false)?))
}

#[test]
fn staff_roles_round_trip_and_log_in_as_their_kind() {
    let env = Env::new();
    let admin = env.admin();
    for (role, kind) in
        [("developer", Kind::Developer), ("sales-agent", Kind::SalesAgent), ("support-agent", Kind::SupportAgent), ("read-only", Kind::ReadOnly)]
    {
        let email = format!("{role}@acme.test");
        let u = create(&env, &admin, &email, role, json!({})).unwrap();
        assert_eq!(u.role.as_str(), role);
        let me = login(&env, &admin, &email, "").unwrap();
        assert_eq!(me.bearer.kind(), kind);
        assert_eq!(me.permissions, None, "no list of its own: its role decides");
    }
    let e = create(&env, &admin, "x@acme.test", "root", json!({})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "ROLE_NOT_ALLOWED"));
}

#[test]
fn no_bearer_gives_a_role_above_its_own() {
    let env = Env::new();
    let admin = env.admin();
    let dev_row = create(&env, &admin, "dev@acme.test", "developer", json!({})).unwrap();
    let dev = login(&env, &admin, "dev@acme.test", "").unwrap();
    assert!(create(&env, &dev, "dev2@acme.test", "developer", json!({})).is_ok());
    assert_eq!(create(&env, &dev, "boss@acme.test", "admin", json!({})).unwrap_err().status, 403);
    let e = patch(&env, &dev, &dev_row.id, json!({"role": "admin"})).unwrap_err();
    assert_eq!(e.status, 403);
    create(&env, &admin, "sales@acme.test", "sales-agent", json!({})).unwrap();
    let sales = login(&env, &admin, "sales@acme.test", "").unwrap();
    let u = create(&env, &sales, "u@acme.test", "user", json!({})).unwrap();
    assert!(patch(&env, &sales, &u.id, json!({"firstName": "Ulla"})).is_ok());
    assert_eq!(patch(&env, &sales, &dev_row.id, json!({"firstName": "Dev"})).unwrap_err().status, 403);
    assert_eq!(create(&env, &sales, "s2@acme.test", "support-agent", json!({})).unwrap_err().status, 403);
    // Nothing was written by the refusals.
    assert!(block(users::find(&env.app(), admin.account_id(), "boss@acme.test")).unwrap().is_none());
    assert_eq!(block(users::find(&env.app(), admin.account_id(), &dev_row.id)).unwrap().map(|u| u.role.as_str()), Some("developer"));
}

#[test]
fn user_and_token_permissions_intersect_and_follow_the_role() {
    let env = Env::new();
    let admin = env.admin();
    let u =
        create(&env, &admin, "u@acme.test", "developer", json!({"permissions": ["license.read", "machine.read", "token.generate", "product.create"]})).unwrap();
    assert_eq!(u.permissions.as_deref(), Some(r#"["license.read","machine.read","token.generate","product.create"]"#));
    // Its token never asks for more than the user holds...
    let e = login(&env, &admin, "u@acme.test", r#"{"data":{"type":"tokens","attributes":{"permissions":["license.read","product.read"]}}}"#).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "PERMISSIONS_NOT_ALLOWED"));
    assert_eq!(format!("{:?}", e.source), format!("{:?}", Some(shared::error::Source::Pointer("/data/attributes/permissions/1".into()))));
    // ...and a subset makes the caller's set the intersection.
    let me = login(&env, &admin, "u@acme.test", r#"{"data":{"type":"tokens","attributes":{"permissions":["license.read","token.generate"]}}}"#).unwrap();
    assert_eq!(me.permissions, Some(vec!["license.read".to_owned(), "token.generate".to_owned()]));
    assert!(shared::access::gate(&me, shared::access::Action::LicenseRead).is_ok());
    assert_eq!(shared::access::gate(&me, shared::access::Action::MachineRead).unwrap_err().status, 403);
    // A role change keeps only what the new role allows (a user never creates products).
    let down = patch(&env, &admin, &u.id, json!({"role": "user"})).unwrap();
    assert_eq!(down.permissions.as_deref(), Some(r#"["license.read","machine.read","token.generate"]"#));
    let e = patch(&env, &admin, &u.id, json!({"permissions": ["license.read", "webhook-endpoint.read"]})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "PERMISSIONS_NOT_ALLOWED"));
    let reset = patch(&env, &admin, &u.id, json!({"permissions": null})).unwrap();
    assert_eq!(reset.permissions, None);
    let rendered = shared::api::accounts::user(&reset);
    assert!(rendered.attributes["permissions"].as_array().is_some_and(|p| p.iter().any(|x| x == "license.read") && !p.iter().any(|x| x == "user.create")));
}

#[test]
fn the_last_admin_is_never_demoted() {
    let env = Env::new();
    let admin = env.admin();
    let Bearer::Admin { user_id, .. } = admin.bearer.clone() else { panic!("env.admin() is an admin") };
    let e = patch(&env, &admin, &user_id, json!({"role": "developer"})).unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (422, "ACCOUNT_ADMINS_REQUIRED"));
    assert_eq!(block(users::find(&env.app(), admin.account_id(), &user_id)).unwrap().map(|u| u.role.as_str()), Some("admin"));
    // With a second admin, one may step down; then the other is the last.
    let other = create(&env, &admin, "b@acme.test", "admin", json!({})).unwrap();
    assert_eq!(patch(&env, &admin, &user_id, json!({"role": "developer"})).unwrap().role.as_str(), "developer");
    let b = login(&env, &admin, "b@acme.test", "").unwrap();
    assert_eq!(patch(&env, &b, &other.id, json!({"role": "user"})).unwrap_err().code.as_ref(), "ACCOUNT_ADMINS_REQUIRED");
}
