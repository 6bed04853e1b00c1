//! Daily pruning: webhook events older than 30 days (Keygen's backlog) and expired tokens,
//! in bounded deletes until nothing is left or the budget runs out.

use super::{Budget, JobReport};
use crate::clock::DAY_MS;
use crate::service::App;
use crate::store::{sql, Db, Kv};
use crate::Result;

/// How long webhook events are kept.
pub const WEBHOOK_EVENT_RETENTION_MS: i64 = 30 * DAY_MS;
/// Rows per delete.
const PRUNE_CHUNK: i64 = 500;

async fn prune<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget, job: &'static str, sql: &'static str, before: i64) -> Result<JobReport> {
    let mut rep = JobReport { job, ..JobReport::default() };
    while budget.take(1) {
        let n = app.db.execute(sql, &[before.into(), PRUNE_CHUNK.into()]).await?;
        rep.deleted += n as usize;
        if (n as i64) < PRUNE_CHUNK {
            rep.done = true;
            break;
        }
    }
    Ok(rep)
}

/// Deletes webhook events older than 30 days.
pub async fn webhook_events<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    prune(app, budget, "prune-webhook-events", sql::jobs::PRUNE_WEBHOOK_EVENTS, app.now() - WEBHOOK_EVENT_RETENTION_MS).await
}

/// Deletes expired tokens.
pub async fn tokens<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    prune(app, budget, "prune-tokens", sql::tokens::PRUNE_EXPIRED, app.now()).await
}

/// Distribution (issue 9): how long an artifact may stay WAITING (its upload link lives 1 h).
pub const STALE_UPLOAD_MS: i64 = DAY_MS;

/// Distribution (issue 9): deletes artifacts still WAITING a day after their creation.
pub async fn stale_uploads<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    prune(app, budget, "prune-stale-uploads", sql::artifacts::PRUNE_STALE_WAITING, app.now() - STALE_UPLOAD_MS).await
}

/// Request logs (issue 8): deletes logs older than the retention
/// (`LATCHKEY_REQUEST_LOG_RETENTION_DAYS`, default 31 days as Keygen's plans).
pub async fn request_logs<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget, retention_ms: i64) -> Result<JobReport> {
    prune(app, budget, "prune-request-logs", sql::request_logs::PRUNE, app.now() - retention_ms).await
}
