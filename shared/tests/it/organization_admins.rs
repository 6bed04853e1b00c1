//! Organization admins (issue 10 §7) on SQLite with the real migrations: the bearer a user of
//! role `organization-admin` makes, what it may do inside its organization (users, licenses,
//! machines) and the 404/403 outside it, the `allowedUsers` cap in the guarded insert, role
//! escalation refusals, organization on create and staff kept out of organizations.

use serde_json::json;
use shared::api::query::Query;
use shared::service::identity::{organizations as orgs, users};
use shared::service::licensing::{activation, licensees, licenses};
use shared::service::{Bearer, Caller};
use shared::store::rows::{OrganizationRow, UserRow};

use crate::support::{block, Env};

pub(crate) fn new_org(env: &Env, admin: &Caller, allowed: i64) -> OrganizationRow {
    let body = json!({"data":{"type":"organizations","attributes":{"name":"Acme","allowedUsers":allowed}}}).to_string();
    block(orgs::create(&env.app(), admin, orgs::parse(body.as_bytes(), true).unwrap())).unwrap()
}

pub(crate) fn create_user(env: &Env, caller: &Caller, attrs: serde_json::Value, org: Option<&str>) -> shared::Result<UserRow> {
    let mut data = json!({"type":"users","attributes":attrs});
    if let Some(o) = org {
        data["relationships"] = json!({"organization":{"data":{"type":"organizations","id":o}}});
    }
    let body = json!({ "data": data }).to_string();
    block(users::create(&env.app(), caller, users::parse(body.as_bytes(), true)?))
}

pub(crate) fn err<T: std::fmt::Debug>(r: shared::Result<T>) -> (u16, String, String) {
    let e = r.unwrap_err();
    let p = match &e.source {
        Some(shared::error::Source::Pointer(p)) => p.clone(),
        other => format!("{other:?}"),
    };
    (e.status, e.code.to_string(), p)
}

pub(crate) fn as_bearer(admin: &Caller, u: &UserRow) -> Caller {
    Caller { bearer: Bearer::of_user(u), ..admin.clone() }
}

/// An account with organization `o` (cap `allowed`) whose admin `oa` is an organization admin.
pub(crate) fn world(env: &Env, allowed: i64) -> (Caller, OrganizationRow, UserRow, Caller) {
    let admin = env.admin();
    let o = new_org(env, &admin, allowed);
    let oa = create_user(env, &admin, json!({"email":"oa@acme.test","role":"organization-admin"}), Some(&o.id)).unwrap();
    let c = as_bearer(&admin, &oa);
    (admin, o, oa, c)
}

#[test]
fn the_role_makes_an_organization_admin_only_inside_an_organization() {
    let env = Env::new();
    let (admin, o, oa, c) = world(&env, -1);
    assert_eq!(c.bearer, Bearer::OrganizationAdmin { user_id: oa.id.clone(), organization_id: o.id.clone() });
    let lone = create_user(&env, &admin, json!({"email":"lone@acme.test","role":"organization-admin"}), None).unwrap();
    assert_eq!(Bearer::of_user(&lone), Bearer::User { user_id: lone.id.clone() });
    // Without an organization it is a plain user: it creates nobody.
    let (status, _, _) = err(create_user(&env, &as_bearer(&admin, &lone), json!({"email":"x@acme.test"}), None));
    assert_eq!(status, 403);
}

#[test]
fn creates_members_within_allowed_users_guarded_in_the_insert() {
    let env = Env::new();
    let (admin, o, _oa, c) = world(&env, 3);
    let a = create_user(&env, &c, json!({"email":"a@acme.test"}), None).unwrap();
    assert_eq!((a.organization_id.as_deref(), a.role.as_str()), (Some(o.id.as_str()), "user"));
    let b = create_user(&env, &c, json!({"email":"b@acme.test"}), Some(&o.id)).unwrap();
    assert_eq!(b.organization_id.as_deref(), Some(o.id.as_str()));
    // Full (the admin and two members): refused, nothing written.
    let (status, code, src) = err(create_user(&env, &c, json!({"email":"c@acme.test"}), None));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_USER_LIMIT_EXCEEDED", "/data/relationships/organization"));
    assert!(block(users::find(&env.app(), admin.account_id(), "c@acme.test")).unwrap().is_none());
    // An admin hits the same cap through the same insert.
    let (_, code, _) = err(create_user(&env, &admin, json!({"email":"d@acme.test"}), Some(&o.id)));
    assert_eq!(code, "ORGANIZATION_USER_LIMIT_EXCEEDED");
    let created: Vec<_> = env.events().into_iter().filter(|(e, _)| e == "organization.user.created").map(|(_, id)| id).collect();
    assert!(created.contains(&a.id) && created.contains(&b.id), "{created:?}");
}

