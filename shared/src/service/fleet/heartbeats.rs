//! Machine heartbeats (`reference/keygen-wire.md` §5.1): `actions/ping` (alias
//! `ping-heartbeat`) pings an alive or not-started machine, resurrects a dead one inside the
//! policy's window (`RESURRECTED`, `machine.heartbeat.resurrected`) or refuses with 422
//! `MACHINE_HEARTBEAT_DEAD`; `actions/reset` (alias `reset-heartbeat`) clears the heartbeat.
//! Each write refreshes (or drops) the machine's KV lease.

use crate::access::Action;
use crate::domain::heartbeat::{can_resurrect, machine_status_for, HeartbeatStatus};
use crate::error::{Code, Error};
use crate::service::{fleet::leases, fleet::machines, App, Caller};
use crate::store::rows::MachineRow;
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// Pings a machine. Returns the machine and the status to render (`RESURRECTED` when revived).
///
/// # Errors
/// 422 `MACHINE_HEARTBEAT_DEAD` when it is dead and the policy's resurrection window is over.
pub async fn ping<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<(MachineRow, Option<HeartbeatStatus>)> {
    let m = machines::authorize(app, caller, id, Action::MachineHeartbeat).await?;
    let cfg = m.config();
    let now = app.now();
    let (name, status) = match machine_status_for(&cfg, m.created_at, m.last_heartbeat_at, now) {
        HeartbeatStatus::Dead if can_resurrect(&cfg, m.created_at, m.last_heartbeat_at, now) => {
            ("machine.heartbeat.resurrected", Some(HeartbeatStatus::Resurrected))
        }
        HeartbeatStatus::Dead => return Err(Error::new(Code::MachineHeartbeatDead, "is dead")),
        _ => ("machine.heartbeat.ping", None),
    };
    let event = machines::event(app, caller, name, &m.id);
    let results = app
        .db
        .batch(vec![Stmt::new(sql::machines::PING, vec![caller.account_id().into(), m.id.clone().into(), now.into(), opt(m.last_heartbeat_at)]), event])
        .await?;
    // This ping's own write (RETURNING), not a re-read a concurrent write could overtake.
    let Some(m) = machines::written(&results, &m.policy_config, m.license_max_processes)? else {
        let m = machines::find(app, caller.account_id(), &m.id).await?.ok_or_else(|| Error::not_found("machine", id))?;
        // A concurrent ping of the same machine won the write (and recorded its event); the
        // machine is alive either way.
        return Ok((m, None));
    };
    let _wrote = leases::refresh(app, &m).await;
    Ok((m, status))
}

/// Resets a machine's heartbeat (`machine.heartbeat.reset`) and drops its lease.
pub async fn reset<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<MachineRow> {
    let m = machines::authorize(app, caller, id, Action::MachineHeartbeat).await?;
    app.db
        .batch(vec![
            Stmt::new(sql::machines::RESET, vec![caller.account_id().into(), m.id.clone().into(), app.now().into()]),
            machines::event(app, caller, "machine.heartbeat.reset", &m.id),
        ])
        .await?;
    leases::remove(app, caller.account_id(), &m.id).await;
    machines::find(app, caller.account_id(), &m.id).await?.ok_or_else(|| Error::not_found("machine", id))
}
