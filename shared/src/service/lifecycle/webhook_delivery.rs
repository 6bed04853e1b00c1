//! Webhook delivery (`reference/keygen-wire.md` §6.2): fan-out of new events into webhook
//! events, and delivery — claim, sign, POST, record the attempt.
//!
//! Fan-out creates one `DELIVERING` row per (event, subscribed endpoint), suspended endpoints
//! included (Cryptlex 3.81: suspended, not disabled — nothing is lost). A unique index makes
//! it idempotent. Delivery claims a row with a guarded UPDATE before posting, so the cron and
//! the post-request hook never post the same row concurrently; the idempotency token is fixed
//! per row and copied by manual retries. 2xx → `DELIVERED`; 410 → `FAILED` and the endpoint is
//! suspended; anything else (or a network error) → `FAILING`, retried with backoff by the cron,
//! `FAILED` after [`MAX_ATTEMPTS`]; [`SUSPEND_AFTER_FAILURES`] consecutive failed attempts
//! suspend the endpoint. Suspended endpoints' rows wait; an endpoint update or a manual retry
//! lifts the suspension.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use crate::api::webhooks::webhook_event;
use crate::api::Document;
use crate::clock::Millis;
use crate::crypto::signature;
use crate::crypto::signer::{AccountSigner, Algorithm};
use crate::domain::states::DeliveryStatus;
use crate::service::identity::account_keys;
use crate::service::lifecycle::jobs::{Budget, JobReport, Settings};
use crate::service::lifecycle::webhook_url;
use crate::service::{identity::accounts, lifecycle::webhook_payload, App};
use crate::store::rows::{PendingEventRow, WebhookEndpointRow, WebhookEventRow};
use crate::store::{fetch_all, sql, Db, Kv, Stmt};
use crate::Result;

/// Attempts before a delivery is `FAILED`.
pub const MAX_ATTEMPTS: i64 = 8;
/// Consecutive failed attempts that suspend an endpoint.
pub const SUSPEND_AFTER_FAILURES: i64 = 10;
/// How long a claim protects a delivery in flight.
pub const CLAIM_LEASE_MS: Millis = 5 * 60_000;
/// Events per fan-out chunk.
const FAN_OUT_CHUNK: i64 = 200;
/// Largest JSON parameter of one fan-out insert (D1 caps strings at 1,000,000 bytes).
pub const FAN_OUT_PARAM_BYTES: usize = 500_000;
/// `lastResponseBody` is truncated to this (Keygen: 2 KB); the Worker reads no more of a
/// response than this.
pub const MAX_RESPONSE_BODY: usize = 2048;
/// A delivery that has not answered within this is abandoned as failed (Keygen: 15 s).
pub const DELIVERY_TIMEOUT_MS: u64 = 15_000;
/// Deliveries in flight at once in one run, so one slow endpoint holds one slot, not the run.
pub const DELIVERY_CONCURRENCY: usize = 8;
/// `User-Agent` of deliveries.
pub const USER_AGENT: &str = "Latchkey (+https://keygen.sh/docs/api/webhooks/)";

/// Outbound HTTP: `worker::Fetch` in the Worker, [`RecordingHttp`] in tests.
#[expect(async_fn_in_trait, reason = "Workers are single-threaded; futures need not be Send")]
pub trait HttpClient {
    /// POSTs `body` with `headers` to `url`; the response status and at most
    /// [`MAX_RESPONSE_BODY`] bytes of its body, or a network error. Implementations never follow
    /// redirects (a 3xx is the answer) and give up after [`DELIVERY_TIMEOUT_MS`].
    async fn post(&self, url: &str, headers: &[(String, String)], body: &[u8]) -> std::result::Result<(u16, String), String>;
}

pub use super::http_fake::{Recorded, RecordingHttp, SLOW_POLLS};

/// Whether `subscriptions` receive `event`.
pub fn subscribed(subscriptions: &[String], event: &str) -> bool {
    subscriptions.iter().any(|s| s == "*" || s == event)
}

