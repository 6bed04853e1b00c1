//! The route table on the real runtime: every documented route is dispatched, 404 vs 405, and
//! percent-decoded path segments (fingerprints and license keys with reserved characters).

use e2e::{server, TestAccount};
use serde_json::{json, Value};

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

/// A license of a fresh policy; `key` if given.
fn license(acct: &TestAccount, key: Option<&str>) -> Value {
    let product = create(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let policy = create(
        acct,
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product["id"]}}}}}),
    );
    let mut body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy["id"]}}}}});
    if let Some(k) = key {
        body["data"]["attributes"] = json!({ "key": k });
    }
    create(acct, "/licenses", body)
}

/// Percent-encodes everything but unreserved characters.
fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[test]
fn a_machine_is_found_by_a_fingerprint_with_reserved_characters() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let lic = license(&acct, None);
    let fp = "a/b+c% d?e#f";
    let m = create(
        &acct,
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":fp},"relationships":{"license":{"data":{"type":"licenses","id":lic["id"]}}}}}),
    );
    assert_eq!(enc(fp), "a%2Fb%2Bc%25%20d%3Fe%23f");
    let r = c.get(&acct.path(&format!("/machines/{}", enc(fp))), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], m["id"]);
    assert_eq!(r.json["data"]["attributes"]["fingerprint"], fp);
    let r = c.get(&acct.path(&format!("/machines/{}/license", enc(fp))), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], lic["id"]);
    // Bare `/v1` form, and a decoded `%25` is not decoded again.
    let r = c.get(&acct.path(&format!("/machines/{}", enc("a/b+c%25 d?e#f"))), acct.admin(), None);
    assert_eq!((r.status, r.error_code()), (404, Some("NOT_FOUND")));
}

#[test]
fn a_license_is_found_by_a_key_with_reserved_characters() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let key = "KEY+1/x%y z";
    let lic = license(&acct, Some(key));
    assert_eq!(lic["attributes"]["key"], key);
    for path in [format!("/licenses/{}", enc(key)), "/licenses/KEY+1%2Fx%25y%20z".to_owned()] {
        let r = c.get(&acct.path(&path), acct.admin(), None);
        assert_eq!(r.assert_status(200).json["data"]["id"], lic["id"], "{path}");
    }
    let r = c.get(&acct.path(&format!("/licenses/{}/actions/validate", enc(key))), acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["id"], lic["id"]);
    // `+` is a plus, not a space.
    let r = c.get(&acct.path(&format!("/licenses/{}", enc("KEY 1/x%y z"))), acct.admin(), None);
    assert_eq!(r.status, 404);
}

#[test]
fn invalid_escapes_and_non_utf8_are_400_never_a_crash() {
    let acct = server().bootstrap_account();
    let c = acct.client(); // verifies the signature: these errors are account-scoped
    for seg in ["%zz", "%4", "%", "a%g1", "%C3%28", "%FF", "%C3"] {
        let r = c.get(&acct.path(&format!("/machines/{seg}")), acct.admin(), None);
        assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")), "{seg}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"], json!({"parameter": "path"}), "{seg}");
    }
    // An undecodable account segment: no account to sign with.
    let r = server().client().unverified().get("/v1/accounts/%E0%A4/licenses", acct.admin(), None);
    assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")));
    // The isolate survived.
    c.get(&acct.path("/licenses"), acct.admin(), None).assert_status(200);
}

#[test]
fn a_served_path_with_another_method_is_405_and_an_unknown_path_404() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let lic = license(&acct, None);
    let id = lic["id"].as_str().unwrap_or_default();
    for (m, p, status, code) in [
        ("POST", format!("/licenses/{id}"), 405, "NOT_SUPPORTED"),
        ("GET", format!("/licenses/{id}/actions/suspend"), 405, "NOT_SUPPORTED"),
        ("GET", "/licenses/actions/validate-key".to_owned(), 405, "NOT_SUPPORTED"),
        ("DELETE", "/event-logs".to_owned(), 405, "NOT_SUPPORTED"),
        ("GET", "/nope".to_owned(), 404, "NOT_FOUND"),
        ("POST", format!("/licenses/{id}/actions/bogus"), 404, "NOT_FOUND"),
        ("GET", "/products/p1/entitlements".to_owned(), 404, "NOT_FOUND"),
    ] {
        let r = c.request(m, &acct.path(&p), acct.admin(), None);
        assert_eq!((r.status, r.error_code()), (status, Some(code)), "{m} {p}: {}", r.text());
    }
    // validate-key precedes `/licenses/{id}`-shaped rows.
    let r = c.post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta":{"key": lic["attributes"]["key"]}})));
    assert_eq!(r.assert_status(200).json["data"]["id"], lic["id"]);
}

/// The rows of the generated endpoint list in docs/API.md (which a native test holds equal to
/// the route table): `(methods, pattern)`.
fn documented_routes() -> Vec<(Vec<String>, String)> {
    let doc = std::fs::read_to_string(e2e::workspace_root().join("docs/API.md")).expect("docs/API.md");
    let start = doc.find("<!-- routes:begin").expect("routes:begin marker");
    let end = doc.find("<!-- routes:end -->").expect("routes:end marker");
    doc[start..end]
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let pattern = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((cells.get(1)?.split(", ").map(str::to_owned).collect(), pattern.to_owned()))
        })
        .collect()
}

/// Every documented route reaches a handler on the real runtime: none answers the router's
/// "endpoint not found" 404 or a 405 (resource 404s for the made-up ids are fine).
#[test]
fn every_documented_route_is_dispatched() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let routes = documented_routes();
    assert!(routes.len() > 80, "{} rows", routes.len());
    for (methods, pattern) in routes {
        // The raw engine's package segment is `@{package}` (Keygen's form); without the `@` the
        // path names no endpoint, which is right.
        let pattern_at = pattern.replace("/engines/raw/{product}/{package}/", "/engines/raw/{product}/@{package}/");
        let mut path = pattern_at.replace("{id}", "00000000-0000-4000-8000-000000000000").replace("{token}", "00000000-0000-4000-8000-000000000001");
        // Any other parameter (`{process}`, `{license}`…): one more made-up id.
        while let (Some(a), Some(b)) = (path.find('{'), path.find('}')) {
            if b < a {
                break;
            }
            path.replace_range(a..=b, "00000000-0000-4000-8000-000000000002");
        }
        for m in methods {
            // Exports: a streamed 200 carries no signature (docs/API.md "CSV exports").
            let c = if pattern.ends_with("/export") { acct.client().unverified() } else { c.clone() };
            let r = c.request(&m, &acct.path(path.trim_end_matches('/')), acct.admin(), None);
            let detail = r.json["errors"][0]["detail"].as_str().unwrap_or_default();
            assert!(r.status != 405 && !detail.contains("endpoint was not found"), "{m} {pattern}: {} {}", r.status, r.text());
            assert!(r.status < 500, "{m} {pattern}: {} {}", r.status, r.text());
        }
    }
}
