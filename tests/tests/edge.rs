//! D1 read replicas on the real runtime (the Sessions API): every account-scoped response
//! carries the session's bookmark in `Latchkey-D1-Bookmark`; a client that sends it back reads
//! its own writes; a garbage bookmark neither pins nor breaks a session. Round-trip counts
//! (`Server-Timing`) of the hot path and of the one-read baseline.

use e2e::{assert_signed, server, Resp, TestAccount};
use serde_json::json;

const BOOKMARK: &str = "Latchkey-D1-Bookmark";

fn get(acct: &TestAccount, path: &str, bookmark: Option<&str>) -> Resp {
    let auth = format!("Bearer {}", acct.admin_token);
    let mut headers = vec![("Accept", "application/vnd.api+json"), ("Authorization", auth.as_str())];
    headers.extend(bookmark.map(|b| (BOOKMARK, b)));
    let resp = server().client().raw("GET", &acct.path(path), &headers, None);
    assert_signed(&resp, &acct.public_key_hex);
    resp
}

#[test]
fn a_write_returns_a_bookmark_that_reads_it_back() {
    let acct = server().bootstrap_account();
    let body = json!({"data": {"type": "products", "attributes": {"name": "edge"}}});
    let created = acct.client().post(&acct.path("/products"), acct.admin(), Some(body));
    created.assert_status(201);
    let bookmark = created.header(BOOKMARK).unwrap_or_else(|| panic!("no bookmark on a write: {:?}", created.headers)).to_owned();
    assert!(!bookmark.is_empty());
    let id = created.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let read = get(&acct, &format!("/products/{id}"), Some(&bookmark));
    read.assert_status(200);
    assert_eq!(read.json["data"]["id"], id.as_str());
    assert!(read.header(BOOKMARK).is_some(), "no bookmark on a read: {:?}", read.headers);
}

#[test]
fn garbage_bookmarks_are_ignored() {
    let acct = server().bootstrap_account();
    let long = "0".repeat(4096);
    for garbage in ["first-primary", "first-unconstrained", "not a bookmark", "zz-zz", long.as_str(), "-"] {
        let resp = get(&acct, "/products", Some(garbage));
        assert_eq!(resp.status, 200, "bookmark {garbage:?}: {}", resp.text());
        assert!(resp.header(BOOKMARK).is_some_and(|b| b != garbage), "bookmark {garbage:?}: {:?}", resp.headers);
    }
}

#[test]
fn validation_answers_carry_a_bookmark() {
    let acct = server().bootstrap_account();
    let body = json!({"meta": {"key": "NO-SUCH-KEY"}});
    let resp = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(body));
    resp.assert_status(200);
    assert_eq!(resp.json["meta"]["code"], "NOT_FOUND");
    assert!(resp.header(BOOKMARK).is_some(), "{:?}", resp.headers);
}

fn create(acct: &TestAccount, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

/// One count of `Server-Timing` (the harness sets LATCHKEY_SERVER_TIMING).
fn timing(r: &Resp, name: &str) -> u32 {
    let t = r.header("Server-Timing").unwrap_or_else(|| panic!("no Server-Timing: {:?}", r.headers));
    assert!(t.contains("total;dur=") && t.contains("sign;dur="), "{t}");
    t.split(", ")
        .find_map(|m| m.strip_prefix(&format!("{name};desc=\"")))
        .and_then(|v| v.trim_end_matches('"').parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {t}"))
}

/// (primary, replica) round trips from `Server-Timing`.
fn trips(r: &Resp) -> (u32, u32) {
    (timing(r, "d1-primary"), timing(r, "d1-replica"))
}

fn validate_key(acct: &TestAccount, key: &serde_json::Value, fingerprint: &str) -> Resp {
    let body = json!({"meta": {"key": key, "scope": {"fingerprint": fingerprint}}});
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(body));
    r.assert_status(200);
    r
}

#[test]
fn validate_key_with_a_valid_machine_reads_one_replica_and_no_primary() {
    let acct = server().bootstrap_account();
    let product = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}));
    let policy = create(
        &acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": {"name": "P", "floating": true}, "relationships": {"product": {"data": {"type": "products", "id": product["id"]}}}}}),
    );
    let lic =
        create(&acct, "/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": {"data": {"type": "policies", "id": policy["id"]}}}}}));
    let key = lic["attributes"]["key"].clone();
    // Before activation: a lag-explainable negative, re-read once from the primary.
    let r = validate_key(&acct, &key, "host-1");
    assert_eq!(r.json["meta"]["code"], "NO_MACHINES");
    assert_eq!(trips(&r), (1, 1), "{:?}", r.header("Server-Timing"));
    let machine = json!({"data": {"type": "machines", "attributes": {"fingerprint": "host-1"}, "relationships": {"license": {"data": {"type": "licenses", "id": lic["id"]}}}}});
    create(&acct, "/machines", machine);
    let r = validate_key(&acct, &key, "host-1");
    assert_eq!(r.json["meta"]["code"], "VALID");
    assert_eq!(trips(&r), (0, 1), "{:?}", r.header("Server-Timing"));
    assert_eq!(timing(&r, "kv-write"), 0, "{:?}", r.header("Server-Timing"));
    // A negative lag cannot explain (the request names another product) is not re-read.
    let body = json!({"meta": {"key": key, "scope": {"fingerprint": "host-1", "product": "00000000-0000-4000-8000-000000000000"}}});
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(body));
    assert_eq!(r.json["meta"]["code"], "PRODUCT_SCOPE_MISMATCH");
    assert_eq!(trips(&r), (0, 1), "{:?}", r.header("Server-Timing"));
}

