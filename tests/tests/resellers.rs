//! Resellers (issue 10 §7, Cryptlex 3.67) on the real runtime: CRUD with `created`/`updated`
//! operators and caps that never drop below the counts, allotted policies attached and detached
//! all-or-none, the to-one `reseller` relationships on licenses, users and organizations,
//! detaching on delete, events; a reseller admin (role `reseller-admin` with a reseller, logged in
//! by password) creating licenses of allotted policies only, customers and organizations within
//! its caps — N concurrent creates never exceed them — and refused (404/403) outside its reseller.

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

fn doc(ty: &str, attrs: Value) -> Value {
    json!({"data":{"type":ty,"attributes":attrs}})
}

fn to(rid: Option<&str>) -> Value {
    json!({"data": rid.map(|r| json!({"type":"resellers","id":r}))})
}

fn policies(ids: &[&str]) -> Value {
    json!({"data": ids.iter().map(|p| json!({"type":"policies","id":p})).collect::<Vec<_>>()})
}

fn err(r: &e2e::Resp) -> (u16, Option<&str>, Option<&str>) {
    (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str())
}

fn count(r: &e2e::Resp) -> usize {
    r.json["data"].as_array().map_or(0, Vec::len)
}

/// A product and two of its policies.
fn catalogue(c: &Client, a: &TestAccount) -> (String, String, String) {
    let p = id(&post(c, a, "/products", doc("products", json!({"name":"App"}))));
    let pol = |name: &str| {
        id(&post(
            c,
            a,
            "/policies",
            json!({"data":{"type":"policies","attributes":{"name":name},"relationships":{"product":{"data":{"type":"products","id":p}}}}}),
        ))
    };
    let (p1, p2) = (pol("Allotted"), pol("Other"));
    (p, p1, p2)
}

fn license_body(policy: &str) -> Value {
    json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}}}}})
}