#[test]
fn never_creates_staff_other_roles_or_into_another_organization() {
    let env = Env::new();
    let (admin, _o, _oa, c) = world(&env, -1);
    for role in ["admin", "developer", "read-only", "organization-admin", "reseller-admin"] {
        let (status, _, _) = err(create_user(&env, &c, json!({"email": format!("{role}@acme.test"), "role": role}), None));
        assert_eq!(status, 403, "{role}");
    }
    let other = new_org(&env, &admin, -1);
    let (status, code, src) = err(create_user(&env, &c, json!({"email":"x@acme.test"}), Some(&other.id)));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_NOT_FOUND", "/data/relationships/organization"));
}

#[test]
fn manages_its_members_and_sees_nothing_outside() {
    let env = Env::new();
    let (admin, o, oa, c) = world(&env, -1);
    let app = env.app();
    let m = create_user(&env, &c, json!({"email":"m@acme.test"}), None).unwrap();
    let outsider = create_user(&env, &admin, json!({"email":"out@acme.test"}), None).unwrap();
    let other = new_org(&env, &admin, -1);
    let foreign = create_user(&env, &admin, json!({"email":"f@acme.test"}), Some(&other.id)).unwrap();
    let peer = create_user(&env, &admin, json!({"email":"peer@acme.test","role":"organization-admin"}), Some(&o.id)).unwrap();
    // Its organization: itself, the member and the peer admin; nobody else.
    let (rows, n, _) = block(users::list(&app, &c, &Query::default())).unwrap();
    let mut ids: Vec<_> = rows.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    let mut want = vec![oa.id.clone(), m.id.clone(), peer.id.clone()];
    want.sort();
    assert_eq!((ids, n), (want, 3));
    assert!(block(users::show(&app, &c, &peer.id)).is_ok());
    for id in [&outsider.id, &foreign.id, &admin_id(&admin)] {
        assert_eq!(err(block(users::show(&app, &c, id))).0, 404);
    }
    let (os, _, _) = block(orgs::list(&app, &c, &Query::default())).unwrap();
    assert_eq!(os.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), vec![o.id.clone()]);
    assert_eq!(err(block(orgs::show(&app, &c, &other.id))).0, 404);
    assert_eq!(err(block(orgs::users(&app, &c, &other.id, &Query::default()))).0, 404);
    // Update and delete a member; a peer admin is 403, outsiders 404, a role change 403.
    let patch = |attrs: serde_json::Value| users::parse(json!({"data":{"type":"users","attributes":attrs}}).to_string().as_bytes(), false).unwrap();
    let up = block(users::update(&app, &c, &m.id, patch(json!({"firstName":"Mia"})))).unwrap();
    assert_eq!(up.first_name.as_deref(), Some("Mia"));
    assert_eq!(err(block(users::update(&app, &c, &peer.id, patch(json!({"firstName":"P"}))))).0, 403);
    assert_eq!(err(block(users::update(&app, &c, &foreign.id, patch(json!({"firstName":"F"}))))).0, 404);
    assert_eq!(err(block(users::update(&app, &c, &m.id, patch(json!({"role":"organization-admin"}))))).0, 403);
    assert_eq!(err(block(users::update(&app, &c, &oa.id, patch(json!({"role":"user"}))))).0, 403);
    // Moving users in or out is the admins' (PUT …/organization).
    let to_null = json!({"data": null}).to_string();
    assert_eq!(err(block(orgs::set_user_organization(&app, &c, &m.id, to_null.as_bytes()))).0, 403);
    assert_eq!(err(block(users::delete(&app, &c, &peer.id))).0, 403);
    assert_eq!(err(block(users::delete(&app, &c, &outsider.id))).0, 404);
    assert_eq!(err(block(users::delete(&app, &c, &oa.id))).0, 422);
    block(users::delete(&app, &c, &m.id)).unwrap();
    assert!(block(users::find(&app, admin.account_id(), &m.id)).unwrap().is_none());
}

