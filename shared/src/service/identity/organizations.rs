//! Organizations (issue 10 §7, Cryptlex 3.59 "organizations", 3.66 customer portal): an
//! account-wide customer company with a name, contact fields, an address and `allowedUsers`
//! (-1 unlimited). CRUD, its users (`GET /organizations/{id}/users`) and moving a user in or
//! out (`PUT /users/{id}/organization`), capped by `allowedUsers` in one guarded statement.
//! Its licenses are `licensing::organizations`.

use serde_json::{json, Map, Value};

use crate::access::{self, organization_admins, Action, Ownership};
use crate::api::filters::time_operators;
use crate::api::input::{to_one_body, Field, Members, ResourceInput};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::identity::{reseller_members, resellers};
use crate::service::{events, fetch_page, identity::users, metadata_text, readable, App, Caller};
use crate::store::rows::{OrganizationRow, UserRow};
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// Cryptlex's address fields, in order.
pub const ADDRESS_FIELDS: [&str; 6] = ["addressLine1", "addressLine2", "city", "state", "country", "postalCode"];

/// The largest `allowedUsers` (an int4, like every stored limit).
const MAX_ALLOWED: i64 = crate::domain::policy::INT4_MAX;

/// A parsed organization document.
#[derive(Debug, Default)]
pub struct OrganizationInput {
    id: Option<String>,
    name: Field<String>,
    email: Field<String>,
    description: Field<String>,
    address: Field<Map<String, Value>>,
    allowed_users: Field<i64>,
    metadata: Field<Map<String, Value>>,
}

pub(crate) fn text(f: Field<String>, attr: &str, max: usize) -> Result<Field<String>> {
    match &f {
        Field::Set(s) if s.len() > max => Err(Error::attribute(attr, AttrFault::Invalid, format!("must be at most {max} bytes"))),
        _ => Ok(f),
    }
}

/// The `address` object: only Cryptlex's fields, each a string (≤ 255 bytes) or null.
pub(crate) fn address(f: Field<Map<String, Value>>) -> Result<Field<Map<String, Value>>> {
    let Field::Set(m) = f else { return Ok(f) };
    let mut members = Members::new(m, "/data/attributes/address");
    let mut out = Map::new();
    for k in ADDRESS_FIELDS {
        let ptr = members.ptr(k);
        match members.string(k)? {
            Field::Set(s) if s.len() > 255 => return Err(Error::attribute("address", AttrFault::Invalid, "each field must be at most 255 bytes").pointer(ptr)),
            Field::Set(s) => {
                out.insert(k.to_owned(), s.into());
            }
            Field::Null | Field::Absent => {}
        }
    }
    members.finish()?;
    Ok(Field::Set(out))
}

/// Parses an organization document: `name` required on create; `email`, `description`,
/// `address`, `allowedUsers` (-1 unlimited, else ≥ 0), `metadata`.
///
/// # Errors
/// 400 for bad types and unknown members; 422 `NAME_MISSING`, `EMAIL_INVALID`,
/// `ALLOWED_USERS_INVALID`, `ADDRESS_INVALID`.
pub fn parse(body: &[u8], creating: bool) -> Result<OrganizationInput> {
    let mut r = ResourceInput::parse(body, "organizations")?;
    let mut o = OrganizationInput { id: r.client_id()?, name: r.attrs.string("name")?, ..Default::default() };
    o.email = text(r.attrs.string("email")?, "email", 255)?;
    o.description = text(r.attrs.string("description")?, "description", 4096)?;
    o.address = address(r.attrs.object("address")?)?;
    o.allowed_users = r.attrs.int_in("allowedUsers", -1, MAX_ALLOWED)?;
    o.metadata = r.attrs.object("metadata")?;
    r.finish()?;
    let blank = match &o.name {
        Field::Set(n) => n.trim().is_empty() || n.len() > 255,
        Field::Null => true,
        Field::Absent => creating,
    };
    if blank {
        return Err(Error::attribute("name", AttrFault::Missing, "must not be blank (and at most 255 bytes)"));
    }
    if let Field::Set(e) = &o.email {
        if !e.contains('@') || e.trim() != e {
            return Err(Error::attribute("email", AttrFault::Invalid, "must be a valid email"));
        }
    }
    if matches!(o.allowed_users, Field::Null) {
        return Err(Error::attribute("allowedUsers", AttrFault::Invalid, "must be -1 (unlimited) or a count"));
    }
    Ok(o)
}

