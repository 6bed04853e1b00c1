//! The licensing engine on the real runtime: activation, validation, heartbeats, processes,
//! and THE concurrency test — 50 simultaneous activations against a floating license with
//! `maxMachines = 5` must yield exactly 5 × 201 and 45 × 422 `MACHINE_LIMIT_EXCEEDED`.

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

fn license(acct: &TestAccount, policy_attrs: Value) -> Value {
    let product = create(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let mut attrs = policy_attrs;
    attrs["name"] = "Policy".into();
    let policy = create(
        acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    create(acct, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}}))
}

fn activation(license_id: &Value, fingerprint: &str) -> Value {
    json!({"data":{"type":"machines","attributes":{"fingerprint":fingerprint,"cores":4,"platform":"linux/x86_64"},"relationships":{"license":{"data":{"type":"licenses","id":license_id}}}}})
}

fn validate_key(acct: &TestAccount, key: &Value, scope: Value) -> Resp {
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key":key,"scope":scope}})));
    r.assert_status(200);
    r
}

#[test]
fn fifty_concurrent_activations_fill_exactly_five_seats() {
    let acct = server().bootstrap_account();
    let lic = license(&acct, json!({"floating": true, "maxMachines": 5}));
    let id = lic["id"].clone();
    let threads: Vec<_> = (0..50)
        .map(|i| {
            let (acct, id) = (acct.clone(), id.clone());
            std::thread::spawn(move || acct.client().post(&acct.path("/machines"), acct.admin(), Some(activation(&id, &format!("fp-{i}")))))
        })
        .collect();
    let responses: Vec<Resp> = threads.into_iter().map(|t| t.join().expect("request thread")).collect();
    let created = responses.iter().filter(|r| r.status == 201).count();
    let refused: Vec<&Resp> = responses.iter().filter(|r| r.status == 422).collect();
    assert_eq!(created, 5, "statuses: {:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(refused.len(), 45);
    assert!(refused.iter().all(|r| r.json["errors"][0]["code"] == "MACHINE_LIMIT_EXCEEDED"), "{}", refused[0].json);
    let r = acct.client().get(&acct.path(&format!("/licenses/{}/machines?limit=100", id.as_str().unwrap())), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 5);
    let r = acct.client().get(&acct.path(&format!("/licenses/{}", id.as_str().unwrap())), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["machines"]["meta"]["count"], 5);
}

#[test]
fn activate_validate_ping_and_deactivate() {
    let acct = server().bootstrap_account();
    let lic =
        license(&acct, json!({"requireHeartbeat": true, "heartbeatDuration": 600, "heartbeatBasis": "FROM_FIRST_PING", "authenticationStrategy": "LICENSE"}));
    let (id, key) = (lic["id"].clone(), lic["attributes"]["key"].clone());
    let c = acct.client();

    let r = validate_key(&acct, &key, json!({"fingerprint": "host-1"}));
    assert_eq!((r.json["meta"]["valid"].as_bool(), r.json["meta"]["code"].as_str()), (Some(false), Some("NO_MACHINE")));
    assert_eq!(r.json["meta"]["scope"], json!({"fingerprint": "host-1"}));

    let r = c.post(&acct.path("/machines"), acct.admin(), Some(activation(&id, "host-1")));
    let m = r.assert_status(201).json["data"].clone();
    for attr in ["requireHeartbeat", "heartbeatStatus", "created", "updated", "fingerprint"] {
        assert!(!m["attributes"][attr].is_null(), "machine lacks {attr}: {m}");
    }
    assert_eq!(m["relationships"]["license"]["data"]["id"], id);
    let r = c.post(&acct.path("/machines"), acct.admin(), Some(activation(&id, "host-1")));
    assert_eq!(r.assert_status(422).json["errors"][0]["code"], "FINGERPRINT_TAKEN");

    assert_eq!(m["attributes"]["heartbeatStatus"], "NOT_STARTED");
    let r = validate_key(&acct, &key, json!({"fingerprint": "host-1"}));
    assert_eq!(r.json["meta"]["code"], "HEARTBEAT_NOT_STARTED");
    let mid = m["id"].as_str().unwrap();
    // The client pings with its own license key (policy authenticationStrategy LICENSE).
    let auth = format!("License {}", key.as_str().unwrap());
    let r = c.post(&acct.path(&format!("/machines/{mid}/actions/ping")), Some(&auth), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["heartbeatStatus"], "ALIVE");
    let r = validate_key(&acct, &key, json!({"fingerprint": "host-1"}));
    assert_eq!((r.json["meta"]["valid"].as_bool(), r.json["meta"]["code"].as_str()), (Some(true), Some("VALID")));
    assert_eq!(r.json["data"]["id"], id);
    let r = validate_key(&acct, &key, json!({"fingerprint": "host-2"}));
    assert_eq!(r.json["meta"]["code"], "FINGERPRINT_SCOPE_MISMATCH");

    // By fingerprint, then deactivate.
    let r = c.get(&acct.path("/machines/host-1"), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], mid);
    c.delete(&acct.path(&format!("/machines/{mid}")), acct.admin(), None).assert_status(204);
    c.get(&acct.path(&format!("/machines/{mid}")), acct.admin(), None).assert_status(404);
    let r = validate_key(&acct, &key, json!({}));
    assert_eq!(r.json["meta"]["scope"], json!({}));
}

