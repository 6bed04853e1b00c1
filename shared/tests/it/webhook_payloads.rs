//! Webhook payloads render the resource as the API does (Keygen's payload), fall back to the
//! identifier for deleted resources, never carry a token's value, and fan-out reads each
//! resource once per chunk within its statement budget.

use serde_json::{json, Value};
use shared::api::query::Query;
use shared::service::lifecycle::jobs::{self, Budget};
use shared::service::lifecycle::webhook_delivery::{deliver_pending, fan_out, RecordingHttp};
use shared::service::{licensing::license_tokens, licensing::licenses, lifecycle::webhooks, Caller};
use shared::store::rows::{PolicyRow, WebhookEndpointRow};

use crate::support::{block, Env};

fn setup() -> (Env, Caller, PolicyRow, WebhookEndpointRow) {
    let env = Env::new();
    let admin = env.admin();
    let product = env.product(&admin, "App");
    let policy = env.policy(&admin, &product, json!({}));
    env.clock.advance(1000);
    let body = json!({"data": {"type": "webhook-endpoints", "attributes": {"url": "https://hooks.example.com/h"}}}).to_string();
    let ep = block(webhooks::create(&env.app(), &admin, webhooks::parse(body.as_bytes(), true, false).unwrap())).unwrap();
    env.clock.advance(1000);
    (env, admin, policy, ep)
}

/// `(event, payload)` of the endpoint's webhook events, oldest fan-out first (in no order
/// within one fan-out).
fn payloads(env: &Env, admin: &Caller, ep: &WebhookEndpointRow) -> Vec<(String, Value)> {
    let q = Query::parse(&format!("endpoint={}", ep.id));
    let mut rows = block(webhooks::list_events(&env.app(), admin, &q)).unwrap().0;
    rows.reverse();
    rows.into_iter().map(|r| (r.event, serde_json::from_str(&r.payload).unwrap())).collect()
}

fn payload_of<'a>(got: &'a [(String, Value)], event: &str) -> &'a Value {
    &got.iter().find(|(e, _)| e == event).unwrap_or_else(|| panic!("no {event} in {got:?}")).1
}

fn rename(env: &Env, admin: &Caller, id: &str, name: &str) {
    let body = json!({"data": {"type": "licenses", "attributes": {"name": name, "expiry": "2030-01-01T00:00:00.000Z"}}}).to_string();
    block(licenses::update(&env.app(), admin, id, licenses::parse(body.as_bytes(), false).unwrap())).unwrap();
}

#[test]
fn changes_ride_in_meta_and_deleted_resources_fall_back_to_their_identifier() {
    let (env, admin, policy, ep) = setup();
    let l = env.license(&admin, &policy, json!({"name": "Before"}));
    env.clock.advance(1000);
    rename(&env, &admin, &l.id, "After");
    env.clock.advance(1000);
    block(deliver_pending(&env.app(), &RecordingHttp::default(), admin.account_id(), &jobs::Settings::free(false))).unwrap();
    env.clock.advance(1000);
    block(licenses::delete(&env.app(), &admin, &l.id, false)).unwrap();
    block(deliver_pending(&env.app(), &RecordingHttp::default(), admin.account_id(), &jobs::Settings::free(false))).unwrap();

    let got = payloads(&env, &admin, &ep);
    let mut names: Vec<&str> = got.iter().map(|(e, _)| e.as_str()).collect();
    names.sort_unstable();
    // The expiry change is also a subscription change (issue 10 §5).
    assert_eq!(names, ["license.created", "license.deleted", "license.expiry.updated", "license.subscription.updated", "license.updated"]);
    // Rendered at fan-out: all show the license as it was then (after the rename).
    for event in ["license.created", "license.updated", "license.expiry.updated"] {
        let p = payload_of(&got, event);
        assert_eq!(p["data"]["attributes"]["name"], "After");
        assert_eq!(p["data"]["attributes"]["key"], l.key.as_str());
        assert_eq!(p["data"]["links"]["self"], format!("/v1/accounts/{}/licenses/{}", admin.account_id(), l.id));
    }
    assert_eq!(payload_of(&got, "license.expiry.updated")["meta"]["changes"]["expiry"], json!([null, "2030-01-01T00:00:00.000Z"]));
    assert_eq!(payload_of(&got, "license.deleted")["data"], json!({"type": "licenses", "id": l.id}));
}

