//! Floating-seat leases (issue 10 §4 follow-up, Cryptlex's `leaseDuration` /
//! `allowClientLeaseDuration`) on the real runtime: the lease a machine gets, the client's
//! shorter one within the policy's, the precise refusals, renewal by ping, and a seat freed by
//! an expired lease raced by concurrent activations and the cull without passing `maxMachines`.

use std::time::Duration;

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn post(acct: &TestAccount, path: &str, body: Value) -> Resp {
    acct.client().post(&acct.path(path), acct.admin(), Some(body))
}

fn id(r: &Resp) -> String {
    r.json["data"]["id"].as_str().unwrap_or_default().to_owned()
}

/// A floating license (`maxMachines` 2) of a policy with `attrs`.
fn license(acct: &TestAccount, attrs: Value) -> String {
    let p = post(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let mut a = json!({"name":"Floating","floating":true,"maxMachines":2});
    if let (Some(a), Some(extra)) = (a.as_object_mut(), attrs.as_object()) {
        a.extend(extra.clone());
    }
    let pol = post(
        acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":a,"relationships":{"product":{"data":{"type":"products","id":id(&p.assert_status(201).clone())}}}}}),
    );
    let l = post(
        acct,
        "/licenses",
        json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":id(&pol.assert_status(201).clone())}}}}}),
    );
    id(&l.assert_status(201).clone())
}

fn activate(acct: &TestAccount, license: &str, attrs: Value) -> Resp {
    post(acct, "/machines", json!({"data":{"type":"machines","attributes":attrs,"relationships":{"license":{"data":{"type":"licenses","id":license}}}}}))
}

fn machine(acct: &TestAccount, id: &str) -> Resp {
    acct.client().get(&acct.path(&format!("/machines/{id}")), acct.admin(), None)
}

fn machine_count(acct: &TestAccount, license: &str) -> usize {
    let r = acct.client().get(&acct.path(&format!("/machines?license={license}&limit=100")), acct.admin(), None);
    r.assert_status(200).json["data"].as_array().map_or(0, Vec::len)
}

#[test]
fn machines_take_the_policy_lease_or_a_shorter_client_one() {
    let acct = server().bootstrap_account();
    let lid = license(&acct, json!({"leaseDuration": 3600, "allowClientLeaseDuration": true}));
    let r = acct.client().get(&acct.path(&format!("/licenses/{lid}")), acct.admin(), None);
    let attrs = &r.assert_status(200).json["data"]["attributes"];
    assert_eq!((attrs["leaseDuration"].clone(), attrs["allowClientLeaseDuration"].clone()), (json!(3600), json!(true)));
    let r = activate(&acct, &lid, json!({"fingerprint": "a"}));
    let m = &r.assert_status(201).json["data"]["attributes"];
    assert_eq!((m["heartbeatDuration"].clone(), m["heartbeatStatus"].clone()), (json!(3600), json!("ALIVE")), "the lease runs from activation");
    let r = activate(&acct, &lid, json!({"fingerprint": "b", "leaseDuration": 90}));
    assert_eq!(r.assert_status(201).json["data"]["attributes"]["heartbeatDuration"], 90);
    let r = activate(&acct, &lid, json!({"fingerprint": "c", "leaseDuration": 3601}));
    assert_eq!(
        (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str()),
        (422, Some("LEASE_DURATION_INVALID"), Some("/data/attributes/leaseDuration"))
    );
    let r = activate(&acct, &lid, json!({"fingerprint": "c", "leaseDuration": "90"}));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/data/attributes/leaseDuration")));
    // A license override turns the client's choice off.
    let r = acct.client().patch(
        &acct.path(&format!("/licenses/{lid}")),
        acct.admin(),
        Some(json!({"data":{"type":"licenses","attributes":{"allowClientLeaseDuration":false}}})),
    );
    r.assert_status(200);
    let r = activate(&acct, &lid, json!({"fingerprint": "c", "leaseDuration": 60}));
    assert_eq!((r.status, r.error_code()), (422, Some("LEASE_DURATION_NOT_ALLOWED")));
}

#[test]
fn a_ping_renews_the_lease_and_an_unrenewed_lease_dies() {
    let acct = server().bootstrap_account();
    let lid = license(&acct, json!({"leaseDuration": 4}));
    let started = std::time::Instant::now();
    let mid = id(&activate(&acct, &lid, json!({"fingerprint": "a"})).assert_status(201).clone());
    std::thread::sleep(Duration::from_millis(1_500));
    let r = acct.client().post(&acct.path(&format!("/machines/{mid}/actions/ping")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["heartbeatDuration"], 4);
    // 4.5 s after activation: alive only because the ping renewed the 4 s lease.
    std::thread::sleep(Duration::from_millis(4_500).saturating_sub(started.elapsed()));
    assert_eq!(machine(&acct, &mid).json["data"]["attributes"]["heartbeatStatus"], "ALIVE");
    std::thread::sleep(Duration::from_millis(7_500).saturating_sub(started.elapsed()));
    assert_eq!(machine(&acct, &mid).json["data"]["attributes"]["heartbeatStatus"], "DEAD");
}

/// Two seats held by 2 s leases run out; six activations race the cull that frees them. Never
/// more than `maxMachines` (2): the guarded insert counts the rows the cull has not yet deleted.
#[test]
fn expired_leases_free_their_seats_without_passing_the_limit_under_racing_activations() {
    let acct = server().bootstrap_account();
    let lid = license(&acct, json!({"leaseDuration": 3600, "allowClientLeaseDuration": true}));
    let old: Vec<String> =
        ["old-1", "old-2"].iter().map(|fp| id(&activate(&acct, &lid, json!({"fingerprint": fp, "leaseDuration": 2})).assert_status(201).clone())).collect();
    assert_eq!(activate(&acct, &lid, json!({"fingerprint": "early"})).error_code(), Some("MACHINE_LIMIT_EXCEEDED"));
    std::thread::sleep(Duration::from_millis(2_600));
    assert_eq!(machine(&acct, &old[0]).json["data"]["attributes"]["heartbeatStatus"], "DEAD");
    let racers: Vec<_> = (0..6)
        .map(|i| {
            let acct = acct.clone();
            let lid = lid.clone();
            std::thread::spawn(move || activate(&acct, &lid, json!({"fingerprint": format!("new-{i}")})))
        })
        .collect();
    let cron = std::thread::spawn(|| server().trigger_cron("*/2 * * * *"));
    let results: Vec<Resp> = racers.into_iter().map(|t| t.join().expect("activation thread")).collect();
    assert_eq!(cron.join().expect("cron thread"), 200);
    let won = results.iter().filter(|r| r.status == 201).count();
    assert!(
        results.iter().all(|r| r.status == 201 || r.error_code() == Some("MACHINE_LIMIT_EXCEEDED")),
        "{:?}",
        results.iter().map(|r| (r.status, r.error_code())).collect::<Vec<_>>()
    );
    assert!(won <= 2, "{won} activations won two seats");
    assert!(machine_count(&acct, &lid) <= 2, "never more than maxMachines");
    // After the cull every old seat is free: activations fill exactly the two seats.
    assert_eq!(server().trigger_cron("*/2 * * * *"), 200);
    for fp in ["fill-1", "fill-2", "fill-3"] {
        let _ = activate(&acct, &lid, json!({"fingerprint": fp}));
    }
    assert_eq!(machine_count(&acct, &lid), 2);
    for m in &old {
        assert_eq!(machine(&acct, m).status, 404, "the expired lease's machine is gone");
    }
    let ev = acct.client().get(&acct.path("/event-logs?event=machine.lease.expired&limit=100"), acct.admin(), None);
    let freed: Vec<&str> = ev.assert_status(200).json["data"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["relationships"]["resource"]["data"]["id"].as_str()).collect())
        .unwrap_or_default();
    for m in &old {
        assert!(freed.contains(&m.as_str()), "machine.lease.expired for {m}: {freed:?}");
    }
}
