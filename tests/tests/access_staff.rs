//! The access table on the real runtime, continued (`access.rs` holds the eight-bearer table,
//! `access/staff.rs` the first staff rows): the staff roles (developer, sales agent, support
//! agent, read-only) on the route families `access/staff.rs`'s `STAFF_ROWS` does not sample —
//! key pools, organizations and resellers beyond their reads, processes and components, groups,
//! request and event logs — and an environment token on the reseller routes
//! `access/environments.rs` leaves out (it acts as admin inside its environment, where the
//! account's global records are not found: 404). Staff see the whole account, so each cell is
//! also the "foreign" cell: allowed where the role's set holds the action's permission
//! (`shared/src/access/names.rs`), else 403. `shared/src/access/tests.rs` holds the same rows
//! against the table itself.

#[path = "access/world.rs"]
mod world;

use serde_json::json;
use world::{uniq, World};

/// The staff bearers of [`STAFF_ROWS`], in column order.
const STAFF: [&str; 4] = ["developer", "sales-agent", "support-agent", "read-only"];

const READ: [u16; 4] = [200, 200, 200, 200];
const DEVELOPER: [u16; 4] = [200, 403, 403, 403];

/// `(method, path, body, [developer, sales agent, support agent, read-only])`.
const STAFF_ROWS: &[(&str, &str, &str, [u16; 4])] = &[
    // Key pools (issue 8): every role reads (`key.read`); only developers write.
    ("GET", "/keys", "", READ),
    ("GET", "/keys/{KA}", "", READ),
    ("GET", "/keys/{KA}/policy", "", READ),
    ("GET", "/keys/{KA}/product", "", READ),
    ("GET", "/policies/{POLPA}/pool", "", READ),
    ("GET", "/policies/{POLPA}/pool/{KA}", "", READ),
    (
        "POST",
        "/keys",
        r#"{"data":{"type":"keys","attributes":{"key":"pool-{uniq}"},"relationships":{"policy":{"data":{"type":"policies","id":"{POLPA}"}}}}}"#,
        [201, 403, 403, 403],
    ),
    ("PATCH", "/keys/{KA}", r#"{"data":{"type":"keys","attributes":{"key":"pool-{uniq}"}}}"#, DEVELOPER),
    ("PUT", "/keys/{KA}", r#"{"data":{"type":"keys","attributes":{"key":"pool-{uniq}"}}}"#, DEVELOPER),
    ("DELETE", "/keys/{K*}", "", [204, 403, 403, 403]),
    ("DELETE", "/policies/{POLPK*}/pool", "", DEVELOPER),
    // Organizations (issue 10 §7): reads for all; only developers change them.
    ("GET", "/organizations", "", READ),
    ("GET", "/organizations/{ORGA}/users", "", READ),
    ("GET", "/organizations/{ORGA}/licenses", "", READ),
    ("GET", "/organizations/{ORGA}/reseller", "", READ),
    ("GET", "/users/{U}/organization", "", READ),
    ("GET", "/licenses/{LA}/organization", "", READ),
    ("PATCH", "/organizations/{ORGA}", r#"{"data":{"type":"organizations","attributes":{"description":"{uniq}"}}}"#, DEVELOPER),
    ("PUT", "/organizations/{ORGA}", r#"{"data":{"type":"organizations","attributes":{"description":"{uniq}"}}}"#, DEVELOPER),
    // Resellers (issue 10 §7): reads for all; developers manage resellers and allotments.
    ("GET", "/resellers", "", READ),
    ("GET", "/resellers/{RES}/policies", "", READ),
    ("GET", "/resellers/{RES}/products", "", READ),
    ("GET", "/resellers/{RES}/licenses", "", READ),
    ("GET", "/resellers/{RES}/users", "", READ),
    ("GET", "/resellers/{RES}/organizations", "", READ),
    ("GET", "/users/{U}/reseller", "", READ),
    ("GET", "/licenses/{LA}/reseller", "", READ),
    ("PATCH", "/resellers/{RES}", r#"{"data":{"type":"resellers","attributes":{"description":"{uniq}"}}}"#, DEVELOPER),
    ("DELETE", "/resellers/{RESP*}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, [204, 403, 403, 403]),
    // Processes and components: as their machine (`machine.update`, `machine.heartbeat.ping`).
    ("GET", "/processes", "", READ),
    ("GET", "/processes/{PRA}", "", READ),
    ("PATCH", "/processes/{PRA}", r#"{"data":{"type":"processes","attributes":{"metadata":{"k":"{uniq}"}}}}"#, [200, 200, 200, 403]),
    ("PUT", "/processes/{PRA}", r#"{"data":{"type":"processes","attributes":{"metadata":{"k":"{uniq}"}}}}"#, [200, 200, 200, 403]),
    ("POST", "/processes/{PRA}/actions/ping", "", DEVELOPER),
    ("DELETE", "/processes/{PR*}", "", [204, 204, 204, 403]),
    ("GET", "/components", "", READ),
    ("GET", "/components/{CA}", "", READ),
    ("PATCH", "/components/{CA}", r#"{"data":{"type":"components","attributes":{"name":"cpu {uniq}"}}}"#, [200, 200, 200, 403]),
    // Groups, entitlements, logs and webhooks.
    ("GET", "/groups/{G}", "", READ),
    ("POST", "/groups", r#"{"data":{"type":"groups","attributes":{"name":"{uniq}"}}}"#, [201, 403, 403, 403]),
    ("GET", "/entitlements", "", READ),
    ("GET", "/event-logs/{EV}", "", [200, 403, 403, 200]),
    ("GET", "/request-logs", "", [200, 403, 403, 200]),
    ("GET", "/webhook-endpoints/{W}", "", [200, 403, 403, 403]),
];

/// A staff user of `role` with a password, and its token (by password login, as for admins).
fn staff_token(w: &World, role: &str) -> String {
    let email = format!("{}-{}@example.com", role, uniq());
    let body = json!({"data":{"type":"users","attributes":{"email":email,"password":"correct horse","role":role}}});
    w.c.post(&w.acct.path("/users"), w.acct.admin(), Some(body)).assert_status(201);
    use base64::Engine as _;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:correct horse")));
    let r = w.c.post(&w.acct.path("/tokens"), Some(&basic), None);
    r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn every_staff_role_answers_pools_organizations_resellers_and_fleet_routes_as_its_set_says() {
    let mut w = World::new();
    let tokens: Vec<String> = STAFF.iter().map(|r| staff_token(&w, r)).collect();
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

/// An environment token's answers on the reseller routes `access/environments.rs`'s
/// `ENVIRONMENT_ROWS` leaves out: it acts as admin inside its environment (issue 8), where the
/// account's global reseller, organization, users and licenses are not found.
const ENVIRONMENT_RESELLER_ROWS: &[(&str, &str, &str, u16)] = &[
    ("DELETE", "/resellers/{RES}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, 404),
    ("GET", "/resellers/{RES}/products", "", 404),
    ("GET", "/resellers/{RES}/users", "", 404),
    ("GET", "/resellers/{RES}/organizations", "", 404),
    ("GET", "/users/{U}/reseller", "", 404),
    ("GET", "/licenses/{LA}/reseller", "", 404),
    ("GET", "/organizations/{ORGA}/reseller", "", 404),
    ("PUT", "/organizations/{ORGA}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, 404),
    // Key pools and processes are in Keygen's environment set; the account's are not inside it.
    ("GET", "/keys", "", 200),
    ("GET", "/keys/{KA}", "", 404),
    ("PATCH", "/processes/{PRA}", r#"{"data":{"type":"processes","attributes":{"metadata":{}}}}"#, 404),
];

#[test]
fn an_environment_token_finds_none_of_the_accounts_resellers_inside_its_environment() {
    let mut w = World::new();
    let env = w.id("ENV").to_owned();
    let r = w.c.post(&w.acct.path(&format!("/environments/{env}/tokens")), w.acct.admin(), None);
    w.tokens[0] = Some(r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned());
    let inside = w.acct.client().in_environment(&env);
    let mut failures = Vec::new();
    for (method, path, body, want) in ENVIRONMENT_RESELLER_ROWS {
        let r = w.send_with(&inside, method, path, body, 0);
        if r.status != *want {
            failures.push(format!("{method} {path} as environment: {} (want {want}) {}", r.status, r.json["errors"][0]));
        }
    }
    assert!(failures.is_empty(), "{} of {} cells differ:\n{}", failures.len(), ENVIRONMENT_RESELLER_ROWS.len(), failures.join("\n"));
}
