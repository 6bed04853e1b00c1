//! SHARED environments (Keygen EE, issue 8) on the real runtime: inside a shared environment
//! reads see its own records and the global ones (a global license key validates there),
//! writes land in the environment, a global policy may be named from inside (not from an
//! isolated environment), and global records are read-only from inside (Keygen's strict
//! `verify_environment!` on writes: 403); an isolated environment sees none of it.

use e2e::{server, Client, Resp, TestAccount};
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn created(r: &Resp) -> Value {
    assert_eq!(r.status, 201, "{} {}: {}", r.method, r.target, r.json);
    r.json["data"].clone()
}

/// An environment of `a` with `strategy` and a token of it.
fn environment(c: &Client, a: &TestAccount, code: &str, strategy: &str) -> String {
    let body = json!({"data":{"type":"environments","attributes":{"name":code,"code":code,"isolationStrategy":strategy}}});
    let e = created(&c.post(&a.path("/environments"), a.admin(), Some(body)));
    assert_eq!(e["attributes"]["isolationStrategy"], strategy);
    let t = created(&c.post(&a.path(&format!("/environments/{}/tokens", id(&e))), a.admin(), None));
    t["attributes"]["token"].as_str().unwrap_or_default().to_owned()
}

fn listed(c: &Client, a: &TestAccount, token: &str, ty: &str) -> Vec<String> {
    let r = c.get(&a.path(&format!("/{ty}?limit=100")), Some(token), None);
    assert_eq!(r.status, 200, "{ty}: {}", r.json);
    r.json["data"].as_array().map(|d| d.iter().map(id).collect()).unwrap_or_default()
}

/// A global product, policy and license (made without `Keygen-Environment`): their ids and
/// the key.
fn global_fleet(c: &Client, a: &TestAccount) -> (String, String, String, String) {
    let p = created(&c.post(&a.path("/products"), a.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"Global"}}}))));
    let rel = json!({"product":{"data":{"type":"products","id":id(&p)}}});
    let pol = created(&c.post(
        &a.path("/policies"),
        a.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":"G","authenticationStrategy":"LICENSE"},"relationships":rel}})),
    ));
    let rel = json!({"policy":{"data":{"type":"policies","id":id(&pol)}}});
    let l = created(&c.post(&a.path("/licenses"), a.admin(), Some(json!({"data":{"type":"licenses","relationships":rel}}))));
    let key = l["attributes"]["key"].as_str().unwrap_or_default().to_owned();
    (id(&p), id(&pol), id(&l), key)
}

fn validate(c: &Client, a: &TestAccount, token: &str, key: &str) -> Resp {
    c.post(&a.path("/licenses/actions/validate-key"), Some(token), Some(json!({"meta":{"key":key}})))
}

#[test]
fn a_shared_environment_reads_global_records_and_an_isolated_one_does_not() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (product, policy, license, key) = global_fleet(&c, &a);
    let st = environment(&c, &a, "shared", "SHARED");
    let it = environment(&c, &a, "isolated", "ISOLATED");
    let (sc, ic) = (c.clone().in_environment("shared"), c.clone().in_environment("isolated"));
    // Lists and shows inside the shared environment include the global records.
    assert_eq!(listed(&sc, &a, &st, "products"), vec![product.clone()]);
    assert_eq!(listed(&sc, &a, &st, "policies"), vec![policy.clone()]);
    assert_eq!(listed(&sc, &a, &st, "licenses"), vec![license.clone()]);
    let r = sc.get(&a.path(&format!("/licenses/{license}")), Some(&st), None);
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["environment"]["data"], Value::Null, "a global record");
    // The global key validates inside (by the environment's token and as a license bearer).
    let r = validate(&sc, &a, &st, &key);
    assert_eq!((r.status, r.json["meta"]["code"].as_str()), (200, Some("VALID")), "{}", r.json);
    let r = sc.raw("GET", &a.path("/me"), &[("Authorization", &format!("License {key}")), ("Keygen-Environment", "shared")], None);
    assert_eq!(r.status, 200, "{}", r.json);
    // A global admin's token is accepted in the shared environment.
    assert_eq!(listed(&sc, &a, &a.admin_token, "products"), vec![product.clone()]);
    // Isolated: none of it, and its token stays inside.
    assert!(listed(&ic, &a, &it, "products").is_empty());
    assert!(listed(&ic, &a, &it, "licenses").is_empty());
    assert_eq!(ic.get(&a.path(&format!("/licenses/{license}")), Some(&it), None).status, 404);
    let r = validate(&ic, &a, &it, &key);
    assert_eq!(r.json["meta"]["code"].as_str(), Some("NOT_FOUND"), "{}", r.json);
    assert_eq!(ic.get(&a.path("/products"), a.admin(), None).status, 401, "a global token is not found inside an isolated environment");
}

