//! Heartbeat culling, every 2 minutes (`reference/keygen-wire.md` §5.2–§5.3).
//!
//! A dead machine (missed heartbeat, or a required first heartbeat overdue) gets
//! `machine.heartbeat.dead` once per death (`last_death_event_at`, reset by any later ping).
//! Under `DEACTIVATE_DEAD`, once its resurrection window has passed it is deleted and
//! `machine.lease.expired` is recorded (Cryptlex's `activation.lease-expired`: the seat is
//! released; Keygen sends no `machine.deleted` here). `KEEP_DEAD` and `ALWAYS_REVIVE` keep it.
//! KV leases expire by their own TTL; D1 is the bookkeeping. Processes likewise, with
//! `process.heartbeat.dead` and no further event on deletion.

use serde_json::{Map, Value};

use super::{Budget, JobReport, CHUNK, MAX_ROWS_PER_TICK};
use crate::clock::Millis;
use crate::domain::heartbeat::{self, CullDecision};
use crate::domain::policy::PolicyConfig;
use crate::service::events::{self, Event};
use crate::service::{App, Bearer};
use crate::store::rows::CullRow;
use crate::store::{fetch_all, sql, Db, Kv, Stmt};
use crate::Result;

fn decide_machine(r: &CullRow, cfg: &PolicyConfig, now: Millis) -> Option<CullDecision> {
    // A machine's own lease stands for the heartbeat duration (`domain::lease`).
    let cfg = crate::domain::lease::machine_config(cfg.clone(), r.lease_duration);
    heartbeat::cull_machine(&cfg, r.created_at, r.last_heartbeat_at, r.last_death_event_at, now)
}

fn decide_process(r: &CullRow, cfg: &PolicyConfig, now: Millis) -> Option<CullDecision> {
    heartbeat::cull_process(cfg, r.last_heartbeat_at?, r.last_death_event_at, now)
}

/// Statements that follow a chunk's delete, given its `{id: …}` map.
type AfterDelete = fn(&Map<String, Value>) -> [Stmt; 2];

/// One kind of row the cull handles.
struct Kind {
    job: &'static str,
    scan: &'static str,
    mark: &'static str,
    delete: &'static str,
    resource_type: &'static str,
    dead_event: &'static str,
    deleted_event: Option<&'static str>,
    /// Activation logs: the statement logging the rows `delete` is about to delete.
    log: Option<&'static str>,
    decide: fn(&CullRow, &PolicyConfig, Millis) -> Option<CullDecision>,
    /// Statements after the delete of a chunk, given its `{id: …}` map (floating meters).
    after_delete: Option<AfterDelete>,
}

/// Culls dead machines.
pub async fn machines<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let kind = Kind {
        job: "cull-machines",
        scan: sql::jobs::CULL_MACHINES,
        mark: sql::jobs::MARK_MACHINES_DEAD,
        delete: sql::jobs::DELETE_DEAD_MACHINES,
        resource_type: "machines",
        dead_event: "machine.heartbeat.dead",
        deleted_event: Some("machine.lease.expired"),
        log: Some(sql::jobs::LOG_CULLED_MACHINES),
        decide: decide_machine,
        after_delete: Some(crate::service::licensing::meters::release_stmts),
    };
    cull(app, budget, kind).await
}

/// Culls dead processes.
pub async fn processes<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget) -> Result<JobReport> {
    let kind = Kind {
        job: "cull-processes",
        scan: sql::jobs::CULL_PROCESSES,
        mark: sql::jobs::MARK_PROCESSES_DEAD,
        delete: sql::jobs::DELETE_DEAD_PROCESSES,
        resource_type: "processes",
        dead_event: "process.heartbeat.dead",
        deleted_event: None,
        log: None,
        decide: decide_process,
        after_delete: None,
    };
    cull(app, budget, kind).await
}

