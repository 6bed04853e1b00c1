//! Organization admins (issue 10 §7) and the rest of what they manage: their organization's
//! groups (Keygen's groups, owned by the organization: create, read, update, delete, and their
//! members' moves between them), processes and components of their organization's machines,
//! and Keygen's protected-license rule outside their organization.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::service::catalogue::groups;
use shared::service::fleet::{components, processes};
use shared::service::identity::users;
use shared::service::licensing::{activation, licenses};
use shared::service::Caller;
use shared::store::rows::{GroupRow, LicenseRow, MachineRow, UserRow};

use crate::organization_admins::{create_user, err, new_org, world};
use crate::support::{block, Env};

fn group(env: &Env, caller: &Caller, name: &str) -> shared::Result<GroupRow> {
    let body = json!({"data":{"type":"groups","attributes":{"name":name,"maxUsers":5}}}).to_string();
    block(groups::create(&env.app(), caller, groups::parse(body.as_bytes(), true)?))
}

fn to_group(id: Option<&str>) -> Vec<u8> {
    json!({"data": id.map(|g| json!({"type":"groups","id":g}))}).to_string().into_bytes()
}

fn license(env: &Env, admin: &Caller, attrs: Value, owner: &UserRow, org: Option<&str>) -> LicenseRow {
    let product = env.product(admin, "App");
    let policy = env.policy(admin, &product, json!({"floating":true,"maxMachines":5}));
    let mut rels = json!({"policy":{"data":{"type":"policies","id":policy.id}},"owner":{"data":{"type":"users","id":owner.id}}});
    if let Some(o) = org {
        rels["organization"] = json!({"data":{"type":"organizations","id":o}});
    }
    let body = json!({"data":{"type":"licenses","attributes":attrs,"relationships":rels}}).to_string();
    block(licenses::create(&env.app(), admin, licenses::parse(body.as_bytes(), true).unwrap())).unwrap()
}

fn machine(env: &Env, admin: &Caller, l: &LicenseRow) -> MachineRow {
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":format!("fp-{}", l.id)},"relationships":{"license":{"data":{"type":"licenses","id":l.id}}}}});
    block(activation::activate(&env.app(), admin, activation::parse(body.to_string().as_bytes()).unwrap())).unwrap()
}

fn ids<T>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|r| id(r).to_owned()).collect();
    v.sort();
    v
}

