//! The Latchkey Worker: a Keygen-compatible licensing API on Cloudflare's edge.
//!
//! `fetch` reads the request into plain data ([`http::Req`]), resolves the account and the
//! caller, dispatches to one thin handler per endpoint ([`router`], [`endpoints`]) and signs the
//! response ([`respond`]). `scheduled` runs the lifecycle jobs; `queue` delivers webhooks. Every rule lives in `shared`.

mod crypto;
mod d1;
mod endpoints;
mod env;
mod fetch;
mod http;
mod kv;
mod openapi;
mod r2;
mod rate_limit;
// Request logs (issue 8).
mod request_log;
mod respond;
mod router;
mod routes;

use worker::{event, Context, Env, Request, Response, ScheduledEvent};

use crate::env::{AppEnv, CryptoRandom};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let request_id = shared::rng::uuid_v4(&CryptoRandom);
    let app_env = match AppEnv::from_env(&env) {
        Ok(e) => e,
        Err(e) => return respond::unsigned_error(&e, &request_id),
    };
    // Distribution: artifact bytes move through signed transfer links, outside the JSON:API
    // pipeline (the link is the credential, like a presigned storage URL).
    if req.path().starts_with(shared::service::distribution::transfer::PREFIX) {
        return endpoints::distribution::transfer::handle(req, &app_env, &request_id).await;
    }
    let req = match http::read(req).await {
        Ok(r) => r,
        Err(e) => return respond::unsigned_error(&e, &request_id),
    };
    Ok(router::handle(&app_env, &ctx, req, &request_id).await)
}

/// The webhook queue consumer ([`fetch::consume`]). Always `Ok`: each message is acked or
/// retried on its own (an `Err` here would panic in the macro's glue).
#[event(queue)]
async fn queue(batch: worker::MessageBatch<fetch::Notice>, env: Env, _ctx: Context) -> worker::Result<()> {
    match AppEnv::from_env(&env) {
        Ok(app_env) => fetch::consume(batch, &app_env).await,
        Err(e) => {
            worker::console_error!("webhook queue: {}", e.detail);
            batch.retry_all();
        }
    }
    Ok(())
}

/// The scheduled entry point. Written as a plain `wasm_bindgen` export instead of
/// `#[event(scheduled)]`, whose glue always resolves: a failed job must make the invocation
/// fail (the promise rejects, so Cloudflare records the run as an exception and the test
/// trigger answers 500) instead of passing silently.
mod scheduled_export {
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::JsValue;

    /// Runs the fired cron's jobs; rejects when any job failed or skipped a row.
    #[wasm_bindgen]
    pub async fn scheduled(event: worker::worker_sys::ScheduledEvent, env: worker::Env, _ctx: worker::worker_sys::ScheduleContext) -> Result<JsValue, JsValue> {
        super::scheduled(worker::ScheduledEvent::from(event), env).await.map(|()| JsValue::UNDEFINED).map_err(|e| JsValue::from_str(&e))
    }
}

/// Runs the lifecycle jobs of the fired cron with "now" = the scheduled time, and logs one
/// `cron-report {json}` line (what every job did; the e2e tests read it). `Err` when a job
/// failed or skipped a row, or the deployment is misconfigured.
async fn scheduled(event: ScheduledEvent, env: Env) -> Result<(), String> {
    let app_env = AppEnv::from_env(&env).map_err(|e| {
        worker::console_error!("scheduled: {}", e.detail);
        format!("scheduled: {}", e.detail)
    })?;
    // Request logs this isolate still buffers are written before the jobs run (the daily prune
    // then sees them), issue 11.
    request_log::flush(&app_env.db, app_env.jobs.request_logs.daily_limit).await;
    let time = event.schedule() as i64;
    let clock = shared::clock::FixedClock::at(time);
    let app = shared::service::App {
        db: &app_env.db,
        kv: &app_env.kv,
        clock: &clock,
        rng: &CryptoRandom,
        secret: &app_env.secret,
        kdf: &app_env.kdf,
        request_id: None,
    };
    let report = shared::service::lifecycle::jobs::run(&app, &fetch::WorkerHttp, &event.cron(), &app_env.jobs).await;
    let mut line = report.to_json();
    line["cron"] = event.cron().into();
    line["scheduledTime"] = time.into();
    if report.failed() {
        worker::console_error!("cron-report {line}");
        return Err(format!("scheduled {}: a job failed (see the cron-report line)", event.cron()));
    }
    worker::console_log!("cron-report {line}");
    Ok(())
}
