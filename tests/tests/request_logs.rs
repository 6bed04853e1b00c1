//! Request logs (issue 8) and `PUT /tokens` on the real runtime: a request appears in the log
//! (written after the response, in `waitUntil`) with its method, redacted URL, status,
//! requestor, resource, sizes and time; Keygen's filters narrow the list; no secret reaches the
//! log; the log endpoints themselves are not logged; only admins read them. Pruning by the
//! daily cron and the daily cap under concurrency: `request_logs_cron.rs` (its own server).

use std::time::{Duration, Instant};

use e2e::{server, TestAccount};
use serde_json::{json, Value};

/// The account's logs matching `q`, waiting up to 10 s for at least `n` (they are written after
/// the response).
fn logs(acct: &TestAccount, q: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let r = acct.client().get(&acct.path(&format!("/request-logs?page[size]=100&{q}")), acct.admin(), None);
        r.assert_status(200);
        let data = r.json["data"].as_array().cloned().unwrap_or_default();
        if data.len() >= n || start.elapsed() > Duration::from_secs(10) {
            return data;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn product(acct: &TestAccount, name: &str) -> String {
    let r = acct.client().post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":name}}})));
    r.assert_status(201).json["data"]["id"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_request_appears_in_the_log_with_its_requestor_resource_and_sizes() {
    let acct = server().bootstrap_account();
    let body = br#"{"data":{"type":"products","attributes":{"name":"Logged"}}}"#;
    let auth = format!("Bearer {}", acct.admin_token);
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/vnd.api+json"), ("User-Agent", "latchkey-e2e/1.0")];
    let r = acct.client().raw("POST", &acct.path("/products"), &headers, Some(body));
    r.assert_status(201);
    let pid = r.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let found = logs(&acct, "method=POST", 1);
    assert_eq!(found.len(), 1, "{found:?}");
    let log = &found[0];
    let a = &log["attributes"];
    assert_eq!(log["type"], "request-logs");
    assert_eq!((a["method"].as_str(), a["status"].as_u64()), (Some("POST"), Some(201)));
    assert_eq!(a["url"], acct.path("/products"));
    assert_eq!(a["userAgent"], "latchkey-e2e/1.0");
    assert_eq!(a["requestSize"].as_u64(), Some(body.len() as u64));
    assert_eq!(a["responseSize"].as_u64(), Some(r.body.len() as u64));
    assert!(a["runTime"].as_u64().is_some(), "{a}");
    assert!(a["requestBody"].is_null() && a["responseBody"].is_null() && a["requestHeaders"].is_null(), "no blobs are stored: {a}");
    assert_eq!(log["relationships"]["requestor"]["data"], json!({"type": "users", "id": acct.admin_id}));
    assert_eq!(log["relationships"]["resource"]["data"], json!({"type": "products", "id": pid}));
    // The one log by id.
    let id = log["id"].as_str().unwrap_or_default();
    let one = acct.client().get(&acct.path(&format!("/request-logs/{id}")), acct.admin(), None);
    assert_eq!(one.assert_status(200).json["data"]["attributes"], *a);
    // An anonymous 401 is logged too, without a requestor; a 404 names the path's resource.
    let missing = "00000000-0000-4000-8000-000000000000";
    acct.client().get(&acct.path("/licenses"), None, None).assert_status(401);
    acct.client().get(&acct.path(&format!("/machines/{missing}")), acct.admin(), None).assert_status(404);
    let anon = logs(&acct, "status=401", 1);
    assert_eq!(anon.len(), 1);
    assert!(anon[0]["relationships"]["requestor"]["data"].is_null());
    let nf = logs(&acct, "status=404", 1);
    assert_eq!(nf[0]["relationships"]["resource"]["data"], json!({"type": "machines", "id": missing}));
}

#[test]
fn keygen_filters_narrow_the_list() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let pid = product(&acct, "Filtered");
    let (_, token) = {
        let r = c.post(&acct.path(&format!("/products/{pid}/tokens")), acct.admin(), None);
        let j = r.assert_status(201).json.clone();
        (j["data"]["id"].as_str().unwrap_or_default().to_owned(), j["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned())
    };
    c.get(&acct.path(&format!("/products/{pid}")), Some(&token), None).assert_status(200);
    c.delete(&acct.path("/products/00000000-0000-4000-8000-000000000000"), acct.admin(), None).assert_status(404);
    // 4 logged: POST /products, POST …/tokens, GET as the product, DELETE 404.
    assert_eq!(logs(&acct, "", 4).len(), 4);
    assert_eq!(logs(&acct, "method=delete", 1).len(), 1, "method is case-insensitive");
    assert_eq!(logs(&acct, "status=404", 1)[0]["attributes"]["method"], "DELETE");
    assert_eq!(logs(&acct, "url=/tokens", 1).len(), 1);
    let by_product = logs(&acct, &format!("requestor[type]=product&requestor[id]={pid}"), 1);
    assert_eq!(by_product.len(), 1);
    assert_eq!(by_product[0]["attributes"]["method"], "GET");
    assert_eq!(logs(&acct, &format!("resource[type]=products&resource[id]={pid}"), 3).len(), 3, "create, token's product path, read");
    let today = iso_day(0);
    let tomorrow = iso_day(1);
    assert_eq!(logs(&acct, &format!("date[start]={today}&date[end]={tomorrow}"), 4).len(), 4);
    assert_eq!(logs(&acct, "date[start]=2001-01-01&date[end]=2001-01-31", 0).len(), 0);
    if let Some(ip) = logs(&acct, "", 4)[0]["attributes"]["ip"].as_str() {
        assert_eq!(logs(&acct, &format!("ip={ip}"), 4).len(), 4);
    }
    assert_eq!(logs(&acct, "ip=203.0.113.250", 0).len(), 0);
    // Bad filters: a precise 400.
    for (q, param) in [("status=abc", "status"), ("date[start]=2024-01-01", "date"), ("date[start]=2024-01-01&date[end]=2024-06-01", "date"), ("url=", "url")] {
        let r = c.get(&acct.path(&format!("/request-logs?{q}")), acct.admin(), None);
        assert_eq!((r.status, r.error_code()), (400, Some("PARAMETER_INVALID")), "{q}");
        assert_eq!(r.json["errors"][0]["source"]["parameter"], param, "{q}");
    }
}

fn iso_day(offset: i64) -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_millis() as i64) + offset * 86_400_000;
    let days = ms.div_euclid(86_400_000);
    // civil_from_days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn secrets_never_reach_the_log() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let key = license_key(&acct);
    // The admin token in the query, a license key in the path and as a credential, a password.
    c.get(&format!("{}?token={}", acct.path("/me"), acct.admin_token), None, None).assert_status(200);
    c.post(&acct.path(&format!("/licenses/{key}/actions/validate")), Some(&format!("License {key}")), None).assert_status(200);
    let basic = format!("Basic {}", b64(&format!("{}:{}", acct.admin_email, acct.admin_password)));
    let r = c.raw("POST", &acct.path("/tokens"), &[("Authorization", basic.as_str())], None);
    r.assert_status(201);
    let minted = r.json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let all = logs(&acct, "", 6);
    let text = serde_json::to_string(&all).unwrap_or_default();
    for secret in [acct.admin_token.as_str(), key.as_str(), acct.admin_password.as_str(), minted.as_str()] {
        assert!(!secret.is_empty() && !text.contains(secret), "a secret reached the log: {text}");
    }
    assert!(text.contains("?token=[FILTERED]"), "{text}");
    assert!(text.contains("/licenses/[FILTERED]/actions/validate"), "{text}");
}

/// A license of a LICENSE-authenticated policy: its key.
fn license_key(acct: &TestAccount) -> String {
    let c = acct.client();
    let pid = product(acct, "Licensed");
    let pol = c.post(
        &acct.path("/policies"),
        acct.admin(),
        Some(json!({"data":{"type":"policies","attributes":{"name":"P","authenticationStrategy":"LICENSE"},"relationships":{"product":{"data":{"type":"products","id":pid}}}}})),
    );
    let l = c.post(
        &acct.path("/licenses"),
        acct.admin(),
        Some(json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol.assert_status(201).json["data"]["id"]}}}}})),
    );
    l.assert_status(201).json["data"]["attributes"]["key"].as_str().unwrap_or_default().to_owned()
}

