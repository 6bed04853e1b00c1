//! Webhook endpoints and delivery with a recording HTTP client: signed deliveries, retries
//! with a stable idempotency token, 410 and repeated-failure suspension, replay after
//! suspension, subscriptions and product scope, and no double delivery.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::crypto::signature::{self, SignedHeaders};
use shared::service::lifecycle::jobs::{self, CRON_LIFECYCLE};
use shared::service::lifecycle::webhook_delivery::{deliver_pending, RecordingHttp, SUSPEND_AFTER_FAILURES};
use shared::service::{lifecycle::webhooks, Caller};
use shared::store::rows::{WebhookEndpointRow, WebhookEventRow};
use shared::store::Db;

use crate::support::{block, Env, T0};

fn endpoint(env: &Env, admin: &Caller, attrs: Value, product: Option<&str>) -> WebhookEndpointRow {
    let mut data = json!({"type": "webhook-endpoints", "attributes": attrs});
    if let Some(p) = product {
        data["relationships"] = json!({"product": {"data": {"type": "products", "id": p}}});
    }
    let body = json!({ "data": data }).to_string();
    block(webhooks::create(&env.app(), admin, webhooks::parse(body.as_bytes(), true, false).unwrap())).unwrap()
}

fn deliveries(env: &Env, admin: &Caller, endpoint_id: &str) -> Vec<WebhookEventRow> {
    let q = Query::parse(&format!("endpoint={endpoint_id}"));
    let mut rows = block(webhooks::list_events(&env.app(), admin, &q)).unwrap().0;
    rows.reverse();
    rows
}

fn body_json(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap()
}

fn token_of(b: &[u8]) -> String {
    body_json(b)["data"]["meta"]["idempotencyToken"].as_str().unwrap().to_owned()
}

/// An account with a product and a policy, and the clock moved past their creation.
fn setup() -> (Env, Caller, shared::store::rows::PolicyRow) {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    env.clock.advance(1000);
    (env, admin, policy)
}

#[test]
fn deliveries_are_signed_like_responses_and_delivered_once() {
    let (env, admin, policy) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://hooks.example.com/keygen?x=1"}), None);
    assert_eq!(ep.subscriptions(), vec!["*"]);
    let l = env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::default();
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let reqs = http.requests.borrow().clone();
    assert_eq!(reqs.len(), 1, "events before the endpoint existed are not sent");
    let r = &reqs[0];
    assert_eq!(r.url, "https://hooks.example.com/keygen?x=1");
    let headers = SignedHeaders {
        date: r.header("Date").unwrap().into(),
        digest: r.header("Digest").unwrap().into(),
        signature: r.header("Keygen-Signature").unwrap().into(),
    };
    assert!(signature::verify(&admin.account.public_key, "post", "/keygen?x=1", "hooks.example.com", &headers, &r.body));
    assert!(!signature::verify(&admin.account.public_key, "post", "/other", "hooks.example.com", &headers, &r.body));
    assert_eq!(r.header("Keygen-Date"), r.header("Date"));
    let doc = body_json(&r.body);
    assert_eq!(doc["data"]["type"], "webhook-events");
    assert_eq!(doc["data"]["attributes"]["event"], "license.created");
    assert_eq!(doc["data"]["attributes"]["endpoint"], ep.url.as_str());
    let payload: Value = serde_json::from_str(doc["data"]["attributes"]["payload"].as_str().unwrap()).unwrap();
    // The license as the API renders it (Keygen's payload), and the event meta.
    let rendered = shared::api::licenses::license(&l, shared::Clock::now_ms(&env.clock)).into_value();
    assert_eq!(payload["data"], rendered);
    assert_eq!((payload["data"]["type"].as_str(), payload["data"]["id"].as_str()), (Some("licenses"), Some(l.id.as_str())));
    let attrs = &payload["data"]["attributes"];
    assert_eq!((attrs["key"].as_str(), attrs["status"].as_str(), attrs["uses"].as_i64()), (Some(l.key.as_str()), Some("ACTIVE"), Some(0)));
    assert_eq!(payload["data"]["relationships"]["policy"]["data"]["id"], policy.id.as_str());
    assert_eq!(payload["meta"], json!({}));
    let rows = deliveries(&env, &admin, &ep.id);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].status.as_str(), rows[0].attempts, rows[0].last_response_code), ("DELIVERED", 1, Some(200)));
    assert_eq!(token_of(&r.body), rows[0].idempotency_token);

    // The hook and the cron running again deliver nothing twice.
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    block(jobs::run(&env.app(), &http, CRON_LIFECYCLE, &jobs::Settings::free(false)));
    assert_eq!(http.requests.borrow().len(), 1);
}

