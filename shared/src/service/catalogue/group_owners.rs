//! Group owners (issue 8, Keygen's `group_owners`): users who own a group, and so read its
//! licenses, machines and users (`groups::members_view`). `GET /groups/{id}/owners[/{owner}]`
//! for whoever may read the group's owners; `POST|DELETE /groups/{id}/owners` attach and detach
//! users, all or none, admins only (stricter than Keygen: see the access table).

use serde_json::{json, Value};

use crate::access::Action;
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Code, Error};
use crate::service::catalogue::entitlements::parse_identifiers;
use crate::service::catalogue::groups;
use crate::service::{events, identity::users, App, Caller};
use crate::store::rows::{GroupOwnerRow, GroupRow, IdRow};
use crate::store::{fetch_all, fetch_one, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /groups/{id}/owners`.
pub async fn list<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, group_id: &str, q: &Query) -> Result<(Vec<GroupOwnerRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let g = groups::authorize(app, caller, group_id, Action::GroupOwnerRead).await?;
    crate::service::fetch_page(app.db, sql::group_owners::LIST, sql::group_owners::COUNT, vec![caller.account_id().into(), g.id.into()], page).await
}

/// `GET /groups/{id}/owners/{owner}` (the `group-owners` id, or the owning user's id).
pub async fn show<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, group_id: &str, owner: &str) -> Result<GroupOwnerRow> {
    let g = groups::authorize(app, caller, group_id, Action::GroupOwnerRead).await?;
    fetch_one(app.db, sql::group_owners::FIND, &[caller.account_id().into(), g.id.into(), owner.into()])
        .await?
        .ok_or_else(|| Error::not_found("group owner", owner))
}

async fn owning<D: Db, K: Kv>(app: &App<'_, D, K>, acc: &str, g: &GroupRow, ids: &[String]) -> Result<Vec<String>> {
    let arr = Value::from(ids.to_vec()).to_string();
    Ok(fetch_all::<IdRow>(app.db, sql::group_owners::ATTACHED, &[acc.into(), g.id.clone().into(), arr.into()]).await?.into_iter().map(|r| r.id).collect())
}

fn event<'a>(name: &'a str, g: &'a GroupRow, ids: &[String]) -> events::Event<'a> {
    events::Event { name, resource_type: "groups", resource_id: &g.id, changes: None, meta: Some(json!({"users": ids})) }
}

/// `POST /groups/{id}/owners`: every user named becomes an owner, or none does. Returns the new
/// owners.
///
/// # Errors
/// 422 `USER_NOT_FOUND` / `USER_TAKEN` at `/data/<i>` (no such user; already an owner, or named
/// twice; a concurrent attach of the same user: at `/data`).
pub async fn attach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, group_id: &str, body: &[u8]) -> Result<Vec<GroupOwnerRow>> {
    let requested = parse_identifiers(body, "users")?;
    let g = groups::authorize(app, caller, group_id, Action::GroupOwnerAttach).await?;
    let acc = caller.account_id();
    let ids = users::resolve_distinct(app, acc, &requested).await?;
    let already = owning(app, acc, &g, &ids).await?;
    if let Some(i) = ids.iter().position(|id| already.contains(id)) {
        return Err(Error::attribute("user", AttrFault::Taken, "already exists").pointer(format!("/data/{i}")));
    }
    let now = app.now();
    let rows: Vec<GroupOwnerRow> = ids
        .iter()
        .map(|u| GroupOwnerRow { id: app.uuid(), account_id: acc.to_owned(), group_id: g.id.clone(), user_id: u.clone(), created_at: now, updated_at: now })
        .collect();
    let pairs = Value::from(rows.iter().map(|r| json!([r.id, r.user_id])).collect::<Vec<_>>()).to_string();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::group_owners::ATTACH, vec![acc.into(), g.id.clone().into(), pairs.into(), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("group.owners.attached", &g, &ids)),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) != rows.len() as u64 {
        // Nothing was written: a concurrent attach of one of them (or a concurrent delete).
        return Err(Error::attribute("user", AttrFault::Taken, "already exists (attached concurrently)").pointer("/data"));
    }
    Ok(rows)
}

/// `DELETE /groups/{id}/owners`: all named owners leave, or none does.
///
/// # Errors
/// 422 `UNPROCESSABLE_ENTITY` at `/data/<i>` for a user that is not an owner (Keygen's
/// "owner relationship for user … not found").
pub async fn detach<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, group_id: &str, body: &[u8]) -> Result<()> {
    let ids = parse_identifiers(body, "users")?;
    let g = groups::authorize(app, caller, group_id, Action::GroupOwnerDetach).await?;
    let acc = caller.account_id();
    let already = owning(app, acc, &g, &ids).await?;
    if let Some((i, id)) = ids.iter().enumerate().find(|(_, id)| !already.contains(id)) {
        return Err(Error::new(Code::UnprocessableEntity, format!("owner relationship for user '{id}' not found")).pointer(format!("/data/{i}")));
    }
    let arr = Value::from(ids.clone()).to_string();
    app.db
        .batch(vec![
            Stmt::new(sql::group_owners::DETACH, vec![acc.into(), g.id.clone().into(), arr.into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("group.owners.detached", &g, &ids)),
        ])
        .await?;
    Ok(())
}
