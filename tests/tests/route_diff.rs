//! Route diff (issue 8, `docs/API.md` "Route diff"): the Keygen licensing-core routes that were
//! missing, on the real runtime. A policy's pool (`GET /policies/{id}/pool[/{key}]`), the
//! pre-1.6 `user` aliases (`GET|PATCH|PUT /licenses/{id}/user`, `GET /machines/{id}/user`: the
//! license's owner, also what the 1.5 `user` links point at), and a group member that is not an
//! owner answered 403 (Keygen) on the owners-only group reads, an outsider 404.

use e2e::{server, Resp, TestAccount, JSON_API};
use serde_json::{json, Value};

fn admin_post(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn ids_of(r: &Resp) -> Vec<String> {
    let mut v: Vec<String> = r.json["data"].as_array().map(|a| a.iter().map(id).collect()).unwrap_or_default();
    v.sort();
    v
}

fn product(acct: &TestAccount) -> String {
    id(&admin_post(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Diff"}}})))
}

fn policy(acct: &TestAccount, product: &str, attrs: Value) -> String {
    let mut a = attrs;
    a["name"] = "P".into();
    id(&admin_post(acct, "/policies", json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":product}}}}})))
}

fn user(acct: &TestAccount, name: &str) -> String {
    id(&admin_post(
        acct,
        "/users",
        json!({"data":{"type":"users","attributes":{"email":format!("{name}-{}@example.com", acct.slug),"password":"long enough pw"}}}),
    ))
}

fn token_of(acct: &TestAccount, path: &str) -> String {
    admin_post(acct, path, json!({"data":{"type":"tokens","attributes":{}}}))["attributes"]["token"].as_str().unwrap_or_default().to_owned()
}

fn license(acct: &TestAccount, policy: &str, owner: &str) -> String {
    id(&admin_post(
        acct,
        "/licenses",
        json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":owner}}}}}),
    ))
}

#[test]
fn a_policys_pool_lists_and_shows_its_keys_for_whoever_reads_them() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let (prod, other_prod) = (product(&acct), product(&acct));
    let (pooled, plain) = (policy(&acct, &prod, json!({"usePool": true})), policy(&acct, &prod, json!({})));
    let other_pool = policy(&acct, &other_prod, json!({"usePool": true}));
    let key = |k: &str, p: &str| {
        id(&admin_post(&acct, "/keys", json!({"data":{"type":"keys","attributes":{"key":k},"relationships":{"policy":{"data":{"type":"policies","id":p}}}}})))
    };
    let (k1, k2) = (key(&format!("POOL-ONE-{}", acct.slug), &pooled), key(&format!("POOL-TWO-{}", acct.slug), &pooled));
    let foreign = key(&format!("POOL-OTHER-{}", acct.slug), &other_pool);
    let get = |p: &str, tok: Option<&str>| c.get(&acct.path(p), tok, None);
    let mut both = vec![k1.clone(), k2.clone()];
    both.sort();
    let listed = get(&format!("/policies/{pooled}/pool"), acct.admin());
    assert_eq!(ids_of(listed.assert_status(200)), both);
    assert_eq!(listed.json["data"][0]["type"], "keys");
    let one = get(&format!("/policies/{pooled}/pool/{k1}"), acct.admin());
    assert_eq!(one.assert_status(200).json["data"]["attributes"]["key"], format!("POOL-ONE-{}", acct.slug));
    // A key of another policy is not in this pool; an unpooled policy's pool is empty.
    assert_eq!(get(&format!("/policies/{pooled}/pool/{foreign}"), acct.admin()).status, 404);
    assert_eq!(ids_of(get(&format!("/policies/{plain}/pool"), acct.admin()).assert_status(200)), Vec::<String>::new());
    assert_eq!(get("/policies/00000000-0000-4000-8000-000000000000/pool", acct.admin()).status, 404);
    // The policy's product reads it; another product gets 404; a user 403.
    let (pa, pb) = (token_of(&acct, &format!("/products/{prod}/tokens")), token_of(&acct, &format!("/products/{other_prod}/tokens")));
    assert_eq!(ids_of(get(&format!("/policies/{pooled}/pool"), Some(&pa)).assert_status(200)), both);
    assert_eq!(get(&format!("/policies/{pooled}/pool/{k2}"), Some(&pa)).status, 200);
    assert_eq!(get(&format!("/policies/{pooled}/pool"), Some(&pb)).status, 404);
    assert_eq!(get(&format!("/policies/{pooled}/pool/{k2}"), Some(&pb)).status, 404);
    let u = user(&acct, "u");
    let ut = token_of(&acct, &format!("/users/{u}/tokens"));
    assert_eq!(get(&format!("/policies/{pooled}/pool"), Some(&ut)).status, 403);
    assert_eq!(get(&format!("/policies/{pooled}/pool"), None).status, 401);
    // A license takes the oldest key: the pool lists the other one, and the taken one is gone.
    let l = admin_post(&acct, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pooled}}}}}));
    assert_eq!(l["attributes"]["key"], format!("POOL-ONE-{}", acct.slug));
    assert_eq!(ids_of(get(&format!("/policies/{pooled}/pool"), acct.admin()).assert_status(200)), vec![k2.clone()]);
    assert_eq!(get(&format!("/policies/{pooled}/pool/{k1}"), acct.admin()).status, 404);
}

