//! API versions (issue 8, `docs/API.md` "API versions"): the same requests at `Keygen-Version`
//! 1.0, 1.3, 1.5, 1.7 and 1.8 answer each version's shapes and codes, signed over the body
//! as sent; old policy attribute names are accepted only at their versions; an unknown
//! version is refused; an account's pinned `apiVersion` answers requests without the header;
//! a webhook endpoint at 1.0 receives 1.0 payloads.

#[path = "support/receiver.rs"]
#[expect(dead_code, reason = "the shared receiver offers replies and fields this file does not use")]
mod receiver;

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use base64::Engine as _;
use e2e::{unique_tag, verify_signature, Resp, Server, TestAccount, JSON_API};
use receiver::{receiver, Received};
use serde_json::{json, Value};

/// The server, in development mode: the webhook test delivers to `http://127.0.0.1`.
fn server() -> &'static Server {
    static DEV: Once = Once::new();
    DEV.call_once(|| std::env::set_var("ENVIRONMENT", "development"));
    e2e::server()
}

const VERSIONS: [&str; 5] = ["1.0", "1.3", "1.5", "1.7", "1.8"];

/// The minor number of `v` ("1.5" → 5).
fn minor(v: &str) -> u8 {
    v.trim_start_matches("1.").parse().unwrap_or(8)
}

/// `method path` with `Authorization: auth` and `Keygen-Version: version` (none when empty);
/// the answer's signature must verify over the body as sent.
fn at(acct: &TestAccount, version: &str, method: &str, path: &str, auth: &str, body: Option<Value>) -> Resp {
    let mut h = vec![("Accept", JSON_API), ("Authorization", auth)];
    if !version.is_empty() {
        h.push(("Keygen-Version", version));
    }
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap_or_default());
    if bytes.is_some() {
        h.push(("Content-Type", JSON_API));
    }
    let r = acct.client().raw(method, &acct.path(path), &h, bytes.as_deref());
    if let Err(e) = verify_signature(&r, &acct.public_key_hex) {
        panic!("{method} {path} at {version}: {e}: {}", r.text());
    }
    r
}

fn bearer(acct: &TestAccount) -> String {
    format!("Bearer {}", acct.admin_token)
}

fn id(r: &Resp) -> String {
    r.json["data"]["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.text())).to_owned()
}

/// A product, a floating policy requiring heartbeats, a user and a license they own with
/// nested metadata: (policy, license, user).
fn fixture(acct: &TestAccount) -> (String, String, String) {
    let a = bearer(acct);
    let p = at(acct, "", "POST", "/products", &a, Some(json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let product = id(p.assert_status(201));
    let body = json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"requireHeartbeat":true,"heartbeatDuration":600},
        "relationships":{"product":{"data":{"type":"products","id":product}}}}});
    let policy = id(at(acct, "", "POST", "/policies", &a, Some(body)).assert_status(201));
    let email = format!("u{}@example.com", unique_tag());
    let u = at(acct, "", "POST", "/users", &a, Some(json!({"data":{"type":"users","attributes":{"email":email}}})));
    let user = id(u.assert_status(201));
    let body = json!({"data":{"type":"licenses","attributes":{"metadata":{"tier":"pro","nested":{"innerKey":1,"deepList":[{"camelCase":true}]}}},
        "relationships":{"policy":{"data":{"type":"policies","id":policy}},"owner":{"data":{"type":"users","id":user}}}}});
    let license = id(at(acct, "", "POST", "/licenses", &a, Some(body)).assert_status(201));
    (policy, license, user)
}