/// Splits an endpoint URL into the signature's host (no port, as Keygen's `URI#host`) and
/// request target (`path[?query]`, `/` when empty).
pub fn host_and_target(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let (authority, target) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    let target = if target.starts_with('?') { format!("/{target}") } else { target };
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') { v6.split_once(']').map(|(h, _)| h)? } else { authority.split(':').next().unwrap_or(authority) };
    if host.is_empty() {
        return None;
    }
    Some((host.to_ascii_lowercase(), target.split('#').next().unwrap_or("/").to_owned()))
}

/// Fans out events recorded since the last run (of `account`, or all), chunk by chunk. Each
/// event's resource is rendered into its payload ([`webhook_payload`]): one read per distinct
/// resource of a chunk that has a subscribed endpoint, counted against `budget`. When the
/// budget runs out mid-chunk, the events before that point are fanned out and the rest wait
/// for the next run. Webhook events are inserted as JSON arrays of at most
/// [`FAN_OUT_PARAM_BYTES`] (D1 caps a string at 1 MB), each statement counted.
pub async fn fan_out<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget, account: Option<&str>) -> Result<JobReport> {
    let now = app.now();
    let mut rep = JobReport { job: "webhook-fan-out", ..JobReport::default() };
    loop {
        // The events, the endpoints, one insert and the mark.
        if !budget.take(4) {
            return Ok(rep);
        }
        let events: Vec<PendingEventRow> =
            fetch_all(app.db, sql::webhooks::PENDING_EVENT_LOGS, &[FAN_OUT_CHUNK.into(), account.map_or(Value::Null, Value::from)]).await?;
        if events.is_empty() {
            rep.done = true;
            return Ok(rep);
        }
        let accounts: HashSet<&str> = events.iter().map(|e| e.account_id.as_str()).collect();
        let accounts: Vec<&str> = accounts.into_iter().collect();
        let endpoints: Vec<WebhookEndpointRow> = fetch_all(app.db, sql::webhooks::ENDPOINTS_OF_ACCOUNTS, &[json!(accounts).to_string().into()]).await?;
        let subs: Vec<Vec<String>> = endpoints.iter().map(WebhookEndpointRow::subscriptions).collect();
        let mut rendered: HashMap<(&str, &str), Option<Value>> = HashMap::new();
        let mut inserts: Vec<Vec<String>> = vec![Vec::new()];
        let mut param_bytes = 0;
        let mut handled = 0;
        for e in &events {
            let targets: Vec<&WebhookEndpointRow> = endpoints
                .iter()
                .zip(&subs)
                .filter(|(w, s)| {
                    let in_scope = w.product_id.as_ref().is_none_or(|p| e.product_id.as_ref() == Some(p));
                    w.account_id == e.account_id && w.created_at <= e.created_at && in_scope && subscribed(s, &e.event)
                })
                .map(|(w, _)| w)
                .collect();
            if !targets.is_empty() {
                let key = (e.resource_type.as_str(), e.resource_id.as_str());
                if let Entry::Vacant(slot) = rendered.entry(key) {
                    let resource = if webhook_payload::renderable(&e.resource_type) {
                        if !budget.take(1) {
                            break;
                        }
                        // A resource that fails to render (a stored row that does not decode) is
                        // reported and its events go out without it, so one bad row cannot stall
                        // the outbox for every account.
                        match webhook_payload::render(app, &e.account_id, &e.resource_type, &e.resource_id).await {
                            Ok(r) => r,
                            Err(err) => {
                                rep.errors.push(format!("event {}: {} {} does not render: {err}", e.id, e.resource_type, e.resource_id));
                                None
                            }
                        }
                    } else {
                        None
                    };
                    slot.insert(resource);
                }
                let resource = rendered.get(&key).and_then(Option::as_ref);
                // API versions (issue 8): an endpoint at 1.5 or older gets a machine's license owner.
                let versions: Vec<&str> = targets.iter().map(|w| w.api_version.as_str()).collect();
                let found = match webhook_payload::lookups(app, &e.account_id, resource, &versions).await {
                    Ok(f) => f,
                    Err(err) => {
                        rep.errors.push(format!("event {}: the owner lookup for older endpoints failed: {err}", e.id));
                        crate::api::versions::Lookups::default()
                    }
                };
                let rows: Vec<String> = targets
                    .iter()
                    .map(|w| {
                        let payload = webhook_payload::payload_at(e, resource, &w.api_version, &found);
                        json!([app.uuid(), e.account_id, w.id, e.id, e.event, w.url, w.api_version, payload, app.uuid()]).to_string()
                    })
                    .collect();
                let bytes: usize = rows.iter().map(|r| r.len() + 1).sum();
                if param_bytes > 0 && param_bytes + bytes > FAN_OUT_PARAM_BYTES {
                    if !budget.take(1) {
                        break;
                    }
                    inserts.push(Vec::new());
                    param_bytes = 0;
                }
                param_bytes += bytes;
                if let Some(v) = inserts.last_mut() {
                    v.extend(rows);
                }
            }
            handled += 1;
        }
        if handled == 0 {
            return Ok(rep);
        }
        rep.rows += handled;
        let ids: Vec<&str> = events[..handled].iter().map(|e| e.id.as_str()).collect();
        let mut stmts: Vec<Stmt> = inserts
            .into_iter()
            .filter(|rows| !rows.is_empty())
            .map(|rows| Stmt::new(sql::webhooks::FAN_OUT, vec![format!("[{}]", rows.join(",")).into(), now.into()]))
            .collect();
        stmts.push(Stmt::new(sql::webhooks::MARK_FANNED_OUT, vec![json!(ids).to_string().into(), now.into()]));
        app.db.batch(stmts).await?;
        if handled < events.len() || (events.len() as i64) < FAN_OUT_CHUNK {
            rep.done = handled == events.len();
            return Ok(rep);
        }
    }
}

