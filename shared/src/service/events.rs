//! The one event-recording function every change goes through. It returns a statement to put
//! in the same atomic batch as the change itself (the outbox), so an event exists if and only if
//! its change happened.

use serde_json::Value;

use super::{App, Bearer, Caller};
use crate::api::query::{Page, Query};
use crate::clock::parse_iso8601;
use crate::error::{Code, Error};
use crate::store::rows::EventRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// What changed, for one event.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// Keygen event name (`license.created`, …).
    pub name: &'a str,
    /// JSON:API type of the resource (`licenses`).
    pub resource_type: &'a str,
    /// Resource id.
    pub resource_id: &'a str,
    /// Changed attributes, if any.
    pub changes: Option<Value>,
    /// Extra event meta (e.g. a validation result).
    pub meta: Option<Value>,
}

/// The statement recording `ev` in `account_id` by `who` at the app's "now", unconditionally.
/// Use it after a write that cannot match nothing (an insert whose failure fails the batch);
/// after a guarded write use [`record_if_changed`].
pub fn record<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>) -> Stmt {
    Stmt::new(sql::events::INSERT, params(app, account_id, who, ev))
}

/// Like [`record`], but written only if the statement right before it in the batch changed at
/// least one row (a guarded insert, update or delete that may match nothing). Chained after
/// another `record_if_changed`, it follows the same guard.
pub fn record_if_changed<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>) -> Stmt {
    Stmt::new(sql::events::INSERT_IF_CHANGED, params(app, account_id, who, ev))
}

/// Resellers (issue 10 §7): like [`record_if_changed`] for `reseller.policies.detached` of
/// reseller `ev.resource_id`, right after the withdrawal: `ev.changes` (`{"policies": [...]}`)
/// gains `licenses`, the reseller's licenses left on them, counted in the batch
/// (`sql::events::INSERT_ALLOTMENTS_WITHDRAWN`).
pub fn record_allotments_withdrawn<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>) -> Stmt {
    Stmt::new(sql::events::INSERT_ALLOTMENTS_WITHDRAWN, params(app, account_id, who, ev))
}

/// Like [`record_if_changed`] for a usage change of license `ev.resource_id` by `delta`: the
/// event's `changes.uses` pair is computed in SQL from the row the guarded write right before
/// it produced (`ev.changes` is ignored), so concurrent writers each record their own pair.
pub fn record_uses_change_if_changed<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>, delta: i64) -> Stmt {
    let mut p = params(app, account_id, who, Event { changes: None, ..ev });
    p.push(delta.into());
    Stmt::new(sql::events::INSERT_USES_CHANGE_IF_CHANGED, p)
}

/// The event of a usage reset of license `ev.resource_id`, to put right BEFORE the reset in the
/// same batch: `changes.uses` is `[uses the reset overwrites, 0]`, read inside the batch.
pub fn record_uses_reset<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>) -> Stmt {
    Stmt::new(sql::events::INSERT_USES_RESET, params(app, account_id, who, Event { changes: None, ..ev }))
}

/// The machines an activation counts against a license's machine limit.
#[derive(Debug, Clone)]
pub struct LeasedMachines<'a> {
    /// The license.
    pub license_id: &'a str,
    /// The machine just activated in the same batch.
    pub machine_id: &'a str,
    /// Per-user leasing: only the machines of `owner` count.
    pub per_user: bool,
    /// The owner of the new machine.
    pub owner: Option<&'a str>,
    /// The limit (`maxMachines`, before overage).
    pub limit: i64,
}

/// Like [`record`], but written only if `m.machine_id` exists and the machines leased now
/// number exactly `m.limit`: the activation that made the license reach its limit.
pub fn record_if_limit_reached<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>, m: LeasedMachines<'_>) -> Stmt {
    let mut p = params(app, account_id, who, ev);
    p.extend([m.license_id.into(), m.machine_id.into(), i64::from(m.per_user).into(), m.owner.map_or(Value::Null, Value::from), m.limit.into()]);
    Stmt::new(sql::events::INSERT_IF_MACHINE_LIMIT_REACHED, p)
}

/// `?1`–`?11` of every single-event insert (?11: the request writing it, Keygen's
/// `request_log_id`).
fn params<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, who: &Bearer, ev: Event<'_>) -> Vec<Value> {
    let (wt, wi) = who.whodunnit();
    vec![
        app.uuid().into(),
        account_id.into(),
        ev.name.into(),
        ev.resource_type.into(),
        ev.resource_id.into(),
        wt,
        wi,
        ev.changes.map_or(Value::Null, |c| c.to_string().into()),
        ev.meta.map_or(Value::Null, |m| m.to_string().into()),
        app.now().into(),
        app.request_id.map_or(Value::Null, Value::from),
    ]
}

