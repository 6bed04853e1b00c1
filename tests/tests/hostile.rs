//! Hostile input on the real runtime: every route, as admin and anonymous, gets malformed and
//! adversarial bodies and query strings. Every answer must be a signed 4xx JSON:API error (never
//! a 5xx, never a dead isolate), and the Worker must still answer afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;

use e2e::{assert_signed, server, Resp, TestAccount};
use serde_json::json;

/// Every route (method, path under the account) from `core_routes` and each group's `route()`.
/// `{id}` is an id that exists nowhere, so bodies are parsed and lookups answer 404.
const ROUTES: &[(&str, &str)] = &[
    ("PATCH", ""),
    ("PUT", ""),
    ("POST", "/tokens"),
    ("PATCH", "/tokens/{id}"),
    ("POST", "/products"),
    // package engines (issue 9): npm's audit endpoints (410), pushes to the registry (405).
    ("POST", "/engines/npm/-/npm/v1/security/advisories/bulk"),
    ("POST", "/engines/npm/-/npm/v1/security/audits/quick"),
    ("PUT", "/engines/oci/{id}/manifests/latest"),
    ("POST", "/engines/oci/{id}/blobs/uploads"),
    // end package engines
    ("PATCH", "/products/{id}"),
    ("POST", "/products/{id}/tokens"),
    ("POST", "/policies"),
    ("PATCH", "/policies/{id}"),
    ("POST", "/users"),
    ("PATCH", "/users/{id}"),
    ("POST", "/users/{id}/actions/ban"),
    ("POST", "/users/{id}/actions/unban"),
    ("POST", "/users/{id}/tokens"),
    ("PUT", "/users/{id}/group"),
    ("POST", "/passwords"),
    ("POST", "/users/{id}/actions/reset-password"),
    ("POST", "/users/{id}/actions/update-password"),
    ("POST", "/users/{id}/second-factors"),
    ("PATCH", "/users/{id}/second-factors/{id}"),
    ("DELETE", "/users/{id}/second-factors/{id}"),
    ("POST", "/licenses"),
    ("PATCH", "/licenses/{id}"),
    ("DELETE", "/licenses/{id}"),
    ("DELETE", "/licenses/{id}/actions/revoke"),
    ("POST", "/licenses/{id}/actions/suspend"),
    ("POST", "/licenses/{id}/actions/reinstate"),
    ("POST", "/licenses/{id}/actions/renew"),
    ("POST", "/licenses/{id}/actions/renew-maintenance"),
    ("POST", "/licenses/{id}/actions/check-in"),
    ("POST", "/licenses/{id}/actions/check-out"),
    ("POST", "/licenses/{id}/actions/increment-usage"),
    ("POST", "/licenses/{id}/actions/decrement-usage"),
    ("POST", "/licenses/{id}/actions/reset-usage"),
    ("POST", "/licenses/{id}/actions/validate"),
    ("POST", "/licenses/actions/validate-key"),
    ("PUT", "/licenses/{id}/policy"),
    ("PUT", "/licenses/{id}/owner"),
    ("PUT", "/licenses/{id}/group"),
    ("POST", "/licenses/{id}/tokens"),
    ("POST", "/licenses/{id}/users"),
    ("DELETE", "/licenses/{id}/users"),
    ("POST", "/licenses/{id}/entitlements"),
    ("DELETE", "/licenses/{id}/entitlements"),
    ("POST", "/machines"),
    ("PATCH", "/machines/{id}"),
    ("DELETE", "/machines/{id}"),
    ("POST", "/machines/{id}/actions/ping"),
    ("POST", "/machines/{id}/actions/reset"),
    ("POST", "/machines/{id}/actions/check-out"),
    ("POST", "/processes"),
    ("DELETE", "/processes/{id}"),
    ("POST", "/processes/{id}/actions/ping"),
    ("POST", "/components"),
    ("DELETE", "/components/{id}"),
    ("POST", "/entitlements"),
    ("PATCH", "/entitlements/{id}"),
    ("POST", "/policies/{id}/entitlements"),
    ("DELETE", "/policies/{id}/entitlements"),
    ("POST", "/groups"),
    ("PATCH", "/groups/{id}"),
    ("POST", "/webhook-endpoints"),
    ("PATCH", "/webhook-endpoints/{id}"),
    ("POST", "/webhook-events/{id}/actions/retry"),
    // Relationship writes.
    ("PUT", "/machines/{id}/owner"),
    ("PUT", "/machines/{id}/group"),
    // Distribution (issue 9).
    ("POST", "/releases"),
    ("PATCH", "/releases/{id}"),
    ("DELETE", "/releases/{id}"),
    ("POST", "/releases/{id}/actions/publish"),
    ("POST", "/releases/{id}/actions/yank"),
    ("POST", "/releases/{id}/constraints"),
    ("DELETE", "/releases/{id}/constraints"),
    ("POST", "/artifacts"),
    ("PATCH", "/artifacts/{id}"),
    ("DELETE", "/artifacts/{id}"),
    ("POST", "/artifacts/{id}/actions/yank"),
    ("POST", "/packages"),
    ("PATCH", "/packages/{id}"),
    ("DELETE", "/packages/{id}"),
    ("PUT", "/releases/{id}/package"),
    // End distribution.
    // Meter attributes (issue 10 §2).
    ("POST", "/licenses/{id}/meters"),
    ("PATCH", "/licenses/{id}/meters/{id}"),
    ("DELETE", "/licenses/{id}/meters/{id}"),
    ("POST", "/licenses/{id}/meters/{id}/actions/reset"),
    ("POST", "/machines/{id}/actions/increment-meter"),
    ("POST", "/machines/{id}/actions/decrement-meter"),
    // Subscriptions (issue 10 §5).
    ("PATCH", "/licenses/{id}/expires-at"),
    ("PUT", "/licenses/{id}/expires-at"),
    ("POST", "/licenses/{id}/actions/extend-maintenance"),
    ("PUT", "/licenses/{id}/maintenance-policy"),
    ("POST", "/maintenance-policies"),
    ("PATCH", "/maintenance-policies/{id}"),
    ("DELETE", "/maintenance-policies/{id}"),
    ("PUT", "/policies/{id}/maintenance-policy"),
    // Trials (the anonymous POST trips its strict limit here: a 429 is a 4xx too).
    ("POST", "/trial-policies"),
    ("PATCH", "/trial-policies/{id}"),
    ("DELETE", "/trial-policies/{id}"),
    ("POST", "/trial-activations"),
    ("POST", "/trial-activations/offline-activate"),
    ("PATCH", "/trial-activations/{id}/expires-at"),
    ("DELETE", "/trial-activations/{id}"),
    // Activation logs: bulk deactivation.
    ("POST", "/licenses/{id}/actions/deactivate-machines"),
    // Key pools and machine proofs (issue 8).
    ("POST", "/keys"),
    ("PATCH", "/keys/{id}"),
    ("DELETE", "/keys/{id}"),
    ("POST", "/machines/{id}/actions/generate-offline-proof"),
    ("POST", "/search"),
    // Features and entitlement sets (issue 10 §3).
    ("POST", "/entitlement-sets"),
    ("PATCH", "/entitlement-sets/{id}"),
    ("PUT", "/entitlement-sets/{id}"),
    ("DELETE", "/entitlement-sets/{id}"),
    ("POST", "/entitlement-sets/{id}/entitlements"),
    ("DELETE", "/entitlement-sets/{id}/entitlements"),
    ("PUT", "/policies/{id}/entitlement-set"),
    ("PUT", "/licenses/{id}/entitlement-set"),
    // Organizations (issue 10 §7).
    ("POST", "/organizations"),
    ("PATCH", "/organizations/{id}"),
    ("PUT", "/organizations/{id}"),
    ("DELETE", "/organizations/{id}"),
    ("PUT", "/users/{id}/organization"),
    ("PUT", "/licenses/{id}/organization"),
    // Resellers (issue 10 §7).
    ("POST", "/resellers"),
    ("PATCH", "/resellers/{id}"),
    ("PUT", "/resellers/{id}"),
    ("DELETE", "/resellers/{id}"),
    ("POST", "/resellers/{id}/policies"),
    ("DELETE", "/resellers/{id}/policies"),
    ("PUT", "/users/{id}/reseller"),
    ("PUT", "/licenses/{id}/reseller"),
    ("PUT", "/organizations/{id}/reseller"),
    // keygen-rs SDK measure (issue 8).
    ("PATCH", "/components/{id}"),
    ("DELETE", "/policies/{id}/pool"),
    // Environments (issue 8).
    ("POST", "/environments"),
    ("PATCH", "/environments/{id}"),
    ("PUT", "/environments/{id}"),
    ("DELETE", "/environments/{id}"),
    ("POST", "/environments/{id}/tokens"),
    // Group owners (issue 8).
    ("POST", "/groups/{id}/owners"),
    ("DELETE", "/groups/{id}/owners"),
    // List scopes (issue 8): Keygen's process metadata update.
    ("PATCH", "/processes/{id}"),
    ("PUT", "/processes/{id}"),
    // Route diff (issue 8): the pre-1.6 license `user` alias.
    ("PATCH", "/licenses/{id}/user"),
    ("PUT", "/licenses/{id}/user"),
];

