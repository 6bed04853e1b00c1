//! The webhook queue consumer's work: a batch of queue messages names accounts whose outbox may
//! hold new events; each account's events are fanned out and its due deliveries made, with
//! the guarded claim of [`webhook_delivery::deliver_due`] (a redelivered message, or the cron
//! running alongside, never sends a delivery twice, and the idempotency token is the row's).
//!
//! One consumer invocation has the limits of any invocation (D1 queries, subrequests), so the
//! whole batch shares one [`Budget`] of [`Settings::cron_budget`] statements, and
//! [`Settings::deliveries_per_tick`] deliveries are shared out across its accounts.

use futures_util::future::join_all;

use super::jobs::{Budget, Settings};
use super::webhook_delivery::{self, HttpClient};
use crate::error::Result;
use crate::service::App;
use crate::store::{Db, Kv};

/// For each of `accounts` (distinct), in order: `Ok(true)` when its new events were fanned out
/// and every due delivery was made, `Ok(false)` when the batch's budget ran out first (retry
/// the message; the cron sweeps in any case), `Err` on a store error. Accounts run concurrently,
/// so one slow endpoint does not hold up the others.
pub async fn deliver_batch<D: Db, K: Kv, H: HttpClient>(app: &App<'_, D, K>, http: &H, accounts: &[&str], settings: &Settings) -> Vec<Result<bool>> {
    let budget = Budget::new(settings.cron_budget());
    // More accounts than deliveries: the rest are left for a retried message (or the cron).
    let served = accounts.len().min(settings.deliveries_per_tick());
    let per_account = (settings.deliveries_per_tick() / served.max(1)).max(1);
    let runs = accounts.iter().enumerate().map(|(i, account)| {
        let budget = &budget;
        async move {
            if i >= served {
                return Ok(false);
            }
            let fanned = webhook_delivery::fan_out(app, budget, Some(account)).await?;
            let sent = webhook_delivery::deliver_due(app, http, budget, Some(account), per_account, settings.development).await?;
            match sent.errors.into_iter().next() {
                Some(e) => Err(crate::error::Error::internal(e)),
                None => Ok(fanned.done && sent.done),
            }
        }
    });
    join_all(runs).await
}
