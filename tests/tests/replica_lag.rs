//! Validation and bookmarks against a read replica that really lags: the harness's
//! `LATCHKEY_HARNESS_REPLICA_LAG` model (tests/harness/d1-lag.mjs) serves unconstrained reads
//! from a second database that shows the primary as it was [`LAG_MS`] ago.
//!
//! Each test first waits for the replica to catch up with its setup, then writes and reads at
//! once, inside the lag window: what the replica cannot know yet must be answered correctly
//! (validation re-reads its negatives from the primary) or be reachable with the bookmark.

use std::thread::sleep;
use std::time::Duration;

use e2e::{lagged_server, Resp, TestAccount};
use serde_json::{json, Value};

/// The replica's lag: long enough that the request right after a write (under a loaded machine)
/// still runs inside it, short enough to wait out.
const LAG_MS: u64 = 2000;
const BOOKMARK: &str = "Latchkey-D1-Bookmark";

fn account() -> TestAccount {
    lagged_server(LAG_MS).bootstrap_account()
}

/// Until the replica has replayed everything written so far.
fn catch_up() {
    sleep(Duration::from_millis(LAG_MS + 500));
}

fn create(acct: &TestAccount, path: &str, body: Value) -> Resp {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r
}

/// One count of `Server-Timing` (the harness sets LATCHKEY_SERVER_TIMING).
fn timing(r: &Resp, name: &str) -> u32 {
    let t = r.header("Server-Timing").unwrap_or_else(|| panic!("no Server-Timing: {:?}", r.headers));
    t.split(", ")
        .find_map(|m| m.strip_prefix(&format!("{name};desc=\"")))
        .and_then(|v| v.trim_end_matches('"').parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {t}"))
}

/// (primary, replica) round trips.
fn trips(r: &Resp) -> (u32, u32) {
    (timing(r, "d1-primary"), timing(r, "d1-replica"))
}

fn validate_key(acct: &TestAccount, key: &Value, fingerprint: &str) -> Resp {
    let body = json!({"meta": {"key": key, "scope": {"fingerprint": fingerprint}}});
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(body));
    r.assert_status(200);
    r
}

/// A floating policy's license, created and replicated.
fn license(acct: &TestAccount, policy_attributes: Value) -> Value {
    let product = create(acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}})).json["data"]["id"].clone();
    let policy = create(
        acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": policy_attributes, "relationships": {"product": {"data": {"type": "products", "id": product}}}}}),
    )
    .json["data"]["id"]
        .clone();
    let lic = create(acct, "/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": {"data": {"type": "policies", "id": policy}}}}}));
    lic.json["data"].clone()
}

fn activate(acct: &TestAccount, license_id: &Value, fingerprint: &str) -> Resp {
    let body = json!({"data": {"type": "machines", "attributes": {"fingerprint": fingerprint}, "relationships": {"license": {"data": {"type": "licenses", "id": license_id}}}}});
    create(acct, "/machines", body)
}

#[test]
fn activate_then_validate_at_once_answers_valid_through_the_primary_re_read() {
    let acct = account();
    let lic = license(&acct, json!({"name": "P", "floating": true, "maxMachines": 3}));
    let key = &lic["attributes"]["key"];
    catch_up();
    // The replica knows the license and that it has no machine: the model really lags.
    let r = validate_key(&acct, key, "host-1");
    assert_eq!(r.json["meta"]["code"], "NO_MACHINES", "{}", r.json);
    activate(&acct, &lic["id"], "host-1");
    // At once: the replica still says NO_MACHINES (its one round trip), the primary re-read VALID.
    let r = validate_key(&acct, key, "host-1");
    assert_eq!(r.json["meta"]["code"], "VALID", "{}", r.json);
    assert_eq!(trips(&r), (1, 1), "{:?}", r.header("Server-Timing"));
    // A second machine, validated at once with the first still known: FINGERPRINT_SCOPE_MISMATCH
    // at the replica, VALID from the primary.
    activate(&acct, &lic["id"], "host-2");
    let r = validate_key(&acct, key, "host-2");
    assert_eq!(r.json["meta"]["code"], "VALID", "{}", r.json);
    assert_eq!(trips(&r), (1, 1), "{:?}", r.header("Server-Timing"));
    // Once replicated, a valid machine costs one replica round trip and nothing at the primary.
    catch_up();
    for fingerprint in ["host-1", "host-2"] {
        let r = validate_key(&acct, key, fingerprint);
        assert_eq!(r.json["meta"]["code"], "VALID", "{}", r.json);
        assert_eq!(trips(&r), (0, 1), "{:?}", r.header("Server-Timing"));
        assert_eq!(timing(&r, "kv-write"), 0, "{:?}", r.header("Server-Timing"));
    }
}

