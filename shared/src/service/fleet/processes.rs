//! Processes (`reference/keygen-wire.md` §5.3): spawn with a guarded insert counting per
//! `processLeasingStrategy` (`MACHINE_PROCESS_LIMIT_EXCEEDED`) and unique pid per machine
//! (`PID_TAKEN`), list/show, kill, and heartbeat pings with resurrection.

use serde_json::{Map, Value};

use crate::access::Action;
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::heartbeat::{can_resurrect_process, process_status, ProcessStatus};
use crate::domain::license::{self, overage_ceiling};
use crate::domain::strategy::ProcessLeasingStrategy;
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, fetch_page, fleet::machines, metadata_text, readable, App, Caller, ListScope};
use crate::store::rows::{ProcessRow, SpawnStateRow};
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt, StmtResult, StoreError};
use crate::Result;

/// A parsed `POST /processes`.
#[derive(Debug)]
pub struct ProcessInput {
    pid: String,
    metadata: Map<String, Value>,
    machine: String,
}

/// Parses `POST /processes`.
pub fn parse(body: &[u8]) -> Result<ProcessInput> {
    let mut r = ResourceInput::parse(body, "processes")?;
    let pid = match r.attrs.string("pid")? {
        Field::Set(p) if !p.trim().is_empty() => p,
        Field::Absent => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data/attributes/pid")),
        _ => return Err(Error::attribute("pid", AttrFault::Missing, "can't be blank")),
    };
    let metadata = r.attrs.object("metadata")?.set().unwrap_or_default();
    let machine =
        r.rels.one("machine", "machines")?.set().ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/data/relationships/machine"))?;
    r.finish()?;
    Ok(ProcessInput { pid, metadata, machine })
}

/// The event `name` of process `id`, recorded only if the write right before it changed the row.
fn event<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, name: &str, id: &str) -> Stmt {
    events::record_if_changed(
        app,
        caller.account_id(),
        &caller.bearer,
        events::Event { name, resource_type: "processes", resource_id: id, changes: None, meta: None },
    )
}

/// Spawns a process on a machine (`process.created`).
///
/// # Errors
/// 422 `MACHINE_NOT_FOUND`, `PID_TAKEN`, `MACHINE_PROCESS_LIMIT_EXCEEDED`.
pub async fn spawn<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: ProcessInput) -> Result<ProcessRow> {
    let missing = || Error::attribute("machine", AttrFault::NotFound, "must exist");
    let m = match machines::authorize(app, caller, &input.machine, Action::MachineUpdate).await {
        Err(e) if e.is(Code::NotFound) => return Err(missing()),
        r => r?,
    };
    let l = crate::store::licenses::find(app.db, caller.account_id(), &m.license_id).await?.ok_or_else(missing)?;
    let cfg = l.config();
    let limit = match cfg.process_leasing_strategy {
        ProcessLeasingStrategy::PerMachine => m.max_processes.or(license::effective(l.max_processes, cfg.max_processes)),
        _ => license::effective(l.max_processes, cfg.max_processes),
    };
    let now = app.now();
    let id = app.uuid();
    let head: Vec<Value> = vec![caller.account_id().into(), m.id.clone().into(), input.pid.clone().into(), cfg.process_leasing_strategy.as_str().into()];
    let mut params = head.clone();
    params.extend([opt(overage_ceiling(&cfg, limit, false)), id.clone().into(), metadata_text(&input.metadata).into(), now.into()]);
    let results = app.db.batch(vec![Stmt::new(sql::processes::INSERT, params), event(app, caller, "process.created", &id)]).await?;
    if results.first().map_or(0, |r| r.changes) == 0 {
        let Some(s) = fetch_one::<SpawnStateRow>(app.db, sql::processes::SPAWN_STATE, &head).await? else { return Err(missing()) };
        if s.pid_taken != 0 {
            return Err(Error::attribute("pid", AttrFault::Taken, "has already been taken"));
        }
        if let Some(max) = limit {
            return Err(
                Error::new(Code::MachineProcessLimitExceeded, format!("process count has exceeded maximum allowed for machine ({max})")).pointer("/data")
            );
        }
        return Err(Error::new(Code::StateInvalid, "the machine changed while spawning; retry the request"));
    }
    written(&results, &m.product_id, &m.policy_config)?.ok_or_else(|| Error::internal("spawn returned no row"))
}

/// The process the guarded write at the head of `res` returned (`RETURNING *`) with its
/// machine's product and policy config: the response shows that write, never a re-read a
/// concurrent ping or kill could have overtaken.
fn written(res: &[StmtResult], product_id: &str, policy_config: &str) -> Result<Option<ProcessRow>> {
    let Some(mut row) = res.first().and_then(|r| r.rows.first()).cloned() else { return Ok(None) };
    row.insert("product_id".into(), product_id.into());
    row.insert("policy_config".into(), policy_config.into());
    Ok(Some(serde_json::from_value(Value::Object(row)).map_err(StoreError::from)?))
}

/// By id, unchecked (callers authorize).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<ProcessRow>> {
    Ok(fetch_one(app.db, sql::processes::FIND, &[account_id.into(), id.into()]).await?)
}

/// A process the caller may read (through its machine).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProcessRow> {
    readable(caller, Action::MachineRead, "process", id, find(app, caller.account_id(), id), async |p: &_| {
        machines::ownership_of(app, caller, &p.machine_id).await
    })
    .await
}

async fn manageable<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<ProcessRow> {
    let p = show(app, caller, id).await?;
    machines::authorize(app, caller, &p.machine_id, action).await?;
    Ok(p)
}

/// Lists processes with filters `machine`, `license`, `product`, `user`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<ProcessRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let ListScope { license: only, product, user, organization, reseller } = caller.list_scope(Action::MachineRead, q)?;
    // Organizations and resellers (issue 10 §7): an organization admin's machines, a reseller
    // admin's, as the machine list scopes them.
    let f = vec![caller.account_id().into(), get("machine"), get("license"), product, user, only, organization, reseller];
    fetch_page(app.db, sql::processes::LIST, sql::processes::COUNT, f, page).await
}

/// Kills a process (`process.deleted`).
pub async fn kill<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let p = manageable(app, caller, id, Action::MachineUpdate).await?;
    app.db
        .batch(vec![Stmt::new(sql::processes::DELETE, vec![caller.account_id().into(), p.id.clone().into()]), event(app, caller, "process.deleted", &p.id)])
        .await?;
    Ok(())
}

/// Pings a process; resurrects it inside the policy's window.
///
/// # Errors
/// 422 `PROCESS_HEARTBEAT_DEAD` when dead past the window.
pub async fn ping<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<(ProcessRow, Option<ProcessStatus>)> {
    let p = manageable(app, caller, id, Action::MachineHeartbeat).await?;
    let cfg = p.config();
    let now = app.now();
    let (name, status) = match process_status(p.last_heartbeat_at, cfg.heartbeat_duration_secs(), now) {
        ProcessStatus::Dead if can_resurrect_process(&cfg, p.last_heartbeat_at, now) => ("process.heartbeat.resurrected", Some(ProcessStatus::Resurrected)),
        ProcessStatus::Dead => return Err(Error::new(Code::ProcessHeartbeatDead, "is dead")),
        _ => ("process.heartbeat.ping", None),
    };
    let res = app
        .db
        .batch(vec![Stmt::new(sql::processes::PING, vec![caller.account_id().into(), p.id.clone().into(), now.into()]), event(app, caller, name, &p.id)])
        .await?;
    Ok((written(&res, &p.product_id, &p.policy_config)?.ok_or_else(|| Error::not_found("process", id))?, status))
}
