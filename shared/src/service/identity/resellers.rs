//! Resellers (issue 10 §7, Cryptlex 3.67 "support for resellers"): an account-wide partner with
//! contact fields, an address, `allowedUsers` (its customers: users of role `user`) and
//! `allowedOrganizations` (-1 unlimited). CRUD here; its customers and organizations in
//! `identity::reseller_members`, its allotted policies in `catalogue::reseller_policies`, its
//! licenses in `licensing::resellers`.
//!
//! A user of role `reseller-admin` with a reseller is a [`Bearer::ResellerAdmin`]: the access
//! table's `Own` is then "its reseller's" ([`ownership`]), and its lists are its reseller's.

use serde_json::{json, Map, Value};

use crate::access::{self, Action, Ownership};
use crate::api::filters::time_operators;
use crate::api::input::{Field, ResourceInput};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::identity::organizations::{address, address_text, text};
use crate::service::{events, fetch_page, metadata_text, readable, App, Bearer, Caller};
use crate::store::rows::ResellerRow;
use crate::store::{fetch_one, opt, sql, Db, Kv, Stmt};
use crate::Result;

/// The largest cap (an int4, like every stored limit).
const MAX_ALLOWED: i64 = crate::domain::policy::INT4_MAX;

/// A parsed reseller document.
#[derive(Debug, Default)]
pub struct ResellerInput {
    id: Option<String>,
    name: Field<String>,
    email: Field<String>,
    phone: Field<String>,
    description: Field<String>,
    address: Field<Map<String, Value>>,
    allowed_users: Field<i64>,
    allowed_organizations: Field<i64>,
    metadata: Field<Map<String, Value>>,
}

/// Parses a reseller document: `name` required on create; `email`, `phone`, `description`,
/// `address` (Cryptlex's fields), `allowedUsers` and `allowedOrganizations` (-1 unlimited, else
/// ≥ 0), `metadata`.
///
/// # Errors
/// 400 for bad types and unknown members; 422 `NAME_MISSING`, `EMAIL_INVALID`, `PHONE_INVALID`,
/// `ALLOWED_USERS_INVALID`, `ALLOWED_ORGANIZATIONS_INVALID`, `ADDRESS_INVALID`.
pub fn parse(body: &[u8], creating: bool) -> Result<ResellerInput> {
    let mut r = ResourceInput::parse(body, "resellers")?;
    let mut o = ResellerInput { id: r.client_id()?, name: r.attrs.string("name")?, ..Default::default() };
    o.email = text(r.attrs.string("email")?, "email", 255)?;
    o.phone = text(r.attrs.string("phone")?, "phone", 64)?;
    o.description = text(r.attrs.string("description")?, "description", 4096)?;
    o.address = address(r.attrs.object("address")?)?;
    o.allowed_users = r.attrs.int_in("allowedUsers", -1, MAX_ALLOWED)?;
    o.allowed_organizations = r.attrs.int_in("allowedOrganizations", -1, MAX_ALLOWED)?;
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
    if let Field::Set(p) = &o.phone {
        if p.trim().is_empty() || !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(Error::attribute("phone", AttrFault::Invalid, "must be a phone number (digits, spaces and + - ( ) .)"));
        }
    }
    for (f, attr) in [(&o.allowed_users, "allowedUsers"), (&o.allowed_organizations, "allowedOrganizations")] {
        if matches!(f, Field::Null) {
            return Err(Error::attribute(attr, AttrFault::Invalid, "must be -1 (unlimited) or a count"));
        }
    }
    Ok(o)
}

/// The reseller a reseller-admin bearer acts for (`None` for every other bearer).
pub fn of_bearer(caller: &Caller) -> Option<&str> {
    match &caller.bearer {
        Bearer::ResellerAdmin { reseller_id, .. } => Some(reseller_id),
        _ => None,
    }
}