/// Scans in keyset order; per chunk one atomic batch of at most eight statements: mark dead +
/// their events, (machines) their activation logs + delete + their events (+ the floating-meter
/// release of the deleted machines). Each event set must match the rows its guarded
/// statement changed, or the batch rolls back (see `events::record_many`).
async fn cull<D: Db, K: Kv>(app: &App<'_, D, K>, budget: &Budget, kind: Kind) -> Result<JobReport> {
    let now = app.now();
    let mut rep = JobReport { job: kind.job, ..JobReport::default() };
    let mut cursor = String::new();
    loop {
        let extra = if kind.after_delete.is_some() { 2 } else { 0 };
        if rep.rows >= MAX_ROWS_PER_TICK || !budget.take(6 + extra) {
            return Ok(rep);
        }
        let rows: Vec<CullRow> = fetch_all(app.db, kind.scan, &[cursor.clone().into(), now.into(), CHUNK.into()]).await?;
        let Some(last) = rows.last() else {
            rep.done = true;
            return Ok(rep);
        };
        cursor = last.id.clone();
        rep.rows += rows.len();
        let (mut marks, mut dels) = (Map::new(), Map::new());
        let (mut dead_evs, mut del_evs) = (Vec::new(), Vec::new());
        for r in &rows {
            // Skipped and reported, never culled under default rules.
            let cfg = match super::policy_config(&r.policy_config) {
                Ok(c) => c,
                Err(e) => {
                    rep.errors.push(format!("{} {}: {e}", kind.resource_type, r.id));
                    continue;
                }
            };
            let Some(d) = (kind.decide)(r, &cfg, now) else { continue };
            let hb = r.last_heartbeat_at.map_or(Value::Null, Value::from);
            if d.event {
                marks.insert(r.id.clone(), hb.clone());
                dead_evs.push((r.account_id.as_str(), ev(kind.dead_event, kind.resource_type, &r.id)));
            }
            if d.delete {
                dels.insert(r.id.clone(), hb);
                if let Some(name) = kind.deleted_event {
                    del_evs.push((r.account_id.as_str(), ev(name, kind.resource_type, &r.id)));
                }
            }
        }
        let mut stmts = Vec::new();
        if !marks.is_empty() {
            stmts.push(Stmt::new(kind.mark, vec![Value::Object(marks).to_string().into(), now.into()]));
            stmts.push(events::record_many(app, &Bearer::Anonymous, &dead_evs, Some(dead_evs.len() as u64)));
        }
        let dels_n = dels.len();
        if !dels.is_empty() {
            let n = dels.len() as u64;
            if let Some(log) = kind.log {
                // Rolled back with the delete if it does not remove exactly these rows.
                let log_ids: Map<String, Value> = dels.keys().map(|id| (id.clone(), Value::from(app.uuid()))).collect();
                stmts.push(Stmt::new(log, vec![Value::Object(dels.clone()).to_string().into(), Value::Object(log_ids).to_string().into(), now.into()]));
            }
            stmts.push(Stmt::new(kind.delete, vec![Value::Object(dels.clone()).to_string().into()]));
            if !del_evs.is_empty() {
                stmts.push(events::record_many(app, &Bearer::Anonymous, &del_evs, Some(n)));
            }
            if let Some(after) = kind.after_delete {
                stmts.extend(after(&dels));
            }
        }
        // A failed chunk rolls back as a whole and is re-read next tick; the next chunk runs.
        if !stmts.is_empty() {
            if let Err(e) = app.db.batch(stmts).await {
                rep.errors.push(format!("chunk after {}: {e}", rows.first().map_or("", |r| r.id.as_str())));
                continue;
            }
        }
        rep.events += dead_evs.len() + del_evs.len();
        rep.deleted += dels_n;
        if (rows.len() as i64) < CHUNK {
            rep.done = true;
            return Ok(rep);
        }
    }
}

fn ev<'a>(name: &'a str, resource_type: &'a str, id: &'a str) -> Event<'a> {
    Event { name, resource_type, resource_id: id, changes: None, meta: None }
}