#[test]
fn processes_are_limited_per_machine() {
    let acct = server().bootstrap_account();
    let lic = license(&acct, json!({"maxProcesses": 1}));
    let c = acct.client();
    let m = c.post(&acct.path("/machines"), acct.admin(), Some(activation(&lic["id"], "proc-host"))).assert_status(201).json["data"]["id"].clone();
    let spawn = |pid: &str| {
        c.post(
            &acct.path("/processes"),
            acct.admin(),
            Some(json!({"data":{"type":"processes","attributes":{"pid":pid},"relationships":{"machine":{"data":{"type":"machines","id":m}}}}})),
        )
    };
    let p = spawn("100").assert_status(201).json["data"].clone();
    assert_eq!(p["attributes"]["status"], "ALIVE");
    assert_eq!(spawn("101").assert_status(422).json["errors"][0]["code"], "MACHINE_PROCESS_LIMIT_EXCEEDED");
    let pid = p["id"].as_str().unwrap();
    c.post(&acct.path(&format!("/processes/{pid}/actions/ping")), acct.admin(), None).assert_status(200);
    c.delete(&acct.path(&format!("/processes/{pid}")), acct.admin(), None).assert_status(204);
    spawn("101").assert_status(201);
}

#[test]
fn concurrent_activations_with_one_license_token_stop_at_its_max_activations() {
    let acct = server().bootstrap_account();
    let lic = license(&acct, json!({"floating": true, "maxMachines": 50}));
    let id = lic["id"].clone();
    let r = acct.client().post(
        &acct.path(&format!("/licenses/{}/tokens", id.as_str().unwrap())),
        acct.admin(),
        Some(json!({"data":{"type":"tokens","attributes":{"maxActivations":3}}})),
    );
    let token = r.assert_status(201).json["data"]["attributes"]["token"].as_str().expect("the token, shown once").to_owned();
    let threads: Vec<_> = (0..12)
        .map(|i| {
            let (acct, id, token) = (acct.clone(), id.clone(), token.clone());
            std::thread::spawn(move || acct.client().post(&acct.path("/machines"), Some(&token), Some(activation(&id, &format!("tok-{i}")))))
        })
        .collect();
    let responses: Vec<Resp> = threads.into_iter().map(|t| t.join().expect("request thread")).collect();
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(responses.iter().filter(|r| r.status == 201).count(), 3, "statuses: {statuses:?}");
    let refused: Vec<&Resp> = responses.iter().filter(|r| r.status == 422).collect();
    assert_eq!(refused.len(), 9, "statuses: {statuses:?}");
    assert!(refused.iter().all(|r| r.json["errors"][0]["code"] == "ACTIVATIONS_LIMIT_EXCEEDED"), "{}", refused[0].json);
    let r = acct.client().get(&acct.path(&format!("/licenses/{}/machines?limit=100", id.as_str().unwrap())), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 3);
}

#[test]
fn deferred_validation_writes_land_after_the_response() {
    // Validation answers first and records `lastValidated`, the lazy expiry and the
    // `license.validation.*` event afterwards (`ctx.waitUntil`): they must land, once.
    let acct = server().bootstrap_account();
    let lic = license(&acct, json!({"duration": 86_400 * 30, "expirationBasis": "FROM_FIRST_VALIDATION"}));
    assert!(lic["attributes"]["expiry"].is_null() && lic["attributes"]["lastValidated"].is_null());
    let r = validate_key(&acct, &lic["attributes"]["key"], json!({}));
    assert_eq!(r.json["meta"]["code"], "VALID");
    let c = acct.client();
    let path = acct.path(&format!("/licenses/{}", lic["id"].as_str().unwrap()));
    let mut landed = Value::Null;
    for _ in 0..50 {
        let l = c.get(&path, acct.admin(), None);
        if l.json["data"]["attributes"]["lastValidated"].is_string() {
            landed = l.json["data"]["attributes"].clone();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(landed["lastValidated"].is_string(), "lastValidated never landed");
    assert!(landed["expiry"].is_string(), "FROM_FIRST_VALIDATION expiry never landed: {landed}");
    let events = c.get(&acct.path("/event-logs?event=license.validation.succeeded"), acct.admin(), None);
    assert_eq!(events.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
    let expiry = c.get(&acct.path("/event-logs?event=license.expiry.updated"), acct.admin(), None);
    assert_eq!(expiry.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
}
