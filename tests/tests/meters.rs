//! Meter attributes (issue 10 §2, Cryptlex 3.38) on the real runtime: a license's meters
//! (create, update, delete, reset), THE concurrency test — 40 simultaneous `increment-meter`
//! requests against `allowedUses = 10` yield exactly 10 × 200 and 30 × 422
//! `METER_USES_LIMIT_EXCEEDED` and a total of 10 — floating release on deactivation, and meters
//! in validation, license files and machine files.

use base64::Engine;
use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

/// A license of a floating policy (license-key auth allowed): `(license id, key)`.
fn license(acct: &TestAccount) -> (String, String) {
    let product = create(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let policy = create(
        acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":10,"authenticationStrategy":"MIXED"},
            "relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let l = create(acct, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}}));
    (l["id"].as_str().unwrap_or_default().to_owned(), l["attributes"]["key"].as_str().unwrap_or_default().to_owned())
}

fn meter(acct: &TestAccount, lid: &str, attrs: Value) -> Resp {
    acct.client().post(&acct.path(&format!("/licenses/{lid}/meters")), acct.admin(), Some(json!({"data":{"type":"meters","attributes":attrs}})))
}

fn machine(acct: &TestAccount, lid: &str, fp: &str) -> String {
    let m = create(
        acct,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}}),
    );
    m["id"].as_str().unwrap_or_default().to_owned()
}

fn step(acct: &TestAccount, mid: &str, token: Option<&str>, up: bool, name: &str, n: i64) -> Resp {
    let (action, member) = if up { ("increment-meter", "increment") } else { ("decrement-meter", "decrement") };
    acct.client().post(&acct.path(&format!("/machines/{mid}/actions/{action}")), token, Some(json!({"meta":{"name":name, member: n}})))
}

fn meters_of(acct: &TestAccount, lid: &str) -> Value {
    let r = acct.client().get(&acct.path(&format!("/licenses/{lid}")), acct.admin(), None);
    r.assert_status(200).json["data"]["attributes"]["meterAttributes"].clone()
}

fn pointer(r: &Resp) -> Value {
    r.json["errors"][0]["source"]["pointer"].clone()
}

