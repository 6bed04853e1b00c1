//! `/maintenance-policies` (issue 10 §5) and `PUT /policies/{id}/maintenance-policy`.

use shared::api::licenses::policy;
use shared::api::subscriptions::maintenance_policy;
use shared::api::Document;
use shared::service::catalogue::maintenance_policies as svc;
use shared::Error;

use crate::endpoints::list_doc;
use crate::http::Reply;
use crate::router::Cx;

/// Lists maintenance policies.
pub async fn list(cx: &Cx<'_>) -> Result<Reply, Error> {
    svc::list(&cx.app, &cx.caller, &cx.req.query).await.map(|(rows, n, page)| Reply::ok(list_doc(cx, &rows, n, page, maintenance_policy)))
}

/// Creates one.
pub async fn create(cx: &Cx<'_>) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, true)?;
    svc::create(&cx.app, &cx.caller, i).await.map(|m| Reply::created(Document::one(maintenance_policy(&m))))
}

/// Shows one.
pub async fn show(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::show(&cx.app, &cx.caller, id).await.map(|m| Reply::ok(Document::one(maintenance_policy(&m))))
}

/// Updates one.
pub async fn update(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    let i = svc::parse(&cx.req.body, false)?;
    svc::update(&cx.app, &cx.caller, id, i).await.map(|m| Reply::ok(Document::one(maintenance_policy(&m))))
}

/// Deletes one.
pub async fn delete(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::delete(&cx.app, &cx.caller, id).await.map(|()| Reply::NoContent)
}

/// `PUT /policies/{id}/maintenance-policy`.
pub async fn set_for_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    svc::set_for_policy(&cx.app, &cx.caller, id, &cx.req.body).await.map(|p| Reply::ok(Document::one(policy(&p))))
}

/// `GET /policies/{id}/maintenance-policy` (`data: null` when it has none).
pub async fn of_policy(cx: &Cx<'_>, id: &str) -> Result<Reply, Error> {
    Ok(match svc::of_policy(&cx.app, &cx.caller, id).await? {
        Some(m) => Reply::ok(Document::one(maintenance_policy(&m))),
        None => Reply::ok(Document(serde_json::Map::from_iter([("data".to_owned(), serde_json::Value::Null)]))),
    })
}
