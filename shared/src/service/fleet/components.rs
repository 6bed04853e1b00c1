//! Components: create one on a machine (uniqueness per `componentUniquenessStrategy`, checked
//! inside the guarded insert), list/show, update (`name`, `metadata`), delete.

use serde_json::{Map, Value};

use crate::access::Action;
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, fetch_page, fleet::machines, metadata_text, readable, App, Caller, ListScope};
use crate::store::rows::ComponentRow;
use crate::store::{fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// A parsed `POST /components`.
#[derive(Debug)]
pub struct ComponentInput {
    fingerprint: String,
    name: String,
    metadata: Map<String, Value>,
    machine: String,
}

fn required(f: Field<String>, attr: &str) -> Result<String> {
    match f {
        Field::Set(s) if !s.trim().is_empty() => Ok(s),
        Field::Absent => Err(Error::new(Code::ParameterMissing, "is missing").pointer(format!("/data/attributes/{attr}"))),
        _ => Err(Error::attribute(attr, AttrFault::Missing, "can't be blank")),
    }
}

/// Parses `POST /components`.
pub fn parse(body: &[u8]) -> Result<ComponentInput> {
    let mut r = ResourceInput::parse(body, "components")?;
    let fingerprint = required(r.attrs.string("fingerprint")?, "fingerprint")?;
    let name = required(r.attrs.string("name")?, "name")?;
    let metadata = r.attrs.object("metadata")?.set().unwrap_or_default();
    let machine =
        r.rels.one("machine", "machines")?.set().ok_or_else(|| Error::new(Code::ParameterMissing, "is missing").pointer("/data/relationships/machine"))?;
    r.finish()?;
    Ok(ComponentInput { fingerprint, name, metadata, machine })
}

/// Adds a component to a machine (`component.created`).
///
/// # Errors
/// 422 `MACHINE_NOT_FOUND`, `FINGERPRINT_TAKEN` (in the policy's component uniqueness scope).
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: ComponentInput) -> Result<ComponentRow> {
    let m = match machines::authorize(app, caller, &input.machine, Action::MachineUpdate).await {
        Err(e) if e.is(Code::NotFound) => return Err(Error::attribute("machine", AttrFault::NotFound, "must exist")),
        r => r?,
    };
    let now = app.now();
    let id = app.uuid();
    let params = vec![
        caller.account_id().into(),
        m.id.clone().into(),
        input.fingerprint.into(),
        m.config().component_uniqueness_strategy.as_str().into(),
        id.clone().into(),
        input.name.into(),
        metadata_text(&input.metadata).into(),
        now.into(),
    ];
    let results = app.db.batch(vec![Stmt::new(sql::components::INSERT, params), event(app, caller, "component.created", &id)]).await?;
    if results.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::attribute("fingerprint", AttrFault::Taken, "has already been taken"));
    }
    find(app, caller.account_id(), &id).await?.ok_or_else(|| Error::internal("created component vanished"))
}

/// The event `name` of component `id`, recorded only if the write right before it changed the row.
fn event<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, name: &str, id: &str) -> Stmt {
    events::record_if_changed(
        app,
        caller.account_id(),
        &caller.bearer,
        events::Event { name, resource_type: "components", resource_id: id, changes: None, meta: None },
    )
}

/// By id, unchecked (callers authorize).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<ComponentRow>> {
    Ok(fetch_one(app.db, sql::components::FIND, &[account_id.into(), id.into()]).await?)
}

/// A component the caller may read (through its machine).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ComponentRow> {
    readable(caller, Action::MachineRead, "component", id, find(app, caller.account_id(), id), async |c: &_| {
        machines::ownership_of(app, caller, &c.machine_id).await
    })
    .await
}

/// Lists components with filters `machine`, `license`, `product`, `user`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<ComponentRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let ListScope { license: only, product, user, organization, reseller } = caller.list_scope(Action::MachineRead, q)?;
    // Organizations and resellers (issue 10 §7): an organization admin's machines, a reseller
    // admin's, as the machine list scopes them.
    let f = vec![caller.account_id().into(), get("machine"), get("license"), product, user, only, organization, reseller];
    fetch_page(app.db, sql::components::LIST, sql::components::COUNT, f, page).await
}

/// A parsed `PATCH /components/{id}`: Keygen's `machine_components#update` permits `name` and
/// `metadata` only.
#[derive(Debug)]
pub struct ComponentUpdate {
    name: Option<String>,
    metadata: Option<Map<String, Value>>,
}

/// Parses `PATCH /components/{id}`.
///
/// # Errors
/// 400 for a bad shape or any other member; 422 `NAME_MISSING` for a blank or null name.
pub fn parse_update(body: &[u8]) -> Result<ComponentUpdate> {
    let mut r = ResourceInput::parse(body, "components")?;
    // As everywhere: an update's id is accepted and ignored.
    r.id.take();
    let name = match r.attrs.string("name")? {
        Field::Absent => None,
        f => Some(required(f, "name")?),
    };
    let metadata = match r.attrs.object("metadata")? {
        Field::Absent => None,
        f => Some(f.set().unwrap_or_default()),
    };
    r.finish()?;
    Ok(ComponentUpdate { name, metadata })
}

/// Renames a component or replaces its metadata (`component.updated`), as its machine's updater.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: ComponentUpdate) -> Result<ComponentRow> {
    let c = show(app, caller, id).await?;
    machines::authorize(app, caller, &c.machine_id, Action::MachineUpdate).await?;
    let params = vec![
        caller.account_id().into(),
        c.id.clone().into(),
        input.name.map_or(Value::Null, Value::from),
        input.metadata.as_ref().map_or(Value::Null, |m| Value::from(metadata_text(m))),
        app.now().into(),
    ];
    app.db.batch(vec![Stmt::new(sql::components::UPDATE, params), event(app, caller, "component.updated", &c.id)]).await?;
    find(app, caller.account_id(), &c.id).await?.ok_or_else(|| Error::not_found("component", id))
}

/// Deletes a component (`component.deleted`).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let c = show(app, caller, id).await?;
    machines::authorize(app, caller, &c.machine_id, Action::MachineUpdate).await?;
    app.db
        .batch(vec![Stmt::new(sql::components::DELETE, vec![caller.account_id().into(), c.id.clone().into()]), event(app, caller, "component.deleted", &c.id)])
        .await?;
    Ok(())
}
