//! What the heartbeat cull writes for a chunk of dead machines or processes
//! (`reference/keygen-wire.md` §5.2–§5.3), shared by the cull job
//! (`lifecycle::jobs::cull`, every 2 minutes, across accounts) and by activation, which frees a
//! license's expired seats itself before it refuses a seat limit (issue 10 §4: a lease that ran
//! out frees its seat at once, not at the next cull).
//!
//! A dead machine (missed heartbeat or lease, or a required first heartbeat overdue) gets
//! `machine.heartbeat.dead` once per death (`last_death_event_at`, reset by any later ping).
//! Under `DEACTIVATE_DEAD`, once its resurrection window has passed it is deleted and
//! `machine.lease.expired` is recorded (Cryptlex's `activation.lease-expired`: the seat is
//! released; Keygen sends no `machine.deleted` here). `KEEP_DEAD` and `ALWAYS_REVIVE` keep it.
//! Processes likewise, with `process.heartbeat.dead` and no further event on deletion.

use serde_json::{Map, Value};

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
pub struct Kind {
    /// The job's name in reports.
    pub job: &'static str,
    /// The cross-account keyset scan (`?1` after, `?2` now, `?3` limit).
    pub scan: &'static str,
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

/// Machines.
pub const MACHINES: Kind = Kind {
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

/// Processes.
pub const PROCESSES: Kind = Kind {
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

impl Kind {
    /// Statements one chunk's batch takes at most.
    pub fn max_statements(&self) -> usize {
        6 + if self.after_delete.is_some() { 2 } else { 0 }
    }
}

/// One chunk's writes: one atomic batch of at most [`Kind::max_statements`] statements (mark
/// dead + their events, for machines their activation logs + delete + their events + the
/// floating-meter release). Each event set must match the rows its guarded statement changed,
/// or the batch rolls back (see `events::record_many`).
#[derive(Default)]
pub struct Chunk {
    /// The batch (empty: nothing to write).
    pub stmts: Vec<Stmt>,
    /// Events it records.
    pub events: usize,
    /// Rows it deletes.
    pub deleted: usize,
    /// Rows skipped: a stored policy config that does not decode (never culled by default).
    pub errors: Vec<String>,
}

/// Decides each row with the domain rules and builds the chunk's batch.
pub fn chunk<D: Db, K: Kv>(app: &App<'_, D, K>, kind: &Kind, rows: &[CullRow], now: Millis) -> Chunk {
    let mut out = Chunk::default();
    let (mut marks, mut dels) = (Map::new(), Map::new());
    let (mut dead_evs, mut del_evs) = (Vec::new(), Vec::new());
    for r in rows {
        let cfg = match serde_json::from_str::<PolicyConfig>(&r.policy_config) {
            Ok(c) => c,
            Err(e) => {
                out.errors.push(format!("{} {}: stored policy config does not decode: {e}", kind.resource_type, r.id));
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
    if !marks.is_empty() {
        out.stmts.push(Stmt::new(kind.mark, vec![Value::Object(marks).to_string().into(), now.into()]));
        out.stmts.push(events::record_many(app, &Bearer::Anonymous, &dead_evs, Some(dead_evs.len() as u64)));
    }
    out.deleted = dels.len();
    if !dels.is_empty() {
        let n = dels.len() as u64;
        if let Some(log) = kind.log {
            // Rolled back with the delete if it does not remove exactly these rows.
            let log_ids: Map<String, Value> = dels.keys().map(|id| (id.clone(), Value::from(app.uuid()))).collect();
            out.stmts.push(Stmt::new(log, vec![Value::Object(dels.clone()).to_string().into(), Value::Object(log_ids).to_string().into(), now.into()]));
        }
        out.stmts.push(Stmt::new(kind.delete, vec![Value::Object(dels.clone()).to_string().into()]));
        if !del_evs.is_empty() {
            out.stmts.push(events::record_many(app, &Bearer::Anonymous, &del_evs, Some(n)));
        }
        if let Some(after) = kind.after_delete {
            out.stmts.extend(after(&dels));
        }
    }
    out.events = dead_evs.len() + del_evs.len();
    out
}

/// Machines one activation frees at most (the cull takes any others).
const SEATS_PER_CHECK: i64 = 250;

/// Frees the expired seats of license `license_id` of `account` at once (what the next cull would do to its
/// machines, with the same events, logs and meter release): the machines whose heartbeat or
/// lease ran out and whose policy deletes them. Returns how many were deleted; a chunk that a
/// concurrent ping or cull overtook changes nothing (its guards) and counts 0.
///
/// # Errors
/// Store errors of the read; a rolled-back batch is not an error (0 freed).
pub async fn free_expired_seats<D: Db, K: Kv>(app: &App<'_, D, K>, account: &str, license_id: &str) -> Result<usize> {
    let now = app.now();
    let params = [account.into(), license_id.into(), now.into(), SEATS_PER_CHECK.into()];
    let rows: Vec<CullRow> = fetch_all(app.db, sql::jobs::CULL_LICENSE_MACHINES, &params).await?;
    let c = chunk(app, &MACHINES, &rows, now);
    if c.deleted == 0 || app.db.batch(c.stmts).await.is_err() {
        return Ok(0);
    }
    Ok(c.deleted)
}

fn ev<'a>(name: &'a str, resource_type: &'a str, id: &'a str) -> Event<'a> {
    Event { name, resource_type, resource_id: id, changes: None, meta: None }
}