#[test]
fn writes_inside_a_shared_environment_land_in_it_and_global_records_are_read_only() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (product, policy, license, _) = global_fleet(&c, &a);
    let st = environment(&c, &a, "shared", "SHARED");
    let it = environment(&c, &a, "isolated", "ISOLATED");
    let (sc, ic) = (c.clone().in_environment("shared"), c.clone().in_environment("isolated"));
    // A license of the global policy, created inside: it lands in the environment.
    let rel = json!({"policy":{"data":{"type":"policies","id":policy}}});
    let mine = created(&sc.post(&a.path("/licenses"), Some(&st), Some(json!({"data":{"type":"licenses","relationships":rel}}))));
    assert_eq!(mine["relationships"]["environment"]["data"]["type"], "environments");
    assert_eq!(mine["relationships"]["policy"]["data"]["id"], policy.as_str());
    let p = created(&sc.post(&a.path("/products"), Some(&st), Some(json!({"data":{"type":"products","attributes":{"name":"Mine"}}}))));
    // The environment's records stay out of the global lists (and out of the isolated one).
    assert!(!listed(&c, &a, &a.admin_token, "licenses").contains(&id(&mine)));
    assert_eq!(listed(&c, &a, &a.admin_token, "products"), vec![product.clone()]);
    let inside = listed(&sc, &a, &st, "products");
    assert!(inside.contains(&id(&p)) && inside.contains(&product), "{inside:?}");
    assert!(listed(&ic, &a, &it, "licenses").is_empty());
    // From the isolated environment the global policy is incompatible (Keygen's 422).
    let r = ic.post(&a.path("/licenses"), Some(&it), Some(json!({"data":{"type":"licenses","relationships":rel}})));
    assert_eq!((r.status, r.error_code()), (422, Some("ENVIRONMENT_NOT_ALLOWED")), "{}", r.json);
    // Global records are read-only from inside the shared environment: 403, nothing changed.
    let forbidden = |r: Resp| {
        assert_eq!(r.status, 403, "{} {}: {}", r.method, r.target, r.json);
        assert_eq!(r.json["errors"][0]["detail"], "record environment is not compatible with the current environment");
    };
    let body = json!({"data":{"type":"products","attributes":{"name":"Renamed"}}});
    forbidden(sc.patch(&a.path(&format!("/products/{product}")), Some(&st), Some(body)));
    forbidden(sc.delete(&a.path(&format!("/licenses/{license}")), Some(&st), None));
    forbidden(sc.post(&a.path(&format!("/licenses/{license}/actions/suspend")), Some(&st), None));
    forbidden(sc.delete(&a.path(&format!("/policies/{policy}")), Some(&st), None));
    let r = c.get(&a.path(&format!("/products/{product}")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["name"], "Global");
    let r = c.get(&a.path(&format!("/licenses/{license}")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["status"], "ACTIVE");
    // Its own records it changes as usual.
    let body = json!({"data":{"type":"products","attributes":{"name":"Renamed"}}});
    sc.patch(&a.path(&format!("/products/{}", id(&p))), Some(&st), Some(body)).assert_status(200);
    sc.delete(&a.path(&format!("/licenses/{}", id(&mine))), Some(&st), None).assert_status(204);
}

#[test]
fn a_global_license_activates_inside_a_shared_environment_and_the_machine_lands_there() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (_, _, license, key) = global_fleet(&c, &a);
    let st = environment(&c, &a, "shared", "SHARED");
    let it = environment(&c, &a, "isolated", "ISOLATED");
    let (sc, ic) = (c.clone().in_environment("shared"), c.clone().in_environment("isolated"));
    let body =
        |fp: &str| json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":license}}}}});
    // The client app's own credentials (the global license key) inside the shared environment.
    let lic = format!("License {key}");
    let headers = [("Authorization", lic.as_str()), ("Keygen-Environment", "shared"), ("Content-Type", e2e::JSON_API), ("Accept", e2e::JSON_API)];
    let bytes = serde_json::to_vec(&body("fp-1")).unwrap_or_default();
    let r = sc.raw("POST", &a.path("/machines"), &headers, Some(&bytes));
    let m = created(&r);
    assert_eq!(m["relationships"]["environment"]["data"]["type"], "environments", "{m}");
    // Inside: listed, and the license validates with its fingerprint; globally: not there.
    assert_eq!(listed(&sc, &a, &st, "machines"), vec![id(&m)]);
    let v = sc.post(&a.path("/licenses/actions/validate-key"), Some(&st), Some(json!({"meta":{"key":key,"scope":{"fingerprint":"fp-1"}}})));
    assert_eq!(v.json["meta"]["code"].as_str(), Some("VALID"), "{}", v.json);
    assert!(listed(&c, &a, &a.admin_token, "machines").is_empty());
    assert_eq!(c.get(&a.path(&format!("/machines/{}", id(&m))), a.admin(), None).status, 404);
    // The license's limit (1, the default policy's) counts the machine inside too; once it is
    // deactivated, a global machine of the same license is seen inside and is read-only there.
    let r = c.post(&a.path("/machines"), a.admin(), Some(body("fp-2")));
    assert_eq!((r.status, r.error_code()), (422, Some("MACHINE_LIMIT_EXCEEDED")), "{}", r.json);
    let bytes = serde_json::to_vec(&body("fp-2")).unwrap_or_default();
    let r = sc.raw("POST", &a.path("/machines"), &headers, Some(&bytes));
    assert_eq!((r.status, r.error_code()), (422, Some("MACHINE_LIMIT_EXCEEDED")), "{}", r.json);
    sc.delete(&a.path(&format!("/machines/{}", id(&m))), Some(&st), None).assert_status(204);
    let g = created(&c.post(&a.path("/machines"), a.admin(), Some(body("fp-2"))));
    assert_eq!(listed(&sc, &a, &st, "machines"), vec![id(&g)]);
    let r = sc.delete(&a.path(&format!("/machines/{}", id(&g))), Some(&st), None);
    assert_eq!((r.status, r.json["errors"][0]["detail"].as_str()), (403, Some("record environment is not compatible with the current environment")));
    // From an isolated environment the global license is incompatible (Keygen's 422, as for a
    // license of a global policy).
    let r = ic.post(&a.path("/machines"), Some(&it), Some(body("fp-3")));
    assert_eq!((r.status, r.error_code()), (422, Some("ENVIRONMENT_NOT_ALLOWED")), "{}", r.json);
}

