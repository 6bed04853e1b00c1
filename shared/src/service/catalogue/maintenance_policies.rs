//! Maintenance policies (Cryptlex 3.54, with 3.81's `subscriptionInterval` /
//! `subscriptionStartTrigger`): a product's named maintenance window, CRUD. Licenses and
//! policies point at one (`licensing::maintenance`), which replaces the former per-policy
//! `maintenanceDuration`.

use serde_json::{Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::duration::{InvalidDuration, IsoDuration};
use crate::domain::states::StartTrigger;
use crate::error::{AttrFault, Code, Error};
use crate::service::{events, fetch_page, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::MaintenancePolicyRow;
use crate::store::{fetch_one, flag, sql, Db, Kv, Stmt};
use crate::Result;

/// A parsed maintenance-policy document.
#[derive(Debug, Default)]
pub struct MaintenancePolicyInput {
    id: Option<String>,
    name: Field<String>,
    interval: Field<IsoDuration>,
    trigger: Field<StartTrigger>,
    allow_major: Field<bool>,
    allow_minor: Field<bool>,
    metadata: Field<Map<String, Value>>,
    product: Field<String>,
}

/// Parses a maintenance-policy document: `name` and `subscriptionInterval` required on create,
/// `subscriptionStartTrigger` (`creation` default | `activation`), `allowMajorVersionUpdates`
/// and `allowMinorVersionUpdates` (default true), `metadata`; the `product` relationship on
/// create only.
///
/// # Errors
/// 400 for bad types and unknown members; 422 `<ATTR>_INVALID` / `_MISSING` / `_NOT_ALLOWED`.
pub fn parse(body: &[u8], creating: bool) -> Result<MaintenancePolicyInput> {
    let mut r = ResourceInput::parse(body, "maintenance-policies")?;
    let mut m = MaintenancePolicyInput { id: r.client_id()?, name: r.attrs.string("name")?, ..Default::default() };
    m.interval = match r.attrs.string("subscriptionInterval")? {
        Field::Set(s) => Field::Set(s.parse().map_err(|e: InvalidDuration| Error::attribute("subscriptionInterval", AttrFault::Invalid, e.0))?),
        Field::Null => return Err(Error::attribute("subscriptionInterval", AttrFault::Missing, "must not be null")),
        Field::Absent => Field::Absent,
    };
    m.trigger = match r.attrs.string("subscriptionStartTrigger")? {
        Field::Set(s) => {
            Field::Set(s.parse().map_err(|_| Error::attribute("subscriptionStartTrigger", AttrFault::NotAllowed, "must be one of: creation, activation"))?)
        }
        Field::Null => return Err(Error::attribute("subscriptionStartTrigger", AttrFault::NotAllowed, "must be one of: creation, activation")),
        Field::Absent => Field::Absent,
    };
    m.allow_major = r.attrs.bool("allowMajorVersionUpdates")?;
    m.allow_minor = r.attrs.bool("allowMinorVersionUpdates")?;
    m.metadata = r.attrs.object("metadata")?;
    m.product = r.rels.one("product", "products")?;
    r.finish()?;
    let blank = match &m.name {
        Field::Set(n) => n.trim().is_empty(),
        Field::Null => true,
        Field::Absent => creating,
    };
    if blank {
        return Err(Error::attribute("name", AttrFault::Missing, "must not be blank"));
    }
    if creating {
        if !m.interval.is_present() {
            return Err(Error::attribute("subscriptionInterval", AttrFault::Missing, "is required"));
        }
        if !matches!(m.product, Field::Set(_)) {
            return Err(Error::new(Code::ParameterMissing, "product relationship is required").pointer("/data/relationships/product"));
        }
    } else if m.product.is_present() {
        return Err(Error::new(Code::ParameterUnpermitted, "unpermitted parameter").pointer("/data/relationships/product"));
    }
    Ok(m)
}

/// A maintenance policy by id (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<MaintenancePolicyRow>> {
    Ok(fetch_one(app.db, sql::maintenance_policies::FIND, &[account_id.into(), id.into()]).await?)
}

/// The maintenance policy `id` if the table lets the caller do `action` on it (a product owns
/// its own product's).
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<MaintenancePolicyRow> {
    readable(caller, action, "maintenance policy", id, find(app, caller.account_id(), id), async |m| Ok(own(caller, &m.product_id))).await
}

fn own(caller: &Caller, product_id: &str) -> Ownership {
    match &caller.bearer {
        Bearer::Product { product_id: p } => Ownership::of(p == product_id),
        _ => Ownership::Own,
    }
}

/// `GET /maintenance-policies[/{id}]`.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<MaintenancePolicyRow> {
    authorize(app, caller, id, Action::MaintenancePolicyRead).await
}

/// Lists maintenance policies (a product's own), filter `product`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<MaintenancePolicyRow>, u64, Page)> {
    let scope = caller.list_scope(Action::MaintenancePolicyRead, q)?;
    let page = Page::from_query(q)?;
    fetch_page(app.db, sql::maintenance_policies::LIST, sql::maintenance_policies::COUNT, vec![caller.account_id().into(), scope.product], page).await
}

