//! Entitlements: CRUD by id or code, and attaching them to policies and licenses
//! (`POST|DELETE|GET /policies/{id}/entitlements`, `/licenses/{id}/entitlements`). A license's
//! entitlements are its own plus its policy's.

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::input::{identifier, parse_body, type_mismatch, Field, Members, ResourceInput};
use crate::api::query::{Page, Query};
use crate::domain::features;
use crate::error::{AttrFault, Code, Error};
use crate::service::{catalogue::policies, events, metadata_text, readable, App, Caller};
use crate::store::rows::{CountRow, EntitlementRow, GrantRow, IdRow};
use crate::store::{fetch_all, fetch_one, sql, Db, Kv, Stmt, StoreError};
use crate::Result;

/// A parsed entitlement document.
#[derive(Debug, Default)]
pub struct EntitlementInput {
    id: Option<String>,
    name: Field<String>,
    code: Field<String>,
    metadata: Field<Map<String, Value>>,
    /// The feature's typed value (issue 10 §3, Cryptlex features).
    value: Field<Value>,
}

/// Parses an entitlement document (`name` and `code` required on create).
pub fn parse(body: &[u8], creating: bool) -> Result<EntitlementInput> {
    let mut r = ResourceInput::parse(body, "entitlements")?;
    let mut e = EntitlementInput {
        id: r.client_id()?,
        name: r.attrs.string("name")?,
        code: r.attrs.string("code")?,
        metadata: r.attrs.object("metadata")?,
        ..Default::default()
    };
    e.value = feature_value(r.attrs.raw("value"))?;
    r.finish()?;
    for (attr, f) in [("name", &e.name), ("code", &e.code)] {
        let blank = match f {
            Field::Set(s) => s.trim().is_empty(),
            Field::Null => true,
            Field::Absent => creating,
        };
        if blank {
            return Err(Error::attribute(attr, AttrFault::Missing, "must not be blank"));
        }
    }
    Ok(e)
}

/// A feature's `value`: a number, a string (≤ 1,024 bytes) or a boolean; `null` clears.
///
/// # Errors
/// 400 `PARAMETER_INVALID` for arrays and objects; 422 `VALUE_INVALID` for a longer string.
pub fn feature_value(v: Option<Value>) -> Result<Field<Value>> {
    match v {
        None => Ok(Field::Absent),
        Some(Value::Null) => Ok(Field::Null),
        Some(Value::String(s)) if s.len() > 1024 => Err(Error::attribute("value", AttrFault::Invalid, "must be at most 1024 bytes")),
        Some(v @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => Ok(Field::Set(v)),
        Some(v) => Err(type_mismatch("/data/attributes/value", &v, "number, string or boolean")),
    }
}

/// The statement writing a document's feature value after a guarded write (none when absent).
fn value_stmt(acc: &str, id: &str, v: &Field<Value>) -> Option<Stmt> {
    let text = match v {
        Field::Absent => return None,
        Field::Null => Value::Null,
        Field::Set(v) => v.to_string().into(),
    };
    Some(Stmt::new(sql::entitlements::SET_VALUE_IF_CHANGED, vec![acc.into(), id.into(), text]))
}

/// The `data` array of an attach/detach body (1 to 100 items, each still to be read), `meta`
/// tolerated at the top: the envelope [`parse_identifiers`] and the grantee parser share.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` with a pointer for a bad shape or size.
pub(crate) fn identifier_items(body: &[u8]) -> Result<Vec<Value>> {
    let mut top = Members::new(parse_body(body)?, "");
    let data = top.raw("data");
    top.raw("meta");
    top.finish()?;
    let items = match data {
        None => return Err(Error::new(Code::ParameterMissing, "is missing").pointer("/data")),
        Some(Value::Array(a)) => a,
        Some(v) => return Err(type_mismatch("/data", &v, "array")),
    };
    if items.is_empty() || items.len() > 100 {
        return Err(Error::new(Code::ParameterInvalid, "must contain between 1 and 100 items").pointer("/data"));
    }
    Ok(items)
}

/// Parses `{"data":[{"type":ty,"id":…}, …]}` (1 to 100 identifiers) for attach/detach.
///
/// # Errors
/// 400 `PARAMETER_MISSING` / `PARAMETER_INVALID` with a pointer for a bad shape or size.
pub fn parse_identifiers(body: &[u8], ty: &str) -> Result<Vec<String>> {
    identifier_items(body)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Object(d) => identifier(d, ty, &format!("/data/{i}")),
            v => Err(type_mismatch(&format!("/data/{i}"), &v, "object")),
        })
        .collect()
}