#[test]
fn an_organization_admin_manages_its_organizations_groups_only() {
    let env = Env::new();
    let (admin, o, oa, c) = world(&env, -1);
    let app = env.app();
    let m = create_user(&env, &c, json!({"email":"m@acme.test"}), None).unwrap();
    let other = new_org(&env, &admin, -1);
    let (oc, _) = {
        let u = create_user(&env, &admin, json!({"email":"oa2@acme.test","role":"organization-admin"}), Some(&other.id)).unwrap();
        (crate::organization_admins::as_bearer(&admin, &u), u)
    };
    // Its groups belong to its organization; a vendor group (the admin's) it sees only as a member.
    let g = group(&env, &c, "Team").unwrap();
    assert_eq!(g.organization_id.as_deref(), Some(o.id.as_str()));
    let vendor = group(&env, &admin, "Vendor").unwrap();
    assert_eq!(vendor.organization_id, None);
    let theirs = group(&env, &oc, "Theirs").unwrap();
    let (gs, n, _) = block(groups::list(&app, &c, &Query::default())).unwrap();
    assert_eq!((ids(&gs, |g| &g.id), n), (vec![g.id.clone()], 1));
    assert_eq!(err(block(groups::show(&app, &c, &vendor.id))).0, 404);
    assert_eq!(err(block(groups::show(&app, &c, &theirs.id))).0, 404);
    let rename = |id: &str, caller: &Caller| {
        let body = json!({"data":{"type":"groups","attributes":{"name":"Renamed"}}}).to_string();
        block(groups::update(&app, caller, id, groups::parse(body.as_bytes(), false).unwrap()))
    };
    assert_eq!(rename(&g.id, &c).unwrap().name, "Renamed");
    assert_eq!(err(rename(&theirs.id, &c)).0, 404);
    // Members: its organization's users of role `user` (and itself), into its groups only.
    let u = block(groups::set_user_group(&app, &c, &m.id, &to_group(Some(&g.id)))).unwrap();
    assert_eq!(u.group_id.as_deref(), Some(g.id.as_str()));
    let (st, code, ptr) = err(block(groups::set_user_group(&app, &c, &m.id, &to_group(Some(&vendor.id)))));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "GROUP_NOT_FOUND", "/data"));
    assert_eq!(err(block(groups::set_user_group(&app, &c, &m.id, &to_group(Some(&theirs.id))))).1, "GROUP_NOT_FOUND");
    block(groups::set_user_group(&app, &c, &oa.id, &to_group(Some(&g.id)))).unwrap();
    let outsider = create_user(&env, &admin, json!({"email":"out@acme.test"}), None).unwrap();
    assert_eq!(err(block(groups::set_user_group(&app, &c, &outsider.id, &to_group(Some(&g.id))))).0, 404);
    let peer = create_user(&env, &admin, json!({"email":"peer@acme.test","role":"organization-admin"}), Some(&o.id)).unwrap();
    assert_eq!(err(block(groups::set_user_group(&app, &c, &peer.id, &to_group(Some(&g.id))))).0, 403);
    // A member the vendor put in its group: read as a member, never changed, never moved out.
    let n2 = create_user(&env, &c, json!({"email":"n2@acme.test"}), None).unwrap();
    block(groups::set_user_group(&app, &admin, &n2.id, &to_group(Some(&vendor.id)))).unwrap();
    block(groups::set_user_group(&app, &admin, &oa.id, &to_group(Some(&vendor.id)))).unwrap();
    assert_eq!(block(groups::show(&app, &c, &vendor.id)).unwrap().id, vendor.id);
    assert_eq!(err(rename(&vendor.id, &c)).0, 403);
    assert_eq!(err(block(groups::delete(&app, &c, &vendor.id))).0, 403);
    assert_eq!(err(block(groups::set_user_group(&app, &c, &n2.id, &to_group(None)))).0, 403);
    // A new member joins one of its groups, never a vendor group.
    let body = |email: &str, g: &str| json!({"data":{"type":"users","attributes":{"email":email},"relationships":{"group":{"data":{"type":"groups","id":g}}}}});
    let create = |b: Value| block(users::create(&app, &c, users::parse(b.to_string().as_bytes(), true).unwrap()));
    assert_eq!(create(body("j@acme.test", &g.id)).unwrap().group_id.as_deref(), Some(g.id.as_str()));
    let (st, code, ptr) = err(create(body("k@acme.test", &vendor.id)));
    assert_eq!((st, code.as_str(), ptr.as_str()), (422, "GROUP_NOT_FOUND", "/data/relationships/group"));
    assert!(block(users::find(&app, admin.account_id(), "k@acme.test")).unwrap().is_none());
    // Its group's members it lists; deleting the group lets them go.
    let (us, _, _) = block(groups::users(&app, &c, &g.id, &Query::default())).unwrap();
    assert_eq!(us.len(), 2, "{:?}", ids(&us, |u| &u.id));
    block(groups::delete(&app, &c, &g.id)).unwrap();
    assert_eq!(block(users::find(&app, admin.account_id(), &m.id)).unwrap().unwrap().group_id, None);
    // Deleting the organization hands its groups to the vendor.
    let g2 = group(&env, &oc, "Kept").unwrap();
    block(shared::service::identity::organizations::delete(&app, &admin, &other.id)).unwrap();
    assert_eq!(block(groups::find(&app, admin.account_id(), &g2.id)).unwrap().unwrap().organization_id, None);
}

