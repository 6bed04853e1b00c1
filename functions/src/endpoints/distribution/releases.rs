//! `/releases` (by id, version or tag), `actions/publish|yank`, `/upgrade`.

use shared::api::distribution::release;
use shared::api::Document;
use shared::domain::release::ReleaseStatus;
use shared::service::distribution::{releases as svc, upgrades};
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists releases.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, release)))
}

/// Creates a release.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true, cx.app.now())?;
    svc::create(&cx.app, &cx.caller, i).await.map(|r| Reply::created(Document::one(release(&r))))
}

/// Shows a release.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id, &cx.req.query).await.map(|r| Reply::ok(Document::one(release(&r))))
}

/// Updates a release.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false, cx.app.now())?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|r| Reply::ok(Document::one(release(&r))))
}

/// Deletes a release and its artifacts' objects.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let blobs = super::blobs(cx)?;
    svc::delete(&cx.app, &blobs, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `POST /releases/{id}/actions/publish`.
pub async fn publish(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set_status(&cx.app, &cx.caller, id, ReleaseStatus::Published).await.map(|r| Reply::ok(Document::one(release(&r))))
}

/// `POST /releases/{id}/actions/yank`.
pub async fn yank(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set_status(&cx.app, &cx.caller, id, ReleaseStatus::Yanked).await.map(|r| Reply::ok(Document::one(release(&r))))
}

/// `GET /releases/{id}/upgrade`.
pub async fn upgrade(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let u = upgrades::upgrade(&cx.app, &cx.caller, id, &cx.req.query).await?;
    Ok(Reply::ok(Document::one(release(&u.next)).meta(serde_json::json!({"current": u.current.version, "next": u.next.version}))))
}

/// `GET /releases/{id}/constraints`.
pub async fn constraints(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    shared::service::distribution::constraints::list(&cx.app, &cx.caller, id, &cx.req.query)
        .await
        .map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, shared::api::distribution::constraint)))
}

/// `POST /releases/{id}/constraints`.
pub async fn attach(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let rows = shared::service::distribution::constraints::attach(&cx.app, &cx.caller, id, &cx.req.body).await?;
    Ok(Reply::ok(Document::many(rows.iter().map(shared::api::distribution::constraint).collect(), Default::default())))
}

/// `DELETE /releases/{id}/constraints`.
pub async fn detach(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    shared::service::distribution::constraints::detach(&cx.app, &cx.caller, id, &cx.req.body).await.map(|()| Reply::NoContent)
}