#[test]
fn failures_retry_with_backoff_and_the_same_idempotency_token() {
    let (env, admin, policy) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://hooks.example.com/h"}), None);
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::answering(&[500]);
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let row = &deliveries(&env, &admin, &ep.id)[0];
    assert_eq!((row.status.as_str(), row.attempts, row.last_response_code), ("FAILING", 1, Some(500)));
    assert_eq!(row.next_attempt_at, shared::Clock::now_ms(&env.clock) + 60_000);
    block(jobs::run(&env.app(), &http, CRON_LIFECYCLE, &jobs::Settings::free(false)));
    assert_eq!(http.requests.borrow().len(), 1, "not due yet");
    env.clock.advance(60_000);
    block(jobs::run(&env.app(), &http, CRON_LIFECYCLE, &jobs::Settings::free(false)));
    let reqs = http.requests.borrow().clone();
    assert_eq!(reqs.len(), 2);
    assert_eq!(token_of(&reqs[0].body), token_of(&reqs[1].body));
    assert_eq!(deliveries(&env, &admin, &ep.id)[0].status.as_str(), "DELIVERED");
}

#[test]
fn gone_suspends_the_endpoint_and_a_retry_replays_everything_that_waited() {
    let (env, admin, policy) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://hooks.example.com/h"}), None);
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::answering(&[410]);
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let failed = deliveries(&env, &admin, &ep.id)[0].clone();
    assert_eq!(failed.status.as_str(), "FAILED");
    assert!(block(webhooks::show(&env.app(), &admin, &ep.id)).unwrap().suspended_at.is_some());

    // Suspended, not disabled: new events are still recorded, but wait.
    env.clock.advance(1000);
    env.license(&admin, &policy, json!({}));
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    env.clock.advance(3_600_000);
    block(jobs::run(&env.app(), &http, CRON_LIFECYCLE, &jobs::Settings::free(false)));
    assert_eq!(http.requests.borrow().len(), 1);
    let rows = deliveries(&env, &admin, &ep.id);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].status.as_str(), "DELIVERING");

    // The vendor fixed it and retries the failed one: both go out; the replay keeps its token.
    let retried = block(webhooks::retry_event(&env.app(), &admin, &failed.id)).unwrap();
    assert_eq!(retried.idempotency_token, failed.idempotency_token);
    assert_eq!(retried.retry_of.as_deref(), Some(failed.id.as_str()));
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let reqs = http.requests.borrow().clone();
    assert_eq!(reqs.len(), 3);
    let tokens: Vec<String> = reqs[1..].iter().map(|r| token_of(&r.body)).collect();
    assert!(tokens.contains(&failed.idempotency_token));
    assert!(deliveries(&env, &admin, &ep.id).iter().filter(|r| r.id != failed.id).all(|r| r.status.as_str() == "DELIVERED"));
    assert!(block(webhooks::show(&env.app(), &admin, &ep.id)).unwrap().suspended_at.is_none());
}

#[test]
fn repeated_failures_suspend_the_endpoint() {
    let (env, admin, policy) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://hooks.example.com/h"}), None);
    env.license(&admin, &policy, json!({}));
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::answering(&[503; 40]);
    for _ in 0..20 {
        block(jobs::run(&env.app(), &http, CRON_LIFECYCLE, &jobs::Settings::free(false)));
        env.clock.advance(13 * 3_600_000);
    }
    assert_eq!(http.requests.borrow().len() as i64, SUSPEND_AFTER_FAILURES);
    assert!(block(webhooks::show(&env.app(), &admin, &ep.id)).unwrap().suspended_at.is_some());
    assert!(deliveries(&env, &admin, &ep.id).iter().all(|r| r.status.as_str() != "DELIVERED"));
}

#[test]
fn subscriptions_and_product_scope_filter_deliveries() {
    let (env, admin, policy) = setup();
    let other_product = env.product(&admin, "Other");
    let other_policy = env.policy(&admin, &other_product, json!({}));
    env.clock.advance(1000);
    let deleted_only = endpoint(&env, &admin, json!({"url": "https://a.example.com/", "subscriptions": ["license.deleted"]}), None);
    let scoped = endpoint(&env, &admin, json!({"url": "https://b.example.com/"}), Some(&other_product.id));
    let mine = env.license(&admin, &policy, json!({}));
    let theirs = env.license(&admin, &other_policy, json!({}));
    block(shared::service::licensing::licenses::delete(&env.app(), &admin, &mine.id, false)).unwrap();
    let http = RecordingHttp::default();
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let a: Vec<String> = deliveries(&env, &admin, &deleted_only.id).iter().map(|r| r.event.clone()).collect();
    assert_eq!(a, vec!["license.deleted"]);
    let b = deliveries(&env, &admin, &scoped.id);
    assert_eq!(b.len(), 1);
    assert!(b[0].payload.contains(&theirs.id));
    // Another account's admin sees none of it.
    let stranger = env.admin();
    assert_eq!(block(webhooks::show(&env.app(), &stranger, &scoped.id)).unwrap_err().status, 404);
    assert_eq!(block(webhooks::show_event(&env.app(), &stranger, &b[0].id)).unwrap_err().status, 404);
    let _ = T0;
}