/// A reseller admin of reseller `rid`, and its token (password login).
fn reseller_admin(c: &Client, a: &TestAccount, rid: &str) -> (String, String) {
    let email = format!("ra-{}@example.com", e2e::unique_tag());
    let u = id(&post(c, a, "/users", doc("users", json!({"email":email,"password":"correct horse","role":"reseller-admin"}))));
    c.put(&a.path(&format!("/users/{u}/reseller")), a.admin(), Some(to(Some(rid)))).assert_status(200);
    use base64::Engine as _;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:correct horse")));
    let r = c.post(&a.path("/tokens"), Some(&basic), None);
    (u, r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn reseller_routes_crud_allotments_relationships_and_events() {
    let a = server().bootstrap_account();
    let c = a.client();
    let attrs = json!({"name":"Partner","email":"p@partner.test","phone":"+47 22 00 00 00","description":"EU","address":{"city":"Oslo"},
        "allowedUsers":1,"allowedOrganizations":1,"metadata":{"crm":7}});
    let r = post(&c, &a, "/resellers", doc("resellers", attrs));
    let rid = id(&r);
    assert_eq!(
        (
            r["type"].as_str(),
            r["attributes"]["allowedUsers"].as_i64(),
            r["attributes"]["phone"].as_str(),
            r["relationships"]["users"]["meta"]["count"].as_i64()
        ),
        (Some("resellers"), Some(1), Some("+47 22 00 00 00"), Some(0))
    );
    // Bad input: precise codes and pointers, nothing written.
    let bad = |attrs: Value| c.post(&a.path("/resellers"), a.admin(), Some(doc("resellers", attrs)));
    assert_eq!(
        err(&bad(json!({"name":"X","allowedOrganizations":-3}))),
        (422, Some("ALLOWED_ORGANIZATIONS_INVALID"), Some("/data/attributes/allowedOrganizations"))
    );
    assert_eq!(err(&bad(json!({"name":"X","phone":"call me"}))), (422, Some("PHONE_INVALID"), Some("/data/attributes/phone")));
    assert_eq!(err(&bad(json!({"phone":"1"}))), (422, Some("NAME_MISSING"), Some("/data/attributes/name")));
    assert_eq!(count(&c.get(&a.path("/resellers"), a.admin(), None)), 1);
    // Allotments: all or none.
    let (product, p1, p2) = catalogue(&c, &a);
    let path = a.path(&format!("/resellers/{rid}/policies"));
    let r = c.post(&path, a.admin(), Some(policies(&[&p1, "00000000-0000-4000-8000-000000000000"])));
    assert_eq!(err(&r), (422, Some("POLICY_NOT_FOUND"), Some("/data/1")));
    assert_eq!(count(&c.get(&path, a.admin(), None)), 0);
    let r = c.post(&path, a.admin(), Some(policies(&[&p1, &p2])));
    assert_eq!(r.assert_status(200).json["data"][0]["type"].as_str(), Some("reseller-policies"));
    assert_eq!(err(&c.post(&path, a.admin(), Some(policies(&[&p2])))), (422, Some("POLICY_TAKEN"), Some("/data/0")));
    c.delete(&path, a.admin(), Some(policies(&[&p2]))).assert_status(204);
    let r = c.delete(&path, a.admin(), Some(policies(&[&p2])));
    assert_eq!(err(&r), (422, Some("UNPROCESSABLE_ENTITY"), Some("/data/0")));
    let listed = c.get(&path, a.admin(), None);
    assert_eq!((count(&listed), listed.json["data"][0]["id"].as_str()), (1, Some(p1.as_str())));
    let prods = c.get(&a.path(&format!("/resellers/{rid}/products")), a.admin(), None);
    assert_eq!(prods.assert_status(200).json["data"][0]["id"].as_str(), Some(product.as_str()));
    // Users, organizations and licenses, with the caps.
    let user = |c: &Client| id(&post(c, &a, "/users", doc("users", json!({"email":format!("{}@example.com", e2e::unique_tag())}))));
    let (u1, u2) = (user(&c), user(&c));
    let r = c.put(&a.path(&format!("/users/{u1}/reseller")), a.admin(), Some(to(Some(&rid))));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["reseller"]["data"]["id"].as_str(), Some(rid.as_str()));
    let r = c.put(&a.path(&format!("/users/{u2}/reseller")), a.admin(), Some(to(Some(&rid))));
    assert_eq!(err(&r), (422, Some("RESELLER_USER_LIMIT_EXCEEDED"), Some("/data")));
    let o1 = id(&post(&c, &a, "/organizations", doc("organizations", json!({"name":"O1"}))));
    let o2 = id(&post(&c, &a, "/organizations", doc("organizations", json!({"name":"O2"}))));
    c.put(&a.path(&format!("/organizations/{o1}/reseller")), a.admin(), Some(to(Some(&rid)))).assert_status(200);
    let r = c.put(&a.path(&format!("/organizations/{o2}/reseller")), a.admin(), Some(to(Some(&rid))));
    assert_eq!(err(&r), (422, Some("RESELLER_ORGANIZATION_LIMIT_EXCEEDED"), Some("/data")));
    let l = id(&post(&c, &a, "/licenses", license_body(&p1)));
    let r = c.put(&a.path(&format!("/licenses/{l}/reseller")), a.admin(), Some(to(Some(&rid))));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["reseller"]["data"]["id"].as_str(), Some(rid.as_str()));
    let r = c.put(&a.path(&format!("/licenses/{l}/reseller")), a.admin(), Some(to(Some("00000000-0000-4000-8000-000000000000"))));
    assert_eq!(err(&r), (422, Some("RESELLER_NOT_FOUND"), Some("/data")));
    for (rel, want) in [("licenses", 1), ("users", 1), ("organizations", 1)] {
        assert_eq!(count(&c.get(&a.path(&format!("/resellers/{rid}/{rel}")), a.admin(), None)), want, "{rel}");
    }
    for p in [format!("/users/{u1}/reseller"), format!("/licenses/{l}/reseller"), format!("/organizations/{o1}/reseller")] {
        assert_eq!(c.get(&a.path(&p), a.admin(), None).assert_status(200).json["data"]["id"].as_str(), Some(rid.as_str()), "{p}");
    }
    assert!(c.get(&a.path(&format!("/users/{u2}/reseller")), a.admin(), None).json["data"].is_null());
    // Caps never drop below the counts; the write is all-or-nothing.
    let up = |attrs: Value| c.patch(&a.path(&format!("/resellers/{rid}")), a.admin(), Some(doc("resellers", attrs)));
    assert_eq!(err(&up(json!({"allowedUsers":0,"name":"Nope"}))), (422, Some("RESELLER_USER_LIMIT_EXCEEDED"), Some("/data/attributes/allowedUsers")));
    assert_eq!(err(&up(json!({"allowedOrganizations":0}))), (422, Some("RESELLER_ORGANIZATION_LIMIT_EXCEEDED"), Some("/data/attributes/allowedOrganizations")));
    assert_eq!(c.get(&a.path(&format!("/resellers/{rid}")), a.admin(), None).json["data"]["attributes"]["name"].as_str(), Some("Partner"));
    let r = up(json!({"allowedUsers":-1,"name":"Partner AS"}));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["name"].as_str(), Some("Partner AS"));
    // Operators on the list.
    assert_eq!(count(&c.get(&a.path("/resellers?created[lt]=2000-01-01T00:00:00Z"), a.admin(), None)), 0);
    let r = c.get(&a.path("/resellers?updated[gt]=soon"), a.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("updated[gt]")));
    // Delete detaches in the same batch: the users, licenses and organizations stay.
    c.delete(&a.path(&format!("/resellers/{rid}")), a.admin(), None).assert_status(204);
    assert_eq!(c.get(&a.path(&format!("/resellers/{rid}")), a.admin(), None).status, 404);
    for p in [format!("/users/{u1}"), format!("/licenses/{l}"), format!("/organizations/{o1}")] {
        let r = c.get(&a.path(&p), a.admin(), None);
        assert!(r.assert_status(200).json["data"]["relationships"]["reseller"]["data"].is_null(), "{p}");
    }
    let evs = c.get(&a.path("/event-logs?page[size]=100"), a.admin(), None);
    let mut names: Vec<&str> =
        evs.json["data"].as_array().map_or(vec![], |v| v.iter().filter_map(|e| e["attributes"]["event"].as_str()).filter(|e| e.contains("reseller")).collect());
    names.sort_unstable();
    let mut want = [
        "reseller.created",
        "reseller.policies.attached",
        "reseller.policies.detached",
        "reseller.user.created",
        "license.reseller.updated",
        "reseller.updated",
        "reseller.deleted",
    ];
    want.sort_unstable();
    assert_eq!(names, want);
}

