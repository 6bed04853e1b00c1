//! `PUT /machines/{id}/owner` and `PUT /machines/{id}/group` (keygen-rs `change_owner` /
//! `change_group`). The owner must be the license's owner or one of its users, as on
//! activation; `data: null` clears either. In licensing: it reads the machine's license.

use serde_json::json;

use crate::access::Action;
use crate::api::input::to_one_body;
use crate::error::{Code, Error};
use crate::service::catalogue::groups;
use crate::service::fleet::machines;
use crate::service::licensing::{activation, licenses};
use crate::service::{events, App, Caller};
use crate::store::rows::MachineRow;
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

fn event<'a>(name: &'a str, id: &'a str, changes: serde_json::Value) -> events::Event<'a> {
    events::Event { name, resource_type: "machines", resource_id: id, changes: Some(changes), meta: None }
}

async fn reload<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<MachineRow> {
    machines::find(app, caller.account_id(), id).await?.ok_or_else(|| Error::not_found("machine", id))
}

/// `PUT /machines/{id}/owner` (`machine.owner.updated`).
///
/// # Errors
/// 422 `OWNER_NOT_FOUND` (unknown user), 422 `OWNER_INVALID` (not a user of the license), both
/// at `/data`.
pub async fn change_owner<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<MachineRow> {
    let m = machines::authorize(app, caller, id, Action::MachineOwnerChange).await?;
    let target = to_one_body(body, "users")?;
    let owner = match target {
        Some(u) => {
            let l = licenses::find(app, caller.account_id(), &m.license_id).await?.ok_or_else(|| Error::not_found("license", &m.license_id))?;
            Some(activation::owner_of(app, &l, &u).await.map_err(|e| e.pointer("/data"))?)
        }
        None => None,
    };
    let acc = caller.account_id();
    app.db
        .batch(vec![
            Stmt::new(sql::machines::SET_OWNER, vec![acc.into(), m.id.clone().into(), opt(owner.clone()), app.now().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("machine.owner.updated", &m.id, json!({"owner": [m.owner_id, owner]}))),
        ])
        .await?;
    reload(app, caller, &m.id).await
}

/// `PUT /machines/{id}/group` (`machine.group.updated`; admins and the machine's product, as
/// setting a group on activation).
///
/// # Errors
/// 422 `GROUP_NOT_FOUND`; 422 `GROUP_MACHINE_LIMIT_EXCEEDED` when the group is full.
pub async fn change_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<MachineRow> {
    let m = machines::authorize(app, caller, id, Action::MachineLimitsSet).await?;
    let g = groups::target_group(app, caller, body).await?;
    let gid = g.as_ref().map(|g| g.id.clone());
    let acc = caller.account_id();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::groups::SET_MACHINE_GROUP, vec![acc.into(), m.id.clone().into(), opt(gid.clone()), app.now().into()]),
            events::record_if_changed(app, acc, &caller.bearer, event("machine.group.updated", &m.id, json!({"group": [m.group_id, gid]}))),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        let max = g.and_then(|g| g.max_machines).unwrap_or_default();
        return Err(
            Error::new(Code::GroupMachineLimitExceeded, format!("machine count has exceeded maximum allowed by current group ({max})")).pointer("/data")
        );
    }
    reload(app, caller, &m.id).await
}