/// An organization by id (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<OrganizationRow>> {
    Ok(fetch_one(app.db, sql::organizations::FIND, &[account_id.into(), id.into()]).await?)
}

/// The organization `id` if the access table lets the caller do `action` on it (account-wide
/// for staff; an organization admin owns its own, issue 10 §7).
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<OrganizationRow> {
    readable(caller, action, "organization", id, find(app, caller.account_id(), id), async |o: &OrganizationRow| {
        // Resellers (issue 10 §7): a reseller admin owns its reseller's organizations.
        if resellers::of_bearer(caller).is_some() {
            return Ok(resellers::ownership(caller, o.reseller_id.as_deref()));
        }
        Ok(match organization_admins::organization_of(caller) {
            Some(mine) => Ownership::of(mine == o.id),
            None => Ownership::None,
        })
    })
    .await
}

/// `GET /organizations/{id}`.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<OrganizationRow> {
    authorize(app, caller, id, Action::OrganizationRead).await
}

/// `GET /organizations`, with `created`/`updated` operators (`created[gte]=…`).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<OrganizationRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let f = list_filters(caller, q)?;
    fetch_page(app.db, sql::organizations::LIST, sql::organizations::COUNT, f, page).await
}

/// The filters of [`list`]: organization admins (issue 10 §7) see their own only, reseller
/// admins their reseller's (?4, `sql::organizations::RESELLER_SLOT`).
///
/// # Errors
/// 401/403 from the access table; 400 `PARAMETER_INVALID` for a bad operator.
pub fn list_filters(caller: &Caller, q: &Query) -> Result<Vec<Value>> {
    access::require(caller, Action::OrganizationRead)?;
    let reseller = resellers::of_bearer(caller).map_or(Value::Null, Value::from);
    Ok(vec![caller.account_id().into(), time_operators(q, &["created", "updated"])?, organization_admins::organization_of(caller).into(), reseller])
}

fn event<'a>(name: &'a str, ty: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: ty, resource_id: id, changes, meta: None }
}

pub(crate) fn address_text(m: Option<Map<String, Value>>) -> String {
    Value::Object(m.unwrap_or_default()).to_string()
}

/// Creates an organization (`organization.created`).
///
/// # Errors
/// 409 `ID_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: OrganizationInput) -> Result<OrganizationRow> {
    access::require(caller, Action::OrganizationCreate)?;
    let acc = caller.account_id();
    let id = input.id.unwrap_or_else(|| app.uuid());
    let params = vec![
        id.clone().into(),
        acc.into(),
        input.name.set().unwrap_or_default().into(),
        opt(input.email.set()),
        opt(input.description.set()),
        address_text(input.address.set()).into(),
        input.allowed_users.set().unwrap_or(-1).into(),
        metadata_text(&input.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
    ];
    let mut insert = Stmt::new(sql::organizations::INSERT, params);
    // Resellers (issue 10 §7): a reseller admin's organization is its reseller's, inserted only
    // within `allowedOrganizations`.
    let reseller = resellers::of_bearer(caller);
    if let Some(r) = reseller {
        insert = reseller_members::organization_insert(insert, r);
    }
    let stmts = vec![insert, events::record_if_changed(app, acc, &caller.bearer, event("organization.created", "organizations", &id, None))];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        if let (Some(r), None) = (reseller, find(app, acc, &id).await?) {
            let allowed = resellers::find(app, acc, r).await?.map_or(0, |r| r.allowed_organizations);
            return Err(resellers::organization_limit(allowed).pointer("/data"));
        }
        return Err(Error::new(Code::IdConflict, "must not conflict with another organization").pointer("/data/id"));
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("organization vanished after insert"))
}