/// Collection reads: they parse `page[…]` / `limit`.
const LISTS: &[&str] = &[
    "/event-logs",
    "/tokens",
    "/products",
    "/policies",
    "/users",
    "/licenses",
    "/licenses/{id}/machines",
    "/licenses/{id}/entitlements",
    "/licenses/{id}/users",
    "/licenses/{id}/tokens",
    "/machines",
    "/processes",
    "/components",
    "/entitlements",
    "/groups",
    "/groups/{id}/licenses",
    "/webhook-endpoints",
    "/webhook-events",
    // Relationship lists.
    "/machines/{id}/components",
    "/machines/{id}/processes",
    "/users/{id}/licenses",
    "/users/{id}/machines",
    "/users/{id}/products",
    "/users/{id}/tokens",
    "/products/{id}/policies",
    "/products/{id}/licenses",
    "/products/{id}/machines",
    "/products/{id}/users",
    "/products/{id}/tokens",
    "/policies/{id}/licenses",
    // Subscriptions (issue 10 §5).
    "/subscription-logs",
    "/licenses/{id}/subscription-logs",
    "/maintenance-policies",
    // Trials.
    "/trial-policies",
    "/trial-activations",
    // Activation logs.
    "/activation-logs",
    // Request logs (issue 8).
    "/request-logs",
    // Features and entitlement sets (issue 10 §3).
    "/entitlement-sets",
    "/entitlement-sets/{id}/entitlements",
    // Organizations (issue 10 §7).
    "/organizations",
    "/organizations/{id}/users",
    "/organizations/{id}/licenses",
    // Resellers (issue 10 §7).
    "/resellers",
    "/resellers/{id}/policies",
    "/resellers/{id}/products",
    "/resellers/{id}/licenses",
    "/resellers/{id}/users",
    "/resellers/{id}/organizations",
    // Distribution (issue 9).
    "/releases",
    "/artifacts",
    "/packages",
    // Key pools (issue 8).
    "/keys",
    // Environments (issue 8).
    "/environments",
    "/environments/{id}/tokens",
    // Group owners (issue 8).
    "/groups/{id}/owners",
    "/webhook-endpoints/{id}/webhook-events",
    // Route diff (issue 8): a policy's pool.
    "/policies/{id}/pool",
];

