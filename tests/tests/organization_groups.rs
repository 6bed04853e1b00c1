//! Organization admins (issue 10 §7) on the real runtime, the rest of what they manage: their
//! organization's groups (create, list, read, update, delete; their members' moves, within
//! `maxUsers`), the processes and components of their organization's machines, and Keygen's
//! protected-license rule outside their organization (403, as for a plain user).

use base64::Engine as _;
use e2e::{server, Client, TestAccount};
use serde_json::{json, Value};

fn post(c: &Client, a: &TestAccount, token: Option<&str>, path: &str, body: Value) -> Value {
    let r = c.post(&a.path(path), token, Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn ids(r: &e2e::Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.json);
    let mut v: Vec<String> = r.json["data"].as_array().map(|a| a.iter().map(id).collect()).unwrap_or_default();
    v.sort();
    v
}

fn email() -> String {
    format!("{}@example.com", e2e::unique_tag())
}

fn org(c: &Client, a: &TestAccount) -> String {
    id(&post(c, a, a.admin(), "/organizations", json!({"data":{"type":"organizations","attributes":{"name":e2e::unique_tag()}}})))
}

fn user_in(c: &Client, a: &TestAccount, org: Option<&str>, attrs: Value) -> String {
    let mut data = json!({"type":"users","attributes":attrs});
    if let Some(o) = org {
        data["relationships"] = json!({"organization":{"data":{"type":"organizations","id":o}}});
    }
    id(&post(c, a, a.admin(), "/users", json!({ "data": data })))
}

/// An organization admin of `org`: its user id and token (password login).
fn org_admin(c: &Client, a: &TestAccount, org: &str) -> (String, String) {
    let mail = email();
    let u = user_in(c, a, Some(org), json!({"email":mail,"password":"correct horse","role":"organization-admin"}));
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{mail}:correct horse")));
    let r = c.post(&a.path("/tokens"), Some(&basic), None);
    (u, r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
}

fn to_group(g: Option<&str>) -> Value {
    json!({"data": g.map(|g| json!({"type":"groups","id":g}))})
}

fn license(c: &Client, a: &TestAccount, policy: &str, owner: &str, org: Option<&str>, protected: bool) -> String {
    let mut rels = json!({"policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":owner}}});
    if let Some(o) = org {
        rels["organization"] = json!({"data":{"type":"organizations","id":o}});
    }
    id(&post(c, a, a.admin(), "/licenses", json!({"data":{"type":"licenses","attributes":{"protected":protected},"relationships":rels}})))
}

fn machine(c: &Client, a: &TestAccount, license: &str) -> String {
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":e2e::unique_tag()},"relationships":{"license":{"data":{"type":"licenses","id":license}}}}});
    id(&post(c, a, a.admin(), "/machines", body))
}

fn policy(c: &Client, a: &TestAccount) -> String {
    let p = id(&post(c, a, a.admin(), "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let body = json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":10},"relationships":{"product":{"data":{"type":"products","id":p}}}}});
    id(&post(c, a, a.admin(), "/policies", body))
}

