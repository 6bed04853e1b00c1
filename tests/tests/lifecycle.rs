//! Lifecycle on the real runtime: each cron fired through Miniflare's scheduled entry point
//! (with `time` to move "now"), what each job did read from the Worker's `cron-report` log line,
//! a job's events observed through `/event-logs`, maintenance renewal, and webhooks received by
//! a loopback HTTP receiver started here — delivered by the webhook queue's consumer, signature verified with the account's public key, a
//! 500 retried by the cron with the same idempotency token, redirects not followed, bodies
//! capped, a hanging receiver timed out, repeated failures suspending the endpoint. Targets that must be refused are only ever subscribed
//! to an event that is never emitted, and deleted at once should the refusal fail.

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use e2e::{server, Server, TestAccount};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Loopback `http://` endpoints are allowed only in development: this binary's server runs
/// with `ENVIRONMENT=development` (server.mjs reads it from the environment).
fn srv() -> &'static Server {
    static DEV: Once = Once::new();
    DEV.call_once(|| std::env::set_var("ENVIRONMENT", "development"));
    server()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Fires `cron` with the scheduled time `time` (ms) and returns the status and the Worker's
/// `cron-report` for that run (what each job did).
fn fire_report(cron: &str, time: i64) -> (u16, Value) {
    // Parallel tests share the server: a scheduled time used once identifies the report.
    static USED: Mutex<Vec<i64>> = Mutex::new(Vec::new());
    let time = {
        let mut used = USED.lock().unwrap();
        let mut t = time;
        while used.contains(&t) {
            t += 1;
        }
        used.push(t);
        t
    };
    let target = format!("/cdn-cgi/handler/scheduled?cron={}&time={time}", cron.replace(' ', "+"));
    let status = srv().client().unverified().get(&target, None, None).status;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let logs = srv().logs();
        let found = logs
            .lines()
            .filter_map(|l| l.split_once("cron-report ").map(|(_, j)| j))
            .filter_map(|j| serde_json::from_str::<Value>(j).ok())
            .find(|r| r["scheduledTime"] == time);
        if let Some(report) = found {
            assert_eq!(report["cron"], cron, "{report}");
            return (status, report);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no cron-report for {cron} at {time}\n{}", srv().logs());
}

/// Fires `cron` at `time`; asserts it succeeded and every job reported no error. The report.
fn fire(cron: &str, time: i64) -> Value {
    let (status, report) = fire_report(cron, time);
    assert_eq!((status, report["ok"].as_bool()), (200, Some(true)), "{cron}: {report}\n{}", srv().logs());
    report
}

/// The report of `job` in a cron report.
fn job<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["jobs"].as_array().and_then(|j| j.iter().find(|j| j["job"] == name)).unwrap_or_else(|| panic!("no job {name} in {report}"))
}

#[path = "support/receiver.rs"]
mod receiver;
use receiver::{receiver, receiver_with, Received, Reply};

fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15) {
        if got.lock().unwrap().len() >= n {
            return got.lock().unwrap().clone();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("expected {n} webhook requests, got {:?}\n{}", got.lock().unwrap(), srv().logs());
}

/// Verifies a delivery's `Keygen-Signature` the way keygen-go's `VerifyWebhook` does, from the
/// wire contract: digest over the body, Ed25519 over method, target, host (no port), date, digest.
fn verify(r: &Received, public_key_hex: &str, host: &str) {
    let digest = format!("sha-256={}", B64.encode(Sha256::digest(&r.body)));
    assert_eq!(r.header("Digest"), digest);
    assert_eq!(r.header("Keygen-Digest"), digest);
    let sig_header = r.header("Keygen-Signature");
    assert!(sig_header.contains(r#"algorithm="ed25519""#), "{sig_header}");
    let sig_b64 = sig_header.split("signature=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
    let data = format!("(request-target): post {}\nhost: {host}\ndate: {}\ndigest: {digest}", r.target, r.header("Date"));
    let key: [u8; 32] = hex::decode(public_key_hex).unwrap().try_into().unwrap();
    let sig: [u8; 64] = B64.decode(sig_b64).unwrap().try_into().unwrap();
    VerifyingKey::from_bytes(&key).unwrap().verify_strict(data.as_bytes(), &Signature::from_bytes(&sig)).expect("webhook signature verifies");
}

fn token(r: &Received) -> String {
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    v["data"]["meta"]["idempotencyToken"].as_str().unwrap().to_owned()
}

fn create(acct: &TestAccount, path: &str, body: Value) -> Value {
    let r = acct.client().post(&acct.path(path), acct.admin(), Some(body));
    r.assert_status(201);
    r.json["data"].clone()
}

fn product_and_policy(acct: &TestAccount, policy_attrs: Value) -> String {
    let p = create(acct, "/products", json!({"data":{"type":"products","attributes":{"name":"App"}}}));
    let mut attrs = policy_attrs;
    attrs["name"] = "Policy".into();
    let pol =
        create(acct, "/policies", json!({"data":{"type":"policies","attributes":attrs,"relationships":{"product":{"data":{"type":"products","id":p["id"]}}}}}));
    pol["id"].as_str().unwrap().to_owned()
}

#[test]
fn every_cron_runs_its_jobs_and_reports_each() {
    let expected: [(&str, &[&str]); 3] = [
        ("*/2 * * * *", &["cull-machines", "cull-processes", "webhooks"]),
        (
            "*/10 * * * *",
            &[
                "license-expiring-soon",
                "license-expired",
                "maintenance-expiring-soon",
                "maintenance-expired",
                "check-in-required-soon",
                "check-in-overdue",
                // Trials.
                "trial-activation-expired",
                "webhooks",
            ],
        ),
        ("0 6 * * *", &["prune-webhook-events", "prune-tokens", "prune-stale-uploads", "prune-request-logs", "webhooks"]),
    ];
    for (cron, jobs) in expected {
        let report = fire(cron, now_ms());
        let names: Vec<&str> = report["jobs"].as_array().unwrap().iter().filter_map(|j| j["job"].as_str()).collect();
        assert_eq!(names, jobs, "{report}");
        // Free-plan defaults: no invocation spends more than 45 of its 50 D1 queries.
        assert!(report["statements"].as_u64().unwrap() <= 45, "{report}");
    }
}

#[test]
fn a_failing_cron_run_is_not_a_success() {
    // No job is scheduled under this expression: the run reports it and the invocation fails.
    let (status, report) = fire_report("* * * * *", now_ms());
    assert_ne!(status, 200, "{report}");
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"][0]["job"], "dispatch", "{report}");
}

#[test]
fn expiring_soon_fires_once_from_the_cron() {
    let acct = srv().bootstrap_account();
    let pol = product_and_policy(&acct, json!({}));
    let expiry = shared::clock::iso8601(now_ms() + 86_400_000);
    let lic = create(
        &acct,
        "/licenses",
        json!({"data":{"type":"licenses","attributes":{"expiry":expiry},"relationships":{"policy":{"data":{"type":"policies","id":pol}}}}}),
    );
    let id = lic["id"].as_str().unwrap();
    let t = now_ms();
    let first = fire("*/10 * * * *", t);
    let soon = job(&first, "license-expiring-soon");
    assert!(soon["events"].as_u64().unwrap() >= 1 && soon["done"] == true, "{first}");
    let second = fire("*/10 * * * *", t);
    let again = job(&second, "license-expiring-soon");
    assert!(again["rows"].as_u64().unwrap() <= soon["rows"].as_u64().unwrap(), "{second}");
    let r = acct.client().get(&acct.path(&format!("/event-logs?event=license.expiring-soon&resource[id]={id}")), acct.admin(), None);
    r.assert_status(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1, "{}", r.json);
    let later = fire("*/10 * * * *", t + 2 * 86_400_000);
    assert!(job(&later, "license-expired")["events"].as_u64().unwrap() >= 1, "{later}");
    let r = acct.client().get(&acct.path(&format!("/event-logs?event=license.expired&resource[id]={id}")), acct.admin(), None);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1, "{}", r.json);
}

#[test]
fn maintenance_is_renewed_over_http() {
    let acct = srv().bootstrap_account();
    // The former `maintenanceDuration` is a maintenance policy now (issue 10 §5).
    let pol = product_and_policy(&acct, json!({}));
    let product = acct.client().get(&acct.path(&format!("/policies/{pol}")), acct.admin(), None).json["data"]["relationships"]["product"]["data"]["id"].clone();
    let mp = create(
        &acct,
        "/maintenance-policies",
        json!({"data":{"type":"maintenance-policies","attributes":{"name":"M","subscriptionInterval":"P30D"},"relationships":{"product":{"data":{"type":"products","id":product}}}}}),
    );
    let lic = create(
        &acct,
        "/licenses",
        json!({"data":{"type":"licenses","relationships":{"policy":{"data":{"type":"policies","id":pol}},"maintenancePolicy":{"data":{"type":"maintenance-policies","id":mp["id"]}}}}}),
    );
    let id = lic["id"].as_str().unwrap();
    let r = acct.client().post(&acct.path(&format!("/licenses/{id}/actions/renew-maintenance")), acct.admin(), None);
    r.assert_status(200);
    assert!(r.json["data"]["attributes"]["maintenanceExpiry"].is_string(), "{}", r.json);
    let r = acct.client().get(&acct.path(&format!("/event-logs?event=license.maintenance.renewed&resource[id]={id}")), acct.admin(), None);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1);
}

#[test]
fn webhook_endpoints_validate_their_attributes() {
    let acct = srv().bootstrap_account();
    let c = acct.client();
    let r =
        c.post(&acct.path("/webhook-endpoints"), acct.admin(), Some(json!({"data":{"type":"webhook-endpoints","attributes":{"url":"http://example.com/h"}}})));
    assert_eq!((r.status, r.error_code()), (422, Some("URL_INVALID")));
    let r = c.post(
        &acct.path("/webhook-endpoints"),
        acct.admin(),
        Some(json!({"data":{"type":"webhook-endpoints","attributes":{"url":"https://example.com/h","signatureAlgorithm":"rsa-sha512"}}})),
    );
    assert_eq!((r.status, r.error_code()), (422, Some("SIGNATURE_ALGORITHM_NOT_ALLOWED")));
    let r = c.post(
        &acct.path("/webhook-endpoints"),
        acct.admin(),
        Some(json!({"data":{"type":"webhook-endpoints","attributes":{"url":"https://example.com/h","subscriptions":["nope"]}}})),
    );
    assert_eq!((r.status, r.error_code()), (422, Some("SUBSCRIPTIONS_INVALID")));
}

#[test]
fn webhooks_are_signed_and_a_500_is_retried_by_the_cron_with_the_same_token() {
    let (port, got) = receiver(vec![500]);
    let acct = srv().bootstrap_account();
    let url = format!("http://127.0.0.1:{port}/hook?src=e2e");
    let ep = create(&acct, "/webhook-endpoints", json!({"data":{"type":"webhook-endpoints","attributes":{"url":url,"subscriptions":["product.created"]}}}));
    assert_eq!(ep["attributes"]["subscriptions"], json!(["product.created"]));
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Hooked"}}}));

    // First attempt by the queue consumer right after the change: the receiver answers 500.
    let first = wait_for(&got, 1);
    verify(&first[0], &acct.public_key_hex, "127.0.0.1");
    assert_eq!(first[0].target, "/hook?src=e2e");
    let doc: Value = serde_json::from_slice(&first[0].body).unwrap();
    assert_eq!(doc["data"]["attributes"]["event"], "product.created");
    // The payload is a JSON string of the product as the API renders it (Keygen's payload).
    let payload: Value = serde_json::from_str(doc["data"]["attributes"]["payload"].as_str().unwrap()).unwrap();
    assert_eq!((payload["data"]["type"].as_str(), payload["data"]["attributes"]["name"].as_str()), (Some("products"), Some("Hooked")), "{payload}");
    let r = acct.client().get(&acct.path("/webhook-events"), acct.admin(), None);
    r.assert_status(200);
    assert_eq!(r.json["data"][0]["attributes"]["status"], "FAILING", "{}", r.json);

    // The cron retries once the backoff (1 minute) has passed.
    let report = fire("*/10 * * * *", now_ms() + 2 * 60_000);
    assert!(job(&report, "webhooks")["events"].as_u64().unwrap() >= 1, "{report}");
    let all = wait_for(&got, 2);
    verify(&all[1], &acct.public_key_hex, "127.0.0.1");
    assert_eq!(token(&all[0]), token(&all[1]));
    let r = acct.client().get(&acct.path("/webhook-events"), acct.admin(), None);
    let ev = &r.json["data"][0];
    assert_eq!((ev["attributes"]["status"].as_str(), ev["attributes"]["lastResponseCode"].as_i64()), (Some("DELIVERED"), Some(200)));

    // A manual retry replays it with the same token.
    let id = ev["id"].as_str().unwrap();
    let retried = create(&acct, &format!("/webhook-events/{id}/actions/retry"), Value::Null);
    assert_eq!(retried["meta"]["idempotencyToken"].as_str().unwrap(), token(&all[0]));
    let all = wait_for(&got, 3);
    assert_eq!(token(&all[2]), token(&all[0]));
}

/// The request that records an event only sends a queue notice: the fan-out and the delivery
/// run in the queue consumer's invocation, which logs `webhook-queue {"account":…}` once it has
/// delivered. The old inline hook (`ctx.wait_until` in the request) delivered without any such
/// invocation, so this fails against it.
#[test]
fn a_change_is_delivered_by_the_queue_consumer_not_by_the_request() {
    let (port, got) = receiver(vec![200]);
    let acct = srv().bootstrap_account();
    let url = format!("http://127.0.0.1:{port}/q");
    create(&acct, "/webhook-endpoints", json!({"data":{"type":"webhook-endpoints","attributes":{"url":url,"subscriptions":["product.created"]}}}));
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Queued"}}}));
    let first = wait_for(&got, 1);
    verify(&first[0], &acct.public_key_hex, "127.0.0.1");
    let line = format!("webhook-queue {{\"account\":\"{}\",\"ok\":true}}", acct.id);
    let start = Instant::now();
    // The line is logged when the whole batch is done: a batch shared with the hanging receiver
    // of another test ends after its 15 s timeout.
    while !srv().logs().contains(&line) {
        assert!(start.elapsed() < Duration::from_secs(25), "no consumer run for the account ({line})\n{}", srv().logs());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(settled_event(&acct, 10)["attributes"]["status"], "DELIVERED");
}

/// Repeated failures, each attempted by the queue consumer: after 10 consecutive 500s the
/// endpoint is suspended, and a later event waits (recorded, not posted).
#[test]
fn repeated_failures_through_the_queue_suspend_the_endpoint() {
    let (port, got) = receiver(vec![500; 20]);
    let acct = srv().bootstrap_account();
    let url = format!("http://127.0.0.1:{port}/failing");
    let ep = create(&acct, "/webhook-endpoints", json!({"data":{"type":"webhook-endpoints","attributes":{"url":url,"subscriptions":["product.created"]}}}));
    let ep_id = ep["id"].as_str().unwrap().to_owned();
    for i in 0..10 {
        create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":format!("Failing {i}")}}}));
    }
    let all = wait_for(&got, 10);
    verify(&all[0], &acct.public_key_hex, "127.0.0.1");
    let start = Instant::now();
    loop {
        let r = acct.client().get(&acct.path(&format!("/webhook-endpoints/{ep_id}")), acct.admin(), None);
        r.assert_status(200);
        if r.json["data"]["attributes"]["suspended"] == json!(true) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "endpoint not suspended: {}\n{}", r.json, srv().logs());
        std::thread::sleep(Duration::from_millis(100));
    }
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"After suspension"}}}));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(got.lock().unwrap().len(), 10, "a suspended endpoint was posted to");
}