#[test]
fn forty_concurrent_increments_fill_exactly_ten_uses() {
    let acct = server().bootstrap_account();
    let (lid, key) = license(&acct);
    meter(&acct, &lid, json!({"name": "exports", "allowedUses": 10})).assert_status(201);
    let mid = machine(&acct, &lid, "fp-1");
    let threads: Vec<_> = (0..40)
        .map(|_| {
            let (acct, mid, auth) = (acct.clone(), mid.clone(), format!("License {key}"));
            std::thread::spawn(move || step(&acct, &mid, Some(&auth), true, "exports", 1))
        })
        .collect();
    let responses: Vec<Resp> = threads.into_iter().map(|t| t.join().expect("request thread")).collect();
    let ok: Vec<&Resp> = responses.iter().filter(|r| r.status == 200).collect();
    let refused: Vec<&Resp> = responses.iter().filter(|r| r.status == 422).collect();
    assert_eq!(ok.len(), 10, "statuses: {:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(refused.len(), 30);
    assert!(refused.iter().all(|r| r.json["errors"][0]["code"] == "METER_USES_LIMIT_EXCEEDED" && pointer(r) == "/meta/increment"), "{}", refused[0].json);
    // Each success answers the total its own write left: 1..=10, each exactly once.
    let mut totals: Vec<i64> = ok.iter().filter_map(|r| r.json["meta"]["meter"]["totalUses"].as_i64()).collect();
    totals.sort_unstable();
    assert_eq!(totals, (1..=10).collect::<Vec<_>>());
    let m = meters_of(&acct, &lid);
    assert_eq!((m[0]["totalUses"].clone(), m[0]["grossUses"].clone()), (json!(10), json!(10)), "{m}");
    let r = acct.client().get(&acct.path(&format!("/machines/{mid}")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["meterAttributes"], json!([{"name": "exports", "uses": 10, "visible": true}]));
}

#[test]
fn meters_are_managed_reset_and_refused_precisely() {
    let acct = server().bootstrap_account();
    let (lid, _) = license(&acct);
    let c = acct.client();
    let r = meter(&acct, &lid, json!({"name": "calls", "allowedUses": 3}));
    assert_eq!(
        r.assert_status(201).json["data"]["attributes"]["meterAttributes"],
        json!([{"name":"calls","allowedUses":3,"totalUses":0,"grossUses":0,"floating":false,"visible":true}])
    );
    let r = meter(&acct, &lid, json!({"name": "calls", "allowedUses": 3}));
    assert_eq!((r.status, r.error_code(), pointer(&r)), (422, Some("NAME_TAKEN"), json!("/data/attributes/name")));
    let r = meter(&acct, &lid, json!({"name": "a b", "allowedUses": 3}));
    assert_eq!((r.status, r.error_code(), pointer(&r)), (400, Some("PARAMETER_INVALID"), json!("/data/attributes/name")));
    let r = meter(&acct, &lid, json!({"name": "x", "allowedUses": -5}));
    assert_eq!((r.status, r.error_code(), pointer(&r)), (422, Some("ALLOWED_USES_INVALID"), json!("/data/attributes/allowedUses")));

    let mid = machine(&acct, &lid, "fp-1");
    let r = step(&acct, &mid, acct.admin(), true, "calls", 2);
    assert_eq!(r.assert_status(200).json["meta"]["meter"], json!({"name":"calls","uses":2,"totalUses":2}));
    let r = step(&acct, &mid, acct.admin(), true, "calls", 2);
    assert_eq!((r.status, r.error_code(), pointer(&r)), (422, Some("METER_USES_LIMIT_EXCEEDED"), json!("/meta/increment")));
    let r = step(&acct, &mid, acct.admin(), true, "nope", 1);
    assert_eq!((r.status, r.error_code(), pointer(&r)), (422, Some("METER_NOT_FOUND"), json!("/meta/name")));
    let r = step(&acct, &mid, acct.admin(), false, "calls", 3);
    assert_eq!((r.status, r.error_code(), pointer(&r)), (422, Some("METER_USES_INVALID"), json!("/meta/decrement")));
    step(&acct, &mid, acct.admin(), false, "calls", 1).assert_status(200);
    assert_eq!(meters_of(&acct, &lid)[0]["totalUses"], 1);

    let r =
        c.patch(&acct.path(&format!("/licenses/{lid}/meters/calls")), acct.admin(), Some(json!({"data":{"type":"meters","attributes":{"allowedUses":-1}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["meterAttributes"][0]["allowedUses"], -1);
    step(&acct, &mid, acct.admin(), true, "calls", 1000).assert_status(200);
    let r = c.post(&acct.path(&format!("/licenses/{lid}/meters/calls/actions/reset")), acct.admin(), None);
    let m = &r.assert_status(200).json["data"]["attributes"]["meterAttributes"][0];
    assert_eq!((m["totalUses"].clone(), m["grossUses"].clone()), (json!(0), json!(1002)));
    c.delete(&acct.path(&format!("/licenses/{lid}/meters/calls")), acct.admin(), None).assert_status(204);
    let r = c.delete(&acct.path(&format!("/licenses/{lid}/meters/calls")), acct.admin(), None);
    assert_eq!((r.status, r.error_code()), (404, Some("NOT_FOUND")));
    assert_eq!(meters_of(&acct, &lid), json!([]));
}

#[test]
fn deactivating_a_machine_gives_floating_uses_back() {
    let acct = server().bootstrap_account();
    let (lid, _) = license(&acct);
    meter(&acct, &lid, json!({"name": "seats", "allowedUses": 4, "floating": true})).assert_status(201);
    meter(&acct, &lid, json!({"name": "prints", "allowedUses": 4})).assert_status(201);
    let (a, b) = (machine(&acct, &lid, "a"), machine(&acct, &lid, "b"));
    for name in ["seats", "prints"] {
        step(&acct, &a, acct.admin(), true, name, 3).assert_status(200);
    }
    let r = step(&acct, &b, acct.admin(), true, "seats", 2);
    assert_eq!(r.error_code(), Some("METER_USES_LIMIT_EXCEEDED"));
    acct.client().delete(&acct.path(&format!("/machines/{a}")), acct.admin(), None).assert_status(204);
    let m = meters_of(&acct, &lid);
    assert_eq!((m[0]["name"].clone(), m[0]["totalUses"].clone()), (json!("prints"), json!(3)), "fixed meters keep their uses: {m}");
    assert_eq!((m[1]["name"].clone(), m[1]["totalUses"].clone(), m[1]["grossUses"].clone()), (json!("seats"), json!(0), json!(3)));
    step(&acct, &b, acct.admin(), true, "seats", 4).assert_status(200);
}

/// Fires the cull cron (`*/2 * * * *`) at scheduled time `time` and waits for its report.
fn fire_cull(time: i64) -> Value {
    let target = format!("/cdn-cgi/handler/scheduled?cron=*/2+*+*+*+*&time={time}");
    server().client().unverified().get(&target, None, None);
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        let logs = server().logs();
        let found = logs
            .lines()
            .filter_map(|l| l.split_once("cron-report ").map(|(_, j)| j))
            .filter_map(|j| serde_json::from_str::<Value>(j).ok())
            .find(|r| r["scheduledTime"] == time);
        if let Some(report) = found {
            return report;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no cron-report at {time}\n{}", server().logs());
}

#[test]
fn the_heartbeat_cull_gives_floating_uses_back() {
    let acct = server().bootstrap_account();
    let product = create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let policy = create(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"HB","floating":true,"maxMachines":5,"requireHeartbeat":true,"heartbeatDuration":60},
            "relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let l = create(&acct, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}}));
    let lid = l["id"].as_str().unwrap_or_default().to_owned();
    meter(&acct, &lid, json!({"name": "seats", "allowedUses": 3, "floating": true})).assert_status(201);
    let mid = machine(&acct, &lid, "dies");
    acct.client().post(&acct.path(&format!("/machines/{mid}/actions/ping")), acct.admin(), None).assert_status(200);
    step(&acct, &mid, acct.admin(), true, "seats", 3).assert_status(200);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let report = fire_cull(now + 10 * 60_000);
    assert_eq!(report["ok"], true, "{report}");
    let r = acct.client().get(&acct.path(&format!("/machines/{mid}")), acct.admin(), None);
    assert_eq!(r.status, 404, "culled: {}", r.json);
    let m = meters_of(&acct, &lid);
    assert_eq!((m[0]["totalUses"].clone(), m[0]["grossUses"].clone()), (json!(0), json!(3)), "{m}");
}

/// The dataset inside an unencrypted (`base64+ed25519`) license or machine file.
fn dataset(cert: &str) -> Value {
    let body: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let outer: Value = serde_json::from_slice(&b64.decode(body.trim()).unwrap_or_default()).unwrap_or_default();
    serde_json::from_slice(&b64.decode(outer["enc"].as_str().unwrap_or_default()).unwrap_or_default()).unwrap_or_default()
}

#[test]
fn meters_appear_in_validation_license_files_and_machine_files() {
    let acct = server().bootstrap_account();
    let (lid, key) = license(&acct);
    meter(&acct, &lid, json!({"name": "exports", "allowedUses": 5})).assert_status(201);
    let mid = machine(&acct, &lid, "fp-1");
    step(&acct, &mid, acct.admin(), true, "exports", 2).assert_status(200);
    let c = acct.client();
    let v = c.post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key":key,"scope":{"fingerprint":"fp-1"}}})));
    let v = v.assert_status(200);
    assert_eq!(v.json["meta"]["valid"], true, "{}", v.json);
    assert_eq!(v.json["data"]["attributes"]["meterAttributes"][0]["totalUses"], 2);
    let lf = c.post(&acct.path(&format!("/licenses/{lid}/actions/check-out")), acct.admin(), None);
    let d = dataset(lf.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap_or_default());
    assert_eq!(d["data"]["attributes"]["meterAttributes"][0]["name"], "exports", "{d}");
    assert_eq!(d["data"]["attributes"]["meterAttributes"][0]["totalUses"], 2);
    let mf = c.post(&acct.path(&format!("/machines/{mid}/actions/check-out")), acct.admin(), None);
    let d = dataset(mf.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap_or_default());
    assert_eq!(d["data"]["attributes"]["meterAttributes"], json!([{"name": "exports", "uses": 2, "visible": true}]), "{d}");
}