/// Read routes, for hostile query strings.
const READS: &[&str] = &[
    // Environments (issue 8).
    "/environments",
    "/environments/{id}",
    "/environments/{id}/tokens",
    "/environments/{id}/tokens/{id}",
    "",
    // package engines (issue 9)
    "/engines/pypi/simple",
    "/engines/pypi/simple/{id}",
    "/engines/npm/{id}",
    "/engines/npm/@scope/{id}",
    "/engines/oci/{id}/manifests/latest",
    "/engines/oci/{id}/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000",
    "/engines/oci/{id}/tags/list",
    "/engines/rubygems/versions",
    "/engines/rubygems/names",
    "/engines/rubygems/info/{id}",
    "/engines/rubygems/gems/{id}-1.0.0.gem",
    // end package engines
    "/profile",
    "/me",
    "/event-logs",
    "/event-logs/{id}",
    "/tokens",
    "/products",
    "/policies",
    "/users",
    "/licenses",
    "/licenses/{id}",
    "/licenses/{id}/actions/validate",
    "/licenses/{id}/machines",
    "/licenses/{id}/entitlements",
    "/licenses/{id}/users",
    "/licenses/{id}/tokens",
    "/licenses/{id}/policy",
    "/machines",
    "/machines/{id}",
    "/machines/{id}/license",
    "/processes",
    "/components",
    "/entitlements",
    "/groups",
    "/groups/{id}/licenses",
    "/webhook-endpoints",
    "/webhook-events",
    // Relationship lists.
    "/machines/{id}/components",
    "/machines/{id}/processes",
    "/users/{id}/licenses",
    "/users/{id}/machines",
    "/users/{id}/products",
    "/users/{id}/tokens",
    "/products/{id}/policies",
    "/products/{id}/licenses",
    "/products/{id}/machines",
    "/products/{id}/users",
    "/products/{id}/tokens",
    "/policies/{id}/licenses",
    // Relationship to-ones.
    "/licenses/{id}/product",
    "/licenses/{id}/maintenance-policy",
    "/licenses/{id}/group",
    "/licenses/{id}/owner",
    "/machines/{id}/product",
    "/machines/{id}/group",
    "/machines/{id}/owner",
    "/processes/{id}/machine",
    "/components/{id}/license",
    "/policies/{id}/product",
    "/policies/{id}/maintenance-policy",
    "/users/{id}/group",
    "/webhook-endpoints/{id}/product",
    "/webhook-events/{id}/webhookEndpoint",
    // Per-child reads below a relation.
    "/machines/{id}/processes/{id}",
    "/licenses/{id}/machines/{id}",
    "/users/{id}/licenses/{id}",
    "/products/{id}/licenses/{id}",
    "/groups/{id}/machines/{id}",
    "/users/{id}/tokens/{id}",
    // Subscriptions (issue 10 §5).
    "/subscription-logs",
    "/subscription-logs/{id}",
    "/licenses/{id}/subscription-logs",
    "/maintenance-policies",
    "/maintenance-policies/{id}",
    // Trials.
    "/trial-policies",
    "/trial-policies/{id}",
    "/trial-activations",
    "/trial-activations/{id}",
    // Activation logs.
    "/activation-logs",
    "/activation-logs/{id}",
    // Request logs (issue 8).
    "/request-logs",
    "/request-logs/{id}",
    // Features and entitlement sets (issue 10 §3).
    "/entitlement-sets",
    "/entitlement-sets/{id}",
    "/entitlement-sets/{id}/entitlements",
    "/policies/{id}/entitlement-set",
    "/licenses/{id}/entitlement-set",
    // Distribution (issue 9).
    "/releases",
    "/releases/{id}",
    "/releases/{id}/upgrade",
    "/releases/{id}/constraints",
    "/releases/{id}/artifacts",
    "/releases/{id}/artifacts/{id}",
    "/artifacts",
    "/artifacts/{id}",
    "/artifacts/{id}/app.bin",
    "/packages",
    "/packages/{id}",
    "/releases/{id}/constraints/{id}",
    "/releases/{id}/entitlements",
    "/releases/{id}/entitlements/{id}",
    "/releases/{id}/product",
    "/releases/{id}/package",
    "/platforms",
    // A product's distribution relations.
    "/products/{id}/releases",
    "/products/{id}/releases/{id}",
    "/products/{id}/artifacts/{id}",
    "/products/{id}/platforms/{id}",
    "/products/{id}/engines",
    "/platforms/{id}",
    "/arches",
    "/arches/{id}",
    "/channels",
    "/channels/{id}",
    "/engines",
    "/engines/{id}",
    "/engines/raw/{id}/{id}/{id}",
    "/engines/raw/{id}/@{id}/{id}/{id}",
    "/engines/tauri/{id}",
    // OpenAPI document (ignores the query; anonymous too).
    "/openapi.json",
    // Health below an account (issue 11; ignores the query; anonymous too).
    "/health",
    // Key pools (issue 8).
    "/keys",
    "/keys/{id}",
    "/keys/{id}/product",
    "/keys/{id}/policy",
    // Group owners and per-child reads (issue 8).
    "/groups/{id}/owners",
    "/groups/{id}/owners/{id}",
    "/groups/{id}/users/{id}",
    "/users/{id}/machines/{id}",
    "/users/{id}/products/{id}",
    "/products/{id}/users/{id}",
    "/licenses/{id}/users/{id}",
    "/licenses/{id}/entitlements/{id}",
    "/policies/{id}/entitlements/{id}",
    "/webhook-endpoints/{id}/webhook-events",
    // Organizations (issue 10 §7).
    "/organizations",
    "/organizations/{id}",
    "/organizations/{id}/users",
    "/organizations/{id}/licenses",
    "/users/{id}/organization",
    "/licenses/{id}/organization",
    // Resellers (issue 10 §7).
    "/resellers",
    "/resellers/{id}",
    "/resellers/{id}/policies",
    "/resellers/{id}/products",
    "/resellers/{id}/licenses",
    "/resellers/{id}/users",
    "/resellers/{id}/organizations",
    "/users/{id}/reseller",
    "/licenses/{id}/reseller",
    "/organizations/{id}/reseller",
    // Route diff (issue 8): pool reads and the pre-1.6 `user` aliases.
    "/policies/{id}/pool",
    "/policies/{id}/pool/{id}",
    "/licenses/{id}/user",
    "/machines/{id}/user",
];