fn admin_id(admin: &Caller) -> String {
    match &admin.bearer {
        Bearer::Admin { user_id, .. } => user_id.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn assigns_its_organizations_licenses_to_its_members_only() {
    let env = Env::new();
    let (admin, o, oa, c) = world(&env, -1);
    let app = env.app();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({"floating": true, "maxMachines": 5}));
    let org_license = |admin: &Caller| {
        let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy.id}},"organization":{"data":{"type":"organizations","id":o.id}}}}});
        block(licenses::create(&app, admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())).unwrap()
    };
    let l = org_license(&admin);
    assert_eq!(l.organization_id.as_deref(), Some(o.id.as_str()));
    let outside = env.license(&admin, &policy, json!({}));
    let m = create_user(&env, &c, json!({"email":"m@acme.test"}), None).unwrap();
    let stranger = create_user(&env, &admin, json!({"email":"s@acme.test"}), None).unwrap();
    // Reads: its organization's licenses; another's is 404.
    let (rows, _, _) = block(licenses::list(&app, &c, &Query::default())).unwrap();
    assert_eq!(rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![l.id.clone()]);
    assert!(block(licenses::show(&app, &c, &l.id)).is_ok());
    assert_eq!(err(block(licenses::show(&app, &c, &outside.id))).0, 404);
    // Owner change: to a member yes; to an outsider as if the user did not exist.
    let to_user = |id: &str| json!({"data":{"type":"users","id":id}}).to_string().into_bytes();
    let owned = block(licenses::change_owner(&app, &c, &l.id, &to_user(&m.id))).unwrap();
    assert_eq!(owned.owner_id.as_deref(), Some(m.id.as_str()));
    let (status, code, _) = err(block(licenses::change_owner(&app, &c, &l.id, &to_user(&stranger.id))));
    assert_eq!((status, code.as_str()), (422, "OWNER_NOT_FOUND"));
    assert_eq!(err(block(licenses::change_owner(&app, &c, &outside.id, &to_user(&m.id)))).0, 404);
    // Licensees: members only.
    let users_body = |id: &str| json!({"data":[{"type":"users","id":id}]}).to_string().into_bytes();
    let l2 = org_license(&admin);
    block(licensees::attach(&app, &c, &l2.id, &users_body(&oa.id))).unwrap();
    let (status, code, src) = err(block(licensees::attach(&app, &c, &l2.id, &users_body(&stranger.id))));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "USER_NOT_FOUND", "/data/0"));
    block(licensees::detach(&app, &c, &l2.id, &users_body(&oa.id))).unwrap();
    // It may not change the license itself.
    let patch = licenses::parse(json!({"data":{"type":"licenses","attributes":{"name":"x"}}}).to_string().as_bytes(), false).unwrap();
    assert_eq!(err(block(licenses::update(&app, &c, &l.id, patch))).0, 403);
    // Machines of its organization's licenses: read and deactivate; activate is a holder's.
    let act = |lid: &str, fp: &str| {
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}});
        activation::parse(body.to_string().as_bytes()).unwrap()
    };
    let machine = block(activation::activate(&app, &admin, act(&l.id, "fp-1"))).unwrap();
    let far = block(activation::activate(&app, &admin, act(&outside.id, "fp-2"))).unwrap();
    assert_eq!(err(block(activation::activate(&app, &c, act(&l.id, "fp-3")))).0, 403);
    let (ms, _, _) = block(shared::service::fleet::machines::list(&app, &c, &Query::default())).unwrap();
    assert_eq!(ms.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), vec![machine.id.clone()]);
    assert_eq!(err(block(activation::deactivate(&app, &c, &far.id))).0, 404);
    block(activation::deactivate(&app, &c, &machine.id)).unwrap();
}

#[test]
fn only_admins_and_developers_give_or_take_the_role() {
    let env = Env::new();
    let (admin, o, _oa, _c) = world(&env, -1);
    let sales = create_user(&env, &admin, json!({"email":"sales@acme.test","role":"sales-agent"}), None).unwrap();
    let dev = create_user(&env, &admin, json!({"email":"dev@acme.test","role":"developer"}), None).unwrap();
    let (sales, dev) = (as_bearer(&admin, &sales), as_bearer(&admin, &dev));
    let (status, _, src) = err(create_user(&env, &sales, json!({"email":"x@acme.test","role":"organization-admin"}), None));
    assert_eq!((status, src.as_str()), (403, "/data/attributes/role"));
    let u = create_user(&env, &sales, json!({"email":"y@acme.test"}), Some(&o.id)).unwrap();
    let patch = |attrs: serde_json::Value| users::parse(json!({"data":{"type":"users","attributes":attrs}}).to_string().as_bytes(), false).unwrap();
    assert_eq!(err(block(users::update(&env.app(), &sales, &u.id, patch(json!({"role":"organization-admin"}))))).0, 403);
    let promoted = block(users::update(&env.app(), &dev, &u.id, patch(json!({"role":"organization-admin"})))).unwrap();
    assert_eq!(promoted.role.as_str(), "organization-admin");
    let product = env.product(&admin, "App");
    let p = Caller { bearer: Bearer::Product { product_id: product.id.clone() }, ..admin.clone() };
    assert_eq!(err(create_user(&env, &p, json!({"email":"z@acme.test","role":"organization-admin"}), None)).0, 403);
    // A product may not name an organization on create (the PUT row is the admins').
    assert_eq!(err(create_user(&env, &p, json!({"email":"w@acme.test"}), Some(&o.id))).0, 403);
}

