//! Search terms (issue 8, `docs/API.md` "Key pools and machine proofs", Search) on the real
//! runtime: relationship terms by name and email (Keygen's `search_<relation>` scopes),
//! metadata keys under either spelling, request logs searched by requestor and method, and
//! precise 400s for bad terms.

use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn admin_post(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    assert!(matches!(r.status, 200 | 201), "{path}: {} {}", r.status, r.json);
    r.json["data"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn relationship_metadata_and_request_log_terms_over_http() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let p = id(&admin_post(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Searchable Desktop"}}})));
    let pol = id(&admin_post(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"Annual Seat"},"relationships":{"product":{"data":{"type":"products","id":p}}}}}),
    ));
    let email = format!("owner-{}@acme.example", acct.slug);
    let u = id(&admin_post(&acct, "/users", json!({"data":{"type":"users","attributes":{"email":email}}})));
    let l = id(&admin_post(
        &acct,
        "/licenses",
        json!({"data":{"type":"licenses","attributes":{"metadata":{"customerId":"cus_42"}},
            "relationships":{"policy":{"data":{"type":"policies","id":pol}},"owner":{"data":{"type":"users","id":u}}}}}),
    ));
    let find = |meta: Value| c.post(&acct.path("/search"), acct.admin(), Some(json!({ "meta": meta })));
    let ids = |meta: Value| {
        let r = find(meta.clone());
        r.assert_status(200);
        r.json["data"].as_array().map(|a| a.iter().map(id).collect::<Vec<_>>()).unwrap_or_default()
    };
    assert_eq!(ids(json!({"type":"licenses","query":{"owner":"ACME.example"}})), vec![l.clone()]);
    assert_eq!(ids(json!({"type":"licenses","query":{"product":"desktop","policy":"annual"}})), vec![l.clone()]);
    assert_eq!(ids(json!({"type":"licenses","query":{"metadata":{"customer_id":"cus_42"}}})), vec![l.clone()]);
    assert!(ids(json!({"type":"licenses","query":{"owner":"globex"}})).is_empty());
    assert_eq!(ids(json!({"type":"policies","query":{"product":"searchable"}})), vec![pol.clone()]);
    // Request logs: written by the GET below, then found by requestor type and method.
    c.get(&acct.path("/request-logs"), acct.admin(), None).assert_status(200);
    let r = find(json!({"type":"request-logs","query":{"method":"post","url":"/search"}}));
    let logs = r.assert_status(200).json["data"].as_array().cloned().unwrap_or_default();
    assert!(!logs.is_empty() && logs.iter().all(|x| x["type"] == "request-logs" && x["attributes"]["method"] == "POST"), "{}", r.json);
    let r = find(json!({"type":"request-logs","query":{"requestor":{"type":"users"},"status":200}}));
    assert!(r.assert_status(200).json["data"].as_array().is_some_and(|a| !a.is_empty()), "{}", r.json);
    // Bad terms: precise 400s.
    for (meta, pointer) in [
        (json!({"type":"request-logs","query":{"requestor":{}}}), "/meta/query/requestor"),
        (json!({"type":"request-logs","query":{"requestor":{"id":"ab"}}}), "/meta/query/requestor/id"),
        (json!({"type":"licenses","query":{"owner":"ab"}}), "/meta/query/owner"),
        (json!({"type":"users","query":{"role":["admin"]}}), "/meta/query/role"),
    ] {
        let r = find(meta.clone());
        assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some(pointer)), "{meta}: {}", r.json);
    }
}
