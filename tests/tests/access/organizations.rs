//! Organization admins (issue 10 §7) on the real runtime: [`ORGANIZATION_ADMIN_ROWS`] for an
//! admin of ORGA and an admin of ORGB, each at home inside its own organization only.

use super::world::World;

/// The organization-admin bearer's rows, `[admin of ORGA, admin of ORGB]`: ORGA's member OM,
/// license OL (no owner) and its machine OLM are the first's own and the second's someone
/// else's (404); U, LA and MA are in no organization (404 for both); what the role may never
/// do is 403 whatever the target.
const ORGANIZATION_ADMIN_ROWS: &[(&str, &str, &str, [u16; 2])] = &[
    ("GET", "/organizations", "", [200, 200]),
    ("GET", "/organizations/{ORGA}", "", [200, 404]),
    ("GET", "/organizations/{ORGA}/users", "", [200, 404]),
    ("GET", "/organizations/{ORGA}/licenses", "", [200, 404]),
    ("POST", "/organizations", r#"{"data":{"type":"organizations","attributes":{"name":"{uniq}"}}}"#, [403, 403]),
    ("PATCH", "/organizations/{ORGA}", r#"{"data":{"type":"organizations","attributes":{"description":"{uniq}"}}}"#, [403, 403]),
    ("DELETE", "/organizations/{ORG*}", "", [403, 403]),
    ("GET", "/users", "", [200, 200]),
    ("GET", "/users/{OM}", "", [200, 404]),
    ("GET", "/users/{U}", "", [404, 404]),
    ("GET", "/users/{ADMIN}", "", [404, 404]),
    ("GET", "/users/{OM}/organization", "", [200, 404]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com"}}}"#, [201, 201]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"admin"}}}"#, [403, 403]),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"organization-admin"}}}"#, [403, 403]),
    ("PATCH", "/users/{OM}", r#"{"data":{"type":"users","attributes":{"firstName":"Olga"}}}"#, [200, 404]),
    ("PATCH", "/users/{U}", r#"{"data":{"type":"users","attributes":{"firstName":"Ulla"}}}"#, [404, 404]),
    ("PATCH", "/users/{OM*}", r#"{"data":{"type":"users","attributes":{"role":"admin"}}}"#, [403, 403]),
    ("DELETE", "/users/{OM*}", "", [204, 404]),
    ("DELETE", "/users/{U*}", "", [404, 404]),
    ("PUT", "/users/{OM*}/organization", r#"{"data":null}"#, [403, 403]),
    ("POST", "/users/{OM}/actions/ban", "", [403, 403]),
    ("GET", "/licenses", "", [200, 200]),
    ("GET", "/licenses/{OL}", "", [200, 404]),
    ("GET", "/licenses/{LA}", "", [404, 404]),
    ("GET", "/licenses/{OL}/machines", "", [200, 404]),
    ("PATCH", "/licenses/{OL}", r#"{"data":{"type":"licenses","attributes":{"name":"{uniq}"}}}"#, [403, 403]),
    ("PUT", "/licenses/{OL*}/owner", r#"{"data":{"type":"users","id":"{OM}"}}"#, [200, 404]),
    ("PUT", "/licenses/{L*}/owner", r#"{"data":{"type":"users","id":"{OM}"}}"#, [404, 404]),
    ("POST", "/licenses/{OL*}/users", r#"{"data":[{"type":"users","id":"{OM}"}]}"#, [200, 404]),
    ("DELETE", "/licenses/{OL}/users", r#"{"data":[{"type":"users","id":"{U}"}]}"#, [422, 404]),
    ("PUT", "/licenses/{OL*}/organization", r#"{"data":null}"#, [403, 403]),
    ("POST", "/licenses/{OL*}/actions/suspend", "", [403, 403]),
    ("GET", "/machines", "", [200, 200]),
    ("GET", "/machines/{OLM}", "", [200, 404]),
    ("GET", "/machines/{MA}", "", [404, 404]),
    ("PATCH", "/machines/{OLM}", r#"{"data":{"type":"machines","attributes":{"name":"{uniq}"}}}"#, [403, 404]),
    ("DELETE", "/machines/{OLM*}", "", [204, 404]),
    // An activation names its license in the body: one the bearer may not see is 422
    // LICENSE_NOT_FOUND at the relationship, as for every bearer.
    (
        "POST",
        "/machines",
        r#"{"data":{"type":"machines","attributes":{"fingerprint":"{uniq}"},"relationships":{"license":{"data":{"type":"licenses","id":"{OL}"}}}}}"#,
        [403, 422],
    ),
    ("GET", "/me", "", [200, 200]),
    ("GET", "/products", "", [403, 403]),
    ("GET", "/event-logs", "", [403, 403]),
    // Its organization's groups (G is a vendor group neither is in: 404) and machines' processes
    // and components (tests/tests/organization_groups.rs has the own/foreign cells).
    ("GET", "/groups", "", [200, 200]),
    ("POST", "/groups", r#"{"data":{"type":"groups","attributes":{"name":"{uniq}"}}}"#, [201, 201]),
    ("GET", "/groups/{G}", "", [404, 404]),
    ("PATCH", "/groups/{G}", r#"{"data":{"type":"groups","attributes":{"name":"{uniq}"}}}"#, [404, 404]),
    ("PUT", "/users/{OM*}/group", r#"{"data":{"type":"groups","id":"{G}"}}"#, [422, 404]),
    ("GET", "/processes", "", [200, 200]),
    ("GET", "/components", "", [200, 200]),
];

#[test]
fn an_organization_admin_answers_as_its_rows_say_inside_its_organization_only() {
    let mut w = World::new();
    w.tokens[0] = Some(w.id("OAT").to_owned());
    w.tokens[1] = Some(w.id("OBT").to_owned());
    let mut failures = Vec::new();
    for (method, path, body, expected) in ORGANIZATION_ADMIN_ROWS {
        for (b, want) in expected.iter().enumerate() {
            let r = w.send(method, path, body, b);
            if r.status != *want {
                let who = ["admin of ORGA", "admin of ORGB"][b];
                failures.push(format!("{method} {path} as {who}: {} (want {want}) {}", r.status, r.json["errors"][0]));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cells differ:\n{}", failures.len(), ORGANIZATION_ADMIN_ROWS.len() * 2, failures.join("\n"));
}
