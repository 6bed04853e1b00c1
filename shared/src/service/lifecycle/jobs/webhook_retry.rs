//! Webhooks on every tick: fan new events out into webhook events, then deliver what is due
//! (first attempts the post-request hook did not make, and retries with backoff).

use super::{Budget, JobReport, Settings};
use crate::service::lifecycle::webhook_delivery::{self, HttpClient};
use crate::service::App;
use crate::store::{Db, Kv};
use crate::Result;

/// Fans out and delivers at most [`Settings::deliveries_per_tick`] (each is an outbound
/// request: Workers allow 50 subrequests per invocation on the Free plan, 1,000 on Paid).
pub async fn run<D: Db, K: Kv, H: HttpClient>(app: &App<'_, D, K>, http: &H, budget: &Budget, settings: &Settings) -> Result<JobReport> {
    let fanned = webhook_delivery::fan_out(app, budget, None).await?;
    let delivered = webhook_delivery::deliver_due(app, http, budget, None, settings.deliveries_per_tick(), settings.development).await?;
    let mut errors = fanned.errors;
    errors.extend(delivered.errors);
    Ok(JobReport { job: "webhooks", rows: fanned.rows + delivered.rows, events: delivered.events, deleted: 0, done: fanned.done && delivered.done, errors })
}
