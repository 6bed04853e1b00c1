//! A reseller's licenses (issue 10 §7, Cryptlex's license `resellerId`): `GET
//! /resellers/{id}/licenses`, `PUT|GET /licenses/{id}/reseller` (admins), and what a reseller
//! admin's license create must satisfy (an allotted policy; an owner among its customers).

use serde_json::json;

use crate::access::{Action, Ownership};
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Error};
use crate::service::catalogue::reseller_policies;
use crate::service::identity::resellers;
use crate::service::licensing::licenses;
use crate::service::{events, fetch_page, pin_reseller, App, Caller};
use crate::store::rows::{LicenseRow, PolicyRow, ResellerRow, UserRow};
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /resellers/{id}/licenses`: the license list (every filter of `GET /licenses`) pinned to
/// the reseller.
pub async fn licenses_of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<LicenseRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let r = resellers::show(app, caller, id).await?;
    let mut f = licenses::list_filters(caller, q, app.now())?;
    pin_reseller(&mut f, sql::licenses::RESELLER_SLOT, &r.id)?;
    fetch_page(app.db, sql::licenses::LIST, sql::licenses::COUNT, f, page).await
}

/// A reseller admin's license create: `Own` when `policy` is allotted to its reseller
/// (`Foreign` otherwise: 422 `POLICY_NOT_FOUND`, never a hint that the policy exists).
pub async fn create_ownership<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, policy: &PolicyRow) -> Result<Ownership> {
    match resellers::of_bearer(caller) {
        Some(r) => Ok(Ownership::of(reseller_policies::is_allotted(app, caller.account_id(), r, &policy.id).await?)),
        None => Ok(Ownership::Foreign),
    }
}

/// For a reseller admin, a license's owner must be one of its reseller's customers (or
/// itself): else 422 `OWNER_NOT_FOUND` at `pointer`. Other bearers: unchanged.
pub fn check_owner(caller: &Caller, owner: Option<&UserRow>, pointer: &str) -> Result<()> {
    match (resellers::of_bearer(caller), owner) {
        (Some(_), Some(u)) if resellers::ownership(caller, u.reseller_id.as_deref()) != Ownership::Own => {
            Err(Error::attribute("owner", AttrFault::NotFound, "must exist").pointer(pointer))
        }
        _ => Ok(()),
    }
}

/// `PUT /licenses/{id}/reseller` with a `resellers` identifier or `null` (admins;
/// `license.reseller.updated`).
///
/// # Errors
/// 422 `RESELLER_NOT_FOUND` at `/data`.
pub async fn set_license_reseller<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, license_id, Action::LicenseResellerChange).await?;
    let r = resellers::target(app, caller, body).await?;
    let rid = r.map(|r| r.id);
    let acc = caller.account_id();
    let now = app.now();
    let changes = json!({"reseller": [l.reseller_id, rid]});
    let ev = events::Event { name: "license.reseller.updated", resource_type: "licenses", resource_id: &l.id, changes: Some(changes), meta: None };
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::licenses::SET_RESELLER, vec![acc.into(), l.id.clone().into(), opt(rid.clone()), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, ev),
        ])
        .await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        return Err(resellers::not_found());
    }
    Ok(LicenseRow { reseller_id: rid, updated_at: now, ..l })
}

/// `GET /licenses/{id}/reseller` (`None`: it has none).
pub async fn of_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str) -> Result<Option<ResellerRow>> {
    let l = licenses::authorize(app, caller, license_id, Action::LicenseRead).await?;
    resellers::of(app, caller, l.reseller_id.as_deref()).await
}
