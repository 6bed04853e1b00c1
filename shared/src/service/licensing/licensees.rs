//! Licensees: users attached to a license besides its owner (`POST|DELETE|GET
//! /licenses/{id}/users`), within the effective `maxUsers` (licensees + owner), enforced by one
//! guarded insert of all requested users.

use serde_json::{json, Value};

use crate::access::{organization_admins, Action};
use crate::api::query::{Page, Query};
use crate::clock::Millis;
use crate::error::{AttrFault, Code, Error};
use crate::service::catalogue::entitlements::parse_identifiers;
use crate::service::{events, identity::users, licensing::licenses, App, Caller};
use crate::store::rows::{IdRow, LicenseRow, UserRow};
use crate::store::{fetch_all, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /licenses/{id}/users` (anyone who may read the license).
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, q: &Query) -> Result<(Vec<UserRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let l = licenses::show(app, caller, license_id).await?;
    let f: Vec<Value> = vec![caller.account_id().into(), l.id.into()];
    crate::service::fetch_page(app.db, sql::license_actions::LIST_LICENSEES, sql::license_actions::COUNT_LICENSEES, f, page).await
}

async fn attached<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, license_id: &str, ids: &[String]) -> Result<Vec<String>> {
    let arr = Value::from(ids.to_vec()).to_string();
    Ok(fetch_all::<IdRow>(app.db, sql::license_actions::ATTACHED_LICENSEES, &[acc.into(), license_id.into(), arr.into()])
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// `POST /licenses/{id}/users` (admins, the license's product): attaches all users or none.
/// Returns the license id, the attached user ids and the time.
///
/// # Errors
/// 422 `USER_NOT_FOUND` / `USER_TAKEN` at `/data/<i>`; 422 `USER_LIMIT_EXCEEDED` when the
/// licensees plus owner would pass the effective `maxUsers`.
pub async fn attach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<(String, Vec<String>, Millis)> {
    let requested = parse_identifiers(body, "users")?;
    let l = licenses::authorize(app, caller, license_id, Action::LicenseUsersChange).await?;
    let acc = caller.account_id();
    let ids = users::resolve_distinct(app, acc, &requested).await?;
    members_only(app, caller, &l, &ids).await?;
    let already = attached(app, acc, &l.id, &ids).await?;
    if let Some(i) = ids.iter().position(|id| already.contains(id)) {
        return Err(Error::attribute("user", AttrFault::Taken, "already exists").pointer(format!("/data/{i}")));
    }
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::license_actions::ATTACH_LICENSEES, vec![acc.into(), l.id.clone().into(), Value::from(ids.clone()).to_string().into(), now.into()]),
            events::record_if_changed(
                app,
                acc,
                &caller.bearer,
                events::Event {
                    name: "license.users.attached",
                    resource_type: "licenses",
                    resource_id: &l.id,
                    changes: None,
                    meta: Some(json!({"users": ids})),
                },
            ),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        let max = crate::domain::license::effective(l.max_users, l.config().max_users).unwrap_or_default();
        return Err(Error::new(Code::UserLimitExceeded, format!("user count has exceeded maximum allowed for license ({max})")).pointer("/data"));
    }
    Ok((l.id, ids, now))
}

/// `DELETE /licenses/{id}/users` (admins, the license's product).
///
/// # Errors
/// 422 `UNPROCESSABLE_ENTITY` at `/data/<i>` for a user that is not attached.
pub async fn detach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<()> {
    let ids = parse_identifiers(body, "users")?;
    let l = licenses::authorize(app, caller, license_id, Action::LicenseUsersChange).await?;
    let acc = caller.account_id();
    members_only(app, caller, &l, &ids).await?;
    let already = attached(app, acc, &l.id, &ids).await?;
    if let Some((i, id)) = ids.iter().enumerate().find(|(_, id)| !already.contains(id)) {
        return Err(Error::new(Code::UnprocessableEntity, format!("cannot detach user '{id}' (user is not attached)")).pointer(format!("/data/{i}")));
    }
    app.db
        .batch(vec![
            Stmt::new(sql::license_actions::DETACH_LICENSEES, vec![acc.into(), l.id.clone().into(), Value::from(ids.clone()).to_string().into()]),
            events::record_if_changed(
                app,
                acc,
                &caller.bearer,
                events::Event {
                    name: "license.users.detached",
                    resource_type: "licenses",
                    resource_id: &l.id,
                    changes: None,
                    meta: Some(json!({"users": ids})),
                },
            ),
        ])
        .await?;
    Ok(())
}

/// Organization admins (issue 10 §7): the license must be its organization's and every named
/// user a member ([`organization_admins::assignable`]); nothing to check for other bearers.
///
/// # Errors
/// 403 for a license outside its organization; 422 `USER_NOT_FOUND` at `/data/<i>`.
async fn members_only<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, l: &LicenseRow, ids: &[String]) -> Result<()> {
    if organization_admins::organization_of(caller).is_none() {
        return Ok(());
    }
    organization_admins::assignable(caller, l.organization_id.as_deref(), None, Error::forbidden)?;
    for (i, id) in ids.iter().enumerate() {
        let u = users::find(app, caller.account_id(), id).await?;
        let not_found = || Error::attribute("user", AttrFault::NotFound, "must exist").pointer(format!("/data/{i}"));
        match u {
            Some(u) => organization_admins::assignable(caller, l.organization_id.as_deref(), Some(&u), not_found)?,
            None => return Err(not_found()),
        }
    }
    Ok(())
}
