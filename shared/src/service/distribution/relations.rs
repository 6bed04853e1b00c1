//! A release's relations: its product, its package (read and change), its constraining
//! entitlements, one constraint. Each read answers as the release's read.

use super::releases;
use crate::access::Action;
use crate::api::input::to_one_body;
use crate::api::query::{Page, Query};
use crate::error::{AttrFault, Error};
use crate::service::{events, App, Caller};
use crate::store::distribution::{ConstraintRow, PackageRow};
use crate::store::rows::{EntitlementRow, ProductRow};
use crate::store::{fetch_one, products, sql, Db, Kv, Stmt};
use crate::Result;

/// `GET /releases/{id}/product`.
pub async fn product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<ProductRow> {
    let r = releases::show(app, caller, id, &Query::default()).await?;
    products::find(app.db, caller.account_id(), &r.product_id).await?.ok_or_else(|| Error::internal("release without its product"))
}

/// `GET /releases/{id}/package` (`None`: package-less).
pub async fn package<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<Option<PackageRow>> {
    let r = releases::show(app, caller, id, &Query::default()).await?;
    match r.package_id {
        Some(p) => super::packages::find(app, caller.account_id(), &p).await,
        None => Ok(None),
    }
}

/// `PUT /releases/{id}/package`: `{"data":{"type":"packages","id":…}}` or `{"data":null}`;
/// answers the package (Keygen).
///
/// # Errors
/// 422 `PACKAGE_NOT_FOUND`, `PACKAGE_NOT_ALLOWED` (another product's), `VERSION_TAKEN` (the
/// version or tag is taken in the new package).
pub async fn change_package<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, body: &[u8]) -> Result<Option<PackageRow>> {
    let r = releases::writable(app, caller, id, Action::ReleaseUpdate).await?;
    let acc = caller.account_id();
    let target = match to_one_body(body, "packages")? {
        Some(k) => {
            let p =
                super::packages::find(app, acc, &k).await?.ok_or_else(|| Error::attribute("package", AttrFault::NotFound, "must exist").pointer("/data"))?;
            if p.product_id != r.product_id {
                return Err(Error::attribute("package", AttrFault::NotAllowed, "package product must match release product").pointer("/data"));
            }
            Some(p)
        }
        None => None,
    };
    let pid = target.as_ref().map(|p| p.id.clone());
    let ev = events::Event { name: "release.package.updated", resource_type: "releases", resource_id: &r.id, changes: None, meta: None };
    let res = app
        .db
        .batch(vec![
            Stmt::new(sql::releases::SET_PACKAGE, vec![acc.into(), r.id.clone().into(), pid.into(), app.now().into()]),
            events::record_if_changed(app, acc, &caller.bearer, ev),
        ])
        .await?;
    if res.first().map_or(0, |x| x.changes) == 0 {
        return Err(Error::attribute("version", AttrFault::Taken, "is already taken in that package").pointer("/data"));
    }
    Ok(target)
}

/// `GET /releases/{id}/entitlements`.
pub async fn entitlements<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<EntitlementRow>, u64, Page)> {
    let r = releases::show(app, caller, id, &Query::default()).await?;
    let page = Page::from_query(q)?;
    let acc = caller.account_id();
    crate::service::fetch_page(app.db, sql::releases::LIST_ENTITLEMENTS, sql::releases::COUNT_CONSTRAINTS, vec![acc.into(), r.id.into()], page).await
}

/// `GET /releases/{id}/entitlements/{entitlement}`.
pub async fn entitlement<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, eid: &str) -> Result<EntitlementRow> {
    let r = releases::show(app, caller, id, &Query::default()).await?;
    let acc = caller.account_id();
    let cons = releases::constraint_ids(app, acc, &r.id).await?;
    let e = crate::service::catalogue::entitlements::find(app, acc, eid).await?.filter(|e| cons.contains(&e.id));
    e.ok_or_else(|| Error::not_found("entitlement", eid))
}

/// `GET /releases/{id}/constraints/{constraint}`.
pub async fn constraint<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, cid: &str) -> Result<ConstraintRow> {
    // The release's constraint read decides access (404 / 403, and 401 for anonymous callers).
    super::constraints::list(app, caller, id, &Query::default()).await?;
    let r = releases::find(app, caller.account_id(), id, None, None).await?.ok_or_else(|| Error::not_found("release", id))?;
    let found: Option<ConstraintRow> = fetch_one(app.db, sql::releases::FIND_CONSTRAINT, &[caller.account_id().into(), r.id.into(), cid.into()]).await?;
    found.ok_or_else(|| Error::not_found("constraint", cid))
}