/// Backoff before attempt `n + 1` after `n` failed attempts: 1 min × 4^(n−1), at most 12 h
/// (1 m, 4 m, 16 m, ~1 h, ~4 h, 12 h, 12 h: ~30 h over [`MAX_ATTEMPTS`]).
pub fn backoff_ms(failed_attempts: i64) -> Millis {
    let exp = u32::try_from(failed_attempts.clamp(1, 8) - 1).unwrap_or(0);
    (60_000_i64 * 4_i64.pow(exp)).min(12 * 3_600_000)
}

/// Delivers what is due (of `account`, or all): at most `max` posts, [`DELIVERY_CONCURRENCY`]
/// at a time, so a slow endpoint (bounded by the client's timeout) delays no other delivery.
/// Each target is checked again ([`webhook_url::check`]; `development` allows loopback): a
/// refused one is `FAILED` without a request. A delivery that fails on the store is reported
/// in the report's errors and the others go on.
pub async fn deliver_due<D: Db, K: Kv, H: HttpClient>(
    app: &App<'_, D, K>,
    http: &H,
    budget: &Budget,
    account: Option<&str>,
    max: usize,
    development: bool,
) -> Result<JobReport> {
    let mut rep = JobReport { job: "webhook-delivery", ..JobReport::default() };
    if !budget.take(1) {
        return Ok(rep);
    }
    let now = app.now();
    let due: Vec<WebhookEventRow> =
        fetch_all(app.db, sql::webhooks::DUE, &[now.into(), (now - CLAIM_LEASE_MS).into(), account.map_or(Value::Null, Value::from), (max as i64).into()])
            .await?;
    // Signing keys first (one account read each; a pair the endpoint's algorithm needs is made
    // on first use), then the deliveries concurrently.
    let mut keys: HashMap<&str, AccountSigner> = HashMap::new();
    let mut work: Vec<(&WebhookEventRow, AccountSigner, Algorithm)> = Vec::new();
    for row in &due {
        let alg = row.signature_algorithm.as_deref().and_then(Algorithm::parse).unwrap_or_default();
        let known = keys.get(row.account_id.as_str()).filter(|s| s.has(alg.pair())).cloned();
        // A claim and the attempt's batch (two statements); an account read the first time.
        if !budget.take(if known.is_some() { 3 } else { 4 }) {
            break;
        }
        let signer = match known {
            Some(k) => k,
            None => match signer_for(app, &row.account_id, alg).await {
                Ok(k) => {
                    keys.insert(&row.account_id, k.clone());
                    k
                }
                Err(e) => {
                    rep.errors.push(format!("webhook event {}: {e}", row.id));
                    continue;
                }
            },
        };
        work.push((row, signer, alg));
    }
    let queued = work.len();
    let outcomes: Vec<Result<bool>> = stream::iter(work.into_iter().map(|(row, key, alg)| deliver_one(app, http, key, alg, row, development)))
        .buffer_unordered(DELIVERY_CONCURRENCY)
        .collect()
        .await;
    for o in outcomes {
        match o {
            Ok(true) => {
                rep.rows += 1;
                rep.events += 1;
            }
            Ok(false) => {}
            Err(e) => rep.errors.push(format!("webhook delivery: {e}")),
        }
    }
    rep.done = queued == due.len() && due.len() < max;
    Ok(rep)
}

