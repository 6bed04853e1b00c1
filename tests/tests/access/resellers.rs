//! Reseller admins (issue 10 §7, Cryptlex 3.67) on the real runtime: [`RESELLER_ADMIN_ROWS`] for
//! a `reseller-admin` user of reseller RES, logged in by password.

use serde_json::json;

use super::world::{uniq, World};

/// The reseller-admin bearer's rows: a user of role `reseller-admin` of reseller RES (POLA
/// allotted; its customer RES_U, license RES_L with machine RES_M, organization RES_O), logged
/// in by password. "Own" is RES's: everything else is someone else's (404); what it may never do
/// is 403 (caps, allotments, roles, staff, deletes of users and organizations, the catalogue);
/// lists it has no reseller scope for fail closed (403).
const RESELLER_ADMIN_ROWS: &[(&str, &str, &str, u16)] = &[
    ("GET", "/resellers", "", 200),
    ("GET", "/resellers/{RES}", "", 200),
    ("GET", "/resellers/{RES_OTHER}", "", 404),
    ("POST", "/resellers", r#"{"data":{"type":"resellers","attributes":{"name":"{uniq}"}}}"#, 403),
    ("PATCH", "/resellers/{RES}", r#"{"data":{"type":"resellers","attributes":{"allowedUsers":-1}}}"#, 403),
    ("DELETE", "/resellers/{RES}", "", 403),
    ("GET", "/resellers/{RES}/policies", "", 200),
    ("POST", "/resellers/{RES}/policies", r#"{"data":[{"type":"policies","id":"{POL*}"}]}"#, 403),
    ("DELETE", "/resellers/{RES}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, 403),
    ("GET", "/resellers/{RES}/products", "", 200),
    ("GET", "/resellers/{RES}/licenses", "", 200),
    ("GET", "/resellers/{RES}/users", "", 200),
    ("GET", "/resellers/{RES}/organizations", "", 200),
    ("GET", "/resellers/{RES_OTHER}/licenses", "", 404),
    // Licenses: of allotted policies only; its reseller's only.
    ("GET", "/licenses", "", 200),
    ("GET", "/licenses/{RES_L}", "", 200),
    ("GET", "/licenses/{LA}", "", 404),
    ("POST", "/licenses", r#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"{POLA}"}}}}}"#, 201),
    ("POST", "/licenses", r#"{"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":"{POL*}"}}}}}"#, 422),
    ("PATCH", "/licenses/{RESL*}", r#"{"data":{"type":"licenses","attributes":{"name":"N {uniq}"}}}"#, 200),
    ("PATCH", "/licenses/{L*}", r#"{"data":{"type":"licenses","attributes":{"name":"N {uniq}"}}}"#, 404),
    ("POST", "/licenses/{RESL*}/actions/suspend", "", 200),
    ("POST", "/licenses/{L*}/actions/suspend", "", 404),
    ("DELETE", "/licenses/{RESL*}", "", 204),
    ("DELETE", "/licenses/{L*}", "", 404),
    ("PUT", "/licenses/{RESL*}/owner", r#"{"data":{"type":"users","id":"{RES_U}"}}"#, 200),
    ("PUT", "/licenses/{RESL*}/owner", r#"{"data":{"type":"users","id":"{U}"}}"#, 422),
    ("PUT", "/licenses/{RESL*}/policy", r#"{"data":{"type":"policies","id":"{POLA}"}}"#, 403),
    ("PUT", "/licenses/{RESL*}/reseller", r#"{"data":null}"#, 403),
    ("GET", "/licenses/{RES_L}/reseller", "", 200),
    // Someone else's key: 403, as for user V (a validation bearer sees only its own).
    ("POST", "/licenses/actions/validate-key", r#"{"meta":{"key":"{LA_KEY}"}}"#, 403),
    // Machines of its licenses, by id.
    ("GET", "/machines/{RES_M}", "", 200),
    ("GET", "/machines/{MA}", "", 404),
    ("GET", "/machines", "", 200),
    ("GET", "/licenses/{RES_L}/machines", "", 200),
    ("GET", "/licenses/{LA}/machines", "", 404),
    // Customers: role `user`, its reseller's.
    ("GET", "/users", "", 200),
    ("GET", "/users/{RES_U}", "", 200),
    ("GET", "/users/{U}", "", 404),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com"}}}"#, 201),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"admin"}}}"#, 403),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"reseller-admin"}}}"#, 403),
    ("PATCH", "/users/{RES_U}", r#"{"data":{"type":"users","attributes":{"firstName":"Rita"}}}"#, 200),
    ("PATCH", "/users/{U}", r#"{"data":{"type":"users","attributes":{"firstName":"Rita"}}}"#, 404),
    ("PATCH", "/users/{RESU*}", r#"{"data":{"type":"users","attributes":{"role":"admin"}}}"#, 403),
    ("DELETE", "/users/{RESU*}", "", 403),
    ("PUT", "/users/{RESU*}/reseller", r#"{"data":null}"#, 403),
    ("GET", "/users/{RES_U}/reseller", "", 200),
    // Organizations: its reseller's.
    ("GET", "/organizations", "", 200),
    ("GET", "/organizations/{RES_O}", "", 200),
    ("GET", "/organizations/{ORGA}", "", 404),
    ("POST", "/organizations", r#"{"data":{"type":"organizations","attributes":{"name":"{uniq}"}}}"#, 201),
    ("PATCH", "/organizations/{RES_O}", r#"{"data":{"type":"organizations","attributes":{"description":"{uniq}"}}}"#, 200),
    ("DELETE", "/organizations/{RES_O}", "", 403),
    ("PUT", "/organizations/{RES_O}/reseller", r#"{"data":null}"#, 403),
    ("GET", "/organizations/{RES_O}/reseller", "", 200),
    ("GET", "/organizations/{RES_O}/users", "", 200),
    // Everything else of the account.
    ("GET", "", "", 403),
    ("GET", "/me", "", 200),
    ("GET", "/tokens", "", 200),
    // The lists are the account's lists limited to its reseller (tests/tests/reseller_lists.rs);
    // the catalogue: its allotted policies (POLA, not POLA2) and their product, read-only.
    ("GET", "/processes", "", 200),
    ("GET", "/processes/{PRA}", "", 404),
    ("GET", "/components", "", 200),
    ("GET", "/components/{CA}", "", 404),
    ("GET", "/licenses/export", "", 200),
    ("GET", "/machines/export", "", 200),
    ("GET", "/users/export", "", 200),
    ("GET", "/event-logs/export", "", 403),
    ("GET", "/activation-logs/export", "", 403),
    ("POST", "/search", r#"{"meta":{"type":"licenses","query":{"name":"nothing-{uniq}"}}}"#, 200),
    ("POST", "/search", r#"{"meta":{"type":"products","query":{"name":"nothing-{uniq}"}}}"#, 403),
    ("GET", "/products", "", 200),
    ("GET", "/products/{PA}", "", 200),
    ("GET", "/products/{PA}/licenses", "", 200),
    ("POST", "/products", r#"{"data":{"type":"products","attributes":{"name":"{uniq}"}}}"#, 403),
    ("PATCH", "/products/{PA}", r#"{"data":{"type":"products","attributes":{"name":"{uniq}"}}}"#, 403),
    ("GET", "/policies", "", 200),
    ("GET", "/policies/{POLA}", "", 200),
    ("GET", "/policies/{POLA2}", "", 404),
    ("GET", "/policies/{POLA}/licenses", "", 200),
    ("PATCH", "/policies/{POLA}", r#"{"data":{"type":"policies","attributes":{"name":"{uniq}"}}}"#, 403),
    ("GET", "/entitlements", "", 403),
    ("GET", "/groups", "", 403),
    ("GET", "/event-logs", "", 403),
    ("GET", "/webhook-endpoints", "", 403),
];

#[test]
fn a_reseller_admin_answers_as_its_rows_say_inside_its_reseller_only() {
    let mut w = World::new();
    let email = format!("ra-{}@example.com", uniq());
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"correct horse","role":"reseller-admin"}}});
    let r = w.c.post(&w.acct.path("/users"), w.acct.admin(), Some(body));
    let ra = r.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let to_res = json!({"data":{"type":"resellers","id":w.id("RES")}});
    w.c.put(&w.acct.path(&format!("/users/{ra}/reseller")), w.acct.admin(), Some(to_res)).assert_status(200);
    use base64::Engine as _;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:correct horse")));
    let r = w.c.post(&w.acct.path("/tokens"), Some(&basic), None);
    w.tokens[0] = Some(r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned());
    let mut failures = Vec::new();
    for (method, path, body, want) in RESELLER_ADMIN_ROWS {
        let r = w.send(method, path, body, 0);
        if r.status != *want {
            failures.push(format!("{method} {path} as reseller admin: {} (want {want}) {}", r.status, r.json["errors"][0]));
        }
    }
    assert!(failures.is_empty(), "{} of {} cells differ:\n{}", failures.len(), RESELLER_ADMIN_ROWS.len(), failures.join("\n"));
}