/// One statement recording many events (each with its account) by `who` at the app's "now";
/// for scheduled jobs, which change rows in sets. With `expect_changes`, the statement placed
/// just before it in the batch must have changed exactly that many rows, or the whole batch
/// fails and rolls back (a concurrent run got there first; the next tick re-reads). So a
/// set-based guarded UPDATE/DELETE followed by this keeps the outbox exact.
pub fn record_many<D: Db, K: Kv>(app: &App<'_, D, K>, who: &Bearer, evs: &[(&str, Event<'_>)], expect_changes: Option<u64>) -> Stmt {
    let (wt, wi) = who.whodunnit();
    let rows: Vec<Value> = evs
        .iter()
        .map(|(account_id, ev)| {
            Value::Array(vec![
                app.uuid().into(),
                (*account_id).into(),
                ev.name.into(),
                ev.resource_type.into(),
                ev.resource_id.into(),
                ev.changes.as_ref().map_or(Value::Null, |c| c.to_string().into()),
                ev.meta.as_ref().map_or(Value::Null, |m| m.to_string().into()),
            ])
        })
        .collect();
    let request = app.request_id.map_or(Value::Null, Value::from);
    Stmt::new(
        sql::events::INSERT_MANY,
        vec![Value::Array(rows).to_string().into(), expect_changes.map_or(Value::Null, Value::from), wt, wi, app.now().into(), request],
    )
}

/// Lists the event log (admins only) with filters `event`, `events[]`, `resource[type]`,
/// `resource[id]` (or `resource=<id>`), `whodunnit[type]`, `whodunnit[id]` (or
/// `whodunnit=<id>`), `date[start]`, `date[end]` (ISO-8601), `request` (the request that wrote
/// it: its id, or a part of one).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<EventRow>, u64, Page)> {
    let filters = list_filters(caller, q)?;
    let page = Page::from_query(q)?;
    super::fetch_page(app.db, sql::events::LIST, sql::events::COUNT, filters, page).await
}

/// The filters of [`list`] (and the event-log export) as the statement's parameters ?1–?13.
///
/// # Errors
/// 401/403 (admins only); 400 `PARAMETER_INVALID` naming a bad date.
pub fn list_filters(caller: &Caller, q: &Query) -> Result<Vec<Value>> {
    crate::access::require(caller, crate::access::Action::EventRead)?;
    let date = |k: &str| -> Result<Value> {
        match q.get(k) {
            None => Ok(Value::Null),
            Some(v) => parse_iso8601(v).map(Value::from).ok_or_else(|| Error::new(Code::ParameterInvalid, "must be an ISO-8601 date").parameter(k)),
        }
    };
    let opt = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    // Keygen's `whodunnit` and `resource` scopes (issue 8): `key[type]` and `key[id]`, or
    // `key=<id>`; a type in any spelling (`user`, `User`, `users`); an id that is not a UUID
    // matches as a part of one (Keygen's `ilike`).
    use crate::service::lifecycle::request_logs::pair;
    let [who_type, who_id] = pair(q, "whodunnit")?;
    let [resource_type, resource_id] = pair(q, "resource")?;
    let split = |id: Value| match id.as_str() {
        Some(s) if !crate::domain::request_log::is_uuid(s) => (Value::Null, id),
        _ => (id, Value::Null),
    };
    let ((who_exact, who_part), (resource_exact, resource_part)) = (split(who_id), split(resource_id));
    // Keygen's `request` scope: a request log id, or a part of one; an empty term matches
    // nothing (Keygen's `none`), as an exact id no request has.
    let (request_exact, request_part) = match q.get("request") {
        Some("") => (Value::from(""), Value::Null),
        r => split(r.map_or(Value::Null, Value::from)),
    };
    let events: Vec<&str> = q.all("events[]").chain(q.all("events")).flat_map(|v| v.split(',')).map(str::trim).filter(|s| !s.is_empty()).collect();
    let events = if events.is_empty() { Value::Null } else { Value::from(events).to_string().into() };
    Ok(vec![
        caller.account_id().into(),
        opt("event"),
        resource_type,
        resource_exact,
        date("date[start]")?,
        date("date[end]")?,
        who_type,
        who_exact,
        who_part,
        resource_part,
        events,
        request_exact,
        request_part,
    ])
}

/// One event (admins only).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<EventRow> {
    crate::access::require(caller, crate::access::Action::EventRead)?;
    fetch_one(app.db, sql::events::FIND, &[caller.account_id().into(), id.into()]).await?.ok_or_else(|| Error::not_found("event log", id))
}
