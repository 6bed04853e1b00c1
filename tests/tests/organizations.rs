//! Organizations (issue 10 §7, Cryptlex 3.59/3.66) on the real runtime: CRUD with
//! `created`/`updated` operators, users moved in and out within `allowedUsers` (N concurrent
//! moves never exceed it), licenses assigned, `GET /organizations/{id}/users|licenses`, the
//! to-one relationships on users and licenses, detaching on delete, events, and refusals for
//! bearers other than admins and staff.

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

fn org_body(attrs: Value) -> Value {
    json!({"data":{"type":"organizations","attributes":attrs}})
}

fn to(org: Option<&str>) -> Value {
    json!({"data": org.map(|o| json!({"type":"organizations","id":o}))})
}

fn user(c: &Client, a: &TestAccount) -> String {
    id(&post(c, a, "/users", json!({"data":{"type":"users","attributes":{"email":format!("{}@example.com", e2e::unique_tag())}}})))
}

fn err(r: &e2e::Resp) -> (u16, Option<&str>, Option<&str>) {
    (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str())
}

#[test]
fn organization_routes_crud_members_licenses_and_events() {
    let a = server().bootstrap_account();
    let c = a.client();
    let o = post(
        &c,
        &a,
        "/organizations",
        org_body(
            json!({"name":"Acme","email":"it@acme.test","description":"Customer","address":{"city":"Oslo","country":"NO"},"allowedUsers":2,"metadata":{"crm":7}}),
        ),
    );
    let oid = id(&o);
    assert_eq!(
        (
            o["type"].as_str(),
            o["attributes"]["allowedUsers"].as_i64(),
            o["attributes"]["address"]["city"].as_str(),
            o["relationships"]["users"]["meta"]["count"].as_i64()
        ),
        (Some("organizations"), Some(2), Some("Oslo"), Some(0))
    );
    // Bad input: precise codes and pointers, nothing written.
    let r = c.post(&a.path("/organizations"), a.admin(), Some(org_body(json!({"name":"X","allowedUsers":-5}))));
    assert_eq!(err(&r), (422, Some("ALLOWED_USERS_INVALID"), Some("/data/attributes/allowedUsers")));
    let r = c.post(&a.path("/organizations"), a.admin(), Some(org_body(json!({"name":"X","address":{"planet":"Mars"}}))));
    assert_eq!(err(&r), (400, Some("PARAMETER_UNPERMITTED"), Some("/data/attributes/address/planet")));
    let r = c.post(&a.path("/organizations"), a.admin(), Some(org_body(json!({"description":"no name"}))));
    assert_eq!(err(&r), (422, Some("NAME_MISSING"), Some("/data/attributes/name")));
    // Members: two fit, the third is refused.
    let (u1, u2, u3) = (user(&c, &a), user(&c, &a), user(&c, &a));
    for u in [&u1, &u2] {
        let r = c.put(&a.path(&format!("/users/{u}/organization")), a.admin(), Some(to(Some(&oid))));
        assert_eq!(r.assert_status(200).json["data"]["relationships"]["organization"]["data"]["id"].as_str(), Some(oid.as_str()));
    }
    let r = c.put(&a.path(&format!("/users/{u3}/organization")), a.admin(), Some(to(Some(&oid))));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_USER_LIMIT_EXCEEDED"), Some("/data")));
    let r = c.put(&a.path(&format!("/users/{u3}/organization")), a.admin(), Some(to(Some("00000000-0000-4000-8000-000000000000"))));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_NOT_FOUND"), Some("/data")));
    // The cap cannot go below the members; raising it lets the third in.
    let r = c.patch(&a.path(&format!("/organizations/{oid}")), a.admin(), Some(org_body(json!({"allowedUsers":1}))));
    assert_eq!(err(&r), (422, Some("ORGANIZATION_USER_LIMIT_EXCEEDED"), Some("/data/attributes/allowedUsers")));
    let r = c.patch(&a.path(&format!("/organizations/{oid}")), a.admin(), Some(org_body(json!({"allowedUsers":-1,"name":"Acme AS"}))));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["name"].as_str(), Some("Acme AS"));
    c.put(&a.path(&format!("/users/{u3}/organization")), a.admin(), Some(to(Some(&oid)))).assert_status(200);
    let members = c.get(&a.path(&format!("/organizations/{oid}/users")), a.admin(), None);
    assert_eq!(members.assert_status(200).json["data"].as_array().map(Vec::len), Some(3));
    let shown = c.get(&a.path(&format!("/users/{u1}/organization")), a.admin(), None);
    assert_eq!(shown.assert_status(200).json["data"]["id"].as_str(), Some(oid.as_str()));
    // Leaving: data null.
    c.put(&a.path(&format!("/users/{u3}/organization")), a.admin(), Some(to(None))).assert_status(200);
    assert!(c.get(&a.path(&format!("/users/{u3}/organization")), a.admin(), None).json["data"].is_null());
    // Licenses.
    let p = post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let pol = post(
        &c,
        &a,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":id(&p)}}}}}),
    );
    let l = post(&c, &a, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":id(&pol)}}}}}));
    let lid = id(&l);
    assert!(l["relationships"]["organization"]["data"].is_null());
    let r = c.put(&a.path(&format!("/licenses/{lid}/organization")), a.admin(), Some(to(Some(&oid))));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["organization"]["data"]["id"].as_str(), Some(oid.as_str()));
    let ls = c.get(&a.path(&format!("/organizations/{oid}/licenses")), a.admin(), None);
    assert_eq!(ls.assert_status(200).json["data"][0]["id"].as_str(), Some(lid.as_str()));
    assert_eq!(c.get(&a.path(&format!("/licenses/{lid}/organization")), a.admin(), None).json["data"]["id"].as_str(), Some(oid.as_str()));
    // Lists with operators.
    let all = c.get(&a.path("/organizations?created[gte]=2000-01-01T00:00:00Z"), a.admin(), None);
    assert_eq!(all.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
    let none = c.get(&a.path("/organizations?updated[lt]=2000-01-01T00:00:00Z"), a.admin(), None);
    assert_eq!(none.assert_status(200).json["data"].as_array().map(Vec::len), Some(0));
    let r = c.get(&a.path("/organizations?created[gt]=yesterday"), a.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("created[gt]")));
    // Delete: members and licenses leave it.
    c.delete(&a.path(&format!("/organizations/{oid}")), a.admin(), None).assert_status(204);
    assert_eq!(c.get(&a.path(&format!("/organizations/{oid}")), a.admin(), None).status, 404);
    assert!(c.get(&a.path(&format!("/users/{u1}")), a.admin(), None).json["data"]["relationships"]["organization"]["data"].is_null());
    assert!(c.get(&a.path(&format!("/licenses/{lid}")), a.admin(), None).json["data"]["relationships"]["organization"]["data"].is_null());
    // Events, oldest first.
    let evs = c.get(&a.path("/event-logs?page[size]=100"), a.admin(), None);
    let mut names: Vec<String> = evs.json["data"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|e| e["attributes"]["event"].as_str())
        .filter(|e| e.starts_with("organization") || *e == "license.organization.updated")
        .map(str::to_owned)
        .collect();
    names.sort();
    let mut want = [
        "organization.created",
        "organization.user.created",
        "organization.user.created",
        "organization.updated",
        "organization.user.created",
        "license.organization.updated",
        "organization.deleted",
    ];
    want.sort_unstable();
    assert_eq!(names, want);
}

