//! Entitlement sets (issue 10 §3, Cryptlex 3.78 "entitlement sets"): a named, account-wide
//! bundle of entitlements, each with an optional value override (tiers like Pro/Enterprise).
//! CRUD, membership (`POST|DELETE|GET /entitlement-sets/{id}/entitlements`) and a policy's set
//! (`PUT|GET /policies/{id}/entitlement-set`); a license's own set is `licensing::entitlement_set`.
//! How a license's features resolve: `domain::features`.

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{to_one_body, Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::catalogue::{entitlements, grantees, policies};
use crate::service::{events, fetch_page, metadata_text, readable, App, Caller};
use crate::store::rows::{EntitlementRow, EntitlementSetRow, GrantRow, PolicyRow};
use crate::store::{fetch_all, fetch_one, opt, sql, Db, Kv, Stmt, StoreError};
use crate::Result;

/// A parsed entitlement-set document.
#[derive(Debug, Default)]
pub struct EntitlementSetInput {
    id: Option<String>,
    name: Field<String>,
    metadata: Field<Map<String, Value>>,
}

/// Parses an entitlement-set document (`name` required on create; `metadata`).
///
/// # Errors
/// 400 for bad types and unknown members; 422 `NAME_MISSING`.
pub fn parse(body: &[u8], creating: bool) -> Result<EntitlementSetInput> {
    let mut r = ResourceInput::parse(body, "entitlement-sets")?;
    let e = EntitlementSetInput { id: r.client_id()?, name: r.attrs.string("name")?, metadata: r.attrs.object("metadata")? };
    r.finish()?;
    let blank = match &e.name {
        Field::Set(n) => n.trim().is_empty() || n.len() > 255,
        Field::Null => true,
        Field::Absent => creating,
    };
    if blank {
        return Err(Error::attribute("name", AttrFault::Missing, "must not be blank (and at most 255 bytes)"));
    }
    Ok(e)
}

/// A set by id (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<EntitlementSetRow>> {
    Ok(fetch_one(app.db, sql::entitlement_sets::FIND, &[account_id.into(), id.into()]).await?)
}

/// The set `id` if the access table lets the caller do `action` on it (account-wide, like
/// entitlements: no bearer but an admin owns one).
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<EntitlementSetRow> {
    readable(caller, action, "entitlement set", id, find(app, caller.account_id(), id), async |_| Ok(Ownership::None)).await
}

/// `GET /entitlement-sets/{id}`.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<EntitlementSetRow> {
    authorize(app, caller, id, Action::EntitlementSetRead).await
}

/// `GET /entitlement-sets`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<EntitlementSetRow>, u64, Page)> {
    access::require(caller, Action::EntitlementSetRead)?;
    let page = Page::from_query(q)?;
    fetch_page(app.db, sql::entitlement_sets::LIST, sql::entitlement_sets::COUNT, vec![caller.account_id().into()], page).await
}

fn event<'a>(name: &'a str, id: &'a str, meta: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: "entitlement-sets", resource_id: id, changes: None, meta }
}

/// Creates a set (admins).
///
/// # Errors
/// 409 `ID_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: EntitlementSetInput) -> Result<EntitlementSetRow> {
    access::require(caller, Action::EntitlementSetCreate)?;
    let acc = caller.account_id();
    let id = input.id.unwrap_or_else(|| app.uuid());
    let name = input.name.set().unwrap_or_default();
    let params = vec![id.clone().into(), acc.into(), name.into(), metadata_text(&input.metadata.set().unwrap_or_default()).into(), app.now().into()];
    let stmts = vec![
        Stmt::new(sql::entitlement_sets::INSERT, params),
        events::record_if_changed(app, acc, &caller.bearer, event("entitlement-set.created", &id, None)),
    ];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::IdConflict, "must not conflict with another entitlement set").pointer("/data/id"));
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("entitlement set vanished after insert"))
}