/// Pagination with bad values: a 4xx on every list.
const PAGE_QUERIES: &[&str] = &["page[size]=-1", "page[number]=99999999999999999999", "page[size]=1e3&page[number]=1", "limit=%00", "limit=-5"];

/// License list filters with bad values: a 4xx on `GET /licenses`.
const LICENSE_QUERIES: &[&str] = &[
    "metadata[a%22b]=1",
    "metadata[%C3%A9%FF]=1",
    "status=%FF%FE",
    "expires[before]=2024-01-01T00:00:00%2Ba%C3%A900",
    "expires[within]=99999999999999999999d",
    "suspended=maybe",
    // Query operators.
    "created[gt]=%FF%FE",
    "expiry%5Blte%5D=2024-13-45T99:99:99Z",
    "lastValidated[lt]=1e999",
    "status[in]=ACTIVE,%27)%20OR%201=1--",
    "status[in]=",
    // Keygen's further scopes (issue 8).
    "activations[gt]=x",
    "activations[eq]=1e3",
    "activity[inside]=%FF%FE",
    "activity[before]=yesterday",
    "expires[on]=2024-13-01",
    "expired[within]=soon",
    "expired[after]=%27--",
    "assigned=maybe",
    "unassigned=2",
    "activated=%00",
    "expiring=maybe",
];

