//! Hostile attributes on create that must be precise errors and write nothing: roles and
//! permissions, key-scheme seeds and signature algorithms, and `relationships.organization`.

use e2e::{assert_signed, server};
use serde_json::json;

use super::{assert_alive, assert_client_error};

// --- Roles and permissions ---
#[test]
fn hostile_roles_and_permissions_are_precise_errors_and_write_nothing() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    // Every role, staff included (the default list holds users only).
    let all_roles = "roles[]=admin&roles[]=developer&roles[]=sales-agent&roles[]=support-agent&roles[]=read-only&roles[]=user";
    let users = || c.get(&acct.path(&format!("/users?limit=100&{all_roles}")), acct.admin(), None).json["data"].as_array().map_or(0, Vec::len);
    let before = users();
    let many: Vec<String> = (0..5000).map(|i| format!("license.read{i}")).collect();
    for perms in [
        json!(1),
        json!("license.read"),
        json!({"a": 1}),
        json!([1]),
        json!([null]),
        json!(["nope"]),
        json!(["license.read\u{0}"]),
        json!(many),
        json!([["*"]]),
    ] {
        let body = json!({"data":{"type":"users","attributes":{"email":format!("h-{}@example.com", e2e::unique_tag()),"permissions":perms}}});
        let r = c.post(&acct.path("/users"), acct.admin(), Some(body));
        assert!(r.status == 422 || r.status == 413, "{}", r.text());
        assert_signed(&r, &acct.public_key_hex);
        if r.status == 422 {
            let at = r.json["errors"][0]["source"]["pointer"].as_str().unwrap_or_default();
            assert!(at.starts_with("/data/attributes/permissions"), "{}", r.text());
        }
        let r = c.post(&acct.path("/tokens"), acct.admin(), Some(json!({"data":{"type":"tokens","attributes":{"permissions":perms}}})));
        assert!(r.status == 422 || r.status == 413, "{}", r.text());
    }
    for role in ["ADMIN", "sales_agent", "", "root", "admin\u{0}", "read-only "] {
        let body = json!({"data":{"type":"users","attributes":{"email":format!("h-{}@example.com", e2e::unique_tag()),"role":role}}});
        let r = c.post(&acct.path("/users"), acct.admin(), Some(body));
        assert_eq!((r.status, r.error_code()), (422, Some("ROLE_NOT_ALLOWED")), "{role:?}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/role");
    }
    assert_eq!(users(), before, "no user was written");
    let long = format!("roles[]={}", "a".repeat(8_000));
    for q in ["roles[]=root", "roles[]=%00", "roles[]=admin%27--", "role=ADMIN", "roles[]=user&roles[]=", long.as_str()] {
        let r = c.get(&acct.path(&format!("/users?{q}")), acct.admin(), None);
        assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")), "{q}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["parameter"], "roles[]");
    }
    c.get(&acct.path("/users?roles[]=read-only&roles[]=admin"), acct.admin(), None).assert_status(200);
}
// --- end Roles and permissions ---

// --- Key schemes (issue 8): seeds a scheme cannot carry, unknown signature algorithms. ---