fn event<'a>(name: &'a str, id: &'a str) -> events::Event<'a> {
    events::Event { name, resource_type: "maintenance-policies", resource_id: id, changes: None, meta: None }
}

/// Creates a maintenance policy for a product (admins; a product for itself).
///
/// # Errors
/// 422 `PRODUCT_NOT_FOUND`; 409 `ID_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: MaintenancePolicyInput) -> Result<MaintenancePolicyRow> {
    access::gate(caller, Action::MaintenancePolicyCreate)?;
    let product = input.product.clone().set().unwrap_or_default();
    access::check(caller, Action::MaintenancePolicyCreate, own(caller, &product), "product", &product).map_err(|e| {
        if e.is(Code::NotFound) {
            Error::attribute("product", AttrFault::NotFound, "must exist")
        } else {
            e
        }
    })?;
    let acc = caller.account_id();
    let id = input.id.clone().unwrap_or_else(|| app.uuid());
    let params = vec![
        id.clone().into(),
        acc.into(),
        product.into(),
        input.name.set().unwrap_or_default().into(),
        input.interval.set().map(|d| d.to_string()).unwrap_or_default().into(),
        input.trigger.set().unwrap_or(StartTrigger::Creation).as_str().into(),
        flag(input.allow_major.set().unwrap_or(true)),
        flag(input.allow_minor.set().unwrap_or(true)),
        metadata_text(&input.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
    ];
    let stmts = vec![
        Stmt::new(sql::maintenance_policies::INSERT, params),
        events::record_if_changed(app, acc, &caller.bearer, event("maintenance-policy.created", &id)),
    ];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(match find(app, acc, &id).await? {
            Some(_) => Error::new(Code::IdConflict, "must not conflict with another maintenance policy").pointer("/data/id"),
            None => Error::attribute("product", AttrFault::NotFound, "must exist"),
        });
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("maintenance policy vanished after insert"))
}

/// Updates a maintenance policy. Licenses keep their maintenance expiry; a new interval applies
/// from their next renewal or start.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: MaintenancePolicyInput) -> Result<MaintenancePolicyRow> {
    let m = authorize(app, caller, id, Action::MaintenancePolicyUpdate).await?;
    let acc = caller.account_id();
    let params = vec![
        acc.into(),
        m.id.clone().into(),
        input.name.set().unwrap_or(m.name.clone()).into(),
        input.interval.set().unwrap_or(m.subscription_interval).to_string().into(),
        input.trigger.set().unwrap_or(m.subscription_start_trigger).as_str().into(),
        flag(input.allow_major.set().unwrap_or(m.allow_major_version_updates != 0)),
        flag(input.allow_minor.set().unwrap_or(m.allow_minor_version_updates != 0)),
        input.metadata.into_update().map_or(m.metadata.clone(), |v| metadata_text(&v.unwrap_or_default())).into(),
        app.now().into(),
    ];
    app.db
        .batch(vec![
            Stmt::new(sql::maintenance_policies::UPDATE, params),
            events::record_if_changed(app, acc, &caller.bearer, event("maintenance-policy.updated", &m.id)),
        ])
        .await?;
    find(app, acc, &m.id).await?.ok_or_else(|| Error::not_found("maintenance policy", id))
}

/// Deletes a maintenance policy (its policies and licenses are detached).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let m = authorize(app, caller, id, Action::MaintenancePolicyDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::maintenance_policies::DELETE, vec![acc.into(), m.id.clone().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("maintenance-policy.deleted", &m.id)),
        ])
        .await?;
    Ok(())
}

/// `PUT /policies/{id}/maintenance-policy` with a `maintenance-policies` identifier or `null`
/// (admins and the policy's product): the default maintenance policy of its new licenses.
///
/// # Errors
/// 422 `MAINTENANCE_POLICY_NOT_FOUND` (`/data`) for one of another product.
pub async fn set_for_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<crate::store::rows::PolicyRow> {
    let p = crate::service::catalogue::policies::authorize(app, caller, id, Action::PolicyUpdate).await?;
    let target = crate::api::input::to_one_body(body, "maintenance-policies")?;
    let acc = caller.account_id();
    let params = vec![acc.into(), p.id.clone().into(), crate::store::opt(target.clone()), app.now().into()];
    let stmts = vec![
        Stmt::new(sql::maintenance_policies::SET_POLICY_MAINTENANCE_POLICY, params),
        events::record_if_changed(
            app,
            acc,
            &caller.bearer,
            events::Event { name: "policy.updated", resource_type: "policies", resource_id: &p.id, changes: None, meta: None },
        ),
    ];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::attribute("maintenancePolicy", AttrFault::NotFound, "must exist").pointer("/data"));
    }
    Ok(crate::store::rows::PolicyRow { maintenance_policy_id: target, updated_at: app.now(), ..p })
}

/// `GET /policies/{id}/maintenance-policy`: the policy's default maintenance policy (`None`:
/// none). Access: the policy's read, like every relationship route.
///
/// # Errors
/// 404 when the caller may not read the policy.
pub async fn of_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str) -> Result<Option<MaintenancePolicyRow>> {
    let p = crate::service::catalogue::policies::show(app, caller, policy_id).await?;
    match p.maintenance_policy_id.as_deref() {
        Some(id) => find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}