/// An entitlement by id or code (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<EntitlementRow>> {
    Ok(fetch_one(app.db, sql::entitlements::FIND, &[account_id.into(), id.into()]).await?)
}

/// An entitlement (admins and products).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<EntitlementRow> {
    authorize(app, caller, id, Action::EntitlementRead).await
}

/// The entitlement `id` if the access table lets the caller do `action` on it. Entitlements
/// are account-wide: no bearer but an admin owns one.
async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<EntitlementRow> {
    readable(caller, action, "entitlement", id, find(app, caller.account_id(), id), async |e| {
        crate::service::compatible(caller, action, &e.account_id)?;
        Ok(Ownership::None)
    })
    .await
}

/// Lists entitlements (admins and products).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<EntitlementRow>, u64, Page)> {
    access::require(caller, Action::EntitlementRead)?;
    let page = Page::from_query(q)?;
    let rows = fetch_all(app.db, sql::entitlements::LIST, &[caller.account_id().into(), page.size.into(), page.offset().into()]).await?;
    let n = fetch_one::<CountRow>(app.db, sql::entitlements::COUNT, &[caller.account_id().into()]).await?.map_or(0, |c| c.n as u64);
    Ok((rows, n, page))
}

fn code_taken() -> Error {
    Error::attribute("code", AttrFault::Taken, "has already been taken")
}

fn event<'a>(name: &'a str, ty: &'a str, id: &'a str, meta: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: ty, resource_id: id, changes: None, meta }
}

/// Creates an entitlement.
///
/// # Errors
/// 422 `CODE_TAKEN`; 409 `ID_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: EntitlementInput) -> Result<EntitlementRow> {
    access::require(caller, Action::EntitlementCreate)?;
    let acc = caller.account_id();
    let code = input.code.set().unwrap_or_default();
    if find(app, acc, &code).await?.is_some_and(|e| e.code == code) {
        return Err(code_taken());
    }
    let id = match input.id {
        Some(id) if find(app, acc, &id).await?.is_some() => {
            return Err(Error::new(Code::IdConflict, "must not conflict with another entitlement").pointer("/data/id"))
        }
        Some(id) => id,
        None => app.uuid(),
    };
    let params = vec![
        id.clone().into(),
        acc.into(),
        input.name.set().unwrap_or_default().into(),
        code.into(),
        metadata_text(&input.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
    ];
    let mut stmts = vec![
        Stmt::new(sql::entitlements::INSERT, params),
        events::record_if_changed(app, acc, &caller.bearer, event("entitlement.created", "entitlements", &id, None)),
    ];
    stmts.extend(value_stmt(acc, &id, &input.value));
    let res = app.db.batch(stmts).await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(code_taken());
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("entitlement vanished after insert"))
}

