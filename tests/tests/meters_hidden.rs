//! Hidden meters and meter events (issue 10 §2 follow-up) on the real runtime: a meter with
//! `visible: false` is shown to admins (license reads, license and machine files) but never to
//! the client's side — its license key sees neither it on the license, on the machine, in a
//! validation's document, nor inside the license/machine files it checks out; increments,
//! decrements and resets record `license.meter.incremented|decremented|reset`.

use base64::Engine;
use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

/// A floating license (license-key auth allowed) with meters `shown` (visible) and `secret`
/// (hidden), and one machine: `(license id, key, machine id)`.
fn setup(acct: &TestAccount) -> (String, String, String) {
    let product = create(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let policy = create(
        acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":10,"authenticationStrategy":"MIXED"},
            "relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let l = create(acct, "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}}));
    let lid = l["id"].as_str().unwrap_or_default().to_owned();
    for (name, visible) in [("shown", true), ("secret", false)] {
        create(acct, &format!("/licenses/{lid}/meters"), json!({"data":{"type":"meters","attributes":{"name":name,"allowedUses":10,"visible":visible}}}));
    }
    let m = create(
        acct,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp-1"},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}}),
    );
    (lid, l["attributes"]["key"].as_str().unwrap_or_default().to_owned(), m["id"].as_str().unwrap_or_default().to_owned())
}

fn names(meters: &Value) -> Vec<String> {
    meters.as_array().map(|a| a.iter().filter_map(|m| m["name"].as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// The dataset inside an unencrypted (`base64+ed25519`) license or machine file.
fn dataset(cert: &str) -> Value {
    let body: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let outer: Value = serde_json::from_slice(&b64.decode(body.trim()).unwrap_or_default()).unwrap_or_default();
    serde_json::from_slice(&b64.decode(outer["enc"].as_str().unwrap_or_default()).unwrap_or_default()).unwrap_or_default()
}

#[test]
fn hidden_meters_are_shown_to_admins_and_never_to_the_license() {
    let acct = server().bootstrap_account();
    let (lid, key, mid) = setup(&acct);
    let c = acct.client();
    for name in ["shown", "secret"] {
        let body = json!({"meta":{"name":name,"increment":1}});
        c.post(&acct.path(&format!("/machines/{mid}/actions/increment-meter")), acct.admin(), Some(body)).assert_status(200);
    }
    let lic = format!("License {key}");
    let both = ["secret".to_owned(), "shown".to_owned()];
    let only = ["shown".to_owned()];
    for (who, want) in [(acct.admin(), &both[..]), (Some(lic.as_str()), &only[..])] {
        let l = c.get(&acct.path(&format!("/licenses/{lid}")), who, None);
        assert_eq!(names(&l.assert_status(200).json["data"]["attributes"]["meterAttributes"]), want, "license read");
        let m = c.get(&acct.path(&format!("/machines/{mid}")), who, None);
        assert_eq!(names(&m.assert_status(200).json["data"]["attributes"]["meterAttributes"]), want, "machine read");
        let lf = c.post(&acct.path(&format!("/licenses/{lid}/actions/check-out")), who, None);
        let d = dataset(lf.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap_or_default());
        assert_eq!(names(&d["data"]["attributes"]["meterAttributes"]), want, "license file: {d}");
        let mf = c.post(&acct.path(&format!("/machines/{mid}/actions/check-out?include=license")), who, None);
        let d = dataset(mf.assert_status(200).json["data"]["attributes"]["certificate"].as_str().unwrap_or_default());
        assert_eq!(names(&d["data"]["attributes"]["meterAttributes"]), want, "machine file: {d}");
        assert_eq!(names(&d["included"][0]["attributes"]["meterAttributes"]), want, "machine file's license: {d}");
    }
    let v = c.post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key":key}})));
    assert_eq!(names(&v.assert_status(200).json["data"]["attributes"]["meterAttributes"]), only, "anonymous validate-key");
}

#[test]
fn meter_steps_and_resets_record_their_events() {
    let acct = server().bootstrap_account();
    let (lid, _, mid) = setup(&acct);
    let c = acct.client();
    let step = |action: &str, member: &str, n: i64| {
        c.post(&acct.path(&format!("/machines/{mid}/actions/{action}")), acct.admin(), Some(json!({"meta":{"name":"shown",member:n}})))
    };
    step("increment-meter", "increment", 3).assert_status(200);
    assert_eq!(step("increment-meter", "increment", 100).status, 422, "refused: no event");
    step("decrement-meter", "decrement", 1).assert_status(200);
    c.post(&acct.path(&format!("/licenses/{lid}/meters/shown/actions/reset")), acct.admin(), None).assert_status(200);
    for (event, meta) in [
        ("license.meter.incremented", json!({"meter":"shown","machine":mid,"increment":3})),
        ("license.meter.decremented", json!({"meter":"shown","machine":mid,"decrement":1})),
        ("license.meter.reset", json!({"meter":"shown"})),
    ] {
        let r = c.get(&acct.path(&format!("/event-logs?event={event}&page[size]=100")), acct.admin(), None);
        let data = r.assert_status(200).json["data"].clone();
        assert_eq!(data.as_array().map(Vec::len), Some(1), "{event}: {data}");
        assert_eq!(data[0]["relationships"]["resource"]["data"]["id"], json!(lid), "{event}: {data}");
        assert_eq!(data[0]["attributes"]["metadata"]["meta"], meta, "{event}: {data}");
    }
}
