//! Machines: read by id or fingerprint, list with Keygen's filters, update, and who may do
//! what. Activation and deactivation act on a license and live in licensing
//! (`licensing::activation`); heartbeats in [`crate::service::fleet::heartbeats`].

use serde_json::{Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::policy::INT4_MAX;
use crate::error::{Code, Error};
use crate::service::{events, fetch_page, metadata_param, metadata_text, ownership, readable, App, Bearer, Caller, ListScope};
use crate::store::rows::{LicenseRow, MachineRow};
use crate::store::{self, fetch_one, opt, sql, Db, Kv, Stmt, StmtResult, StoreError};
use crate::Result;

/// A machine by id or fingerprint, without access checks.
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<MachineRow>> {
    Ok(fetch_one(app.db, sql::machines::FIND, &[account_id.into(), id.into()]).await?)
}

/// Machine `m` relative to the bearer: its product's, its license's, or a user's who owns it or
/// its license (owner or licensee); `OwnLocked` for a user when the license is protected.
pub async fn ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, m: &MachineRow) -> Result<Ownership> {
    Ok(match &caller.bearer {
        Bearer::Admin { .. } | Bearer::Environment { .. } => Ownership::Own,
        Bearer::Product { product_id } => Ownership::of(*product_id == m.product_id),
        Bearer::License { license_id } => Ownership::of(*license_id == m.license_id),
        Bearer::User { user_id } => match store::licenses::find(app.db, caller.account_id(), &m.license_id).await? {
            Some(l) => match ownership::license(app, caller, &l).await? {
                Ownership::Foreign if m.owner_id.as_deref() == Some(user_id) => Ownership::locked_if(true, ownership::is_protected(&l)),
                o => o,
            },
            None => Ownership::Foreign,
        },
        Bearer::Anonymous => Ownership::Foreign,
        // organization admins (issue 10 §7): as a user, through the license (its organization's included).
        Bearer::OrganizationAdmin { user_id, .. } => match store::licenses::find(app.db, caller.account_id(), &m.license_id).await? {
            Some(l) => match ownership::license(app, caller, &l).await? {
                Ownership::Foreign if m.owner_id.as_deref() == Some(user_id) => Ownership::locked_if(true, ownership::is_protected(&l)),
                o => o,
            },
            None => Ownership::Foreign,
        },
        // Resellers (issue 10 §7): its reseller's licenses' machines.
        Bearer::ResellerAdmin { .. } => match store::licenses::find(app.db, caller.account_id(), &m.license_id).await? {
            Some(l) => ownership::license(app, caller, &l).await?,
            None => Ownership::Foreign,
        },
    })
}

/// The ownership of machine `id` (what components and processes are authorized through);
/// `Foreign` when it does not exist.
pub(super) async fn ownership_of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Ownership> {
    match find(app, caller.account_id(), id).await? {
        Some(m) => ownership(app, caller, &m).await,
        None => Ok(Ownership::Foreign),
    }
}

/// A machine the caller may read (404 otherwise; 401 for anonymous callers).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<MachineRow> {
    authorize(app, caller, id, Action::MachineRead).await
}

/// The machine `id` (or fingerprint) if the access table lets the caller do `action` on it.
/// Inside a SHARED environment a global machine is readable, and read-only (Keygen's strict
/// `verify_environment!` on `MachinePolicy`'s writes: 403, `service::compatible`).
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<MachineRow> {
    readable(caller, action, "machine", id, find(app, caller.account_id(), id), async |m| {
        crate::service::compatible(caller, action, &m.account_id)?;
        ownership(app, caller, m).await
    })
    .await
}

/// Lists machines with filters `fingerprint`, `license` (id or key), `key`, `user`, `owner`,
/// `product`, `policy`, `group`, `status` (`ALIVE`/`DEAD`), scoped to what the bearer may see.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<MachineRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let f = list_filters(caller, q, app.now())?;
    fetch_page(app.db, sql::machines::LIST, sql::machines::COUNT, f, page).await
}

