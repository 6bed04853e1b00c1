//! Activation rules (issue 10 §4, Cryptlex's license-template rules) on the real runtime, each
//! allowed and refused: `allowedIpRanges` (IPv4 and IPv6, from `CF-Connecting-IP`),
//! `allowedCountries` / `disallowedCountries` (from `request.cf.country`; the harness runs with
//! `ENVIRONMENT=test`, where the test-only `Latchkey-Test-Country` header stands in for it),
//! `allowVmActivation`, `allowContainerActivation`, `allowedClockOffset`
//! (`Latchkey-Client-Clock`), license overrides, and `allowedDeactivations` under 10 concurrent
//! deactivations (exactly the allowed number succeed).

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn admin_post(acct: &TestAccount, path: &str, body: Value) -> Resp {
    acct.client().post(&acct.path(path), acct.admin(), Some(body))
}

/// A license of a fresh policy with `rules` (and `license_attrs`): `(license id, key)`.
fn license(acct: &TestAccount, rules: Value, license_attrs: Value) -> (String, String) {
    let p = admin_post(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let mut attrs = rules.as_object().cloned().unwrap_or_default();
    attrs.insert("name".into(), "Rules".into());
    attrs.insert("floating".into(), true.into());
    attrs.insert("maxMachines".into(), 100.into());
    attrs.insert("authenticationStrategy".into(), "MIXED".into());
    let pol = admin_post(
        acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":p.json["data"]["id"]}}}}}),
    );
    assert_eq!(pol.status, 201, "{}", pol.json);
    let l = admin_post(
        acct,
        "/licenses",
        json!({"data":{"type":"licenses","attributes":license_attrs,"relationships":{"policy":{"data":{"type":"policies","id":pol.json["data"]["id"]}}}}}),
    );
    assert_eq!(l.status, 201, "{}", l.json);
    (l.json["data"]["id"].as_str().unwrap_or_default().to_owned(), l.json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned())
}

/// `POST /machines` as admin with extra headers and machine attributes.
fn activate(acct: &TestAccount, lid: &str, attrs: Value, headers: &[(&str, &str)]) -> Resp {
    let auth = format!("Bearer {}", acct.admin_token);
    let mut h = vec![("Content-Type", "application/vnd.api+json"), ("Accept", "application/vnd.api+json"), ("Authorization", auth.as_str())];
    h.extend_from_slice(headers);
    let mut a = attrs.as_object().cloned().unwrap_or_default();
    a.entry("fingerprint").or_insert_with(|| format!("fp-{}", e2e::unique_tag()).into());
    let body = json!({"data":{"type":"machines","attributes":a,"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}}).to_string();
    acct.client().raw("POST", &acct.path("/machines"), &h, Some(body.as_bytes()))
}

fn refused(r: &Resp, code: &str, source: Value) {
    assert_eq!((r.status, r.error_code()), (422, Some(code)), "{}", r.json);
    assert_eq!(r.json["errors"][0]["source"], source, "{}", r.json);
}

#[test]
fn ip_ranges_allow_ipv4_and_ipv6_ranges_and_refuse_others() {
    let acct = server().bootstrap_account();
    let (lid, _) = license(&acct, json!({"allowedIpRanges": ["203.0.113.0/24", "2001:db8::/32"]}), json!({}));
    activate(&acct, &lid, json!({}), &[("CF-Connecting-IP", "203.0.113.77")]).assert_status(201);
    activate(&acct, &lid, json!({}), &[("CF-Connecting-IP", "2001:db8:abcd::1")]).assert_status(201);
    refused(&activate(&acct, &lid, json!({}), &[("CF-Connecting-IP", "198.51.100.7")]), "IP_ADDRESS_NOT_ALLOWED", json!({"header": "CF-Connecting-IP"}));
    refused(&activate(&acct, &lid, json!({}), &[("CF-Connecting-IP", "2001:db9::1")]), "IP_ADDRESS_NOT_ALLOWED", json!({"header": "CF-Connecting-IP"}));
    // Canonical on output; a bad range is refused with the item's pointer.
    let r = acct.client().get(&acct.path(&format!("/licenses/{lid}")), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["allowedIpRanges"], json!(["203.0.113.0/24", "2001:db8::/32"]));
    let r = acct.client().patch(
        &acct.path(&format!("/licenses/{lid}")),
        acct.admin(),
        Some(json!({"data":{"type":"licenses","attributes":{"allowedIpRanges":["10.0.0.0/8","10.0.0.0/33"]}}})),
    );
    assert_eq!(
        (r.status, r.error_code(), r.json["errors"][0]["source"]["pointer"].clone()),
        (400, Some("PARAMETER_INVALID"), json!("/data/attributes/allowedIpRanges/1"))
    );
}

#[test]
fn countries_are_allowed_or_disallowed_from_the_request_country() {
    let acct = server().bootstrap_account();
    let (allow, _) = license(&acct, json!({"allowedCountries": ["US", "ca"]}), json!({}));
    activate(&acct, &allow, json!({}), &[("Latchkey-Test-Country", "US")]).assert_status(201);
    activate(&acct, &allow, json!({}), &[("Latchkey-Test-Country", "CA")]).assert_status(201);
    refused(&activate(&acct, &allow, json!({}), &[("Latchkey-Test-Country", "DE")]), "COUNTRY_NOT_ALLOWED", json!({"header": "CF-IPCountry"}));
    let (deny, _) = license(&acct, json!({"disallowedCountries": ["DE"]}), json!({}));
    activate(&acct, &deny, json!({}), &[("Latchkey-Test-Country", "FR")]).assert_status(201);
    refused(&activate(&acct, &deny, json!({}), &[("Latchkey-Test-Country", "DE")]), "COUNTRY_NOT_ALLOWED", json!({"header": "CF-IPCountry"}));
    let p = admin_post(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let r = admin_post(
        &acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"x","allowedCountries":["US","Germany"]},"relationships":{"product":{"data":{"type":"products","id":p.json["data"]["id"]}}}}}),
    );
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].clone()), (400, json!("/data/attributes/allowedCountries/1")), "{}", r.json);
}