#[test]
fn a_shared_environment_reads_the_global_releases_and_never_changes_them() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (product, _, _, _) = global_fleet(&c, &a);
    let st = environment(&c, &a, "shared", "SHARED");
    let it = environment(&c, &a, "isolated", "ISOLATED");
    let (sc, ic) = (c.clone().in_environment("shared"), c.clone().in_environment("isolated"));
    let rel = json!({"product":{"data":{"type":"products","id":product}}});
    let body = json!({"data":{"type":"releases","attributes":{"version":"1.0.0","channel":"stable","status":"PUBLISHED"},"relationships":rel}});
    let r = created(&c.post(&a.path("/releases"), a.admin(), Some(body)));
    assert_eq!(listed(&sc, &a, &st, "releases"), vec![id(&r)]);
    let one = sc.get(&a.path(&format!("/releases/1.0.0?product={product}")), Some(&st), None);
    assert_eq!(one.assert_status(200).json["data"]["id"], id(&r).as_str());
    let r403 = sc.patch(&a.path(&format!("/releases/{}", id(&r))), Some(&st), Some(json!({"data":{"type":"releases","attributes":{"name":"x"}}})));
    assert_eq!((r403.status, r403.json["errors"][0]["detail"].as_str()), (403, Some("record environment is not compatible with the current environment")));
    assert!(listed(&ic, &a, &it, "releases").is_empty());
    assert_eq!(ic.get(&a.path(&format!("/releases/{}", id(&r))), Some(&it), None).status, 404);
}