/// Updates an organization (`organization.updated`).
///
/// # Errors
/// 422 `ORGANIZATION_USER_LIMIT_EXCEEDED` at `/data/attributes/allowedUsers` when the new cap
/// is below its members (checked in the UPDATE itself); nothing is written.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: OrganizationInput) -> Result<OrganizationRow> {
    let o = authorize(app, caller, id, Action::OrganizationUpdate).await?;
    let acc = caller.account_id();
    let name = input.name.set().unwrap_or(o.name.clone());
    let email = input.email.into_update().unwrap_or(o.email.clone());
    let description = input.description.into_update().unwrap_or(o.description.clone());
    let address = input.address.into_update().map_or(o.address.clone(), address_text);
    let allowed = input.allowed_users.set().unwrap_or(o.allowed_users);
    let metadata = input.metadata.into_update().map_or(o.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let now = app.now();
    let changes = json!({"name": [o.name, name], "allowedUsers": [o.allowed_users, allowed]});
    let params = vec![
        acc.into(),
        o.id.clone().into(),
        name.clone().into(),
        opt(email.clone()),
        opt(description.clone()),
        address.clone().into(),
        allowed.into(),
        metadata.clone().into(),
        now.into(),
    ];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::organizations::UPDATE, params),
            events::record_if_changed(app, acc, &caller.bearer, event("organization.updated", "organizations", &o.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        return Err(limit_exceeded(allowed).pointer("/data/attributes/allowedUsers"));
    }
    Ok(OrganizationRow { name, email, description, address, allowed_users: allowed, metadata, updated_at: now, ..o })
}

fn limit_exceeded(allowed: i64) -> Error {
    Error::new(Code::OrganizationUserLimitExceeded, format!("user count has exceeded maximum allowed by the organization ({allowed})"))
}

/// Deletes an organization; its users and licenses leave it (`organization.deleted`).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let o = authorize(app, caller, id, Action::OrganizationDelete).await?;
    let acc = caller.account_id();
    let p = || vec![Value::from(acc), o.id.clone().into()];
    app.db
        .batch(vec![
            Stmt::new(sql::organizations::DETACH_USERS, p()),
            Stmt::new(sql::organizations::DETACH_LICENSES, p()),
            Stmt::new(sql::organizations::DETACH_GROUPS, p()),
            Stmt::new(sql::organizations::DELETE, p()),
            events::record_if_changed(app, acc, &caller.bearer, event("organization.deleted", "organizations", &o.id, None)),
        ])
        .await?;
    Ok(())
}

/// `GET /organizations/{id}/users`.
pub async fn users<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let o = show(app, caller, id).await?;
    // A reseller admin sees the organization's users of its reseller only (the list rule).
    let reseller = caller.list_scope(Action::UserRead, q)?.reseller;
    let f: Vec<Value> = vec![caller.account_id().into(), o.id.into(), reseller];
    fetch_page(app.db, sql::organizations::LIST_USERS, sql::organizations::COUNT_USERS, f, page).await
}

/// The organization a to-one `organizations` body names (`None` for `data: null`).
///
/// # Errors
/// 422 `ORGANIZATION_NOT_FOUND` pointing at `/data`.
pub async fn target<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, body: &[u8]) -> Result<Option<OrganizationRow>> {
    match to_one_body(body, "organizations")? {
        Some(id) => Ok(Some(find(app, caller.account_id(), &id).await?.ok_or_else(not_found)?)),
        None => Ok(None),
    }
}