/// Updates name, code and metadata.
///
/// # Errors
/// 422 `CODE_TAKEN`, `NAME_MISSING`, `CODE_MISSING`.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: EntitlementInput) -> Result<EntitlementRow> {
    let e = authorize(app, caller, id, Action::EntitlementUpdate).await?;
    let name = input.name.set().unwrap_or(e.name.clone());
    let code = input.code.set().unwrap_or(e.code.clone());
    let metadata = input.metadata.into_update().map_or(e.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let changes = json!({"name": [e.name, name], "code": [e.code, code]});
    let acc = caller.account_id();
    let now = app.now();
    let value = input.value.clone().into_update().map_or(e.value.clone(), |v| v.map(|v| v.to_string()));
    let value_stmt = value_stmt(acc, &e.id, &input.value);
    let res = app
        .db
        .batch(
            vec![
                Stmt::new(
                    sql::entitlements::UPDATE,
                    vec![
                        acc.into(),
                        e.id.clone().into(),
                        name.clone().into(),
                        code.clone().into(),
                        metadata.clone().into(),
                        now.into(),
                        e.name.clone().into(),
                        e.code.clone().into(),
                    ],
                ),
                events::record_if_changed(
                    app,
                    acc,
                    &caller.bearer,
                    events::Event { changes: Some(changes), ..event("entitlement.updated", "entitlements", &e.id, None) },
                ),
            ]
            .into_iter()
            .chain(value_stmt)
            .collect(),
        )
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        // Nothing was written: the code is taken, or a concurrent update changed the name or
        // code this request's `[old, new]` pairs start from.
        let current = find(app, acc, &e.id).await?.ok_or_else(|| Error::not_found("entitlement", id))?;
        if (current.name.as_str(), current.code.as_str()) != (e.name.as_str(), e.code.as_str()) {
            return Err(Error::new(Code::StateInvalid, "the entitlement changed concurrently; retry").pointer("/data"));
        }
        return Err(code_taken());
    }
    // The answer is what this write set (a re-read could show a later request's change).
    Ok(EntitlementRow { name, code, metadata, value, updated_at: now, ..e })
}

/// Deletes an entitlement (detaching it everywhere).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let e = authorize(app, caller, id, Action::EntitlementDelete).await?;
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::entitlements::DELETE, vec![acc.into(), e.id.clone().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("entitlement.deleted", "entitlements", &e.id, None)),
        ])
        .await?;
    Ok(())
}

/// A license's effective features now (`domain::features::effective` over its own, its set's
/// and its policy's grants), newest entitlement first, each with the value in effect: what
/// every listing of a license's entitlements shows (license files, check-out includes,
/// `GET /licenses/{id}/entitlements`, release constraints).
pub async fn all_for_license<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, license_id: &str) -> Result<Vec<EntitlementRow>> {
    let rows: Vec<Map<String, Value>> = fetch_all(app.db, sql::entitlements::GRANTS_FOR_LICENSE, &[account_id.into(), license_id.into()]).await?;
    let grants = rows
        .into_iter()
        .map(|r| {
            let g: GrantRow = serde_json::from_value(Value::Object(r.clone())).map_err(StoreError::from)?;
            let e: EntitlementRow = serde_json::from_value(Value::Object(r)).map_err(StoreError::from)?;
            Ok(features::Grant { id: e.id.clone(), source: g.source, value: g.grant_value, expires_at: g.expires_at, item: e })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(features::effective(grants, app.now()).into_iter().map(|f| EntitlementRow { value: f.value.or(f.item.value.clone()), ..f.item }).collect())
}

/// The ids among `ids` that `sql` selects (for `acc`, and `owner` when given).
pub async fn ids_in<D: Db, K: Kv>(app: &App<'_, D, K>, sql: &str, acc: &str, owner: Option<&str>, ids: &[String]) -> Result<Vec<String>> {
    let arr = Value::from(ids.to_vec()).to_string();
    let params: Vec<Value> = match owner {
        Some(o) => vec![acc.into(), o.into(), arr.into()],
        None => vec![acc.into(), arr.into()],
    };
    Ok(fetch_all::<IdRow>(app.db, sql, &params).await?.into_iter().map(|r| r.id).collect())
}

/// The first requested id (with its index) that is in / not in `set`.
pub fn first(ids: &[String], set: &[String], member: bool) -> Option<(usize, String)> {
    ids.iter().enumerate().find(|(_, id)| set.contains(id) == member).map(|(i, id)| (i, id.clone()))
}

/// Checks that every id names an entitlement and none is attached yet (or repeated).
pub async fn check_attachable<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, attached_sql: &str, owner: &str, ids: &[String]) -> Result<()> {
    let existing = ids_in(app, sql::entitlements::EXISTING_IDS, acc, None, ids).await?;
    if let Some((i, _)) = first(ids, &existing, false) {
        return Err(Error::attribute("entitlement", AttrFault::NotFound, "must exist").pointer(format!("/data/{i}")));
    }
    let attached = ids_in(app, attached_sql, acc, Some(owner), ids).await?;
    let repeated = ids.iter().enumerate().find(|(i, id)| ids[..*i].contains(id)).map(|(i, _)| i);
    if let Some(i) = first(ids, &attached, true).map(|(i, _)| i).or(repeated) {
        return Err(Error::attribute("entitlement", AttrFault::Taken, "already exists").pointer(format!("/data/{i}")));
    }
    Ok(())
}

/// Checks that every id is attached (Keygen refuses detaching what is not attached).
pub async fn check_detachable<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, attached_sql: &str, owner: &str, ids: &[String]) -> Result<()> {
    let attached = ids_in(app, attached_sql, acc, Some(owner), ids).await?;
    match first(ids, &attached, false) {
        Some((i, id)) => {
            Err(Error::new(Code::UnprocessableEntity, format!("cannot detach entitlement '{id}' (entitlement is not attached)")).pointer(format!("/data/{i}")))
        }
        None => Ok(()),
    }
}

