//! Activation rules on validation (issue 10 §4, as Cryptlex re-checks them on server sync) on
//! the real runtime: the client's validations (its license key, anonymous validate-key) answer
//! `IP_ADDRESS_NOT_ALLOWED`, `COUNTRY_NOT_ALLOWED` (the country from `request.cf.country`,
//! stood in for by the harness's `Latchkey-Test-Country` header), `VM_ACTIVATION_NOT_ALLOWED`
//! for a scoped VM machine after the policy was tightened, and `CLOCK_OFFSET_EXCEEDED` for a
//! sent clock; the vendor's admin validations are not re-checked; Keygen's codes keep their
//! precedence.

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::{server, Resp, TestAccount};
use serde_json::{json, Value};

fn admin(acct: &TestAccount, method: &str, path: &str, body: Value) -> Resp {
    let c = acct.client();
    let r = if method == "PATCH" { c.patch(&acct.path(path), acct.admin(), Some(body)) } else { c.post(&acct.path(path), acct.admin(), Some(body)) };
    assert!(r.status < 300, "{method} {path}: {}", r.json);
    r
}

/// A floating license under rules `rules`: `(policy id, license id, key)`.
fn license(acct: &TestAccount, rules: Value) -> (String, String, String) {
    let p = admin(acct, "POST", "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let mut attrs = rules.as_object().cloned().unwrap_or_default();
    for (k, v) in [("name", json!("Rules")), ("floating", json!(true)), ("maxMachines", json!(10)), ("authenticationStrategy", json!("MIXED"))] {
        attrs.insert(k.into(), v);
    }
    let rel = json!({"product":{"data":{"type":"products","id":p.json["data"]["id"]}}});
    let pol = admin(acct, "POST", "/policies", json!({"data":{"type":"policies","attributes":attrs,"relationships":rel}}));
    let pid = pol.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let l = admin(acct, "POST", "/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pid}}}}}));
    (pid, l.json["data"]["id"].as_str().unwrap_or_default().to_owned(), l.json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned())
}

/// Validates as `auth` (or anonymously by key) with extra headers: `(valid, code)`.
fn validate(acct: &TestAccount, lid: &str, key: &str, auth: Option<&str>, scope: Value, headers: &[(&str, &str)]) -> (bool, String) {
    let mut h = vec![("Content-Type", "application/vnd.api+json"), ("Accept", "application/vnd.api+json")];
    let (path, body) = match auth {
        Some(a) => {
            h.push(("Authorization", a));
            (format!("/licenses/{lid}/actions/validate"), json!({"meta":{"scope":scope}}))
        }
        None => ("/licenses/actions/validate-key".to_owned(), json!({"meta":{"key":key,"scope":scope}})),
    };
    h.extend_from_slice(headers);
    let r = acct.client().raw("POST", &acct.path(&path), &h, Some(body.to_string().as_bytes()));
    assert_eq!(r.status, 200, "{}", r.json);
    (r.json["meta"]["valid"].as_bool().unwrap_or(true), r.json["meta"]["code"].as_str().unwrap_or_default().to_owned())
}

fn code(valid: bool, c: &str) -> (bool, String) {
    (valid, c.to_owned())
}

#[test]
fn ip_ranges_and_countries_are_rechecked_on_the_clients_validations_only() {
    let acct = server().bootstrap_account();
    let (_, lid, key) = license(&acct, json!({"allowedIpRanges": ["203.0.113.0/24", "2001:db8::/32"], "disallowedCountries": ["DE"]}));
    let lic = format!("License {key}");
    let admin_auth = format!("Bearer {}", acct.admin_token);
    let inside = [("CF-Connecting-IP", "203.0.113.9"), ("Latchkey-Test-Country", "US")];
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), json!({}), &inside), code(true, "VALID"));
    assert_eq!(validate(&acct, &lid, &key, None, json!({}), &[("CF-Connecting-IP", "2001:db8::7"), ("Latchkey-Test-Country", "FR")]), code(true, "VALID"));
    let outside = [("CF-Connecting-IP", "198.51.100.1"), ("Latchkey-Test-Country", "US")];
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), json!({}), &outside), code(false, "IP_ADDRESS_NOT_ALLOWED"));
    assert_eq!(validate(&acct, &lid, &key, None, json!({}), &outside), code(false, "IP_ADDRESS_NOT_ALLOWED"));
    let german = [("CF-Connecting-IP", "203.0.113.9"), ("Latchkey-Test-Country", "DE")];
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), json!({}), &german), code(false, "COUNTRY_NOT_ALLOWED"));
    assert_eq!(
        validate(&acct, &lid, &key, None, json!({}), &[("CF-Connecting-IP", "203.0.113.9"), ("Latchkey-Test-Country", "de")]),
        code(false, "COUNTRY_NOT_ALLOWED")
    );
    // The vendor validating from its own server is not the client: not re-checked.
    assert_eq!(validate(&acct, &lid, &key, Some(&admin_auth), json!({}), &german), code(true, "VALID"));
    // Keygen's precedence holds: a scope mismatch answers its own code first.
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), json!({"fingerprint": "nope"}), &german), code(false, "NO_MACHINES"));
}

