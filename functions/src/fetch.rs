//! Outbound HTTP for webhook deliveries: [`shared::service::lifecycle::webhook_delivery::HttpClient`] over
//! `worker::Fetch`, and the post-request delivery hook.

use shared::service::lifecycle::webhook_delivery::{self, HttpClient};
use shared::service::App;
use wasm_bindgen::JsCast;
use worker::{Context, Fetch, Headers, Method, Request, RequestInit};

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
        init.with_method(Method::Post).with_headers(h).with_body(Some(js_sys::Uint8Array::from(body).into()));
        let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
        let mut res = Fetch::Request(req).send().await.map_err(|e| e.to_string())?;
        let status = res.status_code();
        let text = res.text().await.unwrap_or_default();
        Ok((status, text))
    }
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
        if let Err(e) = webhook_delivery::deliver_pending(&app, &WorkerHttp, &account_id).await {
            worker::console_error!("webhook delivery: {e}");
        }
    });
}
