//! Organizations (issue 10 §7) on SQLite with the real migrations: CRUD, the `allowedUsers`
//! cap held by the guarded move (and by an update that would go below the members), members
//! and licenses, detaching on delete, events, and the access rows (products, users and
//! licenses are refused; staff by their role's permissions).

use serde_json::json;
use shared::api::query::Query;
use shared::domain::states::UserRole;
use shared::service::identity::{organizations as orgs, users};
use shared::service::licensing::organizations as license_orgs;
use shared::service::{Bearer, Caller};
use shared::store::rows::{OrganizationRow, UserRow};

use crate::support::{block, Env};

fn new_org(env: &Env, admin: &Caller, attrs: serde_json::Value) -> OrganizationRow {
    let body = json!({"data":{"type":"organizations","attributes":attrs}}).to_string();
    block(orgs::create(&env.app(), admin, orgs::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn user(env: &Env, admin: &Caller, email: &str) -> UserRow {
    let body = json!({"data":{"type":"users","attributes":{"email":email}}}).to_string();
    block(users::create(&env.app(), admin, users::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn to(id: Option<&str>) -> Vec<u8> {
    json!({"data": id.map(|id| json!({"type": "organizations", "id": id}))}).to_string().into_bytes()
}

fn pointer(e: &shared::Error) -> String {
    match &e.source {
        Some(shared::error::Source::Pointer(p)) => p.clone(),
        other => format!("{other:?}"),
    }
}

fn err<T: std::fmt::Debug>(r: shared::Result<T>) -> (u16, String, String) {
    let e = r.unwrap_err();
    (e.status, e.code.to_string(), pointer(&e))
}

#[test]
fn parse_checks_every_field() {
    let p = |attrs: serde_json::Value| orgs::parse(json!({"data":{"type":"organizations","attributes":attrs}}).to_string().as_bytes(), true);
    assert!(p(json!({"name":"Acme","email":"it@acme.test","allowedUsers":-1,"address":{"city":"Oslo","postalCode":"0150"}})).is_ok());
    assert_eq!(p(json!({})).unwrap_err().code.to_string(), "NAME_MISSING");
    assert_eq!(p(json!({"name":" "})).unwrap_err().code.to_string(), "NAME_MISSING");
    assert_eq!(p(json!({"name":"A","allowedUsers":-2})).unwrap_err().code.to_string(), "ALLOWED_USERS_INVALID");
    assert_eq!(p(json!({"name":"A","allowedUsers":null})).unwrap_err().code.to_string(), "ALLOWED_USERS_INVALID");
    assert_eq!(p(json!({"name":"A","email":"nope"})).unwrap_err().code.to_string(), "EMAIL_INVALID");
    let e = p(json!({"name":"A","address":{"planet":"Mars"}})).unwrap_err();
    assert_eq!((e.status, pointer(&e).as_str()), (400, "/data/attributes/address/planet"));
    let e = p(json!({"name":"A","address":{"city":7}})).unwrap_err();
    assert_eq!(pointer(&e), "/data/attributes/address/city");
}

#[test]
fn crud_members_licenses_and_events() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let o = new_org(&env, &admin, json!({"name":"Acme","description":"d","address":{"city":"Oslo"},"allowedUsers":2}));
    assert_eq!((o.allowed_users, o.users_count, o.address.as_str()), (2, 0, r#"{"city":"Oslo"}"#));
    let (a, b, c) = (user(&env, &admin, "a@acme.test"), user(&env, &admin, "b@acme.test"), user(&env, &admin, "c@acme.test"));
    block(orgs::set_user_organization(&app, &admin, &a.id, &to(Some(&o.id)))).unwrap();
    let moved = block(orgs::set_user_organization(&app, &admin, &b.id, &to(Some(&o.id)))).unwrap();
    assert_eq!(moved.organization_id.as_deref(), Some(o.id.as_str()));
    // Full: the third is refused, nothing written.
    let (status, code, src) = err(block(orgs::set_user_organization(&app, &admin, &c.id, &to(Some(&o.id)))));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_USER_LIMIT_EXCEEDED", "/data"));
    assert_eq!(block(users::find(&app, admin.account_id(), &c.id)).unwrap().unwrap().organization_id, None);
    // Re-putting a member is not counted against itself.
    block(orgs::set_user_organization(&app, &admin, &a.id, &to(Some(&o.id)))).unwrap();
    // The cap cannot drop below the members.
    let body = json!({"data":{"type":"organizations","attributes":{"allowedUsers":1}}}).to_string();
    let (status, code, _) = err(block(orgs::update(&app, &admin, &o.id, orgs::parse(body.as_bytes(), false).unwrap())));
    assert_eq!((status, code.as_str()), (422, "ORGANIZATION_USER_LIMIT_EXCEEDED"));
    let body = json!({"data":{"type":"organizations","attributes":{"allowedUsers":-1,"email":"it@acme.test"}}}).to_string();
    let up = block(orgs::update(&app, &admin, &o.id, orgs::parse(body.as_bytes(), false).unwrap())).unwrap();
    assert_eq!((up.allowed_users, up.email.as_deref(), up.description.as_deref()), (-1, Some("it@acme.test"), Some("d")));
    block(orgs::set_user_organization(&app, &admin, &c.id, &to(Some(&o.id)))).unwrap();
    let (members, n, _) = block(orgs::users(&app, &admin, &o.id, &Query::default())).unwrap();
    assert_eq!((n, members.len()), (3, 3));
    assert_eq!(block(orgs::show(&app, &admin, &o.id)).unwrap().users_count, 3);
    // Licenses.
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let l = env.license(&admin, &policy, json!({}));
    let set = block(license_orgs::set_license_organization(&app, &admin, &l.id, &to(Some(&o.id)))).unwrap();
    assert_eq!(set.organization_id.as_deref(), Some(o.id.as_str()));
    let (ls, n, _) = block(license_orgs::licenses_of(&app, &admin, &o.id, &Query::default())).unwrap();
    assert_eq!((n, ls[0].id.as_str()), (1, l.id.as_str()));
    assert_eq!(block(license_orgs::of_license(&app, &admin, &l.id)).unwrap().unwrap().id, o.id);
    let (status, code, _) = err(block(license_orgs::set_license_organization(&app, &admin, &l.id, &to(Some("nope")))));
    assert_eq!((status, code.as_str()), (422, "ORGANIZATION_NOT_FOUND"));
    // Filters.
    let (all, _, _) = block(orgs::list(&app, &admin, &Query::parse("created[gte]=2000-01-01T00:00:00Z"))).unwrap();
    assert_eq!(all.len(), 1);
    let (none, n, _) = block(orgs::list(&app, &admin, &Query::parse("created[lt]=2000-01-01T00:00:00Z"))).unwrap();
    assert_eq!((none.len(), n), (0, 0));
    assert_eq!(err(block(orgs::list(&app, &admin, &Query::parse("updated[gt]=soon")))).0, 400);
    // Delete detaches users and licenses.
    block(orgs::delete(&app, &admin, &o.id)).unwrap();
    assert_eq!(block(users::find(&app, admin.account_id(), &a.id)).unwrap().unwrap().organization_id, None);
    assert_eq!(block(license_orgs::of_license(&app, &admin, &l.id)).unwrap().map(|o| o.id), None);
    assert_eq!(err(block(orgs::show(&app, &admin, &o.id))).0, 404);
    let evs: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.starts_with("organization") || e == "license.organization.updated").collect();
    assert_eq!(
        evs,
        [
            "organization.created",
            "organization.user.created",
            "organization.user.created",
            "organization.updated",
            "organization.user.created",
            "license.organization.updated",
            "organization.deleted"
        ]
    );
}

#[test]
fn only_admins_and_staff_by_permission_touch_organizations() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let o = new_org(&env, &admin, json!({"name":"Acme"}));
    let u = user(&env, &admin, "u@acme.test");
    let product = env.product(&admin, "App");
    let as_ = |bearer: Bearer| Caller { bearer, token_id: None, ..admin.clone() };
    let refused =
        [as_(Bearer::Product { product_id: product.id.clone() }), as_(Bearer::User { user_id: u.id.clone() }), as_(Bearer::License { license_id: "l".into() })];
    for c in &refused {
        assert_eq!(err(block(orgs::show(&app, c, &o.id))).0, 403);
        assert_eq!(err(block(orgs::list(&app, c, &Query::default()))).0, 403);
        assert_eq!(err(block(orgs::delete(&app, c, &o.id))).0, 403);
    }
    // A user cannot move itself into an organization (products: not even for their users).
    assert_eq!(err(block(orgs::set_user_organization(&app, &refused[1], &u.id, &to(Some(&o.id))))).0, 403);
    assert_eq!(err(block(orgs::show(&app, &as_(Bearer::Anonymous), &o.id))).0, 401);
    let staff = |role| as_(Bearer::Admin { user_id: "s".into(), role });
    // Read-only and support agents read; sales agents also move users and licenses; developers
    // manage organizations.
    for role in [UserRole::ReadOnly, UserRole::SupportAgent, UserRole::SalesAgent, UserRole::Developer] {
        assert!(block(orgs::show(&app, &staff(role), &o.id)).is_ok(), "{role:?}");
    }
    for role in [UserRole::ReadOnly, UserRole::SupportAgent] {
        assert_eq!(err(block(orgs::set_user_organization(&app, &staff(role), &u.id, &to(Some(&o.id))))).0, 403);
        assert_eq!(err(block(orgs::delete(&app, &staff(role), &o.id))).0, 403);
    }
    block(orgs::set_user_organization(&app, &staff(UserRole::SalesAgent), &u.id, &to(Some(&o.id)))).unwrap();
    // No escalation: a sales agent never moves staff (Keygen's `verify_privileges!`); a
    // developer moves a developer but not an admin.
    let body = json!({"data":{"type":"users","attributes":{"email":"dev@acme.test","role":"developer"}}}).to_string();
    let dev = block(users::create(&app, &admin, users::parse(body.as_bytes(), true).unwrap())).unwrap();
    let body = json!({"data":{"type":"users","attributes":{"email":"boss@acme.test","role":"admin"}}}).to_string();
    let boss = block(users::create(&app, &admin, users::parse(body.as_bytes(), true).unwrap())).unwrap();
    let (status, _, ptr) = err(block(orgs::set_user_organization(&app, &staff(UserRole::SalesAgent), &dev.id, &to(Some(&o.id)))));
    assert_eq!((status, ptr.as_str()), (403, "/data"));
    assert_eq!(err(block(orgs::set_user_organization(&app, &staff(UserRole::Developer), &boss.id, &to(Some(&o.id))))).0, 403);
    // Organization admins (issue 10 §7): staff never join an organization, whoever moves them.
    assert_eq!(err(block(orgs::set_user_organization(&app, &staff(UserRole::Developer), &dev.id, &to(Some(&o.id))))).1, "ORGANIZATION_STAFF_NOT_ALLOWED");
    assert_eq!(err(block(orgs::set_user_organization(&app, &admin, &boss.id, &to(Some(&o.id))))).1, "ORGANIZATION_STAFF_NOT_ALLOWED");
    assert_eq!(err(block(orgs::delete(&app, &staff(UserRole::SalesAgent), &o.id))).0, 403);
    block(orgs::delete(&app, &staff(UserRole::Developer), &o.id)).unwrap();
}
