//! Resellers (issue 10 §7, Cryptlex 3.67) on SQLite with the real migrations: CRUD, caps held by
//! guarded statements (moves, creates, updates below the count), allotted policies all-or-none,
//! detaching on delete, events; the reseller-admin bearer (what it may do, 404 outside its
//! reseller, 403 for what it never may) and who may give its role.

use serde_json::json;
use shared::access::{permissions, scope, Action, Kind, Scope};
use shared::api::query::Query;
use shared::domain::states::UserRole;
use shared::service::catalogue::reseller_policies as allot;
use shared::service::identity::{organizations as orgs, reseller_members as members, resellers, users};
use shared::service::licensing::{licenses, resellers as license_resellers};
use shared::service::{Bearer, Caller};
use shared::store::rows::{PolicyRow, ResellerRow, UserRow};

use crate::support::{block, Env};

pub(crate) fn doc(ty: &str, attrs: serde_json::Value) -> Vec<u8> {
    json!({"data":{"type":ty,"attributes":attrs}}).to_string().into_bytes()
}

pub(crate) fn new_reseller(env: &Env, admin: &Caller, attrs: serde_json::Value) -> ResellerRow {
    block(resellers::create(&env.app(), admin, resellers::parse(&doc("resellers", attrs), true).unwrap())).unwrap()
}

pub(crate) fn new_user(env: &Env, caller: &Caller, attrs: serde_json::Value) -> shared::Result<UserRow> {
    block(users::create(&env.app(), caller, users::parse(&doc("users", attrs), true)?))
}

pub(crate) fn to(ty: &str, id: Option<&str>) -> Vec<u8> {
    json!({"data": id.map(|id| json!({"type": ty, "id": id}))}).to_string().into_bytes()
}

pub(crate) fn ids(ty: &str, ids: &[&str]) -> Vec<u8> {
    json!({"data": ids.iter().map(|id| json!({"type": ty, "id": id})).collect::<Vec<_>>()}).to_string().into_bytes()
}

pub(crate) fn license_doc(policy: &PolicyRow, owner: Option<&str>) -> Vec<u8> {
    let mut rels = json!({"policy":{"data":{"type":"policies","id":policy.id}}});
    if let Some(o) = owner {
        rels["owner"] = json!({"data":{"type":"users","id":o}});
    }
    json!({"data":{"type":"licenses","relationships":rels}}).to_string().into_bytes()
}

fn pointer(e: &shared::Error) -> String {
    match &e.source {
        Some(shared::error::Source::Pointer(p)) => p.clone(),
        other => format!("{other:?}"),
    }
}

pub(crate) fn err<T: std::fmt::Debug>(r: shared::Result<T>) -> (u16, String, String) {
    let e = r.unwrap_err();
    (e.status, e.code.to_string(), pointer(&e))
}

#[test]
fn parse_checks_every_field() {
    let p = |attrs: serde_json::Value| resellers::parse(&doc("resellers", attrs), true);
    assert!(p(json!({"name":"Partner","email":"p@x.test","phone":"+47 22 33 44","allowedUsers":3,"allowedOrganizations":-1,"address":{"city":"Oslo"}})).is_ok());
    assert_eq!(p(json!({})).unwrap_err().code.to_string(), "NAME_MISSING");
    assert_eq!(p(json!({"name":"P","allowedUsers":-2})).unwrap_err().code.to_string(), "ALLOWED_USERS_INVALID");
    assert_eq!(p(json!({"name":"P","allowedOrganizations":null})).unwrap_err().code.to_string(), "ALLOWED_ORGANIZATIONS_INVALID");
    assert_eq!(p(json!({"name":"P","phone":"call me"})).unwrap_err().code.to_string(), "PHONE_INVALID");
    assert_eq!(p(json!({"name":"P","email":"nope"})).unwrap_err().code.to_string(), "EMAIL_INVALID");
    assert_eq!(pointer(&p(json!({"name":"P","address":{"planet":"Mars"}})).unwrap_err()), "/data/attributes/address/planet");
    assert_eq!(p(json!({"name":"P","resellers":1})).unwrap_err().status, 400);
}

