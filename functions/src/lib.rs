//! The Latchkey Worker: a Keygen-compatible licensing API on Cloudflare's edge.
//!
//! `fetch` reads the request into plain data ([`http::Req`]), resolves the account and the
//! caller, dispatches to one thin handler per endpoint ([`router`], [`endpoints`]) and signs the
//! response ([`respond`]). `scheduled` runs the lifecycle jobs. Every rule lives in `shared`.

mod d1;
mod endpoints;
mod env;
mod http;
mod kv;
mod respond;
mod router;

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

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    worker::console_log!("scheduled: cron {} at {}", event.cron(), event.schedule());
    if let Err(e) = AppEnv::from_env(&env) {
        worker::console_error!("scheduled: {e}");
    }
}