/// Updates name and metadata (admins).
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: EntitlementSetInput) -> Result<EntitlementSetRow> {
    let s = authorize(app, caller, id, Action::EntitlementSetUpdate).await?;
    let acc = caller.account_id();
    let name = input.name.set().unwrap_or(s.name.clone());
    let metadata = input.metadata.into_update().map_or(s.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let now = app.now();
    let changes = json!({"name": [s.name, name]});
    app.db
        .batch(vec![
            Stmt::new(sql::entitlement_sets::UPDATE, vec![acc.into(), s.id.clone().into(), name.clone().into(), metadata.clone().into(), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, events::Event { changes: Some(changes), ..event("entitlement-set.updated", &s.id, None) }),
        ])
        .await?;
    Ok(EntitlementSetRow { name, metadata, updated_at: now, ..s })
}

/// Deletes a set (admins).
///
/// # Errors
/// 422 `ENTITLEMENT_SET_IN_USE` while a policy or license points at it (stricter than a silent
/// detach: its licenses would lose features); nothing is written.
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let s = authorize(app, caller, id, Action::EntitlementSetDelete).await?;
    let acc = caller.account_id();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::entitlement_sets::DELETE_UNUSED, vec![acc.into(), s.id.clone().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("entitlement-set.deleted", &s.id, None)),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 && find(app, acc, &s.id).await?.is_some() {
        return Err(Error::new(Code::EntitlementSetInUse, "is the entitlement set of a policy or license; detach it first").pointer("/data"));
    }
    Ok(())
}

/// `POST /entitlement-sets/{id}/entitlements`: adds entitlements, each item's `meta.value`
/// overriding the entitlement's value for the set's holders (admins). Recorded as
/// `entitlement-set.updated` with `meta.entitlements`.
///
/// # Errors
/// 422 `ENTITLEMENT_NOT_FOUND` / `ENTITLEMENT_TAKEN` pointing at `/data/<i>`; nothing is written.
pub async fn add<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<entitlements::Attached> {
    let grantees = grantees::parse_grantees(body, false)?;
    let (ids, extra) = grantees::grantee_params(&grantees);
    let s = authorize(app, caller, id, Action::EntitlementSetUpdate).await?;
    entitlements::check_attachable(app, caller.account_id(), sql::entitlement_sets::MEMBERS_AMONG, &s.id, &ids).await?;
    let ev = ("entitlement-set.updated", "entitlement-sets");
    entitlements::write(app, caller, sql::entitlement_sets::ADD_MEMBERS, ev, &s.id, &ids, Some(extra)).await?;
    Ok((s.id, ids, app.now()))
}

/// `DELETE /entitlement-sets/{id}/entitlements` (admins).
///
/// # Errors
/// 422 for an entitlement that is not a member (`/data/<i>`); nothing is written.
pub async fn remove<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<()> {
    let ids = entitlements::parse_identifiers(body, "entitlements")?;
    let s = authorize(app, caller, id, Action::EntitlementSetUpdate).await?;
    entitlements::check_detachable(app, caller.account_id(), sql::entitlement_sets::MEMBERS_AMONG, &s.id, &ids).await?;
    entitlements::write(app, caller, sql::entitlement_sets::REMOVE_MEMBERS, ("entitlement-set.updated", "entitlement-sets"), &s.id, &ids, None).await
}

/// `GET /entitlement-sets/{id}/entitlements`: the members, each with the value the set gives
/// (its override, else the entitlement's own).
pub async fn members<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<EntitlementRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let s = authorize(app, caller, id, Action::EntitlementSetRead).await?;
    let f: Vec<Value> = vec![caller.account_id().into(), s.id.into()];
    let mut params = f.clone();
    params.extend([page.size.into(), page.offset().into()]);
    let rows: Vec<Map<String, Value>> = fetch_all(app.db, sql::entitlement_sets::LIST_MEMBERS, &params).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let g: GrantRow = serde_json::from_value(Value::Object(r.clone())).map_err(StoreError::from)?;
            let e: EntitlementRow = serde_json::from_value(Value::Object(r)).map_err(StoreError::from)?;
            Ok(EntitlementRow { value: g.grant_value.or(e.value.clone()), ..e })
        })
        .collect::<Result<Vec<_>>>()?;
    let n = fetch_one::<crate::store::rows::CountRow>(app.db, sql::entitlement_sets::COUNT_MEMBERS, &f).await?.map_or(0, |c| c.n as u64);
    Ok((rows, n, page))
}