#[test]
fn concurrent_moves_never_exceed_allowed_users() {
    let a = server().bootstrap_account();
    let c = a.client();
    let oid = id(&post(&c, &a, "/organizations", org_body(json!({"name":"Small","allowedUsers":3}))));
    let users: Vec<String> = (0..10).map(|_| user(&c, &a)).collect();
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|s| {
        let hs: Vec<_> = users
            .iter()
            .map(|u| {
                let (a, oid) = (&a, &oid);
                s.spawn(move || {
                    let r = a.client().put(&a.path(&format!("/users/{u}/organization")), a.admin(), Some(to(Some(oid))));
                    (r.status, r.error_code().map(str::to_owned))
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or((0, None))).collect()
    });
    let ok = statuses.iter().filter(|(s, _)| *s == 200).count();
    let full = statuses.iter().filter(|(s, c)| *s == 422 && c.as_deref() == Some("ORGANIZATION_USER_LIMIT_EXCEEDED")).count();
    assert_eq!((ok, full), (3, 7), "{statuses:?}");
    let members = c.get(&a.path(&format!("/organizations/{oid}/users")), a.admin(), None);
    assert_eq!(members.json["meta"]["count"].as_u64().or(members.json["data"].as_array().map(|v| v.len() as u64)), Some(3));
    assert_eq!(c.get(&a.path(&format!("/organizations/{oid}")), a.admin(), None).json["data"]["relationships"]["users"]["meta"]["count"].as_i64(), Some(3));
}

#[test]
fn only_admins_and_staff_reach_organizations() {
    let a = server().bootstrap_account();
    let c = a.client();
    let oid = id(&post(&c, &a, "/organizations", org_body(json!({"name":"Acme"}))));
    let u = user(&c, &a);
    let p = id(&post(&c, &a, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let token = |path: String| c.post(&a.path(&path), a.admin(), None).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let (ut, pt) = (token(format!("/users/{u}/tokens")), token(format!("/products/{p}/tokens")));
    for t in [&ut, &pt] {
        assert_eq!(c.get(&a.path("/organizations"), Some(t), None).status, 403);
        assert_eq!(c.get(&a.path(&format!("/organizations/{oid}")), Some(t), None).status, 403);
        assert_eq!(c.post(&a.path("/organizations"), Some(t), Some(org_body(json!({"name":"Mine"})))).status, 403);
        assert_eq!(c.put(&a.path(&format!("/users/{u}/organization")), Some(t), Some(to(Some(&oid)))).status, 403);
    }
    assert_eq!(c.get(&a.path(&format!("/organizations/{oid}")), None, None).status, 401);
    // The user was never moved by those attempts.
    assert!(c.get(&a.path(&format!("/users/{u}")), a.admin(), None).json["data"]["relationships"]["organization"]["data"].is_null());
}