/// What an attach or detach touched: the owner id and the entitlement ids, at a time.
pub type Attached = (String, Vec<String>, crate::clock::Millis);

/// Attaches or detaches `ids` on `owner` with `sql`, recording event `ev` (name, resource type)
/// in the same batch.
/// `extra` parameters follow (`?5`: the grantees of an attach that carries values).
pub async fn write<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    sql: &'static str,
    ev: (&str, &str),
    owner: &str,
    ids: &[String],
    extra: Option<Value>,
) -> Result<()> {
    let (acc, arr) = (caller.account_id(), Value::from(ids.to_vec()).to_string());
    let mut params: Vec<Value> = vec![acc.into(), owner.into(), arr.into()];
    if !sql.starts_with("DELETE") {
        params.push(app.now().into());
    }
    params.extend(extra.map(|v| Value::from(v.to_string())));
    app.db
        .batch(vec![Stmt::new(sql, params), events::record_if_changed(app, acc, &caller.bearer, event(ev.0, ev.1, owner, Some(json!({"entitlements": ids}))))])
        .await?;
    Ok(())
}

/// `POST /policies/{id}/entitlements`.
///
/// # Errors
/// 422 `ENTITLEMENT_NOT_FOUND` / `ENTITLEMENT_TAKEN` pointing at `/data/<i>`; nothing is written.
pub async fn attach_to_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str, body: &[u8]) -> Result<Attached> {
    let ids = parse_identifiers(body, "entitlements")?;
    let p = policies::authorize(app, caller, policy_id, Action::PolicyUpdate).await?;
    check_attachable(app, caller.account_id(), sql::entitlements::ATTACHED_TO_POLICY, &p.id, &ids).await?;
    write(app, caller, sql::entitlements::ATTACH_TO_POLICY, ("policy.entitlements.attached", "policies"), &p.id, &ids, None).await?;
    Ok((p.id, ids, app.now()))
}

/// `DELETE /policies/{id}/entitlements`.
pub async fn detach_from_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str, body: &[u8]) -> Result<()> {
    let ids = parse_identifiers(body, "entitlements")?;
    let p = policies::authorize(app, caller, policy_id, Action::PolicyUpdate).await?;
    check_detachable(app, caller.account_id(), sql::entitlements::ATTACHED_TO_POLICY, &p.id, &ids).await?;
    write(app, caller, sql::entitlements::DETACH_FROM_POLICY, ("policy.entitlements.detached", "policies"), &p.id, &ids, None).await
}

/// `GET /policies/{id}/entitlements`.
pub async fn list_for_policy<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy_id: &str, q: &Query) -> Result<(Vec<EntitlementRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let p = policies::authorize(app, caller, policy_id, Action::PolicyRead).await?;
    let f: Vec<Value> = vec![caller.account_id().into(), p.id.into()];
    let mut params = f.clone();
    params.extend([page.size.into(), page.offset().into()]);
    let rows = fetch_all(app.db, sql::entitlements::LIST_FOR_POLICY, &params).await?;
    let n = fetch_one::<CountRow>(app.db, sql::entitlements::COUNT_FOR_POLICY, &f).await?.map_or(0, |c| c.n as u64);
    Ok((rows, n, page))
}