#[test]
fn the_pre_1_6_user_aliases_answer_the_licenses_owner() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let pol = policy(&acct, &product(&acct), json!({}));
    let (u, v, w) = (user(&acct, "u"), user(&acct, "v"), user(&acct, "w"));
    let l = license(&acct, &pol, &u);
    // A machine of U's license owned by W (a licensee): its `user` alias is the license's owner, U.
    admin_post(&acct, &format!("/licenses/{l}/users"), json!({"data":[{"type":"users","id":w}]}));
    let m = id(&admin_post(
        &acct,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":format!("fp-{}", acct.slug)},
            "relationships":{"license":{"data":{"type":"licenses","id":l}},"owner":{"data":{"type":"users","id":w}}}}}),
    ));
    let get = |p: &str, tok: Option<&str>| c.get(&acct.path(p), tok, None);
    assert_eq!(id(&get(&format!("/licenses/{l}/user"), acct.admin()).assert_status(200).json["data"]), u);
    assert_eq!(id(&get(&format!("/machines/{m}/user"), acct.admin()).assert_status(200).json["data"]), u);
    assert_eq!(id(&get(&format!("/machines/{m}/owner"), acct.admin()).assert_status(200).json["data"]), w);
    // The owner reads them through its license; another user gets 404.
    let (ut, vt) = (token_of(&acct, &format!("/users/{u}/tokens")), token_of(&acct, &format!("/users/{v}/tokens")));
    assert_eq!(get(&format!("/licenses/{l}/user"), Some(&ut)).status, 200);
    assert_eq!(get(&format!("/machines/{m}/user"), Some(&ut)).status, 200);
    assert_eq!(get(&format!("/licenses/{l}/user"), Some(&vt)).status, 404);
    assert_eq!(get(&format!("/machines/{m}/user"), Some(&vt)).status, 404);
    // PUT and PATCH change the owner as `…/owner` does, answering the license; the owner cannot.
    let to = |who: &str| json!({"data":{"type":"users","id":who}});
    assert_eq!(c.put(&acct.path(&format!("/licenses/{l}/user")), Some(&ut), Some(to(&v))).status, 403);
    let r = c.put(&acct.path(&format!("/licenses/{l}/user")), acct.admin(), Some(to(&v)));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["owner"]["data"]["id"], v.as_str());
    assert_eq!(id(&get(&format!("/licenses/{l}/owner"), acct.admin()).json["data"]), v);
    let r = c.patch(&acct.path(&format!("/licenses/{l}/user")), acct.admin(), Some(to("00000000-0000-4000-8000-000000000000")));
    assert_eq!((r.status, r.error_code()), (422, Some("OWNER_NOT_FOUND")), "{}", r.json);
    let r = c.patch(&acct.path(&format!("/licenses/{l}/user")), acct.admin(), Some(to(&u)));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["owner"]["data"]["id"], u.as_str());
    // At 1.5 the `user` links of a license and a machine point at these routes, and resolve to
    // the user the relationship names.
    let admin = format!("Bearer {}", acct.admin_token);
    let at15 = |p: &str| c.raw("GET", &acct.path(p), &[("Accept", JSON_API), ("Authorization", admin.as_str()), ("Keygen-Version", "1.5")], None);
    for (p, user_id) in [(format!("/licenses/{l}"), &u), (format!("/machines/{m}"), &u)] {
        let doc = at15(&p);
        let rel = &doc.assert_status(200).json["data"]["relationships"]["user"];
        assert_eq!(rel["data"]["id"], user_id.as_str(), "{p}: {rel}");
        let link = rel["links"]["related"].as_str().unwrap_or_default().to_owned();
        assert!(link.ends_with("/user"), "{p}: {link}");
        let followed = c.get(&link, acct.admin(), None);
        assert_eq!(id(&followed.assert_status(200).json["data"]), *user_id, "{link}");
    }
}

