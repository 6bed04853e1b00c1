//! Roles and permissions on the real runtime: the staff roles (developer, sales agent, support
//! agent, read-only) on a sample of the routes ([`STAFF_ROWS`]; `access_staff.rs` holds the
//! other route families), tokens with a permission subset (refused outside it, never
//! escalating), and two admins demoting each other at once.

use serde_json::json;

use super::world::{uniq, World};

/// The staff bearers of [`STAFF_ROWS`], in column order.
const STAFF: [&str; 4] = ["developer", "sales-agent", "support-agent", "read-only"];

/// Staff see the whole account (resources of product A are nobody's own for them, so each cell
/// is also the "foreign" cell): allowed where the role's permission set holds the action's
/// permission, else 403 before any lookup.
const STAFF_ROWS: &[(&str, &str, &str, [u16; 4])] = &[
    ("GET", "", "", [200, 200, 200, 200]),
    ("PATCH", "", r#"{"data":{"type":"accounts","attributes":{"metadata":{"tag":"{uniq}"}}}}"#, [200, 403, 403, 403]),
    ("GET", "/event-logs", "", [200, 403, 403, 200]),
    ("POST", "/tokens", "", [201, 201, 201, 201]),
    ("GET", "/products/{PA}", "", [200, 200, 200, 200]),
    ("POST", "/products", r#"{"data":{"type":"products","attributes":{"name":"P {uniq}"}}}"#, [201, 403, 403, 403]),
    ("PATCH", "/products/{PA}", r#"{"data":{"type":"products","attributes":{"name":"A {uniq}"}}}"#, [200, 403, 403, 403]),
    ("GET", "/policies/{POLA}", "", [200, 200, 200, 200]),
    ("POST", "/entitlements", r#"{"data":{"type":"entitlements","attributes":{"name":"E","code":"{uniq}"}}}"#, [201, 403, 403, 403]),
    ("GET", "/licenses", "", [200, 200, 200, 200]),
    ("GET", "/licenses/{LA}", "", [200, 200, 200, 200]),
    ("POST", "/licenses", r#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"{POLA}"}}}}}"#, [201, 201, 403, 403]),
    ("PATCH", "/licenses/{L*}", r#"{"data":{"type":"licenses","attributes":{"name":"N {uniq}"}}}"#, [200, 200, 200, 403]),
    ("POST", "/licenses/{L*}/actions/suspend", "", [200, 200, 200, 403]),
    ("DELETE", "/licenses/{L*}", "", [204, 204, 403, 403]),
    ("POST", "/licenses/actions/validate-key", r#"{"meta":{"key":"{LA_KEY}"}}"#, [200, 200, 200, 200]),
    ("GET", "/machines/{MA}", "", [200, 200, 200, 200]),
    ("DELETE", "/machines/{M*}", "", [204, 204, 403, 403]),
    ("GET", "/users", "", [200, 200, 200, 200]),
    ("GET", "/users?roles[]=developer&roles[]=read-only", "", [200, 200, 200, 200]),
    ("GET", "/users/{ADMIN}", "", [200, 200, 200, 200]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com"}}}"#, [201, 201, 403, 403]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"developer"}}}"#, [201, 403, 403, 403]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"admin"}}}"#, [403, 403, 403, 403]),
    ("PATCH", "/users/{U*}", r#"{"data":{"type":"users","attributes":{"firstName":"Ulla"}}}"#, [200, 200, 403, 403]),
    ("PATCH", "/users/{U*}", r#"{"data":{"type":"users","attributes":{"role":"support-agent"}}}"#, [200, 403, 403, 403]),
    ("PATCH", "/users/{U*}", r#"{"data":{"type":"users","attributes":{"role":"admin"}}}"#, [403, 403, 403, 403]),
    ("PATCH", "/users/{ADMIN}", r#"{"data":{"type":"users","attributes":{"firstName":"Root"}}}"#, [403, 403, 403, 403]),
    ("PATCH", "/users/{U*}", r#"{"data":{"type":"users","attributes":{"permissions":["license.read"]}}}"#, [403, 403, 403, 403]),
    ("DELETE", "/users/{U*}", "", [204, 403, 403, 403]),
    ("POST", "/users/{U*}/actions/ban", "", [200, 200, 200, 403]),
    ("POST", "/users/{U*}/tokens", "", [201, 403, 403, 403]),
    ("GET", "/webhook-endpoints", "", [200, 403, 403, 403]),
    ("GET", "/releases", "", [200, 200, 200, 200]),
    ("GET", "/openapi.json", "", [200, 200, 200, 200]),
    ("GET", "/health", "", [200, 200, 200, 200]),
    // Environments (issue 8): Keygen's `EnvironmentPolicy`; tokens for admins and developers.
    ("GET", "/environments", "", [200, 200, 200, 200]),
    ("POST", "/environments", r#"{"data":{"type":"environments","attributes":{"name":"E","code":"{uniq}"}}}"#, [201, 403, 403, 403]),
    ("PATCH", "/environments/{ENV}", r#"{"data":{"type":"environments","attributes":{"name":"E {uniq}"}}}"#, [200, 403, 403, 403]),
    ("POST", "/environments/{ENV}/tokens", "", [201, 403, 403, 403]),
    ("DELETE", "/environments/{ENV*}", "", [204, 403, 403, 403]),
    ("GET", "/environments/{ENV}/tokens", "", [200, 200, 200, 200]),
    // Organizations (issue 10 §7): every staff role reads; sales agents also move users and
    // licenses in; developers manage them.
    ("GET", "/organizations/{ORGA}", "", [200, 200, 200, 200]),
    ("POST", "/organizations", r#"{"data":{"type":"organizations","attributes":{"name":"{uniq}"}}}"#, [201, 403, 403, 403]),
    ("PUT", "/users/{U*}/organization", r#"{"data":{"type":"organizations","id":"{ORGA}"}}"#, [200, 200, 403, 403]),
    ("PUT", "/licenses/{L*}/organization", r#"{"data":{"type":"organizations","id":"{ORGA}"}}"#, [200, 200, 403, 403]),
    ("DELETE", "/organizations/{ORG*}", "", [204, 403, 403, 403]),
    // Resellers (issue 10 §7): every staff role reads; sales agents also move users and
    // licenses in; developers manage resellers, their allotments and organizations' resellers.
    ("GET", "/resellers/{RES}", "", [200, 200, 200, 200]),
    ("POST", "/resellers", r#"{"data":{"type":"resellers","attributes":{"name":"{uniq}"}}}"#, [201, 403, 403, 403]),
    ("PUT", "/users/{U*}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, [200, 200, 403, 403]),
    ("PUT", "/licenses/{L*}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, [200, 200, 403, 403]),
    ("PUT", "/organizations/{ORG*}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, [200, 403, 403, 403]),
    ("POST", "/resellers/{RES*}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, [200, 403, 403, 403]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"reseller-admin"}}}"#, [201, 403, 403, 403]),
    ("DELETE", "/resellers/{RES*}", "", [204, 403, 403, 403]),
];

/// A staff user of `role` with a password, and its token (by password login, as for admins).
fn staff_token(w: &World, role: &str) -> (String, String) {
    let email = format!("{}-{}@example.com", role, uniq());
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"correct horse","role":role}}});
    let r = w.c.post(&w.acct.path("/users"), w.acct.admin(), Some(body));
    let id = r.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    use base64::Engine as _;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:correct horse")));
    let r = w.c.post(&w.acct.path("/tokens"), Some(&basic), None);
    (id, r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn every_staff_role_answers_as_its_permission_set_says() {
    let mut w = World::new();
    let tokens: Vec<String> = STAFF.iter().map(|r| staff_token(&w, r).1).collect();
    let mut failures = Vec::new();
    for (method, path, body, expected) in STAFF_ROWS {
        for (b, want) in expected.iter().enumerate() {
            w.tokens[0] = Some(tokens[b].clone());
            let r = w.send(method, path, body, 0);
            if r.status != *want {
                failures.push(format!("{method} {path} as {}: {} (want {want}) {}", STAFF[b], r.status, r.json["errors"][0]));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cells differ:\n{}", failures.len(), STAFF_ROWS.len() * 4, failures.join("\n"));
}

#[test]
fn a_token_with_a_permission_subset_is_refused_outside_it_and_never_escalates() {
    let w = World::new();
    let tokens_of = |path: &str, token: Option<&str>, perms: serde_json::Value| {
        w.c.post(&w.acct.path(path), token, Some(json!({"data":{"type":"tokens","attributes":{"permissions":perms}}})))
    };
    // An admin mints product A a token that may only read licenses (and make tokens).
    let r = tokens_of(&format!("/products/{}/tokens", w.id("PA")), w.acct.admin(), json!(["license.read", "token.generate", "license.read"]));
    assert_eq!(r.assert_status(201).json["data"]["attributes"]["permissions"], json!(["license.read", "token.generate"]));
    let narrow = r.json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let la = w.acct.path(&format!("/licenses/{}", w.id("LA")));
    w.c.get(&la, Some(&narrow), None).assert_status(200);
    let r = w.c.patch(&la, Some(&narrow), Some(json!({"data":{"type":"licenses","attributes":{"name":"x"}}})));
    assert_eq!((r.status, r.error_code()), (403, Some("FORBIDDEN")), "{}", r.json);
    assert_eq!(w.c.get(&w.acct.path("/machines"), Some(&narrow), None).status, 403);
    // An unknown id still answers 403 (refused before the lookup, so nothing leaks).
    assert_eq!(w.c.get(&w.acct.path("/machines/00000000-0000-4000-8000-000000000000"), Some(&narrow), None).status, 403);
    // Escalation: a restricted token cannot mint more than it has, nor the wildcard.
    for (perms, at) in [(json!(["license.read", "license.update"]), 1), (json!(["*"]), 0)] {
        let r = tokens_of("/tokens", Some(&narrow), perms);
        assert_eq!((r.status, r.error_code()), (422, Some("PERMISSIONS_NOT_ALLOWED")), "{}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["pointer"], format!("/data/attributes/permissions/{at}"));
    }
    // Without `permissions` its new token is as narrow as itself.
    let r = w.c.post(&w.acct.path("/tokens"), Some(&narrow), None);
    assert_eq!(r.assert_status(201).json["data"]["attributes"]["permissions"], json!(["license.read", "token.generate"]));
    // A product token never carries what a product may never do; unknown names are refused.
    for (perms, code) in
        [(json!(["product.create"]), "PERMISSIONS_NOT_ALLOWED"), (json!(["license.fly"]), "PERMISSIONS_NOT_ALLOWED"), (json!("*"), "PERMISSIONS_INVALID")]
    {
        let r = tokens_of(&format!("/products/{}/tokens", w.id("PA")), w.acct.admin(), perms);
        assert_eq!((r.status, r.error_code()), (422, Some(code)), "{}", r.json);
    }
    // A read-only user's token may not carry a write; its default renders the wildcard.
    let (_, ro) = staff_token(&w, "read-only");
    let r = tokens_of("/tokens", Some(&ro), json!(["license.create"]));
    assert_eq!((r.status, r.error_code()), (422, Some("PERMISSIONS_NOT_ALLOWED")), "{}", r.json);
    let r = tokens_of("/tokens", Some(&ro), json!(["license.read"]));
    assert_eq!(r.assert_status(201).json["data"]["attributes"]["permissions"], json!(["license.read"]));
    // A developer cannot make itself admin, nor set permissions; an admin can set them.
    let (dev_id, dev) = staff_token(&w, "developer");
    let me = w.acct.path(&format!("/users/{dev_id}"));
    let r = w.c.patch(&me, Some(&dev), Some(json!({"data":{"type":"users","attributes":{"role":"admin"}}})));
    assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (403, Some("/data/attributes/role")), "{}", r.json);
    let r = w.c.get(&me, w.acct.admin(), None);
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["role"], "developer");
    let u = w.acct.path(&format!("/users/{}", w.id("U")));
    let set = |perms: serde_json::Value, token: Option<&str>| w.c.patch(&u, token, Some(json!({"data":{"type":"users","attributes":{"permissions":perms}}})));
    assert_eq!(set(json!(["license.read"]), Some(&dev)).status, 403);
    // A user never holds what its role does not allow.
    let r = set(json!(["license.read", "user.create"]), w.acct.admin());
    assert_eq!((r.status, r.error_code()), (422, Some("PERMISSIONS_NOT_ALLOWED")), "{}", r.json);
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/permissions/1");
    let r = set(json!(["license.read"]), w.acct.admin());
    assert_eq!(r.assert_status(200).json["data"]["attributes"]["permissions"], json!(["license.read"]));
    // User U's existing token now reads licenses but no longer lists machines.
    let ut = w.tokens[3].clone();
    w.c.get(&la, ut.as_deref(), None).assert_status(200);
    assert_eq!(w.c.get(&w.acct.path("/machines"), ut.as_deref(), None).status, 403);
    let r = set(serde_json::Value::Null, w.acct.admin());
    assert!(r.assert_status(200).json["data"]["attributes"]["permissions"].as_array().is_some_and(|p| p.len() > 1));
    w.c.get(&w.acct.path("/machines"), ut.as_deref(), None).assert_status(200);
    // The roles filter.
    let r = w.c.get(&w.acct.path("/users?roles[]=developer&roles[]=read-only"), w.acct.admin(), None);
    let roles: Vec<&str> = r.assert_status(200).json["data"].as_array().map_or(vec![], |a| a.iter().filter_map(|u| u["attributes"]["role"].as_str()).collect());
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!(roles.iter().all(|r| *r == "developer" || *r == "read-only"));
}
#[test]
fn two_admins_demoting_each_other_at_once_leave_one() {
    let w = World::new();
    let email = format!("second-{}@example.com", uniq());
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"correct horse","role":"admin"}}});
    let second = w.c.post(&w.acct.path("/users"), w.acct.admin(), Some(body)).assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    use base64::Engine as _;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:correct horse")));
    let second_token =
        w.c.post(&w.acct.path("/tokens"), Some(&basic), None).assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let demote = json!({"data":{"type":"users","attributes":{"role":"developer"}}});
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|s| {
        let a = s.spawn(|| w.c.patch(&w.acct.path(&format!("/users/{second}")), w.acct.admin(), Some(demote.clone())));
        let b = s.spawn(|| w.c.patch(&w.acct.path(&format!("/users/{}", w.acct.admin_id)), Some(&second_token), Some(demote.clone())));
        [a, b].into_iter().map(|h| h.join().map(|r| (r.status, r.error_code().map(str::to_owned))).unwrap_or((0, None))).collect()
    });
    assert_eq!(statuses.iter().filter(|(s, _)| *s == 200).count(), 1, "{statuses:?}");
    assert!(
        statuses.iter().any(|(s, c)| *s == 422 && c.as_deref() == Some("ACCOUNT_ADMINS_REQUIRED")) || statuses.iter().any(|(s, _)| *s == 403),
        "{statuses:?}"
    );
    // Whoever won, exactly one admin is left.
    let r = w.c.get(&w.acct.path("/users?roles[]=admin"), w.acct.admin().filter(|_| statuses[1].0 != 200).or(Some(&second_token)), None);
    assert_eq!(r.assert_status(200).json["data"].as_array().map_or(0, Vec::len), 1, "{}", r.json);
}
