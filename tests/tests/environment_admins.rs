//! Environments (Keygen EE, issue 8), admins inside an environment, on the real runtime: the
//! founding admins of `POST /environments` (`relationships.admins`), a global admin's password
//! login inside an environment and what its token may do there, `GET /me` of an environment
//! token, `PATCH /accounts` from inside an environment, and the cached environment lookup
//! (`Server-Timing`).

use base64::Engine as _;
use e2e::{server, Resp};
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn created(r: &Resp) -> Value {
    assert_eq!(r.status, 201, "{} {}: {}", r.method, r.target, r.json);
    r.json["data"].clone()
}

fn basic(email: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}")))
}

fn token_of(r: &Resp) -> String {
    created(r)["attributes"]["token"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn global_admins_and_founding_admins_act_inside_an_environment() {
    let a = server().bootstrap_account();
    let c = a.client();
    let founder = format!("founder+{}@example.com", e2e::unique_tag());
    let body = json!({"data":{"type":"environments","attributes":{"name":"Sandbox","code":"sandbox"},
        "relationships":{"admins":{"data":[{"type":"users","attributes":{"email":founder,"password":"founding password","firstName":"F"}}]}}}});
    let e = created(&c.post(&a.path("/environments"), a.admin(), Some(body)));
    let eid = id(&e);
    let sc = c.clone().in_environment("sandbox");
    // A global admin's password logs in inside the environment; its token acts there.
    let t = token_of(&sc.post(&a.path("/tokens"), Some(&basic(&a.admin_email, &a.admin_password)), None));
    let r = sc.get(&a.path("/me"), Some(&t), None);
    assert_eq!((r.status, r.json["data"]["id"].as_str()), (200, Some(a.admin_id.as_str())), "{}", r.json);
    assert_eq!(r.json["data"]["relationships"]["environment"]["data"], Value::Null, "the admin is global");
    let p = created(&sc.post(&a.path("/products"), Some(&t), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}}))));
    assert_eq!(p["relationships"]["environment"]["data"], json!({"type":"environments","id":eid}));
    let path = a.path(&format!("/products/{}", id(&p)));
    assert_eq!(sc.patch(&path, Some(&t), Some(json!({"data":{"type":"products","attributes":{"name":"Renamed"}}}))).status, 200);
    assert_eq!(c.get(&path, a.admin(), None).status, 404, "the product is the environment's");
    sc.delete(&path, Some(&t), None).assert_status(204);
    // That token is the environment's only; the admin's global token is not found inside (Keygen).
    assert_eq!(c.get(&a.path("/products"), Some(&t), None).error_code(), Some("TOKEN_INVALID"));
    assert_eq!(sc.get(&a.path("/products"), a.admin(), None).error_code(), Some("TOKEN_INVALID"));
    // A global user that is not an admin does not log in inside.
    let email = format!("plain+{}@example.com", e2e::unique_tag());
    created(&c.post(&a.path("/users"), a.admin(), Some(json!({"data":{"type":"users","attributes":{"email":email,"password":"plain password"}}}))));
    let r = sc.post(&a.path("/tokens"), Some(&basic(&email, "plain password")), None);
    assert_eq!(r.status, 401, "{}", r.json);
    // The founding admin is the environment's: it logs in there, and only there.
    let ft = token_of(&sc.post(&a.path("/tokens"), Some(&basic(&founder, "founding password")), None));
    let r = sc.get(&a.path("/me"), Some(&ft), None);
    assert_eq!(r.json["data"]["attributes"]["role"], "admin");
    assert_eq!(r.json["data"]["relationships"]["environment"]["data"], json!({"type":"environments","id":eid}));
    assert_eq!(c.post(&a.path("/tokens"), Some(&basic(&founder, "founding password")), None).status, 401);
    assert!(sc.get(&a.path("/event-logs"), Some(&ft), None).json["data"]
        .as_array()
        .is_some_and(|d| d.iter().any(|e| e["attributes"]["event"] == "user.created")));
    // An environment token's `GET /me` is the environment.
    let et = token_of(&c.post(&a.path(&format!("/environments/{eid}/tokens")), a.admin(), None));
    let r = sc.get(&a.path("/me"), Some(&et), None);
    assert_eq!((r.status, r.json["data"]["type"].as_str(), r.json["data"]["id"].as_str()), (200, Some("environments"), Some(eid.as_str())), "{}", r.json);
}