#[test]
fn a_group_member_that_is_not_an_owner_gets_403_and_an_outsider_404() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let pol = policy(&acct, &product(&acct), json!({}));
    let g = id(&admin_post(&acct, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Team"}}})));
    let (member, outsider) = (user(&acct, "member"), user(&acct, "outsider"));
    c.put(&acct.path(&format!("/users/{member}/group")), acct.admin(), Some(json!({"data":{"type":"groups","id":g}}))).assert_status(200);
    let l = license(&acct, &pol, &outsider);
    c.put(&acct.path(&format!("/licenses/{l}/group")), acct.admin(), Some(json!({"data":{"type":"groups","id":g}}))).assert_status(200);
    let (mt, ot) = (token_of(&acct, &format!("/users/{member}/tokens")), token_of(&acct, &format!("/users/{outsider}/tokens")));
    let get = |p: &str, tok: &str| c.get(&acct.path(&format!("/groups/{g}{p}")), Some(tok), None);
    // The member reads the group itself, so a 403 on its owners-only lists leaks nothing.
    assert_eq!(get("", &mt).status, 200);
    for p in ["/licenses", "/machines", "/users", &format!("/licenses/{l}"), &format!("/users/{member}")] {
        let r = get(p, &mt);
        assert_eq!((r.status, r.error_code()), (403, Some("FORBIDDEN")), "member {p}: {}", r.json);
        assert_eq!(get(p, &ot).status, 404, "outsider {p}");
    }
    assert_eq!(get("", &ot).status, 404);
    // Made an owner, the member reads them all.
    admin_post(&acct, &format!("/groups/{g}/owners"), json!({"data":[{"type":"users","id":member}]}));
    assert_eq!(ids_of(get("/licenses", &mt).assert_status(200)), vec![l.clone()]);
    assert_eq!(ids_of(get("/users", &mt).assert_status(200)), vec![member.clone()]);
}

#[test]
fn post_users_takes_a_group_and_concurrent_creates_stop_at_max_users() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let g = id(&admin_post(&acct, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Two","maxUsers":2}}})));
    let body = |email: String, group: Value| json!({"data":{"type":"users","attributes":{"email":email},"relationships":{"group":{"data":group}}}});
    let path = acct.path("/users");
    let responses: Vec<Resp> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6)
            .map(|i| {
                let (c, path, b) = (acct.client(), path.clone(), body(format!("racer{i}-{}@example.com", acct.slug), json!({"type":"groups","id":g})));
                let admin = acct.admin().map(str::to_owned);
                s.spawn(move || c.post(&path, admin.as_deref(), Some(b)))
            })
            .collect();
        hs.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let created: Vec<&Resp> = responses.iter().filter(|r| r.status == 201).collect();
    assert_eq!(created.len(), 2, "{:?}", responses.iter().map(|r| (r.status, r.error_code())).collect::<Vec<_>>());
    assert!(created.iter().all(|r| r.json["data"]["relationships"]["group"]["data"]["id"] == g.as_str()));
    for r in responses.iter().filter(|r| r.status != 201) {
        assert_eq!((r.status, r.error_code()), (422, Some("GROUP_USER_LIMIT_EXCEEDED")), "{}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/relationships/group");
    }
    // Nothing partial: only the two are users of the group, and the refused emails are free.
    let members = c.get(&acct.path(&format!("/groups/{g}/users")), acct.admin(), None);
    assert_eq!(members.assert_status(200).json["data"].as_array().map(Vec::len), Some(2));
    let all = c.get(&acct.path("/users"), acct.admin(), None);
    let racers = all.json["data"].as_array().map(|a| a.iter().filter(|u| u["attributes"]["email"].as_str().is_some_and(|e| e.starts_with("racer"))).count());
    assert_eq!(racers, Some(2));
    // An unknown group, a null group, and a user bearer naming one.
    let r = c.post(
        &path,
        acct.admin(),
        Some(body(format!("ghost-{}@example.com", acct.slug), json!({"type":"groups","id":"00000000-0000-4000-8000-000000000000"}))),
    );
    assert_eq!(
        (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str()),
        (422, Some("GROUP_NOT_FOUND"), Some("/data/relationships/group")),
        "{}",
        r.json
    );
    let r = c.post(&path, acct.admin(), Some(body(format!("nogroup-{}@example.com", acct.slug), Value::Null)));
    assert_eq!(r.assert_status(201).json["data"]["relationships"]["group"]["data"], Value::Null);
    let prod = id(&admin_post(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"P"}}})));
    let pt = token_of(&acct, &format!("/products/{prod}/tokens"));
    let other = id(&admin_post(&acct, "/groups", json!({"data":{"type":"groups","attributes":{"name":"Open"}}})));
    let r = c.post(&path, Some(&pt), Some(body(format!("byproduct-{}@example.com", acct.slug), json!({"type":"groups","id":other}))));
    assert_eq!(r.assert_status(201).json["data"]["relationships"]["group"]["data"]["id"], other.as_str(), "products may name a group (Keygen)");
}