#[test]
fn the_same_requests_at_each_version_answer_that_versions_shapes_and_codes() {
    let acct = server().bootstrap_account();
    let a = bearer(&acct);
    let (policy, license, user) = fixture(&acct);
    for v in VERSIONS {
        let m = minor(v);
        // Policy attribute names: leasingStrategy ≤ 1.6, fingerprint*Strategy ≤ 1.3, concurrent ≤ 1.1.
        let p = at(&acct, v, "GET", &format!("/policies/{policy}"), &a, None);
        p.assert_status(200);
        assert_eq!(p.header("Keygen-Version"), Some(v));
        let attrs = &p.json["data"]["attributes"];
        assert_eq!(attrs.get("leasingStrategy").is_some(), m <= 6, "{v}: {attrs}");
        assert_eq!(attrs.get("processLeasingStrategy").is_some(), m > 6, "{v}: {attrs}");
        assert_eq!(attrs.get("fingerprintUniquenessStrategy").is_some(), m <= 3, "{v}: {attrs}");
        assert_eq!(attrs.get("machineMatchingStrategy").is_some(), m > 3, "{v}: {attrs}");
        assert_eq!(attrs.get("concurrent").is_some(), m <= 1, "{v}: {attrs}");
        if m <= 1 {
            assert_eq!(attrs["concurrent"], json!(attrs["overageStrategy"] != "NO_OVERAGE"));
        }
        // The list answers the same names.
        let list = at(&acct, v, "GET", "/policies", &a, None);
        assert_eq!(list.json["data"][0]["attributes"].get("leasingStrategy").is_some(), m <= 6, "{v}");
        // License: `user` instead of `owner` ≤ 1.5; snake_case nested metadata keys ≤ 1.4.
        let l = at(&acct, v, "GET", &format!("/licenses/{license}"), &a, None);
        l.assert_status(200);
        let rels = &l.json["data"]["relationships"];
        let (now, then) = if m <= 5 { ("user", "owner") } else { ("owner", "user") };
        assert!(rels[now]["data"]["id"].is_string(), "{v}: {rels}");
        assert!(rels.get(then).is_none(), "{v}: {rels}");
        let meta = &l.json["data"]["attributes"]["metadata"];
        let expected = if m <= 4 {
            json!({"tier":"pro","nested":{"inner_key":1,"deep_list":[{"camel_case":true}]}})
        } else {
            json!({"tier":"pro","nested":{"innerKey":1,"deepList":[{"camelCase":true}]}})
        };
        assert_eq!(meta, &expected, "{v}");
        // Validation: `meta.constant` ≤ 1.1, `meta.code` after; the license still `user`-owned.
        let val = at(&acct, v, "POST", &format!("/licenses/{license}/actions/validate"), &a, None);
        val.assert_status(200);
        assert_eq!(val.json["meta"]["valid"], true, "{v}: {}", val.text());
        let (key, other) = if m <= 1 { ("constant", "code") } else { ("code", "constant") };
        assert_eq!(val.json["meta"][key], "VALID", "{v}: {}", val.text());
        assert!(val.json["meta"].get(other).is_none(), "{v}");
        assert_eq!(val.json["data"]["relationships"].get("user").is_some(), m <= 5, "{v}");
        // A new machine under a heartbeat policy: ALIVE from creation, NOT_STARTED ≤ 1.2.
        let fp = format!("fp-{}", unique_tag());
        let body = json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":license}}}}});
        let mach = at(&acct, v, "POST", "/machines", &a, Some(body));
        mach.assert_status(201);
        let ma = &mach.json["data"]["attributes"];
        if m <= 2 {
            assert_eq!((&ma["heartbeatStatus"], &ma["lastHeartbeat"]), (&json!("NOT_STARTED"), &Value::Null), "{v}");
        } else {
            assert_eq!(ma["heartbeatStatus"], "ALIVE", "{v}");
            assert!(ma["lastHeartbeat"].is_string(), "{v}");
        }
        // ≤ 1.5 a machine's `user` is its license's owner, in place of its own `owner`.
        let machines = at(&acct, v, "GET", &format!("/licenses/{license}/machines"), &a, None);
        for r in [&mach.json["data"], &machines.json["data"][0]] {
            let mr = &r["relationships"];
            assert_eq!(mr["user"]["data"]["id"].as_str(), (m <= 5).then_some(user.as_str()), "{v}: {mr}");
            assert_eq!(mr.get("owner").is_some(), m > 5, "{v}: {mr}");
        }
        // An error code: a password login without an email is CREDENTIALS_INVALID ≤ 1.7.
        let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(":some password"));
        let t = at(&acct, v, "POST", "/tokens", &basic, None);
        assert_eq!(t.status, 401, "{v}");
        assert_eq!(t.error_code(), Some(if m <= 7 { "CREDENTIALS_INVALID" } else { "EMAIL_REQUIRED" }), "{v}: {}", t.text());
        if m <= 7 {
            assert_eq!(t.json["errors"][0]["detail"], "email and password must be valid");
        }
        // The whoami headers are `…-Id` ≤ 1.3.
        assert_eq!(l.header("Keygen-Account-Id").is_some(), m <= 3, "{v}");
        assert_eq!(l.header("Keygen-Account").is_some(), m > 3, "{v}");
    }
}