#[test]
fn refused_founding_admins_write_nothing() {
    let a = server().bootstrap_account();
    let c = a.client();
    let twice = json!({"data":{"type":"environments","attributes":{"name":"S","code":"sandbox"},
        "relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"x@example.com"}},{"type":"users","attributes":{"email":"X@example.com"}}]}}}});
    let r = c.post(&a.path("/environments"), a.admin(), Some(twice));
    assert_eq!((r.status, r.error_code()), (422, Some("EMAIL_TAKEN")), "{}", r.json);
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/relationships/admins/data/1/attributes/email");
    assert_eq!(c.get(&a.path("/environments"), a.admin(), None).json["data"].as_array().map(Vec::len), Some(0));
    // A developer manages environments and their founding admins (Keygen's developer set has
    // `admin.create`), but is no global admin: it does not log in inside (`account.admins`).
    let dev = format!("dev+{}@example.com", e2e::unique_tag());
    created(&c.post(
        &a.path("/users"),
        a.admin(),
        Some(json!({"data":{"type":"users","attributes":{"email":dev,"password":"developer pw","role":"developer"}}})),
    ));
    let dt = token_of(&c.post(&a.path("/tokens"), Some(&basic(&dev, "developer pw")), None));
    let body = json!({"data":{"type":"environments","attributes":{"name":"S","code":"sandbox"},
        "relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"y@example.com"}}]}}}});
    created(&c.post(&a.path("/environments"), Some(&dt), Some(body)));
    assert_eq!(c.clone().in_environment("sandbox").post(&a.path("/tokens"), Some(&basic(&dev, "developer pw")), None).status, 401);
}

#[test]
fn an_account_update_from_inside_an_environment_changes_the_account() {
    let a = server().bootstrap_account();
    let c = a.client();
    created(&c.post(&a.path("/environments"), a.admin(), Some(json!({"data":{"type":"environments","attributes":{"name":"S","code":"sandbox"}}}))));
    let sc = c.clone().in_environment("sandbox");
    let t = token_of(&sc.post(&a.path("/tokens"), Some(&basic(&a.admin_email, &a.admin_password)), None));
    let r = sc.patch(&a.path(""), Some(&t), Some(json!({"data":{"type":"accounts","attributes":{"name":"Renamed inside"}}})));
    assert_eq!((r.status, r.json["data"]["id"].as_str()), (200, Some(a.id.as_str())), "{}", r.json);
    let r = c.get(&a.path(""), a.admin(), None);
    assert_eq!(r.json["data"]["attributes"]["name"], "Renamed inside");
    assert_eq!(r.json["data"]["attributes"]["slug"], a.slug.as_str(), "the account keeps its slug");
    // An environment token reads the account but does not change it (Keygen's environment set).
    let eid = id(&c.get(&a.path("/environments/sandbox"), a.admin(), None).json["data"]);
    let et = token_of(&c.post(&a.path(&format!("/environments/{eid}/tokens")), a.admin(), None));
    assert_eq!(sc.patch(&a.path(""), Some(&et), Some(json!({"data":{"type":"accounts","attributes":{"name":"No"}}}))).status, 403);
}

/// One count of `Server-Timing` (the harness sets LATCHKEY_SERVER_TIMING).
fn timing(r: &Resp, name: &str) -> u32 {
    let t = r.header("Server-Timing").unwrap_or_else(|| panic!("no Server-Timing: {:?}", r.headers));
    t.split(", ")
        .find_map(|m| m.strip_prefix(&format!("{name};desc=\"")))
        .and_then(|v| v.trim_end_matches('"').parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {t}"))
}

#[test]
fn naming_an_environment_costs_no_d1_read_when_warm() {
    let a = server().bootstrap_account();
    let c = a.client();
    let e = created(&c.post(&a.path("/environments"), a.admin(), Some(json!({"data":{"type":"environments","attributes":{"name":"S","code":"sandbox"}}}))));
    let et = token_of(&c.post(&a.path(&format!("/environments/{}/tokens", id(&e))), a.admin(), None));
    let sc = c.clone().in_environment("sandbox");
    let p = created(&c.post(&a.path("/products"), a.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}}))));
    let pt = token_of(&c.post(&a.path(&format!("/products/{}/tokens", id(&p))), a.admin(), None));
    // Warm both, then compare: an environment token inside the environment costs what a
    // product token costs globally (a token read, the page and its count), no lookup more.
    for _ in 0..2 {
        sc.get(&a.path("/entitlements"), Some(&et), None).assert_status(200);
        c.get(&a.path("/entitlements"), Some(&pt), None).assert_status(200);
    }
    let inside = sc.get(&a.path("/entitlements"), Some(&et), None);
    let global = c.get(&a.path("/entitlements"), Some(&pt), None);
    let (i, g) = (timing(&inside, "d1-statements"), timing(&global, "d1-statements"));
    eprintln!("d1-statements: inside the environment {i}, global {g}");
    assert_eq!(i, g, "inside {:?} global {:?}", inside.header("Server-Timing"), global.header("Server-Timing"));
    // A renamed environment is looked up afresh in this isolate (the cache is dropped).
    let r = c.patch(&a.path("/environments/sandbox"), a.admin(), Some(json!({"data":{"type":"environments","attributes":{"code":"staging"}}})));
    r.assert_status(200);
    assert_eq!(sc.get(&a.path("/entitlements"), Some(&et), None).error_code(), Some("ENVIRONMENT_INVALID"));
    c.clone().in_environment("staging").get(&a.path("/entitlements"), Some(&et), None).assert_status(200);
}