/// The account's only webhook event, once its status is no longer `DELIVERING` (within `secs`).
fn settled_event(acct: &TestAccount, secs: u64) -> Value {
    let start = Instant::now();
    loop {
        let r = acct.client().get(&acct.path("/webhook-events"), acct.admin(), None);
        r.assert_status(200);
        let ev = r.json["data"][0].clone();
        if ev["attributes"]["status"].as_str().is_some_and(|s| s != "DELIVERING") {
            return ev;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "no attempt recorded: {}\n{}", r.json, srv().logs());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An event no code path emits: endpoints whose refusal is under test subscribe only to it, so
/// a failed refusal still cannot cause a delivery.
const NEVER_EMITTED: &str = "account.billing.updated";

#[test]
fn private_and_non_https_targets_are_refused_with_a_pointer() {
    let acct = srv().bootstrap_account();
    let c = acct.client();
    // Development (this server) allows loopback, and nothing else that is not public https.
    let refused = [
        "http://example.com/h",
        "https://10.0.0.1/h",
        "https://172.16.0.1/h",
        "https://192.168.1.1/h",
        "https://100.64.0.1/h",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/h",
        "https://[fc00::1]/h",
        "https://[::ffff:10.0.0.1]/h",
        "https://0.0.0.0/h",
        "https://printer.local/h",
        "https://metadata.google.internal./h",
        "https://good.example@192.168.0.1/h",
        "https://0xa9.0xfe.0xa9.0xfe/h",
        "https://%31%30.0.0.1/h",
    ];
    let attempt = |url: &str| {
        let body = json!({"data":{"type":"webhook-endpoints","attributes":{"url":url,"subscriptions":[NEVER_EMITTED]}}});
        let r = c.post(&acct.path("/webhook-endpoints"), acct.admin(), Some(body));
        if r.status == 201 {
            let id = r.json["data"]["id"].as_str().unwrap_or_default().to_owned();
            c.delete(&acct.path(&format!("/webhook-endpoints/{id}")), acct.admin(), None).assert_status(204);
        }
        r
    };
    for url in refused {
        let r = attempt(url);
        assert_eq!((r.status, r.error_code()), (422, Some("URL_INVALID")), "{url}: {}", r.json);
        assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/url", "{url}");
    }
    // An update is checked the same way.
    let ep = create(
        &acct,
        "/webhook-endpoints",
        json!({"data":{"type":"webhook-endpoints","attributes":{"url":"http://127.0.0.1:9/h","subscriptions":[NEVER_EMITTED]}}}),
    );
    let id = ep["id"].as_str().unwrap();
    let r = c.patch(
        &acct.path(&format!("/webhook-endpoints/{id}")),
        acct.admin(),
        Some(json!({"data":{"type":"webhook-endpoints","id":id,"attributes":{"url":"https://169.254.169.254/"}}})),
    );
    assert_eq!((r.status, r.error_code()), (422, Some("URL_INVALID")), "{}", r.json);
    assert_eq!(r.json["errors"][0]["source"]["pointer"], "/data/attributes/url");
    let r = c.get(&acct.path(&format!("/webhook-endpoints/{id}")), acct.admin(), None);
    assert_eq!(r.json["data"]["attributes"]["url"], "http://127.0.0.1:9/h", "no partial write");
    c.delete(&acct.path(&format!("/webhook-endpoints/{id}")), acct.admin(), None).assert_status(204);
}

#[test]
fn a_redirect_is_not_followed_and_fails_the_delivery() {
    let (beyond, followed) = receiver(vec![]);
    let (port, got) = receiver_with(move || Reply::Status(302, format!("Location: http://127.0.0.1:{beyond}/elsewhere\r\n"), String::new()));
    let acct = srv().bootstrap_account();
    create(
        &acct,
        "/webhook-endpoints",
        json!({"data":{"type":"webhook-endpoints","attributes":{"url":format!("http://127.0.0.1:{port}/h"),"subscriptions":["product.created"]}}}),
    );
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Redirected"}}}));
    wait_for(&got, 1);
    let ev = settled_event(&acct, 15);
    assert_eq!((ev["attributes"]["status"].as_str(), ev["attributes"]["lastResponseCode"].as_i64()), (Some("FAILING"), Some(302)), "{ev}");
    assert!(followed.lock().unwrap().is_empty(), "the redirect was followed");
}

#[test]
fn a_response_body_is_read_only_up_to_its_cap() {
    // 4 KB of an announced 10 MB arrive, then nothing: a reader that wanted the whole body
    // would wait until the timeout; ours stops at 2 KB and records the delivery at once.
    let (port, got) = receiver_with(|| Reply::Endless(4096));
    let acct = srv().bootstrap_account();
    create(
        &acct,
        "/webhook-endpoints",
        json!({"data":{"type":"webhook-endpoints","attributes":{"url":format!("http://127.0.0.1:{port}/h"),"subscriptions":["product.created"]}}}),
    );
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Chatty"}}}));
    wait_for(&got, 1);
    let ev = settled_event(&acct, 8);
    assert_eq!((ev["attributes"]["status"].as_str(), ev["attributes"]["lastResponseCode"].as_i64()), (Some("DELIVERED"), Some(200)), "{ev}");
    assert_eq!(ev["attributes"]["lastResponseBody"].as_str().unwrap_or_default().len(), 2048, "capped at 2 KB");
}

#[test]
fn a_hanging_receiver_times_out_after_15_seconds() {
    let (port, got) = receiver_with(|| Reply::Hang);
    let acct = srv().bootstrap_account();
    create(
        &acct,
        "/webhook-endpoints",
        json!({"data":{"type":"webhook-endpoints","attributes":{"url":format!("http://127.0.0.1:{port}/h"),"subscriptions":["product.created"]}}}),
    );
    create(&acct, "/products", json!({"data":{"type":"products","attributes":{"name":"Slow"}}}));
    wait_for(&got, 1);
    let start = Instant::now();
    let ev = settled_event(&acct, 30);
    assert_eq!((ev["attributes"]["status"].as_str(), ev["attributes"]["lastResponseCode"].as_i64()), (Some("FAILING"), None), "{ev}");
    assert!(ev["attributes"]["lastResponseBody"].as_str().unwrap_or_default().contains("timed out"), "{ev}");
    assert!(start.elapsed() >= Duration::from_secs(10), "gave up after {:?}", start.elapsed());
}