#[test]
fn a_license_created_just_now_validates_by_key_and_by_id() {
    let acct = account();
    // The account and its product/policy replicated; the license not yet.
    let product = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "App"}}})).json["data"]["id"].clone();
    let policy = create(
        &acct,
        "/policies",
        json!({"data": {"type": "policies", "attributes": {"name": "P"}, "relationships": {"product": {"data": {"type": "products", "id": product}}}}}),
    )
    .json["data"]["id"]
        .clone();
    catch_up();
    let lic = create(&acct, "/licenses", json!({"data": {"type": "licenses", "relationships": {"policy": {"data": {"type": "policies", "id": policy}}}}}));
    let body = json!({"meta": {"key": lic.json["data"]["attributes"]["key"]}});
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(body));
    assert_eq!(r.json["meta"]["code"], "VALID", "{}", r.json);
    assert_eq!(trips(&r), (1, 1), "{:?}", r.header("Server-Timing"));
    let id = lic.json["data"]["id"].as_str().unwrap_or_default();
    let r = acct.client().post(&acct.path(&format!("/licenses/{id}/actions/validate")), acct.admin(), None);
    r.assert_status(200);
    assert_eq!(r.json["meta"]["code"], "VALID", "{}", r.json);
}

#[test]
fn a_suspension_reaches_the_replica_after_the_lag_and_require_primary_reads_closes_the_window() {
    // Documented staleness: a replica answers VALID for a license suspended inside the lag.
    let acct = account();
    let lax = license(&acct, json!({"name": "Lax"}));
    let strict = license(&acct, json!({"name": "Strict", "requirePrimaryReads": true}));
    catch_up();
    for lic in [&lax, &strict] {
        let id = lic["id"].as_str().unwrap_or_default();
        let r = acct.client().post(&acct.path(&format!("/licenses/{id}/actions/suspend")), acct.admin(), None);
        r.assert_status(200);
    }
    let lax_key = json!({"meta": {"key": lax["attributes"]["key"]}});
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(lax_key.clone()));
    assert_eq!(r.json["meta"]["code"], "VALID", "the replica has not seen the suspension yet: {}", r.json);
    assert_eq!(trips(&r), (0, 1), "{:?}", r.header("Server-Timing"));
    // requirePrimaryReads: answered from the primary at once.
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(json!({"meta": {"key": strict["attributes"]["key"]}})));
    assert_eq!(r.json["meta"]["code"], "SUSPENDED", "{}", r.json);
    assert_eq!(trips(&r), (1, 1), "{:?}", r.header("Server-Timing"));
    // After the lag the replica has it too.
    catch_up();
    let r = acct.client().post(&acct.path("/licenses/actions/validate-key"), None, Some(lax_key));
    assert_eq!(r.json["meta"]["code"], "SUSPENDED", "{}", r.json);
}

fn get(acct: &TestAccount, path: &str, bookmark: Option<&str>) -> Resp {
    let auth = format!("Bearer {}", acct.admin_token);
    let mut headers = vec![("Accept", "application/vnd.api+json"), ("Authorization", auth.as_str())];
    headers.extend(bookmark.map(|b| (BOOKMARK, b)));
    lagged_server(LAG_MS).client().raw("GET", &acct.path(path), &headers, None)
}

#[test]
fn a_bookmark_reads_its_own_write_and_a_garbage_one_pins_nothing() {
    let acct = account();
    create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "warm"}}}));
    catch_up();
    let created = create(&acct, "/products", json!({"data": {"type": "products", "attributes": {"name": "fresh"}}}));
    let bookmark = created.header(BOOKMARK).unwrap_or_else(|| panic!("no bookmark: {:?}", created.headers)).to_owned();
    let id = created.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/products/{id}");
    // Without a bookmark the replica has not seen it yet …
    let r = get(&acct, &path, None);
    assert_eq!(r.status, 404, "the replica should lag: {}", r.text());
    assert_eq!(trips(&r).0, 0, "{:?}", r.header("Server-Timing"));
    // … with the write's bookmark the session reads it (read-your-writes) …
    let r = get(&acct, &path, Some(&bookmark));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json["data"]["id"], id.as_str());
    assert!(r.header(BOOKMARK).is_some(), "{:?}", r.headers);
    // … and a garbage bookmark is ignored: the session still starts at the (stale) replica,
    // neither pinned to the primary nor refused.
    for garbage in ["first-primary", "not a bookmark", "zz-zz"] {
        let r = get(&acct, &path, Some(garbage));
        assert_eq!(r.status, 404, "bookmark {garbage:?} reached the primary: {}", r.text());
        let (primary, replica) = trips(&r);
        assert!(primary == 0 && replica >= 1, "bookmark {garbage:?}: {:?}", r.header("Server-Timing"));
    }
    let r = get(&acct, "/products", Some("first-primary"));
    r.assert_status(200);
    assert_eq!(r.json["data"].as_array().map(Vec::len), Some(1), "the list is the replica's: {}", r.json);
    catch_up();
    let r = get(&acct, &path, None);
    assert_eq!(r.status, 200, "{}", r.text());
}
