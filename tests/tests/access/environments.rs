//! An environment token (issue 8, Keygen EE) on the real runtime: [`ENVIRONMENT_ROWS`], sent
//! with `Keygen-Environment` naming its environment, and 401 `TOKEN_INVALID` on every row
//! without that header.

use super::world::World;

/// The environment bearer's rows: a token of environment ENV (isolated), sent with
/// `Keygen-Environment` naming it. Its own environment is its whole world (Keygen's environment
/// permission set on the admin's rows, organizations and resellers included); the account's
/// global records and other environments are someone else's (404); environments are managed
/// from the global environment only (403) and listed by staff only (Keygen's
/// `EnvironmentPolicy#index?`).
const ENVIRONMENT_ROWS: &[(&str, &str, &str, u16)] = &[
    ("GET", "/environments", "", 403),
    ("GET", "/environments/{ENV}", "", 200),
    ("GET", "/environments/{ENV_OTHER}", "", 404),
    ("GET", "/environments/{ENV}/tokens", "", 200),
    ("GET", "/environments/{ENV_OTHER}/tokens", "", 404),
    ("GET", "/environments/{ENV}/tokens/{TPA}", "", 404),
    ("POST", "/environments", r#"{"data":{"type":"environments","attributes":{"name":"E","code":"{uniq}"}}}"#, 403),
    ("PATCH", "/environments/{ENV}", r#"{"data":{"type":"environments","attributes":{"name":"E {uniq}"}}}"#, 403),
    ("DELETE", "/environments/{ENV}", "", 403),
    ("POST", "/environments/{ENV}/tokens", "", 403),
    ("GET", "", "", 200),
    ("PATCH", "", r#"{"data":{"type":"accounts","attributes":{"metadata":{"tag":"{uniq}"}}}}"#, 403),
    ("GET", "/products", "", 200),
    ("GET", "/products/{PA}", "", 404),
    ("POST", "/products", r#"{"data":{"type":"products","attributes":{"name":"P {uniq}"}}}"#, 201),
    ("GET", "/licenses", "", 200),
    ("GET", "/licenses/{LA}", "", 404),
    ("POST", "/licenses/actions/validate-key", r#"{"meta":{"key":"{LA_KEY}"}}"#, 200),
    ("GET", "/users", "", 200),
    ("GET", "/users/{U}", "", 404),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com"}}}"#, 201),
    ("POST", "/users", r#"{"data":{"type":"users","attributes":{"email":"{uniq}@example.com","role":"admin"}}}"#, 403),
    ("PATCH", "/users/{U}", r#"{"data":{"type":"users","attributes":{"role":"admin"}}}"#, 403),
    ("GET", "/machines/{MA}", "", 404),
    ("GET", "/tokens", "", 200),
    ("GET", "/tokens/{TPA}", "", 404),
    ("GET", "/event-logs", "", 200),
    ("GET", "/webhook-endpoints", "", 200),
    ("GET", "/request-logs", "", 200),
    ("GET", "/entitlements", "", 200),
    ("POST", "/entitlements", r#"{"data":{"type":"entitlements","attributes":{"name":"E","code":"{uniq}"}}}"#, 201),
    ("GET", "/groups/{G}", "", 404),
    // `GET /me` answers the environment (as Keygen).
    ("GET", "/me", "", 200),
    // Per-child relationship routes, group owners and organizations (issue 8): the account's
    // global parents are not found inside the environment, whatever the child.
    ("GET", "/users/{U}/machines/{MA}", "", 404),
    ("GET", "/users/{U}/products/{PA}", "", 404),
    ("GET", "/products/{PA}/users/{U}", "", 404),
    ("GET", "/groups/{G}/users/{U}", "", 404),
    ("GET", "/licenses/{LA}/users/{U}", "", 404),
    ("GET", "/licenses/{LA}/entitlements/{E}", "", 404),
    ("GET", "/policies/{POLA}/entitlements/{E}", "", 404),
    ("GET", "/groups/{G}/owners", "", 404),
    ("POST", "/groups/{G}/owners", r#"{"data":[{"type":"users","id":"{U}"}]}"#, 404),
    ("GET", "/groups/{G}/owners/{U}", "", 404),
    ("DELETE", "/groups/{G}/owners", r#"{"data":[{"type":"users","id":"{U}"}]}"#, 404),
    // Organizations and resellers (Latchkey families; an environment token acts as admin inside
    // its environment, issue 8): the environment's own are listed and made there; the
    // account's global ones are not found inside.
    ("GET", "/organizations", "", 200),
    ("POST", "/organizations", r#"{"data":{"type":"organizations","attributes":{"name":"{uniq}"}}}"#, 201),
    ("GET", "/organizations/{ORGA}", "", 404),
    ("PATCH", "/organizations/{ORGA}", r#"{"data":{"type":"organizations","attributes":{"description":"{uniq}"}}}"#, 404),
    ("DELETE", "/organizations/{ORGA}", "", 404),
    ("GET", "/organizations/{ORGA}/users", "", 404),
    ("GET", "/organizations/{ORGA}/licenses", "", 404),
    ("GET", "/users/{U}/organization", "", 404),
    ("PUT", "/users/{U}/organization", r#"{"data":{"type":"organizations","id":"{ORGA}"}}"#, 404),
    ("GET", "/licenses/{LA}/organization", "", 404),
    ("PUT", "/licenses/{LA}/organization", r#"{"data":{"type":"organizations","id":"{ORGA}"}}"#, 404),
    ("GET", "/resellers", "", 200),
    ("POST", "/resellers", r#"{"data":{"type":"resellers","attributes":{"name":"{uniq}","allowedUsers":5}}}"#, 201),
    ("GET", "/resellers/{RES}", "", 404),
    ("PATCH", "/resellers/{RES}", r#"{"data":{"type":"resellers","attributes":{"description":"{uniq}"}}}"#, 404),
    ("DELETE", "/resellers/{RES}", "", 404),
    ("GET", "/resellers/{RES}/policies", "", 404),
    ("POST", "/resellers/{RES}/policies", r#"{"data":[{"type":"policies","id":"{POLA}"}]}"#, 404),
    ("GET", "/resellers/{RES}/licenses", "", 404),
    ("PUT", "/users/{U}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, 404),
    ("PUT", "/licenses/{LA}/reseller", r#"{"data":{"type":"resellers","id":"{RES}"}}"#, 404),
    // end per-child relationship routes
];

#[test]
fn an_environment_token_answers_as_its_permission_set_says_inside_its_environment_only() {
    let mut w = World::new();
    let env = w.id("ENV").to_owned();
    let r = w.c.post(&w.acct.path(&format!("/environments/{env}/tokens")), w.acct.admin(), None);
    let token = r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    w.tokens[0] = Some(token.clone());
    let inside = w.acct.client().in_environment(&env);
    let mut failures = Vec::new();
    for (method, path, body, want) in ENVIRONMENT_ROWS {
        let r = w.send_with(&inside, method, path, body, 0);
        if r.status != *want {
            failures.push(format!("{method} {path} as environment: {} (want {want}) {}", r.status, r.json["errors"][0]));
        }
    }
    assert!(failures.is_empty(), "{} of {} cells differ:\n{}", failures.len(), ENVIRONMENT_ROWS.len(), failures.join("\n"));
    // Without the header the token is nobody's: 401 TOKEN_INVALID on every route.
    for (method, path, body, _) in ENVIRONMENT_ROWS {
        let r = w.send(method, path, body, 0);
        assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_INVALID")), "{method} {path} without Keygen-Environment");
    }
}