async fn signer_for<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, alg: Algorithm) -> Result<AccountSigner> {
    let account = accounts::find(app, account_id).await?;
    account_keys::signer_with(app, &account, alg.pair()).await
}

/// Claims, checks the target, posts and records one delivery; `false` when another run holds it.
async fn deliver_one<D: Db, K: Kv, H: HttpClient>(
    app: &App<'_, D, K>,
    http: &H,
    key: AccountSigner,
    alg: Algorithm,
    row: &WebhookEventRow,
    development: bool,
) -> Result<bool> {
    let claimed_at = app.now();
    if app.db.execute(sql::webhooks::CLAIM, &[row.id.clone().into(), claimed_at.into(), (claimed_at - CLAIM_LEASE_MS).into()]).await? != 1 {
        return Ok(false);
    }
    let result = match webhook_url::check(&row.endpoint_url, development) {
        Ok(()) => post(app, http, &key, alg, row).await.map_err(Failure::Network),
        Err(r) => Err(Failure::Refused(format!("refused: the target {}", r.detail()))),
    };
    record_attempt(app, row, claimed_at, result).await?;
    Ok(true)
}

/// Why an attempt got no answer.
enum Failure {
    /// Network error or timeout: retried.
    Network(String),
    /// The target is not allowed: final.
    Refused(String),
}

/// Signs and POSTs one delivery; the status and body, or a network error.
async fn post<D: Db, K: Kv, H: HttpClient>(
    app: &App<'_, D, K>,
    http: &H,
    key: &AccountSigner,
    alg: Algorithm,
    row: &WebhookEventRow,
) -> std::result::Result<(u16, String), String> {
    let (host, target) = host_and_target(&row.endpoint_url).ok_or_else(|| "invalid endpoint url".to_owned())?;
    let body = Document::one(webhook_event(row)).to_bytes();
    // Environments (issue 8): an environment's deliveries are signed for its account (`keyid`).
    let account = crate::domain::environments::split(&row.account_id).0;
    let to = signature::Target { account_id: account, method: "post", target: &target, host: &host };
    let signed = signature::sign(key, alg, to, app.now(), &body, app.rng).map_err(|e| format!("signing: {e}"))?;
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Accept".to_owned(), "application/json".to_owned()),
        ("User-Agent".to_owned(), USER_AGENT.to_owned()),
        ("Date".to_owned(), signed.date.clone()),
        ("Digest".to_owned(), signed.digest.clone()),
        ("Keygen-Date".to_owned(), signed.date),
        ("Keygen-Digest".to_owned(), signed.digest),
        ("Keygen-Signature".to_owned(), signed.signature),
        ("Keygen-Version".to_owned(), row.api_version.clone()),
    ];
    http.post(&row.endpoint_url, &headers, &body).await
}

