//! A release's relations, and the derived platforms, arches, channels and engines.

use shared::api::distribution::{constraint, keyed, package};
use shared::api::Document;
use shared::service::distribution::derived::{self, Kind};
use shared::service::distribution::relations as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

fn package_doc(p: Option<shared::store::distribution::PackageRow>) -> Reply {
    match p {
        Some(p) => Reply::ok(Document::one(package(&p))),
        None => Reply::ok(Document(serde_json::json!({"data": null}).as_object().cloned().unwrap_or_default())),
    }
}

/// `GET /releases/{id}/product`.
pub async fn product(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::product(&cx.app, &cx.caller, id).await.map(|p| Reply::ok(Document::one(shared::api::accounts::product(&p))))
}

/// `GET /releases/{id}/package`.
pub async fn release_package(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::package(&cx.app, &cx.caller, id).await.map(package_doc)
}

/// `PUT /releases/{id}/package`.
pub async fn change_package(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::change_package(&cx.app, &cx.caller, id, &cx.req.body).await.map(package_doc)
}

/// `GET /releases/{id}/entitlements`.
pub async fn entitlements(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::entitlements(&cx.app, &cx.caller, id, &cx.req.query)
        .await
        .map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, shared::api::entitlements::entitlement)))
}

/// `GET /releases/{id}/entitlements/{entitlement}`.
pub async fn entitlement(cx: &Cx<'_>, id: &str, eid: &str) -> Result<Reply, Error> {
    svc::entitlement(&cx.app, &cx.caller, id, eid).await.map(|e| Reply::ok(Document::one(shared::api::entitlements::entitlement(&e))))
}

/// `GET /releases/{id}/constraints/{constraint}`.
pub async fn release_constraint(cx: &Cx<'_>, id: &str, cid: &str) -> Result<Reply, Error> {
    svc::constraint(&cx.app, &cx.caller, id, cid).await.map(|c| Reply::ok(Document::one(constraint(&c))))
}

/// `GET /platforms`, `/arches`, `/channels`, `/engines`.
pub async fn list(cx: &Cx<'_>, kind: Kind) -> Result<Reply, Error> {
    let acc = cx.caller.account_id().to_owned();
    let rows = derived::list(&cx.app, &cx.caller, kind, None).await?;
    Ok(Reply::ok(Document::many(rows.iter().map(|k| keyed(&acc, kind.ty(), k)).collect(), Default::default())))
}

/// `GET /platforms/{id}` & co.
pub async fn show(cx: &Cx<'_>, kind: Kind, id: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id().to_owned();
    derived::show(&cx.app, &cx.caller, kind, id, None).await.map(|k| Reply::ok(Document::one(keyed(&acc, kind.ty(), &k))))
}