#[test]
fn endpoints_update_and_delete() {
    let (env, admin, _) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://a.example.com/"}), None);
    let body = json!({"data": {"type": "webhook-endpoints", "attributes": {"subscriptions": ["license.created"], "apiVersion": "1.7"}}}).to_string();
    let up = block(webhooks::update(&env.app(), &admin, &ep.id, webhooks::parse(body.as_bytes(), false, false).unwrap())).unwrap();
    assert_eq!((up.subscriptions(), up.api_version.as_str(), up.url.as_str()), (vec!["license.created".to_owned()], "1.7", "https://a.example.com/"));
    let bad = json!({"data": {"type": "webhook-endpoints", "attributes": {"url": "https://x.test"}, "relationships": {"product": {"data": {"type": "products", "id": "nope"}}}}});
    let e = block(webhooks::create(&env.app(), &admin, webhooks::parse(bad.to_string().as_bytes(), true, false).unwrap())).unwrap_err();
    assert_eq!(e.code, "PRODUCT_NOT_FOUND");
    block(webhooks::delete(&env.app(), &admin, &ep.id)).unwrap();
    assert_eq!(block(webhooks::show(&env.app(), &admin, &ep.id)).unwrap_err().status, 404);
}

#[test]
fn a_hanging_endpoint_delays_no_other_delivery() {
    let (env, admin, policy) = setup();
    let slow = endpoint(&env, &admin, json!({"url": "https://slow.example.com/h", "subscriptions": ["license.created"]}), None);
    let fast: Vec<WebhookEndpointRow> =
        (0..3).map(|i| endpoint(&env, &admin, json!({"url": format!("https://fast{i}.example.com/h"), "subscriptions": ["license.created"]}), None)).collect();
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::default().hang("https://slow.example.com/h");
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    // Every delivery started at once; the fast ones finished while the slow one hung.
    assert_eq!(http.requests.borrow().len(), 4);
    let finished = http.finished.borrow().clone();
    assert_eq!(finished.last().map(String::as_str), Some("https://slow.example.com/h"), "{finished:?}");
    for ep in &fast {
        let d = deliveries(&env, &admin, &ep.id);
        assert_eq!((d.len(), d[0].status.as_str(), d[0].last_response_code), (1, "DELIVERED", Some(200)), "{}", ep.url);
    }
    let d = deliveries(&env, &admin, &slow.id);
    assert_eq!((d[0].status.as_str(), d[0].last_response_code), ("FAILING", None));
    assert!(d[0].last_response_body.as_deref().unwrap_or("").contains("timed out"), "{:?}", d[0].last_response_body);
}

#[test]
fn a_redirect_is_a_failed_delivery() {
    let (env, admin, policy) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://hooks.example.com/h", "subscriptions": ["license.created"]}), None);
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::answering(&[302]);
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let d = deliveries(&env, &admin, &ep.id);
    assert_eq!((d[0].status.as_str(), d[0].last_response_code), ("FAILING", Some(302)));
}

#[test]
fn a_stored_private_target_is_refused_at_delivery_without_a_request() {
    let (env, admin, policy) = setup();
    let ep = endpoint(&env, &admin, json!({"url": "https://hooks.example.com/h", "subscriptions": ["license.created"]}), None);
    let loopback = endpoint(&env, &admin, json!({"url": "https://hooks2.example.com/h", "subscriptions": ["license.created"]}), None);
    // Endpoints stored before targets were checked (or written behind the API's back).
    for (id, url) in [(&ep.id, "https://169.254.169.254/latest/meta-data"), (&loopback.id, "http://127.0.0.1:9/h")] {
        block(env.db.execute("UPDATE webhook_endpoints SET url = ?2 WHERE id = ?1", &[id.clone().into(), url.into()])).unwrap();
    }
    env.license(&admin, &policy, json!({}));
    let http = RecordingHttp::default();
    block(deliver_pending(&env.app(), &http, admin.account_id(), &jobs::Settings::free(false))).unwrap();
    assert!(http.requests.borrow().is_empty(), "{:?}", http.requests.borrow());
    for id in [&ep.id, &loopback.id] {
        let d = deliveries(&env, &admin, id);
        assert_eq!(d[0].status.as_str(), "FAILED", "refusals are final");
        assert!(d[0].last_response_body.as_deref().unwrap_or("").starts_with("refused"), "{:?}", d[0].last_response_body);
    }
    // Development allows the loopback one (and only it).
    let dev = jobs::Settings::free(true);
    let l2 = env.license(&admin, &policy, json!({}));
    block(deliver_pending(&env.app(), &http, admin.account_id(), &dev)).unwrap();
    let urls: Vec<String> = http.requests.borrow().iter().map(|r| r.url.clone()).collect();
    assert_eq!(urls, vec!["http://127.0.0.1:9/h"], "{}", l2.id);
}