#[test]
fn a_tightened_policy_refuses_a_scoped_vm_and_a_sent_clock_must_be_within_the_offset() {
    let acct = server().bootstrap_account();
    let (pid, lid, key) = license(&acct, json!({"allowedClockOffset": 60}));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let clock = shared::clock::iso8601(i64::try_from(now * 1000).unwrap_or_default());
    let m = json!({"data":{"type":"machines","attributes":{"fingerprint":"vm-fp","vmName":"vbox"},"relationships":{"license":{"data":{"type":"licenses","id":lid}}}}});
    let auth = format!("Bearer {}", acct.admin_token);
    let h = [
        ("Content-Type", "application/vnd.api+json"),
        ("Accept", "application/vnd.api+json"),
        ("Authorization", auth.as_str()),
        ("Latchkey-Client-Clock", clock.as_str()),
    ];
    let r = acct.client().raw("POST", &acct.path("/machines"), &h, Some(m.to_string().as_bytes()));
    assert_eq!(r.status, 201, "{}", r.json);
    let lic = format!("License {key}");
    let scope = json!({"fingerprint": "vm-fp"});
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), scope.clone(), &[]), code(true, "VALID"), "no clock sent: not checked on validation");
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), scope.clone(), &[("Latchkey-Client-Clock", clock.as_str())]), code(true, "VALID"));
    let skewed = shared::clock::iso8601(i64::try_from((now + 3600) * 1000).unwrap_or_default());
    assert_eq!(validate(&acct, &lid, &key, None, scope.clone(), &[("Latchkey-Client-Clock", skewed.as_str())]), code(false, "CLOCK_OFFSET_EXCEEDED"));
    admin(&acct, "PATCH", &format!("/policies/{pid}"), json!({"data":{"type":"policies","attributes":{"allowVmActivation": false}}}));
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), scope, &[]), code(false, "VM_ACTIVATION_NOT_ALLOWED"));
    assert_eq!(validate(&acct, &lid, &key, Some(&lic), json!({}), &[]), code(true, "VALID"), "no machine named: nothing to re-check");
    // A malformed clock is the client's error, with the header as its source.
    let h = [("Content-Type", "application/vnd.api+json"), ("Accept", "application/vnd.api+json"), ("Latchkey-Client-Clock", "yesterday")];
    let body = json!({"meta":{"key":key}}).to_string();
    let r = acct.client().raw("POST", &acct.path("/licenses/actions/validate-key"), &h, Some(body.as_bytes()));
    assert_eq!((r.status, r.error_code(), r.json["errors"][0]["source"].clone()), (400, Some("PARAMETER_INVALID"), json!({"header": "Latchkey-Client-Clock"})));
}
