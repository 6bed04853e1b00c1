//! Outbound HTTP for webhook deliveries: [`shared::service::lifecycle::webhook_delivery::HttpClient`] over
//! `worker::Fetch`, the post-request queue notice and the webhook queue consumer.
//!
//! A delivery never follows a redirect (`redirect: "manual"`: the 3xx is the answer, so an
//! https endpoint cannot bounce a delivery to `http://` or an internal host), is aborted after
//! [`DELIVERY_TIMEOUT_MS`] (request and body together), and reads at most
//! [`MAX_RESPONSE_BODY`] bytes of the response, streamed, before cancelling the rest.

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use shared::service::lifecycle::webhook_delivery::{HttpClient, DELIVERY_TIMEOUT_MS, MAX_RESPONSE_BODY};
use shared::service::lifecycle::webhook_queue;
use shared::service::App;
use worker::{AbortController, Context, Delay, Fetch, Headers, MessageExt, Method, Request, RequestInit, RequestRedirect};

use crate::env::{AppEnv, CryptoRandom, WorkerClock};

/// `fetch()` from the Worker.
pub struct WorkerHttp;

impl HttpClient for WorkerHttp {
    async fn post(&self, url: &str, headers: &[(String, String)], body: &[u8]) -> Result<(u16, String), String> {
        let h = Headers::new();
        for (k, v) in headers {
            h.set(k, v).map_err(|e| e.to_string())?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(h).with_redirect(RequestRedirect::Manual).with_body(Some(js_sys::Uint8Array::from(body).into()));
        let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let exchange = async move {
            let mut res = Fetch::Request(req).send_with_signal(&signal).await.map_err(|e| e.to_string())?;
            let status = res.status_code();
            Ok::<_, String>((status, read_capped(&mut res).await))
        };
        let timeout = Delay::from(Duration::from_millis(DELIVERY_TIMEOUT_MS));
        let outcome = match select(Box::pin(exchange), timeout).await {
            Either::Left((r, _)) => r,
            Either::Right(((), _)) => Err(format!("timed out after {} s", DELIVERY_TIMEOUT_MS / 1000)),
        };
        // Cancels a request still in flight, or the unread rest of a body.
        controller.abort();
        outcome
    }
}

/// At most [`MAX_RESPONSE_BODY`] bytes of the body (lossy UTF-8); an unreadable body reads
/// as empty (the status is what decides the outcome).
async fn read_capped(res: &mut worker::Response) -> String {
    let mut buf: Vec<u8> = Vec::new();
    if let Ok(mut stream) = res.stream() {
        while buf.len() < MAX_RESPONSE_BODY {
            match stream.next().await {
                Some(Ok(chunk)) => buf.extend_from_slice(chunk.get(..(MAX_RESPONSE_BODY - buf.len()).min(chunk.len())).unwrap_or_default()),
                Some(Err(_)) | None => break,
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// After a successful change, tell the webhook queue which account may have new events: one
/// `Queue::send` of `{"account": id}` in the background (`ctx.wait_until`), and no D1 work on
/// the request path. The consumer ([`consume`]) fans out and delivers; the cron sweeps whatever a
/// lost message missed. Without the `WEBHOOKS` binding (a deployment that has not created the
/// queue) only the cron delivers.
pub fn notify(env: &AppEnv, ctx: &Context, account_id: &str) {
    let Some(queue) = env.webhooks.clone() else { return };
    let account = account_id.to_owned();
    let log = env.server_timing;
    ctx.wait_until(async move { send_notice(&queue, account, log).await });
}

/// Sends one [`Notice`] for `account` (a failure is logged: the cron sweeps what it missed).
/// With the dev/bench diagnostics flag (`LATCHKEY_SERVER_TIMING`), each send is logged as
/// `webhook-notice {account}`, so tests can count them.
pub async fn send_notice(queue: &worker::Queue, account: String, log: bool) {
    if log {
        worker::console_log!("webhook-notice {account}");
    }
    if let Err(e) = queue.send(Notice { account }).await {
        worker::console_error!("webhook queue send: {e}");
    }
}

/// The one message the webhook queue carries: an account whose outbox may hold new events.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Notice {
    /// Account id.
    pub account: String,
}

/// The queue consumer: for each distinct account in the batch, fan out its new events and make
/// their due deliveries ([`webhook_queue::deliver_batch`]: claimed with the guarded update, so a
/// concurrent cron or a redelivered message never sends a delivery twice). A message is acked
/// once its account's run completed, and retried otherwise (after `max_retries`, to the
/// dead-letter queue; the cron sweeps whatever is left). Logs one `webhook-queue` line per account.
pub async fn consume(batch: worker::MessageBatch<Notice>, env: &AppEnv) {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            worker::console_error!("webhook queue: unreadable batch: {e}");
            batch.ack_all();
            return;
        }
    };
    let app = App { db: &env.db, kv: &env.kv, clock: &WorkerClock, rng: &CryptoRandom, secret: &env.secret, kdf: &env.kdf, request_id: None };
    let mut accounts: Vec<&str> = messages.iter().map(|m| m.body().account.as_str()).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let results = webhook_queue::deliver_batch(&app, &WorkerHttp, &accounts, &env.jobs).await;
    let mut done: Vec<(&str, bool)> = Vec::new();
    for (account, r) in accounts.iter().zip(results) {
        let ok = match r {
            Ok(complete) => complete,
            Err(e) => {
                worker::console_error!("webhook queue: {e}");
                false
            }
        };
        worker::console_log!("webhook-queue {{\"account\":{},\"ok\":{ok}}}", serde_json::Value::from(*account));
        done.push((account, ok));
    }
    for m in &messages {
        if done.iter().any(|(a, ok)| *ok && *a == m.body().account) {
            m.ack();
        } else {
            m.retry();
        }
    }
}
