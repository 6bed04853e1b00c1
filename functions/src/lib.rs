//! The Latchkey Worker: a Keygen-compatible licensing API on Cloudflare's edge.
//!
//! `fetch` reads the request into plain data ([`http::Req`]), resolves the account and the
//! caller, dispatches to one thin handler per endpoint ([`router`], [`endpoints`]) and signs the
//! response ([`respond`]). `scheduled` runs the lifecycle jobs. Every rule lives in `shared`.

mod crypto;
mod d1;
mod endpoints;
mod env;
mod fetch;
mod http;
mod kv;
mod rate_limit;
mod respond;
mod router;
mod routes;

use worker::{event, Context, Env, Request, Response, ScheduleContext, ScheduledEvent};

use crate::env::{AppEnv, CryptoRandom};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let request_id = shared::rng::uuid_v4(&CryptoRandom);
    let app_env = match AppEnv::from_env(&env) {
        Ok(e) => e,
        Err(e) => return respond::unsigned_error(&e, &request_id),
    };
    let req = match http::read(req).await {
        Ok(r) => r,
        Err(e) => return respond::unsigned_error(&e, &request_id),
    };
    Ok(router::handle(&app_env, &ctx, req, &request_id).await)
}

/// Runs the lifecycle jobs of the fired cron with "now" = the scheduled time.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let app_env = match AppEnv::from_env(&env) {
        Ok(e) => e,
        Err(e) => return worker::console_error!("scheduled: {e}"),
    };
    let clock = shared::clock::FixedClock::at(event.schedule() as i64);
    let app = shared::service::App { db: &app_env.db, kv: &app_env.kv, clock: &clock, rng: &CryptoRandom, secret: &app_env.secret, kdf: &app_env.kdf };
    let report = shared::service::lifecycle::jobs::run(&app, &fetch::WorkerHttp, &event.cron()).await;
    for j in &report.jobs {
        worker::console_log!("scheduled {}: {} rows, {} events, {} deleted, done {}", j.job, j.rows, j.events, j.deleted, j.done);
    }
    for (job, e) in &report.errors {
        worker::console_error!("scheduled {job}: {e}");
    }
    worker::console_log!("scheduled {}: {} statements", event.cron(), report.statements);
}