#[test]
fn a_reseller_admin_works_inside_its_reseller_and_is_refused_outside() {
    let a = server().bootstrap_account();
    let c = a.client();
    let rid = id(&post(&c, &a, "/resellers", doc("resellers", json!({"name":"Partner","allowedUsers":5,"allowedOrganizations":1}))));
    let other = id(&post(&c, &a, "/resellers", doc("resellers", json!({"name":"Other"}))));
    let (_, p1, p2) = catalogue(&c, &a);
    post(&c, &a, &format!("/resellers/{rid}/policies"), policies(&[&p1]));
    let (_, t) = reseller_admin(&c, &a, &rid);
    let t = Some(t.as_str());
    // Its reseller and allotments; another reseller is 404; caps and allotments are 403.
    assert_eq!(c.get(&a.path("/resellers"), t, None).assert_status(200).json["data"][0]["id"].as_str(), Some(rid.as_str()));
    assert_eq!(c.get(&a.path(&format!("/resellers/{other}")), t, None).status, 404);
    assert_eq!(count(&c.get(&a.path(&format!("/resellers/{rid}/policies")), t, None)), 1);
    assert_eq!(c.patch(&a.path(&format!("/resellers/{rid}")), t, Some(doc("resellers", json!({"allowedUsers":-1})))).status, 403);
    assert_eq!(c.post(&a.path(&format!("/resellers/{rid}/policies")), t, Some(policies(&[&p2]))).status, 403);
    // A customer: its reseller set, role user only.
    let r = c.post(&a.path("/users"), t, Some(doc("users", json!({"email":format!("c-{}@example.com", e2e::unique_tag())}))));
    let customer = r.assert_status(201).json["data"].clone();
    assert_eq!(customer["relationships"]["reseller"]["data"]["id"].as_str(), Some(rid.as_str()));
    let cid = id(&customer);
    for role in ["admin", "reseller-admin"] {
        let r = c.post(&a.path("/users"), t, Some(doc("users", json!({"email":format!("x-{}@example.com", e2e::unique_tag()),"role":role}))));
        assert_eq!(r.status, 403, "{role}: {}", r.json);
    }
    // Licenses: an allotted policy only (else 422 at /data/relationships/policy), its reseller set.
    let mut body = license_body(&p1);
    body["data"]["relationships"]["owner"] = json!({"data":{"type":"users","id":cid}});
    let r = c.post(&a.path("/licenses"), t, Some(body));
    let lic = r.assert_status(201).json["data"].clone();
    assert_eq!(lic["relationships"]["reseller"]["data"]["id"].as_str(), Some(rid.as_str()));
    let lid = id(&lic);
    let r = c.post(&a.path("/licenses"), t, Some(license_body(&p2)));
    assert_eq!(err(&r), (422, Some("POLICY_NOT_FOUND"), Some("/data/relationships/policy")));
    // Its licenses only: someone else's is 404, and the list holds only its own.
    let foreign = id(&post(&c, &a, "/licenses", license_body(&p1)));
    assert_eq!(c.get(&a.path(&format!("/licenses/{foreign}")), t, None).status, 404);
    assert_eq!(c.post(&a.path(&format!("/licenses/{foreign}/actions/suspend")), t, None).status, 404);
    let listed = c.get(&a.path("/licenses"), t, None);
    assert_eq!((count(&listed), listed.json["data"][0]["id"].as_str()), (1, Some(lid.as_str())));
    let r = c.post(&a.path(&format!("/licenses/{lid}/actions/suspend")), t, None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["suspended"].as_bool(), Some(true));
    // Its machines, by id.
    let m = id(&post(
        &c,
        &a,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":e2e::unique_tag()},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}}),
    ));
    c.get(&a.path(&format!("/machines/{m}")), t, None).assert_status(200);
    // Organizations within allowedOrganizations (1).
    let r = c.post(&a.path("/organizations"), t, Some(doc("organizations", json!({"name":"Cust"}))));
    assert_eq!(r.assert_status(201).json["data"]["relationships"]["reseller"]["data"]["id"].as_str(), Some(rid.as_str()));
    let r = c.post(&a.path("/organizations"), t, Some(doc("organizations", json!({"name":"Two"}))));
    assert_eq!(err(&r).0..=err(&r).0, 422..=422);
    assert_eq!(r.error_code(), Some("RESELLER_ORGANIZATION_LIMIT_EXCEEDED"));
    // An admin's user outside the reseller: invisible, and never a license owner.
    let outsider = id(&post(&c, &a, "/users", doc("users", json!({"email":format!("o-{}@example.com", e2e::unique_tag())}))));
    assert_eq!(c.get(&a.path(&format!("/users/{outsider}")), t, None).status, 404);
    let r = c.put(&a.path(&format!("/licenses/{lid}/owner")), t, Some(json!({"data":{"type":"users","id":outsider}})));
    assert_eq!(err(&r), (422, Some("OWNER_NOT_FOUND"), Some("/data")));
    // The catalogue: the products of its allotted policies, read-only (tests/tests/reseller_lists.rs).
    assert_eq!(count(&c.get(&a.path("/products"), t, None)), 1);
    assert_eq!(c.post(&a.path("/products"), t, Some(doc("products", json!({"name":"Mine"})))).status, 403);
    // Events: reseller.user.created for its customer (and for its own move in).
    let evs = c.get(&a.path("/event-logs?page[size]=100"), a.admin(), None);
    let n = evs.json["data"].as_array().map_or(0, |v| v.iter().filter(|e| e["attributes"]["event"] == "reseller.user.created").count());
    assert_eq!(n, 2);
}