#[test]
fn processes_and_components_are_its_organizations_machines() {
    let env = Env::new();
    let (admin, o, _oa, c) = world(&env, -1);
    let app = env.app();
    let m = create_user(&env, &c, json!({"email":"m@acme.test"}), None).unwrap();
    let outsider = create_user(&env, &admin, json!({"email":"out@acme.test"}), None).unwrap();
    let (inside, outside) = (license(&env, &admin, json!({}), &m, Some(&o.id)), license(&env, &admin, json!({}), &outsider, None));
    let (mi, mo) = (machine(&env, &admin, &inside), machine(&env, &admin, &outside));
    let spawn = |mach: &MachineRow, pid: &str| {
        let body = json!({"data":{"type":"processes","attributes":{"pid":pid},"relationships":{"machine":{"data":{"type":"machines","id":mach.id}}}}});
        block(processes::spawn(&app, &admin, processes::parse(body.to_string().as_bytes()).unwrap())).unwrap()
    };
    let component = |mach: &MachineRow, fp: &str| {
        let body = json!({"data":{"type":"components","attributes":{"fingerprint":fp,"name":"cpu"},"relationships":{"machine":{"data":{"type":"machines","id":mach.id}}}}});
        block(components::create(&app, &admin, components::parse(body.to_string().as_bytes()).unwrap())).unwrap()
    };
    let (pi, _) = (spawn(&mi, "1"), spawn(&mo, "2"));
    let (ci, _) = (component(&mi, "c-in"), component(&mo, "c-out"));
    let (ps, n, _) = block(processes::list(&app, &c, &Query::default())).unwrap();
    assert_eq!((ids(&ps, |p| &p.id), n), (vec![pi.id.clone()], 1));
    let (cs, n, _) = block(components::list(&app, &c, &Query::default())).unwrap();
    assert_eq!((ids(&cs, |c| &c.id), n), (vec![ci.id.clone()], 1));
    assert_eq!(block(processes::list(&app, &c, &Query::parse(&format!("machine={}", mo.id)))).unwrap().1, 0);
    // A plain user still sees only what it holds; admins all.
    assert_eq!(block(processes::list(&app, &admin, &Query::default())).unwrap().1, 2);
    let plain = crate::organization_admins::as_bearer(&admin, &outsider);
    assert_eq!(block(components::list(&app, &plain, &Query::default())).unwrap().1, 1);
}

/// Keygen's protected licenses: only admins and products act on them. Outside its organization
/// an organization admin is a plain user, so a machine of a protected license it holds there
/// is not its to deactivate; inside its organization it manages its members' machines.
#[test]
fn it_never_deactivates_machines_of_a_protected_license_outside_its_organization() {
    let env = Env::new();
    let (admin, o, oa, c) = world(&env, -1);
    let app = env.app();
    let held = license(&env, &admin, json!({"protected":true}), &oa, None);
    let open = license(&env, &admin, json!({}), &oa, None);
    let m = create_user(&env, &c, json!({"email":"m@acme.test"}), None).unwrap();
    let org_protected = license(&env, &admin, json!({"protected":true}), &m, Some(&o.id));
    let (mh, mopen, morg) = (machine(&env, &admin, &held), machine(&env, &admin, &open), machine(&env, &admin, &org_protected));
    let (st, code, _) = err(block(activation::deactivate(&app, &c, &mh.id)));
    assert_eq!((st, code.as_str()), (403, "FORBIDDEN"));
    assert!(block(shared::service::fleet::machines::find(&app, admin.account_id(), &mh.id)).unwrap().is_some());
    // Reading it is fine; an unprotected license it holds is its own; its organization's, too.
    assert!(block(shared::service::fleet::machines::show(&app, &c, &mh.id)).is_ok());
    block(activation::deactivate(&app, &c, &mopen.id)).unwrap();
    block(activation::deactivate(&app, &c, &morg.id)).unwrap();
    // A plain user holding a protected license is refused the same way (the table's row).
    let u = create_user(&env, &admin, json!({"email":"u@acme.test"}), None).unwrap();
    let theirs = license(&env, &admin, json!({"protected":true}), &u, None);
    let mu = machine(&env, &admin, &theirs);
    assert_eq!(err(block(activation::deactivate(&app, &crate::organization_admins::as_bearer(&admin, &u), &mu.id))).0, 403);
}