#[test]
fn old_policy_attribute_names_are_accepted_only_at_their_versions() {
    let acct = server().bootstrap_account();
    let a = bearer(&acct);
    let p = at(&acct, "", "POST", "/products", &a, Some(json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let product = id(p.assert_status(201));
    let create = |v: &str, attrs: Value| {
        let body = json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":product}}}}});
        at(&acct, v, "POST", "/policies", &a, Some(body))
    };
    let r = create("1.6", json!({"name":"A","leasingStrategy":"PER_LICENSE"}));
    r.assert_status(201);
    assert_eq!(r.json["data"]["attributes"]["leasingStrategy"], "PER_LICENSE");
    let policy = id(&r);
    let shown = at(&acct, "1.8", "GET", &format!("/policies/{policy}"), &a, None);
    assert_eq!(shown.json["data"]["attributes"]["processLeasingStrategy"], "PER_LICENSE", "stored under its current name");
    for (v, attr, value) in
        [("1.7", "leasingStrategy", json!("PER_LICENSE")), ("1.4", "fingerprintMatchingStrategy", json!("MATCH_ALL")), ("1.2", "concurrent", json!(true))]
    {
        let r = create(v, json!({"name":"B", attr: value}));
        assert_eq!(r.status, 400, "{v} {attr}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["pointer"], format!("/data/attributes/{attr}"), "{v}");
    }
    let r = create("1.3", json!({"name":"C","fingerprintMatchingStrategy":"MATCH_ALL","fingerprintUniquenessStrategy":"UNIQUE_PER_POLICY"}));
    r.assert_status(201);
    assert_eq!(r.json["data"]["attributes"]["fingerprintMatchingStrategy"], "MATCH_ALL");
    assert_eq!(r.json["data"]["attributes"]["fingerprintUniquenessStrategy"], "UNIQUE_PER_POLICY");
    // 1.0/1.1: `concurrent` sets the overage strategy, and creation defaults to ALWAYS_ALLOW_OVERAGE.
    let r = create("1.0", json!({"name":"D","concurrent":false}));
    r.assert_status(201);
    assert_eq!((&r.json["data"]["attributes"]["overageStrategy"], &r.json["data"]["attributes"]["concurrent"]), (&json!("NO_OVERAGE"), &json!(false)));
    let r = create("1.1", json!({"name":"E"}));
    r.assert_status(201);
    assert_eq!(r.json["data"]["attributes"]["overageStrategy"], "ALWAYS_ALLOW_OVERAGE");
    assert_eq!(r.json["data"]["attributes"]["heartbeatBasis"], "FROM_FIRST_PING");
    let r = create("1.8", json!({"name":"F"}));
    r.assert_status(201);
    assert_eq!(r.json["data"]["attributes"]["overageStrategy"], "NO_OVERAGE");
    // A license naming a missing owner: OWNER_NOT_FOUND, USER_NOT_FOUND at /data/relationships/user ≤ 1.5.
    for (v, code, pointer) in [("1.8", "OWNER_NOT_FOUND", "/data/relationships/owner"), ("1.5", "USER_NOT_FOUND", "/data/relationships/user")] {
        let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},
            "owner":{"data":{"type":"users","id":"00000000-0000-4000-8000-000000000000"}}}}});
        let r = at(&acct, v, "POST", "/licenses", &a, Some(body));
        assert_eq!((r.status, r.error_code()), (422, Some(code)), "{v}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["pointer"], pointer, "{v}");
    }
}

