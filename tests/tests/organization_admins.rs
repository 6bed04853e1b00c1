//! Organization admins (issue 10 §7, Cryptlex's customer-portal role) on the real runtime: an
//! organization admin logged in with its password manages its organization's users (create
//! within `allowedUsers`, update, delete), reads its organization's licenses and machines,
//! assigns licenses to members and deactivates machines; everything outside its organization
//! is 404 and what the role may never do is 403. N concurrent creates never pass the cap.
//! Organization on create for users and licenses; staff kept out of organizations.

use base64::Engine as _;
use e2e::{server, Client, TestAccount};
use serde_json::{json, Value};

fn post(c: &Client, a: &TestAccount, path: &str, body: Value) -> Value {
    let r = c.post(&a.path(path), a.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn err(r: &e2e::Resp) -> (u16, Option<&str>, Option<&str>) {
    (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str())
}

fn org(c: &Client, a: &TestAccount, allowed: i64) -> String {
    id(&post(c, a, "/organizations", json!({"data":{"type":"organizations","attributes":{"name":e2e::unique_tag(),"allowedUsers":allowed}}})))
}

fn user_body(attrs: Value, org: Option<&str>) -> Value {
    let mut data = json!({"type":"users","attributes":attrs});
    if let Some(o) = org {
        data["relationships"] = json!({"organization":{"data":{"type":"organizations","id":o}}});
    }
    json!({ "data": data })
}

fn email() -> String {
    format!("{}@example.com", e2e::unique_tag())
}

/// An organization admin of `org` and its token, from a password login.
fn org_admin(c: &Client, a: &TestAccount, org: &str) -> (String, String) {
    let mail = email();
    let u = post(c, a, "/users", user_body(json!({"email":mail,"password":"correct horse","role":"organization-admin"}), Some(org)));
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{mail}:correct horse")));
    let r = c.post(&a.path("/tokens"), Some(&basic), None);
    let token = r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    (id(&u), token)
}

fn ids(r: &e2e::Resp) -> Vec<String> {
    let mut v: Vec<String> = r.json["data"].as_array().map(|a| a.iter().map(id).collect()).unwrap_or_default();
    v.sort();
    v
}

#[test]
fn an_organization_admin_manages_its_organization_and_nothing_else() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (o, other) = (org(&c, &a, -1), org(&c, &a, -1));
    let (me, t) = org_admin(&c, &a, &o);
    let t = Some(t.as_str());
    // Its organization, not the other.
    let r = c.get(&a.path("/organizations"), t, None);
    assert_eq!(ids(r.assert_status(200)), vec![o.clone()]);
    assert_eq!(c.get(&a.path(&format!("/organizations/{other}")), t, None).status, 404);
    assert_eq!(err(&c.patch(&a.path(&format!("/organizations/{o}")), t, Some(json!({"data":{"type":"organizations","attributes":{"name":"x"}}})))).0, 403);
    // Members: created into its organization with role user; staff or other roles refused.
    let r = c.post(&a.path("/users"), t, Some(user_body(json!({"email":email()}), None)));
    let member = r.assert_status(201).json["data"].clone();
    assert_eq!((member["attributes"]["role"].as_str(), member["relationships"]["organization"]["data"]["id"].as_str()), (Some("user"), Some(o.as_str())));
    let m = id(&member);
    for role in ["admin", "developer", "organization-admin"] {
        let r = c.post(&a.path("/users"), t, Some(user_body(json!({"email":email(),"role":role}), None)));
        // Staff roles are refused by the table (AdminCreate), the customer role by the role rule.
        let want = if role == "organization-admin" { Some("/data/attributes/role") } else { None };
        assert_eq!(err(&r), (403, Some("FORBIDDEN"), want), "{role}");
    }
    let r = c.post(&a.path("/users"), t, Some(user_body(json!({"email":email()}), Some(&other))));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_NOT_FOUND"), Some("/data/relationships/organization")));
    let outsider = id(&post(&c, &a, "/users", user_body(json!({"email":email()}), Some(&other))));
    let r = c.get(&a.path("/users"), t, None);
    let mut want = vec![me.clone(), m.clone()];
    want.sort();
    assert_eq!(ids(r.assert_status(200)), want);
    assert_eq!(c.get(&a.path(&format!("/users/{outsider}")), t, None).status, 404);
    assert_eq!(c.get(&a.path(&format!("/users/{}", a.admin_id)), t, None).status, 404);
    let r = c.patch(&a.path(&format!("/users/{m}")), t, Some(json!({"data":{"type":"users","attributes":{"firstName":"Mia"}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["firstName"].as_str(), Some("Mia"));
    let r = c.patch(&a.path(&format!("/users/{me}")), t, Some(json!({"data":{"type":"users","attributes":{"role":"admin"}}})));
    assert_eq!(err(&r).0, 403);
    let r = c.patch(&a.path(&format!("/users/{outsider}")), t, Some(json!({"data":{"type":"users","attributes":{"firstName":"X"}}})));
    assert_eq!(err(&r).0, 404);
    let r = c.put(&a.path(&format!("/users/{m}/organization")), t, Some(json!({"data":null})));
    assert_eq!(err(&r).0, 403);
    // Licenses: its organization's; assigned to members only; machines read and deactivated.
    let product = id(&post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let policy = id(&post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":5},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    ));
    let license_in = |org: Option<&str>| {
        let mut rels = json!({"policy":{"data":{"type":"policies","id":policy}}});
        if let Some(o) = org {
            rels["organization"] = json!({"data":{"type":"organizations","id":o}});
        }
        post(&c, &a, "/licenses", json!({"data":{"type":"licenses","relationships":rels}}))
    };
    let l = license_in(Some(&o));
    assert_eq!(l["relationships"]["organization"]["data"]["id"].as_str(), Some(o.as_str()));
    let (l, far) = (id(&l), id(&license_in(Some(&other))));
    let r = c.get(&a.path("/licenses"), t, None);
    assert_eq!(ids(r.assert_status(200)), vec![l.clone()]);
    assert_eq!(c.get(&a.path(&format!("/licenses/{far}")), t, None).status, 404);
    let r = c.put(&a.path(&format!("/licenses/{l}/owner")), t, Some(json!({"data":{"type":"users","id":m}})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["owner"]["data"]["id"].as_str(), Some(m.as_str()));
    let r = c.put(&a.path(&format!("/licenses/{l}/owner")), t, Some(json!({"data":{"type":"users","id":outsider}})));
    assert_eq!(err(&r), (422, Some("OWNER_NOT_FOUND"), Some("/data")));
    let r = c.post(&a.path(&format!("/licenses/{l}/users")), t, Some(json!({"data":[{"type":"users","id":me}]})));
    r.assert_status(200);
    let r = c.post(&a.path(&format!("/licenses/{l}/users")), t, Some(json!({"data":[{"type":"users","id":outsider}]})));
    assert_eq!(err(&r), (422, Some("USER_NOT_FOUND"), Some("/data/0")));
    assert_eq!(c.patch(&a.path(&format!("/licenses/{l}")), t, Some(json!({"data":{"type":"licenses","attributes":{"name":"x"}}}))).status, 403);
    let machine = |lic: &str| {
        post(
            &c,
            &a,
            "/machines",
            json!({"data":{"type":"machines","attributes":{"fingerprint":e2e::unique_tag()},"relationships":{"license":{"data":{"type":"licenses","id":lic}}}}}),
        )
    };
    let (mm, mfar) = (id(&machine(&l)), id(&machine(&far)));
    let r = c.get(&a.path("/machines"), t, None);
    assert_eq!(ids(r.assert_status(200)), vec![mm.clone()]);
    assert_eq!(c.delete(&a.path(&format!("/machines/{mfar}")), t, None).status, 404);
    c.delete(&a.path(&format!("/machines/{mm}")), t, None).assert_status(204);
    // A member leaves; itself it cannot delete; outsiders are 404.
    assert_eq!(c.delete(&a.path(&format!("/users/{outsider}")), t, None).status, 404);
    assert_eq!(c.delete(&a.path(&format!("/users/{me}")), t, None).status, 422);
    c.delete(&a.path(&format!("/users/{m}")), t, None).assert_status(204);
    // Events: Cryptlex's organization.user.created for the member it created.
    let r = c.get(&a.path(&format!("/event-logs?event=organization.user.created&resource[id]={m}")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map_or(0, Vec::len), 1, "{}", r.json);
}

#[test]
fn an_organization_admin_without_an_organization_is_a_plain_user() {
    let a = server().bootstrap_account();
    let c = a.client();
    let mail = email();
    post(&c, &a, "/users", user_body(json!({"email":mail,"password":"correct horse","role":"organization-admin"}), None));
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{mail}:correct horse")));
    let t = c.post(&a.path("/tokens"), Some(&basic), None).assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(c.post(&a.path("/users"), Some(&t), Some(user_body(json!({"email":email()}), None))).status, 403);
    assert_eq!(c.get(&a.path("/organizations"), Some(&t), None).status, 403);
}

#[test]
fn concurrent_creates_by_an_organization_admin_never_exceed_allowed_users() {
    let a = server().bootstrap_account();
    let c = a.client();
    // allowedUsers 3: the admin itself holds one seat, two remain.
    let o = org(&c, &a, 3);
    let (_, t) = org_admin(&c, &a, &o);
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..10)
            .map(|_| {
                let (a, t) = (&a, &t);
                s.spawn(move || {
                    let r = a.client().post(&a.path("/users"), Some(t), Some(user_body(json!({"email":email()}), None)));
                    (r.status, r.error_code().map(str::to_owned))
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or((0, None))).collect()
    });
    let ok = statuses.iter().filter(|(s, _)| *s == 201).count();
    let full = statuses.iter().filter(|(s, c)| *s == 422 && c.as_deref() == Some("ORGANIZATION_USER_LIMIT_EXCEEDED")).count();
    assert_eq!((ok, full), (2, 8), "{statuses:?}");
    let members = c.get(&a.path(&format!("/organizations/{o}/users")), a.admin(), None);
    assert_eq!(members.json["meta"]["count"].as_u64().or(members.json["data"].as_array().map(|v| v.len() as u64)), Some(3));
}

#[test]
fn organization_on_create_and_staff_kept_out() {
    let a = server().bootstrap_account();
    let c = a.client();
    let o = org(&c, &a, -1);
    let u = post(&c, &a, "/users", user_body(json!({"email":email()}), Some(&o)));
    assert_eq!(u["relationships"]["organization"]["data"]["id"].as_str(), Some(o.as_str()));
    let r = c.post(&a.path("/users"), a.admin(), Some(user_body(json!({"email":email()}), Some("00000000-0000-4000-8000-000000000000"))));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_NOT_FOUND"), Some("/data/relationships/organization")));
    let r = c.post(&a.path("/users"), a.admin(), Some(user_body(json!({"email":email(),"role":"developer"}), Some(&o))));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_STAFF_NOT_ALLOWED"), Some("/data/relationships/organization")));
    let r = c.patch(&a.path(&format!("/users/{}", id(&u))), a.admin(), Some(json!({"data":{"type":"users","attributes":{"role":"read-only"}}})));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_STAFF_NOT_ALLOWED"), Some("/data/attributes/role")));
    let dev = id(&post(&c, &a, "/users", user_body(json!({"email":email(),"role":"developer"}), None)));
    let r = c.put(&a.path(&format!("/users/{dev}/organization")), a.admin(), Some(json!({"data":{"type":"organizations","id":o}})));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_STAFF_NOT_ALLOWED"), Some("/data")));
    let r = c.patch(
        &a.path(&format!("/users/{}", id(&u))),
        a.admin(),
        Some(json!({"data":{"type":"users","relationships":{"organization":{"data":{"type":"organizations","id":o}}}}})),
    );
    assert_eq!(err(&r), (400, Some("PARAMETER_UNPERMITTED"), Some("/data/relationships/organization")));
    // A sales agent may not make an organization admin; a developer may.
    let sales_mail = email();
    post(&c, &a, "/users", user_body(json!({"email":sales_mail,"password":"correct horse","role":"sales-agent"}), None));
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{sales_mail}:correct horse")));
    let st = c.post(&a.path("/tokens"), Some(&basic), None).assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let r = c.post(&a.path("/users"), Some(&st), Some(user_body(json!({"email":email(),"role":"organization-admin"}), Some(&o))));
    assert_eq!(err(&r), (403, Some("FORBIDDEN"), Some("/data/attributes/role")));
    let product = id(&post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let policy = id(&post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    ));
    let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},"organization":{"data":{"type":"organizations","id":"nope"}}}}});
    let r = c.post(&a.path("/licenses"), a.admin(), Some(body));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_NOT_FOUND"), Some("/data/relationships/organization")));
}
