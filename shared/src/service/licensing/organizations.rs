//! An organization's licenses (issue 10 §7, Cryptlex's license `organizationId`): `GET
//! /organizations/{id}/licenses` and `PUT /licenses/{id}/organization`. The organization itself
//! is `identity::organizations`.

use serde_json::{json, Value};

use crate::access::{self, Action};
use crate::api::query::{Page, Query};
use crate::service::identity::organizations;
use crate::service::licensing::licenses;
use crate::service::{events, fetch_page, App, Caller};
use crate::store::rows::LicenseRow;
use crate::store::{opt, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /organizations/{id}/licenses`.
pub async fn licenses_of<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<LicenseRow>, u64, Page)> {
    let page = Page::from_query(q)?;
    let o = organizations::show(app, caller, id).await?;
    // A reseller admin sees the organization's licenses of its reseller only (the list rule).
    let reseller = caller.list_scope(Action::LicenseRead, q)?.reseller;
    let f: Vec<Value> = vec![caller.account_id().into(), o.id.into(), reseller];
    fetch_page(app.db, sql::licenses::LIST_OF_ORGANIZATION, sql::licenses::COUNT_OF_ORGANIZATION, f, page).await
}

/// `PUT /licenses/{id}/organization` with an `organizations` identifier or `null`
/// (`license.organization.updated`).
///
/// # Errors
/// 422 `ORGANIZATION_NOT_FOUND` at `/data`.
pub async fn set_license_organization<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str, body: &[u8]) -> Result<LicenseRow> {
    let l = licenses::authorize(app, caller, license_id, Action::LicenseOrganizationChange).await?;
    let o = organizations::target(app, caller, body).await?;
    let oid = o.map(|o| o.id);
    let acc = caller.account_id();
    let now = app.now();
    let changes = json!({"organization": [l.organization_id, oid]});
    let ev = events::Event { name: "license.organization.updated", resource_type: "licenses", resource_id: &l.id, changes: Some(changes), meta: None };
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::licenses::SET_ORGANIZATION, vec![acc.into(), l.id.clone().into(), opt(oid.clone()), now.into()]),
            events::record_if_changed(app, acc, &caller.bearer, ev),
        ])
        .await?;
    if res.first().map_or(0, |r| r.changes) == 0 {
        // The organization was deleted between the read and the write.
        return Err(organizations::not_found());
    }
    Ok(LicenseRow { organization_id: oid, updated_at: now, ..l })
}

/// `GET /licenses/{id}/organization`: the license's read, then the organization's (`None`: it
/// has none).
pub async fn of_license<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, license_id: &str) -> Result<Option<crate::store::rows::OrganizationRow>> {
    let l = licenses::authorize(app, caller, license_id, Action::LicenseRead).await?;
    access::require(caller, Action::OrganizationRead)?;
    match l.organization_id.as_deref() {
        Some(id) => organizations::show(app, caller, id).await.map(Some),
        None => Ok(None),
    }
}