/// `PUT /policies/{id}/entitlement-set` with an `entitlement-sets` identifier or `null`
/// (admins and the policy's product): the set its licenses get unless they have their own.
///
/// # Errors
/// 422 `ENTITLEMENT_SET_NOT_FOUND` (`/data`) for an unknown set.
pub async fn set_for_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<PolicyRow> {
    let target = to_one_body(body, "entitlement-sets")?;
    let p = policies::authorize(app, caller, id, Action::PolicyUpdate).await?;
    let acc = caller.account_id();
    let now = app.now();
    let changes = json!({"entitlementSet": [p.entitlement_set_id, target]});
    let stmts = vec![
        Stmt::new(sql::entitlement_sets::SET_FOR_POLICY, vec![acc.into(), p.id.clone().into(), opt(target.clone()), now.into()]),
        events::record_if_changed(
            app,
            acc,
            &caller.bearer,
            events::Event { name: "policy.updated", resource_type: "policies", resource_id: &p.id, changes: Some(changes), meta: None },
        ),
    ];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(not_found());
    }
    Ok(PolicyRow { entitlement_set_id: target, updated_at: now, ..p })
}

/// 422 `ENTITLEMENT_SET_NOT_FOUND` at `/data`.
pub fn not_found() -> Error {
    Error::attribute("entitlementSet", AttrFault::NotFound, "must exist").pointer("/data")
}

/// `GET /policies/{id}/entitlement-set` (the policy's read; `None`: it has none).
pub async fn of_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str) -> Result<Option<EntitlementSetRow>> {
    let p = policies::show(app, caller, policy_id).await?;
    match p.entitlement_set_id.as_deref() {
        Some(id) => find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}

/// 422 `ENTITLEMENT_SET_NOT_FOUND` at `/data/relationships/entitlementSet` (a create naming an
/// unknown set, or one of another account).
pub fn not_found_on_create() -> Error {
    Error::attribute("entitlementSet", AttrFault::NotFound, "must exist")
}

/// The set a new policy or license names in its `entitlementSet` relationship (`None`: absent or
/// `null`). A read before the creation batch, so that a bad id is refused before anything is
/// written; [`attach_on_create`] keeps it atomic.
///
/// # Errors
/// 422 `ENTITLEMENT_SET_NOT_FOUND` ([`not_found_on_create`]).
pub async fn for_new<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, field: &Field<String>) -> Result<Option<String>> {
    let Field::Set(id) = field else { return Ok(None) };
    Ok(Some(find(app, account_id, id).await?.ok_or_else(not_found_on_create)?.id))
}

/// Which new resource a set is attached to on creation.
#[derive(Debug, Clone, Copy)]
pub enum NewHolder {
    /// `POST /policies`.
    Policy,
    /// `POST /licenses`.
    License,
}

/// The creation batch's statement giving new resource `id` its set: it goes right after the
/// insert (it follows the insert's `changes()`, and the next statement follows its own).
pub fn attach_on_create(holder: NewHolder, account_id: &str, id: &str, set_id: &str) -> Stmt {
    let sql = match holder {
        NewHolder::Policy => sql::entitlement_sets::ATTACH_TO_NEW_POLICY,
        NewHolder::License => sql::entitlement_sets::ATTACH_TO_NEW_LICENSE,
    };
    Stmt::new(sql, vec![account_id.into(), id.into(), set_id.into()])
}

/// The error for a failed creation batch that attached set `set_id`: the set deleted between
/// [`for_new`] and the batch (its foreign key aborted the batch) is 422
/// `ENTITLEMENT_SET_NOT_FOUND`; anything else stays the store error (500).
pub async fn creation_failed<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, set_id: Option<&str>, e: StoreError) -> Error {
    match set_id {
        Some(s) if matches!(find(app, account_id, s).await, Ok(None)) => {
            let mut err = not_found_on_create();
            err.cause = Some(e.to_string());
            err
        }
        _ => e.into(),
    }
}
