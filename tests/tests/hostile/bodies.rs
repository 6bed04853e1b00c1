//! Hostile bodies: the corpus ([`bodies`]) and its tests: on every route as admin and
//! anonymous, as a chunked body past the size cap, at every older API version (with hostile
//! `Keygen-Version` values), and on `PUT /tokens`.

use std::io::{Read, Write};
use std::net::TcpStream;

use e2e::{assert_signed, server};
use serde_json::json;

use super::routes::ROUTES;
use super::{assert_alive, assert_client_error};

fn bodies(ty: &str) -> Vec<Vec<u8>> {
    let big = "a".repeat(1 << 20);
    let mut deep = String::new();
    for _ in 0..200 {
        deep.push_str("{\"a\":");
    }
    deep.push('1');
    deep.push_str(&"}".repeat(200));
    let mut v: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"\xff\xfe\x00\x80garbage".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"\"data\"".to_vec(),
        "[".repeat(5000).into_bytes(),
        format!("{{\"data\":{deep}}}").into_bytes(),
        format!(r#"{{"data":{{"type":"{ty}","attributes":{{"name":"{big}"}}}}}}"#).into_bytes(),
        format!(r#"{{"data":{{"type":"{ty}","attributes":{{"cores":99999999999999999999999,"memory":18446744073709551615,"disk":-9223372036854775809,"maxMachines":1e308,"duration":-1,"increment":2147483648}}}}}}"#).into_bytes(),
        br#"{"meta":{"increment":18446744073709551615,"decrement":-1,"key":"k","nonce":1e400}}"#.to_vec(),
    ];
    for doc in [
        json!({"data": []}),
        json!({"data": null, "meta": null}),
        json!({"data": {"type": null, "attributes": null, "relationships": {"policy": null, "license": [], "product": {"data": 1}}}}),
        json!({"data": {"type": ty, "attributes": {"expiry": "2024-01-01T00:00:00+aé00", "fingerprint": ["x"], "name": 1, "metadata": "x", "floating": "yes", "email": {}, "url": 7, "pid": true}}}),
        json!({"data": {"type": ty, "attributes": {"metadata": {"k": "v".repeat(20_000)}}}}),
        json!({"data": [{"type": "entitlements", "id": null}, {"type": 1}]}),
        json!({"meta": {"key": "x", "scope": {"fingerprint": ["a"], "product": {}, "user": 1, "blob": "x".repeat(60_000)}}}),
        json!({"meta": {"key": "x", "scope": {"fingerprints": vec!["f"; 5000]}}}),
        json!({"meta": {"encrypt": "yes", "ttl": "forever", "include": [1, {}], "algorithm": 5}}),
        // Meter attributes (issue 10 §2).
        json!({"data": {"type": "meters", "attributes": {"name": "../x", "allowedUses": 1e308, "floating": null, "visible": "x"}}}),
        json!({"data": {"type": "meters", "attributes": {"name": "m".repeat(5000), "allowedUses": -9223372036854775808_i64}}}),
        json!({"meta": {"name": ["m"], "increment": 0, "decrement": 1e300}}),
        // Activation rules (issue 10 §4).
        json!({"data": {"type": ty, "attributes": {"allowedIpRanges": ["::ffff:1.2.3.4/129", "1.2.3.4/-0", "%00", 7, null], "allowedCountries": "US", "vmName": {}, "container": "yes"}}}),
        json!({"data": {"type": ty, "attributes": {"disallowedCountries": vec!["ÜS"; 200], "allowedClockOffset": 1e99, "allowedDeactivations": -2, "allowVmActivation": 1}}}),
        // Features and entitlement sets (issue 10 §3): identifiers whose meta carries values.
        json!({"data": [{"type": "entitlements", "id": "x", "meta": {"value": [1], "expiresAt": "2024-13-45T99:00:00Z"}}, {"type": "entitlements", "id": "y", "meta": 5}]}),
        json!({"data": [{"type": "entitlements", "id": "x", "meta": {"value": "v".repeat(2000), "expiresAt": 17, "extra": true}}]}),
        json!({"data": {"type": "entitlement-sets", "id": "\u{0}'\"", "attributes": {"name": "n".repeat(300), "metadata": []}}}),
        // Floating-seat leases (issue 10 §4 follow-up, c10).
        json!({"data": {"type": ty, "attributes": {"fingerprint": "f", "leaseDuration": -9223372036854775808_i64, "allowClientLeaseDuration": "yes"}}}),
        json!({"data": {"type": ty, "attributes": {"fingerprint": "f", "leaseDuration": 1e308, "allowClientLeaseDuration": null}}}),
        json!({"data": {"type": ty, "attributes": {"leaseDuration": "3600", "allowClientLeaseDuration": [true]}}}),
        // entitlementSet on create (issue 10 §3, c10): hostile to-one relationships.
        json!({"data": {"type": ty, "relationships": {"entitlementSet": {"data": {"type": "entitlement-sets", "id": "\u{0}'--"}}, "policy": {"data": {"type": "policies", "id": "x"}}, "product": {"data": {"type": "products", "id": "x"}}}}}),
        json!({"data": {"type": ty, "relationships": {"entitlementSet": {"data": [{"type": "entitlement-sets", "id": "x"}], "meta": 1}}}}),
        json!({"data": {"type": ty, "relationships": {"entitlementSet": {"data": {"type": "policies", "id": 7}}}}}),
    ] {
        v.push(doc.to_string().into_bytes());
    }
    v
}

/// The JSON:API type a path's resource has (for bodies that get past the type check).
fn ty(path: &str) -> &'static str {
    for t in [
        "entitlement-sets",
        "environments",
        "trial-policies",
        "trial-activations",
        "releases",
        "artifacts",
        "packages",
        "webhook-endpoints",
        "entitlements",
        "components",
        "processes",
        "machines",
        "licenses",
        "policies",
        "products",
        "users",
        "tokens",
        "groups",
    ] {
        if path.starts_with(&format!("/{t}")) {
            return t;
        }
    }
    "licenses"
}

