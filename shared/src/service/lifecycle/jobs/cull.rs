//! Heartbeat culling, every 2 minutes, across accounts (`reference/keygen-wire.md` §5.2–§5.3):
//! scans dead machines and processes in keyset order; what a chunk writes (death events,
//! deletions, `machine.lease.expired`, activation logs, floating meters) is
//! `licensing::culling`, which activation also uses to free a license's expired seats at once.
//! KV leases expire by their own TTL; D1 is the bookkeeping.

use super::{Budget, JobReport, CHUNK, MAX_ROWS_PER_TICK};
use crate::service::licensing::culling::{self, Kind};
use crate::service::App;
use crate::store::rows::CullRow;
use crate::store::{fetch_all, Db, Kv};
use crate::Result;

/// Culls dead machines.
pub async fn machines<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    cull(app, budget, &culling::MACHINES).await
}

/// Culls dead processes.
pub async fn processes<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    cull(app, budget, &culling::PROCESSES).await
}

/// Scans in keyset order; per chunk one atomic batch (`culling::chunk`).
async fn cull<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget, kind: &Kind) -> Result<JobReport> {
    let now = app.now();
    let mut rep = JobReport { job: kind.job, ..JobReport::default() };
    let mut cursor = String::new();
    loop {
        if rep.rows >= MAX_ROWS_PER_TICK || !budget.take(kind.max_statements()) {
            return Ok(rep);
        }
        let rows: Vec<CullRow> = fetch_all(app.db, kind.scan, &[cursor.clone().into(), now.into(), CHUNK.into()]).await?;
        let Some(last) = rows.last() else {
            rep.done = true;
            return Ok(rep);
        };
        cursor = last.id.clone();
        rep.rows += rows.len();
        let c = culling::chunk(app, kind, &rows, now);
        // Skipped and reported, never culled under default rules.
        rep.errors.extend(c.errors);
        // A failed chunk rolls back as a whole and is re-read next tick; the next chunk runs.
        if !c.stmts.is_empty() {
            if let Err(e) = app.db.batch(c.stmts).await {
                rep.errors.push(format!("chunk after {}: {e}", rows.first().map_or("", |r| r.id.as_str())));
                continue;
            }
        }
        rep.events += c.events;
        rep.deleted += c.deleted;
        if (rows.len() as i64) < CHUNK {
            rep.done = true;
            return Ok(rep);
        }
    }
}
