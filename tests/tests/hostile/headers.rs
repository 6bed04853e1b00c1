//! Hostile request headers and selectors: the activation-rule headers a validation reads, and
//! `Keygen-Environment` / `?environment=` selectors (with hostile environment documents).

use e2e::server;
use serde_json::json;

use super::{assert_alive, assert_client_error};

// --- Activation rules on validation (issue 10 follow-up, branch rules): the rule headers a
// validation now reads. Each answer is a signed 4xx or a 200 validation, never a 5xx. ---
#[test]
fn hostile_rule_headers_on_validation_are_client_errors_or_validations() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let product = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"App"}}})));
    let rules = json!({"name":"R","allowedIpRanges":["0.0.0.0/0"],"allowedCountries":["US"],"allowedClockOffset":10});
    let rel = json!({"product":{"data":{"type":"products","id":product.json["data"]["id"]}}});
    let policy = c.post(&acct.path("/policies"), acct.admin(), Some(json!({"data":{"type":"policies","attributes":rules,"relationships":rel}})));
    let rel = json!({"policy":{"data":{"type":"policies","id":policy.json["data"]["id"]}}});
    let l = c.post(&acct.path("/licenses"), acct.admin(), Some(json!({"data":{"type":"licenses","relationships":rel}})));
    let key = l.assert_status(201).json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned();
    let body = json!({"meta":{"key":key,"scope":{"fingerprint":"x"}}}).to_string();
    let long = "9".repeat(4000);
    let junk = ["", " ", "9999999999999999999999", "2024-13-45T99:99:99Z", "-1", "::::", "1.2.3.4.5", "US,DE", "../../etc", long.as_str()];
    for v in junk {
        for h in ["Latchkey-Client-Clock", "Latchkey-Test-Country", "CF-Connecting-IP"] {
            let headers = [("Content-Type", "application/vnd.api+json"), ("Accept", "application/vnd.api+json"), (h, v)];
            let r = c.raw("POST", &acct.path("/licenses/actions/validate-key"), &headers, Some(body.as_bytes()));
            if r.status == 200 {
                assert_eq!(r.json["meta"]["valid"], false, "{h}: {v:?}: {}", r.json);
            } else {
                assert_client_error(&acct, &r, &format!("validate-key with {h}: {v:?}"));
            }
        }
    }
    assert_alive(&acct);
}

/// Environments (issue 8): hostile `Keygen-Environment` headers and `environment` parameters
/// are a signed 400 `ENVIRONMENT_INVALID` naming their source (never a 5xx, never another
/// account's or a tenant's records), and hostile environment documents write nothing.
#[test]
fn hostile_environment_selectors_are_precise_errors() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let r = c.post(&acct.path("/environments"), acct.admin(), Some(json!({"data":{"type":"environments","attributes":{"name":"S","code":"sandbox"}}})));
    let eid = r.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let tenant = format!("{}.{eid}", acct.id);
    let long = "e".repeat(2_000);
    let values = [
        "%00",
        "'; DROP TABLE environments; --",
        " sandbox",
        "SANDBOX",
        "sand%",
        "ü",
        "null",
        tenant.as_str(),
        long.as_str(),
        "00000000-0000-4000-8000-000000000000",
    ];
    let admin = format!("Bearer {}", acct.admin_token);
    for v in values {
        let q: String = v.bytes().map(|b| format!("%{b:02X}")).collect();
        let r = c.get(&format!("{}?environment={q}", acct.path("/licenses")), acct.admin(), None);
        assert_client_error(&acct, &r, &format!("?environment={:?}", &v[..v.len().min(40)]));
        assert_eq!(r.json["errors"][0]["source"]["parameter"], "environment", "{v:?}");
        // Header values are visible ASCII, and HTTP trims their surrounding whitespace.
        if !v.is_ascii() || v.starts_with(' ') {
            continue;
        }
        let headers = [("Accept", "application/vnd.api+json"), ("Authorization", admin.as_str()), ("Keygen-Environment", v)];
        let r = c.raw("GET", &acct.path("/licenses"), &headers, None);
        assert_client_error(&acct, &r, &format!("Keygen-Environment {:?}", &v[..v.len().min(40)]));
        if r.status == 400 {
            assert_eq!(r.error_code(), Some("ENVIRONMENT_INVALID"), "{v:?}");
            assert_eq!(r.json["errors"][0]["source"]["header"], "Keygen-Environment");
        }
    }
    for body in [
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"a/b"}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"a.b"}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"c".repeat(256)}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok","isolationStrategy":"isolated"}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok","isolationStrategy":null}}}),
        json!({"data":{"type":"environments","attributes":{"name":7,"code":"ok"}}}),
        // Environments' founding admins (issue 8): `relationships.admins`.
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":{}}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[null]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users"}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":["a@b.c"]}}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"a@b.c","role":"read-only"}}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"a@b.c","password":"short"}}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"a@b.c","metadata":"x"}}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"a@b.c"}},{"type":"users","attributes":{"email":"A@B.C"}}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"licenses","attributes":{"email":"a@b.c"}}]}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":(0..11).map(|i| json!({"type":"users","attributes":{"email":format!("a{i}@b.c")}})).collect::<Vec<_>>()}}}}),
        json!({"data":{"type":"environments","attributes":{"name":"x","code":"ok"},"relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"a@b.c"}}]},"owners":{"data":[]}}}}),
        // end environments' founding admins
    ] {
        let r = c.post(&acct.path("/environments"), acct.admin(), Some(body.clone()));
        assert_client_error(&acct, &r, &format!("POST /environments {body}"));
    }
    let r = c.get(&acct.path("/environments"), acct.admin(), None);
    assert_eq!(r.json["data"].as_array().map(Vec::len), Some(1), "a hostile document wrote an environment");
    assert_alive(&acct);
}
