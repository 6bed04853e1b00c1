//! Group owners (issue 8, Keygen's `group_owners`) on the real runtime: attach and detach over
//! HTTP, all or none, concurrent attaches of one user never both succeed; an owner reads all of
//! the group's licenses (and nothing outside it); every link a group owner renders resolves; the
//! per-child reads added with them; licenses created into a group under concurrency.

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn admin_post(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn user(acct: &TestAccount, name: &str) -> String {
    id(&admin_post(
        acct,
        "/users",
        json!({"data":{"type":"users","attributes":{"email":format!("{name}-{}@example.com", acct.slug),"password":"long enough pw"}}}),
    ))
}

fn token_of(acct: &TestAccount, user: &str) -> String {
    let t = admin_post(acct, &format!("/users/{user}/tokens"), json!({"data":{"type":"tokens","attributes":{}}}));
    t["attributes"]["token"].as_str().unwrap_or_default().to_owned()
}

fn license(acct: &TestAccount, policy: &str, owner: &str) -> String {
    id(&admin_post(
        acct,
        "/licenses",
        json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":owner}}}}}),
    ))
}

fn users(ids: &[&str]) -> Value {
    json!({"data": ids.iter().map(|i| json!({"type":"users","id":i})).collect::<Vec<_>>()})
}

fn ids_of(r: &Resp) -> Vec<String> {
    r.json["data"].as_array().map(|a| a.iter().map(id).collect()).unwrap_or_default()
}

struct Fixture {
    acct: TestAccount,
    group: String,
    owner: String,
    owner_token: String,
    in_group: String,
    outside: String,
    policy: String,
}

fn fixture() -> Fixture {
    let acct = server().bootstrap_account();
    let product = id(&admin_post(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Owned"}}})));
    let policy = id(&admin_post(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    ));
    let group = id(&admin_post(&acct, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Team"}}})));
    let (owner, w) = (user(&acct, "owner"), user(&acct, "w"));
    let owner_token = token_of(&acct, &owner);
    let (in_group, outside) = (license(&acct, &policy, &w), license(&acct, &policy, &w));
    let c = acct.client();
    c.put(&acct.path(&format!("/licenses/{in_group}/group")), acct.admin(), Some(json!({"data":{"type":"groups","id":group}}))).assert_status(200);
    Fixture { acct, group, owner, owner_token, in_group, outside, policy }
}

#[test]
fn an_owner_reads_all_of_the_groups_licenses_while_it_owns_the_group() {
    let f = fixture();
    let (acct, c, g) = (&f.acct, f.acct.client(), &f.group);
    let path = |p: &str| acct.path(&format!("/groups/{g}{p}"));
    let tok = Some(f.owner_token.as_str());
    // Not yet an owner: the group is not the user's to see.
    assert_eq!(c.get(&path("/licenses"), tok, None).status, 404);
    assert_eq!(c.get(&path(""), tok, None).status, 404);
    // Attach: 200 with the new group-owners.
    let r = c.post(&path("/owners"), acct.admin(), Some(users(&[&f.owner])));
    let o = &r.assert_status(200).json["data"][0];
    assert_eq!(
        (o["type"].as_str(), o["relationships"]["user"]["data"]["id"].as_str(), o["relationships"]["group"]["data"]["id"].as_str()),
        (Some("group-owners"), Some(f.owner.as_str()), Some(g.as_str()))
    );
    // Every link it renders resolves, and the group links its owners.
    let mut links: Vec<String> = vec![o["links"]["self"].as_str().unwrap_or_default().to_owned()];
    links.extend(["group", "user", "account"].iter().map(|k| o["relationships"][k]["links"]["related"].as_str().unwrap_or_default().to_owned()));
    let gdoc = c.get(&path(""), acct.admin(), None);
    links.push(gdoc.json["data"]["relationships"]["owners"]["links"]["related"].as_str().unwrap_or_default().to_owned());
    for l in &links {
        assert_eq!(c.get(l, acct.admin(), None).status, 200, "{l}");
    }
    let listed = c.get(&path("/owners"), acct.admin(), None);
    assert_eq!(ids_of(listed.assert_status(200)), vec![id(o)]);
    // The owner: the group, its owners, all of its licenses, and nothing outside it.
    assert_eq!(c.get(&path(""), tok, None).status, 200);
    assert_eq!(c.get(&path("/owners"), tok, None).status, 200);
    assert_eq!(ids_of(c.get(&path("/licenses"), tok, None).assert_status(200)), vec![f.in_group.clone()]);
    assert_eq!(c.get(&path(&format!("/licenses/{}", f.in_group)), tok, None).status, 200);
    assert_eq!(c.get(&path(&format!("/licenses/{}", f.outside)), tok, None).status, 404);
    assert_eq!(c.get(&acct.path(&format!("/licenses/{}", f.in_group)), tok, None).status, 404, "ownership reads only through the group");
    let mine = c.get(&acct.path("/groups"), tok, None);
    assert_eq!(ids_of(mine.assert_status(200)), vec![g.clone()]);
    // Bad attaches: 422 at the item, nothing written.
    let r = c.post(&path("/owners"), acct.admin(), Some(users(&["00000000-0000-4000-8000-000000000000"])));
    assert_eq!((r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str()), (422, Some("USER_NOT_FOUND"), Some("/data/0")));
    let r = c.post(&path("/owners"), acct.admin(), Some(users(&[&f.owner])));
    assert_eq!((r.status, r.error_code()), (422, Some("USER_TAKEN")));
    // Only admins attach (Keygen lets products too; stricter here), and users never.
    assert_eq!(c.post(&path("/owners"), tok, Some(users(&[&f.owner]))).status, 403);
    // Detach: a user that is not an owner refuses the whole request.
    let other = user(acct, "other");
    let r = c.delete(&path("/owners"), acct.admin(), Some(users(&[&f.owner, &other])));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (422, Some("/data/1")), "{}", r.json);
    assert_eq!(c.get(&path("/licenses"), tok, None).status, 200, "still an owner");
    c.delete(&path("/owners"), acct.admin(), Some(users(&[&f.owner]))).assert_status(204);
    assert_eq!(c.get(&path("/licenses"), tok, None).status, 404);
    let events = c.get(&acct.path(&format!("/event-logs?resource[type]=groups&resource[id]={g}")), acct.admin(), None);
    let names: Vec<&str> = events.json["data"].as_array().map(|a| a.iter().filter_map(|e| e["attributes"]["event"].as_str()).collect()).unwrap_or_default();
    assert!(names.contains(&"group.owners.attached") && names.contains(&"group.owners.detached"), "{names:?}");
}

#[test]
fn concurrent_attaches_of_one_user_never_both_succeed() {
    let f = fixture();
    let (acct, g) = (&f.acct, &f.group);
    let path = acct.path(&format!("/groups/{g}/owners"));
    let body = users(&[&f.owner]);
    let responses: Vec<Resp> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6).map(|_| s.spawn(|| acct.client().post(&path, acct.admin(), Some(body.clone())))).collect();
        hs.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    for r in responses.iter().filter(|r| r.status != 200) {
        assert_eq!((r.status, r.error_code()), (422, Some("USER_TAKEN")), "{}", r.json);
    }
    let listed = acct.client().get(&path, acct.admin(), None);
    assert_eq!(listed.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
}

#[test]
fn per_child_reads_answer_the_child_of_the_parent_only() {
    let f = fixture();
    let (acct, c) = (&f.acct, f.acct.client());
    let v = user(acct, "licensee");
    admin_post(acct, &format!("/licenses/{}/users", f.in_group), users(&[&v]));
    let e = id(&admin_post(acct, "/entitlements", json!({"data":{"type":"entitlements","attributes":{"name":"Pro","code":format!("PRO-{}", acct.slug)}}})));
    admin_post(acct, &format!("/policies/{}/entitlements", f.policy), json!({"data":[{"type":"entitlements","id":e}]}));
    let get = |p: &str| c.get(&acct.path(p), acct.admin(), None);
    let (l, o) = (&f.in_group, &f.outside);
    assert_eq!(id(&get(&format!("/licenses/{l}/users/{v}")).assert_status(200).json["data"]), v);
    assert_eq!(get(&format!("/licenses/{o}/users/{v}")).status, 404);
    assert_eq!(id(&get(&format!("/licenses/{l}/entitlements/{e}")).assert_status(200).json["data"]), e);
    assert_eq!(id(&get(&format!("/policies/{}/entitlements/{e}", f.policy)).assert_status(200).json["data"]), e);
    let g = &f.group;
    c.put(&acct.path(&format!("/users/{v}/group")), acct.admin(), Some(json!({"data":{"type":"groups","id":g}}))).assert_status(200);
    assert_eq!(id(&get(&format!("/groups/{g}/users/{v}")).assert_status(200).json["data"]), v);
    assert_eq!(get(&format!("/groups/{g}/users/{}", f.owner)).status, 404);
    let m = admin_post(
        acct,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-child"},"relationships":{"license":{"data":{"type":"licenses","id":l}}}}}),
    );
    assert_eq!(id(&get(&format!("/users/{v}/machines/{}", id(&m))).assert_status(200).json["data"]), id(&m), "a licensee's machine");
    assert_eq!(get(&format!("/users/{}/machines/{}", f.owner, id(&m))).status, 404);
    let prod = m["relationships"]["product"]["data"]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id(&get(&format!("/users/{v}/products/{prod}")).assert_status(200).json["data"]), prod);
    assert_eq!(id(&get(&format!("/products/{prod}/users/{v}")).assert_status(200).json["data"]), v);
    assert_eq!(get(&format!("/products/{prod}/users/{}", f.owner)).status, 404);
}

#[test]
fn concurrent_license_creates_into_a_group_stop_at_max_licenses() {
    let f = fixture();
    let acct = &f.acct;
    let g = id(&admin_post(acct, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Three","maxLicenses":3}}})));
    let body =
        json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":f.policy}},"group":{"data":{"type":"groups","id":g}}}}});
    let path = acct.path("/licenses");
    let responses: Vec<Resp> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8).map(|_| s.spawn(|| acct.client().post(&path, acct.admin(), Some(body.clone())))).collect();
        hs.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3, "{statuses:?}");
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_eq!((r.status, r.error_code()), (422, Some("GROUP_LICENSE_LIMIT_EXCEEDED")), "{}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/relationships/group");
    }
    let listed = acct.client().get(&acct.path(&format!("/groups/{g}/licenses")), acct.admin(), None);
    assert_eq!(listed.assert_status(200).json["data"].as_array().map(Vec::len), Some(3));
}
