//! Activation logs on the real runtime: activation, deactivation, the heartbeat cull, bulk
//! deactivation and trial activation each append a log row (with the request's IP and user
//! agent); filters with query operators; a refused activation logs nothing.

use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

/// A product and a license of a policy with `attrs`.
fn license(acct: &TestAccount, attrs: Value) -> (String, String) {
    let p = create(acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}));
    let mut attrs = attrs;
    attrs["name"] = "Policy".into();
    let pol = create(
        acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": attrs, "relationships": {"product": {"data": {"type": "products", "id": p["id"]}}}}}),
    );
    let l = create(acct, "/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": {"data": {"type": "policies", "id": pol["id"]}}}}}));
    (p["id"].as_str().unwrap().to_owned(), l["id"].as_str().unwrap().to_owned())
}

fn machine(fp: &str, license: &str) -> Value {
    json!({"data": {"type": "machines", "attributes": {"fingerprint": fp, "platform": "linux"}, "relationships": {"license": {"data": {"type": "licenses", "id": license}}}}})
}

/// `(action, fingerprint)` of the logs `query` selects, oldest first.
fn logs(acct: &TestAccount, query: &str) -> Vec<(String, String)> {
    let r = acct.client().get(&acct.path(&format!("/activation-logs?limit=100&{query}")), acct.admin(), None);
    let mut out: Vec<(String, String)> = r.assert_status(200).json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["attributes"]["action"].as_str().unwrap().to_owned(), l["attributes"]["fingerprint"].as_str().unwrap().to_owned()))
        .collect();
    out.reverse();
    out
}

fn pair(a: &str, f: &str) -> (String, String) {
    (a.to_owned(), f.to_owned())
}

#[test]
fn activation_deactivation_and_refusals_are_logged_with_the_request() {
    let acct = server().bootstrap_account();
    let (_, l) = license(&acct, json!({"floating": true, "maxMachines": 1}));
    let api = acct.client();
    let headers = [
        ("authorization", format!("Bearer {}", acct.admin_token)),
        ("content-type", "application/vnd.api+json".to_owned()),
        ("user-agent", "latchkey-e2e/1".to_owned()),
    ];
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = api.raw("POST", &acct.path("/machines"), &h, Some(machine("fp-1", &l).to_string().as_bytes()));
    r.assert_status(201);
    let m = r.json["data"]["id"].as_str().unwrap().to_owned();
    // The seat is taken: refused, nothing logged.
    assert_eq!(api.post(&acct.path("/machines"), acct.admin(), Some(machine("fp-2", &l))).status, 422);
    api.delete(&acct.path(&format!("/machines/{m}")), acct.admin(), None).assert_status(204);
    assert_eq!(logs(&acct, ""), vec![pair("activated", "fp-1"), pair("deactivated", "fp-1")]);
    let r = api.get(&acct.path(&format!("/activation-logs?machine={m}&action=activated")), acct.admin(), None);
    let log = &r.assert_status(200).json["data"][0];
    assert_eq!(log["attributes"]["userAgent"], "latchkey-e2e/1");
    assert_eq!(log["attributes"]["os"], "linux");
    assert_eq!(log["relationships"]["license"]["data"]["id"], l.as_str());
    let id = log["id"].as_str().unwrap();
    api.get(&acct.path(&format!("/activation-logs/{id}")), acct.admin(), None).assert_status(200);
    // Query operators: nothing was created after the last log, and a bad time names itself.
    let last = log["attributes"]["created"].as_str().unwrap().replace('+', "%2B");
    assert_eq!(logs(&acct, "created[gt]=2099-01-01T00:00:00Z"), vec![]);
    assert_eq!(logs(&acct, &format!("created[gte]={last}&action=activated")), vec![pair("activated", "fp-1")]);
    let r = api.get(&acct.path("/activation-logs?created[lt]=later"), acct.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("created[lt]")));
    assert_eq!(api.get(&acct.path("/activation-logs"), None, None).status, 401);
}