#[test]
fn an_unknown_version_is_refused_with_keygens_error() {
    let acct = server().bootstrap_account();
    let a = bearer(&acct);
    for v in ["1.9", "2.0", "1.8.0", "latest", "0.9"] {
        let r = at(&acct, v, "GET", "/licenses", &a, None);
        assert_eq!((r.status, r.error_code()), (400, Some("INVALID_API_VERSION")), "{v}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["header"], "Keygen-Version", "{v}");
        assert_eq!(r.header("Keygen-Version"), Some("1.8"));
    }
    let r = at(&acct, "v1.5", "GET", "/licenses", &a, None);
    assert_eq!((r.status, r.header("Keygen-Version")), (200, Some("1.5")), "a leading v is stripped");
}

#[test]
fn an_accounts_pinned_version_answers_requests_without_the_header() {
    let acct = server().bootstrap_account();
    let a = bearer(&acct);
    let (_, license, _) = fixture(&acct);
    assert_eq!(acct.document["data"]["attributes"]["apiVersion"], "1.8");
    let pin = |v: &str| at(&acct, "", "PATCH", "", &a, Some(json!({"data":{"type":"accounts","attributes":{"apiVersion":v}}})));
    for bad in ["2.0", "1.8.0", ""] {
        let r = pin(bad);
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/apiVersion");
    }
    let r = pin("1.5");
    r.assert_status(200);
    assert_eq!(r.json["data"]["attributes"]["apiVersion"], "1.5");
    let l = at(&acct, "", "GET", &format!("/licenses/{license}"), &a, None);
    assert_eq!(l.header("Keygen-Version"), Some("1.5"));
    assert!(l.json["data"]["relationships"].get("user").is_some(), "{}", l.text());
    let l = at(&acct, "1.8", "GET", &format!("/licenses/{license}"), &a, None);
    assert_eq!(l.header("Keygen-Version"), Some("1.8"), "the header wins");
    assert!(l.json["data"]["relationships"].get("owner").is_some());
    pin("1.8").assert_status(200);
    let l = at(&acct, "", "GET", &format!("/licenses/{license}"), &a, None);
    assert_eq!(l.header("Keygen-Version"), Some("1.8"));
}

#[test]
fn a_new_account_is_pinned_to_the_version_it_was_created_at() {
    let srv = server();
    let tag = unique_tag();
    let body = |slug: &str| {
        serde_json::to_vec(&json!({"data": {"type": "accounts", "attributes": {"name": "Pinned", "slug": slug},
            "relationships": {"admins": {"data": [{"type": "users", "attributes": {"email": format!("a+{tag}@example.com"), "password": "a long password"}}]}}}}))
        .unwrap_or_default()
    };
    let auth = format!("Bearer {}", srv.bootstrap_token());
    let headers = |v| [("Content-Type", JSON_API), ("Authorization", auth.as_str()), ("Keygen-Version", v)];
    let r = srv.client().raw("POST", "/v1/accounts", &headers("9.9"), Some(&body(&format!("bad-{tag}"))));
    assert_eq!((r.status, r.error_code()), (400, Some("INVALID_API_VERSION")), "{}", r.text());
    let r = srv.client().raw("POST", "/v1/accounts", &headers("1.3"), Some(&body(&format!("pinned-{tag}"))));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json["data"]["attributes"]["apiVersion"], "1.3");
    let (id, token) = (r.json["data"]["id"].as_str().unwrap_or_default(), r.json["meta"]["adminToken"].as_str().unwrap_or_default());
    let l = srv.client().raw("GET", &format!("/v1/accounts/{id}/licenses"), &[("Authorization", &format!("Bearer {token}"))], None);
    assert_eq!((l.status, l.header("Keygen-Version")), (200, Some("1.3")));
    assert_eq!(l.header("Keygen-Account-Id"), Some(id));
    if let Some(key) = r.json["meta"]["publicKey"].as_str() {
        verify_signature(&l, key).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(g) = got.lock() {
            if g.len() >= n {
                return g.clone();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("expected {n} webhook requests\n{}", server().logs());
}

/// The payload document of a delivered webhook event.
fn payload(r: &Received) -> Value {
    let event: Value = serde_json::from_slice(&r.body).unwrap_or_default();
    serde_json::from_str(event["data"]["attributes"]["payload"].as_str().unwrap_or_default()).unwrap_or_default()
}

#[test]
fn a_webhook_endpoint_at_1_0_receives_1_0_payloads() {
    let acct = server().bootstrap_account();
    let a = bearer(&acct);
    let (_, license, user) = fixture(&acct);
    let (old_port, old) = receiver(vec![]);
    let (new_port, new) = receiver(vec![]);
    for (port, v) in [(old_port, "1.0"), (new_port, "1.8")] {
        let hook = json!({"data":{"type":"webhook-endpoints","attributes":{"url":format!("http://127.0.0.1:{port}/hook"),"subscriptions":["license.validation.succeeded"],"apiVersion":v}}});
        let r = at(&acct, "", "POST", "/webhook-endpoints", &a, Some(hook));
        r.assert_status(201);
        assert_eq!(r.json["data"]["attributes"]["apiVersion"], v);
    }
    // Without `apiVersion` an endpoint takes the version it was created at.
    let (machine_port, machine_hooks) = receiver(vec![]);
    let hook =
        json!({"data":{"type":"webhook-endpoints","attributes":{"url":format!("http://127.0.0.1:{machine_port}/m"),"subscriptions":["machine.created"]}}});
    let r = at(&acct, "1.2", "POST", "/webhook-endpoints", &a, Some(hook));
    assert_eq!(r.json["data"]["attributes"]["apiVersion"], "1.2", "{}", r.text());
    let body =
        json!({"data":{"type":"machines","attributes":{"fingerprint":unique_tag()},"relationships":{"license":{"data":{"type":"licenses","id":license}}}}});
    let m = at(&acct, "", "POST", "/machines", &a, Some(body));
    assert_eq!(m.json["data"]["attributes"]["heartbeatStatus"], "ALIVE");
    let got = wait_for(&machine_hooks, 1);
    let p = payload(&got[0]);
    assert_eq!(got[0].header("Keygen-Version"), "1.2");
    assert_eq!(p["data"]["attributes"]["heartbeatStatus"], "NOT_STARTED", "{p}");
    assert_eq!(p["data"]["relationships"]["user"]["data"]["id"].as_str(), Some(user.as_str()), "{p}");
    at(&acct, "", "POST", &format!("/licenses/{license}/actions/validate"), &a, None).assert_status(200);
    let (old, new) = (wait_for(&old, 1), wait_for(&new, 1));
    assert_eq!((old[0].header("Keygen-Version"), new[0].header("Keygen-Version")), ("1.0", "1.8"));
    let (old, new) = (payload(&old[0]), payload(&new[0]));
    assert_eq!(old["meta"]["constant"], "VALID", "{old}");
    assert!(old["meta"].get("code").is_none(), "{old}");
    assert!(old["data"]["relationships"].get("user").is_some(), "{old}");
    assert_eq!(old["data"]["attributes"]["metadata"]["nested"], json!({"inner_key":1,"deep_list":[{"camel_case":true}]}));
    assert_eq!(new["meta"]["code"], "VALID", "{new}");
    assert!(new["data"]["relationships"].get("owner").is_some(), "{new}");
    assert_eq!(new["data"]["attributes"]["metadata"]["nested"], json!({"innerKey":1,"deepList":[{"camelCase":true}]}));
}
