//! `GET /products/{id}/releases|packages|artifacts|platforms|arches|channels|engines[/{id}]`
//! (`shared::service::distribution::product_relations`): the top-level answers, narrowed to
//! the product.

use shared::api::distribution::{keyed, package, release};
use shared::api::Document;
use shared::service::distribution::derived::Kind;
use shared::service::distribution::product_relations as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// `GET /products/{id}/releases`.
pub async fn releases(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::releases(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, release)))
}

/// `GET /products/{id}/releases/{release}`.
pub async fn release_of(cx: &Cx<'_>, id: &str, rid: &str) -> Result<Reply, Error> {
    svc::release(&cx.app, &cx.caller, id, rid, &cx.req.query).await.map(|r| Reply::ok(Document::one(release(&r))))
}

/// `GET /products/{id}/packages`.
pub async fn packages(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::packages(&cx.app, &cx.caller, id, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, package)))
}

/// `GET /products/{id}/packages/{package}`.
pub async fn package_of(cx: &Cx<'_>, id: &str, pid: &str) -> Result<Reply, Error> {
    svc::package(&cx.app, &cx.caller, id, pid).await.map(|p| Reply::ok(Document::one(package(&p))))
}

/// `GET /products/{id}/artifacts`.
pub async fn artifacts(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::artifacts(&cx.app, &cx.caller, id, &cx.req.query)
        .await
        .map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, shared::api::distribution::artifact)))
}

/// `GET /products/{id}/artifacts/{artifact}`: answered as `GET /artifacts/{id}` (303 to the
/// signed download link, `Prefer` and `ttl` honoured).
pub async fn artifact_of(cx: &Cx<'_>, id: &str, aid: &str) -> Result<Reply, Error> {
    super::artifacts::answer(cx, svc::artifact(&cx.app, &cx.caller, id, aid, cx.req.query.get("ttl")).await?)
}

/// `GET /products/{id}/platforms` & co.
pub async fn keyed_list(cx: &Cx<'_>, kind: Kind, id: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id().to_owned();
    let rows = svc::keyed(&cx.app, &cx.caller, kind, id).await?;
    Ok(Reply::ok(Document::many(rows.iter().map(|k| keyed(&acc, kind.ty(), k)).collect(), Default::default())))
}

/// `GET /products/{id}/platforms/{platform}` & co.
pub async fn keyed_one(cx: &Cx<'_>, kind: Kind, id: &str, key: &str) -> Result<Reply, Error> {
    let acc = cx.caller.account_id().to_owned();
    svc::keyed_one(&cx.app, &cx.caller, kind, id, key).await.map(|k| Reply::ok(Document::one(keyed(&acc, kind.ty(), &k))))
}