fn b64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn reading_the_logs_is_not_logged_and_only_admins_may() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let pid = product(&acct, "Reader");
    for _ in 0..3 {
        c.get(&acct.path("/request-logs"), acct.admin(), None).assert_status(200);
        c.get(&acct.path("/event-logs"), acct.admin(), None).assert_status(200);
        c.get(&acct.path(""), acct.admin(), None).assert_status(200);
    }
    let r = c.post(&acct.path(&format!("/products/{pid}/tokens")), acct.admin(), None);
    let token = r.assert_status(201).json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    let r = c.get(&acct.path("/request-logs"), Some(&token), None);
    assert_eq!((r.status, r.error_code()), (403, Some("FORBIDDEN")));
    let r = c.get(&acct.path("/request-logs"), None, None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_MISSING")));
    // Only the product's creation and its token's (plus the 403 as the product, and the 401
    // are not: both hit /request-logs).
    let all = logs(&acct, "", 2);
    std::thread::sleep(Duration::from_millis(500));
    let all_again = logs(&acct, "", 2);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all_again.len(), 2, "{all_again:?}");
    assert!(all.iter().all(|l| !l["attributes"]["url"].as_str().unwrap_or_default().contains("-logs")));
}

#[test]
fn put_tokens_regenerates_the_current_token() {
    let acct = server().bootstrap_account();
    let c = acct.client();
    let pid = product(&acct, "Regen");
    let r = c.post(&acct.path(&format!("/products/{pid}/tokens")), acct.admin(), None);
    let j = r.assert_status(201).json.clone();
    let (id, old) = (j["data"]["id"].as_str().unwrap_or_default().to_owned(), j["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned());
    let r = c.put(&acct.path("/tokens"), Some(&old), None);
    r.assert_status(200);
    assert_eq!(r.json["data"]["id"], id.as_str(), "the same token, regenerated");
    let new = r.json["data"]["attributes"]["token"].as_str().unwrap_or_default().to_owned();
    assert!(new.starts_with("prod-") && new != old, "{new}");
    assert_eq!(c.get(&acct.path(&format!("/products/{pid}")), Some(&old), None).status, 401);
    c.get(&acct.path(&format!("/products/{pid}")), Some(&new), None).assert_status(200);
    // The event Keygen emits.
    let ev = c.get(&acct.path("/event-logs?event=token.regenerated"), acct.admin(), None);
    assert!(
        ev.assert_status(200).json["data"].as_array().is_some_and(|d| d.iter().any(|e| e["relationships"]["resource"]["data"]["id"] == id.as_str())),
        "{}",
        ev.json
    );
    // Without a token: anonymous 401; a license key is no token: 404, as Keygen.
    let r = c.put(&acct.path("/tokens"), None, None);
    assert_eq!((r.status, r.error_code()), (401, Some("TOKEN_MISSING")));
    let key = license_key(&acct);
    let r = c.put(&acct.path("/tokens"), Some(&format!("License {key}")), None);
    assert_eq!((r.status, r.error_code()), (404, Some("NOT_FOUND")), "{}", r.text());
}

/// Keygen's `request` relationship and scope on the event log (issue 8): the request log's id
/// is the request's `X-Request-Id`, and the events that request wrote name it.
#[test]
fn events_name_the_request_that_wrote_them_and_the_request_log_has_its_id() {
    let acct = server().bootstrap_account();
    let r = acct.client().post(&acct.path("/products"), acct.admin(), Some(json!({"data":{"type":"products","attributes":{"name":"Traced"}}})));
    r.assert_status(201);
    let pid = r.json["data"]["id"].as_str().unwrap_or_default().to_owned();
    let rid = r.header("X-Request-Id").unwrap_or_default().to_owned();
    assert_eq!(rid.len(), 36, "a UUID request id: {rid:?}");
    let events = acct.client().get(&acct.path(&format!("/event-logs?request={rid}")), acct.admin(), None);
    let data = events.assert_status(200).json["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 1, "{}", events.json);
    assert_eq!(
        (data[0]["attributes"]["event"].as_str(), data[0]["relationships"]["resource"]["data"]["id"].as_str()),
        (Some("product.created"), Some(pid.as_str()))
    );
    assert_eq!(data[0]["relationships"]["request"]["data"], json!({"type": "request-logs", "id": rid}));
    let related = data[0]["relationships"]["request"]["links"]["related"].as_str().unwrap_or_default().to_owned();
    assert!(related.ends_with(&format!("/request-logs/{rid}")), "{related}");
    // A part of the id finds it too; another request's id and an empty term find nothing.
    let part = acct.client().get(&acct.path(&format!("/event-logs?request={}", &rid[..8])), acct.admin(), None);
    assert!(part.assert_status(200).json["data"].as_array().is_some_and(|a| a.iter().any(|e| e["id"] == data[0]["id"])));
    for q in ["request=", "request=ffffffff-ffff-4fff-bfff-ffffffffffff"] {
        let none = acct.client().get(&acct.path(&format!("/event-logs?{q}")), acct.admin(), None);
        assert_eq!(none.assert_status(200).json["data"], json!([]), "{q}");
    }
    // The link resolves once the request log is written (after the response).
    logs(&acct, "method=POST", 1);
    let one = acct.client().get(&related, acct.admin(), None);
    assert_eq!((one.status, one.json["data"]["id"].as_str()), (200, Some(rid.as_str())), "{}", one.json);
}
