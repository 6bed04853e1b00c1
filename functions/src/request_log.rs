//! Request logs (issue 8): after the signed response is built, the router hands the facts of
//! the request to [`log`], which writes the row in `ctx.waitUntil`: the client never waits for
//! that D1 write. What is kept, redacted and skipped is `shared::domain::request_log`.

use shared::service::lifecycle::request_logs::{self as svc, Entry};
use wasm_bindgen::JsCast;
use worker::Context;

use crate::d1::D1Db;
use crate::env::{AppEnv, CryptoRandom, WorkerClock};
use crate::http::Reply;
use shared::Clock;

/// The status a reply answers with.
pub fn status(reply: &Reply) -> u16 {
    match reply {
        Reply::Doc(s, _) => *s,
        Reply::NoContent => 204,
        Reply::Raw { status, .. } => *status,
    }
}

/// The resource a reply's document is about: `data.type` and `data.id` of a single resource.
pub fn resource(reply: &Reply) -> Option<(String, String)> {
    let Reply::Doc(_, doc) = reply else { return None };
    let data = doc.0.get("data")?;
    let ty = data.get("type")?.as_str()?;
    let id = data.get("id")?.as_str()?;
    Some((ty.to_owned(), id.to_owned()))
}

/// Writes `entry` for `account_id` after the response, unless logging is off. The future owns
/// its data, so it takes its own handle on the D1 binding (a clone of the same JS object) and
/// writes at the primary (outside the request's D1 session).
pub fn log(env: &AppEnv, ctx: &Context, account_id: &str, entry: Entry) {
    let limit = env.jobs.request_logs.daily_limit;
    if limit <= 0 {
        return;
    }
    let db = D1Db(worker::D1Database::unchecked_from_js(AsRef::<wasm_bindgen::JsValue>::as_ref(&env.db.0).clone()));
    let account = account_id.to_owned();
    let id = shared::rng::uuid_v4(&CryptoRandom);
    let now = WorkerClock.now_ms();
    ctx.wait_until(async move {
        if let Err(e) = svc::record(&db, id, &account, &entry, limit, now).await {
            worker::console_error!("request log write failed: {e} ({:?})", e.cause);
        }
    });
}