#[test]
fn an_organization_admin_manages_its_organizations_groups_and_their_members() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (o, other) = (org(&c, &a), org(&c, &a));
    let (me, t) = org_admin(&c, &a, &o);
    let (_, t2) = org_admin(&c, &a, &other);
    let (t, t2) = (Some(t.as_str()), Some(t2.as_str()));
    let member = user_in(&c, &a, Some(&o), json!({"email":email()}));
    let outsider = user_in(&c, &a, None, json!({"email":email()}));
    // Its group; the vendor's; the other organization's.
    let g = id(&post(&c, &a, t, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Team","maxUsers":2}}})));
    let vendor = id(&post(&c, &a, a.admin(), "/groups", json!({"data":{"type":"groups","attributes":{"name":"Vendor"}}})));
    let theirs = id(&post(&c, &a, t2, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Theirs"}}})));
    assert_eq!(ids(&c.get(&a.path("/groups"), t, None)), vec![g.clone()]);
    assert_eq!(ids(&c.get(&a.path("/groups"), t2, None)), vec![theirs.clone()]);
    assert_eq!(c.get(&a.path(&format!("/groups/{g}")), t, None).status, 200);
    assert_eq!(c.get(&a.path(&format!("/groups/{theirs}")), t, None).status, 404);
    assert_eq!(c.get(&a.path(&format!("/groups/{vendor}")), t, None).status, 404);
    let rename = |grp: &str, token| c.patch(&a.path(&format!("/groups/{grp}")), token, Some(json!({"data":{"type":"groups","attributes":{"name":"Renamed"}}})));
    assert_eq!(rename(&g, t).assert_status(200).json["data"]["attributes"]["name"].as_str(), Some("Renamed"));
    assert_eq!(rename(&theirs, t).status, 404);
    // Members: into its groups only, within maxUsers (2).
    let put = |u: &str, grp: Option<&str>, token| c.put(&a.path(&format!("/users/{u}/group")), token, Some(to_group(grp)));
    put(&member, Some(&g), t).assert_status(200);
    let r = put(&member, Some(&vendor), t);
    assert_eq!((r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str()), (422, Some("GROUP_NOT_FOUND"), Some("/data")));
    assert_eq!(put(&outsider, Some(&g), t).status, 404);
    put(&me, Some(&g), t).assert_status(200);
    let third = user_in(&c, &a, Some(&o), json!({"email":email()}));
    assert_eq!(put(&third, Some(&g), t).error_code(), Some("GROUP_USER_LIMIT_EXCEEDED"));
    let r = c.post(
        &a.path("/users"),
        t,
        Some(json!({"data":{"type":"users","attributes":{"email":email()},"relationships":{"group":{"data":{"type":"groups","id":vendor}}}}})),
    );
    assert_eq!((r.status, r.error_code()), (422, Some("GROUP_NOT_FOUND")));
    assert_eq!(ids(&c.get(&a.path(&format!("/groups/{g}/users")), t, None)), {
        let mut v = vec![me.clone(), member.clone()];
        v.sort();
        v
    });
    // A vendor group the vendor put its member in: readable, never changed or left.
    put(&third, Some(&vendor), a.admin()).assert_status(200);
    put(&me, Some(&vendor), a.admin()).assert_status(200);
    assert_eq!(c.get(&a.path(&format!("/groups/{vendor}")), t, None).status, 200);
    assert_eq!(rename(&vendor, t).status, 403);
    assert_eq!(c.delete(&a.path(&format!("/groups/{vendor}")), t, None).status, 403);
    assert_eq!(put(&third, None, t).status, 403);
    // Deleting its group lets its members go.
    c.delete(&a.path(&format!("/groups/{g}")), t, None).assert_status(204);
    assert!(c.get(&a.path(&format!("/users/{member}")), a.admin(), None).json["data"]["relationships"]["group"]["data"].is_null());
    let evs = c.get(&a.path(&format!("/event-logs?event=group.created&resource[id]={g}")), a.admin(), None);
    assert_eq!(evs.json["data"].as_array().map_or(0, Vec::len), 1);
}

#[test]
fn processes_components_and_protected_licenses_of_an_organization_admin() {
    let a = server().bootstrap_account();
    let c = a.client();
    let o = org(&c, &a);
    let (me, t) = org_admin(&c, &a, &o);
    let t = Some(t.as_str());
    let member = user_in(&c, &a, Some(&o), json!({"email":email()}));
    let outsider = user_in(&c, &a, None, json!({"email":email()}));
    let pol = policy(&c, &a);
    let (inside, outside) = (license(&c, &a, &pol, &member, Some(&o), false), license(&c, &a, &pol, &outsider, None, false));
    let (mi, mo) = (machine(&c, &a, &inside), machine(&c, &a, &outside));
    let spawn = |m: &str| {
        let body = json!({"data":{"type":"processes","attributes":{"pid":e2e::unique_tag()},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}});
        id(&post(&c, &a, a.admin(), "/processes", body))
    };
    let component = |m: &str| {
        let body = json!({"data":{"type":"components","attributes":{"fingerprint":e2e::unique_tag(),"name":"cpu"},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}});
        id(&post(&c, &a, a.admin(), "/components", body))
    };
    let (pi, po) = (spawn(&mi), spawn(&mo));
    let (ci, _) = (component(&mi), component(&mo));
    assert_eq!(ids(&c.get(&a.path("/processes"), t, None)), vec![pi.clone()]);
    assert_eq!(ids(&c.get(&a.path("/components"), t, None)), vec![ci.clone()]);
    assert_eq!(ids(&c.get(&a.path(&format!("/processes?machine={mo}")), t, None)), Vec::<String>::new());
    assert_eq!(c.get(&a.path(&format!("/processes/{po}")), t, None).status, 404);
    assert_eq!(c.get(&a.path(&format!("/processes/{pi}")), t, None).status, 200);
    // Protected licenses: outside its organization it is a plain user (403), inside it manages.
    let held = license(&c, &a, &pol, &me, None, true);
    let org_protected = license(&c, &a, &pol, &member, Some(&o), true);
    let (mh, mp) = (machine(&c, &a, &held), machine(&c, &a, &org_protected));
    let r = c.delete(&a.path(&format!("/machines/{mh}")), t, None);
    assert_eq!((r.status, r.error_code()), (403, Some("FORBIDDEN")));
    c.get(&a.path(&format!("/machines/{mh}")), a.admin(), None).assert_status(200);
    c.delete(&a.path(&format!("/machines/{mp}")), t, None).assert_status(204);
    c.delete(&a.path(&format!("/machines/{mi}")), t, None).assert_status(204);
}
