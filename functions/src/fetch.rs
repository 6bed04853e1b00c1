//! Outbound HTTP for webhook deliveries: [`shared::service::lifecycle::webhook_delivery::HttpClient`] over
//! `worker::Fetch`, and the post-request delivery hook.
//!
//! A delivery never follows a redirect (`redirect: "manual"`: the 3xx is the answer, so an
//! https endpoint cannot bounce a delivery to `http://` or an internal host), is aborted after
//! [`DELIVERY_TIMEOUT_MS`] (request and body together), and reads at most
//! [`MAX_RESPONSE_BODY`] bytes of the response, streamed, before cancelling the rest.

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use shared::service::lifecycle::webhook_delivery::{self, HttpClient, DELIVERY_TIMEOUT_MS, MAX_RESPONSE_BODY};
use shared::service::App;
use wasm_bindgen::JsCast;
use worker::{AbortController, Context, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use crate::d1::D1Db;
use crate::env::{AppEnv, CryptoRandom, WorkerClock};
use crate::kv::WorkersKv;

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

/// How long an isolate trusts its answer to "does this account have webhook endpoints?".
const ENDPOINTS_CACHE_MS: i64 = 30_000;

thread_local! {
    // Most requests (validations above all) belong to accounts without webhook endpoints: knowing
    // that, per isolate, keeps the hook from querying D1 after every POST. An endpoint created in
    // another isolate is noticed within ENDPOINTS_CACHE_MS; the cron delivers anything missed.
    static HAS_ENDPOINTS: std::cell::RefCell<std::collections::HashMap<String, (i64, bool)>> = std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Forgets the cached answer for `account_id` (after its endpoints change in this isolate).
pub fn forget_endpoints(account_id: &str) {
    HAS_ENDPOINTS.with(|c| c.borrow_mut().remove(account_id));
}

/// After a successful change, fan out the account's new events and make their first delivery
/// attempts in the background (`ctx.wait_until`); the cron picks up whatever this misses.
/// Skipped while the account is known to have no endpoints.
pub fn spawn_delivery(env: &AppEnv, ctx: &Context, account_id: &str) {
    let now = js_sys::Date::now() as i64;
    if HAS_ENDPOINTS.with(|c| c.borrow().get(account_id).is_some_and(|(t, has)| !has && now - t < ENDPOINTS_CACHE_MS)) {
        return;
    }
    // `wait_until` needs a 'static future: clone the bindings (JS handles) and the secret.
    let db = D1Db(worker::D1Database::unchecked_from_js(env.db.0.as_ref().clone()));
    let kv = WorkersKv(env.kv.0.clone());
    let secret = env.secret.clone();
    let kdf = env.kdf;
    let settings = env.jobs;
    let account_id = account_id.to_owned();
    ctx.wait_until(async move {
        let app = App { db: &db, kv: &kv, clock: &WorkerClock, rng: &CryptoRandom, secret: &secret, kdf: &kdf };
        match webhook_delivery::account_has_endpoints(&app, &account_id).await {
            Ok(has) => {
                HAS_ENDPOINTS.with(|c| c.borrow_mut().insert(account_id.clone(), (now, has)));
                if !has {
                    return;
                }
            }
            Err(e) => worker::console_error!("webhook delivery: {e}"),
        }
        if let Err(e) = webhook_delivery::deliver_pending(&app, &WorkerHttp, &account_id, &settings).await {
            worker::console_error!("webhook delivery: {e}");
        }
    });
}
