//! A product's distribution relations (Keygen's `products/relationships/release_*`
//! controllers): `GET /products/{id}/releases|packages|artifacts|platforms|arches|channels|
//! engines[/{id}]`. Each first finds the product and asks the access table
//! (`ProductDistributionRead`, Keygen's `Products::Release*Policy`), then answers as the
//! top-level list or show narrowed to that product, with the same release access rule; a
//! member of another product is 404.

use super::artifacts::{self, Download};
use super::derived::{self, Kind};
use super::viewer::Viewer;
use super::{packages, releases};
use crate::access::{self, Action, Ownership};
use crate::api::query::{Page, Query};
use crate::error::Error;
use crate::service::licensing::related::member;
use crate::service::{App, Caller};
use crate::store::distribution::{ArtifactRow, KeyRow, PackageRow, ReleaseRow};
use crate::store::{products, Db, Kv};
use crate::Result;

/// The product `id` (id or code) if the caller may read its distribution (the access
/// table's `ProductDistributionRead`: anonymous 401; a product only itself; a user or license
/// a product whose releases it may see; someone else's product 404): its id.
async fn product<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str) -> Result<String> {
    access::gate(caller, Action::ProductDistributionRead)?;
    let acc = caller.account_id();
    let p = products::find(app.db, acc, id).await?.ok_or_else(|| Error::not_found("product", id))?;
    let mut v = Viewer::load(app, caller).await?;
    let own = match v.own_product().map(str::to_owned) {
        Some(mine) => mine == p.id,
        None => v.visible_products(app, acc).await?.is_none_or(|ids| ids.contains(&p.id)),
    };
    access::check(caller, Action::ProductDistributionRead, Ownership::of(own), "product", id)?;
    Ok(p.id)
}

/// `GET /products/{id}/releases`.
pub async fn releases<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<ReleaseRow>, u64, Page)> {
    let p = product(app, caller, id).await?;
    releases::list(app, caller, &q.with("product", p)).await
}

/// `GET /products/{id}/releases/{release}` (by id, version or tag, as `GET /releases/{id}`).
pub async fn release<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, release: &str, q: &Query) -> Result<ReleaseRow> {
    let p = product(app, caller, id).await?;
    releases::show(app, caller, release, &q.with("product", p)).await
}

/// `GET /products/{id}/packages`.
pub async fn packages<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<PackageRow>, u64, Page)> {
    let p = product(app, caller, id).await?;
    packages::list(app, caller, &q.with("product", p)).await
}

/// `GET /products/{id}/packages/{package}`.
pub async fn package<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, package: &str) -> Result<PackageRow> {
    let p = product(app, caller, id).await?;
    member(packages::show(app, caller, package).await?, |k| k.product_id == p, "package", package)
}

/// `GET /products/{id}/artifacts`.
pub async fn artifacts<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, q: &Query) -> Result<(Vec<ArtifactRow>, u64, Page)> {
    let p = product(app, caller, id).await?;
    artifacts::list(app, caller, &q.with("product", p), None).await
}

/// `GET /products/{id}/artifacts/{artifact}`: a download, as `GET /artifacts/{id}` (by id or
/// filename, `ttl` as there), among the product's artifacts only.
pub async fn artifact<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, id: &str, artifact: &str, ttl: Option<&str>) -> Result<Download> {
    let p = product(app, caller, id).await?;
    artifacts::download(app, caller, artifact, None, Some(&p), ttl).await
}

/// `GET /products/{id}/platforms|arches|channels|engines`.
pub async fn keyed<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, kind: Kind, id: &str) -> Result<Vec<KeyRow>> {
    let p = product(app, caller, id).await?;
    derived::list(app, caller, kind, Some(&p)).await
}

/// `GET /products/{id}/platforms/{platform}` & co.
pub async fn keyed_one<D: Db, K: Kv>(app: &App<'_, D, K>, caller: &Caller, kind: Kind, id: &str, key: &str) -> Result<KeyRow> {
    let p = product(app, caller, id).await?;
    derived::show(app, caller, kind, key, Some(&p)).await
}