#[test]
fn hostile_bodies_on_every_route_are_signed_client_errors() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let missing = "00000000-0000-4000-8000-000000000000";
    let admin = format!("Bearer {}", acct.admin_token);
    for (method, route) in ROUTES {
        let path = acct.path(&route.replace("{id}", missing));
        for (i, body) in bodies(ty(route)).iter().enumerate() {
            for auth in [Some(admin.as_str()), None] {
                let mut headers = vec![("Content-Type", "application/vnd.api+json"), ("Accept", "application/vnd.api+json")];
                if let Some(a) = auth {
                    headers.push(("Authorization", a));
                }
                let r = c.raw(method, &path, &headers, Some(body));
                assert_client_error(&acct, &r, &format!("{method} {route} body #{i} ({})", if auth.is_some() { "admin" } else { "anonymous" }));
            }
        }
    }
    assert_alive(&acct);
}

#[test]
fn a_body_without_content_length_is_capped_while_read() {
    let acct = server().bootstrap_account();
    let url = server().url().trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(&url).expect("connect to the loopback server");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/vnd.api+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        acct.path("/products"),
        server().host(),
        acct.admin_token
    );
    s.write_all(head.as_bytes()).unwrap();
    // 4 MB in 64 KB chunks, far past the cap; the Worker stops reading long before the end, so
    // a write may fail once it has answered.
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..64 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).and_then(|()| s.write_all(&chunk)).and_then(|()| s.write_all(b"\r\n")).is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 413"), "{}", text.chars().take(300).collect::<String>());
    assert!(text.contains("PAYLOAD_TOO_LARGE"), "{}", text.chars().take(600).collect::<String>());
    assert!(text.to_ascii_lowercase().contains("keygen-signature"), "the 413 is signed");
    assert_alive(&acct);
}

