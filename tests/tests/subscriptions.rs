//! Subscriptions (issue 10 §5) on the real runtime: `subscriptionInterval` in calendar months on
//! policies and licenses, `subscriptionStartTrigger`, `PATCH /licenses/{id}/expires-at`, the
//! subscription log (one row per change, written with the change, also under concurrent
//! renewals) and its `license.subscription.updated` event. Expected dates are computed here
//! with a month arithmetic written independently of `shared`.

use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn product(a: &TestAccount) -> String {
    let r = a.client().post(&a.path("/products"), a.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    r.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned()
}

fn policy(a: &TestAccount, product: &str, attrs: Value) -> Value {
    let body = json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":product}}}}});
    let mut attrs_named = body;
    attrs_named["data"]["attributes"]["name"] = "Subscription".into();
    a.client().post(&a.path("/policies"), a.admin(), Some(attrs_named)).assert_status(201).json["data"].clone()
}

fn license(a: &TestAccount, policy: &str, attrs: Value) -> Value {
    let body = json!({"data":{"type":"licenses","attributes":attrs,"relationships":{"policy":{"data":{"type":"policies","id":policy}}}}});
    a.client().post(&a.path("/licenses"), a.admin(), Some(body)).assert_status(201).json["data"].clone()
}

fn logs(a: &TestAccount, license: &str) -> Vec<Value> {
    let r = a.client().get(&a.path(&format!("/licenses/{license}/subscription-logs")), a.admin(), None);
    r.assert_status(200).json["data"].as_array().cloned().unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` plus `months` calendar months, the day clamped to the month's end.
fn plus_months(ts: &str, months: i64) -> String {
    let (y, m, d) = (ts[0..4].parse::<i64>().unwrap(), ts[5..7].parse::<i64>().unwrap(), ts[8..10].parse::<i64>().unwrap());
    let idx = y * 12 + (m - 1) + months;
    let (ny, nm) = (idx / 12, idx % 12 + 1);
    let leap = (ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0;
    let last = match nm {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    format!("{ny:04}-{nm:02}-{:02}{}", d.min(last), &ts[10..])
}

#[test]
fn month_arithmetic_of_this_test_is_calendar_correct() {
    assert_eq!(plus_months("2025-01-31T10:00:00.000Z", 1), "2025-02-28T10:00:00.000Z");
    assert_eq!(plus_months("2024-01-31T10:00:00.000Z", 1), "2024-02-29T10:00:00.000Z");
    assert_eq!(plus_months("2024-02-29T10:00:00.000Z", 12), "2025-02-28T10:00:00.000Z");
    assert_eq!(plus_months("2024-11-30T10:00:00.000Z", 3), "2025-02-28T10:00:00.000Z");
}

#[test]
fn interval_policy_renewal_expires_at_and_logs() {
    let a = server().bootstrap_account();
    let c = a.client();
    let p = policy(&a, &product(&a), json!({"subscriptionInterval": "P1M"}));
    assert_eq!((p["attributes"]["subscriptionInterval"].as_str(), p["attributes"]["subscriptionStartTrigger"].as_str()), (Some("P1M"), Some("creation")));
    assert_eq!(p["attributes"]["duration"], Value::Null);
    let l = license(&a, p["id"].as_str().unwrap(), json!({}));
    let id = l["id"].as_str().unwrap();
    let created = l["attributes"]["created"].as_str().unwrap();
    let first = plus_months(created, 1);
    assert_eq!(l["attributes"]["expiry"], first.as_str(), "created + P1M in the calendar");
    assert_eq!(l["attributes"]["subscriptionInterval"], "P1M");
    // Creation starts the log: the initial expiry and interval (no subscription event).
    let rows = logs(&a, id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["attributes"]["action"], "created");
    assert_eq!(rows[0]["attributes"]["changes"], json!({"expiry": [null, first], "subscriptionInterval": [null, "P1M"]}));

    // Renewal: expiry + P1M (from the clamped date, as Cryptlex renews).
    let r = c.post(&a.path(&format!("/licenses/{id}/actions/renew")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["expiry"], plus_months(&first, 1).as_str());

    // expires-at: an exact date, then none.
    let path = a.path(&format!("/licenses/{id}/expires-at"));
    let r = c.patch(&path, a.admin(), Some(json!({"meta":{"expiry":"2031-12-31T00:00:00Z"}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["expiry"], "2031-12-31T00:00:00.000Z");
    let r = c.put(&path, a.admin(), Some(json!({"meta":{"expiry":null}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["expiry"], Value::Null);
    let got = c.get(&a.path(&format!("/licenses/{id}")), a.admin(), None);
    assert_eq!(got.assert_status(200).json["data"]["attributes"]["expiry"], Value::Null);

    let rows = logs(&a, id);
    let actions: Vec<&str> = rows.iter().map(|r| r["attributes"]["action"].as_str().unwrap_or_default()).collect();
    assert_eq!(actions, ["expiry-updated", "expiry-updated", "renewed", "created"], "newest first");
    assert_eq!(rows[0]["attributes"]["changes"]["expiry"], json!(["2031-12-31T00:00:00.000Z", null]));
    assert_eq!(rows[2]["attributes"]["changes"]["expiry"], json!([first, plus_months(&first, 1)]));
    assert_eq!(rows[0]["relationships"]["license"]["data"]["id"], id);
    // The same rows through the account-wide list, its filters and the single read.
    let all = c.get(&a.path(&format!("/subscription-logs?license={id}&action=renewed")), a.admin(), None);
    assert_eq!(all.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
    let one = c.get(&a.path(&format!("/subscription-logs/{}", rows[1]["id"].as_str().unwrap())), a.admin(), None);
    assert_eq!(one.assert_status(200).json["data"]["type"], "subscription-logs");
    // One `license.subscription.updated` per row.
    let ev = c.get(&a.path(&format!("/event-logs?event=license.subscription.updated&resource[id]={id}")), a.admin(), None);
    assert_eq!(ev.assert_status(200).json["data"].as_array().map(Vec::len), Some(3));

    // Bad input: precise errors, nothing written.
    let r = c.patch(&path, a.admin(), Some(json!({"meta":{"expiry":"tomorrow"}})));
    assert_eq!((r.status, r.error_code()), (422, Some("EXPIRY_INVALID")));
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/meta/expiry");
    let r = c.patch(&path, a.admin(), Some(json!({"meta":{}})));
    assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_MISSING")));
    let r = c.get(&a.path("/subscription-logs?action=bogus"), a.admin(), None);
    assert_eq!((r.status, r.json["errors"][0]["source"]["parameter"].as_str()), (400, Some("action")));
    assert_eq!(logs(&a, id).len(), 4);
}

#[test]
fn policy_attributes_are_checked_with_pointers() {
    let a = server().bootstrap_account();
    let pid = product(&a);
    let c = a.client();
    for (attrs, status, code, attr) in [
        (json!({"subscriptionInterval": "P1M1Y"}), 422, "SUBSCRIPTION_INTERVAL_INVALID", "subscriptionInterval"),
        (json!({"subscriptionInterval": "P1Y", "duration": 86_400}), 422, "SUBSCRIPTION_INTERVAL_INVALID", "subscriptionInterval"),
        (json!({"subscriptionInterval": 12}), 400, "PARAMETER_INVALID", "subscriptionInterval"),
        (json!({"subscriptionStartTrigger": "renewal"}), 422, "SUBSCRIPTION_START_TRIGGER_NOT_ALLOWED", "subscriptionStartTrigger"),
        (
            json!({"subscriptionStartTrigger": "creation", "expirationBasis": "FROM_FIRST_USE"}),
            422,
            "SUBSCRIPTION_START_TRIGGER_INVALID",
            "subscriptionStartTrigger",
        ),
    ] {
        let mut a2 = attrs.clone();
        a2["name"] = "P".into();
        let body = json!({"data":{"type":"policies","attributes":a2,"relationships":{"product":{"data":{"type":"products","id":pid}}}}});
        let r = c.post(&a.path("/policies"), a.admin(), Some(body));
        assert_eq!((r.status, r.error_code()), (status, Some(code)), "{attrs}: {}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["pointer"], format!("/data/attributes/{attr}"));
    }
}

#[test]
fn activation_trigger_starts_the_clock_and_license_overrides_win() {
    let a = server().bootstrap_account();
    let p = policy(&a, &product(&a), json!({"subscriptionInterval": "P1M", "subscriptionStartTrigger": "activation"}));
    assert_eq!(p["attributes"]["expirationBasis"], "FROM_FIRST_ACTIVATION");
    let l = license(&a, p["id"].as_str().unwrap(), json!({"subscriptionInterval": "P3M"}));
    let id = l["id"].as_str().unwrap();
    assert_eq!((l["attributes"]["expiry"].clone(), l["attributes"]["subscriptionInterval"].as_str()), (Value::Null, Some("P3M")));
    let body = json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1"},"relationships":{"license":{"data":{"type":"licenses","id":id}}}}});
    let m = a.client().post(&a.path("/machines"), a.admin(), Some(body)).assert_status(201).json["data"].clone();
    let r = a.client().get(&a.path(&format!("/licenses/{id}")), a.admin(), None);
    let expiry = r.assert_status(200).json["data"]["attributes"]["expiry"].as_str().unwrap_or_default().to_owned();
    assert_eq!(expiry, plus_months(m["attributes"]["created"].as_str().unwrap(), 3), "activation + the license's P3M");
    let rows = logs(&a, id);
    assert_eq!(rows.len(), 2, "created, then first-activated");
    assert_eq!(rows[0]["attributes"]["action"], "first-activated");
    assert_eq!(rows[0]["attributes"]["changes"]["expiry"], json!([null, expiry]));

    // Changing the override is logged (interval before → after) and does not move the expiry.
    let patch = json!({"data":{"type":"licenses","attributes":{"subscriptionInterval":"P1Y"}}});
    let u = a.client().patch(&a.path(&format!("/licenses/{id}")), a.admin(), Some(patch));
    assert_eq!(u.assert_status(200).json["data"]["attributes"]["subscriptionInterval"], "P1Y");
    assert_eq!(u.json["data"]["attributes"]["expiry"], expiry.as_str());
    let rows = logs(&a, id);
    assert_eq!(rows[0]["attributes"]["action"], "subscription-updated");
    assert_eq!(rows[0]["attributes"]["changes"]["subscriptionInterval"], json!(["P3M", "P1Y"]));
}

#[test]
fn concurrent_renewals_each_log_their_own_step() {
    let a = server().bootstrap_account();
    let p = policy(&a, &product(&a), json!({"subscriptionInterval": "P1M"}));
    let l = license(&a, p["id"].as_str().unwrap(), json!({}));
    let id = l["id"].as_str().unwrap().to_owned();
    let n = 8;
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (a, id) = (a.clone(), id.clone());
            std::thread::spawn(move || a.client().post(&a.path(&format!("/licenses/{id}/actions/renew")), a.admin(), None).status)
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| matches!(s, 200 | 422)), "{statuses:?}");
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(ok >= 1);
    // One log row per successful renewal, chained: each starts where an earlier one ended.
    let rows: Vec<Value> = logs(&a, &id).into_iter().filter(|r| r["attributes"]["action"] != "created").collect();
    assert_eq!(rows.len(), ok, "{rows:?}");
    let mut expiry = l["attributes"]["expiry"].as_str().unwrap().to_owned();
    let mut pairs: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let ch = &r["attributes"]["changes"]["expiry"];
            (ch[0].as_str().unwrap_or_default().to_owned(), ch[1].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    pairs.sort();
    for (from, to) in pairs {
        assert_eq!(from, expiry);
        assert_eq!(to, plus_months(&from, 1));
        expiry = to;
    }
    let r = a.client().get(&a.path(&format!("/licenses/{id}")), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["expiry"], expiry.as_str());
}

#[test]
fn maintenance_policies_drive_the_maintenance_window() {
    let a = server().bootstrap_account();
    let c = a.client();
    let pid = product(&a);
    let body = json!({"data":{"type":"maintenance-policies","attributes":{"name":"Gold","subscriptionInterval":"P1M","allowMajorVersionUpdates":false},
        "relationships":{"product":{"data":{"type":"products","id":pid}}}}});
    let m = c.post(&a.path("/maintenance-policies"), a.admin(), Some(body)).assert_status(201).json["data"].clone();
    let mid = m["id"].as_str().unwrap();
    assert_eq!(
        (
            m["attributes"]["subscriptionInterval"].as_str(),
            m["attributes"]["subscriptionStartTrigger"].as_str(),
            m["attributes"]["allowMajorVersionUpdates"].as_bool()
        ),
        (Some("P1M"), Some("creation"), Some(false))
    );
    // A policy's default: its new licenses get it and start the window at creation.
    let p = policy(&a, &pid, json!({}));
    let ppath = a.path(&format!("/policies/{}/maintenance-policy", p["id"].as_str().unwrap()));
    let r = c.put(&ppath, a.admin(), Some(json!({"data":{"type":"maintenance-policies","id":mid}})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["maintenancePolicy"]["data"]["id"], mid);
    let l = license(&a, p["id"].as_str().unwrap(), json!({"currentReleaseVersion": "1.4.0", "maxAllowedReleaseVersion": "1.9.9"}));
    let id = l["id"].as_str().unwrap();
    assert_eq!(l["relationships"]["maintenancePolicy"]["data"]["id"], mid);
    let end = plus_months(l["attributes"]["created"].as_str().unwrap(), 1);
    assert_eq!(l["attributes"]["maintenanceExpiry"], end.as_str());
    assert_eq!((l["attributes"]["currentReleaseVersion"].as_str(), l["attributes"]["maxAllowedReleaseVersion"].as_str()), (Some("1.4.0"), Some("1.9.9")));

    // Renew (one interval from the end) and extend (a given duration).
    let r = c.post(&a.path(&format!("/licenses/{id}/actions/renew-maintenance")), a.admin(), None);
    let renewed = plus_months(&end, 1);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["maintenanceExpiry"], renewed.as_str());
    let r = c.post(&a.path(&format!("/licenses/{id}/actions/extend-maintenance")), a.admin(), Some(json!({"meta":{"duration":"P2M"}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["maintenanceExpiry"], plus_months(&renewed, 2).as_str());
    let r = c.post(&a.path(&format!("/licenses/{id}/actions/extend-maintenance")), a.admin(), Some(json!({"meta":{"duration":"2 months"}})));
    assert_eq!((r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].as_str()), (422, Some("DURATION_INVALID"), Some("/meta/duration")));
    let rows = logs(&a, id);
    let actions: Vec<&str> = rows.iter().map(|r| r["attributes"]["action"].as_str().unwrap_or_default()).collect();
    assert_eq!(actions, ["maintenance-extended", "maintenance-renewed", "created"]);
    assert_eq!(rows[1]["attributes"]["changes"]["maintenanceExpiry"], json!([end, renewed]));

    // Detach, then versions: PATCH clears one; bad versions are 422 with a pointer.
    let lpath = a.path(&format!("/licenses/{id}/maintenance-policy"));
    let r = c.put(&lpath, a.admin(), Some(json!({"data":null})));
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["maintenancePolicy"]["data"], Value::Null);
    let r = c.post(&a.path(&format!("/licenses/{id}/actions/renew-maintenance")), a.admin(), None);
    assert_eq!((r.status, r.error_code()), (422, Some("MAINTENANCE_POLICY_MISSING")));
    let r = c.patch(&a.path(&format!("/licenses/{id}")), a.admin(), Some(json!({"data":{"type":"licenses","attributes":{"maxAllowedReleaseVersion":null}}})));
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["maxAllowedReleaseVersion"], Value::Null);
    assert_eq!(r.json["data"]["attributes"]["currentReleaseVersion"], "1.4.0");
    let r = c.patch(&a.path(&format!("/licenses/{id}")), a.admin(), Some(json!({"data":{"type":"licenses","attributes":{"currentReleaseVersion":"latest"}}})));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (422, Some("/data/attributes/currentReleaseVersion")));
    // The former attribute is gone.
    let r = c.patch(
        &a.path(&format!("/policies/{}", p["id"].as_str().unwrap())),
        a.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"maintenanceDuration":86_400}}})),
    );
    assert_eq!(r.status / 100, 4, "{}", r.json);

    // CRUD: update, list, delete (the license keeps its window, the policy loses its default).
    let r = c.patch(
        &a.path(&format!("/maintenance-policies/{mid}")),
        a.admin(),
        Some(json!({"data":{"type":"maintenance-policies","attributes":{"subscriptionInterval":"P1Y"}}})),
    );
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["subscriptionInterval"], "P1Y");
    let r = c.get(&a.path("/maintenance-policies"), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map(Vec::len), Some(1));
    c.delete(&a.path(&format!("/maintenance-policies/{mid}")), a.admin(), None).assert_status(204);
    let r = c.get(&a.path(&format!("/policies/{}", p["id"].as_str().unwrap())), a.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["relationships"]["maintenancePolicy"]["data"], Value::Null);
}