#[test]
fn concurrent_customer_creates_never_exceed_allowed_users() {
    let a = server().bootstrap_account();
    let c = a.client();
    let rid = id(&post(&c, &a, "/resellers", doc("resellers", json!({"name":"Small","allowedUsers":3,"allowedOrganizations":2}))));
    let (_, t) = reseller_admin(&c, &a, &rid);
    let fire = |path: &'static str, n: usize, body: &(dyn Fn(usize) -> Value + Sync)| -> Vec<(u16, Option<String>)> {
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..n)
                .map(|i| {
                    let (a, t) = (&a, &t);
                    s.spawn(move || {
                        let r = a.client().post(&a.path(path), Some(t), Some(body(i)));
                        (r.status, r.error_code().map(str::to_owned))
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or((0, None))).collect()
        })
    };
    let tag = e2e::unique_tag();
    let users = fire("/users", 10, &|i| doc("users", json!({"email":format!("c{i}-{tag}@example.com")})));
    let ok = users.iter().filter(|(s, _)| *s == 201).count();
    let full = users.iter().filter(|(s, c)| *s == 422 && c.as_deref() == Some("RESELLER_USER_LIMIT_EXCEEDED")).count();
    assert_eq!((ok, full), (3, 7), "{users:?}");
    let r = c.get(&a.path(&format!("/resellers/{rid}")), a.admin(), None);
    assert_eq!(r.json["data"]["relationships"]["users"]["meta"]["count"].as_i64(), Some(3));
    let orgs = fire("/organizations", 8, &|i| doc("organizations", json!({"name":format!("O{i}")})));
    let ok = orgs.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(ok, 2, "{orgs:?}");
    assert_eq!(count(&c.get(&a.path(&format!("/resellers/{rid}/organizations")), a.admin(), None)), 2);
    // Nothing partial: exactly the admitted customers exist, with their events.
    let evs = c.get(&a.path("/event-logs?page[size]=100"), a.admin(), None);
    let n = evs.json["data"].as_array().map_or(0, |v| v.iter().filter(|e| e["attributes"]["event"] == "reseller.user.created").count());
    assert_eq!(n, 1 + 3);
}