/// The filters of [`list`] (and its export) as the statement's parameters ?1–?19.
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` naming a bad filter.
pub fn list_filters(caller: &Caller, q: &Query, now: crate::clock::Millis) -> Result<Vec<Value>> {
    let get = |k: &str| q.get(k).map_or(Value::Null, |v| Value::from(v.to_owned()));
    let ListScope { license: only, product, mut user, organization, reseller } = caller.list_scope(Action::MachineRead, q)?;
    // Keygen's `user` scope takes an id or an email: a bearer's own scope is always an id, so an
    // email here is the query's and is matched by email (?19) instead.
    let user_email = match user.as_str() {
        Some(u) if u.contains('@') => std::mem::take(&mut user),
        _ => Value::Null,
    };
    let status = match q.get("status") {
        None => Value::Null,
        Some(s @ ("ALIVE" | "DEAD")) => s.into(),
        Some(_) => return Err(Error::new(Code::ParameterInvalid, "must be one of ALIVE, DEAD").parameter("status")),
    };
    let f = vec![
        caller.account_id().into(),
        get("fingerprint"),
        get("license"),
        user,
        product,
        get("policy"),
        get("key"),
        status,
        now.into(),
        only,
        get("owner"),
        get("group"),
        // Query operators.
        crate::api::filters::time_operators(q, &["created", "updated", "lastHeartbeat"])?,
        // organization admins (issue 10 §7)
        organization,
        // Keygen's machines scopes (issue 8): metadata, ip, hostname.
        metadata_param(q)?,
        get("ip"),
        get("hostname"),
        // Resellers (issue 10 §7).
        reseller,
        user_email,
    ];
    Ok(f)
}

/// A parsed machine update.
#[derive(Debug, Default)]
pub struct MachineUpdate {
    name: Field<String>,
    ip: Field<String>,
    hostname: Field<String>,
    platform: Field<String>,
    metadata: Field<Map<String, Value>>,
    max_processes: Field<i64>,
}

/// Parses `PATCH /machines/{id}`.
pub fn parse_update(body: &[u8]) -> Result<MachineUpdate> {
    let mut r = ResourceInput::parse(body, "machines")?;
    let u = MachineUpdate {
        name: r.attrs.string("name")?,
        ip: r.attrs.string("ip")?,
        hostname: r.attrs.string("hostname")?,
        platform: r.attrs.string("platform")?,
        metadata: r.attrs.object("metadata")?,
        max_processes: r.attrs.int_in("maxProcesses", 1, INT4_MAX)?,
    };
    r.finish()?;
    Ok(u)
}

/// Updates a machine (`machine.updated`). `maxProcesses` is for admins and products only.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, u: MachineUpdate) -> Result<MachineRow> {
    let m = authorize(app, caller, id, Action::MachineUpdate).await?;
    if u.max_processes.is_present() {
        access::check(caller, Action::MachineLimitsSet, ownership(app, caller, &m).await?, "machine", id)
            .map_err(|e| e.pointer("/data/attributes/maxProcesses"))?;
    }
    let pick = |f: Field<String>, cur: &Option<String>| f.into_update().unwrap_or_else(|| cur.clone());
    let metadata = u.metadata.into_update().map_or(m.metadata.clone(), |v| metadata_text(&v.unwrap_or_default()));
    let params = vec![
        caller.account_id().into(),
        m.id.clone().into(),
        opt(pick(u.name, &m.name)),
        opt(pick(u.ip, &m.ip)),
        opt(pick(u.hostname, &m.hostname)),
        opt(pick(u.platform, &m.platform)),
        metadata.into(),
        opt(u.max_processes.into_update().unwrap_or(m.max_processes)),
        app.now().into(),
    ];
    let res = app.db.batch(vec![Stmt::new(sql::machines::UPDATE, params), event(app, caller, "machine.updated", &m.id)]).await?;
    written(&res, &m.policy_config, m.license_max_processes)?.ok_or_else(|| Error::not_found("machine", id))
}

/// The machine the write at the head of `res` returned (`RETURNING *`), with its policy's config
/// and its license's `maxProcesses` (which that write did not change): responses show their own
/// write, never a re-read a concurrent write could have overtaken. `None`: it matched nothing.
pub fn written(res: &[StmtResult], policy_config: &str, license_max_processes: Option<i64>) -> Result<Option<MachineRow>> {
    let Some(mut row) = res.first().and_then(|r| r.rows.first()).cloned() else { return Ok(None) };
    row.insert("policy_config".into(), policy_config.into());
    row.insert("license_max_processes".into(), opt(license_max_processes));
    Ok(Some(serde_json::from_value(Value::Object(row)).map_err(StoreError::from)?))
}

/// The event statement `name` for machine `id` by the caller, to put right after the write on
/// that machine: it is recorded only if that write changed the row.
pub fn event<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, name: &str, id: &str) -> Stmt {
    events::record_if_changed(
        app,
        caller.account_id(),
        &caller.bearer,
        events::Event { name, resource_type: "machines", resource_id: id, changes: None, meta: None },
    )
}

/// The license of a machine the caller may read (`GET /machines/{id}/license`).
pub async fn license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<LicenseRow> {
    let m = show(app, caller, id).await?;
    store::licenses::find(app.db, caller.account_id(), &m.license_id).await?.ok_or_else(|| Error::not_found("license", &m.license_id))
}
