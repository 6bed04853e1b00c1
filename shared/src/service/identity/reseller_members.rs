//! A reseller's customers and organizations (issue 10 §7): `GET /resellers/{id}/users|
//! organizations`, `PUT|GET /users/{id}/reseller`, `PUT|GET /organizations/{id}/reseller`
//! (admins), and the guarded statements a reseller admin's `POST /users` and `POST
//! /organizations` write through (`allowedUsers`, `allowedOrganizations` held in the insert).

use serde_json::{json, Value};

use crate::access::{self, Action};
use crate::api::query::{Page, Query};
use crate::error::{Code, Error};
use crate::service::identity::resellers::{self, event, user_limit};
use crate::service::identity::{organizations, users};
use crate::service::{events, fetch_page, App, Caller};
use crate::store::rows::{OrganizationRow, ResellerRow, UserRow};
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /resellers/{id}/users` (its customers and reseller admins): the user list (every filter
/// of `GET /users`) pinned to the reseller.
pub async fn users_of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let r = resellers::show(app, caller, id).await?;
    let mut f = users::list_filters(caller, None, q)?;
    crate::service::pin_reseller(&mut f, sql::users::RESELLER_SLOT, &r.id)?;
    fetch_page(app.db, sql::users::LIST, sql::users::COUNT, f, page).await
}

/// `GET /resellers/{id}/organizations`: the organization list pinned to the reseller.
pub async fn organizations_of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<OrganizationRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let r = resellers::show(app, caller, id).await?;
    let mut f = organizations::list_filters(caller, q)?;
    crate::service::pin_reseller(&mut f, sql::organizations::RESELLER_SLOT, &r.id)?;
    fetch_page(app.db, sql::organizations::LIST, sql::organizations::COUNT, f, page).await
}

/// A reseller admin's `POST /users`: `sql::users::insert`'s statement turned into
/// [`sql::resellers::INSERT_CUSTOMER`] for `reseller` (the same columns, then the reseller).
pub fn customer_insert(mut insert: Stmt, reseller: &str) -> Stmt {
    insert.sql = sql::resellers::INSERT_CUSTOMER;
    insert.params.push(reseller.into());
    insert
}

/// A reseller admin's `POST /organizations`: `sql::organizations::INSERT`'s parameters into
/// [`sql::resellers::INSERT_ORGANIZATION`] for `reseller`.
pub fn organization_insert(mut insert: Stmt, reseller: &str) -> Stmt {
    insert.sql = sql::resellers::INSERT_ORGANIZATION;
    insert.params.push(reseller.into());
    insert
}

/// The `reseller.user.created` event of customer `id`, after its guarded insert (or move).
pub fn customer_created<'a>(id: &'a str, reseller: &str) -> events::Event<'a> {
    event("reseller.user.created", "users", id, Some(json!({"reseller": [Value::Null, reseller]})))
}

/// `PUT /users/{id}/reseller` with a `resellers` identifier or `null` (admins): moves the user
/// in (`reseller.user.created`) or out (`user.updated`); a customer (role `user`) only while
/// the reseller has room under `allowedUsers`.
///
/// # Errors
/// 422 `RESELLER_NOT_FOUND`, `RESELLER_USER_LIMIT_EXCEEDED` (the guarded UPDATE wrote nothing),
/// `STATE_INVALID` on a concurrent move of the same user.
pub async fn set_user_reseller<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user_id: &str, body: &[u8]) -> Result<UserRow> {
    let u = users::authorize(app, caller, user_id, Action::UserResellerChange).await?;
    access::roles::check_assign(caller, Some(u.role), u.role).map_err(|e| e.pointer("/data"))?;
    let r = resellers::target(app, caller, body).await?;
    let acc = caller.account_id();
    let rid = r.as_ref().map(|r| r.id.clone());
    if rid == u.reseller_id {
        return Ok(u);
    }
    let changes = json!({"reseller": [u.reseller_id, rid]});
    let ev = match &rid {
        Some(_) => event("reseller.user.created", "users", &u.id, Some(changes)),
        None => event("user.updated", "users", &u.id, Some(changes)),
    };
    let now = app.now();
    let params = vec![acc.into(), u.id.clone().into(), opt(rid.clone()), now.into(), opt(u.reseller_id.clone())];
    let res = app.db.batch(vec![Stmt::new(sql::resellers::SET_USER_RESELLER, params), events::record_if_changed(app, acc, &caller.bearer, ev)]).await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        let current = users::find(app, acc, &u.id).await?.ok_or_else(|| Error::not_found("user", user_id))?;
        if current.reseller_id != u.reseller_id {
            return Err(Error::new(Code::StateInvalid, "the user's reseller changed concurrently; retry").pointer("/data"));
        }
        return Err(user_limit(r.map_or(0, |r| r.allowed_users)).pointer("/data"));
    }
    Ok(UserRow { reseller_id: rid, updated_at: now, ..u })
}

/// `GET /users/{id}/reseller` (`None`: it has none).
pub async fn of_user<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, user_id: &str) -> Result<Option<ResellerRow>> {
    let u = users::authorize(app, caller, user_id, Action::UserRead).await?;
    resellers::of(app, caller, u.reseller_id.as_deref()).await
}

/// `PUT /organizations/{id}/reseller` with a `resellers` identifier or `null` (admins), within
/// the reseller's `allowedOrganizations` (one guarded UPDATE; `organization.updated`).
///
/// # Errors
/// 422 `RESELLER_NOT_FOUND`, `RESELLER_ORGANIZATION_LIMIT_EXCEEDED`.
pub async fn set_organization_reseller<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<OrganizationRow> {
    let o = organizations::authorize(app, caller, id, Action::OrganizationResellerChange).await?;
    let r = resellers::target(app, caller, body).await?;
    let acc = caller.account_id();
    let rid = r.as_ref().map(|r| r.id.clone());
    let now = app.now();
    let changes = json!({"reseller": [o.reseller_id, rid]});
    let params = vec![acc.into(), o.id.clone().into(), opt(rid.clone()), now.into()];
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::resellers::SET_ORGANIZATION_RESELLER, params),
            events::record_if_changed(app, acc, &caller.bearer, event("organization.updated", "organizations", &o.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        return Err(resellers::organization_limit(r.map_or(0, |r| r.allowed_organizations)).pointer("/data"));
    }
    Ok(OrganizationRow { reseller_id: rid, updated_at: now, ..o })
}

/// `GET /organizations/{id}/reseller` (`None`: it has none).
pub async fn of_organization<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<ResellerRow>> {
    let o = organizations::show(app, caller, id).await?;
    resellers::of(app, caller, o.reseller_id.as_deref()).await
}