// --- API versions (issue 8): hostile bodies climb the request migrations at every older
// version, answers are migrated down, and hostile `Keygen-Version` values are refused. ---

#[test]
fn hostile_bodies_and_version_headers_are_signed_client_errors_at_every_version() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let missing = "00000000-0000-4000-8000-000000000000";
    let admin = format!("Bearer {}", acct.admin_token);
    let mut hostile = bodies("policies");
    for doc in [
        json!({"data": {"type": "policies", "attributes": {"concurrent": "yes", "leasingStrategy": 7, "fingerprintMatchingStrategy": null}}}),
        json!({"data": {"type": "policies", "attributes": {"concurrent": true, "overageStrategy": {}, "fingerprintUniquenessStrategy": ["x"]}}}),
        json!({"data": {"type": "policies", "attributes": []}}),
        json!({"data": {"type": "policies", "attributes": {"leasingStrategy": "PER_LICENSE", "processLeasingStrategy": "x".repeat(5000)}}}),
    ] {
        hostile.push(doc.to_string().into_bytes());
    }
    for version in ["1.0", "1.1", "1.2", "1.3", "1.5", "1.6"] {
        for (method, route) in [("POST", "/policies"), ("PATCH", "/policies/{id}"), ("PUT", "/policies/{id}"), ("POST", "/licenses"), ("POST", "/machines")] {
            let path = acct.path(&route.replace("{id}", missing));
            for (i, body) in hostile.iter().enumerate() {
                let headers = [("Content-Type", "application/vnd.api+json"), ("Authorization", admin.as_str()), ("Keygen-Version", version)];
                let r = c.raw(method, &path, &headers, Some(body));
                assert_client_error(&acct, &r, &format!("{method} {route} body #{i} at {version}"));
                assert_eq!(r.header("Keygen-Version"), Some(version));
            }
        }
    }
    let long = "9".repeat(8000);
    for v in ["1.8.0", "v", "vv1.8", "1.08", "1.8,1.7", "-1.0", "%31.8", "1.", ".8", "1.8\t1.7", long.as_str()] {
        let r = c.raw("GET", &acct.path("/licenses"), &[("Authorization", admin.as_str()), ("Keygen-Version", v)], None);
        assert_client_error(&acct, &r, &format!("Keygen-Version {}", &v[..v.len().min(20)]));
        assert_eq!(r.error_code(), Some("INVALID_API_VERSION"));
    }
    assert_alive(&acct);
}
// --- end API versions ---
/// `PUT /tokens` (issue 8) regenerates the caller's own token whatever the body says, so it is
/// not in [`ROUTES`] (it would end the admin's token mid-test): every hostile body, sent with
/// the current token of a throwaway product, answers a signed 200 (the body is ignored, as
/// Keygen's `tokens#regenerate_current`) or a signed 4xx, never a 5xx; then anonymous.
#[test]
fn put_tokens_with_hostile_bodies_is_never_a_server_error() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let p = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"H"}}})));
    let pid = p.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let t = c.post(&acct.path(&format!("/products/{pid}/tokens")), acct.admin(), None);
    let mut token = t.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    for (i, body) in bodies("tokens").iter().enumerate() {
        let auth = format!("Bearer {token}");
        let headers = [("Content-Type", "application/vnd.api+json"), ("Accept", "application/vnd.api+json"), ("Authorization", auth.as_str())];
        let r = c.raw("PUT", &acct.path("/tokens"), &headers, Some(body));
        assert!(r.status < 500, "PUT /tokens body #{i}: {} {}", r.status, r.text().chars().take(300).collect::<String>());
        assert_signed(&r, &acct.public_key_hex);
        if r.status == 200 {
            token = r.json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
        }
        let anon = c.raw("PUT", &acct.path("/tokens"), &headers[..2], Some(body));
        assert_client_error(&acct, &anon, &format!("PUT /tokens body #{i} (anonymous)"));
    }
    assert_alive(&acct);
}