#[test]
fn token_payloads_never_carry_the_token() {
    let (env, admin, policy, ep) = setup();
    let l = env.license(&admin, &policy, json!({}));
    env.clock.advance(1000);
    let t = block(license_tokens::generate(&env.app(), &admin, &l.id, br#"{"data":{"type":"tokens","attributes":{"name":"ci"}}}"#)).unwrap();
    block(deliver_pending(&env.app(), &RecordingHttp::default(), admin.account_id(), &jobs::Settings::free(false))).unwrap();
    let got = payloads(&env, &admin, &ep);
    let (event, p) = got.iter().find(|(_, p)| p["data"]["type"] == "tokens").expect("a token event");
    assert_eq!(event, "token.generated");
    assert_eq!(p["data"]["id"], t.row.id.as_str());
    assert_eq!(p["data"]["attributes"]["name"], "ci");
    assert!(p["data"]["attributes"].get("token").is_none());
    assert!(!p.to_string().contains(&t.raw.unwrap()));
}

#[test]
fn fan_out_reads_each_resource_once_and_leaves_what_the_budget_cannot_afford() {
    let (env, admin, policy, ep) = setup();
    let a = env.license(&admin, &policy, json!({}));
    env.clock.advance(1000);
    rename(&env, &admin, &a.id, "A");
    env.clock.advance(1000);
    let b = env.license(&admin, &policy, json!({}));

    // 4 statements per chunk + 1 read: license `a` (its 4 events: created, updated, expiry
    // updated, subscription updated), not `b`.
    let budget = Budget::new(5);
    let rep = block(fan_out(&env.app(), &budget, Some(admin.account_id()))).unwrap();
    assert!(!rep.done);
    assert_eq!(budget.spent(), 5);
    let ids: Vec<Value> = payloads(&env, &admin, &ep).into_iter().map(|(_, p)| p["data"]["id"].clone()).collect();
    assert_eq!(ids, [json!(a.id), json!(a.id), json!(a.id), json!(a.id)]);

    // The next run picks up the rest.
    env.clock.advance(1000);
    let budget = Budget::new(100);
    assert!(block(fan_out(&env.app(), &budget, Some(admin.account_id()))).unwrap().done);
    let got = payloads(&env, &admin, &ep);
    assert_eq!(got.len(), 5);
    assert_eq!(got[4].1["data"]["id"], b.id.as_str());
    assert_eq!(got[4].1["data"]["attributes"]["status"], "ACTIVE");
}

#[test]
fn large_fan_outs_are_split_into_inserts_under_d1_string_limit() {
    let (env, admin, policy, first) = setup();
    for i in 1..12 {
        let body = json!({"data": {"type": "webhook-endpoints", "attributes": {"url": format!("https://hooks{i}.example.com/h")}}}).to_string();
        block(webhooks::create(&env.app(), &admin, webhooks::parse(body.as_bytes(), true, false).unwrap())).unwrap();
    }
    env.clock.advance(1000);
    // 4 events × 12 endpoints × a ~15 KB payload: more than one insert's worth.
    let l = env.license(&admin, &policy, json!({"metadata": {"blob": "x".repeat(15_000)}}));
    env.clock.advance(1000);
    rename(&env, &admin, &l.id, "Big");
    let budget = Budget::new(100);
    assert!(block(fan_out(&env.app(), &budget, Some(admin.account_id()))).unwrap().done);
    // 4 per chunk, 1 read (one license), 1 more insert.
    assert_eq!(budget.spent(), 6);
    let n = block(shared::store::Db::query(&env.db, "SELECT count(*) AS n, max(length(payload)) AS big FROM webhook_events", &[])).unwrap();
    assert_eq!(n[0]["n"], 48);
    assert!(n[0]["big"].as_i64().unwrap() > 15_000);
    assert_eq!(payloads(&env, &admin, &first).len(), 4);
}