#[test]
fn staff_are_kept_out_of_organizations_and_organization_is_create_only() {
    let env = Env::new();
    let (admin, o, _oa, _c) = world(&env, -1);
    let app = env.app();
    let dev = create_user(&env, &admin, json!({"email":"dev@acme.test","role":"developer"}), None).unwrap();
    let to = json!({"data":{"type":"organizations","id":o.id}}).to_string();
    let (status, code, src) = err(block(orgs::set_user_organization(&app, &admin, &dev.id, to.as_bytes())));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_STAFF_NOT_ALLOWED", "/data"));
    let (status, code, src) = err(create_user(&env, &admin, json!({"email":"ro@acme.test","role":"read-only"}), Some(&o.id)));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_STAFF_NOT_ALLOWED", "/data/relationships/organization"));
    let member = create_user(&env, &admin, json!({"email":"m@acme.test"}), Some(&o.id)).unwrap();
    let patch = users::parse(json!({"data":{"type":"users","attributes":{"role":"support-agent"}}}).to_string().as_bytes(), false).unwrap();
    let (status, code, src) = err(block(users::update(&app, &admin, &member.id, patch)));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_STAFF_NOT_ALLOWED", "/data/attributes/role"));
    // Unknown organization on create; PATCH never takes one.
    let (status, code, src) = err(create_user(&env, &admin, json!({"email":"n@acme.test"}), Some("nope")));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_NOT_FOUND", "/data/relationships/organization"));
    let body = json!({"data":{"type":"users","relationships":{"organization":{"data":{"type":"organizations","id":o.id}}}}}).to_string();
    let (status, code, src) = err(users::parse(body.as_bytes(), false));
    assert_eq!((status, code.as_str(), src.as_str()), (400, "PARAMETER_UNPERMITTED", "/data/relationships/organization"));
    let body = json!({"data":{"type":"licenses","relationships":{"organization":{"data":{"type":"organizations","id":o.id}}}}}).to_string();
    let (status, code, _) = err(licenses::parse(body.as_bytes(), false));
    assert_eq!((status, code.as_str()), (400, "PARAMETER_UNPERMITTED"));
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy.id}},"organization":{"data":{"type":"organizations","id":"nope"}}}}});
    let (status, code, src) = err(block(licenses::create(&app, &admin, licenses::parse(body.to_string().as_bytes(), true).unwrap())));
    assert_eq!((status, code.as_str(), src.as_str()), (422, "ORGANIZATION_NOT_FOUND", "/data/relationships/organization"));
}

#[test]
fn the_role_update_itself_never_gives_a_member_a_staff_role() {
    // The guard in the statement (a move into the organization may land between the service's
    // read and its write): a staff role on a member writes nothing; the user role does.
    let env = Env::new();
    let (admin, o, _oa, _c) = world(&env, -1);
    let m = create_user(&env, &admin, json!({"email":"m@acme.test"}), Some(&o.id)).unwrap();
    let run = |role: &str| {
        let p: Vec<serde_json::Value> = vec![
            admin.account_id().into(),
            m.id.clone().into(),
            m.email.clone().into(),
            serde_json::Value::Null,
            serde_json::Value::Null,
            role.into(),
            serde_json::Value::Null,
            "{}".into(),
            1.into(),
            serde_json::Value::Null,
        ];
        block(shared::store::Db::execute(&env.db, shared::store::sql::users::UPDATE, &p)).unwrap()
    };
    for staff in ["admin", "developer", "sales-agent", "support-agent", "read-only"] {
        assert_eq!(run(staff), 0, "{staff}");
    }
    assert_eq!(run("organization-admin"), 1);
    assert_eq!(run("user"), 1);
}