/// 422 `ORGANIZATION_NOT_FOUND` at `/data`.
pub fn not_found() -> Error {
    Error::attribute("organization", AttrFault::NotFound, "must exist").pointer("/data")
}

/// `PUT /users/{id}/organization` with an `organizations` identifier or `null`: moves the user
/// in (`organization.user.created`, Cryptlex's event for a new member) or out
/// (`user.updated`).
///
/// # Errors
/// 403 when a staff bearer may not manage the user's role (a sales agent and a developer or
/// admin); 422 `ORGANIZATION_NOT_FOUND`; 422 `ORGANIZATION_USER_LIMIT_EXCEEDED` when it is full (the
/// guarded UPDATE wrote nothing); 422 `STATE_INVALID` on a concurrent move of the same user.
pub async fn set_user_organization<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user_id: &str, body: &[u8]) -> Result<UserRow> {
    let u = users::authorize(app, caller, user_id, Action::UserOrganizationChange).await?;
    // Keygen's `verify_privileges!`: a sales agent moves only users with the user role.
    access::roles::check_assign(caller, Some(u.role), u.role).map_err(|e| e.pointer("/data"))?;
    let o = target(app, caller, body).await?;
    // Staff kept out of organizations (issue 10 §7); the UPDATE re-checks the role.
    organization_admins::staff_refused(u.role, o.is_some(), "/data")?;
    let acc = caller.account_id();
    let oid = o.as_ref().map(|o| o.id.clone());
    if oid == u.organization_id {
        // Already there: nothing to write, no event (a member is never counted twice).
        return Ok(u);
    }
    let changes = json!({"organization": [u.organization_id, oid]});
    let ev = match &oid {
        Some(_) => event("organization.user.created", "users", &u.id, Some(changes)),
        None => event("user.updated", "users", &u.id, Some(changes)),
    };
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(
                sql::organizations::SET_USER_ORGANIZATION,
                vec![acc.into(), u.id.clone().into(), opt(oid.clone()), now.into(), opt(u.organization_id.clone())],
            ),
            events::record_if_changed(app, acc, &caller.bearer, ev),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        let current = users::find(app, acc, &u.id).await?.ok_or_else(|| Error::not_found("user", user_id))?;
        if current.organization_id != u.organization_id {
            return Err(Error::new(Code::StateInvalid, "the user's organization changed concurrently; retry").pointer("/data"));
        }
        organization_admins::staff_refused(current.role, o.is_some(), "/data")?;
        return Err(limit_exceeded(o.map_or(0, |o| o.allowed_users)).pointer("/data"));
    }
    Ok(UserRow { organization_id: oid, updated_at: now, ..u })
}

/// `GET /users/{id}/organization`: the user's read, then the organization's (`None`: it has none).
pub async fn of_user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user_id: &str) -> Result<Option<OrganizationRow>> {
    let u = users::authorize(app, caller, user_id, Action::UserRead).await?;
    access::require(caller, Action::OrganizationRead)?;
    match u.organization_id.as_deref() {
        Some(id) => show(app, caller, id).await.map(Some),
        None => Ok(None),
    }
}

/// Organization on create (issue 10 §7): `relationships.organization` of `POST /users` and
/// `POST /licenses`, allowed as `action` (the `PUT …/organization` row) allows it.
///
/// # Errors
/// 403 at the pointer for a bearer that may not; 422 `ORGANIZATION_NOT_FOUND` at
/// `/data/relationships/organization` for an unknown organization.
pub async fn on_create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, requested: Field<String>, action: Action) -> Result<Option<OrganizationRow>> {
    let Field::Set(id) = requested else { return Ok(None) };
    access::require(caller, action).map_err(|e| e.pointer(ON_CREATE))?;
    Ok(Some(find(app, caller.account_id(), &id).await?.ok_or_else(|| Error::attribute("organization", AttrFault::NotFound, "must exist"))?))
}

/// Where [`on_create`] points.
pub const ON_CREATE: &str = "/data/relationships/organization";