/// Process list filters (issue 8, Keygen's `status`) with bad values: a 4xx on `GET /processes`.
const PROCESS_QUERIES: &[&str] = &["status=zombie", "status=%27%20OR%201=1--", "status=%FF"];

/// Event-log filters (issue 8, Keygen's `whodunnit` and `resource`) with bad values: a 4xx on
/// `GET /event-logs`.
const EVENT_LOG_QUERIES: &[&str] = &["whodunnit[type]=", "whodunnit=%20", "resource[id]=", "date[start]=soon"];

/// Activation-log filters (query operators) with bad values: a 4xx on `GET /activation-logs`.
const ACTIVATION_LOG_QUERIES: &[&str] =
    &["created[gt]=%FF%FE", "created%5Blte%5D=2024-13-45T99:99:99Z", "created[lt]=1e999", "action=%00", "action=activated%27--"];

// Signed exports in parts (issue 10 follow-up, c10): bad `limit` / `cursor` values, a 400
// naming the parameter on every export.
const EXPORT_PART_QUERIES: &[&str] = &[
    "limit=0",
    "limit=5001",
    "limit=-1",
    "limit=1e3",
    "limit=%00",
    "cursor=",
    "cursor=%FF%FE",
    "cursor=1.%27--",
    "cursor=99999999999999999.x",
    "cursor=1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];
// end signed exports

/// Request-log filters (issue 8) with bad values: a 4xx on `GET /request-logs`.
const REQUEST_LOG_QUERIES: &[&str] = &[
    "status=abc",
    "status=99999999999999999999",
    "date[start]=2024-01-01",
    "date[start]=%FF&date[end]=2024-01-02",
    "date[start]=2024-01-01&date[end]=2099-01-01",
    "url=",
    "ip=%20",
    "requestor[id]=",
];

/// Organization filters (issue 10 §7) with bad values: a 4xx on `GET /organizations`.
const ORGANIZATION_QUERIES: &[&str] = &["created[gt]=%FF%FE", "created%5Blte%5D=2024-13-45T99:99:99Z", "created[lt]=1e999", "updated[gte]=soon"];

/// Query strings that are noise around the parameters: never a 5xx.
/// (`request`: the event log's Keygen scope, issue 8, any string: a part of a request id.)
const NOISY_QUERIES: &[&str] =
    &["%zz=%%&&=&%", "a=%E0%A4%A&b=%C0%AF", "product=%00%01%02", "user=%22%27%3B--", "metadata%5Bx%5D=%5B%5D", "request=%27%20OR%201=1--%25_", "request=%00"];

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

fn assert_client_error(acct: &TestAccount, r: &Resp, what: &str) {
    assert!((400..500).contains(&r.status), "{what}: answered {} {}", r.status, r.text().chars().take(300).collect::<String>());
    assert_signed(r, &acct.public_key_hex);
    let code = r.json["errors"][0]["code"].as_str();
    assert!(code.is_some_and(|c| !c.is_empty()), "{what}: no JSON:API error code in {}", r.text().chars().take(300).collect::<String>());
}

fn assert_alive(acct: &TestAccount) {
    let r = acct.client().get(&acct.path("/licenses"), acct.admin(), None);
    r.assert_status(200);
}

/// Exports: hostile query strings answer a signed 4xx, or a signed CSV (the client verifies
/// every response's signature); never a 5xx.
#[test]
fn hostile_queries_on_exports_are_never_server_errors() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let long = format!("product={}", "x".repeat(8_000));
    for route in ["/activation-logs/export", "/trial-activations/export", "/licenses/export", "/machines/export", "/users/export", "/event-logs/export"] {
        let queries = NOISY_QUERIES.iter().chain(PAGE_QUERIES).chain(ACTIVATION_LOG_QUERIES).copied().chain([long.as_str()]);
        for q in queries {
            for auth in [acct.admin(), None] {
                let r = c.get(&format!("{}?{q}", acct.path(route)), auth, None);
                assert!(r.status < 500, "GET {route}?{}: answered {} {}", &q[..q.len().min(60)], r.status, r.text());
                if r.status >= 400 {
                    assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
                } else {
                    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"), "GET {route}?{q}");
                }
            }
        }
        for q in LICENSE_QUERIES.iter().filter(|_| route.starts_with("/licenses")) {
            let r = c.get(&format!("{}?{q}", acct.path(route)), acct.admin(), None);
            assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
        }
        for q in ACTIVATION_LOG_QUERIES.iter().filter(|_| route.starts_with("/activation-logs")) {
            let r = c.get(&format!("{}?{q}", acct.path(route)), acct.admin(), None);
            assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
        }
        // Signed exports in parts (c10).
        for q in EXPORT_PART_QUERIES {
            let r = c.get(&format!("{}?{q}", acct.path(route)), acct.admin(), None);
            assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
            let param = q.split('=').next().unwrap_or_default();
            assert_eq!(r.json["errors"][0]["source"]["parameter"].as_str(), Some(param), "GET {route}?{q}");
        }
    }
    assert_alive(&acct);
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
fn hostile_queries_on_every_read_are_never_server_errors() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let missing = "00000000-0000-4000-8000-000000000000";
    let long = format!("product={}", "x".repeat(8_000));
    for route in READS {
        let base = acct.path(&route.replace("{id}", missing));
        // A list parses its page (and /licenses its filters); other reads ignore them.
        let list = LISTS.contains(route);
        let must_refuse: Vec<&str> = match (list, *route) {
            (true, "/licenses") => PAGE_QUERIES.iter().chain(LICENSE_QUERIES).copied().collect(),
            // List scopes (issue 8): processes' status, event logs' whodunnit and resource.
            (true, "/processes") => PAGE_QUERIES.iter().chain(PROCESS_QUERIES).copied().collect(),
            (true, "/event-logs") => PAGE_QUERIES.iter().chain(EVENT_LOG_QUERIES).copied().collect(),
            // Activation logs: query operators with bad values.
            (true, "/activation-logs") => PAGE_QUERIES.iter().chain(ACTIVATION_LOG_QUERIES).copied().collect(),
            // Request logs (issue 8): Keygen's filters with bad values.
            (true, "/request-logs") => PAGE_QUERIES.iter().chain(REQUEST_LOG_QUERIES).copied().collect(),
            // Organizations (issue 10 §7): created/updated operators with bad values.
            (true, "/organizations") => PAGE_QUERIES.iter().chain(ORGANIZATION_QUERIES).copied().collect(),
            // Resellers (issue 10 §7): the same operators.
            (true, "/resellers") => PAGE_QUERIES.iter().chain(ORGANIZATION_QUERIES).copied().collect(),
            (true, _) => PAGE_QUERIES.to_vec(),
            (false, _) => Vec::new(),
        };
        for auth in [acct.admin(), None] {
            for q in &must_refuse {
                let r = c.get(&format!("{base}?{q}"), auth, None);
                assert_client_error(&acct, &r, &format!("GET {route}?{q}"));
            }
            let noise = NOISY_QUERIES.iter().chain(PAGE_QUERIES).chain(LICENSE_QUERIES).copied().chain([long.as_str()]);
            for q in noise.filter(|q| !must_refuse.contains(q)) {
                let r = c.get(&format!("{base}?{q}"), auth, None);
                assert!(r.status < 500, "GET {route}?{}: answered {} {}", &q[..q.len().min(60)], r.status, r.text());
                assert_signed(&r, &acct.public_key_hex);
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

#[test]
fn bounds_conflicts_and_exact_ids_hold_on_d1() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let post = |path: &str, body: serde_json::Value| c.post(&acct.path(path), acct.admin(), Some(body));
    let product = post("/products", json!({"data":{"type":"products","attributes":{"name":"App","code":"app"}}}));
    let product = product.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let dup = post("/products", json!({"data":{"type":"products","attributes":{"name":"Other","code":"app"}}}));
    assert_eq!((dup.status, dup.error_code()), (409, Some("ID_CONFLICT")), "a taken code is a conflict found positively");
    let policy = post(
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":5},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let policy = policy.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let rel = json!({"policy":{"data":{"type":"policies","id":policy}}});
    let a = post("/licenses", json!({"data":{"type":"licenses","relationships":rel}}));
    let a = a.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    // A license whose key is A's id must not shadow A.
    let b = post("/licenses", json!({"data":{"type":"licenses","attributes":{"key":a},"relationships":rel}}));
    let b = b.assert_status(201).json["data"]["id"].as_str().unwrap().to_owned();
    let r = post(&format!("/licenses/{a}/actions/validate"), json!({"meta":{}}));
    assert_eq!(r.assert_status(200).json["data"]["id"], a.as_str(), "validation by id hit license {b}");
    assert_eq!(c.get(&acct.path(&format!("/licenses/{a}")), acct.admin(), None).assert_status(200).json["data"]["id"], a.as_str());
    // Integers that would poison the license's sums are refused with a pointer.
    let lrel = json!({"license":{"data":{"type":"licenses","id":a}}});
    for (attr, v) in [("cores", json!(2_147_483_648_i64)), ("memory", json!(9_007_199_254_740_992_i64)), ("disk", json!(i64::MAX))] {
        let r = post("/machines", json!({"data":{"type":"machines","attributes":{"fingerprint":"fp",attr:v},"relationships":lrel}}));
        assert_eq!(r.status, 422, "{attr}: {}", r.text());
        assert_eq!(r.json["errors"][0]["source"]["pointer"], format!("/data/attributes/{attr}"));
    }
    let ok = post(
        "/machines",
        json!({"data":{"type":"machines","attributes":{"fingerprint":"fp","cores":2_147_483_647,"memory":9_007_199_254_740_991_i64,"disk":9_007_199_254_740_991_i64},"relationships":lrel}}),
    );
    ok.assert_status(201);
    let r = c.get(&acct.path(&format!("/licenses/{a}")), acct.admin(), None);
    r.assert_status(200);
}

// --- CLI importers (issue 12 §2): client-supplied machine ids and brought signing keys. ---

#[test]
fn hostile_client_ids_and_signing_keys_are_precise_errors_and_write_nothing() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let post = |path: &str, body: serde_json::Value| c.post(&acct.path(path), acct.admin(), Some(body));
    let product = post("/products", json!({"data":{"type":"products","attributes":{"name":"App"}}})).json["data"]["id"].as_str().unwrap().to_owned();
    let policy = post(
        "/policies",
        json!({"data":{"type":"policies","attributes":{"name":"P","floating":true,"maxMachines":50},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let policy = policy.json["data"]["id"].as_str().unwrap().to_owned();
    let lic = post("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":policy}}}}}));
    let lrel = json!({"license":{"data":{"type":"licenses","id":lic.json["data"]["id"]}}});
    for id in [json!("x"), json!(1), json!(""), json!("../../machines"), json!("00000000-0000-4000-8000-00000000000g"), json!({"a":1}), json!("é".repeat(36))]
    {
        let r = post("/machines", json!({"data":{"type":"machines","id":id,"attributes":{"fingerprint":"fp-h"},"relationships":lrel}}));
        assert_client_error(&acct, &r, &format!("machine id {id}"));
        assert_eq!((r.status, r.json["errors"][0]["source"]["pointer"].as_str()), (400, Some("/data/id")), "{id}: {}", r.text());
    }
    // Concurrent activations with one client-chosen id: exactly one is created, the rest 409.
    let id = "7e57c0de-0000-4000-8000-0000000000aa";
    let results: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|i| {
                let (c, acct, lrel) = (c.clone(), &acct, lrel.clone());
                s.spawn(move || {
                    let body = json!({"data":{"type":"machines","id":id,"attributes":{"fingerprint":format!("fp-race-{i}")},"relationships":lrel}});
                    c.post(&acct.path("/machines"), acct.admin(), Some(body)).status
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|s| **s == 201).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| *s == 201 || *s == 409), "{results:?}");
    let machines = c.get(&acct.path("/machines?limit=100"), acct.admin(), None);
    let n = machines.json["data"]
        .as_array()
        .map_or(0, |a| a.iter().filter(|m| m["attributes"]["fingerprint"].as_str().is_some_and(|f| f.starts_with("fp-race-"))).count());
    assert_eq!(n, 1, "one machine from the race");
    // A machine id held by ANOTHER account is a conflict too (ids are global).
    let other = server().bootstrap_account();
    let oc = other.client();
    let opost = |path: &str, body: serde_json::Value| oc.post(&other.path(path), other.admin(), Some(body)).json["data"]["id"].clone();
    let op = opost("/products", json!({"data":{"type":"products","attributes":{"name":"O"}}}));
    let opol =
        opost("/policies", json!({"data":{"type":"policies","attributes":{"name":"O"},"relationships":{"product":{"data":{"type":"products","id":op}}}}}));
    let olic = opost("/licenses", json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":opol}}}}}));
    let ob = json!({"data":{"type":"machines","id":id,"attributes":{"fingerprint":"fp-o"},"relationships":{"license":{"data":{"type":"licenses","id":olic}}}}});
    let r = oc.post(&other.path("/machines"), other.admin(), Some(ob));
    assert_eq!((r.status, r.error_code()), (409, Some("ID_CONFLICT")), "{}", r.text());
    assert_eq!(oc.get(&other.path("/machines"), other.admin(), None).json["data"].as_array().map(Vec::len), Some(0));

    // Brought signing keys: malformed ones are 422 ED25519_PRIVATE_KEY_INVALID with a pointer,
    // and the account is not created (its slug stays free).
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let slug = format!("byok-{}", e2e::unique_tag());
    let body = |key: serde_json::Value| {
        json!({"data":{"type":"accounts","attributes":{"name":"BYOK","slug":slug,"ed25519PrivateKey":key},
            "relationships":{"admins":{"data":[{"type":"users","attributes":{"email":"byok@example.com","password":"longenough"}}]}}}})
    };
    for key in [json!("zz"), json!(&seed[..63]), json!(format!("{seed}{seed}")), json!("a".repeat(1 << 15)), json!("\u{0}".repeat(64))] {
        let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(key.clone())));
        assert_eq!(
            (r.status, r.error_code()),
            (422, Some("ED25519_PRIVATE_KEY_INVALID")),
            "{}: {}",
            key.to_string().chars().take(80).collect::<String>(),
            r.text()
        );
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/ed25519PrivateKey");
    }
    // Past the body cap the bootstrap is a 413 (it used to parse the dropped body as empty).
    let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(json!("a".repeat(1 << 16)))));
    assert_eq!((r.status, r.error_code()), (413, Some("PAYLOAD_TOO_LARGE")), "{}", r.text());
    for key in [json!(1), json!({"k": seed}), json!([seed])] {
        let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(key)));
        assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")), "{}", r.text());
    }
    let r = server().client().post("/v1/accounts", Some(server().bootstrap_token()), Some(body(json!(seed))));
    assert_eq!(r.status, 201, "the slug was left free: {}", r.text());
    assert_eq!(r.json["meta"]["publicKey"], "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}
// --- end CLI importers ---

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