#[test]
fn crud_caps_allotments_detach_and_events() {
    let env = Env::new();
    let admin = env.admin();
    let app = env.app();
    let r = new_reseller(&env, &admin, json!({"name":"Partner","allowedUsers":1,"allowedOrganizations":1}));
    assert_eq!((r.allowed_users, r.allowed_organizations, r.users_count), (1, 1, 0));
    let product = env.product(&admin, "App");
    let (p1, p2) = (env.policy(&admin, &product, json!({})), env.policy(&admin, &product, json!({})));
    // Allotments: all or none.
    let (st, code, ptr) = err(block(allot::attach(&app, &admin, &r.id, &ids("policies", &[&p1.id, "nope"]))));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "POLICY_NOT_FOUND", "/data/1"));
    assert_eq!(block(allot::list(&app, &admin, &r.id, &Query::default())).unwrap().1, 0);
    block(allot::attach(&app, &admin, &r.id, &ids("policies", &[&p1.id, &p2.id]))).unwrap();
    assert_eq!(err(block(allot::attach(&app, &admin, &r.id, &ids("policies", &[&p1.id])))).1, "POLICY_TAKEN");
    assert_eq!(err(block(allot::attach(&app, &admin, &r.id, &ids("policies", &[&p1.id, &p1.id])))).1, "POLICY_TAKEN");
    let other = env.policy(&admin, &product, json!({}));
    let (st, _, ptr) = err(block(allot::detach(&app, &admin, &r.id, &ids("policies", &[&p2.id, &other.id]))));
    assert_eq!((st, ptr.as_str()), (422, "/data/1"));
    assert_eq!(block(allot::list(&app, &admin, &r.id, &Query::default())).unwrap().1, 2);
    block(allot::detach(&app, &admin, &r.id, &ids("policies", &[&p2.id]))).unwrap();
    let (ps, n, _) = block(allot::list(&app, &admin, &r.id, &Query::default())).unwrap();
    assert_eq!((n, ps[0].id.as_str()), (1, p1.id.as_str()));
    assert_eq!(block(allot::products(&app, &admin, &r.id, &Query::default())).unwrap().0[0].id, product.id);
    // Customers: `allowedUsers` held by the guarded move (staff and reseller admins do not count).
    let (a, b) = (new_user(&env, &admin, json!({"email":"a@x.test"})).unwrap(), new_user(&env, &admin, json!({"email":"b@x.test"})).unwrap());
    let ra = new_user(&env, &admin, json!({"email":"ra@x.test","role":"reseller-admin"})).unwrap();
    block(members::set_user_reseller(&app, &admin, &a.id, &to("resellers", Some(&r.id)))).unwrap();
    block(members::set_user_reseller(&app, &admin, &ra.id, &to("resellers", Some(&r.id)))).unwrap();
    let (st, code, ptr) = err(block(members::set_user_reseller(&app, &admin, &b.id, &to("resellers", Some(&r.id)))));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "RESELLER_USER_LIMIT_EXCEEDED", "/data"));
    assert_eq!(block(users::find(&app, admin.account_id(), &b.id)).unwrap().unwrap().reseller_id, None);
    block(members::set_user_reseller(&app, &admin, &a.id, &to("resellers", Some(&r.id)))).unwrap();
    assert_eq!(err(block(members::set_user_reseller(&app, &admin, &a.id, &to("resellers", Some("nope"))))).1, "RESELLER_NOT_FOUND");
    // Organizations: `allowedOrganizations`.
    let o1 = block(orgs::create(&app, &admin, orgs::parse(&doc("organizations", json!({"name":"O1"})), true).unwrap())).unwrap();
    let o2 = block(orgs::create(&app, &admin, orgs::parse(&doc("organizations", json!({"name":"O2"})), true).unwrap())).unwrap();
    block(members::set_organization_reseller(&app, &admin, &o1.id, &to("resellers", Some(&r.id)))).unwrap();
    let (st, code, _) = err(block(members::set_organization_reseller(&app, &admin, &o2.id, &to("resellers", Some(&r.id)))));
    assert_eq!((st, code.as_str()), (422, "RESELLER_ORGANIZATION_LIMIT_EXCEEDED"));
    block(members::set_organization_reseller(&app, &admin, &o1.id, &to("resellers", Some(&r.id)))).unwrap();
    // Caps never drop below the counts (in the UPDATE itself), each at its own pointer.
    let up = |attrs| block(resellers::update(&app, &admin, &r.id, resellers::parse(&doc("resellers", attrs), false).unwrap()));
    let (st, code, ptr) = err(up(json!({"allowedUsers":0})));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "RESELLER_USER_LIMIT_EXCEEDED", "/data/attributes/allowedUsers"));
    let (_, code, ptr) = err(up(json!({"allowedOrganizations":0})));
    assert_eq!((code.as_str(), ptr.as_str()), ("RESELLER_ORGANIZATION_LIMIT_EXCEEDED", "/data/attributes/allowedOrganizations"));
    let r2 = up(json!({"allowedUsers":-1,"phone":"123","name":"Partner AS"})).unwrap();
    assert_eq!((r2.allowed_users, r2.allowed_organizations, r2.name.as_str(), r2.phone.as_deref()), (-1, 1, "Partner AS", Some("123")));
    // Licenses.
    let l = env.license(&admin, &p1, json!({}));
    assert_eq!(
        block(license_resellers::set_license_reseller(&app, &admin, &l.id, &to("resellers", Some(&r.id)))).unwrap().reseller_id.as_deref(),
        Some(r.id.as_str())
    );
    assert_eq!(block(license_resellers::licenses_of(&app, &admin, &r.id, &Query::default())).unwrap().1, 1);
    assert_eq!(block(license_resellers::of_license(&app, &admin, &l.id)).unwrap().unwrap().id, r.id);
    assert_eq!(block(members::users_of(&app, &admin, &r.id, &Query::default())).unwrap().1, 2);
    assert_eq!(block(members::organizations_of(&app, &admin, &r.id, &Query::default())).unwrap().1, 1);
    let shown = block(resellers::show(&app, &admin, &r.id)).unwrap();
    assert_eq!((shown.users_count, shown.organizations_count), (1, 1));
    assert_eq!(block(resellers::list(&app, &admin, &Query::parse("created[lt]=2000-01-01T00:00:00Z"))).unwrap().1, 0);
    // Delete detaches everything in the same batch; the users, licenses and organizations stay.
    block(resellers::delete(&app, &admin, &r.id)).unwrap();
    assert_eq!(block(users::find(&app, admin.account_id(), &a.id)).unwrap().unwrap().reseller_id, None);
    assert_eq!(block(licenses::find(&app, admin.account_id(), &l.id)).unwrap().unwrap().reseller_id, None);
    assert_eq!(block(orgs::show(&app, &admin, &o1.id)).unwrap().reseller_id, None);
    assert_eq!(err(block(resellers::show(&app, &admin, &r.id))).0, 404);
    let evs: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e.contains("reseller")).collect();
    assert_eq!(
        evs,
        [
            "reseller.created",
            "reseller.policies.attached",
            "reseller.policies.detached",
            "reseller.user.created",
            "reseller.user.created",
            "reseller.updated",
            "license.reseller.updated",
            "reseller.deleted"
        ]
    );
}