#[test]
fn writes_start_at_the_primary() {
    let acct = server().bootstrap_account();
    let r = acct.client().post(&acct.path("/products"), acct.admin(), Some(json!({"data": {"type": "products", "attributes": {"name": "W"}}})));
    r.assert_status(201);
    let (primary, replica) = trips(&r);
    assert!(primary >= 1 && replica == 0, "{:?}", r.header("Server-Timing"));
}

#[test]
fn a_ping_within_half_the_lease_ttl_writes_no_kv() {
    let acct = server().bootstrap_account();
    let product = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}}));
    let policy = create(
        &acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": {"name": "P", "heartbeatDuration": 600}, "relationships": {"product": {"data": {"type": "products", "id": product["id"]}}}}}),
    );
    let lic =
        create(&acct, "/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": {"data": {"type": "policies", "id": policy["id"]}}}}}));
    let machine = json!({"data": {"type": "machines", "attributes": {"fingerprint": "host-1"}, "relationships": {"license": {"data": {"type": "licenses", "id": lic["id"]}}}}});
    let m = create(&acct, "/machines", machine);
    let ping = || {
        let r = acct.client().post(&acct.path(&format!("/machines/{}/actions/ping", m["id"].as_str().unwrap_or_default())), acct.admin(), None);
        r.assert_status(200);
        r
    };
    // The activation's lease records no heartbeat: the first ping rewrites it.
    let r = ping();
    assert_eq!(timing(&r, "kv-write"), 1, "{:?}", r.header("Server-Timing"));
    // Seconds later the lease has nearly all of its 600 s left: read, not rewritten.
    let r = ping();
    assert_eq!(timing(&r, "kv-write"), 0, "{:?}", r.header("Server-Timing"));
    assert_eq!(timing(&r, "kv-read"), 1, "{:?}", r.header("Server-Timing"));
    assert!(r.json["data"]["attributes"]["lastHeartbeat"].is_string(), "{}", r.json);
    // D1 stays the truth: validation still finds the machine alive.
    let r = validate_key(&acct, &lic["attributes"]["key"], "host-1");
    assert_eq!(r.json["meta"]["code"], "VALID", "{}", r.json);
}

/// The bench's one-read baseline (issue 11): `GET /v1/accounts/{id}/health` is one replica read,
/// answered through the account pipeline (signed, rate-limit headers, request id), to anyone;
/// the unscoped `/v1/health` stays unsigned.
#[test]
fn health_below_an_account_is_one_replica_read_signed() {
    let acct = server().bootstrap_account();
    let health = || server().client().raw("GET", &acct.path("/health"), &[("Accept", "application/vnd.api+json")], None);
    // An account's first request makes its RSA and P-256 pairs (writes at the primary).
    health().assert_status(200);
    let r = health();
    r.assert_status(200);
    assert_signed(&r, &acct.public_key_hex);
    assert_eq!(r.json, json!({"meta": {"status": "ok", "database": "ok"}}));
    assert_eq!(trips(&r), (0, 1), "{:?}", r.header("Server-Timing"));
    assert_eq!(timing(&r, "d1-statements"), 1, "{:?}", r.header("Server-Timing"));
    assert!(r.header("X-RateLimit-Limit").is_some() && r.header("X-Request-Id").is_some(), "{:?}", r.headers);
    let bare = server().client().raw("GET", "/v1/health", &[("Accept", "application/vnd.api+json")], None);
    bare.assert_status(200);
    assert_eq!(bare.json, r.json);
    assert!(bare.header("Keygen-Signature").is_none() && bare.header("Server-Timing").is_none(), "{:?}", bare.headers);
}
