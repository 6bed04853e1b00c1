//! Request logs (issue 8): after the signed response is built, the router hands the facts of
//! the request to [`log`], which adds the row to this isolate's buffer; the buffer is written
//! in `ctx.waitUntil` as ONE statement (issue 11: one D1 round trip for up to
//! `request_log_batch::MAX_ROWS` requests) when it is full, or `FLUSH_AFTER_MS` after its first
//! row (that row's request waits for it in `waitUntil`; the client never does). A read of the
//! logs writes the buffer first ([`take`]), so a request's log is visible right after it from
//! the same isolate; other isolates' logs appear within about a second. A crashed isolate loses
//! at most its one buffer. What is kept, redacted and skipped is `shared::domain::request_log`;
//! how a batch keeps the daily cap exact is `shared::service::lifecycle::request_log_batch`.

use std::cell::Cell;
use std::time::Duration;

use shared::service::lifecycle::request_log_batch::{Batch, Pushed, FLUSH_AFTER_MS};
use shared::service::lifecycle::request_logs::{self as svc, Entry};
use shared::store::Db;
use wasm_bindgen::JsCast;
use worker::Context;

use crate::d1::D1Db;
use crate::env::{AppEnv, WorkerClock};
use crate::http::Reply;
use shared::Clock;

thread_local! {
    /// This isolate's rows not yet written (Workers run one thread per isolate). A `Cell`
    /// taken and put back, so no borrow can fail.
    static BUFFER: Cell<Batch> = Cell::new(Batch::default());
}

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

/// Buffers `entry` for `account_id` as request log `id` (the request's own id, `X-Request-Id`,
/// which the events the request wrote carry: Keygen's `request_log_id`), unless logging is off,
/// and schedules the buffer's write (see the module). The write's future owns its data, so it
/// takes its own handle on the D1 binding (a clone of the same JS object) and writes at the
/// primary (outside any request's D1 session).
pub fn log(env: &AppEnv, ctx: &Context, id: &str, account_id: &str, entry: Entry) {
    let limit = env.jobs.request_logs.daily_limit;
    if limit <= 0 {
        return;
    }
    let now = WorkerClock.now_ms();
    let pushed = BUFFER.with(|b| {
        let mut batch = b.take();
        let pushed = batch.push(id, account_id, &entry, now);
        b.set(batch);
        pushed
    });
    let later = match pushed {
        Pushed::Queued => return,
        Pushed::First => Some(Duration::from_millis(FLUSH_AFTER_MS)),
        Pushed::Full => None,
    };
    schedule(env, ctx, later, limit);
}

/// Writes the buffer in `ctx.waitUntil`, `after` a delay if any.
fn schedule(env: &AppEnv, ctx: &Context, after: Option<Duration>, limit: i64) {
    let db = D1Db(worker::D1Database::unchecked_from_js(AsRef::<wasm_bindgen::JsValue>::as_ref(&env.db.0).clone()));
    ctx.wait_until(async move {
        if let Some(after) = after {
            worker::Delay::from(after).await;
        }
        flush(&db, limit).await;
    });
}

/// After a failed write of `rows` taken from the buffer (a read of the logs writes it first):
/// logs the failure and puts the rows back ahead of those buffered since, if both still fit in
/// one batch (else they are lost, and logged as such), with a write scheduled as for a first row.
pub fn keep(env: &AppEnv, ctx: &Context, rows: Batch, why: &shared::Error) {
    let n = rows.len();
    let kept = BUFFER.with(|b| {
        let mut batch = b.take();
        let kept = batch.restore(rows);
        b.set(batch);
        kept
    });
    if kept {
        worker::console_error!("request log write failed ({n} rows kept for the next write): {why} ({:?})", why.cause);
        schedule(env, ctx, Some(Duration::from_millis(FLUSH_AFTER_MS)), env.jobs.request_logs.daily_limit);
    } else {
        worker::console_error!("request log write failed ({n} rows lost: the buffer is full): {why} ({:?})", why.cause);
    }
}

/// Hands over this isolate's buffered rows, leaving the buffer empty.
pub fn take() -> Batch {
    BUFFER.with(Cell::take)
}

/// Writes this isolate's buffered rows now, if any (one statement); a failure is logged (the
/// rows are lost, as in a crash).
pub async fn flush<D: Db>(db: &D, limit: i64) {
    let batch = take();
    if let Err(e) = svc::write(db, &batch, limit).await {
        worker::console_error!("request log write failed ({} rows): {e} ({:?})", batch.len(), e.cause);
    }
}
