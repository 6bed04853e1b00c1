//! Environments (Keygen EE, issue 8) on the real runtime: CRUD of `/environments` by id and
//! code, selection by `Keygen-Environment` or `?environment=` and its errors, environment
//! tokens, isolation (a sandbox's products, policies, users, licenses, machines, tokens and
//! events never appear in production lists or shows, and the other way round), the
//! `environment` relationship, the validation scope codes, and delete removing everything.

use e2e::{server, Client, Resp, TestAccount};
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn created(r: &Resp) -> Value {
    assert_eq!(r.status, 201, "{} {}: {}", r.method, r.target, r.json);
    r.json["data"].clone()
}

fn err(r: &Resp) -> (u16, Option<&str>, Value) {
    (r.status, r.error_code(), r.json["errors"][0]["source"].clone())
}

fn env_body(name: &str, code: &str) -> Value {
    json!({"data":{"type":"environments","attributes":{"name":name,"code":code}}})
}

/// An environment of `a` and a token of it.
fn environment(c: &Client, a: &TestAccount, code: &str) -> (String, String) {
    let e = created(&c.post(&a.path("/environments"), a.admin(), Some(env_body(code, code))));
    let t = created(&c.post(&a.path(&format!("/environments/{}/tokens", id(&e))), a.admin(), None));
    assert!(t["attributes"]["token"].as_str().is_some_and(|t| t.starts_with("env-")), "{t}");
    assert_eq!(t["attributes"]["kind"], "environment-token");
    assert_eq!(t["attributes"]["expiry"], Value::Null);
    assert_eq!(t["relationships"]["bearer"]["data"], json!({"type":"environments","id":id(&e)}));
    (id(&e), t["attributes"]["token"].as_str().unwrap_or_default().to_owned())
}

/// A product, policy, user, license (owned by the user) and machine, made by `token` in
/// whatever environment `c` selects; their ids by name.
fn fleet(c: &Client, a: &TestAccount, token: &str, policy: Value) -> Vec<(&'static str, String)> {
    let p = created(&c.post(&a.path("/products"), Some(token), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}}))));
    let mut attrs = json!({"name":"Pro","floating":true,"maxMachines":5});
    if let (Some(m), Some(extra)) = (attrs.as_object_mut(), policy.as_object()) {
        m.extend(extra.clone());
    }
    let pol = created(&c.post(
        &a.path("/policies"),
        Some(token),
        Some(json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":id(&p)}}}}})),
    ));
    let email = format!("{}@example.com", e2e::unique_tag());
    let u = created(&c.post(&a.path("/users"), Some(token), Some(json!({"data":{"type":"users","attributes":{"email":email}}}))));
    let l = created(&c.post(
        &a.path("/licenses"),
        Some(token),
        Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":id(&pol)}},"owner":{"data":{"type":"users","id":id(&u)}}}}})),
    ));
    let m = created(&c.post(
        &a.path("/machines"),
        Some(token),
        Some(json!({"data":{"type":"machines","attributes":{"fingerprint":e2e::unique_tag()},"relationships":{"license":{"data":{"type":"licenses","id":id(&l)}}}}})),
    ));
    let t = created(&c.post(&a.path(&format!("/products/{}/tokens", id(&p))), Some(token), None));
    vec![
        ("products", id(&p)),
        ("policies", id(&pol)),
        ("users", id(&u)),
        ("licenses", id(&l)),
        ("machines", id(&m)),
        ("tokens", id(&t)),
        ("key", l["attributes"]["key"].as_str().unwrap_or_default().to_owned()),
    ]
}

fn listed(c: &Client, a: &TestAccount, token: &str, ty: &str) -> Vec<String> {
    let r = c.get(&a.path(&format!("/{ty}?limit=100")), Some(token), None);
    assert_eq!(r.status, 200, "{ty}: {}", r.json);
    r.json["data"].as_array().map(|d| d.iter().map(id).collect()).unwrap_or_default()
}