/// A reseller `r` with policy `p` allotted (and `q` not), and its admin as a caller.
pub(crate) struct World {
    pub env: Env,
    pub admin: Caller,
    pub r: ResellerRow,
    pub p: PolicyRow,
    pub q: PolicyRow,
    pub ra: Caller,
}

pub(crate) fn world(allowed_users: i64) -> World {
    let env = Env::new();
    let admin = env.admin();
    let r = new_reseller(&env, &admin, json!({"name":"Partner","allowedUsers":allowed_users,"allowedOrganizations":1}));
    let product = env.product(&admin, "App");
    let (p, q) = (env.policy(&admin, &product, json!({})), env.policy(&admin, &product, json!({})));
    block(allot::attach(&env.app(), &admin, &r.id, &ids("policies", &[&p.id]))).unwrap();
    let u = new_user(&env, &admin, json!({"email":"ra@x.test","role":"reseller-admin"})).unwrap();
    let u = block(members::set_user_reseller(&env.app(), &admin, &u.id, &to("resellers", Some(&r.id)))).unwrap();
    let ra = Caller { bearer: Bearer::of_user(&u), token_id: None, permissions: None, ..admin.clone() };
    World { env, admin, r, p, q, ra }
}

#[test]
fn a_reseller_admin_manages_its_reseller_only() {
    let World { env, admin, r, p, q, ra } = world(2);
    let app = env.app();
    assert!(matches!(&ra.bearer, Bearer::ResellerAdmin { reseller_id, .. } if *reseller_id == r.id));
    assert_eq!(ra.bearer.kind(), Kind::ResellerAdmin);
    // Its reseller and allotments; never another's (404) nor the caps or allotments (403).
    assert_eq!(block(resellers::show(&app, &ra, &r.id)).unwrap().id, r.id);
    let (rs, n, _) = block(resellers::list(&app, &ra, &Query::default())).unwrap();
    let other = new_reseller(&env, &admin, json!({"name":"Other"}));
    assert_eq!((n, rs[0].id.as_str()), (1, r.id.as_str()));
    assert_eq!(block(resellers::list(&app, &ra, &Query::default())).unwrap().1, 1);
    assert_eq!(err(block(resellers::show(&app, &ra, &other.id))).0, 404);
    assert_eq!(err(block(allot::list(&app, &ra, &other.id, &Query::default()))).0, 404);
    assert_eq!(block(allot::list(&app, &ra, &r.id, &Query::default())).unwrap().1, 1);
    let (st, ..) = err(block(resellers::update(&app, &ra, &r.id, resellers::parse(&doc("resellers", json!({"allowedUsers":-1})), false).unwrap())));
    assert_eq!(st, 403);
    assert_eq!(err(block(allot::attach(&app, &ra, &r.id, &ids("policies", &[&q.id])))).0, 403);
    assert_eq!(err(block(resellers::delete(&app, &ra, &r.id))).0, 403);
    assert_eq!(err(block(members::set_user_reseller(&app, &ra, &ra_id(&ra), &to("resellers", Some(&other.id))))).0, 403);
    // Customers: role `user` only, within `allowedUsers`, its reseller set, `reseller.user.created`.
    let c = new_user(&env, &ra, json!({"email":"c1@x.test"})).unwrap();
    assert_eq!((c.reseller_id.as_deref(), c.role), (Some(r.id.as_str()), UserRole::User));
    for role in ["admin", "developer", "sales-agent", "reseller-admin", "organization-admin"] {
        // Staff roles: the table's `AdminCreate` row; customer-admin roles: `check_assign`.
        assert_eq!(err(new_user(&env, &ra, json!({"email": format!("{role}@x.test"), "role": role}))).0, 403, "{role}");
    }
    new_user(&env, &ra, json!({"email":"c2@x.test"})).unwrap();
    let (st, code, _) = err(new_user(&env, &ra, json!({"email":"c3@x.test"})));
    assert_eq!((st, code.as_str()), (422, "RESELLER_USER_LIMIT_EXCEEDED"));
    assert!(block(users::find(&app, admin.account_id(), "c3@x.test")).unwrap().is_none());
    assert_eq!(err(new_user(&env, &ra, json!({"email":"c1@x.test"}))).1, "EMAIL_TAKEN");
    // Its users: its customers and itself; another's customer or a plain user is 404.
    let outsider = new_user(&env, &admin, json!({"email":"out@x.test"})).unwrap();
    assert_eq!(block(users::list(&app, &ra, &Query::default())).unwrap().1, 3);
    assert_eq!(err(block(users::show(&app, &ra, &outsider.id))).0, 404);
    let renamed = block(users::update(&app, &ra, &c.id, users::parse(&doc("users", json!({"firstName":"Cee"})), false).unwrap())).unwrap();
    assert_eq!(renamed.first_name.as_deref(), Some("Cee"));
    let (st, ..) = err(block(users::update(&app, &ra, &c.id, users::parse(&doc("users", json!({"role":"admin"})), false).unwrap())));
    assert_eq!(st, 403);
    assert_eq!(err(block(users::delete(&app, &ra, &c.id))).0, 403);
    // Licenses: only of allotted policies (else 422 POLICY_NOT_FOUND), for its customers.
    let l = block(licenses::create(&app, &ra, licenses::parse(&license_doc(&p, Some(&c.id)), true).unwrap())).unwrap();
    assert_eq!(l.reseller_id.as_deref(), Some(r.id.as_str()));
    let (st, code, ptr) = err(block(licenses::create(&app, &ra, licenses::parse(&license_doc(&q, None), true).unwrap())));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "POLICY_NOT_FOUND", "/data/relationships/policy"));
    let (st, code, ptr) = err(block(licenses::create(&app, &ra, licenses::parse(&license_doc(&p, Some(&outsider.id)), true).unwrap())));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "OWNER_NOT_FOUND", "/data/relationships/owner"));
    let foreign = env.license(&admin, &p, json!({}));
    assert_eq!(block(licenses::list(&app, &ra, &Query::default())).unwrap().1, 1);
    assert_eq!(err(block(licenses::show(&app, &ra, &foreign.id))).0, 404);
    block(licenses::set_suspended(&app, &ra, &l.id, true)).unwrap();
    assert_eq!(err(block(licenses::set_suspended(&app, &ra, &foreign.id, true))).0, 404);
    let c2 = block(users::find(&app, admin.account_id(), "c2@x.test")).unwrap().unwrap();
    block(licenses::change_owner(&app, &ra, &l.id, &to("users", Some(&c2.id)))).unwrap();
    assert_eq!(err(block(licenses::change_owner(&app, &ra, &l.id, &to("users", Some(&outsider.id))))).1, "OWNER_NOT_FOUND");
    assert_eq!(err(block(license_resellers::set_license_reseller(&app, &ra, &l.id, &to("resellers", None)))).0, 403);
    // Organizations: within `allowedOrganizations`, its own only.
    let o = block(orgs::create(&app, &ra, orgs::parse(&doc("organizations", json!({"name":"Cust"})), true).unwrap())).unwrap();
    assert_eq!(o.reseller_id.as_deref(), Some(r.id.as_str()));
    let (st, code, _) = err(block(orgs::create(&app, &ra, orgs::parse(&doc("organizations", json!({"name":"Two"})), true).unwrap())));
    assert_eq!((st, code.as_str()), (422, "RESELLER_ORGANIZATION_LIMIT_EXCEEDED"));
    let theirs = block(orgs::create(&app, &admin, orgs::parse(&doc("organizations", json!({"name":"Theirs"})), true).unwrap())).unwrap();
    assert_eq!(err(block(orgs::show(&app, &ra, &theirs.id))).0, 404);
    assert_eq!(block(orgs::list(&app, &ra, &Query::default())).unwrap().1, 1);
    assert_eq!(err(block(orgs::delete(&app, &ra, &o.id))).0, 403);
    // Its licenses' machines it lists (the machine list, its reseller's only); another's is 404.
    assert_eq!(block(shared::service::fleet::machines::list(&app, &ra, &Query::default())).unwrap().1, 0);
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1"},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    use shared::service::licensing::activation;
    let m = block(activation::activate(&app, &admin, activation::parse(body.to_string().as_bytes()).unwrap()));
    assert!(m.is_ok(), "{m:?}");
    let (ms, n, _) = block(shared::service::licensing::relations::machines_of_license(&app, &ra, &l.id, &Query::parse("license=other"))).unwrap();
    assert_eq!((n, ms.len()), (1, 1));
    assert_eq!(err(block(shared::service::licensing::relations::machines_of_license(&app, &ra, &foreign.id, &Query::default()))).0, 404);
    assert_eq!(block(shared::service::fleet::machines::list(&app, &ra, &Query::default())).unwrap().1, 1);
    let evs: Vec<String> = env.events().into_iter().map(|(e, _)| e).filter(|e| e == "reseller.user.created").collect();
    assert_eq!(evs.len(), 3); // the admin's move of the reseller admin, then two customers
}