/// A resource carrying `reseller_id` relative to the bearer: admins' (staff take the admin's
/// row), a reseller admin's when it is its reseller's; nobody else's.
pub fn ownership(caller: &Caller, reseller_id: Option<&str>) -> Ownership {
    match &caller.bearer {
        Bearer::ResellerAdmin { reseller_id: mine, .. } => Ownership::of(reseller_id == Some(mine.as_str())),
        Bearer::Admin { .. } | Bearer::Environment { .. } => Ownership::Own,
        _ => Ownership::Foreign,
    }
}

/// A reseller by id (no access check).
pub async fn find<D: Db, K: Kv>(app: &App<'_, D, K>, account_id: &str, id: &str) -> Result<Option<ResellerRow>> {
    Ok(fetch_one(app.db, sql::resellers::FIND, &[account_id.into(), id.into()]).await?)
}

/// The reseller `id` if the access table lets the caller do `action` on it (a reseller admin:
/// its own only; 404 for any other).
pub async fn authorize<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, action: Action) -> Result<ResellerRow> {
    readable(caller, action, "reseller", id, find(app, caller.account_id(), id), async |r| Ok(ownership(caller, Some(&r.id)))).await
}

/// `GET /resellers/{id}`.
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ResellerRow> {
    authorize(app, caller, id, Action::ResellerRead).await
}

/// `GET /resellers`, with `created`/`updated` operators (a reseller admin: its own).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, q: &Query) -> Result<(Vec<ResellerRow>, u64, Page)> {
    access::require(caller, Action::ResellerRead)?;
    let page = Page::from_query(q)?;
    let only = of_bearer(caller).map_or(Value::Null, Value::from);
    let f = vec![caller.account_id().into(), only, time_operators(q, &["created", "updated"])?];
    fetch_page(app.db, sql::resellers::LIST, sql::resellers::COUNT, f, page).await
}

/// An event of a reseller (or of a resource of one).
pub fn event<'a>(name: &'a str, ty: &'a str, id: &'a str, changes: Option<Value>) -> events::Event<'a> {
    events::Event { name, resource_type: ty, resource_id: id, changes, meta: None }
}

/// Creates a reseller (`reseller.created`).
///
/// # Errors
/// 409 `ID_CONFLICT`.
pub async fn create<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, input: ResellerInput) -> Result<ResellerRow> {
    access::require(caller, Action::ResellerCreate)?;
    let acc = caller.account_id();
    let id = input.id.unwrap_or_else(|| app.uuid());
    let params = vec![
        id.clone().into(),
        acc.into(),
        input.name.set().unwrap_or_default().into(),
        opt(input.email.set()),
        opt(input.phone.set()),
        opt(input.description.set()),
        address_text(input.address.set()).into(),
        input.allowed_users.set().unwrap_or(-1).into(),
        input.allowed_organizations.set().unwrap_or(-1).into(),
        metadata_text(&input.metadata.set().unwrap_or_default()).into(),
        app.now().into(),
    ];
    let stmts =
        vec![Stmt::new(sql::resellers::INSERT, params), events::record_if_changed(app, acc, &caller.bearer, event("reseller.created", "resellers", &id, None))];
    if app.db.batch(stmts).await?.first().map_or(0, |r| r.changes) == 0 {
        return Err(Error::new(Code::IdConflict, "must not conflict with another reseller").pointer("/data/id"));
    }
    find(app, acc, &id).await?.ok_or_else(|| Error::internal("reseller vanished after insert"))
}