#[test]
fn hostile_scheme_seeds_and_signature_algorithms_are_precise_errors_and_write_nothing() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let p = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"Hostile schemes"}}})));
    p.assert_status(201);
    let product = p.json["data"]["id"].clone();
    let policy = |scheme: &str| {
        let r = c.post(
            &acct.path("/policies"),
            acct.admin(),
            Some(json!({"data":{"type":"policies","attributes":{"name":scheme,"scheme":scheme},"relationships":{"product":{"data":{"type":"products","id":product}}}}})),
        );
        r.assert_status(201);
        r.json["data"]["id"].as_str().unwrap().to_owned()
    };
    let encrypt = policy("RSA_2048_PKCS1_ENCRYPT");
    let jwt = policy("RSA_2048_JWT_RS256");
    for (pol, key, code) in [
        (&encrypt, json!("x".repeat(246)), "KEY_BYTE_SIZE_EXCEEDED"),
        (&encrypt, json!("é".repeat(123)), "KEY_BYTE_SIZE_EXCEEDED"),
        (&jwt, json!("[1, 2, 3]"), "KEY_JWT_CLAIMS_INVALID"),
        (&jwt, json!("\"a string\""), "KEY_JWT_CLAIMS_INVALID"),
        (&jwt, json!("{\"unterminated\": "), "KEY_JWT_CLAIMS_INVALID"),
        (&jwt, json!("{{id}} is not json"), "KEY_JWT_CLAIMS_INVALID"),
    ] {
        let r = c.post(
            &acct.path("/licenses"),
            acct.admin(),
            Some(json!({"data":{"type":"licenses","attributes":{"key":key},"relationships":{"policy":{"data":{"type":"policies","id":pol}}}}})),
        );
        assert_eq!((r.status, r.error_code()), (422, Some(code)), "{key}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"], json!({"pointer": "/data/attributes/key"}));
    }
    let r = c.get(&acct.path("/licenses"), acct.admin(), None);
    assert_eq!(r.json["data"].as_array().map(Vec::len), Some(0), "nothing was written");
    let r = c.post(
        &acct.path("/policies"),
        acct.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":"legacy","scheme":"LEGACY_ENCRYPT"},"relationships":{"product":{"data":{"type":"products","id":product}}}}})),
    );
    assert_eq!((r.status, r.error_code()), (422, Some("SCHEME_NOT_ALLOWED")), "{}", r.text());
    let auth = format!("Bearer {}", acct.admin_token);
    for header in [
        r#"algorithm="rsa-sha512""#,
        r#"algorithm="RSA""#,
        r#"algorithm="ecdsa-p384""#,
        r#"algorithm="rsa-pss-sha256", algorithm="ed25519""#,
        "algorithm=rsa-sha256",
    ] {
        let r = c.clone().unverified().raw("GET", &acct.path("/licenses"), &[("Authorization", &auth), ("Keygen-Accept-Signature", header)], None);
        assert_eq!((r.status, r.error_code()), (400, Some("SIGNATURE_INVALID")), "{header}");
        e2e::assert_signed(&r, &acct.public_key_hex);
    }
    for (field, bad) in [
        ("signatureAlgorithm", json!("rsa-sha512")),
        ("signatureAlgorithm", json!("Ed25519")),
        ("signatureAlgorithm", json!(null)),
        ("signatureAlgorithm", json!(1)),
    ] {
        let r = c.post(
            &acct.path("/webhook-endpoints"),
            acct.admin(),
            Some(json!({"data":{"type":"webhook-endpoints","attributes":{"url":"https://example.com/h", field: bad}}})),
        );
        assert!(matches!(r.status, 400 | 422), "{bad}: {}", r.text());
    }
}
// --- end key schemes ---

// --- organization admins (issue 10 §7): `relationships.organization` on create, hostile. ---
#[test]
fn hostile_organizations_on_create_are_precise_errors_and_write_nothing() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let count = |path: &str| c.get(&acct.path(&format!("{path}?limit=100")), acct.admin(), None).json["data"].as_array().map_or(0, Vec::len);
    let o = c.post(&acct.path("/organizations"), acct.admin(), Some(json!({"data":{"type":"organizations","attributes":{"name":"O","allowedUsers":0}}})));
    let full = o.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let product = c.post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"P"}}})));
    let product = product.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let policy = c.post(
        &acct.path("/policies"),
        acct.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":"P"},"relationships":{"product":{"data":{"type":"products","id":product}}}}})),
    );
    let policy = policy.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let (users, licenses) = (count("/users"), count("/licenses"));
    let long = "o".repeat(70_000);
    let hostile = [
        json!(1),
        json!([]),
        json!({"data": 1}),
        json!({"data": []}),
        json!({"data": {"type": "users", "id": full}}),
        json!({"data": {"type": "organizations"}}),
        json!({"data": {"type": "organizations", "id": 7}}),
        json!({"data": {"type": "organizations", "id": null}}),
        json!({"data": {"type": "organizations", "id": "x\u{0}y"}}),
        json!({"data": {"type": "organizations", "id": "%27 OR 1=1 --"}}),
        json!({"data": {"type": "organizations", "id": long}}),
        // Full (allowedUsers 0) for users; it exists for licenses.
        json!({"data": {"type": "organizations", "id": full}}),
    ];
    for (i, rel) in hostile.iter().enumerate() {
        let body = json!({"data":{"type":"users","attributes":{"email":format!("h-{}@example.com", e2e::unique_tag())},"relationships":{"organization":rel}}});
        let r = c.post(&acct.path("/users"), acct.admin(), Some(body));
        assert_client_error(&acct, &r, &format!("POST /users organization #{i}"));
        let at = r.json["errors"][0]["source"]["pointer"].as_str().unwrap_or_default();
        assert!(at.starts_with("/data/relationships/organization") || r.status == 413, "#{i}: {}", r.text());
        if i + 1 < hostile.len() {
            let body = json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}},"organization":rel}}});
            let r = c.post(&acct.path("/licenses"), acct.admin(), Some(body));
            assert_client_error(&acct, &r, &format!("POST /licenses organization #{i}"));
        }
        // PATCH never takes one.
        let body = json!({"data":{"type":"users","relationships":{"organization":rel}}});
        let r = c.patch(&acct.path(&format!("/users/{}", acct.admin_id)), acct.admin(), Some(body));
        assert_client_error(&acct, &r, &format!("PATCH /users organization #{i}"));
    }
    assert_eq!((count("/users"), count("/licenses")), (users, licenses), "nothing was written");
    assert_alive(&acct);
}
// --- end organization admins ---
