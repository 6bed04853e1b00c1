//! A license's relations to catalogue and fleet resources: its entitlements (attach, detach,
//! list), its group (`PUT /licenses/{id}/group`), its machines, and a group's licenses and
//! machines. They act on (or list) licenses, so they live in licensing, which may use catalogue
//! and fleet; catalogue and fleet never reach back up.

use serde_json::json;

use crate::access::Action;
use crate::api::query::{Page, Query};
use crate::error::{Code, Error};
use crate::service::catalogue::{entitlements, grantees, groups};
use crate::service::fleet::machines;
use crate::service::licensing::licenses;
use crate::service::{events, App, Caller};
use crate::store::rows::{EntitlementRow, LicenseRow, MachineRow};
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// `POST /licenses/{id}/entitlements` (admins, the license's product); each item's `meta` may
/// carry a feature `value` and an `expiresAt` (issue 10 §3).
pub async fn attach_entitlements<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<entitlements::Attached> {
    let grantees = grantees::parse_grantees(body, true)?;
    let (ids, extra) = grantees::grantee_params(&grantees);
    let l = licenses::authorize(app, caller, license_id, Action::LicenseUpdate).await?;
    entitlements::check_attachable(app, caller.account_id(), sql::entitlements::ATTACHED_TO_LICENSE, &l.id, &ids).await?;
    let ev = ("license.entitlements.attached", "licenses");
    entitlements::write(app, caller, sql::entitlements::ATTACH_TO_LICENSE, ev, &l.id, &ids, Some(extra)).await?;
    Ok((l.id, ids, app.now()))
}

/// `DELETE /licenses/{id}/entitlements`.
///
/// # Errors
/// 403 for an entitlement the license has through its policy; 422 for one not attached.
pub async fn detach_entitlements<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<()> {
    let ids = entitlements::parse_identifiers(body, "entitlements")?;
    let l = licenses::authorize(app, caller, license_id, Action::LicenseUpdate).await?;
    let inherited = entitlements::ids_in(app, sql::entitlements::INHERITED_BY_LICENSE, caller.account_id(), Some(&l.id), &ids).await?;
    if let Some((i, id)) = entitlements::first(&ids, &inherited, true) {
        return Err(
            Error::new(Code::Forbidden, format!("cannot detach entitlement '{id}' (entitlement is attached through policy)")).pointer(format!("/data/{i}"))
        );
    }
    entitlements::check_detachable(app, caller.account_id(), sql::entitlements::ATTACHED_TO_LICENSE, &l.id, &ids).await?;
    entitlements::write(app, caller, sql::entitlements::DETACH_FROM_LICENSE, ("license.entitlements.detached", "licenses"), &l.id, &ids, None).await
}

/// `GET /licenses/{id}/entitlements`: its effective features — its own unexpired ones, its
/// entitlement set's and its policy's (anyone who may read the license, including the license
/// itself).
pub async fn entitlements_of_license<D: Db, K: Kv>(
    app: &App<'_, D, K>,
    caller: &Caller,
    license_id: &str,
    q: &Query,
) -> Result<(Vec<EntitlementRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let l = licenses::show(app, caller, license_id).await?;
    // The effective features (issue 10 §3): resolved in `domain::features`, then paged.
    let all = entitlements::all_for_license(app, caller.account_id(), &l.id).await?;
    let n = all.len() as u64;
    let rows = all.into_iter().skip(page.offset() as usize).take(page.size as usize).collect();
    Ok((rows, n, page))
}

/// `PUT /licenses/{id}/group` (admins, the license's product).
///
/// # Errors
/// 422 `GROUP_NOT_FOUND`; 422 `GROUP_LICENSE_LIMIT_EXCEEDED` when the group is full.
pub async fn set_license_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, license_id, Action::LicenseUpdate).await?;
    let g = groups::target_group(app, caller, body).await?;
    let gid = g.as_ref().map(|g| g.id.clone());
    let acc = caller.account_id();
    let changes = json!({"group": [l.group_id, gid]});
    let now = app.now();
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::groups::SET_LICENSE_GROUP, vec![acc.into(), l.id.clone().into(), opt(gid.clone()), now.into(), opt(l.group_id.clone())]),
            events::record_if_changed(app, acc, &caller.bearer, groups::event("license.group.updated", "licenses", &l.id, Some(changes))),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        // Nothing was written: a concurrent change of the license's group (then this request's
        // `[old, new]` would have been a lie), or the group is full.
        let current = licenses::find(app, acc, &l.id).await?.ok_or_else(|| Error::not_found("license", license_id))?;
        if current.group_id != l.group_id {
            return Err(Error::new(Code::StateInvalid, "the license's group changed concurrently; retry").pointer("/data"));
        }
        let max = g.and_then(|g| g.max_licenses).unwrap_or_default();
        return Err(
            Error::new(Code::GroupLicenseLimitExceeded, format!("license count has exceeded maximum allowed by current group ({max})")).pointer("/data")
        );
    }
    // The answer is what this write set (a re-read could show a later request's change).
    Ok(LicenseRow { group_id: gid, updated_at: now, ..l })
}

/// Machines of a license the caller may read (`GET /licenses/{id}/machines`).
pub async fn machines_of_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license: &str, q: &Query) -> Result<(Vec<MachineRow>, u64, Page)> {
    let l = licenses::show(app, caller, license).await?;
    let mut q = Query(q.0.iter().filter(|(k, _)| k != "license").cloned().collect());
    q.0.push(("license".into(), l.id));
    machines::list(app, caller, &q).await
}

/// `GET /groups/{id}/licenses` (the license list with a `group` filter).
pub async fn licenses_of_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<LicenseRow>, u64, Page)> {
    let (g, view) = groups::members_view(app, caller, id, Action::GroupLicenseRead).await?;
    let mut q = q.clone();
    q.0.retain(|(k, _)| k != "group");
    q.0.push(("group".into(), g.id));
    licenses::list(app, &view, &q).await
}

/// `GET /groups/{id}/machines` (the machine list with a `group` filter).
pub async fn machines_of_group<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<MachineRow>, u64, Page)> {
    let (g, view) = groups::members_view(app, caller, id, Action::GroupMachineRead).await?;
    let mut q = q.clone();
    q.0.retain(|(k, _)| k != "group");
    q.0.push(("group".into(), g.id));
    machines::list(app, &view, &q).await
}
