//! `trial-activation.expired`: once per expiry (an extension re-arms it), every 10 minutes, in
//! chunks: each chunk is one read and one atomic batch that marks the trials and records their
//! events, failing whole when a concurrent run marked any of them first.

use serde_json::json;

use super::{Budget, JobReport};
use crate::service::{events, App, Bearer};
use crate::store::sql::trials::ExpiredTrialRow;
use crate::store::{fetch_all, sql, Db, Kv, Stmt};
use crate::Result;

/// Trials per chunk.
const CHUNK: i64 = 50;

/// Emits `trial-activation.expired` for trials whose expiry has passed.
pub async fn expired<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let mut rep = JobReport { job: "trial-activation-expired", ..JobReport::default() };
    let now = app.now();
    // One read and a two-statement batch per chunk.
    while budget.take(3) {
        let rows: Vec<ExpiredTrialRow> = fetch_all(app.db, sql::trials::EXPIRED_UNNOTIFIED, &[now.into(), CHUNK.into()]).await?;
        rep.rows += rows.len();
        if rows.is_empty() {
            rep.done = true;
            break;
        }
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let evs: Vec<(&str, events::Event<'_>)> = rows
            .iter()
            .map(|r| {
                let ev = events::Event { name: "trial-activation.expired", resource_type: "trial-activations", resource_id: &r.id, changes: None, meta: None };
                (r.account_id.as_str(), ev)
            })
            .collect();
        let mark = Stmt::new(sql::trials::MARK_EXPIRED, vec![now.into(), json!(ids).to_string().into()]);
        match app.db.batch(vec![mark, events::record_many(app, &Bearer::Anonymous, &evs, Some(rows.len() as u64))]).await {
            Ok(_) => rep.events += rows.len(),
            // A concurrent run marked some first: this chunk rolled back; the next tick re-reads.
            Err(e) => {
                rep.errors.push(format!("chunk of {} trials: {e}", rows.len()));
                break;
            }
        }
        if (rows.len() as i64) < CHUNK {
            rep.done = true;
            break;
        }
    }
    Ok(rep)
}