async fn record_attempt<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    row: &WebhookEventRow,
    claimed_at: Millis,
    result: std::result::Result<(u16, String), Failure>,
) -> Result<()> {
    let now = app.now();
    let attempts = row.attempts + 1;
    let (code, body) = match &result {
        Ok((c, b)) => (Value::from(*c), truncate(b)),
        Err(Failure::Network(e) | Failure::Refused(e)) => (Value::Null, truncate(e)),
    };
    let (status, next, endpoint) = match result {
        Ok((c, _)) if (200..300).contains(&c) => {
            (DeliveryStatus::Delivered, now, Stmt::new(sql::webhooks::ENDPOINT_SUCCEEDED, vec![row.endpoint_id.clone().into()]))
        }
        other => {
            // 3xx included: redirects are never followed, so a redirect is a failed delivery.
            let gone = matches!(other, Ok((410, _)));
            let final_ = gone || matches!(other, Err(Failure::Refused(_)));
            let status = if final_ || attempts >= MAX_ATTEMPTS { DeliveryStatus::Failed } else { DeliveryStatus::Failing };
            let failed = Stmt::new(
                sql::webhooks::ENDPOINT_FAILED,
                vec![row.endpoint_id.clone().into(), now.into(), i64::from(gone).into(), SUSPEND_AFTER_FAILURES.into()],
            );
            (status, now + backoff_ms(attempts), failed)
        }
    };
    app.db
        .batch(vec![
            Stmt::new(
                sql::webhooks::RECORD_ATTEMPT,
                vec![row.id.clone().into(), claimed_at.into(), status.as_str().into(), next.into(), code, body.into(), now.into()],
            ),
            endpoint,
        ])
        .await?;
    Ok(())
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_RESPONSE_BODY {
        return s.to_owned();
    }
    let mut end = MAX_RESPONSE_BODY;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Posts per hook run.
pub const HOOK_DELIVERIES: usize = 10;

/// One account's run on its own (a queue batch of one, with the hook's smaller budget): fan out
/// its new events and make their first delivery attempts. Safe to run alongside the cron.
/// Spends at most [`Settings::hook_budget`] statements.
///
/// # Errors
/// The first store error of the fan-out, or of a delivery (the other deliveries were made).
pub async fn deliver_pending<D: Db, K: Kv, H: HttpClient>(app: &App<'_, D, K>, http: &H, account_id: &str, settings: &Settings) -> Result<()> {
    let budget = Budget::new(settings.hook_budget());
    fan_out(app, &budget, Some(account_id)).await?;
    let rep = deliver_due(app, http, &budget, Some(account_id), HOOK_DELIVERIES, settings.development).await?;
    match rep.errors.into_iter().next() {
        Some(e) => Err(crate::error::Error::internal(e)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_without_port_and_target() {
        assert_eq!(host_and_target("https://example.com/hooks?x=1"), Some(("example.com".into(), "/hooks?x=1".into())));
        assert_eq!(host_and_target("http://127.0.0.1:8080"), Some(("127.0.0.1".into(), "/".into())));
        assert_eq!(host_and_target("https://[::1]:9/a"), Some(("::1".into(), "/a".into())));
        assert_eq!(host_and_target("ftp://x"), None);
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 240_000);
        assert_eq!(backoff_ms(8), 12 * 3_600_000);
    }

    #[test]
    fn wildcard_and_exact_subscriptions() {
        assert!(subscribed(&["*".into()], "license.created"));
        assert!(subscribed(&["license.created".into()], "license.created"));
        assert!(!subscribed(&["license.deleted".into()], "license.created"));
    }
}