/// Updates a reseller (`reseller.updated`).
///
/// # Errors
/// 422 `RESELLER_USER_LIMIT_EXCEEDED` / `RESELLER_ORGANIZATION_LIMIT_EXCEEDED` at the cap's
/// pointer when a new cap is below its customers or organizations (checked in the UPDATE
/// itself); nothing is written.
pub async fn update<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, input: ResellerInput) -> Result<ResellerRow> {
    let r = authorize(app, caller, id, Action::ResellerUpdate).await?;
    let acc = caller.account_id();
    let name = input.name.set().unwrap_or(r.name.clone());
    let email = input.email.into_update().unwrap_or(r.email.clone());
    let phone = input.phone.into_update().unwrap_or(r.phone.clone());
    let description = input.description.into_update().unwrap_or(r.description.clone());
    let address = input.address.into_update().map_or(r.address.clone(), address_text);
    let users = input.allowed_users.set().unwrap_or(r.allowed_users);
    let orgs = input.allowed_organizations.set().unwrap_or(r.allowed_organizations);
    let metadata = input.metadata.into_update().map_or(r.metadata.clone(), |m| metadata_text(&m.unwrap_or_default()));
    let now = app.now();
    let changes = json!({"name": [r.name, name], "allowedUsers": [r.allowed_users, users], "allowedOrganizations": [r.allowed_organizations, orgs]});
    let params = vec![
        acc.into(),
        r.id.clone().into(),
        name.clone().into(),
        opt(email.clone()),
        opt(phone.clone()),
        opt(description.clone()),
        address.clone().into(),
        users.into(),
        orgs.into(),
        metadata.clone().into(),
        now.into(),
    ];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::resellers::UPDATE, params),
            events::record_if_changed(app, acc, &caller.bearer, event("reseller.updated", "resellers", &r.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        // Which cap refused it: re-read the counts (the write itself was all-or-nothing).
        let now_counts = find(app, acc, &r.id).await?.ok_or_else(|| Error::not_found("reseller", id))?;
        return Err(if users != -1 && now_counts.users_count > users {
            user_limit(users).pointer("/data/attributes/allowedUsers")
        } else {
            organization_limit(orgs).pointer("/data/attributes/allowedOrganizations")
        });
    }
    Ok(ResellerRow { name, email, phone, description, address, allowed_users: users, allowed_organizations: orgs, metadata, updated_at: now, ..r })
}

/// 422 `RESELLER_USER_LIMIT_EXCEEDED`.
pub fn user_limit(allowed: i64) -> Error {
    Error::new(Code::ResellerUserLimitExceeded, format!("user count has exceeded maximum allowed by the reseller ({allowed})"))
}

/// 422 `RESELLER_ORGANIZATION_LIMIT_EXCEEDED`.
pub fn organization_limit(allowed: i64) -> Error {
    Error::new(Code::ResellerOrganizationLimitExceeded, format!("organization count has exceeded maximum allowed by the reseller ({allowed})"))
}

/// Deletes a reseller; its users, licenses and organizations leave it and its allotments go,
/// in the DELETE's batch (`reseller.deleted`).
pub async fn delete<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<()> {
    let r = authorize(app, caller, id, Action::ResellerDelete).await?;
    let acc = caller.account_id();
    let p = || vec![Value::from(acc), r.id.clone().into()];
    app.db
        .batch(vec![
            Stmt::new(sql::resellers::DETACH_USERS, p()),
            Stmt::new(sql::resellers::DETACH_LICENSES, p()),
            Stmt::new(sql::resellers::DETACH_ORGANIZATIONS, p()),
            Stmt::new(sql::resellers::DETACH_POLICIES, p()),
            Stmt::new(sql::resellers::DELETE, p()),
            events::record_if_changed(app, acc, &caller.bearer, event("reseller.deleted", "resellers", &r.id, None)),
        ])
        .await?;
    Ok(())
}

/// The reseller a to-one `resellers` body names (`None` for `data: null`).
///
/// # Errors
/// 422 `RESELLER_NOT_FOUND` pointing at `/data`.
pub async fn target<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, body: &[u8]) -> Result<Option<ResellerRow>> {
    match crate::api::input::to_one_body(body, "resellers")? {
        Some(id) => Ok(Some(find(app, caller.account_id(), &id).await?.ok_or_else(not_found)?)),
        None => Ok(None),
    }
}

/// 422 `RESELLER_NOT_FOUND` at `/data`.
pub fn not_found() -> Error {
    Error::attribute("reseller", AttrFault::NotFound, "must exist").pointer("/data")
}

/// The reseller of a resource, if the caller may read resellers (`GET /…/{id}/reseller`).
pub async fn of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, reseller_id: Option<&str>) -> Result<Option<ResellerRow>> {
    access::require(caller, Action::ResellerRead)?;
    match reseller_id {
        Some(id) => find(app, caller.account_id(), id).await,
        None => Ok(None),
    }
}
