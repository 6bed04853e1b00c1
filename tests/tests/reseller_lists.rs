//! Resellers (issue 10 §7) on the real runtime: a reseller admin's `GET /users|licenses|machines|
//! processes|components|products|policies`, their exports and `POST /search` are the account's
//! lists with every filter, limited to its reseller (another reseller's and the vendor's own
//! never show); the products and policies allotted to it are readable and nothing else of the
//! catalogue; a withdrawal of a policy racing license creates never leaves a license created
//! after it (the allotment is checked by the license insert itself).

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

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn doc(ty: &str, attrs: Value) -> Value {
    json!({"data":{"type":ty,"attributes":attrs}})
}

fn allot(ids: &[&str]) -> Value {
    json!({"data": ids.iter().map(|p| json!({"type":"policies","id":p})).collect::<Vec<_>>()})
}

fn license_body(policy: &str, owner: Option<&str>) -> Value {
    let mut rels = json!({"policy":{"data":{"type":"policies","id":policy}}});
    if let Some(o) = owner {
        rels["owner"] = json!({"data":{"type":"users","id":o}});
    }
    json!({"data":{"type":"licenses","relationships":rels}})
}

/// A reseller admin of reseller `rid`: its user id and token (password login).
fn reseller_admin(c: &Client, a: &TestAccount, rid: &str) -> (String, String) {
    let email = format!("ra-{}@example.com", e2e::unique_tag());
    let u = id(&post(c, a, a.admin(), "/users", doc("users", json!({"email":email,"password":"correct horse","role":"reseller-admin"}))));
    c.put(&a.path(&format!("/users/{u}/reseller")), a.admin(), Some(json!({"data":{"type":"resellers","id":rid}}))).assert_status(200);
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:correct horse")));
    let r = c.post(&a.path("/tokens"), Some(&basic), None);
    (u, r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
}

/// A product, and a policy of it per name.
fn catalogue(c: &Client, a: &TestAccount, name: &str, policies: &[&str]) -> (String, Vec<String>) {
    let p = id(&post(c, a, a.admin(), "/products", doc("products", json!({"name":name}))));
    let pols = policies
        .iter()
        .map(|n| {
            let body = json!({"data":{"type":"policies","attributes":{"name":n,"floating":true,"maxMachines":10},"relationships":{"product":{"data":{"type":"products","id":p}}}}});
            id(&post(c, a, a.admin(), "/policies", body))
        })
        .collect();
    (p, pols)
}

#[test]
fn a_reseller_admin_lists_exports_and_searches_only_its_own_with_every_filter() {
    let a = server().bootstrap_account();
    let c = a.client();
    let rid = id(&post(&c, &a, a.admin(), "/resellers", doc("resellers", json!({"name":"Partner"}))));
    let rid2 = id(&post(&c, &a, a.admin(), "/resellers", doc("resellers", json!({"name":"Other"}))));
    let (product, pols) = catalogue(&c, &a, "App", &["Mine", "Theirs"]);
    let (p1, p2) = (pols[0].clone(), pols[1].clone());
    let (elsewhere, far) = catalogue(&c, &a, "Elsewhere", &["Unallotted"]);
    post(&c, &a, a.admin(), &format!("/resellers/{rid}/policies"), allot(&[&p1]));
    post(&c, &a, a.admin(), &format!("/resellers/{rid2}/policies"), allot(&[&p2]));
    let (me, t) = reseller_admin(&c, &a, &rid);
    let (me2, t2) = reseller_admin(&c, &a, &rid2);
    let (t, t2) = (Some(t.as_str()), Some(t2.as_str()));
    let tag = e2e::unique_tag();
    let c1 = id(&post(&c, &a, t, "/users", doc("users", json!({"email":format!("c1-{tag}@example.com")}))));
    let d1 = id(&post(&c, &a, t2, "/users", doc("users", json!({"email":format!("d1-{tag}@example.com")}))));
    let l1 = id(&post(&c, &a, t, "/licenses", license_body(&p1, Some(&c1))));
    let l2 = id(&post(&c, &a, t, "/licenses", license_body(&p1, None)));
    c.post(&a.path(&format!("/licenses/{l2}/actions/suspend")), t, None).assert_status(200);
    let lx = id(&post(&c, &a, t2, "/licenses", license_body(&p2, Some(&d1))));
    let own = id(&post(&c, &a, a.admin(), "/licenses", license_body(&p1, None)));
    let machine = |lic: &str, fp: &str| {
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":lic}}}}});
        id(&post(&c, &a, a.admin(), "/machines", body))
    };
    let (fa, fb, fc, fd) = (format!("fpa-{tag}"), format!("fpb-{tag}"), format!("fpc-{tag}"), format!("fpd-{tag}"));
    let (m1, m2, mx, mo) = (machine(&l1, &fa), machine(&l2, &fb), machine(&lx, &fc), machine(&own, &fd));
    let get = |path: &str, token: Option<&str>| c.get(&a.path(path), token, None);

    // Users: itself and its customers, with the list's filters; another reseller's are 404.
    assert_eq!(ids(&get("/users", t)), sorted(vec![me.clone(), c1.clone()]));
    assert_eq!(ids(&get(&format!("/users?license={l1}"), t)), vec![c1.clone()]);
    assert_eq!(ids(&get(&format!("/users?license={lx}"), t)), Vec::<String>::new());
    assert_eq!(ids(&get("/users", t2)), sorted(vec![me2.clone(), d1.clone()]));
    assert_eq!(get(&format!("/users/{d1}"), t).status, 404);
    // Licenses.
    assert_eq!(ids(&get("/licenses", t)), sorted(vec![l1.clone(), l2.clone()]));
    assert_eq!(ids(&get("/licenses?suspended=true", t)), vec![l2.clone()]);
    assert_eq!(ids(&get(&format!("/licenses?owner={c1}"), t)), vec![l1.clone()]);
    assert_eq!(ids(&get(&format!("/licenses?policy={p2}"), t)), Vec::<String>::new());
    assert_eq!(ids(&get("/licenses", t2)), vec![lx.clone()]);
    assert_eq!(get(&format!("/licenses/{own}"), t).status, 404);
    // Machines (of its licenses), their processes and components.
    assert_eq!(ids(&get("/machines", t)), sorted(vec![m1.clone(), m2.clone()]));
    assert_eq!(ids(&get(&format!("/machines?fingerprint={fa}"), t)), vec![m1.clone()]);
    assert_eq!(ids(&get(&format!("/machines?fingerprint={fc}"), t)), Vec::<String>::new());
    assert_eq!(ids(&get(&format!("/machines?license={l2}"), t)), vec![m2.clone()]);
    assert_eq!(ids(&get("/machines", t2)), vec![mx.clone()]);
    assert_eq!(get(&format!("/machines/{mo}"), t).status, 404);
    let spawn = |m: &str| {
        let body = json!({"data":{"type":"processes","attributes":{"pid":e2e::unique_tag()},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}});
        id(&post(&c, &a, a.admin(), "/processes", body))
    };
    let component = |m: &str| {
        let body = json!({"data":{"type":"components","attributes":{"fingerprint":e2e::unique_tag(),"name":"cpu"},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}});
        id(&post(&c, &a, a.admin(), "/components", body))
    };
    let (pr1, prx) = (spawn(&m1), spawn(&mx));
    let (co1, cox) = (component(&m1), component(&mx));
    spawn(&mo);
    assert_eq!(ids(&get("/processes", t)), vec![pr1.clone()]);
    assert_eq!(ids(&get("/processes", t2)), vec![prx.clone()]);
    assert_eq!(ids(&get(&format!("/processes?machine={mx}"), t)), Vec::<String>::new());
    assert_eq!(ids(&get("/components", t)), vec![co1.clone()]);
    assert_eq!(ids(&get("/components", t2)), vec![cox.clone()]);
    assert_eq!(get(&format!("/processes/{prx}"), t).status, 404);
    // Products and policies: the allotted ones, read-only; the rest of the catalogue is 404.
    assert_eq!(ids(&get("/policies", t)), vec![p1.clone()]);
    assert_eq!(ids(&get(&format!("/policies?product={product}"), t2)), vec![p2.clone()]);
    assert_eq!(get(&format!("/policies/{p1}"), t).status, 200);
    assert_eq!(get(&format!("/policies/{p2}"), t).status, 404);
    assert_eq!(get(&format!("/policies/{}", far[0]), t).status, 404);
    assert_eq!(ids(&get("/products", t)), vec![product.clone()]);
    assert_eq!(get(&format!("/products/{product}"), t).status, 200);
    assert_eq!(get(&format!("/products/{elsewhere}"), t).status, 404);
    assert_eq!(ids(&get(&format!("/products/{product}/licenses"), t)), sorted(vec![l1.clone(), l2.clone()]));
    assert_eq!(ids(&get(&format!("/products/{product}/policies"), t)), vec![p1.clone()]);
    assert_eq!(ids(&get(&format!("/policies/{p1}/licenses"), t)), sorted(vec![l1.clone(), l2.clone()]));
    let rename = json!({"data":{"type":"policies","attributes":{"name":"Renamed"}}});
    assert_eq!(c.patch(&a.path(&format!("/policies/{p1}")), t, Some(rename)).status, 403);
    assert_eq!(c.post(&a.path("/products"), t, Some(doc("products", json!({"name":"Mine"})))).status, 403);
    // Admins' reseller views are the same lists, filters included.
    assert_eq!(ids(&get(&format!("/resellers/{rid}/licenses?suspended=true"), a.admin())), vec![l2.clone()]);
    assert_eq!(ids(&get(&format!("/resellers/{rid2}/users"), a.admin())), sorted(vec![me2.clone(), d1.clone()]));
    // Exports: the same rows and filters; the exports it has no list for are 403.
    let csv = |path: &str| {
        let r = get(path, t);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        r.text()
    };
    let body = csv("/licenses/export");
    assert!(body.contains(&l1) && body.contains(&l2) && !body.contains(&lx) && !body.contains(&own), "{body}");
    let body = csv("/licenses/export?suspended=true");
    assert!(body.contains(&l2) && !body.contains(&l1), "{body}");
    let body = csv("/machines/export");
    assert!(body.contains(&fa) && body.contains(&fb) && !body.contains(&fc) && !body.contains(&fd), "{body}");
    let body = csv(&format!("/machines/export?fingerprint={fb}"));
    assert!(body.contains(&fb) && !body.contains(&fa), "{body}");
    let body = csv("/users/export");
    assert!(body.contains(&format!("c1-{tag}")) && !body.contains(&format!("d1-{tag}")), "{body}");
    for path in ["/event-logs/export", "/activation-logs/export", "/trial-activations/export"] {
        assert_eq!(get(path, t).status, 403, "{path}");
    }
    // Search: its licenses, machines and users only; other types are 403.
    let search = |token: Option<&str>, ty: &str, query: Value| c.post(&a.path("/search"), token, Some(json!({"meta":{"type":ty,"query":query}})));
    assert_eq!(ids(&search(t, "licenses", json!({"product":product}))), sorted(vec![l1.clone(), l2.clone()]));
    assert_eq!(ids(&search(a.admin(), "licenses", json!({"product":product}))).len(), 4);
    assert_eq!(ids(&search(t, "machines", json!({"fingerprint":tag}))), sorted(vec![m1.clone(), m2.clone()]));
    assert_eq!(ids(&search(t2, "users", json!({"email":tag}))), vec![d1.clone()]);
    assert_eq!(search(t, "products", json!({"name":"Elsewhere"})).status, 403);
}

/// Many rounds of one withdrawal racing several creates on a freshly allotted policy: every
/// create answers 201 or 422 `POLICY_NOT_FOUND`, and the licenses left on the policy are exactly
/// those the withdrawal saw (its event's `changes.licenses`, counted in its batch) — none was
/// created after it.
#[test]
fn withdrawing_a_policy_races_license_creates_and_none_lands_after_it() {
    let a = server().bootstrap_account();
    let c = a.client();
    let rid = id(&post(&c, &a, a.admin(), "/resellers", doc("resellers", json!({"name":"Racing"}))));
    let (_, t) = reseller_admin(&c, &a, &rid);
    const ROUNDS: usize = 12;
    const CREATES: usize = 4;
    let (_, pols) = catalogue(&c, &a, "Race", &["R"; ROUNDS]);
    let (mut created, mut refused) = (0, 0);
    for p in &pols {
        post(&c, &a, a.admin(), &format!("/resellers/{rid}/policies"), allot(&[p]));
        let results: Vec<(u16, Option<String>)> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..=CREATES)
                .map(|i| {
                    let (a, t, rid, p) = (&a, &t, &rid, p);
                    s.spawn(move || {
                        let c = a.client();
                        let r = if i == CREATES / 2 {
                            c.delete(&a.path(&format!("/resellers/{rid}/policies")), a.admin(), Some(allot(&[p])))
                        } else {
                            c.post(&a.path("/licenses"), Some(t), Some(license_body(p, None)))
                        };
                        (r.status, r.error_code().map(str::to_owned))
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or((0, None))).collect()
        });
        assert_eq!(results.iter().filter(|(s, _)| *s == 204).count(), 1, "{results:?}");
        let ok = results.iter().filter(|(s, _)| *s == 201).count();
        let no = results.iter().filter(|(s, c)| *s == 422 && c.as_deref() == Some("POLICY_NOT_FOUND")).count();
        assert_eq!(ok + no, CREATES, "{results:?}");
        (created, refused) = (created + ok, refused + no);
        // The licenses on the policy: exactly the creates that answered 201 (nothing partial)…
        let on_policy = c.get(&a.path(&format!("/licenses?policy={p}&page[size]=100")), a.admin(), None);
        assert_eq!(ids(&on_policy).len(), ok, "{}", on_policy.json);
        // …and exactly what the withdrawal counted when it committed: none was inserted after it.
        let evs = c.get(&a.path(&format!("/event-logs?event=reseller.policies.detached&resource[id]={rid}&page[size]=100")), a.admin(), None);
        let ev = evs.json["data"].as_array().and_then(|v| {
            v.iter().find(|e| e["attributes"]["metadata"]["changes"]["policies"].as_array().is_some_and(|ps| ps.iter().any(|x| x.as_str() == Some(p.as_str()))))
        });
        let counted = ev.and_then(|e| e["attributes"]["metadata"]["changes"]["licenses"].as_u64());
        assert_eq!(counted, Some(ok as u64), "a license landed on a withdrawn policy: {}", evs.json);
        // After the withdrawal, a create is refused.
        let r = c.post(&a.path("/licenses"), Some(&t), Some(license_body(p, None)));
        assert_eq!((r.status, r.error_code()), (422, Some("POLICY_NOT_FOUND")));
    }
    eprintln!("withdraw vs create: {ROUNDS} rounds x {CREATES} creates: {created} created before the withdrawal, {refused} refused");
}
