//! Webhooks on every tick: fan new events out into webhook events, then deliver what is due
//! (first attempts the post-request hook did not make, and retries with backoff).

use super::{Budget, JobReport};
use crate::service::lifecycle::webhook_delivery::{self, HttpClient};
use crate::service::App;
use crate::store::{Db, Kv};
use crate::Result;

/// Deliveries per invocation (each is an outbound request: Workers allow 50 subrequests on the
/// free plan, 1,000 on paid).
pub const DELIVERIES_PER_TICK: usize = 40;

/// Fans out and delivers.
pub async fn run<D: Db, K: Kv, H: HttpClient>(app: &App<'_, D, K>, http: &H, budget: &Budget) -> Result<JobReport> {
    let fanned = webhook_delivery::fan_out(app, budget, None).await?;
    let delivered = webhook_delivery::deliver_due(app, http, budget, None, DELIVERIES_PER_TICK).await?;
    Ok(JobReport { job: "webhooks", rows: fanned.rows + delivered.rows, events: delivered.events, deleted: 0, done: fanned.done && delivered.done })
}