#[test]
fn bulk_deactivation_removes_a_date_range_with_logs_and_events() {
    let acct = server().bootstrap_account();
    let (_, l) = license(&acct, json!({"floating": true, "maxMachines": 10}));
    let api = acct.client();
    let mut created = Vec::new();
    for i in 0..4 {
        let r = api.post(&acct.path("/machines"), acct.admin(), Some(machine(&format!("b{i}"), &l)));
        created.push(r.assert_status(201).json["data"]["attributes"]["created"].as_str().unwrap().to_owned());
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let body = json!({"meta": {"createdAfter": created[1], "createdBefore": created[3]}});
    let r = api.post(&acct.path(&format!("/licenses/{l}/actions/deactivate-machines")), acct.admin(), Some(body));
    assert_eq!(r.assert_status(200).json["meta"]["count"], 2);
    let r = api.get(&acct.path(&format!("/licenses/{l}/machines")), acct.admin(), None);
    let mut left: Vec<&str> = r.json["data"].as_array().unwrap().iter().map(|m| m["attributes"]["fingerprint"].as_str().unwrap()).collect();
    left.sort_unstable();
    assert_eq!(left, ["b0", "b3"]);
    let mut bulk = logs(&acct, "action=bulk-deactivated");
    bulk.sort(); // one time for both: ordered by their random ids
    assert_eq!(bulk, vec![pair("bulk-deactivated", "b1"), pair("bulk-deactivated", "b2")]);
    let r = api.get(&acct.path("/event-logs?event=machine.deleted"), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 2);
    let r = api.post(&acct.path(&format!("/licenses/{l}/actions/deactivate-machines")), acct.admin(), Some(json!({"meta": {"createdAfter": "then"}})));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/meta/createdAfter")));
}

#[test]
fn culled_machines_and_trial_activations_are_logged() {
    let acct = server().bootstrap_account();
    let (p, l) = license(&acct, json!({"floating": true, "maxMachines": 10, "requireHeartbeat": true, "heartbeatDuration": 60}));
    let api = acct.client();
    let r = api.post(&acct.path("/machines"), acct.admin(), Some(machine("doomed", &l)));
    let m = r.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    api.post(&acct.path(&format!("/machines/{m}/actions/ping")), acct.admin(), None).assert_status(200);
    // The cull at later scheduled times: dead, then deleted (a cron run with `time`).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    for minutes in [5, 20, 40] {
        let target = format!("/cdn-cgi/handler/scheduled?cron=*/2+*+*+*+*&time={}", now + minutes * 60_000);
        assert_eq!(server().client().unverified().get(&target, None, None).status, 200);
    }
    api.get(&acct.path(&format!("/machines/{m}")), acct.admin(), None).assert_status(404);
    assert_eq!(logs(&acct, &format!("license={l}")), vec![pair("activated", "doomed"), pair("culled", "doomed")]);
    // A trial activation is logged too.
    create(
        &acct,
        "/trial-policies",
        json!({"data": {"type": "trial-policies", "attributes": {"name": "T", "trialLength": 7}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}}),
    );
    let t = json!({"data": {"type": "trial-activations", "attributes": {"fingerprint": "trial-fp", "appVersion": "2.0"}, "relationships": {"product": {"data": {"type": "products", "id": p}}}}});
    api.post(&acct.path("/trial-activations"), None, Some(t)).assert_status(201);
    let r = api.get(&acct.path("/activation-logs?action=trial-activated"), acct.admin(), None);
    let log = &r.assert_status(200).json["data"][0];
    assert_eq!((log["attributes"]["fingerprint"].as_str(), log["attributes"]["appVersion"].as_str()), (Some("trial-fp"), Some("2.0")));
    assert_eq!(log["relationships"]["product"]["data"]["id"], p.as_str());
}

#[test]
fn concurrent_bulk_deactivations_remove_and_log_each_machine_once() {
    let acct = server().bootstrap_account();
    let (_, l) = license(&acct, json!({"floating": true, "maxMachines": 20}));
    for i in 0..12 {
        acct.client().post(&acct.path("/machines"), acct.admin(), Some(machine(&format!("c{i}"), &l))).assert_status(201);
    }
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (acct, l) = (acct.clone(), l.clone());
            std::thread::spawn(move || {
                acct.client().post(&acct.path(&format!("/licenses/{l}/actions/deactivate-machines")), acct.admin(), Some(json!({"meta": {}})))
            })
        })
        .collect();
    let responses: Vec<e2e::Resp> = threads.into_iter().map(|t| t.join().expect("request thread")).collect();
    let removed: u64 = responses.iter().filter(|r| r.status == 200).map(|r| r.json["meta"]["count"].as_u64().unwrap()).sum();
    assert!(
        responses.iter().all(|r| r.status == 200 || (r.status == 409 && r.error_code() == Some("CONFLICT"))),
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(removed, 12, "each machine removed by exactly one request");
    assert_eq!(logs(&acct, "action=bulk-deactivated").len(), 12, "and logged once");
    let r = acct.client().get(&acct.path("/event-logs?event=machine.deleted&page[size]=100"), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().unwrap().len(), 12);
}