#[test]
fn vms_and_containers_are_refused_when_the_policy_says_so_and_a_license_may_override() {
    let acct = server().bootstrap_account();
    let (lid, _) = license(&acct, json!({"allowVmActivation": false, "allowContainerActivation": false}), json!({}));
    let r = activate(&acct, &lid, json!({}), &[]);
    assert_eq!((r.status, r.json["data"]["attributes"]["vmName"].clone()), (201, Value::Null));
    refused(&activate(&acct, &lid, json!({"vmName": "VMware"}), &[]), "VM_ACTIVATION_NOT_ALLOWED", json!({"pointer": "/data/attributes/vmName"}));
    refused(&activate(&acct, &lid, json!({"container": true}), &[]), "CONTAINER_ACTIVATION_NOT_ALLOWED", json!({"pointer": "/data/attributes/container"}));
    activate(&acct, &lid, json!({"container": false}), &[]).assert_status(201);
    let (open, _) = license(&acct, json!({"allowVmActivation": false}), json!({"allowVmActivation": true}));
    let r = activate(&acct, &open, json!({"vmName": "kvm", "container": true}), &[]);
    let a = &r.assert_status(201).json["data"]["attributes"];
    assert_eq!((a["vmName"].clone(), a["container"].clone()), (json!("kvm"), json!(true)));
}

#[test]
fn the_client_clock_must_be_within_the_allowed_offset() {
    let acct = server().bootstrap_account();
    let (lid, _) = license(&acct, json!({"allowedClockOffset": 300}), json!({}));
    let now = shared::clock::iso8601(now_ms());
    activate(&acct, &lid, json!({}), &[("Latchkey-Client-Clock", now.as_str())]).assert_status(201);
    let skewed = shared::clock::iso8601(now_ms() - 3_600_000);
    let header = json!({"header": "Latchkey-Client-Clock"});
    refused(&activate(&acct, &lid, json!({}), &[("Latchkey-Client-Clock", skewed.as_str())]), "CLOCK_OFFSET_EXCEEDED", header.clone());
    refused(&activate(&acct, &lid, json!({}), &[]), "CLOCK_OFFSET_EXCEEDED", header.clone());
    let r = activate(&acct, &lid, json!({}), &[("Latchkey-Client-Clock", "yesterday")]);
    assert_eq!((r.status, r.error_code(), r.json["errors"][0]["source"].clone()), (400, Some("PARAMETER_INVALID"), header));
}

#[test]
fn ten_concurrent_deactivations_by_the_license_stop_at_allowed_deactivations() {
    let acct = server().bootstrap_account();
    let (lid, key) = license(&acct, json!({"allowedDeactivations": 3}), json!({}));
    let ids: Vec<String> = (0..10)
        .map(|_| {
            let r = activate(&acct, &lid, json!({}), &[]);
            r.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    let threads: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (acct, auth) = (acct.clone(), format!("License {key}"));
            std::thread::spawn(move || acct.client().delete(&acct.path(&format!("/machines/{id}")), Some(&auth), None))
        })
        .collect();
    let responses: Vec<Resp> = threads.into_iter().map(|t| t.join().expect("request thread")).collect();
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 204).count(), 3, "{statuses:?}");
    let limited: Vec<&Resp> = responses.iter().filter(|r| r.status == 422).collect();
    assert_eq!(limited.len(), 7, "{statuses:?}");
    assert!(limited.iter().all(|r| r.error_code() == Some("DEACTIVATION_LIMIT_REACHED")), "{}", limited[0].json);
    let r = acct.client().get(&acct.path(&format!("/licenses/{lid}")), acct.admin(), None);
    let l = &r.assert_status(200).json["data"];
    assert_eq!((l["attributes"]["deactivations"].clone(), l["relationships"]["machines"]["meta"]["count"].clone()), (json!(3), json!(7)));
    // The vendor's admin still deactivates freely.
    let r = acct.client().get(&acct.path(&format!("/licenses/{lid}/machines")), acct.admin(), None);
    let first = r.assert_status(200).json["data"][0]["id"].as_str().unwrap_or_default().to_owned();
    acct.client().delete(&acct.path(&format!("/machines/{first}")), acct.admin(), None).assert_status(204);
}

#[test]
fn hostile_rule_headers_are_client_errors_or_ignored_never_server_errors() {
    let acct = server().bootstrap_account();
    let (lid, _) = license(&acct, json!({"allowedIpRanges": ["0.0.0.0/0"], "allowedCountries": ["US"], "allowedClockOffset": 10}), json!({}));
    let junk = ["", " ", "9999999999999999999999", "2024-13-45T99:99:99Z", "-1", "::::", "1.2.3.4.5", "US,DE", "../../etc", &"9".repeat(4000)];
    for v in junk {
        for h in ["Latchkey-Client-Clock", "Latchkey-Test-Country", "CF-Connecting-IP"] {
            let r = activate(&acct, &lid, json!({}), &[(h, v)]);
            assert!((400..500).contains(&r.status), "{h}: {v:?} answered {} {}", r.status, r.json);
        }
    }
    // The Worker still answers.
    let now = shared::clock::iso8601(now_ms());
    activate(&acct, &lid, json!({}), &[("Latchkey-Client-Clock", now.as_str()), ("Latchkey-Test-Country", "us"), ("CF-Connecting-IP", "192.0.2.1")])
        .assert_status(201);
}