fn ra_id(c: &Caller) -> String {
    match &c.bearer {
        Bearer::ResellerAdmin { user_id, .. } => user_id.clone(),
        _ => String::new(),
    }
}

#[test]
fn only_admins_and_developers_give_the_reseller_admin_role() {
    let World { env, admin, r, .. } = world(-1);
    let app = env.app();
    let staff = |role| Caller { bearer: Bearer::Admin { user_id: "s".into(), role }, ..admin.clone() };
    let (st, _, ptr) = err(new_user(&env, &staff(UserRole::SalesAgent), json!({"email":"sa@x.test","role":"reseller-admin"})));
    assert_eq!((st, ptr.as_str()), (403, "/data/attributes/role"));
    assert_eq!(err(new_user(&env, &staff(UserRole::SupportAgent), json!({"email":"su@x.test","role":"reseller-admin"}))).0, 403);
    let product = env.product(&admin, "P2");
    let as_product = Caller { bearer: Bearer::Product { product_id: product.id }, ..admin.clone() };
    assert_eq!(err(new_user(&env, &as_product, json!({"email":"p@x.test","role":"reseller-admin"}))).0, 403);
    let u = new_user(&env, &staff(UserRole::Developer), json!({"email":"dev-made@x.test","role":"reseller-admin"})).unwrap();
    // A sales agent may not take the role away either, nor move users into resellers.
    let (st, ..) = err(block(users::update(&app, &staff(UserRole::SalesAgent), &u.id, users::parse(&doc("users", json!({"role":"user"})), false).unwrap())));
    assert_eq!(st, 403);
    // Without a reseller it is a plain user.
    let plain = Caller { bearer: Bearer::of_user(&u), ..admin.clone() };
    assert_eq!(plain.bearer.kind(), Kind::User);
    assert_eq!(err(block(resellers::show(&app, &plain, &r.id))).0, 403);
    // Staff by permission: read-only and support agents read; sales agents move; developers manage.
    for role in [UserRole::ReadOnly, UserRole::SupportAgent, UserRole::SalesAgent, UserRole::Developer] {
        assert!(block(resellers::show(&app, &staff(role), &r.id)).is_ok(), "{role:?}");
    }
    assert_eq!(err(block(resellers::delete(&app, &staff(UserRole::SalesAgent), &r.id))).0, 403);
    assert_eq!(err(block(members::set_user_reseller(&app, &staff(UserRole::SupportAgent), &u.id, &to("resellers", Some(&r.id))))).0, 403);
    block(members::set_user_reseller(&app, &staff(UserRole::Developer), &u.id, &to("resellers", Some(&r.id)))).unwrap();
    // Products, users and licenses never see resellers.
    for bearer in [Bearer::User { user_id: u.id.clone() }, Bearer::License { license_id: "l".into() }] {
        let c = Caller { bearer, ..admin.clone() };
        assert_eq!(err(block(resellers::list(&app, &c, &Query::default()))).0, 403);
    }
}

#[test]
fn the_reseller_admin_role_names_exactly_its_rows_permissions() {
    let names = permissions::role_defaults(UserRole::ResellerAdmin);
    for &a in Action::ALL {
        if scope(a, Kind::ResellerAdmin) != Scope::Nobody {
            assert!(names.contains(&a.permission()), "{a:?} needs {} in names::RESELLER_ADMIN", a.permission());
        }
    }
    for n in &names {
        let used = Action::ALL.iter().any(|&a| a.permission() == *n && scope(a, Kind::ResellerAdmin) != Scope::Nobody);
        assert!(used, "{n} grants the reseller admin nothing");
        assert!(permissions::is_known(n), "{n}");
    }
}
