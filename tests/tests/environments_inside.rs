//! Environments (Keygen EE, issue 8) managed from inside one, on the real runtime, as Keygen's
//! `EnvironmentPolicy` and `Environments::TokenPolicy` say: an environment's own admin reads
//! every environment of the account and their tokens but creates, changes, deletes and mints
//! nothing (strict writes); an environment token reads only itself and its own tokens, never
//! the list; `GET /environments/{id}/tokens[/{id}]` lists only the environment's own tokens.

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

fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{} {}: {}", r.method, r.target, r.json);
    r.json["data"].as_array().map(|d| d.iter().map(id).collect()).unwrap_or_default()
}

#[test]
fn inside_an_environment_staff_read_every_environment_and_an_environment_token_only_itself() {
    let a = server().bootstrap_account();
    let c = a.client();
    let founder = format!("founder+{}@example.com", e2e::unique_tag());
    let body = json!({"data":{"type":"environments","attributes":{"name":"Sandbox","code":"sandbox"},
        "relationships":{"admins":{"data":[{"type":"users","attributes":{"email":founder,"password":"founding password"}}]}}}});
    let sandbox = id(&created(&c.post(&a.path("/environments"), a.admin(), Some(body))));
    let body = json!({"data":{"type":"environments","attributes":{"name":"Staging","code":"staging"}}});
    let staging = id(&created(&c.post(&a.path("/environments"), a.admin(), Some(body))));
    let mint = |e: &str| created(&c.post(&a.path(&format!("/environments/{e}/tokens")), a.admin(), None));
    let (st, gt) = (mint(&sandbox), mint(&staging));
    let et = st["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let sc = c.clone().in_environment("sandbox");
    let ft =
        created(&sc.post(&a.path("/tokens"), Some(&basic(&founder, "founding password")), None))["attributes"]["token"].as_str().unwrap_or_default().to_owned();

    // The environment's admin: every environment and its tokens; no writes (Keygen: strict).
    let mut all = ids(&sc.get(&a.path("/environments"), Some(&ft), None));
    all.sort();
    let mut want = vec![sandbox.clone(), staging.clone()];
    want.sort();
    assert_eq!(all, want);
    assert_eq!(sc.get(&a.path("/environments/staging"), Some(&ft), None).assert_status(200).json["data"]["id"], staging.as_str());
    assert_eq!(ids(&sc.get(&a.path("/environments/staging/tokens"), Some(&ft), None)), vec![id(&gt)]);
    let rename = json!({"data":{"type":"environments","attributes":{"name":"Renamed"}}});
    for r in [
        sc.post(&a.path("/environments"), Some(&ft), Some(json!({"data":{"type":"environments","attributes":{"name":"N","code":"n"}}}))),
        sc.patch(&a.path("/environments/staging"), Some(&ft), Some(rename.clone())),
        sc.patch(&a.path("/environments/sandbox"), Some(&ft), Some(rename)),
        sc.delete(&a.path("/environments/staging"), Some(&ft), None),
        sc.post(&a.path("/environments/staging/tokens"), Some(&ft), None),
    ] {
        assert_eq!(r.status, 403, "{} {}: {}", r.method, r.target, r.json);
    }

    // The environment token: itself and its own tokens only, never the list.
    assert_eq!(sc.get(&a.path("/environments"), Some(&et), None).status, 403);
    sc.get(&a.path("/environments/sandbox"), Some(&et), None).assert_status(200);
    assert_eq!(sc.get(&a.path(&format!("/environments/{staging}")), Some(&et), None).status, 404);
    assert_eq!(ids(&sc.get(&a.path("/environments/sandbox/tokens"), Some(&et), None)), vec![id(&st)]);
    let r = sc.get(&a.path(&format!("/environments/sandbox/tokens/{}", id(&st))), Some(&et), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["kind"], "environment-token");
    assert_eq!(r.json["data"]["attributes"]["token"], Value::Null, "a token's value is shown once");
    assert_eq!(sc.get(&a.path("/environments/staging/tokens"), Some(&et), None).status, 404);

    // From the global environment: only the environment's own tokens (not the founder's).
    assert_eq!(ids(&c.get(&a.path("/environments/sandbox/tokens"), a.admin(), None)), vec![id(&st)]);
    assert_eq!(c.get(&a.path(&format!("/environments/sandbox/tokens/{}", id(&gt))), a.admin(), None).status, 404);
}