#[test]
fn environments_crud_by_id_and_code_with_keygens_rules() {
    let a = server().bootstrap_account();
    let c = a.client();
    let e = created(&c.post(&a.path("/environments"), a.admin(), Some(env_body("Sandbox", "sandbox"))));
    assert_eq!((e["type"].as_str(), e["attributes"]["code"].as_str()), (Some("environments"), Some("sandbox")));
    assert_eq!(e["attributes"]["isolationStrategy"], "ISOLATED");
    assert_eq!(e["relationships"]["account"]["data"]["id"], a.id.as_str());
    let eid = id(&e);
    // The code is unique per account case-insensitively, never UUID-like or reserved.
    let r = c.post(&a.path("/environments"), a.admin(), Some(env_body("Again", "SANDBOX")));
    assert_eq!(err(&r), (422, Some("CODE_TAKEN"), json!({"pointer":"/data/attributes/code"})));
    let r = c.post(&a.path("/environments"), a.admin(), Some(env_body("U", "1b1c3a4e-9a6f-4a5e-8f0a-0c7d8e9f0a1b")));
    assert_eq!(err(&r), (422, Some("CODE_INVALID"), json!({"pointer":"/data/attributes/code"})));
    let r = c.post(&a.path("/environments"), a.admin(), Some(json!({"data":{"type":"environments","attributes":{"name":"N"}}})));
    assert_eq!(err(&r), (422, Some("CODE_MISSING"), json!({"pointer":"/data/attributes/code"})));
    let shared = json!({"data":{"type":"environments","attributes":{"name":"S","code":"shared","isolationStrategy":"SHARED"}}});
    let r = c.post(&a.path("/environments"), a.admin(), Some(shared));
    assert_eq!(created(&r)["attributes"]["isolationStrategy"], "SHARED");
    c.delete(&a.path("/environments/shared"), a.admin(), None).assert_status(204);
    // Another account may use the same code.
    let b = server().bootstrap_account();
    created(&b.client().post(&b.path("/environments"), b.admin(), Some(env_body("Sandbox", "sandbox"))));
    // Reads by id and by code; lists.
    for key in [eid.as_str(), "sandbox"] {
        let r = c.get(&a.path(&format!("/environments/{key}")), a.admin(), None);
        assert_eq!(r.assert_status(200).json["data"]["id"], eid.as_str());
    }
    assert_eq!(c.get(&a.path("/environments/Sandbox"), a.admin(), None).status, 404, "codes are exact in lookups");
    let r = c.get(&a.path("/environments"), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
    // Update: name and code; the isolation strategy is create-only.
    let r =
        c.patch(&a.path("/environments/sandbox"), a.admin(), Some(json!({"data":{"type":"environments","attributes":{"name":"Staging","code":"staging"}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["code"], "staging");
    let r = c.patch(&a.path("/environments/staging"), a.admin(), Some(json!({"data":{"type":"environments","attributes":{"isolationStrategy":"SHARED"}}})));
    assert_eq!(err(&r), (400, Some("PARAMETER_UNPERMITTED"), json!({"pointer":"/data/attributes/isolationStrategy"})));
    // Events in the account.
    let r = c.get(&a.path("/event-logs?limit=100"), a.admin(), None);
    let names: Vec<&str> = r.json["data"].as_array().map(|d| d.iter().filter_map(|e| e["attributes"]["event"].as_str()).collect()).unwrap_or_default();
    assert!(names.contains(&"environment.created") && names.contains(&"environment.updated"), "{names:?}");
    // Delete.
    c.delete(&a.path("/environments/staging"), a.admin(), None).assert_status(204);
    assert_eq!(c.get(&a.path(&format!("/environments/{eid}")), a.admin(), None).status, 404);
    let r = c.get(&a.path("/event-logs?limit=100"), a.admin(), None);
    assert!(r.json["data"].as_array().is_some_and(|d| d.iter().any(|e| e["attributes"]["event"] == "environment.deleted")));
}

#[test]
fn concurrent_creates_of_one_code_make_one_environment() {
    let a = server().bootstrap_account();
    let results: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6)
            .map(|i| {
                let (a, c) = (&a, a.client());
                s.spawn(move || c.post(&a.path("/environments"), a.admin(), Some(env_body(&format!("E{i}"), if i % 2 == 0 { "race" } else { "RACE" }))).status)
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    assert_eq!(results.iter().filter(|s| **s == 201).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| matches!(s, 201 | 422)), "{results:?}");
    let r = a.client().get(&a.path("/environments"), a.admin(), None);
    assert_eq!(r.json["data"].as_array().map(Vec::len), Some(1));
}

#[test]
fn selection_by_header_or_parameter_and_its_errors() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (eid, token) = environment(&c, &a, "sandbox");
    // By code or id in the header; the response echoes the code.
    for key in ["sandbox", eid.as_str()] {
        let r = c.clone().in_environment(key).get(&a.path("/products"), Some(&token), None);
        assert_eq!(r.status, 200, "{}", r.json);
        assert_eq!(r.header("Keygen-Environment"), Some("sandbox"));
    }
    // By parameter.
    let r = c.get(&a.path("/products?environment=sandbox"), Some(&token), None);
    assert_eq!((r.status, r.header("Keygen-Environment")), (200, Some("sandbox")));
    // Without one: no header echoed.
    assert_eq!(c.get(&a.path("/products"), a.admin(), None).header("Keygen-Environment"), None);
    // Unknown environments, precise sources; codes are case-sensitive.
    let r = c.clone().in_environment("nope").get(&a.path("/products"), Some(&token), None);
    assert_eq!(err(&r), (400, Some("ENVIRONMENT_INVALID"), json!({"header":"Keygen-Environment"})));
    let r = c.clone().in_environment("Sandbox").get(&a.path("/products"), Some(&token), None);
    assert_eq!(err(&r), (400, Some("ENVIRONMENT_INVALID"), json!({"header":"Keygen-Environment"})));
    let r = c.get(&a.path("/products?environment=nope"), Some(&token), None);
    assert_eq!(err(&r), (400, Some("ENVIRONMENT_INVALID"), json!({"parameter":"environment"})));
    // Another account's environment is unknown here.
    let b = server().bootstrap_account();
    let (other, _) = environment(&b.client(), &b, "theirs");
    let r = c.clone().in_environment(&other).get(&a.path("/products"), a.admin(), None);
    assert_eq!(err(&r).1, Some("ENVIRONMENT_INVALID"));
    // An environment token without the header, and a global token inside the environment: 401.
    let r = c.get(&a.path("/products"), Some(&token), None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_INVALID")));
    let r = c.clone().in_environment("sandbox").get(&a.path("/products"), a.admin(), None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_INVALID")));
    // Another environment's token inside this one: 401.
    let (_, token2) = environment(&c, &a, "staging");
    let r = c.clone().in_environment("sandbox").get(&a.path("/products"), Some(&token2), None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_INVALID")));
    // A tenant id is not an account (unsigned, as for any unknown account).
    let r = c.clone().unverified().get(&format!("/v1/accounts/{}.{eid}/products", a.id), Some(&token), None);
    assert_eq!((r.status, r.error_code()), (404, Some("NOT_FOUND")));
}

#[test]
fn a_sandbox_and_production_never_see_each_others_records() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (eid, token) = environment(&c, &a, "sandbox");
    let sc = c.clone().in_environment("sandbox");
    let sandbox = fleet(&sc, &a, &token, json!({}));
    let admin = a.admin_token.clone();
    let production = fleet(&c, &a, &admin, json!({}));
    for ((ty, s), (_, p)) in sandbox.iter().zip(&production).filter(|((ty, _), _)| *ty != "key") {
        let in_production = listed(&c, &a, &admin, ty);
        let in_sandbox = listed(&sc, &a, &token, ty);
        assert!(in_production.contains(p) && !in_production.contains(s), "{ty}: production lists the sandbox's");
        assert!(in_sandbox.contains(s) && !in_sandbox.contains(p), "{ty}: the sandbox lists production's");
        assert_eq!(c.get(&a.path(&format!("/{ty}/{s}")), Some(&admin), None).status, 404, "{ty}: production shows the sandbox's");
        assert_eq!(sc.get(&a.path(&format!("/{ty}/{p}")), Some(&token), None).status, 404, "{ty}: the sandbox shows production's");
        let r = sc.get(&a.path(&format!("/{ty}/{s}")), Some(&token), None);
        assert_eq!(r.status, 200, "{ty}: {}", r.json);
        // `relationships.environment`: the sandbox's, or null (global).
        assert_eq!(r.json["data"]["relationships"]["environment"]["data"], json!({"type":"environments","id":eid}), "{ty}");
        assert_eq!(r.json["data"]["relationships"]["account"]["data"]["id"], a.id.as_str(), "{ty}");
        assert!(r.json["data"]["links"]["self"].as_str().is_some_and(|l| l.starts_with(&format!("/v1/accounts/{}/", a.id))), "{ty}");
        let r = c.get(&a.path(&format!("/{ty}/{p}")), Some(&admin), None);
        assert_eq!(r.json["data"]["relationships"]["environment"], json!({"data": null}), "{ty}");
    }
    // Writes cannot reach across: a sandbox license for a production policy is Keygen's 422.
    let pol = &production[1].1;
    let r =
        sc.post(&a.path("/licenses"), Some(&token), Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol}}}}})));
    assert_eq!(err(&r), (422, Some("ENVIRONMENT_NOT_ALLOWED"), json!({"pointer":"/data/relationships/policy"})), "{}", r.json);
    assert_eq!(r.json["errors"][0]["detail"], "must be compatible with policy environment");
    let r = sc.patch(&a.path(&format!("/products/{}", production[0].1)), Some(&token), Some(json!({"data":{"type":"products","attributes":{"name":"X"}}})));
    assert_eq!(r.status, 404);
    // License keys: each environment validates only its own.
    let validate = |c: &Client, t: &str, key: &str| {
        let r = c.post(&a.path("/licenses/actions/validate-key"), Some(t), Some(json!({"meta":{"key":key}})));
        r.json["meta"]["code"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(validate(&sc, &token, &sandbox[6].1), "VALID");
    assert_eq!(validate(&c, &admin, &sandbox[6].1), "NOT_FOUND");
    assert_eq!(validate(&sc, &token, &production[6].1), "NOT_FOUND");
    // Events: each environment's event log holds only its own.
    let events = |c: &Client, t: &str| -> Vec<String> {
        let r = c.get(&a.path("/event-logs?limit=100"), Some(t), None);
        r.json["data"]
            .as_array()
            .map(|d| d.iter().filter_map(|e| e["relationships"]["resource"]["data"]["id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let (pe, se) = (events(&c, &admin), events(&sc, &token));
    assert!(se.contains(&sandbox[0].1) && !pe.contains(&sandbox[0].1), "sandbox events leak: {pe:?}");
    assert!(pe.contains(&production[0].1) && !se.contains(&production[0].1));
    // An environment token reads its own environment only (never the list: Keygen's
    // `EnvironmentPolicy#index?`) and manages none.
    assert_eq!(sc.get(&a.path("/environments"), Some(&token), None).status, 403);
    assert_eq!(sc.get(&a.path(&format!("/environments/{eid}")), Some(&token), None).status, 200);
    assert_eq!(sc.post(&a.path("/environments"), Some(&token), Some(env_body("X", "x"))).status, 403);
    assert_eq!(sc.delete(&a.path(&format!("/environments/{eid}")), Some(&token), None).status, 403);
    assert_eq!(sc.post(&a.path(&format!("/environments/{eid}/tokens")), Some(&token), None).status, 403);
    // Deleting the environment removes everything in it; a new one of the same code is empty.
    c.delete(&a.path(&format!("/environments/{eid}")), a.admin(), None).assert_status(204);
    let r = sc.get(&a.path("/products"), Some(&token), None);
    assert_eq!(err(&r).1, Some("ENVIRONMENT_INVALID"));
    let (_, token) = environment(&c, &a, "sandbox");
    for ty in ["products", "policies", "users", "licenses", "machines"] {
        assert!(listed(&sc, &a, &token, ty).is_empty(), "{ty} survived the environment's deletion");
    }
    // Production is untouched.
    assert!(listed(&c, &a, &admin, "licenses").contains(&production[3].1));
}

#[test]
fn validation_scope_environment_mismatch_and_required() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (eid, token) = environment(&c, &a, "sandbox");
    let sc = c.clone().in_environment("sandbox");
    let sandbox = fleet(&sc, &a, &token, json!({"requireEnvironmentScope": true}));
    let admin = a.admin_token.clone();
    let production = fleet(&c, &a, &admin, json!({}));
    let code = |c: &Client, t: &str, key: &str, scope: Option<Value>| {
        let mut meta = json!({"key": key});
        if let Some(s) = scope {
            meta["scope"] = json!({"environment": s});
        }
        let r = c.post(&a.path("/licenses/actions/validate-key"), Some(t), Some(json!({"meta": meta})));
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["meta"]["code"].as_str().unwrap_or_default().to_owned()
    };
    let (sk, pk) = (&sandbox[6].1, &production[6].1);
    assert_eq!(code(&sc, &token, sk, Some(json!("sandbox"))), "VALID");
    assert_eq!(code(&sc, &token, sk, Some(json!(eid))), "VALID");
    assert_eq!(code(&sc, &token, sk, Some(json!("production"))), "ENVIRONMENT_SCOPE_MISMATCH");
    assert_eq!(code(&sc, &token, sk, Some(Value::Null)), "ENVIRONMENT_SCOPE_MISMATCH");
    assert_eq!(code(&sc, &token, sk, None), "ENVIRONMENT_SCOPE_REQUIRED");
    assert_eq!(code(&c, &admin, pk, Some(Value::Null)), "VALID");
    assert_eq!(code(&c, &admin, pk, None), "VALID");
    assert_eq!(code(&c, &admin, pk, Some(json!("sandbox"))), "ENVIRONMENT_SCOPE_MISMATCH");
    // The policy attribute is rendered (a Latchkey attribute: Keygen keeps it DB-only).
    let r = sc.get(&a.path(&format!("/policies/{}", sandbox[1].1)), Some(&token), None);
    assert_eq!(r.json["data"]["attributes"]["requireEnvironmentScope"], true);
}

#[test]
fn associations_across_environments_are_incompatible_not_missing() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (_, token) = environment(&c, &a, "sandbox");
    let (_, token2) = environment(&c, &a, "staging");
    let (sc, tc) = (c.clone().in_environment("sandbox"), c.clone().in_environment("staging"));
    let sandbox = fleet(&sc, &a, &token, json!({}));
    let admin = a.admin_token.clone();
    let production = fleet(&c, &a, &admin, json!({}));
    let license = |c: &Client, t: &str, policy: &str, owner: &str| {
        let rels = json!({"policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":owner}}});
        c.post(&a.path("/licenses"), Some(t), Some(json!({"data":{"type":"licenses","relationships":rels}})))
    };
    let incompatible = |r: &Resp, rel: &str| {
        assert_eq!(err(r), (422, Some("ENVIRONMENT_NOT_ALLOWED"), json!({"pointer":format!("/data/relationships/{rel}")})), "{}", r.json);
    };
    // Global from inside, inside from global, and one environment from another.
    incompatible(&license(&sc, &token, &production[1].1, &sandbox[2].1), "policy");
    incompatible(&license(&sc, &token, &sandbox[1].1, &production[2].1), "owner");
    incompatible(&license(&c, &admin, &sandbox[1].1, &production[2].1), "policy");
    incompatible(&license(&tc, &token2, &sandbox[1].1, &sandbox[2].1), "policy");
    // Another account's record is still simply not found.
    let b = server().bootstrap_account();
    let theirs = fleet(&b.client(), &b, &b.admin_token, json!({}));
    let r = license(&c, &admin, &theirs[1].1, &production[2].1);
    assert_eq!((r.status, r.error_code()), (422, Some("POLICY_NOT_FOUND")), "{}", r.json);
    // Nothing was written by any of them.
    assert_eq!(listed(&sc, &a, &token, "licenses").len(), 1);
    assert_eq!(listed(&tc, &a, &token2, "licenses").len(), 0);
}

#[test]
fn deleting_an_environment_removes_its_machine_leases_and_artifacts() {
    let a = server().bootstrap_account();
    let c = a.client();
    let (eid, token) = environment(&c, &a, "sandbox");
    let sc = c.clone().in_environment("sandbox");
    let sandbox = fleet(&sc, &a, &token, json!({}));
    let lic = &sandbox[3].1;
    let m2 =
        json!({"data":{"type":"machines","attributes":{"fingerprint":e2e::unique_tag()},"relationships":{"license":{"data":{"type":"licenses","id":lic}}}}});
    created(&sc.post(&a.path("/machines"), Some(&token), Some(m2)));
    // An uploaded artifact inside the environment (its bytes in R2).
    let rel = created(&sc.post(
        &a.path("/releases"),
        Some(&token),
        Some(json!({"data":{"type":"releases","attributes":{"version":"1.0.0","channel":"stable"},"relationships":{"product":{"data":{"type":"products","id":sandbox[0].1}}}}})),
    ));
    let body = json!({"data":{"type":"artifacts","attributes":{"filename":"app.bin"},"relationships":{"release":{"data":{"type":"releases","id":id(&rel)}}}}});
    let r = sc.post(&a.path("/artifacts"), Some(&token), Some(body));
    assert_eq!(r.status, 307, "{}", r.json);
    let url = r.header("location").unwrap_or_default();
    let put = c.raw("PUT", url.strip_prefix(server().url()).unwrap_or(url), &[("Content-Length", "5")], Some(b"bytes"));
    assert_eq!(put.status, 200, "{}", put.text());
    // The deletion removes both machines' leases in KV (two KV writes) and the artifact's object.
    let r = c.delete(&a.path(&format!("/environments/{eid}")), a.admin(), None);
    r.assert_status(204);
    let timing = r.header("Server-Timing").unwrap_or_default().to_owned();
    assert!(timing.contains("kv-write;desc=\"2\""), "{timing}");
}
