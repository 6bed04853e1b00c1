//! Hostile ids and bounds: exact ids, taken codes and integer bounds on D1; client-supplied
//! machine ids (a race for one id included) and brought signing keys, as the CLI importers
//! send them (issue 12 §2).

use e2e::server;
use serde_json::json;

use super::assert_client_error;

#[test]
fn bounds_conflicts_and_exact_ids_hold_on_d1() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let post = |path: &str, body: serde_json::Value| c.post(&acct.path(path), acct.admin(), Some(body));
    let product = post("/products", json!({"data":{"type":"products","attributes":{"name":"App","code":"app"}}}));
    let product = product.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let dup = post("/products", json!({"data":{"type":"products","attributes":{"name":"Other","code":"app"}}}));
    assert_eq!((dup.status, dup.error_code()), (409, Some("ID_CONFLICT")), "a taken code is a conflict found positively");
    let policy = post(
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":5},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let policy = policy.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let rel = json!({"policy":{"data":{"type":"policies","id":policy}}});
    let a = post("/licenses", json!({"data":{"type":"licenses","relationships":rel}}));
    let a = a.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    // A license whose key is A's id must not shadow A.
    let b = post("/licenses", json!({"data":{"type":"licenses","attributes":{"key":a},"relationships":rel}}));
    let b = b.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let r = post(&format!("/licenses/{a}/actions/validate"), json!({"meta":{}}));
    assert_eq!(r.assert_status(200).json["data"]["id"], a.as_str(), "validation by id hit license {b}");
    assert_eq!(c.get(&acct.path(&format!("/licenses/{a}")), acct.admin(), None).assert_status(200).json["data"]["id"], a.as_str());
    // Integers that would poison the license's sums are refused with a pointer.
    let lrel = json!({"license":{"data":{"type":"licenses","id":a}}});
    for (attr, v) in [("cores", json!(2_147_483_648_i64)), ("memory", json!(9_007_199_254_740_992_i64)), ("disk", json!(i64::MAX))] {
        let r = post("/machines", json!({"data":{"type":"machines","attributes":{"fingerprint":"fp",attr:v},"relationships":lrel}}));
        assert_eq!(r.status, 422, "{attr}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["pointer"], format!("/data/attributes/{attr}"));
    }
    let ok = post(
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp","cores":2_147_483_647,"memory":9_007_199_254_740_991_i64,"disk":9_007_199_254_740_991_i64},"relationships":lrel}}),
    );
    ok.assert_status(201);
    let r = c.get(&acct.path(&format!("/licenses/{a}")), acct.admin(), None);
    r.assert_status(200);
}

// --- CLI importers (issue 12 §2): client-supplied machine ids and brought signing keys. ---

#[test]
fn hostile_client_ids_and_signing_keys_are_precise_errors_and_write_nothing() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let post = |path: &str, body: serde_json::Value| c.post(&acct.path(path), acct.admin(), Some(body));
    let product = post("/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})).json["data"]["id"].as_str().unwrap().to_owned();
    let policy = post(
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":50},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let policy = policy.json["data"]["id"].as_str().unwrap().to_owned();
    let lic = post("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}}}}}));
    let lrel = json!({"license":{"data":{"type":"licenses","id":lic.json["data"]["id"]}}});
    for id in [json!("x"), json!(1), json!(""), json!("../../machines"), json!("00000000-0000-4000-8000-00000000000g"), json!({"a":1}), json!("é".repeat(36))]
    {
        let r = post("/machines", json!({"data":{"type":"machines","id":id,"attributes":{"fingerprint":"fp-h"},"relationships":lrel}}));
        assert_client_error(&acct, &r, &format!("machine id {id}"));
        assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/data/id")), "{id}: {}", r.text());
    }
    // Concurrent activations with one client-chosen id: exactly one is created, the rest 409.
    let id = "7e57c0de-0000-4000-8000-0000000000aa";
    let results: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|i| {
                let (c, acct, lrel) = (c.clone(), &acct, lrel.clone());
                s.spawn(move || {
                    let body = json!({"data":{"type":"machines","id":id,"attributes":{"fingerprint":format!("fp-race-{i}")},"relationships":lrel}});
                    c.post(&acct.path("/machines"), acct.admin(), Some(body)).status
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|s| **s == 201).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| *s == 201 || *s == 409), "{results:?}");
    let machines = c.get(&acct.path("/machines?limit=100"), acct.admin(), None);
    let n = machines.json["data"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|m| m["attributes"]["fingerprint"].as_str().is_some_and(|f| f.starts_with("fp-race-"))).count());
    assert_eq!(n, 1, "one machine from the race");
    // A machine id held by ANOTHER account is a conflict too (ids are global).
    let other = server().bootstrap_account();
    let oc = other.client();
    let opost = |path: &str, body: serde_json::Value| oc.post(&other.path(path), other.admin(), Some(body)).json["data"]["id"].clone();
    let op = opost("/products", json!({"data":{"type":"products","attributes":{"name":"O"}}}));
    let opol =
        opost("/policies", json!({"data":{"type":"policies","attributes":{"name":"O"},"relationships":{"product":{"data":{"type":"products","id":op}}}}}));
    let olic = opost("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":opol}}}}}));
    let ob = json!({"data":{"type":"machines","id":id,"attributes":{"fingerprint":"fp-o"},"relationships":{"license":{"data":{"type":"licenses","id":olic}}}}});
    let r = oc.post(&other.path("/machines"), other.admin(), Some(ob));
    assert_eq!((r.status, r.error_code()), (409, Some("ID_CONFLICT")), "{}", r.text());
    assert_eq!(oc.get(&other.path("/machines"), other.admin(), None).json["data"].as_array().map(Vec::len), Some(0));

    // Brought signing keys: malformed ones are 422 ED25519_PRIVATE_KEY_INVALID with a pointer,
    // and the account is not created (its slug stays free).
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let slug = format!("byok-{}", e2e::unique_tag());
    let body = |key: serde_json::Value| {
        json!({"data":{"type":"accounts","attributes":{"name":"BYOK","slug":slug,"ed25519PrivateKey":key},
            "relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"byok@example.com","password":"longenough"}}]}}}})
    };
    for key in [json!("zz"), json!(&seed[..63]), json!(format!("{seed}{seed}")), json!("a".repeat(1 << 15)), json!("\u{0}".repeat(64))] {
        let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(key.clone())));
        assert_eq!(
            (r.status, r.error_code()),
            (422, Some("ED25519_PRIVATE_KEY_INVALID")),
            "{}: {}",
            key.to_string().chars().take(80).collect::<String>(),
            r.text()
        );
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/ed25519PrivateKey");
    }
    // Past the body cap the bootstrap is a 413 (it used to parse the dropped body as empty).
    let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(json!("a".repeat(1 << 16)))));
    assert_eq!((r.status, r.error_code()), (413, Some("PAYLOAD_TOO_LARGE")), "{}", r.text());
    for key in [json!(1), json!({"k": seed}), json!([seed])] {
        let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(key)));
        assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")), "{}", r.text());
    }
    let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(json!(seed))));
    assert_eq!(r.status, 201, "the slug was left free: {}", r.text());
    assert_eq!(r.json["meta"]["publicKey"], "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}
// --- end CLI importers ---
